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
//! is absent, unreadable, or the suspension record of an offboarded unmanaged user (which
//! names no employee). So an email change is an update, and a rehire finds the suspended
//! user again, with no local state. With `--rekey-employee-ids`, an email match on a user
//! whose marker names an employee the export no longer lists re-keys that marker.
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
//! - **update**: the user `PUT`, then team additions, then removals, so that a mover joins
//!   the new team before leaving the old one (a removal PagerDuty refuses while the user is
//!   on one of the team's escalation policies, fact F32, then leaves the user on both teams
//!   rather than on neither). When the base role becomes a stakeholder role, which holds no
//!   teams (fact F17), the removals come first and the `PUT` last. Every step is recomputed
//!   by the next plan, so a crash between two steps is finished by the next run.
//!
//! # On-call checks
//! Every deactivation and deletion carries the on-call duties of its user
//! ([`Action::oncall`], from [`Inputs::oncall`]) and is blocked ([`Action::blocked`], by
//! [`crate::oncall::check`]) while the user is on an escalation policy (as a target or
//! through a schedule), on a schedule, on call in the lookahead or assigned open
//! incidents, unless [`Policy::allow_oncall_gaps`]. A user whose duties were not given is
//! named in [`Plan::needs_oncall`] and their deactivation blocked until they are: the
//! caller looks them up and plans again. A blocked action keeps its steps (a saved plan
//! applied later with the override sends them) but is not attempted. A deactivation whose
//! team removal PagerDuty would refuse (the user is on an escalation policy of that team,
//! [`crate::oncall::OncallFacts::policy_teams`], fact F32) is blocked even with the
//! override ([`Action::refused_removals`]); so is a suspension to a stakeholder
//! `suspended_role` of a user on a schedule or escalation policy (PagerDuty would refuse the
//! role change, PAGERDUTY_API.md §3.2) and a deletion with open incidents assigned (PagerDuty
//! refuses the `DELETE`, fact F22): [`crate::oncall::Held`]. A mover with a planned team
//! removal is looked up too (named in [`Plan::needs_oncall`] until then, the removal
//! planned as usual), and a removal PagerDuty would refuse is left out of the update's steps
//! and listed in [`Action::refused_removals`] ([`Plan::blocked_team_removals`] counts them).
//!
//! # Emails handed over
//! When one person's email changes and another person (a new hire, or a user moving too)
//! takes the old address in the same run, the second action names the first user in
//! [`Action::waits_for`]; the executor runs it after, and only once the email change was
//! done (`handoff`). A swap, or any ring of moves, cannot be ordered: those email changes
//! are held back with a note, and the rest of each update is applied.
//!
//! # Layout
//! - `contract`: the data contract ([`Plan`], [`Action`], [`Step`], [`Guard`], ...) that
//!   apply, the report and saved plans read; `skip`: [`Skip`] and its [`SkipCause`];
//! - [`policy`] and [`rules`]: what the configuration asks, and the rules resolved against
//!   the account's teams; [`ownership`]: the users never written (shared with apply);
//! - [`dated`]: what each row's status, hire date and termination date mean today
//!   (future hires, scheduled terminations, past termination dates, leave);
//! - `context`: the state of one run (resolved rules, team names, memberships, notes);
//! - `matching`: users indexed by marker employee ID and by email, duplicate markers,
//!   claims by unreadable markers;
//! - `employees` (the pass over the export) and `leavers` (the pass over users no employee
//!   decided: marked users the export no longer lists, unmanaged users);
//! - `handoff`: the email changes of a run, and the addresses they free for others;
//! - `employees` (the pass over the export, with re-keys and the suspended-by-others
//!   conflict) and `leavers` (the pass over users no employee decided: marked users the
//!   export no longer lists, unmanaged users, offboarded with `unmanaged_users =
//!   "offboard"`);
//! - `licenses`: the licences rules name, the licence change each action brings, and the
//!   count of free allocations; `duplicates`: creates that probably duplicate a user;
//! - `preconditions`: the `From` user and the stakeholder-with-a-team rule mistake;
//! - `build`: one builder per [`ActionKind`] and the helpers they share;
//! - [`safety`]: the change thresholds checked on a finished plan.

pub mod adoption;
pub mod dated;
pub mod licenses;
pub mod ownership;
pub mod policy;
pub mod rules;
pub mod safety;

mod build;
mod context;
mod contract;
mod duplicates;
mod employees;
mod handoff;
mod leavers;
mod matching;
mod preconditions;
mod skip;

