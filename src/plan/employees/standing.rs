//! How an employee's row stands today and what comes due for it later: its dated standing
//! ([`crate::plan::dated`]) with what its user's marker and the archive record as applied,
//! the date conflict and start conflict it records, and the changes it lists as pending.

use crate::hr::Employee;
use crate::pagerduty::models::User;
use crate::plan::ActionKind;
use crate::plan::Tally;
use crate::plan::build::restorable_record;
use crate::plan::context::Ctx;
use crate::plan::contract::{DateConflict, Pending, StartConflict};
use crate::plan::dated::{self, Dated, Standing};
use crate::plan::matching::{Found, Index};
use crate::plan::policy::Policy;
use chrono::NaiveDate;

/// How `e` stands today, its row deciding user `matched` (or none); counts it among the
/// active HR rows when employed, and records its date conflict and its start conflict.
pub(super) fn standing_today(
    cx: &Ctx<'_>,
    index: &Index<'_>,
    e: &Employee,
    matched: Option<&User>,
    t: &mut Tally,
) -> Dated {
    // No user: the termination date for which the archive says this employee's user was
    // deleted, if a date brought that deletion (the row keeping it is no rehire).
    let deleted_for = match matched {
        None => restorable_record(cx, e).and_then(|r| r.termination_date),
        Some(_) => None,
    };
    let d = dated_of(index, matched, e, cx.policy, cx.inp.today, deleted_for);
    if matches!(d.standing, Standing::Employed { .. }) {
        t.hr_active += 1;
    }
    if let Some(date) = d.conflict {
        t.out.conflicts.push(DateConflict {
            employee_id: e.employee_id.clone(),
            email: e.email.clone(),
            status: e.status_value.clone(),
            termination_date: date,
            decided_by: cx.policy.past_termination_date,
            line: e.line,
            catch_up_days: cx.policy.termination_catch_up_days,
        });
    }
    if d.start_conflict {
        t.out.start_conflicts.push(StartConflict {
            employee_id: e.employee_id.clone(),
            email: e.email.clone(),
            status: e.status_value.clone(),
            hire_date: e.hire_date,
            user_id: matched.map(|u| u.id.clone()),
            line: e.line,
        });
    }
    d
}

/// How `e` stands today ([`dated::dated`]), given what matching `found` for it: the
/// termination date a suspension recorded on its user counts as applied. The archive is
/// not read: this is for the email hand-offs, which only concern employed people whose
/// user their marker found.
pub(in crate::plan) fn dated_for(
    index: &Index<'_>,
    found: &Found<'_>,
    e: &Employee,
    policy: &Policy,
    today: NaiveDate,
) -> Dated {
    let matched = match found {
        Found::ByMarker(u) | Found::ByEmail(u) => Some(*u),
        Found::Nobody | Found::Blocked { .. } => None,
    };
    dated_of(index, matched, e, policy, today, None)
}

/// How `e` stands today when its row decided user `matched` (found, or taken over by a
/// re-key): the termination date a suspension recorded on that user counts as applied, and
/// so does `deleted_for`, the date the archive recorded for the deletion of `e`'s user when
/// no user matched.
fn dated_of(
    index: &Index<'_>,
    matched: Option<&User>,
    e: &Employee,
    policy: &Policy,
    today: NaiveDate,
    deleted_for: Option<NaiveDate>,
) -> Dated {
    let marker = matched.and_then(|u| index.marker(u));
    // A termination date that brought the deactivation of this employee's user into effect.
    let applied = marker
        .and_then(|m| m.suspended.as_ref())
        .and_then(|s| s.termination_date)
        .or(deleted_for);
    // A termination an earlier run found due and blocked (a trusted marker's stamp).
    let stamped = marker.and_then(|m| m.pending_termination);
    dated::dated(e, policy, today, applied, stamped)
}

/// Lists what comes due for `e` on a later date: the create (or, for a `user` already
/// suspended, the reactivation) of a future hire, and a scheduled termination. A future
/// hire whose user is already active gets nothing: it is left as it is until the date.
/// `leaver` is what a termination will be: a deactivation, or a deletion in delete mode.
pub(super) fn list_pending(
    e: &Employee,
    user: Option<&User>,
    suspended: bool,
    d: &Dated,
    leaver: ActionKind,
    t: &mut Tally,
) {
    let entry = |kind, on, date| Pending {
        employee_id: e.employee_id.clone(),
        email: e.email.clone(),
        kind,
        on,
        date,
        user_id: user.map(|u| u.id.clone()),
        line: e.line,
    };
    if let (Standing::NotYetHired { from: Some(on) }, Some(hire)) = (d.standing, e.hire_date) {
        match (user, suspended) {
            (None, _) => t.out.pending.push(entry(ActionKind::Create, on, hire)),
            (Some(_), true) => t.out.pending.push(entry(ActionKind::Reactivate, on, hire)),
            (Some(_), false) => {}
        }
    }
    if let Some(date) = d.termination_scheduled
        && !matches!(d.standing, Standing::Leaver(_))
    {
        t.out.pending.push(entry(leaver, date, date));
    }
}
