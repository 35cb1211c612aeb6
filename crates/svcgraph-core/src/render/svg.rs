//! A self-contained SVG picture of the graph, laid out by [`layout`](crate::layout).
//!
//! One file, nothing fetched: styles in a `<style>` element, generic font families, arrowheads
//! drawn as paths. Nodes and edges are groups with CSS classes (`node kind-database`,
//! `edge err-2`) and `data-*` attributes (ids, rates, error ratio, latency in seconds) so users
//! can restyle and script the picture; every node and edge has a `<title>` tooltip with all
//! its numbers. Long names are shortened in the middle; the full name is in the tooltip.
//! Edge width follows the request rate, colour the error ratio. A node that receives calls is
//! outlined by the error ratio of those calls, in the edges' bands (`node health-2`), and its
//! tooltip states that ratio. Every text is escaped.

use std::borrow::Cow;
use std::fmt::Write;
use std::io;

use super::text::{
    ERROR_COLORS, edge_details, edge_label, edge_width, error_level, format_percent, format_rate,
    label_lines, node_details, shorten, text_width,
};
use crate::layout::{
    Direction, EdgeHint, EdgeRoute, EdgeStyle, GroupBox, Layout, LayoutEdge, LayoutGraph,
    LayoutHint, LayoutOptions, LayoutStats, Point, Rect, RouteShape, Size, layout,
};
use petgraph::graph::{EdgeIndex, NodeIndex};

use super::Grouping;
use crate::diff::Change;
use crate::model::{NodeKind, ServiceGraph};

/// Whether edges carry their labels on the picture.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum EdgeLabels {
    /// On graphs of up to 1,000 edges; above that only in tooltips. Labels that find no
    /// room beside their lines get rooms of their own only on graphs of up to 200 calls
    /// and while the drawing fits 1600 × 900 or stays within 1.3 times its area without
    /// them; the others are left out (the legend says how many;
    /// [`LayoutStats::labels_left_out`] counts them).
    #[default]
    Auto,
    /// Always, every one of them: a label without room beside its line gets a room of its
    /// own ([`LayoutOptions::every_label`]).
    Always,
    /// Never (tooltips still have every number).
    Never,
}

impl EdgeLabels {
    /// Most edges a graph may have for [`EdgeLabels::Auto`] to draw their labels.
    pub const AUTO_LIMIT: usize = 1000;

    /// Whether a graph of `edges` edges is drawn with its labels.
    pub fn shown(self, edges: usize) -> bool {
        match self {
            EdgeLabels::Always => true,
            EdgeLabels::Never => false,
            EdgeLabels::Auto => edges <= Self::AUTO_LIMIT,
        }
    }
}

/// Options for [`to_svg`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SvgOptions {
    /// Which way calls flow.
    pub direction: Direction,
    /// Curved or orthogonal edges.
    pub edges: EdgeStyle,
    /// Edge labels on the picture.
    pub edge_labels: EdgeLabels,
    /// Leave out the legend.
    pub no_legend: bool,
    /// Draw a box around the nodes of each namespace.
    pub group: Grouping,
    /// An earlier drawing's node positions ([`Svg::hint`]): nodes that were in it stay
    /// where they were as far as the graph allows.
    pub hint: Option<LayoutHint>,
}

/// The SVG document and the layout behind it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Svg {
    /// The document, ending in a newline.
    pub text: String,
    /// Where everything was drawn: node boxes in `ServiceGraph::sorted_nodes` order, edge
    /// routes in `ServiceGraph::sorted_edges` order; `layout.stats` tells how it went.
    pub layout: Layout,
}

/// What drawing needs, in render order: nodes and edges sorted by id, their shown texts,
/// and the layout of them.
struct Prepared {
    nodes: Vec<NodeIndex>,
    edges: Vec<EdgeIndex>,
    names: Vec<String>,
    labels: Vec<String>,
    with_labels: bool,
    /// The group names, in the order of `layout.groups`.
    groups: Vec<String>,
    layout: Layout,
}

/// The layout [`to_svg`] would draw, without writing the SVG (for statistics or a drawing
/// of your own).
pub fn layout_of(graph: &ServiceGraph, options: &SvgOptions) -> Layout {
    prepare(graph, options).layout
}

fn prepare(graph: &ServiceGraph, options: &SvgOptions) -> Prepared {
    let g = graph.graph();
    let nodes = graph.sorted_nodes();
    let edges = graph.sorted_edges();
    let with_labels = options.edge_labels.shown(edges.len());
    let names: Vec<String> = nodes
        .iter()
        .map(|&v| shorten(&g[v].name, MAX_NAME))
        .collect();
    // Label texts only where they are drawn (their sizes shape the layout).
    let labels: Vec<String> = if with_labels {
        edges.iter().map(|&e| edge_label(&g[e])).collect()
    } else {
        vec![String::new(); edges.len()]
    };
    let mut input = layout_input(graph, &nodes, &edges, &names, &labels, with_labels);
    let groups = if options.group == Grouping::None {
        Vec::new()
    } else {
        group_nodes(graph, &nodes, options.group, &mut input)
    };
    let (previous, previous_edges) = match &options.hint {
        Some(hint) if !hint.is_empty() => (
            nodes.iter().map(|&v| hint.get(&g[v].id)).collect(),
            edges
                .iter()
                .map(|&e| {
                    let (a, b) = g.edge_endpoints(e)?;
                    hint.route(&g[a].id, &g[b].id).map(<[Point]>::to_vec)
                })
                .collect(),
        ),
        _ => (Vec::new(), Vec::new()),
    };
    let options_layout = LayoutOptions {
        direction: options.direction,
        edges: options.edges,
        previous,
        previous_edges,
        every_label: options.edge_labels == EdgeLabels::Always,
        ..LayoutOptions::default()
    };
    // Indices in `input` are in range by construction, so layout cannot fail; an empty
    // layout is the fallback all the same.
    let layout = layout(&input, &options_layout).unwrap_or_else(|_| Layout {
        nodes: Vec::new(),
        edges: Vec::new(),
        groups: Vec::new(),
        width: 0.0,
        height: 0.0,
        stats: LayoutStats::default(),
    });
    Prepared {
        nodes,
        edges,
        names,
        labels,
        with_labels,
        groups,
        layout,
    }
}

/// Puts each node into its group; returns the group names, sorted.
fn group_nodes(
    graph: &ServiceGraph,
    nodes: &[NodeIndex],
    grouping: Grouping,
    input: &mut LayoutGraph,
) -> Vec<String> {
    let g = graph.graph();
    let namespace = |v: NodeIndex| grouping.of(&g[v]);
    let mut names: Vec<&str> = nodes.iter().filter_map(|&v| namespace(v)).collect();
    names.sort_unstable();
    names.dedup();
    input.node_groups = nodes
        .iter()
        .map(|&v| namespace(v).and_then(|ns| names.binary_search(&ns).ok().map(|i| i as u32)))
        .collect();
    input.groups = names
        .iter()
        .map(|ns| Size {
            width: text_width(ns, GROUP_FONT),
            height: GROUP_FONT + 3.0,
        })
        .collect();
    names.into_iter().map(str::to_owned).collect()
}

