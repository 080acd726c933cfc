//! The TOML configuration: how to read the HR export, which PagerDuty roles and teams rules
//! assign, lifecycle policy, and safety limits.
//!
//! Loading is two steps, as in ripgrep's low/high argument split: serde decodes the file
//! with `deny_unknown_fields` (so a misspelt key is an error naming the key and its line),
//! then [`Config::validate`] checks what serde cannot (roles in PagerDuty's enum, rule keys
//! that name mapped columns, time zones PagerDuty accepts) and reports each problem with its
//! key and line. Every key is documented in README.md § Configuration and in
//! `samples/config.toml`.
//!
//! Values that come from elsewhere (the API URL, the key) are layered by [`Settings`]:
//! command-line flags override the environment, which overrides the file.

use crate::email::Email;
use crate::vocab::time_zones::is_valid_time_zone;
use crate::vocab::{Role, SUSPENDED_ROLES, TeamRole};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// PagerDuty's documented per-key budget: 960 requests per minute for an account API key.
/// Source: developer docs "REST API Rate Limits" (S7), fact F27 in `PAGERDUTY_API.md`.
pub const PAGERDUTY_REQUESTS_PER_MINUTE: u32 = 960;
/// Default client-side budget in requests per minute, a little under PagerDuty's 960 so a
/// second tool on the same key still has room.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 900;
/// Default number of requests in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Default burst of the shared limiter, in requests: how many may go out back to back after a
/// quiet spell. With 900/min this keeps any 60-second window under PagerDuty's 960.
pub const DEFAULT_BURST: u32 = 10;
/// Default time allowed for one HTTP request, in seconds.
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u64 = 30;
/// PagerDuty's US service region (fact F1).
pub const DEFAULT_API_URL: &str = "https://api.pagerduty.com";
/// Environment variable holding the API key.
pub const ENV_API_KEY: &str = "PAGERDUTY_API_KEY";
/// Environment variable overriding the API base URL.
pub const ENV_API_URL: &str = "PAGERDUTY_API_URL";

/// A loaded and validated configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[pagerduty]`: how to talk to the API.
    pub pagerduty: PagerDutyConfig,
    /// `[hr]`: how to read the HR export.
    pub hr: HrConfig,
    /// `[lifecycle]`: suspension, protection and unmanaged users.
    pub lifecycle: LifecycleConfig,
    /// `[roles]`: base role rules.
    pub roles: RolesConfig,
    /// `[teams]`: team membership rules.
    #[serde(default)]
    pub teams: TeamsConfig,
    /// `[safety]`: limits that refuse a run before any write.
    #[serde(default)]
    pub safety: SafetyConfig,
    /// Where the file was read from (not a key).
    #[serde(skip)]
    pub path: PathBuf,
}

/// `[pagerduty]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagerDutyConfig {
    /// Email of an existing user, sent as the `From` header on `POST /users` (fact F6).
    pub from: Spanned<String>,
    /// Client-side budget in requests per minute, 1–960 (PagerDuty allows 960 per key).
    #[serde(default = "default_rpm")]
    pub requests_per_minute: Spanned<u32>,
    /// Requests in flight at most, 1–64.
    #[serde(default = "default_concurrency")]
    pub concurrency: Spanned<usize>,
    /// Limiter burst in requests; default [`DEFAULT_BURST`].
    #[serde(default = "default_burst")]
    pub burst: Spanned<u32>,
    /// Time allowed for one HTTP request, in seconds, 1–300.
    #[serde(default = "default_timeout")]
    pub request_timeout_seconds: Spanned<u64>,
    /// API base URL; `PAGERDUTY_API_URL` and `--api-url` override it.
    #[serde(default)]
    pub api_url: Option<String>,
}

fn default_rpm() -> Spanned<u32> {
    Spanned::new(0..0, DEFAULT_REQUESTS_PER_MINUTE)
}
fn default_concurrency() -> Spanned<usize> {
    Spanned::new(0..0, DEFAULT_CONCURRENCY)
}
fn default_burst() -> Spanned<u32> {
    Spanned::new(0..0, DEFAULT_BURST)
}
fn default_timeout() -> Spanned<u64> {
    Spanned::new(0..0, DEFAULT_REQUEST_TIMEOUT_SECONDS)
}

/// Text encoding of the HR export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Encoding {
    /// UTF-8 (a BOM is stripped). Invalid bytes refuse the file.
    #[serde(rename = "utf-8", alias = "utf8", alias = "UTF-8")]
    Utf8,
    /// Windows-1252, decoded with `encoding_rs`.
    #[serde(rename = "windows-1252", alias = "cp1252", alias = "Windows-1252")]
    Windows1252,
}

