//! Edge routing between layers: ports along each node's side and a track of its own for each
//! edge in the channel between two layers.
//!
//! Drawing every edge as a curve through the middle of the channel puts the steep part of all
//! of them on one line, where edges from different services run on top of each other. Here an
//! edge leaves its node at a port of its own (a node's ports spread along its side, ordered
//! by where the other end is, so edges leaving one node do not cross each other), runs along
//! the flow into the channel, turns onto its track, runs across the flow to the height of its
//! next vertex and turns again. Many edges the same way into one node, or out of one, share
//! a trunk instead (a fan, as drawn by hand), so that a hub's calls do not take a track each.
//! Tracks are ordered as orthogonal routers order them: for each pair of runs across the flow
//! that overlap, the order that crosses fewer times wins (a trunk counts its members'
//! crossings), and an edge that starts at the height where another one ends goes first, so
//! that their runs along the flow never lie on top of each other. Those preferences form a
//! graph whose few cycles are broken with few reversals; then the tracks are filled one after
//! another, each with the runs whose predecessors are all placed, as many as fit without
//! touching. Very dense channels, and channels where the preferences would take far more
//! tracks than the densest point needs, fall back to a sort and a first-fit assignment,
//! linearithmic.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

use super::{Csr, Layered, acyclic};

/// Closest two ports of one node, along its side.
const PORT_GAP: f64 = 8.0;
/// Share of a node's side that its ports may use.
const PORT_SPAN: f64 = 0.8;
/// Runs across the flow at least this far apart; more than twice the distance at which two
/// lines read as one.
pub(super) const TRACK_GAP: f64 = 5.0;
/// Least distance between tracks, where an earlier drawing's layers are kept in place.
pub(super) const MIN_TRACK_GAP: f64 = 2.5;
/// Offsets along the layer up to this are drawn as a slight slope, without a track.
const STRAIGHT: f64 = 3.0;
/// Clearance between two runs on one track.
const TRACK_CLEARANCE: f64 = 4.0;
/// Pairs of overlapping runs in one channel beyond which the tracks are assigned by sorting.
const PAIR_LIMIT: usize = 50_000;
/// Runs the same way into one vertex, or out of one, from which they share a trunk.
const TRUNK_MIN: u32 = 8;
/// Pairs of runs compared, and runs looked at while filling one channel's tracks in order,
/// beyond which they are assigned by sorting.
const FILL_LIMIT: usize = 1_000_000;

/// Where segments meet their vertices along the layer: `out[k]` at the upper end of segment
/// `k`, `into[k]` at its lower end.
pub(super) struct Ports {
    pub out: Vec<f64>,
    pub into: Vec<f64>,
}

/// Spreads the segments at each vertex along its side. `x` is each vertex's center along the
/// layer, `side` the length of a node's side (0 for dummies), `line` where a dummy's line runs
/// relative to its center (beside a label).
pub(super) fn ports(
    l: &Layered,
    segments: &[(u32, u32)],
    x: &[f64],
    side: &[f64],
    line: &[f64],
) -> Ports {
    let n = l.layer.len();
    let mut out = vec![0.0; segments.len()];
    let mut into = vec![0.0; segments.len()];
    let leaving = Csr::new(
        n,
        segments
            .iter()
            .enumerate()
            .map(|(k, &(u, _))| (u, k as u32)),
    );
    let entering = Csr::new(
        n,
        segments
            .iter()
            .enumerate()
            .map(|(k, &(_, w))| (w, k as u32)),
    );
    let mut order: Vec<u32> = Vec::new();
    for v in 0..n {
        for (list, far, place) in [
            (leaving.neighbours(v), 1usize, &mut out),
            (entering.neighbours(v), 0usize, &mut into),
        ] {
            order.clear();
            order.extend_from_slice(list);
            let other = |k: u32| {
                let (u, w) = segments[k as usize];
                if far == 1 { w } else { u }
            };
            order.sort_by(|&a, &b| {
                x[other(a) as usize]
                    .total_cmp(&x[other(b) as usize])
                    .then(other(a).cmp(&other(b)))
                    .then(a.cmp(&b))
            });
            let count = order.len();
            let step = if count > 1 {
                PORT_GAP.min(PORT_SPAN * side[v] / (count - 1) as f64)
            } else {
                0.0
            };
            for (j, &k) in order.iter().enumerate() {
                place[k as usize] = x[v] + line[v] + (j as f64 - (count as f64 - 1.0) / 2.0) * step;
            }
        }
    }
    Ports { out, into }
}

