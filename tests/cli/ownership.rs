//! Issue 7's ownership rules through the real binary against the simulator, each as a
//! scenario: plan, apply, plan again (`No changes.`), or a refusal (exit 3) before any
//! write. The API key's own user, offboarding unmanaged users, the suspended-by-others
//! conflict, roles checked at start-up, licences, probable duplicates, identity drift and
//! `--rekey-employee-ids`.

use crate::support::safety::*;
use crate::support::*;
use hr2pagerduty::pagerduty::models::licenses::LICENSE_NOT_AVAILABLE;
use hr2pagerduty::sim::{Fault, FaultKind, Seed, SeedUser};
use serde_json::{Value, json};

/// An account in sync with `people` ([`in_sync`]: `seed` plus those users, the
/// workspace's export `people` too), converged by one run.
fn settled(seed: Seed, people: &[Person]) -> (Workspace, Sim) {
    let (ws, sim) = in_sync(seed, people);
    converged(&sim, &ws);
    (ws, sim)
}

/// A seeded user without a marker.
fn unmarked(name: &str, email: &str, role: &str) -> SeedUser {
    serde_json::from_value(json!({"name": name, "email": email, "role": role})).unwrap()
}

/// The JSON plan of `plan --format json` with `extra`.
fn json_plan(sim: &Sim, ws: &Workspace, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let run = plan(sim, ws, &args);
    let v = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    (run, v)
}

fn marker_json(sim: &Sim, email: &str) -> Value {
    let d = sim.user(email).description.unwrap_or_default();
    let line = d
        .lines()
        .find(|l| l.starts_with("hr2pagerduty:v1 "))
        .unwrap_or_else(|| panic!("{email} has no marker: {d:?}"));
    serde_json::from_str(&line["hr2pagerduty:v1 ".len()..]).unwrap()
}

#[test]
fn the_user_that_owns_the_api_key_is_never_changed() {
    let people = workforce(1000, 4);
    // A user-level key owned by person 1001: GET /users/me names that user. Its user is a
    // Global Admin, as a key that adds users and sets roles must be (PAGERDUTY_API.md §1.3;
    // the simulator refuses such writes to other roles' keys): the test's own account-level
    // key, listed first, makes it one.
    let mut seed = base_seed();
    seed.api_keys = vec![
        serde_json::from_value(json!("setup-key")).unwrap(),
        serde_json::from_value(json!({"key": KEY, "user": "person1001@example.com"})).unwrap(),
    ];
    let (ws, sim) = settled(seed, &people);
    let owner = sim.user("person1001@example.com");
    sim.put_user(owner.id.as_str(), json!({"role": "admin"}));
    let mut hr = people.clone();
    hr[1].status = "Terminated";
    hr[2].status = "Terminated";
    ws.write_hr(&csv(&hr));
    let before = sim.user("person1001@example.com");
    plan(&sim, &ws, &[]).expect_code(0).expect_stdout(&[
        "person1001@example.com, ",
        "employee 1001: owns the API key this run uses: never changed",
        "Plan: 0 to create, 0 to update, 1 to deactivate, 0 to reactivate.",
    ]);
    apply(&sim, &ws, &[])
        .expect_code(0)
        .expect_stdout(&["1 deactivated"]);
    assert_eq!(sim.user("person1001@example.com"), before, "never written");
    assert_eq!(
        sim.user("person1002@example.com").role.as_str(),
        "read_only_limited_user"
    );
    assert!(
        sim.requests()
            .iter()
            .any(|r| r.path == "/users/me" && r.status == 200),
        "the key's user was asked for"
    );
    // The same account under an account-level key (GET /users/me answers 400): the
    // person is an ordinary leaver.
    let mut seed = base_seed();
    seed.api_keys = vec![serde_json::from_value(json!(KEY)).unwrap()];
    let (ws, sim) = settled(seed, &people);
    ws.write_hr(&csv(&hr));
    plan(&sim, &ws, &[])
        .expect_code(0)
        .expect_stdout(&["Plan: 0 to create, 0 to update, 2 to deactivate, 0 to reactivate."]);
    assert!(
        sim.requests()
            .iter()
            .any(|r| r.path == "/users/me" && r.status == 400),
        "an account-level key has no user"
    );
}

fn offboard_config() -> String {
    safety_config().replace(
        "default_time_zone = \"Etc/UTC\"",
        "default_time_zone = \"Etc/UTC\"\nunmanaged_users = \"offboard\"",
    )
}

