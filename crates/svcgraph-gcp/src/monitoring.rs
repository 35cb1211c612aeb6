//! Cloud Monitoring API v3: the schema's queries as `projects.timeSeries.list` requests.
//!
//! GMP stores a Prometheus counter `x_total` as the metric type
//! `prometheus.googleapis.com/x_total/counter` and a histogram `x` (buckets `x_bucket`) as
//! `prometheus.googleapis.com/x/histogram`, on the monitored resource `prometheus_target`
//! whose labels are `project_id`, `location`, `cluster`, `namespace`, `job` and `instance`;
//! every other label is a metric label. For each query a schema plans, svcgraph asks:
//!
//! * requests and failures: the counter over `[at − window, at]`, aligned with `ALIGN_RATE`
//!   over one alignment period of the window's length, summed with `REDUCE_SUM` grouped by
//!   the schema's labels (`metric.label.client`, `resource.label.namespace`, …); zero rates
//!   are dropped here, as PromQL's `> 0` drops them on the server;
//! * latency: the histogram aligned with `ALIGN_DELTA` and summed the same way, which gives
//!   one merged distribution per edge; p50/p95/p99 are read from its buckets with the
//!   interpolation of PromQL's `histogram_quantile`.
//!
//! Filters become Monitoring filter expressions: `=` and `!=` as they are, `=~` and `!~` as
//! `monitoring.regex.full_match(…)` (RE2, fully anchored like PromQL's), every value quoted
//! and escaped; a namespace on a schema with a client and a server namespace label becomes
//! `(a = "ns" OR b = "ns")`. Each list is followed through every `nextPageToken`.
//!
//! The requests are the API's REST form (`GET /v3/projects/{project}/timeSeries`, enums by
//! name), sent by svcgraph-prometheus' HTTP client: its retries, timeout and credentials, and
//! one response budget across every page of every list of a graph, so an endless answer is
//! refused at `max_response_bytes` like a PromQL one. The answers are read into the
//! `google-cloud-monitoring-v3` model.
//!
//! **How the numbers can differ from PromQL's `rate()`.** Both are per-second averages over
//! the window, but they are computed differently, so expect small differences (a few
//! percent on a steady edge, more on a bursty or brand-new one):
//! * `rate()` takes the first and last raw samples inside the window and extrapolates to the
//!   window's edges; `ALIGN_RATE` takes the change over the alignment period, interpolating
//!   between the samples around its boundaries. Neither sees more than the other, but they
//!   weigh the edges of the window differently;
//! * alignment periods are at least 60 s, and the API may place the period's end a little
//!   before the requested time; PromQL evaluates exactly at `at`;
//! * counter resets are handled by both, but a series that starts inside the window counts
//!   from its first sample in PromQL and from its start time in Cloud Monitoring;
//! * latency quantiles interpolate within the same buckets as `histogram_quantile`, so they
//!   agree when the buckets do; a bucket layout that changes inside the window cannot be
//!   merged by `REDUCE_SUM` and the API reports an error.
//!
//! Use the `gmp` mode when the numbers must match a Prometheus dashboard exactly.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use google_cloud_monitoring_v3::model::{ListTimeSeriesResponse, TimeSeries};
use serde_json::json;
use serde_json::value::RawValue;
use svcgraph_core::input::{Snapshot, SnapshotResult};
use svcgraph_core::query::{EvalTime, GraphQuery, LabelMatcher, MatchOp, QueryPurpose};
use svcgraph_core::schema::{QueryResults, Schema};
use svcgraph_core::series::{Sample, SeriesSet};
use svcgraph_prometheus::{Budget, Client, Fetched};

use crate::error::{Error, Result};

/// The labels GMP keeps on its monitored resource `prometheus_target`; all others are metric
/// labels.
pub const RESOURCE_LABELS: [&str; 6] = [
    "project_id",
    "location",
    "cluster",
    "namespace",
    "job",
    "instance",
];

