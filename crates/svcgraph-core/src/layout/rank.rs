//! Layering: longest path from the sources, then a bounded span reduction.
//!
//! Longest path puts every vertex one layer below its lowest predecessor, which leaves sources
//! (callers with many callees far down) stretched over long edges. A vertex with more outgoing
//! than incoming edges shortens the total span by moving down, as far as its closest successor
//! allows; doing that in reverse topological order, a few passes, removes most of the slack
//! in O(passes · (V + E)). The total span decides the number of dummy vertices, which is what
//! the later phases cost.

use super::Csr;

const SPAN_REDUCTION_PASSES: usize = 3;

/// A layer per vertex of the DAG `edges`, the sources' lowest layer being 0.
pub(super) fn layers(n: usize, edges: &[(u32, u32)]) -> Vec<u32> {
    let out = Csr::new(n, edges.iter().copied());
    let inc = Csr::new(n, edges.iter().map(|&(s, t)| (t, s)));
    let order = topological_order(n, &out, &inc);

    let mut layer = vec![0u32; n];
    for &v in &order {
        let v = v as usize;
        for &w in out.neighbours(v) {
            let w = w as usize;
            layer[w] = layer[w].max(layer[v] + 1);
        }
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

/// Kahn's algorithm; vertices in input order among equals. The input is acyclic.
fn topological_order(n: usize, out: &Csr, inc: &Csr) -> Vec<u32> {
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
    fn a_long_path_needs_no_recursion() {
        let n = 100_000u32;
        let edges: Vec<(u32, u32)> = (0..n - 1).map(|i| (i, i + 1)).collect();
        let layer = layers(n as usize, &edges);
        assert_eq!(layer[n as usize - 1], n - 1);
    }
}
