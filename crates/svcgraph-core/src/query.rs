//! What the user asks for — filters, window, evaluation time — and its safe PromQL spelling.
//!
//! Every label value that reaches PromQL goes through [`promql_string`], and every label or
//! metric name is checked against Prometheus' name grammar, so no filter value can change the
//! shape of a query (`a"} or vector(1) #` stays one string literal).

use std::fmt;
use std::str::FromStr;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, excerpt};

/// How a [`LabelMatcher`] compares a label with its value, as in PromQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MatchOp {
    /// `=`
    #[serde(rename = "=")]
    Equal,
    /// `!=`
    #[serde(rename = "!=")]
    NotEqual,
    /// `=~` (fully anchored regular expression)
    #[serde(rename = "=~")]
    Regex,
    /// `!~`
    #[serde(rename = "!~")]
    NotRegex,
}

impl MatchOp {
    fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }
}

/// One label filter such as `namespace="shop"` or `pod=~"cart-.*"`.
///
/// Built with [`LabelMatcher::new`] or parsed from `label=value`, `label!=value`,
/// `label=~regex`, `label!~regex` (the value may be quoted). The label name is validated and
/// the regex compiled when it is built, so a bad filter fails before any query is sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LabelMatcher {
    label: String,
    op: MatchOp,
    value: String,
    regex: Option<Regex>,
}

impl PartialEq for LabelMatcher {
    fn eq(&self, other: &Self) -> bool {
        self.label == other.label && self.op == other.op && self.value == other.value
    }
}

impl LabelMatcher {
    /// A matcher on `label` with `op` and `value`.
    pub fn new(label: &str, op: MatchOp, value: &str) -> Result<Self> {
        check_label_name(label)?;
        let regex = match op {
            MatchOp::Regex | MatchOp::NotRegex => Some(anchored_regex(label, value)?),
            MatchOp::Equal | MatchOp::NotEqual => None,
        };
        Ok(LabelMatcher {
            label: label.to_owned(),
            op,
            value: value.to_owned(),
            regex,
        })
    }

    /// An equality matcher, `label="value"`.
    pub fn equal(label: &str, value: &str) -> Result<Self> {
        Self::new(label, MatchOp::Equal, value)
    }

    /// The label name.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The comparison.
    pub fn op(&self) -> MatchOp {
        self.op
    }

    /// The value or regular expression, unescaped.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether a series with these labels passes, with PromQL's semantics (a missing label
    /// compares as the empty string; regexes are fully anchored).
    pub fn matches(&self, labels: &crate::series::Labels) -> bool {
        let actual = labels.get(&self.label).unwrap_or("");
        match (&self.op, &self.regex) {
            (MatchOp::Equal, _) => actual == self.value,
            (MatchOp::NotEqual, _) => actual != self.value,
            (MatchOp::Regex, Some(re)) => re.is_match(actual),
            (MatchOp::NotRegex, Some(re)) => !re.is_match(actual),
            // `new` always compiles a regex for the regex operators.
            (MatchOp::Regex | MatchOp::NotRegex, None) => false,
        }
    }

    /// The matcher in PromQL, e.g. `namespace="shop"`, with the value escaped.
    pub fn to_promql(&self) -> String {
        format!(
            "{}{}{}",
            self.label,
            self.op.as_str(),
            promql_string(&self.value)
        )
    }
}

impl fmt::Display for LabelMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_promql())
    }
}

impl FromStr for LabelMatcher {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let bad = || {
            Error::Invalid(format!(
                "`{}` is not a label filter; write label=value, label!=value, label=~regex or label!~regex",
                excerpt(text)
            ))
        };
        let start = text.find(['=', '!']).ok_or_else(bad)?;
        let label = text[..start].trim();
        let rest = &text[start..];
        let (op, value) = if let Some(v) = rest.strip_prefix("=~") {
            (MatchOp::Regex, v)
        } else if let Some(v) = rest.strip_prefix("!~") {
            (MatchOp::NotRegex, v)
        } else if let Some(v) = rest.strip_prefix("!=") {
            (MatchOp::NotEqual, v)
        } else if let Some(v) = rest.strip_prefix('=') {
            (MatchOp::Equal, v)
        } else {
            return Err(bad());
        };
        let value = unquote(value.trim());
        LabelMatcher::new(label, op, &value)
    }
}

