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

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        let e = match e {
            Error::Python(err) => return err,
            other => other,
        };
        let class = match &e {
            Error::Core(core) => core_class(core),
            Error::Prometheus(client) => prometheus_class(client),
            Error::Gcp(google) => gcp_class(google),
            Error::Input(_) | Error::Read { .. } => Class::Input,
            Error::Source(_) => Class::Source,
            Error::Write { .. } => Class::Output,
            // Returned above: it is a Python exception already.
            Error::Python(_) => Class::Base,
        };
        let message = e.to_string();
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
