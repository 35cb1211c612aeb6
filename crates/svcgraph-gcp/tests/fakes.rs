//! Both modes against small fakes on loopback that speak Google's wire formats: GMP's
//! PromQL endpoint and Cloud Monitoring's `projects.timeSeries.list`. No environment
//! variables are read or set here (credentials come from a key file or are anonymous), so the
//! tests run in parallel safely.

#[allow(dead_code)]
mod common;
#[allow(dead_code)]
#[path = "../../svcgraph-prometheus/tests/common/fake_server.rs"]
mod fake_server;

use std::time::Duration;

use common::google::{
    GMP_PATH, LIST_PATH, PROJECT, SCOPE, google_error, jwt_parts, jwt_signature_verifies,
    seed_pages, seed_response, service_account_key,
};
use fake_server::{FakeServer, Recorded, Reply};
use svcgraph_core::query::{EvalTime, GraphQuery};
use svcgraph_core::schema::Schema;
use svcgraph_gcp::{CredentialSource, Error, GcpConfig, GcpSource, Mode};
use svcgraph_prometheus::RetryPolicy;

const AT: i64 = 1_795_539_600_000;

fn query() -> GraphQuery {
    let mut query = GraphQuery::default();
    query.at = Some(EvalTime::from_unix_millis(AT));
    query
}

fn config(server: &FakeServer, mode: Mode) -> GcpConfig {
    GcpConfig::new(PROJECT)
        .mode(mode)
        .endpoint(server.url())
        .credentials(CredentialSource::Anonymous)
        .timeout(Duration::from_secs(5))
        .retry(RetryPolicy::NONE)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn fetch(config: GcpConfig, schema: &str) -> Result<svcgraph_prometheus::Fetched, Error> {
    runtime().block_on(async {
        let source = GcpSource::connect(config).await?;
        source
            .fetch(&Schema::preset(schema).unwrap(), &query())
            .await
    })
}

fn path(r: &Recorded) -> &str {
    r.target
        .split_once('?')
        .map_or(r.target.as_str(), |(p, _)| p)
}

#[test]
fn gmp_reads_the_seed_vector_with_a_service_account_jwt_scoped_to_monitoring_read() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = service_account_key(dir.path());
    let server = FakeServer::start(|_, r| {
        if path(r) != GMP_PATH || r.header("authorization").is_none() {
            return Reply::status(404, google_error(404, "NOT_FOUND", "no such path"));
        }
        Reply::json(seed_response())
    });
    let config = config(&server, Mode::Gmp)
        .credentials(CredentialSource::File(key))
        .quota_project("billing-proj");
    let fetched = fetch(config, "gmp-beyla").unwrap();
    let built = fetched.build().unwrap();
    assert_eq!((built.graph.node_count(), built.graph.edge_count()), (4, 3));

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(path(r), GMP_PATH);
    assert_eq!(
        r.param("query").unwrap(),
        Schema::preset("gmp-beyla").unwrap().plan(&query()).unwrap()[0].promql
    );
    assert_eq!(r.param("time").as_deref(), Some("1795539600"));
    assert_eq!(r.header("x-goog-user-project"), Some("billing-proj"));
    let authorization = r.header("authorization").unwrap();
    let (header, claims) = jwt_parts(authorization);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], "key-1");
    assert_eq!(claims["scope"], SCOPE);
    assert_eq!(
        claims["iss"],
        "svcgraph-test@test-proj.iam.gserviceaccount.com"
    );
    assert!(jwt_signature_verifies(authorization, &public, dir.path()));

    // The snapshot is the PromQL response itself.
    assert!(
        fetched.snapshot.results[0]
            .response
            .get()
            .contains("9.7341795580096")
    );
}