pub use context::TeamRolesByUser;
pub use contract::{
    Action, ActionKind, Change, DateConflict, FailedSignature, Field, Guard, LicenseLabel,
    LicenseMove, LicenseShortfall, LicenseTarget, MarkerSignatures, MarkerTrust, Pending, Plan,
    Population, ProbableDuplicate, RoleSource, StartConflict, Step, TeamMembership, TeamSource,
    TeamsChange,
};
pub use policy::Policy;
pub use preconditions::check_rules_offline;
pub use skip::{LeftAlone, MarkerFault, RekeyHold, Skip, SkipCause, SkipSide, UnverifiedMarker};

use crate::archive::Archive;
use crate::email::Email;
use crate::hr::Roster;
use crate::ids::{EmployeeId, LicenseId, TeamId, UserId};
use crate::marker::MarkerKeys;
use crate::oncall::OncallFacts;
use crate::pagerduty::models::licenses::LicenseWithCounts;
use crate::pagerduty::models::{Team, TeamMember, User};
use chrono::NaiveDate;
use context::Ctx;
use licenses::Licensing;
use matching::evidence::{Rows, doubt_marker_matches};
use matching::{Index, UserSet};
use rules::ResolvedRules;
use std::collections::{BTreeMap, BTreeSet};

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
    /// The on-call duties of users looked up so far (for the users in
    /// [`Plan::needs_oncall`]), and the lookahead they were looked up over.
    pub oncall: &'a OncallFacts,
    /// "Today": the date in `[lifecycle] default_time_zone` (or the run's `--as-of`). The
    /// dated rules of [`dated`] compare the export's dates with it.
    pub today: NaiveDate,
    /// The day the run really happens: the date in `[lifecycle] default_time_zone`,
    /// whatever `--as-of` says (equal to [`Inputs::today`] without it). Suspension markers
    /// record it as `suspended.on`, so that `delete_suspended_after_days` counts from the
    /// day a user was really suspended, not from the earlier day a back-dated run was as of
    /// (the termination date the suspension was for is recorded apart).
    pub run_day: NaiveDate,
    /// The deletion archive as read by the commands ([`Archive::in_memory`] when none is
    /// configured): a rehire with no user is re-created from their latest record, and a
    /// user whose restore was interrupted finishes it.
    pub archive: &'a Archive,
    /// The user that owns the API key (`GET /users/me`, with a user-level key): never
    /// written. `None` for an account-level key, which belongs to no user.
    pub key_owner: Option<&'a UserId>,
    /// The account's licences (`GET /licenses`); empty when it has none.
    pub licenses: &'a [LicenseWithCounts],
    /// Who holds which licence (`GET /license_allocations`), when read; see
    /// [`Plan::needs_license_holders`].
    pub license_holders: Option<&'a BTreeMap<UserId, LicenseId>>,
    /// The marker keys (`PAGERDUTY_MARKER_KEY` and, during a rotation, `..._PREVIOUS`, read
    /// by the commands): with them every marker the plan writes is signed and a marker is
    /// trusted only as [`crate::marker::sign`] and README.md § Marker integrity say;
    /// `None` leaves markers unsigned, as before keys existed.
    pub marker_keys: Option<&'a MarkerKeys>,
    /// Why the run has no marker keys, when [`Inputs::marker_keys`] is `None`: the note of a
    /// plan that writes markers unsigned says it ([`Unkeyed::note`]).
    pub unkeyed: Unkeyed,
}

/// Why a run plans without marker keys, which the note of a plan that writes unsigned
/// markers names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unkeyed {
    /// `PAGERDUTY_MARKER_KEY` is not set (nor `--marker-key-file` given).
    #[default]
    NotSet,
    /// A key is set but the run ignores it: the demo plans against its own simulator
    /// without keys, whatever the environment holds.
    Ignored,
}

impl Unkeyed {
    /// The note of a plan that writes markers without a key.
    pub fn note(self) -> &'static str {
        match self {
            Unkeyed::NotSet => {
                "the markers this plan writes are not signed: PAGERDUTY_MARKER_KEY is not set, so a marker edited in PagerDuty cannot be told from one hr2pagerduty wrote (README.md § Marker integrity)"
            }
            Unkeyed::Ignored => {
                "the markers this plan writes are not signed: the demo ignores PAGERDUTY_MARKER_KEY (and PAGERDUTY_MARKER_KEY_PREVIOUS), which is set, and plans without a key against its own simulator; plan and apply use the key (README.md § Marker integrity)"
            }
        }
    }

    /// The note of a plan without a key that writes no marker: markers stay unsigned, and
    /// the run says so all the same.
    pub fn note_writing_none(self) -> &'static str {
        match self {
            Unkeyed::NotSet => {
                "this run neither signs nor checks markers: PAGERDUTY_MARKER_KEY is not set, so a marker edited in PagerDuty cannot be told from one hr2pagerduty wrote (README.md § Marker integrity)"
            }
            Unkeyed::Ignored => {
                "this run neither signs nor checks markers: the demo ignores PAGERDUTY_MARKER_KEY (and PAGERDUTY_MARKER_KEY_PREVIOUS), which is set, and plans without a key against its own simulator; plan and apply use the key (README.md § Marker integrity)"
            }
        }
    }
}

