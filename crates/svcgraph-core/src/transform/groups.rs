//! Groups computed from the calls, for graphs too big to read at once that have no
//! namespaces to group by: services that call each other much more than they call the rest
//! end up together (communities by modularity, merged in levels), big communities are
//! split again, and the smallest are merged into the neighbouring group that costs the least
//! modularity until at most [`MAX_GROUPS`] remain. Every node gets a group.
//!
//! The result depends only on the node ids and the calls between them, not on the order the
//! graph holds them in: the page's engine computes the same groups from the graph document
//! as the command did from the graph.

use std::collections::BTreeMap;

use crate::model::ServiceGraph;

/// At most this many groups: their names stay readable side by side.
pub const MAX_GROUPS: usize = 40;

/// Groups bigger than this are split where their calls allow: expanding one should show a
/// drawing whose names can be read.
const SPLIT_ABOVE: usize = 300;

/// Passes over the nodes per level before a level stops moving nodes regardless.
const MAX_PASSES: usize = 16;

/// The groups of `graph`'s nodes, by name (`checkout +41`: the group's busiest service and
/// how many others it holds), each with its members' ids, sorted. Empty for an empty graph.
pub fn computed_groups(graph: &ServiceGraph) -> BTreeMap<String, Vec<String>> {
    let order = graph.sorted_nodes();
    let n = order.len();
    if n == 0 {
        return BTreeMap::new();
    }
    let place: BTreeMap<_, _> = order.iter().enumerate().map(|(i, &v)| (v, i)).collect();
    // Undirected call counts between nodes (calls both ways weigh two), and each node's
    // traffic to name groups by.
    let mut weights: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    let mut traffic = vec![0.0f64; n];
    let g = graph.graph();
    for e in graph.sorted_edges() {
        let Some((s, t)) = g.edge_endpoints(e) else {
            continue;
        };
        let (a, b) = (place[&s], place[&t]);
        let rate = g[e].requests_per_second;
        if rate.is_finite() && rate > 0.0 {
            traffic[a] += rate;
            traffic[b] += rate;
        }
        if a != b {
            *weights.entry((a.min(b), a.max(b))).or_default() += 1.0;
        }
    }
    let mut adjacency: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for (&(a, b), &w) in &weights {
        adjacency[a].push((b, w));
        adjacency[b].push((a, w));
    }
    let all: Vec<usize> = (0..n).collect();
    let mut parts = split(&adjacency, &all, 0);
    merge_smallest(&adjacency, &mut parts);

    let mut groups = BTreeMap::new();
    let mut taken: BTreeMap<String, usize> = BTreeMap::new();
    for members in parts {
        let busiest = members
            .iter()
            .copied()
            .max_by(|&a, &b| {
                traffic[a].total_cmp(&traffic[b]).then_with(|| {
                    // Ties go to the first name.
                    g[order[b]].name.cmp(&g[order[a]].name)
                })
            })
            .unwrap_or(members[0]);
        let lead = &g[order[busiest]].name;
        let mut name = if members.len() == 1 {
            lead.clone()
        } else {
            format!("{lead} +{}", members.len() - 1)
        };
        // Two groups led by services of the same name.
        let seen = taken.entry(name.clone()).or_insert(0);
        *seen += 1;
        if *seen > 1 {
            name = format!("{name} ({seen})");
        }
        let mut ids: Vec<String> = members.iter().map(|&v| g[order[v]].id.clone()).collect();
        ids.sort_unstable();
        groups.insert(name, ids);
    }
    groups
}

/// `graph` with each node's namespace replaced by its group's name from `groups` (as
/// [`computed_groups`] gives them); nodes in no group keep theirs. Aggregating the result
/// by namespace draws the groups.
pub fn regroup(graph: &ServiceGraph, groups: &BTreeMap<String, Vec<String>>) -> ServiceGraph {
    let group_of: BTreeMap<&str, &str> = groups
        .iter()
        .flat_map(|(name, ids)| ids.iter().map(move |id| (id.as_str(), name.as_str())))
        .collect();
    graph.map_nodes(|node| {
        let mut node = node.clone();
        if let Some(name) = group_of.get(node.id.as_str()) {
            node.namespace = Some((*name).to_owned());
        }
        node
    })
}

