//! Dated changes and leave, end to end: the real binary plans and applies against the
//! simulator day after day with `--as-of`, so that a future hire, a scheduled termination,
//! a past termination date and a leave of absence each come due, are applied once, and
//! leave a second plan saying `No changes.` (README § Dated changes and leave). The
//! workivate export, which marks leavers only by a termination date, is checked the same
//! way with `samples/real/workivate.toml` (skipped when `../shared` is absent).

use crate::support::e2e::marker_of;
use crate::support::safety::{
    Workspace, args, base_seed, in_sync_users_as_of, real_config, run, safety_config,
};
use crate::support::{Run, Sim, shared_hr_bytes};
use chrono::NaiveDate;
use hr2pagerduty::config::Config;
use hr2pagerduty::hr;
use serde_json::json;

const HEADER: &str = "EmployeeID,Email,FirstName,LastName,Status,Department,Title,TimeZone,HireDate,TerminationDate,Notes";

/// The safety fixtures' configuration with the termination date mapped, `Future Start`
/// pending, `Leave` a leave of absence, hires provisioned 5 days ahead and leave suspended.
fn config() -> String {
    let text = safety_config();
    let mut out = text.clone();
    for (from, to) in [
        (
            "hire_date = \"HireDate\"\n",
            "hire_date = \"HireDate\"\ntermination_date = \"TerminationDate\"\n",
        ),
        (
            "terminated = [\"Terminated\"]\n",
            "terminated = [\"Terminated\"]\npending = [\"Future Start\"]\nleave = [\"Leave\"]\n",
        ),
        (
            "default_time_zone = \"Etc/UTC\"\n",
            "default_time_zone = \"Etc/UTC\"\nprovision_days_before_start = 5\non_leave = \"suspend\"\n",
        ),
    ] {
        assert_eq!(out.matches(from).count(), 1, "{from:?}");
        out = out.replacen(from, to, 1);
    }
    out
}

/// One row: `id`, status, hire date, termination date.
fn row(id: u32, status: &str, hired: &str, left: &str) -> String {
    format!(
        "{id},person{id}@example.com,Given{id},Family{id},{status},Support,Agent,Etc/UTC,{hired},{left},\n"
    )
}

