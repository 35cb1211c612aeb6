//! What a caller should hear about after a graph was built: returned, never printed.

use std::fmt;

use crate::query::QueryPurpose;

/// Something that did not stop the graph from being built but that its reader should know:
/// the server's own warnings, and series left out. `Display` gives one line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// A warning or info the server sent with a query's response (Prometheus' `warnings` and
    /// `infos`, the latter prefixed with `info: `), or a note from reading the response.
    Response {
        /// The query it came with.
        purpose: QueryPurpose,
        /// The text, as the server sent it.
        message: String,
    },
    /// Series of one query that are not in the graph.
    LeftOut {
        /// The query whose series were left out.
        purpose: QueryPurpose,
        /// How many.
        count: usize,
        /// Why.
        reason: LeftOutReason,
    },
    /// Several request series mapped to the same edge on `edges` edges, and their rates were
    /// added up; the schema's node ids may leave out a label that tells them apart.
    Duplicates {
        /// How many edges.
        edges: usize,
        /// The first of them.
        example: crate::schema::DuplicateSeries,
    },
}

/// Why series were left out of the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeftOutReason {
    /// Their value was `NaN`: no data in the window.
    NoData,
    /// Their rate was zero: idle edges are not drawn.
    Idle,
    /// Their value was infinite or negative, which no rate or latency can be.
    Invalid,
    /// They name an edge that has no requests, so there is nothing to attach them to.
    Unmatched,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Response { purpose, message } => {
                write!(f, "{}: {message}", purpose.describe())
            }
            Warning::LeftOut {
                purpose,
                count,
                reason,
            } => {
                let what = purpose.describe();
                let were = crate::error::were(*count);
                match reason {
                    LeftOutReason::NoData => write!(
                        f,
                        "{what}: {count} series had no data in the window (NaN) and {were} left out"
                    ),
                    LeftOutReason::Idle => {
                        write!(f, "{what}: {count} idle series (rate 0) {were} left out")
                    }
                    LeftOutReason::Invalid => write!(
                        f,
                        "{what}: {count} series with an infinite or negative value {were} left out"
                    ),
                    LeftOutReason::Unmatched => write!(
                        f,
                        "{what}: {count} series {} no edge with requests and {were} ignored",
                        if *count == 1 { "matches" } else { "match" }
                    ),
                }
            }
            Warning::Duplicates { edges, example } => write!(
                f,
                "{}: several series map to the same edge on {edges} {} (e.g. {} series for `{}` -> `{}`), and their rates were added up; the schema's node ids may leave out a label that tells them apart (a namespace or cluster)",
                QueryPurpose::Requests.describe(),
                if *edges == 1 { "edge" } else { "edges" },
                example.series,
                crate::error::excerpt(&example.client),
                crate::error::excerpt(&example.server),
            ),
        }
    }
}