/// Tracks in each channel: `track[k]` for segment `k` (`u32::MAX` for a straight run), and
/// the number of tracks per channel (channel `i` lies between layers `i` and `i + 1`).
pub(super) struct Tracks {
    pub track: Vec<u32>,
    pub count: Vec<u32>,
}

impl Tracks {
    /// No tracks at all (curved edges are threaded instead), for `segments` segments across
    /// `channels` channels.
    pub(super) fn none(segments: usize, channels: usize) -> Self {
        Tracks {
            track: vec![u32::MAX; segments],
            count: vec![0; channels],
        }
    }
}

/// A run across the flow in one channel, from where it leaves the layer above to where it
/// enters the layer below.
#[derive(Clone, Copy)]
struct Run {
    segment: u32,
    from: f64,
    to: f64,
}

impl Run {
    fn lo(&self) -> f64 {
        self.from.min(self.to)
    }
    fn hi(&self) -> f64 {
        self.from.max(self.to)
    }
    /// Strictly inside the run's extent.
    fn holds(&self, y: f64) -> bool {
        self.lo() < y && y < self.hi()
    }
}

/// Assigns tracks to the runs of every channel. A segment whose offset along the layer is
/// at most [`STRAIGHT`] needs none: it is drawn as a slight slope.
pub(super) fn tracks(l: &Layered, segments: &[(u32, u32)], ports: &Ports) -> Tracks {
    let channels = l.layers.len().saturating_sub(1);
    let trunk = trunks(l.layer.len(), segments, ports);
    // Each channel's runs, a trunk's members together.
    let mut members: Vec<Vec<(u32, Run)>> = vec![Vec::new(); channels];
    for (k, &(u, _)) in segments.iter().enumerate() {
        if trunk[k] != u32::MAX {
            members[l.layer[u as usize] as usize].push((
                trunk[k],
                Run {
                    segment: k as u32,
                    from: ports.out[k],
                    to: ports.into[k],
                },
            ));
        }
    }
    let mut track = vec![u32::MAX; segments.len()];
    let mut count = vec![0u32; channels];
    for (c, channel) in members.iter_mut().enumerate() {
        channel.sort_by_key(|&(t, run)| (t, run.segment));
        // One run per trunk, spanning its members.
        let mut groups: Vec<(Run, &[(u32, Run)])> = channel
            .chunk_by(|a, b| a.0 == b.0)
            .map(|group| {
                let first = group[0].1;
                let down = first.to > first.from;
                let run = group.iter().fold(first, |acc, &(_, m)| Run {
                    segment: acc.segment,
                    from: if down {
                        acc.from.min(m.from)
                    } else {
                        acc.from.max(m.from)
                    },
                    to: if down {
                        acc.to.max(m.to)
                    } else {
                        acc.to.min(m.to)
                    },
                });
                (run, group)
            })
            .collect();
        // Deterministic order: by extent, then segment.
        groups.sort_by(|(a, _), (b, _)| {
            a.lo()
                .total_cmp(&b.lo())
                .then(a.hi().total_cmp(&b.hi()))
                .then(a.segment.cmp(&b.segment))
        });
        let runs: Vec<Run> = groups.iter().map(|g| g.0).collect();
        // Preferences can chain runs into more tracks than the channel's densest point
        // needs; beyond a margin, fewer tracks (a wider drawing costs more than a few
        // crossings) win.
        let fewest = first_fit(&runs);
        let fewest_count = fewest.iter().max().map_or(0, |&t| t + 1);
        let of = |i: usize| groups[i].1.iter().map(|&(_, m)| m);
        let assigned = match ordered_tracks(&runs, of) {
            Some(ordered) if ordered.iter().max().map_or(0, |&t| t + 1) <= 4 * fewest_count + 4 => {
                ordered
            }
            _ => fewest,
        };
        for ((_, group), &t) in groups.iter().zip(&assigned) {
            for &(_, m) in *group {
                track[m.segment as usize] = t;
            }
            count[c] = count[c].max(t + 1);
        }
    }
    Tracks { track, count }
}

