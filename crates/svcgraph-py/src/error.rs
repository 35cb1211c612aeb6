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
//! (`FileNotFoundError`, `PermissionError`, …), with `filename` set. A file that cannot be
//! written raises an `OutputError` that is also that `OSError` subclass (built by
//! `svcgraph._errors._output_error`), with `errno`, `strerror` and `filename` (the path the
//! caller gave, not the temporary file) set, and a message that says what to do.

use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use pyo3::prelude::*;

pyo3::import_exception!(svcgraph._errors, SvcgraphError);
pyo3::import_exception!(svcgraph._errors, SourceError);
pyo3::import_exception!(svcgraph._errors, AuthError);
pyo3::import_exception!(svcgraph._errors, QueryError);
pyo3::import_exception!(svcgraph._errors, InputError);

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
            Error::Write { path, source } => f.write_str(&write_message(path, source)),
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

/// The operating system's text for an I/O error, as Python's `strerror` ("No such file or
/// directory"), without Rust's " (os error 2)".
fn os_text(source: &std::io::Error) -> String {
    let text = source.to_string();
    match source.raw_os_error() {
        Some(errno) => text
            .strip_suffix(&format!(" (os error {errno})"))
            .unwrap_or(&text)
            .to_owned(),
        None => text,
    }
}

/// The `OSError` subclass Python raises for this I/O error, with errno, text and file name.
fn os_error(path: &Path, source: &std::io::Error) -> PyErr {
    use pyo3::exceptions::{
        PyFileNotFoundError, PyIsADirectoryError, PyOSError, PyPermissionError,
    };
    let errno = source.raw_os_error().unwrap_or(0);
    let args = (errno, os_text(source), path.to_string_lossy().into_owned());
    match source.kind() {
        ErrorKind::NotFound => PyFileNotFoundError::new_err(args),
        ErrorKind::PermissionDenied => PyPermissionError::new_err(args),
        ErrorKind::IsADirectory => PyIsADirectoryError::new_err(args),
        _ => PyOSError::new_err(args),
    }
}

/// What a failed write of `path` means for the caller, and what to do about it.
fn write_message(path: &Path, source: &std::io::Error) -> String {
    let shown = path.display();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let reason = match source.kind() {
        ErrorKind::NotFound => format!(
            "the directory {} does not exist; create it first or choose another path",
            dir.display()
        ),
        ErrorKind::PermissionDenied => format!(
            "permission denied in the directory {}; choose a directory you can write to",
            dir.display()
        ),
        ErrorKind::IsADirectory => format!(
            "it is a directory; pass the path of a file, such as {}",
            path.join("graph.svg").display()
        ),
        ErrorKind::NotADirectory => {
            // The nearest part of the path that exists and is not a directory.
            match path
                .ancestors()
                .skip(1)
                .find(|a| std::fs::metadata(a).is_ok_and(|m| !m.is_dir()))
            {
                Some(file) => format!(
                    "{} is a file, not a directory; choose another path",
                    file.display()
                ),
                None => format!("{}; choose another path", os_text(source)),
            }
        }
        ErrorKind::ReadOnlyFilesystem => {
            "the file system is read-only; choose another path".to_owned()
        }
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge => format!(
            "{}; free some space or choose another path (an existing file there is unchanged)",
            os_text(source)
        ),
        _ => format!("{} (an existing file there is unchanged)", os_text(source)),
    };
    format!("cannot save to {shown}: {reason}")
}

/// The `OutputError` of a failed write: also the `OSError` subclass Python has for its errno
/// (`FileNotFoundError`, `PermissionError`, …), so either `except` catches it.
fn output_error(path: &Path, source: &std::io::Error) -> PyErr {
    let message = write_message(path, source);
    let errno = source.raw_os_error();
    Python::attach(|py| {
        let made = py.import("svcgraph._errors")?.call_method1(
            "_output_error",
            (message, errno, os_text(source), path.as_os_str()),
        )?;
        Ok::<_, PyErr>(PyErr::from_value(made))
    })
    .unwrap_or_else(|failed| failed)
}

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        let e = match e {
            Error::Python(err) => return err,
            Error::Read { path, source } => return os_error(&path, &source),
            Error::Write { path, source } => return output_error(&path, &source),
            other => other,
        };
        let class = match &e {
            Error::Core(core) => core_class(core),
            Error::Prometheus(client) => prometheus_class(client),
            Error::Gcp(google) => gcp_class(google),
            Error::Input(_) => Class::Input,
            Error::Source(_) => Class::Source,
            // Returned above: a Python exception already, or an OSError with errno and file.
            Error::Python(_) | Error::Read { .. } | Error::Write { .. } => Class::Base,
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
        }
    }
}
