//! The observed graph against a declared architecture: which calls are allowed, forbidden
//! and expected, and how many errors and how much latency a call may have.
//!
//! A declaration ([`Architecture`]) comes from a rules file, TOML or YAML
//! ([`Architecture::from_rules`]), or from a Backstage catalog's `dependsOn` and
//! `dependencyOf` relations ([`Architecture::from_backstage`]). [`check`] compares a graph
//! with it and returns a [`Report`] of violations:
//!
//! * **forbidden** — an observed call that a `forbid` rule matches (forbidding wins over
//!   allowing);
//! * **undeclared** — an observed call that no `allow` or `expect` rule matches, when the
//!   declaration denies by default (a rules file with `allow` rules, unless it says
//!   `default = "allow"`; every Backstage catalog);
//! * **missing** — an `expect` rule (a catalog relation) that no observed call matches;
//! * **over budget** — an observed call whose error ratio or p95 exceeds a `budget` rule
//!   that matches it.
//!
//! A call is observed when it has a rate above zero and is not gone from a comparison. In
//! a comparison ([`CheckOptions::changed_only`]) the report keeps only what changed since
//! the baseline: violations of new and changed calls, and expected calls that were there
//! before and are gone now.
//!
//! ```
//! use svcgraph_core::check::{Architecture, CheckOptions, RulesFormat, check};
//! use svcgraph_core::{Edge, Node, NodeKind, ServiceGraph};
//!
//! let rules = Architecture::from_rules(r#"
//!     [[allow]]
//!     from = "shop/*"
//!     to = "shop/*"
//!
//!     [[forbid]]
//!     from = "shop/frontend"
//!     to = { kind = "database" }
//!     reason = "the frontend reads through services"
//! "#, RulesFormat::Toml)?;
//! let mut graph = ServiceGraph::new();
//! let mut node = |name: &str, kind| {
//!     let mut n = Node::named(&format!("shop/{name}"), kind);
//!     n.name = name.into();
//!     n.namespace = Some("shop".into());
//!     graph.upsert_node(n)
//! };
//! let (front, db) = (node("frontend", NodeKind::Service), node("orders-db", NodeKind::Database));
//! graph.upsert_edge(front, db, Edge::with_rate(3.0));
//! let report = check(&graph, &rules, &CheckOptions::default());
//! assert_eq!(report.violations.len(), 1);
//! assert!(report.to_text().contains("forbidden"));
//! # Ok::<(), svcgraph_core::Error>(())
//! ```

mod backstage;
mod glob;
mod report;
mod rules;

use std::cmp::Ordering;

use serde::Serialize;

pub use glob::Glob;
pub use report::MARKDOWN_MARKER;
pub use rules::RulesFormat;

use crate::diff::{Change, Metric};
use crate::model::{Edge, Node, NodeKind, ServiceGraph};

/// Which nodes one end of a rule matches. Every part given must match; an absent part
/// matches anything.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Endpoint {
    /// A pattern on the node's name (or its id: either may match).
    pub name: Option<Glob>,
    /// A pattern on the node's namespace; a node without one has the namespace `""`, which
    /// only `*` matches.
    pub namespace: Option<Glob>,
    /// The kinds it may be, any of them.
    pub kinds: Vec<NodeKind>,
}

impl Endpoint {
    /// Whether `node` is one of the nodes this end stands for.
    pub fn matches(&self, node: &Node) -> bool {
        self.name
            .as_ref()
            .is_none_or(|g| g.matches(&node.name) || g.matches(&node.id))
            && self
                .namespace
                .as_ref()
                .is_none_or(|g| g.matches(node.namespace.as_deref().unwrap_or("")))
            && (self.kinds.is_empty() || self.kinds.contains(&node.kind))
    }

    /// How the rule spells it in a report: `shop/frontend`, `kind=database`, `*`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match (&self.namespace, &self.name) {
            (Some(ns), Some(name)) => parts.push(format!("{}/{}", ns.as_str(), name.as_str())),
            (Some(ns), None) => parts.push(format!("{}/*", ns.as_str())),
            (None, Some(name)) => parts.push(name.as_str().to_owned()),
            (None, None) => {}
        }
        if !self.kinds.is_empty() {
            let kinds: Vec<&str> = self.kinds.iter().map(|k| k.as_str()).collect();
            parts.push(format!("kind={}", kinds.join("|")));
        }
        if parts.is_empty() {
            "*".to_owned()
        } else {
            parts.join(" ")
        }
    }
}

