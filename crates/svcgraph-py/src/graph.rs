//! `svcgraph.Graph`: an immutable service graph. Transforms return new graphs; renderers
//! return text; layout and rendering run with the GIL released.

// Text arguments arrive as `String`: pyo3 can lend `&str` only on Python 3.10+ under abi3,
// and the wheel supports 3.9.
#![allow(clippy::needless_pass_by_value)]

use std::io::Write;
use std::path::{Path, PathBuf};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use svcgraph_core::diff::Change;
use svcgraph_core::petgraph::graph::NodeIndex;
use svcgraph_core::quality;
use svcgraph_core::render::links::LinkTemplate;
use svcgraph_core::render::{dot, html, json, markdown, mermaid, svg};
use svcgraph_core::{ServiceGraph, diff, transform};

use crate::error::{Error, Result};
use crate::{options, records};

/// A service graph: who calls whom, how often, how often it fails, how slow it is.
///
/// Made by `svcgraph.load`, `svcgraph.from_samples`, `svcgraph.from_prometheus`,
/// `svcgraph.from_gmp` or `svcgraph.from_cloud_monitoring` (it has no constructor); never
/// changed in place. Transforms (`focus`, `aggregate`, `filter`, `prune`, `diff`) return a
/// new graph, so they chain:
///
/// ```python
/// >>> g = svcgraph.load("crates/svcgraph-cli/data/shop.snapshot.json")
/// >>> g.aggregate("workload").focus("checkout", depth=2).prune(0.5)
/// <svcgraph.Graph: 17 nodes, 20 edges>
/// ```
///
/// `len(g)` is the number of nodes; `g.nodes` and `g.edges` list them as dicts. In Jupyter a
/// graph shows itself as its interactive page (in a sandboxed iframe), or as its SVG picture
/// where HTML is not shown.
#[pyclass(module = "svcgraph", name = "Graph", frozen)]
#[derive(Debug)]
pub struct Graph {
    inner: ServiceGraph,
    schema: Option<String>,
    warnings: Vec<String>,
    snapshot: Option<String>,
    /// The time the numbers describe, `(from, to)` in Unix ms, when known: the links'
    /// `{from}` and `{to}`.
    window: Option<(i64, i64)>,
}

impl Graph {
    pub fn new(graph: ServiceGraph, schema: Option<String>, warnings: Vec<String>) -> Self {
        Graph {
            inner: graph,
            schema,
            warnings,
            snapshot: None,
            window: None,
        }
    }

    /// The time the numbers describe (a fetch's or a snapshot's moment and window).
    pub fn with_window(mut self, window: Option<(i64, i64)>) -> Self {
        self.window = window;
        self
    }

    pub fn set_snapshot(&mut self, snapshot: String) {
        self.snapshot = Some(snapshot);
    }

    /// The same provenance (schema, warnings, time) over a transformed graph; a snapshot
    /// describes the graph before transforms, so it does not carry over.
    fn derived(&self, graph: ServiceGraph) -> Graph {
        Graph::new(graph, self.schema.clone(), self.warnings.clone()).with_window(self.window)
    }

