//! `svcgraph mcp`: the service graph for AI assistants and other tools, as a Model Context
//! Protocol server over standard input and output.
//!
//! The graph comes from the same flags as `render` (a file, the demo, or a server); tools
//! answer from it: the whole graph, a service's neighbourhood, the call chains between two
//! services, a comparison of two moments, and the check against a declared architecture. With a server source each call fetches its
//! moment (`at`, by default now); a file is read once. Bad arguments are answered with the
//! protocol's "invalid params" error and a message that says what to change; failures of the
//! source with an internal error; nothing a client sends can stop the server.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::schemars::{self, JsonSchema};
use rmcp::{ErrorData as McpError, ServerHandler, ServiceExt, tool, tool_handler, tool_router};
use serde::Deserialize;
use serde_json::{Value, json};
use svcgraph_core::check::{Architecture, CheckOptions, RulesFormat};
use svcgraph_core::diff::{self, Change};
use svcgraph_core::naming::NamingRules;
use svcgraph_core::petgraph::graph::EdgeIndex;
use svcgraph_core::quality;
use svcgraph_core::query::{EvalTime, GraphQuery};
use svcgraph_core::{FocusDirection, ServiceGraph, transform};

use crate::args::McpArgs;
use crate::pipeline::{self, Notes, Session};
use crate::source;

/// The most calls a tool lists unless asked for fewer; the rest are counted.
const DEFAULT_LIMIT: usize = 200;
/// The most a client may ask for in one answer.
const MAX_LIMIT: usize = 5_000;

/// `svcgraph mcp`: serves until the client closes standard input.
pub fn run(args: &McpArgs) -> Result<ExitCode> {
    let notes = Notes { quiet: args.quiet };
    let runtime = source::runtime()?;
    runtime.block_on(async {
        let origin = Origin::open(args, &notes).await?;
        let declared = super::check::declaration(args.rules.as_deref(), args.catalog.as_deref())?;
        let naming = pipeline::naming_from_flag(args.graph.naming.as_deref())?;
        let server = GraphServer {
            origin: Arc::new(origin),
            declared: declared.map(Arc::new),
            naming: naming.map(Arc::new),
            transform: args.graph.transform.clone(),
            tool_router: GraphServer::tool_router() + GraphServer::check_router(),
        };
        let running = server
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| anyhow::anyhow!("the MCP session did not start: {e}"))?;
        running
            .waiting()
            .await
            .map_err(|e| anyhow::anyhow!("the MCP session ended with an error: {e}"))?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// A moment's graph before naming rules and transforms, the time it describes, and the
/// series it was built from (for the quality report).
type Taken = pipeline::Obtained;

/// Where the graphs come from.
#[allow(
    clippy::large_enum_variant,
    reason = "one per server, made once and shared"
)]
enum Origin {
    /// A saved input, read once (before naming rules and transforms).
    File {
        taken: Taken,
        baseline: Option<ServiceGraph>,
    },
    /// A server, asked at each call.
    Server { session: Session, query: GraphQuery },
}

impl Origin {
    async fn open(args: &McpArgs, notes: &Notes) -> Result<Origin> {
        let graph_args = &args.graph;
        let kind = pipeline::source_of(graph_args)?;
        let Some(server) = pipeline::server_kind(kind) else {
            let taken = pipeline::load_graph(graph_args, notes)?;
            let baseline = match &graph_args.compare.baseline {
                Some(path) => Some(pipeline::baseline_graph(path, graph_args, notes)?),
                None => None,
            };
            return Ok(Origin::File { taken, baseline });
        };
        let query = pipeline::server_query(
            &graph_args.series_filter,
            &graph_args.transform.namespace,
            &graph_args.time,
        )?;
        let named = pipeline::schema_from_flag(&graph_args.schema)?;
        // No progress line: standard output carries the protocol.
        let session = Session::open(
            server,
            (&graph_args.prometheus, &graph_args.gcp),
            named,
            &query,
            true,
        )
        .await?;
        if let Some(note) = &session.note {
            notes.note(note);
        }
        Ok(Origin::Server { session, query })
    }

    /// The graph at `at` (a server's now when `None`), before naming rules and transforms,
    /// with the data-quality queries' answers when `quality`.
    async fn graph(&self, at: Option<&str>, quality: bool) -> Result<Taken, McpError> {
        let at = at.map(|text| parse_time(text, "at")).transpose()?;
        self.graph_at(at, quality).await
    }

