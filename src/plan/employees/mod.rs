//! The pass over the export: each employee is matched, its dates read as of today
//! ([`super::dated`]), checked against the users hr2pagerduty never writes, and handed to
//! the builder its standing calls for (an active employee without a user whose deleted user
//! the archive holds is re-created from it); changes that come due later are listed as
//! pending.
//!
//! Two matches need more than the builders: with `--rekey-employee-ids`, an email match on
//! a user whose marker names an employee the export no longer lists re-keys that marker
//! (the action records [`super::Action::rekeyed_from`]); and an employee provisioned today
//! whose user, matched by email, has no marker and a base role that suspends it (a
//! stakeholder role or `restricted_access`, other than the rules give) is a conflict, left
//! alone ([`SkipCause::SuspendedByOthers`]): someone else suspended that user.
//!
//! A future hire not provisioned yet ([`Standing::NotYetHired`]) is never re-keyed (nothing
//! is written for it today), and a skip of one is marked [`Skip::not_yet_hired`], so that
//! the identity-drift check does not count it before its hire date.
//!
//! Beside this pass: how a row stands today and what it lists as pending (`standing`), what
//! a leaver's row adds to its deactivation (`leaver`), the checks that leave a row's user
//! alone or hold back a create (`guards`), and the words of its notes and reasons
//! (`reasons`).

use super::Tally;
use super::build::{
    UpdateReason, create, leave, other_person_record, reactivate, renumbered_record,
    restorable_record, restore, sign, update,
};
use super::context::Ctx;
use super::dated::{Dated, LeaverCause, Standing};
use super::matching::{Found, Index};
use super::ownership::{protected_email, untouchable};
use super::preconditions::check_stakeholder;
use super::skip::{Skip, SkipCause};
use super::{Action, ActionKind};
use crate::config::DeactivationMode;
use crate::email::Email;
use crate::hr::Employee;
use crate::ids::{EmployeeId, UserId};
use crate::marker::MarkerState;
use crate::pagerduty::models::User;
use reasons::{
    RowReason, applied_later, created_despite_date, created_later, explain_record, leaver_reason,
};

mod guards;
mod leaver;
mod reasons;
mod standing;
use guards::{
    foreign_unverified_claim, rekeyable, suspends, unarchived_leaver,
    unchecked_marker_email_change, unconfirmed_adoption, unproven_stale_termination,
};
use leaver::{
    deleted_overdue_note, leaver_record, pending_stamp, suspended_overdue_note,
    untrusted_record_rewrite,
};
pub(super) use standing::dated_for;
use standing::{list_pending, standing_today};

/// Plans employee `e`, for whom matching found `found` ([`Index::find`]): at most one
/// action, or a skip, or one more unchanged; and any pending change and date conflict.
pub(super) fn plan_employee<'a>(
    cx: &mut Ctx<'a>,
    index: &Index<'a>,
    e: &Employee,
    found: Found<'a>,
    t: &mut Tally,
) {
    // With --rekey-employee-ids, the user whose marker names an employee the export no
    // longer lists and whose email is this row's.
    let rekey = rekey_target(cx, index, t, e, &found);
    let matched = match &found {
        Found::ByMarker(u) | Found::ByEmail(u) => Some(*u),
        Found::Nobody | Found::Blocked { .. } => rekey.as_ref().map(|(u, _)| *u),
    };
    let d = standing_today(cx, index, e, matched, t);
    // Nothing is written for a future hire today, so its marker is not re-keyed either.
    let not_yet_hired = matches!(d.standing, Standing::NotYetHired { .. });
    let rekeyed_from = rekey.filter(|_| !not_yet_hired).map(|(_, old)| old);
    let Some(mut target) = claim(cx, index, e, found, rekeyed_from.is_some(), &d, t) else {
        return;
    };
    if let Some(u) = target.user {
        let Some(waits_for) = settle_user(cx, index, e, u, &target, &d, t) else {
            return;
        };
        target.waits_for = target.waits_for.or(waits_for);
    } else if let Some(why) = protected_email(&e.email, &cx.policy.protected) {
        let reason = SkipCause::Untouchable(why);
        t.out.skipped.push(employee_skip(e, None, reason, &d));
        return;
    }
    match choose_action(cx, index, e, &target, &d, rekeyed_from.as_ref(), t) {
        Choice::Done => {}
        Choice::Act(a, why) => push_action(*a, why, e, index, &target, rekeyed_from, t),
        // Nothing to do but perhaps signing the marker again.
        Choice::Nothing => {
            let user = target.user;
            let human = user.map(|u| index.human(u)).unwrap_or_default();
            match user
                .zip(user.and_then(|u| index.marker(u)))
                .and_then(|(u, m)| sign(cx, u, human, m, Some(e.line)))
            {
                Some(a) => t.out.actions.push(a),
                // A row whose only change is an email change it skips is counted once,
                // among the skipped ([`SkipCause::EmailTaken`]).
                None if email_change_skipped(e, t) => {}
                None => t.out.unchanged += 1,
            }
        }
    }
}

