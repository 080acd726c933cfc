//! An empty, truncated or malformed HR export never deactivates anyone: every file in
//! `fixtures/hr/` that is unusable, and damaged copies of the real exports made at test time,
//! make both `plan` and `apply --yes` exit 65 with the same message naming what is wrong and
//! the setting that fixes it, before any request reaches PagerDuty. An export cut short at a
//! row boundary parses, and the shrink check refuses it (exit 3) before any write.

use crate::support::safety::*;
use crate::support::*;
use serde_json::json;

/// Runs `plan` and `apply --yes` on `hr` with `config`; both must exit 65 with the same
/// error, containing every needle, without a single request to the simulator and without
/// leaving a lock file behind.
fn assert_unusable(config: &str, hr: &[u8], needles: &[&str]) {
    let sim = Sim::start(base_seed());
    let ws = Workspace::new(config, hr);
    let p = plan(&sim, &ws, &[]);
    p.expect_code(65).expect_stderr(needles);
    let a = apply(&sim, &ws, &[]);
    a.expect_code(65).expect_stderr(needles);
    assert_eq!(p.error(), a.error(), "plan and apply refuse alike");
    assert!(p.stdout.is_empty() && a.stdout.is_empty(), "{p:?}\n{a:?}");
    assert_eq!(sim.handle.write_count(), 0);
    assert!(
        sim.requests().is_empty(),
        "an unusable export must not reach PagerDuty: {:?}",
        sim.requests()
    );
    let mut left: Vec<String> = std::fs::read_dir(ws.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["config.toml", "hr.csv"],
        "no lock file is left behind"
    );
}

fn fixture_unusable(name: &str, needles: &[&str]) {
    assert_unusable(&safety_config(), &hr_fixture(name), needles);
}

#[test]
fn an_empty_file_exits_65() {
    fixture_unusable(
        "empty.csv",
        &["Error: HR export has no data rows (the file is empty)"],
    );
}

#[test]
fn a_header_without_rows_exits_65() {
    fixture_unusable(
        "header_only.csv",
        &["Error: HR export has no data rows (only a header)"],
    );
}

#[test]
fn a_missing_mapped_column_exits_65_naming_the_columns_found() {
    fixture_unusable(
        "missing_column.csv",
        &[
            "Error: HR export has no column \"Email\" (set by hr.columns.email)",
            "the header has: \"EmployeeID\", \"E-mail\", \"FirstName\"",
        ],
    );
}

#[test]
fn a_mapped_column_present_twice_exits_65_naming_the_columns_found() {
    fixture_unusable(
        "duplicate_column.csv",
        &[
            "Error: HR export has column \"Email\" (set by hr.columns.email) 2 times",
            "the header has: \"EmployeeID\", \"Email\", \"FirstName\"",
        ],
    );
}

#[test]
fn a_semicolon_file_exits_65_naming_the_delimiter_setting() {
    fixture_unusable(
        "semicolon.csv",
        &[
            "HR export header parsed as one column",
            "set [hr] delimiter = \";\"",
        ],
    );
}

#[test]
fn a_tab_file_exits_65_naming_the_delimiter_setting() {
    fixture_unusable("tab.csv", &["set [hr] delimiter = \"tab\""]);
}

#[test]
fn windows_1252_bytes_read_as_utf8_exit_65_naming_the_encoding_setting() {
    fixture_unusable(
        "windows1252.csv",
        &[
            "HR export is not valid UTF-8 at line 2",
            "set [hr] encoding = \"windows-1252\"",
        ],
    );
}

#[test]
fn utf8_read_as_windows_1252_exits_65_naming_the_encoding_setting() {
    let config = safety_config().replacen("[hr]\n", "[hr]\nencoding = \"windows-1252\"\n", 1);
    assert_unusable(
        &config,
        &hr_fixture("utf8_names.csv"),
        &["(line 2)", "set [hr] encoding = \"utf-8\""],
    );
}

#[test]
fn an_unclosed_quote_exits_65_at_its_line() {
    fixture_unusable(
        "unclosed_quote.csv",
        &["Error: HR export is damaged from line 4: a quote opened here is never closed"],
    );
}