/// Pages followed at most per list, so a server that always sends a page token cannot keep
/// svcgraph busy forever.
const MAX_PAGES: usize = 10_000;

/// What a list request's result fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListPurpose {
    /// A rate (requests or failures per second).
    Rate(QueryPurpose),
    /// The latency histogram, read for p50, p95 and p99.
    Latency,
}

/// One `projects.timeSeries.list` request a schema needs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TimeSeriesQuery {
    /// What its result fills.
    pub purpose: ListPurpose,
    /// The Monitoring filter, e.g.
    /// `metric.type = "prometheus.googleapis.com/traces_service_graph_request_total/counter" AND resource.type = "prometheus_target" AND resource.labels.cluster = "prod"`.
    pub filter: String,
    /// `metric.label.<name>` or `resource.label.<name>` for each group label.
    pub group_by_fields: Vec<String>,
    /// The schema's group labels, in the order of `group_by_fields`.
    pub labels: Vec<String>,
}

impl TimeSeriesQuery {
    /// A one-line description for snapshots and messages.
    pub fn describe(&self, window: Duration) -> String {
        let (aligner, what) = match self.purpose {
            ListPurpose::Rate(_) => ("ALIGN_RATE", "rate"),
            ListPurpose::Latency => ("ALIGN_DELTA", "distribution"),
        };
        format!(
            "cloud-monitoring {what}: filter={} alignmentPeriod={}s perSeriesAligner={aligner} crossSeriesReducer=REDUCE_SUM groupByFields=[{}]",
            self.filter,
            window.as_secs(),
            self.group_by_fields.join(", ")
        )
    }
}

/// The Monitoring field of a Prometheus label in a filter: `resource.labels.x` or
/// `metric.labels.x`.
fn filter_field(label: &str) -> String {
    if RESOURCE_LABELS.contains(&label) {
        format!("resource.labels.{label}")
    } else {
        format!("metric.labels.{label}")
    }
}

/// The Monitoring field of a Prometheus label in `groupByFields`.
fn group_field(label: &str) -> String {
    if RESOURCE_LABELS.contains(&label) {
        format!("resource.label.{label}")
    } else {
        format!("metric.label.{label}")
    }
}

/// A string literal of the Monitoring filter language.
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One matcher as a Monitoring filter term.
fn filter_term(m: &LabelMatcher) -> String {
    let field = filter_field(m.label());
    match m.op() {
        MatchOp::Equal => format!("{field} = {}", quoted(m.value())),
        MatchOp::NotEqual => format!("{field} != {}", quoted(m.value())),
        MatchOp::Regex => format!(
            "{field} = monitoring.regex.full_match({})",
            quoted(m.value())
        ),
        MatchOp::NotRegex => format!(
            "NOT {field} = monitoring.regex.full_match({})",
            quoted(m.value())
        ),
    }
}

