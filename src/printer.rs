//! [`Printer`]: where the commands' output goes, kept apart from logging.
//!
//! Results go to stdout ([`Printer::out`]); messages for the person running the command
//! (errors, warnings, the `plan --out` hint) go to stderr ([`Printer::err`]); progress bars
//! are drawn on stderr by the [`Progress`] that [`Printer::progress`] makes. Logging is a
//! separate channel: `tracing` events, set up by `main` from `-v`/`RUST_LOG`, also on stderr.
//! The printer owns the choices that shape what a person sees: verbosity (`-v` hides the
//! progress bars, whose redraws would garble log lines), `--no-progress`, and colour (none
//! today: a `--color` flag would be one more field here, read by `out` and `err`).
//!
//! Writing never panics (unlike `print!`). A closed pipe (`hr2pagerduty plan | head -1`) is
//! not an error: the reader went away, and the run still writes its report and exits with
//! its own code. Any other stdout write error (a full disk) is remembered, and
//! [`Printer::stdout_error`] returns the first one, so the command exits 1 instead of
//! claiming success with output missing (README.md § Exit codes). Stderr write errors are
//! ignored: there is nowhere left to report them.

use crate::progress::Progress;
use std::io::Write;
use std::sync::Mutex;

/// The commands' stdout and stderr, with the verbosity and progress choice of the command
/// line. Shared by reference (`&Printer` is `Send` and `Sync`), so an action's outcome
/// can be printed from the apply's concurrent tasks.
pub struct Printer {
    stdout: Mutex<Box<dyn Write + Send>>,
    stderr: Mutex<Box<dyn Write + Send>>,
    /// The first stdout write error other than a closed pipe.
    stdout_error: Mutex<Option<String>>,
    /// `-v` count: 0 quiet, 1 info, 2 or more debug.
    verbosity: u8,
    /// Whether progress bars may be drawn (on a terminal stderr).
    progress: bool,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer")
            .field("verbosity", &self.verbosity)
            .field("progress", &self.progress)
            .finish_non_exhaustive()
    }
}

/// Locks `m`, recovering the value when another thread panicked while holding it.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Printer {
    /// The process's stdout and stderr. `verbosity` is the `-v` count; progress bars are
    /// drawn only when `verbosity` is 0, `no_progress` is false and stderr is a terminal.
    pub fn stdio(verbosity: u8, no_progress: bool) -> Printer {
        Printer {
            stdout: Mutex::new(Box::new(std::io::stdout())),
            stderr: Mutex::new(Box::new(std::io::stderr())),
            stdout_error: Mutex::new(None),
            verbosity,
            progress: !no_progress && verbosity == 0,
        }
    }

    /// Writes to `stdout` and `stderr` instead of the process's streams (for embedding and
    /// tests). Draws no progress bars, since they go to the process's stderr.
    pub fn to_writers(
        stdout: Box<dyn Write + Send>,
        stderr: Box<dyn Write + Send>,
        verbosity: u8,
    ) -> Printer {
        Printer {
            stdout: Mutex::new(stdout),
            stderr: Mutex::new(stderr),
            stdout_error: Mutex::new(None),
            verbosity,
            progress: false,
        }
    }

    /// Writes `text` to stdout as it is (no newline added) and flushes it. A closed pipe is
    /// ignored; another error is kept for [`Printer::stdout_error`].
    pub fn out(&self, text: &str) {
        let result = {
            let mut stdout = lock(&self.stdout);
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
        };
        if let Err(e) = result
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            lock(&self.stdout_error).get_or_insert_with(|| e.to_string());
        }
    }

    /// Writes `line` and a newline to stderr, ignoring write errors.
    pub fn err(&self, line: &str) {
        let mut stderr = lock(&self.stderr);
        let _ = writeln!(stderr, "{line}");
        let _ = stderr.flush();
    }

    /// Writes `text` to stderr as it is (no newline added) and flushes it, ignoring write
    /// errors: a question for the person at the terminal (the `apply` prompt), which must
    /// not go to stdout, where `apply > log` would hide it in the log.
    pub fn ask(&self, text: &str) {
        let mut stderr = lock(&self.stderr);
        let _ = stderr.write_all(text.as_bytes());
        let _ = stderr.flush();
    }

    /// The first stdout write error other than a closed pipe, as text, if any.
    pub fn stdout_error(&self) -> Option<String> {
        lock(&self.stdout_error).clone()
    }

    /// The `-v` count the printer was made with.
    pub fn verbosity(&self) -> u8 {
        self.verbosity
    }

    /// A progress display for one run: drawn on stderr when the printer allows bars and
    /// stderr is a terminal, hidden otherwise.
    pub fn progress(&self) -> Progress {
        Progress::new(self.progress)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::Arc;

    /// A writer that keeps what it is given, or fails every write with `fail`.
    #[derive(Clone, Default)]
    pub(crate) struct Sink {
        text: Arc<Mutex<Vec<u8>>>,
        fail: Option<std::io::ErrorKind>,
    }

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            match self.fail {
                Some(kind) => Err(std::io::Error::new(kind, "refused by the test")),
                None => {
                    self.text.lock().unwrap().extend_from_slice(buf);
                    Ok(buf.len())
                }
            }
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Sink {
        pub(crate) fn failing(kind: std::io::ErrorKind) -> Sink {
            Sink {
                fail: Some(kind),
                ..Sink::default()
            }
        }
        pub(crate) fn text(&self) -> String {
            String::from_utf8(self.text.lock().unwrap().clone()).unwrap()
        }
    }

    #[test]
    fn out_and_err_go_to_their_own_streams() {
        let (out, err) = (Sink::default(), Sink::default());
        let p = Printer::to_writers(Box::new(out.clone()), Box::new(err.clone()), 0);
        p.out("No changes.\n");
        p.out("more");
        p.err("Warning: w");
        p.ask("Enter a value: ");
        assert_eq!(out.text(), "No changes.\nmore");
        assert_eq!(err.text(), "Warning: w\nEnter a value: ");
        assert_eq!(p.stdout_error(), None);
    }

    #[test]
    fn a_closed_pipe_is_not_an_error_but_a_full_disk_is_and_the_first_is_kept() {
        let closed = Printer::to_writers(
            Box::new(Sink::failing(std::io::ErrorKind::BrokenPipe)),
            Box::new(Sink::default()),
            0,
        );
        closed.out("x");
        assert_eq!(closed.stdout_error(), None);

        let full = Printer::to_writers(
            Box::new(Sink::failing(std::io::ErrorKind::StorageFull)),
            Box::new(Sink::default()),
            0,
        );
        full.out("x");
        full.out("y");
        assert_eq!(full.stdout_error().as_deref(), Some("refused by the test"));
    }

    #[test]
    fn a_failing_stderr_is_ignored() {
        let p = Printer::to_writers(
            Box::new(Sink::default()),
            Box::new(Sink::failing(std::io::ErrorKind::StorageFull)),
            0,
        );
        p.err("lost");
        assert_eq!(p.stdout_error(), None);
    }

    #[test]
    fn verbosity_or_no_progress_hides_the_bars() {
        assert!(Printer::stdio(0, false).progress);
        assert!(!Printer::stdio(1, false).progress);
        assert!(!Printer::stdio(0, true).progress);
        assert_eq!(Printer::stdio(2, false).verbosity(), 2);
        assert!(
            !Printer::to_writers(Box::new(Sink::default()), Box::new(Sink::default()), 0).progress
        );
    }
}
