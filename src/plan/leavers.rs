//! The pass over users no employee decided: a user whose marker names an employee the
//! export does not list is a leaver (unless the account owner, protected, or that
//! employee's HR row has a problem this run); a user without a marker is left alone, and
//! noted when `[lifecycle] unmanaged_users = "report"`.

use super::Tally;
use super::build::{Record, leave};
use super::context::Ctx;
use super::matching::Index;
use super::ownership::untouchable;
use super::skip::{Skip, SkipCause};
use crate::config::UnmanagedUsers;
use crate::email::Email;
use crate::marker::MarkerState;
use std::collections::BTreeSet;

/// Plans every user of the account the employee pass did not decide.
pub(super) fn plan_users_without_row<'a>(cx: &mut Ctx<'a>, index: &Index<'a>, t: &mut Tally<'a>) {
    let inp = cx.inp;
    let in_roster: BTreeSet<&str> = inp
        .roster
        .employees
        .iter()
        .map(|e| e.employee_id.as_str())
        .collect();
    for u in inp.users {
        if t.handled.contains(u.id.as_str()) {
            continue;
        }
        let Some(m) = index.marker(u) else {
            if cx.policy.unmanaged_users == UnmanagedUsers::Report
                && untouchable(u, None, &cx.policy.protected).is_none()
                && !matches!(index.state(u), MarkerState::Invalid(_))
            {
                t.out.notes.push(format!(
                    "user {} ({}) has no ownership marker and no HR row; left alone (unmanaged)",
                    u.id, u.email
                ));
            }
            continue;
        };
        if in_roster.contains(m.employee_id.as_str()) {
            continue;
        }
        let email = Email::normalise(&u.email);
        let protected_by_row = inp.roster.protected_ids.contains(&m.employee_id)
            || inp.roster.protected_emails.contains(&email);
        let reason = if protected_by_row {
            Some(SkipCause::HrRowProblem)
        } else {
            untouchable(u, None, &cx.policy.protected).map(SkipCause::Untouchable)
        };
        if let Some(reason) = reason {
            t.out.skipped.push(Skip::user(&m.employee_id, u, reason));
            continue;
        }
        t.managed.insert(u.id.as_str());
        let why = format!("leaver: employee {} is not in the HR export", m.employee_id);
        let human = index.human(u);
        match leave(
            cx,
            u,
            &m.employee_id,
            None,
            human,
            Some(m),
            Record::default(),
            why,
        ) {
            Some(a) => t.out.actions.push(a),
            None => t.out.unchanged += 1,
        }
    }
}