    /// The page's options: `to_svg`'s drawing, a title, links, and this graph's time.
    #[allow(clippy::too_many_arguments)]
    fn html_options(
        &self,
        rankdir: &str,
        edges: &str,
        edge_labels: &str,
        group: Option<&str>,
        legend: bool,
        title: Option<String>,
        hint: Option<&str>,
        links: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<html::HtmlOptions> {
        let mut svg = options::svg_options(rankdir, edges, edge_labels, group, legend)?;
        svg.hint = options::hint(hint)?;
        let mut options = html::HtmlOptions::default();
        options.svg = svg;
        options.title = title;
        options.links = link_templates(links)?;
        options.window = self.window;
        options.quality = Some(quality::assess(&self.inner, None));
        Ok(options)
    }

    /// The one node an id or name selects.
    fn one_node(&self, selector: &str) -> Result<NodeIndex> {
        let found = transform::select(&self.inner, selector)?;
        if let Some(exact) = found
            .iter()
            .find(|&&i| self.inner.graph()[i].id == selector)
        {
            return Ok(*exact);
        }
        if let [one] = found[..] {
            return Ok(one);
        }
        let ids: Vec<&str> = found
            .iter()
            .map(|&i| self.inner.graph()[i].id.as_str())
            .collect();
        Err(Error::Input(format!(
            "`{selector}` names {} nodes ({}); pass one of their ids",
            ids.len(),
            ids.join(", ")
        )))
    }

    fn svg(&self, py: Python<'_>, options: &svg::SvgOptions) -> String {
        let graph = &self.inner;
        py.detach(|| svg::to_svg(graph, options).text)
    }
}

/// `links={name: template}`, checked, in the dict's order.
fn link_templates(links: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<LinkTemplate>> {
    let Some(links) = links else {
        return Ok(Vec::new());
    };
    let mut templates = Vec::with_capacity(links.len());
    for (name, url) in links.iter() {
        let (Ok(name), Ok(url)) = (name.extract::<String>(), url.extract::<String>()) else {
            return Err(Error::Input(
                "links maps link names to URL templates, both str: {\"Traces\": \"https://…{service}…\"}"
                    .into(),
            )
            .into());
        };
        templates.push(LinkTemplate::new(&name, &url).map_err(Error::Core)?);
    }
    Ok(templates)
}

/// The format `save` writes, from the explicit argument or the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Svg,
    Dot,
    Json,
    Html,
    Mermaid,
    Markdown,
}

fn format_of(path: &Path, format: Option<&str>) -> Result<Format> {
    if let Some(format) = format {
        return match format.to_ascii_lowercase().as_str() {
            "svg" => Ok(Format::Svg),
            "dot" | "gv" => Ok(Format::Dot),
            "json" => Ok(Format::Json),
            "html" | "htm" => Ok(Format::Html),
            "mermaid" | "mmd" => Ok(Format::Mermaid),
            "markdown" | "md" => Ok(Format::Markdown),
            _ => Err(Error::Input(format!(
                "format must be \"svg\", \"dot\", \"gv\", \"json\", \"html\", \"mermaid\" or \"markdown\", not {format:?}"
            ))),
        };
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("svg") => Ok(Format::Svg),
        Some("dot" | "gv") => Ok(Format::Dot),
        Some("json") => Ok(Format::Json),
        Some("html" | "htm") => Ok(Format::Html),
        Some("mmd" | "mermaid") => Ok(Format::Mermaid),
        Some("md" | "markdown") => Ok(Format::Markdown),
        Some(other) => Err(Error::Input(format!(
            "cannot tell the format from the extension `.{other}`; use .svg, .dot, .gv, .json, .html, .mmd or .md, or pass format="
        ))),
        None => Err(Error::Input(format!(
            "cannot tell the format of {} without an extension; use .svg, .dot, .gv, .json, .html, .mmd or .md, or pass format=",
            path.display()
        ))),
    }
}

/// Writes `bytes` to a temporary file beside `path` and renames it over `path` once
/// complete, so a failure never leaves a truncated file (as the command line's `-o` does).
///
/// Every step reports the operating system's error as it came (tempfile's own `Write` and
/// `tempfile_in` wrap theirs in a message naming the temporary file, which drops the errno):
/// the error names the caller's `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let failed = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    let (target, in_place) = destination(path).map_err(failed)?;
    if in_place {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(&target)
            .and_then(|mut file| file.write_all(bytes).and_then(|()| file.flush()))
            .map_err(failed);
    }
    let path = target.as_path();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".svcgraph-")
        .make_in(dir, private_file)
        .map_err(failed)?;
    let mut file = tmp.as_file();
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(failed)?;
    widen_permissions(tmp.path(), path).map_err(failed)?;
    // On failure the returned temporary file is dropped, which deletes it.
    tmp.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}

/// Where `save` writes, and whether in place: a FIFO or a device (`/dev/null`) in place,
/// through any symbolic links; a regular file replaced where it really is; a missing one
/// created where a dangling link points (or at `path`); a directory at `path`, which the
/// rename refuses with the operating system's error.
fn destination(path: &Path) -> std::io::Result<(std::path::PathBuf, bool)> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok((std::fs::canonicalize(path)?, false)),
        Ok(meta) => Ok((path.to_path_buf(), !meta.is_dir())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut end = path.to_path_buf();
            // Nothing at the end of the chain, so it is no loop.
            while std::fs::symlink_metadata(&end).is_ok_and(|m| m.file_type().is_symlink()) {
                let link = std::fs::read_link(&end)?;
                end = end
                    .parent()
                    .map_or_else(|| link.clone(), |dir| dir.join(&link));
            }
            Ok((end, false))
        }
        Err(e) => Err(e),
    }
}

/// A new file only this user can read while it is being written.
fn private_file(name: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(name)
}

/// Temporary files are private; the output gets the replaced file's mode, or rw-r--r--.
#[cfg(unix)]
fn widen_permissions(tmp: &Path, target: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let permissions = match std::fs::metadata(target) {
        Ok(meta) if meta.is_file() => meta.permissions(),
        _ => std::fs::Permissions::from_mode(0o644),
    };
    std::fs::set_permissions(tmp, permissions)
}

/// Where files have no mode (Windows) the output keeps the replaced file's attributes.
#[cfg(not(unix))]
fn widen_permissions(tmp: &Path, target: &Path) -> std::io::Result<()> {
    match std::fs::metadata(target) {
        Ok(meta) if meta.is_file() => std::fs::set_permissions(tmp, meta.permissions()),
        _ => Ok(()),
    }
}

