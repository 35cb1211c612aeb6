"""How fast the interactive page is in headless Chromium (BENCHMARKS.md, "Interactive page").

For the layout benchmark's `service 1000` and `service 5000` graphs (pages.service_graph):

* time until drawn and interactive: from navigation start to `window.svcgraphReady`, which the
  page sets in the second animation frame after its script has indexed the drawing, applied
  the URL fragment and fitted the view; for the page as written (a namespace overview, since
  both graphs have more than 400 services in 20 namespaces), for the same page opened on its
  full drawing (`#full=1`), and for the graph in one namespace (drawn in full from the start);
* hover latency on the full 5,000-service drawing: a `mouseover` dispatched on a node, until
  the next animation frame after the page has highlighted the neighbourhood and the style has
  been recomputed (forced in that frame), and until the frame after it (paint included).

    bash scripts/browser-checks.sh --bench [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, List

import pages

HOVER = """
const [index, done] = [arguments[0], arguments[arguments.length - 1]];
const nodes = document.querySelectorAll('#stage > svg:first-child g.nodes > g.node');
const node = nodes[(index * 7919) % nodes.length];
const t0 = performance.now();
node.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
requestAnimationFrame(() => {
  document.querySelector('svg.hover-overlay').getBBox();  // style and layout of that frame
  const styled = performance.now() - t0;
  requestAnimationFrame(() => done([styled, performance.now() - t0]));
});
"""


def load_times(driver, path: Path, fragment: str, runs: int) -> List[float]:  # type: ignore[no-untyped-def]
    times = []
    pages.open_page(driver, path, fragment)  # warm-up: file cache, compiled script
    for _ in range(runs):
        driver.get("about:blank")
        times.append(pages.open_page(driver, path, fragment))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--hovers", type=int, default=25)
    parser.add_argument("--out", type=Path, help="where to keep the pages (default: a temp dir)")
    args = parser.parse_args()
    directory = args.out or Path(tempfile.mkdtemp(prefix="svcgraph-page-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    version = subprocess.run(["chromium", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{version}; {args.runs} loads per page after a warm-up, medians (min-max) in ms")

    driver = pages.chromium()
    results: Dict[str, object] = {}
    try:
        for n in (1000, 5000):
            doc = pages.service_graph(n)
            boxed = pages.render(["-i", str(pages.write_json(doc, directory / f"service-{n}.json"))],
                                 directory / f"service-{n}.html")
            for node in doc["nodes"]:
                node["namespace"] = "default"
            single = pages.render(["-i", str(pages.write_json(doc, directory / f"service-{n}-one.json"))],
                                  directory / f"service-{n}-one.html")
            for label, path, fragment in (
                ("overview (as written)", boxed, ""),
                ("full drawing (#full=1)", boxed, "#full=1"),
                ("one namespace, full", single, ""),
            ):
                times = load_times(driver, path, fragment, args.runs)
                size = path.stat().st_size
                print(f"service {n} ({len(doc['edges'])} edges) {label}: {statistics.median(times):.0f} "
                      f"({min(times):.0f}-{max(times):.0f}); page {size / 1e6:.1f} MB")
                results[f"{n} {label}"] = times
            if n == 5000:
                for label, path, fragment in (("full drawing (#full=1)", boxed, "#full=1"),
                                              ("one namespace, full", single, "")):
                    pages.open_page(driver, path, fragment)
                    samples = [driver.execute_async_script(HOVER, i) for i in range(args.hovers)]
                    styled = [s[0] for s in samples]
                    painted = [s[1] for s in samples]
                    print(f"hover on service 5000 {label}: to the highlighted frame's style "
                          f"{statistics.median(styled):.1f} ({min(styled):.1f}-{max(styled):.1f}), "
                          f"to the next frame {statistics.median(painted):.1f} "
                          f"({min(painted):.1f}-{max(painted):.1f}); {args.hovers} hovers")
                    results[f"hover {label}"] = samples
    finally:
        driver.quit()
    (directory / "results.json").write_text(json.dumps(results, indent=1))
    print(f"pages and results in {directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
