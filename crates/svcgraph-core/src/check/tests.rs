use super::*;
use crate::diff::{Thresholds, diff};
use crate::model::{Edge, Node, NodeKind, ServiceGraph};

fn node(ns: &str, name: &str, kind: NodeKind) -> Node {
    let mut n = Node::named(&format!("{ns}/{name}"), kind);
    n.name = name.to_owned();
    n.namespace = Some(ns.to_owned());
    n
}

/// frontend → cart → redis, frontend → orders-db (a store the frontend should not touch),
/// cart → payment (slow and failing).
fn shop() -> ServiceGraph {
    let mut g = ServiceGraph::new();
    let front = g.upsert_node(node("shop", "frontend", NodeKind::Service));
    let cart = g.upsert_node(node("shop", "cart", NodeKind::Service));
    let redis = g.upsert_node(node("shop", "redis", NodeKind::Database));
    let db = g.upsert_node(node("shop", "orders-db", NodeKind::Database));
    let pay = g.upsert_node(node("payments", "payment", NodeKind::Service));
    g.upsert_edge(front, cart, Edge::with_rate(20.0));
    g.upsert_edge(cart, redis, Edge::with_rate(40.0));
    g.upsert_edge(front, db, Edge::with_rate(2.0));
    let mut slow = Edge::with_rate(4.0);
    slow.failures_per_second = 0.4;
    slow.latency.p95 = Some(0.6);
    g.upsert_edge(cart, pay, slow);
    g
}

const RULES: &str = r#"
[[allow]]
from = "shop/*"
to = "shop/*"

[[forbid]]
from = "shop/frontend"
to = { kind = "database" }
reason = "the frontend reads through services"

[[expect]]
from = "frontend"
to = "cart"

[[expect]]
from = "cart"
to = "inventory"

[[budget]]
to = { namespace = "payments" }
error_ratio = "5%"
p95 = "500ms"
"#;

fn kinds(report: &Report) -> Vec<(ViolationKind, String, String)> {
    report
        .violations
        .iter()
        .map(|v| (v.kind, v.client.name.clone(), v.server.name.clone()))
        .collect()
}

#[test]
fn every_kind_of_violation_is_found_and_nothing_else() {
    let rules = Architecture::from_rules(RULES, RulesFormat::Toml).unwrap();
    let report = check(&shop(), &rules, &CheckOptions::default());
    assert_eq!(
        kinds(&report),
        [
            (
                ViolationKind::Forbidden,
                "frontend".into(),
                "orders-db".into()
            ),
            (ViolationKind::Undeclared, "cart".into(), "payment".into()),
            (ViolationKind::Missing, "cart".into(), "inventory".into()),
            (ViolationKind::OverBudget, "cart".into(), "payment".into()),
            (ViolationKind::OverBudget, "cart".into(), "payment".into()),
        ]
    );
    assert_eq!(report.calls_checked, 4);
    assert_eq!(
        report.summary(),
        "5 violations in 4 calls: 1 forbidden, 1 undeclared, 1 missing, 2 over budget"
    );
    let over: Vec<String> = report.violations[3..]
        .iter()
        .map(Violation::detail)
        .collect();
    assert_eq!(
        over,
        ["error ratio 10% over 5.0%", "p95 600 ms over 500 ms"]
    );
    assert!(
        report.violations[0]
            .rule
            .ends_with(": the frontend reads through services")
    );
}

#[test]
fn yaml_rules_read_like_toml_ones() {
    let yaml = r#"
allow:
  - {from: "shop/*", to: "shop/*"}
forbid:
  - from: shop/frontend
    to: {kind: [database]}
    reason: the frontend reads through services
expect:
  - {from: frontend, to: cart}
  - {from: cart, to: inventory}
budget:
  - to: {namespace: payments}
    error_ratio: 0.05
    p95: 0.5
"#;
    let toml = Architecture::from_rules(RULES, RulesFormat::Toml).unwrap();
    let yaml = Architecture::from_rules(yaml, RulesFormat::Yaml).unwrap();
    assert_eq!(toml, yaml);
}

#[test]
fn without_allow_rules_nothing_is_undeclared_unless_asked() {
    let rules =
        Architecture::from_rules("[[forbid]]\nto = \"orders-db\"\n", RulesFormat::Toml).unwrap();
    let report = check(&shop(), &rules, &CheckOptions::default());
    assert_eq!(
        kinds(&report),
        [(
            ViolationKind::Forbidden,
            "frontend".into(),
            "orders-db".into()
        )]
    );
    let strict = Architecture::from_rules(
        "default = \"deny\"\n[[expect]]\nfrom = \"frontend\"\nto = \"cart\"\n",
        RulesFormat::Toml,
    )
    .unwrap();
    assert_eq!(
        check(&shop(), &strict, &CheckOptions::default()).count(ViolationKind::Undeclared),
        3
    );
}

