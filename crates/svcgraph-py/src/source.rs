//! Where graphs come from: a saved input (`load`), series already in hand (`from_samples`),
//! or a Prometheus-compatible server (`from_prometheus`). Each mirrors what `svcgraph render`
//! does with the same input.

// Text arguments arrive as `String`: pyo3 can lend `&str` only on Python 3.10+ under abi3,
// and the wheel supports 3.9.
#![allow(clippy::needless_pass_by_value)]

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use svcgraph_core::query::{GraphQuery, QueryPurpose};
use svcgraph_core::schema::QueryResults;
use svcgraph_core::series::{Sample, SeriesSet};
use svcgraph_core::{LoadOptions, Loaded};
use svcgraph_prometheus::{Client, ClientConfig, Fetched, RetryPolicy};

use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::options;

/// How often a wait on the network lets Python handle a pending signal (Ctrl-C).
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// A graph of what the core loaded, named after its schema, with its warnings as lines.
fn loaded_graph(loaded: Loaded) -> Graph {
    Graph::new(
        loaded.graph,
        loaded.schema.map(|choice| choice.schema.name),
        loaded.warnings.iter().map(ToString::to_string).collect(),
    )
    .with_window(loaded.window)
}

/// What `load` was given.
enum Source {
    Bytes(Vec<u8>),
    File(PathBuf),
}

fn source_of(value: &Bound<'_, PyAny>) -> Result<Source> {
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(Source::Bytes(bytes.as_bytes().to_vec()));
    }
    if let Ok(text) = value.cast::<PyString>() {
        let text = text.to_cow()?;
        // JSON documents start with an object (or, for a wrong one, an array); file names
        // practically never do. Blank text is an empty input, not a file name.
        let trimmed = text.trim_start();
        return Ok(if trimmed.is_empty() || trimmed.starts_with(['{', '[']) {
            Source::Bytes(text.as_bytes().to_vec())
        } else {
            Source::File(PathBuf::from(text.as_ref()))
        });
    }
    value.extract::<PathBuf>().map(Source::File).map_err(|_| {
        Error::Python(pyo3::exceptions::PyTypeError::new_err(format!(
            "load() takes a path (str or os.PathLike) or JSON (str or bytes), not {}",
            value
                .get_type()
                .name()
                .map_or_else(|_| "this".to_owned(), |n| n.to_string())
        )))
    })
}

/// Reads a saved input: a Prometheus API response, a svcgraph snapshot or a graph document.
///
/// `source` is a file path (`str` or `os.PathLike`), or the JSON itself (`bytes`, or a `str`
/// starting with `{`). The kind of document is recognised like `svcgraph render --input`
/// does. `schema="auto"` uses a snapshot's own schema, else the preset whose labels fit the
/// series; a preset name or a schema file (TOML, or JSON by extension) overrides that.
/// `cluster` and `filters` keep only matching series (they do not apply to a graph document,
/// which has no series left: use `Graph.filter` there). A file that cannot be read raises what
/// `open` would: `FileNotFoundError`, `PermissionError`, `IsADirectoryError`, …; input svcgraph
/// cannot use (not one of those documents, no schema fits, a bad filter) raises `InputError`,
/// a saved response of a failed query `QueryError`, and a `source` of another type
/// `TypeError`.
///
/// Example:
///
/// ```python
/// >>> import svcgraph
/// >>> g = svcgraph.load("crates/svcgraph-core/tests/fixtures/seed.json")
/// >>> len(g), len(g.edges), g.schema
/// (4, 3, 'gmp-beyla')
/// ```
#[pyfunction]
#[pyo3(
    signature = (source, *, schema = "auto".to_owned(), cluster = None, filters = None),
    text_signature = "(source, *, schema='auto', cluster=None, filters=None)"
)]
pub fn load(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    schema: String,
    cluster: Option<String>,
    filters: Option<&Bound<'_, PyAny>>,
) -> PyResult<Graph> {
    let source = source_of(source)?;
    let chosen = options::schema(&schema)?;
    let matchers = options::filters(filters)?;
    let graph = py.detach(move || -> Result<Graph> {
        let bytes = match source {
            Source::Bytes(bytes) => bytes,
            Source::File(path) => {
                std::fs::read(&path).map_err(|source| Error::Read { path, source })?
            }
        };
        let mut options = LoadOptions::default();
        options.schema = chosen;
        options.cluster = cluster;
        options.matchers = matchers;
        Ok(loaded_graph(svcgraph_core::load_with(&bytes, &options)?))
    })?;
    Ok(graph)
}

