//! The flag groups several commands share (logging, colour, progress, connection, the
//! safety overrides, the inputs, the output formats, `--as-of`), each flattened into the
//! commands' own argument structs ([`super::args`]).

// The doc comments below are clap's --help text, printed as written: `[safety]` and bare
// URLs there are for people, not rustdoc links.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::bare_urls)]

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// `-v` and `--log-format`, on the commands that log (every command but completions and
/// man).
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct LogFlags {
    /// More logging on stderr: -v for info (the configuration and export read, the users
    /// and teams listed, the plan's counts, the requests sent and the rate-limit budget
    /// left), -vv for debug (every request); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, display_order = 900)]
    pub verbose: u8,
    /// Log format on stderr: text, or json (one JSON object per line, for a log collector;
    /// an action's events carry its employee_id, pagerduty_user_id and action; no progress
    /// bars).
    #[arg(
        long,
        value_enum,
        default_value_t,
        value_name = "FORMAT",
        display_order = 901
    )]
    pub log_format: LogFormat,
}

/// `--color`, on the commands that print a text plan (plan, apply, demo).
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct ColorFlag {
    /// Colour the text plan and the log lines: auto (the plan when stdout is a terminal, the
    /// log lines when stderr is, unless NO_COLOR is set to a non-empty value or TERM is
    /// dumb), always (even with NO_COLOR), or never.
    #[arg(
        long,
        value_enum,
        default_value_t,
        value_name = "WHEN",
        display_order = 902
    )]
    pub color: ColorChoice,
}

/// `--color`: when the text plan on stdout and the log lines on stderr are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    /// When the stream (stdout, stderr for the log lines) is a terminal, `NO_COLOR` is unset
    /// or empty, and `TERM` is not `dumb`.
    #[default]
    Auto,
    /// Always, even with `NO_COLOR` set or the stream piped.
    Always,
    /// Never.
    Never,
}

/// `--no-progress`, on the commands that draw progress bars (plan, apply, demo).
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct ProgressFlag {
    /// Never draw progress bars (they are drawn on stderr only when it is a terminal, and
    /// never with -v or --log-format json).
    #[arg(long)]
    pub no_progress: bool,
}

/// `--report FILE` and `--report-format`, on the commands that apply (apply, demo): one
/// definition, so both say the same.
#[derive(Debug, Args)]
pub struct ReportFlags {
    /// Write the apply report to FILE, in --report-format (`apply` replaces it at the start
    /// by one saying the run is in progress, then as actions end; `demo` writes it at the
    /// end).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// The format of --report FILE: json (the whole report), csv (one row per action, for
    /// spreadsheets) or markdown (a summary line and a table, for chat).
    #[arg(
        long,
        value_enum,
        default_value_t,
        value_name = "FORMAT",
        requires = "report"
    )]
    pub report_format: ReportFormat,
}

/// Connection flags.
#[derive(Debug, Args)]
pub struct Connection {
    /// The API root: https://api.pagerduty.com (the default), https://api.eu.pagerduty.com,
    /// or http://127.0.0.1:PORT for the sandbox; overrides `[pagerduty] api_url`. Given
    /// empty (or `PAGERDUTY_API_URL` set but empty) it is a usage error, never production.
    #[arg(long, value_name = "URL", env = crate::config::ENV_API_URL, hide_env_values = true, value_parser = api_url_value)]
    pub api_url: Option<String>,
    /// Read the API key from this file instead of the environment variable
    /// `PAGERDUTY_API_KEY` (refused, exit 64, when the file, followed through symlinks,
    /// gives its group or others any permission, read or write: chmod 600).
    #[arg(long, value_name = "PATH")]
    pub api_key_file: Option<PathBuf>,
    /// Read the marker key from this file instead of the environment variable
    /// `PAGERDUTY_MARKER_KEY`: one line of at least 32 bytes, checked as --api-key-file is
    /// (refused, exit 64, when the file, followed through symlinks, gives its group or
    /// others any permission: chmod 600; doctor reports it as a failed check).
    #[arg(long, value_name = "PATH")]
    pub marker_key_file: Option<PathBuf>,
    /// Read the previous marker key (during a rotation) from this file instead of
    /// `PAGERDUTY_MARKER_KEY_PREVIOUS` (the same checks as --marker-key-file).
    #[arg(long, value_name = "PATH")]
    pub marker_key_previous_file: Option<PathBuf>,
}

impl Connection {
    /// `--api-url` split by where clap took it from: (the flag, `PAGERDUTY_API_URL`). clap
    /// fills the field from the variable when the flag is absent (an empty one is refused
    /// while parsing), so a value equal to the variable's is taken as the variable's: the
    /// two name the same URL, and a command printed for later leaves it to the variable,
    /// as it leaves the key.
    pub fn api_url_given(&self) -> (Option<&str>, Option<&str>) {
        let env = std::env::var(crate::config::ENV_API_URL).ok();
        match self.api_url.as_deref() {
            Some(u) if env.as_deref() == Some(u) => (None, Some(u)),
            given => (given, None),
        }
    }
}

/// `--api-url` (or `PAGERDUTY_API_URL`, which clap passes here when the flag is absent):
/// refused when empty, naming the variable when it is the one set empty.
fn api_url_value(text: &str) -> Result<String, String> {
    if !text.trim().is_empty() {
        return Ok(text.to_string());
    }
    let env_empty = std::env::var_os(crate::config::ENV_API_URL)
        .is_some_and(|v| v.to_string_lossy().trim().is_empty());
    Err(crate::config::empty_api_url(env_empty))
}

