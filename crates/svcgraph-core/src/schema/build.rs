//! Query results to a [`ServiceGraph`]: one pass over the series, O(series).
//!
//! Requests create edges; failures and latency attach to the edges requests created. What a
//! value means decides how an odd one is treated:
//! * a `NaN` rate is "no data in the window": the series is left out and counted;
//! * a rate of zero is an idle edge: left out, as the seed recipe's `!= 0` did;
//! * an infinite or negative rate cannot be a rate: left out and reported;
//! * a `NaN` quantile means no observations: the edge simply has no latency;
//!
//! Several series for one edge (a raw response that was not summed) add up; latency keeps the
//! largest quantile (see [`Latency::merge_upper_bound`](crate::model::Latency::merge_upper_bound)).

use std::collections::BTreeMap;
use std::fmt::Write;

use petgraph::graph::{EdgeIndex, NodeIndex};

use super::{NodeKey, Schema, Side, TimeUnit};
use crate::error::{Error, Result, excerpt};
use crate::model::{Edge, Node, NodeKind, ServiceGraph};
use crate::query::QueryPurpose;
use crate::series::{Sample, SeriesSet};
use crate::warning::{LeftOutReason, Warning};

/// The results of a schema's queries, by purpose. Only requests are required.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResults {
    results: BTreeMap<QueryPurpose, SeriesSet>,
}

impl QueryResults {
    /// Results holding only the request rates.
    pub fn from_requests(requests: SeriesSet) -> Self {
        let mut out = Self::default();
        out.insert(QueryPurpose::Requests, requests);
        out
    }

    /// Adds (or replaces) one query's result.
    pub fn insert(&mut self, purpose: QueryPurpose, series: SeriesSet) {
        self.results.insert(purpose, series);
    }

    /// One query's result.
    pub fn get(&self, purpose: QueryPurpose) -> Option<&SeriesSet> {
        self.results.get(&purpose)
    }

    /// Every result, in [`QueryPurpose`] order.
    pub fn iter(&self) -> impl Iterator<Item = (QueryPurpose, &SeriesSet)> {
        self.results.iter().map(|(p, s)| (*p, s))
    }

    /// Keeps, in every result, the samples all `matchers` accept (see
    /// [`SeriesSet::retain_matching`]).
    pub fn retain_matching(&mut self, matchers: &[crate::query::LabelMatcher]) -> Result<()> {
        for set in self.results.values_mut() {
            set.retain_matching(matchers)?;
        }
        Ok(())
    }

    /// Total number of samples over all results.
    pub fn sample_count(&self) -> usize {
        self.results.values().map(|s| s.samples.len()).sum()
    }
}

/// A graph built from query results, with what the user should hear about.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Built {
    /// The graph.
    pub graph: ServiceGraph,
    /// The servers' warnings and the series left out, in query order.
    pub warnings: Vec<Warning>,
    /// Edges that more than one request series mapped to, whose rates were added up; also
    /// summed up in one of the [`warnings`](Self::warnings).
    pub duplicates: Vec<DuplicateSeries>,
}

/// Request series that map to the same edge (the same client and server ids). Their rates
/// are added up; usually the schema leaves out a label that tells the series apart (a
/// namespace, a cluster), so the ids should include it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DuplicateSeries {
    /// The client node's id.
    pub client: String,
    /// The server node's id.
    pub server: String,
    /// How many differently identified series (by the labels that name and place the ends:
    /// namespace, cluster, address…) mapped to the edge; at least 2.
    pub series: usize,
}

/// Counts of left-out series, turned into one warning each.
#[derive(Default)]
struct Skipped {
    no_data: usize,
    idle: usize,
    invalid: usize,
    unmatched: usize,
}

impl Skipped {
    fn report(&self, purpose: QueryPurpose, warnings: &mut Vec<Warning>) {
        let reported = [
            // A NaN quantile only means "no observations": the edge has no latency.
            (
                LeftOutReason::NoData,
                self.no_data * usize::from(purpose.quantile().is_none()),
            ),
            (
                LeftOutReason::Idle,
                self.idle * usize::from(purpose == QueryPurpose::Requests),
            ),
            (LeftOutReason::Invalid, self.invalid),
            (LeftOutReason::Unmatched, self.unmatched),
        ];
        for (reason, count) in reported {
            if count > 0 {
                warnings.push(Warning::LeftOut {
                    purpose,
                    count,
                    reason,
                });
            }
        }
    }
}

