//! End to end: what the binary prints and writes. The apply report (a `status` on every
//! run that gets past the command line, written atomically so that a killed run leaves the
//! previous report whole, and request rates of the apply itself), the per-action lines
//! after an apply, a closed or full stdout, the command printed after `plan --out`, and
//! the messages for a rejected or empty key.
//!
//! Inputs are the demo's (`samples/demo/config.toml`, `samples/demo/hr.csv`, the seed
//! `samples/demo/seed.json` with this suite's key) unless a test says otherwise.

use crate::support::e2e::*;
use crate::support::*;
use hr2pagerduty::sim::{Fault, FaultKind};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The names in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The summary of a report that applied nothing.
fn zero_summary() -> Value {
    json!({"created": 0, "updated": 0, "deactivated": 0, "reactivated": 0, "deleted": 0, "failed": 0, "not_started": 0, "interrupted": 0, "skipped": 0, "blocked": 0, "invitations": 0})
}

// ---------------------------------------------------------------------------------------
// The report's request counters and the per-action lines

#[test]
fn the_report_rates_the_apply_by_its_own_requests_and_time() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let run = run_args(
        against(&sim, KEY),
        &apply_args(&demo_config(), &demo_hr(), &report, &[]),
    );
    run.expect_code(0);
    let r = read_json(&report);
    assert_eq!(
        (&r["status"], &r["exit_code"]),
        (&json!("applied"), &json!(0))
    );
    let q = &r["requests"];
    // The totals cover the whole run: every request the simulator received.
    let total = q["requests_sent_total"]
        .as_u64()
        .expect("requests_sent_total");
    assert_eq!(total, sim.handle.requests().len() as u64, "{q:#}");
    // The apply's own requests are those of its actions (re-checks included), and the
    // listing that came before is not among them.
    let actions = r["actions"].as_array().unwrap();
    let attempts: u64 = actions
        .iter()
        .map(|a| a["attempts"].as_u64().unwrap())
        .sum();
    let apply_requests = q["apply_requests"].as_u64().expect("apply_requests");
    assert_eq!(apply_requests, attempts, "{r:#}");
    assert!(apply_requests < total, "{q:#}");
    let secs = q["apply_seconds"].as_f64().expect("apply_seconds");
    let rate = q["apply_requests_per_minute"]
        .as_f64()
        .expect("apply_requests_per_minute");
    assert!(secs > 0.0, "{q:#}");
    let want = apply_requests as f64 * 60.0 / secs;
    assert!((rate - want).abs() <= want * 1e-9, "{q:#}");
    assert!(q.get("requests_per_minute").is_none(), "{q:#}");

    // One line per action, in the manner of `terraform apply`, with the requests it took.
    for a in actions {
        let (sym, verb) = match a["action"].as_str().unwrap() {
            "create" => ("+", "created"),
            "update" => ("~", "updated"),
            "deactivate" => ("-", "deactivated"),
            "reactivate" => ("^", "reactivated"),
            other => panic!("action {other}"),
        };
        let n = a["attempts"].as_u64().unwrap();
        let line = format!(
            "\n  {sym} {verb} {} ({}, employee {}): {n} request{}\n",
            a["email"].as_str().unwrap(),
            a["pagerduty_user_id"].as_str().unwrap(),
            a["employee_id"].as_str().unwrap(),
            if n == 1 { "" } else { "s" }
        );
        assert!(run.stdout.contains(&line), "{line:?} in\n{}", run.stdout);
    }

    // Nothing left to apply: no apply requests, no rate, and a status that says so.
    let again = dir.path().join("again.json");
    run_args(
        against(&sim, KEY),
        &apply_args(&demo_config(), &demo_hr(), &again, &[]),
    )
    .expect_code(0);
    let r = read_json(&again);
    assert_eq!(
        (&r["status"], &r["exit_code"]),
        (&json!("no_changes"), &json!(0))
    );
    let q = &r["requests"];
    assert_eq!(q["apply_requests"], json!(0), "{q:#}");
    assert_eq!(q["apply_requests_per_minute"], json!(0.0), "{q:#}");
    assert!(q["requests_sent_total"].as_u64().unwrap() > 0, "{q:#}");
}

#[test]
fn a_failed_action_makes_the_report_status_failed() {
    let sim = Sim::start(demo_seed());
    sim.handle
        .inject(Fault::new("POST", "/users", FaultKind::status(400)));
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    run_args(
        against(&sim, KEY),
        &apply_args(&demo_config(), &demo_hr(), &report, &[]),
    )
    .expect_code(1);
    let r = read_json(&report);
    assert_eq!(
        (&r["status"], &r["exit_code"]),
        (&json!("failed"), &json!(1))
    );
    assert_eq!(r["summary"]["failed"], json!(1), "{r:#}");
    assert_eq!(entries(dir.path()), ["r.json"], "no temporary file is left");
}

// ---------------------------------------------------------------------------------------
// A report for every run that stops

