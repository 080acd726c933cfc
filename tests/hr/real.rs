//! The four real HR exports in `../shared/data/hr`, each read with its sample configuration
//! in `samples/real/`.
//!
//! The expected numbers were derived independently of this crate, by a short Python `csv`
//! script applying the same rules (see the HR helper's report); they are not what the code
//! printed. Each test prints a notice and passes when `../shared` is absent.

use crate::support::{root, shared_hr_path};
use hr2pagerduty::config::Config;
use hr2pagerduty::hr::{self, HrError, Lifecycle, ProblemKind, Roster};
use std::collections::BTreeMap;

fn sample(name: &str) -> Config {
    let p = root().join("samples/real").join(name);
    Config::load(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn counts(r: &Roster) -> (usize, usize, usize) {
    let c = r.counts();
    let get = |s| c.get(&s).copied().unwrap_or(0);
    (
        get(Lifecycle::Active) + get(Lifecycle::OnLeave),
        get(Lifecycle::Terminated),
        get(Lifecycle::Pending),
    )
}

fn problem_counts(r: &Roster) -> BTreeMap<ProblemKind, usize> {
    r.problem_counts()
}

fn messages(r: &Roster) -> Vec<String> {
    r.problems.iter().map(|p| p.to_string()).collect()
}

fn has(msgs: &[String], want: &str) {
    assert!(
        msgs.iter().any(|m| m == want),
        "missing message {want:?}; got (first 10) {:#?}",
        &msgs[..msgs.len().min(10)]
    );
}

fn employee<'a>(r: &'a Roster, id: &str) -> &'a hr::Employee {
    r.employees
        .iter()
        .find(|e| e.employee_id == id)
        .unwrap_or_else(|| panic!("employee {id} not in the roster"))
}

fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn kaggle_all_in_one() {
    let Some(path) = shared_hr_path("kaggle_employee_data_all_in_one.csv") else {
        return;
    };
    let cfg = sample("kaggle.toml");
    let r = hr::read_file(&path, &cfg).unwrap();
    assert_eq!(r.rows_read, 3000);
    assert_eq!(r.employees.len(), 2978);
    assert_eq!(counts(&r), (2527, 384, 67));
    assert_eq!(
        problem_counts(&r),
        BTreeMap::from([
            (ProblemKind::InvalidEmail, 18),
            (ProblemKind::DuplicateEmail, 4)
        ])
    );
    assert_eq!(r.invalid_rows(), 22);
    let m = messages(&r);
    has(
        &m,
        "line 134: email \"wilson k.adinolfi@bilearner.com\" in column ADEmail contains a space",
    );
    has(
        &m,
        "line 2785: email \"barbara m.stanford@bilearner.com\" in column ADEmail contains a space",
    );
    has(
        &m,
        "line 867: email \"larissa.warner@bilearner.com\" in column ADEmail is also on line 1744",
    );
    has(
        &m,
        "line 2206: email \"darien.young@bilearner.com\" in column ADEmail is also on line 1976",
    );
    // Every skipped row's employee ID is protected; only valid emails can name a user.
    assert_eq!(r.protected_ids.len(), 22);
    assert!(r.protected_ids.contains("3559") && r.protected_ids.contains("2169"));
    let emails: Vec<&str> = r.protected_emails.iter().map(|e| e.as_str()).collect();
    assert_eq!(
        emails,
        ["darien.young@bilearner.com", "larissa.warner@bilearner.com"]
    );

    let first = employee(&r, "3427");
    assert_eq!(first.line, 2);
    assert_eq!(first.name, "Uriah Bridges");
    assert_eq!(first.email.as_str(), "uriah.bridges@bilearner.com");
    assert_eq!(first.hire_date, Some(date(2019, 9, 20)));
    assert_eq!(first.termination_date, None);
    assert_eq!(first.department.as_deref(), Some("Production"));
    assert_eq!(first.field("division"), Some("Finance & Accounting"));
    assert_eq!(first.field("performance"), Some("Fully Meets"));
    assert_eq!(first.job_title.as_deref(), Some("Production Technician I"));
    let on_leave = r
        .employees
        .iter()
        .filter(|e| e.status_value.as_deref() == Some("Leave of Absence"))
        .count();
    assert_eq!(on_leave, 86);
    assert!(
        r.employees
            .iter()
            .filter(|e| e.status_value.as_deref() == Some("Leave of Absence"))
            .all(|e| e.status == Lifecycle::OnLeave)
    );
}