/// A declared call (or set of calls): from the nodes one end matches to those the other
/// matches.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CallRule {
    /// The callers.
    pub from: Endpoint,
    /// The callees.
    pub to: Endpoint,
    /// How a report names the rule: `forbid #2 (a → b): why`, or the catalog relation.
    pub label: String,
}

impl CallRule {
    /// Whether the call from `client` to `server` is one of this rule's.
    pub fn matches(&self, client: &Node, server: &Node) -> bool {
        self.from.matches(client) && self.to.matches(server)
    }
}

/// Limits on the calls a rule matches.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Budget {
    /// The calls it applies to.
    pub calls: CallRule,
    /// The highest error ratio allowed, in `[0, 1]`.
    pub error_ratio: Option<f64>,
    /// The highest p95 latency allowed, in seconds.
    pub p95: Option<f64>,
}

/// A declared architecture: what may, must and must not call what, and the budgets.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Architecture {
    /// Calls allowed.
    pub allow: Vec<CallRule>,
    /// Calls forbidden, even when allowed.
    pub forbid: Vec<CallRule>,
    /// Calls that must be observed (also allowed).
    pub expect: Vec<CallRule>,
    /// Error and latency budgets.
    pub budgets: Vec<Budget>,
    /// Whether a call no `allow` or `expect` rule matches is a violation (undeclared).
    pub deny_undeclared: bool,
}

/// How [`check`] reads the graph.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckOptions {
    /// Report only what changed since the baseline of a comparison: violations of new and
    /// changed calls, and expected calls that are gone.
    pub changed_only: bool,
}

/// What a violation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ViolationKind {
    /// An observed call a `forbid` rule matches.
    Forbidden,
    /// An observed call no `allow` or `expect` rule matches.
    Undeclared,
    /// An expected call that is not observed.
    Missing,
    /// An observed call over an error or latency budget.
    OverBudget,
}

impl ViolationKind {
    /// The words a report uses: `forbidden`, `undeclared`, `missing`, `over budget`.
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationKind::Forbidden => "forbidden",
            ViolationKind::Undeclared => "undeclared",
            ViolationKind::Missing => "missing",
            ViolationKind::OverBudget => "over budget",
        }
    }
}

/// One end of a call in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Party {
    /// The node's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its namespace, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Its kind (for a missing call's end, the rule's first kind, if it names one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<NodeKind>,
}

impl Party {
    fn of(node: &Node) -> Self {
        Party {
            id: node.id.clone(),
            name: node.name.clone(),
            namespace: node.namespace.clone(),
            kind: Some(node.kind),
        }
    }
}

/// A budget exceeded: which number, how high, and its limit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Breach {
    /// `error_ratio` or `p95`.
    pub metric: crate::diff::Metric,
    /// The call's value (a ratio, or seconds).
    pub value: f64,
    /// The budget's limit.
    pub limit: f64,
}

/// One violation of the declaration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Violation {
    /// What it is.
    pub kind: ViolationKind,
    /// The caller: the node, or for a missing call the rule's end as written.
    pub client: Party,
    /// The callee, the same way.
    pub server: Party,
    /// Requests per second now (for a missing call: in the baseline, when it was there).
    pub requests_per_second: f64,
    /// Failures over requests.
    pub error_ratio: f64,
    /// The p95 latency in seconds, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p95_seconds: Option<f64>,
    /// The rule broken (for undeclared calls: none matched).
    pub rule: String,
    /// For an over-budget call: the number over its limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breach: Option<Breach>,
    /// In a comparison: how the call compares with the baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
}