#[test]
fn a_run_that_stops_replaces_the_report_with_one_saying_why() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let bad_config = dir.path().join("bad.toml");
    std::fs::write(&bad_config, "[pagerduty\n").unwrap();
    let empty_hr = dir.path().join("empty.csv");
    std::fs::write(&empty_hr, "").unwrap();
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let no_key = || {
        let mut c = hr2pd();
        c.env("PAGERDUTY_API_URL", sim.url());
        c
    };
    type Case<'a> = (
        &'a str,
        assert_cmd::Command,
        PathBuf,
        PathBuf,
        &'a [&'a str],
        i32,
        &'a str,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "config",
            against(&sim, KEY),
            bad_config.clone(),
            demo_hr(),
            &[],
            78,
            "config_invalid",
            "bad.toml",
        ),
        (
            "hr",
            against(&sim, KEY),
            demo_config(),
            empty_hr.clone(),
            &[],
            65,
            "hr_unusable",
            "no data rows",
        ),
        (
            "no key",
            no_key(),
            demo_config(),
            demo_hr(),
            &[],
            64,
            "usage_error",
            "PAGERDUTY_API_KEY",
        ),
        (
            "bad key",
            against(&sim, "wrong-key-1"),
            demo_config(),
            demo_hr(),
            &[],
            1,
            "failed",
            "401",
        ),
        (
            "refused",
            against(&sim, KEY),
            demo_config(),
            demo_hr(),
            &["--allow-deactivations", "1"],
            3,
            "refused",
            "deactivat",
        ),
    ];
    for (name, cmd, config, hr, extra, code, status, needle) in cases {
        let report = reports.join(format!("{}.json", name.replace(' ', "_")));
        std::fs::write(&report, r#"{"status":"applied","stale":true}"#).unwrap();
        let run = run_args(cmd, &apply_args(&config, &hr, &report, extra));
        run.expect_code(code);
        let r = read_json(&report);
        assert_eq!(r["format_version"], json!("1"), "{name}: {r:#}");
        assert_eq!(r["status"], json!(status), "{name}: {r:#}");
        assert_eq!(r["exit_code"], json!(code), "{name}: {r:#}");
        let error = r["error"].as_str().expect("error text");
        assert!(error.contains(needle), "{name}: {error}");
        // The error in the report is the one printed.
        assert!(run.stderr.contains(error), "{name}: {}", run.stderr);
        assert_eq!(r["summary"], zero_summary(), "{name}: {r:#}");
        assert_eq!(r["actions"], json!([]), "{name}: {r:#}");
        assert!(r.get("stale").is_none(), "{name}: {r:#}");
    }
    assert_eq!(sim.handle.write_count(), 0);
    let names: Vec<String> = ["bad_key", "config", "hr", "no_key", "refused"]
        .iter()
        .map(|n| format!("{n}.json"))
        .collect();
    assert_eq!(entries(&reports), names, "no temporary file is left");
}

#[test]
fn a_killed_apply_leaves_a_whole_report_saying_it_did_not_finish() {
    let sim = Sim::start(demo_seed());
    // Hold the first create, so the apply is under way when it is killed.
    sim.handle.inject(Fault::new(
        "POST",
        "/users",
        FaultKind::Delay { ms: 10_000 },
    ));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::copy(demo_config(), &config).unwrap();
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let report = reports.join("r.json");
    let previous = "{\"format_version\":\"1\",\"status\":\"no_changes\"}\n";
    std::fs::write(&report, previous).unwrap();
    let child = command_against(&sim, &apply_args(&config, &demo_hr(), &report, &[]))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    sim.kill_during_a_create(child);
    // Last night's report is gone: the one left says this run never finished, whole.
    let left: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap())
        .expect("the report left is whole JSON");
    assert_eq!(left["status"], "in_progress", "{left:#}");
    assert_eq!(left["exit_code"], Value::Null);
    assert_eq!(entries(&reports), ["r.json"]);
    assert_eq!(
        entries(dir.path()),
        ["config.toml", "reports"],
        "no lock file beside the configuration"
    );
}

// ---------------------------------------------------------------------------------------
// A closed or full stdout

/// Runs with stdout going to `stdout`; returns the exit code and stderr.
fn run_with_stdout(mut cmd: Command, stdout: Stdio) -> (i32, String) {
    let out = cmd
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A pipe whose reading end is already closed: every write to it fails (EPIPE), as with
/// `| head -1` once head has exited.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer.into()
}

