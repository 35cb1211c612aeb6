//! Curved edges threaded through gates.
//!
//! Across every layer band it passes, an edge may use an interval along the layer that keeps
//! it clear of the band's other vertices: half the room to each neighbour, which no other
//! edge uses, so two edges never run on top of each other. At a node the interval is split
//! among the node's edges on that side, in the order of their ports; beside a label it is
//! the label's side, where the text reads as the edge's. A straight line between two points
//! of one interval stays within it, so the shortest line through the gates (which bends only
//! at gate ends, and only where it must) is clear of every node and label. The layout
//! rounds its bends within the room beyond each gate's end.

use super::{Csr, Layered};

/// Room between a label's text and its edge's line that a rounded bend may cut into.
const LABEL_ROOM: f64 = 2.0;
/// Room a bend at the split between two edges of one node may cut into.
const SIBLING_ROOM: f64 = 1.0;
/// Room kept on each side of the line between two neighbours' intervals.
const SPLIT: f64 = 1.0;
/// How far an interval reaches beyond the first or last vertex of a layer.
const OPEN: f64 = 1.0e6;

/// An interval `[lo, hi]` along the layers, at `across`, with the room beyond each end that
/// nothing uses (which a rounded bend at that end may cut into).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Gate {
    pub lo: f64,
    pub hi: f64,
    pub across: f64,
    pub room: (f64, f64),
}

/// A bend of a threaded line at a gate's end: how far beyond that end, which way along
/// the layers (`toward`: -1 beyond the low end, +1 beyond the high one, 0 at the line's
/// ends), a rounded bend may reach.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Corner {
    pub at: (f64, f64),
    pub room: f64,
    pub toward: f64,
}

/// An interval along a layer, and the room beyond each of its ends.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Share {
    pub lo: f64,
    pub hi: f64,
    pub room: (f64, f64),
}

impl Share {
    /// This interval at `across`, moved by `shift` along the layers.
    pub fn at(self, across: f64, shift: f64) -> Gate {
        Gate {
            lo: self.lo + shift,
            hi: self.hi + shift,
            across,
            room: self.room,
        }
    }
}

/// Where each vertex's edges may run along its layer, and each node's share of it per
/// edge.
#[derive(Default)]
pub(super) struct Gates {
    /// Per segment: the share of its upper vertex's interval (for a node; else its whole
    /// interval), and the room beyond each end.
    pub out: Vec<Share>,
    /// Per segment: the share of its lower vertex's interval, and the room beyond each end.
    pub into: Vec<Share>,
}