impl TryFrom<String> for LabelMatcher {
    type Error = Error;
    fn try_from(text: String) -> Result<Self> {
        text.parse()
    }
}

impl From<LabelMatcher> for String {
    fn from(m: LabelMatcher) -> String {
        m.to_promql()
    }
}

/// Removes one pair of surrounding double quotes and undoes PromQL escapes inside them, so
/// `a="x\"y"` (as printed by [`LabelMatcher::to_promql`]) reads back as the value `x"y`.
fn unquote(value: &str) -> String {
    let Some(inner) = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .filter(|_| value.len() >= 2)
    else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Quotes a string for PromQL: a double-quoted literal in which `\`, `"` and control
/// characters are escaped. Whatever the input, the result is exactly one string literal.
pub fn promql_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                use fmt::Write;
                // PromQL (like Go) reads \uXXXX; every control character fits in four digits.
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Checks a label name against Prometheus' grammar `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn check_label_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "`{}` is not a valid label name (letters, digits and `_`, not starting with a digit)",
            excerpt(name)
        )))
    }
}

/// Checks a metric name against Prometheus' grammar `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn check_metric_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "`{}` is not a valid metric name (letters, digits, `_` and `:`, not starting with a digit)",
            excerpt(name)
        )))
    }
}

fn anchored_regex(label: &str, pattern: &str) -> Result<Regex> {
    Regex::new(&format!("^(?:{pattern})$")).map_err(|err| {
        let detail = err.to_string().replace('\n', " ");
        Error::Invalid(format!(
            "the regex for `{label}` does not compile: {}",
            excerpt(&detail)
        ))
    })
}

/// A PromQL range such as `5m` or `1h30m`: the window `rate()` looks back over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Window {
    millis: u64,
}

impl Window {
    /// The default window, five minutes (the seed recipe's).
    pub const DEFAULT: Window = Window { millis: 300_000 };

    /// A window of whole seconds; errors when zero.
    pub fn from_secs(secs: u64) -> Result<Self> {
        Self::from_millis(secs.saturating_mul(1000))
    }

    fn from_millis(millis: u64) -> Result<Self> {
        if millis == 0 {
            return Err(Error::Invalid("the window must be longer than zero".into()));
        }
        Ok(Window { millis })
    }

    /// Length in milliseconds.
    pub fn as_millis(self) -> u64 {
        self.millis
    }
}

impl Default for Window {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl FromStr for Window {
    type Err = Error;

