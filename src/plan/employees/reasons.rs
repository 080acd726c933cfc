//! The words of an employee's row: the note when a later run's suspension or deletion
//! keeps the row as it is, what an action does to the user's record beyond its builder's
//! reason (a re-key, an offboarded user's record), and a leaver's reason.

use crate::config::PastTerminationDate;
use crate::email::Email;
use crate::hr::Employee;
use crate::ids::{EmployeeId, UserId};
use crate::pagerduty::models::User;
use crate::plan::build::{LeaverReason, LeaverWhy, only_marker_write, restorable_record};
use crate::plan::context::Ctx;
use crate::plan::dated::{self, LeaverCause, Standing};
use crate::plan::matching::Index;
use crate::plan::{Action, ActionKind};
use std::fmt;

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

/// The note for employee `e`, a leaver as of the run's day by termination date (`cause`),
/// whose `user` a run as of a later day created: its trusted `marker` records that day
/// ([`crate::marker::Marker::created`]), after the run's as-of day and not after the day
/// the run really happens (a later one is no run's: ignored). That run does not deactivate
/// (or delete, `kind`) the user, as it does not undo a later suspension. `None` otherwise:
/// a status that says terminated, a leave, a user suspended already (its record decides)
/// or created by a run as of that day or earlier.
pub(super) fn created_later(
    cx: &Ctx<'_>,
    e: &Employee,
    user: &User,
    marker: Option<&crate::marker::Marker>,
    cause: LeaverCause,
    kind: ActionKind,
) -> Option<String> {
    let LeaverCause::TerminationDate(date) = cause else {
        return None;
    };
    let today = cx.inp.today;
    let created = marker
        .filter(|m| m.suspended.is_none())
        .and_then(|m| m.created)
        .filter(|c| today < *c && *c <= cx.inp.run_day)?;
    let undone = match kind {
        ActionKind::Delete => "deleted",
        _ => "deactivated",
    };
    Some(format!(
        "employee {} (line {}): termination date {date} is due as of {today}, but PagerDuty user {} was created by a run as of {created}, after the as-of day {today}; not {undone} (a run as of an earlier day does not undo what a later run applied; run without --as-of, or with a later one, to let the row decide)",
        e.employee_id, e.line, user.id
    ))
}

/// What a new hire's create adds to its reason when the row carries termination date
/// `date`, older than `[lifecycle] termination_catch_up_days`, on a status that does not
/// say terminated ([`crate::plan::dated::Dated::conflict`]): the words of the date conflict
/// of a user that exists, so that a reader sees why a row that was a leaver still due the
/// night before is created now.
pub(super) fn created_despite_date(cx: &Ctx<'_>, e: &Employee, date: chrono::NaiveDate) -> String {
    let status = match &e.status_value {
        Some(s) => format!("status {s:?} does not say terminated"),
        None => "the row has no status".to_string(),
    };
    let mut out = format!(
        "; termination date {date} has passed but {status}; the status decides: created ([lifecycle] past_termination_date = \"{}\")",
        cx.policy.past_termination_date.as_str()
    );
    let n = cx.policy.termination_catch_up_days;
    if n > 0 {
        out.push_str(&format!(
            "; the date passed more than {n} day{} ago ([lifecycle] termination_catch_up_days = {n}), so it is no longer a termination still due",
            crate::words::plural(n, "", "s")
        ));
    }
    out
}

/// What an action does to the user's record beyond its builder's reason: the re-key of its
/// marker, or the employee ID an offboarding record gains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RecordChange {
    /// `--rekey-employee-ids`: the marker moves from employee `from` to `to`.
    Rekeyed {
        /// The employee the marker named.
        from: EmployeeId,
        /// The row's employee.
        to: EmployeeId,
        /// Whether the export still lists `from`, on a row of another person (IDs
        /// renumbered onto old values, a person moved to another ID:
        /// [`Index::overlap_rekey`]).
        listed: bool,
    },
    /// A user offboarded as unmanaged, matched by email: its record now names `employee`.
    Offboarded {
        /// The row's employee.
        employee: EmployeeId,
    },
}

impl fmt::Display for RecordChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordChange::Rekeyed { from, to, listed } => {
                write!(
                    f,
                    "re-keys the marker from employee {from} to employee {to} (--rekey-employee-ids; "
                )?;
                if *listed {
                    write!(f, "the export lists {from} on another person's row,")?;
                } else {
                    write!(f, "the export no longer lists {from}")?;
                }
                f.write_str(" and this row has the user's email)")
            }
            RecordChange::Offboarded { employee } => write!(
                f,
                "the user was suspended as an unmanaged user ([lifecycle] unmanaged_users = \"offboard\"); matched by email, its record now names employee {employee}"
            ),
        }
    }
}

/// The parts of a row's action's reason besides its builder's: the hand-off it waits for
/// (the email it takes over and the user that gives it up first), what it does to the
/// user's record, and how those words relate to the builder's reason. Rendered once
/// ([`RowReason::render`]).
#[derive(Debug, Default)]
pub(super) struct RowReason {
    /// The email taken over and the PagerDuty user whose email changes first.
    pub(super) handoff: Option<(Email, UserId)>,
    /// What the action does to the record.
    pub(super) record: Option<RecordChange>,
    /// A deactivation of a user already suspended that only rewrites the marker: the
    /// record's words are the whole reason, after `leaver already suspended: `.
    pub(super) only_marker: bool,
    /// The builder's reason is only the repair of the marker
    /// ([`crate::plan::build::UpdateReason::is_marker_only`]) and no hand-off is named:
    /// the record's words replace it.
    pub(super) marker_only: bool,
}

