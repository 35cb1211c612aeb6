//! The page `serve` answers `/` with. A plain document until the interactive page of
//! `svcgraph_core::render::html` is available: the picture inline, and a meta refresh instead
//! of a script. [`PageOptions`] mirrors that renderer's options, so that [`page`] and
//! [`drawing_options`] are the places to change.

use std::fmt::Write;

use svcgraph_core::ServiceGraph;
use svcgraph_core::counted;
use svcgraph_core::render::svg::{self, SvgOptions};

/// How the page is drawn.
#[derive(Debug, Clone, Default)]
pub struct PageOptions {
    /// The picture's options, with the layout hint of the view it shows.
    pub svg: SvgOptions,
    /// The document's title.
    pub title: Option<String>,
    /// Set when the page is served live.
    pub live: Option<LiveOptions>,
}

/// What a live page needs to know about its server.
#[derive(Debug, Clone, Copy, Default)]
pub struct LiveOptions {
    /// How often the view is refreshed.
    pub refresh_seconds: u64,
    /// How far back the time slider reaches.
    pub history_seconds: u64,
}

/// The policy of this page: no script, no network; the SVG's inline styles only.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                      base-uri 'none'; form-action 'none'";

/// The options a view of `graph` is drawn with: `/api/view` must draw as the page does
/// (this page draws with `options` as they are).
pub fn drawing_options(_graph: &ServiceGraph, options: &SvgOptions) -> SvgOptions {
    options.clone()
}

/// A complete HTML document showing `graph`.
pub fn page(graph: &ServiceGraph, options: &PageOptions) -> String {
    let title = options.title.as_deref().unwrap_or("svcgraph");
    let drawn = svg::to_svg(graph, &options.svg);
    let mut out = String::with_capacity(drawn.text.len() + 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY}\">"
    );
    if let Some(live) = options.live {
        let _ = writeln!(
            out,
            "<meta http-equiv=\"refresh\" content=\"{}\">",
            live.refresh_seconds.max(1)
        );
    }
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    out.push_str(
        "<style>body{margin:0;font-family:system-ui,sans-serif}\
         header{padding:.5rem 1rem;border-bottom:1px solid #ddd}\
         h1{font-size:1.1rem;margin:0}p{margin:.25rem 0 0;color:#555}\
         main{overflow:auto}</style>\n</head>\n<body>\n<header>\n",
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(title));
    let _ = write!(
        out,
        "<p>{}, {}",
        counted(graph.node_count(), "service"),
        counted(graph.edge_count(), "call")
    );
    if let Some(live) = options.live {
        let _ = write!(
            out,
            "; refreshed every {} s; the last {} s are at <code>api/view?at=UNIX_SECONDS</code>",
            live.refresh_seconds.max(1),
            live.history_seconds
        );
    }
    out.push_str("</p>\n</header>\n<main>\n");
    out.push_str(&drawn.text);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// Text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The Content-Security-Policy a page declares in a `<meta http-equiv>` tag of its head,
/// with character references decoded, for the same header.
pub fn declared_policy(page: &str) -> Option<String> {
    let head = &page[..page.find("</head>").unwrap_or(page.len())];
    let mut rest = head;
    while let Some(start) = rest.find("<meta") {
        let tag_and_after = &rest[start..];
        let end = tag_and_after.find('>')?;
        let tag = &tag_and_after[..end];
        if tag
            .to_ascii_lowercase()
            .contains("http-equiv=\"content-security-policy\"")
        {
            let content = tag.find("content=\"")? + "content=\"".len();
            let value = &tag[content..];
            let value = &value[..value.find('"')?];
            return Some(unescape(value));
        }
        rest = &tag_and_after[end..];
    }
    None
}

/// The character references an attribute value may use for the policy's quotes.
fn unescape(text: &str) -> String {
    text.replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_is_escaped_and_the_policy_found() {
        let page = page(
            &ServiceGraph::new(),
            &PageOptions {
                title: Some("<img src=x onerror=alert(1)>".into()),
                ..PageOptions::default()
            },
        );
        assert!(page.contains("<title>&lt;img src=x onerror=alert(1)&gt;</title>"));
        assert!(!page.contains("<img"));
        assert!(!page.contains("http-equiv=\"refresh\""));
        assert_eq!(declared_policy(&page).as_deref(), Some(POLICY));
    }

    #[test]
    fn a_policy_is_found_whatever_the_attribute_order_and_quoting() {
        let page = "<html><head><meta charset=\"utf-8\"><meta content=\"default-src &#39;none&#39;; \
                    script-src &#39;sha256-abc=&#39;\" http-equiv=\"Content-Security-Policy\"></head>\
                    <body><meta http-equiv=\"content-security-policy\" content=\"x\"></body>";
        assert_eq!(
            declared_policy(page).as_deref(),
            Some("default-src 'none'; script-src 'sha256-abc='")
        );
        assert_eq!(declared_policy("<html><head></head></html>"), None);
    }
}