/// For each segment with a run across the flow, the trunk it runs on: the first segment of
/// those it shares one with, else itself; `u32::MAX` for a straight run. Many runs the same
/// way into one vertex, or out of one, share a trunk: they meet in it as a fan does, where a
/// track each would make the channel as wide as the fan is large.
fn trunks(vertices: usize, segments: &[(u32, u32)], ports: &Ports) -> Vec<u32> {
    let runs = |k: usize| (ports.out[k] - ports.into[k]).abs() > STRAIGHT;
    // A fan: the runs into one vertex, or out of it, going down or up.
    let fan = |k: usize, into: bool| {
        let (u, w) = segments[k];
        let v = if into { w } else { u } as usize;
        4 * v + 2 * usize::from(into) + usize::from(ports.into[k] > ports.out[k])
    };
    let mut size = vec![0u32; 4 * vertices];
    for k in (0..segments.len()).filter(|&k| runs(k)) {
        size[fan(k, true)] += 1;
        size[fan(k, false)] += 1;
    }
    let mut first = vec![u32::MAX; 4 * vertices];
    (0..segments.len())
        .map(|k| {
            if !runs(k) {
                return u32::MAX;
            }
            let (into, out) = (fan(k, true), fan(k, false));
            let f = if size[into] >= size[out] { into } else { out };
            if size[f] >= TRUNK_MIN {
                if first[f] == u32::MAX {
                    first[f] = k as u32;
                }
                first[f]
            } else {
                k as u32
            }
        })
        .collect()
}

/// Crossings of two runs in a channel with a's track first (nearer the upper layer), and
/// with b's first. b's entry run crosses a's track run when b starts inside a's extent, and
/// a's exit run crosses b's track run when a ends inside b's; the other order likewise. A
/// run that starts where another ends must go first, or their runs along the flow would lie
/// on top of each other: the other order counts as four crossings.
fn pair_cost(a: &Run, b: &Run) -> (u32, u32) {
    let mut a_first = u32::from(a.holds(b.from)) + u32::from(b.holds(a.to));
    let mut b_first = u32::from(b.holds(a.from)) + u32::from(a.holds(b.to));
    if (a.from - b.to).abs() < TRACK_CLEARANCE {
        b_first += 4;
    }
    if (b.from - a.to).abs() < TRACK_CLEARANCE {
        a_first += 4;
    }
    (a_first, b_first)
}

