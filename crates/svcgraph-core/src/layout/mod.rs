//! A layered (Sugiyama) layout built for speed on service graphs.
//!
//! Phases, each linear or near-linear in the size of the layered graph, none recursive:
//! 1. cycle breaking (`acyclic`): Eades–Lin–Smyth and two search orders, each refined by a
//!    local search; of those reversing no more edges than Eades–Lin–Smyth, the one whose
//!    trial ordering crosses least on graphs of up to 400 nodes and edges (where the back
//!    edges of two depth-first searches, as dot breaks cycles, are tried too, each edge
//!    reversed beyond the others' counting as two crossings; without grouping boxes), up to
//!    1,500 after one round of ordering, else the one whose layering stretches least (on
//!    graphs of over 20,000 nodes only a spring model's order, judged by stretch alone);
//!    edge labels play no part. Reversed edges are still drawn from client to server;
//! 2. layering by network simplex within a work budget (`rank`), which minimises the total
//!    edge span and so the dummy vertices. Edge labels are first left out of the layout
//!    (the channels only widened to the length of the text) and set beside their lines
//!    afterwards where the line runs flattest near its middle and nothing else is
//!    (`labels`), never nearer another call's line than its own; a label that finds no
//!    place gets a room of its own in the next try: a dummy the size of its text in a
//!    layer without nodes, inserted only where such a call joins neighbouring layers.
//!    After four tries every label gets a room (layers doubled). Rooms are taken only
//!    while the drawing stays within 1.3 times the first try's area or a screen (1600 ×
//!    900), and on graphs of up to 200 labelled edges: otherwise a label without a place
//!    is left out (unless every label is asked for, when every label gets its place or a
//!    room, as close to its line as may be). Either way no label overlaps a node, another
//!    label or another edge's line;
//! 3. dummy vertices for edges spanning several layers, their count kept within a budget
//!    (at most [`MAX_DUMMIES`]; the longest edges over it are drawn straight, counted in
//!    [`LayoutStats::direct_edges`]);
//! 4. crossing reduction (`order`): barycenter and median sweeps with transposition, then
//!    sifting of every vertex (dummies too), restarted from shuffled orders while a work
//!    budget lasts; separate connected parts stay apart in every layer, each ordered on its
//!    own. Where a trial ordered the layering laid out, the ordering goes on from the
//!    trial's order instead of finding it again;
//! 5. Brandes–Köpf coordinates from the real label widths (`position`), placing the line an
//!    edge runs along beside its label rather than the label's center, so labelled edges
//!    run straight;
//! 6. routes: each edge leaves and enters its nodes at ports of its own, spread along the
//!    node's side in the order of the other ends (`route`). Curved edges (the default) are
//!    the shortest line through a gate in every layer band they pass: half the room to each
//!    neighbour, split among a node's edges by port, on the text's side beside a label
//!    (`thread`); they bend only where a gate forces them, and the bends are rounded within
//!    the room beyond the gate. Orthogonal edges run straight through the layers (along
//!    their dummies) and turn onto a track of their own in the channel between two layers;
//!    each channel is as wide as its tracks need. Either way no two edges run on top of each
//!    other. Self-loops beside their node; parallel edges merged into one route;
//! 7. optional grouping boxes (say, one per namespace): each group's vertices stay contiguous
//!    in every layer, in one order of groups for all layers (each box moved to the place
//!    in that order where the drawing crosses least), and each box gets a band of its own
//!    across the flow, so boxes never overlap each other or a node outside them.
//!
//! With an earlier drawing ([`LayoutOptions::previous`], [`LayoutHint`]) the layout keeps
//! it: edges between earlier nodes keep their direction, earlier nodes their layers, their
//! order and (as far as new vertices leave room) their places; new nodes are fitted in
//! beside their neighbours, and their calls that would push earlier nodes on are drawn
//! reversed instead. A live view that redraws every few seconds stays where it was, and
//! never drifts: a drawing that keeps the earlier one is compared with a fresh one, and
//! when it is clearly larger or more crossed it gives up first the earlier order, then
//! the earlier layers and places (see [`layout`]).
//!
//! It works on any graph: build a [`LayoutGraph`] of node sizes and edges.
//!
//! ```
//! use svcgraph_core::layout::{layout, LayoutEdge, LayoutGraph, LayoutOptions, Size};
//!
//! let node = Size { width: 80.0, height: 24.0 };
//! let graph = LayoutGraph {
//!     nodes: vec![node; 3],
//!     edges: vec![LayoutEdge::new(0, 1), LayoutEdge::new(1, 2), LayoutEdge::new(2, 0)],
//!     ..LayoutGraph::default()
//! };
//! let drawn = layout(&graph, &LayoutOptions::default())?;
//! assert_eq!(drawn.stats.reversed_edges, 1);
//! assert_eq!(drawn.edges.len(), 3);
//! # Ok::<(), svcgraph_core::Error>(())
//! ```

mod acyclic;
mod clock;
mod hint;
mod labels;
mod order;
mod position;
mod rank;
mod route;
mod thread;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub use hint::{EdgeHint, LayoutHint};

use clock::Stopwatch;

use crate::error::{Error, Result};

/// Width and height of a box, in SVG user units (pixels).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Size {
    /// Horizontal extent.
    pub width: f64,
    /// Vertical extent.
    pub height: f64,
}

/// An edge to lay out, with the size of its label if it has one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayoutEdge {
    /// Index of the calling node.
    pub source: usize,
    /// Index of the called node.
    pub target: usize,
    /// Room to reserve for the edge's label.
    pub label: Option<Size>,
}

impl LayoutEdge {
    /// An edge without a label.
    pub fn new(source: usize, target: usize) -> Self {
        LayoutEdge {
            source,
            target,
            label: None,
        }
    }
}

/// What to lay out: node sizes and edges between node indices.
#[derive(Debug, Clone, Default)]
pub struct LayoutGraph {
    /// One size per node.
    pub nodes: Vec<Size>,
    /// Edges; self-loops and parallel edges are allowed.
    pub edges: Vec<LayoutEdge>,
    /// Grouping boxes, by the size of each group's label; nodes join them through
    /// `node_groups`.
    pub groups: Vec<Size>,
    /// Per node, its group (an index into `groups`) or `None`; empty when nothing is grouped.
    pub node_groups: Vec<Option<u32>>,
}

/// Which way edges flow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Direction {
    /// Callers above callees.
    TopToBottom,
    /// Callers left of callees.
    #[default]
    LeftToRight,
}

/// How edges are drawn between layers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EdgeStyle {
    /// Smooth curves: an edge crosses a channel between two layers in one gentle S-curve
    /// when the channel is wide enough for its offset, and on a track of its own (as
    /// [`EdgeStyle::Orthogonal`] does, with the corners curved) when it is steeper.
    #[default]
    Curved,
    /// Runs parallel to the axes with rounded corners, every offset on a track of its own.
    Orthogonal,
}

/// Tunables. The defaults suit labelled service graphs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LayoutOptions {
    /// Which way edges flow.
    pub direction: Direction,
    /// Gap between neighbouring nodes within a layer.
    pub node_gap: f64,
    /// Gap between neighbouring edges within a layer.
    pub edge_gap: f64,
    /// Gap between layers.
    pub layer_gap: f64,
    /// How edges are drawn between layers.
    pub edges: EdgeStyle,
    /// Margin around the drawing.
    pub margin: f64,
    /// Most dummy vertices to create; `None` picks `4 · (V + E) + 10,000`, at most
    /// [`MAX_DUMMIES`].
    pub dummy_budget: Option<usize>,
    /// Where an earlier drawing put each node's center, by input index (empty, or one entry
    /// per node): nodes with a point keep their place as far as the graph allows.
    pub previous: Vec<Option<Point>>,
    /// Where an earlier drawing ran each edge, client to server, by input index (empty, or
    /// one entry per edge): long edges are threaded where they ran.
    pub previous_edges: Vec<Option<Vec<Point>>>,
    /// Draw every edge label, however many: a label that finds no place beside its line
    /// gets a room of its own (a layer between two layers of nodes), which widens the
    /// drawing and bends the lines through it. By default rooms are taken on graphs of up
    /// to 200 labelled edges, and only while the drawing stays within 1.3 times the area
    /// of the drawing without them or within 1600 × 900; a label that then has no place
    /// is left out (its route's `label` is `None`, counted in
    /// [`LayoutStats::labels_left_out`]), as is one whose only places are nearer another
    /// edge's line than its own.
    pub every_label: bool,
}

impl Default for LayoutOptions {
    fn default() -> Self {
        LayoutOptions {
            direction: Direction::default(),
            node_gap: 18.0,
            edge_gap: 6.0,
            layer_gap: 40.0,
            edges: EdgeStyle::default(),
            margin: 16.0,
            dummy_budget: None,
            previous: Vec::new(),
            previous_edges: Vec::new(),
            every_label: false,
        }
    }
}

/// A point in the drawing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Horizontal coordinate.
    pub x: f64,
    /// Vertical coordinate.
    pub y: f64,
}

/// A box in the drawing, by its center.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rect {
    /// Center, horizontally.
    pub x: f64,
    /// Center, vertically.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

impl Rect {
    /// Left edge.
    pub fn left(&self) -> f64 {
        self.x - self.width / 2.0
    }
    /// Right edge.
    pub fn right(&self) -> f64 {
        self.x + self.width / 2.0
    }
    /// Top edge.
    pub fn top(&self) -> f64 {
        self.y - self.height / 2.0
    }
    /// Bottom edge.
    pub fn bottom(&self) -> f64 {
        self.y + self.height / 2.0
    }
}

/// How to draw an edge's points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RouteShape {
    /// Runs parallel to the axes from point to point: along the flow out of the source, across
    /// it on the edge's own track between two layers, along it again; the renderer rounds
    /// the corners.
    Orthogonal,
    /// A self-loop: the four points are a cubic Bézier curve.
    Loop,
    /// A straight line (edges over the dummy budget).
    Straight,
    /// Cubic Bézier pieces: the first point, then three points per piece (two control
    /// points and the piece's end). A piece whose control points are its own ends is a
    /// straight line.
    Curved,
}

/// Where an edge goes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct EdgeRoute {
    /// From the source node's border to the target node's border, always in the edge's
    /// direction (client to server), even when the edge was reversed to break a cycle.
    pub points: Vec<Point>,
    /// How to draw the points.
    pub shape: RouteShape,
    /// Room reserved for the label, when the edge has one.
    pub label: Option<Rect>,
    /// Whether the edge was reversed to break a cycle (it points against the flow).
    pub reversed: bool,
}

/// Numbers about a layout, for users and benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LayoutStats {
    /// Nodes laid out.
    pub nodes: usize,
    /// Edges laid out (after merging parallel edges).
    pub edges: usize,
    /// Layers, including the label layers.
    pub layers: usize,
    /// Edges reversed to break cycles.
    pub reversed_edges: usize,
    /// Dummy vertices created for long edges and labels.
    pub dummies: usize,
    /// Edges drawn straight because the dummy budget ran out.
    pub direct_edges: usize,
    /// Edge labels left out for want of a place beside their lines (never with
    /// [`LayoutOptions::every_label`]).
    pub labels_left_out: usize,
    /// Edge crossings between adjacent layers in the final order.
    pub crossings: u64,
    /// Width of the drawing.
    pub width: f64,
    /// Height of the drawing.
    pub height: f64,
    /// What the layout kept of an earlier drawing.
    pub kept: Keep,
    /// Time spent per phase.
    pub phases: PhaseTimes,
}

