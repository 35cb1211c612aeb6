//! Command-line arguments.

use std::ffi::OsStr;
use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, StringValueParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use svcgraph_core::render::links::LinkTemplate;
use svcgraph_core::schema::Schema;

/// See your service graph: who calls whom, how often, how often it fails, how slow it is.
#[derive(Debug, Parser)]
#[command(name = "svcgraph", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per run: boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render a service graph from a Prometheus-compatible server, or from a saved response,
    /// snapshot or graph JSON.
    Render(RenderArgs),
    /// Fetch what a graph is built from and save it as a snapshot, which `render --input`
    /// draws offline (for CI artifacts and bug reports).
    Fetch(FetchArgs),
    /// Print the PromQL a schema and filter set would run.
    Query(QueryArgs),
    /// Report on the data behind a graph: nodes named by IP, `unknown` or `user`, the
    /// servicegraph connector's unpaired, dropped and expired counts, calls only one side
    /// reported, one service under two namespaces, series that stopped; each with its usual
    /// cause and the producer setting that fixes it.
    Doctor(DoctorArgs),
    /// List the schema presets, or print one as TOML to start your own from.
    Schemas(SchemasArgs),
    /// Serve a live view over HTTP: the graph refreshed on an interval, a time slider and a
    /// comparison with another moment; one upstream query set per refresh, whatever the
    /// number of browsers. Read-only; binds to 127.0.0.1 unless told otherwise.
    ///
    /// Routes: `/` the page; `/api/view?at=UNIX_SECONDS&compare=SECONDS` the view as JSON
    /// (`svg`, `graph`, `at`, `notes`, `positions`; `at` empty is now, `compare` marks what
    /// changed since that many seconds before); `/graph.svg` and `/graph.json` (same query);
    /// `/healthz`. Ctrl-C or SIGTERM stops it gracefully (exit status 130 or 143).
    Serve(ServeArgs),
    /// Compare the graph with a declared architecture: a rules file (allowed, forbidden and
    /// expected calls, error and latency budgets) or a Backstage catalog's dependsOn.
    ///
    /// Reports undeclared, forbidden and missing calls and calls over budget, as text, JSON,
    /// JUnit XML or Markdown. Exit status: 0 no violation, 1 violations, 2 a usage, rules or
    /// input error. With --baseline or --compare-at only what changed since then is reported.
    Check(CheckArgs),
    /// Answer AI assistants and other tools over the Model Context Protocol (stdio): the
    /// graph, a service's callers and callees, the call chains between two services, and
    /// what changed between two moments, from any source `render` reads. E.g. in an MCP
    /// client's configuration: `svcgraph mcp --url http://prometheus:9090`.
    Mcp(McpArgs),
    /// Print a shell completion script: `svcgraph completions bash > /etc/bash_completion.d/svcgraph`.
    Completions(CompletionsArgs),
    /// Print a manual page (roff): `svcgraph man | man -l -` for the command,
    /// `svcgraph man render | man -l -` for a subcommand; `--out-dir` writes them all.
    Man(ManArgs),
}

/// Where a command's graph comes from and what is done to it: the input or server, the
/// schema, series filters, transforms and a comparison (render and the commands that report
/// on a graph).
#[derive(Debug, Args)]
pub struct GraphArgs {
    // Every flag carries its heading: clap's `next_help_heading` of a flattened group would
    // otherwise carry over to the flags declared after it.
    /// A Prometheus API response (/api/v1/query), a svcgraph snapshot or a svcgraph graph
    /// JSON document; `-` reads standard input.
    #[arg(
        long,
        short = 'i',
        value_name = "FILE",
        conflicts_with = "demo",
        help_heading = "Input"
    )]
    pub input: Option<PathBuf>,

    /// Where the series come from: `prometheus` (asks --url), `gmp` or `cloud-monitoring`
    /// (Google Cloud, asks --project-id), or `file` (--input or --demo). By default: the file
    /// when one is given, else the server when a URL is.
    #[arg(long, value_enum, help_heading = "Input")]
    pub source: Option<SourceKind>,

    #[command(flatten)]
    pub prometheus: PrometheusArgs,

    #[command(flatten)]
    pub gcp: GcpArgs,

    #[command(flatten)]
    pub time: TimeArgs,

    /// With a server source: also save what was fetched as a snapshot (see `fetch`).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub save_snapshot: Option<PathBuf>,

    /// Use the bundled sample: a shop of 19 services and stores, 23 calls, with rates, failures
    /// and latency.
    #[arg(long, help_heading = "Input")]
    pub demo: bool,

    /// A preset (gmp-beyla, servicegraph, beyla, istio, linkerd), a schema file (TOML or JSON),
    /// or `auto`: a snapshot's own schema, else the preset whose labels fit the series.
    #[arg(
        long,
        default_value = "auto",
        value_name = "NAME|FILE",
        value_parser = SchemaValue { auto: true },
        hide_possible_values = true,
        help_heading = "Input"
    )]
    pub schema: String,

    /// Naming rules (TOML, or JSON by extension): CIDR ranges to names, regex renames, IP
    /// peers collapsed into one `external` node, aliases merged. Applied before the
    /// transforms; the graph records what was renamed.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub naming: Option<PathBuf>,

    #[command(flatten)]
    pub series_filter: SeriesFilterArgs,

    #[command(flatten)]
    pub transform: TransformArgs,

    #[command(flatten)]
    pub compare: CompareArgs,
}

