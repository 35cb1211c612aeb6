//! Numbers and words shared by every renderer: `12.3 req/s · 1.2% err · p95 45 ms`.

use std::fmt::Write;

use crate::diff::{Change, Metric};
use crate::model::{Edge, Node};

/// A rate with three significant digits: `9.73`, `12.3`, `0.0123`, `1234`, `12.3k`.
pub fn format_rate(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value >= 1e7 {
        return format!("{}M", significant(value / 1e6));
    }
    if value >= 1e4 {
        return format!("{}k", significant(value / 1e3));
    }
    significant(value)
}

fn significant(value: f64) -> String {
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).clamp(0, 6) as usize;
    format!("{value:.decimals$}")
}

/// A ratio in `[0, 1]` as a percentage: `12%`, `1.2%`, `0.05%`, `<0.01%`.
pub fn format_percent(ratio: f64) -> String {
    let pct = ratio * 100.0;
    if pct >= 10.0 {
        format!("{pct:.0}%")
    } else if pct >= 1.0 {
        format!("{pct:.1}%")
    } else if pct >= 0.01 {
        format!("{pct:.2}%")
    } else if pct > 0.0 {
        "<0.01%".into()
    } else {
        "0%".into()
    }
}

/// A duration in seconds, in the unit that reads best: `850 µs`, `4.5 ms`, `45 ms`, `1.2 s`.
pub fn format_duration(seconds: f64) -> String {
    let (value, unit) = if seconds >= 1.0 {
        (seconds, "s")
    } else if seconds >= 1e-3 {
        (seconds * 1e3, "ms")
    } else {
        (seconds * 1e6, "µs")
    };
    if value >= 10.0 {
        format!("{value:.0} {unit}")
    } else {
        format!("{value:.1} {unit}")
    }
}

/// The short label drawn on an edge: rate, error percentage when there are failures, and the
/// p95 latency when known (or p99, or p50).
pub fn edge_label(edge: &Edge) -> String {
    let diff = edge.diff.as_deref();
    let before = diff.and_then(|d| d.before);
    let moved = |m: Metric| diff.is_some_and(|d| d.moved.contains(&m));
    if let (Some(Change::Gone), Some(b)) = (diff.map(|d| d.change), before) {
        return format!("gone · was {} req/s", format_rate(b.requests_per_second));
    }
    let mut parts = Vec::with_capacity(4);
    if diff.is_some_and(|d| d.change == Change::New) {
        parts.push("new".to_owned());
    }
    let mut rate = format!("{} req/s", format_rate(edge.requests_per_second));
    if let Some(b) = before.filter(|_| moved(Metric::Rate)) {
        let _ = write!(
            rate,
            " ({})",
            relative_change(b.requests_per_second, edge.requests_per_second)
        );
    }
    parts.push(rate);
    let errors_moved = before.filter(|_| moved(Metric::ErrorRatio));
    if edge.failures_per_second > 0.0 || errors_moved.is_some() {
        let mut errors = format!("{} err", format_percent(edge.error_ratio()));
        if let Some(b) = errors_moved {
            let _ = write!(
                errors,
                " ({:+.1} pp)",
                (edge.error_ratio() - b.error_ratio()) * 100.0
            );
        }
        parts.push(errors);
    }
    let l = &edge.latency;
    if let Some((name, value)) = [("p95", l.p95), ("p99", l.p99), ("p50", l.p50)]
        .into_iter()
        .find_map(|(n, v)| v.map(|v| (n, v)))
    {
        let mut latency = format!("{name} {}", format_duration(value));
        if let Some(b) = before
            .and_then(|b| b.latency.p95)
            .filter(|_| moved(Metric::P95))
        {
            let _ = write!(latency, " ({})", relative_change(b, value));
        }
        parts.push(latency);
    }
    parts.join(PART)
}

/// The separator between the parts of an edge label.
const PART: &str = " · ";

/// An edge label set on at most two lines, split between two of its parts where the wider
/// line is narrowest (a label of one part stays on one line): `12.3 req/s · 1.2% err`
/// above `p95 45 ms`. Halving a label's width halves the room it needs beside its line,
/// which is what widens the channels between layers.
pub fn label_lines(label: &str) -> (&str, Option<&str>) {
    let mut best: Option<(f64, usize)> = None;
    for (at, _) in label.match_indices(PART) {
        let (a, b) = (&label[..at], &label[at + PART.len()..]);
        let wider = text_width(a, 1.0).max(text_width(b, 1.0));
        if best.is_none_or(|(w, _)| wider < w) {
            best = Some((wider, at));
        }
    }
    match best {
        Some((_, at)) => (&label[..at], Some(&label[at + PART.len()..])),
        None => (label, None),
    }
}