#[test]
fn a_field_swallowing_later_lines_exits_65_at_its_line() {
    fixture_unusable(
        "swallowed_lines.csv",
        &[
            "Error: HR export is damaged from line 3: a quoted field in column Title holds a line break",
        ],
    );
}

#[test]
fn rows_merged_by_a_stray_quote_exit_65_at_their_line() {
    fixture_unusable(
        "merged_rows.csv",
        &[
            "Error: HR export is damaged from line 3: a quoted field in column Title runs over 3 lines",
        ],
    );
}

#[test]
fn a_file_cut_short_mid_row_exits_65_at_its_line() {
    fixture_unusable(
        "cut_short.csv",
        &[
            "Error: HR export is damaged from line 5",
            "the export looks cut short",
        ],
    );
}

#[test]
fn too_many_invalid_rows_exit_65_naming_the_limit() {
    fixture_unusable(
        "too_many_invalid.csv",
        &[
            "Error: 1 of 10 rows (10.0%) failed validation, above [safety] max_invalid_rows_percent = 5; fix the export, or raise the limit",
        ],
    );
}

#[test]
fn raising_max_invalid_rows_percent_lets_the_same_export_plan() {
    // The override the message names works, and the bad row's person is still not touched.
    let sim = Sim::start(base_seed());
    let config = format!(
        "{}\n[safety]\nmax_invalid_rows_percent = 10\n",
        safety_config()
    );
    let ws = Workspace::new(&config, &hr_fixture("too_many_invalid.csv"));
    let r = plan(&sim, &ws, &["--format", "json"]);
    r.expect_code(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["summary"]["create"], json!(9), "{v}");
    let ids: Vec<&str> = v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["employee_id"].as_str().unwrap())
        .collect();
    assert!(
        !ids.contains(&"4006"),
        "the invalid row is skipped: {ids:?}"
    );
    assert_eq!(v["skipped"][0]["hr_line"], json!(8), "{v}");
    assert_eq!(sim.handle.write_count(), 0);
}

#[test]
fn a_legitimate_multiline_field_still_plans() {
    let sim = Sim::start(base_seed());
    let ws = Workspace::new(&safety_config(), &hr_fixture("multiline_ok.csv"));
    let r = plan(&sim, &ws, &["--detailed-exitcode"]);
    r.expect_code(2).expect_stdout(&[
        "user ada@example.com (employee 1001) will be created",
        "user grace@example.com (employee 1002) will be created",
        "user katherine@example.com (employee 1004) will be created",
    ]);
    assert!(!r.stdout.contains("alan@example.com"), "1003 is a leaver");
    assert_eq!(sim.handle.write_count(), 0);
}

// ---- Damaged copies of the real exports ---------------------------------------------------

const KAGGLE: &str = "kaggle_employee_data_all_in_one.csv";

fn kaggle_unusable(bytes: &[u8], needles: &[&str]) {
    assert_unusable(&real_config("kaggle.toml"), bytes, needles);
}

#[test]
fn real_export_cut_short_mid_row_exits_65() {
    let Some(kaggle) = shared_hr_bytes(KAGGLE) else {
        return;
    };
    let cut = line_start(&kaggle, 1500) + 30;
    kaggle_unusable(
        &kaggle[..cut],
        &[
            "Error: HR export is damaged from line 1500",
            "the export looks cut short",
        ],
    );
}

#[test]
fn real_export_with_a_mapped_column_renamed_exits_65() {
    let Some(kaggle) = shared_hr_bytes(KAGGLE) else {
        return;
    };
    let text = String::from_utf8(kaggle)
        .unwrap()
        .replacen("ADEmail", "AD Email", 1);
    kaggle_unusable(
        text.as_bytes(),
        &[
            "Error: HR export has no column \"ADEmail\" (set by hr.columns.email)",
            "\"AD Email\"",
        ],
    );
}

