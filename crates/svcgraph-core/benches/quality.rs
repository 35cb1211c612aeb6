//! Quality benchmark: our drawing against Graphviz `dot -Tsvg`, in the same run on the same
//! graph, measured on both SVG documents read the same way.
//!
//! ```sh
//! cargo bench -p svcgraph-core --bench quality             # everything (about 5 minutes)
//! cargo bench -p svcgraph-core --bench quality -- mesh     # graphs whose name contains "mesh"
//! cargo bench -p svcgraph-core --bench quality -- mesh sock # … "mesh" or "sock"
//! SVCGRAPH_QUALITY_SEED=123 cargo bench ...                # the graphs of an earlier run
//! SVCGRAPH_QUALITY_GRAPHS=5 cargo bench ...                # graphs per family and class (3)
//! SVCGRAPH_QUALITY_CLASSES=60,150 cargo bench ...          # other size classes
//! SVCGRAPH_QUALITY_LABELS=off cargo bench ...              # ours without rate labels
//! SVCGRAPH_QUALITY_ORTHOGONAL=1 cargo bench ...            # ours with orthogonal edges
//! SVCGRAPH_BENCH_TIMEOUT=60 cargo bench ...                # dot's timeout, seconds (20)
//! SVCGRAPH_GALLERY=/tmp/g cargo bench ...                  # also write the drawings (below)
//! ```
//!
//! With `SVCGRAPH_GALLERY=DIR` each graph's measured pair goes to `DIR/NAME.ours.svg` and
//! `DIR/NAME.dot.svg`, and the graph as users get it to `DIR/NAME.default.svg` (`to_svg` with
//! default options: what `svcgraph render` draws) and `DIR/NAME.default.dot` (`to_dot` with
//! default options: what `svcgraph render -f dot` writes), for `scripts/gallery.sh`, and the
//! graph document to `DIR/NAME.json` (`svcgraph render -i` draws it again).
//!
//! Graphs: seven generated families (`quality/families.rs`), each at the size classes 30,
//! 45, 60, 100 and 300 services, several graphs per class, each from a fresh seed with the
//! family's knobs (calls per service, hub share, back-call share, layering) drawn at random
//! (`quality/sweep.rs`; the run's seed is printed first); the published microservice
//! topologies written out in `examples/data/topologies/`; and the bundled samples (the demo
//! shop, the GKE pod-level and seed fixtures), read the way `svcgraph render -i` reads them.
//!
//! Both drawings are left to right. Ours is `to_svg` with its rate labels (what users see;
//! `SVCGRAPH_QUALITY_LABELS=off` leaves them out) and no legend; dot gets our DOT with the
//! edge labels taken out (as in the layout benchmark: labels double dot's ranks). The
//! namespace family is drawn with namespace boxes by both (our `Grouping::Namespace`, dot's
//! clusters). Then, from each SVG (see `quality/drawing.rs` for how it is read,
//! `quality/metrics.rs` and `quality/labels.rs` for the exact definitions):
//! * **crossings** of edges that share no end node (each crossing point counts);
//! * **overlap %**: share of the edge length within 1.5 px of an edge sharing no end node;
//! * **area** (`width` × `height` of the SVG as drawn; our px and dot's pt are the same size
//!   on screen) and **aspect** (width / height);
//! * **length**: total edge length; **turns**: total turning in right angles, per edge;
//! * **label collisions** (ours): label boxes overlapping a node, another label, or the line
//!   of another call; labels **nearer another call's line** than their own (a reader
//!   takes them for that call's); and **labels (of calls)**: labels drawn, and calls drawn
//!   (`to_svg` leaves out labels without room beside their lines where rooms of their own
//!   would grow the drawing too much: see `EdgeLabels::Auto`);
//! * **reversed**: ours, the edges our SVG marks `reversed`; dot's, the edges whose line
//!   ends no further right than it starts;
//! * **time**: ours, the median of in-process `to_svg` runs (layout and SVG text); dot's, the
//!   wall time of the whole `dot -Tsvg` process, killed at the timeout.
//!
//! Per graph, per family and per size class: sums over the graphs, and per class the worst
//! decile of the per-graph crossing ratio; then where our drawing is worse than dot's.

#[path = "common/mod.rs"]
mod common;
#[path = "quality/drawing.rs"]
mod drawing;
#[path = "quality/families.rs"]
mod families;
#[path = "quality/labels.rs"]
mod labels;
#[path = "quality/metrics.rs"]
mod metrics;
#[path = "quality/report.rs"]
mod report;
#[path = "quality/sweep.rs"]
mod sweep;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use common::{median, plain_dot_with, service_graph, timed, timeout};
use drawing::read_svg;
use labels::{LabelHits, label_collisions};
use metrics::{bends, crossings, edge_length, overlap, reversed_geometric, turns};
use svcgraph_core::ServiceGraph;
use svcgraph_core::render::Grouping;
use svcgraph_core::render::dot::{DotOptions, to_dot};
use svcgraph_core::render::json::to_json;
use svcgraph_core::render::svg::{EdgeLabels, SvgOptions, to_svg};

