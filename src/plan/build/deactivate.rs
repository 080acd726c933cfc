//! A leaver: suspension, or the rest of an interrupted one. The marker's `suspended` record
//! is written first, then one `DELETE` per team, then `[lifecycle] suspended_role` (or role
//! and marker in one request when the role is not a stakeholder role or there is no team to
//! leave). A leaver already suspended whose marker alone is rewritten (re-keyed by
//! `--rekey-employee-ids`, an offboarding record claimed by an HR row, a leave's record
//! turned into a termination's) is an update of that marker instead, neither on-call
//! checked nor counted as a deactivation.
//! The action carries the user's on-call duties and is blocked by them
//! ([`crate::oncall::check`]), and, whatever `--allow-oncall-gaps` says, by a team
//! removal PagerDuty will refuse because the user is on an escalation policy of that team
//! (fact F32, [`crate::oncall::refused_removals`]): nothing of it is written.

use super::{LeaverReason, change, collapse, labels, marker_write, recorded_memberships};
use crate::email::Email;
use crate::hr::Employee;
use crate::ids::{EmployeeId, TeamId};
use crate::marker::{Marker, Suspension};
use crate::oncall;
use crate::pagerduty::models::{User, UserUpdate};
use crate::plan::context::{Ctx, Membership};
use crate::plan::{Action, ActionKind, Change, Field, Guard, Step, TeamsChange};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// What a new suspension records besides the date, role and teams: the termination date
/// when the date (not the status) decided, and whether it is a leave of absence (see
/// [`Suspension`]). A suspension already under way keeps what it recorded, except that a
/// leave's becomes a termination's (dated the run's day) once the person is a leaver.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(in crate::plan) struct Record {
    /// [`Suspension::termination_date`].
    pub(in crate::plan) termination_date: Option<NaiveDate>,
    /// [`Suspension::leave`].
    pub(in crate::plan) leave: bool,
}

