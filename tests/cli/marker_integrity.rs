//! Marker integrity through the real binary against the simulator (README.md § Marker
//! integrity): with `PAGERDUTY_MARKER_KEY`, `apply` writes signed markers and the next plan
//! is empty; a marker edited in PagerDuty is caught; markers written before the key are
//! signed once; keys that are empty or short are usage errors.

use crate::support::safety::*;
use crate::support::signed::*;
use crate::support::*;
use hr2pagerduty::marker::Verdict;
use serde_json::{Value, json};

#[test]
fn apply_with_the_key_signs_every_marker_from_the_post_and_the_next_plan_is_empty() {
    let people = workforce(1000, 4);
    let ws = Workspace::new(&safety_config(), &csv(&people));
    let sim = Sim::start(base_seed());
    keyed(&sim, &ws, "apply", &[], Some(MARKER_KEY))
        .expect_code(0)
        .expect_stdout(&["4 created"]);
    for p in &people {
        assert_eq!(verdict(&sim, &p.email()), Verdict::Current, "{}", p.email());
    }
    // The POST itself carried the signed marker (a crash after it leaves a trusted user).
    let posts: Vec<_> = sim
        .writes()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/users")
        .collect();
    assert_eq!(posts.len(), 4);
    for r in &posts {
        let body = r.body.as_ref().unwrap();
        let d = body["user"]["description"].as_str().unwrap();
        assert!(d.contains(r#","sig":""#), "{d}");
    }
    keyed_plan_is_empty(&sim, &ws);
    // Signed markers read without the key too, when the operator says signing stopped.
    keyed(
        &sim,
        &ws,
        "plan",
        &["--detailed-exitcode", "--allow-unsigned-run"],
        None,
    )
    .expect_code(0)
    .expect_stdout(&["No changes."]);
}

#[test]
fn a_marker_tampered_with_in_pagerduty_is_caught() {
    let (mut people, ws, sim) = signed_account(3);
    // A new hire, 1003, arrives; the user of 1001 rewrites its marker to claim 1003.
    people.extend(workforce(1003, 1));
    ws.write_hr(&csv(&people));
    let victim = sim.user("person1001@example.com");
    let forged = victim
        .description
        .clone()
        .unwrap()
        .replace(r#""employee_id":"1001""#, r#""employee_id":"1003""#);
    sim.put_user(victim.id.as_str(), json!({ "description": forged }));
    // Without the key the claim reads as a marker: only the user's other name and email
    // keep the new hire's row off it (README § Matching: an employee ID found on another
    // person's user), a skip that needs a person.
    let open = keyed(
        &sim,
        &ws,
        "plan",
        &["--format", "json", "--allow-unsigned-run"],
        None,
    )
    .json();
    assert!(
        open["actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["employee_id"] != "1003"),
        "{open}"
    );
    assert!(
        open["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["employee_id"] == "1003"
                && s["pagerduty_user_id"] == victim.id.as_str()
                && s["reason"]
                    .as_str()
                    .unwrap()
                    .contains("HR may have reused the employee ID")),
        "{open}"
    );
    let run = keyed(&sim, &ws, "plan", &[], Some(MARKER_KEY));
    run.expect_code(0).expect_stdout(&[
        &format!("{}", victim.id),
        "ownership marker ignored: its signature does not verify with PAGERDUTY_MARKER_KEY",
    ]);
    let v = keyed(&sim, &ws, "plan", &["--format", "json"], Some(MARKER_KEY)).json();
    for a in v["actions"].as_array().unwrap() {
        assert!(
            !(a["pagerduty_user_id"] == victim.id.as_str() && a["employee_id"] == "1003"),
            "{a}"
        );
        assert_ne!(
            a["action"], "create",
            "the claim is reported, not duplicated: {a}"
        );
    }
    // Applying changes nothing of the new hire's. The forged marker is treated as absent:
    // the user is found by its email, but, since the marker names another employee, its
    // row adopts nothing and writes nothing (fresh review r10f #1: a user who took a new
    // hire's address looks the same), a skip that names the claimed employee. The claim
    // still blocks the new hire's create in this run: two skips that need a person. The
    // run applies the rest and exits 1, the report says `failed` and marks the skips, and
    // the notification names them.
    people.extend(workforce(1004, 1));
    ws.write_hr(&csv(&people));
    let hook = crate::notify::Receiver::start(axum::http::StatusCode::OK);
    let report = ws.path("report.json");
    let url = hook.url();
    let run = keyed(
        &sim,
        &ws,
        "apply",
        &["--report", &report.display().to_string(), "--notify", &url],
        Some(MARKER_KEY),
    );
    run.expect_code(1).expect_stdout(&[
        "1 created",
        "0 updated",
        "Apply finished with skips that need a person.",
        "2 of these need a person (marked !)",
        &format!(
            "! person1001@example.com, {}, employee 1001: email belongs to PagerDuty user {} whose marker (signature invalid) seems to name employee 1003",
            victim.id, victim.id
        ),
    ]);
    assert_eq!(verdict(&sim, "person1001@example.com"), Verdict::Failed);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(v["status"], "failed", "{v:#}");
    assert_eq!(v["exit_code"], 1);
    let attention: Vec<&Value> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["needs_attention"] == true)
        .collect();
    assert_eq!(attention.len(), 2, "{v:#}");
    assert!(
        attention.iter().any(|s| s["employee_id"] == "1003"
            && s["reason"]
                .as_str()
                .unwrap()
                .contains("(signature invalid)")),
        "{v:#}"
    );
    assert_eq!(
        v["error"],
        "2 skipped need a person (skipped[].needs_attention)"
    );
    let bodies = hook.bodies();
    let text = bodies[0].1["text"].as_str().unwrap();
    assert!(text.contains("Skipped, needs a person (2):"), "{text}");
    // README's way out: a person removes the forged line. The next run, with
    // `--allow-adoption-by-email` (the person checked the user), adopts the user for 1001
    // by its email (raising nothing) and creates the new hire; no one needs a person.
    sim.put_user(victim.id.as_str(), json!({ "description": "" }));
    let run = keyed(
        &sim,
        &ws,
        "apply",
        &["--allow-adoption-by-email"],
        Some(MARKER_KEY),
    );
    run.expect_code(0)
        .expect_stdout(&["1 created", "1 updated"]);
    assert_eq!(verdict(&sim, "person1003@example.com"), Verdict::Current);
    assert_eq!(verdict(&sim, "person1001@example.com"), Verdict::Current);
}

/// A marker whose tag no longer verifies is shown as what the planner took it for: the
/// plan's old side says "signature invalid: ignored" (not "signed"), in the text and the
/// JSON plan (`marker_signature`), while the rewritten marker is signed.
#[test]
fn a_marker_whose_signature_fails_is_shown_as_invalid_in_the_plan() {
    let (_, ws, sim) = signed_account(2);
    let u = sim.user("person1000@example.com");
    let signed = u.description.clone().unwrap();
    // One digit of the tag changed; everything else (employee 1000) is as written.
    let at = signed.rfind(r#"""#).unwrap() - 1;
    let digit = if &signed[at..at + 1] == "0" { "1" } else { "0" };
    let edited = format!("{}{digit}{}", &signed[..at], &signed[at + 1..]);
    sim.put_user(u.id.as_str(), json!({ "description": edited }));
    assert_eq!(verdict(&sim, "person1000@example.com"), Verdict::Failed);

    // Matched by its email only: a person checked it (`--allow-adoption-by-email`).
    let allow = "--allow-adoption-by-email";
    let text = keyed(&sim, &ws, "plan", &[allow], Some(MARKER_KEY));
    text.expect_code(0).expect_stdout(&[
        "ownership marker ignored: its signature does not verify",
        "description = [marker: employee 1000, signature invalid: ignored] → [marker: employee 1000, signed]",
    ]);
    let v = keyed(
        &sim,
        &ws,
        "plan",
        &["--format", "json", allow],
        Some(MARKER_KEY),
    )
    .json();
    let actions = v["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{v}");
    assert_eq!(actions[0]["pagerduty_user_id"], u.id.as_str(), "{v}");
    assert_eq!(actions[0]["marker_signature"], "invalid", "{v}");
    // Applied, the marker is signed again and the next plan is empty.
    keyed(&sim, &ws, "apply", &[allow], Some(MARKER_KEY)).expect_code(0);
    assert_eq!(verdict(&sim, "person1000@example.com"), Verdict::Current);
    keyed_plan_is_empty(&sim, &ws);
}

#[test]
fn markers_written_before_the_key_are_signed_once_and_then_converge() {
    let people = workforce(1000, 5);
    let (ws, sim) = in_sync(base_seed(), &people);
    for p in &people {
        assert_eq!(verdict(&sim, &p.email()), Verdict::Unsigned);
    }
    let v = keyed(&sim, &ws, "plan", &["--format", "json"], Some(MARKER_KEY)).json();
    let actions = v["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 5, "{v}");
    assert!(
        actions
            .iter()
            .all(|a| a["reason"].as_str().unwrap().starts_with("sign marker")),
        "{v}"
    );
    keyed(&sim, &ws, "apply", &[], Some(MARKER_KEY))
        .expect_code(0)
        .expect_stdout(&["5 updated"]);
    for p in &people {
        assert_eq!(verdict(&sim, &p.email()), Verdict::Current);
    }
    keyed_plan_is_empty(&sim, &ws);
}

#[test]
fn empty_or_short_keys_are_usage_errors_and_doctor_says_whether_markers_are_signed() {
    let people = workforce(1000, 1);
    let ws = Workspace::new(&safety_config(), &csv(&people));
    let sim = Sim::start(base_seed());
    for cmd in ["plan", "apply"] {
        keyed(&sim, &ws, cmd, &[], Some(""))
            .expect_code(64)
            .expect_stderr(&["PAGERDUTY_MARKER_KEY is set but empty"]);
        keyed(&sim, &ws, cmd, &[], Some("short-key"))
            .expect_code(64)
            .expect_stderr(&["PAGERDUTY_MARKER_KEY is 9 bytes long; it must be at least 32 bytes"]);
    }
    assert!(sim.writes().is_empty());
    let check = |key: Option<&str>| doctor_marker_check(&sim, &ws, &[], key);
    let with = check(Some(MARKER_KEY));
    assert_eq!(with["status"], "pass", "{with}");
    let without = check(None);
    assert_eq!(without["status"], "note", "{without}");
    assert!(
        without["detail"]
            .as_str()
            .unwrap()
            .contains("ownership markers are not signed"),
        "{without}"
    );
    // And the plan of a run that writes markers without the key says so.
    keyed(&sim, &ws, "plan", &[], None)
        .expect_code(0)
        .expect_stdout(&["Note: the markers this plan writes are not signed"]);
}

/// README § Marker integrity: a forged `suspended` record "restores nothing … and the
/// marker is rewritten". A suspended leaver who edits their own signed marker (keeping the
/// old `sig`) is planned as a deactivation matched by email; the re-check before it reads
/// the marker with the same keys, so the deactivation goes ahead and rewrites the marker,
/// and the next plan is empty (no skip, no endless loop).
#[test]
fn a_suspended_leaver_who_edits_their_signed_marker_gets_it_rewritten() {
    let (mut people, ws, sim) = signed_account(3);
    deactivate_signed(&mut people, &ws, &sim, 1);
    let leaver = sim.user("person1001@example.com");
    let signed = leaver.description.clone().unwrap();
    assert!(signed.contains(r#""role":"limited_user""#), "{signed}");
    let forged = signed.replace(r#""role":"limited_user""#, r#""role":"admin""#);
    sim.put_user(leaver.id.as_str(), json!({ "description": forged }));
    assert_eq!(verdict(&sim, "person1001@example.com"), Verdict::Failed);

    // Already suspended, nothing is taken away: an update that rewrites the record, in the
    // text plan's count and the JSON plan's alike, not a deactivation (r10g 04).
    let json = keyed(&sim, &ws, "plan", &["--format", "json"], Some(MARKER_KEY)).json();
    assert_eq!(
        (&json["summary"]["update"], &json["summary"]["deactivate"]),
        (&json!(1), &json!(0)),
        "{json}"
    );
    let run = keyed(&sim, &ws, "apply", &[], Some(MARKER_KEY));
    run.expect_code(0).expect_stdout(&[
        "Plan: 0 to create, 1 to update, 0 to deactivate, 0 to reactivate.",
        "leaver already suspended (base role read_only_limited_user): the suspension record in its ownership marker is not trusted (signature invalid), so it restores nothing; the marker is rewritten with a record of the user as it is",
        "1 updated, 0 deactivated",
    ]);
    assert!(!run.stdout.contains("re-check"), "{run:?}");
    assert_eq!(verdict(&sim, "person1001@example.com"), Verdict::Current);
    let m = e2e::marker_of(sim.user("person1001@example.com").description.as_deref());
    let restores = m.suspended.expect("still suspended").role;
    assert_ne!(restores.to_string(), "admin");
    keyed_plan_is_empty(&sim, &ws);
}

/// Review r10-d #3: a leaver still in the export (terminated) writes a claim with a made-up
/// `sig` to another employee, who has a verified user. The marker fails the check and is
/// treated as absent: the leaver's own row matches by email and the user is deactivated
/// (the apply re-check reads the marker the same way), its marker replaced; nothing is left
/// for a person.
#[test]
fn a_leaver_who_forges_a_claim_to_another_employee_is_still_deactivated() {
    let mut people = workforce(1000, 3);
    let ws = Workspace::new(&safety_config(), &csv(&people));
    let sim = Sim::start(base_seed());
    keyed(&sim, &ws, "apply", &[], Some(MARKER_KEY)).expect_code(0);
    let leaver = sim.user("person1001@example.com");
    sim.put_user(
        leaver.id.as_str(),
        json!({ "description": r#"hr2pagerduty:v1 {"employee_id":"1002","sig":"00000000000000000000000000000000"}"# }),
    );
    people[1].status = "Terminated";
    ws.write_hr(&csv(&people));
    let run = keyed(&sim, &ws, "apply", &[], Some(MARKER_KEY));
    run.expect_code(0).expect_stdout(&["1 deactivated"]);
    assert!(!run.stdout.contains("re-check"), "{run:?}");
    assert_eq!(verdict(&sim, "person1001@example.com"), Verdict::Current);
    let m = e2e::marker_of(sim.user("person1001@example.com").description.as_deref());
    assert_eq!(
        m.employee_id.map(|id| id.to_string()).as_deref(),
        Some("1001")
    );
    assert!(m.suspended.is_some());
    assert_eq!(verdict(&sim, "person1002@example.com"), Verdict::Current);
}

/// A wrong `PAGERDUTY_MARKER_KEY` (none of the account's signed markers verifies) refuses
/// `plan` and `apply` before any write, saying the key is probably wrong; a rotation with
/// `PAGERDUTY_MARKER_KEY_PREVIOUS` proceeds, and `--allow-new-marker-key` overrides.
#[test]
fn a_wrong_marker_key_is_refused_before_any_write() {
    const OTHER: &str = "another-marker-key-entirely-1a2b3c4d5e6f7";
    // More signed markers than a run treats as forged (5).
    let (mut people, ws, sim) = signed_account(6);
    people[0].title = "Lead".into();
    ws.write_hr(&csv(&people));
    // A plan saved with the right key, applied with the wrong one (review r10-d #6): the
    // account's markers are counted again with the apply's key, by plan's rule.
    let saved = ws.path("keyed.plan.json");
    let saved = saved.to_str().unwrap();
    keyed(&sim, &ws, "plan", &["--out", saved], Some(MARKER_KEY)).expect_code(0);
    let writes = sim.writes().len();
    for cmd in ["plan", "apply", "apply --plan"] {
        let run = if cmd == "apply --plan" {
            let mut c = e2e::hr2pd();
            c.args(["--no-progress", "apply", "--yes", "--config"])
                .arg(&ws.config)
                .args(["--plan", saved])
                .env("PAGERDUTY_API_URL", sim.url())
                .env("PAGERDUTY_API_KEY", KEY)
                .env("PAGERDUTY_MARKER_KEY", OTHER);
            Run::from_output(c.output().unwrap())
        } else {
            keyed(&sim, &ws, cmd, &[], Some(OTHER))
        };
        run.expect_code(3).expect_stderr(&[
            "none of the 6 signed ownership markers in PagerDuty verifies with the marker key",
            "among them P",
            "the key is probably wrong",
            "--allow-new-marker-key",
            "The marker key was read from PAGERDUTY_MARKER_KEY: compare `printf %s \"$PAGERDUTY_MARKER_KEY\" | sha256sum`",
        ]);
        assert!(!run.stderr.contains(OTHER), "{run:?}");
    }
    assert_eq!(sim.writes().len(), writes, "nothing was written");
    // A rotation: the old key as the previous one.
    let mut c = e2e::hr2pd();
    c.args(["--no-progress", "plan"])
        .args(ws.inputs())
        .env("PAGERDUTY_API_URL", sim.url())
        .env("PAGERDUTY_API_KEY", KEY)
        .env("PAGERDUTY_MARKER_KEY", OTHER)
        .env("PAGERDUTY_MARKER_KEY_PREVIOUS", MARKER_KEY);
    Run::from_output(c.output().unwrap())
        .expect_code(0)
        .expect_stdout(&["re-sign marker"]);
    // The override: the run goes on, matching by email and re-signing under the new key
    // (every user tied by its email only: a person checked them, `--allow-adoption-by-email`).
    keyed(
        &sim,
        &ws,
        "apply",
        &["--allow-new-marker-key", "--allow-adoption-by-email"],
        Some(OTHER),
    )
    .expect_code(0);
    assert_ne!(sim.writes().len(), writes);
}

/// Review r10h #2 (t20): a rotation to a new key stopped part-way (here: 2 of 8 markers
/// signed again with the new key, as an apply killed or out of `--max-runtime` leaves
/// them), then the previous key dropped. The new key alone verifies 2 and fails 6 (among
/// them a suspended leaver's record, which would restore nothing): `plan`, `apply` and
/// `apply --plan` of a plan saved with both keys are refused before any write (exit 3),
/// naming the unfinished rotation and the previous key. With both keys the rotation
/// finishes, and the next plan with the new key alone has nothing to do.
#[test]
fn a_rotation_stopped_part_way_is_refused_once_the_previous_key_is_dropped() {
    const NEW: &str = "rotated-marker-key-for-the-test-9f8e7d6c5b4a3";
    let (mut people, ws, sim) = signed_account(8);
    deactivate_signed(&mut people, &ws, &sim, 7);
    let new_keys = hr2pagerduty::marker::MarkerKeys::new(
        hr2pagerduty::marker::MarkerKey::new("K", NEW).unwrap(),
        None,
    );
    // The stopped rotation: the first two users' markers signed again with the new key.
    for p in &people[..2] {
        let email = p.email();
        let u = sim.user(&email);
        let parsed = hr2pagerduty::marker::parse(u.description.as_deref());
        let hr2pagerduty::marker::MarkerState::Valid(m) = &parsed.marker else {
            panic!("{email}: {parsed:?}")
        };
        let line = hr2pagerduty::marker::render_line_with(m, Some(&new_keys), &email);
        sim.put_user(u.id.as_ref(), json!({ "description": line }));
    }
    let run = |cmd: &str, extra: &[&str], previous: bool| {
        let mut c = e2e::hr2pd();
        c.args(["--no-progress", cmd])
            .env("PAGERDUTY_API_URL", sim.url())
            .env("PAGERDUTY_API_KEY", KEY)
            .env("PAGERDUTY_MARKER_KEY", NEW);
        if cmd == "apply" {
            c.arg("--yes");
        }
        if !extra.contains(&"--plan") {
            c.args(ws.inputs());
        } else {
            c.arg("--config").arg(&ws.config);
        }
        c.args(extra);
        if previous {
            c.env("PAGERDUTY_MARKER_KEY_PREVIOUS", MARKER_KEY);
        }
        Run::from_output(c.output().unwrap())
    };
    let saved = ws.path("rotation.plan.json");
    let saved = saved.to_str().unwrap();
    run("plan", &["--out", saved], true)
        .expect_code(0)
        .expect_stdout(&["re-sign marker"]);
    let writes = sim.writes().len();
    for (cmd, extra) in [
        ("plan", &[][..]),
        ("apply", &[]),
        ("apply", &["--plan", saved]),
    ] {
        run(cmd, extra, false).expect_code(3).expect_stderr(&[
            "6 of the 8 signed ownership markers in PagerDuty do not verify with the marker key (or the previous one) while 2 do, among them P",
            "a marker-key rotation probably stopped part-way",
            "Give the old key as the previous one (--marker-key-previous-file FILE or PAGERDUTY_MARKER_KEY_PREVIOUS) until a plan shows no `re-sign marker` update",
            "--allow-new-marker-key",
        ]);
    }
    assert_eq!(sim.writes().len(), writes, "nothing was written");
    // The rotation finished with both keys; then the new key alone has nothing to do, and
    // the leaver's record is signed with it.
    run("apply", &[], true)
        .expect_code(0)
        .expect_stdout(&["6 updated"]);
    let next = run("plan", &["--detailed-exitcode"], false);
    next.expect_code(0).expect_stdout(&["No changes."]);
    assert!(!next.stdout.contains("re-sign marker"), "{}", next.stdout);
    let leaver = sim.user(&people[7].email()).description;
    let parsed = hr2pagerduty::marker::parse(leaver.as_deref());
    let hr2pagerduty::marker::MarkerState::Valid(m) = &parsed.marker else {
        panic!("{parsed:?}")
    };
    assert!(m.suspended.is_some(), "{m:?}");
    assert!(
        new_keys
            .check(m, parsed.sig.as_deref(), &people[7].email())
            .verifies()
    );
}

#[test]
fn a_run_without_the_key_on_signed_markers_is_refused_before_any_write() {
    // More signed markers than a run treats as forged (5).
    let (mut people, ws, sim) = signed_account(6);
    // The reviewer's attack: a forged claim on a new hire's ID, applied without the key.
    people.extend(workforce(1006, 1));
    ws.write_hr(&csv(&people));
    let victim = sim.user("person1001@example.com");
    sim.put_user(
        victim.id.as_str(),
        json!({ "description": r#"hr2pagerduty:v1 {"employee_id":"1006","sig":"00112233445566778899aabbccddeeff"}"# }),
    );
    let writes = sim.writes().len();
    for cmd in ["plan", "apply"] {
        let run = keyed(&sim, &ws, cmd, &[], None);
        run.expect_code(3).expect_stderr(&[
            "PAGERDUTY_MARKER_KEY is not set, but 6 ownership markers in PagerDuty are signed (among them P",
            "--allow-unsigned-run",
        ]);
        // The refusal alone: no plan built on trusting every marker unchecked.
        assert!(
            !run.stdout.contains("Plan:") && !run.stdout.contains("# user"),
            "{run:?}"
        );
    }
    // A plan saved without the key is refused at apply --plan too.
    let saved = ws.path("unsigned.plan.json");
    let saved = saved.to_str().unwrap();
    keyed(
        &sim,
        &ws,
        "plan",
        &["--allow-unsigned-run", "--out", saved],
        None,
    )
    .expect_code(0);
    let mut c = e2e::hr2pd();
    c.args(["--no-progress", "apply", "--yes", "--config"])
        .arg(&ws.config)
        .args(["--plan", saved])
        .env("PAGERDUTY_API_URL", sim.url())
        .env("PAGERDUTY_API_KEY", KEY);
    Run::from_output(c.output().unwrap())
        .expect_code(3)
        .expect_stderr(&["PAGERDUTY_MARKER_KEY is not set", "--allow-unsigned-run"]);
    assert_eq!(sim.writes().len(), writes, "nothing was written");
    assert_eq!(sim.user("person1001@example.com").id, victim.id);
}

#[test]
fn a_forged_claim_applied_without_the_key_takes_nothing_over_and_the_keyed_run_signs_nothing() {
    // 3 signed markers: not enough to refuse a run without the key (a user can write a made-up
    // `sig` into their own profile), but the account is a signed one (r10g 05b).
    let (mut people, ws, sim) = signed_account(3);
    people.extend(workforce(1003, 1));
    ws.write_hr(&csv(&people));
    // The user of 1001 claims the new hire's ID with a made-up tag and takes the hire's name.
    let mallory = sim.user("person1001@example.com");
    sim.put_user(
        mallory.id.as_str(),
        json!({
            "name": "Given1003 Family1003",
            "description": r#"hr2pagerduty:v1 {"employee_id":"1003","sig":"00112233445566778899aabbccddeeff"}"#,
        }),
    );
    // The scheduler lost the key for one night.
    let night = keyed(&sim, &ws, "apply", &[], None);
    night.expect_code(1).expect_stdout(&[
        "PAGERDUTY_MARKER_KEY is not set, but markers of this account carry a signature",
        &format!("the ownership marker of PagerDuty user {}", mallory.id),
        "change its email from person1001@example.com to this HR row's",
    ]);
    let after = sim.user("person1001@example.com");
    assert_eq!(after.id, mallory.id, "{night:?}");
    assert_eq!(after.role, mallory.role);
    assert!(
        !sim.state().contains_key("person1003@example.com"),
        "{night:?}"
    );
    // The next keyed run reads the claim as the forgery it is: nothing is signed for it.
    for _ in 0..2 {
        let run = keyed(&sim, &ws, "apply", &[], Some(MARKER_KEY));
        run.expect_code(1)
            .expect_stdout(&["No changes.", "signature invalid"]);
        assert_eq!(
            verdict(&sim, "person1001@example.com"),
            Verdict::Failed,
            "{run:?}"
        );
    }
}