#[test]
fn offboarding_deactivates_unmarked_users_without_a_row_and_a_later_row_reactivates_them() {
    let people = workforce(1000, 3);
    let mut seed = base_seed();
    seed.users.push(
        serde_json::from_value(json!({
            "name": "Carl Tractor", "email": "carl@contractor.example.net", "role": "user",
            "description": "Pipeline contractor",
            "teams": [{"team": "Engineering", "role": "manager"}]
        }))
        .unwrap(),
    );
    // In sync under "ignore": Carl is left alone.
    let (ws, sim) = settled(seed, &people);
    std::fs::write(&ws.config, offboard_config()).unwrap();
    let p = plan(&sim, &ws, &[]);
    p.expect_code(0).expect_stdout(&[
        "# user carl@contractor.example.net (P",
        "offboard: no ownership marker and no HR row ([lifecycle] unmanaged_users = \"offboard\")",
        "owner@example.com, POWNER1: account owner: never changed",
        "bot@example.com, PBOT001: protected by [lifecycle] protected: never changed",
        "Plan: 0 to create, 0 to update, 1 to deactivate, 0 to reactivate.",
    ]);
    apply(&sim, &ws, &[])
        .expect_code(0)
        .expect_stdout(&["1 deactivated"]);
    let carl = sim.user("carl@contractor.example.net");
    assert_eq!(carl.role.as_str(), "read_only_limited_user");
    assert!(sim.memberships(carl.id.as_str()).is_empty());
    let m = marker_json(&sim, "carl@contractor.example.net");
    assert!(m.get("employee_id").is_none(), "{m}");
    assert_eq!(m["suspended"]["role"], "user");
    assert_eq!(m["suspended"]["teams"][0]["role"], "manager");
    assert_eq!(sim.user("owner@example.com").role.as_str(), "owner");
    assert_eq!(sim.user("bot@example.com").role.as_str(), "admin");
    converged(&sim, &ws);

    // HR now lists Carl (new employee ID, same email): reactivated by email, the record
    // now names the employee.
    let mut hr = csv(&people);
    hr.extend_from_slice(
        b"4242,carl@contractor.example.net,Carl,Tractor,Active,Engineering,Contractor,Etc/UTC,2020-01-01,\n",
    );
    ws.write_hr(&hr);
    plan(&sim, &ws, &[])
        .expect_code(0)
        .expect_stdout(&["will be reactivated", "suspended as an unmanaged user"]);
    apply(&sim, &ws, &[])
        .expect_code(0)
        .expect_stdout(&["1 reactivated"]);
    let carl = sim.user("carl@contractor.example.net");
    assert_eq!(carl.role.as_str(), "limited_user");
    assert_eq!(
        marker_json(&sim, "carl@contractor.example.net"),
        json!({"employee_id": "4242"})
    );
    assert!(
        carl.description
            .unwrap()
            .starts_with("Pipeline contractor\n")
    );
    converged(&sim, &ws);
}

#[test]
fn offboarding_is_capped_like_every_deactivation() {
    let people = workforce(1000, 2);
    let mut seed = base_seed();
    for i in 0..3 {
        seed.users.push(unmarked(
            &format!("Temp {i}"),
            &format!("temp{i}@agency.example"),
            "limited_user",
        ));
    }
    let (ws, sim) = settled(seed, &people);
    std::fs::write(
        &ws.config,
        offboard_config() + "\n[safety]\nmax_deactivations = 2\n",
    )
    .unwrap();
    let before = sim.handle.write_count();
    plan(&sim, &ws, &[]).expect_code(3).expect_stderr(&[
        "3 deactivations exceed [safety] max_deactivations = 2",
        "--allow-deactivations 3",
    ]);
    apply(&sim, &ws, &[]).expect_code(3);
    assert_eq!(sim.handle.write_count(), before);
    apply(&sim, &ws, &["--allow-deactivations", "3"])
        .expect_code(0)
        .expect_stdout(&["3 deactivated"]);
    converged(&sim, &ws);
}

