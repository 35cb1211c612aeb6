//! `svcgraph-wasm`: svcgraph's layout and SVG drawing for the interactive page, as a
//! WebAssembly module (`wasm32-unknown-unknown`) with no JavaScript glue.
//!
//! The page hands over a graph document (what `svcgraph render -f json` writes) and the
//! drawing options as JSON, and gets back the SVG that `svcgraph render` draws of the same
//! document with the same flags, byte for byte: the same core, the same transforms in the
//! same order (aggregate, filter, prune, focus). Three options are the page's own: `expand`,
//! the overview of namespaces with some drawn in full; `group_by: "calls"`, groups computed
//! from the calls standing for namespaces in a graph without any; and `hint`, where an
//! earlier drawing put the nodes, so that a new view keeps their order ([`DrawOptions`]).
//!
//! ```
//! let document = r#"{"format":"svcgraph-graph","version":1,
//!   "nodes":[{"id":"front","name":"front","kind":"service"},
//!            {"id":"cart","name":"cart","kind":"service"},
//!            {"id":"ads","name":"ads","kind":"service"}],
//!   "edges":[{"source":"front","target":"cart","requests_per_second":12.5},
//!            {"source":"front","target":"ads","requests_per_second":3.0}]}"#;
//! let svg = svcgraph_wasm::render_svg(document, r#"{"focus":"cart","rankdir":"tb"}"#)?;
//! assert!(svg.starts_with("<svg") && svg.contains("front") && !svg.contains("ads"));
//!
//! let err = svcgraph_wasm::render_svg(document, r#"{"focus":"basket"}"#).unwrap_err();
//! assert!(err.contains("no node is named `basket`"), "{err}");
//! # Ok::<(), String>(())
//! ```
//!
//! The module's interface (`abi`): `svcgraph_alloc(len) -> ptr` and
//! `svcgraph_free(ptr, len)` for buffers in its memory, and
//! `svcgraph_render_svg(doc_ptr, doc_len, options_ptr, options_len) -> ptr`, whose answer is
//! a little-endian `u32` status (0: the SVG, 1: a JSON error `{"error": "..."}`), a `u32`
//! length and that many bytes of UTF-8; the caller frees it with
//! `svcgraph_free(ptr, 8 + length)`.
#![warn(missing_docs)]

pub mod abi;
mod options;

use svcgraph_core::render::json::from_json;
use svcgraph_core::render::svg::to_svg;
use svcgraph_core::transform::{self, Filter, Level};

pub use options::DrawOptions;

/// The SVG of a graph document drawn with `options` (JSON, see [`DrawOptions`]; empty for
/// the defaults), or a message saying what was wrong with either.
pub fn render_svg(document: &str, options: &str) -> Result<String, String> {
    let options = DrawOptions::from_json(options)?;
    let graph = read_document(document, options.group_by == options::GroupBy::Calls)?;
    let graph = options.transform(graph)?;
    Ok(to_svg(&graph, &options.svg_options()).text)
}

/// A document read, its graph, and that graph with its computed groups once asked for.
struct Read {
    text: String,
    graph: svcgraph_core::ServiceGraph,
    grouped: Option<svcgraph_core::ServiceGraph>,
}

std::thread_local! {
    /// The last document read: the page draws the same document again and again (each focus,
    /// each namespace or group expanded), and reading 5,000 services' document costs more
    /// than laying out most of what is drawn from it.
    static LAST_READ: std::cell::RefCell<Option<Read>> = const { std::cell::RefCell::new(None) };
}

/// The graph of a document, read once for the same text; with `grouped`, each node's
/// namespace replaced by its group computed from the calls (`transform::computed_groups`, as
/// the page's overview was drawn), computed once too.
fn read_document(document: &str, grouped: bool) -> Result<svcgraph_core::ServiceGraph, String> {
    LAST_READ.with(|last| {
        let mut last = last.borrow_mut();
        let read = match last.take() {
            Some(read) if read.text == document => read,
            _ => Read {
                text: document.to_owned(),
                graph: from_json(document).map_err(|e| e.to_string())?,
                grouped: None,
            },
        };
        let read = last.insert(read);
        if !grouped {
            return Ok(read.graph.clone());
        }
        let graph = &read.graph;
        let with_groups = read
            .grouped
            .get_or_insert_with(|| transform::regroup(graph, &transform::computed_groups(graph)));
        Ok(with_groups.clone())
    })
}

