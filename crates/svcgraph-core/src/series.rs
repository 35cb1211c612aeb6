//! Prometheus HTTP API responses (`/api/v1/query`) turned into labelled samples.
//!
//! Accepted: `"status": "success"` with `data.resultType` `vector` or `matrix` (a matrix
//! contributes its newest point). `"status": "error"` becomes [`Error::QueryFailed`] with the
//! server's `errorType` and `error`; `scalar` and `string` results are refused with advice.
//! Sample values are kept exactly as sent, including `NaN` and `±Inf`: what a non-finite value
//! means depends on the query, so the [schema](crate::schema) decides. The server's `warnings`
//! (and `infos`) are kept for the user.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Arc;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::error::{Error, Result, excerpt};
use crate::query::LabelMatcher;

/// One series' labels and its value at the evaluation time.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The series' labels (`metric` in the API), without `__name__` when the query dropped it.
    pub labels: Labels,
    /// The value, as sent: may be `NaN` or infinite.
    pub value: f64,
}

impl Sample {
    /// A sample from label pairs and a value.
    pub fn new<'a>(labels: impl IntoIterator<Item = (&'a str, &'a str)>, value: f64) -> Self {
        Sample {
            labels: labels.into_iter().collect(),
            value,
        }
    }

    /// The value of a label; `None` when absent or empty (Prometheus does not distinguish).
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.get(name).filter(|v| !v.is_empty())
    }
}

/// A series' labels: names and values, sorted by name, each name once.
///
/// A response repeats the same few label names and, across its series, the same service
/// names and namespaces over and over; [`SeriesSet::from_json`] shares each distinct string
/// between the series (`Arc<str>`), so a 100,000-series answer holds each string once and
/// each series only pointers to them.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Labels(Vec<(Arc<str>, Arc<str>)>);

impl Labels {
    /// No labels.
    pub fn new() -> Self {
        Labels(Vec::new())
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(n, _)| (**n).cmp(name))
    }

    /// The value of a label, as sent (possibly empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        // A series has a handful of labels: a scan, which compares lengths before bytes,
        // beats a binary search that compares bytes every step.
        self.0.iter().find(|(n, _)| **n == *name).map(|(_, v)| &**v)
    }

    /// Whether the label is present (even with an empty value).
    pub fn contains_key(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| **n == *name)
    }

    /// Sets a label, returning its previous value.
    pub fn insert(
        &mut self,
        name: impl Into<Arc<str>>,
        value: impl Into<Arc<str>>,
    ) -> Option<Arc<str>> {
        let name = name.into();
        let value = value.into();
        match self.position(&name) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (name, value));
                None
            }
        }
    }

    /// Removes a label, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Arc<str>> {
        self.position(name).ok().map(|i| self.0.remove(i).1)
    }

    /// The label names, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _)| &**n)
    }

    /// The labels, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (&**n, &**v))
    }

    /// How many labels there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Labels from pairs already shared; sorts them, the last of equal names winning.
    fn from_pairs(mut pairs: Vec<(Arc<str>, Arc<str>)>) -> Self {
        // Prometheus sends labels sorted, each once: then there is nothing to do.
        if pairs.windows(2).all(|w| w[0].0 < w[1].0) {
            return Labels(pairs);
        }
        // Stable: equal names keep their order, so dedup can keep the last one.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs.reverse();
        pairs.dedup_by(|a, b| a.0 == b.0);
        pairs.reverse();
        pairs.shrink_to_fit();
        Labels(pairs)
    }
}

