//! Known service-graph data for each schema preset, written as OpenMetrics text for
//! `promtool tsdb create-blocks-from openmetrics`, and the numbers svcgraph must read back.
//!
//! Every edge calls at a known rate: half of it for the first 15 minutes, all of it after.
//! 10 % of calls fail. Every call takes between 0.1 s and 0.25 s (100–250 ms), so each
//! histogram has all observations in one bucket and `histogram_quantile` interpolates to
//! `0.1 + 0.15 q` seconds exactly. Counters grow linearly between samples, so PromQL's
//! `rate()` extrapolation is exact as well; checks allow a 1e-6 relative error for floating
//! point only.

use std::collections::BTreeMap;
use std::fmt::Write;

/// Seconds between samples.
pub const STEP: i64 = 15;
/// How long the data covers.
pub const DURATION: i64 = 40 * 60;
/// From this long after the start, edges run at their full rate.
pub const HALF_RATE_FOR: i64 = 15 * 60;
/// Share of calls that fail.
pub const FAILED: f64 = 0.1;
/// The quantiles every latency histogram yields, in seconds.
pub const P50: f64 = 0.175;
/// 95th percentile.
pub const P95: f64 = 0.2425;
/// 99th percentile.
pub const P99: f64 = 0.2485;

/// One end of an edge.
#[derive(Debug, Clone, PartialEq)]
pub struct End {
    /// Namespace.
    pub ns: String,
    /// Service, workload or pod name.
    pub name: String,
    /// Pod IP (the seed recipe keys nodes by it).
    pub ip: String,
}

/// One edge of the generated graph.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeSpec {
    /// Cluster label value.
    pub cluster: String,
    /// Caller.
    pub client: End,
    /// Callee.
    pub server: End,
    /// Requests per second once at full rate.
    pub rate: f64,
}

/// A namespace value with a quote and a backslash, to prove escaping end to end.
pub const ODD_NAMESPACE: &str = "we\"ird\\ns";

fn end(ns: &str, name: &str, ip: &str) -> End {
    End {
        ns: ns.into(),
        name: name.into(),
        ip: ip.into(),
    }
}

fn edge(cluster: &str, client: End, server: End, rate: f64) -> EdgeSpec {
    EdgeSpec {
        cluster: cluster.into(),
        client,
        server,
        rate,
    }
}

/// The test topology: two clusters, namespaces `ns-a`, `ns-b` and [`ODD_NAMESPACE`], one
/// edge across namespaces, and one edge present in both clusters (so an unfiltered query
/// adds the two up).
pub fn standard_edges() -> Vec<EdgeSpec> {
    let frontend = end("ns-a", "frontend", "10.0.0.1");
    let cart = end("ns-a", "cart", "10.0.0.2");
    let payments = end("ns-a", "payments", "10.0.0.3");
    let api = end("ns-b", "api", "10.0.1.1");
    let auth = end("ns-b", "auth", "10.0.1.2");
    let worker = end("ns-b", "worker", "10.0.1.3");
    let legacy = end(ODD_NAMESPACE, "legacy", "10.0.2.1");
    vec![
        edge("c1", frontend.clone(), cart.clone(), 2.0),
        edge("c1", cart.clone(), payments, 4.0),
        edge("c1", frontend.clone(), api.clone(), 6.0),
        edge("c1", api.clone(), auth.clone(), 8.0),
        edge("c2", frontend, cart, 10.0),
        edge("c2", api, worker.clone(), 2.0),
        edge("c2", worker, legacy, 4.0),
    ]
}

/// The request rate of an edge of `full` req/s at time `t` (seconds after the start).
pub fn rate_at(full: f64, t: i64) -> f64 {
    if t < HALF_RATE_FOR { full / 2.0 } else { full }
}

