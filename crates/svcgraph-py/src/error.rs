//! Every failure of the bindings, and the one place that turns it into a Python exception.
//!
//! The exception classes live in `svcgraph/_errors.py` (pure Python, so that `InputError` can
//! also be a `ValueError` and `OutputError` an `OSError`):
//!
//! ```text
//! SvcgraphError
//! ├── SourceError        the metric store could not be asked or answered unusably
//! │   └── AuthError      it refused the credentials (HTTP 401/403, Google permissions),
//! │                      or there were none
//! ├── QueryError         it rejected or failed the query (PromQL error, "status": "error")
//! ├── InputError         unusable input or argument (also a ValueError)
//! └── OutputError        a file could not be written (also an OSError)
//! ```
//!
//! A file that cannot be read raises the `OSError` Python's own `open` would
//! (`FileNotFoundError`, `PermissionError`, …), with `filename` set.

use std::fmt;
use std::path::PathBuf;

use pyo3::PyErr;

pyo3::import_exception!(svcgraph._errors, SvcgraphError);
pyo3::import_exception!(svcgraph._errors, SourceError);
pyo3::import_exception!(svcgraph._errors, AuthError);
pyo3::import_exception!(svcgraph._errors, QueryError);
pyo3::import_exception!(svcgraph._errors, InputError);
pyo3::import_exception!(svcgraph._errors, OutputError);

/// What went wrong, before it becomes a Python exception.
#[derive(Debug)]
pub enum Error {
    /// From `svcgraph-core`: input, schema, transform and query-result errors.
    Core(svcgraph_core::Error),
    /// From `svcgraph-prometheus`: connecting, authenticating, querying.
    Prometheus(svcgraph_prometheus::Error),
    /// From `svcgraph-gcp`: Google credentials, permissions, the Cloud Monitoring API.
    Gcp(svcgraph_gcp::Error),
    /// An argument or input the bindings themselves refuse.
    Input(String),
    /// A source that answered, but not with anything svcgraph can draw.
    Source(String),
    /// A file that could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file that could not be written.
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Already a Python exception (a `KeyboardInterrupt` raised while waiting, say).
    Python(PyErr),
}

/// The result type of the bindings.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Core(e) => e.fmt(f),
            Error::Prometheus(e) => e.fmt(f),
            Error::Gcp(e) => e.fmt(f),
            Error::Input(message) | Error::Source(message) => f.write_str(message),
            Error::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Error::Write { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            Error::Python(e) => e.fmt(f),
        }
    }
}

impl From<svcgraph_core::Error> for Error {
    fn from(e: svcgraph_core::Error) -> Self {
        Error::Core(e)
    }
}

impl From<svcgraph_prometheus::Error> for Error {
    fn from(e: svcgraph_prometheus::Error) -> Self {
        Error::Prometheus(e)
    }
}

impl From<svcgraph_gcp::Error> for Error {
    fn from(e: svcgraph_gcp::Error) -> Self {
        Error::Gcp(e)
    }
}

impl From<PyErr> for Error {
    fn from(e: PyErr) -> Self {
        Error::Python(e)
    }
}

/// Which Python exception class an error becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Base,
    Source,
    Auth,
    Query,
    Input,
    Output,
}

/// The class of a core error. The enum is `#[non_exhaustive]`: a variant added later becomes
/// the base class until it is sorted here.
fn core_class(e: &svcgraph_core::Error) -> Class {
    use svcgraph_core::Error as E;
    match e {
        E::QueryFailed { .. } => Class::Query,
        E::Json { .. }
        | E::Format(_)
        | E::ResultType(_)
        | E::MissingLabel { .. }
        | E::NoSchemaFits { .. }
        | E::SeriesFilterOnGraph
        | E::Invalid(_)
        | E::UnknownSchema { .. }
        | E::NodeNotFound { .. } => Class::Input,
        _ => Class::Base,
    }
}

