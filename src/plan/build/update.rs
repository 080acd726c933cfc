//! A mover, an adoption or a repair: one partial `PUT /users/{id}` with only the changed
//! fields, then team additions, then team removals (the new membership before the old one
//! goes), except when the base role becomes a stakeholder role: stakeholders hold no teams
//! (fact F17), so the removals come first and the `PUT` last. A removal PagerDuty will
//! refuse while the user is on an escalation policy of the team (fact F32) is not sent
//! ([`crate::plan::Action::refused_removals`]); an update left with nothing to send once
//! they are left out is blocked ([`crate::oncall::Blocked::refused_removals_only`]).

use super::cause::{Changed, ChangedFields, UpdateCause, UpdateReason};
use super::{
    KeptOff, active_marker, change, change_role, desired_labels, diff_fields, for_row,
    hold_refused_removals, labels, license_for_existing, membership_steps, ruled_teams,
    stakeholder_duties, stakeholder_kept_off, status_words,
};
use crate::email::Email;
use crate::hr::Employee;
use crate::marker::{self, Marker, MarkerState};
use crate::pagerduty::models::{User, UserUpdate};
use crate::plan::context::Ctx;
use crate::plan::matching::Resign;
use crate::plan::skip::MarkerFault;
use crate::plan::{Action, ActionKind, Field, Step, TeamsChange};
use crate::vocab::SUSPENDED_ROLES;

/// The update that brings `u` in line with active employee `e`; `None` when nothing
/// differs. `human` is the text of `u`'s description around the marker, `state` its
/// marker as read, `fault` why an unusable one is not used, `matched_by_email` how `u` was
/// found. Returns the action with its reason as a typed value (rendered into
/// [`Action::reason`]).
///
/// A suspended user (a base role among [`SUSPENDED_ROLES`]) whose marker is a suspension
/// record the run does not trust (its signature fails, or it is unsigned or unbound and
/// unconfirmed) is a rehire all the same: the action is a reactivation (counted by the
/// reactivation caps) that gives only what the rules give, and its reason says why the
/// record is not restored. A user with a working role that carries such a record is not
/// suspended: an update that drops the record and gives what the rules give.
pub(in crate::plan) fn update(
    cx: &mut Ctx<'_>,
    e: &Employee,
    u: &User,
    human: &str,
    matched_by_email: bool,
    state: &MarkerState,
    fault: MarkerFault,
) -> Option<(Action, UpdateReason)> {
    let mut upd = UserUpdate::default();
    let mut changes = Vec::new();
    let mut what = diff_fields(cx, e, u, &mut upd, &mut changes);
    let role = cx.rules.role_for(e);
    let current = cx.memberships(u);
    let kept = stakeholder_kept_off(cx, e, u, &current, &role);
    let duties = stakeholder_duties(cx, u, &role);
    if u.role != role && kept.is_none() {
        change_role(&mut changes, &mut upd, &u.role, role.clone());
        what.insert(Changed::Role);
    }
    if license_for_existing(cx, e, u, &mut upd, &mut changes) {
        what.insert(Changed::License);
    }
    // The day of the run that created the user stays on its marker ([`Marker::created`]).
    let created = match state {
        MarkerState::Valid(m) => m.created,
        _ => None,
    };
    let mut want_marker = active_marker(&e.employee_id, created);
    // The termination-pending stamp stays while HR gives its date, also in a run as of an
    // earlier day, when that date is still ahead (README.md § Dated changes and leave: a
    // run as of an earlier day never undoes what was recorded after it).
    let stamp = match state {
        MarkerState::Valid(m) => m.pending_termination,
        _ => None,
    };
    if stamp.is_some() && stamp == e.termination_date {
        want_marker.pending_termination = stamp;
    }
    // A trusted marker that is unsigned or signed with the previous key is signed again,
    // and so is one whose user's email this update changes (the tag is bound to it), in
    // the same request.
    let resign = cx.resign.get(&u.id).copied();
    let marker_current = matches!(state, MarkerState::Valid(m) if *m == want_marker);
    let rebind = upd.email.is_some() && cx.inp.marker_keys.is_some();
    if !marker_current || resign.is_some() || rebind {
        let carrier = upd.email.clone().unwrap_or_else(|| u.email.clone());
        let d = cx.render_marker(human, &want_marker, &carrier);
        changes.push(change(
            Field::Description,
            u.description.clone(),
            Some(d.clone()),
        ));
        upd.description = Some(d);
    }

    let desired = ruled_teams(cx, e);
    let (mut removals, additions) = membership_steps(cx, &current, &desired, &cx.governed);
    // A stakeholder role held back by the user's duties brings no team removal either: the
    // user stays as it is until a person hands the duties over (README.md § On-call checks).
    if kept == Some(KeptOff::Rota) {
        removals.clear();
    }
    if !removals.is_empty() || !additions.is_empty() {
        what.insert(Changed::Teams);
    }
    if upd.is_empty() && removals.is_empty() && additions.is_empty() {
        return None;
    }
    let teams = (!removals.is_empty() || !additions.is_empty()).then(|| TeamsChange {
        old: labels(cx, &current, Some(&cx.governed)),
        new: desired_labels(cx, &desired),
    });
    let untrusted_record = matches!(state, MarkerState::Invalid(_))
        && matches!(
            marker::parse(u.description.as_deref()).marker,
            MarkerState::Valid(Marker {
                suspended: Some(_),
                ..
            })
        );
    let (kind, cause, stamp_removed) = if untrusted_record && SUSPENDED_ROLES.contains(&u.role) {
        let cause = UpdateCause::UntrustedRecord {
            status: status_words(e),
            fault,
            role,
        };
        (ActionKind::Reactivate, cause, None)
    } else if untrusted_record {
        // A user with a working role is not suspended, whatever a record it wrote says:
        // no rehire, an update that drops the record (r10g 16).
        let cause = UpdateCause::UntrustedRecordDropped {
            fault,
            has: u.role.clone(),
        };
        (ActionKind::Update, cause, None)
    } else {
        let cause = update_cause(
            e,
            state,
            fault,
            matched_by_email,
            &what,
            marker_current,
            resign,
        );
        // The row is employed again: its termination date changed or went.
        let removed = stamp.filter(|_| want_marker.pending_termination.is_none());
        (ActionKind::Update, cause, removed)
    };
    let why = UpdateReason {
        cause,
        changed: what,
        stamp_removed,
    };
    // A removal PagerDuty will refuse (fact F32) is not sent; the rest goes ahead.
    let (removals, refused_removals) = hold_refused_removals(cx, u, removals);
    let steps = ordered_steps(u, upd, removals, additions);
    // With the refused removals left out, an update may have nothing left to send: it is
    // blocked (shown and counted as such, not as an update of 0 requests), every night
    // until a person takes the user off the policy.
    let blocked = if steps.is_empty() {
        crate::oncall::Blocked::refused_removals_only(
            cx.inp.oncall.users.get(&u.id),
            cx.inp.oncall.lookahead.days,
            &refused_removals,
        )
    } else {
        None
    };
    let email = if cx.email_blocked.contains(&e.employee_id) {
        Email::normalise(&u.email)
    } else {
        e.email.clone()
    };
    let action = Action {
        user_id: Some(u.id.clone()),
        reason: why.render(),
        changes,
        teams,
        steps,
        email,
        refused_removals,
        blocked,
        oncall: duties,
        ..for_row(cx, kind, e)
    };
    Some((action, why))
}

