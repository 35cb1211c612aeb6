//! Parse benchmark: a 100,000-series Prometheus answer (service-graph labels, one series
//! per edge) read with `SeriesSet::from_json` and mapped with `Schema::build`, and the
//! end-to-end path a fetch takes: the answer served over HTTP on a loopback port, read by
//! `Client::query` (body, samples and the verbatim copy kept for snapshots) and built into a
//! graph.
//!
//! ```sh
//! cargo bench -p svcgraph-prometheus --bench parse
//! SVCGRAPH_BENCH_SERIES=20000 SVCGRAPH_BENCH_RUNS=5 cargo bench ... --bench parse
//! ```
//!
//! Prints the median of several runs (7 by default) for parsing, building, both, and the
//! end-to-end path, as MB/s of response body and series/s; then the end-to-end path's peak
//! memory, measured in a child process of its own (`VmHWM` over `VmRSS` once the answer is
//! in memory), against the size of the answer.

use std::fmt::Write;
use std::io::{Read, Write as _};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use svcgraph_core::schema::{Built, QueryResults, Schema};
use svcgraph_core::series::SeriesSet;
use svcgraph_prometheus::{Client, ClientConfig, RetryPolicy};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The answer of the servicegraph preset's requests query over `series` edges among
/// `series / 10` services in 40 namespaces, the way Prometheus formats it.
fn response(series: usize) -> String {
    let services = (series / 10).max(2);
    let mut out = String::with_capacity(series * 260);
    out.push_str(r#"{"status":"success","data":{"resultType":"vector","result":["#);
    for i in 0..series {
        if i > 0 {
            out.push(',');
        }
        // Edge i goes from service c to service s, distinct pairs for every i.
        let c = i % services;
        let s = (c + 1 + i / services) % services;
        let _ = write!(
            out,
            r#"{{"metric":{{"client":"service-{c:06}","client_service_namespace":"namespace-{:02}","connection_type":"","server":"service-{s:06}","server_service_namespace":"namespace-{:02}"}},"value":[1795539600.123,"{}.{:03}"]}}"#,
            c % 40,
            s % 40,
            1 + i % 500,
            i % 1000
        );
    }
    out.push_str("]}}");
    out
}

/// Serves `body` as the answer to every request, one per connection.
fn serve(body: Arc<String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && matches!(stream.read(&mut byte), Ok(1)) {
                head.push(byte[0]);
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(body.as_bytes());
        }
    });
    url
}

/// A client of a loopback server answering `body`, and a runtime to run it on.
fn client_of(body: &Arc<String>) -> (Client, tokio::runtime::Runtime) {
    let url = serve(Arc::clone(body));
    let client = Client::new(ClientConfig::new(url).retry(RetryPolicy::NONE)).expect("client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    (client, runtime)
}

/// Response to graph: one query over HTTP, then the graph built from its samples. Returns
/// what a fetch goes on with, the verbatim body (for the snapshot) and the graph, so that
/// freeing them is not timed, as it is not for `Schema::build` alone.
fn end_to_end(
    client: &Client,
    runtime: &tokio::runtime::Runtime,
    schema: &Schema,
) -> (Box<serde_json::value::RawValue>, Built) {
    let answer = runtime
        .block_on(client.query("bench", None))
        .expect("answer");
    let built = schema
        .build(&QueryResults::from_requests(answer.series))
        .expect("builds");
    (answer.body, built)
}

/// A line of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}

/// The end-to-end path once, in this process: prints `peak-extra-bytes body-bytes`.
fn memory_child(series: usize) {
    let body = Arc::new(response(series));
    let schema = Schema::preset("servicegraph").expect("preset");
    let (client, runtime) = client_of(&body);
    let before = status_bytes("VmRSS:");
    let edges = end_to_end(&client, &runtime, &schema).1.graph.edge_count();
    let peak = status_bytes("VmHWM:");
    assert_eq!(edges, series);
    println!("{} {}", peak.saturating_sub(before), body.len());
}

/// CPU time this thread has run, from `/proc/thread-self/schedstat` (nanoseconds): on a
/// shared machine it is the cost of the work, where wall time also counts waiting for a core.
fn cpu_time() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let nanos = text
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(nanos)
}

/// Wall and CPU time of `work`.
fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration, Duration) {
    let (wall, cpu) = (Instant::now(), cpu_time());
    let out = work();
    (out, wall.elapsed(), cpu_time().saturating_sub(cpu))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let series = env_number("SVCGRAPH_BENCH_SERIES", 100_000);
    if std::env::var_os("SVCGRAPH_BENCH_MEMORY_CHILD").is_some() {
        memory_child(series);
        return;
    }
    let runs = env_number("SVCGRAPH_BENCH_RUNS", 7).max(1);
    let body = Arc::new(response(series));
    let schema = Schema::preset("servicegraph").expect("preset");
    let mb = body.len() as f64 / 1e6;
    println!(
        "parse: {series} series, {mb:.1} MB response, median of {runs} runs (after one warm-up)"
    );

    let (client, runtime) = client_of(&body);

    // (wall, cpu) per step.
    let mut steps: [(Vec<Duration>, Vec<Duration>); 4] = Default::default();
    let mut edges = 0;
    for run in 0..=runs {
        let (set, parse_wall, parse_cpu) =
            timed(|| SeriesSet::from_json(body.as_bytes()).expect("valid response"));
        let (built, build_wall, build_cpu) = timed(|| {
            schema
                .build(&QueryResults::from_requests(set))
                .expect("builds")
        });
        edges = built.graph.edge_count();
        std::hint::black_box(&built);
        drop(built);
        let (whole, whole_wall, whole_cpu) = timed(|| end_to_end(&client, &runtime, &schema));
        let whole_edges = whole.1.graph.edge_count();
        drop(whole);
        assert_eq!(whole_edges, series);
        if run > 0 {
            for (step, wall, cpu) in [
                (0, parse_wall, parse_cpu),
                (1, build_wall, build_cpu),
                (2, parse_wall + build_wall, parse_cpu + build_cpu),
                (3, whole_wall, whole_cpu),
            ] {
                steps[step].0.push(wall);
                steps[step].1.push(cpu);
            }
        }
    }
    assert_eq!(edges, series, "every series is one edge");
    println!(
        "  {:<22} {:>8}  {:>9}  {:>8}  {:>9}",
        "", "wall ms", "wall MB/s", "CPU ms", "CPU MB/s"
    );
    let names = [
        "SeriesSet::from_json",
        "Schema::build",
        "both",
        "end to end (HTTP)",
    ];
    for (what, (wall, cpu)) in names.into_iter().zip(steps) {
        let (w, c) = (median(wall).as_secs_f64(), median(cpu).as_secs_f64());
        println!(
            "  {what:<22} {:>8.1}  {:>9.1}  {:>8.1}  {:>9.1}",
            w * 1e3,
            mb / w,
            c * 1e3,
            mb / c
        );
    }
    let child = std::process::Command::new(std::env::current_exe().expect("this program"))
        .env("SVCGRAPH_BENCH_MEMORY_CHILD", "1")
        .env("SVCGRAPH_BENCH_SERIES", series.to_string())
        .output()
        .expect("memory run");
    let text = String::from_utf8_lossy(&child.stdout);
    let mut numbers = text
        .split_whitespace()
        .filter_map(|n| n.parse::<f64>().ok());
    if let (Some(peak), Some(size)) = (numbers.next(), numbers.next()) {
        println!(
            "  end-to-end peak memory  {:>8.1} MB  {:>7.2}× the answer",
            peak / 1e6,
            peak / size
        );
    }
}
