//! One source interface over both modes.

use svcgraph_core::query::GraphQuery;
use svcgraph_core::schema::Schema;
use svcgraph_prometheus::{Client, ClientConfig, Fetched};

use crate::auth;
use crate::config::{GcpConfig, Mode};
use crate::error::{Error, Result};
use crate::monitoring::CloudMonitoring;

/// Service-graph metrics from one Google Cloud project, through GMP's PromQL endpoint or
/// Cloud Monitoring v3.
///
/// Cheap to clone. Needs a Tokio runtime: to be made (the Google credentials refresh their
/// tokens in a background task) and to fetch.
#[derive(Debug, Clone)]
pub struct GcpSource {
    config: GcpConfig,
    backend: Backend,
    shown: String,
}

#[derive(Debug, Clone)]
enum Backend {
    Gmp(Client),
    CloudMonitoring(CloudMonitoring),
}

impl GcpSource {
    /// Loads the credentials and prepares the connection. Sends nothing.
    #[allow(
        clippy::unused_async,
        reason = "async says it runs inside a Tokio runtime: the credentials start their refresh task there"
    )]
    pub async fn connect(config: GcpConfig) -> Result<Self> {
        if config.timeout.is_zero() {
            return Err(Error::Config("the timeout must be longer than zero".into()));
        }
        if config.retry.attempts == 0 {
            return Err(Error::Config(
                "the retry policy must allow at least one attempt".into(),
            ));
        }
        crate::config::check_project_id(&config.project_id)?;
        let endpoint = config.endpoint_or_default().to_owned();
        if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
            return Err(Error::Config(format!(
                "the endpoint `{}` needs http:// or https:// in front, e.g. https://monitoring.googleapis.com",
                svcgraph_prometheus::redact(&endpoint)
            )));
        }
        let credentials = auth::credentials(&config.credentials, config.quota_project.as_deref())?;
        let overridden = config.endpoint.is_some();
        // Both modes speak HTTP with svcgraph-prometheus' client: its retries, timeout and
        // response budget, and the Google token before every attempt.
        let base = match config.mode {
            Mode::Gmp => config.gmp_base_url()?,
            Mode::CloudMonitoring => endpoint.clone(),
        };
        let mut http = ClientConfig::new(base)
            .timeout(config.timeout)
            .retry(config.retry)
            .max_response_bytes(config.max_response_bytes);
        if let Some(source) = credentials.token_source() {
            http = http.token_source(source);
        }
        if let Some(project) = &config.quota_project {
            http = http.header("x-goog-user-project", project.as_str());
        }
        let client = Client::new(http)
            .map_err(|e| Error::from_prometheus(e, &config.project_id, overridden))?;
        let (backend, shown) = match config.mode {
            Mode::Gmp => {
                let shown = client.endpoint().to_owned();
                (Backend::Gmp(client), shown)
            }
            Mode::CloudMonitoring => {
                // An endpoint with credentials or a query shows neither in messages.
                let shown = svcgraph_prometheus::redact(&format!(
                    "{endpoint}/v3/projects/{}/timeSeries",
                    config.project_id
                ));
                let cm = CloudMonitoring {
                    client,
                    project: config.project_id.clone(),
                    url: shown.clone(),
                    endpoint_overridden: overridden,
                };
                (Backend::CloudMonitoring(cm), shown)
            }
        };
        Ok(GcpSource {
            config,
            backend,
            shown,
        })
    }

    /// The mode in use.
    pub fn mode(&self) -> Mode {
        self.config.mode
    }

    /// The project read.
    pub fn project_id(&self) -> &str {
        &self.config.project_id
    }

    /// The endpoint, as shown in messages.
    pub fn endpoint(&self) -> &str {
        &self.shown
    }

    /// The PromQL client in GMP mode, for anything else PromQL can do.
    pub fn prometheus_client(&self) -> Option<&Client> {
        match &self.backend {
            Backend::Gmp(client) => Some(client),
            Backend::CloudMonitoring(_) => None,
        }
    }

    /// Runs every query `schema` plans for `query` at one instant (the query's `at`, else
    /// now), like [`svcgraph_prometheus::fetch`]: the parsed results and a snapshot that
    /// `svcgraph render --input` replays offline. In Cloud Monitoring mode the snapshot's
    /// responses are Prometheus-shaped vectors built from the time series, and each entry's
    /// `promql` field describes the list request instead.
    pub async fn fetch(&self, schema: &Schema, query: &GraphQuery) -> Result<Fetched> {
        match &self.backend {
            Backend::Gmp(client) => svcgraph_prometheus::fetch(client, schema, query)
                .await
                .map_err(|e| self.prometheus_error(e)),
            Backend::CloudMonitoring(cm) => cm.fetch(schema, query).await,
        }
    }

    /// [`GcpSource::fetch`] and the data-quality report's queries too
    /// ([`svcgraph_prometheus::fetch_with_quality`]) in GMP mode, whose PromQL endpoint
    /// answers them; Cloud Monitoring mode fetches the graph's queries only, and the report
    /// lists those checks as not measured.
    pub async fn fetch_with_quality(&self, schema: &Schema, query: &GraphQuery) -> Result<Fetched> {
        match &self.backend {
            Backend::Gmp(client) => svcgraph_prometheus::fetch_with_quality(client, schema, query)
                .await
                .map_err(|e| self.prometheus_error(e)),
            Backend::CloudMonitoring(cm) => cm.fetch(schema, query).await,
        }
    }

    /// Which preset's metrics the project holds. GMP mode asks one PromQL query
    /// ([`svcgraph_prometheus::detect_schema`]); Cloud Monitoring mode has no such query and
    /// answers `None`.
    pub async fn detect_schema(&self, query: &GraphQuery) -> Result<Option<Schema>> {
        match &self.backend {
            Backend::Gmp(client) => svcgraph_prometheus::detect_schema(client, query)
                .await
                .map_err(|e| self.prometheus_error(e)),
            Backend::CloudMonitoring(_) => Ok(None),
        }
    }

    fn prometheus_error(&self, error: svcgraph_prometheus::Error) -> Error {
        Error::from_prometheus(
            error,
            &self.config.project_id,
            self.config.endpoint.is_some(),
        )
    }
}
