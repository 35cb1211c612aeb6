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
//! * [`transform`] — filter, focus, aggregate, prune;
//! * [`diff`] — one graph of two moments: new, gone and changed edges;
//! * [`layout`] — our layered layout, for any graph;
//! * [`render`] — SVG, DOT and JSON;
//! * [`input`] — recognising a saved response, snapshot or graph document.
//!
//! ```
//! use svcgraph_core::{render, schema::{QueryResults, Schema}, series::SeriesSet};
//!
//! let response = br#"{"status":"success","data":{"resultType":"vector","result":[
//!   {"metric":{"client":"root","client_address":"10.4.2.54",
//!              "server":"child1","server_address":"10.4.1.85"},
//!    "value":[1700000000,"9.7341795580096"]}]}}"#;
//! let schema = Schema::preset("gmp-beyla")?;
//! let built = schema.build(&QueryResults::from_requests(SeriesSet::from_json(response)?))?;
//! assert_eq!((built.graph.node_count(), built.graph.edge_count()), (2, 1));
//!
//! let dot = render::dot::to_dot(&built.graph, &Default::default());
//! assert!(dot.contains(r#""10.4.2.54" -> "10.4.1.85" [label="9.73 req/s""#));
//! # Ok::<(), svcgraph_core::Error>(())
//! ```
#![warn(missing_docs)]

pub mod diff;
mod error;
pub mod input;
pub mod layout;
pub mod model;
pub mod query;
pub mod render;
pub mod schema;
pub mod series;
pub mod transform;

pub use error::{Error, Result, Suggestions};
pub use model::{Edge, Latency, Node, NodeKind, ServiceGraph};
