//! The pass over the export: each employee is matched, checked against the users
//! hr2pagerduty never writes, and handed to the builder its lifecycle calls for.
//!
//! Two matches need more than the builders: with `--rekey-employee-ids`, an email match on
//! a user whose marker names an employee the export no longer lists re-keys that marker
//! (the action records [`super::Action::rekeyed_from`]); and an active employee whose user,
//! matched by email, has no marker and a base role that suspends it (a stakeholder role or
//! `restricted_access`, other than the rules give) is a conflict, left alone
//! ([`SkipCause::SuspendedByOthers`]): someone else suspended that user.

use super::Tally;
use super::build::{create, deactivate, reactivate, update};
use super::context::Ctx;
use super::matching::{Found, Index};
use super::ownership::{protected_email, untouchable};
use super::preconditions::check_stakeholder;
use super::skip::{Skip, SkipCause};
use super::{Action, ActionKind, Step};
use crate::hr::{Employee, Lifecycle};
use crate::ids::EmployeeId;
use crate::marker::MarkerState;
use crate::pagerduty::models::User;
use crate::vocab::Role;

/// Plans employee `e`: at most one action, or a skip, or one more unchanged.
pub(super) fn plan_employee<'a>(
    cx: &mut Ctx<'a>,
    index: &Index<'a>,
    e: &Employee,
    t: &mut Tally<'a>,
) {
    let mut rekeyed_from = None;
    let (user, matched_by_email) = match index.find(e) {
        Found::ByMarker(u) => (Some(u), false),
        Found::ByEmail(u) => (Some(u), true),
        Found::Nobody => (None, false),
        Found::Blocked {
            reason:
                SkipCause::EmailOfAnotherEmployee {
                    marker_employee_id, ..
                },
            user: Some(u),
            ..
        } if rekeyable(cx, t, e, u, &marker_employee_id) => {
            rekeyed_from = Some(marker_employee_id);
            (Some(u), true)
        }
        Found::Blocked {
            reason,
            user,
            decided,
        } => {
            if let Some(u) = user {
                t.matched.insert(u.id.as_str());
                if decided {
                    t.handled.insert(u.id.as_str());
                }
            }
            t.out.skipped.push(Skip::employee(e, user, reason));
            return;
        }
    };
    if let Some(u) = user {
        t.handled.insert(u.id.as_str());
        t.matched.insert(u.id.as_str());
        if let Some(why) = untouchable(u, Some(&e.email), &cx.policy.protected, cx.inp.key_owner) {
            let reason = SkipCause::Untouchable(why);
            t.out.skipped.push(Skip::employee(e, Some(u), reason));
            return;
        }
        if e.status == Lifecycle::Active
            && matched_by_email
            && *index.state(u) == MarkerState::Absent
            && suspends(&u.role)
            && cx.rules.role_for(e) != u.role
        {
            let reason = SkipCause::SuspendedByOthers {
                role: u.role.clone(),
            };
            t.out.skipped.push(Skip::employee(e, Some(u), reason));
            return;
        }
        // An email change onto an address another user already holds would be refused
        // ("Email has already been taken", fact F31) every night: keep the old address,
        // apply the other changes, and say why.
        if let Some(other) = index.by_email(&e.email).filter(|o| o.id != u.id)
            && e.status != Lifecycle::Terminated
        {
            cx.email_blocked.insert(e.employee_id.clone());
            cx.notes.push(format!(
                "employee {} (line {}): HR gives email {} but PagerDuty user {} already has it; user {} keeps {} until this is resolved by hand",
                e.employee_id, e.line, e.email, other.id, u.id, u.email
            ));
        }
        t.managed.insert(u.id.as_str());
    } else if let Some(why) = protected_email(&e.email, &cx.policy.protected) {
        let reason = SkipCause::Untouchable(why);
        t.out.skipped.push(Skip::employee(e, None, reason));
        return;
    }
    let human = user.map(|u| index.human(u)).unwrap_or_default();
    let current_marker = user.and_then(|u| index.marker(u));
    let action = match (e.status, user) {
        (Lifecycle::Active, None) => {
            let a = create(cx, e);
            check_stakeholder(cx, e, &mut t.problems);
            Some(a)
        }
        (Lifecycle::Active, Some(u)) => {
            check_stakeholder(cx, e, &mut t.problems);
            match current_marker.and_then(|m| m.suspended.as_ref()) {
                Some(s) => Some(reactivate(cx, e, u, human, s)),
                None => update(cx, e, u, human, matched_by_email, index.state(u)),
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
                cx,
                u,
                Some(&e.employee_id),
                Some(e),
                human,
                current_marker,
                why,
            )
        }
        (Lifecycle::Terminated, None) | (Lifecycle::Pending, _) => None,
    };
    match action {
        Some(mut a) => {
            if let Some(u) = user {
                explain_record(&mut a, e, u, index, rekeyed_from.as_ref());
            }
            a.rekeyed_from = rekeyed_from;
            t.out.actions.push(a);
        }
        None => t.out.unchanged += 1,
    }
}

/// True for the base roles that leave a user unable to respond: the stakeholder roles and
/// `restricted_access` (PAGERDUTY_API.md §3.2), as a suspension by someone else would.
fn suspends(role: &Role) -> bool {
    role.is_stakeholder() || *role == Role::RestrictedAccess
}

/// Whether `e`'s row may take over user `u`, whose marker names `old`, under
/// `--rekey-employee-ids`: the export no longer lists `old` (not even on a row with a
/// problem), `e`'s email is on no row with a problem (so it names exactly one HR row), and
/// `u` is not already settled (a duplicate marker).
fn rekeyable(cx: &Ctx<'_>, t: &Tally<'_>, e: &Employee, u: &User, old: &EmployeeId) -> bool {
    let roster = cx.inp.roster;
    cx.policy.rekey_employee_ids
        && !t.handled.contains(u.id.as_str())
        && !cx.roster_ids.contains(old.as_str())
        && !roster.protected_ids.contains(old)
        && !roster.protected_emails.contains(&e.email)
}

/// Words for what the action does to the user's record beyond the builder's reason: the
/// re-key of its marker, or the employee ID an offboarding record gains; and, for a
/// deactivation of a user already suspended that only rewrites the marker, a reason that
/// says so instead of "finishing an interrupted suspension".
fn explain_record(
    a: &mut Action,
    e: &Employee,
    u: &User,
    index: &Index<'_>,
    rekeyed_from: Option<&EmployeeId>,
) {
    let marker = index.marker(u);
    let offboarded = marker.is_some_and(|m| m.employee_id.is_none());
    let only_marker = a.kind == ActionKind::Deactivate
        && marker.is_some_and(|m| m.suspended.is_some())
        && matches!(a.steps.as_slice(), [Step::UpdateUser(upd)]
            if upd.role.is_none() && upd.description.is_some());
    let record = match (rekeyed_from, offboarded) {
        (Some(old), _) => Some(format!(
            "re-keys the marker from employee {old} to employee {} (--rekey-employee-ids; the export no longer lists {old} and this row has the user's email)",
            e.employee_id
        )),
        (None, true) => Some(format!(
            "the user was suspended as an unmanaged user ([lifecycle] unmanaged_users = \"offboard\"); matched by email, its record now names employee {}",
            e.employee_id
        )),
        (None, false) => None,
    };
    match (record, only_marker) {
        (Some(r), true) => a.reason = format!("leaver already suspended: {r}"),
        (Some(r), false) => a.reason = format!("{}; {r}", a.reason),
        (None, _) => {}
    }
}
