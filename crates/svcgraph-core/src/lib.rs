//! `svcgraph-core`: service-graph metrics in, a typed graph and its pictures out.
//!
//! The data flows one way, one module per step, and nothing here does I/O:
//!
//! * [`query`] — filters, window and time, and their escaped PromQL spelling;
//! * [`schema`] — one producer's metric names and labels: plans the PromQL and maps results
//!   onto the edge model (presets for GMP + Beyla, the `servicegraph` connector, Beyla, Istio,
//!   Linkerd, or your own from TOML);
//! * [`series`] — Prometheus API responses to labelled samples;
//! * [`model`] — [`ServiceGraph`], typed [`Node`]s and [`Edge`]s on petgraph;
//! * [`naming`] — rules that name IP peers, rename and merge nodes, before the transforms;
//! * [`transform`] — filter, focus, aggregate, prune;
//! * [`diff`] — one graph of two moments: new, gone and changed edges;
//! * [`check`] — the graph against a declared architecture (rules or a Backstage catalog);
//! * [`quality`] — the data-quality report: IP-named, unknown and virtual peers, the
//!   connector's own counters, one-sided calls, namespace variants, vanished series;
//! * [`layout`] — our layered layout, for any graph;
//! * [`render`] — SVG, DOT, JSON, an interactive HTML page, Mermaid and Markdown;
//! * [`input`] and [`load`](mod@load) — recognising a saved response, snapshot or graph
//!   document, and the one call that reads it;
//! * [`Warning`] — what a caller should hear about, returned rather than printed.
//!
//! One call reads a saved input — a Prometheus `/api/v1/query` response, a svcgraph snapshot
//! or a graph document — and tells which it was, which schema mapped it, and what to warn
//! about ([`load()`], [`load_with`]); the renderers draw the result:
//!
//! ```
//! # #[cfg(feature = "full")]
//! # fn main() -> svcgraph_core::Result<()> {
//! use svcgraph_core::{Direction, SvgOptions, load, render::svg::to_svg};
//!
//! let response = br#"{"status":"success","data":{"resultType":"vector","result":[
//!   {"metric":{"client":"root","client_address":"10.4.2.54",
//!              "server":"child1","server_address":"10.4.1.85"},
//!    "value":[1700000000,"9.7341795580096"]}]}}"#;
//! let loaded = load(response)?;
//! assert_eq!(loaded.schema.as_ref().map(|s| s.schema.name.as_str()), Some("gmp-beyla"));
//! assert!(loaded.warnings.is_empty());
//! let graph = &loaded.graph;
//! assert_eq!((graph.node_count(), graph.edge_count()), (2, 1));
//!
//! let mut options = SvgOptions::default();
//! options.direction = Direction::TopToBottom;
//! let svg = to_svg(graph, &options);
//! assert!(svg.to_string().starts_with("<svg"));
//! let dot = svcgraph_core::render::dot::to_dot(graph, &Default::default());
//! assert!(dot.contains(r#""10.4.2.54" -> "10.4.1.85" [label="9.73 req/s""#));
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "full"))]
//! # fn main() {}
//! ```
//!
//! The README's quick start is compiled and run as a test too.
//!
//! ## Features
//!
//! `full` (on by default) brings everything that reads metrics ([`query`], [`schema`],
//! [`series`], [`load()`]), naming rules, `check`, the data-quality report and the interactive
//! page, with the crates only they need (regex, jiff, toml, YAML, sha2). With
//! `default-features = false` the crate is the graph model, the transforms that need no
//! pattern matching, the layout, the SVG, DOT, Mermaid and Markdown renderers and the graph
//! document: what the page's WebAssembly engine (`crates/svcgraph-wasm`) is built from.
//!
//! ```
//! use svcgraph_core::{SvgOptions, render::json::from_json, render::svg::to_svg};
//!
//! let graph = from_json(r#"{"format":"svcgraph-graph","version":1,
//!   "nodes":[{"id":"front","name":"front","kind":"service"},
//!            {"id":"cart","name":"cart","kind":"service"}],
//!   "edges":[{"source":"front","target":"cart","requests_per_second":12.5}]}"#)?;
//! let svg = to_svg(&graph, &SvgOptions::default());
//! assert_eq!(svg.layout.stats.nodes, 2);
//! # Ok::<(), svcgraph_core::Error>(())
//! ```
//!
//! ## Growing without breaking you
//!
//! Option structs ([`SvgOptions`], [`DotOptions`], [`HtmlOptions`], [`LiveOptions`],
//! [`layout::LayoutOptions`], [`diff::Thresholds`], [`query::GraphQuery`], [`LoadOptions`],
//! [`Filter`]), the records the library returns (layout, statistics, diffs, plans) and the
//! enums that may gain a case are `#[non_exhaustive]`: start an option struct from
//! `Default::default()` (or [`query::GraphQuery`]'s `with_*` methods) and set its fields, read
//! returned records by field, and give a `match` on such an enum a `_` arm. New fields and
//! cases then arrive in minor versions.
//!
//! ## Types from other crates
//!
//! Two dependencies show in the public API, and are re-exported so that you can name their
//! types at the version this crate uses:
//!
//! * [`petgraph`] 0.8: [`ServiceGraph::graph`] lends the underlying
//!   `petgraph::graph::DiGraph<Node, Edge>`, and `NodeIndex`/`EdgeIndex` are the handles of
//!   [`ServiceGraph::upsert_node`], [`ServiceGraph::sorted_nodes`], [`ServiceGraph::subgraph`]
//!   and friends;
//! * [`regex`] 1: [`transform::Filter`] holds its name patterns as `regex::Regex`.
//!
//! Everything else in the API is this crate's own (or `std`'s).
#![warn(missing_docs)]

#[cfg(feature = "full")]
pub mod check;
pub mod diff;
mod error;
#[cfg(feature = "full")]
pub mod input;
pub mod layout;
#[cfg(feature = "full")]
pub mod load;
pub mod model;
#[cfg(feature = "full")]
pub mod naming;
mod parallel;
#[cfg(feature = "full")]
pub mod quality;
#[cfg(feature = "full")]
pub mod query;
pub mod render;
#[cfg(feature = "full")]
pub mod schema;
#[cfg(feature = "full")]
pub mod series;
pub mod transform;
#[cfg(feature = "full")]
mod warning;

pub use petgraph;
#[cfg(feature = "full")]
pub use regex;

pub use diff::Thresholds;
pub use error::{Error, Result, Suggestions};
#[cfg(feature = "full")]
pub use input::Snapshot;
pub use layout::{Direction, LayoutHint, LayoutStats};
#[cfg(feature = "full")]
pub use load::{
    InputKind, LoadOptions, Loaded, SchemaChoice, SchemaSource, load, load_series, load_with,
};
pub use model::{Edge, Latency, Node, NodeKind, ServiceGraph, counted};
#[cfg(feature = "full")]
pub use query::{EvalTime, GraphQuery, LabelMatcher, Window};
pub use render::Grouping;
pub use render::dot::DotOptions;
#[cfg(feature = "full")]
pub use render::html::{HtmlOptions, LiveOptions};
pub use render::svg::{EdgeLabels, Svg, SvgOptions};
#[cfg(feature = "full")]
pub use schema::{Built, QueryResults, Schema};
#[cfg(feature = "full")]
pub use series::{Sample, SeriesSet};
pub use transform::{Filter, FocusDirection};
#[cfg(feature = "full")]
pub use warning::{LeftOutReason, Warning};

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(all(doctest, feature = "full"))]
pub struct ReadmeDoctests;
