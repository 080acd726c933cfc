//! The on-call check of a deactivation: what a leaver holds in PagerDuty, and whether that
//! blocks taking the user away.
//!
//! For each user a deactivation-like action would take away (a suspension, a deletion, an
//! offboarded unmanaged user), [`crate::observe`] looks up three things, and only for those
//! users (the cost grows with leavers, not with the workforce):
//!
//! - the escalation policies that target the user: `GET /escalation_policies?user_ids[]=`
//!   ("escalation policies on which any of the users is a target", OpenAPI
//!   `listEscalationPolicies`);
//! - the on-calls the user holds in the next [`Lookahead::days`] days:
//!   `GET /oncalls?user_ids[]=&since=&until=` (OpenAPI `listOnCalls`; at most 90 days ahead,
//!   "On-call shifts are limited to 90 days in the future"). This also reveals a user
//!   reached only through a schedule, and a direct target's permanent on-call;
//! - the incidents assigned to the user that are still open:
//!   `GET /incidents?user_ids[]=&statuses[]=triggered&statuses[]=acknowledged&date_range=all`
//!   (OpenAPI `listIncidents`: without `date_range=all` only the last month is searched).
//!
//! and, once per run when there is at least one such user, every schedule of the account
//! (`GET /schedules`, OpenAPI `listSchedules`), each with its read-only `users` ("all of the
//! users on the schedule") and `escalation_policies` ("all of the escalation policies that
//! uses this schedule"). The on-calls show a schedule's user only for a shift inside the
//! lookahead; the schedules show a user in a layer whose next shift is further away (or
//! not computed yet), whom PagerDuty still counts as on the schedule's policies: it refuses
//! to take them off a team one of those policies belongs to (fact F32), and a stakeholder
//! role, which a suspension gives, "cannot be on schedules or EPs" (§3.2 of
//! `../shared/reference/PAGERDUTY_API.md`). This listing grows with the account's
//! schedules, not with its users.
//!
//! [`attribute`] turns the answers of one batched look-up (several `user_ids[]` in one
//! request) and the schedules into one [`OncallImpact`] per user: a policy belongs to the
//! users it targets directly, an on-call to its `user`, an incident to its assignees, a
//! schedule (and the policies using it) to the users it lists. [`check`] decides whether an
//! impact blocks the action (by default any escalation policy, any schedule, any on-call in
//! the lookahead, any open incident blocks; `--allow-oncall-gaps` lets them through, except
//! what PagerDuty would refuse: a team removal, a stakeholder role on a schedule or
//! escalation policy, the deletion of a user with open incidents or who is the only target
//! of a level of an escalation policy, [`Held`]), and a
//! [`Blocked`] says why in words and what a human must do.
//!
//! The same look-ups are made for a mover or a rehire whom the rules give a stakeholder role
//! (which [`OncallImpact::on_rota`] keeps away: the planner leaves the role as it is), and
//! for a mover with a planned team removal, and every policy an
//! impact names comes with its teams ([`OncallFacts::policy_teams`]): [`refused_removals`]
//! says which removals PagerDuty will refuse (fact F32), which [`check`] blocks whatever the
//! override says, and which an update leaves out.
//!
//! hr2pagerduty never edits schedules, escalation policies or incidents: blocking is how it
//! avoids leaving a gap in a rotation (and PagerDuty refuses the team removal anyway while
//! the user is on one of the team's escalation policies, fact F32 in
//! `../shared/reference/PAGERDUTY_API.md`).
//!
//! Pure: no I/O and no clock (the window's start is read by [`crate::observe`]). Imports
//! only the ids, the API models and, for the default window,
//! `vocab::limits::DEFAULT_ONCALL_LOOKAHEAD_DAYS`.

use crate::ids::{EscalationPolicyId, IncidentId, ScheduleId, TeamId, UserId};
use crate::words::plural;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

mod attribution;
mod blocked;
pub use attribution::{Attribution, attribute, sole_target_levels, user_targets};
pub use blocked::{BlockCause, Blocked, Held, Taking, blocked_words, check};

/// The switch that lets blocked deactivations through, named in every [`Blocked`] remedy.
pub const ALLOW_FLAG: &str = "--allow-oncall-gaps";

/// An escalation policy or a schedule, by ID and name (the API's `name`, or a reference's
/// `summary` where the API gives no name, or the ID when it gives neither).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Named<Id> {
    /// The object's ID.
    pub id: Id,
    /// Its name.
    pub name: String,
}

/// An incident, by ID and title.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IncidentRef {
    /// The incident ID.
    pub id: IncidentId,
    /// Its title (the `summary` when the title is empty).
    pub title: String,
}