/// The counter's value at sample `k` (time `k × STEP`) for `share` of an edge's calls.
fn counter(full: f64, share: f64, k: i64) -> f64 {
    // Samples 0..half were taken at half rate (the rate holds until the next sample).
    let half = k.min(HALF_RATE_FOR / STEP) as f64;
    let steps = (full / 2.0) * half + full * (k as f64 - half);
    // A base far from zero keeps rate() from limiting extrapolation at a counter start.
    1000.0 + steps * share * STEP as f64
}

/// Generated OpenMetrics text for one preset, ending at `end` (Unix seconds).
pub struct Dataset {
    /// First sample time.
    pub start: i64,
    /// Last sample time.
    pub end: i64,
    /// The file's text, ending with `# EOF`.
    pub text: String,
}

/// One counter or histogram series: labels and the share of an edge's calls it counts.
struct Series {
    labels: Vec<(String, String)>,
    share: f64,
}

fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A metric family being written: `# TYPE` once, then each series' samples in time order.
struct Family {
    name: String,
    duration: i64,
    kind: &'static str,
    lines: String,
}

impl Family {
    fn new(name: &str, kind: &'static str, duration: i64) -> Self {
        Family {
            name: name.into(),
            duration,
            kind,
            lines: String::new(),
        }
    }

    fn counter(&mut self, start: i64, full: f64, series: &Series) {
        let name = format!("{}_total", self.name);
        let samples = self.duration / STEP;
        for k in 0..=samples {
            let value = counter(full, series.share, k);
            sample(
                &mut self.lines,
                &name,
                &series.labels,
                value,
                start + k * STEP,
            );
        }
    }

    /// A histogram of durations with every observation in (`low`, `high`]. `bounds` are
    /// the bucket bounds in the histogram's unit; `observed` is a duration in that unit.
    fn histogram(
        &mut self,
        start: i64,
        full: f64,
        series: &Series,
        bounds: &[f64],
        high: f64,
        observed: f64,
    ) {
        let samples = self.duration / STEP;
        for k in 0..=samples {
            let t = start + k * STEP;
            let count = counter(full, series.share, k);
            for &bound in bounds {
                let mut with_le = series.labels.clone();
                with_le.push(("le".into(), format_bound(bound)));
                let value = if bound >= high { count } else { 0.0 };
                sample(
                    &mut self.lines,
                    &format!("{}_bucket", self.name),
                    &with_le,
                    value,
                    t,
                );
            }
            let mut with_le = series.labels.clone();
            with_le.push(("le".into(), "+Inf".into()));
            sample(
                &mut self.lines,
                &format!("{}_bucket", self.name),
                &with_le,
                count,
                t,
            );
            sample(
                &mut self.lines,
                &format!("{}_count", self.name),
                &series.labels,
                count,
                t,
            );
            sample(
                &mut self.lines,
                &format!("{}_sum", self.name),
                &series.labels,
                count * observed,
                t,
            );
        }
    }

    fn write(self, out: &mut String) {
        let _ = writeln!(out, "# TYPE {} {}", self.name, self.kind);
        out.push_str(&self.lines);
    }
}

fn format_bound(bound: f64) -> String {
    format!("{bound}")
}

/// Escapes a label value for the exposition formats: `\`, `"` and newline.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn sample(out: &mut String, name: &str, labels: &[(String, String)], value: f64, t: i64) {
    out.push_str(name);
    out.push('{');
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{k}=\"{}\"", escape(v));
    }
    let _ = writeln!(out, "}} {value} {t}");
}

const SECONDS_BOUNDS: [f64; 5] = [0.05, 0.1, 0.25, 0.5, 1.0];
const MILLIS_BOUNDS: [f64; 5] = [50.0, 100.0, 250.0, 500.0, 1000.0];

/// The metric families of one file, by name, each written once.
struct Writer {
    start: i64,
    duration: i64,
    families: BTreeMap<&'static str, Family>,
}

impl Writer {
    fn family(&mut self, name: &'static str, kind: &'static str) -> &mut Family {
        let duration = self.duration;
        self.families
            .entry(name)
            .or_insert_with(|| Family::new(name, kind, duration))
    }

