//! The scale run (`cargo bench -p svcgraph-core --bench layout -- --scale [FILTER]`): every
//! generator family at 100,000 services (the service family at 300,000 too), and a sweep of
//! graphs from the quality benchmark's families at 100,000 with knobs drawn from a seed
//! (`SVCGRAPH_BENCH_SEED`, else the clock; printed so that a run can be repeated).
//!
//! Each graph is laid out and drawn once in process (layers, dummies, straight-drawn edges,
//! time per phase), then written as a graph document and drawn the way a user meets it,
//! `svcgraph render -i doc.json -f svg -o out.svg` under `/usr/bin/time -v`: wall time and
//! peak resident set of the whole process, and its CPU time (user and system), which a
//! machine busy with other work stretches less than the wall time. The command is `SVCGRAPH_BIN`, else the release
//! build next to this benchmark (`cargo build --release -p svcgraph` first). The documents
//! stay in `target/tmp/layout-scale/`, named after the graphs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::common::{Rng, Shape, service_graph};
use crate::families::FAMILIES;
use crate::{components, diamonds, hub, path, service_shaped, three_layers, tiers};
use svcgraph_core::render::json::to_json;
use svcgraph_core::render::svg::{SvgOptions, to_svg};

/// Services in every graph of the run (the service family is drawn at three times this too).
const SIZE: usize = 100_000;
/// Graphs in the sweep.
const SWEEP_GRAPHS: usize = 4;

/// A graph of the run, generated only when its name passes the filter.
struct Planned {
    name: String,
    make: Box<dyn Fn() -> Shape>,
}

fn planned(name: impl Into<String>, make: impl Fn() -> Shape + 'static) -> Planned {
    Planned {
        name: name.into(),
        make: Box::new(make),
    }
}

/// A graph of one of the quality benchmark's families, by family index and knobs.
fn family_shape(family: usize, knobs: crate::families::Knobs, seed: u64, name: String) -> Shape {
    let mut rng = Rng(seed);
    let (edges, _) = (FAMILIES[family].generate)(SIZE, &knobs, &mut rng);
    Shape {
        name,
        nodes: SIZE,
        edges,
    }
}

/// The run's seed for the sweep: `SVCGRAPH_BENCH_SEED`, else the clock.
fn sweep_seed() -> u64 {
    std::env::var("SVCGRAPH_BENCH_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        })
}

fn plan(seed: u64) -> Vec<Planned> {
    let mut plan = vec![
        planned(format!("service {SIZE}"), || service_shaped(SIZE, 8)),
        planned(format!("service {}", 3 * SIZE), || {
            service_shaped(3 * SIZE, 9)
        }),
        planned(format!("tiers {SIZE}"), || tiers(SIZE, 7)),
        planned(
            format!("tiered-back {SIZE} (calls 3.0, back 5%, tiers 7)"),
            || {
                let knobs = crate::families::Knobs {
                    calls: 3.0,
                    hubs: 0.0,
                    back: 0.05,
                    layers: 7,
                };
                let name = format!("tiered-back {SIZE} (calls 3.0, back 5%, tiers 7)");
                family_shape(1, knobs, 10, name)
            },
        ),
        planned(format!("chain of {} diamonds", SIZE / 3), || {
            diamonds(SIZE / 3)
        }),
        planned(format!("hub with {} callers", SIZE - 1), || hub(SIZE - 1)),
        planned(format!("{SIZE} nodes in 3 layers"), || {
            three_layers(SIZE, 11)
        }),
        planned(format!("{} small components", SIZE / 5), || {
            components(SIZE / 5)
        }),
        planned(format!("path of {SIZE}"), || path(SIZE)),
    ];
    let mut rng = Rng(seed);
    for i in 0..SWEEP_GRAPHS {
        let family = rng.below(FAMILIES.len());
        let knobs = FAMILIES[family].ranges.draw(&mut rng);
        let graph_seed = rng.next();
        let name = format!(
            "sweep {i} {} {SIZE} ({})",
            FAMILIES[family].name,
            FAMILIES[family].ranges.describe(&knobs)
        );
        let shape_name = name.clone();
        plan.push(planned(name, move || {
            family_shape(family, knobs, graph_seed, shape_name.clone())
        }));
    }
    plan
}

/// The command to measure: `SVCGRAPH_BIN`, else `target/release/svcgraph`.
fn command_path() -> Option<PathBuf> {
    let path = std::env::var_os("SVCGRAPH_BIN").map_or_else(
        || Path::new(env!("CARGO_TARGET_TMPDIR")).join("../release/svcgraph"),
        PathBuf::from,
    );
    path.exists().then_some(path)
}

/// Whole-process wall seconds, CPU seconds (user and system) and peak resident set in MB of
/// `svcgraph render` on `doc`.
fn whole_process(command: &Path, doc: &Path, out: &Path) -> Option<(f64, f64, f64)> {
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(command)
        .args(["render", "-q", "-f", "svg", "-i"])
        .arg(doc)
        .arg("-o")
        .arg(out)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let report = String::from_utf8_lossy(&output.stderr);
    let field = |name: &str| {
        report
            .lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .map(str::trim)
    };
    // h:mm:ss or m:ss.ss
    let wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss):")?
        .split(':')
        .try_fold(0.0, |acc, part| {
            part.parse::<f64>().ok().map(|v| acc * 60.0 + v)
        })?;
    let rss_kb: f64 = field("Maximum resident set size (kbytes):")?.parse().ok()?;
    let cpu = field("User time (seconds):")?.parse::<f64>().ok()?
        + field("System time (seconds):")?.parse::<f64>().ok()?;
    Some((wall, cpu, rss_kb / 1024.0))
}

