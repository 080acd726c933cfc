//! One builder per action kind, and what they share: field differences, the base-role
//! change, membership steps and the memberships of
//! [`TeamsChange`](super::TeamsChange).
//!
//! Each builder turns one matched (or unmatched) employee or user into at most one
//! [`super::Action`], with its steps in the crash-safe order the module docs of
//! [`crate::plan`] describe.

mod cause;
mod create;
mod deactivate;
mod delete;
mod reactivate;
mod restore;
mod sign;
mod update;

pub(super) use cause::{DeletionCause, LeaverReason, LeaverWhy, UpdateReason};
pub(super) use create::create;
pub(super) use deactivate::{Record, deactivate, oncall_duties, only_marker_write, stamp_pending};
pub(super) use delete::{leave, other_person_record, renumbered_record, restorable_record};
pub(super) use reactivate::reactivate;
pub(super) use restore::restore;
pub(super) use sign::{marker_write, sign};
pub(super) use update::update;

use super::context::{Ctx, Membership};
use super::contract::{TeamMembership, TeamSource};
use super::licenses::insert_change;
use super::{Action, ActionKind, Change, Field, Step};
use crate::hr::Employee;
use crate::ids::{EmployeeId, TeamId};
use crate::marker::{Marker, SavedMembership};
use crate::oncall::RefusedRemoval;
use crate::pagerduty::models::{User, UserUpdate};
use crate::vocab::{Role, TeamRole};
use crate::words::plural;
use cause::{Changed, ChangedFields};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// `s` with runs of whitespace collapsed to one space, trimmed.
pub(super) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `collapse(s) == collapsed`, without building the collapsed copy.
fn collapses_to(s: &str, collapsed: &str) -> bool {
    let mut rest = collapsed;
    for (i, word) in s.split_whitespace().enumerate() {
        if i > 0 {
            match rest.strip_prefix(' ') {
                Some(r) => rest = r,
                None => return false,
            }
        }
        match rest.strip_prefix(word) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

/// `s` collapsed, `None` when empty.
fn opt_text(s: Option<&str>) -> Option<String> {
    s.map(collapse).filter(|s| !s.is_empty())
}

/// How the export lists the employee, for reasons: `status "Active"` or `listed`.
fn status_words(e: &Employee) -> String {
    match &e.status_value {
        Some(v) => format!("status {v:?}"),
        None => "listed".into(),
    }
}

fn change(field: Field, old: Option<String>, new: Option<String>) -> Change {
    Change { field, old, new }
}

/// The memberships of `it`, sorted by their text ([`TeamMembership::sort`]).
fn sorted(it: impl Iterator<Item = TeamMembership>) -> Vec<TeamMembership> {
    let mut v: Vec<TeamMembership> = it.collect();
    TeamMembership::sort(&mut v);
    v
}

/// The marker of an active (not suspended) managed user, with the day of the run that
/// created it ([`Marker::created`]: the run's day for a create, what the user's marker
/// records for a user that exists).
fn active_marker(employee_id: &EmployeeId, created: Option<NaiveDate>) -> Marker {
    Marker {
        employee_id: Some(employee_id.clone()),
        suspended: None,
        pending_termination: None,
        created,
    }
}

/// Field differences between an employee and a user, applied to `upd` and `changes`.
/// Returns the fields that changed, for the reason.
fn diff_fields(
    cx: &Ctx<'_>,
    e: &Employee,
    u: &User,
    upd: &mut UserUpdate,
    changes: &mut Vec<Change>,
) -> ChangedFields {
    let mut what = ChangedFields::default();
    if !collapses_to(&u.name, &e.name) {
        changes.push(change(
            Field::Name,
            Some(u.name.clone()),
            Some(e.name.clone()),
        ));
        upd.name = Some(e.name.clone());
        what.insert(Changed::Name);
    }
    if !e.email.is_normal_form_of(&u.email) && !cx.email_blocked.contains(&e.employee_id) {
        changes.push(change(
            Field::Email,
            Some(u.email.clone()),
            Some(e.email.to_string()),
        ));
        upd.email = Some(e.email.to_string());
        what.insert(Changed::Email);
    }
    if cx.policy.sync_job_title {
        let old = opt_text(u.job_title.as_deref());
        if old != e.job_title {
            changes.push(change(
                Field::JobTitle,
                u.job_title.clone(),
                e.job_title.clone(),
            ));
            upd.job_title = Some(e.job_title.clone().unwrap_or_default());
            what.insert(Changed::JobTitle);
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
        what.insert(Changed::TimeZone);
    }
    what
}

/// Records a base-role change from `old` to `new` in `upd`, and in `changes` at its place in
/// the field order (after name and email, before job title, time zone and description).
fn change_role(changes: &mut Vec<Change>, upd: &mut UserUpdate, old: &Role, new: Role) {
    changes.insert(
        changes
            .iter()
            .position(|c| c.field > Field::Role)
            .unwrap_or(changes.len()),
        change(Field::Role, Some(old.to_string()), Some(new.to_string())),
    );
    upd.role = Some(new);
}

/// The licence `u` needs for the base role it ends with (`upd`'s new role, else its own)
/// under the rules matching `e`: sent in `upd` when it changes, its change inserted in
/// `changes` at its place. True when the update sends a licence. An update and a
/// reactivation both use it. The licence a rule names is for the role that rule gives:
/// while that role is held back ([`stakeholder_kept_off`]), the user keeps its licence, so
/// that no licence is sent that its kept role is not valid for (fact F20).
fn license_for_existing(
    cx: &Ctx<'_>,
    e: &Employee,
    u: &User,
    upd: &mut UserUpdate,
    changes: &mut Vec<Change>,
) -> bool {
    let new_role = upd.role.clone().unwrap_or_else(|| u.role.clone());
    let named = if new_role == cx.rules.role_for(e) {
        cx.licensing.named_for(cx.rules.role_rule_for(e))
    } else {
        None
    };
    let license = cx.licensing.for_existing(u, &new_role, named, false);
    let sent = license.send.is_some();
    upd.license = license.send;
    if let Some(c) = license.change {
        insert_change(changes, c);
    }
    sent
}

/// Why the stakeholder base role the rules give is not written this run
/// ([`stakeholder_kept_off`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeptOff {
    /// The user is on a team it cannot leave (an escalation policy of the team, fact F32)
    /// or that no rule names: the team removals the rules give still go ahead.
    Teams,
    /// The user is on an escalation policy or a schedule, which a stakeholder "cannot be
    /// on" (§3.2): the team removals the role brings are not sent either, so that the
    /// user is left as it is until a person hands the duties over.
    Rota,
}

/// Whether the stakeholder base role `role` the rules give `u` (matched to `e`; `current`,
/// its memberships) is left as it is this run, with a note saying why and what a person
/// must do: `u` is on a team the rules take them off but whose removal PagerDuty refuses
/// while they are on one of its escalation policies (fact F32,
/// [`crate::oncall::OncallFacts::refused_removals`]); or on an escalation policy or a
/// schedule, which PagerDuty does not allow a stakeholder on (§3.2, the same fact that
/// blocks a stakeholder suspension, [`crate::oncall::Held::StakeholderRole`]); or on a team
/// no rule names (PagerDuty refuses stakeholders on teams, fact F17, and such teams are
/// never touched). `None` when the role may be written. A user whose on-call duties were
/// not looked up joins [`crate::plan::Plan::needs_oncall`]: the caller looks them up and
/// plans again. An update and a reactivation both apply the rest.
fn stakeholder_kept_off(
    cx: &mut Ctx<'_>,
    e: &Employee,
    u: &User,
    current: &BTreeMap<TeamId, Membership>,
    role: &Role,
) -> Option<KeptOff> {
    if u.role == *role || !role.is_stakeholder() {
        return None;
    }
    let desired = ruled_teams(cx, e);
    let leaving: Vec<&TeamId> = current
        .keys()
        .filter(|t| cx.governed.contains(*t) && !desired.contains_key(*t))
        .collect();
    let refused = cx
        .inp
        .oncall
        .refused_removals(&u.id, leaving.iter().map(|t| (*t, cx.team_name(t))));
    if let Some(r) = refused.first() {
        cx.notes.push(format!(
            "employee {} (line {}): the rules give {role}, which PagerDuty refuses on teams, but user {} cannot leave team {:?} ({}) while on its escalation policies; role left at {} until a person does this: {}",
            e.employee_id,
            e.line,
            u.id,
            r.team,
            r.team_id,
            u.role,
            r.remedy()
        ));
        return Some(KeptOff::Teams);
    }
    // A stakeholder holds no duty (a user with a stakeholder role is on no rota already).
    if !u.role.is_stakeholder() {
        match cx.inp.oncall.users.get(&u.id) {
            None => {
                cx.needs_oncall.insert(u.id.clone());
            }
            Some(i) if i.on_rota() => {
                let rota = i.rota();
                let kept = if leaving.is_empty() {
                    String::new()
                } else {
                    let names: Vec<String> = leaving
                        .iter()
                        .map(|t| format!("{:?} ({t})", cx.team_name(t)))
                        .collect();
                    format!(
                        ", and kept on team{} {} (the role's team removals are not sent either)",
                        plural(names.len(), "", "s"),
                        names.join(", ")
                    )
                };
                cx.notes.push(format!(
                    "employee {} (line {}): the rules give {role}, a stakeholder role, which PagerDuty does not allow on schedules or escalation policies, but user {} is {}; role left at {}{kept} until a person does this: {}; the next run then gives the role",
                    e.employee_id,
                    e.line,
                    u.id,
                    rota.describe(),
                    u.role,
                    rota.remedy()
                ));
                return Some(KeptOff::Rota);
            }
            Some(_) => {}
        }
    }
    let unruled: Vec<String> = current
        .keys()
        .filter(|t| !cx.governed.contains(*t))
        .map(|t| cx.team_name(t))
        .collect();
    if unruled.is_empty() {
        return None;
    }
    cx.notes.push(format!(
        "employee {} (line {}): the rules give {role}, which PagerDuty refuses on teams, but user {} is on teams no rule names ({}); role left at {} until those memberships are removed by hand",
        e.employee_id,
        e.line,
        u.id,
        unruled.join(", "),
        u.role
    ));
    Some(KeptOff::Teams)
}

/// The on-call duties of `u` that an update or a reactivation giving it the rules'
/// stakeholder base role `role` was checked against ([`stakeholder_kept_off`]), for
/// [`crate::plan::Action::oncall`], so that a saved plan is refused when they changed
/// since: `None` when the action gives no stakeholder role, `u` already has one, or the
/// duties were not looked up.
fn stakeholder_duties(cx: &Ctx<'_>, u: &User, role: &Role) -> Option<crate::oncall::OncallImpact> {
    (role.is_stakeholder() && !u.role.is_stakeholder())
        .then(|| cx.inp.oncall.users.get(&u.id).cloned())
        .flatten()
}

/// Membership steps that turn `current` into `desired` within `scope` (team IDs):
/// `(removals, additions)`, each in team ID order.
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

/// `removals` (team removal steps of `u`) split into those to send and those PagerDuty
/// will refuse because `u` is on an escalation policy of the team (fact F32,
/// [`crate::oncall::OncallFacts::refused_removals`]), which are not sent. When `u`'s
/// on-call duties were not looked up and there is a removal, `u` joins
/// [`crate::plan::Plan::needs_oncall`] and every removal is kept: the caller looks them up
/// and plans again.
fn hold_refused_removals(
    cx: &mut Ctx<'_>,
    u: &User,
    removals: Vec<Step>,
) -> (Vec<Step>, Vec<RefusedRemoval>) {
    if removals.is_empty() {
        return (removals, Vec::new());
    }
    if !cx.inp.oncall.users.contains_key(&u.id) {
        cx.needs_oncall.insert(u.id.clone());
        return (removals, Vec::new());
    }
    let refused = cx.inp.oncall.refused_removals(
        &u.id,
        removals.iter().filter_map(|s| match s {
            Step::RemoveFromTeam { team_id, team } => Some((team_id, team.clone())),
            _ => None,
        }),
    );
    let kept = removals
        .into_iter()
        .filter(|s| {
            !matches!(s, Step::RemoveFromTeam { team_id, .. }
                if refused.iter().any(|r| &r.team_id == team_id))
        })
        .collect();
    (kept, refused)
}

/// The memberships `m` (within `scope`, when given), sorted; a membership whose role was
/// not read has none.
fn labels(
    cx: &Ctx<'_>,
    m: &BTreeMap<TeamId, Membership>,
    scope: Option<&BTreeSet<TeamId>>,
) -> Vec<TeamMembership> {
    sorted(
        m.values()
            .filter(|x| scope.is_none_or(|s| s.contains(&x.team_id)))
            .map(|x| cx.membership(&x.team_id, x.role.clone())),
    )
}

/// The desired memberships `m`, sorted.
fn desired_labels(cx: &Ctx<'_>, m: &BTreeMap<TeamId, TeamRole>) -> Vec<TeamMembership> {
    sorted(m.iter().map(|(id, r)| cx.membership(id, Some(r.clone()))))
}

/// The team memberships the rules give `e`, by team ID.
fn ruled_teams(cx: &Ctx<'_>, e: &Employee) -> BTreeMap<TeamId, TeamRole> {
    cx.rules
        .teams_for(e)
        .into_iter()
        .map(|(k, v)| (k, v.role))
        .collect()
}

/// An action of `kind` that the active HR row `e` decides (a create, an update, a
/// reactivation, a re-creation from the archive): `e`'s employee ID, email, display name
/// and line, and what gave the role and the team memberships the rules give it; the
/// builder adds the rest.
fn for_row(cx: &Ctx<'_>, kind: ActionKind, e: &Employee) -> Action {
    Action {
        employee_id: Some(e.employee_id.clone()),
        line: Some(e.line),
        role_rule: Some(cx.rules.role_source(e)),
        team_rules: team_sources(cx, e),
        ..Action::new(kind, e.email.clone(), e.name.clone())
    }
}

/// The `[[teams.rule]]` behind each governed membership the rules give `e`, by team name
/// (the account's name, or the team ID when the account has no such team): what an
/// action records in [`super::Action::team_rules`].
fn team_sources(cx: &Ctx<'_>, e: &Employee) -> BTreeMap<String, TeamSource> {
    cx.rules
        .teams_for(e)
        .into_iter()
        .map(|(id, d)| (cx.team_name(&id), TeamSource::Rule(d.rule)))
        .collect()
}

/// The memberships `current` of `u` as a suspension or the archive records them, sorted by
/// team ID: each with its team role from the members listings, or, for a team whose members
/// were not read (the plan then asks for them, [`Ctx::needs`]), PagerDuty's default for the
/// base role.
fn recorded_memberships(
    cx: &mut Ctx<'_>,
    u: &User,
    current: &BTreeMap<TeamId, Membership>,
) -> Vec<SavedMembership> {
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
            name: cx.team_names.get(&m.team_id).map(|s| s.to_string()),
            role,
        });
    }
    teams
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

