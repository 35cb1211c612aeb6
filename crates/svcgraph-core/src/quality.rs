//! The data-quality report: which parts of a graph are artefacts of how it was measured.
//!
//! A node called `10.4.2.17`, `unknown` or `user`, a call only one proxy saw, a service under
//! two namespaces: each is real data about the measurement, not about the system. [`assess`]
//! looks at a graph, and at the series it came from when they are at hand ([`Evidence`]),
//! and lists [`Finding`]s, each with how much traffic it concerns, what usually causes it and
//! which producer setting fixes it (Beyla, OpenTelemetry Collector, Istio).
//!
//! Checks on the graph (after naming rules and transforms, as it is drawn):
//!
//! * nodes named by an IP address; `unknown` nodes; `user` and other virtual peers (and the
//!   callees of `virtual_node` edges); one name under several namespaces.
//!
//! Checks on the series, from the optional queries [`plan`] adds beside the graph's (a
//! snapshot keeps their answers; inputs without them list the check as not measured):
//!
//! * the servicegraph connector's own counters: unpaired and dropped spans, expired edges;
//! * calls only one side reported (Istio's `reporter`);
//! * series that stopped within the window.
//!
//! ```
//! use svcgraph_core::quality::{FindingKind, assess};
//!
//! let response = br#"{"status":"success","data":{"resultType":"vector","result":[
//!   {"metric":{"client":"user","server":"front"},"value":[1700000000,"4"]},
//!   {"metric":{"client":"front","server":"10.4.2.17"},"value":[1700000000,"1"]}]}}"#;
//! let loaded = svcgraph_core::load(response)?;
//! let report = assess(&loaded.graph, loaded.evidence().as_ref());
//! let kinds: Vec<FindingKind> = report.findings.iter().map(|f| f.kind).collect();
//! assert_eq!(kinds, [FindingKind::IpNamed, FindingKind::Virtual]);
//! assert_eq!(report.findings[0].requests_per_second, Some(1.0));
//! # Ok::<(), svcgraph_core::Error>(())
//! ```

mod advice;
mod plan;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write};

use serde::Serialize;

pub use plan::plan;

use crate::model::{NodeKind, ServiceGraph, counted};
use crate::query::QueryPurpose;
use crate::render::shown;
use crate::render::text::{format_percent, format_rate};
use crate::schema::{QueryResults, Schema, Side};
use crate::series::Sample;
use petgraph::graph::NodeIndex;

/// The value of a report document's `format` field.
pub const FORMAT: &str = "svcgraph-quality";
/// The report document's version.
pub const VERSION: u32 = 1;

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// Nodes named by an IP address.
    IpNamed,
    /// Nodes the producer could not identify (`unknown`).
    Unknown,
    /// Uninstrumented callers (`user`) and callees inferred from one side of a call.
    Virtual,
    /// The connector's spans that found no partner.
    UnpairedSpans,
    /// The connector's spans dropped because its store was full.
    DroppedSpans,
    /// The connector's edges expired before their second span came.
    ExpiredEdges,
    /// Calls only one side reported.
    OneSided,
    /// One name under several namespaces.
    NamespaceVariants,
    /// Series that stopped within the window.
    Vanished,
}

impl FindingKind {
    /// Every kind, in report order.
    pub const ALL: [FindingKind; 9] = [
        FindingKind::IpNamed,
        FindingKind::Unknown,
        FindingKind::Virtual,
        FindingKind::UnpairedSpans,
        FindingKind::DroppedSpans,
        FindingKind::ExpiredEdges,
        FindingKind::OneSided,
        FindingKind::NamespaceVariants,
        FindingKind::Vanished,
    ];

