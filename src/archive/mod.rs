//! The deletion archive: every user hr2pagerduty deletes is first written here, whole, so a
//! rehire can be re-created with what they had.
//!
//! PagerDuty keeps nothing of a deleted user (the ID is never reused, fact F24, and REST v2
//! has no deactivation, fact F21), so with `[lifecycle] deactivate = "delete"` (or
//! `delete_suspended_after_days`) the archive is the job's only local state. It is one
//! append-only JSON Lines file, `[lifecycle] archive`: one [`ArchiveRecord`] per line, in
//! the order written. It holds phone numbers, so it is created with mode 0600; it must live
//! on durable storage that every machine running the job shares (README.md § Deactivation
//! modes).
//!
//! - Before a `DELETE /users/{id}` is sent, the executor reads the user in full
//!   (`GET /users/{id}?include[]=contact_methods&include[]=notification_rules`),
//!   appends its record, flushes and fsyncs the file (and, when it was just created, its
//!   directory), and only then sends the request ([`ArchiveFile::append`]).
//! - A crash between the write and the DELETE leaves a user the next run deletes again; the
//!   record is then reused when identical (apart from `archived_at`), else written again.
//!   A crash in the middle of a write leaves a last line without its newline, whose
//!   deletion was never sent: reading skips it ([`Archive::torn_tail`]) and the next write
//!   cuts it off before appending (the only bytes ever removed from the file). A last line
//!   without its newline that is a whole record (a file edited or copied by hand) is read
//!   like any other, and the next write only adds its newline.
//! - Reading happens in the commands, outside the pure planner, which gets an [`Archive`]:
//!   an immutable snapshot of the records as read (no file, no lock), with its lookups
//!   ([`Archive::by_employee`], [`Archive::by_email`], [`Archive::by_user`]): the latest
//!   record wins.
//! - A rehire restores [`Archive::restorable`]: the latest record, with the contact methods
//!   and notification rules of the records it links back to when its user was itself a
//!   restore not finished (`lineage`), so that leaving again mid-restore loses nothing.
//!
//! `file` holds the I/O, in [`ArchiveFile`], which only the commands and the executor
//! hold: [`ArchiveFile::load`] (the file into a snapshot), [`ArchiveFile::check_writable`],
//! [`ArchiveFile::append`].

mod file;
mod lineage;

pub use file::{ArchiveError, ArchiveFile, NO_FOLDER_FIX, folder_exists};
pub use lineage::{merged, restored_from};

use crate::email::Email;
use crate::ids::{EmployeeId, UserId};
use crate::marker::SavedMembership;
use crate::pagerduty::models::User;
use crate::pagerduty::models::contact::{ContactMethod, NotificationRule, UserRecord};
use crate::vocab::Role;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What the `kind` field of every record says.
pub const KIND: &str = "hr2pagerduty-archive";
/// The record layout version this build writes and reads.
pub const VERSION: u32 = 1;

/// One deleted user, as written to the archive just before the `DELETE`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchiveRecord {
    /// Always [`KIND`].
    pub kind: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// When the record was written (UTC).
    pub archived_at: DateTime<Utc>,
    /// The deleted user's PagerDuty ID (never reused, fact F24).
    pub pagerduty_user_id: UserId,
    /// The employee the user's marker named; `None` for a user without a marker (matched
    /// by email), whose rehire is then found by email.
    pub employee_id: Option<EmployeeId>,
    /// The user's login email, normalised.
    pub email: Email,
    /// The base role to restore: the role before suspension for a suspended user, else the
    /// user's role.
    pub role: Role,
    /// The team memberships to restore, with team roles (a suspended user's recorded ones).
    pub teams: Vec<SavedMembership>,
    /// The date the user had been suspended on, for a suspended user.
    pub suspended_on: Option<NaiveDate>,
    /// The termination date that brought the deletion into effect: the row's date when
    /// the date decided the leaver in delete mode, or the date the suspension's marker
    /// recorded for a deletion by `delete_suspended_after_days`; `None` when the status
    /// (or a missing row) decided. While the HR row still carries this date, the person is
    /// not a rehire (README.md § Dated changes and leave). Absent in records written
    /// before it existed, which read as `None`.
    #[serde(default)]
    pub termination_date: Option<NaiveDate>,
    /// The profile as PagerDuty returned it (name, email, time zone, job title,
    /// description, colour, …; contact methods and rules are below).
    pub user: User,
    /// Every contact method in full (phone numbers included).
    pub contact_methods: Vec<ContactMethod>,
    /// Every notification rule, both urgencies.
    pub notification_rules: Vec<NotificationRule>,
}