/// How a single full-name column is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameOrder {
    /// `First [Middle] Last`: the last word is the last name.
    FirstLast,
    /// `Last, First [Middle]`, as in HRDataset_v14's `Employee_Name`.
    LastCommaFirst,
}

/// `[hr]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HrConfig {
    /// Field delimiter: `,` (default), `;`, `|`, or a tab (`"\t"` or `"tab"`).
    #[serde(default)]
    pub delimiter: Option<Spanned<String>>,
    /// Text encoding; default UTF-8.
    #[serde(default = "default_encoding")]
    pub encoding: Encoding,
    /// One strict chrono/strftime format for every mapped date column, e.g. `%d-%b-%y`.
    #[serde(default)]
    pub date_format: Option<Spanned<String>>,
    /// Builds the email of exports without an email column: `{first}` and `{last}`.
    #[serde(default)]
    pub email_template: Option<Spanned<String>>,
    /// Layout of `columns.full_name`; default `first_last`.
    #[serde(default)]
    pub name_order: Option<NameOrder>,
    /// `[hr.columns]`: header name in the export for each field.
    pub columns: Spanned<Columns>,
    /// `[hr.status]`: export status values to lifecycle states.
    #[serde(default)]
    pub status: StatusMap,
    /// `[hr.attributes]`: extra columns rules may test, attribute name → header name.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

fn default_encoding() -> Encoding {
    Encoding::Utf8
}

impl HrConfig {
    /// The delimiter byte, after validation.
    pub fn delimiter_byte(&self) -> u8 {
        match self.delimiter.as_ref().map(|d| d.get_ref().as_str()) {
            Some(";") => b';',
            Some("|") => b'|',
            Some("\t") | Some("tab") => b'\t',
            _ => b',',
        }
    }
}

/// `[hr.columns]`: header names, matched after trimming. Map only columns the export has.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    /// Employee ID; required. The stable key hr2pagerduty records in its ownership marker.
    pub employee_id: String,
    /// Work email; or use `[hr] email_template`.
    #[serde(default)]
    pub email: Option<String>,
    /// First (given) name; with `last_name`, or use `full_name`.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last (family) name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Full name in one column; see `[hr] name_order`.
    #[serde(default)]
    pub full_name: Option<String>,
    /// Employment status; without it every row is active.
    #[serde(default)]
    pub status: Option<String>,
    /// Job title, synced to PagerDuty's `job_title`.
    #[serde(default)]
    pub job_title: Option<String>,
    /// Department, for rules.
    #[serde(default)]
    pub department: Option<String>,
    /// Time zone; when mapped it is kept in sync.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Hire date (parsed with `date_format`).
    #[serde(default)]
    pub hire_date: Option<String>,
    /// Termination date (parsed with `date_format`).
    #[serde(default)]
    pub termination_date: Option<String>,
}

impl Columns {
    /// `(field, header)` for every mapped column, in a fixed order.
    pub fn mapped(&self) -> Vec<(&'static str, &str)> {
        let mut out = vec![("employee_id", self.employee_id.as_str())];
        let optional: [(&'static str, &Option<String>); 10] = [
            ("email", &self.email),
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
            ("full_name", &self.full_name),
            ("status", &self.status),
            ("job_title", &self.job_title),
            ("department", &self.department),
            ("time_zone", &self.time_zone),
            ("hire_date", &self.hire_date),
            ("termination_date", &self.termination_date),
        ];
        for (field, header) in optional {
            if let Some(h) = header {
                out.push((field, h.as_str()));
            }
        }
        out
    }
}

/// `[hr.status]`: export status values (trimmed, compared case-insensitively) per state.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusMap {
    /// Values meaning the employee works here (including a leave of absence).
    #[serde(default)]
    pub active: Vec<String>,
    /// Values meaning the employee left.
    #[serde(default)]
    pub terminated: Vec<String>,
    /// Values meaning a future hire that is not provisioned yet.
    #[serde(default)]
    pub pending: Vec<String>,
}

/// What happens to PagerDuty users that carry no marker and match no HR row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmanagedUsers {
    /// Leave them alone and say nothing (default).
    #[default]
    Ignore,
    /// Leave them alone, and list them in the plan so someone can look.
    Report,
}

/// `[lifecycle]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleConfig {
    /// Base role a suspended (deactivated) user gets, e.g. `read_only_limited_user`.
    pub suspended_role: Spanned<Role>,
    /// Emails never changed, whatever HR says (the bot in `from` belongs here).
    #[serde(default)]
    pub protected: Vec<Spanned<String>>,
    /// What to do with users with no marker and no HR row.
    #[serde(default)]
    pub unmanaged_users: UnmanagedUsers,
    /// Time zone set on create when the export has no time zone column.
    pub default_time_zone: Spanned<String>,
}

