//! The service graph: typed nodes and edges on a petgraph `DiGraph`.
//!
//! Nodes are identified by a stable string id (an address, or `namespace/name`, or a name), so
//! adding a node or an edge twice merges instead of duplicating: building from series is a
//! single pass with hash look-ups, O(series). There is at most one edge per ordered pair of
//! nodes; self-loops are allowed.
//!
//! Iteration follows insertion order. Renderers use [`ServiceGraph::sorted_nodes`] and
//! [`ServiceGraph::sorted_edges`], which order by id, so output does not depend on the order
//! the series arrived in.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::{Deserialize, Serialize};

use crate::diff::{Change, EdgeDiff};

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NodeKind {
    /// A service, as named by tracing (`service.name`).
    Service,
    /// One Kubernetes pod.
    Pod,
    /// A workload: Deployment, StatefulSet, DaemonSet, … (pods aggregated, or a mesh's label).
    Workload,
    /// A whole namespace (after aggregation).
    Namespace,
    /// A database the caller talks to (seen only from the calling side).
    Database,
    /// A node inferred from one side of a span pair: an uninstrumented caller or callee.
    Virtual,
    /// Something outside the cluster or mesh, known only by an address or host name.
    External,
    /// A caller or callee the producer could not identify.
    Unknown,
}

impl NodeKind {
    /// All kinds, for documentation and legends.
    pub const ALL: [NodeKind; 8] = [
        NodeKind::Service,
        NodeKind::Pod,
        NodeKind::Workload,
        NodeKind::Namespace,
        NodeKind::Database,
        NodeKind::Virtual,
        NodeKind::External,
        NodeKind::Unknown,
    ];

    /// The lower-case name used in JSON, DOT classes and schema files.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Service => "service",
            NodeKind::Pod => "pod",
            NodeKind::Workload => "workload",
            NodeKind::Namespace => "namespace",
            NodeKind::Database => "database",
            NodeKind::Virtual => "virtual",
            NodeKind::External => "external",
            NodeKind::Unknown => "unknown",
        }
    }

    /// How much a kind tells about a node. When the same node is seen twice, the more telling
    /// kind wins: a caller first seen only by its IP (external) that also serves requests as a
    /// named pod is a pod.
    pub(crate) fn certainty(self) -> u8 {
        match self {
            NodeKind::Unknown => 0,
            NodeKind::External => 1,
            NodeKind::Virtual => 2,
            NodeKind::Database => 3,
            NodeKind::Service | NodeKind::Pod | NodeKind::Workload | NodeKind::Namespace => 4,
        }
    }
}

impl fmt::Display for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A service, pod, workload or other participant in calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Node {
    /// Stable identity: the key edges refer to.
    pub id: String,
    /// What a person reads on the picture.
    pub name: String,
    /// The Kubernetes namespace, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// What the node stands for.
    pub kind: NodeKind,
    /// Network addresses seen for it, sorted.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub addresses: BTreeSet<String>,
    /// In a comparison ([`diff`](crate::diff::diff)): `new` or `gone` when the node is only in
    /// one of the two graphs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<Change>,
}

impl Node {
    /// A node whose id is its name.
    pub fn named(name: &str, kind: NodeKind) -> Self {
        Node {
            id: name.to_owned(),
            name: name.to_owned(),
            namespace: None,
            kind,
            addresses: BTreeSet::new(),
            diff: None,
        }
    }

    /// Folds what another sighting of the same node adds: the more telling kind (with its
    /// name), a namespace if this one had none, and all addresses.
    pub fn absorb(&mut self, other: Node) {
        if other.kind.certainty() > self.kind.certainty() {
            self.kind = other.kind;
            self.name = other.name;
        }
        if self.namespace.is_none() {
            self.namespace = other.namespace;
        }
        self.addresses.extend(other.addresses);
    }
}

/// Latency quantiles of an edge, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Latency {
    /// Median.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p50: Option<f64>,
    /// 95th percentile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95: Option<f64>,
    /// 99th percentile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99: Option<f64>,
}

impl Latency {
    /// Whether no quantile is known.
    pub fn is_empty(&self) -> bool {
        self.p50.is_none() && self.p95.is_none() && self.p99.is_none()
    }

    /// Merges two edges' quantiles by keeping the larger of each. Quantiles cannot be added or
    /// averaged exactly without the histogram; the larger one is a true upper bound of the
    /// merged quantile, so a merged edge never looks faster than its slowest part.
    pub fn merge_upper_bound(&mut self, other: &Latency) {
        fn max(a: Option<f64>, b: Option<f64>) -> Option<f64> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            }
        }
        self.p50 = max(self.p50, other.p50);
        self.p95 = max(self.p95, other.p95);
        self.p99 = max(self.p99, other.p99);
    }
}

