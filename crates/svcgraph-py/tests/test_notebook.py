"""examples/notebook.ipynb, run top to bottom by a real Jupyter kernel against the real
Prometheus of the other tests."""

from __future__ import annotations

import os
from typing import Any, Dict, List

import pytest

from conftest import REPO, Prometheus

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

# scripts/python-checks.sh installs a kernel spec of that name into the test venv.
KERNEL = os.environ.get("SVCGRAPH_TEST_KERNEL", "svcgraph-test")


def outputs(cell: Dict[str, Any]) -> List[Dict[str, Any]]:
    return list(cell.get("outputs", []))


def has_svg(cell: Dict[str, Any]) -> bool:
    return any(
        str(o.get("data", {}).get("image/svg+xml", "")).lstrip().startswith("<svg")
        for o in outputs(cell)
    )


def test_the_notebook_runs_and_shows_graphs(
    prometheus: Prometheus, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = nbformat.read(REPO / "examples" / "notebook.ipynb", as_version=4)
    # The kernel inherits this process' environment.
    monkeypatch.setenv("SVCGRAPH_PROMETHEUS_URL", prometheus.url)
    monkeypatch.setenv("SVCGRAPH_AT", str(prometheus.dataset.end))
    client = nbclient.NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=300,
        resources={"metadata": {"path": str(REPO / "examples")}},
    )
    client.execute()
    code = [c for c in notebook.cells if c.cell_type == "code"]
    for cell in code:
        assert not any(o.get("output_type") == "error" for o in outputs(cell)), cell.source
    assert has_svg(code[0]), "the first cell shows the demo graph inline"
    frames = [str(o.get("data", {}).get("text/html", "")) for o in outputs(code[0])]
    assert any(f.startswith("<iframe srcdoc=") for f in frames), "and its interactive page"
    assert sum(has_svg(c) for c in code) >= 5
    live = next(c for c in code if "from_prometheus(url, at=at" in c.source)
    text = "".join(o.get("text", "") for o in outputs(live))
    assert "schema servicegraph" in text and "6 edges" in text
    assert has_svg(live)
    tables = [c for c in code if any("text/html" in o.get("data", {}) for o in outputs(c))]
    assert tables, "to_pandas shows a DataFrame"