impl LifecycleConfig {
    /// The protected emails, normalised.
    pub fn protected_emails(&self) -> Vec<Email> {
        self.protected
            .iter()
            .map(|s| Email::normalise(s.get_ref()))
            .collect()
    }
}

/// A rule's condition value: one string or a list meaning "any of".
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One accepted value.
    One(String),
    /// Any of these values.
    Many(Vec<String>),
}

impl OneOrMany {
    /// True when `value` equals one of the accepted values, both trimmed and compared
    /// case-insensitively.
    pub fn matches(&self, value: &str) -> bool {
        let v = value.trim();
        let eq = |a: &String| a.trim().to_lowercase() == v.to_lowercase();
        match self {
            OneOrMany::One(a) => eq(a),
            OneOrMany::Many(list) => list.iter().any(eq),
        }
    }
}

/// `when = { field = value | [values] }`: every key must match; a missing or empty table
/// matches everyone. Keys are mapped fields or `[hr.attributes]` names.
pub type Condition = BTreeMap<String, OneOrMany>;

/// `[roles]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolesConfig {
    /// Base role of a managed user no rule matches.
    pub default: Spanned<Role>,
    /// `[[roles.rule]]`: the first matching rule wins.
    #[serde(default)]
    pub rule: Vec<Spanned<RoleRule>>,
}

/// One `[[roles.rule]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRule {
    /// The condition.
    #[serde(default)]
    pub when: Condition,
    /// The base role it gives.
    pub role: Spanned<Role>,
}

/// `[teams]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamsConfig {
    /// `[[teams.rule]]`: every matching rule gives a membership.
    #[serde(default)]
    pub rule: Vec<Spanned<TeamRule>>,
}

/// One `[[teams.rule]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamRule {
    /// The condition.
    #[serde(default)]
    pub when: Condition,
    /// Team name or ID.
    pub team: String,
    /// Team role: observer, responder or manager; always sent explicitly.
    pub role: Spanned<TeamRole>,
}

/// `[safety]`: limits checked before the first write. Defaults are the `DEFAULT_*` values
/// in this module; README § Safety lists them with their overrides.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetyConfig {
    /// Refuse when more than this share of rows (percent) fail validation.
    #[serde(default = "d_invalid")]
    pub max_invalid_rows_percent: f64,
    /// Refuse when more users than this would be deactivated.
    #[serde(default = "d_deact")]
    pub max_deactivations: usize,
    /// Refuse when more than this share (percent) of managed users would be deactivated;
    /// applies only above [`PERCENT_CAPS_MIN_USERS`] managed users.
    #[serde(default = "d_deact_pct")]
    pub max_deactivation_percent: f64,
    /// Refuse when more suspended users than this would be reactivated (a status value
    /// mapped to the wrong state brings leavers back).
    #[serde(default = "d_react")]
    pub max_reactivations: usize,
    /// Share (percent) version of `max_reactivations`, same 50-user floor.
    #[serde(default = "d_react_pct")]
    pub max_reactivation_percent: f64,
    /// Refuse when more updates than this would change a base role.
    #[serde(default = "d_role")]
    pub max_role_changes: usize,
    /// Share (percent) version of `max_role_changes`, same 50-user floor.
    #[serde(default = "d_role_pct")]
    pub max_role_change_percent: f64,
    /// Refuse when the export's active count is this many percent below the active users
    /// the job manages.
    #[serde(default = "d_shrink")]
    pub max_shrink_percent: f64,
    /// Directory for the apply lock file; default: the config file's directory.
    #[serde(default)]
    pub lock_dir: Option<PathBuf>,
}

/// Default `max_invalid_rows_percent`.
pub const DEFAULT_MAX_INVALID_ROWS_PERCENT: f64 = 5.0;
/// Default `max_deactivations`.
pub const DEFAULT_MAX_DEACTIVATIONS: usize = 25;
/// Default `max_deactivation_percent`.
pub const DEFAULT_MAX_DEACTIVATION_PERCENT: f64 = 10.0;
/// Default `max_reactivations`.
pub const DEFAULT_MAX_REACTIVATIONS: usize = 25;
/// Default `max_reactivation_percent`.
pub const DEFAULT_MAX_REACTIVATION_PERCENT: f64 = 10.0;
/// Default `max_role_changes`.
pub const DEFAULT_MAX_ROLE_CHANGES: usize = 25;
/// Default `max_role_change_percent`.
pub const DEFAULT_MAX_ROLE_CHANGE_PERCENT: f64 = 10.0;
/// Default `max_shrink_percent`.
pub const DEFAULT_MAX_SHRINK_PERCENT: f64 = 10.0;
/// Percentage caps apply only above this many managed users.
pub const PERCENT_CAPS_MIN_USERS: usize = 50;

