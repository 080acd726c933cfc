//! `[lifecycle]`: what a suspended user keeps, who is never touched, the default time zone,
//! and how far ahead on-call shifts block a deactivation.

use super::Problems;
use super::rules::check_role;
use crate::config::defaults::{MAX_ONCALL_LOOKAHEAD_DAYS, MAX_PROVISION_DAYS_BEFORE_START};
use crate::config::resolved::LifecycleConfig;
use crate::config::schema::LifecycleTable;
use crate::email::Email;
use crate::vocab::SUSPENDED_ROLES;
use crate::vocab::time_zones::is_valid_time_zone;

/// Checks `[lifecycle]`: `suspended_role` is a documented base role other than `owner` and
/// one of [`SUSPENDED_ROLES`] (PAGERDUTY_API.md §3.2); `default_time_zone` is one of
/// PagerDuty's 135 (fact F19); every `protected` entry is an address PagerDuty accepts;
/// `provision_days_before_start` is 0 to [`MAX_PROVISION_DAYS_BEFORE_START`];
/// `oncall_lookahead_days` is 1–90 (`GET /oncalls` looks at most 90 days ahead, OpenAPI
/// `listOnCalls`).
pub(super) fn check(lc: &LifecycleTable, p: &mut Problems<'_>) -> LifecycleConfig {
    check_role(p, "lifecycle.suspended_role", &lc.suspended_role);
    if !SUSPENDED_ROLES.contains(lc.suspended_role.get_ref()) {
        p.at(
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
        p.at(
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
            crate::config::defaults::DEFAULT_ONCALL_LOOKAHEAD_DAYS
        }
    };
    LifecycleConfig {
        provision_days_before_start,
        past_termination_date: lc.past_termination_date,
        on_leave: lc.on_leave,
        suspended_role: lc.suspended_role.get_ref().clone(),
        protected,
        unmanaged_users: lc.unmanaged_users,
        default_time_zone: lc.default_time_zone.get_ref().clone(),
        oncall_lookahead_days: lookahead,
    }
}
