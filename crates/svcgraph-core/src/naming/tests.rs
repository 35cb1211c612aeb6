// The rates are binary fractions: sums are exact, and equality is what is promised.
#![allow(clippy::float_cmp)]

use super::*;
use crate::model::{Edge, Node};

const POD_IPS: &str = include_str!("../../tests/fixtures/beyla-pod-ips.json");
const POD_IP_RULES: &str = include_str!("../../tests/fixtures/beyla-pod-ips.naming.toml");

fn ip_named(g: &ServiceGraph) -> Vec<String> {
    let mut v: Vec<String> = g
        .nodes()
        .filter(|n| n.name.parse::<IpAddr>().is_ok())
        .map(|n| n.name.clone())
        .collect();
    v.sort();
    v
}

fn names(g: &ServiceGraph) -> Vec<String> {
    let mut v: Vec<String> = g.nodes().map(|n| n.id.clone()).collect();
    v.sort();
    v
}

fn rate(g: &ServiceGraph, from: &str, to: &str) -> f64 {
    let (s, t) = (g.node_index(from).unwrap(), g.node_index(to).unwrap());
    g.graph()[g.find_edge(s, t).unwrap()].requests_per_second
}

#[test]
fn beyla_pod_ips_are_named_or_collapsed_and_traffic_is_preserved() {
    let loaded = crate::load(POD_IPS.as_bytes()).unwrap();
    let before = &loaded.graph;
    assert_eq!(
        ip_named(before),
        [
            "10.128.0.7",
            "10.128.0.8",
            "10.4.2.20",
            "10.4.2.21",
            "10.96.0.10",
            "198.51.100.23",
            "2001:db8::1",
            "203.0.113.7",
            "fd00:10:4::12"
        ]
    );
    let rules = NamingRules::from_toml(POD_IP_RULES).unwrap();
    let after = rules.apply(before);
    assert!(ip_named(&after).is_empty(), "{:?}", ip_named(&after));
    assert_eq!(
        names(&after),
        [
            "external",
            "gke-nodes",
            "kube-system/kube-dns",
            "load-generator",
            "shop/cart",
            "shop/frontend",
            "shop/product-catalog",
            "shop/shop-ipv6-pods",
        ]
    );
    // Sums equal before and after: 65.125 requests per second.
    assert_eq!(before.total_requests_per_second(), 65.125);
    assert_eq!(after.total_requests_per_second(), 65.125);
    let failures = |g: &ServiceGraph| -> f64 {
        g.graph()
            .edge_weights()
            .map(|e| e.failures_per_second)
            .sum()
    };
    assert_eq!(failures(before), failures(&after));
    // Two pod IPs of one range, called by two frontend pods: one edge with both rates.
    assert_eq!(
        rate(&after, "shop/frontend", "shop/product-catalog"),
        15.5 + 14.75
    );
    assert_eq!(rate(&after, "shop/frontend", "external"), 0.75);
    assert_eq!(rate(&after, "shop/cart", "external"), 0.125);
    let catalog = after.node("shop/product-catalog").unwrap();
    assert_eq!(catalog.kind, NodeKind::Workload);
    assert_eq!(
        catalog.addresses.iter().collect::<Vec<_>>(),
        ["10.4.2.20", "10.4.2.21"]
    );
    let external = after.node("external").unwrap();
    assert_eq!(external.kind, NodeKind::External);
    assert_eq!(external.addresses.len(), 3);
    // Every node that changed is recorded once, by the rule that changed it.
    let renames = after.renames();
    assert_eq!(renames.len(), 14, "{renames:#?}");
    let of = |from: &str| renames.iter().find(|r| r.from == from).unwrap();
    assert_eq!(of("10.4.2.20").to, "shop/product-catalog");
    assert_eq!(of("10.4.2.20").rule, "cidr 10.4.2.0/24");
    assert_eq!(of("2001:db8::1").rule, "ip_peers collapse");
    assert_eq!(of("fd00:10:4::12").rule, "cidr fd00:10:4::/48");
    assert!(of("10.4.1.10").rule.starts_with("rename ^(?<workload>"));
    // Same rules, same input: the same graph document, byte for byte.
    let json = crate::render::json::to_json(&after);
    assert_eq!(json, crate::render::json::to_json(&rules.apply(before)));
    assert!(json.contains("\"renames\": ["), "{json}");
}

