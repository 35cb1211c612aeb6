"""Rendering the 1,000-node benchmark graph from Python against the `svcgraph` command.

The graph is `service_shaped(1000, 3)` with the rates, failures and latencies of
`service_graph` in crates/svcgraph-core/benches/layout.rs, generated here by a faithful port
(same SplitMix64 numbers, same draws in the same order) and written as a graph document.
Both sides then read that same file and draw it as SVG:

* Python, in process: `svcgraph.load(path).to_svg()`;
* the command line, as a process: `svcgraph render -q -i path -f svg -o /dev/null`;
* and, for the whole picture, Python as a process too (interpreter start and import
  included): `python -c "...; sys.stdout.write(svcgraph.load(path).to_svg())" >/dev/null`;

each timed over several runs after a warm-up, reporting medians and their ratio. Both
outputs are compared byte for byte first.

    python bench/render_1000.py --cli target/release/svcgraph [--runs 15] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Set, Tuple

import svcgraph

MASK = (1 << 64) - 1


class Rng:
    """SplitMix64, as the Rust benchmark's `Rng`."""

    def __init__(self, seed: int) -> None:
        self.state = seed & MASK

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        return self.next() % n

    def unit(self) -> float:
        return (self.next() >> 11) / float(1 << 53)


def round_half_away(x: float) -> int:
    """Rust's `f64::round` for the non-negative values used here."""
    return int(math.floor(x + 0.5))


def zipf(rng: Rng, length: int) -> int:
    h = sum(1.0 / k for k in range(1, length + 1))
    target = rng.unit() * h
    for k in range(length):
        target -= 1.0 / (k + 1)
        if target <= 0.0:
            return k
    return length - 1


def service_shaped(n: int, seed: int) -> List[Tuple[int, int]]:
    """Tiers of services called from the tier above with power-law preference, about three
    edges per node, 1–5 % of them pointing back up."""
    rng = Rng(seed)
    tiers = 6 if n <= 150 else 8 if n <= 500 else 10 if n <= 2000 else 12
    weights = [0.3 + math.sin(math.pi * ((t + 0.5) / tiers)) for t in range(tiers)]
    total = sum(weights)
    tier_of: List[int] = []
    for t, w in enumerate(weights):
        count = n - len(tier_of) if t + 1 == tiers else round_half_away((w / total) * n)
        tier_of.extend([t] * min(count, n - len(tier_of)))
    members = [[v for v in range(n) if tier_of[v] == t] for t in range(tiers)]
    edges: Set[Tuple[int, int]] = set()
    target_edges = 3 * n
    upward_share = 0.01 + 0.04 * rng.unit()
    for v, t in enumerate(tier_of):
        if t > 0 and members[t - 1]:
            callers = members[t - 1]
            edges.add((callers[zipf(rng, len(callers))], v))
    upward = round_half_away(target_edges * upward_share)
    guard = 0
    while len(edges) < target_edges - upward and guard < 50 * target_edges:
        guard += 1
        v = rng.below(n)
        t = tier_of[v]
        if t + 1 < tiers:
            skip = 1 if rng.unit() < 0.8 else 1 + rng.below(tiers - t - 1)
            down = members[min(t + skip, tiers - 1)]
            if down:
                edges.add((v, down[zipf(rng, len(down))]))
    while len(edges) < target_edges and guard < 100 * target_edges:
        guard += 1
        v = rng.below(n)
        t = tier_of[v]
        if t > 0:
            up = members[rng.below(t)]
            if up:
                edges.add((v, up[rng.below(len(up))]))
    return sorted(edges)


def graph_document(n: int, edges: List[Tuple[int, int]]) -> Dict[str, object]:
    """The shape as a service graph with the benchmark's rates, failures and latencies."""
    rng = Rng(n ^ 0xABCD)
    out_edges = []
    for s, t in edges:
        rate = 10.0 ** (3.0 * rng.unit() - 1.0)
        failures = 0.0
        if rng.unit() < 0.1:
            failures = rate * 0.08 * rng.unit()
        p95 = 0.002 + 0.5 * rng.unit() * rng.unit()
        out_edges.append({
            "source": f"svc-{s}",
            "target": f"svc-{t}",
            "requests_per_second": rate,
            "failures_per_second": failures,
            "latency_seconds": {"p95": p95},
        })
    nodes = [{"id": f"svc-{i}", "name": f"svc-{i}", "kind": "service"} for i in range(n)]
    return {"format": "svcgraph-graph", "version": 1, "nodes": nodes, "edges": out_edges}


def median_seconds(action, runs: int) -> Tuple[float, List[float]]:  # type: ignore[no-untyped-def]
    action()  # warm-up: page cache, allocator, lazily loaded code
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", type=Path, required=True, help="the svcgraph binary (release)")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", type=Path, help="where to keep the graph JSON (default: a temp dir)")
    args = parser.parse_args()

    directory = args.out or Path(tempfile.mkdtemp(prefix="svcgraph-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "service-1000.json"
    edges = service_shaped(1000, 3)
    path.write_text(json.dumps(graph_document(1000, edges)))
    print(f"graph: 1000 nodes, {len(edges)} edges -> {path}")

    from_cli = subprocess.run(
        [str(args.cli), "render", "-q", "-i", str(path), "-f", "svg"],
        check=True, capture_output=True,
    ).stdout.decode()
    from_python = svcgraph.load(path).to_svg()
    if from_cli != from_python:
        print("the two SVG documents differ", file=sys.stderr)
        return 1
    print(f"both draw the same SVG ({len(from_python):,} bytes)")

    python_median, python_times = median_seconds(lambda: svcgraph.load(path).to_svg(), args.runs)
    command = [str(args.cli), "render", "-q", "-i", str(path), "-f", "svg", "-o", "/dev/null"]
    cli_median, cli_times = median_seconds(
        lambda: subprocess.run(command, check=True), args.runs
    )
    print(f"python  svcgraph.load(path).to_svg(): median {python_median * 1000:.1f} ms "
          f"(min {min(python_times) * 1000:.1f}, max {max(python_times) * 1000:.1f}; {args.runs} runs)")
    print(f"cli     svcgraph render -i path -f svg: median {cli_median * 1000:.1f} ms "
          f"(min {min(cli_times) * 1000:.1f}, max {max(cli_times) * 1000:.1f}; {args.runs} runs)")
    script = "import sys, svcgraph; sys.stdout.write(svcgraph.load(sys.argv[1]).to_svg())"
    process = [sys.executable, "-c", script, str(path)]
    process_median, process_times = median_seconds(
        lambda: subprocess.run(process, check=True, stdout=subprocess.DEVNULL), args.runs
    )
    print(f"python  as a process (startup + import): median {process_median * 1000:.1f} ms "
          f"(min {min(process_times) * 1000:.1f}, max {max(process_times) * 1000:.1f}; {args.runs} runs)")
    print(f"ratio python / cli: {python_median / cli_median:.3f} in process, "
          f"{process_median / cli_median:.3f} as processes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