/// The communities of the nodes `members` (places into `adjacency`), each split again while
/// bigger than [`SPLIT_ABOVE`] and splittable, a few levels deep.
fn split(adjacency: &[Vec<(usize, f64)>], members: &[usize], depth: usize) -> Vec<Vec<usize>> {
    let parts = communities(adjacency, members);
    if parts.len() <= 1 || depth >= 3 {
        return parts;
    }
    let mut out = Vec::with_capacity(parts.len());
    for part in parts {
        if part.len() > SPLIT_ABOVE {
            out.extend(split(adjacency, &part, depth + 1));
        } else {
            out.push(part);
        }
    }
    out
}

/// Communities of the subgraph on `members` by modularity, in levels (each level moves nodes
/// to the neighbouring community that gains most, then merges each community into one node)
/// until a level moves nothing. Each community's members are in ascending order; the
/// communities are in the order of their first member.
fn communities(adjacency: &[Vec<(usize, f64)>], members: &[usize]) -> Vec<Vec<usize>> {
    let local: BTreeMap<usize, usize> = members.iter().enumerate().map(|(i, &v)| (v, i)).collect();
    // The level's graph: neighbour lists (without self-loops) and each node's self weight.
    let mut edges: Vec<Vec<(usize, f64)>> = members
        .iter()
        .map(|&v| {
            adjacency[v]
                .iter()
                .filter_map(|&(u, w)| local.get(&u).map(|&i| (i, w)))
                .collect()
        })
        .collect();
    let mut inner = vec![0.0f64; members.len()];
    // Which level-node each member is part of.
    let mut of: Vec<usize> = (0..members.len()).collect();
    loop {
        let (assignment, count) = one_level(&edges, &inner);
        if count == edges.len() {
            break;
        }
        for x in &mut of {
            *x = assignment[*x];
        }
        let mut next: Vec<BTreeMap<usize, f64>> = vec![BTreeMap::new(); count];
        let mut next_inner = vec![0.0f64; count];
        for (v, list) in edges.iter().enumerate() {
            let cv = assignment[v];
            next_inner[cv] += inner[v];
            for &(u, w) in list {
                let cu = assignment[u];
                if cu == cv {
                    // Each inside edge is seen from both ends.
                    next_inner[cv] += w;
                } else {
                    *next[cv].entry(cu).or_default() += w;
                }
            }
        }
        edges = next.into_iter().map(|m| m.into_iter().collect()).collect();
        inner = next_inner;
        if count == 1 {
            break;
        }
    }
    let mut parts: Vec<Vec<usize>> = Vec::new();
    let mut index: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, &c) in of.iter().enumerate() {
        let k = *index.entry(c).or_insert_with(|| {
            parts.push(Vec::new());
            parts.len() - 1
        });
        parts[k].push(members[i]);
    }
    parts
}

