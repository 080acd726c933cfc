//! [`Printer`]: where the commands' output goes, kept apart from logging.
//!
//! Results go to stdout ([`Printer::out`]); messages for the person running the command
//! (errors, warnings, the `plan --out` hint) go to stderr ([`Printer::err`]); progress bars
//! are drawn on stderr by the [`Progress`] that [`Printer::progress`] makes. Logging is a
//! separate channel: `tracing` events, set up by `main` from `-v`/`RUST_LOG`, also on stderr.
//! The printer owns the choices that shape what a person sees: verbosity (`-v` hides the
//! progress bars, whose redraws would garble log lines), `--no-progress`, and colour on
//! stdout ([`Printer::with_color`], [`wants_color`]): the commands ask [`Printer::color`]
//! and tell the renderer, which never reads the environment itself. The same rule decides
//! whether the log lines on stderr are coloured ([`stderr_wants_color`], for `main`).
//!
//! Writing never panics (unlike `print!`). A closed pipe (`hr2pagerduty plan | head -1`) is
//! not an error: the reader went away, and the run still writes its report and exits with
//! its own code. Any other stdout write error (a full disk) is remembered, and
//! [`Printer::stdout_error`] returns the first one, so the command exits 1 instead of
//! claiming success with output missing (README.md § Exit codes). Stderr write errors are
//! ignored: there is nowhere left to report them.

use crate::progress::Progress;
use std::ffi::OsStr;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

/// When stdout output may be coloured: `--color auto|always|never`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorChoice {
    /// When stdout is a terminal, `NO_COLOR` is unset or empty and `TERM` is not `dumb`.
    #[default]
    Auto,
    /// Always: the flag wins over `NO_COLOR` and a pipe, as in ripgrep.
    Always,
    /// Never.
    Never,
}

/// Whether to colour stdout, from the choice, the values of `NO_COLOR` and `TERM`, and
/// whether stdout is a terminal. `NO_COLOR` set to a non-empty value turns colour off
/// (<https://no-color.org>: "when present and not an empty string"), as does `TERM=dumb`;
/// only [`ColorChoice::Always`] overrides them.
pub fn wants_color(
    choice: ColorChoice,
    no_color: Option<&OsStr>,
    term: Option<&OsStr>,
    stdout_is_terminal: bool,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stdout_is_terminal
                && no_color.is_none_or(OsStr::is_empty)
                && term != Some(OsStr::new("dumb"))
        }
    }
}

/// Whether the log lines `tracing` writes on stderr (`--log-format text`) may be coloured:
/// the rule of [`wants_color`] for stdout, with the same `choice` (`--color`), this process's
/// `NO_COLOR` and `TERM`, and whether stderr is a terminal.
pub fn stderr_wants_color(choice: ColorChoice) -> bool {
    wants_color_here(choice, std::io::stderr().is_terminal())
}

/// [`wants_color`] with this process's `NO_COLOR` and `TERM`, for a stream that is a
/// terminal or not.
fn wants_color_here(choice: ColorChoice, is_terminal: bool) -> bool {
    wants_color(
        choice,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
        is_terminal,
    )
}

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
    /// Whether progress bars may be drawn (`-v` and `--no-progress` not given; never for
    /// [`Printer::to_writers`]); [`Printer::progress`] draws them only on a terminal stderr.
    progress: bool,
    /// Whether stdout is the process's and a terminal (false for [`Printer::to_writers`]).
    stdout_is_terminal: bool,
    /// Whether text written to stdout may carry colour ([`Printer::with_color`]).
    color: bool,
    /// Whether the streams are the process's ([`Printer::stdio`]), so that a question may
    /// go to the controlling terminal instead ([`Printer::question_terminal`]).
    process_streams: bool,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer")
            .field("verbosity", &self.verbosity)
            .field("progress", &self.progress)
            .field("color", &self.color)
            .finish_non_exhaustive()
    }
}