/// Calls from one node to another over the query window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Edge {
    /// Requests per second.
    pub requests_per_second: f64,
    /// Failed requests per second.
    #[serde(default)]
    pub failures_per_second: f64,
    /// Latency quantiles, in seconds.
    #[serde(default, skip_serializing_if = "Latency::is_empty")]
    pub latency: Latency,
    /// The producer's connection type (`virtual_node`, `messaging_system`, `database`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_type: Option<String>,
    /// In a comparison ([`diff`](crate::diff::diff)): how the edge compares with the baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<Box<EdgeDiff>>,
}

impl Edge {
    /// An edge carrying this many requests per second and nothing else yet.
    pub fn with_rate(requests_per_second: f64) -> Self {
        Edge {
            requests_per_second,
            failures_per_second: 0.0,
            latency: Latency::default(),
            connection_type: None,
            diff: None,
        }
    }

    /// Failures over requests, in `[0, 1]`. Zero when there are no requests. Clamped at 1
    /// because producers that count failures on both sides (Beyla) or rate extrapolation can
    /// report more failures than requests.
    pub fn error_ratio(&self) -> f64 {
        if self.requests_per_second > 0.0 {
            (self.failures_per_second / self.requests_per_second).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// Folds a parallel edge into this one: rates add up (so the error ratio is recomputed
    /// from the sums), latency keeps the upper bound, and the connection type survives only
    /// when both agree.
    pub fn absorb(&mut self, other: &Edge) {
        self.requests_per_second += other.requests_per_second;
        self.failures_per_second += other.failures_per_second;
        self.latency.merge_upper_bound(&other.latency);
        if self.connection_type != other.connection_type {
            self.connection_type = None;
        }
        // A comparison is made after merging; merged comparisons would not add up.
        self.diff = None;
    }
}

/// One node renamed by a naming rule: its id before, its id after, and which rule did it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Rename {
    /// The node's id after the rules (listed first so that renames sort by it).
    pub to: String,
    /// The node's id as the producer gave it.
    pub from: String,
    /// The rule, as the rules file spells it: `cidr 10.4.0.0/16`, `rename ^(.*)-v2$`,
    /// `alias`, `ip_peers collapse`.
    pub rule: String,
}

impl Rename {
    /// A rename record.
    pub fn new(from: &str, to: &str, rule: &str) -> Self {
        Rename {
            to: to.to_owned(),
            from: from.to_owned(),
            rule: rule.to_owned(),
        }
    }
}

/// A directed graph of who calls whom.
#[derive(Debug, Clone, Default)]
pub struct ServiceGraph {
    graph: DiGraph<Node, Edge>,
    ids: HashMap<String, NodeIndex, foldhash::fast::RandomState>,
    pairs: HashMap<(NodeIndex, NodeIndex), EdgeIndex, foldhash::fast::RandomState>,
    /// What naming rules renamed, sorted; carried through transforms and comparisons.
    renames: Vec<Rename>,
}

impl ServiceGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty graph with room for `nodes` nodes and `edges` edges.
    pub fn with_capacity(nodes: usize, edges: usize) -> Self {
        Self {
            graph: DiGraph::with_capacity(nodes, edges),
            ids: HashMap::with_capacity_and_hasher(nodes, foldhash::fast::RandomState::default()),
            pairs: HashMap::with_capacity_and_hasher(edges, foldhash::fast::RandomState::default()),
            renames: Vec::new(),
        }
    }

    /// Adds a node, or merges it into the node with the same id (see [`Node::absorb`]).
    pub fn upsert_node(&mut self, node: Node) -> NodeIndex {
        if let Some(&index) = self.ids.get(&node.id) {
            self.graph[index].absorb(node);
            index
        } else {
            let id = node.id.clone();
            let index = self.graph.add_node(node);
            self.ids.insert(id, index);
            index
        }
    }

    /// Adds an edge, or merges it into the existing edge between the same two nodes (see
    /// [`Edge::absorb`]).
    ///
    /// # Panics
    ///
    /// If `source` or `target` is not a node of this graph: take them from
    /// [`ServiceGraph::upsert_node`] or [`ServiceGraph::node_index`] of the same graph.
    pub fn upsert_edge(&mut self, source: NodeIndex, target: NodeIndex, edge: Edge) -> EdgeIndex {
        if let Some(&index) = self.pairs.get(&(source, target)) {
            self.graph[index].absorb(&edge);
            index
        } else {
            let index = self.graph.add_edge(source, target, edge);
            self.pairs.insert((source, target), index);
            index
        }
    }

    /// The index of the node with this id.
    pub fn node_index(&self, id: &str) -> Option<NodeIndex> {
        self.ids.get(id).copied()
    }