/// What one user holds in PagerDuty that a deactivation would leave uncovered: the JSON
/// plan's `oncall` object. Each list is sorted by name (case-insensitively), then ID.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OncallImpact {
    /// Escalation policies the user is on: as a target, through a schedule that lists them,
    /// or through a schedule with a shift in the lookahead.
    pub escalation_policies: Vec<Named<EscalationPolicyId>>,
    /// Schedules the user is on: listed among the schedule's users (`GET /schedules`,
    /// whenever their next shift is), or on call through it in the lookahead
    /// (`GET /oncalls`).
    pub schedules: Vec<Named<ScheduleId>>,
    /// Triggered or acknowledged incidents assigned to the user, whatever their age.
    pub incidents: Vec<IncidentRef>,
    /// The levels of escalation policies whose only target is the user (of the policies
    /// `GET /escalation_policies?user_ids[]=` lists with their `escalation_rules`, a target
    /// of a user the account no longer lists not counted): PagerDuty refuses to delete the
    /// only target of a level, since a rule needs one (OpenAPI `EscalationRule.targets`,
    /// `minItems: 1`), so such a deletion stays blocked whatever `--allow-oncall-gaps` says
    /// ([`Held::SoleTarget`]). Sorted by policy name, ID and level; absent (empty) in saved
    /// plans made before it existed, and for a suspension it blocks nothing more.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sole_target_of: Vec<SoleTarget>,
}

/// A level of an escalation policy whose only target is the user: `level 1 of escalation
/// policy "Legacy EP" (PEPX001)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SoleTarget {
    /// The policy.
    pub policy: Named<EscalationPolicyId>,
    /// The level, counted from 1 (the rule's position in `escalation_rules`).
    pub level: usize,
}

impl fmt::Display for SoleTarget {
    /// `level 1 of escalation policy "Legacy EP" (PEPX001)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "level {} of escalation policy {:?} ({})",
            self.level, self.policy.name, self.policy.id
        )
    }
}

impl SoleTarget {
    /// The levels `v` in words, joined with `, `.
    pub fn list(v: &[SoleTarget]) -> String {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The same levels by ID, for comparing two look-ups (a renamed policy is the same).
    pub fn ids(v: &[SoleTarget]) -> Vec<(&str, usize)> {
        let mut ids: Vec<(&str, usize)> =
            v.iter().map(|s| (s.policy.id.as_str(), s.level)).collect();
        ids.sort_unstable();
        ids
    }
}

impl OncallImpact {
    /// True when the user holds nothing.
    pub fn is_empty(&self) -> bool {
        self.escalation_policies.is_empty()
            && self.schedules.is_empty()
            && self.incidents.is_empty()
    }

    /// The IDs of every object named, for comparing two look-ups (a renamed policy is the
    /// same impact).
    pub fn ids(&self) -> (Vec<&str>, Vec<&str>, Vec<&str>) {
        fn sorted(mut v: Vec<&str>) -> Vec<&str> {
            v.sort_unstable();
            v
        }
        (
            sorted(
                self.escalation_policies
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect(),
            ),
            sorted(self.schedules.iter().map(|s| s.id.as_str()).collect()),
            sorted(self.incidents.iter().map(|i| i.id.as_str()).collect()),
        )
    }

    /// True when `other` names the same policies, schedules and incidents (by ID).
    pub fn same_as(&self, other: &OncallImpact) -> bool {
        self.ids() == other.ids()
    }
}

/// The window on-call shifts are looked up over: from `since`, `days` days ahead
/// (`[lifecycle] oncall_lookahead_days`, 1–90).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lookahead {
    /// Start of the window (the look-up's "now").
    pub since: DateTime<Utc>,
    /// Days ahead.
    pub days: u32,
}

impl Lookahead {
    /// End of the window: `since` plus `days` days.
    pub fn until(&self) -> DateTime<Utc> {
        self.since + Duration::days(i64::from(self.days))
    }

