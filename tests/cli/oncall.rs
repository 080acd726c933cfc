//! On-call checks through the real binary, plan then apply, against a simulator whose
//! escalation policies, schedule shifts and incidents are placed relative to now (the
//! binary looks on-calls up from the real clock).
//!
//! The account: teams IT Operations (PTEAM01) and Database (PTEAM02), both named by rules;
//! the escalation policy "IT Operations EP" (PEPOPS1, of IT Operations) targets the schedule
//! "Ops Primary" (PSCHED1) at level 1 and Alice and Frank directly at level 2; "Night EP"
//! (PEPNITE, no team) targets the schedule "Night Watch" (PSCHED2) and Gina.
//!
//! | user | department | holds |
//! |---|---|---|
//! | Alice (PALICE1) | Ops | a target of IT Operations EP |
//! | Bob (PBOB001) | Ops | a shift on Ops Primary in 5 days, nothing else |
//! | Carol (PCAROL1) | Ops | in Night Watch's layer, with a shift in 60 days only |
//! | Dave (PDAVE01) | Database | an incident acknowledged 120 days ago |
//! | Erin (PERIN01) | Database | nothing (a resolved incident was hers) |
//! | Frank (PFRANK1) | Ops | a target of IT Operations EP |
//! | Gina (PGINA01) | Ops | a target of Night EP |

use crate::support::e2e::action_of;
use crate::support::safety::{Workspace, apply, args, plan, run};
use crate::support::*;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use hr2pagerduty::sim::{RecordedRequest, Seed};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const CONFIG: &str = r#"
[pagerduty]
from = "bot@example.com"
requests_per_minute = 900
burst = 60
concurrency = 8

[hr.columns]
employee_id = "EmployeeID"
email = "Email"
first_name = "FirstName"
last_name = "LastName"
status = "Status"
department = "Department"

[hr.status]
active = ["Active"]
terminated = ["Terminated"]

[lifecycle]
suspended_role = "read_only_limited_user"
protected = ["bot@example.com"]
default_time_zone = "Etc/UTC"

[roles]
default = "limited_user"

[[teams.rule]]
when = { department = "Ops" }
team = "IT Operations"
role = "responder"

[[teams.rule]]
when = { department = "Database" }
team = "Database"
role = "responder"

# Several of seven people leave in these tests: the shrink check is not what they test.
[safety]
max_shrink_percent = 100
"#;

/// (employee ID, user ID, first name, last name, department).
const PEOPLE: [(&str, &str, &str, &str, &str); 7] = [
    ("1", "PALICE1", "Alice", "Direct", "Ops"),
    ("2", "PBOB001", "Bob", "Rotation", "Ops"),
    ("3", "PCAROL1", "Carol", "Later", "Ops"),
    ("4", "PDAVE01", "Dave", "Oldincident", "Database"),
    ("5", "PERIN01", "Erin", "Resolved", "Database"),
    ("6", "PFRANK1", "Frank", "Mover", "Ops"),
    ("7", "PGINA01", "Gina", "Stays", "Ops"),
];

