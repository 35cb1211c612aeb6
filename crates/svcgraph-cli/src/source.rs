//! Asking a server — a Prometheus-compatible API, or Google Cloud (GMP's PromQL endpoint or
//! Cloud Monitoring): the client from the command line, times, and one fetch per moment.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use svcgraph_core::ServiceGraph;
use svcgraph_core::query::{EvalTime, GraphQuery, Window};
use svcgraph_core::schema::Schema;
use svcgraph_gcp::{CredentialSource, GcpConfig, GcpSource, Mode};
use svcgraph_prometheus::{Client, ClientConfig, Fetched, RetryPolicy};

use crate::args::{GcpArgs, PrometheusArgs, TimeArgs};

/// A server to fetch from.
#[allow(
    clippy::large_enum_variant,
    reason = "one per command, made once; boxing would only add an indirection"
)]
pub enum Server {
    Prometheus(Client),
    Gcp(GcpSource),
}

impl Server {
    /// The address shown in notes and messages.
    pub fn endpoint(&self) -> &str {
        match self {
            Server::Prometheus(client) => client.endpoint(),
            Server::Gcp(source) => source.endpoint(),
        }
    }

    /// The graph's queries, and with `quality` the data-quality report's (Prometheus and
    /// GMP; Cloud Monitoring answers the graph's only).
    async fn fetch(&self, schema: &Schema, query: &GraphQuery, quality: bool) -> Result<Fetched> {
        Ok(match self {
            Server::Prometheus(client) if quality => {
                svcgraph_prometheus::fetch_with_quality(client, schema, query).await?
            }
            Server::Prometheus(client) => svcgraph_prometheus::fetch(client, schema, query).await?,
            Server::Gcp(source) if quality => source.fetch_with_quality(schema, query).await?,
            Server::Gcp(source) => source.fetch(schema, query).await?,
        })
    }

    async fn detect_schema(&self, query: &GraphQuery) -> Result<Option<Schema>> {
        Ok(match self {
            Server::Prometheus(client) => svcgraph_prometheus::detect_schema(client, query).await?,
            Server::Gcp(source) => source.detect_schema(query).await?,
        })
    }
}

/// The per-request timeout and retry policy of `--timeout` and `--attempts`.
fn limits(args: &PrometheusArgs) -> Result<(Duration, RetryPolicy)> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        bail!("--timeout must be a positive number of seconds");
    }
    if args.attempts == 0 {
        bail!("--attempts must be at least 1");
    }
    Ok((
        Duration::from_secs_f64(args.timeout),
        RetryPolicy::default().with_attempts(args.attempts),
    ))
}

/// A Google Cloud source for `--project-id` and the Google flags. Must run inside the
/// runtime: the Google credentials refresh their tokens in a background task.
pub async fn gcp_source(mode: Mode, gcp: &GcpArgs, limits_from: &PrometheusArgs) -> Result<Server> {
    let Some(project) = &gcp.project_id else {
        bail!(
            "give the Google Cloud project with --project-id (or GOOGLE_CLOUD_PROJECT); `gcloud projects list` shows yours"
        );
    };
    let (timeout, retry) = limits(limits_from)?;
    let mut config = GcpConfig::new(project.as_str())
        .mode(mode)
        .timeout(timeout)
        .retry(retry)
        .max_response_bytes(
            limits_from
                .max_response_size
                .unwrap_or(PrometheusArgs::DEFAULT_MAX_RESPONSE_SIZE),
        );
    if let Some(path) = &gcp.credentials_file {
        config = config.credentials(CredentialSource::File(path.clone()));
    }
    if let Some(quota) = &gcp.quota_project {
        config = config.quota_project(quota.as_str());
    }
    if let Some(endpoint) = &gcp.endpoint {
        config = config.endpoint(endpoint.as_str());
    }
    Ok(Server::Gcp(GcpSource::connect(config).await?))
}

