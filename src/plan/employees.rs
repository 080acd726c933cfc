//! The pass over the export: each employee is matched, checked against the users
//! hr2pagerduty never writes, and handed to the builder its lifecycle calls for.

use super::Tally;
use super::build::{create, deactivate, reactivate, update};
use super::context::Ctx;
use super::matching::{Found, Index};
use super::ownership::{protected_email, untouchable};
use super::preconditions::check_stakeholder;
use super::skip::{Skip, SkipCause};
use crate::hr::{Employee, Lifecycle};

/// Plans employee `e`: at most one action, or a skip, or one more unchanged.
pub(super) fn plan_employee<'a>(
    cx: &mut Ctx<'a>,
    index: &Index<'a>,
    e: &Employee,
    t: &mut Tally<'a>,
) {
    let (user, matched_by_email) = match index.find(e) {
        Found::ByMarker(u) => (Some(u), false),
        Found::ByEmail(u) => (Some(u), true),
        Found::Nobody => (None, false),
        Found::Blocked {
            reason,
            user,
            decided,
        } => {
            if decided && let Some(u) = user {
                t.handled.insert(u.id.as_str());
            }
            t.out.skipped.push(Skip::employee(e, user, reason));
            return;
        }
    };
    if let Some(u) = user {
        t.handled.insert(u.id.as_str());
        if let Some(why) = untouchable(u, Some(&e.email), &cx.policy.protected) {
            let reason = SkipCause::Untouchable(why);
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
            deactivate(cx, u, &e.employee_id, Some(e), human, current_marker, why)
        }
        (Lifecycle::Terminated, None) | (Lifecycle::Pending, _) => None,
    };
    match action {
        Some(a) => t.out.actions.push(a),
        None => t.out.unchanged += 1,
    }
}
