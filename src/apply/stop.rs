//! Stopping an apply before its end, as the executor sees it: why the run stops
//! ([`Halt`]: `--max-runtime` ran out, or SIGINT/SIGTERM arrived) and whether actions still
//! in progress are to be abandoned now.
//!
//! The commands own the [`StopSender`] (they listen for signals and keep the clock); the
//! executor reads the [`Stop`] it is given:
//! - once halted, for any reason, no action starts (each is reported `not_started`), and
//!   an action that has sent nothing yet sends nothing: its first request, waiting for the
//!   in-flight cap, the create limit, a 429 pause or the limiter, is not sent and the
//!   action is `not_started` too ([`crate::pagerduty::Client::stop_new_actions`]);
//! - halted by `--max-runtime`, an action in progress sends no further request either: the
//!   request in flight finishes, then the action stops between two steps (`interrupted`);
//!   the executor also stops the client ([`crate::pagerduty::Client::stop_sending`]), so a
//!   request waiting for a 429 pause or a backoff is not sent (`interrupted`, or
//!   `not_started` when its action had sent nothing);
//! - halted by a signal, actions in progress go on until they end or until the sender says
//!   *abandon* (the commands do after the grace period), which drops the request in flight
//!   (`interrupted`; it may or may not have reached PagerDuty, as with a crash) and stops
//!   the client as `--max-runtime` does.
//!
//! Every state an early stop leaves is one the next plan recognises and finishes (the step
//! order of [`crate::plan`]).

use std::fmt;
use tokio::sync::watch;

/// A signal that stops a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C at a terminal).
    Interrupt,
    /// SIGTERM (a scheduler or service manager stopping the job).
    Terminate,
}

impl Signal {
    /// The signal's name, `SIGINT` or `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
}

/// Why a run stops starting work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Halt {
    /// `--max-runtime` ran out: no new request starts; requests in flight finish.
    MaxRuntime,
    /// A signal arrived: no new action starts; actions in progress finish, or are
    /// abandoned once the sender says so.
    Signal(Signal),
}

impl fmt::Display for Halt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Halt::MaxRuntime => f.write_str("--max-runtime ran out"),
            Halt::Signal(s) => write!(f, "the run was interrupted ({})", s.name()),
        }
    }
}

/// The stop state the sender publishes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stopping {
    /// Why the run stops, once it does.
    pub halt: Option<Halt>,
    /// Actions still in progress are to be abandoned now (after a signal's grace period).
    pub abandon: bool,
}

/// The executor's view of the stop state. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Stop {
    rx: watch::Receiver<Stopping>,
}

/// The commands' side: publishes [`Halt`]s and the order to abandon.
#[derive(Debug)]
pub struct StopSender {
    tx: watch::Sender<Stopping>,
}

/// A new sender and the [`Stop`] it drives.
pub fn channel() -> (StopSender, Stop) {
    let (tx, rx) = watch::channel(Stopping::default());
    (StopSender { tx }, Stop { rx })
}

impl StopSender {
    /// Stops the run for `halt`. A signal replaces `--max-runtime` (it decides the exit
    /// code); `--max-runtime` never replaces a signal.
    pub fn halt(&self, halt: Halt) {
        self.tx.send_if_modified(|s| match (s.halt, halt) {
            (Some(Halt::Signal(_)), _) => false,
            (Some(old), new) if old == new => false,
            _ => {
                s.halt = Some(halt);
                true
            }
        });
    }

    /// Abandons the actions still in progress (their request in flight is dropped).
    pub fn abandon(&self) {
        self.tx
            .send_if_modified(|s| !std::mem::replace(&mut s.abandon, true));
    }

    /// The state published so far.
    pub fn state(&self) -> Stopping {
        *self.tx.borrow()
    }

    /// Another view of this sender's state.
    pub fn subscribe(&self) -> Stop {
        Stop {
            rx: self.tx.subscribe(),
        }
    }
}

impl Stop {
    /// A stop that never comes (for callers with no signals and no deadline).
    pub fn never() -> Stop {
        channel().1
    }

    /// Why the run stops, once it does.
    pub fn halted(&self) -> Option<Halt> {
        self.rx.borrow().halt
    }

    /// Resolves once actions in progress are to be abandoned; never when the sender is
    /// gone without saying so.
    pub async fn abandoned(&self) {
        let mut rx = self.rx.clone();
        if rx.wait_for(|s| s.abandon).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// Resolves once the run is halted; never when the sender is gone without halting.
    pub async fn halted_now(&self) -> Halt {
        let mut rx = self.rx.clone();
        match rx.wait_for(|s| s.halt.is_some()).await {
            Ok(s) => s.halt.expect("waited for a halt"),
            Err(_) => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_outranks_the_deadline_and_is_kept() {
        let (tx, stop) = channel();
        assert_eq!(stop.halted(), None);
        tx.halt(Halt::MaxRuntime);
        assert_eq!(stop.halted(), Some(Halt::MaxRuntime));
        tx.halt(Halt::Signal(Signal::Terminate));
        assert_eq!(stop.halted(), Some(Halt::Signal(Signal::Terminate)));
        tx.halt(Halt::MaxRuntime);
        tx.halt(Halt::Signal(Signal::Interrupt));
        assert_eq!(stop.halted(), Some(Halt::Signal(Signal::Terminate)));
        assert!(!tx.state().abandon);
        tx.abandon();
        assert!(tx.state().abandon);
    }

    #[tokio::test]
    async fn abandoned_resolves_only_when_told() {
        let (tx, stop) = channel();
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(20), stop.abandoned());
        assert!(waiting.await.is_err(), "not abandoned yet");
        tx.abandon();
        stop.abandoned().await;
        let never = Stop::never();
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(20), never.abandoned());
        assert!(
            waiting.await.is_err(),
            "a stop without a sender never abandons"
        );
    }
}