/// One level of modularity moves on a weighted graph (`inner`: each node's weight on
/// itself, counted from both ends). Returns each node's community, numbered from 0 in the
/// order of first appearance, and how many there are.
fn one_level(edges: &[Vec<(usize, f64)>], inner: &[f64]) -> (Vec<usize>, usize) {
    let n = edges.len();
    let degree: Vec<f64> = (0..n)
        .map(|v| inner[v] + edges[v].iter().map(|&(_, w)| w).sum::<f64>())
        .collect();
    let total: f64 = degree.iter().sum();
    let mut community: Vec<usize> = (0..n).collect();
    if total <= 0.0 {
        return (community, n);
    }
    let mut sum = degree.clone();
    let mut toward = vec![0.0f64; n];
    let mut touched: Vec<usize> = Vec::new();
    for _ in 0..MAX_PASSES {
        let mut moved = false;
        for v in 0..n {
            let own = community[v];
            sum[own] -= degree[v];
            for &(u, w) in &edges[v] {
                let c = community[u];
                if toward[c] == 0.0 {
                    touched.push(c);
                }
                toward[c] += w;
            }
            // The gain of joining community c, up to a factor common to all: the calls to c
            // less what c's size would bring by chance.
            let gain = |c: usize, toward: &[f64]| toward[c] - sum[c] * degree[v] / total;
            let mut best = own;
            let mut best_gain = gain(own, &toward);
            touched.sort_unstable();
            for &c in &touched {
                let g = gain(c, &toward);
                if g > best_gain + 1e-12 {
                    best = c;
                    best_gain = g;
                }
            }
            for &c in &touched {
                toward[c] = 0.0;
            }
            touched.clear();
            sum[best] += degree[v];
            if best != own {
                community[v] = best;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    let mut number: BTreeMap<usize, usize> = BTreeMap::new();
    for c in &mut community {
        let next = number.len();
        *c = *number.entry(*c).or_insert(next);
    }
    let count = number.len();
    (community, count)
}

/// Merges the smallest part into the neighbouring part that costs the least modularity
/// (their calls less what their sizes in calls would bring by chance: a big neighbour must
/// be called much more to take it; with no neighbour, the smallest other part) until at
/// most [`MAX_GROUPS`] remain.
fn merge_smallest(adjacency: &[Vec<(usize, f64)>], parts: &mut Vec<Vec<usize>>) {
    if parts.len() <= MAX_GROUPS {
        return;
    }
    let mut part_of = vec![0usize; adjacency.len()];
    for (p, members) in parts.iter().enumerate() {
        for &v in members {
            part_of[v] = p;
        }
    }
    // Calls between parts, kept up to date as they merge; `alive` marks parts not merged away.
    let mut between: Vec<BTreeMap<usize, f64>> = vec![BTreeMap::new(); parts.len()];
    for (v, list) in adjacency.iter().enumerate() {
        for &(u, w) in list {
            let (a, b) = (part_of[v], part_of[u]);
            if a != b {
                *between[a].entry(b).or_default() += w;
            }
        }
    }
    // Each part's calls, inside ones counted from both ends.
    let mut tot: Vec<f64> = parts
        .iter()
        .map(|m| {
            m.iter()
                .map(|&v| adjacency[v].iter().map(|&(_, w)| w).sum::<f64>())
                .sum()
        })
        .collect();
    let total: f64 = tot.iter().sum::<f64>().max(1.0);
    let mut alive: Vec<bool> = vec![true; parts.len()];
    let mut left = parts.len();
    // By size, then place: the smallest first.
    let mut queue: std::collections::BTreeSet<(usize, usize)> = parts
        .iter()
        .enumerate()
        .map(|(p, m)| (m.len(), p))
        .collect();
    while left > MAX_GROUPS {
        let Some((_, small)) = queue.pop_first() else {
            break;
        };
        let cost = |p: usize, w: f64| w - tot[small] * tot[p] / total;
        let into = between[small]
            .iter()
            .filter(|&(&p, _)| alive[p])
            .max_by(|&(&p, &w), &(&q, &x)| {
                cost(p, w).total_cmp(&cost(q, x)).then_with(|| q.cmp(&p))
            })
            .map(|(&p, _)| p)
            .or_else(|| queue.first().map(|&(_, p)| p));
        let Some(into) = into else {
            break;
        };
        queue.remove(&(parts[into].len(), into));
        // In no particular order: members are sorted by id at the end.
        let moved = std::mem::take(&mut parts[small]);
        parts[into].extend(moved);
        queue.insert((parts[into].len(), into));
        alive[small] = false;
        tot[into] += tot[small];
        left -= 1;
        let links = std::mem::take(&mut between[small]);
        for (p, w) in links {
            if p == into {
                between[into].remove(&small);
                continue;
            }
            between[p].remove(&small);
            *between[p].entry(into).or_default() += w;
            *between[into].entry(p).or_default() += w;
        }
    }
    parts.retain(|m| !m.is_empty());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Edge, Node, NodeKind};

    /// `clusters` dense clusters of `size` services (each calls the next three in its
    /// cluster), joined in a ring by one call each; ids shuffled by a fixed stride.
    fn clustered(clusters: usize, size: usize) -> ServiceGraph {
        let mut g = ServiceGraph::new();
        let n = clusters * size;
        let id = |i: usize| format!("svc-{:05}", (i * 7919) % n);
        let mut idx = Vec::new();
        for i in 0..n {
            idx.push(g.upsert_node(Node::named(&id(i), NodeKind::Service)));
        }
        for c in 0..clusters {
            for k in 0..size {
                for step in 1..=3 {
                    let (a, b) = (c * size + k, c * size + (k + step) % size);
                    g.upsert_edge(idx[a], idx[b], Edge::with_rate(1.0 + k as f64));
                }
            }
            let next = ((c + 1) % clusters) * size;
            g.upsert_edge(idx[c * size], idx[next], Edge::with_rate(0.5));
        }
        g
    }

    #[test]
    fn dense_clusters_come_back_as_the_groups() {
        let g = clustered(12, 30);
        let groups = computed_groups(&g);
        assert_eq!(groups.len(), 12, "{:?}", groups.keys().collect::<Vec<_>>());
        for (name, ids) in &groups {
            assert_eq!(ids.len(), 30, "{name}");
            // All from one cluster: their places i share i / 30.
            let cluster = |id: &str| {
                let v: usize = id[4..].parse().unwrap();
                // Invert the stride: 7919 is prime to 360.
                let i = (0..360).find(|&i| (i * 7919) % 360 == v).unwrap();
                i / 30
            };
            let first = cluster(&ids[0]);
            assert!(ids.iter().all(|id| cluster(id) == first), "{name}: {ids:?}");
            assert!(name.ends_with(" +29"), "{name}");
        }
    }

    #[test]
    fn the_groups_do_not_depend_on_the_order_the_graph_holds_its_nodes() {
        let g = clustered(9, 40);
        let mut reversed = ServiceGraph::new();
        let order: Vec<_> = g.graph().node_indices().rev().collect();
        for &v in &order {
            reversed.upsert_node(g.graph()[v].clone());
        }
        for e in g.graph().edge_indices().rev() {
            let (s, t) = g.graph().edge_endpoints(e).unwrap();
            let (s, t) = (
                reversed.node_index(&g.graph()[s].id).unwrap(),
                reversed.node_index(&g.graph()[t].id).unwrap(),
            );
            reversed.upsert_edge(s, t, g.graph()[e].clone());
        }
        assert_eq!(computed_groups(&g), computed_groups(&reversed));
    }

    #[test]
    fn every_node_is_in_one_group_and_there_are_never_too_many() {
        // Many small parts with no calls between them, and loners.
        let mut g = ServiceGraph::new();
        for i in 0..300 {
            let a = g.upsert_node(Node::named(&format!("a{i}"), NodeKind::Service));
            let b = g.upsert_node(Node::named(&format!("b{i}"), NodeKind::Service));
            g.upsert_edge(a, b, Edge::with_rate(f64::NAN));
        }
        for i in 0..50 {
            g.upsert_node(Node::named(&format!("alone{i}"), NodeKind::Service));
        }
        let groups = computed_groups(&g);
        assert!(groups.len() <= MAX_GROUPS, "{}", groups.len());
        let mut all: Vec<&String> = groups.values().flatten().collect();
        all.sort();
        let before = all.len();
        all.dedup();
        assert_eq!(all.len(), before, "a node in two groups");
        assert_eq!(all.len(), g.node_count());
        // The regrouped graph aggregates into one node per group.
        let regrouped = regroup(&g, &groups);
        let overview = crate::transform::aggregate(&regrouped, crate::transform::Level::Namespace);
        assert_eq!(overview.node_count(), groups.len());
    }

    #[test]
    fn a_group_is_named_by_its_busiest_service() {
        let mut g = ServiceGraph::new();
        let hub = g.upsert_node(Node::named("checkout", NodeKind::Service));
        for i in 0..5 {
            let leaf = g.upsert_node(Node::named(&format!("leaf{i}"), NodeKind::Service));
            g.upsert_edge(hub, leaf, Edge::with_rate(2.0));
        }
        let groups = computed_groups(&g);
        assert_eq!(groups.keys().collect::<Vec<_>>(), ["checkout +5"]);
        assert!(computed_groups(&ServiceGraph::new()).is_empty());
    }
}