/// One graph to draw both ways.
#[derive(Debug)]
struct Case {
    name: String,
    /// The generated family and size class, `None` for real topologies and samples.
    family: Option<(&'static str, usize)>,
    /// The generated graph's knobs.
    knobs: Option<String>,
    graph: ServiceGraph,
    group: Grouping,
}

/// Measures of one drawing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quality {
    pub crossings: u64,
    /// Edge length within reach of an edge sharing no end node.
    pub near: f64,
    pub length: f64,
    pub bends: u64,
    /// Total turning, in right angles.
    pub turns: f64,
    /// Edges drawn.
    pub lines: usize,
    pub reversed: u64,
    /// Label collisions (labelled drawings only).
    pub labels: LabelHits,
    pub width: f64,
    pub height: f64,
    /// Seconds: ours the in-process median, dot's the whole process.
    pub secs: f64,
}

impl Quality {
    pub fn area(&self) -> f64 {
        self.width * self.height
    }
}

/// A measured case: ours, and dot's when it finished.
#[derive(Debug)]
pub struct Row {
    pub name: String,
    /// The generated family and size class, `None` for real topologies and samples.
    pub family: Option<(&'static str, usize)>,
    /// The generated graph's knobs.
    pub knobs: Option<String>,
    pub nodes: usize,
    pub edges: usize,
    pub ours: Quality,
    pub dot: Option<Quality>,
}

fn generated_cases(seed: u64, classes: &[usize], per_class: usize) -> Vec<Case> {
    sweep::sweep(seed, classes, per_class)
        .into_iter()
        .map(|generated| {
            let graph = service_graph(&generated.shape);
            let (graph, group) = match &generated.namespaces {
                Some(names) => {
                    let graph = graph.map_nodes(|node| {
                        let mut node = node.clone();
                        let index = node.name.strip_prefix("svc-").and_then(|i| i.parse().ok());
                        node.namespace = index.and_then(|i: usize| names.get(i).cloned());
                        node
                    });
                    (graph, Grouping::Namespace)
                }
                None => (graph, Grouping::None),
            };
            Case {
                name: generated.shape.name.clone(),
                family: Some((generated.family, generated.class)),
                knobs: Some(generated.knobs),
                graph,
                group,
            }
        })
        .collect()
}

/// A saved input as `svcgraph render -i` reads it: a graph document, a snapshot with its
/// schema, or a bare Prometheus response with the schema that fits its labels.
fn load(path: &Path) -> Result<ServiceGraph, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    svcgraph_core::load(&bytes)
        .map(|loaded| loaded.graph)
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn file_cases() -> Vec<Case> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(data.join("topologies"))
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|x| x == "json"));
    paths.sort();
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for sample in [
        "svcgraph-cli/data/shop.snapshot.json",
        "svcgraph-core/tests/fixtures/gke-pods.json",
        "svcgraph-core/tests/fixtures/seed.json",
    ] {
        paths.push(crates.join(sample));
    }
    paths
        .into_iter()
        .filter_map(|path| match load(&path) {
            Ok(graph) => Some(Case {
                name: path
                    .file_name()
                    .map(|f| f.to_string_lossy().trim_end_matches(".json").to_owned())
                    .unwrap_or_default(),
                family: None,
                knobs: None,
                graph,
                group: Grouping::None,
            }),
            Err(e) => {
                eprintln!("quality: left out {e}");
                None
            }
        })
        .collect()
}

fn measure(drawn: &str, ours: bool) -> Result<Quality, String> {
    let d = read_svg(drawn)?;
    let (near, _) = overlap(&d.edges);
    Ok(Quality {
        crossings: crossings(&d.edges),
        near,
        length: edge_length(&d.edges),
        bends: bends(&d.edges),
        turns: turns(&d.edges),
        lines: d.edges.len(),
        reversed: if ours {
            d.marked_reversed
        } else {
            reversed_geometric(&d.edges)
        },
        labels: label_collisions(&d),
        width: d.width,
        height: d.height,
        secs: 0.0,
    })
}

/// Timed runs of `to_svg` per graph: the sweep draws many graphs, and the quality figures
/// do not depend on the time.
const RUNS: usize = 5;

/// Median seconds of `to_svg`, and its text.
fn time_ours(graph: &ServiceGraph, options: &SvgOptions) -> (f64, String) {
    let text = to_svg(graph, options).text;
    let runs: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(to_svg(graph, options).text.len());
            start.elapsed().as_secs_f64()
        })
        .collect();
    (median(runs), text)
}