fn export(rows: &[String]) -> Vec<u8> {
    format!("{HEADER}\n{}", rows.concat()).into_bytes()
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

/// The day a run really happens in the tests' `default_time_zone` (`Etc/UTC`): what a
/// suspension records as `suspended.on`, whatever `--as-of` says.
fn run_day() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A simulator holding the base seed plus the users an account in sync with `hr` as of
/// `as_of` has, with every leave kept (so the leaves still have their active user).
fn sim_in_sync_as_of(config: &str, hr: &[u8], as_of: NaiveDate) -> Sim {
    let kept = config.replace("on_leave = \"suspend\"", "on_leave = \"keep\"");
    let cfg = Config::from_toml(&kept, std::path::Path::new("kept.toml")).unwrap();
    let roster = hr::read_bytes(hr, &cfg).unwrap();
    let mut seed = base_seed();
    let users = in_sync_users_as_of(&cfg, &roster, &seed, as_of);
    seed.users.extend(users);
    Sim::start(seed)
}

/// `COMMAND --as-of DAY` with the workspace's inputs and `extra`.
fn on(sim: &Sim, ws: &Workspace, command: &str, as_of: NaiveDate, extra: &[&str]) -> Run {
    let mut a = args(&[command]);
    if command == "apply" {
        a.push("--yes".into());
    }
    a.extend(ws.inputs());
    a.extend(["--as-of".to_string(), as_of.to_string()]);
    a.extend(args(extra));
    run(sim, &a)
}

fn suspension(sim: &Sim, id: u32) -> Option<hr2pagerduty::marker::Suspension> {
    marker_of(
        sim.user(&format!("person{id}@example.com"))
            .description
            .as_deref(),
    )
    .suspended
}

#[test]
fn each_dated_change_comes_due_on_its_day_is_applied_once_and_then_there_are_no_changes() {
    let config = config();
    let rows = vec![
        row(1, "Active", "2020-01-01", ""),
        // A scheduled termination: HR leaves the status at Active.
        row(2, "Active", "2020-01-01", "2026-06-10"),
        // A future hire, created 5 days before the start.
        row(3, "Active", "2026-06-20", ""),
        // On leave, suspended by on_leave = "suspend".
        row(4, "Leave", "2020-01-01", ""),
        // A stale exit date on an active row: a conflict the status decides.
        row(5, "Active", "2020-01-01", "2026-01-01"),
    ];
    let hr = export(&rows);
    let ws = Workspace::new(&config, &hr);
    let sim = sim_in_sync_as_of(&config, &hr, day(6, 1));
    assert_eq!(
        sim.handle.users().len(),
        2 + 4,
        "owner, bot and persons 1, 2, 4, 5"
    );

    // validate --as-of: the lifecycle counts of that day, pending and on leave included.
    let v = on(&sim, &ws, "validate", day(6, 1), &[]);
    v.expect_code(0).expect_stdout(&[
        "  valid: 5 (3 active, 1 on leave, 0 terminated, 1 pending)\n",
        "  dates as of 2026-06-01: 1 termination scheduled, 1 past termination date on active rows\n",
    ]);

    // June 1st: the leave is suspended; the rest is pending or a conflict.
    let p = on(
        &sim,
        &ws,
        "plan",
        day(6, 1),
        &["--format", "json", "--detailed-exitcode"],
    );
    p.expect_code(2);
    let j = p.json();
    let actions = j["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{j:#}");
    assert_eq!(actions[0]["action"], "deactivate");
    assert_eq!(actions[0]["employee_id"], "4");
    assert_eq!(
        actions[0]["reason"],
        "leave of absence: status \"Leave\" in HR; [lifecycle] on_leave = \"suspend\""
    );
    assert_eq!(
        j["pending"],
        json!([
            {"employee_id": "2", "email": "person2@example.com", "action": "deactivate", "on": "2026-06-10"},
            {"employee_id": "3", "email": "person3@example.com", "action": "create", "on": "2026-06-15"}
        ])
    );
    assert_eq!(
        j["conflicts"],
        json!([{
            "employee_id": "5", "email": "person5@example.com", "hr_line": 6, "status": "Active",
            "termination_date": "2026-01-01", "decided_by": "status",
            "fix": "if the employee has left, mark the row terminated in HR; if not, clear or correct its stale termination date; [lifecycle] past_termination_date = \"date\" makes such dates decide for every row (plan --as-of 2026-01-01 previews that day for the whole export, not this row alone)"
        }])
    );
    assert_eq!(
        (&j["summary"]["pending"], &j["summary"]["conflicts"]),
        (&json!(2), &json!(1))
    );
    assert_eq!(sim.handle.write_count(), 0, "plan wrote");
    on(&sim, &ws, "apply", day(6, 1), &[]).expect_code(0);
    let s = suspension(&sim, 4).expect("person 4 suspended");
    assert!(s.leave && s.on == run_day(), "{s:?}");
    let again = on(&sim, &ws, "plan", day(6, 1), &["--detailed-exitcode"]);
    again.expect_code(0).expect_stdout(&[
        "No changes.",
        "Pending (2):\n  - person2@example.com (",
        ") will be deactivated on 2026-06-10 (termination date)\n  - person3@example.com (employee 3) will be created on 2026-06-15 (hire date 2026-06-20)\n",
        "Date conflicts (1):\n  - person5@example.com (employee 5, line 6): termination date 2026-01-01 has passed but status \"Active\" does not say terminated; the status decides: kept active",
    ]);

    // June 10th: the scheduled termination comes due, the status still Active.
    let p = on(&sim, &ws, "plan", day(6, 10), &["--detailed-exitcode"]);
    p.expect_code(2).expect_stdout(&[
        "scheduled termination: termination date 2026-06-10 is today",
        "Plan: 0 to create, 0 to update, 1 to deactivate, 0 to reactivate.",
    ]);
    on(&sim, &ws, "apply", day(6, 10), &[]).expect_code(0);
    let s = suspension(&sim, 2).expect("person 2 suspended");
    assert_eq!((s.on, s.termination_date), (run_day(), Some(day(6, 10))));
    // The day after, the date has passed: the termination stays applied (no
    // reactivation, no conflict); the future hire is still pending.
    let writes = sim.handle.write_count();
    let p = on(
        &sim,
        &ws,
        "plan",
        day(6, 11),
        &["--format", "json", "--detailed-exitcode"],
    );
    p.expect_code(0);
    let j = p.json();
    assert_eq!(j["actions"], json!([]));
    assert_eq!(j["pending"].as_array().unwrap().len(), 1, "{j:#}");
    assert_eq!(j["summary"]["conflicts"], 1, "only person 5's stale date");
    // June 15th: the future hire's provisioning window opens.
    let p = on(&sim, &ws, "plan", day(6, 15), &["--detailed-exitcode"]);
    p.expect_code(2).expect_stdout(&[
        "user person3@example.com (employee 3) will be created",
        "Plan: 1 to create, 0 to update, 0 to deactivate, 0 to reactivate.",
    ]);
    on(&sim, &ws, "apply", day(6, 15), &[]).expect_code(0);
    assert!(sim.handle.user_by_email("person3@example.com").is_some());
    let again = on(
        &sim,
        &ws,
        "plan",
        day(6, 16),
        &["--format", "json", "--detailed-exitcode"],
    );
    again.expect_code(0);
    let j = again.json();
    assert_eq!(
        (&j["actions"], &j["pending"]),
        (&json!([]), &json!([])),
        "{j:#}"
    );
    assert!(sim.handle.write_count() > writes);

    // Back from leave: not reactivated by a run as of a day before the suspension really
    // happened (today), then reactivated as a rehire is, then nothing more.
    let mut back = rows.clone();
    back[3] = row(4, "Active", "2020-01-01", "");
    ws.write_hr(&export(&back));
    on(&sim, &ws, "plan", day(7, 1), &["--detailed-exitcode"])
        .expect_code(0)
        .expect_stdout(&[&format!(
            "was suspended on {}, after the as-of day 2026-07-01; not reactivated",
            run_day()
        )]);
    let p = on(&sim, &ws, "plan", run_day(), &["--detailed-exitcode"]);
    p.expect_code(2).expect_stdout(&[&format!(
        "return from leave: status \"Active\" in HR; restores what the suspension of {} recorded",
        run_day()
    )]);
    on(&sim, &ws, "apply", run_day(), &[]).expect_code(0);
    assert!(suspension(&sim, 4).is_none());
    on(&sim, &ws, "plan", run_day(), &["--detailed-exitcode"])
        .expect_code(0)
        .expect_stdout(&["No changes."]);
}

/// The kaggle nights (r7h s25): an active row whose exit date has passed the catch-up days
/// is created as of a later night; the missed earlier night, applied afterwards, finds the
/// same date still due, and must not offboard the user the later night created and invited.
#[test]
fn a_missed_night_applied_late_does_not_offboard_a_user_a_later_night_created() {
    let config = config();
    // Exit date 1 June: as of 5 July it is 34 days old (a conflict the status decides:
    // employed), as of 20 June 19 days old (a termination still due).
    let hr = export(&[row(1, "Active", "2020-01-01", "2026-06-01")]);
    let ws = Workspace::new(&config, &hr);
    let sim = Sim::start(base_seed());
    // The night of 5 July, from a saved plan: created, its marker recording that day.
    let saved = ws.path("saved.json");
    on(
        &sim,
        &ws,
        "plan",
        day(7, 5),
        &["--out", saved.to_str().unwrap()],
    )
    .expect_code(0);
    let mut a = args(&["apply", "--yes", "--config"]);
    a.push(ws.config.display().to_string());
    a.extend(args(&["--plan", saved.to_str().unwrap()]));
    run(&sim, &a).expect_code(0);
    let created = sim.user("person1@example.com");
    assert_eq!(
        marker_of(created.description.as_deref()).created,
        Some(day(7, 5)),
        "{created:?}"
    );
    // The night of 20 June, applied now: no deactivation, and the plan says why.
    let writes = sim.handle.write_count();
    let note = format!(
        "termination date 2026-06-01 is due as of 2026-06-20, but PagerDuty user {} was created by a run as of 2026-07-05, after the as-of day 2026-06-20; not deactivated",
        created.id
    );
    on(&sim, &ws, "plan", day(6, 20), &["--detailed-exitcode"])
        .expect_code(0)
        .expect_stdout(&["No changes.", &note]);
    on(&sim, &ws, "apply", day(6, 20), &[]).expect_code(0);
    assert_eq!(sim.handle.write_count(), writes, "the replay wrote");
    assert_eq!(sim.user("person1@example.com").role, created.role);
    // The later night again: nothing to do.
    on(&sim, &ws, "plan", day(7, 5), &["--detailed-exitcode"])
        .expect_code(0)
        .expect_stdout(&["No changes."]);
    // A status that says terminated offboards it on that earlier night all the same.
    ws.write_hr(&export(&[row(1, "Terminated", "2020-01-01", "2026-06-01")]));
    on(&sim, &ws, "apply", day(6, 20), &[]).expect_code(0);
    assert!(suspension(&sim, 1).is_some());
}

/// r7h s8: a plan saved as of an earlier day and applied now lists its pending changes as
/// of its own day, whose dates may have passed and which it does not make.
#[test]
fn a_saved_plan_applied_later_lists_its_pending_changes_as_of_its_day() {
    let config = config();
    let hr = export(&[
        row(1, "Active", "2020-01-01", ""),
        row(2, "Active", "2020-01-01", "2026-06-10"),
        row(3, "Active", "2026-06-20", ""),
    ]);
    let ws = Workspace::new(&config, &hr);
    let sim = sim_in_sync_as_of(&config, &hr, day(6, 1));
    let saved = ws.path("saved.json");
    on(
        &sim,
        &ws,
        "plan",
        day(6, 1),
        &["--out", saved.to_str().unwrap()],
    )
    .expect_code(0)
    .expect_stdout(&["\nPending (2):\n"]);
    let mut a = args(&["apply", "--yes", "--config"]);
    a.push(ws.config.display().to_string());
    a.extend(args(&["--plan", saved.to_str().unwrap()]));
    let r = run(&sim, &a);
    r.expect_code(0).expect_stdout(&[
        "\nPending as of 2026-06-01, the day the plan was made as of (2; this saved plan does not make them, whether or not their day has come; make a new plan to include those due):\n",
        "will be created on 2026-06-15 (hire date 2026-06-20)",
    ]);
    assert!(!r.stdout.contains("\nPending (2):"), "{}", r.stdout);
}

#[test]
fn as_of_is_a_date_and_a_saved_plan_keeps_the_day_it_was_made_as_of() {
    let config = config();
    let hr = export(&[
        row(1, "Active", "2020-01-01", ""),
        row(2, "Active", "2020-01-01", "2026-06-10"),
    ]);
    let ws = Workspace::new(&config, &hr);
    let sim = sim_in_sync_as_of(&config, &hr, day(6, 1));
    // Not a date: a usage error, before anything is read.
    for cmd in ["validate", "plan", "apply"] {
        let mut a = args(&[cmd, "--yes"]);
        if cmd != "apply" {
            a.pop();
        }
        a.extend(ws.inputs());
        a.extend(args(&["--as-of", "10/06/2026"]));
        let r = run(&sim, &a);
        r.expect_code(64).expect_stderr(&["--as-of"]);
    }
    // Dates chrono alone accepts: a two-digit year (read as the year 26), one-digit month and
    // day, and a year no export means. Each is refused, saying what is wanted.
    for (given, says) in [
        ("26-06-10", "YYYY-MM-DD"),
        ("2026-6-10", "YYYY-MM-DD"),
        ("0001-01-01", "before 1970"),
    ] {
        let mut a = args(&["plan"]);
        a.extend(ws.inputs());
        a.extend(args(&["--as-of", given]));
        run(&sim, &a).expect_code(64).expect_stderr(&[says]);
    }
    // plan --out as of the termination day: the hint repeats --as-of, the file records it.
    let saved = ws.path("saved.json");
    let p = on(
        &sim,
        &ws,
        "plan",
        day(6, 10),
        &["--out", saved.to_str().unwrap()],
    );
    p.expect_code(0)
        .expect_stderr(&["--as-of 2026-06-10 --yes"]);
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    assert_eq!(file["as_of"], "2026-06-10");
    // apply --plan with another --as-of is refused before any write.
    let mut a = args(&["apply", "--yes", "--config"]);
    a.push(ws.config.display().to_string());
    a.extend(args(&["--plan", saved.to_str().unwrap()]));
    let mut other = a.clone();
    other.extend(args(&["--as-of", "2026-06-11"]));
    run(&sim, &other).expect_code(3).expect_stderr(&[
        "the plan was made as of 2026-06-10, not 2026-06-11; make a new plan with --as-of 2026-06-11",
    ]);
    assert_eq!(sim.handle.write_count(), 0);
    // Without --as-of it is applied as saved (its suspension dated as the plan says), with
    // a note that the plan was made as of another day.
    let r = run(&sim, &a);
    r.expect_code(0)
        .expect_stderr(&["Note: the plan was made as of 2026-06-10"]);
    let s = suspension(&sim, 2).expect("suspended");
    assert_eq!((s.on, s.termination_date), (run_day(), Some(day(6, 10))));
}

#[test]
fn workivate_offboards_by_its_termination_dates() {
    let Some(real) = shared_hr_bytes("workivate_onboarding_full_import.csv") else {
        return;
    };
    // The vendor's example reuses employee ID e1 in companies c1 and c2 (SOURCES.md: unique
    // only per company), so both rows are refused as duplicates and protected. An export
    // from one company has unique IDs: give the c2 row its own, and every other byte stays
    // as published.
    let text = String::from_utf8(real.clone()).unwrap();
    let from = "c2,Company 2,e1,";
    assert_eq!(text.matches(from).count(), 1);
    let hr = text.replacen(from, "c2,Company 2,e9,", 1).into_bytes();
    let config = real_config("workivate.toml");
    let ws = Workspace::new(&config, &hr);
    let cfg = Config::load(&ws.config).unwrap();
    let roster = hr::read_bytes(&hr, &cfg).unwrap();
    let ids: Vec<&str> = roster
        .employees
        .iter()
        .map(|e| e.employee_id.as_str())
        .collect();
    assert_eq!(ids, ["e1", "e2", "e9"], "{:?}", roster.problems);
    // The account as it stood before Jane Doe (e1) left on 2019-12-01: everyone valid has
    // a user, made by the tool from the rows without their termination dates.
    let mut hired = roster.clone();
    for e in &mut hired.employees {
        e.termination_date = None;
    }
    let mut seed =
        hr2pagerduty::sim::Seed::from_file(&crate::support::repo("fixtures/safety/seed.json"))
            .unwrap();
    seed.users.retain(|u| u.email != "bot@example.com");
    seed.users.push(hr2pagerduty::sim::SeedUser {
        name: "Sync Bot".into(),
        email: cfg.pagerduty.from.to_string(),
        role: Some(hr2pagerduty::pagerduty::models::Role::Admin),
        ..Default::default()
    });
    seed.teams = ["Company 1", "Company 2"]
        .iter()
        .enumerate()
        .map(|(i, name)| hr2pagerduty::sim::SeedTeam {
            id: Some(format!("PCOMP0{}", i + 1)),
            name: name.to_string(),
            description: None,
            default_role: None,
        })
        .collect();
    let users = in_sync_users_as_of(&cfg, &hired, &seed, day(12, 1));
    assert_eq!(users.len(), 3);
    seed.users.extend(users);
    let sim = Sim::start(seed);

    // December 1st, 2026: e1's date has passed (no status column: the date decides), e9's
    // (2027-01-01) is a scheduled termination, e2 has none.
    let p = on(
        &sim,
        &ws,
        "plan",
        day(12, 1),
        &["--format", "json", "--detailed-exitcode"],
    );
    p.expect_code(2);
    let j = p.json();
    let acts: Vec<(&str, &str)> = j["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["employee_id"].as_str().unwrap(),
                a["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(acts, [("e1", "deactivate")], "{j:#}");
    assert_eq!(
        j["actions"][0]["reason"],
        "leaver: termination date 2019-12-01 has passed (no status column)"
    );
    assert_eq!(
        j["pending"],
        json!([{"employee_id": "e9", "email": "test3@example.hu", "action": "deactivate", "on": "2027-01-01"}])
    );
    assert_eq!(j["conflicts"], json!([]));
    on(&sim, &ws, "apply", day(12, 1), &[]).expect_code(0);
    let jane = sim.user("test1@example.com");
    let m = marker_of(jane.description.as_deref());
    assert_eq!(
        m.suspended.map(|s| s.termination_date),
        Some(NaiveDate::from_ymd_opt(2019, 12, 1))
    );
    assert_eq!(jane.role, cfg.lifecycle.suspended_role);
    on(&sim, &ws, "plan", day(12, 1), &["--detailed-exitcode"])
        .expect_code(0)
        .expect_stdout(&["No changes.", "will be deactivated on 2027-01-01"]);

    // John Doe (e2) is not touched.
    let john = sim.user("test.email2+xxxx1@example.com.anytld");
    assert!(marker_of(john.description.as_deref()).suspended.is_none());

    // January 1st, 2027: e9's termination comes due, and is applied once. While that day
    // is still ahead, apply refuses it (exit 64) and only the preview runs.
    let new_year = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    on(&sim, &ws, "plan", new_year, &["--detailed-exitcode"])
        .expect_code(2)
        .expect_stdout(&[
            "user test3@example.hu (",
            "scheduled termination: termination date 2027-01-01 is today",
        ]);
    if new_year > hr2pagerduty::pipeline::today(&cfg, None) {
        on(&sim, &ws, "apply", new_year, &[])
            .expect_code(64)
            .expect_stderr(&["--as-of 2027-01-01 is after today"]);
        return;
    }
    on(&sim, &ws, "apply", new_year, &[]).expect_code(0);
    assert!(
        marker_of(sim.user("test3@example.hu").description.as_deref())
            .suspended
            .is_some()
    );
    let next = NaiveDate::from_ymd_opt(2027, 1, 2).unwrap();
    let again = on(
        &sim,
        &ws,
        "plan",
        next,
        &["--format", "json", "--detailed-exitcode"],
    );
    again.expect_code(0);
    let j = again.json();
    assert_eq!(
        (&j["actions"], &j["pending"]),
        (&json!([]), &json!([])),
        "{j:#}"
    );
}

#[test]
fn a_bad_dated_setting_is_a_configuration_error_with_its_line() {
    let hr = export(&[row(1, "Active", "2020-01-01", "")]);
    let good = config();
    let line_of = |text: &str, key: &str| {
        text.lines()
            .position(|l| l.starts_with(key))
            .map(|i| i + 1)
            .unwrap()
    };
    for (from, to, message) in [
        (
            "on_leave = \"suspend\"",
            "on_leave = \"pause\"",
            "unknown variant `pause`, expected `keep` or `suspend`",
        ),
        (
            "provision_days_before_start = 5",
            "provision_days_before_start = 400",
            "`lifecycle.provision_days_before_start`: 400 is not a number of days from 0 to 365",
        ),
        (
            "default_time_zone = \"Etc/UTC\"\n",
            "default_time_zone = \"Etc/UTC\"\npast_termination_date = \"hr\"\n",
            "unknown variant `hr`, expected `status` or `date`",
        ),
        (
            "default_time_zone = \"Etc/UTC\"\n",
            "default_time_zone = \"Etc/UTC\"\ntermination_catch_up_days = 400\n",
            "`lifecycle.termination_catch_up_days`: 400 is not a number of days from 0 to 365",
        ),
    ] {
        let text = good.replacen(from, to, 1);
        let key = to.lines().last().unwrap().split(' ').next().unwrap();
        let line = line_of(&text, key);
        let ws = Workspace::new(&text, &hr);
        for cmd in ["validate", "plan"] {
            let mut a = args(&[cmd]);
            a.extend(ws.inputs());
            let r = crate::support::safety::run_at("http://127.0.0.1:9", &a);
            r.expect_code(78)
                .expect_stderr(&[message, &format!("line {line}")]);
        }
    }
}

/// The simulator of [`sim_in_sync_as_of`] as of June 1st for `hr`, person 2's user given
/// the ID `PLEAVE2`; with `duty`, an open incident is assigned to it (an on-call duty that
/// blocks its deactivation).
fn seed_with_duty(config: &str, hr: &[u8], duty: bool) -> hr2pagerduty::sim::Seed {
    let cfg = Config::from_toml(config, std::path::Path::new("c.toml")).unwrap();
    let roster = hr::read_bytes(hr, &cfg).unwrap();
    let mut seed = base_seed();
    let mut users = in_sync_users_as_of(&cfg, &roster, &seed, day(6, 1));
    let leaver = users
        .iter_mut()
        .find(|u| u.email == "person2@example.com")
        .unwrap();
    leaver.id = Some("PLEAVE2".into());
    seed.users.extend(users);
    if duty {
        seed.incidents = vec![
            serde_json::from_value(json!({
                "id": "Q0000000000007", "title": "Disk full", "status": "triggered",
                "created_at": "2026-06-01T08:00:00Z",
                "assignments": [{"assignee": {"id": "PLEAVE2", "type": "user_reference"}}]
            }))
            .unwrap(),
        ];
    }
    seed
}

/// The termination-pending stamp of person `id`'s marker.
fn stamp(sim: &Sim, id: u32) -> Option<NaiveDate> {
    marker_of(
        sim.user(&format!("person{id}@example.com"))
            .description
            .as_deref(),
    )
    .pending_termination
}

#[test]
fn a_termination_blocked_on_its_date_stays_due_until_the_duty_is_handed_over() {
    let config = config();
    let hr = export(&[
        row(1, "Active", "2020-01-01", ""),
        // A scheduled termination on June 10th; the status stays Active.
        row(2, "Active", "2020-01-01", "2026-06-10"),
    ]);
    let ws = Workspace::new(&config, &hr);
    let sim = Sim::start(seed_with_duty(&config, &hr, true));
    // June 10th (D): the leaver has an open incident; the deactivation is blocked and
    // apply exits 1. Its one write is the termination-pending stamp, a marker update that
    // offboards nothing (one PUT of the description, role and teams as they were).
    let p = on(&sim, &ws, "plan", day(6, 10), &["--format", "json"]);
    p.expect_code(0);
    let j = p.json();
    let actions = j["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 2, "{j:#}");
    assert_eq!(
        (&actions[0]["action"], &actions[0]["blocked"]),
        (&json!("update"), &json!(null)),
        "{j:#}"
    );
    let reason = actions[0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("termination pending: stamp the ownership marker with termination date 2026-06-10, whose deactivation is blocked"),
        "{reason}"
    );
    assert_eq!(actions[1]["action"], json!("deactivate"));
    assert!(actions[1]["blocked"].is_string(), "{j:#}");
    assert_eq!(
        (&j["summary"]["update"], &j["summary"]["blocked"]),
        (&json!(1), &json!(1)),
        "{j:#}"
    );
    on(&sim, &ws, "plan", day(6, 10), &[])
        .expect_code(0)
        .expect_stdout(&["termination pending: stamp the ownership marker"]);
    let role = sim.user("person2@example.com").role.clone();
    // Applied from a saved plan: the stamp is one of its actions like any other.
    let saved = ws.path("stamp.json");
    on(
        &sim,
        &ws,
        "plan",
        day(6, 10),
        &["--out", saved.to_str().unwrap()],
    )
    .expect_code(0);
    let mut a = args(&["apply", "--yes", "--config"]);
    a.push(ws.config.display().to_string());
    a.extend(args(&["--plan", saved.to_str().unwrap()]));
    run(&sim, &a).expect_code(1).expect_stdout(&["1 blocked."]);
    assert_eq!(stamp(&sim, 2), Some(day(6, 10)));
    assert!(suspension(&sim, 2).is_none());
    assert_eq!(sim.handle.write_count(), 1, "the stamp alone");
    assert_eq!(sim.user("person2@example.com").role, role);
    // Applied again: the stamp is the plan's own action done and the deactivation stays
    // blocked, so the plan is already applied (not "PagerDuty changed").
    let again = run(&sim, &a);
    again.expect_code(3).expect_stderr(&[
        "was already applied: PagerDuty already shows every one of its 2 actions done, but for 1 blocked on call, which is not attempted (rerun with --allow-oncall-gaps to attempt it)",
    ]);
    assert!(!again.stderr.contains("changed since"), "{}", again.stderr);
    assert_eq!(sim.handle.write_count(), 1, "nothing more written");
    // June 11th (D+1) and July 11th (D+31, beyond termination_catch_up_days = 30): still
    // due (the stamp names the row's date), still blocked, apply exits 1, no conflict and
    // no further write.
    for d in [day(6, 11), day(7, 11), day(9, 1)] {
        let p = on(&sim, &ws, "plan", d, &["--format", "json"]);
        p.expect_code(0);
        let j = p.json();
        let actions = j["actions"].as_array().unwrap();
        assert_eq!(actions.len(), 1, "{d}: {j:#}");
        assert_eq!(actions[0]["action"], json!("deactivate"), "{d}");
        assert!(actions[0]["blocked"].is_string(), "{d}: {j:#}");
        assert_eq!(
            (&j["conflicts"], &j["pending"]),
            (&json!([]), &json!([])),
            "{d}"
        );
        on(&sim, &ws, "apply", d, &[])
            .expect_code(1)
            .expect_stdout(&["1 blocked."]);
        assert_eq!(sim.handle.write_count(), 1, "{d}");
    }
    // The incident was handed over (the account as it is now, without it): on D+40 the
    // suspension goes ahead, records the date, replaces the stamp, and stays.
    let stamped = sim.user("person2@example.com").description.clone();
    drop(sim);
    let mut seed = seed_with_duty(&config, &hr, false);
    let leaver = seed
        .users
        .iter_mut()
        .find(|u| u.email == "person2@example.com")
        .unwrap();
    leaver.description = stamped;
    let sim = Sim::start(seed);
    on(&sim, &ws, "apply", day(7, 20), &[]).expect_code(0);
    let s = suspension(&sim, 2).expect("person 2 suspended");
    assert_eq!((s.on, s.termination_date), (run_day(), Some(day(6, 10))));
    assert_eq!(stamp(&sim, 2), None);
    for d in [day(7, 20), day(9, 30)] {
        on(&sim, &ws, "plan", d, &["--detailed-exitcode"])
            .expect_code(0)
            .expect_stdout(&["No changes."]);
    }
}

#[test]
fn apply_refuses_a_day_after_today_which_plan_and_validate_preview() {
    let config = config();
    let cfg = Config::from_toml(&config, std::path::Path::new("c.toml")).unwrap();
    let today = hr2pagerduty::pipeline::today(&cfg, None);
    let tomorrow = today.succ_opt().unwrap();
    // A termination dated tomorrow: due then, not now.
    let hr = export(&[
        row(1, "Active", "2020-01-01", ""),
        row(2, "Active", "2020-01-01", &tomorrow.to_string()),
    ]);
    let ws = Workspace::new(&config, &hr);
    let sim = sim_in_sync_as_of(&config, &hr, today);
    on(&sim, &ws, "validate", tomorrow, &[]).expect_code(0);
    on(&sim, &ws, "plan", tomorrow, &["--detailed-exitcode"])
        .expect_code(2)
        .expect_stdout(&["is today"]);
    let requests = sim.requests().len();
    on(&sim, &ws, "apply", tomorrow, &[])
        .expect_code(64)
        .expect_stderr(&[&format!(
            "--as-of {tomorrow} is after today ({today} in Etc/UTC): apply writes only what is due"
        )]);
    assert_eq!(sim.requests().len(), requests, "no request");
    // A plan saved as of tomorrow is refused the same way, with or without --as-of.
    let saved = ws.path("tomorrow.json");
    on(
        &sim,
        &ws,
        "plan",
        tomorrow,
        &["--out", saved.to_str().unwrap()],
    )
    .expect_code(0);
    let requests = sim.requests().len();
    let mut a = args(&["apply", "--yes", "--config"]);
    a.push(ws.config.display().to_string());
    a.extend(args(&["--plan", saved.to_str().unwrap()]));
    run(&sim, &a).expect_code(64).expect_stderr(&[&format!(
        "the saved plan's as-of day {tomorrow} is after today"
    )]);
    a.extend(args(&["--as-of", &tomorrow.to_string()]));
    run(&sim, &a).expect_code(64).expect_stderr(&[&format!(
        "the saved plan's as-of day {tomorrow} is after today"
    )]);
    assert_eq!(sim.requests().len(), requests, "no request");
    assert!(suspension(&sim, 2).is_none());
    // Today itself is applied (nothing is due yet).
    on(&sim, &ws, "apply", today, &[]).expect_code(0);
    assert_eq!(sim.handle.write_count(), 0);
}

/// The command `plan --out` prints, split into words (without the program name).
fn printed_command(plan: &Run) -> Vec<String> {
    plan.stderr
        .split_once("exactly these actions: ")
        .map(|(_, cmd)| cmd.split_whitespace().skip(1).map(String::from).collect())
        .unwrap_or_else(|| panic!("no command in\n{}", plan.stderr))
}

#[test]
fn a_plan_saved_for_a_later_day_says_from_which_day_its_printed_command_applies_it() {
    let config = config();
    let cfg = Config::from_toml(&config, std::path::Path::new("c.toml")).unwrap();
    let today = hr2pagerduty::pipeline::today(&cfg, None);
    let (yesterday, tomorrow) = (today.pred_opt().unwrap(), today.succ_opt().unwrap());
    // Person 2 leaves tomorrow, person 3 left yesterday (still due, within the catch-up).
    let hr = export(&[
        row(1, "Active", "2020-01-01", ""),
        row(2, "Active", "2020-01-01", &tomorrow.to_string()),
        row(3, "Active", "2020-01-01", &yesterday.to_string()),
    ]);
    let ws = Workspace::new(&config, &hr);
    let sim = sim_in_sync_as_of(&config, &hr, yesterday.pred_opt().unwrap());
    // Saved as of tomorrow: the message says the command works only from that day on, and
    // the command, run today, is refused with the same words (exit 64, no request).
    let later = ws.path("tomorrow.json");
    let out = on(
        &sim,
        &ws,
        "plan",
        tomorrow,
        &["--out", later.to_str().unwrap()],
    );
    out.expect_code(0).expect_stderr(&[&format!(
        "made as of {tomorrow}, after today ({today}): apply refuses it before {tomorrow} (exit 64). On or after {tomorrow}, to apply exactly these actions: hr2pagerduty apply "
    )]);
    let words = printed_command(&out);
    assert!(
        words.ends_with(&args(&["--as-of", &tomorrow.to_string(), "--yes"])),
        "{words:?}"
    );
    let requests = sim.requests().len();
    run(&sim, &words).expect_code(64).expect_stderr(&[&format!(
        "the saved plan's as-of day {tomorrow} is after today ({today} in Etc/UTC): apply writes only what is due, so that no dated change is applied early; apply this plan on or after {tomorrow}"
    )]);
    assert_eq!(sim.requests().len(), requests, "no request");
    // Once its day has come (here: a plan saved as of yesterday, applied today), the printed
    // command applies it: exactly its deactivation, not the termination due tomorrow.
    let earlier = ws.path("yesterday.json");
    let out = on(
        &sim,
        &ws,
        "plan",
        yesterday,
        &["--out", earlier.to_str().unwrap()],
    );
    out.expect_code(0)
        .expect_stderr(&["Saved the plan to ", ". To apply exactly these actions: "]);
    assert!(!out.stderr.contains("after today"), "{}", out.stderr);
    run(&sim, &printed_command(&out)).expect_code(0);
    assert_eq!(
        suspension(&sim, 3).map(|s| s.termination_date),
        Some(Some(yesterday))
    );
    assert!(suspension(&sim, 2).is_none());
}

#[test]
fn a_leaver_deleted_on_its_termination_date_is_not_re_created_the_days_after() {
    let config = config().replacen(
        "on_leave = \"suspend\"\n",
        "on_leave = \"suspend\"\ndeactivate = \"delete\"\narchive = \"archive.jsonl\"\n",
        1,
    );
    let hr = export(&[
        row(1, "Active", "2020-01-01", ""),
        row(2, "Active", "2020-01-01", "2026-06-10"),
    ]);
    let ws = Workspace::new(&config, &hr);
    let sim = sim_in_sync_as_of(&config, &hr, day(6, 1));
    // June 10th: the scheduled termination is a deletion; the archive records the date.
    on(&sim, &ws, "apply", day(6, 10), &[]).expect_code(0);
    assert!(sim.handle.user_by_email("person2@example.com").is_none());
    let archive = std::fs::read_to_string(ws.path("archive.jsonl")).unwrap();
    let record: serde_json::Value = serde_json::from_str(archive.lines().last().unwrap()).unwrap();
    assert_eq!(record["termination_date"], "2026-06-10");
    // The day after and long after the catch-up days, the row still Active with its date:
    // no re-create from the archive (no rehire), no conflict.
    for d in [day(6, 11), day(7, 30), day(11, 30)] {
        let p = on(
            &sim,
            &ws,
            "plan",
            d,
            &["--format", "json", "--detailed-exitcode"],
        );
        p.expect_code(0);
        let j = p.json();
        assert_eq!(
            (&j["actions"], &j["conflicts"]),
            (&json!([]), &json!([])),
            "{d}: {j:#}"
        );
        on(&sim, &ws, "apply", d, &[]).expect_code(0);
        assert!(
            sim.handle.user_by_email("person2@example.com").is_none(),
            "{d}"
        );
    }
    // HR removes the date (a rehire): re-created from the archive, by a run as of the day
    // the deletion really happened (an earlier as-of day does not undo it).
    ws.write_hr(&export(&[
        row(1, "Active", "2020-01-01", ""),
        row(2, "Active", "2020-01-01", ""),
    ]));
    on(&sim, &ws, "plan", run_day(), &["--detailed-exitcode"])
        .expect_code(2)
        .expect_stdout(&["will be re-created from the archive of deleted user"]);
}

#[test]
fn a_future_start_past_its_hire_date_or_without_one_is_reported_not_dropped() {
    let config = config();
    let hr = export(&[
        row(1, "Active", "2020-01-01", ""),
        // Past its hire date on June 5th, still "Future Start": HR has not caught up.
        row(6, "Future Start", "2026-05-01", ""),
        // No hire date at all.
        row(7, "Future Start", "", ""),
        // Created inside its window (5 days ahead), then its hire date passes.
        row(8, "Future Start", "2026-06-03", ""),
    ]);
    let ws = Workspace::new(&config, &hr);
    let sim = sim_in_sync_as_of(&config, &hr, day(6, 1));
    let eight = sim.user("person8@example.com").id.to_string();
    let out = on(&sim, &ws, "plan", day(6, 5), &["--detailed-exitcode"]);
    out.expect_code(0).expect_stdout(&[
        "No changes.",
        "Start date conflicts (3):",
        "person6@example.com (employee 6, line 3): hire date 2026-05-01 has passed but status \"Future Start\" still says a future start; the status decides: not provisioned until HR catches up",
        "person7@example.com (employee 7, line 4): status \"Future Start\" says a future start but the row has no hire date; the status decides: not provisioned",
        &format!("person8@example.com (employee 8, line 5): hire date 2026-06-03 has passed but status \"Future Start\" still says a future start; the status decides: PagerDuty user {eight} is left as it is"),
    ]);
    let j = on(&sim, &ws, "plan", day(6, 5), &["--format", "json"]).json();
    let lines: Vec<_> = j["start_conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["hr_line"].clone(),
                c["hire_date"].clone(),
                c["pagerduty_user_id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (json!(3), json!("2026-05-01"), json!(null)),
            (json!(4), json!(null), json!(null)),
            (json!(5), json!("2026-06-03"), json!(eight)),
        ],
        "{j:#}"
    );
    assert_eq!(j["summary"]["start_conflicts"], 3);
    assert!(sim.handle.user_by_email("person6@example.com").is_none());
    on(&sim, &ws, "validate", day(6, 5), &[])
        .expect_code(0)
        .expect_stdout(&[
            "of the pending, 3 future starts whose hire date has passed or is missing",
        ]);
    // Inside person 8's window nothing is in conflict but the two others.
    on(&sim, &ws, "plan", day(6, 2), &[])
        .expect_code(0)
        .expect_stdout(&["Start date conflicts (2):"]);
}

#[test]
fn a_blocked_dated_termination_giving_its_id_up_is_rekeyed_and_stamped_and_the_chain_proceeds() {
    // Person i carried employee i; HR shifts every ID by one. Person 2 (2 → 3) is a dated
    // termination (status Active, date passed) on an escalation policy of no team of
    // theirs: the deactivation is blocked (review e3b).
    let config = config();
    let line = |p: u32, id: u32, left: &str| {
        format!(
            "{id},person{p}@example.com,Given{p},Family{p},Active,Support,Agent,Etc/UTC,2020-01-01,{left},\n"
        )
    };
    let old = export(&[line(1, 1, ""), line(2, 2, ""), line(3, 3, "")]);
    let cfg = Config::from_toml(&config, std::path::Path::new("c.toml")).unwrap();
    let roster = hr::read_bytes(&old, &cfg).unwrap();
    let mut seed = base_seed();
    let mut users = in_sync_users_as_of(&cfg, &roster, &seed, day(6, 1));
    let giver = users
        .iter_mut()
        .find(|u| u.email == "person2@example.com")
        .unwrap();
    giver.id = Some("PGIVER1".into());
    seed.users.extend(users);
    seed.escalation_policies = serde_json::from_value(serde_json::json!([
        {"id": "PEPX001", "name": "Cross EP",
         "escalation_rules": [{"escalation_delay_in_minutes": 10,
           "targets": [{"id": "PGIVER1", "type": "user_reference"}]}]}
    ]))
    .unwrap();
    let sim = Sim::start(seed);
    let hr = export(&[line(1, 2, ""), line(2, 3, "2026-06-10"), line(3, 4, "")]);
    let ws = Workspace::new(&config, &hr);
    let rekey = ["--rekey-employee-ids"];
    on(&sim, &ws, "apply", day(6, 15), &rekey)
        .expect_code(1)
        .expect_stdout(&[
            "although the deactivation is blocked",
            "termination pending",
        ]);
    let marker = |p: u32| {
        marker_of(
            sim.user(&format!("person{p}@example.com"))
                .description
                .as_deref(),
        )
    };
    assert_eq!(
        marker(1).employee_id.as_ref().map(|i| i.as_str()),
        Some("2")
    );
    let bob = marker(2);
    assert_eq!(bob.employee_id.as_ref().map(|i| i.as_str()), Some("3"));
    assert_eq!(bob.pending_termination, Some(day(6, 10)));
    assert!(bob.suspended.is_none());
    assert_eq!(
        marker(3).employee_id.as_ref().map(|i| i.as_str()),
        Some("4")
    );
    // The next night, and long after the catch-up days: the same blocked deactivation.
    for today in [day(6, 16), day(8, 1)] {
        let next = on(
            &sim,
            &ws,
            "plan",
            today,
            &["--detailed-exitcode", "--rekey-employee-ids"],
        );
        next.expect_code(2)
            .expect_stdout(&["is blocked: it will not be deactivated", "0 to update"]);
    }
}
