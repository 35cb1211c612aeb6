//! Prometheus HTTP API responses (`/api/v1/query`) turned into labelled samples.
//!
//! Accepted: `"status": "success"` with `data.resultType` `vector` or `matrix` (a matrix
//! contributes its newest point). `"status": "error"` becomes [`Error::QueryFailed`] with the
//! server's `errorType` and `error`; `scalar` and `string` results are refused with advice.
//! Sample values are kept exactly as sent, including `NaN` and `±Inf`: what a non-finite value
//! means depends on the query, so the [schema](crate::schema) decides. The server's `warnings`
//! (and `infos`) are kept for the user.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{Error, Result, excerpt};
use crate::query::LabelMatcher;

/// One series' labels and its value at the evaluation time.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The series' labels (`metric` in the API), without `__name__` when the query dropped it.
    pub labels: BTreeMap<String, String>,
    /// The value, as sent: may be `NaN` or infinite.
    pub value: f64,
}

impl Sample {
    /// A sample from label pairs and a value.
    pub fn new<'a>(labels: impl IntoIterator<Item = (&'a str, &'a str)>, value: f64) -> Self {
        Sample {
            labels: labels
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            value,
        }
    }

    /// The value of a label; `None` when absent or empty (Prometheus does not distinguish).
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// The samples of one query result and what the server said about it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesSet {
    /// One sample per series, in the order the server sent them.
    pub samples: Vec<Sample>,
    /// Server warnings and infos, and notes about what was skipped while reading.
    pub warnings: Vec<String>,
}

impl SeriesSet {
    /// The label names the first samples carry, sorted, for messages: `labels: a, b` or
    /// `no labels`.
    pub fn label_summary(&self) -> String {
        let mut names: Vec<&str> = self
            .samples
            .iter()
            .take(50)
            .flat_map(|s| s.labels.keys().map(String::as_str))
            .collect();
        names.sort_unstable();
        names.dedup();
        if names.is_empty() {
            "no labels".into()
        } else {
            format!("labels: {}", names.join(", "))
        }
    }

    /// A result holding these samples and no warnings.
    pub fn from_samples(samples: Vec<Sample>) -> Self {
        SeriesSet {
            samples,
            warnings: Vec::new(),
        }
    }

    /// Keeps the samples every matcher accepts, as the server would have. A matcher whose
    /// label no sample carries is an error rather than an empty result: the label was summed
    /// away by the query that produced the response, so the filter cannot be applied to it.
    pub fn retain_matching(&mut self, matchers: &[LabelMatcher]) -> Result<()> {
        if self.samples.is_empty() {
            return Ok(());
        }
        for m in matchers {
            if !self
                .samples
                .iter()
                .any(|s| s.labels.contains_key(m.label()))
            {
                return Err(Error::Invalid(format!(
                    "cannot filter on `{}`: no series in the input has that label (the query that produced it did not keep it)",
                    m.label()
                )));
            }
        }
        self.samples
            .retain(|s| matchers.iter().all(|m| m.matches(&s.labels)));
        Ok(())
    }

    /// Parses a Prometheus API response body.
    pub fn from_json(body: &[u8]) -> Result<Self> {
        if let Err(err) = std::str::from_utf8(body) {
            return Err(Error::Json {
                what: "the response".into(),
                detail: format!(
                    "it is not UTF-8 (invalid byte at offset {})",
                    err.valid_up_to()
                ),
            });
        }
        let raw: RawResponse =
            serde_json::from_slice(body).map_err(|e| Error::json("the response", &e))?;
        raw.into_series()
    }

    /// Parses a response that is already part of a larger JSON document.
    pub(crate) fn from_raw(raw: &RawValue) -> Result<Self> {
        let raw: RawResponse =
            serde_json::from_str(raw.get()).map_err(|e| Error::json("the response", &e))?;
        raw.into_series()
    }
}

/// The envelope every Prometheus API endpoint answers with.
#[derive(Deserialize)]
pub(crate) struct RawResponse<'a> {
    status: Option<String>,
    #[serde(borrow)]
    data: Option<RawData<'a>>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    infos: Vec<String>,
}

