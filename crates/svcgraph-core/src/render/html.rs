//! One self-contained, interactive HTML page: the SVG drawing inline, the graph document
//! embedded as data, and a small script and stylesheet (checked in next to this file as
//! `assets/view.js` and `assets/view.css`) for pan and zoom, search, hover highlight, focus,
//! collapsing namespaces, switching edge labels, view state in the URL fragment and SVG export.
//!
//! Nothing is fetched from the network: a Content-Security-Policy meta tag allows only the
//! page's own inline script and styles, by their SHA-256 hashes (and, for a live page, requests
//! back to the server that sent it). Names reach the page only as escaped SVG text and as
//! JSON strings inside data blocks in which `<` is written `\u003c`, so no name can close a
//! block or open a tag; the script puts names into the DOM as text only.
//!
//! The page carries the layout engine too ([`ENGINE`]: `crates/svcgraph-wasm` compiled to
//! WebAssembly, gzipped, in base64): focusing on a service draws its neighbourhood afresh, as
//! `svcgraph render --focus` draws it, rather than dimming the rest of the big drawing. The
//! policy allows compiling it (`'wasm-unsafe-eval'`); a browser without WebAssembly or
//! `DecompressionStream` keeps the dimming.
//!
//! Graphs of more than [`OVERVIEW_THRESHOLD`] nodes start as an overview ([`aggregate`]): one
//! node per namespace when they have several, else one per workload when their pods make
//! noticeably fewer workloads, else one per group of services that call each other most
//! ([`computed_groups`], named by its busiest service). The page carries the graph document,
//! not the full drawing: clicking a namespace has the engine lay out the overview with that
//! namespace's services drawn in full, and the full drawing (`#full=1`, a search, a
//! workload) is laid out by it too, when asked for. Nothing is left out.
//!
//! ```
//! use svcgraph_core::render::html::{HtmlOptions, to_html};
//! use svcgraph_core::{Edge, Node, NodeKind, ServiceGraph};
//!
//! let mut g = ServiceGraph::new();
//! let a = g.upsert_node(Node::named("frontend", NodeKind::Service));
//! let b = g.upsert_node(Node::named("<img src=x>", NodeKind::Service));
//! g.upsert_edge(a, b, Edge::with_rate(2.5));
//! let page = to_html(&g, &HtmlOptions::default());
//! assert!(page.starts_with("<!DOCTYPE html>"));
//! assert!(!page.contains("<img"));
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use base64::Engine;
use sha2::{Digest, Sha256};

use super::json::{to_json, to_json_compact};
use super::links::LinkTemplate;
use super::svg::{SvgOptions, to_svg};
use super::{Grouping, shown};
use crate::diff::{Thresholds, diff};
use crate::model::{Edge, Node, NodeKind, ServiceGraph};
use crate::quality::QualityReport;
use crate::transform::{Level, aggregate, computed_groups, regroup, workload_name};

/// The page's script, compiled in.
pub const SCRIPT: &str = include_str!("../../assets/view.js");
/// The page's stylesheet, compiled in.
pub const STYLESHEET: &str = include_str!("../../assets/view.css");
/// The page's layout engine: `crates/svcgraph-wasm` built for `wasm32-unknown-unknown` and
/// gzipped by `scripts/wasm-build.sh` (committed, so building this crate needs no wasm
/// toolchain; the test command fails when it is stale against its sources).
pub const ENGINE: &[u8] = include_bytes!("../../assets/engine.wasm.gz");

/// [`ENGINE`] in base64, as the page carries it; encoded once.
fn engine_base64() -> &'static str {
    static ENCODED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ENCODED.get_or_init(|| base64::engine::general_purpose::STANDARD.encode(ENGINE))
}

/// Graphs with more nodes than this start as an overview of their namespaces (or workloads):
/// a few hundred boxes is about what a screen shows legibly.
pub const OVERVIEW_THRESHOLD: usize = 400;