    /// The node with this id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.node_index(id).map(|i| &self.graph[i])
    }

    /// The edge from one node to another, by index.
    pub fn find_edge(&self, source: NodeIndex, target: NodeIndex) -> Option<EdgeIndex> {
        self.pairs.get(&(source, target)).copied()
    }

    /// A node, to change anything but its id (which indexes it).
    #[cfg(feature = "full")]
    pub(crate) fn node_mut(&mut self, index: NodeIndex) -> Option<&mut Node> {
        self.graph.node_weight_mut(index)
    }

    /// Mutable access to an edge's numbers.
    pub fn edge_mut(&mut self, index: EdgeIndex) -> Option<&mut Edge> {
        self.graph.edge_weight_mut(index)
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Whether the graph has no nodes.
    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }

    /// Nodes in insertion order.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.graph.node_weights()
    }

    /// Edges in insertion order, as `(client, server, edge)`.
    pub fn edges(&self) -> impl Iterator<Item = (&Node, &Node, &Edge)> {
        self.graph
            .edge_references()
            .map(|e| (&self.graph[e.source()], &self.graph[e.target()], e.weight()))
    }

    /// The underlying petgraph graph, for algorithms of your own.
    pub fn graph(&self) -> &DiGraph<Node, Edge> {
        &self.graph
    }

    /// Node indices ordered by id: the order every renderer uses.
    pub fn sorted_nodes(&self) -> Vec<NodeIndex> {
        let mut order: Vec<NodeIndex> = self.graph.node_indices().collect();
        order.sort_unstable_by(|a, b| self.graph[*a].id.cmp(&self.graph[*b].id));
        order
    }

    /// Edge indices ordered by (client id, server id): the order every renderer uses.
    pub fn sorted_edges(&self) -> Vec<EdgeIndex> {
        // Each node's place in id order: a step of the sort compares two numbers, not up to
        // four strings (a large graph has millions of steps). A pair of nodes has one edge.
        let mut place = vec![0u64; self.graph.node_count()];
        for (i, v) in self.sorted_nodes().into_iter().enumerate() {
            place[v.index()] = i as u64;
        }
        let mut keyed: Vec<(u64, EdgeIndex)> = self
            .graph
            .edge_references()
            .map(|e| {
                let key = place[e.source().index()] << 32 | place[e.target().index()];
                (key, e.id())
            })
            .collect();
        keyed.sort_unstable_by_key(|&(key, _)| key);
        keyed.into_iter().map(|(_, e)| e).collect()
    }

    /// A new graph holding the nodes `keep_node` accepts and the edges between them that
    /// `keep_edge` accepts (given the client's and server's indices and the edge). Node and
    /// edge values are copied unchanged.
    pub fn subgraph(
        &self,
        mut keep_node: impl FnMut(NodeIndex, &Node) -> bool,
        mut keep_edge: impl FnMut(NodeIndex, NodeIndex, &Edge) -> bool,
    ) -> ServiceGraph {
        let mut out = ServiceGraph::new();
        let mut mapped = vec![None; self.graph.node_count()];
        for index in self.graph.node_indices() {
            let node = &self.graph[index];
            if keep_node(index, node) {
                mapped[index.index()] = Some(out.upsert_node(node.clone()));
            }
        }
        for e in self.graph.edge_references() {
            if let (Some(s), Some(t)) = (mapped[e.source().index()], mapped[e.target().index()])
                && keep_edge(e.source(), e.target(), e.weight())
            {
                out.upsert_edge(s, t, e.weight().clone());
            }
        }
        out.renames.clone_from(&self.renames);
        out
    }

    /// A new graph with each node replaced by the node `map` gives for it; nodes mapped to the
    /// same id merge, and so do their edges.
    pub fn map_nodes(&self, mut map: impl FnMut(&Node) -> Node) -> ServiceGraph {
        let mut out = ServiceGraph::new();
        let mapped: Vec<NodeIndex> = self
            .graph
            .node_weights()
            .map(|n| out.upsert_node(map(n)))
            .collect();
        for e in self.graph.edge_references() {
            out.upsert_edge(
                mapped[e.source().index()],
                mapped[e.target().index()],
                e.weight().clone(),
            );
        }
        out.renames.clone_from(&self.renames);
        out
    }

    /// What [naming rules](crate::naming) renamed on the way to this graph, sorted by the new
    /// id and then the old one; empty when no rule applied.
    pub fn renames(&self) -> &[Rename] {
        &self.renames
    }

    /// Records renames (kept sorted and without duplicates), as [`crate::naming`] does and a
    /// graph document's reader restores them.
    pub fn record_renames(&mut self, renames: impl IntoIterator<Item = Rename>) {
        self.renames.extend(renames);
        self.renames.sort_unstable();
        self.renames.dedup();
    }

    /// Summed requests per second over all edges.
    pub fn total_requests_per_second(&self) -> f64 {
        self.graph
            .edge_weights()
            .map(|e| e.requests_per_second)
            .sum()
    }
}