#[derive(Deserialize)]
struct RawData<'a> {
    #[serde(rename = "resultType")]
    result_type: Option<String>,
    #[serde(borrow)]
    result: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    value: Option<RawPoint>,
    values: Option<Vec<RawPoint>>,
    histogram: Option<serde::de::IgnoredAny>,
    histograms: Option<serde::de::IgnoredAny>,
}

/// `[unix_seconds, "value"]`.
#[derive(Deserialize)]
struct RawPoint(f64, String);

impl RawResponse<'_> {
    fn into_series(self) -> Result<SeriesSet> {
        let mut warnings = self.warnings;
        warnings.extend(self.infos.into_iter().map(|i| format!("info: {i}")));
        match self.status.as_deref() {
            Some("success") => {}
            Some("error") => {
                return Err(Error::QueryFailed {
                    error_type: excerpt(self.error_type.as_deref().unwrap_or("unknown")),
                    message: excerpt(self.error.as_deref().unwrap_or("no message")),
                });
            }
            Some(other) => {
                return Err(Error::Format(format!(
                    "the response has status `{}`; expected `success` or `error`",
                    excerpt(other)
                )));
            }
            None => {
                return Err(Error::Format(
                    "this is not a Prometheus API response: it has no `status` field".into(),
                ));
            }
        }
        let data = self.data.ok_or_else(|| {
            Error::Format("the response says success but has no `data` field".into())
        })?;
        let result = data
            .result
            .ok_or_else(|| Error::Format("the response's `data` has no `result` field".into()))?;
        let matrix = match data.result_type.as_deref() {
            Some("vector") => false,
            Some("matrix") => true,
            Some(other) => return Err(Error::ResultType(excerpt(other))),
            None => {
                return Err(Error::Format(
                    "the response's `data` has no `resultType` field".into(),
                ));
            }
        };
        let series: Vec<RawSeries> = serde_json::from_str(result.get())
            .map_err(|e| Error::Format(format!("the response's result is malformed: {e}")))?;

        let mut samples = Vec::with_capacity(series.len());
        let mut native = 0usize;
        let mut empty = 0usize;
        for (index, s) in series.into_iter().enumerate() {
            let point = if matrix {
                // The newest point; servers send them in time order but nothing relies on it.
                s.values
                    .as_ref()
                    .and_then(|points| points.iter().max_by(|a, b| a.0.total_cmp(&b.0)))
            } else {
                s.value.as_ref()
            };
            let Some(point) = point else {
                if s.histogram.is_some() || s.histograms.is_some() {
                    native += 1;
                } else {
                    empty += 1;
                }
                continue;
            };
            let value = parse_value(&point.1).ok_or_else(|| {
                Error::Format(format!(
                    "series {index} has the value `{}`, which is not a number",
                    excerpt(&point.1)
                ))
            })?;
            samples.push(Sample {
                labels: s.metric,
                value,
            });
        }
        if native > 0 {
            warnings.push(format!(
                "{native} native-histogram series {} skipped: svcgraph reads float samples (query rates or quantiles, not raw histograms)",
                crate::error::were(native)
            ));
        }
        if empty > 0 {
            warnings.push(format!(
                "{empty} series without a value {} skipped",
                crate::error::were(empty)
            ));
        }
        Ok(SeriesSet { samples, warnings })
    }
}

