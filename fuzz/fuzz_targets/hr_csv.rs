//! CSV ingestion with column mapping: any bytes, read with one of four fixed configurations
//! (delimiters, encodings, split or full names, an email column or a template, dates,
//! attributes), never panic, and what comes back is consistent with the file:
//! - every row problem and every employee carries a line of the file (2 to the last line),
//!   problems in line order, employees in file order;
//! - every data row read is either a valid employee or a row with a problem;
//! - employee IDs and emails are unique and valid, names and job titles within
//!   PagerDuty's 100 characters, and a skipped row's employee ID is protected;
//! - a file-level error that names a line names one of the file's lines.
//!
//! The first input byte picks the configuration (low two bits) and whether that
//! configuration's header is put in front of the rest (bit 2), so that mutations reach the
//! rows rather than dying on the header.

#![no_main]

use hr2pagerduty::config::Config;
use hr2pagerduty::email::Email;
use hr2pagerduty::hr::{self, HrError};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

const BASE: &str = r#"
[pagerduty]
from = "bot@example.com"
[lifecycle]
suspended_role = "read_only_limited_user"
default_time_zone = "America/New_York"
[roles]
default = "limited_user"
[safety]
max_invalid_rows_percent = 50
"#;

/// (extra TOML, header line) per configuration. The first two read the header of the
/// exports in fixtures/hr, the third one shaped like HRDataset_v14 (one name column, no
/// email column), the fourth a tab-separated export without a status column.
const CONFIGS: [(&str, &str); 4] = [
    (
        r#"
[hr]
date_format = "%Y-%m-%d"
[hr.columns]
employee_id = "EmployeeID"
email = "Email"
first_name = "FirstName"
last_name = "LastName"
status = "Status"
job_title = "Title"
department = "Department"
time_zone = "TimeZone"
hire_date = "HireDate"
[hr.status]
active = ["Active", "Leave of Absence"]
terminated = ["Terminated"]
pending = ["Future Start"]
[hr.attributes]
notes = "Notes"
"#,
        "EmployeeID,Email,FirstName,LastName,Status,Department,Title,TimeZone,HireDate,Notes\n",
    ),
    (
        r#"
[hr]
encoding = "windows-1252"
date_format = "%Y-%m-%d"
[hr.columns]
employee_id = "EmployeeID"
email = "Email"
first_name = "FirstName"
last_name = "LastName"
status = "Status"
job_title = "Title"
department = "Department"
time_zone = "TimeZone"
hire_date = "HireDate"
[hr.status]
active = ["Active", "Leave of Absence"]
terminated = ["Terminated"]
pending = ["Future Start"]
[hr.attributes]
notes = "Notes"
"#,
        "EmployeeID,Email,FirstName,LastName,Status,Department,Title,TimeZone,HireDate,Notes\n",
    ),
    (
        r#"
[hr]
delimiter = ";"
name_order = "last_comma_first"
email_template = "{first}.{last}@example.com"
date_format = "%d-%b-%y"
[hr.columns]
employee_id = "EmpID"
full_name = "Employee_Name"
status = "EmploymentStatus"
department = "Department"
termination_date = "DateofTermination"
[hr.status]
active = ["Active"]
terminated = ["Voluntarily Terminated", "Terminated for Cause"]
"#,
        "EmpID;Employee_Name;EmploymentStatus;Department;DateofTermination\n",
    ),
    (
        r#"
[hr]
delimiter = "tab"
[hr.columns]
employee_id = "EmployeeID"
email = "Email"
first_name = "FirstName"
last_name = "LastName"
time_zone = "TimeZone"
"#,
        "EmployeeID\tEmail\tFirstName\tLastName\tTimeZone\n",
    ),
];

fn configs() -> &'static [Config; 4] {
    static C: OnceLock<[Config; 4]> = OnceLock::new();
    C.get_or_init(|| {
        CONFIGS.map(|(extra, _)| {
            Config::from_toml(&format!("{BASE}{extra}"), Path::new("fuzz.toml"))
                .expect("the fixed fuzz configurations are valid")
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let which = usize::from(selector & 3);
    let cfg = &configs()[which];
    let mut bytes = Vec::with_capacity(rest.len() + 100);
    if selector & 4 != 0 {
        bytes.extend_from_slice(CONFIGS[which].1.as_bytes());
    }
    bytes.extend_from_slice(rest);
    // Lines end at `\r\n`, `\n` or a lone `\r` (where the `csv` crate also ends a record).
    let breaks = bytes
        .iter()
        .enumerate()
        .filter(|(i, b)| **b == b'\n' || (**b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    let last_line = breaks as u64 + 1;

    match hr::parse_bytes(&bytes, &cfg.hr) {
        Ok(roster) => {
            let mut previous = 0;
            for p in &roster.problems {
                assert!(
                    (2..=last_line).contains(&p.line),
                    "problem on line {} of a {last_line}-line file: {p}",
                    p.line
                );
                assert!(p.line >= previous, "problems out of line order");
                previous = p.line;
                if let Some(id) = &p.employee_id {
                    assert!(
                        roster.protected_ids.contains(id),
                        "a skipped row's employee ID {id} is not protected"
                    );
                }
            }
            let mut previous = 1;
            let mut ids = BTreeSet::new();
            let mut emails = BTreeSet::new();
            for e in &roster.employees {
                assert!(
                    e.line > previous && e.line <= last_line,
                    "employee on line {} after line {previous} of {last_line}",
                    e.line
                );
                previous = e.line;
                assert!(ids.insert(e.employee_id.clone()), "employee ID twice");
                assert!(emails.insert(e.email.clone()), "email twice");
                assert!(!e.employee_id.as_str().is_empty());
                assert_eq!(e.employee_id.as_str().trim(), e.employee_id.as_str());
                assert_eq!(Email::parse(e.email.as_str()).as_ref(), Ok(&e.email));
                assert!(!e.name.is_empty() && e.name.chars().count() <= 100);
                assert!(
                    e.job_title
                        .as_ref()
                        .is_none_or(|t| t.chars().count() <= 100)
                );
                assert!(
                    !roster.problems.iter().any(|p| p.line == e.line),
                    "line {} is both an employee and a problem",
                    e.line
                );
            }
            assert_eq!(
                roster.employees.len() + roster.invalid_rows(),
                roster.rows_read,
                "every data row is an employee or a row problem"
            );
            // The invalid-rows limit on top must not panic either.
            let _ = hr::read_bytes(&bytes, cfg);
        }
        Err(
            HrError::Encoding { line, .. }
            | HrError::Format { line, .. }
            | HrError::Structure { line, .. }
            | HrError::Csv { line, .. },
        ) => {
            assert!(
                (1..=last_line).contains(&line),
                "error on line {line} of a {last_line}-line file"
            );
        }
        Err(e) => {
            // Every other error renders a message.
            assert!(!e.to_string().is_empty());
        }
    }
});