/// Text for a double-quoted HTML attribute.
fn html_attribute(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + value.len() / 8);
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn interop<'py>(slf: &Bound<'py, Graph>, function: &str) -> PyResult<Bound<'py, PyAny>> {
    slf.py()
        .import("svcgraph._interop")?
        .call_method1(function, (slf,))
}

#[pymethods]
impl Graph {
    /// Every node as a dict, in id order: `id`, `name`, `namespace` (or None), `kind`
    /// (`service`, `pod`, `workload`, `namespace`, `database`, `virtual`, `external`,
    /// `unknown`), `addresses` (list), `change` (`new`/`gone` after `diff`, else None).
    #[getter]
    fn nodes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        records::nodes(py, &self.inner)
    }

    /// Every edge as a dict, in (source, target) order: `source`/`target` (node ids),
    /// `source_name`/`target_name`, `requests_per_second`, `failures_per_second`,
    /// `error_ratio` (0–1), `p50`/`p95`/`p99` (seconds or None), `connection_type`, and
    /// after `diff`: `change` (`new`, `gone`, `changed`, `same`), `moved` (`rate`,
    /// `error_ratio`, `p95`), `before_requests_per_second`, `before_error_ratio`,
    /// `before_p95`.
    #[getter]
    fn edges<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        records::edges(py, &self.inner)
    }

    /// What `rename` (or `svcgraph render --naming`, for a graph document) renamed, sorted:
    /// dicts of `from` (the id the producer gave), `to` (the id now) and `rule`
    /// (`cidr 10.4.0.0/16`, `rename <regex>`, `alias`, `ip_peers collapse`).
    #[getter]
    fn renames<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for r in self.inner.renames() {
            let d = PyDict::new(py);
            d.set_item("from", &r.from)?;
            d.set_item("to", &r.to)?;
            d.set_item("rule", &r.rule)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The schema that mapped the series (`"servicegraph"`, …); None for a graph document.
    #[getter]
    fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// What building the graph left out or the server warned about, one line each.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    /// For a graph fetched by `from_prometheus`, `from_gmp` or `from_cloud_monitoring`: the
    /// snapshot JSON (every response, the schema and the time). Save it and `svcgraph.load`
    /// redraws the same graph offline. None for other graphs and after a transform.
    #[getter]
    fn snapshot(&self) -> Option<&str> {
        self.snapshot.as_deref()
    }

    /// `len(g)`: the number of nodes.
    fn __len__(&self) -> usize {
        self.inner.node_count()
    }

    /// `"checkout" in g`: whether a node has this id or name.
    fn __contains__(&self, node: &Bound<'_, PyAny>) -> bool {
        // Anything but text is simply not a node (as `1 in {"a": 1}` is False).
        let Ok(node) = node.extract::<String>() else {
            return false;
        };
        transform::select(&self.inner, &node).is_ok()
    }

    /// `<svcgraph.Graph: 19 nodes, 23 edges>`; after `diff`, the comparison's counts too:
    /// `<svcgraph.Graph diff: 19 nodes, 24 edges (1 new, 1 gone, 3 changed, 19 same)>`.
    fn __repr__(&self) -> String {
        let nodes = svcgraph_core::counted(self.inner.node_count(), "node");
        let edges = svcgraph_core::counted(self.inner.edge_count(), "edge");
        let mut counts = [0usize; 4];
        let mut is_diff = self.inner.nodes().any(|n| n.diff.is_some());
        for e in self.inner.graph().edge_weights() {
            if let Some(d) = &e.diff {
                is_diff = true;
                counts[d.change as usize] += 1;
            }
        }
        if !is_diff {
            return format!("<svcgraph.Graph: {nodes}, {edges}>");
        }
        let count = |c: Change| counts[c as usize];
        format!(
            "<svcgraph.Graph diff: {nodes}, {edges} ({} new, {} gone, {} changed, {} same)>",
            count(Change::New),
            count(Change::Gone),
            count(Change::Changed),
            count(Change::Same),
        )
    }

    /// The node with this id or name, as a dict like those of `nodes`. Raises `InputError`
    /// (with close names) when there is none, and when a name belongs to several nodes (the
    /// same service in two namespaces): pass the id then.
    ///
    /// ```python
    /// >>> g.node("checkout")["kind"]
    /// 'service'
    /// ```
    fn node<'py>(&self, py: Python<'py>, node: String) -> PyResult<Bound<'py, PyDict>> {
        let index = self.one_node(&node)?;
        records::node(py, &self.inner, index)
    }

    /// The edge from `source` to `target` (each an id or a name), as a dict like those of
    /// `edges`; None when the first does not call the second. Raises `InputError` for a node
    /// that is not in the graph.
    ///
    /// ```python
    /// >>> g.edge("frontend", "checkout")["requests_per_second"]
    /// 8.0
    /// ```
    fn edge<'py>(
        &self,
        py: Python<'py>,
        source: String,
        target: String,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let (s, t) = (self.one_node(&source)?, self.one_node(&target)?);
        match self.inner.find_edge(s, t) {
            Some(index) => records::edge(py, &self.inner, index),
            None => Ok(None),
        }
    }

    /// A node (by id or name) and everything within `depth` calls of it: `direction="up"`
    /// its callers, `"down"` what it calls, `"both"` both (not siblings). `depth=None` has
    /// no limit. Raises `InputError` for a node that is not in the graph or a bad argument.
    ///
    /// ```python
    /// >>> g.focus("checkout", depth=None, direction="down")
    /// ```
    #[pyo3(
        signature = (node, depth = Some(1), direction = "both".to_owned()),
        text_signature = "($self, node, depth=1, direction='both')"
    )]
    fn focus(
        &self,
        py: Python<'_>,
        node: String,
        depth: Option<i64>,
        direction: String,
    ) -> PyResult<Graph> {
        let depth = match depth {
            None => usize::MAX,
            Some(d) => usize::try_from(d).map_err(|_| {
                Error::Input(format!("depth must be zero or more (or None), not {d}"))
            })?,
        };
        let direction = options::focus_direction(&direction)?;
        let graph = &self.inner;
        let focused = py
            .detach(|| transform::focus(graph, &node, depth, direction))
            .map_err(Error::from)?;
        Ok(self.derived(focused))
    }

    /// Merges nodes: `"workload"` turns pods into their workload (generated suffixes
    /// stripped); `"namespace"` turns every node with a namespace into its namespace. Merged
    /// edges add their rates up and keep the largest latency quantile. Another `level`
    /// raises `InputError`.
    ///
    /// ```python
    /// >>> g.aggregate("namespace").edges[0]["source"]
    /// 'ns:payments'
    /// ```
    fn aggregate(&self, py: Python<'_>, level: String) -> PyResult<Graph> {
        let namespace = match level.as_str() {
            "workload" => false,
            "namespace" => true,
            other => {
                return Err(Error::Input(format!(
                    "level must be \"workload\" or \"namespace\", not {other:?}"
                ))
                .into());
            }
        };
        let graph = &self.inner;
        let merged = py.detach(|| {
            // Pods become workloads first, so a namespace node merges workloads, not pods.
            let workloads = transform::aggregate(graph, transform::Level::Workload);
            if namespace {
                transform::aggregate(&workloads, transform::Level::Namespace)
            } else {
                workloads
            }
        });
        Ok(self.derived(merged))
    }

    /// Keeps or drops nodes: `namespace` (one or a list) keeps edges touching it with the
    /// peers at their other end; `name` keeps nodes whose name or id matches the regular
    /// expression, `exclude` drops them; `hide_virtual` and `hide_external` drop those kinds.
    /// A bad regular expression raises `InputError`.
    ///
    /// ```python
    /// >>> g.filter(namespace="shop", exclude="^loadgen", hide_virtual=True)
    /// ```
    #[pyo3(signature = (
        *, namespace = None, name = None, exclude = None, hide_virtual = false,
        hide_external = false
    ))]
    fn filter(
        &self,
        py: Python<'_>,
        namespace: Option<&Bound<'_, PyAny>>,
        name: Option<String>,
        exclude: Option<String>,
        hide_virtual: bool,
        hide_external: bool,
    ) -> PyResult<Graph> {
        let namespaces: Vec<String> = match namespace.filter(|n| !n.is_none()) {
            None => Vec::new(),
            Some(n) if n.is_instance_of::<PyString>() => vec![n.extract()?],
            Some(n) => n.extract().map_err(|_| {
                Error::Input("namespace must be a string or a list of strings".into())
            })?,
        };
        let mut filter = transform::Filter::default();
        filter.namespaces = namespaces;
        filter.name = options::regex("name", name.as_deref())?;
        filter.exclude = options::regex("exclude", exclude.as_deref())?;
        filter.hide_virtual = hide_virtual;
        filter.hide_external = hide_external;
        let graph = &self.inner;
        Ok(self.derived(py.detach(|| transform::filter(graph, &filter))))
    }

    /// Applies naming rules, as `svcgraph render --naming` does: `rules` is a rules file
    /// (TOML, or JSON by extension; `str` or `os.PathLike`) or a dict of the same fields.
    /// CIDR ranges name IP-named nodes, `ip_peers="collapse"` merges the rest into one
    /// `external` node, regex renames and aliases merge names of one service. Merged nodes
    /// merge their edges: rates add up, latency keeps the larger quantile. Apply it before the
    /// other transforms. Bad rules raise `InputError`; a file that cannot be read raises
    /// what `open` would.
    ///
    /// ```python
    /// >>> g.rename({"ip_peers": "collapse", "cidr": [{"range": "10.4.0.0/16", "name": "pods"}]})
    /// ```
    fn rename(&self, py: Python<'_>, rules: &Bound<'_, PyAny>) -> PyResult<Graph> {
        let rules = options::naming(py, rules)?;
        let graph = &self.inner;
        Ok(self.derived(py.detach(|| rules.apply(graph))))
    }

    /// Drops edges under `min_rate` requests per second, and the nodes left without edges.
    /// A negative or infinite `min_rate` raises `InputError`.
    ///
    /// ```python
    /// >>> g.prune(1.0)
    /// ```
    fn prune(&self, py: Python<'_>, min_rate: f64) -> PyResult<Graph> {
        let min_rate = options::non_negative("min_rate", min_rate)?;
        let graph = &self.inner;
        Ok(self.derived(py.detach(|| transform::prune(graph, min_rate))))
    }

    /// One graph of two moments: this one and `baseline` (an earlier one, transformed the
    /// same way). Edges and nodes are marked new, gone, changed or the same; an edge has
    /// changed when its rate moved by more than `rate_change` (relative: 0.5 is by half),
    /// its error ratio by more than `error_change` (absolute: 0.01 is one percentage point)
    /// or its p95 by more than `p95_change` (relative). A negative threshold raises
    /// `InputError`.
    ///
    /// ```python
    /// >>> shop.diff(yesterday, rate_change=0.2).edges[1]["change"]
    /// 'new'
    /// ```
    #[pyo3(signature = (baseline, *, rate_change = 0.5, error_change = 0.01, p95_change = 0.5))]
    fn diff(
        &self,
        py: Python<'_>,
        baseline: &Graph,
        rate_change: f64,
        error_change: f64,
        p95_change: f64,
    ) -> PyResult<Graph> {
        let mut thresholds = diff::Thresholds::default();
        thresholds.rate = options::non_negative("rate_change", rate_change)?;
        thresholds.error_ratio = options::non_negative("error_change", error_change)?;
        thresholds.p95 = options::non_negative("p95_change", p95_change)?;
        let (now, before) = (&self.inner, &baseline.inner);
        Ok(self.derived(py.detach(|| diff::diff(now, before, &thresholds))))
    }

    /// The picture as a self-contained SVG document: `rankdir` `"lr"` (callers left) or
    /// `"tb"` (callers on top), as the command line's `--rankdir`; `edge_labels` `"auto"` (up to 1,000 edges;
    /// the labels with room beside their lines, and rooms of their own for others only while
    /// the drawing fits 1600 × 900 or stays within 1.3 times its area without them), `"always"` (every
    /// label) or `"never"`; `group="namespace"` boxes each namespace; `legend=False` leaves out the
    /// legend. Tooltips carry every number.
    ///
    /// ```python
    /// >>> g.to_svg(rankdir="tb", group="namespace").startswith("<svg")
    /// True
    /// ```
    ///
    /// `hint`, the text `layout_hint()` gave for an earlier drawing (of this graph or of an
    /// earlier state of it), keeps the services that were in it where they were, and fits
    /// new ones in around them: a picture redrawn every few minutes does not jump.
    ///
    /// An unknown option value, or a `hint` that is not such text, raises `InputError`.
    #[pyo3(
        signature = (
            *, rankdir = "lr".to_owned(), edges = "curved".to_owned(), edge_labels = "auto".to_owned(), group = None,
            legend = true, hint = None
        ),
        text_signature = "($self, *, rankdir='lr', edges='curved', edge_labels='auto', group=None, legend=True, hint=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn to_svg(
        &self,
        py: Python<'_>,
        rankdir: String,
        edges: String,
        edge_labels: String,
        group: Option<String>,
        legend: bool,
        hint: Option<String>,
    ) -> PyResult<String> {
        let mut options =
            options::svg_options(&rankdir, &edges, &edge_labels, group.as_deref(), legend)?;
        options.hint = options::hint(hint.as_deref())?;
        Ok(self.svg(py, &options))
    }

    /// Where `to_svg` with these options (and `hint`) puts each service and call, as JSON
    /// text: pass it as `hint` to a later drawing to keep them there. Raises `InputError`
    /// as `to_svg` does.
    ///
    /// ```python
    /// >>> before = g.layout_hint()
    /// >>> svg = g.to_svg(hint=before)
    /// ```
    #[pyo3(
        signature = (
            *, rankdir = "lr".to_owned(), edges = "curved".to_owned(), edge_labels = "auto".to_owned(), group = None,
            hint = None
        ),
        text_signature = "($self, *, rankdir='lr', edges='curved', edge_labels='auto', group=None, hint=None)"
    )]
    fn layout_hint(
        &self,
        py: Python<'_>,
        rankdir: String,
        edges: String,
        edge_labels: String,
        group: Option<String>,
        hint: Option<String>,
    ) -> PyResult<String> {
        let mut options =
            options::svg_options(&rankdir, &edges, &edge_labels, group.as_deref(), true)?;
        options.hint = options::hint(hint.as_deref())?;
        let graph = &self.inner;
        let text = py.detach(|| {
            let drawn = svg::to_svg(graph, &options);
            serde_json::to_string(&drawn.hint(graph))
        });
        text.map_err(|e| PyErr::from(crate::error::Error::Input(e.to_string())))
    }

    /// The interactive page: one self-contained HTML file with the picture (drawn with the
    /// options of `to_svg`), pan and zoom, search, hover details, focus, collapsible
    /// namespaces and the view in the URL fragment; nothing is fetched from the network.
    /// Graphs with more than one namespace are drawn with namespace boxes; graphs of more than
    /// 400 services start as an overview of their namespaces. `title` names the page.
    /// `links` maps a name to a URL template shown in the side panel of a service
    /// (`{service}`, `{namespace}`) or of a call (`{client}`, `{server}`,
    /// `{client_namespace}`, `{server_namespace}`), with `{from}`/`{to}` the time the graph
    /// describes (a fetch's or snapshot's window before its moment; else the hour before the
    /// link is followed), in Unix milliseconds; each value is URL-encoded. Raises `InputError`
    /// (a `ValueError`) as `to_svg` does, and for a link that is not an http(s) URL or names
    /// an unknown placeholder.
    ///
    /// ```python
    /// >>> g.to_html(title="shop").startswith("<!DOCTYPE html>")
    /// True
    /// ```
    #[pyo3(
        signature = (
            *, rankdir = "lr".to_owned(), edges = "curved".to_owned(), edge_labels = "auto".to_owned(), group = None,
            legend = true, title = None, hint = None, links = None
        ),
        text_signature = "($self, *, rankdir='lr', edges='curved', edge_labels='auto', group=None, legend=True, title=None, hint=None, links=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn to_html(
        &self,
        py: Python<'_>,
        rankdir: String,
        edges: String,
        edge_labels: String,
        group: Option<String>,
        legend: bool,
        title: Option<String>,
        hint: Option<String>,
        links: Option<Bound<'_, PyDict>>,
    ) -> PyResult<String> {
        let options = self.html_options(
            &rankdir,
            &edges,
            &edge_labels,
            group.as_deref(),
            legend,
            title,
            hint.as_deref(),
            links.as_ref(),
        )?;
        let graph = &self.inner;
        Ok(py.detach(|| html::to_html(graph, &options)))
    }

    /// The interactive page to show inline in Jupyter, with `to_html`'s options (links
    /// included) and a frame `height` in pixels: the last expression of a cell shows it, as
    /// a graph shows itself. Its `html` is the page. Raises `InputError` as `to_html` does,
    /// and for a height outside 100–10000.
    ///
    /// ```python
    /// >>> g.show(links={"Traces": "https://grafana.example/explore?s={service}&from={from}&to={to}"})
    /// ```
    #[pyo3(
        signature = (
            *, rankdir = "lr".to_owned(), edges = "curved".to_owned(), edge_labels = "auto".to_owned(), group = None,
            legend = true, title = None, hint = None, links = None, height = 640
        ),
        text_signature = "($self, *, rankdir='lr', edges='curved', edge_labels='auto', group=None, legend=True, title=None, hint=None, links=None, height=640)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn show(
        &self,
        py: Python<'_>,
        rankdir: String,
        edges: String,
        edge_labels: String,
        group: Option<String>,
        legend: bool,
        title: Option<String>,
        hint: Option<String>,
        links: Option<Bound<'_, PyDict>>,
        height: i64,
    ) -> PyResult<Page> {
        let height = u32::try_from(height)
            .ok()
            .filter(|h| (100..=10_000).contains(h))
            .ok_or_else(|| {
                PyErr::from(crate::error::Error::Input(format!(
                    "height is the frame's height in pixels, from 100 to 10000, not {height}"
                )))
            })?;
        let options = self.html_options(
            &rankdir,
            &edges,
            &edge_labels,
            group.as_deref(),
            legend,
            title,
            hint.as_deref(),
            links.as_ref(),
        )?;
        let graph = &self.inner;
        let html = py.detach(|| html::to_html(graph, &options));
        Ok(Page {
            html,
            services: graph.node_count(),
            height,
        })
    }

    /// The graph as Graphviz DOT (`dot -Tpdf` draws it): `rankdir` `"lr"` or `"tb"`,
    /// `group="namespace"` for a cluster per namespace. Another value raises `InputError`.
    ///
    /// ```python
    /// >>> print(g.to_dot(rankdir="tb"))
    /// ```
    #[pyo3(
        signature = (*, rankdir = "lr".to_owned(), group = None),
        text_signature = "($self, *, rankdir='lr', group=None)"
    )]
    fn to_dot(&self, py: Python<'_>, rankdir: String, group: Option<String>) -> PyResult<String> {
        let options = options::dot_options(&rankdir, group.as_deref())?;
        let graph = &self.inner;
        Ok(py.detach(|| svcgraph_core::render::dot::to_dot(graph, &options)))
    }

    /// The graph as a Mermaid flowchart, which GitHub and GitLab draw inline in Markdown:
    /// `rankdir` `"lr"` or `"tb"`, `group="namespace"` for a subgraph per namespace; a
    /// comparison (`diff`) marks new, gone and changed calls. Names are escaped, never
    /// Mermaid syntax. Another option value raises `InputError`.
    ///
    /// ```python
    /// >>> print(g.diff(yesterday).to_mermaid())
    /// ```
    #[pyo3(
        signature = (*, rankdir = "lr".to_owned(), group = None),
        text_signature = "($self, *, rankdir='lr', group=None)"
    )]
    fn to_mermaid(
        &self,
        py: Python<'_>,
        rankdir: String,
        group: Option<String>,
    ) -> PyResult<String> {
        let options = mermaid_options(&options::dot_options(&rankdir, group.as_deref())?);
        let graph = &self.inner;
        Ok(py.detach(|| mermaid::to_mermaid(graph, &options)))
    }

    /// A Markdown summary: for a comparison (`diff`), tables of new, gone and changed calls
    /// (rate, error ratio, p95, before → after), busiest first; for any other graph, its
    /// busiest calls. Cells are escaped.
    fn to_markdown(&self, py: Python<'_>) -> String {
        let graph = &self.inner;
        py.detach(|| markdown::to_markdown(graph, &markdown::MarkdownOptions::default()))
    }

    /// The data-quality report of the graph as a dict (the `svcgraph-quality` document of
    /// `svcgraph doctor --format json`, from the graph alone): nodes named by an IP address,
    /// `unknown` or virtual peers and their traffic, one name under several namespaces, and
    /// for each finding its usual cause and the producer setting that fixes it.
    ///
    /// ```python
    /// >>> [f["kind"] for f in g.quality()["findings"]]
    /// ['virtual']
    /// ```
    fn quality<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let graph = &self.inner;
        let text = py.detach(|| quality::assess(graph, None).to_json());
        py.import("json")?.call_method1("loads", (text,))
    }

    /// The graph document (`"format": "svcgraph-graph"`), which `svcgraph.load` and
    /// `svcgraph render --input` read back.
    ///
    /// ```python
    /// >>> svcgraph.load(g.to_json()).to_json() == g.to_json()
    /// True
    /// ```
    fn to_json(&self, py: Python<'_>) -> String {
        let graph = &self.inner;
        py.detach(|| json::to_json(graph))
    }

    /// Writes the graph to `path`, in the format its extension names (`.svg`, `.dot`/`.gv`,
    /// `.json`, `.html`/`.htm`) or `format`. The file is replaced atomically: a failure leaves
    /// the old one. The drawing options are those of `to_svg` (and `to_dot`, `to_html`, whose
    /// `title` and `links` only the html format carries).
    ///
    /// Raises `InputError` for an unknown format or option (and for `title` or `links` with
    /// another format than html), and `OutputError` when the file
    /// cannot be written: also the `OSError` subclass for its errno (`FileNotFoundError` for
    /// a missing directory, `PermissionError`, `IsADirectoryError`, …), with `errno`,
    /// `strerror` and `filename` (this `path`) set.
    ///
    /// ```python
    /// >>> g.save("shop.svg", group="namespace")
    /// ```
    #[pyo3(
        signature = (
            path, *, format = None, rankdir = "lr".to_owned(), edges = "curved".to_owned(), edge_labels = "auto".to_owned(),
            group = None, legend = true, title = None, links = None
        ),
        text_signature = "($self, path, *, format=None, rankdir='lr', edges='curved', edge_labels='auto', group=None, legend=True, title=None, links=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn save(
        &self,
        py: Python<'_>,
        path: PathBuf,
        format: Option<String>,
        rankdir: String,
        edges: String,
        edge_labels: String,
        group: Option<String>,
        legend: bool,
        title: Option<String>,
        links: Option<Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let format = format_of(&path, format.as_deref())?;
        if format != Format::Html
            && (title.is_some() || links.as_ref().is_some_and(|l| !l.is_empty()))
        {
            return Err(crate::error::Error::Input(
                "title and links belong to the html page; save to a .html file or pass format=\"html\"".into(),
            )
            .into());
        }
        let svg_options =
            options::svg_options(&rankdir, &edges, &edge_labels, group.as_deref(), legend)?;
        let dot_options = options::dot_options(&rankdir, group.as_deref())?;
        let html_options = self.html_options(
            &rankdir,
            &edges,
            &edge_labels,
            group.as_deref(),
            legend,
            title,
            None,
            links.as_ref(),
        )?;
        let graph = &self.inner;
        py.detach(|| {
            let text = match format {
                Format::Svg => svg::to_svg(graph, &svg_options).text,
                Format::Dot => svcgraph_core::render::dot::to_dot(graph, &dot_options),
                Format::Json => json::to_json(graph),
                Format::Html => html::to_html(graph, &html_options),
                Format::Mermaid => mermaid::to_mermaid(graph, &mermaid_options(&dot_options)),
                Format::Markdown => {
                    markdown::to_markdown(graph, &markdown::MarkdownOptions::default())
                }
            };
            write_atomically(&path, text.as_bytes())
        })?;
        Ok(())
    }

    /// Numbers about the layout `to_svg` draws with the same options: `nodes`, `edges`,
    /// `layers`, `reversed_edges`, `dummies`, `direct_edges`, `labels_left_out` (edge
    /// labels without room beside their lines, drawn only in tooltips), `crossings`, `width`,
    /// `height`, and `seconds` per phase (`acyclic`, `layering`, `ordering`,
    /// `positioning`, `routing`, `total`). Another option value raises `InputError`.
    ///
    /// ```python
    /// >>> g.layout_stats()["crossings"]
    /// 5
    /// ```
    #[pyo3(
        signature = (*, rankdir = "lr".to_owned(), edges = "curved".to_owned(), edge_labels = "auto".to_owned(), group = None),
        text_signature = "($self, *, rankdir='lr', edges='curved', edge_labels='auto', group=None)"
    )]
    fn layout_stats<'py>(
        &self,
        py: Python<'py>,
        rankdir: String,
        edges: String,
        edge_labels: String,
        group: Option<String>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let options = options::svg_options(&rankdir, &edges, &edge_labels, group.as_deref(), true)?;
        let graph = &self.inner;
        let stats = py.detach(|| svg::layout_of(graph, &options).stats);
        records::layout_stats(py, &stats)
    }

    /// The SVG picture, for the rich display of Jupyter notebooks (and frontends that do
    /// not show HTML).
    fn _repr_svg_(&self, py: Python<'_>) -> String {
        self.svg(py, &svg::SvgOptions::default())
    }

    /// The interactive page for Jupyter, in an iframe (see `Page`); `show` takes options.
    fn _repr_html_(&self, py: Python<'_>) -> String {
        let graph = &self.inner;
        py.detach(|| {
            let mut options = html::HtmlOptions::default();
            options.window = self.window;
            options.quality = Some(quality::assess(graph, None));
            inline_frame(&html::to_html(graph, &options), graph.node_count(), 640)
        })
    }

    /// The graph as a `networkx.DiGraph`: node ids as nodes with the node dicts as
    /// attributes, the edge dicts as edge attributes. Needs `networkx` installed.
    fn to_networkx<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        interop(slf, "to_networkx")
    }

    /// The edges as a `pandas.DataFrame`, one row per edge with the columns of `edges`.
    /// Needs `pandas` installed.
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        interop(slf, "to_pandas")
    }
}

