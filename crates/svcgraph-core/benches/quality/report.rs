//! The quality benchmark's tables: one row per graph, sums per family, and the summary
//! with where our drawing is worse than dot's.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use crate::common::dot_version;
use crate::{Quality, Row};

pub fn print_header(limit: Duration) {
    let version = dot_version();
    println!(
        "svcgraph quality benchmark: ours against {}, both left to right and unlabelled; dot timeout {} s",
        version.as_deref().unwrap_or("dot not found"),
        limit.as_secs()
    );
    println!();
    println!(
        "| graph | nodes | edges | crossings ours | dot | ours / dot | overlap % ours | dot | area ours / dot | aspect ours | dot | length ours / dot | turns/edge ours | dot | reversed ours | dot | ours ms | dot s | dot / ours time |"
    );
    println!(
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}", a / b)
    } else if a > 0.0 {
        "∞".into()
    } else {
        "—".into()
    }
}

fn percent(part: f64, whole: f64) -> String {
    if whole > 0.0 {
        format!("{:.1}", 100.0 * part / whole)
    } else {
        "—".into()
    }
}

fn per_edge(turns: f64, lines: usize) -> String {
    if lines == 0 {
        "—".into()
    } else {
        format!("{:.2}", turns / lines as f64)
    }
}

fn aspect(q: &Quality) -> String {
    ratio(q.width, q.height)
}

pub fn print_row(row: &Row) {
    let o = &row.ours;
    match &row.dot {
        Some(d) => println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} | {:.3} | {:.0}× |",
            row.name,
            row.nodes,
            row.edges,
            o.crossings,
            d.crossings,
            ratio(o.crossings as f64, d.crossings as f64),
            percent(o.near, o.length),
            percent(d.near, d.length),
            ratio(o.area(), d.area()),
            aspect(o),
            aspect(d),
            ratio(o.length, d.length),
            per_edge(o.turns, o.lines),
            per_edge(d.turns, d.lines),
            o.reversed,
            d.reversed,
            o.secs * 1000.0,
            d.secs,
            d.secs / o.secs.max(1e-9),
        ),
        None => println!(
            "| {} | {} | {} | {} | — | — | {} | — | — | {} | — | — | {} | — | {} | — | {:.1} | failed or timed out | — |",
            row.name,
            row.nodes,
            row.edges,
            o.crossings,
            percent(o.near, o.length),
            aspect(o),
            per_edge(o.turns, o.lines),
            o.reversed,
            o.secs * 1000.0,
        ),
    }
    let _ = std::io::stdout().flush();
}

/// Sums over several drawings of ours and dot's.
#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    graphs: usize,
    nodes: usize,
    edges: usize,
    ours: Totals,
    dot: Totals,
}

#[derive(Debug, Default, Clone, Copy)]
struct Totals {
    crossings: f64,
    near: f64,
    length: f64,
    bends: f64,
    turns: f64,
    lines: f64,
    reversed: f64,
    area: f64,
    secs: f64,
}

impl Totals {
    fn add(&mut self, q: &Quality) {
        self.crossings += q.crossings as f64;
        self.near += q.near;
        self.length += q.length;
        self.bends += q.bends as f64;
        self.turns += q.turns;
        self.lines += q.lines as f64;
        self.reversed += q.reversed as f64;
        self.area += q.area();
        self.secs += q.secs;
    }
}

impl Sums {
    fn add(&mut self, row: &Row, dot: &Quality) {
        self.graphs += 1;
        self.nodes += row.nodes;
        self.edges += row.edges;
        self.ours.add(&row.ours);
        self.dot.add(dot);
    }
    fn crossing_ratio(&self) -> f64 {
        self.ours.crossings / self.dot.crossings.max(1.0)
    }
}

/// Sums per family over the graphs dot finished.
fn family_sums(rows: &[Row]) -> BTreeMap<&'static str, Sums> {
    let mut out: BTreeMap<&'static str, Sums> = BTreeMap::new();
    for row in rows {
        if let (Some(family), Some(dot)) = (row.family, &row.dot) {
            out.entry(family).or_default().add(row, dot);
        }
    }
    out
}

