"""Type stubs of the native module ``svcgraph._svcgraph`` (written in Rust with pyo3).

Every public function, class, method and property has a docstring here (editors show these
on hover); the running module carries the same documentation, often with examples, in its
``__doc__`` strings. ``tests/test_docstrings.py`` checks both.
"""

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, Union, final

from svcgraph._types import EdgeRecord, LayoutStats, NodeRecord

__all__ = [
    "Graph",
    "Page",
    "SCHEMAS",
    "__version__",
    "from_cloud_monitoring",
    "from_gmp",
    "from_prometheus",
    "from_samples",
    "load",
]

__version__: str
"""The version of svcgraph, as in ``svcgraph --version``."""
SCHEMAS: tuple[str, ...]
"""The names of the schema presets: ``gmp-beyla``, ``servicegraph``, ``beyla``, ``istio``,
``linkerd``; what ``schema=`` takes besides ``"auto"`` and a schema file."""

_RankDir = Literal["lr", "tb"]
_EdgeLabels = Literal["auto", "always", "never"]
_Edges = Literal["curved", "orthogonal"]
_Group = Literal["namespace"] | None
_Filters = Union[str, Sequence[str], Mapping[str, str], None]
_Labels = Mapping[str, str]
_Value = Union[float, int, str]
_Sample = Union[Mapping[str, Any], tuple[_Labels, _Value], Sequence[Any]]
_Samples = Iterable[_Sample]
_Time = Union[str, float, int, datetime]

@final
class Page:
    """The interactive page of a graph with options (``Graph.show``); Jupyter shows it
    inline."""

    @property
    def html(self) -> str:
        """The page: one self-contained HTML document, as ``Graph.to_html`` returns it."""
    def _repr_html_(self) -> str:
        """The page in a sandboxed ``<iframe srcdoc=...>``, for Jupyter."""

