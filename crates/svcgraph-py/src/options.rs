//! Python arguments to the core's types, with messages that name the keyword argument.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyMapping, PyString};
use regex::Regex;
use svcgraph_core::layout::EdgeStyle;
use svcgraph_core::naming::NamingRules;
use svcgraph_core::query::{EvalTime, LabelMatcher, Window};
use svcgraph_core::render::{Grouping, dot, svg};
use svcgraph_core::schema::Schema;
use svcgraph_core::{Direction, FocusDirection};

use crate::error::{Error, Result};

fn one_of(argument: &str, value: &str, allowed: &[&str]) -> Error {
    let allowed: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
    Error::Input(format!(
        "{argument} must be {}, not {value:?}",
        allowed.join(" or ")
    ))
}

/// `rankdir`: `"lr"` or `"tb"`.
pub fn rankdir(value: &str) -> Result<Direction> {
    match value {
        "lr" => Ok(Direction::LeftToRight),
        "tb" => Ok(Direction::TopToBottom),
        other => Err(one_of("rankdir", other, &["lr", "tb"])),
    }
}

/// `hint`: `None`, or the JSON text `Graph.layout_hint` gave.
pub fn hint(value: Option<&str>) -> Result<Option<svcgraph_core::LayoutHint>> {
    value
        .map(|text| {
            serde_json::from_str(text).map_err(|e| {
                Error::Input(format!(
                    "hint must be the text Graph.layout_hint() returned: {e}"
                ))
            })
        })
        .transpose()
}

/// `None` or `"namespace"`.
pub fn group(value: Option<&str>) -> Result<Grouping> {
    match value {
        None => Ok(Grouping::None),
        Some("namespace") => Ok(Grouping::Namespace),
        Some(other) => Err(Error::Input(format!(
            "group must be None or \"namespace\", not {other:?}"
        ))),
    }
}

/// The SVG options of `to_svg`, `save` and `layout_stats`.
pub fn svg_options(
    rankdir_: &str,
    edges: &str,
    edge_labels: &str,
    group_: Option<&str>,
    legend: bool,
) -> Result<svg::SvgOptions> {
    let mut options = svg::SvgOptions::default();
    options.direction = rankdir(rankdir_)?;
    options.edges = match edges {
        "curved" => EdgeStyle::Curved,
        "orthogonal" => EdgeStyle::Orthogonal,
        other => return Err(one_of("edges", other, &["curved", "orthogonal"])),
    };
    options.edge_labels = match edge_labels {
        "auto" => svg::EdgeLabels::Auto,
        "always" => svg::EdgeLabels::Always,
        "never" => svg::EdgeLabels::Never,
        other => {
            return Err(one_of("edge_labels", other, &["auto", "always", "never"]));
        }
    };
    options.no_legend = !legend;
    options.group = group(group_)?;
    Ok(options)
}

/// The DOT options of `to_dot` and `save`.
pub fn dot_options(rankdir_: &str, group_: Option<&str>) -> Result<dot::DotOptions> {
    let mut options = dot::DotOptions::default();
    options.direction = rankdir(rankdir_)?;
    options.group = group(group_)?;
    Ok(options)
}

/// `"up"`, `"down"` or `"both"`.
pub fn focus_direction(value: &str) -> Result<FocusDirection> {
    match value {
        "up" => Ok(FocusDirection::Upstream),
        "down" => Ok(FocusDirection::Downstream),
        "both" => Ok(FocusDirection::Both),
        other => Err(one_of("direction", other, &["up", "down", "both"])),
    }
}

/// A regular expression argument.
pub fn regex(argument: &str, pattern: Option<&str>) -> Result<Option<Regex>> {
    pattern
        .map(|p| {
            Regex::new(p).map_err(|e| {
                Error::Input(format!(
                    "{argument} is not a valid regular expression: {}",
                    e.to_string().replace('\n', " ")
                ))
            })
        })
        .transpose()
}

/// A threshold or rate: a finite number of zero or more.
pub fn non_negative(argument: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(Error::Input(format!(
            "{argument} must be a finite number of zero or more, not {value}"
        )))
    }
}

/// A per-request timeout: a positive, finite number of seconds.
pub fn timeout(seconds: f64) -> Result<Duration> {
    if seconds.is_finite() && seconds > 0.0 {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(Error::Input(format!(
            "timeout must be a positive number of seconds, not {seconds}"
        )))
    }
}

/// How many times a request is made: 1 or more.
pub fn attempts(attempts: i64) -> Result<u32> {
    u32::try_from(attempts)
        .ok()
        .filter(|a| *a >= 1)
        .ok_or_else(|| Error::Input(format!("attempts must be 1 or more, not {attempts}")))
}

/// `None` for `"auto"`; a preset by name; else a schema file (TOML, or JSON by extension),
/// as the command line's `--schema` reads it.
pub fn schema(spec: &str) -> Result<Option<Schema>> {
    if spec == "auto" {
        return Ok(None);
    }
    if Schema::PRESETS.contains(&spec) {
        return Ok(Some(Schema::preset(spec)?));
    }
    let path = Path::new(spec);
    if !path.is_file() {
        // Neither a preset nor a file: the preset error lists the names.
        return Ok(Some(Schema::preset(spec)?));
    }
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let parsed = if is_json {
        Schema::from_json(&text)
    } else {
        Schema::from_toml(&text)
    };
    parsed
        .map_err(|e| Error::Input(format!("schema file {}: {e}", path.display())))
        .map(Some)
}

