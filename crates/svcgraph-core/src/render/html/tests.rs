use super::*;
use crate::model::{Edge, Node, NodeKind};

const HOSTILE: &str = "</script><script>alert(1)</script><!--<img src=x onerror=alert(2)>";

fn shop() -> ServiceGraph {
    let mut g = ServiceGraph::new();
    let node = |name: &str, ns: Option<&str>| {
        let mut n = Node::named(name, NodeKind::Service);
        if let Some(ns) = ns {
            n.id = format!("{ns}/{name}");
            n.namespace = Some(ns.to_owned());
        }
        n
    };
    let front = g.upsert_node(node("frontend", Some("shop")));
    let checkout = g.upsert_node(node("checkout", Some("shop")));
    let pay = g.upsert_node(node("payment", Some("payments")));
    let bad = g.upsert_node(node(HOSTILE, None));
    let mut e = Edge::with_rate(3.9);
    e.failures_per_second = 0.05;
    e.latency.p95 = Some(0.31);
    g.upsert_edge(front, checkout, Edge::with_rate(12.0));
    g.upsert_edge(checkout, pay, e);
    g.upsert_edge(pay, bad, Edge::with_rate(1.5));
    g
}

/// The page's configuration block, parsed.
fn config(page: &str) -> serde_json::Value {
    let block = blocks(
        page,
        "<script type=\"application/json\" id=\"svcgraph-config\">",
        "</script>",
    )[0];
    serde_json::from_str(block).unwrap()
}

/// The page's graph document, parsed.
fn graph_document(page: &str) -> serde_json::Value {
    let block = blocks(
        page,
        "<script type=\"application/json\" id=\"svcgraph-graph\">",
        "</script>",
    )[0];
    assert!(!block.contains('\n'), "written on one line");
    serde_json::from_str(block).unwrap()
}

/// The contents of every `<open …>…</close>` element whose start tag is exactly `open`.
fn blocks<'a>(page: &'a str, open: &'a str, close: &'a str) -> Vec<&'a str> {
    between(page, open, close).collect()
}

#[test]
fn the_policy_allows_exactly_the_inline_blocks() {
    let page = to_html(&shop(), &HtmlOptions::default());
    let csp = blocks(
        &page,
        "http-equiv=\"Content-Security-Policy\" content=\"",
        "\"",
    )[0];
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"));
    // WebAssembly may be compiled (the page's engine), JavaScript may not be evaluated.
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(
        !csp.contains("connect-src"),
        "a file page makes no requests"
    );
    // The one executable script, and every stylesheet (the page's and the drawing's).
    let scripts = blocks(&page, "<script>", "</script>");
    assert_eq!(scripts, [SCRIPT]);
    assert!(
        csp.contains(&format!(
            "script-src {} 'wasm-unsafe-eval';",
            csp_hash(SCRIPT)
        )),
        "{csp}"
    );
    let styles = blocks(&page, "<style>", "</style>");
    assert_eq!(styles.len(), 2, "the page's and the drawing's");
    for style in styles {
        assert!(csp.contains(&csp_hash(style)), "{style}");
    }
    for value in blocks(&page, " style=\"", "\"") {
        assert!(csp.contains(&csp_hash(value)), "{value}");
    }
    // A known answer, so that the hash is SHA-256 in base64 as browsers compute it.
    assert_eq!(
        csp_hash("alert(1)"),
        "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
    );
}

#[test]
fn the_policy_allows_the_drawings_the_engine_makes_in_the_page() {
    // The page of a big graph carries its overview only; the engine draws the rest there:
    // the full drawing with namespace boxes, a namespace expanded, a comparison.
    let g = big(OVERVIEW_THRESHOLD + 100, 4);
    let page = to_html(&g, &HtmlOptions::default());
    let options = drawing_options(&g, &SvgOptions::default());
    let expanded = crate::transform::aggregate_except(
        &g,
        crate::transform::Level::Namespace,
        &["ns-1".to_owned()],
    );
    let compared = diff(&g, &big(OVERVIEW_THRESHOLD, 4), &Thresholds::default());
    for drawing in [
        to_svg(&g, &options).text,
        to_svg(&expanded, &options).text,
        to_svg(&compared, &options).text,
    ] {
        for style in blocks(&drawing, "<style>", "</style>") {
            assert!(page.contains(&csp_hash(style)), "{style}");
        }
        for value in blocks(&drawing, " style=\"", "\"") {
            assert!(page.contains(&csp_hash(value)), "{value}");
        }
    }
}