pub fn run(filter: &str) {
    let seed = sweep_seed();
    let command = command_path();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("layout-scale");
    std::fs::create_dir_all(&dir).expect("a scratch directory under target/");
    println!("svcgraph layout at scale; sweep seed {seed} (SVCGRAPH_BENCH_SEED={seed} repeats it)");
    match &command {
        Some(c) => println!("whole process: {} render -f svg", c.display()),
        None => println!(
            "whole process not measured: no svcgraph command (cargo build --release -p svcgraph, or SVCGRAPH_BIN)"
        ),
    }
    println!();
    println!(
        "| graph | nodes | edges | layers | dummies | direct | reversed | layout + SVG s (in process) | ms: acyclic / layering / ordering / positioning / routing / svg | whole process s | whole process CPU s | peak RSS MB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|");
    for planned in plan(seed) {
        if !planned.name.contains(filter) {
            continue;
        }
        let shape = (planned.make)();
        let graph = service_graph(&shape);
        let start = Instant::now();
        let svg = to_svg(&graph, &SvgOptions::default());
        let total = start.elapsed().as_secs_f64();
        let stats = svg.layout.stats;
        drop(svg.text);
        let measured = command.as_ref().and_then(|c| {
            // Kept, for timing the command again (farm-bench, perf).
            let stem: String = planned
                .name
                .chars()
                .take_while(|&c| c != '(')
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            let file = dir.join(format!("{}.json", stem.trim_end_matches('-')));
            std::fs::write(&file, to_json(&graph)).ok()?;
            whole_process(c, &file, &dir.join("graph.svg"))
        });
        let (wall, cpu, rss) = measured
            .map_or(("?".into(), "?".into(), "?".into()), |(w, c, r)| {
                (format!("{w:.2}"), format!("{c:.2}"), format!("{r:.0}"))
            });
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {total:.2} | {} | {wall} | {cpu} | {rss} |",
            planned.name,
            shape.nodes,
            shape.edges.len(),
            stats.layers,
            stats.dummies,
            stats.direct_edges,
            stats.reversed_edges,
            crate::phases_cell(&stats, total),
        );
        let _ = std::io::stdout().flush();
    }
}