/// Options for [`to_html`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct HtmlOptions {
    /// How the drawing is made. Graphs with more than one namespace are always drawn with
    /// namespace boxes on the page, since the page collapses namespaces by their boxes.
    pub svg: SvgOptions,
    /// The page title; by default "Service graph".
    pub title: Option<String>,
    /// A live page, refreshed from the server that serves it.
    pub live: Option<LiveOptions>,
    /// Links to other tools in the side panel of a service or a call ([`links`](super::links)).
    pub links: Vec<LinkTemplate>,
    /// The time window the graph describes, `(from, to)` in Unix milliseconds: the values of
    /// the links' `{from}` and `{to}`. A live page takes them from each view it shows
    /// ([`LiveOptions::window_seconds`] before its moment); without either, the hour before
    /// the link is followed.
    pub window: Option<(i64, i64)>,
    /// The data-quality report ([`quality::assess`](crate::quality::assess)), shown as a
    /// collapsed "Data quality" section above the drawing, with what naming rules renamed.
    pub quality: Option<QualityReport>,
}

/// The comparisons a live page offers (seconds before the moment shown), as far as its
/// history reaches.
const COMPARISONS: [(u64, &str); 5] = [
    (600, "10 min"),
    (3600, "1 h"),
    (6 * 3600, "6 h"),
    (86_400, "1 d"),
    (7 * 86_400, "7 d"),
];

/// A page served by `svcgraph serve`: it asks `api/view?at=…&compare=…` (relative to the
/// page) for a new drawing every `refresh_seconds`, and offers a time slider over the last
/// `history_seconds`.
///
/// The reply is JSON `{"svg": "<svg…>", "graph": {graph document}, "at": unix_seconds,
/// "notes": ["…"], "quality": {"summary": "…", "body": "<section…>"}}` (the "Data quality"
/// section of [`quality_section`], from the graph alone), with `"stale": {"since": unix_seconds, "error": "…"}` when the server
/// shows its last good view because its source has been failing since then (the page's
/// badge turns amber and says why; red when the server cannot be reached at all). `at` is
/// empty for now or Unix seconds; `compare` is empty for no comparison or the seconds before
/// `at` to compare with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LiveOptions {
    /// Seconds between refreshes while the page shows the present.
    pub refresh_seconds: u64,
    /// How far back the time slider reaches, in seconds.
    pub history_seconds: u64,
    /// The `rate()` window, in seconds: the links' `{from}` is this much before the moment
    /// shown.
    pub window_seconds: u64,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            refresh_seconds: 30,
            history_seconds: 6 * 3600,
            window_seconds: 300,
        }
    }
}

