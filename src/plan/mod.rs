//! The planner: employees + PagerDuty users + policy → actions, each with its reason.
//!
//! Pure: no I/O, no clock (today's date is an input), deterministic output order (actions
//! by email, then user ID). [`plan`] returns a [`Plan`] whose [`Action`]s carry both what a
//! person reviews (field-level [`Change`]s and a reason) and what [`crate::apply`] sends
//! ([`Step`]s, in order).
//!
//! # Matching
//! An employee is matched to a PagerDuty user first by the employee ID in the user's
//! ownership marker ([`crate::marker`]), then by normalised email among users whose marker
//! is absent or unreadable. So an email change is an update, and a rehire finds the
//! suspended user again, with no local state.
//!
//! # Step order and crashes
//! Every multi-step action is ordered so that a crash between two steps leaves a state the
//! next plan recognises and finishes:
//! - **create**: `POST /users` carrying the marker, then team memberships. A crash after the
//!   POST leaves a marked user; the next plan matches it by employee ID and adds the teams.
//! - **deactivate** (suspension): first a `PUT /users/{id}` writing the marker's `suspended`
//!   record (date, previous role and team memberships), then one
//!   `DELETE /teams/{id}/users/{user_id}` per team, then a `PUT` of `suspended_role`. The role
//!   comes last because PagerDuty refuses stakeholder roles on teams (fact F17); when
//!   `suspended_role` is not a stakeholder role, or there is no team to leave, role and marker
//!   go in the first `PUT`. The marker is written before anything is lost, so a crash after
//!   it leaves a user the next plan sees as "suspended, not finished" and finishes.
//! - **reactivate**: `PUT` the role (and any moved fields) first, since stakeholder roles
//!   cannot join teams; then restore memberships; then clear `suspended` from the marker, last.
//!   Until that final write the marker still says what to restore, so a crash anywhere is
//!   resumed. With nothing to restore to teams, role and marker go in one `PUT`. A recorded
//!   membership of a team that no longer exists, or any recorded membership when the rules
//!   now give a stakeholder role (fact F17), is not restored (the reason names it).
//! - **update**: removals, the user `PUT`, then additions; each is recomputed by the next plan.

pub mod policy;
pub mod rules;
pub mod safety;

pub use policy::Policy;

use crate::config::UnmanagedUsers;
use crate::email::Email;
use crate::hr::{Employee, Lifecycle, Roster};
use crate::ids::{EmployeeId, TeamId, UserId};
use crate::marker::{self, Marker, MarkerState, SavedMembership, Suspension};
use crate::pagerduty::models::{NewUser, Role, Team, TeamMember, TeamRole, User, UserUpdate};
use chrono::NaiveDate;
use rules::ResolvedRules;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What an action does to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// A new hire: `POST /users`, then team memberships.
    Create,
    /// A mover, an adoption or a repair: partial `PUT /users/{id}` and membership changes.
    Update,
    /// A leaver: suspension (see the module docs).
    Deactivate,
    /// A rehire: restore what the suspension recorded.
    Reactivate,
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ActionKind::Create => "create",
            ActionKind::Update => "update",
            ActionKind::Deactivate => "deactivate",
            ActionKind::Reactivate => "reactivate",
        })
    }
}

/// A user field an action changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Display name.
    Name,
    /// Login email.
    Email,
    /// Base role.
    Role,
    /// Job title.
    JobTitle,
    /// Time zone.
    TimeZone,
    /// Description (the ownership marker lives there).
    Description,
}

impl Field {
    /// The API field name.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Email => "email",
            Field::Role => "role",
            Field::JobTitle => "job_title",
            Field::TimeZone => "time_zone",
            Field::Description => "description",
        }
    }
}

/// One field's old and new value; `None` where the value did not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The field.
    pub field: Field,
    /// Value before; `None` when absent (or on create).
    pub old: Option<String>,
    /// Value after.
    pub new: Option<String>,
}

/// Team memberships before and after, each as `"Team name:team role"`, sorted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamsChange {
    /// Memberships before.
    pub old: Vec<String>,
    /// Memberships after.
    pub new: Vec<String>,
}

/// One request [`crate::apply`] sends for an action, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum Step {
    /// `POST /users`; later steps of the action use the created user's ID.
    CreateUser(NewUser),
    /// `PUT /users/{id}` with only the changed fields.
    UpdateUser(UserUpdate),
    /// `PUT /teams/{team_id}/users/{user_id}` with an explicit role.
    SetTeamRole {
        /// Team ID.
        team_id: TeamId,
        /// Team name, for messages.
        team: String,
        /// Team role.
        role: TeamRole,
    },
    /// `DELETE /teams/{team_id}/users/{user_id}`.
    RemoveFromTeam {
        /// Team ID.
        team_id: TeamId,
        /// Team name, for messages.
        team: String,
    },
}

/// What a destructive action expects to find when it re-reads the user just before its
/// first request; a mismatch skips the action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guard {
    /// The employee ID the user's marker must carry, or `None` when the user was matched
    /// by email and carried no usable marker.
    pub employee_id: Option<EmployeeId>,
    /// The user's email at plan time (checked when there is no marker).
    pub email: Email,
}

