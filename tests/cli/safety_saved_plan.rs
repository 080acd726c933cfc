//! Saved plans through the real binary: `plan --out FILE` writes nothing to PagerDuty;
//! `apply --plan FILE --yes` sends exactly the saved plan's requests (nothing recomputed from
//! a newer export), and refuses with exit 3, before any write, when a user the plan touches
//! changed since, when a user it creates now exists, or when the configuration, the export
//! or the account differ from the ones the plan was made from.

use crate::support::safety::*;
use crate::support::*;
use hr2pagerduty::config::Config;
use hr2pagerduty::hr;
use hr2pagerduty::plan::Step;
use hr2pagerduty::saved_plan::SavedPlan;
use hr2pagerduty::sim::Seed;
use reqwest::Method;
use serde_json::{Value, json};

/// Ten people, half in Engineering (a rule team), in sync; then an export with a new hire
/// in Engineering (2000), a mover (1005, new title) and a leaver in Engineering (1001).
fn scenario() -> (Sim, Workspace, Vec<Person>) {
    let mut people = workforce(1000, 10);
    for p in &mut people[..5] {
        p.department = "Engineering";
    }
    let (ws, sim) = in_sync(base_seed(), &people);
    plan(&sim, &ws, &["--detailed-exitcode"]).expect_code(0);
    let mut hr = people.clone();
    hr[1].status = "Terminated";
    hr[5].title = "Senior Agent".into();
    let mut hire = workforce(2000, 1);
    hire[0].department = "Engineering";
    hr.extend(hire);
    ws.write_hr(&csv(&hr));
    (sim, ws, hr)
}

/// `plan --out saved.json`; returns the file's path.
fn save(sim: &Sim, ws: &Workspace) -> std::path::PathBuf {
    let out = ws.path("saved.json");
    plan(sim, ws, &["--out", out.to_str().unwrap()])
        .expect_code(0)
        .expect_stdout(&["Plan: 1 to create, 1 to update, 1 to deactivate, 0 to reactivate."])
        .expect_stderr(&[
            "Saved the plan to ",
            "To apply exactly these actions: hr2pagerduty apply --config ",
        ]);
    assert_eq!(sim.handle.write_count(), 0, "plan --out writes nothing");
    out
}

/// `apply --yes --config C --plan P` plus `extra`.
fn apply_saved(sim: &Sim, ws: &Workspace, saved: &std::path::Path, extra: &[&str]) -> Run {
    let mut a = args(&["apply", "--yes", "--config"]);
    a.push(ws.config.display().to_string());
    a.push("--plan".into());
    a.push(saved.display().to_string());
    a.extend(extra.iter().map(|s| s.to_string()));
    run(sim, &a)
}

/// The requests the saved plan's steps stand for, as sorted `METHOD path body` lines
/// (created users' IDs looked up by email once they exist).
fn planned_requests(sim: &Sim, saved: &std::path::Path) -> Vec<String> {
    let saved: SavedPlan = serde_json::from_str(&std::fs::read_to_string(saved).unwrap()).unwrap();
    let mut out = Vec::new();
    for a in &saved.plan.actions {
        let uid = a
            .user_id
            .clone()
            .unwrap_or_else(|| sim.user(a.email.as_str()).id);
        for s in &a.steps {
            let (method, path, body) = match s {
                Step::CreateUser(n) => ("POST", "/users".to_string(), json!({ "user": n })),
                Step::UpdateUser(u) => ("PUT", format!("/users/{uid}"), json!({ "user": u })),
                Step::SetTeamRole { team_id, role, .. } => (
                    "PUT",
                    format!("/teams/{team_id}/users/{uid}"),
                    json!({ "role": role }),
                ),
                Step::RemoveFromTeam { team_id, .. } => (
                    "DELETE",
                    format!("/teams/{team_id}/users/{uid}"),
                    Value::Null,
                ),
                Step::DeleteUser { .. } => ("DELETE", format!("/users/{uid}"), Value::Null),
                Step::RestoreContacts { .. } => {
                    unreachable!("this scenario restores nobody from an archive")
                }
            };
            out.push(format!("{method} {path} {body}"));
        }
    }
    out.sort();
    out
}

