//! Faults a real server cannot be made to produce on demand, from a scripted fake server:
//! retries, timeouts, garbled and huge bodies, auth failures, and the exact request sent.

mod common;

use std::fmt::Write;
use std::time::Duration;

use common::fake_server::{EMPTY_VECTOR, FakeServer, Reply};
use svcgraph_core::query::{EvalTime, GraphQuery, QueryPurpose};
use svcgraph_core::schema::Schema;
use svcgraph_prometheus::{
    Client, ClientConfig, Error, MAX_GET_URL_BYTES, RetryPolicy, detect_schema, fetch,
};

fn quick_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::new(attempts, Duration::from_millis(1), Duration::from_secs(2))
}

fn client_for(server: &FakeServer, attempts: u32) -> Client {
    Client::new(ClientConfig::new(server.url()).retry(quick_retries(attempts))).unwrap()
}

const ONE_EDGE: &str = r#"{"status":"success","data":{"resultType":"vector","result":[
  {"metric":{"client":"a","server":"b"},"value":[1700000000,"2"]}]}}"#;

#[tokio::test]
async fn a_503_is_retried_until_it_succeeds() {
    let server = FakeServer::start(|n, _| {
        if n < 2 {
            Reply::status(503, "overloaded")
        } else {
            Reply::json(ONE_EDGE)
        }
    });
    let answer = client_for(&server, 3).query("x", None).await.unwrap();
    assert_eq!(answer.attempts, 3);
    assert_eq!(answer.series.samples.len(), 1);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn retries_are_bounded_and_say_how_many_were_made() {
    let server = FakeServer::start(|_, _| Reply::status(429, "slow down"));
    let err = client_for(&server, 3).query("x", None).await.unwrap_err();
    assert_eq!(server.requests().len(), 3);
    assert_eq!(
        err.to_string(),
        format!(
            "gave up after 3 attempts: {}/api/v1/query answered HTTP 429: slow down; the server is limiting requests: try again later or ask less often",
            server.url()
        )
    );
}

#[tokio::test]
async fn a_retry_after_longer_than_the_policy_allows_stops_retrying() {
    let server = FakeServer::start(|_, _| Reply::Respond {
        status: 503,
        headers: vec![("Retry-After".into(), "120".into())],
        body: Vec::new(),
    });
    let err = client_for(&server, 5).query("x", None).await.unwrap_err();
    assert_eq!(server.requests().len(), 1);
    let message = err.to_string();
    assert!(
        message.contains(
            "HTTP 503 (it asked to retry after 120 s, longer than the 2 s the retry policy waits)"
        ),
        "{message}"
    );
}

#[tokio::test]
async fn a_short_retry_after_is_honoured() {
    let server = FakeServer::start(|n, _| {
        if n == 0 {
            Reply::Respond {
                status: 429,
                headers: vec![("Retry-After".into(), "0".into())],
                body: Vec::new(),
            }
        } else {
            Reply::json(EMPTY_VECTOR)
        }
    });
    let answer = client_for(&server, 2).query("x", None).await.unwrap();
    assert_eq!(answer.attempts, 2);
}

#[tokio::test]
async fn client_errors_are_never_retried_and_keep_the_server_message() {
    let server = FakeServer::start(|_, _| {
        Reply::status(
            400,
            r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"}"#,
        )
    });
    let err = client_for(&server, 5)
        .query("sum(", None)
        .await
        .unwrap_err();
    assert_eq!(server.requests().len(), 1);
    assert!(
        matches!(&err, Error::Status { status: 400, error_type: Some(t), .. } if t == "bad_data")
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}/api/v1/query answered HTTP 400: bad_data: invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis; the server rejected the query: check the filters and the schema's metric and label names",
            server.url()
        )
    );
}

