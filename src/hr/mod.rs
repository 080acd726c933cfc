//! HR ingestion: CSV rows of an HR export to validated [`Employee`]s.
//!
//! A file-level problem (unreadable, wrong encoding, a mapped header missing or duplicated,
//! no data rows, structural damage) is an [`HrError`] and refuses the run (exit 65). A row
//! that fails validation becomes a [`RowProblem`] with its line number, is skipped, and the
//! identity it names (employee ID, email) is recorded in [`Roster::protected_ids`] /
//! [`Roster::protected_emails`] so that no user is deactivated because their row was
//! unreadable.

use crate::email::Email;
use crate::ids::EmployeeId;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

mod read;
pub mod template;

pub use read::{
    MAX_CELL_BYTES, MAX_EXPORT_BYTES, check_invalid_rows, parse_bytes, read_bytes, read_export,
    read_file,
};

/// An employee's lifecycle state as the export's status value says it, through
/// `[hr.status]` (an export without a status column says [`Lifecycle::Active`] for every
/// row). The dates may change what the planner does with it: see `plan::dated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    /// Works here: provisioned and kept in sync.
    Active,
    /// Left: the PagerDuty user is suspended.
    Terminated,
    /// Future start: not provisioned yet (unless inside its hire date's provisioning window).
    Pending,
    /// On a leave of absence (`[hr.status] leave`): kept or suspended as
    /// `[lifecycle] on_leave` says.
    OnLeave,
}

impl fmt::Display for Lifecycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lifecycle::Active => "active",
            Lifecycle::Terminated => "terminated",
            Lifecycle::Pending => "pending",
            Lifecycle::OnLeave => "on leave",
        })
    }
}

/// One validated row of the export.
#[derive(Debug, Clone, PartialEq)]
pub struct Employee {
    /// 1-based line of the export where the row starts (the header is line 1).
    pub line: u64,
    /// Employee ID, trimmed; unique in the roster.
    pub employee_id: EmployeeId,
    /// Normalised email; unique in the roster.
    pub email: Email,
    /// First (given) name, whitespace collapsed.
    pub first_name: String,
    /// Last (family) name, whitespace collapsed.
    pub last_name: String,
    /// Display name sent to PagerDuty: `first last`, whitespace collapsed, ≤ 100 characters.
    pub name: String,
    /// Lifecycle state.
    pub status: Lifecycle,
    /// The export's status value as written (trimmed); `None` exactly when no status column
    /// is mapped (then the dates alone decide, see `plan::dated`).
    pub status_value: Option<String>,
    /// Job title (trimmed, whitespace collapsed, ≤ 100 characters); `None` when unmapped or empty.
    pub job_title: Option<String>,
    /// Department (trimmed); `None` when unmapped or empty.
    pub department: Option<String>,
    /// PagerDuty time zone (after the alias table); `None` when unmapped or empty.
    pub time_zone: Option<String>,
    /// Hire date, when mapped and present.
    pub hire_date: Option<NaiveDate>,
    /// Termination date, when mapped and present.
    pub termination_date: Option<NaiveDate>,
    /// `[hr.attributes]` values (trimmed), by attribute name.
    pub attributes: BTreeMap<String, String>,
}

impl Employee {
    /// The value rules compare for `field` (see [`crate::config::RULE_FIELDS`] and
    /// `[hr.attributes]`); `None` when the field is empty or unknown.
    pub fn field(&self, field: &str) -> Option<&str> {
        match field {
            "employee_id" => Some(self.employee_id.as_str()),
            "email" => Some(self.email.as_str()),
            "first_name" => Some(&self.first_name),
            "last_name" => Some(&self.last_name),
            "status" => self.status_value.as_deref(),
            "job_title" => self.job_title.as_deref(),
            "department" => self.department.as_deref(),
            "time_zone" => self.time_zone.as_deref(),
            other => self.attributes.get(other).map(String::as_str),
        }
    }
}

/// Kinds of row problems, for counting and tests.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The employee ID cell is empty.
    MissingEmployeeId,
    /// First and last name (or full name) are empty.
    MissingName,
    /// The email cell is empty or not an address PagerDuty accepts.
    InvalidEmail,
    /// `email_template` could not build an address from the name.
    EmailTemplate,
    /// The status value is not listed under `[hr.status]`.
    UnknownStatus,
    /// A date does not parse with `date_format`.
    InvalidDate,
    /// The time zone is not one PagerDuty accepts and has no alias.
    InvalidTimeZone,
    /// A value is longer than PagerDuty accepts (name or job title over 100 characters).
    TooLong,
    /// The employee ID appears on several rows.
    DuplicateEmployeeId,
    /// The email appears on several rows.
    DuplicateEmail,
    /// The row has a different number of fields than the header.
    FieldCount,
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProblemKind::MissingEmployeeId => "missing employee ID",
            ProblemKind::MissingName => "missing name",
            ProblemKind::InvalidEmail => "invalid email",
            ProblemKind::EmailTemplate => "email template failed",
            ProblemKind::UnknownStatus => "unknown status",
            ProblemKind::InvalidDate => "invalid date",
            ProblemKind::InvalidTimeZone => "invalid time zone",
            ProblemKind::TooLong => "value too long",
            ProblemKind::DuplicateEmployeeId => "duplicate employee ID",
            ProblemKind::DuplicateEmail => "duplicate email",
            ProblemKind::FieldCount => "wrong number of fields",
        })
    }
}

