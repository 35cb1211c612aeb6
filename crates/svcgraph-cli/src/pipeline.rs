//! The graph a command's flags describe ([`GraphArgs`]): read from a file or fetched from a
//! server, mapped by a schema, transformed, and compared with a baseline. `render` and the
//! commands that report on a graph call [`obtain`]; `fetch` and `serve` share its parts.

use std::io::{self, IsTerminal, Read};
use std::path::Path;

use anyhow::{Context, Result, bail};
use regex::Regex;
use svcgraph_core::diff::{self, Change};
use svcgraph_core::naming::NamingRules;
use svcgraph_core::quality::Evidence;
use svcgraph_core::query::{GraphQuery, LabelMatcher};
use svcgraph_core::schema::{QueryResults, Schema};
use svcgraph_core::{LoadOptions, SchemaSource, ServiceGraph, counted as count, transform};

use crate::args::{
    Aggregate, FocusDirection, GcpArgs, GraphArgs, PrometheusArgs, SeriesFilterArgs, ServerKind,
    SourceKind, ThresholdArgs, TimeArgs, TransformArgs,
};
use crate::source::Server;
use crate::{output, progress, source};

/// The bundled sample: a shop of 19 services and stores, as a snapshot of the `servicegraph` schema.
const DEMO: &str = include_str!("../data/shop.snapshot.json");

/// Diagnostics on standard error, unless `--quiet`.
pub(crate) struct Notes {
    pub quiet: bool,
}

impl Notes {
    pub(crate) fn warn(&self, message: &str) {
        if !self.quiet {
            eprintln!("svcgraph: warning: {}", one_line(message));
        }
    }

    /// Each distinct warning once (every query of a fetch may report the same redirect).
    pub(crate) fn warn_all(&self, messages: &[String]) {
        let mut shown = std::collections::BTreeSet::new();
        for message in messages {
            if shown.insert(message.as_str()) {
                self.warn(message);
            }
        }
    }

    pub(crate) fn note(&self, message: &str) {
        if !self.quiet {
            eprintln!("svcgraph: {}", one_line(message));
        }
    }
}

pub(crate) fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// A command's graph, and the time it describes.
pub(crate) struct Obtained {
    /// Transformed, and compared with the baseline when one was asked for.
    pub graph: ServiceGraph,
    /// `(from, to)` in Unix milliseconds: the fetched moment and the window before it, or
    /// what a snapshot records; `None` for inputs without a moment.
    pub window: Option<(i64, i64)>,
    /// The schema and series the graph was built from; `None` for a graph document.
    pub series: Option<(Schema, QueryResults)>,
}

impl Obtained {
    /// The series behind the graph, for the data-quality report.
    pub(crate) fn evidence(&self) -> Option<Evidence<'_>> {
        self.series
            .as_ref()
            .map(|(schema, results)| Evidence { schema, results })
    }
}

/// The graph the flags describe: read or fetched, mapped, transformed, and compared with the
/// baseline (`--baseline` or `--compare-at`). Notes and warnings go to `notes`.
pub(crate) fn obtain(args: &GraphArgs, notes: &Notes) -> Result<Obtained> {
    obtain_for(args, notes, false)
}

/// [`obtain`], asking a Prometheus server the data-quality report's queries too when
/// `quality` (a saved input holds what it holds).
pub(crate) fn obtain_for(args: &GraphArgs, notes: &Notes, quality: bool) -> Result<Obtained> {
    let thresholds = thresholds(&args.compare.thresholds);
    let (
        Obtained {
            graph,
            window,
            series,
        },
        fetched_baseline,
    ) = match server_kind(source_of(args)?) {
        None => (load_graph(args, notes)?, None),
        Some(server) => fetch_graphs(args, notes, server, quality)?,
    };
    let naming = naming_from_flag(args.naming.as_deref())?;
    let mut graph = apply_transforms(rename(graph, naming.as_ref(), Some(notes)), &args.transform)?;
    let baseline = match (fetched_baseline, &args.compare.baseline) {
        (Some(graph), _) => Some(graph),
        (None, Some(path)) => Some(baseline_graph(path, args, notes)?),
        (None, None) => None,
    };
    if let Some(baseline) = baseline {
        let baseline = apply_transforms(rename(baseline, naming.as_ref(), None), &args.transform)?;
        graph = diff::diff(&graph, &baseline, &thresholds);
        notes.note(&comparison_summary(&graph));
    }
    if graph.is_empty() {
        notes.note("the graph is empty: no edges match the input and filters");
    }
    Ok(Obtained {
        graph,
        window,
        series,
    })
}

