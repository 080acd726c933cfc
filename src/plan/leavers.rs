//! The pass over users no employee decided: a user whose marker names an employee the
//! export does not list is a leaver (unless the account owner, the API key's own user,
//! protected, the `[pagerduty] from` user that creates need, or that employee's HR row has
//! a problem this run). A user without a marker is
//! unmanaged: left alone, noted when `[lifecycle] unmanaged_users = "report"`, and with
//! `"offboard"` (HR authoritative for everyone) deactivated like a leaver, with a suspension
//! record that names no employee, unless it is a user hr2pagerduty never writes, the
//! `[pagerduty] from` user that creates need, or an HR row with a problem names its email
//! (then it is listed as skipped).

use super::Tally;
use super::build::{LeaverReason, LeaverWhy, Record, deactivate, leave, sign};
use super::context::Ctx;
use super::matching::Index;
use super::ownership::untouchable;
use super::skip::{Skip, SkipCause};
use crate::config::UnmanagedUsers;
use crate::email::Email;
use crate::marker::{self, Marker, MarkerState};
use crate::pagerduty::models::User;
use crate::vocab::SUSPENDED_ROLES;

/// Plans every user of the account the employee pass did not decide.
pub(super) fn plan_users_without_row<'a>(cx: &mut Ctx<'a>, index: &'a Index<'a>, t: &mut Tally) {
    let inp = cx.inp;
    for u in inp.users {
        if t.handled.contains(index.slot(u)) {
            continue;
        }
        let marker = index.marker(u);
        let Some(eid) = marker.and_then(|m| m.employee_id.as_ref()) else {
            plan_unmanaged(cx, index, u, marker, t);
            continue;
        };
        if cx.roster_ids.contains(eid) {
            continue;
        }
        let email = Email::normalise(&u.email);
        let protected_by_row =
            inp.roster.protected_ids.contains(eid) || inp.roster.protected_emails.contains(&email);
        let reason = if protected_by_row {
            Some(SkipCause::HrRowProblem)
        } else {
            untouchable(u, None, &cx.policy.protected, inp.key_owner)
                .map(SkipCause::Untouchable)
                .or_else(|| (email == cx.policy.from).then_some(SkipCause::FromUser))
        };
        if let Some(reason) = reason {
            t.out.skipped.push(Skip::user(eid, u, reason));
            continue;
        }
        t.managed.insert(index.slot(u));
        let why = LeaverReason {
            why: LeaverWhy::NotInExport(eid.clone()),
            by_email: false,
        };
        let human = index.human(u);
        match leave(
            cx,
            u,
            Some(eid),
            None,
            human,
            marker,
            Record::default(),
            why,
        ) {
            Some(a) => t.out.actions.push(a),
            None => match marker.and_then(|m| sign(cx, u, human, m, None)) {
                Some(a) => t.out.actions.push(a),
                None => t.out.unchanged += 1,
            },
        }
    }
}

/// A user with no marker naming an employee (none at all, or the suspension record of an
/// earlier offboarding) and no HR row. An unreadable or untrusted marker is noted by the
/// index and left alone in every mode: it may name an employee. When it seems to name one
/// the export does not list and the user still holds a role or teams, it may hide a
/// leaver: it is a skip that needs a person ([`untrusted_leaver`]).
fn plan_unmanaged<'a>(
    cx: &mut Ctx<'a>,
    index: &'a Index<'a>,
    u: &'a User,
    record: Option<&'a Marker>,
    t: &mut Tally,
) {
    if matches!(index.state(u), MarkerState::Invalid(_)) {
        if let Some(skip) = untrusted_leaver(cx, index, u) {
            t.out.skipped.push(skip);
        }
        return;
    }
    let never = untouchable(u, None, &cx.policy.protected, cx.inp.key_owner);
    match cx.policy.unmanaged_users {
        UnmanagedUsers::Ignore => {}
        UnmanagedUsers::Report => {
            if never.is_none() {
                t.out.notes.push(match record {
                    None => format!(
                        "user {} ({}) has no ownership marker and no HR row; left alone (unmanaged)",
                        u.id, u.email
                    ),
                    Some(_) => format!(
                        "user {} ({}) carries the suspension record of an earlier offboarding and has no HR row; left alone (unmanaged)",
                        u.id, u.email
                    ),
                });
            }
        }
        UnmanagedUsers::Offboard => {
            let reason = match never {
                Some(why) => Some(SkipCause::Untouchable(why)),
                None if Email::normalise(&u.email) == cx.policy.from => Some(SkipCause::FromUser),
                None => inp_row_problem(cx, u).then_some(SkipCause::HrRowProblem),
            };
            if let Some(reason) = reason {
                t.out.skipped.push(Skip::unmanaged(u, reason));
                return;
            }
            t.managed.insert(index.slot(u));
            let why = LeaverReason {
                why: LeaverWhy::UnmanagedOffboard,
                by_email: false,
            };
            let human = index.human(u);
            match deactivate(cx, u, None, None, human, record, Record::default(), why) {
                Some(a) => t.out.actions.push(a),
                None => match record.and_then(|m| sign(cx, u, human, m, None)) {
                    Some(a) => t.out.actions.push(a),
                    None => t.out.unchanged += 1,
                },
            }
        }
    }
}

/// The skip of `u`, whose marker the run does not use, when that marker seems to name an
/// employee the export does not list (nor an HR row with a problem), and `u` still holds
/// access (a base role other than a suspended one, or a team), and is not a user
/// hr2pagerduty never writes: a leaver whose marker was written before the key, or a
/// forgery; only a person can tell. A user already without access is only noted.
fn untrusted_leaver(cx: &Ctx<'_>, index: &Index<'_>, u: &User) -> Option<Skip> {
    let eid = marker::claimed_employee_id(u.description.as_deref())?;
    let inp = cx.inp;
    if cx.roster_ids.contains(&eid)
        || inp.roster.protected_ids.contains(&eid)
        || inp_row_problem(cx, u)
        || untouchable(u, None, &cx.policy.protected, inp.key_owner).is_some()
    {
        return None;
    }
    let access = !SUSPENDED_ROLES.contains(&u.role) || !u.teams.is_empty();
    access.then(|| {
        Skip::user(
            &eid,
            u,
            SkipCause::UntrustedLeaverMarker {
                fault: index.fault(u),
            },
        )
    })
}

/// True when an HR row with a problem this run names `u`'s email: its missing row is no
/// proof that HR does not list the person.
fn inp_row_problem(cx: &Ctx<'_>, u: &User) -> bool {
    cx.inp
        .roster
        .protected_emails
        .contains(&Email::normalise(&u.email))
}
