//! Layout benchmark: svcgraph's layout + SVG against Graphviz `dot -Tsvg` and `layout-rs`,
//! run in the same process tree on the same generated graphs.
//!
//! ```sh
//! cargo bench -p svcgraph-core --bench layout            # everything
//! cargo bench -p svcgraph-core --bench layout -- 300     # graphs whose name contains "300"
//! SVCGRAPH_BENCH_TIMEOUT=30 cargo bench ...              # baseline timeout, seconds (60)
//! ```
//!
//! For each graph it prints our median time over several runs and our peak memory (measured
//! in a child process that builds the graph and draws it once), the baselines' wall time
//! (each in a child process, killed at the timeout) and their ratio to ours, and, where `dot`
//! finishes, quality for both drawings: geometric edge crossings, total edge length, area and
//! aspect ratio. Graphs are generated from fixed seeds, so every run measures the same input.
//! Service-shaped graphs of 1,000 nodes and more are also drawn with namespace boxes (twenty
//! namespaces over consecutive node numbers) and compared with the same graph unboxed.
//!
//! `-- --scale [FILTER]` runs the graphs of 100,000 services and more instead, each drawn
//! once in process and once by the `svcgraph` command under `/usr/bin/time -v` (see
//! `layout/scale.rs`).

mod common;
// The scale run draws graphs from the quality benchmark's families too.
#[allow(dead_code)]
#[path = "quality/families.rs"]
mod families;
#[path = "layout/scale.rs"]
mod scale;

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Rng, Shape, dot_version, median, plain_dot, service_graph, tier_of, timed, timeout};
use svcgraph_core::ServiceGraph;
use svcgraph_core::layout::{LayoutStats, Point, RouteShape};
use svcgraph_core::render::Grouping;
use svcgraph_core::render::svg::{EdgeLabels, SvgOptions, layout_of, to_svg};

/// Service-graph-shaped: tiers of services, each service called from the tier above by a few
/// callers chosen with power-law preference (some services are called by many), about three
/// edges per node, and 1–5 % of edges pointing back up (callbacks, health checks).
fn service_shaped(n: usize, seed: u64) -> Shape {
    let mut rng = Rng(seed);
    let tiers = match n {
        0..=150 => 6,
        151..=500 => 8,
        501..=2000 => 10,
        _ => 12,
    };
    // Tier sizes grow then shrink: few entry points, wide middle, few databases.
    let tier_of = tier_of(n, tiers, 0.3, 0);
    let members: Vec<Vec<usize>> = (0..tiers)
        .map(|t| (0..n).filter(|&v| tier_of[v] == t).collect())
        .collect();
    // Zipf-like pick: index k with weight 1/(k+1), found in the running sums of the weights
    // (one list per length; a linear walk would take minutes at 300,000 services).
    let mut sums: HashMap<usize, Vec<f64>> = HashMap::new();
    let mut zipf = |rng: &mut Rng, len: usize| -> usize {
        let sums = sums.entry(len).or_insert_with(|| {
            (1..=len)
                .scan(0.0, |acc, k| {
                    *acc += 1.0 / k as f64;
                    Some(*acc)
                })
                .collect()
        });
        let target = rng.unit() * sums[len - 1];
        sums.partition_point(|&s| s < target).min(len - 1)
    };
    let mut edges = std::collections::BTreeSet::new();
    let target_edges = 3 * n;
    let upward_share = 0.01 + 0.04 * rng.unit();
    for (v, &t) in tier_of.iter().enumerate() {
        if t > 0 && !members[t - 1].is_empty() {
            let callers = &members[t - 1];
            let caller = callers[zipf(&mut rng, callers.len())];
            edges.insert((caller, v));
        }
    }
    // Downward calls first, then exactly the chosen share of calls back up: drawing both from
    // one loop would skew the share, since concentrated downward picks repeat more often.
    let upward = ((target_edges as f64) * upward_share).round() as usize;
    let mut guard = 0;
    while edges.len() < target_edges - upward && guard < 50 * target_edges {
        guard += 1;
        let v = rng.below(n);
        let t = tier_of[v];
        if t + 1 < tiers {
            // Down one tier mostly, sometimes skipping tiers (a service calling a database).
            let skip = if rng.unit() < 0.8 {
                1
            } else {
                1 + rng.below(tiers - t - 1)
            };
            let down = &members[(t + skip).min(tiers - 1)];
            if !down.is_empty() {
                edges.insert((v, down[zipf(&mut rng, down.len())]));
            }
        }
    }
    while edges.len() < target_edges && guard < 100 * target_edges {
        guard += 1;
        let v = rng.below(n);
        let t = tier_of[v];
        if t > 0 {
            let up = &members[rng.below(t)];
            if !up.is_empty() {
                edges.insert((v, up[rng.below(up.len())]));
            }
        }
    }
    let up_edges = edges
        .iter()
        .filter(|&&(a, b)| tier_of[b] < tier_of[a])
        .count();
    eprintln!(
        "service {n}: {} edges, {:.1} % upward",
        edges.len(),
        100.0 * up_edges as f64 / edges.len() as f64
    );
    Shape {
        name: format!("service {n}"),
        nodes: n,
        edges: edges.into_iter().collect(),
    }
}