/// Suspension of `u`, which belongs to `employee_id` (`e` when the export lists the
/// employee; `None` for an unmanaged user offboarded by `[lifecycle] unmanaged_users =
/// "offboard"`, whose suspension record names no employee), or the rest of an interrupted
/// one. `None` when the user is already fully
/// suspended. `human` is the text of `u`'s description around the marker,
/// `current_marker` its valid marker if any, `record` what a new suspension records (and
/// what the offboarding record of an unmanaged user gains when an HR row claims the user),
/// and `why` the reason the action gives.
#[allow(clippy::too_many_arguments)]
pub(in crate::plan) fn deactivate(
    cx: &mut Ctx<'_>,
    u: &User,
    employee_id: Option<&EmployeeId>,
    e: Option<&Employee>,
    human: &str,
    current_marker: Option<&Marker>,
    record: Record,
    why: LeaverReason,
) -> Option<Action> {
    let current = cx.memberships(u);
    let existing = current_marker.and_then(|m| m.suspended.clone());
    let resuming = existing.is_some();
    // The suspension record of an offboarded unmanaged user names no employee and no
    // cause; the HR row that now claims the user gives it this row's `record`, so that a
    // termination date that decided keeps deciding on later days.
    let adopted = employee_id.is_some() && current_marker.is_some_and(|m| m.employee_id.is_none());
    // A user suspended for a leave of absence whose person has since become a leaver: the
    // record becomes a termination's, dated today, so that `delete_suspended_after_days`
    // counts from the day the person left (the leave was no termination).
    let left_on_leave = existing.as_ref().is_some_and(|s| s.leave) && !record.leave;
    let suspension = suspension(cx, u, &current, existing, record, adopted, left_on_leave);
    let want_marker = Marker {
        employee_id: employee_id.cloned(),
        suspended: Some(suspension),
        pending_termination: None,
        // The day of the run that created the user stays on it ([`Marker::created`]).
        created: current_marker.and_then(|m| m.created),
    };
    // The user's on-call duties, when looked up, and whether they block the action (they
    // are asked for below, only when there is something to do).
    // A team removal PagerDuty will refuse (fact F32) blocks it even with the override:
    // the suspension could not be finished.
    let impact = cx.inp.oncall.users.get(&u.id).cloned();
    let refused = cx
        .inp
        .oncall
        .refused_removals(&u.id, current.keys().map(|t| (t, cx.team_name(t))));
    // A stakeholder role is not allowed on schedules or escalation policies (§3.2): its
    // role change, the suspension's last step, would be refused too.
    let role = &cx.policy.suspended_role;
    let taking = oncall::Taking::Suspension(
        (u.role != *role).then(|| (role.as_str(), role.is_stakeholder())),
    );
    let blocked = oncall::check(
        impact.as_ref(),
        cx.inp.oncall.lookahead.days,
        cx.policy.allow_oncall_gaps,
        &refused,
        taking,
    );
    let mut changes = Vec::new();
    let role_update = suspended_role(cx, u, blocked.is_some(), &mut changes);
    let marker_update = marker_rewrite(cx, u, human, current_marker, &want_marker, &mut changes);
    let steps = suspension_steps(cx, &current, marker_update, role_update);
    if steps.is_empty() {
        return None;
    }
    let old = labels(cx, &current, None);
    let reason = reason(cx, why, current_marker, left_on_leave, resuming);
    let email = Email::normalise(&u.email);
    // A leaver already suspended whose marker only is rewritten (re-keyed to the row's
    // employee ID by `--rekey-employee-ids`, an offboarding record claimed by the HR row
    // that names the user, a leave's record turned into a termination's): one marker write
    // that takes nothing away, so it is an update of the marker (shown and counted as one,
    // not against the deactivation caps), not a deactivation, and its on-call duties do
    // not matter.
    let marker_only = resuming && only_marker_write(&steps);
    let kind = if marker_only {
        ActionKind::Update
    } else {
        ActionKind::Deactivate
    };
    let action = Action {
        employee_id: employee_id.cloned(),
        user_id: Some(u.id.clone()),
        reason,
        changes,
        steps,
        guard: Some(Guard {
            employee_id: current_marker.and_then(|m| m.employee_id.clone()),
            email: email.clone(),
            claimed: None,
        }),
        line: e.map(|e| e.line),
        ..Action::new(kind, email, collapse(&u.name))
    };
    if marker_only {
        return Some(action);
    }
    if impact.is_none() {
        cx.needs_oncall.insert(u.id.clone());
    }
    Some(Action {
        teams: (!old.is_empty()).then_some(TeamsChange { old, new: vec![] }),
        oncall: impact,
        blocked,
        refused_removals: refused,
        ..action
    })
}

/// Whether `steps` are one `PUT` that writes only the marker (the description): no role,
/// no team removal.
pub(in crate::plan) fn only_marker_write(steps: &[Step]) -> bool {
    matches!(steps, [Step::UpdateUser(upd)] if upd.role.is_none() && upd.description.is_some())
}

/// The suspension record the marker of `u` should hold: `existing` as it is (an
/// interrupted suspension keeps what it recorded), a leave's record turned into a
/// termination's dated the run's day (`left_on_leave`), an offboarding record given the
/// claiming row's `record` (`adopted`), or a new one: the run's day, `u`'s role and its
/// `current` teams.
fn suspension(
    cx: &mut Ctx<'_>,
    u: &User,
    current: &BTreeMap<TeamId, Membership>,
    existing: Option<Suspension>,
    record: Record,
    adopted: bool,
    left_on_leave: bool,
) -> Suspension {
    match existing {
        Some(s) if left_on_leave => Suspension {
            on: cx.inp.run_day,
            termination_date: record.termination_date,
            leave: false,
            ..s
        },
        Some(s) if adopted => Suspension {
            termination_date: record.termination_date,
            leave: record.leave,
            ..s
        },
        Some(s) => s,
        None => Suspension {
            on: cx.inp.run_day,
            role: u.role.clone(),
            teams: recorded_memberships(cx, u, current),
            termination_date: record.termination_date,
            leave: record.leave,
            from_archive: None,
            refused: Vec::new(),
            reactivating: false,
        },
    }
}

