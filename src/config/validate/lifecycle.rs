//! `[lifecycle]`: what a suspended user keeps, who is never touched, the default time zone,
//! how far ahead on-call shifts block a deactivation, and whether leavers are deleted (with
//! the archive that deletion needs).

use super::Problems;
use super::rules::check_role;
use super::safety::relative_to_config;
use crate::config::defaults::{
    DEFAULT_TERMINATION_CATCH_UP_DAYS, MAX_ONCALL_LOOKAHEAD_DAYS, MAX_PROVISION_DAYS_BEFORE_START,
    MAX_TERMINATION_CATCH_UP_DAYS, MIN_DELETE_SUSPENDED_AFTER_DAYS,
};
use crate::config::resolved::{DeactivationMode, LifecycleConfig};
use crate::config::schema::LifecycleTable;
use crate::email::Email;
use crate::vocab::SUSPENDED_ROLES;
use crate::vocab::time_zones::is_valid_time_zone;
use std::path::Path;

/// Checks `[lifecycle]`: `suspended_role` is a documented base role other than `owner` and
/// one of [`SUSPENDED_ROLES`] (PAGERDUTY_API.md §3.2); `default_time_zone` is one of
/// PagerDuty's 135 (fact F19); every `protected` entry is an address PagerDuty accepts;
/// `provision_days_before_start` is 0 to [`MAX_PROVISION_DAYS_BEFORE_START`];
/// `termination_catch_up_days` is 0 to [`MAX_TERMINATION_CATCH_UP_DAYS`];
/// `oncall_lookahead_days` is 1–90 (`GET /oncalls` looks at most 90 days ahead, OpenAPI
/// `listOnCalls`); `delete_suspended_after_days` is at least
/// [`MIN_DELETE_SUSPENDED_AFTER_DAYS`] and only set with `deactivate = "suspend"`; `archive`
/// is set (and not empty) whenever deletion can happen, and is resolved against the directory
/// of `path`, the configuration file.
pub(super) fn check(lc: &LifecycleTable, path: &Path, p: &mut Problems<'_>) -> LifecycleConfig {
    check_role(p, "lifecycle.suspended_role", &lc.suspended_role);
    if !SUSPENDED_ROLES.contains(lc.suspended_role.get_ref()) {
        // A name PagerDuty does not know is a vocabulary problem (already recorded as one);
        // a known role that is not a suspended one is not.
        let record = if lc.suspended_role.get_ref().is_known() {
            Problems::at
        } else {
            Problems::vocabulary
        };
        record(
            p,
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
        p.vocabulary(
            "lifecycle.default_time_zone",
            lc.default_time_zone.span(),
            format!(
                "{:?} is not one of PagerDuty's 135 time zones",
                lc.default_time_zone.get_ref()
            ),
        );
    }
    let mut protected = std::collections::BTreeSet::new();
    for e in &lc.protected {
        match Email::parse(e.get_ref()) {
            Ok(email) => {
                protected.insert(email);
            }
            Err(err) => p.at("lifecycle.protected", e.span(), err.to_string()),
        }
    }
    let days = *lc.provision_days_before_start.get_ref();
    let provision_days_before_start = match u32::try_from(days) {
        Ok(d) if d <= MAX_PROVISION_DAYS_BEFORE_START => d,
        _ => {
            p.at(
                "lifecycle.provision_days_before_start",
                lc.provision_days_before_start.span(),
                format!(
                    "{days} is not a number of days from 0 to {MAX_PROVISION_DAYS_BEFORE_START}"
                ),
            );
            0
        }
    };
    let catch_up = *lc.termination_catch_up_days.get_ref();
    let termination_catch_up_days = match u32::try_from(catch_up) {
        Ok(d) if d <= MAX_TERMINATION_CATCH_UP_DAYS => d,
        _ => {
            p.at(
                "lifecycle.termination_catch_up_days",
                lc.termination_catch_up_days.span(),
                format!(
                    "{catch_up} is not a number of days from 0 to {MAX_TERMINATION_CATCH_UP_DAYS}"
                ),
            );
            DEFAULT_TERMINATION_CATCH_UP_DAYS
        }
    };
    let deactivate = *lc.deactivate.get_ref();
    let after_days = lc
        .delete_suspended_after_days
        .as_ref()
        .map(|d| *d.get_ref());
    if let Some(d) = &lc.delete_suspended_after_days {
        if *d.get_ref() < MIN_DELETE_SUSPENDED_AFTER_DAYS {
            p.at(
                "lifecycle.delete_suspended_after_days",
                d.span(),
                format!(
                    "must be at least {MIN_DELETE_SUSPENDED_AFTER_DAYS}; to delete leavers at once, set deactivate = \"delete\""
                ),
            );
        }
        if deactivate == DeactivationMode::Delete {
            p.at(
                "lifecycle.delete_suspended_after_days",
                d.span(),
                "applies only with deactivate = \"suspend\": with \"delete\" every leaver is deleted, suspended or not".into(),
            );
        }
    }
    let deletes = deactivate == DeactivationMode::Delete || after_days.is_some();
    let archive = match &lc.archive {
        Some(a) if a.get_ref().as_os_str().is_empty() => {
            p.at(
                "lifecycle.archive",
                a.span(),
                "is empty; give a file path".into(),
            );
            None
        }
        Some(a) => Some(relative_to_config(a.get_ref(), path)),
        None => {
            if deletes {
                let (key, span) = match &lc.delete_suspended_after_days {
                    Some(d) if deactivate == DeactivationMode::Suspend => {
                        ("lifecycle.delete_suspended_after_days", d.span())
                    }
                    _ => ("lifecycle.deactivate", lc.deactivate.span()),
                };
                p.at(
                    key,
                    span,
                    "deleting users needs [lifecycle] archive = \"PATH\": every deleted user's record (profile, contact methods, notification rules, teams) is written there first, and rehires are restored from it; put it on durable storage that every machine running the job shares".into(),
                );
            }
            None
        }
    };
    let lookahead_given = *lc.oncall_lookahead_days.get_ref();
    let lookahead = match u32::try_from(lookahead_given) {
        Ok(d) if (1..=MAX_ONCALL_LOOKAHEAD_DAYS).contains(&d) => d,
        _ => {
            p.at(
                "lifecycle.oncall_lookahead_days",
                lc.oncall_lookahead_days.span(),
                format!(
                    "{lookahead_given} is outside 1..={MAX_ONCALL_LOOKAHEAD_DAYS} days; PagerDuty lists on-call shifts at most {MAX_ONCALL_LOOKAHEAD_DAYS} days ahead"
                ),
            );
            crate::vocab::limits::DEFAULT_ONCALL_LOOKAHEAD_DAYS
        }
    };
    LifecycleConfig {
        provision_days_before_start,
        past_termination_date: lc.past_termination_date,
        termination_catch_up_days,
        on_leave: lc.on_leave,
        suspended_role: lc.suspended_role.get_ref().clone(),
        protected,
        unmanaged_users: lc.unmanaged_users,
        default_time_zone: lc.default_time_zone.get_ref().clone(),
        deactivate,
        delete_suspended_after_days: after_days,
        archive,
        oncall_lookahead_days: lookahead,
    }
}
