//! Google Cloud: Managed Service for Prometheus's PromQL endpoint (`from_gmp`) and the Cloud
//! Monitoring API (`from_cloud_monitoring`), with Application Default Credentials.

// Text arguments arrive as `String`: pyo3 can lend `&str` only on Python 3.10+ under abi3,
// and the wheel supports 3.9.
#![allow(clippy::needless_pass_by_value)]

use std::path::PathBuf;

use pyo3::prelude::*;
use svcgraph_core::schema::Schema;
use svcgraph_gcp::{CredentialSource, GcpConfig, GcpSource, Mode};

use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::options;
use crate::source::{block_on, fetched_graph, server_query};

/// Where and how to ask Google, from the keyword arguments.
struct Google {
    project: String,
    credentials_file: Option<PathBuf>,
    quota_project: Option<String>,
    endpoint: Option<String>,
    timeout: f64,
}

impl Google {
    fn config(self, mode: Mode) -> Result<GcpConfig> {
        let mut config = GcpConfig::new(self.project)
            .mode(mode)
            .timeout(options::timeout(self.timeout)?);
        if let Some(path) = self.credentials_file {
            config = config.credentials(CredentialSource::File(path));
        }
        if let Some(project) = self.quota_project {
            config = config.quota_project(project);
        }
        if let Some(endpoint) = self.endpoint {
            config = config.endpoint(endpoint);
        }
        Ok(config)
    }
}

/// Connects, chooses the schema and fetches, with the GIL released; Ctrl-C interrupts.
fn fetch(
    py: Python<'_>,
    mode: Mode,
    google: Google,
    schema: &str,
    query: svcgraph_core::query::GraphQuery,
) -> PyResult<Graph> {
    let named = options::schema(schema)?;
    let config = google.config(mode)?;
    let fetched = block_on(py, async move {
        let source = GcpSource::connect(config).await?;
        let schema = match named {
            Some(schema) => schema,
            // Cloud Monitoring has no cheap query across metrics: the GMP recipe's schema.
            None if mode == Mode::CloudMonitoring => Schema::preset("gmp-beyla")?,
            None => source.detect_schema(&query).await?.ok_or_else(|| {
                Error::Source(format!(
                    "project {} holds no service-graph metrics svcgraph knows{}; pass schema= a preset name or a schema file",
                    source.project_id(),
                    if query.cluster.is_some() { " in that cluster" } else { "" }
                ))
            })?,
        };
        Ok::<_, Error>(source.fetch(&schema, &query).await?)
    })??;
    fetched_graph(py, fetched)
}

/// The service graph in Google Cloud Managed Service for Prometheus, read through its
/// PromQL endpoint (`monitoring.googleapis.com/v1/projects/PROJECT/location/global/prometheus`).
///
/// Credentials are Application Default Credentials (`GOOGLE_APPLICATION_CREDENTIALS`, the
/// file `gcloud auth application-default login` writes, or the metadata server on GKE and
/// GCE), or the key file `credentials_file`; the account needs `roles/monitoring.viewer` on
/// the project. `quota_project` bills the quota to another project; `endpoint` replaces
/// `https://monitoring.googleapis.com` (Private Service Connect, tests). `schema`, `cluster`,
/// `namespace`, `window`, `at` and `filters` work as in `from_prometheus`. The GIL is
/// released while waiting, and Ctrl-C interrupts the wait.
///
/// Raises `AuthError` when there are no credentials or they lack the permission,
/// `SourceError` when the API is disabled, the quota exhausted, the project unknown, a
/// request timed out or the answer is unusable, `QueryError` when a query is rejected, and
/// `InputError` for a bad argument.
///
/// Example:
///
/// ```python
/// >>> g = svcgraph.from_gmp("my-project", cluster="prod", namespace="shop")
/// >>> g.schema
/// 'gmp-beyla'
/// ```
#[pyfunction]
#[pyo3(
    signature = (
    project, *, schema = "auto".to_owned(), cluster = None, namespace = None, window = None,
    at = None, filters = None, credentials_file = None, quota_project = None, endpoint = None,
    timeout = 30.0
),
    text_signature = "(project, *, schema='auto', cluster=None, namespace=None, window='5m', at=None, filters=None, credentials_file=None, quota_project=None, endpoint=None, timeout=30.0)"
)]
#[allow(clippy::too_many_arguments)]
pub fn from_gmp(
    py: Python<'_>,
    project: String,
    schema: String,
    cluster: Option<String>,
    namespace: Option<String>,
    window: Option<&Bound<'_, PyAny>>,
    at: Option<&Bound<'_, PyAny>>,
    filters: Option<&Bound<'_, PyAny>>,
    credentials_file: Option<PathBuf>,
    quota_project: Option<String>,
    endpoint: Option<String>,
    timeout: f64,
) -> PyResult<Graph> {
    let query = server_query(cluster, namespace, window, at, filters)?;
    let google = Google {
        project,
        credentials_file,
        quota_project,
        endpoint,
        timeout,
    };
    fetch(py, Mode::Gmp, google, &schema, query)
}

/// The service graph from the Cloud Monitoring API v3 (`list_time_series` on the
/// `prometheus.googleapis.com/...` metrics GMP stores), for projects where the PromQL
/// endpoint is not an option. Rates come from Cloud Monitoring's `ALIGN_RATE` over alignment
/// periods (at least 60 s), so they can differ slightly from PromQL's `rate()`.
///
/// `schema="auto"` means `gmp-beyla`, the schema of the GMP recipe (this API has no cheap
/// query to tell producers apart). Everything else, errors included, works as in `from_gmp`.
///
/// Example:
///
/// ```python
/// >>> g = svcgraph.from_cloud_monitoring("my-project", cluster="prod", window="10m")
/// ```
#[pyfunction]
#[pyo3(
    signature = (
    project, *, schema = "auto".to_owned(), cluster = None, namespace = None, window = None,
    at = None, filters = None, credentials_file = None, quota_project = None, endpoint = None,
    timeout = 30.0
),
    text_signature = "(project, *, schema='auto', cluster=None, namespace=None, window='5m', at=None, filters=None, credentials_file=None, quota_project=None, endpoint=None, timeout=30.0)"
)]
#[allow(clippy::too_many_arguments)]
pub fn from_cloud_monitoring(
    py: Python<'_>,
    project: String,
    schema: String,
    cluster: Option<String>,
    namespace: Option<String>,
    window: Option<&Bound<'_, PyAny>>,
    at: Option<&Bound<'_, PyAny>>,
    filters: Option<&Bound<'_, PyAny>>,
    credentials_file: Option<PathBuf>,
    quota_project: Option<String>,
    endpoint: Option<String>,
    timeout: f64,
) -> PyResult<Graph> {
    let query = server_query(cluster, namespace, window, at, filters)?;
    let google = Google {
        project,
        credentials_file,
        quota_project,
        endpoint,
        timeout,
    };
    fetch(py, Mode::CloudMonitoring, google, &schema, query)
}
