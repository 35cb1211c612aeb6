"""Type-checked with `mypy --strict` by scripts/python-checks.sh (not run): every public name
used the way the documentation shows, so a stub that drifts from the API fails the check."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Optional

import svcgraph
from svcgraph import EdgeRecord, Graph, LayoutStats, NodeRecord


def use_sources(url: str) -> List[Graph]:
    graphs = [
        svcgraph.load("crates/svcgraph-core/tests/fixtures/seed.json"),
        svcgraph.load(Path("crates/svcgraph-cli/data/shop.snapshot.json"), schema="auto", cluster=None),
        svcgraph.load(b"{}", filters={"cluster": "prod"}),
        svcgraph.load('{"status": "success"}', filters=["pod=~cart-.*", "namespace!=kube-system"]),
        svcgraph.from_samples(
            [({"client": "a", "server": "b"}, 1.0), {"labels": {"client": "a"}, "value": "2"}],
            schema="servicegraph",
            failures=[({"client": "a", "server": "b"}, 0.1)],
            latency_p95=[({"client": "a", "server": "b"}, 0.2)],
        ),
        svcgraph.from_prometheus(url),
        svcgraph.from_prometheus(
            url,
            schema="istio",
            cluster="prod",
            namespace="shop",
            window="10m",
            at="2026-11-24T17:00:00Z",
            headers={"X-Scope-OrgID": "team-a"},
            bearer_token="token",
            ca_file=Path("ca.pem"),
            insecure=False,
            timeout=10.0,
            attempts=5,
            filters="app=shop",
        ),
        svcgraph.from_prometheus(url, window=timedelta(minutes=5), at=datetime.now(timezone.utc)),
        svcgraph.from_prometheus(url, at=1795539600),
        svcgraph.from_prometheus(url, basic_auth=("user", "password"), ca_file="ca.pem"),
        svcgraph.from_gmp("my-project"),
        svcgraph.from_gmp(
            "my-project",
            schema="gmp-beyla",
            cluster="prod",
            namespace="shop",
            window="10m",
            at="1h",
            filters={"client": "frontend"},
            credentials_file=Path("key.json"),
            quota_project="billing-project",
            endpoint="http://127.0.0.1:8080",
            timeout=5.0,
        ),
        svcgraph.from_cloud_monitoring("my-project", credentials_file="key.json", window="10m"),
    ]
    return graphs


def use_graph(g: Graph, baseline: Graph) -> None:
    nodes: List[NodeRecord] = g.nodes
    edges: List[EdgeRecord] = g.edges
    name: str = nodes[0]["name"]
    namespace: Optional[str] = nodes[0]["namespace"]
    rate: float = edges[0]["requests_per_second"]
    p95: Optional[float] = edges[0]["p95"]
    count: int = len(g)
    schema: Optional[str] = g.schema
    warnings: List[str] = g.warnings
    snapshot: Optional[str] = g.snapshot
    renamed: Graph = g.rename({"ip_peers": "collapse"}).rename(Path("naming.toml")).rename("n.json")
    renames: List[Dict[str, str]] = renamed.renames
    smaller: Graph = (
        g.aggregate("workload")
        .aggregate("namespace")
        .filter(namespace=["shop", "data"], name="cart", exclude="^loadgen", hide_virtual=True,
                hide_external=False)
        .filter(namespace="shop")
        .prune(0.5)
        .focus("checkout", depth=None, direction="down")
        .focus("checkout")
        .diff(baseline, rate_change=0.2, error_change=0.01, p95_change=0.5)
    )
    svg: str = smaller.to_svg(rankdir="tb", edge_labels="never", group="namespace", legend=False)
    svg = smaller.to_svg(edges="orthogonal")
    dot: str = smaller.to_dot(rankdir="lr", group=None)
    document: str = smaller.to_json()
    smaller.save("graph.svg")
    smaller.save(Path("graph.dot"), format="dot", rankdir="tb", group="namespace")
    stats: LayoutStats = smaller.layout_stats(rankdir="lr", edge_labels="auto", group=None)
    crossings: int = stats["crossings"]
    total: float = stats["seconds"]["total"]
    shown: str = smaller._repr_svg_()
    page: str = smaller.to_html(rankdir="tb", edge_labels="never", group="namespace", legend=False, title="t")
    framed: str = smaller._repr_html_()
    inline: svcgraph.Page = smaller.show(links={"Logs": "https://l.example/?q={service}"}, height=480)
    framed = inline._repr_html_() + inline.html
    smaller.save("graph.html", title="t", links={"Logs": "https://l.example/?q={service}"})
    flowchart: str = smaller.to_mermaid(rankdir="tb", group="namespace") + smaller.to_markdown()
    smaller.save("graph.mmd", format="mermaid")
    findings: list[dict[str, object]] = smaller.quality()["findings"]
    print(flowchart, findings)
    present: bool = "checkout" in g
    checkout: NodeRecord = g.node("checkout")
    call: Optional[EdgeRecord] = g.edge("frontend", "checkout")
    print(present, checkout, call)
    print(name, namespace, rate, p95, count, schema, warnings, snapshot, svg, dot, document,
          crossings, total, shown, smaller.to_networkx(), smaller.to_pandas())


def use_errors() -> None:
    try:
        svcgraph.load("missing.json")
    except FileNotFoundError as err:
        print("no such file", err.filename)
    except svcgraph.AuthError as err:
        print("credentials", err)
    except svcgraph.SourceError as err:
        print("server", err)
    except svcgraph.QueryError as err:
        print("query", err)
    except svcgraph.InputError as err:
        value_error: ValueError = err
        print("input", value_error)
    except svcgraph.OutputError as err:
        os_error: OSError = err
        print("output", os_error)
    except svcgraph.SvcgraphError as err:
        print("other", err)
    presets: tuple[str, ...] = svcgraph.SCHEMAS
    version: str = svcgraph.__version__
    print(presets, version)