/// One planned change to one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// What it does.
    pub kind: ActionKind,
    /// The employee, when an HR row or a marker names one.
    pub employee_id: Option<EmployeeId>,
    /// The user's email after the action.
    pub email: Email,
    /// The user's display name after the action.
    pub name: String,
    /// The PagerDuty user ID; `None` for a create.
    pub user_id: Option<UserId>,
    /// Why, in words.
    pub reason: String,
    /// Field-level changes, in a fixed field order.
    pub changes: Vec<Change>,
    /// Team membership changes, when any.
    pub teams: Option<TeamsChange>,
    /// The requests to send, in order.
    pub steps: Vec<Step>,
    /// The re-check for destructive actions.
    pub guard: Option<Guard>,
    /// The HR line the employee came from.
    pub line: Option<u64>,
}

impl Action {
    /// True when the action changes the base role (counted by the role-change safety cap).
    pub fn changes_role(&self) -> bool {
        self.changes.iter().any(|c| c.field == Field::Role)
    }
}

/// A person or user deliberately left alone, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skip {
    /// Employee ID, when known.
    pub employee_id: Option<EmployeeId>,
    /// Email, when known.
    pub email: Option<String>,
    /// PagerDuty user ID, when one is involved.
    pub pagerduty_user_id: Option<UserId>,
    /// HR line, when an HR row is involved.
    pub line: Option<u64>,
    /// Why nothing is done.
    pub reason: String,
}

/// Counts the safety checks use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Population {
    /// Users the run manages after adoption: marked users plus users matched by email.
    pub managed_users: usize,
    /// Of those, users not suspended before this run.
    pub managed_active_users: usize,
    /// Employees active in the export.
    pub hr_active: usize,
}

/// The plan: actions, people left alone, and notes for the reader.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Actions, sorted by email then user ID.
    pub actions: Vec<Action>,
    /// People or users left alone on purpose, with reasons (HR row problems not included).
    pub skipped: Vec<Skip>,
    /// Employees and managed users already in the desired state (or with nothing to do:
    /// a leaver without a user, a pending hire).
    pub unchanged: usize,
    /// Things the reader should know that change nothing (unreadable markers, unmanaged users).
    pub notes: Vec<String>,
    /// Teams whose members (with roles) the plan needs but was not given; the caller fetches
    /// them and plans again.
    pub needs_team_members: BTreeSet<TeamId>,
    /// Counts for the safety checks.
    pub population: Population,
}

impl Plan {
    /// Number of actions of `kind`.
    pub fn count(&self, kind: ActionKind) -> usize {
        self.actions.iter().filter(|a| a.kind == kind).count()
    }

    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

/// A mistake in the rules, found once PagerDuty's teams are known (exit 78).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Rule problems, one line each.
    #[error("the rules cannot be applied:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Rules(Vec<String>),
}

/// Everything the planner reads.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The validated export.
    pub roster: &'a Roster,
    /// Every user of the account (a complete listing, with team references).
    pub users: &'a [User],
    /// Every team of the account.
    pub teams: &'a [Team],
    /// Members with roles, by team ID, for the governed teams and any team in
    /// [`Plan::needs_team_members`].
    pub members: &'a BTreeMap<TeamId, Vec<TeamMember>>,
    /// What the configuration asks of the planner.
    pub policy: &'a Policy,
    /// Today's date (UTC), recorded in suspension markers.
    pub today: NaiveDate,
}

/// A user's membership in one team as the planner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Membership {
    team_id: TeamId,
    /// `None` when the team's members were not fetched.
    role: Option<TeamRole>,
}

struct Ctx<'a> {
    inp: Inputs<'a>,
    rules: ResolvedRules,
    governed: BTreeSet<TeamId>,
    team_names: BTreeMap<&'a str, &'a str>,
    /// user ID → team ID → role, from the members listings.
    roles_by_user: BTreeMap<&'a str, BTreeMap<&'a str, TeamRole>>,
    protected: BTreeSet<Email>,
    suspended_role: Role,
    needs: BTreeSet<TeamId>,
    /// Employee IDs whose email must not change this run (another user holds the address).
    email_blocked: BTreeSet<EmployeeId>,
    /// Notes gathered while planning actions.
    notes: Vec<String>,
}

impl<'a> Ctx<'a> {
    fn team_name(&self, id: impl AsRef<str>) -> String {
        let id = id.as_ref();
        self.team_names
            .get(id)
            .map(|s| s.to_string())
            .unwrap_or_else(|| id.to_string())
    }

    fn label(&self, id: impl AsRef<str>, role: &TeamRole) -> String {
        format!("{}:{}", self.team_name(id), role)
    }

    /// Every membership of `u`: its team references, plus any members listing naming it.
    fn memberships(&self, u: &User) -> BTreeMap<TeamId, Membership> {
        let mut out = BTreeMap::new();
        let fetched = self.roles_by_user.get(u.id.as_str());
        for t in &u.teams {
            let role = if self.inp.members.contains_key(&t.id) {
                fetched.and_then(|m| m.get(t.id.as_str())).cloned()
            } else {
                None
            };
            out.insert(
                t.id.clone(),
                Membership {
                    team_id: t.id.clone(),
                    role,
                },
            );
        }
        if let Some(m) = fetched {
            for (team, role) in m {
                out.insert(
                    TeamId::new(*team),
                    Membership {
                        team_id: TeamId::new(*team),
                        role: Some(role.clone()),
                    },
                );
            }
        }
        out
    }
}