#[test]
fn offboarding_is_on_call_checked_like_every_deactivation() {
    let people = workforce(1000, 2);
    let mut seed = base_seed();
    seed.users.push(
        serde_json::from_value(json!({
            "id": "PTEMP01", "name": "Temp Agency", "email": "temp@agency.example",
            "role": "limited_user"
        }))
        .unwrap(),
    );
    // An open incident: on call, which the switch lets through (on a schedule or escalation
    // policy the stakeholder suspension would stay blocked, PagerDuty refusing the role
    // there: see `oncall_layers`).
    seed.incidents.push(
        serde_json::from_value(json!({
            "id": "Q0000000000001", "title": "Contract ends", "status": "triggered",
            "created_at": "2026-01-05T10:00:00Z",
            "assignments": [{"assignee": {"id": "PTEMP01", "type": "user_reference"}}]
        }))
        .unwrap(),
    );
    let (ws, sim) = settled(seed, &people);
    std::fs::write(&ws.config, offboard_config()).unwrap();
    let before = sim.user("temp@agency.example");
    let blocked = [
        "  # user temp@agency.example (PTEMP01) is blocked: it will not be deactivated\n",
        "offboard: no ownership marker and no HR row",
        "  #   blocked: 1 open incident assigned: \"Contract ends\" (Q0000000000001)\n",
        "1 blocked (on call).",
    ];
    let first = plan(&sim, &ws, &["--detailed-exitcode"]);
    first.expect_code(2).expect_stdout(&blocked);
    // Not attempted, not even its suspension record; the run exits 1 so that someone acts.
    apply(&sim, &ws, &[]).expect_code(1);
    assert_eq!(sim.user("temp@agency.example"), before, "never written");
    assert!(
        sim.writes().iter().all(|w| !w.path.contains("PTEMP01")),
        "{:?}",
        sim.writes()
    );
    // The next night plans the same blocked action.
    let again = plan(&sim, &ws, &["--detailed-exitcode"]);
    again.expect_code(2);
    assert_eq!(again.stdout, first.stdout);
    // The switch lets it through; the suspension names no employee.
    apply(&sim, &ws, &["--allow-oncall-gaps"])
        .expect_code(0)
        .expect_stdout(&["1 deactivated"]);
    assert_eq!(
        sim.user("temp@agency.example").role.as_str(),
        "read_only_limited_user"
    );
    let m = marker_json(&sim, "temp@agency.example");
    assert!(
        m.get("employee_id").is_none() && m.get("suspended").is_some(),
        "{m}"
    );
    converged(&sim, &ws);
}

#[test]
fn a_user_suspended_by_someone_else_is_reported_and_left_alone() {
    let people = workforce(1000, 2);
    let mut seed = base_seed();
    seed.users.push(unmarked(
        "Given1001 Family1001",
        "person1001@example.com",
        "read_only_limited_user",
    ));
    let (ws, sim) = in_sync(seed, &people[..1]);
    ws.write_hr(&csv(&people));
    let before = sim.user("person1001@example.com");
    let p = plan(&sim, &ws, &["--detailed-exitcode"]);
    p.expect_code(0).expect_stdout(&[
        "No changes. 1 unchanged; 2 skipped (see below): 1 for a conflict in PagerDuty to fix by hand, 1 left alone on purpose",
        "person1001@example.com, P",
        "PagerDuty user has no ownership marker and base role read_only_limited_user, as if suspended by someone other than hr2pagerduty: left alone (a conflict)",
    ]);
    // Left alone, but an employee HR calls active lacks access: a skip that needs a person,
    // so apply exits 1 (issue 10).
    apply(&sim, &ws, &[])
        .expect_code(1)
        .expect_stderr(&["1 skipped needs a person"]);
    assert_eq!(sim.user("person1001@example.com"), before, "not adopted");
    let (_, v) = json_plan(&sim, &ws, &[]);
    // The conflict and the owner (left alone on purpose).
    assert_eq!(v["summary"]["skipped"], 2, "{v:#}");
}

#[test]
fn a_deprecated_or_unknown_role_stops_validate_plan_and_apply_with_its_line() {
    let people = workforce(1000, 1);
    let text = safety_config().replace(
        "when = { department = \"Management\" }\nrole = \"user\"",
        "when = { department = \"Management\" }\nrole = \"team_responder\"",
    );
    assert_ne!(text, safety_config());
    let line = text
        .lines()
        .position(|l| l == "role = \"team_responder\"")
        .unwrap()
        + 1;
    let ws = Workspace::new(&text, &csv(&people));
    let sim = Sim::start(base_seed());
    let mut v = vec!["validate".to_string()];
    v.extend(ws.inputs());
    for run in [run(&sim, &v), plan(&sim, &ws, &[]), apply(&sim, &ws, &[])] {
        run.expect_code(78).expect_stderr(&[
            &format!("line {line}: `roles.rule #1 role`: \"team_responder\" is a legacy base role PagerDuty deprecated on 2019-04-26"),
        ]);
    }
    let team = safety_config().replace("role = \"responder\"", "role = \"lead\"");
    std::fs::write(&ws.config, team).unwrap();
    plan(&sim, &ws, &[])
        .expect_code(78)
        .expect_stderr(&["`teams.rule #1 role`: \"lead\" is not a team role"]);
    assert_eq!(sim.handle.write_count(), 0);
}

/// A Full User licence with `full_free` free seats and a Stakeholder one with
/// `stake_free`.
fn licensed_seed(full_free: u64, stake_free: u64) -> Seed {
    let mut seed = base_seed();
    seed.licenses = serde_json::from_value(json!([
        {"id": "PFULL01", "name": "Full User", "allocations_available": full_free,
         "valid_roles": ["owner", "admin", "user", "limited_user", "observer", "restricted_access"]},
        {"id": "PSTAKE1", "name": "Stakeholder", "allocations_available": stake_free,
         "valid_roles": ["read_only_user", "read_only_limited_user"]}
    ]))
    .unwrap();
    seed
}