/// What the passes over employees and users gather.
#[derive(Default)]
struct Tally {
    /// The plan so far (population, order and the actions' notes are set last).
    out: Plan,
    /// Users an employee decided (matched, or named by its skip): the pass over users
    /// without an HR row leaves them out. (These sets hold users by slot, [`Index::slot`].)
    handled: UserSet,
    /// Users an HR row found (by marker or email, also when the row was then skipped): the
    /// others are what a create may probably duplicate.
    matched: UserSet,
    /// Users the run manages after adoption.
    managed: UserSet,
    /// Lines of [`PlanError::Rules`].
    problems: Vec<String>,
    /// Employees provisioned today (employed, by [`dated`]), for the shrink check.
    hr_active: usize,
    /// Leavers whose row found no user and was counted unchanged, by employee ID: a user
    /// left alone with their name may be them (`leavers::leaver_namesakes`).
    userless_leavers: std::collections::BTreeSet<EmployeeId>,
}

/// Computes the plan.
///
/// # Errors
/// [`PlanError::Rules`] when a team rule names a team the account lacks (or ambiguously),
/// when rules give an employee a stakeholder base role together with a team (PagerDuty
/// refuses stakeholders on teams, fact F17), or when `[pagerduty] from` is not a user of
/// the account (fact F6); also when a licence a rule names is not one of the account's, or
/// does not allow the rule's role, or no licence allows a role the plan gives (fact F20).
pub fn plan(inp: Inputs<'_>) -> Result<Plan, PlanError> {
    let rules = ResolvedRules::resolve(&inp.policy.rules, inp.teams)?;
    plan_with_rules(inp, rules)
}

/// [`plan`] with the rules already resolved (`rules`, from [`ResolvedRules::resolve`] of
/// `inp.policy.rules` against `inp.teams`): `pipeline` resolves them once per run, to learn
/// the governed teams before the first plan, and plans every round with them.
///
/// # Errors
/// As [`plan`], but for the rule resolution's own.
pub fn plan_with_rules(inp: Inputs<'_>, rules: ResolvedRules) -> Result<Plan, PlanError> {
    let licensing = Licensing::resolve(&inp.policy.rules, inp.licenses, inp.license_holders)
        .map_err(PlanError::Rules)?;
    let mut cx = Ctx::new(inp, rules);
    cx.licensing = licensing;
    let mut index = Index::new(inp);
    let rows = Rows::new(inp.roster);
    index.rekey_overlaps(inp, &rows);
    cx.resign = index.resign().clone();
    // What matching finds for each row, read by the hand-offs and by the pass itself; a
    // match by marker that the evidence is against is a skip (`matching::evidence`).
    let mut found: Vec<_> = inp.roster.employees.iter().map(|e| index.find(e)).collect();
    let employees = &inp.roster.employees;
    doubt_marker_matches(&index, &rows, employees, &mut found, None);
    cx.handoffs = handoff::Handoffs::new(
        &index,
        employees,
        &found,
        inp.policy,
        inp.today,
        inp.key_owner,
    );
    let freed = |email: &Email| cx.handoffs.freed_by(email).cloned();
    doubt_marker_matches(&index, &rows, employees, &mut found, Some(&freed));
    let mut t = Tally::default();
    t.out.notes.extend_from_slice(index.notes());
    t.out.marker_notes = index.notes().to_vec();
    if let Some(path) = inp.archive.path().filter(|_| inp.archive.missing()) {
        t.out.notes.push(format!(
            "the deletion archive {} does not exist: read as empty (it is created by the first deletion); if users were deleted before, it was lost or the path is wrong, and rows with a past termination date are not created",
            path.display()
        ));
    }
    t.out.marker_signatures = index.signatures();
    t.out.adoption_guarded = index.signed_account() || index.unchecked_signed_account();
    t.out.adoption_by_email_allowed = inp.policy.allow_adoption_by_email;
    t.out.unchecked_signed_markers = index.unchecked_signed();
    t.out.unchecked_signed_users = index.unchecked_signed_users().to_vec();
    skip_duplicate_markers(&index, &mut t);
    for (e, found) in inp.roster.employees.iter().zip(found) {
        employees::plan_employee(&mut cx, &index, e, found, &mut t);
    }
    leavers::plan_users_without_row(&mut cx, &index, &mut t);
    order_rekeys(&mut t.out.actions, &index);
    leavers::leaver_namesakes(&cx, &index, &mut t);
    duplicates::flag(inp.users, &index, &mut t);
    t.problems
        .extend(preconditions::from_user(&inp.policy.from, &index));
    let (shortfalls, license_problems) = cx.licensing.ledger();
    t.problems.extend(license_problems);
    if !t.problems.is_empty() {
        return Err(PlanError::Rules(t.problems));
    }
    let license_moves = cx.licensing.moves();
    let mut p = t.finish(cx, &index);
    p.license_shortfalls = shortfalls;
    p.license_moves = license_moves;
    // Every run without a key says so (issue 10: "markers stay unsigned as today, and doctor
    // and the plan say so"), a plan that writes no marker too.
    if inp.marker_keys.is_none() {
        let note = if p.actions.iter().any(writes_marker) {
            inp.unkeyed.note()
        } else {
            inp.unkeyed.note_writing_none()
        };
        p.notes.push(note.into());
    }
    Ok(p)
}