#[test]
fn gmp_failures_name_the_fix() {
    let cases = [
        (
            401,
            google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials.",
            ),
            "gcloud auth application-default login",
        ),
        (
            403,
            google_error(
                403,
                "PERMISSION_DENIED",
                "Permission monitoring.timeSeries.list denied",
            ),
            "roles/monitoring.viewer",
        ),
        (
            403,
            google_error(
                403,
                "PERMISSION_DENIED",
                "Cloud Monitoring API has not been used in project 42 before or it is disabled.",
            ),
            "gcloud services enable monitoring.googleapis.com --project test-proj",
        ),
        (
            429,
            google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded"),
            "quota is exhausted",
        ),
        (
            404,
            google_error(404, "NOT_FOUND", "Requested entity was not found."),
            "project `test-proj` was not found",
        ),
        (
            400,
            r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error"}"#.to_owned(),
            "bad_data: 1:5: parse error",
        ),
    ];
    for (status, body, expected) in cases {
        let server = FakeServer::start(move |_, _| Reply::status(status, body.clone()));
        let err = fetch(config(&server, Mode::Gmp), "gmp-beyla")
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{expected}: {err}");
        assert!(!err.contains('\n'), "{err}");
    }
}

#[test]
fn gmp_retries_a_503_with_the_configured_backoff_then_succeeds() {
    let server = FakeServer::start(|n, _| {
        if n == 0 {
            Reply::status(503, google_error(503, "UNAVAILABLE", "try again"))
        } else {
            Reply::json(seed_response())
        }
    });
    let config = config(&server, Mode::Gmp).retry(RetryPolicy::new(
        2,
        Duration::from_millis(10),
        Duration::from_millis(10),
    ));
    let built = fetch(config, "gmp-beyla").unwrap().build().unwrap();
    assert_eq!(built.graph.edge_count(), 3);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn gmp_gives_up_after_the_timeout() {
    let server = FakeServer::start(|_, _| Reply::Hang);
    let config = config(&server, Mode::Gmp).timeout(Duration::from_millis(300));
    let err = fetch(config, "gmp-beyla").unwrap_err().to_string();
    assert!(err.contains("within 0.3 s"), "{err}");
}

/// Serves the seed vector's series as two pages, checking each request.
fn seed_lister(r: &Recorded) -> Reply {
    let (first, second) = seed_pages();
    if path(r) != LIST_PATH {
        return Reply::status(404, google_error(404, "NOT_FOUND", "no such path"));
    }
    match r.param("pageToken").as_deref() {
        None | Some("") => Reply::json(first),
        Some("page-2") => Reply::json(second),
        Some(other) => Reply::status(400, google_error(400, "INVALID_ARGUMENT", other)),
    }
}

#[test]
fn cloud_monitoring_follows_pages_aligns_rates_and_drops_idle_edges() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = service_account_key(dir.path());
    let server = FakeServer::start(|_, r| seed_lister(r));
    let config = config(&server, Mode::CloudMonitoring).credentials(CredentialSource::File(key));
    let mut query = query();
    query.cluster = Some("prod".into());
    let fetched = runtime()
        .block_on(async {
            let source = GcpSource::connect(config).await?;
            source
                .fetch(&Schema::preset("gmp-beyla").unwrap(), &query)
                .await
        })
        .unwrap();
    let built = fetched.build().unwrap();
    assert_eq!((built.graph.node_count(), built.graph.edge_count()), (4, 3));

    let requests = server.requests();
    assert_eq!(requests.len(), 2, "two pages");
    for r in &requests {
        assert_eq!(path(r), LIST_PATH);
        let (_, claims) = jwt_parts(r.header("authorization").unwrap());
        assert_eq!(claims["scope"], SCOPE);
        assert_eq!(
            r.param("filter").unwrap(),
            "metric.type = \"prometheus.googleapis.com/traces_service_graph_request_total/counter\" \
             AND resource.type = \"prometheus_target\" AND resource.labels.cluster = \"prod\""
        );
        assert_eq!(r.param("interval.endTime").unwrap(), "2026-11-24T17:00:00Z");
        assert_eq!(
            r.param("interval.startTime").unwrap(),
            "2026-11-24T16:55:00Z"
        );
        assert_eq!(r.param("aggregation.alignmentPeriod").unwrap(), "300s");
        // Enums by name, as the REST reference writes them.
        assert_eq!(
            r.param("aggregation.perSeriesAligner").unwrap(),
            "ALIGN_RATE"
        );
        assert_eq!(
            r.param("aggregation.crossSeriesReducer").unwrap(),
            "REDUCE_SUM"
        );
        assert_eq!(r.param("view").unwrap(), "FULL");
        let groups: Vec<String> = r
            .params()
            .into_iter()
            .filter(|(k, _)| k == "aggregation.groupByFields")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(
            groups,
            [
                "metric.label.client",
                "metric.label.client_address",
                "metric.label.server",
                "metric.label.server_address",
                "resource.label.namespace"
            ]
        );
    }
    assert_eq!(requests[1].param("pageToken").as_deref(), Some("page-2"));

    // The snapshot replays offline to the same graph.
    let text = serde_json::to_string(&fetched.snapshot).unwrap();
    let replayed = svcgraph_core::load(text.as_bytes()).unwrap();
    assert_eq!(replayed.kind, svcgraph_core::InputKind::Snapshot);
    assert_eq!(replayed.graph.edge_count(), 3);
    assert!(
        fetched.snapshot.results[0]
            .promql
            .starts_with("cloud-monitoring rate:")
    );
}

