//! A leaver who is in a schedule's layer, with no shift inside the lookahead, on a schedule
//! that a team's escalation policy uses (the reviewer's reproduction of issue 7): the
//! on-calls in the lookahead do not name them, and the policies that target users directly
//! do not either, but PagerDuty refuses to take them off the policy's team (fact F32). The
//! schedule listing (`GET /schedules`, its `users` and `escalation_policies`) finds them;
//! the plan blocks them, and the apply leaves them alone. Also: a refused on-call read
//! names what was read.
//!
//! The account: team Ops (PTEAM01); schedule "Ops Weekly" (PSCHED1, layer Keep and Fred:
//! Keep on call from yesterday for 40 days, then Fred, in 40 days, for a week); "Ops EP"
//! (PEPOPS1, team Ops) targets the schedule at level 1, Amy and Keep at level 2. Fred
//! (employee 2) leaves; the lookahead is the default 30 days.

use crate::support::safety::{Workspace, apply, args, plan, run};
use crate::support::*;
use chrono::{Duration, SecondsFormat, Utc};
use hr2pagerduty::sim::{Fault, FaultKind, Seed};
use serde_json::{Value, json};

const CONFIG: &str = r#"
[pagerduty]
from = "bot@example.com"

[hr.columns]
employee_id = "EmployeeID"
email = "Email"
first_name = "FirstName"
last_name = "LastName"
status = "Status"

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
when = { employee_id = ["1", "2", "4"] }
team = "Ops"
role = "responder"

[safety]
max_shrink_percent = 100
"#;

const HR: &str = "EmployeeID,Email,FirstName,LastName,Status
1,amy@example.com,Amy,Oncall,Active
2,fred@example.com,Fred,Layer,Terminated
4,keep@example.com,Keep,Me,Active
";

/// The account of the module docs; without `fred_in_layer`, Fred is in no layer and holds
/// no shift (on no schedule at all).
fn seed(fred_in_layer: bool) -> Seed {
    account(fred_in_layer, fred_in_layer.then_some((40, 47)))
}

/// The account of the module docs, Fred in the layer or not (`fred_in_layer`), holding the
/// shift `fred_shift` (from and to, in days from now) or none. A shift for a user in no
/// layer is one held through an override.
fn account(fred_in_layer: bool, fred_shift: Option<(i64, i64)>) -> Seed {
    Seed::from_json(&account_json(fred_in_layer, fred_shift).to_string()).unwrap()
}

/// [`account`]'s seed as JSON.
fn account_json(fred_in_layer: bool, fred_shift: Option<(i64, i64)>) -> Value {
    let now = Utc::now();
    let at = |days: i64| (now + Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let marker = |e: &str| format!("hr2pagerduty:v1 {{\"employee_id\":\"{e}\"}}");
    let user_ref = |id: &str| json!({"user": {"id": id, "type": "user_reference"}});
    let mut layer = vec![user_ref("PKEEP01")];
    let mut shifts = vec![json!({"user": {"id": "PKEEP01", "type": "user_reference"},
                                 "start": at(-1), "end": at(40)})];
    if fred_in_layer {
        layer.push(user_ref("PFRED01"));
    }
    if let Some((from, to)) = fred_shift {
        shifts.push(json!({"user": {"id": "PFRED01", "type": "user_reference"},
                           "start": at(from), "end": at(to)}));
    }
    let seed = json!({
        "api_keys": [crate::support::safety::KEY],
        "teams": [{"id": "PTEAM01", "name": "Ops"}],
        "users": [
            {"id": "POWNER1", "name": "Olive Owner", "email": "owner@example.com", "role": "owner"},
            {"id": "PBOT001", "name": "Bot", "email": "bot@example.com", "role": "admin"},
            {"id": "PAMY001", "name": "Amy Oncall", "email": "amy@example.com", "role": "limited_user",
             "description": marker("1"), "teams": [{"team": "PTEAM01", "role": "responder"}]},
            {"id": "PFRED01", "name": "Fred Layer", "email": "fred@example.com", "role": "limited_user",
             "description": marker("2"), "teams": [{"team": "PTEAM01", "role": "responder"}]},
            {"id": "PKEEP01", "name": "Keep Me", "email": "keep@example.com", "role": "limited_user",
             "description": marker("4"), "teams": [{"team": "PTEAM01", "role": "responder"}]}
        ],
        "schedules": [{"id": "PSCHED1", "name": "Ops Weekly",
            "teams": [{"id": "PTEAM01", "type": "team_reference"}],
            "schedule_layers": [{"name": "L1", "users": layer}],
            "final_schedule": {"rendered_schedule_entries": shifts}}],
        "escalation_policies": [{"id": "PEPOPS1", "name": "Ops EP",
            "teams": [{"id": "PTEAM01", "type": "team_reference"}],
            "escalation_rules": [
                {"escalation_delay_in_minutes": 15, "targets": [{"id": "PSCHED1", "type": "schedule_reference"}]},
                {"escalation_delay_in_minutes": 30, "targets": [
                    {"id": "PAMY001", "type": "user_reference"}, {"id": "PKEEP01", "type": "user_reference"}]}]}]
    });
    seed
}

fn fred(v: &Value) -> &Value {
    v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "fred@example.com")
        .unwrap_or_else(|| panic!("no action for Fred: {v:#}"))
}

