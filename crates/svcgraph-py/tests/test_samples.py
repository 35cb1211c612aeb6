"""svcgraph.from_samples: series a user already has."""

from __future__ import annotations

import pytest

import svcgraph


def labels(client: str, server: str) -> dict[str, str]:
    return {
        "client": client,
        "server": server,
        "client_service_namespace": "shop",
        "server_service_namespace": "shop",
    }


def test_requests_failures_and_latency_attach_to_edges() -> None:
    g = svcgraph.from_samples(
        [
            {"labels": labels("front", "cart"), "value": 12.0},
            (labels("cart", "db"), "4.5"),
            [labels("front", "search"), 2],
        ],
        schema="servicegraph",
        failures=[(labels("front", "cart"), 0.6)],
        latency_p50=[(labels("front", "cart"), 0.01)],
        latency_p95=[(labels("front", "cart"), 0.2)],
        latency_p99=[(labels("front", "cart"), 0.4)],
    )
    assert g.schema == "servicegraph"
    edges = {(e["source_name"], e["target_name"]): e for e in g.edges}
    assert set(edges) == {("front", "cart"), ("cart", "db"), ("front", "search")}
    cart = edges[("front", "cart")]
    assert cart["requests_per_second"] == 12.0
    assert cart["error_ratio"] == pytest.approx(0.05)
    assert (cart["p50"], cart["p95"], cart["p99"]) == (0.01, 0.2, 0.4)
    assert edges[("cart", "db")]["requests_per_second"] == 4.5
    assert edges[("cart", "db")]["p95"] is None
    assert {n["namespace"] for n in g.nodes} == {"shop"}


def test_milliseconds_are_converted_for_istio() -> None:
    istio = {
        "source_workload": "front",
        "source_workload_namespace": "shop",
        "destination_workload": "cart",
        "destination_workload_namespace": "shop",
        "destination_service_name": "cart.shop.svc.cluster.local",
    }
    g = svcgraph.from_samples([(istio, 3.0)], schema="istio", latency_p95=[(istio, 250.0)])
    assert g.edges[0]["p95"] == pytest.approx(0.25)


def test_auto_picks_the_preset_whose_labels_fit() -> None:
    seed = {"client": "a", "client_address": "10.0.0.1", "server": "b", "server_address": "10.0.0.2"}
    g = svcgraph.from_samples([(seed, 1.0)], schema="auto")
    assert g.schema == "gmp-beyla"
    assert len(svcgraph.from_samples([], schema="auto")) == 0


def test_nan_and_idle_series_are_left_out_with_a_warning() -> None:
    g = svcgraph.from_samples(
        [(labels("a", "b"), "NaN"), (labels("b", "c"), 0.0), (labels("c", "d"), 1.0)],
        schema="servicegraph",
    )
    assert len(g.edges) == 1
    assert any("NaN" in w for w in g.warnings)
    assert any("idle" in w for w in g.warnings)


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        ([{"value": 1.0}], 'samples[0] has no "labels"'),
        ([{"labels": {"client": "a"}}], 'samples[0] has no "value"'),
        ([({"client": 1}, 1.0)], "labels that are not a dict of str to str"),
        ([(labels("a", "b"), "fast")], "value that is not a number"),
        ([(labels("a", "b"), 1.0, 2.0)], "not a (labels, value) pair"),
        ([42], "neither a dict nor a tuple"),
        ("front->cart", "must be a list of samples"),
    ],
)
def test_malformed_samples_raise_input_error(samples: object, message: str) -> None:
    with pytest.raises(svcgraph.InputError) as err:
        svcgraph.from_samples(samples, schema="servicegraph")  # type: ignore[arg-type]
    assert message in str(err.value)


def test_series_without_the_schema_labels_name_the_schema() -> None:
    with pytest.raises(svcgraph.InputError, match="schema `servicegraph`"):
        svcgraph.from_samples([({"pod": "x"}, 1.0)], schema="servicegraph")
    with pytest.raises(svcgraph.InputError, match="no schema preset fits"):
        svcgraph.from_samples([({"pod": "x"}, 1.0)], schema="auto")