/// A row that failed validation; it is skipped and its identity protected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowProblem {
    /// 1-based line where the row starts.
    pub line: u64,
    /// What kind of problem.
    pub kind: ProblemKind,
    /// The employee ID the row names, if readable.
    pub employee_id: Option<EmployeeId>,
    /// The email the row names (normalised), if any.
    pub email: Option<String>,
    /// Human message naming the column and the value.
    pub message: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The result of reading an export: valid employees in file order, every row problem, and
/// the identities that must not be deactivated this run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Roster {
    /// Valid employees, in file order.
    pub employees: Vec<Employee>,
    /// Row problems, in line order (a row may have several).
    pub problems: Vec<RowProblem>,
    /// Data rows read: records after the header, not counting rows whose cells are all
    /// empty.
    pub rows_read: usize,
    /// Employee IDs named by skipped rows: never deactivated this run.
    pub protected_ids: BTreeSet<EmployeeId>,
    /// Valid emails named by skipped rows (an invalid address cannot name a PagerDuty
    /// user): never deactivated this run.
    pub protected_emails: BTreeSet<Email>,
}

impl Roster {
    /// Number of distinct rows with at least one problem.
    pub fn invalid_rows(&self) -> usize {
        self.problems
            .iter()
            .map(|p| p.line)
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Valid employees per lifecycle state.
    pub fn counts(&self) -> BTreeMap<Lifecycle, usize> {
        let mut m = BTreeMap::new();
        for e in &self.employees {
            *m.entry(e.status).or_insert(0) += 1;
        }
        m
    }

    /// Row problems per kind.
    pub fn problem_counts(&self) -> BTreeMap<ProblemKind, usize> {
        let mut m = BTreeMap::new();
        for p in &self.problems {
            *m.entry(p.kind).or_insert(0) += 1;
        }
        m
    }
}

/// A problem with the file as a whole: the run is refused before any network call (exit 65).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HrError {
    /// The file could not be read.
    #[error("cannot read HR export {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is larger than hr2pagerduty reads ([`read::MAX_EXPORT_BYTES`]).
    #[error(
        "HR export {path} is larger than {limit} bytes, the most hr2pagerduty reads; an export of hundreds of thousands of people fits well below that, so this is not an HR export"
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit, in bytes.
        limit: u64,
    },
    /// Bytes that are not valid in the configured encoding.
    #[error(
        "HR export is not valid UTF-8 at line {line} (byte {offset}); if the file comes from Excel or an older HR system, set [hr] encoding = \"windows-1252\""
    )]
    Encoding {
        /// 1-based line of the first invalid byte.
        line: u64,
        /// 0-based byte offset of the first invalid byte.
        offset: usize,
    },
    /// The bytes are not text hr2pagerduty reads as configured, in a way
    /// [`HrError::Encoding`] does not cover: UTF-8 read as Windows-1252, UTF-16, a
    /// spreadsheet instead of CSV.
    #[error("HR export {problem} (line {line}); {fix}")]
    Format {
        /// 1-based line of the evidence.
        line: u64,
        /// What the file is, e.g. `is UTF-16 (it starts with a UTF-16 byte order mark)`.
        problem: String,
        /// The setting or action that fixes it.
        fix: String,
    },
    /// No header, or a header but no data rows.
    #[error("HR export has no data rows{}", if *.header_only { " (only a header)" } else { " (the file is empty)" })]
    Empty {
        /// True when a header was present.
        header_only: bool,
    },
    /// A mapped column is missing from the header.
    #[error("HR export has no column {header:?} (set by {field}); the header has: {found}")]
    MissingColumn {
        /// The configuration key that maps it, e.g. `hr.columns.email` or
        /// `hr.attributes.region`.
        field: String,
        /// The configured header name.
        header: String,
        /// The header names found, each quoted, comma-separated.
        found: String,
    },
    /// A mapped column appears more than once.
    #[error(
        "HR export has column {header:?} (set by {field}) {count} times; the header has: {found}"
    )]
    DuplicateColumn {
        /// The configuration key that maps it, as in [`HrError::MissingColumn`].
        field: String,
        /// The header name.
        header: String,
        /// How many times it appears.
        count: usize,
        /// The header names found, each quoted, comma-separated.
        found: String,
    },
    /// The header parsed as a single column while the mapping needs several: the delimiter
    /// is probably wrong.
    #[error(
        "HR export header parsed as one column ({header:?}); the file looks {guess}-delimited: set [hr] delimiter = {guess:?}"
    )]
    Delimiter {
        /// The header line as read (at most 120 characters).
        header: String,
        /// The delimiter that looks right, as `[hr] delimiter` takes it: `,` `;` `|` or `tab`.
        guess: String,
    },
    /// The CSV structure is damaged (an unclosed quote, a field swallowing later lines).
    #[error("HR export is damaged from line {line}: {message}")]
    Structure {
        /// 1-based line where the damage starts.
        line: u64,
        /// What was found.
        message: String,
    },
    /// Too many rows failed validation.
    #[error(
        "{invalid} of {rows} rows ({percent:.1}%) failed validation, above [safety] max_invalid_rows_percent = {limit}; fix the export, or raise the limit for a small export"
    )]
    TooManyInvalid {
        /// Rows with problems.
        invalid: usize,
        /// Rows read.
        rows: usize,
        /// `invalid / rows` in percent.
        percent: f64,
        /// The configured limit in percent.
        limit: f64,
    },
    /// A CSV error the reader cannot recover from.
    #[error("HR export cannot be parsed at line {line}: {message}")]
    Csv {
        /// 1-based line.
        line: u64,
        /// The parser's message.
        message: String,
    },
}
