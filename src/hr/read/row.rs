//! One record validated into an [`Employee`] through the header's [`Layout`], and the checks
//! across rows (duplicate employee IDs and emails) that finish the [`Roster`].

use super::layout::{EmailOrigin, EmailSource, Layout, Names};
use crate::config::NameOrder;
use crate::email::{Email, EmailError};
use crate::hr::{Employee, Lifecycle, ProblemKind, Roster, RowProblem, template};
use crate::ids::{EmployeeId, MAX_EMPLOYEE_ID_LEN};
use crate::quote::quoted;
use crate::vocab::limits::{JOB_TITLE_MAX_CHARS, NAME_MAX_CHARS};
use crate::vocab::time_zone_aliases;
use chrono::NaiveDate;
use csv::StringRecord;
use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeMap;

/// Largest cell, in bytes (64 KiB): a longer cell makes its row a problem. No mapped field
/// needs more (PagerDuty's longest text fields hold 100 characters); a larger one is a
/// broken export, such as a quote that swallowed lines.
pub const MAX_CELL_BYTES: usize = 64 * 1024;

fn collapse(s: &str) -> String {
    // Most cells hold single spaces between words already: copy those as they are.
    let plain = !s.starts_with(' ')
        && !s.ends_with(' ')
        && !s.contains("  ")
        && !s.chars().any(|c| c.is_whitespace() && c != ' ');
    if plain {
        s.to_string()
    } else {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// One data row after validation, before the duplicate checks.
pub(super) struct Row {
    line: u64,
    employee_id: String,
    /// The valid email (from the column or the template), for duplicates and protection.
    email: Option<Email>,
    /// The email text as normalised when it is not valid, for [`RowProblem::email`] (a
    /// valid one is `email`).
    email_text: Option<String>,
    employee: Option<Employee>,
    problems: Vec<(ProblemKind, String)>,
    /// Every value a misaligned record holds (each cell, and each piece of a cell split at
    /// quotes and at any delimiter `[hr] delimiter` accepts): its cells are shifted, so the
    /// identity read from the mapped columns may be another cell's value, and the person's
    /// real employee ID or email is somewhere among these. All of them are protected.
    misaligned: Vec<String>,
}

/// The problems a row collects, in the order its checks run.
type Problems = Vec<(ProblemKind, String)>;

/// Cell `i` of `rec`, trimmed (empty past the record's end).
fn cell(rec: &StringRecord, i: usize) -> &str {
    rec.get(i).unwrap_or("").trim()
}

/// Validates the record starting on `line`.
pub(super) fn read_row(rec: &StringRecord, line: u64, l: &Layout) -> Row {
    let mut problems = oversized_cells(rec, l);
    let employee_id = read_employee_id(rec, l, &mut problems);
    let (first_name, last_name) = read_names(rec, l);
    let name = display_name(&first_name, &last_name);
    check_name(&name, l, &mut problems);
    let (email, email_text) = read_email(rec, l, (&first_name, &last_name, &name), &mut problems);
    let (status, status_value) = read_status(rec, l, &mut problems);
    let time_zone = read_time_zone(rec, l, &mut problems);
    let hire_date = read_date(rec, l, l.hire_date, &mut problems);
    let termination_date = read_date(rec, l, l.termination_date, &mut problems);
    let job_title = read_job_title(rec, l, &mut problems);
    let department = l
        .department
        .map(|i| cell(rec, i).to_string())
        .filter(|v| !v.is_empty());
    let attributes: BTreeMap<String, String> = l
        .attributes
        .iter()
        .map(|(name, i)| (name.clone(), cell(rec, *i).to_string()))
        .filter(|(_, v)| !v.is_empty())
        .collect();

    let mut misaligned = Vec::new();
    if rec.len() != l.width() {
        // The cells are shifted: other findings would be noise, and the identity read above
        // may come from the wrong cells (a stray quote before the ID column shifts it), so
        // every value of the record is protected along with it.
        misaligned = misaligned_values(rec);
        problems = vec![(
            ProblemKind::FieldCount,
            format!(
                "the row has {} fields; the header has {}",
                rec.len(),
                l.width()
            ),
        )];
    }

    let employee = match (&email, status) {
        (Some(e), Some(status)) if problems.is_empty() => Some(Employee {
            line,
            employee_id: EmployeeId::new(employee_id.clone()),
            email: e.clone(),
            first_name,
            last_name,
            name,
            status,
            status_value,
            job_title,
            department,
            time_zone,
            hire_date,
            termination_date,
            attributes,
        }),
        _ => None,
    };
    Row {
        line,
        employee_id,
        email,
        email_text,
        employee,
        problems,
        misaligned,
    }
}

/// One problem for each cell longer than [`MAX_CELL_BYTES`].
fn oversized_cells(rec: &StringRecord, l: &Layout) -> Problems {
    rec.iter()
        .enumerate()
        .filter(|(_, c)| c.len() > MAX_CELL_BYTES)
        .map(|(i, c)| {
            (
                ProblemKind::TooLong,
                format!(
                    "the cell in column {} holds {} bytes; a cell may hold at most {MAX_CELL_BYTES}",
                    l.name(i),
                    c.len()
                ),
            )
        })
        .collect()
}

/// The employee ID, empty when it is missing or longer than [`MAX_EMPLOYEE_ID_LEN`] (each a
/// problem).
fn read_employee_id(rec: &StringRecord, l: &Layout, problems: &mut Problems) -> String {
    let employee_id = cell(rec, l.employee_id).to_string();
    if employee_id.is_empty() {
        problems.push((
            ProblemKind::MissingEmployeeId,
            format!("column {} is empty", l.name(l.employee_id)),
        ));
    } else if employee_id.chars().count() > MAX_EMPLOYEE_ID_LEN {
        problems.push((
            ProblemKind::TooLong,
            format!(
                "employee ID {} in column {} is longer than {MAX_EMPLOYEE_ID_LEN} characters",
                quoted(&employee_id),
                l.name(l.employee_id)
            ),
        ));
        // No marker can name it: there is nothing to protect, and nothing to echo again.
        return String::new();
    }
    employee_id
}

/// The first and last names, from two columns or one split by `[hr] name_order`, with inner
/// whitespace collapsed.
fn read_names(rec: &StringRecord, l: &Layout) -> (String, String) {
    match l.names {
        Names::Split { first, last } => (collapse(cell(rec, first)), collapse(cell(rec, last))),
        Names::Full { column, order } => {
            let v = cell(rec, column);
            match order {
                NameOrder::LastCommaFirst => match v.split_once(',') {
                    Some((last, first)) => (collapse(first), collapse(last)),
                    None => (String::new(), collapse(v)),
                },
                NameOrder::FirstLast => {
                    let words: Vec<&str> = v.split_whitespace().collect();
                    match words.split_last() {
                        Some((last, rest)) if !rest.is_empty() => {
                            (rest.join(" "), (*last).to_string())
                        }
                        Some((only, _)) => ((*only).to_string(), String::new()),
                        None => (String::new(), String::new()),
                    }
                }
            }
        }
    }
}

/// The display name: both names joined by a space, or whichever is present.
fn display_name(first_name: &str, last_name: &str) -> String {
    match (first_name.is_empty(), last_name.is_empty()) {
        (false, false) => format!("{first_name} {last_name}"),
        (false, true) => first_name.to_string(),
        (true, _) => last_name.to_string(),
    }
}

/// A problem when the display name is empty, holds a control character or is longer than
/// PagerDuty accepts.
fn check_name(name: &str, l: &Layout, problems: &mut Problems) {
    let name_columns = || match l.names {
        Names::Split { first, last } => {
            format!("columns {} and {} are", l.name(first), l.name(last))
        }
        Names::Full { column, .. } => format!("column {} is", l.name(column)),
    };
    if name.is_empty() {
        problems.push((
            ProblemKind::MissingName,
            format!("{} empty", name_columns()),
        ));
    } else if name.chars().any(char::is_control) {
        problems.push((
            ProblemKind::MissingName,
            format!("name {} contains a control character", quoted(name)),
        ));
    } else if name.chars().count() > NAME_MAX_CHARS {
        problems.push((
            ProblemKind::TooLong,
            format!(
                "name {} has {} characters; PagerDuty accepts at most {NAME_MAX_CHARS}",
                quoted(name),
                name.chars().count()
            ),
        ));
    }
}

/// The email, from its column or built by `[hr] email_template` from the names (`first`,
/// `last`, display name): the valid address, or the normalised text of an invalid one (for
/// the row problem).
fn read_email(
    rec: &StringRecord,
    l: &Layout,
    (first_name, last_name, name): (&str, &str, &str),
    problems: &mut Problems,
) -> (Option<Email>, Option<String>) {
    match &l.email {
        EmailSource::Column(i) => {
            let raw = cell(rec, *i);
            match Email::parse(raw) {
                Ok(e) => (Some(e), None),
                Err(err) => {
                    problems.push((ProblemKind::InvalidEmail, email_problem(raw, err, l)));
                    // Kept for the row problem (and protected): only an address PagerDuty
                    // could hold.
                    let text = (!raw.is_empty() && raw.len() <= 4 * crate::email::MAX_LEN)
                        .then(|| Email::normalise(raw).as_str().to_string());
                    (None, text)
                }
            }
        }
        EmailSource::Template(t) => {
            if name.is_empty() {
                return (None, None);
            }
            match template::render(t, first_name, last_name) {
                Ok(e) => (Some(e), None),
                Err(err) => {
                    problems.push((
                        ProblemKind::EmailTemplate,
                        format!(
                            "[hr] email_template {} cannot build an address for {}: {err}",
                            quoted(t),
                            quoted(name)
                        ),
                    ));
                    (None, None)
                }
            }
        }
    }
}

/// What is wrong with the email `raw` read from the email column.
fn email_problem(raw: &str, err: EmailError, l: &Layout) -> String {
    let origin = l.email_origin();
    match err {
        EmailError::Empty => format!("{origin} is empty"),
        EmailError::Whitespace(_) => {
            format!("email {} in {origin} contains a space", quoted(raw))
        }
        EmailError::Shape(_) => format!(
            "email {} in {origin} is not an address of the form name@domain.tld",
            quoted(raw)
        ),
        EmailError::Length(_, n) => format!(
            "email {} in {origin} has {n} characters; PagerDuty accepts {} to {}",
            quoted(raw),
            crate::email::MIN_LEN,
            crate::email::MAX_LEN
        ),
    }
}

/// The lifecycle status through `[hr.status]` (active without a status column) and the
/// value as written; `None` when the value is not listed (a problem).
fn read_status(
    rec: &StringRecord,
    l: &Layout,
    problems: &mut Problems,
) -> (Option<Lifecycle>, Option<String>) {
    let Some(i) = l.status else {
        return (Some(Lifecycle::Active), None);
    };
    let v = cell(rec, i);
    match l.status_map.get(&v.to_lowercase()) {
        Some(s) => (Some(*s), Some(v.to_string())),
        None => {
            problems.push((
                ProblemKind::UnknownStatus,
                if v.is_empty() {
                    format!("column {} (status) is empty", l.name(i))
                } else {
                    format!(
                        "status {} in column {} is not listed under [hr.status]",
                        quoted(v),
                        l.name(i)
                    )
                },
            ));
            (None, Some(v.to_string()))
        }
    }
}

/// The PagerDuty time zone the time zone cell names, directly or through a documented alias.
fn read_time_zone(rec: &StringRecord, l: &Layout, problems: &mut Problems) -> Option<String> {
    let i = l.time_zone?;
    let v = cell(rec, i);
    if v.is_empty() {
        return None;
    }
    let tz = time_zone_aliases::resolve(v);
    if tz.is_none() {
        problems.push((
            ProblemKind::InvalidTimeZone,
            format!(
                "time zone {} in column {} is not one PagerDuty accepts and has no documented alias",
                quoted(v),
                l.name(i)
            ),
        ));
    }
    tz.map(str::to_string)
}

/// The date in column `col`, read with `[hr] date_format`.
fn read_date(
    rec: &StringRecord,
    l: &Layout,
    col: Option<usize>,
    problems: &mut Problems,
) -> Option<NaiveDate> {
    let i = col?;
    let v = cell(rec, i);
    if v.is_empty() {
        return None;
    }
    let parsed = l
        .date_format
        .as_deref()
        .and_then(|f| NaiveDate::parse_from_str(v, f).ok());
    if parsed.is_none() {
        problems.push((
            ProblemKind::InvalidDate,
            match &l.date_format {
                Some(f) => format!(
                    "date {} in column {} does not match [hr] date_format {f:?}",
                    quoted(v),
                    l.name(i)
                ),
                None => format!(
                    "date {} in column {}: no [hr] date_format is set",
                    quoted(v),
                    l.name(i)
                ),
            },
        ));
    }
    parsed
}

/// The job title, whitespace collapsed; longer than PagerDuty accepts is a problem.
fn read_job_title(rec: &StringRecord, l: &Layout, problems: &mut Problems) -> Option<String> {
    let i = l.job_title?;
    let v = collapse(cell(rec, i));
    let n = v.chars().count();
    if n > JOB_TITLE_MAX_CHARS {
        problems.push((
            ProblemKind::TooLong,
            format!(
                "job title in column {} has {n} characters; PagerDuty accepts at most {JOB_TITLE_MAX_CHARS}",
                l.name(i)
            ),
        ));
    }
    (!v.is_empty()).then_some(v)
}

/// Every value of a misaligned record, sorted and without repeats: each cell, and each piece
/// of a cell split at quotes and at any delimiter `[hr] delimiter` accepts.
fn misaligned_values(rec: &StringRecord) -> Vec<String> {
    let mut values = Vec::new();
    // A value longer than any employee ID or email cannot name one.
    for c in rec.iter().filter(|c| c.len() <= 4 * MAX_EMPLOYEE_ID_LEN) {
        values.push(c.trim().to_string());
        values.extend(
            c.split(['"', ',', ';', '\t', '|'])
                .map(|piece| piece.trim().to_string()),
        );
    }
    values.retain(|v| !v.is_empty());
    values.sort();
    values.dedup();
    values
}

/// The indices of the rows sharing a key with another row, one group per key, each group
/// in row order (rows without a key are in none). Keys are borrowed, and a key seen once
/// costs no allocation: most exports have no duplicate at all.
fn groups<'a>(keys: impl Iterator<Item = Option<&'a str>>) -> Vec<Vec<usize>> {
    let mut first: HashMap<&'a str, usize> = HashMap::new();
    let mut shared: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, key) in keys.enumerate() {
        let Some(key) = key else { continue };
        match first.entry(key) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(i);
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                shared
                    .entry(*o.get())
                    .or_insert_with(|| vec![*o.get()])
                    .push(i);
            }
        }
    }
    shared.into_values().collect()
}

