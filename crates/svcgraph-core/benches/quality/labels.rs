//! Label collisions in a labelled drawing: an edge label's box (as `quality/drawing.rs`
//! reads it) overlapping a node's box, another label's box, or the line of another edge.
//! A label on its own edge's line is where it belongs and does not count. Boxes are shrunk
//! by [`SLACK`] on every side first, so boxes that only touch do not count either.
//! Beside the collisions, a label that comes nearer another call's line than its own is
//! counted as misleading: a reader takes it for the nearer line's.

use crate::drawing::{Drawing, Rect};
use crate::metrics::Point;

/// How far a box is shrunk on every side before the checks, in the drawing's unit.
pub const SLACK: f64 = 0.5;

/// Collisions found, each pair counted once.
#[derive(Debug, Clone, Copy, Default)]
pub struct LabelHits {
    /// Labels drawn.
    pub labels: usize,
    /// Calls drawn (each could have had a label).
    pub calls: usize,
    /// Label–node pairs that overlap.
    pub node: u64,
    /// Label–label pairs that overlap.
    pub label: u64,
    /// Label–edge pairs where the edge is another call's and runs through the label.
    pub edge: u64,
    /// Labels nearer another call's line than their own (not counted in `total`).
    pub misleading: u64,
}

impl LabelHits {
    pub fn total(&self) -> u64 {
        self.node + self.label + self.edge
    }

    pub fn add(&mut self, o: &LabelHits) {
        self.labels += o.labels;
        self.calls += o.calls;
        self.node += o.node;
        self.label += o.label;
        self.edge += o.edge;
        self.misleading += o.misleading;
    }
}

fn shrunk(r: Rect) -> Rect {
    Rect {
        x0: r.x0 + SLACK,
        y0: r.y0 + SLACK,
        x1: r.x1 - SLACK,
        y1: r.y1 - SLACK,
    }
}

fn overlaps(a: &Rect, b: &Rect) -> bool {
    a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1
}

/// Whether segment `ab` passes through the inside of `r` (Liang–Barsky clipping).
fn segment_enters(a: Point, b: Point, r: &Rect) -> bool {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (p, q) in [
        (-dx, a.x - r.x0),
        (dx, r.x1 - a.x),
        (-dy, a.y - r.y0),
        (dy, r.y1 - a.y),
    ] {
        if p.abs() < 1e-12 {
            if q <= 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    t0 < t1
}

/// Distance from `p` to the segment `ab`.
fn point_segment(p: Point, a: Point, b: Point) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let along = dx * dx + dy * dy;
    let t = if along > 0.0 {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / along).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p.x - a.x - t * dx).hypot(p.y - a.y - t * dy)
}

/// Distance from the box `r` to the segment `ab` (0 when it enters the box).
fn box_segment(r: &Rect, a: Point, b: Point) -> f64 {
    if segment_enters(a, b, r) {
        return 0.0;
    }
    let to_box = |p: Point| {
        let dx = (r.x0 - p.x).max(p.x - r.x1).max(0.0);
        let dy = (r.y0 - p.y).max(p.y - r.y1).max(0.0);
        dx.hypot(dy)
    };
    let corners = [
        Point { x: r.x0, y: r.y0 },
        Point { x: r.x1, y: r.y0 },
        Point { x: r.x1, y: r.y1 },
        Point { x: r.x0, y: r.y1 },
    ];
    corners
        .iter()
        .map(|&c| point_segment(c, a, b))
        .fold(to_box(a).min(to_box(b)), f64::min)
}

/// The collisions of every label in `d`.
pub fn label_collisions(d: &Drawing) -> LabelHits {
    let labels: Vec<(usize, Rect)> = d.labels.iter().map(|l| (l.edge, shrunk(l.rect))).collect();
    let nodes: Vec<Rect> = d.nodes.iter().copied().map(shrunk).collect();
    // Each edge's bounding box, to skip edges far from a label.
    let edge_boxes: Vec<Option<Rect>> = d
        .edges
        .iter()
        .map(|e| Rect::around(e.polylines.iter().flatten().copied()))
        .collect();
    let mut hits = LabelHits {
        labels: labels.len(),
        calls: d.edges.len(),
        ..LabelHits::default()
    };
    let distance = |e: usize, r: &Rect| {
        d.edges[e]
            .polylines
            .iter()
            .flat_map(|l| l.windows(2))
            .map(|w| box_segment(r, w[0], w[1]))
            .fold(f64::INFINITY, f64::min)
    };
    for (i, (own, r)) in labels.iter().enumerate() {
        let mine = distance(*own, r);
        let bad = (0..d.edges.len()).find(|&e| {
            e != *own
                && edge_boxes[e].is_some_and(|b| touches(&grown(r, mine), &b))
                && distance(e, r) < mine
        });
        hits.misleading += u64::from(bad.is_some());
        hits.node += nodes.iter().filter(|n| overlaps(r, n)).count() as u64;
        hits.label += labels[i + 1..]
            .iter()
            .filter(|(_, o)| overlaps(r, o))
            .count() as u64;
        for (e, edge) in d.edges.iter().enumerate() {
            if e == *own || !edge_boxes[e].is_some_and(|b| touches(r, &b)) {
                continue;
            }
            let through = edge
                .polylines
                .iter()
                .flat_map(|l| l.windows(2))
                .any(|w| segment_enters(w[0], w[1], r));
            hits.edge += u64::from(through);
        }
    }
    hits
}

fn grown(r: &Rect, by: f64) -> Rect {
    Rect {
        x0: r.x0 - by,
        y0: r.y0 - by,
        x1: r.x1 + by,
        y1: r.y1 + by,
    }
}

/// Whether two boxes meet, edges included (a straight edge's box has no inside).
fn touches(a: &Rect, b: &Rect) -> bool {
    a.x0 <= b.x1 && b.x0 <= a.x1 && a.y0 <= b.y1 && b.y0 <= a.y1
}
