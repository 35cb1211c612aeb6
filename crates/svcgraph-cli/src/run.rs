//! What each subcommand does.

use std::fmt::Write;
use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::CommandFactory;
use regex::Regex;
use svcgraph_core::diff::{self, Change};
use svcgraph_core::query::{GraphQuery, LabelMatcher, Window};
use svcgraph_core::render::{Grouping, dot, html, json, svg};
use svcgraph_core::schema::Schema;
use svcgraph_core::{
    Direction, LayoutStats, LoadOptions, SchemaSource, ServiceGraph, counted as count, layout,
    transform,
};

use crate::args::{
    Aggregate, Cli, Command, DrawArgs, EdgeLabelsArg, FetchArgs, FocusDirection, Format, GcpArgs,
    GroupBy, ManArgs, PrometheusArgs, QueryArgs, RankDir, RenderArgs, SchemasArgs,
    SeriesFilterArgs, ServerKind, SourceKind, ThresholdArgs, TimeArgs, TransformArgs,
};
use crate::source::Server;
use crate::{commands, output, progress, source};

/// The bundled sample: a shop of 19 services and stores, as a snapshot of the `servicegraph` schema.
const DEMO: &str = include_str!("../data/shop.snapshot.json");

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Render(args) => render(&args),
        Command::Fetch(args) => fetch(&args),
        Command::Query(args) => query(&args),
        Command::Schemas(args) => schemas(&args),
        Command::Serve(args) => commands::serve::run(&args),
        Command::Completions(args) => {
            let mut text = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "svcgraph", &mut text);
            output::write(None, &text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man(args) => man(&args),
    }
}