/// What a rehire gets back of the memberships a suspension or the archive recorded.
struct Restorable {
    /// The memberships to have: the rules' for governed teams, the recorded ones for the
    /// others.
    desired: BTreeMap<TeamId, TeamRole>,
    /// The recorded memberships kept in `desired` (teams no rule names).
    kept: Vec<TeamId>,
    /// Recorded teams (`"Name" (ID)`) that no longer exist.
    gone: Vec<String>,
    /// Recorded teams PagerDuty would refuse because the rules now give a stakeholder role.
    refused: Vec<String>,
}

/// The memberships `e` gets back: the rules for governed teams, `recorded` for the others.
/// A recorded membership PagerDuty would refuse on every run is not restored, or the rehire
/// would never finish: a team that no longer exists (404), or any team when the rules now
/// give `role`, a stakeholder role (fact F17).
fn restorable(cx: &Ctx<'_>, e: &Employee, role: &Role, recorded: &[SavedMembership]) -> Restorable {
    let mut desired = ruled_teams(cx, e);
    let mut kept = Vec::new();
    let mut gone = Vec::new();
    let mut refused = Vec::new();
    for t in recorded {
        if cx.governed.contains(&t.id) {
            continue;
        }
        let label = match &t.name {
            Some(n) => format!("{n:?} ({})", t.id),
            None => t.id.to_string(),
        };
        if !cx.team_names.contains_key(&t.id) {
            gone.push(label);
        } else if role.is_stakeholder() {
            refused.push(label);
        } else {
            desired.insert(t.id.clone(), t.role.clone());
            kept.push(t.id.clone());
        }
    }
    Restorable {
        desired,
        kept,
        gone,
        refused,
    }
}