/// Refuses `--save-snapshot -` when `output` (the command's `-o`) is standard output too:
/// `what` (the picture, the report) and the snapshot cannot both go there.
pub(crate) fn one_standard_output(
    args: &GraphArgs,
    output: Option<&Path>,
    what: &str,
) -> Result<()> {
    if output::is_stdout(output)
        && args
            .save_snapshot
            .as_deref()
            .is_some_and(|p| output::is_stdout(Some(p)))
    {
        bail!(
            "--save-snapshot - and {what} would both go to standard output; write one of them to a file with -o or --save-snapshot FILE"
        );
    }
    Ok(())
}

/// The server a source asks; `None` for a file.
pub(crate) fn server_kind(source: SourceKind) -> Option<ServerKind> {
    match source {
        SourceKind::File => None,
        SourceKind::Prometheus => Some(ServerKind::Prometheus),
        SourceKind::Gmp => Some(ServerKind::Gmp),
        SourceKind::CloudMonitoring => Some(ServerKind::CloudMonitoring),
    }
}

/// The `--baseline` file's graph, read like the input (before naming rules and transforms).
pub(crate) fn baseline_graph(path: &Path, args: &GraphArgs, notes: &Notes) -> Result<ServiceGraph> {
    graph_from_bytes(&read_source(path)?, args, notes)
        .map(|obtained| obtained.graph)
        .with_context(|| format!("the baseline {}", path.display()))
}

/// The graph the input holds: a graph document as it is, series mapped by the schema (the
/// one asked for, the snapshot's own, or the preset whose labels fit), after label filters.
pub(crate) fn load_graph(args: &GraphArgs, notes: &Notes) -> Result<Obtained> {
    let bytes = match (&args.input, args.demo) {
        (_, true) => DEMO.as_bytes().to_vec(),
        (Some(path), false) => read_source(path)?,
        (None, false) => bail!("give --input FILE (or - for standard input), or --demo"),
    };
    graph_from_bytes(&bytes, args, notes)
}

/// Where a command takes its series from, and whether the flags fit it.
pub(crate) fn source_of(args: &GraphArgs) -> Result<SourceKind> {
    let file = args.input.is_some() || args.demo;
    let source = match (args.source, file, args.prometheus.url.is_some()) {
        (Some(source), _, _) => source,
        (None, true, _) => SourceKind::File,
        (None, false, true) => SourceKind::Prometheus,
        (None, false, false) => {
            bail!(
                "give --input FILE (or - for standard input), --demo, a server with --url, or Google Cloud with --source gmp --project-id P"
            )
        }
    };
    match source {
        SourceKind::Prometheus if file => {
            bail!("--source prometheus asks the server at --url; leave out --input and --demo")
        }
        SourceKind::Gmp | SourceKind::CloudMonitoring if file => {
            bail!(
                "--source gmp and cloud-monitoring ask Google Cloud; leave out --input and --demo"
            )
        }
        SourceKind::File => {
            let server_only = [
                ("--window", args.time.window.is_some()),
                ("--at", args.time.at.is_some()),
                ("--compare-at", args.compare.compare_at.is_some()),
                ("--save-snapshot", args.save_snapshot.is_some()),
            ];
            if let Some((flag, _)) = server_only.iter().find(|(_, given)| *given) {
                bail!(
                    "{flag} asks a server (--url); a saved input was evaluated when it was saved"
                );
            }
        }
        SourceKind::Prometheus | SourceKind::Gmp | SourceKind::CloudMonitoring => {}
    }
    Ok(source)
}

