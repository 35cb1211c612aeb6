//! `svcgraph render`: a graph drawn as SVG, DOT, JSON, the interactive page or Mermaid, or
//! summed up in Markdown.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use svcgraph_core::layout::EdgeStyle;
use svcgraph_core::render::{Grouping, dot, html, json, markdown, mermaid, svg};
use svcgraph_core::{Direction, LayoutStats, ServiceGraph, counted as count, layout};

use crate::args::{DrawArgs, EdgeLabelsArg, EdgeStyleArg, Format, GroupBy, RankDir, RenderArgs};
use crate::output;
use crate::pipeline::{self, Notes, Obtained};

/// `svcgraph render`: the picture of a graph, in SVG, DOT, JSON or the interactive page.
pub fn run(args: &RenderArgs) -> Result<ExitCode> {
    let notes = Notes { quiet: args.quiet };
    let format = output_format(args.format, args.output.as_deref())?;
    if !args.links.is_empty() && format != Format::Html {
        bail!(
            "--link adds links to the interactive page's side panel; only the html format carries them (--format html, or -o FILE.html)"
        );
    }
    pipeline::one_standard_output(&args.graph, args.output.as_deref(), "the picture")?;
    let obtained = pipeline::obtain(&args.graph, &notes)?;
    // The page's data-quality section; only the html format shows it.
    let quality = (format == Format::Html)
        .then(|| svcgraph_core::quality::assess(&obtained.graph, obtained.evidence().as_ref()));
    let Obtained { graph, window, .. } = obtained;
    let svg_options = svg_options(&args.draw);
    if matches!(format, Format::Svg | Format::Html)
        && svg_options.edge_labels == svg::EdgeLabels::Auto
        && !svg_options.edge_labels.shown(graph.edge_count())
    {
        notes.note(&format!(
            "edge labels left out: {} edges is more than {} (hover an edge for its numbers, \
             or --edge-labels always to draw them)",
            graph.edge_count(),
            svg::EdgeLabels::AUTO_LIMIT
        ));
    }
    let page = PageExtras {
        links: args.links.clone(),
        window: if args.links.is_empty() { None } else { window },
        quality,
    };
    let stats = write_drawing(
        &graph,
        format,
        svg_options,
        args.stats,
        page,
        args.output.as_deref(),
        &notes,
    )?;
    if let Some(left_out) = stats
        .as_ref()
        .map(|s| s.labels_left_out)
        .filter(|&n| n > 0 && format == Format::Svg)
    {
        notes.note(&format!(
            "{} without room beside their lines left out (hover an edge for its numbers, or \
             --edge-labels always to give every label a place, at the price of a wider, more \
             bent drawing)",
            count(left_out, "edge label"),
        ));
    }
    if args.stats {
        match &stats {
            Some(stats) => print_stats(stats),
            None => notes.warn(
                "--stats describes our layout, which DOT, Mermaid and Markdown output do not use",
            ),
        }
    }
    if let Some(path) = args
        .output
        .as_deref()
        .filter(|p| !output::is_stdout(Some(p)))
    {
        notes.note(&format!(
            "wrote {} ({}, {})",
            path.display(),
            count(graph.node_count(), "node"),
            count(graph.edge_count(), "edge")
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// The drawing the flags ask for, with no layout hint.
pub(crate) fn svg_options(args: &DrawArgs) -> svg::SvgOptions {
    let mut options = svg::SvgOptions::default();
    options.direction = match args.rankdir {
        RankDir::Lr => Direction::LeftToRight,
        RankDir::Tb => Direction::TopToBottom,
    };
    options.edges = match args.edges {
        EdgeStyleArg::Curved => EdgeStyle::Curved,
        EdgeStyleArg::Orthogonal => EdgeStyle::Orthogonal,
    };
    options.edge_labels = match args.edge_labels {
        EdgeLabelsArg::Auto => svg::EdgeLabels::Auto,
        EdgeLabelsArg::Always => svg::EdgeLabels::Always,
        EdgeLabelsArg::Never => svg::EdgeLabels::Never,
    };
    options.no_legend = args.no_legend;
    options.group = match args.group {
        GroupBy::None => Grouping::None,
        GroupBy::Namespace => Grouping::Namespace,
    };
    options
}

/// Writes the drawing in `format` to `output` (standard output when `None`); returns the
/// layout statistics when they were asked for (and the format uses our layout).
fn write_drawing(
    graph: &ServiceGraph,
    format: Format,
    svg_options: svg::SvgOptions,
    stats: bool,
    page: PageExtras,
    output: Option<&Path>,
    notes: &Notes,
) -> Result<Option<LayoutStats>> {
    let (text, stats) = match format {
        Format::Svg => {
            // Written as it is drawn: the picture of 300,000 services is half a gigabyte.
            let stats = output::write_with(output, |sink| {
                svg::write_svg(graph, &svg_options, sink).map(|drawn| drawn.stats)
            })?;
            return Ok(Some(stats));
        }
        Format::Dot => {
            let mut options = dot::DotOptions::default();
            options.direction = svg_options.direction;
            options.group = svg_options.group;
            (dot::to_dot(graph, &options), None)
        }
        Format::Mermaid => {
            let mut options = mermaid::MermaidOptions::default();
            options.direction = svg_options.direction;
            options.group = svg_options.group;
            (mermaid::to_mermaid(graph, &options), None)
        }
        Format::Markdown => (
            markdown::to_markdown(graph, &markdown::MarkdownOptions::default()),
            None,
        ),
        Format::Json if stats => {
            let stats = svg::layout_of(graph, &svg_options).stats;
            (json::to_json_with_layout(graph, Some(&stats)), Some(stats))
        }
        Format::Json => (json::to_json(graph), None),
        Format::Html => {
            let stats = stats.then(|| svg::layout_of(graph, &svg_options).stats);
            let mut options = html::HtmlOptions::default();
            options.svg = svg_options;
            options.links = page.links;
            options.window = page.window;
            options.quality = page.quality;
            let page = html::to_html(graph, &options);
            (page, stats)
        }
    };
    if format == Format::Mermaid
        && (graph.edge_count() > mermaid::MAX_EDGES || text.len() > mermaid::MAX_TEXT_SIZE)
    {
        notes.warn(&format!(
            "Mermaid's default settings (GitHub's too) refuse diagrams of more than {} edges or {} characters; this one has {} and {}: narrow it (--namespace, --focus, --min-rate)",
            mermaid::MAX_EDGES,
            mermaid::MAX_TEXT_SIZE,
            count(graph.edge_count(), "edge"),
            count(text.len(), "character")
        ));
    }
    output::write(output, text.as_bytes())?;
    Ok(stats)
}

/// What only the html page carries.
struct PageExtras {
    links: Vec<svcgraph_core::render::links::LinkTemplate>,
    /// The links' `{from}` and `{to}` (Unix milliseconds).
    window: Option<(i64, i64)>,
    /// The data-quality report of the graph.
    quality: Option<svcgraph_core::quality::QualityReport>,
}

/// Layout statistics on standard error (printed even with --quiet: they were asked for).
fn print_stats(s: &layout::LayoutStats) {
    let ms = |secs: f64| format!("{:.2} ms", secs * 1000.0);
    eprintln!(
        "svcgraph: layout: {}, {}, {} layers, {} reversed, {} dummies, {} direct, {} labels left out, {} crossings, {:.0}x{:.0} px",
        count(s.nodes, "node"),
        count(s.edges, "edge"),
        s.layers,
        s.reversed_edges,
        s.dummies,
        s.direct_edges,
        s.labels_left_out,
        s.crossings,
        s.width,
        s.height
    );
    let p = &s.phases;
    eprintln!(
        "svcgraph: layout time: acyclic {}, layering {}, ordering {}, positioning {}, routing {}, total {}",
        ms(p.acyclic),
        ms(p.layering),
        ms(p.ordering),
        ms(p.positioning),
        ms(p.routing),
        ms(p.total())
    );
}

fn output_format(flag: Option<Format>, path: Option<&Path>) -> Result<Format> {
    if let Some(f) = flag {
        return Ok(f);
    }
    let Some(ext) = path.and_then(Path::extension).and_then(|e| e.to_str()) else {
        return Ok(Format::Svg);
    };
    match ext.to_ascii_lowercase().as_str() {
        "svg" => Ok(Format::Svg),
        "dot" | "gv" => Ok(Format::Dot),
        "json" => Ok(Format::Json),
        "html" | "htm" => Ok(Format::Html),
        "mmd" | "mermaid" => Ok(Format::Mermaid),
        "md" | "markdown" => Ok(Format::Markdown),
        other => bail!(
            "cannot tell the format from the extension `.{other}`; use .svg, .dot, .gv, .json, .html, .mmd or .md, or --format"
        ),
    }
}