/// A client for `--url` and the connection flags.
pub fn client(args: &PrometheusArgs) -> Result<Client> {
    let Some(url) = &args.url else {
        bail!("give the server's address with --url (or SVCGRAPH_PROMETHEUS_URL)");
    };
    let (timeout, retry) = limits(args)?;
    let mut config = ClientConfig::new(url.as_str())
        .timeout(timeout)
        .retry(retry)
        .insecure(args.insecure)
        .max_response_bytes(
            args.max_response_size
                .unwrap_or(PrometheusArgs::DEFAULT_MAX_RESPONSE_SIZE),
        );
    if let Some(token) = &args.bearer_token {
        config = config.bearer_token(token.as_str());
    }
    if let Some(pair) = &args.basic_auth {
        let (user, password) = match pair.split_once(':') {
            Some((user, password)) => (user, Some(password.to_owned())),
            None => (pair.as_str(), None),
        };
        config = config.basic_auth(user, password);
    }
    for header in &args.headers {
        let Some((name, value)) = header.split_once(':') else {
            bail!("--header `{header}` is not `Name: value`");
        };
        config = config.header(name.trim(), value.trim());
    }
    if let Some(ca) = &args.ca_file {
        config = config.ca_file(ca);
    }
    Ok(Client::new(config)?)
}

/// A single-threaded runtime: the queries of one fetch run concurrently on it.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the network runtime")
}

/// RFC 3339, Unix seconds, or a duration ago (`1h`, `2d`).
pub fn parse_time(text: &str) -> Result<EvalTime> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the system clock is before 1970")?;
    let now = EvalTime::from_unix_millis(i64::try_from(now.as_millis()).unwrap_or(i64::MAX));
    Ok(EvalTime::parse_or_ago(text, now)?)
}

/// The query's window and time from the flags.
pub fn apply_time(query: &mut GraphQuery, time: &TimeArgs) -> Result<()> {
    if let Some(window) = &time.window {
        query.window = window.parse::<Window>()?;
    }
    query.at = time.at.as_deref().map(parse_time).transpose()?;
    Ok(())
}

/// The schema to ask with: the one named, or the preset whose metrics the server holds; with
/// a note to show when it was not named.
pub async fn choose_schema(
    server: &Server,
    named: Option<Schema>,
    query: &GraphQuery,
) -> Result<(Schema, Option<String>)> {
    if let Some(schema) = named {
        return Ok((schema, None));
    }
    if let Server::Gcp(source) = server
        && source.mode() == Mode::CloudMonitoring
    {
        // Cloud Monitoring has no cheap query over several metrics' labels: take the
        // schema of the GMP recipe, whose metrics this mode is made for.
        let schema = Schema::preset("gmp-beyla")?;
        let note = format!(
            "schema `{}` (cloud-monitoring mode does not detect schemas; choose another with --schema)",
            schema.name
        );
        return Ok((schema, Some(note)));
    }
    match server.detect_schema(query).await? {
        Some(schema) => {
            let note = format!(
                "schema `{}`: its metrics are on the server (choose another with --schema)",
                schema.name
            );
            Ok((schema, Some(note)))
        }
        None => bail!(
            "{} holds no service-graph metrics svcgraph knows{}; name a schema with --schema (see `svcgraph schemas`)",
            server.endpoint(),
            if query.cluster.is_some() {
                " in that cluster"
            } else {
                ""
            }
        ),
    }
}

/// One fetch and its graph, with the time it took.
pub struct Moment {
    pub fetched: Fetched,
    pub graph: ServiceGraph,
    pub warnings: Vec<svcgraph_core::Warning>,
    pub took: Duration,
}

impl Moment {
    /// The redirects the server answered with, one line each.
    pub fn redirects(&self) -> Vec<String> {
        self.fetched
            .redirects
            .iter()
            .map(ToString::to_string)
            .collect()
    }
}

/// Fetches and builds the graph of one moment; with `quality`, the data-quality report's
/// queries too.
pub async fn moment(
    server: &Server,
    schema: &Schema,
    query: &GraphQuery,
    quality: bool,
) -> Result<Moment> {
    let start = Instant::now();
    let fetched = server.fetch(schema, query, quality).await?;
    let built = fetched.build()?;
    Ok(Moment {
        took: start.elapsed(),
        graph: built.graph,
        warnings: built.warnings,
        fetched,
    })
}

/// The snapshot as the JSON file `render --input` reads.
pub fn snapshot_json(fetched: &Fetched) -> Result<String> {
    let mut text =
        serde_json::to_string_pretty(&fetched.snapshot).context("cannot write the snapshot")?;
    text.push('\n');
    Ok(text)
}
