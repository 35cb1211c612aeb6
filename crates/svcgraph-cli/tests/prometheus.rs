//! `svcgraph render --url` and `svcgraph fetch` against a real Prometheus loaded with known
//! data by promtool (the data and the server come from svcgraph-prometheus' test harness).

mod common;
#[allow(dead_code)]
#[path = "../../svcgraph-prometheus/tests/common/data.rs"]
mod data;
#[allow(dead_code)]
#[path = "../../svcgraph-prometheus/tests/common/prometheus.rs"]
mod prometheus;

use std::path::Path;
use std::process::Output;

use common::{run, stderr, svcgraph};
use data::{EdgeSpec, FAILED, P95, STEP};
use prometheus::{Prometheus, available, free_port, unix_now};

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The servicegraph preset's data in a running Prometheus; its last sample is at `end`.
fn start() -> (Prometheus, data::Dataset, Vec<EdgeSpec>) {
    let edges = data::standard_edges();
    let set = data::dataset("servicegraph", &edges, unix_now() / STEP * STEP - 120);
    (Prometheus::start(&set.text), set, edges)
}

/// Each edge of a graph document by (client name, server name): rate, error ratio, p95.
fn edges_of(doc: &serde_json::Value) -> Vec<(String, String, f64, f64, f64)> {
    let name = |id: &serde_json::Value| {
        doc["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == *id)
            .unwrap()["name"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    doc["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                name(&e["source"]),
                name(&e["target"]),
                e["requests_per_second"].as_f64().unwrap(),
                e["error_ratio"].as_f64().unwrap(),
                e["latency_seconds"]["p95"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-6 * want.abs().max(1.0)
}

#[test]
fn render_and_fetch_read_the_numbers_the_data_implies_and_a_snapshot_replays_them() {
    if !available() {
        return;
    }
    let (server, set, edges) = start();
    let at = set.end.to_string();
    let url = server.url.as_str();

    // The schema is detected from the server; both clusters add up.
    let direct = run(&["render", "--url", url, "--at", &at, "-f", "json"]);
    let doc = json(&direct);
    assert!(
        stderr(&direct).contains("schema `servicegraph`"),
        "{}",
        stderr(&direct)
    );
    let want = data::expected(&edges, None, None, true, set.end - set.start, true);
    let got = edges_of(&doc);
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (client, server_name, rate, ratio, p95) in &got {
        let w = &want[&(client.clone(), server_name.clone())];
        assert!(
            close(*rate, w.rate),
            "{client} -> {server_name}: {rate} vs {}",
            w.rate
        );
        assert!(close(*ratio, FAILED), "{ratio}");
        assert!(close(*p95, P95), "{p95}");
    }

    // Filters go to the server: one cluster, one namespace.
    let filtered = json(&run(&[
        "render",
        "--url",
        url,
        "--at",
        &at,
        "--cluster",
        "c1",
        "-n",
        "ns-b",
        "-f",
        "json",
    ]));
    let want = data::expected(
        &edges,
        Some("c1"),
        Some("ns-b"),
        true,
        set.end - set.start,
        true,
    );
    let got = edges_of(&filtered);
    assert_eq!(got.len(), want.len(), "{got:?}");

    // fetch writes a snapshot; rendering it offline gives the same document byte for byte.
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("snapshot.json");
    let fetched = run(&[
        "fetch",
        "--url",
        url,
        "--at",
        &at,
        "-o",
        snapshot.to_str().unwrap(),
    ]);
    assert!(fetched.status.success(), "{}", stderr(&fetched));
    assert!(
        stderr(&fetched).contains("edges) from"),
        "{}",
        stderr(&fetched)
    );
    drop(server);
    let offline = run(&["render", "-i", snapshot.to_str().unwrap(), "-f", "json"]);
    assert!(offline.status.success(), "{}", stderr(&offline));
    assert_eq!(offline.stdout, direct.stdout);
}

#[test]
fn compare_at_draws_two_moments_of_the_server() {
    if !available() {
        return;
    }
    let (server, set, _) = start();
    // Early on every edge ran at half its rate: now each has doubled.
    let early = (set.start + data::HALF_RATE_FOR - 60).to_string();
    let at = set.end.to_string();
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("now.json");
    let out = run(&[
        "render",
        "--url",
        &server.url,
        "--at",
        &at,
        "--compare-at",
        &early,
        "--save-snapshot",
        saved.to_str().unwrap(),
        "-f",
        "json",
    ]);
    let doc = json(&out);
    let edges = doc["edges"].as_array().unwrap();
    assert!(!edges.is_empty());
    for e in edges {
        assert_eq!(e["diff"]["change"], "changed", "{e}");
        assert_eq!(e["diff"]["moved"], serde_json::json!(["rate"]), "{e}");
        let before = e["diff"]["before"]["requests_per_second"].as_f64().unwrap();
        assert!(close(
            e["requests_per_second"].as_f64().unwrap(),
            2.0 * before
        ));
    }
    assert!(stderr(&out).contains(&format!("0 new, 0 gone, {} changed", edges.len())));
    // The snapshot saved on the way is the moment drawn, not the baseline.
    let replay = json(&run(&[
        "render",
        "-i",
        saved.to_str().unwrap(),
        "-f",
        "json",
    ]));
    assert_eq!(replay["edges"].as_array().unwrap().len(), edges.len());
    assert!(replay["edges"][0].get("diff").is_none());
}

#[test]
fn hostile_filters_reach_the_server_as_plain_strings() {
    if !available() {
        return;
    }
    let (server, set, _) = start();
    let at = set.end.to_string();
    for filter in [
        ["-n", "a\"} or vector(1) #"],
        ["--cluster", "c1\"} or vector(1) #"],
        ["-l", "client=x\"} or vector(1) #"],
    ] {
        let out = run(&[
            "render",
            "--url",
            &server.url,
            "--schema",
            "servicegraph",
            "--at",
            &at,
            filter[0],
            filter[1],
            "-f",
            "json",
        ]);
        let doc = json(&out);
        assert_eq!(doc["edges"].as_array().unwrap().len(), 0, "{filter:?}");
        assert!(
            stderr(&out).contains("the graph is empty"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn server_faults_are_one_line_and_leave_the_output_alone() {
    if !available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("graph.svg");
    std::fs::write(&target, "keep me").unwrap();
    let target = target.to_str().unwrap();
    let check = |out: &Output, says: &str| {
        assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
        let err = stderr(out);
        assert!(
            err.starts_with("svcgraph: error: ") && err.lines().count() == 1,
            "{err}"
        );
        assert!(err.contains(says), "{err}");
        assert_eq!(
            std::fs::read_to_string(Path::new(target)).unwrap(),
            "keep me"
        );
    };

    // Nothing listens.
    let nobody = format!("http://127.0.0.1:{}", free_port());
    check(
        &run(&["render", "--url", &nobody, "--attempts", "1", "-o", target]),
        "cannot connect",
    );
    // A PromQL error: a custom schema whose metric name the server refuses as a regex label.
    let (mut server, set, _) = start();
    let at = set.end.to_string();
    check(
        &run(&[
            "render",
            "--url",
            &server.url,
            "--schema",
            "servicegraph",
            "--at",
            &at,
            "-l",
            "client=~a{1001}",
            "-o",
            target,
        ]),
        "HTTP 400",
    );
    // The server gone between two runs.
    server.kill();
    check(
        &run(&[
            "render",
            "--url",
            &server.url,
            "--schema",
            "servicegraph",
            "--attempts",
            "2",
            "-o",
            target,
        ]),
        "gave up after 2 attempts",
    );
    // The URL comes from the environment when no --url is given.
    let out = svcgraph()
        .env("SVCGRAPH_PROMETHEUS_URL", &nobody)
        .args(["render", "--attempts", "1", "-o", target])
        .output()
        .unwrap();
    check(&out, &nobody);
}