#[test]
fn a_live_page_may_call_its_server_only() {
    let options = HtmlOptions {
        live: Some(LiveOptions {
            refresh_seconds: 15,
            history_seconds: 7200,
            window_seconds: 300,
        }),
        ..HtmlOptions::default()
    };
    let page = to_html(&shop(), &options);
    assert!(page.contains("; connect-src 'self'\">"));
    assert!(page.contains(r#"id="time" type="range" min="-7200" max="0" step="15""#));
    assert!(
        page.contains(
            r#""live":{"refresh_seconds":15,"history_seconds":7200,"window_seconds":300}"#
        )
    );
    // Two hours of history: the comparisons that fit, and none the server would refuse.
    for fits in ["value=\"600\"", "value=\"3600\""] {
        assert!(page.contains(fits), "{fits}");
    }
    for refused in ["value=\"21600\"", "value=\"86400\"", "value=\"604800\""] {
        assert!(!page.contains(refused), "{refused}");
    }
    // Every style a refreshed drawing can carry (the legend of a comparison) is allowed.
    let reference = reference_svg();
    for value in blocks(&reference, " style=\"", "\"") {
        assert!(page.contains(&csp_hash(value)), "{value}");
    }
}

#[test]
fn nothing_is_fetched_from_anywhere() {
    // (The hostile name of `shop` would put ` src=` into the page as text.)
    let page = to_html(&big(20, 2), &HtmlOptions::default());
    for (at, _) in page.match_indices("://") {
        let around = &page[at.saturating_sub(4)..(at + 22).min(page.len())];
        assert_eq!(
            around, "http://www.w3.org/2000/svg",
            "only the SVG namespace name"
        );
    }
    for tag in [
        "<link", "<iframe", "<img", "<object", "<embed", " src=", "@import", "url(",
    ] {
        assert!(!page.contains(tag), "{tag}");
    }
}

#[test]
fn hostile_names_stay_inside_their_data_blocks() {
    let page = to_html(&shop(), &HtmlOptions::default());
    assert!(!page.contains("<script>alert") && !page.contains("<img") && !page.contains("<!--"));
    // Four data or code blocks (configuration, graph, engine, script), each closed once,
    // where it should be.
    assert_eq!(page.matches("</script>").count(), 4);
    let graph = blocks(
        &page,
        "<script type=\"application/json\" id=\"svcgraph-graph\">",
        "</script>",
    )[0];
    assert!(!graph.contains('<') && !graph.contains('>'), "{graph}");
    let doc: serde_json::Value = serde_json::from_str(graph).unwrap();
    let names: Vec<&str> = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["name"].as_str())
        .collect();
    assert!(names.contains(&HOSTILE), "the name reads back unchanged");
    let title = HtmlOptions {
        title: Some(HOSTILE.to_owned()),
        ..HtmlOptions::default()
    };
    let page = to_html(&shop(), &title);
    assert!(page.contains("<title>&lt;/script&gt;&lt;script&gt;alert(1)"));
    assert_eq!(page.matches("</script>").count(), 4);
}

#[test]
fn pages_are_byte_identical_for_the_same_graph() {
    let a = to_html(&shop(), &HtmlOptions::default());
    let b = to_html(&shop(), &HtmlOptions::default());
    assert_eq!(a, b);
    // The same graph built in another order.
    let mut g = ServiceGraph::new();
    let original = shop();
    for (s, t, e) in original.edges().collect::<Vec<_>>().into_iter().rev() {
        let s = g.upsert_node(s.clone());
        let t = g.upsert_node(t.clone());
        g.upsert_edge(s, t, e.clone());
    }
    assert_eq!(to_html(&g, &HtmlOptions::default()), a);
}

#[test]
fn several_namespaces_are_drawn_in_boxes() {
    let page = to_html(&shop(), &HtmlOptions::default());
    assert!(page.contains(r#"<g class="group" data-namespace="shop">"#));
    assert!(page.contains(r#"<g class="group" data-namespace="payments">"#));
    assert!(page.contains(r#""overview":false"#));
    assert!(
        config(&page).get("full_svg").is_none(),
        "no full drawing but the one shown"
    );
    assert!(page.contains("<p id=\"notice\" class=\"notice\" role=\"status\" hidden></p>"));
}

/// `n` services in `namespaces` namespaces, each calling the next.
fn big(n: usize, namespaces: usize) -> ServiceGraph {
    let mut g = ServiceGraph::new();
    let mut previous = None;
    for i in 0..n {
        let ns = format!("ns-{}", i * namespaces / n);
        let mut node = Node::named(&format!("svc-{i}"), NodeKind::Service);
        node.id = format!("{ns}/svc-{i}");
        node.namespace = Some(ns);
        let v = g.upsert_node(node);
        if let Some(p) = previous {
            g.upsert_edge(p, v, Edge::with_rate(1.0));
        }
        previous = Some(v);
    }
    g
}

#[test]
fn big_graphs_start_with_their_namespaces_and_keep_every_service() {
    let g = big(OVERVIEW_THRESHOLD + 100, 4);
    let page = to_html(&g, &HtmlOptions::default());
    assert!(
        page.contains("500 services in 4 namespaces: showing namespaces; click one to expand.")
    );
    assert!(page.contains("Graphs of more than 400 services start collapsed"));
    let config = config(&page);
    assert_eq!(config["overview"], true);
    // Every service is in the graph document, from which the page lays out the full
    // drawing when asked; the page carries no drawing of them.
    let document = graph_document(&page);
    let ids: Vec<&str> = document["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert_eq!(ids.len(), g.node_count());
    let read = crate::render::json::from_json(&document.to_string()).unwrap();
    assert_eq!(to_json(&read), to_json(&g), "the same graph");
    assert!(!page.contains("data-id=\"ns-0/svc-1\""));
    assert!(config.get("full_svg").is_none());
    // The drawing shown first is the overview: one node per namespace.
    let shown = page.split("<div id=\"stage\"").nth(1).unwrap();
    let shown = &shown[..shown.find("</svg>").unwrap()];
    assert_eq!(shown.matches("class=\"node kind-namespace").count(), 4);
    assert!(!shown.contains("svc-1\""));
    // A small graph is drawn in full, however many namespaces.
    let small = to_html(&big(OVERVIEW_THRESHOLD, 4), &HtmlOptions::default());
    assert!(small.contains(r#""overview":false"#));
}

#[test]
fn the_page_skeleton() {
    let page = to_html(&shop(), &HtmlOptions::default());
    let svg_start = page.find("<svg").unwrap();
    let svg_end = page.find("</svg>\n").unwrap() + "</svg>\n".len();
    let mut skeleton = format!("{}[SVG]\n{}", &page[..svg_start], &page[svg_end..]);
    skeleton = skeleton
        .replace(SCRIPT, "[view.js]")
        .replace(STYLESHEET, "[view.css]");
    let graph = to_json_compact(&shop());
    skeleton = skeleton.replace(&script_data(&graph), "[graph]");
    skeleton = skeleton.replace(engine_base64(), "[engine]");
    let hashes = regex::Regex::new("sha256-[A-Za-z0-9+/=]+").unwrap();
    let skeleton = hashes.replace_all(&skeleton, "sha256-…");
    insta::assert_snapshot!(skeleton);
}

#[test]
fn numbers_read_with_thousands_separators() {
    assert_eq!(thousands(5), "5");
    assert_eq!(thousands(400), "400");
    assert_eq!(thousands(5000), "5,000");
    assert_eq!(thousands(1_234_567), "1,234,567");
}

#[test]
fn a_live_view_reply_carries_the_drawing_the_page_would_draw() {
    let g = shop();
    let view = live_view(
        &g,
        &SvgOptions::default(),
        1_795_539_600,
        &["a note".to_owned()],
    );
    let reply: serde_json::Value = serde_json::from_str(&view.body).unwrap();
    assert_eq!(reply["at"], 1_795_539_600);
    assert_eq!(reply["notes"][0], "a note");
    assert_eq!(reply["svg"], view.svg.text.as_str());
    assert!(
        view.svg
            .text
            .contains("<g class=\"group\" data-namespace=\"shop\">"),
        "boxed like the page"
    );
    assert_eq!(
        reply["graph"],
        serde_json::from_str::<serde_json::Value>(&to_json(&g)).unwrap()
    );
    // The page's own drawing and the reply's are the same drawing.
    let page = to_html(&g, &HtmlOptions::default());
    assert!(page.contains(&view.svg.text));
    assert_eq!(view.svg.hint(&g).nodes.len(), g.node_count());
}

#[test]
fn big_graphs_in_one_namespace_start_with_their_workloads() {
    // 450 pods of 30 StatefulSets (`w7-3`) keyed by address, each calling the next one.
    let mut g = ServiceGraph::new();
    let mut previous = None;
    for i in 0..450 {
        let mut node = Node::named(&format!("w{}-{}", i % 30, i / 30), NodeKind::Pod);
        node.id = format!("10.0.{}.{}", i / 250, i % 250);
        node.namespace = Some("shop".to_owned());
        let v = g.upsert_node(node);
        if let Some(p) = previous {
            g.upsert_edge(p, v, Edge::with_rate(1.0));
        }
        previous = Some(v);
    }
    let page = to_html(&g, &HtmlOptions::default());
    assert!(page.contains("450 services in 30 workloads: showing workloads; click one to expand."));
    assert!(page.contains(r#"<button id="overview" type="button" hidden>Workloads</button>"#));
    let config = config(&page);
    assert_eq!(config["overview_level"], "workload");
    let members = config["members"].as_object().unwrap();
    assert_eq!(members.len(), 30);
    let w7: Vec<&str> = members["shop/w7"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(w7.len(), 15);
    assert!(w7.windows(2).all(|p| p[0] < p[1]), "sorted: {w7:?}");
    let document = graph_document(&page);
    let ids: Vec<&str> = document["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert!(
        w7.iter().all(|id| ids.contains(id)),
        "the pods are in the document"
    );
}

#[test]
fn big_graphs_with_nothing_to_group_by_start_with_groups_computed_from_their_calls() {
    // Ten clusters of 50 services in one namespace (each calls the next three of its
    // cluster, round), each cluster joined to the next by one call.
    let mut g = ServiceGraph::new();
    let ids: Vec<_> = (0..500)
        .map(|i| {
            let mut node = Node::named(&format!("svc-{i}"), NodeKind::Service);
            node.namespace = Some("prod".to_owned());
            g.upsert_node(node)
        })
        .collect();
    for ring in 0..10 {
        for k in 0..50 {
            for step in 1..=3 {
                let (a, b) = (ring * 50 + k, ring * 50 + (k + step) % 50);
                g.upsert_edge(ids[a], ids[b], Edge::with_rate(1.0 + k as f64));
            }
        }
        g.upsert_edge(
            ids[ring * 50],
            ids[(ring + 1) % 10 * 50],
            Edge::with_rate(0.5),
        );
    }
    let page = to_html(&g, &HtmlOptions::default());
    assert!(
        page.contains(
            "500 services and nothing to group them by: showing 10 groups of services that call \
             each other most, each named by its busiest service; click one to expand."
        ),
        "{}",
        &page[page.find("id=\"notice\"").unwrap()..][..300]
    );
    assert!(page.contains(r#"<button id="overview" type="button" hidden>Groups</button>"#));
    let config = config(&page);
    assert_eq!(config["overview_level"], "group");
    // Each group's services by their places in the graph document.
    let document = graph_document(&page);
    let nodes = document["nodes"].as_array().unwrap();
    let members = config["members"].as_object().unwrap();
    let mut rings: Vec<Vec<usize>> = members
        .iter()
        .map(|(name, places)| {
            let mut ids: Vec<usize> = places
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    nodes[i.as_u64().unwrap() as usize]["id"].as_str().unwrap()[4..]
                        .parse()
                        .unwrap()
                })
                .collect();
            ids.sort_unstable();
            // Named by the busiest: the service whose calls in and out weigh most.
            let ring = ids[0] / 50;
            assert_eq!(name, &format!("svc-{} +49", ring * 50 + 49), "{ids:?}");
            ids
        })
        .collect();
    for ids in &mut rings {
        ids.sort_unstable();
    }
    rings.sort();
    let expected: Vec<Vec<usize>> = (0..10).map(|r| (r * 50..r * 50 + 50).collect()).collect();
    assert_eq!(rings, expected, "each cluster is a group");
    // The drawing shown first is the overview: one node per group; the engine draws the
    // same groups from the document when one is expanded (crates/svcgraph-wasm).
    let shown = page.split("<div id=\"stage\"").nth(1).unwrap();
    let shown = &shown[..shown.find("</svg>").unwrap()];
    assert_eq!(shown.matches("class=\"node kind-namespace").count(), 10);
    assert!(shown.contains("data-id=\"ns:svc-49 +49\""));
}

#[test]
fn script_data_has_no_markup_and_the_same_value() {
    let value = serde_json::json!({"name": "<img src=x onerror=alert(1)> & </script>\u{2028}"});
    let text = script_data(&value.to_string());
    assert!(!text.contains(['<', '>', '&', '\u{2028}']), "{text}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        value
    );
}

#[test]
fn the_data_quality_section_escapes_names_and_lists_renames() {
    let mut g = ServiceGraph::new();
    let a = g.upsert_node(Node::named(HOSTILE, NodeKind::Unknown));
    let b = g.upsert_node(Node::named("10.1.2.3", NodeKind::External));
    g.upsert_edge(a, b, Edge::with_rate(1.0));
    let rules = crate::naming::NamingRules::from_toml(
        "[[cidr]]\nrange = \"10.0.0.0/8\"\nname = \"</details><b>x\u{202e}\"\n",
    )
    .unwrap();
    let g = rules.apply(&g);
    let options = HtmlOptions {
        quality: Some(crate::quality::assess(&g, None)),
        ..HtmlOptions::default()
    };
    let page = to_html(&g, &options);
    let section = blocks(&page, "<details id=\"quality\"", "</details>\n")[0];
    assert!(
        section.contains(
            "<summary>Data quality: 1 finding · 1 node renamed by naming rules</summary>"
        ),
        "{section}"
    );
    assert!(
        section.contains("<li>&lt;/script&gt;&lt;script&gt;alert(1)"),
        "{section}"
    );
    assert!(
        section.contains("10.1.2.3 → &lt;/details&gt;&lt;b&gt;x\u{fffd}"),
        "{section}"
    );
    assert!(section.contains("<code>"), "advice settings are code");
    assert_eq!(page.matches("</details>").count(), 1);
    assert_eq!(page.matches("</script>").count(), 4);
    // Without a report or renames there is no section.
    assert!(!to_html(&shop(), &HtmlOptions::default()).contains("id=\"quality\""));
}

#[test]
fn the_page_carries_the_engine_and_the_options_it_draws_with() {
    let mut options = HtmlOptions::default();
    options.svg.direction = crate::Direction::TopToBottom;
    options.svg.edge_labels = crate::EdgeLabels::Never;
    let page = to_html(&shop(), &options);
    let engine = blocks(
        &page,
        "<script type=\"application/wasm+gzip;base64\" id=\"svcgraph-engine\">",
        "</script>",
    );
    assert_eq!(engine.len(), 1);
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(engine[0])
        .unwrap();
    assert_eq!(bytes, ENGINE);
    assert_eq!(&ENGINE[..2], [0x1f, 0x8b], "gzip");
    // Two namespaces: the page draws them boxed, and so does its engine.
    assert_eq!(
        config(&page)["draw"],
        serde_json::json!({"rankdir": "tb", "edges": "curved", "edge_labels": "never", "no_legend": false, "group": "namespace"})
    );
}
