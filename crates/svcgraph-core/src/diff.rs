//! One graph of two moments: what is new, what is gone, and what changed beyond a threshold.
//!
//! [`diff`] takes the graph now and a baseline (an earlier moment, or a saved snapshot) and
//! returns the union of both: every edge carries an [`EdgeDiff`] saying whether it is new,
//! gone, changed or the same, with the baseline's numbers; nodes only in one graph are marked
//! `new` or `gone`. Gone edges keep the baseline's connection type and carry zero rates.
//! Every renderer shows the marks (SVG classes and a legend, DOT styles, JSON fields).
//!
//! Compare graphs after transforms (filters, aggregation): merging already-compared edges
//! drops the comparison, because two comparisons do not add up to one.

use serde::{Deserialize, Serialize};

use crate::model::{Edge, Latency, ServiceGraph};

/// How a node or edge compares with the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// Only in the graph now.
    New,
    /// Only in the baseline.
    Gone,
    /// In both, and at least one number moved beyond its threshold.
    Changed,
    /// In both, within the thresholds.
    Same,
}

impl Change {
    /// The lower-case name used in JSON and CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Gone => "gone",
            Change::Changed => "changed",
            Change::Same => "same",
        }
    }
}

/// A number of an edge that can move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Metric {
    /// Requests per second.
    Rate,
    /// Failures over requests.
    ErrorRatio,
    /// 95th percentile latency.
    P95,
}

impl Metric {
    /// Its name in graph JSON and the Python records (`rate`, `error_ratio`, `p95`).
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Rate => "rate",
            Metric::ErrorRatio => "error_ratio",
            Metric::P95 => "p95",
        }
    }
}

/// An edge's comparison with the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EdgeDiff {
    /// New, gone, changed or the same.
    pub change: Change,
    /// The numbers that moved beyond their threshold (for `changed`), in [`Metric`] order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moved: Vec<Metric>,
    /// The baseline's numbers; absent for new edges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Before>,
}

/// An edge's numbers in the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Before {
    /// Requests per second.
    pub requests_per_second: f64,
    /// Failed requests per second.
    #[serde(default)]
    pub failures_per_second: f64,
    /// Latency quantiles, in seconds.
    #[serde(
        default,
        rename = "latency_seconds",
        skip_serializing_if = "Latency::is_empty"
    )]
    pub latency: Latency,
}

impl Before {
    fn of(edge: &Edge) -> Self {
        Before {
            requests_per_second: edge.requests_per_second,
            failures_per_second: edge.failures_per_second,
            latency: edge.latency,
        }
    }

    /// Failures over requests, as [`Edge::error_ratio`] computes it.
    pub fn error_ratio(&self) -> f64 {
        Edge {
            requests_per_second: self.requests_per_second,
            failures_per_second: self.failures_per_second,
            ..Edge::with_rate(0.0)
        }
        .error_ratio()
    }
}

/// How far a number must move to count as changed.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Thresholds {
    /// Relative change of requests per second (0.5: by half, up or down).
    pub rate: f64,
    /// Absolute change of the error ratio (0.01: one percentage point).
    pub error_ratio: f64,
    /// Relative change of p95 latency, when both moments have it (0.5: by half).
    pub p95: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            rate: 0.5,
            error_ratio: 0.01,
            p95: 0.5,
        }
    }
}

/// Relative change from `before` to `now`; infinite when only `now` is above zero.
fn relative(before: f64, now: f64) -> f64 {
    if before > 0.0 {
        (now - before).abs() / before
    } else if now > 0.0 {
        f64::INFINITY
    } else {
        0.0
    }
}

/// The union of `now` and `baseline`, every edge marked with how it compares (nodes and edges
/// are matched by id). Order and output stay deterministic: renderers sort by id.
pub fn diff(now: &ServiceGraph, baseline: &ServiceGraph, thresholds: &Thresholds) -> ServiceGraph {
    let mut out = now.map_nodes(|n| {
        let mut n = n.clone();
        n.diff = baseline.node_index(&n.id).is_none().then_some(Change::New);
        n
    });
    for node in baseline.nodes() {
        if out.node_index(&node.id).is_none() {
            let mut node = node.clone();
            node.diff = Some(Change::Gone);
            out.upsert_node(node);
        }
    }
    let bg = baseline.graph();
    let find = |source: &str, target: &str| {
        let (s, t) = (baseline.node_index(source)?, baseline.node_index(target)?);
        bg.find_edge(s, t).map(|e| &bg[e])
    };
    let edges: Vec<_> = out.graph().edge_indices().collect();
    for e in edges {
        let Some((s, t)) = out.graph().edge_endpoints(e) else {
            continue;
        };
        let (source, target) = (out.graph()[s].id.clone(), out.graph()[t].id.clone());
        let compared = match find(&source, &target) {
            None => EdgeDiff {
                change: Change::New,
                moved: Vec::new(),
                before: None,
            },
            Some(before) => compare(&out.graph()[e], before, thresholds),
        };
        if let Some(edge) = out.edge_mut(e) {
            edge.diff = Some(Box::new(compared));
        }
    }
    for e in bg.edge_indices() {
        let Some((s, t)) = bg.edge_endpoints(e) else {
            continue;
        };
        let (Some(s2), Some(t2)) = (out.node_index(&bg[s].id), out.node_index(&bg[t].id)) else {
            continue;
        };
        if out.graph().find_edge(s2, t2).is_some() {
            continue;
        }
        let before = &bg[e];
        let mut gone = Edge::with_rate(0.0);
        gone.connection_type.clone_from(&before.connection_type);
        gone.diff = Some(Box::new(EdgeDiff {
            change: Change::Gone,
            moved: Vec::new(),
            before: Some(Before::of(before)),
        }));
        out.upsert_edge(s2, t2, gone);
    }
    out
}

