//! svcgraph's JSON graph document, version 1: written by [`to_json`], read by [`from_json`].
//!
//! ```json
//! {
//!   "format": "svcgraph-graph",
//!   "version": 1,
//!   "nodes": [
//!     {"id": "shop/cart", "name": "cart", "namespace": "shop", "kind": "service",
//!      "addresses": ["10.4.1.85"]}
//!   ],
//!   "edges": [
//!     {"source": "shop/front", "target": "shop/cart",
//!      "requests_per_second": 12.3, "failures_per_second": 0.15, "error_ratio": 0.0122,
//!      "latency_seconds": {"p50": 0.012, "p95": 0.045, "p99": 0.08},
//!      "connection_type": "database"}
//!   ]
//! }
//! ```
//!
//! Nodes are sorted by `id`, edges by (`source`, `target`). `namespace`, `addresses`,
//! `latency_seconds` (and each quantile) and `connection_type` are left out when unknown.
//! `kind` is one of `service pod workload namespace database virtual external unknown`.
//! A comparison ([`crate::diff`]) adds `"diff": "new"|"gone"` to nodes in only one graph and a
//! `diff` object to every edge: `{"change": "new"|"gone"|"changed"|"same", "moved": ["rate",
//! "error_ratio", "p95"], "before": {"requests_per_second", "failures_per_second",
//! "latency_seconds"}}` (`moved` only when something moved, `before` except for new edges).
//! `error_ratio` is derived (failures / requests, clamped to `[0, 1]`) and recomputed on
//! reading. With `svcgraph render --stats` a `layout` object with the layout's statistics is
//! added (its timings vary between runs). When [naming rules](crate::naming) renamed nodes,
//! `renames` lists each, sorted: `{"to": "shop/cart", "from": "10.4.2.20", "rule": "cidr
//! 10.4.2.0/24"}` (left out when nothing was renamed). Readers ignore fields they do not know, so later versions may add fields; a
//! change that breaks readers raises `version`. Reading then writing gives the same bytes.

use std::borrow::Cow;

use petgraph::graph::NodeIndex;
use serde::{Deserialize, Serialize};

use crate::diff::EdgeDiff;
use crate::error::{Error, Result, excerpt};
use crate::layout::LayoutStats;
use crate::model::Rename;
use crate::model::{Edge, Latency, Node, ServiceGraph};

/// The value of the `format` field.
pub const FORMAT: &str = "svcgraph-graph";
/// The version this library writes and reads.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct GraphOut<'a> {
    format: &'static str,
    version: u32,
    nodes: Vec<&'a Node>,
    edges: Vec<EdgeOut<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    renames: &'a [Rename],
    #[serde(skip_serializing_if = "Option::is_none")]
    layout: Option<&'a LayoutStats>,
}

#[derive(Serialize)]
struct EdgeOut<'a> {
    source: &'a str,
    target: &'a str,
    requests_per_second: f64,
    // Left out of the compact document when zero (reading defaults it), and the ratio always
    // (reading recomputes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    failures_per_second: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Latency::is_empty")]
    latency_seconds: Latency,
    #[serde(skip_serializing_if = "Option::is_none")]
    connection_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<&'a EdgeDiff>,
}

#[derive(Deserialize)]
struct GraphIn<'a> {
    format: Option<String>,
    version: Option<u32>,
    #[serde(default)]
    nodes: Vec<Node>,
    #[serde(default, borrow)]
    edges: Vec<EdgeIn<'a>>,
    #[serde(default)]
    renames: Vec<Rename>,
}

#[derive(Deserialize)]
struct EdgeIn<'a> {
    // Borrowed from the document unless escaped: a large document has millions of ends.
    #[serde(borrow)]
    source: Cow<'a, str>,
    #[serde(borrow)]
    target: Cow<'a, str>,
    requests_per_second: f64,
    #[serde(default)]
    failures_per_second: f64,
    #[serde(default)]
    latency_seconds: Latency,
    #[serde(default)]
    connection_type: Option<String>,
    #[serde(default)]
    diff: Option<Box<EdgeDiff>>,
}

/// The graph as a pretty-printed JSON document ending in a newline.
pub fn to_json(graph: &ServiceGraph) -> String {
    to_json_with_layout(graph, None)
}

/// The graph document with a `layout` object holding the statistics of a layout of it
/// (layers, crossings, size, seconds per phase). Timings differ from run to run, so such a
/// document is not byte-identical across runs; readers ignore the object.
pub fn to_json_with_layout(graph: &ServiceGraph, layout: Option<&LayoutStats>) -> String {
    let mut text = written(graph, layout, true);
    text.push('\n');
    text
}

/// The graph document of [`to_json`] as the interactive page embeds it: on one line, without
/// the final newline, and without what reading gives back anyway: `error_ratio` (derived)
/// and `failures_per_second` when it is zero. [`from_json`] reads it as the same graph.
pub fn to_json_compact(graph: &ServiceGraph) -> String {
    written(graph, None, false)
}

