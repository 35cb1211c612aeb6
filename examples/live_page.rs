//! The live page's side of `svcgraph serve`, without a server: writes the page a server
//! sends, and the replies to its `api/view` requests, for saved inputs.
//!
//! ```sh
//! cargo run -p svcgraph-examples --example live_page -- page INPUT OUT.html [REFRESH]
//! cargo run -p svcgraph-examples --example live_page -- view INPUT OUT.json AT [BASELINE]
//! ```
//!
//! `page` writes the live page of INPUT (refreshing every `REFRESH` seconds, 30 by default,
//! with six hours of history); `view` writes the reply for the moment AT (Unix seconds):
//! INPUT's graph, or its comparison with BASELINE, drawn as the page draws it. A server
//! keeps each reply's `svg.hint(graph)` for the next drawing, so nodes stay in place.

use std::error::Error;

use svcgraph_core::render::html::{HtmlOptions, LiveOptions, live_view, to_html};
use svcgraph_core::{SvgOptions, Thresholds, diff};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: live_page page INPUT OUT.html [REFRESH] | view INPUT OUT.json AT [BASELINE]";
    let [mode, input, output, rest @ ..] = &args[..] else {
        return Err(usage.into());
    };
    let graph = svcgraph_core::load(&std::fs::read(input)?)?.graph;
    let text = match mode.as_str() {
        "page" => {
            let refresh_seconds = rest.first().map_or(Ok(30), |s| s.parse())?;
            let mut live = LiveOptions::default();
            live.refresh_seconds = refresh_seconds;
            // A week back, so that the page offers every comparison (1 d and 7 d included).
            live.history_seconds = 7 * 86_400;
            let mut options = HtmlOptions::default();
            options.live = Some(live);
            to_html(&graph, &options)
        }
        "view" => {
            let at: i64 = rest.first().ok_or(usage)?.parse()?;
            let (graph, notes) = match rest.get(1) {
                Some(baseline) => {
                    let baseline = svcgraph_core::load(&std::fs::read(baseline)?)?.graph;
                    let compared = diff::diff(&graph, &baseline, &Thresholds::default());
                    (
                        compared,
                        vec![format!("compared with {baseline}", baseline = rest[1])],
                    )
                }
                None => (graph, Vec::new()),
            };
            live_view(&graph, &SvgOptions::default(), at, &notes).body
        }
        _ => return Err(usage.into()),
    };
    std::fs::write(output, text)?;
    Ok(())
}
