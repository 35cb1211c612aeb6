//! The optional PromQL queries behind the report's series checks.

use crate::error::Result;
use crate::query::{GraphQuery, LabelMatcher, PlannedQuery, QueryPurpose, Window};
use crate::schema::{Schema, over_selectors};

/// The label Istio's metrics name the reporting proxy with (`source` or `destination`).
pub(crate) const REPORTER: &str = "reporter";

/// The connector's prefix (`traces_service_graph`) when the schema reads its metrics.
pub(crate) fn connector_prefix(schema: &Schema) -> Option<&str> {
    schema
        .requests
        .strip_suffix("_request_total")
        .filter(|p| p.ends_with("service_graph"))
}

/// Whether the schema keeps one reporting side with a `reporter` matcher (Istio).
pub(crate) fn reporter_matcher(schema: &Schema) -> Option<&LabelMatcher> {
    schema.selector.iter().find(|m| m.label() == REPORTER)
}

/// How far back "still reporting" looks: a quarter of the window, at least two minutes, so
/// that one missed scrape at a one-minute interval does not look like a vanished series.
pub(crate) fn recent(window: Window) -> Option<Window> {
    let quarter = window.as_millis() / 4;
    let recent = quarter.max(120_000);
    (recent < window.as_millis())
        .then(|| Window::from_secs(recent.div_ceil(1000)).ok())
        .flatten()
}

/// The data-quality queries for `schema` and `query`, beside [`Schema::plan`]'s. A source
/// runs them only when asked for a report; each may fail or return nothing without failing
/// the graph.
///
/// With `G` the schema's group labels, `S` its selectors (as [`Schema::plan`]), `w` the
/// window and `r` the recent part of it (a quarter, at least 2m):
///
/// * for a schema reading the servicegraph connector's metrics (`…service_graph_request_total`):
///   unpaired and dropped spans, `sum by (G) (rate(…_unpaired_spans_total{S}[w])) > 0` and
///   the same for `…_dropped_spans_total`; and the collector's (or Tempo's) own counter of
///   expired edges, `sum(rate(otelcol_connector_servicegraph_expired_edges_total[w]))` (or its
///   name without `_total`, or Tempo's), which carries none of the graph's labels;
/// * for a schema keeping one reporting side (`reporter="source"`, Istio): requests by side,
///   `sum by (G, reporter) (rate(requests{S without reporter}[w])) > 0`;
/// * for every schema, the edges that stopped: `sum by (G) (count_over_time(requests{S}[w]))
///   unless sum by (G) (count_over_time(requests{S}[r]))` (none when the window is too short
///   to hold a recent part).
pub fn plan(schema: &Schema, query: &GraphQuery) -> Result<Vec<PlannedQuery>> {
    let selectors = schema.selectors(query)?;
    let window = query.window.to_string();
    let group = schema.group_labels().join(", ");
    let planned = |purpose, promql| PlannedQuery {
        purpose,
        promql,
        at: query.at,
    };
    let mut out = Vec::new();
    if let Some(prefix) = connector_prefix(schema) {
        for (purpose, metric) in [
            (QueryPurpose::UnpairedSpans, "unpaired_spans_total"),
            (QueryPurpose::DroppedSpans, "dropped_spans_total"),
        ] {
            let metric = format!("{prefix}_{metric}");
            let rates = over_selectors("rate", &metric, &selectors, &[], &window);
            out.push(planned(purpose, format!("sum by ({group}) ({rates}) > 0")));
        }
        let expired = [
            "otelcol_connector_servicegraph_expired_edges_total",
            "otelcol_connector_servicegraph_expired_edges",
            "tempo_metrics_generator_processor_service_graphs_expired_edges",
        ]
        .map(|m| format!("sum(rate({m}[{window}]))"))
        .join(" or ");
        out.push(planned(
            QueryPurpose::ExpiredEdges,
            format!("({expired}) > 0"),
        ));
    }
    if let Some(reporter) = reporter_matcher(schema) {
        let without: Vec<Vec<String>> = selectors
            .iter()
            .map(|s| {
                let own = reporter.to_promql();
                s.iter().filter(|m| **m != own).cloned().collect()
            })
            .collect();
        let rates = over_selectors("rate", &schema.requests, &without, &[], &window);
        out.push(planned(
            QueryPurpose::Reporters,
            format!("sum by ({group}, {REPORTER}) ({rates}) > 0"),
        ));
    }
    if let Some(recent) = recent(query.window) {
        let all = over_selectors(
            "count_over_time",
            &schema.requests,
            &selectors,
            &[],
            &window,
        );
        let now = over_selectors(
            "count_over_time",
            &schema.requests,
            &selectors,
            &[],
            &recent.to_string(),
        );
        out.push(planned(
            QueryPurpose::Vanished,
            format!("sum by ({group}) ({all}) unless sum by ({group}) ({now})"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connector_gets_its_counters_and_istio_its_reporters() {
        let query = GraphQuery::default().with_namespace("shop");
        let sg = plan(&Schema::preset("servicegraph").unwrap(), &query).unwrap();
        let purposes: Vec<QueryPurpose> = sg.iter().map(|p| p.purpose).collect();
        assert_eq!(
            purposes,
            [
                QueryPurpose::UnpairedSpans,
                QueryPurpose::DroppedSpans,
                QueryPurpose::ExpiredEdges,
                QueryPurpose::Vanished
            ]
        );
        assert_eq!(
            sg[0].promql,
            "sum by (client, client_service_namespace, server, server_service_namespace, connection_type) \
             (rate(traces_service_graph_unpaired_spans_total{client_service_namespace=\"shop\"}[5m]) \
             or rate(traces_service_graph_unpaired_spans_total{server_service_namespace=\"shop\"}[5m])) > 0"
        );
        assert!(
            sg[2].promql.starts_with(
                "(sum(rate(otelcol_connector_servicegraph_expired_edges_total[5m])) or "
            )
        );
        assert!(
            sg[3].promql.contains(
                "unless sum by (client, client_service_namespace, server, server_service_namespace, connection_type) \
                 (count_over_time(traces_service_graph_request_total{client_service_namespace=\"shop\"}[2m])"
            ),
            "{}",
            sg[3].promql
        );

        let istio = plan(&Schema::preset("istio").unwrap(), &GraphQuery::default()).unwrap();
        let purposes: Vec<QueryPurpose> = istio.iter().map(|p| p.purpose).collect();
        assert_eq!(purposes, [QueryPurpose::Reporters, QueryPurpose::Vanished]);
        assert!(
            istio[0]
                .promql
                .ends_with(", reporter) (rate(istio_requests_total[5m])) > 0")
        );
        let linkerd = plan(&Schema::preset("linkerd").unwrap(), &GraphQuery::default()).unwrap();
        assert_eq!(linkerd.len(), 1);
    }

    #[test]
    fn the_recent_part_is_a_quarter_of_the_window_but_at_least_two_minutes() {
        let w = |s: &str| s.parse::<Window>().unwrap();
        assert_eq!(recent(w("5m")).map(|r| r.to_string()), Some("2m".into()));
        assert_eq!(recent(w("1h")).map(|r| r.to_string()), Some("15m".into()));
        assert_eq!(recent(w("2m")), None);
        assert_eq!(recent(w("30s")), None);
    }
}