#[test]
fn a_closed_stdout_neither_panics_nor_loses_the_report() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let (code, stderr) = run_with_stdout(
        command_against(&sim, &apply_args(&demo_config(), &demo_hr(), &report, &[])),
        closed_pipe(),
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(code, 0, "{stderr}");
    let r = read_json(&report);
    assert_eq!(r["status"], json!("applied"), "{r:#}");
    assert_eq!(r["summary"]["created"], json!(3), "{r:#}");

    // validate and plan keep their exit codes on a closed pipe (the reader went away);
    // on a full device the output is lost, so they fail instead of claiming success.
    let (c, h) = (demo_config(), demo_hr());
    let validate = inputs("validate", &c, &h);
    let mut plan = inputs("plan", &c, &h);
    plan.push("--detailed-exitcode".into());
    let mut plan_json = plan.clone();
    plan_json.extend(["--format".to_string(), "json".to_string()]);
    // The account now matches the export: plan exits 0; a changed export would exit 2.
    for (args, code) in [(&validate, 0), (&plan, 0), (&plan_json, 0)] {
        let mut stdouts = vec![("closed pipe", closed_pipe())];
        if let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
            stdouts.push(("/dev/full", full.into()));
        } else {
            eprintln!("skipped: /dev/full not present");
        }
        for (what, stdout) in stdouts {
            let (got, stderr) = run_with_stdout(command_against(&sim, args), stdout);
            assert!(!stderr.contains("panicked"), "{args:?} {what}: {stderr}");
            if what == "/dev/full" {
                assert_eq!(got, 1, "{args:?} {what}: {stderr}");
                assert!(stderr.contains("cannot write to stdout"), "{stderr}");
            } else {
                assert_eq!(got, code, "{args:?} {what}: {stderr}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The command printed after `plan --out`

#[test]
fn the_command_printed_after_plan_out_applies_the_saved_plan() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    // The demo plan deactivates two people; this configuration allows one.
    let config = dir.path().join("config.toml");
    let text = std::fs::read_to_string(demo_config()).unwrap() + "max_deactivations = 1\n";
    std::fs::write(&config, text).unwrap();
    let saved = dir.path().join("saved.json");
    let mut args = inputs("plan", &config, &demo_hr());
    args.extend(
        [
            "--out",
            saved.to_str().unwrap(),
            "--allow-deactivations",
            "2",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    let plan = run_args(against(&sim, KEY), &args);
    plan.expect_code(0);
    let prefix = "To apply exactly these actions: ";
    let line = plan
        .stderr
        .lines()
        .find_map(|l| l.split_once(prefix).map(|(_, cmd)| cmd.to_string()))
        .unwrap_or_else(|| panic!("no command in\n{}", plan.stderr));
    assert_eq!(
        line,
        format!(
            "hr2pagerduty apply --config {} --plan {} --allow-deactivations 2 --yes",
            config.display(),
            saved.display()
        )
    );
    // Without the override the saved plan is refused; the printed command applies it.
    let words: Vec<String> = line
        .split_whitespace()
        .skip(1)
        .map(str::to_string)
        .collect();
    let without: Vec<String> = words
        .iter()
        .filter(|w| *w != "--allow-deactivations" && *w != "2")
        .cloned()
        .collect();
    run_args(against(&sim, KEY), &without).expect_code(3);
    assert_eq!(sim.handle.write_count(), 0);
    let apply = run_args(against(&sim, KEY), &words);
    apply.expect_code(0);
    assert!(
        apply.stdout.contains("Apply complete! 3 created"),
        "{}",
        apply.stdout
    );
}

// ---------------------------------------------------------------------------------------
// Keys

#[test]
fn a_rejected_or_empty_key_says_what_to_check() {
    let sim = Sim::start(demo_seed());
    let (c, h) = (demo_config(), demo_hr());
    let run = run_args(against(&sim, "wrong-key-2"), &inputs("plan", &c, &h));
    run.expect_code(1);
    let want = format!(
        "Error: PagerDuty rejected the API key (401): check PAGERDUTY_API_KEY (and that it belongs to the account at {})",
        sim.url()
    );
    assert!(run.stderr.contains(&want), "{}", run.stderr);
    let run = run_args(against(&sim, ""), &inputs("plan", &c, &h));
    run.expect_code(64);
    assert!(
        run.stderr
            .contains("Error: PAGERDUTY_API_KEY is not set or is empty"),
        "{}",
        run.stderr
    );
    assert!(sim.handle.requests().iter().all(|r| r.status == 401));
}

#[test]
fn a_key_rejected_during_the_apply_says_what_to_check() {
    for (status, want) in [
        (
            401,
            "PagerDuty rejected the API key (401): check PAGERDUTY_API_KEY (and that it belongs to the account at ",
        ),
        (
            403,
            "PagerDuty refused a write (403): check that PAGERDUTY_API_KEY is a full-access key",
        ),
    ] {
        let sim = Sim::start(demo_seed());
        // Writes only: GET /users/me, read while planning, is not a write.
        for (method, path) in [
            ("POST", "/users"),
            ("PUT", "/users/*"),
            ("DELETE", "/users/*"),
            ("*", "/teams/*/users/*"),
        ] {
            sim.handle
                .inject(Fault::new(method, path, FaultKind::status(status)).always());
        }
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("r.json");
        let run = run_args(
            against(&sim, KEY),
            &apply_args(&demo_config(), &demo_hr(), &report, &[]),
        );
        run.expect_code(1);
        assert!(run.stderr.contains(want), "{status}: {}", run.stderr);
        assert_eq!(read_json(&report)["status"], json!("failed"));
    }
}
