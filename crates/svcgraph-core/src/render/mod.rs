//! Output formats: [`dot`] (Graphviz) and [`json`] (svcgraph's own, readable back), and the
//! [`text`] every format shares (edge labels, tooltips, colours, widths).
//!
//! Every renderer walks nodes and edges in id order, so the same graph gives byte-identical
//! output however its series arrived.

pub mod dot;
pub mod json;
pub mod svg;
pub mod text;