/// One-run overrides of the `[safety]` caps.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct SafetyFlags {
    /// Raise both deactivation caps (count and percent) to N for this run.
    #[arg(long, value_name = "N")]
    pub allow_deactivations: Option<usize>,
    /// Raise both role-change caps (count and percent) to N for this run.
    #[arg(long, value_name = "N")]
    pub allow_role_changes: Option<usize>,
    /// Raise both reactivation caps (count and percent) to N for this run.
    #[arg(long, value_name = "N")]
    pub allow_reactivations: Option<usize>,
    /// Raise the deletion cap ([safety] max_deletions) to N for this run.
    #[arg(long, value_name = "N")]
    pub allow_deletions: Option<usize>,
    /// Raise the probable-duplicate cap (max_probable_duplicates) to N for this run: creates
    /// whose name equals that of an existing user no HR row matched.
    #[arg(long, value_name = "N")]
    pub allow_probable_duplicates: Option<usize>,
    /// Raise both re-key caps (count and percent) to N for this run.
    #[arg(long, value_name = "N")]
    pub allow_rekeys: Option<usize>,
    /// Re-key the marker of each user whose email matches exactly one HR row when the
    /// marker names an employee the export no longer lists (employee IDs that changed).
    #[arg(long)]
    pub rekey_employee_ids: bool,
    /// Deactivate users even while they are on an escalation policy, on call in the
    /// lookahead or assigned open incidents (by default such deactivations are blocked).
    #[arg(long)]
    pub allow_oncall_gaps: bool,
    /// Go on although no signed marker in PagerDuty verifies with PAGERDUTY_MARKER_KEY (a
    /// rotation whose previous key is lost); by default that refuses the run (exit 3).
    #[arg(long)]
    pub allow_new_marker_key: bool,
    /// Go on without PAGERDUTY_MARKER_KEY although markers in PagerDuty are signed (signing
    /// stopped on purpose); by default that refuses the run (exit 3), since a run without
    /// the key trusts forged markers.
    #[arg(long)]
    pub allow_unsigned_run: bool,
    /// Finish the one-time signing of unsigned markers that a first run with
    /// PAGERDUTY_MARKER_KEY left part-way (stopped or killed): for this run, unsigned
    /// markers are trusted and signed as on that first run (where the user's email is the
    /// HR row's). Only for that case: it also trusts an unsigned copy a user pasted.
    #[arg(long)]
    pub finish_marker_migration: bool,
    /// Adopt, in an account whose markers are signed, a user whom only its email ties to an
    /// employee under the HR row's name (checked by a person: its email and name are
    /// self-editable), as before this guard: adopted unless it would raise its access. By
    /// default such an adoption is left alone and needs a person (exit 1).
    #[arg(long)]
    pub allow_adoption_by_email: bool,
}

/// Inputs every command that reads an export takes.
#[derive(Debug, Args)]
pub struct Inputs {
    /// The TOML configuration file.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The HR export (CSV).
    #[arg(long, value_name = "FILE")]
    pub hr: PathBuf,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Human-readable text.
    #[default]
    Text,
    /// JSON on stdout.
    Json,
}

/// The format of log events on stderr (`--log-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    /// One line of text per event, for people.
    #[default]
    Text,
    /// One JSON object per event and line.
    Json,
}

/// The format of `--report FILE` (`--report-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    /// The JSON apply report.
    #[default]
    Json,
    /// One row per action, for spreadsheets (formula-like cells start with `'`).
    Csv,
    /// A summary line and a table, one row per action, for chat.
    Markdown,
}

/// The day a run reads the export's dates as of.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct AsOf {
    /// Read the export's dates (hire and termination dates) as of this day instead of
    /// today in `[lifecycle] default_time_zone`, and date suspensions with it; reproduces
    /// an earlier run, or applies a night that was missed. `apply` refuses a day after
    /// today (exit 64); `plan` and `validate` preview one.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = as_of_value)]
    pub as_of: Option<chrono::NaiveDate>,
}

/// The first year `--as-of` accepts: no HR export read today dates from before 1970, and a
/// year under it is almost always a two-digit year or a typing slip.
const AS_OF_FIRST_YEAR: i32 = 1970;

/// `--as-of`'s value: exactly `YYYY-MM-DD` (four-digit year, two-digit month and day, as
/// ISO 8601 writes a calendar date), a real day, in [`AS_OF_FIRST_YEAR`] or later.
/// chrono alone would read `26-12-07` as the year 26 and `2026-1-5` as 5 January.
fn as_of_value(text: &str) -> Result<chrono::NaiveDate, String> {
    let shape = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    let day = shape
        .then(|| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten();
    match day {
        Some(d) if chrono::Datelike::year(&d) >= AS_OF_FIRST_YEAR => Ok(d),
        Some(_) => Err(format!(
            "{text:?} is before {AS_OF_FIRST_YEAR}; give the day as YYYY-MM-DD with a four-digit year"
        )),
        None => Err(format!(
            "{text:?} is not a day written YYYY-MM-DD (four-digit year, two-digit month and day), e.g. 2026-12-07"
        )),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// `apply` and `demo` take `--report` and `--report-format` from one definition: the
    /// same help words, the same value names.
    #[test]
    fn apply_and_demo_describe_the_report_flags_alike() {
        let cli = crate::cli::Cli::command();
        let describe = |command: &str, id: &str| {
            let arg = cli
                .find_subcommand(command)
                .and_then(|c| c.get_arguments().find(|a| a.get_id() == id))
                .unwrap_or_else(|| panic!("{command} has no {id}"));
            (
                arg.get_help().map(ToString::to_string),
                arg.get_long_help().map(ToString::to_string),
                arg.get_value_names().map(<[_]>::to_vec),
            )
        };
        for id in ["report", "report_format"] {
            let apply = describe("apply", id);
            assert!(apply.0.is_some(), "--{id} has help");
            assert_eq!(apply, describe("demo", id), "--{id}");
        }
    }
}