impl<K: Into<Arc<str>>, V: Into<Arc<str>>> FromIterator<(K, V)> for Labels {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        Labels::from_pairs(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl From<BTreeMap<String, String>> for Labels {
    fn from(map: BTreeMap<String, String>) -> Self {
        map.into_iter().collect()
    }
}

impl Serialize for Labels {
    /// As a JSON object, like the API's `metric`.
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// Hands out one shared copy of each distinct string of a response.
#[derive(Default)]
struct Interner {
    strings: HashSet<Arc<str>, foldhash::fast::RandomState>,
    /// The previous series' label names, in the order sent: series repeat them in the same
    /// order, so a comparison usually finds the shared name without hashing.
    names: Vec<Arc<str>>,
}

impl Interner {
    /// The shared copy of the label name at `position` of a series' `metric`.
    fn name(&mut self, position: usize, text: &str) -> Arc<str> {
        if let Some(previous) = self.names.get(position)
            && **previous == *text
        {
            return Arc::clone(previous);
        }
        let shared = self.get(text);
        if position < self.names.len() {
            self.names[position] = Arc::clone(&shared);
        } else if position == self.names.len() {
            self.names.push(Arc::clone(&shared));
        }
        shared
    }

    fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(shared) = self.strings.get(text) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(text);
        self.strings.insert(Arc::clone(&shared));
        shared
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
            .flat_map(|s| s.labels.keys())
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
        let text = std::str::from_utf8(body).map_err(|err| Error::Json {
            what: "the response".into(),
            detail: format!(
                "it is not UTF-8 (invalid byte at offset {})",
                err.valid_up_to()
            ),
        })?;
        Self::from_json_text(text)
    }

    /// Parses a Prometheus API response body that is already text: [`from_json`](Self::from_json)
    /// without its UTF-8 check, for a caller that has made it (a client keeping the body as a
    /// `String`).
    pub fn from_json_text(text: &str) -> Result<Self> {
        // Parsing text known to be UTF-8 spares the parser checking every string again.
        let raw: RawResponse =
            serde_json::from_str(text).map_err(|e| response_error(&e, text.as_bytes()))?;
        raw.into_series()
    }

    /// Parses a response that is already part of a larger JSON document.
    pub(crate) fn from_raw(raw: &RawValue) -> Result<Self> {
        let raw: RawResponse = serde_json::from_str(raw.get())
            .map_err(|e| response_error(&e, raw.get().as_bytes()))?;
        raw.into_series()
    }
}

/// A parse error of a response: not a JSON object at all, or an object of the wrong shape (a
/// series that is not an object, a label value that is not a string, …).
fn response_error(error: &serde_json::Error, text: &[u8]) -> Error {
    let object = text.trim_ascii_start().starts_with(b"{");
    if object && error.classify() == serde_json::error::Category::Data {
        Error::Format(format!("the response is malformed: {error}"))
    } else {
        Error::json("the response", error)
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

/// `data`: the result type, and the result. The result is read series by series as it is
/// parsed when the type came first, as Prometheus-compatible servers send it; else it is kept
/// raw and read once the type is known.
struct RawData<'a> {
    result_type: Option<String>,
    result: Option<ResultField<'a>>,
}

enum ResultField<'a> {
    Read(ReadSeries),
    Raw(&'a RawValue),
}

impl<'de: 'a, 'a> Deserialize<'de> for RawData<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct DataVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for DataVisitor<'a> {
            type Value = RawData<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object with `resultType` and `result`")
            }
            fn visit_map<M: MapAccess<'de>>(
                self,
                mut map: M,
            ) -> std::result::Result<Self::Value, M::Error> {
                let mut data = RawData {
                    result_type: None,
                    result: None,
                };
                while let Some(key) = map.next_key::<BorrowedText<'de>>()? {
                    match &*key.0 {
                        "resultType" => data.result_type = map.next_value()?,
                        "result" => {
                            let matrix = match data.result_type.as_deref() {
                                Some("vector") => Some(false),
                                Some("matrix") => Some(true),
                                _ => None,
                            };
                            data.result = Some(match matrix {
                                Some(matrix) => {
                                    ResultField::Read(map.next_value_seed(ResultSeed { matrix })?)
                                }
                                None => ResultField::Raw(map.next_value()?),
                            });
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(data)
            }
        }
        deserializer.deserialize_map(DataVisitor(std::marker::PhantomData))
    }
}

/// Reads a result array of known type into samples.
struct ResultSeed {
    matrix: bool,
}

impl<'de> de::DeserializeSeed<'de> for ResultSeed {
    type Value = ReadSeries;

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<ReadSeries, D::Error> {
        let mut interner = Interner::default();
        deserializer.deserialize_seq(ResultVisitor {
            matrix: self.matrix,
            interner: &mut interner,
        })
    }
}

/// One series of a result: its labels (shared strings, in the order sent) and its points,
/// whose values are borrowed from the body where they have no escapes.
struct ParsedSeries<'a> {
    labels: Vec<(Arc<str>, Arc<str>)>,
    value: Option<RawPoint<'a>>,
    values: Option<Vec<RawPoint<'a>>>,
    native: bool,
}

/// Reads one series object, sharing its label strings through the interner as they are read:
/// no intermediate copy of the labels, one allocation for them, sized like the previous
/// series'.
struct SeriesSeed<'i> {
    interner: &'i mut Interner,
    capacity: usize,
}

impl<'de> de::DeserializeSeed<'de> for SeriesSeed<'_> {
    type Value = ParsedSeries<'de>;

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SeriesSeed<'_> {
    type Value = ParsedSeries<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a series: an object with `metric` and `value` or `values`")
    }

    fn visit_map<M: MapAccess<'de>>(
        self,
        mut map: M,
    ) -> std::result::Result<Self::Value, M::Error> {
        let mut series = ParsedSeries {
            labels: Vec::new(),
            value: None,
            values: None,
            native: false,
        };
        while let Some(key) = map.next_key::<BorrowedText<'de>>()? {
            match &*key.0 {
                "metric" => {
                    series.labels = map.next_value_seed(MetricSeed {
                        interner: &mut *self.interner,
                        capacity: self.capacity,
                    })?;
                }
                "value" => series.value = map.next_value()?,
                "values" => series.values = map.next_value()?,
                "histogram" | "histograms" => {
                    series.native |= map.next_value::<Option<IgnoredAny>>()?.is_some();
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(series)
    }
}

/// Reads `metric` into shared name-value pairs, in the order sent.
struct MetricSeed<'i> {
    interner: &'i mut Interner,
    capacity: usize,
}

