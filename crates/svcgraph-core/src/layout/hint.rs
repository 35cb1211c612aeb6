//! Where an earlier drawing put each node, so that a new layout of a changed graph keeps
//! persisting nodes in place (a live view refreshing every few seconds must not jump).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Point;

/// Node centers and edge routes of an earlier drawing, by id. Give it to
/// [`SvgOptions::hint`](crate::SvgOptions::hint) (or, by input index, to
/// [`LayoutOptions::previous`](super::LayoutOptions::previous)): nodes it names keep their
/// place as far as the new graph allows, new nodes are fitted in around them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LayoutHint {
    /// Center of each node, by node id.
    pub nodes: BTreeMap<String, Point>,
    /// Route of each edge, sorted by (client, server).
    #[serde(default)]
    pub edges: Vec<EdgeHint>,
}

/// Where an earlier drawing ran one edge.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EdgeHint {
    /// Client node id.
    pub client: String,
    /// Server node id.
    pub server: String,
    /// The route, from client to server.
    pub points: Vec<Point>,
}

impl LayoutHint {
    /// Whether it names no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// How many nodes it names.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Where node `id` was drawn.
    pub fn get(&self, id: &str) -> Option<Point> {
        self.nodes.get(id).copied()
    }

    /// Where the edge from `client` to `server` ran (`edges` must be sorted).
    pub fn route(&self, client: &str, server: &str) -> Option<&[Point]> {
        self.edges
            .binary_search_by(|e| (e.client.as_str(), e.server.as_str()).cmp(&(client, server)))
            .ok()
            .map(|i| self.edges[i].points.as_slice())
    }
}

/// The earlier drawing in the layout's own axes, for the nodes it had.
pub(super) struct Previous {
    /// (along the layer, across the layers) of each node's center, `None` for new nodes.
    at: Vec<Option<(f64, f64)>>,
    /// Each edge's route as (along, across) points, empty where unknown; by the index of
    /// the layout's merged edges.
    routes: Vec<Vec<(f64, f64)>>,
}

/// Centers closer than this across the layers were in one layer.
const SAME_LAYER: f64 = 1.0;

impl Previous {
    /// `None` when no node has a usable point.
    pub(super) fn new(
        points: &[Option<Point>],
        routes: &[Option<&[Point]>],
        lr: bool,
    ) -> Option<Self> {
        let axes = |p: &Point| {
            (p.x.is_finite() && p.y.is_finite()).then_some(if lr { (p.y, p.x) } else { (p.x, p.y) })
        };
        let at: Vec<Option<(f64, f64)>> =
            points.iter().map(|p| p.as_ref().and_then(axes)).collect();
        let routes = routes
            .iter()
            .map(|r| r.map_or_else(Vec::new, |r| r.iter().filter_map(axes).collect()))
            .collect();
        at.iter()
            .any(Option::is_some)
            .then_some(Previous { at, routes })
    }

    /// Where the earlier route of merged edge `i` ran along the layers at `across`.
    fn route_at(&self, i: usize, across: f64) -> Option<f64> {
        let route = self.routes.get(i)?;
        route.windows(2).find_map(|w| {
            let (lo, hi) = (w[0].1.min(w[1].1), w[0].1.max(w[1].1));
            (lo <= across && across <= hi && hi > lo).then(|| w[0].0.midpoint(w[1].0))
        })
    }

    /// Where node `v` was along its layer.
    pub(super) fn along(&self, v: usize) -> Option<f64> {
        self.at.get(v).copied().flatten().map(|p| p.0)
    }

    /// Where node `v` was across the layers.
    pub(super) fn across(&self, v: usize) -> Option<f64> {
        self.at.get(v).copied().flatten().map(|p| p.1)
    }

    /// The layer of each node in the earlier drawing, counting only layers that had nodes.
    fn levels(&self, n: usize) -> Vec<Option<i64>> {
        let mut across: Vec<f64> = (0..n).filter_map(|v| self.across(v)).collect();
        across.sort_by(f64::total_cmp);
        let mut levels: Vec<f64> = Vec::new();
        for a in across {
            if levels.last().is_none_or(|&last| a - last >= SAME_LAYER) {
                levels.push(a);
            }
        }
        (0..n)
            .map(|v| {
                self.across(v).map(|a| {
                    i64::try_from(levels.partition_point(|&l| l < a - SAME_LAYER / 2.0))
                        .unwrap_or(i64::MAX)
                })
            })
            .collect()
    }