/// The query the command line asks a server: series filters, a single `-n` namespace (more
/// than one are filtered here instead), window and time.
pub(crate) fn server_query(
    series: &SeriesFilterArgs,
    namespaces: &[String],
    time: &TimeArgs,
) -> Result<GraphQuery> {
    let mut query = GraphQuery::default();
    query.cluster.clone_from(&series.cluster);
    query.namespace = match namespaces {
        [one] => Some(one.clone()),
        _ => None,
    };
    query.matchers = series_matchers(series)?;
    source::apply_time(&mut query, time)?;
    Ok(query)
}

/// The server of `kind`, made inside the runtime (Google credentials need it).
pub(crate) async fn connect(
    kind: ServerKind,
    prometheus: &PrometheusArgs,
    gcp: &GcpArgs,
) -> Result<Server> {
    match kind {
        ServerKind::Prometheus => Ok(Server::Prometheus(source::client(prometheus)?)),
        ServerKind::Gmp => source::gcp_source(svcgraph_gcp::Mode::Gmp, gcp, prometheus).await,
        ServerKind::CloudMonitoring => {
            source::gcp_source(svcgraph_gcp::Mode::CloudMonitoring, gcp, prometheus).await
        }
    }
}

/// A server to fetch from, the schema to ask it with, and how to show the wait.
pub(crate) struct Session {
    pub client: Server,
    schema: Schema,
    /// Why this schema, when it was not named.
    pub note: Option<String>,
    /// The progress line's text, when progress is drawn.
    progress: Option<String>,
    /// Ask the data-quality report's queries too.
    pub quality: bool,
}

impl Session {
    /// Connects and chooses the schema (the one named, or the one the server's metrics fit).
    pub(crate) async fn open(
        kind: ServerKind,
        (prometheus, gcp): (&PrometheusArgs, &GcpArgs),
        named: Option<Schema>,
        query: &GraphQuery,
        quiet: bool,
    ) -> Result<Session> {
        let client = connect(kind, prometheus, gcp).await?;
        let progress = progress::enabled(quiet).then(|| format!("asking {}", client.endpoint()));
        let label = progress.as_deref().unwrap_or_default();
        let (schema, note) = progress::show(
            progress.is_some(),
            label,
            source::choose_schema(&client, named, query),
        )
        .await?;
        Ok(Session {
            client,
            schema,
            note,
            progress,
            quality: false,
        })
    }

    /// One moment's fetch and graph, with the progress line while it runs.
    pub(crate) async fn moment(&self, query: &GraphQuery) -> Result<source::Moment> {
        self.moment_with(query, self.quality).await
    }

    /// [`moment`](Self::moment), asking the data-quality queries or not whatever the
    /// session's own setting.
    pub(crate) async fn moment_with(
        &self,
        query: &GraphQuery,
        quality: bool,
    ) -> Result<source::Moment> {
        let label = self.progress.as_deref().unwrap_or_default();
        let work = source::moment(&self.client, &self.schema, query, quality);
        progress::show(self.progress.is_some(), label, work).await
    }
}

