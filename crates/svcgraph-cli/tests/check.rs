//! `svcgraph check` run for real on the published topologies and the rules written for them
//! (`examples/data/rules/`), each with violations seeded on purpose: every one is found,
//! none is invented, the exit status says so, and the JUnit report is valid against
//! `docs/check-junit.xsd` (checked by xmllint).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::{sample, stderr};

#[path = "../../svcgraph-prometheus/tests/common/tools.rs"]
mod tools;

fn check(args: &[&str]) -> Output {
    common::run_at_root("check", args)
}

/// The violations of a JSON report as (kind, client, server, detail).
fn violations(out: &Output) -> BTreeSet<(String, String, String, String)> {
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(out)));
    report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let detail = match (&v["breach"]["metric"], &v["breach"]["limit"]) {
                (serde_json::Value::String(m), limit) => format!("{m} > {limit}"),
                _ => String::new(),
            };
            (
                v["kind"].as_str().unwrap().to_owned(),
                v["client"]["name"].as_str().unwrap().to_owned(),
                v["server"]["name"].as_str().unwrap().to_owned(),
                detail,
            )
        })
        .collect()
}

fn set(items: &[(&str, &str, &str, &str)]) -> BTreeSet<(String, String, String, String)> {
    items
        .iter()
        .map(|&(a, b, c, d)| (a.into(), b.into(), c.into(), d.into()))
        .collect()
}

/// Each real topology with its rules: input, declaration flag, file, the seeded violations.
type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, &'static str, &'static str)],
);
const CASES: [Case; 6] = [
    (
        "examples/data/topologies/online-boutique.json",
        "--rules",
        "examples/data/rules/online-boutique.toml",
        &[
            ("forbidden", "checkoutservice", "emailservice", ""),
            ("undeclared", "frontend", "adservice", ""),
            ("missing", "checkoutservice", "fraudservice", ""),
            ("over_budget", "frontend", "checkoutservice", "p95 > 0.1"),
        ],
    ),
    (
        "examples/data/topologies/sock-shop.json",
        "--rules",
        "examples/data/rules/sock-shop.yaml",
        &[
            ("forbidden", "front-end", "session-db", ""),
            ("undeclared", "orders", "carts", ""),
            ("missing", "queue-master", "shipping", ""),
            ("over_budget", "carts", "carts-db", "error_ratio > 0.01"),
        ],
    ),
    (
        "examples/data/topologies/train-ticket.json",
        "--rules",
        "examples/data/rules/train-ticket.toml",
        &[
            ("forbidden", "ts-order-service", "ts-station-service", ""),
            ("undeclared", "ts-voucher-service", "ts-voucher-mysql", ""),
            ("missing", "ts-preserve-service", "ts-voucher-service", ""),
            (
                "over_budget",
                "ts-admin-travel-service",
                "ts-travel-service",
                "p95 > 0.3",
            ),
            (
                "over_budget",
                "ts-admin-basic-info-service",
                "ts-price-service",
                "error_ratio > 0.01",
            ),
        ],
    ),
    (
        "examples/data/topologies/deathstarbench-social-network.json",
        "--rules",
        "examples/data/rules/social-network.yaml",
        &[
            ("forbidden", "user-mention-service", "user-mongodb", ""),
            ("undeclared", "user-service", "social-graph-service", ""),
            ("missing", "compose-post-service", "url-shorten-service", ""),
            (
                "over_budget",
                "social-graph-service",
                "social-graph-redis",
                "p95 > 0.01",
            ),
            (
                "over_budget",
                "compose-post-service",
                "user-service",
                "error_ratio > 0.01",
            ),
        ],
    ),
    (
        "examples/data/topologies/deathstarbench-media-microservices.json",
        "--rules",
        "examples/data/rules/media-microservices.toml",
        &[
            ("forbidden", "movie-id-service", "rating-service", ""),
            ("undeclared", "rating-service", "compose-review-service", ""),
            ("missing", "nginx-web-server", "rating-service", ""),
            (
                "over_budget",
                "nginx-web-server",
                "movie-id-service",
                "p95 > 0.25",
            ),
            (
                "over_budget",
                "user-service",
                "user-mongodb",
                "error_ratio > 0.01",
            ),
        ],
    ),
    (
        "examples/data/topologies/deathstarbench-hotel-reservation.json",
        "--catalog",
        "examples/data/rules/hotel-reservation.catalog-info.yaml",
        &[
            ("undeclared", "frontend", "user", ""),
            ("missing", "recommendation", "profile", ""),
        ],
    ),
];

#[test]
fn every_seeded_violation_is_found_and_none_invented() {
    for (input, flag, rules, expected) in CASES {
        let out = check(&["-i", input, flag, rules, "-f", "json"]);
        assert_eq!(out.status.code(), Some(1), "{rules}: {}", stderr(&out));
        assert_eq!(violations(&out), set(expected), "{rules}");
        // The text report: a headline and one line per violation.
        let text = check(&["-i", input, flag, rules]);
        assert_eq!(text.status.code(), Some(1));
        let text = String::from_utf8(text.stdout).unwrap();
        assert_eq!(text.lines().count(), 1 + expected.len(), "{text}");
        assert!(
            text.starts_with(&format!("svcgraph check: {} violations", expected.len())),
            "{text}"
        );
    }
}

#[test]
fn a_clean_graph_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("all.yaml");
    std::fs::write(&rules, "allow:\n  - {from: \"*\", to: \"*\"}\n").unwrap();
    let out = check(&[
        "-i",
        "examples/data/topologies/train-ticket.json",
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "svcgraph check: no violations in 155 calls\n"
    );
}

