//! Against a real Prometheus (Debian's `prometheus` 2.42): known data for every preset,
//! loaded with promtool, fetched, built, and compared with what the data implies.
//!
//! Tolerances: rates and failure rates within 1e-6 relative, quantiles within 1e-9 s. The
//! data makes PromQL's answers exact (linear counters, one histogram bucket; see
//! `common/data.rs`), so the slack covers floating point only.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::data::{self, EdgeSpec, ODD_NAMESPACE, STEP};
use common::prometheus::{self, Prometheus, free_port, unix_now};
use svcgraph_core::query::{EvalTime, GraphQuery, LabelMatcher};
use svcgraph_core::render::json::to_json;
use svcgraph_core::schema::Schema;
use svcgraph_core::{Edge, ServiceGraph};
use svcgraph_prometheus::{Client, ClientConfig, Error, RetryPolicy, detect_schema, fetch};

fn client(url: &str) -> Client {
    let quick = RetryPolicy::new(2, Duration::from_millis(10), Duration::from_millis(10));
    Client::new(
        ClientConfig::new(url)
            .timeout(Duration::from_secs(30))
            .retry(quick),
    )
    .expect("client")
}

/// A Prometheus holding `preset`'s data for the standard edges, ending five minutes ago on a
/// sample boundary (Prometheus serves blocks within retention; queries use `at`).
fn start(preset: &str) -> (Prometheus, data::Dataset, Vec<EdgeSpec>) {
    let edges = data::standard_edges();
    let end = unix_now() / STEP * STEP - 300;
    let set = data::dataset(preset, &edges, end);
    (Prometheus::start(&set.text), set, edges)
}

fn at(unix_seconds: i64) -> EvalTime {
    EvalTime::from_unix_millis(unix_seconds * 1000)
}

fn assert_close(got: f64, want: f64, what: &str) {
    let tolerance = 1e-6 * want.abs().max(1e-9);
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: got {got}, want {want}"
    );
}

/// Compares the graph's edges with the expected ones, node namespaces with the data, and
/// latency with the histogram's known quantiles.
fn check_graph(
    schema: &Schema,
    graph: &ServiceGraph,
    edges: &[EdgeSpec],
    expected: &BTreeMap<(String, String), data::Expected>,
    what: &str,
) {
    let got: BTreeMap<(String, String), &Edge> = graph
        .edges()
        .map(|(c, s, e)| ((c.name.clone(), s.name.clone()), e))
        .collect();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{what}: edges"
    );
    assert_eq!(graph.edge_count(), expected.len(), "{what}: edge count");
    for (key, want) in expected {
        let edge = got[key];
        let what = format!("{what}: {} -> {}", key.0, key.1);
        assert_close(edge.requests_per_second, want.rate, &format!("{what} rate"));
        assert_close(
            edge.failures_per_second,
            want.failures,
            &format!("{what} failures"),
        );
        if schema.failures.is_some() {
            assert_close(
                edge.error_ratio(),
                data::FAILED,
                &format!("{what} error ratio"),
            );
        }
        let latency = [edge.latency.p50, edge.latency.p95, edge.latency.p99];
        if schema.latency.is_some() {
            for (got, want) in latency.into_iter().zip([data::P50, data::P95, data::P99]) {
                let got = got.unwrap_or_else(|| panic!("{what}: no latency"));
                assert!((got - want).abs() < 1e-9, "{what}: latency {got} != {want}");
            }
        } else {
            assert_eq!(latency, [None, None, None], "{what}");
        }
    }
    for (client, server, _) in graph.edges() {
        let spec = edges
            .iter()
            .find(|e| e.client.name == client.name && e.server.name == server.name)
            .expect("edge from the data");
        assert_eq!(
            server.namespace.as_deref(),
            Some(spec.server.ns.as_str()),
            "{what}"
        );
        if schema.client.namespace.is_some() {
            assert_eq!(
                client.namespace.as_deref(),
                Some(spec.client.ns.as_str()),
                "{what}"
            );
        }
    }
}

