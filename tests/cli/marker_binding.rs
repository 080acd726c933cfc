//! Marker integrity once an account is signed, through the real binary against the
//! simulator (README.md § Marker integrity): a leaver who strips the `sig` from their own
//! suspension record to raise it gets nothing back at the rehire; a signed marker copied
//! onto a contractor takes nothing over once the employee's user is deleted; a plan saved
//! with the key is not applied without it.

use crate::support::safety::*;
use crate::support::signed::*;
use crate::support::*;
use hr2pagerduty::marker::{self, Verdict};
use hr2pagerduty::vocab::Role;
use serde_json::json;

/// Review r10, finding 1 (and 4): the forged record is not signed ("written before the
/// key"), the deactivation rewrites it from the user as it is, and the rehire is a
/// reactivation (refused by `--allow-reactivations 0`) that gives the rules' role.
#[test]
fn a_leaver_who_strips_the_signature_from_their_record_gets_nothing_back_at_the_rehire() {
    let (mut people, ws, sim) = signed_account(3);
    deactivate_signed(&mut people, &ws, &sim, 1);
    let email = "person1001@example.com";
    let leaver = sim.user(email);
    let mut m = e2e::marker_of(leaver.description.as_deref());
    m.suspended.as_mut().expect("suspended").role = Role::Admin;
    sim.put_user(
        leaver.id.as_str(),
        json!({ "description": marker::render("", &m) }),
    );
    assert_eq!(verdict(&sim, email), Verdict::Unsigned);

    let run = keyed(&sim, &ws, "plan", &[], Some(MARKER_KEY));
    run.expect_code(0).expect_stdout(&[
        "it is unsigned and records a suspension, but other markers of this account verify",
    ]);
    assert!(!run.stdout.contains("sign marker"), "{run:?}");
    keyed(&sim, &ws, "apply", &[], Some(MARKER_KEY)).expect_code(0);
    assert_eq!(verdict(&sim, email), Verdict::Current);
    let kept = e2e::marker_of(sim.user(email).description.as_deref());
    assert_ne!(kept.suspended.expect("still suspended").role, Role::Admin);

    // The rehire. Had the forgery been signed, it would restore admin.
    people[1].status = "Active";
    ws.write_hr(&csv(&people));
    keyed(
        &sim,
        &ws,
        "apply",
        &["--allow-reactivations", "0"],
        Some(MARKER_KEY),
    )
    .expect_code(3)
    .expect_stderr(&["reactivation"]);
    keyed(&sim, &ws, "apply", &[], Some(MARKER_KEY))
        .expect_code(0)
        .expect_stdout(&["1 reactivated"]);
    assert_ne!(sim.user(email).role, Role::Admin);
}

/// Review r10, finding 2: a contractor (no HR row) copies a leaver's signed marker into
/// their own profile; an admin deletes the leaver's user; HR rehires the leaver. The tag is
/// bound to the leaver's email, so on the contractor it fails: no takeover (the
/// contractor keeps its email and role), no duplicate create, a skip that needs a person.
#[test]
fn a_signed_marker_copied_onto_a_contractor_takes_nothing_over() {
    let (mut people, ws, sim) = signed_account(3);
    let status = sim.api(
        reqwest::Method::POST,
        "/users",
        Some(json!({ "user": {
            "type": "user",
            "name": "Carl Contractor",
            "email": "carl@example.com",
            "role": "limited_user",
        }})),
    );
    assert_eq!(status, 201);
    deactivate_signed(&mut people, &ws, &sim, 1);
    let leaver = sim.user("person1001@example.com");
    let carl = sim.user("carl@example.com");
    sim.put_user(
        carl.id.as_str(),
        json!({ "description": leaver.description.clone().unwrap() }),
    );
    let status = sim.api(
        reqwest::Method::DELETE,
        &format!("/users/{}", leaver.id),
        None,
    );
    assert!((200..300).contains(&status), "{status}");
    people[1].status = "Active";
    ws.write_hr(&csv(&people));

    let v = keyed(&sim, &ws, "plan", &["--format", "json"], Some(MARKER_KEY)).json();
    for a in v["actions"].as_array().unwrap() {
        assert_ne!(a["pagerduty_user_id"], carl.id.as_str(), "{a}");
        assert_ne!(a["action"], "create", "{a}");
    }
    let posts = |sim: &Sim| {
        sim.writes()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/users")
            .count()
    };
    let before = posts(&sim);
    keyed(&sim, &ws, "apply", &[], Some(MARKER_KEY))
        .expect_code(1)
        .expect_stdout(&["ownership marker ignored: its signature does not verify"])
        .expect_stderr(&["1 skipped needs a person"]);
    assert_eq!(posts(&sim), before, "no duplicate is created");
    let after = sim.user("carl@example.com");
    assert_eq!((after.id, after.role), (carl.id, Role::LimitedUser));
}

