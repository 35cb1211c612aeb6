//! Render a saved input — a Prometheus response, a svcgraph snapshot or a graph document — to
//! an SVG file, with the same steps the CLI takes: load (read, map with the schema),
//! transform, draw.
//!
//! ```sh
//! cargo run -p svcgraph-examples --example render_file -- [INPUT] [OUTPUT.svg]
//! ```
//!
//! Without arguments it draws the bundled shop sample to `shop.svg`.

use std::error::Error;
use std::path::PathBuf;

use svcgraph_core::render::svg::to_svg;
use svcgraph_core::{Grouping, SvgOptions, transform};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let input = args.next().map_or_else(
        || svcgraph_examples::data("crates/svcgraph-cli/data/shop.snapshot.json"),
        PathBuf::from,
    );
    let output = args.next().unwrap_or_else(|| "shop.svg".into());

    let bytes = std::fs::read(&input)?;
    // One call: recognises the document, takes a snapshot's own schema or the preset whose
    // labels fit a bare response, and returns the warnings instead of printing them.
    let loaded = svcgraph_core::load(&bytes)?;
    if let Some(choice) = &loaded.schema {
        eprintln!("schema `{}` ({:?})", choice.schema.name, choice.source);
    }
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    let graph = loaded.graph;

    // Leave out the trickle: edges under one request per second.
    let graph = transform::prune(&graph, 1.0);
    // Option structs are `#[non_exhaustive]`: start from the default, then set fields.
    let mut options = SvgOptions::default();
    options.group = Grouping::Namespace;
    let drawn = to_svg(&graph, &options);
    std::fs::write(&output, &drawn.text)?;
    let stats = &drawn.layout.stats;
    println!(
        "{} nodes, {} edges, {} crossings, {:.0}x{:.0} px -> {output}",
        stats.nodes, stats.edges, stats.crossings, stats.width, stats.height
    );
    Ok(())
}
