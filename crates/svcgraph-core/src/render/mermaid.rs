//! Mermaid flowcharts, which GitHub and GitLab draw inline in Markdown (a pull request
//! comment, an issue, a README).
//!
//! Names come from metric labels and cannot be trusted, so no name ever becomes Mermaid
//! syntax: node ids are generated (`n0`, `n1`, … in id order; subgraphs `g0`, …), and every
//! label is a quoted string in which each ASCII character other than a letter, a digit, a
//! space and `-_.,/:` is written as Mermaid's numeric entity (`#35;` for `#`). A quote, a
//! bracket, `%%{init}%%`, a backtick (which would start a Markdown string), `<script>` or a
//! `|` therefore reach the drawing as text. Control characters and text-direction overrides
//! become U+FFFD, as in the other drawings.
//!
//! Node shapes and classes follow the kind (`service`, `database`, `virtual`, `external`, …);
//! edges carry the SVG's label (rate, error ratio when there are failures, p95) and are
//! coloured by error level. In a comparison new nodes get the class `new` and gone ones
//! `gone`; new and changed edges are drawn thick (`==>`), gone ones dotted (`-.->`), and
//! their labels say `new`, `gone · was …` or how much a number moved. Only flowchart
//! features GitHub's renderer has are used: `flowchart`, shapes, quoted labels, subgraphs,
//! `classDef`/`class` and `linkStyle`.

use std::fmt::Write;

use petgraph::graph::NodeIndex;

use super::Grouping;
use super::text::{ERROR_COLORS, edge_label, error_level};
use crate::diff::Change;
use crate::layout::Direction;
use crate::model::{NodeKind, ServiceGraph};

/// Options for [`to_mermaid`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct MermaidOptions {
    /// Which way calls flow (`flowchart LR` or `flowchart TB`).
    pub direction: Direction,
    /// Nodes grouped into subgraphs (one per namespace).
    pub group: Grouping,
}

/// Edges beyond which Mermaid's default configuration refuses to draw a diagram (its
/// `maxEdges`); callers may want to warn.
pub const MAX_EDGES: usize = 500;

/// Characters beyond which Mermaid's default configuration refuses a diagram (its
/// `maxTextSize`); callers may want to warn.
pub const MAX_TEXT_SIZE: usize = 50_000;

/// The line style of every kind: fill, stroke and text colours, matching the DOT output.
const KIND_CLASSES: [(NodeKind, &str); 8] = [
    (
        NodeKind::Service,
        "fill:#e8f0fe,stroke:#3b6db3,color:#1f2937",
    ),
    (NodeKind::Pod, "fill:#e8f0fe,stroke:#3b6db3,color:#1f2937"),
    (
        NodeKind::Workload,
        "fill:#e8f0fe,stroke:#3b6db3,color:#1f2937",
    ),
    (
        NodeKind::Namespace,
        "fill:#dde7f7,stroke:#3b6db3,color:#1f2937",
    ),
    (
        NodeKind::Database,
        "fill:#e3f2ef,stroke:#2f7a6b,color:#1f2937",
    ),
    (
        NodeKind::Virtual,
        "fill:#f3f4f6,stroke:#7c8796,color:#4b5563,stroke-dasharray:4 3",
    ),
    (
        NodeKind::External,
        "fill:#ffffff,stroke:#7c8796,color:#374151,stroke-dasharray:4 3",
    ),
    (
        NodeKind::Unknown,
        "fill:#ffffff,stroke:#9ca3af,color:#6b7280,stroke-dasharray:2 2",
    ),
];

