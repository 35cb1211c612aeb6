//! Drawing-quality measures on edges already flattened to polylines, the same for every
//! drawing whatever produced it.
//!
//! Definitions (all lengths in the drawing's own unit: our px, dot's pt, which are the same
//! size on screen):
//! * **crossings**: intersections between a segment of one edge and a segment of another
//!   edge that shares no end node with it (edges meeting at a node meet by design). Two
//!   curves that cross three times count three. Collinear overlap is not a crossing
//!   (overlap has its own measure). Found with a uniform grid over segments cut to
//!   at most one cell, each crossing counted once in the cell that holds it.
//! * **overlap share**: the share of the total edge length lying within [`NEAR`] of an edge
//!   that shares no end node with it, sampled about every [`SAMPLE_STEP`] along every edge.
//! * **edge length**: the summed length of all polylines.
//! * **bends**: the turning along each polyline, split into runs that turn one way (left or
//!   right; straight stretches do not end a run); a run turning more than
//!   [`BEND_ANGLE_DEG`] in total is one bend. A right angle is one bend, a gentle S-curve
//!   whose steepest heading stays under 30° none, a steep S-curve two.
//! * **turns**: the total turning along each polyline, in right angles (a right-angle
//!   corner is one turn; per edge in the reports).
//! * **reversed (geometric)**: edges (not self-loops) whose end point is not further along
//!   the flow (to the right) than their start point.

use std::collections::BTreeMap;

/// A point in drawing coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }
    fn minus(self, o: Point) -> Point {
        Point::new(self.x - o.x, self.y - o.y)
    }
    fn length(self) -> f64 {
        self.x.hypot(self.y)
    }
}

/// One edge as drawn: its end nodes and its line as one or more polylines.
#[derive(Debug, Clone)]
pub struct EdgeLine {
    pub source: String,
    pub target: String,
    pub polylines: Vec<Vec<Point>>,
}

/// Distance within which a piece of edge counts as lying on another edge.
pub const NEAR: f64 = 1.5;
/// Spacing of the overlap samples along an edge.
pub const SAMPLE_STEP: f64 = 1.0;
/// Turning in one direction that makes a bend.
pub const BEND_ANGLE_DEG: f64 = 30.0;

/// Grid cell for the crossing search; segments are cut to at most this length.
const CROSS_CELL: f64 = 16.0;
/// Grid cell for the overlap search.
const NEAR_CELL: f64 = 8.0;

/// A segment of an edge, with the edge's end nodes as small numbers.
#[derive(Debug, Clone, Copy)]
struct Piece {
    source: u32,
    target: u32,
    a: Point,
    b: Point,
}

impl Piece {
    fn shares_node(&self, o: &Piece) -> bool {
        self.source == o.source
            || self.source == o.target
            || self.target == o.source
            || self.target == o.target
    }
}

/// Every segment of every edge, cut into pieces no longer than `max_len`.
fn pieces(edges: &[EdgeLine], max_len: f64) -> Vec<Piece> {
    let mut ids: BTreeMap<&str, u32> = BTreeMap::new();
    let mut out = Vec::new();
    for e in edges {
        let mut id = |name| {
            let next = ids.len() as u32;
            *ids.entry(name).or_insert(next)
        };
        let (source, target) = (id(e.source.as_str()), id(e.target.as_str()));
        for line in &e.polylines {
            for w in line.windows(2) {
                let (a, b) = (w[0], w[1]);
                let n = (b.minus(a).length() / max_len).ceil().max(1.0) as usize;
                for k in 0..n {
                    let at = |j: usize| {
                        let t = j as f64 / n as f64;
                        Point::new(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t)
                    };
                    out.push(Piece {
                        source,
                        target,
                        a: at(k),
                        b: if k + 1 == n { b } else { at(k + 1) },
                    });
                }
            }
        }
    }
    out
}

fn cell(v: f64, size: f64) -> i32 {
    (v / size).floor() as i32
}