/// The page: one HTML document, ending in a newline, byte-identical for the same input.
pub fn to_html(graph: &ServiceGraph, options: &HtmlOptions) -> String {
    let namespaces = namespaces(graph);
    let svg_options = drawing_options(graph, &options.svg);
    let overview = overview_of(graph, namespaces.len());
    // A big graph's page carries its overview only: the full drawing, or a namespace
    // expanded, is laid out in the page by its engine when asked for (a 5,000-service
    // drawing is ten times the size of the rest of the page).
    let shown = match &overview {
        Some(o) => {
            let overview_options = SvgOptions {
                group: Grouping::None,
                hint: None,
                ..svg_options.clone()
            };
            to_svg(&o.graph, &overview_options).text
        }
        None => to_svg(graph, &svg_options).text,
    };
    let notice = notice(graph, namespaces.len(), overview.as_ref());

    let config = Config {
        live: options.live.map(|l| LiveConfig {
            refresh_seconds: l.refresh_seconds.max(1),
            history_seconds: l.history_seconds,
            window_seconds: l.window_seconds,
        }),
        links: &options.links,
        window: options.window.map(|(from, to)| [from, to]),
        threshold: OVERVIEW_THRESHOLD,
        overview: overview.is_some(),
        overview_level: overview.as_ref().map(|o| o.level),
        members: overview.as_ref().map(|o| Members::of(graph, o)),
        draw: DrawConfig::of(&svg_options),
    };
    let config_json = script_data(&serde_json::to_string(&config).unwrap_or_default());
    // On one line: the page and its engine read it, people read `render -f json`.
    let graph_json = script_data(&to_json_compact(graph));
    let shown = shown.as_str();

    let title = options.title.as_deref().unwrap_or("Service graph");
    // Every drawing the engine makes carries the same `<style>` block and legend styles as
    // the reference drawing, so the policy holds for them too.
    let csp = content_security_policy(&[shown, &reference_svg()], options.live.is_some());

    let mut out =
        String::with_capacity(shown.len() + config_json.len() + graph_json.len() + 64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        escape(&csp)
    );
    out.push_str(
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"generator\" content=\"svcgraph\">\n",
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(out, "<style>{STYLESHEET}</style>");
    out.push_str("</head>\n<body>\n<div class=\"app\">\n");
    write_toolbar(
        &mut out,
        title,
        options.live.as_ref(),
        overview.as_ref().map(|o| o.level),
    );
    let _ = writeln!(
        out,
        "<p id=\"notice\" class=\"notice\" role=\"status\"{}>{}</p>",
        if notice.is_some() { "" } else { " hidden" },
        escape(notice.as_deref().unwrap_or_default())
    );
    // A live page shows what the graph itself tells; each view's reply brings its own.
    let live_report = match (&options.quality, options.live) {
        (None, Some(_)) => Some(crate::quality::assess(graph, None)),
        _ => None,
    };
    write_quality(
        &mut out,
        graph,
        options.quality.as_ref().or(live_report.as_ref()),
    );
    out.push_str(
        "<div class=\"main\">\n<div id=\"stage\" class=\"stage\" tabindex=\"0\" aria-label=\"Service graph drawing: drag to pan, wheel or + and - to zoom\">\n",
    );
    out.push_str(shown);
    out.push_str(
        "</div>\n<aside id=\"panel\" class=\"panel\" aria-live=\"polite\"></aside>\n</div>\n\
         <footer id=\"status\" class=\"status\" role=\"status\"></footer>\n</div>\n",
    );
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"svcgraph-config\">{config_json}</script>"
    );
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"svcgraph-graph\">{graph_json}</script>"
    );
    let _ = writeln!(
        out,
        "<script type=\"application/wasm+gzip;base64\" id=\"svcgraph-engine\">{}</script>",
        engine_base64()
    );
    let _ = writeln!(out, "<script>{SCRIPT}</script>");
    out.push_str("</body>\n</html>\n");
    out
}

/// The options the page draws `graph` with: `options`, with namespace boxes when the graph
/// has more than one namespace (the page collapses namespaces by their boxes).
pub fn drawing_options(graph: &ServiceGraph, options: &SvgOptions) -> SvgOptions {
    let mut options = options.clone();
    if namespaces(graph).len() > 1 {
        options.group = Grouping::Namespace;
    }
    options
}

/// One reply of a live page's `api/view` request, and the drawing in it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LiveView {
    /// The JSON body: `{"svg": "<svg…>", "graph": {graph document}, "at": unix_seconds,
    /// "notes": ["…"]}`.
    pub body: String,
    /// The drawing; [`Svg::hint`](super::svg::Svg::hint) of it keeps the nodes in place
    /// in the next reply's drawing (pass it as [`SvgOptions::hint`]).
    pub svg: super::svg::Svg,
}

/// The reply to a live page's `api/view?at=…&compare=…` request: `graph` as of `at` (Unix
/// seconds; for a comparison, the [`diff`] against the earlier moment), drawn as the page
/// draws it ([`drawing_options`]), with `notes` to show in the page's status line.
pub fn live_view(
    graph: &ServiceGraph,
    options: &SvgOptions,
    at: i64,
    notes: &[String],
) -> LiveView {
    #[derive(serde::Serialize)]
    struct Reply<'a> {
        svg: &'a str,
        graph: &'a serde_json::value::RawValue,
        at: i64,
        notes: &'a [String],
        quality: Option<QualitySection>,
    }
    let svg = to_svg(graph, &drawing_options(graph, options));
    let quality = quality_section(graph, Some(&crate::quality::assess(graph, None)));
    // The graph document as written (our own valid JSON), not parsed and written again.
    let document = serde_json::value::RawValue::from_string(to_json(graph).trim_end().to_owned());
    let body = document
        .ok()
        .and_then(|graph| {
            serde_json::to_string(&Reply {
                svg: &svg.text,
                graph: &graph,
                at,
                notes,
                quality,
            })
            .ok()
        })
        .unwrap_or_default();
    LiveView { body, svg }
}

