//! `svcgraph serve`, the built binary, over real HTTP on loopback: against a real Prometheus
//! that scrapes a small exporter served by the test (so samples keep arriving), against a
//! directory of snapshots, and against a server that is not there.

#[allow(dead_code)]
mod common;
#[allow(dead_code)]
#[path = "../../svcgraph-prometheus/tests/common/fake_server.rs"]
mod fake_server;
#[allow(dead_code)]
#[path = "../../svcgraph-gcp/tests/common/google.rs"]
mod google;
#[allow(dead_code)]
#[path = "../../svcgraph-prometheus/tests/common/prometheus.rs"]
mod prometheus;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use prometheus::{Prometheus, available, free_port, unix_now};
use serde_json::Value;

/// How long anything the tests wait for may take.
const PATIENCE: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------
// The server under test

/// A running `svcgraph serve`, killed on drop.
struct Serve {
    child: Child,
    port: u16,
    stderr: Arc<Mutex<String>>,
}

impl Serve {
    /// Starts `svcgraph serve ARGS` and waits for the line that names its address.
    fn start(args: &[&str]) -> Serve {
        Serve::start_command(common::svcgraph().arg("serve").args(args))
    }

    /// Starts `command` (a `svcgraph serve`) and waits for the line that names its address.
    fn start_command(command: &mut Command) -> Serve {
        let (child, stderr, first) = spawn_command(command);
        // Owned from here, so that a failure below still kills the process.
        let mut serve = Serve {
            child,
            port: 0,
            stderr,
        };
        let line = first
            .recv_timeout(PATIENCE)
            .unwrap_or_else(|_| panic!("serve printed no address:\n{}", serve.stderr()));
        // `serving http://ADDR:PORT/ (…)`; any address it binds includes loopback.
        let port = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|address| address.rsplit(':').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in `{line}`"));
        serve.port = port;
        serve
    }

    fn get(&self, path: &str) -> Answer {
        request(self.port, "GET", path, "127.0.0.1")
    }

    /// `/api/view` with a query string, as JSON; fails on any status but 200.
    fn view(&self, query: &str) -> Value {
        let answer = self.get(&format!("/api/view{query}"));
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.header("content-type"), Some("application/json"));
        serde_json::from_str(&answer.body).unwrap()
    }

    fn health(&self) -> Value {
        let answer = self.get("/healthz");
        assert_eq!(answer.status, 200);
        serde_json::from_str(&answer.body).unwrap()
    }

    /// Polls the live view until `done` accepts it.
    fn view_until(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        poll(what, || {
            let answer = self.get("/api/view");
            (answer.status == 200)
                .then(|| serde_json::from_str::<Value>(&answer.body).unwrap())
                .filter(|v| done(v))
        })
    }

    /// Sends `signal` and waits for the process to end.
    fn stop(mut self, signal: &str) -> ExitStatus {
        let status = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let child = &mut self.child;
        poll("serve to exit", || child.try_wait().unwrap())
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary with its standard error collected; the channel gets the first line
/// naming an address (`serving http://…`).
fn spawn(args: &[&str]) -> (Child, Arc<Mutex<String>>, mpsc::Receiver<String>) {
    spawn_command(common::svcgraph().arg("serve").args(args))
}

fn spawn_command(command: &mut Command) -> (Child, Arc<Mutex<String>>, mpsc::Receiver<String>) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(String::new()));
    let (send, receive) = mpsc::channel();
    let pipe = child.stderr.take().unwrap();
    let collected = Arc::clone(&stderr);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if line.contains("serving http://") || line.contains("cannot listen") {
                let _ = send.send(line.clone());
            }
            let mut all = collected.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
        }
    });
    (child, stderr, receive)
}

/// Calls `probe` until it returns something, for at most [`PATIENCE`].
fn poll<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------------------------------
// A plain HTTP/1.0 client: one request per connection, the whole answer read.

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn request(port: u16, method: &str, path: &str, host: &str) -> Answer {
    request_with(port, method, path, host, &[])
}

/// [`request`] with more header lines (`Name: value`).
fn request_with(port: u16, method: &str, path: &str, host: &str, headers: &[&str]) -> Answer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let extra = headers
        .iter()
        .fold(String::new(), |all, h| all + h + "\r\n");
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {host}:{port}\r\n{extra}Content-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------
// An exporter Prometheus scrapes: the servicegraph connector's request counter, growing at
// each edge's rate from the moment the edge is added.

/// Client, server, requests per second, and since when.
type ExportedEdge = (String, String, f64, Instant);

#[derive(Clone)]
struct Exporter {
    port: u16,
    edges: Arc<Mutex<Vec<ExportedEdge>>>,
}