/// Inclusive cell ranges `(x0, x1, y0, y1)` of a piece's box grown by `margin`.
fn cell_range(p: &Piece, size: f64, margin: f64) -> (i32, i32, i32, i32) {
    (
        cell(p.a.x.min(p.b.x) - margin, size),
        cell(p.a.x.max(p.b.x) + margin, size),
        cell(p.a.y.min(p.b.y) - margin, size),
        cell(p.a.y.max(p.b.y) + margin, size),
    )
}

/// `(cell, piece)` pairs for every cell a piece's box (grown by `margin`) touches, sorted by
/// cell.
fn grid(pieces: &[Piece], size: f64, margin: f64) -> Vec<((i32, i32), u32)> {
    let mut entries = Vec::with_capacity(pieces.len() * 3);
    for (i, p) in pieces.iter().enumerate() {
        let (x0, x1, y0, y1) = cell_range(p, size, margin);
        for cx in x0..=x1 {
            for cy in y0..=y1 {
                entries.push(((cx, cy), i as u32));
            }
        }
    }
    entries.sort_unstable();
    entries
}

fn cross(u: Point, v: Point) -> f64 {
    u.x * v.y - u.y * v.x
}

/// Where segments `ab` and `cd` cross. Each segment is taken half-open (its start in, its
/// end out), so a crossing exactly at the joint of two consecutive segments counts once;
/// parallel and collinear segments do not cross.
pub fn crossing_point(a: Point, b: Point, c: Point, d: Point) -> Option<Point> {
    let (r, s) = (b.minus(a), d.minus(c));
    let den = cross(r, s);
    if den.abs() < 1e-12 {
        return None;
    }
    let t = cross(c.minus(a), s) / den;
    let u = cross(c.minus(a), r) / den;
    ((0.0..1.0).contains(&t) && (0.0..1.0).contains(&u))
        .then(|| Point::new(a.x + r.x * t, a.y + r.y * t))
}

/// Crossings between edges that share no end node (see the module documentation).
pub fn crossings(edges: &[EdgeLine]) -> u64 {
    let pieces = pieces(edges, CROSS_CELL);
    let entries = grid(&pieces, CROSS_CELL, 0.0);
    let mut count = 0;
    let mut start = 0;
    while start < entries.len() {
        let here = entries[start].0;
        let end = start + entries[start..].partition_point(|e| e.0 == here);
        let members = &entries[start..end];
        for (k, &(_, i)) in members.iter().enumerate() {
            let p = &pieces[i as usize];
            for &(_, j) in &members[k + 1..] {
                let q = &pieces[j as usize];
                if p.shares_node(q) {
                    continue;
                }
                let Some(x) = crossing_point(p.a, p.b, q.a, q.b) else {
                    continue;
                };
                // Count it in one cell only: the one holding the crossing, clamped to the
                // cells both pieces are filed under (rounding may put it just outside).
                let (px0, px1, py0, py1) = cell_range(p, CROSS_CELL, 0.0);
                let (qx0, qx1, qy0, qy1) = cell_range(q, CROSS_CELL, 0.0);
                let cx = cell(x.x, CROSS_CELL).clamp(px0.max(qx0), px1.min(qx1));
                let cy = cell(x.y, CROSS_CELL).clamp(py0.max(qy0), py1.min(qy1));
                if (cx, cy) == here {
                    count += 1;
                }
            }
        }
        start = end;
    }
    count
}

fn distance_to_segment(p: Point, a: Point, b: Point) -> f64 {
    let ab = b.minus(a);
    let len2 = ab.x * ab.x + ab.y * ab.y;
    let t = if len2 > 0.0 {
        ((p.x - a.x) * ab.x + (p.y - a.y) * ab.y) / len2
    } else {
        0.0
    };
    let t = t.clamp(0.0, 1.0);
    Point::new(a.x + ab.x * t - p.x, a.y + ab.y * t - p.y).length()
}

