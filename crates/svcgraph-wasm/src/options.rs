//! The drawing options as JSON: `svcgraph render`'s flags that change the SVG, under the
//! same names (`-` written `_`).

use serde::{Deserialize, Deserializer};
use svcgraph_core::layout::EdgeStyle;
use svcgraph_core::render::Grouping;
use svcgraph_core::render::svg::{EdgeLabels, SvgOptions};
use svcgraph_core::{Direction, FocusDirection, LayoutHint};

/// What to draw and how, as `svcgraph render`'s flags say it; every field may be left out.
///
/// `{"rankdir": "lr"|"tb", "edges": "curved"|"orthogonal", "edge_labels": "auto"|"always"|"never", "no_legend": bool,
/// "group": "none"|"namespace", "aggregate": "workload"|"namespace", "namespace": [names],
/// "hide_virtual": bool, "hide_external": bool, "min_rate": number, "focus": "node",
/// "depth": number|"all", "direction": "up"|"down"|"both", "hide": [ids or names],
/// "expand": [namespaces], "group_by": "namespace"|"calls",
/// "hint": {"nodes": {"<node id>": {"x": number, "y": number}}}}`.
///
/// `expand` merges every namespace but those given into one node each, as `aggregate:
/// "namespace"` does, and keeps the services of those given as they are: the page's overview
/// of namespaces with some drawn in full. The command has no such flag. `hide` drops the nodes whose id or name is one of those given, as the command's
/// `--exclude '^(?:a|b)$'` does; the command's `--name` and `--exclude` regexes are not
/// here (the module has no regex engine). `group_by: "calls"` replaces every node's
/// namespace by its group computed from the calls (`transform::computed_groups`) before
/// anything else: the page's overview of a graph with nothing to group by, whose groups
/// `expand` then names.
///
/// `hint` is where an earlier drawing put the centers of its nodes, by node id, in that
/// drawing's own units (a [`LayoutHint`]; its `edges`, the earlier routes, may be left out):
/// nodes it names keep their places relative to each other as far as the new graph allows,
/// and the others are fitted in around them, as `svcgraph serve` keeps a refreshed drawing
/// still. The page passes the nodes it shows when it draws another view, so the eye can
/// follow them. The command has no such flag; without `hint` the drawing is the command's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct DrawOptions {
    /// Which way calls flow (`--rankdir`).
    pub rankdir: RankDir,
    /// How edges are drawn (`--edges`).
    pub edges: Edges,
    /// Edge labels on the picture (`--edge-labels`).
    pub edge_labels: Labels,
    /// Leave the legend out (`--no-legend`).
    pub no_legend: bool,
    /// Boxes around namespaces (`--group`).
    pub group: Group,
    /// Merge pods into workloads or everything into namespaces (`--aggregate`).
    pub aggregate: Option<Aggregate>,
    /// Keep the edges touching these namespaces (`--namespace`).
    pub namespace: Vec<String>,
    /// Drop virtual nodes (`--hide-virtual`).
    pub hide_virtual: bool,
    /// Drop external and unknown nodes (`--hide-external`).
    pub hide_external: bool,
    /// Drop edges under this many requests per second (`--min-rate`).
    pub min_rate: Option<f64>,
    /// Only this node (id or name) and its neighbourhood (`--focus`).
    pub focus: Option<String>,
    /// How many calls away from the focus (`--depth`); 1 when left out.
    pub depth: Depth,
    /// Which way from the focus (`--direction`).
    pub direction: Walk,
    /// Drop these nodes (ids or names).
    pub hide: Vec<String>,
    /// Merge every namespace but these into one node each.
    pub expand: Vec<String>,
    /// What namespaces are: the nodes' own, or groups computed from the calls.
    pub group_by: GroupBy,
    /// Where an earlier drawing put the nodes, by id.
    pub hint: Option<LayoutHint>,
}

/// What the namespaces of the drawing are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// The nodes' own (the default).
    #[default]
    Namespace,
    /// Groups of services that call each other most, computed from the calls.
    Calls,
}

