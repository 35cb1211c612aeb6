//! `svcgraph-prometheus`: service-graph metrics from any Prometheus-compatible HTTP API —
//! Prometheus, Thanos, Mimir, Cortex, VictoriaMetrics.
//!
//! * [`ClientConfig`] and [`Client`]: base URL (path prefixes kept), bearer or basic auth,
//!   extra headers such as `X-Scope-OrgID`, a custom CA, a per-request timeout and a
//!   [`RetryPolicy`]; [`Client::query`] runs one instant query;
//! * [`fetch`]: every query a [`Schema`](svcgraph_core::schema::Schema) plans, run
//!   concurrently, returned as parsed results and as a replayable
//!   [`Snapshot`](svcgraph_core::input::Snapshot);
//! * [`detect_schema`]: which producer's metrics the server holds, in one query.
//!
//! Every error is an [`Error`] whose message names the URL and what to check.
//!
//! ```
//! use std::time::Duration;
//! use svcgraph_prometheus::{Client, ClientConfig, RetryPolicy};
//!
//! let config = ClientConfig::new("https://mimir.example/prometheus/")
//!     .bearer_token("…")
//!     .header("X-Scope-OrgID", "team-a")
//!     .timeout(Duration::from_secs(10))
//!     .retry(RetryPolicy::default().with_attempts(2));
//! let client = Client::new(config)?;
//! assert_eq!(client.endpoint(), "https://mimir.example/prometheus/api/v1/query");
//! # Ok::<(), svcgraph_prometheus::Error>(())
//! ```
//!
//! Fetching and drawing (needs a server, so not run here):
//!
//! ```no_run
//! use svcgraph_core::{query::GraphQuery, render, schema::Schema};
//! use svcgraph_prometheus::{Client, ClientConfig, fetch};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(ClientConfig::new("http://localhost:9090"))?;
//! let schema = Schema::preset("servicegraph")?;
//! let query = GraphQuery::default().with_namespace("shop");
//! let fetched = fetch(&client, &schema, &query).await?;
//! std::fs::write("snapshot.json", serde_json::to_string(&fetched.snapshot)?)?;
//! let built = fetched.build()?;
//! println!("{}", render::dot::to_dot(&built.graph, &Default::default()));
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod client;
mod config;
mod detect;
mod error;
mod fetch;

pub use client::Redirect;
pub use client::{Budget, Client, MAX_GET_URL_BYTES, QueryResponse};
pub use config::{
    Auth, ClientConfig, RetryPolicy, TokenFuture, TokenSource, redact, scrub_credentials,
};
pub use detect::{detect_schema, detection_promql};
pub use error::{Error, Result};
pub use fetch::{Fetched, fetch, fetch_with_quality};

/// The README's example, compiled as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