/// Time spent in each phase, in seconds, summed over every try of a labelled layout (one try
/// for each round of label rooms). All 0 on `wasm32-unknown-unknown`, which has no clock to
/// read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PhaseTimes {
    /// Cycle breaking.
    pub acyclic: f64,
    /// Layering and dummy vertices.
    pub layering: f64,
    /// Crossing reduction.
    pub ordering: f64,
    /// Coordinates.
    pub positioning: f64,
    /// Edge routes.
    pub routing: f64,
}

impl PhaseTimes {
    /// Sum of all phases, in seconds.
    pub fn total(&self) -> f64 {
        self.acyclic + self.layering + self.ordering + self.positioning + self.routing
    }

    /// Adds `other`'s times to these.
    fn add(&mut self, other: &PhaseTimes) {
        self.acyclic += other.acyclic;
        self.layering += other.layering;
        self.ordering += other.ordering;
        self.positioning += other.positioning;
        self.routing += other.routing;
    }
}

/// The drawing: a box per node, a route per edge (same indices as the input).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Layout {
    /// One box per input node.
    pub nodes: Vec<Rect>,
    /// One route per input edge; parallel edges share a route.
    pub edges: Vec<EdgeRoute>,
    /// One box per input group, `None` for a group without nodes; empty without groups.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Option<GroupBox>>,
    /// Width of the drawing, margins included.
    pub width: f64,
    /// Height of the drawing, margins included.
    pub height: f64,
    /// Numbers about it.
    pub stats: LayoutStats,
}

/// A grouping box and where its label goes (inside the box, at its top left).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct GroupBox {
    /// The box.
    pub rect: Rect,
    /// The label's box.
    pub label: Rect,
}

/// Space between a group box's border and what it holds.
const GROUP_PAD: f64 = 10.0;
/// Distance of a group's label from the box's left and top border.
const GROUP_LABEL_INSET: (f64, f64) = (6.0, 4.0);

/// Extent of a self-loop beyond its node.
const LOOP: f64 = 26.0;
/// Space between an edge line and its label text.
const LABEL_PAD: f64 = 4.0;

/// Lays out `graph`. Errors only on edges that name a node that does not exist.
///
/// With an earlier drawing the result keeps its places as long as that costs little: when
/// the drawing that keeps them is clearly worse than a fresh one (more than
/// [`DRIFT_AREA`] times its area, or [`DRIFT_CROSSINGS`] times its crossings and a few
/// more), the earlier layers are kept with an order of fewer crossings found from the
/// earlier one; when that is still clearly worse, fresh layers and places with an order
/// found from the earlier one; and when even that is, a fresh layout.
/// [`LayoutStats::kept`] says which.
/// So a live view redrawn from its own last drawing for hours never grows past what its
/// graph needs.
pub fn layout(graph: &LayoutGraph, options: &LayoutOptions) -> Result<Layout> {
    if options.previous.iter().all(Option::is_none) {
        return layout_with(graph, options, Keep::Nothing);
    }
    let fresh = layout_with(graph, options, Keep::Nothing)?;
    let spare = (fresh.stats.edges as f64 / DRIFT_EDGES_PER_SPARE_CROSSING).max(5.0);
    let close = |drawn: &Layout| {
        drawn.width * drawn.height <= DRIFT_AREA * fresh.width * fresh.height
            && drawn.stats.crossings as f64
                <= DRIFT_CROSSINGS * fresh.stats.crossings as f64 + spare
    };
    for keep in [Keep::Places, Keep::Layers, Keep::Compacted] {
        let drawn = layout_with(graph, options, keep)?;
        if close(&drawn) {
            return Ok(drawn);
        }
    }
    Ok(fresh)
}

/// Most dummy vertices a layout creates unless [`LayoutOptions::dummy_budget`] says
/// otherwise, however large the graph: every later phase costs time and memory in
/// proportion to the vertices, and at this many the drawing is far past reading edge by
/// edge. Graphs up to about 47,000 nodes and edges together stay within `4 · (V + E) +
/// 10,000` and never meet it.
pub const MAX_DUMMIES: usize = 200_000;

/// The dummy budget when none is given: `4 · (V + E) + 10,000` for `nodes` and `edges`,
/// at most [`MAX_DUMMIES`].
fn default_dummy_budget(nodes: usize, edges: usize) -> usize {
    (4 * (nodes + edges) + 10_000).min(MAX_DUMMIES)
}

/// A drawing that keeps an earlier one is redrawn when its area is more than this times a
/// fresh drawing's.
pub const DRIFT_AREA: f64 = 1.3;
/// ... or its crossings more than this times a fresh drawing's, plus one for every
/// [`DRIFT_EDGES_PER_SPARE_CROSSING`] edges (at least 5: a few more crossings are no
/// reason to move every service on a screen).
pub const DRIFT_CROSSINGS: f64 = 2.0;
/// See [`DRIFT_CROSSINGS`].
pub const DRIFT_EDGES_PER_SPARE_CROSSING: f64 = 8.0;

/// What a layout kept of an earlier drawing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Keep {
    /// Nothing: no earlier drawing was given, or keeping it was clearly worse than a fresh
    /// layout.
    #[default]
    Nothing,
    /// Layers, order and places of the earlier nodes, as far as the new graph allows.
    Places,
    /// Layers of the earlier nodes, and their places as far as an order with fewer
    /// crossings allows: that order is found starting from the earlier one, since keeping
    /// it would have crossed clearly more edges than a fresh drawing.
    Layers,
    /// Fresh layers and places, an order found from the earlier one: keeping the earlier
    /// layers would have left the drawing clearly larger or more crossed than a fresh one.
    /// Nodes move, but mostly keep their neighbours.
    Compacted,
}

/// Tries at laying labels out beside their lines before every label gets a room.
const ROOM_TRIES: usize = 4;
/// Most labelled edges for which every label is drawn by default. Above this the layout
/// makes one try, and a label that finds no place beside its line is left out: rooms for
/// the hundreds that do not fit would double the layers, widen the drawing 2–3 times and
/// bend most lines (measured in BENCHMARKS.md), and each further try is a layout.
const FREE_LABELS: usize = 200;
/// Most a drawing may grow for the rooms of labels that found no place beside their lines,
/// as a multiple of the area of the first try (laid out as if bare): rooms cost whole
/// layers, and a drawing twice as large for its labels is harder to read than one whose
/// last few labels show on hover (measured in BENCHMARKS.md).
const LABEL_AREA: f64 = 1.3;
/// A drawing that fits within this (width, height) is seen whole without zooming on a
/// common screen, so rooms that keep it within cost the reader nothing and are taken
/// whatever [`LABEL_AREA`] says.
const SCREEN: (f64, f64) = (1600.0, 900.0);

/// Lays out `graph` keeping what `keep` says of the earlier drawing. Labelled edges are
/// first laid out as if bare and their labels set beside their lines where there is room
/// (`labels`). Up to [`FREE_LABELS`] labelled edges (or with
/// [`LayoutOptions::every_label`]) a label that finds none gets a room of its own in the
/// next try, and after [`ROOM_TRIES`] tries every label does (at once, above
/// [`FREE_LABELS`] with [`LayoutOptions::every_label`]); otherwise it is left out. Unless
/// every label is asked for, the drawing returned is the last try within [`LABEL_AREA`]
/// of the first's area or within [`SCREEN`], its labels without a place left out.
/// A later try of a fresh layout orders its layers starting from the first try's order,
/// as a live view does from its last drawing ([`Keep::Compacted`]): a fresh order for the
/// layers with rooms crossed more (measured in BENCHMARKS.md). Where the order so found
/// crosses more than [`AFRESH_SHARE`] allows above the first try's, a fresh one is tried
/// too, and the one that crosses less kept.
fn layout_with(graph: &LayoutGraph, options: &LayoutOptions, keep: Keep) -> Result<Layout> {
    if let Some(cleaned) = clean_labels(graph) {
        return layout_with(&cleaned, options, keep);
    }
    let labelled = graph
        .edges
        .iter()
        .filter(|e| e.label.is_some() && e.source != e.target)
        .count();
    let many = labelled > FREE_LABELS;
    if labelled == 0 || (many && options.every_label) {
        return layout_rooms(graph, options, keep, true, &[], &mut None, None);
    }
    let sizes: Vec<Option<Size>> = graph.edges.iter().map(|e| e.label).collect();
    let lr = options.direction == Direction::LeftToRight;
    // Labels that found no place get rooms in the next try, at most ROOM_TRIES times;
    // then every label gets one.
    let mut rooms = vec![false; sizes.len()];
    // What the first try drew, as the earlier drawing for the later ones, and its crossings.
    let mut from_first: Option<(LayoutOptions, u64)> = None;
    // The time of every try so far, which the drawing returned reports.
    let mut spent = PhaseTimes::default();
    // The calls to reverse, chosen by the first try for every later one: the tries differ
    // in their labels only, which play no part in it.
    let mut reversal: Option<Reversal> = None;
    // The first try's area, and the latest try within LABEL_AREA of it with the labels
    // that found no place left out (unless every label is asked for).
    let mut bare_area = None;
    let mut best: Option<Layout> = None;
    let within = |out: &Layout, bare: Option<f64>| {
        let area = out.stats.width * out.stats.height;
        options.every_label
            || bare.is_none_or(|b| area <= LABEL_AREA * b)
            || (out.stats.width <= SCREEN.0 && out.stats.height <= SCREEN.1)
    };
    for _ in 0..ROOM_TRIES {
        let (some_rooms, aside) = with_rooms(graph, &sizes, &rooms);
        // A later try of a fresh layout: layers of its own (rooms change them), the order
        // found from the first try's (which had none), and afresh too if that crosses more.
        let later = from_first.as_ref().filter(|_| keep == Keep::Nothing);
        let (given, keeping, afresh) = match later {
            Some((hinted, first)) => (hinted, Keep::Compacted, Some(first + first / AFRESH_SHARE)),
            None => (options, keep, None),
        };
        let mut out = layout_rooms(
            &some_rooms,
            given,
            keeping,
            false,
            &aside,
            &mut reversal,
            afresh,
        )?;
        if later.is_some() {
            // Still a fresh drawing to the caller.
            out.stats.kept = Keep::Nothing;
        }
        let t = Stopwatch::start();
        let unplaced = labels::place(
            &mut out,
            &aside,
            lr,
            options.margin,
            !options.every_label,
            many,
        );
        out.stats.phases.routing += t.seconds();
        spent.add(&out.stats.phases);
        if !within(&out, bare_area) {
            // Rooms for more labels would grow the drawing too much: the try before.
            return Ok(with_phases(best.unwrap_or(out), &spent));
        }
        bare_area.get_or_insert(out.stats.width * out.stats.height);
        out.stats.labels_left_out = unplaced.len();
        if unplaced.is_empty() || many {
            return Ok(with_phases(out, &spent));
        }
        if !options.every_label {
            best = Some(out.clone());
        }
        if from_first.is_none() && keep == Keep::Nothing {
            let crossings = out.stats.crossings;
            from_first = Some((drawn_before(out, options), crossings));
        }
        for e in unplaced {
            rooms[e] = true;
        }
    }
    let all = layout_rooms(graph, options, keep, true, &[], &mut reversal, None)?;
    spent.add(&all.stats.phases);
    let chosen = match best {
        Some(best) if !within(&all, bare_area) => best,
        _ => all,
    };
    Ok(with_phases(chosen, &spent))
}

