//! PromQL for a schema and a query (the expressions are documented on [`Schema::plan`]).

use super::Schema;
use crate::error::{Error, Result};
use crate::query::{GraphQuery, LabelMatcher, PlannedQuery, QueryPurpose, promql_string};

impl Schema {
    /// The PromQL queries that fetch this schema's edges for `query`: requests always, then
    /// failures and p50/p95/p99 latency when the schema records them.
    ///
    /// With `G` the schema's group labels, `S` the selector (schema matchers, cluster, user
    /// filters) and `w` the window:
    ///
    /// * requests: `sum by (G) (rate(requests{S}[w])) > 0` — idle edges are left out, as the
    ///   seed recipe's `!= 0` did;
    /// * failures: `sum by (G) (rate(failures{S, failure matchers}[w])) > 0`;
    /// * latency `q`: `histogram_quantile(q, sum by (G, le) (rate(bucket{S}[w])))`.
    ///
    /// A namespace filter on a schema with a client and a server namespace label keeps edges
    /// touching the namespace: `rate(m{S, client_ns="n"}[w]) or rate(m{S, server_ns="n"}[w])`.
    /// `or` keeps each series once, so an edge inside the namespace is not counted twice.
    pub fn plan(&self, query: &GraphQuery) -> Result<Vec<PlannedQuery>> {
        let selectors = self.selectors(query)?;
        let window = query.window.to_string();
        let group = self.group_labels().join(", ");
        let rates = |metric: &str, extra: &[LabelMatcher]| -> String {
            let extra: Vec<String> = extra.iter().map(LabelMatcher::to_promql).collect();
            over_selectors("rate", metric, &selectors, &extra, &window)
        };

        let mut out = vec![PlannedQuery {
            purpose: QueryPurpose::Requests,
            promql: format!("sum by ({group}) ({}) > 0", rates(&self.requests, &[])),
            at: query.at,
        }];
        if let Some(failures) = &self.failures {
            let metric = failures.metric.as_deref().unwrap_or(&self.requests);
            out.push(PlannedQuery {
                purpose: QueryPurpose::Failures,
                promql: format!(
                    "sum by ({group}) ({}) > 0",
                    rates(metric, &failures.matchers)
                ),
                at: query.at,
            });
        }
        if let Some(histogram) = &self.latency {
            for purpose in [
                QueryPurpose::LatencyP50,
                QueryPurpose::LatencyP95,
                QueryPurpose::LatencyP99,
            ] {
                let q = purpose.quantile().unwrap_or(0.5);
                out.push(PlannedQuery {
                    purpose,
                    promql: format!(
                        "histogram_quantile({q}, sum by ({group}, le) ({}))",
                        rates(&histogram.bucket, &[])
                    ),
                    at: query.at,
                });
            }
        }
        Ok(out)
    }
}

impl Schema {
    /// The selectors of a query's series: the schema's matchers, the cluster and the user's
    /// filters; one selector per namespace label when the namespace filter may match either
    /// end.
    pub(crate) fn selectors(&self, query: &GraphQuery) -> Result<Vec<Vec<String>>> {
        let mut base: Vec<String> = self.selector.iter().map(LabelMatcher::to_promql).collect();
        if let Some(cluster) = &query.cluster {
            base.push(self.cluster_matcher(cluster)?.to_promql());
        }
        base.extend(query.matchers.iter().map(LabelMatcher::to_promql));
        let Some(namespace) = &query.namespace else {
            return Ok(vec![base]);
        };
        if self.namespace_labels.is_empty() {
            return Err(Error::Invalid(format!(
                "schema `{}` has no namespace label; filter with a label matcher instead",
                self.name
            )));
        }
        Ok(self
            .namespace_labels
            .iter()
            .map(|label| {
                let mut s = base.clone();
                s.push(format!("{label}={}", promql_string(namespace)));
                s
            })
            .collect())
    }
}

