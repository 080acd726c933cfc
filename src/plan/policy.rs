//! [`Policy`]: everything the planner reads from the configuration, as plain values.
//!
//! The planner never sees the whole [`Config`]: how the export is read, the request budget
//! and the API connection are other modules' business. A `Policy` is built once per run
//! with [`Policy::from_config`], and the caps a finished plan is checked against are the
//! configuration's [`SafetyCaps`](crate::config::SafetyCaps) (`[safety]` without what is not the planner's business:
//! the invalid-rows limit, which `hr` applies, and the lock directory, which the commands
//! use), which [`super::safety::check`] takes; tests may build either field by field. This is the one file of the planner that reads the configuration itself
//! (ARCHITECTURE.md gives it a row of its own); the rest of `plan` imports only the
//! configuration's vocabulary (`DeactivationMode`, `OnLeave`, ...).
//!
//! Two shapes are the configuration's own, reused rather than copied: the caps are
//! `config::SafetyCaps` itself (named so, not under a second name), and [`Rules`] holds
//! `config::RoleRule` and `config::TeamRule`.
//! Both are already plain, validated, span-free values whose fields are exactly what the
//! planner reads (the caps, a rule's conditions and what it gives); a copy would be a
//! second list of the same fields to keep in step with the `[safety]`, `[roles]` and
//! `[teams]` schemas. This file is where that coupling is allowed (its row imports all of
//! `config`).

use crate::config::{
    Config, DeactivationMode, OnLeave, PastTerminationDate, RoleRule, TeamRule, UnmanagedUsers,
};
use crate::email::Email;
use crate::vocab::Role;
use std::collections::BTreeSet;

/// The configuration as the planner uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// `[pagerduty] from`, normalised: the user named in the `From` header of
    /// `POST /users` (fact F6); the plan refuses when the account lacks it.
    pub from: Email,
    /// `[lifecycle] suspended_role`: the base role a leaver keeps (one of
    /// [`SUSPENDED_ROLES`](crate::vocab::SUSPENDED_ROLES)).
    pub suspended_role: Role,
    /// `[lifecycle] protected`, normalised: users never changed.
    pub protected: BTreeSet<Email>,
    /// `[lifecycle] unmanaged_users`: whether users with no marker and no HR row are
    /// left alone, listed in the plan's notes, or deactivated (`offboard`).
    pub unmanaged_users: UnmanagedUsers,
    /// `[lifecycle] default_time_zone`: set on create when the employee has no time zone;
    /// one of PagerDuty's 135 (fact F19).
    pub default_time_zone: String,
    /// True when `[hr.columns] job_title` is mapped: job titles are then kept in sync
    /// (an empty cell clears PagerDuty's), otherwise never touched on update.
    pub sync_job_title: bool,
    /// `[roles]` and `[[teams.rule]]`, for [`ResolvedRules`](super::rules::ResolvedRules).
    pub rules: Rules,
    /// `--rekey-employee-ids` (a run option, not a key; `false` from the configuration):
    /// an HR row whose email finds a user whose marker names an employee the export no
    /// longer lists re-keys that marker instead of being skipped.
    pub rekey_employee_ids: bool,
    /// `--finish-marker-migration` (a run option; `false` from the configuration): unsigned
    /// markers are trusted and signed as on the first run with `PAGERDUTY_MARKER_KEY`,
    /// although other markers of the account verify, to finish a first keyed apply that
    /// stopped part-way (README.md § Marker integrity). A user without a marker found by
    /// email, or by an unsigned marker its email confirms, is still guarded as in any
    /// signed account: the flag never lets an adoption raise a user's access.
    pub finish_marker_migration: bool,
    /// `--allow-new-marker-key` (a run option; `false` from the configuration): the key is
    /// new and verifies none of the signed markers (the old key is lost). Markers carrying
    /// a `sig` then still make the account a signed one for the guard on adoptions by email
    /// ([`SkipCause::UnconfirmedAdoption`](crate::plan::SkipCause::UnconfirmedAdoption)).
    pub allow_new_marker_key: bool,
    /// `--allow-unsigned-run` (a run option; `false` from the configuration): signing
    /// stopped on purpose. Without it, a run without `PAGERDUTY_MARKER_KEY` in an account
    /// where some marker carries a `sig` reads every marker as unverified: a match by
    /// marker that would change the user's email or raise its access needs a person
    /// ([`SkipCause::UncheckedMarkerWithoutKey`](crate::plan::SkipCause::UncheckedMarkerWithoutKey)).
    /// With it, markers are trusted as in an account never signed.
    pub allow_unsigned_run: bool,
    /// `--allow-adoption-by-email` (a run option; `false` from the configuration): in an
    /// account whose markers are signed, a user whom only its email ties to an employee,
    /// under the row's name, is adopted unless that raises its access (the name rule and
    /// the raise guard alone). Without it every such adoption needs a person
    /// ([`SkipCause::AdoptionByEmail`](crate::plan::SkipCause::AdoptionByEmail)): a user
    /// can set both its email and its name to a new hire's.
    pub allow_adoption_by_email: bool,
    /// `[lifecycle] provision_days_before_start`: a future hire is created this many days
    /// before the hire date.
    pub provision_days_before_start: u32,
    /// `[lifecycle] past_termination_date`: who decides when an active row carries a
    /// termination date before today.
    pub past_termination_date: PastTerminationDate,
    /// `[lifecycle] termination_catch_up_days`: a termination date at most this many days
    /// old on a row the status calls active is a scheduled termination still due.
    pub termination_catch_up_days: u32,
    /// `[lifecycle] on_leave`: keep or suspend the users of employees on leave.
    pub on_leave: OnLeave,
    /// `[lifecycle] deactivate`: whether leavers are suspended or deleted.
    pub deactivate: DeactivationMode,
    /// `[lifecycle] delete_suspended_after_days`: with suspension, a leaver suspended at
    /// least this many days before today is deleted; `None`: never.
    pub delete_suspended_after_days: Option<u32>,
    /// `--allow-oncall-gaps`: deactivations of users who are on call go ahead instead of
    /// being blocked ([`crate::oncall::check`]). Not a configuration key: false from
    /// [`Policy::from_config`], set by the commands from the flag.
    pub allow_oncall_gaps: bool,
}