impl Exporter {
    fn start() -> Exporter {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let exporter = Exporter {
            port: listener.local_addr().unwrap().port(),
            edges: Arc::new(Mutex::new(Vec::new())),
        };
        let serving = exporter.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer);
                let body = serving.metrics();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        exporter
    }

    fn add(&self, client: &str, server: &str, rate: f64) {
        self.edges
            .lock()
            .unwrap()
            .push((client.into(), server.into(), rate, Instant::now()));
    }

    fn remove(&self, client: &str, server: &str) {
        self.edges
            .lock()
            .unwrap()
            .retain(|(c, s, _, _)| !(c == client && s == server));
    }

    fn metrics(&self) -> String {
        let mut text = String::from("# TYPE traces_service_graph_request_total counter\n");
        for (client, server, rate, since) in self.edges.lock().unwrap().iter() {
            let _ = writeln!(
                text,
                "traces_service_graph_request_total{{client=\"{client}\",server=\"{server}\",client_service_namespace=\"shop\",server_service_namespace=\"shop\",connection_type=\"\"}} {}",
                1000.0 + rate * since.elapsed().as_secs_f64()
            );
        }
        text
    }
}

/// A Prometheus scraping `exporter` every second, with nothing else in it.
fn prometheus_scraping(exporter: &Exporter) -> Prometheus {
    // promtool needs a sample; this one is far in the past and named like nothing queried.
    let old = format!(
        "# TYPE test_start gauge\ntest_start 1 {}\n# EOF\n",
        unix_now() - 7200
    );
    Prometheus::start_scraping(
        &old,
        &format!(
            "[{{job_name: exporter, scrape_interval: 1s, scrape_timeout: 1s, static_configs: [{{targets: ['127.0.0.1:{}']}}]}}]",
            exporter.port
        ),
    )
}

