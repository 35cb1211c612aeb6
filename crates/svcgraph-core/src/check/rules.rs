//! Rules files, TOML or YAML: `allow`, `forbid`, `expect` and `budget` lists of rules, each
//! with `from` and `to` ends, and an optional `default` (`deny` or `allow`).
//!
//! An end is a pattern string, `name` or `namespace/name` (each part a [`Glob`]), or a table
//! of `name`, `namespace` and `kind` (a kind or a list of kinds); an end left out matches
//! any node. A budget also gives `error_ratio` (a fraction, or a percentage such as `"1%"`)
//! and/or `p95` (seconds, or `"250ms"`, `"1.5s"`, `"800us"`).

use serde::Deserialize;

use super::{Architecture, Budget, CallRule, Endpoint, Glob};
use crate::error::{Error, Result};
use crate::model::NodeKind;

/// The syntax of a rules file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RulesFormat {
    /// TOML: `[[allow]]` tables.
    Toml,
    /// YAML: `allow:` lists.
    Yaml,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    default: Option<DefaultPolicy>,
    #[serde(default)]
    allow: Vec<RuleSpec>,
    #[serde(default)]
    forbid: Vec<RuleSpec>,
    #[serde(default)]
    expect: Vec<RuleSpec>,
    #[serde(default)]
    budget: Vec<BudgetSpec>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum DefaultPolicy {
    Deny,
    Allow,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    from: Option<EndpointSpec>,
    to: Option<EndpointSpec>,
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BudgetSpec {
    from: Option<EndpointSpec>,
    to: Option<EndpointSpec>,
    reason: Option<String>,
    error_ratio: Option<NumberOrText>,
    p95: Option<NumberOrText>,
}

#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "an end of a call: a pattern such as \"shop/cart\" or \"*-db\", or a table of name, namespace and kind"
)]
enum EndpointSpec {
    Pattern(String),
    Table(EndpointTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EndpointTable {
    name: Option<String>,
    namespace: Option<String>,
    kind: Option<OneOrMany>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "a node kind or a list of them")]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "a number or a string such as \"1%\" or \"250ms\""
)]
enum NumberOrText {
    Number(f64),
    Text(String),
}

