//! End to end: the report formats (`apply --report FILE --report-format csv|markdown`), for
//! a run that ended and for one killed while in progress, against the simulator.
//!
//! Inputs are the demo's (`samples/demo/config.toml`, the seed `samples/demo/seed.json` with
//! this suite's key) and the demo's export with one more new hire, whose employee ID a
//! spreadsheet would read as a formula.

use crate::support::e2e::*;
use crate::support::*;
use hr2pagerduty::sim::{Fault, FaultKind};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The new hire's employee ID: a formula (with a pipe, for the Markdown table).
const FORMULA_ID: &str = "=cmd|' /C calc'!A0";

/// The demo export plus a new hire with [`FORMULA_ID`], written in `dir`.
fn hr_with_formula(dir: &Path) -> PathBuf {
    let mut text = std::fs::read_to_string(demo_hr()).unwrap();
    text.push_str(&format!(
        "{FORMULA_ID},Eve,Formula,eve.formula@example.com,Network Engineer,IT/IS,Active\n"
    ));
    let path = dir.join("hr.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// The JSON plan of `hr` against `sim` (GET requests only).
fn json_plan(sim: &Sim, hr: &Path) -> Value {
    let mut args = inputs("plan", &demo_config(), hr);
    args.extend(["--format".into(), "json".into()]);
    let r = run_args(against(sim, KEY), &args);
    r.expect_code(0);
    r.json()
}

/// `apply --yes --report REPORT --report-format FORMAT` of `hr` with the demo's
/// configuration, plus `extra`.
fn apply_formatted(hr: &Path, report: &Path, format: &str, extra: &[&str]) -> Vec<String> {
    let extra = [&["--report-format", format], extra].concat();
    apply_args(&demo_config(), hr, report, &extra)
}

/// A JSON value as a cell: a string, or empty for null.
fn cell(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// The cells a report row should hold for a planned action that was applied, in column
/// order up to the PagerDuty ID: a create's ID is the one the simulator gave.
fn expected_cells(sim: &Sim, a: &Value) -> Vec<String> {
    let email = cell(&a["email"]);
    let id = match a["pagerduty_user_id"].as_str() {
        Some(id) => id.to_string(),
        None => sim.user(&email).id.to_string(),
    };
    vec![
        cell(&a["action"]),
        "applied".into(),
        cell(&a["employee_id"]),
        email,
        id,
    ]
}

/// Splits a Markdown table row at its unescaped pipes and undoes the escapes.
fn markdown_cells(line: &str) -> Vec<String> {
    let inner = line
        .strip_prefix("| ")
        .and_then(|l| l.strip_suffix(" |"))
        .unwrap_or_else(|| panic!("not a table row: {line:?}"));
    let mut cells = vec![String::new()];
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => cells.last_mut().unwrap().extend(chars.next()),
            '|' => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells.iter().map(|c| c.trim().to_string()).collect()
}

#[test]
fn a_csv_report_has_one_row_per_action_and_no_formula() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let hr = hr_with_formula(dir.path());
    let plan = json_plan(&sim, &hr);
    let report = dir.path().join("r.csv");
    run_args(
        against(&sim, KEY),
        &apply_formatted(&hr, &report, "csv", &[]),
    )
    .expect_code(0);

    let text = std::fs::read_to_string(&report).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "action",
            "outcome",
            "employee_id",
            "email",
            "pagerduty_user_id",
            "changes",
            "error"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let actions = plan["actions"].as_array().unwrap();
    assert_eq!(rows.len(), actions.len(), "{text}");
    for (row, a) in rows.iter().zip(actions) {
        let mut want = expected_cells(&sim, a);
        if want[2] == FORMULA_ID {
            want[2] = format!("'{FORMULA_ID}");
        }
        assert_eq!(row.iter().take(5).collect::<Vec<_>>(), want, "{text}");
        assert!(!row[5].is_empty(), "every action changes something: {text}");
        assert_eq!(&row[6], "", "{text}");
    }
    assert!(
        rows.iter().any(|r| r[2] == format!("'{FORMULA_ID}")),
        "the new hire is created: {text}"
    );
    // No cell of the file starts as a formula would.
    for row in &rows {
        for c in row {
            assert!(!c.starts_with(['=', '+', '-', '@', '\t', '\r']), "{c:?}");
        }
    }
}

#[test]
fn a_markdown_report_has_a_summary_line_and_one_table_row_per_action() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let hr = hr_with_formula(dir.path());
    let plan = json_plan(&sim, &hr);
    let report = dir.path().join("r.md");
    run_args(
        against(&sim, KEY),
        &apply_formatted(&hr, &report, "markdown", &[]),
    )
    .expect_code(0);

    let text = std::fs::read_to_string(&report).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let s = &plan["summary"];
    let created = s["create"].as_u64().unwrap();
    assert!(created > 0, "{plan:#}");
    assert!(
        lines[0].starts_with(&format!(
            "**hr2pagerduty apply: applied** (exit 0) · {created} created, "
        )),
        "{text}"
    );
    assert!(
        lines[0].ends_with(&format!(
            "{} skipped, {} invitation email{}",
            s["skipped"],
            s["invitations"],
            if s["invitations"] == 1 { "" } else { "s" }
        )),
        "{text}"
    );
    assert_eq!(lines[1], "");
    assert_eq!(
        markdown_cells(lines[2]),
        [
            "Action",
            "Outcome",
            "Employee ID",
            "Email",
            "PagerDuty ID",
            "Changes",
            "Error"
        ]
    );
    assert_eq!(lines[3], "| --- | --- | --- | --- | --- | --- | --- |");
    let actions = plan["actions"].as_array().unwrap();
    assert_eq!(lines.len(), 4 + actions.len(), "{text}");
    for (line, a) in lines[4..].iter().zip(actions) {
        let cells = markdown_cells(line);
        assert_eq!(cells.len(), 7, "{line}");
        assert_eq!(cells[..5], expected_cells(&sim, a)[..], "{line}");
    }
    assert!(
        text.contains("| =cmd\\|' /C calc'!A0 |"),
        "the pipe in the ID is escaped: {text}"
    );
}

#[test]
fn a_killed_apply_leaves_a_csv_or_markdown_report_saying_what_was_pending() {
    for format in ["csv", "markdown"] {
        let sim = Sim::start(demo_seed());
        // Hold the first create, so the apply is under way when it is killed.
        sim.handle.inject(Fault::new(
            "POST",
            "/users",
            FaultKind::Delay { ms: 10_000 },
        ));
        let dir = tempfile::tempdir().unwrap();
        let hr = demo_hr();
        let plan = json_plan(&sim, &hr);
        let n = plan["actions"].as_array().unwrap().len();
        let report = dir.path().join("r.txt");
        let child = command_against(&sim, &apply_formatted(&hr, &report, format, &[]))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        sim.kill_during_a_create(child);
        let text = std::fs::read_to_string(&report).unwrap();
        let outcomes: Vec<String> = if format == "csv" {
            let mut rows: Vec<String> = csv::Reader::from_reader(text.as_bytes())
                .records()
                .map(|r| r.unwrap()[1].to_string())
                .collect();
            // The last row says the run has not finished.
            assert_eq!(rows.pop().as_deref(), Some("in_progress"), "{text}");
            rows
        } else {
            assert!(
                text.starts_with("**hr2pagerduty apply: in progress** · "),
                "{text}"
            );
            text.lines()
                .skip(4)
                .map(|l| markdown_cells(l)[1].clone())
                .collect()
        };
        assert_eq!(outcomes.len(), n, "{format}: {text}");
        assert!(outcomes.iter().any(|o| o == "pending"), "{format}: {text}");
        assert!(
            outcomes.iter().all(|o| o == "pending" || o == "applied"),
            "{format}: {text}"
        );
    }
}

#[test]
fn a_report_format_without_a_report_is_a_usage_error() {
    let hr = demo_hr();
    let mut args = inputs("apply", &demo_config(), &hr);
    args.extend(["--yes".into(), "--report-format".into(), "csv".into()]);
    let r = run_args(hr2pd(), &args);
    r.expect_code(64).expect_stderr(&["--report"]);
}