/// Orders the re-keys of a chain of shifted IDs (`--rekey-employee-ids`): the action that
/// re-keys a user to employee N waits for the action of the user giving N up (re-keyed to
/// another ID, or a leaver giving it up, [`Index::released`]), named in
/// [`Action::rekey_after`], so that a run stopped between the two leaves no duplicate
/// marker. An action that already waits for an email hand-off ([`Action::waits_for`])
/// keeps that one link. A cycle (IDs swapped, or rotated) cannot be ordered: the link of
/// the user with the lowest ID in it is dropped, and a run stopped there leaves a
/// duplicate that the next `--rekey-employee-ids` run settles (`matching::evidence`).
fn order_rekeys(actions: &mut [Action], index: &Index<'_>) {
    let mut gives_up: BTreeMap<EmployeeId, UserId> = BTreeMap::new();
    for a in actions.iter() {
        if let (Some(old), Some(u)) = (&a.rekeyed_from, &a.user_id) {
            gives_up.insert(old.clone(), u.clone());
        }
    }
    let acted: BTreeSet<&UserId> = actions.iter().filter_map(|a| a.user_id.as_ref()).collect();
    for (u, old) in index.released_ids() {
        if acted.contains(u) {
            gives_up.insert(old.clone(), u.clone());
        }
    }
    drop(acted);
    let mut after: BTreeMap<UserId, UserId> = BTreeMap::new();
    for a in actions.iter() {
        if let (Some(_), Some(new), Some(u), None) =
            (&a.rekeyed_from, &a.employee_id, &a.user_id, &a.waits_for)
            && let Some(w) = gives_up.get(new).filter(|w| *w != u)
        {
            after.insert(u.clone(), w.clone());
        }
    }
    // Each user has at most one link: walk each path once, and break each cycle found.
    let mut done: BTreeSet<UserId> = BTreeSet::new();
    let starts: Vec<UserId> = after.keys().cloned().collect();
    for start in starts {
        let mut path: Vec<UserId> = Vec::new();
        let mut on_path: BTreeMap<UserId, usize> = BTreeMap::new();
        let mut at = Some(start);
        while let Some(u) = at {
            if done.contains(&u) {
                break;
            }
            if let Some(&from) = on_path.get(&u) {
                let lowest = path[from..]
                    .iter()
                    .min()
                    .cloned()
                    .expect("a cycle has users");
                after.remove(&lowest);
                break;
            }
            on_path.insert(u.clone(), path.len());
            path.push(u.clone());
            at = after.get(&u).cloned();
        }
        done.extend(path);
    }
    for a in actions.iter_mut() {
        if let Some(u) = &a.user_id {
            a.rekey_after = after.get(u).cloned();
        }
    }
}

/// Whether `a` writes a description (every description hr2pagerduty writes holds a marker).
fn writes_marker(a: &Action) -> bool {
    a.steps.iter().any(|s| match s {
        Step::CreateUser(n) => n.description.is_some(),
        Step::UpdateUser(u) => u.description.is_some(),
        _ => false,
    })
}

