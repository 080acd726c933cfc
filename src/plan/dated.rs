//! Dated changes: what an employee's status, hire date and termination date mean on one
//! day, "today" (an input of the planner: the date in `[lifecycle] default_time_zone`, or
//! the run's `--as-of`). README.md § Dated changes and leave documents the same rules.
//!
//! In order, for one row of the export:
//! 1. A status listed under `[hr.status] terminated` makes a leaver, whatever the dates.
//! 2. A termination date before the hire date belongs to an earlier employment (a rehire
//!    keeps the old one) and is ignored.
//! 3. A `pending` status (a future start) is provisioned only inside its hire date's
//!    window, from `provision_days_before_start` days before the hire date to the hire
//!    date itself; before the window it is pending with the date the create comes due.
//!    Without a hire date, or once the hire date has passed and the status still says
//!    pending, it is not provisioned: the status decides, and the row is a start date
//!    conflict ([`Dated::start_conflict`]) that the plan reports, since HR has not caught up
//!    (the person has started, or will never start, and the status says neither) or gives
//!    no date to provision by. Its termination date is not read (in the exports seen, a
//!    future start's exit date is one of an earlier employment).
//! 4. Any other row (status active or on leave, or an export without a status column):
//!    - a hire date more than `provision_days_before_start` days ahead: not provisioned
//!      yet, pending with the date the create comes due;
//!    - a termination date of today: a leaver (a scheduled termination comes due today);
//!    - a termination date after today: a scheduled termination, pending until that date;
//!    - a termination date before today: without a status column the date decides (a
//!      leaver); a date at most `[lifecycle] termination_catch_up_days` days old (default
//!      30) is a scheduled termination still due, "overdue" (a leaver: a termination that
//!      was blocked by on-call duties, refused by a safety cap, or missed on its date is
//!      applied on a later night instead of turning into a leaver silently kept); one
//!      blocked by on-call duties stays due beyond the catch-up days too, as long as the
//!      row keeps that date: the run that first found it blocked stamped the user's
//!      marker with it ([`crate::marker::Marker::pending_termination`]); a
//!      deactivation that this very date brought into effect in an earlier run stays
//!      (the user's marker records the date, see [`crate::marker::Suspension`], and so
//!      does the archive record of a deleted user, see
//!      [`crate::archive::ArchiveRecord::termination_date`]); otherwise it is a conflict,
//!      which `[lifecycle] past_termination_date` decides (`status`, the default: still
//!      employed; `date`: a leaver) and the plan reports;
//!    - on leave: `[lifecycle] on_leave = "keep"` keeps the user as an active employee's,
//!      `"suspend"` suspends it.
//!
//! A scheduled termination is therefore applied on its date without HR changing the
//! status (or on a later night, within the catch-up days, when it could not be applied on
//! its date), and is not undone later: the suspension (or the deleted user's archive
//! record) records the date that brought it, and stays while the export keeps that date. A
//! rehire shows in the export as a new hire date after the termination date, the
//! termination date removed or changed, or (when the status decided the termination) the
//! status back to active. The trade-off of the catch-up: a rehire within the catch-up days
//! whose row keeps the old termination date and carries no later hire date is offboarded
//! again; such a rehire should carry the new hire date.

use super::policy::Policy;
use crate::config::{OnLeave, PastTerminationDate};
use crate::hr::{Employee, Lifecycle, Roster};
use chrono::{Days, NaiveDate};

/// What the planner does with an employee today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Provisioned and kept in sync: created, updated or reactivated. `on_leave` is true
    /// for a leave of absence kept by `[lifecycle] on_leave = "keep"`.
    Employed {
        /// On a leave of absence.
        on_leave: bool,
    },
    /// Suspended, for this reason.
    Leaver(LeaverCause),
    /// Not provisioned yet: a future hire. `from` is the first day the create (or the
    /// reactivation of an earlier user) comes due; `None` when no date will bring it (no
    /// hire date, or a pending status whose hire date has passed).
    NotYetHired {
        /// The day provisioning comes due, when a date says.
        from: Option<NaiveDate>,
    },
}

/// Why an employee is a leaver today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaverCause {
    /// The status is listed under `[hr.status] terminated`.
    Status,
    /// This termination date is today or has passed, and the date decides (no status
    /// column, `past_termination_date = "date"`, a scheduled termination coming due today,
    /// or one that came due in an earlier run).
    TerminationDate(NaiveDate),
    /// On a leave of absence, with `[lifecycle] on_leave = "suspend"`.
    Leave,
}

/// What the dates of one row mean today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dated {
    /// What the planner does now.
    pub standing: Standing,
    /// A termination date after today on a row that is not a leaver: the deactivation
    /// comes due on that date.
    pub termination_scheduled: Option<NaiveDate>,
    /// A termination date before today, older than `[lifecycle] termination_catch_up_days`,
    /// on a row whose status says active (or on leave), that no earlier run applied: a
    /// conflict, decided by `[lifecycle] past_termination_date` and reported by the plan.
    pub conflict: Option<NaiveDate>,
    /// A termination date before today but within `termination_catch_up_days` (or older,
    /// when the user's termination-pending stamp names it), on a row whose status says
    /// active (or on leave): a scheduled termination still due (the standing is then a
    /// leaver by this date).
    pub overdue: Option<NaiveDate>,
    /// A `pending` status (a future start) whose hire date has passed, or which has no hire
    /// date: not provisioned (the status decides), and reported by the plan as a start date
    /// conflict, an HR record that has not caught up.
    pub start_conflict: bool,
}

