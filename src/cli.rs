//! The command line (clap derive). Every flag is documented here; `--help` shows examples.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  hr2pagerduty demo
      Run plan, apply and a second plan against the built-in simulator.
  hr2pagerduty validate --config samples/config.toml --hr export.csv
      Check an export offline and list every row problem with its line.
  PAGERDUTY_API_KEY=... hr2pagerduty doctor --config samples/config.toml
      Before the first run: check the key and the account against the configuration.
  PAGERDUTY_API_KEY=... hr2pagerduty plan --config samples/config.toml --hr export.csv --out plan.json
      Show what would change (GET requests only) and save the plan for review.
  PAGERDUTY_API_KEY=... hr2pagerduty apply --config samples/config.toml --plan plan.json
      Apply exactly the reviewed plan.
  PAGERDUTY_API_KEY=... hr2pagerduty apply --config samples/config.toml --hr export.csv --yes --report report.json
      Apply the changes without a prompt, as a nightly job, and write a JSON report.
  hr2pagerduty sandbox --seed samples/demo/seed.json --port 8080
      Serve the PagerDuty simulator on http://127.0.0.1:8080 for trying plan and apply.

`hr2pagerduty COMMAND --help` shows each command's own examples.

Exit codes: 0 success; 1 the run failed or left a deactivation undone (blocked, failed);
2 plan --detailed-exitcode found changes; 3 refused before any write; 64 usage error;
65 HR input unusable; 78 configuration invalid; 130 interrupted by SIGINT (apply stops
cleanly; other commands end at once); 143 stopped by SIGTERM (likewise).";

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
    /// Colour the text plan: auto (when stdout is a terminal, unless NO_COLOR is set to a
    /// non-empty value or TERM is dumb), always (even with NO_COLOR), or never.
    #[arg(
        long,
        value_enum,
        default_value_t,
        value_name = "WHEN",
        display_order = 902
    )]
    pub color: ColorChoice,
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

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  mkdir -p ~/.local/share/bash-completion/completions
  hr2pagerduty completions bash > ~/.local/share/bash-completion/completions/hr2pagerduty
  mkdir -p ~/.zfunc
  hr2pagerduty completions zsh > ~/.zfunc/_hr2pagerduty
      With fpath=(~/.zfunc $fpath) before compinit in ~/.zshrc.
  mkdir -p ~/.config/fish/completions
  hr2pagerduty completions fish > ~/.config/fish/completions/hr2pagerduty.fish";

const MAN_EXAMPLES: &str = "\
Examples:
  hr2pagerduty man | man -l -
      Read the manual page now.
  sudo install -d /usr/local/share/man/man1
  hr2pagerduty man | sudo tee /usr/local/share/man/man1/hr2pagerduty.1 >/dev/null
  hr2pagerduty man plan | sudo tee /usr/local/share/man/man1/hr2pagerduty-plan.1 >/dev/null
      Install the pages of hr2pagerduty and of its plan command.";

/// Lines of the `Environment:` block of each command's help, one per variable, so that
/// every command lists each variable it reads once.
macro_rules! env_line {
    (api_key) => {
        "\n  PAGERDUTY_API_KEY              the REST API key, unless --api-key-file names a file
                                 holding it; never printed, logged or written"
    };
    (api_url) => {
        "\n  PAGERDUTY_API_URL              the API root, as --api-url (an empty value is refused)"
    };
    (marker_key) => {
        "\n  PAGERDUTY_MARKER_KEY           the secret (32 bytes or more) that signs ownership
                                 markers; unset, markers are not signed (a secret)
  PAGERDUTY_MARKER_KEY_PREVIOUS  the previous marker key, during a rotation"
    };
    (notify) => {
        "\n  HR2PAGERDUTY_NOTIFY_URL        the webhook for the run's summary, as --notify (an
                                 empty value is refused; a secret)"
    };
    (lock) => {
        "\n  STATE_DIRECTORY                the apply lock's directory unless [safety] lock_dir is
                                 set (systemd sets it from StateDirectory=)
  XDG_STATE_HOME, HOME           else $XDG_STATE_HOME/hr2pagerduty, else
                                 $HOME/.local/state/hr2pagerduty"
    };
    (color) => {
        "\n  NO_COLOR                       non-empty: no colour under --color auto
  TERM                           dumb: no colour under --color auto"
    };
    (log) => {
        "\n  RUST_LOG                       the log filter, over -v (e.g. hr2pagerduty=debug)"
    };
}

