"""Mermaid output drawn by the real Mermaid library in headless Chromium: the bundled shop,
every published topology (examples/data/topologies), a comparison and a graph of hostile
names parse without an error, and every node's name is in the drawing as text.

Run by scripts/browser-checks.sh, which installs the pinned `mermaid` npm package under
target/mermaid and points SVCGRAPH_MERMAID at its browser bundle.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

import pages

ROOT = pages.ROOT
TOPOLOGIES = sorted((ROOT / "examples" / "data" / "topologies").glob("*.json"))
BASELINE = ROOT / "examples" / "data" / "shop-yesterday.snapshot.json"
# Names that try every way out of a Mermaid label, into HTML, or into a directive.
HOSTILE = [
    'a"]; click n1 call alert(1); x["',
    '%%{init: {"securityLevel": "loose"}}%%',
    '`**md**` <img src=x onerror="window.pwned=1">',
    "pipe|line\nnext end",
    "invoice\u202egpj.exe",
    "brace} {x} #35; &amp;",
]


def mermaid_js() -> Path:
    path = Path(os.environ.get(
        "SVCGRAPH_MERMAID",
        ROOT / "target" / "mermaid" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js",
    ))
    assert path.is_file(), f"{path} is missing: run scripts/browser-checks.sh, which installs it"
    return path.resolve()


def svcgraph(args: List[str]) -> str:
    out = subprocess.run(
        [str(pages.svcgraph_binary()), "render", "-q", *args],
        check=True, capture_output=True, text=True,
    )
    return out.stdout


def shown(name: str) -> str:
    """A name as the drawing shows it: control characters, non-characters and text
    direction overrides as U+FFFD (as every svcgraph drawing does)."""
    out = []
    for c in name:
        bidi = c in "\u061c\u200e\u200f" or "\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069"
        if unicodedata.category(c) == "Cc" or bidi or (ord(c) & 0xFFFE) == 0xFFFE:
            out.append("\ufffd")
        else:
            out.append(c)
    return "".join(out)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def hostile_graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mermaid") / "hostile.json"
    kinds = ["service", "external", "database", "virtual", "unknown", "service"]
    nodes = [{"id": n, "name": n, "kind": k, **({"namespace": 'ns"}'} if i % 2 else {})}
             for i, (n, k) in enumerate(zip(HOSTILE, kinds))]
    edges = [{"source": a, "target": b, "requests_per_second": 2.5, "failures_per_second": 0.1}
             for a, b in zip(HOSTILE, HOSTILE[1:])]
    path.write_text(json.dumps({"format": "svcgraph-graph", "version": 1, "nodes": nodes, "edges": edges}))
    return path.resolve()


def documents(hostile_graph: Path) -> Dict[str, List[str]]:
    """Each case's render arguments (for both the Mermaid text and the graph JSON)."""
    cases = {
        "shop": ["--demo"],
        "shop-grouped": ["--demo", "--group", "namespace", "--rankdir", "tb"],
        "comparison": ["--demo", "--baseline", str(BASELINE), "--group", "namespace"],
        "hostile": ["-i", str(hostile_graph), "--group", "namespace"],
    }
    for path in TOPOLOGIES:
        cases[path.stem] = ["-i", str(path), "--group", "namespace"]
    return cases


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    d = pages.chromium(1400, 1000)
    page = tmp_path_factory.mktemp("mermaid-page") / "index.html"
    # A blank page with the library; nothing else on it.
    page.write_text(
        "<!doctype html><meta charset=utf-8><title>mermaid</title>"
        "<style>body{margin:0;background:#fff;font-family:sans-serif}#out{display:inline-block;padding:12px}</style>"
        f'<script src="{mermaid_js().as_uri()}"></script><div id="out"></div>'
    )
    d.get(page.as_uri())
    d.execute_script("mermaid.initialize({startOnLoad: false, securityLevel: 'strict'});")
    yield d
    d.quit()


