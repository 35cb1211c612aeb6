//! Two pieces of work at once, on a second thread where the platform has one.
//!
//! The largest graphs are worth it (hundreds of thousands of calls, where the layout's
//! biggest phases and the SVG take seconds each), and so are the trials and glances that
//! choose the calls to reverse (milliseconds each, against a thread's tens of
//! microseconds); callers say so with `worth`. Either way the
//! two results are the same: each piece is computed alone, and nothing is summed across them,
//! so the drawing does not depend on the machine (the page's WebAssembly engine, which has no
//! threads, draws what the command draws).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Items (vertices, edges, elements) from which a phase splits its work over two threads:
/// below this, starting a thread costs more than it saves.
pub(crate) const WORTH_A_THREAD: usize = 50_000;

/// Whether a second thread may help: the platform starts threads and has more than one core.
fn two_cores() -> bool {
    static CORES: OnceLock<bool> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() > 1))
}

#[cfg(test)]
thread_local! {
    /// Set by tests to draw on this thread alone, for comparison.
    pub(crate) static ONE_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `a` and `b` and returns both results: `a` on a second thread while `b` runs on this
/// one when `worth` holds and a thread can be had, else one after the other here.
pub(crate) fn join<A: Send, B>(
    worth: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B,
) -> (A, B) {
    join_beside(worth, a, |_| b())
}

/// `f` of each of `items`, in order, the second half of them on a second thread when
/// `worth` holds ([`join`]). Each item is computed alone, so the results are the same on
/// one thread.
pub(crate) fn map_halves<T: Sync, R: Send>(
    worth: bool,
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let (first, second) = items.split_at(items.len().div_ceil(2));
    let (rest, mut all) = join(
        worth,
        || second.iter().map(&f).collect::<Vec<R>>(),
        || first.iter().map(&f).collect::<Vec<R>>(),
    );
    all.extend(rest);
    all
}

/// `f` of each of `items`, in order, each item taken by whichever of two threads is free
/// when `worth` holds ([`join`]): for a few items of uneven cost, which halves would split
/// unevenly. Each item is computed alone, so the results are the same on one thread.
pub(crate) fn map_shared<T: Sync, R: Send>(
    worth: bool,
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let take = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let (mut done, theirs) = join(worth, take, take);
    done.extend(theirs);
    done.sort_unstable_by_key(|&(i, _)| i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// [`join`], telling `b` whether `a` runs beside it on a second thread: then `b` may do
/// work that is wasted unless it turns out needed, which one after the other would only
/// add to the time.
pub(crate) fn join_beside<A: Send, B>(
    worth: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce(bool) -> B,
) -> (A, B) {
    #[cfg(test)]
    let worth = worth && !ONE_THREAD.get();
    if !worth || !two_cores() {
        return (a(), b(false));
    }
    // Held here, so that if no thread starts, this one still runs it. The lock is only held
    // to take the task out, never while it runs.
    let task = Mutex::new(Some(a));
    let run = || task.lock().ok().and_then(|mut t| t.take()).map(|a| a());
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("svcgraph-helper".into())
            .spawn_scoped(scope, run);
        let b = b(helper.is_ok());
        let a = helper
            .ok()
            .and_then(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .or_else(run);
        (a.expect("the task is taken exactly once"), b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_halves_are_mapped_in_order() {
        for len in [0, 1, 2, 7, 1000] {
            let items: Vec<u64> = (0..len).collect();
            for worth in [false, true] {
                let squares = map_halves(worth, &items, |&x| x * x);
                assert_eq!(squares, items.iter().map(|&x| x * x).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn shared_items_are_mapped_in_order_however_uneven() {
        for len in [0, 1, 2, 7, 100] {
            let items: Vec<u64> = (0..len).collect();
            for worth in [false, true] {
                // The first items cost far more than the rest.
                let costly = |&x: &u64| {
                    let mut a = x;
                    for _ in 0..(100 - x.min(99)) * 1000 {
                        a = std::hint::black_box(a);
                    }
                    a * a
                };
                let mapped = map_shared(worth, &items, costly);
                assert_eq!(mapped, items.iter().map(costly).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn both_pieces_run_and_give_their_results() {
        for worth in [false, true] {
            let data: Vec<u64> = (0..1000).collect();
            let (a, b) = join(
                worth,
                || data[..500].iter().sum::<u64>(),
                || data[500..].iter().sum::<u64>(),
            );
            assert_eq!((a, b), (124_750, 374_750));
        }
    }

    #[test]
    fn the_piece_on_the_other_thread_may_borrow_and_fill_its_own_buffer() {
        let words = ["a", "b", "c", "d"];
        let (left, mut right) = join(true, || words[..2].concat(), || String::from("x"));
        right.push_str(&words[2..].concat());
        assert_eq!((left.as_str(), right.as_str()), ("ab", "xcd"));
    }
}
