//! `completions`: a shell completion script (clap_complete), generated from the clap
//! definitions of [`crate::cli`], so it lists exactly the flags `--help` shows.

use super::{BIN, Failure};
use crate::cli::{Cli, CompletionsArgs, Shell};
use crate::exit::Exit;
use crate::printer::Printer;
use clap::CommandFactory;

/// Prints the completion script for `a.shell` on stdout.
pub(super) fn completions(a: &CompletionsArgs, printer: &Printer) -> Result<Exit, Failure> {
    let shell = match a.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN, &mut out);
    printer.out(&String::from_utf8_lossy(&out));
    Ok(Exit::Success)
}