/// Naming rules: a file (TOML, or JSON by extension) or a dict of the same fields.
pub fn naming(py: Python<'_>, rules: &Bound<'_, PyAny>) -> Result<NamingRules> {
    if rules.is_instance_of::<PyDict>() {
        let text: String = py
            .import("json")?
            .call_method1("dumps", (rules,))?
            .extract()?;
        return NamingRules::from_json(&text).map_err(Error::from);
    }
    let path: PathBuf = rules.extract().map_err(|_| {
        Error::Input(format!(
            "rules must be a path (str or os.PathLike) or a dict, not {}",
            rules
                .get_type()
                .name()
                .map_or_else(|_| "this".to_owned(), |n| n.to_string())
        ))
    })?;
    let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
        path: path.clone(),
        source,
    })?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        NamingRules::from_json(&text)
    } else {
        NamingRules::from_toml(&text)
    }
    .map_err(|e| Error::Input(format!("naming rules {}: {e}", path.display())))
}

/// Label filters: one matcher string (`"cluster=prod"`, `"pod=~cart-.*"`), a sequence of
/// them, or a mapping of label to value (each an equality).
pub fn filters(value: Option<&Bound<'_, PyAny>>) -> Result<Vec<LabelMatcher>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(Vec::new());
    };
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(vec![text.to_cow()?.parse::<LabelMatcher>()?]);
    }
    if value.cast::<PyMapping>().is_ok() {
        return string_map("filters", value)?
            .iter()
            .map(|(label, v)| Ok(LabelMatcher::equal(label, v)?))
            .collect();
    }
    let items: Vec<String> = value.extract().map_err(|_| {
        Error::Input(
            "filters must be a matcher string such as \"cluster=prod\", a list of them, or a dict of label to value".into(),
        )
    })?;
    items
        .iter()
        .map(|m| Ok(m.parse::<LabelMatcher>()?))
        .collect()
}

/// A `rate()` window: a duration string (`"5m"`, `"1h30m"`) or a `datetime.timedelta`.
pub fn window(value: &Bound<'_, PyAny>) -> Result<Window> {
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(text.to_cow()?.parse::<Window>()?);
    }
    if let Ok(seconds) = value.call_method0("total_seconds")
        && let Ok(seconds) = seconds.extract::<f64>()
    {
        if !(seconds.is_finite() && seconds >= 0.001) {
            return Err(Error::Input(format!(
                "window must be at least one millisecond, not {seconds} s"
            )));
        }
        return Ok(format!("{}ms", (seconds * 1000.0).round() as u64).parse::<Window>()?);
    }
    Err(Error::Input(
        "window must be a duration such as \"5m\" or a datetime.timedelta".into(),
    ))
}

/// An evaluation time: RFC 3339 text, Unix seconds (number or text), a duration ago
/// (`"1h"`), or a `datetime.datetime` (naive ones are local time, as Python reads them).
pub fn eval_time(value: &Bound<'_, PyAny>) -> Result<EvalTime> {
    if value.is_instance_of::<PyBool>() {
        return Err(Error::Input("at must be a time, not a bool".into()));
    }
    if value.is_instance_of::<PyInt>() || value.is_instance_of::<PyFloat>() {
        let seconds: f64 = value.extract()?;
        return unix_seconds(seconds);
    }
    if let Ok(text) = value.cast::<PyString>() {
        let text = text.to_cow()?;
        let text = text.as_ref();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        return Ok(EvalTime::parse_or_ago(
            text,
            EvalTime::from_unix_millis(now),
        )?);
    }
    let datetime = value.py().import("datetime")?.getattr("datetime")?;
    if value.is_instance(&datetime)? {
        let seconds: f64 = value.call_method0("timestamp")?.extract()?;
        return unix_seconds(seconds);
    }
    Err(Error::Input(
        "at must be RFC 3339 text, Unix seconds, a duration ago such as \"1h\", or a datetime"
            .into(),
    ))
}

fn unix_seconds(seconds: f64) -> Result<EvalTime> {
    // ±10^11 s is about ±3,000 years, as the core's own parser allows.
    if seconds.is_finite() && seconds.abs() < 1e11 {
        Ok(EvalTime::from_unix_millis((seconds * 1000.0).round() as i64))
    } else {
        Err(Error::Input(format!(
            "at must be a time within a few thousand years of 1970, not {seconds}"
        )))
    }
}

/// A mapping of text to text (`filters`, `headers`), in key order.
pub fn string_map(argument: &str, value: &Bound<'_, PyAny>) -> Result<BTreeMap<String, String>> {
    let bad = || Error::Input(format!("{argument} must map names (str) to values (str)"));
    let mapping = value.cast::<PyMapping>().map_err(|_| bad())?;
    let mut out = BTreeMap::new();
    for item in mapping.items()?.iter() {
        let (key, value): (String, String) = item.extract().map_err(|_| bad())?;
        out.insert(key, value);
    }
    Ok(out)
}