/// One thing the check looked at, for test reports: a call, an expected call or a budget
/// on a call, and the violations found there.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Case {
    /// `calls`, `expected calls` or `budgets`.
    pub suite: &'static str,
    /// What was checked: `client → server`, or the rule.
    pub name: String,
    /// Indices into [`Report::violations`].
    pub violations: Vec<usize>,
}

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// Every violation: forbidden, undeclared, missing, then over budget; each kind busiest
    /// first.
    pub violations: Vec<Violation>,
    /// Observed calls checked.
    pub calls_checked: usize,
    /// Whether only what changed since a baseline was checked.
    pub changed_only: bool,
    /// Everything checked, for JUnit test cases.
    #[serde(skip)]
    pub cases: Vec<Case>,
}

impl Report {
    /// Whether nothing was violated.
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }

    /// How many violations of one kind.
    pub fn count(&self, kind: ViolationKind) -> usize {
        self.violations.iter().filter(|v| v.kind == kind).count()
    }
}

fn observed(edge: &Edge) -> bool {
    edge.requests_per_second > 0.0
        && edge
            .diff
            .as_deref()
            .is_none_or(|d| d.change != Change::Gone)
}

fn change_of(edge: &Edge) -> Option<Change> {
    edge.diff.as_deref().map(|d| d.change)
}

/// A call of the graph: client, server, edge.
type Call<'a> = (&'a Node, &'a Node, &'a Edge);

/// What a check collects: the violations and the cases they belong to.
#[derive(Default)]
struct Findings {
    violations: Vec<Violation>,
    cases: Vec<Case>,
}

impl Findings {
    /// Records `violation` as one of `case`'s.
    fn add(&mut self, case: &mut Case, violation: Violation) {
        case.violations.push(self.violations.len());
        self.violations.push(violation);
    }
}

fn violation(kind: ViolationKind, (client, server, edge): Call<'_>, rule: String) -> Violation {
    Violation {
        kind,
        client: Party::of(client),
        server: Party::of(server),
        requests_per_second: edge.requests_per_second,
        error_ratio: edge.error_ratio(),
        p95_seconds: edge.latency.p95,
        rule,
        breach: None,
        change: change_of(edge),
    }
}

/// Compares `graph` with the declaration.
pub fn check(graph: &ServiceGraph, architecture: &Architecture, options: &CheckOptions) -> Report {
    let g = graph.graph();
    let calls: Vec<Call<'_>> = graph
        .sorted_edges()
        .into_iter()
        .filter_map(|e| {
            let (s, t) = g.edge_endpoints(e)?;
            Some((&g[s], &g[t], &g[e]))
        })
        .collect();
    let mut findings = Findings::default();
    let mut budget_cases = Vec::new();
    let mut calls_checked = 0;
    for &call in &calls {
        let edge = call.2;
        let in_scope =
            !options.changed_only || matches!(change_of(edge), Some(Change::New | Change::Changed));
        if !observed(edge) || !in_scope {
            continue;
        }
        calls_checked += 1;
        check_call(architecture, call, &mut findings);
        budget_cases.extend(check_budgets(architecture, call, &mut findings));
    }
    for rule in &architecture.expect {
        check_expected(rule, &calls, options.changed_only, &mut findings);
    }
    findings.cases.extend(budget_cases);
    let Findings {
        violations,
        mut cases,
    } = findings;

    // Kind first, then busiest first, then by ids; the cases' indices follow the new order.
    let mut order: Vec<usize> = (0..violations.len()).collect();
    order.sort_by(|&a, &b| by_kind_then_rate(&violations[a], &violations[b]));
    let mut position = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        position[old] = new;
    }
    for case in &mut cases {
        for v in &mut case.violations {
            *v = position[*v];
        }
    }
    let violations = order.into_iter().map(|i| violations[i].clone()).collect();
    Report {
        violations,
        calls_checked,
        changed_only: options.changed_only,
        cases,
    }
}

/// Whether an observed call is forbidden, or undeclared.
fn check_call(architecture: &Architecture, call: Call<'_>, findings: &mut Findings) {
    let (client, server, _) = call;
    let mut case = Case {
        suite: "calls",
        name: call_name(client, server),
        violations: Vec::new(),
    };
    if let Some(rule) = architecture
        .forbid
        .iter()
        .find(|r| r.matches(client, server))
    {
        let v = violation(ViolationKind::Forbidden, call, rule.label.clone());
        findings.add(&mut case, v);
    } else if architecture.deny_undeclared
        && !architecture
            .allow
            .iter()
            .chain(&architecture.expect)
            .any(|r| r.matches(client, server))
    {
        let v = violation(
            ViolationKind::Undeclared,
            call,
            "no rule allows it".to_owned(),
        );
        findings.add(&mut case, v);
    }
    findings.cases.push(case);
}

