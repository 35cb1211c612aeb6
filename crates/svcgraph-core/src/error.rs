//! The one error type of `svcgraph-core`.

use std::fmt;

/// Everything that can go wrong between a metric response and a rendered graph.
///
/// Each message says what was wrong and, where it can, what to do about it. Messages are one
/// line so that a command-line tool can print them as they are.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not valid JSON (or not UTF-8).
    #[error("{what} is not valid JSON: {detail}")]
    Json {
        /// What was being read ("the input", "the schema file", …).
        what: String,
        /// The parser's description, with line and column.
        detail: String,
    },

    /// The Prometheus API answered with `"status": "error"`.
    #[error("the query failed on the server ({error_type}): {message}")]
    QueryFailed {
        /// Prometheus' `errorType`, e.g. `bad_data`, `timeout`, `execution`.
        error_type: String,
        /// Prometheus' `error` text.
        message: String,
    },

    /// The input is JSON, but not in a shape svcgraph understands.
    #[error("{0}")]
    Format(String),

    /// The response holds a result type that carries no series per edge.
    #[error(
        "expected a vector or matrix of series (one per edge), got a {0} result; save the response of a query that groups by client and server, such as a schema's requests query"
    )]
    ResultType(String),

    /// A series lacks the labels the schema needs to find one end of an edge.
    #[error(
        "a series has no {side} label ({wanted}) for schema `{schema}`: {{{series}}}; is it the right schema?"
    )]
    MissingLabel {
        /// The schema in use.
        schema: String,
        /// `client` or `server`.
        side: &'static str,
        /// The label names that were looked for.
        wanted: String,
        /// The series' labels, for the user to compare.
        series: String,
    },

    /// No schema preset fits the labels of the series, so none can be chosen for them.
    #[error(
        "no schema preset fits the labels of the series ({labels}); name a preset or a schema of your own"
    )]
    NoSchemaFits {
        /// The label names the series carry, for the user to compare with the presets.
        labels: String,
    },

    /// Series filters (a cluster, label matchers) were given for a graph document, which has
    /// no series left to filter.
    #[error(
        "cluster and label filters select series, and a graph document has none left; filter its nodes instead"
    )]
    SeriesFilterOnGraph,

    /// A user-supplied value is not acceptable (label name, duration, time, regex, …).
    #[error("{0}")]
    Invalid(String),

    /// A schema name that is neither a preset nor a readable definition.
    #[error("unknown schema `{name}`; presets are: {known}")]
    UnknownSchema {
        /// What the user asked for.
        name: String,
        /// The preset names, comma separated.
        known: String,
    },

    /// A node selector matched no node.
    #[error("no node is named `{}`{hint}", crate::render::shown(query))]
    NodeNotFound {
        /// What the user asked for.
        query: String,
        /// Empty, or a list of close names starting with "; did you mean".
        hint: Suggestions,
    },
}

/// The result type of `svcgraph-core`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Names close to one that was not found, shown after a "no such node" error.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Suggestions(pub Vec<String>);

impl fmt::Display for Suggestions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return Ok(());
        }
        f.write_str("; did you mean ")?;
        for (i, name) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{}`", crate::render::shown(name))?;
        }
        f.write_str("?")
    }
}

impl Error {
    pub(crate) fn json(what: &str, err: &serde_json::Error) -> Self {
        let hint = if err.is_eof() {
            " (the input ends early: is the file complete?)"
        } else {
            ""
        };
        Error::Json {
            what: what.to_owned(),
            detail: format!("{err}{hint}"),
        }
    }
}

/// `was` for one, `were` for any other count: "1 series was", "2 series were".
#[cfg(feature = "full")]
pub(crate) fn were(count: usize) -> &'static str {
    if count == 1 { "was" } else { "were" }
}

/// Shortens a value for an error message so a 10 kB label cannot flood the terminal, and
/// makes control characters visible so the message stays on one line.
pub(crate) fn excerpt(value: &str) -> String {
    const MAX: usize = 120;
    let mut out = String::new();
    for (count, c) in value.chars().enumerate() {
        if count == MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_keeps_messages_on_one_line_and_short() {
        let long = "a\nb".repeat(10_000);
        let shown = excerpt(&long);
        assert!(!shown.contains('\n'));
        assert!(shown.contains("\\n"));
        assert!(shown.chars().count() <= 125 + 120);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn suggestions_render_as_a_question() {
        let s = Suggestions(vec!["cart".into(), "carts".into()]);
        assert_eq!(s.to_string(), "; did you mean `cart`, `carts`?");
        assert_eq!(Suggestions::default().to_string(), "");
    }
}
