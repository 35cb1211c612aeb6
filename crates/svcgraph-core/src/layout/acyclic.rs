//! Cycle breaking: the Eades–Lin–Smyth greedy heuristic for a small feedback arc set, then a
//! local search on its vertex sequence.
//!
//! Sinks are peeled off to the right end of a vertex sequence, sources to the left end, and
//! when neither is left the vertex with the largest out-degree minus in-degree goes left.
//! Edges that point backwards in the sequence are the ones to reverse. Bucket queues keyed by
//! that degree difference keep it O(V + E); ties are broken by input order (last pushed first),
//! so the same input always gives the same result.
//!
//! The greedy choice goes wrong where a vertex is peeled early for its degrees alone; on large
//! call graphs that leaves calls back up unreversed, and each stretches the layering across
//! the tiers. So each vertex is then moved, in turn, to the place in the sequence where the
//! fewest of its own edges point backwards (a few passes, O(E log E) each): never more
//! reversed edges than the greedy pass, usually far fewer.

use super::Csr;

/// For each edge, whether it must be reversed to make the graph acyclic. `edges` holds no
/// self-loops. Three sequences are refined by the local search (Eades–Lin–Smyth's, a
/// depth-first and a breadth-first one from the entry points); of those that reverse no more
/// edges than plain Eades–Lin–Smyth, the one whose layering stretches least wins, each
/// reversal counting as [`REVERSAL_COST`] layers of span. On call graphs with calls back up,
/// the orders from the entry points keep the tiers where the greedy order stretches them.
///
/// Beyond [`SEARCH_ORDERS_UP_TO`] vertices only the spring order is a candidate, refined and
/// not, and it may reverse more edges than Eades–Lin–Smyth: on a large call graph the
/// smallest set of reversals found is no longer the calls back up but a mix of them and
/// calls down, and the layering that gives stretches over hundreds of layers (tiered calls
/// with 5 % back up at 100,000 services: 225 layers for 5,700 reversals, 14 for 12,700).
/// The stretch counted in the cost decides alone.
///
/// With the reversals comes the layering of the graph so oriented ([`super::rank::layers`])
/// when it was had on the side: on the largest graphs, while a second thread refines the
/// spring order, this one lays out the layers of the unrefined order, and when that wins
/// they are not laid out again.
pub(super) fn reversal(n: usize, edges: &[(u32, u32)]) -> (Vec<bool>, Option<Vec<u32>>) {
    let (candidates, layer) = choices(n, edges);
    let reversed = candidates
        .into_iter()
        .next()
        .unwrap_or_else(|| vec![false; edges.len()]);
    (reversed, layer)
}

/// The reversals of [`reversal`] alone.
#[cfg(test)]
pub(super) fn reversed_edges(n: usize, edges: &[(u32, u32)]) -> Vec<bool> {
    reversal(n, edges).0
}

/// The distinct sets of reversals [`reversal`] chooses from, cheapest first (the
/// first is its choice): for a caller that judges them by more than their cost. Empty when
/// the graph has no cycle.
pub(super) fn candidates(n: usize, edges: &[(u32, u32)]) -> Vec<Vec<bool>> {
    choices(n, edges).0
}

/// The calls that a depth-first search along the calls finds pointing back to a vertex on
/// its path, as dot breaks cycles: one search starting from the vertices in input order,
/// one in reverse input order. Two sets of reversals, for a caller that judges them by the
/// crossings they leave: unlike [`candidates`], they are not held to the greedy count. On
/// meshes they reverse two to three times as many calls as Eades–Lin–Smyth, and their
/// deeper layering can cross a third less, or more; where the search starts changes that as
/// much (BENCHMARKS.md). Empty when the graph has no cycle.
pub(super) fn search_reversals(n: usize, edges: &[(u32, u32)]) -> Vec<Vec<bool>> {
    let Some((out, _)) = cyclic(n, edges) else {
        return Vec::new();
    };
    [
        search_order(n, &out, 0..n),
        search_order(n, &out, (0..n).rev()),
    ]
    .iter()
    .map(|position| backwards(edges, position))
    .collect()
}

/// How many edges `reversed` marks.
pub(super) fn reversals(reversed: &[bool]) -> usize {
    reversed.iter().filter(|&&r| r).count()
}

/// For each edge, whether it points backwards in the vertex sequence (`position`, each
/// vertex's place).
fn backwards(edges: &[(u32, u32)], position: &[usize]) -> Vec<bool> {
    edges
        .iter()
        .map(|&(s, t)| position[s as usize] > position[t as usize])
        .collect()
}

