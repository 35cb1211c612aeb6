//! `svcgraph render|fetch --source gmp|cloud-monitoring` as a user runs them, against fakes
//! of Google's APIs and of the metadata server on loopback. Environment variables (ADC,
//! `GCE_METADATA_HOST`, `HOME`) are set only on the child processes, so tests never race.

#[allow(dead_code)]
mod common;
#[allow(dead_code)]
#[path = "../../svcgraph-prometheus/tests/common/fake_server.rs"]
mod fake_server;
#[allow(dead_code)]
#[path = "../../svcgraph-gcp/tests/common/google.rs"]
mod google;

use std::path::Path;
use std::process::{Command, Output};

use fake_server::{FakeServer, Recorded, Reply};
use google::{GMP_PATH, LIST_PATH, PROJECT, SCOPE, jwt_parts, seed_pages, seed_response};

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../svcgraph-core/tests/fixtures/seed.json"
);
const AT: &str = "2026-11-24T17:00:00Z";

/// The binary with no Google or svcgraph settings inherited, and a home without gcloud files.
fn svcgraph(home: &Path) -> Command {
    common::isolated(home)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn path(r: &Recorded) -> &str {
    r.target
        .split_once('?')
        .map_or(r.target.as_str(), |(p, _)| p)
}

/// A fake GMP endpoint answering the seed vector to requests that carry a bearer token.
fn fake_gmp() -> FakeServer {
    FakeServer::start(|_, r| {
        if path(r) != GMP_PATH {
            return Reply::status(404, google::google_error(404, "NOT_FOUND", "no such path"));
        }
        if !r
            .header("authorization")
            .is_some_and(|a| a.starts_with("Bearer "))
        {
            return Reply::status(
                401,
                google::google_error(401, "UNAUTHENTICATED", "no credentials"),
            );
        }
        if r.param("query").is_some_and(|q| q.starts_with("topk")) {
            return Reply::json(google::seed_detection_response());
        }
        Reply::json(seed_response())
    })
}

#[test]
fn the_seed_vector_from_gmp_renders_the_same_graph_as_from_the_file() {
    let home = tempfile::tempdir().unwrap();
    let (key, _) = google::service_account_key(home.path());
    let gmp = fake_gmp();
    let from_gmp = svcgraph(home.path())
        .args(["render", "--source", "gmp", "--project-id", PROJECT])
        .args(["--endpoint", &gmp.url(), "--at", AT, "-f", "json"])
        .arg("--credentials-file")
        .arg(&key)
        .output()
        .unwrap();
    let from_file = svcgraph(home.path())
        .args(["render", "--input", SEED, "-f", "json"])
        .output()
        .unwrap();
    let doc = json(&from_gmp);
    assert_eq!(doc, json(&from_file));
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 4);
    assert_eq!(doc["edges"].as_array().unwrap().len(), 3);
    assert!(
        stderr(&from_gmp).contains("schema `gmp-beyla`"),
        "{}",
        stderr(&from_gmp)
    );
    let (_, claims) = jwt_parts(gmp.requests()[0].header("authorization").unwrap());
    assert_eq!(claims["scope"], SCOPE);
}

#[test]
fn doctor_asks_gmp_the_quality_queries_too() {
    let home = tempfile::tempdir().unwrap();
    let (key, _) = google::service_account_key(home.path());
    let gmp = fake_gmp();
    let out = svcgraph(home.path())
        .args(["doctor", "--source", "gmp", "--project-id", PROJECT])
        .args(["--endpoint", &gmp.url(), "--at", AT, "--format", "json"])
        .arg("--credentials-file")
        .arg(&key)
        .output()
        .unwrap();
    let report = json(&out);
    assert_eq!(report["format"], "svcgraph-quality");
    assert!(
        report["not_measured"].as_array().unwrap().is_empty(),
        "{report}"
    );
    let queries: Vec<String> = gmp
        .requests()
        .iter()
        .filter_map(|r| r.param("query"))
        .collect();
    for wanted in [
        "traces_service_graph_unpaired_spans_total",
        "traces_service_graph_dropped_spans_total",
        "otelcol_connector_servicegraph_expired_edges_total",
        "count_over_time(traces_service_graph_request_total",
    ] {
        assert!(
            queries.iter().any(|q| q.contains(wanted)),
            "{wanted}: {queries:?}"
        );
    }
}