/// The graph as a Mermaid flowchart.
pub fn to_mermaid(graph: &ServiceGraph, options: &MermaidOptions) -> String {
    let g = graph.graph();
    let mut out = String::with_capacity(256 + 80 * (g.node_count() + g.edge_count()));
    let direction = match options.direction {
        Direction::LeftToRight => "LR",
        Direction::TopToBottom => "TB",
    };
    let _ = writeln!(out, "flowchart {direction}");
    let compared =
        g.edge_weights().any(|e| e.diff.is_some()) || g.node_weights().any(|n| n.diff.is_some());
    if compared {
        // A legend for whoever reads the text; the drawing's labels say the same.
        out.push_str(
            "  %% compared with a baseline: ==> a new or changed call, -.-> a gone one; nodes of class new or gone\n",
        );
    }
    if graph.is_empty() {
        let _ = writeln!(
            out,
            "  empty[\"{}\"]",
            label("no edges: the query returned no series")
        );
        return out;
    }

    // Generated ids in node id order; the petgraph index → id map for the edges.
    let order = graph.sorted_nodes();
    let mut ids = vec![0usize; g.node_count()];
    for (n, &index) in order.iter().enumerate() {
        ids[index.index()] = n;
    }

    // Nodes by group (subgraphs in name order), the ungrouped ones last.
    let mut grouped: Vec<(Option<&str>, NodeIndex)> = order
        .iter()
        .map(|&v| (options.group.of(&g[v]), v))
        .collect();
    grouped.sort_by_key(|&(group, _)| (group.is_none(), group));
    let mut open: Option<&str> = None;
    let mut groups = 0;
    for &(group, index) in &grouped {
        if group != open {
            if open.is_some() {
                out.push_str("  end\n");
            }
            if let Some(name) = group {
                let _ = writeln!(out, "  subgraph g{groups}[\"{}\"]", label(name));
                groups += 1;
            }
            open = group;
        }
        let indent = if group.is_some() { "    " } else { "  " };
        let node = &g[index];
        let (start, end) = shape(node.kind);
        let _ = writeln!(
            out,
            "{indent}n{}{start}\"{}\"{end}",
            ids[index.index()],
            label(&node.name)
        );
    }
    if open.is_some() {
        out.push_str("  end\n");
    }

    let styles = write_edges(&mut out, graph, &ids);
    write_classes(&mut out, graph, &order, &ids);
    for (position, style) in styles {
        let _ = writeln!(out, "  linkStyle {position} {style}");
    }
    out
}

/// The edges in (client id, server id) order, whose position is what `linkStyle` refers to;
/// returns each one's style.
fn write_edges(out: &mut String, graph: &ServiceGraph, ids: &[usize]) -> Vec<(usize, String)> {
    let g = graph.graph();
    let mut styles: Vec<(usize, String)> = Vec::new();
    for (position, index) in graph.sorted_edges().into_iter().enumerate() {
        let Some((s, t)) = g.edge_endpoints(index) else {
            continue;
        };
        let edge = &g[index];
        let change = edge.diff.as_deref().map(|d| d.change);
        let arrow = match change {
            Some(Change::Gone) => "-.->",
            Some(Change::New | Change::Changed) => "==>",
            _ => "-->",
        };
        let _ = writeln!(
            out,
            "  n{} {arrow}|\"{}\"| n{}",
            ids[s.index()],
            label(&edge_label(edge)),
            ids[t.index()]
        );
        let style = match change {
            Some(Change::Gone) => "stroke:#9ca3af,color:#6b7280".to_owned(),
            Some(Change::New) => {
                format!(
                    "stroke:#16a34a,color:{}",
                    ERROR_COLORS[error_level(edge.error_ratio())]
                )
            }
            _ => {
                let color = ERROR_COLORS[error_level(edge.error_ratio())];
                format!("stroke:{color},color:{color}")
            }
        };
        styles.push((position, style));
    }
    styles
}