/// `options` with `out` as the earlier drawing.
fn drawn_before(out: Layout, options: &LayoutOptions) -> LayoutOptions {
    LayoutOptions {
        previous: out
            .nodes
            .iter()
            .map(|r| Some(Point { x: r.x, y: r.y }))
            .collect(),
        previous_edges: out.edges.into_iter().map(|r| Some(r.points)).collect(),
        ..options.clone()
    }
}

/// `out` with the time of every try (`spent`) as its phase times.
fn with_phases(mut out: Layout, spent: &PhaseTimes) -> Layout {
    out.stats.phases = spent.clone();
    out
}

/// Most nodes and merged edges for which the ways to break cycles are judged by crossings
/// ([`fewest_crossings`]): a trial ordering each, a few milliseconds at this size. Up to
/// 600 the labelled drawing of a mesh of 100 services (470 nodes and calls, 1,300 dummies)
/// spent 25 of its 36 ms on trials; a glance draws it the same in 14 (BENCHMARKS.md).
const TRIAL_SIZE: usize = 400;
/// Most nodes and merged edges for which they are judged by the crossings after one round
/// of ordering ([`order::glance`]); beyond, by their cost alone. A full trial of each at
/// 300 services costs 3–15 ms, a glance with its layering about 2 ms.
const GLANCE_SIZE: usize = 1_500;
/// The share of the best glance so far that a costlier choice's glance must come under to
/// be taken: a glance's count strays by about a tenth from one layering to another
/// against a full trial's (BENCHMARKS.md).
const GLANCE_MARGIN: (u128, u128) = (9, 10);
/// Crossings that a call reversed beyond the fewest that the candidates held to a count need
/// is worth, in the trial of a depth-first search's reversals: a fan-out of 60 services
/// (188 calls) would otherwise have 48 calls drawn against the flow instead of 5, for 35
/// fewer crossings (BENCHMARKS.md).
const EXTRA_REVERSAL: u64 = 2;
/// A later try with rooms whose order, found from the first try's, crosses more than
/// 1 / `AFRESH_SHARE` above the first try's count is also ordered afresh: the rooms change
/// the layering, and on a drawing with few crossings the order carried over can keep one
/// or three that a fresh order avoids. At a tenth, fresh orders of 200 crossings cost 6-8
/// ms and crossed as much (BENCHMARKS.md).
const AFRESH_SHARE: u64 = 5;
/// Most dummies a trial ordering lays out: a small graph whose layering stretches far (a
/// long chain with calls across it) is not worth the time, and its candidates are judged
/// by their cost alone.
const TRIAL_DUMMIES: usize = 5_000;

/// Vertices (dummies included) from which a layout with grouping boxes orders its layers
/// without the boxes by a glance ([`order::glance`]) instead of in full: that order only
/// ranks the boxes and starts the order within each, and the ordering with the boxes does
/// the work again. On nine namespaces graphs of 300 services (three seeds) the full order
/// took 6-10 ms of their 21-34, and the glance crossed less in sum (16,703 -> 16,376;
/// BENCHMARKS.md). Below, a full order first crossed less (100 services, third seed: 586
/// against 677 crossings).
const GLANCE_BEFORE_BOXES: usize = 1_000;

/// The calls a layout reverses, chosen once for all its tries, with the layering of the
/// graph so oriented where choosing them laid it out, and the order its trial found there.
#[derive(Clone)]
struct Reversal {
    reversed: Vec<bool>,
    layer: Option<Vec<u32>>,
    tried: Option<Tried>,
}

/// The order that a trial ([`order::trial`]) found for a layering, each long edge a chain of
/// dummies in the order of the edges, with its crossings and the work it took: where the
/// first try lays out that very layering, its ordering goes on from here
/// ([`order::reduce_from`]) instead of finding it again.
#[derive(Clone)]
struct Tried {
    layers: Vec<Vec<u32>>,
    crossings: u64,
    work: usize,
}

impl Reversal {
    /// `reversed`, with nothing laid out.
    fn bare(reversed: Vec<bool>) -> Self {
        Reversal {
            reversed,
            layer: None,
            tried: None,
        }
    }
}

/// Whether a layout with `keep` lays out its layers afresh (a later try with rooms orders
/// from the first try's drawing but layers as it did).
fn keep_fresh_layers(keep: Keep) -> bool {
    matches!(keep, Keep::Nothing | Keep::Compacted)
}

/// Of the `candidates` (sets of reversed `edges`, cheapest first), the one whose layering
/// crosses least after a trial ordering (`order::trial`), the cheapest of equals; with
/// `glance`, after [`order::glance`], a costlier one only when it crosses under
/// [`GLANCE_MARGIN`] of the best before it. Each reversal beyond `free` counts as
/// [`EXTRA_REVERSAL`] crossings more. None reversed when there are no candidates.
/// Breaking the cycles of a mesh one way or another of as many reversals changes its
/// crossings by a third, which the layering's stretch does not foresee (BENCHMARKS.md).
fn fewest_crossings(
    n: usize,
    edges: &[(u32, u32)],
    candidates: Vec<Vec<bool>>,
    glance: bool,
    free: usize,
) -> Reversal {
    if candidates.len() <= 1 {
        let none = || vec![false; edges.len()];
        return Reversal::bare(candidates.into_iter().next().unwrap_or_else(none));
    }
    // Judged two at once where there are two cores (each alone, so the choice is the same
    // on one): a trial or a glance takes milliseconds, a thread tens of microseconds. Each
    // thread takes the next candidate when done with one: the deeper layerings of the
    // searches, last, take longer.
    let judged = crate::parallel::map_shared(true, &candidates, |reversed| {
        trial_crossings(n, edges, reversed, glance)
    });
    // A glance's count is rough: a later (costlier) choice must beat the best by more.
    let (num, den) = if glance { GLANCE_MARGIN } else { (1, 1) };
    let mut best: Option<(u64, Reversal)> = None;
    for (reversed, (crossings, layer, tried)) in candidates.into_iter().zip(judged) {
        let extra = acyclic::reversals(&reversed).saturating_sub(free) as u64;
        let crossings = crossings.saturating_add(EXTRA_REVERSAL * extra);
        let beats = |b: u64| u128::from(crossings) * den < u128::from(b) * num;
        if best.as_ref().is_none_or(|(b, _)| beats(*b)) {
            let layer = Some(layer);
            best = Some((
                crossings,
                Reversal {
                    reversed,
                    layer,
                    tried,
                },
            ));
        }
    }
    best.map_or_else(|| Reversal::bare(vec![false; edges.len()]), |(_, r)| r)
}

/// The crossings of `edges` with `reversed` ones reversed, layered and given a trial
/// ordering (`order::trial`, or `order::glance` when `glance`), each long edge a chain of
/// dummies, the layering, and the order a trial found; `u64::MAX` (not judged) when the
/// layering needs more than [`TRIAL_DUMMIES`] dummies.
fn trial_crossings(
    n: usize,
    edges: &[(u32, u32)],
    reversed: &[bool],
    glance: bool,
) -> (u64, Vec<u32>, Option<Tried>) {
    let dag = acyclic::oriented(edges, reversed);
    let layer = rank::layers(n, &dag);
    if dummy_count(&dag, &layer) > TRIAL_DUMMIES {
        return (u64::MAX, layer, None);
    }
    let mut layered = chained(n, &dag, &layer);
    if glance {
        return (order::glance(&mut layered), layer, None);
    }
    let (crossings, work) = order::trial(&mut layered);
    let tried = Tried {
        layers: layered.layers,
        crossings,
        work,
    };
    (crossings, layer, Some(tried))
}

/// The `n` nodes of `dag` in their layers (`layer`), each edge a chain of dummies through the
/// layers it passes, numbered edge by edge after the nodes, as a layout lays them out.
fn chained(n: usize, dag: &[(u32, u32)], layer: &[u32]) -> Layered {
    let mut vertex_layer = layer.to_vec();
    let mut segments = Vec::with_capacity(dag.len());
    for &(s, t) in dag {
        let mut previous = s;
        for l in layer[s as usize] + 1..layer[t as usize] {
            let v = vertex_layer.len() as u32;
            vertex_layer.push(l);
            segments.push((previous, v));
            previous = v;
        }
        segments.push((previous, t));
    }
    Layered::new(vertex_layer, n, &segments)
}

/// Orders `l` from scratch without grouping: separate parts of the graph stay apart in
/// every layer, so their edges never cross, and each is ordered on its own. Returns the
/// crossings; `l.block` is left empty, as it is without grouping. A graph of one part
/// goes on from the order `tried` found for `l` ([`order_from`]).
fn order_by_parts(l: &mut Layered, segments: &[(u32, u32)], tried: Option<Tried>) -> u64 {
    let (part, parts) = components(l.layer.len(), segments);
    if parts == 1 {
        return order_from(l, tried);
    }
    l.block = part;
    let crossings = order::reduce_crossings(l);
    l.block.clear();
    crossings
}

/// Orders `l` (without blocks) as [`order::reduce_crossings`] does, going on from the order
/// that a trial found for it (`tried`, laid out from the same segments) instead of
/// finding it again, where that order fits `l`'s layers; returns the crossings.
fn order_from(l: &mut Layered, tried: Option<Tried>) -> u64 {
    let fits = |t: &Tried| {
        t.layers.len() == l.layers.len()
            && t.layers.iter().map(Vec::len).sum::<usize>() == l.layer.len()
            && t.layers.iter().enumerate().all(|(k, layer)| {
                layer
                    .iter()
                    .all(|&v| l.layer.get(v as usize) == Some(&(k as u32)))
            })
    };
    match tried.filter(|t| fits(t)) {
        Some(t) => {
            l.layers = t.layers;
            l.update_positions();
            order::reduce_from(l, t.crossings, t.work)
        }
        None => order::reduce_crossings(l),
    }
}

/// `l` ordered afresh, as a first try orders it ([`order_by_parts`]), if that crosses less
/// than its order now, which crosses `found` times; returns the crossings of the order kept.
fn ordered_afresh(l: &mut Layered, segments: &[(u32, u32)], found: u64) -> u64 {
    let mut fresh = l.clone();
    let crossings = order_by_parts(&mut fresh, segments, None);
    if crossings < found {
        *l = fresh;
        crossings
    } else {
        found
    }
}

/// Dummy vertices that `dag` needs as layered by `layer`: one per layer an edge passes.
fn dummy_count(dag: &[(u32, u32)], layer: &[u32]) -> usize {
    dag.iter()
        .map(|&(s, t)| (layer[t as usize] - layer[s as usize]) as usize - 1)
        .sum()
}