#[test]
fn cloud_monitoring_reads_failures_and_latency_from_distributions() {
    let server = FakeServer::start(|_, r| {
        let filter = r.param("filter").unwrap_or_default();
        let labels =
            serde_json::json!({"client": "front", "server": "cart", "connection_type": ""});
        let point = |value: serde_json::Value| {
            serde_json::json!({"timeSeries": [{
                "metric": {"labels": labels},
                "resource": {"labels": {"cluster": "prod"}},
                "points": [{"interval": {"endTime": "2026-11-24T17:00:00Z"}, "value": value}]
            }]})
            .to_string()
        };
        if filter.contains("/histogram") {
            assert_eq!(
                r.param("aggregation.perSeriesAligner").as_deref(),
                Some("ALIGN_DELTA")
            );
            Reply::json(point(serde_json::json!({"distributionValue": {
                "count": "10",
                "bucketOptions": {"explicitBuckets": {"bounds": [0.1, 0.5, 1.0]}},
                "bucketCounts": ["5", "4", "0", "1"]
            }})))
        } else if filter.contains("request_failed_total") {
            Reply::json(point(serde_json::json!({"doubleValue": 0.5})))
        } else {
            Reply::json(point(serde_json::json!({"doubleValue": 10.0})))
        }
    });
    let fetched = fetch(config(&server, Mode::CloudMonitoring), "servicegraph").unwrap();
    let built = fetched.build().unwrap();
    let edge = built.graph.graph().edge_weights().next().unwrap();
    assert!((edge.requests_per_second - 10.0).abs() < 1e-12);
    assert!((edge.error_ratio() - 0.05).abs() < 1e-12);
    let p95 = edge.latency.p95.unwrap();
    assert!((p95 - 1.0).abs() < 1e-12, "{p95}");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn cloud_monitoring_retries_a_503_reads_the_google_envelope_and_times_out() {
    let server = FakeServer::start(|n, r| {
        if n == 0 {
            Reply::status(503, google_error(503, "UNAVAILABLE", "backend unavailable"))
        } else {
            seed_lister(r)
        }
    });
    let config = config(&server, Mode::CloudMonitoring).retry(RetryPolicy::new(
        2,
        Duration::from_millis(10),
        Duration::from_millis(10),
    ));
    let built = fetch(config, "gmp-beyla").unwrap().build().unwrap();
    assert_eq!(built.graph.edge_count(), 3);

    let denied = FakeServer::start(|_, _| {
        Reply::status(
            403,
            google_error(403, "PERMISSION_DENIED", "Permission denied"),
        )
    });
    let err = fetch(config_for(&denied), "gmp-beyla")
        .unwrap_err()
        .to_string();
    assert!(err.contains("roles/monitoring.viewer"), "{err}");
    assert!(err.contains("`test-proj`"), "{err}");

    let quota = FakeServer::start(|_, _| {
        Reply::status(
            429,
            google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded"),
        )
    });
    let err = fetch(config_for(&quota), "gmp-beyla")
        .unwrap_err()
        .to_string();
    assert!(err.contains("quota is exhausted"), "{err}");

    let hanging = FakeServer::start(|_, _| Reply::Hang);
    let err = fetch(
        config_for(&hanging).timeout(Duration::from_millis(300)),
        "gmp-beyla",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("within 0.3 s"), "{err}");
}

fn config_for(server: &FakeServer) -> GcpConfig {
    config(server, Mode::CloudMonitoring)
}

#[test]
fn a_bad_credentials_file_is_named_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let config = GcpConfig::new(PROJECT).credentials(CredentialSource::File(missing));
    let err = runtime()
        .block_on(GcpSource::connect(config))
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot read the credentials file"), "{err}");
    assert!(err.contains("service-account key"), "{err}");
}

