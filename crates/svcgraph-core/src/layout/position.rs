//! Coordinates along the layers: Brandes–Köpf.
//!
//! Four alignments (from the top or the bottom, preferring left or right medians) group each
//! vertex with a median neighbour into vertical blocks, avoiding segments that cross a long
//! edge's inner segment (type-1 conflicts) so long edges stay straight. Each alignment is
//! compacted by a longest path over the block constraint graph — iterative, so no depth of
//! graph can overflow the stack — with separations from the real label widths. The result is
//! the average of the two median candidates per vertex, which keeps every separation, since
//! order statistics of four layouts that each keep it keep it too. Linear in the size of the
//! layered graph.

use std::collections::HashSet;

use foldhash::fast::RandomState;

use super::{Csr, Layered};

/// Separation rules for [`coordinates`].
pub(super) struct Spacing<'a> {
    /// Extent of each vertex along the layer.
    pub width: &'a [f64],
    /// Gap between two vertices when either is a node or a label.
    pub node_gap: f64,
    /// Gap between two bare dummies (long edges running side by side).
    pub edge_gap: f64,
    /// Whether a vertex is a bare dummy (no label).
    pub bare: &'a [bool],
    /// Where each vertex's edges run, from its center (beside a label, off center; empty
    /// for the center everywhere): coordinates place these lines, so an edge runs straight
    /// past its label rather than past the label's center.
    pub line: &'a [f64],
}

impl Spacing<'_> {
    /// Distance between the centers of neighbours `a` and `b` of one layer.
    pub(super) fn separation(&self, a: usize, b: usize) -> f64 {
        let gap = if self.bare[a] && self.bare[b] {
            self.edge_gap
        } else {
            self.node_gap
        };
        let off = |v: usize| self.line.get(v).copied().unwrap_or(0.0);
        self.width[a].midpoint(self.width[b]) + gap + off(b) - off(a)
    }
}

/// Where every vertex's line runs along its layer (its center, less [`Spacing::line`]).
pub(super) fn coordinates(l: &Layered, spacing: &Spacing) -> Vec<f64> {
    let marked = type1_conflicts(l);
    // The alignments from the top on a second thread, on the largest graphs.
    let align = |from_top: bool| {
        [true, false].map(|leftmost| one_alignment(l, spacing, &marked, from_top, leftmost))
    };
    let (top, bottom) = crate::parallel::join(
        l.layer.len() >= crate::parallel::WORTH_A_THREAD,
        || align(true),
        || align(false),
    );
    let candidates: Vec<Vec<f64>> = top.into_iter().chain(bottom).collect();
    balance(&candidates)
}

/// Segments (upper, lower) that cross an inner segment (between two dummies) and are not
/// inner themselves: alignment avoids them, so long edges run straight.
fn type1_conflicts(l: &Layered) -> HashSet<(u32, u32), RandomState> {
    let mut marked = HashSet::default();
    let dummy = |v: u32| v as usize >= l.real;
    for i in 0..l.layers.len().saturating_sub(1) {
        let (upper, lower) = (&l.layers[i], &l.layers[i + 1]);
        if upper.is_empty() {
            continue;
        }
        let mut k0 = 0u32;
        let mut scan = 0usize;
        for (l1, &v) in lower.iter().enumerate() {
            let inner = if dummy(v) {
                l.up.neighbours(v as usize)
                    .iter()
                    .copied()
                    .find(|&u| dummy(u))
            } else {
                None
            };
            if l1 + 1 == lower.len() || inner.is_some() {
                let k1 = inner.map_or(upper.len() as u32 - 1, |u| l.pos[u as usize]);
                while scan <= l1 {
                    let w = lower[scan];
                    for &u in l.up.neighbours(w as usize) {
                        let k = l.pos[u as usize];
                        if (k < k0 || k > k1) && !(dummy(u) && dummy(w)) {
                            marked.insert((u, w));
                        }
                    }
                    scan += 1;
                }
                k0 = k1;
            }
        }
    }
    marked
}

