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
    // clap_mangen's SYNOPSIS names the flags without their values (`[--hr]`); an
    // overridden usage, set here only so that `--help` keeps clap's own, is printed as
    // given.
    let usage = synopsis(&page);
    let page = page.override_usage(usage);
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

/// The SYNOPSIS line of `cmd`'s page: its name, each optional flag in brackets with the
/// value it takes (`[--hr FILE]`, `[-v|--verbose]...`), then the required ones (`--config
/// FILE`), the positionals (`<SHELL>`, `[COMMAND]`) and `<COMMAND>` for a command with
/// subcommands, in the order `--help` lists them.
fn synopsis(cmd: &clap::Command) -> String {
    let name = cmd.get_bin_name().unwrap_or_else(|| cmd.get_name());
    let value = |a: &clap::Arg| {
        a.get_value_names()
            .map(|v| v.join(" "))
            .unwrap_or_else(|| a.get_id().as_str().to_uppercase())
    };
    let mut flags: Vec<&clap::Arg> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_positional())
        .collect();
    flags.sort_by_key(|a| a.get_display_order());
    let mut words = vec![name.replace(['-'], " ")];
    let mut required = Vec::new();
    for a in flags {
        let flag = match (a.get_short(), a.get_long()) {
            (Some(s), Some(l)) => format!("-{s}|--{l}"),
            (Some(s), None) => format!("-{s}"),
            (None, Some(l)) => format!("--{l}"),
            (None, None) => continue,
        };
        let word = if a.get_action().takes_values() {
            format!("{flag} {}", value(a))
        } else {
            flag
        };
        if a.is_required_set() {
            required.push(word);
        } else if matches!(a.get_action(), clap::ArgAction::Count) {
            words.push(format!("[{word}]..."));
        } else {
            words.push(format!("[{word}]"));
        }
    }
    words.extend(required);
    for a in cmd.get_positionals().filter(|a| !a.is_hide_set()) {
        let v = value(a);
        words.push(if a.is_required_set() {
            format!("<{v}>")
        } else {
            format!("[{v}]")
        });
    }
    if cmd.has_subcommands() {
        words.push("<COMMAND>".into());
    }
    words.join(" ")
}