const VALIDATE_EXAMPLES: &str = concat!(
    "\
Examples:
  hr2pagerduty validate --config samples/demo/config.toml --hr samples/demo/hr.csv
      Check the configuration and an export offline; each row problem is listed with its line.
  hr2pagerduty validate --config config.toml --hr export.csv --format json
      The same as JSON, e.g. for the step that hands the export over.

Environment:",
    env_line!(log),
    "

Exit codes: 0 the export is usable; 64 usage error; 65 the HR export is unusable (damaged, or
more invalid rows than [safety] max_invalid_rows_percent); 78 the configuration is invalid."
);

const PLAN_EXAMPLES: &str = concat!(
    "\
Examples:
  hr2pagerduty plan --config samples/demo/config.toml --hr samples/demo/hr.csv
      Show what would change, with GET requests only (against `hr2pagerduty sandbox`, say).
  hr2pagerduty plan --config config.toml --hr export.csv --out plan.json
      Also save the plan for review; then `hr2pagerduty apply --config config.toml --plan
      plan.json` applies exactly it (the command is printed).
  hr2pagerduty plan --config config.toml --hr export.csv --detailed-exitcode
      For a scheduler or CI: exit 2 when there are changes, 0 when there are none.

Environment:",
    env_line!(api_key),
    env_line!(api_url),
    env_line!(marker_key),
    env_line!(color),
    env_line!(log),
    "

Exit codes: 0 done (with --detailed-exitcode: no changes); 1 the run failed (PagerDuty
unreachable, the key rejected, retries exhausted); 2 changes (with --detailed-exitcode only);
3 refused (a safety check tripped, or the listing could not be proven complete); 64 usage
error; 65 the HR export is unusable; 78 the configuration is invalid; 130 interrupted by
SIGINT; 143 stopped by SIGTERM."
);

const APPLY_EXAMPLES: &str = concat!(
    "\
Examples:
  hr2pagerduty apply --config samples/demo/config.toml --hr samples/demo/hr.csv
      Show the plan and apply it after a typed yes (asked on the terminal, not on stdout).
  hr2pagerduty apply --config config.toml --plan plan.json
      Apply exactly a plan saved by `plan --out plan.json`, once nothing it touches changed.
  hr2pagerduty apply --config config.toml --hr export.csv --yes --report report.json
      A nightly job: no question, and a JSON report written as actions end.

Environment:",
    env_line!(api_key),
    env_line!(api_url),
    env_line!(marker_key),
    env_line!(notify),
    env_line!(lock),
    env_line!(color),
    env_line!(log),
    "

Exit codes: 0 applied, nothing to do, or cancelled; 1 the run failed (an action failed, a
deactivation was left undone, PagerDuty unreachable, --max-runtime ran out); 3 refused before
any write (a safety check, an incomplete listing, a stale saved plan, another apply holds the
lock); 64 usage error (no --yes without a terminal, among others); 65 the HR export is
unusable; 78 the configuration is invalid; 130 interrupted by SIGINT; 143 stopped by SIGTERM."
);

const SANDBOX_EXAMPLES: &str = concat!(
    "\
Examples:
  hr2pagerduty sandbox --seed samples/demo/seed.json --port 8080
      Serve the simulator on http://127.0.0.1:8080 and print the two variables to export;
      then, in another shell: hr2pagerduty plan --config samples/demo/config.toml --hr
      samples/demo/hr.csv
  hr2pagerduty sandbox --seed samples/demo/seed.json --fault-seed 7 --fault-5xx-percent 5 --latency-ms 150
      The same with reproducible random faults and latency.

Environment:",
    env_line!(log),
    "

Exit codes: 0 stopped by Ctrl-C; 1 the port cannot be bound; 64 usage error (a seed that
cannot be read, fault flags out of range)."
);

const DEMO_EXAMPLES: &str = concat!(
    "\
Examples:
  hr2pagerduty demo
      Plan, apply and plan again against the built-in simulator: no key, no network.
  hr2pagerduty demo --report report.json
      The same, and write the apply's JSON report.

Environment:",
    env_line!(color),
    env_line!(log),
    "

Exit codes: 0 the demo ran; 1 it failed."
);

/// A shell `completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash (bash-completion).
    Bash,
    /// Zsh (a `_hr2pagerduty` function for `fpath`).
    Zsh,
    /// Fish.
    Fish,
}

/// `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// A command whose own page to print (`hr2pagerduty-COMMAND(1)`), e.g. `plan`.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

const DOCTOR_EXAMPLES: &str = concat!(
    "\
Examples:
  PAGERDUTY_API_KEY=... hr2pagerduty doctor --config samples/config.toml
      Check the key and the account against the configuration; each check says what to do.
  PAGERDUTY_API_KEY=... hr2pagerduty doctor --config samples/config.toml --format json
      The same checks as JSON, for a deployment pipeline.

Environment:",
    env_line!(api_key),
    env_line!(api_url),
    env_line!(marker_key),
    env_line!(log),
    "

Exit codes: 0 every check passed (notes allowed); 1 a check failed (a rejected key
included); 64 usage error (no key); 78 configuration invalid."
);

