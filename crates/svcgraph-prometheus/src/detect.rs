//! Which producer's metrics a server holds, found with one query.

use svcgraph_core::query::{GraphQuery, LabelMatcher, promql_string};
use svcgraph_core::schema::Schema;
use svcgraph_core::series::{Sample, SeriesSet};

use crate::client::Client;
use crate::error::Result;

/// Label combinations looked at per metric name: enough for [`Schema::detect`], small
/// enough that the answer stays a few kilobytes on any store.
const PER_METRIC: usize = 50;

/// The one PromQL query [`detect_schema`] runs for `query` (only its `cluster` is used).
///
/// It asks for distinct label combinations of every preset's request counter, keeping only
/// the labels some preset reads, at most 50 per metric name and value of the presets'
/// selector labels (so Istio's `reporter="destination"` series cannot crowd out the
/// `reporter="source"` ones), e.g.
/// `topk by (__name__, source, reporter, direction) (50, group by (__name__, client, …) ({__name__="traces_service_graph_request_total", cluster="prod"} or …))`.
/// `group` makes the server collapse the series, and `topk` caps the answer's size.
pub fn detection_promql(query: &GraphQuery) -> String {
    let presets = Schema::presets();
    let mut labels: Vec<&str> = vec!["__name__"];
    let mut per: Vec<&str> = vec!["__name__"];
    let mut selectors: Vec<String> = Vec::new();
    for schema in &presets {
        for label in schema.group_labels() {
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
        for label in schema.selector.iter().map(LabelMatcher::label) {
            if !labels.contains(&label) {
                labels.push(label);
            }
            if !per.contains(&label) {
                per.push(label);
            }
        }
        let mut matchers = vec![format!("__name__={}", promql_string(&schema.requests))];
        if let (Some(cluster), Some(label)) = (&query.cluster, &schema.cluster_label) {
            matchers.push(format!("{label}={}", promql_string(cluster)));
        }
        let selector = format!("{{{}}}", matchers.join(", "));
        if !selectors.contains(&selector) {
            selectors.push(selector);
        }
    }
    format!(
        "topk by ({}) ({PER_METRIC}, group by ({}) ({}))",
        per.join(", "),
        labels.join(", "),
        selectors.join(" or ")
    )
}

/// The preset whose metrics the server holds, or `None` when it holds none that fit.
///
/// Runs [`detection_promql`] once (at `query.at`, within `query.cluster`; when nothing
/// there fits, once more at the server's now, since a moment before the producer started
/// tells nothing). Then, for each
/// preset in [`Schema::PRESETS`] order, it takes the label sets of that preset's request
/// counter that pass the preset's selector (Istio's `reporter="source"`, Beyla's
/// `source="beyla"`, …) and asks [`Schema::detect`] about them; the first preset that
/// `detect` names itself wins. So presets sharing a metric name (`gmp-beyla`,
/// `servicegraph`, `beyla`) are told apart by their labels, and when a server holds several
/// producers' metrics, the earlier preset wins.
pub async fn detect_schema(client: &Client, query: &GraphQuery) -> Result<Option<Schema>> {
    let promql = detection_promql(query);
    let answer = client.query(&promql, query.at).await?;
    if let Some(schema) = detect_in(&answer.series) {
        return Ok(Some(schema));
    }
    // A moment before the producer started (a young server, a notebook asking for 30
    // minutes ago) holds nothing to tell by; the series the server holds now do.
    if query.at.is_some() {
        let now = client.query(&promql, None).await?;
        return Ok(detect_in(&now.series));
    }
    Ok(None)
}

/// The detection step on an answer of [`detection_promql`].
fn detect_in(series: &SeriesSet) -> Option<Schema> {
    for schema in Schema::presets() {
        let samples: Vec<Sample> = series
            .samples
            .iter()
            .filter(|s| s.labels.get("__name__") == Some(schema.requests.as_str()))
            .filter(|s| schema.selector.iter().all(|m| m.matches(&s.labels)))
            .map(|s| {
                let mut s = s.clone();
                s.labels.remove("__name__");
                s
            })
            .collect();
        if Schema::detect(&SeriesSet::from_samples(samples)).is_some_and(|d| d.name == schema.name)
        {
            return Some(schema);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(rows: &[&[(&str, &str)]]) -> SeriesSet {
        SeriesSet::from_samples(
            rows.iter()
                .map(|labels| Sample::new(labels.iter().copied(), 1.0))
                .collect(),
        )
    }

    #[test]
    fn the_query_reads_every_preset_metric_and_label_once() {
        let promql = detection_promql(&GraphQuery::default().with_cluster("a\"} or vector(1) #"));
        assert!(
            promql.starts_with(
                "topk by (__name__, source, reporter, direction) (50, group by (__name__, client, "
            ),
            "{promql}"
        );
        for metric in [
            "traces_service_graph_request_total",
            "istio_requests_total",
            "response_total",
        ] {
            assert_eq!(
                promql.matches(&format!("__name__=\"{metric}\"")).count(),
                1,
                "{promql}"
            );
        }
        for label in [
            "source",
            "reporter",
            "direction",
            "client_address",
            "dst_deployment",
        ] {
            assert!(promql.contains(&format!(", {label}")), "{label}: {promql}");
        }
        assert_eq!(
            promql.matches(r#"cluster="a\"} or vector(1) #""#).count(),
            3,
            "{promql}"
        );
    }

    #[test]
    fn presets_sharing_a_metric_are_told_apart_by_labels() {
        let name = ("__name__", "traces_service_graph_request_total");
        let gmp = answer(&[&[
            name,
            ("client", "a"),
            ("client_address", "10.0.0.1"),
            ("server", "b"),
            ("server_address", "10.0.0.2"),
        ]]);
        assert_eq!(detect_in(&gmp).unwrap().name, "gmp-beyla");
        let otel = answer(&[&[
            name,
            ("client", "a"),
            ("server", "b"),
            ("connection_type", ""),
        ]]);
        assert_eq!(detect_in(&otel).unwrap().name, "servicegraph");
        let beyla = answer(&[&[name, ("client", "a"), ("server", "b"), ("source", "beyla")]]);
        assert_eq!(detect_in(&beyla).unwrap().name, "beyla");
    }

    #[test]
    fn labels_of_another_metric_do_not_count() {
        // Istio's labels under the servicegraph metric name fit no preset of that name.
        let odd = answer(&[&[
            ("__name__", "traces_service_graph_request_total"),
            ("source_workload", "a"),
            ("destination_workload", "b"),
        ]]);
        assert!(detect_in(&odd).is_none());
        let istio = answer(&[&[
            ("__name__", "istio_requests_total"),
            ("source_workload", "a"),
            ("destination_workload", "b"),
            ("reporter", "source"),
        ]]);
        assert_eq!(detect_in(&istio).unwrap().name, "istio");
        assert!(detect_in(&SeriesSet::default()).is_none());
    }

    #[test]
    fn series_outside_a_preset_selector_do_not_spoil_detection() {
        // Real Istio reports every call twice; Linkerd has an inbound side.
        let istio = answer(&[
            &[
                ("__name__", "istio_requests_total"),
                ("source_workload", "a"),
                ("destination_workload", "b"),
                ("reporter", "destination"),
            ],
            &[
                ("__name__", "istio_requests_total"),
                ("source_workload", "a"),
                ("destination_workload", "b"),
                ("reporter", "source"),
            ],
        ]);
        assert_eq!(detect_in(&istio).unwrap().name, "istio");
        let linkerd = answer(&[
            &[
                ("__name__", "response_total"),
                ("deployment", "a"),
                ("dst_deployment", "b"),
                ("direction", "inbound"),
            ],
            &[
                ("__name__", "response_total"),
                ("deployment", "a"),
                ("dst_deployment", "b"),
                ("direction", "outbound"),
            ],
        ]);
        assert_eq!(detect_in(&linkerd).unwrap().name, "linkerd");
    }
}