pub fn print_families(rows: &[Row]) {
    let families = family_sums(rows);
    if families.is_empty() {
        return;
    }
    println!();
    println!("Per family, summed over its seeds (graphs where dot finished):");
    println!();
    println!(
        "| family | graphs | nodes | edges | crossings ours | dot | ours / dot | overlap % ours | dot | area ours / dot | length ours / dot | turns/edge ours | dot | reversed ours | dot | ours ms | dot s | dot / ours time |"
    );
    println!(
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for (family, s) in &families {
        println!(
            "| {family} | {} | {} | {} | {:.0} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {:.0} | {:.0} | {:.1} | {:.2} | {:.0}× |",
            s.graphs,
            s.nodes,
            s.edges,
            s.ours.crossings,
            s.dot.crossings,
            ratio(s.ours.crossings, s.dot.crossings),
            percent(s.ours.near, s.ours.length),
            percent(s.dot.near, s.dot.length),
            ratio(s.ours.area, s.dot.area),
            ratio(s.ours.length, s.dot.length),
            per_edge(s.ours.turns, s.ours.lines as usize),
            per_edge(s.dot.turns, s.dot.lines as usize),
            s.ours.reversed,
            s.dot.reversed,
            s.ours.secs * 1000.0,
            s.dot.secs,
            s.dot.secs / s.ours.secs.max(1e-9),
        );
    }
}

pub fn print_summary(rows: &[Row]) {
    let families = family_sums(rows);
    let mut all = Sums::default();
    for row in rows {
        if let (Some(_), Some(dot)) = (row.family, &row.dot) {
            all.add(row, dot);
        }
    }
    println!();
    println!(
        "Summary over the generated graphs (40–300 services) where dot finished ({} graphs, {} nodes, {} edges):",
        all.graphs, all.nodes, all.edges
    );
    println!();
    let (o, d) = (&all.ours, &all.dot);
    println!(
        "    crossings ours / dot:        {:.0} / {:.0} = {}",
        o.crossings,
        d.crossings,
        ratio(o.crossings, d.crossings)
    );
    if let Some((family, worst)) = families
        .iter()
        .max_by(|a, b| a.1.crossing_ratio().total_cmp(&b.1.crossing_ratio()))
    {
        println!(
            "    worst family crossings ratio: {} ({family})",
            ratio(worst.ours.crossings, worst.dot.crossings)
        );
    }
    println!(
        "    overlap share ours / dot:    {} % / {} %",
        percent(o.near, o.length),
        percent(d.near, d.length)
    );
    println!("    area ours / dot:             {}", ratio(o.area, d.area));
    println!(
        "    edge length ours / dot:      {}",
        ratio(o.length, d.length)
    );
    println!(
        "    bends ours / dot:            {:.0} / {:.0} = {}",
        o.bends,
        d.bends,
        ratio(o.bends, d.bends)
    );
    println!(
        "    turns per edge ours / dot:   {} / {}",
        per_edge(o.turns, o.lines as usize),
        per_edge(d.turns, d.lines as usize)
    );
    println!(
        "    reversed ours / dot:         {:.0} / {:.0}",
        o.reversed, d.reversed
    );
    println!(
        "    time dot (whole process) / ours (in-process median): {:.2} s / {:.3} s = {}×",
        d.secs,
        o.secs,
        ratio(d.secs, o.secs)
    );
    let failed: Vec<&str> = rows
        .iter()
        .filter(|r| r.dot.is_none())
        .map(|r| r.name.as_str())
        .collect();
    if !failed.is_empty() {
        println!("    dot failed or timed out on:  {}", failed.join(", "));
    }
    print_losses(rows, &families);
}

/// A measure's name and how to read it from totals.
type Measure = (&'static str, fn(&Totals) -> f64);

/// Every family and graph on which our drawing is worse than dot's, measure by measure.
fn print_losses(rows: &[Row], families: &BTreeMap<&'static str, Sums>) {
    println!();
    println!("Where we lose (ours worse than dot by more than 5 %):");
    let measures: [Measure; 6] = [
        ("crossings", |t| t.crossings),
        ("overlapping length", |t| t.near),
        ("area", |t| t.area),
        ("edge length", |t| t.length),
        ("bends", |t| t.bends),
        ("turns", |t| t.turns),
    ];
    let mut lost = false;
    for (measure, get) in measures {
        let worse: Vec<String> = families
            .iter()
            .filter(|(_, s)| get(&s.ours) > 1.05 * get(&s.dot))
            .map(|(f, s)| format!("{f} {}×", ratio(get(&s.ours), get(&s.dot))))
            .collect();
        if !worse.is_empty() {
            lost = true;
            println!("    {measure}, families: {}", worse.join(", "));
        }
    }
    let mut graphs: Vec<(f64, &Row, &Quality)> = rows
        .iter()
        .filter_map(|r| r.dot.as_ref().map(|d| (r, d)))
        .filter(|(r, d)| r.ours.crossings as f64 > 1.05 * d.crossings as f64)
        .map(|(r, d)| {
            (
                r.ours.crossings as f64 / (d.crossings as f64).max(1.0),
                r,
                d,
            )
        })
        .collect();
    graphs.sort_by(|a, b| b.0.total_cmp(&a.0));
    if !graphs.is_empty() {
        lost = true;
        let list: Vec<String> = graphs
            .iter()
            .map(|(_, r, d)| format!("{} {}/{}", r.name, r.ours.crossings, d.crossings))
            .collect();
        println!("    crossings, graphs (ours/dot): {}", list.join(", "));
    }
    let overlapping: Vec<String> = rows
        .iter()
        .filter_map(|r| r.dot.as_ref().map(|d| (r, d)))
        .filter(|(r, d)| {
            r.ours.near / r.ours.length.max(1e-9) > 1.05 * d.near / d.length.max(1e-9) + 0.005
        })
        .map(|(r, d)| {
            format!(
                "{} {}%/{}%",
                r.name,
                percent(r.ours.near, r.ours.length),
                percent(d.near, d.length)
            )
        })
        .collect();
    if !overlapping.is_empty() {
        lost = true;
        println!(
            "    overlap share, graphs (ours/dot): {}",
            overlapping.join(", ")
        );
    }
    if !lost {
        println!("    nowhere");
    }
}