/// `graph` with label sizes that are not finite and positive counted as none, as node
/// sizes are (`clean`), so that every step after may rely on them; `None` when all are.
fn clean_labels(graph: &LayoutGraph) -> Option<LayoutGraph> {
    let unclean = |s: &Size| {
        ![s.width, s.height]
            .iter()
            .all(|v| v.is_finite() && *v >= 0.0)
    };
    let any_unclean = graph
        .edges
        .iter()
        .filter_map(|e| e.label.as_ref())
        .any(unclean);
    any_unclean.then(|| LayoutGraph {
        edges: graph
            .edges
            .iter()
            .map(|e| LayoutEdge {
                label: e.label.map(|s| Size {
                    width: clean(s.width),
                    height: clean(s.height),
                }),
                ..*e
            })
            .collect(),
        ..graph.clone()
    })
}

/// `graph` with the labels of the edges marked in `rooms` (and of self-loops) in rooms of
/// their own, and the others (by `sizes`, each edge's label) set aside.
fn with_rooms(
    graph: &LayoutGraph,
    sizes: &[Option<Size>],
    rooms: &[bool],
) -> (LayoutGraph, Vec<Option<Size>>) {
    let some_rooms = LayoutGraph {
        edges: graph
            .edges
            .iter()
            .zip(rooms)
            .map(|(e, &room)| LayoutEdge {
                label: e.label.filter(|_| room || e.source == e.target),
                ..*e
            })
            .collect(),
        ..graph.clone()
    };
    let aside = sizes
        .iter()
        .zip(rooms)
        .map(|(s, &room)| s.filter(|_| !room))
        .collect();
    (some_rooms, aside)
}

/// Length of the vector (`dx`, `dy`), by a square root rather than `hypot`: a square root
/// is correctly rounded everywhere, while `hypot`'s last bit may differ between the
/// command's libm and the page engine's, and the two must draw alike to the byte.
fn length(dx: f64, dy: f64) -> f64 {
    (dx * dx + dy * dy).sqrt()
}

/// A size as given if finite and positive, else 0.
fn clean(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 { v } else { 0.0 }
}