/// The change to `[lifecycle] suspended_role`, with its licence change, added to
/// `changes`; an empty update when `u` already has that role. A `blocked` deactivation is
/// not attempted: its licence change is shown, but it releases no allocation for the
/// plan's creates and role changes.
fn suspended_role(cx: &Ctx<'_>, u: &User, blocked: bool, changes: &mut Vec<Change>) -> UserUpdate {
    let mut role_update = UserUpdate::default();
    if u.role != cx.policy.suspended_role {
        changes.push(change(
            Field::Role,
            Some(u.role.to_string()),
            Some(cx.policy.suspended_role.to_string()),
        ));
        role_update.role = Some(cx.policy.suspended_role.clone());
        let license = if blocked {
            cx.licensing
                .for_blocked_deactivation(u, &cx.policy.suspended_role)
        } else {
            cx.licensing
                .for_existing(u, &cx.policy.suspended_role, None, true)
        };
        changes.extend(license.change);
    }
    role_update
}

/// The description of `u` rewritten around `want_marker` (`human` kept), its change added
/// to `changes`; an empty update when `current_marker` is already that marker.
fn marker_rewrite(
    cx: &Ctx<'_>,
    u: &User,
    human: &str,
    current_marker: Option<&Marker>,
    want_marker: &Marker,
    changes: &mut Vec<Change>,
) -> UserUpdate {
    let mut marker_update = UserUpdate::default();
    if current_marker != Some(want_marker) {
        let d = cx.render_marker(human, want_marker, &u.email);
        changes.push(change(
            Field::Description,
            u.description.clone(),
            Some(d.clone()),
        ));
        marker_update.description = Some(d);
    }
    marker_update
}

