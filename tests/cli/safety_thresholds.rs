//! Change thresholds and the HR shrink check, through the real binary against the simulator.
//!
//! Each account starts in sync with a generated export (see `tests/support/safety.rs`); the test then
//! changes the export. A tripped check makes `plan` and `apply --yes` exit 3 with the same
//! message, naming the `[safety]` key and the override, before any write; the override then
//! lets exactly the planned changes through, and the next plan is empty.

use crate::support::e2e::past_the_account_read;
use crate::support::safety::*;
use crate::support::*;
use hr2pagerduty::sim::{Fault, FaultKind};

/// An account in sync with `seeded`, and a workspace whose export is `hr`.
fn account(seeded: &[Person], hr: &[Person]) -> (Sim, Workspace) {
    account_with(&safety_config(), seeded, hr)
}

fn account_with(config: &str, seeded: &[Person], hr: &[Person]) -> (Sim, Workspace) {
    let ws = Workspace::new(config, &csv(seeded));
    let sim = sim_in_sync(base_seed(), &ws.config, &csv(seeded));
    plan(&sim, &ws, &["--detailed-exitcode"]).expect_code(0);
    ws.write_hr(&csv(hr));
    (sim, ws)
}

/// `plan` and `apply --yes` (with `extra`) both exit 3 with the same error containing
/// `needles`; nothing is written.
fn both_refuse(sim: &Sim, ws: &Workspace, extra: &[&str], needles: &[&str]) {
    let before = sim.handle.write_count();
    let p = plan(sim, ws, extra);
    p.expect_code(3)
        .expect_stderr(&["Error: refused before any write: "])
        .expect_stderr(needles);
    let a = apply(sim, ws, extra);
    a.expect_code(3).expect_stderr(needles);
    assert_eq!(p.error(), a.error(), "plan and apply refuse alike");
    // The plan is still shown, so the reader sees what tripped the check.
    assert!(
        p.stdout
            .contains("hr2pagerduty will perform the following actions:")
    );
    assert_eq!(sim.handle.write_count(), before, "a refusal writes nothing");
}

/// The user IDs of `people` in the simulator.
fn ids(sim: &Sim, people: &[Person]) -> Vec<String> {
    let mut v: Vec<String> = people
        .iter()
        .map(|p| sim.user(&p.email()).id.into_string())
        .collect();
    v.sort();
    v
}

/// The write requests as sorted `METHOD path` lines.
fn write_lines(sim: &Sim) -> Vec<String> {
    let mut v: Vec<String> = sim
        .writes()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    v.sort();
    v
}

#[test]
fn more_than_25_deactivations_are_refused_until_allowed() {
    let people = workforce(1000, 300);
    let mut hr = people.clone();
    for p in &mut hr[..26] {
        p.status = "Terminated";
    }
    let (sim, ws) = account(&people, &hr);
    // 26 of 300 is 8.7%: under the percentage caps and the shrink check.
    both_refuse(
        &sim,
        &ws,
        &[],
        &[
            "26 deactivations exceed [safety] max_deactivations = 25; review the plan, then rerun with --allow-deactivations 26",
        ],
    );
    let p = plan(&sim, &ws, &[]);
    p.expect_stdout(&["Plan: 0 to create, 0 to update, 26 to deactivate, 0 to reactivate."]);
    assert_eq!(p.error().lines().count(), 1, "only this cap trips: {p:?}");

    // A refused plan is not saved.
    let saved = ws.path("saved.json");
    plan(&sim, &ws, &["--out", saved.to_str().unwrap()]).expect_code(3);
    assert!(!saved.exists());

    // An override below the count still refuses, naming the flag.
    both_refuse(
        &sim,
        &ws,
        &["--allow-deactivations", "25"],
        &["26 deactivations exceed --allow-deactivations 25"],
    );

    // The override is per run: a plan saved with it is checked again when applied.
    plan(
        &sim,
        &ws,
        &[
            "--allow-deactivations",
            "26",
            "--out",
            saved.to_str().unwrap(),
        ],
    )
    .expect_code(0);
    let mut again = args(&["apply", "--yes", "--config"]);
    again.push(ws.config.display().to_string());
    again.push("--plan".into());
    again.push(saved.display().to_string());
    run(&sim, &again).expect_code(3).expect_stderr(&[
        "Error: refused before any write: 26 deactivations exceed [safety] max_deactivations = 25",
    ]);
    assert_eq!(sim.handle.write_count(), 0);
    again.extend(args(&["--allow-deactivations", "26"]));
    run(&sim, &again).expect_code(0).expect_stdout(&[
        "Apply complete! 0 created, 0 updated, 26 deactivated, 0 reactivated, 0 failed",
    ]);
    // One PUT per leaver (no teams to leave), and nothing else.
    let expected: Vec<String> = ids(&sim, &hr[..26])
        .iter()
        .map(|id| format!("PUT /users/{id}"))
        .collect();
    assert_eq!(write_lines(&sim), expected);
    for p in &hr[..26] {
        assert_eq!(sim.user(&p.email()).role.as_str(), "read_only_limited_user");
    }
    converged(&sim, &ws);
}

