//! `svcgraph render --url` against scripted fake servers on loopback ports: what the user
//! is told about failures, redirects, oversized answers and progress.

mod common;
#[allow(dead_code)]
#[path = "../../svcgraph-prometheus/tests/common/fake_server.rs"]
mod fake_server;
#[path = "../../svcgraph-prometheus/tests/common/tools.rs"]
mod tools;

use std::process::Command;

use common::{run, stderr};
use fake_server::{FakeServer, Reply};

const ONE_EDGE: &str = r#"{"status":"success","data":{"resultType":"vector","result":[
  {"metric":{"client":"a","server":"b"},"value":[1700000000,"2"]}]}}"#;

/// Parts of a message (split at `: ` and `; `) longer than a word that appear twice.
fn repeated_parts(message: &str) -> Vec<String> {
    let parts: Vec<&str> = message
        .split(": ")
        .flat_map(|p| p.split("; "))
        .map(str::trim)
        .filter(|p| p.len() > 12)
        .collect();
    let mut repeated: Vec<String> = parts
        .iter()
        .filter(|p| parts.iter().filter(|q| q == p).count() > 1)
        .map(|p| (*p).to_owned())
        .collect();
    repeated.dedup();
    repeated
}

#[test]
fn fetch_errors_name_each_cause_once() {
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let failing = FakeServer::start(|_, _| Reply::status(503, "overloaded right now"));
    for (url, schema) in [
        (refused.as_str(), "servicegraph"),
        (refused.as_str(), "auto"),
        (failing.url().as_str(), "servicegraph"),
    ] {
        let out = run(&[
            "render",
            "--url",
            url,
            "--schema",
            schema,
            "--attempts",
            "2",
            "-f",
            "json",
        ]);
        assert_eq!(out.status.code(), Some(1));
        let message = stderr(&out);
        assert!(message.starts_with("svcgraph: error: "), "{message}");
        assert_eq!(repeated_parts(&message), Vec::<String>::new(), "{message}");
    }
}

#[test]
fn a_redirect_to_another_origin_is_followed_without_headers_and_reported() {
    let target = FakeServer::start(|_, _| Reply::json(ONE_EDGE));
    let target_url = target.url();
    let origin = FakeServer::start(move |_, request| Reply::Respond {
        status: 302,
        headers: vec![("Location".into(), format!("{target_url}{}", request.target))],
        body: Vec::new(),
    });
    let out = run(&[
        "render",
        "--url",
        &origin.url(),
        "--schema",
        "servicegraph",
        "-H",
        "X-Api-Key: key-secret",
        "--bearer-token",
        "token-secret",
        "-f",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let messages = stderr(&out);
    let warning = format!(
        "svcgraph: warning: {}/api/v1/query redirected to {}/api/v1/query; another origin",
        origin.url(),
        target.url()
    );
    // Five queries were redirected; the user hears it once.
    assert_eq!(messages.matches(&warning).count(), 1, "{messages}");
    assert!(!messages.contains("secret"), "{messages}");
    let asked = origin.requests();
    assert!(!asked.is_empty());
    assert!(
        asked
            .iter()
            .all(|r| r.header("x-api-key") == Some("key-secret"))
    );
    let followed = target.requests();
    assert_eq!(followed.len(), asked.len());
    for request in followed {
        assert_eq!(request.header("x-api-key"), None);
        assert_eq!(request.header("authorization"), None);
    }
}

#[test]
fn an_answer_over_max_response_size_is_a_clear_error() {
    let padded = format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[]}},"pad":"{}"}}"#,
        " ".repeat(4096)
    );
    let server = FakeServer::start(move |_, _| Reply::json(padded.clone()));
    let capped = |size: &str| {
        run(&[
            "render",
            "--url",
            &server.url(),
            "--schema",
            "servicegraph",
            "--max-response-size",
            size,
            "-f",
            "json",
        ])
    };
    let out = capped("2KiB");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("sent answers larger than the limit of 2048 bytes (2 KiB)"),
        "{}",
        stderr(&out)
    );
    let out = capped("lots");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn progress_is_drawn_on_a_terminal_only() {
    let server = FakeServer::start(|_, _| Reply::json(ONE_EDGE));
    let args = [
        "render",
        "--url",
        &server.url(),
        "--schema",
        "servicegraph",
        "-f",
        "json",
    ];
    let out = run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains('\r'), "{:?}", stderr(&out));
    assert!(!stderr(&out).contains("asking"), "{:?}", stderr(&out));

    // Under a pseudo-terminal (util-linux `script`), the line is drawn and then erased.
    let line = format!(
        "{} {} >/dev/null",
        env!("CARGO_BIN_EXE_svcgraph"),
        args.join(" ")
    );
    if !tools::available("script", "util-linux") {
        return;
    }
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_remove("SVCGRAPH_PROMETHEUS_URL")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains(&format!(
            "\r\x1b[Ksvcgraph: asking {}/api/v1/query…",
            server.url()
        )),
        "{shown:?}"
    );
    assert!(
        shown.contains("\r\x1b[Ksvcgraph: fetched 1 edge"),
        "{shown:?}"
    );
}

/// A server that echoes the request's credentials in its error: the user never sees them.
#[test]
fn credentials_a_server_echoes_never_reach_the_message() {
    let echoing = FakeServer::start(|_, _| {
        Reply::status(
            400,
            r#"{"status":"error","errorType":"bad_data","error":"denied for Authorization: Basic dXNlcjpzM2NyZXQ= and access_token=ya29.a0secretvalue"}"#,
        )
    });
    let out = run(&[
        "render",
        "--url",
        &echoing.url(),
        "--schema",
        "servicegraph",
        "--attempts",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.contains("bad_data"), "{message}");
    for secret in ["dXNlcjpzM2NyZXQ", "a0secretvalue"] {
        assert!(!message.contains(secret), "{secret}: {message}");
    }
}