impl<'de> de::DeserializeSeed<'de> for MetricSeed<'_> {
    type Value = Vec<(Arc<str>, Arc<str>)>;

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MetricSeed<'_> {
    type Value = Vec<(Arc<str>, Arc<str>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of label names to string values")
    }

    fn visit_map<M: MapAccess<'de>>(
        self,
        mut map: M,
    ) -> std::result::Result<Self::Value, M::Error> {
        let mut pairs = Vec::with_capacity(self.capacity);
        while let Some(name) = map.next_key::<BorrowedText<'de>>()? {
            let value = map.next_value::<BorrowedText<'de>>()?;
            let shared_name = self.interner.name(pairs.len(), &name.0);
            pairs.push((shared_name, self.interner.get(&value.0)));
        }
        Ok(pairs)
    }
}

/// A JSON string, borrowed when it has no escapes.
struct BorrowedText<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for BorrowedText<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct TextVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
            type Value = BorrowedText<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(
                self,
                v: &'de str,
            ) -> std::result::Result<Self::Value, E> {
                Ok(BorrowedText(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
                Ok(BorrowedText(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Self::Value, E> {
                Ok(BorrowedText(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor(std::marker::PhantomData))
    }
}

/// `[unix_seconds, "value"]`.
#[derive(Deserialize)]
struct RawPoint<'a>(f64, #[serde(borrow)] BorrowedText<'a>);

/// What reading a result's series one by one gives: the samples, and what was skipped.
#[derive(Default)]
struct ReadSeries {
    samples: Vec<Sample>,
    native: usize,
    empty: usize,
    /// The first series whose value is not a number: its index and value.
    bad_value: Option<(usize, String)>,
}

/// Reads the `result` array series by series into samples, so that no intermediate list of
/// parsed series is ever held: the body, the shared strings and the samples are all.
struct ResultVisitor<'i> {
    matrix: bool,
    interner: &'i mut Interner,
}

impl<'de> Visitor<'de> for ResultVisitor<'_> {
    type Value = ReadSeries;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of series")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<ReadSeries, A::Error> {
        let mut read = ReadSeries {
            samples: Vec::with_capacity(seq.size_hint().unwrap_or(0)),
            ..ReadSeries::default()
        };
        let mut index = 0usize;
        let mut capacity = 8;
        loop {
            let seed = SeriesSeed {
                interner: &mut *self.interner,
                capacity,
            };
            let Some(series) = seq.next_element_seed(seed)? else {
                break;
            };
            capacity = series.labels.len().max(1);
            let point = if self.matrix {
                // The newest point; servers send them in time order but nothing relies on it.
                series
                    .values
                    .as_ref()
                    .and_then(|points| points.iter().max_by(|a, b| a.0.total_cmp(&b.0)))
            } else {
                series.value.as_ref()
            };
            let Some(point) = point else {
                if series.native {
                    read.native += 1;
                } else {
                    read.empty += 1;
                }
                index += 1;
                continue;
            };
            let Some(value) = parse_value(&point.1.0) else {
                if read.bad_value.is_none() {
                    read.bad_value = Some((index, point.1.0.to_string()));
                }
                index += 1;
                continue;
            };
            read.samples.push(Sample {
                labels: Labels::from_pairs(series.labels),
                value,
            });
            index += 1;
        }
        Ok(read)
    }
}

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
        let read = match result {
            ResultField::Read(read) => read,
            ResultField::Raw(raw) => {
                let seed = ResultSeed { matrix };
                de::DeserializeSeed::deserialize(
                    seed,
                    &mut serde_json::Deserializer::from_str(raw.get()),
                )
                .map_err(|e| Error::Format(format!("the response's result is malformed: {e}")))?
            }
        };
        if let Some((index, value)) = read.bad_value {
            return Err(Error::Format(format!(
                "series {index} has the value `{}`, which is not a number",
                excerpt(&value)
            )));
        }
        let (samples, native, empty) = (read.samples, read.native, read.empty);
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
    fn the_result_may_come_before_its_type() {
        let set = parse(
            r#"{"data":{"result":[{"metric":{"b":"2","a":"1"},"value":[1,"4"]}],"resultType":"vector"},"status":"success"}"#,
        )
        .unwrap();
        assert_eq!(set.samples.len(), 1);
        assert_eq!(set.samples[0].label("a"), Some("1"));
        assert_eq!(set.samples[0].labels.keys().collect::<Vec<_>>(), ["a", "b"]);
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
