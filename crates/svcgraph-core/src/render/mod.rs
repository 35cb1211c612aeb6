//! Output formats: [`svg`] (our own layout), [`dot`] (Graphviz), [`json`] (svcgraph's own,
//! readable back) and [`html`] (an interactive page around the SVG), and the [`text`] every
//! format shares (edge labels, tooltips, colours, widths).
//!
//! Every renderer walks nodes and edges in id order, so the same graph gives byte-identical
//! output however its series arrived.

pub mod dot;
pub mod html;
pub mod json;
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
    fn an_svg_displays_as_its_document() {
        let svg = to_svg(&ServiceGraph::new(), &SvgOptions::default());
        assert_eq!(svg.to_string(), svg.text);
        assert!(format!("{svg}").starts_with("<svg"));
    }
}
