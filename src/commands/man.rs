//! `man`: the manual page in roff (clap_mangen), generated from the clap definitions of
//! [`crate::cli`], so it lists exactly the flags `--help` shows.

use super::{BIN, Failure};
use crate::cli::{Cli, ManArgs};
use crate::exit::Exit;
use crate::printer::Printer;
use clap::CommandFactory;

/// Prints the manual page of `hr2pagerduty`, or of the command `a.command`
/// (`hr2pagerduty-plan(1)`), in roff on stdout; each names `hr2pagerduty VERSION` as its
/// source in the `.TH` line.
///
/// # Errors
/// [`Failure::Usage`] for a command that does not exist.
pub(super) fn man(a: &ManArgs, printer: &Printer) -> Result<Exit, Failure> {
    let mut top = Cli::command();
    top.build();
    let page = match &a.command {
        None => top,
        Some(name) => {
            let sub = top.find_subcommand(name).cloned().ok_or_else(|| {
                let names: Vec<String> = top
                    .get_subcommands()
                    .map(|c| c.get_name().to_string())
                    .collect();
                Failure::Usage(format!(
                    "no command {name:?}; the commands are {}",
                    names.join(", ")
                ))
            })?;
            // clap names are `&'static str` without its `string` feature; the process
            // ends right after printing the page.
            let page_name: &'static str = Box::leak(format!("{BIN}-{name}").into_boxed_str());
            sub.name(page_name)
        }
    };
    let mut out = Vec::new();
    // The footer's source is the package and its version on every page: clap_mangen takes it
    // from the command's own version, which only the top-level command has.
    clap_mangen::Man::new(page)
        .source(format!("{BIN} {}", env!("CARGO_PKG_VERSION")))
        .render(&mut out)
        .map_err(|e| Failure::Failed(format!("cannot render the manual page: {e}")))?;
    printer.out(&String::from_utf8_lossy(&out));
    Ok(Exit::Success)
}