    /// A counter of `share` of an edge's calls.
    fn counter(&mut self, name: &'static str, full: f64, pairs: &[(&str, &str)], share: f64) {
        let start = self.start;
        let series = Series {
            labels: labels(pairs),
            share,
        };
        self.family(name, "counter").counter(start, full, &series);
    }

    /// A histogram of `share` of an edge's calls, all slower than the bucket below `high`.
    fn histogram(
        &mut self,
        name: &'static str,
        full: f64,
        pairs: &[(&str, &str)],
        share: f64,
        millis: bool,
        slow: bool,
    ) {
        let start = self.start;
        let series = Series {
            labels: labels(pairs),
            share,
        };
        // Normal calls take (100, 250] ms; decoys' calls (500, 1000] ms.
        let (high, observed) = if slow { (1.0, 0.75) } else { (0.25, P50) };
        let (bounds, scale) = if millis {
            (&MILLIS_BOUNDS, 1000.0)
        } else {
            (&SECONDS_BOUNDS, 1.0)
        };
        self.family(name, "histogram").histogram(
            start,
            full,
            &series,
            bounds,
            high * scale,
            observed * scale,
        );
    }

    fn finish(self) -> String {
        let mut text = String::new();
        for (_, f) in self.families {
            f.write(&mut text);
        }
        text.push_str("# EOF\n");
        text
    }
}

/// OpenMetrics text for `preset` with `edges`, samples every [`STEP`] s from
/// `end - DURATION` to `end`. Presets with a selector also get decoy series the selector
/// must exclude (Istio's destination reporter, Linkerd's inbound side, another `source`),
/// at a hundred times the rate, so a missing selector shows.
pub fn dataset(preset: &str, edges: &[EdgeSpec], end: i64) -> Dataset {
    dataset_over(preset, edges, end, DURATION)
}

/// [`dataset`] over `duration` seconds instead of [`DURATION`].
pub fn dataset_over(preset: &str, edges: &[EdgeSpec], end: i64, duration: i64) -> Dataset {
    let start = end - duration;
    let mut out = Writer {
        start,
        duration,
        families: BTreeMap::new(),
    };
    for e in edges {
        match preset {
            "gmp-beyla" => gmp_beyla(&mut out, e),
            "servicegraph" | "beyla" => servicegraph(&mut out, e, preset == "beyla"),
            "istio" => istio(&mut out, e),
            "linkerd" => linkerd(&mut out, e),
            other => panic!("no test data for preset {other}"),
        }
    }
    Dataset {
        start,
        end,
        text: out.finish(),
    }
}

/// The seed recipe: requests only, split over two exporting instances.
fn gmp_beyla(out: &mut Writer, e: &EdgeSpec) {
    let (c, s) = (&e.client, &e.server);
    for (instance, share) in [("node-1", 0.75), ("node-2", 0.25)] {
        let pairs = [
            ("client", c.name.as_str()),
            ("client_address", &c.ip),
            ("server", &s.name),
            ("server_address", &s.ip),
            ("project_id", "proj"),
            ("location", "europe-west1"),
            ("cluster", &e.cluster),
            ("namespace", &s.ns),
            ("job", "beyla"),
            ("instance", instance),
        ];
        out.counter("traces_service_graph_request", e.rate, &pairs, share);
    }
}

/// The servicegraph connector (requests split by `failed`), or Beyla's own metrics.
fn servicegraph(out: &mut Writer, e: &EdgeSpec, beyla: bool) {
    let (c, s) = (&e.client, &e.server);
    let mut base = vec![
        ("client", c.name.as_str()),
        ("client_service_namespace", &c.ns),
        ("server", &s.name),
        ("server_service_namespace", &s.ns),
        ("cluster", &e.cluster),
    ];
    base.push(if beyla {
        ("source", "beyla")
    } else {
        ("connection_type", "")
    });
    for (failed, share) in [("false", 1.0 - FAILED), ("true", FAILED)] {
        let mut pairs = base.clone();
        pairs.push(("failed", failed));
        out.counter("traces_service_graph_request", e.rate, &pairs, share);
    }
    out.counter("traces_service_graph_request_failed", e.rate, &base, FAILED);
    let histogram = "traces_service_graph_request_server_seconds";
    out.histogram(histogram, e.rate, &base, 1.0, false, false);
    if beyla {
        // Another producer's series, in a cluster of their own so that detection within one
        // cluster sees Beyla's alone.
        let mut decoy = base.clone();
        decoy.retain(|(k, _)| *k != "source" && *k != "cluster");
        decoy.push(("source", "other-producer"));
        decoy.push(("cluster", "decoy"));
        out.counter("traces_service_graph_request", e.rate, &decoy, 100.0);
    }
}