/// `svcgraph mcp`: where the graph comes from; the protocol runs on stdin and stdout.
#[derive(Debug, Args)]
pub struct McpArgs {
    #[command(flatten)]
    pub graph: GraphArgs,

    /// The declared architecture the `check` tool uses when a call brings none: a rules file
    /// as `svcgraph check --rules` reads it.
    #[arg(long, value_name = "FILE", help_heading = "Declaration")]
    pub rules: Option<PathBuf>,

    /// Or a Backstage catalog, as `svcgraph check --catalog` reads it.
    #[arg(long, value_name = "FILE", help_heading = "Declaration")]
    pub catalog: Option<PathBuf>,

    /// Print no notes on standard error (errors are still printed).
    #[arg(long, short = 'q', help_heading = "Output")]
    pub quiet: bool,
}

// Command-line switches are booleans by nature.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub graph: GraphArgs,

    /// Output format; by default taken from the -o extension (.svg, .dot/.gv, .json,
    /// .html/.htm, .mmd/.mermaid, .md), else svg. `html` is one self-contained interactive
    /// page: pan and zoom, search, focus, collapsible namespaces, view state in the URL.
    /// `mermaid` is a flowchart for a pull request or an issue (with --baseline, the changes
    /// marked); `markdown` tables a comparison's new, gone and changed calls (without one,
    /// the busiest calls).
    #[arg(long, short = 'f', value_enum, help_heading = "Output")]
    pub format: Option<Format>,

    /// Write to FILE instead of standard output (`-` is standard output). An existing file is
    /// replaced only when the whole output is ready, never left half-written; a symbolic link
    /// is followed to its file, a FIFO or a device (/dev/null) written in place.
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub draw: DrawArgs,

    /// A link to another tool in the page's side panel (repeatable): NAME=URL, an http(s) URL
    /// with placeholders, each replaced by its value URL-encoded. A service's link uses
    /// `{service}` and `{namespace}`; a template with `{client}`, `{server}`, `{client_namespace}` or
    /// `{server_namespace}` is a call's link instead. `{from}` and `{to}` are the view's time window
    /// in Unix milliseconds (Grafana's from= and to= take them). E.g.
    /// 'Logs=https://logs.example/?q={service}&to={to}'.
    /// Only the html format carries links (--format html or -o FILE.html).
    #[arg(long = "link", value_name = "NAME=URL", value_parser = parse_link, help_heading = "Output")]
    pub links: Vec<LinkTemplate>,

    /// Print layout statistics (layers, crossings, size, time per phase) on standard error;
    /// with --format json they are also added to the document as `layout`.
    #[arg(long, help_heading = "Output")]
    pub stats: bool,

    /// Print no warnings or notes on standard error (errors are still printed).
    #[arg(long, short = 'q', help_heading = "Output")]
    pub quiet: bool,
}

/// `svcgraph check`: a graph, a declaration and a report.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("declaration").required(true).args(["rules", "catalog"]))]
pub struct CheckArgs {
    #[command(flatten)]
    pub graph: GraphArgs,

    /// A rules file, TOML (.toml) or YAML (.yaml, .yml): `allow`, `forbid`, `expect` and
    /// `budget` rules whose `from` and `to` are `namespace/name` patterns (`*`, `?`) or
    /// tables of name, namespace and kind. See the README's `svcgraph check` section.
    #[arg(long, value_name = "FILE", help_heading = "Declaration")]
    pub rules: Option<PathBuf>,