/// The write requests the simulator received after the first `skip`, in the same form.
fn writes_after(sim: &Sim, skip: usize) -> Vec<String> {
    let mut out: Vec<String> = sim.writes()[skip..]
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r.method,
                r.path,
                r.body.clone().unwrap_or(Value::Null)
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_saved_plan_applies_exactly_its_actions() {
    let (sim, ws, mut hr) = scenario();
    let saved = save(&sim, &ws);

    // The export moves on after the review: another hire and another mover. Applying the
    // saved plan must not pick them up.
    hr[6].title = "Team Lead".into();
    hr.extend(workforce(3000, 1));
    ws.write_hr(&csv(&hr));

    apply_saved(&sim, &ws, &saved, &[])
        .expect_code(0)
        .expect_stdout(&[
            "Apply complete! 1 created, 1 updated, 1 deactivated, 0 reactivated, 0 failed",
        ]);
    let planned = planned_requests(&sim, &saved);
    // The hire: POST and its team; the mover: one PUT; the leaver: marker, team, role.
    assert_eq!(planned.len(), 6, "{planned:#?}");
    assert_eq!(writes_after(&sim, 0), planned);
    assert!(sim.handle.user_by_email("person3000@example.com").is_none());

    // What is left is exactly what the export gained after the plan was saved.
    plan(&sim, &ws, &["--detailed-exitcode"])
        .expect_code(2)
        .expect_stdout(&[
            "Plan: 1 to create, 1 to update, 0 to deactivate, 0 to reactivate.",
            "user person3000@example.com (employee 3000) will be created",
            "user person1006@example.com (",
        ]);

    // The same saved plan cannot be applied twice, and says so (issue 10: it listed every
    // create as "now exists" and every other action as a change since the plan).
    let writes = sim.handle.write_count();
    apply_saved(&sim, &ws, &saved, &[])
        .expect_code(3)
        .expect_stderr(&[
            "Error: refused before any write: the plan (made ",
            "was already applied",
        ]);
    assert_eq!(sim.handle.write_count(), writes);
}

#[test]
fn a_saved_plan_refuses_when_a_user_it_touches_changed() {
    let (sim, ws, _) = scenario();
    let saved = save(&sim, &ws);
    let mover = sim.user("person1005@example.com").id;
    let leaver = sim.user("person1001@example.com").id;

    // Someone edits the mover's job title in PagerDuty after the review.
    sim.put_user(mover.as_str(), json!({"job_title": "Changed Elsewhere"}));
    apply_saved(&sim, &ws, &saved, &[])
        .expect_code(3)
        .expect_stderr(&[
            "Error: refused before any write: PagerDuty changed since the plan was made",
            &format!("  - user {mover} (person1005@example.com) changed since the plan was made"),
            "make a new plan",
        ]);
    assert_eq!(sim.handle.write_count(), 1, "only the test's own edit");

    // The leaver leaves the team by hand: a membership is part of what was reviewed.
    sim.put_user(mover.as_str(), json!({"job_title": "Agent"}));
    let status = sim.api(
        Method::DELETE,
        &format!("/teams/PTENG01/users/{leaver}"),
        None,
    );
    assert_eq!(status, 204);
    let r = apply_saved(&sim, &ws, &saved, &[]);
    r.expect_code(3).expect_stderr(&[&format!(
        "  - user {leaver} (person1001@example.com) changed since the plan was made"
    )]);
    assert!(
        !r.stderr.contains(mover.as_str()),
        "the mover is as reviewed again: {r:?}"
    );
    assert_eq!(sim.handle.write_count(), 3);

    // Put everything back and change a user the plan does not touch: the plan applies.
    let status = sim.api(
        Method::PUT,
        &format!("/teams/PTENG01/users/{leaver}"),
        Some(json!({"role": "responder"})),
    );
    assert_eq!(status, 204);
    let bystander = sim.user("person1008@example.com").id;
    sim.put_user(
        bystander.as_str(),
        json!({"job_title": "Changed Elsewhere"}),
    );
    let before = sim.writes().len();
    apply_saved(&sim, &ws, &saved, &[])
        .expect_code(0)
        .expect_stdout(&["Apply complete! 1 created, 1 updated, 1 deactivated"]);
    assert_eq!(writes_after(&sim, before), planned_requests(&sim, &saved));
}

#[test]
fn a_saved_plan_refuses_other_inputs_and_a_user_it_would_create() {
    let (sim, ws, hr) = scenario();
    let saved = save(&sim, &ws);

    // A different export given with --hr.
    let other = ws.path("other.csv");
    let mut changed = hr.clone();
    changed[7].title = "Other".into();
    std::fs::write(&other, csv(&changed)).unwrap();
    apply_saved(&sim, &ws, &saved, &["--hr", other.to_str().unwrap()])
        .expect_code(3)
        .expect_stderr(&[&format!(
            "Error: refused before any write: the HR export {} is not the one the plan was made from; make a new plan",
            other.display()
        )]);

    // A changed configuration (one more protected address).
    let original = std::fs::read_to_string(&ws.config).unwrap();
    std::fs::write(
        &ws.config,
        original.replace(
            "\"audit@example.com\"",
            "\"audit@example.com\", \"x@example.com\"",
        ),
    )
    .unwrap();
    apply_saved(&sim, &ws, &saved, &[])
        .expect_code(3)
        .expect_stderr(&[&format!(
            "Error: refused before any write: the configuration {} changed since the plan was made; make a new plan",
            ws.config.display()
        )]);
    std::fs::write(&ws.config, &original).unwrap();

    // Another account.
    let elsewhere = Sim::start(base_seed());
    let mut a = args(&["apply", "--yes", "--config"]);
    a.push(ws.config.display().to_string());
    a.push("--plan".into());
    a.push(saved.display().to_string());
    run(&elsewhere, &a).expect_code(3).expect_stderr(&[&format!(
        "Error: refused before any write: the plan was made against {}, not {}",
        sim.url(),
        elsewhere.url()
    )]);
    assert!(elsewhere.requests().is_empty());
    assert!(sim.requests().iter().all(|r| r.method == "GET"));

    // The new hire was created by someone else in the meantime.
    let status = sim.api(
        Method::POST,
        "/users",
        Some(json!({"user": {"type": "user", "name": "Given2000 Family2000", "email": "person2000@example.com"}})),
    );
    assert_eq!(status, 201);
    let hire = sim.user("person2000@example.com").id;
    apply_saved(&sim, &ws, &saved, &["--hr", ws.hr.to_str().unwrap()])
        .expect_code(3)
        .expect_stderr(&[&format!(
            "  - the plan creates person2000@example.com, but user {hire} (person2000@example.com) now exists"
        )]);
    assert_eq!(sim.handle.write_count(), 1, "only the test's own POST");
}

#[test]
fn a_saved_plan_applied_twice_says_it_was_already_applied() {
    // Issue 10: the second `apply --plan` listed every create as "now exists" and every
    // update as "changed since the plan was made".
    let (sim, ws, _) = scenario();
    let saved = save(&sim, &ws);
    apply_saved(&sim, &ws, &saved, &[]).expect_code(0);
    let writes = sim.handle.write_count();
    let again = apply_saved(&sim, &ws, &saved, &[]);
    again.expect_code(3).expect_stderr(&[
        "Error: refused before any write: the plan (made ",
        "was already applied: PagerDuty already shows every one of its 3 actions done",
    ]);
    assert!(!again.stderr.contains("now exists"), "{}", again.stderr);
    assert!(!again.stderr.contains("changed since"), "{}", again.stderr);
    assert_eq!(sim.handle.write_count(), writes, "nothing written");
}

#[test]
fn a_saved_plan_applied_with_another_configuration_names_both_files() {
    let (sim, ws, _) = scenario();
    let saved = save(&sim, &ws);
    let other = ws.path("other.toml");
    let text = std::fs::read_to_string(&ws.config).unwrap();
    std::fs::write(&other, format!("{text}\n# another file\n")).unwrap();
    let mut a = args(&["apply", "--yes", "--config"]);
    a.push(other.display().to_string());
    a.push("--plan".into());
    a.push(saved.display().to_string());
    let r = run(&sim, &a);
    r.expect_code(3).expect_stderr(&[&format!(
        "Error: refused before any write: the plan was made with the configuration {}, not {}; apply it with --config {}",
        std::fs::canonicalize(&ws.config).unwrap().display(),
        other.display(),
        std::fs::canonicalize(&ws.config).unwrap().display(),
    )]);
    assert!(!r.stderr.contains("changed since"), "{}", r.stderr);
    assert_eq!(sim.handle.write_count(), 0);
}

#[test]
fn plan_out_to_a_missing_directory_is_refused_before_listing() {
    let (sim, ws, _) = scenario();
    let before = sim.requests().len();
    let out = ws.path("no/such/dir/plan.json");
    plan(&sim, &ws, &["--out", out.to_str().unwrap()])
        .expect_code(64)
        .expect_stderr(&[&format!(
            "Error: cannot write the plan to {}: ",
            out.display()
        )]);
    assert_eq!(sim.requests().len(), before, "PagerDuty was listed first");
}

/// The export's rows skipped for HR problems are kept in the saved plan, and `apply --plan`
/// (without `--hr`) lists and counts them exactly as `apply --hr` does, instead of saying
/// that PagerDuty matches the export.
#[test]
fn a_saved_plan_keeps_the_rows_skipped_for_hr_problems() {
    let people = workforce(1000, 25);
    let (ws, sim) = in_sync(base_seed(), &people);
    let mut hr = csv(&people);
    hr.extend_from_slice(
        b"2001,bad address@example.com,Given2001,Family2001,Active,Support,Agent,Etc/UTC,2020-01-01,\n",
    );
    ws.write_hr(&hr);
    let out = ws.path("saved.json");
    let planned = plan(&sim, &ws, &["--out", out.to_str().unwrap()]);
    planned
        .expect_code(0)
        .expect_stdout(&["Skipped (2):", "HR line 27"]);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(
        saved["hr_problems"].as_array().map(Vec::len),
        Some(1),
        "{saved}"
    );
    assert_eq!(saved["hr_problems"][0]["line"], 27, "{saved}");
    // The older layout (no hr_problems) still loads.
    let mut old = saved.clone();
    old.as_object_mut().unwrap().remove("hr_problems");
    let old_path = ws.path("old.json");
    std::fs::write(&old_path, old.to_string()).unwrap();
    apply_saved(&sim, &ws, &old_path, &[]).expect_code(0);

    let report_hr = ws.path("hr-report.json");
    let with_hr = apply(&sim, &ws, &["--report", report_hr.to_str().unwrap()]);
    with_hr.expect_code(0);
    let report_saved = ws.path("saved-report.json");
    let from_saved = apply_saved(
        &sim,
        &ws,
        &out,
        &["--report", report_saved.to_str().unwrap()],
    );
    from_saved
        .expect_code(0)
        .expect_stdout(&["Skipped (2):", "HR line 27"]);
    assert!(
        !from_saved
            .stdout
            .contains("PagerDuty matches the HR export"),
        "{from_saved:?}"
    );
    assert_eq!(from_saved.stdout, with_hr.stdout);
    let summary = |p: &std::path::Path| {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        v["summary"]["skipped"].clone()
    };
    // The HR row and the owner (left alone on purpose).
    assert_eq!(summary(&report_saved), json!(2));
    assert_eq!(summary(&report_saved), summary(&report_hr));
    // The -v log line counts them too, as `Skipped (2)` does.
    plan(&sim, &ws, &["-v"]).expect_stderr(&["0 deletions; 2 skipped, 25 unchanged"]);
    apply_saved(&sim, &ws, &out, &["-v"])
        .expect_code(0)
        .expect_stderr(&["0 deletions; 2 skipped, 25 unchanged"]);
    assert_eq!(sim.handle.write_count(), 0);
}

/// `base_seed()` with an account in sync with `people` under the safety configuration, and
/// the abilities `abilities` (PagerDuty's four when `None`).
fn in_sync_seed(ws: &Workspace, people: &[Person], abilities: Option<&[&str]>) -> Seed {
    let cfg = Config::load(&ws.config).unwrap();
    let roster = hr::read_bytes(&csv(people), &cfg).unwrap();
    let mut seed = base_seed();
    let users = in_sync_users(&cfg, &roster, &seed);
    seed.users.extend(users);
    seed.abilities = abilities.map(|a| a.iter().map(|s| s.to_string()).collect());
    seed
}

/// A suspension gives `[lifecycle] suspended_role` (`read_only_limited_user`), which needs
/// the `read_only_users` ability; PagerDuty answers the role change 402 only at the
/// suspension's last step, after the marker and the team removals, so an account without
/// that ability must refuse the run before its first write, in `plan`, `apply` and
/// `apply --plan` alike, naming the ability, the role and what to do.
#[test]
fn a_role_needing_an_ability_the_account_lacks_refuses_before_any_write() {
    let mut people = workforce(1000, 4);
    for p in &mut people[..2] {
        p.department = "Engineering";
    }
    let ws = Workspace::new(&safety_config(), &csv(&people));
    let mut hr = people.clone();
    hr[1].status = "Terminated";
    ws.write_hr(&csv(&hr));
    let needles = [
        "refused before any write: the plan gives base role read_only_limited_user to 1 user (person1001@example.com), which PagerDuty refuses (402) without the account's read_only_users ability",
        "[lifecycle] suspended_role = \"restricted_access\" or \"observer\"",
    ];
    let abilities_read = |sim: &Sim| {
        sim.requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path == "/abilities")
            .count()
    };

    // With the ability: the plan reads GET /abilities once, and is saved.
    let sim = Sim::start(in_sync_seed(&ws, &people, None));
    let saved = ws.path("saved.json");
    plan(&sim, &ws, &["--out", saved.to_str().unwrap()]).expect_code(0);
    assert_eq!(abilities_read(&sim), 1);

    // The same account on the same address, without the ability.
    let port = sim.handle.addr().port();
    drop(sim);
    let sim = Sim::start_on(in_sync_seed(&ws, &people, Some(&["teams"])), port);
    plan(&sim, &ws, &[]).expect_code(3).expect_stderr(&needles);
    apply(&sim, &ws, &[]).expect_code(3).expect_stderr(&needles);
    apply_saved(&sim, &ws, &saved, &[])
        .expect_code(3)
        .expect_stderr(&needles);
    assert_eq!(sim.handle.write_count(), 0, "nothing was written");
    let carol = sim.user("person1001@example.com");
    assert_eq!(carol.role.as_str(), "limited_user");
    assert!(!carol.description.unwrap_or_default().contains("suspended"));

    // A plan that gives no such role never asks.
    ws.write_hr(&csv(&people));
    let before = abilities_read(&sim);
    plan(&sim, &ws, &[]).expect_code(0);
    assert_eq!(abilities_read(&sim), before);
}