impl ArchiveRecord {
    /// The record of `read` (the full read just before the deletion) for `employee_id`,
    /// restoring `role` and `teams`, deleted for `termination_date` (if a date decided),
    /// written at `archived_at`.
    pub fn new(
        read: UserRecord,
        employee_id: Option<EmployeeId>,
        role: Role,
        teams: Vec<SavedMembership>,
        suspended_on: Option<NaiveDate>,
        termination_date: Option<NaiveDate>,
        archived_at: DateTime<Utc>,
    ) -> ArchiveRecord {
        ArchiveRecord {
            kind: KIND.into(),
            version: VERSION,
            archived_at,
            pagerduty_user_id: read.user.id.clone(),
            employee_id,
            email: Email::normalise(&read.user.email),
            role,
            teams,
            suspended_on,
            termination_date,
            user: read.user,
            contact_methods: read.contact_methods,
            notification_rules: read.notification_rules,
        }
    }

    /// True when `other` records the same thing, whatever its `archived_at`.
    pub fn same_content(&self, other: &ArchiveRecord) -> bool {
        let mut o = other.clone();
        o.archived_at = self.archived_at;
        *self == o
    }

    /// The date the user was deleted (the record's date, UTC); what people read uses
    /// [`ArchiveRecord::deleted_on_in`] with `[lifecycle] default_time_zone`.
    pub fn deleted_on(&self) -> NaiveDate {
        self.archived_at.date_naive()
    }

    /// The date the user was deleted in time zone `zone` (a tz database name, such as
    /// `[lifecycle] default_time_zone`, in which the planner's "today" is taken); the UTC
    /// date when the database has no such zone.
    pub fn deleted_on_in(&self, zone: &str) -> NaiveDate {
        crate::vocab::time_zones::date_in(zone, self.archived_at).unwrap_or(self.deleted_on())
    }
}

/// The archive as read, an immutable snapshot: every record in file order, and where it
/// was read from (named in messages). What the planner reads: no file access, no lock.
/// [`ArchiveFile::load`] makes one; appends during a run change the file, not a snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Archive {
    /// The file it was read from, or `None` when no archive is configured (no deletion, no
    /// restore).
    path: Option<PathBuf>,
    /// Every record, in the order written.
    records: Vec<ArchiveRecord>,
    /// The file ended with a line without its newline that is not a record (a write cut
    /// short by a crash); it was skipped.
    torn_tail: bool,
    /// The configured file did not exist when loaded (read as an empty archive).
    missing: bool,
}

impl Archive {
    /// An archive held in memory only (no file): for a configuration without `archive`,
    /// and for tests of the planner.
    pub fn in_memory(records: Vec<ArchiveRecord>) -> Archive {
        Archive {
            records,
            ..Archive::default()
        }
    }

    /// An archive whose configured file `path` does not exist (as [`ArchiveFile::load`]
    /// reads it): for tests of the planner.
    pub fn missing_file(path: &std::path::Path) -> Archive {
        Archive {
            path: Some(path.to_path_buf()),
            missing: true,
            ..Archive::default()
        }
    }

    /// True when a file is configured but did not exist when loaded: read as empty, though
    /// it may be an archive that was lost or a path that is wrong, so that a deleted leaver
    /// cannot be told from a new hire.
    pub fn missing(&self) -> bool {
        self.missing
    }

    /// The file it was read from, when one is configured.
    pub fn path(&self) -> Option<&std::path::Path> {
        self.path.as_deref()
    }

    /// True when the file's last line was an incomplete record and was skipped.
    pub fn torn_tail(&self) -> bool {
        self.torn_tail
    }

    /// Every record, in file order.
    pub fn records(&self) -> &[ArchiveRecord] {
        &self.records
    }

    fn last(&self, pred: impl Fn(&ArchiveRecord) -> bool) -> Option<&ArchiveRecord> {
        self.records.iter().rev().find(|r| pred(r))
    }

    /// The latest record of a user whose marker named `employee_id`.
    pub fn by_employee(&self, employee_id: &EmployeeId) -> Option<&ArchiveRecord> {
        self.last(|r| r.employee_id.as_ref() == Some(employee_id))
    }

    /// The latest record of an unmarked user (no employee ID) whose login email was
    /// `email`.
    pub fn by_email(&self, email: &Email) -> Option<&ArchiveRecord> {
        self.last(|r| r.employee_id.is_none() && &r.email == email)
    }

    /// The latest record of a user whose login email was `email`, whatever its marker named.
    pub fn by_login_email(&self, email: &Email) -> Option<&ArchiveRecord> {
        self.last(|r| &r.email == email)
    }

    /// The latest record of the PagerDuty user `id`.
    pub fn by_user(&self, id: &UserId) -> Option<&ArchiveRecord> {
        self.last(|r| &r.pagerduty_user_id == id)
    }
}

#[cfg(test)]
mod tests;
