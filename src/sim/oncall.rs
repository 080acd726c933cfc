//! Escalation policies, schedules and on-calls: their records, the rules PagerDuty applies to
//! them, and how `GET /escalation_policies`, `GET /schedules` and `GET /oncalls` render them.
//! Pure and synchronous, like `state`; URLs and names come through [`Lookup`].
//!
//! Model (documented for users in [`super`]):
//! - a policy has 1 or more rules (levels, counted from 1), each with 1 to 10 targets, users
//!   or schedules (OpenAPI `EscalationRule.targets` `minItems`/`maxItems`; "At least one
//!   escalation rule must be provided", `createEscalationPolicy`), and at most one team
//!   ("Only one team may be associated with the policy", `EscalationPolicy.teams`);
//! - a schedule's on-call shifts are its seeded final-schedule entries (not computed from the
//!   layers); its users are its layers' users only (OpenAPI `Schedule.users`: "the users
//!   on the schedule"), so a shift held through an override shows in `GET /oncalls` alone;
//! - a user is on call for a level either directly (a permanent on-call: no schedule, null
//!   start and end, OpenAPI `Oncall.start`) or during a shift of a targeted schedule.
//!
//! [`Lookup`]: super::links::Lookup

use super::idgen::IdGenerator;
use crate::ids::{TeamId, UserId};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashSet};

mod build;
mod render;

/// The farthest `GET /oncalls` looks: "On-call shifts are limited to 90 days in the future"
/// (OpenAPI `since`/`until` of `listOnCalls`; an older text of the same parameters said "The
/// search range cannot exceed 3 months").
pub(crate) const ONCALL_HORIZON_DAYS: i64 = 90;

/// The range a schedule is rendered over when `since`/`until` are not given: "Defaults to 2
/// weeks after since" (OpenAPI `getSchedule`); with neither, from now (Inf).
pub(crate) const SCHEDULE_RANGE_DAYS: i64 = 14;

/// Most targets one rule may have (OpenAPI `EscalationRule.targets.maxItems`).
pub(crate) const MAX_RULE_TARGETS: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Target {
    User(String),
    Schedule(String),
}

#[derive(Debug, Clone)]
struct RuleRecord {
    id: String,
    delay: u32,
    targets: Vec<Target>,
}

#[derive(Debug, Clone)]
struct PolicyRecord {
    id: String,
    name: String,
    description: Option<String>,
    num_loops: u32,
    handoff: String,
    rules: Vec<RuleRecord>,
    team: Option<String>,
}

#[derive(Debug, Clone)]
struct LayerRecord {
    id: String,
    name: String,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    virtual_start: DateTime<Utc>,
    turn_seconds: u64,
    users: Vec<String>,
}

#[derive(Debug, Clone)]
struct Shift {
    user: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct ScheduleRecord {
    id: String,
    name: String,
    time_zone: String,
    description: Option<String>,
    layers: Vec<LayerRecord>,
    shifts: Vec<Shift>,
    teams: Vec<String>,
}

/// What a seed may refer to while the book is built.
pub(crate) struct SeedContext<'a> {
    /// IDs of the seeded users.
    pub(crate) users: &'a HashSet<String>,
    /// IDs of the seeded teams.
    pub(crate) teams: &'a HashSet<String>,
    /// The generator for object IDs (seed-given IDs already checked and reserved).
    pub(crate) ids: &'a mut IdGenerator,
    /// The simulator's clock at start-up (default layer start).
    pub(crate) now: DateTime<Utc>,
    /// The account's time zone (default schedule zone).
    pub(crate) time_zone: &'a str,
}

/// Which policies `GET /escalation_policies` returns.
#[derive(Debug, Clone, Default)]
pub(crate) struct PolicyFilter {
    /// Case-insensitive substring of the name.
    pub(crate) query: Option<String>,
    /// Policies on which one of these users is a target (directly: a user reached only
    /// through a schedule is not "a target"; Inf, see [`super`]).
    pub(crate) user_ids: Vec<String>,
    /// Policies of one of these teams.
    pub(crate) team_ids: Vec<String>,
    /// `sort_by=name:desc`.
    pub(crate) descending: bool,
}

/// Which on-calls `GET /oncalls` returns.
#[derive(Debug, Clone)]
pub(crate) struct OncallFilter {
    /// Only these users (when non-empty).
    pub(crate) user_ids: Vec<String>,
    /// Only these policies (when non-empty).
    pub(crate) policy_ids: Vec<String>,
    /// Only on-calls from these schedules (when non-empty); the literal `null` in the list
    /// selects direct user targets ("If `null` is provided in the array, it includes
    /// permanent on-calls due to direct user escalation targets", OpenAPI `schedule_ids[]`).
    pub(crate) schedule_ids: Vec<String>,
    /// Start of the range (an on-call overlapping the range is included).
    pub(crate) since: DateTime<Utc>,
    /// End of the range.
    pub(crate) until: DateTime<Utc>,
    /// Only the earliest on-call per policy, level and user.
    pub(crate) earliest: bool,
}

/// Which parts of a schedule to render, and over which range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScheduleView {
    /// `schedule_layers`.
    pub(crate) layers: bool,
    /// `final_schedule`.
    pub(crate) final_schedule: bool,
    /// `overrides_subschedule` (always empty: the simulator models no overrides).
    pub(crate) overrides: bool,
    /// Start of the rendered range.
    pub(crate) since: DateTime<Utc>,
    /// End of the rendered range.
    pub(crate) until: DateTime<Utc>,
    /// `overflow=true`: entries are not cut at the range's bounds.
    pub(crate) overflow: bool,
}