/// Whether `e`'s email change is skipped because another user holds the address
/// ([`SkipCause::EmailTaken`]).
fn email_change_skipped(e: &Employee, t: &Tally) -> bool {
    t.out.skipped.iter().any(|s| {
        s.employee_id.as_ref() == Some(&e.employee_id)
            && matches!(s.reason, SkipCause::EmailTaken { .. })
    })
}

/// The user an employee's row decides once matching and the email hand-offs are settled.
struct Target<'a> {
    /// The user, or `None` for a row that creates (or restores) one.
    user: Option<&'a User>,
    /// Whether `user` was found by email rather than by its marker.
    matched_by_email: bool,
    /// The user whose email change, earlier in this run, frees the email this employee's
    /// action needs (see `handoff`).
    waits_for: Option<UserId>,
}

/// What the builders decided for an employee's row.
enum Choice {
    /// One action (boxed: the other variants carry nothing), with its reason as a typed
    /// value when it is an update.
    Act(Box<Action>, Option<UpdateReason>),
    /// No action: the row may still sign its user's marker again, or count as unchanged.
    Nothing,
    /// Already recorded (a note and one more unchanged).
    Done,
}

/// Under `--rekey-employee-ids`, the user that `found` blocked because its marker names an
/// employee the export no longer lists, when [`rekeyable`]; with that old employee ID.
fn rekey_target<'a>(
    cx: &Ctx<'_>,
    index: &Index<'_>,
    t: &Tally,
    e: &Employee,
    found: &Found<'a>,
) -> Option<(&'a User, EmployeeId)> {
    match found {
        Found::Blocked {
            reason:
                SkipCause::EmailOfAnotherEmployee {
                    marker_employee_id, ..
                },
            user: Some(u),
            ..
        } if rekeyable(cx, index, t, e, u, marker_employee_id) => {
            Some((*u, marker_employee_id.clone()))
        }
        _ => None,
    }
}

/// The skip of employee `e` (with its `user`, if any), marked when it is not hired yet.
fn employee_skip(e: &Employee, user: Option<&User>, reason: SkipCause, d: &Dated) -> Skip {
    Skip {
        not_yet_hired: matches!(d.standing, Standing::NotYetHired { .. }),
        ..Skip::employee(e, user, reason)
    }
}

/// The user `found` gives `e` (`rekeyed` when a re-key takes over a blocked one). A blocked
/// match is a skip (`None`), unless the user holding the address gives it up earlier in
/// this run: then `e` has no user and waits for that one.
fn claim<'a>(
    cx: &Ctx<'_>,
    index: &Index<'a>,
    e: &Employee,
    found: Found<'a>,
    rekeyed: bool,
    d: &Dated,
    t: &mut Tally,
) -> Option<Target<'a>> {
    let target = |user, matched_by_email| Target {
        user,
        matched_by_email,
        waits_for: None,
    };
    match found {
        Found::ByMarker(u) => Some(target(Some(u), false)),
        Found::ByEmail(u) => Some(target(Some(u), true)),
        Found::Nobody => Some(target(None, false)),
        Found::Blocked { user: Some(u), .. } if rekeyed => Some(target(Some(u), true)),
        Found::Blocked {
            reason,
            user,
            decided,
        } => {
            let holder = match &reason {
                SkipCause::EmailOfAnotherEmployee { user, .. } => Some(user),
                _ => None,
            };
            let employed = matches!(d.standing, Standing::Employed { .. });
            match cx.handoffs.freed_by(&e.email) {
                // A's user gives this address up in this run: no user holds it for us.
                Some(by) if Some(by) == holder && employed => Some(Target {
                    waits_for: Some(by.clone()),
                    ..target(None, false)
                }),
                _ => {
                    if let Some(u) = user {
                        t.matched.insert(index.slot(u));
                        if decided {
                            t.handled.insert(index.slot(u));
                        }
                    }
                    // The holder of the row's email is named by the conflict: not a leaver.
                    if let SkipCause::MarkerEmailConflict { .. } = reason
                        && let Some(h) = index.by_email(&e.email)
                    {
                        t.matched.insert(index.slot(h));
                        t.handled.insert(index.slot(h));
                    }
                    t.out.skipped.push(employee_skip(e, user, reason, d));
                    None
                }
            }
        }
    }
}

