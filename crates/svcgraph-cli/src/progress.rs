//! A progress line on standard error while waiting for a server, shown only on a terminal.

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often the elapsed time is redrawn.
const TICK: Duration = Duration::from_millis(200);

/// Whether to draw progress: not with --quiet, and only when standard error is a terminal
/// (a log file or a pipe gets no carriage returns).
pub fn enabled(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// Runs `work`, showing `svcgraph: <what>… 1.4 s` on one redrawn line while it runs, and
/// erasing the line when it ends.
pub async fn show<F: Future>(enabled: bool, what: &str, work: F) -> F::Output {
    if !enabled {
        return work.await;
    }
    let start = Instant::now();
    let mut work = std::pin::pin!(work);
    let mut tick = tokio::time::interval(TICK);
    let output = loop {
        tokio::select! {
            output = &mut work => break output,
            _ = tick.tick() => draw(&line(what, start.elapsed())),
        }
    };
    draw("");
    output
}

/// The progress line's text.
fn line(what: &str, elapsed: Duration) -> String {
    format!("svcgraph: {what}… {:.1} s", elapsed.as_secs_f64())
}

/// Replaces the current terminal line with `text` (carriage return, erase to end of line).
fn draw(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[K{text}");
    let _ = err.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_what_and_how_long() {
        assert_eq!(
            line(
                "fetching from http://h/api/v1/query",
                Duration::from_millis(1420)
            ),
            "svcgraph: fetching from http://h/api/v1/query… 1.4 s"
        );
    }

    #[test]
    fn disabled_progress_only_runs_the_work() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        assert_eq!(runtime.block_on(show(false, "x", async { 7 })), 7);
    }
}