#[tokio::test]
async fn auth_failures_say_what_to_check() {
    let server = FakeServer::start(|n, _| {
        if n == 0 {
            Reply::status(401, "Unauthorized")
        } else {
            Reply::status(403, "")
        }
    });
    let client = client_for(&server, 3);
    let unauthorized = client.query("x", None).await.unwrap_err().to_string();
    assert!(
        unauthorized.ends_with(
            "answered HTTP 401: Unauthorized; check the bearer token or basic-auth credentials"
        ),
        "{unauthorized}"
    );
    let forbidden = client.query("x", None).await.unwrap_err().to_string();
    assert!(
        forbidden.contains("answered HTTP 403; the credentials were accepted"),
        "{forbidden}"
    );
    assert!(forbidden.contains("X-Scope-OrgID"), "{forbidden}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_wrong_base_url_gets_advice() {
    let server = FakeServer::start(|_, _| Reply::status(404, "404 page not found\n"));
    let message = client_for(&server, 3)
        .query("x", None)
        .await
        .unwrap_err()
        .to_string();
    assert!(message.contains("answered HTTP 404: 404 page not found; check the base URL: it is the part before /api/v1"), "{message}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_slow_server_times_out_with_the_number_of_attempts() {
    let server = FakeServer::start(|_, _| Reply::Hang);
    let client = Client::new(
        ClientConfig::new(server.url())
            .timeout(Duration::from_millis(300))
            .retry(quick_retries(2)),
    )
    .unwrap();
    let err = client.query("x", None).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "gave up after 2 attempts: no answer from {}/api/v1/query within 0.3 s; the server may be overloaded or the query too heavy: raise the timeout or narrow the query",
            server.url()
        )
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_is_retried() {
    let server = FakeServer::start(|n, _| {
        if n == 0 {
            Reply::Close
        } else {
            Reply::json(ONE_EDGE)
        }
    });
    let answer = client_for(&server, 2).query("x", None).await.unwrap();
    assert_eq!(answer.attempts, 2);
}

#[tokio::test]
async fn garbled_bodies_are_reported_with_an_excerpt_and_not_retried() {
    let cases: [(&str, &[&str]); 4] = [
        (
            "<html><body>Please log in</body></html>",
            &[
                "is not valid JSON",
                "the body starts with `<html><body>Please log in",
                "an HTML page came back",
            ],
        ),
        (
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{}"#,
            &["ends early", "the body starts with `{\"status\""],
        ),
        ("", &["is not valid JSON", "the body is empty"]),
        (
            r#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#,
            &["got a scalar result"],
        ),
    ];
    for (body, expected) in cases {
        let server = FakeServer::start(move |_, _| Reply::json(body));
        let err = client_for(&server, 3).query("x", None).await.unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, Error::Response { .. }), "{message}");
        assert!(
            message.starts_with(&format!(
                "{}/api/v1/query sent a response svcgraph cannot use: ",
                server.url()
            )),
            "{message}"
        );
        for part in expected {
            assert!(message.contains(part), "{part}: {message}");
        }
        assert!(!message.contains('\n'), "{message}");
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn a_50_mb_answer_parses_and_stays_verbatim() {
    let mut body = String::from(r#"{"status":"success","data":{"resultType":"vector","result":["#);
    let mut count = 0usize;
    while body.len() < 50 * 1024 * 1024 {
        if count > 0 {
            body.push(',');
        }
        let _ = write!(
            body,
            r#"{{"metric":{{"client":"client-{count:07}","client_address":"10.{}.{}.{}","server":"server-{:05}","server_address":"10.200.{}.{}","namespace":"ns-{}","cluster":"prod"}},"value":[1700000000.123,"{}.25"]}}"#,
            count / 65536 % 256,
            count / 256 % 256,
            count % 256,
            count % 50_000,
            count / 256 % 256,
            count % 256,
            count % 17,
            count % 1000
        );
        count += 1;
    }
    body.push_str(r#"]},"warnings":["big answer"]}"#);
    let expected_len = body.len();
    let shared = std::sync::Arc::new(body);
    let sent = std::sync::Arc::clone(&shared);
    let server = FakeServer::start(move |_, _| Reply::json(sent.as_bytes().to_vec()));
    let answer = client_for(&server, 1).query("x", None).await.unwrap();
    assert_eq!(answer.series.samples.len(), count);
    assert_eq!(answer.series.warnings, ["big answer"]);
    assert_eq!(answer.body.get().len(), expected_len);
    assert!(answer.body.get() == shared.as_str());
    let last = &answer.series.samples[count - 1];
    assert_eq!(
        last.label("client"),
        Some(format!("client-{:07}", count - 1).as_str())
    );
    assert!((last.value - ((count - 1) % 1000) as f64 - 0.25).abs() < 1e-9);
}

/// The query a hostile filter produces, exactly as the server receives it.
#[tokio::test]
async fn hostile_filter_values_arrive_as_one_escaped_literal() {
    let server = FakeServer::start(|_, _| Reply::json(EMPTY_VECTOR));
    let client = client_for(&server, 1);
    let schema = Schema::preset("gmp-beyla").unwrap();
    let query = GraphQuery::default()
        .with_namespace("a\"} or vector(1) #")
        .with_at(EvalTime::from_unix_millis(1_700_000_000_500));
    let fetched = fetch(&client, &schema, &query).await.unwrap();
    assert!(fetched.build().unwrap().graph.is_empty());
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "GET");
    assert!(
        request.target.starts_with("/api/v1/query?"),
        "{}",
        request.target
    );
    assert_eq!(
        request.param("query").as_deref(),
        Some(
            r#"sum by (client, client_address, server, server_address, namespace) (rate(traces_service_graph_request_total{namespace="a\"} or vector(1) #"}[5m])) > 0"#
        )
    );
    assert_eq!(request.param("time").as_deref(), Some("1700000000.500"));
    assert_eq!(request.params().len(), 2);
}

#[tokio::test]
async fn long_queries_are_posted_as_a_form() {
    let server = FakeServer::start(|_, _| Reply::json(EMPTY_VECTOR));
    let client = client_for(&server, 1);
    let long = format!("sum(up{{job=~\"{}\"}})", "a|".repeat(MAX_GET_URL_BYTES));
    client.query(&long, None).await.unwrap();
    client.query("up", None).await.unwrap();
    let requests = server.requests();
    let post = requests
        .iter()
        .find(|r| r.method == "POST")
        .expect("a POST");
    assert_eq!(post.target, "/api/v1/query");
    assert_eq!(
        post.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(post.param("query").as_deref(), Some(long.as_str()));
    let get = requests.iter().find(|r| r.method == "GET").expect("a GET");
    assert_eq!(get.param("query").as_deref(), Some("up"));
    assert_eq!(get.param("time"), None);
}

#[tokio::test]
async fn prefixes_credentials_and_headers_are_sent() {
    let server = FakeServer::start(|_, _| Reply::json(EMPTY_VECTOR));
    let bearer = Client::new(
        ClientConfig::new(format!("{}/prometheus/?extra_label=team%3Da", server.url()))
            .bearer_token("t0ken")
            .header("X-Scope-OrgID", "tenant-1"),
    )
    .unwrap();
    assert_eq!(
        bearer.endpoint(),
        format!("{}/prometheus/api/v1/query", server.url())
    );
    bearer.query("up", None).await.unwrap();
    let basic = Client::new(ClientConfig::new(server.url()).basic_auth("alice", Some("pw".into())))
        .unwrap();
    basic.query("up", None).await.unwrap();

    let requests = server.requests();
    let first = &requests[0];
    assert!(
        first
            .target
            .starts_with("/prometheus/api/v1/query?extra_label=team%3Da&query=up"),
        "{}",
        first.target
    );
    assert_eq!(first.header("authorization"), Some("Bearer t0ken"));
    assert_eq!(first.header("x-scope-orgid"), Some("tenant-1"));
    // base64("alice:pw")
    assert_eq!(
        requests[1].header("authorization"),
        Some("Basic YWxpY2U6cHc=")
    );
}

/// Warnings and infos reach the caller; every planned query runs, each once.
#[tokio::test]
async fn fetch_runs_every_planned_query_and_forwards_warnings() {
    let server = FakeServer::start(|_, r| {
        let query = r.param("query").unwrap_or_default();
        if query.starts_with("histogram_quantile(0.99") {
            Reply::json(
                r#"{"status":"success","data":{"resultType":"vector","result":[]},"warnings":["too many buckets"],"infos":["PromQL info: just so you know"]}"#,
            )
        } else {
            Reply::json(ONE_EDGE)
        }
    });
    let schema = Schema::preset("servicegraph").unwrap();
    let fetched = fetch(&client_for(&server, 1), &schema, &GraphQuery::default())
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 5);
    assert_eq!(
        fetched.warnings,
        [
            "latency p99: too many buckets",
            "latency p99: info: PromQL info: just so you know"
        ]
    );
    let purposes: Vec<QueryPurpose> = fetched.snapshot.results.iter().map(|r| r.purpose).collect();
    assert_eq!(purposes, QueryPurpose::ALL);
    // Without `at`, every query is evaluated at one pinned instant, recorded in the snapshot.
    let times: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.param("time").expect("a time"))
        .collect();
    assert!(times.iter().all(|t| *t == times[0]), "{times:?}");
    let pinned = fetched.snapshot.query.as_ref().and_then(|q| q.at).unwrap();
    assert_eq!(pinned.to_prometheus_param(), times[0]);
    let built = fetched.build().unwrap();
    assert_eq!(built.graph.edge_count(), 1);
    assert!(
        built
            .warnings
            .iter()
            .any(|w| w.to_string() == "latency p99: too many buckets")
    );
}

/// One failing optional query fails the fetch, naming it.
#[tokio::test]
async fn a_failing_optional_query_fails_the_fetch() {
    let server = FakeServer::start(|_, r| {
        if r.param("query")
            .unwrap_or_default()
            .starts_with("histogram_quantile(0.5,")
        {
            Reply::status(
                422,
                r#"{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory"}"#,
            )
        } else {
            Reply::json(ONE_EDGE)
        }
    });
    let schema = Schema::preset("istio").unwrap();
    let err = fetch(&client_for(&server, 3), &schema, &GraphQuery::default())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Query {
            purpose: QueryPurpose::LatencyP50,
            ..
        }
    ));
    let message = err.to_string();
    assert!(
        message.starts_with("the latency p50 query failed: "),
        "{message}"
    );
    assert!(
        message.contains("HTTP 422: execution: query processing would load too many samples"),
        "{message}"
    );
    // 4 queries answered, the failing one not retried.
    assert_eq!(server.requests().len(), 5);
}