/// The update's cause: an adoption (`u` matched by email, no marker), a replaced
/// unreadable marker, a mover (`what` changed; by employee ID when the email changed), a
/// marker signed again (`resign`, nothing else to do), or a repaired marker.
fn update_cause(
    e: &Employee,
    state: &MarkerState,
    fault: MarkerFault,
    matched_by_email: bool,
    what: &ChangedFields,
    marker_current: bool,
    resign: Option<Resign>,
) -> UpdateCause {
    match state {
        MarkerState::Absent if matched_by_email => UpdateCause::Adopt,
        MarkerState::Invalid(_) => UpdateCause::MarkerReplaced(fault),
        _ if what.contains(Changed::Email) && !matched_by_email => UpdateCause::Mover {
            by_employee_id: Some(e.employee_id.clone()),
        },
        _ if what.is_empty() && marker_current => match resign {
            Some(r) => UpdateCause::Resign(r),
            None => UpdateCause::MarkerRepaired,
        },
        _ if what.is_empty() => UpdateCause::MarkerRepaired,
        _ => UpdateCause::Mover {
            by_employee_id: None,
        },
    }
}

/// The update's requests in order: the `PUT` of `upd` (when not empty), team `additions`
/// and `removals` of `u`.
fn ordered_steps(
    u: &User,
    upd: UserUpdate,
    removals: Vec<Step>,
    additions: Vec<Step>,
) -> Vec<Step> {
    // Stakeholders hold no teams (fact F17): a role becoming one goes after the removals.
    // Otherwise the new memberships are added before the old ones are removed, so that a
    // removal PagerDuty refuses (fact F32) leaves the user on both teams, never on neither;
    // a role leaving a stakeholder role is set before the additions it makes possible.
    let entering_stakeholder =
        upd.role.as_ref().is_some_and(|r| r.is_stakeholder()) && !u.role.is_stakeholder();
    let mut steps = Vec::new();
    if entering_stakeholder {
        steps.extend(removals);
        if !upd.is_empty() {
            steps.push(Step::UpdateUser(upd));
        }
        steps.extend(additions);
    } else {
        if !upd.is_empty() {
            steps.push(Step::UpdateUser(upd));
        }
        steps.extend(additions);
        steps.extend(removals);
    }
    steps
}