    /// Edges between two nodes of the earlier drawing point the way they pointed there.
    /// A new node is taken to sit just after its latest earlier caller (or else just before
    /// its earliest earlier callee), and its calls to earlier nodes not beyond that are
    /// drawn reversed, so that no earlier node has to move on for it (until a fresh
    /// layout). All when that keeps the graph acyclic; otherwise `reversed` stays as it is.
    pub(super) fn orient(&self, n: usize, edges: &[(u32, u32)], reversed: &mut [bool]) {
        let level = self.levels(n);
        let mut guess = level.clone();
        for &(s, t) in edges {
            if let (Some(a), None) = (level[s as usize], level[t as usize]) {
                let g = &mut guess[t as usize];
                *g = Some(g.map_or(a + 1, |old| old.max(a + 1)));
            }
        }
        for &(s, t) in edges {
            if let (None, None, Some(b)) = (level[s as usize], guess[s as usize], level[t as usize])
            {
                guess[s as usize] = Some(guess[s as usize].map_or(b - 1, |old| old.min(b - 1)));
            }
        }
        let mut kept = reversed.to_vec();
        let mut changed = false;
        for (i, &(s, t)) in edges.iter().enumerate() {
            let (s, t) = (s as usize, t as usize);
            let back = match (level[s], level[t], guess[s], guess[t]) {
                (Some(a), Some(b), _, _) if a != b => a > b,
                // From a new node to an earlier one, or from an earlier node to a new one.
                (None, Some(b), Some(a), _) | (Some(a), None, _, Some(b)) => a >= b,
                _ => continue,
            };
            changed |= kept[i] != back;
            kept[i] = back;
        }
        if changed && acyclic(n, &super::acyclic::oriented(edges, &kept)) {
            reversed.copy_from_slice(&kept);
        }
    }

    /// Nodes of the earlier drawing keep their layers relative to each other; new nodes go
    /// next to their neighbours; where new edges demand it, nodes move on to later layers.
    pub(super) fn keep_layers(&self, dag: &[(u32, u32)], layer: &mut [u32]) {
        let n = layer.len();
        let out = super::Csr::new(n, dag.iter().copied());
        let inc = super::Csr::new(n, dag.iter().map(|&(s, t)| (t, s)));
        let (order, _) = super::rank::longest_path(n, &out, &inc);
        let mut want = self.levels(n);
        // New nodes after their callers, then new entry points just before their callees.
        for &v in &order {
            let v = v as usize;
            if want[v].is_none() {
                want[v] = inc
                    .neighbours(v)
                    .iter()
                    .filter_map(|&u| want[u as usize])
                    .max()
                    .map(|l| l + 1);
            }
        }
        for &v in order.iter().rev() {
            let v = v as usize;
            if want[v].is_none() {
                want[v] = out
                    .neighbours(v)
                    .iter()
                    .filter_map(|&w| want[w as usize])
                    .min()
                    .map(|l| l - 1);
            }
        }
        let mut want: Vec<i64> = (0..n)
            .map(|v| want[v].unwrap_or(i64::from(layer[v])))
            .collect();
        // Where that leaves an edge pointing back or within a layer, its target and what
        // follows move on as far as they must.
        for &v in &order {
            let v = v as usize;
            if let Some(low) = inc
                .neighbours(v)
                .iter()
                .map(|&u| want[u as usize] + 1)
                .max()
            {
                want[v] = want[v].max(low);
            }
        }
        let low = want.iter().copied().min().unwrap_or(0);
        for (l, w) in layer.iter_mut().zip(want) {
            *l = (w - low) as u32;
        }
    }

