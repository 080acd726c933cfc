//! Why an update is planned, as typed values: the fields it changes ([`ChangedFields`]) and
//! its cause ([`UpdateCause`]), rendered to the words of the plan's reason in one place
//! ([`UpdateReason::render`]); and why a leaver is suspended or deleted ([`LeaverReason`],
//! [`DeletionCause`]), rendered where the builders write the reason. Code decides on these
//! values, never on the words.

use crate::ids::{EmployeeId, UserId};
use crate::plan::matching::Resign;
use crate::plan::skip::MarkerFault;
use crate::vocab::Role;
use crate::words::plural;
use chrono::NaiveDate;
use std::collections::BTreeSet;
use std::fmt;

/// What of a user an update (or a rehire) changes, in the order reasons list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(in crate::plan) enum Changed {
    /// The display name.
    Name,
    /// The login email.
    Email,
    /// The job title.
    JobTitle,
    /// The time zone.
    TimeZone,
    /// The base role the rules give.
    Role,
    /// The licence a rule names.
    License,
    /// The memberships of governed teams the rules give.
    Teams,
}

impl Changed {
    /// The words for it in a reason: `job title`, `role (by rules)`.
    fn words(self) -> &'static str {
        match self {
            Changed::Name => "name",
            Changed::Email => "email",
            Changed::JobTitle => "job title",
            Changed::TimeZone => "time zone",
            Changed::Role => "role (by rules)",
            Changed::License => "licence (by rules)",
            Changed::Teams => "team memberships (by rules)",
        }
    }
}

/// The set of what an update changes; listed in [`Changed`]'s order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(in crate::plan) struct ChangedFields(BTreeSet<Changed>);

impl ChangedFields {
    /// Adds `c`.
    pub(in crate::plan) fn insert(&mut self, c: Changed) {
        self.0.insert(c);
    }

    /// Whether `c` changes.
    pub(in crate::plan) fn contains(&self, c: Changed) -> bool {
        self.0.contains(&c)
    }

    /// Whether nothing changes.
    pub(in crate::plan) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `name, email, role (by rules)`.
    fn words(&self) -> String {
        let words: Vec<&str> = self.0.iter().map(|c| c.words()).collect();
        words.join(", ")
    }

    /// `; changed: name, email` after a reason, or nothing when nothing changes.
    fn suffix(&self) -> String {
        if self.is_empty() {
            String::new()
        } else {
            format!("; changed: {}", self.words())
        }
    }
}

/// Why an update is planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::plan) enum UpdateCause {
    /// A rehire whose suspension record the run does not trust (`fault`): it restores
    /// nothing, and gives the rules' `role`; `status` is how the export lists the row.
    UntrustedRecord {
        /// `status "Active"` or `listed`.
        status: String,
        /// Why the record is not trusted.
        fault: MarkerFault,
        /// The role the rules give.
        role: Role,
    },
    /// A user with a working role (`has`, not one of the suspended ones) whose marker holds
    /// a suspension record the run does not trust (`fault`): it is not suspended, so no
    /// rehire; the record is dropped from the marker and the rules decide.
    UntrustedRecordDropped {
        /// Why the record is not trusted.
        fault: MarkerFault,
        /// The user's base role.
        has: Role,
    },
    /// A user matched by email, without a marker: adopted.
    Adopt,
    /// A marker that is unreadable or not trusted (`fault`), replaced.
    MarkerReplaced(MarkerFault),
    /// An employee whose fields changed in HR; `by_employee_id` when the email is among
    /// them and the user was found by its marker's employee ID.
    Mover {
        /// The employee ID the user was matched by, when its email changes.
        by_employee_id: Option<EmployeeId>,
    },
    /// Nothing but the marker signed again.
    Resign(Resign),
    /// Nothing but a marker that is not as this version writes it.
    MarkerRepaired,
}

/// An update's reason: its cause, what it changes and the termination-pending stamp it
/// removes (HR no longer gives that date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::plan) struct UpdateReason {
    /// Why.
    pub(in crate::plan) cause: UpdateCause,
    /// What changes.
    pub(in crate::plan) changed: ChangedFields,
    /// The date of the stamp the update removes from the marker.
    pub(in crate::plan) stamp_removed: Option<NaiveDate>,
}

