//! The page `serve` answers `/` with: the interactive page of
//! [`svcgraph_core::render::html`] in live mode, which polls `api/view`.

use svcgraph_core::ServiceGraph;
use svcgraph_core::render::html;
use svcgraph_core::render::svg::SvgOptions;

pub use svcgraph_core::render::html::{HtmlOptions as PageOptions, LiveOptions};

/// The options a view of `graph` is drawn with: `/api/view` draws as the page does
/// (namespace boxes when the graph has several namespaces).
pub fn drawing_options(graph: &ServiceGraph, options: &SvgOptions) -> SvgOptions {
    html::drawing_options(graph, options)
}

/// A complete HTML document showing `graph`.
pub fn page(graph: &ServiceGraph, options: &PageOptions) -> String {
    html::to_html(graph, options)
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
    fn the_live_page_declares_a_policy_that_lets_it_poll_its_server() {
        let mut live = LiveOptions::default();
        live.history_seconds = 3600;
        let mut options = PageOptions::default();
        options.title = Some("<img src=x onerror=alert(1)>".into());
        options.live = Some(live);
        let page = page(&ServiceGraph::new(), &options);
        assert!(!page.contains("<img src=x"));
        let policy = declared_policy(&page).expect("the page declares its policy");
        assert!(policy.contains("default-src 'none'"), "{policy}");
        assert!(policy.contains("connect-src 'self'"), "{policy}");
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