/// The graph now from the server (with the time it describes), and the graph at
/// `--compare-at` when asked.
fn fetch_graphs(
    args: &GraphArgs,
    notes: &Notes,
    kind: ServerKind,
    quality: bool,
) -> Result<(Obtained, Option<ServiceGraph>)> {
    let query = server_query(&args.series_filter, &args.transform.namespace, &args.time)?;
    let compare_at = args
        .compare
        .compare_at
        .as_deref()
        .map(source::parse_time)
        .transpose()?;
    let named = schema_from_flag(&args.schema)?;
    let runtime = source::runtime()?;
    let (session, now, before) = runtime.block_on(async {
        let session = Session::open(
            kind,
            (&args.prometheus, &args.gcp),
            named,
            &query,
            notes.quiet,
        )
        .await?;
        let mut session = session;
        session.quality = quality;
        if let Some(note) = &session.note {
            notes.note(note);
        }
        let now = session.moment(&query).await?;
        let before = match compare_at {
            Some(at) => {
                let mut earlier = query.clone();
                earlier.at = Some(at);
                Some(session.moment(&earlier).await?)
            }
            None => None,
        };
        anyhow::Ok((session, now, before))
    })?;
    let client = &session.client;
    for moment in std::iter::once(&now).chain(&before) {
        notes.warn_all(&moment.redirects());
        notes.warn_all(&moment.fetched.left_out);
        for w in &moment.warnings {
            notes.warn(&w.to_string());
        }
        notes.note(&format!(
            "fetched {} at {} from {} in {:.0} ms",
            count(moment.graph.edge_count(), "edge"),
            moment
                .fetched
                .snapshot
                .query
                .as_ref()
                .and_then(|q| q.at)
                .map_or_else(String::new, |at| at.to_string()),
            client.endpoint(),
            moment.took.as_secs_f64() * 1000.0
        ));
    }
    if let Some(path) = &args.save_snapshot {
        output::write(Some(path), source::snapshot_json(&now.fetched)?.as_bytes())?;
        if !output::is_stdout(Some(path)) {
            notes.note(&format!("saved the snapshot to {}", path.display()));
        }
    }
    let window = now
        .fetched
        .snapshot
        .query
        .as_ref()
        .and_then(GraphQuery::time_window);
    Ok((
        Obtained {
            graph: now.graph,
            window,
            series: Some((now.fetched.snapshot.schema, now.fetched.results)),
        },
        before.map(|m| m.graph),
    ))
}

/// The thresholds of `--rate-change`, `--error-change` and `--p95-change` (fractions: the
/// flags' parser has turned `50%` into 0.5 and refused negative numbers).
pub(crate) fn thresholds(args: &ThresholdArgs) -> diff::Thresholds {
    let mut thresholds = diff::Thresholds::default();
    thresholds.rate = args.rate_change;
    thresholds.error_ratio = args.error_change;
    thresholds.p95 = args.p95_change;
    thresholds
}

/// `compared with the baseline: 2 new, 1 gone, 3 changed edges (of 20)`.
fn comparison_summary(graph: &ServiceGraph) -> String {
    let mut counts = [0usize; 4];
    for e in graph.graph().edge_weights() {
        if let Some(d) = &e.diff {
            counts[d.change as usize] += 1;
        }
    }
    format!(
        "compared with the baseline: {} new, {} gone, {} changed, {} unchanged {}",
        counts[Change::New as usize],
        counts[Change::Gone as usize],
        counts[Change::Changed as usize],
        counts[Change::Same as usize],
        if counts[Change::Same as usize] == 1 {
            "edge"
        } else {
            "edges"
        }
    )
}

/// A graph from a saved input, with the schema and series filters of the command line, and
/// the time window the input records.
fn graph_from_bytes(bytes: &[u8], args: &GraphArgs, notes: &Notes) -> Result<Obtained> {
    let mut options = LoadOptions::default();
    options.schema = schema_from_flag(&args.schema)?;
    options.cluster.clone_from(&args.series_filter.cluster);
    options.matchers = series_matchers(&args.series_filter)?;
    let loaded = svcgraph_core::load_with(bytes, &options).map_err(with_flag_hint)?;
    if let Some(choice) = &loaded.schema
        && choice.source == SchemaSource::Detected
    {
        notes.note(&format!(
            "schema `{}` fits the input's labels (choose another with --schema)",
            choice.schema.name
        ));
    }
    for w in &loaded.warnings {
        notes.warn(&w.to_string());
    }
    Ok(Obtained {
        graph: loaded.graph,
        window: loaded.window,
        series: loaded.schema.map(|c| c.schema).zip(loaded.results),
    })
}

/// A core error with the flags that answer it: the library's messages name no flags.
pub(crate) fn with_flag_hint(err: svcgraph_core::Error) -> anyhow::Error {
    use svcgraph_core::Error as E;
    let hint = match &err {
        E::MissingLabel { .. } => "choose the schema with --schema",
        E::NoSchemaFits { .. } => {
            "name one with --schema, or write your own (see `svcgraph schemas --show servicegraph`)"
        }
        E::SeriesFilterOnGraph => {
            "--cluster and --filter select series; use --namespace, --name or --exclude"
        }
        _ => return err.into(),
    };
    anyhow::anyhow!("{err} ({hint})")
}