    /// Reads Prometheus durations: one or more `<number><unit>` with units `ms s m h d w y`.
    fn from_str(text: &str) -> Result<Self> {
        let bad = || {
            Error::Invalid(format!(
                "`{}` is not a window; write a duration such as 30s, 5m, 1h or 1h30m",
                excerpt(text)
            ))
        };
        let mut total: u64 = 0;
        let mut rest = text.trim();
        if rest.is_empty() {
            return Err(bad());
        }
        while !rest.is_empty() {
            let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
            if digits == 0 {
                return Err(bad());
            }
            let number: u64 = rest[..digits].parse().map_err(|_| bad())?;
            rest = &rest[digits..];
            let unit_len = rest
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(rest.len());
            let factor: u64 = match &rest[..unit_len] {
                "ms" => 1,
                "s" => 1_000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                "w" => 604_800_000,
                "y" => 31_536_000_000,
                _ => return Err(bad()),
            };
            rest = &rest[unit_len..];
            total = number
                .checked_mul(factor)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(bad)?;
        }
        Window::from_millis(total)
    }
}

impl fmt::Display for Window {
    /// The canonical spelling, largest units first (`90s` prints as `1m30s`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(&str, u64); 7] = [
            ("y", 31_536_000_000),
            ("w", 604_800_000),
            ("d", 86_400_000),
            ("h", 3_600_000),
            ("m", 60_000),
            ("s", 1_000),
            ("ms", 1),
        ];
        let mut rest = self.millis;
        for (unit, size) in UNITS {
            if rest >= size {
                write!(f, "{}{unit}", rest / size)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

impl TryFrom<String> for Window {
    type Error = Error;
    fn try_from(text: String) -> Result<Self> {
        text.parse()
    }
}

impl From<Window> for String {
    fn from(w: Window) -> String {
        w.to_string()
    }
}

/// The moment a query is evaluated at, kept as Unix time in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EvalTime {
    unix_millis: i64,
}

impl EvalTime {
    /// Reads what [`FromStr`] reads, or a duration before `now` (`1h`, `2d`, `30m`: a
    /// [`Window`]). The caller brings the clock, so this stays free of I/O.
    pub fn parse_or_ago(text: &str, now: EvalTime) -> Result<Self> {
        if let Ok(ago) = text.trim().parse::<Window>() {
            let ago = i64::try_from(ago.as_millis()).unwrap_or(i64::MAX);
            return Ok(EvalTime {
                unix_millis: now.unix_millis.saturating_sub(ago),
            });
        }
        text.parse().map_err(|_| {
            Error::Invalid(format!(
                "`{}` is not a time; write RFC 3339 (2026-11-24T17:00:00Z), Unix seconds \
                 (1795539600) or a duration ago (1h, 2d)",
                excerpt(text.trim())
            ))
        })
    }

    /// From Unix time in milliseconds.
    pub fn from_unix_millis(unix_millis: i64) -> Self {
        EvalTime { unix_millis }
    }

    /// Unix time in milliseconds.
    pub fn unix_millis(self) -> i64 {
        self.unix_millis
    }

    /// Unix seconds as Prometheus' `time` parameter wants them (`1700000000.5`).
    pub fn to_prometheus_param(self) -> String {
        let secs = self.unix_millis.div_euclid(1000);
        let millis = self.unix_millis.rem_euclid(1000);
        if millis == 0 {
            secs.to_string()
        } else {
            format!("{secs}.{millis:03}")
        }
    }
}

impl FromStr for EvalTime {
    type Err = Error;

    /// Reads RFC 3339 (`2026-11-24T17:00:00Z`, any offset) or Unix seconds (`1795539600`,
    /// fractions allowed).
    fn from_str(text: &str) -> Result<Self> {
        let text = text.trim();
        if let Ok(secs) = text.parse::<f64>() {
            // ±10^11 s is about ±3,000 years: far beyond anything a metric store holds.
            if secs.is_finite() && secs.abs() < 1e11 {
                return Ok(EvalTime {
                    unix_millis: (secs * 1000.0).round() as i64,
                });
            }
        }
        match text.parse::<jiff::Timestamp>() {
            Ok(ts) => Ok(EvalTime {
                unix_millis: ts.as_millisecond(),
            }),
            Err(_) => Err(Error::Invalid(format!(
                "`{}` is not a time; write RFC 3339 (2026-11-24T17:00:00Z) or Unix seconds",
                excerpt(text)
            ))),
        }
    }
}

impl fmt::Display for EvalTime {
    /// RFC 3339 in UTC.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match jiff::Timestamp::from_millisecond(self.unix_millis) {
            Ok(ts) => write!(f, "{ts}"),
            Err(_) => write!(f, "{}", self.to_prometheus_param()),
        }
    }
}

impl TryFrom<String> for EvalTime {
    type Error = Error;
    fn try_from(text: String) -> Result<Self> {
        text.parse()
    }
}

impl From<EvalTime> for String {
    fn from(t: EvalTime) -> String {
        t.to_string()
    }
}

/// What to ask the metric store: filters, the rate window and the evaluation time.
///
/// A [`Schema`](crate::schema::Schema) turns it into PromQL with
/// [`Schema::plan`](crate::schema::Schema::plan).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GraphQuery {
    /// Only series from this cluster (the schema says which label holds it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Only edges that touch this namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Any further label filters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<LabelMatcher>,
    /// The `rate()` window.
    #[serde(default)]
    pub window: Window,
    /// Evaluate at this moment instead of now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<EvalTime>,
}

impl GraphQuery {
    /// Only series from this cluster.
    pub fn with_cluster(mut self, cluster: impl Into<String>) -> Self {
        self.cluster = Some(cluster.into());
        self
    }

    /// Only edges that touch this namespace.
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// One more label filter.
    pub fn with_matcher(mut self, matcher: LabelMatcher) -> Self {
        self.matchers.push(matcher);
        self
    }

    /// The `rate()` window.
    pub fn with_window(mut self, window: Window) -> Self {
        self.window = window;
        self
    }

    /// Evaluate at this moment instead of now.
    pub fn with_at(mut self, at: EvalTime) -> Self {
        self.at = Some(at);
        self
    }