const NODE_FONT: f64 = 12.0;
const LABEL_FONT: f64 = 10.0;
/// From one line of an edge label to the next.
const LABEL_LINE: f64 = LABEL_FONT + 1.0;
const GROUP_FONT: f64 = 11.0;
/// Extra width of the halo under new and changed edges in a comparison.
const HALO: f64 = 7.0;
const NODE_PAD_X: f64 = 10.0;
const NODE_HEIGHT: f64 = 26.0;
const MAX_NAME: usize = 32;
const LEGEND_HEIGHT: f64 = 34.0;
const FONTS: &str = "ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif";

/// Lays out and draws the graph.
pub fn to_svg(graph: &ServiceGraph, options: &SvgOptions) -> Svg {
    let mut out = Out {
        text: String::with_capacity(1024 + 600 * (graph.node_count() + graph.edge_count())),
        sink: None,
        failed: None,
    };
    let layout = draw(graph, options, &mut out);
    Svg {
        text: out.text,
        layout,
    }
}

/// Lays out the graph and writes the drawing [`to_svg`] makes to `sink`, a piece at a time:
/// a picture of hundreds of thousands of calls (hundreds of megabytes) is never held whole
/// in memory. Returns the layout, or the first error `sink` gave (what was written before
/// it may be a part of the document).
pub fn write_svg(
    graph: &ServiceGraph,
    options: &SvgOptions,
    sink: &mut dyn io::Write,
) -> io::Result<Layout> {
    let mut out = Out {
        text: String::with_capacity(2 * Out::PIECE),
        sink: Some(sink),
        failed: None,
    };
    let layout = draw(graph, options, &mut out);
    out.flush();
    match out.failed {
        Some(error) => Err(error),
        None => Ok(layout),
    }
}

/// Where the document is written: kept whole in `text`, or handed to `sink` whenever a
/// piece of it is ready.
struct Out<'a> {
    text: String,
    sink: Option<&'a mut dyn io::Write>,
    /// The sink's first error; later pieces are dropped.
    failed: Option<io::Error>,
}

impl Out<'_> {
    /// Bytes gathered before they go to the sink: few enough writes, little memory.
    const PIECE: usize = 1 << 16;

    /// Hands the text to the sink once a piece is ready (between nodes and edges).
    fn spill(&mut self) {
        if self.text.len() >= Self::PIECE {
            self.flush();
        }
    }

    /// Hands all the text so far to the sink, if there is one.
    fn flush(&mut self) {
        let Some(sink) = self.sink.as_mut() else {
            return;
        };
        if self.failed.is_none()
            && let Err(error) = sink.write_all(self.text.as_bytes())
        {
            self.failed = Some(error);
        }
        self.text.clear();
    }
}

impl std::ops::Deref for Out<'_> {
    type Target = String;

    fn deref(&self) -> &String {
        &self.text
    }
}

impl std::ops::DerefMut for Out<'_> {
    fn deref_mut(&mut self) -> &mut String {
        &mut self.text
    }
}

/// What [`to_svg`] and [`write_svg`] share: lays the graph out and writes the document.
fn draw(graph: &ServiceGraph, options: &SvgOptions, out: &mut Out) -> Layout {
    let Prepared {
        nodes,
        edges,
        names,
        labels,
        with_labels,
        groups,
        layout: drawn,
    } = prepare(graph, options);
    let legend = !options.no_legend && !graph.is_empty();
    // Written first for its width: the picture is at least as wide as its legend.
    let mut legend_text = String::new();
    let legend_width = if legend {
        let left_out = drawn.stats.labels_left_out.min(edges.len());
        let shown = (with_labels && left_out > 0).then(|| (edges.len() - left_out, edges.len()));
        write_legend(&mut legend_text, graph, drawn.height, shown)
    } else {
        0.0
    };
    let width = drawn.width.max(legend_width).max(240.0);
    let height = drawn.height + if legend { LEGEND_HEIGHT } else { 0.0 };
    let height = if graph.is_empty() { 80.0 } else { height };
    let described = format!(
        "Service graph: {}, {}",
        crate::model::counted(nodes.len(), "node"),
        crate::model::counted(edges.len(), "edge")
    );
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" class="svcgraph" role="img" aria-label="{described}">"#,
        w = num(width),
        h = num(height),
    );
    let _ = writeln!(out, "<title>{described}</title>");
    write_style(out);
    let _ = writeln!(
        out,
        r#"<rect class="background" width="100%" height="100%"/>"#
    );
    if graph.is_empty() {
        let _ = writeln!(
            out,
            r#"<text class="empty" x="{}" y="44">No edges: the query returned no series.</text>"#,
            num(width / 2.0)
        );
        out.push_str("</svg>\n");
        return drawn;
    }

    write_groups(out, &groups, &drawn.groups);
    write_edges(out, graph, &edges, &labels, &drawn.edges, with_labels);
    let inbound = Inbound::all(graph, &edges);
    write_nodes(out, graph, &nodes, &names, &drawn.nodes, &inbound);
    out.push_str(&legend_text);
    out.push_str("</svg>\n");
    drawn
}

impl Svg {
    /// Where each node of `graph` was drawn, by node id: the hint for the next drawing of
    /// the same view ([`SvgOptions::hint`]). `graph` must be the graph this was drawn from.
    pub fn hint(&self, graph: &ServiceGraph) -> LayoutHint {
        let g = graph.graph();
        let nodes = graph
            .sorted_nodes()
            .into_iter()
            .zip(&self.layout.nodes)
            .map(|(v, rect)| {
                (
                    g[v].id.clone(),
                    Point {
                        x: rect.x,
                        y: rect.y,
                    },
                )
            })
            .collect();
        let mut edges: Vec<EdgeHint> = graph
            .sorted_edges()
            .into_iter()
            .zip(&self.layout.edges)
            .filter_map(|(e, route)| {
                let (a, b) = g.edge_endpoints(e)?;
                Some(EdgeHint {
                    client: g[a].id.clone(),
                    server: g[b].id.clone(),
                    points: route.points.clone(),
                })
            })
            .collect();
        edges.sort_by(|a, b| (&a.client, &a.server).cmp(&(&b.client, &b.server)));
        LayoutHint { nodes, edges }
    }
}

/// The layout's view of the graph: boxes sized by the (shortened) names, label rooms sized
/// by the edge labels.
fn layout_input(
    graph: &ServiceGraph,
    nodes: &[NodeIndex],
    edges: &[EdgeIndex],
    names: &[String],
    labels: &[String],
    with_labels: bool,
) -> LayoutGraph {
    let g = graph.graph();
    let mut slot = vec![0usize; g.node_count()];
    for (i, &v) in nodes.iter().enumerate() {
        slot[v.index()] = i;
    }
    LayoutGraph {
        nodes: names
            .iter()
            .zip(nodes)
            .map(|(name, &v)| {
                let extra = if g[v].kind == NodeKind::Database {
                    8.0
                } else {
                    0.0
                };
                Size {
                    width: (text_width(name, NODE_FONT) + 2.0 * NODE_PAD_X).max(44.0),
                    height: NODE_HEIGHT + extra,
                }
            })
            .collect(),
        edges: edges
            .iter()
            .zip(labels)
            .filter_map(|(&e, label)| {
                let (s, t) = g.edge_endpoints(e)?;
                Some(LayoutEdge {
                    source: slot[s.index()],
                    target: slot[t.index()],
                    label: with_labels.then(|| label_size(label)),
                })
            })
            .collect(),
        ..LayoutGraph::default()
    }
}