/// A signed relative change: `+150%`, `-60%`; `from 0` when there was nothing before.
fn relative_change(before: f64, now: f64) -> String {
    if before > 0.0 {
        format!("{:+.0}%", (now - before) / before * 100.0)
    } else {
        "from 0".into()
    }
}

/// Every number of an edge, one fact per line, for tooltips.
pub fn edge_details(client: &Node, server: &Node, edge: &Edge) -> Vec<String> {
    let mut lines = vec![
        format!("{} → {}", client.name, server.name),
        format!("{} requests/s", format_rate(edge.requests_per_second)),
    ];
    if edge.failures_per_second > 0.0 {
        lines.push(format!(
            "{} failures/s ({})",
            format_rate(edge.failures_per_second),
            format_percent(edge.error_ratio())
        ));
    }
    let l = &edge.latency;
    let quantiles: Vec<String> = [("p50", l.p50), ("p95", l.p95), ("p99", l.p99)]
        .into_iter()
        .filter_map(|(n, v)| v.map(|v| format!("{n} {}", format_duration(v))))
        .collect();
    if !quantiles.is_empty() {
        lines.push(quantiles.join(" · "));
    }
    if let Some(ct) = &edge.connection_type {
        lines.push(format!("connection: {ct}"));
    }
    if let Some(d) = edge.diff.as_deref() {
        lines.push(format!("compared with the baseline: {}", d.change.as_str()));
        if let Some(b) = d.before {
            let mut line = format!(
                "baseline: {} requests/s, {} errors",
                format_rate(b.requests_per_second),
                format_percent(b.error_ratio())
            );
            if let Some(p95) = b.latency.p95 {
                let _ = write!(line, ", p95 {}", format_duration(p95));
            }
            lines.push(line);
        }
    }
    lines
}

/// What a node is, one fact per line, for tooltips.
pub fn node_details(node: &Node) -> Vec<String> {
    let mut lines = vec![node.name.clone()];
    let mut kind = node.kind.to_string();
    if let Some(ns) = &node.namespace {
        kind.push_str(" in ");
        kind.push_str(ns);
    }
    lines.push(kind);
    if let Some(change) = node.diff {
        lines.push(format!("compared with the baseline: {}", change.as_str()));
    }
    if !node.addresses.is_empty() {
        let shown: Vec<&str> = node.addresses.iter().take(8).map(String::as_str).collect();
        let more = node.addresses.len().saturating_sub(shown.len());
        let mut line = shown.join(", ");
        if more > 0 {
            let _ = write!(line, " and {more} more");
        }
        lines.push(line);
    }
    lines
}

/// Edge colours by error level: slate for none, then amber, orange and red.
pub const ERROR_COLORS: [&str; 4] = ["#5b6b7f", "#d99e0b", "#e8590c", "#c92a2a"];

/// The error level of a ratio: 0 none, 1 under 1 %, 2 under 5 %, 3 from 5 %.
pub fn error_level(ratio: f64) -> usize {
    if ratio <= 0.0 {
        0
    } else if ratio < 0.01 {
        1
    } else if ratio < 0.05 {
        2
    } else {
        3
    }
}

/// The colour of an edge by error ratio (see [`ERROR_COLORS`]).
pub fn error_color(ratio: f64) -> &'static str {
    ERROR_COLORS[error_level(ratio)]
}

/// Stroke width for a rate relative to the busiest edge: 1 to 5, logarithmic, so a 1000×
/// busier edge is thicker but does not hide the rest.
pub fn edge_width(rate: f64, max_rate: f64) -> f64 {
    if max_rate <= 0.0 || rate <= 0.0 {
        return 1.0;
    }
    1.0 + 4.0 * (rate.ln_1p() / max_rate.ln_1p()).clamp(0.0, 1.0)
}

/// An estimate of the width of `text` at `font_size` pixels in a common sans-serif face. It
/// errs on the wide side (DejaVu Sans, the widest usual fallback), so text fits its box in
/// whichever font the viewer has.
pub fn text_width(text: &str, font_size: f64) -> f64 {
    let em: f64 = text
        .chars()
        .map(|c| match c {
            ' ' | '·' => 0.32,
            'i' | 'j' | 'l' | '|' | '!' | '.' | ',' | ':' | ';' | '\'' => 0.3,
            'f' | 't' | 'r' | 'I' | '(' | ')' | '[' | ']' | '-' | '/' => 0.42,
            'm' | 'w' => 0.92,
            'M' | 'W' | '%' | '@' => 0.98,
            'A'..='Z' => 0.72,
            '0'..='9' => 0.64,
            'a'..='z' | '_' => 0.6,
            c if c.is_ascii() => 0.64,
            // East Asian wide characters take a full em.
            '\u{1100}'..='\u{115f}'
            | '\u{2e80}'..='\u{a4cf}'
            | '\u{ac00}'..='\u{d7a3}'
            | '\u{f900}'..='\u{faff}'
            | '\u{ff00}'..='\u{ff60}' => 1.0,
            _ => 0.7,
        })
        .sum();
    em * font_size
}