#[test]
fn an_endpoint_never_shows_its_credentials_or_query() {
    let err = runtime()
        .block_on(GcpSource::connect(
            GcpConfig::new(PROJECT)
                .endpoint("user:SECRET@host:443/?key=SECRET2")
                .credentials(CredentialSource::Anonymous),
        ))
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs http:// or https://"), "{err}");
    assert!(!err.contains("SECRET"), "{err}");

    let server = FakeServer::start(|_, _| Reply::status(200, "{}"));
    let endpoint = server.url().replace("http://", "http://user:SECRET@") + "/?key=SECRET2";
    let source = runtime()
        .block_on(GcpSource::connect(
            config(&server, Mode::CloudMonitoring).endpoint(endpoint),
        ))
        .unwrap();
    assert!(
        !source.endpoint().contains("SECRET"),
        "{}",
        source.endpoint()
    );
}

#[test]
fn gmp_answers_over_the_size_limit_are_refused() {
    let server = FakeServer::start(|_, _| Reply::json(seed_response()));
    let err = fetch(
        config(&server, Mode::Gmp).max_response_bytes(64),
        "gmp-beyla",
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("sent answers larger than the limit of 64 bytes"),
        "{err}"
    );
    assert!(fetch(config(&server, Mode::Gmp), "gmp-beyla").is_ok());
}

#[test]
fn cloud_monitoring_pages_share_one_size_limit_and_an_endless_answer_is_refused() {
    // Each page alone fits the limit; the two together do not.
    let (first, second) = seed_pages();
    let limit = u64::try_from(first.len().max(second.len()) + 16).unwrap();
    let server = FakeServer::start(|_, r| seed_lister(r));
    let err = fetch(config_for(&server).max_response_bytes(limit), "gmp-beyla").unwrap_err();
    assert!(
        err.to_string().contains(&format!(
            "sent answers larger than the limit of {limit} bytes"
        )),
        "{err}"
    );
    assert!(err.to_string().contains(LIST_PATH), "{err}");
    assert!(fetch(config_for(&server), "gmp-beyla").is_ok());

    // An answer without a length that would go on for 1 GiB: reading stops at the limit.
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&sent);
    let endless = FakeServer::start(move |_, _| Reply::Stream {
        chunk: vec![b' '; 64 * 1024],
        times: 16 * 1024,
        sent: std::sync::Arc::clone(&counter),
    });
    let err = fetch(
        config_for(&endless).max_response_bytes(1 << 20),
        "gmp-beyla",
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("larger than the limit of 1048576 bytes (1 MiB)"),
        "{err}"
    );
    let written = sent.load(std::sync::atomic::Ordering::SeqCst);
    assert!(written < 64 << 20, "{written} bytes were sent");

    // A 200 that is not a list says so.
    let wrong = FakeServer::start(|_, _| Reply::json(r#"{"timeSeries": 7}"#));
    let err = fetch(config_for(&wrong), "gmp-beyla")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a time-series list"), "{err}");
}