/// Tracks from pairwise preferences, or `None` when the channel has too many overlapping
/// pairs or its tracks take too long to fill. `runs` is sorted by the low end of their
/// extent; `members(i)` are the runs drawn on run `i`'s track (itself, or a trunk's).
fn ordered_tracks<M: Iterator<Item = Run>>(
    runs: &[Run],
    members: impl Fn(usize) -> M,
) -> Option<Vec<u32>> {
    let n = runs.len();
    // Pairs whose runs overlap need tracks of their own (the filling below sees to that);
    // those where one order crosses fewer times also need that order.
    let mut pairs = 0usize;
    let mut arcs: Vec<(u32, u32)> = Vec::new();
    let mut work = 0usize;
    for (i, a) in runs.iter().enumerate() {
        for (j, b) in runs.iter().enumerate().skip(i + 1) {
            if b.lo() > a.hi() + TRACK_CLEARANCE {
                break;
            }
            pairs += 1;
            if pairs > PAIR_LIMIT {
                return None;
            }
            work += members(i).count() * members(j).count();
            if work > FILL_LIMIT {
                return None;
            }
            let (mut a_first, mut b_first) = (0, 0);
            for x in members(i) {
                for y in members(j) {
                    let (p, q) = pair_cost(&x, &y);
                    a_first += p;
                    b_first += q;
                }
            }
            // Where both orders cross equally often (a run nested in another going the same
            // way, or two going opposite ways) the pair is left free: such ties, ordered
            // arbitrarily, chained runs into far more tracks than they need.
            match a_first.cmp(&b_first) {
                Ordering::Less => arcs.push((i as u32, j as u32)),
                Ordering::Greater => arcs.push((j as u32, i as u32)),
                Ordering::Equal => {}
            }
        }
    }
    let reversed = acyclic::few_reversed(n, &arcs);
    let dag = acyclic::oriented(&arcs, &reversed);
    let after = Csr::new(n, dag.iter().copied());
    let before = Csr::new(n, dag.iter().map(|&(a, b)| (b, a)));
    // The longest chain of runs that must come after each run.
    let order = super::rank::topological_order(n, &after, &before);
    let mut tail = vec![0u32; n];
    for &r in order.iter().rev() {
        for &next in after.neighbours(r as usize) {
            tail[r as usize] = tail[r as usize].max(tail[next as usize] + 1);
        }
    }
    let mut waiting: Vec<u32> = (0..n).map(|r| before.neighbours(r).len() as u32).collect();
    // Constrained left edge: fill one track at a time with the runs whose predecessors all
    // lie on earlier tracks and that clear the runs already on it, those with the longest
    // chain after them first.
    let mut track = vec![u32::MAX; n];
    let mut left: Vec<u32> = (0..n as u32).collect();
    let mut ready: Vec<u32> = Vec::new();
    let mut placed: Vec<u32> = Vec::new();
    // The runs on the track being filled, by low end: their high end.
    let mut on_track: BTreeMap<(Key, u32), f64> = BTreeMap::new();
    let mut t = 0u32;
    while !left.is_empty() {
        work += left.len();
        if work > FILL_LIMIT {
            return None;
        }
        ready.clear();
        ready.extend(left.iter().copied().filter(|&r| waiting[r as usize] == 0));
        ready.sort_by(|&a, &b| tail[b as usize].cmp(&tail[a as usize]).then(a.cmp(&b)));
        on_track.clear();
        placed.clear();
        for &r in &ready {
            let run = &runs[r as usize];
            let (lo, hi) = (run.lo(), run.hi());
            let clear_below = on_track
                .range(..(Key(lo), u32::MAX))
                .next_back()
                .is_none_or(|(_, &end)| end + TRACK_CLEARANCE < lo);
            let clear_above = on_track
                .range((Key(lo), 0)..)
                .next()
                .is_none_or(|(&(Key(start), _), _)| hi + TRACK_CLEARANCE < start);
            if clear_below && clear_above {
                on_track.insert((Key(lo), r), hi);
                track[r as usize] = t;
                placed.push(r);
            }
        }
        left.retain(|&r| track[r as usize] == u32::MAX);
        for &r in &placed {
            for &next in after.neighbours(r as usize) {
                waiting[next as usize] -= 1;
            }
        }
        t += 1;
    }
    Some(track)
}

/// Fewest tracks, first come first served in order of extent: every run gets the lowest
/// track free at its low end.
fn first_fit(runs: &[Run]) -> Vec<u32> {
    // Busy tracks by the end of their last run, and free tracks, both smallest first.
    let mut busy: BinaryHeap<std::cmp::Reverse<(Key, u32)>> = BinaryHeap::new();
    let mut free: BinaryHeap<std::cmp::Reverse<u32>> = BinaryHeap::new();
    let mut next = 0u32;
    runs.iter()
        .map(|run| {
            while let Some(std::cmp::Reverse((Key(end), t))) = busy.peek().copied() {
                if end + TRACK_CLEARANCE >= run.lo() {
                    break;
                }
                busy.pop();
                free.push(std::cmp::Reverse(t));
            }
            let t = free.pop().map_or_else(
                || {
                    next += 1;
                    next - 1
                },
                |std::cmp::Reverse(t)| t,
            );
            busy.push(std::cmp::Reverse((Key(run.hi()), t)));
            t
        })
        .collect()
}