fn licensed_config() -> String {
    safety_config().replace(
        "default = \"limited_user\"",
        "default = \"limited_user\"\ndefault_license = \"Full User\"",
    )
}

/// `people` in sync with an account holding the licences of [`licensed_seed`], then
/// [`licensed_config`] in place (a default licence) and one run to converge.
fn licensed(people: &[Person], full_free: u64, stake_free: u64) -> (Workspace, Sim) {
    let (ws, sim) = in_sync(licensed_seed(full_free, stake_free), people);
    std::fs::write(&ws.config, licensed_config()).unwrap();
    converged(&sim, &ws);
    (ws, sim)
}

#[test]
fn licences_are_counted_before_any_write_and_deactivations_free_their_seats() {
    let people = workforce(1000, 3);
    // Full User has 1 seat left; three new hires need 3.
    let (ws, sim) = licensed(&people, 1, 5);
    let mut hr = people.clone();
    hr.extend(workforce(2000, 3));
    ws.write_hr(&csv(&hr));
    let before = sim.handle.write_count();
    plan(&sim, &ws, &[]).expect_code(3).expect_stderr(&[
        "the plan gives licence \"Full User\" (PFULL01) to 3 users but only 1 is free: 2 missing",
    ]);
    apply(&sim, &ws, &[]).expect_code(3);
    assert_eq!(sim.handle.write_count(), before);

    // Two leavers move to Stakeholder (suspended_role read_only_limited_user): they free
    // two Full User seats, which apply uses after them.
    hr[0].status = "Terminated";
    hr[1].status = "Terminated";
    ws.write_hr(&csv(&hr));
    plan(&sim, &ws, &[]).expect_code(0).expect_stdout(&[
        "~ license     = \"Full User\" → \"Stakeholder\"",
        "+ license     = \"Full User\"",
        "Plan: 3 to create, 0 to update, 2 to deactivate, 0 to reactivate.",
    ]);
    let writes_before = sim.writes().len();
    apply(&sim, &ws, &[])
        .expect_code(0)
        .expect_stdout(&["3 created", "2 deactivated", "0 failed"]);
    // The deactivations ran first, so the seats they freed were free for the creates.
    let leavers = [
        sim.user("person1000@example.com").id,
        sim.user("person1001@example.com").id,
    ];
    let writes = sim.writes();
    let applied = &writes[writes_before..];
    let last_leaver_write = applied
        .iter()
        .rposition(|w| leavers.iter().any(|id| w.path.contains(id.as_str())))
        .unwrap();
    let first_create = applied.iter().position(|w| w.method == "POST").unwrap();
    assert!(last_leaver_write < first_create, "{applied:#?}");
    for r in sim.writes() {
        let user = r.body.as_ref().and_then(|b| b.get("user"));
        match (r.method.as_str(), r.path.as_str()) {
            ("POST", "/users") => assert_eq!(
                user.unwrap()["license"],
                json!({"id": "PFULL01", "type": "license_reference"}),
                "the named licence is sent on create"
            ),
            ("PUT", _) => assert!(
                user.is_none_or(|u| u.get("license").is_none()),
                "a licence PagerDuty picks is never sent: {:?}",
                r.body
            ),
            _ => {}
        }
    }
    converged(&sim, &ws);
}

/// Fresh review: `apply --plan` did not count licences again, so a saved plan made while
/// one Full User seat was free, applied after someone else took it, failed its create with
/// "License is not available" instead of being refused before any write as `plan` is.
#[test]
fn apply_plan_counts_licences_again_and_refuses_one_used_up_since() {
    let people = workforce(1000, 3);
    let (ws, sim) = licensed(&people, 1, 5);
    let mut hr = people.clone();
    hr.extend(workforce(2000, 1));
    ws.write_hr(&csv(&hr));
    let saved = ws.path("plan.json");
    let saved_arg = saved.display().to_string();
    plan(&sim, &ws, &["--out", &saved_arg]).expect_code(0);
    let mut apply_saved = vec!["apply".to_string(), "--yes".to_string()];
    apply_saved.extend(ws.inputs());
    apply_saved.extend(["--plan".to_string(), saved_arg.clone()]);
    // Another tool takes the last Full User seat.
    let other = json!({"user": {
        "type": "user", "name": "Other Tool", "email": "other@example.com",
        "role": "limited_user", "license": {"id": "PFULL01", "type": "license_reference"}
    }});
    assert_eq!(sim.api(reqwest::Method::POST, "/users", Some(other)), 201);
    let before = sim.handle.write_count();
    run(&sim, &apply_saved).expect_code(3).expect_stderr(&[
        "the plan gives licence \"Full User\" (PFULL01) to 1 user but only 0 are free: 1 missing",
    ]);
    assert_eq!(sim.handle.write_count(), before, "refused before any write");
    assert!(
        !sim.requests()
            .iter()
            .any(|r| r.method == "POST" && r.path == "/users" && r.status != 201),
        "no create was attempted"
    );
    // The seat freed again (that user deleted): the same saved plan applies.
    let id = sim.user("other@example.com").id;
    assert_eq!(
        sim.api(reqwest::Method::DELETE, &format!("/users/{id}"), None),
        204
    );
    run(&sim, &apply_saved)
        .expect_code(0)
        .expect_stdout(&["1 created"]);
    converged(&sim, &ws);
}