/// Lays out `graph`, each edge label in a room of its own: in a layer without nodes after
/// every layer (`all_rooms`), or only where a labelled call joins neighbouring layers;
/// with room in the channels for the labels `set_aside` (by input edge) to be set later.
/// Label sizes are clean (finite, not negative: `layout_with` sees to it). An order found
/// from an earlier drawing that crosses more than `afresh_above` is also ordered afresh
/// (not with boxes), and the order that crosses less is kept.
#[allow(clippy::too_many_lines)]
fn layout_rooms(
    graph: &LayoutGraph,
    options: &LayoutOptions,
    keep: Keep,
    all_rooms: bool,
    set_aside: &[Option<Size>],
    reversal: &mut Option<Reversal>,
    afresh_above: Option<u64>,
) -> Result<Layout> {
    let n = graph.nodes.len();
    if let Some(bad) = graph.edges.iter().find(|e| e.source >= n || e.target >= n) {
        return Err(Error::Invalid(format!(
            "edge {} -> {} names a node that does not exist (there are {n})",
            bad.source, bad.target
        )));
    }
    if n > u32::MAX as usize / 4 {
        return Err(Error::Invalid("too many nodes to lay out".into()));
    }
    // Grouped only where some node is in a group: blocks keep each ungrouped node apart
    // with its calls' dummies, which in a graph without groups would only cost crossings
    // (a third more on a 300-service mesh drawn with `--group namespace` and no namespaces).
    let grouped = graph.node_groups.iter().any(Option::is_some);
    if !graph.node_groups.is_empty() && graph.node_groups.len() != n {
        return Err(Error::Invalid(format!(
            "{} node groups given for {n} nodes",
            graph.node_groups.len()
        )));
    }
    if let Some(bad) = graph
        .node_groups
        .iter()
        .flatten()
        .find(|&&g| g as usize >= graph.groups.len())
    {
        return Err(Error::Invalid(format!(
            "a node is in group {bad}, which does not exist (there are {})",
            graph.groups.len()
        )));
    }
    if !options.previous.is_empty() && options.previous.len() != n {
        return Err(Error::Invalid(format!(
            "{} previous positions given for {n} nodes",
            options.previous.len()
        )));
    }
    let lr = options.direction == Direction::LeftToRight;
    if !options.previous_edges.is_empty() && options.previous_edges.len() != graph.edges.len() {
        return Err(Error::Invalid(format!(
            "{} previous routes given for {} edges",
            options.previous_edges.len(),
            graph.edges.len()
        )));
    }
    // (along the layer, across layers) for each node, before room for self-loops.
    let node_extent: Vec<(f64, f64)> = graph
        .nodes
        .iter()
        .map(|s| {
            let (w, h) = (clean(s.width), clean(s.height));
            if lr { (h, w) } else { (w, h) }
        })
        .collect();

    // Merge parallel edges; set self-loops aside.
    let mut t = Stopwatch::start();
    let mut unique: Vec<(u32, u32)> = Vec::new();
    let mut unique_label: Vec<Option<Size>> = Vec::new();
    let mut route_of: Vec<Option<usize>> = Vec::with_capacity(graph.edges.len());
    let mut index: HashMap<(u32, u32), usize, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(
            graph.edges.len(),
            foldhash::fast::RandomState::default(),
        );
    let mut loops: Vec<(usize, Option<Size>)> = Vec::new();
    let mut loop_room = vec![0.0f64; n];
    for e in &graph.edges {
        if e.source == e.target {
            let label_room = e.label.map_or(0.0, |l| if lr { l.height } else { l.width });
            loop_room[e.source] = loop_room[e.source].max(LOOP + label_room + LABEL_PAD);
            route_of.push(None);
            loops.push((e.source, e.label));
            continue;
        }
        let key = (e.source as u32, e.target as u32);
        let slot = *index.entry(key).or_insert_with(|| {
            unique.push(key);
            unique_label.push(e.label);
            unique.len() - 1
        });
        route_of.push(Some(slot));
    }
    // Edges to reverse; labels play no part, so turning them on or off never changes which
    // edges point back.
    let labelled = unique_label.iter().any(Option::is_some);
    // The earlier drawing, with the route of each merged edge.
    let mut earlier_routes: Vec<Option<&[Point]>> = vec![None; unique.len()];
    for (slot, route) in route_of.iter().zip(&options.previous_edges) {
        if let (Some(i), Some(r)) = (slot, route) {
            earlier_routes[*i].get_or_insert(r.as_slice());
        }
    }
    let previous = match keep {
        Keep::Nothing => None,
        Keep::Places | Keep::Layers | Keep::Compacted => {
            hint::Previous::new(&options.previous, &earlier_routes, lr)
        }
    };
    // A fresh layout (or a try with rooms after one, which must agree with it) of a small
    // graph chooses among the ways to break its cycles by the crossings each leaves; the
    // tries of one layout choose once (`reversal`).
    let chosen = reversal.get_or_insert_with(|| {
        let size = n + unique.len();
        if keep_fresh_layers(keep) && size <= GLANCE_SIZE {
            let mut candidates = acyclic::candidates(n, &unique);
            // Fully tried, a search's reversals too (not with boxes, which the trial
            // leaves out and a deeper layering serves worse).
            let free = candidates
                .iter()
                .map(|c| acyclic::reversals(c))
                .max()
                .unwrap_or(0);
            if size <= TRIAL_SIZE && !grouped {
                for reversed in acyclic::search_reversals(n, &unique) {
                    if !candidates.contains(&reversed) {
                        candidates.push(reversed);
                    }
                }
            }
            fewest_crossings(n, &unique, candidates, size > TRIAL_SIZE, free)
        } else {
            let (reversed, layer) = acyclic::reversal(n, &unique);
            Reversal {
                reversed,
                layer,
                tried: None,
            }
        }
    });
    // The trial's order serves the first try alone: the later ones have rooms.
    let tried = chosen.tried.take();
    let Reversal {
        mut reversed,
        layer: chosen_layer,
        ..
    } = chosen.clone();
    // Whether earlier nodes keep their layers (relative to each other), and with them
    // their places as far as the order allows.
    let keeps_layers = matches!(keep, Keep::Places | Keep::Layers);
    let places = keeps_layers && previous.is_some();
    if let Some(p) = previous.as_ref().filter(|_| keeps_layers) {
        p.orient(n, &unique, &mut reversed);
    }
    let dag = acyclic::oriented(&unique, &reversed);
    let mut layer = match chosen_layer {
        // Laid out already when the reversals were chosen, unless kept layers turned some.
        Some(layer) if !keeps_layers => layer,
        _ => rank::layers(n, &dag),
    };
    if let Some(p) = previous.as_ref().filter(|_| keeps_layers) {
        p.keep_layers(&dag, &mut layer);
    }
    // Layers without nodes for labels that need rooms of their own: after every layer when
    // all labels do, else only where a labelled call joins two neighbouring layers (a
    // longer call's label gets a room in a layer it passes through).
    let mut room_layer: Vec<bool> = Vec::new();
    if labelled {
        let top = layer.iter().copied().max().unwrap_or(0) as usize;
        let mut after = vec![all_rooms; top + 1];
        for (&(s, t), label) in dag.iter().zip(&unique_label) {
            let (ls, lt) = (layer[s as usize] as usize, layer[t as usize] as usize);
            if label.is_some() && lt == ls + 1 {
                after[ls] = true;
            }
        }
        let mut moved = Vec::with_capacity(top + 1);
        for &room in &after {
            moved.push(room_layer.len() as u32);
            room_layer.push(false);
            if room {
                room_layer.push(true);
            }
        }
        for l in &mut layer {
            *l = moved[*l as usize];
        }
    }
    let mut dummies = dummy_count(&dag, &layer);
    let mut phases = PhaseTimes {
        acyclic: t.seconds(),
        ..PhaseTimes::default()
    };

    // Dummy vertices, within the budget.
    t = Stopwatch::start();
    let span = |(s, t): (u32, u32)| (layer[t as usize] - layer[s as usize]) as usize;
    let budget = options
        .dummy_budget
        .unwrap_or_else(|| default_dummy_budget(n, unique.len()));
    let mut direct = vec![false; dag.len()];
    if dummies > budget {
        let mut longest: Vec<usize> = (0..dag.len()).collect();
        longest.sort_by_key(|&i| std::cmp::Reverse(span(dag[i])));
        for i in longest {
            if dummies <= budget {
                break;
            }
            direct[i] = true;
            dummies -= span(dag[i]) - 1;
        }
    }

    // Vertices: nodes, then dummies; sizes along and across the layers.
    let mut along: Vec<f64> = node_extent
        .iter()
        .zip(&loop_room)
        .map(|(&(a, _), &room)| a + 2.0 * room)
        .collect();
    let mut across: Vec<f64> = node_extent.iter().map(|&(_, c)| c).collect();
    let mut bare = vec![false; n];
    let mut vertex_layer = layer.clone();
    let mut chain_start = Vec::with_capacity(dag.len() + 1);
    let mut chains: Vec<u32> = Vec::with_capacity(dummies);
    let mut label_vertex: Vec<Option<u32>> = vec![None; dag.len()];
    let mut segments: Vec<(u32, u32)> = Vec::with_capacity(dummies + dag.len());
    let mut segment_start = Vec::with_capacity(dag.len() + 1);
    for (i, &(s, t)) in dag.iter().enumerate() {
        chain_start.push(chains.len());
        segment_start.push(segments.len());
        if direct[i] {
            continue;
        }
        let (ls, lt) = (layer[s as usize], layer[t as usize]);
        // The label sits in a room layer as close to the middle as possible (the lower of
        // two as close), or in the middle layer when it passes none.
        let middle = ls.midpoint(lt);
        let label_layer = (ls + 1..lt)
            .filter(|&l| room_layer.get(l as usize).copied().unwrap_or(false))
            .min_by_key(|&l| (l.abs_diff(middle), l))
            .unwrap_or(middle);
        let mut previous = s;
        for l in ls + 1..lt {
            let v = vertex_layer.len() as u32;
            vertex_layer.push(l);
            if let Some(label) = unique_label[i].filter(|_| l == label_layer) {
                let (a, c) = if lr {
                    (label.height + 2.0 * LABEL_PAD, label.width)
                } else {
                    (label.width + 2.0 * LABEL_PAD, label.height)
                };
                along.push(a);
                across.push(c);
                bare.push(false);
                label_vertex[i] = Some(v);
            } else {
                along.push(0.0);
                across.push(0.0);
                bare.push(true);
            }
            chains.push(v);
            segments.push((previous, v));
            previous = v;
        }
        segments.push((previous, t));
    }
    chain_start.push(chains.len());
    segment_start.push(segments.len());
    let mut l = Layered::new(vertex_layer, n, &segments);
    phases.layering = t.seconds();

    t = Stopwatch::start();
    // With an earlier drawing: each vertex's place in it, whether it keeps its order, and
    // whether it is a dummy of an earlier edge; and each dummy's edge.
    // Where each vertex's line runs, from its center: beside a label, along one side of the
    // label's room; through the center otherwise.
    let line_offset = |v: usize| {
        if v >= n && !bare[v] {
            if lr { along[v] / 2.0 } else { -along[v] / 2.0 }
        } else {
            0.0
        }
    };
    let kept = previous.as_ref().map(|p| {
        let merged_of: Vec<u32> = (0..dag.len())
            .flat_map(|i| std::iter::repeat_n(i as u32, chain_start[i + 1] - chain_start[i]))
            .collect();
        let edge_of: Vec<(u32, u32)> = merged_of.iter().map(|&i| dag[i as usize]).collect();
        // An earlier route ran along its dummies' lines, which are off center beside labels.
        let (key, routed) = p.keys(&l, &edge_of, &merged_of, line_offset);
        // Earlier nodes and the dummies of earlier edges keep their order.
        let fixed: Vec<bool> = (0..l.layer.len())
            .map(|v| {
                if v < n {
                    p.along(v).is_some()
                } else {
                    routed[v]
                }
            })
            .collect();
        (key, fixed, routed, edge_of)
    });
    let mut crossings = if let Some((key, fixed, _, _)) = &kept {
        let top = (0..l.layer.len())
            .filter(|&v| fixed[v])
            .map(|v| key[v] - along[v] / 2.0)
            .fold(f64::INFINITY, f64::min);
        let room = order::Room {
            key,
            width: &along,
            gap: options.node_gap,
            top: if top.is_finite() { top } else { 0.0 },
        };
        let crossings = order::keep(&mut l, fixed, &room);
        if keep == Keep::Places {
            crossings
        } else {
            let found = order::improve(&mut l).0;
            match afresh_above {
                Some(above) if found > above && !grouped => {
                    ordered_afresh(&mut l, &segments, found)
                }
                _ => found,
            }
        }
    } else {
        // The trial's order where this try lays out the very layering it ordered.
        let same = !room_layer.contains(&true) && !direct.contains(&true);
        let tried = tried.filter(|_| same);
        if grouped && l.layer.len() >= GLANCE_BEFORE_BOXES {
            // Only to rank the boxes and start the order within each: ordering with the
            // boxes does the work.
            order::glance(&mut l)
        } else if grouped {
            order_from(&mut l, tried)
        } else {
            order_by_parts(&mut l, &segments, tried)
        }
    };
    let groups = grouped.then(|| {
        let blocks = Blocks::new(
            &graph.node_groups,
            graph.groups.len(),
            l.layer.len(),
            &dag,
            |i| &chains[chain_start[i]..chain_start[i + 1]],
        );
        // Only kept places keep their order as it is: an order found from an earlier one
        // is improved with its boxes, as a fresh one is.
        let sweeps = kept.is_none() || keep != Keep::Places;
        crossings = order::group(&mut l, &blocks.of, blocks.count, sweeps);
        blocks
    });
    phases.ordering = t.seconds();

    t = Stopwatch::start();
    let line: Vec<f64> = (0..l.layer.len()).map(line_offset).collect();
    let spacing = position::Spacing {
        width: &along,
        node_gap: options.node_gap,
        edge_gap: options.edge_gap,
        bare: &bare,
        line: &[],
    };
    let mut x = if grouped {
        Vec::new()
    } else {
        // Lines placed, then turned into centers.
        let lines = position::Spacing {
            line: &line,
            ..spacing
        };
        let mut x = position::coordinates(&l, &lines);
        for (x, off) in x.iter_mut().zip(&line) {
            *x -= off;
        }
        x
    };
    if let (Some(p), Some((key, _, routed, edge_of)), false, true) =
        (&previous, &kept, grouped, places)
    {
        x = p.settle(&l, &spacing, &x, edge_of, (key, routed), options.margin);
    }
    // Group boxes along the layers, packed apart.
    let label_sizes: Vec<(f64, f64)> = graph
        .groups
        .iter()
        .map(|s| (clean(s.width), clean(s.height)))
        .collect();
    let along_boxes: Vec<Option<[f64; 2]>> = match &groups {
        Some(blocks) => {
            // With an earlier drawing: where each vertex was, and how firmly it stays there.
            let targets: Option<Vec<(f64, f64)>> =
                previous.as_ref().filter(|_| places).zip(kept.as_ref()).map(
                    |(p, (key, _, routed, _))| {
                        (0..l.layer.len())
                            .map(|v| match p.along(v).filter(|_| v < n) {
                                Some(a) => (a, 1.0),
                                None if v < n => (key[v], 0.01),
                                None if routed[v] => (key[v], 0.05),
                                None => (f64::NAN, 0.0),
                            })
                            .collect()
                    },
                );
            let kept_places = targets.as_deref().map(|t| (t, options.margin));
            let (placed, boxes) = blocks.place(&l, &spacing, &label_sizes, lr, kept_places);
            x = placed;
            boxes
        }
        None => Vec::new(),
    };

    // Ports along each node's side and a track per edge in each channel between layers.
    let side: Vec<f64> = (0..l.layer.len())
        .map(|v| if v < n { node_extent[v].0 } else { 0.0 })
        .collect();
    let ports = route::ports(&l, &segments, &x, &side, &line);
    // A channel beside a room layer is half a gap: the two together stand for one.
    let beside_room = |c: usize| {
        room_layer.get(c).copied().unwrap_or(false)
            || room_layer.get(c + 1).copied().unwrap_or(false)
    };
    let gap_of = |c: usize| {
        if beside_room(c) {
            options.layer_gap / 2.0
        } else {
            options.layer_gap
        }
    };
    // Curved edges are threaded through gates and need no tracks.
    let curved = options.edges == EdgeStyle::Curved;
    let tracks = if curved {
        route::Tracks::none(segments.len(), l.layers.len().saturating_sub(1))
    } else {
        route::tracks(&l, &segments, &ports)
    };

    // Across the layers: each layer as thick as its thickest vertex, each channel as wide as
    // its tracks need.
    let mut thickness = vec![0.0f64; l.layers.len()];
    for (v, &ly) in l.layer.iter().enumerate() {
        thickness[ly as usize] = thickness[ly as usize].max(across[v]);
    }
    let mut channel_width: Vec<f64> = tracks
        .count
        .iter()
        .enumerate()
        .map(|(k, &c)| gap_of(k).max(f64::from(c + 1) * route::TRACK_GAP))
        .collect();
    if curved {
        // Curved edges cross a channel straight: wide enough that most of them rise no
        // steeper than CHANNEL_SLOPE, so they bend less where they enter the layers.
        let mut offsets: Vec<Vec<f64>> = vec![Vec::new(); channel_width.len()];
        for (k, &(u, _)) in segments.iter().enumerate() {
            if let Some(o) = offsets.get_mut(l.layer[u as usize] as usize) {
                o.push((ports.into[k] - ports.out[k]).abs());
            }
        }
        // Labels in rooms or set aside spread the drawing already.
        let stretch = if labelled || !set_aside.is_empty() {
            CHANNEL_STRETCH.0
        } else {
            CHANNEL_STRETCH.1
        };
        for (k, (width, o)) in channel_width.iter_mut().zip(&mut offsets).enumerate() {
            if o.is_empty() {
                continue;
            }
            o.sort_by(f64::total_cmp);
            let steep = o[o.len() * 3 / 4] / CHANNEL_SLOPE;
            *width = width.max(steep.min(stretch * gap_of(k)));
        }
    }
    // Labels set beside their lines afterwards (`labels`) need a straight enough stretch of
    // line as long as their text: a call between neighbouring layers finds it in its
    // channel, widened for it; a longer call in its widest channel or along a dummy.
    if !set_aside.is_empty() {
        let mut need = vec![0.0f64; unique.len()];
        for (slot, size) in route_of.iter().zip(set_aside) {
            if let (Some(i), Some(size)) = (slot, size) {
                let along = if lr { size.width } else { size.height };
                need[*i] = need[*i].max(along + labels::END);
            }
        }
        let channel_of = |k: usize| l.layer[segments[k].0 as usize] as usize;
        let mut long = Vec::new();
        for (i, &need) in need.iter().enumerate() {
            let (first, end) = (segment_start[i], segment_start[i + 1]);
            if need == 0.0 || direct[i] || first == end {
                continue;
            }
            if end - first == 1 {
                let width = &mut channel_width[channel_of(first)];
                *width = width.max(need);
            } else {
                long.push(i);
            }
        }
        for i in long {
            let (first, end) = (segment_start[i], segment_start[i + 1]);
            let room = (first..end)
                .map(|k| channel_width[channel_of(k)])
                .chain((first + 1..end).map(|k| thickness[channel_of(k)] + 2.0 * labels::END))
                .fold(0.0, f64::max);
            if room < need[i] {
                let width = &mut channel_width[channel_of(first + (end - first) / 2)];
                *width = width.max(need[i]);
            }
        }
    }
    // Room for the boxes beyond the first and last layer, and their label above them in
    // top-to-bottom drawings.
    let (room_before, room_after) = if grouped {
        let tallest = label_sizes.iter().map(|s| s.1).fold(0.0, f64::max);
        (GROUP_PAD + if lr { 0.0 } else { tallest }, GROUP_PAD)
    } else {
        (0.0, 0.0)
    };
    let mut layer_center = Vec::with_capacity(thickness.len());
    let mut cursor = options.margin + room_before;
    let earlier_centers = previous
        .as_ref()
        .filter(|_| places)
        .map_or_else(Vec::new, |p| p.layer_centers(&l));
    for (i, &th) in thickness.iter().enumerate() {
        // An earlier drawing's layers stay where they were, unless that would crowd them:
        // their tracks may run closer together than in a fresh drawing.
        let center = earlier_centers
            .get(i)
            .copied()
            .flatten()
            .map_or(cursor + th / 2.0, |c| c.max(cursor + th / 2.0));
        cursor = center - th / 2.0;
        layer_center.push(center);
        let channel = channel_width.get(i).copied().unwrap_or(0.0);
        cursor += th
            + match (earlier_centers.is_empty(), tracks.count.get(i)) {
                (false, Some(&c)) => f64::from(c + 1) * route::MIN_TRACK_GAP,
                _ => channel,
            };
    }
    if !earlier_centers.is_empty() {
        // Each channel as wide as the layers' places leave it.
        for (i, width) in channel_width.iter_mut().enumerate() {
            if let (Some(&a), Some(&b)) = (layer_center.get(i), layer_center.get(i + 1)) {
                *width = (b - thickness[i + 1] / 2.0) - (a + thickness[i] / 2.0);
            }
        }
    }
    let mut extent_across = (cursor + room_after + options.margin).max(2.0 * options.margin);
    let boxes: Vec<Option<[f64; 4]>> = match &groups {
        Some(blocks) => {
            let across_of = |v: usize| {
                let c = layer_center[l.layer[v] as usize];
                (c - node_extent[v].1 / 2.0, c + node_extent[v].1 / 2.0)
            };
            let across = blocks.across(n, across_of, &label_sizes, lr);
            along_boxes
                .iter()
                .zip(across)
                .map(|(b, [c0, c1])| b.map(|[a0, a1]| [a0, a1, c0, c1]))
                .collect()
        }
        // Groups without a member have no box.
        None => vec![None; graph.groups.len()],
    };
    for b in boxes.iter().flatten() {
        extent_across = extent_across.max(b[3] + options.margin);
    }
    let left = (0..l.layer.len())
        .map(|v| x[v] - along[v] / 2.0)
        .chain(boxes.iter().flatten().map(|b| b[0]))
        .fold(f64::INFINITY, f64::min);
    let right = (0..l.layer.len())
        .map(|v| x[v] + along[v] / 2.0)
        .chain(boxes.iter().flatten().map(|b| b[1]))
        .fold(f64::NEG_INFINITY, f64::max);
    // With an earlier drawing its frame is kept, moved only to keep everything in view.
    let shift = match (left.is_finite(), places) {
        (false, _) => 0.0,
        (true, false) => options.margin - left,
        (true, true) => (options.margin - left).max(0.0),
    };
    let extent_along = if right.is_finite() {
        right + shift + options.margin
    } else {
        2.0 * options.margin
    };
    let a_of = |v: usize| x[v] + shift;
    let c_of = |v: usize| layer_center[l.layer[v] as usize];
    phases.positioning = t.seconds();

    // Routes, computed in (along, across) and turned into (x, y) at the end.
    t = Stopwatch::start();
    let to_xy = |a: f64, c: f64| {
        if lr {
            Point { x: c, y: a }
        } else {
            Point { x: a, y: c }
        }
    };
    let node_rect = |v: usize| {
        let (a, c) = (a_of(v), c_of(v));
        let (ea, ec) = node_extent[v];
        let p = to_xy(a, c);
        let (w, h) = if lr { (ec, ea) } else { (ea, ec) };
        Rect {
            x: p.x,
            y: p.y,
            width: w,
            height: h,
        }
    };
    let nodes: Vec<Rect> = (0..n).map(node_rect).collect();
    let group_boxes: Vec<Option<GroupBox>> = boxes
        .iter()
        .zip(&label_sizes)
        .map(|(b, &(lw, lh))| {
            let &[a0, a1, c0, c1] = b.as_ref()?;
            let (p, q) = (to_xy(a0 + shift, c0), to_xy(a1 + shift, c1));
            let rect = Rect {
                x: p.x.midpoint(q.x),
                y: p.y.midpoint(q.y),
                width: q.x - p.x,
                height: q.y - p.y,
            };
            let label = Rect {
                x: rect.left() + GROUP_LABEL_INSET.0 + lw / 2.0,
                y: rect.top() + GROUP_LABEL_INSET.1 + lh / 2.0,
                width: lw,
                height: lh,
            };
            Some(GroupBox { rect, label })
        })
        .collect();

    // Where track t of channel i runs, across the flow.
    let band = |ly: usize| thickness[ly] / 2.0;
    let track_at = |ly: usize, t: u32| {
        let start = layer_center[ly] + band(ly);
        start + f64::from(t + 1) * channel_width[ly] / f64::from(tracks.count[ly] + 1)
    };
    let gates = if curved {
        thread::gates(
            &l,
            &segments,
            (&x, &along, &line),
            &ports,
            previous.is_none(),
        )
    } else {
        thread::Gates::default()
    };
    let mut routes: Vec<EdgeRoute> = Vec::with_capacity(dag.len());
    for (i, &(s, t)) in dag.iter().enumerate() {
        let (s, t) = (s as usize, t as usize);
        let mut label = None;
        // Where a curved line runs beside its label's band: (least, most) along the layers.
        let mut line_beside_label = None;
        let shape = if direct[i] {
            RouteShape::Straight
        } else if curved {
            RouteShape::Curved
        } else {
            RouteShape::Orthogonal
        };
        let mut points: Vec<Point> =
            Vec::with_capacity(2 + 2 * (chain_start[i + 1] - chain_start[i]));
        if direct[i] {
            points.push(to_xy(a_of(s), c_of(s) + node_extent[s].1 / 2.0));
            points.push(to_xy(a_of(t), c_of(t) - node_extent[t].1 / 2.0));
        } else if curved {
            let (first, last) = (segment_start[i], segment_start[i + 1] - 1);
            let from = (ports.out[first] + shift, c_of(s) + node_extent[s].1 / 2.0);
            let to = (ports.into[last] + shift, c_of(t) - node_extent[t].1 / 2.0);
            let mut way = Vec::with_capacity(2 * (last - first + 1));
            for (k, &(u, w)) in segments.iter().enumerate().take(last + 1).skip(first) {
                let (lu, lw) = (l.layer[u as usize] as usize, l.layer[w as usize] as usize);
                way.push(gates.out[k].at(layer_center[lu] + band(lu), shift));
                way.push(gates.into[k].at(layer_center[lw] - band(lw), shift));
            }
            let corners = thread::thread(from, &way, to);
            if let Some(d) = label_vertex[i].filter(|_| previous.is_none()) {
                let ly = l.layer[d as usize] as usize;
                line_beside_label = Some(span_along(
                    &corners,
                    layer_center[ly] - band(ly),
                    layer_center[ly] + band(ly),
                ));
            }
            let path = CurvePath::rounded(&corners);
            points = path.points.iter().map(|&(a, c)| to_xy(a, c)).collect();
        } else {
            let first = segment_start[i];
            points.push(to_xy(
                ports.out[first] + shift,
                c_of(s) + node_extent[s].1 / 2.0,
            ));
            for (k, &(u, _)) in segments
                .iter()
                .enumerate()
                .take(segment_start[i + 1])
                .skip(first)
            {
                let track = tracks.track[k];
                if track != u32::MAX {
                    let c = track_at(l.layer[u as usize] as usize, track);
                    points.push(to_xy(ports.out[k] + shift, c));
                    points.push(to_xy(ports.into[k] + shift, c));
                }
            }
            let last = segment_start[i + 1] - 1;
            points.push(to_xy(
                ports.into[last] + shift,
                c_of(t) - node_extent[t].1 / 2.0,
            ));
        }
        if !direct[i]
            && let Some(d) = label_vertex[i]
        {
            let d = d as usize;
            // The text sits beside the line, in the label's room.
            let (la, lc) = (along[d] - 2.0 * LABEL_PAD, across[d]);
            // Beside the line, on the label's side: where the label's room puts it, or
            // where a curved line runs closest.
            let text_at = match (line_beside_label, lr) {
                (Some((least, _)), true) => least - la / 2.0 - 1.5 * LABEL_PAD,
                (Some((_, most)), false) => most + la / 2.0 + 1.5 * LABEL_PAD,
                (None, true) => a_of(d) - LABEL_PAD / 2.0,
                (None, false) => a_of(d) + LABEL_PAD / 2.0,
            };
            let p = to_xy(text_at, c_of(d));
            let (w, h) = if lr { (lc, la) } else { (la, lc) };
            label = Some(Rect {
                x: p.x,
                y: p.y,
                width: w,
                height: h,
            });
        }
        if reversed[i] {
            points.reverse();
        }
        routes.push(EdgeRoute {
            points,
            shape,
            label,
            reversed: reversed[i],
        });
    }

    let loop_routes: Vec<EdgeRoute> = loops
        .iter()
        .map(|&(v, label)| self_loop(&nodes[v], label, lr))
        .collect();
    let mut loop_iter = loop_routes.into_iter();
    let edges: Vec<EdgeRoute> = route_of
        .iter()
        .map(|slot| match slot {
            Some(i) => routes[*i].clone(),
            None => loop_iter.next().unwrap_or_else(|| EdgeRoute {
                points: Vec::new(),
                shape: RouteShape::Loop,
                label: None,
                reversed: false,
            }),
        })
        .collect();
    phases.routing = t.seconds();

    let (width, height) = if lr {
        (extent_across, extent_along)
    } else {
        (extent_along, extent_across)
    };
    let stats = LayoutStats {
        nodes: n,
        edges: unique.len() + loops.len(),
        layers: l.layers.len(),
        reversed_edges: reversed.iter().filter(|r| **r).count(),
        dummies: l.layer.len() - n,
        direct_edges: direct.iter().filter(|d| **d).count(),
        labels_left_out: 0,
        crossings,
        width,
        height,
        kept: if previous.is_some() {
            keep
        } else {
            Keep::Nothing
        },
        phases,
    };
    Ok(Layout {
        nodes,
        edges,
        groups: group_boxes,
        width,
        height,
        stats,
    })
}