/// Classes: one per kind present, then the comparison's marks.
fn write_classes(out: &mut String, graph: &ServiceGraph, order: &[NodeIndex], ids: &[usize]) {
    let g = graph.graph();
    for (kind, style) in KIND_CLASSES {
        let members: Vec<String> = order
            .iter()
            .filter(|&&v| g[v].kind == kind)
            .map(|&v| format!("n{}", ids[v.index()]))
            .collect();
        if !members.is_empty() {
            let _ = writeln!(out, "  classDef {} {style}", kind.as_str());
            let _ = writeln!(out, "  class {} {}", members.join(","), kind.as_str());
        }
    }
    for (change, style) in [
        (Change::New, "stroke:#16a34a,stroke-width:3px"),
        (
            Change::Gone,
            "stroke:#9ca3af,color:#6b7280,stroke-dasharray:4 3",
        ),
    ] {
        let members: Vec<String> = order
            .iter()
            .filter(|&&v| g[v].diff == Some(change))
            .map(|&v| format!("n{}", ids[v.index()]))
            .collect();
        if !members.is_empty() {
            let _ = writeln!(out, "  classDef {} {style}", change.as_str());
            let _ = writeln!(out, "  class {} {}", members.join(","), change.as_str());
        }
    }
}

/// The opening and closing brackets of a kind's shape.
fn shape(kind: NodeKind) -> (&'static str, &'static str) {
    match kind {
        NodeKind::Service | NodeKind::Pod | NodeKind::Workload => ("(", ")"),
        NodeKind::Namespace => ("[[", "]]"),
        NodeKind::Database => ("[(", ")]"),
        NodeKind::Virtual => ("([", "])"),
        NodeKind::External => ("{{", "}}"),
        NodeKind::Unknown => ("[/", "/]"),
    }
}

/// `text` for the inside of a quoted Mermaid label: letters, digits, spaces, `-_.,/:` and
/// any non-ASCII character as they are; every other ASCII character as a numeric entity
/// (`#34;`), so none can end the string, start a directive, a comment, a Markdown string or
/// HTML; control characters, non-characters and text-direction overrides as U+FFFD.
pub fn label(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | ' ' | '-' | '_' | '.' | ',' | '/' | ':' => {
                out.push(c);
            }
            c if c.is_control() || super::is_noncharacter(c) || super::is_bidi_control(c) => {
                out.push('\u{FFFD}');
            }
            c if c.is_ascii() => {
                let _ = write!(out, "#{};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Edge, Node};

    #[test]
    fn labels_hold_no_syntax() {
        let hostile = "a\"] --> x[\"b %%{init: {}}%% `md` <script>|}\n\u{202E}";
        let text = label(hostile);
        for bad in [
            '"', '[', ']', '%', '{', '}', '`', '<', '>', '|', '\n', '\u{202E}',
        ] {
            assert!(!text.contains(bad), "{bad:?} in {text}");
        }
        assert!(
            text.starts_with("a#34;#93; --#62; x#91;#34;b #37;#37;#123;init: "),
            "{text}"
        );
        assert!(text.ends_with("#124;#125;\u{FFFD}\u{FFFD}"), "{text}");
        assert_eq!(label("café-1.shop/x_y"), "café-1.shop/x_y");
    }

    #[test]
    fn ids_are_generated_and_every_line_is_ours() {
        let mut g = ServiceGraph::new();
        let a = g.upsert_node(Node::named("click n1 call alert()", NodeKind::Service));
        let b = g.upsert_node(Node::named("end", NodeKind::Database));
        g.upsert_edge(a, b, Edge::with_rate(2.0));
        let text = to_mermaid(&g, &MermaidOptions::default());
        // Every line starts with a keyword or a generated id.
        for line in text.lines().skip(1) {
            let first = line.split_whitespace().next().unwrap_or_default();
            assert!(
                first.starts_with('n') && first[1..2].chars().all(|c| c.is_ascii_digit())
                    || ["classDef", "class", "linkStyle"].contains(&first),
                "{line}"
            );
        }
        assert!(text.contains("n1[(\"end\")]"), "{text}");
        assert!(text.contains("n0 -->|\"2.00 req/s\"| n1"), "{text}");
    }

    #[test]
    fn empty_graphs_say_so() {
        let text = to_mermaid(&ServiceGraph::new(), &MermaidOptions::default());
        assert_eq!(
            text,
            "flowchart LR\n  empty[\"no edges: the query returned no series\"]\n"
        );
    }
}