    /// The time the numbers describe, `(from, to)` in Unix milliseconds: the window before
    /// `at`; `None` without a moment.
    pub fn time_window(&self) -> Option<(i64, i64)> {
        let to = self.at?.unix_millis();
        let window = i64::try_from(self.window.as_millis()).unwrap_or(i64::MAX);
        Some((to.saturating_sub(window), to))
    }
}

/// What a query is for: which part of the edge model its result fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum QueryPurpose {
    /// Requests per second per edge.
    Requests,
    /// Failed requests per second per edge.
    Failures,
    /// Median latency.
    LatencyP50,
    /// 95th percentile latency.
    LatencyP95,
    /// 99th percentile latency.
    LatencyP99,
    /// Data quality: the servicegraph connector's spans that found no partner, per edge
    /// ([`quality::plan`](crate::quality::plan)).
    UnpairedSpans,
    /// Data quality: the connector's spans dropped because its store was full, per edge.
    DroppedSpans,
    /// Data quality: the connector's edges expired before their second span arrived.
    ExpiredEdges,
    /// Data quality: calls per edge and reporting side (Istio's `reporter`), to find calls
    /// only one side reported.
    Reporters,
    /// Data quality: edges with samples earlier in the window and none at its end.
    Vanished,
}

impl QueryPurpose {
    /// The optional queries of the data-quality report, in the order they are listed.
    pub const QUALITY: [QueryPurpose; 5] = [
        QueryPurpose::UnpairedSpans,
        QueryPurpose::DroppedSpans,
        QueryPurpose::ExpiredEdges,
        QueryPurpose::Reporters,
        QueryPurpose::Vanished,
    ];

    /// Whether the query is one of the data-quality report's ([`QueryPurpose::QUALITY`]): a
    /// source runs them only when asked, and a failure leaves the report's check unmeasured
    /// rather than failing the graph.
    pub fn is_quality(self) -> bool {
        Self::QUALITY.contains(&self)
    }

    /// All purposes, in the order queries are listed.
    pub const ALL: [QueryPurpose; 5] = [
        QueryPurpose::Requests,
        QueryPurpose::Failures,
        QueryPurpose::LatencyP50,
        QueryPurpose::LatencyP95,
        QueryPurpose::LatencyP99,
    ];

    /// The quantile a latency query asks for.
    pub fn quantile(self) -> Option<f64> {
        match self {
            QueryPurpose::LatencyP50 => Some(0.5),
            QueryPurpose::LatencyP95 => Some(0.95),
            QueryPurpose::LatencyP99 => Some(0.99),
            _ => None,
        }
    }

    /// A short human description.
    pub fn describe(self) -> &'static str {
        match self {
            QueryPurpose::Requests => "requests per second",
            QueryPurpose::Failures => "failed requests per second",
            QueryPurpose::LatencyP50 => "latency p50",
            QueryPurpose::LatencyP95 => "latency p95",
            QueryPurpose::LatencyP99 => "latency p99",
            QueryPurpose::UnpairedSpans => "unpaired spans per second",
            QueryPurpose::DroppedSpans => "dropped spans per second",
            QueryPurpose::ExpiredEdges => "expired edges per second",
            QueryPurpose::Reporters => "requests per second by reporting side",
            QueryPurpose::Vanished => "series that stopped within the window",
        }
    }
}

