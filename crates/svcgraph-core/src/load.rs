//! One call from a saved input to a graph: [`load`] (and [`load_with`] for a schema or
//! filters of your own; [`load_series`] for series already in memory).
//!
//! It recognises the three JSON documents svcgraph reads (see [`input`](crate::input)): a
//! Prometheus `/api/v1/query` response, a svcgraph snapshot, or a svcgraph graph document.
//! Series are mapped by the schema given, else the one a snapshot carries, else the preset
//! whose labels fit ([`Schema::detect`]). What the caller should hear about comes back as
//! typed [`Warning`]s; nothing is printed.
//!
//! ```
//! let response = br#"{"status":"success","data":{"resultType":"vector","result":[
//!   {"metric":{"client":"frontend","server":"cart"},"value":[1700000000,"12.5"]}]}}"#;
//! let loaded = svcgraph_core::load(response)?;
//! assert_eq!(loaded.kind, svcgraph_core::InputKind::PrometheusResponse);
//! let chosen = loaded.schema.as_ref().unwrap();
//! assert_eq!(chosen.source, svcgraph_core::SchemaSource::Detected);
//! assert_eq!(loaded.graph.edge_count(), 1);
//! # Ok::<(), svcgraph_core::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::input::{Input, read_input};
use crate::model::ServiceGraph;
use crate::query::{LabelMatcher, QueryPurpose};
use crate::schema::{QueryResults, Schema};
use crate::warning::Warning;

/// Which kind of document an input was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputKind {
    /// A Prometheus API response: the result of the requests query.
    PrometheusResponse,
    /// A svcgraph snapshot: every query's response and the schema that planned them.
    Snapshot,
    /// A svcgraph graph document (`render::json`), a finished graph.
    GraphDocument,
    /// Query results handed over in memory ([`load_series`]), not a document.
    Series,
}

/// Where the schema that mapped the series came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemaSource {
    /// The caller named it ([`LoadOptions::schema`]).
    Given,
    /// The snapshot carried it.
    Snapshot,
    /// It is the preset whose labels fit the series ([`Schema::detect`]).
    Detected,
    /// The response held no series to detect a schema from, so the first preset was taken;
    /// the graph is empty whichever schema maps it.
    Fallback,
}

/// The schema that mapped the series, and how it was chosen.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SchemaChoice {
    /// The schema.
    pub schema: Schema,
    /// How it was chosen.
    pub source: SchemaSource,
}

/// Choices for [`load_with`]. The default detects the schema and keeps every series.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct LoadOptions {
    /// The schema that maps the series; `None` takes a snapshot's own, or detects one.
    pub schema: Option<Schema>,
    /// Keep only series of this cluster (the schema's cluster label).
    pub cluster: Option<String>,
    /// Keep only series all these matchers accept.
    pub matchers: Vec<LabelMatcher>,
}

impl LoadOptions {
    fn filters_series(&self) -> bool {
        self.cluster.is_some() || !self.matchers.is_empty()
    }
}

/// A saved input, read and mapped to a graph.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Loaded {
    /// The graph.
    pub graph: ServiceGraph,
    /// What the input was.
    pub kind: InputKind,
    /// The schema that mapped the series; `None` for a graph document, which has no series.
    pub schema: Option<SchemaChoice>,
    /// What the servers warned about and what was left out, in query order.
    pub warnings: Vec<Warning>,
    /// The time the numbers describe, `(from, to)` in Unix milliseconds, when the input
    /// records it (a snapshot's query: its `rate()` window before its moment).
    pub window: Option<(i64, i64)>,
    /// The series the graph was built from (after the series filters), for the
    /// [data-quality report](crate::quality); `None` for a graph document.
    pub results: Option<QueryResults>,
}

impl Loaded {
    /// The series and schema behind the graph, for [`quality::assess`](crate::quality::assess);
    /// `None` for a graph document.
    pub fn evidence(&self) -> Option<crate::quality::Evidence<'_>> {
        Some(crate::quality::Evidence {
            schema: &self.schema.as_ref()?.schema,
            results: self.results.as_ref()?,
        })
    }
}

