"""from_prometheus against a real Prometheus serving known data: rates, failures and latency
as the real PromQL engine computes them, at a chosen time, with filters."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Dict, Tuple

import pytest

import svcgraph

import openmetrics
from conftest import Prometheus


def rates(g: svcgraph.Graph) -> Dict[Tuple[str, str], float]:
    return {(e["source_name"], e["target_name"]): e["requests_per_second"] for e in g.edges}


def assert_rates(g: svcgraph.Graph, expected: Dict[Tuple[str, str], float]) -> None:
    got = rates(g)
    assert set(got) == set(expected)
    for key, rate in expected.items():
        assert got[key] == pytest.approx(rate, rel=1e-6), key


def test_the_whole_graph_at_a_time(prometheus: Prometheus) -> None:
    end = prometheus.dataset.end
    g = svcgraph.from_prometheus(prometheus.url, at=end)
    assert g.schema == "servicegraph"
    t = end - prometheus.dataset.start
    assert_rates(g, openmetrics.expected(prometheus.edges, t))
    for e in g.edges:
        assert e["error_ratio"] == pytest.approx(openmetrics.FAILED, rel=1e-6)
        assert e["p50"] == pytest.approx(openmetrics.P50, rel=1e-6)
        assert e["p95"] == pytest.approx(openmetrics.P95, rel=1e-6)
        assert e["p99"] == pytest.approx(openmetrics.P99, rel=1e-6)
    assert g.snapshot is not None
    again = svcgraph.load(g.snapshot)
    assert again.to_json() == g.to_json(), "the snapshot redraws the same graph offline"


def test_at_accepts_every_spelling_of_a_time(prometheus: Prometheus) -> None:
    early = prometheus.dataset.start + 600  # still at half rate
    expected = openmetrics.expected(prometheus.edges, 600)
    as_datetime = datetime.fromtimestamp(early, tz=timezone.utc)
    for at in (early, float(early), str(early), as_datetime, as_datetime.isoformat()):
        assert_rates(svcgraph.from_prometheus(prometheus.url, schema="servicegraph", at=at), expected)


def test_filters_cluster_and_namespace_become_matchers(prometheus: Prometheus) -> None:
    end = prometheus.dataset.end
    t = end - prometheus.dataset.start
    edges = prometheus.edges
    assert_rates(
        svcgraph.from_prometheus(prometheus.url, cluster="c1", at=end),
        openmetrics.expected(edges, t, cluster="c1"),
    )
    assert_rates(
        svcgraph.from_prometheus(prometheus.url, namespace="ns-b", at=end, window="10m"),
        openmetrics.expected(edges, t, namespace="ns-b"),
    )
    assert_rates(
        svcgraph.from_prometheus(prometheus.url, filters={"cluster": "c2"}, at=end),
        openmetrics.expected(edges, t, cluster="c2"),
    )
    assert_rates(
        svcgraph.from_prometheus(
            prometheus.url, filters=["cluster=~c.", "client!=frontend"], at=end,
            window=timedelta(minutes=5),
        ),
        {k: v for k, v in openmetrics.expected(edges, t).items() if k[0] != "frontend"},
    )
    # A namespace with a quote and a backslash reaches the server as one escaped value.
    odd = svcgraph.from_prometheus(prometheus.url, namespace=openmetrics.ODD_NAMESPACE, at=end)
    assert_rates(odd, openmetrics.expected(edges, t, namespace=openmetrics.ODD_NAMESPACE))
    assert any(n["namespace"] == openmetrics.ODD_NAMESPACE for n in odd.nodes)


def test_a_cluster_without_data_is_a_source_error(prometheus: Prometheus) -> None:
    with pytest.raises(svcgraph.SourceError, match="in that cluster"):
        svcgraph.from_prometheus(prometheus.url, cluster="nowhere", at=prometheus.dataset.end)


def test_two_moments_compare(prometheus: Prometheus) -> None:
    start, end = prometheus.dataset.start, prometheus.dataset.end
    now = svcgraph.from_prometheus(prometheus.url, at=end)
    before = svcgraph.from_prometheus(prometheus.url, at=start + 600)
    d = now.diff(before)
    # Every edge doubled its rate: +100 % is beyond the default 50 %.
    assert {e["change"] for e in d.edges} == {"changed"}
    assert all(e["moved"] == ["rate"] for e in d.edges)