#[tokio::test]
async fn detection_is_one_query_and_tells_presets_sharing_a_metric_apart() {
    let server = FakeServer::start(|_, _| {
        Reply::json(
            r#"{"status":"success","data":{"resultType":"vector","result":[
              {"metric":{"__name__":"traces_service_graph_request_total","client":"a","server":"b","source":"beyla"},"value":[1,"1"]},
              {"metric":{"__name__":"istio_requests_total","source_workload":"a","destination_workload":"b","reporter":"destination"},"value":[1,"1"]}]}}"#,
        )
    });
    let query = GraphQuery::default().with_cluster("prod");
    let detected = detect_schema(&client_for(&server, 1), &query)
        .await
        .unwrap();
    assert_eq!(detected.map(|s| s.name).as_deref(), Some("beyla"));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let sent = requests[0].param("query").unwrap();
    assert_eq!(sent, svcgraph_prometheus::detection_promql(&query));
    assert!(sent.contains(r#"cluster="prod""#), "{sent}");
}

#[tokio::test]
async fn detection_at_a_moment_before_the_data_looks_at_now() {
    // The server holds series now, none at the moment asked (30 minutes ago, before the
    // producer started).
    let server = FakeServer::start(|_, request| {
        let result = if request.param("time").is_some() {
            ""
        } else {
            r#"{"metric":{"__name__":"traces_service_graph_request_total","client":"a","server":"b","connection_type":""},"value":[1,"1"]}"#
        };
        Reply::json(format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{result}]}}}}"#
        ))
    });
    let query = GraphQuery::default().with_at(EvalTime::from_unix_millis(1_700_000_000_000));
    let detected = detect_schema(&client_for(&server, 1), &query)
        .await
        .unwrap();
    assert_eq!(detected.map(|s| s.name).as_deref(), Some("servicegraph"));
    assert_eq!(server.requests().len(), 2);
    // Nothing now either: nothing detected.
    let empty = FakeServer::start(|_, _| {
        Reply::json(r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#)
    });
    let detected = detect_schema(&client_for(&empty, 1), &query).await.unwrap();
    assert!(detected.is_none());
}