/// Every filter combination, `at` in both rate phases and past the data, the snapshot
/// round trip, and detection, for one preset.
async fn check_preset(preset: &str) {
    if !prometheus::available() {
        return;
    }
    let (server, set, edges) = start(preset);
    let client = client(&server.url);
    let schema = Schema::preset(preset).unwrap();
    let both_ends = schema.namespace_labels.len() == 2;
    let with_failures = schema.failures.is_some();
    let early = set.start + 600; // the window [start+5m, start+10m] is at half rate
    let cases: [(Option<&str>, Option<&str>, i64); 8] = [
        (None, None, set.end),
        (Some("c1"), None, set.end),
        (Some("c2"), None, set.end),
        (None, Some("ns-b"), set.end),
        (Some("c1"), Some("ns-a"), set.end),
        (Some("c2"), Some("ns-a"), set.end),
        (None, Some(ODD_NAMESPACE), set.end),
        (Some("c1"), None, early),
    ];
    for (cluster, namespace, time) in cases {
        let what = format!("{preset} cluster={cluster:?} namespace={namespace:?} at={time}");
        let mut query = GraphQuery::default().with_at(at(time));
        query.cluster = cluster.map(str::to_owned);
        query.namespace = namespace.map(str::to_owned);
        let fetched = fetch(&client, &schema, &query)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}\n{}", server.log_tail()));
        assert!(
            fetched.warnings.is_empty(),
            "{what}: {:?}",
            fetched.warnings
        );
        let built = fetched.build().unwrap();
        let want = data::expected(
            &edges,
            cluster,
            namespace,
            both_ends,
            time - set.start,
            with_failures,
        );
        assert!(!want.is_empty(), "{what}: the case must expect edges");
        check_graph(&schema, &built.graph, &edges, &want, &what);

        // The snapshot rebuilds the same graph offline.
        let json = serde_json::to_string(&fetched.snapshot).unwrap();
        let rebuilt = svcgraph_core::load(json.as_bytes()).unwrap();
        assert_eq!(rebuilt.kind, svcgraph_core::InputKind::Snapshot, "{what}");
        assert_eq!(to_json(&rebuilt.graph), to_json(&built.graph), "{what}");
    }

    // The decoys a preset's selector must exclude are really in the data.
    if !schema.selector.is_empty() {
        let count = async |selector: String| {
            let promql = format!("count({}{selector})", schema.requests);
            let answer = client.query(&promql, Some(at(set.end))).await.unwrap();
            answer.series.samples[0].value
        };
        let matchers: Vec<String> = schema
            .selector
            .iter()
            .map(LabelMatcher::to_promql)
            .collect();
        let selected = count(format!("{{{}}}", matchers.join(", "))).await;
        let all = count(String::new()).await;
        assert!(
            all > selected,
            "{preset}: {all} series, {selected} selected"
        );
    }

    // Past the data, the window is empty: `at` is really sent.
    let late = GraphQuery::default().with_at(at(set.end + 600));
    let fetched = fetch(&client, &schema, &late).await.unwrap();
    assert!(fetched.build().unwrap().graph.is_empty(), "{preset}: late");

    let c1 = GraphQuery::default()
        .with_cluster("c1")
        .with_at(at(set.end));
    let detected = detect_schema(&client, &c1).await.unwrap();
    assert_eq!(detected.map(|s| s.name).as_deref(), Some(preset));
    let nowhere = GraphQuery::default()
        .with_cluster("no-such-cluster")
        .with_at(at(set.end));
    assert!(detect_schema(&client, &nowhere).await.unwrap().is_none());
}

#[tokio::test]
async fn gmp_beyla_numbers_match_the_data() {
    check_preset("gmp-beyla").await;
}

#[tokio::test]
async fn servicegraph_numbers_match_the_data() {
    check_preset("servicegraph").await;
}

#[tokio::test]
async fn beyla_numbers_match_the_data() {
    check_preset("beyla").await;
}

#[tokio::test]
async fn istio_numbers_match_the_data() {
    check_preset("istio").await;
}

#[tokio::test]
async fn linkerd_numbers_match_the_data() {
    check_preset("linkerd").await;
}

/// Detection on a real server that holds Beyla's series next to another producer's under
/// the same metric name: within Beyla's cluster it is Beyla, across clusters only the
/// selector-free `servicegraph` preset fits every series.
#[tokio::test]
async fn detection_sees_mixed_producers_as_servicegraph() {
    if !prometheus::available() {
        return;
    }
    let (server, set, _) = start("beyla");
    let client = client(&server.url);
    let all = GraphQuery::default().with_at(at(set.end));
    let detected = detect_schema(&client, &all).await.unwrap();
    assert_eq!(detected.map(|s| s.name).as_deref(), Some("servicegraph"));
}