/// One of the four Brandes–Köpf layouts. Computed in a mirrored frame where "left" is the
/// preferred side, then mirrored back.
fn one_alignment(
    l: &Layered,
    spacing: &Spacing,
    marked: &HashSet<(u32, u32), RandomState>,
    from_top: bool,
    leftmost: bool,
) -> Vec<f64> {
    let n = l.layer.len();
    let h = l.layers.len();
    // Position in the mirrored frame.
    let p = |v: u32| -> u32 {
        let v = v as usize;
        if leftmost {
            l.pos[v]
        } else {
            l.layers[l.layer[v] as usize].len() as u32 - 1 - l.pos[v]
        }
    };
    let in_order = |i: usize| -> Vec<u32> {
        let mut layer = l.layers[i].clone();
        if !leftmost {
            layer.reverse();
        }
        layer
    };
    let previous = if from_top { &l.up } else { &l.down };
    let layer_sequence: Vec<usize> = if from_top {
        (0..h).collect()
    } else {
        (0..h).rev().collect()
    };

    let mut root: Vec<u32> = (0..n as u32).collect();
    let mut align: Vec<u32> = (0..n as u32).collect();
    let mut neighbours: Vec<u32> = Vec::new();
    for &i in layer_sequence.iter().skip(1) {
        let mut r: i64 = -1;
        for v in in_order(i) {
            neighbours.clear();
            neighbours.extend_from_slice(previous.neighbours(v as usize));
            if neighbours.is_empty() {
                continue;
            }
            neighbours.sort_unstable_by_key(|&u| p(u));
            let d = neighbours.len();
            let medians = if d % 2 == 1 {
                [d / 2, d / 2]
            } else {
                [d / 2 - 1, d / 2]
            };
            for (k, &m) in medians.iter().enumerate() {
                if k == 1 && medians[0] == medians[1] {
                    break;
                }
                if align[v as usize] != v {
                    break;
                }
                let u = neighbours[m];
                let segment = if from_top { (u, v) } else { (v, u) };
                if !marked.contains(&segment) && r < i64::from(p(u)) {
                    align[u as usize] = v;
                    root[v as usize] = root[u as usize];
                    align[v as usize] = root[v as usize];
                    r = i64::from(p(u));
                }
            }
        }
    }

    // Longest path over blocks: each block as far left as its left neighbours allow.
    let mut constraints: Vec<(u32, u32, f64)> = Vec::with_capacity(n);
    for i in 0..h {
        let layer = in_order(i);
        for pair in layer.windows(2) {
            let (a, b) = (pair[0] as usize, pair[1] as usize);
            constraints.push((root[a], root[b], mirrored(spacing, a, b, leftmost)));
        }
    }
    let graph = Csr::new(n, constraints.iter().map(|&(a, b, _)| (a, b)));
    let weights = Csr::weights(n, &constraints);
    let mut indeg = vec![0usize; n];
    for &(_, b, _) in &constraints {
        indeg[b as usize] += 1;
    }
    let mut x = vec![0.0f64; n];
    let mut queue: Vec<u32> = (0..n as u32)
        .filter(|&v| root[v as usize] == v && indeg[v as usize] == 0)
        .collect();
    let mut placed = 0usize;
    while let Some(b) = queue.pop() {
        placed += 1;
        let b = b as usize;
        for (&c, &w) in graph.neighbours(b).iter().zip(weights.neighbours(b)) {
            let c = c as usize;
            x[c] = x[c].max(x[b] + w);
            indeg[c] -= 1;
            if indeg[c] == 0 {
                queue.push(c as u32);
            }
        }
    }
    let roots = (0..n).filter(|&v| root[v] as usize == v).count();
    if placed < roots {
        // Alignments never cross, so the block graph is acyclic; should that ever fail, a
        // plain left-packed layout is still correct.
        return packed(l, spacing, leftmost);
    }
    let sign = if leftmost { 1.0 } else { -1.0 };
    (0..n).map(|v| sign * x[root[v] as usize]).collect()
}

/// The separation of `a` and then `b` in the frame of one alignment: mirrored, `b` comes
/// first in the layer (which matters for lines off center).
fn mirrored(spacing: &Spacing, a: usize, b: usize, leftmost: bool) -> f64 {
    if leftmost {
        spacing.separation(a, b)
    } else {
        spacing.separation(b, a)
    }
}

