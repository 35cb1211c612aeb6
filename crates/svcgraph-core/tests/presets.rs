//! Golden tests: for every schema preset, responses in that producer's real label shape give
//! the expected graph. The JSON document is the contract and is kept as an `insta` snapshot;
//! the facts that matter most are also asserted directly.
// Reads metric responses and snapshots: the `full` feature.
#![cfg(feature = "full")]

use std::path::Path;

use svcgraph_core::query::QueryPurpose;
use svcgraph_core::render::json::to_json;
use svcgraph_core::schema::{Built, QueryResults, Schema};
use svcgraph_core::series::SeriesSet;
use svcgraph_core::{Edge, LeftOutReason, NodeKind, ServiceGraph, Warning};

fn fixture(path: &Path) -> SeriesSet {
    let bytes = std::fs::read(path).unwrap();
    SeriesSet::from_json(&bytes).unwrap()
}

/// Builds `preset` from `tests/fixtures/<preset>.<purpose>.json`, whichever exist.
fn build(preset: &str) -> Built {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut results = QueryResults::default();
    for purpose in QueryPurpose::ALL {
        let name = serde_json::to_value(purpose).unwrap();
        let path = dir.join(format!("{preset}.{}.json", name.as_str().unwrap()));
        if path.exists() {
            results.insert(purpose, fixture(&path));
        }
    }
    Schema::preset(preset).unwrap().build(&results).unwrap()
}

/// The warnings as the lines a user reads.
fn lines(warnings: &[Warning]) -> String {
    let lines: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    lines.join("\n")
}

fn edge<'g>(g: &'g ServiceGraph, client: &str, server: &str) -> &'g Edge {
    g.edges()
        .find_map(|(c, s, e)| (c.id == client && s.id == server).then_some(e))
        .unwrap_or_else(|| panic!("no edge {client} -> {server}"))
}

fn kind(g: &ServiceGraph, id: &str) -> NodeKind {
    g.node(id).unwrap_or_else(|| panic!("no node {id}")).kind
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn seed_test_vector() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed.json");
    let results = QueryResults::from_requests(fixture(&path));
    let built = Schema::preset("gmp-beyla")
        .unwrap()
        .build(&results)
        .unwrap();
    let g = &built.graph;
    assert_eq!((g.node_count(), g.edge_count()), (4, 3));
    let mut names: Vec<&str> = g.nodes().map(|n| n.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["child1", "leaf1", "leaf2", "root"]);
    // Nodes are keyed by address and labelled by pod name.
    assert_eq!(g.node("10.4.2.54").unwrap().name, "root");
    for (_, _, e) in g.edges() {
        assert!(close(e.requests_per_second, 9.734_179_558_009_6));
    }
    assert!(built.warnings.is_empty(), "{:?}", built.warnings);
    insta::assert_snapshot!(to_json(g));
}

#[test]
fn gmp_beyla_pods() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gke-pods.json");
    let results = QueryResults::from_requests(fixture(&path));
    let built = Schema::preset("gmp-beyla")
        .unwrap()
        .build(&results)
        .unwrap();
    let g = &built.graph;
    // A caller without a pod is shown by its IP.
    let node_ip = g.node("10.128.0.7").unwrap();
    assert_eq!(
        (node_ip.name.as_str(), node_ip.kind),
        ("10.128.0.7", NodeKind::External)
    );
    let frontend = g.node("10.4.1.10").unwrap();
    assert_eq!(frontend.name, "frontend-7d4f8b9c6d-x2k9p");
    assert_eq!(frontend.namespace.as_deref(), Some("shop"));
    assert_eq!(frontend.kind, NodeKind::Pod);
    insta::assert_snapshot!(to_json(g));
}

#[test]
fn servicegraph_connector() {
    let built = build("servicegraph");
    let g = &built.graph;
    // Raw series split by `failed` are summed into one edge.
    let front = edge(g, "user", "frontend");
    assert!(close(front.requests_per_second, 10.5));
    assert!(close(front.error_ratio(), 0.5 / 10.5));
    assert_eq!(front.latency.p95, Some(0.06));
    assert_eq!(kind(g, "user"), NodeKind::Virtual);
    assert_eq!(kind(g, "frontend"), NodeKind::Service);
    assert_eq!(kind(g, "redis"), NodeKind::Database);
    assert_eq!(kind(g, "payments.example.com"), NodeKind::Virtual);
    assert_eq!(
        edge(g, "orders", "billing").connection_type.as_deref(),
        Some("messaging_system")
    );
    // NaN and idle series are left out, and the user hears about it; so does a failure
    // series without a matching edge.
    assert!(g.node("search").is_none() && g.node("legacy").is_none());
    insta::assert_snapshot!(format!("{}\n{}", to_json(g), lines(&built.warnings)));
}

