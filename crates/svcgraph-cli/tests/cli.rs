//! The `svcgraph` binary, run for real: outputs checked by Graphviz, hostile inputs, files.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

#[allow(dead_code)]
mod common;
#[path = "../../svcgraph-prometheus/tests/common/tools.rs"]
mod tools;

fn svcgraph() -> Command {
    Command::new(env!("CARGO_BIN_EXE_svcgraph"))
}

/// A bundled sample, by its path from the repository root (these tests are not packaged).
fn sample(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// Runs svcgraph with `args`, feeding `stdin`.
fn run(args: &[&str], stdin: &[u8]) -> Output {
    common::piped(svcgraph().args(args), stdin)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Graphviz must accept the DOT; returns the SVG it draws (`None` when Graphviz is not
/// installed and not required: [`tools::available`]).
fn graphviz_svg(dot: &[u8]) -> Option<String> {
    if !tools::available("dot", "graphviz") {
        return None;
    }
    let out = common::piped(Command::new("dot").arg("-Tsvg"), dot);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "dot refused the file: {}",
        stderr(&out)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

/// One field of every node of a graph document.
fn node_fields<'a>(doc: &'a serde_json::Value, field: &str) -> Vec<&'a str> {
    doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n[field].as_str().unwrap())
        .collect()
}

/// A real renderer must draw the SVG; returns the PNG's size in pixels (`None` when
/// rsvg-convert is not installed and not required: [`tools::available`]).
fn rsvg_png(svg: &[u8]) -> Option<(u32, u32)> {
    if !tools::available("rsvg-convert", "librsvg2-bin") {
        return None;
    }
    let out = common::piped(Command::new("rsvg-convert").args(["--format", "png"]), svg);
    assert!(
        out.status.success(),
        "rsvg-convert refused the SVG: {}",
        stderr(&out)
    );
    assert_eq!(&out.stdout[..8], b"\x89PNG\r\n\x1a\n");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(&out.stdout[16..20]), be(&out.stdout[20..24])))
}

fn prometheus_response(series: &[(&[(&str, &str)], &str)]) -> String {
    let result: Vec<serde_json::Value> = series
        .iter()
        .map(|(labels, value)| {
            let metric: serde_json::Map<String, serde_json::Value> = labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
                .collect();
            serde_json::json!({"metric": metric, "value": [1_795_539_600, value]})
        })
        .collect();
    serde_json::json!({"status": "success", "data": {"resultType": "vector", "result": result}})
        .to_string()
}

#[test]
fn seed_test_vector_renders_four_nodes_and_three_edges_graphviz_accepts() {
    let seed = sample("crates/svcgraph-core/tests/fixtures/seed.json");
    let out = run(
        &["render", "--input", seed.to_str().unwrap(), "-f", "dot"],
        b"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let dot = String::from_utf8(out.stdout.clone()).unwrap();
    for name in ["root", "child1", "leaf1", "leaf2"] {
        assert!(dot.contains(&format!("[label=\"{name}\"")), "{name}: {dot}");
    }
    let edges: Vec<&str> = dot.lines().filter(|l| l.contains(" -> ")).collect();
    assert_eq!(edges.len(), 3);
    assert!(edges.iter().all(|e| e.contains("label=\"9.73 req/s\"")));
    if let Some(svg) = graphviz_svg(&out.stdout) {
        assert_eq!(svg.matches("class=\"node\"").count(), 4);
        assert_eq!(svg.matches("class=\"edge\"").count(), 3);
    }
}

#[test]
fn demo_is_deterministic_and_its_json_reads_back_identically() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(&["render", "--demo", "-f", "dot"], b"");
    let second = run(&["render", "--demo", "-f", "dot"], b"");
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(first.stdout, second.stdout);
    graphviz_svg(&first.stdout);
    let svg = run(&["render", "--demo"], b"");
    assert_eq!(svg.stdout, run(&["render", "--demo"], b"").stdout);

    let json = dir.path().join("shop.json");
    let out = run(
        &["render", "--demo", "-q", "-o", json.to_str().unwrap()],
        b"",
    );
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        stderr(&out)
    );
    let again = dir.path().join("again.json");
    let out = run(
        &[
            "render",
            "-i",
            json.to_str().unwrap(),
            "-o",
            again.to_str().unwrap(),
        ],
        b"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(&json).unwrap(),
        std::fs::read(&again).unwrap()
    );
    // The graph document renders to the same DOT as the snapshot it came from.
    let from_json = run(&["render", "-i", json.to_str().unwrap(), "-f", "dot"], b"");
    assert_eq!(from_json.stdout, first.stdout);
}