/// The list requests for a schema and a query: requests, then failures and the latency
/// histogram when the schema has them.
pub fn plan(schema: &Schema, query: &GraphQuery) -> Result<Vec<TimeSeriesQuery>> {
    schema.validate()?;
    let mut base: Vec<String> = Vec::new();
    for m in &schema.selector {
        base.push(filter_term(m));
    }
    if let Some(cluster) = &query.cluster {
        base.push(filter_term(&schema.cluster_matcher(cluster)?));
    }
    for m in &query.matchers {
        base.push(filter_term(m));
    }
    if let Some(namespace) = &query.namespace {
        let terms: Vec<String> = schema
            .namespace_labels
            .iter()
            .map(|l| format!("{} = {}", filter_field(l), quoted(namespace)))
            .collect();
        match terms.len() {
            0 => {
                return Err(Error::Config(format!(
                    "schema `{}` has no namespace label; filter with a label matcher instead",
                    schema.name
                )));
            }
            1 => base.extend(terms),
            _ => base.push(format!("({})", terms.join(" OR "))),
        }
    }
    let labels: Vec<String> = schema
        .group_labels()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let group_by_fields: Vec<String> = labels.iter().map(|l| group_field(l)).collect();
    let query_for = |purpose: ListPurpose, metric_type: String, extra: &[LabelMatcher]| {
        let mut terms = vec![
            format!("metric.type = {}", quoted(&metric_type)),
            "resource.type = \"prometheus_target\"".to_owned(),
        ];
        terms.extend(base.iter().cloned());
        terms.extend(extra.iter().map(filter_term));
        TimeSeriesQuery {
            purpose,
            filter: terms.join(" AND "),
            group_by_fields: group_by_fields.clone(),
            labels: labels.clone(),
        }
    };
    let counter = |name: &str| format!("prometheus.googleapis.com/{name}/counter");
    let mut out = vec![query_for(
        ListPurpose::Rate(QueryPurpose::Requests),
        counter(&schema.requests),
        &[],
    )];
    if let Some(failures) = &schema.failures {
        let metric = failures.metric.as_deref().unwrap_or(&schema.requests);
        out.push(query_for(
            ListPurpose::Rate(QueryPurpose::Failures),
            counter(metric),
            &failures.matchers,
        ));
    }
    if let Some(histogram) = &schema.latency {
        let base_name = histogram
            .bucket
            .strip_suffix("_bucket")
            .unwrap_or(&histogram.bucket);
        out.push(query_for(
            ListPurpose::Latency,
            format!("prometheus.googleapis.com/{base_name}/histogram"),
            &[],
        ));
    }
    Ok(out)
}

/// A Cloud Monitoring v3 connection for one project.
#[derive(Debug, Clone)]
pub(crate) struct CloudMonitoring {
    /// An HTTP client of the API's origin, with the Google credentials.
    pub client: Client,
    pub project: String,
    pub url: String,
    pub endpoint_overridden: bool,
}

impl CloudMonitoring {
    /// Runs every list request of the plan at one instant and returns results and a snapshot
    /// whose responses are Prometheus-shaped vectors, so `render --input` replays them.
    pub(crate) async fn fetch(&self, schema: &Schema, query: &GraphQuery) -> Result<Fetched> {
        let mut query = query.clone();
        let at = *query.at.get_or_insert_with(now);
        let window = Duration::from_millis(query.window.as_millis());
        if window < Duration::from_secs(60) {
            return Err(Error::Config(format!(
                "Cloud Monitoring aligns over at least 60 s, and the window is {}; use a window of 1m or more (or the gmp mode)",
                query.window
            )));
        }
        let window = Duration::from_secs(window.as_secs());
        let plan = plan(schema, &query)?;
        // One budget for every page of every list: they are read at the same time.
        let budget = Budget::new(self.client.max_response_bytes());
        let lists = futures_util::future::join_all(
            plan.iter()
                .map(|planned| self.list(planned, at, window, &budget)),
        )
        .await;

        let mut results = QueryResults::default();
        let mut saved = Vec::new();
        let mut warnings = Vec::new();
        for (planned, listed) in plan.iter().zip(lists) {
            let (series, errors) = listed?;
            warnings.extend(errors);
            let description = planned.describe(window);
            let sets: Vec<(QueryPurpose, SeriesSet)> = match planned.purpose {
                ListPurpose::Rate(purpose) => vec![(purpose, rates(planned, &series))],
                ListPurpose::Latency => [
                    QueryPurpose::LatencyP50,
                    QueryPurpose::LatencyP95,
                    QueryPurpose::LatencyP99,
                ]
                .into_iter()
                .map(|p| (p, quantiles(planned, &series, p.quantile().unwrap_or(0.5))))
                .collect(),
            };
            for (purpose, set) in sets {
                saved.push(SnapshotResult::new(
                    purpose,
                    description.clone(),
                    vector_response(&set, at)?,
                ));
                results.insert(purpose, set);
            }
        }
        Ok(Fetched::new(
            Snapshot::new(schema.clone(), Some(query), saved),
            results,
            warnings,
        ))
    }

