//! A leaver deleted, and the choice between suspension and deletion.
//!
//! A deletion is one step, [`Step::DeleteUser`]: the executor reads the user in full with
//! the re-check, writes the record to the archive and only then sends the `DELETE` (see
//! [`crate::archive`]). No team removal comes first: deleting a user removes its
//! memberships, and a removal PagerDuty refuses (fact F32) would only stop the deletion.
//! Like a suspension, a deletion carries the user's on-call duties and is blocked by them
//! ([`crate::oncall::check`]): a blocked deletion writes no archive record and sends nothing.

use super::{
    DeletionCause, LeaverReason, Record, change, collapse, deactivate, labels, oncall_duties,
    recorded_memberships,
};
use crate::archive::ArchiveRecord;
use crate::config::DeactivationMode;
use crate::email::Email;
use crate::hr::Employee;
use crate::ids::EmployeeId;
use crate::marker::Marker;
use crate::pagerduty::models::User;
use crate::plan::context::Ctx;
use crate::plan::matching::evidence::same_person;
use crate::plan::{Action, ActionKind, Field, Guard, Step, TeamsChange};
use chrono::NaiveDate;

/// What happens to leaver `u`, which belongs to `employee_id` (`e` when the export lists
/// the employee): with `[lifecycle] deactivate = "delete"`, a deletion, suspended or not;
/// otherwise a suspension (or the rest of one), and, once the marker says the user was
/// suspended at least `delete_suspended_after_days` before today, a deletion. A leave of
/// absence (`record.leave`, or a suspension recorded as one) is only ever suspended: the
/// person comes back. So is a user that belongs to no employee (`employee_id` `None`: an
/// unmanaged user offboarded by `[lifecycle] unmanaged_users = "offboard"`): with no
/// employee ID its archive record could bring back no rehire by ID, and a user HR never
/// listed is not deleted on the strength of a missing row. `None` when there is nothing to
/// do. The arguments are [`deactivate`]'s.
#[allow(clippy::too_many_arguments)]
pub(in crate::plan) fn leave(
    cx: &mut Ctx<'_>,
    u: &User,
    employee_id: Option<&EmployeeId>,
    e: Option<&Employee>,
    human: &str,
    current_marker: Option<&Marker>,
    record: Record,
    why: LeaverReason,
) -> Option<Action> {
    let policy = cx.policy;
    let Some(employee_id) = employee_id else {
        return deactivate(cx, u, None, e, human, current_marker, record, why);
    };
    let marked_date = current_marker
        .and_then(|m| m.suspended.as_ref())
        .and_then(|s| s.termination_date);
    if policy.deactivate == DeactivationMode::Delete && !record.leave {
        let how = DeletionCause::Mode;
        let date = record.termination_date.or(marked_date);
        return Some(delete(
            cx,
            u,
            employee_id,
            e,
            current_marker,
            date,
            why,
            how,
        ));
    }
    let suspension = deactivate(
        cx,
        u,
        Some(employee_id),
        e,
        human,
        current_marker,
        record,
        why.clone(),
    );
    if suspension.is_some() || record.leave {
        return suspension;
    }
    // Fully suspended (a suspension with nothing left to do needs a suspended marker).
    let (days, s) = policy
        .delete_suspended_after_days
        .zip(current_marker.and_then(|m| m.suspended.as_ref()))?;
    if s.leave {
        return None;
    }
    let ago = (cx.inp.today - s.on).num_days();
    (ago >= i64::from(days)).then(|| {
        let how = DeletionCause::SuspendedLongAgo {
            on: s.on,
            ago,
            days,
        };
        let date = marked_date.or(record.termination_date);
        delete(cx, u, employee_id, e, current_marker, date, why, how)
    })
}

/// The deletion of `u`: its record (the role and memberships to restore: the suspension's
/// for a suspended user, else the current ones) is archived first, with `termination_date`,
/// the date that brought the deletion into effect (if a date decided), then the user
/// deleted. `why` says why it is a leaver, `how` which setting deletes it.
#[allow(clippy::too_many_arguments)]
fn delete(
    cx: &mut Ctx<'_>,
    u: &User,
    employee_id: &EmployeeId,
    e: Option<&Employee>,
    current_marker: Option<&Marker>,
    termination_date: Option<NaiveDate>,
    why: LeaverReason,
    how: DeletionCause,
) -> Action {
    let current = cx.memberships(u);
    let (role, teams, suspended_on) = match current_marker.and_then(|m| m.suspended.as_ref()) {
        Some(s) => (s.role.clone(), s.teams.clone(), Some(s.on)),
        None => (u.role.clone(), recorded_memberships(cx, u, &current), None),
    };
    let old = labels(cx, &current, None);
    let email = Email::normalise(&u.email);
    // PagerDuty refuses the DELETE of a user with open incidents or who is the only on-call
    // of a rule, and a deleted user leaves the same gap a suspended one does: a deletion is
    // on-call checked like a suspension.
    let (oncall, blocked) = oncall_duties(cx, u);
    cx.licensing.for_deletion(u, blocked.is_some());
    Action {
        employee_id: Some(employee_id.clone()),
        user_id: Some(u.id.clone()),
        reason: format!(
            "{why}; {how}: the user's record (profile, contact methods, notification rules, teams) is archived, then the user is deleted; a rehire is re-created from the archive under a new PagerDuty ID"
        ),
        changes: vec![change(Field::Role, Some(u.role.to_string()), None)],
        teams: (!old.is_empty()).then_some(TeamsChange { old, new: vec![] }),
        steps: vec![Step::DeleteUser {
            role,
            teams,
            suspended_on,
            termination_date,
        }],
        guard: Some(Guard {
            employee_id: current_marker.and_then(|m| m.employee_id.clone()),
            email: email.clone(),
            claimed: None,
        }),
        line: e.map(|e| e.line),
        oncall,
        blocked,
        ..Action::new(ActionKind::Delete, email, collapse(&u.name))
    }
}