/// Settles user `u` of `e`'s row: marks it handled and matched, skips it when it is
/// untouchable or suspended by someone else (`None`), and resolves an email another user
/// holds: the user to wait for when that one gives it up earlier in this run, else the
/// user keeps its address and the email change is a skip that needs a person
/// ([`SkipCause::EmailTaken`]; a note for a row not provisioned yet). Marks it managed when it is not skipped.
fn settle_user(
    cx: &mut Ctx<'_>,
    index: &Index<'_>,
    e: &Employee,
    u: &User,
    target: &Target<'_>,
    d: &Dated,
    t: &mut Tally,
) -> Option<Option<UserId>> {
    t.handled.insert(index.slot(u));
    t.matched.insert(index.slot(u));
    if let Some(why) = untouchable(u, Some(&e.email), &cx.policy.protected, cx.inp.key_owner) {
        let reason = SkipCause::Untouchable(why);
        t.out.skipped.push(employee_skip(e, Some(u), reason, d));
        return None;
    }
    // Every create names the `[pagerduty] from` user in its From header (fact F6): a
    // leaver who is that user is never deactivated or deleted, so that the run's creates
    // (and every later night's) keep working; a person changes `from` first.
    if matches!(d.standing, Standing::Leaver(_)) && Email::normalise(&u.email) == cx.policy.from {
        t.out
            .skipped
            .push(employee_skip(e, Some(u), SkipCause::FromUser, d));
        return None;
    }
    let employed = matches!(d.standing, Standing::Employed { .. });
    if employed && let Some(reason) = unchecked_marker_email_change(index, e, u, target) {
        t.out.skipped.push(employee_skip(e, Some(u), reason, d));
        return None;
    }
    if let Some(reason) = foreign_unverified_claim(index, e, u, target, d) {
        t.out.skipped.push(employee_skip(e, Some(u), reason, d));
        return None;
    }
    if employed
        && target.matched_by_email
        && *index.state(u) == MarkerState::Absent
        && suspends(&u.role)
        && cx.rules.role_for(e) != u.role
    {
        let reason = SkipCause::SuspendedByOthers {
            role: u.role.clone(),
        };
        t.out.skipped.push(employee_skip(e, Some(u), reason, d));
        return None;
    }
    if let Some(reason) = unproven_stale_termination(cx, index, u, d) {
        t.out.skipped.push(employee_skip(e, Some(u), reason, d));
        return None;
    }
    if employed && let Some(reason) = unconfirmed_adoption(cx, index, e, u, target) {
        t.out.skipped.push(employee_skip(e, Some(u), reason, d));
        return None;
    }
    // An email change onto an address another user already holds would be refused
    // ("Email has already been taken", fact F31) every night: keep the old address and
    // apply the other changes. Unless the holder gives it up first in this run (a
    // hand-off), the email change of an employed person is a skip that needs a person:
    // until someone frees the address (or corrects HR) the person's PagerDuty email is not
    // the one HR announced, and the holder may be someone posing as them. A row not
    // provisioned yet keeps a note: nothing is written for it today either way.
    let mut waits_for = None;
    let holder = index.by_email(&e.email).filter(|o| o.id != u.id);
    if let Some(other) = holder
        && employed
        && cx.handoffs.freed_by(&e.email) == Some(&other.id)
    {
        // The holder gives the address up first in this run: take it after that.
        waits_for = Some(other.id.clone());
    } else if let Some(other) = holder
        && employed
    {
        cx.email_blocked.insert(e.employee_id.clone());
        let reason = SkipCause::EmailTaken {
            holder: other.id.clone(),
            user_email: Email::normalise(&u.email),
        };
        t.out.skipped.push(employee_skip(e, Some(u), reason, d));
    } else if let Some(other) = holder
        && !matches!(d.standing, Standing::Leaver(_))
    {
        cx.email_blocked.insert(e.employee_id.clone());
        cx.notes.push(format!(
            "employee {} (line {}): HR gives email {} but PagerDuty user {} already has it; user {} keeps {} until this is resolved by hand",
            e.employee_id, e.line, e.email, other.id, u.id, u.email
        ));
    }
    t.managed.insert(index.slot(u));
    Some(waits_for)
}

