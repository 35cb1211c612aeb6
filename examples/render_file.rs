//! Render a saved input — a Prometheus response, a svcgraph snapshot or a graph document — to
//! an SVG file, with the same steps the CLI takes: read, map with the schema, transform, draw.
//!
//! ```sh
//! cargo run -p svcgraph-examples --example render_file -- [INPUT] [OUTPUT.svg]
//! ```
//!
//! Without arguments it draws the bundled shop sample to `shop.svg`.

use std::error::Error;
use std::path::PathBuf;

use svcgraph_core::input::{Input, read_input};
use svcgraph_core::query::QueryPurpose;
use svcgraph_core::render::Grouping;
use svcgraph_core::render::svg::{SvgOptions, to_svg};
use svcgraph_core::schema::Schema;
use svcgraph_core::transform;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let input = args.next().map_or_else(
        || svcgraph_examples::data("shop.snapshot.json"),
        PathBuf::from,
    );
    let output = args.next().unwrap_or_else(|| "shop.svg".into());

    let bytes = std::fs::read(&input)?;
    let graph = match read_input(&bytes)? {
        Input::Graph(graph) => graph,
        Input::Series { schema, results } => {
            // A snapshot names its schema; a bare response is recognised by its labels.
            let schema = match schema {
                Some(schema) => schema,
                None => results
                    .get(QueryPurpose::Requests)
                    .and_then(Schema::detect)
                    .ok_or("no schema preset fits the input's labels")?,
            };
            let built = schema.build(&results)?;
            for warning in &built.warnings {
                eprintln!("warning: {warning}");
            }
            built.graph
        }
    };

    // Leave out the trickle: edges under one request per second.
    let graph = transform::prune(&graph, 1.0);
    let drawn = to_svg(
        &graph,
        &SvgOptions {
            group: Grouping::Namespace,
            ..SvgOptions::default()
        },
    );
    std::fs::write(&output, &drawn.text)?;
    let stats = &drawn.layout.stats;
    println!(
        "{} nodes, {} edges, {} crossings, {:.0}x{:.0} px -> {output}",
        stats.nodes, stats.edges, stats.crossings, stats.width, stats.height
    );
    Ok(())
}
