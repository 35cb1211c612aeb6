//! Graphviz DOT.
//!
//! Every id, name and label is written as a quoted DOT string with `\` and `"` escaped and
//! control characters replaced, so no label can break out of its attribute or turn into a
//! Graphviz escape (`\N`, `\G`, …). Edge width follows the request rate, colour the error
//! ratio; nodes and edges carry tooltips with every number (shown by `dot -Tsvg` viewers).

use std::fmt::Write;

use super::Grouping;
use super::text::{edge_details, edge_label, edge_width, error_color, node_details};
use crate::diff::Change;
use crate::layout::Direction;
use crate::model::{Node, NodeKind, ServiceGraph};

/// Options for [`to_dot`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct DotOptions {
    /// Which way calls flow on the page (Graphviz' `rankdir`), as for SVG.
    pub direction: Direction,
    /// Nodes grouped into clusters (drawn as boxes by Graphviz).
    pub group: Grouping,
}

const FONT: &str = "Helvetica,Arial,sans-serif";

/// The graph as a DOT document.
pub fn to_dot(graph: &ServiceGraph, options: &DotOptions) -> String {
    let g = graph.graph();
    let mut out = String::with_capacity(256 + 200 * (g.node_count() + g.edge_count()));
    let rankdir = match options.direction {
        Direction::LeftToRight => "LR",
        Direction::TopToBottom => "TB",
    };
    let _ = writeln!(out, "digraph svcgraph {{");
    let _ = writeln!(
        out,
        "  graph [rankdir={rankdir}, fontname=\"{FONT}\", nodesep=0.35, ranksep=0.9, bgcolor=\"white\"];"
    );
    let _ = writeln!(
        out,
        "  node [shape=box, style=\"rounded,filled\", fontname=\"{FONT}\", fontsize=11, color=\"#3b6db3\", fillcolor=\"#e8f0fe\", margin=\"0.15,0.06\"];"
    );
    let _ = writeln!(
        out,
        "  edge [fontname=\"{FONT}\", fontsize=9, arrowsize=0.7];"
    );
    if graph.is_empty() {
        let _ = writeln!(out, "  label=\"no edges: the query returned no series\";");
    }

    // Nodes by group (clusters in name order, numbered so that no name needs to be an id),
    // the ungrouped ones last.
    let mut grouped: Vec<(Option<&str>, petgraph::graph::NodeIndex)> = graph
        .sorted_nodes()
        .into_iter()
        .map(|v| (options.group.of(&g[v]), v))
        .collect();
    grouped.sort_by_key(|&(group, _)| (group.is_none(), group));
    let mut open: Option<&str> = None;
    let mut clusters = 0;
    for &(group, index) in &grouped {
        if group != open {
            if open.is_some() {
                out.push_str("  }\n");
            }
            if let Some(name) = group {
                let _ = writeln!(
                    out,
                    "  subgraph cluster_{clusters} {{\n    label={}; tooltip={}; style=\"rounded,filled\"; color=\"#c5cfdd\"; fillcolor=\"#f7f9fc\"; fontcolor=\"#5b6b80\"; fontsize=11; labeljust=l;",
                    quote(name),
                    quote(&format!("namespace {name}")),
                );
                clusters += 1;
            }
            open = group;
        }
        let indent = if group.is_some() { "    " } else { "  " };
        write_node(&mut out, indent, &g[index]);
    }
    if open.is_some() {
        out.push_str("  }\n");
    }

    let max_rate = g
        .edge_weights()
        .map(|e| e.requests_per_second)
        .fold(0.0, f64::max);
    for index in graph.sorted_edges() {
        let Some((s, t)) = g.edge_endpoints(index) else {
            continue;
        };
        let edge = &g[index];
        let change = edge.diff.as_deref().map(|d| d.change);
        let color = if change == Some(Change::Gone) {
            "#9ca3af"
        } else {
            error_color(edge.error_ratio())
        };
        let dashed = match change {
            Some(Change::Gone) => ", style=dashed",
            Some(Change::New | Change::Changed) => ", style=bold",
            _ if edge.connection_type.as_deref() == Some("messaging_system") => ", style=dashed",
            _ => "",
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label={}, tooltip={}, penwidth={:.2}, color=\"{color}\", fontcolor=\"{color}\"{dashed}];",
            quote(&g[s].id),
            quote(&g[t].id),
            quote(&edge_label(edge)),
            quote_lines(&edge_details(&g[s], &g[t], edge)),
            edge_width(edge.requests_per_second, max_rate),
        );
    }
    out.push_str("}\n");
    out
}