    /// A Backstage catalog (catalog-info.yaml, several documents allowed): the `dependsOn`
    /// and `dependencyOf` of its Components and Resources are the allowed and expected
    /// calls; any other call is undeclared.
    #[arg(long, value_name = "FILE", help_heading = "Declaration")]
    pub catalog: Option<PathBuf>,

    /// Report format; by default taken from the -o extension (.txt, .json, .xml for JUnit,
    /// .md), else text.
    #[arg(long, short = 'f', value_enum, help_heading = "Output")]
    pub format: Option<CheckFormat>,

    /// Write the report to FILE instead of standard output (`-` is standard output); the exit
    /// status still tells whether there were violations.
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Print no notes on standard error (errors are still printed).
    #[arg(long, short = 'q', help_heading = "Output")]
    pub quiet: bool,
}

/// `svcgraph doctor`: the graph's flags, and how to report.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub graph: GraphArgs,

    /// `text` for people, `json` for tools (a `svcgraph-quality` document).
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Text, help_heading = "Output")]
    pub format: ReportFormat,

    /// Write to FILE instead of standard output (`-` is standard output); replaced whole.
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Exit with status 1 when anything is found (for CI).
    #[arg(long, help_heading = "Output")]
    pub strict: bool,

    /// Print no warnings or notes on standard error (errors are still printed).
    #[arg(long, short = 'q', help_heading = "Output")]
    pub quiet: bool,
}

/// How `check` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// A headline and one line per violation.
    Text,
    /// A JSON document with every number.
    Json,
    /// JUnit XML, for CI test reports.
    Junit,
    /// Markdown, for a pull request comment.
    Markdown,
}

/// How `doctor` writes its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Findings, causes and fixes as text.
    Text,
    /// The report as JSON.
    Json,
}

/// How the picture is drawn (render and serve).
#[derive(Debug, Args)]
pub struct DrawArgs {
    /// Direction of calls on the page.
    #[arg(long, value_enum, default_value_t = RankDir::Lr, help_heading = "Output")]
    pub rankdir: RankDir,

    /// How edges are drawn: smooth curves, or runs parallel to the axes with rounded
    /// corners.
    #[arg(long, value_enum, default_value_t = EdgeStyleArg::Curved, help_heading = "Output")]
    pub edges: EdgeStyleArg,

    /// Edge labels on the SVG picture (auto: those with room beside their line, others in
    /// rooms of their own on graphs of up to 200 calls while the drawing fits 1600 by 900
    /// px or grows no more than 1.3 times, none above 1,000 edges; always: every label, in
    /// a room of its own where needed; tooltips always have them).
    #[arg(long, value_enum, default_value_t = EdgeLabelsArg::Auto, help_heading = "Output")]
    pub edge_labels: EdgeLabelsArg,

    /// Leave the legend out of the SVG picture.
    #[arg(long, help_heading = "Output")]
    pub no_legend: bool,

    /// Draw a box around the nodes of each namespace (SVG boxes, DOT clusters, Mermaid
    /// subgraphs).
    #[arg(long, value_enum, default_value_t = GroupBy::None, help_heading = "Output")]
    pub group: GroupBy,
}

/// Filters applied to series labels: server-side for live sources, to the saved series here.
#[derive(Debug, Args)]
pub struct SeriesFilterArgs {
    /// Only series from this cluster (the schema's cluster label).
    #[arg(long, help_heading = "Filters")]
    pub cluster: Option<String>,

    /// A label filter: label=value, label!=value, label=~regex or label!~regex. Repeatable.
    #[arg(
        long = "filter",
        short = 'l',
        value_name = "MATCHER",
        help_heading = "Filters"
    )]
    pub matchers: Vec<String>,
}

/// One picture of two moments.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Compare with a baseline: a saved response, snapshot or graph JSON of another moment,
    /// read and transformed like the input. New, gone and changed edges are marked.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "compare_at",
        help_heading = "Comparison"
    )]
    pub baseline: Option<PathBuf>,

    /// With a server source (prometheus, gmp, cloud-monitoring): compare with the same queries
    /// at this time (RFC 3339, Unix seconds, or a duration ago such as 1h or 1d).
    #[arg(long, value_name = "TIME", help_heading = "Comparison")]
    pub compare_at: Option<String>,

    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

