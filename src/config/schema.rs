//! The configuration file as serde reads it: every table with `deny_unknown_fields` (so a
//! misspelt key is an error naming the key and its line), defaults applied, and
//! [`toml::Spanned`] around the values whose checks `super::validate` reports with a line.
//!
//! Nothing outside `config` sees these types. Each keeps, through `serde(expecting)`, the
//! struct name a type error has always printed ("expected struct PagerDutyConfig"), and
//! fields are declared in the order its "expected one of" lists show.

use super::defaults::{
    DEFAULT_BURST, DEFAULT_CONCURRENCY, DEFAULT_CREATE_CONCURRENCY,
    DEFAULT_MAX_INVALID_ROWS_PERCENT, DEFAULT_PROVISION_DAYS_BEFORE_START,
    DEFAULT_RATE_LIMIT_WAIT_SECONDS, DEFAULT_REQUEST_TIMEOUT_SECONDS, DEFAULT_REQUESTS_PER_MINUTE,
    DEFAULT_TERMINATION_CATCH_UP_DAYS,
};
use super::resolved::{
    Columns, Condition, DeactivationMode, Encoding, NameOrder, OnLeave, PastTerminationDate,
    StatusMap, UnmanagedUsers, safety_caps,
};
use crate::vocab::limits::DEFAULT_ONCALL_LOOKAHEAD_DAYS;
use crate::vocab::{Role, TeamRole};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "struct Config")]
pub(super) struct File {
    pub pagerduty: PagerDutyTable,
    pub hr: HrTable,
    pub lifecycle: LifecycleTable,
    pub roles: RolesTable,
    #[serde(default)]
    pub teams: TeamsTable,
    #[serde(default)]
    pub safety: SafetyTable,
    #[serde(default)]
    pub notify: NotifyTable,
}

/// `[notify]`. `Debug` hides the URL: a chat webhook URL is a secret.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "struct NotifyConfig")]
pub(super) struct NotifyTable {
    #[serde(default)]
    pub url: Option<Spanned<String>>,
}