#[derive(serde::Serialize)]
struct Config<'a> {
    live: Option<LiveConfig>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    links: &'a [LinkTemplate],
    #[serde(skip_serializing_if = "Option::is_none")]
    window: Option<[i64; 2]>,
    threshold: usize,
    overview: bool,
    overview_level: Option<&'static str>,
    /// For a workload overview: the ids of each workload's pods in the full drawing; for a
    /// group overview, each group's services by their places in the graph document.
    members: Option<Members<'a>>,
    draw: DrawConfig,
}

/// What each node of an overview stands for in the graph document.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Members<'a> {
    /// A workload's pods, by id.
    Ids(&'a BTreeMap<String, Vec<String>>),
    /// A group's services, by their places in the document's `nodes` (a 5,000-service
    /// graph's ids would add 0.7 MB to the page).
    Places(BTreeMap<&'a str, Vec<usize>>),
}

impl<'a> Members<'a> {
    fn of(graph: &ServiceGraph, overview: &'a Overview) -> Self {
        if overview.level != "group" {
            return Members::Ids(&overview.members);
        }
        // The document lists the nodes in this order.
        let g = graph.graph();
        let place: std::collections::HashMap<&str, usize> = graph
            .sorted_nodes()
            .into_iter()
            .enumerate()
            .map(|(i, v)| (g[v].id.as_str(), i))
            .collect();
        Members::Places(
            overview
                .members
                .iter()
                .map(|(name, ids)| {
                    let places = ids.iter().filter_map(|id| place.get(id.as_str()).copied());
                    (name.as_str(), places.collect())
                })
                .collect(),
        )
    }
}

/// The page's drawing options as the engine reads them (`svcgraph render`'s flag names), so
/// that a focus drawn in the page is the one `svcgraph render --focus` draws with the same
/// flags.
#[derive(serde::Serialize)]
struct DrawConfig {
    rankdir: &'static str,
    edges: &'static str,
    edge_labels: &'static str,
    no_legend: bool,
    group: &'static str,
}

impl DrawConfig {
    fn of(options: &SvgOptions) -> Self {
        DrawConfig {
            rankdir: match options.direction {
                crate::Direction::TopToBottom => "tb",
                crate::Direction::LeftToRight => "lr",
            },
            edges: match options.edges {
                crate::layout::EdgeStyle::Orthogonal => "orthogonal",
                crate::layout::EdgeStyle::Curved => "curved",
            },
            edge_labels: match options.edge_labels {
                super::svg::EdgeLabels::Always => "always",
                super::svg::EdgeLabels::Never => "never",
                super::svg::EdgeLabels::Auto => "auto",
            },
            no_legend: options.no_legend,
            group: match options.group {
                Grouping::Namespace => "namespace",
                Grouping::None => "none",
            },
        }
    }
}

/// What a big graph's page shows first.
struct Overview {
    /// `"namespace"`, `"workload"` or `"group"`.
    level: &'static str,
    graph: ServiceGraph,
    /// Workload id → its pods' ids, or group name → its services' ids (empty for
    /// namespaces, which the page finds by their boxes).
    members: BTreeMap<String, Vec<String>>,
}

/// The overview of a graph too big to read at once: its namespaces when it has several, else
/// its workloads when its pods make noticeably fewer of them, else groups computed from its
/// calls ([`computed_groups`]); `None` for a graph small enough to draw in full.
fn overview_of(graph: &ServiceGraph, namespaces: usize) -> Option<Overview> {
    if graph.node_count() <= OVERVIEW_THRESHOLD {
        return None;
    }
    if namespaces > 1 {
        return Some(Overview {
            level: "namespace",
            graph: aggregate(graph, Level::Namespace),
            members: BTreeMap::new(),
        });
    }
    let workloads = aggregate(graph, Level::Workload);
    if workloads.node_count() * 5 > graph.node_count() * 4 {
        // Nothing to group by in the data: groups computed from the calls.
        let members = computed_groups(graph);
        return Some(Overview {
            level: "group",
            graph: aggregate(&regroup(graph, &members), Level::Namespace),
            members,
        });
    }
    let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in graph.nodes().filter(|n| n.kind == NodeKind::Pod) {
        // The id `aggregate` gives the pod's workload.
        let name = workload_name(&node.name);
        let id = match &node.namespace {
            Some(ns) => format!("{ns}/{name}"),
            None => name.to_owned(),
        };
        members.entry(id).or_default().push(node.id.clone());
    }
    for pods in members.values_mut() {
        pods.sort_unstable();
    }
    Some(Overview {
        level: "workload",
        graph: workloads,
        members,
    })
}

/// What the page says above the drawing about its size, if anything.
fn notice(graph: &ServiceGraph, namespaces: usize, overview: Option<&Overview>) -> Option<String> {
    let n = graph.node_count();
    let rule = format!(
        "Graphs of more than {} services start collapsed; nothing is left out.",
        thousands(OVERVIEW_THRESHOLD)
    );
    match overview {
        Some(o) if o.level == "namespace" => Some(format!(
            "{} services in {} namespaces: showing namespaces; click one to expand. {rule}",
            thousands(n),
            thousands(namespaces)
        )),
        Some(o) if o.level == "group" => Some(format!(
            "{} services and nothing to group them by: showing {} groups of services that \
             call each other most, each named by its busiest service; click one to expand. \
             {rule}",
            thousands(n),
            thousands(o.members.len())
        )),
        Some(o) => Some(format!(
            "{} services in {} workloads: showing workloads; click one to expand. {rule}",
            thousands(n),
            thousands(o.graph.node_count())
        )),
        None => None,
    }
}

/// The "Data quality" section of a page: its one-line summary and its body (HTML, every name
/// escaped), as the page shows them and a live view's reply carries them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct QualitySection {
    /// `Data quality: 2 findings · 3 nodes renamed by naming rules`.
    pub summary: String,
    /// The findings, what was not measured and the renames, as HTML.
    pub body: String,
}