#[test]
fn hrdataset_v14() {
    let Some(path) = shared_hr_path("HRDataset_v14.csv") else {
        return;
    };
    let cfg = sample("hrdataset.toml");
    let r = hr::read_file(&path, &cfg).unwrap();
    assert_eq!(r.rows_read, 311);
    assert_eq!(counts(&r), (207, 104, 0));
    assert!(r.problems.is_empty(), "{:?}", &r.problems);
    assert!(r.protected_ids.is_empty() && r.protected_emails.is_empty());

    let w = employee(&r, "10026");
    assert_eq!(w.email.as_str(), "wilson.adinolfi@example.com");
    assert_eq!(
        (w.first_name.as_str(), w.last_name.as_str()),
        ("Wilson K", "Adinolfi")
    );
    assert_eq!(w.name, "Wilson K Adinolfi");
    assert_eq!(w.hire_date, Some(date(2011, 7, 5)));
    assert_eq!(w.department.as_deref(), Some("Production"));
    let k = employee(&r, "10084");
    assert_eq!(k.email.as_str(), "karthikeyan.aitsidi@example.com");
    assert_eq!(k.name, "Karthikeyan Ait Sidi");
    assert_eq!(k.status, Lifecycle::Terminated);
    assert_eq!(k.termination_date, Some(date(2016, 6, 16)));
    assert_eq!(k.field("manager"), Some("Simon Roup"));
    let by_name = |n: &str| {
        r.employees
            .iter()
            .find(|e| e.name == n)
            .map(|e| e.email.as_str())
    };
    assert_eq!(by_name("Trina Alagbe"), Some("trina.alagbe@example.com"));
    assert_eq!(
        by_name("Jean Crimmings"),
        Some("jean.crimmings@example.com")
    );
}

#[test]
fn midpoint_demo_export() {
    let Some(path) = shared_hr_path("midpoint_hris_demo_export-initial.csv") else {
        return;
    };
    let cfg = sample("midpoint.toml");
    let r = hr::read_file(&path, &cfg).unwrap();
    assert_eq!(r.rows_read, 50);
    assert_eq!(counts(&r), (48, 2, 0));
    assert!(r.problems.is_empty(), "{:?}", &r.problems);
    let ceo = employee(&r, "1001");
    assert_eq!(ceo.line, 2);
    assert_eq!(ceo.name, "Geena Green");
    assert_eq!(ceo.email.as_str(), "geena.green@example.com");
    assert_eq!(ceo.field("job"), Some("124#CEO"));
    assert_eq!(ceo.job_title, None);
    let left = employee(&r, "1003");
    assert_eq!(left.status, Lifecycle::Terminated);
    assert_eq!(left.status_value.as_deref(), Some("Former employee"));
    let on_leave = r
        .employees
        .iter()
        .filter(|e| e.status_value.as_deref() == Some("Long-term leave"))
        .count();
    assert_eq!(on_leave, 5);
}

#[test]
fn workivate_onboarding_example() {
    let Some(path) = shared_hr_path("workivate_onboarding_full_import.csv") else {
        return;
    };
    let cfg = sample("workivate.toml");
    let r = hr::read_file(&path, &cfg).unwrap();
    assert_eq!(r.rows_read, 5);
    assert_eq!(counts(&r), (1, 0, 0));
    assert_eq!(
        problem_counts(&r),
        BTreeMap::from([
            (ProblemKind::MissingEmployeeId, 1),
            (ProblemKind::MissingName, 2),
            (ProblemKind::DuplicateEmployeeId, 2),
        ])
    );
    assert_eq!(r.invalid_rows(), 4);
    assert_eq!(
        messages(&r),
        [
            "line 2: employee ID \"e1\" in column employee_id is also on line 4",
            "line 4: employee ID \"e1\" in column employee_id is also on line 2",
            "line 5: columns first_name and last_name are empty",
            "line 6: column employee_id is empty",
            "line 6: columns first_name and last_name are empty",
        ]
    );
    let ids: Vec<&str> = r.protected_ids.iter().map(|id| id.as_str()).collect();
    assert_eq!(ids, ["e1", "e3"]);
    let emails: Vec<&str> = r.protected_emails.iter().map(|e| e.as_str()).collect();
    assert_eq!(
        emails,
        [
            "test1@example.com",
            "test3@example.hu",
            "test4@example.com",
            "test5@example.com"
        ]
    );
    let john = employee(&r, "e2");
    assert_eq!(john.email.as_str(), "test.email2+xxxx1@example.com.anytld");
    assert_eq!(john.name, "John Doe");
    assert_eq!(john.job_title.as_deref(), Some("Director"));
    assert_eq!(john.hire_date, Some(date(2018, 12, 1)));
    assert_eq!(john.field("group"), Some("US-East"));

    // The same file under the default limit (5%) is refused: 4 of 5 rows is 80%.
    let mut strict = cfg.clone();
    strict.safety.max_invalid_rows_percent = 5.0;
    let err = hr::read_file(&path, &strict).unwrap_err();
    assert!(
        matches!(
            err,
            HrError::TooManyInvalid {
                invalid: 4,
                rows: 5,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("4 of 5 rows (80.0%) failed validation"),
        "{err}"
    );
}