/// The intervals of every vertex and segment. `x` holds centers along the layers, `along`
/// extents along them, `line` where a labelled dummy's line runs relative to its center
/// (0 elsewhere), `ports` the segments' ends as `route::ports` spread them. With `follow`,
/// a line may run anywhere on its label's side (the text follows it); without, it runs
/// right beside the label's room, where an earlier drawing read back finds it again.
pub(super) fn gates(
    l: &Layered,
    segments: &[(u32, u32)],
    (x, along, line): (&[f64], &[f64], &[f64]),
    ports: &super::route::Ports,
    follow: bool,
) -> Gates {
    let count = l.layer.len();
    let edge = |v: usize| (x[v] - along[v] / 2.0, x[v] + along[v] / 2.0);
    // A neighbour's label whose line faces a vertex (`sign` +1 from before it, -1 from
    // after) may bring its line, and its text with it, up to the middle between them.
    let facing = |u: usize, sign: f64| follow && u >= l.real && line[u] * sign > 0.0;
    // Across a gap to a neighbour: how far from the neighbour's box a vertex's interval
    // starts (half the gap, less a little either side of the middle), and the room that
    // leaves beyond it (only that little when the neighbour's line faces it).
    let halfway = |gap: f64, faced: bool| {
        let gap = gap.max(0.0);
        let split = SPLIT.min(gap / 4.0);
        (
            gap / 2.0 + split,
            if faced { split } else { gap / 2.0 - split },
        )
    };
    let mut free = vec![Share::default(); count];
    for layer in &l.layers {
        for (i, &v) in layer.iter().enumerate() {
            let v = v as usize;
            let (left, right) = edge(v);
            let (lo, lo_room) = match i.checked_sub(1) {
                Some(j) => {
                    let u = layer[j] as usize;
                    let before = edge(u).1;
                    let (reach, room) = halfway(left - before, facing(u, 1.0));
                    (before + reach, room)
                }
                None => (left - OPEN, OPEN),
            };
            let (hi, hi_room) = match layer.get(i + 1) {
                Some(&w) => {
                    let w = w as usize;
                    let after = edge(w).0;
                    let (reach, room) = halfway(after - right, facing(w, -1.0));
                    (after - reach, room)
                }
                None => (right + OPEN, OPEN),
            };
            free[v] = if v >= l.real && line[v] != 0.0 {
                // Beside a label: anywhere on the label's side of its room (the text follows
                // the line), clear of the text by its padding.
                let at = x[v] + line[v];
                let (lo, hi) = if follow { (lo, hi) } else { (at, at) };
                if line[v] > 0.0 {
                    Share {
                        lo: at,
                        hi: hi.max(at),
                        room: (LABEL_ROOM, hi_room),
                    }
                } else {
                    Share {
                        lo: lo.min(at),
                        hi: at,
                        room: (lo_room, LABEL_ROOM),
                    }
                }
            } else {
                Share {
                    lo: lo.min(left),
                    hi: hi.max(right),
                    room: (lo_room, hi_room),
                }
            };
        }
    }
    let share = |ends: &[f64], of: &dyn Fn(usize) -> u32| -> Vec<Share> {
        // Each node's edges on one side, in the order of their ports; the interval split
        // halfway between neighbouring ports.
        let by_vertex = Csr::new(count, (0..segments.len()).map(|k| (of(k), k as u32)));
        let mut out = vec![Share::default(); segments.len()];
        let mut ks: Vec<usize> = Vec::new();
        for (v, whole) in free.iter().enumerate() {
            ks.clear();
            ks.extend(by_vertex.neighbours(v).iter().map(|&k| k as usize));
            if v >= l.real {
                for &k in &ks {
                    out[k] = *whole;
                }
                continue;
            }
            ks.sort_by(|&a, &b| ends[a].total_cmp(&ends[b]).then(a.cmp(&b)));
            for (j, &k) in ks.iter().enumerate() {
                let (lo, lo_room) = match j.checked_sub(1) {
                    Some(before) => (ends[ks[before]].midpoint(ends[k]), SIBLING_ROOM),
                    None => (whole.lo, whole.room.0),
                };
                let (hi, hi_room) = match ks.get(j + 1) {
                    Some(&next) => (ends[k].midpoint(ends[next]), SIBLING_ROOM),
                    None => (whole.hi, whole.room.1),
                };
                out[k] = Share {
                    lo,
                    hi,
                    room: (lo_room, hi_room),
                };
            }
        }
        out
    };
    let out = share(&ports.out, &|k| segments[k].0);
    let into = share(&ports.into, &|k| segments[k].1);
    Gates { out, into }
}

/// How far `q` lies to the high side of the ray from `o` through `p`, in (along, across)
/// points with `across` growing along the ray (times the lengths; 0 on the ray).
fn side(o: (f64, f64), p: (f64, f64), q: (f64, f64)) -> f64 {
    (q.0 - o.0) * (p.1 - o.1) - (p.0 - o.0) * (q.1 - o.1)
}

