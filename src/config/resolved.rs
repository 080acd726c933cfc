//! The validated configuration everything outside `config` reads: plain values (roles,
//! emails, counts, durations, paths), no spans and no defaults left to apply.
//!
//! [`Config::load`](super::Config::load) produces a [`Config`] only when every check of
//! `super::validate` passed, so a reader may rely on what validation checked: roles are in
//! PagerDuty's enum, the default time zone is one PagerDuty accepts, rule keys name mapped
//! fields, and so on. The value types shared with the file's schema (the `[hr.columns]`
//! table, the status lists, the enums) are defined here and deserialised as they are.

use crate::email::Email;
use crate::vocab::{Role, TeamRole};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use super::defaults::DEFAULT_MAX_INVALID_ROWS_PERCENT;

/// A loaded and validated configuration file; README.md § Configuration documents every
/// key. Build it with [`Config::load`](super::Config::load) or
/// [`Config::from_toml`](super::Config::from_toml).
#[derive(Debug, Clone)]
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
    pub teams: TeamsConfig,
    /// `[safety]`: limits that refuse a run before any write.
    pub safety: SafetyConfig,
    /// `[notify]`: where `apply` sends its summary.
    pub notify: NotifyConfig,
    /// Where the file was read from (not a key); `lock_dir` is resolved against it.
    pub path: PathBuf,
}

/// `[pagerduty]`, validated: the values the commands give the client.
#[derive(Debug, Clone)]
pub struct PagerDutyConfig {
    /// Email of an existing user, normalised (trimmed, lower-cased), sent as the `From`
    /// header on `POST /users` (fact F6).
    pub from: Email,
    /// Client-side budget in requests per minute, 1–1,000,000 (PagerDuty allows 960 per key,
    /// fact F27; the client never exceeds the advertised limit minus the burst, and warns
    /// above 960 unless the server advertises as much).
    pub requests_per_minute: u32,
    /// Requests in flight at most, 1–256; the cap in force follows latency up to it.
    pub concurrency: usize,
    /// Overlapping `POST /users` at most, 1–64; lowered while PagerDuty answers its
    /// transient account lock (fact F30).
    pub create_concurrency: usize,
    /// Requests the limiter lets out back to back after a quiet spell, 1–60.
    pub burst: u32,
    /// Time allowed for one HTTP request, 1–300 seconds (`request_timeout_seconds`).
    pub request_timeout: Duration,
    /// Time the whole run may spend paused by 429s, 1–86,400 seconds
    /// (`rate_limit_wait_seconds`).
    pub rate_limit_wait: Duration,
    /// `api_url` as written in the file (already checked by the https-only URL policy), or
    /// `None`; [`Connection::resolve`](super::Connection::resolve) applies the flag and the
    /// environment over it.
    pub api_url: Option<String>,
}

/// Text encoding of the HR export (`[hr] encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Encoding {
    /// UTF-8 (a BOM is stripped). Invalid bytes refuse the file. The default.
    #[default]
    #[serde(rename = "utf-8", alias = "utf8", alias = "UTF-8")]
    Utf8,
    /// Windows-1252, decoded with `encoding_rs`.
    #[serde(rename = "windows-1252", alias = "cp1252", alias = "Windows-1252")]
    Windows1252,
}

/// How a single full-name column is laid out (`[hr] name_order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameOrder {
    /// `First [Middle] Last`: the last word is the last name. The default.
    #[default]
    FirstLast,
    /// `Last, First [Middle]`, as in HRDataset_v14's `Employee_Name`.
    LastCommaFirst,
}

/// `[hr]`, validated.
#[derive(Debug, Clone)]
pub struct HrConfig {
    /// Field delimiter byte: `b','` (default), `b';'`, `b'|'` or `b'\t'` (`"tab"`).
    pub delimiter: u8,
    /// Text encoding; default UTF-8.
    pub encoding: Encoding,
    /// One strict chrono/strftime format for every mapped date column, e.g. `%d-%b-%y`;
    /// set whenever a date column is mapped.
    pub date_format: Option<String>,
    /// Builds the email of exports without an email column from `{first}` and `{last}`;
    /// set exactly when `columns.email` is not.
    pub email_template: Option<String>,
    /// Layout of `columns.full_name`; default [`NameOrder::FirstLast`].
    pub name_order: NameOrder,
    /// `[hr.columns]`: header name in the export for each field.
    pub columns: Columns,
    /// `[hr.status]`: export status values to lifecycle states.
    pub status: StatusMap,
    /// `[hr.attributes]`: extra columns rules may test, attribute name → header name.
    pub attributes: BTreeMap<String, String>,
}