#[test]
fn the_demo_svg_renders_in_a_real_renderer_with_every_node_and_edge() {
    let out = run(&["render", "--demo", "--stats"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(
        svg.matches("<g class=\"node kind-").count() - 3,
        19,
        "19 nodes (+3 legend samples)"
    );
    assert_eq!(
        svg.matches("<path class=\"head\"").count(),
        23,
        "23 edges, each with its arrow"
    );
    if let Some((w, h)) = rsvg_png(svg.as_bytes()) {
        assert!(w > 600 && h > 200, "{w}x{h}");
    }
    let err = stderr(&out);
    assert!(
        err.contains("svcgraph: layout: 19 nodes, 23 edges"),
        "{err}"
    );
    assert!(err.contains("layout time:"), "{err}");
    // With JSON, the statistics join the document.
    let json = run(&["render", "--demo", "-f", "json", "--stats"], b"");
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["layout"]["nodes"], 19);
    assert!(doc["layout"]["phases"]["ordering"].as_f64().is_some());
}

#[test]
fn namespace_boxes_in_svg_and_graphviz_clusters_in_dot() {
    let json = run(&["render", "--demo", "-f", "json"], b"");
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let mut namespaces: Vec<&str> = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["namespace"].as_str())
        .collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    assert!(namespaces.len() >= 2, "{namespaces:?}");

    let out = run(&["render", "--demo", "--group", "namespace"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = String::from_utf8(out.stdout.clone()).unwrap();
    let boxes: Vec<&str> = svg
        .split("<g class=\"group\" data-namespace=\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert_eq!(boxes, namespaces);
    rsvg_png(svg.as_bytes());

    let out = run(
        &["render", "--demo", "--group", "namespace", "-f", "dot"],
        b"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let dot = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(dot.matches("subgraph cluster_").count(), namespaces.len());
    if let Some(drawn) = graphviz_svg(&out.stdout) {
        assert_eq!(drawn.matches("class=\"cluster\"").count(), namespaces.len());
    }
    // Without --group, neither has boxes.
    let plain = run(&["render", "--demo", "-f", "dot"], b"");
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("subgraph"));
}

#[test]
fn transforms_change_the_picture() {
    let focused = run(
        &[
            "render",
            "--demo",
            "-f",
            "json",
            "--focus",
            "checkout",
            "--direction",
            "down",
        ],
        b"",
    );
    assert!(focused.status.success(), "{}", stderr(&focused));
    let doc: serde_json::Value = serde_json::from_slice(&focused.stdout).unwrap();
    let mut names: Vec<&str> = node_fields(&doc, "name");
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "accounting",
            "cart",
            "checkout",
            "currency",
            "email",
            "payment",
            "product-catalog",
            "shipping"
        ]
    );

    let pods = sample("crates/svcgraph-core/tests/fixtures/gke-pods.json");
    let namespaces = run(
        &[
            "render",
            "-q",
            "-i",
            pods.to_str().unwrap(),
            "--aggregate",
            "namespace",
            "-f",
            "json",
        ],
        b"",
    );
    let doc: serde_json::Value = serde_json::from_slice(&namespaces.stdout).unwrap();
    let kinds: Vec<&str> = node_fields(&doc, "kind");
    assert!(kinds.contains(&"namespace"), "{kinds:?}");

    let missing = run(&["render", "--demo", "--focus", "chekout"], b"");
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("no node is named `chekout`"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn hostile_label_values_are_escaped_in_dot_json_and_the_svg_graphviz_draws() {
    let long = "x".repeat(10_000);
    let hostile = "a\"b\\c<script>alert(1)</script>\nline}{";
    let response = prometheus_response(&[
        (&[("client", hostile), ("server", &long)], "1.5"),
        (&[("client", "\\N\\G"), ("server", hostile)], "2"),
    ]);
    let servicegraph = ["render", "-i", "-", "--schema", "servicegraph"];
    let out = run(
        &[&servicegraph[..], &["-f", "dot"]].concat(),
        response.as_bytes(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    if let Some(svg) = graphviz_svg(&out.stdout) {
        assert!(!svg.contains("<script>"), "raw markup leaked into the SVG");
        assert!(svg.contains("&lt;script&gt;"));
    }

    let ours = run(&servicegraph, response.as_bytes());
    assert!(ours.status.success(), "{}", stderr(&ours));
    let text = String::from_utf8(ours.stdout).unwrap();
    assert!(!text.contains("<script>") && text.contains("&lt;script&gt;"));
    rsvg_png(text.as_bytes());

    let json = run(&["render", "-i", "-", "-f", "json"], response.as_bytes());
    assert!(json.status.success(), "{}", stderr(&json));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let names: Vec<&str> = node_fields(&doc, "name");
    assert!(names.contains(&hostile) && names.contains(&long.as_str()));
}

#[test]
fn bad_input_is_one_line_on_stderr_and_a_failure_exit() {
    let ok_prefix = r#"{"status":"success","data":{"resultType":"vector","result":["#;
    let cases: Vec<(&str, Vec<u8>, &str)> =
        vec![
        ("malformed", b"{\"status\": success}".to_vec(), "not valid JSON"),
        ("truncated", ok_prefix.as_bytes().to_vec(), "ends early"),
        (
            "error envelope",
            br#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\""}"#
                .to_vec(),
            "the query failed on the server (bad_data)",
        ),
        (
            "scalar",
            br#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#.to_vec(),
            "got a scalar result",
        ),
        (
            "missing labels",
            prometheus_response(&[(&[("client", "a")], "1")]).into_bytes(),
            "a series has no server label",
        ),
        ("non-UTF-8", b"{\"status\":\"\xff\xfe\"}".to_vec(), "not UTF-8"),
        ("not JSON at all", b"\x00\x01binary".to_vec(), "not valid JSON"),
        ("empty", Vec::new(), "the input is empty"),
    ];
    for (name, input, expected) in cases {
        let out = run(&["render", "-i", "-", "--schema", "servicegraph"], &input);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.starts_with("svcgraph: error: "), "{name}: {err}");
        assert!(err.contains(expected), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}");
    }
}

#[test]
fn server_warnings_and_skipped_series_reach_the_user() {
    let response = r#"{"status":"success","warnings":["results may be partial: store gateway down"],
        "data":{"resultType":"vector","result":[
          {"metric":{"client":"a","server":"b"},"value":[1,"2"]},
          {"metric":{"client":"a","server":"c"},"value":[1,"NaN"]}]}}"#;
    let out = run(
        &["render", "-i", "-", "--schema", "servicegraph"],
        response.as_bytes(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("svcgraph: warning: requests per second: results may be partial"),
        "{err}"
    );
    assert!(
        err.contains("1 series had no data in the window (NaN)"),
        "{err}"
    );
    let quiet = run(
        &["render", "-q", "-i", "-", "--schema", "servicegraph"],
        response.as_bytes(),
    );
    assert!(quiet.stderr.is_empty());
    assert_eq!(quiet.stdout, out.stdout);
}

#[test]
fn an_empty_result_is_an_empty_graph_and_says_so() {
    let empty = br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
    let out = run(&["render", "-i", "-", "-f", "dot"], empty);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("the graph is empty"), "{err}");
    assert!(graphviz_svg(&out.stdout).is_none_or(|svg| svg.contains("no edges")));
    let ours = run(&["render", "-i", "-"], empty);
    assert!(String::from_utf8_lossy(&ours.stdout).contains("No edges"));
    rsvg_png(&ours.stdout);
}

#[test]
fn a_failed_run_leaves_the_output_file_untouched_and_a_good_one_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("graph.dot");
    std::fs::write(&target, "precious").unwrap();
    let t = target.to_str().unwrap();
    for args in [
        vec!["render", "-i", "-", "-o", t],
        vec!["render", "--demo", "--focus", "nobody", "-o", t],
        vec!["render", "--demo", "--name", "(", "-o", t],
    ] {
        let out = run(&args, b"{\"status\":\"error\",\"error\":\"boom\"}");
        assert!(!out.status.success(), "{args:?}");
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "precious",
            "{args:?}"
        );
    }
    let out = run(&["render", "--demo", "-o", t], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .starts_with("digraph")
    );
    // Nothing but the output is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    let unknown = run(
        &[
            "render",
            "--demo",
            "-o",
            dir.path().join("g.png").to_str().unwrap(),
        ],
        b"",
    );
    assert!(
        stderr(&unknown).contains("cannot tell the format"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn query_prints_escaped_promql() {
    let out = run(
        &[
            "query",
            "--cluster",
            "a\"} or vector(1) #",
            "--namespace",
            "shop",
            "-l",
            "job=~\"otel.*\"",
            "--at",
            "2026-11-24T17:00:00Z",
        ],
        b"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        "# evaluated at 2026-11-24T17:00:00Z (time=1795539600)\n\
         # requests per second\n\
         sum by (client, client_address, server, server_address, namespace) \
         (rate(traces_service_graph_request_total{cluster=\"a\\\"} or vector(1) #\", \
         job=~\"otel.*\", namespace=\"shop\"}[5m])) > 0\n"
    );
    let bad = run(&["query", "--window", "5 minutes"], b"");
    assert!(stderr(&bad).contains("is not a window"), "{}", stderr(&bad));
}

#[test]
fn a_custom_schema_file_is_used_without_recompiling() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("mine.toml");
    std::fs::write(
        &schema,
        "name = \"mine\"\nrequests = \"calls_total\"\n\
         [client]\nname = [\"from\"]\nkind = \"service\"\n\
         [server]\nname = [\"to\"]\nkind = \"service\"\n",
    )
    .unwrap();
    let response = prometheus_response(&[(&[("from", "a"), ("to", "b")], "3")]);
    let s = schema.to_str().unwrap();
    let out = run(
        &["render", "-i", "-", "--schema", s, "-f", "json"],
        response.as_bytes(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["edges"][0]["source"], "a");
    let query = run(&["query", "--schema", s], b"");
    assert!(String::from_utf8_lossy(&query.stdout).contains("rate(calls_total[5m])"));

    // Every preset printed by `schemas --show` is a valid schema file.
    let shown = run(&["schemas", "--show", "istio"], b"");
    std::fs::write(&schema, &shown.stdout).unwrap();
    let out = run(&["query", "--schema", s], b"");
    assert!(String::from_utf8_lossy(&out.stdout).contains("istio_requests_total"));
}

#[test]
fn a_closed_pipe_ends_quietly() {
    // Large enough that the output cannot fit in the pipe buffer.
    let series: Vec<(Vec<(String, String)>, String)> = (0..3000)
        .map(|i| {
            (
                vec![
                    ("client".into(), format!("c{i}")),
                    ("server".into(), format!("s{i}")),
                ],
                "1".into(),
            )
        })
        .collect();
    let borrowed: Vec<Vec<(&str, &str)>> = series
        .iter()
        .map(|(l, _)| l.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
        .collect();
    let rows: Vec<(&[(&str, &str)], &str)> = borrowed.iter().map(|l| (l.as_slice(), "1")).collect();
    let input = prometheus_response(&rows);
    let mut child = svcgraph()
        .args(["render", "-q", "-i", "-", "-f", "dot"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn a_baseline_marks_new_gone_and_changed_edges_in_every_format() {
    let yesterday = sample("examples/data/shop-yesterday.snapshot.json");
    let yesterday = yesterday.to_str().unwrap();
    let compare = ["render", "--demo", "--baseline", yesterday];
    let out = run(&[&compare[..], &["-f", "json"]].concat(), b"");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 new, 1 gone, 3 changed, 19 unchanged edges"),
        "{}",
        stderr(&out)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let edge = |s: &str, t: &str| {
        doc["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["source"] == s && e["target"] == t)
            .unwrap_or_else(|| panic!("{s} -> {t}"))["diff"]
            .clone()
    };
    assert_eq!(
        edge("payments/payment", "payments/fraud-detection")["change"],
        "new"
    );
    let gone = edge("shop/checkout", "shop/tax");
    assert_eq!(gone["change"], "gone");
    assert_eq!(gone["before"]["requests_per_second"], 3.8);
    let moved = |s: &str, t: &str| edge(s, t)["moved"].clone();
    assert_eq!(
        moved("shop/frontend", "shop/ad"),
        serde_json::json!(["error_ratio"])
    );
    assert_eq!(
        moved("shop/checkout", "payments/payment"),
        serde_json::json!(["p95"])
    );
    assert_eq!(
        moved("shop/frontend", "shop/recommendation"),
        serde_json::json!(["rate"])
    );
    assert_eq!(edge("shop/frontend", "shop/cart")["change"], "same");
    let node = |id: &str| {
        doc["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == id)
            .unwrap()["diff"]
            .clone()
    };
    assert_eq!(node("payments/fraud-detection"), "new");
    assert_eq!(node("shop/tax"), "gone");
    assert!(node("shop/frontend").is_null());

    // The comparison survives a round trip through its JSON, byte for byte.
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("compared.json");
    std::fs::write(&json, &out.stdout).unwrap();
    let again = run(&["render", "-i", json.to_str().unwrap(), "-f", "json"], b"");
    assert_eq!(again.stdout, out.stdout);

    // SVG: classes, the previous numbers and the legend; a real renderer draws it.
    let svg = run(&compare, b"");
    let svg_text = String::from_utf8(svg.stdout.clone()).unwrap();
    assert_eq!(
        svg_text.matches(r#"data-diff="new""#).count(),
        2,
        "edge and node"
    );
    assert_eq!(
        svg_text.matches(r#"data-diff="gone""#).count(),
        2,
        "edge and node"
    );
    assert_eq!(svg_text.matches(r#"data-diff="changed""#).count(), 3);
    // A label of two parts or more on two lines: "gone", then the rate it had.
    assert!(
        svg_text.contains(">gone<tspan") && svg_text.contains(">was 3.80 req/s</tspan>"),
        "{svg_text}"
    );
    assert!(svg_text.contains("6.1% err (+5.9 pp)"));
    assert!(svg_text.contains("p95 310 ms (+158%)"));
    assert!(svg_text.contains("21.7 req/s (+171%)"));
    rsvg_png(&svg.stdout);

    // DOT: Graphviz draws the gone edge dashed and the rest as before.
    let dot = run(&[&compare[..], &["-f", "dot"]].concat(), b"");
    let dot_text = String::from_utf8(dot.stdout.clone()).unwrap();
    let gone_line = dot_text
        .lines()
        .find(|l| l.contains(r#""shop/checkout" -> "shop/tax""#))
        .unwrap();
    assert!(gone_line.contains("style=dashed"), "{gone_line}");
    graphviz_svg(&dot.stdout);

    // Thresholds decide what counts as changed.
    let lax = run(
        &[&compare[..], &["-f", "json", "--error-change", "10%"]].concat(),
        b"",
    );
    assert!(stderr(&lax).contains("2 changed"), "{}", stderr(&lax));
}

#[test]
fn a_bad_baseline_or_threshold_fails_without_touching_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("graph.svg");
    std::fs::write(&target, "keep me").unwrap();
    let target = target.to_str().unwrap();
    let missing = dir.path().join("missing.json");
    let out = run(
        &[
            "render",
            "--demo",
            "--baseline",
            missing.to_str().unwrap(),
            "-o",
            target,
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("missing.json") && err.lines().count() == 1,
        "{err}"
    );
    let garbled = dir.path().join("garbled.json");
    std::fs::write(&garbled, "{\"status\":\"success\",\"data\":").unwrap();
    let out = run(
        &[
            "render",
            "--demo",
            "--baseline",
            garbled.to_str().unwrap(),
            "-o",
            target,
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("the baseline"), "{}", stderr(&out));
    let out = run(&["render", "--demo", "--rate-change=-5", "-o", target], b"");
    assert!(!out.status.success());
    assert_eq!(std::fs::read_to_string(target).unwrap(), "keep me");
}

#[test]
fn labels_left_out_for_size_are_announced_with_the_way_to_force_them() {
    let names: Vec<(String, String)> = (0..1001)
        .map(|i| (format!("caller-{}", i % 40), format!("callee-{i}")))
        .collect();
    let big = calls_response(&names);
    let out = run(&["render", "-i", "-"], big.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("edge labels left out") && err.contains("--edge-labels always"),
        "{err}"
    );
    let forced = run(
        &["render", "-i", "-", "--edge-labels", "always"],
        big.as_bytes(),
    );
    assert!(!stderr(&forced).contains("edge labels left out"));
    // Under the limit nothing is said.
    let small = run(&["render", "--demo"], b"");
    assert!(!stderr(&small).contains("edge labels left out"));
}

#[test]
fn labels_without_room_on_a_graph_of_many_calls_are_counted_in_the_note_and_the_legend() {
    // 320 calls between 40 callers and 40 callees, each caller calling eight: too many
    // lines between two layers for every label to find a place beside its own.
    let names: Vec<(String, String)> = (0..40)
        .flat_map(|c| {
            (0..8).map(move |k| {
                (
                    format!("caller-{c}"),
                    format!("callee-{}", (c * 7 + k * 5) % 40),
                )
            })
        })
        .collect();
    let calls = calls_response(&names);
    let out = run(&["render", "-i", "-", "--stats"], calls.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let left_out: usize = err
        .split(" edge labels without room beside their lines left out")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no note of labels left out: {err}"));
    assert!(err.contains("--edge-labels always"), "{err}");
    assert!(
        err.contains(&format!("{left_out} labels left out")),
        "{err}"
    );
    let svg = String::from_utf8(out.stdout).unwrap();
    let shown = 320 - left_out;
    assert!(
        svg.contains(&format!("labels on {shown} of 320 calls")),
        "the legend counts the labels drawn"
    );
    assert_eq!(edge_texts(&svg), shown);
    // Asked for every label, every call gets one, and nothing is said.
    let every = run(
        &["render", "-i", "-", "--edge-labels", "always"],
        calls.as_bytes(),
    );
    assert!(every.status.success());
    assert!(!stderr(&every).contains("without room"));
    let svg = String::from_utf8(every.stdout).unwrap();
    assert!(!svg.contains("labels on "));
    assert_eq!(edge_texts(&svg), 320);
}

/// A Prometheus response of one series per (client, server) pair, 1.5 requests a second.
fn calls_response(names: &[(String, String)]) -> String {
    let labels: Vec<[(&str, &str); 2]> = names
        .iter()
        .map(|(c, s)| [("client", c.as_str()), ("server", s.as_str())])
        .collect();
    let series: Vec<(&[(&str, &str)], &str)> = labels.iter().map(|l| (&l[..], "1.5")).collect();
    prometheus_response(&series)
}

/// Texts among the edges of an SVG picture: their labels.
fn edge_texts(svg: &str) -> usize {
    let from = svg.find("<g class=\"edges\">").expect("edges");
    let to = svg.find("<g class=\"nodes\">").expect("nodes");
    svg[from..to].matches("<text ").count()
}

#[test]
fn thresholds_are_fractions_or_percentages() {
    let yesterday = sample("examples/data/shop-yesterday.snapshot.json");
    let compare = |threshold: &str| {
        let out = run(
            &[
                "render",
                "--demo",
                "--baseline",
                yesterday.to_str().unwrap(),
                "-f",
                "json",
                "--error-change",
                threshold,
            ],
            b"",
        );
        assert!(out.status.success(), "{threshold}: {}", stderr(&out));
        let notes = stderr(&out);
        (out.stdout, notes)
    };
    // The library's and the Python package's unit, and the same as a percentage.
    let (fraction, notes) = compare("0.1");
    assert_eq!(compare("10%").0, fraction);
    assert!(notes.contains("2 changed"), "{notes}");
    assert_ne!(compare("0.001").0, fraction);
    for bad in ["-0.5", "ten", "5%%", "inf"] {
        let out = run(&["render", "--demo", &format!("--rate-change={bad}")], b"");
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&out).contains("is not a threshold"),
            "{bad}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn library_errors_gain_the_flag_that_answers_them() {
    // No preset fits these labels: the CLI names --schema, the library does not.
    let odd = prometheus_response(&[(&[("from", "a"), ("to", "b")], "1")]);
    let out = run(&["render", "-i", "-"], odd.as_bytes());
    let err = stderr(&out);
    assert!(err.contains("no schema preset fits the labels"), "{err}");
    assert!(err.contains("--schema"), "{err}");
    // Series filters on a graph document.
    let doc = run(&["render", "--demo", "-f", "json"], b"").stdout;
    let out = run(&["render", "-i", "-", "--cluster", "prod"], &doc);
    let err = stderr(&out);
    assert!(err.contains("a graph document has none left"), "{err}");
    assert!(err.contains("--namespace, --name or --exclude"), "{err}");
    // A detected schema is a note on standard error.
    let seed = sample("crates/svcgraph-core/tests/fixtures/seed.json");
    let out = run(&["render", "-i", seed.to_str().unwrap(), "-f", "dot"], b"");
    assert!(
        stderr(&out).contains("schema `gmp-beyla` fits the input's labels"),
        "{}",
        stderr(&out)
    );
}

/// The flags listed under each heading of `--help` (`Heading:` lines, then indented flags).
fn help_sections(help: &str) -> Vec<(String, Vec<String>)> {
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for line in help.lines() {
        if let Some(heading) = line.strip_suffix(':').filter(|h| !h.starts_with(' ')) {
            sections.push((heading.to_owned(), Vec::new()));
        } else if let Some((_, flags)) = sections.last_mut() {
            let trimmed = line.trim_start();
            // A flag line starts with `-x, --long` or `--long`; wrapped help text does not
            // start at the flag column.
            let indent = line.len() - trimmed.len();
            if trimmed.starts_with('-') && indent <= 6 {
                let long = trimmed
                    .split([' ', ','])
                    .find(|w| w.starts_with("--"))
                    .unwrap_or(trimmed);
                let short = trimmed
                    .split([' ', ','])
                    .find(|w| w.len() == 2 && w.starts_with('-'));
                flags.push(short.map_or_else(|| long.to_owned(), |s| format!("{s} {long}")));
            }
        }
    }
    sections
}

#[test]
fn every_flag_of_render_is_listed_under_its_own_heading() {
    let out = run(&["render", "--help"], b"");
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    let sections = help_sections(&help);
    let heading_of = |flag: &str| {
        sections
            .iter()
            .find(|(_, flags)| flags.iter().any(|f| f.split(' ').any(|w| w == flag)))
            .map_or_else(
                || panic!("{flag} is not in the help: {help}"),
                |(h, _)| h.as_str(),
            )
    };
    for (flag, heading) in [
        ("--input", "Input"),
        ("--schema", "Input"),
        ("--url", "Prometheus"),
        ("--max-response-size", "Prometheus"),
        ("--project-id", "Google Cloud"),
        ("--window", "Time"),
        ("--at", "Time"),
        ("--cluster", "Filters"),
        ("-l", "Filters"),
        ("--aggregate", "Transforms"),
        ("--focus", "Transforms"),
        ("--depth", "Transforms"),
        ("--baseline", "Comparison"),
        ("--p95-change", "Comparison"),
        ("-o", "Output"),
        ("-f", "Output"),
        ("-q", "Output"),
        ("--stats", "Output"),
    ] {
        assert_eq!(heading_of(flag), heading, "{flag}\n{help}");
    }
    for command in [&["fetch", "--help"][..], &["query", "--help"]] {
        let out = run(command, b"");
        let help = String::from_utf8(out.stdout).unwrap();
        let sections = help_sections(&help);
        let output = sections.iter().find(|(h, _)| h == "Output").unwrap();
        assert!(
            output
                .1
                .iter()
                .all(|f| ["-o --output", "-q --quiet", "--json"].contains(&f.as_str())),
            "{command:?}: {help}"
        );
    }
}

#[test]
fn only_the_top_level_command_has_a_version() {
    let out = run(&["--version"], b"");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("svcgraph {}\n", env!("CARGO_PKG_VERSION"))
    );
    let out = run(&["render", "--version"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("svcgraph-render"));
}

#[test]
fn errors_name_the_users_output_path_not_the_temporary_file() {
    let out = run(
        &["render", "--demo", "-o", "/nonexistent/dir/graph.svg"],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(
        message.starts_with("svcgraph: error: cannot write /nonexistent/dir/graph.svg: "),
        "{message}"
    );
    assert!(!message.contains(".svcgraph-"), "{message}");
}

#[test]
fn a_mistyped_focus_suggests_the_nearest_names() {
    let out = run(&["render", "--demo", "--focus", "chekout"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no node is named `chekout`; did you mean `checkout`?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn dash_as_output_means_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = svcgraph()
        .current_dir(dir.path())
        .args(["render", "--demo", "-f", "dot", "-o", "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.starts_with(b"digraph"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    assert!(!stderr(&out).contains("wrote"), "{}", stderr(&out));
}

#[test]
fn counts_agree_with_their_nouns() {
    let one = prometheus_response(&[(&[("client", "a"), ("server", "b")], "1.5")]);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("g.json");
    let out = run(
        &[
            "render",
            "-i",
            "-",
            "--schema",
            "servicegraph",
            "-o",
            target.to_str().unwrap(),
        ],
        one.as_bytes(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("(2 nodes, 1 edge)"),
        "{}",
        stderr(&out)
    );
    // The picture's own description too.
    let svg = run(
        &["render", "-i", "-", "--schema", "servicegraph"],
        one.as_bytes(),
    );
    assert!(
        String::from_utf8_lossy(&svg.stdout)
            .contains(r#"aria-label="Service graph: 2 nodes, 1 edge""#)
            && String::from_utf8_lossy(&svg.stdout)
                .contains("<title>Service graph: 2 nodes, 1 edge</title>"),
        "{}",
        String::from_utf8_lossy(&svg.stdout)
    );
    let out = run(
        &[
            "render",
            "--demo",
            "--focus",
            "checkout",
            "--depth",
            "0",
            "-o",
            target.to_str().unwrap(),
        ],
        b"",
    );
    assert!(
        stderr(&out).contains("(1 node, 0 edges)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn completions_source_in_bash_and_exist_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(&["completions", shell], b"");
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(
            script.contains("svcgraph") && script.contains("render"),
            "{shell}"
        );
        assert!(script.contains("max-response-size"), "{shell}");
    }
    // Sourcing defines the completion function and registers it; asking it to complete
    // `svcgraph ren` offers `render`.
    assert_eq!(bash_completes(&["svcgraph", "ren"]), ["render"]);
}

/// What the bash completion script offers for the last of `words` (sorted).
fn bash_completes(words: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("svcgraph.bash");
    std::fs::write(&script, run(&["completions", "bash"], b"").stdout).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let line = words.join(" ");
    let (last, previous) = (words[words.len() - 1], words[words.len() - 2]);
    let check = format!(
        "source {}; complete -p svcgraph >/dev/null && \
         COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT={}; \
         _svcgraph svcgraph '{last}' '{previous}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        line.len(),
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &check])
        .output()
        .expect("bash");
    assert!(out.status.success(), "{}", stderr(&out));
    let mut offered: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    offered.sort();
    offered
}

/// A manual page as groff types it on a terminal (`None` when groff is not installed and not
/// required); groff must take it without a warning.
fn typeset(roff: &[u8]) -> Option<String> {
    if !tools::available("groff", "groff-base") {
        return None;
    }
    let checked = common::piped(
        Command::new("groff").args(["-man", "-Tutf8", "-ww", "-z"]),
        roff,
    );
    assert!(checked.status.success(), "{}", stderr(&checked));
    assert_eq!(stderr(&checked), "", "groff warnings");
    let typed = common::piped(
        Command::new("groff").args(["-man", "-Tutf8", "-rLL=200n", "-rHY=0"]),
        roff,
    );
    let typed = String::from_utf8_lossy(&typed.stdout).into_owned();
    // The terminal device prints bold as `N\bN`: keep the printed characters.
    let mut page = String::new();
    for c in typed.chars() {
        if c == '\u{8}' {
            page.pop();
        } else {
            page.push(c);
        }
    }
    Some(page)
}

/// The long options `svcgraph ARGS --help` lists.
fn long_options(args: &[&str]) -> Vec<String> {
    let out = run(&[args, &["--help"]].concat(), b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let help = String::from_utf8(out.stdout).unwrap();
    let mut options: Vec<String> = help
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let start = line
                .find("--")
                .filter(|&i| i == 0 || line.starts_with('-'))?;
            let name: String = line[start..]
                .chars()
                .take_while(|c| *c == '-' || c.is_ascii_alphanumeric())
                .collect();
            (name.len() > 2).then_some(name)
        })
        .collect();
    options.sort();
    options.dedup();
    options
}

#[test]
fn a_manual_page_per_subcommand_lists_its_options() {
    let top = run(&["man"], b"");
    assert!(top.status.success(), "{}", stderr(&top));
    assert!(top.stdout.starts_with(b".ie") || top.stdout.starts_with(b".TH"));
    if let Some(page) = typeset(&top.stdout) {
        for text in [
            "NAME",
            "svcgraph",
            "SUBCOMMANDS",
            "svcgraph-render(1)",
            "completions",
        ] {
            assert!(page.contains(text), "{text}: {page}");
        }
    }
    // Every subcommand, as `man` names the values it takes.
    let refused = run(&["man", "nonesuch"], b"");
    assert_eq!(refused.status.code(), Some(2));
    let refused = stderr(&refused);
    let listed = refused
        .split_once("possible values: ")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map_or_else(|| panic!("{refused}"), |(list, _)| list);
    let subcommands: Vec<&str> = listed.split(", ").collect();
    assert!(
        subcommands.len() >= 7 && subcommands.contains(&"render"),
        "{refused}"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["man", "--out-dir", dir.path().to_str().unwrap()], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let mut written: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    written.sort();
    let mut expected: Vec<String> = subcommands
        .iter()
        .map(|c| format!("svcgraph-{c}.1"))
        .chain(["svcgraph.1".to_owned()])
        .collect();
    expected.sort();
    assert_eq!(written, expected);
    assert_eq!(
        std::fs::read(dir.path().join("svcgraph.1")).unwrap(),
        top.stdout
    );

    for &command in &subcommands {
        let out = run(&["man", command], b"");
        assert!(out.status.success(), "{command}: {}", stderr(&out));
        let file = std::fs::read(dir.path().join(format!("svcgraph-{command}.1"))).unwrap();
        assert_eq!(out.stdout, file, "{command}");
        let Some(page) = typeset(&out.stdout) else {
            continue;
        };
        let words: Vec<&str> = page.split_whitespace().collect();
        let name = [format!("svcgraph-{command}"), "-".to_owned()];
        assert!(words.windows(2).any(|w| w == name), "{command}: {page}");
        let options = long_options(&[command]);
        assert!(!options.is_empty(), "{command}");
        for option in options {
            assert!(
                page.contains(&option),
                "{command}: {option} missing from the page"
            );
        }
    }
}

#[test]
fn schema_completion_offers_the_presets() {
    assert_eq!(
        bash_completes(&["svcgraph", "render", "--schema", ""]),
        [
            "auto",
            "beyla",
            "gmp-beyla",
            "istio",
            "linkerd",
            "servicegraph"
        ]
    );
}

#[test]
fn xml_invalid_characters_in_names_give_dot_graphviz_draws_as_valid_xml() {
    let hostile = prometheus_response(&[(
        &[
            ("client", "a\u{FFFE}b\u{FFFF}\u{1}"),
            ("server", "c\u{FDD0}\u{1FFFF}d"),
        ],
        "2",
    )]);
    let out = run(
        &["render", "-i", "-", "--schema", "servicegraph", "-f", "dot"],
        hostile.as_bytes(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    if let Some(drawn) = graphviz_svg(&out.stdout) {
        let options = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..roxmltree::ParsingOptions::default()
        };
        roxmltree::Document::parse_with_options(&drawn, options)
            .unwrap_or_else(|e| panic!("{e}: {drawn}"));
    }
    let ours = run(
        &["render", "-i", "-", "--schema", "servicegraph", "-f", "svg"],
        hostile.as_bytes(),
    );
    roxmltree::Document::parse(std::str::from_utf8(&ours.stdout).unwrap()).unwrap();
    let json = run(
        &[
            "render",
            "-i",
            "-",
            "--schema",
            "servicegraph",
            "-f",
            "json",
        ],
        hostile.as_bytes(),
    );
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(node_fields(&doc, "name").contains(&"a\u{FFFE}b\u{FFFF}\u{1}"));
}

#[test]
fn an_html_page_from_the_format_flag_or_the_extension() {
    let out = run(&["render", "--demo", "-f", "html", "--rankdir", "tb"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
    assert!(
        page.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';")
    );
    // The demo's three namespaces are boxed, and the render flags reach the drawing.
    for ns in ["payments", "shop", "tools"] {
        assert!(
            page.contains(&format!("<g class=\"group\" data-namespace=\"{ns}\">")),
            "{ns}"
        );
    }
    assert_eq!(
        page,
        String::from_utf8(run(&["render", "--demo", "-f", "html", "--rankdir", "tb"], b"").stdout)
            .unwrap()
    );
    let lr = run(&["render", "--demo", "-f", "html"], b"");
    assert_ne!(lr.stdout, page.as_bytes(), "--rankdir changes the drawing");

    let dir = tempfile::tempdir().unwrap();
    for name in ["view.html", "VIEW.HTM"] {
        let path = dir.path().join(name);
        let out = run(
            &["render", "--demo", "-q", "-o", path.to_str().unwrap()],
            b"",
        );
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(std::fs::read(&path).unwrap(), lr.stdout, "{name}");
    }
    let stats = run(&["render", "--demo", "-f", "html", "--stats"], b"");
    assert!(
        stderr(&stats).contains("svcgraph: layout: 19 nodes, 23 edges"),
        "{}",
        stderr(&stats)
    );
}

/// `--link`: a template that is not an http(s) URL, or that names an unknown placeholder, is a
/// usage error (status 2) on render and serve alike; a format that cannot carry links is
/// refused; the html page carries the checked template.
#[test]
fn link_templates_are_checked_as_flags() {
    for command in ["render", "serve"] {
        for (link, why) in [
            (
                "Run=javascript:alert(1)",
                "must be an http:// or https:// URL",
            ),
            (
                "Img=data:text/html,<b>x</b>",
                "must be an http:// or https:// URL",
            ),
            (
                "Typo=https://x.example/{servce}",
                "unknown placeholder {servce}",
            ),
            ("https://x.example/{service}", "a link is written NAME=URL"),
            ("=https://x.example/{service}", "has no name"),
            ("Mix=https://x.example/{service}?c={client}", "mixes"),
        ] {
            let source = if command == "render" {
                "--demo"
            } else {
                "--snapshots=."
            };
            let out = run(&[command, source, "--link", link], b"");
            assert_eq!(
                out.status.code(),
                Some(2),
                "{command} {link}: {}",
                stderr(&out)
            );
            let err = stderr(&out);
            assert!(
                err.contains("--link") && err.contains(why),
                "{command} {link}: {err}"
            );
        }
    }
    let good = "Traces=https://grafana.example/explore?service={service}&from={from}&to={to}";
    let out = run(&["render", "--demo", "-f", "svg", "--link", good], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("only the html format carries them"),
        "{}",
        stderr(&out)
    );
    let out = run(
        &[
            "render",
            "--demo",
            "-f",
            "html",
            "--link",
            good,
            "--link",
            "Call=http://t.example/{client}/{server}",
        ],
        b"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(
        page.contains(r#""links":[{"name":"Traces","target":"node","parts":[{"text":"https://grafana.example/explore?service="},{"value":"service"},{"text":"\u0026from="},{"value":"from"},{"text":"\u0026to="},{"value":"to"}]},{"name":"Call","target":"call""#),
        "{page}"
    );
    // The demo snapshot records its moment (2026-11-24T17:00:00Z, 5m): the links' window.
    assert!(
        page.contains(r#""window":[1795539300000,1795539600000]"#),
        "{page}"
    );
    // A graph document records none: the page takes the hour before the click.
    let doc = run(&["render", "--demo", "-f", "json"], b"").stdout;
    let out = run(
        &["render", "--input", "-", "-f", "html", "--link", good],
        &doc,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !String::from_utf8(out.stdout)
            .unwrap()
            .contains(r#""window":"#)
    );
}