#[test]
fn application_default_credentials_come_from_the_env_file_or_the_metadata_server() {
    let home = tempfile::tempdir().unwrap();
    let (key, _) = google::service_account_key(home.path());

    // GOOGLE_APPLICATION_CREDENTIALS names a service-account key; the project comes from
    // GOOGLE_CLOUD_PROJECT.
    let gmp = fake_gmp();
    let out = svcgraph(home.path())
        .env("GOOGLE_APPLICATION_CREDENTIALS", &key)
        .env("GOOGLE_CLOUD_PROJECT", PROJECT)
        .args(["render", "--source", "gmp", "--schema", "gmp-beyla"])
        .args(["--endpoint", &gmp.url(), "--at", AT, "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(json(&out)["edges"].as_array().unwrap().len(), 3);
    let (_, claims) = jwt_parts(gmp.requests()[0].header("authorization").unwrap());
    assert_eq!(claims["scope"], SCOPE);

    // No file anywhere: the metadata server at GCE_METADATA_HOST supplies the token.
    let metadata = FakeServer::start(|_, r| {
        if r.header("metadata-flavor") != Some("Google") {
            return Reply::status(403, "missing Metadata-Flavor");
        }
        match path(r) {
            "/computeMetadata/v1/instance/service-accounts/default/token" => Reply::json(
                r#"{"access_token":"mds-token","expires_in":3600,"token_type":"Bearer"}"#,
            ),
            "/computeMetadata/v1/universe/universe-domain" => Reply::status(200, "googleapis.com"),
            _ => Reply::status(404, "not found"),
        }
    });
    let gmp = fake_gmp();
    let out = svcgraph(home.path())
        .env(
            "GCE_METADATA_HOST",
            metadata.url().trim_start_matches("http://"),
        )
        .args([
            "render",
            "--source",
            "gmp",
            "--project-id",
            PROJECT,
            "--schema",
            "gmp-beyla",
        ])
        .args(["--endpoint", &gmp.url(), "--at", AT, "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(json(&out)["edges"].as_array().unwrap().len(), 3);
    assert_eq!(
        gmp.requests()[0].header("authorization"),
        Some("Bearer mds-token")
    );
    let token_request = metadata
        .requests()
        .into_iter()
        .find(|r| path(r).ends_with("/token"))
        .unwrap();
    assert!(
        token_request.param("scopes").unwrap().contains(SCOPE),
        "{:?}",
        token_request.target
    );
}

#[test]
fn missing_credentials_say_how_to_get_them() {
    let home = tempfile::tempdir().unwrap();
    // A metadata address where nothing listens.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = closed.local_addr().unwrap().to_string();
    drop(closed);
    let gmp = fake_gmp();
    let out = svcgraph(home.path())
        .env("GCE_METADATA_HOST", &address)
        .args([
            "render",
            "--source",
            "gmp",
            "--project-id",
            PROJECT,
            "--schema",
            "gmp-beyla",
        ])
        .args(["--endpoint", &gmp.url(), "--attempts", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no Google credentials found"), "{err}");
    assert!(
        err.contains("gcloud auth application-default login"),
        "{err}"
    );
    assert!(err.contains("GOOGLE_APPLICATION_CREDENTIALS"), "{err}");
    assert!(gmp.requests().is_empty(), "nothing is sent without a token");

    let out = svcgraph(home.path())
        .args(["render", "--source", "gmp"])
        .output()
        .unwrap();
    assert!(stderr(&out).contains("--project-id (or GOOGLE_CLOUD_PROJECT)"));
}

#[test]
fn a_cloud_monitoring_snapshot_replays_to_the_same_graph() {
    let home = tempfile::tempdir().unwrap();
    let (key, _) = google::service_account_key(home.path());
    let monitoring = FakeServer::start(|_, r| {
        let (first, second) = seed_pages();
        if path(r) != LIST_PATH {
            return Reply::status(404, "no such path");
        }
        if r.param("pageToken").as_deref() == Some("page-2") {
            Reply::json(second)
        } else {
            Reply::json(first)
        }
    });
    let snapshot = home.path().join("snapshot.json");
    let out = svcgraph(home.path())
        .args([
            "fetch",
            "--source",
            "cloud-monitoring",
            "--project-id",
            PROJECT,
        ])
        .args(["--endpoint", &monitoring.url(), "--at", AT, "-o"])
        .arg(&snapshot)
        .arg("--credentials-file")
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cloud-monitoring mode does not detect schemas"),
        "{}",
        stderr(&out)
    );
    assert_eq!(monitoring.requests().len(), 2);
    let replayed = svcgraph(home.path())
        .args(["render", "-f", "json", "--input"])
        .arg(&snapshot)
        .output()
        .unwrap();
    let from_file = svcgraph(home.path())
        .args(["render", "--input", SEED, "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(json(&replayed), json(&from_file));
}

#[test]
fn compare_at_asks_gmp_for_both_moments() {
    let home = tempfile::tempdir().unwrap();
    let (key, _) = google::service_account_key(home.path());
    let gmp = FakeServer::start(|_, r| {
        if r.param("time").as_deref() == Some("1795539600") {
            Reply::json(seed_response())
        } else {
            // A day earlier: only the first edge.
            let mut earlier: serde_json::Value = serde_json::from_str(&seed_response()).unwrap();
            earlier["data"]["result"]
                .as_array_mut()
                .unwrap()
                .truncate(1);
            Reply::json(earlier.to_string())
        }
    });
    let out = svcgraph(home.path())
        .args([
            "render",
            "--source",
            "gmp",
            "--project-id",
            PROJECT,
            "--schema",
            "gmp-beyla",
        ])
        .args([
            "--endpoint",
            &gmp.url(),
            "--at",
            AT,
            "--compare-at",
            "2026-11-23T17:00:00Z",
        ])
        .args(["-f", "json", "--credentials-file"])
        .arg(&key)
        .output()
        .unwrap();
    let doc = json(&out);
    assert!(
        stderr(&out).contains("2 new, 0 gone, 0 changed, 1 unchanged"),
        "{}",
        stderr(&out)
    );
    assert_eq!(doc["edges"].as_array().unwrap().len(), 3);
    assert_eq!(gmp.requests().len(), 2);
}

#[test]
fn help_names_the_environment_each_google_flag_reads() {
    let home = tempfile::tempdir().unwrap();
    let out = svcgraph(home.path())
        .args(["render", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "env: GOOGLE_CLOUD_PROJECT",
        "env: GOOGLE_CLOUD_QUOTA_PROJECT",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "GCE_METADATA_HOST",
        "cloud-monitoring",
    ] {
        assert!(help.contains(expected), "{expected}: {help}");
    }
}