/// `function(metric{selector, extra}[window])` for each selector, joined by `or` (which keeps
/// each series once, so an edge matching two selectors is not counted twice).
pub(crate) fn over_selectors(
    function: &str,
    metric: &str,
    selectors: &[Vec<String>],
    extra: &[String],
    window: &str,
) -> String {
    let parts: Vec<String> = selectors
        .iter()
        .map(|s| {
            let matchers: Vec<&str> = s.iter().chain(extra).map(String::as_str).collect();
            if matchers.is_empty() {
                format!("{function}({metric}[{window}])")
            } else {
                format!("{function}({metric}{{{}}}[{window}])", matchers.join(", "))
            }
        })
        .collect();
    parts.join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::EvalTime;

    #[test]
    fn the_seed_query_is_reproduced_with_escaped_filters() {
        let schema = Schema::preset("gmp-beyla").unwrap();
        let query = GraphQuery {
            cluster: Some("prod".into()),
            namespace: Some("default".into()),
            ..GraphQuery::default()
        };
        let plan = schema.plan(&query).unwrap();
        assert_eq!(plan.len(), 1);
        assert_eq!(
            plan[0].promql,
            "sum by (client, client_address, server, server_address, namespace) \
             (rate(traces_service_graph_request_total{cluster=\"prod\", namespace=\"default\"}[5m])) > 0"
        );
    }

    #[test]
    fn hostile_filter_values_cannot_change_the_query() {
        let schema = Schema::preset("gmp-beyla").unwrap();
        let hostile = "a\"} or vector(1) #";
        let query = GraphQuery {
            cluster: Some(hostile.into()),
            matchers: vec![LabelMatcher::equal("job", "x\\\"\n}").unwrap()],
            ..GraphQuery::default()
        };
        let promql = &schema.plan(&query).unwrap()[0].promql;
        assert!(
            promql.contains(r#"cluster="a\"} or vector(1) #""#),
            "{promql}"
        );
        assert!(promql.contains(r#"job="x\\\"\n}""#), "{promql}");
        // Outside string literals the query has exactly the structure of a harmless one.
        let strip = |q: &str| {
            let mut out = String::new();
            let mut in_string = false;
            let mut escaped = false;
            for c in q.chars() {
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        in_string = false;
                        out.push('"');
                    }
                } else {
                    if c == '"' {
                        in_string = true;
                    }
                    out.push(c);
                }
            }
            out
        };
        let harmless = GraphQuery {
            cluster: Some("c".into()),
            matchers: vec![LabelMatcher::equal("job", "j").unwrap()],
            ..GraphQuery::default()
        };
        assert_eq!(
            strip(promql),
            strip(&schema.plan(&harmless).unwrap()[0].promql)
        );
    }

    #[test]
    fn every_query_of_a_full_schema_is_planned() {
        let schema = Schema::preset("istio").unwrap();
        let query = GraphQuery {
            namespace: Some("shop".into()),
            window: "10m".parse().unwrap(),
            at: Some(EvalTime::from_unix_millis(1_700_000_000_000)),
            ..GraphQuery::default()
        };
        let plan = schema.plan(&query).unwrap();
        let purposes: Vec<QueryPurpose> = plan.iter().map(|p| p.purpose).collect();
        assert_eq!(purposes, QueryPurpose::ALL);
        assert!(plan.iter().all(|p| p.at == query.at));
        assert_eq!(
            plan[1].promql,
            "sum by (source_workload, source_workload_namespace, destination_workload, \
             destination_service_name, destination_workload_namespace) \
             (rate(istio_requests_total{reporter=\"source\", source_workload_namespace=\"shop\", response_code=~\"5..\"}[10m]) \
             or rate(istio_requests_total{reporter=\"source\", destination_workload_namespace=\"shop\", response_code=~\"5..\"}[10m])) > 0"
        );
        assert!(
            plan[3]
                .promql
                .starts_with("histogram_quantile(0.95, sum by (")
        );
        assert!(
            plan[3]
                .promql
                .contains(", le) (rate(istio_request_duration_milliseconds_bucket{")
        );
    }

    #[test]
    fn filters_the_schema_cannot_express_are_refused() {
        let mut schema = Schema::preset("servicegraph").unwrap();
        schema.cluster_label = None;
        schema.namespace_labels.clear();
        let cluster = GraphQuery {
            cluster: Some("c".into()),
            ..GraphQuery::default()
        };
        assert!(
            schema
                .plan(&cluster)
                .unwrap_err()
                .to_string()
                .contains("no cluster label")
        );
        let namespace = GraphQuery {
            namespace: Some("n".into()),
            ..GraphQuery::default()
        };
        assert!(
            schema
                .plan(&namespace)
                .unwrap_err()
                .to_string()
                .contains("no namespace label")
        );
    }
}