/// When an edge of a comparison counts as changed (render and serve).
// The fields are named after their flags, which all end in `-change`.
#[allow(clippy::struct_field_names)]
#[derive(Debug, Args)]
pub struct ThresholdArgs {
    /// An edge's rate changed when it moved by at least this much of itself: a fraction
    /// (0.5) or a percentage (50%).
    #[arg(long, value_name = "FRACTION", default_value = "50%", value_parser = parse_fraction,
        help_heading = "Comparison")]
    pub rate_change: f64,

    /// An edge's error ratio changed when it moved by at least this much: a fraction (0.01)
    /// or percentage points (1%).
    #[arg(long, value_name = "FRACTION", default_value = "1%", value_parser = parse_fraction,
        help_heading = "Comparison")]
    pub error_change: f64,

    /// An edge's p95 latency changed when it moved by at least this much of itself: a
    /// fraction (0.5) or a percentage (50%).
    #[arg(long, value_name = "FRACTION", default_value = "50%", value_parser = parse_fraction,
        help_heading = "Comparison")]
    pub p95_change: f64,
}

/// A threshold as the library and the Python package take it, a fraction (`0.5`), or as a
/// percentage (`50%`).
fn parse_fraction(text: &str) -> Result<f64, String> {
    let (number, scale) = match text.trim().strip_suffix('%') {
        Some(percent) => (percent, 100.0),
        None => (text.trim(), 1.0),
    };
    match number.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok(value / scale),
        _ => Err(format!(
            "`{text}` is not a threshold; write a fraction (0.5) or a percentage (50%) of zero or more"
        )),
    }
}

#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Args)]
pub struct TransformArgs {
    /// Merge pods into workloads, or everything into namespaces. Applied first.
    #[arg(long, value_enum, help_heading = "Transforms")]
    pub aggregate: Option<Aggregate>,

    /// Keep edges touching this namespace (and the peers at their other end). Repeatable.
    #[arg(
        long,
        short = 'n',
        value_name = "NAMESPACE",
        help_heading = "Transforms"
    )]
    pub namespace: Vec<String>,

    /// Keep only nodes whose name or id matches this regex.
    #[arg(long, value_name = "REGEX", help_heading = "Transforms")]
    pub name: Option<String>,

    /// Drop nodes whose name or id matches this regex.
    #[arg(long, value_name = "REGEX", help_heading = "Transforms")]
    pub exclude: Option<String>,

    /// Drop virtual nodes (uninstrumented callers and callees such as `user`).
    #[arg(long, help_heading = "Transforms")]
    pub hide_virtual: bool,

    /// Drop external and unknown nodes (callers known only by an IP, hosts outside the mesh).
    #[arg(long, help_heading = "Transforms")]
    pub hide_external: bool,

    /// Drop edges under this many requests per second (and nodes left without edges).
    #[arg(long, value_name = "REQ_PER_SEC", help_heading = "Transforms")]
    pub min_rate: Option<f64>,

    /// Show only this node (id or name) and its neighbourhood. Applied last.
    #[arg(long, value_name = "NODE", help_heading = "Transforms")]
    pub focus: Option<String>,

    /// How many calls away from the focused node to go: a number or `all`.
    #[arg(long, default_value = "1", requires = "focus", value_parser = parse_depth, help_heading = "Transforms")]
    pub depth: usize,

    /// Which way to go from the focused node.
    #[arg(long, value_enum, default_value_t = FocusDirection::Both, requires = "focus", help_heading = "Transforms")]
    pub direction: FocusDirection,
}

/// A `--link` template, checked as it is parsed (so a bad one is a usage error).
fn parse_link(text: &str) -> Result<LinkTemplate, String> {
    LinkTemplate::parse(text).map_err(|e| e.to_string())
}

fn parse_depth(text: &str) -> Result<usize, String> {
    if text == "all" {
        return Ok(usize::MAX);
    }
    text.parse()
        .map_err(|_| format!("`{text}` is not a depth; write a number or `all`"))
}

/// Where the series come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SourceKind {
    /// A Prometheus-compatible HTTP API (--url).
    Prometheus,
    /// A saved input (--input) or the bundled sample (--demo).
    File,
    /// Google Managed Service for Prometheus' PromQL endpoint (--project-id), with Google
    /// credentials.
    Gmp,
    /// Google Cloud Monitoring API v3 time series (--project-id); rates only approximate
    /// PromQL's `rate()`, see the README.
    CloudMonitoring,
}

