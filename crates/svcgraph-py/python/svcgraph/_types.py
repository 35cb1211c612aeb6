"""The shapes of the plain records a ``Graph`` hands out: ``Graph.nodes``, ``Graph.edges``
and ``Graph.layout_stats()``. They are ordinary dicts; these ``TypedDict``s describe them
for type checkers."""

from __future__ import annotations

from typing import List, Literal, Optional, TypedDict

__all__ = ["EdgeRecord", "LayoutSeconds", "LayoutStats", "NodeRecord"]

NodeKind = Literal[
    "service", "pod", "workload", "namespace", "database", "virtual", "external", "unknown"
]
Change = Literal["new", "gone", "changed", "same"]
Metric = Literal["rate", "error_ratio", "p95"]


class NodeRecord(TypedDict):
    """One node of ``Graph.nodes``."""

    id: str
    name: str
    namespace: Optional[str]
    kind: NodeKind
    addresses: List[str]
    change: Optional[Literal["new", "gone"]]


class EdgeRecord(TypedDict):
    """One edge of ``Graph.edges``. Latencies are in seconds; ``change``, ``moved`` and the
    ``before_`` fields are set after ``Graph.diff``."""

    source: str
    target: str
    source_name: str
    target_name: str
    requests_per_second: float
    failures_per_second: float
    error_ratio: float
    p50: Optional[float]
    p95: Optional[float]
    p99: Optional[float]
    connection_type: Optional[str]
    change: Optional[Change]
    moved: List[Metric]
    before_requests_per_second: Optional[float]
    before_error_ratio: Optional[float]
    before_p95: Optional[float]


class LayoutSeconds(TypedDict):
    """Seconds spent in each phase of the layout."""

    acyclic: float
    layering: float
    ordering: float
    positioning: float
    routing: float
    total: float


class LayoutStats(TypedDict):
    """What ``Graph.layout_stats()`` returns."""

    nodes: int
    edges: int
    layers: int
    reversed_edges: int
    dummies: int
    direct_edges: int
    labels_left_out: int
    crossings: int
    width: float
    height: float
    seconds: LayoutSeconds