/// The "Data quality" section for `graph`: the report's findings, what it could not
/// measure, and what naming rules renamed; `None` when there is neither a report nor a
/// rename.
pub fn quality_section(
    graph: &ServiceGraph,
    report: Option<&QualityReport>,
) -> Option<QualitySection> {
    let renames = graph.renames();
    if report.is_none() && renames.is_empty() {
        return None;
    }
    let findings = report.map_or(0, |r| r.findings.len());
    let summary = format!(
        "Data quality: {}{}",
        match (report, findings) {
            (None, _) => "not assessed".to_owned(),
            (Some(_), 0) => "nothing found".to_owned(),
            (Some(_), n) => crate::model::counted(n, "finding"),
        },
        if renames.is_empty() {
            String::new()
        } else {
            format!(
                " · {} renamed by naming rules",
                crate::model::counted(renames.len(), "node")
            )
        }
    );
    let mut out = String::new();
    for f in report.map(|r| r.findings.as_slice()).unwrap_or_default() {
        let _ = write!(
            out,
            "<section class=\"finding\" data-kind=\"{}\"><h3>{}</h3><p>{}</p><ul>",
            f.kind,
            escape(f.kind.title()),
            escape(&f.summary)
        );
        for s in f.subjects.iter().take(20) {
            let rate = s
                .per_second
                .map(|v| format!(": {}/s", crate::render::text::format_rate(v)))
                .unwrap_or_default();
            let detail = s
                .detail
                .as_deref()
                .map(|d| format!(" ({})", escape(&shown(d))))
                .unwrap_or_default();
            let _ = write!(out, "<li>{}{rate}{detail}</li>", escape(&shown(&s.name)));
        }
        if f.subjects.len() > 20 {
            let _ = write!(out, "<li>and {} more</li>", f.subjects.len() - 20);
        }
        let _ = write!(out, "</ul><p><b>Why:</b> {}</p><ul>", with_code(f.cause));
        for fix in &f.fixes {
            let _ = write!(
                out,
                "<li><b>{}:</b> {}</li>",
                escape(fix.producer),
                with_code(fix.setting)
            );
        }
        out.push_str("</ul></section>\n");
    }
    if let Some(r) = report.filter(|r| !r.not_measured.is_empty()) {
        out.push_str("<section class=\"finding\"><h3>Not measured</h3><ul>");
        for u in &r.not_measured {
            let _ = write!(
                out,
                "<li>{}: {}</li>",
                escape(u.kind.title()),
                escape(&u.reason)
            );
        }
        out.push_str("</ul></section>\n");
    }
    if !renames.is_empty() {
        out.push_str("<section class=\"finding\"><h3>Renamed by naming rules</h3><ul>");
        for r in renames {
            let _ = write!(
                out,
                "<li>{} → {} <small>({})</small></li>",
                escape(&shown(&r.from)),
                escape(&shown(&r.to)),
                escape(&shown(&r.rule))
            );
        }
        out.push_str("</ul></section>\n");
    }
    Some(QualitySection { summary, body: out })
}