fn compare(now: &Edge, before: &Edge, thresholds: &Thresholds) -> EdgeDiff {
    let mut moved = Vec::new();
    if relative(before.requests_per_second, now.requests_per_second) >= thresholds.rate {
        moved.push(Metric::Rate);
    }
    if (now.error_ratio() - before.error_ratio()).abs() >= thresholds.error_ratio {
        moved.push(Metric::ErrorRatio);
    }
    if let (Some(b), Some(n)) = (before.latency.p95, now.latency.p95)
        && relative(b, n) >= thresholds.p95
    {
        moved.push(Metric::P95);
    }
    EdgeDiff {
        change: if moved.is_empty() {
            Change::Same
        } else {
            Change::Changed
        },
        moved,
        before: Some(Before::of(before)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Node, NodeKind};

    fn graph(edges: &[(&str, &str, f64, f64, Option<f64>)]) -> ServiceGraph {
        let mut g = ServiceGraph::new();
        for &(s, t, rate, failures, p95) in edges {
            let s = g.upsert_node(Node::named(s, NodeKind::Service));
            let t = g.upsert_node(Node::named(t, NodeKind::Service));
            let mut e = Edge::with_rate(rate);
            e.failures_per_second = failures;
            e.latency.p95 = p95;
            g.upsert_edge(s, t, e);
        }
        g
    }

    fn change_of(g: &ServiceGraph, s: &str, t: &str) -> EdgeDiff {
        let e = g
            .graph()
            .find_edge(g.node_index(s).unwrap(), g.node_index(t).unwrap())
            .unwrap();
        *g.graph()[e].diff.clone().unwrap()
    }

    #[test]
    fn new_gone_changed_and_same_edges_are_told_apart() {
        let before = graph(&[
            ("a", "b", 10.0, 0.0, Some(0.1)),
            ("a", "c", 10.0, 0.0, Some(0.1)),
            ("a", "d", 10.0, 0.0, Some(0.1)),
            ("c", "old", 1.0, 0.0, None),
        ]);
        let now = graph(&[
            ("a", "b", 12.0, 0.05, Some(0.12)), // +20 % rate, +0.4 pp errors, +20 % p95
            ("a", "c", 30.0, 3.0, Some(0.3)),   // +200 %, +10 pp, +200 %
            ("a", "d", 4.0, 0.0, Some(0.1)),    // -60 %
            ("b", "new", 2.0, 0.0, None),
        ]);
        let g = diff(&now, &before, &Thresholds::default());
        assert_eq!(change_of(&g, "a", "b").change, Change::Same);
        let c = change_of(&g, "a", "c");
        assert_eq!(c.change, Change::Changed);
        assert_eq!(c.moved, [Metric::Rate, Metric::ErrorRatio, Metric::P95]);
        assert!((c.before.unwrap().requests_per_second - 10.0).abs() < 1e-12);
        assert_eq!(change_of(&g, "a", "d").moved, [Metric::Rate]);
        let new = change_of(&g, "b", "new");
        assert_eq!((new.change, new.before), (Change::New, None));
        let gone = change_of(&g, "c", "old");
        assert_eq!(gone.change, Change::Gone);
        assert!((gone.before.unwrap().requests_per_second - 1.0).abs() < 1e-12);
        let node = |id: &str| g.graph()[g.node_index(id).unwrap()].diff;
        assert_eq!(node("new"), Some(Change::New));
        assert_eq!(node("old"), Some(Change::Gone));
        assert_eq!(node("a"), None);
        assert_eq!((g.node_count(), g.edge_count()), (6, 5));
    }

    #[test]
    fn thresholds_decide_what_counts() {
        let before = graph(&[("a", "b", 10.0, 0.0, Some(0.1))]);
        let now = graph(&[("a", "b", 12.0, 0.0, Some(0.1))]);
        let strict = Thresholds {
            rate: 0.1,
            ..Thresholds::default()
        };
        assert_eq!(
            change_of(&diff(&now, &before, &strict), "a", "b").moved,
            [Metric::Rate]
        );
        let lax = diff(&now, &before, &Thresholds::default());
        assert_eq!(change_of(&lax, "a", "b").change, Change::Same);
    }

    #[test]
    fn a_graph_compared_with_itself_is_all_same() {
        let g = graph(&[("a", "b", 10.0, 1.0, Some(0.1)), ("b", "c", 0.0, 0.0, None)]);
        let d = diff(&g, &g, &Thresholds::default());
        for e in d.graph().edge_weights() {
            assert_eq!(e.diff.as_ref().unwrap().change, Change::Same);
        }
        assert!(d.nodes().all(|n| n.diff.is_none()));
    }
}