impl UpdateReason {
    /// Whether the reason is only the repair of the marker, which the words for a re-key
    /// (or an offboarded user's record) replace (see `plan::employees::reasons`).
    pub(in crate::plan) fn is_marker_only(&self) -> bool {
        self.cause == UpdateCause::MarkerRepaired && self.stamp_removed.is_none()
    }

    /// The words of the reason, as the plan shows them.
    pub(in crate::plan) fn render(&self) -> String {
        let changed = &self.changed;
        let cause = match &self.cause {
            UpdateCause::UntrustedRecord {
                status,
                fault,
                role,
            } => format!(
                "rehire: {status} in HR; the suspension record on this user is not trusted ({}), so it restores nothing: role and teams are the rules' (role {role}){}",
                fault.words(),
                changed.suffix()
            ),
            UpdateCause::UntrustedRecordDropped { fault, has } => format!(
                "ownership marker replaced: it records a suspension that is not trusted ({}), and the user is not suspended (base role {has}): no rehire; the record is dropped from the marker and restores nothing, role and teams are the rules'{}",
                fault.words(),
                changed.suffix()
            ),
            UpdateCause::Adopt => format!(
                "adopt: PagerDuty user matched by email; add the ownership marker{}",
                changed.suffix()
            ),
            UpdateCause::MarkerReplaced(MarkerFault::Unreadable) => format!(
                "unreadable ownership marker replaced (matched by email){}",
                changed.suffix()
            ),
            // A marker that reads but is not trusted: the verdict's words.
            UpdateCause::MarkerReplaced(fault) => format!(
                "ownership marker replaced: {} (matched by email){}",
                fault.words(),
                changed.suffix()
            ),
            UpdateCause::Mover {
                by_employee_id: Some(id),
            } => format!(
                "mover: {} changed in HR (matched by employee ID {id})",
                changed.words()
            ),
            UpdateCause::Mover {
                by_employee_id: None,
            } => format!("mover: {} changed", changed.words()),
            UpdateCause::Resign(r) => r.reason().to_string(),
            UpdateCause::MarkerRepaired => "ownership marker repaired".to_string(),
        };
        let Some(date) = self.stamp_removed else {
            return cause;
        };
        let removed = format!(
            "the termination-pending stamp {date} is removed from the marker: HR no longer gives that termination date"
        );
        if self.cause == UpdateCause::MarkerRepaired {
            removed
        } else {
            format!("{cause}; {removed}")
        }
    }
}

/// Why a leaver's user is suspended or deleted: what the HR row says, that the export no
/// longer lists the employee, or the unmanaged offboarding of a user no row names, and whether the user was found by email. Rendered
/// as the start of the action's reason ([`fmt::Display`]), by the builders that take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::plan) struct LeaverReason {
    /// The cause.
    pub(in crate::plan) why: LeaverWhy,
    /// The user was matched by email, not by its marker.
    pub(in crate::plan) by_email: bool,
}

