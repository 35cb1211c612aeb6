//! Schemas: how one producer's metric names and labels map onto svcgraph's edge model.
//!
//! A [`Schema`] is plain data. The presets ([`Schema::preset`]) cover the producers in the
//! design notes; a user can write their own as TOML (or JSON) with the same fields and load it
//! with [`Schema::from_toml`], no recompiling. `svcgraph schemas --show NAME` prints a preset
//! as a starting point.
//!
//! A schema does two things:
//! * [`Schema::plan`] turns a [`GraphQuery`](crate::query::GraphQuery) into the PromQL a
//!   source runs (its documentation shows the exact expressions);
//! * [`Schema::build`] turns the results into a [`ServiceGraph`](crate::ServiceGraph).

mod build;
mod detect;
mod plan;
mod presets;

use serde::{Deserialize, Serialize};

pub use build::{Built, DuplicateSeries, QueryResults};
pub(crate) use plan::over_selectors;

use crate::error::{Error, Result, excerpt};
use crate::model::NodeKind;
use crate::query::{LabelMatcher, check_label_name, check_metric_name};

/// The mapping from one producer's metrics to the edge model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// A short name, e.g. `servicegraph`.
    pub name: String,
    /// One line for `svcgraph schemas`.
    #[serde(default)]
    pub description: String,
    /// The request counter, e.g. `traces_service_graph_request_total`.
    pub requests: String,
    /// Matchers every query carries, e.g. `reporter="source"` for Istio.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selector: Vec<LabelMatcher>,
    /// How failed requests are counted; none when the producer does not record them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<Failures>,
    /// The latency histogram; none when the producer does not record one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencyHistogram>,
    /// Labels of the calling side.
    pub client: Side,
    /// Labels of the called side.
    pub server: Side,
    /// The label holding the connection type (`virtual_node`, `messaging_system`, `database`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_type: Option<String>,
    /// What identifies a node.
    #[serde(default)]
    pub key: NodeKey,
    /// The label `--cluster` filters on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_label: Option<String>,
    /// The labels `--namespace` filters on; with two (client's and server's), an edge is kept
    /// when either end is in the namespace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespace_labels: Vec<String>,
}

/// How failed requests are counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failures {
    /// A separate failure counter; when absent, the request counter is used with `matchers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// Matchers that select failed requests, e.g. `response_code=~"5.."`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<LabelMatcher>,
}

/// A classic Prometheus histogram of request durations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyHistogram {
    /// The `_bucket` series, e.g. `traces_service_graph_request_server_seconds_bucket`.
    pub bucket: String,
    /// The unit of the bucket bounds (`le`); values are converted to seconds.
    #[serde(default)]
    pub unit: TimeUnit,
}

/// The unit a histogram records durations in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TimeUnit {
    /// Seconds (Prometheus' convention).
    #[default]
    Seconds,
    /// Milliseconds (Istio, Linkerd, some collector builds).
    Milliseconds,
}

impl TimeUnit {
    /// A value in this unit, in seconds. Divides (rather than multiplying by 0.001) so that
    /// 87.5 ms is exactly the double nearest 0.0875 s.
    pub fn to_seconds(self, value: f64) -> f64 {
        match self {
            TimeUnit::Seconds => value,
            TimeUnit::Milliseconds => value / 1000.0,
        }
    }
}

/// What identifies a node, and so when two series talk about the same node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NodeKey {
    /// Its name, qualified by its namespace when known (`shop/cart`).
    #[default]
    Name,
    /// Its address (the seed recipe: pods keyed by IP, labelled by pod name); falls back to
    /// the name when a series has no address.
    Address,
}

/// The labels describing one end of an edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Side {
    /// Labels naming the node, tried in order; the first present one wins.
    pub name: Vec<String>,
    /// Labels tried when no `name` label is present; they name an external node (an address
    /// or a host outside the cluster).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external: Vec<String>,
    /// The label holding the node's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The label holding the node's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// What a node named by `name` is.
    pub kind: NodeKind,
    /// Values meaning "the producer did not know" (Istio's `unknown`): the next label is tried.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_values: Vec<String>,
    /// Values that name a virtual node (the servicegraph connector's `user`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub virtual_names: Vec<String>,
}

