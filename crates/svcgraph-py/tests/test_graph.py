"""Graph: transforms, renderers, saving, layout statistics and the notebook display."""

from __future__ import annotations

import html
import os
import re
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import svcgraph

from conftest import DATA, SHOP


@pytest.fixture(scope="module")
def shop() -> svcgraph.Graph:
    return svcgraph.load(SHOP)


@pytest.fixture(scope="module")
def yesterday() -> svcgraph.Graph:
    return svcgraph.load(DATA / "shop-yesterday.snapshot.json")


def names(g: svcgraph.Graph) -> set[str]:
    return {n["name"] for n in g.nodes}


def test_len_repr_and_records(shop: svcgraph.Graph) -> None:
    assert len(shop) == len(shop.nodes)
    assert repr(shop) == f"<svcgraph.Graph: {len(shop)} nodes, {len(shop.edges)} edges>"
    assert [n["id"] for n in shop.nodes] == sorted(n["id"] for n in shop.nodes)
    keys = [(e["source"], e["target"]) for e in shop.edges]
    assert keys == sorted(keys)
    edge = shop.edges[0]
    assert set(edge) == {
        "source", "target", "source_name", "target_name", "requests_per_second",
        "failures_per_second", "error_ratio", "p50", "p95", "p99", "connection_type",
        "change", "moved", "before_requests_per_second", "before_error_ratio", "before_p95",
    }
    assert isinstance(shop.warnings, list)
    with pytest.raises(TypeError):
        svcgraph.Graph()  # type: ignore[call-arg]


def test_nodes_and_edges_by_id_or_name(shop: svcgraph.Graph) -> None:
    assert "checkout" in shop
    assert "shop/checkout" in shop
    assert "chekout" not in shop and 42 not in shop
    checkout = shop.node("checkout")
    assert checkout == next(n for n in shop.nodes if n["name"] == "checkout")
    assert shop.node(checkout["id"]) == checkout
    with pytest.raises(svcgraph.InputError, match="no node is named `check`; did you mean `checkout`"):
        shop.node("check")
    call = shop.edges[0]
    assert shop.edge(call["source_name"], call["target_name"]) == call
    assert shop.edge(call["source"], call["target"]) == call
    assert shop.edge(call["target"], call["source"]) is None or call["source"] == call["target"]
    with pytest.raises(svcgraph.InputError, match="no node is named"):
        shop.edge("nobody", call["target"])


def test_a_name_of_two_nodes_needs_an_id() -> None:
    g = svcgraph.from_samples(
        [({"client": "cart", "client_service_namespace": "shop", "server": "cart",
           "server_service_namespace": "staging"}, 1.0)],
        schema="beyla",
    )
    assert "cart" in g
    assert repr(g) == "<svcgraph.Graph: 2 nodes, 1 edge>"
    with pytest.raises(svcgraph.InputError, match="names 2 nodes"):
        g.node("cart")
    assert g.edge("shop/cart", "staging/cart") is not None


def test_a_diff_says_so_in_its_repr(shop: svcgraph.Graph, yesterday: svcgraph.Graph) -> None:
    changes = shop.diff(yesterday)
    counts = {c: sum(e["change"] == c for e in changes.edges) for c in ("new", "gone", "changed", "same")}
    assert repr(changes) == (
        f"<svcgraph.Graph diff: {len(changes)} nodes, {len(changes.edges)} edges "
        f"({counts['new']} new, {counts['gone']} gone, {counts['changed']} changed, "
        f"{counts['same']} same)>"
    )
    assert repr(shop).startswith("<svcgraph.Graph: ")


def test_records_are_copies(shop: svcgraph.Graph) -> None:
    shop.nodes[0]["name"] = "changed"
    assert shop.nodes[0]["name"] != "changed"


def test_focus_walks_callers_and_callees(shop: svcgraph.Graph) -> None:
    target = shop.edges[0]["target_name"]
    down = shop.focus(target, depth=None, direction="down")
    up = shop.focus(target, depth=1, direction="up")
    both = shop.focus(target)
    assert target in names(down) and target in names(up)
    assert all(e["source_name"] != target or e["target_name"] in names(down) for e in shop.edges)
    assert names(up) | names(shop.focus(target, depth=1, direction="down")) == names(both)
    assert len(shop.focus(target, depth=0)) == 1
    with pytest.raises(svcgraph.InputError, match="no node is named `nope`"):
        shop.focus("nope")
    with pytest.raises(svcgraph.InputError, match="direction"):
        shop.focus(target, direction="sideways")  # type: ignore[arg-type]
    with pytest.raises(svcgraph.InputError, match="depth"):
        shop.focus(target, depth=-1)