#[test]
fn real_export_re_delimited_with_semicolons_exits_65() {
    let Some(kaggle) = shared_hr_bytes(KAGGLE) else {
        return;
    };
    // The Kaggle export quotes nothing and no field holds a comma.
    assert!(!kaggle.contains(&b'"') && !kaggle.contains(&b';'));
    let semi: Vec<u8> = kaggle
        .iter()
        .map(|b| if *b == b',' { b';' } else { *b })
        .collect();
    kaggle_unusable(
        &semi,
        &[
            "HR export header parsed as one column (\"EmpID;FirstName;",
            "set [hr] delimiter = \";\"",
        ],
    );
}

#[test]
fn real_export_re_encoded_as_windows_1252_exits_65() {
    // Workivate has accented names (the Kaggle export is pure ASCII, where re-encoding
    // changes nothing).
    let Some(bytes) = shared_hr_bytes("workivate_onboarding_full_import.csv") else {
        return;
    };
    let text = String::from_utf8(bytes).unwrap();
    let (cp1252, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    assert_unusable(
        &real_config("workivate.toml"),
        &cp1252,
        &[
            "HR export is not valid UTF-8 at line 4",
            "set [hr] encoding = \"windows-1252\"",
        ],
    );
}

#[test]
fn real_exports_with_a_stray_quote_exit_65() {
    let Some(kaggle) = shared_hr_bytes(KAGGLE) else {
        return;
    };
    // A quote at the start of the Title field of line 1000 is never closed.
    let damaged = stray_quote_in_fifth_field(&kaggle, 1000);
    kaggle_unusable(
        &damaged,
        &["Error: HR export is damaged from line 1000", "never closed"],
    );

    // HRDataset quotes every name: a stray quote before Position on line 10 is closed by
    // the next line's name quote, merging two rows into one record.
    let Some(hrd) = shared_hr_bytes("HRDataset_v14.csv") else {
        return;
    };
    let damaged = stray_quote_before(&hrd, 10, "Production Technician");
    assert_unusable(
        &real_config("hrdataset.toml"),
        &damaged,
        &[
            "Error: HR export is damaged from line 10",
            "column Position runs over 2 lines",
        ],
    );
}

// ---- A real export cut short at a row boundary ----------------------------------------------

/// The account of `samples/real/kaggle.toml`: its four rule teams and the sync bot.
fn kaggle_seed() -> hr2pagerduty::sim::Seed {
    hr2pagerduty::sim::Seed::from_json(
        &json!({
            "api_keys": [KEY],
            "teams": [
                {"id": "PTITOPS", "name": "IT Operations"},
                {"id": "PTSWENG", "name": "Software Engineering"},
                {"id": "PTPLANT", "name": "Plant Operations"},
                {"id": "PTSALES", "name": "Sales"}
            ],
            "users": [
                {"name": "Owner", "email": "owner@bilearner.com", "role": "owner"},
                {"name": "PagerDuty Sync", "email": "pagerduty-sync@bilearner.com", "role": "admin"}
            ]
        })
        .to_string(),
    )
    .unwrap()
}

#[test]
fn real_export_cut_at_a_row_boundary_is_refused_by_the_shrink_check() {
    let Some(kaggle) = shared_hr_bytes(KAGGLE) else {
        return;
    };
    let config = real_config("kaggle.toml");
    let ws = Workspace::new(&config, &kaggle);
    let sim = sim_in_sync(kaggle_seed(), &ws.config, &kaggle);
    assert!(sim.handle.users().len() > 2000);

    // The full export against its own workforce: nothing to do.
    plan(&sim, &ws, &["--detailed-exitcode"])
        .expect_code(0)
        .expect_stdout(&["No changes."]);

    // Keep the header and the first 1500 rows, ending on a line break: every row parses.
    let half = &kaggle[..line_start(&kaggle, 1502)];
    assert!(half.ends_with(b"\r\n"));
    ws.write_hr(half);
    let cfg = hr2pagerduty::config::Config::load(&ws.config).unwrap();
    let hr_active = hr2pagerduty::hr::read_bytes(half, &cfg)
        .unwrap()
        .employees
        .iter()
        .filter(|e| {
            // People on leave keep their account (kaggle.toml: on_leave = "keep").
            use hr2pagerduty::hr::Lifecycle::{Active, OnLeave};
            matches!(e.status, Active | OnLeave)
        })
        .count();
    let managed = sim.handle.users().len() - 2; // all but the owner and the bot
    let shrink = format!(
        "the export lists {hr_active} active employees, {:.1}% fewer than the {managed} active users hr2pagerduty manages, above [safety] max_shrink_percent = 10; is the export truncated? If the drop is real, raise max_shrink_percent",
        (managed - hr_active) as f64 * 100.0 / managed as f64
    );
    let p = plan(&sim, &ws, &[]);
    p.expect_code(3).expect_stderr(&[
        "Error: refused before any write:",
        &shrink,
        "exceed [safety] max_deactivations = 25",
    ]);
    let a = apply(&sim, &ws, &[]);
    a.expect_code(3);
    assert_eq!(p.error(), a.error(), "plan and apply refuse alike");

    // Allowing the deactivations does not silence the shrink check: it has no flag.
    let a = apply(&sim, &ws, &["--allow-deactivations", "100000"]);
    a.expect_code(3).expect_stderr(&[&shrink]);
    assert!(!a.error().contains("max_deactivations"), "{a:?}");
    assert_eq!(sim.handle.write_count(), 0);
}

// ---- Rows that fail validation protect their people ------------------------------------------

#[test]
fn a_person_whose_row_is_unreadable_is_never_deactivated() {
    // 100 people in sync; three rows break (3%, under the 5% limit): a bad email, an unknown
    // status, and no employee ID. None of the three is treated as a leaver.
    let people = workforce(1000, 100);
    let (ws, sim) = in_sync(base_seed(), &people);
    let text = String::from_utf8(csv(&people)).unwrap();
    let broken = text
        .replace("person1010@example.com", "person 1010@example.com")
        .replace(",Family1020,Active,", ",Family1020,On Sabbatical,")
        .replace("1030,person1030@", ",person1030@");
    ws.write_hr(broken.as_bytes());
    for r in [
        plan(&sim, &ws, &["--detailed-exitcode"]),
        apply(&sim, &ws, &[]),
    ] {
        r.expect_code(0).expect_stdout(&[
            "No changes.",
            "Skipped (7):",
            "line 12: email \"person 1010@example.com\" in column Email contains a space",
            "employee 1010: the HR row for this employee has a problem this run; not deactivated",
            "employee 1020: the HR row for this employee has a problem this run; not deactivated",
            "employee 1030: the HR row for this employee has a problem this run; not deactivated",
        ]);
    }
    assert_eq!(sim.handle.write_count(), 0);
}

#[test]
fn a_stray_quote_that_shifts_the_id_column_deactivates_nobody() {
    // The Title column comes before EmployeeID, and a stray quote at the start of Grace's
    // title splits "Rear Admiral, Retired" in two: her row has 11 cells, and the cell read as
    // her employee ID is " Retired\"". Her PagerDuty user must still not be a leaver.
    let damaged = hr_fixture("stray_quote_shifts_id.csv");
    let repaired = String::from_utf8(damaged.clone())
        .unwrap()
        .replace("\"\"Rear Admiral", "\"Rear Admiral");
    let ws = Workspace::new(&safety_config(), repaired.as_bytes());
    let sim = sim_in_sync(base_seed(), &ws.config, repaired.as_bytes());
    plan(&sim, &ws, &["--detailed-exitcode"]).expect_code(0);

    ws.write_hr(&damaged);
    let grace = sim.user("grace@example.com").id;
    for r in [
        plan(&sim, &ws, &["--detailed-exitcode"]),
        apply(&sim, &ws, &[]),
    ] {
        r.expect_code(0).expect_stdout(&[
            "No changes.",
            "line 3: the row has 11 fields; the header has 10",
            &format!("grace@example.com, {grace}, employee 1002: the HR row for this employee has a problem this run; not deactivated"),
        ]);
    }
    assert_eq!(sim.handle.write_count(), 0);
}

#[test]
fn real_export_with_a_stray_quote_before_the_id_column_deactivates_nobody() {
    // HRDataset puts the quoted "Last, First" name before EmpID: a doubled opening quote
    // splits the name and shifts every later cell of that row by one.
    let Some(hrd) = shared_hr_bytes("HRDataset_v14.csv") else {
        return;
    };
    let config = real_config("hrdataset.toml");
    let ws = Workspace::new(&config, &hrd);
    let seed = hr2pagerduty::sim::Seed::from_json(
        &json!({
            "api_keys": [KEY],
            "teams": [
                {"id": "PTITOPS", "name": "IT Operations"},
                {"id": "PTDBADM", "name": "Database Administration"},
                {"id": "PTSWENG", "name": "Software Engineering"},
                {"id": "PTPLANT", "name": "Plant Operations"},
                {"id": "PTSALES", "name": "Sales"}
            ],
            "users": [
                {"name": "Owner", "email": "owner@example.com", "role": "owner"},
                {"name": "PagerDuty Sync", "email": "pagerduty-sync@example.com", "role": "admin"}
            ]
        })
        .to_string(),
    )
    .unwrap();
    let sim = sim_in_sync(seed, &ws.config, &hrd);
    plan(&sim, &ws, &["--detailed-exitcode"]).expect_code(0);

    let text = String::from_utf8(hrd).unwrap();
    assert_eq!(text.matches("\"Galia, Lisa\",10273,").count(), 1);
    ws.write_hr(
        text.replacen("\"Galia, Lisa\",10273,", "\"\"Galia, Lisa\",10273,", 1)
            .as_bytes(),
    );
    for r in [
        plan(&sim, &ws, &["--detailed-exitcode"]),
        apply(&sim, &ws, &[]),
    ] {
        r.expect_code(0).expect_stdout(&[
            "No changes.",
            "employee 10273: the HR row for this employee has a problem this run; not deactivated",
        ]);
    }
    assert_eq!(sim.handle.write_count(), 0);
}

#[test]
fn a_marker_naming_a_huge_employee_id_is_invalid_and_quoted_at_a_bounded_length() {
    use crate::support::e2e::{KEY as DEMO_KEY, against, demo_seed, run};
    // A PagerDuty-side value hr2pagerduty never wrote: a marker naming an employee ID of
    // 3,000,000 digits (HR refuses IDs over 100 characters).
    let huge = "7".repeat(3_000_000);
    let mut seed = demo_seed();
    seed.users.push(hr2pagerduty::sim::SeedUser {
        name: "Hostile Marker".into(),
        email: "hostile@example.com".into(),
        description: Some(format!(
            "hr2pagerduty:v1 {}",
            json!({ "employee_id": huge })
        )),
        ..Default::default()
    });
    let sim = Sim::start(seed);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("plan.json");
    let p = run(
        against(&sim, DEMO_KEY),
        &[
            "plan",
            "--config",
            &repo("samples/demo/config.toml").display().to_string(),
            "--hr",
            &repo("samples/demo/hr.csv").display().to_string(),
            "--out",
            &saved.display().to_string(),
        ],
    );
    assert!(p.code == 0 || p.code == 2, "{p:?}");
    let text = format!("{}\n{}", p.stdout, p.stderr);
    let longest = text.lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 1000, "a line of {longest} characters");
    assert!(
        text.contains("ownership marker ignored: marker's employee_id \"7777")
            && text.contains("(3000000 characters) is longer than 100 characters"),
        "{p:?}"
    );
    // The user is not taken for a leaver whose marker must be rewritten (which would copy
    // the ID into the plan twice): it is matched by email only, and since no HR row has its
    // email while it holds a role, it is a skip that needs a person (it may be a leaver
    // hiding behind an edited marker), naming no employee.
    assert!(
        !text
            .lines()
            .any(|l| l.contains("hostile@example.com") && l.contains("will be deactivated")),
        "{p:?}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("  ! hostile@example.com")
                && l.contains("names no employee that can be read")),
        "{p:?}"
    );
    let size = std::fs::metadata(&saved).unwrap().len();
    assert!(size < 100_000, "the saved plan is {size} bytes");
}