/// Where `fetch` asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServerKind {
    /// A Prometheus-compatible HTTP API (--url).
    Prometheus,
    /// Google Managed Service for Prometheus' PromQL endpoint (--project-id).
    Gmp,
    /// Google Cloud Monitoring API v3 time series (--project-id).
    CloudMonitoring,
}

/// How to reach Google Cloud (--source gmp or cloud-monitoring). Credentials are
/// Application Default Credentials unless --credentials-file is given: the file named by
/// `GOOGLE_APPLICATION_CREDENTIALS`, else gcloud's (`gcloud auth application-default login`),
/// else the metadata server (GKE Workload Identity, GCE; `GCE_METADATA_HOST` overrides its
/// address).
#[derive(Debug, Args)]
pub struct GcpArgs {
    /// The Google Cloud project whose metrics to read.
    #[arg(
        long,
        env = "GOOGLE_CLOUD_PROJECT",
        value_name = "PROJECT",
        help_heading = "Google Cloud"
    )]
    pub project_id: Option<String>,

    /// A service-account key or `authorized_user` credentials file, instead of Application
    /// Default Credentials (which read the environment: `GOOGLE_APPLICATION_CREDENTIALS`,
    /// gcloud's file, or the metadata server at `GCE_METADATA_HOST`).
    #[arg(long, value_name = "FILE", help_heading = "Google Cloud")]
    pub credentials_file: Option<PathBuf>,

    /// Bill the API calls to this project and use its quota (`x-goog-user-project`).
    #[arg(
        long,
        env = "GOOGLE_CLOUD_QUOTA_PROJECT",
        value_name = "PROJECT",
        help_heading = "Google Cloud"
    )]
    pub quota_project: Option<String>,

    /// Another address for the Monitoring API, e.g. a Private Service Connect endpoint
    /// (default `https://monitoring.googleapis.com`).
    #[arg(long, value_name = "URL", help_heading = "Google Cloud")]
    pub endpoint: Option<String>,
}

/// How to reach a Prometheus-compatible server.
#[derive(Debug, Clone, Args)]
pub struct PrometheusArgs {
    /// Base URL of a Prometheus-compatible API; a path prefix is kept
    /// (`https://mimir.example/prometheus`, `http://thanos:10902`, `http://vm:8428`).
    #[arg(
        long,
        env = "SVCGRAPH_PROMETHEUS_URL",
        value_name = "URL",
        help_heading = "Prometheus"
    )]
    pub url: Option<String>,

    /// Send `Authorization: Bearer TOKEN`.
    #[arg(
        long,
        env = "SVCGRAPH_PROMETHEUS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN",
        conflicts_with = "basic_auth",
        help_heading = "Prometheus"
    )]
    pub bearer_token: Option<String>,

    /// Send basic authentication, USER:PASSWORD.
    #[arg(
        long,
        env = "SVCGRAPH_PROMETHEUS_BASIC_AUTH",
        hide_env_values = true,
        value_name = "USER:PASSWORD",
        help_heading = "Prometheus"
    )]
    pub basic_auth: Option<String>,

    /// An extra request header, `Name: value` (e.g. `X-Scope-OrgID: team-a`). Repeatable.
    #[arg(
        long = "header",
        short = 'H',
        value_name = "HEADER",
        help_heading = "Prometheus"
    )]
    pub headers: Vec<String>,

    /// Trust this CA certificate (PEM) as well as the system's.
    #[arg(long, value_name = "FILE", help_heading = "Prometheus")]
    pub ca_file: Option<PathBuf>,

    /// Accept any TLS certificate (testing only).
    #[arg(long, help_heading = "Prometheus")]
    pub insecure: bool,

    /// Seconds to wait for each request (every server source).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 30.0,
        help_heading = "Prometheus"
    )]
    pub timeout: f64,

    /// Requests per query, retrying connection errors, timeouts, 429 and 5xx (never other
    /// 4xx). Every server source.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 3,
        help_heading = "Prometheus"
    )]
    pub attempts: u32,

    /// The most the answers to one graph's queries may hold together (every server source),
    /// e.g. 256MiB, 1GiB or a number of bytes; beyond it the graph is refused (narrow the
    /// query with --cluster, -n or -l). Reading stops at the limit, so it bounds memory.
    /// Default 256MiB; 64MiB for serve, which may run --max-query-sets graphs' queries at
    /// once.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Prometheus")]
    pub max_response_size: Option<u64>,
}