impl Restorable {
    /// What gives each membership `e` gets back, by team name: the rules' (as
    /// [`team_sources`]), and `record` for the recorded ones kept.
    fn sources(
        &self,
        cx: &Ctx<'_>,
        e: &Employee,
        record: TeamSource,
    ) -> BTreeMap<String, TeamSource> {
        let mut sources = team_sources(cx, e);
        sources.extend(self.kept.iter().map(|id| (cx.team_name(id), record)));
        sources
    }

    /// What the reason adds about recorded teams not restored (empty when none).
    fn reason_suffix(&self, role: &Role) -> String {
        let mut out = String::new();
        let (gone, refused) = (&self.gone, &self.refused);
        if !gone.is_empty() {
            out.push_str(&format!(
                "; recorded team{} {} no longer exist{} and {} not restored",
                plural(gone.len(), "", "s"),
                gone.join(", "),
                plural(gone.len(), "s", ""),
                plural(gone.len(), "is", "are"),
            ));
        }
        if !refused.is_empty() {
            out.push_str(&format!(
                "; recorded team{} {} not restored: PagerDuty refuses role {role} on teams",
                plural(refused.len(), "", "s"),
                refused.join(", "),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{collapse, collapses_to};

    #[test]
    fn collapses_to_agrees_with_collapse() {
        let cases = [
            "Ann Lee",
            " Ann  Lee ",
            "Ann\tLee",
            "Ann\u{a0}Lee",
            "",
            "   ",
            "Ann",
            "Ann Leex",
            "AnnLee",
        ];
        for s in cases {
            for c in cases {
                assert_eq!(collapses_to(s, c), collapse(s) == c, "{s:?} vs {c:?}");
            }
        }
    }
}