fn written(graph: &ServiceGraph, layout: Option<&LayoutStats>, pretty: bool) -> String {
    let g = graph.graph();
    let doc = GraphOut {
        format: FORMAT,
        version: VERSION,
        nodes: graph.sorted_nodes().into_iter().map(|i| &g[i]).collect(),
        edges: graph
            .sorted_edges()
            .into_iter()
            .filter_map(|i| {
                let (s, t) = g.edge_endpoints(i)?;
                let e = &g[i];
                Some(EdgeOut {
                    source: &g[s].id,
                    target: &g[t].id,
                    requests_per_second: e.requests_per_second,
                    failures_per_second: (pretty || e.failures_per_second != 0.0)
                        .then_some(e.failures_per_second),
                    error_ratio: pretty.then(|| e.error_ratio()),
                    latency_seconds: e.latency,
                    connection_type: e.connection_type.as_deref(),
                    diff: e.diff.as_deref(),
                })
            })
            .collect(),
        renames: graph.renames(),
        layout,
    };
    // Plain structs of strings and finite numbers always serialise.
    if pretty {
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    } else {
        serde_json::to_string(&doc).unwrap_or_default()
    }
}

/// Whether a parsed JSON document looks like a graph document (has `"format": "svcgraph-graph"`).
pub fn is_graph_document(value: &serde_json::Value) -> bool {
    value.get("format").and_then(serde_json::Value::as_str) == Some(FORMAT)
}

/// Reads a graph document, checking that ids are unique, edges connect known nodes and every
/// number is a non-negative rate or duration.
pub fn from_json(text: &str) -> Result<ServiceGraph> {
    let doc: GraphIn =
        serde_json::from_str(text).map_err(|e| Error::json("the graph document", &e))?;
    match doc.format.as_deref() {
        Some(FORMAT) => {}
        other => {
            return Err(Error::Format(format!(
                "not a svcgraph graph document: `format` is {}, expected \"{FORMAT}\"",
                other.map_or_else(|| "missing".to_owned(), |f| format!("\"{}\"", excerpt(f)))
            )));
        }
    }
    match doc.version {
        Some(VERSION) => {}
        Some(v) => {
            return Err(Error::Format(format!(
                "the graph document is version {v}; this svcgraph reads version {VERSION} (upgrade svcgraph)"
            )));
        }
        None => return Err(Error::Format("the graph document has no `version`".into())),
    }

    let mut graph = ServiceGraph::with_capacity(doc.nodes.len(), doc.edges.len());
    for node in doc.nodes {
        // A node merged into one already there leaves the count as it was.
        let before = graph.node_count();
        let v = graph.upsert_node(node);
        if graph.node_count() == before {
            return Err(Error::Format(format!(
                "the graph document lists node `{}` twice",
                excerpt(&graph.graph()[v].id)
            )));
        }
    }
    let ends = edge_ends(&graph, &doc.edges);
    for (e, [s, t]) in doc.edges.into_iter().zip(ends) {
        let endpoint = |id: &str, v: Option<NodeIndex>| {
            v.ok_or_else(|| {
                Error::Format(format!(
                    "an edge refers to node `{}`, which the document does not list",
                    excerpt(id)
                ))
            })
        };
        let (s, t) = (endpoint(&e.source, s)?, endpoint(&e.target, t)?);
        let numbers = |rps: f64, fps: f64, l: &Latency| {
            [
                rps,
                fps,
                l.p50.unwrap_or(0.0),
                l.p95.unwrap_or(0.0),
                l.p99.unwrap_or(0.0),
            ]
        };
        let before = e.diff.as_ref().and_then(|d| d.before);
        let negative = numbers(
            e.requests_per_second,
            e.failures_per_second,
            &e.latency_seconds,
        )
        .into_iter()
        .chain(
            before
                .iter()
                .flat_map(|b| numbers(b.requests_per_second, b.failures_per_second, &b.latency)),
        )
        .any(|v| v < 0.0);
        if negative {
            return Err(Error::Format(format!(
                "edge `{}` -> `{}` has a negative rate or latency",
                excerpt(&e.source),
                excerpt(&e.target)
            )));
        }
        // An edge merged into one already there leaves the count as it was.
        let before = graph.edge_count();
        graph.upsert_edge(
            s,
            t,
            Edge {
                requests_per_second: e.requests_per_second,
                failures_per_second: e.failures_per_second,
                latency: e.latency_seconds,
                connection_type: e.connection_type,
                diff: e.diff,
            },
        );
        if graph.edge_count() == before {
            return Err(Error::Format(format!(
                "the graph document lists edge `{}` -> `{}` twice",
                excerpt(&e.source),
                excerpt(&e.target)
            )));
        }
    }
    graph.record_renames(doc.renames);
    Ok(graph)
}