impl DrawOptions {
    /// The transforms of `svcgraph render`, in its order: aggregate, filter, prune, focus.
    fn transform(
        &self,
        mut graph: svcgraph_core::ServiceGraph,
    ) -> Result<svcgraph_core::ServiceGraph, String> {
        if let Some(level) = self.aggregate {
            // Pods become workloads first, so a namespace node merges workloads, not pods.
            graph = transform::aggregate(&graph, Level::Workload);
            if level == options::Aggregate::Namespace {
                graph = transform::aggregate(&graph, Level::Namespace);
            }
        }
        if !self.expand.is_empty() {
            graph = transform::aggregate_except(&graph, Level::Namespace, &self.expand);
        }
        if !self.hide.is_empty() {
            // What `--exclude '^(?:a|b)$'` drops; one node predicate, like the CLI's filter,
            // so it makes no difference that it runs before the rest of the filter.
            graph = graph.subgraph(
                |_, n| !self.hide.iter().any(|h| *h == n.id || *h == n.name),
                |_, _, _| true,
            );
        }
        let mut filter = Filter::default();
        filter.namespaces.clone_from(&self.namespace);
        filter.hide_virtual = self.hide_virtual;
        filter.hide_external = self.hide_external;
        graph = transform::filter(&graph, &filter);
        if let Some(min) = self.min_rate {
            graph = transform::prune(&graph, min);
        }
        if let Some(node) = &self.focus {
            graph = transform::focus(&graph, node, self.depth.0, self.direction.into())
                .map_err(|e| e.to_string())?;
        }
        Ok(graph)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `user -> front -> cart -> redis`, `front -> ads`, `cart -> 1.2.3.4` (external), all in
    /// namespace `shop` but `user` and the address.
    const SHOP: &str = r#"{"format":"svcgraph-graph","version":1,"nodes":[
        {"id":"1.2.3.4","name":"1.2.3.4","kind":"external"},
        {"id":"shop/ads","name":"ads","namespace":"shop","kind":"service"},
        {"id":"shop/cart","name":"cart","namespace":"shop","kind":"service"},
        {"id":"shop/front","name":"front","namespace":"shop","kind":"service"},
        {"id":"shop/redis","name":"redis","namespace":"shop","kind":"database"},
        {"id":"user","name":"user","kind":"virtual"}],
      "edges":[
        {"source":"shop/cart","target":"1.2.3.4","requests_per_second":1},
        {"source":"shop/cart","target":"shop/redis","requests_per_second":8},
        {"source":"shop/front","target":"shop/ads","requests_per_second":0.5},
        {"source":"shop/front","target":"shop/cart","requests_per_second":4},
        {"source":"user","target":"shop/front","requests_per_second":5}]}"#;

    /// The names drawn, from the nodes' `data-id` attributes.
    fn drawn(svg: &str) -> Vec<&str> {
        svg.split("<g class=\"node")
            .skip(1)
            .filter_map(|g| g.split("data-id=\"").nth(1)?.split('"').next())
            .collect()
    }

    #[test]
    fn without_options_every_node_is_drawn() {
        let svg = render_svg(SHOP, "").unwrap();
        assert_eq!(svg, render_svg(SHOP, "{}").unwrap());
        assert_eq!(drawn(&svg).len(), 6, "{svg}");
    }

    #[test]
    fn transforms_apply_like_the_command_line() {
        let focus = render_svg(SHOP, r#"{"focus":"cart","depth":1,"direction":"up"}"#).unwrap();
        assert_eq!(drawn(&focus), ["shop/cart", "shop/front"]);
        let all = render_svg(SHOP, r#"{"focus":"cart","depth":"all","direction":"up"}"#).unwrap();
        assert_eq!(drawn(&all), ["shop/cart", "shop/front", "user"]);
        let hidden = render_svg(SHOP, r#"{"hide":["front","1.2.3.4"]}"#).unwrap();
        assert_eq!(
            drawn(&hidden),
            ["shop/ads", "shop/cart", "shop/redis", "user"]
        );
        let kinds = render_svg(SHOP, r#"{"hide_virtual":true,"hide_external":true}"#).unwrap();
        assert_eq!(drawn(&kinds).len(), 4);
        let pruned = render_svg(SHOP, r#"{"min_rate":2}"#).unwrap();
        assert_eq!(
            drawn(&pruned),
            ["shop/cart", "shop/front", "shop/redis", "user"]
        );
        let namespaces = render_svg(SHOP, r#"{"aggregate":"namespace"}"#).unwrap();
        assert_eq!(drawn(&namespaces).len(), 3, "{namespaces}");
        let expanded = render_svg(SHOP, r#"{"expand":["shop"]}"#).unwrap();
        assert_eq!(
            drawn(&expanded).len(),
            6,
            "nothing else to merge: {expanded}"
        );
        let elsewhere = render_svg(SHOP, r#"{"expand":["elsewhere"]}"#).unwrap();
        assert_eq!(drawn(&elsewhere), ["1.2.3.4", "ns:shop", "user"]);
    }

    #[test]
    fn groups_computed_from_the_calls_stand_for_namespaces() {
        // Two chains of services that call each other, joined by one call.
        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        for part in ["a", "b"] {
            for i in 0..6 {
                nodes.push(format!(
                    r#"{{"id":"{part}{i}","name":"{part}{i}","kind":"service"}}"#
                ));
                for j in i + 1..6 {
                    edges.push(format!(
                        r#"{{"source":"{part}{i}","target":"{part}{j}","requests_per_second":{}}}"#,
                        1 + i + j
                    ));
                }
            }
        }
        edges.push(r#"{"source":"a0","target":"b0","requests_per_second":1}"#.to_owned());
        let document = format!(
            r#"{{"format":"svcgraph-graph","version":1,"nodes":[{}],"edges":[{}]}}"#,
            nodes.join(","),
            edges.join(",")
        );
        let overview =
            render_svg(&document, r#"{"group_by":"calls","aggregate":"namespace"}"#).unwrap();
        // Each named by its busiest service (the last of its chain calls most).
        assert_eq!(drawn(&overview), ["ns:a5 +5", "ns:b5 +5"], "{overview}");
        let expanded = render_svg(&document, r#"{"group_by":"calls","expand":["b5 +5"]}"#).unwrap();
        assert_eq!(
            drawn(&expanded),
            ["b0", "b1", "b2", "b3", "b4", "b5", "ns:a5 +5"],
            "{expanded}"
        );
        // Without the option the document has no namespaces to expand.
        assert_eq!(
            drawn(&render_svg(&document, r#"{"expand":["b5 +5"]}"#).unwrap()).len(),
            12
        );
    }

    #[test]
    fn drawing_options_change_the_drawing() {
        let plain = render_svg(SHOP, "{}").unwrap();
        for options in [
            r#"{"rankdir":"tb"}"#,
            r#"{"edge_labels":"never"}"#,
            r#"{"no_legend":true}"#,
            r#"{"group":"namespace"}"#,
        ] {
            assert_ne!(render_svg(SHOP, options).unwrap(), plain, "{options}");
        }
    }

    /// Each node's center as the drawing writes its name (the middle of its text), by id.
    fn centers(svg: &str) -> Vec<(String, f64, f64)> {
        svg.split("<g class=\"node")
            .skip(1)
            .filter_map(|g| {
                let id = g.split("data-id=\"").nth(1)?.split('"').next()?;
                let text = g.split("<text x=\"").nth(1)?;
                let x = text.split('"').next()?.parse().ok()?;
                let y: f64 = text.split("y=\"").nth(1)?.split('"').next()?.parse().ok()?;
                Some((id.to_owned(), x, y - 4.0))
            })
            .collect()
    }

    /// The hint option for these centers.
    fn hint(centers: &[(String, f64, f64)]) -> String {
        let nodes: Vec<String> = centers
            .iter()
            .map(|(id, x, y)| format!("\"{id}\":{{\"x\":{x},\"y\":{y}}}"))
            .collect();
        format!("{{\"nodes\":{{{}}}}}", nodes.join(","))
    }

    /// The ids of each layer (one column: calls flow left to right), top to bottom.
    fn layers(centers: &[(String, f64, f64)]) -> Vec<Vec<String>> {
        let mut sorted = centers.to_vec();
        sorted.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.2.total_cmp(&b.2)));
        let mut out: Vec<(f64, Vec<String>)> = Vec::new();
        for (id, x, _) in sorted {
            match out.last_mut() {
                Some((at, ids)) if (x - *at).abs() < 1.0 => ids.push(id),
                _ => out.push((x, vec![id])),
            }
        }
        out.into_iter().map(|(_, ids)| ids).collect()
    }

    #[test]
    fn a_hint_naming_none_of_the_nodes_changes_nothing() {
        let elsewhere = r#"{"nodes":{"shop/basket":{"x":10,"y":20},"other":{"x":-5,"y":0}}}"#;
        for options in ["{}", r#"{"focus":"cart"}"#, r#"{"group":"namespace"}"#] {
            let plain = render_svg(SHOP, options).unwrap();
            let hinted = options.replacen('{', &format!("{{\"hint\":{elsewhere},"), 1);
            let hinted = hinted.replace(",}", "}");
            assert_eq!(render_svg(SHOP, &hinted).unwrap(), plain, "{hinted}");
        }
        let empty = render_svg(SHOP, r#"{"hint":{"nodes":{}}}"#).unwrap();
        assert_eq!(empty, render_svg(SHOP, "{}").unwrap());
        let err = render_svg(SHOP, r#"{"hint":{"nodes":{"user":{"x":"left"}}}}"#).unwrap_err();
        assert!(err.contains("the options are not valid"), "{err}");
    }

    #[test]
    fn a_hint_from_a_drawing_of_more_keeps_the_order_of_the_nodes_it_shares() {
        let whole = centers(&render_svg(SHOP, "{}").unwrap());
        // The whole drawing's layers, less `user`, which the next drawing hides.
        let expected: Vec<Vec<String>> = layers(&whole)
            .into_iter()
            .map(|ids| {
                ids.into_iter()
                    .filter(|id| id != "user")
                    .collect::<Vec<_>>()
            })
            .filter(|ids| !ids.is_empty())
            .collect();
        let options = |hint: &str| format!(r#"{{"hide":["user"],"hint":{hint}}}"#);
        let kept = centers(&render_svg(SHOP, &options(&hint(&whole))).unwrap());
        let kept_layers = layers(&kept);
        assert!(
            kept_layers.iter().any(|ids| ids.len() > 1),
            "{kept_layers:?}"
        );
        assert_eq!(kept_layers, expected);
        // The hint does it: the same drawing upside down is followed upside down.
        let flipped: Vec<(String, f64, f64)> = whole
            .iter()
            .map(|(id, x, y)| (id.clone(), *x, -y))
            .collect();
        let turned = layers(&centers(
            &render_svg(SHOP, &options(&hint(&flipped))).unwrap(),
        ));
        let reversed: Vec<Vec<String>> = kept_layers
            .iter()
            .map(|ids| ids.iter().rev().cloned().collect())
            .collect();
        assert_eq!(turned, reversed);
    }

    #[test]
    fn a_document_read_again_draws_the_same() {
        let other = SHOP.replace("\"requests_per_second\":8", "\"requests_per_second\":80");
        let first = render_svg(SHOP, "{}").unwrap();
        let changed = render_svg(&other, "{}").unwrap();
        assert_ne!(first, changed, "another document is read afresh");
        assert_eq!(render_svg(SHOP, "{}").unwrap(), first);
        assert_eq!(render_svg(SHOP, "{}").unwrap(), first);
    }

    #[test]
    fn bad_documents_and_options_are_explained() {
        for (document, options, expected) in [
            ("", "{}", "the graph document is not valid JSON"),
            ("{\"format\":", "{}", "ends early"),
            (
                r#"{"format":"other"}"#,
                "{}",
                "not a svcgraph graph document",
            ),
            (SHOP, "{", "the options are not valid JSON"),
            (SHOP, "[]", "must be a JSON object"),
            (SHOP, r#"{"rankdir":"up"}"#, "unknown variant `up`"),
            (SHOP, r#"{"group_by":"team"}"#, "unknown variant `team`"),
            (SHOP, r#"{"colour":"red"}"#, "unknown field `colour`"),
            (
                SHOP,
                r#"{"depth":"deep","focus":"cart"}"#,
                "write a number or \"all\"",
            ),
            (
                SHOP,
                r#"{"depth":-1,"focus":"cart"}"#,
                "write a number or \"all\"",
            ),
            (SHOP, r#"{"depth":2}"#, "give `focus` too"),
            (SHOP, r#"{"min_rate":-1}"#, "non-negative"),
            (SHOP, r#"{"focus":"basket"}"#, "no node is named `basket`"),
            (
                SHOP,
                r#"{"expand":["shop"],"aggregate":"namespace"}"#,
                "leave out `aggregate",
            ),
        ] {
            let err = render_svg(document, options).unwrap_err();
            assert!(err.contains(expected), "{options}: {err}");
        }
    }
}