#[test]
fn a_role_change_never_echoes_the_licence_and_licence_errors_are_reported_once() {
    let people = workforce(1000, 2);
    let (ws, sim) = licensed(&people, 5, 5);
    // A mover into Management (role user, same Full User licence): the PUT carries the
    // role only. The simulator refuses a role change with the old licence attached when it
    // does not allow the role, and picks none when the current one allows it.
    let mut hr = people.clone();
    hr[0].department = "Management";
    // One more hire, whose create PagerDuty refuses for want of a licence.
    hr.extend(workforce(3000, 1));
    ws.write_hr(&csv(&hr));
    sim.inject(
        Fault::new(
            "POST",
            "/users",
            FaultKind::Status {
                status: 400,
                code: Some(2001),
                message: Some("Invalid Input Provided".into()),
                errors: vec![LICENSE_NOT_AVAILABLE.into()],
            },
        )
        .times(1),
    );
    // And the account lock, transient, on the mover's PUT.
    sim.inject(Fault::new("PUT", "/users/*", FaultKind::AccountLock).times(1));
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let report_arg = report.display().to_string();
    apply(&sim, &ws, &["--report", &report_arg]).expect_code(1);
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let actions = r["actions"].as_array().unwrap();
    let create = actions.iter().find(|a| a["action"] == "create").unwrap();
    assert_eq!(create["outcome"], "failed", "{create:#}");
    assert_eq!(create["attempts"], 1, "not retried: {create:#}");
    assert!(
        create["error"]
            .as_str()
            .unwrap()
            .contains("License error: License is not available"),
        "{create:#}"
    );
    let mover = actions.iter().find(|a| a["action"] == "update").unwrap();
    assert_eq!(mover["outcome"], "applied", "{mover:#}");
    assert_eq!(mover["attempts"], 2, "the lock was retried: {mover:#}");
    let puts: Vec<Value> = sim
        .writes()
        .into_iter()
        .filter(|w| w.method == "PUT" && w.path.starts_with("/users/"))
        .filter_map(|w| w.body)
        .collect();
    assert!(!puts.is_empty());
    assert!(
        puts.iter().all(|b| b["user"].get("license").is_none()),
        "{puts:?}"
    );
    assert_eq!(sim.user("person1000@example.com").role.as_str(), "user");
    // The next night creates the hire.
    apply(&sim, &ws, &[])
        .expect_code(0)
        .expect_stdout(&["1 created"]);
    converged(&sim, &ws);
}

#[test]
fn a_first_sync_under_a_wrong_email_domain_is_refused_as_probable_duplicates() {
    let people = workforce(1000, 6);
    let mut seed = base_seed();
    for p in &people {
        seed.users.push(unmarked(
            &format!("Given{} Family{}", p.id, p.id),
            &format!("person{}@old.example", p.id),
            "limited_user",
        ));
    }
    let ws = Workspace::new(&safety_config(), &csv(&people));
    let sim = Sim::start(seed);
    let before = sim.handle.write_count();
    let p = plan(&sim, &ws, &[]);
    p.expect_code(3).expect_stderr(&[
        "6 planned creates have the name of an existing PagerDuty user that no HR row matched, above [safety] max_probable_duplicates = 5",
        "\"Given1000 Family1000\" <person1000@example.com> would duplicate P",
        "rerun with --allow-probable-duplicates 6",
    ]);
    p.expect_stdout(&[
        "#   probable duplicate of P",
        "\"Given1000 Family1000\" <person1000@old.example>",
    ]);
    apply(&sim, &ws, &[]).expect_code(3);
    assert_eq!(sim.handle.write_count(), before);
    let (run, v) = json_plan(&sim, &ws, &["--allow-probable-duplicates", "6"]);
    run.expect_code(0);
    let dup = &v["actions"][0]["probable_duplicate"];
    assert_eq!(dup["email"], "person1000@old.example", "{v:#}");
    // The saved-plan hint repeats the override.
    let saved = ws.path("plan.json");
    plan(
        &sim,
        &ws,
        &[
            "--allow-probable-duplicates",
            "6",
            "--out",
            &saved.display().to_string(),
        ],
    )
    .expect_code(0)
    .expect_stderr(&["--allow-probable-duplicates 6 --yes"]);
    apply(&sim, &ws, &["--allow-probable-duplicates", "6"])
        .expect_code(0)
        .expect_stdout(&["6 created"]);
    converged(&sim, &ws);
}