    /// A short title.
    pub fn title(self) -> &'static str {
        match self {
            FindingKind::IpNamed => "Nodes named by an IP address",
            FindingKind::Unknown => "Unknown peers",
            FindingKind::Virtual => "Virtual peers (one side not instrumented)",
            FindingKind::UnpairedSpans => "Unpaired spans (servicegraph connector)",
            FindingKind::DroppedSpans => "Dropped spans (servicegraph connector)",
            FindingKind::ExpiredEdges => "Expired edges (servicegraph connector)",
            FindingKind::OneSided => "Calls reported by one side only",
            FindingKind::NamespaceVariants => "One name under several namespaces",
            FindingKind::Vanished => "Series that stopped within the window",
        }
    }

    /// The snake-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::IpNamed => "ip_named",
            FindingKind::Unknown => "unknown",
            FindingKind::Virtual => "virtual",
            FindingKind::UnpairedSpans => "unpaired_spans",
            FindingKind::DroppedSpans => "dropped_spans",
            FindingKind::ExpiredEdges => "expired_edges",
            FindingKind::OneSided => "one_sided",
            FindingKind::NamespaceVariants => "namespace_variants",
            FindingKind::Vanished => "vanished",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A producer setting that fixes a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Fix {
    /// `Beyla`, `OpenTelemetry Collector`, `Istio` or `svcgraph`.
    pub producer: &'static str,
    /// What to set, in a sentence.
    pub setting: &'static str,
}

/// One node, edge or counter a finding is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Subject {
    /// A node id, `client -> server`, or a counter's name.
    pub name: String,
    /// Its rate: requests per second for nodes and calls, spans or edges per second for the
    /// connector's counters; absent when the check measures no rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_second: Option<f64>,
    /// More about it (`destination only`, the namespaces of a name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Something in the graph or its series that is about the measurement.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// What it is.
    pub kind: FindingKind,
    /// One line: how many, and how much traffic.
    pub summary: String,
    /// The nodes, calls or counters concerned, sorted by name.
    pub subjects: Vec<Subject>,
    /// The traffic it concerns: requests per second on the edges touching the nodes, or the
    /// counter's rate; absent when not measured as a rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests_per_second: Option<f64>,
    /// That traffic's share of all requests, in `[0, 1]`, for findings about the graph's
    /// requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    /// What usually causes it.
    pub cause: &'static str,
    /// Which producer settings fix it.
    pub fixes: Vec<Fix>,
}

/// A check that could not run, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Unmeasured {
    /// The check.
    pub kind: FindingKind,
    /// Why it could not run.
    pub reason: String,
}

/// The report: findings in [`FindingKind`] order, and what could not be checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct QualityReport {
    /// Always [`FORMAT`].
    pub format: &'static str,
    /// Always [`VERSION`].
    pub version: u32,
    /// Nodes in the graph assessed.
    pub nodes: usize,
    /// Edges in the graph assessed.
    pub edges: usize,
    /// Requests per second over all its edges.
    pub requests_per_second: f64,
    /// What was found.
    pub findings: Vec<Finding>,
    /// Checks that apply to the producer but could not run on this input.
    pub not_measured: Vec<Unmeasured>,
}

/// The series a graph was built from, for the checks that need them.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// The schema that mapped them.
    pub schema: &'a Schema,
    /// Every query's result, the quality queries' included when they were asked.
    pub results: &'a QueryResults,
}

/// Assesses `graph` and, when given, the series it was built from.
pub fn assess(graph: &ServiceGraph, evidence: Option<&Evidence<'_>>) -> QualityReport {
    let total = graph.total_requests_per_second();
    let mut findings = Vec::new();
    let mut not_measured = Vec::new();
    node_checks(graph, total, &mut findings);
    match evidence {
        Some(evidence) => series_checks(evidence, &mut findings, &mut not_measured),
        None => {
            for kind in [FindingKind::OneSided, FindingKind::Vanished] {
                not_measured.push(Unmeasured {
                    kind,
                    reason: "the series the graph was built from are not at hand (a graph document, or a live view)".into(),
                });
            }
        }
    }
    findings.sort_by_key(|f| f.kind);
    QualityReport {
        format: FORMAT,
        version: VERSION,
        nodes: graph.node_count(),
        edges: graph.edge_count(),
        requests_per_second: total,
        findings,
        not_measured,
    }
}