/// The slope most curved edges (three in four) keep to within a channel.
const CHANNEL_SLOPE: f64 = 1.0;
/// How much wider than the layer gap a channel grows for its curved edges, at most: in a
/// drawing with edge labels, which already spread it (their rooms, or channels widened
/// for the labels set beside their lines), and without.
const CHANNEL_STRETCH: (f64, f64) = (4.0, 8.0);

/// How far a rounded bend of a curved edge reaches along each of its pieces, at most.
const CORNER: f64 = 24.0;

/// The least and the most a line through `corners` reaches along the layers between
/// `from` and `to` across them.
fn span_along(corners: &[thread::Corner], from: f64, to: f64) -> (f64, f64) {
    let mut span = (f64::INFINITY, f64::NEG_INFINITY);
    let mut take = |a: f64| span = (span.0.min(a), span.1.max(a));
    for w in corners.windows(2) {
        let (p, q) = (w[0].at, w[1].at);
        if q.1 < from || p.1 > to {
            continue;
        }
        let at = |c: f64| {
            if q.1 - p.1 > 1e-12 {
                p.0 + (q.0 - p.0) * ((c - p.1) / (q.1 - p.1)).clamp(0.0, 1.0)
            } else {
                p.0
            }
        };
        take(at(from.max(p.1)));
        take(at(to.min(q.1)));
    }
    if span.0.is_finite() { span } else { (0.0, 0.0) }
}