#[test]
fn the_deactivation_percentage_cap_applies_above_50_managed_users() {
    // Seven leavers and seven new hires: the active headcount does not shrink.
    let scenario = |n: u32| {
        let people = workforce(1000, n);
        let mut hr = people.clone();
        for p in &mut hr[..7] {
            p.status = "Terminated";
        }
        hr.extend(workforce(5000, 7));
        (people, hr)
    };

    // 50 managed users: 14% is allowed, the percentage cap is off at this size.
    let (people, hr) = scenario(50);
    let (sim, ws) = account(&people, &hr);
    plan(&sim, &ws, &["--detailed-exitcode"])
        .expect_code(2)
        .expect_stdout(&["Plan: 7 to create, 0 to update, 7 to deactivate"]);

    // 60 managed users: 7 deactivations are 11.7%.
    let (people, hr) = scenario(60);
    let (sim, ws) = account(&people, &hr);
    both_refuse(
        &sim,
        &ws,
        &[],
        &[
            "7 deactivations are 11.7% of the 60 users hr2pagerduty manages, above [safety] max_deactivation_percent = 10; review the plan, then rerun with --allow-deactivations 7",
        ],
    );
    apply(&sim, &ws, &["--allow-deactivations", "7"])
        .expect_code(0)
        .expect_stdout(&["Apply complete! 7 created, 0 updated, 7 deactivated"]);
    assert_eq!(sim.handle.write_count(), 14);
    converged(&sim, &ws);
}

#[test]
fn more_than_25_role_changes_are_refused_until_allowed() {
    let people = workforce(1000, 300);
    let mut hr = people.clone();
    for p in &mut hr[..26] {
        p.department = "Management"; // the rules give Management the role "user"
    }
    // Title changes alone are updates, not role changes, and do not count.
    for p in &mut hr[100..140] {
        p.title = "Senior Agent".into();
    }
    let (sim, ws) = account(&people, &hr);
    both_refuse(
        &sim,
        &ws,
        &[],
        &[
            "26 role changes exceed [safety] max_role_changes = 25; review the plan, then rerun with --allow-role-changes 26",
        ],
    );
    both_refuse(
        &sim,
        &ws,
        &["--allow-role-changes", "20"],
        &["26 role changes exceed --allow-role-changes 20"],
    );
    apply(&sim, &ws, &["--allow-role-changes", "26"])
        .expect_code(0)
        .expect_stdout(&["Apply complete! 0 created, 66 updated, 0 deactivated"]);
    assert_eq!(sim.handle.write_count(), 66);
    for p in &hr[..26] {
        assert_eq!(sim.user(&p.email()).role.as_str(), "user");
    }
    converged(&sim, &ws);
}

#[test]
fn the_role_change_percentage_cap_applies_above_50_managed_users() {
    let scenario = |n: u32| {
        let people = workforce(1000, n);
        let mut hr = people.clone();
        for p in &mut hr[..7] {
            p.department = "Management";
        }
        (people, hr)
    };
    let (people, hr) = scenario(50);
    let (sim, ws) = account(&people, &hr);
    plan(&sim, &ws, &["--detailed-exitcode"])
        .expect_code(2)
        .expect_stdout(&["Plan: 0 to create, 7 to update"]);

    let (people, hr) = scenario(60);
    let (sim, ws) = account(&people, &hr);
    both_refuse(
        &sim,
        &ws,
        &[],
        &[
            "7 role changes are 11.7% of the 60 users hr2pagerduty manages, above [safety] max_role_change_percent = 10; review the plan, then rerun with --allow-role-changes 7",
        ],
    );
    // The deactivation override does not lift the role caps.
    both_refuse(
        &sim,
        &ws,
        &["--allow-deactivations", "100"],
        &["max_role_change_percent"],
    );
    apply(&sim, &ws, &["--allow-role-changes", "7"])
        .expect_code(0)
        .expect_stdout(&["Apply complete! 0 created, 7 updated"]);
    assert_eq!(sim.handle.write_count(), 7);
    converged(&sim, &ws);
}