/// How edges are drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Edges {
    /// Straight where nothing is in the way, else smooth curves (the default).
    #[default]
    Curved,
    /// Parallel to the axes.
    Orthogonal,
}

/// Which way calls flow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RankDir {
    /// Left to right (the default).
    #[default]
    Lr,
    /// Top to bottom.
    Tb,
}

/// Edge labels on the picture.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Labels {
    /// Up to 1,000 edges (the default).
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Boxes around groups of nodes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    /// No boxes (the default).
    #[default]
    None,
    /// One box per namespace.
    Namespace,
}

/// How far to merge nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    /// Pods into workloads.
    Workload,
    /// Everything into namespaces.
    Namespace,
}

/// Which way to walk from the focus.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Walk {
    /// Callers.
    Up,
    /// Callees.
    Down,
    /// Both (the default).
    #[default]
    Both,
}

impl From<Walk> for FocusDirection {
    fn from(walk: Walk) -> Self {
        match walk {
            Walk::Up => FocusDirection::Upstream,
            Walk::Down => FocusDirection::Downstream,
            Walk::Both => FocusDirection::Both,
        }
    }
}

/// Calls away from the focus; `usize::MAX` for `"all"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Depth(pub usize);

impl Default for Depth {
    fn default() -> Self {
        Depth(1)
    }
}

impl<'de> Deserialize<'de> for Depth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wrong = || serde::de::Error::custom("`depth`: write a number or \"all\"");
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) if s == "all" => Ok(Depth(usize::MAX)),
            serde_json::Value::Number(n) => n
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .map(Depth)
                .ok_or_else(wrong),
            _ => Err(wrong()),
        }
    }
}

impl DrawOptions {
    /// Reads the options; empty text gives the defaults. Checks what the command's flag
    /// parser checks: `depth` and `direction` need `focus`, `min_rate` is not negative.
    pub fn from_json(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Ok(DrawOptions::default());
        }
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("the options are not valid JSON: {e}"))?;
        let Some(fields) = value.as_object() else {
            return Err(
                "the options must be a JSON object, such as {\"focus\": \"cart\"}".to_owned(),
            );
        };
        // The command's flag parser refuses --depth and --direction without --focus.
        let walk_given = fields.contains_key("depth") || fields.contains_key("direction");
        let options = DrawOptions::deserialize(&value)
            .map_err(|e| format!("the options are not valid: {e}"))?;
        if walk_given && options.focus.is_none() {
            return Err(
                "`depth` and `direction` say how far to go from a focus; give `focus` too"
                    .to_owned(),
            );
        }
        if !options.expand.is_empty() && options.aggregate == Some(Aggregate::Namespace) {
            return Err(
                "`expand` keeps some namespaces' services and merges the others; leave out \
                 `aggregate: \"namespace\"`, which merges them all"
                    .to_owned(),
            );
        }
        if options
            .min_rate
            .is_some_and(|min| !min.is_finite() || min < 0.0)
        {
            return Err(
                "`min_rate` must be a non-negative number of requests per second".to_owned(),
            );
        }
        Ok(options)
    }

    /// The SVG options these stand for.
    pub fn svg_options(&self) -> SvgOptions {
        let mut options = SvgOptions::default();
        options.direction = match self.rankdir {
            RankDir::Lr => Direction::LeftToRight,
            RankDir::Tb => Direction::TopToBottom,
        };
        options.edges = match self.edges {
            Edges::Curved => EdgeStyle::Curved,
            Edges::Orthogonal => EdgeStyle::Orthogonal,
        };
        options.edge_labels = match self.edge_labels {
            Labels::Auto => EdgeLabels::Auto,
            Labels::Always => EdgeLabels::Always,
            Labels::Never => EdgeLabels::Never,
        };
        options.no_legend = self.no_legend;
        options.group = match self.group {
            Group::None => Grouping::None,
            Group::Namespace => Grouping::Namespace,
        };
        options.hint.clone_from(&self.hint);
        options
    }
}
