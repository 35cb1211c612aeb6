//! The one error type of `svcgraph-prometheus`.

use svcgraph_core::query::QueryPurpose;

/// Everything that can go wrong between a [`Client`](crate::Client) and the metric store.
///
/// Messages are one line, name the URL that was asked (never its credentials) and say what to
/// check. Use [`Error::is_retryable`] to tell passing trouble from a request that will never
/// succeed as it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client configuration is unusable: a bad base URL, header, or CA file.
    #[error("{0}")]
    Config(String),

    /// A [`TokenSource`](crate::TokenSource) could not supply a token; the message says why
    /// and what to do. Nothing was sent.
    #[error("{0}")]
    Credentials(String),

    /// No connection could be made: refused, DNS failure, TLS handshake failure, network down.
    #[error(
        "cannot connect to {url}: {detail}; check the URL and that the server is running and reachable from here"
    )]
    Unreachable {
        /// The endpoint, without credentials or query.
        url: String,
        /// What the connection attempt ran into.
        detail: String,
    },

    /// The server did not answer within the per-request timeout.
    #[error(
        "no answer from {url} within {seconds} s; the server may be overloaded or the query too heavy: raise the timeout or narrow the query"
    )]
    Timeout {
        /// The endpoint, without credentials or query.
        url: String,
        /// The timeout, in seconds.
        seconds: f64,
    },

    /// The server refused the credentials (HTTP 401) or their permissions (HTTP 403).
    #[error("{url} answered HTTP {status}{detail}; {hint}")]
    Auth {
        /// The endpoint, without credentials or query.
        url: String,
        /// 401 or 403.
        status: u16,
        /// The server's message, starting with ": ", or empty.
        detail: String,
        /// What to check.
        hint: &'static str,
    },

    /// Any other HTTP error status. A PromQL error (HTTP 400 or 422) carries the server's
    /// `errorType` and `error` from the Prometheus error envelope.
    #[error("{url} answered HTTP {status}{detail}; {hint}")]
    Status {
        /// The endpoint, without credentials or query.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The error envelope's `errorType`, when the body had one.
        error_type: Option<String>,
        /// `": errorType: error"` from the envelope, or a short excerpt of the body, or empty.
        detail: String,
        /// What to check.
        hint: &'static str,
        /// Seconds the server asked to wait before trying again (`Retry-After`).
        retry_after: Option<u64>,
    },

    /// The server answered 200 with something that is not a Prometheus API response, or with
    /// `"status": "error"`.
    #[error("{url} sent a response svcgraph cannot use: {detail}")]
    Response {
        /// The endpoint, without credentials or query.
        url: String,
        /// What is wrong with it (with a short excerpt of the body where that helps).
        detail: String,
    },

    /// A retryable failure persisted through every attempt of the retry policy.
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// How many requests were sent.
        attempts: u32,
        /// The last attempt's error.
        last: Box<Error>,
    },

    /// One of the planned queries of a fetch failed.
    ///
    /// The cause is part of the message and not also the error's
    /// [`source`](std::error::Error::source), so that printing the chain shows it once.
    #[error("the {} query failed: {cause}", .purpose.describe())]
    Query {
        /// Which query.
        purpose: QueryPurpose,
        /// Why.
        cause: Box<Error>,
    },

    /// The answer, or the answers to one graph's queries together, were larger than the
    /// client accepts ([`ClientConfig::max_response_bytes`](crate::ClientConfig::max_response_bytes));
    /// reading stopped there.
    #[error(
        "{url} sent answers larger than the limit of {limit_bytes} bytes ({}) for one graph's queries together; narrow the query (cluster, namespace or label filters) or raise the limit (--max-response-size)",
        human_bytes(*.limit_bytes)
    )]
    TooLarge {
        /// The endpoint, without credentials or query.
        url: String,
        /// The limit, in bytes.
        limit_bytes: u64,
    },

    /// Planning the queries or reading the results failed in `svcgraph-core`.
    #[error(transparent)]
    Core(#[from] svcgraph_core::Error),
}

/// The result type of `svcgraph-prometheus`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether sending the same request again may succeed: connection failures, timeouts,
    /// HTTP 429 and 5xx. Never other 4xx: a bad query or bad credentials stay bad.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Unreachable { .. } | Error::Timeout { .. } => true,
            Error::Status { status, .. } => *status == 429 || *status >= 500,
            Error::Config(_)
            | Error::Credentials(_)
            | Error::Auth { .. }
            | Error::Response { .. }
            | Error::RetriesExhausted { .. }
            | Error::Query { .. }
            | Error::TooLarge { .. }
            | Error::Core(_) => false,
        }
    }
}

/// `256 MiB`, `1.5 GiB`, `512 KiB`, `100 bytes`.
pub(crate) fn human_bytes(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            let value = bytes as f64 / size as f64;
            return if bytes.is_multiple_of(size) {
                format!("{} {unit}", bytes / size)
            } else {
                format!("{value:.1} {unit}")
            };
        }
    }
    format!("{bytes} bytes")
}

/// Shortens text from a server for an error message: at most `max` characters, control
/// characters made visible, so a 50 MB HTML page cannot flood the terminal.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let text = crate::config::scrub_credentials(text);
    let mut out = String::new();
    let mut count = 0;
    for c in text.trim().chars() {
        if count >= max {
            out.push('…');
            break;
        }
        if c.is_control() {
            let escaped = c.escape_default();
            count += escaped.len();
            out.extend(escaped);
        } else {
            count += 1;
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_errors_are_transient_ones() {
        let status = |status| Error::Status {
            url: "u".into(),
            status,
            error_type: None,
            detail: String::new(),
            hint: "",
            retry_after: None,
        };
        assert!(status(503).is_retryable());
        assert!(status(500).is_retryable());
        assert!(status(429).is_retryable());
        assert!(!status(400).is_retryable());
        assert!(!status(404).is_retryable());
        assert!(
            Error::Timeout {
                url: "u".into(),
                seconds: 1.0
            }
            .is_retryable()
        );
        assert!(
            !Error::Auth {
                url: "u".into(),
                status: 401,
                detail: String::new(),
                hint: ""
            }
            .is_retryable()
        );
    }

    #[test]
    fn a_failed_query_names_its_cause_once_in_the_chain() {
        let err = Error::Query {
            purpose: QueryPurpose::Requests,
            cause: Box::new(Error::Unreachable {
                url: "http://h/api/v1/query".into(),
                detail: "connection refused".into(),
            }),
        };
        let mut chain = vec![err.to_string()];
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            chain.push(cause.to_string());
            source = cause.source();
        }
        let shown = chain.join(": ");
        assert_eq!(shown.matches("connection refused").count(), 1, "{shown}");
    }

    #[test]
    fn sizes_are_shown_in_binary_units() {
        assert_eq!(human_bytes(256 << 20), "256 MiB");
        assert_eq!(human_bytes(1536 << 20), "1.5 GiB");
        assert_eq!(human_bytes(2048), "2 KiB");
        assert_eq!(human_bytes(100), "100 bytes");
    }

    #[test]
    fn excerpts_stay_short_and_on_one_line() {
        let shown = excerpt(&"<html>\n".repeat(1000), 40);
        assert!(!shown.contains('\n'));
        assert!(shown.chars().count() <= 42, "{shown}");
        assert!(shown.starts_with("<html>\\n<html>"), "{shown}");
        assert!(shown.ends_with('…'));
    }
}
