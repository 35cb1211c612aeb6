//! Transforms: each takes a graph and returns a new one.
//!
//! * [`filter`]: by namespace (edges touching it), by name, hiding virtual or external nodes;
//! * [`focus`]: a node and its callers and/or callees up to a depth;
//! * [`aggregate`]: pods into workloads, or everything into namespaces ([`aggregate_except`]:
//!   all but some namespaces);
//! * [`prune`]: edges under a request rate;
//! * [`regroup`]: namespaces replaced by groups computed from the calls
//!   ([`computed_groups`]), for graphs with none to group by;
//!
//! and one question about a graph, [`paths`]: the call chains from one node to another.
//!
//! When nodes merge, their edges merge: request and failure rates add up, the error ratio is
//! recomputed from the sums, and each latency quantile keeps the largest of the merged edges
//! (an upper bound: quantiles cannot be combined exactly without the histograms).
//! The CLI applies them in the order aggregate → filter → prune → focus.

use std::collections::VecDeque;

use petgraph::Direction as Dir;
use petgraph::graph::NodeIndex;
#[cfg(feature = "full")]
use regex::Regex;

use crate::error::{Error, Result, Suggestions, excerpt};
use crate::model::{Node, NodeKind, ServiceGraph};

mod groups;

pub use groups::{MAX_GROUPS, computed_groups, regroup};

/// Which nodes to keep.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Filter {
    /// Keep only edges that touch one of these namespaces (with the peers at their other end).
    /// Empty: no namespace filter.
    pub namespaces: Vec<String>,
    /// Keep only nodes whose name or id contains a match (with the `full` feature).
    #[cfg(feature = "full")]
    pub name: Option<Regex>,
    /// Drop nodes whose name or id contains a match (with the `full` feature).
    #[cfg(feature = "full")]
    pub exclude: Option<Regex>,
    /// Drop virtual nodes (uninstrumented callers and callees).
    pub hide_virtual: bool,
    /// Drop external and unknown nodes.
    pub hide_external: bool,
}

impl Filter {
    /// Whether the filter keeps every node and edge of any graph (no criterion set): then
    /// [`filter`] is a copy, which a caller holding a large graph can skip.
    pub fn keeps_everything(&self) -> bool {
        #[cfg(feature = "full")]
        if self.name.is_some() || self.exclude.is_some() {
            return false;
        }
        self.namespaces.is_empty() && !self.hide_virtual && !self.hide_external
    }
}

/// Applies a [`Filter`]. Nodes are dropped with their edges.
pub fn filter(graph: &ServiceGraph, f: &Filter) -> ServiceGraph {
    let by_node = graph.subgraph(
        |_, n| {
            !(f.hide_virtual && n.kind == NodeKind::Virtual
                || f.hide_external && matches!(n.kind, NodeKind::External | NodeKind::Unknown)
                || dropped_by_name(f, n))
        },
        |_, _, _| true,
    );
    if f.namespaces.is_empty() {
        return by_node;
    }
    let inside = |n: &Node| {
        n.namespace
            .as_ref()
            .is_some_and(|ns| f.namespaces.iter().any(|want| want == ns))
    };
    let g = by_node.graph();
    let mut keep = vec![false; g.node_count()];
    for e in g.edge_indices() {
        if let Some((s, t)) = g.edge_endpoints(e)
            && (inside(&g[s]) || inside(&g[t]))
        {
            keep[s.index()] = true;
            keep[t.index()] = true;
        }
    }
    // Keep in-namespace nodes even when they have no edges left; drop edges between two
    // outside peers that happen to be kept.
    by_node.subgraph(
        |i, n| keep[i.index()] || inside(n),
        |s, t, _| inside(&g[s]) || inside(&g[t]),
    )
}

/// Whether the name patterns of `f` drop `n`.
#[cfg(feature = "full")]
fn dropped_by_name(f: &Filter, n: &Node) -> bool {
    let named = |re: &Regex| re.is_match(&n.name) || re.is_match(&n.id);
    f.name.as_ref().is_some_and(|re| !named(re)) || f.exclude.as_ref().is_some_and(named)
}

