//! End-to-end benchmark against a real Prometheus: a 1,000-edge service graph
//! (servicegraph preset: requests, failures, p50/p95/p99) loaded with promtool, then
//! `fetch` (five concurrent queries) + `Schema::build` + `render::svg::to_svg`.
//!
//! ```sh
//! cargo bench -p svcgraph-prometheus --bench fetch
//! SVCGRAPH_BENCH_EDGES=300 SVCGRAPH_BENCH_RUNS=3 cargo bench ... --bench fetch
//! ```
//!
//! Skips with a message when `prometheus` or `promtool` is not installed. Prints the time to
//! load the data (not part of the figure), then the median of several runs (5 by default,
//! after one warm-up) of each step and of the whole.

#[path = "../tests/common/data.rs"]
#[allow(dead_code)]
mod data;
#[path = "../tests/common/prometheus.rs"]
#[allow(dead_code)]
mod prometheus;

use std::time::{Duration, Instant};

use data::{EdgeSpec, End, STEP};
use svcgraph_core::query::{EvalTime, GraphQuery};
use svcgraph_core::render::svg::{SvgOptions, to_svg};
use svcgraph_core::schema::Schema;
use svcgraph_prometheus::{Client, ClientConfig, fetch};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `SplitMix64`: the same graph on every machine.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// `count` distinct edges among `count / 3` services in 8 tiers, each service calling into
/// the tiers below, spread over 12 namespaces and 2 clusters.
fn edges(count: usize) -> Vec<EdgeSpec> {
    let services = (count / 3).max(8);
    let tiers = 8;
    let service = |i: usize| End {
        ns: format!("ns-{:02}", i % 12),
        name: format!("svc-{i:04}"),
        ip: format!("10.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256),
    };
    let tier = |i: usize| i * tiers / services;
    let mut rng = Rng(1000);
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let c = rng.below(services);
        let s = rng.below(services);
        if tier(c) >= tier(s) || !seen.insert((c, s)) {
            continue;
        }
        out.push(EdgeSpec {
            cluster: if c.is_multiple_of(2) { "c1" } else { "c2" }.into(),
            client: service(c),
            server: service(s),
            rate: 2.0 * (1 + rng.below(20)) as f64,
        });
    }
    out
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    if !prometheus::available() {
        println!(
            "fetch: skipped: prometheus or promtool not installed (apt-get install prometheus)"
        );
        return;
    }
    let count = env_number("SVCGRAPH_BENCH_EDGES", 1000);
    let runs = env_number("SVCGRAPH_BENCH_RUNS", 5).max(1);
    let edges = edges(count);
    let end = prometheus::unix_now() / STEP * STEP - 300;
    // Ten minutes of samples: enough for a 5m rate at the end, small enough to load quickly.
    let set = data::dataset_over("servicegraph", &edges, end, 10 * 60);
    let t = Instant::now();
    let server = prometheus::Prometheus::start(&set.text);
    println!(
        "fetch: {count} edges, {:.0} MB of OpenMetrics loaded by promtool and Prometheus started in {:.1} s",
        set.text.len() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let client = Client::new(ClientConfig::new(&server.url)).expect("client");
    let schema = Schema::preset("servicegraph").expect("preset");
    let query = GraphQuery::default().with_at(EvalTime::from_unix_millis(end * 1000));
    let (mut fetching, mut building, mut drawing, mut total) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut shape = (0, 0, 0, 0);
    for run in 0..=runs {
        let t0 = Instant::now();
        let fetched = runtime
            .block_on(fetch(&client, &schema, &query))
            .unwrap_or_else(|e| panic!("{e}\n{}", server.log_tail()));
        let t1 = Instant::now();
        let built = fetched.build().expect("builds");
        let t2 = Instant::now();
        let svg = to_svg(&built.graph, &SvgOptions::default());
        let t3 = Instant::now();
        let bytes: usize = fetched
            .snapshot
            .results
            .iter()
            .map(|r| r.response.get().len())
            .sum();
        shape = (
            built.graph.node_count(),
            built.graph.edge_count(),
            bytes,
            svg.text.len(),
        );
        if run > 0 {
            fetching.push(t1 - t0);
            building.push(t2 - t1);
            drawing.push(t3 - t2);
            total.push(t3 - t0);
        }
    }
    assert_eq!(shape.1, count, "every generated edge comes back");
    println!(
        "  graph: {} nodes, {} edges; responses {:.2} MB; SVG {:.2} MB; median of {runs} runs",
        shape.0,
        shape.1,
        shape.2 as f64 / 1e6,
        shape.3 as f64 / 1e6
    );
    for (what, times) in [
        ("fetch (5 queries)", fetching),
        ("Schema::build", building),
        ("render::svg::to_svg", drawing),
        ("end to end", total),
    ] {
        println!("  {what:<20} {:>9.1} ms", ms(median(times)));
    }
}
