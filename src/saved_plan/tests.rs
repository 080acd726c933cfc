use super::*;
use crate::email::Email;
use crate::plan::{Action, ActionKind};

fn user(id: &str, email: &str, title: &str) -> User {
    serde_json::from_value(serde_json::json!({
        "id": id, "name": "N", "email": email, "role": "limited_user", "job_title": title,
        "teams": [{"id": "PT1"}]
    }))
    .unwrap()
}

fn action(user_id: Option<&str>, email: &str) -> Action {
    Action {
        employee_id: Some("7".into()),
        user_id: user_id.map(UserId::from),
        ..Action::new(
            if user_id.is_some() {
                ActionKind::Update
            } else {
                ActionKind::Create
            },
            Email::normalise(email),
            "N".into(),
        )
    }
}

fn saved(plan: Plan, users: &[User], members: &BTreeMap<TeamId, Vec<TeamMember>>) -> SavedPlan {
    SavedPlan {
        kind: KIND.into(),
        version: VERSION,
        created_at: String::new(),
        api_url: String::new(),
        config_sha256: String::new(),
        config_path: None,
        hr_sha256: String::new(),
        as_of: None,
        teams_read: BTreeSet::new(),
        users: fingerprints(&plan, users, members),
        oncall_as_of: None,
        oncall_lookahead_days: None,
        plan,
        hr_problems: Vec::new(),
    }
}

fn members(role: &str) -> BTreeMap<TeamId, Vec<TeamMember>> {
    let m: TeamMember =
        serde_json::from_value(serde_json::json!({"user": {"id": "P1"}, "role": role})).unwrap();
    BTreeMap::from([(TeamId::new("PT1"), vec![m])])
}

#[test]
fn unchanged_state_has_no_drift_and_round_trips_through_json() {
    let users = vec![
        user("P1", "a@example.com", "Rep"),
        user("P2", "b@example.com", "Rep"),
    ];
    let plan = Plan {
        actions: vec![action(Some("P1"), "a@example.com")],
        ..Plan::default()
    };
    let s = saved(plan, &users, &members("responder"));
    assert_eq!(s.users.len(), 1, "only touched users are fingerprinted");
    let back: SavedPlan = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back, s);
    assert!(drift(&back, &users, &members("responder"), None).is_empty());
}

#[test]
fn a_changed_field_team_role_or_missing_user_is_drift() {
    let users = vec![user("P1", "a@example.com", "Rep")];
    let plan = Plan {
        actions: vec![action(Some("P1"), "a@example.com")],
        ..Plan::default()
    };
    let s = saved(plan, &users, &members("responder"));
    let d = drift(
        &s,
        &[user("P1", "a@example.com", "Boss")],
        &members("responder"),
        None,
    );
    assert_eq!(
        d,
        vec!["user P1 (a@example.com) changed since the plan was made"]
    );
    assert_eq!(drift(&s, &users, &members("manager"), None).len(), 1);
    assert_eq!(
        drift(&s, &[], &members("responder"), None),
        vec!["user P1 (a@example.com) no longer exists"]
    );
}

#[test]
fn a_create_whose_user_appeared_is_drift() {
    let plan = Plan {
        actions: vec![action(None, "new@example.com")],
        ..Plan::default()
    };
    let s = saved(plan, &[], &BTreeMap::new());
    assert!(drift(&s, &[], &BTreeMap::new(), None).is_empty());
    let d = drift(
        &s,
        &[user("P9", "NEW@example.com", "x")],
        &BTreeMap::new(),
        None,
    );
    assert!(d[0].contains("now exists"), "{d:?}");
}