/// The role and team rules, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// `[roles] default`: the base role when no role rule matches.
    pub default_role: Role,
    /// `[roles] default_license`: the licence (ID or name) of the default role and of the
    /// rules naming none; `None` lets PagerDuty pick.
    pub default_license: Option<String>,
    /// `[[roles.rule]]`: the first matching rule gives the base role.
    pub roles: Vec<RoleRule>,
    /// `[[teams.rule]]`: every matching rule gives a membership (team named by name or ID).
    pub teams: Vec<TeamRule>,
}

impl Policy {
    /// The planner's view of a validated configuration.
    pub fn from_config(cfg: &Config) -> Policy {
        Policy {
            from: cfg.pagerduty.from.clone(),
            suspended_role: cfg.lifecycle.suspended_role.clone(),
            protected: cfg.lifecycle.protected.clone(),
            unmanaged_users: cfg.lifecycle.unmanaged_users,
            default_time_zone: cfg.lifecycle.default_time_zone.clone(),
            sync_job_title: cfg.hr.columns.job_title.is_some(),
            rekey_employee_ids: false,
            finish_marker_migration: false,
            allow_new_marker_key: false,
            allow_unsigned_run: false,
            allow_adoption_by_email: false,
            provision_days_before_start: cfg.lifecycle.provision_days_before_start,
            past_termination_date: cfg.lifecycle.past_termination_date,
            termination_catch_up_days: cfg.lifecycle.termination_catch_up_days,
            on_leave: cfg.lifecycle.on_leave,
            rules: Rules {
                default_role: cfg.roles.default.clone(),
                default_license: cfg.roles.default_license.clone(),
                roles: cfg.roles.rules.clone(),
                teams: cfg.teams.rules.clone(),
            },
            deactivate: cfg.lifecycle.deactivate,
            delete_suspended_after_days: cfg.lifecycle.delete_suspended_after_days,
            allow_oncall_gaps: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::fixture::{
        config, config_replacing, config_without_job_title, deletion_config,
    };
    use crate::vocab::TeamRole;

    /// A team rule whose name has spaces around it.
    const OPS: &str = "[[teams.rule]]\nteam = \" Ops \"\nrole = \"manager\"\n";

    #[test]
    fn a_policy_carries_what_the_planner_reads() {
        let shouting = config_replacing("from = \"bot@example.com\"", "from = \"Bot@Example.com\"");
        assert_eq!(
            Policy::from_config(&shouting).from.as_str(),
            "bot@example.com"
        );
        let p = Policy::from_config(&config(OPS));
        assert_eq!(p.suspended_role, Role::ReadOnlyLimitedUser);
        assert!(p.protected.contains(&Email::normalise("VIP@example.com")));
        assert_eq!(p.unmanaged_users, UnmanagedUsers::Report);
        assert_eq!(p.default_time_zone, "America/New_York");
        assert_eq!(p.rules.default_role, Role::LimitedUser);
        assert_eq!(p.rules.roles.len(), 1);
        assert_eq!(p.rules.roles[0].role, Role::Admin);
        assert_eq!(p.rules.teams.len(), 1);
        assert_eq!(p.rules.teams[0].team, "Ops");
        assert_eq!(p.rules.teams[0].role, TeamRole::Manager);
        assert_eq!(p.deactivate, DeactivationMode::Suspend);
        assert_eq!(p.delete_suspended_after_days, None);
        let deleting = deletion_config(
            "report",
            "delete_suspended_after_days = 60\narchive = \"a.jsonl\"",
        );
        assert_eq!(
            Policy::from_config(&deleting).delete_suspended_after_days,
            Some(60)
        );
    }

    #[test]
    fn job_titles_are_synced_only_when_the_column_is_mapped() {
        // The fixture maps the job title column (`title`).
        assert!(Policy::from_config(&config("")).sync_job_title);
        let unmapped = config_without_job_title();
        assert_eq!(unmapped.hr.columns.job_title, None);
        assert!(!Policy::from_config(&unmapped).sync_job_title);
    }
}