/// Computes the plan.
///
/// # Errors
/// [`PlanError::Rules`] when a team rule names a team the account lacks (or ambiguously),
/// or when rules give an employee a stakeholder base role together with a team (PagerDuty
/// refuses stakeholders on teams, fact F17).
pub fn plan(inp: Inputs<'_>) -> Result<Plan, PlanError> {
    let rules = ResolvedRules::resolve(&inp.policy.rules, inp.teams)?;
    let governed = rules.governed();
    let mut roles_by_user: BTreeMap<&str, BTreeMap<&str, TeamRole>> = BTreeMap::new();
    for (team, members) in inp.members {
        for m in members {
            roles_by_user
                .entry(m.user.id.as_str())
                .or_default()
                .insert(team.as_str(), m.role.clone());
        }
    }
    let mut cx = Ctx {
        inp,
        rules,
        governed,
        team_names: inp
            .teams
            .iter()
            .map(|t| (t.id.as_str(), t.name.as_str()))
            .collect(),
        roles_by_user,
        protected: inp.policy.protected.clone(),
        suspended_role: inp.policy.suspended_role.clone(),
        needs: BTreeSet::new(),
        email_blocked: BTreeSet::new(),
        notes: Vec::new(),
    };
    let mut out = Plan::default();
    let mut rule_problems = Vec::new();

    // Index users by marker employee ID and by email.
    let mut by_marker: BTreeMap<EmployeeId, Vec<&User>> = BTreeMap::new();
    let mut markers: BTreeMap<&str, (String, MarkerState)> = BTreeMap::new();
    let mut by_email: BTreeMap<Email, &User> = BTreeMap::new();
    // Employee IDs that unreadable markers still appear to name.
    let mut claims: BTreeMap<EmployeeId, Vec<&User>> = BTreeMap::new();
    for u in inp.users {
        let p = marker::parse(u.description.as_deref());
        match &p.marker {
            MarkerState::Valid(m) => by_marker.entry(m.employee_id.clone()).or_default().push(u),
            MarkerState::Invalid(why) => {
                out.notes.push(format!(
                    "user {} ({}): ownership marker ignored: {why}; matched by email only",
                    u.id, u.email
                ));
                if let Some(id) = marker::claimed_employee_id(u.description.as_deref()) {
                    claims.entry(id).or_default().push(u);
                }
            }
            MarkerState::Absent => {}
        }
        markers.insert(u.id.as_str(), (p.human, p.marker));
        by_email.insert(Email::normalise(&u.email), u);
    }
    let marker_of = |u: &User| -> Option<Marker> {
        match &markers[u.id.as_str()].1 {
            MarkerState::Valid(m) => Some(m.clone()),
            _ => None,
        }
    };

    let mut handled_users: BTreeSet<&str> = BTreeSet::new();
    let mut managed: BTreeSet<&str> = BTreeSet::new();

    // Employee IDs claimed by more than one user: leave them all alone.
    let mut conflicted: BTreeSet<&str> = BTreeSet::new();
    let by_marker = by_marker;
    for (eid, users) in &by_marker {
        if users.len() > 1 {
            conflicted.insert(eid.as_str());
            let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
            for u in users {
                handled_users.insert(u.id.as_str());
                out.skipped.push(Skip {
                    employee_id: Some(eid.clone()),
                    email: Some(u.email.clone()),
                    pagerduty_user_id: Some(u.id.clone()),
                    line: None,
                    reason: format!(
                        "{} PagerDuty users ({}) carry the marker for employee {eid}; fix by hand",
                        users.len(),
                        ids.join(", ")
                    ),
                });
            }
        }
    }

    let hr_active = inp
        .roster
        .employees
        .iter()
        .filter(|e| e.status == Lifecycle::Active)
        .count();

    for e in &inp.roster.employees {
        if conflicted.contains(e.employee_id.as_str()) {
            out.skipped.push(employee_skip(
                e,
                None,
                "several PagerDuty users carry this employee's marker",
            ));
            continue;
        }
        // Match by marker, then by email.
        let by_id = by_marker
            .get(e.employee_id.as_str())
            .and_then(|v| v.first().copied());
        let (user, matched_by_email) = match (by_id, by_email.get(&e.email)) {
            (Some(u), _) => (Some(u), false),
            (None, Some(u)) => {
                let foreign = match marker_of(u) {
                    Some(m) if m.employee_id != e.employee_id => Some(format!(
                        "email belongs to PagerDuty user {} whose marker names employee {}",
                        u.id, m.employee_id
                    )),
                    Some(_) => None,
                    None => marker::claimed_employee_id(u.description.as_deref())
                        .filter(|other| *other != e.employee_id)
                        .map(|other| format!(
                            "email belongs to PagerDuty user {} whose unreadable marker seems to name employee {other}; fix that marker",
                            u.id
                        )),
                };
                if let Some(reason) = foreign {
                    handled_users.insert(u.id.as_str());
                    out.skipped.push(employee_skip(e, Some(u), reason));
                    continue;
                }
                (Some(*u), true)
            }
            (None, None) => {
                if let Some(claimants) = claims.get(&e.employee_id) {
                    // A broken marker naming this employee: creating would duplicate them.
                    let ids: Vec<&str> = claimants.iter().map(|u| u.id.as_str()).collect();
                    out.skipped.push(employee_skip(
                        e,
                        claimants.first().copied(),
                        format!(
                            "PagerDuty user {} carries an unreadable marker that seems to name this employee; fix or remove that marker line, and the next run matches it",
                            ids.join(", ")
                        ),
                    ));
                    continue;
                }
                (None, false)
            }
        };
        if let Some(u) = user {
            handled_users.insert(u.id.as_str());
            if let Some(reason) = untouchable(&cx, u, Some(&e.email)) {
                out.skipped.push(employee_skip(e, Some(u), reason));
                continue;
            }
            // An email change onto an address another user already holds would be refused
            // ("Email has already been taken", fact F31) every night: keep the old address,
            // apply the other changes, and say why.
            if let Some(other) = by_email.get(&e.email).filter(|o| o.id != u.id)
                && e.status != Lifecycle::Terminated
            {
                cx.email_blocked.insert(e.employee_id.clone());
                cx.notes.push(format!(
                    "employee {} (line {}): HR gives email {} but PagerDuty user {} already has it; user {} keeps {} until this is resolved by hand",
                    e.employee_id, e.line, e.email, other.id, u.id, u.email
                ));
            }
            managed.insert(u.id.as_str());
        } else if cx.protected.contains(&e.email) {
            out.skipped.push(employee_skip(
                e,
                None,
                "protected by [lifecycle] protected: never changed",
            ));
            continue;
        }
        let human = user
            .map(|u| markers[u.id.as_str()].0.clone())
            .unwrap_or_default();
        let current_marker = user.and_then(marker_of);
        let action = match (e.status, user) {
            (Lifecycle::Active, None) => {
                let a = create(&cx, e);
                check_stakeholder(&cx, e, &mut rule_problems);
                Some(a)
            }
            (Lifecycle::Active, Some(u)) => {
                check_stakeholder(&cx, e, &mut rule_problems);
                match current_marker.as_ref().and_then(|m| m.suspended.clone()) {
                    Some(s) => Some(reactivate(&mut cx, e, u, &human, &s)),
                    None => update(
                        &mut cx,
                        e,
                        u,
                        &human,
                        matched_by_email,
                        &markers[u.id.as_str()].1,
                    ),
                }
            }
            (Lifecycle::Terminated, Some(u)) => {
                let why = format!(
                    "leaver: status {:?} in HR{}",
                    e.status_value.as_deref().unwrap_or("terminated"),
                    if matched_by_email {
                        " (matched by email)"
                    } else {
                        ""
                    }
                );
                deactivate(
                    &mut cx,
                    u,
                    &e.employee_id,
                    Some(e),
                    &human,
                    current_marker.as_ref(),
                    why,
                )
            }
            (Lifecycle::Terminated, None) | (Lifecycle::Pending, _) => None,
        };
        match action {
            Some(a) => out.actions.push(a),
            None => out.unchanged += 1,
        }
    }

    // Marked users whose employee is not in the export: leavers, unless protected.
    let in_roster: BTreeSet<&str> = inp
        .roster
        .employees
        .iter()
        .map(|e| e.employee_id.as_str())
        .collect();
    for u in inp.users {
        if handled_users.contains(u.id.as_str()) {
            continue;
        }
        let Some(m) = marker_of(u) else {
            if cx.inp.policy.unmanaged_users == UnmanagedUsers::Report
                && u.role != Role::Owner
                && !cx.protected.contains(&Email::normalise(&u.email))
                && !matches!(markers[u.id.as_str()].1, MarkerState::Invalid(_))
            {
                out.notes.push(format!(
                    "user {} ({}) has no ownership marker and no HR row; left alone (unmanaged)",
                    u.id, u.email
                ));
            }
            continue;
        };
        if in_roster.contains(m.employee_id.as_str()) {
            continue;
        }
        let email = Email::normalise(&u.email);
        let protected_by_row = inp.roster.protected_ids.contains(&m.employee_id)
            || inp.roster.protected_emails.contains(&email);
        let reason = if protected_by_row {
            Some("the HR row for this employee has a problem this run; not deactivated".to_string())
        } else {
            untouchable(&cx, u, None)
        };
        if let Some(reason) = reason {
            out.skipped.push(Skip {
                employee_id: Some(m.employee_id.clone()),
                email: Some(u.email.clone()),
                pagerduty_user_id: Some(u.id.clone()),
                line: None,
                reason,
            });
            continue;
        }
        managed.insert(u.id.as_str());
        let human = markers[u.id.as_str()].0.clone();
        let why = format!("leaver: employee {} is not in the HR export", m.employee_id);
        match deactivate(&mut cx, u, &m.employee_id, None, &human, Some(&m), why) {
            Some(a) => out.actions.push(a),
            None => out.unchanged += 1,
        }
    }

    // POST /users names the acting user in the From header (fact F6); a From that is not a
    // user of the account fails every create, so say it before the first write, every
    // night, not only on the first night with a new hire.
    let from = inp.policy.from.clone();
    if !by_email.contains_key(&from) {
        rule_problems.push(format!(
            "[pagerduty] from = \"{from}\" is not a user of this PagerDuty account; creating users needs the email of an existing user (a dedicated admin bot) in the From header"
        ));
    }
    if !rule_problems.is_empty() {
        return Err(PlanError::Rules(rule_problems));
    }

    out.population = Population {
        managed_users: managed.len(),
        managed_active_users: inp
            .users
            .iter()
            .filter(|u| managed.contains(u.id.as_str()))
            .filter(|u| marker_of(u).is_none_or(|m| m.suspended.is_none()))
            .count(),
        hr_active,
    };
    out.actions.sort_by(|a, b| {
        (a.email.as_str(), a.user_id.as_deref()).cmp(&(b.email.as_str(), b.user_id.as_deref()))
    });
    out.skipped.sort_by(|a, b| {
        (a.email.as_deref(), a.pagerduty_user_id.as_deref())
            .cmp(&(b.email.as_deref(), b.pagerduty_user_id.as_deref()))
    });
    out.needs_team_members = std::mem::take(&mut cx.needs);
    out.notes.append(&mut cx.notes);
    Ok(out)
}