/// [`candidates`], and the layering of the first when it was had on the side.
fn choices(n: usize, edges: &[(u32, u32)]) -> (Vec<Vec<bool>>, Option<Vec<u32>>) {
    let Some((out, inc)) = cyclic(n, edges) else {
        return (Vec::new(), None);
    };
    let (out, inc) = (&out, &inc);
    let large = n > SEARCH_ORDERS_UP_TO;
    // Beyond a size no candidate is held to the greedy order's count, so it is not needed.
    let greedy = (!large).then(|| greedy_order(out, inc));
    let backwards = |position: &[usize]| backwards(edges, position);
    let cap = greedy
        .as_ref()
        .map_or(usize::MAX, |g| reversals(&backwards(g)));
    let spring = spring_order(out, inc, large);
    let mut candidates = Vec::new();
    // The greedy and search orders stretch large graphs far more than the spring order does
    // (tens or hundreds of layers against a few), so beyond a size only the spring order
    // is refined.
    if let Some(greedy) = &greedy {
        candidates.push(refine(out, inc, greedy));
        candidates.push(refine(out, inc, &depth_first_order(n, out, inc)));
        candidates.push(refine(out, inc, &breadth_first_order(n, out, inc)));
    }
    // The reversals a sequence gives, and what they cost, if it may be chosen.
    let judged = |position: &[usize]| {
        let reversed = backwards(position);
        let count = reversals(&reversed);
        (count <= cap).then(|| {
            let cost = span_cost(n, edges, &reversed) + REVERSAL_COST * count;
            (cost, reversed)
        })
    };
    // The refined spring order, and the spring order itself unrefined (the local search cuts
    // reversals but can stretch the tiers): on the largest graphs, one on a second thread,
    // while this one lays out the unrefined order's layers in case it wins.
    let worth = large && edges.len() >= crate::parallel::WORTH_A_THREAD;
    let (refined, (unrefined, unrefined_layer)) = crate::parallel::join_beside(
        worth,
        || judged(&refine(out, inc, &spring)),
        |concurrent| {
            let unrefined = judged(&spring);
            let layer = unrefined
                .as_ref()
                .filter(|_| concurrent)
                .map(|(_, reversed)| super::rank::layers(n, &oriented(edges, reversed)));
            (unrefined, layer)
        },
    );
    let mut judgements: Vec<_> = candidates.iter().map(|p| judged(p)).collect();
    let unrefined_reversed = unrefined.as_ref().map(|(_, r)| r.clone());
    judgements.push(refined);
    judgements.push(unrefined);
    // Cheapest first; of equal cost, the earlier (a stable sort).
    let mut judged: Vec<(usize, Vec<bool>)> = judgements.into_iter().flatten().collect();
    judged.sort_by_key(|j| j.0);
    let mut distinct: Vec<Vec<bool>> = Vec::with_capacity(judged.len());
    for (_, reversed) in judged {
        if !distinct.contains(&reversed) {
            distinct.push(reversed);
        }
    }
    let layer = unrefined_layer.filter(|_| distinct.first() == unrefined_reversed.as_ref());
    (distinct, layer)
}

/// For each edge, whether it must be reversed to make the graph acyclic, caring only that
/// few are: Eades–Lin–Smyth's sequence, refined by the local search up to
/// [`REFINE_EDGES_UP_TO`] edges.
pub(super) fn few_reversed(n: usize, edges: &[(u32, u32)]) -> Vec<bool> {
    let Some((out, inc)) = cyclic(n, edges) else {
        return vec![false; edges.len()];
    };
    let greedy = greedy_order(&out, &inc);
    let position = if edges.len() <= REFINE_EDGES_UP_TO {
        refine(&out, &inc, &greedy)
    } else {
        greedy
    };
    edges
        .iter()
        .map(|&(s, t)| position[s as usize] > position[t as usize])
        .collect()
}

/// Most edges for which [`few_reversed`] runs the local search (a few milliseconds).
const REFINE_EDGES_UP_TO: usize = 20_000;

/// The graph's adjacency, out and in, or `None` when it has no cycle (one topological sort
/// finds that out) and every edge may stay.
fn cyclic(n: usize, edges: &[(u32, u32)]) -> Option<(Csr, Csr)> {
    let out = Csr::new(n, edges.iter().copied());
    let inc = Csr::new(n, edges.iter().map(|&(s, t)| (t, s)));
    (super::rank::topological_order(n, &out, &inc).len() < n).then_some((out, inc))
}