/// The naming rules of `--naming`: TOML, or JSON when the file's extension says so.
pub(crate) fn naming_from_flag(path: Option<&Path>) -> Result<Option<NamingRules>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the naming rules {}", path.display()))?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let rules = if is_json {
        NamingRules::from_json(&text)
    } else {
        NamingRules::from_toml(&text)
    }
    .with_context(|| format!("the naming rules {}", path.display()))?;
    Ok(Some(rules))
}

/// The graph with the naming rules applied (when there are any), saying how many nodes they
/// renamed.
pub(crate) fn rename(
    graph: ServiceGraph,
    rules: Option<&NamingRules>,
    notes: Option<&Notes>,
) -> ServiceGraph {
    let Some(rules) = rules else {
        return graph;
    };
    let before = graph.node_count();
    let named = rules.apply(&graph);
    if let Some(notes) = notes {
        notes.note(&format!(
            "naming rules renamed {} ({} became {})",
            count(named.renames().len(), "node"),
            count(before, "node"),
            named.node_count()
        ));
    }
    named
}

/// Aggregate, filter, prune, focus: coarse first, so focus and filters see the merged nodes.
pub(crate) fn apply_transforms(mut graph: ServiceGraph, t: &TransformArgs) -> Result<ServiceGraph> {
    if let Some(level) = t.aggregate {
        // Pods become workloads first, so a namespace node merges workloads, not pods.
        graph = transform::aggregate(&graph, transform::Level::Workload);
        if level == Aggregate::Namespace {
            graph = transform::aggregate(&graph, transform::Level::Namespace);
        }
    }
    let regex = |flag: &str, text: &Option<String>| -> Result<Option<Regex>> {
        text.as_deref()
            .map(|t| Regex::new(t).with_context(|| format!("{flag} is not a valid regex")))
            .transpose()
    };
    let mut filter = transform::Filter::default();
    filter.namespaces.clone_from(&t.namespace);
    filter.name = regex("--name", &t.name)?;
    filter.exclude = regex("--exclude", &t.exclude)?;
    filter.hide_virtual = t.hide_virtual;
    filter.hide_external = t.hide_external;
    if !filter.keeps_everything() {
        graph = transform::filter(&graph, &filter);
    }
    if let Some(min) = t.min_rate {
        if !min.is_finite() || min < 0.0 {
            bail!("--min-rate must be a non-negative number of requests per second");
        }
        graph = transform::prune(&graph, min);
    }
    if let Some(node) = &t.focus {
        let direction = match t.direction {
            FocusDirection::Up => svcgraph_core::FocusDirection::Upstream,
            FocusDirection::Down => svcgraph_core::FocusDirection::Downstream,
            FocusDirection::Both => svcgraph_core::FocusDirection::Both,
        };
        graph = transform::focus(&graph, node, t.depth, direction)?;
    }
    Ok(graph)
}

/// `None` for `auto`; a preset by name; else a schema file.
pub(crate) fn schema_from_flag(spec: &str) -> Result<Option<Schema>> {
    if spec == "auto" {
        return Ok(None);
    }
    if Schema::PRESETS.contains(&spec) {
        return Ok(Some(Schema::preset(spec)?));
    }
    let path = Path::new(spec);
    if !path.exists() {
        // Not a file either: the preset error lists the names.
        return Ok(Some(Schema::preset(spec)?));
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read schema file {}", path.display()))?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let schema = if is_json {
        Schema::from_json(&text)
    } else {
        Schema::from_toml(&text)
    }
    .with_context(|| format!("schema file {}", path.display()))?;
    Ok(Some(schema))
}

pub(crate) fn series_matchers(f: &SeriesFilterArgs) -> Result<Vec<LabelMatcher>> {
    f.matchers
        .iter()
        .map(|m| m.parse::<LabelMatcher>().map_err(anyhow::Error::from))
        .collect()
}

pub(crate) fn read_source(path: &Path) -> Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut stdin = io::stdin();
        if stdin.is_terminal() {
            bail!("--input - reads standard input, but it is a terminal; pipe a file in");
        }
        let mut bytes = Vec::new();
        stdin
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
        return Ok(bytes);
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}