fn diamonds(count: usize) -> Shape {
    let mut edges = Vec::new();
    for i in 0..count {
        let (a, b, c, d) = (3 * i, 3 * i + 1, 3 * i + 2, 3 * i + 3);
        edges.extend([(a, b), (a, c), (b, d), (c, d)]);
    }
    Shape {
        name: format!("chain of {count} diamonds"),
        nodes: 3 * count + 1,
        edges,
    }
}

fn hub(callers: usize) -> Shape {
    Shape {
        name: format!("hub with {callers} callers"),
        nodes: callers + 1,
        edges: (1..=callers).map(|c| (c, 0)).collect(),
    }
}

fn three_layers(n: usize, seed: u64) -> Shape {
    let mut rng = Rng(seed);
    let third = n / 3;
    let mut edges = std::collections::BTreeSet::new();
    while edges.len() < 3 * n - 2 * third {
        let layer = rng.below(2);
        let a = layer * third + rng.below(third);
        let b = (layer + 1) * third + rng.below(third);
        edges.insert((a, b));
    }
    Shape {
        name: format!("{n} nodes in 3 layers"),
        nodes: 3 * third,
        edges: edges.into_iter().collect(),
    }
}

fn components(count: usize) -> Shape {
    let mut edges = Vec::new();
    for i in 0..count {
        let b = 5 * i;
        edges.extend([
            (b, b + 1),
            (b, b + 2),
            (b + 1, b + 3),
            (b + 2, b + 3),
            (b + 3, b + 4),
            (b + 4, b),
        ]);
    }
    Shape {
        name: format!("{count} small components"),
        nodes: 5 * count,
        edges,
    }
}

fn path(n: usize) -> Shape {
    Shape {
        name: format!("path of {n}"),
        nodes: n,
        edges: (0..n - 1).map(|i| (i, i + 1)).collect(),
    }
}

/// Twelve equal tiers, three calls per service, 97 % to the next tier (uniformly) and 3 %
/// back up to any earlier one: a quick generator for the largest graphs.
fn tiers(n: usize, seed: u64) -> Shape {
    let mut rng = Rng(seed);
    let per = n / 12;
    let mut edges = std::collections::BTreeSet::new();
    while edges.len() < 3 * n {
        let v = rng.below(12 * per);
        let t = v / per;
        if rng.unit() < 0.03 && t > 0 {
            edges.insert((v, rng.below(t * per)));
        } else if t + 1 < 12 {
            edges.insert((v, (t + 1) * per + rng.below(per)));
        }
    }
    Shape {
        name: format!("tiers {n}"),
        nodes: n,
        edges: edges.into_iter().collect(),
    }
}

fn all_shapes() -> Vec<Shape> {
    vec![
        service_shaped(100, 1),
        service_shaped(300, 2),
        service_shaped(1000, 3),
        service_shaped(5000, 4),
        service_shaped(10_000, 5),
        diamonds(40),
        hub(5000),
        three_layers(10_000, 6),
        components(500),
        path(100_000),
        tiers(100_000, 7),
    ]
}

/// Drawing quality: crossings between edge polylines, their total length, area, aspect.
#[derive(Debug, Clone, Copy)]
struct Quality {
    crossings: u64,
    edge_length: f64,
    area: f64,
    aspect: f64,
}