/// A [`Skip`] for an HR employee, optionally with the user involved.
fn employee_skip(e: &Employee, user: Option<&User>, reason: impl Into<String>) -> Skip {
    Skip {
        employee_id: Some(e.employee_id.clone()),
        email: Some(e.email.to_string()),
        pagerduty_user_id: user.map(|u| u.id.clone()),
        line: Some(e.line),
        reason: reason.into(),
    }
}

/// Why `u` must not be written, if it must not: the account owner, or a protected email.
fn untouchable(cx: &Ctx<'_>, u: &User, hr_email: Option<&Email>) -> Option<String> {
    if u.role == Role::Owner {
        return Some("account owner: never changed".into());
    }
    let email = Email::normalise(&u.email);
    if cx.protected.contains(&email) || hr_email.is_some_and(|e| cx.protected.contains(e)) {
        return Some("protected by [lifecycle] protected: never changed".into());
    }
    None
}

fn check_stakeholder(cx: &Ctx<'_>, e: &Employee, problems: &mut Vec<String>) {
    stakeholder_problems(&cx.rules, e, |id| cx.team_name(id), problems);
}

fn stakeholder_problems(
    rules: &ResolvedRules,
    e: &Employee,
    team_name: impl Fn(&TeamId) -> String,
    problems: &mut Vec<String>,
) {
    let role = rules.role_for(e);
    if role.is_stakeholder() {
        for (team, d) in rules.teams_for(e) {
            problems.push(format!(
                "employee {} (line {}): the roles give {role}, which PagerDuty refuses on teams, but teams.rule[{}] adds team {:?}",
                e.employee_id,
                e.line,
                d.rule,
                team_name(&team)
            ));
        }
    }
}