def test_aggregate_merges_and_adds_rates_up(shop: svcgraph.Graph) -> None:
    ns = shop.aggregate("namespace")
    assert {n["kind"] for n in ns.nodes} <= {"namespace", "virtual", "external", "database", "unknown"}
    total = sum(e["requests_per_second"] for e in shop.edges)
    assert sum(e["requests_per_second"] for e in ns.edges) == pytest.approx(total)
    assert len(shop.aggregate("workload")) <= len(shop)
    with pytest.raises(svcgraph.InputError, match='"workload" or "namespace"'):
        shop.aggregate("cluster")  # type: ignore[arg-type]


def test_filter_prune_and_chaining(shop: svcgraph.Graph) -> None:
    no_virtual = shop.filter(hide_virtual=True, hide_external=True)
    assert not any(n["kind"] in ("virtual", "external", "unknown") for n in no_virtual.nodes)
    namespace = shop.nodes[-1]["namespace"] or "shop"
    touching = shop.filter(namespace=namespace)
    assert all(
        namespace in (touching_ns(touching, e["source"]), touching_ns(touching, e["target"]))
        for e in touching.edges
    )
    assert shop.filter(namespace=[namespace]).to_json() == touching.to_json()
    first = shop.nodes[0]["name"]
    assert names(shop.filter(exclude=f"^{first}$")) == names(shop) - {first}
    assert names(shop.filter(name=f"^{first}$")) == {first}
    with pytest.raises(svcgraph.InputError, match="regular expression"):
        shop.filter(name="(")
    pruned = shop.prune(1.0)
    assert all(e["requests_per_second"] >= 1.0 for e in pruned.edges)
    assert shop.prune(0).to_json() == shop.to_json()
    with pytest.raises(svcgraph.InputError, match="min_rate"):
        shop.prune(float("nan"))
    chained = shop.aggregate("workload").filter(hide_virtual=True).prune(0.5)
    assert chained.schema == "servicegraph"


def touching_ns(g: svcgraph.Graph, node_id: str) -> str | None:
    return next(n["namespace"] for n in g.nodes if n["id"] == node_id)


def test_diff_marks_new_gone_and_changed(shop: svcgraph.Graph, yesterday: svcgraph.Graph) -> None:
    d = shop.diff(yesterday)
    changes = {e["change"] for e in d.edges}
    assert changes <= {"new", "gone", "changed", "same"}
    assert "changed" in changes or "new" in changes or "gone" in changes
    changed = [e for e in d.edges if e["change"] == "changed"]
    for e in changed:
        assert e["moved"] and e["before_requests_per_second"] is not None
    for e in d.edges:
        if e["change"] == "new":
            assert e["before_requests_per_second"] is None
    same = shop.diff(shop)
    assert {e["change"] for e in same.edges} == {"same"}
    strict = shop.diff(yesterday, rate_change=0.0, error_change=0.0, p95_change=0.0)
    assert sum(e["change"] == "changed" for e in strict.edges) >= len(changed)
    assert "diff-" in d.to_svg()
    with pytest.raises(svcgraph.InputError, match="rate_change"):
        shop.diff(yesterday, rate_change=-1)


def test_svg_dot_and_json(shop: svcgraph.Graph) -> None:
    svg = shop.to_svg()
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert shop.to_svg() == svg, "output is byte-identical from run to run"
    assert shop.to_svg(rankdir="tb", edge_labels="never", group="namespace", legend=False) != svg
    assert 'class="legend' not in shop.to_svg(legend=False)
    dot = shop.to_dot(rankdir="tb", group="namespace")
    assert dot.startswith("digraph") and "rankdir=TB" in dot and "subgraph cluster" in dot
    assert '"format": "svcgraph-graph"' in shop.to_json()
    with pytest.raises(svcgraph.InputError, match='"lr" or "tb"'):
        shop.to_svg(rankdir="up")  # type: ignore[arg-type]
    with pytest.raises(svcgraph.InputError, match="edge_labels"):
        shop.to_svg(edge_labels="some")  # type: ignore[arg-type]
    orthogonal = shop.to_svg(edges="orthogonal")
    assert orthogonal != svg and shop.to_svg(edges="curved") == svg
    # Orthogonal routes turn at right angles with small rounded corners, never a cubic.
    assert " C" not in orthogonal.split('class="legend')[0] and " C" in svg
    with pytest.raises(svcgraph.InputError, match="edges"):
        shop.to_svg(edges="splines")  # type: ignore[arg-type]
    with pytest.raises(svcgraph.InputError, match="group"):
        shop.to_dot(group="cluster")  # type: ignore[arg-type]


