// The rates are binary fractions: sums are exact, and equality is what is promised.
#![allow(clippy::float_cmp)]

use super::*;
use crate::model::{Edge, Node};

const CONNECTOR: &str = include_str!("../../tests/fixtures/quality-connector.snapshot.json");
const CONNECTOR_CLEAN: &str =
    include_str!("../../tests/fixtures/quality-connector-clean.snapshot.json");
const ISTIO: &str = include_str!("../../tests/fixtures/quality-istio.snapshot.json");
const POD_IPS: &str = include_str!("../../tests/fixtures/beyla-pod-ips.json");

fn report_of(input: &str) -> QualityReport {
    let loaded = crate::load(input.as_bytes()).unwrap();
    assess(&loaded.graph, loaded.evidence().as_ref())
}

fn kinds(report: &QualityReport) -> Vec<FindingKind> {
    report.findings.iter().map(|f| f.kind).collect()
}

fn of(report: &QualityReport, kind: FindingKind) -> &Finding {
    report.findings.iter().find(|f| f.kind == kind).unwrap()
}

fn subjects(f: &Finding) -> Vec<(&str, Option<f64>, Option<&str>)> {
    f.subjects
        .iter()
        .map(|s| (s.name.as_str(), s.per_second, s.detail.as_deref()))
        .collect()
}

#[test]
fn every_connector_artefact_is_found() {
    let report = report_of(CONNECTOR);
    assert_eq!(
        kinds(&report),
        [
            FindingKind::IpNamed,
            FindingKind::Unknown,
            FindingKind::Virtual,
            FindingKind::UnpairedSpans,
            FindingKind::DroppedSpans,
            FindingKind::ExpiredEdges,
            FindingKind::NamespaceVariants,
            FindingKind::Vanished,
        ]
    );
    assert!(report.not_measured.is_empty(), "{:?}", report.not_measured);
    assert_eq!(report.requests_per_second, 18.0);

    let ip = of(&report, FindingKind::IpNamed);
    assert_eq!(subjects(ip), [("10.4.2.17", Some(0.5), None)]);
    assert_eq!(ip.share, Some(0.5 / 18.0));
    assert_eq!(
        subjects(of(&report, FindingKind::Unknown)),
        [("unknown", Some(0.25), None)]
    );
    assert_eq!(
        subjects(of(&report, FindingKind::Virtual)),
        [("user", Some(8.0), None)]
    );
    assert_eq!(
        subjects(of(&report, FindingKind::UnpairedSpans)),
        [
            ("shop/checkout -> payments/payment", Some(0.25), None),
            ("shop/frontend -> shop/cart", Some(0.5), None)
        ]
    );
    assert_eq!(
        of(&report, FindingKind::DroppedSpans).requests_per_second,
        Some(0.125)
    );
    assert_eq!(
        of(&report, FindingKind::ExpiredEdges).requests_per_second,
        Some(0.0625)
    );
    assert_eq!(
        subjects(of(&report, FindingKind::NamespaceVariants)),
        [("cart", Some(5.0), Some("in shop, shop-legacy"))]
    );
    assert_eq!(
        subjects(of(&report, FindingKind::Vanished)),
        [("shop/frontend -> shop/ad", None, None)]
    );
    // Every finding says why and how to fix it, naming a producer.
    for f in &report.findings {
        assert!(!f.cause.is_empty());
        assert!(!f.fixes.is_empty(), "{:?}", f.kind);
    }
}

#[test]
fn clean_connector_data_has_no_findings() {
    let report = report_of(CONNECTOR_CLEAN);
    assert!(report.is_clean(), "{}", report.to_text());
    assert!(report.not_measured.is_empty());
    assert_eq!(
        report.to_text(),
        "Data quality: nothing found (5 nodes, 5 edges, 9.25 req/s)\n"
    );
}

#[test]
fn istio_calls_seen_by_one_proxy_are_found() {
    let report = report_of(ISTIO);
    assert_eq!(kinds(&report), [FindingKind::OneSided]);
    let f = of(&report, FindingKind::OneSided);
    assert_eq!(
        subjects(f),
        [
            (
                "bookinfo/reviews-v2 -> bookinfo/ratings-v1",
                Some(3.0),
                Some("source only")
            ),
            (
                "unknown/unknown -> bookinfo/productpage-v1",
                Some(2.0),
                Some("destination only")
            ),
        ]
    );
    assert!(f.fixes.iter().any(|x| x.producer == "Istio"));
}

#[test]
fn pod_ips_are_found_and_naming_rules_clear_them() {
    let loaded = crate::load(POD_IPS.as_bytes()).unwrap();
    let report = assess(&loaded.graph, loaded.evidence().as_ref());
    let ip = of(&report, FindingKind::IpNamed);
    assert_eq!(ip.subjects.len(), 9);
    let rules = crate::naming::NamingRules::from_toml(include_str!(
        "../../tests/fixtures/beyla-pod-ips.naming.toml"
    ))
    .unwrap();
    let named = rules.apply(&loaded.graph);
    let after = assess(&named, loaded.evidence().as_ref());
    assert!(
        !kinds(&after).contains(&FindingKind::IpNamed),
        "{}",
        after.to_text()
    );
}

#[test]
fn a_graph_document_says_what_it_cannot_check() {
    let loaded = crate::load(CONNECTOR.as_bytes()).unwrap();
    let doc = crate::render::json::to_json(&loaded.graph);
    let report = report_of(&doc);
    // The graph's own checks find what they found on the snapshot; the series checks
    // say why they could not run.
    assert_eq!(
        kinds(&report),
        [
            FindingKind::IpNamed,
            FindingKind::Unknown,
            FindingKind::Virtual,
            FindingKind::NamespaceVariants
        ]
    );
    let unmeasured: Vec<FindingKind> = report.not_measured.iter().map(|u| u.kind).collect();
    assert_eq!(unmeasured, [FindingKind::OneSided, FindingKind::Vanished]);
}

#[test]
fn reports_are_deterministic_and_hostile_names_stay_inert() {
    let hostile = "evil\n1. Nothing found\u{202e}`|}<script>";
    let mut g = ServiceGraph::new();
    let a = g.upsert_node(Node::named(hostile, NodeKind::Unknown));
    let b = g.upsert_node(Node::named("10.0.0.1", NodeKind::External));
    g.upsert_edge(a, b, Edge::with_rate(1.0));
    let report = assess(&g, None);
    let text = report.to_text();
    assert!(
        text.contains("evil\\n1. Nothing found\u{fffd}`|}<script>"),
        "{text}"
    );
    assert!(!text.contains('\u{202e}'));
    assert_eq!(text.lines().filter(|l| l.starts_with("1. ")).count(), 1);
    let json = report.to_json();
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed["format"], "svcgraph-quality");
    assert_eq!(parsed["findings"][1]["subjects"][0]["name"], hostile);
    assert_eq!(json, assess(&g, None).to_json());
    assert_eq!(
        report_of(CONNECTOR).to_json(),
        report_of(CONNECTOR).to_json()
    );
}

#[test]
fn an_empty_graph_is_clean() {
    let report = assess(&ServiceGraph::new(), None);
    assert!(report.is_clean());
    assert_eq!(report.requests_per_second, 0.0);
}

#[test]
fn the_report_formats_are_the_contract() {
    let report = report_of(CONNECTOR);
    insta::assert_snapshot!("connector_text", report.to_text());
    insta::assert_snapshot!("connector_json", report.to_json());
}
