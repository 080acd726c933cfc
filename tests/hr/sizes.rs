//! Hostile sizes: a cell of megabytes is a row problem quoted at a bounded length in every
//! message (the library's and the binary's, text and JSON), and an export of 200,000 rows
//! is read whole.

use hr2pagerduty::config::Config;
use hr2pagerduty::hr::{self, MAX_CELL_BYTES, ProblemKind};
use std::path::Path;
use std::time::Instant;

const CONFIG: &str = r#"
[pagerduty]
from = "bot@example.com"

[hr.columns]
employee_id = "id"
email = "email"
first_name = "first"
last_name = "last"
job_title = "title"

[lifecycle]
suspended_role = "read_only_limited_user"
default_time_zone = "Etc/UTC"

[safety]
max_invalid_rows_percent = 100

[roles]
default = "limited_user"
"#;

fn config() -> Config {
    Config::from_toml(CONFIG, Path::new("sizes.toml")).unwrap()
}

/// Every message about `csv`'s rows, one per line.
fn messages(csv: &str) -> Vec<String> {
    let roster = hr::parse_bytes(csv.as_bytes(), &config().hr).unwrap();
    roster.problems.iter().map(ToString::to_string).collect()
}

#[test]
fn a_name_of_two_million_characters_is_quoted_short() {
    let name = "N".repeat(2_000_000);
    let csv = format!("id,email,first,last,title\n1,a@example.com,{name},Lovelace,Eng\n");
    let m = messages(&csv);
    assert!(m.iter().all(|l| l.len() < 400), "{m:?}");
    assert!(
        m.iter()
            .any(|l| l.contains("(2000009 characters)")
                && l.contains("PagerDuty accepts at most 100")),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|l| l.contains("the cell in column first holds 2000000 bytes")),
        "{m:?}"
    );
}

#[test]
fn a_cell_of_ten_megabytes_is_a_row_problem_and_the_other_rows_are_read() {
    let cell = "x".repeat(10 * 1024 * 1024);
    let csv = format!(
        "id,email,first,last,title\n1,a@example.com,Ada,Lovelace,\"{cell}\"\n2,b@example.com,Bob,Byte,Eng\n{cell},c@example.com,Cy,Sea,Eng\n"
    );
    let roster = hr::parse_bytes(csv.as_bytes(), &config().hr).unwrap();
    assert_eq!(roster.rows_read, 3);
    assert_eq!(roster.employees.len(), 1, "only Bob's row is valid");
    let long: Vec<&hr::RowProblem> = roster
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::TooLong)
        .collect();
    assert!(long.iter().any(|p| p.line == 2
        && p.message.contains(&format!(
            "the cell in column title holds {} bytes; a cell may hold at most {MAX_CELL_BYTES}",
            10 * 1024 * 1024
        ))));
    for p in &roster.problems {
        assert!(
            p.message.len() < 400,
            "line {}: {} bytes",
            p.line,
            p.message.len()
        );
        assert!(
            p.employee_id
                .as_ref()
                .is_none_or(|id| id.as_str().len() <= 100)
        );
        assert!(p.email.as_ref().is_none_or(|e| e.len() <= 400));
    }
    // The row with a 10 MB employee ID protects no ID (none can be that long).
    assert!(
        roster
            .protected_ids
            .iter()
            .all(|id| id.as_str().len() <= 100)
    );
}

#[test]
fn validate_of_an_export_with_a_huge_cell_prints_short_lines() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, CONFIG).unwrap();
    let hr_path = dir.path().join("hr.csv");
    let name = "é".repeat(2_000_000);
    std::fs::write(
        &hr_path,
        format!(
            "id,email,first,last,title\n1,\"{name}\",Ada,{name},Eng\n2,b@example.com,Bob,Byte,Eng\n"
        ),
    )
    .unwrap();
    for format in ["text", "json"] {
        let out = crate::support::e2e::hr2pd()
            .args(["validate", "--format", format, "--config"])
            .arg(&config_path)
            .arg("--hr")
            .arg(&hr_path)
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let longest = stdout
            .lines()
            .chain(stderr.lines())
            .map(str::len)
            .max()
            .unwrap();
        assert!(longest < 600, "{format}: a line of {longest} bytes");
        assert!(stdout.contains("characters)"), "{format}: {stdout}");
    }
}

#[test]
fn an_export_of_200000_rows_is_read_whole() {
    let mut csv = String::from("id,email,first,last,title\n");
    for i in 0..200_000 {
        csv.push_str(&format!(
            "{i},person{i}@example.com,First{i},Last{i},Engineer\n"
        ));
    }
    let started = Instant::now();
    let roster = hr::parse_bytes(csv.as_bytes(), &config().hr).unwrap();
    assert_eq!(roster.rows_read, 200_000);
    assert_eq!(roster.employees.len(), 200_000);
    assert!(roster.problems.is_empty());
    eprintln!("200,000 rows read in {:?}", started.elapsed());
}