/// The class of a client error: a retried or per-query failure takes the class of its cause.
fn prometheus_class(e: &svcgraph_prometheus::Error) -> Class {
    use svcgraph_prometheus::Error as E;
    match e {
        E::Config(_) => Class::Input,
        E::Unreachable { .. } | E::Timeout { .. } | E::Response { .. } | E::TooLarge { .. } => {
            Class::Source
        }
        // A token source that could not supply a token: the credentials are the problem.
        E::Auth { .. } | E::Credentials(_) => Class::Auth,
        // A PromQL error comes as 400 or 422 with the Prometheus error envelope; 404, 429
        // and 5xx say the endpoint or the server is wrong, not the query.
        E::Status {
            status, error_type, ..
        } => {
            if error_type.is_some() || matches!(status, 400 | 422) {
                Class::Query
            } else {
                Class::Source
            }
        }
        E::RetriesExhausted { last, .. } => prometheus_class(last),
        E::Query { cause, .. } => prometheus_class(cause),
        E::Core(core) => core_class(core),
        _ => Class::Base,
    }
}

/// The class of a Google Cloud error: credentials and permissions are `AuthError`, what the
/// project or API refuses is `SourceError`.
fn gcp_class(e: &svcgraph_gcp::Error) -> Class {
    use svcgraph_gcp::Error as E;
    match e {
        E::Config(_) => Class::Input,
        E::Credentials(_) | E::Unauthenticated { .. } | E::PermissionDenied { .. } => Class::Auth,
        E::ApiDisabled { .. }
        | E::QuotaExhausted { .. }
        | E::ProjectNotFound { .. }
        | E::Timeout { .. }
        | E::CloudMonitoring { .. } => Class::Source,
        E::Prometheus(client) => prometheus_class(client),
        E::Core(core) => core_class(core),
        #[allow(unreachable_patterns)]
        _ => Class::Base,
    }
}

/// The keyword argument that answers a core error, for its message: the library's messages
/// name no arguments.
fn core_hint(e: &svcgraph_core::Error) -> Option<&'static str> {
    use svcgraph_core::Error as E;
    match e {
        E::MissingLabel { .. } => Some("choose the schema with schema="),
        E::NoSchemaFits { .. } => Some("pass schema= a preset name or a schema file"),
        E::SeriesFilterOnGraph => {
            Some("cluster= and filters= select series; use Graph.filter on a graph document")
        }
        _ => None,
    }
}

/// The `OSError` subclass Python raises for this I/O error, with errno, text and file name.
fn os_error(path: &std::path::Path, source: &std::io::Error) -> PyErr {
    use pyo3::exceptions::{
        PyFileNotFoundError, PyIsADirectoryError, PyOSError, PyPermissionError,
    };
    use std::io::ErrorKind;
    let errno = source.raw_os_error().unwrap_or(0);
    // Python's own text ("No such file or directory"), without Rust's " (os error 2)".
    let text = source.to_string();
    let text = text
        .strip_suffix(&format!(" (os error {errno})"))
        .unwrap_or(&text)
        .to_owned();
    let args = (errno, text, path.to_string_lossy().into_owned());
    match source.kind() {
        ErrorKind::NotFound => PyFileNotFoundError::new_err(args),
        ErrorKind::PermissionDenied => PyPermissionError::new_err(args),
        ErrorKind::IsADirectory => PyIsADirectoryError::new_err(args),
        _ => PyOSError::new_err(args),
    }
}

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        let e = match e {
            Error::Python(err) => return err,
            Error::Read { path, source } => return os_error(&path, &source),
            other => other,
        };
        let class = match &e {
            Error::Core(core) => core_class(core),
            Error::Prometheus(client) => prometheus_class(client),
            Error::Gcp(google) => gcp_class(google),
            Error::Input(_) => Class::Input,
            Error::Source(_) => Class::Source,
            Error::Write { .. } => Class::Output,
            // Returned above: a Python exception already, or Python's own OSError.
            Error::Python(_) | Error::Read { .. } => Class::Base,
        };
        let message = match &e {
            Error::Core(core) => match core_hint(core) {
                Some(hint) => format!("{core} ({hint})"),
                None => core.to_string(),
            },
            _ => e.to_string(),
        };
        match class {
            Class::Base => SvcgraphError::new_err(message),
            Class::Source => SourceError::new_err(message),
            Class::Auth => AuthError::new_err(message),
            Class::Query => QueryError::new_err(message),
            Class::Input => InputError::new_err(message),
            Class::Output => OutputError::new_err(message),
        }
    }
}
