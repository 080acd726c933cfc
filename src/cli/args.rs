//! One argument struct per command (`validate`, `doctor`, `plan`, `apply`, `sandbox`,
//! `demo`, `completions`, `man`), made of its own flags and the shared groups of
//! [`super::flags`].

use super::flags::{
    AsOf, ColorFlag, Connection, Format, Inputs, LogFlags, ProgressFlag, ReportFlags, SafetyFlags,
};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// `-v` on `validate`, which sends no request: what its logging holds.
const VALIDATE_VERBOSE: &str = "More logging on stderr: -v for info (the configuration and \
    the export read, with the export's row counts); validate sends no request, so -vv adds \
    nothing; RUST_LOG overrides";

/// `-v` on `doctor`, which lists nothing and plans nothing: what its logging holds.
const DOCTOR_VERBOSE: &str = "More logging on stderr: -v for info (the requests sent and the \
    rate-limit budget left), -vv for debug (every request); RUST_LOG overrides";

/// `-v` on `sandbox`: what the simulator's logging holds.
const SANDBOX_VERBOSE: &str = "More logging on stderr: -v for info (the seed read, with its \
    counts of users and teams), -vv for debug (every request the simulator answers, with its \
    method, path and status); RUST_LOG overrides";

/// `validate`.
#[derive(Debug, Args)]
#[command(mut_arg("verbose", |a| a.help(VALIDATE_VERBOSE)))]
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

/// `doctor`.
#[derive(Debug, Args)]
#[command(mut_arg("verbose", |a| a.help(DOCTOR_VERBOSE)))]
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
    /// The apply report file.
    #[command(flatten)]
    pub report: ReportFlags,
    /// POST a summary of the run (counts, failures, blocked deactivations, refusals) as
    /// Slack-compatible JSON `{"text": ...}` to this webhook at the end; overrides
    /// `[notify] url`. https only (http for loopback); the URL is treated as a secret and
    /// never printed. Prefer `HR2PAGERDUTY_NOTIFY_URL`: a command line is visible to
    /// every user of the machine (ps). Given empty (or the variable set but empty) it is a
    /// usage error.
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
#[command(mut_arg("verbose", |a| a.help(SANDBOX_VERBOSE)))]
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
    /// The apply report file.
    #[command(flatten)]
    pub report: ReportFlags,
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

/// The commands `man` prints a page of (`hr2pagerduty-COMMAND(1)`): every subcommand,
/// clap's `help` included, named as possible values so that shell completion offers them
/// after `man` (a unit test keeps the list equal to the subcommands).
pub const MAN_PAGES: [&str; 9] = [
    "validate",
    "plan",
    "apply",
    "sandbox",
    "demo",
    "doctor",
    "completions",
    "man",
    "help",
];

/// `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// A command whose own page to print (`hr2pagerduty-COMMAND(1)`), e.g. `plan`.
    #[arg(value_name = "COMMAND", value_parser = clap::builder::PossibleValuesParser::new(MAN_PAGES))]
    pub command: Option<String>,
}