/// The servers' warnings and infos, in query order.
fn response_warnings(results: &QueryResults) -> Vec<Warning> {
    results
        .iter()
        .flat_map(|(purpose, set)| {
            set.warnings.iter().map(move |w| Warning::Response {
                purpose,
                message: w.clone(),
            })
        })
        .collect()
}

/// The edges several request series mapped to, and one warning about them.
fn duplicates(
    graph: &ServiceGraph,
    repeated: &BTreeMap<EdgeIndex, usize>,
    warnings: &mut Vec<Warning>,
) -> Vec<DuplicateSeries> {
    let g = graph.graph();
    let found: Vec<DuplicateSeries> = repeated
        .iter()
        .filter_map(|(&e, &series)| {
            let (s, t) = g.edge_endpoints(e)?;
            Some(DuplicateSeries {
                client: g[s].id.clone(),
                server: g[t].id.clone(),
                series,
            })
        })
        .collect();
    if let Some(first) = found.first() {
        warnings.push(Warning::Duplicates {
            edges: found.len(),
            example: first.clone(),
        });
    }
    found
}

impl Schema {
    /// Builds the graph from the results of the queries [`Schema::plan`] made (or from saved
    /// responses of them).
    ///
    /// When there is no failures result but the schema selects failures with matchers on the
    /// request counter (Istio, Linkerd) and the request series carry those labels (a response
    /// grouped by `response_code`, say), failures are taken from the request series.
    pub fn build(&self, results: &QueryResults) -> Result<Built> {
        let mut graph = ServiceGraph::new();
        let mut warnings = response_warnings(results);
        let empty = SeriesSet::default();
        let requests = results.get(QueryPurpose::Requests).unwrap_or(&empty);
        let mut skipped = Skipped::default();

        let derived = if results.get(QueryPurpose::Failures).is_none() {
            self.failures_from_requests(requests)
        } else {
            None
        };
        // Series that map to an edge another series already has while telling a different
        // story about who the ends are (another namespace, cluster, address…), per edge.
        // Series split only by labels the schema does not read (the connector's `failed`,
        // Istio's `response_code`, collector replicas' `instance`) add up by design.
        let identity = self.identity_labels();
        // The first series of each edge, by edge index (edges are numbered in the order they
        // are added); compared only when another series lands on the same edge.
        let mut first_seen: Vec<&Sample> = Vec::with_capacity(requests.samples.len());
        let mut scratch = String::new();
        let mut repeated: BTreeMap<EdgeIndex, usize> = BTreeMap::new();
        for sample in &requests.samples {
            let Some(rate) = checked_rate(sample.value, &mut skipped) else {
                continue;
            };
            let (client, server, connection_type) = self.endpoints(sample)?;
            let c = client.upsert(&mut graph, &mut scratch);
            let s = server.upsert(&mut graph, &mut scratch);
            let mut edge = Edge::with_rate(rate);
            edge.connection_type = connection_type.map(str::to_owned);
            let index = graph.upsert_edge(c, s, edge).index();
            if index == first_seen.len() {
                first_seen.push(sample);
            } else if first_seen
                .get(index)
                .is_some_and(|first| identity.iter().any(|l| first.label(l) != sample.label(l)))
            {
                *repeated.entry(EdgeIndex::new(index)).or_insert(1) += 1;
            }
        }
        skipped.report(QueryPurpose::Requests, &mut warnings);
        let duplicates = duplicates(&graph, &repeated, &mut warnings);
        let failures = results.get(QueryPurpose::Failures).or(derived.as_ref());
        if let Some(set) = failures {
            let mut skipped = Skipped::default();
            for sample in &set.samples {
                let Some(rate) = checked_rate(sample.value, &mut skipped) else {
                    continue;
                };
                match self
                    .edge_of(&graph, sample)?
                    .and_then(|e| graph.edge_mut(e))
                {
                    Some(edge) => edge.failures_per_second += rate,
                    None => skipped.unmatched += 1,
                }
            }
            skipped.report(QueryPurpose::Failures, &mut warnings);
        }

        let unit = self.latency.as_ref().map_or(TimeUnit::Seconds, |h| h.unit);
        for purpose in [
            QueryPurpose::LatencyP50,
            QueryPurpose::LatencyP95,
            QueryPurpose::LatencyP99,
        ] {
            let Some(set) = results.get(purpose) else {
                continue;
            };
            let mut skipped = Skipped::default();
            for sample in &set.samples {
                let value = unit.to_seconds(sample.value);
                if value.is_nan() {
                    continue;
                }
                if !value.is_finite() || value < 0.0 {
                    skipped.invalid += 1;
                    continue;
                }
                let Some(edge) = self
                    .edge_of(&graph, sample)?
                    .and_then(|e| graph.edge_mut(e))
                else {
                    skipped.unmatched += 1;
                    continue;
                };
                let latency = &mut edge.latency;
                let slot = match purpose {
                    QueryPurpose::LatencyP50 => &mut latency.p50,
                    QueryPurpose::LatencyP95 => &mut latency.p95,
                    _ => &mut latency.p99,
                };
                *slot = Some(slot.map_or(value, |old| old.max(value)));
            }
            skipped.report(purpose, &mut warnings);
        }
        Ok(Built {
            graph,
            warnings,
            duplicates,
        })
    }