/// The requests of a suspension: the marker first, then one removal per `current` team.
/// A stakeholder role cannot hold team memberships (fact F17), so with a stakeholder
/// `suspended_role` and teams to leave, the role changes last; otherwise role and marker go
/// in one request. Empty when there is nothing to do.
fn suspension_steps(
    cx: &Ctx<'_>,
    current: &BTreeMap<TeamId, Membership>,
    mut marker_update: UserUpdate,
    role_update: UserUpdate,
) -> Vec<Step> {
    let removals: Vec<Step> = current
        .values()
        .map(|m| Step::RemoveFromTeam {
            team_id: m.team_id.clone(),
            team: cx.team_name(&m.team_id),
        })
        .collect();
    let mut steps = Vec::new();
    if cx.policy.suspended_role.is_stakeholder() && !removals.is_empty() {
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
    steps
}

/// The action's reason: `why`, and for a suspension already under way, that it is being
/// finished, or (`left_on_leave`) that a leave's record now is a termination's.
fn reason(
    cx: &Ctx<'_>,
    why: LeaverReason,
    current_marker: Option<&Marker>,
    left_on_leave: bool,
    resuming: bool,
) -> String {
    if left_on_leave {
        // The date matters to a deletion only when one is configured.
        let counts = if cx.policy.delete_suspended_after_days.is_some() {
            " (the day [lifecycle] delete_suspended_after_days counts from)"
        } else {
            ""
        };
        format!(
            "{why}; suspended for a leave of absence since {}, its record now a termination's, dated {}{counts}",
            current_marker
                .and_then(|m| m.suspended.as_ref())
                .map_or(cx.inp.run_day, |s| s.on),
            cx.inp.run_day
        )
    } else if resuming {
        format!("{why}; finishing an interrupted suspension")
    } else {
        why.to_string()
    }
}

/// The on-call duties of `u`, about to be taken away (suspended or deleted), and whether
/// they block that ([`oncall::check`]): `None` for duties not looked up yet, in which case
/// `u` joins [`crate::plan::Plan::needs_oncall`] (and the action stays blocked until they
/// are read).
pub(in crate::plan) fn oncall_duties(
    cx: &mut Ctx<'_>,
    u: &User,
) -> (Option<oncall::OncallImpact>, Option<oncall::Blocked>) {
    let impact = cx.inp.oncall.users.get(&u.id).cloned();
    if impact.is_none() {
        cx.needs_oncall.insert(u.id.clone());
    }
    // A deletion leaves no team by a team removal: nothing PagerDuty refuses for fact F32;
    // but it refuses the DELETE of a user with open incidents assigned (F22), whatever the
    // override says.
    let blocked = oncall::check(
        impact.as_ref(),
        cx.inp.oncall.lookahead.days,
        cx.policy.allow_oncall_gaps,
        &[],
        oncall::Taking::Deletion,
    );
    (impact, blocked)
}

/// The termination-pending stamp of `u` (README.md § Dated changes and leave): a marker
/// write alone (one `PUT /users/{id}` of the description; no role, no team), recording
/// `want`, the export's termination date of a dated termination due today whose
/// deactivation on-call duties block, so that it stays due after
/// `[lifecycle] termination_catch_up_days` while the export keeps that date
/// ([`crate::plan::dated::dated`]); or, with `want` `None`, removing a stamp whose date HR
/// no longer gives from a leaver whose deactivation is blocked (no suspension record
/// replaces it this run). With `rekey` (`--rekey-employee-ids`: the old employee ID
/// `current` names, which `e`'s row takes over), the same write re-keys the marker to `e`'s
/// employee ID, so that the re-key, part of the blocked deactivation, is not held back with
/// it, nor the re-key of the user waiting for this one to give its old ID up
/// ([`crate::plan::Action::rekey_after`]); the action then records
/// [`crate::plan::Action::rekeyed_from`]. `current` is `u`'s trusted marker, which must
/// name `e`'s employee (or `rekey`) and record no suspension; `None` when it already is
/// the marker wanted. It changes no role and deactivates no one, so no safety cap but the
/// re-key cap counts it.
pub(in crate::plan) fn stamp_pending(
    cx: &Ctx<'_>,
    u: &User,
    e: &Employee,
    human: &str,
    current: &Marker,
    want: Option<NaiveDate>,
    rekey: Option<&EmployeeId>,
) -> Option<Action> {
    let owner = current.employee_id.as_ref();
    let rekeyed = rekey.is_some() && owner == rekey && owner != Some(&e.employee_id);
    if current.suspended.is_some() || (owner != Some(&e.employee_id) && !rekeyed) {
        return None;
    }
    let marker = Marker {
        employee_id: Some(e.employee_id.clone()),
        pending_termination: want,
        ..current.clone()
    };
    if marker == *current {
        return None;
    }
    let d = cx.render_marker(human, &marker, &u.email);
    let n = cx.policy.termination_catch_up_days;
    let stamp = match (want, current.pending_termination) {
        (Some(date), Some(old)) if date == old => None,
        (Some(date), _) => Some(format!(
            "termination pending: stamp the ownership marker with termination date {date}, whose deactivation is blocked, so that it stays due after [lifecycle] termination_catch_up_days = {n} while HR keeps that date"
        )),
        (None, Some(old)) => Some(format!(
            "the termination-pending stamp {old} is removed from the marker: HR no longer gives that termination date"
        )),
        (None, None) => None,
    };
    let rekey_words = rekeyed.then(|| {
        format!(
            "re-keys the ownership marker from employee {} to employee {} (--rekey-employee-ids) although the deactivation is blocked, so that the employee ID {} is given up",
            owner.map_or("", |o| o.as_str()),
            e.employee_id,
            owner.map_or("", |o| o.as_str()),
        )
    });
    let reason = match (rekey_words, stamp) {
        (Some(r), Some(s)) => format!("{r}; {s}"),
        (Some(r), None) => r,
        (None, Some(s)) => s,
        (None, None) => return None,
    };
    let mut a = marker_write(
        u,
        d,
        Some(e.employee_id.clone()),
        collapse(&u.name),
        if rekeyed || want.is_some() {
            format!("{reason}; a marker write only, nothing is offboarded")
        } else {
            reason
        },
        Some(e.line),
    );
    if rekeyed {
        a.rekeyed_from = owner.cloned();
    }
    Some(a)
}