#[test]
fn a_baseline_keeps_what_changed_since() {
    let args = [
        "--demo",
        "--rules",
        "examples/data/rules/shop.toml",
        "-f",
        "json",
        "-q",
    ];
    let all = check(&args);
    assert_eq!(all.status.code(), Some(1));
    let out = check(
        &[
            &args[..],
            &["--baseline", "examples/data/shop-yesterday.snapshot.json"],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        violations(&out),
        set(&[
            ("missing", "checkout", "tax", ""),
            ("over_budget", "frontend", "ad", "error_ratio > 0.05"),
            ("over_budget", "checkout", "payment", "error_ratio > 0.02"),
            ("over_budget", "checkout", "payment", "p95 > 0.25"),
        ])
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["changed_only"], true);
    assert_eq!(report["calls_checked"], 4);
    assert_eq!(report["violations"][0]["requests_per_second"], 3.8);
}

#[test]
fn usage_rules_and_input_errors_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[allow]]\nfrom = { kind = \"db\" }\n").unwrap();
    let odd = dir.path().join("rules.conf");
    std::fs::write(&odd, "").unwrap();
    let bad = bad.to_str().unwrap();
    let cases: [(&[&str], &str); 7] = [
        (
            &[
                "--demo",
                "--rules",
                "examples/data/rules/shop.toml",
                "--save-snapshot",
                "-",
            ],
            "both go to standard output",
        ),
        (&["--demo"], "--rules <FILE>|--catalog <FILE>"),
        (&["--demo", "--rules", bad], "`db` is not a node kind"),
        (
            &["--demo", "--rules", odd.to_str().unwrap()],
            "name it .toml, .yaml or .yml",
        ),
        (
            &["--demo", "--rules", "no/such/rules.toml"],
            "cannot read no/such/rules.toml",
        ),
        (
            &[
                "-i",
                "no/such/graph.json",
                "--rules",
                "examples/data/rules/shop.toml",
            ],
            "no/such/graph.json",
        ),
        (
            &["--demo", "--catalog", "examples/data/rules/shop.toml"],
            "catalog",
        ),
    ];
    for (args, expected) in cases {
        let out = check(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn the_output_extension_picks_the_format() {
    let dir = tempfile::tempdir().unwrap();
    for (name, start) in [
        ("r.xml", "<?xml"),
        ("r.md", "<!-- svcgraph check -->"),
        ("r.json", "{"),
        ("r.txt", "svcgraph check:"),
    ] {
        let path = dir.path().join(name);
        let out = check(&[
            "--demo",
            "--rules",
            "examples/data/rules/shop.toml",
            "-q",
            "-o",
            path.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(start), "{name}: {text}");
    }
}

/// A graph document whose names try to break out of XML, Markdown and the terminal.
fn hostile_graph(dir: &Path) -> PathBuf {
    let names = [
        "a\"/><x>&amp;'",
        "`md`|cell\n<script>",
        "rtl\u{202E}exe.txt",
        "ctl\u{1}\u{FFFE}",
    ];
    let nodes: Vec<serde_json::Value> = names
        .iter()
        .map(|n| serde_json::json!({"id": n, "name": n, "kind": "service"}))
        .collect();
    let edges: Vec<serde_json::Value> = names
        .windows(2)
        .map(|p| serde_json::json!({"source": p[0], "target": p[1], "requests_per_second": 1.5}))
        .collect();
    let path = dir.join("hostile.json");
    let doc = serde_json::json!({"format": "svcgraph-graph", "version": 1, "nodes": nodes, "edges": edges});
    std::fs::write(&path, doc.to_string()).unwrap();
    path
}

#[test]
fn junit_reports_are_valid_against_their_schema() {
    if !tools::available("xmllint", "libxml2-utils") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let hostile = hostile_graph(dir.path());
    let strict = dir.path().join("strict.toml");
    std::fs::write(
        &strict,
        "[[allow]]\nfrom = \"nothing\"\n[[budget]]\np95 = 0.001\nerror_ratio = 0\n",
    )
    .unwrap();
    let mut runs: Vec<Vec<String>> = CASES
        .iter()
        .map(|(input, flag, rules, _)| {
            vec![
                "-i".into(),
                (*input).into(),
                (*flag).into(),
                (*rules).into(),
            ]
        })
        .collect();
    runs.push(vec![
        "-i".into(),
        hostile.display().to_string(),
        "--rules".into(),
        strict.display().to_string(),
    ]);
    runs.push(vec![
        "--demo".into(),
        "--rules".into(),
        "examples/data/rules/shop.toml".into(),
        "--baseline".into(),
        "examples/data/shop-yesterday.snapshot.json".into(),
    ]);
    for (i, args) in runs.iter().enumerate() {
        let report = dir.path().join(format!("report-{i}.xml"));
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.extend(["-q", "-o", report.to_str().unwrap()]);
        let out = check(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let lint = Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(sample("docs/check-junit.xsd"))
            .arg(&report)
            .output()
            .unwrap();
        assert!(
            lint.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&lint.stderr)
        );
        let xml = std::fs::read_to_string(&report).unwrap();
        assert!(xml.matches("<failure ").count() >= 1, "{xml}");
    }
    // The hostile names arrived as text: three undeclared calls, each a failure.
    let xml =
        std::fs::read_to_string(dir.path().join(format!("report-{}.xml", CASES.len()))).unwrap();
    assert_eq!(xml.matches("type=\"undeclared\"").count(), 3, "{xml}");
    assert!(
        xml.contains(
            "name=\"a&quot;/&gt;&lt;x&gt;&amp;amp;&apos; → `md`|cell&#10;&lt;script&gt;\""
        ),
        "{xml}"
    );
}
