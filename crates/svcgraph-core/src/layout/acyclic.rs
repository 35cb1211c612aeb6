//! Cycle breaking: the Eades–Lin–Smyth greedy heuristic for a small feedback arc set.
//!
//! Sinks are peeled off to the right end of a vertex sequence, sources to the left end, and
//! when neither is left the vertex with the largest out-degree minus in-degree goes left.
//! Edges that point backwards in the sequence are the ones to reverse. Bucket queues keyed by
//! that degree difference keep it O(V + E); ties are broken by input order (last pushed first),
//! so the same input always gives the same result.

use super::{Adjacency, Csr};

/// For each edge, whether it must be reversed to make the graph acyclic. `edges` holds no
/// self-loops.
pub(super) fn reversed_edges(n: usize, edges: &[(u32, u32)]) -> Vec<bool> {
    let mut peel = Peeling::new(n, edges);
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
    let mut position = vec![0usize; n];
    for (i, &v) in left.iter().chain(right.iter().rev()).enumerate() {
        position[v as usize] = i;
    }
    edges
        .iter()
        .map(|&(s, t)| position[s as usize] > position[t as usize])
        .collect()
}

/// The back edges of a depth-first search that starts from the sources (entry points, in
/// input order) and then from any vertex left. On call graphs these are the calls that go back
/// up towards the callers, often fewer and shorter than the greedy heuristic's choice; the
/// layout keeps whichever of the two leaves fewer dummy vertices. Iterative.
pub(super) fn dfs_back_edges(n: usize, edges: &[(u32, u32)]) -> Vec<bool> {
    let out = Csr::new(n, edges.iter().copied());
    // Edge indices parallel to `out`'s neighbour lists.
    let ids = Adjacency::build(
        n,
        &edges
            .iter()
            .enumerate()
            .map(|(i, &(s, _))| (s, i as u32))
            .collect::<Vec<_>>(),
    );
    let mut indeg = vec![0usize; n];
    for &(_, t) in edges {
        indeg[t as usize] += 1;
    }
    // 0 unseen, 1 on the stack, 2 done.
    let mut state = vec![0u8; n];
    let mut back = vec![false; edges.len()];
    let mut stack: Vec<(u32, usize)> = Vec::new();
    let starts = (0..n).filter(|&v| indeg[v] == 0).chain(0..n);
    for start in starts {
        if state[start] != 0 {
            continue;
        }
        state[start] = 1;
        stack.push((start as u32, 0));
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            let v = v as usize;
            if let Some(&w) = out.neighbours(v).get(*next) {
                let edge = ids.neighbours(v)[*next] as usize;
                *next += 1;
                match state[w as usize] {
                    0 => {
                        state[w as usize] = 1;
                        stack.push((w, 0));
                    }
                    1 => back[edge] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    back
}

/// Edges pointing to a vertex no deeper than their source, where depth is the breadth-first
/// distance from the entry points (vertices without callers; vertex 0 if there are none,
/// then any vertex left), ties broken by index. Every edge kept leads strictly deeper, so no
/// call back up can stretch the layering across the tiers of a call graph.
pub(super) fn shallower_edges(n: usize, edges: &[(u32, u32)]) -> Vec<bool> {
    let out = Csr::new(n, edges.iter().copied());
    let mut indeg = vec![0usize; n];
    for &(_, t) in edges {
        indeg[t as usize] += 1;
    }
    let mut depth = vec![u32::MAX; n];
    let mut queue = std::collections::VecDeque::new();
    let roots = (0..n).filter(|&v| indeg[v] == 0).chain(0..n);
    for root in roots {
        if depth[root] != u32::MAX {
            continue;
        }
        depth[root] = 0;
        queue.push_back(root);
        while let Some(v) = queue.pop_front() {
            for &w in out.neighbours(v) {
                if depth[w as usize] == u32::MAX {
                    depth[w as usize] = depth[v] + 1;
                    queue.push_back(w as usize);
                }
            }
        }
    }
    edges
        .iter()
        .map(|&(s, t)| (depth[t as usize], t) <= (depth[s as usize], s))
        .collect()
}

/// The state of the peeling: remaining degrees and the queues vertices wait in.
struct Peeling {
    n: usize,
    out: Csr,
    inc: Csr,
    outdeg: Vec<usize>,
    indeg: Vec<usize>,
    removed: Vec<bool>,
    sinks: Vec<u32>,
    sources: Vec<u32>,
    /// Bucket `b` holds vertices with `outdeg - indeg == b - n`; entries may be stale.
    buckets: Vec<Vec<u32>>,
    top: usize,
}

impl Peeling {
    fn new(n: usize, edges: &[(u32, u32)]) -> Self {
        let out = Csr::new(n, edges.iter().copied());
        let inc = Csr::new(n, edges.iter().map(|&(s, t)| (t, s)));
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
        let dag: Vec<(u32, u32)> = edges
            .iter()
            .zip(reversed)
            .map(|(&(s, t), &r)| if r { (t, s) } else { (s, t) })
            .collect();
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
    fn cycles_lose_one_edge_each() {
        let edges = [(0, 1), (1, 2), (2, 0), (2, 3), (3, 2)];
        let reversed = reversed_edges(4, &edges);
        assert!(is_acyclic(4, &edges, &reversed));
        assert_eq!(reversed.iter().filter(|r| **r).count(), 2);
    }

    #[test]
    fn depth_first_reverses_the_calls_back_up() {
        // 0 -> 1 -> 2 -> 3 with 3 -> 1 calling back up.
        let edges = [(0, 1), (1, 2), (2, 3), (3, 1)];
        assert_eq!(dfs_back_edges(4, &edges), [false, false, false, true]);
        let n = 200_000u32;
        let ring: Vec<(u32, u32)> = (0..n).map(|i| (i, (i + 1) % n)).collect();
        let back = dfs_back_edges(n as usize, &ring);
        assert!(is_acyclic(n as usize, &ring, &back));
    }

    #[test]
    fn shallower_edges_break_every_cycle() {
        let edges = [(0, 1), (1, 2), (2, 3), (3, 1), (0, 3), (2, 2 + 2), (4, 0)];
        let reversed = shallower_edges(5, &edges);
        assert!(is_acyclic(5, &edges, &reversed));
        assert!(reversed[3], "the call back up is reversed");
    }

    #[test]
    fn a_long_cycle_needs_no_recursion() {
        let n = 200_000u32;
        let edges: Vec<(u32, u32)> = (0..n).map(|i| (i, (i + 1) % n)).collect();
        let reversed = reversed_edges(n as usize, &edges);
        assert_eq!(reversed.iter().filter(|r| **r).count(), 1);
    }
}