@final
class Graph:
    """A service graph: who calls whom, how often, how often it fails, how slow it is.

    Made by ``load``, ``from_samples``, ``from_prometheus``, ``from_gmp`` or
    ``from_cloud_monitoring`` (there is no constructor). Immutable: the transforms
    (``focus``, ``aggregate``, ``filter``, ``prune``, ``diff``) return a new graph, so they
    chain. ``len(g)`` is the number of nodes; in Jupyter a graph shows its interactive page.
    """

    @property
    def nodes(self) -> list[NodeRecord]:
        """Every node as a new dict (``NodeRecord``), in id order: ``id``, ``name``,
        ``namespace``, ``kind``, ``addresses``, and ``change`` (``"new"``/``"gone"`` after
        ``diff``, else None)."""
    @property
    def edges(self) -> list[EdgeRecord]:
        """Every edge as a new dict (``EdgeRecord``), in (source, target) order: node ids and
        names, ``requests_per_second``, ``failures_per_second``, ``error_ratio`` (0 to 1),
        ``p50``/``p95``/``p99`` (seconds or None), ``connection_type``, and after ``diff``
        ``change``, ``moved`` and the ``before_`` values."""
    @property
    def renames(self) -> list[dict[str, str]]:
        """What ``rename`` (or ``svcgraph render --naming``, for a graph document) renamed,
        sorted: dicts of ``from`` (the id the producer gave), ``to`` (the id now) and
        ``rule`` (``cidr 10.4.0.0/16``, ``rename <regex>``, ``alias``, ``ip_peers collapse``)."""
    @property
    def schema(self) -> str | None:
        """The schema that mapped the series (``"servicegraph"``, ...); None for a graph
        read from a graph document."""
    @property
    def warnings(self) -> list[str]:
        """What building the graph left out or the server warned about, one line each."""
    @property
    def snapshot(self) -> str | None:
        """For a graph fetched from a server: the snapshot JSON (every response, the schema
        and the time), which ``load`` redraws offline. None for other graphs and after a
        transform."""
    def __len__(self) -> int:
        """The number of nodes."""
    def __contains__(self, node: object, /) -> bool:
        """Whether a node has this id or name (False for anything but a ``str``)."""
    def node(self, node: str) -> NodeRecord:
        """The node with this id or name, as a dict like those of ``nodes``.

        Raises ``InputError`` (naming close matches) when there is none, or when the name
        belongs to several nodes: pass the id then.
        """
    def edge(self, source: str, target: str) -> EdgeRecord | None:
        """The edge from ``source`` to ``target`` (each an id or a name), as a dict like those
        of ``edges``; None when ``source`` does not call ``target``.

        Raises ``InputError`` for a node that is not in the graph.
        """
    def focus(
        self,
        node: str,
        depth: int | None = 1,
        direction: Literal["up", "down", "both"] = "both",
    ) -> Graph:
        """The graph around ``node`` (an id or a name): it and everything within ``depth``
        calls of it (``None``: no limit); ``direction="up"`` follows callers, ``"down"``
        callees, ``"both"`` both (not siblings).

        Raises ``InputError`` for a node not in the graph, a negative ``depth`` or another
        ``direction``.
        """
    def aggregate(self, level: Literal["workload", "namespace"]) -> Graph:
        """Merges nodes: ``"workload"`` turns pods into their workload, ``"namespace"`` every
        node with a namespace into that namespace. Merged edges add their rates up and keep
        the largest latency quantile.

        Raises ``InputError`` for another ``level``.
        """
    def filter(
        self,
        *,
        namespace: str | Sequence[str] | None = None,
        name: str | None = None,
        exclude: str | None = None,
        hide_virtual: bool = False,
        hide_external: bool = False,
    ) -> Graph:
        """Keeps or drops nodes: ``namespace`` (one or a list) keeps the edges touching it
        and the peers at their other end; ``name`` keeps nodes whose name or id matches the
        regular expression, ``exclude`` drops them; ``hide_virtual`` and ``hide_external``
        drop nodes of those kinds.

        Raises ``InputError`` for a bad regular expression or ``namespace``.
        """
    def rename(self, rules: str | os.PathLike[str] | Mapping[str, Any]) -> Graph:
        """Applies naming rules, as ``svcgraph render --naming`` does: ``rules`` is a rules
        file (TOML, or JSON by extension) or a dict of the same fields. CIDR ranges name
        IP-named nodes, ``ip_peers="collapse"`` merges the rest into one ``external`` node,
        regex renames and aliases merge names of one service. Merged nodes merge their edges:
        rates add up, latency keeps the larger quantile. Apply it before the other transforms.

        Raises ``InputError`` for bad rules, and what ``open`` would for an unreadable file.
        """
    def prune(self, min_rate: float) -> Graph:
        """Drops edges under ``min_rate`` requests per second, and the nodes left without
        edges.

        Raises ``InputError`` for a negative or infinite ``min_rate``.
        """
    def diff(
        self,
        baseline: Graph,
        *,
        rate_change: float = 0.5,
        error_change: float = 0.01,
        p95_change: float = 0.5,
    ) -> Graph:
        """This graph compared with ``baseline`` (an earlier one, transformed the same way):
        nodes and edges marked new, gone, changed or the same, in ``change``. An edge has
        changed when its rate moved by more than ``rate_change`` (relative: 0.5 is by half),
        its error ratio by more than ``error_change`` (absolute: 0.01 is one percentage point)
        or its p95 by more than ``p95_change`` (relative).

        Raises ``InputError`` for a negative threshold.
        """
    def to_svg(
        self,
        *,
        rankdir: _RankDir = "lr",
        edges: _Edges = "curved",
        edge_labels: _EdgeLabels = "auto",
        group: _Group = None,
        legend: bool = True,
        hint: str | None = None,
    ) -> str:
        """The picture as a self-contained SVG document (tooltips carry every number).

        ``rankdir``: ``"lr"`` callers on the left, ``"tb"`` on top; ``edges``: ``"curved"``
        (straight lines and smooth curves) or ``"orthogonal"`` (right angles); ``edge_labels``:
        ``"auto"`` (up to 1,000 edges; the labels with room beside their lines, and rooms of
        their own for others only while the drawing fits 1600 × 900 or stays within 1.3
        times its area without them), ``"always"`` (every label) or ``"never"``; ``group="namespace"``
        boxes each namespace; ``legend=False`` leaves the legend out; ``hint``, the text of
        ``layout_hint()`` for an earlier drawing, keeps its services in place.

        Raises ``InputError`` for another option value or a ``hint`` that is not such text.
        """
    def layout_hint(
        self,
        *,
        rankdir: _RankDir = "lr",
        edges: _Edges = "curved",
        edge_labels: _EdgeLabels = "auto",
        group: _Group = None,
        hint: str | None = None,
    ) -> str:
        """Where ``to_svg`` with these options puts each service and call, as JSON text: pass
        it as ``hint=`` to a later drawing (of this graph or a newer state of it) to keep the
        services where they were.

        Raises ``InputError`` like ``to_svg``.
        """
    def to_html(
        self,
        *,
        rankdir: _RankDir = "lr",
        edges: _Edges = "curved",
        edge_labels: _EdgeLabels = "auto",
        group: _Group = None,
        legend: bool = True,
        title: str | None = None,
        hint: str | None = None,
        links: dict[str, str] | None = None,
    ) -> str:
        """The interactive page as one self-contained HTML document: the picture (drawn with
        ``to_svg``'s options), pan and zoom, search, hover details, focus and collapsible
        namespaces, fetching nothing from the network; ``title`` names the page.

        ``links`` maps a name to an http(s) URL template shown in the side panel: a service's
        (``{service}``, ``{namespace}``) or a call's (``{client}``, ``{server}``,
        ``{client_namespace}``, ``{server_namespace}``); ``{from}`` and ``{to}`` are the time
        the graph describes (a fetch's or a snapshot's window before its moment, else the hour
        before the link is followed), in Unix milliseconds. Values are URL-encoded.

        Raises ``InputError`` like ``to_svg``, and for a link that is not an http(s) URL
        (``javascript:``, ``data:``) or names an unknown placeholder.
        """
    def show(
        self,
        *,
        rankdir: _RankDir = "lr",
        edges: _Edges = "curved",
        edge_labels: _EdgeLabels = "auto",
        group: _Group = None,
        legend: bool = True,
        title: str | None = None,
        hint: str | None = None,
        links: dict[str, str] | None = None,
        height: int = 640,
    ) -> Page:
        """The interactive page with ``to_html``'s options (links included), shown inline by
        Jupyter in a frame ``height`` pixels high: make it the last expression of a cell.
        Links open in a new tab.

        Raises ``InputError`` like ``to_html``, and for a height outside 100-10000.
        """
    def to_dot(self, *, rankdir: _RankDir = "lr", group: _Group = None) -> str:
        """The graph as Graphviz DOT text: ``rankdir`` ``"lr"`` or ``"tb"``,
        ``group="namespace"`` for a cluster per namespace.

        Raises ``InputError`` for another option value.
        """
    def to_mermaid(self, *, rankdir: _RankDir = "lr", group: _Group = None) -> str:
        """The graph as a Mermaid flowchart (GitHub and GitLab draw it inline in Markdown);
        a comparison (``diff``) marks new, gone and changed calls. Names are escaped.

        Raises ``InputError`` for another option value.
        """
    def to_markdown(self) -> str:
        """A Markdown summary: for a comparison, tables of new, gone and changed calls
        (before → after); for another graph, its busiest calls."""
    def quality(self) -> dict[str, Any]:
        """The data-quality report (``svcgraph doctor --format json``'s document, from the
        graph alone): IP-named, ``unknown`` and virtual peers with their traffic, one name
        under several namespaces; each finding with its cause and fixes."""
    def to_json(self) -> str:
        """The graph document (``"format": "svcgraph-graph"``) as JSON text, which ``load``
        and ``svcgraph render --input`` read back."""
    def save(
        self,
        path: str | os.PathLike[str],
        *,
        format: Literal["svg", "dot", "gv", "json", "html", "htm", "mermaid", "mmd", "markdown", "md"] | None = None,
        rankdir: _RankDir = "lr",
        edges: _Edges = "curved",
        edge_labels: _EdgeLabels = "auto",
        group: _Group = None,
        legend: bool = True,
        title: str | None = None,
        links: dict[str, str] | None = None,
    ) -> None:
        """Writes the graph to ``path`` in the format its extension names (``.svg``,
        ``.dot``/``.gv``, ``.json``, ``.html``/``.htm``) or ``format`` names, with the
        drawing options of ``to_svg`` (and the ``title`` and ``links`` of ``to_html``, for the
        html format only). The file is replaced atomically (a temporary file beside it,
        renamed over it): a failure leaves an existing file untouched.

        Raises ``InputError`` for an unknown format or option (or ``title``/``links`` with a
        format other than html), and ``OutputError`` when the
        file cannot be written: also the ``OSError`` subclass for its errno
        (``FileNotFoundError`` for a missing directory, ``PermissionError``,
        ``IsADirectoryError``, ...), with ``errno``, ``strerror`` and ``filename`` (``path``).
        """
    def layout_stats(
        self,
        *,
        rankdir: _RankDir = "lr",
        edges: _Edges = "curved",
        edge_labels: _EdgeLabels = "auto",
        group: _Group = None,
    ) -> LayoutStats:
        """Numbers about the layout ``to_svg`` draws with these options: node, edge, layer,
        reversed-edge, dummy-node, direct-edge, left-out-label and crossing counts, the size, and the
        ``seconds`` each phase took.

        Raises ``InputError`` for another option value.
        """
    def _repr_svg_(self) -> str:
        """The SVG picture with the default options, for notebook frontends that do not
        show HTML."""
    def _repr_html_(self) -> str:
        """The interactive page in a sandboxed ``<iframe srcdoc=...>``, for Jupyter."""
    def to_networkx(self) -> Any:
        """A ``networkx.DiGraph``: node ids as nodes with the node dicts as attributes, the
        edge dicts as edge attributes. networkx is an optional dependency (hence ``Any``);
        without it, raises ``ImportError`` saying how to install it."""
    def to_pandas(self) -> Any:
        """The edges as a ``pandas.DataFrame``, one row per edge with the columns of
        ``edges``. pandas is an optional dependency (hence ``Any``); without it, raises
        ``ImportError`` saying how to install it."""