#[test]
fn a_comparison_reports_only_what_changed() {
    let rules = Architecture::from_rules(RULES, RulesFormat::Toml).unwrap();
    // Yesterday: the same calls, and cart → inventory, which is gone today; payment was fine.
    let mut before = shop();
    let cart = before.node_index("shop/cart").unwrap();
    let inventory = before.upsert_node(node("shop", "inventory", NodeKind::Service));
    before.upsert_edge(cart, inventory, Edge::with_rate(3.0));
    let pay = before.node_index("payments/payment").unwrap();
    let e = before.find_edge(cart, pay).unwrap();
    let edge = before.edge_mut(e).unwrap();
    edge.failures_per_second = 0.0;
    edge.latency.p95 = Some(0.2);
    let compared = diff(&shop(), &before, &Thresholds::default());
    let options = CheckOptions { changed_only: true };
    let report = check(&compared, &rules, &options);
    assert_eq!(
        kinds(&report),
        [
            (ViolationKind::Undeclared, "cart".into(), "payment".into()),
            (ViolationKind::Missing, "cart".into(), "inventory".into()),
            (ViolationKind::OverBudget, "cart".into(), "payment".into()),
            (ViolationKind::OverBudget, "cart".into(), "payment".into()),
        ]
    );
    assert_eq!(
        report.violations[1].detail(),
        "not observed (was 3.00 req/s)"
    );
    assert_eq!(report.calls_checked, 1);
    assert!(
        report
            .summary()
            .contains("1 call changed since the baseline")
    );
}

#[test]
fn a_backstage_catalog_declares_its_relations() {
    let catalog = r"
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: frontend
spec:
  type: service
  dependsOn:
    - component:cart
    - resource:default/orders-db
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: redis
spec:
  type: database
  dependencyOf: [component:default/Cart]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: search}
spec: {dependsOn: [component:cart]}
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: shop}
";
    let declared = Architecture::from_backstage(catalog).unwrap();
    assert_eq!(declared.expect.len(), 4);
    let report = check(&shop(), &declared, &CheckOptions::default());
    assert_eq!(
        kinds(&report),
        [
            (ViolationKind::Undeclared, "cart".into(), "payment".into()),
            (ViolationKind::Missing, "search".into(), "cart".into()),
        ]
    );
    assert_eq!(
        report.violations[1].rule,
        "catalog: default/search depends on default/cart"
    );
}

#[test]
fn bad_declarations_say_what_is_wrong() {
    let cases: [(&str, RulesFormat, &str); 7] = [
        ("[[allow]\n", RulesFormat::Toml, "not valid"),
        (
            "[[allow]]\nfrom = \"a\"\ntoo = \"b\"\n",
            RulesFormat::Toml,
            "unknown field `too`",
        ),
        (
            "[[allow]]\nfrom = { kind = \"db\" }\n",
            RulesFormat::Toml,
            "`db` is not a node kind",
        ),
        (
            "[[budget]]\nto = \"a\"\n",
            RulesFormat::Toml,
            "needs error_ratio or p95",
        ),
        (
            "[[budget]]\nto = \"a\"\np95 = \"fast\"\n",
            RulesFormat::Toml,
            "p95 is seconds",
        ),
        (
            "[[budget]]\nerror_ratio = 2\n",
            RulesFormat::Toml,
            "fraction from 0 to 1",
        ),
        (
            "allow: [{from: 3}]\n",
            RulesFormat::Yaml,
            "an end of a call",
        ),
    ];
    for (text, format, expected) in cases {
        let err = Architecture::from_rules(text, format)
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{text}: {err}");
    }
    assert!(
        Architecture::from_rules("", RulesFormat::Toml)
            .unwrap_err()
            .to_string()
            .contains("declares nothing")
    );
    for (catalog, expected) in [
        (
            "kind: System\nmetadata: {name: a}\n",
            "no Component or Resource",
        ),
        ("kind: Component\nspec: {}\n", "no metadata.name"),
        (
            "kind: Component\nmetadata: {name: a}\nspec: {dependsOn: [\"x/y/z\"]}\n",
            "not an entity reference",
        ),
        ("- just\n- a list\n", "not a Backstage entity"),
        (": : :\n\t", "not a Backstage entity"),
    ] {
        let err = Architecture::from_backstage(catalog)
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{catalog}: {err}");
    }
}

#[test]
fn hostile_names_stay_text_in_every_format() {
    let hostile = "a\"/><x>&'`|\n\u{202E}\u{1}";
    let mut g = ServiceGraph::new();
    let a = g.upsert_node(node("shop", hostile, NodeKind::Service));
    let b = g.upsert_node(node("shop", "cart", NodeKind::Service));
    g.upsert_edge(a, b, Edge::with_rate(1.0));
    let rules =
        Architecture::from_rules("[[allow]]\nfrom = \"shop/cart\"\n", RulesFormat::Toml).unwrap();
    let report = check(&g, &rules, &CheckOptions::default());
    assert_eq!(report.count(ViolationKind::Undeclared), 1);
    let junit = report.to_junit();
    let doc = roxmltree::Document::parse(&junit).unwrap();
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase"))
        .unwrap();
    assert!(
        case.attribute("name")
            .unwrap()
            .starts_with("a\"/><x>&'`|\n\u{FFFD}\u{FFFD}")
    );
    let text = report.to_text();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(!text.contains('\u{202E}'));
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["violations"][0]["client"]["name"], hostile);
    let md = report.to_markdown();
    let row = md.lines().last().unwrap();
    assert_eq!(row.matches(" | ").count(), 4, "{row}");
    assert!(!row.contains('<') || row.contains("\\<"), "{row}");
}

#[test]
fn reports_are_the_same_bytes_every_time() {
    let rules = Architecture::from_rules(RULES, RulesFormat::Toml).unwrap();
    let a = check(&shop(), &rules, &CheckOptions::default());
    let b = check(&shop(), &rules, &CheckOptions::default());
    assert_eq!(a.to_junit(), b.to_junit());
    assert_eq!(a.to_json(), b.to_json());
    assert!(a.to_markdown().starts_with(report::MARKDOWN_MARKER));
}