/// The export of `people` with every employee ID prefixed by `E-`.
fn renumbered(people: &[Person]) -> Vec<u8> {
    String::from_utf8(csv(people))
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                format!("E-{l}\n")
            }
        })
        .collect::<String>()
        .into_bytes()
}

#[test]
fn renumbered_employee_ids_are_refused_until_rekeyed_within_the_cap() {
    let people = workforce(1000, 30);
    let (ws, sim) = settled(base_seed(), &people);
    let mut hr = people.clone();
    hr[0].status = "Terminated";
    ws.write_hr(&renumbered(&hr));
    let before = sim.handle.write_count();
    // Every row is skipped: the run would match nobody and suspend nobody.
    plan(&sim, &ws, &[]).expect_code(3).expect_stderr(&[
        "30 HR rows are skipped because the user their email finds carries a marker naming another employee ID (above [safety] max_identity_conflicts = 5): the employee IDs appear to have changed",
        "old ID 1000, new ID E-1000, person1000@example.com",
        "--rekey-employee-ids",
    ]);
    apply(&sim, &ws, &[]).expect_code(3);
    // Re-keying 30 markers is itself capped like the other changes.
    plan(&sim, &ws, &["--rekey-employee-ids"])
        .expect_code(3)
        .expect_stderr(&[
            "30 re-keyed markers exceed [safety] max_rekeys = 25",
            "--allow-rekeys 30",
        ]);
    assert_eq!(sim.handle.write_count(), before);
    let flags = ["--rekey-employee-ids", "--allow-rekeys", "30"];
    let (run, v) = json_plan(&sim, &ws, &flags);
    run.expect_code(0);
    assert_eq!(v["summary"]["update"], 29, "{v:#}");
    assert_eq!(
        v["summary"]["deactivate"], 1,
        "the leaver is suspended: {v:#}"
    );
    assert!(
        v["actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["rekeyed_from"]
                .as_str()
                .is_some_and(|old| a["employee_id"] == format!("E-{old}"))),
        "{v:#}"
    );
    apply(&sim, &ws, &flags)
        .expect_code(0)
        .expect_stdout(&["29 updated", "1 deactivated"]);
    // Re-keyed, the marker keeps the day of the run that created the user.
    let m = marker_json(&sim, "person1001@example.com");
    assert_eq!(
        m,
        json!({"employee_id": "E-1001", "created": m["created"].as_str().expect("kept")})
    );
    assert_eq!(
        marker_json(&sim, "person1000@example.com")["employee_id"],
        "E-1000"
    );
    converged(&sim, &ws);
}

/// A plan made without `--allow-oncall-gaps` and applied with `apply --plan FILE
/// --allow-oncall-gaps`: the deactivation it showed as blocked goes ahead, so its licence
/// change (Full User to Stakeholder, for the suspended role) is counted before any write,
/// as `plan --allow-oncall-gaps` would have counted it.
#[test]
fn apply_plan_with_allow_oncall_gaps_counts_the_licences_of_the_deactivations_it_lets_through() {
    let people = workforce(1000, 2);
    let ws = Workspace::new(&safety_config(), &csv(&people));
    // No Stakeholder seat is free; the leaver-to-be has an open incident assigned (on call,
    // which the switch lets through for a suspension; on a schedule or escalation policy a
    // stakeholder suspension would stay blocked, PagerDuty refusing the role there).
    let mut seed = licensed_seed(5, 0);
    let cfg = hr2pagerduty::config::Config::load(&ws.config).unwrap();
    let roster = hr2pagerduty::hr::read_bytes(&csv(&people), &cfg).unwrap();
    let mut users = in_sync_users(&cfg, &roster, &seed);
    users[0].id = Some("PLEAV01".into());
    seed.users.extend(users);
    seed.incidents.push(
        serde_json::from_value(json!({
            "id": "Q0000000000001", "title": "Disk full", "status": "triggered",
            "created_at": "2026-01-05T10:00:00Z",
            "assignments": [{"assignee": {"id": "PLEAV01", "type": "user_reference"}}]
        }))
        .unwrap(),
    );
    let sim = Sim::start(seed);
    std::fs::write(&ws.config, licensed_config()).unwrap();
    converged(&sim, &ws);
    let mut hr = people.clone();
    hr[0].status = "Terminated";
    ws.write_hr(&csv(&hr));
    let saved = ws.path("plan.json");
    let saved_arg = saved.display().to_string();
    plan(&sim, &ws, &["--out", &saved_arg])
        .expect_code(0)
        .expect_stdout(&[
            "is blocked: it will not be deactivated",
            "1 blocked (on call).",
        ]);
    let mut apply_saved = vec!["apply".to_string(), "--yes".to_string()];
    apply_saved.extend(ws.inputs());
    apply_saved.extend(["--plan".to_string(), saved_arg]);
    let before = sim.handle.write_count();
    // As saved: still blocked, nothing written.
    run(&sim, &apply_saved).expect_code(1);
    assert_eq!(sim.handle.write_count(), before);
    // Let through, the suspension needs a Stakeholder seat that is not there: refused before
    // any write, instead of a half-done suspension failing with "License is not available".
    apply_saved.push("--allow-oncall-gaps".to_string());
    let refused = run(&sim, &apply_saved);
    refused.expect_code(3).expect_stderr(&["Stakeholder"]);
    assert_eq!(sim.handle.write_count(), before, "{}", refused.stderr);
}