/// The action `e`'s standing calls for on `target`: a create or a restore from the archive,
/// an update or a reactivation, a leaver's deactivation or deletion; and the changes that
/// come due later, listed as pending. A row kept as it is by a later run's suspension or
/// deletion, or with no user and a passed termination date but no archive, is a note.
fn choose_action(
    cx: &mut Ctx<'_>,
    index: &Index<'_>,
    e: &Employee,
    target: &Target<'_>,
    d: &Dated,
    rekeyed_from: Option<&EmployeeId>,
    t: &mut Tally,
) -> Choice {
    let user = target.user;
    let human = user.map(|u| index.human(u)).unwrap_or_default();
    let current_marker = user.and_then(|u| index.marker(u));
    let suspended = current_marker.and_then(|m| m.suspended.as_ref());
    let leaver_kind = match cx.policy.deactivate {
        DeactivationMode::Delete => ActionKind::Delete,
        DeactivationMode::Suspend => ActionKind::Deactivate,
    };
    // A suspension or a deletion recorded after the run's as-of day is never undone by
    // that run (README.md § Dated changes and leave): a run as of an earlier day sees the
    // account as that day would have had it only for what came due by then.
    if let Some(kept) = applied_later(cx, e, user, suspended, d.standing) {
        cx.notes.push(kept);
        t.out.unchanged += 1;
        return Choice::Done;
    }
    // Nor does it offboard, by a termination date, a user that a run as of a later day
    // created: that run found the person employed ([`crate::marker::Marker::created`]).
    if let (Standing::Leaver(cause), Some(u)) = (d.standing, user)
        && let Some(kept) = created_later(cx, e, u, current_marker, cause, leaver_kind)
    {
        cx.notes.push(kept);
        t.out.unchanged += 1;
        return Choice::Done;
    }
    list_pending(e, user, suspended.is_some(), d, leaver_kind, t);
    let mut why = None;
    let action = match (d.standing, user) {
        (Standing::Employed { .. }, None) if unarchived_leaver(cx, e) => {
            cx.notes.push(format!(
                "employee {} (line {}): not created: the row carries termination date {}, which has passed, and the archive {} does not exist, so a deleted leaver cannot be told from a new hire; restore the archive file (it is the job's only local state), or, for a rehire, remove or correct the termination date in HR (or give a hire date after it)",
                e.employee_id,
                e.line,
                e.termination_date.map(|d| d.to_string()).unwrap_or_default(),
                cx.inp.archive.path().map(|p| p.display().to_string()).unwrap_or_default()
            ));
            t.out.unchanged += 1;
            return Choice::Done;
        }
        (Standing::Employed { .. }, None) => {
            let a = match (restorable_record(cx, e), renumbered_record(cx, e)) {
                (Some(r), _) => restore(cx, e, &r),
                (None, Some((r, old))) if cx.policy.rekey_employee_ids => {
                    rekeyed_restore(cx, e, &r, old)
                }
                (None, Some((r, old))) => {
                    let cause = SkipCause::ArchivedUnderAnotherId {
                        user: r.pagerduty_user_id.clone(),
                        name: r.user.name.clone(),
                        email: r.email.clone(),
                        archived_employee_id: old,
                    };
                    t.out.skipped.push(employee_skip(e, None, cause, d));
                    return Choice::Done;
                }
                (None, None) => {
                    let mut a = create(cx, e, other_person_record(cx, e));
                    // A row created although its termination date has passed: say so.
                    if let Some(date) = d.conflict {
                        a.reason.push_str(&created_despite_date(cx, e, date));
                    }
                    a
                }
            };
            check_stakeholder(cx, e, &mut t.problems);
            Some(a)
        }
        (Standing::Employed { .. }, Some(u)) => {
            check_stakeholder(cx, e, &mut t.problems);
            match suspended {
                Some(s) => {
                    let created = current_marker.and_then(|m| m.created);
                    Some(reactivate(cx, e, u, human, s, created))
                }
                None => {
                    let state = index.state(u);
                    let matched_by_email = target.matched_by_email;
                    update(cx, e, u, human, matched_by_email, state, index.fault(u)).map(
                        |(a, r)| {
                            why = Some(r);
                            a
                        },
                    )
                }
            }
        }
        (Standing::Leaver(cause), Some(u)) => {
            let why = leaver_reason(cx, e, cause, target.matched_by_email);
            let record = leaver_record(cause);
            let id = Some(&e.employee_id);
            let a = leave(cx, u, id, Some(e), human, current_marker, record, why)
                .map(|a| untrusted_record_rewrite(cx, index, u, a));
            // Pushed first, so that it runs before the deactivation of the same user. A
            // blocked deactivation's re-key is written by it too.
            let rekey = rekeyed_from;
            if let Some(stamp) = pending_stamp(cx, e, u, human, current_marker, cause, &a, rekey) {
                t.out.actions.push(stamp);
            }
            if a.is_none()
                && let (LeaverCause::TerminationDate(date), Some(_), Some(s)) =
                    (cause, d.overdue, suspended)
            {
                suspended_overdue_note(cx, e, u, s, date);
            }
            a
        }
        (Standing::Leaver(LeaverCause::TerminationDate(date)), None) if d.overdue.is_some() => {
            deleted_overdue_note(cx, e, date);
            t.userless_leavers.insert(e.employee_id.clone());
            None
        }
        (Standing::Leaver(_), None) => {
            t.userless_leavers.insert(e.employee_id.clone());
            None
        }
        (Standing::NotYetHired { .. }, _) => None,
    };
    action.map_or(Choice::Nothing, |a| Choice::Act(Box::new(a), why))
}