impl RowReason {
    /// The action's reason: the builder's (`builder`), the hand-off, then the record's
    /// words (or the record's words alone, as the flags say).
    pub(super) fn render(&self, builder: &str) -> String {
        let handoff = self.handoff.as_ref().map(|(email, by)| {
            format!("; takes over {email} from PagerDuty user {by}, whose email changes first in this run")
        });
        let base = format!("{builder}{}", handoff.unwrap_or_default());
        match &self.record {
            Some(r) if self.only_marker => format!("leaver already suspended: {r}"),
            // Nothing but the marker changes: the re-key (or the record's new employee ID)
            // is the whole reason, not a repair of something broken.
            Some(r) if self.marker_only => r.to_string(),
            Some(r) => format!("{base}; {r}"),
            None => base,
        }
    }
}

/// What action `a` for `e` does to the record of its user `u` beyond the builder's reason
/// ([`RecordChange`]), and whether `a` is a deactivation of a user already suspended that
/// only rewrites the marker (whose reason then says so instead of "finishing an
/// interrupted suspension").
pub(super) fn explain_record(
    a: &Action,
    e: &Employee,
    u: &User,
    index: &Index<'_>,
    rekeyed_from: Option<&EmployeeId>,
) -> (Option<RecordChange>, bool) {
    let marker = index.marker(u);
    let offboarded = marker.is_some_and(|m| m.employee_id.is_none());
    // A re-key of a user already suspended is built as an update (`build::deactivate`).
    let only_marker = matches!(a.kind, ActionKind::Deactivate | ActionKind::Update)
        && marker.is_some_and(|m| m.suspended.is_some())
        && only_marker_write(&a.steps);
    let record = match (rekeyed_from, offboarded) {
        (Some(old), _) => Some(RecordChange::Rekeyed {
            from: old.clone(),
            to: e.employee_id.clone(),
            listed: index.overlap_rekey(u).is_some(),
        }),
        (None, true) => Some(RecordChange::Offboarded {
            employee: e.employee_id.clone(),
        }),
        (None, false) => None,
    };
    (record, only_marker)
}

/// The reason of a leaver's deactivation, as a typed value ([`LeaverReason`]).
pub(super) fn leaver_reason(
    cx: &Ctx<'_>,
    e: &Employee,
    cause: LeaverCause,
    by_email: bool,
) -> LeaverReason {
    let status = e.status_value.clone();
    let why = match cause {
        LeaverCause::Status => LeaverWhy::Status(status),
        LeaverCause::Leave => LeaverWhy::Leave(status),
        LeaverCause::TerminationDate(date) => match status {
            _ if date == cx.inp.today => LeaverWhy::TerminationToday(date),
            None => LeaverWhy::TerminationPassedNoStatus(date),
            Some(v) if dated::within_catch_up(cx.policy, cx.inp.today, date) => {
                LeaverWhy::TerminationOverdue {
                    date,
                    days: (cx.inp.today - date).num_days(),
                    status: v,
                    catch_up_days: cx.policy.termination_catch_up_days,
                }
            }
            Some(v) if cx.policy.past_termination_date == PastTerminationDate::Date => {
                LeaverWhy::TerminationPassedByDate { date, status: v }
            }
            Some(_) => LeaverWhy::TerminationPassed(date),
        },
    };
    LeaverReason { why, by_email }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rekeyed() -> RecordChange {
        RecordChange::Rekeyed {
            from: "E-1".into(),
            to: "1".into(),
            listed: false,
        }
    }

    /// The parts of a row's reason go together in one place: the builder's words, then the
    /// hand-off, then the record's; the record's words alone replace a bare marker repair,
    /// and follow `leaver already suspended: ` for a suspended user's marker rewrite.
    #[test]
    fn a_rows_reason_is_its_parts_rendered_once() {
        let handoff = Some((Email::normalise("a@example.com"), UserId::new("POLD")));
        let with = |record, only_marker, marker_only| RowReason {
            handoff: handoff.clone(),
            record,
            only_marker,
            marker_only,
        };
        let takes_over = "; takes over a@example.com from PagerDuty user POLD, whose email changes first in this run";
        assert_eq!(
            with(None, false, false).render("mover"),
            format!("mover{takes_over}")
        );
        assert_eq!(
            with(Some(rekeyed()), false, false).render("mover"),
            format!(
                "mover{takes_over}; re-keys the marker from employee E-1 to employee 1 (--rekey-employee-ids; the export no longer lists E-1 and this row has the user's email)"
            )
        );
        let alone = RowReason {
            record: Some(RecordChange::Offboarded {
                employee: "7".into(),
            }),
            marker_only: true,
            ..RowReason::default()
        };
        assert_eq!(
            alone.render("repair the ownership marker"),
            "the user was suspended as an unmanaged user ([lifecycle] unmanaged_users = \"offboard\"); matched by email, its record now names employee 7"
        );
        assert!(
            with(Some(rekeyed()), true, false)
                .render("leaver")
                .starts_with("leaver already suspended: re-keys the marker from employee E-1")
        );
        // A re-key although the export lists the old ID (on another person's row).
        let overlap = RecordChange::Rekeyed {
            from: "4".into(),
            to: "104".into(),
            listed: true,
        };
        assert_eq!(
            overlap.to_string(),
            "re-keys the marker from employee 4 to employee 104 (--rekey-employee-ids; the export lists 4 on another person's row, and this row has the user's email)"
        );
        assert_eq!(RowReason::default().render("create"), "create");
    }
}