/// The cause of a [`LeaverReason`]: the row's status or its termination date as the dated
/// rules read them today ([`crate::plan::dated`]), or the user's missing row, each with the
/// values its words name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::plan) enum LeaverWhy {
    /// A terminated status (`status`, the export's value, when it has one).
    Status(Option<String>),
    /// A leave of absence, suspended by `[lifecycle] on_leave = "suspend"`.
    Leave(Option<String>),
    /// The termination date is today.
    TerminationToday(NaiveDate),
    /// The termination date has passed and the export has no status column.
    TerminationPassedNoStatus(NaiveDate),
    /// The termination date passed `days` ago, within `[lifecycle]
    /// termination_catch_up_days` (`catch_up_days`), the status (`status`) not terminated.
    TerminationOverdue {
        /// The termination date.
        date: NaiveDate,
        /// Days since.
        days: i64,
        /// The export's status.
        status: String,
        /// `[lifecycle] termination_catch_up_days`.
        catch_up_days: u32,
    },
    /// The termination date has passed and `[lifecycle] past_termination_date = "date"`
    /// decides, whatever the status (`status`) says.
    TerminationPassedByDate {
        /// The termination date.
        date: NaiveDate,
        /// The export's status.
        status: String,
    },
    /// The termination date has passed (decided without a status to name).
    TerminationPassed(NaiveDate),
    /// The user's marker names this employee, whom the export does not list.
    NotInExport(EmployeeId),
    /// Under `--rekey-employee-ids`: the user's marker names employee `old`, whose row
    /// the run re-keys user `to` to (the row has that user's email), and no HR row has
    /// this user's email: the ID was renumbered away from a person gone from the export.
    /// Its suspension record names no employee.
    IdRenumberedAway {
        /// The employee ID its marker names.
        old: EmployeeId,
        /// The user re-keyed to it.
        to: UserId,
    },
    /// A user with no marker and no HR row, offboarded by `[lifecycle] unmanaged_users =
    /// "offboard"`.
    UnmanagedOffboard,
    /// A user whose ownership marker is present but not used (the fault) and which no HR
    /// row matched, offboarded by `[lifecycle] unmanaged_users = "offboard"` since it may
    /// be a leaver hiding behind an edited marker.
    UnverifiedOffboard(MarkerFault),
}

impl fmt::Display for LeaverReason {
    /// `leaver: status "Terminated" in HR (matched by email)` and the like.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.why {
            LeaverWhy::Status(status) => write!(
                f,
                "leaver: status {:?} in HR",
                status.as_deref().unwrap_or("terminated")
            )?,
            LeaverWhy::Leave(status) => write!(
                f,
                "leave of absence: status {:?} in HR; [lifecycle] on_leave = \"suspend\"",
                status.as_deref().unwrap_or("leave")
            )?,
            LeaverWhy::TerminationToday(date) => {
                write!(f, "scheduled termination: termination date {date} is today")?
            }
            LeaverWhy::TerminationPassedNoStatus(date) => write!(
                f,
                "leaver: termination date {date} has passed (no status column)"
            )?,
            LeaverWhy::TerminationOverdue {
                date,
                days,
                status,
                catch_up_days,
            } => write!(
                f,
                "scheduled termination overdue since {date} ({days} day{} ago; status {status:?} in HR; within [lifecycle] termination_catch_up_days = {catch_up_days})",
                plural(*days, "", "s"),
            )?,
            LeaverWhy::TerminationPassedByDate { date, status } => write!(
                f,
                "leaver: termination date {date} has passed; status {status:?} in HR, [lifecycle] past_termination_date = \"date\""
            )?,
            LeaverWhy::TerminationPassed(date) => write!(
                f,
                "scheduled termination: termination date {date} has passed"
            )?,
            LeaverWhy::NotInExport(eid) => {
                write!(f, "leaver: employee {eid} is not in the HR export")?
            }
            LeaverWhy::IdRenumberedAway { old, to } => write!(
                f,
                "leaver: no HR row has this user's email, and employee {old}, which its marker names, is now the HR row of user {to}, re-keyed to it (--rekey-employee-ids): HR gave the ID to that person and this one is gone from the export; the suspension record names no employee, so that it keeps no claim to {old}"
            )?,
            LeaverWhy::UnmanagedOffboard => f.write_str(
                "offboard: no ownership marker and no HR row ([lifecycle] unmanaged_users = \"offboard\")",
            )?,
            LeaverWhy::UnverifiedOffboard(fault) => write!(
                f,
                "offboard: its ownership marker is not used ({}) and no HR row matches it, so it may be a leaver hiding behind an edited marker ([lifecycle] unmanaged_users = \"offboard\")",
                fault.words()
            )?,
        }
        if self.by_email {
            f.write_str(" (matched by email)")?;
        }
        Ok(())
    }
}

/// How a leaver's deletion comes about, the words after its [`LeaverReason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::plan) enum DeletionCause {
    /// `[lifecycle] deactivate = "delete"`.
    Mode,
    /// Suspended on `on`, `ago` days ago, at least `[lifecycle] delete_suspended_after_days`
    /// (`days`).
    SuspendedLongAgo {
        /// The day of the suspension.
        on: NaiveDate,
        /// Days since.
        ago: i64,
        /// `[lifecycle] delete_suspended_after_days`.
        days: u32,
    },
}