/// One sample: `{"labels": {...}, "value": v}` or `(labels, value)`.
fn sample(item: &Bound<'_, PyAny>, what: &str, i: usize) -> Result<Sample> {
    let bad = |detail: &str| {
        Error::Input(format!(
            "{what}[{i}] {detail}; a sample is {{\"labels\": {{name: value}}, \"value\": number}} or a (labels, value) tuple"
        ))
    };
    let (labels, value) = if let Ok(d) = item.cast::<PyDict>() {
        let labels = d
            .get_item("labels")?
            .ok_or_else(|| bad("has no \"labels\""))?;
        let value = d
            .get_item("value")?
            .ok_or_else(|| bad("has no \"value\""))?;
        (labels, value)
    } else if let Ok(pair) = item.extract::<Vec<Bound<'_, PyAny>>>() {
        let [labels, value]: [Bound<'_, PyAny>; 2] = pair
            .try_into()
            .map_err(|_| bad("is a sequence but not a (labels, value) pair"))?;
        (labels, value)
    } else {
        return Err(bad("is neither a dict nor a tuple"));
    };
    let labels: BTreeMap<String, String> = labels
        .extract()
        .map_err(|_| bad("has labels that are not a dict of str to str"))?;
    let value = if let Ok(text) = value.cast::<PyString>() {
        // Prometheus writes values as text ("9.73", "NaN", "+Inf").
        text.to_cow()?
            .trim()
            .parse::<f64>()
            .map_err(|_| bad("has a value that is not a number"))?
    } else {
        value
            .extract::<f64>()
            .map_err(|_| bad("has a value that is not a number"))?
    };
    Ok(Sample {
        labels: labels.into(),
        value,
    })
}

fn series(value: Option<&Bound<'_, PyAny>>, what: &str) -> Result<Option<SeriesSet>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    if value.is_instance_of::<PyString>()
        || value.is_instance_of::<PyBytes>()
        || value.is_instance_of::<PyDict>()
    {
        return Err(Error::Input(format!(
            "{what} must be a list of samples, not a {}",
            value.get_type().name()?
        )));
    }
    let mut samples = Vec::new();
    for (i, item) in value.try_iter()?.enumerate() {
        samples.push(sample(&item?, what, i)?);
    }
    Ok(Some(SeriesSet::from_samples(samples)))
}

/// A graph from series already in hand, such as the result of your own PromQL queries.
///
/// Each argument is a list of samples, one per series: a dict
/// `{"labels": {"client": "front", "server": "cart", ...}, "value": 12.5}` or a tuple
/// `(labels, value)`; values are numbers or Prometheus' text (`"NaN"`). `samples` holds the
/// request rates (requests per second) and is required; `failures` (failed requests per
/// second) and `latency_p50`/`latency_p95`/`latency_p99` (quantiles in the schema's unit:
/// seconds, or milliseconds for `istio` and `linkerd`) are optional and attach to the edges
/// the requests make. `schema` names the preset (or schema file) whose labels the series
/// carry, or `"auto"` to pick the preset that fits the request series. A malformed sample,
/// or series without the schema's labels, raises `InputError`.
///
/// Example:
///
/// ```python
/// >>> g = svcgraph.from_samples(
/// ...     [({"client": "front", "server": "cart"}, 12.0)],
/// ...     failures=[({"client": "front", "server": "cart"}, 0.6)],
/// ...     schema="servicegraph")
/// >>> g.edges[0]["error_ratio"]
/// 0.05
/// ```
#[pyfunction]
#[pyo3(signature = (
    samples, *, schema, failures = None, latency_p50 = None, latency_p95 = None,
    latency_p99 = None
))]
pub fn from_samples(
    py: Python<'_>,
    samples: &Bound<'_, PyAny>,
    schema: String,
    failures: Option<&Bound<'_, PyAny>>,
    latency_p50: Option<&Bound<'_, PyAny>>,
    latency_p95: Option<&Bound<'_, PyAny>>,
    latency_p99: Option<&Bound<'_, PyAny>>,
) -> PyResult<Graph> {
    let chosen = options::schema(&schema)?;
    let requests = series(Some(samples), "samples")?.unwrap_or_default();
    let mut results = QueryResults::from_requests(requests);
    for (purpose, value, what) in [
        (QueryPurpose::Failures, failures, "failures"),
        (QueryPurpose::LatencyP50, latency_p50, "latency_p50"),
        (QueryPurpose::LatencyP95, latency_p95, "latency_p95"),
        (QueryPurpose::LatencyP99, latency_p99, "latency_p99"),
    ] {
        if let Some(set) = series(value, what)? {
            results.insert(purpose, set);
        }
    }
    let mut options = LoadOptions::default();
    options.schema = chosen;
    Ok(py.detach(move || -> Result<Graph> {
        Ok(loaded_graph(svcgraph_core::load_series(results, &options)?))
    })?)
}

