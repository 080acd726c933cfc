//! The commands: one file per command, on top of every other module.
//!
//! | file | command |
//! |---|---|
//! | `validate` | `validate`: configuration and export, offline |
//! | `plan` | `plan`, with `--out FILE` (a saved plan) |
//! | `apply` | `apply`, and `apply --plan FILE` (a saved plan) |
//! | `sandbox` | `sandbox`: the simulator on 127.0.0.1 |
//! | [`demo`] | `demo`: plan, apply and plan again against the simulator |
//! | `completions` | `completions`: a shell's completion script, from the clap definitions |
//! | `man` | `man`: the manual pages in roff, from the clap definitions |
//! | `doctor` | `doctor`: checks of the key and the account against a configuration, GET requests only |
//! | `execute` | a run of a plan, for `apply` and `demo`: `Run`, executing it, printing the outcomes, how it ended |
//! | `stop` | what stops an `apply` early: SIGINT, SIGTERM, `--max-runtime` |
//! | `live_report` | the `--report FILE` of an `apply` in progress, rewritten as actions end |
//! | `prompt` | the confirmation question of `apply` and reading its answer |
//! | `report_file` | the `--report FILE` of `apply` and `demo` over a run: checked, in progress, ended or stopped |
//! | `common` | what several commands share: loading the inputs, the client, the safety flags as the planner's options ([`crate::pipeline::PlanOptions`]), the archive's checks, the safety refusal |
//!
//! A command reads its inputs, calls the library (config → hr → pagerduty → observe →
//! plan → apply → report), prints through the [`Printer`] and returns an [`Exit`] or a
//! [`Failure`], which [`run`] prints and maps to its exit code. Nothing here calls
//! `process::exit`, except a second SIGINT or SIGTERM during `apply`, which ends the
//! process at once (`stop`); `main` turns the [`Exit`] into the process status. A new command is a
//! file here (as `doctor` was), a variant of [`crate::cli::Command`] and one arm in [`run`].

mod apply;
mod common;
mod completions;
pub mod demo;
mod doctor;
mod execute;
mod live_report;
mod man;
mod plan;
mod prompt;
mod report_file;
mod sandbox;
mod stop;
mod validate;

use crate::apply::Signal;
use crate::archive::ArchiveError;
use crate::cli::{Cli, Command};
use crate::config::ConfigError;
use crate::exit::Exit;
use crate::hr::HrError;
use crate::observe::ObserveError;
use crate::pipeline::PipelineError;
use crate::plan::PlanError;
use crate::printer::{ColorChoice, Printer};
use crate::report::RunStatus;
use crate::saved_plan::{SavedPlanError, Stale};

/// The binary's name, as the completion scripts and manual pages call it.
const BIN: &str = "hr2pagerduty";

