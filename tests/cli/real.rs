//! End to end on the four real HR exports (`../shared/data/hr`), each with its
//! `samples/real/*.toml` configuration: the real binary plans, applies and plans again
//! against a simulator seeded (at test time) with an account that already holds most of
//! the workforce, plus movers, leavers, a managed user whose employee is gone, a rehire, an
//! email change, an adoption, new hires, the account owner, the protected bot and an
//! unmanaged user (see `tests/support/world.rs`).
//!
//! Each test prints a notice and passes when `../shared` is absent.

use crate::support::e2e::*;
use crate::support::world::{Mix, World};
use crate::support::*;
use std::collections::BTreeSet;

/// Plan (JSON, exit 2), apply with a report (exit 0), plan again (`No changes.`, exit 0).
/// Returns the simulator and the last plan's run for file-specific checks.
fn round_trip(world: &World) -> (Sim, Run) {
    let sim = Sim::start(world.seed.clone());
    let before = world.snapshot(&sim);
    let (cfg, hr) = (&world.config_path, &world.hr_path);

    // 1. plan --format json --detailed-exitcode: the expected actions, exit 2, no write.
    let mut args = inputs("plan", cfg, hr);
    args.extend([
        "--format".into(),
        "json".into(),
        "--detailed-exitcode".into(),
    ]);
    let plan = run_args(against(&sim, KEY), &args);
    plan.expect_code(2);
    world.check_plan_json(&plan.json());
    assert_eq!(sim.handle.write_count(), 0, "plan wrote");

    // 2. apply --yes --report: every action applied, the report's counts right.
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("report.json");
    let mut args = inputs("apply", cfg, hr);
    args.extend([
        "--yes".into(),
        "--report".into(),
        report_path.display().to_string(),
    ]);
    let apply = run_args(against(&sim, KEY), &args);
    apply.expect_code(0);
    let (c, u, d, r) = world.counts();
    assert!(
        apply.stdout.contains(&format!(
            "Plan: {c} to create, {u} to update, {d} to deactivate, {r} to reactivate."
        )),
        "{}",
        apply.stdout
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    let s = summary(&report);
    // Users hr2pagerduty never writes (the owner) are listed as left alone on purpose.
    let never_written = report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .filter(|s| {
            s["reason"]
                .as_str()
                .is_some_and(|r| r.ends_with("never changed"))
        })
        .count();
    let skipped = world.roster.invalid_rows()
        + usize::from(world.cast.protected_row.is_some())
        + never_written;
    assert_eq!(
        (
            s["created"],
            s["updated"],
            s["deactivated"],
            s["reactivated"],
            s["failed"],
            s["skipped"]
        ),
        (c as u64, u as u64, d as u64, r as u64, 0, skipped as u64),
        "{report:#}"
    );
    assert!(
        apply.stdout.contains(&format!(
            "Apply complete! {c} created, {u} updated, {d} deactivated, {r} reactivated, 0 failed, {skipped} skipped."
        )),
        "{}",
        apply.stdout
    );
    let outcomes: BTreeSet<&str> = report["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, BTreeSet::from(["applied"]));
    world.check_after_apply(&sim, &before);

    // 3. plan again: nothing left, exit 0 with --detailed-exitcode, and no write.
    let writes = sim.handle.write_count();
    let requests = sim.handle.requests().len();
    let mut args = inputs("plan", cfg, hr);
    args.push("--detailed-exitcode".into());
    let again = run_args(against(&sim, KEY), &args);
    again.expect_code(0);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
    assert!(!again.stdout.contains("Plan:"), "{}", again.stdout);
    assert_eq!(sim.handle.write_count(), writes);
    assert!(sim.handle.requests().len() > requests);
    (sim, again)
}

/// Distinct `offset`s requested on `GET /users`.
fn user_page_offsets(sim: &Sim) -> BTreeSet<u64> {
    sim.handle
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/users")
        .filter_map(|r| {
            r.query
                .split('&')
                .find_map(|kv| kv.strip_prefix("offset="))
                .and_then(|v| v.parse().ok())
        })
        .collect()
}

#[test]
fn hrdataset_v14_round_trip() {
    let Some(hr) = shared_hr_path("HRDataset_v14.csv") else {
        return;
    };
    let w = World::build(
        "samples/real/hrdataset.toml",
        &hr,
        Mix {
            movers: 3,
            leavers: 3,
            new_hires: 3,
            rehire: true,
            email_change: true,
            adoption: true,
            absent: true,
        },
    );
    // Most of the workforce is already in sync.
    assert!(w.seed.users.len() > 200, "{}", w.seed.users.len());
    let (sim, _) = round_trip(&w);
    // 207 active + 3 leavers seeded, plus owner, bot, unmanaged and the absent user: 3 pages.
    assert_eq!(
        user_page_offsets(&sim),
        BTreeSet::from([0, 100, 200]),
        "pagination"
    );
}

#[test]
fn kaggle_round_trip() {
    let Some(hr) = shared_hr_path("kaggle_employee_data_all_in_one.csv") else {
        return;
    };
    let w = World::build(
        "samples/real/kaggle.toml",
        &hr,
        Mix {
            movers: 5,
            leavers: 5,
            new_hires: 5,
            rehire: true,
            email_change: true,
            adoption: true,
            absent: true,
        },
    );
    assert!(w.seed.users.len() > 2500, "{}", w.seed.users.len());
    // A user whose HR row is invalid this run stays untouched (kaggle has 22 such rows).
    assert!(w.cast.protected_row.is_some());
    let (sim, again) = round_trip(&w);
    // Listing spans many pages, every one of them read.
    let offsets = user_page_offsets(&sim);
    let users = w.seed.users.len() + w.cast.new_hires.len();
    let pages = users.div_ceil(100) as u64;
    assert_eq!(offsets, (0..pages).map(|p| p * 100).collect(), "pagination");
    assert!(pages >= 25);
    // The unmanaged user is reported (unmanaged_users = "report"); the owner is listed as
    // left alone on purpose, not as unmanaged; the `from` bot is not listed.
    let note = format!(
        "Note: user PCASEY1 ({}) has no ownership marker and no HR row; left alone (unmanaged)",
        w.cast.unmanaged
    );
    assert!(again.stdout.contains(&note), "{}", again.stdout);
    assert!(
        again.stdout.contains(&format!("  - {}, ", w.cast.owner))
            && again.stdout.contains("account owner: never changed"),
        "{}",
        again.stdout
    );
    assert!(
        !again.stdout.contains(&format!("user {} (", w.cast.owner)),
        "{}",
        again.stdout
    );
    assert!(!again.stdout.contains(&w.cast.bot), "{}", again.stdout);
}

#[test]
fn midpoint_round_trip() {
    let Some(hr) = shared_hr_path("midpoint_hris_demo_export-initial.csv") else {
        return;
    };
    // No job title column: movers are name changes.
    let w = World::build(
        "samples/real/midpoint.toml",
        &hr,
        Mix {
            movers: 2,
            leavers: 2,
            new_hires: 2,
            rehire: true,
            email_change: true,
            adoption: true,
            absent: true,
        },
    );
    assert!(w.cfg.hr.columns.job_title.is_none());
    round_trip(&w);
}

#[test]
fn workivate_round_trip() {
    let Some(hr) = shared_hr_path("workivate_onboarding_full_import.csv") else {
        return;
    };
    // One valid employee (e2, John Doe) and no status column: he is the rehire; the leaver
    // is a managed user whose employee is not in the export; users for e1 and e3 (invalid
    // rows) are protected this run.
    let w = World::build(
        "samples/real/workivate.toml",
        &hr,
        Mix {
            movers: 0,
            leavers: 0,
            new_hires: 0,
            rehire: true,
            email_change: false,
            adoption: false,
            absent: true,
        },
    );
    assert_eq!(w.cast.rehire.as_ref().map(|id| id.as_str()), Some("e2"));
    assert!(w.cast.protected_row.is_some());
    round_trip(&w);
}