/// The `[pagerduty] from` user (the `From` header of every create) is a leaver in HR while
/// the same run creates a new hire: it is skipped with the way out, never deactivated, and
/// the create works.
#[test]
fn the_from_user_is_never_deactivated_even_when_hr_says_it_left() {
    // `from` unprotected, so only the From rule keeps it.
    let config = safety_config().replace(
        "protected = [\"bot@example.com\", \"audit@example.com\"]",
        "protected = [\"audit@example.com\"]",
    );
    let people = workforce(1000, 2);
    let ws = Workspace::new(&config, &csv(&people));
    let sim = sim_in_sync(base_seed(), &ws.config, &csv(&people));
    converged(&sim, &ws);
    // HR lists the bot's address as a terminated employee, and a new hire.
    let mut hr = csv(&[workforce(1000, 2), workforce(2000, 1)].concat());
    hr.extend_from_slice(
        b"9,bot@example.com,Provisioning,Bot,Terminated,Support,Agent,Etc/UTC,2020-01-01,\n",
    );
    ws.write_hr(&hr);
    let bot = sim.user("bot@example.com");
    let skip = "bot@example.com, PBOT001, employee 9: the [pagerduty] from user, which every create names in its From header: never deactivated or deleted; change [pagerduty] from to another user first (the next run then offboards this one), or list it under [lifecycle] protected to keep it";
    plan(&sim, &ws, &[]).expect_code(0).expect_stdout(&[
        skip,
        "Plan: 1 to create, 0 to update, 0 to deactivate, 0 to reactivate.",
    ]);
    apply(&sim, &ws, &[])
        .expect_code(0)
        .expect_stdout(&["1 created", "0 deactivated"]);
    assert_eq!(sim.user("bot@example.com"), bot, "never written");
    assert!(sim.handle.user_by_email("person2000@example.com").is_some());
    plan(&sim, &ws, &["--detailed-exitcode"])
        .expect_code(0)
        .expect_stdout(&["No changes.", skip]);
}

