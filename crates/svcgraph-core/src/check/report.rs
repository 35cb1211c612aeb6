//! A check's report as text (a terminal), JSON (tools), JUnit XML (CI test reports) and
//! Markdown (a pull request comment).

use std::fmt::Write;

use super::{Breach, Party, Report, Violation, ViolationKind};
use crate::diff::Metric;
use crate::model::counted;
use crate::render::markdown::escape as md;
use crate::render::text::{format_duration, format_percent, format_rate};

/// The marker the Markdown report starts with (an HTML comment, invisible once rendered), so
/// that a CI job can find its own earlier comment.
pub const MARKDOWN_MARKER: &str = "<!-- svcgraph check -->";

impl Violation {
    /// What is wrong, in a few words: `12.3 req/s`, `error ratio 6.1% over 5%`,
    /// `p95 310 ms over 250 ms`, `not observed (was 3.80 req/s)`.
    pub fn detail(&self) -> String {
        match (self.kind, self.breach) {
            (ViolationKind::OverBudget, Some(b)) => breach_text(b),
            (ViolationKind::Missing, _) if self.requests_per_second > 0.0 => format!(
                "not observed (was {} req/s)",
                format_rate(self.requests_per_second)
            ),
            (ViolationKind::Missing, _) => "not observed".to_owned(),
            _ => format!("{} req/s", format_rate(self.requests_per_second)),
        }
    }
}

/// `p95 310 ms over 250 ms`, `error ratio 6.1% over 5.0%`.
fn breach_text(b: Breach) -> String {
    if b.metric == Metric::P95 {
        return format!(
            "p95 {} over {}",
            format_duration(b.value),
            format_duration(b.limit)
        );
    }
    let (value, limit) = (format_percent(b.value), format_percent(b.limit));
    if value == limit {
        // Just over: enough digits to see the difference.
        format!(
            "error ratio {:.3}% over {:.3}%",
            b.value * 100.0,
            b.limit * 100.0
        )
    } else {
        format!("error ratio {value} over {limit}")
    }
}

/// A party for one line of text: the name, and the namespace in parentheses; control
/// characters and text-direction overrides made harmless.
fn plain(party: &Party) -> String {
    let text = match &party.namespace {
        Some(ns) => format!("{} ({ns})", party.name),
        None => party.name.clone(),
    };
    one_line(&text)
}

fn one_line(text: &str) -> String {
    crate::render::shown(text)
        .chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

impl Report {
    /// The headline: `3 violations in 23 calls: 1 forbidden, 2 undeclared` or `no
    /// violations in 23 calls`.
    pub fn summary(&self) -> String {
        let scope = if self.changed_only {
            format!(
                "{} changed since the baseline",
                counted(self.calls_checked, "call")
            )
        } else {
            counted(self.calls_checked, "call")
        };
        if self.is_clean() {
            return format!("no violations in {scope}");
        }
        let kinds: Vec<String> = [
            ViolationKind::Forbidden,
            ViolationKind::Undeclared,
            ViolationKind::Missing,
            ViolationKind::OverBudget,
        ]
        .into_iter()
        .filter(|&k| self.count(k) > 0)
        .map(|k| format!("{} {}", self.count(k), k.as_str()))
        .collect();
        format!(
            "{} in {scope}: {}",
            counted(self.violations.len(), "violation"),
            kinds.join(", ")
        )
    }

    /// One line per violation under the headline, for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = format!("svcgraph check: {}\n", self.summary());
        for v in &self.violations {
            let _ = writeln!(
                out,
                "  {:<11}  {} → {}  {}  [{}]",
                v.kind.as_str(),
                plain(&v.client),
                plain(&v.server),
                v.detail(),
                one_line(&v.rule)
            );
        }
        out
    }

    /// The report as a JSON document: `ok`, `summary`, `calls_checked`, `changed_only` and
    /// the `violations` with every number.
    pub fn to_json(&self) -> String {
        let document = serde_json::json!({
            "format": "svcgraph-check",
            "version": 1,
            "ok": self.is_clean(),
            "summary": self.summary(),
            "calls_checked": self.calls_checked,
            "changed_only": self.changed_only,
            "violations": self.violations,
        });
        let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The report as JUnit XML: a test suite each for the calls, the expected calls and the
    /// budgets, a test case per thing checked, a failure per violation.
    pub fn to_junit(&self) -> String {
        let suites = ["calls", "expected calls", "budgets"];
        let failures = |suite: &str| -> usize {
            self.cases
                .iter()
                .filter(|c| c.suite == suite && !c.violations.is_empty())
                .count()
        };
        let tests = |suite: &str| self.cases.iter().filter(|c| c.suite == suite).count();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let total_failures: usize = suites.iter().map(|s| failures(s)).sum();
        let _ = writeln!(
            out,
            "<testsuites name=\"svcgraph check\" tests=\"{}\" failures=\"{total_failures}\" errors=\"0\">",
            self.cases.len()
        );
        for suite in suites {
            let _ = writeln!(
                out,
                "  <testsuite name=\"{suite}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">",
                tests(suite),
                failures(suite)
            );
            for case in self.cases.iter().filter(|c| c.suite == suite) {
                let _ = write!(
                    out,
                    "    <testcase classname=\"svcgraph.check.{}\" name=\"{}\"",
                    suite.replace(' ', "_"),
                    xml(&case.name)
                );
                if case.violations.is_empty() {
                    out.push_str("/>\n");
                    continue;
                }
                out.push_str(">\n");
                for &i in &case.violations {
                    let Some(v) = self.violations.get(i) else {
                        continue;
                    };
                    let message = format!(
                        "{}: {} → {}: {}",
                        v.kind.as_str(),
                        plain(&v.client),
                        plain(&v.server),
                        v.detail()
                    );
                    let _ = writeln!(
                        out,
                        "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                        v.kind.as_str().replace(' ', "_"),
                        xml(&message),
                        xml(&format!("{message} [{}]", v.rule))
                    );
                }
                out.push_str("    </testcase>\n");
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }

    /// The report as Markdown for a pull request comment: a headline, then a table of the
    /// violations. Starts with [`MARKDOWN_MARKER`].
    pub fn to_markdown(&self) -> String {
        let mut out = String::from(MARKDOWN_MARKER);
        out.push('\n');
        let mark = if self.is_clean() { "✅" } else { "❌" };
        let _ = writeln!(out, "### {mark} svcgraph check: {}", self.summary());
        if self.is_clean() {
            return out;
        }
        out.push_str("\n| Violation | Client | Server | What | Rule |\n|---|---|---|---|---|\n");
        for v in &self.violations {
            let party = |p: &Party| match &p.namespace {
                Some(ns) => format!("{} ({})", md(&p.name), md(ns)),
                None => md(&p.name),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                v.kind.as_str(),
                party(&v.client),
                party(&v.server),
                v.detail(),
                md(&v.rule)
            );
        }
        out
    }
}

/// Text for an XML attribute or element: the five special characters as entities, and what
/// XML 1.0 cannot hold (most control characters, U+FFFE, U+FFFF) and text-direction
/// overrides as U+FFFD.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            c if c.is_control()
                || crate::render::is_noncharacter(c)
                || crate::render::is_bidi_control(c) =>
            {
                out.push('\u{FFFD}');
            }
            c => out.push(c),
        }
    }
    out
}