/// The escalation policies and schedules of the account.
#[derive(Debug, Default)]
pub(crate) struct OncallBook {
    policies: BTreeMap<String, PolicyRecord>,
    schedules: BTreeMap<String, ScheduleRecord>,
    /// Users deleted since the seed: their references stay in rules, layers and shifts
    /// (F24), but they are no longer anyone's target nor on call (see [`Self::forget_user`]).
    deleted: HashSet<String>,
}

impl OncallBook {
    /// True when the account has a policy with this ID.
    pub(crate) fn has_policy(&self, id: &str) -> bool {
        self.policies.contains_key(id)
    }

    /// The team of a policy, if it has one.
    pub(crate) fn policy_team(&self, id: &str) -> Option<&str> {
        self.policies.get(id).and_then(|p| p.team.as_deref())
    }

    /// Records that `user` was deleted (`DELETE /users/{id}`). Its references stay where they
    /// are, with the old name as `summary` (F24: "Other objects may still refer to the
    /// deleted user as a reference"), as the inactive placeholder PagerDuty's Offboarding
    /// shows; but a deleted user is no longer a user that a rule targets or a schedule puts
    /// on call (S27, S38: the user is removed from schedules and escalation policies). So
    /// `user_ids[]` on `GET /escalation_policies` and `GET /oncalls` no longer finds it, its
    /// shifts and levels are no on-calls, and it no longer counts among a rule's targets
    /// when another target is deleted or removed from a team.
    pub(crate) fn forget_user(&mut self, user: &str) {
        self.deleted.insert(user.to_string());
    }

    /// True when `user` is a live user (not deleted since the seed).
    fn live(&self, user: &str) -> bool {
        !self.deleted.contains(user)
    }

    // ----- rules -------------------------------------------------------------------------

    /// The users of a schedule: its layers' users ("the users on the schedule", OpenAPI
    /// `Schedule.users`). A user who holds a shift only through an override is not among
    /// them; `GET /oncalls` alone shows that shift.
    fn members(&self, schedule: &str) -> BTreeSet<&str> {
        self.schedules
            .get(schedule)
            .map(|s| {
                s.layers
                    .iter()
                    .flat_map(|l| l.users.iter().map(String::as_str))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn targets_directly(&self, p: &PolicyRecord, user: &str) -> bool {
        self.live(user)
            && p.rules
                .iter()
                .any(|r| r.targets.contains(&Target::User(user.to_string())))
    }

    fn reaches(&self, p: &PolicyRecord, user: &str) -> bool {
        self.live(user)
            && p.rules.iter().any(|r| {
                r.targets.iter().any(|t| match t {
                    Target::User(u) => u == user,
                    Target::Schedule(s) => self.members(s).contains(user),
                })
            })
    }

    /// The policies of `team` that reach `user`, directly or through a schedule, as
    /// `(id, name)`: while there is one, PagerDuty refuses to remove the user from the team
    /// (fact F32; "through a schedule" is Inf, from the Terraform provider's issue #292 in S20,
    /// a membership that could not be removed while the user was in a schedule).
    pub(crate) fn team_policies_reaching(&self, team: &TeamId, user: &UserId) -> Vec<(&str, &str)> {
        self.sorted_policies()
            .into_iter()
            .filter(|p| p.team.as_deref() == Some(team.as_str()) && self.reaches(p, user.as_str()))
            .map(|p| (p.id.as_str(), p.name.as_str()))
            .collect()
    }

    /// The schedules that list `user` in a layer and the policies that reach `user`,
    /// directly or through a schedule, as `schedule "Name" (ID)` and `escalation policy
    /// "Name" (ID)`, schedules first, each sorted by name: what keeps PagerDuty from giving the
    /// user a stakeholder role, which "cannot be on schedules or EPs" (PAGERDUTY_API.md §3.2,
    /// S25). Empty for a deleted user.
    pub(crate) fn rota_of(&self, user: &str) -> Vec<String> {
        if !self.live(user) {
            return Vec::new();
        }
        let mut schedules: Vec<&ScheduleRecord> = self
            .schedules
            .values()
            .filter(|s| self.members(&s.id).contains(user))
            .collect();
        schedules.sort_by_cached_key(|s| (s.name.to_lowercase(), s.id.clone()));
        schedules
            .into_iter()
            .map(|s| format!("schedule {:?} ({})", s.name, s.id))
            .chain(
                self.sorted_policies()
                    .into_iter()
                    .filter(|p| self.reaches(p, user))
                    .map(|p| format!("escalation policy {:?} ({})", p.name, p.id)),
            )
            .collect()
    }

    /// The rules whose only target is `user`, as `(policy name, policy id, level)`: deleting
    /// the user would leave such a rule without a target, which a rule may not be (OpenAPI
    /// `EscalationRule.targets` `minItems: 1`; Inf). Deleted users' leftover references are
    /// no targets ([`Self::forget_user`]).
    pub(crate) fn sole_target_of(&self, user: &str) -> Vec<(&str, &str, usize)> {
        let mut found = Vec::new();
        let me = Target::User(user.to_string());
        for p in self.sorted_policies() {
            for (i, r) in p.rules.iter().enumerate() {
                let mut live = r.targets.iter().filter(|t| match t {
                    Target::User(u) => self.live(u),
                    Target::Schedule(_) => true,
                });
                if live.next() == Some(&me) && live.next().is_none() {
                    found.push((p.name.as_str(), p.id.as_str(), i + 1));
                }
            }
        }
        found
    }

    // ----- escalation policies -----------------------------------------------------------

    fn sorted_policies(&self) -> Vec<&PolicyRecord> {
        let mut all: Vec<&PolicyRecord> = self.policies.values().collect();
        all.sort_by_cached_key(|p| (p.name.to_lowercase(), p.id.clone()));
        all
    }
}

#[cfg(test)]
mod tests;