fn d_invalid() -> f64 {
    DEFAULT_MAX_INVALID_ROWS_PERCENT
}
fn d_deact() -> usize {
    DEFAULT_MAX_DEACTIVATIONS
}
fn d_deact_pct() -> f64 {
    DEFAULT_MAX_DEACTIVATION_PERCENT
}
fn d_react() -> usize {
    DEFAULT_MAX_REACTIVATIONS
}
fn d_react_pct() -> f64 {
    DEFAULT_MAX_REACTIVATION_PERCENT
}
fn d_role() -> usize {
    DEFAULT_MAX_ROLE_CHANGES
}
fn d_role_pct() -> f64 {
    DEFAULT_MAX_ROLE_CHANGE_PERCENT
}
fn d_shrink() -> f64 {
    DEFAULT_MAX_SHRINK_PERCENT
}

impl Default for SafetyConfig {
    fn default() -> Self {
        SafetyConfig {
            max_invalid_rows_percent: d_invalid(),
            max_deactivations: d_deact(),
            max_deactivation_percent: d_deact_pct(),
            max_reactivations: d_react(),
            max_reactivation_percent: d_react_pct(),
            max_role_changes: d_role(),
            max_role_change_percent: d_role_pct(),
            max_shrink_percent: d_shrink(),
            lock_dir: None,
        }
    }
}

/// Fields a rule's `when` may test, besides `[hr.attributes]` names. Each must be mapped in
/// `[hr.columns]` (or, for `email`, produced by `email_template`).
pub const RULE_FIELDS: &[&str] = &[
    "employee_id",
    "email",
    "first_name",
    "last_name",
    "status",
    "job_title",
    "department",
    "time_zone",
];

/// A configuration that cannot be used: unreadable, not TOML, an unknown key, or a value
/// that fails validation. Exit code 78.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// TOML syntax, an unknown key, a missing key or a wrongly typed value. The message
    /// from the `toml` crate names the key and shows the line.
    #[error("invalid configuration {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// `toml`'s message, with line and column.
        message: String,
    },
    /// One or more values failed validation.
    #[error("invalid configuration {path}:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Each problem with its key and line.
        problems: Vec<ConfigProblem>,
    },
}

/// One validation problem: the key, the line it is on (1-based, when known) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Dotted key, e.g. `roles.rule[2].role`.
    pub key: String,
    /// 1-based line of the key, when known.
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: `{}`: {}", self.key, self.message),
            None => write!(f, "`{}`: {}", self.key, self.message),
        }
    }
}

