//! Shared by the examples: where the bundled sample data lives.
//!
//! The examples themselves are `render_file`, `query_prometheus` and `own_layout`; run one
//! with `cargo run -p svcgraph-examples --example render_file`.

use std::path::PathBuf;

/// A file of the bundled sample data (`examples/data/`).
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}