    async fn graph_at(&self, at: Option<EvalTime>, quality: bool) -> Result<Taken, McpError> {
        match self {
            Origin::File { taken, .. } => match at {
                None => Ok(Taken {
                    graph: taken.graph.clone(),
                    window: taken.window,
                    series: if quality { taken.series.clone() } else { None },
                }),
                Some(_) => Err(McpError::invalid_params(
                    "`at` asks a server for another moment, and this server answers from a saved file; leave `at` out",
                    None,
                )),
            },
            Origin::Server { session, query } => {
                let mut query = query.clone();
                if at.is_some() {
                    query.at = at;
                }
                let moment = session
                    .moment_with(&query, quality)
                    .await
                    .map_err(|e| McpError::internal_error(format!("{e:#}"), None))?;
                let window = moment
                    .fetched
                    .snapshot
                    .query
                    .as_ref()
                    .and_then(GraphQuery::time_window);
                let series = quality.then(|| {
                    (
                        moment.fetched.snapshot.schema.clone(),
                        moment.fetched.results.clone(),
                    )
                });
                Ok(Taken {
                    graph: moment.graph,
                    window,
                    series,
                })
            }
        }
    }

    /// The baseline of a comparison: `before` from a server, or the `--baseline` file.
    async fn baseline(&self, before: Option<&str>) -> Result<ServiceGraph, McpError> {
        match (self, before) {
            (Origin::File { baseline, .. }, None) => baseline.clone().ok_or_else(|| {
                McpError::invalid_params(
                    "this server reads a saved file and was started without --baseline FILE, so there is nothing to compare with",
                    None,
                )
            }),
            (Origin::File { .. }, Some(_)) => Err(McpError::invalid_params(
                "`before` asks a server for another moment, and this server answers from a saved file (compare with the --baseline file by leaving `before` out)",
                None,
            )),
            (Origin::Server { .. }, None) => Err(McpError::invalid_params(
                "give `before`: the earlier moment to compare with (RFC 3339, Unix seconds, or a duration ago such as 1h)",
                None,
            )),
            (Origin::Server { .. }, Some(before)) => Ok(self
                .graph_at(Some(parse_time(before, "before")?), false)
                .await?
                .graph),
        }
    }
}

fn parse_time(text: &str, field: &str) -> Result<EvalTime, McpError> {
    source::parse_time(text)
        .map_err(|e| McpError::invalid_params(format!("`{field}`: {e:#}"), None))
}