/// Without the `full` feature there are no name patterns.
#[cfg(not(feature = "full"))]
fn dropped_by_name(_: &Filter, _: &Node) -> bool {
    false
}

/// Which way [`focus`] walks from the focused node: along the calls, not across the page
/// (that is [`layout::Direction`](crate::layout::Direction)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FocusDirection {
    /// Its callers, their callers, …
    Upstream,
    /// What it calls, and so on.
    Downstream,
    /// Both of the above (not siblings: a caller's other callees are not included).
    #[default]
    Both,
}

/// The nodes named `selector` (by id or name) with everything within `depth` calls upstream,
/// downstream or both, and the edges among them. `usize::MAX` means no limit.
pub fn focus(
    graph: &ServiceGraph,
    selector: &str,
    depth: usize,
    direction: FocusDirection,
) -> Result<ServiceGraph> {
    let g = graph.graph();
    let seeds = select(graph, selector)?;
    let mut keep = vec![false; g.node_count()];
    let walks: &[Dir] = match direction {
        FocusDirection::Upstream => &[Dir::Incoming],
        FocusDirection::Downstream => &[Dir::Outgoing],
        FocusDirection::Both => &[Dir::Incoming, Dir::Outgoing],
    };
    for &dir in walks {
        let mut seen = vec![false; g.node_count()];
        let mut queue: VecDeque<(NodeIndex, usize)> = VecDeque::new();
        for &s in &seeds {
            seen[s.index()] = true;
            queue.push_back((s, 0));
        }
        while let Some((node, d)) = queue.pop_front() {
            keep[node.index()] = true;
            if d == depth {
                continue;
            }
            for next in g.neighbors_directed(node, dir) {
                if !seen[next.index()] {
                    seen[next.index()] = true;
                    queue.push_back((next, d + 1));
                }
            }
        }
    }
    Ok(graph.subgraph(|i, _| keep[i.index()], |_, _, _| true))
}

/// The nodes whose id or name is `selector`, in id order; [`Error::NodeNotFound`] with close
/// names when there is none. An id names one node; a name may name several (the same
/// service in two namespaces).
pub fn select(graph: &ServiceGraph, selector: &str) -> Result<Vec<NodeIndex>> {
    let g = graph.graph();
    let found: Vec<NodeIndex> = graph
        .sorted_nodes()
        .into_iter()
        .filter(|&i| g[i].id == selector || g[i].name == selector)
        .collect();
    if found.is_empty() {
        return Err(Error::NodeNotFound {
            query: excerpt(selector),
            hint: suggestions(graph, selector),
        });
    }
    Ok(found)
}

/// Up to five node names close to `selector`, closest first: those within a few edits
/// (typos such as `chekout` for `checkout`), or containing it or contained in it, ignoring
/// case.
fn suggestions(graph: &ServiceGraph, selector: &str) -> Suggestions {
    let wanted = selector.to_lowercase();
    // About one typo per four characters, at least one.
    let allowed = (wanted.chars().count() / 4).max(1);
    // Ranked by edits, a name containing the selector (or contained in it) counting as one
    // edit and coming before a true typo at the same distance.
    let mut close: Vec<(usize, bool, &str)> = graph
        .nodes()
        .map(|n| n.name.as_str())
        .filter(|n| !n.is_empty())
        .filter_map(|name| {
            let lower = name.to_lowercase();
            if lower.contains(&wanted) || wanted.contains(&lower) {
                return Some((1, false, name));
            }
            let distance = edit_distance(&wanted, &lower);
            (distance <= allowed).then_some((distance, true, name))
        })
        .collect();
    close.sort_unstable();
    close.dedup_by(|a, b| a.2 == b.2);
    Suggestions(
        close
            .into_iter()
            .take(5)
            .map(|(_, _, name)| excerpt(name))
            .collect(),
    )
}