    /// A place along its layer for every vertex of `l`, in the earlier drawing's units:
    /// where nodes were; new nodes at the mean of their earlier neighbours; dummies on the
    /// line between their edge's ends; NaN for vertices with nothing to go by (they sort
    /// after all others). Dummies of edges drawn before go where those edges ran (marked in
    /// the second vector), their centers put back from the line by `line_offset` (the
    /// route ran beside its labels). `edge_of` gives each dummy's edge (source, target).
    pub(super) fn keys(
        &self,
        l: &super::Layered,
        edge_of: &[(u32, u32)],
        merged_of: &[u32],
        line_offset: impl Fn(usize) -> f64,
    ) -> (Vec<f64>, Vec<bool>) {
        let n = l.real;
        let mut key: Vec<f64> = (0..n).map(|v| self.along(v).unwrap_or(f64::NAN)).collect();
        for (v, k) in key.iter_mut().enumerate() {
            if k.is_nan() {
                let near: Vec<f64> =
                    l.up.neighbours(v)
                        .iter()
                        .chain(l.down.neighbours(v))
                        .filter_map(|&u| self.end_of(l, edge_of, u as usize))
                        .collect();
                if !near.is_empty() {
                    *k = near.iter().sum::<f64>() / near.len() as f64;
                }
            }
        }
        let centers = self.layer_centers(l);
        let mut routed = vec![false; l.layer.len()];
        for (d, &(s, t)) in edge_of.iter().enumerate() {
            let (s, t) = (s as usize, t as usize);
            let (ks, kt) = (key[s], key[t]);
            let (ls, lt) = (f64::from(l.layer[s]), f64::from(l.layer[t]));
            let at = l.layer[n + d];
            let part = (f64::from(at) - ls) / (lt - ls);
            // Where the edge ran at this layer's place, if it ran there before.
            let across = centers[at as usize].or_else(|| {
                let (a, b) = (self.across(s)?, self.across(t)?);
                Some(a + (b - a) * part)
            });
            if let Some(k) = across.and_then(|c| self.route_at(merged_of[d] as usize, c)) {
                routed[n + d] = true;
                key.push(k - line_offset(n + d));
                continue;
            }
            key.push(match (ks.is_nan(), kt.is_nan()) {
                (false, false) => ks + (kt - ks) * part,
                (false, true) => ks,
                (true, false) => kt,
                (true, true) => f64::NAN,
            });
        }
        (key, routed)
    }

    /// The earlier place of the node at the far end of a neighbour (a node, or a dummy of
    /// an edge whose far end is known).
    fn end_of(&self, l: &super::Layered, edge_of: &[(u32, u32)], u: usize) -> Option<f64> {
        if u < l.real {
            return self.along(u);
        }
        let (s, t) = edge_of[u - l.real];
        self.along(s as usize).or_else(|| self.along(t as usize))
    }

    /// The earlier center of each layer across the flow, from its nodes.
    pub(super) fn layer_centers(&self, l: &super::Layered) -> Vec<Option<f64>> {
        let mut center = vec![None; l.layers.len()];
        for v in 0..l.real {
            if let Some(c) = self.across(v) {
                let slot: &mut Option<f64> = &mut center[l.layer[v] as usize];
                *slot = Some(slot.map_or(c, |old: f64| old.max(c)));
            }
        }
        center
    }

    /// Coordinates along the layers that keep the earlier drawing's nodes where they were.
    /// `fresh` is a layout of the kept order; each vertex is drawn toward its place there,
    /// moved by as much as the node it hangs from moved between `fresh` and the earlier
    /// drawing (a dummy by its edge's source, else its target; a new node by its earlier
    /// neighbours): nodes of the earlier drawing firmly, new nodes lightly, dummies more
    /// lightly still, so long edges stay as straight as `fresh` drew them.
    pub(super) fn settle(
        &self,
        l: &super::Layered,
        spacing: &super::position::Spacing,
        fresh: &[f64],
        edge_of: &[(u32, u32)],
        (key, routed): (&[f64], &[bool]),
        floor: f64,
    ) -> Vec<f64> {
        let n = l.real;
        let mut moved: Vec<Option<f64>> = (0..n)
            .map(|v| self.along(v).map(|a| a - fresh[v]))
            .collect();
        let mut all: Vec<f64> = moved.iter().flatten().copied().collect();
        all.sort_by(f64::total_cmp);
        let typical = all.get(all.len() / 2).copied().unwrap_or(0.0);
        let node_of = |u: usize| if u < n { u } else { edge_of[u - n].0 as usize };
        for v in 0..n {
            if moved[v].is_none() {
                let near: Vec<f64> =
                    l.up.neighbours(v)
                        .iter()
                        .chain(l.down.neighbours(v))
                        .map(|&u| node_of(u as usize))
                        .filter(|&u| self.along(u).is_some())
                        .filter_map(|u| moved[u])
                        .collect();
                if !near.is_empty() {
                    moved[v] = Some(near.iter().sum::<f64>() / near.len() as f64);
                }
            }
        }
        let (target, weight): (Vec<f64>, Vec<f64>) = (0..l.layer.len())
            .map(|v| {
                if v < n {
                    let firm = if self.along(v).is_some() { 1.0 } else { 0.01 };
                    return (fresh[v] + moved[v].unwrap_or(typical), firm);
                }
                if routed[v] {
                    return (key[v], 0.05);
                }
                let (s, t) = edge_of[v - n];
                let by = moved[s as usize].or(moved[t as usize]).unwrap_or(typical);
                (fresh[v] + by, 1e-4)
            })
            .unzip();
        let lowest = |_, v: usize| floor + spacing.width[v] / 2.0;
        let mut x = settle(l, |a, b| spacing.separation(a, b), lowest, &target, &weight);
        straighten(l, spacing, &mut x, floor);
        x
    }
}