/// The section as a collapsed `<details>` above the drawing; nothing without one.
fn write_quality(out: &mut String, graph: &ServiceGraph, report: Option<&QualityReport>) {
    if let Some(section) = quality_section(graph, report) {
        let _ = write!(
            out,
            "<details id=\"quality\" class=\"quality\"><summary>{}</summary>\n<div class=\"quality-body\">\n{}</div></details>\n",
            escape(&section.summary),
            section.body
        );
    }
}

/// Fixed advice text, escaped, with its `settings` in `<code>`.
fn with_code(text: &str) -> String {
    let escaped = escape(text);
    let mut out = String::with_capacity(escaped.len() + 32);
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

// The page reads these names; each is a number of seconds.
#[allow(clippy::struct_field_names)]
#[derive(serde::Serialize)]
struct LiveConfig {
    refresh_seconds: u64,
    history_seconds: u64,
    window_seconds: u64,
}

/// The controls above the drawing. Labels and values are fixed words; only the title comes
/// from the caller, escaped.
fn write_toolbar(
    out: &mut String,
    title: &str,
    live: Option<&LiveOptions>,
    overview: Option<&str>,
) {
    let _ = writeln!(
        out,
        "<header class=\"toolbar\">\n<h1 class=\"title\">{}</h1>",
        escape(title)
    );
    out.push_str(
        "<span class=\"group\"><input id=\"search\" type=\"search\" placeholder=\"Search, or /regex/\" aria-label=\"Search services (substring, or /regular expression/); Enter for the next match\" autocomplete=\"off\" spellcheck=\"false\"><span id=\"matches\" class=\"matches\"></span></span>\n\
         <label class=\"group\">Labels <select id=\"labels\"><option value=\"auto\">as drawn</option><option value=\"rate\">rate</option><option value=\"errors\">error ratio</option><option value=\"p95\">p95</option></select></label>\n\
         <span class=\"group\"><label title=\"Hops around a clicked service\">Focus <input id=\"depth\" type=\"number\" min=\"1\" max=\"5\" value=\"1\"></label> <select id=\"dir\" aria-label=\"Focus direction\"><option value=\"both\">callers + callees</option><option value=\"callers\">callers</option><option value=\"callees\">callees</option></select></span>\n\
         <span class=\"group\"><button id=\"fit\" type=\"button\" title=\"Fit to screen (0)\">Fit</button><label title=\"Refit when the window changes or the drawing refreshes\"><input id=\"always-fit\" type=\"checkbox\"> Always fit</label></span>\n\
         <span class=\"group\"><button id=\"collapse-all\" type=\"button\">Collapse all</button><button id=\"expand-all\" type=\"button\">Expand all</button>",
    );
    match overview {
        Some("workload") => {
            out.push_str("<button id=\"overview\" type=\"button\" hidden>Workloads</button>");
        }
        Some("group") => {
            out.push_str("<button id=\"overview\" type=\"button\" hidden>Groups</button>");
        }
        Some(_) => {
            out.push_str("<button id=\"overview\" type=\"button\" hidden>Namespaces</button>");
        }
        None => {}
    }
    out.push_str(
        "</span>\n<span class=\"group\"><button id=\"export\" type=\"button\" title=\"Download the current view as SVG\">Export</button></span>\n",
    );
    if let Some(live) = live {
        let step = live.refresh_seconds.clamp(1, 3600);
        // Only the comparisons the server keeps history for: it refuses the others.
        let mut choices = String::new();
        for (seconds, shown) in COMPARISONS {
            if seconds <= live.history_seconds {
                let _ = write!(
                    choices,
                    "<option value=\"{seconds}\">compare with {shown} before</option>"
                );
            }
        }
        let _ = writeln!(
            out,
            "<span class=\"group live-controls\"><input id=\"time\" type=\"range\" min=\"-{}\" max=\"0\" step=\"{step}\" value=\"0\" aria-label=\"Time shown\"><output id=\"time-label\" for=\"time\">now</output>\
             <select id=\"compare\" aria-label=\"Compare with\"><option value=\"\">no comparison</option>{choices}</select>\
             <button id=\"go-live\" type=\"button\">Live</button><span id=\"live-state\" class=\"badge\">live</span></span>",
            live.history_seconds
        );
    }
    out.push_str("</header>\n");
}

/// The distinct namespaces of the nodes that would be boxed, sorted.
fn namespaces(graph: &ServiceGraph) -> BTreeSet<&str> {
    graph
        .nodes()
        .filter_map(|n| Grouping::Namespace.of(n))
        .collect()
}

/// JSON made safe inside a `<script>` data block, or anywhere a page may put it: `<`, `>`
/// and `&` only occur inside JSON strings, where their `\u` escapes mean the same; U+2028
/// and U+2029 likewise, for old parsers. The value is unchanged.
pub fn script_data(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Text or a double-quoted attribute value in HTML (the page writes no other quotes): the
/// drawing's own escaping, which also keeps out characters no markup may hold.
fn escape(value: &str) -> std::borrow::Cow<'_, str> {
    super::svg::attr(value)
}

/// `'sha256-…'`, as CSP spells the hash of an inline block.
fn csp_hash(content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The policy: nothing from anywhere, except the page's own script and stylesheet, the
/// drawings' `<style>` blocks and their few `style` attributes (all by hash), compiling the
/// page's own WebAssembly engine (`'wasm-unsafe-eval'` allows WebAssembly only, not `eval`),
/// images from `data:` URLs, and for a live page requests to its own server.
fn content_security_policy(svgs: &[&str], live: bool) -> String {
    let mut elements = BTreeSet::new();
    let mut attributes = BTreeSet::new();
    elements.insert(csp_hash(STYLESHEET));
    for svg in svgs {
        for block in between(svg, "<style>", "</style>") {
            elements.insert(csp_hash(block));
        }
        for value in between(svg, " style=\"", "\"") {
            attributes.insert(csp_hash(value));
        }
    }
    let mut policy = format!(
        "default-src 'none'; script-src {} 'wasm-unsafe-eval'; style-src {elements}; style-src-elem {elements}; style-src-attr 'unsafe-hashes' {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(SCRIPT),
        join(&attributes),
        elements = join(&elements),
    );
    if live {
        policy.push_str("; connect-src 'self'");
    }
    policy
}

fn join(hashes: &BTreeSet<String>) -> String {
    hashes
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every text between `open` and the next `close`.
fn between<'a>(text: &'a str, open: &'a str, close: &'a str) -> impl Iterator<Item = &'a str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find(open)? + open.len();
        let len = rest[start..].find(close)?;
        let found = &rest[start..start + len];
        rest = &rest[start + len + close.len()..];
        Some(found)
    })
}

/// A small drawing with every kind of node and a comparison, so that the policy also covers
/// every inline style a later drawing (a live refresh) can carry.
fn reference_svg() -> String {
    let mut now = ServiceGraph::new();
    let mut before = ServiceGraph::new();
    let nodes: Vec<Node> = NodeKind::ALL
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Node::named(&format!("n{i}"), kind))
        .collect();
    for (i, pair) in nodes.windows(2).enumerate() {
        for (g, rate) in [(&mut now, 1.0 + i as f64), (&mut before, 10.0)] {
            let a = g.upsert_node(pair[0].clone());
            let b = g.upsert_node(pair[1].clone());
            g.upsert_edge(a, b, Edge::with_rate(rate));
        }
    }
    let compared = diff(&now, &before, &Thresholds::default());
    to_svg(&compared, &SvgOptions::default()).text
}

/// `5000` as `5,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;