fn check_signals(py: Python<'_>) -> PyResult<()> {
    py.check_signals()
}

/// Runs `future` on a single-threaded runtime with the GIL released, letting Python handle
/// signals every [`SIGNAL_POLL`]: Ctrl-C raises `KeyboardInterrupt` and drops the future,
/// which cancels its requests.
pub(crate) fn block_on<F>(py: Python<'_>, future: F) -> Result<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Source(format!("cannot start the network runtime: {e}")))?;
    py.detach(move || {
        runtime.block_on(async move {
            let mut future = std::pin::pin!(future);
            let mut ticks = tokio::time::interval(SIGNAL_POLL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    biased;
                    out = &mut future => return Ok(out),
                    _ = ticks.tick() => Python::attach(check_signals)?,
                }
            }
        })
    })
}

/// The service graph a Prometheus-compatible server (Prometheus, Thanos, Mimir,
/// VictoriaMetrics, …) holds now, or at `at`.
///
/// `url` is the API base, the part before `/api/v1` (`http://prometheus:9090`,
/// `https://mimir.example/prometheus`). `schema="auto"` asks the server, in one cheap query,
/// which producer's metrics it holds; or name a preset or a schema file. `cluster`,
/// `namespace` (edges touching it) and `filters` (`"label=value"` strings or a dict) become
/// PromQL matchers, escaped. `window` is the `rate()` window (`"5m"`, or a `timedelta`);
/// `at` is RFC 3339 text, Unix seconds, a duration ago (`"1h"`) or a `datetime`.
/// `headers` (such as `{"X-Scope-OrgID": "team-a"}`) and `bearer_token` or `basic_auth`
/// (a `(user, password)` pair) go with every request; `ca_file` (PEM) is trusted as well as
/// the system's certificates, and `insecure=True` accepts any certificate (testing only).
/// Each request may take `timeout` seconds and is made up to `attempts` times, retrying
/// connection errors, timeouts, 429 and 5xx. The GIL is released while waiting, and Ctrl-C
/// interrupts the wait.
///
/// Raises `SourceError` when the server cannot be reached or answers unusably (or holds no
/// service-graph metrics), `AuthError` for HTTP 401/403, `QueryError` when it rejects a
/// query, and `InputError` for a bad argument.
///
/// Example:
///
/// ```python
/// >>> g = svcgraph.from_prometheus("http://localhost:9090", namespace="shop", window="10m")
/// >>> g.schema
/// 'servicegraph'
/// ```
#[pyfunction]
#[pyo3(
    signature = (
    url, *, schema = "auto".to_owned(), cluster = None, namespace = None, window = None, at = None,
    headers = None, bearer_token = None, basic_auth = None, ca_file = None, insecure = false,
    timeout = 30.0, attempts = 3, filters = None
),
    text_signature = "(url, *, schema='auto', cluster=None, namespace=None, window='5m', at=None, headers=None, bearer_token=None, basic_auth=None, ca_file=None, insecure=False, timeout=30.0, attempts=3, filters=None)"
)]
#[allow(clippy::too_many_arguments)]
pub fn from_prometheus(
    py: Python<'_>,
    url: String,
    schema: String,
    cluster: Option<String>,
    namespace: Option<String>,
    window: Option<&Bound<'_, PyAny>>,
    at: Option<&Bound<'_, PyAny>>,
    headers: Option<&Bound<'_, PyAny>>,
    bearer_token: Option<String>,
    basic_auth: Option<(String, String)>,
    ca_file: Option<PathBuf>,
    insecure: bool,
    timeout: f64,
    attempts: i64,
    filters: Option<&Bound<'_, PyAny>>,
) -> PyResult<Graph> {
    let named = options::schema(&schema)?;
    let query = server_query(cluster, namespace, window, at, filters)?;
    let mut config = ClientConfig::new(url)
        .timeout(options::timeout(timeout)?)
        .retry(RetryPolicy::default().with_attempts(options::attempts(attempts)?))
        .insecure(insecure);
    if bearer_token.is_some() && basic_auth.is_some() {
        return Err(Error::Input("pass bearer_token or basic_auth, not both".into()).into());
    }
    if let Some((user, password)) = basic_auth {
        config = config.basic_auth(user, Some(password));
    }
    if let Some(path) = ca_file {
        config = config.ca_file(path);
    }
    let headers = match headers.filter(|h| !h.is_none()) {
        Some(h) => options::string_map("headers", h)?,
        None => BTreeMap::new(),
    };
    for (name, value) in headers {
        config = config.header(name, value);
    }
    if let Some(token) = bearer_token {
        config = config.bearer_token(token);
    }
    let client = Client::new(config).map_err(Error::from)?;
    let fetched = block_on(py, async {
        let schema = match named {
            Some(schema) => schema,
            None => svcgraph_prometheus::detect_schema(&client, &query)
                .await?
                .ok_or_else(|| {
                    Error::Source(format!(
                        "{} holds no service-graph metrics svcgraph knows{}; pass schema= a preset name or a schema file",
                        client.endpoint(),
                        if query.cluster.is_some() { " in that cluster" } else { "" }
                    ))
                })?,
        };
        Ok::<_, Error>(svcgraph_prometheus::fetch(&client, &schema, &query).await?)
    })??;
    fetched_graph(py, fetched)
}

