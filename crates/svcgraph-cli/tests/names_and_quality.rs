//! Naming rules (`--naming`) and the data-quality report (`svcgraph doctor`), through the real
//! binary.

// The rates are binary fractions: sums are exact, and equality is what is promised.
#![allow(clippy::float_cmp)]

mod common;
#[allow(dead_code)]
#[path = "../../svcgraph-prometheus/tests/common/prometheus.rs"]
mod prometheus;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::{run, stderr};
use serde_json::Value;

/// A file of the repository, by its path from the root.
fn sample(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
        .to_string_lossy()
        .into_owned()
}

const POD_IPS: &str = "crates/svcgraph-core/tests/fixtures/beyla-pod-ips.json";
const POD_IP_RULES: &str = "crates/svcgraph-core/tests/fixtures/beyla-pod-ips.naming.toml";

fn graph_json(args: &[&str]) -> Value {
    let mut all = vec!["render", "-f", "json"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn total_rate(doc: &Value) -> f64 {
    doc["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["requests_per_second"].as_f64().unwrap())
        .sum()
}

fn node_ids(doc: &Value) -> Vec<&str> {
    doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("svcgraph-names-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn naming_rules_name_or_collapse_pod_ips_and_keep_the_traffic() {
    let before = graph_json(&["-i", &sample(POD_IPS)]);
    let after = graph_json(&["-i", &sample(POD_IPS), "--naming", &sample(POD_IP_RULES)]);
    assert_eq!(total_rate(&before), 65.125);
    assert_eq!(total_rate(&after), 65.125);
    assert_eq!(
        node_ids(&after),
        [
            "external",
            "gke-nodes",
            "kube-system/kube-dns",
            "load-generator",
            "shop/cart",
            "shop/frontend",
            "shop/product-catalog",
            "shop/shop-ipv6-pods"
        ]
    );
    assert!(before.get("renames").is_none());
    let renames = after["renames"].as_array().unwrap();
    assert_eq!(renames.len(), 14);
    assert_eq!(
        renames[0],
        serde_json::json!({"to": "external", "from": "198.51.100.23", "rule": "ip_peers collapse"})
    );
    // The document reads back with its renames, byte for byte.
    let dir = temp_dir("roundtrip");
    let path = dir.join("named.json");
    std::fs::write(&path, serde_json::to_string_pretty(&after).unwrap() + "\n").unwrap();
    let again = run(&["render", "-f", "json", "-i", path.to_str().unwrap()]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        serde_json::from_slice::<Value>(&again.stdout).unwrap(),
        after
    );
    // Transforms see the named graph: aggregation and filters work on the new names.
    let focused = graph_json(&[
        "-i",
        &sample(POD_IPS),
        "--naming",
        &sample(POD_IP_RULES),
        "--focus",
        "product-catalog",
        "--depth",
        "1",
    ]);
    assert_eq!(
        node_ids(&focused),
        ["shop/frontend", "shop/product-catalog"]
    );
    assert_eq!(total_rate(&focused), 30.25);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn naming_rules_in_json_and_their_errors() {
    let dir = temp_dir("errors");
    let json = dir.join("rules.json");
    std::fs::write(
        &json,
        r#"{"ip_peers": "collapse", "external_name": "internet"}"#,
    )
    .unwrap();
    let doc = graph_json(&["-i", &sample(POD_IPS), "--naming", json.to_str().unwrap()]);
    assert!(node_ids(&doc).contains(&"internet"));
    assert_eq!(total_rate(&doc), 65.125);

    for (text, expected) in [
        (
            "[[cidr]]\nrange = \"10.0.0.0/99\"\nname = \"x\"\n",
            "longer than 32 bits",
        ),
        (
            "[[rename]]\nmatch = \"(\"\nto = \"x\"\n",
            "not a valid regex",
        ),
        ("colour = \"red\"\n", "unknown field"),
    ] {
        let path = dir.join("bad.toml");
        std::fs::write(&path, text).unwrap();
        let out = run(&[
            "render",
            "-i",
            &sample(POD_IPS),
            "--naming",
            path.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{text}");
        let err = stderr(&out);
        assert!(err.contains(expected), "{text}: {err}");
        assert!(err.contains("naming rules"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let out = run(&["render", "--demo", "--naming", "/nonexistent/rules.toml"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot read the naming rules"));
    std::fs::remove_dir_all(dir).unwrap();
}

const CONNECTOR: &str = "crates/svcgraph-core/tests/fixtures/quality-connector.snapshot.json";
const CONNECTOR_CLEAN: &str =
    "crates/svcgraph-core/tests/fixtures/quality-connector-clean.snapshot.json";
const ISTIO: &str = "crates/svcgraph-core/tests/fixtures/quality-istio.snapshot.json";

fn doctor_json(args: &[&str]) -> Value {
    let mut all = vec!["doctor", "--format", "json"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn finding_kinds(report: &Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect()
}

#[test]
fn doctor_finds_every_artefact_and_nothing_on_clean_data() {
    let report = doctor_json(&["-i", &sample(CONNECTOR)]);
    assert_eq!(report["format"], "svcgraph-quality");
    assert_eq!(
        finding_kinds(&report),
        [
            "ip_named",
            "unknown",
            "virtual",
            "unpaired_spans",
            "dropped_spans",
            "expired_edges",
            "namespace_variants",
            "vanished"
        ]
    );
    for f in report["findings"].as_array().unwrap() {
        assert!(!f["cause"].as_str().unwrap().is_empty());
        assert!(!f["fixes"].as_array().unwrap().is_empty());
    }
    let istio = doctor_json(&["-i", &sample(ISTIO)]);
    assert_eq!(finding_kinds(&istio), ["one_sided"]);
    assert_eq!(
        istio["findings"][0]["subjects"][1]["detail"],
        "destination only"
    );

    let clean = run(&["doctor", "-i", &sample(CONNECTOR_CLEAN), "--strict"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    assert_eq!(
        String::from_utf8_lossy(&clean.stdout),
        "Data quality: nothing found (5 nodes, 5 edges, 9.25 req/s)\n"
    );
    // --strict fails a report with findings; without it the report is only information.
    assert_eq!(
        run(&["doctor", "-i", &sample(CONNECTOR), "--strict"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        run(&["doctor", "-i", &sample(CONNECTOR)]).status.code(),
        Some(0)
    );
}

#[test]
fn doctor_on_the_demo_reports_only_what_is_there() {
    let report = doctor_json(&["--demo"]);
    assert_eq!(finding_kinds(&report), ["virtual"]);
    let names: Vec<&str> = report["findings"][0]["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["card-gateway.example.net", "smtp.example.net", "user"]
    );
    // The bundled snapshot predates the quality queries: those checks are listed, not passed.
    let unmeasured: Vec<&str> = report["not_measured"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        unmeasured,
        [
            "unpaired_spans",
            "dropped_spans",
            "expired_edges",
            "vanished"
        ]
    );
    // Same input, same bytes.
    let again = run(&["doctor", "--demo", "--format", "json"]);
    assert_eq!(
        serde_json::from_slice::<Value>(&again.stdout).unwrap(),
        report
    );
}

#[test]
fn doctor_after_naming_rules_and_on_graph_documents() {
    let before = doctor_json(&["-i", &sample(POD_IPS)]);
    assert_eq!(finding_kinds(&before)[0], "ip_named");
    assert_eq!(
        before["findings"][0]["subjects"].as_array().unwrap().len(),
        9
    );
    let after = doctor_json(&["-i", &sample(POD_IPS), "--naming", &sample(POD_IP_RULES)]);
    assert!(!finding_kinds(&after).contains(&"ip_named"), "{after}");

    let dir = temp_dir("doctor");
    let doc = dir.join("graph.json");
    let out = run(&["render", "--demo", "-o", doc.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = doctor_json(&["-i", doc.to_str().unwrap()]);
    assert_eq!(finding_kinds(&report), ["virtual"]);
    let reasons: Vec<&str> = report["not_measured"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["kind"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["one_sided", "vanished"]);
    // Bad input: a clear error, no panic.
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"format\": \"svcgraph-snapshot\"").unwrap();
    let out = run(&["doctor", "-i", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_page_has_a_data_quality_section_with_the_renames() {
    let out = run(&[
        "render",
        "-f",
        "html",
        "-i",
        &sample(POD_IPS),
        "--naming",
        &sample(POD_IP_RULES),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(
        page.contains(
            "<summary>Data quality: nothing found · 14 nodes renamed by naming rules</summary>"
        ),
        "{}",
        &page[..2000.min(page.len())]
    );
    assert!(page.contains("<h3>Renamed by naming rules</h3>"));
    assert!(
        page.contains(
            "<li>10.4.2.20 → shop/product-catalog <small>(cidr 10.4.2.0/24)</small></li>"
        )
    );
    // Other formats carry no report.
    let svg = run(&["render", "--demo"]);
    assert!(!String::from_utf8_lossy(&svg.stdout).contains("Data quality"));
}

/// OpenMetrics text for a connector whose counters say something: requests on two calls,
/// one of which stops 4 minutes before `end`; unpaired spans on one call; the Collector's
/// expired edges. One sample every 15 s over the half hour before `end`.
fn connector_series(end: i64) -> String {
    let mut out = String::new();
    let labels = |server: &str| {
        format!(
            "client=\"front\",client_service_namespace=\"shop\",server=\"{server}\",server_service_namespace=\"shop\""
        )
    };
    let mut family = |name: &str, series: &[(String, f64, i64)]| {
        let _ = writeln!(out, "# TYPE {name} counter");
        for (labels, rate, until) in series {
            let mut t = end - 1800;
            while t <= *until {
                let value = rate * (t - (end - 1800)) as f64;
                let _ = writeln!(out, "{name}_total{{{labels}}} {value} {t}");
                t += 15;
            }
        }
    };
    family(
        "traces_service_graph_request",
        &[(labels("cart"), 2.0, end), (labels("old"), 1.0, end - 240)],
    );
    family(
        "traces_service_graph_unpaired_spans",
        &[(labels("cart"), 0.5, end)],
    );
    family(
        "otelcol_connector_servicegraph_expired_edges",
        &[("job=\"otel-collector\"".to_owned(), 0.25, end)],
    );
    out.push_str("# EOF\n");
    out
}

#[test]
fn doctor_asks_a_real_prometheus_and_fetch_keeps_the_answers() {
    if !prometheus::available() {
        return;
    }
    let end = prometheus::unix_now() / 15 * 15 - 120;
    let server = prometheus::Prometheus::start(&connector_series(end));
    let url = server.url.as_str();
    let at = end.to_string();
    let live = doctor_json(&["--url", url, "--at", &at]);
    assert_eq!(
        finding_kinds(&live),
        ["unpaired_spans", "expired_edges", "vanished"],
        "{live}"
    );
    assert!(
        live["not_measured"].as_array().unwrap().is_empty(),
        "{live}"
    );
    let close = |v: &Value, want: f64| (v.as_f64().unwrap() - want).abs() < 1e-9;
    assert!(
        close(&live["findings"][0]["requests_per_second"], 0.5),
        "{live}"
    );
    assert!(
        close(&live["findings"][1]["requests_per_second"], 0.25),
        "{live}"
    );
    assert_eq!(
        live["findings"][2]["subjects"][0]["name"],
        "shop/front -> shop/old"
    );

    // `fetch --quality` keeps the answers: the same report offline.
    let dir = temp_dir("prometheus");
    let snapshot = dir.join("snapshot.json");
    let out = run(&[
        "fetch",
        "--url",
        url,
        "--at",
        &at,
        "--quality",
        "-o",
        snapshot.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(doctor_json(&["-i", snapshot.to_str().unwrap()]), live);
    // A plain fetch asks the graph's queries only.
    let plain = run(&["fetch", "--url", url, "--at", &at]);
    let doc: Value = serde_json::from_slice(&plain.stdout).unwrap();
    let purposes: Vec<&str> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["purpose"].as_str().unwrap())
        .collect();
    assert_eq!(
        purposes,
        [
            "requests",
            "failures",
            "latency_p50",
            "latency_p95",
            "latency_p99"
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}
