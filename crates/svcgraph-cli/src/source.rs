//! Asking a Prometheus-compatible server: the client from the command line, times, and one
//! fetch per moment.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use svcgraph_core::ServiceGraph;
use svcgraph_core::query::{EvalTime, GraphQuery, Window};
use svcgraph_core::schema::Schema;
use svcgraph_prometheus::{Client, ClientConfig, Fetched, RetryPolicy};

use crate::args::{PrometheusArgs, TimeArgs};

/// A client for `--url` and the connection flags.
pub fn client(args: &PrometheusArgs) -> Result<Client> {
    let Some(url) = &args.url else {
        bail!("give the server's address with --url (or SVCGRAPH_PROMETHEUS_URL)");
    };
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        bail!("--timeout must be a positive number of seconds");
    }
    if args.attempts == 0 {
        bail!("--attempts must be at least 1");
    }
    let mut config = ClientConfig::new(url.as_str())
        .timeout(Duration::from_secs_f64(args.timeout))
        .retry(RetryPolicy {
            attempts: args.attempts,
            ..RetryPolicy::default()
        })
        .insecure(args.insecure);
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
    if let Ok(ago) = text.parse::<Window>() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .context("the system clock is before 1970")?;
        let millis = i64::try_from(now.as_millis()).unwrap_or(i64::MAX);
        let ago = i64::try_from(ago.as_millis()).unwrap_or(i64::MAX);
        return Ok(EvalTime::from_unix_millis(millis.saturating_sub(ago)));
    }
    Ok(text.parse::<EvalTime>()?)
}

/// The query's window and time from the flags.
pub fn apply_time(query: &mut GraphQuery, time: &TimeArgs) -> Result<()> {
    if let Some(window) = &time.window {
        query.window = window.parse::<Window>()?;
    }
    query.at = time.at.as_deref().map(parse_time).transpose()?;
    Ok(())
}

/// The schema to ask with: the one named, or the preset whose metrics the server holds.
pub async fn choose_schema(
    client: &Client,
    named: Option<Schema>,
    query: &GraphQuery,
) -> Result<(Schema, bool)> {
    if let Some(schema) = named {
        return Ok((schema, false));
    }
    match svcgraph_prometheus::detect_schema(client, query).await? {
        Some(schema) => Ok((schema, true)),
        None => bail!(
            "{} holds no service-graph metrics svcgraph knows{}; name a schema with --schema (see `svcgraph schemas`)",
            client.endpoint(),
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
    pub warnings: Vec<String>,
    pub took: Duration,
}

/// Fetches and builds the graph of one moment.
pub async fn moment(client: &Client, schema: &Schema, query: &GraphQuery) -> Result<Moment> {
    let start = Instant::now();
    let fetched = svcgraph_prometheus::fetch(client, schema, query).await?;
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
