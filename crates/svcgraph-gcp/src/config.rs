//! What a [`GcpSource`](crate::GcpSource) connects to: project, mode, credentials, endpoint.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use svcgraph_prometheus::RetryPolicy;

use crate::error::{Error, Result};

/// The Monitoring API's public endpoint, for both modes.
pub const DEFAULT_ENDPOINT: &str = "https://monitoring.googleapis.com";

/// The OAuth scope svcgraph asks for: read-only access to Cloud Monitoring.
pub const MONITORING_READ_SCOPE: &str = "https://www.googleapis.com/auth/monitoring.read";

/// Which of Google's two query APIs to read the metrics through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mode {
    /// Managed Service for Prometheus' PromQL endpoint (Monitoring API v1,
    /// `…/v1/projects/P/location/global/prometheus/api/v1/query`): the same queries, numbers
    /// and snapshots as any Prometheus server, latency included.
    #[default]
    Gmp,
    /// Cloud Monitoring API v3 `projects.timeSeries.list` over the metrics GMP stores as
    /// `prometheus.googleapis.com/<name>/counter` and `…/histogram`, aligned and summed by the
    /// API. See [`crate::monitoring`] for how its numbers can differ from PromQL's.
    CloudMonitoring,
}

impl Mode {
    /// `gmp` or `cloud-monitoring`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Gmp => "gmp",
            Mode::CloudMonitoring => "cloud-monitoring",
        }
    }
}

/// Where the Google credentials come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// Application Default Credentials: the file `GOOGLE_APPLICATION_CREDENTIALS` names,
    /// else gcloud's `~/.config/gcloud/application_default_credentials.json`, else the
    /// metadata server (GCE, GKE Workload Identity, Cloud Run; `GCE_METADATA_HOST` overrides
    /// its address).
    #[default]
    ApplicationDefault,
    /// A credentials file: a service-account key, or an `authorized_user` file as
    /// `gcloud auth application-default login` writes.
    File(PathBuf),
    /// No `Authorization` header at all: for an endpoint that authenticates by itself (a
    /// local proxy that adds credentials) and for tests.
    Anonymous,
}

/// Everything a [`GcpSource`](crate::GcpSource) needs.
#[derive(Clone, PartialEq, Eq)]
pub struct GcpConfig {
    /// The Google Cloud project whose metrics are read (its ID, e.g. `my-project-123`).
    pub project_id: String,
    /// GMP's PromQL endpoint or Cloud Monitoring v3.
    pub mode: Mode,
    /// Where the credentials come from.
    pub credentials: CredentialSource,
    /// The project billed for the API calls and whose quota they use (`x-goog-user-project`),
    /// when not the credentials' own.
    pub quota_project: Option<String>,
    /// Another address for the Monitoring API (Private Service Connect, a proxy, tests):
    /// scheme, host and port, e.g. `https://monitoring-myendpoint.p.googleapis.com`.
    pub endpoint: Option<String>,
    /// How long one request may take.
    pub timeout: Duration,
    /// When and how often a failed request is sent again (both modes).
    pub retry: RetryPolicy,
    /// The largest answer accepted from GMP's PromQL endpoint, in bytes (see
    /// [`ClientConfig::max_response_bytes`](svcgraph_prometheus::ClientConfig::max_response_bytes)).
    pub max_response_bytes: u64,
}

impl fmt::Debug for GcpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GcpConfig")
            .field("project_id", &self.project_id)
            .field("mode", &self.mode)
            .field("credentials", &self.credentials)
            .field("quota_project", &self.quota_project)
            .field("endpoint", &self.endpoint)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl GcpConfig {
    /// GMP mode for `project_id` with Application Default Credentials, the public endpoint,
    /// a 30 s timeout and the default [`RetryPolicy`].
    pub fn new(project_id: impl Into<String>) -> Self {
        GcpConfig {
            project_id: project_id.into(),
            mode: Mode::Gmp,
            credentials: CredentialSource::ApplicationDefault,
            quota_project: None,
            endpoint: None,
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            max_response_bytes: svcgraph_prometheus::ClientConfig::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Sets the mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets where the credentials come from.
    pub fn credentials(mut self, credentials: CredentialSource) -> Self {
        self.credentials = credentials;
        self
    }

    /// Sets the quota project.
    pub fn quota_project(mut self, project: impl Into<String>) -> Self {
        self.quota_project = Some(project.into());
        self
    }

    /// Sets another endpoint for the Monitoring API.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Sets the per-request timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the largest answer accepted from GMP's PromQL endpoint, in bytes.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// The endpoint in use, without a trailing slash.
    pub fn endpoint_or_default(&self) -> &str {
        self.endpoint
            .as_deref()
            .unwrap_or(DEFAULT_ENDPOINT)
            .trim()
            .trim_end_matches('/')
    }

    /// GMP's PromQL API base for this project:
    /// `<endpoint>/v1/projects/<project>/location/global/prometheus`.
    pub fn gmp_base_url(&self) -> Result<String> {
        check_project_id(&self.project_id)?;
        Ok(format!(
            "{}/v1/projects/{}/location/global/prometheus",
            self.endpoint_or_default(),
            self.project_id
        ))
    }
}

/// Checks that a project ID can go into a URL path as it is: letters, digits, `-`, and the
/// `.` and `:` of domain-scoped projects (`example.com:my-project`).
pub fn check_project_id(project: &str) -> Result<()> {
    let ok = !project.is_empty()
        && project.len() <= 100
        && project
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':'));
    if ok {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "`{}` is not a Google Cloud project ID (lower-case letters, digits and hyphens, e.g. my-project-123); `gcloud projects list` shows yours",
            project
                .chars()
                .take(100)
                .collect::<String>()
                .escape_default()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gmp_base_follows_the_endpoint() {
        let config = GcpConfig::new("my-project");
        assert_eq!(
            config.gmp_base_url().unwrap(),
            "https://monitoring.googleapis.com/v1/projects/my-project/location/global/prometheus"
        );
        let config = config.endpoint("http://127.0.0.1:8080/");
        assert_eq!(
            config.gmp_base_url().unwrap(),
            "http://127.0.0.1:8080/v1/projects/my-project/location/global/prometheus"
        );
    }

    #[test]
    fn project_ids_cannot_change_the_path() {
        for bad in ["", "a/b", "p?x=1", "p#f", "p q", "../x"] {
            let err = GcpConfig::new(bad).gmp_base_url().unwrap_err().to_string();
            assert!(err.contains("not a Google Cloud project ID"), "{err}");
        }
        check_project_id("example.com:my-project").unwrap();
    }
}