#[test]
fn ip_peers_are_kept_by_default() {
    let loaded = crate::load(POD_IPS.as_bytes()).unwrap();
    let mut rules = NamingRules::from_toml(POD_IP_RULES).unwrap();
    rules.ip_peers = IpPeers::Keep;
    let after = rules.apply(&loaded.graph);
    assert_eq!(
        ip_named(&after),
        ["198.51.100.23", "2001:db8::1", "203.0.113.7"]
    );
    assert_eq!(after.total_requests_per_second(), 65.125);
}

#[test]
fn cidr_ranges_match_v4_v6_and_the_most_specific_wins() {
    let c: Cidr = "10.4.0.0/16".parse().unwrap();
    assert!(c.contains("10.4.255.1".parse().unwrap()));
    assert!(!c.contains("10.5.0.1".parse().unwrap()));
    assert!(c.contains("::ffff:10.4.0.9".parse().unwrap()));
    assert!(!c.contains("fd00::1".parse().unwrap()));
    let v6: Cidr = "fd00:10::/32".parse().unwrap();
    assert!(v6.contains("fd00:10:ffff::1".parse().unwrap()));
    assert!(!v6.contains("fd00:11::1".parse().unwrap()));
    assert_eq!(ip_of("10.4.2.17:8080"), Some("10.4.2.17".parse().unwrap()));
    assert_eq!(ip_of("[fd00::1]:443"), Some("fd00::1".parse().unwrap()));
    assert_eq!(ip_of("cart:8080"), None);
    assert_eq!(ip_of("10.4.2"), None);
    let all: Cidr = "0.0.0.0/0".parse().unwrap();
    assert!(all.contains("255.255.255.255".parse().unwrap()));
    let host: Cidr = "2001:db8::1/128".parse().unwrap();
    assert!(host.contains("2001:db8::1".parse().unwrap()));
    assert!(!host.contains("2001:db8::2".parse().unwrap()));
    for (bad, why) in [
        ("10.4.0.0", "no /prefix"),
        ("10.4.0/16", "not an IP address"),
        ("10.4.0.0/33", "longer than 32 bits"),
        ("fd00::/129", "longer than 128 bits"),
        ("10.4.0.0/x", "not a number"),
    ] {
        let err = bad.parse::<Cidr>().unwrap_err().to_string();
        assert!(err.contains(why), "{bad}: {err}");
    }
    let rules = NamingRules::from_toml(
        r#"
        [[cidr]]
        range = "10.0.0.0/8"
        name = "wide"
        [[cidr]]
        range = "10.4.0.0/16"
        name = "narrow"
        "#,
    )
    .unwrap();
    let mut g = ServiceGraph::new();
    let a = g.upsert_node(Node::named("10.4.1.1", NodeKind::External));
    let b = g.upsert_node(Node::named("10.9.1.1", NodeKind::External));
    g.upsert_edge(a, b, Edge::with_rate(1.0));
    assert_eq!(names(&rules.apply(&g)), ["narrow", "wide"]);
}