/// Hostile filter values reach real Prometheus as one string literal: no `vector(1)` comes
/// back, and a value with a quote and a backslash that exists in the data finds its edge.
#[tokio::test]
async fn hostile_filters_are_plain_strings_to_real_prometheus() {
    if !prometheus::available() {
        return;
    }
    let (server, set, edges) = start("servicegraph");
    let client = client(&server.url);
    let schema = Schema::preset("servicegraph").unwrap();
    let hostile = "a\"} or vector(1) #";
    let queries = [
        GraphQuery::default()
            .with_namespace(hostile)
            .with_at(at(set.end)),
        GraphQuery::default()
            .with_cluster(hostile)
            .with_at(at(set.end)),
        GraphQuery::default()
            .with_matcher(LabelMatcher::equal("client", hostile).unwrap())
            .with_at(at(set.end)),
    ];
    for query in &queries {
        let fetched = fetch(&client, &schema, query).await.unwrap();
        for (purpose, series) in fetched.results.iter() {
            assert!(
                series.samples.is_empty(),
                "{purpose:?}: {:?}",
                series.samples
            );
        }
        assert!(fetched.build().unwrap().graph.is_empty());
    }
    // The raw query too: the escaped literal selects nothing, and nothing else runs.
    let promql = format!(
        "sum(rate(traces_service_graph_request_total{{client={}}}[5m]))",
        svcgraph_core::query::promql_string(hostile)
    );
    let answer = client.query(&promql, Some(at(set.end))).await.unwrap();
    assert!(answer.series.samples.is_empty(), "{:?}", answer.series);

    let odd = GraphQuery::default()
        .with_namespace(ODD_NAMESPACE)
        .with_at(at(set.end));
    let built = fetch(&client, &schema, &odd)
        .await
        .unwrap()
        .build()
        .unwrap();
    let want = data::expected(
        &edges,
        None,
        Some(ODD_NAMESPACE),
        true,
        set.end - set.start,
        true,
    );
    assert_eq!(want.len(), 1);
    check_graph(&schema, &built.graph, &edges, &want, "odd namespace");
}

/// A PromQL syntax error and a regex Prometheus' engine refuses (Go's RE2 allows at most
/// 1000 repetitions; Rust's regex accepts it, so it passes svcgraph's own check) come back
/// as HTTP 400 with the server's message, not retried.
#[tokio::test]
async fn promql_errors_show_the_server_message() {
    if !prometheus::available() {
        return;
    }
    let (server, set, _) = start("istio");
    let client = client(&server.url);
    let err = client.query("sum(", None).await.unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, Error::Status { status: 400, .. }),
        "{message}"
    );
    assert!(
        message.starts_with(&format!(
            "{}/api/v1/query answered HTTP 400: bad_data: ",
            server.url
        )),
        "{message}"
    );
    assert!(message.contains("parse error"), "{message}");
    assert!(
        message.contains("the server rejected the query"),
        "{message}"
    );

    let schema = Schema::preset("istio").unwrap();
    let query = GraphQuery::default()
        .with_matcher("destination_workload=~a{1001}".parse().unwrap())
        .with_at(at(set.end));
    let err = fetch(&client, &schema, &query).await.unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("the requests per second query failed: "),
        "{message}"
    );
    assert!(message.contains("HTTP 400: bad_data: "), "{message}");
    assert!(message.contains("invalid"), "{message}");
}

/// A port nobody listens on, and a server killed between two queries of one client (its
/// pooled connection is dead): both a clear "cannot connect" after the bounded retries.
#[tokio::test]
async fn a_missing_or_killed_server_is_reported() {
    let port = free_port();
    let closed = client(&format!("http://127.0.0.1:{port}"));
    let message = closed.query("up", None).await.unwrap_err().to_string();
    assert!(
        message.starts_with(&format!(
            "gave up after 2 attempts: cannot connect to http://127.0.0.1:{port}/api/v1/query: "
        )),
        "{message}"
    );
    assert!(message.contains("Connection refused"), "{message}");
    assert!(!message.contains("client error"), "{message}");
    assert!(
        message.contains("check the URL and that the server is running"),
        "{message}"
    );

    if !prometheus::available() {
        return;
    }
    let (mut server, set, _) = start("linkerd");
    let client = client(&server.url);
    let schema = Schema::preset("linkerd").unwrap();
    let query = GraphQuery::default().with_at(at(set.end));
    let before = fetch(&client, &schema, &query).await.unwrap();
    assert!(!before.build().unwrap().graph.is_empty());
    server.kill();
    let err = fetch(&client, &schema, &query).await.unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("the requests per second query failed: gave up after 2 attempts: "),
        "{message}"
    );
    assert!(
        message.contains(&format!("{}/api/v1/query", server.url)),
        "{message}"
    );
    assert!(matches!(err, Error::Query { .. }));
}