/// Queries the PromQL API has answered so far (Prometheus' own request counter).
fn queries_answered(prometheus: &Prometheus) -> u64 {
    let answer = request(prometheus.port, "GET", "/metrics", "127.0.0.1");
    answer
        .body
        .lines()
        .filter(|l| {
            l.starts_with("prometheus_http_requests_total{")
                && l.contains("handler=\"/api/v1/query\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// The names of a view's nodes, by id.
fn names(view: &Value) -> BTreeMap<String, String> {
    view["graph"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap().to_owned(),
                n["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn has_names(view: &Value, wanted: &[&str]) -> bool {
    let names = names(view);
    wanted.iter().all(|w| names.values().any(|n| n == w))
}

/// The height of the first node box of an SVG.
fn node_height(svg: &str) -> f64 {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .find(|n| {
            n.has_tag_name("g")
                && n.attribute("class")
                    .is_some_and(|c| c.split(' ').any(|w| w == "node"))
        })
        .and_then(|g| g.children().find(|c| c.has_tag_name("rect")))
        .and_then(|r| r.attribute("height")?.parse().ok())
        .unwrap()
}

const SERVICES: [&str; 5] = ["frontend", "cart", "payments", "api", "auth"];

fn shop(exporter: &Exporter) {
    exporter.add("frontend", "cart", 5.0);
    exporter.add("cart", "payments", 3.0);
    exporter.add("frontend", "api", 8.0);
    exporter.add("api", "auth", 2.0);
}

// ---------------------------------------------------------------------------------------

/// After new services appear and the view refreshes, the services that stay keep their
/// place: each moves less than one node height.
#[test]
fn persisting_services_keep_their_place_across_refreshes() {
    if !available() {
        return;
    }
    let exporter = Exporter::start();
    shop(&exporter);
    let prometheus = prometheus_scraping(&exporter);
    let serve = Serve::start(&[
        "--url",
        &prometheus.url,
        "--schema",
        "servicegraph",
        "--listen",
        "127.0.0.1:0",
        "--refresh",
        "1s",
    ]);
    let before = serve.view_until("the shop in the live view", |v| has_names(v, &SERVICES));
    exporter.add("cart", "inventory", 4.0);
    exporter.add("api", "search", 1.0);
    exporter.add("search", "index", 1.0);
    let after = serve.view_until("the new services", |v| {
        has_names(v, &["inventory", "search", "index"])
    });
    let height = node_height(after["svg"].as_str().unwrap());
    let (was, now) = (&before["positions"], &after["positions"]);
    let mut moved = Vec::new();
    for id in names(&before).keys() {
        let (a, b) = (&was[id], &now[id]);
        let dx = b["x"].as_f64().unwrap() - a["x"].as_f64().unwrap();
        let dy = b["y"].as_f64().unwrap() - a["y"].as_f64().unwrap();
        let distance = dx.hypot(dy);
        if distance >= height {
            moved.push(format!(
                "{id} moved {distance:.1} from ({}, {}) to ({}, {})",
                a["x"], a["y"], b["x"], b["y"]
            ));
        }
    }
    assert!(
        moved.is_empty(),
        "services moved a node height ({height}) or more: {moved:?}\nbefore: {was}\nafter: {now}"
    );
}

/// Fifty browsers at once cost Prometheus nothing beyond the query set of each refresh;
/// fifty asking for one past moment with a comparison cost one query set per moment. When
/// Prometheus goes away, the last good view stays, saying why.
#[test]
fn fifty_browsers_cost_one_query_set_per_refresh() {
    if !available() {
        return;
    }
    let exporter = Exporter::start();
    shop(&exporter);
    let mut prometheus = prometheus_scraping(&exporter);
    let serve = Serve::start(&[
        "--url",
        &prometheus.url,
        "--schema",
        "servicegraph",
        "--listen",
        "127.0.0.1:0",
        "--refresh",
        "1s",
    ]);
    // The servicegraph preset runs five queries per moment (`svcgraph query`).
    let per_set = 5;
    serve.view_until("the shop in the live view", |v| has_names(v, &SERVICES));

    // Queries answered beyond those of the refreshes so far, read while no refresh runs:
    // none before the count and none after it, and the same number done.
    let beyond_refreshes = || {
        poll("a reading between refreshes", || {
            let before = serve.health();
            let queries = queries_answered(&prometheus);
            let after = serve.health();
            let refreshes = after["refreshes"].as_u64().unwrap();
            assert_eq!(after["failed_refreshes"], 0, "{after}");
            let quiet = before["refreshing"] == false
                && after["refreshing"] == false
                && before["refreshes"] == after["refreshes"];
            quiet.then(|| {
                assert!(queries >= per_set * refreshes, "{queries} queries, {after}");
                queries - per_set * refreshes
            })
        })
    };
    let base = beyond_refreshes();
    assert_eq!(base, 0, "queries beyond the refreshes' before any browser");

    let port = serve.port;
    let browsers = |path: String| {
        let threads: Vec<_> = (0..50)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let paths = [path.as_str(), "/", "/graph.svg", "/graph.json"];
                    let answer = request(port, "GET", paths[i % 4], "127.0.0.1");
                    assert_eq!(answer.status, 200, "{}: {}", paths[i % 4], answer.body);
                    request(port, "GET", &path, "localhost").status
                })
            })
            .collect();
        for thread in threads {
            assert_eq!(thread.join().unwrap(), 200);
        }
    };
    browsers("/api/view".into());
    assert_eq!(
        beyond_refreshes(),
        0,
        "browsers of the live view caused queries"
    );

    let at = unix_now() - 300;
    browsers(format!("/api/view?at={at}&compare=600"));
    assert_eq!(
        beyond_refreshes(),
        2 * per_set,
        "fifty browsers of one past moment and its baseline: one query set each"
    );
    let past = serve.view(&format!("?at={at}&compare=600"));
    assert!(past["at"].as_f64().unwrap() <= at as f64);
    assert_eq!(
        beyond_refreshes(),
        2 * per_set,
        "a cached moment was asked again"
    );

    prometheus.kill();
    poll("degraded health", || {
        Some(serve.health()).filter(|h| h["status"] == "degraded")
    });
    let kept = serve.view("");
    assert!(has_names(&kept, &SERVICES));
    let notes = kept["notes"].as_array().unwrap();
    assert!(
        notes[0]
            .as_str()
            .unwrap()
            .contains("the last refresh failed"),
        "{kept:?}"
    );
    assert!(serve.stderr().contains("refresh failed"));
}

/// A snapshot taken at `at` (Unix seconds) from the bundled sample, with `rename`d
/// services and without the series whose client is in `drop`.
fn snapshot(dir: &Path, file: &str, at: i64, rename: &[(&str, &str)], drop: &[&str]) {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/shop.snapshot.json"),
    )
    .unwrap();
    let mut snapshot: Value = serde_json::from_str(&text).unwrap();
    snapshot["query"]["at"] = Value::from(at.to_string());
    for result in snapshot["results"].as_array_mut().unwrap() {
        let series = result["response"]["data"]["result"].as_array_mut().unwrap();
        series.retain(|s| !drop.contains(&s["metric"]["client"].as_str().unwrap_or_default()));
        for s in series.iter_mut() {
            for label in ["client", "server"] {
                for (from, to) in rename {
                    if s["metric"][label] == *from {
                        s["metric"][label] = Value::from(*to);
                    }
                }
            }
        }
    }
    std::fs::write(dir.join(file), snapshot.to_string()).unwrap();
}

/// The snapshot directory: the newest is live, `at=` picks the newest at or before, a
/// comparison marks what changed, a new file shows up on the next refresh, and a hostile
/// service name stays text everywhere.
#[test]
fn a_directory_of_snapshots_is_a_live_source_with_a_past() {
    let dir = tempfile::tempdir().unwrap();
    let now = unix_now();
    let hostile = "<img src=x onerror=alert(1)>";
    let (old, new) = (now - 7200, now - 3600);
    snapshot(dir.path(), "old.json", old, &[], &[]);
    snapshot(
        dir.path(),
        "new.json",
        new,
        &[("frontend", hostile)],
        &["checkout"],
    );
    std::fs::write(dir.path().join("notes.json"), "{\"not\": \"a snapshot\"}").unwrap();
    let serve = Serve::start(&[
        "--snapshots",
        &dir.path().display().to_string(),
        "--listen",
        "127.0.0.1:0",
        "--refresh",
        "1s",
    ]);
    let live = serve.view_until("the newest snapshot", |_| true);
    assert_eq!(live["at"].as_f64(), Some(new as f64));
    let names = names(&live);
    assert!(names.values().any(|n| n == hostile), "{names:?}");
    assert!(!names.values().any(|n| n == "frontend"));
    let notes = live["notes"].to_string();
    assert!(
        notes.contains("1 file") && notes.contains("not svcgraph snapshots"),
        "{notes}"
    );

    // Hostile text: no markup anywhere in the answer, the same value once parsed, and
    // escaped in the picture.
    let raw = serve.get("/api/view").body;
    assert!(!raw.contains('<'), "markup in the JSON text");
    let svg = live["svg"].as_str().unwrap();
    assert!(svg.contains("&lt;img src=x onerror=alert(1)&gt;") && !svg.contains("<img"));
    let page = serve.get("/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("&lt;img src=x") && !page.body.contains("<img"));

    let past = serve.view(&format!("?at={}", old + 60));
    assert_eq!(past["at"].as_f64(), Some(old as f64));
    assert!(has_names(&past, &["frontend"]));

    let compared = serve.view("?compare=3600");
    let changes: Vec<&str> = compared["graph"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["diff"]["change"].as_str())
        .collect();
    assert!(
        changes.contains(&"gone") && changes.contains(&"new"),
        "{changes:?}"
    );

    let too_early = serve.get(&format!("/api/view?at={}", old - 600));
    assert_eq!(too_early.status, 502);
    let error: Value = serde_json::from_str(&too_early.body).unwrap();
    assert!(
        error["error"].as_str().unwrap().contains("or before"),
        "{error}"
    );
    let bad = serve.get("/api/view?at=yesterday");
    assert_eq!(bad.status, 400);
    let beyond = serve.get(&format!("/api/view?at={}", now - 30 * 86_400));
    assert_eq!(beyond.status, 400, "{}", beyond.body);

    let newest = now - 60;
    snapshot(dir.path(), "newest.json", newest, &[], &[]);
    serve.view_until("the snapshot added while serving", |v| {
        v["at"].as_f64() == Some(newest as f64)
    });
}

/// No server behind the URL: the server still starts, says so without the credentials of
/// the command line, refuses writes and foreign host names, and stops on SIGINT with the
/// shell's status for it.
#[test]
fn an_unreachable_source_is_reported_without_credentials() {
    let closed = free_port();
    let url = format!("http://alice:pw-s3cret@127.0.0.1:{closed}/prom?token=q-s3cret");
    let serve = Serve::start(&[
        "--url",
        &url,
        "-H",
        "X-Scope-OrgID: tenant-s3cret",
        "--schema",
        "servicegraph",
        "--listen",
        "127.0.0.1:0",
        "--refresh",
        "1s",
        "--attempts",
        "1",
    ]);
    let health = poll("the failed first refresh", || {
        Some(serve.health()).filter(|h| !h["error"].is_null())
    });
    assert_eq!(health["status"], "starting");
    let view = serve.get("/api/view");
    assert_eq!(view.status, 502);
    let error: Value = serde_json::from_str(&view.body).unwrap();
    assert!(
        error["error"].as_str().unwrap().starts_with("no view yet"),
        "{error}"
    );
    let page = serve.get("/");
    assert_eq!(page.status, 200);
    for answer in [&view, &page, &serve.get("/healthz")] {
        assert!(!answer.body.contains("s3cret"), "{}", answer.body);
    }
    assert!(!serve.stderr().contains("s3cret"), "{}", serve.stderr());

    for (method, path) in [("POST", "/"), ("PUT", "/api/view"), ("DELETE", "/healthz")] {
        let answer = request(serve.port, method, path, "127.0.0.1");
        assert_eq!(answer.status, 405, "{method} {path}");
    }
    let head = request(serve.port, "HEAD", "/healthz", "127.0.0.1");
    assert_eq!(head.status, 200);
    let foreign = request(serve.port, "GET", "/healthz", "attacker.example");
    assert_eq!(foreign.status, 403);
    for header in [
        "content-security-policy",
        "x-content-type-options",
        "referrer-policy",
    ] {
        assert!(page.header(header).is_some(), "{header}");
        assert!(foreign.header(header).is_some(), "{header}");
    }
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );
    assert_eq!(serve.get("/nothing-here").status, 404);

    let status = serve.stop("INT");
    assert_eq!(status.code(), Some(130));
}

/// Without --listen it binds 127.0.0.1:7676 (or says it cannot, when another program has
/// the port); anywhere else it warns that the view is reachable from the network.
#[test]
fn it_binds_loopback_unless_told_otherwise() {
    let (child, stderr, first) = spawn(&["--url", "http://127.0.0.1:9/", "-q"]);
    let default = Serve {
        child,
        port: 7676,
        stderr,
    };
    let line = first
        .recv_timeout(PATIENCE)
        .unwrap_or_else(|_| panic!("no address line:\n{}", default.stderr()));
    assert!(line.contains("127.0.0.1:7676"), "{line}");
    drop(default);

    let serve = Serve::start(&[
        "--url",
        "http://127.0.0.1:9/",
        "--listen",
        "0.0.0.0:0",
        "-q",
    ]);
    assert!(
        serve.stderr().contains("reachable from the network"),
        "{}",
        serve.stderr()
    );
    assert_eq!(serve.stop("TERM").code(), Some(143));
}

/// On every address: foreign host names refused, allowed ones and IP addresses answered;
/// with --auth-token-file, nothing but /healthz without the token, which a browser brings
/// once in the address and keeps in a cookie.
#[test]
fn host_names_are_checked_everywhere_and_the_token_is_required_when_set() {
    let dir = tempfile::tempdir().unwrap();
    snapshot(dir.path(), "now.json", unix_now() - 60, &[], &[]);
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "0123456789abcdef\n").unwrap();
    let serve = Serve::start(&[
        "--snapshots",
        &dir.path().display().to_string(),
        "--listen",
        "0.0.0.0:0",
        "--allow-host",
        "svcgraph.monitoring.svc",
        "--auth-token-file",
        &token_file.display().to_string(),
    ]);
    assert!(
        !serve.stderr().contains("no authentication"),
        "{}",
        serve.stderr()
    );
    let ask = |path: &str, host: &str, headers: &[&str]| {
        request_with(serve.port, "GET", path, host, headers)
    };
    let bearer = "Authorization: Bearer 0123456789abcdef";

    assert_eq!(ask("/api/view", "evil.example", &[bearer]).status, 403);
    assert_eq!(ask("/healthz", "evil.example", &[]).status, 403);
    assert_eq!(ask("/healthz", "127.0.0.1", &[]).status, 200);
    poll("the first view", || {
        (ask("/api/view", "127.0.0.1", &[bearer]).status == 200).then_some(())
    });
    for host in ["127.0.0.1", "localhost", "svcgraph.monitoring.svc"] {
        let refused = ask("/api/view", host, &[]);
        assert_eq!(refused.status, 401, "{host}");
        assert_eq!(refused.header("www-authenticate"), Some("Bearer"));
        assert!(!refused.body.contains("0123456789abcdef"));
        assert_eq!(ask("/api/view", host, &[bearer]).status, 200, "{host}");
    }
    for wrong in [
        "Authorization: Bearer 0123456789abcdeF",
        "Authorization: Bearer 0123",
        "Cookie: svcgraph_token=x",
    ] {
        assert_eq!(
            ask("/graph.svg", "127.0.0.1", &[wrong]).status,
            401,
            "{wrong}"
        );
    }
    assert_eq!(ask("/?token=wrong", "127.0.0.1", &[]).status, 401);

    // A browser: the address with the token once, then the cookie.
    let entry = ask("/?token=0123456789abcdef", "127.0.0.1", &[]);
    assert_eq!(entry.status, 303);
    assert_eq!(entry.header("location"), Some("/"));
    let cookie = entry.header("set-cookie").unwrap_or_default().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap_or_default();
    let page = ask("/", "127.0.0.1", &[&format!("Cookie: {pair}")]);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<svg"));
    assert_eq!(
        ask("/api/view", "127.0.0.1", &[&format!("Cookie: a=b; {pair}")]).status,
        200
    );
    assert_eq!(serve.stop("TERM").code(), Some(143));
}