/// The shortest line from `from` through `gates` to `to`, as its corners (both ends
/// included, with no room); gates in order of growing `across`. Gates not strictly between
/// the ends are passed by.
pub(super) fn thread(from: (f64, f64), gates: &[Gate], to: (f64, f64)) -> Vec<Corner> {
    let end = |at| Corner {
        at,
        room: 0.0,
        toward: 0.0,
    };
    // Each portal as its (low, high) ends.
    let mut portals: Vec<(Corner, Corner)> = Vec::with_capacity(gates.len() + 2);
    portals.push((end(from), end(from)));
    let mut last = from.1;
    for g in gates {
        if g.across > last && g.across < to.1 && g.lo <= g.hi {
            portals.push((
                Corner {
                    at: (g.lo, g.across),
                    room: g.room.0,
                    toward: -1.0,
                },
                Corner {
                    at: (g.hi, g.across),
                    room: g.room.1,
                    toward: 1.0,
                },
            ));
            last = g.across;
        }
    }
    portals.push((end(to), end(to)));

    let mut path = vec![end(from)];
    let (mut apex, mut lo, mut hi) = (from, end(from), end(from));
    let (mut lo_at, mut hi_at) = (0, 0);
    let mut i = 1;
    while i < portals.len() {
        let (l, h) = portals[i];
        // The high end narrows the funnel, unless it passes over the low side: then the
        // line bends at the low side's end.
        if side(apex, hi.at, h.at) <= 0.0 {
            if apex == hi.at || side(apex, lo.at, h.at) > 0.0 {
                hi = h;
                hi_at = i;
            } else {
                path.push(lo);
                apex = lo.at;
                hi = lo;
                hi_at = lo_at;
                i = lo_at + 1;
                continue;
            }
        }
        if side(apex, lo.at, l.at) >= 0.0 {
            if apex == lo.at || side(apex, hi.at, l.at) < 0.0 {
                lo = l;
                lo_at = i;
            } else {
                path.push(hi);
                apex = hi.at;
                lo = hi;
                lo_at = hi_at;
                i = hi_at + 1;
                continue;
            }
        }
        i += 1;
    }
    if path.last().map(|c| c.at) != Some(to) {
        path.push(end(to));
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(lo: f64, hi: f64, across: f64) -> Gate {
        Gate {
            lo,
            hi,
            across,
            room: (1.0, 2.0),
        }
    }

    fn points(corners: &[Corner]) -> Vec<(f64, f64)> {
        corners.iter().map(|c| c.at).collect()
    }

    #[test]
    fn a_line_with_nothing_in_its_way_is_straight() {
        let path = points(&thread(
            (0.0, 0.0),
            &[gate(-10.0, 50.0, 10.0), gate(0.0, 100.0, 50.0)],
            (100.0, 100.0),
        ));
        assert_eq!(path, vec![(0.0, 0.0), (100.0, 100.0)]);
    }

    #[test]
    fn a_line_bends_at_the_ends_of_the_gates_in_its_way() {
        // Down to 100 along, through a gate that ends at 20 halfway: one bend there.
        let path = points(&thread(
            (0.0, 0.0),
            &[gate(-50.0, 20.0, 50.0)],
            (100.0, 100.0),
        ));
        assert_eq!(path, vec![(0.0, 0.0), (20.0, 50.0), (100.0, 100.0)]);
        // And the other way round, through a gate that starts at 80.
        let path = points(&thread(
            (0.0, 0.0),
            &[gate(80.0, 200.0, 50.0)],
            (0.0, 100.0),
        ));
        assert_eq!(path, vec![(0.0, 0.0), (80.0, 50.0), (0.0, 100.0)]);
    }

    #[test]
    fn a_line_through_a_zigzag_bends_at_each_gate_that_forces_it() {
        let gates = [
            gate(90.0, 100.0, 20.0),
            gate(90.0, 100.0, 30.0),
            gate(0.0, 10.0, 60.0),
            gate(0.0, 10.0, 70.0),
        ];
        let path = points(&thread((0.0, 0.0), &gates, (100.0, 100.0)));
        assert_eq!(
            path,
            vec![
                (0.0, 0.0),
                (90.0, 20.0),
                (90.0, 30.0),
                (10.0, 60.0),
                (10.0, 70.0),
                (100.0, 100.0)
            ]
        );
    }

    #[test]
    fn every_piece_of_the_line_stays_within_every_gate_it_crosses() {
        let mut next = crate::layout::test_sequence(11);
        for _ in 0..500 {
            let mut gates = Vec::new();
            let mut across = 0.0;
            for _ in 0..=next(6) {
                across += 1.0 + next(40) as f64;
                let lo = next(200) as f64 - 100.0;
                let hi = lo + next(60) as f64;
                gates.push(gate(lo, hi, across));
            }
            let from = (next(100) as f64 - 50.0, -1.0);
            let to = (next(100) as f64 - 50.0, across + 1.0 + next(20) as f64);
            let path = points(&thread(from, &gates, to));
            assert_eq!(path[0], from);
            assert_eq!(path[path.len() - 1], to);
            for g in &gates {
                let piece = path
                    .windows(2)
                    .find(|w| w[0].1 <= g.across && g.across <= w[1].1)
                    .expect("a piece crosses every gate");
                let (p, q) = (piece[0], piece[1]);
                let t = if q.1 > p.1 {
                    (g.across - p.1) / (q.1 - p.1)
                } else {
                    0.0
                };
                let at = p.0 + t * (q.0 - p.0);
                assert!(
                    at >= g.lo - 1e-6 && at <= g.hi + 1e-6,
                    "{path:?} crosses {g:?} at {at}"
                );
            }
        }
    }
}
