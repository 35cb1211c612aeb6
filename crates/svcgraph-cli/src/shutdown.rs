//! Graceful stops: a long-running command registers to receive the first SIGINT, SIGTERM
//! or SIGHUP instead of being ended by it.

use std::sync::{Mutex, PoisonError};

use tokio::sync::oneshot;

/// Where the next signal goes, while a command waits for one.
static WAITING: Mutex<Option<oneshot::Sender<i32>>> = Mutex::new(None);

/// Asks for the next signal: the receiver gets its number. Until then the signal handler
/// leaves the process running.
pub fn register() -> oneshot::Receiver<i32> {
    let (sender, receiver) = oneshot::channel();
    *WAITING.lock().unwrap_or_else(PoisonError::into_inner) = Some(sender);
    receiver
}

/// Gives `signal` to the registered command; `false` when none waits (any more), and the
/// process should end now.
pub fn hand_over(signal: i32) -> bool {
    let waiting = WAITING
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    waiting.is_some_and(|sender| sender.send(signal).is_ok())
}