/// Istio: both reporters, failures by response code.
fn istio(out: &mut Writer, e: &EdgeSpec) {
    let (c, s) = (&e.client, &e.server);
    let service = format!("{}.{}.svc.cluster.local", s.name, s.ns);
    for (reporter, scale) in [("source", 1.0), ("destination", 100.0)] {
        let base = [
            ("reporter", reporter),
            ("source_workload", c.name.as_str()),
            ("source_workload_namespace", &c.ns),
            ("destination_workload", &s.name),
            ("destination_workload_namespace", &s.ns),
            ("destination_service_name", &service),
            ("request_protocol", "http"),
            ("connection_security_policy", "mutual_tls"),
            ("cluster", &e.cluster),
        ];
        for (code, share) in [("200", 1.0 - FAILED), ("503", FAILED)] {
            let mut pairs = base.to_vec();
            pairs.push(("response_code", code));
            out.counter("istio_requests", e.rate, &pairs, share * scale);
        }
        let histogram = "istio_request_duration_milliseconds";
        out.histogram(histogram, e.rate, &base, scale, true, scale > 1.0);
    }
}

/// Linkerd: both directions, failures by classification.
fn linkerd(out: &mut Writer, e: &EdgeSpec) {
    let (c, s) = (&e.client, &e.server);
    for (direction, scale) in [("outbound", 1.0), ("inbound", 100.0)] {
        let base = [
            ("direction", direction),
            ("namespace", c.ns.as_str()),
            ("deployment", &c.name),
            ("dst_namespace", &s.ns),
            ("dst_deployment", &s.name),
            ("tls", "true"),
            ("cluster", &e.cluster),
        ];
        for (class, share) in [("success", 1.0 - FAILED), ("failure", FAILED)] {
            let mut pairs = base.to_vec();
            pairs.push(("classification", class));
            out.counter("response", e.rate, &pairs, share * scale);
        }
        out.histogram(
            "response_latency_ms",
            e.rate,
            &base,
            scale,
            true,
            scale > 1.0,
        );
    }
}

/// What one edge of the built graph must show.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// Requests per second.
    pub rate: f64,
    /// Failures per second.
    pub failures: f64,
}

/// The edges a query must return, by (client name, server name), for a preset whose
/// namespace filter looks at `namespace_labels` (one label: the server's namespace; two:
/// either end's), at `t` seconds after the data's start.
pub fn expected(
    edges: &[EdgeSpec],
    cluster: Option<&str>,
    namespace: Option<&str>,
    both_ends: bool,
    t: i64,
    with_failures: bool,
) -> BTreeMap<(String, String), Expected> {
    let mut out: BTreeMap<(String, String), Expected> = BTreeMap::new();
    for e in edges {
        if cluster.is_some_and(|c| c != e.cluster) {
            continue;
        }
        if let Some(ns) = namespace {
            let hit = e.server.ns == ns || (both_ends && e.client.ns == ns);
            if !hit {
                continue;
            }
        }
        let rate = rate_at(e.rate, t);
        let entry = out
            .entry((e.client.name.clone(), e.server.name.clone()))
            .or_insert(Expected {
                rate: 0.0,
                failures: 0.0,
            });
        entry.rate += rate;
        if with_failures {
            entry.failures += rate * FAILED;
        }
    }
    out
}