def draw(driver, text: str) -> Dict[str, object]:  # type: ignore[no-untyped-def]
    """Parses and renders `text` with Mermaid, puts the SVG on the page; returns the error
    or the drawing's text."""
    driver.set_script_timeout(60)
    return driver.execute_async_script(
        """
        const [text, done] = arguments;
        const out = document.getElementById('out');
        out.innerHTML = '';
        window.drawn = (window.drawn || 0) + 1;
        mermaid.parse(text)
          .then(() => mermaid.render('diagram' + window.drawn, text))
          .then(r => {
            out.innerHTML = r.svg;
            // At its own size, as a wide comment shows it, not shrunk to the window.
            const svg = out.querySelector('svg');
            const box = svg.viewBox.baseVal;
            svg.style.maxWidth = 'none';
            svg.setAttribute('width', box.width);
            svg.setAttribute('height', box.height);
            // The drawing's text, its stylesheet left out.
            const copy = svg.cloneNode(true);
            copy.querySelectorAll('style').forEach(e => e.remove());
            done({text: copy.textContent, svg: r.svg,
                  edges: svg.querySelectorAll('path.flowchart-link').length});
          })
          .catch(e => done({error: String(e && e.message || e)}));
        """,
        text,
    )


def test_every_document_draws_with_every_name(driver, hostile_graph: Path) -> None:  # type: ignore[no-untyped-def]
    assert len(TOPOLOGIES) >= 6
    for case, args in documents(hostile_graph).items():
        text = svcgraph([*args, "-f", "mermaid"])
        graph = json.loads(svcgraph([*args, "-f", "json"]))
        drawn = draw(driver, text)
        assert "error" not in drawn, f"{case}: {drawn.get('error')}\n{text}"
        seen = squeeze(drawn["text"])
        for node in graph["nodes"]:
            assert squeeze(shown(node["name"])) in seen, f"{case}: {node['name']!r} not drawn"
        # Edges: one line per call, all drawn.
        assert drawn["edges"] == len(graph["edges"]), case


def test_hostile_names_stay_text(driver, hostile_graph: Path) -> None:  # type: ignore[no-untyped-def]
    text = svcgraph(["-i", str(hostile_graph), "-f", "mermaid", "--group", "namespace"])
    drawn = draw(driver, text)
    assert "error" not in drawn, drawn.get("error")
    # The <img> of a name is text, never an element; no handler ran; no link was made.
    assert driver.execute_script("return document.querySelectorAll('#out img').length") == 0
    assert driver.execute_script("return window.pwned === undefined")
    assert driver.execute_script("return document.querySelectorAll('#out a').length") == 0
    assert '<img src=x onerror="window.pwned=1">' in drawn["text"]
    assert '%%{init: {"securityLevel": "loose"}}%%' in drawn["text"]


def test_the_comparison_for_the_readme(driver, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A screenshot of the shop's comparison as GitHub would draw it, in target/browser/
    mermaid.png, copied to docs/mermaid.png when SVCGRAPH_UPDATE_SCREENSHOT=1 or when there
    is none yet."""
    text = svcgraph(["--demo", "--baseline", str(BASELINE), "--group", "namespace"] + ["-f", "mermaid"])
    drawn = draw(driver, text)
    assert "error" not in drawn, drawn.get("error")
    size = driver.execute_script(
        "const r = document.getElementById('out').getBoundingClientRect();"
        "return [Math.ceil(r.width), Math.ceil(r.height)];"
    )
    driver.set_window_size(max(800, size[0] + 40), max(600, size[1] + 160))
    element = driver.find_element("id", "out")
    out = ROOT / "target" / "browser" / "mermaid.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    assert element.screenshot(str(out))
    docs = ROOT / "docs" / "mermaid.png"
    if os.environ.get("SVCGRAPH_UPDATE_SCREENSHOT") == "1" or not docs.exists():
        shutil.copyfile(out, docs)