fn file_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// dot's timeout, `SVCGRAPH_BENCH_TIMEOUT` or 20 s: dot takes minutes on the larger meshes
/// (which it then leaves out of the comparison), and the run should stay within minutes.
fn dot_timeout() -> Duration {
    timeout(20)
}

/// Ours with rate labels unless `SVCGRAPH_QUALITY_LABELS` is `off`, `0` or `no`.
fn labelled() -> bool {
    std::env::var("SVCGRAPH_QUALITY_LABELS")
        .map_or(true, |v| !matches!(v.trim(), "off" | "0" | "no" | "false"))
}

fn run_case(case: &Case, scratch: &Path, gallery: Option<&Path>) -> Row {
    let mut options = SvgOptions::default();
    if !labelled() {
        options.edge_labels = EdgeLabels::Never;
    }
    options.no_legend = true;
    if std::env::var_os("SVCGRAPH_QUALITY_ORTHOGONAL").is_some() {
        options.edges = svcgraph_core::layout::EdgeStyle::Orthogonal;
    }
    options.group = case.group;
    let (ours_secs, ours_svg) = time_ours(&case.graph, &options);
    let mut ours = measure(&ours_svg, true).unwrap_or_else(|e| {
        eprintln!("quality: {}: our SVG: {e}", case.name);
        Quality::default()
    });
    ours.secs = ours_secs;
    let dot_file = scratch.join(format!("{}.dot", file_name(&case.name)));
    let mut dot_options = DotOptions::default();
    dot_options.group = case.group;
    let dot_text = plain_dot_with(&case.graph, &dot_options);
    let dot = std::fs::write(&dot_file, dot_text)
        .ok()
        .and_then(|()| {
            timed(
                Command::new("dot").arg("-Tsvg").arg(&dot_file),
                dot_timeout(),
            )
        })
        .and_then(|(took, out)| {
            let svg = String::from_utf8_lossy(&out).into_owned();
            if let Some(dir) = gallery {
                let _ =
                    std::fs::write(dir.join(format!("{}.dot.svg", file_name(&case.name))), &svg);
            }
            match measure(&svg, false) {
                Ok(mut q) => {
                    q.secs = took.as_secs_f64();
                    Some(q)
                }
                Err(e) => {
                    eprintln!("quality: {}: dot's SVG: {e}", case.name);
                    None
                }
            }
        });
    if let Some(dir) = gallery {
        let name = file_name(&case.name);
        let _ = std::fs::write(dir.join(format!("{name}.ours.svg")), &ours_svg);
        let users = to_svg(&case.graph, &SvgOptions::default()).text;
        let _ = std::fs::write(dir.join(format!("{name}.default.svg")), users);
        let dot = to_dot(&case.graph, &DotOptions::default());
        let _ = std::fs::write(dir.join(format!("{name}.default.dot")), dot);
        let _ = std::fs::write(dir.join(format!("{name}.json")), to_json(&case.graph));
    }
    Row {
        name: case.name.clone(),
        family: case.family,
        knobs: case.knobs.clone(),
        nodes: case.graph.node_count(),
        edges: case.graph.edge_count(),
        ours,
        dot,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    // Graphs whose name contains any of the arguments; all without arguments.
    let wanted = |name: &str| args.is_empty() || args.iter().any(|a| name.contains(a.as_str()));
    let settings = (
        sweep::run_seed(),
        sweep::classes(),
        sweep::graphs_per_class(),
    );
    let (seed, classes, per_class) = match settings {
        (Ok(seed), Ok(classes), Ok(per_class)) => (seed, classes, per_class),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            eprintln!("quality: {e}");
            return ExitCode::FAILURE;
        }
    };
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("quality-bench");
    if let Err(e) = std::fs::create_dir_all(&scratch) {
        eprintln!("quality: cannot create {}: {e}", scratch.display());
        return ExitCode::FAILURE;
    }
    let gallery = std::env::var_os("SVCGRAPH_GALLERY").map(PathBuf::from);
    if let Some(dir) = &gallery
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("quality: SVCGRAPH_GALLERY={}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    report::print_header(dot_timeout(), seed, per_class, labelled());
    let mut rows = Vec::new();
    for case in generated_cases(seed, &classes, per_class)
        .into_iter()
        .chain(file_cases())
    {
        if !wanted(&case.name) {
            continue;
        }
        let row = run_case(&case, &scratch, gallery.as_deref());
        report::print_row(&row);
        rows.push(row);
    }
    report::print_classes(&rows);
    report::print_families(&rows);
    report::print_summary(&rows);
    ExitCode::SUCCESS
}