fn email(first: &str) -> String {
    format!("{}@example.com", first.to_lowercase())
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The account described in the module docs, in sync with [`hr`] when nobody left;
/// `extra_incident` assigns one more open incident to that user (for a changed impact).
fn seed(extra_incident: Option<&str>) -> Seed {
    let now = Utc::now();
    let team_of = |dept: &str| if dept == "Ops" { "PTEAM01" } else { "PTEAM02" };
    let users: Vec<Value> = PEOPLE
        .iter()
        .map(|(eid, id, first, last, dept)| {
            json!({
                "id": id, "name": format!("{first} {last}"), "email": email(first),
                "role": "limited_user",
                "description": format!("hr2pagerduty:v1 {{\"employee_id\":\"{eid}\"}}"),
                "teams": [{"team": team_of(dept), "role": "responder"}]
            })
        })
        .chain([
            json!({"id": "POWNER1", "name": "Olive Owner", "email": "owner@example.com", "role": "owner"}),
            json!({"id": "PBOT001", "name": "Provisioning Bot", "email": "bot@example.com", "role": "admin"}),
        ])
        .collect();
    let shift = |user: &str, from_days: i64| {
        json!({"user": {"id": user, "type": "user_reference"},
               "start": at(now + Duration::days(from_days)),
               "end": at(now + Duration::days(from_days + 7))})
    };
    let mut incidents = vec![
        json!({"id": "Q0000000000001", "title": "Replication stuck", "status": "acknowledged",
               "created_at": at(now - Duration::days(120)),
               "assignments": [{"assignee": {"id": "PDAVE01", "type": "user_reference"}}]}),
        json!({"id": "Q0000000000002", "title": "Fixed long ago", "status": "resolved",
               "created_at": at(now - Duration::days(3)), "resolved_at": at(now - Duration::days(2))}),
    ];
    if let Some(user) = extra_incident {
        incidents.push(
            json!({"id": "Q0000000000003", "title": "New page", "status": "triggered",
            "created_at": at(now - Duration::hours(1)),
            "assignments": [{"assignee": {"id": user, "type": "user_reference"}}]}),
        );
    }
    let seed = json!({
        "api_keys": [crate::support::safety::KEY],
        "teams": [{"id": "PTEAM01", "name": "IT Operations"}, {"id": "PTEAM02", "name": "Database"}],
        "users": users,
        "schedules": [
            {"id": "PSCHED1", "name": "Ops Primary",
             "schedule_layers": [{"name": "Weekly", "users": [{"user": {"id": "PBOB001", "type": "user_reference"}}]}],
             "final_schedule": {"rendered_schedule_entries": [shift("PBOB001", 5)]}},
            {"id": "PSCHED2", "name": "Night Watch",
             "schedule_layers": [{"name": "Weekly", "users": [{"user": {"id": "PCAROL1", "type": "user_reference"}}]}],
             "final_schedule": {"rendered_schedule_entries": [shift("PCAROL1", 60)]}}
        ],
        "escalation_policies": [
            {"id": "PEPOPS1", "name": "IT Operations EP", "teams": [{"id": "PTEAM01", "type": "team_reference"}],
             "escalation_rules": [
               {"escalation_delay_in_minutes": 15, "targets": [{"id": "PSCHED1", "type": "schedule_reference"}]},
               {"escalation_delay_in_minutes": 30, "targets": [
                 {"id": "PALICE1", "type": "user_reference"}, {"id": "PFRANK1", "type": "user_reference"}]}]},
            {"id": "PEPNITE", "name": "Night EP",
             "escalation_rules": [{"escalation_delay_in_minutes": 30, "targets": [
               {"id": "PSCHED2", "type": "schedule_reference"}, {"id": "PGINA01", "type": "user_reference"}]}]}
        ],
        "incidents": incidents
    });
    Seed::from_json(&seed.to_string()).unwrap()
}

/// The export: everyone active in their department, except `leavers` (terminated) and
/// `moved` (employee ID, new department).
fn hr(leavers: &[&str], moved: Option<(&str, &str)>) -> Vec<u8> {
    let mut out = String::from("EmployeeID,Email,FirstName,LastName,Status,Department\n");
    for (eid, _, first, last, dept) in PEOPLE {
        let status = if leavers.contains(&eid) {
            "Terminated"
        } else {
            "Active"
        };
        let dept = match moved {
            Some((m, to)) if m == eid => to,
            _ => dept,
        };
        out.push_str(&format!(
            "{eid},{},{first},{last},{status},{dept}\n",
            email(first)
        ));
    }
    out.into_bytes()
}

fn setup(leavers: &[&str], moved: Option<(&str, &str)>) -> (Sim, Workspace) {
    let sim = Sim::start(seed(None));
    let ws = Workspace::new(CONFIG, &hr(leavers, moved));
    (sim, ws)
}

/// The IDs of one list of an action's `oncall` object.
fn named(a: &Value, list: &str) -> Vec<String> {
    a["oncall"][list]
        .as_array()
        .unwrap_or_else(|| panic!("no oncall.{list}: {a:#}"))
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

fn plan_json(sim: &Sim, ws: &Workspace, extra: &[&str]) -> Value {
    let mut a = vec!["--format", "json"];
    a.extend_from_slice(extra);
    plan(sim, ws, &a).expect_code(0).json()
}

/// `apply --yes --report r.json` plus `extra`; the run and the report.
fn apply_report(sim: &Sim, ws: &Workspace, extra: &[&str]) -> (Run, Value) {
    let report = ws.path("report.json");
    let mut a = vec!["--report", report.to_str().unwrap()];
    a.extend_from_slice(extra);
    let run = apply(sim, ws, &a);
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    (run, r)
}

/// Writes (POST, PUT, DELETE) whose path names `user_id`.
fn writes_to(sim: &Sim, user_id: &str) -> Vec<RecordedRequest> {
    sim.writes()
        .into_iter()
        .filter(|r| r.path.contains(user_id))
        .collect()
}

/// The on-call look-ups received: (path, `user_ids[]` values).
fn lookups(sim: &Sim) -> Vec<(String, BTreeSet<String>)> {
    sim.requests()
        .into_iter()
        .filter(|r| {
            ["/escalation_policies", "/oncalls", "/incidents"].contains(&r.path.as_str())
                && r.query.contains("user_ids")
        })
        .map(|r| {
            let ids = reqwest::Url::parse(&format!("http://x/?{}", r.query))
                .unwrap()
                .query_pairs()
                .filter(|(k, _)| k == "user_ids[]")
                .map(|(_, v)| v.into_owned())
                .collect();
            (r.path, ids)
        })
        .collect()
}

const F32: &str = "User cannot be removed as they belong to an escalation policy on this team";

#[test]
fn a_leaver_on_an_escalation_policy_is_blocked_in_plan_and_apply_until_someone_acts() {
    let (sim, ws) = setup(&["1"], None);
    let text = plan(&sim, &ws, &["--detailed-exitcode"])
        .expect_code(2)
        .stdout
        .clone();
    for needle in [
        "  # user alice@example.com (PALICE1, employee 1) is blocked: it will not be deactivated\n",
        "  #   blocked: on escalation policy \"IT Operations EP\" (PEPOPS1)\n",
        "  #   to unblock: take them off escalation policy \"IT Operations EP\" (PEPOPS1), as a target or on its schedules; the next run then goes ahead (or rerun with --allow-oncall-gaps to go ahead now and leave these gaps; PagerDuty still refuses to remove them from a team whose escalation policy they are on, so that membership, and the suspension, stay unfinished until they are taken off the policy)\n",
        "Plan: 0 to create, 0 to update, 0 to deactivate, 0 to reactivate. 1 blocked (on call).",
    ] {
        assert!(text.contains(needle), "{needle}\n--- in\n{text}");
    }
    let first = plan_json(&sim, &ws, &[]);
    let alice = action_of(&first, "alice@example.com");
    assert_eq!(alice["action"], "deactivate");
    assert_eq!(
        alice["oncall"],
        json!({"escalation_policies": [{"id": "PEPOPS1", "name": "IT Operations EP"}],
               "schedules": [], "incidents": []})
    );
    assert_eq!(
        alice["blocked"],
        "on escalation policy \"IT Operations EP\" (PEPOPS1)"
    );
    assert_eq!(first["summary"]["deactivate"], 0);
    assert_eq!(first["summary"]["blocked"], 1);

    let (run, report) = apply_report(&sim, &ws, &[]);
    run.expect_code(1)
        .expect_stdout(&["Blocked: deactivate of alice@example.com (PALICE1): blocked: on escalation policy \"IT Operations EP\" (PEPOPS1)",
            "  To unblock: take them off escalation policy",
            "Apply finished with blocked deactivations. 0 created, 0 updated, 0 deactivated, 0 reactivated, 0 failed, 0 skipped, 1 blocked."]);
    assert_eq!(report["status"], "failed");
    assert_eq!(report["exit_code"], 1);
    assert_eq!(report["error"], "1 of 1 action blocked (on call)");
    assert_eq!(report["summary"]["blocked"], 1);
    let a = action_of(&report, "alice@example.com");
    assert_eq!(
        (a["outcome"].clone(), a["attempts"].clone()),
        (json!("blocked"), json!(0))
    );
    assert!(
        writes_to(&sim, "PALICE1").is_empty(),
        "no write to the blocked user"
    );
    assert_eq!(sim.handle.write_count(), 0);
    let alice_now = sim.user("alice@example.com");
    assert!(!alice_now.description.unwrap().contains("suspended"));

    // The next night: the same blocked plan, and apply fails again.
    assert_eq!(plan_json(&sim, &ws, &[])["actions"], first["actions"]);
    apply(&sim, &ws, &[]).expect_code(1);
    assert_eq!(sim.handle.write_count(), 0);
}

#[test]
fn with_allow_oncall_gaps_the_deactivation_is_attempted_and_a_refusal_reported_once() {
    let (sim, ws) = setup(&["1", "2"], None);
    let v = plan_json(&sim, &ws, &["--allow-oncall-gaps"]);
    for who in ["alice@example.com", "bob@example.com"] {
        let a = action_of(&v, who);
        assert_eq!(a["blocked"], Value::Null, "{a:#}");
        assert_eq!(named(a, "escalation_policies"), vec!["PEPOPS1"], "{a:#}");
    }
    assert_eq!(
        named(action_of(&v, "bob@example.com"), "schedules"),
        vec!["PSCHED1"]
    );
    let text = plan(&sim, &ws, &["--allow-oncall-gaps"])
        .expect_code(0)
        .stdout
        .clone();
    assert!(
        text.contains("going ahead anyway (--allow-oncall-gaps), leaving these gaps"),
        "{text}"
    );

    let (run, report) = apply_report(&sim, &ws, &["--allow-oncall-gaps"]);
    run.expect_code(1);
    assert_eq!(report["status"], "failed");
    assert_eq!(report["summary"]["failed"], 2);
    assert_eq!(report["summary"]["blocked"], 0);
    for (who, id) in [
        ("alice@example.com", "PALICE1"),
        ("bob@example.com", "PBOB001"),
    ] {
        let a = action_of(&report, who);
        assert_eq!(a["outcome"], "failed", "{a:#}");
        let error = a["error"].as_str().unwrap();
        // PagerDuty's words, the policy that holds the user (Alice directly, Bob through
        // the schedule), and the membership left alone.
        assert!(error.contains(F32), "{error}");
        assert!(error.contains("not retryable; 1 attempt"), "{error}");
        assert!(
            error.contains("held by escalation policy \"IT Operations EP\" (PEPOPS1) of team \"IT Operations\" (PTEAM01); the membership is left in place"),
            "{error}"
        );
        // The refused DELETE was sent once, never retried; the record was written first.
        let deletes: Vec<_> = writes_to(&sim, id)
            .into_iter()
            .filter(|r| r.method == "DELETE")
            .collect();
        assert_eq!(deletes.len(), 1, "{deletes:#?}");
        assert_eq!(deletes[0].status, 400);
        let u = sim.user(who);
        assert!(u.description.unwrap().contains("\"suspended\""));
        assert_eq!(
            u.role.as_str(),
            "limited_user",
            "the stakeholder role waits"
        );
        assert!(sim.memberships(id).iter().any(|(t, _)| t == "PTEAM01"));
    }
    // PagerDuty's refusal appears once per action in the report.
    let all = report.to_string();
    assert_eq!(all.matches(F32).count(), 2, "{report:#}");
}

#[test]
fn shifts_block_within_the_lookahead_and_open_incidents_whatever_their_age() {
    // Bob: a shift in 5 days. Carol: in a layer, with a shift in 60 days only. Dave: an
    // incident acknowledged 120 days ago. Erin: a resolved incident only.
    let (sim, ws) = setup(&["2", "3", "4", "5"], None);
    let v = plan_json(&sim, &ws, &[]);
    let bob = action_of(&v, "bob@example.com");
    assert_eq!(named(bob, "schedules"), vec!["PSCHED1"]);
    assert_eq!(named(bob, "escalation_policies"), vec!["PEPOPS1"]);
    assert!(
        bob["blocked"]
            .as_str()
            .unwrap()
            .contains("on schedule \"Ops Primary\" (PSCHED1)"),
        "{bob:#}"
    );
    // Carol's shift is beyond the lookahead, but the schedule lists her: she is on it, and
    // on the policy that uses it.
    let carol = action_of(&v, "carol@example.com");
    assert_eq!(named(carol, "schedules"), vec!["PSCHED2"], "{carol:#}");
    assert_eq!(named(carol, "escalation_policies"), vec!["PEPNITE"]);
    assert_eq!(
        carol["blocked"],
        "on escalation policy \"Night EP\" (PEPNITE); on schedule \"Night Watch\" (PSCHED2)"
    );
    let dave = action_of(&v, "dave@example.com");
    assert_eq!(
        dave["oncall"]["incidents"],
        json!([{"id": "Q0000000000001", "title": "Replication stuck"}])
    );
    assert!(
        dave["blocked"]
            .as_str()
            .unwrap()
            .contains("1 open incident assigned")
    );
    let erin = action_of(&v, "erin@example.com");
    assert_eq!(erin["blocked"], Value::Null, "{erin:#}");
    assert_eq!(v["summary"]["deactivate"], 1);
    assert_eq!(v["summary"]["blocked"], 3);

    let (run, report) = apply_report(&sim, &ws, &[]);
    run.expect_code(1);
    let outcomes: Vec<(String, String)> = report["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["email"].as_str().unwrap().into(),
                a["outcome"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("bob@example.com", "blocked"),
            ("carol@example.com", "blocked"),
            ("dave@example.com", "blocked"),
            ("erin@example.com", "applied"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    for id in ["PBOB001", "PCAROL1", "PDAVE01"] {
        assert!(writes_to(&sim, id).is_empty(), "{id}");
    }
    assert_eq!(
        sim.user("erin@example.com").role.as_str(),
        "read_only_limited_user"
    );

    // A lookahead of 90 days: the on-calls are looked up 90 days ahead, where Carol's shift
    // is too.
    let (sim, ws) = setup(&["3"], None);
    std::fs::write(
        &ws.config,
        CONFIG.replace(
            "default_time_zone = \"Etc/UTC\"",
            "default_time_zone = \"Etc/UTC\"\noncall_lookahead_days = 90",
        ),
    )
    .unwrap();
    let v = plan_json(&sim, &ws, &[]);
    let carol = action_of(&v, "carol@example.com");
    assert_eq!(named(carol, "schedules"), vec!["PSCHED2"], "{carol:#}");
    let oncalls = sim
        .requests()
        .into_iter()
        .find(|r| r.path == "/oncalls")
        .unwrap();
    let q: std::collections::BTreeMap<String, String> =
        reqwest::Url::parse(&format!("http://x/?{}", oncalls.query))
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let since: DateTime<Utc> = q["since"].parse().unwrap();
    let until: DateTime<Utc> = q["until"].parse().unwrap();
    assert_eq!(until - since, Duration::days(90), "{q:?}");
}

#[test]
fn the_look_ups_are_sent_for_planned_deactivations_only() {
    // Nobody leaves: no look-up at all (Frank, Alice and Gina are on policies), and no
    // schedule listing.
    let (sim, ws) = setup(&[], None);
    plan(&sim, &ws, &["--detailed-exitcode"]).expect_code(0);
    assert_eq!(lookups(&sim), vec![]);
    assert!(sim.requests().iter().all(|r| r.path != "/schedules"));
    // Three leavers: one request per listing, naming exactly the three.
    let (sim, ws) = setup(&["3", "4", "5"], None);
    plan(&sim, &ws, &[]).expect_code(0);
    let sent = lookups(&sim);
    let paths: BTreeSet<&str> = sent.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(sent.len(), 3, "{sent:#?}");
    assert_eq!(
        paths,
        BTreeSet::from(["/escalation_policies", "/incidents", "/oncalls"])
    );
    let leavers: BTreeSet<String> = ["PCAROL1", "PDAVE01", "PERIN01"].map(String::from).into();
    assert!(sent.iter().all(|(_, ids)| *ids == leavers), "{sent:#?}");
    // The schedules are listed once, whatever the number of leavers.
    let listed = sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/schedules");
    assert_eq!(listed.count(), 1);
}

#[test]
fn an_oncall_lookahead_outside_1_to_90_days_is_a_configuration_error() {
    for bad in ["0", "91"] {
        let (sim, ws) = setup(&[], None);
        std::fs::write(
            &ws.config,
            CONFIG.replace(
                "default_time_zone = \"Etc/UTC\"",
                &format!("default_time_zone = \"Etc/UTC\"\noncall_lookahead_days = {bad}"),
            ),
        )
        .unwrap();
        let mut v = args(&["validate"]);
        v.extend(ws.inputs());
        for cmd in [v, {
            let mut p = args(&["plan"]);
            p.extend(ws.inputs());
            p
        }] {
            let r = run(&sim, &cmd);
            r.expect_code(78).expect_stderr(&[&format!(
                "line 24: `lifecycle.oncall_lookahead_days`: {bad} is outside 1..=90 days"
            )]);
        }
        assert!(sim.requests().is_empty(), "nothing is read");
    }
}

#[test]
fn a_saved_plan_is_refused_when_a_deactivations_oncall_impact_changed() {
    // Dave (an incident) and Erin (free) leave: the plan blocks Dave, deactivates Erin.
    let (sim, ws) = setup(&["4", "5"], None);
    let saved = ws.path("saved.json");
    plan(&sim, &ws, &["--out", saved.to_str().unwrap()]).expect_code(0);
    let file: Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    assert_eq!(file["oncall_lookahead_days"], 30);
    assert!(file["oncall_as_of"].as_str().unwrap().ends_with('Z'));
    let apply_saved = |sim: &Sim| {
        let mut a = args(&["apply", "--yes", "--config", ws.config.to_str().unwrap()]);
        a.extend(args(&["--plan", saved.to_str().unwrap()]));
        run(sim, &a)
    };
    // The same account again, on the same address, but Erin was paged an hour ago.
    let port = sim.handle.addr().port();
    drop(sim);
    let sim = Sim::start_on(seed(Some("PERIN01")), port);
    apply_saved(&sim)
        .expect_code(3)
        .expect_stderr(&[
            "refused before any write: the on-call duties of users the plan deactivates changed since they were looked up (",
            "user PERIN01 (erin@example.com): then escalation policies [], schedules [], incidents []; now escalation policies [], schedules [], incidents [Q0000000000003]",
        ]);
    assert_eq!(sim.handle.write_count(), 0);
    // Unchanged: applied as saved; Dave stays blocked, so the run still fails.
    drop(sim);
    let sim = Sim::start_on(seed(None), port);
    apply_saved(&sim).expect_code(1);
    assert_eq!(
        sim.user("erin@example.com").role.as_str(),
        "read_only_limited_user"
    );
    assert!(writes_to(&sim, "PDAVE01").is_empty());
}

#[test]
fn a_mover_joins_the_new_team_first_and_a_refused_removal_names_the_policy() {
    // Frank, a target of IT Operations EP, moves from Ops to Database.
    let (sim, ws) = setup(&[], Some(("6", "Database")));
    let (run, report) = apply_report(&sim, &ws, &[]);
    run.expect_code(1);
    let frank: Vec<(String, String, u16)> = writes_to(&sim, "PFRANK1")
        .into_iter()
        .map(|r| (r.method, r.path, r.status))
        .collect();
    assert_eq!(
        frank,
        vec![
            (
                "PUT".to_string(),
                "/teams/PTEAM02/users/PFRANK1".to_string(),
                204
            ),
            (
                "DELETE".to_string(),
                "/teams/PTEAM01/users/PFRANK1".to_string(),
                400
            ),
        ],
        "the new membership first, the refused removal once"
    );
    let a = action_of(&report, "frank@example.com");
    assert_eq!(a["outcome"], "failed");
    let error = a["error"].as_str().unwrap();
    assert!(error.contains(F32), "{error}");
    assert!(
        error.ends_with("; held by escalation policy \"IT Operations EP\" (PEPOPS1) of team \"IT Operations\" (PTEAM01); the membership is left in place"),
        "{error}"
    );
    // On both teams now: the add happened, the old membership stays until the policy
    // changes. No on-call look-up was made for a mover.
    let teams: BTreeSet<String> = sim
        .memberships("PFRANK1")
        .into_iter()
        .map(|(t, _)| t.to_string())
        .collect();
    assert_eq!(teams, BTreeSet::from(["PTEAM01".into(), "PTEAM02".into()]));
    assert_eq!(lookups(&sim), vec![]);
}

#[test]
fn a_saved_plan_made_with_allow_oncall_gaps_needs_it_again_when_applied() {
    // Dave (an open incident) leaves; the reviewed plan lets his deactivation through.
    let (sim, ws) = setup(&["4"], None);
    let saved = ws.path("saved.json");
    let out = plan(
        &sim,
        &ws,
        &["--out", saved.to_str().unwrap(), "--allow-oncall-gaps"],
    );
    out.expect_code(0);
    let hint = out
        .stderr
        .split_once("To apply exactly these actions: ")
        .map(|(_, cmd)| cmd.trim().to_string())
        .unwrap_or_else(|| panic!("{}", out.stderr));
    assert!(hint.ends_with(" --allow-oncall-gaps --yes"), "{hint}");
    let words: Vec<String> = hint.split_whitespace().skip(1).map(String::from).collect();
    // Without the switch the saved deactivation is blocked again: nothing written, exit 1.
    let without: Vec<String> = words
        .iter()
        .filter(|w| *w != "--allow-oncall-gaps")
        .cloned()
        .collect();
    run(&sim, &without)
        .expect_code(1)
        .expect_stdout(&["Blocked: deactivate of dave@example.com (PDAVE01)"]);
    assert_eq!(sim.handle.write_count(), 0);
    // With it, exactly the saved deactivation.
    run(&sim, &words).expect_code(0);
    assert_eq!(
        sim.user("dave@example.com").role.as_str(),
        "read_only_limited_user"
    );
}