impl Architecture {
    /// Reads a rules file (see the module's description).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a file that is not valid TOML or YAML, has a key or a kind
    /// svcgraph does not know, a budget without a limit or with an unreadable one, or no
    /// rule at all.
    pub fn from_rules(text: &str, format: RulesFormat) -> Result<Architecture> {
        let file: RulesFile = match format {
            RulesFormat::Toml => toml::from_str(text).map_err(|e| {
                Error::Invalid(format!(
                    "the rules file is not valid: {}",
                    e.to_string().trim().replace('\n', " ")
                ))
            })?,
            RulesFormat::Yaml => serde_yaml_ng::from_str(text)
                .map_err(|e| Error::Invalid(format!("the rules file is not valid: {e}")))?,
        };
        if file.allow.is_empty()
            && file.forbid.is_empty()
            && file.expect.is_empty()
            && file.budget.is_empty()
        {
            return Err(Error::Invalid(
                "the rules file declares nothing: give allow, forbid, expect or budget rules"
                    .into(),
            ));
        }
        let rules = |section: &str, specs: &[RuleSpec]| -> Result<Vec<CallRule>> {
            specs
                .iter()
                .enumerate()
                .map(|(i, spec)| {
                    call_rule(
                        section,
                        i,
                        spec.from.as_ref(),
                        spec.to.as_ref(),
                        spec.reason.as_deref(),
                    )
                })
                .collect()
        };
        let budgets = file
            .budget
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let calls = call_rule(
                    "budget",
                    i,
                    spec.from.as_ref(),
                    spec.to.as_ref(),
                    spec.reason.as_deref(),
                )?;
                let error_ratio = spec
                    .error_ratio
                    .as_ref()
                    .map(|v| ratio(v).map_err(|e| in_rule(&calls, &e)))
                    .transpose()?;
                let p95 = spec
                    .p95
                    .as_ref()
                    .map(|v| seconds(v).map_err(|e| in_rule(&calls, &e)))
                    .transpose()?;
                if error_ratio.is_none() && p95.is_none() {
                    return Err(in_rule(
                        &calls,
                        "a budget needs error_ratio or p95 (or both)",
                    ));
                }
                Ok(Budget {
                    calls,
                    error_ratio,
                    p95,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let allow = rules("allow", &file.allow)?;
        let deny_undeclared = match file.default {
            Some(DefaultPolicy::Deny) => true,
            Some(DefaultPolicy::Allow) => false,
            None => !allow.is_empty(),
        };
        Ok(Architecture {
            allow,
            forbid: rules("forbid", &file.forbid)?,
            expect: rules("expect", &file.expect)?,
            budgets,
            deny_undeclared,
        })
    }
}

fn in_rule(rule: &CallRule, problem: &str) -> Error {
    Error::Invalid(format!("in the rules file, {}: {problem}", rule.label))
}

fn call_rule(
    section: &str,
    index: usize,
    from: Option<&EndpointSpec>,
    to: Option<&EndpointSpec>,
    reason: Option<&str>,
) -> Result<CallRule> {
    let where_ = || format!("{section} #{}", index + 1);
    let from = endpoint(from)
        .map_err(|e| Error::Invalid(format!("in the rules file, {} from: {e}", where_())))?;
    let to = endpoint(to)
        .map_err(|e| Error::Invalid(format!("in the rules file, {} to: {e}", where_())))?;
    let mut label = format!("{} ({} → {})", where_(), from.describe(), to.describe());
    if let Some(reason) = reason.filter(|r| !r.trim().is_empty()) {
        label.push_str(": ");
        label.push_str(reason.trim());
    }
    Ok(CallRule { from, to, label })
}

fn endpoint(spec: Option<&EndpointSpec>) -> std::result::Result<Endpoint, String> {
    let glob = |text: &str| (text != "*").then(|| Glob::new(text));
    match spec {
        None => Ok(Endpoint::default()),
        Some(EndpointSpec::Pattern(text)) => {
            if text.is_empty() {
                return Err("an empty pattern matches nothing; write `*` for any node".into());
            }
            Ok(match text.split_once('/') {
                Some((ns, name)) => Endpoint {
                    name: glob(name),
                    namespace: Some(Glob::new(ns)),
                    kinds: Vec::new(),
                },
                None => Endpoint {
                    name: glob(text),
                    ..Endpoint::default()
                },
            })
        }
        Some(EndpointSpec::Table(table)) => {
            let kinds = match &table.kind {
                None => Vec::new(),
                Some(OneOrMany::One(k)) => vec![kind(k)?],
                Some(OneOrMany::Many(ks)) => {
                    ks.iter().map(|k| kind(k)).collect::<Result<_, _>>()?
                }
            };
            Ok(Endpoint {
                name: table.name.as_deref().and_then(glob),
                namespace: table.namespace.as_deref().map(Glob::new),
                kinds,
            })
        }
    }
}

fn kind(text: &str) -> std::result::Result<NodeKind, String> {
    NodeKind::ALL
        .into_iter()
        .find(|k| k.as_str() == text)
        .ok_or_else(|| {
            let known: Vec<&str> = NodeKind::ALL.iter().map(|k| k.as_str()).collect();
            format!(
                "`{}` is not a node kind; kinds are {}",
                crate::error::excerpt(text),
                known.join(", ")
            )
        })
}

fn ratio(value: &NumberOrText) -> std::result::Result<f64, String> {
    let number = match value {
        NumberOrText::Number(n) => Some(*n),
        NumberOrText::Text(t) => match t.trim().strip_suffix('%') {
            Some(pct) => pct.trim().parse::<f64>().ok().map(|p| p / 100.0),
            None => t.trim().parse().ok(),
        },
    };
    match number {
        Some(n) if (0.0..=1.0).contains(&n) => Ok(n),
        _ => Err("error_ratio is a fraction from 0 to 1 (0.01) or a percentage (\"1%\")".into()),
    }
}

fn seconds(value: &NumberOrText) -> std::result::Result<f64, String> {
    let number = match value {
        NumberOrText::Number(n) => Some(*n),
        NumberOrText::Text(t) => {
            let t = t.trim();
            let split = t
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(t.len());
            let (number, unit) = t.split_at(split);
            let scale = match unit.trim() {
                "" | "s" => Some(1.0),
                "ms" => Some(1e-3),
                "us" | "µs" => Some(1e-6),
                _ => None,
            };
            number.parse::<f64>().ok().zip(scale).map(|(n, s)| n * s)
        }
    };
    match number {
        Some(n) if n.is_finite() && n >= 0.0 => Ok(n),
        _ => Err(
            "p95 is seconds (0.25) or a duration such as \"250ms\", \"1.5s\" or \"800us\"".into(),
        ),
    }
}