/// A curved route in (along, across) points: the start, then three points per cubic piece.
struct CurvePath {
    points: Vec<(f64, f64)>,
}

impl CurvePath {
    fn new(a: f64, c: f64) -> Self {
        CurvePath {
            points: vec![(a, c)],
        }
    }

    fn end(&self) -> (f64, f64) {
        self.points[self.points.len() - 1]
    }

    /// The line through `corners`, each bend rounded as far as its room and the pieces
    /// beside it allow.
    fn rounded(corners: &[thread::Corner]) -> Self {
        let mut path = CurvePath::new(corners[0].at.0, corners[0].at.1);
        for (i, corner) in corners.iter().enumerate().skip(1) {
            let p = corner.at;
            let Some(after) = corners.get(i + 1) else {
                path.line(p.0, p.1);
                continue;
            };
            let (a, b) = (corners[i - 1].at, after.at);
            let (l1, l2) = (length(p.0 - a.0, p.1 - a.1), length(b.0 - p.0, b.1 - p.1));
            if l1 < 1e-9 || l2 < 1e-9 {
                path.line(p.0, p.1);
                continue;
            }
            let (u1, u2) = (
                ((p.0 - a.0) / l1, (p.1 - a.1) / l1),
                ((b.0 - p.0) / l2, (b.1 - p.1) / l2),
            );
            if (u1.0 * u2.1 - u1.1 * u2.0).abs() < 1e-9 && u1.0 * u2.0 + u1.1 * u2.1 > 0.0 {
                // No bend: the line goes on straight.
                path.line(p.0, p.1);
                continue;
            }
            // The rounded bend lies between where it leaves the first piece and where it
            // joins the second: neither may reach further beyond the gate's end than its
            // room.
            let mut r = CORNER.min(l1 / 2.0).min(l2 / 2.0);
            for beyond in [-u1.0 * corner.toward, u2.0 * corner.toward] {
                if beyond > 1e-12 {
                    r = r.min(corner.room / beyond);
                }
            }
            if r < 1e-6 {
                path.line(p.0, p.1);
                continue;
            }
            let (start, end) = (
                (p.0 - r * u1.0, p.1 - r * u1.1),
                (p.0 + r * u2.0, p.1 + r * u2.1),
            );
            path.line(start.0, start.1);
            path.points.extend([
                (
                    start.0 + (p.0 - start.0) * 2.0 / 3.0,
                    start.1 + (p.1 - start.1) * 2.0 / 3.0,
                ),
                (
                    end.0 + (p.0 - end.0) * 2.0 / 3.0,
                    end.1 + (p.1 - end.1) * 2.0 / 3.0,
                ),
                end,
            ]);
        }
        path
    }

    /// A straight piece to (a, c); nothing when already there. A piece that goes on
    /// straight the same way extends the last one.
    fn line(&mut self, a: f64, c: f64) {
        let (a0, c0) = self.end();
        if (a - a0).abs() < 1e-9 && (c - c0).abs() < 1e-9 {
            return;
        }
        let len = self.points.len();
        if len >= 4 {
            let (p, c1, c2) = (
                self.points[len - 4],
                self.points[len - 3],
                self.points[len - 2],
            );
            let straight = c1 == p && c2 == (a0, c0);
            let collinear = ((a0 - p.0) * (c - p.1) - (c0 - p.1) * (a - p.0)).abs() < 1e-6
                && (a - a0) * (a0 - p.0) + (c - c0) * (c0 - p.1) >= 0.0;
            if straight && collinear {
                self.points.truncate(len - 2);
                self.points.extend([(a, c), (a, c)]);
                return;
            }
        }
        self.points.extend([(a0, c0), (a, c), (a, c)]);
    }
}

/// A loop beside its node: on the right in top-to-bottom drawings, below in left-to-right
/// ones, where the layout left room for it.
fn self_loop(node: &Rect, label: Option<Size>, lr: bool) -> EdgeRoute {
    let (points, label) = if lr {
        let (x0, x1, y) = (
            node.x - node.width / 4.0,
            node.x + node.width / 4.0,
            node.bottom(),
        );
        let reach = y + LOOP;
        let label = label.map(|l| Rect {
            x: node.x,
            y: reach + LABEL_PAD + l.height / 2.0,
            width: l.width,
            height: l.height,
        });
        (
            vec![
                Point { x: x0, y },
                Point {
                    x: x0 - 6.0,
                    y: reach,
                },
                Point {
                    x: x1 + 6.0,
                    y: reach,
                },
                Point { x: x1, y },
            ],
            label,
        )
    } else {
        let (y0, y1, x) = (
            node.y - node.height / 4.0,
            node.y + node.height / 4.0,
            node.right(),
        );
        let reach = x + LOOP;
        let label = label.map(|l| Rect {
            x: reach + LABEL_PAD + l.width / 2.0,
            y: node.y,
            width: l.width,
            height: l.height,
        });
        (
            vec![
                Point { x, y: y0 },
                Point {
                    x: reach,
                    y: y0 - 6.0,
                },
                Point {
                    x: reach,
                    y: y1 + 6.0,
                },
                Point { x, y: y1 },
            ],
            label,
        )
    };
    EdgeRoute {
        points,
        shape: RouteShape::Loop,
        label,
        reversed: false,
    }
}

/// Blocks of vertices when nodes are grouped: one per group, one per ungrouped node. A long
/// edge's dummies join its source's block for the first half of the way, its target's for
/// the rest, so every block is one piece.
struct Blocks {
    /// Block of each vertex.
    of: Vec<u32>,
    /// How many blocks there are; those below `groups` are the groups.
    count: usize,
    groups: usize,
}

impl Blocks {
    fn new<'a>(
        node_groups: &[Option<u32>],
        groups: usize,
        vertices: usize,
        dag: &[(u32, u32)],
        chain: impl Fn(usize) -> &'a [u32],
    ) -> Self {
        let mut next = groups as u32;
        let mut of = vec![0u32; vertices];
        for (v, g) in node_groups.iter().enumerate() {
            of[v] = g.unwrap_or_else(|| {
                next += 1;
                next - 1
            });
        }
        for (i, &(s, t)) in dag.iter().enumerate() {
            let dummies = chain(i);
            let half = dummies.len().div_ceil(2);
            for (k, &d) in dummies.iter().enumerate() {
                of[d as usize] = if k < half {
                    of[s as usize]
                } else {
                    of[t as usize]
                };
            }
        }
        Blocks {
            of,
            count: next as usize,
            groups,
        }
    }

    /// Coordinates along the layers when nodes are grouped: each block is laid out on its
    /// own (Brandes–Köpf over its vertices and the segments inside it), then the blocks are
    /// packed in rank order, each as far towards the start as its neighbours in every layer
    /// allow, a group's box keeping clear of everything before it and anything else keeping
    /// clear of boxes. Returns the coordinates and each group's box along the layers as
    /// `[from, to]`; `labels` holds each group's label (width, height), which sits inside the
    /// box at its top left.
    ///
    /// With `kept` (an earlier drawing: each vertex's place in the final frame and how
    /// firmly it holds it, NaN where unknown), each block is settled toward those places
    /// instead, still clear of what comes before it and of `floor`.
    #[allow(clippy::too_many_lines)]
    fn place(
        &self,
        l: &Layered,
        spacing: &position::Spacing,
        labels: &[(f64, f64)],
        lr: bool,
        kept: Option<(&[(f64, f64)], f64)>,
    ) -> (Vec<f64>, Vec<Option<[f64; 2]>>) {
        let n = l.layer.len();
        // Members of each block rank in (layer, position) order, by a counting sort.
        let mut start = vec![0usize; self.count + 1];
        for &r in &l.block {
            start[r as usize + 1] += 1;
        }
        for r in 0..self.count {
            start[r + 1] += start[r];
        }
        let mut fill = start.clone();
        let mut members = vec![0u32; n];
        for layer in &l.layers {
            for &v in layer {
                let r = l.block[v as usize] as usize;
                members[fill[r]] = v;
                fill[r] += 1;
            }
        }
        let inset = 2.0 * GROUP_LABEL_INSET.0;
        let mut x = vec![0.0f64; n];
        let mut local = vec![0u32; n];
        let mut last_in_layer: Vec<Option<u32>> = vec![None; l.layers.len()];
        let mut reach_all = f64::NEG_INFINITY;
        let mut reach_boxes = f64::NEG_INFINITY;
        let mut boxes = vec![None; self.groups];
        for r in 0..self.count {
            let block = &members[start[r]..start[r + 1]];
            let Some(&first) = block.first() else {
                continue;
            };
            let top = l.layer[first as usize];
            let (global, sub, width, own) = own_layout(l, block, r as u32, &mut local, spacing);
            let g = self.of[first as usize] as usize;
            let boxed = g < self.groups;
            // Room a box needs before its first vertex, and its least width.
            let (pad_before, least) = if boxed {
                let (lw, lh) = labels[g];
                (
                    GROUP_PAD + if lr { lh } else { 0.0 },
                    if lr { 0.0 } else { lw + inset },
                )
            } else {
                (0.0, 0.0)
            };
            let limit = if boxed { reach_all } else { reach_boxes };
            let xs: Vec<f64> = if let Some((targets, floor)) = kept {
                // Each layer's first vertex clear of the vertex before it and of the boxes.
                let lowest = |ly: usize, v: usize| {
                    let mut low = floor + pad_before + width[v] / 2.0;
                    if let Some(before) = last_in_layer[top as usize + ly] {
                        low = low.max(
                            x[before as usize]
                                + spacing.separation(before as usize, global[v] as usize),
                        );
                    }
                    if limit.is_finite() {
                        low = low.max(limit + spacing.node_gap + pad_before + width[v] / 2.0);
                    }
                    low
                };
                settle_block(&sub, &global, &own, targets, spacing, lowest)
            } else {
                let lo = own
                    .iter()
                    .zip(&width)
                    .map(|(x, w)| x - w / 2.0)
                    .fold(f64::INFINITY, f64::min);
                // The offset: clear of the previous vertex in every layer, and of boxes.
                let mut offset = f64::NEG_INFINITY;
                for (ly, vertices) in sub.layers.iter().enumerate() {
                    let (Some(&v), Some(before)) =
                        (vertices.first(), last_in_layer[top as usize + ly])
                    else {
                        continue;
                    };
                    let v = global[v as usize];
                    offset = offset.max(
                        x[before as usize] + spacing.separation(before as usize, v as usize)
                            - own[local[v as usize] as usize],
                    );
                }
                if limit.is_finite() {
                    offset = offset.max(limit + spacing.node_gap - (lo - pad_before));
                }
                if !offset.is_finite() {
                    offset = 0.0;
                }
                own.iter().map(|x| x + offset).collect()
            };
            let lo = (0..global.len())
                .map(|i| xs[i] - width[i] / 2.0)
                .fold(f64::INFINITY, f64::min);
            let hi = (0..global.len())
                .map(|i| xs[i] + width[i] / 2.0)
                .fold(f64::NEG_INFINITY, f64::max);
            let (mut from, mut to) = (lo, hi);
            if boxed {
                from -= pad_before;
                to = (to + GROUP_PAD).max(from + least);
            }
            for (i, &v) in global.iter().enumerate() {
                x[v as usize] = xs[i];
            }
            for (ly, vertices) in sub.layers.iter().enumerate() {
                if let Some(&v) = vertices.last() {
                    last_in_layer[top as usize + ly] = Some(global[v as usize]);
                }
            }
            reach_all = reach_all.max(to);
            if boxed {
                reach_boxes = reach_boxes.max(to);
                boxes[g] = Some([from, to]);
            }
        }
        (x, boxes)
    }

    /// Each group's box across the layers, `[from, to]`, around its nodes' extents
    /// (`across_of`) and with room for its label.
    fn across(
        &self,
        real: usize,
        across_of: impl Fn(usize) -> (f64, f64),
        labels: &[(f64, f64)],
        lr: bool,
    ) -> Vec<[f64; 2]> {
        let mut c_lo = vec![f64::INFINITY; self.groups];
        let mut c_hi = vec![f64::NEG_INFINITY; self.groups];
        for v in 0..real {
            let g = self.of[v] as usize;
            if g < self.groups {
                let (a, b) = across_of(v);
                c_lo[g] = c_lo[g].min(a);
                c_hi[g] = c_hi[g].max(b);
            }
        }
        let inset = 2.0 * GROUP_LABEL_INSET.0;
        (0..self.groups)
            .map(|g| {
                let (lw, lh) = labels[g];
                let c0 = c_lo[g] - GROUP_PAD - if lr { 0.0 } else { lh };
                let c1 = (c_hi[g] + GROUP_PAD).max(if lr {
                    c0 + lw + inset
                } else {
                    f64::NEG_INFINITY
                });
                [c0, c1]
            })
            .collect()
    }
}

