"""svcgraph.load: the seed test vector, the demo snapshot, every way of passing an input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Optional

import pytest

import svcgraph

from conftest import SEED, SHOP

SEED_RATE = 9.7341795580096


def test_seed_vector_gives_four_pods_and_three_edges() -> None:
    g = svcgraph.load(str(SEED))
    assert (len(g), len(g.edges)) == (4, 3)
    assert g.schema == "gmp-beyla"
    assert sorted(n["name"] for n in g.nodes) == ["child1", "leaf1", "leaf2", "root"]
    pairs = sorted((e["source_name"], e["target_name"]) for e in g.edges)
    assert pairs == [("child1", "leaf2"), ("root", "child1"), ("root", "leaf1")]
    assert all(e["requests_per_second"] == pytest.approx(SEED_RATE) for e in g.edges)
    root = next(n for n in g.nodes if n["name"] == "root")
    assert root == {
        "id": "10.4.2.54",
        "name": "root",
        "namespace": None,
        "kind": "pod",
        "addresses": ["10.4.2.54"],
        "change": None,
    }
    assert "9.73 req/s" in g.to_svg()


def test_seed_vector_matches_the_command_line(cli: Optional[Path]) -> None:
    if cli is None:
        pytest.skip("target/debug/svcgraph is not built (cargo build -p svcgraph)")
    seed = SEED
    out = subprocess.run(
        [str(cli), "render", "-q", "-i", str(seed), "-f", "json"],
        check=True, capture_output=True, text=True,
    ).stdout
    assert svcgraph.load(seed).to_json() == out
    document = json.loads(out)
    assert (len(document["nodes"]), len(document["edges"])) == (4, 3)


def test_demo_snapshot_uses_its_own_schema() -> None:
    g = svcgraph.load(SHOP)
    assert g.schema == "servicegraph"
    assert len(g) == len(g.nodes) > 10
    assert any(e["p95"] is not None for e in g.edges)
    assert any(e["failures_per_second"] > 0 for e in g.edges)
    kinds = {n["kind"] for n in g.nodes}
    assert "service" in kinds
    assert g.snapshot is None


def test_json_text_bytes_and_paths_are_all_accepted() -> None:
    path = SEED
    text = path.read_text()
    expected = svcgraph.load(path).to_json()
    for source in (text, text.encode(), str(path), path, "  \n" + text):
        assert svcgraph.load(source).to_json() == expected


def test_a_graph_document_reads_back_to_the_same_bytes(tmp_path: Path) -> None:
    g = svcgraph.load(SHOP)
    again = svcgraph.load(g.to_json())
    assert again.to_json() == g.to_json()
    assert again.schema is None
    g.save(tmp_path / "shop.json")
    assert svcgraph.load(tmp_path / "shop.json").to_json() == g.to_json()


def test_schema_and_filters_apply_to_series() -> None:
    seed = SEED
    only_root = svcgraph.load(seed, filters="client=root")
    assert len(only_root.edges) == 2
    same = svcgraph.load(seed, filters={"client": "root"})
    assert same.to_json() == only_root.to_json()
    regex = svcgraph.load(seed, filters=["server=~leaf.*", "client!=root"])
    assert [(e["source_name"], e["target_name"]) for e in regex.edges] == [("child1", "leaf2")]
    named = svcgraph.load(seed, schema="gmp-beyla")
    assert named.schema == "gmp-beyla"


def test_a_schema_file_is_read_like_the_command_line(tmp_path: Path, cli: Optional[Path]) -> None:
    if cli is None:
        pytest.skip("target/debug/svcgraph is not built")
    toml = subprocess.run(
        [str(cli), "schemas", "--show", "gmp-beyla"], check=True, capture_output=True, text=True
    ).stdout
    schema = tmp_path / "mine.toml"
    schema.write_text(toml.replace('name = "gmp-beyla"', 'name = "mine"'))
    g = svcgraph.load(SEED, schema=str(schema))
    assert g.schema == "mine"
    assert len(g.edges) == 3


def test_schemas_are_listed() -> None:
    assert svcgraph.SCHEMAS == ("gmp-beyla", "servicegraph", "beyla", "istio", "linkerd")
    assert isinstance(svcgraph.__version__, str)