/// A reason the command stops, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Command-line usage (exit 64).
    #[error("{0}")]
    Usage(String),
    /// Configuration (exit 78).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Rules that cannot be applied to this account (exit 78).
    #[error(transparent)]
    Rules(#[from] PlanError),
    /// The HR export (exit 65).
    #[error(transparent)]
    Hr(#[from] HrError),
    /// Refused before any write (exit 3).
    #[error("refused before any write: {0}")]
    Refused(String),
    /// The run failed (exit 1).
    #[error("{0}")]
    Failed(String),
    /// Stopped by a signal before the first write (exit 130 for SIGINT, 143 for SIGTERM).
    #[error("interrupted by {} before the first write; nothing was changed", .0.name())]
    Interrupted(Signal),
}

impl Failure {
    /// The exit code.
    pub fn exit(&self) -> Exit {
        match self {
            Failure::Usage(_) => Exit::Usage,
            Failure::Config(_) | Failure::Rules(_) => Exit::Config,
            Failure::Hr(_) => Exit::HrInput,
            Failure::Refused(_) => Exit::Refused,
            Failure::Failed(_) => Exit::Failure,
            Failure::Interrupted(s) => stop::signal_exit(*s),
        }
    }

    /// The apply report's `status` for a run that stopped with this failure.
    pub fn status(&self) -> RunStatus {
        match self {
            Failure::Usage(_) => RunStatus::UsageError,
            Failure::Config(_) | Failure::Rules(_) => RunStatus::ConfigInvalid,
            Failure::Hr(_) => RunStatus::HrUnusable,
            Failure::Refused(_) => RunStatus::Refused,
            Failure::Failed(_) => RunStatus::Failed,
            Failure::Interrupted(_) => RunStatus::Interrupted,
        }
    }
}

/// An incomplete listing refuses (exit 3); a rejected key or any other failed read fails
/// the run (exit 1).
impl From<ObserveError> for Failure {
    fn from(e: ObserveError) -> Failure {
        match e {
            ObserveError::Incomplete(_) => Failure::Refused(e.to_string()),
            _ => Failure::Failed(e.to_string()),
        }
    }
}

/// A saved plan that no longer fits what it was made from refuses (exit 3).
impl From<PipelineError> for Failure {
    /// An archive that cannot be read is a usage error (exit 64), rule mistakes a
    /// configuration error (78), and PagerDuty's failures as [`ObserveError`]'s.
    fn from(e: PipelineError) -> Failure {
        match e {
            PipelineError::Archive(e) => Failure::Usage(e.to_string()),
            PipelineError::Observe(e) => Failure::from(e),
            PipelineError::Rules(e) => Failure::Rules(e),
        }
    }
}

impl From<ArchiveError> for Failure {
    /// An archive that cannot be read is a usage error (exit 64).
    fn from(e: ArchiveError) -> Failure {
        Failure::Usage(e.to_string())
    }
}

impl From<Stale> for Failure {
    fn from(e: Stale) -> Failure {
        Failure::Refused(e.to_string())
    }
}

/// A saved plan that cannot be read or written is a usage error (exit 64); a stale one
/// refuses (exit 3).
impl From<SavedPlanError> for Failure {
    fn from(e: SavedPlanError) -> Failure {
        match e {
            SavedPlanError::Stale(s) => s.into(),
            _ => Failure::Usage(e.to_string()),
        }
    }
}

/// Runs the parsed command line: results on stdout, errors on stderr (through a
/// [`Printer`] on the process's streams, with the `-v` count, `--no-progress` and
/// `--color` of `cli`; `--log-format json` draws no progress bars either, so that stderr
/// holds only JSON lines and the messages for people).
/// A failure is printed as `Error: …` and gives its exit code; a run that would exit 0 or 2
/// but could not write its stdout (other than to a closed pipe) exits 1.
pub async fn run(cli: Cli) -> Exit {
    let printer = stdio_printer(&cli);
    for warning in cli.ignored_flags() {
        printer.err(&warning);
    }
    run_command(cli.command, &printer).await
}

/// The printer on the process's streams for `cli`: its `-v` count, its `--color`, and
/// progress bars unless `--no-progress` or `--log-format json`.
fn stdio_printer(cli: &Cli) -> Printer {
    let json_logs = cli.log_format() == crate::cli::LogFormat::Json;
    // `--no-progress` is the command's, or the hidden global one older scripts give.
    let no_progress = cli.no_progress || cli.command.no_progress() || json_logs;
    Printer::stdio(cli.verbosity(), no_progress).with_color(color_choice(cli.command.color()))
}

/// Whether `main` colours the log lines on stderr for `cli`: `--color` (`auto` for a
/// command without it), `NO_COLOR` and `TERM` decide as they do for the text plan, with
/// whether stderr is a terminal ([`crate::printer::stderr_wants_color`]).
pub fn log_color(cli: &Cli) -> bool {
    crate::printer::stderr_wants_color(color_choice(cli.command.color()))
}

/// The printer's [`ColorChoice`] for `--color`.
fn color_choice(c: crate::cli::ColorChoice) -> ColorChoice {
    match c {
        crate::cli::ColorChoice::Auto => ColorChoice::Auto,
        crate::cli::ColorChoice::Always => ColorChoice::Always,
        crate::cli::ColorChoice::Never => ColorChoice::Never,
    }
}

/// [`run`] with a printer of the caller's.
pub async fn run_command(command: Command, printer: &Printer) -> Exit {
    let result = match command {
        Command::Validate(a) => validate::run(a, printer),
        Command::Plan(a) => plan::run(a, printer).await,
        Command::Apply(a) => apply::run(a, printer).await,
        Command::Sandbox(a) => sandbox::run(a, printer).await,
        Command::Demo(a) => demo::run(a, printer).await,
        Command::Doctor(a) => doctor::run(a, printer).await,
        Command::Completions(a) => completions::completions(&a, printer),
        Command::Man(a) => man::man(&a, printer),
    };
    let code = match result {
        Ok(code) => code,
        Err(f) => {
            printer.err(&format!("Error: {f}"));
            f.exit()
        }
    };
    match printer.stdout_error() {
        Some(e) if matches!(code, Exit::Success | Exit::Changes) => {
            printer.err(&format!("Error: cannot write to stdout: {e}"));
            Exit::Failure
        }
        _ => code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::tests::Sink;
    use clap::Parser;
    use std::io::ErrorKind;

    /// `validate` of the demo's inputs, or of a configuration that does not exist.
    fn validate(config: &str) -> Command {
        let root = env!("CARGO_MANIFEST_DIR");
        Cli::try_parse_from([
            "hr2pagerduty".to_string(),
            "validate".into(),
            "--config".into(),
            format!("{root}/{config}"),
            "--hr".into(),
            format!("{root}/samples/demo/hr.csv"),
        ])
        .unwrap()
        .command
    }

    /// Runs `command` with stdout failing with `stdout` (or kept, when `None`); returns
    /// the exit code and stderr.
    async fn run_with(command: Command, stdout: Option<ErrorKind>) -> (Exit, String) {
        let out = stdout.map(Sink::failing).unwrap_or_default();
        let err = Sink::default();
        let printer = Printer::to_writers(Box::new(out), Box::new(err.clone()), 0);
        let code = run_command(command, &printer).await;
        (code, err.text())
    }

    #[test]
    fn json_logs_draw_no_progress_bars() {
        let printer = |args: &[&str]| {
            let mut all = vec!["hr2pagerduty"];
            all.extend(["validate", "--config", "c.toml", "--hr", "hr.csv"]);
            all.extend(args);
            format!("{:?}", stdio_printer(&Cli::try_parse_from(all).unwrap()))
        };
        assert!(printer(&[]).contains("progress: true"), "{}", printer(&[]));
        assert!(printer(&["--log-format", "text"]).contains("progress: true"));
        assert!(printer(&["--log-format", "json"]).contains("progress: false"));
        let plan = Cli::try_parse_from([
            "hr2pagerduty",
            "--no-progress",
            "plan",
            "--config",
            "c",
            "--hr",
            "h",
        ])
        .unwrap();
        assert!(format!("{:?}", stdio_printer(&plan)).contains("progress: false"));
    }

    #[tokio::test]
    async fn a_full_stdout_fails_a_successful_run_but_a_closed_pipe_does_not() {
        let config = "samples/demo/config.toml";
        let (code, stderr) = run_with(validate(config), None).await;
        assert_eq!((code, stderr.as_str()), (Exit::Success, ""));
        let (code, stderr) = run_with(validate(config), Some(ErrorKind::BrokenPipe)).await;
        assert_eq!((code, stderr.as_str()), (Exit::Success, ""));
        let (code, stderr) = run_with(validate(config), Some(ErrorKind::StorageFull)).await;
        assert_eq!(code, Exit::Failure);
        assert!(
            stderr.starts_with("Error: cannot write to stdout: "),
            "{stderr}"
        );
    }

    #[tokio::test]
    async fn a_failure_is_printed_and_keeps_its_own_exit_code() {
        let (code, stderr) = run_with(validate("missing.toml"), Some(ErrorKind::StorageFull)).await;
        assert_eq!(code, Exit::Config);
        assert!(stderr.starts_with("Error: "), "{stderr}");
        assert!(!stderr.contains("cannot write to stdout"), "{stderr}");
    }
}