/// The nodes at the ends of each edge, where the document lists them: looked up before the
/// edges are added, on the largest documents half of them on a second thread (millions of
/// lookups by id).
fn edge_ends(graph: &ServiceGraph, edges: &[EdgeIn]) -> Vec<[Option<NodeIndex>; 2]> {
    crate::parallel::map_halves(edges.len() >= crate::parallel::WORTH_A_THREAD, edges, |e| {
        [graph.node_index(&e.source), graph.node_index(&e.target)]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"format":"svcgraph-graph","version":1,
        "nodes":[{"id":"a","name":"a","kind":"service"},{"id":"b","name":"b","kind":"database"}],
        "edges":[{"source":"a","target":"b","requests_per_second":2.5,"failures_per_second":0.5,
                  "latency_seconds":{"p95":0.25},"connection_type":"database","future":true}]}"#;

    #[test]
    fn documents_round_trip_byte_for_byte() {
        let graph = from_json(DOC).unwrap();
        let once = to_json(&graph);
        assert!(once.contains("\"error_ratio\": 0.2"), "{once}");
        assert_eq!(to_json(&from_json(&once).unwrap()), once);
    }

    #[test]
    fn the_compact_document_reads_as_the_same_graph() {
        let graph = from_json(DOC).unwrap();
        let compact = to_json_compact(&graph);
        assert!(
            !compact.contains('\n') && !compact.contains(": "),
            "{compact}"
        );
        assert!(!compact.contains("error_ratio"), "{compact}");
        assert_eq!(to_json(&from_json(&compact).unwrap()), to_json(&graph));
        // A zero failure rate is left out, reading gives it back.
        let quiet = from_json(&DOC.replace("0.5", "0")).unwrap();
        assert!(!to_json_compact(&quiet).contains("failures_per_second"));
        assert_eq!(
            to_json(&from_json(&to_json_compact(&quiet)).unwrap()),
            to_json(&quiet)
        );
    }

    #[test]
    fn broken_documents_are_refused() {
        let cases = [
            (DOC.replace("\"version\":1", "\"version\":2"), "version 2"),
            (
                DOC.replace("svcgraph-graph", "other"),
                "not a svcgraph graph",
            ),
            (
                DOC.replace("\"id\":\"b\"", "\"id\":\"a\""),
                "lists node `a` twice",
            ),
            (
                DOC.replace(
                    "\"future\":true}",
                    "\"future\":true},{\"source\":\"a\",\"target\":\"b\",\"requests_per_second\":1}",
                ),
                "lists edge `a` -> `b` twice",
            ),
            (
                DOC.replace("\"target\":\"b\"", "\"target\":\"zz\""),
                "does not list",
            ),
            (DOC.replace("2.5", "-2.5"), "negative"),
            (DOC.replace("\"database\"}", "\"moon\"}"), "not valid JSON"),
            (DOC[..40].to_owned(), "ends early"),
        ];
        for (text, expected) in cases {
            let err = from_json(&text).unwrap_err().to_string();
            assert!(err.contains(expected), "{expected}: {err}");
        }
    }

    #[test]
    fn a_large_document_names_its_first_unknown_node_in_order() {
        // Enough edges for their ends to be looked up on two threads, half each.
        let nodes = 300;
        let pairs: Vec<(usize, usize)> = (0..nodes)
            .flat_map(|s| (0..nodes).filter(move |&t| t != s).map(move |t| (s, t)))
            .take(60_000)
            .collect();
        assert!(pairs.len() >= crate::parallel::WORTH_A_THREAD);
        let doc = |unknown: &[(usize, &str)]| {
            let node_list: Vec<String> = (0..nodes)
                .map(|i| format!(r#"{{"id":"n{i}","name":"n{i}","kind":"service"}}"#))
                .collect();
            let edge_list: Vec<String> = pairs
                .iter()
                .enumerate()
                .map(|(i, &(s, t))| {
                    let target = unknown
                        .iter()
                        .find(|u| u.0 == i)
                        .map_or(format!("n{t}"), |u| u.1.to_owned());
                    format!(r#"{{"source":"n{s}","target":"{target}","requests_per_second":1}}"#)
                })
                .collect();
            format!(
                r#"{{"format":"svcgraph-graph","version":1,"nodes":[{}],"edges":[{}]}}"#,
                node_list.join(","),
                edge_list.join(",")
            )
        };
        assert_eq!(from_json(&doc(&[])).unwrap().edge_count(), pairs.len());
        for (unknown, named) in [
            (vec![(45_000, "ghost-late")], "ghost-late"),
            (
                vec![(20_000, "ghost-early"), (45_000, "ghost-late")],
                "ghost-early",
            ),
            (vec![(29_999, "ghost-a"), (30_000, "ghost-b")], "ghost-a"),
        ] {
            let err = from_json(&doc(&unknown)).unwrap_err().to_string();
            assert!(err.contains(&format!("`{named}`")), "{named}: {err}");
        }
    }
}