/// Review r10, finding 5: a plan saved with `PAGERDUTY_MARKER_KEY` and applied without it
/// is refused before any write (exit 3), as a `plan` without the key is; the override is
/// `--allow-unsigned-run`.
#[test]
fn a_plan_saved_with_the_key_is_not_applied_without_it() {
    let (mut people, ws, sim) = signed_account(2);
    people[0].title = "Lead".into();
    ws.write_hr(&csv(&people));
    let saved = ws.path("keyed.plan.json");
    let saved = saved.to_str().unwrap();
    keyed(&sim, &ws, "plan", &["--out", saved], Some(MARKER_KEY)).expect_code(0);
    let writes = sim.writes().len();
    let apply_saved = |extra: &[&str]| {
        let mut c = e2e::hr2pd();
        c.args(["--no-progress", "apply", "--yes", "--config"])
            .arg(&ws.config)
            .args(["--plan", saved])
            .args(extra)
            .env("PAGERDUTY_API_URL", sim.url())
            .env("PAGERDUTY_API_KEY", KEY);
        Run::from_output(c.output().unwrap())
    };
    apply_saved(&[]).expect_code(3).expect_stderr(&[
        "this plan was made with a marker key (PAGERDUTY_MARKER_KEY or --marker-key-file), and none is given for this apply",
        "--allow-unsigned-run",
    ]);
    assert_eq!(sim.writes().len(), writes, "nothing was written");
    apply_saved(&["--allow-unsigned-run"]).expect_code(0);
    assert_ne!(sim.writes().len(), writes);
}

/// Review r10g 18: a saved plan made with the key creates a hire; before `apply --plan`, a
/// user takes the hire's email and writes an unsigned marker naming the hire. That is no
/// create of the plan's: the plan is refused as changed since it was made (exit 3), not
/// reported as already applied, and the new plan reads that user as the planner does (an
/// unsigned marker its email confirms, guarded as any adoption by email in a signed account).
#[test]
fn a_saved_create_is_not_taken_as_done_by_an_unsigned_marker_on_the_hires_email() {
    let (mut people, ws, sim) = signed_account(2);
    people.extend(workforce(1002, 1));
    ws.write_hr(&csv(&people));
    let saved = ws.path("keyed.plan.json");
    let saved = saved.to_str().unwrap();
    keyed(&sim, &ws, "plan", &["--out", saved], Some(MARKER_KEY)).expect_code(0);
    let squatter = sim.user("person1001@example.com");
    sim.put_user(
        squatter.id.as_str(),
        json!({
            "email": "person1002@example.com",
            "description": r#"hr2pagerduty:v1 {"employee_id":"1002"}"#,
        }),
    );
    let writes = sim.writes().len();
    let mut c = e2e::hr2pd();
    c.args(["--no-progress", "apply", "--yes", "--config"])
        .arg(&ws.config)
        .args(["--plan", saved])
        .env("PAGERDUTY_API_URL", sim.url())
        .env("PAGERDUTY_API_KEY", KEY)
        .env("PAGERDUTY_MARKER_KEY", MARKER_KEY);
    let run = Run::from_output(c.output().unwrap());
    run.expect_code(3).expect_stderr(&[
        "PagerDuty changed since the plan was made",
        &format!(
            "the plan creates person1002@example.com, but user {} (person1002@example.com) now exists",
            squatter.id
        ),
    ]);
    assert!(!run.stderr.contains("already applied"), "{run:?}");
    assert_eq!(sim.writes().len(), writes, "nothing was written");
    // The new plan decides the squatter's user for the hire's row, as the planner does.
    let again = keyed(&sim, &ws, "plan", &["--format", "json"], Some(MARKER_KEY)).json();
    let squatted = again["actions"]
        .as_array()
        .unwrap()
        .iter()
        .chain(again["skipped"].as_array().unwrap())
        .find(|a| a["employee_id"] == "1002")
        .cloned()
        .unwrap_or_else(|| panic!("{again}"));
    assert_eq!(
        squatted["pagerduty_user_id"],
        squatter.id.as_str(),
        "{again}"
    );
}