impl PrometheusArgs {
    /// The answers' budget of a command that reads one graph at a time.
    pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 256 << 20;
    /// The answers' budget of `serve`, whose default fits the shipped manifest's memory.
    pub const SERVE_MAX_RESPONSE_SIZE: u64 = 64 << 20;
}

/// `256MiB`, `1GiB`, `500MB`, `64KiB` or a plain number of bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "`{text}` is not a size; write e.g. 256MiB, 1GiB or 1000000"
            ));
        }
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size; write e.g. 256MiB, 1GiB or 1000000"))?;
    let bytes = value * multiplier as f64;
    if !(bytes.is_finite() && bytes >= 1.0 && bytes <= u64::MAX as f64) {
        return Err(format!(
            "`{text}` is not a usable size: give at least one byte"
        ));
    }
    Ok(bytes as u64)
}

/// When and over what window to ask.
#[derive(Debug, Args)]
pub struct TimeArgs {
    /// The `rate()` window, e.g. 5m, 1h30m (default 5m).
    #[arg(long, value_name = "DURATION", help_heading = "Time")]
    pub window: Option<String>,

    /// Evaluate at this time instead of now: RFC 3339, Unix seconds, or a duration ago such
    /// as 1h.
    #[arg(long, value_name = "TIME", help_heading = "Time")]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Where to ask: `prometheus` (--url), `gmp` or `cloud-monitoring` (--project-id). A
    /// cloud-monitoring snapshot holds its time series as Prometheus-shaped vectors.
    #[arg(long, value_enum, default_value_t = ServerKind::Prometheus, help_heading = "Input")]
    pub source: ServerKind,

    /// A preset, a schema file, or `auto`: the preset whose metrics the server holds.
    #[arg(
        long,
        default_value = "auto",
        value_name = "NAME|FILE",
        value_parser = SchemaValue { auto: true },
        hide_possible_values = true,
        help_heading = "Input"
    )]
    pub schema: String,

    #[command(flatten)]
    pub series_filter: SeriesFilterArgs,

    /// Only edges touching this namespace.
    #[arg(long, short = 'n', value_name = "NAMESPACE", help_heading = "Filters")]
    pub namespace: Option<String>,

    #[command(flatten)]
    pub time: TimeArgs,

    #[command(flatten)]
    pub prometheus: PrometheusArgs,

    #[command(flatten)]
    pub gcp: GcpArgs,

    /// Write the snapshot to FILE (replaced only when complete) instead of standard output
    /// (`-` is standard output).
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Also ask the data-quality report's queries (the connector's own counters, calls by
    /// reporting side, series that stopped) and keep their answers, so `svcgraph doctor
    /// --input` checks them offline. Prometheus and GMP.
    #[arg(long, help_heading = "Input")]
    pub quality: bool,

    /// No notes on standard error, only errors.
    #[arg(long, short = 'q', help_heading = "Output")]
    pub quiet: bool,
}

