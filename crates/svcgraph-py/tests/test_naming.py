"""Graph.rename: naming rules from a file or a dict, as the command line's --naming."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import svcgraph

from conftest import REPO

FIXTURES = REPO / "crates" / "svcgraph-core" / "tests" / "fixtures"
POD_IPS = FIXTURES / "beyla-pod-ips.json"
RULES = FIXTURES / "beyla-pod-ips.naming.toml"


def total(g: svcgraph.Graph) -> float:
    return sum(e["requests_per_second"] for e in g.edges)


def test_pod_ips_are_named_or_collapsed_and_traffic_is_kept() -> None:
    g = svcgraph.load(POD_IPS)
    named = g.rename(RULES)
    assert total(g) == total(named) == 65.125
    assert [n["id"] for n in named.nodes] == [
        "external",
        "gke-nodes",
        "kube-system/kube-dns",
        "load-generator",
        "shop/cart",
        "shop/frontend",
        "shop/product-catalog",
        "shop/shop-ipv6-pods",
    ]
    assert len(named.renames) == 14
    assert named.renames[0] == {
        "from": "198.51.100.23",
        "to": "external",
        "rule": "ip_peers collapse",
    }
    assert g.renames == []
    # The same as the command line's graph document, renames included.
    doc = json.loads(named.to_json())
    assert doc["renames"][0]["to"] == "external"
    # Transforms after renaming keep the record.
    assert named.filter(name="frontend").renames == named.renames


def test_rules_as_a_dict_or_a_json_file(tmp_path: Path) -> None:
    g = svcgraph.load(POD_IPS)
    rules = {"ip_peers": "collapse", "external_name": "internet"}
    named = g.rename(rules)
    assert "internet" in {n["id"] for n in named.nodes}
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(rules))
    assert g.rename(str(path)).nodes == named.nodes


def test_bad_rules_raise_input_error(tmp_path: Path) -> None:
    g = svcgraph.load(POD_IPS)
    with pytest.raises(svcgraph.InputError, match="longer than 32 bits"):
        g.rename({"cidr": [{"range": "10.0.0.0/40", "name": "x"}]})
    with pytest.raises(svcgraph.InputError, match="not a valid regex"):
        g.rename({"rename": [{"match": "(", "to": "x"}]})
    bad = tmp_path / "bad.toml"
    bad.write_text('colour = "red"\n')
    with pytest.raises(svcgraph.InputError, match="unknown field"):
        g.rename(bad)
    with pytest.raises(FileNotFoundError):
        g.rename(tmp_path / "missing.toml")
    with pytest.raises(svcgraph.InputError, match="a path .* or a dict"):
        g.rename(42)  # type: ignore[arg-type]