fn node_checks(graph: &ServiceGraph, total: f64, findings: &mut Vec<Finding>) {
    let g = graph.graph();
    let virtual_callees: BTreeSet<_> = g
        .edge_indices()
        .filter(|&e| g[e].connection_type.as_deref() == Some("virtual_node"))
        .filter_map(|e| g.edge_endpoints(e))
        // The made-up side of a `virtual_node` edge is the caller when that is `user`,
        // else the callee.
        .filter(|&(s, _)| g[s].kind != NodeKind::Virtual && g[s].name != "user")
        .map(|(_, t)| t)
        .collect();
    let mut flagged: BTreeMap<FindingKind, BTreeSet<_>> = BTreeMap::new();
    for i in graph.sorted_nodes() {
        let n = &g[i];
        if crate::naming::ip_of(&n.name).is_some() {
            flagged.entry(FindingKind::IpNamed).or_default().insert(i);
        }
        if n.kind == NodeKind::Unknown || n.name.eq_ignore_ascii_case("unknown") {
            flagged.entry(FindingKind::Unknown).or_default().insert(i);
        } else if n.kind == NodeKind::Virtual || n.name == "user" || virtual_callees.contains(&i) {
            flagged.entry(FindingKind::Virtual).or_default().insert(i);
        }
    }
    let traffic = |nodes: &BTreeSet<NodeIndex>| traffic(graph, nodes);
    let share = |rate: f64| (total > 0.0).then(|| (rate / total).clamp(0.0, 1.0));
    // Each node's own traffic, in one pass over the edges.
    let own: Vec<Option<usize>> = g.node_indices().map(|i| Some(i.index())).collect();
    let per_node = traffic_by_group(graph, &own, g.node_count());
    for (kind, nodes) in flagged {
        let mut subjects: Vec<Subject> = nodes
            .iter()
            .map(|&i| Subject {
                name: g[i].id.clone(),
                per_second: Some(per_node[i.index()]),
                detail: None,
            })
            .collect();
        subjects.sort_by(|a, b| a.name.cmp(&b.name));
        let rate = traffic(&nodes);
        findings.push(finding(
            kind,
            format!(
                "{} {} {}",
                counted(nodes.len(), "node"),
                carry(nodes.len()),
                traffic_text(rate, share(rate))
            ),
            subjects,
            Some(rate),
            share(rate),
        ));
    }
    namespace_variants(graph, total, findings);
}

/// The requests per second of the edges touching `nodes`, each edge once (a self-loop too).
fn traffic(graph: &ServiceGraph, nodes: &BTreeSet<NodeIndex>) -> f64 {
    let g = graph.graph();
    g.edge_indices()
        .filter_map(|e| {
            let (s, t) = g.edge_endpoints(e)?;
            (nodes.contains(&s) || nodes.contains(&t)).then(|| g[e].requests_per_second)
        })
        .sum()
}

/// The requests per second of the edges touching each group of nodes (`group_of` by node
/// index), each edge once per group it touches: one pass over the edges.
fn traffic_by_group(graph: &ServiceGraph, group_of: &[Option<usize>], groups: usize) -> Vec<f64> {
    let g = graph.graph();
    let mut out = vec![0.0; groups];
    for e in g.edge_indices() {
        let Some((s, t)) = g.edge_endpoints(e) else {
            continue;
        };
        let (a, b) = (group_of[s.index()], group_of[t.index()]);
        let rate = g[e].requests_per_second;
        if let Some(a) = a {
            out[a] += rate;
        }
        if let Some(b) = b
            && Some(b) != a
        {
            out[b] += rate;
        }
    }
    out
}