    /// Failures selected from the request series themselves, when their labels allow it.
    fn failures_from_requests(&self, requests: &SeriesSet) -> Option<SeriesSet> {
        let failures = self.failures.as_ref()?;
        if failures.metric.is_some() || failures.matchers.is_empty() {
            return None;
        }
        let labelled = failures.matchers.iter().all(|m| {
            requests
                .samples
                .iter()
                .any(|s| s.labels.contains_key(m.label()))
        });
        if !labelled {
            return None;
        }
        let samples = requests
            .samples
            .iter()
            .filter(|s| failures.matchers.iter().all(|m| m.matches(&s.labels)))
            .cloned()
            .collect();
        Some(SeriesSet::from_samples(samples))
    }

    /// The existing edge a failure or latency series belongs to.
    fn edge_of(&self, graph: &ServiceGraph, sample: &Sample) -> Result<Option<EdgeIndex>> {
        let (client, server, _) = self.endpoints(sample)?;
        let mut scratch = String::new();
        let client = graph.node_index(client.id.text(&mut scratch));
        Ok(
            match (client, graph.node_index(server.id.text(&mut scratch))) {
                (Some(c), Some(s)) => graph.find_edge(c, s),
                _ => None,
            },
        )
    }

    /// The labels that say who an edge's ends are: names, addresses, namespaces, cluster,
    /// connection type.
    fn identity_labels(&self) -> Vec<&str> {
        let mut labels: Vec<&str> = Vec::new();
        for side in [&self.client, &self.server] {
            labels.extend(side.name.iter().map(String::as_str));
            labels.extend(side.external.iter().map(String::as_str));
            labels.extend(side.namespace.as_deref());
            labels.extend(side.address.as_deref());
        }
        labels.extend(self.namespace_labels.iter().map(String::as_str));
        labels.extend(self.cluster_label.as_deref());
        labels.extend(self.connection_type.as_deref());
        labels.sort_unstable();
        labels.dedup();
        labels
    }

