//! The saved inputs svcgraph reads: which of the three JSON documents an input is, and the
//! snapshot format. [`load`](crate::load()) is the one call that reads them.
//!
//! * a Prometheus API response (has `status`): the result of the requests query;
//! * a snapshot (`"format": "svcgraph-snapshot"`): every query's response plus the schema that
//!   planned them, as `svcgraph fetch` saves it, so the graph can be rebuilt offline;
//! * a graph document (`"format": "svcgraph-graph"`, see [`render::json`](crate::render::json)).

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::error::{Error, Result, excerpt};
use crate::model::ServiceGraph;
use crate::query::{GraphQuery, QueryPurpose};
use crate::render::json;
use crate::schema::{QueryResults, Schema};
use crate::series::SeriesSet;

/// The value of a snapshot's `format` field.
pub const SNAPSHOT_FORMAT: &str = "svcgraph-snapshot";
/// The snapshot version this library writes and reads.
pub const SNAPSHOT_VERSION: u32 = 1;

/// Every response a graph was built from, with the schema and query that asked for them.
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Snapshot {
    /// Always [`SNAPSHOT_FORMAT`].
    pub format: String,
    /// Always [`SNAPSHOT_VERSION`] when written by this library.
    pub version: u32,
    /// The schema that planned the queries and maps the results.
    pub schema: Schema,
    /// The query (filters, window, time), for the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<GraphQuery>,
    /// One entry per query. Reading skips entries whose `purpose` this version does not
    /// know (the extra queries of a later version), so such snapshots still draw.
    #[serde(deserialize_with = "known_results")]
    pub results: Vec<SnapshotResult>,
}

/// A snapshot's results, leaving out those of purposes this version does not know.
fn known_results<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<SnapshotResult>, D::Error> {
    #[derive(Deserialize)]
    struct Any {
        purpose: String,
        #[serde(default)]
        promql: String,
        response: Box<RawValue>,
    }
    let all = Vec::<Any>::deserialize(d)?;
    Ok(all
        .into_iter()
        .filter_map(|r| {
            let purpose =
                serde_json::from_value::<QueryPurpose>(serde_json::Value::String(r.purpose))
                    .ok()?;
            Some(SnapshotResult::new(purpose, r.promql, r.response))
        })
        .collect())
}

/// One query of a [`Snapshot`] and the server's response, kept verbatim.
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SnapshotResult {
    /// Which part of the edge model it fills.
    pub purpose: QueryPurpose,
    /// The PromQL that was run.
    #[serde(default)]
    pub promql: String,
    /// The Prometheus API response body.
    pub response: Box<RawValue>,
}

impl SnapshotResult {
    /// One query's record: what it is for, its PromQL and the server's response verbatim.
    pub fn new(purpose: QueryPurpose, promql: String, response: Box<RawValue>) -> Self {
        SnapshotResult {
            purpose,
            promql,
            response,
        }
    }
}

impl Snapshot {
    /// A snapshot of this library's format and version.
    pub fn new(schema: Schema, query: Option<GraphQuery>, results: Vec<SnapshotResult>) -> Self {
        Snapshot {
            format: SNAPSHOT_FORMAT.to_owned(),
            version: SNAPSHOT_VERSION,
            schema,
            query,
            results,
        }
    }

    /// The parsed results, ready for [`Schema::build`].
    pub fn results(&self) -> Result<QueryResults> {
        let mut out = QueryResults::default();
        for r in &self.results {
            let set = SeriesSet::from_raw(&r.response).map_err(|e| {
                Error::Format(format!(
                    "the snapshot's {} response: {e}",
                    r.purpose.describe()
                ))
            })?;
            out.insert(r.purpose, set);
        }
        if out.get(QueryPurpose::Requests).is_none() {
            return Err(Error::Format("the snapshot has no requests result".into()));
        }
        Ok(out)
    }
}

/// A saved input, recognised.
// One value per run: boxing the larger variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Input {
    /// A finished graph document.
    Graph(ServiceGraph),
    /// Query results still to be mapped by a schema; a snapshot names its own.
    Series {
        /// The schema a snapshot carries; `None` for a bare Prometheus response.
        schema: Option<Schema>,
        /// The time a snapshot's query describes ([`GraphQuery::time_window`]).
        window: Option<(i64, i64)>,
        /// The results.
        results: QueryResults,
    },
}

#[derive(Deserialize)]
struct Probe {
    format: Option<String>,
    status: Option<IgnoredAny>,
}

/// The `format` of a document whose first member it is, read without parsing the rest;
/// `None` for any other document (which the full parse then tells apart).
fn leading_format(text: &str) -> Option<&str> {
    let rest = text
        .trim_start()
        .strip_prefix('{')?
        .trim_start()
        .strip_prefix("\"format\"")?
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    let value = &rest[..rest.find('"')?];
    (!value.contains('\\')).then_some(value)
}

