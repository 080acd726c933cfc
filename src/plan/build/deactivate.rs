//! A leaver: suspension, or the rest of an interrupted one. The marker's `suspended` record
//! is written first, then one `DELETE` per team, then `[lifecycle] suspended_role` (or role
//! and marker in one request when the role is not a stakeholder role or there is no team to
//! leave). The action carries the user's on-call duties and is blocked by them
//! ([`crate::oncall::check`]).

use super::{change, collapse, labels, recorded_memberships};
use crate::email::Email;
use crate::hr::Employee;
use crate::ids::EmployeeId;
use crate::marker::{self, Marker, Suspension};
use crate::oncall;
use crate::pagerduty::models::{User, UserUpdate};
use crate::plan::context::Ctx;
use crate::plan::{Action, ActionKind, Field, Guard, Step, TeamsChange};
use chrono::NaiveDate;

/// What a new suspension records besides the date, role and teams: the termination date
/// when the date (not the status) decided, and whether it is a leave of absence (see
/// [`Suspension`]). A suspension already under way keeps what it recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(in crate::plan) struct Record {
    /// [`Suspension::termination_date`].
    pub(in crate::plan) termination_date: Option<NaiveDate>,
    /// [`Suspension::leave`].
    pub(in crate::plan) leave: bool,
}

/// Suspension of `u`, which belongs to `employee_id` (`e` when the export lists the
/// employee), or the rest of an interrupted one. `None` when the user is already fully
/// suspended. `human` is the text of `u`'s description around the marker,
/// `current_marker` its valid marker if any, `record` what a new suspension records, and
/// `why` the reason the action gives.
#[allow(clippy::too_many_arguments)]
pub(in crate::plan) fn deactivate(
    cx: &mut Ctx<'_>,
    u: &User,
    employee_id: &EmployeeId,
    e: Option<&Employee>,
    human: &str,
    current_marker: Option<&Marker>,
    record: Record,
    why: String,
) -> Option<Action> {
    let current = cx.memberships(u);
    let existing = current_marker.and_then(|m| m.suspended.clone());
    let resuming = existing.is_some();
    let suspension = match existing {
        Some(s) => s,
        None => Suspension {
            on: cx.inp.today,
            role: u.role.clone(),
            teams: recorded_memberships(cx, u, &current),
            termination_date: record.termination_date,
            leave: record.leave,
            from_archive: None,
        },
    };
    let want_marker = Marker {
        employee_id: employee_id.clone(),
        suspended: Some(suspension),
    };
    let mut changes = Vec::new();
    let mut marker_update = UserUpdate::default();
    let mut role_update = UserUpdate::default();
    if u.role != cx.policy.suspended_role {
        changes.push(change(
            Field::Role,
            Some(u.role.to_string()),
            Some(cx.policy.suspended_role.to_string()),
        ));
        role_update.role = Some(cx.policy.suspended_role.clone());
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
    let (impact, blocked) = oncall_duties(cx, u);
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
        oncall: impact,
        blocked,
        waits_for: None,
    })
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
    let blocked = oncall::check(
        impact.as_ref(),
        cx.inp.oncall.lookahead.days,
        cx.policy.allow_oncall_gaps,
    );
    (impact, blocked)
}