/// The query a server is asked: filters, window (default 5m) and time (default now).
pub(crate) fn server_query(
    cluster: Option<String>,
    namespace: Option<String>,
    window: Option<&Bound<'_, PyAny>>,
    at: Option<&Bound<'_, PyAny>>,
    filters: Option<&Bound<'_, PyAny>>,
) -> Result<GraphQuery> {
    let mut query = GraphQuery::default();
    query.cluster = cluster;
    query.namespace = namespace;
    query.matchers = options::filters(filters)?;
    if let Some(w) = window.filter(|w| !w.is_none()) {
        query.window = options::window(w)?;
    }
    query.at = at
        .filter(|a| !a.is_none())
        .map(options::eval_time)
        .transpose()?;
    Ok(query)
}

/// The graph of a fetch, built without the GIL, carrying its snapshot.
pub(crate) fn fetched_graph(py: Python<'_>, fetched: Fetched) -> PyResult<Graph> {
    let graph = py.detach(move || -> Result<Graph> {
        let built = fetched.build()?;
        let snapshot = serde_json::to_string_pretty(&fetched.snapshot)
            .map_err(|e| Error::Source(format!("cannot write the snapshot: {e}")))?;
        let window = fetched
            .snapshot
            .query
            .as_ref()
            .and_then(svcgraph_core::query::GraphQuery::time_window);
        let mut graph = Graph::new(
            built.graph,
            Some(fetched.snapshot.schema.name.clone()),
            built.warnings.iter().map(ToString::to_string).collect(),
        )
        .with_window(window);
        graph.set_snapshot(snapshot + "\n");
        Ok(graph)
    })?;
    Ok(graph)
}
