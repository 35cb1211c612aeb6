//! What the layout and quality benchmarks share: the seeded random numbers, generated graph
//! shapes turned into service graphs, running a baseline in a child process with a timeout,
//! and the unlabelled DOT the baselines get.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use svcgraph_core::render::dot::{DotOptions, to_dot};
use svcgraph_core::{Edge, Node, NodeKind, ServiceGraph};

/// A generated graph: `nodes` nodes and directed edges between them.
pub struct Shape {
    pub name: String,
    pub nodes: usize,
    pub edges: Vec<(usize, usize)>,
}

/// `SplitMix64`: small, fast, and the same numbers on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The tier of each of `n` nodes over `tiers` tiers whose sizes grow then shrink (few entry
/// points, a wide middle, few databases): tier `t` gets a share `base + sin(π (t + ½) / tiers)`
/// of the nodes, at least `at_least` of them while there are nodes left, the last tier the rest.
pub fn tier_of(n: usize, tiers: usize, base: f64, at_least: usize) -> Vec<usize> {
    let weights: Vec<f64> = (0..tiers)
        .map(|t| {
            let x = (t as f64 + 0.5) / tiers as f64;
            base + (std::f64::consts::PI * x).sin()
        })
        .collect();
    let total: f64 = weights.iter().sum();
    let mut tier_of = Vec::with_capacity(n);
    for (t, w) in weights.iter().enumerate() {
        let count = if t + 1 == tiers {
            n - tier_of.len()
        } else {
            (((w / total) * n as f64).round() as usize).max(at_least)
        };
        tier_of.extend(std::iter::repeat_n(t, count.min(n - tier_of.len())));
    }
    tier_of
}

/// Graphviz's version line, as `dot -V` prints it.
pub fn dot_version() -> Option<String> {
    Command::new("dot")
        .arg("-V")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stderr).trim().to_owned())
}

/// The shape as a service graph with plausible rates, some failures and latencies.
pub fn service_graph(shape: &Shape) -> ServiceGraph {
    let mut rng = Rng(shape.nodes as u64 ^ 0xABCD);
    let mut g = ServiceGraph::new();
    let ids: Vec<_> = (0..shape.nodes)
        .map(|i| {
            let name = format!("svc-{i}");
            g.upsert_node(Node::named(&name, NodeKind::Service))
        })
        .collect();
    for &(s, t) in &shape.edges {
        let mut e = Edge::with_rate((10f64).powf(3.0 * rng.unit() - 1.0));
        if rng.unit() < 0.1 {
            e.failures_per_second = e.requests_per_second * 0.08 * rng.unit();
        }
        e.latency.p95 = Some(0.002 + 0.5 * rng.unit() * rng.unit());
        g.upsert_edge(ids[s], ids[t], e);
    }
    g
}

/// The baselines' timeout: `SVCGRAPH_BENCH_TIMEOUT` seconds, `default_secs` when unset.
pub fn timeout(default_secs: u64) -> Duration {
    let secs = std::env::var("SVCGRAPH_BENCH_TIMEOUT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_secs);
    Duration::from_secs(secs)
}

/// Runs a command; its wall time, or `None` when it failed or hit the timeout (then killed).
pub fn timed(command: &mut Command, limit: Duration) -> Option<(Duration, Vec<u8>)> {
    let start = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut buf);
        buf
    });
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let elapsed = start.elapsed();
            let out = reader.join().unwrap_or_default();
            return status.success().then_some((elapsed, out));
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        // Polling a child's exit in a benchmark driver; not a timed test.
        std::thread::sleep(Duration::from_millis(5));
    }
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The graph as DOT without edge labels: labels double dot's ranks and make it far slower,
/// so the baselines get the easier, unlabelled problem (and ours is measured unlabelled for
/// the comparison too).
// Each benchmark uses one of the two.
#[allow(dead_code)]
pub fn plain_dot(graph: &ServiceGraph) -> String {
    plain_dot_with(graph, &DotOptions::default())
}

/// [`plain_dot`] with other DOT options (namespace clusters, direction).
// Each benchmark uses one of the two.
#[allow(dead_code)]
pub fn plain_dot_with(graph: &ServiceGraph, options: &DotOptions) -> String {
    let full = to_dot(graph, options);
    full.lines()
        .map(|line| match line.find(" [label=") {
            Some(at) if line.contains(" -> ") => format!("{};", &line[..at]),
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