/// An unchanged view is answered 304 Not Modified, without a body, to a caller that names
/// its tag; a changed one (another moment, a comparison) in full with another tag.
#[test]
fn an_unchanged_view_is_answered_not_modified() {
    let (serve, _dir) = serve_now_and_two_hours_ago(&[]);
    for path in ["/api/view", "/graph.svg", "/graph.json"] {
        let full = serve.get(path);
        assert_eq!(full.status, 200, "{path}");
        let tag = full
            .header("etag")
            .unwrap_or_else(|| panic!("{path}: no ETag"))
            .to_owned();
        assert!(full.header("x-svcgraph-at").is_some(), "{path}");
        let again = request_with(
            serve.port,
            "GET",
            path,
            "127.0.0.1",
            &[&format!("If-None-Match: {tag}")],
        );
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty(), "{path}: {}", again.body);
        assert_eq!(again.header("etag"), Some(tag.as_str()));
        let other = request_with(
            serve.port,
            "GET",
            path,
            "127.0.0.1",
            &["If-None-Match: \"0-0\""],
        );
        assert_eq!(other.status, 200, "{path}");
        assert_eq!(other.body, full.body, "{path}");
    }
    let tag = serve.get("/api/view").header("etag").unwrap().to_owned();
    let compared = request_with(
        serve.port,
        "GET",
        "/api/view?compare=3600",
        "127.0.0.1",
        &[&format!("If-None-Match: {tag}")],
    );
    assert_eq!(compared.status, 200);
    assert_ne!(compared.header("etag"), Some(tag.as_str()));
    assert_eq!(serve.stop("TERM").code(), Some(143));
}