/// One name under several namespaces (namespace nodes of an aggregation are names of
/// namespaces, not services).
fn namespace_variants(graph: &ServiceGraph, total: f64, findings: &mut Vec<Finding>) {
    let g = graph.graph();
    let traffic = |nodes: &BTreeSet<NodeIndex>| traffic(graph, nodes);
    let share = |rate: f64| (total > 0.0).then(|| (rate / total).clamp(0.0, 1.0));
    let mut by_name: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for i in graph.sorted_nodes() {
        let n = &g[i];
        if n.namespace.is_some() && n.kind != NodeKind::Namespace {
            by_name.entry(n.name.as_str()).or_default().push(i);
        }
    }
    let variants: Vec<(&str, Vec<_>)> = by_name
        .into_iter()
        .filter(|(_, nodes)| {
            nodes
                .iter()
                .filter_map(|&i| g[i].namespace.as_deref())
                .collect::<BTreeSet<_>>()
                .len()
                > 1
        })
        .collect();
    if !variants.is_empty() {
        let all: BTreeSet<_> = variants
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .collect();
        let mut group_of = vec![None; g.node_count()];
        for (group, (_, nodes)) in variants.iter().enumerate() {
            for &i in nodes {
                group_of[i.index()] = Some(group);
            }
        }
        let per_group = traffic_by_group(graph, &group_of, variants.len());
        let subjects = variants
            .iter()
            .zip(per_group)
            .map(|((name, nodes), rate)| {
                let namespaces: BTreeSet<&str> = nodes
                    .iter()
                    .filter_map(|&i| g[i].namespace.as_deref())
                    .collect();
                Subject {
                    name: (*name).to_owned(),
                    per_second: Some(rate),
                    detail: Some(format!(
                        "in {}",
                        namespaces.into_iter().collect::<Vec<_>>().join(", ")
                    )),
                }
            })
            .collect();
        let rate = traffic(&all);
        findings.push(finding(
            FindingKind::NamespaceVariants,
            format!(
                "{} under several namespaces {} {}",
                counted(variants.len(), "name"),
                carry(variants.len()),
                traffic_text(rate, share(rate))
            ),
            subjects,
            Some(rate),
            share(rate),
        ));
    }
}

fn series_checks(
    evidence: &Evidence<'_>,
    findings: &mut Vec<Finding>,
    not_measured: &mut Vec<Unmeasured>,
) {
    let schema = evidence.schema;
    let results = evidence.results;
    let missing = |kind| {
        Unmeasured {
        kind,
        reason: "the input holds no answer to its query (saved without the quality queries; `svcgraph fetch --quality` or `svcgraph doctor --url` asks them)".into(),
    }
    };
    if plan::connector_prefix(schema).is_some() {
        for (kind, purpose, unit) in [
            (
                FindingKind::UnpairedSpans,
                QueryPurpose::UnpairedSpans,
                "unpaired spans",
            ),
            (
                FindingKind::DroppedSpans,
                QueryPurpose::DroppedSpans,
                "dropped spans",
            ),
        ] {
            let Some(set) = results.get(purpose) else {
                not_measured.push(missing(kind));
                continue;
            };
            let mut subjects = per_edge(schema, &set.samples, |_| None);
            subjects.retain(|s| s.per_second.is_some_and(|v| v > 0.0));
            if subjects.is_empty() {
                continue;
            }
            let rate: f64 = subjects.iter().filter_map(|s| s.per_second).sum();
            findings.push(finding(
                kind,
                format!(
                    "{} {unit} per second on {}",
                    format_rate(rate),
                    counted(subjects.len(), "edge")
                ),
                subjects,
                Some(rate),
                None,
            ));
        }
        match results.get(QueryPurpose::ExpiredEdges) {
            None => not_measured.push(missing(FindingKind::ExpiredEdges)),
            Some(set) => {
                let rate: f64 = set
                    .samples
                    .iter()
                    .map(|s| s.value)
                    .filter(|v| v.is_finite() && *v > 0.0)
                    .sum();
                if rate > 0.0 {
                    findings.push(finding(
                        FindingKind::ExpiredEdges,
                        format!("{} edges per second expired unpaired", format_rate(rate)),
                        vec![Subject {
                            name: "the Collector's expired-edges counter".into(),
                            per_second: Some(rate),
                            detail: None,
                        }],
                        Some(rate),
                        None,
                    ));
                }
            }
        }
    }
    if plan::reporter_matcher(schema).is_some() {
        match results.get(QueryPurpose::Reporters) {
            None => not_measured.push(missing(FindingKind::OneSided)),
            Some(set) => one_sided(schema, &set.samples, findings),
        }
    }
    match results.get(QueryPurpose::Vanished) {
        None => not_measured.push(missing(FindingKind::Vanished)),
        Some(set) if !set.samples.is_empty() => {
            let subjects = per_edge(schema, &set.samples, |_| None);
            let mut subjects: Vec<Subject> = subjects
                .into_iter()
                .map(|mut s| {
                    s.per_second = None;
                    s
                })
                .collect();
            subjects.dedup_by(|a, b| a.name == b.name);
            findings.push(finding(
                FindingKind::Vanished,
                format!(
                    "{} stopped reporting before the end of the window",
                    counted(subjects.len(), "call")
                ),
                subjects,
                None,
                None,
            ));
        }
        Some(_) => {}
    }
}

