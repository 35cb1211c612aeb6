//! `svcgraph-gcp`: service-graph metrics from Google Cloud, with Application Default
//! Credentials.
//!
//! Two modes behind one [`GcpSource`]:
//!
//! * [`Mode::Gmp`] (default): Managed Service for Prometheus' PromQL endpoint,
//!   `https://monitoring.googleapis.com/v1/projects/PROJECT/location/global/prometheus/api/v1/query`,
//!   through [`svcgraph_prometheus`]'s client — the same queries, escaping, retries,
//!   timeouts, schema detection and snapshots as for any Prometheus server, with a Google
//!   OAuth token (scope [`MONITORING_READ_SCOPE`]) asked for before each request;
//! * [`Mode::CloudMonitoring`]: Cloud Monitoring API v3 `projects.timeSeries.list` with
//!   `ALIGN_RATE`/`REDUCE_SUM` (see [`monitoring`] for the requests and for how its numbers
//!   can differ slightly from PromQL's `rate()`).
//!
//! Credentials ([`CredentialSource`]): Application Default Credentials
//! (`GOOGLE_APPLICATION_CREDENTIALS`, gcloud's ADC file, or the metadata server, whose address
//! `GCE_METADATA_HOST` overrides), a credentials file, or none; a quota project; and another
//! endpoint for Private Service Connect or tests. Every failure is an [`Error`] whose one-line
//! message says what to do (refresh ADC, grant `roles/monitoring.viewer`, enable the API, …).
//!
//! ```
//! use svcgraph_core::{query::GraphQuery, schema::Schema};
//! use svcgraph_gcp::{GcpConfig, Mode, monitoring};
//!
//! let config = GcpConfig::new("my-project").mode(Mode::Gmp);
//! assert_eq!(
//!     config.gmp_base_url()?,
//!     "https://monitoring.googleapis.com/v1/projects/my-project/location/global/prometheus"
//! );
//!
//! // What the cloud-monitoring mode asks for the seed recipe's metrics in one cluster:
//! let query = GraphQuery::default().with_cluster("prod");
//! let plan = monitoring::plan(&Schema::preset("gmp-beyla")?, &query)?;
//! assert!(plan[0].filter.contains(r#"resource.labels.cluster = "prod""#));
//! assert!(plan[0].group_by_fields.contains(&"metric.label.client".to_owned()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Fetching (needs credentials and Google, so not run here):
//!
//! ```no_run
//! use svcgraph_core::{query::GraphQuery, schema::Schema};
//! use svcgraph_gcp::{GcpConfig, GcpSource};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let source = GcpSource::connect(GcpConfig::new("my-project")).await?;
//! let schema = Schema::preset("gmp-beyla")?;
//! let query = GraphQuery::default().with_namespace("default");
//! let fetched = source.fetch(&schema, &query).await?;
//! println!("{} edges", fetched.build()?.graph.edge_count());
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod auth;
mod config;
mod error;
pub mod monitoring;
mod source;

pub use config::{
    CredentialSource, DEFAULT_ENDPOINT, GcpConfig, MONITORING_READ_SCOPE, Mode, check_project_id,
};
pub use error::{Error, Result};
pub use source::GcpSource;

/// The README's example, compiled as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