    /// Every page of one list request, and the API's partial-failure messages.
    async fn list(
        &self,
        planned: &TimeSeriesQuery,
        at: EvalTime,
        window: Duration,
        budget: &Budget,
    ) -> Result<(Vec<TimeSeries>, Vec<String>)> {
        let end_millis = at.unix_millis();
        let end = String::from(timestamp(end_millis));
        let start = String::from(timestamp(
            end_millis - i64::try_from(window.as_millis()).unwrap_or(0),
        ));
        let aligner = match planned.purpose {
            ListPurpose::Rate(_) => "ALIGN_RATE",
            ListPurpose::Latency => "ALIGN_DELTA",
        };
        let period = format!("{}s", window.as_secs());
        let path = format!("/v3/projects/{}/timeSeries", self.project);
        let mut params: Vec<(&str, &str)> = vec![
            ("filter", &planned.filter),
            ("interval.startTime", &start),
            ("interval.endTime", &end),
            ("aggregation.alignmentPeriod", &period),
            ("aggregation.perSeriesAligner", aligner),
            ("aggregation.crossSeriesReducer", "REDUCE_SUM"),
        ];
        for field in &planned.group_by_fields {
            params.push(("aggregation.groupByFields", field));
        }
        params.push(("view", "FULL"));
        let mut series = Vec::new();
        let mut errors = Vec::new();
        let mut token = String::new();
        for _ in 0..MAX_PAGES {
            let mut page_params = params.clone();
            if !token.is_empty() {
                page_params.push(("pageToken", &token));
            }
            let bytes = self
                .client
                .get_within(&path, &page_params, budget)
                .await
                .map_err(|e| Error::from_prometheus(e, &self.project, self.endpoint_overridden))?;
            let page: ListTimeSeriesResponse =
                serde_json::from_slice(&bytes).map_err(|e| Error::CloudMonitoring {
                    url: self.url.clone(),
                    detail: format!(
                        "the answer is not a time-series list ({e}); it starts with `{}`",
                        crate::error::one_line(
                            &String::from_utf8_lossy(&bytes[..bytes.len().min(200)]),
                            80
                        )
                    ),
                })?;
            series.extend(page.time_series);
            errors.extend(
                page.execution_errors
                    .iter()
                    .map(|s| format!("Cloud Monitoring reported a partial failure: {}", s.message)),
            );
            if page.next_page_token.is_empty() {
                return Ok((series, errors));
            }
            token = page.next_page_token;
        }
        Err(Error::CloudMonitoring {
            url: self.url.clone(),
            detail: format!(
                "the list did not end after {MAX_PAGES} pages; narrow the query to a cluster or a namespace"
            ),
        })
    }
}

fn timestamp(unix_millis: i64) -> google_cloud_wkt::Timestamp {
    google_cloud_wkt::Timestamp::clamp(
        unix_millis.div_euclid(1000),
        (unix_millis.rem_euclid(1000) * 1_000_000) as i32,
    )
}

fn now() -> EvalTime {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    EvalTime::from_unix_millis(millis)
}

/// The group labels of one series, as Prometheus would name them; absent ones left out.
fn labels_of<'a>(planned: &'a TimeSeriesQuery, ts: &'a TimeSeries) -> Vec<(&'a str, &'a str)> {
    planned
        .labels
        .iter()
        .filter_map(|label| {
            let value = if RESOURCE_LABELS.contains(&label.as_str()) {
                ts.resource.as_ref().and_then(|r| r.labels.get(label))
            } else {
                ts.metric.as_ref().and_then(|m| m.labels.get(label))
            }?;
            (!value.is_empty()).then_some((label.as_str(), value.as_str()))
        })
        .collect()
}