fn quality(edges: &[(usize, usize, Vec<Point>)], width: f64, height: f64) -> Quality {
    let mut segments: Vec<(usize, usize, Point, Point)> = Vec::new();
    let mut length = 0.0;
    for (s, t, pts) in edges {
        for w in pts.windows(2) {
            segments.push((*s, *t, w[0], w[1]));
            length += ((w[1].x - w[0].x).powi(2) + (w[1].y - w[0].y).powi(2)).sqrt();
        }
    }
    // Sort by left end so each segment is only tested against those it can overlap.
    segments.sort_by(|a, b| a.2.x.min(a.3.x).total_cmp(&b.2.x.min(b.3.x)));
    let orient =
        |a: Point, b: Point, c: Point| (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
    let mut crossings = 0u64;
    for i in 0..segments.len() {
        let (s1, t1, a, b) = segments[i];
        let right = a.x.max(b.x);
        for &(s2, t2, c, d) in &segments[i + 1..] {
            if c.x.min(d.x) > right {
                break;
            }
            // Edges that share a node meet there by design.
            if s1 == s2 || s1 == t2 || t1 == s2 || t1 == t2 {
                continue;
            }
            let (o1, o2) = (orient(a, b, c), orient(a, b, d));
            let (o3, o4) = (orient(c, d, a), orient(c, d, b));
            if o1 * o2 < 0.0 && o3 * o4 < 0.0 {
                crossings += 1;
            }
        }
    }
    Quality {
        crossings,
        edge_length: length,
        area: width * height,
        aspect: width / height.max(1e-9),
    }
}

/// Our drawing's quality, unlabelled like dot's input, from the layout behind the SVG.
fn our_quality(graph: &ServiceGraph) -> Quality {
    let mut options = SvgOptions::default();
    options.edge_labels = EdgeLabels::Never;
    let drawn = layout_of(graph, &options);
    let g = graph.graph();
    let order = graph.sorted_nodes();
    let mut slot = vec![0usize; g.node_count()];
    for (i, v) in order.iter().enumerate() {
        slot[v.index()] = i;
    }
    let edges: Vec<(usize, usize, Vec<Point>)> = graph
        .sorted_edges()
        .into_iter()
        .zip(&drawn.edges)
        .filter_map(|(e, route)| {
            let (s, t) = g.edge_endpoints(e)?;
            let pts = if route.shape == RouteShape::Loop {
                Vec::new()
            } else {
                route.points.clone()
            };
            Some((slot[s.index()], slot[t.index()], pts))
        })
        .collect();
    quality(&edges, drawn.width, drawn.height)
}

/// `dot -Tplain`'s drawing quality: node and spline control points, inches to points.
fn dot_quality(plain: &str) -> Option<Quality> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let (mut width, mut height) = (0.0, 0.0);
    let mut edges = Vec::new();
    for line in plain.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.first().copied() {
            Some("graph") => {
                width = f.get(2)?.parse::<f64>().ok()? * 72.0;
                height = f.get(3)?.parse::<f64>().ok()? * 72.0;
            }
            Some("node") => {
                let next = index.len();
                index.insert(f.get(1)?.trim_matches('"'), next);
            }
            Some("edge") => {
                let s = *index.get(f.get(1)?.trim_matches('"'))?;
                let t = *index.get(f.get(2)?.trim_matches('"'))?;
                let n: usize = f.get(3)?.parse().ok()?;
                let mut pts = Vec::with_capacity(n);
                for k in 0..n {
                    let x: f64 = f.get(4 + 2 * k)?.parse().ok()?;
                    let y: f64 = f.get(5 + 2 * k)?.parse().ok()?;
                    pts.push(Point {
                        x: x * 72.0,
                        y: y * 72.0,
                    });
                }
                edges.push((s, t, pts));
            }
            _ => {}
        }
    }
    Some(quality(&edges, width, height))
}

/// Child mode: build the graph, draw it once, print the peak resident set in kB.
fn measure_ours(name: &str) {
    let Some(shape) = all_shapes().into_iter().find(|s| s.name == name) else {
        std::process::exit(2);
    };
    let graph = service_graph(&shape);
    let svg = to_svg(&graph, &SvgOptions::default());
    std::hint::black_box(svg.text.len());
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map_or("0", |v| v.trim().trim_end_matches(" kB"));
    println!("{peak}");
}

/// Child mode: the same graph through layout-rs, to SVG.
fn run_layout_rs(name: &str) {
    use layout::backends::svg::SVGWriter;
    use layout::core::base::Orientation;
    use layout::core::geometry::Point as LPoint;
    use layout::core::style::StyleAttr;
    use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
    use layout::topo::layout::VisualGraph;
    let Some(shape) = all_shapes().into_iter().find(|s| s.name == name) else {
        std::process::exit(2);
    };
    let mut vg = VisualGraph::new(Orientation::LeftToRight);
    let handles: Vec<_> = (0..shape.nodes)
        .map(|i| {
            let label = format!("svc-{i}");
            let size = LPoint::new(12.0 + 7.0 * label.len() as f64, 26.0);
            vg.add_node(Element::create(
                ShapeKind::new_box(&label),
                StyleAttr::simple(),
                Orientation::LeftToRight,
                size,
            ))
        })
        .collect();
    for &(s, t) in &shape.edges {
        vg.add_edge(Arrow::simple(""), handles[s], handles[t]);
    }
    let mut svg = SVGWriter::new();
    vg.do_it(false, false, false, &mut svg);
    std::hint::black_box(svg.finalize().len());
}