impl Config {
    /// Reads, parses and validates the file at `path`.
    ///
    /// # Errors
    /// [`ConfigError`]: unreadable file, TOML error or unknown key (with its line), or
    /// validation problems (each with its key and line).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_toml(&text, path)
    }

    /// Parses and validates `text`; `path` is used in messages and to place the lock file.
    ///
    /// # Errors
    /// As [`Config::load`], without the read error.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        cfg.path = path.to_path_buf();
        let problems = cfg.validate(text);
        if problems.is_empty() {
            Ok(cfg)
        } else {
            Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                problems,
            })
        }
    }

    /// Checks what serde cannot; returns every problem found (empty when valid). `text` is
    /// the source, used to turn byte spans into line numbers.
    pub fn validate(&self, text: &str) -> Vec<ConfigProblem> {
        let line = |span: std::ops::Range<usize>| -> Option<usize> {
            if span.is_empty() && span.start == 0 {
                None
            } else {
                Some(text[..span.start.min(text.len())].matches('\n').count() + 1)
            }
        };
        let mut out = Vec::new();
        let mut bad = |key: &str, span: std::ops::Range<usize>, message: String| {
            out.push(ConfigProblem {
                key: key.to_string(),
                line: line(span),
                message,
            });
        };

        // [pagerduty]
        let pd = &self.pagerduty;
        if let Err(e) = Email::parse(pd.from.get_ref()) {
            bad(
                "pagerduty.from",
                pd.from.span(),
                format!("{e}; it must be the email of an existing PagerDuty user"),
            );
        }
        let rpm = *pd.requests_per_minute.get_ref();
        if rpm == 0 || rpm > PAGERDUTY_REQUESTS_PER_MINUTE {
            bad(
                "pagerduty.requests_per_minute",
                pd.requests_per_minute.span(),
                format!(
                    "{rpm} is outside 1..=960; PagerDuty allows 960 requests per minute per key"
                ),
            );
        }
        let conc = *pd.concurrency.get_ref();
        if conc == 0 || conc > 64 {
            bad(
                "pagerduty.concurrency",
                pd.concurrency.span(),
                format!("{conc} is outside 1..=64"),
            );
        }
        let burst = *pd.burst.get_ref();
        if burst == 0 || burst > 60 {
            bad(
                "pagerduty.burst",
                pd.burst.span(),
                format!("{burst} is outside 1..=60"),
            );
        }
        let timeout = *pd.request_timeout_seconds.get_ref();
        if !(1..=300).contains(&timeout) {
            bad(
                "pagerduty.request_timeout_seconds",
                pd.request_timeout_seconds.span(),
                format!("{timeout} is outside 1..=300 seconds"),
            );
        }
        if let Some(url) = &pd.api_url
            && let Err(e) = check_api_url(url)
        {
            bad("pagerduty.api_url", 0..0, e);
        }
        if rpm.saturating_add(burst) > PAGERDUTY_REQUESTS_PER_MINUTE {
            bad(
                "pagerduty.requests_per_minute",
                pd.requests_per_minute.span(),
                format!(
                    "{rpm} plus a burst of {burst} can put {} requests in one minute, above PagerDuty's {PAGERDUTY_REQUESTS_PER_MINUTE} per key; lower requests_per_minute or burst",
                    rpm + burst
                ),
            );
        }

        // [hr]
        let hr = &self.hr;
        if let Some(d) = &hr.delimiter
            && ![",", ";", "|", "\t", "tab"].contains(&d.get_ref().as_str())
        {
            bad(
                "hr.delimiter",
                d.span(),
                format!("{:?} is not one of \",\" \";\" \"|\" \"tab\"", d.get_ref()),
            );
        }
        let cols = hr.columns.get_ref();
        let cols_span = hr.columns.span();
        if cols.employee_id.trim().is_empty() {
            bad(
                "hr.columns.employee_id",
                cols_span.clone(),
                "must name the employee ID column".into(),
            );
        }
        match (&cols.email, &hr.email_template) {
            (Some(_), Some(t)) => bad(
                "hr.email_template",
                t.span(),
                "set either hr.columns.email or hr.email_template, not both".into(),
            ),
            (None, None) => bad(
                "hr.columns.email",
                cols_span.clone(),
                "map an email column, or set hr.email_template for exports without one".into(),
            ),
            (None, Some(t)) => {
                let tpl = t.get_ref();
                if !tpl.contains('@') || !(tpl.contains("{first}") || tpl.contains("{last}")) {
                    bad(
                        "hr.email_template",
                        t.span(),
                        format!("{tpl:?} needs an @ and at least one of {{first}} {{last}}"),
                    );
                }
                let stripped = tpl.replace("{first}", "").replace("{last}", "");
                if stripped.contains('{') || stripped.contains('}') {
                    bad(
                        "hr.email_template",
                        t.span(),
                        format!("{tpl:?} has a placeholder other than {{first}} and {{last}}"),
                    );
                }
            }
            (Some(_), None) => {}
        }
        let split_names = cols.first_name.is_some() || cols.last_name.is_some();
        match (split_names, &cols.full_name) {
            (true, Some(_)) => bad(
                "hr.columns.full_name",
                cols_span.clone(),
                "map first_name and last_name, or full_name, not both".into(),
            ),
            (false, None) => bad(
                "hr.columns",
                cols_span.clone(),
                "map first_name and last_name, or full_name".into(),
            ),
            (true, None) if cols.first_name.is_none() || cols.last_name.is_none() => bad(
                "hr.columns",
                cols_span.clone(),
                "first_name and last_name must both be mapped".into(),
            ),
            _ => {}
        }
        if hr.name_order.is_some() && cols.full_name.is_none() {
            bad(
                "hr.name_order",
                0..0,
                "applies only with hr.columns.full_name".into(),
            );
        }
        let mut seen_headers: BTreeMap<String, &str> = BTreeMap::new();
        for (field, header) in cols.mapped() {
            if let Some(other) = seen_headers.insert(header.trim().to_string(), field) {
                bad(
                    &format!("hr.columns.{field}"),
                    cols_span.clone(),
                    format!("header {header:?} is also mapped to {other}"),
                );
            }
        }
        let dates_mapped = cols.hire_date.is_some() || cols.termination_date.is_some();
        match &hr.date_format {
            Some(f) => {
                use chrono::format::{Item, StrftimeItems};
                if StrftimeItems::new(f.get_ref()).any(|i| matches!(i, Item::Error))
                    || f.get_ref().trim().is_empty()
                {
                    bad(
                        "hr.date_format",
                        f.span(),
                        format!("{:?} is not a valid strftime format", f.get_ref()),
                    );
                }
            }
            None if dates_mapped => bad(
                "hr.date_format",
                cols_span.clone(),
                "a date column is mapped; set hr.date_format, e.g. \"%Y-%m-%d\"".into(),
            ),
            None => {}
        }
        let st = &hr.status;
        if cols.status.is_some() && st.active.is_empty() {
            bad(
                "hr.status.active",
                0..0,
                "the status column is mapped; list the values that mean active".into(),
            );
        }
        if cols.status.is_none()
            && !(st.active.is_empty() && st.terminated.is_empty() && st.pending.is_empty())
        {
            bad(
                "hr.status",
                0..0,
                "values are listed but hr.columns.status is not mapped".into(),
            );
        }
        let mut state_of: BTreeMap<String, &str> = BTreeMap::new();
        for (state, values) in [
            ("active", &st.active),
            ("terminated", &st.terminated),
            ("pending", &st.pending),
        ] {
            for v in values {
                if let Some(prev) = state_of.insert(v.trim().to_lowercase(), state)
                    && prev != state
                {
                    bad(
                        &format!("hr.status.{state}"),
                        0..0,
                        format!("{v:?} is also listed under {prev}"),
                    );
                }
            }
        }
        for (name, header) in &hr.attributes {
            if RULE_FIELDS.contains(&name.as_str()) {
                bad(
                    &format!("hr.attributes.{name}"),
                    0..0,
                    "is a built-in field; map it in hr.columns".into(),
                );
            }
            if let Some(other) = seen_headers.insert(header.trim().to_string(), "attribute") {
                bad(
                    &format!("hr.attributes.{name}"),
                    0..0,
                    format!("header {header:?} is also mapped to {other}"),
                );
            }
        }

        // [lifecycle]
        let lc = &self.lifecycle;
        check_role(&mut bad, "lifecycle.suspended_role", &lc.suspended_role);
        if !SUSPENDED_ROLES.contains(lc.suspended_role.get_ref()) {
            bad(
                "lifecycle.suspended_role",
                lc.suspended_role.span(),
                format!(
                    "{:?} would leave a leaver able to act; use one of {}",
                    lc.suspended_role.get_ref().as_str(),
                    SUSPENDED_ROLES
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        if !is_valid_time_zone(lc.default_time_zone.get_ref()) {
            bad(
                "lifecycle.default_time_zone",
                lc.default_time_zone.span(),
                format!(
                    "{:?} is not one of PagerDuty's 135 time zones",
                    lc.default_time_zone.get_ref()
                ),
            );
        }
        for p in &lc.protected {
            if let Err(e) = Email::parse(p.get_ref()) {
                bad("lifecycle.protected", p.span(), e.to_string());
            }
        }

        // [roles] and [teams]
        check_role(&mut bad, "roles.default", &self.roles.default);
        let available = self.rule_fields();
        for (i, rule) in self.roles.rule.iter().enumerate() {
            let key = format!("roles.rule[{}]", i + 1);
            let r = rule.get_ref();
            check_role(&mut bad, &format!("{key}.role"), &r.role);
            check_when(&mut bad, &key, rule.span(), &r.when, &available);
        }
        for (i, rule) in self.teams.rule.iter().enumerate() {
            let key = format!("teams.rule[{}]", i + 1);
            let r = rule.get_ref();
            if r.team.trim().is_empty() {
                bad(&format!("{key}.team"), rule.span(), "names no team".into());
            }
            if !r.role.get_ref().is_known() {
                bad(
                    &format!("{key}.role"),
                    r.role.span(),
                    format!(
                        "{:?} is not a team role; use observer, responder or manager",
                        r.role.get_ref().as_str()
                    ),
                );
            }
            check_when(&mut bad, &key, rule.span(), &r.when, &available);
        }

        // [safety]
        let s = &self.safety;
        for (key, v) in [
            (
                "safety.max_invalid_rows_percent",
                s.max_invalid_rows_percent,
            ),
            (
                "safety.max_deactivation_percent",
                s.max_deactivation_percent,
            ),
            ("safety.max_role_change_percent", s.max_role_change_percent),
            ("safety.max_shrink_percent", s.max_shrink_percent),
        ] {
            if !(0.0..=100.0).contains(&v) {
                bad(key, 0..0, format!("{v} is outside 0..=100"));
            }
        }
        out
    }

    /// The fields rules may test with this configuration: mapped built-in fields (and
    /// `email` when a template builds it) plus `[hr.attributes]` names.
    pub fn rule_fields(&self) -> Vec<String> {
        let cols = self.hr.columns.get_ref();
        let mut out: Vec<String> = cols
            .mapped()
            .into_iter()
            .map(|(f, _)| f.to_string())
            .filter(|f| RULE_FIELDS.contains(&f.as_str()))
            .collect();
        if cols.full_name.is_some() {
            out.push("first_name".into());
            out.push("last_name".into());
        }
        if self.hr.email_template.is_some() {
            out.push("email".into());
        }
        out.extend(self.hr.attributes.keys().cloned());
        out.sort();
        out.dedup();
        out
    }

    /// The directory for the apply lock: `[safety] lock_dir`, else the config's directory.
    pub fn lock_dir(&self) -> PathBuf {
        match &self.safety.lock_dir {
            Some(d) if d.is_absolute() => d.clone(),
            Some(d) => self.base_dir().join(d),
            None => self.base_dir(),
        }
    }

    fn base_dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }
}

fn role_message(role: &Role) -> String {
    if *role == Role::Owner {
        "\"owner\" cannot be given through the API (fact F15)".into()
    } else {
        format!(
            "{:?} is not a PagerDuty base role; use one of {}",
            role.as_str(),
            Role::ALL
                .iter()
                .filter(|r| **r != Role::Owner)
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

fn check_role(
    bad: &mut impl FnMut(&str, std::ops::Range<usize>, String),
    key: &str,
    role: &Spanned<Role>,
) {
    let r = role.get_ref();
    if !r.is_known() || *r == Role::Owner {
        bad(key, role.span(), role_message(r));
    }
}

fn check_when(
    bad: &mut impl FnMut(&str, std::ops::Range<usize>, String),
    key: &str,
    span: std::ops::Range<usize>,
    when: &Condition,
    available: &[String],
) {
    for (field, value) in when {
        if !available.iter().any(|a| a == field) {
            bad(
                &format!("{key}.when.{field}"),
                span.clone(),
                format!(
                    "`{field}` is not a mapped field; rules can test: {}",
                    available.join(", ")
                ),
            );
        }
        if let OneOrMany::Many(v) = value
            && v.is_empty()
        {
            bad(
                &format!("{key}.when.{field}"),
                span.clone(),
                "an empty list matches nobody".into(),
            );
        }
    }
}

/// Checks an API base URL: `https://` with a host, or plain `http://` only to a loopback
/// address (`127.0.0.1`, `::1`, `localhost`: the simulator), since the API key travels in
/// every request's `Authorization` header.
///
/// # Errors
/// A message saying what is wrong with the URL.
pub fn check_api_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    let host = parsed.host_str().unwrap_or("");
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1");
    match parsed.scheme() {
        "https" if !host.is_empty() => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(format!(
            "{url:?} must be an https:// URL (plain http only to 127.0.0.1 or localhost, for the simulator): the API key is sent with every request"
        )),
    }
}

/// Connection settings resolved from flags, environment and file, in that order of
/// precedence. The key is held as a [`secrecy::SecretString`] and never printed.
#[derive(Debug, Clone)]
pub struct Settings {
    /// API base URL without a trailing slash.
    pub api_url: String,
    /// The API key (`PAGERDUTY_API_KEY`).
    pub api_key: secrecy::SecretString,
}

impl Settings {
    /// Resolves the URL (`flag` > `PAGERDUTY_API_URL` > `[pagerduty] api_url` >
    /// [`DEFAULT_API_URL`]) and reads the key from `PAGERDUTY_API_KEY`.
    ///
    /// # Errors
    /// A message naming `PAGERDUTY_API_KEY` when it is unset or empty (a usage error, exit 64).
    pub fn resolve(
        flag_url: Option<&str>,
        env_url: Option<&str>,
        env_key: Option<&str>,
        cfg: &Config,
    ) -> Result<Settings, String> {
        let api_url = flag_url
            .or(env_url.filter(|s| !s.is_empty()))
            .or(cfg.pagerduty.api_url.as_deref())
            .unwrap_or(DEFAULT_API_URL)
            .trim_end_matches('/')
            .to_string();
        check_api_url(&api_url)?;
        let key = env_key
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                format!(
                    "{ENV_API_KEY} is not set or is empty; export the PagerDuty REST API key in it"
                )
            })?;
        Ok(Settings {
            api_url,
            api_key: secrecy::SecretString::from(key.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[pagerduty]
from = "bot@example.com"

[hr]
date_format = "%d-%b-%y"

[hr.columns]
employee_id = "EmpID"
email = "ADEmail"
first_name = "FirstName"
last_name = "LastName"
status = "EmployeeStatus"
department = "DepartmentType"
job_title = "Title"

[hr.status]
active = ["Active", "Leave of Absence"]
terminated = ["Voluntarily Terminated"]

[lifecycle]
suspended_role = "read_only_limited_user"
protected = ["owner@example.com"]
default_time_zone = "America/New_York"

[roles]
default = "limited_user"
[[roles.rule]]
when = { department = "IT/IS", job_title = ["IT Manager - Infra"] }
role = "admin"

[[teams.rule]]
when = { department = "IT/IS" }
team = "IT Operations"
role = "responder"
"#;

    fn load(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml(text, Path::new("cfg.toml"))
    }

    #[test]
    fn a_complete_file_loads_with_defaults() {
        let c = load(GOOD).unwrap();
        assert_eq!(*c.pagerduty.requests_per_minute.get_ref(), 900);
        assert_eq!(*c.pagerduty.concurrency.get_ref(), 4);
        assert_eq!(c.roles.rule.len(), 1);
        assert_eq!(c.safety.max_deactivations, 25);
        assert_eq!(c.hr.delimiter_byte(), b',');
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let text = GOOD.replace("date_format", "date_fromat");
        let err = load(&text).unwrap_err().to_string();
        assert!(err.contains("date_fromat"), "{err}");
        assert!(err.contains("line 6"), "{err}");
    }

    #[test]
    fn bad_role_and_unmapped_rule_field_are_reported_with_lines() {
        let text = GOOD
            .replace("role = \"admin\"", "role = \"superuser\"")
            .replace(
                "when = { department = \"IT/IS\" }",
                "when = { location = \"HQ\" }",
            );
        let err = load(&text).unwrap_err();
        let ConfigError::Invalid { problems, .. } = err else {
            panic!("{err}")
        };
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].key, "roles.rule[1].role");
        assert_eq!(problems[0].line, Some(30));
        assert!(problems[0].message.contains("superuser"));
        assert_eq!(problems[1].key, "teams.rule[1].when.location");
        assert!(problems[1].message.contains("department"));
    }

    #[test]
    fn time_zone_and_rate_are_checked() {
        let text = GOOD.replace("America/New_York", "US/Mountain").replace(
            "from = \"bot@example.com\"",
            "from = \"bot@example.com\"\nrequests_per_minute = 2000",
        );
        let err = load(&text).unwrap_err().to_string();
        assert!(err.contains("US/Mountain"), "{err}");
        assert!(err.contains("960"), "{err}");
    }

    #[test]
    fn settings_precedence_is_flag_then_env_then_file() {
        let mut c = load(GOOD).unwrap();
        c.pagerduty.api_url = Some("https://api.eu.pagerduty.com".into());
        let s = Settings::resolve(None, None, Some("k"), &c).unwrap();
        assert_eq!(s.api_url, "https://api.eu.pagerduty.com");
        let s = Settings::resolve(None, Some("http://127.0.0.1:9/"), Some("k"), &c).unwrap();
        assert_eq!(s.api_url, "http://127.0.0.1:9");
        let s = Settings::resolve(
            Some("http://127.0.0.1:1"),
            Some("http://127.0.0.1:9"),
            Some("k"),
            &c,
        )
        .unwrap();
        assert_eq!(s.api_url, "http://127.0.0.1:1");
        assert!(
            Settings::resolve(None, None, None, &c)
                .unwrap_err()
                .contains("PAGERDUTY_API_KEY")
        );
    }

    #[test]
    fn api_urls_must_be_https_except_to_loopback() {
        assert!(check_api_url("https://api.eu.pagerduty.com").is_ok());
        assert!(check_api_url("http://127.0.0.1:8080").is_ok());
        assert!(check_api_url("http://localhost:1").is_ok());
        assert!(check_api_url("http://[::1]:1").is_ok());
        for bad in [
            "http://api.pagerduty.com",
            "http://127.0.0.1.attacker.example",
            "http://localhost.attacker.example:80",
            "ftp://127.0.0.1",
            "api.pagerduty.com",
        ] {
            assert!(check_api_url(bad).is_err(), "{bad}");
        }
        let c = load(GOOD).unwrap();
        let err = Settings::resolve(Some("http://pagerduty.example.com"), None, Some("k"), &c)
            .unwrap_err();
        assert!(err.contains("https"), "{err}");
    }

    #[test]
    fn a_suspended_role_must_not_let_a_leaver_act_and_the_budget_includes_the_burst() {
        let text = GOOD.replace(
            "suspended_role = \"read_only_limited_user\"",
            "suspended_role = \"limited_user\"",
        );
        let err = load(&text).unwrap_err().to_string();
        assert!(
            err.contains("lifecycle.suspended_role") && err.contains("able to act"),
            "{err}"
        );
        let text = GOOD.replace(
            "from = \"bot@example.com\"",
            "from = \"bot@example.com\"\nrequests_per_minute = 960",
        );
        let err = load(&text).unwrap_err().to_string();
        assert!(err.contains("970 requests in one minute"), "{err}");
    }

    #[test]
    fn condition_values_compare_trimmed_and_case_insensitively() {
        let v = OneOrMany::Many(vec!["IT/IS".into(), "Sales".into()]);
        assert!(v.matches("  it/is "));
        assert!(!v.matches("Production"));
    }
}