#[test]
fn beyla_native() {
    let built = build("beyla");
    let g = &built.graph;
    // The same service name in two namespaces is two nodes.
    assert!(g.node("shop/cart").is_some() && g.node("staging/cart").is_some());
    // Failures counted on both sides can exceed requests: the ratio is clamped.
    assert!(close(
        edge(g, "shop/frontend", "staging/cart").error_ratio(),
        1.0
    ));
    // A matrix contributes its newest point.
    assert!(close(
        edge(g, "shop/cart", "data/redis").requests_per_second,
        9.0
    ));
    // An infinite quantile is reported, not drawn.
    assert_eq!(edge(g, "shop/cart", "data/redis").latency.p95, None);
    assert!(built.warnings.contains(&Warning::LeftOut {
        purpose: QueryPurpose::LatencyP95,
        count: 1,
        reason: LeftOutReason::Invalid,
    }));
    insta::assert_snapshot!(format!("{}\n{}", to_json(g), lines(&built.warnings)));
}

#[test]
fn istio() {
    let built = build("istio");
    let g = &built.graph;
    let reviews = edge(g, "bookinfo/productpage-v1", "bookinfo/reviews-v2");
    assert!(close(reviews.requests_per_second, 8.4));
    // Failures come from the 5xx series of the request counter itself.
    assert!(close(reviews.failures_per_second, 0.4));
    // Milliseconds are normalised to seconds.
    assert_eq!(reviews.latency.p95, Some(0.0875));
    // An unknown destination workload falls back to the service host, as an external node.
    assert_eq!(kind(g, "api.ratings.example.org"), NodeKind::External);
    assert_eq!(kind(g, "unknown"), NodeKind::Unknown);
    insta::assert_snapshot!(to_json(g));
}

#[test]
fn linkerd() {
    let built = build("linkerd");
    let g = &built.graph;
    let voting = edge(g, "emojivoto/web", "emojivoto/voting");
    assert!(close(voting.requests_per_second, 10.0));
    assert!(close(voting.error_ratio(), 0.1));
    assert_eq!(voting.latency.p99, Some(0.25));
    assert_eq!(kind(g, "api.github.com:443"), NodeKind::External);
    assert_eq!(kind(g, "emojivoto/web"), NodeKind::Workload);
    insta::assert_snapshot!(to_json(g));
}

#[test]
fn missing_labels_are_an_error_naming_the_schema() {
    let set = SeriesSet::from_json(
        br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"client":"a","pod":"x"},"value":[1,"1"]}]}}"#,
    )
    .unwrap();
    let err = Schema::preset("servicegraph")
        .unwrap()
        .build(&QueryResults::from_requests(set))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        r#"a series has no server label (`server`) for schema `servicegraph`: {client="a", pod="x"}; is it the right schema?"#
    );
}

#[test]
fn output_does_not_depend_on_series_order() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut set = fixture(&dir.join("istio.requests.json"));
    let schema = Schema::preset("istio").unwrap();
    let forward = to_json(
        &schema
            .build(&QueryResults::from_requests(set.clone()))
            .unwrap()
            .graph,
    );
    set.samples.reverse();
    let backward = to_json(
        &schema
            .build(&QueryResults::from_requests(set))
            .unwrap()
            .graph,
    );
    assert_eq!(forward, backward);
}

#[test]
fn series_that_map_to_one_edge_are_summed_with_a_typed_warning() {
    // Two clusters' `checkout -> db` series: the servicegraph preset's ids are the names, so
    // both land on one edge.
    let set = SeriesSet::from_json(
        br#"{"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"client":"checkout","server":"db","cluster":"a","failed":"false"},"value":[1,"1"]},
          {"metric":{"client":"checkout","server":"db","cluster":"a","failed":"true"},"value":[1,"0.5"]},
          {"metric":{"client":"checkout","server":"db","cluster":"b","failed":"false"},"value":[1,"2"]},
          {"metric":{"client":"checkout","server":"cart"},"value":[1,"1"]}]}}"#,
    )
    .unwrap();
    let built = Schema::preset("servicegraph")
        .unwrap()
        .build(&QueryResults::from_requests(set))
        .unwrap();
    assert_eq!(built.graph.edge_count(), 2);
    assert_eq!(built.duplicates.len(), 1);
    let duplicate = &built.duplicates[0];
    assert_eq!(duplicate.series, 2);
    let g = built.graph.graph();
    let summed = g
        .edge_weights()
        .find(|e| close(e.requests_per_second, 3.5))
        .is_some();
    assert!(summed);
    assert!(duplicate.client.contains("checkout") && duplicate.server.contains("db"));
    assert_eq!(built.warnings.len(), 1, "{:?}", built.warnings);
    assert!(
        built.warnings[0]
            .to_string()
            .contains("several series map to the same edge on 1 edge"),
        "{}",
        built.warnings[0]
    );
}

#[test]
fn istio_series_split_by_response_code_are_not_duplicates() {
    let set = SeriesSet::from_json(
        br#"{"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"source_workload":"a","source_workload_namespace":"x","destination_workload":"b","destination_workload_namespace":"x","response_code":"200"},"value":[1,"5"]},
          {"metric":{"source_workload":"a","source_workload_namespace":"x","destination_workload":"b","destination_workload_namespace":"x","response_code":"503"},"value":[1,"1"]}]}}"#,
    )
    .unwrap();
    let built = Schema::preset("istio")
        .unwrap()
        .build(&QueryResults::from_requests(set))
        .unwrap();
    assert!(built.duplicates.is_empty());
    assert!(built.warnings.is_empty(), "{:?}", built.warnings);
}