fn secs(d: Option<Duration>, limit: Duration) -> String {
    d.map_or_else(
        || format!("> {}", limit.as_secs()),
        |d| format!("{:.3}", d.as_secs_f64()),
    )
}

fn ratio(d: Option<Duration>, ours: f64) -> String {
    d.map_or_else(|| "—".into(), |d| format!("{:.0}×", d.as_secs_f64() / ours))
}

/// Median seconds of layout + SVG, with default options and without edge labels, and the
/// layout statistics.
fn time_ours(graph: &ServiceGraph, nodes: usize) -> (f64, f64, LayoutStats) {
    let runs = match nodes {
        0..=2000 => 21,
        2001..=20_000 => 7,
        _ => 3,
    };
    let median_of = |options: &SvgOptions, runs: usize| {
        // One extra run first, as a warm-up.
        let mut times: Vec<f64> = (0..=runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(to_svg(graph, options).text.len());
                start.elapsed().as_secs_f64()
            })
            .collect();
        times.remove(0);
        median(times)
    };
    let options = SvgOptions::default();
    let mut unlabelled = SvgOptions::default();
    unlabelled.edge_labels = EdgeLabels::Never;
    let stats = layout_of(graph, &options).stats;
    (
        median_of(&options, runs),
        median_of(&unlabelled, runs.min(7)),
        stats,
    )
}

/// Median seconds of layout + SVG with twenty namespace boxes, and the drawing's size
/// against the unboxed one's.
fn time_grouped(graph: &ServiceGraph) -> (f64, f64) {
    let nodes = graph.node_count().max(1);
    let mut i = 0;
    let boxed = graph.map_nodes(|node| {
        let mut node = node.clone();
        node.namespace = Some(format!("ns-{:02}", i * 20 / nodes));
        i += 1;
        node
    });
    let mut options = SvgOptions::default();
    options.group = Grouping::Namespace;
    let times: Vec<f64> = (0..=7)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(to_svg(&boxed, &options).text.len());
            start.elapsed().as_secs_f64()
        })
        .skip(1)
        .collect();
    let area = |l: &svcgraph_core::layout::Layout| l.width * l.height;
    let ratio =
        area(&layout_of(&boxed, &options)) / area(&layout_of(graph, &SvgOptions::default()));
    (median(times), ratio)
}

/// Milliseconds per phase, and the rest of the time (writing the SVG).
fn phases_cell(stats: &LayoutStats, total: f64) -> String {
    let p = &stats.phases;
    let ms = |v: f64| format!("{:.1}", v * 1000.0);
    format!(
        "{} / {} / {} / {} / {} / {}",
        ms(p.acyclic),
        ms(p.layering),
        ms(p.ordering),
        ms(p.positioning),
        ms(p.routing),
        ms((total - p.total()).max(0.0))
    )
}