/// Offsets of a long edge below this are taken out where its neighbours leave room.
const NEAR: f64 = 8.0;

/// Lines each dummy up with the vertex above it when they are nearly in line and its layer
/// leaves room: a long edge then runs straight instead of with a small jog, which would
/// need a track and could run beside another edge's end.
fn straighten(l: &super::Layered, spacing: &super::position::Spacing, x: &mut [f64], floor: f64) {
    for layer in &l.layers {
        for (i, &v) in layer.iter().enumerate() {
            let v = v as usize;
            let &[u] = l.up.neighbours(v) else { continue };
            let want = x[u as usize];
            if v < l.real || (want - x[v]).abs() >= NEAR {
                continue;
            }
            let low = match i.checked_sub(1) {
                Some(p) => x[layer[p] as usize] + spacing.separation(layer[p] as usize, v),
                None => floor + spacing.width[v] / 2.0,
            };
            let high = layer.get(i + 1).map_or(f64::INFINITY, |&w| {
                x[w as usize] - spacing.separation(v, w as usize)
            });
            if (low..=high).contains(&want) {
                x[v] = want;
            }
        }
    }
}

/// Whether the directed graph has no cycle: a topological order reaches every vertex.
fn acyclic(n: usize, edges: &[(u32, u32)]) -> bool {
    let out = super::Csr::new(n, edges.iter().copied());
    let inc = super::Csr::new(n, edges.iter().map(|&(s, t)| (t, s)));
    super::rank::topological_order(n, &out, &inc).len() == n
}

/// Places each layer's vertices, in their order and at least `separation` apart, as close
/// as possible to their targets (least weighted squares, by pooling adjacent violators);
/// the first vertex `v` of layer `i` no lower than `lowest(i, v)`, so nothing moves out of
/// the drawing's frame or into what lies before it.
pub(super) fn settle(
    l: &super::Layered,
    separation: impl Fn(usize, usize) -> f64,
    lowest: impl Fn(usize, usize) -> f64,
    target: &[f64],
    weight: &[f64],
) -> Vec<f64> {
    /// Consecutive vertices placed as one, from `start`; the floor's pool never moves.
    #[derive(Clone, Copy)]
    struct Pool {
        start: usize,
        weight: f64,
        sum: f64,
        floor: bool,
    }
    let mut x = vec![0.0; target.len()];
    let mut pools: Vec<Pool> = Vec::new();
    for (index, layer) in l.layers.iter().enumerate() {
        let Some(&head) = layer.first() else { continue };
        let floor = lowest(index, head as usize);
        let mean = |p: &Pool| if p.floor { floor } else { p.sum / p.weight };
        pools.clear();
        pools.push(Pool {
            start: 0,
            weight: 0.0,
            sum: 0.0,
            floor: true,
        });
        let mut offset = 0.0;
        let mut offsets = Vec::with_capacity(layer.len());
        for (i, &v) in layer.iter().enumerate() {
            let v = v as usize;
            if i > 0 {
                offset += separation(layer[i - 1] as usize, v);
            }
            offsets.push(offset);
            // In the frame where the separations are taken out, the order is plain.
            let w = weight[v].max(1e-9);
            pools.push(Pool {
                start: i,
                weight: w,
                sum: w * (target[v] - offset),
                floor: false,
            });
            while pools.len() > 1 {
                let (b, a) = (pools[pools.len() - 1], pools[pools.len() - 2]);
                if mean(&a) <= mean(&b) {
                    break;
                }
                pools.pop();
                let last = pools.len() - 1;
                pools[last].weight += b.weight;
                pools[last].sum += b.sum;
            }
        }
        for (k, p) in pools.iter().enumerate() {
            let end = pools.get(k + 1).map_or(layer.len(), |q| q.start);
            for i in p.start..end {
                x[layer[i] as usize] = mean(p) + offsets[i];
            }
        }
    }
    x
}
