//! Naming rules (`--naming`) and the data-quality report (`svcgraph doctor`), through the real
//! binary.

// The rates are binary fractions: sums are exact, and equality is what is promised.
#![allow(clippy::float_cmp)]

mod common;

use std::path::{Path, PathBuf};

use common::{run, stderr};
use serde_json::Value;

/// A file of the repository, by its path from the root.
fn sample(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
        .to_string_lossy()
        .into_owned()
}

const POD_IPS: &str = "crates/svcgraph-core/tests/fixtures/beyla-pod-ips.json";
const POD_IP_RULES: &str = "crates/svcgraph-core/tests/fixtures/beyla-pod-ips.naming.toml";

fn graph_json(args: &[&str]) -> Value {
    let mut all = vec!["render", "-f", "json"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn total_rate(doc: &Value) -> f64 {
    doc["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["requests_per_second"].as_f64().unwrap())
        .sum()
}

fn node_ids(doc: &Value) -> Vec<&str> {
    doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("svcgraph-names-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn naming_rules_name_or_collapse_pod_ips_and_keep_the_traffic() {
    let before = graph_json(&["-i", &sample(POD_IPS)]);
    let after = graph_json(&["-i", &sample(POD_IPS), "--naming", &sample(POD_IP_RULES)]);
    assert_eq!(total_rate(&before), 65.125);
    assert_eq!(total_rate(&after), 65.125);
    assert_eq!(
        node_ids(&after),
        [
            "external",
            "gke-nodes",
            "kube-system/kube-dns",
            "load-generator",
            "shop/cart",
            "shop/frontend",
            "shop/product-catalog",
            "shop/shop-ipv6-pods"
        ]
    );
    assert!(before.get("renames").is_none());
    let renames = after["renames"].as_array().unwrap();
    assert_eq!(renames.len(), 14);
    assert_eq!(
        renames[0],
        serde_json::json!({"to": "external", "from": "198.51.100.23", "rule": "ip_peers collapse"})
    );
    // The document reads back with its renames, byte for byte.
    let dir = temp_dir("roundtrip");
    let path = dir.join("named.json");
    std::fs::write(&path, serde_json::to_string_pretty(&after).unwrap() + "\n").unwrap();
    let again = run(&["render", "-f", "json", "-i", path.to_str().unwrap()]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        serde_json::from_slice::<Value>(&again.stdout).unwrap(),
        after
    );
    // Transforms see the named graph: aggregation and filters work on the new names.
    let focused = graph_json(&[
        "-i",
        &sample(POD_IPS),
        "--naming",
        &sample(POD_IP_RULES),
        "--focus",
        "product-catalog",
        "--depth",
        "1",
    ]);
    assert_eq!(
        node_ids(&focused),
        ["shop/frontend", "shop/product-catalog"]
    );
    assert_eq!(total_rate(&focused), 30.25);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn naming_rules_in_json_and_their_errors() {
    let dir = temp_dir("errors");
    let json = dir.join("rules.json");
    std::fs::write(
        &json,
        r#"{"ip_peers": "collapse", "external_name": "internet"}"#,
    )
    .unwrap();
    let doc = graph_json(&["-i", &sample(POD_IPS), "--naming", json.to_str().unwrap()]);
    assert!(node_ids(&doc).contains(&"internet"));
    assert_eq!(total_rate(&doc), 65.125);

    for (text, expected) in [
        (
            "[[cidr]]\nrange = \"10.0.0.0/99\"\nname = \"x\"\n",
            "longer than 32 bits",
        ),
        (
            "[[rename]]\nmatch = \"(\"\nto = \"x\"\n",
            "not a valid regex",
        ),
        ("colour = \"red\"\n", "unknown field"),
    ] {
        let path = dir.join("bad.toml");
        std::fs::write(&path, text).unwrap();
        let out = run(&[
            "render",
            "-i",
            &sample(POD_IPS),
            "--naming",
            path.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{text}");
        let err = stderr(&out);
        assert!(err.contains(expected), "{text}: {err}");
        assert!(err.contains("naming rules"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let out = run(&["render", "--demo", "--naming", "/nonexistent/rules.toml"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot read the naming rules"));
    std::fs::remove_dir_all(dir).unwrap();
}