/// Reads a saved input with the default [`LoadOptions`]: the schema a snapshot carries, else
/// the preset whose labels fit, and every series.
pub fn load(bytes: &[u8]) -> Result<Loaded> {
    load_with(bytes, &LoadOptions::default())
}

/// Reads a saved input: recognises the document, chooses the schema, keeps the series the
/// options select and builds the graph.
///
/// Fails on an input that is none of the three documents, on series the schema cannot map
/// ([`Error::MissingLabel`]), when no preset fits ([`Error::NoSchemaFits`]), and on series
/// filters for a graph document ([`Error::SeriesFilterOnGraph`]).
pub fn load_with(bytes: &[u8], options: &LoadOptions) -> Result<Loaded> {
    let (kind, carried, window, results) = match read_input(bytes)? {
        Input::Graph(graph) => {
            if options.filters_series() {
                return Err(Error::SeriesFilterOnGraph);
            }
            return Ok(Loaded {
                graph,
                kind: InputKind::GraphDocument,
                schema: None,
                warnings: Vec::new(),
                window: None,
                results: None,
            });
        }
        Input::Series {
            schema: Some(schema),
            window,
            results,
        } => (InputKind::Snapshot, Some(schema), window, results),
        Input::Series {
            schema: None,
            window,
            results,
        } => (InputKind::PrometheusResponse, None, window, results),
    };
    let mut loaded = map_series(kind, carried, results, options)?;
    loaded.window = window;
    Ok(loaded)
}

/// Maps query results already in memory (the samples of your own PromQL queries, say) the
/// way [`load_with`] maps a saved response: the schema given, else the preset that fits.
pub fn load_series(results: QueryResults, options: &LoadOptions) -> Result<Loaded> {
    map_series(InputKind::Series, None, results, options)
}

fn map_series(
    kind: InputKind,
    carried: Option<Schema>,
    mut results: QueryResults,
    options: &LoadOptions,
) -> Result<Loaded> {
    let choice = match (&options.schema, carried) {
        (Some(given), _) => SchemaChoice {
            schema: given.clone(),
            source: SchemaSource::Given,
        },
        (None, Some(carried)) => SchemaChoice {
            schema: carried,
            source: SchemaSource::Snapshot,
        },
        (None, None) => detect(&results)?,
    };
    let mut matchers = options.matchers.clone();
    if let Some(cluster) = &options.cluster {
        matchers.push(choice.schema.cluster_matcher(cluster)?);
    }
    results.retain_matching(&matchers)?;
    let built = choice.schema.build(&results)?;
    Ok(Loaded {
        graph: built.graph,
        kind,
        schema: Some(choice),
        warnings: built.warnings,
        window: None,
        results: Some(results),
    })
}