/// The archive record to re-create active employee `e` from, when no user matched them:
/// the latest record of their employee ID, or, failing that, of an unmarked user with their
/// email; only when that deleted user is not in the account (a record whose `DELETE`
/// PagerDuty refused describes a user that still exists), and only when the record is
/// plausibly the same person ([`is_same_person`]: HR reuses employee IDs). The record comes
/// with the contact methods and rules of the records it links back to
/// ([`Archive::restorable`]), as the executor restores them.
///
/// [`Archive::restorable`]: crate::archive::Archive::restorable
pub(in crate::plan) fn restorable_record(cx: &Ctx<'_>, e: &Employee) -> Option<ArchiveRecord> {
    let archive = cx.inp.archive;
    let r = archive
        .by_employee(&e.employee_id)
        .filter(|r| is_same_person(r, e))
        .or_else(|| archive.by_email(&e.email))?;
    gone(cx, r).then(|| with_links(cx, r))
}

/// The archive record of a deleted user (not in the account) with `e`'s login email whose
/// marker named another employee ID (the old one, returned with it), when no record is
/// [`restorable_record`] for `e`: HR renumbered the person, or rehired them under a new ID.
/// The record must be the same person ([`is_same_person`], the one rule); a record the row of
/// its own old ID would restore (that row being the same person too), or whose old ID or
/// `e`'s email is protected, is left to that row or alone. Under `--rekey-employee-ids` it is
/// restored as a rehire's record (a re-key); without, the row is a skip that needs a person
/// ([`crate::plan::SkipCause::ArchivedUnderAnotherId`]): a fresh create would leave the record
/// for good, since a restore happens only while the person has no user.
pub(in crate::plan) fn renumbered_record(
    cx: &Ctx<'_>,
    e: &Employee,
) -> Option<(ArchiveRecord, EmployeeId)> {
    let archive = cx.inp.archive;
    let r = archive.by_login_email(&e.email)?;
    let old = r
        .employee_id
        .as_ref()
        .filter(|old| **old != e.employee_id)?;
    let roster = cx.inp.roster;
    let own_row = roster
        .employees
        .iter()
        .any(|o| &o.employee_id == old && is_same_person(r, o));
    let protected =
        roster.protected_ids.contains(old) || roster.protected_emails.contains(&e.email);
    (is_same_person(r, e) && gone(cx, r) && !own_row && !protected)
        .then(|| (with_links(cx, r), old.clone()))
}

/// The archive record of a deleted user (not in the account) whose marker named `e`'s
/// employee ID but who is not plausibly `e` ([`is_same_person`]): HR gave the ID to someone
/// else. `e` is then created afresh, restoring nothing, and the create names this record.
pub(in crate::plan) fn other_person_record<'a>(
    cx: &Ctx<'a>,
    e: &Employee,
) -> Option<&'a ArchiveRecord> {
    let r = cx.inp.archive.by_employee(&e.employee_id)?;
    (gone(cx, r) && !is_same_person(r, e)).then_some(r)
}

/// Whether archive record `r`'s user is gone from the account: a record whose `DELETE`
/// PagerDuty refused describes a user that still exists, and restores nothing.
fn gone(cx: &Ctx<'_>, r: &ArchiveRecord) -> bool {
    !cx.inp.users.iter().any(|u| u.id == r.pagerduty_user_id)
}

/// Record `r` with the contact methods and rules of the records it links back to
/// ([`crate::archive::Archive::restorable`]), as the executor restores them; `r` itself
/// when it links to none.
fn with_links(cx: &Ctx<'_>, r: &ArchiveRecord) -> ArchiveRecord {
    cx.inp
        .archive
        .restorable(&r.pagerduty_user_id)
        .unwrap_or_else(|| r.clone())
}

/// Whether archive record `r` is plausibly employee `e` ([`same_person`]: the archived
/// login email is `e`'s email, or the archived name equals `e`'s name). A record that is
/// neither is another person who held the employee ID: restoring it would hand them the
/// ex-employee's phone numbers and notification rules (README.md § Deactivation modes).
/// The reactivation of a suspended user found by marker asks the same question.
fn is_same_person(r: &ArchiveRecord, e: &Employee) -> bool {
    same_person(&r.user.name, r.email.as_str(), e)
}