#[test]
fn a_create_stopped_before_its_team_requests_is_not_counted_as_applied() {
    use crate::plan::Step;
    let marker = r#"hr2pagerduty:v1 {"employee_id":"7"}"#;
    let create = Action {
        steps: vec![
            Step::CreateUser(
                serde_json::from_value(serde_json::json!({
                    "name": "N", "email": "new@example.com", "description": marker,
                    "role": "limited_user"
                }))
                .unwrap(),
            ),
            Step::SetTeamRole {
                team_id: TeamId::new("PT1"),
                team: "Ops".into(),
                role: serde_json::from_value(serde_json::json!("responder")).unwrap(),
            },
        ],
        ..action(None, "new@example.com")
    };
    let plan = Plan {
        actions: vec![create],
        ..Plan::default()
    };
    let s = saved(plan, &[], &BTreeMap::new());
    let created = |teams: serde_json::Value| -> User {
        serde_json::from_value(serde_json::json!({
            "id": "P9", "name": "N", "email": "new@example.com", "role": "limited_user",
            "description": marker, "teams": teams
        }))
        .unwrap()
    };
    // Stopped after POST /users: the marker is there, the team membership is not.
    let half = [created(serde_json::json!([]))];
    let e = s
        .check_account(&s.plan, &half, &BTreeMap::new(), None)
        .unwrap_err();
    assert!(matches!(e, Stale::Account { .. }), "{e}");
    assert!(
        e.to_string().contains(
            "the plan creates new@example.com: only partly done (user P9 carries its marker but not yet Ops (PT1) as responder); a new plan finishes it"
        ),
        "{e}"
    );
    // Finished: already applied.
    let done = [created(serde_json::json!([{"id": "PT1"}]))];
    let e = s
        .check_account(&s.plan, &done, &BTreeMap::new(), None)
        .unwrap_err();
    assert!(matches!(e, Stale::Applied { .. }), "{e}");
}

#[test]
fn a_written_plan_reads_back_and_checks_its_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let hr = dir.path().join("hr.csv");
    std::fs::write(&config, "x = 1\n").unwrap();
    std::fs::write(&hr, "EmpID\n7\n").unwrap();
    let users = vec![user("P1", "a@example.com", "Rep")];
    let plan = Plan {
        actions: vec![action(Some("P1"), "a@example.com")],
        ..Plan::default()
    };
    let sources = Sources {
        as_of: NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
        api_url: "http://127.0.0.1:1".into(),
        config_sha256: file_sha256(&config).unwrap(),
        config_path: std::fs::canonicalize(&config).ok(),
        hr_sha256: file_sha256(&hr).unwrap(),
    };
    let members = members("responder");
    let s = SavedPlan::new(
        plan,
        &users,
        &members,
        sources,
        "2026-01-02T03:04:05Z".into(),
        &OncallFacts::default(),
    );
    assert_eq!(s.teams_read, BTreeSet::from([TeamId::new("PT1")]));
    let path = dir.path().join("saved.json");
    s.write(&path).unwrap();
    assert!(std::fs::read_to_string(&path).unwrap().ends_with("}\n"));
    let back = SavedPlan::read(&path).unwrap();
    assert_eq!(back, s);
    back.check_config(&config).unwrap();
    back.check_hr(&hr).unwrap();
    back.check_api_url("http://127.0.0.1:1").unwrap();
    back.check_account(&back.plan, &users, &members, None)
        .unwrap();
    // The day of the dates is recorded; --as-of must name it, no --as-of passes.
    assert_eq!(back.as_of, NaiveDate::from_ymd_opt(2026, 1, 2));
    back.check_as_of(None).unwrap();
    back.check_as_of(NaiveDate::from_ymd_opt(2026, 1, 2))
        .unwrap();
    assert_eq!(
        back.check_as_of(NaiveDate::from_ymd_opt(2026, 1, 3))
            .unwrap_err()
            .to_string(),
        "the plan was made as of 2026-01-02, not 2026-01-03; make a new plan with --as-of 2026-01-03"
    );

    std::fs::write(&hr, "EmpID\n8\n").unwrap();
    let e = back.check_hr(&hr).unwrap_err();
    assert!(matches!(e, SavedPlanError::Stale(Stale::Hr(_))), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "the HR export {} is not the one the plan was made from; make a new plan",
            hr.display()
        )
    );
    std::fs::write(&config, "x = 2\n").unwrap();
    assert!(matches!(
        back.check_config(&config),
        Err(SavedPlanError::Stale(Stale::Config(_)))
    ));
    assert!(matches!(
        back.check_config(&dir.path().join("gone.toml")),
        Err(SavedPlanError::Input { .. })
    ));
    assert_eq!(
        back.check_api_url("https://api.pagerduty.com")
            .unwrap_err()
            .to_string(),
        "the plan was made against http://127.0.0.1:1, not https://api.pagerduty.com"
    );
    assert_eq!(
        back.check_account(&back.plan, &[], &members, None)
            .unwrap_err()
            .to_string(),
        "PagerDuty changed since the plan was made (2026-01-02T03:04:05Z); make a new plan:\n  - user P1 (a@example.com) no longer exists"
    );
}

