//! A Markdown summary of a graph, for a pull request comment or a job summary.
//!
//! For a comparison ([`diff`](crate::diff::diff)): one summary line, then a table each of the
//! new, gone and changed calls (client, server, rate, error ratio, p95; `before → after` for
//! changed calls), busiest first. For a graph without a comparison there is nothing that
//! changed to list, so it says how big the graph is and lists its busiest calls.
//!
//! Every name goes through [`escape`], so no name can end a table cell, start a code span,
//! a link, HTML, a heading or a mention: the text a reader sees is the name.

use std::cmp::Ordering;
use std::fmt::Write;

use super::text::{format_duration, format_percent, format_rate};
use crate::diff::{Before, Change};
use crate::model::{Edge, Latency, Node, ServiceGraph, counted};

/// Options for [`to_markdown`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MarkdownOptions {
    /// How many calls the table of a graph without a comparison lists, busiest first.
    pub busiest: usize,
    /// How many rows each table of a comparison lists at most (the rest are counted).
    pub max_rows: usize,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions {
            busiest: 10,
            max_rows: 50,
        }
    }
}

/// One call of the graph, for the tables.
struct Call<'a> {
    client: &'a Node,
    server: &'a Node,
    edge: &'a Edge,
}

impl Call<'_> {
    fn before(&self) -> Option<Before> {
        self.edge.diff.as_deref().and_then(|d| d.before)
    }

    fn change(&self) -> Option<Change> {
        self.edge.diff.as_deref().map(|d| d.change)
    }

    /// The rate it is ordered by: now, or the baseline's for a gone call.
    fn rate(&self) -> f64 {
        match (self.change(), self.before()) {
            (Some(Change::Gone), Some(b)) => b.requests_per_second,
            _ => self.edge.requests_per_second,
        }
    }
}

/// Busiest first; ties by client and server id, so the order never depends on the input's.
fn busiest_first(a: &Call<'_>, b: &Call<'_>) -> Ordering {
    b.rate()
        .total_cmp(&a.rate())
        .then_with(|| a.client.id.cmp(&b.client.id))
        .then_with(|| a.server.id.cmp(&b.server.id))
}

/// The graph as Markdown: a comparison's tables, or the busiest calls of a single moment.
pub fn to_markdown(graph: &ServiceGraph, options: &MarkdownOptions) -> String {
    let g = graph.graph();
    let calls: Vec<Call<'_>> = graph
        .sorted_edges()
        .into_iter()
        .filter_map(|e| {
            let (s, t) = g.edge_endpoints(e)?;
            Some(Call {
                client: &g[s],
                server: &g[t],
                edge: &g[e],
            })
        })
        .collect();
    let compared =
        calls.iter().any(|c| c.change().is_some()) || graph.nodes().any(|n| n.diff.is_some());
    if compared {
        comparison(graph, &calls, options)
    } else {
        busiest(graph, calls, options)
    }
}

fn comparison(graph: &ServiceGraph, calls: &[Call<'_>], options: &MarkdownOptions) -> String {
    let by_change = |change: Change| {
        let mut rows: Vec<&Call<'_>> = calls
            .iter()
            .filter(|c| c.change() == Some(change))
            .collect();
        rows.sort_by(|a, b| busiest_first(a, b));
        rows
    };
    let (new, gone, changed) = (
        by_change(Change::New),
        by_change(Change::Gone),
        by_change(Change::Changed),
    );
    let same = calls.len() - new.len() - gone.len() - changed.len();
    let mut out = String::new();
    if new.is_empty() && gone.is_empty() && changed.is_empty() {
        let _ = writeln!(
            out,
            "**No call changed** since the baseline: {} within the thresholds.",
            counted(same, "call")
        );
    } else {
        let _ = writeln!(
            out,
            "**Since the baseline:** {} new {}, {} gone, {} changed, {} the same.",
            new.len(),
            if new.len() == 1 { "call" } else { "calls" },
            gone.len(),
            changed.len(),
            same
        );
    }
    for (change, word) in [(Change::New, "New"), (Change::Gone, "Gone")] {
        let mut nodes: Vec<&Node> = graph.nodes().filter(|n| n.diff == Some(change)).collect();
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        if !nodes.is_empty() {
            let names: Vec<String> = nodes.iter().map(|n| node_cell(n)).collect();
            let _ = writeln!(out, "\n{word} nodes: {}.", names.join(", "));
        }
    }
    let tables: [(&str, &str, &[&Call<'_>]); 3] = [
        ("New calls", "Rate", &new),
        ("Gone calls", "Rate before", &gone),
        ("Changed calls", "Rate", &changed),
    ];
    for (title, rate_title, rows) in tables {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n#### {title} ({})\n", rows.len());
        let errors = if rate_title == "Rate before" {
            "Errors before | p95 before"
        } else {
            "Errors | p95"
        };
        let _ = writeln!(out, "| Client | Server | {rate_title} | {errors} |");
        out.push_str("|---|---|---:|---:|---:|\n");
        for call in rows.iter().take(options.max_rows) {
            let (rate, errors, p95) = match (call.change(), call.before()) {
                (Some(Change::Gone), Some(b)) => (
                    rate_text(b.requests_per_second),
                    format_percent(b.error_ratio()),
                    p95_text(&b.latency),
                ),
                (Some(Change::Changed), Some(b)) => (
                    moved(
                        &rate_text(b.requests_per_second),
                        &rate_text(call.edge.requests_per_second),
                    ),
                    moved(
                        &format_percent(b.error_ratio()),
                        &format_percent(call.edge.error_ratio()),
                    ),
                    moved(&p95_text(&b.latency), &p95_text(&call.edge.latency)),
                ),
                _ => (
                    rate_text(call.edge.requests_per_second),
                    format_percent(call.edge.error_ratio()),
                    p95_text(&call.edge.latency),
                ),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {rate} | {errors} | {p95} |",
                node_cell(call.client),
                node_cell(call.server)
            );
        }
        if rows.len() > options.max_rows {
            let _ = writeln!(
                out,
                "\nand {} more.",
                counted(rows.len() - options.max_rows, "call")
            );
        }
    }
    out
}

fn busiest(graph: &ServiceGraph, mut calls: Vec<Call<'_>>, options: &MarkdownOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "**{} between {}**, {} in all; no baseline to compare with (give one to list new, gone and changed calls).",
        counted(calls.len(), "call"),
        counted(graph.node_count(), "node"),
        rate_text(graph.total_requests_per_second())
    );
    if calls.is_empty() {
        return out;
    }
    calls.sort_by(busiest_first);
    let shown = calls.len().min(options.busiest);
    if shown == 1 {
        out.push_str("\n#### The busiest call\n\n");
    } else {
        let _ = writeln!(out, "\n#### The {shown} busiest calls\n");
    }
    out.push_str("| Client | Server | Rate | Errors | p95 |\n|---|---|---:|---:|---:|\n");
    for call in calls.iter().take(shown) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            node_cell(call.client),
            node_cell(call.server),
            rate_text(call.edge.requests_per_second),
            format_percent(call.edge.error_ratio()),
            p95_text(&call.edge.latency)
        );
    }
    out
}