/// `1 edge`, `2 edges`: a count with its noun in the right number (`series` stays `series`).
pub fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else if noun == "series" {
        format!("{n} series")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_and_edges_merge_by_identity() {
        let mut g = ServiceGraph::new();
        let mut by_ip = Node::named("10.0.0.1", NodeKind::External);
        by_ip.addresses.insert("10.0.0.1".into());
        let a = g.upsert_node(by_ip);
        let mut as_pod = Node::named("cart-1", NodeKind::Pod);
        as_pod.id = "10.0.0.1".into();
        as_pod.namespace = Some("shop".into());
        assert_eq!(g.upsert_node(as_pod), a);
        let node = g.node("10.0.0.1").unwrap();
        assert_eq!((node.name.as_str(), node.kind), ("cart-1", NodeKind::Pod));
        assert_eq!(node.namespace.as_deref(), Some("shop"));

        let b = g.upsert_node(Node::named("db", NodeKind::Database));
        let mut first = Edge::with_rate(3.0);
        first.failures_per_second = 1.5;
        first.latency.p95 = Some(0.2);
        first.connection_type = Some("database".into());
        g.upsert_edge(a, b, first);
        let mut second = Edge::with_rate(1.0);
        second.latency.p95 = Some(0.1);
        second.latency.p99 = Some(0.4);
        g.upsert_edge(a, b, second);
        assert_eq!(g.edge_count(), 1);
        let (_, _, e) = g.edges().next().unwrap();
        assert!((e.requests_per_second - 4.0).abs() < 1e-12);
        assert!((e.error_ratio() - 0.375).abs() < 1e-12);
        assert_eq!(e.latency.p95, Some(0.2));
        assert_eq!(e.latency.p99, Some(0.4));
        assert_eq!(e.connection_type, None);
    }

    #[test]
    fn counts_take_the_right_number() {
        assert_eq!(counted(1, "edge"), "1 edge");
        assert_eq!(counted(0, "edge"), "0 edges");
        assert_eq!(counted(2, "series"), "2 series");
    }

    #[test]
    fn error_ratio_is_bounded() {
        let mut e = Edge::with_rate(0.0);
        e.failures_per_second = 1.0;
        assert!(e.error_ratio().abs() < f64::EPSILON);
        e.requests_per_second = 0.5;
        assert!((e.error_ratio() - 1.0).abs() < f64::EPSILON);
    }

    #[test]
    fn sorted_views_do_not_depend_on_insertion_order() {
        let build = |names: &[&str]| {
            let mut g = ServiceGraph::new();
            for pair in names.windows(2) {
                let s = g.upsert_node(Node::named(pair[0], NodeKind::Service));
                let t = g.upsert_node(Node::named(pair[1], NodeKind::Service));
                g.upsert_edge(s, t, Edge::with_rate(1.0));
            }
            let nodes: Vec<String> = g
                .sorted_nodes()
                .into_iter()
                .map(|i| g.graph()[i].id.clone())
                .collect();
            let edges: Vec<(String, String)> = g
                .sorted_edges()
                .into_iter()
                .map(|i| {
                    let (s, t) = g.graph().edge_endpoints(i).unwrap();
                    (g.graph()[s].id.clone(), g.graph()[t].id.clone())
                })
                .collect();
            (nodes, edges)
        };
        assert_eq!(build(&["c", "a", "b"]).0, build(&["b", "a", "c"]).0);
        assert_eq!(build(&["c", "a", "b"]).0, ["a", "b", "c"]);
    }

    #[test]
    fn edges_are_sorted_by_client_id_then_server_id() {
        let ids = ["b", "a", "ab", "a-1", "é", "B", "a1", "", "ba"];
        let mut g = ServiceGraph::new();
        let index: Vec<NodeIndex> = ids
            .iter()
            .map(|id| g.upsert_node(Node::named(id, NodeKind::Service)))
            .collect();
        // Every pair in a scrambled order, and some loops.
        for k in 0..ids.len() * ids.len() {
            let (i, j) = ((k * 7) % ids.len(), (k * 5 + k / ids.len()) % ids.len());
            g.upsert_edge(index[i], index[j], Edge::with_rate(1.0));
        }
        let ends = |e: EdgeIndex| {
            let (s, t) = g.graph().edge_endpoints(e).unwrap();
            (g.graph()[s].id.clone(), g.graph()[t].id.clone())
        };
        let sorted: Vec<(String, String)> = g.sorted_edges().into_iter().map(ends).collect();
        let mut expected: Vec<(String, String)> = g.graph().edge_indices().map(ends).collect();
        expected.sort();
        assert!(expected.len() > 40, "{}", expected.len());
        assert_eq!(sorted, expected);
    }
}