impl HrConfig {
    /// The fields rules may test with this mapping: mapped built-in fields of
    /// [`RULE_FIELDS`] (`first_name` and `last_name` also when `full_name` is mapped, and
    /// `email` when a template builds it) plus `[hr.attributes]` names; sorted, no
    /// duplicates.
    pub fn rule_fields(&self) -> Vec<String> {
        rule_fields(
            &self.columns,
            self.email_template.is_some(),
            &self.attributes,
        )
    }
}

/// [`HrConfig::rule_fields`] from its parts, so validation can list them before the
/// section is resolved.
pub(super) fn rule_fields(
    cols: &Columns,
    email_template: bool,
    attributes: &BTreeMap<String, String>,
) -> Vec<String> {
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
    if email_template {
        out.push("email".into());
    }
    out.extend(attributes.keys().cloned());
    out.sort();
    out.dedup();
    out
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
    /// Values meaning the employee works here.
    #[serde(default)]
    pub active: Vec<String>,
    /// Values meaning the employee left.
    #[serde(default)]
    pub terminated: Vec<String>,
    /// Values meaning a future hire that is not provisioned yet.
    #[serde(default)]
    pub pending: Vec<String>,
    /// Values meaning a leave of absence (`[lifecycle] on_leave` says what happens).
    #[serde(default)]
    pub leave: Vec<String>,
}

/// What happens to PagerDuty users that carry no marker and match no HR row
/// (`[lifecycle] unmanaged_users`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmanagedUsers {
    /// Leave them alone and say nothing (default).
    #[default]
    Ignore,
    /// Leave them alone, and list them in the plan so someone can look.
    Report,
    /// HR is authoritative for everyone: deactivate (suspend) them like leavers, capped and
    /// checked like every deactivation. Their suspension record carries no employee ID; a
    /// later HR row with their email reactivates them, matched by email.
    Offboard,
}

/// What a termination date before today means on a row whose status says active
/// (`[lifecycle] past_termination_date`). Exports carry stale exit dates, and rehires
/// keep their old ones, so by default the status decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PastTerminationDate {
    /// The status decides: the employee stays active; the plan reports the conflict
    /// (default).
    #[default]
    Status,
    /// The date decides: the employee is a leaver; the plan reports the conflict.
    Date,
}

impl PastTerminationDate {
    /// The value as written in the configuration: `status` or `date`.
    pub fn as_str(self) -> &'static str {
        match self {
            PastTerminationDate::Status => "status",
            PastTerminationDate::Date => "date",
        }
    }
}

/// What happens to the PagerDuty user of an employee on a leave of absence
/// (`[lifecycle] on_leave`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnLeave {
    /// The user stays as it is and is kept in sync like an active employee's (default).
    #[default]
    Keep,
    /// The user is suspended like a leaver's; the return from leave reactivates it as a
    /// rehire does.
    Suspend,
}

/// What happens to a leaver's user (`[lifecycle] deactivate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeactivationMode {
    /// Suspension: the user keeps its PagerDuty ID; the marker records what to restore
    /// (the default).
    #[default]
    Suspend,
    /// Deletion (`DELETE /users/{id}`, the only removal PagerDuty offers, fact F21), after
    /// the user's full record is written to `[lifecycle] archive`.
    Delete,
}

/// `[lifecycle]`, validated.
#[derive(Debug, Clone)]
pub struct LifecycleConfig {
    /// Base role a suspended (deactivated) user gets: one of
    /// [`SUSPENDED_ROLES`](crate::vocab::SUSPENDED_ROLES).
    pub suspended_role: Role,
    /// Emails never changed, whatever HR says, normalised (the bot in `from` belongs here).
    pub protected: BTreeSet<Email>,
    /// What to do with users with no marker and no HR row.
    pub unmanaged_users: UnmanagedUsers,
    /// Time zone set on create when the export has none: one of PagerDuty's 135
    /// ([`crate::vocab::time_zones::TIME_ZONES`]). "Today" is the date in this zone.
    pub default_time_zone: String,
    /// A future hire is created this many days before the hire date (0–365; default 0: on
    /// the hire date).
    pub provision_days_before_start: u32,
    /// Who decides when an active row carries a termination date before today.
    pub past_termination_date: PastTerminationDate,
    /// `termination_catch_up_days` (0–365; default 30): a termination date at most this
    /// many days before today, on a row the status calls active (or on leave) and not
    /// before its hire date, is a scheduled termination still due (overdue), not a
    /// conflict. 0: every past date on such a row is a conflict.
    pub termination_catch_up_days: u32,
    /// What a leave of absence does to the user.
    pub on_leave: OnLeave,
    /// `oncall_lookahead_days`, 1–90: how far ahead an on-call shift blocks a deactivation
    /// (`GET /oncalls` looks at most 90 days ahead).
    pub oncall_lookahead_days: u32,
    /// `deactivate`: suspend (default) or delete leavers.
    pub deactivate: DeactivationMode,
    /// `delete_suspended_after_days` (only with [`DeactivationMode::Suspend`]): a leaver
    /// whose marker says it was suspended at least this many days before today is deleted;
    /// `None` (the default) never.
    pub delete_suspended_after_days: Option<u32>,
    /// `archive`: the JSON Lines file every deleted user's record is written to first, and
    /// rehires are restored from; relative to the configuration file's directory unless
    /// absolute. Set whenever deletion can happen (validation requires it then).
    pub archive: Option<PathBuf>,
}