/// The interactive page of a graph with its options (`Graph.show`), shown inline by Jupyter.
#[pyclass(module = "svcgraph", name = "Page", frozen)]
#[derive(Debug)]
pub struct Page {
    html: String,
    services: usize,
    height: u32,
}

#[pymethods]
impl Page {
    /// The page: one self-contained HTML document, as `to_html` returns it.
    #[getter]
    fn html(&self) -> &str {
        &self.html
    }

    /// The page in an iframe for Jupyter.
    fn _repr_html_(&self) -> String {
        inline_frame(&self.html, self.services, self.height)
    }

    fn __repr__(&self) -> String {
        format!(
            "<svcgraph.Page: {}, {} bytes>",
            svcgraph_core::counted(self.services, "service"),
            self.html.len()
        )
    }
}

/// A page in an iframe: its `srcdoc` holds the page (escaped); the sandbox lets its script
/// run but keeps it, and its styles, out of the notebook, and lets a link open in a new tab
/// (which leaves the sandbox, so the linked tool works as usual).
fn inline_frame(page: &str, services: usize, height: u32) -> String {
    format!(
        "<iframe srcdoc=\"{}\" sandbox=\"allow-scripts allow-downloads allow-popups allow-popups-to-escape-sandbox\" \
         title=\"svcgraph: {}\" style=\"width: 100%; height: {height}px; border: 1px solid #d8dee8; border-radius: 4px;\"></iframe>",
        html_attribute(page),
        html_attribute(&svcgraph_core::counted(services, "service")),
    )
}

/// The Mermaid options of the DOT ones (both a direction and a grouping).
fn mermaid_options(dot: &dot::DotOptions) -> mermaid::MermaidOptions {
    let mut options = mermaid::MermaidOptions::default();
    options.direction = dot.direction;
    options.group = dot.group;
    options
}