    /// `since` as PagerDuty takes it in a query (RFC 3339, UTC, whole seconds).
    pub fn since_param(&self) -> String {
        self.since.to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    /// [`Lookahead::until`] as PagerDuty takes it in a query.
    pub fn until_param(&self) -> String {
        self.until().to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

/// What was looked up: the window, the impact of every user looked up (an empty impact
/// for a user who holds nothing; no entry for a user not looked up), and the teams of every
/// escalation policy those impacts name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OncallFacts {
    /// The window the on-calls were looked up over.
    pub lookahead: Lookahead,
    /// Impact by user.
    pub users: BTreeMap<UserId, OncallImpact>,
    /// The teams of each escalation policy named in [`OncallFacts::users`]: the policy's
    /// `teams` (OpenAPI `EscalationPolicy.teams`, "Team associated with the policy"; at most
    /// one), as `GET /escalation_policies?user_ids[]=` lists it for a policy that targets the
    /// user, or `GET /escalation_policies/{id}` for one reached only through a schedule or
    /// an on-call. PagerDuty refuses to remove a user from these teams while the user is on
    /// the policy (fact F32), see [`refused_removals`]. A policy with no entry has no team
    /// as far as the planner knows (a policy deleted since, or facts built by hand).
    pub policy_teams: BTreeMap<EscalationPolicyId, Vec<TeamId>>,
}

impl OncallFacts {
    /// Nothing looked up yet, for the window `lookahead`.
    pub fn new(lookahead: Lookahead) -> OncallFacts {
        OncallFacts {
            lookahead,
            users: BTreeMap::new(),
            policy_teams: BTreeMap::new(),
        }
    }

    /// The team removals among `teams` (team ID and name) that PagerDuty will refuse for
    /// `user`, by [`refused_removals`] over this user's impact; empty when the user was not
    /// looked up.
    pub fn refused_removals<'t>(
        &self,
        user: &UserId,
        teams: impl IntoIterator<Item = (&'t TeamId, String)>,
    ) -> Vec<RefusedRemoval> {
        self.users
            .get(user)
            .map(|i| refused_removals(i, &self.policy_teams, teams))
            .unwrap_or_default()
    }
}

/// A team removal PagerDuty will refuse (400/2001, "User cannot be removed as they belong to
/// an escalation policy on this team", fact F32): the team, and the escalation policies of
/// that team the user is on (as a target, or through a schedule). hr2pagerduty never edits
/// escalation policies, so such a removal is not sent: a deactivation with one is blocked
/// whatever `--allow-oncall-gaps` says, and a mover's is left out of the update (the JSON
/// plan's `blocked_team_removals`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RefusedRemoval {
    /// The team the user would leave.
    pub team_id: TeamId,
    /// Its name.
    pub team: String,
    /// The team's escalation policies the user is on, sorted as in [`OncallImpact`].
    pub escalation_policies: Vec<Named<EscalationPolicyId>>,
}

impl fmt::Display for RefusedRemoval {
    /// `PagerDuty refuses to remove them from team "IT Operations" (PTEAM01) while they are
    /// on its escalation policy "IT Operations EP" (PEPOPS1)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PagerDuty refuses to remove them from team {:?} ({}) while they are on its {} {}",
            self.team,
            self.team_id,
            plural(
                self.escalation_policies.len(),
                "escalation policy",
                "escalation policies"
            ),
            names(&self.escalation_policies)
        )
    }
}

impl RefusedRemoval {
    /// What a human must do: `take them off escalation policy "IT Operations EP" (PEPOPS1),
    /// as a target or on its schedules`.
    pub fn remedy(&self) -> String {
        off_policies(&self.escalation_policies)
    }
}

/// The removals among `teams` (team ID and name, in the order given) that PagerDuty will
/// refuse for a user with this `impact`: a team one of the user's escalation policies
/// belongs to (`policy_teams`, see [`OncallFacts::policy_teams`]). Each names the team's
/// policies the user is on.
pub fn refused_removals<'t>(
    impact: &OncallImpact,
    policy_teams: &BTreeMap<EscalationPolicyId, Vec<TeamId>>,
    teams: impl IntoIterator<Item = (&'t TeamId, String)>,
) -> Vec<RefusedRemoval> {
    teams
        .into_iter()
        .filter_map(|(team_id, team)| {
            let escalation_policies: Vec<Named<EscalationPolicyId>> = impact
                .escalation_policies
                .iter()
                .filter(|p| policy_teams.get(&p.id).is_some_and(|t| t.contains(team_id)))
                .cloned()
                .collect();
            (!escalation_policies.is_empty()).then(|| RefusedRemoval {
                team_id: team_id.clone(),
                team,
                escalation_policies,
            })
        })
        .collect()
}

impl Default for OncallFacts {
    /// Nothing looked up, over the default window of
    /// [`DEFAULT_ONCALL_LOOKAHEAD_DAYS`](crate::vocab::limits::DEFAULT_ONCALL_LOOKAHEAD_DAYS) days
    /// from the Unix epoch (a planner given these facts blocks every deactivation: none was
    /// looked up).
    fn default() -> OncallFacts {
        OncallFacts::new(Lookahead {
            since: DateTime::<Utc>::UNIX_EPOCH,
            days: crate::vocab::limits::DEFAULT_ONCALL_LOOKAHEAD_DAYS,
        })
    }
}