/// Eades–Lin–Smyth's vertex sequence: each vertex's place in it.
fn greedy_order(out: &Csr, inc: &Csr) -> Vec<usize> {
    let mut peel = Peeling::new(out, inc);
    let n = peel.n;
    let mut left: Vec<u32> = Vec::with_capacity(n);
    let mut right: Vec<u32> = Vec::new();
    while let Some((v, to_left)) = peel.next_vertex() {
        peel.remove(v);
        if to_left {
            left.push(v as u32);
        } else {
            right.push(v as u32);
        }
    }
    let mut greedy = vec![0usize; n];
    for (i, &v) in left.iter().chain(right.iter().rev()).enumerate() {
        greedy[v as usize] = i;
    }
    greedy
}

/// Most vertices for which the Eades–Lin–Smyth, depth-first and breadth-first orders are
/// candidates, and for which no candidate may reverse more edges than Eades–Lin–Smyth.
const SEARCH_ORDERS_UP_TO: usize = 20_000;

/// What a reversed edge costs, in layers of edge span: readers pay for an edge drawn against
/// the flow.
const REVERSAL_COST: usize = 8;

/// The edges with those marked in `reversed` turned around.
pub(super) fn oriented(edges: &[(u32, u32)], reversed: &[bool]) -> Vec<(u32, u32)> {
    edges
        .iter()
        .zip(reversed)
        .map(|(&(s, t), &r)| if r { (t, s) } else { (s, t) })
        .collect()
}

/// Total span beyond one layer of the edges, oriented by `reversed`, in a longest-path
/// layering: a cheap measure of how far a choice stretches the drawing.
fn span_cost(n: usize, edges: &[(u32, u32)], reversed: &[bool]) -> usize {
    let dag = oriented(edges, reversed);
    let out = Csr::new(n, dag.iter().copied());
    let inc = Csr::new(n, dag.iter().map(|&(s, t)| (t, s)));
    let (_, layer) = super::rank::longest_path(n, &out, &inc);
    dag.iter()
        .map(|&(s, t)| (layer[t as usize] - layer[s as usize]) as usize - 1)
        .sum()
}

/// Passes of the local search over all vertices.
const REFINE_PASSES: usize = 6;

/// Moves each vertex to the place in the sequence (`position`, a permutation) where the
/// fewest of its edges point backwards, pass after pass until nothing moves; returns the new
/// permutation. A move never adds a backward edge, so the total only falls.
fn refine(out: &Csr, inc: &Csr, position: &[usize]) -> Vec<usize> {
    let n = position.len();
    let mut key: Vec<f64> = position.iter().map(|&p| p as f64).collect();
    // (neighbour's key, +1 for a callee: edges to callees left of the vertex point back)
    let mut around: Vec<(f64, i32)> = Vec::new();
    for _ in 0..REFINE_PASSES {
        let mut moved = false;
        for v in 0..n {
            around.clear();
            around.extend(out.neighbours(v).iter().map(|&w| (key[w as usize], 1)));
            around.extend(inc.neighbours(v).iter().map(|&u| (key[u as usize], -1)));
            if around.is_empty() {
                continue;
            }
            around.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            // Placed before every neighbour, all the callers are on the wrong side.
            let mut cost = i64::try_from(inc.neighbours(v).len()).unwrap_or(i64::MAX);
            let current: i64 = around
                .iter()
                .map(|&(k, side)| {
                    i64::from((side == 1 && k < key[v]) || (side == -1 && k > key[v]))
                })
                .sum();
            // The gap v is in now; of the best gaps, the nearest one wins, so that vertices
            // move no further than they must (far moves stretch the layering).
            let here = around.partition_point(|a| a.0 < key[v]);
            let (mut best, mut best_gap) = (cost, 0usize);
            for (i, &(_, side)) in around.iter().enumerate() {
                cost += i64::from(side);
                // Only gaps between distinct keys are places to go.
                let distinct = around.get(i + 1).is_none_or(|next| next.0 > around[i].0);
                if distinct
                    && (cost < best
                        || (cost == best && (i + 1).abs_diff(here) < best_gap.abs_diff(here)))
                {
                    best = cost;
                    best_gap = i + 1;
                }
            }
            if best < current {
                key[v] = match (best_gap.checked_sub(1), around.get(best_gap)) {
                    (None, Some(first)) => first.0 - 1.0,
                    (Some(i), None) => around[i].0 + 1.0,
                    (Some(i), Some(next)) => around[i].0.midpoint(next.0),
                    (None, None) => key[v],
                };
                moved = true;
            }
        }
        // Back to whole numbers, so that midpoints never run out of precision.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| key[a].total_cmp(&key[b]).then(a.cmp(&b)));
        for (i, &v) in order.iter().enumerate() {
            key[v] = i as f64;
        }
        if !moved {
            break;
        }
    }
    key.iter().map(|&k| k as usize).collect()
}