/// One node statement with its style by kind.
fn write_node(out: &mut String, indent: &str, node: &Node) {
    let style = match node.kind {
        NodeKind::Service | NodeKind::Pod | NodeKind::Workload => "",
        NodeKind::Namespace => ", shape=folder, style=\"filled\", fillcolor=\"#dde7f7\"",
        NodeKind::Database => {
            ", shape=cylinder, style=\"filled\", color=\"#2f7a6b\", fillcolor=\"#e3f2ef\""
        }
        NodeKind::Virtual => {
            ", style=\"rounded,filled,dashed\", color=\"#7c8796\", fillcolor=\"#f3f4f6\", fontcolor=\"#4b5563\""
        }
        NodeKind::External => {
            ", style=\"rounded,dashed\", color=\"#7c8796\", fontcolor=\"#374151\""
        }
        NodeKind::Unknown => ", style=\"rounded,dotted\", color=\"#9ca3af\", fontcolor=\"#6b7280\"",
    };
    let diff = match node.diff {
        Some(Change::New) => ", peripheries=2, color=\"#16a34a\"",
        Some(Change::Gone) => {
            ", style=\"rounded,dashed\", color=\"#9ca3af\", fontcolor=\"#6b7280\""
        }
        _ => "",
    };
    let _ = writeln!(
        out,
        "{indent}{} [label={}, tooltip={}{style}{diff}];",
        quote(&node.id),
        quote(&node.name),
        quote_lines(&node_details(node)),
    );
}

/// A DOT quoted string holding `text` literally.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    push_escaped(&mut out, text);
    out.push('"');
    out
}

/// Several lines in one quoted string, joined by DOT's `\n` line break.
fn quote_lines(lines: &[String]) -> String {
    let mut out = String::from("\"");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("\\n");
        }
        push_escaped(&mut out, line);
    }
    out.push('"');
    out
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            // A newline in a name is shown as a line break, never as a raw newline.
            '\n' => out.push_str("\\n"),
            // Graphviz copies names into its SVG, and XML forbids control characters and
            // U+FFFE/U+FFFF; the other noncharacters are not for interchange either.
            c if c.is_control() || super::is_noncharacter(c) => out.push('\u{FFFD}'),
            // Text-direction overrides would let one name pass for another.
            c if super::is_bidi_control(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::is_noncharacter;
    use super::*;
    use crate::model::{Edge, Node};

    #[test]
    fn hostile_names_stay_inside_their_strings() {
        let mut g = ServiceGraph::new();
        let a = g.upsert_node(Node::named("a\"];\n\"x\" -> \"y", NodeKind::Service));
        let b = g.upsert_node(Node::named("<script>\\N\u{7}", NodeKind::External));
        g.upsert_edge(a, b, Edge::with_rate(1.0));
        let dot = to_dot(&g, &DotOptions::default());
        assert!(dot.contains(r#""a\"];\n\"x\" -> \"y""#), "{dot}");
        assert!(dot.contains(r#""<script>\\N�""#), "{dot}");
        // One statement per node and edge line, none split by the hostile newline.
        assert_eq!(dot.lines().filter(|l| l.contains(" -> ")).count(), 1 + 1);
        assert!(dot.lines().all(|l| !l.contains('\u{7}')));
    }

    #[test]
    fn noncharacters_and_controls_become_replacement_characters() {
        let mut g = ServiceGraph::new();
        let a = g.upsert_node(Node::named(
            "a\u{FFFE}b\u{FFFF}\u{FDD0}\u{1FFFE}\u{10FFFF}",
            NodeKind::Service,
        ));
        let b = g.upsert_node(Node::named("c\u{0}\u{1b}d", NodeKind::Service));
        g.upsert_edge(a, b, Edge::with_rate(1.0));
        let dot = to_dot(&g, &DotOptions::default());
        assert!(
            dot.contains("\"a\u{FFFD}b\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\""),
            "{dot}"
        );
        assert!(dot.contains("\"c\u{FFFD}\u{FFFD}d\""), "{dot}");
        assert!(
            !dot.chars()
                .any(|c| is_noncharacter(c) || (c.is_control() && c != '\n'))
        );
    }

    #[test]
    fn empty_graphs_say_so() {
        let dot = to_dot(&ServiceGraph::new(), &DotOptions::default());
        assert!(dot.contains("no edges"));
        assert!(dot.ends_with("}\n"));
    }
}
