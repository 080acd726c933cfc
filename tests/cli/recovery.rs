//! End to end: interrupted runs are finished by the next run with no duplicate user, writes
//! whose outcome was unknown are recovered, a revoked key stops the run, the apply-time
//! re-check protects a user that changed after the listing, and the safety caps refuse a
//! run before any write.
//!
//! Inputs are the demo's (see `e2e_failures.rs` for its 9 actions) unless a test says
//! otherwise.

use crate::support::e2e::*;
use crate::support::*;
use hr2pagerduty::ids::TeamId;
use hr2pagerduty::marker;
use hr2pagerduty::pagerduty::models::{Role, TeamRole};
use hr2pagerduty::sim::{Fault, FaultKind};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn apply_with_report(sim: &Sim, config: &Path, report: &Path) -> Run {
    run_args(
        against(sim, KEY),
        &apply_args(config, &demo_hr(), report, &[]),
    )
}

/// `(action, email)` of every action in a JSON plan.
fn plan_actions(sim: &Sim) -> Vec<(String, String, String)> {
    let run = run_args(against(sim, KEY), &demo_args("plan", &["--format", "json"]));
    run.expect_code(0);
    run.json()["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap().to_string(),
                a["email"].as_str().unwrap().to_string(),
                a["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn converges(sim: &Sim) {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("again.json");
    apply_with_report(sim, &demo_config(), &report).expect_code(0);
    let plan = run_args(
        against(sim, KEY),
        &demo_args("plan", &["--detailed-exitcode"]),
    );
    plan.expect_code(0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    assert_one_user_per_employee(sim);
    assert_eq!(
        sim.handle.users().len(),
        undisturbed_user_count(&demo_config(), &demo_hr()),
        "as many users as an undisturbed run leaves"
    );
}

/// How many users carry the marker of the employee whose user holds `email` (the sim
/// refuses a second user with one email, so a duplicate would carry the marker under
/// another address).
fn count_users(sim: &Sim, email: &str) -> usize {
    let employee = marker_of(sim.user(email).description.as_deref())
        .employee_id
        .expect("a managed user");
    sim.handle
        .users()
        .iter()
        .filter(|u| {
            marker::claimed_employee_id(u.description.as_deref()).as_ref() == Some(&employee)
        })
        .count()
}

#[test]
fn an_interrupted_create_is_finished_without_a_duplicate() {
    let sim = Sim::start(demo_seed());
    // John Backus (Sales, observer): the POST succeeds, adding him to Sales is refused.
    sim.handle
        .inject(Fault::new("PUT", "/teams/PSALES1/users/*", FaultKind::status(400)).always());
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    apply_with_report(&sim, &demo_config(), &report).expect_code(1);
    let r = read_json(&report);
    let john = action_of(&r, "john.backus@example.com");
    assert_eq!(
        (&john["outcome"], &john["steps_done"], &john["steps_total"]),
        (&json!("failed"), &json!(1), &json!(2)),
        "{john:#}"
    );
    let id = john["pagerduty_user_id"]
        .as_str()
        .expect("the created ID")
        .to_string();
    assert_eq!(sim.user("john.backus@example.com").id, id);

    // The next plan finds him by his marker: an update adding the team, not a create.
    sim.handle.clear_faults();
    let left = plan_actions(&sim);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(
        (left[0].0.as_str(), left[0].1.as_str()),
        ("update", "john.backus@example.com")
    );
    converges(&sim);
    assert_eq!(count_users(&sim, "john.backus@example.com"), 1);
    assert_eq!(sim.user("john.backus@example.com").id, id);
    assert_eq!(
        sim.memberships(&id),
        BTreeSet::from([(TeamId::new("PSALES1"), TeamRole::Observer)])
    );
}

/// `apply --config demo --plan saved --yes`, with `report` written.
fn apply_saved(sim: &Sim, saved: &Path, report: &Path) -> Run {
    let args: Vec<String> = [
        "apply",
        "--yes",
        "--config",
        demo_config().to_str().unwrap(),
        "--plan",
        saved.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    run_args(against(sim, KEY), &args)
}

#[test]
fn a_saved_plan_s_create_left_half_done_is_refused_as_partly_done_and_a_new_plan_finishes_it() {
    // A saved plan's create stopped between the POST /users and the team PUT (a fault in
    // place of a kill: PagerDuty refuses John Backus's Sales membership once). Applying the
    // saved plan again is refused (exit 3) as partly done, not as already applied, and
    // writes nothing; a fresh plan and apply finish the create without a duplicate.
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("plan.json");
    let out = run_args(
        against(&sim, KEY),
        &demo_args("plan", &["--out", saved.to_str().unwrap()]),
    );
    out.expect_code(0);
    sim.handle
        .inject(Fault::new("PUT", "/teams/PSALES1/users/*", FaultKind::status(400)).always());
    let report = dir.path().join("report.json");
    apply_saved(&sim, &saved, &report).expect_code(1);
    let john = action_of(&read_json(&report), "john.backus@example.com").clone();
    assert_eq!(
        (&john["outcome"], &john["steps_done"]),
        (&json!("failed"), &json!(1)),
        "{john:#}"
    );
    let id = sim.user("john.backus@example.com").id.to_string();

    sim.handle.clear_faults();
    let writes = sim.writes().len();
    let again = apply_saved(&sim, &saved, &dir.path().join("again.json"));
    again.expect_code(3);
    let said = format!("{}{}", again.stdout, again.stderr);
    assert!(
        said.contains(&format!(
            "the plan creates john.backus@example.com: only partly done (user {id} carries its marker but not yet Sales (PSALES1) as observer); a new plan finishes it"
        )),
        "{said}"
    );
    assert!(!said.contains("was already applied"), "{said}");
    assert_eq!(sim.writes().len(), writes, "refused before any write");

    // A new plan finds John by his marker: an update adding the team; then it converges.
    let left = plan_actions(&sim);
    assert!(
        left.iter()
            .any(|(kind, email, _)| kind == "update" && email == "john.backus@example.com"),
        "{left:?}"
    );
    converges(&sim);
    assert_eq!(count_users(&sim, "john.backus@example.com"), 1);
    assert_eq!(sim.user("john.backus@example.com").id, id);
    assert_eq!(
        sim.memberships(&id),
        BTreeSet::from([(TeamId::new("PSALES1"), TeamRole::Observer)])
    );
}

#[test]
fn an_interrupted_suspension_is_finished_with_the_original_record() {
    let sim = Sim::start(demo_seed());
    // Alan Turing leaves; removing him from the Chess Club is refused (as PagerDuty does
    // while a user is on an escalation policy of the team, fact F32).
    sim.handle.inject(
        Fault::new(
            "DELETE",
            "/teams/PCHESS1/users/PALAN01",
            FaultKind::status(400),
        )
        .always(),
    );
    let dir = tempfile::tempdir().unwrap();
    apply_with_report(&sim, &demo_config(), &dir.path().join("r.json")).expect_code(1);
    let alan = sim.user("alan.turing@example.com");
    // The marker was written first and records what he had; the role is not changed yet.
    let m = marker_of(alan.description.as_deref());
    let s = m
        .suspended
        .clone()
        .expect("suspension recorded before anything is lost");
    assert_eq!(s.role, Role::LimitedUser);
    let recorded: BTreeSet<(TeamId, TeamRole)> = s
        .teams
        .iter()
        .map(|t| (t.id.clone(), t.role.clone()))
        .collect();
    let had = BTreeSet::from([
        (TeamId::new("PCHESS1"), TeamRole::Observer),
        (TeamId::new("PITOPS1"), TeamRole::Responder),
    ]);
    assert_eq!(recorded, had);
    assert_eq!(alan.role, Role::LimitedUser);

    // The next plan finishes the suspension and keeps the original record.
    sim.handle.clear_faults();
    let left = plan_actions(&sim);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].0, "deactivate");
    assert!(
        left[0].2.contains("finishing an interrupted suspension"),
        "{left:?}"
    );
    converges(&sim);
    let alan = sim.user("alan.turing@example.com");
    assert_eq!(alan.role, Role::ReadOnlyLimitedUser);
    assert!(sim.memberships("PALAN01").is_empty());
    let after = marker_of(alan.description.as_deref());
    assert_eq!(after.suspended, Some(s), "the record is the original one");
    assert_eq!(
        human_of(alan.description.as_deref()),
        "Ask me about the halting problem."
    );
}

#[test]
fn an_interrupted_rehire_is_finished() {
    let sim = Sim::start(demo_seed());
    // Katherine Johnson returns; restoring her Production membership fails for good.
    sim.handle.inject(
        Fault::new(
            "PUT",
            "/teams/PPRODN1/users/PKATH01",
            FaultKind::status(400),
        )
        .always(),
    );
    let dir = tempfile::tempdir().unwrap();
    apply_with_report(&sim, &demo_config(), &dir.path().join("r.json")).expect_code(1);
    let kath = sim.user("katherine.johnson@example.com");
    // Still marked suspended, so the next run knows what to restore.
    assert!(marker_of(kath.description.as_deref()).suspended.is_some());
    sim.handle.clear_faults();
    let left = plan_actions(&sim);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(
        (left[0].0.as_str(), left[0].1.as_str()),
        ("reactivate", "katherine.johnson@example.com")
    );
    converges(&sim);
    let kath = sim.user("katherine.johnson@example.com");
    assert_eq!((kath.id.as_str(), &kath.role), ("PKATH01", &Role::User));
    assert_eq!(marker_of(kath.description.as_deref()).suspended, None);
    assert_eq!(
        sim.memberships("PKATH01"),
        BTreeSet::from([
            (TeamId::new("PCHESS1"), TeamRole::Manager),
            (TeamId::new("PPRODN1"), TeamRole::Responder),
        ])
    );
}

#[test]
fn a_create_whose_answer_is_lost_is_recovered_not_repeated() {
    for (name, kind) in [
        ("apply_then_fail", FaultKind::ApplyThenFail { status: 502 }),
        ("apply_then_drop", FaultKind::ApplyThenDrop),
    ] {
        let sim = Sim::start(demo_seed());
        // Every create is carried out, but its answer never arrives.
        sim.handle
            .inject(Fault::new("POST", "/users", kind).times(3));
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("r.json");
        apply_with_report(&sim, &demo_config(), &report).expect_code(0);
        let r = read_json(&report);
        assert_eq!(
            r["requests"]["recovered_total"],
            json!(3),
            "{name}: {:#}",
            r["requests"]
        );
        let posts = sim.writes().iter().filter(|w| w.method == "POST").count();
        assert_eq!(posts, 3, "{name}: no POST was sent twice");
        for e in [
            "frances.allen@example.com",
            "john.backus@example.com",
            "margaret.hamilton@example.com",
        ] {
            assert_eq!(count_users(&sim, e), 1, "{name}: {e}");
            let a = action_of(&r, e);
            assert_eq!(a["outcome"], "applied", "{name}: {a:#}");
            assert_eq!(
                a["pagerduty_user_id"].as_str(),
                Some(sim.user(e).id.as_str()),
                "{name}"
            );
        }
        let plan = run_args(
            against(&sim, KEY),
            &demo_args("plan", &["--detailed-exitcode"]),
        );
        plan.expect_code(0);
    }
}

#[test]
fn updates_whose_answer_is_lost_are_resent_and_converge() {
    let sim = Sim::start(demo_seed());
    sim.handle
        .inject(Fault::new("PUT", "/users/*", FaultKind::ApplyThenDrop).times(2));
    sim.handle.inject(Fault::new(
        "PUT",
        "/teams/*/users/*",
        FaultKind::ApplyThenFail { status: 500 },
    ));
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    apply_with_report(&sim, &demo_config(), &report).expect_code(0);
    let r = read_json(&report);
    assert!(
        r["requests"]["retries_total"].as_u64().unwrap() >= 3,
        "{:#}",
        r["requests"]
    );
    let plan = run_args(
        against(&sim, KEY),
        &demo_args("plan", &["--detailed-exitcode"]),
    );
    plan.expect_code(0);
}

#[test]
fn a_key_revoked_during_apply_stops_new_actions() {
    let sim = Sim::start(demo_seed());
    // From the first user update on, every write is refused as unauthenticated (the
    // planning reads, GET /users/me among them, are answered).
    for method in ["PUT", "DELETE"] {
        sim.handle.inject(
            Fault::new(
                method,
                "/users/*",
                FaultKind::Status {
                    status: 401,
                    code: Some(2006),
                    message: Some("Authentication failed".into()),
                    errors: vec![],
                },
            )
            .always(),
        );
    }
    sim.handle
        .inject(Fault::new("*", "/teams/*/users/*", FaultKind::status(401)).always());
    sim.handle
        .inject(Fault::new("POST", "/users", FaultKind::status(401)).always());
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let run = apply_with_report(&sim, &demo_config(), &report);
    run.expect_code(1);
    let r = read_json(&report);
    let actions = r["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 9);
    assert!(actions.iter().all(|a| a["outcome"] != "applied"), "{r:#}");
    // Up to `concurrency` (4) actions were under way when the first 401 came back; the
    // others were not attempted at all.
    let attempted = actions.iter().filter(|a| a["outcome"] == "failed").count();
    let skipped: Vec<&Value> = actions
        .iter()
        .filter(|a| a["outcome"] == "skipped")
        .collect();
    assert!((1..=4).contains(&attempted), "{r:#}");
    assert_eq!(attempted + skipped.len(), 9);
    for a in &skipped {
        assert_eq!(a["attempts"], json!(0), "{a:#}");
        assert_eq!(
            a["error"],
            json!("not attempted: authentication was rejected")
        );
    }
    // A 401 is never retried: one request per attempted action at most (a deactivation's
    // re-check, a GET, is refused too).
    let writes = sim.writes();
    assert!(writes.iter().all(|w| w.status == 401), "{writes:#?}");
    assert!(writes.len() <= 4, "{writes:#?}");
}

#[test]
fn a_user_changed_after_the_listing_is_not_deactivated() {
    let sim = Sim::start(demo_seed());
    // Hold the team listing for a while so the account can change between the user listing
    // and the apply-time re-check.
    sim.handle
        .inject(Fault::new("GET", "/teams", FaultKind::Delay { ms: 1500 }));
    let args = demo_args("apply", &["--yes", "--report"]);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let mut args = args;
    args.push(report.display().to_string());
    let cmd = against(&sim, KEY);
    let child = std::thread::spawn(move || run_args(cmd, &args));
    // Wait until the listing of teams is in flight.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !sim
        .handle
        .requests()
        .iter()
        .any(|r| r.method == "GET" && r.path == "/teams")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the run never listed teams"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // Someone hands Dennis Ritchie's account (a leaver) to employee 1012 meanwhile.
    let url = format!("{}/users/PDENN01", sim.url());
    let status = sim.block_on(async move {
        reqwest::Client::new()
            .put(url)
            .header("Authorization", format!("Token token={KEY}"))
            .header("Accept", "application/vnd.pagerduty+json;version=2")
            .json(
                &json!({"user": {"description": marker::render_line(&marker::Marker {
                    employee_id: Some("1012".into()),
                    suspended: None,
                    pending_termination: None,
                    created: None,
                })}}),
            )
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(status, 200);
    let run = child.join().unwrap();
    // The planned deactivation is left undone (the user still exists): exit 1.
    run.expect_code(1);
    let r = read_json(&report);
    let dennis = action_of(&r, "dennis.ritchie@example.com");
    assert_eq!(dennis["outcome"], "skipped", "{dennis:#}");
    assert_eq!(
        dennis["error"],
        json!("re-check: the user's marker now names employee 1012 instead of 1099")
    );
    assert!(
        run.stdout
            .contains("Skipped: deactivate of dennis.ritchie@example.com (PDENN01): re-check"),
        "{}",
        run.stdout
    );
    // Only the test's own PUT touched him.
    let touching: Vec<_> = sim
        .writes()
        .into_iter()
        .filter(|w| w.path.contains("PDENN01"))
        .collect();
    assert_eq!(touching.len(), 1, "{touching:#?}");
    assert_eq!(
        sim.user("dennis.ritchie@example.com").role,
        Role::LimitedUser
    );
}

#[test]
fn a_second_apply_changes_nothing() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    apply_with_report(&sim, &demo_config(), &dir.path().join("first.json")).expect_code(0);
    let writes = sim.handle.write_count();
    let report = dir.path().join("second.json");
    let run = apply_with_report(&sim, &demo_config(), &report);
    run.expect_code(0);
    assert!(run.stdout.contains("No changes."), "{}", run.stdout);
    assert_eq!(sim.handle.write_count(), writes);
    let r = read_json(&report);
    assert_eq!(
        r["summary"],
        json!({"created": 0, "updated": 0, "deactivated": 0, "reactivated": 0, "deleted": 0, "failed": 0, "not_started": 0, "interrupted": 0, "skipped": 2, "blocked": 0, "blocked_team_removals": 0, "invitations": 0})
    );
    assert_eq!(r["actions"], json!([]));
}

#[test]
fn an_unwritable_report_is_refused_before_the_first_write() {
    // The report path is checked before anything else, so a typo in it costs nothing:
    // exit 64, not a single request.
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("missing-dir").join("r.json");
    let run = apply_with_report(&sim, &demo_config(), &report);
    run.expect_code(64);
    assert!(
        run.stderr.contains("cannot write report") && run.stderr.contains("missing-dir"),
        "{}",
        run.stderr
    );
    assert!(
        sim.handle.requests().is_empty(),
        "checked before PagerDuty is even listed"
    );
}

#[test]
/// Two employees whose users hold each other's emails: each row's marker finds one user
/// while its email is on the other, which keeps it (PagerDuty would refuse each PUT with
/// "Email has already been taken"). That is conflicting evidence: neither user is written,
/// each row is a skip that needs a person (apply exits 1), and no request fails every night.
fn two_employees_swapping_emails_are_left_for_a_person_not_retried_every_night() {
    let mut seed = demo_seed();
    // In PagerDuty, Ada has Grace's address and Grace has Ada's; the markers are right.
    for u in &mut seed.users {
        match u.email.as_str() {
            "ada.lovelace@example.com" => u.email = "grace.hopper@example.com".into(),
            "grace.hopper@example.com" => u.email = "ada.lovelace@example.com".into(),
            _ => {}
        }
    }
    let sim = Sim::start(seed);
    let dir = tempfile::tempdir().unwrap();
    for i in 0..2 {
        let run = apply_with_report(&sim, &demo_config(), &dir.path().join(format!("{i}.json")));
        run.expect_code(1);
    }
    let plan = run_args(
        against(&sim, KEY),
        &demo_args("plan", &["--detailed-exitcode"]),
    );
    plan.expect_code(0);
    assert!(
        plan.stdout.contains(
            "this employee ID's marker is on PagerDuty user PGRACE1 (ada.lovelace@example.com), but this HR row's email belongs to PagerDuty user PADA001"
        ),
        "{}",
        plan.stdout
    );
    // Nothing was written to either user: Grace keeps her old job title.
    assert_eq!(sim.user("ada.lovelace@example.com").id, "PGRACE1");
    assert_ne!(
        sim.user("ada.lovelace@example.com").job_title.as_deref(),
        Some("Network Architect")
    );
    assert_eq!(sim.user("grace.hopper@example.com").id, "PADA001");
}

#[test]
fn a_mover_into_a_stakeholder_role_on_an_unruled_team_does_not_fail_every_night() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = std::fs::read_to_string(demo_config()).unwrap().replace(
        "[roles]\ndefault = \"limited_user\"\n",
        "[roles]\ndefault = \"limited_user\"\n\n[[roles.rule]]\nwhen = { department = \"Executive Office\" }\nrole = \"read_only_user\"\n",
    );
    let cfg_path = dir.path().join("config.toml");
    std::fs::write(&cfg_path, cfg).unwrap();
    // Alan Turing stays and moves to the Executive Office; he is on Chess Club (no rule).
    let hr = std::fs::read_to_string(demo_hr()).unwrap().replace(
        "1003,Alan,Turing,alan.turing@example.com,Sr. Network Engineer,IT/IS,Voluntarily Terminated",
        "1003,Alan,Turing,alan.turing@example.com,Chief of Staff,Executive Office,Active",
    );
    let hr_path = dir.path().join("hr.csv");
    std::fs::write(&hr_path, hr).unwrap();
    let sim = Sim::start(demo_seed());
    let mut args = inputs("apply", &cfg_path, &hr_path);
    args.push("--yes".into());
    run_args(against(&sim, KEY), &args);
    // The next night must not fail again on the same refused request.
    let second = run_args(against(&sim, KEY), &args);
    assert_eq!(second.code, 0, "{}", second.stdout);
    assert!(
        second.stdout.contains("which PagerDuty refuses on teams, but user PALAN01 is on teams no rule names (Chess Club)"),
        "{}",
        second.stdout
    );
    let alan = sim.user("alan.turing@example.com");
    assert_eq!(
        alan.job_title.as_deref(),
        Some("Chief of Staff"),
        "the other changes landed"
    );
    assert_eq!(alan.role.as_str(), "limited_user");
}

// ---------------------------------------------------------------------------------------
// Safety caps: refused before any write, overridable for one run.

fn config_with(extra_safety: &str, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(demo_config()).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, format!("{text}{extra_safety}\n")).unwrap();
    path
}

#[test]
fn too_many_deactivations_are_refused_until_allowed() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with("max_deactivations = 1", dir.path());
    let hr = demo_hr();
    for cmd in ["plan", "apply"] {
        let mut args = inputs(cmd, &cfg, &hr);
        if cmd == "apply" {
            args.push("--yes".into());
        }
        let run = run_args(against(&sim, KEY), &args);
        run.expect_code(3);
        assert!(
            run.stderr.contains(
                "refused before any write: 2 deactivations exceed [safety] max_deactivations = 1"
            ) && run.stderr.contains("--allow-deactivations 2"),
            "{cmd}: {}",
            run.stderr
        );
        // The plan is still shown, so the reader sees what was refused.
        assert!(run.stdout.contains("Plan: 3 to create"), "{}", run.stdout);
    }
    assert_eq!(sim.handle.write_count(), 0);
    let mut args = inputs("apply", &cfg, &hr);
    args.extend(["--yes".into(), "--allow-deactivations".into(), "2".into()]);
    run_args(against(&sim, KEY), &args).expect_code(0);
    assert_eq!(
        sim.user("dennis.ritchie@example.com").role,
        Role::ReadOnlyLimitedUser
    );
}

#[test]
fn a_shrunken_export_in_a_small_account_is_left_to_max_deactivations() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    // The export loses every Production employee: 4 of 7 active users hr2pagerduty manages
    // remain. Like the percentage caps, the shrink check applies only above 50 managed
    // users; in this small account max_deactivations governs, so the leavers go through,
    // unless max_deactivations is lower than their number.
    let full = std::fs::read_to_string(demo_hr()).unwrap();
    let cut: String = full
        .lines()
        .filter(|l| !l.contains(",Production,"))
        .map(|l| format!("{l}\n"))
        .collect();
    let hr = dir.path().join("cut.csv");
    std::fs::write(&hr, cut).unwrap();
    let strict = config_with("max_deactivations = 1", dir.path());
    let mut args = inputs("apply", &strict, &hr);
    args.push("--yes".into());
    let run = run_args(against(&sim, KEY), &args);
    run.expect_code(3);
    assert!(
        run.stderr.contains("exceed [safety] max_deactivations = 1")
            && !run.stderr.contains("max_shrink_percent"),
        "{}",
        run.stderr
    );
    assert_eq!(sim.handle.write_count(), 0);
    let cfg = config_with("", dir.path());
    let mut args = inputs("apply", &cfg, &hr);
    args.push("--yes".into());
    let run = run_args(against(&sim, KEY), &args);
    run.expect_code(0);
    assert!(!run.stderr.contains("max_shrink_percent"), "{}", run.stderr);
    let again = run_args(against(&sim, KEY), &inputs("plan", &cfg, &hr));
    again.expect_code(0);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

// ---------------------------------------------------------------------------------------
// A rehire whose recorded team was deleted while they were away.

#[test]
fn a_rehire_whose_recorded_team_is_gone_still_finishes() {
    // Katherine Johnson's suspension recorded Chess Club (PCHESS1); the team has since been
    // deleted. Before the fix, every run failed her reactivation with 404 "Team Not Found"
    // and the rehire never finished.
    let mut seed = demo_seed();
    seed.teams.retain(|t| t.id.as_deref() != Some("PCHESS1"));
    for u in &mut seed.users {
        u.teams.retain(|m| m.team != "Chess Club");
    }
    let sim = Sim::start(seed);
    let plan = run_args(
        against(&sim, KEY),
        &demo_args("plan", &["--format", "json"]),
    );
    plan.expect_code(0);
    let p = plan.json();
    let kath = p["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "katherine.johnson@example.com")
        .unwrap();
    assert_eq!(
        kath["changes"]["teams"],
        json!([[], ["Production:responder"]]),
        "{kath:#}"
    );
    assert!(
        kath["reason"].as_str().unwrap().ends_with(
            "recorded team \"Chess Club\" (PCHESS1) no longer exists and is not restored"
        ),
        "{kath:#}"
    );
    let dir = tempfile::tempdir().unwrap();
    apply_with_report(&sim, &demo_config(), &dir.path().join("r.json")).expect_code(0);
    let k = sim.user("katherine.johnson@example.com");
    assert_eq!(k.role, Role::User);
    assert_eq!(marker_of(k.description.as_deref()).suspended, None);
    assert_eq!(
        sim.memberships("PKATH01"),
        BTreeSet::from([(TeamId::new("PPRODN1"), TeamRole::Responder)])
    );
    let again = run_args(
        against(&sim, KEY),
        &demo_args("plan", &["--detailed-exitcode"]),
    );
    again.expect_code(0);
}

#[test]
fn a_rehire_into_a_stakeholder_role_does_not_restore_teams() {
    // Katherine Johnson comes back to the Executive Office, which the rules make a
    // read_only_user (a stakeholder role PagerDuty refuses on teams, fact F17); her
    // suspension recorded Chess Club, a team no rule names. Before the fix, restoring it was
    // refused with 400 on every run and the rehire never finished.
    let dir = tempfile::tempdir().unwrap();
    let cfg = std::fs::read_to_string(demo_config()).unwrap().replace(
        "[roles]\ndefault = \"limited_user\"\n",
        "[roles]\ndefault = \"limited_user\"\n\n[[roles.rule]]\nwhen = { department = \"Executive Office\" }\nrole = \"read_only_user\"\n",
    );
    assert!(cfg.contains("Executive Office"));
    let cfg_path = dir.path().join("config.toml");
    std::fs::write(&cfg_path, cfg).unwrap();
    let hr = std::fs::read_to_string(demo_hr()).unwrap().replace(
        "1004,Katherine,Johnson,katherine.johnson@example.com,Production Manager,Production,Active",
        "1004,Katherine,Johnson,katherine.johnson@example.com,Chief of Staff,Executive Office,Active",
    );
    let hr_path = dir.path().join("hr.csv");
    std::fs::write(&hr_path, hr).unwrap();
    let sim = Sim::start(demo_seed());

    let mut args = inputs("plan", &cfg_path, &hr_path);
    args.extend(["--format".into(), "json".into()]);
    let plan = run_args(against(&sim, KEY), &args);
    plan.expect_code(0);
    let p = plan.json();
    let kath = p["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "katherine.johnson@example.com")
        .unwrap();
    assert_eq!(kath["action"], "reactivate");
    assert_eq!(
        kath["changes"]["role"],
        json!(["read_only_limited_user", "read_only_user"])
    );
    assert_eq!(kath["changes"].get("teams"), None, "{kath:#}");
    assert!(
        kath["reason"].as_str().unwrap().ends_with(
            "recorded team \"Chess Club\" (PCHESS1) not restored: PagerDuty refuses role read_only_user on teams"
        ),
        "{kath:#}"
    );

    let mut args = inputs("apply", &cfg_path, &hr_path);
    args.push("--yes".into());
    run_args(against(&sim, KEY), &args).expect_code(0);
    let k = sim.user("katherine.johnson@example.com");
    assert_eq!(k.role, Role::ReadOnlyUser);
    assert_eq!(marker_of(k.description.as_deref()).suspended, None);
    assert!(sim.memberships("PKATH01").is_empty());
    let mut args = inputs("plan", &cfg_path, &hr_path);
    args.push("--detailed-exitcode".into());
    run_args(against(&sim, KEY), &args).expect_code(0);
}

#[test]
fn the_duplicate_checks_see_a_second_user_carrying_one_employees_marker() {
    // The checks above must be able to fail: after an undisturbed run, a second user
    // (Grace Hopper's) carrying a copy of John Backus's marker.
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    apply_with_report(&sim, &demo_config(), &dir.path().join("r.json")).expect_code(0);
    assert_eq!(count_users(&sim, "john.backus@example.com"), 1);
    assert_one_user_per_employee(&sim);
    copy_marker(&sim, "john.backus@example.com", "grace.hopper@example.com");
    assert_eq!(count_users(&sim, "john.backus@example.com"), 2);
    let why = panic_message(|| assert_one_user_per_employee(&sim));
    assert!(why.contains("two users carry employee "), "{why}");
    let why = panic_message(|| converges(&sim));
    assert!(!why.is_empty());
}

/// Issue 9, end to end: a create whose `POST` PagerDuty refuses because the email was taken
/// after the listing (here by a user made by hand, with no marker, while the run's first
/// write is held in flight) adopts that user, and the JSON report marks it `"adopted":
/// true` (no invitation counted for it); the creates that made their users say
/// `"adopted": false`. A create whose answer was lost (commit-then-fail) finds the user its
/// own request made: that one is created and invited, not adopted (the test above), so a
/// refused `POST` is how `adopted` is reached through the binary.
#[test]
fn a_create_that_finds_its_email_taken_adopts_the_user_and_the_report_says_adopted() {
    let sim = Sim::start(demo_seed());
    // Deactivations run before creates: the first one's marker write is held 1.5 s, while
    // the new hire's address gets a user.
    sim.inject(Fault::new("PUT", "/users/*", FaultKind::Delay { ms: 1500 }));
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let mut args = inputs("apply", &demo_config(), &demo_hr());
    args.extend([
        "--yes".into(),
        "--report".into(),
        report.display().to_string(),
    ]);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_hr2pagerduty"))
        .env_remove("STATE_DIRECTORY")
        .args(&args)
        .env("PAGERDUTY_API_URL", sim.url())
        .env("PAGERDUTY_API_KEY", KEY)
        .env("XDG_STATE_HOME", state_home())
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    sim.wait_in_flight("the first deactivation", |r| r.method == "PUT");
    assert!(
        !sim.requests().iter().any(|r| r.method == "POST"),
        "no create has started"
    );
    let taken = "john.backus@example.com";
    // Made by an admin in the web app, as another tool would (the demo's `From` user).
    let url = format!("{}/users", sim.url());
    let status = sim.block_on(async move {
        reqwest::Client::new()
            .post(url)
            .header("Authorization", format!("Token token={KEY}"))
            .header("Accept", "application/vnd.pagerduty+json;version=2")
            .header("From", "provisioning-bot@example.com")
            .json(&json!({"user": {"type": "user", "name": "Made By Hand", "email": taken}}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(status, 201);
    let by_hand = sim.user(taken).id;
    let run = Run::from_output(child.wait_with_output().unwrap());
    run.expect_code(0);
    let r = read_json(&report);
    let adopted = action_of(&r, taken);
    assert_eq!(
        (&adopted["action"], &adopted["outcome"], &adopted["adopted"]),
        (&json!("create"), &json!("applied"), &json!(true)),
        "{adopted:#}"
    );
    assert_eq!(
        adopted["pagerduty_user_id"],
        by_hand.as_str(),
        "{adopted:#}"
    );
    for e in ["frances.allen@example.com", "margaret.hamilton@example.com"] {
        let a = action_of(&r, e);
        assert_eq!(
            (&a["outcome"], &a["adopted"]),
            (&json!("applied"), &json!(false)),
            "{a:#}"
        );
    }
    assert_eq!(r["summary"]["created"], 3, "{:#}", r["summary"]);
    assert_eq!(r["summary"]["invitations"], 2, "{:#}", r["summary"]);
    // One person, one user: the hand-made user now carries John's marker.
    assert_eq!(count_users(&sim, taken), 1);
    assert_eq!(sim.user(taken).id, by_hand);
    run_args(
        against(&sim, KEY),
        &demo_args("plan", &["--detailed-exitcode"]),
    )
    .expect_code(0);
}
