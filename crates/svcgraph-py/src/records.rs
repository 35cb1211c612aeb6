//! Nodes, edges and layout statistics as plain Python dicts (typed as `TypedDict`s in
//! `svcgraph/_types.py`): easy to print, to filter with a comprehension, and to hand to
//! `pandas.DataFrame` as they are.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use svcgraph_core::ServiceGraph;
use svcgraph_core::diff::Metric;
use svcgraph_core::layout::LayoutStats;
use svcgraph_core::petgraph::graph::{EdgeIndex, NodeIndex};

/// Every node, in id order (the order the renderers use).
pub fn nodes<'py>(py: Python<'py>, graph: &ServiceGraph) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for index in graph.sorted_nodes() {
        list.append(node(py, graph, index)?)?;
    }
    Ok(list)
}

/// One node.
pub fn node<'py>(
    py: Python<'py>,
    graph: &ServiceGraph,
    index: NodeIndex,
) -> PyResult<Bound<'py, PyDict>> {
    let n = &graph.graph()[index];
    let d = PyDict::new(py);
    d.set_item("id", &n.id)?;
    d.set_item("name", &n.name)?;
    d.set_item("namespace", n.namespace.as_deref())?;
    d.set_item("kind", n.kind.as_str())?;
    d.set_item("addresses", PyList::new(py, &n.addresses)?)?;
    d.set_item("change", n.diff.map(svcgraph_core::diff::Change::as_str))?;
    Ok(d)
}

/// Every edge, in (client id, server id) order.
pub fn edges<'py>(py: Python<'py>, graph: &ServiceGraph) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for index in graph.sorted_edges() {
        if let Some(d) = edge(py, graph, index)? {
            list.append(d)?;
        }
    }
    Ok(list)
}

/// One edge (`None` for an index the graph does not have).
pub fn edge<'py>(
    py: Python<'py>,
    graph: &ServiceGraph,
    index: EdgeIndex,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let g = graph.graph();
    let Some((s, t)) = g.edge_endpoints(index) else {
        return Ok(None);
    };
    let (client, server, e) = (&g[s], &g[t], &g[index]);
    let d = PyDict::new(py);
    d.set_item("source", &client.id)?;
    d.set_item("target", &server.id)?;
    d.set_item("source_name", &client.name)?;
    d.set_item("target_name", &server.name)?;
    d.set_item("requests_per_second", e.requests_per_second)?;
    d.set_item("failures_per_second", e.failures_per_second)?;
    d.set_item("error_ratio", e.error_ratio())?;
    d.set_item("p50", e.latency.p50)?;
    d.set_item("p95", e.latency.p95)?;
    d.set_item("p99", e.latency.p99)?;
    d.set_item("connection_type", e.connection_type.as_deref())?;
    let diff = e.diff.as_deref();
    d.set_item("change", diff.map(|d| d.change.as_str()))?;
    let moved: Vec<&str> = diff
        .map(|d| d.moved.iter().map(|m| Metric::as_str(*m)).collect())
        .unwrap_or_default();
    d.set_item("moved", PyList::new(py, moved)?)?;
    let before = diff.and_then(|d| d.before);
    d.set_item(
        "before_requests_per_second",
        before.map(|b| b.requests_per_second),
    )?;
    d.set_item("before_error_ratio", before.map(|b| b.error_ratio()))?;
    d.set_item("before_p95", before.and_then(|b| b.latency.p95))?;
    Ok(Some(d))
}

/// Layout statistics, times in seconds.
pub fn layout_stats<'py>(py: Python<'py>, s: &LayoutStats) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("nodes", s.nodes)?;
    d.set_item("edges", s.edges)?;
    d.set_item("layers", s.layers)?;
    d.set_item("reversed_edges", s.reversed_edges)?;
    d.set_item("dummies", s.dummies)?;
    d.set_item("direct_edges", s.direct_edges)?;
    d.set_item("labels_left_out", s.labels_left_out)?;
    d.set_item("crossings", s.crossings)?;
    d.set_item("width", s.width)?;
    d.set_item("height", s.height)?;
    let p = &s.phases;
    let phases = PyDict::new(py);
    phases.set_item("acyclic", p.acyclic)?;
    phases.set_item("layering", p.layering)?;
    phases.set_item("ordering", p.ordering)?;
    phases.set_item("positioning", p.positioning)?;
    phases.set_item("routing", p.routing)?;
    phases.set_item("total", p.total())?;
    d.set_item("seconds", phases)?;
    Ok(d)
}
