//! End to end: `hr2pagerduty demo` plans, applies and plans again against its built-in
//! simulator, and ends with an empty plan.

use crate::support::e2e::*;
use serde_json::json;

#[test]
fn demo_runs_plan_apply_plan_and_converges() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("demo.json");
    let run = run(hr2pd(), &["demo", "--report", report.to_str().unwrap()]);
    run.expect_code(0);
    let out = &run.stdout;
    let plan = out.find("=== hr2pagerduty plan ===").expect("first plan");
    let apply = out.find("=== hr2pagerduty apply --yes ===").expect("apply");
    let again = out
        .find("=== hr2pagerduty plan (again) ===")
        .expect("second plan");
    assert!(plan < apply && apply < again, "{out}");
    assert!(
        out[plan..apply]
            .contains("Plan: 3 to create, 3 to update, 2 to deactivate, 1 to reactivate."),
        "{out}"
    );
    assert!(
        out[apply..again].contains(
            "Apply complete! 3 created, 3 updated, 2 deactivated, 1 reactivated, 0 failed, 2 skipped."
        ),
        "{out}"
    );
    assert!(out[again..].contains("No changes."), "{out}");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(
        r["summary"],
        json!({"created": 3, "updated": 3, "deactivated": 2, "reactivated": 1, "deleted": 0, "failed": 0, "not_started": 0, "interrupted": 0, "skipped": 2, "blocked": 0, "blocked_team_removals": 0, "invitations": 3})
    );
    // The demo's simulator listens on 127.0.0.1 only.
    assert!(out.contains("running on http://127.0.0.1:"), "{out}");
}

/// The demo plans without marker keys whatever the environment holds; with
/// `PAGERDUTY_MARKER_KEY` set it says it ignores it instead of "is not set" (review r10-d),
/// and without it the planner's note stands.
#[test]
fn demo_says_it_ignores_a_marker_key_that_is_set() {
    let key = "demo-test-marker-key-0123456789abcdef0123";
    let mut cmd = hr2pd();
    cmd.env("PAGERDUTY_MARKER_KEY", key);
    let keyed = run(cmd, &["demo"]);
    keyed.expect_code(0);
    assert!(
        keyed.stdout.contains("Note: the markers this plan writes are not signed: the demo ignores PAGERDUTY_MARKER_KEY"),
        "{keyed:?}"
    );
    assert!(
        !keyed.stdout.contains("PAGERDUTY_MARKER_KEY is not set"),
        "{keyed:?}"
    );
    assert!(!keyed.stdout.contains(key) && !keyed.stderr.contains(key));
    let plain = run(hr2pd(), &["demo"]);
    plain.expect_code(0);
    assert!(
        plain.stdout.contains("PAGERDUTY_MARKER_KEY is not set"),
        "{plain:?}"
    );
    assert!(!plain.stdout.contains("the demo ignores"), "{plain:?}");
}