/// Locks `m`, recovering the value when another thread panicked while holding it.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Writes `line` and a newline to the process's stderr, ignoring write errors (a closed
/// pipe included, where `eprintln!` would panic). For tasks that outlive the borrowed
/// [`Printer`] of a command, such as the signal listener of `apply`, whose messages are
/// about the process itself.
pub fn stderr_line(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
    let _ = stderr.flush();
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
            stdout_is_terminal: std::io::stdout().is_terminal(),
            color: false,
            process_streams: true,
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
            stdout_is_terminal: false,
            color: false,
            process_streams: false,
        }
    }

    /// The printer with colour on stdout decided by `choice` ([`wants_color`] with this
    /// process's `NO_COLOR` and `TERM`, and whether stdout is a terminal; a printer of
    /// [`Printer::to_writers`] counts as not writing to a terminal). Without this call
    /// there is no colour.
    pub fn with_color(mut self, choice: ColorChoice) -> Printer {
        self.color = wants_color_here(choice, self.stdout_is_terminal);
        self
    }

    /// True when stdout is the process's and a terminal (false for
    /// [`Printer::to_writers`]).
    pub fn stdout_is_terminal(&self) -> bool {
        self.stdout_is_terminal
    }

    /// True when text for stdout may be coloured.
    pub fn color(&self) -> bool {
        self.color
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

    /// The terminal to ask a question on when stderr is not one (`apply 2>err.txt` or
    /// `apply > log 2>&1` typed at a terminal): the controlling terminal `/dev/tty`, opened
    /// for reading and writing. `None` when stderr is a terminal, when the streams are not
    /// the process's ([`Printer::to_writers`]), or when there is no controlling terminal
    /// (a service, or a system without `/dev/tty`): then the question goes to stderr
    /// ([`Printer::ask`]).
    pub fn question_terminal(&self) -> Option<std::fs::File> {
        if !self.process_streams || std::io::stderr().is_terminal() {
            return None;
        }
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()
    }

    /// The first stdout write error other than a closed pipe, as text, if any.
    pub fn stdout_error(&self) -> Option<String> {
        lock(&self.stdout_error).clone()
    }

    /// The `-v` count the printer was made with.
    pub fn verbosity(&self) -> u8 {
        self.verbosity
    }

    /// A progress display for one run: drawn on stderr when the printer draws bars (its
    /// stderr is the process's and a terminal, `-v` and `--no-progress` not given), hidden
    /// otherwise.
    pub fn progress(&self) -> Progress {
        // Bars are drawn on the process's stderr: only when that is this printer's stderr.
        Progress::new(self.progress && self.process_streams && std::io::stderr().is_terminal())
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
    fn auto_colours_only_a_terminal_without_no_color_or_a_dumb_term() {
        use ColorChoice::{Always, Auto, Never};
        let none: Option<&OsStr> = None;
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        let xterm = Some(OsStr::new("xterm-256color"));
        let dumb = Some(OsStr::new("dumb"));
        assert!(wants_color(Auto, none, xterm, true));
        assert!(wants_color(Auto, none, none, true));
        // no-color.org: an empty NO_COLOR does not count.
        assert!(wants_color(Auto, empty, xterm, true));
        assert!(!wants_color(Auto, set, xterm, true));
        assert!(!wants_color(Auto, none, dumb, true));
        // A pipe or a file.
        assert!(!wants_color(Auto, none, xterm, false));
        // --color always wins over NO_COLOR and a pipe; never wins over a terminal.
        assert!(wants_color(Always, set, dumb, false));
        assert!(!wants_color(Never, none, xterm, true));
    }

    #[test]
    fn a_printer_to_writers_colours_only_when_asked_always() {
        let p = || Printer::to_writers(Box::new(Sink::default()), Box::new(Sink::default()), 0);
        assert!(!p().color());
        assert!(!p().with_color(ColorChoice::Auto).color());
        assert!(!p().with_color(ColorChoice::Never).color());
        assert!(p().with_color(ColorChoice::Always).color());
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
