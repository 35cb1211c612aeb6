//! Layering: longest path from the sources, then network simplex within a work budget, then
//! a greedy span reduction.
//!
//! The number of dummy vertices is the total span of the edges minus their count, and it is
//! what the later phases cost and what makes a drawing hard to read (long edges crossing
//! everything). Network simplex (Gansner et al.) finds the layering of least total span: a
//! spanning tree of tight edges is improved by exchanging a tree edge of negative cut value
//! for the non-tree edge of least slack across the same cut. Here the cut value of a tree
//! edge is read off a subtree sum of each vertex's out-degree minus in-degree, and the tree's
//! numbering, ranks and cut values are recomputed after each exchange below the lowest
//! common ancestor of the entering edge's ends, where the tree changed: at most O(V) per
//! step (for one 300-service layering, 187 of 301 vertices on average). The edge to leave is
//! found among the tree edges of negative cut value, kept as a bit per edge. The work budget
//! still counts each step as a full renumbering and a scan of every edge, so where it stops
//! does not depend on either. Every intermediate tree gives a valid layering, so the budget
//! can stop the search at any step. The greedy pass that follows moves a vertex with more
//! outgoing than incoming edges down as far as its closest successor allows.

use super::{Csr, components};

const SPAN_REDUCTION_PASSES: usize = 3;
/// Work (vertices and edges visited) the network simplex may spend, beyond a multiple of
/// the graph's size.
const SIMPLEX_BASE_WORK: usize = 4_000_000;
/// The multiple of V + E the network simplex may spend on top of the base.
const SIMPLEX_WORK_PER_ITEM: usize = 20;