/// Levenshtein distance between two strings, in characters (insertions, deletions and
/// substitutions each cost one).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// How far [`aggregate`] merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Level {
    /// Pods become their workload (Deployment, StatefulSet, DaemonSet, Job).
    Workload,
    /// Every node with a namespace becomes its namespace.
    Namespace,
}

/// Merges nodes up to `level`. Nodes the level does not apply to stay as they are: at the
/// workload level only pods change; at the namespace level nodes without a namespace
/// (external, virtual, most databases) stay. Calls inside a group become a self-loop.
pub fn aggregate(graph: &ServiceGraph, level: Level) -> ServiceGraph {
    aggregate_except(graph, level, &[])
}

/// [`aggregate`], but the nodes of the namespaces in `keep` stay as they are (at the
/// namespace level): one namespace drawn in full among the others merged, as the page shows
/// a namespace expanded on its overview. The workload level ignores `keep`.
pub fn aggregate_except(graph: &ServiceGraph, level: Level, keep: &[String]) -> ServiceGraph {
    graph.map_nodes(|n| match level {
        Level::Workload if n.kind == NodeKind::Pod => {
            let name = workload_name(&n.name);
            Node {
                id: qualified(n.namespace.as_deref(), name),
                name: name.to_owned(),
                namespace: n.namespace.clone(),
                kind: NodeKind::Workload,
                addresses: n.addresses.clone(),
                diff: n.diff,
            }
        }
        Level::Namespace => match &n.namespace {
            Some(ns) if !keep.contains(ns) => Node {
                id: format!("ns:{ns}"),
                name: ns.clone(),
                namespace: Some(ns.clone()),
                kind: NodeKind::Namespace,
                addresses: n.addresses.clone(),
                diff: None,
            },
            _ => n.clone(),
        },
        Level::Workload => n.clone(),
    })
}

fn qualified(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_owned(),
    }
}

/// The workload a pod belongs to, from its name:
/// * Deployment: `name-<pod-template-hash>-<suffix>` → `name`
/// * DaemonSet, Job, bare ReplicaSet: `name-<suffix>` → `name`
/// * StatefulSet: `name-<ordinal>` → `name`
///
/// Hashes and suffixes are recognised by Kubernetes' alphabet for generated names (no vowels,
/// no `0`, `1`, `3`), so ordinary words such as `api-cache` are left alone. A name that
/// matches none of the shapes is returned unchanged.
pub fn workload_name(pod: &str) -> &str {
    const GENERATED: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let generated = |part: &str, min: usize, max: usize| {
        (min..=max).contains(&part.len()) && part.bytes().all(|b| GENERATED.contains(&b))
    };
    if let Some((rest, suffix)) = pod.rsplit_once('-')
        && generated(suffix, 5, 5)
        && !rest.is_empty()
    {
        if let Some((base, hash)) = rest.rsplit_once('-')
            && generated(hash, 6, 10)
            && !base.is_empty()
        {
            return base;
        }
        return rest;
    }
    if let Some((base, ordinal)) = pod.rsplit_once('-')
        && !ordinal.is_empty()
        && ordinal.bytes().all(|b| b.is_ascii_digit())
        && !base.is_empty()
    {
        return base;
    }
    pod
}

/// Drops edges under `min_rate` requests per second, and the nodes left with no edge.
pub fn prune(graph: &ServiceGraph, min_rate: f64) -> ServiceGraph {
    let g = graph.graph();
    let mut used = vec![false; g.node_count()];
    for e in g.edge_indices() {
        if g[e].requests_per_second >= min_rate
            && let Some((s, t)) = g.edge_endpoints(e)
        {
            used[s.index()] = true;
            used[t.index()] = true;
        }
    }
    graph.subgraph(
        |i, _| used[i.index()] || g.neighbors_undirected(i).next().is_none(),
        |_, _, e| e.requests_per_second >= min_rate,
    )
}