fn rate_text(rate: f64) -> String {
    format!("{} req/s", format_rate(rate))
}

fn p95_text(latency: &Latency) -> String {
    latency.p95.map_or_else(|| "–".to_owned(), format_duration)
}

/// `before → after`, or the value alone when it did not move as text.
fn moved(before: &str, now: &str) -> String {
    if before == now {
        now.to_owned()
    } else {
        format!("{before} → {now}")
    }
}

/// A node for a table cell: its name, and its namespace in parentheses.
pub fn node_cell(node: &Node) -> String {
    match &node.namespace {
        Some(ns) => format!("{} ({})", escape(&node.name), escape(ns)),
        None => escape(&node.name),
    }
}

/// `text` as literal Markdown inline text, safe in a table cell: every ASCII punctuation
/// character but `-`, `/` and `,` backslash-escaped (Markdown's escapes: no `|` ends the
/// cell, no backtick starts a code span, no `<` opens HTML, no `@` mentions anyone, no `[`
/// links, no `.` or `:` makes an address a link), control characters (newlines too),
/// non-characters and text-direction overrides as U+FFFD. The three left alone mean nothing
/// inside a cell, and names are full of them.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_ascii_punctuation() && !matches!(c, '-' | '/' | ',') {
            out.push('\\');
            out.push(c);
        } else if c.is_control() || super::is_noncharacter(c) || super::is_bidi_control(c) {
            out.push('\u{FFFD}');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{Thresholds, diff};
    use crate::model::NodeKind;

    fn graph(calls: &[(&str, &str, f64)]) -> ServiceGraph {
        let mut g = ServiceGraph::new();
        for &(a, b, rate) in calls {
            let a = g.upsert_node(Node::named(a, NodeKind::Service));
            let b = g.upsert_node(Node::named(b, NodeKind::Service));
            g.upsert_edge(a, b, Edge::with_rate(rate));
        }
        g
    }

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            escape("a|b`c<d>@e\n\u{202E}"),
            "a\\|b\\`c\\<d\\>\\@e\u{FFFD}\u{FFFD}"
        );
        assert_eq!(escape("cart-1.shop"), "cart-1\\.shop");
        assert_eq!(escape("café"), "café");
    }

    #[test]
    fn a_comparison_lists_each_change_busiest_first() {
        let before = graph(&[("a", "b", 1.0), ("a", "c", 5.0), ("b", "d", 2.0)]);
        let now = graph(&[
            ("a", "b", 10.0),
            ("a", "c", 5.0),
            ("c", "e", 3.0),
            ("c", "f", 7.0),
        ]);
        let md = to_markdown(
            &diff(&now, &before, &Thresholds::default()),
            &MarkdownOptions::default(),
        );
        assert!(
            md.starts_with("**Since the baseline:** 2 new calls, 1 gone, 1 changed, 1 the same."),
            "{md}"
        );
        let f = md.find("| c | f |").unwrap();
        let e = md.find("| c | e |").unwrap();
        assert!(f < e, "{md}");
        assert!(
            md.contains("| a | b | 1.00 req/s → 10.0 req/s | 0% | – |"),
            "{md}"
        );
        assert!(md.contains("| b | d | 2.00 req/s | 0% | – |"), "{md}");
        assert!(md.contains("Gone nodes: d."), "{md}");
    }

    #[test]
    fn no_change_says_so_and_a_single_moment_lists_the_busiest() {
        let g = graph(&[("a", "b", 1.0), ("b", "c", 3.0)]);
        let same = to_markdown(
            &diff(&g, &g, &Thresholds::default()),
            &MarkdownOptions::default(),
        );
        assert_eq!(
            same,
            "**No call changed** since the baseline: 2 calls within the thresholds.\n"
        );
        let options = MarkdownOptions {
            busiest: 1,
            ..MarkdownOptions::default()
        };
        let md = to_markdown(&g, &options);
        assert!(
            md.starts_with("**2 calls between 3 nodes**, 4.00 req/s in all"),
            "{md}"
        );
        assert!(md.contains("#### The busiest call\n"), "{md}");
        assert!(
            md.contains("| b | c | 3.00 req/s |") && !md.contains("| a | b |"),
            "{md}"
        );
    }
}
