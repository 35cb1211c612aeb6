//! The quality benchmark's tables: one row per graph, sums per size class (with the worst
//! decile of the per-graph crossing ratio) and per family, and the summary with where our
//! drawing is worse than dot's.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use crate::common::dot_version;
use crate::labels::LabelHits;
use crate::{Quality, Row};

pub fn print_header(limit: Duration, seed: u64, per_class: usize, labelled: bool) {
    let version = dot_version();
    println!(
        "svcgraph quality benchmark: ours ({}) against {} (unlabelled), both left to right; dot timeout {} s",
        if labelled {
            "with rate labels"
        } else {
            "unlabelled"
        },
        version.as_deref().unwrap_or("dot not found"),
        limit.as_secs()
    );
    println!(
        "seed {seed} (SVCGRAPH_QUALITY_SEED={seed} draws these graphs again), {per_class} graphs per family and size class"
    );
    println!();
    println!(
        "| graph | nodes | edges | crossings ours | dot | ours / dot | overlap % ours | dot | area ours / dot | aspect ours | dot | length ours / dot | turns/edge ours | dot | label hits node/label/edge | reversed ours | dot | ours ms | dot s | dot / ours time |"
    );
    println!(
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
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

/// Label collisions as `node/label/edge`, `—` for a drawing without labels.
fn hits(h: &LabelHits) -> String {
    if h.labels == 0 {
        "—".into()
    } else {
        format!("{}/{}/{}", h.node, h.label, h.edge)
    }
}

pub fn print_row(row: &Row) {
    let o = &row.ours;
    let name = match &row.knobs {
        Some(knobs) => format!("{} ({knobs})", row.name),
        None => row.name.clone(),
    };
    match &row.dot {
        Some(d) => println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} | {:.3} | {:.0}× |",
            name,
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
            hits(&o.labels),
            o.reversed,
            d.reversed,
            o.secs * 1000.0,
            d.secs,
            d.secs / o.secs.max(1e-9),
        ),
        None => println!(
            "| {} | {} | {} | {} | — | — | {} | — | — | {} | — | — | {} | — | {} | {} | — | {:.1} | failed or timed out | — |",
            name,
            row.nodes,
            row.edges,
            o.crossings,
            percent(o.near, o.length),
            aspect(o),
            per_edge(o.turns, o.lines),
            hits(&o.labels),
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
        if let (Some((family, _)), Some(dot)) = (row.family, &row.dot) {
            out.entry(family).or_default().add(row, dot);
        }
    }
    out
}

/// `(ours + 1) / (dot + 1)`: a graph dot draws without crossings and ours with a few counts
/// as a loss, not as infinity, and one both draw without crossings as even.
fn crossing_ratio(ours: u64, dot: u64) -> f64 {
    (ours as f64 + 1.0) / (dot as f64 + 1.0)
}

/// The 90th percentile of `values` (nearest rank), and the largest; `None` when empty.
fn worst_decile(mut values: Vec<f64>) -> Option<(f64, f64)> {
    values.sort_by(f64::total_cmp);
    let rank = (values.len() as f64 * 0.9).ceil() as usize;
    Some((*values.get(rank.checked_sub(1)?)?, *values.last()?))
}

/// Per size class: sums over every family's graphs of that size where dot finished, the
/// worst decile of the per-graph crossing ratio, and our label collisions over all of them.
pub fn print_classes(rows: &[Row]) {
    let mut classes: BTreeMap<usize, Vec<&Row>> = BTreeMap::new();
    for row in rows {
        if let Some((_, class)) = row.family {
            classes.entry(class).or_default().push(row);
        }
    }
    if classes.is_empty() {
        return;
    }
    println!();
    println!(
        "Per size class, summed over its families and graphs where dot finished; label hits (ours) over all its graphs:"
    );
    println!();
    println!(
        "| services | graphs (dot finished) | edges | crossings ours | dot | ours / dot | worst decile (ours+1)/(dot+1) | worst graph | turns/edge ours | dot | area ours / dot | overlap % ours | dot | labels (of calls) | label hits node | label | edge | nearer another line |"
    );
    println!(
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for (class, members) in &classes {
        let mut s = Sums::default();
        let mut ratios = Vec::new();
        let mut labels = LabelHits::default();
        for row in members {
            labels.add(&row.ours.labels);
            if let Some(dot) = &row.dot {
                s.add(row, dot);
                ratios.push(crossing_ratio(row.ours.crossings, dot.crossings));
            }
        }
        let (decile, worst) = worst_decile(ratios)
            .map_or(("—".into(), "—".into()), |(p, m)| {
                (format!("{p:.2}"), format!("{m:.2}"))
            });
        println!(
            "| {class} | {} ({}) | {} | {:.0} | {:.0} | {} | {decile} | {worst} | {} | {} | {} | {} | {} | {} ({}) | {} | {} | {} | {} |",
            members.len(),
            s.graphs,
            s.edges,
            s.ours.crossings,
            s.dot.crossings,
            ratio(s.ours.crossings, s.dot.crossings),
            per_edge(s.ours.turns, s.ours.lines as usize),
            per_edge(s.dot.turns, s.dot.lines as usize),
            ratio(s.ours.area, s.dot.area),
            percent(s.ours.near, s.ours.length),
            percent(s.dot.near, s.dot.length),
            labels.labels,
            labels.calls,
            labels.node,
            labels.label,
            labels.edge,
            labels.misleading,
        );
    }
}

pub fn print_families(rows: &[Row]) {
    let families = family_sums(rows);
    if families.is_empty() {
        return;
    }
    println!();
    println!("Per family, summed over its graphs (those dot finished):");
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
    let mut labels = LabelHits::default();
    for row in rows {
        if let (Some(_), Some(dot)) = (row.family, &row.dot) {
            all.add(row, dot);
        }
        if row.family.is_some() {
            labels.add(&row.ours.labels);
        }
    }
    println!();
    println!(
        "Summary over the generated graphs (30–300 services) where dot finished ({} graphs, {} nodes, {} edges):",
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
        "    label hits (ours, every generated graph): {} labels on {} calls; {} on a node, {} on a label, {} on another call's edge ({} in all)",
        labels.labels,
        labels.calls,
        labels.node,
        labels.label,
        labels.edge,
        labels.total()
    );
    println!(
        "    labels nearer another call's line than their own: {} of {}",
        labels.misleading, labels.labels
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

/// Graphs named in a list of losses, the worst first; the rest are counted.
const WORST_LISTED: usize = 15;

/// The first [`WORST_LISTED`] items, and how many more there are.
fn listed(items: &[String]) -> String {
    let shown = items[..items.len().min(WORST_LISTED)].join(", ");
    match items.len().saturating_sub(WORST_LISTED) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
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
        println!(
            "    crossings, {} graphs (ours/dot), worst first: {}",
            list.len(),
            listed(&list)
        );
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
            "    overlap share, {} graphs (ours/dot): {}",
            overlapping.len(),
            listed(&overlapping)
        );
    }
    if !lost {
        println!("    nowhere");
    }
}
