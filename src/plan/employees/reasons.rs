//! The words of an employee's row: the note when a later run's suspension or deletion
//! keeps the row as it is, what an action does to the user's record beyond its builder's
//! reason (a re-key, an offboarded user's record), and a leaver's reason.

use crate::config::PastTerminationDate;
use crate::hr::Employee;
use crate::ids::EmployeeId;
use crate::pagerduty::models::User;
use crate::plan::build::restorable_record;
use crate::plan::context::Ctx;
use crate::plan::dated::{self, LeaverCause, Standing};
use crate::plan::matching::Index;
use crate::plan::{Action, ActionKind, Step};
use crate::words::plural;

/// The note for employee `e`, employed as of the run's day, whose `user` was suspended
/// (`suspended`), or whose deleted user the archive holds, on a day after the run's as-of
/// day: that run leaves the person as they are. `None` when nothing later is recorded (or
/// for a re-creation from the archive still being finished, which undoes nothing).
pub(super) fn applied_later(
    cx: &Ctx<'_>,
    e: &Employee,
    user: Option<&User>,
    suspended: Option<&crate::marker::Suspension>,
    standing: Standing,
) -> Option<String> {
    if !matches!(standing, Standing::Employed { .. }) {
        return None;
    }
    let today = cx.inp.today;
    match user {
        Some(u) => {
            let s = suspended.filter(|s| s.from_archive.is_none() && s.on > today)?;
            Some(format!(
                "employee {} (line {}): PagerDuty user {} was suspended on {}, after the as-of day {today}; not reactivated (a run as of an earlier day does not undo what a later run applied; run without --as-of, or with a later one, to reactivate it)",
                e.employee_id, e.line, u.id, s.on
            ))
        }
        None => {
            let r = restorable_record(cx, e)?;
            let on = r.deleted_on_in(&cx.policy.default_time_zone);
            (on > today).then(|| format!(
                "employee {} (line {}): PagerDuty user {} was deleted on {on}, after the as-of day {today}; not re-created from the archive (a run as of an earlier day does not undo what a later run applied; run without --as-of, or with a later one, to re-create it)",
                e.employee_id, e.line, r.pagerduty_user_id
            ))
        }
    }
}

/// Words for what the action does to the user's record beyond the builder's reason: the
/// re-key of its marker, or the employee ID an offboarding record gains; and, for a
/// deactivation of a user already suspended that only rewrites the marker, a reason that
/// says so instead of "finishing an interrupted suspension". `marker_only`: `a`'s reason
/// is only the repair of its marker ([`crate::plan::build::UpdateReason::is_marker_only`]),
/// which these words replace.
pub(super) fn explain_record(
    a: &mut Action,
    marker_only: bool,
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
        // Nothing but the marker changes: the re-key (or the record's new employee ID) is the
        // whole reason, not a repair of something broken.
        (Some(r), false) if marker_only => a.reason = r,
        (Some(r), false) => a.reason = format!("{}; {r}", a.reason),
        (None, _) => {}
    }
}

/// The reason of a leaver's deactivation.
pub(super) fn leaver_reason(
    cx: &Ctx<'_>,
    e: &Employee,
    cause: LeaverCause,
    by_email: bool,
) -> String {
    let status = e.status_value.as_deref();
    let mut why = match cause {
        LeaverCause::Status => {
            format!("leaver: status {:?} in HR", status.unwrap_or("terminated"))
        }
        LeaverCause::Leave => format!(
            "leave of absence: status {:?} in HR; [lifecycle] on_leave = \"suspend\"",
            status.unwrap_or("leave")
        ),
        LeaverCause::TerminationDate(date) => match status {
            _ if date == cx.inp.today => {
                format!("scheduled termination: termination date {date} is today")
            }
            None => format!("leaver: termination date {date} has passed (no status column)"),
            Some(v) if dated::within_catch_up(cx.policy, cx.inp.today, date) => {
                let days = (cx.inp.today - date).num_days();
                format!(
                    "scheduled termination overdue since {date} ({days} day{} ago; status {v:?} in HR; within [lifecycle] termination_catch_up_days = {})",
                    plural(days, "", "s"),
                    cx.policy.termination_catch_up_days
                )
            }
            Some(v) if cx.policy.past_termination_date == PastTerminationDate::Date => format!(
                "leaver: termination date {date} has passed; status {v:?} in HR, [lifecycle] past_termination_date = \"date\""
            ),
            Some(_) => format!("scheduled termination: termination date {date} has passed"),
        },
    };
    if by_email {
        why.push_str(" (matched by email)");
    }
    why
}