def test_notebook_display_is_the_page_in_a_sandboxed_frame_or_the_svg(shop: svcgraph.Graph) -> None:
    assert shop._repr_svg_() == shop.to_svg()
    frame = shop._repr_html_()
    match = re.fullmatch(
        r'<iframe srcdoc="([^"]*)" sandbox="allow-scripts allow-downloads allow-popups '
        r'allow-popups-to-escape-sandbox" ([^<>]*)></iframe>',
        frame,
    )
    assert match, frame[:300]
    assert html.unescape(match.group(1)) == shop.to_html(), "the whole page, escaped once"
    assert "<" not in match.group(1), "no markup of the page reaches the notebook"
    assert "allow-same-origin" not in frame
    empty = shop.filter(name="^no such node$")
    assert len(empty) == 0
    ET.fromstring(empty._repr_svg_())


def test_the_interactive_page(shop: svcgraph.Graph) -> None:
    page = shop.to_html()
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert page == shop.to_html(), "byte-identical from run to run"
    assert "content=\"default-src 'none';" in page
    assert "<title>Service graph</title>" in page
    titled = shop.to_html(rankdir="tb", edge_labels="never", legend=False, title="<shop>")
    assert "<title>&lt;shop&gt;</title>" in titled and titled != page
    with pytest.raises(svcgraph.InputError, match='"lr" or "tb"'):
        shop.to_html(rankdir="up")  # type: ignore[arg-type]


def test_the_page_carries_link_templates(shop: svcgraph.Graph) -> None:
    page = shop.to_html(links={
        "Traces": "https://grafana.example/explore?s={service}&from={from}&to={to}",
        "Calls": "https://t.example/{client}/{server}",
    })
    assert (
        '"links":[{"name":"Traces","target":"node","parts":[{"text":"https://grafana.example/explore?s="},'
        '{"value":"service"},{"text":"\\u0026from="},{"value":"from"}'
    ) in page
    assert '{"name":"Calls","target":"call"' in page
    assert '"links":[' not in shop.to_html(), "no links, nothing added"
    for bad, why in [
        ({"Run": "javascript:alert(1)"}, "http:// or https://"),
        ({"Img": "data:text/html,<b>x</b>"}, "http:// or https://"),
        ({"Typo": "https://x.example/{servce}"}, "unknown placeholder"),
        ({"": "https://x.example/"}, "no name"),
        ({"Num": 1}, "both str"),
    ]:
        with pytest.raises(ValueError, match=why):
            shop.to_html(links=bad)  # type: ignore[dict-item]
        with pytest.raises(svcgraph.InputError):
            shop.to_html(links=bad)  # type: ignore[dict-item]


def test_links_reach_the_notebook_and_saved_pages_with_the_graphs_time(
    shop: svcgraph.Graph, tmp_path: Path
) -> None:
    links = {"Traces": "https://grafana.example/explore?s={service}&from={from}&to={to}"}
    # The bundled snapshot was taken at 2026-11-24T17:00:00Z over 5m: that is {from}..{to}.
    window = '"window":[1795539300000,1795539600000]'
    assert window in shop.to_html(links=links)
    assert window in shop.focus("checkout", depth=1).to_html(), "a transform keeps the time"
    shown = shop.show(links=links, height=480, title="shop")
    assert repr(shown).startswith("<svcgraph.Page: ")
    assert shown.html == shop.to_html(links=links, title="shop")
    frame = shown._repr_html_()
    assert "allow-popups-to-escape-sandbox" in frame and "height: 480px" in frame
    srcdoc = re.search(r'srcdoc="([^"]*)"', frame)
    assert srcdoc and html.unescape(srcdoc.group(1)) == shown.html
    for bad in (0, 99, 10_001):
        with pytest.raises(svcgraph.InputError, match="from 100 to 10000"):
            shop.show(height=bad)
    with pytest.raises(svcgraph.InputError, match="http:// or https://"):
        shop.show(links={"Run": "javascript:alert(1)"})

    saved = tmp_path / "shop.html"
    shop.save(saved, links=links, title="shop")
    assert saved.read_text() == shown.html
    svg = tmp_path / "shop.svg"
    with pytest.raises(svcgraph.InputError, match="belong to the html page"):
        shop.save(svg, links=links)
    assert not svg.exists(), "nothing written on a refused call"
    # A graph document records no time: the page falls back to the hour before a click.
    assert '"window":' not in svcgraph.load(shop.to_json()).to_html(links=links)