/// The versions compared and the table header.
fn print_header(limit: Duration) {
    let dot_version = dot_version();
    println!(
        "svcgraph layout benchmark; baselines: {}, layout-rs 0.1.3; timeout {} s",
        dot_version.as_deref().unwrap_or("dot not found"),
        limit.as_secs()
    );
    println!();
    println!(
        "| graph | nodes | edges | ours ms (median) | ours unlabelled ms | ours peak RSS MB | dot -Tsvg s | dot / ours unlabelled | layout-rs s | layout-rs / ours unlabelled | layers / dummies / layer crossings / reversed | ms: acyclic / layering / ordering / positioning / routing / svg |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
}

/// The quality table, for the graphs where dot finished.
fn print_quality(qualities: &[(String, Quality, Quality)]) {
    if !qualities.is_empty() {
        println!();
        println!(
            "Quality where dot finishes (geometric crossings of edge polylines; length and area in px):"
        );
        println!();
        println!(
            "| graph | crossings ours | crossings dot | ours / dot | edge length ours / dot | area ours / dot | aspect ours | aspect dot |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (name, ours, dot) in qualities {
            let r = |a: f64, b: f64| {
                if b > 0.0 {
                    format!("{:.2}", a / b)
                } else {
                    "—".into()
                }
            };
            println!(
                "| {name} | {} | {} | {} | {} | {} | {:.2} | {:.2} |",
                ours.crossings,
                dot.crossings,
                r(ours.crossings as f64, dot.crossings as f64),
                r(ours.edge_length, dot.edge_length),
                r(ours.area, dot.area),
                ours.aspect,
                dot.aspect
            );
        }
    }
}

/// The namespace-box table: (graph, plain seconds, boxed seconds, boxed / plain area).
fn print_grouped(grouped: &[(String, f64, f64, f64)]) {
    if !grouped.is_empty() {
        println!();
        println!("With namespace boxes (20 namespaces), layout + SVG:");
        println!();
        println!(
            "| graph | ours ms (median) | boxed ms (median) | boxed / plain time | boxed / plain area |"
        );
        println!("|---|---:|---:|---:|---:|");
        for (name, plain, boxed, area) in grouped {
            println!(
                "| {name} | {:.1} | {:.1} | {:.2} | {area:.2} |",
                plain * 1000.0,
                boxed * 1000.0,
                boxed / plain
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.first().map(String::as_str) {
        Some("--measure-ours") => return measure_ours(&args[1]),
        Some("--layout-rs") => return run_layout_rs(&args[1]),
        Some("--scale") => return scale::run(args.get(1).map_or("", String::as_str)),
        _ => {}
    }
    let filter = args.first().cloned().unwrap_or_default();
    let limit = timeout(60);
    let exe = std::env::current_exe().expect("the benchmark knows its own path");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("layout-bench");
    std::fs::create_dir_all(&dir).expect("a scratch directory under target/");
    print_header(limit);
    let mut qualities = Vec::new();
    let mut grouped = Vec::new();
    let mut dot_gave_up = false;
    let mut layout_rs_gave_up = false;
    for shape in all_shapes() {
        if !shape.name.contains(&filter) {
            continue;
        }
        let graph = service_graph(&shape);
        let (ours, ours_plain, stats) = time_ours(&graph, shape.nodes);
        let rss = timed(
            Command::new(&exe).args(["--measure-ours", &shape.name]),
            Duration::from_secs(600),
        )
        .and_then(|(_, out)| String::from_utf8_lossy(&out).trim().parse::<f64>().ok())
        .map_or("?".into(), |kb| format!("{:.0}", kb / 1024.0));

        // Baselines: skipped once a smaller graph of the same family timed out, and for
        // graphs far beyond what they handle.
        let family_large = shape.name.starts_with("service") && dot_gave_up;
        let dot_file = dir.join(format!("{}.dot", shape.name.replace(' ', "-")));
        std::fs::write(&dot_file, plain_dot(&graph)).expect("writable scratch file");
        let dot_time = if family_large || shape.nodes > 20_000 {
            None
        } else {
            timed(
                Command::new("dot")
                    .args(["-Tsvg", "-o", "/dev/null"])
                    .arg(&dot_file),
                limit,
            )
            .map(|(d, _)| d)
        };
        if dot_time.is_none() && shape.name.starts_with("service") {
            dot_gave_up = true;
        }
        let lrs_skip =
            (shape.name.starts_with("service") && layout_rs_gave_up) || shape.nodes > 20_000;
        let lrs_time = if lrs_skip {
            None
        } else {
            timed(Command::new(&exe).args(["--layout-rs", &shape.name]), limit).map(|(d, _)| d)
        };
        if lrs_time.is_none() && shape.name.starts_with("service") {
            layout_rs_gave_up = true;
        }
        println!(
            "| {} | {} | {} | {:.1} | {:.1} | {} | {} | {} | {} | {} | {} / {} / {} / {} | {} |",
            shape.name,
            shape.nodes,
            shape.edges.len(),
            ours * 1000.0,
            ours_plain * 1000.0,
            rss,
            if family_large || shape.nodes > 20_000 {
                "not run".into()
            } else {
                secs(dot_time, limit)
            },
            ratio(dot_time, ours_plain),
            if lrs_skip {
                "not run".into()
            } else {
                secs(lrs_time, limit)
            },
            ratio(lrs_time, ours_plain),
            stats.layers,
            stats.dummies,
            stats.crossings,
            stats.reversed_edges,
            phases_cell(&stats, ours),
        );
        let _ = std::io::stdout().flush();
        if shape.name.starts_with("service") && shape.nodes >= 1000 {
            let (boxed, area) = time_grouped(&graph);
            grouped.push((shape.name.clone(), ours, boxed, area));
        }
        if dot_time.is_some() {
            let plain = timed(Command::new("dot").arg("-Tplain").arg(&dot_file), limit)
                .and_then(|(_, out)| dot_quality(&String::from_utf8_lossy(&out)));
            if let Some(theirs) = plain {
                qualities.push((shape.name.clone(), our_quality(&graph), theirs));
            }
        }
    }
    print_quality(&qualities);
    print_grouped(&grouped);
}