/// When the source fails, the live view stays the last good one and says so in a field of
/// its own (`stale`: since when, and why), with another tag; `/healthz` says `degraded`. Once
/// the source is back, the field is gone.
#[test]
fn a_failing_source_makes_the_live_view_stale() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("snapshots");
    let away = root.path().join("away");
    std::fs::create_dir(&dir).unwrap();
    let taken = unix_now() - 60;
    snapshot(&dir, "now.json", taken, &[], &[]);
    let serve = Serve::start(&[
        "--snapshots",
        &dir.display().to_string(),
        "--listen",
        "127.0.0.1:0",
        "--refresh",
        "1s",
    ]);
    let good = serve.view_until("the first view", |_| true);
    assert!(good.get("stale").is_none(), "{good}");
    let good_tag = serve.get("/api/view").header("etag").unwrap().to_owned();

    let before = unix_now();
    std::fs::rename(&dir, &away).unwrap();
    poll("degraded health", || {
        Some(serve.health()).filter(|h| h["status"] == "degraded")
    });
    let answer = serve.get("/api/view");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_ne!(answer.header("etag"), Some(good_tag.as_str()));
    let view: Value = serde_json::from_str(&answer.body).unwrap();
    assert!(
        has_names(&view, &["frontend", "checkout"]),
        "the last good view"
    );
    assert_eq!(view["at"].as_f64(), Some(taken as f64));
    let stale = &view["stale"];
    let since = stale["since"].as_f64().unwrap();
    assert!(
        since >= (before - 1) as f64 && since <= (unix_now() + 1) as f64,
        "{stale}"
    );
    let error = stale["error"].as_str().unwrap();
    assert!(error.contains("cannot read the directory"), "{error}");
    assert!(error.contains(&away.parent().unwrap().display().to_string()));
    // The note says the same for the status line of older pages.
    assert!(view["notes"][0].as_str().unwrap().contains(error), "{view}");
    // Failing on, it stays stale since the first failure.
    std::thread::sleep(Duration::from_millis(1500));
    let later = serve.view("");
    assert_eq!(later["stale"]["since"].as_f64(), Some(since));

    std::fs::rename(&away, &dir).unwrap();
    let back = serve.view_until("the source back", |v| v.get("stale").is_none());
    assert!(has_names(&back, &["frontend"]));
    assert_eq!(serve.health()["status"], "ok");
}

