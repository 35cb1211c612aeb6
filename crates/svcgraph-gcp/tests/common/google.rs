//! Google's side of the tests: a service-account key made at test time, reading the bearer
//! JWT it signs, and the wire formats of the fakes.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The project every fake serves.
pub const PROJECT: &str = "test-proj";
/// The scope svcgraph must ask for.
pub const SCOPE: &str = "https://www.googleapis.com/auth/monitoring.read";
/// The GMP PromQL path for [`PROJECT`].
pub const GMP_PATH: &str = "/v1/projects/test-proj/location/global/prometheus/api/v1/query";
/// The Cloud Monitoring list path for [`PROJECT`].
pub const LIST_PATH: &str = "/v3/projects/test-proj/timeSeries";

/// A fresh RSA key in `dir`, as a service-account key file; returns its path and the public
/// key's PEM file (for checking signatures). Made with `openssl genpkey`: fast, and ring,
/// which signs for the Google library, cannot make RSA keys.
pub fn service_account_key(dir: &Path) -> (PathBuf, PathBuf) {
    let private = dir.join("private.pem");
    let public = dir.join("public.pem");
    let made = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&private)
        .output()
        .expect("these tests need the `openssl` command to make a key");
    // Its progress dots go to standard error: shown only when it fails.
    assert!(
        made.status.success(),
        "openssl genpkey failed: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let ok = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&private)
        .arg("-out")
        .arg(&public)
        .status()
        .unwrap()
        .success();
    assert!(ok, "openssl pkey -pubout failed");
    let pem = std::fs::read_to_string(&private).unwrap();
    let key = serde_json::json!({
        "type": "service_account",
        "project_id": PROJECT,
        "private_key_id": "key-1",
        "private_key": pem,
        "client_email": "svcgraph-test@test-proj.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    });
    let path = dir.join("key.json");
    std::fs::write(&path, key.to_string()).unwrap();
    (path, public)
}

/// Base64url without padding, as JWTs use it.
pub fn base64url_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'-' => 62,
            b'_' => 63,
            _ => panic!("not base64url: {c}"),
        }
    };
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes().filter(|c| *c != b'=') {
        acc = (acc << 6) | value(c);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// A bearer JWT's header and claims.
pub fn jwt_parts(authorization: &str) -> (serde_json::Value, serde_json::Value) {
    let token = authorization
        .strip_prefix("Bearer ")
        .unwrap_or_else(|| panic!("not a bearer token: {authorization}"));
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "not a JWT: {token}");
    let json = |p: &str| serde_json::from_slice(&base64url_decode(p)).unwrap();
    (json(parts[0]), json(parts[1]))
}

/// Whether the JWT's RS256 signature verifies with the public key (checked by openssl).
pub fn jwt_signature_verifies(authorization: &str, public_pem: &Path, dir: &Path) -> bool {
    let token = authorization.trim_start_matches("Bearer ");
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let data = dir.join("jwt.data");
    let sig = dir.join("jwt.sig");
    std::fs::write(&data, signed).unwrap();
    std::fs::write(&sig, base64url_decode(signature)).unwrap();
    Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(public_pem)
        .arg("-signature")
        .arg(&sig)
        .arg(&data)
        .output()
        .unwrap()
        .status
        .success()
}

/// A Google error envelope.
pub fn google_error(code: u16, status: &str, message: &str) -> String {
    serde_json::json!({"error": {"code": code, "message": message, "status": status}}).to_string()
}

/// The seed tool's test vector, as GMP would answer it.
pub fn seed_response() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../svcgraph-core/tests/fixtures/seed.json"
    ))
    .unwrap()
}

/// The seed vector as the answer to schema detection (`group by (__name__, …)`).
pub fn seed_detection_response() -> String {
    let mut doc: serde_json::Value = serde_json::from_str(&seed_response()).unwrap();
    for series in doc["data"]["result"].as_array_mut().unwrap() {
        series["metric"]["__name__"] = "traces_service_graph_request_total".into();
    }
    doc.to_string()
}

/// One time series of a `projects.timeSeries.list` answer with one double point.
pub fn rate_series(
    metric_labels: &[(&str, &str)],
    resource_labels: &[(&str, &str)],
    value: f64,
) -> serde_json::Value {
    let map = |pairs: &[(&str, &str)]| -> serde_json::Map<String, serde_json::Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
            .collect()
    };
    serde_json::json!({
        "metric": {"type": "prometheus.googleapis.com/traces_service_graph_request_total/counter", "labels": map(metric_labels)},
        "resource": {"type": "prometheus_target", "labels": map(resource_labels)},
        "metricKind": "GAUGE",
        "valueType": "DOUBLE",
        "points": [{
            "interval": {"startTime": "2026-11-24T16:55:00Z", "endTime": "2026-11-24T17:00:00Z"},
            "value": {"doubleValue": value}
        }]
    })
}

/// The seed vector's three edges as Cloud Monitoring series (plus an idle edge at rate 0),
/// split over two pages.
pub fn seed_pages() -> (String, String) {
    let edge = |c: &str, ca: &str, s: &str, sa: &str, v: f64| {
        rate_series(
            &[
                ("client", c),
                ("client_address", ca),
                ("server", s),
                ("server_address", sa),
            ],
            &[("cluster", "prod")],
            v,
        )
    };
    let rate = 9.734_179_558_009_6;
    let first = serde_json::json!({
        "timeSeries": [
            edge("root", "10.4.2.54", "child1", "10.4.1.85", rate),
            edge("root", "10.4.2.54", "leaf1", "10.4.1.86", rate),
        ],
        "nextPageToken": "page-2"
    });
    let second = serde_json::json!({
        "timeSeries": [
            edge("child1", "10.4.1.85", "leaf2", "10.112.0.1", rate),
            edge("idle", "10.4.9.9", "leaf2", "10.112.0.1", 0.0),
        ]
    });
    (first.to_string(), second.to_string())
}