/// The box a label takes: its widest line, and its lines' height with a pixel and a half
/// above and below.
fn label_size(label: &str) -> Size {
    let (first, second) = label_lines(label);
    let lines = [Some(first), second];
    let width = lines
        .iter()
        .flatten()
        .map(|l| text_width(l, LABEL_FONT))
        .fold(0.0, f64::max);
    let count = lines.iter().flatten().count() as f64;
    Size {
        width,
        height: LABEL_FONT + 3.0 + (count - 1.0) * LABEL_LINE,
    }
}

/// Group boxes, behind everything else, each with its name at the top left.
fn write_groups(out: &mut Out, names: &[String], boxes: &[Option<GroupBox>]) {
    if boxes.iter().all(Option::is_none) {
        return;
    }
    out.push_str("<g class=\"groups\">\n");
    for (name, b) in names.iter().zip(boxes) {
        let Some(b) = b else {
            continue;
        };
        let _ = writeln!(
            out,
            r#"<g class="group" data-namespace="{}"><title>namespace {}</title><rect x="{}" y="{}" width="{}" height="{}" rx="6"/><text x="{}" y="{}">{}</text></g>"#,
            attr(name),
            text(name),
            num(b.rect.left()),
            num(b.rect.top()),
            num(b.rect.width),
            num(b.rect.height),
            num(b.label.left()),
            num(b.label.y + GROUP_FONT * 0.35),
            text(name)
        );
        out.spill();
    }
    out.push_str("</g>\n");
}

/// Edges: line, arrowhead, label and tooltip, with classes and data attributes.
fn write_edges(
    out: &mut Out,
    graph: &ServiceGraph,
    edges: &[EdgeIndex],
    labels: &[String],
    routes: &[EdgeRoute],
    with_labels: bool,
) {
    let max_rate = graph
        .graph()
        .edge_weights()
        .map(|e| e.requests_per_second)
        .fold(0.0, f64::max);
    out.push_str("<g class=\"edges\">\n");
    let write = |out: &mut String, i: usize| {
        write_edge(
            out,
            graph,
            edges[i],
            &labels[i],
            &routes[i],
            with_labels,
            max_rate,
        );
    };
    write_in_turn(out, edges.len().min(labels.len()).min(routes.len()), &write);
    out.push_str("</g>\n");
}

/// Writes elements `0..count` with `write` in order, each followed by a chance to hand the
/// text on. Many elements are written in rounds of two runs, the second run on a second
/// thread into a text of its own while this thread writes the first: the same document, in
/// little more than half the time, holding no more than one run's text.
fn write_in_turn(out: &mut Out, count: usize, write: &(dyn Fn(&mut String, usize) + Sync)) {
    /// Elements in a run: a few hundred kilobytes of text.
    const RUN: usize = 2048;
    if count < crate::parallel::WORTH_A_THREAD {
        for i in 0..count {
            write(out, i);
            out.spill();
        }
        return;
    }
    let mut start = 0;
    while start < count {
        let first = start..(start + RUN).min(count);
        let second = first.end..(first.end + RUN).min(count);
        start = second.end;
        let (text, ()) = crate::parallel::join(
            !second.is_empty(),
            || {
                let mut text = String::new();
                for i in second {
                    write(&mut text, i);
                }
                text
            },
            || {
                for i in first {
                    write(out, i);
                    out.spill();
                }
            },
        );
        out.push_str(&text);
        out.spill();
    }
}