#[test]
fn a_file_of_another_kind_or_version_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.json");
    let mut s = saved(Plan::default(), &[], &BTreeMap::new());
    s.version = 3;
    s.write(&path).unwrap();
    let e = SavedPlan::read(&path).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{} is a \"hr2pagerduty-saved-plan\" version 3, not an hr2pagerduty-saved-plan version 2: it was made by another version of hr2pagerduty; make the plan again with this one (plan --out)",
            path.display()
        )
    );
    std::fs::write(&path, "not json").unwrap();
    assert!(matches!(
        SavedPlan::read(&path),
        Err(SavedPlanError::Parse { .. })
    ));
    assert!(matches!(
        SavedPlan::read(&dir.path().join("gone.json")),
        Err(SavedPlanError::Read { .. })
    ));
}

#[test]
fn a_plan_of_the_build_that_stored_skip_causes_as_words_is_refused_by_its_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.json");
    let mut plan = Plan::default();
    plan.skipped.push(crate::plan::Skip {
        employee_id: None,
        email: Some(crate::email::Email::normalise("owner@example.com")),
        pagerduty_user_id: Some("POWNER1".into()),
        line: None,
        reason: crate::plan::SkipCause::FromUser,
        not_yet_hired: false,
    });
    let s = saved(plan, &[], &BTreeMap::new());
    s.write(&path).unwrap();
    // This build's own file reads back, the cause by its tag.
    assert_eq!(SavedPlan::read(&path).unwrap(), s);
    let mut v = serde_json::to_value(&s).unwrap();
    assert_eq!(
        v["plan"]["skipped"][0]["reason"],
        serde_json::json!({"cause": "from_user"})
    );
    // The previous layout: version 1, the cause as its words.
    v["version"] = 1.into();
    v["plan"]["skipped"][0]["reason"] = crate::plan::SkipCause::FromUser.to_string().into();
    std::fs::write(&path, v.to_string()).unwrap();
    let e = SavedPlan::read(&path).unwrap_err();
    assert!(
        matches!(e, SavedPlanError::Version { version: 1, .. }),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("version 1, not an hr2pagerduty-saved-plan version 2: it was made by another version of hr2pagerduty"),
        "{e}"
    );
}

#[test]
fn the_rules_an_action_names_round_trip_and_a_plan_saved_before_them_still_reads() {
    use crate::plan::{RoleSource, TeamSource};
    let mut a = action(None, "new@example.com");
    a.line = Some(12);
    a.role_rule = Some(RoleSource::Rule(2));
    a.team_rules = BTreeMap::from([
        ("IT Operations".to_string(), TeamSource::Rule(1)),
        ("Chess Club".to_string(), TeamSource::SuspensionRecord),
        ("Go Club".to_string(), TeamSource::DeletionArchive),
    ]);
    let plan = Plan {
        actions: vec![a, action(Some("P1"), "a@example.com")],
        ..Plan::default()
    };
    let s = saved(plan, &[], &BTreeMap::new());
    let mut v = serde_json::to_value(&s).unwrap();
    assert_eq!(
        v["plan"]["actions"][0]["role_rule"],
        serde_json::json!({"rule": 2})
    );
    assert_eq!(
        v["plan"]["actions"][0]["team_rules"],
        serde_json::json!({"IT Operations": 1, "Chess Club": "suspension_record", "Go Club": "deletion_archive"})
    );
    // An action without rules writes neither field, as saved plans did before them.
    let second = v["plan"]["actions"][1].as_object().unwrap();
    assert!(!second.contains_key("role_rule") && !second.contains_key("team_rules"));
    let back: SavedPlan = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(back, s);
    // A plan saved by a build before the fields existed reads, with no rules named.
    let first = v["plan"]["actions"][0].as_object_mut().unwrap();
    first.remove("role_rule");
    first.remove("team_rules");
    let old: SavedPlan = serde_json::from_value(v).unwrap();
    assert_eq!(old.version, VERSION);
    assert_eq!(old.plan.actions[0].role_rule, None);
    assert!(old.plan.actions[0].team_rules.is_empty());
    assert_eq!(old.plan.actions[0].line, Some(12));
}