impl fmt::Display for DeletionCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeletionCause::Mode => f.write_str("[lifecycle] deactivate = \"delete\""),
            DeletionCause::SuspendedLongAgo { on, ago, days } => write!(
                f,
                "suspended on {on}, {ago} day{} ago ([lifecycle] delete_suspended_after_days = {days})",
                plural(*ago, "", "s")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(cs: &[Changed]) -> ChangedFields {
        let mut f = ChangedFields::default();
        for c in cs {
            f.insert(*c);
        }
        f
    }

    fn reason(cause: UpdateCause, cs: &[Changed], stamp: Option<NaiveDate>) -> UpdateReason {
        UpdateReason {
            cause,
            changed: changed(cs),
            stamp_removed: stamp,
        }
    }

    #[test]
    fn changed_fields_are_listed_in_one_order_whatever_the_insertion_order() {
        let f = changed(&[Changed::Teams, Changed::Email, Changed::Role, Changed::Name]);
        assert_eq!(
            f.words(),
            "name, email, role (by rules), team memberships (by rules)"
        );
        assert!(f.contains(Changed::Email) && !f.contains(Changed::TimeZone));
        assert_eq!(ChangedFields::default().suffix(), "");
    }

    #[test]
    fn a_mover_matched_by_employee_id_names_it() {
        let id = EmployeeId::from("E7".to_string());
        let r = reason(
            UpdateCause::Mover {
                by_employee_id: Some(id),
            },
            &[Changed::Email, Changed::JobTitle],
            None,
        );
        assert_eq!(
            r.render(),
            "mover: email, job title changed in HR (matched by employee ID E7)"
        );
        assert!(!r.is_marker_only());
    }

    #[test]
    fn only_a_bare_marker_repair_is_marker_only() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let bare = reason(UpdateCause::MarkerRepaired, &[], None);
        assert!(bare.is_marker_only());
        assert_eq!(bare.render(), "ownership marker repaired");
        // The stamp's removal replaces a bare repair, and follows any other cause.
        let stamp = reason(UpdateCause::MarkerRepaired, &[], Some(date));
        assert!(!stamp.is_marker_only());
        assert_eq!(
            stamp.render(),
            "the termination-pending stamp 2026-03-01 is removed from the marker: HR no longer gives that termination date"
        );
        let adopt = reason(UpdateCause::Adopt, &[Changed::Name], Some(date));
        assert!(!adopt.is_marker_only());
        assert!(adopt.render().starts_with(
            "adopt: PagerDuty user matched by email; add the ownership marker; changed: name; the termination-pending stamp 2026-03-01"
        ));
    }

    /// A leaver's reason is its cause's words, then whether the user was found by email;
    /// a deletion's cause says which setting deletes.
    #[test]
    fn a_leavers_reason_names_its_cause_and_the_match() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let r = |why, by_email| LeaverReason { why, by_email }.to_string();
        assert_eq!(
            r(LeaverWhy::Status(Some("Terminated".into())), true),
            "leaver: status \"Terminated\" in HR (matched by email)"
        );
        assert_eq!(
            r(LeaverWhy::Status(None), false),
            "leaver: status \"terminated\" in HR"
        );
        assert_eq!(
            r(
                LeaverWhy::TerminationOverdue {
                    date: d,
                    days: 1,
                    status: "Active".into(),
                    catch_up_days: 7
                },
                false
            ),
            "scheduled termination overdue since 2026-11-30 (1 day ago; status \"Active\" in HR; within [lifecycle] termination_catch_up_days = 7)"
        );
        assert_eq!(
            r(LeaverWhy::NotInExport("42".into()), false),
            "leaver: employee 42 is not in the HR export"
        );
        assert_eq!(
            DeletionCause::SuspendedLongAgo {
                on: d,
                ago: 31,
                days: 30
            }
            .to_string(),
            "suspended on 2026-11-30, 31 days ago ([lifecycle] delete_suspended_after_days = 30)"
        );
    }
}