/// Requests received for `path` (any query).
fn requests_to(sim: &Sim, path: &str) -> usize {
    sim.requests().iter().filter(|r| r.path == path).count()
}

/// Fred's duties, and the team removal PagerDuty refuses: Ops EP belongs to his team Ops,
/// and a schedule it uses lists him (F32, through a schedule).
const BLOCKED: &str = "on escalation policy \"Ops EP\" (PEPOPS1); on schedule \"Ops Weekly\" (PSCHED1); PagerDuty refuses to remove them from team \"Ops\" (PTEAM01) while they are on its escalation policy \"Ops EP\" (PEPOPS1), so --allow-oncall-gaps cannot help: the deactivation is blocked (not attempted)";

#[test]
fn a_leaver_in_a_schedule_layer_with_no_shift_in_the_lookahead_is_blocked_not_attempted() {
    let sim = Sim::start(seed(true));
    let ws = Workspace::new(CONFIG, HR.as_bytes());

    let text = plan(&sim, &ws, &[]).expect_code(0).stdout.clone();
    for needle in [
        "  # user fred@example.com (PFRED01, employee 2) is blocked: it will not be deactivated\n".to_string(),
        format!("  #   blocked: {BLOCKED}\n"),
        "  #   to unblock: take them off escalation policy \"Ops EP\" (PEPOPS1), as a target or on its schedules; take them off schedule \"Ops Weekly\" (PSCHED1), handing their shifts to someone else;".to_string(),
        "1 blocked (on their team's escalation policy).".to_string(),
    ] {
        assert!(text.contains(&needle), "{needle}\n--- in\n{text}");
    }
    // One schedule listing per run, as the leaver's on-calls are looked up; Ops EP reaches
    // Fred only through the schedule, so its teams are read from the policy itself.
    assert_eq!(requests_to(&sim, "/schedules"), 1);
    assert_eq!(requests_to(&sim, "/escalation_policies/PEPOPS1"), 1);

    let v = plan(&sim, &ws, &["--format", "json"]).expect_code(0).json();
    let a = fred(&v);
    assert_eq!(a["action"], "deactivate");
    assert_eq!(
        a["oncall"],
        json!({"escalation_policies": [{"id": "PEPOPS1", "name": "Ops EP"}],
               "schedules": [{"id": "PSCHED1", "name": "Ops Weekly"}],
               "incidents": []})
    );
    assert_eq!(a["blocked"], BLOCKED);
    assert_eq!(v["summary"]["deactivate"], 0);
    assert_eq!(v["summary"]["blocked"], 1);

    // The apply does not attempt it: no suspension record, no team removal.
    let report = ws.path("report.json");
    apply(&sim, &ws, &["--report", report.to_str().unwrap()])
        .expect_code(1)
        .expect_stdout(&[&format!(
            "Blocked: deactivate of fred@example.com (PFRED01): blocked: {BLOCKED}"
        )]);
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["status"], "failed");
    assert_eq!(r["exit_code"], 1);
    assert_eq!(r["summary"]["blocked"], 1);
    let a = fred(&r);
    assert_eq!(
        (&a["outcome"], &a["attempts"]),
        (&json!("blocked"), &json!(0))
    );
    assert!(
        sim.writes().iter().all(|w| !w.path.contains("PFRED01")),
        "{:#?}",
        sim.writes()
    );
    assert_eq!(sim.handle.write_count(), 0);
    let now = sim.user("fred@example.com");
    assert_eq!(now.role.as_str(), "limited_user");
    assert!(!now.description.unwrap().contains("suspended"));
    assert_eq!(sim.memberships("PFRED01").len(), 1);

    // The same through a saved plan: its recorded facts match a fresh look-up, so it is
    // applied as saved, and Fred stays blocked.
    let saved = ws.path("saved.json");
    plan(&sim, &ws, &["--out", saved.to_str().unwrap()]).expect_code(0);
    let mut a = args(&["apply", "--yes", "--config", ws.config.to_str().unwrap()]);
    a.extend(args(&["--plan", saved.to_str().unwrap()]));
    run(&sim, &a)
        .expect_code(1)
        .expect_stdout(&["Blocked: deactivate of fred@example.com (PFRED01)"]);
    assert_eq!(sim.handle.write_count(), 0);
}