/// The newest point's value of each series, zero and missing rates dropped.
fn rates(planned: &TimeSeriesQuery, series: &[TimeSeries]) -> SeriesSet {
    let samples = series
        .iter()
        .filter_map(|ts| {
            let value = newest(ts).and_then(|v| {
                v.double_value()
                    .copied()
                    .or_else(|| v.int64_value().map(|i| *i as f64))
            })?;
            (value > 0.0).then(|| Sample::new(labels_of(planned, ts), value))
        })
        .collect();
    SeriesSet::from_samples(samples)
}

/// The `q` quantile of each series' newest distribution; series without observations are
/// left out.
fn quantiles(planned: &TimeSeriesQuery, series: &[TimeSeries], q: f64) -> SeriesSet {
    let samples = series
        .iter()
        .filter_map(|ts| {
            let distribution = newest(ts)?.distribution_value()?;
            let bounds = bucket_bounds(distribution)?;
            let value = histogram_quantile(q, &bounds, &distribution.bucket_counts)?;
            Some(Sample::new(labels_of(planned, ts), value))
        })
        .collect();
    SeriesSet::from_samples(samples)
}

/// The newest point's value (the API sends points newest first; the end time decides).
fn newest(ts: &TimeSeries) -> Option<&google_cloud_monitoring_v3::model::TypedValue> {
    ts.points
        .iter()
        .max_by_key(|p| {
            p.interval
                .as_ref()
                .and_then(|i| i.end_time.as_ref())
                .map(|t| (t.seconds(), t.nanos()))
        })
        .and_then(|p| p.value.as_ref())
}

/// The finite upper bounds of a distribution's buckets (the last bucket is unbounded).
fn bucket_bounds(d: &google_cloud_api::model::Distribution) -> Option<Vec<f64>> {
    let options = d.bucket_options.as_ref()?;
    if let Some(explicit) = options.explicit_buckets() {
        return Some(explicit.bounds.clone());
    }
    if let Some(linear) = options.linear_buckets() {
        let n = usize::try_from(linear.num_finite_buckets).ok()?;
        return Some(
            (0..=n)
                .map(|i| linear.offset + linear.width * i as f64)
                .collect(),
        );
    }
    if let Some(exp) = options.exponential_buckets() {
        let n = exp.num_finite_buckets;
        return Some(
            (0..=n)
                .map(|i| exp.scale * exp.growth_factor.powi(i))
                .collect(),
        );
    }
    None
}

/// PromQL's `histogram_quantile` on a distribution: `bounds` are the finite upper bounds,
/// `counts[i]` the observations in bucket `i` (`counts[bounds.len()]` above the last bound;
/// missing trailing counts are zero). Linear interpolation inside the bucket, a lower bound of
/// 0 for the first bucket, and the last finite bound when the rank falls in the open bucket.
/// `None` when there are no observations.
pub fn histogram_quantile(q: f64, bounds: &[f64], counts: &[i64]) -> Option<f64> {
    let total: i64 = counts.iter().copied().map(|c| c.max(0)).sum();
    if total == 0 || bounds.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let rank = q * total as f64;
    let mut below = 0.0;
    for (i, &upper) in bounds.iter().enumerate() {
        let in_bucket = counts.get(i).copied().unwrap_or(0).max(0) as f64;
        if below + in_bucket >= rank && in_bucket > 0.0 {
            let lower = if i == 0 {
                0.0_f64.min(upper)
            } else {
                bounds[i - 1]
            };
            return Some(lower + (upper - lower) * (rank - below) / in_bucket);
        }
        below += in_bucket;
    }
    bounds.last().copied()
}

