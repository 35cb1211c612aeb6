//! Parse benchmark: a 100,000-series Prometheus answer (service-graph labels, one series
//! per edge) read with `SeriesSet::from_json` and mapped with `Schema::build`.
//!
//! ```sh
//! cargo bench -p svcgraph-prometheus --bench parse
//! SVCGRAPH_BENCH_SERIES=20000 SVCGRAPH_BENCH_RUNS=5 cargo bench ... --bench parse
//! ```
//!
//! Prints the median of several runs (7 by default) for parsing, building and both, as
//! MB/s of response body and series/s.

use std::fmt::Write;
use std::time::{Duration, Instant};

use svcgraph_core::schema::{QueryResults, Schema};
use svcgraph_core::series::SeriesSet;

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

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let series = env_number("SVCGRAPH_BENCH_SERIES", 100_000);
    let runs = env_number("SVCGRAPH_BENCH_RUNS", 7).max(1);
    let body = response(series);
    let schema = Schema::preset("servicegraph").expect("preset");
    let mb = body.len() as f64 / 1e6;
    println!(
        "parse: {series} series, {mb:.1} MB response, median of {runs} runs (after one warm-up)"
    );

    let mut parse = Vec::new();
    let mut build = Vec::new();
    let mut total = Vec::new();
    let mut edges = 0;
    for run in 0..=runs {
        let t0 = Instant::now();
        let set = SeriesSet::from_json(body.as_bytes()).expect("valid response");
        let t1 = Instant::now();
        let built = schema
            .build(&QueryResults::from_requests(set))
            .expect("builds");
        let t2 = Instant::now();
        edges = built.graph.edge_count();
        std::hint::black_box(&built);
        if run > 0 {
            parse.push(t1 - t0);
            build.push(t2 - t1);
            total.push(t2 - t0);
        }
    }
    assert_eq!(edges, series, "every series is one edge");
    for (what, times) in [
        ("SeriesSet::from_json", parse),
        ("Schema::build", build),
        ("both", total),
    ] {
        let t = median(times).as_secs_f64();
        println!(
            "  {what:<22} {:>8.1} ms  {:>7.1} MB/s  {:>10.0} series/s",
            t * 1e3,
            mb / t,
            series as f64 / t
        );
    }
}