/// A shift held through an override (Fred on no layer, on call in 20 days for a week): a
/// schedule's `users` are its layers' users, so only `GET /oncalls` shows it, and
/// `[lifecycle] oncall_lookahead_days` decides. Beyond a 14-day lookahead it does not block
/// (the deactivation is applied, team removal included, and converges); within a 30-day
/// one it blocks.
#[test]
fn an_override_shift_blocks_within_the_lookahead_and_not_beyond_it() {
    let with_lookahead = |days: u32| {
        CONFIG.replace(
            "default_time_zone = \"Etc/UTC\"",
            &format!("default_time_zone = \"Etc/UTC\"\noncall_lookahead_days = {days}"),
        )
    };
    let sim = Sim::start(account(false, Some((20, 27))));
    let within = Workspace::new(&with_lookahead(30), HR.as_bytes());
    let v = plan(&sim, &within, &["--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(fred(&v)["blocked"], BLOCKED, "{v:#}");
    assert_eq!(v["summary"]["blocked"], 1);

    let beyond = Workspace::new(&with_lookahead(14), HR.as_bytes());
    let v = plan(&sim, &beyond, &["--format", "json"])
        .expect_code(0)
        .json();
    let a = fred(&v);
    assert_eq!(a["blocked"], Value::Null, "{a:#}");
    assert_eq!(
        a["oncall"],
        json!({"escalation_policies": [], "schedules": [], "incidents": []})
    );
    assert_eq!(v["summary"]["deactivate"], 1);
    apply(&sim, &beyond, &[]).expect_code(0);
    let now = sim.user("fred@example.com");
    assert_eq!(now.role.as_str(), "read_only_limited_user");
    assert!(sim.memberships("PFRED01").is_empty());
    plan(&sim, &beyond, &[])
        .expect_code(0)
        .expect_stdout(&["No changes."]);
}

#[test]
fn a_saved_plan_is_refused_when_its_leaver_joined_a_schedule_since() {
    // Planned while Fred was on no schedule: his deactivation goes ahead.
    let sim = Sim::start(seed(false));
    let ws = Workspace::new(CONFIG, HR.as_bytes());
    let saved = ws.path("saved.json");
    plan(&sim, &ws, &["--out", saved.to_str().unwrap()]).expect_code(0);
    let file: Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    assert_eq!(fred(&file["plan"])["blocked"], Value::Null, "{file:#}");
    // Then someone put him in the layer: the same account, on the same address.
    let port = sim.handle.addr().port();
    drop(sim);
    let sim = Sim::start_on(seed(true), port);
    let mut a = args(&["apply", "--yes", "--config", ws.config.to_str().unwrap()]);
    a.extend(args(&["--plan", saved.to_str().unwrap()]));
    run(&sim, &a).expect_code(3).expect_stderr(&[
        "refused before any write: the on-call duties of users the plan deactivates, takes off a team or checks for a stakeholder role changed since they were looked up (",
        "user PFRED01 (fred@example.com): then escalation policies [], schedules [], incidents []; now escalation policies [PEPOPS1], schedules [PSCHED1], incidents []",
    ]);
    assert_eq!(sim.handle.write_count(), 0);
}

#[test]
fn a_refused_on_call_read_names_what_was_read() {
    for (path, what) in [
        ("/oncalls", "on-calls"),
        ("/schedules", "schedules"),
        ("/escalation_policies", "escalation policies"),
        ("/incidents", "incidents"),
    ] {
        let sim = Sim::start(seed(true));
        sim.handle
            .inject(Fault::new("GET", path, FaultKind::status(403)));
        let ws = Workspace::new(CONFIG, HR.as_bytes());
        let r = plan(&sim, &ws, &[]);
        r.expect_code(1).expect_stderr(&[&format!(
            "PagerDuty refused the request (403): check that PAGERDUTY_API_KEY may read the {what} of the account at {}; GET {path}: HTTP 403",
            sim.url()
        )]);
        assert!(!r.stderr.contains("users and teams"), "{}", r.stderr);
    }
}

/// The reviewer's r23: Fred in the layer of a schedule whose policy belongs to no team, so
/// PagerDuty would let him off team Ops; but a stakeholder "cannot be on schedules or EPs"
/// (PAGERDUTY_API.md §3.2), so the suspension's last step, the role change to
/// `read_only_limited_user`, would be refused (the simulator refuses it too) after the
/// marker write and the team removal. `--allow-oncall-gaps` cannot let it through: it
/// stays blocked, counted among the blocks only a person can clear, and nothing is written.
/// With a suspended role PagerDuty allows there, the switch lets it through and it is
/// applied in full.
#[test]
fn a_stakeholder_suspension_of_a_leaver_on_a_schedule_stays_blocked_with_allow_oncall_gaps() {
    let mut seed = account_json(true, Some((40, 47)));
    seed["escalation_policies"][0]
        .as_object_mut()
        .unwrap()
        .remove("teams");
    let seed = Seed::from_json(&seed.to_string()).unwrap();
    let sim = Sim::start(seed);
    let ws = Workspace::new(CONFIG, HR.as_bytes());
    let gaps = "--allow-oncall-gaps";
    let held = "on escalation policy \"Ops EP\" (PEPOPS1); on schedule \"Ops Weekly\" (PSCHED1); the suspension gives base role read_only_limited_user, a stakeholder role, which PagerDuty does not allow on schedules or escalation policies, so --allow-oncall-gaps cannot help: the deactivation is blocked (not attempted)";

    let text = plan(&sim, &ws, &[gaps]).expect_code(0).stdout.clone();
    for needle in [
        "  # user fred@example.com (PFRED01, employee 2) is blocked: it will not be deactivated\n".to_string(),
        format!("  #   blocked: {held}\n"),
        "the next run then goes ahead (--allow-oncall-gaps cannot: PagerDuty does not allow base role read_only_limited_user on schedules or escalation policies)\n".to_string(),
        "1 blocked (on a schedule or escalation policy a stakeholder cannot be on).".to_string(),
    ] {
        assert!(text.contains(&needle), "{needle}\n--- in\n{text}");
    }
    let v = plan(&sim, &ws, &["--format", "json", gaps])
        .expect_code(0)
        .json();
    assert_eq!(fred(&v)["blocked"], held);
    assert_eq!(v["summary"]["blocked"], 1);
    assert_eq!(v["summary"]["deactivate"], 0);

    let report = ws.path("report.json");
    apply(&sim, &ws, &[gaps, "--report", report.to_str().unwrap()])
        .expect_code(1)
        .expect_stdout(&[&format!(
            "Blocked: deactivate of fred@example.com (PFRED01): blocked: {held}"
        )]);
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(fred(&r)["outcome"], "blocked");
    assert!(
        sim.writes().iter().all(|w| !w.path.contains("PFRED01")),
        "no marker write, team removal or role change: {:#?}",
        sim.writes()
    );
    let now = sim.user("fred@example.com");
    assert_eq!(now.role.as_str(), "limited_user");
    assert!(!now.description.unwrap().contains("suspended"));
    assert_eq!(sim.memberships("PFRED01").len(), 1);

    // A plan saved without the switch, applied with it: decided again, still blocked.
    let saved = ws.path("saved.json");
    plan(&sim, &ws, &["--out", saved.to_str().unwrap()]).expect_code(0);
    let mut a = args(&["apply", "--yes", "--config", ws.config.to_str().unwrap()]);
    a.extend(args(&["--plan", saved.to_str().unwrap(), gaps]));
    run(&sim, &a)
        .expect_code(1)
        .expect_stdout(&["Blocked: deactivate of fred@example.com (PFRED01)"]);
    assert!(sim.writes().iter().all(|w| !w.path.contains("PFRED01")));

    // With suspended_role = "restricted_access", which PagerDuty allows there, the switch
    // lets the suspension through and the simulator accepts every step.
    let restricted = CONFIG.replace(
        "suspended_role = \"read_only_limited_user\"",
        "suspended_role = \"restricted_access\"",
    );
    let ws = Workspace::new(&restricted, HR.as_bytes());
    apply(&sim, &ws, &[gaps]).expect_code(0);
    let now = sim.user("fred@example.com");
    assert_eq!(now.role.as_str(), "restricted_access");
    assert!(now.description.unwrap().contains("suspended"));
    assert!(sim.memberships("PFRED01").is_empty());
}