#[tokio::test]
async fn server_side_query_errors_in_a_200_are_reported() {
    let server = FakeServer::start(|_, _| {
        Reply::json(
            r#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#,
        )
    });
    let message = client_for(&server, 3)
        .query("x", None)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("sent a response svcgraph cannot use: the query failed on the server (timeout): query timed out in expression evaluation"),
        "{message}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_answers_of_one_graph_share_the_size_limit() {
    // Each answer is 3 KB: one query fits in 8 KiB, the five of a graph together do not.
    let padded = format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[]}},"pad":"{}"}}"#,
        "x".repeat(3_000)
    );
    let server = FakeServer::start(move |_, _| Reply::json(padded.clone()));
    let client = Client::new(
        ClientConfig::new(server.url())
            .max_response_bytes(8192)
            .retry(RetryPolicy::NONE),
    )
    .unwrap();
    assert!(client.query("x", None).await.is_ok());
    let schema = Schema::preset("servicegraph").unwrap();
    assert!(schema.plan(&GraphQuery::default()).unwrap().len() >= 3);
    let err = fetch(&client, &schema, &GraphQuery::default())
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(
            "larger than the limit of 8192 bytes (8 KiB) for one graph's queries together"
        ),
        "{message}"
    );
    // With room for all of them, the same graph is read.
    let roomy = Client::new(ClientConfig::new(server.url()).max_response_bytes(64 << 10)).unwrap();
    assert!(fetch(&roomy, &schema, &GraphQuery::default()).await.is_ok());
}