def load(
    source: str | bytes | os.PathLike[str],
    *,
    schema: str = "auto",
    cluster: str | None = None,
    filters: _Filters = None,
) -> Graph:
    """Reads a saved input: a Prometheus API response, a svcgraph snapshot or a graph
    document.

    ``source`` is a path (``str`` or ``os.PathLike``) or the JSON itself (``bytes``, or a
    ``str`` starting with ``{``). ``schema="auto"`` uses a snapshot's own schema, else the
    preset whose labels fit the series; or name a preset (``SCHEMAS``) or a schema file
    (TOML, or JSON by extension). ``cluster`` and ``filters`` (matcher strings such as
    ``"pod=~cart-.*"``, or a dict of label to value) keep only matching series; a graph
    document has none, so use ``Graph.filter`` there.

    Raises what ``open`` would for a file that cannot be read (``FileNotFoundError``,
    ``PermissionError``, ...), ``InputError`` for input svcgraph cannot use (no document it
    knows, no schema that fits, a bad filter), ``QueryError`` for a saved failed query, and
    ``TypeError`` for a ``source`` of another type.
    """
def from_samples(
    samples: _Samples,
    *,
    schema: str,
    failures: _Samples | None = None,
    latency_p50: _Samples | None = None,
    latency_p95: _Samples | None = None,
    latency_p99: _Samples | None = None,
) -> Graph:
    """A graph from series already in hand, such as the results of your own PromQL queries.

    Each argument is a list of samples, one per series: ``{"labels": {...}, "value": v}`` or
    ``(labels, value)``, the value a number or Prometheus' text (``"NaN"``). ``samples`` are
    the request rates (per second); ``failures`` (failed requests per second) and the
    latency quantiles (in the schema's unit: seconds, milliseconds for ``istio`` and
    ``linkerd``) are optional. ``schema`` is the preset or schema file whose labels the series
    carry, or ``"auto"``.

    Raises ``InputError`` for a malformed sample, an unknown schema or series without the
    schema's labels.
    """
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
) -> Graph:
    """The service graph a Prometheus-compatible server (Prometheus, Thanos, Mimir,
    VictoriaMetrics, ...) holds now, or at ``at``.

    ``url`` is the API base, before ``/api/v1``. ``schema="auto"`` asks the server which
    producer's metrics it holds. ``cluster``, ``namespace`` (edges touching it) and
    ``filters`` become PromQL matchers. ``window`` is the ``rate()`` window (``"5m"`` or a
    ``timedelta``); ``at`` is RFC 3339 text, Unix seconds, a duration ago (``"1h"``) or a
    ``datetime``. ``headers`` and ``bearer_token`` or ``basic_auth`` (``(user, password)``) go
    with every request; ``ca_file`` (PEM) is trusted besides the system's certificates,
    ``insecure=True`` accepts any. Each request may take ``timeout`` seconds and is tried up
    to ``attempts`` times (connection errors, timeouts, 429 and 5xx are retried). Ctrl-C
    interrupts the wait.

    Raises ``SourceError`` when the server cannot be reached, answers unusably or holds no
    known service-graph metrics, ``AuthError`` for HTTP 401/403, ``QueryError`` when it
    rejects a query, and ``InputError`` for a bad argument.
    """
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
) -> Graph:
    """The service graph in Google Cloud Managed Service for Prometheus, read through its
    PromQL endpoint.

    Credentials are Application Default Credentials, or the key file ``credentials_file``;
    the account needs ``roles/monitoring.viewer`` on ``project``. ``quota_project`` bills
    the quota to another project; ``endpoint`` replaces
    ``https://monitoring.googleapis.com``; each request may take ``timeout`` seconds. The
    other arguments work as in ``from_prometheus``. Ctrl-C interrupts the wait.

    Raises ``AuthError`` when there are no credentials or they lack the permission,
    ``SourceError`` when the API is disabled, the quota exhausted, the project unknown, a
    request timed out or the answer is unusable, ``QueryError`` when a query is rejected, and
    ``InputError`` for a bad argument.
    """
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
) -> Graph:
    """The service graph from the Cloud Monitoring API v3 (the metrics Managed Service for
    Prometheus stores), where the PromQL endpoint is not an option.

    Rates come from ``ALIGN_RATE`` over alignment periods (at least 60 s), so they can
    differ slightly from PromQL's ``rate()``. ``schema="auto"`` means ``gmp-beyla``. The
    other arguments, and the errors raised, are those of ``from_gmp``.
    """
