//! The command line (clap derive). Every flag is documented here; `--help` shows examples.
//!
//! [`Cli`] and [`Command`] are here; each command's arguments are in `args`, the flag
//! groups several commands share in `flags`, and the help texts shown after the flags
//! (examples, environment, exit codes) in `help`.

mod args;
mod flags;
mod help;

pub use args::{
    ApplyArgs, CompletionsArgs, DemoArgs, DoctorArgs, MAN_PAGES, ManArgs, PlanArgs, SandboxArgs,
    SandboxFaults, Shell, ValidateArgs,
};
pub use flags::{
    AsOf, ColorChoice, ColorFlag, Connection, Format, Inputs, LogFlags, LogFormat, ProgressFlag,
    ReportFlags, ReportFormat, SafetyFlags,
};

use clap::{Parser, Subcommand};
use help::{
    APPLY_EXAMPLES, COMPLETIONS_EXAMPLES, DEMO_EXAMPLES, DOCTOR_EXAMPLES, EXAMPLES, MAN_EXAMPLES,
    PLAN_EXAMPLES, SANDBOX_EXAMPLES, VALIDATE_EXAMPLES,
};

/// Provision PagerDuty users from an HR system's CSV export.
#[derive(Debug, Parser)]
#[command(name = "hr2pagerduty", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// `-v` before the command, as scripts written while it was a global flag give it:
    /// added to the command's own `-v` count; not shown. Before a command that writes no
    /// log (completions, man) it is ignored with a warning ([`Cli::ignored_flags`]).
    #[arg(short, long, action = clap::ArgAction::Count, hide = true)]
    pub verbose: u8,
    /// `--no-progress` before the command, as scripts written before it moved to the
    /// commands that draw bars (plan, apply, demo) give it: accepted there, not shown;
    /// before any other command it is ignored with a warning ([`Cli::ignored_flags`]).
    #[arg(long, hide = true)]
    pub no_progress: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The `-v` count: the command's own, plus any given before the command.
    pub fn verbosity(&self) -> u8 {
        let own = self.command.log_flags().map_or(0, |l| l.verbose);
        own.saturating_add(self.verbose)
    }

    /// The command's `--log-format` (text for the commands that write no log).
    pub fn log_format(&self) -> LogFormat {
        self.command
            .log_flags()
            .map_or(LogFormat::Text, |l| l.log_format)
    }

    /// Warnings for the hidden forms given before a command on which they do nothing
    /// (`--no-progress` before `validate`, `-v` before `man`): old scripts keep working,
    /// and are told the flag was ignored instead of accepting it silently.
    pub fn ignored_flags(&self) -> Vec<String> {
        let name = self.command.name();
        let mut warnings = Vec::new();
        if self.no_progress && !self.command.draws_progress() {
            warnings.push(format!(
                "Warning: --no-progress does nothing on `{name}` (only plan, apply and demo draw progress bars); ignored"
            ));
        }
        if self.verbose > 0 && self.command.log_flags().is_none() {
            warnings.push(format!(
                "Warning: -v does nothing on `{name}`, which writes no log; ignored"
            ));
        }
        warnings
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the configuration and the HR export offline; list every row problem.
    #[command(after_help = VALIDATE_EXAMPLES)]
    Validate(ValidateArgs),
    /// Dry run: list PagerDuty (GET requests only) and show the changes.
    #[command(after_help = PLAN_EXAMPLES)]
    Plan(PlanArgs),
    /// Compute the plan the same way and execute it.
    #[command(after_help = APPLY_EXAMPLES)]
    Apply(ApplyArgs),
    /// Serve the built-in PagerDuty simulator on 127.0.0.1.
    #[command(after_help = SANDBOX_EXAMPLES)]
    Sandbox(SandboxArgs),
    /// Plan, apply and plan again against the simulator, from built-in samples.
    #[command(after_help = DEMO_EXAMPLES)]
    Demo(DemoArgs),
    /// Check, before the first run, that the key, the From user, the account's abilities,
    /// teams and licences fit the configuration (GET requests only). Exit 0 when every
    /// check passes, 1 when any fails.
    #[command(after_help = DOCTOR_EXAMPLES)]
    Doctor(DoctorArgs),
    /// Print a shell completion script on stdout.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) on stdout: of hr2pagerduty, or of one command.
    #[command(after_help = MAN_EXAMPLES)]
    Man(ManArgs),
}

impl Command {
    /// True when the command's own `--no-progress` was given.
    pub fn no_progress(&self) -> bool {
        match self {
            Command::Plan(a) => a.progress.no_progress,
            Command::Apply(a) => a.progress.no_progress,
            Command::Demo(a) => a.progress.no_progress,
            _ => false,
        }
    }

    /// True for the commands that draw progress bars (plan, apply, demo).
    pub fn draws_progress(&self) -> bool {
        matches!(
            self,
            Command::Plan(_) | Command::Apply(_) | Command::Demo(_)
        )
    }

    /// `-v` and `--log-format` of the commands that log; `None` for completions and man.
    pub fn log_flags(&self) -> Option<LogFlags> {
        match self {
            Command::Validate(a) => Some(a.log),
            Command::Plan(a) => Some(a.log),
            Command::Apply(a) => Some(a.log),
            Command::Sandbox(a) => Some(a.log),
            Command::Demo(a) => Some(a.log),
            Command::Doctor(a) => Some(a.log),
            Command::Completions(_) | Command::Man(_) => None,
        }
    }

    /// `--color` of the commands that print a text plan (plan, apply, demo); `auto` for the
    /// others, which print nothing coloured.
    pub fn color(&self) -> ColorChoice {
        match self {
            Command::Plan(a) => a.color.color,
            Command::Apply(a) => a.color.color,
            Command::Demo(a) => a.color.color,
            _ => ColorChoice::Auto,
        }
    }

    /// The command's name on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Validate(_) => "validate",
            Command::Plan(_) => "plan",
            Command::Apply(_) => "apply",
            Command::Sandbox(_) => "sandbox",
            Command::Demo(_) => "demo",
            Command::Doctor(_) => "doctor",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// `man`'s possible values, which shell completion offers after `man` (r10h 5: bash
    /// offered no command names), are every subcommand, clap's `help` included.
    #[test]
    fn man_offers_every_command_s_page() {
        let mut cli = Cli::command();
        cli.build();
        let commands: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
        assert_eq!(commands, MAN_PAGES);
    }
}