/// The call chains from `from` to `to` (each an id or a name), as node lists: simple paths
/// of at most `max_hops` calls, shortest first, then by the names along them; at most
/// `limit`. From a node to itself: the cycles through it. Empty when `to` cannot be reached within `max_hops`; [`Error::NodeNotFound`] for an
/// unknown name. The search visits only nodes from which `to` is still reachable in the hops
/// left, so it stays cheap on large graphs when paths are few.
pub fn paths(
    graph: &ServiceGraph,
    from: &str,
    to: &str,
    max_hops: usize,
    limit: usize,
) -> Result<Vec<Vec<NodeIndex>>> {
    let g = graph.graph();
    let starts = select(graph, from)?;
    let targets = select(graph, to)?;
    // Calls still needed from each node to reach a target, walking the calls backwards.
    let mut needed = vec![usize::MAX; g.node_count()];
    let mut queue: VecDeque<NodeIndex> = VecDeque::new();
    for &t in &targets {
        needed[t.index()] = 0;
        queue.push_back(t);
    }
    while let Some(node) = queue.pop_front() {
        let d = needed[node.index()];
        if d == max_hops {
            continue;
        }
        for caller in g.neighbors_directed(node, Dir::Incoming) {
            if needed[caller.index()] == usize::MAX {
                needed[caller.index()] = d + 1;
                queue.push_back(caller);
            }
        }
    }
    let is_target = |n: NodeIndex| targets.contains(&n);
    let mut found: Vec<Vec<NodeIndex>> = Vec::new();
    // Enough candidates to choose the `limit` best from: every path is found by a
    // depth-first walk in name order, then all are sorted; the walk stops early once it has
    // many more than asked, which only happens on dense graphs.
    let cap = limit.saturating_mul(64).max(1024);
    let mut on_path = vec![false; g.node_count()];
    for &start in &starts {
        if needed[start.index()] > max_hops || found.len() >= cap {
            continue;
        }
        let mut path = vec![start];
        on_path[start.index()] = true;
        walk(
            graph,
            &needed,
            &is_target,
            max_hops,
            cap,
            &mut path,
            &mut on_path,
            &mut found,
        );
        on_path[start.index()] = false;
    }
    let names = |p: &Vec<NodeIndex>| -> Vec<(&str, &str)> {
        p.iter()
            .map(|&n| (g[n].name.as_str(), g[n].id.as_str()))
            .collect()
    };
    found.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| names(a).cmp(&names(b))));
    found.truncate(limit);
    Ok(found)
}