/// r10g #5: a terminated employee who set their own email to a protected address no user
/// held, and removed their marker, kept their access with `No changes.` and exit 0. Now
/// their row is a skip that needs a person naming that user: apply exits 1 and writes
/// nothing to the protected user, the report's skip says so, and the next plan says it
/// again; once the user's email is set back to the row's, the next run deactivates it.
#[test]
fn a_leaver_who_takes_a_free_protected_address_is_a_skip_that_needs_a_person() {
    let people = workforce(1000, 3);
    let (ws, sim) = settled(base_seed(), &people);
    let leaver = sim.user("person1001@example.com");
    sim.put_user(
        leaver.id.as_str(),
        json!({"email": "audit@example.com", "description": ""}),
    );
    let mut hr = people.clone();
    hr[1].status = "Terminated";
    ws.write_hr(&csv(&hr));
    let skip = format!(
        "! person1001@example.com, {id}, employee 1001: this leaver's row (HR line 3) finds no PagerDuty user, but PagerDuty user {id} (audit@example.com), which no HR row matches, has this leaver's name \"Given1001 Family1001\" and still holds a role or teams, and the run leaves it alone (its email is listed under [lifecycle] protected, and a protected user is never written), so nothing is written: check whether the leaver changed that user's email or removed its marker",
        id = leaver.id
    );
    plan(&sim, &ws, &[]).expect_code(0).expect_stdout(&[
        &skip,
        &format!(
            "- audit@example.com, {}: protected by [lifecycle] protected: never changed",
            leaver.id
        ),
        "1 of these needs a person (marked !)",
    ]);
    let before = sim.user("audit@example.com");
    let report = ws.path("report.json");
    apply(&sim, &ws, &["--report", report.to_str().unwrap()])
        .expect_code(1)
        .expect_stderr(&["1 skipped needs a person"]);
    assert_eq!(sim.user("audit@example.com"), before, "never written");
    let r = crate::support::e2e::read_json(&report);
    assert_eq!(r["status"], "failed", "{r:#}");
    let entry = r["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["employee_id"] == "1001")
        .unwrap_or_else(|| panic!("{r:#}"));
    assert_eq!(entry["needs_attention"], true, "{entry}");
    assert_eq!(entry["pagerduty_user_id"], leaver.id.as_str(), "{entry}");
    assert_eq!(entry["hr_line"], 3, "{entry}");
    assert_eq!(entry["cause"], "leaver_namesake", "{entry}");
    plan(&sim, &ws, &["--detailed-exitcode"])
        .expect_code(0)
        .expect_stdout(&["No changes.", &skip]);
    // The way out the words give: the email set back, and the next run offboards it.
    sim.put_user(
        leaver.id.as_str(),
        json!({"email": "person1001@example.com"}),
    );
    plan(&sim, &ws, &[])
        .expect_code(0)
        .expect_stdout(&["Plan: 0 to create, 0 to update, 1 to deactivate, 0 to reactivate."]);
    apply(&sim, &ws, &[]).expect_code(0);
    assert_eq!(
        sim.user("person1001@example.com").role.to_string(),
        "read_only_limited_user"
    );
    converged(&sim, &ws);
}

/// A new email HR gives that another user already holds and keeps (no hand-off in the
/// run) is a skip that needs a person naming that user: the person keeps the old address
/// and gets the row's other changes, apply exits 1, the report's skip carries its tag, and
/// the next plan says the same (commit 1065d86, r10g #12).
#[test]
fn a_new_email_another_user_holds_is_a_skip_that_needs_a_person_and_the_rest_is_applied() {
    let people = workforce(1000, 3);
    let mut seed = base_seed();
    seed.users.push(unmarked(
        "Someone Else",
        "new1001@example.com",
        "limited_user",
    ));
    let (ws, sim) = in_sync(seed, &people);
    let holder = sim.user("new1001@example.com");
    let person = sim.user("person1001@example.com");
    let hr = String::from_utf8(csv(&people)).unwrap().replace(
        "1001,person1001@example.com,Given1001,Family1001,Active,Support,Agent,",
        "1001,new1001@example.com,Given1001,Family1001,Active,Support,Senior Agent,",
    );
    ws.write_hr(hr.as_bytes());
    let skip = format!(
        "! new1001@example.com, {}, employee 1001: HR gives this employee a new email, but PagerDuty user {} already has it and keeps it in this run, so PagerDuty would refuse the change: the email is not changed (this user keeps person1001@example.com; its other changes are applied)",
        person.id, holder.id
    );
    plan(&sim, &ws, &[]).expect_code(0).expect_stdout(&[
        &skip,
        "Plan: 0 to create, 1 to update, 0 to deactivate, 0 to reactivate.",
        "1 of these needs a person (marked !)",
    ]);
    let report = ws.path("report.json");
    apply(&sim, &ws, &["--report", report.to_str().unwrap()])
        .expect_code(1)
        .expect_stdout(&[
            "Needs a person: 1 skipped",
            "Apply finished with skips that need a person. 0 created, 1 updated",
        ]);
    let after = sim.user("person1001@example.com");
    assert_eq!(after.id, person.id, "the person keeps the old address");
    assert_eq!(
        after.job_title.as_deref(),
        Some("Senior Agent"),
        "the rest applied"
    );
    assert_eq!(
        sim.user("new1001@example.com"),
        holder,
        "the holder is not written"
    );
    let r = crate::support::e2e::read_json(&report);
    assert_eq!(r["status"], "failed", "{r:#}");
    assert_eq!(r["summary"]["updated"], 1, "{r:#}");
    let entry = r["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["employee_id"] == "1001")
        .unwrap_or_else(|| panic!("{r:#}"));
    assert_eq!(entry["cause"], "email_taken", "{entry}");
    assert_eq!(entry["needs_attention"], true, "{entry}");
    assert_eq!(entry["pagerduty_user_id"], person.id.as_str(), "{entry}");
    assert!(
        entry["reason"]
            .as_str()
            .unwrap()
            .contains(holder.id.as_str()),
        "names the holder: {entry}"
    );
    plan(&sim, &ws, &["--detailed-exitcode"])
        .expect_code(0)
        .expect_stdout(&["No changes.", &skip]);
}