/// Prometheus spells values as strings: decimal, `NaN`, `+Inf`, `-Inf`.
fn parse_value(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        // Anything else must be a plain number; Rust would also accept words like "infinity".
        _ if text
            .bytes()
            .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E') =>
        {
            None
        }
        _ => text.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SeriesSet> {
        SeriesSet::from_json(text.as_bytes())
    }

    #[test]
    fn vector_samples_keep_labels_and_values() {
        let set = parse(
            r#"{"status":"success","data":{"resultType":"vector","result":[
                {"metric":{"client":"a","server":"b"},"value":[1700000000.5,"9.7341795580096"]},
                {"metric":{"client":"c","server":"b"},"value":[1700000000.5,"NaN"]},
                {"metric":{"client":"d","server":"b"},"value":[1700000000.5,"+Inf"]}
            ]},"warnings":["careful"],"infos":["fyi"]}"#,
        )
        .unwrap();
        assert_eq!(set.samples.len(), 3);
        assert_eq!(set.samples[0].label("client"), Some("a"));
        assert!((set.samples[0].value - 9.734_179_558_009_6).abs() < 1e-12);
        assert!(set.samples[1].value.is_nan());
        assert!(set.samples[2].value.is_infinite() && set.samples[2].value > 0.0);
        assert_eq!(set.warnings, ["careful", "info: fyi"]);
    }

    #[test]
    fn matrix_uses_the_newest_point() {
        let set = parse(
            r#"{"status":"success","data":{"resultType":"matrix","result":[
                {"metric":{"a":"1"},"values":[[10,"1"],[30,"3"],[20,"2"]]},
                {"metric":{"a":"2"},"values":[]}
            ]}}"#,
        )
        .unwrap();
        assert_eq!(set.samples.len(), 1);
        assert!((set.samples[0].value - 3.0).abs() < f64::EPSILON);
        assert_eq!(set.warnings.len(), 1);
    }

    #[test]
    fn errors_are_reported_not_panicked() {
        let err =
            parse(r#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#)
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the query failed on the server (bad_data): parse error at char 5"
        );
        let cases = [
            (
                r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{}"#,
                "ends early",
            ),
            (r#"{"data":{}}"#, "no `status`"),
            (
                r#"{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}"#,
                "scalar",
            ),
            (
                r#"{"status":"success","data":{"resultType":"string","result":[1,"x"]}}"#,
                "string",
            ),
            (r#"{"status":"success"}"#, "no `data`"),
            (
                r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"abc"]}]}}"#,
                "not a number",
            ),
            (
                r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":1},"value":[1,"1"]}]}}"#,
                "malformed",
            ),
            (
                r#"{"status":"success","data":{"resultType":"vector","result":{}}}"#,
                "malformed",
            ),
            (r"[1,2,3]", "not valid JSON"),
            ("", "not valid JSON"),
        ];
        for (input, expected) in cases {
            let message = parse(input).unwrap_err().to_string();
            assert!(message.contains(expected), "{input}: {message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }

    #[test]
    fn non_utf8_is_refused_with_its_offset() {
        let err = SeriesSet::from_json(b"{\"status\":\"su\xffccess\"}").unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{err}");
        assert!(err.to_string().contains("offset 13"), "{err}");
    }

    #[test]
    fn values_parse_strictly() {
        assert!(parse_value("1e3").is_some_and(|v| (v - 1000.0).abs() < 1e-9));
        assert!(parse_value("-Inf").is_some_and(|v| v.is_infinite() && v < 0.0));
        assert_eq!(parse_value("infinity"), None);
        assert_eq!(parse_value(""), None);
    }

    #[test]
    fn saved_series_are_filtered_like_the_server_would() {
        let mut set = SeriesSet::from_samples(vec![
            Sample::new([("cluster", "a"), ("client", "x")], 1.0),
            Sample::new([("cluster", "b"), ("client", "y")], 1.0),
        ]);
        set.retain_matching(&["cluster=a".parse().unwrap()])
            .unwrap();
        assert_eq!(set.samples.len(), 1);
        let err = set
            .retain_matching(&["namespace=x".parse().unwrap()])
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("no series in the input has that label")
        );
    }

    #[test]
    fn native_histograms_are_skipped_with_a_warning() {
        let set = parse(
            r#"{"status":"success","data":{"resultType":"vector","result":[
                {"metric":{"a":"1"},"histogram":[1,{"count":"2","sum":"3"}]}]}}"#,
        )
        .unwrap();
        assert!(set.samples.is_empty());
        assert!(set.warnings[0].contains("native-histogram"));
    }
}
