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

# The executive office follows incidents without responding (a stakeholder role, no team).
[[roles.rule]]
when = { department = "Exec" }
role = "read_only_user"

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
    seed_changed(extra_incident, &[], &[])
}

/// [`seed`], with the users `off_policy` taken off IT Operations EP's level 2 and Night
/// EP (someone took them off the policy) and the memberships `also_on` (user ID, team ID)
/// added, as a responder.
fn seed_changed(
    extra_incident: Option<&str>,
    off_policy: &[&str],
    also_on: &[(&str, &str)],
) -> Seed {
    let now = Utc::now();
    let team_of = |dept: &str| if dept == "Ops" { "PTEAM01" } else { "PTEAM02" };
    let users: Vec<Value> = PEOPLE
        .iter()
        .map(|(eid, id, first, last, dept)| {
            let teams: Vec<Value> = std::iter::once(team_of(dept))
                .chain(also_on.iter().filter(|(u, _)| u == id).map(|(_, t)| *t))
                .map(|t| json!({"team": t, "role": "responder"}))
                .collect();
            json!({
                "id": id, "name": format!("{first} {last}"), "email": email(first),
                "role": "limited_user",
                "description": format!("hr2pagerduty:v1 {{\"employee_id\":\"{eid}\"}}"),
                "teams": teams
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
    let level_2: Vec<Value> = ["PALICE1", "PFRANK1"]
        .into_iter()
        .filter(|u| !off_policy.contains(u))
        .map(|u| json!({"id": u, "type": "user_reference"}))
        .collect();
    let night: Vec<Value> = std::iter::once(json!({"id": "PSCHED2", "type": "schedule_reference"}))
        .chain(
            (!off_policy.contains(&"PGINA01"))
                .then(|| json!({"id": "PGINA01", "type": "user_reference"})),
        )
        .collect();
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
               {"escalation_delay_in_minutes": 30, "targets": level_2}]},
            {"id": "PEPNITE", "name": "Night EP",
             "escalation_rules": [{"escalation_delay_in_minutes": 30, "targets": night}]}
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

/// `apply --yes --plan saved` with the workspace's configuration.
fn apply_saved(sim: &Sim, ws: &Workspace, saved: &std::path::Path) -> Run {
    let mut a = args(&["apply", "--yes", "--config", ws.config.to_str().unwrap()]);
    a.extend(args(&["--plan", saved.to_str().unwrap()]));
    run(sim, &a)
}

/// The same account address served again from `seed` (what someone changed in PagerDuty
/// between two runs); `sim` is stopped first.
fn restart(sim: Sim, seed: Seed) -> Sim {
    let port = sim.handle.addr().port();
    drop(sim);
    Sim::start_on(seed, port)
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

/// Why Alice's deactivation is blocked: on IT Operations EP, which belongs to her team, so
/// PagerDuty refuses her team removal (F32) and the override cannot help.
const ALICE_BLOCKED: &str = "on escalation policy \"IT Operations EP\" (PEPOPS1); PagerDuty refuses to remove them from team \"IT Operations\" (PTEAM01) while they are on its escalation policy \"IT Operations EP\" (PEPOPS1), so --allow-oncall-gaps cannot help: the deactivation is blocked (not attempted)";

/// What a human must do for Alice: take her off the policy; the override is not offered.
const ALICE_REMEDY: &str = "take them off escalation policy \"IT Operations EP\" (PEPOPS1), as a target or on its schedules; the next run then goes ahead (--allow-oncall-gaps cannot: PagerDuty refuses the team removal while they are on \"IT Operations EP\" (PEPOPS1))";

#[test]
fn a_leaver_on_an_escalation_policy_is_blocked_in_plan_and_apply_until_someone_acts() {
    let (sim, ws) = setup(&["1"], None);
    let text = plan(&sim, &ws, &["--detailed-exitcode"])
        .expect_code(2)
        .stdout
        .clone();
    for needle in [
        "  # user alice@example.com (PALICE1, employee 1) is blocked: it will not be deactivated\n",
        &format!("  #   blocked: {ALICE_BLOCKED}\n"),
        &format!("  #   to unblock: {ALICE_REMEDY}\n"),
        "Plan: 0 to create, 0 to update, 0 to deactivate, 0 to reactivate. 1 blocked (on their team's escalation policy).",
    ] {
        assert!(text.contains(needle), "{needle}\n--- in\n{text}");
    }
    // A blocked deactivation writes nothing: no change block.
    assert!(!text.contains("- user \"Alice Direct\""), "{text}");
    let first = plan_json(&sim, &ws, &[]);
    let alice = action_of(&first, "alice@example.com");
    assert_eq!(alice["action"], "deactivate");
    assert_eq!(
        alice["oncall"],
        json!({"escalation_policies": [{"id": "PEPOPS1", "name": "IT Operations EP"}],
               "schedules": [], "incidents": []})
    );
    assert_eq!(alice["blocked"], ALICE_BLOCKED);
    assert_eq!(
        alice["blocked_team_removals"],
        json!([{"team": {"id": "PTEAM01", "name": "IT Operations"},
                "escalation_policies": [{"id": "PEPOPS1", "name": "IT Operations EP"}],
                "reason": "PagerDuty refuses to remove them from team \"IT Operations\" (PTEAM01) while they are on its escalation policy \"IT Operations EP\" (PEPOPS1)",
                "remedy": "take them off escalation policy \"IT Operations EP\" (PEPOPS1), as a target or on its schedules"}])
    );
    assert_eq!(first["summary"]["deactivate"], 0);
    assert_eq!(first["summary"]["blocked"], 1);

    let (run, report) = apply_report(&sim, &ws, &[]);
    run.expect_code(1)
        .expect_stdout(&["Blocked: deactivate of alice@example.com (PALICE1): blocked: on escalation policy \"IT Operations EP\" (PEPOPS1)",
            "  To unblock: take them off escalation policy",
            "Apply finished with blocked deactivations. 0 created, 0 updated, 0 deactivated, 0 reactivated, 0 failed, 1 skipped, 1 blocked."]);
    assert_eq!(report["status"], "failed");
    assert_eq!(report["exit_code"], 1);
    assert_eq!(
        report["error"],
        "1 of 1 action blocked (on their team's escalation policy)"
    );
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

/// What a block adds when the suspension's stakeholder role (this file's
/// `read_only_limited_user`) is one PagerDuty does not allow on the leaver's schedule or
/// escalation policy (PAGERDUTY_API.md §3.2).
const STAKEHOLDER_HELD: &str = "the suspension gives base role read_only_limited_user, a stakeholder role, which PagerDuty does not allow on schedules or escalation policies, so --allow-oncall-gaps cannot help: the deactivation is blocked (not attempted)";

#[test]
fn with_allow_oncall_gaps_a_leaver_on_a_policy_of_their_team_stays_blocked_and_nothing_is_written()
{
    // Alice (a target of IT Operations EP) and Bob (on its schedule) are on a policy of
    // their team, IT Operations: PagerDuty would refuse their team removal, so the override
    // cannot help. Carol is on Night EP, which has no team, through its schedule: PagerDuty
    // would let her off the team, but not give her the stakeholder suspended role while she
    // is on the schedule (the reviewer's r23), so the override cannot help her either.
    let (sim, ws) = setup(&["1", "2", "3"], None);
    let v = plan_json(&sim, &ws, &["--allow-oncall-gaps"]);
    for who in ["alice@example.com", "bob@example.com"] {
        let a = action_of(&v, who);
        assert!(
            a["blocked"].as_str().unwrap().ends_with(
                "so --allow-oncall-gaps cannot help: the deactivation is blocked (not attempted)"
            ),
            "{a:#}"
        );
        assert_eq!(
            a["blocked_team_removals"][0]["escalation_policies"],
            json!([{"id": "PEPOPS1", "name": "IT Operations EP"}]),
            "{a:#}"
        );
    }
    let carol = action_of(&v, "carol@example.com");
    assert!(
        carol["blocked"]
            .as_str()
            .unwrap()
            .ends_with(&format!("; {STAKEHOLDER_HELD}")),
        "{carol:#}"
    );
    assert_eq!(carol["blocked_team_removals"], json!([]));
    assert_eq!(
        (
            v["summary"]["deactivate"].clone(),
            v["summary"]["blocked"].clone()
        ),
        (json!(0), json!(3))
    );
    let text = plan(&sim, &ws, &["--allow-oncall-gaps"])
        .expect_code(0)
        .stdout
        .clone();
    for needle in [
        &format!("  #   to unblock: {ALICE_REMEDY}\n"),
        "(--allow-oncall-gaps cannot: PagerDuty does not allow base role read_only_limited_user on schedules or escalation policies)\n",
        // Nothing is blocked on call here: every block is one only a person can clear.
        "Plan: 0 to create, 0 to update, 0 to deactivate, 0 to reactivate. 3 blocked (2 on their team's escalation policy, 1 on a schedule or escalation policy a stakeholder cannot be on).",
    ] {
        assert!(text.contains(needle), "{needle}\n--- in\n{text}");
    }

    let (run, report) = apply_report(&sim, &ws, &["--allow-oncall-gaps"]);
    run.expect_code(1);
    assert_eq!(report["status"], "failed");
    assert_eq!(
        report["error"],
        "3 of 3 actions blocked (2 on their team's escalation policy, 1 on a schedule or escalation policy a stakeholder cannot be on)"
    );
    assert_eq!(
        (
            report["summary"]["failed"].clone(),
            report["summary"]["blocked"].clone()
        ),
        (json!(0), json!(3))
    );
    for (who, id) in [
        ("alice@example.com", "PALICE1"),
        ("bob@example.com", "PBOB001"),
        ("carol@example.com", "PCAROL1"),
    ] {
        assert_eq!(action_of(&report, who)["outcome"], "blocked");
        // No suspension record, no team removal: not a single write.
        assert!(writes_to(&sim, id).is_empty(), "{id}");
        assert!(!sim.user(who).description.unwrap().contains("suspended"));
        assert!(sim.memberships(id).iter().any(|(t, _)| t == "PTEAM01"));
    }
    assert_eq!(sim.user("carol@example.com").role.as_str(), "limited_user");
    // Every night the same, until someone acts.
    let again = plan_json(&sim, &ws, &["--allow-oncall-gaps"]);
    assert_eq!(
        action_of(&again, "alice@example.com"),
        action_of(&v, "alice@example.com")
    );
    apply(&sim, &ws, &["--allow-oncall-gaps"]).expect_code(1);
    assert!(writes_to(&sim, "PALICE1").is_empty());
}

#[test]
fn a_leaver_taken_off_the_policy_is_deactivated_by_the_next_apply() {
    let (sim, ws) = setup(&["1"], None);
    apply(&sim, &ws, &["--allow-oncall-gaps"]).expect_code(1);
    assert_eq!(sim.handle.write_count(), 0);
    // Someone takes Alice off IT Operations EP; the account is otherwise as it was.
    let sim = restart(sim, seed_changed(None, &["PALICE1"], &[]));
    let (run, report) = apply_report(&sim, &ws, &[]);
    run.expect_code(0);
    assert_eq!(report["summary"]["deactivated"], 1);
    assert_eq!(
        sim.user("alice@example.com").role.as_str(),
        "read_only_limited_user"
    );
    assert!(sim.memberships("PALICE1").is_empty());
    plan(&sim, &ws, &["--detailed-exitcode"])
        .expect_code(0)
        .expect_stdout(&["No changes."]);
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
        format!(
            "on escalation policy \"Night EP\" (PEPNITE); on schedule \"Night Watch\" (PSCHED2); {STAKEHOLDER_HELD}"
        )
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
    let apply_saved = |sim: &Sim| apply_saved(sim, &ws, &saved);
    // The same account again, on the same address, but Erin was paged an hour ago.
    let sim = restart(sim, seed(Some("PERIN01")));
    apply_saved(&sim)
        .expect_code(3)
        .expect_stderr(&[
            "refused before any write: the on-call duties of users the plan deactivates, takes off a team or checks for a stakeholder role changed since they were looked up (",
            "user PERIN01 (erin@example.com): then escalation policies [], schedules [], incidents []; now escalation policies [], schedules [], incidents [Q0000000000003]",
        ]);
    assert_eq!(sim.handle.write_count(), 0);
    // Unchanged: applied as saved; Dave stays blocked, so the run still fails.
    let sim = restart(sim, seed(None));
    apply_saved(&sim).expect_code(1);
    assert_eq!(
        sim.user("erin@example.com").role.as_str(),
        "read_only_limited_user"
    );
    assert!(writes_to(&sim, "PDAVE01").is_empty());
}

/// What the text plan says of Frank's removal from IT Operations, which PagerDuty refuses
/// while he is on IT Operations EP.
/// Why Frank's update is blocked once only the refused removal is left of it.
const FRANK_HELD: &str = "PagerDuty refuses to remove them from team \"IT Operations\" (PTEAM01) while they are on its escalation policy \"IT Operations EP\" (PEPOPS1); the update has nothing else to change, so nothing is sent";

const FRANK_REMOVAL: [&str; 2] = [
    "  #   team removal blocked: PagerDuty refuses to remove them from team \"IT Operations\" (PTEAM01) while they are on its escalation policy \"IT Operations EP\" (PEPOPS1); the membership stays, the rest of the update goes ahead\n",
    "  #   to unblock: take them off escalation policy \"IT Operations EP\" (PEPOPS1), as a target or on its schedules; the next run then removes them from the team\n",
];

#[test]
fn a_movers_refused_removal_is_forecast_not_sent_and_fails_every_apply_until_someone_acts() {
    // Frank, a target of IT Operations EP, moves from Ops to Database.
    let (sim, ws) = setup(&[], Some(("6", "Database")));
    let text = plan(&sim, &ws, &["--detailed-exitcode"])
        .expect_code(2)
        .stdout
        .clone();
    for needle in FRANK_REMOVAL.iter().copied().chain([
        "Plan: 0 to create, 1 to update, 0 to deactivate, 0 to reactivate. 1 team removal blocked (escalation policy).",
    ]) {
        assert!(text.contains(needle), "{needle}\n--- in\n{text}");
    }
    // The escalation policies were looked up for the mover alone, since he leaves a team.
    let sent = lookups(&sim);
    assert!(!sent.is_empty());
    assert!(
        sent.iter()
            .all(|(_, ids)| *ids == BTreeSet::from(["PFRANK1".to_string()])),
        "{sent:#?}"
    );
    let first = plan_json(&sim, &ws, &[]);
    let frank = action_of(&first, "frank@example.com");
    assert_eq!(frank["action"], "update");
    assert_eq!(
        frank["blocked_team_removals"],
        json!([{"team": {"id": "PTEAM01", "name": "IT Operations"},
                "escalation_policies": [{"id": "PEPOPS1", "name": "IT Operations EP"}],
                "reason": "PagerDuty refuses to remove them from team \"IT Operations\" (PTEAM01) while they are on its escalation policy \"IT Operations EP\" (PEPOPS1)",
                "remedy": "take them off escalation policy \"IT Operations EP\" (PEPOPS1), as a target or on its schedules"}])
    );
    assert_eq!(
        (
            first["summary"]["blocked"].clone(),
            first["summary"]["blocked_team_removals"].clone()
        ),
        (json!(0), json!(1))
    );

    let (run, report) = apply_report(&sim, &ws, &[]);
    run.expect_code(1).expect_stdout(&[
        "Blocked: team removal of frank@example.com (PFRANK1): PagerDuty refuses to remove them from team \"IT Operations\" (PTEAM01) while they are on its escalation policy \"IT Operations EP\" (PEPOPS1); the membership is left in place",
        "Apply finished with blocked team removals. 0 created, 1 updated, 0 deactivated, 0 reactivated, 0 failed, 1 skipped, 1 team removal blocked.",
    ]);
    // The add was sent; the removal was not.
    let frank_writes: Vec<(String, String, u16)> = writes_to(&sim, "PFRANK1")
        .into_iter()
        .map(|r| (r.method, r.path, r.status))
        .collect();
    assert_eq!(
        frank_writes,
        vec![(
            "PUT".to_string(),
            "/teams/PTEAM02/users/PFRANK1".to_string(),
            204
        )]
    );
    assert_eq!(report["status"], "failed");
    assert_eq!(report["exit_code"], 1);
    assert_eq!(
        report["error"],
        "1 team removal blocked (escalation policy)"
    );
    assert_eq!(report["summary"]["blocked_team_removals"], 1);
    assert_eq!(report["summary"]["blocked"], 0);
    assert_eq!(
        action_of(&report, "frank@example.com")["outcome"],
        "applied"
    );
    let teams: BTreeSet<String> = sim
        .memberships("PFRANK1")
        .into_iter()
        .map(|(t, _)| t.to_string())
        .collect();
    assert_eq!(teams, BTreeSet::from(["PTEAM01".into(), "PTEAM02".into()]));

    // The next night nothing is left to send but the refused removal: the update is
    // blocked (not an update of 0 requests), nothing is sent, and exit 1 again, every night.
    let next = plan(&sim, &ws, &["--detailed-exitcode"])
        .expect_code(2)
        .stdout
        .clone();
    for needle in [
        "  # user frank@example.com (PFRANK1, employee 6) is blocked: it will not be updated\n",
        &format!("  #   blocked: {FRANK_HELD}\n"),
        "  #   to unblock: take them off escalation policy \"IT Operations EP\" (PEPOPS1), as a target or on its schedules; the next run then removes them from the team (--allow-oncall-gaps cannot: PagerDuty refuses the removal while they are on the policy)\n",
        "Plan: 0 to create, 0 to update, 0 to deactivate, 0 to reactivate. 1 blocked (on their team's escalation policy).",
    ] {
        assert!(next.contains(needle), "{needle}\n--- in\n{next}");
    }
    assert!(!next.contains("~ user"), "no change block: {next}");
    let blocked = plan_json(&sim, &ws, &[]);
    let held = action_of(&blocked, "frank@example.com");
    assert_eq!(
        (held["action"].clone(), held["blocked"].clone()),
        (json!("update"), json!(FRANK_HELD))
    );
    assert_eq!(
        held["blocked_team_removals"],
        frank["blocked_team_removals"]
    );
    assert_eq!(
        [
            &blocked["summary"]["update"],
            &blocked["summary"]["blocked"],
            &blocked["summary"]["blocked_team_removals"]
        ],
        [&json!(0), &json!(1), &json!(0)]
    );
    let writes = sim.handle.write_count();
    let (run, report) = apply_report(&sim, &ws, &[]);
    run.expect_code(1).expect_stdout(&[
        &format!("Blocked: update of frank@example.com (PFRANK1): blocked: {FRANK_HELD}"),
        "Apply finished with blocked updates. 0 created, 0 updated, 0 deactivated, 0 reactivated, 0 failed, 1 skipped, 1 blocked.",
    ]);
    assert!(!run.stdout.contains("updated frank"), "{}", run.stdout);
    assert_eq!(
        report["error"],
        "1 of 1 action blocked (on their team's escalation policy)"
    );
    assert_eq!(
        [&report["summary"]["updated"], &report["summary"]["blocked"]],
        [&json!(0), &json!(1)]
    );
    assert_eq!(
        action_of(&report, "frank@example.com")["outcome"],
        "blocked"
    );
    assert_eq!(sim.handle.write_count(), writes);
    assert_eq!(plan_json(&sim, &ws, &[])["actions"], blocked["actions"]);

    // Someone takes Frank off the policy: the next apply removes him, and nothing is left.
    let sim = restart(
        sim,
        seed_changed(None, &["PFRANK1"], &[("PFRANK1", "PTEAM02")]),
    );
    let (run, report) = apply_report(&sim, &ws, &[]);
    run.expect_code(0);
    assert_eq!(report["summary"]["blocked_team_removals"], 0);
    assert_eq!(
        sim.memberships("PFRANK1")
            .into_iter()
            .map(|(t, _)| t.to_string())
            .collect::<Vec<_>>(),
        vec!["PTEAM02".to_string()]
    );
    plan(&sim, &ws, &["--detailed-exitcode"])
        .expect_code(0)
        .expect_stdout(&["No changes."]);
}

#[test]
fn a_saved_plan_is_refused_when_a_movers_refused_removal_changed() {
    let (sim, ws) = setup(&[], Some(("6", "Database")));
    let saved = ws.path("saved.json");
    plan(&sim, &ws, &["--out", saved.to_str().unwrap()]).expect_code(0);
    let apply_saved = |sim: &Sim| apply_saved(sim, &ws, &saved);
    // Frank was taken off the policy since: the plan would leave a removal undone that
    // PagerDuty now allows, so it is refused; make a new plan.
    let sim = restart(sim, seed_changed(None, &["PFRANK1"], &[]));
    apply_saved(&sim).expect_code(3).expect_stderr(&[
        "the on-call duties of users the plan deactivates, takes off a team or checks for a stakeholder role changed since they were looked up (",
        "user PFRANK1 (frank@example.com): team removals PagerDuty refuses (team [escalation policies]) then PTEAM01 [PEPOPS1]; now none",
    ]);
    assert_eq!(sim.handle.write_count(), 0);
    // Unchanged: applied as saved, the add only; the refused removal fails the run.
    let sim = restart(sim, seed(None));
    apply_saved(&sim).expect_code(1);
    let sent: Vec<(String, String)> = writes_to(&sim, "PFRANK1")
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(
        sent,
        vec![(
            "PUT".to_string(),
            "/teams/PTEAM02/users/PFRANK1".to_string()
        )]
    );
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

#[test]
fn a_rehires_refused_team_removal_is_forecast_not_sent_and_the_rest_of_the_reactivation_goes_ahead()
{
    // Frank was suspended (his marker holds the record) but is still on IT Operations, whose
    // policy targets him; HR has him back, in Database.
    let (sim, ws) = setup(&[], Some(("6", "Database")));
    let record = hr2pagerduty::marker::Marker {
        employee_id: Some("6".into()),
        suspended: Some(hr2pagerduty::marker::Suspension {
            on: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            role: hr2pagerduty::vocab::Role::LimitedUser,
            teams: vec![],
            termination_date: None,
            leave: false,
            from_archive: None,
            refused: Vec::new(),
            reactivating: false,
        }),
        pending_termination: None,
        created: None,
    };
    sim.put_user(
        "PFRANK1",
        json!({"description": hr2pagerduty::marker::render("", &record)}),
    );
    let text = plan(&sim, &ws, &[]).expect_code(0).stdout.clone();
    for needle in [
        "  # user frank@example.com (PFRANK1, employee 6) will be reactivated\n",
        "  #   team removal blocked: PagerDuty refuses to remove them from team \"IT Operations\" (PTEAM01) while they are on its escalation policy \"IT Operations EP\" (PEPOPS1); the membership stays, the rest of the reactivation goes ahead\n",
        FRANK_REMOVAL[1],
    ] {
        assert!(text.contains(needle), "{needle}\n--- in\n{text}");
    }
    let v = plan_json(&sim, &ws, &[]);
    let frank = action_of(&v, "frank@example.com");
    assert_eq!(frank["action"], "reactivate");
    assert_eq!(
        frank["blocked_team_removals"][0]["team"],
        json!({"id": "PTEAM01", "name": "IT Operations"})
    );
    assert_eq!(v["summary"]["blocked_team_removals"], 1);

    let before = sim.handle.write_count();
    let (run, report) = apply_report(&sim, &ws, &[]);
    run.expect_code(1).expect_stdout(&[
        "Blocked: team removal of frank@example.com (PFRANK1): PagerDuty refuses to remove them from team \"IT Operations\" (PTEAM01)",
    ]);
    assert_eq!(report["summary"]["reactivated"], 1);
    // Reactivated and added to Database; the refused removal was never sent.
    let sent: Vec<(String, String)> = sim.writes()[before..]
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert!(
        sent.iter().all(|(m, _)| m != "DELETE")
            && sent.contains(&("PUT".into(), "/teams/PTEAM02/users/PFRANK1".into())),
        "{sent:?}"
    );
    assert!(
        hr2pagerduty::marker::parse(sim.user("frank@example.com").description.as_deref()).marker
            == hr2pagerduty::marker::MarkerState::Valid(hr2pagerduty::marker::Marker {
                employee_id: Some("6".into()),
                suspended: None,
                pending_termination: None,
                created: None,
            })
    );
    // The next night only the refused removal is left: a blocked update, exit 1 again.
    let next = plan_json(&sim, &ws, &[]);
    let held = action_of(&next, "frank@example.com");
    assert_eq!(
        (held["action"].clone(), held["blocked"].clone()),
        (json!("update"), json!(FRANK_HELD))
    );
    apply(&sim, &ws, &[]).expect_code(1);
}

/// The note of Gina's move (or return) into the executive office's stakeholder role while
/// she is a target of Night EP (of no team of hers): `role` is the role she keeps.
fn gina_note(role: &str, teams: &str) -> String {
    format!(
        "employee 7 (line 8): the rules give read_only_user, a stakeholder role, which PagerDuty does not allow on schedules or escalation policies, but user PGINA01 is on escalation policy \"Night EP\" (PEPNITE); role left at {role}{teams} until a person does this: take them off escalation policy \"Night EP\" (PEPNITE), as a target or on its schedules; the next run then gives the role"
    )
}

const GINA_TEAM_KEPT: &str =
    ", and kept on team \"IT Operations\" (PTEAM01) (the role's team removals are not sent either)";

#[test]
fn a_move_into_a_stakeholder_role_while_on_a_policy_keeps_role_and_team_every_night_until_someone_acts()
 {
    // Gina, a target of Night EP (no team), moves to the executive office, whose rules give
    // read_only_user, which PagerDuty refuses on escalation policies (§3.2).
    let (sim, ws) = setup(&[], Some(("7", "Exec")));
    let note = gina_note("limited_user", GINA_TEAM_KEPT);
    let first = plan(&sim, &ws, &["--detailed-exitcode"]);
    first.expect_code(0);
    assert!(first.stdout.contains("No changes."), "{}", first.stdout);
    let all = format!("{}{}", first.stdout, first.stderr);
    assert!(all.contains(&note), "{note}\n--- in\n{all}");
    // Her duties were looked up although no team removal is sent.
    assert!(
        lookups(&sim).iter().any(|(_, ids)| ids.contains("PGINA01")),
        "{:#?}",
        lookups(&sim)
    );
    // Apply sends nothing for her and does not fail; the next plan says the same.
    let (run, report) = apply_report(&sim, &ws, &[]);
    run.expect_code(0);
    assert_eq!(report["status"], "no_changes", "{report:#}");
    assert!(writes_to(&sim, "PGINA01").is_empty());
    assert_eq!(sim.user("gina@example.com").role.as_str(), "limited_user");
    let again = plan(&sim, &ws, &["--detailed-exitcode"]);
    again.expect_code(0);
    assert!(
        format!("{}{}", again.stdout, again.stderr).contains(&note),
        "{}",
        again.stderr
    );

    // Someone takes her off Night EP: she leaves the team, then gets the role; converged.
    let sim = restart(sim, seed_changed(None, &["PGINA01"], &[]));
    apply_report(&sim, &ws, &[]).0.expect_code(0);
    assert_eq!(sim.user("gina@example.com").role.as_str(), "read_only_user");
    assert!(sim.memberships("PGINA01").is_empty());
    plan(&sim, &ws, &["--detailed-exitcode"])
        .expect_code(0)
        .expect_stdout(&["No changes."]);
}

#[test]
fn a_rehire_into_a_stakeholder_role_while_on_a_policy_is_blocked_with_its_record_kept() {
    // Gina was suspended (restricted_access, as some accounts suspend) and is still a
    // target of Night EP; HR has her back, in the executive office.
    let (sim, ws) = setup(&[], Some(("7", "Exec")));
    let record = hr2pagerduty::marker::Marker {
        employee_id: Some("7".into()),
        suspended: Some(hr2pagerduty::marker::Suspension {
            on: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            role: hr2pagerduty::vocab::Role::LimitedUser,
            teams: vec![],
            termination_date: None,
            leave: false,
            from_archive: None,
            refused: Vec::new(),
            reactivating: false,
        }),
        pending_termination: None,
        created: None,
    };
    sim.put_user(
        "PGINA01",
        json!({"role": "restricted_access", "description": hr2pagerduty::marker::render("", &record)}),
    );
    let out = plan(&sim, &ws, &["--detailed-exitcode"]);
    out.expect_code(2);
    let all = format!("{}{}", out.stdout, out.stderr);
    for needle in [
        "  # user gina@example.com (PGINA01, employee 7) is blocked: it will not be reactivated\n",
        "the rules give the rehire base role read_only_user, a stakeholder role",
        "1 blocked",
    ] {
        assert!(all.contains(needle), "{needle}\n--- in\n{all}");
    }
    // Blocked, not reported as done (review e6): nothing written, the record kept, exit 1.
    let before = sim.handle.write_count();
    let description = sim.user("gina@example.com").description;
    let (run, report) = apply_report(&sim, &ws, &[]);
    run.expect_code(1)
        .expect_stdout(&["Apply finished with blocked reactivations."]);
    assert_eq!(report["summary"]["reactivated"], 0);
    assert_eq!(report["summary"]["blocked"], 1, "{:#}", report["summary"]);
    assert_eq!(sim.handle.write_count(), before);
    assert_eq!(sim.user("gina@example.com").description, description);
    // The next night: the same block, until someone takes her off Night EP.
    let next = plan(&sim, &ws, &["--detailed-exitcode"]);
    next.expect_code(2);
    assert!(next.stdout.contains("1 blocked"), "{}", next.stdout);
}

#[test]
fn a_saved_plan_giving_a_stakeholder_role_is_refused_when_the_user_was_put_on_a_policy_since() {
    // Planned while Gina is on no policy: the team removal and the stakeholder role.
    let sim = Sim::start(seed_changed(None, &["PGINA01"], &[]));
    let ws = Workspace::new(CONFIG, &hr(&[], Some(("7", "Exec"))));
    let saved = ws.path("saved.json");
    plan(&sim, &ws, &["--out", saved.to_str().unwrap()]).expect_code(0);
    // Since then someone made her a target of Night EP: PagerDuty would take her off the
    // team, then refuse the role; the plan is refused before any write.
    let sim = restart(sim, seed(None));
    apply_saved(&sim, &ws, &saved).expect_code(3).expect_stderr(&[
        "the on-call duties of users the plan deactivates, takes off a team or checks for a stakeholder role changed since they were looked up (",
        "user PGINA01 (gina@example.com): then ",
    ]);
    assert_eq!(sim.handle.write_count(), 0);
}