/// A Prometheus instant-vector response holding these samples at `at`.
fn vector_response(set: &SeriesSet, at: EvalTime) -> Result<Box<RawValue>> {
    let time = at.unix_millis() as f64 / 1000.0;
    let result: Vec<serde_json::Value> = set
        .samples
        .iter()
        .map(|s| json!({ "metric": s.labels, "value": [time, s.value.to_string()] }))
        .collect();
    let mut body = json!({
        "status": "success",
        "data": { "resultType": "vector", "result": result },
    });
    if !set.warnings.is_empty() {
        body["warnings"] = json!(set.warnings);
    }
    let text = serde_json::to_string(&body).map_err(|e| Error::CloudMonitoring {
        url: String::new(),
        detail: format!("cannot record the result: {e}"),
    })?;
    RawValue::from_string(text).map_err(|e| Error::CloudMonitoring {
        url: String::new(),
        detail: format!("cannot record the result: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_schema_asks_for_the_counter_grouped_by_its_labels() {
        let schema = Schema::preset("gmp-beyla").unwrap();
        let mut query = GraphQuery::default();
        query.cluster = Some("prod".into());
        query.namespace = Some("default".into());
        let plan = plan(&schema, &query).unwrap();
        assert_eq!(plan.len(), 1);
        assert_eq!(
            plan[0].filter,
            "metric.type = \"prometheus.googleapis.com/traces_service_graph_request_total/counter\" \
             AND resource.type = \"prometheus_target\" AND resource.labels.cluster = \"prod\" \
             AND resource.labels.namespace = \"default\""
        );
        assert_eq!(
            plan[0].group_by_fields,
            [
                "metric.label.client",
                "metric.label.client_address",
                "metric.label.server",
                "metric.label.server_address",
                "resource.label.namespace"
            ]
        );
    }

    #[test]
    fn every_filter_kind_and_hostile_values_stay_in_their_literal() {
        let schema = Schema::preset("servicegraph").unwrap();
        let mut query = GraphQuery::default();
        query.namespace = Some("shop".into());
        query.matchers = vec![
            "job!=a\"b".parse().unwrap(),
            "client=~front.*".parse().unwrap(),
            "server!~db\\\\d".parse().unwrap(),
        ];
        let plan = plan(&schema, &query).unwrap();
        let purposes: Vec<ListPurpose> = plan.iter().map(|p| p.purpose).collect();
        assert_eq!(
            purposes,
            [
                ListPurpose::Rate(QueryPurpose::Requests),
                ListPurpose::Rate(QueryPurpose::Failures),
                ListPurpose::Latency
            ]
        );
        let f = &plan[0].filter;
        assert!(f.contains(r#"resource.labels.job != "a\"b""#), "{f}");
        assert!(
            f.contains(r#"metric.labels.client = monitoring.regex.full_match("front.*")"#),
            "{f}"
        );
        assert!(
            f.contains(r#"NOT metric.labels.server = monitoring.regex.full_match("db\\\\d")"#),
            "{f}"
        );
        assert!(
            f.contains(
                r#"(metric.labels.client_service_namespace = "shop" OR metric.labels.server_service_namespace = "shop")"#
            ),
            "{f}"
        );
        assert!(plan[1].filter.contains(
            "prometheus.googleapis.com/traces_service_graph_request_failed_total/counter"
        ));
        assert!(plan[2].filter.contains(
            "prometheus.googleapis.com/traces_service_graph_request_server_seconds/histogram"
        ));
    }

    #[test]
    fn quantiles_interpolate_like_promql() {
        // 10 observations: 5 up to 0.1, 4 in (0.1, 0.5], 1 above 1.
        let bounds = [0.1, 0.5, 1.0];
        let counts = [5, 4, 0, 1];
        assert_eq!(histogram_quantile(0.5, &bounds, &counts), Some(0.1));
        let p = histogram_quantile(0.7, &bounds, &counts).unwrap();
        assert!((p - 0.3).abs() < 1e-12, "{p}");
        // The rank in the open bucket gives the last finite bound.
        assert_eq!(histogram_quantile(0.99, &bounds, &counts), Some(1.0));
        assert_eq!(histogram_quantile(0.5, &bounds, &[0, 0]), None);
        // Missing trailing counts are zeros.
        assert_eq!(histogram_quantile(1.0, &bounds, &[2]), Some(0.1));
    }
}
