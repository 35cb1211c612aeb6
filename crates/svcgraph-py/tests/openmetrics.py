"""Known service-graph data for the ``servicegraph`` preset, as OpenMetrics text for
``promtool tsdb create-blocks-from openmetrics``, and the numbers svcgraph must read back.

The same topology and arithmetic as the Rust tests' generator
(crates/svcgraph-prometheus/tests/common/data.rs): every edge calls at a known rate, half of
it for the first 15 minutes and all of it after; 10 % of calls fail; every call takes between
0.1 s and 0.25 s, so ``histogram_quantile`` interpolates to ``0.1 + 0.15 q`` seconds exactly.
Counters grow linearly between samples, so ``rate()`` is exact too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

STEP = 15
DURATION = 40 * 60
HALF_RATE_FOR = 15 * 60
FAILED = 0.1
P50 = 0.175
P95 = 0.2425
P99 = 0.2485
SECONDS_BOUNDS = (0.05, 0.1, 0.25, 0.5, 1.0)

# A namespace with a quote and a backslash, to prove escaping end to end.
ODD_NAMESPACE = 'we"ird\\ns'


@dataclass(frozen=True)
class End:
    ns: str
    name: str


@dataclass(frozen=True)
class EdgeSpec:
    cluster: str
    client: End
    server: End
    rate: float


def standard_edges() -> List[EdgeSpec]:
    """Two clusters, namespaces ns-a, ns-b and ODD_NAMESPACE, one edge present in both
    clusters (an unfiltered query adds the two up)."""
    frontend, cart, payments = End("ns-a", "frontend"), End("ns-a", "cart"), End("ns-a", "payments")
    api, auth, worker = End("ns-b", "api"), End("ns-b", "auth"), End("ns-b", "worker")
    legacy = End(ODD_NAMESPACE, "legacy")
    return [
        EdgeSpec("c1", frontend, cart, 2.0),
        EdgeSpec("c1", cart, payments, 4.0),
        EdgeSpec("c1", frontend, api, 6.0),
        EdgeSpec("c1", api, auth, 8.0),
        EdgeSpec("c2", frontend, cart, 10.0),
        EdgeSpec("c2", api, worker, 2.0),
        EdgeSpec("c2", worker, legacy, 4.0),
    ]


def rate_at(full: float, t: int) -> float:
    """The request rate of an edge of ``full`` req/s at ``t`` seconds after the start."""
    return full / 2.0 if t < HALF_RATE_FOR else full


def _counter(full: float, share: float, k: int) -> float:
    half = min(k, HALF_RATE_FOR // STEP)
    steps = (full / 2.0) * half + full * (k - half)
    # A base far from zero keeps rate() from limiting extrapolation at a counter start.
    return 1000.0 + steps * share * STEP


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _sample(name: str, labels: List[Tuple[str, str]], value: float, t: int) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return f"{name}{{{inner}}} {value!r} {t}\n"


@dataclass
class Dataset:
    start: int
    end: int
    text: str


def servicegraph_dataset(edges: List[EdgeSpec], end: int) -> Dataset:
    """OpenMetrics text for the ``servicegraph`` preset, samples every STEP s from
    ``end - DURATION`` to ``end``."""
    start = end - DURATION
    samples = DURATION // STEP
    families: Dict[str, Tuple[str, List[str]]] = {}

    def family(name: str, kind: str) -> List[str]:
        return families.setdefault(name, (kind, []))[1]

    for e in edges:
        base = [
            ("client", e.client.name),
            ("client_service_namespace", e.client.ns),
            ("server", e.server.name),
            ("server_service_namespace", e.server.ns),
            ("cluster", e.cluster),
            ("connection_type", ""),
        ]
        requests = family("traces_service_graph_request", "counter")
        for failed, share in (("false", 1.0 - FAILED), ("true", FAILED)):
            labels = base + [("failed", failed)]
            for k in range(samples + 1):
                requests.append(
                    _sample("traces_service_graph_request_total", labels,
                            _counter(e.rate, share, k), start + k * STEP)
                )
        failures = family("traces_service_graph_request_failed", "counter")
        for k in range(samples + 1):
            failures.append(
                _sample("traces_service_graph_request_failed_total", base,
                        _counter(e.rate, FAILED, k), start + k * STEP)
            )
        name = "traces_service_graph_request_server_seconds"
        histogram = family(name, "histogram")
        for k in range(samples + 1):
            t = start + k * STEP
            count = _counter(e.rate, 1.0, k)
            for bound in SECONDS_BOUNDS:
                value = count if bound >= 0.25 else 0.0
                histogram.append(_sample(f"{name}_bucket", base + [("le", repr(bound))], value, t))
            histogram.append(_sample(f"{name}_bucket", base + [("le", "+Inf")], count, t))
            histogram.append(_sample(f"{name}_count", base, count, t))
            histogram.append(_sample(f"{name}_sum", base, count * P50, t))

    text = []
    for name in sorted(families):
        kind, lines = families[name]
        text.append(f"# TYPE {name} {kind}\n")
        text.extend(lines)
    text.append("# EOF\n")
    return Dataset(start=start, end=end, text="".join(text))


def expected(
    edges: List[EdgeSpec],
    t: int,
    cluster: Optional[str] = None,
    namespace: Optional[str] = None,
) -> Dict[Tuple[str, str], float]:
    """Requests per second by (client, server) at ``t`` seconds after the start; the
    namespace filter matches either end, as the ``servicegraph`` preset asks."""
    out: Dict[Tuple[str, str], float] = {}
    for e in edges:
        if cluster is not None and e.cluster != cluster:
            continue
        if namespace is not None and namespace not in (e.client.ns, e.server.ns):
            continue
        key = (e.client.name, e.server.name)
        out[key] = out.get(key, 0.0) + rate_at(e.rate, t)
    return out