#[test]
fn bad_flags_are_refused_before_serving() {
    for (args, message) in [
        (
            &["--url", "http://h/", "--refresh", "500ms"][..],
            "at least 1s",
        ),
        (
            &["--url", "http://h/", "--listen", "localhost"][..],
            "--listen",
        ),
        (
            &["--url", "http://h/", "--name", "("][..],
            "--name is not a valid regex",
        ),
        (&["--snapshots", "/nonexistent/dir"][..], "not a directory"),
        (
            &[
                "--url",
                "http://h/",
                "--auth-token-file",
                "/nonexistent/token",
            ][..],
            "cannot read --auth-token-file",
        ),
        (
            &["--url", "http://h/", "--auth-token-file", "/dev/null"][..],
            "is empty",
        ),
        (&[][..], "give a server with --url"),
    ] {
        let out = common::svcgraph().arg("serve").args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = common::stderr(&out);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

/// Google Managed Prometheus (a fake of its PromQL endpoint on loopback) with a service
/// account key: the view shows the graph, and the token svcgraph sent stays in the process.
#[test]
fn gmp_is_a_live_source_and_its_token_stays_in_the_process() {
    let home = tempfile::tempdir().unwrap();
    let (key, _) = google::service_account_key(home.path());
    let gmp = fake_server::FakeServer::start(|_, r| {
        let authorized = r
            .header("authorization")
            .is_some_and(|a| a.starts_with("Bearer "));
        if !authorized || !r.target.starts_with(google::GMP_PATH) {
            return fake_server::Reply::status(
                401,
                google::google_error(401, "UNAUTHENTICATED", "no credentials"),
            );
        }
        fake_server::Reply::json(google::seed_response())
    });
    let mut command = common::isolated(home.path());
    command
        .env("GOOGLE_CLOUD_PROJECT", google::PROJECT)
        .args(["serve", "--source", "gmp", "--schema", "gmp-beyla"])
        .args(["--endpoint", &gmp.url(), "--credentials-file"])
        .arg(&key)
        .args(["--listen", "127.0.0.1:0", "--refresh", "1s"]);
    let serve = Serve::start_command(&mut command);
    let view = serve.view_until("the seed graph", |v| {
        v["graph"]["nodes"].as_array().is_some_and(|n| n.len() == 4)
    });
    assert_eq!(view["graph"]["edges"].as_array().unwrap().len(), 3);
    let token = gmp.requests()[0]
        .header("authorization")
        .unwrap()
        .trim_start_matches("Bearer ")
        .to_owned();
    assert!(token.len() > 20);
    let signature = token.rsplit('.').next().unwrap().to_owned();
    for path in ["/", "/api/view", "/graph.json", "/graph.svg", "/healthz"] {
        let answer = serve.get(path);
        assert_eq!(answer.status, 200, "{path}");
        assert!(
            !answer.body.contains(&signature) && !answer.body.contains("Bearer"),
            "{path} shows the token"
        );
    }
    assert!(!serve.stderr().contains(&signature));
}

/// Serve on a directory with the sample as it is now and two hours ago, with `extra`
/// flags, once it has its first view.
fn serve_now_and_two_hours_ago(extra: &[&str]) -> (Serve, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    snapshot(dir.path(), "now.json", unix_now() - 60, &[], &[]);
    snapshot(
        dir.path(),
        "old.json",
        unix_now() - 7200,
        &[],
        &["checkout"],
    );
    let path = dir.path().display().to_string();
    let serve = Serve::start(
        &[
            &["--snapshots", path.as_str(), "--listen", "127.0.0.1:0"],
            extra,
        ]
        .concat(),
    );
    serve.view_until("the first view", |_| true);
    (serve, dir)
}

/// Length of the page's embedded engine (base64 text), 0 for answers without one.
fn engine_text_len(text: &str) -> usize {
    let open = "id=\"svcgraph-engine\">";
    text.find(open).map_or(0, |at| {
        let start = at + open.len();
        text[start..].find("</script>").unwrap_or(0)
    })
}

/// The raw answer to `request` sent on a new connection, read to its end.
fn raw_answer(port: u16, request: &str) -> (String, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an answer with a head");
    let head = String::from_utf8(raw[..end].to_vec()).unwrap();
    (head.to_ascii_lowercase(), raw[end + 4..].to_vec())
}

#[test]
fn answers_are_gzipped_for_clients_that_take_them() {
    let (serve, _dir) = serve_now_and_two_hours_ago(&[]);
    for path in ["/api/view", "/graph.svg", "/"] {
        let plain = serve.get(path);
        assert_eq!(plain.status, 200);
        assert_eq!(plain.header("content-encoding"), None, "{path}");
        let (head, body) = raw_answer(
            serve.port,
            &format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n\r\n"),
        );
        assert!(head.starts_with("http/1.0 200"), "{path}: {head}");
        assert!(head.contains("content-encoding: gzip"), "{path}: {head}");
        // The page carries the layout engine already gzipped (in base64, which gzip takes
        // back to about its bytes): the rest shrinks at least 2.5-fold (its graph document is
        // written without whitespace, which shrank to nothing).
        let engine = engine_text_len(&plain.body);
        assert!(
            body.len().saturating_sub(engine * 3 / 4) * 5 < (plain.body.len() - engine) * 2,
            "{path}: {} bytes gzipped, {} plain, {engine} of them the engine",
            body.len(),
            plain.body.len()
        );
        // It unpacks to the plain answer.
        let unpacked = common::piped(Command::new("gzip").arg("-dc"), &body);
        assert!(unpacked.status.success(), "{path}");
        assert_eq!(
            String::from_utf8(unpacked.stdout).unwrap(),
            plain.body,
            "{path}"
        );
    }
}

#[test]
fn connections_that_send_nothing_are_closed() {
    let (serve, _dir) = serve_now_and_two_hours_ago(&["--idle-timeout", "1s"]);
    // Closed (or answered 408 and closed) while its request never comes: the read ends
    // long before the client's own patience.
    let read_to_end = |stream: &mut TcpStream| {
        let mut rest = Vec::new();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        match stream.read_to_end(&mut rest) {
            Ok(_) => String::from_utf8_lossy(&rest).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => String::new(),
            Err(e) => panic!("the connection stayed open: {e}"),
        }
    };
    let mut silent = TcpStream::connect(("127.0.0.1", serve.port)).unwrap();
    let said = read_to_end(&mut silent);
    assert!(
        said.is_empty() || said.starts_with("HTTP/1.1 408"),
        "{said}"
    );
    // Half a request line, then nothing.
    let mut slow = TcpStream::connect(("127.0.0.1", serve.port)).unwrap();
    slow.write_all(b"GET /api/vi").unwrap();
    let said = read_to_end(&mut slow);
    assert!(!said.contains("200 OK"), "{said}");
    // Kept alive after an answer, then quiet: closed too.
    let mut kept = TcpStream::connect(("127.0.0.1", serve.port)).unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let said = read_to_end(&mut kept);
    assert!(said.starts_with("HTTP/1.1 200"), "{said}");
    assert_eq!(serve.health()["status"], "ok");
}

#[test]
fn other_moments_beyond_the_rate_are_refused_with_retry_after() {
    let (serve, _dir) = serve_now_and_two_hours_ago(&["--max-query-rate", "1"]);
    // Distinct moments, each a query set: a burst of 10, then one a minute.
    let first = unix_now() - 3600;
    let statuses: Vec<(u16, Option<String>)> = (0..14)
        .map(|i| {
            let at = first - 60 * i;
            let answer = serve.get(&format!("/api/view?at={at}"));
            (
                answer.status,
                answer.header("retry-after").map(str::to_owned),
            )
        })
        .collect();
    assert!(
        statuses[..10].iter().all(|(s, _)| *s == 200),
        "{statuses:?}"
    );
    let refused: Vec<_> = statuses[10..].iter().filter(|(s, _)| *s == 429).collect();
    assert!(refused.len() >= 3, "{statuses:?}");
    for (_, retry) in refused {
        let seconds: u64 = retry.as_deref().unwrap().parse().unwrap();
        assert!((1..=60).contains(&seconds), "{seconds}");
    }
    // A moment already fetched costs nothing and is still answered; so are the live view and
    // the health.
    assert_eq!(serve.get(&format!("/api/view?at={first}")).status, 200);
    assert_eq!(serve.get("/api/view").status, 200);
    assert_eq!(serve.health()["status"], "ok");
}

/// Width times height of an SVG, from its root's attributes.
fn svg_area(svg: &str) -> f64 {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let root = doc.root_element();
    let size = |name: &str| -> f64 {
        root.attribute(name)
            .and_then(|v| v.trim_end_matches("px").parse().ok())
            .unwrap_or_else(|| panic!("no {name} on the SVG"))
    };
    size("width") * size("height")
}

/// A live view of 14 services whose 4 calls come and go, against a real Prometheus
/// scraping every second: the drawing never grows past 1.3 times a fresh drawing of the
/// same graph, and persisting services keep their place (the median one moves less than a
/// node height per change). `SVCGRAPH_CHURN_CYCLES` sets the number of changes (12; the
/// figures in TESTING.md are from 50).
#[test]
fn a_live_view_of_calls_that_come_and_go_does_not_drift() {
    if !available() {
        return;
    }
    let cycles: usize = std::env::var("SVCGRAPH_CHURN_CYCLES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(12);
    let exporter = Exporter::start();
    let services: Vec<String> = (0..14).map(|i| format!("svc-{i:02}")).collect();
    for i in 1..14 {
        exporter.add(&services[(i - 1) / 2], &services[i], 1.0 + i as f64);
    }
    let coming = [(1, 12), (3, 9), (4, 13), (2, 11)];
    let prometheus = prometheus_scraping(&exporter);
    let window = ["--window", "4s"];
    let serve = Serve::start(&[
        "--url",
        &prometheus.url,
        "--schema",
        "servicegraph",
        "--refresh",
        "1s",
        window[0],
        window[1],
    ]);
    let edges = |v: &Value| v["graph"]["edges"].as_array().map_or(0, Vec::len);
    let mut shown = serve.view_until("all 13 calls", |v| edges(v) == 13);
    let mut moves = Vec::new();
    for cycle in 1..=cycles {
        let adding = cycle % 2 == 1;
        for (a, b) in coming {
            if adding {
                exporter.add(&services[a], &services[b], 2.0);
            } else {
                exporter.remove(&services[a], &services[b]);
            }
        }
        let want = if adding { 17 } else { 13 };
        let next = serve.view_until(&format!("change {cycle}: {want} calls"), |v| {
            edges(v) == want
        });
        let height = node_height(next["svg"].as_str().unwrap());
        let mut moved: Vec<f64> = names(&shown)
            .keys()
            .map(|id| {
                let (a, b) = (&shown["positions"][id], &next["positions"][id]);
                let dx = b["x"].as_f64().unwrap() - a["x"].as_f64().unwrap();
                let dy = b["y"].as_f64().unwrap() - a["y"].as_f64().unwrap();
                dx.hypot(dy) / height
            })
            .collect();
        moved.sort_by(f64::total_cmp);
        moves.push(moved[moved.len() / 2]);
        shown = next;
    }
    // A fresh drawing of the moment last shown.
    let at = shown["at"].as_f64().unwrap();
    let fresh = Command::new(env!("CARGO_BIN_EXE_svcgraph"))
        .args([
            "render",
            "--url",
            &prometheus.url,
            "--schema",
            "servicegraph",
        ])
        .args(window)
        .args(["--at", &format!("{at}"), "-f", "svg", "-q"])
        .output()
        .unwrap();
    assert!(
        fresh.status.success(),
        "{}",
        String::from_utf8_lossy(&fresh.stderr)
    );
    let fresh = String::from_utf8(fresh.stdout).unwrap();
    let ratio = svg_area(shown["svg"].as_str().unwrap()) / svg_area(&fresh);
    moves.sort_by(f64::total_cmp);
    let median = moves[moves.len() / 2];
    let worst = moves[moves.len() - 1];
    println!(
        "{cycles} changes: area {ratio:.2}x a fresh drawing's; median move per change {median:.2} node heights, worst {worst:.2}"
    );
    assert!(ratio <= 1.3, "area {ratio:.2}x a fresh drawing's");
    assert!(
        median <= 1.0,
        "median move {median:.2} node heights: {moves:?}"
    );
}

/// `--naming`: every moment is renamed before the transforms, the view's graph lists the
/// renames; bad rules are refused before serving.
#[test]
fn naming_rules_apply_to_every_moment() {
    let dir = tempfile::tempdir().unwrap();
    snapshot(dir.path(), "now.json", unix_now() - 60, &[], &[]);
    let rules = dir.path().join("naming.toml");
    std::fs::write(
        &rules,
        "[[alias]]\nfrom = [\"shop/frontend\"]\nto = \"web/storefront\"\n",
    )
    .unwrap();
    let snapshots = dir.path().display().to_string();
    let serve = Serve::start(&[
        "--snapshots",
        &snapshots,
        "--naming",
        &rules.display().to_string(),
        "--listen",
        "127.0.0.1:0",
    ]);
    let live = serve.view_until("the renamed view", |_| true);
    assert!(has_names(&live, &["storefront"]), "{:?}", names(&live));
    assert!(!names(&live).values().any(|n| n == "frontend"));
    assert_eq!(
        live["graph"]["renames"],
        serde_json::json!([{"to": "web/storefront", "from": "shop/frontend", "rule": "alias"}])
    );
    // The page's "Data quality" section comes with each view: the graph's own checks.
    assert_eq!(
        live["quality"]["summary"],
        "Data quality: 1 finding · 1 node renamed by naming rules"
    );
    let body = live["quality"]["body"].as_str().unwrap();
    assert!(
        body.contains("<li>shop/frontend → web/storefront <small>(alias)</small></li>"),
        "{body}"
    );
    drop(serve);

    std::fs::write(&rules, "[[cidr]]\nrange = \"10/8\"\nname = \"x\"\n").unwrap();
    let out = common::svcgraph()
        .args(["serve", "--snapshots", &snapshots, "--naming"])
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = common::stderr(&out);
    assert!(stderr.contains("not a CIDR range"), "{stderr}");
}