/// One step of [`paths`]' depth-first walk from the end of `path`.
#[allow(clippy::too_many_arguments)]
fn walk(
    graph: &ServiceGraph,
    needed: &[usize],
    is_target: &dyn Fn(NodeIndex) -> bool,
    max_hops: usize,
    cap: usize,
    path: &mut Vec<NodeIndex>,
    on_path: &mut [bool],
    found: &mut Vec<Vec<NodeIndex>>,
) {
    let g = graph.graph();
    let Some(&here) = path.last() else {
        return;
    };
    if path.len() > 1 && is_target(here) {
        found.push(path.clone());
        return;
    }
    // Calls left after the next one.
    let Some(left) = max_hops.checked_sub(path.len()) else {
        return;
    };
    let mut next: Vec<NodeIndex> = g
        .neighbors_directed(here, Dir::Outgoing)
        .filter(|&n| {
            // A node once per path; the target again only to close a cycle through it.
            (!on_path[n.index()] || is_target(n)) && needed[n.index()] <= left
        })
        .collect();
    next.sort_by(|&a, &b| (&g[a].name, &g[a].id).cmp(&(&g[b].name, &g[b].id)));
    next.dedup();
    for n in next {
        if found.len() >= cap {
            return;
        }
        path.push(n);
        on_path[n.index()] = true;
        walk(
            graph, needed, is_target, max_hops, cap, path, on_path, found,
        );
        on_path[n.index()] = false;
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Edge;
    use crate::render::json::to_json;

    /// `front -> cart -> redis`, `front -> catalog`, `user -> front` (virtual),
    /// `cart -> 1.2.3.4` (external), `batch -> catalog`.
    fn shop() -> ServiceGraph {
        let mut g = ServiceGraph::new();
        let node = |g: &mut ServiceGraph, name: &str, ns: Option<&str>, kind| {
            let mut n = Node::named(name, kind);
            n.namespace = ns.map(str::to_owned);
            g.upsert_node(n)
        };
        let front = node(&mut g, "front", Some("shop"), NodeKind::Service);
        let cart = node(&mut g, "cart", Some("shop"), NodeKind::Service);
        let redis = node(&mut g, "redis", Some("data"), NodeKind::Service);
        let catalog = node(&mut g, "catalog", Some("shop"), NodeKind::Service);
        let user = node(&mut g, "user", None, NodeKind::Virtual);
        let ext = node(&mut g, "1.2.3.4", None, NodeKind::External);
        let batch = node(&mut g, "batch", Some("jobs"), NodeKind::Service);
        for (s, t, rate) in [
            (user, front, 10.0),
            (front, cart, 5.0),
            (cart, redis, 8.0),
            (front, catalog, 4.0),
            (cart, ext, 0.5),
            (batch, catalog, 0.1),
        ] {
            g.upsert_edge(s, t, Edge::with_rate(rate));
        }
        g
    }

    fn names(g: &ServiceGraph) -> Vec<String> {
        let mut v: Vec<String> = g.nodes().map(|n| n.name.clone()).collect();
        v.sort();
        v
    }

    #[test]
    fn namespace_filter_keeps_edges_touching_the_namespace() {
        let f = Filter {
            namespaces: vec!["data".into()],
            ..Filter::default()
        };
        let g = filter(&shop(), &f);
        assert_eq!(names(&g), ["cart", "redis"]);
        assert_eq!(g.edge_count(), 1);
        let f = Filter {
            namespaces: vec!["jobs".into(), "data".into()],
            ..Filter::default()
        };
        assert_eq!(
            names(&filter(&shop(), &f)),
            ["batch", "cart", "catalog", "redis"]
        );
    }

    #[test]
    fn kind_filters_drop_nodes_with_their_edges() {
        let f = Filter {
            hide_virtual: true,
            hide_external: true,
            ..Filter::default()
        };
        let g = filter(&shop(), &f);
        assert_eq!(names(&g), ["batch", "cart", "catalog", "front", "redis"]);
        assert_eq!(g.edge_count(), 4);
    }

    #[test]
    fn a_filter_without_criteria_keeps_everything() {
        let g = shop();
        assert!(Filter::default().keeps_everything());
        let copy = filter(&g, &Filter::default());
        assert_eq!(to_json(&copy), to_json(&g));
        let criteria = [
            Filter {
                namespaces: vec!["data".into()],
                ..Filter::default()
            },
            Filter {
                hide_virtual: true,
                ..Filter::default()
            },
            Filter {
                hide_external: true,
                ..Filter::default()
            },
            #[cfg(feature = "full")]
            Filter {
                name: Some(Regex::new("c").unwrap()),
                ..Filter::default()
            },
            #[cfg(feature = "full")]
            Filter {
                exclude: Some(Regex::new("c").unwrap()),
                ..Filter::default()
            },
        ];
        for f in criteria {
            assert!(!f.keeps_everything(), "{f:?}");
            assert!(filter(&g, &f).node_count() < g.node_count(), "{f:?}");
        }
    }

    #[test]
    #[cfg(feature = "full")]
    fn kind_and_name_filters_drop_nodes_with_their_edges() {
        let f = Filter {
            hide_virtual: true,
            hide_external: true,
            exclude: Some(Regex::new("^batch$").unwrap()),
            ..Filter::default()
        };
        let g = filter(&shop(), &f);
        assert_eq!(names(&g), ["cart", "catalog", "front", "redis"]);
        assert_eq!(g.edge_count(), 3);
        let f = Filter {
            name: Some(Regex::new("c").unwrap()),
            ..Filter::default()
        };
        assert_eq!(names(&filter(&shop(), &f)), ["batch", "cart", "catalog"]);
    }

    #[test]
    fn focus_walks_the_requested_direction_and_depth() {
        let g = shop();
        let down = focus(&g, "front", 1, FocusDirection::Downstream).unwrap();
        assert_eq!(names(&down), ["cart", "catalog", "front"]);
        let down2 = focus(&g, "front", 2, FocusDirection::Downstream).unwrap();
        assert_eq!(
            names(&down2),
            ["1.2.3.4", "cart", "catalog", "front", "redis"]
        );
        let up = focus(&g, "catalog", usize::MAX, FocusDirection::Upstream).unwrap();
        assert_eq!(names(&up), ["batch", "catalog", "front", "user"]);
        // Both directions, but not siblings: catalog is front's callee, not cart's neighbour.
        let both = focus(&g, "cart", 1, FocusDirection::Both).unwrap();
        assert_eq!(names(&both), ["1.2.3.4", "cart", "front", "redis"]);
        assert_eq!(both.edge_count(), 3);
        assert_eq!(
            focus(&g, "cart", 0, FocusDirection::Both)
                .unwrap()
                .node_count(),
            1
        );
    }

    #[test]
    fn focus_on_a_missing_node_suggests_close_names() {
        let err = focus(&shop(), "CAT", 1, FocusDirection::Both).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no node is named `CAT`; did you mean `catalog`, `cart`?"
        );
        let err = focus(&shop(), "zzz", 1, FocusDirection::Both).unwrap_err();
        assert_eq!(err.to_string(), "no node is named `zzz`");
    }

    #[test]
    fn focus_suggests_names_a_typo_away() {
        let err = focus(&shop(), "catlog", 1, FocusDirection::Both).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no node is named `catlog`; did you mean `catalog`?"
        );
        let err = focus(&shop(), "Frnt", 1, FocusDirection::Both).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no node is named `Frnt`; did you mean `front`?"
        );
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("checkout", "checkout"), 0);
        assert_eq!(edit_distance("chekout", "checkout"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("naïve", "naive"), 1);
    }

    #[test]
    fn workload_names_strip_generated_suffixes_only() {
        for (pod, workload) in [
            ("checkout-7d4f8b9c6d-x2k9p", "checkout"),
            ("checkout-5fd9c8b7f-zq4rt", "checkout"),
            ("node-exporter-h7x2m", "node-exporter"),
            ("postgres-0", "postgres"),
            ("kafka-broker-12", "kafka-broker"),
            ("api-cache", "api-cache"),
            ("frontend", "frontend"),
            ("-x2k9p", "-x2k9p"),
            ("a-b-c", "a-b-c"),
            ("cart-v2", "cart-v2"),
        ] {
            assert_eq!(workload_name(pod), workload, "{pod}");
        }
    }

    #[test]
    fn aggregation_merges_edges_and_sums_rates() {
        let mut g = ServiceGraph::new();
        let mut pod = |name: &str, ns: &str| {
            let mut n = Node::named(name, NodeKind::Pod);
            n.namespace = Some(ns.into());
            n.addresses.insert(format!("ip-{name}"));
            g.upsert_node(n)
        };
        let f1 = pod("front-6b9f8c7d5-x2k9p", "shop");
        let f2 = pod("front-6b9f8c7d5-fghjk", "shop");
        let c1 = pod("cart-0", "shop");
        let d1 = pod("db-0", "data");
        let mut e = Edge::with_rate(3.0);
        e.failures_per_second = 0.3;
        e.latency.p95 = Some(0.1);
        g.upsert_edge(f1, c1, e.clone());
        e.latency.p95 = Some(0.3);
        g.upsert_edge(f2, c1, e);
        g.upsert_edge(c1, d1, Edge::with_rate(2.0));
        g.upsert_edge(f1, f2, Edge::with_rate(1.0));

        let w = aggregate(&g, Level::Workload);
        assert_eq!(names(&w), ["cart", "db", "front"]);
        let front = w.node("shop/front").unwrap();
        assert_eq!(front.kind, NodeKind::Workload);
        assert_eq!(front.addresses.len(), 2);
        let (_, _, merged) = w
            .edges()
            .find(|(s, t, _)| s.name == "front" && t.name == "cart")
            .unwrap();
        assert!((merged.requests_per_second - 6.0).abs() < 1e-12);
        assert!((merged.error_ratio() - 0.1).abs() < 1e-12);
        assert_eq!(merged.latency.p95, Some(0.3));
        // Calls between pods of one workload become a self-loop.
        assert!(w.edges().any(|(s, t, _)| s.id == t.id));

        let n = aggregate(&w, Level::Namespace);
        assert_eq!(names(&n), ["data", "shop"]);
        assert_eq!(n.node("ns:shop").unwrap().kind, NodeKind::Namespace);
        assert_eq!(n.edge_count(), 2);

        // One namespace kept in full among the merged others.
        let kept = aggregate_except(&w, Level::Namespace, &["shop".to_owned()]);
        assert_eq!(names(&kept), ["cart", "data", "front"]);
        assert_eq!(kept.node("ns:data").unwrap().kind, NodeKind::Namespace);
        assert_eq!(kept.node("shop/cart").unwrap().kind, NodeKind::Workload);
        assert!(
            kept.edges()
                .any(|(s, t, _)| s.id == "shop/cart" && t.id == "ns:data")
        );
        // Keeping a namespace changes nothing at the workload level.
        assert_eq!(
            names(&aggregate_except(&g, Level::Workload, &["shop".to_owned()])),
            names(&w)
        );
    }

    #[test]
    fn prune_drops_slow_edges_and_orphaned_nodes() {
        let g = prune(&shop(), 1.0);
        assert_eq!(names(&g), ["cart", "catalog", "front", "redis", "user"]);
        assert_eq!(g.edge_count(), 4);
        assert_eq!(prune(&shop(), 100.0).node_count(), 0);
    }

    #[test]
    fn paths_are_simple_shortest_first_and_bounded() {
        let mut g = shop();
        let names = |g: &ServiceGraph, p: &[NodeIndex]| -> Vec<String> {
            p.iter().map(|&n| g.graph()[n].name.clone()).collect()
        };
        // A second, longer way from the user to redis, and a cycle that must not loop.
        let catalog = g.node_index("catalog").unwrap();
        let redis = g.node_index("redis").unwrap();
        let front = g.node_index("front").unwrap();
        g.upsert_edge(catalog, redis, Edge::with_rate(1.0));
        g.upsert_edge(redis, front, Edge::with_rate(0.1));
        let found = paths(&g, "user", "redis", 5, 10).unwrap();
        let found: Vec<Vec<String>> = found.iter().map(|p| names(&g, p)).collect();
        assert_eq!(
            found,
            [
                vec!["user", "front", "cart", "redis"],
                vec!["user", "front", "catalog", "redis"]
            ]
        );
        assert_eq!(paths(&g, "user", "redis", 3, 10).unwrap().len(), 2);
        assert!(paths(&g, "user", "redis", 2, 10).unwrap().is_empty());
        assert!(paths(&g, "front", "front", 0, 10).unwrap().is_empty());
        assert_eq!(paths(&g, "user", "redis", 5, 1).unwrap().len(), 1);
        // Against the calls: nothing.
        assert!(paths(&g, "redis", "batch", 9, 10).unwrap().is_empty());
        // From a node to itself: the cycles through it, each once.
        let round = paths(&g, "front", "front", 9, 10).unwrap();
        let round: Vec<Vec<String>> = round.iter().map(|p| names(&g, p)).collect();
        assert_eq!(
            round,
            [
                vec!["front", "cart", "redis", "front"],
                vec!["front", "catalog", "redis", "front"]
            ]
        );
        let err = paths(&g, "usr", "redis", 5, 10).unwrap_err().to_string();
        assert!(err.contains("user"), "{err}");
    }
}
