//! Progress bars on stderr, shown only when stderr is a terminal and logging is quiet.
//!
//! [`Progress`] owns an optional bar, so call sites never branch on whether one is shown
//! (lychee's `progress.rs` shape, STYLE.md §1).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A progress bar that may be hidden.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar drawn on stderr when `enabled` and stderr is a terminal; hidden otherwise.
    pub fn new(enabled: bool) -> Progress {
        if enabled && std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            Progress { bar: Some(bar) }
        } else {
            Progress::hidden()
        }
    }

    /// A bar that draws nothing.
    pub fn hidden() -> Progress {
        Progress { bar: None }
    }

    /// Starts a stage: `message` with a counter up to `total` (a spinner when unknown).
    pub fn stage(&self, message: &str, total: Option<u64>) {
        if let Some(b) = &self.bar {
            b.reset();
            b.set_position(0);
            match total {
                Some(t) => {
                    b.set_length(t);
                    b.set_style(
                        ProgressStyle::with_template(
                            "{msg:>18} [{bar:30}] {pos}/{len} ({per_sec}, {eta} left)",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    );
                }
                None => {
                    b.unset_length();
                    b.set_style(
                        ProgressStyle::with_template("{spinner} {msg} {pos}")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                }
            }
            b.set_message(message.to_string());
        }
    }

    /// Sets the total once known.
    pub fn set_total(&self, total: u64) {
        if let Some(b) = &self.bar {
            b.set_length(total);
        }
    }

    /// Sets the position.
    pub fn set(&self, pos: u64) {
        if let Some(b) = &self.bar {
            b.set_position(pos);
        }
    }

    /// Advances by one.
    pub fn inc(&self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    /// Prints a line above the bar (or to stderr when hidden is not wanted: nothing).
    pub fn println(&self, line: &str) {
        if let Some(b) = &self.bar {
            b.println(line);
        }
    }

    /// Removes the bar from the screen.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