    /// The two nodes a series connects, and its connection type.
    fn endpoints<'s>(
        &self,
        sample: &'s Sample,
    ) -> Result<(NodeRef<'s>, NodeRef<'s>, Option<&'s str>)> {
        let client = self.node(&self.client, "client", sample)?;
        let mut server = self.node(&self.server, "server", sample)?;
        let connection_type = self
            .connection_type
            .as_deref()
            .and_then(|label| sample.label(label));
        // The servicegraph vocabulary: a database edge ends at a database; a virtual-node edge
        // has one uninstrumented end, the client when it has a virtual name, else the server.
        match connection_type {
            Some("database") if server.kind == self.server.kind => {
                server.kind = NodeKind::Database;
            }
            Some("virtual_node")
                if client.kind != NodeKind::Virtual && server.kind == self.server.kind =>
            {
                server.kind = NodeKind::Virtual;
            }
            _ => {}
        }
        Ok((client, server, connection_type))
    }

    fn node<'s>(
        &self,
        side: &Side,
        which: &'static str,
        sample: &'s Sample,
    ) -> Result<NodeRef<'s>> {
        let usable = |label: &String| {
            sample
                .label(label)
                .filter(|v| !side.unknown_values.iter().any(|u| u == v))
        };
        let (name, kind) = if let Some(name) = side.name.iter().find_map(usable) {
            let kind = if side.virtual_names.iter().any(|v| v == name) {
                NodeKind::Virtual
            } else {
                side.kind
            };
            (name, kind)
        } else if let Some(name) = side.external.iter().find_map(usable) {
            (name, NodeKind::External)
        } else if let Some(name) = side
            .name
            .iter()
            .chain(&side.external)
            .find_map(|l| sample.label(l))
        {
            // Present, but only with "don't know" values.
            (name, NodeKind::Unknown)
        } else {
            return Err(Error::MissingLabel {
                schema: excerpt(&self.name),
                side: which,
                wanted: side
                    .name
                    .iter()
                    .chain(&side.external)
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(" or "),
                series: describe_labels(sample),
            });
        };

        let identified = matches!(
            kind,
            NodeKind::Service | NodeKind::Pod | NodeKind::Workload | NodeKind::Virtual
        );
        let namespace = side
            .namespace
            .as_ref()
            .and_then(usable)
            .filter(|_| identified);
        let address = side.address.as_ref().and_then(|l| sample.label(l));
        let id = match (self.key, address) {
            (NodeKey::Address, Some(address)) => NodeId::Plain(address),
            _ => match namespace {
                Some(ns) => NodeId::Joined(ns, name),
                None => NodeId::Plain(name),
            },
        };
        Ok(NodeRef {
            id,
            name,
            namespace,
            kind,
            address,
        })
    }
}

/// A node as one series describes it, borrowing the series' labels: most series name nodes
/// that an earlier series already added, and then nothing needs to be allocated.
struct NodeRef<'s> {
    id: NodeId<'s>,
    name: &'s str,
    namespace: Option<&'s str>,
    kind: NodeKind,
    address: Option<&'s str>,
}

/// A node id: a label's value, or `namespace/name`.
#[derive(Clone, Copy)]
enum NodeId<'s> {
    Plain(&'s str),
    Joined(&'s str, &'s str),
}

impl<'s> NodeId<'s> {
    /// The id as text, written into `scratch` when it has to be joined.
    fn text<'a>(self, scratch: &'a mut String) -> &'a str
    where
        's: 'a,
    {
        match self {
            NodeId::Plain(id) => id,
            NodeId::Joined(namespace, name) => {
                scratch.clear();
                scratch.push_str(namespace);
                scratch.push('/');
                scratch.push_str(name);
                scratch
            }
        }
    }
}

impl NodeRef<'_> {
    /// Adds the node, or merges it into the node with the same id as [`Node::absorb`] does.
    /// `scratch` holds a joined id while it is looked up, so a known node costs no allocation.
    fn upsert(self, graph: &mut ServiceGraph, scratch: &mut String) -> NodeIndex {
        let id = self.id.text(scratch);
        let Some(index) = graph.node_index(id) else {
            return graph.upsert_node(Node {
                id: id.to_owned(),
                name: self.name.to_owned(),
                namespace: self.namespace.map(str::to_owned),
                kind: self.kind,
                addresses: self.address.map(str::to_owned).into_iter().collect(),
                diff: None,
            });
        };
        if let Some(node) = graph.node_mut(index) {
            if self.kind.certainty() > node.kind.certainty() {
                node.kind = self.kind;
                self.name.clone_into(&mut node.name);
            }
            if node.namespace.is_none() {
                node.namespace = self.namespace.map(str::to_owned);
            }
            if let Some(address) = self.address
                && !node.addresses.contains(address)
            {
                node.addresses.insert(address.to_owned());
            }
        }
        index
    }
}

/// A request or failure rate worth keeping, or `None` with the reason counted.
fn checked_rate(value: f64, skipped: &mut Skipped) -> Option<f64> {
    if value.is_nan() {
        skipped.no_data += 1;
        None
    } else if !value.is_finite() || value < 0.0 {
        skipped.invalid += 1;
        None
    } else if value == 0.0 {
        skipped.idle += 1;
        None
    } else {
        Some(value)
    }
}

/// `a="1", b="2"`, shortened, for error messages.
fn describe_labels(sample: &Sample) -> String {
    let mut out = String::new();
    for (i, (k, v)) in sample.labels.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{k}={v:?}");
    }
    excerpt(&out)
}
