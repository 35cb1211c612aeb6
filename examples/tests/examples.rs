//! Every example runs, and does what it says. `cargo test` builds the examples next to this
//! test (`target/<profile>/examples/`), so they run as a user would run them.

#[allow(dead_code)]
#[path = "../../crates/svcgraph-prometheus/tests/common/data.rs"]
mod data;
#[allow(dead_code)]
#[path = "../../crates/svcgraph-prometheus/tests/common/prometheus.rs"]
mod prometheus;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `target/<profile>/`, from this test's own path (`target/<profile>/deps/examples-<hash>`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_owned()
}

/// A built example.
fn example(name: &str) -> Command {
    let path = profile_dir().join("examples").join(name);
    assert!(
        path.is_file(),
        "{} is missing: `cargo test` builds the examples",
        path.display()
    );
    Command::new(path)
}

/// The `svcgraph` binary of the same build.
fn svcgraph_binary() -> PathBuf {
    let path = profile_dir().join("svcgraph");
    assert!(
        path.is_file(),
        "{} is missing: `cargo test --workspace` builds it (or cargo build -p svcgraph)",
        path.display()
    );
    path
}

/// A real Prometheus with the `servicegraph` preset's test data, and the time to ask at.
fn prometheus_with_data() -> Option<(prometheus::Prometheus, i64)> {
    if !prometheus::available() {
        return None;
    }
    let end = prometheus::unix_now() / data::STEP * data::STEP - 120;
    let set = data::dataset("servicegraph", &data::standard_edges(), end);
    Some((prometheus::Prometheus::start(&set.text), end))
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn render_file_draws_the_bundled_sample() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("shop.svg");
    let out = example("render_file")
        .arg(svcgraph_examples::data(
            "crates/svcgraph-cli/data/shop.snapshot.json",
        ))
        .arg(&svg)
        .output()
        .unwrap();
    let said = ok(&out);
    assert!(said.starts_with("19 nodes, 23 edges"), "{said}");
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let nodes = doc
        .descendants()
        .filter(|n| n.attribute("data-kind").is_some() && n.attribute("data-id").is_some())
        .count();
    assert_eq!(nodes, 19);
    // Grouped by namespace, as the example asks.
    assert!(text.contains(r#"class="group" data-namespace="shop""#));
}

#[test]
fn render_file_reads_a_bare_prometheus_response_too() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("pods.svg");
    let out = example("render_file")
        .arg(svcgraph_examples::data(
            "crates/svcgraph-core/tests/fixtures/gke-pods.json",
        ))
        .arg(&svg)
        .output()
        .unwrap();
    let said = ok(&out);
    assert!(said.contains("edges"), "{said}");
    roxmltree::Document::parse(&std::fs::read_to_string(&svg).unwrap()).unwrap();
}

#[test]
fn own_layout_places_a_pipeline_with_its_retry_loop() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("pipeline.svg");
    let out = example("own_layout").arg(&svg).output().unwrap();
    let said = ok(&out);
    assert!(
        said.starts_with("8 stages in ") && said.contains("1 reversed edge(s)"),
        "{said}"
    );
    // Top to bottom: checkout alone on top, each stage below the ones it follows on the
    // path that has no cycle, production at the bottom.
    let y = |stage: &str| -> f64 {
        let line = said
            .lines()
            .find(|l| l.starts_with(&format!("{stage}: ")))
            .unwrap();
        line.rsplit(", ")
            .next()
            .unwrap()
            .trim_end_matches(')')
            .parse()
            .unwrap()
    };
    let stages = [
        "lint",
        "unit tests",
        "build image",
        "integration tests",
        "deploy staging",
        "smoke tests",
        "deploy production",
    ];
    assert!(stages.iter().all(|s| y("checkout") < y(s)));
    assert!(stages.iter().all(|s| y(s) <= y("deploy production")));
    assert!(y("deploy staging") < y("smoke tests"));
    roxmltree::Document::parse(&std::fs::read_to_string(&svg).unwrap()).unwrap();
}