/// Adds action `a` for `e` to the plan, with the hand-off it waits for, the words for what
/// it does to the user's record, and the employee ID its marker is re-keyed from. `why` is
/// the reason of an update, as a typed value.
fn push_action(
    mut a: Action,
    why: Option<UpdateReason>,
    e: &Employee,
    index: &Index<'_>,
    target: &Target<'_>,
    rekeyed_from: Option<EmployeeId>,
    t: &mut Tally,
) {
    // A blocked deactivation whose re-key the marker write just before it carries (see
    // `pending_stamp`) does not re-key: that write does.
    let written_alone = a.blocked.is_some()
        && t.out.actions.last().is_some_and(|w| {
            w.user_id == a.user_id && w.rekeyed_from.is_some() && w.kind == ActionKind::Update
        });
    let rekeyed_from = rekeyed_from.filter(|_| !written_alone);
    // Only the builder's reason alone is replaced by the record's words, not one that
    // names a hand-off too.
    let marker_only =
        target.waits_for.is_none() && why.as_ref().is_some_and(UpdateReason::is_marker_only);
    let (record, only_marker) = match target.user {
        Some(u) => explain_record(&a, e, u, index, rekeyed_from.as_ref()),
        None => (None, false),
    };
    let parts = RowReason {
        handoff: target.waits_for.clone().map(|by| (e.email.clone(), by)),
        record,
        only_marker,
        marker_only,
    };
    a.reason = parts.render(&a.reason);
    if let Some(by) = &target.waits_for {
        a.waits_for = Some(by.clone());
    }
    // A restore re-keyed from an archive record carries its old ID already.
    if rekeyed_from.is_some() {
        a.rekeyed_from = rekeyed_from;
    }
    t.out.actions.push(a);
}

/// Under `--rekey-employee-ids`, the re-creation of `e` from archive record `r`, whose
/// marker named employee `old` ([`renumbered_record`]): a rehire's restore, counted as a
/// re-key ([`Action::rekeyed_from`]), its reason saying so.
fn rekeyed_restore(
    cx: &Ctx<'_>,
    e: &Employee,
    r: &crate::archive::ArchiveRecord,
    old: EmployeeId,
) -> Action {
    let mut a = restore(cx, e, r);
    let listed = if cx.roster_ids.contains(&old) {
        format!("the export lists {old} on another person's row")
    } else {
        format!("the export no longer lists {old}")
    };
    a.reason.push_str(&format!(
        "; re-keys the archive record from employee {old} to employee {} (--rekey-employee-ids; {listed}, and this row has the deleted user's email)",
        e.employee_id
    ));
    a.rekeyed_from = Some(old);
    a
}