/// `svcgraph serve`: a live source, how to draw it, and where to listen.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where the series come from: `prometheus` (asks --url), `gmp` or `cloud-monitoring`
    /// (Google Cloud, asks --project-id), or `snapshots` (a directory, --snapshots). By
    /// default: the directory when one is given, else the server at --url.
    #[arg(long, value_enum, help_heading = "Input")]
    pub source: Option<LiveSourceKind>,

    /// A directory of snapshots (as `svcgraph fetch -o` and `render --save-snapshot` write
    /// them, `*.json`): the newest is the live view, the time slider picks the newest at or
    /// before the moment asked. Read again on every refresh, so new files show up.
    #[arg(long, value_name = "DIR", help_heading = "Input")]
    pub snapshots: Option<PathBuf>,

    /// A preset (gmp-beyla, servicegraph, beyla, istio, linkerd), a schema file (TOML or JSON),
    /// or `auto`: the preset whose metrics the server holds (a snapshot's own schema).
    #[arg(
        long,
        default_value = "auto",
        value_name = "NAME|FILE",
        value_parser = SchemaValue { auto: true },
        hide_possible_values = true,
        help_heading = "Input"
    )]
    pub schema: String,

    /// Naming rules (TOML, or JSON by extension): CIDR ranges to names, regex renames, IP
    /// peers collapsed into one `external` node, aliases merged. Applied before the
    /// transforms; the graph records what was renamed.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub naming: Option<PathBuf>,

    #[command(flatten)]
    pub prometheus: PrometheusArgs,

    #[command(flatten)]
    pub gcp: GcpArgs,

    /// The `rate()` window, e.g. 5m, 1h30m (default 5m).
    #[arg(long, value_name = "DURATION", help_heading = "Time")]
    pub window: Option<String>,

    #[command(flatten)]
    pub series_filter: SeriesFilterArgs,

    #[command(flatten)]
    pub transform: TransformArgs,

    #[command(flatten)]
    pub thresholds: ThresholdArgs,

    #[command(flatten)]
    pub draw: DrawArgs,

    /// The address to listen on. Anything but a loopback address makes the view (and the
    /// metrics behind it) reachable from the network: require a token there
    /// (--auth-token-file).
    #[arg(
        long,
        value_name = "ADDR:PORT",
        default_value = "127.0.0.1:7676",
        help_heading = "Server"
    )]
    pub listen: String,

    /// A host name the server answers to (repeatable), besides localhost and IP addresses:
    /// the name it is reached by, such as a Service's DNS name. Requests naming any other
    /// host are refused, so that a web page elsewhere cannot read the view by pointing a
    /// name of its own at the server (DNS rebinding). `*` answers to any name.
    #[arg(long = "allow-host", value_name = "NAME", help_heading = "Server")]
    pub allow_host: Vec<String>,

    /// Require the token this file holds (its first line): `Authorization: Bearer TOKEN`, or
    /// in a browser `/?token=TOKEN` once, which keeps it in a cookie. `/healthz` stays open.
    #[arg(long, value_name = "FILE", help_heading = "Server")]
    pub auth_token_file: Option<PathBuf>,

    /// How often the live view asks the source again (at least 1s): one query set per
    /// refresh, whatever the number of browsers.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30s",
        help_heading = "Server"
    )]
    pub refresh: String,

    /// How far back the time slider and the comparison reach.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "6h",
        help_heading = "Server"
    )]
    pub history: String,

    /// The page's title (default: svcgraph and the source).
    #[arg(long, value_name = "TEXT", help_heading = "Server")]
    pub title: Option<String>,

    /// Memory for other moments and comparisons already fetched and drawn (the live view is
    /// always kept), e.g. 96MiB; the least recently used go first.
    #[arg(long, value_name = "SIZE", default_value = "96MiB", value_parser = parse_size, help_heading = "Server")]
    pub cache_size: u64,

    /// Graphs whose queries may be asked of the source at once, the live view's refresh
    /// included; a request for another moment beyond it is answered 503 with Retry-After.
    /// With --max-response-size this bounds the memory answers take.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..), help_heading = "Server")]
    pub max_query_sets: u16,

    /// Graphs of other moments and comparisons asked of the source per minute at most
    /// (after a burst of 10); beyond it requests are answered 429 with Retry-After. 0: no
    /// limit.
    #[arg(long, value_name = "N", default_value_t = 60, help_heading = "Server")]
    pub max_query_rate: u32,

    /// Close a connection that sends nothing for this long (while its request headers are
    /// awaited, or between requests), so idle clients cannot hold the server's connections.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30s",
        help_heading = "Server"
    )]
    pub idle_timeout: String,

    /// A link to another tool in the page's side panel (repeatable): NAME=URL, an http(s) URL
    /// with placeholders, each replaced by its value URL-encoded. A service's link uses
    /// `{service}` and `{namespace}`; a template with `{client}`, `{server}`, `{client_namespace}` or
    /// `{server_namespace}` is a call's link instead. `{from}` and `{to}` are the view's time window
    /// in Unix milliseconds (Grafana's from= and to= take them). E.g.
    /// 'Logs=https://logs.example/?q={service}&to={to}'.
    /// In the live page they follow the moment shown.
    #[arg(long = "link", value_name = "NAME=URL", value_parser = parse_link, help_heading = "Server")]
    pub links: Vec<LinkTemplate>,

    /// Print no notes on standard error, only warnings about refreshes that failed and errors.
    #[arg(long, short = 'q', help_heading = "Output")]
    pub quiet: bool,
}

