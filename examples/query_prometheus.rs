//! Ask a Prometheus-compatible server for the service graph and draw it; also save the
//! snapshot, which `svcgraph render --input` draws again offline.
//!
//! ```sh
//! cargo run -p svcgraph-examples --example query_prometheus -- [URL] [OUTPUT_DIR]
//! ```
//!
//! The URL defaults to `SVCGRAPH_PROMETHEUS_URL`, else `http://localhost:9090`; the schema is
//! whichever producer's metrics the server holds.

use std::error::Error;
use std::path::PathBuf;
use std::time::Duration;

use svcgraph_core::query::GraphQuery;
use svcgraph_core::render::svg::{SvgOptions, to_svg};
use svcgraph_prometheus::{Client, ClientConfig, detect_schema, fetch};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .or_else(|| std::env::var("SVCGRAPH_PROMETHEUS_URL").ok())
        .unwrap_or_else(|| "http://localhost:9090".into());
    let dir = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));

    let client = Client::new(ClientConfig::new(url).timeout(Duration::from_secs(10)))?;
    // Filters, window and time: everything defaults (all namespaces, 5m, now).
    let query = GraphQuery::default();
    let schema = detect_schema(&client, &query)
        .await?
        .ok_or("the server holds no service-graph metrics svcgraph knows")?;
    let fetched = fetch(&client, &schema, &query).await?;
    for warning in &fetched.warnings {
        eprintln!("warning: {warning}");
    }
    let built = fetched.build()?;

    std::fs::write(
        dir.join("snapshot.json"),
        serde_json::to_string_pretty(&fetched.snapshot)?,
    )?;
    let svg = to_svg(&built.graph, &SvgOptions::default());
    std::fs::write(dir.join("graph.svg"), &svg.text)?;
    println!(
        "schema {}: {} nodes, {} edges -> {}",
        schema.name,
        built.graph.node_count(),
        built.graph.edge_count(),
        dir.join("graph.svg").display()
    );
    Ok(())
}