/// Calls only one reporter saw: samples grouped by every label but `reporter`.
fn one_sided(schema: &Schema, samples: &[Sample], findings: &mut Vec<Finding>) {
    // Per call (its labels but the reporter): the rate by reporter, and one of its samples.
    type ByReporter<'a> = (BTreeMap<String, f64>, &'a Sample);
    let mut calls: BTreeMap<Vec<(String, String)>, ByReporter<'_>> = BTreeMap::new();
    for s in samples {
        if !s.value.is_finite() || s.value <= 0.0 {
            continue;
        }
        let key: Vec<(String, String)> = s
            .labels
            .iter()
            .filter(|(k, _)| *k != plan::REPORTER)
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let reporter = s.label(plan::REPORTER).unwrap_or_default().to_owned();
        let entry = calls.entry(key).or_insert_with(|| (BTreeMap::new(), s));
        *entry.0.entry(reporter).or_default() += s.value;
    }
    let mut subjects: Vec<Subject> = calls
        .values()
        .filter(|(by, _)| by.len() == 1)
        .filter_map(|(by, sample)| {
            let (reporter, rate) = by.iter().next()?;
            Some(Subject {
                name: edge_name(schema, sample),
                per_second: Some(*rate),
                detail: Some(format!("{reporter} only")),
            })
        })
        .collect();
    if subjects.is_empty() {
        return;
    }
    subjects.sort_by(|a, b| a.name.cmp(&b.name).then(a.detail.cmp(&b.detail)));
    let rate: f64 = subjects.iter().filter_map(|s| s.per_second).sum();
    findings.push(finding(
        FindingKind::OneSided,
        format!(
            "{} carrying {} req/s were reported by one side only",
            counted(subjects.len(), "call"),
            format_rate(rate)
        ),
        subjects,
        Some(rate),
        None,
    ));
}

/// One subject per edge the samples name, rates summed, sorted by name.
fn per_edge(
    schema: &Schema,
    samples: &[Sample],
    detail: impl Fn(&Sample) -> Option<String>,
) -> Vec<Subject> {
    let mut by_edge: BTreeMap<String, (f64, Option<String>)> = BTreeMap::new();
    for s in samples {
        let entry = by_edge
            .entry(edge_name(schema, s))
            .or_insert((0.0, detail(s)));
        if s.value.is_finite() && s.value > 0.0 {
            entry.0 += s.value;
        }
    }
    by_edge
        .into_iter()
        .map(|(name, (rate, detail))| Subject {
            name,
            per_second: Some(rate),
            detail,
        })
        .collect()
}