impl LifecycleConfig {
    /// True when this configuration can delete users: `deactivate = "delete"`, or
    /// `delete_suspended_after_days` set.
    pub fn deletes(&self) -> bool {
        self.deactivate == DeactivationMode::Delete || self.delete_suspended_after_days.is_some()
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
        let eq = |a: &String| crate::words::same_text(a, value);
        match self {
            OneOrMany::One(a) => eq(a),
            OneOrMany::Many(list) => list.iter().any(eq),
        }
    }
}

/// `when = { field = value | [values] }`: every key must match; a missing or empty table
/// matches everyone. Keys are mapped fields or `[hr.attributes]` names.
pub type Condition = BTreeMap<String, OneOrMany>;

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

/// `[roles]`, validated.
#[derive(Debug, Clone)]
pub struct RolesConfig {
    /// Base role of a managed user no rule matches; a documented role other than `owner`.
    pub default: Role,
    /// `default_license`: the licence (an ID or a name, trimmed, not empty) given with the
    /// default role and with every rule that names none; `None` lets PagerDuty pick
    /// (§3.5). Resolved against `GET /licenses` by the planner.
    pub default_license: Option<String>,
    /// `[[roles.rule]]` in file order: the first matching rule wins.
    pub rules: Vec<RoleRule>,
}

/// One `[[roles.rule]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleRule {
    /// The condition; every key names a field rules can test.
    pub when: Condition,
    /// The base role it gives; a documented role other than `owner`.
    pub role: Role,
    /// The licence it gives (an ID or a name, trimmed, not empty); `None` falls back to
    /// [`RolesConfig::default_license`].
    pub license: Option<String>,
}

/// `[teams]`, validated.
#[derive(Debug, Clone, Default)]
pub struct TeamsConfig {
    /// `[[teams.rule]]` in file order: every matching rule gives a membership.
    pub rules: Vec<TeamRule>,
}

/// One `[[teams.rule]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamRule {
    /// The condition; every key names a field rules can test.
    pub when: Condition,
    /// Team name or ID, trimmed and not empty; resolved against the account by the planner.
    pub team: String,
    /// Team role: observer, responder or manager; always sent explicitly.
    pub role: TeamRole,
    /// The 1-based line of its `team` key in the configuration file, for the messages of
    /// mistakes found against the account (a team PagerDuty does not have); `None` for a
    /// rule not read from a file.
    pub line: Option<usize>,
}