/// `svcgraph man`: one page to standard output, or every page into a directory.
fn man(args: &ManArgs) -> Result<ExitCode> {
    let mut top = Cli::command().disable_help_subcommand(true);
    // Gives each subcommand its page name (svcgraph-render) and usage (svcgraph render).
    top.build();
    let page = |command: clap::Command| -> Result<Vec<u8>> {
        let mut text = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut text)
            .context("cannot write the manual page")?;
        Ok(text)
    };
    let Some(dir) = &args.out_dir else {
        let command = match &args.command {
            Some(name) => top
                .find_subcommand(name)
                .with_context(|| format!("no subcommand {name}"))?
                .clone(),
            None => top,
        };
        output::write(None, &page(command)?)?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut pages = vec![("svcgraph.1".to_owned(), top.clone())];
    pages.extend(
        top.get_subcommands()
            .map(|c| (format!("svcgraph-{}.1", c.get_name()), c.clone())),
    );
    for (name, command) in pages {
        output::write(Some(&dir.join(name)), &page(command)?)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The drawing the flags ask for, with no layout hint.
pub(crate) fn svg_options(args: &DrawArgs) -> svg::SvgOptions {
    let mut options = svg::SvgOptions::default();
    options.direction = match args.rankdir {
        RankDir::Lr => Direction::LeftToRight,
        RankDir::Tb => Direction::TopToBottom,
    };
    options.edge_labels = match args.edge_labels {
        EdgeLabelsArg::Auto => svg::EdgeLabels::Auto,
        EdgeLabelsArg::Always => svg::EdgeLabels::Always,
        EdgeLabelsArg::Never => svg::EdgeLabels::Never,
    };
    options.no_legend = args.no_legend;
    options.group = match args.group {
        GroupBy::None => Grouping::None,
        GroupBy::Namespace => Grouping::Namespace,
    };
    options
}

/// Diagnostics on standard error, unless `--quiet`.
struct Notes {
    quiet: bool,
}

impl Notes {
    fn warn(&self, message: &str) {
        if !self.quiet {
            eprintln!("svcgraph: warning: {}", one_line(message));
        }
    }

    /// Each distinct warning once (every query of a fetch may report the same redirect).
    fn warn_all(&self, messages: &[String]) {
        let mut shown = std::collections::BTreeSet::new();
        for message in messages {
            if shown.insert(message.as_str()) {
                self.warn(message);
            }
        }
    }

    fn note(&self, message: &str) {
        if !self.quiet {
            eprintln!("svcgraph: {}", one_line(message));
        }
    }
}

pub(crate) fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

fn render(args: &RenderArgs) -> Result<ExitCode> {
    let notes = Notes { quiet: args.quiet };
    let format = output_format(args.format, args.output.as_deref())?;
    if !args.links.is_empty() && format != Format::Html {
        bail!(
            "--link adds links to the interactive page's side panel; only the html format carries them (--format html, or -o FILE.html)"
        );
    }
    let thresholds = thresholds(&args.compare.thresholds);
    if output::is_stdout(args.output.as_deref())
        && args
            .save_snapshot
            .as_deref()
            .is_some_and(|p| output::is_stdout(Some(p)))
    {
        bail!(
            "--save-snapshot - and the picture would both go to standard output; write one of them to a file with -o or --save-snapshot FILE"
        );
    }
    // A file's own time window (a snapshot records its moment) for the links.
    let mut file_window = None;
    let (graph, fetched_baseline) = match source_of(args)? {
        SourceKind::File => {
            let (graph, window) = load_graph(args, &notes)?;
            file_window = window;
            (graph, None)
        }
        SourceKind::Prometheus => fetch_graphs(args, &notes, ServerKind::Prometheus)?,
        SourceKind::Gmp => fetch_graphs(args, &notes, ServerKind::Gmp)?,
        SourceKind::CloudMonitoring => fetch_graphs(args, &notes, ServerKind::CloudMonitoring)?,
    };
    let mut graph = apply_transforms(graph, &args.transform)?;
    let baseline = match (fetched_baseline, &args.compare.baseline) {
        (Some(graph), _) => Some(graph),
        (None, Some(path)) => Some(
            graph_from_bytes(&read_source(path)?, args, &notes)
                .map(|(graph, _)| graph)
                .with_context(|| format!("the baseline {}", path.display()))?,
        ),
        (None, None) => None,
    };
    if let Some(baseline) = baseline {
        let baseline = apply_transforms(baseline, &args.transform)?;
        graph = diff::diff(&graph, &baseline, &thresholds);
        notes.note(&comparison_summary(&graph));
    }
    if graph.is_empty() {
        notes.note("the graph is empty: no edges match the input and filters");
    }
    let svg_options = svg_options(&args.draw);
    if matches!(format, Format::Svg | Format::Html)
        && svg_options.edge_labels == svg::EdgeLabels::Auto
        && !svg_options.edge_labels.shown(graph.edge_count())
    {
        notes.note(&format!(
            "edge labels left out: {} edges is more than {} (hover an edge for its numbers, \
             or --edge-labels always to draw them)",
            graph.edge_count(),
            svg::EdgeLabels::AUTO_LIMIT
        ));
    }
    let page = PageExtras {
        links: args.links.clone(),
        window: link_window(args, file_window)?,
    };
    let (text, stats) = draw(&graph, format, svg_options, args.stats, page);
    if args.stats {
        match &stats {
            Some(stats) => print_stats(stats),
            None => notes.warn("--stats describes our layout, which DOT output does not use"),
        }
    }
    output::write(args.output.as_deref(), text.as_bytes())?;
    if let Some(path) = args
        .output
        .as_deref()
        .filter(|p| !output::is_stdout(Some(p)))
    {
        notes.note(&format!(
            "wrote {} ({}, {})",
            path.display(),
            count(graph.node_count(), "node"),
            count(graph.edge_count(), "edge")
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// The output text in `format`, and the layout statistics when they were asked for (and the
/// format uses our layout).
fn draw(
    graph: &ServiceGraph,
    format: Format,
    svg_options: svg::SvgOptions,
    stats: bool,
    page: PageExtras,
) -> (String, Option<LayoutStats>) {
    match format {
        Format::Svg => {
            let drawn = svg::to_svg(graph, &svg_options);
            (drawn.text, Some(drawn.layout.stats))
        }
        Format::Dot => {
            let mut options = dot::DotOptions::default();
            options.direction = svg_options.direction;
            options.group = svg_options.group;
            (dot::to_dot(graph, &options), None)
        }
        Format::Json if stats => {
            let stats = svg::layout_of(graph, &svg_options).stats;
            (json::to_json_with_layout(graph, Some(&stats)), Some(stats))
        }
        Format::Json => (json::to_json(graph), None),
        Format::Html => {
            let stats = stats.then(|| svg::layout_of(graph, &svg_options).stats);
            let mut options = html::HtmlOptions::default();
            options.svg = svg_options;
            options.links = page.links;
            options.window = page.window;
            let page = html::to_html(graph, &options);
            (page, stats)
        }
    }
}

/// What only the html page carries.
struct PageExtras {
    links: Vec<svcgraph_core::render::links::LinkTemplate>,
    /// The links' `{from}` and `{to}` (Unix milliseconds).
    window: Option<(i64, i64)>,
}

/// The time window a server is asked about (`--at`, else now, and `--window` before it), for
/// the links' `{from}` and `{to}`; for a file, the window it records (`file`: a snapshot's),
/// else `None` and the page uses the hour before the link is followed.
fn link_window(args: &RenderArgs, file: Option<(i64, i64)>) -> Result<Option<(i64, i64)>> {
    if args.links.is_empty() {
        return Ok(None);
    }
    if matches!(source_of(args)?, SourceKind::File) {
        return Ok(file);
    }
    let mut query = server_query(&args.series_filter, &args.transform.namespace, &args.time)?;
    query.at.get_or_insert_with(|| {
        svcgraph_core::query::EvalTime::from_unix_millis(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        )
    });
    Ok(query.time_window())
}

/// The graph the input holds: a graph document as it is, series mapped by the schema (the
/// one asked for, the snapshot's own, or the preset whose labels fit), after label filters.
fn load_graph(args: &RenderArgs, notes: &Notes) -> Result<(ServiceGraph, Option<(i64, i64)>)> {
    let bytes = match (&args.input, args.demo) {
        (_, true) => DEMO.as_bytes().to_vec(),
        (Some(path), false) => read_source(path)?,
        (None, false) => bail!("give --input FILE (or - for standard input), or --demo"),
    };
    graph_from_bytes(&bytes, args, notes)
}

/// Where `render` takes its series from, and whether the flags fit it.
fn source_of(args: &RenderArgs) -> Result<SourceKind> {
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
fn server_query(
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
struct Session {
    client: Server,
    schema: Schema,
    /// Why this schema, when it was not named.
    note: Option<String>,
    /// The progress line's text, when progress is drawn.
    progress: Option<String>,
}

impl Session {
    /// Connects and chooses the schema (the one named, or the one the server's metrics fit).
    async fn open(
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
        })
    }

    /// One moment's fetch and graph, with the progress line while it runs.
    async fn moment(&self, query: &GraphQuery) -> Result<source::Moment> {
        let label = self.progress.as_deref().unwrap_or_default();
        let work = source::moment(&self.client, &self.schema, query);
        progress::show(self.progress.is_some(), label, work).await
    }
}

/// The graph now from the server, and the graph at `--compare-at` when asked.
fn fetch_graphs(
    args: &RenderArgs,
    notes: &Notes,
    kind: ServerKind,
) -> Result<(ServiceGraph, Option<ServiceGraph>)> {
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
            args.quiet,
        )
        .await?;
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
    Ok((now.graph, before.map(|m| m.graph)))
}

/// `svcgraph fetch`: the snapshot of one moment, written whole or not at all.
fn fetch(args: &FetchArgs) -> Result<ExitCode> {
    let notes = Notes { quiet: args.quiet };
    let namespaces: Vec<String> = args.namespace.iter().cloned().collect();
    let query = server_query(&args.series_filter, &namespaces, &args.time)?;
    let named = schema_from_flag(&args.schema)?;
    let runtime = source::runtime()?;
    let (session, moment) = runtime.block_on(async {
        let servers = (&args.prometheus, &args.gcp);
        let session = Session::open(args.source, servers, named, &query, args.quiet).await?;
        let moment = session.moment(&query).await?;
        anyhow::Ok((session, moment))
    })?;
    if let Some(note) = &session.note {
        notes.note(note);
    }
    let client = &session.client;
    notes.warn_all(&moment.redirects());
    for w in &moment.warnings {
        notes.warn(&w.to_string());
    }
    output::write(
        args.output.as_deref(),
        source::snapshot_json(&moment.fetched)?.as_bytes(),
    )?;
    notes.note(&format!(
        "fetched {} ({}) from {} in {:.0} ms{}",
        count(moment.fetched.results.sample_count(), "series"),
        count(moment.graph.edge_count(), "edge"),
        client.endpoint(),
        moment.took.as_secs_f64() * 1000.0,
        args.output
            .as_deref()
            .filter(|p| !output::is_stdout(Some(p)))
            .map_or_else(String::new, |p| format!("; wrote {}", p.display()))
    ));
    Ok(ExitCode::SUCCESS)
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

/// A graph from a saved input, with the schema and series filters of the command line.
/// The graph in `bytes`, and the time window the input records.
fn graph_from_bytes(
    bytes: &[u8],
    args: &RenderArgs,
    notes: &Notes,
) -> Result<(ServiceGraph, Option<(i64, i64)>)> {
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
    Ok((loaded.graph, loaded.window))
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

/// Layout statistics on standard error (printed even with --quiet: they were asked for).
fn print_stats(s: &layout::LayoutStats) {
    let ms = |secs: f64| format!("{:.2} ms", secs * 1000.0);
    eprintln!(
        "svcgraph: layout: {}, {}, {} layers, {} reversed, {} dummies, {} direct, {} crossings, {:.0}x{:.0} px",
        count(s.nodes, "node"),
        count(s.edges, "edge"),
        s.layers,
        s.reversed_edges,
        s.dummies,
        s.direct_edges,
        s.crossings,
        s.width,
        s.height
    );
    let p = &s.phases;
    eprintln!(
        "svcgraph: layout time: acyclic {}, layering {}, ordering {}, positioning {}, routing {}, total {}",
        ms(p.acyclic),
        ms(p.layering),
        ms(p.ordering),
        ms(p.positioning),
        ms(p.routing),
        ms(p.total())
    );
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
    graph = transform::filter(&graph, &filter);
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

fn query(args: &QueryArgs) -> Result<ExitCode> {
    let schema = schema_from_flag(&args.schema)?
        .context("`auto` needs series to look at; name a preset or a schema file")?;
    let mut query = GraphQuery::default();
    query.cluster.clone_from(&args.series_filter.cluster);
    query.namespace.clone_from(&args.namespace);
    query.matchers = series_matchers(&args.series_filter)?;
    query.window = args.window.parse::<Window>()?;
    query.at = args.at.as_deref().map(source::parse_time).transpose()?;
    let plan = schema.plan(&query)?;
    let text = if args.json {
        let mut text = serde_json::to_string_pretty(&plan)?;
        text.push('\n');
        text
    } else {
        let mut text = String::new();
        if let Some(at) = query.at {
            let _ = writeln!(
                text,
                "# evaluated at {at} (time={})",
                at.to_prometheus_param()
            );
        }
        for (i, q) in plan.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            let _ = writeln!(text, "# {}\n{}", q.purpose.describe(), q.promql);
        }
        text
    };
    output::write(None, text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn schemas(args: &SchemasArgs) -> Result<ExitCode> {
    let text = if let Some(name) = &args.show {
        Schema::preset(name)?.to_toml()
    } else {
        let mut text = String::new();
        for s in Schema::presets() {
            let _ = writeln!(text, "{:<14} {}", s.name, s.description);
        }
        text
    };
    output::write(None, text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
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

fn output_format(flag: Option<Format>, path: Option<&Path>) -> Result<Format> {
    if let Some(f) = flag {
        return Ok(f);
    }
    let Some(ext) = path.and_then(Path::extension).and_then(|e| e.to_str()) else {
        return Ok(Format::Svg);
    };
    match ext.to_ascii_lowercase().as_str() {
        "svg" => Ok(Format::Svg),
        "dot" | "gv" => Ok(Format::Dot),
        "json" => Ok(Format::Json),
        "html" | "htm" => Ok(Format::Html),
        other => bail!(
            "cannot tell the format from the extension `.{other}`; use .svg, .dot, .gv, .json or .html, or --format"
        ),
    }
}

fn read_source(path: &PathBuf) -> Result<Vec<u8>> {
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

/// Exit quietly when standard output is a closed pipe (`svcgraph … | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