/// Where `serve` takes its series from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LiveSourceKind {
    /// A Prometheus-compatible HTTP API (--url).
    Prometheus,
    /// Google Managed Service for Prometheus' PromQL endpoint (--project-id).
    Gmp,
    /// Google Cloud Monitoring API v3 time series (--project-id).
    CloudMonitoring,
    /// A directory of svcgraph snapshots (--snapshots).
    Snapshots,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// A preset or a schema file (TOML or JSON).
    #[arg(
        long,
        default_value = "gmp-beyla",
        value_name = "NAME|FILE",
        value_parser = SchemaValue { auto: false },
        hide_possible_values = true
    )]
    pub schema: String,

    #[command(flatten)]
    pub series_filter: SeriesFilterArgs,

    /// Only edges touching this namespace.
    #[arg(long, short = 'n', help_heading = "Filters")]
    pub namespace: Option<String>,

    /// The `rate()` window, e.g. 5m, 1h30m.
    #[arg(long, default_value = "5m", help_heading = "Time")]
    pub window: String,

    /// Evaluate at this time instead of now: RFC 3339, Unix seconds, or a duration ago (1h).
    #[arg(long, value_name = "TIME", help_heading = "Time")]
    pub at: Option<String>,

    /// Print the queries as JSON.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (svcgraph-COMMAND(1)); without it, svcgraph(1).
    #[arg(value_name = "COMMAND", value_parser = PossibleValuesParser::new(SUBCOMMANDS))]
    pub command: Option<String>,

    /// Write every page into DIR instead: svcgraph.1 and svcgraph-COMMAND.1 for each
    /// subcommand (for a package's or a release archive's man/man1).
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub out_dir: Option<PathBuf>,
}

/// The subcommands, which `man` offers; a test checks them against [`Command`].
pub const SUBCOMMANDS: [&str; 10] = [
    "render",
    "fetch",
    "query",
    "doctor",
    "schemas",
    "serve",
    "check",
    "mcp",
    "completions",
    "man",
];

/// A `--schema` value: a preset, a schema file or (`auto: true`) `auto`. Every string is
/// accepted here (a file is checked when it is read); the preset names are the possible
/// values, so that shell completion offers them.
#[derive(Debug, Clone, Copy)]
pub struct SchemaValue {
    /// Whether `auto` is one of the values offered.
    pub auto: bool,
}

impl TypedValueParser for SchemaValue {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        let auto = self.auto.then_some("auto");
        Some(Box::new(
            auto.into_iter()
                .chain(Schema::PRESETS)
                .map(PossibleValue::new),
        ))
    }
}

#[derive(Debug, Args)]
pub struct SchemasArgs {
    /// Print this preset as TOML.
    #[arg(long, value_name = "NAME")]
    pub show: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Svg,
    Dot,
    Json,
    Html,
    /// A Mermaid flowchart (GitHub and GitLab draw it inline in Markdown).
    Mermaid,
    /// A Markdown summary: a comparison's new, gone and changed calls, else the busiest.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EdgeLabelsArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupBy {
    /// No boxes.
    None,
    /// One box per namespace.
    Namespace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EdgeStyleArg {
    /// Straight where nothing is in the way, else smooth curves.
    Curved,
    /// Parallel to the axes, each offset on a track of its own.
    Orthogonal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RankDir {
    /// Left to right.
    Lr,
    /// Top to bottom.
    Tb,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Aggregate {
    /// Pods into their Deployment, StatefulSet, DaemonSet or Job.
    Workload,
    /// Everything with a namespace into its namespace.
    Namespace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FocusDirection {
    /// Callers.
    Up,
    /// Callees.
    Down,
    /// Callers and callees.
    Both,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn man_offers_every_subcommand() {
        let names: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .collect();
        assert_eq!(names, SUBCOMMANDS);
    }

    #[test]
    fn schema_accepts_files_and_offers_the_presets() {
        let cli = Cli::try_parse_from(["svcgraph", "query", "--schema", "./mine.toml"]).unwrap();
        let Command::Query(args) = cli.command else {
            panic!("query")
        };
        assert_eq!(args.schema, "./mine.toml");
        let offered: Vec<String> = SchemaValue { auto: true }
            .possible_values()
            .unwrap()
            .map(|v| v.get_name().to_owned())
            .collect();
        assert_eq!(offered[0], "auto");
        assert_eq!(offered[1..], Schema::PRESETS);
    }

    #[test]
    fn sizes_read_with_binary_and_decimal_units() {
        assert_eq!(parse_size("256MiB"), Ok(256 << 20));
        assert_eq!(parse_size("1gib"), Ok(1 << 30));
        assert_eq!(parse_size("500MB"), Ok(500_000_000));
        assert_eq!(parse_size("1.5KiB"), Ok(1536));
        assert_eq!(parse_size("4096"), Ok(4096));
        for bad in ["", "MiB", "12 parsecs", "0", "-1"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