/// `doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The TOML configuration file.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Connection.
    #[command(flatten)]
    pub connection: Connection,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Logging.
    #[command(flatten)]
    pub log: LogFlags,
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
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<chrono::NaiveDate>,
}

/// `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Configuration and export.
    #[command(flatten)]
    pub inputs: Inputs,
    /// The day of the dates.
    #[command(flatten)]
    pub as_of: AsOf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Logging.
    #[command(flatten)]
    pub log: LogFlags,
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
    /// `PAGERDUTY_API_KEY` (refused, exit 64, when the file, followed through symlinks, is
    /// readable by its group or others).
    #[arg(long, value_name = "PATH")]
    pub api_key_file: Option<PathBuf>,
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
}

/// `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Configuration and export.
    #[command(flatten)]
    pub inputs: Inputs,
    /// Connection.
    #[command(flatten)]
    pub connection: Connection,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Exit 2 when the plan has changes (a plan holding only blocked deactivations
    /// included), 0 when it has none; the other codes stay: 1 the run failed, 3 refused (a
    /// safety check, an incomplete listing), 64 usage error, 65 HR export unusable, 78
    /// configuration invalid, 130 interrupted by SIGINT, 143 stopped by SIGTERM.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Progress bars.
    #[command(flatten)]
    pub progress: ProgressFlag,
    /// Safety overrides.
    #[command(flatten)]
    pub safety: SafetyFlags,
    /// The day of the dates.
    #[command(flatten)]
    pub as_of: AsOf,
    /// Also save the plan, with fingerprints of the inputs and of the PagerDuty state it was
    /// computed from, for `apply --plan FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Colour.
    #[command(flatten)]
    pub color: ColorFlag,
    /// Logging.
    #[command(flatten)]
    pub log: LogFlags,
}

/// `apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The TOML configuration file.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The HR export (CSV). Optional with --plan; when given, it must be the file the plan
    /// was made from.
    #[arg(long, value_name = "FILE", required_unless_present = "plan")]
    pub hr: Option<PathBuf>,
    /// Apply exactly this saved plan (from `plan --out`), after checking that no user it
    /// touches changed since.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Connection.
    #[command(flatten)]
    pub connection: Connection,
    /// Apply without asking. Required when stdin is not a terminal.
    #[arg(long)]
    pub yes: bool,
    /// Progress bars.
    #[command(flatten)]
    pub progress: ProgressFlag,
    /// Write the apply report to FILE, in --report-format (replaced at the start by one
    /// saying the run is in progress, then as actions end).
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
    /// POST a summary of the run (counts, failures, blocked deactivations, refusals) as
    /// Slack-compatible JSON `{"text": ...}` to this webhook at the end; overrides
    /// `[notify] url`. https only (http for loopback); the URL is treated as a secret and
    /// never printed. Given empty (or the variable set but empty) it is a usage error.
    #[arg(long, value_name = "URL", env = crate::config::ENV_NOTIFY_URL, hide_env_values = true, value_parser = notify_url_value)]
    pub notify: Option<String>,
    /// Safety overrides.
    #[command(flatten)]
    pub safety: SafetyFlags,
    /// The day of the dates. With --plan, nothing is recomputed: the saved plan must have
    /// been made as of this day.
    #[command(flatten)]
    pub as_of: AsOf,
    /// Bound the whole run (e.g. `45m`, `1h 30m`): when it runs out no new request starts,
    /// requests in flight finish, actions not started are reported `not_started`; exit 1.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_runtime: Option<Duration>,
    /// After SIGINT or SIGTERM, how long actions in progress may take to finish before they
    /// are abandoned (a second signal exits at once).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "10s")]
    pub grace_period: Duration,
    /// Colour.
    #[command(flatten)]
    pub color: ColorFlag,
    /// Logging.
    #[command(flatten)]
    pub log: LogFlags,
}

/// `--notify` (or `HR2PAGERDUTY_NOTIFY_URL`, which clap passes here when the flag is
/// absent): refused when empty, as an empty `--api-url` is, instead of silently meaning no
/// notification.
fn notify_url_value(text: &str) -> Result<String, String> {
    if !text.trim().is_empty() {
        return Ok(text.to_string());
    }
    let env = crate::config::ENV_NOTIFY_URL;
    let env_empty = std::env::var_os(env).is_some_and(|v| v.to_string_lossy().trim().is_empty());
    Err(if env_empty {
        format!("{env} is set but empty; unset it for no notification, or set the webhook URL")
    } else {
        "--notify is empty; give the webhook URL, or leave the flag out".to_string()
    })
}