/// A depth-first order: from the sources (entry points, in input order), then from any
/// vertex left, in reverse postorder, so that only the search's back edges point backwards.
/// On call graphs these are mostly the calls back up towards the callers. Iterative.
fn depth_first_order(n: usize, out: &Csr, inc: &Csr) -> Vec<usize> {
    let sources = (0..n).filter(|&v| inc.neighbours(v).is_empty());
    search_order(n, out, sources.chain(0..n))
}

/// A depth-first search along `out` from each of `starts` not reached before, in reverse
/// postorder: each vertex's place. Only the search's back edges point backwards.
fn search_order(n: usize, out: &Csr, starts: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut done = vec![false; n];
    let mut postorder: Vec<usize> = Vec::with_capacity(n);
    let mut stack: Vec<(u32, usize)> = Vec::new();
    for start in starts {
        if done[start] {
            continue;
        }
        done[start] = true;
        stack.push((start as u32, 0));
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            let v = v as usize;
            if let Some(&w) = out.neighbours(v).get(*next) {
                *next += 1;
                if !done[w as usize] {
                    done[w as usize] = true;
                    stack.push((w, 0));
                }
            } else {
                postorder.push(v);
                stack.pop();
            }
        }
    }
    let mut position = vec![0usize; n];
    for (i, &v) in postorder.iter().rev().enumerate() {
        position[v] = i;
    }
    position
}