/// Every layer packed from its first vertex, in the mirrored frame, mirrored back.
fn packed(l: &Layered, spacing: &Spacing, leftmost: bool) -> Vec<f64> {
    let mut x = vec![0.0; l.layer.len()];
    for layer in &l.layers {
        let mut order = layer.clone();
        if !leftmost {
            order.reverse();
        }
        for pair in order.windows(2) {
            let (a, b) = (pair[0] as usize, pair[1] as usize);
            x[b] = x[a] + mirrored(spacing, a, b, leftmost);
        }
    }
    let sign = if leftmost { 1.0 } else { -1.0 };
    x.iter().map(|v| sign * v).collect()
}

/// Aligns the four layouts to the narrowest one (left-preferring ones by their left edge,
/// right-preferring ones by their right edge) and takes the mean of the two middle values.
fn balance(candidates: &[Vec<f64>]) -> Vec<f64> {
    let n = candidates[0].len();
    if n == 0 {
        return Vec::new();
    }
    let bounds: Vec<(f64, f64)> = candidates
        .iter()
        .map(|xs| {
            xs.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                    (lo.min(x), hi.max(x))
                })
        })
        .collect();
    let narrowest = (0..candidates.len())
        .min_by(|&a, &b| (bounds[a].1 - bounds[a].0).total_cmp(&(bounds[b].1 - bounds[b].0)))
        .unwrap_or(0);
    // Candidates alternate leftmost (even index) and rightmost (odd index).
    let shifts: Vec<f64> = (0..candidates.len())
        .map(|k| {
            if k % 2 == 0 {
                bounds[narrowest].0 - bounds[k].0
            } else {
                bounds[narrowest].1 - bounds[k].1
            }
        })
        .collect();
    (0..n)
        .map(|v| {
            let mut values = [0.0f64; 4];
            for (k, xs) in candidates.iter().enumerate() {
                values[k] = xs[v] + shifts[k];
            }
            values.sort_by(f64::total_cmp);
            values[1].midpoint(values[2])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_off_center_keep_every_box_apart_in_every_alignment() {
        // Random layered graphs whose vertices are points, boxes and label rooms whose line
        // runs along one side: every layer's boxes stay apart by their gap.
        let mut next = crate::layout::test_sequence(5);
        for _ in 0..200 {
            let layers = 2 + next(4) as usize;
            let per = 2 + next(5) as usize;
            let n = layers * per;
            let layer: Vec<u32> = (0..n).map(|v| (v / per) as u32).collect();
            let mut segments = Vec::new();
            for v in 0..n - per {
                for _ in 0..=next(2) {
                    let w = (v / per + 1) * per + next(per as u64) as usize;
                    segments.push((v as u32, w as u32));
                }
            }
            let l = Layered::new(layer, n, &segments);
            let kind: Vec<u64> = (0..n).map(|_| next(3)).collect();
            let width: Vec<f64> = kind
                .iter()
                .map(|&k| [0.0, 40.0, 20.0][k as usize])
                .collect();
            let bare: Vec<bool> = kind.iter().map(|&k| k == 0).collect();
            let side = if next(2) == 0 { 0.5 } else { -0.5 };
            let line: Vec<f64> = kind
                .iter()
                .zip(&width)
                .map(|(&k, w)| if k == 2 { side * w } else { 0.0 })
                .collect();
            let spacing = Spacing {
                width: &width,
                node_gap: 18.0,
                edge_gap: 6.0,
                bare: &bare,
                line: &line,
            };
            let placed = coordinates(&l, &spacing);
            for ly in &l.layers {
                for pair in ly.windows(2) {
                    let (a, b) = (pair[0] as usize, pair[1] as usize);
                    let (ca, cb) = (placed[a] - line[a], placed[b] - line[b]);
                    let gap = if bare[a] && bare[b] { 6.0 } else { 18.0 };
                    assert!(
                        cb - width[b] / 2.0 - (ca + width[a] / 2.0) >= gap - 1e-6,
                        "{a} at {ca} and {b} at {cb} overlap"
                    );
                }
            }
        }
    }
}
