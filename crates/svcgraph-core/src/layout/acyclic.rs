//! Cycle breaking: the Eades–Lin–Smyth greedy heuristic for a small feedback arc set.
//!
//! Sinks are peeled off to the right end of a vertex sequence, sources to the left end, and
//! when neither is left the vertex with the largest out-degree minus in-degree goes left.
//! Edges that point backwards in the sequence are the ones to reverse. Bucket queues keyed by
//! that degree difference keep it O(V + E); ties are broken by input order (last pushed first),
//! so the same input always gives the same result.

use super::Csr;

/// For each edge, whether it must be reversed to make the graph acyclic. `edges` holds no
/// self-loops.
pub(super) fn reversed_edges(n: usize, edges: &[(u32, u32)]) -> Vec<bool> {
    let out = Csr::new(n, edges.iter().map(|&(s, t)| (s, t)));
    let inc = Csr::new(n, edges.iter().map(|&(s, t)| (t, s)));
    let mut outdeg: Vec<usize> = (0..n).map(|v| out.neighbours(v).len()).collect();
    let mut indeg: Vec<usize> = (0..n).map(|v| inc.neighbours(v).len()).collect();
    let mut removed = vec![false; n];
    let mut left: Vec<u32> = Vec::with_capacity(n);
    let mut right: Vec<u32> = Vec::new();

    let mut sinks: Vec<u32> = Vec::new();
    let mut sources: Vec<u32> = Vec::new();
    // Bucket b holds vertices with outdeg - indeg == b - n (entries may be stale).
    let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); 2 * n + 1];
    let mut top = 0usize;
    let bucket_of = |v: usize, outdeg: &[usize], indeg: &[usize]| n + outdeg[v] - indeg[v];

    let classify = |v: usize,
                    outdeg: &[usize],
                    indeg: &[usize],
                    sinks: &mut Vec<u32>,
                    sources: &mut Vec<u32>,
                    buckets: &mut Vec<Vec<u32>>,
                    top: &mut usize| {
        if outdeg[v] == 0 {
            sinks.push(v as u32);
        } else if indeg[v] == 0 {
            sources.push(v as u32);
        } else {
            let b = bucket_of(v, outdeg, indeg);
            buckets[b].push(v as u32);
            *top = (*top).max(b);
        }
    };
    // Push in reverse so that, popping from the end, lower indices come first.
    for v in (0..n).rev() {
        classify(v, &outdeg, &indeg, &mut sinks, &mut sources, &mut buckets, &mut top);
    }

    let mut remaining = n;
    while remaining > 0 {
        let (v, to_left) = if let Some(v) = sinks.pop() {
            (v as usize, false)
        } else if let Some(v) = sources.pop() {
            (v as usize, true)
        } else {
            // The vertex with the largest out-degree minus in-degree.
            let mut found = None;
            loop {
                let Some(v) = buckets[top].pop() else {
                    if top == 0 {
                        break;
                    }
                    top -= 1;
                    continue;
                };
                let v = v as usize;
                if !removed[v] && outdeg[v] > 0 && indeg[v] > 0 && bucket_of(v, &outdeg, &indeg) == top
                {
                    found = Some(v);
                    break;
                }
            }
            match found {
                Some(v) => (v, true),
                None => break,
            }
        };
        if removed[v] {
            continue;
        }
        removed[v] = true;
        remaining -= 1;
        if to_left {
            left.push(v as u32);
        } else {
            right.push(v as u32);
        }
        for &w in out.neighbours(v) {
            let w = w as usize;
            if !removed[w] {
                indeg[w] -= 1;
                classify(w, &outdeg, &indeg, &mut sinks, &mut sources, &mut buckets, &mut top);
            }
        }
        for &u in inc.neighbours(v) {
            let u = u as usize;
            if !removed[u] {
                outdeg[u] -= 1;
                classify(u, &outdeg, &indeg, &mut sinks, &mut sources, &mut buckets, &mut top);
            }
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
    fn a_long_cycle_needs_no_recursion() {
        let n = 200_000u32;
        let edges: Vec<(u32, u32)> = (0..n).map(|i| (i, (i + 1) % n)).collect();
        let reversed = reversed_edges(n as usize, &edges);
        assert_eq!(reversed.iter().filter(|r| **r).count(), 1);
    }
}