/// Which calls to follow from a service.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Direction {
    /// Who calls it, and who calls them.
    Callers,
    /// What it calls, and so on.
    Callees,
    /// Both.
    #[default]
    Both,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct GraphRequest {
    /// The moment (server sources only): RFC 3339, Unix seconds, or a duration ago such as
    /// `1h`. Default: now.
    at: Option<String>,
    /// How many calls to list, busiest first (default 200, at most 5000).
    limit: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct NeighboursRequest {
    /// The service: its id or its name.
    service: String,
    /// How many calls away to go (default 1, at most 10).
    depth: Option<usize>,
    /// `callers`, `callees` or `both` (default).
    direction: Option<Direction>,
    /// The moment (server sources only), as for `graph`.
    at: Option<String>,
    /// How many calls to list, busiest first (default 200).
    limit: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct PathsRequest {
    /// Where the calls start: a service id or name.
    from: String,
    /// Where they end: a service id or name.
    to: String,
    /// The most calls in one chain (default 6, at most 12).
    max_hops: Option<usize>,
    /// How many chains, shortest first (default 10, at most 100).
    limit: Option<usize>,
    /// The moment (server sources only), as for `graph`.
    at: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct CompareRequest {
    /// The earlier moment (server sources): RFC 3339, Unix seconds, or a duration ago such as
    /// `1d`. Left out with a file source: the `--baseline` file.
    before: Option<String>,
    /// The later moment (server sources only). Default: now.
    at: Option<String>,
    /// How many calls to list per kind of change (default 200).
    limit: Option<usize>,
}

/// The syntax of a declaration given to the `check` tool.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Syntax {
    /// A rules file in TOML (`[[allow]]`, `[[forbid]]`, `[[expect]]`, `[[budget]]`).
    #[default]
    Toml,
    /// The same rules in YAML.
    Yaml,
    /// A Backstage catalog (`catalog-info.yaml` documents with `dependsOn`).
    Backstage,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct CheckRequest {
    /// The declared architecture, as the text of a rules file or a Backstage catalog. Left
    /// out: the one the server was started with (`--rules` or `--catalog`).
    rules: Option<String>,
    /// The syntax of `rules`: `toml` (default), `yaml` or `backstage`.
    syntax: Option<Syntax>,
    /// The moment (server sources only), as for `graph`.
    at: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct QualityRequest {
    /// The moment (server sources only), as for `graph`.
    at: Option<String>,
}

/// The MCP server: tools over one graph source.
#[derive(Clone)]
struct GraphServer {
    origin: Arc<Origin>,
    /// The declaration of `--rules` or `--catalog`, for `check`.
    declared: Option<Arc<Architecture>>,
    /// `--naming`, applied before the transforms.
    naming: Option<Arc<NamingRules>>,
    transform: crate::args::TransformArgs,
    tool_router: ToolRouter<GraphServer>,
}

#[tool_router]
impl GraphServer {
    /// The graph of a moment with the command line's naming rules and transforms.
    async fn transformed(
        &self,
        at: Option<&str>,
    ) -> Result<(ServiceGraph, Option<(i64, i64)>), McpError> {
        let taken = self.origin.graph(at, false).await?;
        Ok((self.shaped(taken.graph)?, taken.window))
    }

    /// A graph with the command line's naming rules and transforms.
    fn shaped(&self, graph: ServiceGraph) -> Result<ServiceGraph, McpError> {
        let graph = pipeline::rename(graph, self.naming.as_deref(), None);
        pipeline::apply_transforms(graph, &self.transform)
            .map_err(|e| McpError::invalid_params(format!("{e:#}"), None))
    }

    #[tool(
        description = "The service graph: every service (id, name, namespace, kind) and the calls between them with requests per second, error ratio and latency (p50/p95/p99, seconds), busiest calls first. Use `at` for another moment."
    )]
    async fn graph(
        &self,
        Parameters(r): Parameters<GraphRequest>,
    ) -> Result<CallToolResult, McpError> {
        let limit = limit(r.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
        let (graph, window) = self.transformed(r.at.as_deref()).await?;
        answer(&graph_json(&graph, window, limit))
    }

    #[tool(
        description = "A service's neighbourhood: its callers and/or callees up to `depth` calls away, and the calls among them. Answers which services depend on it (callers) or what it depends on (callees)."
    )]
    async fn neighbours(
        &self,
        Parameters(r): Parameters<NeighboursRequest>,
    ) -> Result<CallToolResult, McpError> {
        let depth = bounded(r.depth.unwrap_or(1), "depth", 1, 10)?;
        let limit = limit(r.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
        let (graph, window) = self.transformed(r.at.as_deref()).await?;
        let direction = match r.direction.unwrap_or_default() {
            Direction::Callers => FocusDirection::Upstream,
            Direction::Callees => FocusDirection::Downstream,
            Direction::Both => FocusDirection::Both,
        };
        let near = transform::focus(&graph, &r.service, depth, direction)
            .map_err(|e| McpError::invalid_params(e.to_string(), None))?;
        let mut doc = graph_json(&near, window, limit);
        doc["service"] = json!(r.service);
        doc["depth"] = json!(depth);
        answer(&doc)
    }

    #[tool(
        description = "The call chains from one service to another (each a list of services and the calls between them with their rate, error ratio and p95), shortest first. Answers how a request gets from A to B and where it is slow or failing."
    )]
    async fn paths(
        &self,
        Parameters(r): Parameters<PathsRequest>,
    ) -> Result<CallToolResult, McpError> {
        let max_hops = bounded(r.max_hops.unwrap_or(6), "max_hops", 1, 12)?;
        let wanted = limit(r.limit, 10, 100)?;
        let (graph, window) = self.transformed(r.at.as_deref()).await?;
        let found = transform::paths(&graph, &r.from, &r.to, max_hops, wanted)
            .map_err(|e| McpError::invalid_params(e.to_string(), None))?;
        let g = graph.graph();
        let chains: Vec<Value> = found
            .iter()
            .map(|path| {
                let calls: Vec<Value> = path
                    .windows(2)
                    .filter_map(|pair| graph.find_edge(pair[0], pair[1]))
                    .map(|e| call_json(&graph, e))
                    .collect();
                let slowest = calls
                    .iter()
                    .filter_map(|c| c["p95_seconds"].as_f64())
                    .fold(None, |most: Option<f64>, p| {
                        Some(most.map_or(p, |m| m.max(p)))
                    });
                let worst_errors = calls
                    .iter()
                    .filter_map(|c| c["error_ratio"].as_f64())
                    .fold(0.0_f64, f64::max);
                json!({
                    "services": path.iter().map(|&n| g[n].id.clone()).collect::<Vec<_>>(),
                    "calls": calls,
                    "slowest_p95_seconds": slowest,
                    "worst_error_ratio": worst_errors,
                })
            })
            .collect();
        answer(&json!({
            "window": window_json(window),
            "from": r.from,
            "to": r.to,
            "max_hops": max_hops,
            "paths": chains,
        }))
    }

    #[tool(
        description = "What changed between two moments: calls that are new, gone, or whose rate, error ratio or p95 changed notably, with the values before and after. Server sources compare `before` with `at` (default now); a file source compares with its --baseline file."
    )]
    async fn compare(
        &self,
        Parameters(r): Parameters<CompareRequest>,
    ) -> Result<CallToolResult, McpError> {
        let limit = limit(r.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
        let (now, window) = self.transformed(r.at.as_deref()).await?;
        let before = self.origin.baseline(r.before.as_deref()).await?;
        let before = self.shaped(before)?;
        let compared = diff::diff(&now, &before, &diff::Thresholds::default());
        let g = compared.graph();
        let mut groups: [Vec<Value>; 4] = Default::default();
        let mut edges: Vec<_> = g.edge_indices().collect();
        edges.sort_by(|&a, &b| busier(&compared, a, b));
        for e in edges {
            let Some(d) = &g[e].diff else { continue };
            let mut call = call_json(&compared, e);
            call["before"] = d.before.map_or(Value::Null, |before| {
                json!({
                    "requests_per_second": finite(before.requests_per_second),
                    "error_ratio": finite(before.error_ratio()),
                    "p95_seconds": before.latency.p95.and_then(finite),
                })
            });
            call["moved"] = json!(d.moved.iter().map(|m| m.as_str()).collect::<Vec<_>>());
            groups[d.change as usize].push(call);
        }
        let counts: Vec<usize> = groups.iter().map(Vec::len).collect();
        let [new, gone, changed, _same] = groups.map(|mut calls| {
            calls.truncate(limit);
            calls
        });
        answer(&json!({
            "window": window_json(window),
            "summary": {
                "new": counts[Change::New as usize],
                "gone": counts[Change::Gone as usize],
                "changed": counts[Change::Changed as usize],
                "same": counts[Change::Same as usize],
            },
            "new": new,
            "gone": gone,
            "changed": changed,
        }))
    }
}

