//! Output formats: [`svg`] (our own layout), [`dot`] (Graphviz), [`json`] (svcgraph's own,
//! readable back), [`html`] (an interactive page around the SVG), [`mermaid`] (a flowchart
//! GitHub draws inline) and [`markdown`] (a comparison's tables, for a pull request), and the
//! [`text`] every format shares (edge labels, tooltips, colours, widths).
//!
//! Every renderer walks nodes and edges in id order, so the same graph gives byte-identical
//! output however its series arrived.

pub mod dot;
#[cfg(feature = "full")]
pub mod html;
pub mod json;
#[cfg(feature = "full")]
pub mod links;
pub mod markdown;
pub mod mermaid;
pub mod svg;
pub mod text;

use std::fmt;

use crate::model::{Node, NodeKind};

/// The document, so that `println!("{svg}")` or `svg.to_string()` give the SVG text.
impl fmt::Display for svg::Svg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Whether `c` changes the direction of the text around it (Unicode's bidirectional
/// formatting characters: embeddings, overrides, isolates and marks). A name holding one can
/// display as another name (`U+202E` shows `gpj.exe` as `exe.jpg`), so the drawings, DOT and
/// messages show U+FFFD in its place; graph JSON keeps names as they are.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// U+FDD0..U+FDEF and the last two code points of every plane (U+FFFE, U+1FFFF, …): not
/// for interchange, and U+FFFE/U+FFFF are not allowed in XML.
pub(crate) fn is_noncharacter(c: char) -> bool {
    let n = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE
}

/// `text` for display: bidirectional formatting characters ([`is_bidi_control`]) replaced
/// by U+FFFD, everything else as it is.
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(is_bidi_control) {
        text.chars()
            .map(|c| if is_bidi_control(c) { '\u{FFFD}' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// Which boxes group the nodes (SVG boxes, DOT clusters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Grouping {
    /// No boxes.
    #[default]
    None,
    /// One box per namespace, around the nodes that have it.
    Namespace,
}

impl Grouping {
    /// The group a node belongs to, if any. Namespace nodes (of a namespace-level
    /// aggregation) are not boxed inside themselves.
    pub fn of(self, node: &Node) -> Option<&str> {
        match self {
            Grouping::None => None,
            Grouping::Namespace => node
                .namespace
                .as_deref()
                .filter(|_| node.kind != NodeKind::Namespace),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::svg::{SvgOptions, to_svg};
    use crate::ServiceGraph;

    #[test]
    fn text_direction_overrides_never_reach_a_drawing_or_a_message() {
        use crate::model::{Edge, Node, NodeKind};
        let spoof = "invoice\u{202E}gpj.exe";
        let mut g = ServiceGraph::new();
        let mut node = Node::named(spoof, NodeKind::Service);
        node.namespace = Some("pay\u{2066}ments\u{2069}".into());
        let a = g.upsert_node(node);
        let b = g.upsert_node(Node::named("ledger\u{200F}", NodeKind::Database));
        g.upsert_edge(a, b, Edge::with_rate(1.0));
        let bidi = |text: &str| text.chars().any(super::is_bidi_control);
        let svg = to_svg(&g, &SvgOptions::default()).text;
        assert!(
            !bidi(&svg) && svg.contains("invoice\u{FFFD}gpj.exe"),
            "{svg}"
        );
        let dot = super::dot::to_dot(&g, &super::dot::DotOptions::default());
        assert!(
            !bidi(&dot) && dot.contains("invoice\u{FFFD}gpj.exe"),
            "{dot}"
        );
        #[cfg(feature = "full")]
        {
            let page = super::html::to_html(&g, &super::html::HtmlOptions::default());
            let drawn = &page[page.find("<svg").unwrap_or(0)..];
            assert!(!bidi(drawn.split("</svg>").next().unwrap_or_default()));
        }
        // The graph document keeps the data as it came.
        assert!(super::json::to_json(&g).contains(spoof));
        let err =
            crate::transform::focus(&g, "invoice\u{202E}gpj.ex", 1, crate::FocusDirection::Both)
                .unwrap_err()
                .to_string();
        assert!(!bidi(&err), "{err}");
        assert_eq!(super::shown("a\u{202E}b"), "a\u{FFFD}b");
        assert!(matches!(
            super::shown("plain"),
            std::borrow::Cow::Borrowed("plain")
        ));
    }

    #[test]
    fn an_svg_displays_as_its_document() {
        let svg = to_svg(&ServiceGraph::new(), &SvgOptions::default());
        assert_eq!(svg.to_string(), svg.text);
        assert!(format!("{svg}").starts_with("<svg"));
    }
}