def test_mermaid_markdown_and_the_quality_report(shop: svcgraph.Graph, tmp_path: Path) -> None:
    yesterday = svcgraph.load(DATA / "shop-yesterday.snapshot.json")
    compared = shop.diff(yesterday)
    flowchart = compared.to_mermaid(rankdir="tb", group="namespace")
    assert flowchart.startswith("flowchart TB") and "subgraph" in flowchart
    assert flowchart == compared.to_mermaid(rankdir="tb", group="namespace"), "deterministic"
    for name in ("checkout", "frontend"):
        assert name in flowchart
    assert "==>" in flowchart, "changed or new calls are marked"
    table = compared.to_markdown()
    assert "|" in table and "checkout" in table
    # save() takes both by extension or by name, and writes what the methods return.
    shop.save(tmp_path / "shop.mmd")
    assert (tmp_path / "shop.mmd").read_text() == shop.to_mermaid()
    compared.save(tmp_path / "diff.txt", format="markdown")
    assert (tmp_path / "diff.txt").read_text() == table
    with pytest.raises(svcgraph.InputError, match=".mmd or .md"):
        shop.save(tmp_path / "shop.png")
    with pytest.raises(svcgraph.InputError, match='"lr" or "tb"'):
        shop.to_mermaid(rankdir="up")  # type: ignore[arg-type]

    report = shop.quality()
    assert report["format"] == "svcgraph-quality"
    assert report["nodes"] == len(shop)
    kinds = {f["kind"] for f in report["findings"]}
    assert "virtual" in kinds, "the shop's user and outside peers are virtual"
    virtual = next(f for f in report["findings"] if f["kind"] == "virtual")
    assert "user" in {s["name"] for s in virtual["subjects"]}
    assert all(f["cause"] and f["fixes"] for f in report["findings"])
    # The page shows the same report.
    assert "Data quality" in shop.to_html()


def test_layout_stats(shop: svcgraph.Graph) -> None:
    stats = shop.layout_stats()
    assert stats["nodes"] == len(shop)
    assert stats["edges"] == len(shop.edges)
    assert stats["layers"] > 1 and stats["width"] > 0 and stats["height"] > 0
    assert stats["labels_left_out"] == 0, "the shop has too few calls to leave a label out"
    assert stats["seconds"]["total"] == pytest.approx(
        sum(v for k, v in stats["seconds"].items() if k != "total")
    )
    boxed = shop.layout_stats(rankdir="tb", edge_labels="never", group="namespace")
    assert boxed["nodes"] == stats["nodes"]


def test_save_picks_the_format_from_the_extension(shop: svcgraph.Graph, tmp_path: Path) -> None:
    for name, start in (
        ("g.svg", "<svg"), ("g.dot", "digraph"), ("g.gv", "digraph"), ("g.json", "{"),
        ("g.html", "<!DOCTYPE html>"), ("g.HTM", "<!DOCTYPE html>"),
    ):
        path = tmp_path / name
        shop.save(path)
        assert path.read_text().startswith(start), name
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    shop.save(str(tmp_path / "forced.out"), format="dot")
    assert (tmp_path / "forced.out").read_text().startswith("digraph")
    shop.save(tmp_path / "g.svg", group="namespace", rankdir="tb")
    assert (tmp_path / "g.svg").read_text() == shop.to_svg(group="namespace", rankdir="tb")
    shop.save(tmp_path / "g.html", rankdir="tb")
    assert (tmp_path / "g.html").read_text() == shop.to_html(rankdir="tb")
    with pytest.raises(svcgraph.InputError, match="extension"):
        shop.save(tmp_path / "g.png")
    with pytest.raises(svcgraph.InputError, match="without an extension"):
        shop.save(tmp_path / "noext")
    with pytest.raises(svcgraph.InputError, match="format must be"):
        shop.save(tmp_path / "g.svg", format="png")  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "forced.out", "g.HTM", "g.dot", "g.gv", "g.html", "g.json", "g.svg"
    ], "no temporary files are left behind"


def test_save_replaces_atomically_and_keeps_the_old_file_on_failure(
    shop: svcgraph.Graph, tmp_path: Path
) -> None:
    path = tmp_path / "g.svg"
    path.write_text("old")
    os.chmod(path, 0o600)
    shop.save(path)
    assert path.read_text() == shop.to_svg()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, "the replaced file's mode is kept"
    with pytest.raises(svcgraph.OutputError) as err:
        shop.save(tmp_path / "missing-dir" / "g.svg")
    assert isinstance(err.value, OSError)
    assert "missing-dir" in str(err.value)


def test_a_layout_hint_keeps_services_in_place_as_the_graph_grows(shop: svcgraph.Graph) -> None:
    import json

    before = json.loads(shop.layout_hint())
    assert set(before) == {"nodes", "edges"} and len(before["nodes"]) == len(shop.nodes)
    # Drawn again from its own hint: every service within half a node height of its place.
    again = json.loads(shop.layout_hint(hint=json.dumps(before)))
    for node, point in before["nodes"].items():
        moved = abs(point["x"] - again["nodes"][node]["x"]) + abs(point["y"] - again["nodes"][node]["y"])
        assert moved < 13, (node, point, again["nodes"][node])
    svg = shop.to_svg(hint=json.dumps(before))
    assert svg.startswith("<svg")
    assert shop.to_html(hint=json.dumps(before)).startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match="hint"):
        shop.to_svg(hint="{not json")
