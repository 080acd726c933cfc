//! Email and date normalisation, and the other per-cell normalisers of an HR row:
//! - `Email::normalise` is idempotent, and `Email::parse` accepts only what it documents
//!   (normalised, 6 to 100 characters, one `@`, no whitespace) and accepts its own output;
//! - `[hr] email_template` (the real templates) gives only addresses `Email::parse`
//!   accepts, and its `{first}`/`{last}` parts hold no whitespace;
//! - the time-zone alias table resolves only to zones PagerDuty accepts, and a resolved
//!   zone resolves to itself;
//! - the configured date parsing: a date cell read through `hr::parse_bytes` with one of
//!   the real `date_format`s (or the fuzzed format, when the configuration accepts it) is
//!   the date chrono parses from the trimmed cell, or an invalid-date row problem.
//!
//! The input is seven fields separated by NUL bytes (missing fields are empty): the email,
//! a first name, a last name, the template (its length picks one of `TEMPLATES`), a time
//! zone, the date format (empty or one digit picks one of `FORMATS`, anything else is the
//! format itself) and a date cell. Invalid UTF-8 is replaced.

#![no_main]

use chrono::NaiveDate;
use hr2pagerduty::config::Config;
use hr2pagerduty::email::Email;
use hr2pagerduty::hr::{self, ProblemKind, template};
use hr2pagerduty::vocab::time_zone_aliases;
use hr2pagerduty::vocab::time_zones::is_valid_time_zone;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

/// `[hr] email_template` values from samples/ and the README.
const TEMPLATES: [&str; 3] = [
    "{first}.{last}@example.com",
    "{first}{last}@corp.example.org",
    "{last}@example.com",
];

/// `[hr] date_format` values from samples/real and samples/config.toml.
const FORMATS: [&str; 3] = ["%Y-%m-%d", "%m/%d/%Y", "%d-%b-%y"];

fn check_email(raw: &str) {
    let n = Email::normalise(raw);
    assert_eq!(Email::normalise(n.as_str()), n, "normalise is idempotent");
    if let Ok(e) = Email::parse(raw) {
        assert_eq!(e, n, "parse normalises like normalise");
        let s = e.as_str();
        let len = s.chars().count();
        assert!((6..=100).contains(&len), "{s:?}: {len} characters");
        assert_eq!(s.matches('@').count(), 1, "{s:?}");
        assert!(!s.chars().any(char::is_whitespace), "{s:?}");
        assert_eq!(s, s.to_lowercase(), "{s:?}");
        assert_eq!(
            Email::parse(s).as_ref(),
            Ok(&e),
            "parse accepts its own output"
        );
    }
}

fn check_template(t: &str, first: &str, last: &str) {
    for part in [template::first_part(first), template::last_part(last)] {
        assert!(!part.chars().any(char::is_whitespace), "{part:?}");
    }
    if let Ok(e) = template::render(t, first, last) {
        assert_eq!(Email::parse(e.as_str()).as_ref(), Ok(&e), "{t:?} gave {e}");
    }
}

fn check_time_zone(v: &str) {
    if let Some(z) = time_zone_aliases::resolve(v) {
        assert!(is_valid_time_zone(z), "{v:?} resolved to {z:?}");
        assert_eq!(time_zone_aliases::resolve(z), Some(z), "{z:?}");
    }
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn check_date(format: &str, value: &str) {
    let text = format!(
        r#"
[pagerduty]
from = "bot@example.com"
[hr]
date_format = {}
[hr.columns]
employee_id = "id"
email = "email"
first_name = "first"
last_name = "last"
hire_date = "hired"
[lifecycle]
suspended_role = "observer"
default_time_zone = "Etc/UTC"
[roles]
default = "limited_user"
"#,
        toml_string(format)
    );
    let Ok(cfg) = Config::from_toml(&text, Path::new("fuzz.toml")) else {
        return;
    };
    let csv = format!(
        "id,email,first,last,hired\n1,ann@example.com,Ann,Lee,\"{}\"\n",
        value.replace('"', "\"\"")
    );
    let Ok(roster) = hr::parse_bytes(csv.as_bytes(), &cfg.hr) else {
        return;
    };
    let cell = value.trim();
    let expected = NaiveDate::parse_from_str(cell, format).ok();
    match roster.employees.first() {
        Some(e) if cell.is_empty() => assert_eq!(e.hire_date, None),
        Some(e) => {
            assert!(expected.is_some(), "{cell:?} with {format:?} was accepted");
            assert_eq!(e.hire_date, expected, "{cell:?} with {format:?}");
        }
        None => {
            let kinds: Vec<ProblemKind> = roster.problems.iter().map(|p| p.kind).collect();
            if expected.is_none() && !cell.is_empty() {
                assert!(kinds.contains(&ProblemKind::InvalidDate), "{kinds:?}");
            } else {
                assert!(!kinds.contains(&ProblemKind::InvalidDate), "{kinds:?}");
            }
            assert!(roster.problems.iter().all(|p| p.line == 2));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let fields: Vec<String> = data
        .split(|b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    let field = |i: usize| fields.get(i).map_or("", String::as_str);
    check_email(field(0));
    check_template(
        TEMPLATES[field(3).len() % TEMPLATES.len()],
        field(1),
        field(2),
    );
    check_time_zone(field(4));
    let format = match field(5) {
        "" => FORMATS[0],
        f if f.len() == 1 && f.as_bytes()[0].is_ascii_digit() => {
            FORMATS[usize::from(f.as_bytes()[0] - b'0') % FORMATS.len()]
        }
        f => f,
    };
    check_date(format, field(6));
});