/// The preset whose labels fit the request series; the first preset when there are none.
fn detect(results: &QueryResults) -> Result<SchemaChoice> {
    let requests = results
        .get(QueryPurpose::Requests)
        .filter(|r| !r.samples.is_empty());
    let Some(requests) = requests else {
        return Ok(SchemaChoice {
            schema: Schema::preset(Schema::PRESETS[0])?,
            source: SchemaSource::Fallback,
        });
    };
    match Schema::detect(requests) {
        Some(schema) => Ok(SchemaChoice {
            schema,
            source: SchemaSource::Detected,
        }),
        None => Err(Error::NoSchemaFits {
            labels: requests.label_summary(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISTIO: &[u8] = br#"{"status":"success","data":{"resultType":"vector","result":[
        {"metric":{"source_workload":"front","source_workload_namespace":"shop",
                   "destination_workload":"cart","destination_workload_namespace":"shop",
                   "reporter":"source","cluster":"prod"},"value":[1,"4"]},
        {"metric":{"source_workload":"front","source_workload_namespace":"shop",
                   "destination_workload":"ads","destination_workload_namespace":"shop",
                   "reporter":"source","cluster":"dev"},"value":[1,"NaN"]}]}}"#;

    #[test]
    fn a_response_is_mapped_by_the_preset_that_fits_with_typed_warnings() {
        let loaded = load(ISTIO).unwrap();
        assert_eq!(loaded.kind, InputKind::PrometheusResponse);
        let choice = loaded.schema.unwrap();
        assert_eq!(
            (choice.schema.name.as_str(), choice.source),
            ("istio", SchemaSource::Detected)
        );
        assert_eq!(loaded.graph.edge_count(), 1);
        assert_eq!(
            loaded.warnings,
            [Warning::LeftOut {
                purpose: QueryPurpose::Requests,
                count: 1,
                reason: crate::warning::LeftOutReason::NoData,
            }]
        );
    }

    #[test]
    fn options_choose_the_schema_and_filter_the_series() {
        let options = LoadOptions {
            schema: Some(Schema::preset("istio").unwrap()),
            cluster: Some("dev".into()),
            ..LoadOptions::default()
        };
        let loaded = load_with(ISTIO, &options).unwrap();
        assert_eq!(loaded.schema.unwrap().source, SchemaSource::Given);
        // Only the NaN series of `dev` is left: no edge, one warning.
        assert_eq!(loaded.graph.edge_count(), 0);
        assert_eq!(loaded.warnings.len(), 1);
    }

    #[test]
    fn a_snapshot_says_what_time_it_describes_and_a_response_does_not() {
        let snapshot = format!(
            r#"{{"format":"svcgraph-snapshot","version":1,"schema":{},
                "query":{{"window":"5m","at":"2026-11-24T17:00:00Z"}},
                "results":[{{"purpose":"requests","promql":"x","response":{}}}]}}"#,
            serde_json::to_string(&Schema::preset("istio").unwrap()).unwrap(),
            std::str::from_utf8(ISTIO).unwrap()
        );
        let loaded = load(snapshot.as_bytes()).unwrap();
        assert_eq!(loaded.kind, InputKind::Snapshot);
        let at = 1_795_539_600_000;
        assert_eq!(loaded.window, Some((at - 300_000, at)));
        assert_eq!(load(ISTIO).unwrap().window, None);
    }

    #[test]
    fn a_graph_document_comes_back_as_it_is_and_refuses_series_filters() {
        let doc = crate::render::json::to_json(&load(ISTIO).unwrap().graph);
        let loaded = load(doc.as_bytes()).unwrap();
        assert_eq!(loaded.kind, InputKind::GraphDocument);
        assert!(loaded.schema.is_none());
        assert_eq!(loaded.graph.edge_count(), 1);
        let options = LoadOptions {
            matchers: vec![LabelMatcher::equal("cluster", "prod").unwrap()],
            ..LoadOptions::default()
        };
        let err = load_with(doc.as_bytes(), &options).unwrap_err();
        assert!(matches!(err, Error::SeriesFilterOnGraph), "{err}");
    }

    #[test]
    fn series_no_preset_fits_are_a_neutral_error() {
        let odd = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"from":"a","to":"b"},"value":[1,"1"]}]}}"#;
        let err = load(odd).unwrap_err();
        assert!(matches!(err, Error::NoSchemaFits { .. }), "{err}");
        let message = err.to_string();
        assert!(message.contains("from, to"), "{message}");
        assert!(
            !message.contains("--"),
            "names a command-line flag: {message}"
        );
    }

    #[test]
    fn series_in_memory_take_the_same_path() {
        let results =
            QueryResults::from_requests(crate::series::SeriesSet::from_json(ISTIO).unwrap());
        let loaded = load_series(results, &LoadOptions::default()).unwrap();
        assert_eq!(loaded.kind, InputKind::Series);
        assert_eq!(loaded.schema.unwrap().schema.name, "istio");
        assert_eq!(loaded.graph.edge_count(), 1);
    }

    #[test]
    fn an_empty_response_falls_back_to_the_first_preset() {
        let empty = br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        let loaded = load(empty).unwrap();
        assert_eq!(loaded.schema.unwrap().source, SchemaSource::Fallback);
        assert!(loaded.graph.is_empty());
    }
}
