//! `svcgraph render` to Mermaid and Markdown, run for real: the format from the extension,
//! the comparison's marks, and the warning for diagrams beyond Mermaid's default limits.

use std::process::Output;

mod common;

use common::stderr;

fn render(args: &[&str]) -> Output {
    common::run_at_root("render", args)
}

#[test]
fn the_extension_picks_mermaid_or_markdown() {
    let dir = tempfile::tempdir().unwrap();
    for (name, start) in [
        ("g.mmd", "flowchart LR\n"),
        ("g.mermaid", "flowchart LR\n"),
        (
            "g.md",
            "**Since the baseline:** 1 new call, 1 gone, 3 changed, 19 the same.\n",
        ),
    ] {
        let path = dir.path().join(name);
        let out = render(&[
            "--demo",
            "--baseline",
            "examples/data/shop-yesterday.snapshot.json",
            "-o",
            path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(start), "{name}: {text}");
    }
    let tb = render(&[
        "--demo",
        "-f",
        "mermaid",
        "--rankdir",
        "tb",
        "--group",
        "namespace",
    ]);
    let text = String::from_utf8(tb.stdout).unwrap();
    assert!(
        text.starts_with("flowchart TB\n  subgraph g0[\"payments\"]\n"),
        "{text}"
    );
    let stats = render(&["--demo", "-f", "markdown", "--stats"]);
    assert!(stats.status.success());
    assert!(
        stderr(&stats).contains("DOT, Mermaid and Markdown output do not use"),
        "{}",
        stderr(&stats)
    );
}

#[test]
fn diagrams_beyond_mermaid_limits_are_warned_about() {
    // A chain of 600 calls: more edges than Mermaid draws by default.
    let nodes: Vec<serde_json::Value> = (0..=600)
        .map(|i| serde_json::json!({"id": format!("s{i}"), "name": format!("s{i}"), "kind": "service"}))
        .collect();
    let edges: Vec<serde_json::Value> = (0..600)
        .map(|i| serde_json::json!({"source": format!("s{i}"), "target": format!("s{}", i + 1), "requests_per_second": 1.0}))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.json");
    let doc = serde_json::json!({"format": "svcgraph-graph", "version": 1, "nodes": nodes, "edges": edges});
    std::fs::write(&path, doc.to_string()).unwrap();
    let out = render(&["-i", path.to_str().unwrap(), "-f", "mermaid"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refuse diagrams of more than 500 edges"),
        "{}",
        stderr(&out)
    );
    let small = render(&["--demo", "-f", "mermaid"]);
    assert!(!stderr(&small).contains("refuse"), "{}", stderr(&small));
}
