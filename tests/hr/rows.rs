//! Row validation: names, email template, status, time zones, dates, lengths, duplicates,
//! protection, line numbers. Inputs are small CSV texts written inline.

use hr2pagerduty::config::Config;
use hr2pagerduty::hr::{self, Lifecycle, ProblemKind, Roster};
use std::path::Path;

/// A configuration with `hr` as the body of `[hr]` (it must contain `[hr.columns]`).
fn config(hr: &str) -> Config {
    let text = format!(
        r#"
[pagerduty]
from = "bot@example.com"

[hr]
{hr}

[lifecycle]
suspended_role = "read_only_limited_user"
default_time_zone = "Etc/UTC"

[roles]
default = "limited_user"
"#
    );
    Config::from_toml(&text, Path::new("rows.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// Reads `csv` without the invalid-rows limit, so every problem is visible.
fn parse(hr: &str, csv: &str) -> Roster {
    hr::parse_bytes(csv.as_bytes(), &config(hr).hr).unwrap_or_else(|e| panic!("{e}"))
}

fn messages(r: &Roster) -> Vec<String> {
    r.problems.iter().map(ToString::to_string).collect()
}

const SPLIT: &str = r#"
date_format = "%Y-%m-%d"
[hr.columns]
employee_id = "id"
email = "email"
first_name = "first"
last_name = "last"
status = "status"
job_title = "title"
department = "dept"
time_zone = "tz"
hire_date = "hired"
termination_date = "left"
[hr.status]
active = ["Active", "Leave of Absence"]
terminated = ["Terminated"]
pending = ["Future Start"]
[hr.attributes]
site = "site"
"#;

const HEADER: &str = "id,email,first,last,status,title,dept,tz,hired,left,site\n";

#[test]
fn a_clean_row_becomes_an_employee_with_every_field() {
    let r = parse(
        SPLIT,
        &format!(
            "{HEADER} 7 , Ada.Lovelace@Example.COM ,  Ada  , King  Lovelace , leave of absence ,  Senior   Engineer ,  Analytical Engines ,US/Mountain,2020-02-29,,  HQ  \n"
        ),
    );
    assert!(r.problems.is_empty(), "{:?}", messages(&r));
    let e = &r.employees[0];
    assert_eq!(e.line, 2);
    assert_eq!(e.employee_id, "7");
    assert_eq!(e.email.as_str(), "ada.lovelace@example.com");
    assert_eq!(
        (e.first_name.as_str(), e.last_name.as_str()),
        ("Ada", "King Lovelace")
    );
    assert_eq!(e.name, "Ada King Lovelace");
    assert_eq!(e.status, Lifecycle::Active);
    assert_eq!(e.status_value.as_deref(), Some("leave of absence"));
    assert_eq!(e.job_title.as_deref(), Some("Senior Engineer"));
    assert_eq!(e.department.as_deref(), Some("Analytical Engines"));
    assert_eq!(e.time_zone.as_deref(), Some("America/Denver"));
    assert_eq!(e.hire_date, chrono::NaiveDate::from_ymd_opt(2020, 2, 29));
    assert_eq!(e.termination_date, None);
    assert_eq!(e.field("site"), Some("HQ"));
}

#[test]
fn empty_optional_cells_are_none() {
    let r = parse(
        SPLIT,
        &format!("{HEADER}1,a@example.com,A,B,Active,,,,,,\n"),
    );
    let e = &r.employees[0];
    assert_eq!(
        (&e.job_title, &e.department, &e.time_zone, &e.hire_date),
        (&None, &None, &None, &None)
    );
    assert!(e.attributes.is_empty());
    assert_eq!(e.field("site"), None);
}

#[test]
fn each_invalid_cell_is_a_problem_naming_column_and_value() {
    let long_title = "T".repeat(101);
    let csv = format!(
        "{HEADER}\
1,a@example.com,A,B,Retired,,,,,,\n\
2,b@example.com,A,B,,,,,,,\n\
3,c@example.com,A,B,Active,,,Mars/Base,,,\n\
4,d@example.com,A,B,Active,,,,2020-13-01,31/12/2020,\n\
5,e@example.com,A,B,Active,{long_title},,,,,\n\
6,nobody,A,B,Active,,,,,,\n\
7,x@y.z,A,B,Active,,,,,,\n\
8,,A,B,Active,,,,,,\n\
,f@example.com,A,B,Active,,,,,,\n\
10,g@example.com,,,Active,,,,,,\n"
    );
    let r = parse(SPLIT, &csv);
    assert!(r.employees.is_empty());
    assert_eq!(
        messages(&r),
        [
            "line 2: status \"Retired\" in column status is not listed under [hr.status]",
            "line 3: column status (status) is empty",
            "line 4: time zone \"Mars/Base\" in column tz is not one PagerDuty accepts and has no documented alias",
            "line 5: date \"2020-13-01\" in column hired does not match [hr] date_format \"%Y-%m-%d\"",
            "line 5: date \"31/12/2020\" in column left does not match [hr] date_format \"%Y-%m-%d\"",
            "line 6: job title in column title has 101 characters; PagerDuty accepts at most 100",
            "line 7: email \"nobody\" in column email is not an address of the form name@domain.tld",
            "line 8: email \"x@y.z\" in column email has 5 characters; PagerDuty accepts 6 to 100",
            "line 9: column email is empty",
            "line 10: column id is empty",
            "line 11: columns first and last are empty",
        ]
    );
    let kinds: Vec<ProblemKind> = r.problems.iter().map(|p| p.kind).collect();
    use ProblemKind::*;
    assert_eq!(
        kinds,
        [
            UnknownStatus,
            UnknownStatus,
            InvalidTimeZone,
            InvalidDate,
            InvalidDate,
            TooLong,
            InvalidEmail,
            InvalidEmail,
            InvalidEmail,
            MissingEmployeeId,
            MissingName
        ]
    );
    assert_eq!(r.invalid_rows(), 10);
    assert_eq!(r.rows_read, 10);
    // Every readable identity is protected; invalid emails cannot name a PagerDuty user.
    let ids: Vec<&str> = r.protected_ids.iter().map(|id| id.as_str()).collect();
    assert_eq!(ids, ["1", "10", "2", "3", "4", "5", "6", "7", "8"]); // sorted as strings
    assert!(
        r.protected_emails
            .iter()
            .any(|e| e.as_str() == "g@example.com")
            && r.protected_emails
                .iter()
                .any(|e| e.as_str() == "f@example.com")
            && !r.protected_emails.iter().any(|e| e.as_str() == "nobody")
    );
    // The problem carries what the row names.
    assert_eq!(r.problems[6].email.as_deref(), Some("nobody"));
    assert_eq!(r.problems[9].employee_id, None);
}

#[test]
fn a_name_over_100_characters_is_too_long() {
    let last = "L".repeat(98);
    let r = parse(
        SPLIT,
        &format!("{HEADER}1,a@example.com,Al,{last},Active,,,,,,\n"),
    );
    assert_eq!(r.problems[0].kind, ProblemKind::TooLong);
    assert!(
        r.problems[0]
            .message
            .ends_with("has 101 characters; PagerDuty accepts at most 100")
    );
    // Exactly 100 is accepted.
    let last = "L".repeat(97);
    let r = parse(
        SPLIT,
        &format!("{HEADER}1,a@example.com,Al,{last},Active,,,,,,\n"),
    );
    assert!(r.problems.is_empty());
}

#[test]
fn status_values_are_trimmed_and_case_insensitive_and_absent_status_means_active() {
    let r = parse(
        SPLIT,
        &format!(
            "{HEADER}1,a@example.com,A,B,  TERMINATED ,,,,,,\n2,b@example.com,A,B,future start,,,,,,\n"
        ),
    );
    let states: Vec<Lifecycle> = r.employees.iter().map(|e| e.status).collect();
    assert_eq!(states, [Lifecycle::Terminated, Lifecycle::Pending]);
    let r = parse(
        "[hr.columns]\nemployee_id = \"id\"\nemail = \"email\"\nfirst_name = \"first\"\nlast_name = \"last\"",
        "id,email,first,last\n1,a@example.com,A,B\n",
    );
    assert_eq!(r.employees[0].status, Lifecycle::Active);
    assert_eq!(r.employees[0].status_value, None);
}

#[test]
fn duplicate_ids_and_emails_skip_every_row_involved() {
    let csv = format!(
        "{HEADER}\
1,a@example.com,A,One,Active,,,,,,\n\
2,b@example.com,B,Two,Active,,,,,,\n\
1,c@example.com,C,Three,Terminated,,,,,,\n\
1,d@example.com,D,Four,Active,,,,,,\n\
5,B@Example.com,E,Five,Active,,,,,,\n\
6,f@example.com,F,Six,Active,,,,,,\n"
    );
    let r = parse(SPLIT, &csv);
    let ids: Vec<&str> = r.employees.iter().map(|e| e.employee_id.as_str()).collect();
    assert_eq!(ids, ["6"]);
    assert_eq!(
        messages(&r),
        [
            "line 2: employee ID \"1\" in column id is also on lines 4, 5",
            "line 3: email \"b@example.com\" in column email is also on line 6",
            "line 4: employee ID \"1\" in column id is also on lines 2, 5",
            "line 5: employee ID \"1\" in column id is also on lines 2, 4",
            "line 6: email \"b@example.com\" in column email is also on line 3",
        ]
    );
    let emails: Vec<&str> = r.protected_emails.iter().map(|e| e.as_str()).collect();
    assert_eq!(
        emails,
        [
            "a@example.com",
            "b@example.com",
            "c@example.com",
            "d@example.com"
        ]
    );
    let ids: Vec<&str> = r.protected_ids.iter().map(|id| id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "5"]);
}

#[test]
fn a_row_of_the_wrong_width_is_one_problem_and_its_identity_is_protected() {
    let r = parse(
        SPLIT,
        &format!(
            "{HEADER}1,a@example.com,John,Smith, Jr.,Active,,,,,,\n2,b@example.com,B,C,Active,,,,,,\n"
        ),
    );
    assert_eq!(
        messages(&r),
        ["line 2: the row has 12 fields; the header has 11"]
    );
    assert_eq!(r.problems[0].kind, ProblemKind::FieldCount);
    assert!(r.protected_ids.contains("1"));
    assert_eq!(r.employees.len(), 1);
}

#[test]
fn blank_rows_are_ignored_and_lines_stay_right() {
    let r = parse(
        SPLIT,
        &format!(
            "{HEADER}\n,,,,,,,,,,\n1,a@example.com,A,B,Active,,,,,,\n\n2,b@example.com,A,B,Active,,,,,,\n"
        ),
    );
    assert_eq!(r.rows_read, 2);
    let lines: Vec<u64> = r.employees.iter().map(|e| e.line).collect();
    assert_eq!(lines, [4, 6]);
}

const FULL_LAST_FIRST: &str = r#"
name_order = "last_comma_first"
email_template = "{first}.{last}@example.com"
[hr.columns]
employee_id = "id"
full_name = "name"
"#;

#[test]
fn last_comma_first_names_with_irregular_spacing() {
    let r = parse(
        FULL_LAST_FIRST,
        "id,name\n1,\"Adinolfi, Wilson  K\"\n2,\"Alagbe,Trina\"\n3,\"Crimmings,   Jean\"\n4,\"Ait Sidi, Karthikeyan   \"\n5,\"Kovács, János\"\n6,\"O'Neil-Smith, Mary Ann\"\n",
    );
    assert!(r.problems.is_empty(), "{:?}", messages(&r));
    let got: Vec<(&str, &str)> = r
        .employees
        .iter()
        .map(|e| (e.name.as_str(), e.email.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("Wilson K Adinolfi", "wilson.adinolfi@example.com"),
            ("Trina Alagbe", "trina.alagbe@example.com"),
            ("Jean Crimmings", "jean.crimmings@example.com"),
            ("Karthikeyan Ait Sidi", "karthikeyan.aitsidi@example.com"),
            ("János Kovács", "janos.kovacs@example.com"),
            ("Mary Ann O'Neil-Smith", "mary.oneilsmith@example.com"),
        ]
    );
    assert_eq!(r.employees[0].first_name, "Wilson K");
    assert_eq!(r.employees[0].last_name, "Adinolfi");
}

#[test]
fn two_rows_building_one_email_are_both_skipped() {
    let r = parse(
        FULL_LAST_FIRST,
        "id,name\n1,\"Smith, John A\"\n2,\"Jones, Ann\"\n3,\"Smith, John B\"\n",
    );
    assert_eq!(
        messages(&r),
        [
            "line 2: email \"john.smith@example.com\" built by [hr] email_template is also on line 4",
            "line 4: email \"john.smith@example.com\" built by [hr] email_template is also on line 2",
        ]
    );
    assert!(
        r.problems
            .iter()
            .all(|p| p.kind == ProblemKind::DuplicateEmail)
    );
    assert_eq!(r.employees.len(), 1);
    assert_eq!(
        r.protected_emails
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>(),
        ["john.smith@example.com"]
    );
}

#[test]
fn a_template_that_cannot_build_an_address_is_a_problem() {
    let r = parse(
        FULL_LAST_FIRST,
        "id,name\n1,Cher\n2,\"Doe (Contractor), Jane\"\n3,\"\"\n",
    );
    assert_eq!(
        messages(&r),
        [
            "line 2: [hr] email_template \"{first}.{last}@example.com\" cannot build an address for \"Cher\": the template needs {first} and the first name is empty",
            "line 3: [hr] email_template \"{first}.{last}@example.com\" cannot build an address for \"Jane Doe (Contractor)\": {last} would be \"doe(contractor)\", which has '('; only a-z 0-9 . _ - ' are used",
            "line 4: column name is empty",
        ]
    );
    let kinds: Vec<ProblemKind> = r.problems.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        [
            ProblemKind::EmailTemplate,
            ProblemKind::EmailTemplate,
            ProblemKind::MissingName
        ]
    );
}

#[test]
fn first_last_full_names_split_at_the_last_word() {
    let r = parse(
        "[hr.columns]\nemployee_id = \"id\"\nemail = \"email\"\nfull_name = \"name\"",
        "id,email,name\n1,a@example.com,  Mary   Ann  Smith \n2,b@example.com,Prince\n",
    );
    let e = &r.employees[0];
    assert_eq!(
        (e.first_name.as_str(), e.last_name.as_str(), e.name.as_str()),
        ("Mary Ann", "Smith", "Mary Ann Smith")
    );
    let e = &r.employees[1];
    assert_eq!(
        (e.first_name.as_str(), e.last_name.as_str(), e.name.as_str()),
        ("Prince", "", "Prince")
    );
}

#[test]
fn dates_parse_strictly_with_the_configured_format() {
    let hr_cfg = |fmt: &str| {
        format!(
            "date_format = \"{fmt}\"\n[hr.columns]\nemployee_id = \"id\"\nemail = \"email\"\nfirst_name = \"f\"\nlast_name = \"l\"\nhire_date = \"d\""
        )
    };
    let csv = "id,email,f,l,d\n1,a@example.com,A,B,20-Sep-19\n2,b@example.com,A,B,2019-09-20\n";
    let r = parse(&hr_cfg("%d-%b-%y"), csv);
    assert_eq!(r.employees.len(), 1);
    assert_eq!(
        r.employees[0].hire_date,
        chrono::NaiveDate::from_ymd_opt(2019, 9, 20)
    );
    assert_eq!(r.problems[0].line, 3);
    assert_eq!(r.problems[0].kind, ProblemKind::InvalidDate);
    let r = parse(
        &hr_cfg("%m/%d/%Y"),
        "id,email,f,l,d\n1,a@example.com,A,B,7/5/2011\n",
    );
    assert_eq!(
        r.employees[0].hire_date,
        chrono::NaiveDate::from_ymd_opt(2011, 7, 5)
    );
}