/// `name` cut to at most `max` characters by an ellipsis in the middle, keeping the start
/// (the workload) and the end (the pod suffix) readable.
pub fn shorten(name: &str, max: usize) -> String {
    let count = name.chars().count();
    if count <= max || max < 5 {
        return name.to_owned();
    }
    let tail = (max - 1) / 3;
    let head = max - 1 - tail;
    let mut out: String = name.chars().take(head).collect();
    out.push('…');
    out.extend(name.chars().skip(count - tail));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(format_rate(9.734_179_558_009_6), "9.73");
        assert_eq!(format_rate(12.34), "12.3");
        assert_eq!(format_rate(0.012_34), "0.0123");
        assert_eq!(format_rate(1234.0), "1234");
        assert_eq!(format_rate(12_345.0), "12.3k");
        assert_eq!(format_rate(0.0), "0");
        assert_eq!(format_percent(0.012), "1.2%");
        assert_eq!(format_percent(0.0005), "0.05%");
        assert_eq!(format_percent(0.25), "25%");
        assert_eq!(format_percent(0.000_01), "<0.01%");
        assert_eq!(format_duration(0.045), "45 ms");
        assert_eq!(format_duration(0.0045), "4.5 ms");
        assert_eq!(format_duration(0.000_85), "850 µs");
        assert_eq!(format_duration(1.234), "1.2 s");
    }

    #[test]
    fn edge_labels_show_what_is_known() {
        let mut e = Edge::with_rate(12.3);
        assert_eq!(edge_label(&e), "12.3 req/s");
        e.failures_per_second = 0.1476;
        e.latency.p95 = Some(0.045);
        assert_eq!(edge_label(&e), "12.3 req/s · 1.2% err · p95 45 ms");
        e.latency.p95 = None;
        e.latency.p50 = Some(0.002);
        assert_eq!(edge_label(&e), "12.3 req/s · 1.2% err · p50 2.0 ms");
    }

    #[test]
    fn labels_of_several_parts_take_two_lines_split_where_the_wider_is_narrowest() {
        assert_eq!(label_lines("12.3 req/s"), ("12.3 req/s", None));
        assert_eq!(
            label_lines("12.3 req/s · p95 45 ms"),
            ("12.3 req/s", Some("p95 45 ms"))
        );
        assert_eq!(
            label_lines("12.3 req/s · 1.2% err · p95 45 ms"),
            ("12.3 req/s · 1.2% err", Some("p95 45 ms"))
        );
        assert_eq!(
            label_lines("12.3 req/s (+150%) · 1.2% err (+0.4 pp) · p95 45 ms"),
            ("12.3 req/s (+150%)", Some("1.2% err (+0.4 pp) · p95 45 ms"))
        );
        // No other split has a narrower wider line.
        let label = "new · 1.5 req/s · 1.2% err · p95 45 ms";
        let (a, b) = label_lines(label);
        let wider = |a: &str, b: &str| text_width(a, 10.0).max(text_width(b, 10.0));
        for (at, _) in label.match_indices(" · ") {
            assert!(wider(a, b.unwrap()) <= wider(&label[..at], &label[at + 4..]));
        }
        // Every word is kept, in order.
        for label in ["a · b", "a · b · c · d", " · ", "x ·y"] {
            let (a, b) = label_lines(label);
            let joined = b.map_or(a.to_owned(), |b| format!("{a} · {b}"));
            assert_eq!(joined, label);
        }
    }

    #[test]
    fn long_names_are_shortened_in_the_middle() {
        assert_eq!(shorten("cart", 10), "cart");
        let s = shorten("product-catalog-6c8d9f7b5-h4j6k-extra-long", 24);
        assert_eq!(s.chars().count(), 24);
        assert!(
            s.starts_with("product-catalog-") && s.ends_with("-long"),
            "{s}"
        );
        assert!(text_width("WWW", 10.0) > text_width("iii", 10.0));
    }

    #[test]
    fn widths_and_colours_are_bounded() {
        assert!((edge_width(1.0, 0.0) - 1.0).abs() < f64::EPSILON);
        assert!((edge_width(100.0, 100.0) - 5.0).abs() < 1e-12);
        assert!(edge_width(1.0, 1000.0) > 1.0 && edge_width(1.0, 1000.0) < 2.0);
        assert_ne!(error_color(0.0), error_color(0.2));
    }
}
