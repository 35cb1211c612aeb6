//! `svcgraph._svcgraph`: the native module of the Python package `svcgraph`.
//!
//! Thin bindings over `svcgraph-core`, `svcgraph-prometheus` and `svcgraph-gcp`: arguments are converted
//! while holding the GIL, then fetching, layout and rendering run with it released. Every
//! failure becomes a `svcgraph.SvcgraphError` subclass in one mapping ([`error`]); nothing
//! panics on input from outside. The Python-facing documentation is in the docstrings and
//! in `python/svcgraph/_svcgraph.pyi`.

mod error;
mod google;
mod graph;
mod options;
mod records;
mod source;

use pyo3::prelude::*;

/// Service graphs from Prometheus-style service-graph metrics: load, fetch, transform, draw.
#[pymodule]
mod _svcgraph {
    #[pymodule_export]
    use crate::google::{from_cloud_monitoring, from_gmp};
    #[pymodule_export]
    use crate::graph::{Graph, Page};
    #[pymodule_export]
    use crate::source::{from_prometheus, from_samples, load};

    use pyo3::prelude::*;
    use pyo3::types::PyTuple;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add(
            "SCHEMAS",
            PyTuple::new(m.py(), svcgraph_core::schema::Schema::PRESETS)?,
        )?;
        Ok(())
    }
}