fn names<Id: fmt::Display>(v: &[Named<Id>]) -> String {
    v.iter()
        .map(|n| format!("{:?} ({})", n.name, n.id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `take them off escalation policy "Ops EP" (PEPOPS1), as a target or on its schedules`.
fn off_policies(v: &[Named<EscalationPolicyId>]) -> String {
    format!(
        "take them off {} {}, as a target or on {} schedules",
        plural(v.len(), "escalation policy", "escalation policies"),
        names(v),
        plural(v.len(), "its", "their")
    )
}

fn off_schedules(v: &[Named<ScheduleId>]) -> String {
    format!(
        "take them off {} {}, handing their shifts to someone else",
        plural(v.len(), "schedule", "schedules"),
        names(v)
    )
}

fn incident_names(v: &[IncidentRef]) -> String {
    v.iter()
        .map(|i| format!("{:?} ({})", i.title, i.id))
        .collect::<Vec<_>>()
        .join(", ")
}

impl OncallImpact {
    /// What a human must do about this impact, one step per kind present: off the
    /// escalation policies, off the schedules, then the open incidents reassigned or
    /// resolved, the incident step ending with `incidents_why` (empty for none, or e.g.
    /// ` (PagerDuty refuses to delete a user with open incidents assigned)`).
    fn remedy_steps(&self, incidents_why: &str) -> Vec<String> {
        let mut steps = Vec::new();
        if !self.escalation_policies.is_empty() {
            steps.push(off_policies(&self.escalation_policies));
        }
        if !self.schedules.is_empty() {
            steps.push(off_schedules(&self.schedules));
        }
        if !self.incidents.is_empty() {
            steps.push(format!(
                "reassign or resolve {} {}{incidents_why}",
                plural(self.incidents.len(), "incident", "incidents"),
                incident_names(&self.incidents)
            ));
        }
        steps
    }

    /// True when the user is on an escalation policy or a schedule: what a stakeholder role
    /// "cannot be on" (§3.2 of `../shared/reference/PAGERDUTY_API.md`), so that PagerDuty
    /// refuses to give them one, whether a suspension or the rules give it.
    pub fn on_rota(&self) -> bool {
        !self.escalation_policies.is_empty() || !self.schedules.is_empty()
    }

    /// The escalation policies and schedules of this impact alone (no incident): what keeps
    /// a stakeholder role from the user ([`OncallImpact::on_rota`]).
    pub fn rota(&self) -> OncallImpact {
        OncallImpact {
            escalation_policies: self.escalation_policies.clone(),
            schedules: self.schedules.clone(),
            incidents: Vec::new(),
            sole_target_of: Vec::new(),
        }
    }

    /// What a human must do about this impact, in words: one step per kind present (off
    /// the escalation policies, off the schedules, the open incidents reassigned or
    /// resolved), joined by `; `.
    pub fn remedy(&self) -> String {
        self.remedy_steps("").join("; ")
    }

    /// The impact in words, e.g. `on escalation policy "IT Operations EP" (PEPOPS1); on
    /// schedule "Ops Primary" (PSCHED1); 1 open incident assigned: "Disk full" (Q1)`, or
    /// `nothing: no escalation policy, no on-call shift in the lookahead, no open incident`.
    /// A schedule is named the same whether the user holds a shift in the lookahead or is
    /// only in one of its layers: either way they are on it.
    pub fn describe(&self) -> String {
        if self.is_empty() {
            return "nothing: no escalation policy, no on-call shift in the lookahead, no open incident"
                .into();
        }
        let mut parts = Vec::new();
        if !self.escalation_policies.is_empty() {
            parts.push(format!(
                "on {} {}",
                plural(
                    self.escalation_policies.len(),
                    "escalation policy",
                    "escalation policies"
                ),
                names(&self.escalation_policies)
            ));
        }
        if !self.schedules.is_empty() {
            parts.push(format!(
                "on {} {}",
                plural(self.schedules.len(), "schedule", "schedules"),
                names(&self.schedules)
            ));
        }
        if !self.incidents.is_empty() {
            parts.push(format!(
                "{} open {} assigned: {}",
                self.incidents.len(),
                plural(self.incidents.len(), "incident", "incidents"),
                incident_names(&self.incidents)
            ));
        }
        parts.join("; ")
    }
}

/// A test fixture shared by the planner's and the report's tests: what a leaver on call
/// holds, one of each kind (a policy, a schedule shift and an open incident).
#[cfg(test)]
pub(crate) fn held_fixture() -> OncallImpact {
    use crate::ids::{EscalationPolicyId, IncidentId, ScheduleId};
    OncallImpact {
        escalation_policies: vec![Named {
            id: EscalationPolicyId::new("PEPOPS1"),
            name: "IT Operations EP".into(),
        }],
        schedules: vec![Named {
            id: ScheduleId::new("PSCHED1"),
            name: "Ops Primary".into(),
        }],
        incidents: vec![IncidentRef {
            id: IncidentId::new("Q1"),
            title: "Disk full".into(),
        }],
        sole_target_of: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
