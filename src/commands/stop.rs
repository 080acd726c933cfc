//! What stops an `apply` early: SIGINT and SIGTERM (tokio's Unix signal streams), and
//! `--max-runtime`. [`Stops`] owns the [`StopSender`] the executor's [`Stop`] reads:
//!
//! - the first SIGINT or SIGTERM halts the run ([`Halt::Signal`]); after the grace period
//!   (`--grace-period`, 10 s by default) the actions still in progress are abandoned;
//! - a second signal ends the process at once, with the signal's exit code (130 or 143),
//!   leaving the in-progress report as last written;
//! - `--max-runtime` halts the run when it runs out ([`Halt::MaxRuntime`]).
//!
//! Before the first write the run has nothing in flight to protect: [`Stops::race`] ends
//! the phase that reads and plans as soon as the run is halted.

use super::Failure;
use crate::apply::stop::{self, Halt, Signal, Stop, StopSender};
use crate::exit::Exit;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// The exit code for a run stopped by `signal`: 128 + the signal's number (130, 143).
pub(super) fn signal_exit(signal: Signal) -> Exit {
    match signal {
        Signal::Interrupt => Exit::Interrupted,
        Signal::Terminate => Exit::Terminated,
    }
}

/// The run's stop conditions, listened for from [`Stops::start`] until dropped.
pub(super) struct Stops {
    sender: Arc<StopSender>,
    max_runtime: Option<Duration>,
    tasks: Vec<JoinHandle<()>>,
}

impl Stops {
    /// Listens for SIGINT and SIGTERM (on Unix) and starts the `max_runtime` clock.
    ///
    /// # Errors
    /// [`Failure::Failed`] when the signal handlers cannot be installed.
    pub(super) fn start(max_runtime: Option<Duration>, grace: Duration) -> Result<Stops, Failure> {
        let (sender, _) = stop::channel();
        let sender = Arc::new(sender);
        let mut tasks = Vec::new();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let cannot =
                |e: std::io::Error| Failure::Failed(format!("cannot listen for signals: {e}"));
            let mut int = signal(SignalKind::interrupt()).map_err(cannot)?;
            let mut term = signal(SignalKind::terminate()).map_err(cannot)?;
            let s = sender.clone();
            tasks.push(tokio::spawn(async move {
                let mut seen = 0;
                loop {
                    let got = tokio::select! {
                        Some(()) = int.recv() => Signal::Interrupt,
                        Some(()) = term.recv() => Signal::Terminate,
                        else => return,
                    };
                    seen += 1;
                    if seen > 1 {
                        // A second signal: exit at once, leaving the in-progress report.
                        crate::printer::stderr_line(&format!("{} again: exiting at once", got.name()));
                        std::process::exit(i32::from(signal_exit(got).code()));
                    }
                    // Halt first: the message is a courtesy, and writing it may fail (a
                    // closed stderr pipe), which must never cost the stop.
                    s.halt(Halt::Signal(got));
                    crate::printer::stderr_line(&format!(
                        "{} received: no new action starts; actions in progress get {} to finish (send it again to exit at once)",
                        got.name(),
                        humantime::format_duration(grace)
                    ));
                    let s = s.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(grace).await;
                        s.abandon();
                    });
                }
            }));
        }
        if let Some(limit) = max_runtime {
            let s = sender.clone();
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep(limit).await;
                s.halt(Halt::MaxRuntime);
            }));
        }
        Ok(Stops {
            sender,
            max_runtime,
            tasks,
        })
    }

    /// The executor's view.
    pub(super) fn stop(&self) -> Stop {
        self.sender.subscribe()
    }

    /// Why the run stopped, once it did.
    pub(super) fn halted(&self) -> Option<Halt> {
        self.sender.state().halt
    }

    /// The failure for a run halted before its first write.
    pub(super) fn failure(&self, halt: Halt) -> Failure {
        match halt {
            Halt::Signal(s) => Failure::Interrupted(s),
            Halt::MaxRuntime => Failure::Failed(format!(
                "--max-runtime {} ran out before the first write; nothing was changed",
                self.max_runtime
                    .map(|d| humantime::format_duration(d).to_string())
                    .unwrap_or_default()
            )),
        }
    }

    /// `fut` (a phase before the first write), or the failure of the halt that came first.
    ///
    /// # Errors
    /// `fut`'s error, or [`Stops::failure`].
    pub(super) async fn race<T, E: Into<Failure>>(
        &self,
        fut: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<T, Failure> {
        if let Some(h) = self.halted() {
            return Err(self.failure(h));
        }
        let stop = self.stop();
        tokio::select! {
            biased;
            h = stop.halted_now() => Err(self.failure(h)),
            r = fut => r.map_err(Into::into),
        }
    }

    /// The `--max-runtime` given, for messages.
    pub(super) fn max_runtime(&self) -> Option<Duration> {
        self.max_runtime
    }
}

impl Drop for Stops {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}