/// `client -> server`, by the schema's labels for each side.
fn edge_name(schema: &Schema, sample: &Sample) -> String {
    format!(
        "{} -> {}",
        side_name(&schema.client, sample),
        side_name(&schema.server, sample)
    )
}

fn side_name(side: &Side, sample: &Sample) -> String {
    let known = |label: &String| {
        sample
            .label(label)
            .filter(|v| !v.is_empty() && !side.unknown_values.iter().any(|u| u == v))
    };
    let name = side
        .name
        .iter()
        .chain(&side.external)
        .find_map(known)
        .or_else(|| side.name.iter().find_map(|l| sample.label(l)))
        .unwrap_or("?");
    match side.namespace.as_ref().and_then(|l| sample.label(l)) {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name.to_owned(),
    }
}

fn finding(
    kind: FindingKind,
    summary: String,
    subjects: Vec<Subject>,
    requests_per_second: Option<f64>,
    share: Option<f64>,
) -> Finding {
    Finding {
        kind,
        summary,
        subjects,
        requests_per_second,
        share,
        cause: advice::cause(kind),
        fixes: advice::fixes(kind),
    }
}

fn carry(n: usize) -> &'static str {
    if n == 1 { "carries" } else { "carry" }
}

fn traffic_text(rate: f64, share: Option<f64>) -> String {
    match share {
        Some(share) => format!(
            "{} req/s ({} of all requests)",
            format_rate(rate),
            format_percent(share)
        ),
        None => format!("{} req/s", format_rate(rate)),
    }
}

/// How many subjects the text report lists per finding; JSON lists them all.
const LISTED: usize = 10;

impl QualityReport {
    /// Whether nothing was found.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// The report as JSON (pretty-printed, ending in a newline).
    pub fn to_json(&self) -> String {
        // Plain structs of strings and finite numbers always serialise.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The report as text for a terminal: names with control or direction-changing
    /// characters are shown escaped, so a hostile name cannot rewrite the report.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Data quality: {} ({}, {}, {} req/s)",
            if self.findings.is_empty() {
                "nothing found".to_owned()
            } else {
                counted(self.findings.len(), "finding")
            },
            counted(self.nodes, "node"),
            counted(self.edges, "edge"),
            format_rate(self.requests_per_second)
        );
        for (n, f) in self.findings.iter().enumerate() {
            let _ = writeln!(out, "\n{}. {}: {}", n + 1, f.kind.title(), f.summary);
            for s in f.subjects.iter().take(LISTED) {
                let _ = write!(out, "   - {}", printable(&s.name));
                if let Some(v) = s.per_second {
                    let _ = write!(out, ": {}/s", format_rate(v));
                }
                if let Some(d) = &s.detail {
                    let _ = write!(out, " ({})", printable(d));
                }
                out.push('\n');
            }
            if f.subjects.len() > LISTED {
                let _ = writeln!(out, "   - and {} more", f.subjects.len() - LISTED);
            }
            wrapped(&mut out, &format!("Why: {}", f.cause));
            for fix in &f.fixes {
                wrapped(
                    &mut out,
                    &format!("Fix ({}): {}", fix.producer, fix.setting),
                );
            }
        }
        if !self.not_measured.is_empty() {
            out.push_str("\nNot measured:\n");
            for u in &self.not_measured {
                let _ = writeln!(out, "- {}: {}", u.kind.title(), u.reason);
            }
        }
        out
    }
}

/// Fixed advice text, indented under its finding and wrapped at [`WIDTH`] columns.
fn wrapped(out: &mut String, text: &str) {
    const INDENT: &str = "   ";
    const CONTINUED: &str = "     ";
    let mut line = String::from(INDENT);
    let mut empty = true;
    for word in text.split(' ') {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = String::from(CONTINUED);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
}

/// The text report's line width for advice.
const WIDTH: usize = 96;

/// A name for a terminal line: control characters escaped, direction overrides replaced.
fn printable(text: &str) -> String {
    shown(text)
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
