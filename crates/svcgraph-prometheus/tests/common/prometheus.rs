//! A real Prometheus on a loopback port, loaded with known data by `promtool`, stopped on
//! drop.

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "tools.rs"]
pub mod tools;

/// Whether `prometheus` and `promtool` can run here; when they are missing the test is
/// skipped, or fails under `SVCGRAPH_REQUIRE_TOOLS=1` ([`tools::available`]).
pub fn available() -> bool {
    // Each asked, so that a notice names both when both are missing.
    let prometheus = tools::available("prometheus", "prometheus");
    let promtool = tools::available("promtool", "prometheus");
    prometheus && promtool
}

/// A running Prometheus serving a TSDB made from OpenMetrics text.
pub struct Prometheus {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The loopback port.
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Prometheus {
    /// Writes `openmetrics` to a file, turns it into TSDB blocks with promtool, starts
    /// Prometheus on a free loopback port and waits until it reports ready.
    pub fn start(openmetrics: &str) -> Self {
        Self::start_scraping(openmetrics, "[]")
    }

    /// Like [`Prometheus::start`], with `scrape_configs` (YAML, flow style) as the
    /// configuration's scrape jobs: for tests whose data keeps arriving.
    pub fn start_scraping(openmetrics: &str, scrape_configs: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let input = dir.path().join("data.om");
        let data = dir.path().join("tsdb");
        fs::write(&input, openmetrics).expect("write OpenMetrics file");
        let out = Command::new("promtool")
            .args(["tsdb", "create-blocks-from", "openmetrics"])
            .arg(&input)
            .arg(&data)
            .output()
            .expect("run promtool");
        assert!(
            out.status.success(),
            "promtool failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // By default no scrape jobs: the only data is what promtool wrote.
        let config = dir.path().join("prometheus.yml");
        fs::write(
            &config,
            format!("global:\n  evaluation_interval: 1m\nscrape_configs: {scrape_configs}\n"),
        )
        .expect("write config");

        let port = free_port();
        let log = fs::File::create(dir.path().join("prometheus.log")).expect("log file");
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--storage.tsdb.retention.time=30d")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus");
        let mut server = Prometheus {
            child: Some(child),
            url: format!("http://127.0.0.1:{port}"),
            port,
            dir,
        };
        server.wait_ready();
        server
    }

    /// Polls `/-/ready` until it answers 200; fails with Prometheus' log when it exits or
    /// is not ready within a minute.
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("prometheus exited ({status}):\n{}", self.log_tail());
            }
            if get_status(self.port, "/-/ready") == Some(200) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "prometheus not ready within 60 s:\n{}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the server now (SIGKILL) and waits for it to be gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The end of Prometheus' log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// The HTTP status of a plain GET, or `None` when nothing answers.
fn get_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut head = Vec::new();
    stream.read_to_end(&mut head).ok()?;
    let text = String::from_utf8_lossy(&head);
    text.split_whitespace().nth(1)?.parse().ok()
}

/// Now, in Unix seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