/// True when termination date `date`, before `today`, is at most
/// `policy.termination_catch_up_days` days old: a scheduled termination still due.
pub fn within_catch_up(policy: &Policy, today: NaiveDate, date: NaiveDate) -> bool {
    date < today && (today - date).num_days() <= i64::from(policy.termination_catch_up_days)
}

/// What `e`'s status and dates mean on `today` under `policy`. `applied` is the
/// termination date recorded in the suspension of `e`'s user (or in the archive record of
/// its deleted user), if a date brought the deactivation into effect in an earlier run (see
/// the module docs). `stamped` is the termination-pending stamp of `e`'s user's trusted
/// marker ([`crate::marker::Marker::pending_termination`]): a termination an earlier run
/// found due but blocked; while it equals the row's termination date, that termination
/// stays due (overdue) however old the date is.
pub fn dated(
    e: &Employee,
    policy: &Policy,
    today: NaiveDate,
    applied: Option<NaiveDate>,
    stamped: Option<NaiveDate>,
) -> Dated {
    let mut out = Dated {
        standing: Standing::Employed { on_leave: false },
        termination_scheduled: None,
        conflict: None,
        overdue: None,
        start_conflict: false,
    };
    if e.status == Lifecycle::Terminated {
        out.standing = Standing::Leaver(LeaverCause::Status);
        return out;
    }
    let termination = e
        .termination_date
        .filter(|t| e.hire_date.is_none_or(|h| *t >= h));
    let lead = Days::new(u64::from(policy.provision_days_before_start));
    // The first day a hire date lets the employee be provisioned.
    let due = e
        .hire_date
        .map(|h| h.checked_sub_days(lead).unwrap_or(NaiveDate::MIN));
    if e.status == Lifecycle::Pending {
        out.standing = match (e.hire_date, due) {
            (Some(h), Some(d)) if d <= today && today <= h => {
                Standing::Employed { on_leave: false }
            }
            (Some(_), Some(d)) if today < d => Standing::NotYetHired { from: Some(d) },
            _ => {
                out.start_conflict = true;
                Standing::NotYetHired { from: None }
            }
        };
        return out;
    }
    if let Some(d) = due.filter(|d| today < *d) {
        out.standing = Standing::NotYetHired { from: Some(d) };
        out.termination_scheduled = termination.filter(|t| *t > today);
        return out;
    }
    if let Some(t) = termination {
        // Only a status can contradict a date: without one the date decides anyway.
        // A stamp for this very date keeps a blocked termination due past the catch-up.
        let overdue = e.status_value.is_some()
            && (within_catch_up(policy, today, t) || (stamped == Some(t) && t < today));
        let date_decides = t == today
            || overdue
            || e.status_value.is_none()
            || applied == Some(t)
            || policy.past_termination_date == PastTerminationDate::Date;
        if t > today {
            out.termination_scheduled = Some(t);
        } else {
            if overdue {
                out.overdue = Some(t);
            } else if t < today && e.status_value.is_some() && applied != Some(t) {
                out.conflict = Some(t);
            }
            if date_decides {
                out.standing = Standing::Leaver(LeaverCause::TerminationDate(t));
                return out;
            }
        }
    }
    if e.status == Lifecycle::OnLeave {
        out.standing = match policy.on_leave {
            OnLeave::Keep => Standing::Employed { on_leave: true },
            OnLeave::Suspend => Standing::Leaver(LeaverCause::Leave),
        };
    }
    out
}

/// The export's employees by what they are today, for `validate`. Offline: no user is
/// known, so a past termination date that an earlier run already applied counts as the
/// conflict it would otherwise be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Employed and not on leave.
    pub active: usize,
    /// On a leave of absence, kept or suspended.
    pub on_leave: usize,
    /// Leavers: by status, or by a termination date that decides.
    pub terminated: usize,
    /// Future hires not provisioned yet.
    pub pending: usize,
    /// Of the others, termination dates after today.
    pub scheduled_terminations: usize,
    /// Of the leavers, termination dates before today but within
    /// `termination_catch_up_days` on rows the status calls active: still due.
    pub overdue_terminations: usize,
    /// Termination dates before today, older than `termination_catch_up_days`, on rows the
    /// status calls active.
    pub conflicts: usize,
    /// Of the pending, future starts whose hire date has passed or is missing
    /// ([`Dated::start_conflict`]).
    pub start_conflicts: usize,
}

/// [`Counts`] of `roster`'s valid employees on `today` under `policy`.
pub fn counts(roster: &Roster, policy: &Policy, today: NaiveDate) -> Counts {
    let mut c = Counts::default();
    for e in &roster.employees {
        let d = dated(e, policy, today, None, None);
        match d.standing {
            Standing::Employed { on_leave: false } => c.active += 1,
            Standing::Employed { on_leave: true } | Standing::Leaver(LeaverCause::Leave) => {
                c.on_leave += 1
            }
            Standing::Leaver(_) => c.terminated += 1,
            Standing::NotYetHired { .. } => c.pending += 1,
        }
        c.scheduled_terminations += usize::from(d.termination_scheduled.is_some());
        c.overdue_terminations += usize::from(d.overdue.is_some());
        c.conflicts += usize::from(d.conflict.is_some());
        c.start_conflicts += usize::from(d.start_conflict);
    }
    c
}

#[cfg(test)]
mod tests;