/// A saved plan whose only write to a user was its own termination-pending stamp (the
/// user's deactivation blocked on call): applied again, it is refused as already applied,
/// the stamp counted as this plan's own action done; with the deactivation let through
/// (`--allow-oncall-gaps`) there is something left, and the user's line says the change
/// was this plan's own.
#[test]
fn a_stamp_this_plan_wrote_before_a_blocked_deactivation_counts_as_its_own_action_done() {
    use crate::plan::{Change, Field};
    let marked = |d: &str| -> User {
        serde_json::from_value(serde_json::json!({
            "id": "P1", "name": "N", "email": "a@example.com", "role": "limited_user",
            "description": d, "teams": [{"id": "PT1"}]
        }))
        .unwrap()
    };
    let before = r#"hr2pagerduty:v1 {"employee_id":"7"}"#;
    let stamped = r#"hr2pagerduty:v1 {"employee_id":"7","pending_termination":"2026-12-07"}"#;
    let stamp = Action {
        changes: vec![Change {
            field: Field::Description,
            old: Some(before.into()),
            new: Some(stamped.into()),
        }],
        ..action(Some("P1"), "a@example.com")
    };
    let impact = crate::oncall::OncallImpact {
        schedules: vec![crate::oncall::Named {
            id: crate::ids::ScheduleId::new("PS1"),
            name: "Primary".into(),
        }],
        ..Default::default()
    };
    let deactivate = Action {
        kind: ActionKind::Deactivate,
        changes: vec![Change {
            field: Field::Role,
            old: Some("limited_user".into()),
            new: Some("read_only_limited_user".into()),
        }],
        oncall: Some(impact.clone()),
        blocked: crate::oncall::check(
            Some(&impact),
            30,
            false,
            &[],
            crate::oncall::Taking::Deletion,
        ),
        ..action(Some("P1"), "a@example.com")
    };
    let plan = Plan {
        actions: vec![stamp, deactivate],
        ..Plan::default()
    };
    let mut s = saved(plan, &[marked(before)], &members("responder"));
    s.oncall_lookahead_days = Some(30);
    let now = [marked(stamped)];
    assert_eq!(
        drift(&s, &now, &members("responder"), None),
        [
            "user P1 (a@example.com): already done (PagerDuty shows the plan's update applied)",
            "user P1 (a@example.com): changed by this plan's own update (already applied); its deactivate is not done"
        ]
    );
    let again = s.plan_for_apply(false);
    let e = s
        .check_account(&again, &now, &members("responder"), None)
        .unwrap_err();
    assert!(matches!(e, Stale::Applied { blocked: 1, .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "the plan (made ) was already applied: PagerDuty already shows every one of its 2 actions done, but for 1 blocked on call, which is not attempted (rerun with --allow-oncall-gaps to attempt it); there is nothing left to apply from it (a new plan shows what is left to do)"
    );
    let gaps = s.plan_for_apply(true);
    let e = s
        .check_account(&gaps, &now, &members("responder"), None)
        .unwrap_err();
    assert!(matches!(e, Stale::Account { .. }), "{e}");
}

/// `apply --plan` counts the saved plan's licence changes again against the licences free
/// when it runs: a seat taken since is missing, and a deactivation blocked now releases
/// nothing.
#[test]
fn licences_are_counted_again_against_those_free_now() {
    use crate::oncall::Blocked;
    use crate::pagerduty::models::licenses::LicenseWithCounts;
    use crate::plan::{LicenseLabel, LicenseMove, LicenseTarget};
    let full = |free: u64| -> Vec<LicenseWithCounts> {
        serde_json::from_value(serde_json::json!([{
            "id": "PFULL01", "name": "Full User", "allocations_available": free,
            "valid_roles": ["limited_user", "user"]
        }]))
        .unwrap()
    };
    let named = LicenseTarget::Named(LicenseLabel {
        id: "PFULL01".into(),
        name: "Full User".into(),
    });
    let mut leaver = Action {
        kind: ActionKind::Deactivate,
        ..action(Some("PLEFT01"), "left@example.com")
    };
    let mut plan = Plan {
        actions: vec![leaver.clone()],
        license_moves: vec![
            LicenseMove {
                user_id: Some("PLEFT01".into()),
                deactivation: true,
                from: Some("PFULL01".into()),
                to: None,
                blocked: false,
            },
            LicenseMove {
                user_id: None,
                deactivation: false,
                from: None,
                to: Some(named.clone()),
                blocked: false,
            },
            LicenseMove {
                user_id: None,
                deactivation: false,
                from: None,
                to: Some(named),
                blocked: false,
            },
        ],
        ..Plan::default()
    };
    // One free and one released by the leaver: enough for the two creates.
    let (short, problems) = SavedPlan::license_shortfalls(&plan, &full(1));
    assert!(short.is_empty() && problems.is_empty(), "{short:?}");
    // The free seat taken since the plan was made: one missing.
    let (short, _) = SavedPlan::license_shortfalls(&plan, &full(0));
    assert_eq!(
        short
            .iter()
            .map(|s| (s.needed, s.available))
            .collect::<Vec<_>>(),
        [(2, 1)]
    );
    // The leaver's deactivation blocked now: it releases nothing.
    leaver.blocked = Some(Blocked {
        impact: None,
        lookahead_days: 30,
        refused: Vec::new(),
        removals_only: false,
        held: None,
    });
    plan.actions = vec![leaver];
    let (short, _) = SavedPlan::license_shortfalls(&plan, &full(1));
    assert_eq!(
        short
            .iter()
            .map(|s| (s.needed, s.available))
            .collect::<Vec<_>>(),
        [(2, 1)]
    );
    // A plan made without --allow-oncall-gaps records the blocked leaver's release as
    // blocked: not counted while the action stays blocked, counted once an apply with the
    // switch lets it through (the count matches what will run).
    plan.license_moves[0].blocked = true;
    let (short, _) = SavedPlan::license_shortfalls(&plan, &full(1));
    assert_eq!(
        short
            .iter()
            .map(|s| (s.needed, s.available))
            .collect::<Vec<_>>(),
        [(2, 1)]
    );
    plan.actions[0].blocked = None;
    let (short, problems) = SavedPlan::license_shortfalls(&plan, &full(1));
    assert!(short.is_empty() && problems.is_empty(), "{short:?}");
    // A plan that changes no licence needs no count.
    let (short, _) = SavedPlan::license_shortfalls(&Plan::default(), &[]);
    assert!(short.is_empty());
}

/// A team name with a `:` in it: a saved plan holds each membership as its text, as it
/// always did, and reads it back whole (the part after the last `:` is a role only when it
/// is a team role), so `already_done` compares the whole name.
#[test]
fn a_team_name_with_a_colon_reads_back_whole_and_is_compared_whole() {
    use crate::plan::{TeamMembership, TeamsChange};
    use crate::vocab::TeamRole;
    let night = TeamMembership {
        team: "Ops:East:Night".into(),
        role: Some(TeamRole::Manager),
    };
    let east = TeamMembership {
        team: "Ops:East".into(),
        role: None,
    };
    let mut a = action(Some("P1"), "a@example.com");
    a.teams = Some(TeamsChange {
        old: vec![night.clone()],
        new: vec![east.clone()],
    });
    let s = saved(
        Plan {
            actions: vec![a],
            ..Plan::default()
        },
        &[],
        &BTreeMap::new(),
    );
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(
        v["plan"]["actions"][0]["teams"],
        serde_json::json!({"old": ["Ops:East:Night:manager"], "new": ["Ops:East"]})
    );
    let back: SavedPlan = serde_json::from_value(v).unwrap();
    assert_eq!(back, s);
    let t = back.plan.actions[0].teams.as_ref().unwrap();
    assert_eq!((&t.old[0], &t.new[0]), (&night, &east));
    let in_team = |name: &str| -> User {
        serde_json::from_value(serde_json::json!({
            "id": "P1", "name": "N", "email": "a@example.com", "role": "limited_user",
            "teams": [{"id": "PT9", "name": name}]
        }))
        .unwrap()
    };
    let a = &back.plan.actions[0];
    assert!(already_done(
        a,
        &[in_team("Ops:East")],
        CreateProof::new(&back.plan, None)
    ));
    assert!(!already_done(
        a,
        &[in_team("Ops")],
        CreateProof::new(&back.plan, None)
    ));
}

#[test]
fn an_already_applied_plan_offers_the_override_only_for_the_actions_blocked_on_call() {
    let words = |blocked, held| {
        Stale::Applied {
            created_at: String::new(),
            actions: 3,
            blocked,
            held,
            held_causes: vec![crate::oncall::BlockCause::TeamEscalationPolicy],
        }
        .to_string()
    };
    assert!(
        words(1, 1).contains(", but for 1 blocked on their team's escalation policy, which is not attempted (--allow-oncall-gaps cannot help: someone must take them off the policy first)"),
        "{}",
        words(1, 1)
    );
    assert!(
        words(3, 1).contains(", but for 3 blocked (2 on call, 1 on their team's escalation policy), which are not attempted (rerun with --allow-oncall-gaps to attempt the 2 on call)"),
        "{}",
        words(3, 1)
    );
    // The other blocks the switch cannot lift say their own step, or a general one.
    use crate::oncall::BlockCause::{IncidentsAssigned, StakeholderOnRota};
    let held = |causes: Vec<crate::oncall::BlockCause>| {
        Stale::Applied {
            created_at: String::new(),
            actions: 3,
            blocked: 2,
            held: 2,
            held_causes: causes,
        }
        .to_string()
    };
    let one = held(vec![IncidentsAssigned]);
    assert!(
        one.contains(", but for 2 blocked with open incidents assigned, which are not attempted (--allow-oncall-gaps cannot help: someone must reassign or resolve their incidents first)"),
        "{one}"
    );
    let two = held(vec![StakeholderOnRota, IncidentsAssigned]);
    assert!(
        two.contains(", but for 2 blocked where --allow-oncall-gaps cannot help (on a schedule or escalation policy a stakeholder cannot be on; with open incidents assigned), which are not attempted (--allow-oncall-gaps cannot help: someone must clear what blocks them first)"),
        "{two}"
    );
}

/// r10g 18: a saved create of a plan made with a marker key counts as done only when the
/// user holding its email carries the employee's marker signed with the apply's keys
/// (current or previous) for that email. A user who wrote an unsigned marker naming the
/// hire and took the hire's email is no create of the plan's: the plan is refused as
/// changed (exit 3, make a new plan), not reported as already applied.
#[test]
fn a_create_counts_as_done_in_a_signed_plan_only_when_its_marker_verifies() {
    use crate::marker::{self, Marker, MarkerKey, MarkerKeys};
    use crate::plan::MarkerSignatures;
    let key = "saved-plan-test-marker-key-0123456789abcdef";
    let old = "saved-plan-test-previous-key-fedcba9876543210";
    let keys = MarkerKeys::new(MarkerKey::new("K", key).unwrap(), None);
    let rotating = MarkerKeys::new(
        MarkerKey::new("K", key).unwrap(),
        Some(MarkerKey::new("P", old).unwrap()),
    );
    let old_keys = MarkerKeys::new(MarkerKey::new("K", old).unwrap(), None);
    let m = Marker {
        employee_id: Some("7".into()),
        suspended: None,
        pending_termination: None,
        created: None,
    };
    let signed = |k: &MarkerKeys, carrier: &str| marker::render_with("", &m, Some(k), carrier);
    let holder = |description: String| -> User {
        serde_json::from_value(serde_json::json!({
            "id": "P9", "name": "N", "email": "new@example.com", "role": "limited_user",
            "description": description, "teams": []
        }))
        .unwrap()
    };
    let plan = |made_with_key: bool| Plan {
        actions: vec![action(None, "new@example.com")],
        marker_signatures: made_with_key.then(MarkerSignatures::default),
        ..Plan::default()
    };
    let unsigned = r#"hr2pagerduty:v1 {"employee_id":"7"}"#.to_string();
    let applied = |s: &SavedPlan, u: User, k: Option<&MarkerKeys>| match s.check_account(
        &s.plan,
        &[u],
        &BTreeMap::new(),
        k,
    ) {
        Err(Stale::Applied { .. }) => true,
        Err(Stale::Account { lines, .. }) => {
            assert!(lines.iter().any(|l| l.contains("now exists")), "{lines:?}");
            false
        }
        other => panic!("{other:?}"),
    };
    let s = saved(plan(true), &[], &BTreeMap::new());
    assert!(!applied(&s, holder(unsigned.clone()), Some(&keys)));
    // Signed for another email (copied from another user), or with a key the apply lacks.
    assert!(!applied(
        &s,
        holder(signed(&keys, "other@example.com")),
        Some(&keys)
    ));
    assert!(!applied(
        &s,
        holder(signed(&old_keys, "new@example.com")),
        Some(&keys)
    ));
    // Without keys for the apply (--allow-unsigned-run) nothing proves it.
    assert!(!applied(&s, holder(signed(&keys, "new@example.com")), None));
    // Signed for that email with the current or the previous key: the plan's own create.
    assert!(applied(
        &s,
        holder(signed(&keys, "new@example.com")),
        Some(&keys)
    ));
    assert!(applied(
        &s,
        holder(signed(&old_keys, "new@example.com")),
        Some(&rotating)
    ));
    // A plan made without a key takes any marker of the employee, as before.
    let s = saved(plan(false), &[], &BTreeMap::new());
    assert!(applied(&s, holder(unsigned), None));
}

/// A saved deletion records the escalation policy levels its user alone is on: when they
/// differ now (a target added, or the user now alone on a level), `apply --plan` refuses,
/// since the deletion would be decided otherwise; a suspension, which such a level does
/// not hold, is not refused for it.
#[test]
fn the_on_call_re_check_compares_a_deletion_s_sole_target_levels() {
    use crate::oncall::{Lookahead, Named, OncallImpact, SoleTarget};
    let ep = Named {
        id: crate::ids::EscalationPolicyId::new("PEPX001"),
        name: "Legacy EP".into(),
    };
    let alone = OncallImpact {
        escalation_policies: vec![ep.clone()],
        sole_target_of: vec![SoleTarget {
            policy: ep.clone(),
            level: 1,
        }],
        ..Default::default()
    };
    let shared = OncallImpact {
        escalation_policies: vec![ep],
        ..Default::default()
    };
    let with = |kind, impact: &OncallImpact| Plan {
        actions: vec![Action {
            kind,
            oncall: Some(impact.clone()),
            ..action(Some("P1"), "a@example.com")
        }],
        ..Plan::default()
    };
    let mut now = OncallFacts::new(Lookahead {
        since: "2026-11-30T00:00:00Z".parse().unwrap(),
        days: 30,
    });
    now.users.insert(UserId::new("P1"), alone.clone());
    assert_eq!(
        oncall_drift(&with(ActionKind::Delete, &shared), &now),
        [
            "user P1 (a@example.com): escalation policy levels they are the only target of then none; now [PEPX001 level 1]"
        ]
    );
    assert!(oncall_drift(&with(ActionKind::Delete, &alone), &now).is_empty());
    assert!(oncall_drift(&with(ActionKind::Deactivate, &shared), &now).is_empty());
}