/// A block's vertices (`global`, laid out on their own at `own`) settled toward an earlier
/// drawing's places (`targets`: place and weight by global vertex, NaN where unknown; those
/// follow `own`, moved as the block's known vertices moved), each layer's first vertex no
/// lower than `lowest(layer, local vertex)`.
fn settle_block(
    sub: &Layered,
    global: &[u32],
    own: &[f64],
    targets: &[(f64, f64)],
    spacing: &position::Spacing,
    lowest: impl Fn(usize, usize) -> f64,
) -> Vec<f64> {
    let mut moved: Vec<f64> = global
        .iter()
        .enumerate()
        .filter(|&(_, &v)| !targets[v as usize].0.is_nan())
        .map(|(i, &v)| targets[v as usize].0 - own[i])
        .collect();
    moved.sort_by(f64::total_cmp);
    let typical = moved.get(moved.len() / 2).copied().unwrap_or(0.0);
    let (target, weight): (Vec<f64>, Vec<f64>) = global
        .iter()
        .enumerate()
        .map(|(i, &v)| match targets[v as usize] {
            (t, w) if !t.is_nan() => (t, w),
            _ => (own[i] + typical, 1e-4),
        })
        .unzip();
    let separation =
        |a: usize, b: usize| spacing.separation(global[a] as usize, global[b] as usize);
    hint::settle(sub, separation, lowest, &target, &weight)
}

/// One block laid out on its own: its vertices (`block`, in layer and position order, of
/// rank `r`) as a layered graph with the segments inside it, nodes numbered before dummies.
/// Returns the vertices by local number, the graph, their widths and their coordinates;
/// `local` maps global to local numbers afterwards.
fn own_layout(
    l: &Layered,
    block: &[u32],
    r: u32,
    local: &mut [u32],
    spacing: &position::Spacing,
) -> (Vec<u32>, Layered, Vec<f64>, Vec<f64>) {
    let (global, sub, _) = l.part(block, |w| l.block[w as usize] == r, local);
    let width: Vec<f64> = global.iter().map(|&v| spacing.width[v as usize]).collect();
    let bare: Vec<bool> = global.iter().map(|&v| spacing.bare[v as usize]).collect();
    let xs = position::coordinates(
        &sub,
        &position::Spacing {
            width: &width,
            bare: &bare,
            ..*spacing
        },
    );
    (global, sub, width, xs)
}

/// The connected part (ignoring direction) of each of `n` vertices, numbered in order of each
/// part's lowest vertex, and the number of parts.
pub(super) fn components(n: usize, edges: &[(u32, u32)]) -> (Vec<u32>, u32) {
    fn find(up: &mut [u32], mut v: u32) -> u32 {
        while up[v as usize] != v {
            let next = up[up[v as usize] as usize];
            up[v as usize] = next;
            v = next;
        }
        v
    }
    let mut up: Vec<u32> = (0..n as u32).collect();
    for &(a, b) in edges {
        let (ra, rb) = (find(&mut up, a), find(&mut up, b));
        if ra != rb {
            up[ra.max(rb) as usize] = ra.min(rb);
        }
    }
    let mut number = vec![u32::MAX; n];
    let mut next = 0u32;
    let mut part = vec![0u32; n];
    for v in 0..n as u32 {
        let r = find(&mut up, v) as usize;
        if number[r] == u32::MAX {
            number[r] = next;
            next += 1;
        }
        part[v as usize] = number[r];
    }
    (part, next)
}

/// Compressed adjacency lists: the neighbours of `v` are `items[start[v]..start[v + 1]]`,
/// in the order they were given.
#[derive(Debug, Clone, Default)]
pub(crate) struct Adjacency<T> {
    start: Vec<usize>,
    items: Vec<T>,
}

/// Adjacency by vertex index.
pub(crate) type Csr = Adjacency<u32>;

impl<T: Copy + Default> Adjacency<T> {
    fn build(n: usize, pairs: &[(u32, T)]) -> Self {
        let mut start = vec![0usize; n + 1];
        for &(from, _) in pairs {
            start[from as usize + 1] += 1;
        }
        for v in 0..n {
            start[v + 1] += start[v];
        }
        let mut fill = start.clone();
        let mut items = vec![T::default(); pairs.len()];
        for &(from, item) in pairs {
            items[fill[from as usize]] = item;
            fill[from as usize] += 1;
        }
        Adjacency { start, items }
    }

    /// The neighbours (or weights) of `v`.
    pub(crate) fn neighbours(&self, v: usize) -> &[T] {
        &self.items[self.start[v]..self.start[v + 1]]
    }

    /// How many vertices there are.
    pub(crate) fn vertices(&self) -> usize {
        self.start.len() - 1
    }

    /// Neighbours of all vertices together: of [`Layered::down`], the segments.
    pub(crate) fn total(&self) -> usize {
        self.items.len()
    }
}

impl Csr {
    /// Adjacency of `n` vertices from `(from, to)` pairs.
    pub(crate) fn new(n: usize, edges: impl Iterator<Item = (u32, u32)>) -> Self {
        let pairs: Vec<(u32, u32)> = edges.collect();
        Self::build(n, &pairs)
    }

    /// Weights parallel to `Csr::new(n, edges.map(|(a, b, _)| (a, b)))`.
    pub(crate) fn weights(n: usize, edges: &[(u32, u32, f64)]) -> Adjacency<f64> {
        let pairs: Vec<(u32, f64)> = edges.iter().map(|&(a, _, w)| (a, w)).collect();
        Adjacency::build(n, &pairs)
    }
}

/// The layered graph: nodes and dummies, each in a layer, segments only between adjacent
/// layers.
#[derive(Debug, Clone)]
pub(crate) struct Layered {
    /// Layer of each vertex.
    pub layer: Vec<u32>,
    /// Vertices of each layer, in order.
    pub layers: Vec<Vec<u32>>,
    /// Index of each vertex within its layer.
    pub pos: Vec<u32>,
    /// Neighbours in the layer above.
    pub up: Csr,
    /// Neighbours in the layer below.
    pub down: Csr,
    /// Vertices below this index are nodes, the rest dummies.
    pub real: usize,
    /// With grouping, the rank of each vertex's block: layers keep blocks contiguous and in
    /// rank order. Empty without grouping.
    pub block: Vec<u32>,
}

impl Layered {
    fn new(layer: Vec<u32>, real: usize, segments: &[(u32, u32)]) -> Self {
        let h = layer.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
        let mut layers = vec![Vec::new(); h];
        for (v, &l) in layer.iter().enumerate() {
            layers[l as usize].push(v as u32);
        }
        Self::with_order(layer, layers, real, segments)
    }

    /// With the vertices of each layer in the given order.
    fn with_order(
        layer: Vec<u32>,
        layers: Vec<Vec<u32>>,
        real: usize,
        segments: &[(u32, u32)],
    ) -> Self {
        let n = layer.len();
        let mut out = Layered {
            up: Csr::new(n, segments.iter().map(|&(a, b)| (b, a))),
            down: Csr::new(n, segments.iter().copied()),
            layer,
            layers,
            pos: vec![0; n],
            real,
            block: Vec::new(),
        };
        out.update_positions();
        out
    }

    /// Some of the vertices (`members`, not empty) as a layered graph of their own, with
    /// the segments between them that `keep` accepts; each layer in the order of `members`,
    /// the layers counted from the topmost, nodes numbered before dummies. Returns the
    /// members by local number, the graph and the topmost layer; `local` maps global to
    /// local numbers afterwards.
    fn part(
        &self,
        members: &[u32],
        keep: impl Fn(u32) -> bool,
        local: &mut [u32],
    ) -> (Vec<u32>, Layered, u32) {
        let is_node = |v: u32| (v as usize) < self.real;
        let global: Vec<u32> = members
            .iter()
            .copied()
            .filter(|&v| is_node(v))
            .chain(members.iter().copied().filter(|&v| !is_node(v)))
            .collect();
        for (i, &v) in global.iter().enumerate() {
            local[v as usize] = i as u32;
        }
        let real = members.iter().filter(|&&v| is_node(v)).count();
        let top = members
            .iter()
            .map(|&v| self.layer[v as usize])
            .min()
            .unwrap_or(0);
        let mut layers: Vec<Vec<u32>> = Vec::new();
        for &v in members {
            let ly = (self.layer[v as usize] - top) as usize;
            if layers.len() <= ly {
                layers.resize(ly + 1, Vec::new());
            }
            layers[ly].push(local[v as usize]);
        }
        let layer: Vec<u32> = global
            .iter()
            .map(|&v| self.layer[v as usize] - top)
            .collect();
        let (local, keep) = (&*local, &keep);
        let segments: Vec<(u32, u32)> = global
            .iter()
            .flat_map(|&v| {
                self.down
                    .neighbours(v as usize)
                    .iter()
                    .filter(move |&&w| keep(w))
                    .map(move |&w| (local[v as usize], local[w as usize]))
            })
            .collect();
        let sub = Layered::with_order(layer, layers, real, &segments);
        (global, sub, top)
    }

    fn update_positions(&mut self) {
        for layer in &self.layers {
            for (p, &v) in layer.iter().enumerate() {
                self.pos[v as usize] = p as u32;
            }
        }
    }
}

/// A small deterministic sequence for tests: each call gives a number below its argument.
#[cfg(test)]
pub(crate) fn test_sequence(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut state = seed;
    move |m| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % m
    }
}

#[cfg(test)]
mod tests;