#[tool_router(router = check_router)]
impl GraphServer {
    #[tool(
        description = "The graph against a declared architecture (allowed, forbidden and expected calls, error and latency budgets): forbidden, undeclared and missing calls and calls over budget, with their rates. Give the rules as TOML or YAML text, or a Backstage catalog, or leave them out for the server's own."
    )]
    async fn check(
        &self,
        Parameters(r): Parameters<CheckRequest>,
    ) -> Result<CallToolResult, McpError> {
        let given;
        let architecture = match (&r.rules, &self.declared) {
            (Some(text), _) => {
                let parsed = match r.syntax.unwrap_or_default() {
                    Syntax::Toml => Architecture::from_rules(text, RulesFormat::Toml),
                    Syntax::Yaml => Architecture::from_rules(text, RulesFormat::Yaml),
                    Syntax::Backstage => Architecture::from_backstage(text),
                };
                given =
                    parsed.map_err(|e| McpError::invalid_params(format!("`rules`: {e}"), None))?;
                &given
            }
            (None, Some(declared)) => declared.as_ref(),
            (None, None) => {
                return Err(McpError::invalid_params(
                    "give `rules` (the text of a rules file, TOML by default) or start the server with --rules FILE or --catalog FILE",
                    None,
                ));
            }
        };
        let (graph, _) = self.transformed(r.at.as_deref()).await?;
        let report = svcgraph_core::check::check(&graph, architecture, &CheckOptions::default());
        Ok(CallToolResult::success(vec![ContentBlock::text(
            report.to_json(),
        )]))
    }

    #[tool(
        description = "How far the graph's names and numbers can be trusted: services named by an IP address, `unknown` or `user` and the traffic they carry, the trace connector's unpaired, dropped and expired counts, calls seen from one side only, one name under several namespaces, series that stopped within the window; each finding with its usual cause and the producer setting that fixes it."
    )]
    async fn quality(
        &self,
        Parameters(r): Parameters<QualityRequest>,
    ) -> Result<CallToolResult, McpError> {
        let taken = self.origin.graph(r.at.as_deref(), true).await?;
        let evidence = taken.evidence();
        let graph = self.shaped(taken.graph.clone())?;
        let report = quality::assess(&graph, evidence.as_ref());
        Ok(CallToolResult::success(vec![ContentBlock::text(
            report.to_json(),
        )]))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for GraphServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("svcgraph", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "The service graph of a microservice system from its service-graph metrics: who calls whom, how often, how often it fails, how slow it is. Services are named by id or name; rates are requests per second, latencies seconds.",
            )
    }
}

