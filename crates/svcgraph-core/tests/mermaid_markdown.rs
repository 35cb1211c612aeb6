//! Mermaid and Markdown output as a pull request shows them: the bundled shop, the shop
//! compared with its yesterday, and a graph of hostile names. The text is the contract, so
//! each is an insta snapshot; the browser checks (`tests/browser/test_mermaid.py`) draw the
//! same documents with the real Mermaid library and render the Markdown.
// Reads metric responses and snapshots: the `full` feature.
#![cfg(feature = "full")]

use std::path::PathBuf;

use svcgraph_core::render::markdown::{MarkdownOptions, to_markdown};
use svcgraph_core::render::mermaid::{MermaidOptions, to_mermaid};
use svcgraph_core::{
    Direction, Edge, Grouping, Node, NodeKind, ServiceGraph, Thresholds, diff, load,
};

fn repo_file(path: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn shop() -> ServiceGraph {
    load(&repo_file("crates/svcgraph-cli/data/shop.snapshot.json"))
        .unwrap()
        .graph
}

fn shop_compared() -> ServiceGraph {
    let before = load(&repo_file("examples/data/shop-yesterday.snapshot.json"))
        .unwrap()
        .graph;
    diff::diff(&shop(), &before, &Thresholds::default())
}

/// Names that try every way out of a label: quotes, brackets, a directive, a click
/// callback, a Markdown string, HTML, a table cell, a newline and a text-direction override.
fn hostile() -> ServiceGraph {
    let mut g = ServiceGraph::new();
    let mut names = Vec::new();
    for (name, kind, ns) in [
        (
            "a\"]; click n1 call alert(1); x[\"",
            NodeKind::Service,
            Some("shop\"}"),
        ),
        (
            "%%{init: {\"securityLevel\": \"loose\"}}%%",
            NodeKind::External,
            None,
        ),
        (
            "`**md**` <script>alert(2)</script>",
            NodeKind::Database,
            Some("shop\"}"),
        ),
        ("pipe|line\nnext end", NodeKind::Virtual, None),
        ("invoice\u{202E}gpj.exe", NodeKind::Unknown, None),
    ] {
        let mut node = Node::named(name, kind);
        node.namespace = ns.map(str::to_owned);
        names.push(g.upsert_node(node));
    }
    for pair in names.windows(2) {
        let mut edge = Edge::with_rate(2.5);
        edge.failures_per_second = 0.1;
        edge.latency.p95 = Some(0.12);
        g.upsert_edge(pair[0], pair[1], edge);
    }
    g
}

#[test]
fn the_shop_as_mermaid() {
    let mut options = MermaidOptions::default();
    options.group = Grouping::Namespace;
    insta::assert_snapshot!(to_mermaid(&shop(), &options));
}

#[test]
fn a_comparison_as_mermaid() {
    let mut options = MermaidOptions::default();
    options.direction = Direction::TopToBottom;
    insta::assert_snapshot!(to_mermaid(&shop_compared(), &options));
}

#[test]
fn hostile_names_as_mermaid() {
    let mut options = MermaidOptions::default();
    options.group = Grouping::Namespace;
    let text = to_mermaid(&hostile(), &options);
    for line in text.lines() {
        assert!(
            !line.contains("%%") && !line.contains('`') && !line.contains('<'),
            "{line}"
        );
        assert!(!line.trim_start().starts_with("click"), "{line}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn a_comparison_as_markdown() {
    insta::assert_snapshot!(to_markdown(&shop_compared(), &MarkdownOptions::default()));
}

#[test]
fn the_shop_as_markdown() {
    insta::assert_snapshot!(to_markdown(&shop(), &MarkdownOptions::default()));
}

#[test]
fn hostile_names_as_markdown() {
    let text = to_markdown(&hostile(), &MarkdownOptions::default());
    // Every row keeps its six cell borders: no name added one.
    for row in text.lines().filter(|l| l.starts_with("| ")) {
        assert_eq!(row.matches(" | ").count() + 2, 6, "{row}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn the_same_graph_gives_the_same_bytes() {
    let options = MermaidOptions::default();
    assert_eq!(
        to_mermaid(&shop_compared(), &options),
        to_mermaid(&shop_compared(), &options)
    );
}
