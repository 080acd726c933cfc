//! End to end: the real binary on accounts beyond PagerDuty's 10,000 offset ceiling (fact
//! F10), and PagerDuty's ceiling answer. Inputs are the demo's (`samples/demo/config.toml`,
//! `samples/demo/hr.csv`, the seed `samples/demo/seed.json` with this suite's key) plus
//! unmanaged users to pass the ceiling.

use crate::support::e2e::*;
use crate::support::*;
use hr2pagerduty::pagerduty::models::Role;
use hr2pagerduty::sim::{Fault, FaultKind, Seed, SeedUser};

fn unmanaged(name: String, email: String) -> SeedUser {
    SeedUser {
        id: None,
        name,
        email,
        role: Some(Role::LimitedUser),
        time_zone: None,
        job_title: None,
        description: None,
        color: None,
        teams: vec![],
        ..SeedUser::default()
    }
}

/// The demo seed plus `users`, with a budget the binary's 900 per minute stays under.
fn seed_with(users: impl IntoIterator<Item = SeedUser>) -> Seed {
    let mut seed = demo_seed();
    seed.users.extend(users);
    seed
}

#[test]
fn an_account_above_the_ceiling_is_planned_from_a_partitioned_listing() {
    // 10,000 unmanaged users besides the demo's: one plain walk cannot reach them all.
    let sim = Sim::start(seed_with((0..10_000).map(|i| {
        unmanaged(
            format!("Contractor {i:05}"),
            format!("contractor{i}@vendor.example.org"),
        )
    })));
    let total = sim.handle.users().len();
    assert!(total > 10_000);
    let plan = run_args(
        against(&sim, KEY),
        &demo_args("plan", &["--format", "json"]),
    );
    plan.expect_code(0);
    // The demo's plan, unchanged by the extra users: 3 creates, 3 updates, 2 deactivations,
    // 1 reactivation.
    let summary = summary(&plan.json());
    assert_eq!(summary["create"], 3, "{summary:?}");
    assert_eq!(summary["deactivate"], 2, "{summary:?}");
    let filtered = sim
        .handle
        .requests()
        .iter()
        .filter(|r| r.path == "/users" && r.query.contains("query="))
        .count();
    assert!(filtered > 10, "the listing was partitioned");
    assert!(sim.handle.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn a_listing_that_cannot_be_proven_complete_refuses_before_any_write() {
    // 10,050 addresses share the local part `oncall` at different domains and are on no
    // team: the partition `oncall@` cannot be narrowed below 10,000, so the listing cannot
    // be proven complete.
    let sim = Sim::start(seed_with((0..10_050).map(|i| {
        unmanaged(
            format!("On-call {i:05}"),
            format!("oncall@customer{i:05}.example.net"),
        )
    })));
    for cmd in ["plan", "apply"] {
        let extra: &[&str] = if cmd == "apply" { &["--yes"] } else { &[] };
        let run = run_args(against(&sim, KEY), &demo_args(cmd, extra));
        run.expect_code(3);
        for needle in [
            "Error: refused before any write: the users listing is incomplete",
            "query=oncall@ (10050 users",
            "creating users who may already exist",
            "the listing cannot be proven complete, so nothing was written",
        ] {
            assert!(
                run.stderr.contains(needle),
                "{cmd}: {needle}: {}",
                run.stderr
            );
        }
        assert!(!run.stdout.contains("Plan:"), "{cmd}: {}", run.stdout);
    }
    assert_eq!(sim.handle.write_count(), 0);
}

#[test]
fn the_ceiling_answer_at_a_low_offset_refuses_before_any_write() {
    // Two pages of users; PagerDuty refuses the second (offset 100) with its ceiling
    // answer, 400 code 2002: an incomplete listing (exit 3), not an HTTP failure (exit 1).
    let sim = Sim::start(seed_with((0..120).map(|i| {
        unmanaged(
            format!("Filler {i:03}"),
            format!("filler{i:03}@fill.example.org"),
        )
    })));
    let ceiling = Fault::new(
        "GET",
        "/users",
        FaultKind::Status {
            status: 400,
            code: Some(2002),
            message: Some("Arguments Caused Error".into()),
            errors: vec![],
        },
    )
    .skip(1);
    for cmd in ["plan", "apply"] {
        let extra: &[&str] = if cmd == "apply" {
            // After the read that names the account for the lock (GET /users?limit=1).
            sim.handle.inject(past_the_account_read(&ceiling));
            &["--yes"]
        } else {
            sim.handle.inject(ceiling.clone());
            &[]
        };
        let run = run_args(against(&sim, KEY), &demo_args(cmd, extra));
        run.expect_code(3);
        for needle in [
            "Error: refused before any write: the users listing is incomplete",
            "refused the page at offset 100 (limit 100) with its offset-ceiling answer",
            "code 2002",
            "nothing was written",
        ] {
            assert!(
                run.stderr.contains(needle),
                "{cmd}: {needle}: {}",
                run.stderr
            );
        }
        sim.handle.clear_faults();
    }
    assert_eq!(sim.handle.write_count(), 0);
}