impl Schema {
    /// The preset names, in the order `svcgraph schemas` lists them.
    pub const PRESETS: [&'static str; 5] =
        ["gmp-beyla", "servicegraph", "beyla", "istio", "linkerd"];

    /// A built-in schema by name.
    pub fn preset(name: &str) -> Result<Schema> {
        presets::by_name(name).ok_or_else(|| Error::UnknownSchema {
            name: excerpt(name),
            known: Self::PRESETS.join(", "),
        })
    }

    /// Every built-in schema.
    pub fn presets() -> Vec<Schema> {
        Self::PRESETS
            .iter()
            .filter_map(|name| presets::by_name(name))
            .collect()
    }

    /// Reads and checks a schema written as TOML.
    pub fn from_toml(text: &str) -> Result<Schema> {
        let schema: Schema = toml::from_str(text).map_err(|e| {
            Error::Invalid(format!(
                "the schema definition is not valid: {}",
                e.message().replace('\n', " ")
            ))
        })?;
        schema.validate()?;
        Ok(schema)
    }

    /// Reads and checks a schema written as JSON.
    pub fn from_json(text: &str) -> Result<Schema> {
        let schema: Schema =
            serde_json::from_str(text).map_err(|e| Error::json("the schema definition", &e))?;
        schema.validate()?;
        Ok(schema)
    }

    /// The schema as TOML, for users to copy and edit.
    pub fn to_toml(&self) -> String {
        // Serialising plain strings, vectors and enums cannot fail.
        toml::to_string(self).unwrap_or_default()
    }

    /// The matcher that keeps one cluster's series, on the schema's cluster label; an error
    /// for a schema without one.
    pub fn cluster_matcher(&self, cluster: &str) -> Result<LabelMatcher> {
        let label = self.cluster_label.as_deref().ok_or_else(|| {
            Error::Invalid(format!(
                "schema `{}` has no cluster label; filter with a label matcher instead",
                self.name
            ))
        })?;
        LabelMatcher::equal(label, cluster)
    }

    /// Checks every metric and label name, so a schema cannot produce malformed PromQL.
    pub fn validate(&self) -> Result<()> {
        let context = |e: Error| Error::Invalid(format!("schema `{}`: {e}", excerpt(&self.name)));
        check_metric_name(&self.requests).map_err(context)?;
        if let Some(f) = &self.failures {
            if let Some(m) = &f.metric {
                check_metric_name(m).map_err(context)?;
            } else if f.matchers.is_empty() {
                return Err(context(Error::Invalid(
                    "failures needs a metric or matchers that select failed requests".into(),
                )));
            }
        }
        if let Some(h) = &self.latency {
            check_metric_name(&h.bucket).map_err(context)?;
        }
        for side in [&self.client, &self.server] {
            if side.name.is_empty() && side.external.is_empty() {
                return Err(context(Error::Invalid(
                    "each side needs at least one label in `name` or `external`".into(),
                )));
            }
            for label in side.labels() {
                check_label_name(label).map_err(context)?;
            }
        }
        for label in self
            .connection_type
            .iter()
            .chain(&self.cluster_label)
            .chain(&self.namespace_labels)
        {
            check_label_name(label).map_err(context)?;
        }
        if self.namespace_labels.len() > 2 {
            return Err(context(Error::Invalid(
                "namespace_labels holds at most two labels (client's and server's)".into(),
            )));
        }
        Ok(())
    }

    /// The labels a query keeps (`sum by`), in a fixed order without repeats.
    pub fn group_labels(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let all = self
            .client
            .labels()
            .chain(self.server.labels())
            .chain(self.connection_type.as_deref());
        for label in all {
            if !out.contains(&label) {
                out.push(label);
            }
        }
        out
    }
}

impl Side {
    /// Every label this side reads.
    fn labels(&self) -> impl Iterator<Item = &str> {
        self.name
            .iter()
            .chain(&self.external)
            .chain(&self.namespace)
            .chain(&self.address)
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_valid_and_round_trips_through_toml() {
        for schema in Schema::presets() {
            schema.validate().unwrap();
            let text = schema.to_toml();
            assert_eq!(Schema::from_toml(&text).unwrap(), schema, "{text}");
            let json = serde_json::to_string(&schema).unwrap();
            assert_eq!(Schema::from_json(&json).unwrap(), schema);
        }
        assert_eq!(Schema::presets().len(), Schema::PRESETS.len());
    }

    #[test]
    fn unknown_presets_list_the_known_ones() {
        let err = Schema::preset("zipkin").unwrap_err().to_string();
        assert!(
            err.contains("gmp-beyla, servicegraph, beyla, istio, linkerd"),
            "{err}"
        );
    }

    #[test]
    fn custom_schemas_are_checked() {
        let good = r#"
            name = "mine"
            requests = "edges_total"
            selector = ['env="prod"']
            [client]
            name = ["from"]
            kind = "service"
            [server]
            name = ["to"]
            kind = "service"
        "#;
        let schema = Schema::from_toml(good).unwrap();
        assert_eq!(schema.selector[0].to_promql(), r#"env="prod""#);
        let cases = [
            (
                good.replace("edges_total", "edges-total"),
                "not a valid metric name",
            ),
            (
                good.replace("\"from\"", "\"fr om\""),
                "not a valid label name",
            ),
            (
                good.replace(r#"'env="prod"'"#, "'env'"),
                "not a label filter",
            ),
            (
                good.replace("kind = \"service\"", "kind = \"planet\""),
                "not valid",
            ),
            (
                good.replace("name = [\"to\"]", "name = []"),
                "at least one label",
            ),
            (format!("{good}\nextra = 1"), "unknown field"),
        ];
        for (text, expected) in cases {
            let err = Schema::from_toml(&text).unwrap_err().to_string();
            assert!(err.contains(expected), "{expected}: {err}");
            assert!(!err.contains('\n'));
        }
    }
}