#[test]
fn query_prometheus_draws_what_a_real_server_holds() {
    let Some((server, _)) = prometheus_with_data() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // The example asks at "now": the data ends two minutes ago, within Prometheus' lookback.
    let out = example("query_prometheus")
        .arg(&server.url)
        .arg(dir.path())
        .output()
        .unwrap();
    let said = ok(&out);
    assert!(said.starts_with("schema servicegraph: "), "{said}");
    let svg = std::fs::read_to_string(dir.path().join("graph.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let edges = doc
        .descendants()
        .filter(|n| n.attribute("data-source").is_some())
        .count();
    // Seven edges in the data, one of them in both clusters: six distinct pairs.
    assert_eq!(edges, 6, "{said}");
    // The snapshot beside it is one `svcgraph render --input` reads.
    let replay = Command::new(svcgraph_binary())
        .args(["render", "-q", "-f", "json", "-i"])
        .arg(dir.path().join("snapshot.json"))
        .output()
        .unwrap();
    let replay: serde_json::Value = serde_json::from_str(&ok(&replay)).unwrap();
    assert_eq!(replay["edges"].as_array().unwrap().len(), 6);
}

#[test]
fn the_ci_snippet_leaves_a_snapshot_a_picture_and_a_comparison() {
    let Some((server, end)) = prometheus_with_data() else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("ci/service-graph.sh");
    let dir = tempfile::tempdir().unwrap();
    let run = |out: &Path, baseline: Option<&Path>| {
        let mut command = Command::new("bash");
        command
            .arg(&script)
            .env("SVCGRAPH", svcgraph_binary())
            .env("SVCGRAPH_PROMETHEUS_URL", &server.url)
            .env("AT", end.to_string())
            .env("OUT", out)
            .env_remove("SCHEMA")
            .env_remove("NAMESPACE")
            .env_remove("WINDOW");
        match baseline {
            Some(b) => command.env("BASELINE", b),
            None => command.env_remove("BASELINE"),
        };
        command.output().unwrap()
    };
    let first = dir.path().join("first");
    ok(&run(&first, None));
    for file in ["snapshot.json", "service-graph.svg", "service-graph.json"] {
        assert!(first.join(file).is_file(), "{file}");
    }
    roxmltree::Document::parse(&std::fs::read_to_string(first.join("service-graph.svg")).unwrap())
        .unwrap();
    assert!(!first.join("changes.svg").exists());
    // The next build compares with the first one's snapshot.
    let second = dir.path().join("second");
    ok(&run(&second, Some(&first.join("snapshot.json"))));
    let changes = std::fs::read_to_string(second.join("changes.svg")).unwrap();
    assert!(
        changes.contains(r#"data-diff="same""#),
        "same data, nothing changed"
    );
    assert!(!changes.contains(r#"data-diff="changed""#));
}

/// The pull request job's script (examples/ci/pr-comment.sh), printing its comment instead
/// of posting it: the comparison's tables, the drawing and the check's report when the graph
/// changed; nothing when it did not.
#[test]
fn the_pull_request_comment_says_what_changed_or_nothing() {
    if !Command::new("jq")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        eprintln!("NOTICE: skipping the pull request comment: `jq` is not installed");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    let run = |base: &str| {
        Command::new("bash")
            .arg(root.join("examples/ci/pr-comment.sh"))
            .current_dir(&root)
            .env("SVCGRAPH", svcgraph_binary())
            .env("DRY_RUN", "1")
            .env("SNAPSHOT", "crates/svcgraph-cli/data/shop.snapshot.json")
            .env("BASE_SNAPSHOT", base)
            .env("RULES", "examples/data/rules/shop.toml")
            .env("OUT", dir.path())
            .output()
            .unwrap()
    };
    let changed = run("examples/data/shop-yesterday.snapshot.json");
    assert_eq!(
        changed.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&changed.stderr)
    );
    let comment = String::from_utf8(changed.stdout).unwrap();
    assert!(comment.starts_with("<!-- svcgraph pull request -->\n## Service graph\n"));
    for part in [
        "**Since the baseline:** 1 new call, 1 gone, 3 changed, 19 the same.",
        "#### New calls (1)",
        "#### Gone calls (1)",
        "#### Changed calls (3)",
        "```mermaid\nflowchart LR\n",
        "<!-- svcgraph check -->\n### ❌ svcgraph check: 4 violations in 4 calls changed since the baseline",
    ] {
        assert!(comment.contains(part), "{part}\n{comment}");
    }
    assert!(dir.path().join("check.xml").is_file());
    // The same snapshot on both sides: nothing to say.
    let same = run("crates/svcgraph-cli/data/shop.snapshot.json");
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );
    assert!(
        same.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );
}

#[test]
fn live_page_writes_the_page_and_its_replies() {
    let dir = tempfile::tempdir().unwrap();
    let shop = svcgraph_examples::data("crates/svcgraph-cli/data/shop.snapshot.json");
    let yesterday = svcgraph_examples::data("examples/data/shop-yesterday.snapshot.json");
    let page = dir.path().join("live.html");
    ok(&example("live_page")
        .args([
            "page".as_ref(),
            shop.as_os_str(),
            page.as_os_str(),
            "5".as_ref(),
        ])
        .output()
        .unwrap());
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(text.contains("connect-src 'self'"));
    assert!(
        text.contains(
            r#""live":{"refresh_seconds":5,"history_seconds":604800,"window_seconds":300}"#
        )
    );

    let reply = dir.path().join("view.json");
    ok(&example("live_page")
        .args([
            "view".as_ref(),
            shop.as_os_str(),
            reply.as_os_str(),
            "1795539600".as_ref(),
        ])
        .arg(&yesterday)
        .output()
        .unwrap());
    let reply: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&reply).unwrap()).unwrap();
    assert_eq!(reply["at"], 1_795_539_600);
    assert!(reply["svg"].as_str().unwrap().contains("diff-new"));
    assert_eq!(reply["graph"]["format"], "svcgraph-graph");
    assert!(
        reply["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("compared with")
    );
}