impl std::fmt::Debug for NotifyTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyTable")
            .field("url", &self.url.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

/// `[pagerduty]`. A defaulted value carries the empty span `0..0`, which has no line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "struct PagerDutyConfig")]
pub(super) struct PagerDutyTable {
    pub from: Spanned<String>,
    #[serde(default = "default_rpm")]
    pub requests_per_minute: Spanned<u32>,
    #[serde(default = "default_concurrency")]
    pub concurrency: Spanned<usize>,
    #[serde(default = "default_create_concurrency")]
    pub create_concurrency: Spanned<usize>,
    #[serde(default = "default_burst")]
    pub burst: Spanned<u32>,
    #[serde(default = "default_timeout")]
    pub request_timeout_seconds: Spanned<u64>,
    #[serde(default = "default_rate_limit_wait")]
    pub rate_limit_wait_seconds: Spanned<u64>,
    #[serde(default)]
    pub api_url: Option<String>,
}

fn default_rpm() -> Spanned<u32> {
    Spanned::new(0..0, DEFAULT_REQUESTS_PER_MINUTE)
}
fn default_concurrency() -> Spanned<usize> {
    Spanned::new(0..0, DEFAULT_CONCURRENCY)
}
fn default_create_concurrency() -> Spanned<usize> {
    Spanned::new(0..0, DEFAULT_CREATE_CONCURRENCY)
}
fn default_rate_limit_wait() -> Spanned<u64> {
    Spanned::new(0..0, DEFAULT_RATE_LIMIT_WAIT_SECONDS)
}
fn default_burst() -> Spanned<u32> {
    Spanned::new(0..0, DEFAULT_BURST)
}
fn default_timeout() -> Spanned<u64> {
    Spanned::new(0..0, DEFAULT_REQUEST_TIMEOUT_SECONDS)
}

/// `[hr]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "struct HrConfig")]
pub(super) struct HrTable {
    #[serde(default)]
    pub delimiter: Option<Spanned<String>>,
    #[serde(default)]
    pub encoding: Encoding,
    #[serde(default)]
    pub date_format: Option<Spanned<String>>,
    #[serde(default)]
    pub email_template: Option<Spanned<String>>,
    #[serde(default)]
    pub name_order: Option<NameOrder>,
    pub columns: Spanned<Columns>,
    #[serde(default)]
    pub status: StatusMap,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// `[lifecycle]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "struct LifecycleConfig")]
pub(super) struct LifecycleTable {
    pub suspended_role: Spanned<Role>,
    #[serde(default)]
    pub protected: Vec<Spanned<String>>,
    #[serde(default)]
    pub unmanaged_users: UnmanagedUsers,
    pub default_time_zone: Spanned<String>,
    #[serde(default = "default_provision_days")]
    pub provision_days_before_start: Spanned<i64>,
    #[serde(default)]
    pub past_termination_date: PastTerminationDate,
    #[serde(default = "default_catch_up_days")]
    pub termination_catch_up_days: Spanned<i64>,
    #[serde(default)]
    pub on_leave: OnLeave,
    #[serde(default = "default_deactivate")]
    pub deactivate: Spanned<DeactivationMode>,
    #[serde(default)]
    pub delete_suspended_after_days: Option<Spanned<u32>>,
    #[serde(default)]
    pub archive: Option<Spanned<PathBuf>>,
    #[serde(default = "default_lookahead")]
    pub oncall_lookahead_days: Spanned<i64>,
}

fn default_lookahead() -> Spanned<i64> {
    Spanned::new(0..0, i64::from(DEFAULT_ONCALL_LOOKAHEAD_DAYS))
}

fn default_provision_days() -> Spanned<i64> {
    Spanned::new(0..0, i64::from(DEFAULT_PROVISION_DAYS_BEFORE_START))
}

fn default_catch_up_days() -> Spanned<i64> {
    Spanned::new(0..0, i64::from(DEFAULT_TERMINATION_CATCH_UP_DAYS))
}

fn default_deactivate() -> Spanned<DeactivationMode> {
    Spanned::new(0..0, DeactivationMode::default())
}

/// `[roles]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "struct RolesConfig")]
pub(super) struct RolesTable {
    pub default: Spanned<Role>,
    #[serde(default)]
    pub default_license: Option<Spanned<String>>,
    #[serde(default)]
    pub rule: Vec<Spanned<RoleRuleTable>>,
}

/// One `[[roles.rule]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "struct RoleRule")]
pub(super) struct RoleRuleTable {
    #[serde(default)]
    pub when: Condition,
    pub role: Spanned<Role>,
    #[serde(default)]
    pub license: Option<Spanned<String>>,
}

/// `[teams]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "struct TeamsConfig")]
pub(super) struct TeamsTable {
    #[serde(default)]
    pub rule: Vec<Spanned<TeamRuleTable>>,
}

/// One `[[teams.rule]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "struct TeamRule")]
pub(super) struct TeamRuleTable {
    #[serde(default)]
    pub when: Condition,
    pub team: Spanned<String>,
    pub role: Spanned<TeamRole>,
}

/// Makes [`SafetyTable`] and its defaults from the list of caps [`safety_caps`] passes,
/// between the invalid-rows limit and the lock directory (the order of the keys in
/// serde's "expected one of" message).
macro_rules! safety_table {
    ($($(#[$doc:meta])* $field:ident: $ty:ty = $default:expr,)*) => {
        /// `[safety]`; a key left out takes its default.
        #[derive(Debug, Deserialize)]
        #[serde(default, deny_unknown_fields, expecting = "struct SafetyConfig")]
        pub(super) struct SafetyTable {
            pub max_invalid_rows_percent: f64,
            $(pub $field: $ty,)*
            pub lock_dir: Option<PathBuf>,
        }

        impl Default for SafetyTable {
            fn default() -> Self {
                SafetyTable {
                    max_invalid_rows_percent: DEFAULT_MAX_INVALID_ROWS_PERCENT,
                    $($field: $default,)*
                    lock_dir: None,
                }
            }
        }
    };
}
safety_caps!(safety_table);