/// A breadth-first order from the entry points: by distance from the nearest of them (tiers
/// of a call graph), then by index.
fn breadth_first_order(n: usize, out: &Csr, inc: &Csr) -> Vec<usize> {
    let mut depth = vec![u32::MAX; n];
    let mut queue = std::collections::VecDeque::new();
    // All entry points start together (depth 0), then whatever they do not reach.
    let entries: Vec<usize> = (0..n).filter(|&v| inc.neighbours(v).is_empty()).collect();
    for &root in &entries {
        depth[root] = 0;
        queue.push_back(root);
    }
    for root in std::iter::once(usize::MAX).chain(0..n) {
        if root != usize::MAX {
            if depth[root] != u32::MAX {
                continue;
            }
            depth[root] = 0;
            queue.push_back(root);
        }
        while let Some(v) = queue.pop_front() {
            for &w in out.neighbours(v) {
                if depth[w as usize] == u32::MAX {
                    depth[w as usize] = depth[v] + 1;
                    queue.push_back(w as usize);
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&v| (depth[v], v));
    let mut position = vec![0usize; n];
    for (i, &v) in order.iter().enumerate() {
        position[v] = i;
    }
    position
}

/// An order by a hierarchy score: the ranks `r` that best fit `r[t] = r[s] + 1` for every
/// edge in the least-squares sense (a spring model of the graph, each edge a spring of rest
/// length one), found by conjugate gradients on `(L + εI) r = in-weight − out-weight`, `L`
/// the graph's weighted Laplacian. Every edge pulls at once, so a few calls back up cannot
/// tie the tiers of a large graph together the way they mislead greedy and search orders.
/// Edges the ranks point backwards are weakened and the ranks solved again, so calls back
/// up pull ever less. O(E) per iteration, a fixed number of iterations.
///
/// On `large` graphs there are more rounds, and edges the ranks stretch beyond
/// [`SPRING_LONG`] are weakened too: a call that skips tiers (a service calling a database
/// directly) otherwise pulls its callee up towards its caller, until calls from the tier
/// just above point back and are reversed (at 100,000 services twice the calls back up, and
/// three times the layers).
fn spring_order(out: &Csr, inc: &Csr, large: bool) -> Vec<usize> {
    let n = out.vertices();
    let mut springs = Springs::new(out, inc);
    let mut r = vec![0.0f64; n];
    let (rounds, long) = if large {
        (SPRING_ROUNDS_LARGE, SPRING_LONG)
    } else {
        (SPRING_ROUNDS, f64::INFINITY)
    };
    for round in 0..rounds {
        if round > 0 {
            springs.weaken(&r, long);
        }
        // Each round starts from the last one's ranks, which the weakened edges move little.
        let iterations = if large && round > 0 {
            SPRING_ITERATIONS_AFTER
        } else {
            SPRING_ITERATIONS
        };
        springs.solve(&mut r, iterations);
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| r[a].total_cmp(&r[b]).then(a.cmp(&b)));
    let mut position = vec![0usize; n];
    for (i, &v) in order.iter().enumerate() {
        position[v] = i;
    }
    position
}

/// The spring model: each vertex's springs, its calls out (in edge order) then its calls in,
/// side by side, so that the product of the solver reads them in one run of memory. Built
/// once; the rounds change only the weights. A spring is one number: the other end in the
/// low 30 bits (a layout has fewer than 2^30 vertices) and its weight's class in the top
/// two, which keeps the run a quarter of the size of (end, weight) pairs.
struct Springs {
    start: Vec<usize>,
    /// How many of each vertex's springs are its calls out (the first ones).
    out: Vec<u32>,
    /// The springs, each as one number (above).
    ends: Vec<u32>,
}

/// The weights of the spring classes: full, an edge the ranks point backwards, an edge they
/// stretch too far.
const SPRING_WEIGHTS: [f64; 4] = [1.0, SPRING_BACK_WEIGHT, SPRING_LONG_WEIGHT, 1.0];
const SPRING_END: u32 = (1 << 30) - 1;
const FULL: u32 = 0;
const BACK: u32 = 1 << 30;
const LONG: u32 = 2 << 30;

/// A spring's other end and weight.
fn spring(s: u32) -> (usize, f64) {
    (
        (s & SPRING_END) as usize,
        SPRING_WEIGHTS[(s >> 30) as usize],
    )
}

impl Springs {
    /// The springs of the graph with adjacency `outs` and `ins`.
    fn new(outs: &Csr, ins: &Csr) -> Self {
        let n = outs.vertices();
        debug_assert!(n <= SPRING_END as usize);
        let mut start = Vec::with_capacity(n + 1);
        let mut out = Vec::with_capacity(n);
        let mut ends = Vec::with_capacity(outs.total() + ins.total());
        for v in 0..n {
            start.push(ends.len());
            out.push(outs.neighbours(v).len() as u32);
            ends.extend_from_slice(outs.neighbours(v));
            ends.extend_from_slice(ins.neighbours(v));
        }
        start.push(ends.len());
        Springs { start, out, ends }
    }

    fn around(&self, v: usize) -> &[u32] {
        &self.ends[self.start[v]..self.start[v + 1]]
    }

    /// Weakens the springs of edges the ranks `r` point backwards, and of those they stretch
    /// beyond `long`; the others get their full weight back.
    fn weaken(&mut self, r: &[f64], long: f64) {
        for v in 0..self.out.len() {
            let out = self.out[v] as usize;
            let (first, last) = (self.start[v], self.start[v + 1]);
            for (i, s) in self.ends[first..last].iter_mut().enumerate() {
                let u = (*s & SPRING_END) as usize;
                let stretch = if i < out { r[u] - r[v] } else { r[v] - r[u] };
                let class = if stretch > long {
                    LONG
                } else if stretch > 0.0 {
                    FULL
                } else {
                    BACK
                };
                *s = class | u as u32;
            }
        }
    }

    /// Conjugate gradients, preconditioned by the diagonal, for the ranks, from those in `r`.
    fn solve(&self, r: &mut [f64], iterations: usize) {
        let n = r.len();
        let degree: Vec<f64> = (0..n)
            .map(|v| self.around(v).iter().map(|&s| spring(s).1).sum::<f64>() + SPRING_EPSILON)
            .collect();
        // Each vertex's row alone: on the largest graphs the upper half of the vertices is
        // computed on a second thread, with the same sums.
        let rows = |x: &[f64], y: &mut [f64], first: usize| {
            for (i, y) in y.iter_mut().enumerate() {
                let v = first + i;
                let pull = self.around(v).iter().fold(0.0, |sum, &s| {
                    let (u, w) = spring(s);
                    sum + w * x[u]
                });
                *y = degree[v] * x[v] - pull;
            }
        };
        let apply = |x: &[f64], y: &mut [f64]| {
            let half = n / 2;
            let (lower, upper) = y.split_at_mut(half);
            crate::parallel::join(
                self.ends.len() >= crate::parallel::WORTH_A_THREAD,
                || rows(x, upper, half),
                || rows(x, lower, 0),
            );
        };
        // In-weight minus out-weight.
        let b: Vec<f64> = (0..n)
            .map(|v| {
                let (out, into) = self.around(v).split_at(self.out[v] as usize);
                let weight = |s: &u32| spring(*s).1;
                into.iter().map(weight).sum::<f64>() - out.iter().map(weight).sum::<f64>()
            })
            .collect();
        let mut ap = vec![0.0f64; n];
        apply(r, &mut ap);
        let mut residual: Vec<f64> = b.iter().zip(&ap).map(|(b, a)| b - a).collect();
        let mut z: Vec<f64> = residual.iter().zip(&degree).map(|(a, d)| a / d).collect();
        let mut p = z.clone();
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let mut rz = dot(&residual, &z);
        for _ in 0..iterations {
            if rz.abs() < 1e-12 {
                break;
            }
            apply(&p, &mut ap);
            let pap = dot(&p, &ap);
            if pap.abs() < 1e-300 {
                break;
            }
            let alpha = rz / pap;
            for v in 0..n {
                r[v] += alpha * p[v];
                residual[v] -= alpha * ap[v];
                z[v] = residual[v] / degree[v];
            }
            let next = dot(&residual, &z);
            let beta = next / rz;
            rz = next;
            for v in 0..n {
                p[v] = z[v] + beta * p[v];
            }
        }
    }
}

/// Rounds of solving and weakening the edges that point back.
const SPRING_ROUNDS: usize = 2;
/// ... on large graphs, where long edges are weakened too.
const SPRING_ROUNDS_LARGE: usize = 6;
/// Stretch (in ranks) beyond which an edge of a large graph is weakened.
const SPRING_LONG: f64 = 1.5;
/// Weight of such an edge in the next round. 1.5 and 0.05 over 6 rounds were the best of a
/// few tried on the service family at 100,000 (29 layers; 1.2 and 0.1 over 4 rounds: 34;
/// 1 and 0.02 over 8: 33).
const SPRING_LONG_WEIGHT: f64 = 0.05;
/// Weight of an edge the ranks point backwards, in the next round.
const SPRING_BACK_WEIGHT: f64 = 0.1;
/// Keeps the spring model's system regular (separate parts, isolated vertices).
const SPRING_EPSILON: f64 = 0.01;
/// Conjugate-gradient iterations of the spring model.
const SPRING_ITERATIONS: usize = 20;
/// ... in the rounds after the first on large graphs (at 100,000 services, 8 give the same
/// layers as 20, within 1 % of the dummies, in two thirds of the time).
const SPRING_ITERATIONS_AFTER: usize = 8;

/// The state of the peeling: remaining degrees and the queues vertices wait in.
struct Peeling<'a> {
    n: usize,
    out: &'a Csr,
    inc: &'a Csr,
    outdeg: Vec<usize>,
    indeg: Vec<usize>,
    removed: Vec<bool>,
    sinks: Vec<u32>,
    sources: Vec<u32>,
    /// Bucket `b` holds vertices with `outdeg - indeg == b - n`; entries may be stale.
    buckets: Vec<Vec<u32>>,
    top: usize,
}

impl<'a> Peeling<'a> {
    fn new(out: &'a Csr, inc: &'a Csr) -> Self {
        let n = out.vertices();
        let mut peel = Peeling {
            n,
            outdeg: (0..n).map(|v| out.neighbours(v).len()).collect(),
            indeg: (0..n).map(|v| inc.neighbours(v).len()).collect(),
            out,
            inc,
            removed: vec![false; n],
            sinks: Vec::new(),
            sources: Vec::new(),
            buckets: vec![Vec::new(); 2 * n + 1],
            top: 0,
        };
        // In reverse, so that popping from the end serves lower indices first.
        for v in (0..n).rev() {
            peel.queue(v);
        }
        peel
    }

    fn bucket(&self, v: usize) -> usize {
        self.n + self.outdeg[v] - self.indeg[v]
    }

    /// Puts `v` where it now belongs: sinks, sources, or its degree-difference bucket.
    fn queue(&mut self, v: usize) {
        if self.outdeg[v] == 0 {
            self.sinks.push(v as u32);
        } else if self.indeg[v] == 0 {
            self.sources.push(v as u32);
        } else {
            let b = self.bucket(v);
            self.buckets[b].push(v as u32);
            self.top = self.top.max(b);
        }
    }

    /// The next vertex to remove, and whether it goes to the left end of the sequence:
    /// sinks first (right end), then sources, then the largest out-minus-in degree.
    fn next_vertex(&mut self) -> Option<(usize, bool)> {
        while let Some(v) = self.sinks.pop() {
            if !self.removed[v as usize] {
                return Some((v as usize, false));
            }
        }
        while let Some(v) = self.sources.pop() {
            if !self.removed[v as usize] {
                return Some((v as usize, true));
            }
        }
        loop {
            let Some(v) = self.buckets[self.top].pop() else {
                if self.top == 0 {
                    return None;
                }
                self.top -= 1;
                continue;
            };
            let v = v as usize;
            let current = !self.removed[v]
                && self.outdeg[v] > 0
                && self.indeg[v] > 0
                && self.bucket(v) == self.top;
            if current {
                return Some((v, true));
            }
        }
    }

    fn remove(&mut self, v: usize) {
        self.removed[v] = true;
        for i in 0..self.out.neighbours(v).len() {
            let w = self.out.neighbours(v)[i] as usize;
            if !self.removed[w] {
                self.indeg[w] -= 1;
                self.queue(w);
            }
        }
        for i in 0..self.inc.neighbours(v).len() {
            let u = self.inc.neighbours(v)[i] as usize;
            if !self.removed[u] {
                self.outdeg[u] -= 1;
                self.queue(u);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_acyclic(n: usize, edges: &[(u32, u32)], reversed: &[bool]) -> bool {
        let dag = oriented(edges, reversed);
        let out = Csr::new(n, dag.iter().copied());
        let mut indeg = vec![0usize; n];
        for &(_, t) in &dag {
            indeg[t as usize] += 1;
        }
        let mut stack: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
        let mut seen = 0;
        while let Some(v) = stack.pop() {
            seen += 1;
            for &w in out.neighbours(v) {
                indeg[w as usize] -= 1;
                if indeg[w as usize] == 0 {
                    stack.push(w as usize);
                }
            }
        }
        seen == n
    }

    #[test]
    fn dags_stay_as_they_are() {
        let edges = [(0, 1), (1, 2), (0, 2), (2, 3)];
        assert_eq!(reversed_edges(4, &edges), [false; 4]);
    }

    #[test]
    fn a_search_reverses_the_calls_back_to_its_path_from_either_end() {
        // From 0: 0 -> 1 -> 2 -> 0 closes a cycle, then 2 -> 3 -> 1 another. From 3:
        // 3 -> 1 -> 2 -> 0 -> 1 and 2 -> 3.
        let edges = [(0, 1), (1, 2), (2, 0), (2, 3), (3, 1)];
        assert_eq!(
            search_reversals(4, &edges),
            [
                vec![false, false, true, false, true],
                vec![true, false, false, true, false]
            ]
        );
        assert!(search_reversals(4, &[(0, 1), (1, 2), (0, 2), (2, 3)]).is_empty());
    }

    #[test]
    fn cycles_lose_one_edge_each() {
        let edges = [(0, 1), (1, 2), (2, 0), (2, 3), (3, 2)];
        let reversed = reversed_edges(4, &edges);
        assert!(is_acyclic(4, &edges, &reversed));
        assert_eq!(reversed.iter().filter(|r| **r).count(), 2);
    }

    #[test]
    fn the_calls_back_up_are_reversed() {
        // 0 -> 1 -> 2 -> 3 with 3 -> 1 calling back up; 1 also calls 3 directly.
        let edges = [(0, 1), (1, 2), (2, 3), (3, 1), (1, 3)];
        assert_eq!(
            reversed_edges(4, &edges),
            [false, false, false, true, false]
        );
        let n = 200_000u32;
        let ring: Vec<(u32, u32)> = (0..n).map(|i| (i, (i + 1) % n)).collect();
        let order = depth_first_order(
            n as usize,
            &Csr::new(n as usize, ring.iter().copied()),
            &Csr::new(n as usize, ring.iter().map(|&(a, b)| (b, a))),
        );
        assert_eq!(
            ring.iter()
                .filter(|&&(s, t)| order[s as usize] > order[t as usize])
                .count(),
            1
        );
    }

    #[test]
    fn the_local_search_never_adds_a_backward_edge() {
        // Pseudo-random dense graphs from arbitrary starting sequences.
        let mut next = super::super::test_sequence(7);
        for n in [5usize, 20, 80] {
            let edges: Vec<(u32, u32)> = (0..4 * n)
                .map(|_| (next(n as u64) as u32, next(n as u64) as u32))
                .filter(|(a, b)| a != b)
                .collect();
            let out = Csr::new(n, edges.iter().copied());
            let inc = Csr::new(n, edges.iter().map(|&(a, b)| (b, a)));
            let mut start: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                start.swap(i, next(i as u64 + 1) as usize);
            }
            let back = |p: &[usize]| {
                edges
                    .iter()
                    .filter(|&&(s, t)| p[s as usize] > p[t as usize])
                    .count()
            };
            let refined = refine(&out, &inc, &start);
            let mut sorted = refined.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..n).collect::<Vec<_>>(), "a permutation");
            assert!(back(&refined) <= back(&start));
            let chosen = reversed_edges(n, &edges);
            assert!(is_acyclic(n, &edges, &chosen));
        }
    }

    /// `tiers` tiers of `per` services, each calling three services: one tier down four
    /// times in five, deeper otherwise, and with `back_percent` per cent to an earlier tier.
    fn tiered(tiers: usize, per: usize, back_percent: u64) -> (usize, Vec<(u32, u32)>) {
        let mut next = super::super::test_sequence(11);
        let n = tiers * per;
        let mut edges = Vec::new();
        for v in 0..n - per {
            let t = v / per;
            for _ in 0..3 {
                let callee = if t > 0 && next(100) < back_percent {
                    next((t * per) as u64) as usize
                } else if next(5) < 4 {
                    (t + 1) * per + next(per as u64) as usize
                } else {
                    (t + 1 + next((tiers - t - 1) as u64) as usize) * per
                        + next(per as u64) as usize
                };
                edges.push((v as u32, callee as u32));
            }
        }
        edges.sort_unstable();
        edges.dedup();
        (n, edges)
    }

    #[test]
    fn a_large_tiered_graph_keeps_its_tiers() {
        // Beyond the size where only the spring order is a candidate: the calls back up are
        // reversed, not a smaller mix of calls up and down that stretches the layering.
        let (tiers, back) = (8, 5);
        let (n, edges) = tiered(tiers, 3_000, back);
        assert!(n > SEARCH_ORDERS_UP_TO);
        let reversed = reversed_edges(n, &edges);
        assert!(is_acyclic(n, &edges, &reversed));
        let up = edges.iter().filter(|&&(s, t)| t < s).count();
        let count = reversed.iter().filter(|&&r| r).count();
        assert!(count <= 2 * up, "{count} reversed for {up} calls back up");
        let dag = oriented(&edges, &reversed);
        let out = Csr::new(n, dag.iter().copied());
        let inc = Csr::new(n, dag.iter().map(|&(s, t)| (t, s)));
        let (_, layer) = super::super::rank::longest_path(n, &out, &inc);
        let layers = layer.iter().max().map_or(0, |&l| l as usize + 1);
        assert!(layers <= 2 * tiers, "{layers} layers for {tiers} tiers");
        assert_eq!(reversed_edges(n, &edges), reversed, "deterministic");
    }

    #[test]
    fn the_layering_had_on_the_side_is_the_chosen_reversals_layering() {
        // Large enough for the second thread: tiers with calls back up, and calls at random.
        // The unrefined spring order wins on both, so its layering is had on the side.
        let (n, tiers) = tiered(8, 3_000, 5);
        let mut next = super::super::test_sequence(3);
        let mut random: Vec<(u32, u32)> = (0..3 * n)
            .map(|_| (next(n as u64) as u32, next(n as u64) as u32))
            .filter(|(s, t)| s != t)
            .collect();
        random.sort_unstable();
        random.dedup();
        for edges in [tiers, random] {
            assert!(n > SEARCH_ORDERS_UP_TO && edges.len() >= crate::parallel::WORTH_A_THREAD);
            let (reversed, layer) = reversal(n, &edges);
            crate::parallel::ONE_THREAD.set(true);
            let alone = reversal(n, &edges);
            crate::parallel::ONE_THREAD.set(false);
            assert!(
                reversed == alone.0,
                "the same reversals on one thread and two"
            );
            assert!(
                alone.1.is_none(),
                "nothing is laid out on the side on one thread"
            );
            let layer = layer.expect("the layering had on the side");
            assert!(layer == super::super::rank::layers(n, &oriented(&edges, &reversed)));
        }
    }

    #[test]
    fn a_long_cycle_needs_no_recursion() {
        let n = 200_000u32;
        let edges: Vec<(u32, u32)> = (0..n).map(|i| (i, (i + 1) % n)).collect();
        let reversed = reversed_edges(n as usize, &edges);
        assert_eq!(reversed.iter().filter(|r| **r).count(), 1);
    }
}