fn also_on(lines: &[u64]) -> String {
    let list = lines
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if lines.len() == 1 {
        format!("also on line {list}")
    } else {
        format!("also on lines {list}")
    }
}

/// Adds to `flags` one problem of `kind` per row of each of `groups` (rows sharing a value),
/// worded by `message` from the row's index and where the value is also found
/// ([`also_on`]: the other rows' lines).
fn flag_shared(
    rows: &[Row],
    groups: &[Vec<usize>],
    kind: ProblemKind,
    flags: &mut Vec<(usize, ProblemKind, String)>,
    message: impl Fn(usize, String) -> String,
) {
    for group in groups {
        for &i in group {
            let others: Vec<u64> = group
                .iter()
                .filter(|j| **j != i)
                .map(|j| rows[*j].line)
                .collect();
            flags.push((i, kind, message(i, also_on(&others))));
        }
    }
}

/// Flags every row whose employee ID or email is on another row, then splits the rows into
/// valid employees and problems, and protects the identities of the skipped rows.
/// `email_origin` is where the emails come from, for messages ([`Layout::email_origin`]).
pub(super) fn finish(mut rows: Vec<Row>, id_column: &str, email_origin: EmailOrigin<'_>) -> Roster {
    let ids: Vec<Vec<usize>> = groups(
        rows.iter()
            .map(|r| (!r.employee_id.is_empty()).then_some(r.employee_id.as_str())),
    );
    let emails: Vec<Vec<usize>> = groups(rows.iter().map(|r| r.email.as_ref().map(Email::as_str)));
    let mut flags: Vec<(usize, ProblemKind, String)> = Vec::new();
    flag_shared(
        &rows,
        &ids,
        ProblemKind::DuplicateEmployeeId,
        &mut flags,
        |i, also| {
            format!(
                "employee ID {} in column {id_column} is {also}",
                quoted(&rows[i].employee_id)
            )
        },
    );
    let from = match email_origin {
        EmailOrigin::Column(_) => format!("in {email_origin}"),
        EmailOrigin::Template => format!("built by {email_origin}"),
    };
    flag_shared(
        &rows,
        &emails,
        ProblemKind::DuplicateEmail,
        &mut flags,
        |i, also| {
            let email = rows[i].email.as_ref().map_or("", Email::as_str);
            format!("email {} {from} is {also}", quoted(email))
        },
    );
    flags.sort_by_key(|(i, kind, _)| (*i, *kind));
    for (i, kind, message) in flags {
        rows[i].problems.push((kind, message));
    }

    let mut roster = Roster {
        rows_read: rows.len(),
        ..Roster::default()
    };
    for r in rows {
        if r.problems.is_empty() {
            if let Some(e) = r.employee {
                roster.employees.push(e);
            }
            continue;
        }
        if !r.employee_id.is_empty() {
            roster
                .protected_ids
                .insert(EmployeeId::new(r.employee_id.clone()));
        }
        if let Some(e) = &r.email {
            roster.protected_emails.insert(e.clone());
        }
        for v in &r.misaligned {
            roster.protected_ids.insert(EmployeeId::new(v.clone()));
            if let Ok(e) = Email::parse(v) {
                roster.protected_emails.insert(e);
            }
        }
        for (kind, message) in r.problems {
            roster.problems.push(RowProblem {
                line: r.line,
                kind,
                employee_id: (!r.employee_id.is_empty())
                    .then(|| EmployeeId::new(r.employee_id.clone())),
                email: r
                    .email
                    .as_ref()
                    .map(|e| e.as_str().to_string())
                    .or_else(|| r.email_text.clone()),
                message,
            });
        }
    }
    roster
}

#[cfg(test)]
mod tests {
    use super::collapse;

    #[test]
    fn collapse_copies_plain_text_and_collapses_the_rest() {
        for (s, want) in [
            ("Ann Lee", "Ann Lee"),
            (" Ann  Lee ", "Ann Lee"),
            ("Ann\tLee", "Ann Lee"),
            ("Ann\u{a0}Lee", "Ann Lee"),
            ("Ann\nLee", "Ann Lee"),
            ("", ""),
            ("   ", ""),
        ] {
            assert_eq!(collapse(s), want, "{s:?}");
        }
    }
}