/// One edge: line, arrowhead, label and tooltip, with classes and data attributes.
fn write_edge(
    out: &mut String,
    graph: &ServiceGraph,
    e: EdgeIndex,
    label: &str,
    route: &EdgeRoute,
    with_labels: bool,
    max_rate: f64,
) {
    let g = graph.graph();
    let Some((s, t)) = g.edge_endpoints(e) else {
        return;
    };
    let edge = &g[e];
    let level = error_level(edge.error_ratio());
    let stroke = edge_width(edge.requests_per_second, max_rate);
    let change = edge.diff.as_deref().map(|d| d.change);
    let _ = write!(
        out,
        r#"<g class="edge err-{level}{rev}{diff}" data-source="{}" data-target="{}" data-rps="{}" data-error-ratio="{}""#,
        attr(&g[s].id),
        attr(&g[t].id),
        edge.requests_per_second,
        edge.error_ratio(),
        rev = if route.reversed { " reversed" } else { "" },
        diff = change.map_or(String::new(), |c| format!(" diff-{}", c.as_str())),
    );
    if let Some(d) = edge.diff.as_deref() {
        let _ = write!(out, r#" data-diff="{}""#, d.change.as_str());
        if let Some(b) = d.before {
            let _ = write!(
                out,
                r#" data-before-rps="{}" data-before-error-ratio="{}""#,
                b.requests_per_second,
                b.error_ratio()
            );
            if let Some(p95) = b.latency.p95 {
                let _ = write!(out, r#" data-before-p95="{p95}""#);
            }
        }
    }
    for (name, value) in [
        ("p50", edge.latency.p50),
        ("p95", edge.latency.p95),
        ("p99", edge.latency.p99),
    ] {
        if let Some(v) = value {
            let _ = write!(out, r#" data-{name}="{v}""#);
        }
    }
    if let Some(ct) = &edge.connection_type {
        let _ = write!(out, r#" data-connection-type="{}""#, attr(ct));
    }
    out.push('>');
    push_title(out, &edge_details(&g[s], &g[t], edge));
    let halo = matches!(change, Some(Change::New | Change::Changed)).then_some(HALO);
    write_route(out, route, stroke, halo);
    if let Some(r) = route.label.filter(|_| with_labels) {
        let (first, second) = label_lines(label);
        let x = num(r.x);
        let y = r.y + LABEL_FONT * 0.35;
        match second {
            None => {
                let _ = write!(
                    out,
                    r#"<text x="{x}" y="{}">{}</text>"#,
                    num(y),
                    text(first)
                );
            }
            Some(second) => {
                let _ = write!(
                    out,
                    r#"<text x="{x}" y="{}">{}<tspan x="{x}" dy="{}">{}</tspan></text>"#,
                    num(y - LABEL_LINE / 2.0),
                    text(first),
                    num(LABEL_LINE),
                    text(second)
                );
            }
        }
    }
    out.push_str("</g>\n");
}

/// Nodes: outline, shortened name and tooltip, with classes and data attributes.
fn write_nodes(
    out: &mut Out,
    graph: &ServiceGraph,
    nodes: &[NodeIndex],
    names: &[String],
    rects: &[Rect],
    inbound: &[Option<Inbound>],
) {
    out.push_str("<g class=\"nodes\">\n");
    let write = |out: &mut String, i: usize| {
        let v = nodes[i];
        let calls_in = inbound.get(v.index()).copied().flatten();
        write_node(out, graph, v, &names[i], &rects[i], calls_in);
    };
    write_in_turn(out, nodes.len().min(names.len()).min(rects.len()), &write);
    out.push_str("</g>\n");
}

/// One node: outline, shortened name and tooltip, with classes and data attributes.
fn write_node(
    out: &mut String,
    graph: &ServiceGraph,
    v: NodeIndex,
    name: &str,
    r: &Rect,
    inbound: Option<Inbound>,
) {
    let g = graph.graph();
    let node = &g[v];
    let _ = write!(
        out,
        r#"<g class="node kind-{kind}{health}{diff}" data-id="{}" data-name="{}" data-kind="{kind}""#,
        attr(&node.id),
        attr(&node.name),
        kind = node.kind,
        health = inbound.map_or("", |i| HEALTH_CLASSES[i.level()]),
        diff = node
            .diff
            .map_or(String::new(), |c| format!(" diff-{}", c.as_str())),
    );
    if let Some(change) = node.diff {
        let _ = write!(out, r#" data-diff="{}""#, change.as_str());
    }
    if let Some(ns) = &node.namespace {
        let _ = write!(out, r#" data-namespace="{}""#, attr(ns));
    }
    if let Some(i) = inbound {
        let _ = write!(
            out,
            r#" data-in-rps="{}" data-in-error-ratio="{}""#,
            i.requests_per_second,
            i.error_ratio()
        );
    }
    let mut details = node_details(node);
    if let Some(i) = inbound {
        details.insert(2, i.describe());
    }
    out.push('>');
    push_title(out, &details);
    write_shape(out, node.kind, r);
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}">{}</text></g>"#,
        num(r.x),
        num(r.y
            + NODE_FONT * 0.35
            + if node.kind == NodeKind::Database {
                3.0
            } else {
                0.0
            }),
        text(name)
    );
}

/// The calls into a node, summed: what its health colour says.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Inbound {
    requests_per_second: f64,
    failures_per_second: f64,
}

impl Inbound {
    /// The calls into each node (by node index; its own calls to itself included), or `None`
    /// where it receives no requests: such a node has no health to show and stays neutral.
    /// `edges` are all the graph's edges in the order of [`ServiceGraph::sorted_edges`], so
    /// each node's calls in are summed in id order of the callers, and the same graph gives
    /// the same bits.
    fn all(graph: &ServiceGraph, edges: &[EdgeIndex]) -> Vec<Option<Inbound>> {
        let g = graph.graph();
        let mut sums = vec![(0.0f64, 0.0f64); g.node_count()];
        for &e in edges {
            if let Some((_, t)) = g.edge_endpoints(e) {
                let edge = &g[e];
                let sum = &mut sums[t.index()];
                sum.0 += edge.requests_per_second;
                sum.1 += edge.failures_per_second;
            }
        }
        sums.into_iter()
            .map(|(requests_per_second, failures_per_second)| {
                (requests_per_second > 0.0).then_some(Inbound {
                    requests_per_second,
                    failures_per_second,
                })
            })
            .collect()
    }

    /// Failures per request, at most 1 (as [`Edge::error_ratio`](crate::model::Edge::error_ratio)).
    fn error_ratio(self) -> f64 {
        (self.failures_per_second / self.requests_per_second).clamp(0.0, 1.0)
    }

    /// The band of the edges' colours ([`error_level`]).
    fn level(self) -> usize {
        error_level(self.error_ratio())
    }

    /// The tooltip's line: the colour is never the only cue.
    fn describe(self) -> String {
        format!(
            "calls in: {} requests/s, {} errors",
            format_rate(self.requests_per_second),
            format_percent(self.error_ratio())
        )
    }
}

/// The class of a node by the error band of its calls in.
const HEALTH_CLASSES: [&str; 4] = [" health-0", " health-1", " health-2", " health-3"];
/// Fill of a node by the error band of its calls in (the outline takes the edges' colour;
/// databases are teal, not amber, so that no kind of node looks like a warning);
/// band 0, calls in without errors, keeps the node's own look.
const HEALTH_FILLS: [&str; 4] = ["", "#fdf3d7", "#fde7d9", "#fbe0e0"];
/// Outline width by error band: thicker as it gets worse, so the band reads without colour.
const HEALTH_STROKES: [&str; 4] = ["", "1.8", "2.2", "2.8"];

fn write_style(out: &mut String) {
    let _ = write!(
        out,
        "<style>\n\
         .svcgraph {{ font-family: {FONTS}; }}\n\
         .background {{ fill: #ffffff; }}\n\
         .node rect, .node path {{ fill: #e8f0fe; stroke: #3b6db3; stroke-width: 1.2; }}\n\
         .node text {{ font-size: {NODE_FONT}px; fill: #1f2937; text-anchor: middle; }}\n\
         .kind-namespace rect {{ fill: #dde7f7; stroke-width: 2; }}\n\
         .kind-database path {{ fill: #e3f2ef; stroke: #2f7a6b; }}\n\
         .kind-virtual rect {{ fill: #f3f4f6; stroke: #7c8796; stroke-dasharray: 5 3; }}\n\
         .kind-virtual text {{ fill: #4b5563; font-style: italic; }}\n\
         .kind-external rect {{ fill: #ffffff; stroke: #7c8796; stroke-dasharray: 2 2; }}\n\
         .kind-unknown rect {{ fill: #ffffff; stroke: #9ca3af; stroke-dasharray: 1 3; }}\n\
         .kind-unknown text {{ fill: #6b7280; }}\n\
         .group rect {{ fill: #f7f9fc; stroke: #c5cfdd; stroke-width: 1; }}\n\
         .group text {{ font-size: {GROUP_FONT}px; font-weight: 600; fill: #5b6b80; }}\n\
         .edge .line {{ fill: none; stroke-linecap: round; }}\n\
         .edge text {{ font-size: {LABEL_FONT}px; text-anchor: middle; paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }}\n\
         .edge.reversed .line {{ stroke-dasharray: 6 3; }}\n\
         .halo {{ fill: none; stroke-linecap: round; stroke-opacity: 0.35; }}\n"
    );
    // Before the comparison's marks, which win over a node's health when both apply.
    for level in 1..ERROR_COLORS.len() {
        let _ = writeln!(
            out,
            ".node.health-{level} rect, .node.health-{level} path {{ fill: {}; stroke: {}; stroke-width: {}; }}",
            HEALTH_FILLS[level], ERROR_COLORS[level], HEALTH_STROKES[level]
        );
    }
    let _ = write!(
        out,
        "\
         .diff-new .halo {{ stroke: #16a34a; }}\n\
         .diff-changed .halo {{ stroke: #7c3aed; }}\n\
         .edge.diff-gone .line {{ stroke: #9ca3af; stroke-dasharray: 3 4; }}\n\
         .edge.diff-gone .head {{ fill: #9ca3af; }}\n\
         .edge.diff-gone text {{ fill: #6b7280; }}\n\
         .node.diff-new rect, .node.diff-new path {{ stroke: #16a34a; stroke-width: 2.5; }}\n\
         .node.diff-gone {{ opacity: 0.55; }}\n\
         .node.diff-gone rect, .node.diff-gone path {{ stroke-dasharray: 3 3; }}\n"
    );
    for (level, color) in ERROR_COLORS.iter().enumerate() {
        let _ = writeln!(
            out,
            ".err-{level} .line {{ stroke: {color}; }} .err-{level} .head {{ fill: {color}; }} .err-{level} text {{ fill: {color}; }}"
        );
    }
    let _ = writeln!(
        out,
        ".legend text {{ font-size: 10px; fill: #4b5563; }}\n\
         .empty {{ font-size: 14px; fill: #4b5563; text-anchor: middle; }}\n\
         </style>"
    );
}

/// Radius of an edge's rounded corners.
const CORNER: f64 = 8.0;

fn distance(a: Point, b: Point) -> f64 {
    ((b.x - a.x).powi(2) + (b.y - a.y).powi(2)).sqrt()
}

/// Path commands through `pts` after the first, ending at `end` instead of the last point,
/// with every corner rounded at most halfway along its runs.
fn push_rounded(d: &mut String, pts: &[Point], end: Point, corner: f64) {
    for i in 1..pts.len() - 1 {
        let (a, p) = (pts[i - 1], pts[i]);
        let b = if i + 2 == pts.len() { end } else { pts[i + 1] };
        let (l1, l2) = (distance(a, p), distance(p, b));
        let r = corner.min(l1 / 2.0).min(l2 / 2.0);
        if r < 0.05 {
            d.push_str(" L");
            push_point(d, p);
            continue;
        }
        let before = Point {
            x: p.x + (a.x - p.x) * r / l1,
            y: p.y + (a.y - p.y) * r / l1,
        };
        let after = Point {
            x: p.x + (b.x - p.x) * r / l2,
            y: p.y + (b.y - p.y) * r / l2,
        };
        d.push_str(" L");
        push_point(d, before);
        d.push_str(" Q");
        push_point(d, p);
        d.push(' ');
        push_point(d, after);
    }
    d.push_str(" L");
    push_point(d, end);
}

/// Cubic pieces (see [`RouteShape::Curved`]) ending at `end`; straight pieces as lines
/// (the layout rounds the bends between them).
fn push_curved(d: &mut String, pts: &[Point], end: Point) {
    let pieces = pts[1..].chunks_exact(3);
    let count = pieces.len();
    let mut from = pts[0];
    for (i, piece) in pieces.enumerate() {
        let to = if i + 1 == count { end } else { piece[2] };
        if piece[0] == from && piece[1] == piece[2] {
            d.push_str(" L");
            push_point(d, to);
        } else {
            d.push_str(" C");
            push_point(d, piece[0]);
            d.push(' ');
            push_point(d, piece[1]);
            d.push(' ');
            push_point(d, to);
        }
        from = piece[2];
    }
}

/// The edge's line, shortened to leave room for the arrowhead, and the arrowhead.
/// With `halo`, a wider line of that much extra width is drawn under it (the `halo` class).
fn write_route(out: &mut String, route: &EdgeRoute, stroke: f64, halo: Option<f64>) {
    let pts = &route.points;
    if pts.len() < 2 {
        return;
    }
    let head = 6.0 + 1.6 * stroke;
    let tip = pts[pts.len() - 1];
    // Direction the edge arrives from; the line stops short of the tip, within its last run.
    let (dx, dy) = match route.shape {
        RouteShape::Loop => (tip.x - pts[2].x, tip.y - pts[2].y),
        RouteShape::Curved => {
            // From the last point before the tip that is not on it.
            let from = pts
                .iter()
                .rev()
                .find(|p| (p.x - tip.x).abs() + (p.y - tip.y).abs() > 1e-6)
                .unwrap_or(&pts[0]);
            (tip.x - from.x, tip.y - from.y)
        }
        RouteShape::Straight | RouteShape::Orthogonal => {
            (tip.x - pts[pts.len() - 2].x, tip.y - pts[pts.len() - 2].y)
        }
    };
    let len = (dx * dx + dy * dy).sqrt().max(1e-9);
    let (ux, uy) = (dx / len, dy / len);
    let back = if route.shape == RouteShape::Loop {
        head * 0.8
    } else {
        (head * 0.8).min(len)
    };
    let end = Point {
        x: tip.x - ux * back,
        y: tip.y - uy * back,
    };

    let mut d = String::with_capacity(32 * pts.len());
    d.push('M');
    push_point(&mut d, pts[0]);
    match route.shape {
        RouteShape::Straight => {
            d.push_str(" L");
            push_point(&mut d, end);
        }
        RouteShape::Loop => {
            d.push_str(" C");
            for p in [pts[1], pts[2], end] {
                push_point(&mut d, p);
                d.push(' ');
            }
            d.pop();
        }
        RouteShape::Curved => push_curved(&mut d, pts, end),
        RouteShape::Orthogonal => push_rounded(&mut d, pts, end, CORNER),
    }
    if let Some(extra) = halo {
        let _ = write!(
            out,
            r#"<path class="halo" d="{d}" stroke-width="{}"/>"#,
            num(stroke + extra)
        );
    }
    let _ = write!(
        out,
        r#"<path class="line" d="{d}" stroke-width="{}"/>"#,
        num(stroke)
    );
    let (px, py) = (-uy, ux);
    let half = head * 0.45;
    let base = Point {
        x: tip.x - ux * head,
        y: tip.y - uy * head,
    };
    out.push_str(r#"<path class="head" d="M"#);
    push_point(out, tip);
    let (dx, dy) = (px * half, py * half);
    for corner in [
        Point {
            x: base.x + dx,
            y: base.y + dy,
        },
        Point {
            x: base.x - dx,
            y: base.y - dy,
        },
    ] {
        out.push_str(" L");
        push_point(out, corner);
    }
    out.push_str(r#" Z"/>"#);
}

/// A node's outline: a rounded box, a folder-like box for namespaces, a cylinder for
/// databases.
fn write_shape(out: &mut String, kind: NodeKind, r: &Rect) {
    if kind == NodeKind::Database {
        let ry = (r.height * 0.15).min(5.0);
        let (l, rt, t, b) = (r.left(), r.right(), r.top() + ry, r.bottom() - ry);
        let rx = r.width / 2.0;
        let _ = write!(
            out,
            r#"<path d="M{l} {t} A{rx} {ry} 0 0 1 {rt} {t} L{rt} {b} A{rx} {ry} 0 0 1 {l} {b} Z M{l} {t} A{rx} {ry} 0 0 0 {rt} {t}"/>"#,
            l = num(l),
            rt = num(rt),
            t = num(t),
            b = num(b),
            rx = num(rx),
            ry = num(ry),
        );
    } else {
        let radius = if kind == NodeKind::Namespace {
            2.0
        } else {
            6.0
        };
        let _ = write!(
            out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="{radius}"/>"#,
            num(r.left()),
            num(r.top()),
            num(r.width),
            num(r.height)
        );
    }
}

/// A one-line legend under the drawing: colours by error ratio (of calls, and of the calls
/// into a service), width by rate, the kinds of node present, and how many calls have
/// their labels on the picture when `labelled` (those with one, of all) says some have
/// none. Returns its width, margins included.
fn write_legend(
    out: &mut String,
    graph: &ServiceGraph,
    top: f64,
    labelled: Option<(usize, usize)>,
) -> f64 {
    let y = top + LEGEND_HEIGHT / 2.0;
    let _ = write!(
        out,
        r#"<g class="legend" transform="translate(16 {})">"#,
        num(y)
    );
    let intro = "errors of calls, and of calls into a service:";
    let _ = write!(out, r#"<text x="0" y="3.5">{intro}</text>"#);
    let mut x = text_width(intro, 10.0) + 6.0;
    for (level, label) in ["none", "<1%", "1–5%", "≥5%"].iter().enumerate() {
        let _ = write!(
            out,
            r#"<g class="err-{level}"><path class="line" d="M{} 0 h18" stroke-width="3"/></g><g class="node health-{level}"><rect x="{}" y="-6" width="16" height="12" rx="3"/></g><text x="{}" y="3.5">{}</text>"#,
            num(x),
            num(x + 22.0),
            num(x + 42.0),
            text(label)
        );
        x += 46.0 + text_width(label, 10.0) + 8.0;
    }
    let _ = write!(
        out,
        r#"<text x="{}" y="3.5">width: requests/s</text>"#,
        num(x + 6.0)
    );
    x += 16.0 + text_width("width: requests/s", 10.0) + 12.0;
    if let Some((shown, all)) = labelled {
        let note =
            format!("labels on {shown} of {all} calls (no room beside the others: hover them)");
        let _ = write!(
            out,
            r#"<text x="{}" y="3.5">{}</text>"#,
            num(x),
            text(&note)
        );
        x += text_width(&note, 10.0) + 12.0;
    }
    let mut present: Vec<NodeKind> = graph.nodes().map(|n| n.kind).collect();
    present.sort_unstable();
    present.dedup();
    if present.len() > 1 {
        for kind in present {
            let w = text_width(kind.as_str(), 10.0) + 12.0;
            // A database's lids need room above and below the word.
            let r = Rect {
                x: x + w / 2.0,
                y: 0.0,
                width: w,
                height: if kind == NodeKind::Database {
                    22.0
                } else {
                    16.0
                },
            };
            let _ = write!(out, r#"<g class="node kind-{kind}">"#);
            write_shape(out, kind, &r);
            let _ = write!(
                out,
                r#"<text x="{}" y="3.5" style="font-size:10px">{kind}</text></g>"#,
                num(r.x)
            );
            x += w + 6.0;
        }
    }
    if graph.graph().edge_weights().any(|e| e.diff.is_some()) {
        x += 10.0;
        for (class, label) in [
            ("diff-new", "new"),
            ("diff-changed", "changed"),
            ("diff-gone", "gone"),
        ] {
            let halo = if class == "diff-gone" {
                String::new()
            } else {
                format!(
                    r#"<path class="halo" d="M{} 0 h18" stroke-width="{}"/>"#,
                    num(x),
                    num(2.0 + HALO)
                )
            };
            let _ = write!(
                out,
                r#"<g class="edge err-0 {class}">{halo}<path class="line" d="M{} 0 h18" stroke-width="2"/><text x="{}" y="3.5" style="text-anchor:start;stroke:none">{label}</text></g>"#,
                num(x),
                num(x + 22.0),
            );
            x += 26.0 + text_width(label, 10.0) + 8.0;
        }
    }
    out.push_str("</g>\n");
    x + 32.0
}

/// A coordinate with at most one decimal: plenty for pixels, and it keeps files small and
/// stable. Rounded through integers (half away from zero) rather than `{:.1}`, whose exact
/// decimal expansion dominated the time of writing a large picture.
fn num(v: f64) -> Num {
    Num((v * 10.0).round() as i64)
}

/// `x y` of a point, written straight into the document.
fn push_point(out: &mut String, p: Point) {
    let mut digits = [0u8; 24];
    out.push_str(num(p.x).text(&mut digits));
    out.push(' ');
    out.push_str(num(p.y).text(&mut digits));
}

/// Tenths of a pixel, printed without allocating.
struct Num(i64);

impl Num {
    /// The number's text, set from the end of `digits`: a large picture has millions of
    /// numbers, and formatting the whole and the tenth apart cost twice.
    fn text(self, digits: &mut [u8; 24]) -> &str {
        let mut at = digits.len();
        let mut put = |byte: u8| {
            at -= 1;
            digits[at] = byte;
        };
        let tenths = self.0.unsigned_abs();
        let (mut whole, tenth) = (tenths / 10, tenths % 10);
        if tenth > 0 {
            put(b'0' + tenth as u8);
            put(b'.');
        }
        loop {
            put(b'0' + (whole % 10) as u8);
            whole /= 10;
            if whole == 0 {
                break;
            }
        }
        if self.0 < 0 {
            put(b'-');
        }
        std::str::from_utf8(&digits[at..]).unwrap_or_default()
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(Num(self.0).text(&mut [0u8; 24]))
    }
}

/// A tooltip of `lines`, escaped as text content.
fn push_title(out: &mut String, lines: &[String]) {
    out.push_str("<title>");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        push_escaped(out, line, false);
    }
    out.push_str("</title>");
}

/// Text content: markup characters escaped, characters XML forbids replaced.
fn text(value: &str) -> Cow<'_, str> {
    escape(value, false)
}

/// An attribute value in double quotes.
pub(crate) fn attr(value: &str) -> Cow<'_, str> {
    escape(value, true)
}

fn escape(value: &str, attribute: bool) -> Cow<'_, str> {
    // Most texts need nothing replaced (tooltips have arrows and newlines, which text
    // content keeps): nothing to copy.
    let Some(first) = first_replaced(value, attribute) else {
        return Cow::Borrowed(value);
    };
    let mut out = String::with_capacity(value.len() + 16);
    push_replaced(&mut out, value, first, attribute);
    Cow::Owned(out)
}

/// Appends `value` to `out` as [`escape`] gives it, without a copy of its own.
fn push_escaped(out: &mut String, value: &str, attribute: bool) {
    match first_replaced(value, attribute) {
        None => out.push_str(value),
        Some(first) => push_replaced(out, value, first, attribute),
    }
}

/// Appends `value` to `out` with what must be replaced replaced, from `first` (the first
/// place where something is).
fn push_replaced(out: &mut String, value: &str, first: usize, attribute: bool) {
    out.push_str(&value[..first]);
    for c in value[first..].chars() {
        match replacement(c, attribute) {
            Some(r) => out.push_str(r),
            None => out.push(c),
        }
    }
}

/// Where the first character of `value` that [`replacement`] replaces starts. A table finds
/// the bytes to look at (a large picture escapes hundreds of megabytes of names and
/// tooltips): ASCII that is replaced, and the first byte of every other character, which
/// is then judged as a whole.
fn first_replaced(value: &str, attribute: bool) -> Option<usize> {
    let stops = if attribute {
        &ATTRIBUTE_STOPS
    } else {
        &TEXT_STOPS
    };
    let bytes = value.as_bytes();
    let mut i = 0;
    while let Some(skip) = bytes[i..].iter().position(|&b| stops[usize::from(b)]) {
        i += skip;
        let c = value[i..].chars().next()?;
        if replacement(c, attribute).is_some() {
            return Some(i);
        }
        i += c.len_utf8();
    }
    None
}

/// The bytes [`first_replaced`] stops at, in text content and in attributes.
static TEXT_STOPS: [bool; 256] = stops(false);
static ATTRIBUTE_STOPS: [bool; 256] = stops(true);

const fn stops(attribute: bool) -> [bool; 256] {
    let mut table = [true; 256];
    let mut b = 0;
    while b < 0x80 {
        table[b] = match b as u8 {
            b'&' | b'<' | b'>' | 0x7f => true,
            b'"' | b'\n' => attribute,
            b'\t' => false,
            other => other < 0x20,
        };
        b += 1;
    }
    table
}

/// What stands for `c` in text content or (with `attribute`) in a double-quoted attribute
/// value; `None` where `c` stays as it is.
fn replacement(c: char, attribute: bool) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' if attribute => Some("&quot;"),
        '\n' if attribute => Some("&#10;"),
        '\n' | '\t' => None,
        // XML 1.0 allows no other control characters, not even escaped.
        c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => Some("\u{FFFD}"),
        // Text-direction overrides would let one name pass for another.
        c if super::is_bidi_control(c) => Some("\u{FFFD}"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Edge, Node};

    #[test]
    fn hostile_names_are_escaped() {
        let mut g = ServiceGraph::new();
        let a = g.upsert_node(Node::named("<script>alert(1)</script>", NodeKind::Service));
        let b = g.upsert_node(Node::named("a\"&'\u{1}\nb", NodeKind::Database));
        g.upsert_edge(a, b, Edge::with_rate(1.0));
        let svg = to_svg(&g, &SvgOptions::default()).text;
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains(r#"data-name="a&quot;&amp;'�&#10;b""#), "{svg}");
        assert!(!svg.contains('\u{1}'));
    }

    #[test]
    fn the_quick_scan_finds_what_the_character_rules_replace() {
        let tricky = [
            '\u{80}', '\u{9f}', '\u{a0}', '→', '\u{202e}', '\u{2066}', '\u{fffe}', '😀',
        ];
        let chars = (0u8..=0x7f).map(char::from).chain(tricky);
        for attribute in [false, true] {
            for c in chars.clone() {
                // Alone, and behind plain text and a multi-byte character.
                for value in [c.to_string(), format!("svc-1 → {c}x")] {
                    let by_char = value
                        .char_indices()
                        .find_map(|(i, c)| replacement(c, attribute).map(|_| i));
                    assert_eq!(first_replaced(&value, attribute), by_char, "{value:?}");
                }
            }
        }
    }

    #[test]
    fn every_kind_of_graph_is_well_formed_xml() {
        let mut g = ServiceGraph::new();
        let mut previous = None;
        for (i, kind) in NodeKind::ALL.into_iter().enumerate() {
            let mut node = Node::named(&format!("n{i}<&>"), kind);
            // Two namespaces (one hostile), and some nodes without one.
            node.namespace = match i % 3 {
                0 => Some("ns\"<script>".into()),
                1 => Some("b".into()),
                _ => None,
            };
            let v = g.upsert_node(node);
            if let Some(p) = previous {
                let mut e = Edge::with_rate(i as f64);
                e.failures_per_second = 0.02 * i as f64;
                e.latency.p95 = Some(0.01);
                g.upsert_edge(p, v, e);
            }
            previous = Some(v);
        }
        let a = g.node_index("n0<&>").unwrap();
        g.upsert_edge(a, a, Edge::with_rate(1.0));
        let settings = [Direction::LeftToRight, Direction::TopToBottom]
            .into_iter()
            .flat_map(|d| [EdgeLabels::Always, EdgeLabels::Never].map(|e| (d, e)))
            .flat_map(|(d, e)| [Grouping::None, Grouping::Namespace].map(|g| (d, e, g)))
            .flat_map(|(d, e, g)| [EdgeStyle::Curved, EdgeStyle::Orthogonal].map(|s| (d, e, g, s)));
        for (direction, edge_labels, group, edges) in settings {
            {
                let options = SvgOptions {
                    direction,
                    edges,
                    edge_labels,
                    no_legend: false,
                    group,
                    hint: None,
                };
                let svg = to_svg(&g, &options).text;
                let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
                let count = |class: &str| {
                    doc.descendants()
                        .filter(|n| n.attribute("class") == Some(class))
                        .count()
                };
                assert_eq!(
                    count("line") - 4,
                    g.edge_count(),
                    "every edge drawn (legend has 4)"
                );
                assert_eq!(count("head"), g.edge_count());
                let boxes: Vec<&str> = doc
                    .descendants()
                    .filter(|n| n.attribute("class") == Some("group"))
                    .filter_map(|n| n.attribute("data-namespace"))
                    .collect();
                if group == Grouping::None {
                    assert!(boxes.is_empty());
                } else {
                    assert_eq!(boxes, ["b", "ns\"<script>"]);
                }
            }
        }
        roxmltree::Document::parse(&to_svg(&ServiceGraph::new(), &SvgOptions::default()).text)
            .unwrap();
    }

    /// A caller, and three services it calls with 0, 2 and 10 % errors; the third calls a
    /// fourth that no one else calls, without errors.
    fn health_graph() -> ServiceGraph {
        let mut g = ServiceGraph::new();
        let user = g.upsert_node(Node::named("user", NodeKind::Service));
        for (name, failures) in [("fine", 0.0), ("flaky", 0.2), ("broken", 1.0)] {
            let v = g.upsert_node(Node::named(name, NodeKind::Service));
            let mut e = Edge::with_rate(10.0);
            e.failures_per_second = failures;
            g.upsert_edge(user, v, e);
        }
        // Two callers of one database: the ratio is of the sum (1 of 20 = 5 %), not a mean.
        let db = g.upsert_node(Node::named("db", NodeKind::Database));
        for (caller, failures) in [("fine", 0.0), ("flaky", 1.0)] {
            let v = g.node_index(caller).unwrap();
            let mut e = Edge::with_rate(10.0);
            e.failures_per_second = failures;
            g.upsert_edge(v, db, e);
        }
        g
    }

    /// The `<g class="node …">` start tag and title of node `id`.
    fn node_tag<'a>(svg: &'a str, id: &str) -> &'a str {
        let at = svg
            .find(&format!("data-id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id} drawn"));
        let start = svg[..at].rfind("<g class=\"node").unwrap();
        &svg[start..start + svg[start..].find("</title>").unwrap()]
    }

    #[test]
    fn nodes_are_coloured_by_the_error_ratio_of_their_calls_in() {
        let svg = to_svg(&health_graph(), &SvgOptions::default()).text;
        let user = node_tag(&svg, "user");
        assert!(!user.contains("health-"), "no calls in, neutral: {user}");
        assert!(!user.contains("data-in-rps") && !user.contains("calls in"));
        for (id, level, line) in [
            ("fine", 0, "calls in: 10.0 requests/s, 0% errors"),
            ("flaky", 2, "calls in: 10.0 requests/s, 2.0% errors"),
            ("broken", 3, "calls in: 10.0 requests/s, 10% errors"),
            ("db", 3, "calls in: 20.0 requests/s, 5.0% errors"),
        ] {
            let tag = node_tag(&svg, id);
            assert!(tag.contains(&format!("health-{level}")), "{tag}");
            // The colour is not the only cue: the tooltip states the ratio.
            assert!(tag.contains(line), "{tag}");
        }
        assert!(node_tag(&svg, "db").contains(r#"data-in-rps="20" data-in-error-ratio="0.05""#));
        // The bands' colours are the edges' ones, and the legend explains them.
        assert!(svg.contains(&format!(
            ".node.health-3 rect, .node.health-3 path {{ fill: #fbe0e0; stroke: {};",
            ERROR_COLORS[3]
        )));
        assert!(svg.contains("errors of calls, and of calls into a service:"));
        assert_eq!(svg, to_svg(&health_graph(), &SvgOptions::default()).text);
        roxmltree::Document::parse(&svg).unwrap();
    }

    #[test]
    fn the_nodes_of_a_small_graph() {
        let svg = to_svg(&health_graph(), &SvgOptions::default()).text;
        let nodes = &svg
            [svg.find("<g class=\"nodes\">").unwrap()..svg.find("<g class=\"legend\"").unwrap()];
        let shapes = regex::Regex::new(r"<(rect|path|text) [^>]*>").unwrap();
        insta::assert_snapshot!(shapes.replace_all(nodes, "<$1 …>"));
    }

    #[test]
    fn texts_are_copied_only_when_something_is_replaced() {
        let tooltip = "a → b\n\"q\"\tc";
        assert!(matches!(text(tooltip), Cow::Borrowed(t) if t == tooltip));
        assert_eq!(attr(tooltip), "a → b&#10;&quot;q&quot;\tc");
        assert_eq!(
            text("é<y & \u{202E}z\u{1}>"),
            "é&lt;y &amp; \u{FFFD}z\u{FFFD}&gt;"
        );
        assert_eq!(attr("\u{FFFE}é\u{FFFF}"), "\u{FFFD}é\u{FFFD}");
    }

    #[test]
    fn numbers_are_compact_and_stable() {
        assert_eq!(num(12.0).to_string(), "12");
        assert_eq!(num(12.04).to_string(), "12");
        assert_eq!(num(-0.01).to_string(), "0");
        assert_eq!(num(-2.46).to_string(), "-2.5");
        assert_eq!(num(0.35).to_string(), "0.4");
        assert_eq!(num(-0.04).to_string(), "0");
        assert_eq!(num(0.06).to_string(), "0.1");
        assert_eq!(num(-1_234_567.89).to_string(), "-1234567.9");
        assert_eq!(num(1e15).to_string(), "1000000000000000");
    }

    #[test]
    fn empty_graphs_say_so() {
        let svg = to_svg(&ServiceGraph::new(), &SvgOptions::default()).text;
        assert!(svg.contains("No edges"));
        assert!(svg.ends_with("</svg>\n"));
    }

    /// A graph whose drawing is several of the pieces [`write_svg`] hands on.
    fn chain_of_fans(services: usize) -> ServiceGraph {
        let mut g = ServiceGraph::new();
        let mut previous = g.upsert_node(Node::named("gateway", NodeKind::Service));
        for i in 0..services {
            let mut node = Node::named(&format!("svc-{i}"), NodeKind::Service);
            node.namespace = Some(format!("ns-{}", i % 4));
            let v = g.upsert_node(node);
            g.upsert_edge(previous, v, Edge::with_rate(1.0 + i as f64));
            if i % 3 == 0 {
                previous = v;
            }
        }
        g
    }

    #[test]
    fn a_drawing_written_in_pieces_is_the_drawing_made_whole() {
        let g = chain_of_fans(400);
        let options = SvgOptions {
            group: Grouping::Namespace,
            ..SvgOptions::default()
        };
        let whole = to_svg(&g, &options);
        assert!(whole.text.len() > 3 * Out::PIECE, "{}", whole.text.len());
        let mut written = Vec::new();
        let layout = write_svg(&g, &options, &mut written).unwrap();
        assert_eq!(String::from_utf8(written).unwrap(), whole.text);
        assert_eq!(layout.nodes, whole.layout.nodes);
        let mut empty = Vec::new();
        write_svg(&ServiceGraph::new(), &options, &mut empty).unwrap();
        assert_eq!(
            String::from_utf8(empty).unwrap(),
            to_svg(&ServiceGraph::new(), &options).text
        );
    }

    /// A sink that takes `room` bytes, then fails as a full disk does.
    struct Full {
        room: usize,
        writes: usize,
    }

    impl io::Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.writes += 1;
            if self.room == 0 {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_drawing_made_on_two_threads_is_the_drawing_made_on_one() {
        // Large enough that cycle breaking, coordinates and the writing all split their
        // work: tiers of services calling three of the next tiers, some calling back up.
        let (tiers, per) = (8, 3_000);
        let mut next = crate::layout::test_sequence(5);
        let mut g = ServiceGraph::new();
        let ids: Vec<_> = (0..tiers * per)
            .map(|i| g.upsert_node(Node::named(&format!("svc-{i}"), NodeKind::Service)))
            .collect();
        for v in 0..(tiers - 1) * per {
            let tier = v / per;
            for _ in 0..3 {
                let callee = if tier > 0 && next(100) < 3 {
                    next((tier * per) as u64) as usize
                } else {
                    (tier + 1 + next(((tiers - tier - 1) as u64).min(2)) as usize) * per
                        + next(per as u64) as usize
                };
                g.upsert_edge(
                    ids[v],
                    ids[callee],
                    Edge::with_rate(1.0 + next(1000) as f64),
                );
            }
        }
        assert!(g.edge_count() >= crate::parallel::WORTH_A_THREAD);
        let options = SvgOptions::default();
        let two = to_svg(&g, &options);
        crate::parallel::ONE_THREAD.set(true);
        let one = to_svg(&g, &options);
        crate::parallel::ONE_THREAD.set(false);
        assert!(two.layout.stats.reversed_edges > 0);
        assert!(two.text == one.text, "the drawings differ");
    }

    #[test]
    fn elements_written_in_turn_keep_their_order_whole_and_in_pieces() {
        let worth = crate::parallel::WORTH_A_THREAD;
        // Around the run length and the size from which a second thread writes.
        for count in [
            0,
            1,
            2047,
            2048,
            2049,
            4097,
            worth - 1,
            worth,
            worth + 4096 + 7,
        ] {
            let write = |out: &mut String, i: usize| {
                let _ = writeln!(out, "<e n=\"{i}\"/>");
            };
            let mut expected = String::new();
            for i in 0..count {
                expected += "<e n=\"";
                expected += &i.to_string();
                expected += "\"/>\n";
            }
            let mut whole = Out {
                text: String::new(),
                sink: None,
                failed: None,
            };
            write_in_turn(&mut whole, count, &write);
            assert!(whole.text == expected, "{count} elements written whole");
            let mut written = Vec::new();
            let mut pieces = Out {
                text: String::new(),
                sink: Some(&mut written),
                failed: None,
            };
            write_in_turn(&mut pieces, count, &write);
            pieces.flush();
            assert!(written == expected.as_bytes(), "{count} elements in pieces");
        }
    }

    #[test]
    fn a_sink_that_fails_ends_the_drawing_with_its_error() {
        let g = chain_of_fans(400);
        let mut sink = Full {
            room: 10_000,
            writes: 0,
        };
        let error = write_svg(&g, &SvgOptions::default(), &mut sink).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::StorageFull);
        // The first piece filled the room and was refused the rest; no later piece was
        // offered.
        assert_eq!(sink.writes, 2);
    }
}