/// A tool's JSON answer as text content.
fn answer(doc: &Value) -> Result<CallToolResult, McpError> {
    let text = serde_json::to_string_pretty(doc)
        .map_err(|e| McpError::internal_error(format!("cannot write the answer: {e}"), None))?;
    Ok(CallToolResult::success(vec![ContentBlock::text(text)]))
}

fn bounded(value: usize, field: &str, low: usize, high: usize) -> Result<usize, McpError> {
    if (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(McpError::invalid_params(
            format!("`{field}` is {value}; give a number from {low} to {high}"),
            None,
        ))
    }
}

fn limit(asked: Option<usize>, default: usize, most: usize) -> Result<usize, McpError> {
    bounded(asked.unwrap_or(default), "limit", 1, most)
}

/// `null` for a number JSON cannot hold.
fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

fn window_json(window: Option<(i64, i64)>) -> Value {
    window.map_or(
        Value::Null,
        |(from, to)| json!({"from_unix_ms": from, "to_unix_ms": to}),
    )
}

/// Busiest first, then by the names at both ends (a stable order).
fn busier(graph: &ServiceGraph, a: EdgeIndex, b: EdgeIndex) -> std::cmp::Ordering {
    let g = graph.graph();
    let key = |e| {
        let (s, t) = g.edge_endpoints(e).unwrap_or_default();
        (&g[s].id, &g[t].id)
    };
    g[b].requests_per_second
        .total_cmp(&g[a].requests_per_second)
        .then_with(|| key(a).cmp(&key(b)))
}

/// One call: its ends and numbers.
fn call_json(graph: &ServiceGraph, e: EdgeIndex) -> Value {
    let g = graph.graph();
    let (s, t) = g.edge_endpoints(e).unwrap_or_default();
    let edge = &g[e];
    json!({
        "client": g[s].id,
        "server": g[t].id,
        "requests_per_second": finite(edge.requests_per_second),
        "error_ratio": finite(edge.error_ratio()),
        "p50_seconds": edge.latency.p50.and_then(finite),
        "p95_seconds": edge.latency.p95.and_then(finite),
        "p99_seconds": edge.latency.p99.and_then(finite),
    })
}

/// The services and the busiest `limit` calls of a graph.
fn graph_json(graph: &ServiceGraph, window: Option<(i64, i64)>, limit: usize) -> Value {
    let g = graph.graph();
    let services: Vec<Value> = graph
        .sorted_nodes()
        .into_iter()
        .map(|n| {
            let node = &g[n];
            json!({
                "id": node.id,
                "name": node.name,
                "namespace": node.namespace,
                "kind": node.kind,
            })
        })
        .collect();
    let mut edges: Vec<_> = g.edge_indices().collect();
    edges.sort_by(|&a, &b| busier(graph, a, b));
    let left_out = edges.len().saturating_sub(limit);
    edges.truncate(limit);
    json!({
        "window": window_json(window),
        "service_count": graph.node_count(),
        "call_count": graph.edge_count(),
        "services": services,
        "calls": edges.into_iter().map(|e| call_json(graph, e)).collect::<Vec<_>>(),
        "calls_left_out": left_out,
    })
}