/// Recognises and parses a saved input.
pub(crate) fn read_input(bytes: &[u8]) -> Result<Input> {
    let text = std::str::from_utf8(bytes).map_err(|err| Error::Json {
        what: "the input".into(),
        detail: format!(
            "it is not UTF-8 (invalid byte at offset {})",
            err.valid_up_to()
        ),
    })?;
    if text.trim().is_empty() {
        return Err(Error::Format("the input is empty".into()));
    }
    // A graph document as svcgraph writes it names its format first: read at once, not
    // parsed twice (the document of 300,000 services is a quarter of a gigabyte).
    if leading_format(text) == Some(json::FORMAT) {
        return Ok(Input::Graph(json::from_json(text)?));
    }
    let probe: Probe = serde_json::from_str(text).map_err(|e| {
        if e.classify() == serde_json::error::Category::Data {
            Error::Format(
                "the input is JSON but not an object: expected a Prometheus API response, a svcgraph snapshot or a svcgraph graph document".into(),
            )
        } else {
            Error::json("the input", &e)
        }
    })?;
    match probe.format.as_deref() {
        Some(json::FORMAT) => return Ok(Input::Graph(json::from_json(text)?)),
        Some(SNAPSHOT_FORMAT) => {
            let snapshot: Snapshot =
                serde_json::from_str(text).map_err(|e| Error::json("the snapshot", &e))?;
            if snapshot.version != SNAPSHOT_VERSION {
                return Err(Error::Format(format!(
                    "the snapshot is version {}; this svcgraph reads version {SNAPSHOT_VERSION}",
                    snapshot.version
                )));
            }
            snapshot.schema.validate()?;
            let results = snapshot.results()?;
            return Ok(Input::Series {
                window: snapshot.query.as_ref().and_then(GraphQuery::time_window),
                schema: Some(snapshot.schema),
                results,
            });
        }
        Some(other) => {
            return Err(Error::Format(format!(
                "unknown document format \"{}\"",
                excerpt(other)
            )));
        }
        None => {}
    }
    if probe.status.is_none() {
        return Err(Error::Format(
            "the input is neither a Prometheus API response (no `status`) nor a svcgraph document (no `format`)".into(),
        ));
    }
    Ok(Input::Series {
        schema: None,
        window: None,
        results: QueryResults::from_requests(SeriesSet::from_json(bytes)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_input_is_recognised() {
        let prom = br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert!(matches!(
            read_input(prom).unwrap(),
            Input::Series { schema: None, .. }
        ));
        let graph = br#"{"format":"svcgraph-graph","version":1,"nodes":[],"edges":[]}"#;
        assert!(matches!(read_input(graph).unwrap(), Input::Graph(_)));
        let schema = Schema::preset("istio").unwrap();
        let snapshot = format!(
            r#"{{"format":"svcgraph-snapshot","version":1,"schema":{},"results":[
                {{"purpose":"requests","promql":"x","response":{}}}]}}"#,
            serde_json::to_string(&schema).unwrap(),
            std::str::from_utf8(prom).unwrap()
        );
        match read_input(snapshot.as_bytes()).unwrap() {
            Input::Series {
                schema: Some(s),
                results,
                ..
            } => {
                assert_eq!(s.name, "istio");
                assert!(results.get(QueryPurpose::Requests).is_some());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_graph_document_is_recognised_by_its_format_wherever_it_stands() {
        assert_eq!(
            leading_format(" {\n  \"format\" : \"a b\", \"x\": 1}"),
            Some("a b")
        );
        for other in [
            r#"{"version":1,"format":"x"}"#,
            r#"{"format":"a\"b"}"#,
            r#"["format"]"#,
        ] {
            assert_eq!(leading_format(other), None, "{other}");
        }
        let first = r#"{"format":"svcgraph-graph","version":1,"nodes":[{"id":"a","name":"a","kind":"service"}],"edges":[]}"#;
        let later = r#"{"version":1,"nodes":[{"id":"a","name":"a","kind":"service"}],"edges":[],"format":"svcgraph-graph"}"#;
        for text in [first, later] {
            let Input::Graph(g) = read_input(text.as_bytes()).unwrap() else {
                panic!("{text}")
            };
            assert_eq!(g.node_count(), 1);
        }
        // Named first, the rest is still read in full: what is wrong after it is found.
        for (bad, expected) in [
            (
                first.replace("\"edges\":[]}", "\"edges\":[]} x"),
                "trailing",
            ),
            (first.replace("\"version\":1", "\"version\":9"), "version 9"),
            (
                first.replace("\"edges\":[]", "\"edges\":[{}]"),
                "missing field",
            ),
        ] {
            let err = read_input(bad.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(expected), "{expected}: {err}");
        }
    }

    #[test]
    fn results_of_purposes_from_a_later_version_are_skipped() {
        let prom = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        let snapshot = format!(
            r#"{{"format":"svcgraph-snapshot","version":1,"schema":{},"results":[
                {{"purpose":"requests","promql":"x","response":{prom}}},
                {{"purpose":"something_later","promql":"y","response":{prom}}},
                {{"purpose":"unpaired_spans","promql":"z","response":{prom}}}]}}"#,
            serde_json::to_string(&Schema::preset("servicegraph").unwrap()).unwrap(),
        );
        let Input::Series { results, .. } = read_input(snapshot.as_bytes()).unwrap() else {
            panic!("a snapshot holds series")
        };
        let purposes: Vec<QueryPurpose> = results.iter().map(|(p, _)| p).collect();
        assert_eq!(
            purposes,
            [QueryPurpose::Requests, QueryPurpose::UnpairedSpans]
        );
        // Without a requests result a snapshot is still refused.
        let only_later = snapshot.replace(r#""purpose":"requests""#, r#""purpose":"later""#);
        let err = read_input(only_later.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("no requests result"), "{err}");
    }

    #[test]
    fn unrecognised_inputs_say_what_was_expected() {
        for (input, expected) in [
            (&b""[..], "empty"),
            (b"  \n", "empty"),
            (b"[1,2]", "not an object"),
            (b"{\"hello\":1}", "neither"),
            (b"{\"format\":\"x\"}", "unknown document format"),
            (b"{\"status\":", "ends early"),
            (b"\xff\xfe", "not UTF-8"),
            (
                b"{\"format\":\"svcgraph-snapshot\",\"version\":1,\"schema\":{}}",
                "missing field",
            ),
        ] {
            let err = read_input(input).unwrap_err().to_string();
            assert!(err.contains(expected), "{expected}: {err}");
        }
    }
}