/// Leaves alone every user carrying the marker of an employee that another user's marker
/// names too: which of them is the employee's is for a person to decide.
fn skip_duplicate_markers<'a>(index: &Index<'a>, t: &mut Tally) {
    for (eid, users) in index.conflicts() {
        let ids: Vec<UserId> = users.iter().map(|u| u.id.clone()).collect();
        for u in users {
            t.handled.insert(index.slot(u));
            t.out.skipped.push(Skip::user(
                eid,
                u,
                SkipCause::DuplicateMarker {
                    employee_id: eid.clone(),
                    users: ids.clone(),
                    rekey_resolves: index.rekey_resolves(eid),
                },
            ));
        }
    }
}

/// Drops the duplicate-marker skip of a user that another skip names already (an HR row
/// whose email finds a user carrying a copy of another employee's marker): that skip says
/// which employee the marker names, so the user is listed once, and `Skipped (N)` counts
/// the lines listed.
fn one_line_per_marker_copy(skipped: &mut Vec<Skip>) {
    let named: std::collections::BTreeSet<UserId> = skipped
        .iter()
        .filter(|s| !matches!(s.reason, SkipCause::DuplicateMarker { .. }))
        .filter_map(|s| s.pagerduty_user_id.clone())
        .collect();
    skipped.retain(|s| {
        !matches!(s.reason, SkipCause::DuplicateMarker { .. })
            || s.pagerduty_user_id
                .as_ref()
                .is_none_or(|id| !named.contains(id))
    });
}

impl Tally {
    /// The finished plan: counts for the safety checks, actions and skips in their
    /// documented order, the teams whose members are needed, and the notes gathered while
    /// planning actions after the notes about users.
    fn finish<'a>(self, mut cx: Ctx<'a>, index: &Index<'a>) -> Plan {
        let hr_active = self.hr_active;
        let Tally {
            mut out, managed, ..
        } = self;
        let inp = cx.inp;
        out.population = Population {
            managed_users: managed.len(),
            managed_active_users: inp
                .users
                .iter()
                .filter(|u| managed.contains(index.slot(u)))
                .filter(|u| index.marker(u).is_none_or(|m| m.suspended.is_none()))
                .count(),
            hr_active,
        };
        out.actions.sort_by(|a, b| {
            (a.email.as_str(), a.user_id.as_ref().map(|id| id.as_str()))
                .cmp(&(b.email.as_str(), b.user_id.as_ref().map(|id| id.as_str())))
        });
        out.skipped.sort_by(|a, b| {
            (
                a.email.as_ref().map(Email::as_str),
                a.pagerduty_user_id.as_ref().map(|id| id.as_str()),
            )
                .cmp(&(
                    b.email.as_ref().map(Email::as_str),
                    b.pagerduty_user_id.as_ref().map(|id| id.as_str()),
                ))
        });
        one_line_per_marker_copy(&mut out.skipped);
        if inp.marker_keys.is_some() {
            mark_signatures(&mut out.actions, inp.users, index);
        }
        out.pending
            .sort_by(|a, b| (a.on, a.email.as_str()).cmp(&(b.on, b.email.as_str())));
        out.conflicts.sort_by_key(|c| c.line);
        out.start_conflicts.sort_by_key(|c| c.line);
        out.needs_team_members = std::mem::take(&mut cx.needs);
        out.needs_license_holders = cx.licensing.needs_holders();
        out.needs_oncall = std::mem::take(&mut cx.needs_oncall);
        out.notes.append(&mut cx.notes);
        out
    }
}

/// Records on each action how its user's marker checked against the marker keys
/// ([`Action::marker_signature`]), so that the plan shows the verdict the planner acted on
/// (nothing without keys). One pass over the listing, looking up only the actions' users;
/// every action of a user is marked (a termination-pending stamp and the deactivation it
/// goes with are two actions on one user).
fn mark_signatures(actions: &mut [Action], users: &[User], index: &Index<'_>) {
    let mut by_user: foldhash::HashMap<&UserId, Vec<usize>> = foldhash::HashMap::default();
    for (at, a) in actions.iter().enumerate() {
        if let Some(id) = &a.user_id {
            by_user.entry(id).or_default().push(at);
        }
    }
    if by_user.is_empty() {
        return;
    }
    let found: Vec<(usize, MarkerTrust)> = users
        .iter()
        .filter_map(|u| Some((by_user.get(&u.id)?, index.checked(u)?)))
        .flat_map(|(ats, verdict)| ats.iter().map(move |&at| (at, verdict)))
        .collect();
    for (at, verdict) in found {
        actions[at].marker_signature = Some(verdict);
    }
}

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;
