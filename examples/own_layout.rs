//! svcgraph's layout on a graph of your own: here, the stages of a build pipeline with a retry
//! loop. You give node sizes and edges; you get boxes, edge routes (with reversed edges still
//! pointing the right way) and statistics, and draw them however you like — this example
//! writes a bare SVG of its own.
//!
//! ```sh
//! cargo run -p svcgraph-examples --example own_layout -- [OUTPUT.svg]
//! ```

use std::error::Error;
use std::fmt::Write;

use svcgraph_core::layout::{
    Direction, Layout, LayoutEdge, LayoutGraph, LayoutOptions, Size, layout,
};

fn main() -> Result<(), Box<dyn Error>> {
    let output = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "pipeline.svg".into());
    let stages = [
        "checkout",
        "lint",
        "unit tests",
        "build image",
        "integration tests",
        "deploy staging",
        "smoke tests",
        "deploy production",
    ];
    let calls = [
        (0, 1),
        (0, 2),
        (0, 3),
        (1, 4),
        (2, 4),
        (3, 4),
        (4, 5),
        (5, 6),
        (6, 7),
        (6, 3), // a failed smoke test rebuilds the image: a cycle
    ];
    let graph = LayoutGraph {
        // About 7 px per character at 12 px sans-serif, plus padding.
        nodes: stages
            .iter()
            .map(|s| Size {
                width: 7.0 * s.len() as f64 + 20.0,
                height: 28.0,
            })
            .collect(),
        edges: calls.iter().map(|&(s, t)| LayoutEdge::new(s, t)).collect(),
        // Two groups: what runs on every commit, and what ships.
        groups: vec![
            Size {
                width: 60.0,
                height: 14.0,
            },
            Size {
                width: 40.0,
                height: 14.0,
            },
        ],
        node_groups: (0..stages.len()).map(|i| Some(u32::from(i >= 5))).collect(),
    };
    let mut options = LayoutOptions::default();
    options.direction = Direction::TopToBottom;
    let drawn = layout(&graph, &options)?;

    std::fs::write(&output, draw(&drawn, &stages))?;

    let s = &drawn.stats;
    println!(
        "{} stages in {} layers, {} reversed edge(s), {} crossings, {:.0}x{:.0} px -> {output}",
        s.nodes, s.layers, s.reversed_edges, s.crossings, s.width, s.height
    );
    for (r, name) in drawn.nodes.iter().zip(stages) {
        println!("{name}: ({:.0}, {:.0})", r.x, r.y);
    }
    Ok(())
}

/// A bare SVG of the layout: group boxes, edges as polylines (reversed ones dashed), nodes.
fn draw(drawn: &Layout, stages: &[&str]) -> String {
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#,
        w = drawn.width.ceil(),
        h = drawn.height.ceil()
    );
    for (b, name) in drawn.groups.iter().flatten().zip(["commit", "ship"]) {
        let _ = write!(
            svg,
            r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#f4f6fa" stroke="#c5cfdd"/><text x="{}" y="{}" fill="#5b6b80">{name}</text>"##,
            b.rect.left(),
            b.rect.top(),
            b.rect.width,
            b.rect.height,
            b.label.left(),
            b.label.bottom() - 3.0
        );
    }
    for route in &drawn.edges {
        let points: Vec<String> = route
            .points
            .iter()
            .map(|p| format!("{:.1},{:.1}", p.x, p.y))
            .collect();
        let dash = if route.reversed {
            r#" stroke-dasharray="4 3""#
        } else {
            ""
        };
        let _ = write!(
            svg,
            r##"<polyline points="{}" fill="none" stroke="#5b6b7f"{dash}/>"##,
            points.join(" ")
        );
    }
    for (r, name) in drawn.nodes.iter().zip(stages.iter()) {
        let _ = write!(
            svg,
            r##"<rect x="{}" y="{}" width="{}" height="{}" rx="5" fill="#e8f0fe" stroke="#3b6db3"/><text x="{}" y="{}" text-anchor="middle">{name}</text>"##,
            r.left(),
            r.top(),
            r.width,
            r.height,
            r.x,
            r.y + 4.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}