/// Every budget that applies to an observed call, one case each.
fn check_budgets(
    architecture: &Architecture,
    call: Call<'_>,
    findings: &mut Findings,
) -> Vec<Case> {
    let (client, server, edge) = call;
    let mut cases = Vec::new();
    for budget in architecture
        .budgets
        .iter()
        .filter(|b| b.calls.matches(client, server))
    {
        let mut case = Case {
            suite: "budgets",
            name: format!(
                "{} within {}",
                call_name(client, server),
                budget.calls.label
            ),
            violations: Vec::new(),
        };
        let limits = [
            (
                Metric::ErrorRatio,
                budget.error_ratio,
                Some(edge.error_ratio()),
            ),
            (Metric::P95, budget.p95, edge.latency.p95),
        ];
        for (metric, limit, value) in limits {
            if let (Some(limit), Some(value)) = (limit, value)
                && value > limit
            {
                let mut v = violation(ViolationKind::OverBudget, call, budget.calls.label.clone());
                v.breach = Some(Breach {
                    metric,
                    value,
                    limit,
                });
                findings.add(&mut case, v);
            }
        }
        cases.push(case);
    }
    cases
}

/// Whether an expected call is observed; in a comparison, only one that was there before.
fn check_expected(
    rule: &CallRule,
    calls: &[Call<'_>],
    changed_only: bool,
    findings: &mut Findings,
) {
    let present = calls
        .iter()
        .any(|&(c, s, e)| observed(e) && rule.matches(c, s));
    // The busiest gone call it matches: what was there before.
    let gone = calls
        .iter()
        .filter(|&&(c, s, e)| change_of(e) == Some(Change::Gone) && rule.matches(c, s))
        .max_by(|a, b| before_rate(a.2).total_cmp(&before_rate(b.2)));
    if changed_only && gone.is_none() {
        return;
    }
    let mut case = Case {
        suite: "expected calls",
        name: rule.label.clone(),
        violations: Vec::new(),
    };
    if !present {
        let (client, server, rate) = match gone {
            Some(&(c, s, e)) => (Party::of(c), Party::of(s), before_rate(e)),
            None => (declared(&rule.from), declared(&rule.to), 0.0),
        };
        let v = Violation {
            kind: ViolationKind::Missing,
            client,
            server,
            requests_per_second: rate,
            error_ratio: 0.0,
            p95_seconds: None,
            rule: rule.label.clone(),
            breach: None,
            change: gone.map(|_| Change::Gone),
        };
        findings.add(&mut case, v);
    }
    findings.cases.push(case);
}

fn before_rate(edge: &Edge) -> f64 {
    edge.diff
        .as_deref()
        .and_then(|d| d.before)
        .map_or(0.0, |b| b.requests_per_second)
}

fn by_kind_then_rate(a: &Violation, b: &Violation) -> Ordering {
    a.kind
        .cmp(&b.kind)
        .then_with(|| b.requests_per_second.total_cmp(&a.requests_per_second))
        .then_with(|| a.client.id.cmp(&b.client.id))
        .then_with(|| a.server.id.cmp(&b.server.id))
        .then_with(|| a.rule.cmp(&b.rule))
}

/// A missing call's end, as the rule wrote it.
fn declared(end: &Endpoint) -> Party {
    let name = end.describe();
    Party {
        id: name.clone(),
        name: end.name.as_ref().map_or(name, |g| g.as_str().to_owned()),
        namespace: end.namespace.as_ref().map(|g| g.as_str().to_owned()),
        kind: end.kinds.first().copied(),
    }
}

/// `frontend (shop) → cart (shop)`.
fn call_name(client: &Node, server: &Node) -> String {
    format!("{} → {}", node_name(client), node_name(server))
}

fn node_name(node: &Node) -> String {
    match &node.namespace {
        Some(ns) => format!("{} ({ns})", node.name),
        None => node.name.clone(),
    }
}

#[cfg(test)]
mod tests;
