"""svcgraph: see your service graph — who calls whom, how often, how often it fails, how
slow it is — from the service-graph metrics in Prometheus, Thanos, Mimir or
VictoriaMetrics, drawn inline in Jupyter.

>>> import svcgraph
>>> g = svcgraph.load("crates/svcgraph-cli/data/shop.snapshot.json")   # a saved snapshot or response
>>> g = svcgraph.from_prometheus("http://localhost:9090", namespace="shop")
>>> g = svcgraph.from_gmp("my-project", cluster="prod")     # Google Managed Prometheus
>>> g.aggregate("workload").focus("checkout", depth=2)     # shows itself as SVG in Jupyter
>>> g.save("shop.svg", group="namespace")
>>> g.to_pandas()                                           # edges as a DataFrame

Every error is a ``SvcgraphError``: ``SourceError`` (and its ``AuthError``), ``QueryError``,
``InputError`` (also a ``ValueError``) and ``OutputError`` (also an ``OSError``).
"""

from ._errors import (
    AuthError,
    InputError,
    OutputError,
    QueryError,
    SourceError,
    SvcgraphError,
)
from ._svcgraph import (
    SCHEMAS,
    Graph,
    Page,
    __version__,
    from_cloud_monitoring,
    from_gmp,
    from_prometheus,
    from_samples,
    load,
)
from ._types import EdgeRecord, LayoutStats, NodeRecord

__all__ = [
    "SCHEMAS",
    "AuthError",
    "EdgeRecord",
    "Graph",
    "InputError",
    "LayoutStats",
    "NodeRecord",
    "OutputError",
    "Page",
    "QueryError",
    "SourceError",
    "SvcgraphError",
    "__version__",
    "from_cloud_monitoring",
    "from_gmp",
    "from_prometheus",
    "from_samples",
    "load",
]
