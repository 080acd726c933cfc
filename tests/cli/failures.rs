//! End to end: the real binary against the simulator when things go wrong. Each test
//! asserts the exit code, the message, and what the simulator recorded (no write where
//! none may happen).
//!
//! Inputs are the demo's (`samples/demo/config.toml`, `samples/demo/hr.csv`, the seed
//! `samples/demo/seed.json` with this suite's key) unless a test says otherwise. The demo
//! plan has 9 actions: 3 creates (frances.allen, john.backus, margaret.hamilton), 3 updates
//! (barbara.liskov adoption, edsger.dijkstra email change, grace.hopper PGRACE1 job title),
//! 2 deactivations (alan.turing PALAN01, dennis.ritchie PDENN01) and 1 reactivation
//! (katherine.johnson PKATH01).

use crate::support::e2e::*;
use crate::support::*;
use hr2pagerduty::ids::TeamId;
use hr2pagerduty::pagerduty::models::{Role, TeamRole};
use hr2pagerduty::sim::{Fault, FaultKind, Seed, SeedUser};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::BufRead;
use std::path::Path;

fn apply_demo(sim: &Sim, report: &Path, extra: &[&str]) -> Run {
    let mut args = demo_args("apply", &["--yes", "--report"]);
    args.push(report.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    run_args(against(sim, KEY), &args)
}

/// The demo's plan is fully applied: the state checks that matter for each kind.
fn assert_demo_converged(sim: &Sim) {
    let plan = run_args(
        against(sim, KEY),
        &demo_args("plan", &["--detailed-exitcode"]),
    );
    plan.expect_code(0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    // One user per new hire (a retried POST never duplicates).
    let emails: Vec<String> = sim.handle.users().into_iter().map(|u| u.email).collect();
    for e in [
        "frances.allen@example.com",
        "john.backus@example.com",
        "margaret.hamilton@example.com",
    ] {
        assert_eq!(emails.iter().filter(|x| *x == e).count(), 1, "{e}");
    }
    let kath = sim.user("katherine.johnson@example.com");
    assert_eq!((kath.id.as_str(), &kath.role), ("PKATH01", &Role::User));
    assert_eq!(
        sim.memberships("PKATH01"),
        BTreeSet::from([
            (TeamId::new("PCHESS1"), TeamRole::Manager),
            (TeamId::new("PPRODN1"), TeamRole::Responder),
        ])
    );
    let alan = sim.user("alan.turing@example.com");
    assert_eq!(alan.role, Role::ReadOnlyLimitedUser);
    assert!(sim.memberships("PALAN01").is_empty());
}

// ---------------------------------------------------------------------------------------
// Incomplete listings

/// The demo seed plus 120 unmarked users, so that the user listing spans two pages of 100.
fn two_page_seed() -> Seed {
    let mut seed = demo_seed();
    for i in 0..120 {
        seed.users.push(SeedUser {
            id: None,
            name: format!("Filler {i:03}"),
            email: format!("filler{i:03}@fill.example.org"),
            role: Some(Role::LimitedUser),
            time_zone: None,
            job_title: None,
            description: None,
            color: None,
            teams: vec![],
            ..Default::default()
        });
    }
    seed
}

#[test]
fn incomplete_user_listing_refuses_before_any_write() {
    let cases = [
        // The first page claims to be the last while `total` says 130.
        (
            "end_early",
            Fault::new("GET", "/users", FaultKind::EndEarly),
        ),
        // The second page repeats the first page's users.
        (
            "repeat_page",
            Fault::new("GET", "/users", FaultKind::RepeatPage).skip(1),
        ),
        // The first page is empty but says there is more.
        (
            "empty_page",
            Fault::new("GET", "/users", FaultKind::EmptyPage),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, fault) in cases {
        let sim = Sim::start(two_page_seed());
        // apply reads one user (`GET /users?limit=1`, the account's name for the lock)
        // before it lists: the fault is for the listing, one matching request later.
        sim.handle.inject(past_the_account_read(&fault));
        let report = dir.path().join(format!("{name}.json"));
        let apply = apply_demo(&sim, &report, &[]);
        apply.expect_code(3);
        assert!(
            apply
                .stderr
                .contains("Error: refused before any write: the users listing is incomplete")
                && apply.stderr.contains("nothing was written"),
            "{name}: {}",
            apply.stderr
        );
        assert_eq!(sim.handle.write_count(), 0, "{name}: {:?}", sim.writes());
        assert_eq!(read_json(&report)["status"], "refused", "{name}");
        // Only GET requests were sent: the listing, nothing after it failed.
        assert!(
            sim.handle.requests().iter().all(|r| r.method == "GET"),
            "{name}"
        );

        // plan refuses the same way.
        sim.handle.inject(fault);
        let plan = run_args(against(&sim, KEY), &demo_args("plan", &[]));
        plan.expect_code(3);
        assert!(
            plan.stderr.contains("the users listing is incomplete"),
            "{name}: {}",
            plan.stderr
        );
        assert!(!plan.stdout.contains("Plan:"), "{name}: {}", plan.stdout);
        assert_eq!(sim.handle.write_count(), 0);
    }
}

#[test]
fn incomplete_team_listings_refuse_too() {
    for (path, names) in [
        ("/teams", "the teams listing is incomplete"),
        ("/teams/PITOPS1/members", "PITOPS1"),
    ] {
        let sim = Sim::start(demo_seed());
        sim.handle
            .inject(Fault::new("GET", path, FaultKind::EmptyPage));
        let run = run_args(against(&sim, KEY), &demo_args("apply", &["--yes"]));
        run.expect_code(3);
        assert!(
            run.stderr.contains("listing is incomplete") && run.stderr.contains(names),
            "{path}: {}",
            run.stderr
        );
        assert_eq!(sim.handle.write_count(), 0, "{path}");
    }
}

// ---------------------------------------------------------------------------------------
// Rate limits and server errors: retried, the run converges.

#[test]
fn rate_limited_writes_pause_and_converge() {
    let sim = Sim::start(demo_seed());
    sim.handle.inject(Fault::new(
        "POST",
        "/users",
        FaultKind::RateLimited { reset_seconds: 1 },
    ));
    sim.handle.inject(
        Fault::new(
            "PUT",
            "/users/*",
            FaultKind::RateLimited { reset_seconds: 1 },
        )
        .skip(1),
    );
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let started = std::time::Instant::now();
    let apply = apply_demo(&sim, &report, &[]);
    apply.expect_code(0);
    assert!(
        apply.stdout.contains(
            "Apply complete! 3 created, 3 updated, 2 deactivated, 1 reactivated, 0 failed, 2 skipped."
        ),
        "{}",
        apply.stdout
    );
    let r = read_json(&report);
    assert_eq!(
        r["requests"]["rate_limited_total"],
        json!(2),
        "{:#}",
        r["requests"]
    );
    // The pause honoured ratelimit-reset: a generous lower bound.
    assert!(
        r["requests"]["paused_seconds_total"].as_f64().unwrap() >= 0.5,
        "{:#}",
        r["requests"]
    );
    assert!(started.elapsed().as_secs_f64() >= 0.5);
    let statuses: Vec<(String, u16)> = sim
        .writes()
        .iter()
        .map(|w| (w.method.clone(), w.status))
        .collect();
    assert_eq!(
        statuses.iter().filter(|(_, s)| *s == 429).count(),
        2,
        "{statuses:?}"
    );
    assert_demo_converged(&sim);
}

#[test]
fn a_tiny_server_side_rate_limit_still_converges() {
    let sim = Sim::start(demo_seed());
    // 6 requests per second for the key, far below the configured 900/min: the client
    // follows the advertised ratelimit-limit (minus a burst of 1), so hardly any 429 comes.
    sim.handle.set_rate_limit(6, 1);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let apply = apply_demo(&sim, &report, &[]);
    apply.expect_code(0);
    let r = read_json(&report);
    assert_eq!(r["summary"]["failed"], json!(0), "{r:#}");
    assert_eq!(
        r["requests"]["ratelimit_limit"],
        json!(6),
        "{:#}",
        r["requests"]
    );
    let answered = sim.handle.requests().len();
    let refused = sim
        .handle
        .requests()
        .iter()
        .filter(|q| q.status == 429)
        .count();
    assert!(
        refused <= 3 && refused * 10 <= answered,
        "{refused} of {answered} answered 429: {:#}",
        r["requests"]
    );
    sim.handle.set_rate_limit(960, 60);
    assert_demo_converged(&sim);
}

#[test]
fn another_process_spending_the_same_key_fails_no_action() {
    // Issue 8: the key allows 60 requests per 2 s and another process spends two thirds of
    // them (1,200 a minute) while apply runs, so every window runs short. The client reads
    // ratelimit-remaining and steps aside before the window runs out: no action fails,
    // hardly any 429 comes.
    let sim = Sim::start(demo_seed());
    sim.handle.set_rate_limit(60, 2);
    let load = sim.competing_load(1_200);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let apply = apply_demo(&sim, &report, &[]);
    let spent = load.spent();
    let load_refused = load.refused();
    drop(load);
    apply.expect_code(0);
    let r = read_json(&report);
    assert_eq!(r["summary"]["failed"], json!(0), "{r:#}");
    assert!(
        spent >= 40,
        "the other process spent only {spent} (refused {load_refused})"
    );
    let refused = r["requests"]["rate_limited_total"].as_u64().unwrap();
    assert!(refused <= 3, "{:#}", r["requests"]);
    sim.handle.set_rate_limit(960, 60);
    assert_demo_converged(&sim);
}

#[test]
fn server_errors_on_writes_are_retried_and_converge() {
    let sim = Sim::start(demo_seed());
    sim.handle
        .inject(Fault::new("POST", "/users", FaultKind::status(503)));
    sim.handle
        .inject(Fault::new("PUT", "/users/*", FaultKind::status(502)).times(2));
    sim.handle.inject(Fault::new(
        "PUT",
        "/teams/*/users/*",
        FaultKind::status(500),
    ));
    sim.handle.inject(Fault::new(
        "DELETE",
        "/teams/*/users/*",
        FaultKind::status(504),
    ));
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let apply = apply_demo(&sim, &report, &[]);
    apply.expect_code(0);
    let r = read_json(&report);
    assert_eq!(r["summary"]["failed"], json!(0), "{r:#}");
    assert!(
        r["requests"]["retries_total"].as_u64().unwrap() >= 5,
        "{:#}",
        r["requests"]
    );
    let failed_answers = sim.writes().iter().filter(|w| w.status >= 500).count();
    assert_eq!(failed_answers, 5, "{:#?}", sim.writes());
    // Some action needed more requests than steps.
    let extra = r["actions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["attempts"].as_u64().unwrap() > a["steps_total"].as_u64().unwrap() + 1);
    assert!(extra, "{r:#}");
    assert_demo_converged(&sim);
}

// ---------------------------------------------------------------------------------------
// A failed action: reported, the rest applied, the next plan shows only it.

#[test]
fn a_permanently_refused_update_fails_alone() {
    let sim = Sim::start(demo_seed());
    sim.handle.inject(
        Fault::new(
            "PUT",
            "/users/PGRACE1",
            FaultKind::Status {
                status: 400,
                code: Some(2001),
                message: Some("Invalid Input Provided".into()),
                errors: vec!["Job title is locked by policy".into()],
            },
        )
        .always(),
    );
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let apply = apply_demo(&sim, &report, &[]);
    apply.expect_code(1);
    let grace_puts = sim
        .writes()
        .iter()
        .filter(|w| w.path == "/users/PGRACE1")
        .count();
    assert_eq!(grace_puts, 1, "a 400 is not retried");
    assert!(
        apply.stdout.contains(
            "Error: update of grace.hopper@example.com (PGRACE1) failed after 1 request: step 1/1: PUT /users/PGRACE1: HTTP 400"
        ) && apply.stdout.contains("Job title is locked by policy"),
        "{}",
        apply.stdout
    );
    assert!(
        apply.stdout.contains(
            "Apply finished with failures. 3 created, 2 updated, 2 deactivated, 1 reactivated, 1 failed, 2 skipped."
        ),
        "{}",
        apply.stdout
    );
    let r = read_json(&report);
    let actions = r["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 9);
    for a in actions {
        if a["email"] == "grace.hopper@example.com" {
            assert_eq!(a["outcome"], "failed", "{a:#}");
            assert_eq!(a["attempts"], json!(1));
            assert_eq!(a["steps_done"], json!(0));
            let err = a["error"].as_str().unwrap();
            assert!(
                err.contains("HTTP 400") && err.contains("Job title is locked by policy"),
                "{err}"
            );
        } else {
            assert_eq!(a["outcome"], "applied", "{a:#}");
            assert_eq!(a["error"], Value::Null);
        }
    }
    assert_eq!(r["summary"]["failed"], json!(1));
    // The others really happened.
    assert_eq!(
        sim.user("edsger.dijkstra@example.com").id,
        "PEDSG01",
        "the email change kept the ID"
    );
    assert!(
        sim.handle
            .user_by_email("frances.allen@example.com")
            .is_some()
    );
    assert_eq!(
        sim.user("alan.turing@example.com").role,
        Role::ReadOnlyLimitedUser
    );
    assert_eq!(sim.user("katherine.johnson@example.com").role, Role::User);
    assert_eq!(
        sim.user("grace.hopper@example.com").job_title.as_deref(),
        Some("Sr. Network Engineer")
    );

    // The next plan has exactly the failed action left.
    let plan = run_args(
        against(&sim, KEY),
        &demo_args("plan", &["--format", "json", "--detailed-exitcode"]),
    );
    plan.expect_code(2);
    let p = plan.json();
    let left: Vec<(String, String)> = p["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap().to_string(),
                a["email"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        left,
        [("update".to_string(), "grace.hopper@example.com".to_string())]
    );
    assert_eq!(
        p["actions"][0]["changes"],
        json!({"job_title": ["Sr. Network Engineer", "Network Architect"]})
    );
}

#[test]
fn a_refused_create_fails_alone() {
    let sim = Sim::start(demo_seed());
    // The second POST /users (whichever new hire it is) is refused for good.
    sim.handle.inject(
        Fault::new(
            "POST",
            "/users",
            FaultKind::Status {
                status: 400,
                code: Some(2001),
                message: Some("Invalid Input Provided".into()),
                errors: vec!["Email domain is not allowed".into()],
            },
        )
        .skip(1),
    );
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let apply = apply_demo(&sim, &report, &[]);
    apply.expect_code(1);
    let refused: Vec<String> = sim
        .writes()
        .iter()
        .filter(|w| w.method == "POST" && w.status == 400)
        .map(|w| {
            w.body.as_ref().unwrap()["user"]["email"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(refused.len(), 1, "{:#?}", sim.writes());
    let victim = &refused[0];
    assert!(sim.handle.user_by_email(victim).is_none());
    let r = read_json(&report);
    for a in r["actions"].as_array().unwrap() {
        if &a["email"] == victim {
            assert_eq!(
                (&a["action"], &a["outcome"], &a["attempts"]),
                (&json!("create"), &json!("failed"), &json!(1)),
                "{a:#}"
            );
            assert!(
                a["error"]
                    .as_str()
                    .unwrap()
                    .contains("Email domain is not allowed"),
                "{a:#}"
            );
            assert_eq!(a["pagerduty_user_id"], Value::Null);
        } else {
            assert_eq!(a["outcome"], "applied", "{a:#}");
        }
    }
    // The other two new hires exist; the next plan creates only the refused one.
    for e in [
        "frances.allen@example.com",
        "john.backus@example.com",
        "margaret.hamilton@example.com",
    ] {
        assert_eq!(sim.handle.user_by_email(e).is_some(), e != victim, "{e}");
    }
    let plan = run_args(
        against(&sim, KEY),
        &demo_args("plan", &["--format", "json"]),
    );
    plan.expect_code(0);
    let p = plan.json();
    let left: Vec<(&str, &str)> = p["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["action"].as_str().unwrap(), a["email"].as_str().unwrap()))
        .collect();
    assert_eq!(left, [("create", victim.as_str())]);
}

// ---------------------------------------------------------------------------------------
// Refusals before anything is written

#[test]
fn a_rejected_key_fails_and_writes_nothing() {
    let sim = Sim::start(demo_seed());
    for cmd in ["plan", "apply"] {
        let extra: &[&str] = if cmd == "apply" { &["--yes"] } else { &[] };
        let run = run_args(against(&sim, "wrong-key-0d9e8c7b"), &demo_args(cmd, extra));
        run.expect_code(1);
        assert!(
            run.stderr
                .contains("Error: PagerDuty rejected the API key (401): check PAGERDUTY_API_KEY")
                && run.stderr.contains("GET /users: HTTP 401")
                && run.stderr.contains("Authentication failed"),
            "{cmd}: {}",
            run.stderr
        );
        assert!(!run.stdout.contains("Plan:"), "{}", run.stdout);
    }
    assert_eq!(sim.handle.write_count(), 0);
    assert!(sim.handle.requests().iter().all(|r| r.status == 401));
}

#[test]
fn a_missing_key_is_a_usage_error_before_any_request() {
    let sim = Sim::start(demo_seed());
    for cmd in ["plan", "apply"] {
        let mut c = hr2pd();
        c.env("PAGERDUTY_API_URL", sim.url());
        let extra: &[&str] = if cmd == "apply" { &["--yes"] } else { &[] };
        let run = run_args(c, &demo_args(cmd, extra));
        run.expect_code(64);
        assert!(
            run.stderr.contains("PAGERDUTY_API_KEY is not set"),
            "{cmd}: {}",
            run.stderr
        );
        // An empty key is no key.
        run_args(against(&sim, "  "), &demo_args(cmd, extra)).expect_code(64);
    }
    assert!(sim.handle.requests().is_empty());
}

#[test]
fn apply_without_yes_and_without_a_terminal_sends_nothing() {
    let sim = Sim::start(demo_seed());
    // assert_cmd gives the child an empty, non-terminal stdin.
    let run = run_args(against(&sim, KEY), &demo_args("apply", &[]));
    run.expect_code(64);
    assert!(
        run.stderr
            .contains("apply needs --yes when stdin is not a terminal"),
        "{}",
        run.stderr
    );
    assert!(sim.handle.requests().is_empty());
}

#[test]
fn a_bad_config_is_refused_with_78() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(demo_config()).unwrap();
    let bad = text.replace(
        "suspended_role = \"read_only_limited_user\"",
        "suspended_role = \"superuser\"\nmystery_key = true",
    );
    assert_ne!(bad, text);
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, bad).unwrap();
    let hr = demo_hr();
    for cmd in ["validate", "plan", "apply"] {
        let mut args = inputs(cmd, &path, &hr);
        if cmd == "apply" {
            args.push("--yes".into());
        }
        let run = run_args(against(&sim, KEY), &args);
        run.expect_code(78);
        assert!(
            run.stderr.contains("bad.toml") && run.stderr.contains("mystery_key"),
            "{cmd}: {}",
            run.stderr
        );
    }
    assert!(sim.handle.requests().is_empty());
}

#[test]
fn an_unusable_hr_file_is_refused_with_65() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    // The header lacks ADEmail, which the config maps.
    let hr = dir.path().join("export.csv");
    std::fs::write(
        &hr,
        "EmpID,FirstName,LastName,Mail,Title,DepartmentType,EmployeeStatus\n\
         1001,Ada,Lovelace,ada@example.com,IT Manager - Infra,IT/IS,Active\n",
    )
    .unwrap();
    let cfg = demo_config();
    for cmd in ["validate", "plan", "apply"] {
        let mut args = inputs(cmd, &cfg, &hr);
        if cmd == "apply" {
            args.push("--yes".into());
        }
        let run = run_args(against(&sim, KEY), &args);
        run.expect_code(65);
        assert!(
            run.stderr
                .contains("HR export has no column \"ADEmail\" (set by hr.columns.email)"),
            "{cmd}: {}",
            run.stderr
        );
    }
    // A missing file is unusable too.
    let run = run_args(
        against(&sim, KEY),
        &inputs("plan", &cfg, &dir.path().join("absent.csv")),
    );
    run.expect_code(65);
    assert!(
        run.stderr.contains("cannot read HR export"),
        "{}",
        run.stderr
    );
    assert!(sim.handle.requests().is_empty());
}

#[test]
fn a_rule_naming_a_missing_team_is_refused_with_78_and_no_write() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(demo_config()).unwrap();
    text.push_str(
        "\n[[teams.rule]]\nwhen = { department = \"Sales\" }\nteam = \"Database Reliability\"\nrole = \"responder\"\n",
    );
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    let hr = demo_hr();
    let mut args = inputs("apply", &path, &hr);
    args.push("--yes".into());
    let run = run_args(against(&sim, KEY), &args);
    run.expect_code(78);
    assert!(
        run.stderr.contains("the rules cannot be applied")
            && run.stderr.contains("Database Reliability"),
        "{}",
        run.stderr
    );
    assert_eq!(sim.handle.write_count(), 0);
    assert!(!run.stdout.contains("Plan:"), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------
// The API key appears nowhere.

fn assert_no_key(what: &str, text: &str) {
    // The whole key, and its distinctive tail on its own.
    for needle in [KEY, &KEY[8..]] {
        assert!(!text.contains(needle), "{what} shows the API key:\n{text}");
    }
}

#[test]
fn the_api_key_appears_in_no_output() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let mut runs: Vec<(String, Run)> = Vec::new();
    let loud = |mut c: assert_cmd::Command| {
        c.env("RUST_LOG", "trace");
        c
    };
    runs.push((
        "plan".into(),
        run_args(against(&sim, KEY), &demo_args("plan", &[])),
    ));
    runs.push((
        "plan json -vv".into(),
        run_args(
            against(&sim, KEY),
            &demo_args("plan", &["--format", "json", "-vv"]),
        ),
    ));
    runs.push((
        "plan RUST_LOG=trace".into(),
        run_args(loud(against(&sim, KEY)), &demo_args("plan", &["-vv"])),
    ));
    // A failing apply (one permanent 400, one retried 503, one 429), loudly logged.
    sim.handle
        .inject(Fault::new("PUT", "/users/PGRACE1", FaultKind::status(400)).always());
    sim.handle
        .inject(Fault::new("POST", "/users", FaultKind::status(503)));
    sim.handle.inject(Fault::new(
        "DELETE",
        "/teams/*/users/*",
        FaultKind::RateLimited { reset_seconds: 1 },
    ));
    let report = dir.path().join("report.json");
    let mut args = demo_args("apply", &["--yes", "-vv", "--report"]);
    args.push(report.display().to_string());
    let failing = run_args(loud(against(&sim, KEY)), &args);
    failing.expect_code(1);
    runs.push(("failing apply".into(), failing));
    assert_no_key("report", &std::fs::read_to_string(&report).unwrap());
    // A converging apply with -vv and its report.
    sim.handle.clear_faults();
    let report2 = dir.path().join("report2.json");
    let mut args = demo_args("apply", &["--yes", "-vv", "--report"]);
    args.push(report2.display().to_string());
    let ok = run_args(loud(against(&sim, KEY)), &args);
    ok.expect_code(0);
    runs.push(("apply".into(), ok));
    assert_no_key("report", &std::fs::read_to_string(&report2).unwrap());
    // A rejected key is not printed either.
    let wrong = format!("{KEY}-rejected");
    let rejected = run_args(loud(against(&sim, &wrong)), &demo_args("plan", &["-vv"]));
    rejected.expect_code(1);
    runs.push(("rejected key".into(), rejected));

    for (what, r) in &runs {
        assert_no_key(&format!("{what} stdout"), &r.stdout);
        assert_no_key(&format!("{what} stderr"), &r.stderr);
    }
    // The logs really were on: trace output mentions the requests.
    let (_, failing) = &runs[3];
    assert!(
        failing.stderr.lines().count() > 20 && failing.stderr.contains("/users"),
        "{}",
        failing.stderr
    );
    // Nor does the simulator's record of what it received.
    assert_no_key("recorded requests", &format!("{:?}", sim.handle.requests()));
}

#[test]
fn logs_sent_to_a_pipe_are_plain_text() {
    // A nightly job's stderr goes to a file or a log collector: no terminal colour codes.
    let sim = Sim::start(demo_seed());
    let run = run_args(against(&sim, KEY), &demo_args("plan", &["-vv"]));
    run.expect_code(0);
    assert!(run.stderr.contains("pagerduty request"), "{}", run.stderr);
    assert!(
        !run.stderr.contains('\u{1b}'),
        "escape codes in logs: {:?}",
        &run.stderr[..run.stderr.len().min(300)]
    );
}

#[test]
fn command_line_mistakes_are_usage_errors() {
    for args in [
        vec!["plan", "--bogus"],
        vec!["frobnicate"],
        vec!["plan", "--config", "x.toml"],
    ] {
        let run = run(hr2pd(), &args);
        run.expect_code(64);
        assert!(run.stderr.contains("error:"), "{args:?}: {}", run.stderr);
    }
    let help = run(hr2pd(), &["--help"]);
    help.expect_code(0);
    assert!(help.stdout.contains("Exit codes:"), "{}", help.stdout);
}

// ---------------------------------------------------------------------------------------
// validate on the real exports

/// `validate` on a real export: exit 0, the counts, and every problem with its line.
fn validate_real(
    config: &str,
    file: &str,
    rows: usize,
    (active, on_leave, terminated, pending): (usize, usize, usize, usize),
    invalid: usize,
    problems: &[&str],
) {
    let Some(hr) = shared_hr_path(file) else {
        return;
    };
    let cfg = repo(config);
    let run = run_args(hr2pd(), &inputs("validate", &cfg, &hr));
    run.expect_code(0);
    let out = &run.stdout;
    let valid = active + on_leave + terminated + pending;
    for want in [
        format!("{}: {rows} rows read", hr.display()),
        format!(
            "  valid: {valid} ({active} active, {on_leave} on leave, {terminated} terminated, {pending} pending)"
        ),
        format!("  rows with problems: {invalid}"),
    ] {
        assert!(out.lines().any(|l| l == want), "missing {want:?} in\n{out}");
    }
    let printed: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("  line "))
        .map(str::trim)
        .collect();
    assert_eq!(printed.len(), problems.len(), "{out}");
    for p in problems {
        assert!(printed.contains(p), "missing problem {p:?} in\n{out}");
    }
    // The JSON form agrees.
    let run = run_args(
        hr2pd(),
        &[
            inputs("validate", &cfg, &hr),
            vec!["--format".into(), "json".into()],
        ]
        .concat(),
    );
    run.expect_code(0);
    let v = run.json();
    assert_eq!(
        (
            &v["rows_read"],
            &v["active"],
            &v["on_leave"],
            &v["terminated"],
            &v["pending"],
            &v["invalid_rows"]
        ),
        (
            &json!(rows),
            &json!(active),
            &json!(on_leave),
            &json!(terminated),
            &json!(pending),
            &json!(invalid)
        )
    );
    assert_eq!(v["problems"].as_array().unwrap().len(), problems.len());
}

#[test]
fn validate_hrdataset() {
    validate_real(
        "samples/real/hrdataset.toml",
        "HRDataset_v14.csv",
        311,
        (207, 0, 104, 0),
        0,
        &[],
    );
}

#[test]
fn validate_midpoint() {
    validate_real(
        "samples/real/midpoint.toml",
        "midpoint_hris_demo_export-initial.csv",
        50,
        (43, 5, 2, 0),
        0,
        &[],
    );
}

#[test]
fn validate_workivate() {
    validate_real(
        "samples/real/workivate.toml",
        "workivate_onboarding_full_import.csv",
        5,
        (1, 0, 0, 0),
        4,
        &[
            "line 2: employee ID \"e1\" in column employee_id is also on line 4",
            "line 4: employee ID \"e1\" in column employee_id is also on line 2",
            "line 5: columns first_name and last_name are empty",
            "line 6: column employee_id is empty",
            "line 6: columns first_name and last_name are empty",
        ],
    );
}

#[test]
fn validate_kaggle() {
    // 18 addresses with a space and 2 addresses on two rows each (SOURCES.md).
    let Some(hr) = shared_hr_path("kaggle_employee_data_all_in_one.csv") else {
        return;
    };
    let text = std::fs::read_to_string(&hr).unwrap();
    // The problems, derived here from the file itself: every ADEmail with a space, and
    // both rows of each duplicated address.
    let mut problems = Vec::new();
    let mut seen: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for (i, line) in text.lines().enumerate().skip(1) {
        let email = line.split(',').nth(7).unwrap().trim().to_lowercase();
        if email.contains(' ') {
            problems.push(format!(
                "line {}: email {email:?} in column ADEmail contains a space",
                i + 1
            ));
        } else {
            seen.entry(email).or_default().push(i + 1);
        }
    }
    for (email, lines) in seen.iter().filter(|(_, l)| l.len() > 1) {
        for &l in lines {
            let other = lines.iter().find(|&&o| o != l).unwrap();
            problems.push(format!(
                "line {l}: email {email:?} in column ADEmail is also on line {other}"
            ));
        }
    }
    assert_eq!(problems.len(), 22);
    let refs: Vec<&str> = problems.iter().map(String::as_str).collect();
    validate_real(
        "samples/real/kaggle.toml",
        "kaggle_employee_data_all_in_one.csv",
        3000,
        (2441, 86, 384, 67),
        22,
        &refs,
    );
    // Every Active and Leave of Absence row with an ExitDate (all of them in the past) is
    // a conflict the status decides. Derived here from the file: the valid rows with
    // either status and an ExitDate.
    let bad: std::collections::BTreeSet<usize> = problems
        .iter()
        .map(|p| p["line ".len()..p.find(':').unwrap()].parse().unwrap())
        .collect();
    let dated_employed = text
        .lines()
        .enumerate()
        .skip(1)
        .filter(|(i, _)| !bad.contains(&(i + 1)))
        .map(|(_, l)| l.split(',').collect::<Vec<_>>())
        .filter(|c| matches!(c[9], "Active" | "Leave of Absence") && !c[4].is_empty())
        .count();
    assert!(dated_employed > 1000, "{dated_employed}");
    let cfg = repo("samples/real/kaggle.toml");
    let today = run_args(hr2pd(), &inputs("validate", &cfg, &hr));
    assert!(
        today.stdout.contains(&format!(
            "  dates as of {}: 0 terminations scheduled, {dated_employed} past termination dates on active rows\n",
            hr2pagerduty::pipeline::today(&hr2pagerduty::config::Config::load(&cfg).unwrap(), None)
        )),
        "{}",
        today.stdout
    );
    // --as-of a day before anyone started: everyone active or on leave is a future hire,
    // and each of those exit dates is a scheduled termination; the leavers stay leavers.
    let mut args = inputs("validate", &cfg, &hr);
    args.extend([
        "--as-of".into(),
        "2018-01-01".into(),
        "--format".into(),
        "json".into(),
    ]);
    let then = run_args(hr2pd(), &args);
    then.expect_code(0);
    let v = then.json();
    assert_eq!(v["as_of"], "2018-01-01");
    assert_eq!(
        [
            &v["active"],
            &v["on_leave"],
            &v["terminated"],
            &v["pending"]
        ],
        [&json!(0), &json!(0), &json!(384), &json!(2441 + 86 + 67)]
    );
    assert_eq!(v["scheduled_terminations"], json!(dated_employed));
    assert_eq!(v["conflicts"], json!(0));
}

// ---------------------------------------------------------------------------------------
// sandbox

/// Kills the child process (by its handle) when dropped, so a failing assertion never
/// leaves a sandbox running.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn sandbox_serves_the_seed_until_killed() {
    let seed_path = repo("fixtures/sim/basic.json");
    let mut child = KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_hr2pagerduty"))
            .args(["sandbox", "--seed"])
            .arg(&seed_path)
            .args(["--port", "0"])
            .env_remove("PAGERDUTY_API_KEY")
            .env_remove("PAGERDUTY_API_URL")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("sandbox starts"),
    );
    let mut first = String::new();
    std::io::BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .trim()
        .strip_prefix("PagerDuty simulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let get = |key: &str| {
        let url = format!("{url}/users?limit=100");
        let key = key.to_string();
        rt.block_on(async move {
            let r = reqwest::Client::new()
                .get(url)
                .header("Authorization", format!("Token token={key}"))
                .header("Accept", "application/vnd.pagerduty+json;version=2")
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        })
    };
    let (status, body) = get("demo-key");
    let (wrong, _) = get("not-the-seed-key");
    assert_eq!(status, 200, "{body}");
    let emails: BTreeSet<&str> = body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        BTreeSet::from([
            "owner@example.com",
            "bot@example.com",
            "rita@example.com",
            "sam@example.com"
        ])
    );
    assert_eq!(wrong, 401);
    // Killed, it stops answering.
    drop(child);
    let refused = rt.block_on(async move {
        reqwest::Client::new()
            .get(format!("{url}/users"))
            .send()
            .await
            .is_err()
    });
    assert!(refused, "the sandbox still answers after being killed");
}
