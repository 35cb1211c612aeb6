"""to_networkx and to_pandas, and the message when those packages are missing."""

from __future__ import annotations

import sys

import pytest

import svcgraph

from conftest import SHOP


@pytest.fixture(scope="module")
def shop() -> svcgraph.Graph:
    return svcgraph.load(SHOP)


def test_to_networkx(shop: svcgraph.Graph) -> None:
    nx = pytest.importorskip("networkx")
    g = shop.to_networkx()
    assert isinstance(g, nx.DiGraph)
    assert g.number_of_nodes() == len(shop)
    assert g.number_of_edges() == len(shop.edges)
    edge = shop.edges[0]
    assert g.edges[edge["source"], edge["target"]]["requests_per_second"] == edge["requests_per_second"]
    node = shop.nodes[0]
    assert g.nodes[node["id"]]["kind"] == node["kind"]


def test_to_pandas(shop: svcgraph.Graph) -> None:
    pd = pytest.importorskip("pandas")
    df = shop.to_pandas()
    assert isinstance(df, pd.DataFrame)
    assert len(df) == len(shop.edges)
    assert list(df.columns)[:4] == ["source", "target", "source_name", "target_name"]
    assert df["requests_per_second"].sum() == pytest.approx(
        sum(e["requests_per_second"] for e in shop.edges)
    )
    empty = shop.filter(name="^nothing$").to_pandas()
    assert len(empty) == 0 and "requests_per_second" in empty.columns


@pytest.mark.parametrize(("method", "module"), [("to_networkx", "networkx"), ("to_pandas", "pandas")])
def test_a_missing_package_says_what_to_install(
    shop: svcgraph.Graph, monkeypatch: pytest.MonkeyPatch, method: str, module: str
) -> None:
    # A None entry in sys.modules makes `import module` raise ImportError, as if absent.
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError) as err:
        getattr(shop, method)()
    message = str(err.value)
    assert f"Graph.{method}() needs {module}" in message
    assert f"pip install {module}" in message