/// A humantime duration (`45m`, `10s`, `1h 30m`), above zero.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text).map_err(|e| format!("{text:?}: {e}"))?;
    if d.is_zero() {
        return Err(format!("{text:?}: must be above zero"));
    }
    Ok(d)
}

/// `sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// The simulator's seed (JSON: users, teams, API keys, rate limit, faults).
    #[arg(long, value_name = "FILE")]
    pub seed: PathBuf,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Logging (before the faults, whose help heading would otherwise cover it).
    #[command(flatten)]
    pub log: LogFlags,
    /// Random faults, latency and budget, overriding the seed's `random_faults` and
    /// `rate_limit` field by field.
    #[command(flatten)]
    pub faults: SandboxFaults,
}

/// `sandbox` flags that override the seed's `random_faults` (see `src/sim/random.rs`;
/// percentages are of requests, 0–100, fractions allowed) and its budget.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Faults (override the seed's random_faults)")]
pub struct SandboxFaults {
    /// The fault seed: the same seed and request sequence give the same faults.
    #[arg(long, value_name = "N")]
    pub fault_seed: Option<u64>,
    /// Share answered 500/502/503/504 without running (502-504 as HTML without ratelimit headers).
    #[arg(long = "fault-5xx-percent", value_name = "P")]
    pub fault_5xx_percent: Option<f64>,
    /// Share of connections closed without an answer, without running.
    #[arg(long, value_name = "P")]
    pub fault_drop_percent: Option<f64>,
    /// Share of writes applied, then answered with a 5xx.
    #[arg(long, value_name = "P")]
    pub fault_commit_then_fail_percent: Option<f64>,
    /// Share of writes applied, then left without an answer.
    #[arg(long, value_name = "P")]
    pub fault_commit_then_drop_percent: Option<f64>,
    /// Share starting a storm of 429s with the ratelimit headers.
    #[arg(long = "fault-429-percent", value_name = "P")]
    pub fault_429_percent: Option<f64>,
    /// Share starting a storm of 429s without headers or body.
    #[arg(long = "fault-bare-429-percent", value_name = "P")]
    pub fault_bare_429_percent: Option<f64>,
    /// Requests per 429 storm (at least 1).
    #[arg(long = "fault-429-burst", value_name = "N")]
    pub fault_429_burst: Option<u32>,
    /// Share of answers sent late, after the request ran.
    #[arg(long, value_name = "P")]
    pub fault_slow_percent: Option<f64>,
    /// How late a slow answer comes, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub fault_slow_ms: Option<u64>,
    /// Share of overlapping POST /users refused with PagerDuty's transient account-lock error.
    #[arg(long, value_name = "P")]
    pub fault_lock_contention_percent: Option<f64>,
    /// Delay of every answer, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub latency_ms: Option<u64>,
    /// Uniform jitter around --latency-ms, in milliseconds (plus or minus).
    #[arg(long, value_name = "MS")]
    pub latency_jitter_ms: Option<u64>,
    /// Milliseconds before a created user shows in GET /users listings.
    #[arg(long, value_name = "MS")]
    pub list_lag_ms: Option<u64>,
    /// The per-key budget in requests per minute (replaces the seed's rate_limit window).
    #[arg(long, value_name = "N")]
    pub requests_per_minute: Option<u32>,
}

/// `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Write the apply report to FILE, in --report-format.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// The format of --report FILE: json, csv or markdown (as for `apply`).
    #[arg(
        long,
        value_enum,
        default_value_t,
        value_name = "FORMAT",
        requires = "report"
    )]
    pub report_format: ReportFormat,
    /// Progress bars.
    #[command(flatten)]
    pub progress: ProgressFlag,
    /// Colour.
    #[command(flatten)]
    pub color: ColorFlag,
    /// Logging.
    #[command(flatten)]
    pub log: LogFlags,
}

/// `--no-progress`, on the commands that draw progress bars (plan, apply, demo).
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct ProgressFlag {
    /// Never draw progress bars (they are drawn on stderr only when it is a terminal, and
    /// never with -v or --log-format json).
    #[arg(long)]
    pub no_progress: bool,
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

/// `--color`: when the text plan on stdout is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal, `NO_COLOR` is unset or empty, and `TERM` is not `dumb`.
    #[default]
    Auto,
    /// Always, even with `NO_COLOR` set or stdout piped.
    Always,
    /// Never.
    Never,
}