/// The list of the `[safety]` caps the planner checks, written once: each as its doc, then
/// `field: type = default`. It calls macro `$then` with the list, so that the schema's
/// `SafetyTable` (keys and defaults), the resolved [`SafetyCaps`] (fields and defaults)
/// and the copy from one to the other (`validate::safety`) are all made from it; the
/// planner's `plan::safety::check` reads this same struct.
macro_rules! safety_caps {
    ($then:ident) => {
        $then! {
            /// Refuse when more users than this would be deactivated.
            max_deactivations: usize = $crate::config::DEFAULT_MAX_DEACTIVATIONS,
            /// Refuse when more than this share (percent, 0–100) of managed users would be
            /// deactivated; applies only above
            /// [`PERCENT_CAPS_MIN_USERS`](crate::config::PERCENT_CAPS_MIN_USERS) managed
            /// users.
            max_deactivation_percent: f64 = $crate::config::DEFAULT_MAX_DEACTIVATION_PERCENT,
            /// Refuse when more suspended users than this would be reactivated (a status
            /// value mapped to the wrong state brings leavers back).
            max_reactivations: usize = $crate::config::DEFAULT_MAX_REACTIVATIONS,
            /// Share (percent) version of `max_reactivations`, same 50-user floor.
            max_reactivation_percent: f64 = $crate::config::DEFAULT_MAX_REACTIVATION_PERCENT,
            /// Refuse when more updates than this would change a base role.
            max_role_changes: usize = $crate::config::DEFAULT_MAX_ROLE_CHANGES,
            /// Share (percent, 0–100) version of `max_role_changes`, same 50-user floor.
            max_role_change_percent: f64 = $crate::config::DEFAULT_MAX_ROLE_CHANGE_PERCENT,
            /// Refuse when the export's active count is this many percent (0–100) below the
            /// active users the job manages.
            max_shrink_percent: f64 = $crate::config::DEFAULT_MAX_SHRINK_PERCENT,
            /// Refuse when more users than this would be deleted (no percentage: a deletion
            /// cannot be undone).
            max_deletions: usize = $crate::config::DEFAULT_MAX_DELETIONS,
            /// Refuse when more planned creates than this look like duplicates of existing
            /// users (same name, no HR row matched that user).
            max_probable_duplicates: usize = $crate::config::DEFAULT_MAX_PROBABLE_DUPLICATES,
            /// Refuse when more HR rows than this are skipped because the user their email
            /// finds carries a marker naming another employee ID (employee IDs that appear
            /// to have changed).
            max_identity_conflicts: usize = $crate::config::DEFAULT_MAX_IDENTITY_CONFLICTS,
            /// Share (percent, 0–100) version of `max_identity_conflicts`, same 50-user
            /// floor.
            max_identity_conflict_percent: f64 =
                $crate::config::DEFAULT_MAX_IDENTITY_CONFLICT_PERCENT,
            /// Refuse when more markers than this would be re-keyed
            /// (`--rekey-employee-ids`).
            max_rekeys: usize = $crate::config::DEFAULT_MAX_REKEYS,
            /// Share (percent, 0–100) version of `max_rekeys`, same 50-user floor.
            max_rekey_percent: f64 = $crate::config::DEFAULT_MAX_REKEY_PERCENT,
        }
    };
}
pub(super) use safety_caps;

/// Makes [`SafetyCaps`] and its defaults from the list [`safety_caps`] passes.
macro_rules! caps_struct {
    ($($(#[$doc:meta])* $field:ident: $ty:ty = $default:expr,)*) => {
        /// The `[safety]` caps the planner checks before the first write (`[safety]`
        /// without the invalid-rows limit, which `hr` applies, and the lock directory).
        /// Each field is the `[safety]` key of the same name (README.md § Safety);
        /// percentages are 0–100. Defaults are the `DEFAULT_*` values of
        /// [`super::defaults`].
        #[derive(Debug, Clone, PartialEq)]
        pub struct SafetyCaps {
            $($(#[$doc])* pub $field: $ty,)*
        }

        impl Default for SafetyCaps {
            /// The documented defaults.
            fn default() -> Self {
                SafetyCaps { $($field: $default,)* }
            }
        }
    };
}
safety_caps!(caps_struct);

/// `[safety]`, validated: limits checked before the first write. Defaults are the
/// `DEFAULT_*` values of [`super::defaults`]; README § Safety lists them with their
/// overrides.
#[derive(Debug, Clone)]
pub struct SafetyConfig {
    /// Refuse when more than this share of rows (percent, 0–100) fail validation.
    pub max_invalid_rows_percent: f64,
    /// The caps the planner checks.
    pub caps: SafetyCaps,
    /// Directory for the apply lock file when `lock_dir` is set (relative to the
    /// configuration file's directory unless absolute); `None` for the machine-wide default
    /// (the user's state directory, see `apply::lock::default_lock_dir`).
    pub lock_dir: Option<PathBuf>,
}

impl Default for SafetyConfig {
    /// The documented defaults (the lock in the machine-wide default directory).
    fn default() -> Self {
        SafetyConfig {
            max_invalid_rows_percent: DEFAULT_MAX_INVALID_ROWS_PERCENT,
            caps: SafetyCaps::default(),
            lock_dir: None,
        }
    }
}

/// `[notify]`, validated.
#[derive(Debug, Clone, Default)]
pub struct NotifyConfig {
    /// `url`: the Slack-compatible webhook `apply` POSTs its summary to, checked by the API
    /// URL's policy; `--notify` and `HR2PAGERDUTY_NOTIFY_URL` override it. Redacted in
    /// `Debug`.
    pub url: Option<super::connection::NotifyUrl>,
}
