//! The properties the fuzz targets check, for any bytes: nothing panics, every error is an
//! `Error` with a message, the SVG is well-formed XML, the DOT has no character Graphviz
//! would copy into invalid XML, and graph JSON reads back to the same bytes.

use svcgraph_core::query::GraphQuery;
use svcgraph_core::render::{Grouping, dot, json, svg};
use svcgraph_core::schema::{QueryResults, Schema};
use svcgraph_core::series::SeriesSet;
use svcgraph_core::{ServiceGraph, layout, transform};

/// The graph the bytes hold, as `svcgraph render --input` would read them.
fn graph_of(data: &[u8]) -> Option<ServiceGraph> {
    match svcgraph_core::load(data) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                assert!(!w.to_string().is_empty());
            }
            Some(loaded.graph)
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            None
        }
    }
}

/// Graph JSON reads back, and writing it again gives the same bytes.
fn check_json(graph: &ServiceGraph) {
    let text = json::to_json(graph);
    let back = json::from_json(&text).expect("written graph JSON reads back");
    assert_eq!(json::to_json(&back), text, "graph JSON round trip");
}

/// The SVG parses as XML.
fn check_svg(graph: &ServiceGraph, options: &svg::SvgOptions) {
    let drawn = svg::to_svg(graph, options);
    if let Err(e) = roxmltree::Document::parse(&drawn.text) {
        panic!("the SVG is not well-formed XML: {e}");
    }
    // Drawn again with its own positions as the hint, as a live view's refresh draws.
    let mut hinted = options.clone();
    hinted.hint = Some(drawn.hint(graph));
    let again = svg::to_svg(graph, &hinted);
    if let Err(e) = roxmltree::Document::parse(&again.text) {
        panic!("the SVG drawn with a hint is not well-formed XML: {e}");
    }
}

/// The DOT keeps names inside quotes and has no character XML forbids.
fn check_dot(graph: &ServiceGraph, options: &dot::DotOptions) {
    let text = dot::to_dot(graph, options);
    for c in text.chars() {
        let n = u32::from(c);
        assert!(
            !(c.is_control() && c != '\n') && n != 0xFFFE && n != 0xFFFF,
            "DOT holds U+{n:04X}"
        );
    }
    assert!(text.ends_with("}\n"));
}

/// Input recognition: a response, a snapshot or a graph document, or a clear error.
pub fn input(data: &[u8]) {
    if let Some(graph) = graph_of(data) {
        check_json(&graph);
    }
}

/// A schema (TOML or JSON, up to the first NUL byte) planning queries and building a graph
/// from a response (the rest).
pub fn schema(data: &[u8]) {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (definition, response) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    let Ok(text) = std::str::from_utf8(definition) else {
        return;
    };
    let Ok(schema) = Schema::from_toml(text).or_else(|_| Schema::from_json(text)) else {
        return;
    };
    if schema.validate().is_err() {
        return;
    }
    let _ = schema.to_toml();
    let query = GraphQuery::default()
        .with_namespace("shop\"}\\")
        .with_cluster("prod");
    if let Ok(plan) = schema.plan(&query) {
        assert!(!plan.is_empty());
    }
    if let Ok(set) = SeriesSet::from_json(response) {
        if let Ok(built) = schema.build(&QueryResults::from_requests(set)) {
            check_json(&built.graph);
        }
    }
}

/// Aggregation, filters, pruning and focus, chosen by the first bytes, on the graph the
/// rest holds.
pub fn transforms(data: &[u8]) {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let Some((&depth, rest)) = rest.split_first() else {
        return;
    };
    let Some(mut graph) = graph_of(rest) else {
        return;
    };
    if choice & 1 != 0 {
        graph = transform::aggregate(&graph, transform::Level::Workload);
    }
    if choice & 2 != 0 {
        graph = transform::aggregate(&graph, transform::Level::Namespace);
    }
    let some_name = graph.nodes().next().map(|n| n.name.clone());
    let mut filter = transform::Filter::default();
    filter.namespaces = graph
        .nodes()
        .filter_map(|n| n.namespace.clone())
        .take(usize::from(choice >> 6))
        .collect();
    filter.hide_virtual = choice & 4 != 0;
    filter.hide_external = choice & 8 != 0;
    graph = transform::filter(&graph, &filter);
    if choice & 16 != 0 {
        graph = transform::prune(&graph, f64::from(depth) / 10.0);
    }
    if let Some(name) = some_name {
        let direction = match depth % 3 {
            0 => transform::FocusDirection::Upstream,
            1 => transform::FocusDirection::Downstream,
            _ => transform::FocusDirection::Both,
        };
        let depth = if depth > 200 {
            usize::MAX
        } else {
            usize::from(depth % 4)
        };
        match transform::focus(&graph, &name, depth, direction) {
            Ok(focused) => graph = focused,
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
    check_json(&graph);
}

/// The three renderers on the graph the bytes hold, with options from the first byte.
pub fn render(data: &[u8]) {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let Some(graph) = graph_of(rest) else {
        return;
    };
    let group = if choice & 1 != 0 {
        Grouping::Namespace
    } else {
        Grouping::None
    };
    let direction = if choice & 2 != 0 {
        layout::Direction::TopToBottom
    } else {
        layout::Direction::LeftToRight
    };
    let mut svg_options = svg::SvgOptions::default();
    svg_options.direction = direction;
    svg_options.edge_labels = match choice >> 2 & 3 {
        0 => svg::EdgeLabels::Auto,
        1 => svg::EdgeLabels::Always,
        _ => svg::EdgeLabels::Never,
    };
    svg_options.no_legend = choice & 16 != 0;
    svg_options.group = group;
    check_svg(&graph, &svg_options);
    let mut dot_options = dot::DotOptions::default();
    dot_options.direction = direction;
    dot_options.group = group;
    check_dot(&graph, &dot_options);
    check_json(&graph);
}