#[test]
fn an_export_that_shrank_is_refused_until_max_shrink_percent_is_raised() {
    // 120 managed users; the export keeps the first 100 rows (cut at a row boundary).
    let people = workforce(1000, 120);
    let (sim, ws) = account(&people, &people[..100]);
    let shrink = "the export lists 100 active employees, 16.7% fewer than the 120 active users hr2pagerduty manages, above [safety] max_shrink_percent = 10; is the export truncated? If the drop is real, raise max_shrink_percent";
    both_refuse(
        &sim,
        &ws,
        &[],
        &[
            "\n  - 20 deactivations are 16.7% of the 120 users",
            &format!("\n  - {shrink}"),
        ],
    );
    // The deactivation override leaves the shrink check standing.
    both_refuse(&sim, &ws, &["--allow-deactivations", "20"], &[shrink]);
    let p = plan(&sim, &ws, &["--allow-deactivations", "20"]);
    assert!(!p.error().contains("deactivations"), "{p:?}");

    // The documented override: raise max_shrink_percent in the configuration.
    let raised = format!("{}\n[safety]\nmax_shrink_percent = 20\n", safety_config());
    std::fs::write(&ws.config, raised).unwrap();
    both_refuse(&sim, &ws, &[], &["max_deactivation_percent"]);
    apply(&sim, &ws, &["--allow-deactivations", "20"])
        .expect_code(0)
        .expect_stdout(&["Apply complete! 0 created, 0 updated, 20 deactivated"]);
    assert_eq!(sim.handle.write_count(), 20);
    converged(&sim, &ws);
}

#[test]
fn an_incomplete_listing_is_refused_before_any_write() {
    // Three pages of users; the first page claims to be the last.
    let people = workforce(1000, 250);
    let mut hr = people.clone();
    hr[0].title = "Team Lead".into();
    let (sim, ws) = account(&people, &hr);
    let end_early = Fault::new("GET", "/users", FaultKind::EndEarly);
    for (run, fault) in [
        (
            plan as fn(&Sim, &Workspace, &[&str]) -> Run,
            end_early.clone(),
        ),
        // After the read that names the account for the lock (GET /users?limit=1).
        (apply, past_the_account_read(&end_early)),
    ] {
        sim.inject(fault);
        run(&sim, &ws, &[]).expect_code(3).expect_stderr(&[
            "Error: refused before any write: ",
            "the listing cannot be proven complete, so nothing was written",
        ]);
    }
    assert_eq!(sim.handle.write_count(), 0);
}

#[test]
fn in_a_small_account_max_deactivations_governs_not_the_shrink_check() {
    // 8 managed users, one leaver: 12.5% fewer active employees, which the shrink check
    // used to refuse. Like the percentage caps it applies only above 50 managed users.
    let people = workforce(1000, 8);
    let mut hr = people.clone();
    hr[3].status = "Terminated";
    let (sim, ws) = account(&people, &hr);
    plan(&sim, &ws, &["--detailed-exitcode"]).expect_code(2);
    apply(&sim, &ws, &[])
        .expect_code(0)
        .expect_stdout(&["1 deactivated"]);
    converged(&sim, &ws);

    // 30 managed users who all left: max_deactivations (25) refuses it, not the shrink
    // check.
    let people = workforce(2000, 30);
    let mut hr = people.clone();
    for p in &mut hr {
        p.status = "Terminated";
    }
    let (sim, ws) = account(&people, &hr);
    let p = plan(&sim, &ws, &[]);
    p.expect_code(3)
        .expect_stderr(&["30 deactivations exceed [safety] max_deactivations = 25"]);
    assert!(!p.stderr.contains("max_shrink_percent"), "{p:?}");
    assert_eq!(sim.handle.write_count(), 0);
}
