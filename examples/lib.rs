//! Shared by the examples: where the bundled sample data lives.
//!
//! The examples themselves are `render_file`, `query_prometheus` and `own_layout`; run one
//! with `cargo run -p svcgraph-examples --example render_file`.

use std::path::PathBuf;

/// A bundled sample file, by its path from the repository root. Each sample lives in the
/// crate that uses it: the demo snapshot in `crates/svcgraph-cli/data/`, the preset fixtures
/// in `crates/svcgraph-core/tests/fixtures/`, the comparison baseline in `examples/data/`.
pub fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}
