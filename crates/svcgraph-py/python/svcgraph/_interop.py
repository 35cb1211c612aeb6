"""Conversions to networkx and pandas, imported only when asked for."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._svcgraph import Graph


def _require(module: str, method: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(
            f"Graph.{method}() needs {module}, which is not installed; "
            f"install it with `pip install {module}` (or `pip install svcgraph[{module}]`)"
        ) from err


def to_networkx(graph: Graph) -> Any:
    """The graph as a ``networkx.DiGraph``: nodes keyed by id with the node record as
    attributes, edges with the edge record as attributes."""
    nx = _require("networkx", "to_networkx")
    out = nx.DiGraph()
    for node in graph.nodes:
        out.add_node(node["id"], **node)
    for edge in graph.edges:
        out.add_edge(edge["source"], edge["target"], **edge)
    return out


def to_pandas(graph: Graph) -> Any:
    """The edges as a ``pandas.DataFrame``, one row per edge, columns as in ``Graph.edges``."""
    pd = _require("pandas", "to_pandas")
    columns = [
        "source",
        "target",
        "source_name",
        "target_name",
        "requests_per_second",
        "failures_per_second",
        "error_ratio",
        "p50",
        "p95",
        "p99",
        "connection_type",
        "change",
        "moved",
        "before_requests_per_second",
        "before_error_ratio",
        "before_p95",
    ]
    return pd.DataFrame(graph.edges, columns=columns)