/// Length of edge lying within [`NEAR`] of an edge sharing no end node, and the total
/// length, summed over all edges.
pub fn overlap(edges: &[EdgeLine]) -> (f64, f64) {
    let pieces = pieces(edges, NEAR_CELL);
    let entries = grid(&pieces, NEAR_CELL, NEAR);
    let (mut near, mut total) = (0.0, 0.0);
    for p in &pieces {
        let len = p.b.minus(p.a).length();
        total += len;
        let n = (len / SAMPLE_STEP).ceil().max(1.0) as usize;
        let weight = len / n as f64;
        for k in 0..n {
            let t = (k as f64 + 0.5) / n as f64;
            let s = Point::new(p.a.x + (p.b.x - p.a.x) * t, p.a.y + (p.b.y - p.a.y) * t);
            let key = (cell(s.x, NEAR_CELL), cell(s.y, NEAR_CELL));
            let from = entries.partition_point(|e| e.0 < key);
            let covered = entries[from..]
                .iter()
                .take_while(|e| e.0 == key)
                .map(|&(_, j)| &pieces[j as usize])
                .any(|q| !p.shares_node(q) && distance_to_segment(s, q.a, q.b) <= NEAR);
            if covered {
                near += weight;
            }
        }
    }
    (near, total)
}

/// Summed length of all polylines.
pub fn edge_length(edges: &[EdgeLine]) -> f64 {
    edges
        .iter()
        .flat_map(|e| &e.polylines)
        .flat_map(|l| l.windows(2))
        .map(|w| w[1].minus(w[0]).length())
        .sum()
}

/// The signed turn (radians, in (-π, π]) at each joint of a polyline, zero-length pieces
/// skipped.
fn turns_along(line: &[Point]) -> impl Iterator<Item = f64> + '_ {
    let mut heading: Option<f64> = None;
    line.windows(2).filter_map(move |w| {
        let d = w[1].minus(w[0]);
        if d.length() < 1e-9 {
            return None;
        }
        let h = d.y.atan2(d.x);
        let turn = heading.map(|prev| {
            let mut turn = h - prev;
            while turn > std::f64::consts::PI {
                turn -= std::f64::consts::TAU;
            }
            while turn <= -std::f64::consts::PI {
                turn += std::f64::consts::TAU;
            }
            turn
        });
        heading = Some(h);
        turn
    })
}

/// Bends of one polyline (see the module documentation).
pub fn bends_of(line: &[Point]) -> u64 {
    let limit = BEND_ANGLE_DEG.to_radians();
    let mut bends = 0;
    // Turning of the current run, all in one direction.
    let mut run = 0.0_f64;
    for turn in turns_along(line) {
        if turn * run < 0.0 {
            // The line turns the other way: the run so far is over.
            bends += u64::from(run.abs() > limit);
            run = 0.0;
        }
        run += turn;
    }
    bends + u64::from(run.abs() > limit)
}

/// Total turning of one polyline, in right angles: a right-angle corner is 1, a steep
/// S-curve nearly 2, a straight line 0.
pub fn turns_of(line: &[Point]) -> f64 {
    turns_along(line).map(f64::abs).sum::<f64>() / std::f64::consts::FRAC_PI_2
}

/// Turning summed over all edges, in right angles.
pub fn turns(edges: &[EdgeLine]) -> f64 {
    edges
        .iter()
        .flat_map(|e| &e.polylines)
        .map(|l| turns_of(l))
        .sum()
}

/// Bends summed over all edges.
pub fn bends(edges: &[EdgeLine]) -> u64 {
    edges
        .iter()
        .flat_map(|e| &e.polylines)
        .map(|l| bends_of(l))
        .sum()
}

/// Edges (not self-loops) whose end is not further right than their start: both drawings
/// flow left to right.
pub fn reversed_geometric(edges: &[EdgeLine]) -> u64 {
    edges
        .iter()
        .filter(|e| e.source != e.target)
        .filter(|e| {
            let first = e.polylines.first().and_then(|l| l.first());
            let last = e.polylines.last().and_then(|l| l.last());
            matches!((first, last), (Some(a), Some(b)) if b.x <= a.x)
        })
        .count() as u64
}