/// The rule mistakes that can be found without PagerDuty: an active employee whom the
/// rules give a stakeholder base role together with a team (fact F17). `validate` runs it;
/// [`plan`] finds the same mistakes online.
///
/// # Errors
/// [`PlanError::Rules`] listing each employee and the rules involved.
pub fn check_rules_offline(policy: &Policy, roster: &Roster) -> Result<(), PlanError> {
    // Teams are named as the rules name them; no account is needed to evaluate rules.
    let mut names: Vec<String> = policy
        .rules
        .teams
        .iter()
        .map(|r| r.team.trim().to_string())
        .collect();
    names.sort();
    names.dedup();
    let teams: Vec<Team> = names
        .into_iter()
        .map(|name| Team {
            id: TeamId::new(name.clone()),
            kind: "team".into(),
            name,
            description: None,
            summary: None,
            self_url: None,
            html_url: None,
            default_role: None,
        })
        .collect();
    let rules = ResolvedRules::resolve(&policy.rules, &teams)?;
    let mut problems = Vec::new();
    for e in roster
        .employees
        .iter()
        .filter(|e| e.status == Lifecycle::Active)
    {
        stakeholder_problems(&rules, e, TeamId::to_string, &mut problems);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(PlanError::Rules(problems))
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn opt_text(s: Option<&str>) -> Option<String> {
    s.map(collapse).filter(|s| !s.is_empty())
}

fn create(cx: &Ctx<'_>, e: &Employee) -> Action {
    let role = cx.rules.role_for(e);
    let tz = e
        .time_zone
        .clone()
        .unwrap_or_else(|| cx.inp.policy.default_time_zone.clone());
    let description = marker::render(
        "",
        &Marker {
            employee_id: e.employee_id.clone(),
            suspended: None,
        },
    );
    let teams = cx.rules.teams_for(e);
    let mut changes = vec![
        change(Field::Name, None, Some(e.name.clone())),
        change(Field::Email, None, Some(e.email.to_string())),
        change(Field::Role, None, Some(role.to_string())),
    ];
    if let Some(t) = &e.job_title {
        changes.push(change(Field::JobTitle, None, Some(t.clone())));
    }
    changes.push(change(Field::TimeZone, None, Some(tz.clone())));
    changes.push(change(Field::Description, None, Some(description.clone())));
    let mut steps = vec![Step::CreateUser(NewUser {
        kind: "user".into(),
        name: e.name.clone(),
        email: e.email.to_string(),
        role: Some(role),
        time_zone: Some(tz),
        job_title: e.job_title.clone(),
        description: Some(description),
        color: None,
        license: None,
    })];
    for (id, d) in &teams {
        steps.push(Step::SetTeamRole {
            team_id: id.clone(),
            team: cx.team_name(id),
            role: d.role.clone(),
        });
    }
    let new_teams: Vec<String> = sorted(teams.iter().map(|(id, d)| cx.label(id, &d.role)));
    Action {
        kind: ActionKind::Create,
        employee_id: Some(e.employee_id.clone()),
        email: e.email.clone(),
        name: e.name.clone(),
        user_id: None,
        reason: format!(
            "new hire: {} in HR, no PagerDuty user with this employee ID or email",
            status_words(e)
        ),
        changes,
        teams: (!new_teams.is_empty()).then(|| TeamsChange {
            old: vec![],
            new: new_teams,
        }),
        steps,
        guard: None,
        line: Some(e.line),
    }
}

fn status_words(e: &Employee) -> String {
    match &e.status_value {
        Some(v) => format!("status {v:?}"),
        None => "listed".into(),
    }
}

fn change(field: Field, old: Option<String>, new: Option<String>) -> Change {
    Change { field, old, new }
}

fn sorted(it: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = it.collect();
    v.sort();
    v
}

/// Field differences between an employee and a user, applied to `upd` and `changes`.
/// Returns the names of the fields that changed, for the reason.
fn diff_fields(
    cx: &Ctx<'_>,
    e: &Employee,
    u: &User,
    upd: &mut UserUpdate,
    changes: &mut Vec<Change>,
) -> Vec<&'static str> {
    let mut what = Vec::new();
    if collapse(&u.name) != e.name {
        changes.push(change(
            Field::Name,
            Some(u.name.clone()),
            Some(e.name.clone()),
        ));
        upd.name = Some(e.name.clone());
        what.push("name");
    }
    if Email::normalise(&u.email) != e.email && !cx.email_blocked.contains(&e.employee_id) {
        changes.push(change(
            Field::Email,
            Some(u.email.clone()),
            Some(e.email.to_string()),
        ));
        upd.email = Some(e.email.to_string());
        what.push("email");
    }
    if cx.inp.policy.sync_job_title {
        let old = opt_text(u.job_title.as_deref());
        if old != e.job_title {
            changes.push(change(
                Field::JobTitle,
                u.job_title.clone(),
                e.job_title.clone(),
            ));
            upd.job_title = Some(e.job_title.clone().unwrap_or_default());
            what.push("job title");
        }
    }
    if let Some(tz) = &e.time_zone
        && u.time_zone.as_deref() != Some(tz.as_str())
    {
        changes.push(change(
            Field::TimeZone,
            u.time_zone.clone(),
            Some(tz.clone()),
        ));
        upd.time_zone = Some(tz.clone());
        what.push("time zone");
    }
    what
}

/// Membership steps that turn `current` into `desired` within `scope` (team IDs).
fn membership_steps(
    cx: &Ctx<'_>,
    current: &BTreeMap<TeamId, Membership>,
    desired: &BTreeMap<TeamId, TeamRole>,
    scope: &BTreeSet<TeamId>,
) -> (Vec<Step>, Vec<Step>) {
    let mut removals = Vec::new();
    let mut additions = Vec::new();
    for team in scope {
        let have = current.get(team);
        match (have, desired.get(team)) {
            (Some(_), None) => removals.push(Step::RemoveFromTeam {
                team_id: team.clone(),
                team: cx.team_name(team),
            }),
            (have, Some(want)) if have.and_then(|m| m.role.as_ref()) != Some(want) => additions
                .push(Step::SetTeamRole {
                    team_id: team.clone(),
                    team: cx.team_name(team),
                    role: want.clone(),
                }),
            _ => {}
        }
    }
    (removals, additions)
}

fn labels(
    cx: &Ctx<'_>,
    m: &BTreeMap<TeamId, Membership>,
    scope: Option<&BTreeSet<TeamId>>,
) -> Vec<String> {
    sorted(
        m.values()
            .filter(|x| scope.is_none_or(|s| s.contains(&x.team_id)))
            .map(|x| match &x.role {
                Some(r) => cx.label(&x.team_id, r),
                None => cx.team_name(&x.team_id),
            }),
    )
}

fn update(
    cx: &mut Ctx<'_>,
    e: &Employee,
    u: &User,
    human: &str,
    matched_by_email: bool,
    state: &MarkerState,
) -> Option<Action> {
    let mut upd = UserUpdate::default();
    let mut changes = Vec::new();
    let mut what = diff_fields(cx, e, u, &mut upd, &mut changes);
    let role = cx.rules.role_for(e);
    let current = cx.memberships(u);
    let unruled: Vec<String> = current
        .keys()
        .filter(|t| !cx.governed.contains(*t))
        .map(|t| cx.team_name(t))
        .collect();
    if u.role != role && role.is_stakeholder() && !unruled.is_empty() {
        // PagerDuty refuses stakeholders on teams (fact F17), and teams no rule names are
        // never touched: keep the role, apply the rest, and say why.
        cx.notes.push(format!(
            "employee {} (line {}): the rules give {role}, which PagerDuty refuses on teams, but user {} is on teams no rule names ({}); role left at {} until those memberships are removed by hand",
            e.employee_id,
            e.line,
            u.id,
            unruled.join(", "),
            u.role
        ));
    } else if u.role != role {
        changes.insert(
            changes
                .iter()
                .position(|c| c.field > Field::Role)
                .unwrap_or(changes.len()),
            change(
                Field::Role,
                Some(u.role.to_string()),
                Some(role.to_string()),
            ),
        );
        upd.role = Some(role);
        what.push("role (by rules)");
    }
    let want_marker = Marker {
        employee_id: e.employee_id.clone(),
        suspended: None,
    };
    if *state != MarkerState::Valid(want_marker.clone()) {
        let d = marker::render(human, &want_marker);
        changes.push(change(
            Field::Description,
            u.description.clone(),
            Some(d.clone()),
        ));
        upd.description = Some(d);
    }

    let desired: BTreeMap<TeamId, TeamRole> = cx
        .rules
        .teams_for(e)
        .into_iter()
        .map(|(k, v)| (k, v.role))
        .collect();
    let (removals, additions) = membership_steps(cx, &current, &desired, &cx.governed);
    if !removals.is_empty() || !additions.is_empty() {
        what.push("team memberships (by rules)");
    }
    if upd.is_empty() && removals.is_empty() && additions.is_empty() {
        return None;
    }
    let teams = (!removals.is_empty() || !additions.is_empty()).then(|| TeamsChange {
        old: labels(cx, &current, Some(&cx.governed)),
        new: sorted(desired.iter().map(|(id, r)| cx.label(id, r))),
    });
    let reason = match state {
        MarkerState::Absent if matched_by_email => {
            let mut r =
                "adopt: PagerDuty user matched by email; add the ownership marker".to_string();
            if !what.is_empty() {
                r.push_str(&format!("; changed: {}", what.join(", ")));
            }
            r
        }
        MarkerState::Invalid(_) => {
            let mut r = "unreadable ownership marker replaced (matched by email)".to_string();
            if !what.is_empty() {
                r.push_str(&format!("; changed: {}", what.join(", ")));
            }
            r
        }
        _ if what.contains(&"email") && !matched_by_email => format!(
            "mover: {} changed in HR (matched by employee ID {})",
            what.join(", "),
            e.employee_id
        ),
        _ if what.is_empty() => "ownership marker repaired".to_string(),
        _ => format!("mover: {} changed", what.join(", ")),
    };
    let mut steps = removals;
    if !upd.is_empty() {
        steps.push(Step::UpdateUser(upd));
    }
    steps.extend(additions);
    Some(Action {
        kind: ActionKind::Update,
        employee_id: Some(e.employee_id.clone()),
        email: if cx.email_blocked.contains(&e.employee_id) {
            Email::normalise(&u.email)
        } else {
            e.email.clone()
        },
        name: e.name.clone(),
        user_id: Some(u.id.clone()),
        reason,
        changes,
        teams,
        steps,
        guard: None,
        line: Some(e.line),
    })
}

fn reactivate(cx: &mut Ctx<'_>, e: &Employee, u: &User, human: &str, s: &Suspension) -> Action {
    let mut upd = UserUpdate::default();
    let mut changes = Vec::new();
    diff_fields(cx, e, u, &mut upd, &mut changes);
    let role = cx.rules.role_for(e);
    if u.role != role {
        changes.insert(
            changes
                .iter()
                .position(|c| c.field > Field::Role)
                .unwrap_or(changes.len()),
            change(
                Field::Role,
                Some(u.role.to_string()),
                Some(role.to_string()),
            ),
        );
        upd.role = Some(role.clone());
    }
    // Desired memberships: the rules for governed teams, the marker for the others. A
    // recorded membership PagerDuty would refuse on every run is not restored, or the rehire
    // would never finish: a team that no longer exists (404), or any team when the rules now
    // give a stakeholder role (fact F17).
    let mut desired: BTreeMap<TeamId, TeamRole> = cx
        .rules
        .teams_for(e)
        .into_iter()
        .map(|(k, v)| (k, v.role))
        .collect();
    let mut gone = Vec::new();
    let mut refused = Vec::new();
    for t in &s.teams {
        if cx.governed.contains(&t.id) {
            continue;
        }
        let label = match &t.name {
            Some(n) => format!("{n:?} ({})", t.id),
            None => t.id.to_string(),
        };
        if !cx.team_names.contains_key(t.id.as_str()) {
            gone.push(label);
        } else if role.is_stakeholder() {
            refused.push(label);
        } else {
            desired.insert(t.id.clone(), t.role.clone());
        }
    }
    let current = cx.memberships(u);
    let mut scope = cx.governed.clone();
    scope.extend(desired.keys().cloned());
    let (removals, additions) = membership_steps(cx, &current, &desired, &scope);
    let final_marker = Marker {
        employee_id: e.employee_id.clone(),
        suspended: None,
    };
    let final_description = marker::render(human, &final_marker);
    changes.push(change(
        Field::Description,
        u.description.clone(),
        Some(final_description.clone()),
    ));
    let mut steps = removals;
    if additions.is_empty() {
        upd.description = Some(final_description);
        steps.push(Step::UpdateUser(upd));
    } else {
        if !upd.is_empty() {
            steps.push(Step::UpdateUser(upd));
        }
        steps.extend(additions);
        steps.push(Step::UpdateUser(UserUpdate {
            description: Some(final_description),
            ..UserUpdate::default()
        }));
    }
    let mut reason = format!(
        "rehire: {} in HR; restores what the suspension of {} recorded",
        status_words(e),
        s.on
    );
    if role != s.role {
        reason.push_str(&format!(
            " (rules now give role {role}; it was {} before suspension)",
            s.role
        ));
    }
    if !gone.is_empty() {
        reason.push_str(&format!(
            "; recorded team{} {} no longer exist{} and {} not restored",
            if gone.len() == 1 { "" } else { "s" },
            gone.join(", "),
            if gone.len() == 1 { "s" } else { "" },
            if gone.len() == 1 { "is" } else { "are" },
        ));
    }
    if !refused.is_empty() {
        reason.push_str(&format!(
            "; recorded team{} {} not restored: PagerDuty refuses role {role} on teams",
            if refused.len() == 1 { "" } else { "s" },
            refused.join(", "),
        ));
    }
    let old = labels(cx, &current, None);
    let new = sorted(desired.iter().map(|(id, r)| cx.label(id, r)));
    Action {
        kind: ActionKind::Reactivate,
        employee_id: Some(e.employee_id.clone()),
        email: e.email.clone(),
        name: e.name.clone(),
        user_id: Some(u.id.clone()),
        reason,
        changes,
        teams: (old != new).then_some(TeamsChange { old, new }),
        steps,
        guard: None,
        line: Some(e.line),
    }
}

/// Suspension, or the rest of an interrupted one. `None` when the user is already fully
/// suspended.
fn deactivate(
    cx: &mut Ctx<'_>,
    u: &User,
    employee_id: &EmployeeId,
    e: Option<&Employee>,
    human: &str,
    current_marker: Option<&Marker>,
    why: String,
) -> Option<Action> {
    let current = cx.memberships(u);
    let existing = current_marker.and_then(|m| m.suspended.clone());
    let resuming = existing.is_some();
    let suspension = match existing {
        Some(s) => s,
        None => {
            let mut teams = Vec::new();
            for m in current.values() {
                let role = match &m.role {
                    Some(r) => r.clone(),
                    None => {
                        cx.needs.insert(m.team_id.clone());
                        default_team_role(&u.role)
                    }
                };
                teams.push(SavedMembership {
                    id: m.team_id.clone(),
                    name: cx.team_names.get(m.team_id.as_str()).map(|s| s.to_string()),
                    role,
                });
            }
            Suspension {
                on: cx.inp.today,
                role: u.role.clone(),
                teams,
            }
        }
    };
    let want_marker = Marker {
        employee_id: employee_id.clone(),
        suspended: Some(suspension),
    };
    let mut changes = Vec::new();
    let mut marker_update = UserUpdate::default();
    let mut role_update = UserUpdate::default();
    if u.role != cx.suspended_role {
        changes.push(change(
            Field::Role,
            Some(u.role.to_string()),
            Some(cx.suspended_role.to_string()),
        ));
        role_update.role = Some(cx.suspended_role.clone());
    }
    if current_marker != Some(&want_marker) {
        let d = marker::render(human, &want_marker);
        changes.push(change(
            Field::Description,
            u.description.clone(),
            Some(d.clone()),
        ));
        marker_update.description = Some(d);
    }
    let removals: Vec<Step> = current
        .values()
        .map(|m| Step::RemoveFromTeam {
            team_id: m.team_id.clone(),
            team: cx.team_name(&m.team_id),
        })
        .collect();
    // The marker is written first. A stakeholder role cannot hold team memberships (fact
    // F17), so with a stakeholder `suspended_role` and teams to leave, the role changes
    // last; otherwise role and marker go in one request.
    let mut steps = Vec::new();
    if cx.suspended_role.is_stakeholder() && !removals.is_empty() {
        if !marker_update.is_empty() {
            steps.push(Step::UpdateUser(marker_update));
        }
        steps.extend(removals);
        if !role_update.is_empty() {
            steps.push(Step::UpdateUser(role_update));
        }
    } else {
        marker_update.role = role_update.role;
        if !marker_update.is_empty() {
            steps.push(Step::UpdateUser(marker_update));
        }
        steps.extend(removals);
    }
    if steps.is_empty() {
        return None;
    }
    let old = labels(cx, &current, None);
    let reason = if resuming {
        format!("{why}; finishing an interrupted suspension")
    } else {
        why
    };
    let email = Email::normalise(&u.email);
    Some(Action {
        kind: ActionKind::Deactivate,
        employee_id: Some(employee_id.clone()),
        email: email.clone(),
        name: collapse(&u.name),
        user_id: Some(u.id.clone()),
        reason,
        changes,
        teams: (!old.is_empty()).then_some(TeamsChange { old, new: vec![] }),
        steps,
        guard: Some(Guard {
            employee_id: current_marker.map(|m| m.employee_id.clone()),
            email,
        }),
        line: e.map(|e| e.line),
    })
}

/// PagerDuty's default team role for a base role (PAGERDUTY_API.md §5.1, from S25): used
/// only when a team's members could not be read.
fn default_team_role(role: &Role) -> TeamRole {
    match role {
        Role::LimitedUser => TeamRole::Responder,
        Role::User | Role::Admin | Role::Owner => TeamRole::Manager,
        _ => TeamRole::Observer,
    }
}

#[cfg(test)]
mod tests;
