//! The graph document round-trips: reading what `to_json` wrote gives the same graph, down
//! to the last bit of every number, and writing it again gives the same bytes.

use proptest::prelude::*;
use svcgraph_core::model::{Edge, Node, NodeKind};
use svcgraph_core::render::json::{from_json, to_json};
use svcgraph_core::{ServiceGraph, diff};

/// Any finite, non-negative double, subnormals and huge values included (by bit pattern).
fn rate() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0u64..0x7FF0_0000_0000_0000).prop_map(f64::from_bits),
        (0.0..1e4f64),
        Just(0.0),
        Just(11.399_999_999_999_999),
    ]
}

fn kind() -> impl Strategy<Value = NodeKind> {
    proptest::sample::select(NodeKind::ALL.to_vec())
}

#[derive(Debug, Clone)]
struct EdgeSpec {
    source: usize,
    target: usize,
    requests: f64,
    failures: f64,
    latency: [Option<f64>; 3],
    connection_type: Option<String>,
}

fn graph() -> impl Strategy<Value = ServiceGraph> {
    let nodes = prop::collection::vec(
        (
            any::<String>(),
            prop::option::of(any::<String>()),
            kind(),
            prop::collection::btree_set("[0-9a-f:.]{1,20}", 0..3),
        ),
        1..10,
    );
    nodes.prop_flat_map(|nodes| {
        let n = nodes.len();
        let edges = prop::collection::vec(
            (
                0..n,
                0..n,
                rate(),
                rate(),
                [
                    prop::option::of(rate()),
                    prop::option::of(rate()),
                    prop::option::of(rate()),
                ],
                prop::option::of("[a-z_]{1,16}"),
            )
                .prop_map(
                    |(source, target, requests, failures, latency, connection_type)| EdgeSpec {
                        source,
                        target,
                        requests,
                        failures,
                        latency,
                        connection_type,
                    },
                ),
            0..20,
        );
        (Just(nodes), edges).prop_map(|(nodes, edges)| {
            let mut g = ServiceGraph::new();
            let indices: Vec<_> = nodes
                .into_iter()
                .enumerate()
                .map(|(i, (name, namespace, kind, addresses))| {
                    // Ids are unique by construction; names may repeat and hold anything.
                    let mut node = Node::named(&name, kind);
                    node.id = format!("{i}/{name}");
                    node.namespace = namespace;
                    node.addresses = addresses;
                    g.upsert_node(node)
                })
                .collect();
            for e in edges {
                let mut edge = Edge::with_rate(e.requests);
                edge.failures_per_second = e.failures;
                edge.latency.p50 = e.latency[0];
                edge.latency.p95 = e.latency[1];
                edge.latency.p99 = e.latency[2];
                edge.connection_type = e.connection_type;
                g.upsert_edge(indices[e.source], indices[e.target], edge);
            }
            g
        })
    })
}

/// Every number of every edge, by (source id, target id), as bits.
fn numbers(g: &ServiceGraph) -> Vec<(String, String, [Option<u64>; 5])> {
    let graph = g.graph();
    let mut out: Vec<_> = graph
        .edge_indices()
        .map(|i| {
            let (s, t) = graph.edge_endpoints(i).unwrap();
            let e = &graph[i];
            let bits = |x: Option<f64>| x.map(f64::to_bits);
            (
                graph[s].id.clone(),
                graph[t].id.clone(),
                [
                    bits(Some(e.requests_per_second)),
                    bits(Some(e.failures_per_second)),
                    bits(e.latency.p50),
                    bits(e.latency.p95),
                    bits(e.latency.p99),
                ],
            )
        })
        .collect();
    out.sort();
    out
}

proptest! {
    // No regression files: a failure prints its minimal input, which belongs in a test.
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn graph_json_round_trips_exactly(g in graph()) {
        let text = to_json(&g);
        let back = from_json(&text).expect("a written document reads back");
        prop_assert_eq!(numbers(&back), numbers(&g));
        prop_assert_eq!(back.node_count(), g.node_count());
        prop_assert_eq!(to_json(&back), text);
    }

    #[test]
    fn a_comparison_round_trips_too(now in graph(), before in graph()) {
        let compared = diff::diff(&now, &before, &diff::Thresholds::default());
        let text = to_json(&compared);
        let back = from_json(&text).expect("a written comparison reads back");
        prop_assert_eq!(to_json(&back), text);
    }
}

#[test]
fn a_rate_one_ulp_from_a_short_decimal_reads_back_exactly() {
    let mut g = ServiceGraph::new();
    let a = g.upsert_node(Node::named("a", NodeKind::Service));
    let b = g.upsert_node(Node::named("b", NodeKind::Service));
    g.upsert_edge(a, b, Edge::with_rate(11.399_999_999_999_999));
    let text = to_json(&g);
    assert!(text.contains("11.399999999999999"), "{text}");
    let back = from_json(&text).unwrap();
    assert_eq!(numbers(&back), numbers(&g));
}