/// A finite coordinate ordered totally, for the heap.
#[derive(Clone, Copy, PartialEq)]
struct Key(f64);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(segment: u32, from: f64, to: f64) -> Run {
        Run { segment, from, to }
    }

    #[test]
    fn overlapping_runs_get_tracks_of_their_own_and_others_share() {
        let runs = [run(0, 0.0, 50.0), run(1, 10.0, 60.0), run(2, 100.0, 150.0)];
        let t = ordered_tracks(&runs, |i| std::iter::once(runs[i])).expect("few pairs");
        assert_ne!(t[0], t[1]);
        assert_eq!(t[2], 0, "a run apart from the others takes the first track");
        // Two runs down: the one that starts lower goes first, and neither crosses.
        assert!(t[1] < t[0]);
        let f = first_fit(&runs);
        assert_ne!(f[0], f[1]);
        assert_eq!(f[2], 0);
    }

    #[test]
    fn a_run_that_starts_where_another_ends_goes_first() {
        // The second run starts at 40, where the first ends: its run along the flow into the
        // channel would lie on the first one's run out of it unless it turns first.
        let runs = [run(0, 0.0, 40.0), run(1, 40.0, 80.0)];
        let t = ordered_tracks(&runs, |i| std::iter::once(runs[i])).expect("few pairs");
        assert!(t[1] < t[0]);
    }

    /// Crossings between the runs of a channel, drawn with the given tracks: each run turns
    /// from its start onto its track, runs across to its end and turns again.
    fn crossings(runs: &[Run], track: &[u32]) -> u32 {
        let mut count = 0;
        for (i, a) in runs.iter().enumerate() {
            for (j, b) in runs.iter().enumerate().skip(i + 1) {
                let (first, second) = if track[i] < track[j] { (a, b) } else { (b, a) };
                count += u32::from(first.holds(second.from)) + u32::from(second.holds(first.to));
            }
        }
        count
    }

    #[test]
    fn runs_that_cross_once_whichever_goes_first_are_not_chained_onto_more_tracks() {
        // Down, up, down, up, each overlapping the next only: every neighbouring pair
        // crosses once in either order, so two tracks do.
        let runs = [
            run(0, 0.0, 10.0),
            run(1, 30.0, 5.0),
            run(2, 25.0, 50.0),
            run(3, 70.0, 45.0),
        ];
        let t = ordered_tracks(&runs, |i| std::iter::once(runs[i])).expect("few pairs");
        assert_eq!(t.iter().max(), Some(&1), "{t:?}");
        assert_eq!(crossings(&runs, &t), 3);
    }

    #[test]
    fn a_fan_of_runs_down_is_nested_without_crossings() {
        // One node's ports from 0 to 9, its calls ending further and further down, and a
        // call from elsewhere starting among their ends and ending below them all: no two
        // need to cross, and none do on the ordered tracks, while the fewest tracks make
        // them cross.
        let mut runs: Vec<Run> = (0..10)
            .map(|k| run(k, f64::from(k), 40.0 + 20.0 * f64::from(k)))
            .collect();
        runs.push(run(10, 210.0, 260.0));
        runs.sort_by(|a, b| a.lo().total_cmp(&b.lo()).then(a.hi().total_cmp(&b.hi())));
        let t = ordered_tracks(&runs, |i| std::iter::once(runs[i])).expect("few pairs");
        assert_eq!(crossings(&runs, &t), 0, "{t:?}");
        assert!(crossings(&runs, &first_fit(&runs)) > 0);
    }

    #[test]
    fn a_large_fan_into_one_vertex_shares_a_trunk_and_a_small_one_does_not() {
        // Vertex 0 is called from ten vertices above it, vertex 20 from three.
        let mut segments: Vec<(u32, u32)> = (1..=10).map(|u| (u, 0)).collect();
        segments.extend((21..=23).map(|u| (u, 20)));
        let mut out: Vec<f64> = (0..10).map(|k| f64::from(k) * 30.0).collect();
        let mut into: Vec<f64> = (0..10).map(|k| 400.0 + f64::from(k)).collect();
        out.extend([0.0, 10.0, 20.0]);
        into.extend([500.0, 501.0, 502.0]);
        let trunk = trunks(24, &segments, &Ports { out, into });
        assert!(trunk[..10].iter().all(|&t| t == 0), "{trunk:?}");
        assert_eq!(&trunk[10..], &[10, 11, 12]);
    }

    #[test]
    fn a_trunk_is_ordered_by_the_crossings_of_all_its_members() {
        // A trunk of three runs down, ending at 100, 110 and 120, and a run down from 105
        // to 200. With the trunk first, the run's entry at 105 crosses the two members still
        // running there, and its track crosses their exits at 110 and 120; with the run
        // first, nothing crosses. Alone, the first member (to 100) is not in its way at all.
        let trunk = [run(0, 0.0, 100.0), run(1, 1.0, 110.0), run(2, 2.0, 120.0)];
        let other = run(3, 105.0, 200.0);
        let runs = [run(0, 0.0, 120.0), other];
        let t = ordered_tracks(&runs, |i| {
            if i == 0 { trunk.to_vec() } else { vec![other] }.into_iter()
        })
        .expect("few pairs");
        assert!(t[1] < t[0], "{t:?}");
        let alone = ordered_tracks(&[trunk[0], other], |i| {
            std::iter::once([trunk[0], other][i])
        })
        .expect("few pairs");
        assert_eq!(alone, vec![0, 0], "runs apart share a track");
    }
}
