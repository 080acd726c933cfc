//! What a leaver's row adds to its deactivation or deletion: the offboarding record of why
//! it left, the termination-pending stamp of a blocked one, and the notes of an overdue
//! termination an earlier run already carried out (the user deleted, or suspended for
//! another reason).

use crate::config::PastTerminationDate;
use crate::hr::Employee;
use crate::marker::Marker;
use crate::pagerduty::models::User;
use crate::plan::Action;
use crate::plan::build::{Record, restorable_record, stamp_pending};
use crate::plan::context::Ctx;
use crate::plan::dated::LeaverCause;
use chrono::NaiveDate;

/// The termination-pending stamp for leaver `e` (user `u`, trusted marker `current`) whose
/// deactivation `a` is blocked (see [`stamp_pending`]): written when `cause` is a
/// termination date that only the catch-up days keep due (the status says active and
/// `[lifecycle] past_termination_date = "status"`); otherwise a stamp the marker carries
/// stays only while HR gives its date, and is removed when HR no longer does (the row's
/// date changed, or no status column makes the date decide anyway), as an employed row's
/// update removes it.
pub(super) fn pending_stamp(
    cx: &Ctx<'_>,
    e: &Employee,
    u: &User,
    human: &str,
    current: Option<&Marker>,
    cause: LeaverCause,
    a: &Option<Action>,
) -> Option<Action> {
    let blocked = a.as_ref().is_some_and(|a| a.blocked.is_some());
    let current = current.filter(|_| blocked)?;
    let catch_up_decides =
        e.status_value.is_some() && cx.policy.past_termination_date == PastTerminationDate::Status;
    let want = match cause {
        LeaverCause::TerminationDate(date) if catch_up_decides => Some(date),
        _ => current
            .pending_termination
            .filter(|d| Some(*d) == e.termination_date),
    };
    stamp_pending(cx, u, e, human, current, want)
}

/// What a leaver's offboarding record says of why it left.
pub(super) fn leaver_record(cause: LeaverCause) -> Record {
    match cause {
        LeaverCause::Status => Record::default(),
        LeaverCause::TerminationDate(date) => Record {
            termination_date: Some(date),
            leave: false,
        },
        LeaverCause::Leave => Record {
            termination_date: None,
            leave: true,
        },
    }
}

/// The note for `e`, a row whose status does not say terminated but whose termination
/// `date` is recent enough to be still due (`[lifecycle] termination_catch_up_days`), and
/// whose user was deleted and archived by an earlier run that the status decided (the
/// record carries no date): nothing to do, but a rehire written as the status back to
/// active, with the old date kept, would otherwise go unmentioned.
pub(super) fn deleted_overdue_note(cx: &mut Ctx<'_>, e: &Employee, date: NaiveDate) {
    let Some(r) = restorable_record(cx, e) else {
        return;
    };
    let status = e.status_value.as_deref().unwrap_or("");
    cx.notes.push(format!(
        "employee {} (line {}): status {status:?} with termination date {date}, within [lifecycle] termination_catch_up_days = {}: treated as an overdue termination; nothing to do, since PagerDuty user {} was deleted and archived; if this is a rehire, give a hire date after the termination date (or remove the date) in HR, and the user is re-created from the archive",
        e.employee_id, e.line, cx.policy.termination_catch_up_days, r.pagerduty_user_id
    ));
}

/// The note for `e`, a row whose status does not say terminated but whose termination
/// `date` is recent enough to be still due (`[lifecycle] termination_catch_up_days`), and
/// whose user `u` an earlier run suspended already (suspension `s`) for another reason than
/// this date (the status said terminated, or a leave): the deactivation is done, so there
/// is nothing to do, but a rehire written as the status back to active, with the old date
/// kept, would otherwise go unmentioned (the suspend-mode twin of
/// [`deleted_overdue_note`]).
pub(super) fn suspended_overdue_note(
    cx: &mut Ctx<'_>,
    e: &Employee,
    u: &User,
    s: &crate::marker::Suspension,
    date: NaiveDate,
) {
    if s.termination_date == Some(date) {
        // The date brought the suspension: it stays while the row keeps it, as documented.
        return;
    }
    let status = e.status_value.as_deref().unwrap_or("");
    cx.notes.push(format!(
        "employee {} (line {}): status {status:?} with termination date {date}, within [lifecycle] termination_catch_up_days = {}: treated as an overdue termination; nothing to do, since PagerDuty user {} was suspended on {}; not reactivated; if this is a rehire, give a hire date after the termination date (or remove the date) in HR, and the user is reactivated",
        e.employee_id, e.line, cx.policy.termination_catch_up_days, u.id, s.on
    ));
}