#[tokio::test]
async fn an_answer_over_the_size_limit_is_refused_and_read_no_further() {
    // Announced length over the limit: refused before the body is read.
    let big = format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[]}},"pad":"{}"}}"#,
        "x".repeat(10_000)
    );
    let server = FakeServer::start(move |_, _| Reply::json(big.clone()));
    let client = Client::new(ClientConfig::new(server.url()).max_response_bytes(4096)).unwrap();
    let err = client.query("x", None).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::TooLarge {
                limit_bytes: 4096,
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.is_retryable());
    assert!(
        err.to_string()
            .contains("larger than the limit of 4096 bytes (4 KiB)"),
        "{err}"
    );

    // No length: read as a stream and dropped at the limit, long before the 1 GiB the
    // server would send.
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&sent);
    let server = FakeServer::start(move |_, _| Reply::Stream {
        chunk: vec![b' '; 64 * 1024],
        times: 16 * 1024,
        sent: std::sync::Arc::clone(&counter),
    });
    let client = Client::new(
        ClientConfig::new(server.url())
            .max_response_bytes(1 << 20)
            .retry(RetryPolicy::NONE),
    )
    .unwrap();
    let err = client.query("x", None).await.unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
    // Socket buffers hold a few MiB at most; the rest was never sent.
    let written = sent.load(std::sync::atomic::Ordering::SeqCst);
    assert!(written < 64 << 20, "{written} bytes were sent");

    // Under the limit, the same client reads the answer.
    let server = FakeServer::start(|_, _| Reply::json(ONE_EDGE));
    let client = Client::new(ClientConfig::new(server.url()).max_response_bytes(4096)).unwrap();
    assert_eq!(
        client.query("x", None).await.unwrap().series.samples.len(),
        1
    );
}

#[tokio::test]
async fn headers_and_credentials_never_follow_a_redirect_to_another_origin() {
    let target = FakeServer::start(|_, _| Reply::json(ONE_EDGE));
    let target_url = target.url();
    // Same origin first (a moved path), then another origin (another port).
    let origin = FakeServer::start(move |_, request| {
        let location = if request.target.starts_with("/old/") {
            request.target.replacen("/old/", "/", 1)
        } else {
            format!("{target_url}{}", request.target)
        };
        Reply::Respond {
            status: 302,
            headers: vec![("Location".into(), location)],
            body: Vec::new(),
        }
    });
    let client = Client::new(
        ClientConfig::new(format!("{}/old", origin.url()))
            .header("X-Api-Key", "k-secret")
            .bearer_token("t-secret"),
    )
    .unwrap();
    let answer = client.query("up", None).await.unwrap();
    assert_eq!(answer.series.samples.len(), 1);

    let asked = origin.requests();
    assert_eq!(asked.len(), 2);
    for request in &asked {
        assert_eq!(request.header("x-api-key"), Some("k-secret"));
        assert_eq!(request.header("authorization"), Some("Bearer t-secret"));
    }
    let redirected = target.requests();
    assert_eq!(redirected.len(), 1);
    assert_eq!(redirected[0].param("query").as_deref(), Some("up"));
    assert_eq!(redirected[0].header("x-api-key"), None);
    assert_eq!(redirected[0].header("authorization"), None);

    // Both redirects are reported; the second as another origin's.
    assert_eq!(answer.redirects.len(), 2);
    assert!(!answer.redirects[0].cross_origin);
    assert!(answer.redirects[1].cross_origin);
    let shown = answer.redirects[1].to_string();
    assert!(
        shown.contains(&format!("redirected to {}/api/v1/query", target.url())),
        "{shown}"
    );
    assert!(shown.contains("were not sent"), "{shown}");
    assert!(!shown.contains("secret"), "{shown}");
}

#[tokio::test]
async fn a_redirect_loop_ends_with_an_error() {
    let server = FakeServer::start(|_, request| Reply::Respond {
        status: 307,
        headers: vec![("Location".into(), request.target.clone())],
        body: Vec::new(),
    });
    let err = client_for(&server, 1).query("x", None).await.unwrap_err();
    assert!(err.to_string().contains("more than 10 redirects"), "{err}");
    assert_eq!(server.requests().len(), 11);
}

#[tokio::test]
async fn a_failed_fetch_names_each_cause_once() {
    let server = FakeServer::start(|_, _| Reply::status(503, "overloaded"));
    let err = fetch(
        &client_for(&server, 2),
        &Schema::preset("servicegraph").unwrap(),
        &GraphQuery::default(),
    )
    .await
    .unwrap_err();
    // What `anyhow`'s `{:#}` prints: the message, then each source.
    let mut shown = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        shown.push_str(": ");
        shown.push_str(&cause.to_string());
        source = cause.source();
    }
    assert_eq!(shown.matches("overloaded").count(), 1, "{shown}");
    assert_eq!(shown.matches("gave up after").count(), 1, "{shown}");
}