/// A layer per vertex of the DAG `edges`, the sources' lowest layer being 0.
pub(super) fn layers(n: usize, edges: &[(u32, u32)]) -> Vec<u32> {
    let out = Csr::new(n, edges.iter().copied());
    let inc = Csr::new(n, edges.iter().map(|&(s, t)| (t, s)));
    let (order, mut layer) = longest_path(n, &out, &inc);
    if n > 1 && !edges.is_empty() {
        let budget = SIMPLEX_BASE_WORK + SIMPLEX_WORK_PER_ITEM * (n + edges.len());
        Simplex::new(n, edges, &layer).run(budget, &mut layer);
    }

    for _ in 0..SPAN_REDUCTION_PASSES {
        let mut moved = false;
        for &v in order.iter().rev() {
            let v = v as usize;
            let (outs, ins) = (out.neighbours(v), inc.neighbours(v));
            if outs.len() <= ins.len() {
                continue;
            }
            let lowest = outs.iter().map(|&w| layer[w as usize]).min().unwrap_or(0);
            if lowest > layer[v] + 1 {
                layer[v] = lowest - 1;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    let min = layer.iter().copied().min().unwrap_or(0);
    for l in &mut layer {
        *l -= min;
    }
    layer
}

/// Network simplex over the DAG plus one virtual root joined (weight 0, length 0) to one
/// vertex of every connected part, so a single tree spans everything.
#[derive(Clone)]
struct Simplex {
    /// Vertices, the virtual root last.
    n: usize,
    tail: Vec<u32>,
    head: Vec<u32>,
    minlen: Vec<i64>,
    rank: Vec<i64>,
    /// Edge ids incident to each vertex, both directions.
    incident: Csr,
    in_tree: Vec<bool>,
    /// Tree edges at each vertex.
    tree_adj: Vec<Vec<u32>>,
    /// Out-weight minus in-weight of each vertex.
    net: Vec<i64>,
    // Tree numbering: parent edge, postorder number, lowest number in the subtree.
    parent: Vec<u32>,
    lim: Vec<u32>,
    low: Vec<u32>,
    /// Vertex by postorder number.
    at_lim: Vec<u32>,
    /// Cut value per tree edge.
    cut: Vec<i64>,
    /// One bit per edge: set for the tree edges of negative cut value, the ones that may
    /// leave the tree.
    negative: Vec<u64>,
    /// Scratch for numbering: out-weight minus in-weight of each subtree, and the walk.
    subtree: Vec<i64>,
    stack: Vec<(u32, usize)>,
}

const NONE: u32 = u32::MAX;

impl Simplex {
    fn new(n: usize, edges: &[(u32, u32)], layer: &[u32]) -> Self {
        // One vertex of each connected part (its lowest) is joined to the root.
        let (part, _) = components(n, edges);
        let mut joined = 0u32;
        let root = n as u32;
        let mut tail: Vec<u32> = edges.iter().map(|e| e.0).collect();
        let mut head: Vec<u32> = edges.iter().map(|e| e.1).collect();
        let mut weight = vec![1i64; edges.len()];
        let mut minlen = vec![1i64; edges.len()];
        for v in 0..n as u32 {
            if part[v as usize] == joined {
                joined += 1;
                tail.push(root);
                head.push(v);
                weight.push(0);
                minlen.push(0);
            }
        }
        let total = n + 1;
        let mut rank: Vec<i64> = layer.iter().map(|&l| i64::from(l)).collect();
        rank.push(0);
        let pairs: Vec<(u32, u32)> = (0..tail.len() as u32)
            .flat_map(|e| [(tail[e as usize], e), (head[e as usize], e)])
            .collect();
        let incident = Csr::new(total, pairs.into_iter());
        let mut net = vec![0i64; total];
        for e in 0..tail.len() {
            net[tail[e] as usize] += weight[e];
            net[head[e] as usize] -= weight[e];
        }
        let m = tail.len();
        Simplex {
            n: total,
            tail,
            head,
            minlen,
            rank,
            incident,
            in_tree: vec![false; m],
            tree_adj: vec![Vec::new(); total],
            net,
            parent: vec![NONE; total],
            lim: vec![0; total],
            low: vec![0; total],
            at_lim: vec![0; total],
            cut: vec![0; m],
            negative: vec![0; m.div_ceil(64)],
            subtree: vec![0; total],
            stack: Vec::new(),
        }
    }

    fn slack(&self, e: usize) -> i64 {
        self.rank[self.head[e] as usize] - self.rank[self.tail[e] as usize] - self.minlen[e]
    }

    /// Whether `v` is in the subtree of `top` (`top` itself included), by their numbers.
    fn below(&self, top: u32, v: u32) -> bool {
        (self.low[top as usize]..=self.lim[top as usize]).contains(&self.lim[v as usize])
    }

    fn other(&self, e: usize, v: u32) -> u32 {
        if self.tail[e] == v {
            self.head[e]
        } else {
            self.tail[e]
        }
    }

    /// Runs within `budget` units of work and writes the ranks of the real vertices.
    fn run(mut self, budget: usize, layer: &mut [u32]) {
        let mut work = self.feasible_tree(budget);
        if work > budget {
            return;
        }
        self.number_tree();
        let mut search_from = 0usize;
        let m = self.tail.len();
        while work < budget {
            // The tree edge of most negative cut value among the first few found, searched
            // from where the last search stopped.
            let mut leave: Option<usize> = None;
            let mut seen = 0;
            let negative = &self.negative;
            for e in set_bits(negative, search_from..m).chain(set_bits(negative, 0..search_from)) {
                if leave.is_none_or(|f| self.cut[e] < self.cut[f]) {
                    leave = Some(e);
                }
                seen += 1;
                if seen >= 24 {
                    search_from = e;
                    break;
                }
            }
            // Counted as the scan of every edge it replaces.
            work += m;
            let Some(f) = leave else {
                break;
            };
            let Some((e, scanned)) = self.entering(f) else {
                break;
            };
            work += scanned + 2 * self.n;
            self.exchange(f, e);
        }
        let min = self.rank[..layer.len()].iter().copied().min().unwrap_or(0);
        for (l, &r) in layer.iter_mut().zip(&self.rank) {
            *l = u32::try_from(r - min).unwrap_or(0);
        }
    }

    /// Grows a tree of tight edges from the root, shifting the tree when it stops growing so
    /// that the least slack edge leaving it becomes tight. Returns the work done, and stops
    /// as soon as it is over `budget`: each shift scans every edge, and on large graphs that
    /// grow the tree a few vertices at a time the search would go on for seconds only for its
    /// tree to be dropped.
    fn feasible_tree(&mut self, budget: usize) -> usize {
        let root = (self.n - 1) as u32;
        let mut in_tree_vertex = vec![false; self.n];
        in_tree_vertex[root as usize] = true;
        let mut members = vec![root];
        let mut stack = vec![root];
        let mut work = 0usize;
        loop {
            while let Some(v) = stack.pop() {
                for &e in self.incident.neighbours(v as usize) {
                    work += 1;
                    let e = e as usize;
                    let w = self.other(e, v);
                    if !in_tree_vertex[w as usize] && self.slack(e) == 0 {
                        in_tree_vertex[w as usize] = true;
                        self.in_tree[e] = true;
                        self.tree_adj[v as usize].push(e as u32);
                        self.tree_adj[w as usize].push(e as u32);
                        members.push(w);
                        stack.push(w);
                    }
                }
            }
            if members.len() == self.n {
                return work;
            }
            // The least slack edge with one end in the tree.
            let mut best: Option<(i64, usize)> = None;
            for e in 0..self.tail.len() {
                let (t, h) = (self.tail[e] as usize, self.head[e] as usize);
                if in_tree_vertex[t] != in_tree_vertex[h] {
                    let s = self.slack(e);
                    if best.is_none_or(|(b, _)| s < b) {
                        best = Some((s, e));
                    }
                }
            }
            work += self.tail.len() + members.len();
            if work > budget {
                return work;
            }
            let Some((delta, e)) = best else {
                return work;
            };
            let shift = if in_tree_vertex[self.tail[e] as usize] {
                delta
            } else {
                -delta
            };
            for &v in &members {
                self.rank[v as usize] += shift;
            }
            stack.extend(members.iter().copied());
        }
    }

    /// Parent edges, postorder numbers, ranks from the tree (every tree edge tight) and cut
    /// values of the whole tree.
    fn number_tree(&mut self) {
        let root = (self.n - 1) as u32;
        self.parent[root as usize] = NONE;
        self.number_subtree(root);
    }

    /// Renumbers the subtree of `top` by one iterative depth-first walk: parent edges,
    /// postorder numbers from `top`'s lowest on, ranks from `top`'s and cut values. `top`
    /// must keep its parent edge, rank and set of descendants, so nothing outside changes.
    fn number_subtree(&mut self, top: u32) {
        let mut next_lim = self.low[top as usize];
        // (vertex, index of the next tree edge to look at)
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        stack.push((top, 0));
        self.subtree[top as usize] = self.net[top as usize];
        while let Some(&mut (v, ref mut i)) = stack.last_mut() {
            let vu = v as usize;
            if let Some(&e) = self.tree_adj[vu].get(*i) {
                *i += 1;
                if e == self.parent[vu] {
                    continue;
                }
                let e = e as usize;
                let w = self.other(e, v);
                let wu = w as usize;
                self.parent[wu] = e as u32;
                self.rank[wu] = if self.head[e] == w {
                    self.rank[vu] + self.minlen[e]
                } else {
                    self.rank[vu] - self.minlen[e]
                };
                self.low[wu] = next_lim;
                self.subtree[wu] = self.net[wu];
                stack.push((w, 0));
            } else {
                stack.pop();
                self.lim[vu] = next_lim;
                self.at_lim[next_lim as usize] = v;
                next_lim += 1;
                if v != top {
                    let pe = self.parent[vu] as usize;
                    let p = self.other(pe, v) as usize;
                    self.subtree[p] += self.subtree[vu];
                    // The subtree below is the tail side when the edge leaves it.
                    let cut = if self.tail[pe] == v {
                        self.subtree[vu]
                    } else {
                        -self.subtree[vu]
                    };
                    self.cut[pe] = cut;
                    let (word, bit) = (pe / 64, 1u64 << (pe % 64));
                    if cut < 0 {
                        self.negative[word] |= bit;
                    } else {
                        self.negative[word] &= !bit;
                    }
                }
            }
        }
        self.stack = stack;
    }

    /// The non-tree edge of least slack that crosses the cut of tree edge `f` from its head
    /// side to its tail side, and the work spent finding it.
    fn entering(&self, f: usize) -> Option<(usize, usize)> {
        // The child end of f: its subtree is one side of the cut.
        let c = if self.parent[self.tail[f] as usize] == f as u32 {
            self.tail[f]
        } else {
            self.head[f]
        };
        let (lo, hi) = (self.low[c as usize], self.lim[c as usize]);
        let inside = |v: u32| self.below(c, v);
        // The subtree is the tail side when f leaves it: then the entering edge comes into
        // the subtree, otherwise it leaves it.
        let into_subtree = self.tail[f] == c;
        let size = (hi - lo + 1) as usize;
        let side: Box<dyn Iterator<Item = u32>> = if 2 * size <= self.n {
            Box::new((lo..=hi).map(|k| self.at_lim[k as usize]))
        } else {
            Box::new(
                (0..lo)
                    .chain(hi + 1..self.n as u32)
                    .map(|k| self.at_lim[k as usize]),
            )
        };
        let mut best: Option<(i64, usize)> = None;
        let mut scanned = 0usize;
        for v in side {
            for &e in self.incident.neighbours(v as usize) {
                scanned += 1;
                let e = e as usize;
                if self.in_tree[e] {
                    continue;
                }
                let (t, h) = (self.tail[e], self.head[e]);
                let crosses = if into_subtree {
                    !inside(t) && inside(h)
                } else {
                    inside(t) && !inside(h)
                };
                if crosses {
                    let s = self.slack(e);
                    if best.is_none_or(|(b, be)| (s, e) < (b, be)) {
                        best = Some((s, e));
                    }
                }
            }
        }
        best.map(|(_, e)| (e, scanned))
    }

    /// Replaces tree edge `f` by `e` and renumbers the part of the tree that changed: the
    /// subtree of the lowest common ancestor of `e`'s ends, which holds the tree path
    /// between them and with it `f`. Above it, nothing moves.
    fn exchange(&mut self, f: usize, e: usize) {
        self.negative[f / 64] &= !(1u64 << (f % 64));
        let (a, b) = (self.tail[e], self.head[e]);
        let mut top = a;
        while !self.below(top, b) {
            top = self.other(self.parent[top as usize] as usize, top);
        }
        self.in_tree[f] = false;
        self.in_tree[e] = true;
        for v in [self.tail[f], self.head[f]] {
            self.tree_adj[v as usize].retain(|&x| x as usize != f);
        }
        for v in [self.tail[e], self.head[e]] {
            self.tree_adj[v as usize].push(e as u32);
        }
        self.number_subtree(top);
    }
}

/// The indices of the bits set in `bits` within `range`, in increasing order.
fn set_bits(bits: &[u64], range: std::ops::Range<usize>) -> impl Iterator<Item = usize> + '_ {
    let (start, end) = (range.start, range.end);
    let words = start / 64..end.div_ceil(64);
    words.flat_map(move |w| {
        let mut word = bits[w];
        // Bits before the start and from the end on are left out.
        if w == start / 64 {
            word &= u64::MAX << (start % 64);
        }
        if w == end / 64 {
            word &= (1u64 << (end % 64)) - 1;
        }
        std::iter::from_fn(move || {
            (word != 0).then(|| {
                let b = word.trailing_zeros() as usize;
                word &= word - 1;
                w * 64 + b
            })
        })
    })
}

/// The longest-path layering of a DAG (each vertex one layer below its lowest predecessor,
/// sources in layer 0) and the topological order it was computed in.
pub(super) fn longest_path(n: usize, out: &Csr, inc: &Csr) -> (Vec<u32>, Vec<u32>) {
    let order = topological_order(n, out, inc);
    let mut layer = vec![0u32; n];
    for &v in &order {
        let v = v as usize;
        for &w in out.neighbours(v) {
            let w = w as usize;
            layer[w] = layer[w].max(layer[v] + 1);
        }
    }
    (order, layer)
}

/// Kahn's algorithm; vertices in input order among equals. On a graph with a cycle the
/// order stops short: the vertices on a cycle and after it are left out.
pub(super) fn topological_order(n: usize, out: &Csr, inc: &Csr) -> Vec<u32> {
    let mut indeg: Vec<usize> = (0..n).map(|v| inc.neighbours(v).len()).collect();
    let mut queue: std::collections::VecDeque<u32> =
        (0..n as u32).filter(|&v| indeg[v as usize] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(v) = queue.pop_front() {
        order.push(v);
        for &w in out.neighbours(v as usize) {
            let w = w as usize;
            indeg[w] -= 1;
            if indeg[w] == 0 {
                queue.push_back(w as u32);
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Up to `count` distinct edges among `n` vertices, each from a lower index to a higher.
    fn random_dag(n: usize, count: usize, next: &mut impl FnMut(u64) -> u64) -> Vec<(u32, u32)> {
        let mut edges: Vec<(u32, u32)> = (0..count)
            .map(|_| {
                let a = next(n as u64 - 1) as u32;
                (a, a + 1 + next(n as u64 - 1 - u64::from(a)) as u32)
            })
            .collect();
        edges.sort_unstable();
        edges.dedup();
        edges
    }

    #[test]
    fn every_edge_points_down() {
        let edges = [(0, 1), (1, 2), (0, 2), (3, 2), (2, 4)];
        let layer = layers(5, &edges);
        for (s, t) in edges {
            assert!(layer[s as usize] < layer[t as usize]);
        }
        assert_eq!(layer[..3], [0, 1, 2]);
        // Vertex 3 calls only vertex 2: it sits right above it, not at the top.
        assert_eq!(layer[3], 1);
    }

    #[test]
    fn the_total_span_is_the_least_possible() {
        // Small DAGs (edges from lower to higher index, some vertices unconnected), each
        // against every layering with layers below the vertex count.
        let mut next = super::super::test_sequence(11);
        for _ in 0..12 {
            let n = 6usize;
            let edges = random_dag(n, 9, &mut next);
            let span = |layer: &[u32]| -> i64 {
                edges
                    .iter()
                    .map(|&(s, t)| i64::from(layer[t as usize]) - i64::from(layer[s as usize]))
                    .sum()
            };
            let ours = layers(n, &edges);
            assert!(
                edges
                    .iter()
                    .all(|&(s, t)| ours[s as usize] < ours[t as usize])
            );
            let mut best = i64::MAX;
            let mut layer = vec![0u32; n];
            for code in 0..n.pow(n as u32) {
                let mut c = code;
                for l in &mut layer {
                    *l = (c % n) as u32;
                    c /= n;
                }
                if edges
                    .iter()
                    .all(|&(s, t)| layer[s as usize] < layer[t as usize])
                {
                    best = best.min(span(&layer));
                }
            }
            assert_eq!(span(&ours), best, "{edges:?}");
        }
    }

    #[test]
    fn renumbering_below_the_common_ancestor_is_renumbering_everything() {
        // Random DAGs (some parts unconnected, long edges): after every exchange the tree
        // renumbered where it changed reads as the tree renumbered from the root.
        let mut next = super::super::test_sequence(23);
        let mut exchanges = 0;
        for _ in 0..40 {
            let n = 8 + next(40) as usize;
            let count = n + next(2 * n as u64) as usize;
            let edges = random_dag(n, count, &mut next);
            let out = Csr::new(n, edges.iter().copied());
            let inc = Csr::new(n, edges.iter().map(|&(s, t)| (t, s)));
            let (_, layer) = longest_path(n, &out, &inc);
            let mut s = Simplex::new(n, &edges, &layer);
            s.feasible_tree(usize::MAX);
            s.number_tree();
            let m = s.tail.len();
            while let Some(f) = (0..m).find(|&e| s.in_tree[e] && s.cut[e] < 0) {
                let Some((e, _)) = s.entering(f) else { break };
                s.exchange(f, e);
                exchanges += 1;
                let mut whole = s.clone();
                whole.number_tree();
                let state = |s: &Simplex| {
                    let cut: Vec<i64> = (0..m)
                        .map(|e| if s.in_tree[e] { s.cut[e] } else { 0 })
                        .collect();
                    (
                        s.parent.clone(),
                        s.lim.clone(),
                        s.low.clone(),
                        s.rank.clone(),
                        cut,
                    )
                };
                assert!(state(&s) == state(&whole), "{edges:?}");
                let negative: Vec<usize> = set_bits(&s.negative, 0..m).collect();
                let expected: Vec<usize> =
                    (0..m).filter(|&e| s.in_tree[e] && s.cut[e] < 0).collect();
                assert_eq!(negative, expected, "{edges:?}");
            }
        }
        assert!(exchanges > 100, "only {exchanges} exchanges");
    }

    #[test]
    fn set_bits_are_read_in_order_within_their_range() {
        let mut next = super::super::test_sequence(5);
        for _ in 0..200 {
            let len = 1 + next(300) as usize;
            let set: Vec<bool> = (0..len).map(|_| next(3) == 0).collect();
            let mut bits = vec![0u64; len.div_ceil(64)];
            for (i, _) in set.iter().enumerate().filter(|(_, b)| **b) {
                bits[i / 64] |= 1 << (i % 64);
            }
            let a = next(len as u64 + 1) as usize;
            let b = a + next((len - a) as u64 + 1) as usize;
            let read: Vec<usize> = set_bits(&bits, a..b).collect();
            let expected: Vec<usize> = (a..b).filter(|&i| set[i]).collect();
            assert_eq!(read, expected, "{a}..{b} of {len}");
        }
    }

    #[test]
    fn a_long_path_needs_no_recursion() {
        let n = 100_000u32;
        let edges: Vec<(u32, u32)> = (0..n - 1).map(|i| (i, i + 1)).collect();
        let layer = layers(n as usize, &edges);
        assert_eq!(layer[n as usize - 1], n - 1);
    }
}