#[test]
fn aliases_merge_namespace_variants_and_combine_their_edges() {
    let mut g = ServiceGraph::new();
    let node = |g: &mut ServiceGraph, name: &str, ns: &str| {
        let mut n = Node::named(name, NodeKind::Service);
        n.namespace = Some(ns.into());
        n.id = format!("{ns}/{name}");
        g.upsert_node(n)
    };
    let front = node(&mut g, "front", "shop");
    let cart = node(&mut g, "cart", "shop");
    let old = node(&mut g, "cart", "shop-legacy");
    let mut e = Edge::with_rate(3.0);
    e.failures_per_second = 0.3;
    e.latency.p95 = Some(0.1);
    g.upsert_edge(front, cart, e);
    let mut e = Edge::with_rate(1.0);
    e.failures_per_second = 0.5;
    e.latency.p95 = Some(0.4);
    g.upsert_edge(front, old, e);
    let rules = NamingRules::from_toml(
        r#"
        [[alias]]
        from = ["shop-legacy/cart"]
        to = "shop/cart"
        "#,
    )
    .unwrap();
    let merged = rules.apply(&g);
    assert_eq!(names(&merged), ["shop/cart", "shop/front"]);
    let (_, _, edge) = merged.edges().next().unwrap();
    assert_eq!(edge.requests_per_second, 4.0);
    // Failures over requests of the sums: (0.3 + 0.5) / 4.
    assert!((edge.error_ratio() - 0.2).abs() < 1e-12);
    assert_eq!(edge.latency.p95, Some(0.4));
    assert_eq!(
        merged.renames(),
        [Rename::new("shop-legacy/cart", "shop/cart", "alias")]
    );
    // By bare name too, into a node without namespace.
    let rules = NamingRules::from_json(r#"{"alias":[{"from":["front"],"to":"web"}]}"#).unwrap();
    let renamed = rules.apply(&g);
    let web = renamed.node("web").unwrap();
    assert_eq!((web.name.as_str(), web.namespace.as_deref()), ("web", None));
}

#[test]
fn regex_renames_use_capture_groups_and_the_first_match() {
    let mut g = ServiceGraph::new();
    let a = g.upsert_node(Node::named("cart-v2", NodeKind::Service));
    let b = g.upsert_node(Node::named("cart-v3", NodeKind::Service));
    let c = g.upsert_node(Node::named("checkout", NodeKind::Service));
    g.upsert_edge(c, a, Edge::with_rate(1.0));
    g.upsert_edge(c, b, Edge::with_rate(2.0));
    let rules = NamingRules::from_toml(
        r#"
        [[rename]]
        match = '^(\w+)-v\d+$'
        to = "$1"
        [[rename]]
        match = "^cart"
        to = "never"
        "#,
    )
    .unwrap();
    let g = rules.apply(&g);
    assert_eq!(names(&g), ["cart", "checkout"]);
    assert_eq!(g.edge_count(), 1);
    assert_eq!(g.total_requests_per_second(), 3.0);
}

#[test]
fn bad_rules_get_clear_errors() {
    for (text, expected) in [
        (
            "[[cidr]]\nrange = \"10.0.0.0/40\"\nname = \"x\"",
            "longer than 32",
        ),
        (
            "[[cidr]]\nrange = \"10.0.0.0/8\"\nname = \"\"",
            "empty name",
        ),
        ("[[rename]]\nmatch = \"(\"\nto = \"x\"", "not a valid regex"),
        ("ip_peers = \"drop\"", "expected `keep` or `collapse`"),
        ("unknown_field = 1", "unknown field"),
        ("[[alias]]\nfrom = []\nto = \"x\"", "lists no names"),
        ("[[alias]]\nfrom = [\"a\"]\nto = \"ns/\"", "empty name"),
        ("external_name = \"\"", "empty name"),
        ("[[cidr]\nrange=", "not valid"),
    ] {
        let err = NamingRules::from_toml(text).unwrap_err().to_string();
        assert!(err.contains(expected), "{text}: {err}");
        assert!(!err.contains('\n'), "{err}");
    }
    let err = NamingRules::from_json("{").unwrap_err().to_string();
    assert!(err.contains("naming rules"), "{err}");
}

#[test]
fn hostile_names_pass_through_as_data() {
    let hostile = "\"<script>}`|\u{202e}\nx";
    let rules = NamingRules::from_json(
        &serde_json::json!({
            "ip_peers": "collapse",
            "external_name": hostile,
            "rename": [{"match": "^a$", "to": hostile}],
        })
        .to_string(),
    )
    .unwrap();
    let mut g = ServiceGraph::new();
    let a = g.upsert_node(Node::named("a", NodeKind::Service));
    let ip = g.upsert_node(Node::named("192.0.2.1", NodeKind::External));
    g.upsert_edge(a, ip, Edge::with_rate(1.0));
    let g = rules.apply(&g);
    assert_eq!(g.node_count(), 1);
    assert_eq!(g.nodes().next().unwrap().name, hostile);
    let doc = crate::render::json::to_json(&g);
    let back = crate::render::json::from_json(&doc).unwrap();
    assert_eq!(back.renames(), g.renames());
    // The graph document reader takes hostile renames as data too.
    let svg = crate::render::svg::to_svg(&g, &crate::SvgOptions::default()).text;
    assert!(!svg.contains("<script>"), "{svg}");
}

#[test]
fn empty_rules_change_nothing() {
    let loaded = crate::load(POD_IPS.as_bytes()).unwrap();
    let rules = NamingRules::from_toml("").unwrap();
    assert!(rules.is_empty());
    let same = rules.apply(&loaded.graph);
    assert_eq!(
        crate::render::json::to_json(&same),
        crate::render::json::to_json(&loaded.graph)
    );
    assert!(same.renames().is_empty());
}