/// One PromQL instant query a source must run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlannedQuery {
    /// Which part of the edge model its result fills.
    pub purpose: QueryPurpose,
    /// The PromQL expression.
    pub promql: String,
    /// The evaluation time, when not now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<EvalTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_or_a_duration_before_now() {
        let now = EvalTime::from_unix_millis(1_795_539_600_000);
        let ago = |text| EvalTime::parse_or_ago(text, now).map(EvalTime::unix_millis);
        assert_eq!(ago("1h").unwrap(), 1_795_539_600_000 - 3_600_000);
        assert_eq!(ago(" 2d ").unwrap(), 1_795_539_600_000 - 2 * 86_400_000);
        assert_eq!(ago("1795539000").unwrap(), 1_795_539_000_000);
        assert_eq!(ago("2026-11-24T17:00:00Z").unwrap(), 1_795_539_600_000);
        let message = ago("yesterday").unwrap_err().to_string();
        for form in [
            "`yesterday` is not a time",
            "RFC 3339",
            "Unix seconds",
            "a duration ago (1h",
        ] {
            assert!(message.contains(form), "{form}: {message}");
        }
    }

    #[test]
    fn hostile_values_stay_one_string_literal() {
        let m = LabelMatcher::equal("namespace", "a\"} or vector(1) #").unwrap();
        assert_eq!(m.to_promql(), r#"namespace="a\"} or vector(1) #""#);
        let m = LabelMatcher::equal("x", "back\\slash\nline\u{7}").unwrap();
        assert_eq!(m.to_promql(), r#"x="back\\slash\nline\u0007""#);
    }

    #[test]
    fn printed_matchers_parse_back_to_the_same_value() {
        for value in [
            "plain",
            "a\"} or vector(1) #",
            "c:\\dir\\",
            "two\nlines",
            "",
        ] {
            let m = LabelMatcher::equal("l", value).unwrap();
            let back: LabelMatcher = m.to_promql().parse().unwrap();
            assert_eq!(back.value(), value);
        }
    }

    #[test]
    fn matchers_parse_every_operator() {
        let cases = [
            ("a=b", MatchOp::Equal, "b"),
            ("a!=b", MatchOp::NotEqual, "b"),
            ("a=~b.*", MatchOp::Regex, "b.*"),
            ("a!~\"b|c\"", MatchOp::NotRegex, "b|c"),
            (" a = \"\" ", MatchOp::Equal, ""),
        ];
        for (text, op, value) in cases {
            let m: LabelMatcher = text.parse().unwrap();
            assert_eq!((m.label(), m.op(), m.value()), ("a", op, value), "{text}");
        }
    }

    #[test]
    fn bad_matchers_are_refused() {
        for text in ["novalue", "9abc=x", "a-b=x", "=x", "a=~(unclosed", "a}=x"] {
            assert!(text.parse::<LabelMatcher>().is_err(), "{text}");
        }
    }

    #[test]
    fn matching_follows_promql() {
        let labels: crate::series::Labels = [("pod", "cart-1")].into_iter().collect();
        assert!(
            "pod=~cart-.*"
                .parse::<LabelMatcher>()
                .unwrap()
                .matches(&labels)
        );
        // Regexes are anchored: a partial match is no match.
        assert!(
            !"pod=~cart"
                .parse::<LabelMatcher>()
                .unwrap()
                .matches(&labels)
        );
        // A missing label compares as the empty string.
        assert!("ns=\"\"".parse::<LabelMatcher>().unwrap().matches(&labels));
        assert!("ns!=x".parse::<LabelMatcher>().unwrap().matches(&labels));
        assert!(
            !"pod!~cart.*"
                .parse::<LabelMatcher>()
                .unwrap()
                .matches(&labels)
        );
    }

    #[test]
    fn names_are_checked() {
        assert!(check_label_name("client_address").is_ok());
        assert!(check_label_name("__name__").is_ok());
        for bad in ["", "1x", "a.b", "a\"", "a}"] {
            assert!(check_label_name(bad).is_err(), "{bad}");
        }
        assert!(check_metric_name("job:rate5m").is_ok());
        assert!(check_metric_name("a{b}").is_err());
    }

    #[test]
    fn windows_parse_and_print_canonically() {
        for (text, shown) in [
            ("5m", "5m"),
            ("90s", "1m30s"),
            ("1h30m", "1h30m"),
            ("1500ms", "1s500ms"),
        ] {
            assert_eq!(text.parse::<Window>().unwrap().to_string(), shown);
        }
        for bad in ["", "5", "m", "5x", "0s", "-5m", "5m ago", "99999999999999y"] {
            assert!(bad.parse::<Window>().is_err(), "{bad}");
        }
    }

    #[test]
    fn times_read_rfc3339_and_unix_seconds() {
        let a: EvalTime = "2026-11-24T17:00:00Z".parse().unwrap();
        let b: EvalTime = "2026-11-24T18:00:00+01:00".parse().unwrap();
        let c: EvalTime = "1795539600".parse().unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.to_prometheus_param(), "1795539600");
        assert_eq!(a.to_string(), "2026-11-24T17:00:00Z");
        let d: EvalTime = "1795539600.25".parse().unwrap();
        assert_eq!(d.to_prometheus_param(), "1795539600.250");
        for bad in ["yesterday", "", "NaN", "inf", "2026-13-40T00:00:00Z"] {
            assert!(bad.parse::<EvalTime>().is_err(), "{bad}");
        }
    }
}
