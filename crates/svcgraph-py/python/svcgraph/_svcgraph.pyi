"""Type stubs of the native module ``svcgraph._svcgraph`` (written in Rust with pyo3)."""

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, Union, final

from svcgraph._types import EdgeRecord, LayoutStats, NodeRecord

__all__ = [
    "Graph",
    "SCHEMAS",
    "__version__",
    "from_cloud_monitoring",
    "from_gmp",
    "from_prometheus",
    "from_samples",
    "load",
]

__version__: str
SCHEMAS: tuple[str, ...]

_RankDir = Literal["lr", "tb"]
_EdgeLabels = Literal["auto", "always", "never"]
_Group = Literal["namespace"] | None
_Filters = Union[str, Sequence[str], Mapping[str, str], None]
_Labels = Mapping[str, str]
_Value = Union[float, int, str]
_Sample = Union[Mapping[str, Any], tuple[_Labels, _Value], Sequence[Any]]
_Samples = Iterable[_Sample]
_Time = Union[str, float, int, datetime]

@final
class Graph:
    """A service graph; immutable, transforms return a new graph."""

    @property
    def nodes(self) -> list[NodeRecord]: ...
    @property
    def edges(self) -> list[EdgeRecord]: ...
    @property
    def schema(self) -> str | None: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def snapshot(self) -> str | None: ...
    def __len__(self) -> int: ...
    def __contains__(self, node: object, /) -> bool: ...
    def node(self, node: str) -> NodeRecord: ...
    def edge(self, source: str, target: str) -> EdgeRecord | None: ...
    def focus(
        self,
        node: str,
        depth: int | None = 1,
        direction: Literal["up", "down", "both"] = "both",
    ) -> Graph: ...
    def aggregate(self, level: Literal["workload", "namespace"]) -> Graph: ...
    def filter(
        self,
        *,
        namespace: str | Sequence[str] | None = None,
        name: str | None = None,
        exclude: str | None = None,
        hide_virtual: bool = False,
        hide_external: bool = False,
    ) -> Graph: ...
    def prune(self, min_rate: float) -> Graph: ...
    def diff(
        self,
        baseline: Graph,
        *,
        rate_change: float = 0.5,
        error_change: float = 0.01,
        p95_change: float = 0.5,
    ) -> Graph: ...
    def to_svg(
        self,
        *,
        rankdir: _RankDir = "lr",
        edge_labels: _EdgeLabels = "auto",
        group: _Group = None,
        legend: bool = True,
        hint: str | None = None,
    ) -> str: ...
    def layout_hint(
        self,
        *,
        rankdir: _RankDir = "lr",
        edge_labels: _EdgeLabels = "auto",
        group: _Group = None,
        hint: str | None = None,
    ) -> str: ...
    def to_html(
        self,
        *,
        rankdir: _RankDir = "lr",
        edge_labels: _EdgeLabels = "auto",
        group: _Group = None,
        legend: bool = True,
        title: str | None = None,
        hint: str | None = None,
    ) -> str: ...
    def to_dot(self, *, rankdir: _RankDir = "lr", group: _Group = None) -> str: ...
    def to_json(self) -> str: ...
    def save(
        self,
        path: str | os.PathLike[str],
        *,
        format: Literal["svg", "dot", "gv", "json", "html", "htm"] | None = None,
        rankdir: _RankDir = "lr",
        edge_labels: _EdgeLabels = "auto",
        group: _Group = None,
        legend: bool = True,
    ) -> None: ...
    def layout_stats(
        self,
        *,
        rankdir: _RankDir = "lr",
        edge_labels: _EdgeLabels = "auto",
        group: _Group = None,
    ) -> LayoutStats: ...
    def _repr_svg_(self) -> str: ...
    def _repr_html_(self) -> str: ...
    def to_networkx(self) -> Any:
        """A ``networkx.DiGraph`` (networkx is an optional dependency, hence ``Any``)."""
    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` of the edges (pandas is optional, hence ``Any``)."""

def load(
    source: str | bytes | os.PathLike[str],
    *,
    schema: str = "auto",
    cluster: str | None = None,
    filters: _Filters = None,
) -> Graph: ...
def from_samples(
    samples: _Samples,
    *,
    schema: str,
    failures: _Samples | None = None,
    latency_p50: _Samples | None = None,
    latency_p95: _Samples | None = None,
    latency_p99: _Samples | None = None,
) -> Graph: ...
def from_prometheus(
    url: str,
    *,
    schema: str = "auto",
    cluster: str | None = None,
    namespace: str | None = None,
    window: str | timedelta = "5m",
    at: _Time | None = None,
    headers: Mapping[str, str] | None = None,
    bearer_token: str | None = None,
    basic_auth: tuple[str, str] | None = None,
    ca_file: str | os.PathLike[str] | None = None,
    insecure: bool = False,
    timeout: float = 30.0,
    attempts: int = 3,
    filters: _Filters = None,
) -> Graph: ...
def from_gmp(
    project: str,
    *,
    schema: str = "auto",
    cluster: str | None = None,
    namespace: str | None = None,
    window: str | timedelta = "5m",
    at: _Time | None = None,
    filters: _Filters = None,
    credentials_file: str | os.PathLike[str] | None = None,
    quota_project: str | None = None,
    endpoint: str | None = None,
    timeout: float = 30.0,
) -> Graph: ...
def from_cloud_monitoring(
    project: str,
    *,
    schema: str = "auto",
    cluster: str | None = None,
    namespace: str | None = None,
    window: str | timedelta = "5m",
    at: _Time | None = None,
    filters: _Filters = None,
    credentials_file: str | os.PathLike[str] | None = None,
    quota_project: str | None = None,
    endpoint: str | None = None,
    timeout: float = 30.0,
) -> Graph: ...
