"""Markdown that svcgraph writes for pull requests, rendered by a real Markdown renderer
(markdown-it-py, CommonMark with GitHub's tables): a comparison's tables (`render -f
markdown`) and a check's report (`check -f markdown`) come out as the expected cells, and
hostile names come out as the names, never as markup.

Run by scripts/browser-checks.sh (the packages are in its virtual environment).
"""

from __future__ import annotations

import json
import os
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import List, Tuple

import pytest
from markdown_it import MarkdownIt

import pages
from test_mermaid import HOSTILE, shown

ROOT = pages.ROOT
BASELINE = ROOT / "examples" / "data" / "shop-yesterday.snapshot.json"


def svcgraph(args: List[str]) -> Tuple[int, str]:
    out = subprocess.run([str(pages.svcgraph_binary()), *args, "-q"], capture_output=True, text=True)
    assert out.returncode in (0, 1), out.stderr
    return out.returncode, out.stdout


class Tables(HTMLParser):
    """Every table's rows of cell texts, and every element name met."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: List[List[List[str]]] = []
        self.tags: List[str] = []
        self.cell: List[str] = []
        self.in_cell = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.in_cell, self.cell = True, []

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in ("td", "th"):
            self.in_cell = False
            self.tables[-1][-1].append("".join(self.cell))

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self.in_cell:
            self.cell.append(data)


def rendered(markdown: str) -> Tables:
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    tables = Tables()
    tables.feed(html)
    return tables


def test_a_comparison_renders_as_its_tables() -> None:
    _, md = svcgraph(["render", "--demo", "--baseline", str(BASELINE), "-f", "markdown"])
    tables = rendered(md)
    new, gone, changed = tables.tables
    assert new == [
        ["Client", "Server", "Rate", "Errors", "p95"],
        ["payment (payments)", "fraud-detection (payments)", "3.90 req/s", "0%", "85 ms"],
    ]
    assert gone[1] == ["checkout (shop)", "tax (shop)", "3.80 req/s", "0%", "12 ms"]
    assert [row[:2] for row in changed[1:]] == [
        ["frontend (shop)", "recommendation (shop)"],
        ["frontend (shop)", "ad (shop)"],
        ["checkout (shop)", "payment (payments)"],
    ]
    assert changed[1][2] == "8.00 req/s → 21.7 req/s"
    assert changed[3][4] == "120 ms → 310 ms"


def test_a_single_moment_lists_the_busiest_calls() -> None:
    _, md = svcgraph(["render", "--demo", "-f", "markdown"])
    (busiest,) = rendered(md).tables
    assert len(busiest) == 1 + 10
    rates = [float(row[2].split()[0]) for row in busiest[1:]]
    assert rates == sorted(rates, reverse=True)


@pytest.fixture(scope="module")
def hostile_graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("markdown") / "hostile.json"
    nodes = [{"id": n, "name": n, "kind": "service", "namespace": "ns|`x`"} for n in HOSTILE]
    edges = [{"source": a, "target": b, "requests_per_second": float(i + 1)}
             for i, (a, b) in enumerate(zip(HOSTILE, HOSTILE[1:]))]
    path.write_text(json.dumps({"format": "svcgraph-graph", "version": 1, "nodes": nodes, "edges": edges}))
    return path


def test_hostile_names_come_out_as_text(hostile_graph: Path) -> None:
    _, md = svcgraph(["render", "-i", str(hostile_graph), "-f", "markdown"])
    tables = rendered(md)
    (busiest,) = tables.tables
    calls = list(zip(HOSTILE, HOSTILE[1:]))[::-1]  # busiest first
    assert [row[:2] for row in busiest[1:]] == [
        [f"{shown(a)} (ns|`x`)", f"{shown(b)} (ns|`x`)"] for a, b in calls
    ]
    # Only the table's own elements: no image, link, code span or emphasis from a name.
    assert set(tables.tags) <= {"p", "strong", "h4", "table", "thead", "tbody", "tr", "th", "td"}


def test_a_check_report_renders_as_its_table(hostile_graph: Path, tmp_path: Path) -> None:
    code, md = svcgraph([
        "check", "--demo", "--rules", "examples/data/rules/shop.toml",
        "--baseline", str(BASELINE), "-f", "markdown",
    ])
    assert code == 1
    assert md.startswith("<!-- svcgraph check -->\n")
    (table,) = rendered(md).tables
    assert table[0] == ["Violation", "Client", "Server", "What", "Rule"]
    assert table[1] == [
        "missing", "checkout (shop)", "tax (shop)", "not observed (was 3.80 req/s)",
        "expect #1 (shop/checkout → shop/tax): every order is taxed",
    ]
    assert [row[0] for row in table[1:]] == ["missing", "over budget", "over budget", "over budget"]
    # A check of the hostile graph: each undeclared call's names, as they are.
    rules = tmp_path / "none.toml"
    rules.write_text('[[allow]]\nfrom = "nothing"\n')
    code, md = svcgraph(["check", "-i", str(hostile_graph), "--rules", str(rules), "-f", "markdown"])
    assert code == 1
    tables = rendered(md)
    (table,) = tables.tables
    assert sorted(row[1] for row in table[1:]) == sorted(f"{shown(a)} (ns|`x`)" for a in HOSTILE[:-1])
    assert set(tables.tags) <= {"h3", "table", "thead", "tbody", "tr", "th", "td"}


def test_the_pull_request_comment_renders_as_one_piece(tmp_path: Path) -> None:
    """examples/ci/pr-comment.sh's comment (printed, not posted): the comparison's three
    tables, the drawing as a mermaid code block (which GitHub draws) and the check's table."""
    env = {
        **os.environ, "DRY_RUN": "1", "SVCGRAPH": str(pages.svcgraph_binary()),
        "SNAPSHOT": "crates/svcgraph-cli/data/shop.snapshot.json", "BASE_SNAPSHOT": str(BASELINE),
        "RULES": "examples/data/rules/shop.toml", "OUT": str(tmp_path),
    }
    out = subprocess.run(["bash", "examples/ci/pr-comment.sh"], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 1, out.stderr
    html = MarkdownIt("commonmark").enable("table").render(out.stdout)
    tables = Tables()
    tables.feed(html)
    assert [t[0][0] for t in tables.tables] == ["Client", "Client", "Client", "Violation"]
    assert '<code class="language-mermaid">flowchart LR' in html
    assert "<details>" in html
