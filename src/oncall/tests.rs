use super::*;
use crate::pagerduty::models::incidents::Incident;
use crate::pagerduty::models::oncall::{EscalationPolicy, Oncall, Schedule};
use serde_json::json;

/// A suspension that changes no role: what PagerDuty refuses of it is only its team
/// removals, so the rule under test is the on-call one alone.
const KEEP: Taking<'static> = Taking::Suspension(None);

fn policy(id: &str, name: &str, targets: &[(&str, &str)]) -> EscalationPolicy {
    let targets: Vec<_> = targets
        .iter()
        .map(|(id, kind)| json!({"id": id, "type": kind}))
        .collect();
    serde_json::from_value(json!({
        "id": id, "name": name,
        "escalation_rules": [{"escalation_delay_in_minutes": 30, "targets": targets}]
    }))
    .unwrap()
}

fn oncall(user: &str, ep: &str, ep_name: &str, schedule: Option<(&str, &str)>) -> Oncall {
    serde_json::from_value(json!({
            "user": {"id": user, "type": "user_reference"},
            "escalation_policy": {"id": ep, "type": "escalation_policy_reference", "summary": ep_name},
            "schedule": schedule.map(|(id, name)| json!({"id": id, "type": "schedule_reference", "summary": name})),
            "escalation_level": 1,
            "start": schedule.map(|_| "2026-03-02T09:00:00Z"),
            "end": schedule.map(|_| "2026-03-09T09:00:00Z"),
        }))
        .unwrap()
}

fn incident(id: &str, title: &str, status: &str, assignees: &[&str]) -> Incident {
    let assignments: Vec<_> = assignees
            .iter()
            .map(|a| json!({"at": "2025-11-01T10:00:00Z", "assignee": {"id": a, "type": "user_reference"}}))
            .collect();
    serde_json::from_value(json!({
        "id": id, "title": title, "status": status, "created_at": "2025-11-01T10:00:00Z",
        "assignments": assignments
    }))
    .unwrap()
}

/// A schedule as `GET /schedules` lists it (no `include[]`): its users and the policies
/// using it, as `(id, summary)` references.
fn schedule(id: &str, name: &str, users: &[&str], policies: &[(&str, &str)]) -> Schedule {
    let users: Vec<_> = users
        .iter()
        .map(|u| json!({"id": u, "type": "user_reference"}))
        .collect();
    let policies: Vec<_> = policies
        .iter()
        .map(|(id, name)| json!({"id": id, "type": "escalation_policy_reference", "summary": name}))
        .collect();
    serde_json::from_value(json!({
        "id": id, "type": "schedule", "name": name, "time_zone": "Etc/UTC",
        "users": users, "escalation_policies": policies
    }))
    .unwrap()
}

fn ids(v: &[&str]) -> Vec<UserId> {
    v.iter().map(|s| UserId::new(*s)).collect()
}

#[test]
fn a_batched_answer_is_attributed_to_each_user_by_target_on_call_user_and_assignee() {
    let users = ids(&["PALICE1", "PBOB001", "PFRANK1"]);
    let policies = [
        policy(
            "PEP2",
            "b policy",
            &[("PALICE1", "user_reference"), ("POTHER1", "user_reference")],
        ),
        policy(
            "PEP1",
            "A policy",
            &[
                ("PSCHED1", "schedule_reference"),
                ("PALICE1", "user_reference"),
            ],
        ),
    ];
    let oncalls = [
        oncall("PALICE1", "PEP1", "ignored: the listing's name wins", None),
        oncall(
            "PBOB001",
            "PEP1",
            "A policy",
            Some(("PSCHED1", "Ops Primary")),
        ),
        oncall(
            "PBOB001",
            "PEP1",
            "A policy",
            Some(("PSCHED1", "Ops Primary")),
        ),
        oncall("PSTRANGER", "PEP9", "not asked for", None),
    ];
    let incidents = [
        incident("Q2", "Disk full", "triggered", &["PALICE1", "PBOB001"]),
        incident("Q1", "", "acknowledged", &["PALICE1"]),
        incident("Q3", "Fixed", "resolved", &["PFRANK1"]),
    ];
    let a = attribute(&users, &policies, &oncalls, &incidents, &[]);
    assert!(a.unattributed.is_empty());
    let alice = &a.impacts[&UserId::new("PALICE1")];
    assert_eq!(
        alice.escalation_policies,
        vec![
            Named {
                id: EscalationPolicyId::new("PEP1"),
                name: "A policy".into()
            },
            Named {
                id: EscalationPolicyId::new("PEP2"),
                name: "b policy".into()
            },
        ]
    );
    assert!(alice.schedules.is_empty());
    assert_eq!(
        alice.incidents,
        vec![
            IncidentRef {
                id: IncidentId::new("Q2"),
                title: "Disk full".into()
            },
            IncidentRef {
                id: IncidentId::new("Q1"),
                title: "Q1".into()
            },
        ]
    );
    let bob = &a.impacts[&UserId::new("PBOB001")];
    assert_eq!(
        bob.escalation_policies.len(),
        1,
        "reached only through the schedule"
    );
    assert_eq!(
        bob.schedules,
        vec![Named {
            id: ScheduleId::new("PSCHED1"),
            name: "Ops Primary".into()
        }]
    );
    assert_eq!(bob.incidents.len(), 1);
    assert!(
        a.impacts[&UserId::new("PFRANK1")].is_empty(),
        "a resolved incident does not count"
    );
    assert_eq!(a.impacts.len(), 3, "no entry for users not asked for");
}

#[test]
fn a_policy_targeting_none_of_the_batch_is_reported_unattributed() {
    let a = attribute(
        &ids(&["PALICE1", "PBOB001"]),
        &[policy("PEP1", "Ops", &[("PSCHED1", "schedule_reference")])],
        &[],
        &[],
        &[],
    );
    assert_eq!(a.unattributed, vec![EscalationPolicyId::new("PEP1")]);
    assert!(a.impacts.values().all(OncallImpact::is_empty));
    // Looked up alone, the user is the one the policy was returned for.
    let a = attribute(
        &ids(&["PBOB001"]),
        &[policy("PEP1", "Ops", &[("PSCHED1", "schedule_reference")])],
        &[],
        &[],
        &[],
    );
    assert!(a.unattributed.is_empty());
    assert_eq!(
        a.impacts[&UserId::new("PBOB001")].escalation_policies.len(),
        1
    );
}

#[test]
fn only_an_empty_looked_up_impact_or_the_switch_lets_an_action_through() {
    let empty = OncallImpact::default();
    assert_eq!(check(Some(&empty), 30, false, &[], KEEP), None);
    assert_eq!(
        check(None, 30, false, &[], KEEP),
        Some(Blocked {
            impact: None,
            lookahead_days: 30,
            refused: Vec::new(),
            removals_only: false,
            held: None,
        })
    );
    let full = attribute(
        &ids(&["PALICE1"]),
        &[policy("PEP1", "Ops", &[("PALICE1", "user_reference")])],
        &[oncall("PALICE1", "PEP1", "Ops", Some(("PS1", "Primary")))],
        &[incident("Q1", "Disk full", "triggered", &["PALICE1"])],
        &[],
    )
    .impacts
    .remove(&UserId::new("PALICE1"))
    .unwrap();
    let b = check(Some(&full), 30, false, &[], KEEP).unwrap();
    assert_eq!(
        b.to_string(),
        "on escalation policy \"Ops\" (PEP1); on schedule \"Primary\" (PS1); 1 open incident assigned: \"Disk full\" (Q1)"
    );
    assert_eq!(
        b.remedy(),
        "take them off escalation policy \"Ops\" (PEP1), as a target or on its schedules; take them off schedule \"Primary\" (PS1), handing their shifts to someone else; reassign or resolve incident \"Disk full\" (Q1); the next run then goes ahead (or rerun with --allow-oncall-gaps to go ahead now and leave these gaps)"
    );
    assert_eq!(check(Some(&full), 30, true, &[], KEEP), None);
    assert_eq!(check(None, 30, true, &[], KEEP), None);
    assert_eq!(
        check(None, 30, false, &[], KEEP).unwrap().to_string(),
        "its on-call duties were not looked up"
    );
}

#[test]
fn impacts_compare_by_id_and_the_window_renders_as_utc_seconds() {
    let a = OncallImpact {
        escalation_policies: vec![Named {
            id: EscalationPolicyId::new("PEP1"),
            name: "Old".into(),
        }],
        ..OncallImpact::default()
    };
    let mut b = a.clone();
    b.escalation_policies[0].name = "Renamed".into();
    assert!(a.same_as(&b));
    b.incidents.push(IncidentRef {
        id: IncidentId::new("Q1"),
        title: "x".into(),
    });
    assert!(!a.same_as(&b));
    let l = Lookahead {
        since: "2026-03-02T09:00:00.5Z".parse().unwrap(),
        days: 30,
    };
    assert_eq!(l.since_param(), "2026-03-02T09:00:00Z");
    assert_eq!(l.until_param(), "2026-04-01T09:00:00Z");
}

#[test]
fn a_schedule_gives_its_listed_users_itself_and_the_policies_using_it() {
    // Fred is in a layer of "Ops Weekly", which "Ops EP" uses; his next shift is beyond the
    // lookahead, so no on-call names him. Keep holds a shift now (an on-call) and Amy is a
    // direct target only. No policy uses "Spare"; an unnamed schedule is used by "Night EP".
    let users = ids(&["PFRED01", "PKEEP01", "PAMY001"]);
    let policies = [policy(
        "PEPOPS1",
        "Ops EP",
        &[("PAMY001", "user_reference")],
    )];
    let oncalls = [oncall(
        "PKEEP01",
        "PEPOPS1",
        "Ops EP",
        Some(("PSCHED1", "the listed name wins over this summary")),
    )];
    let schedules = [
        schedule(
            "PSCHED1",
            "Ops Weekly",
            &["PKEEP01", "PFRED01", "PSTRANGER"],
            &[(
                "PEPOPS1",
                "the policy listing's name wins over this summary",
            )],
        ),
        schedule("PSPARE1", "Spare", &["PFRED01"], &[]),
        schedule("PSNIGHT", "", &["PFRED01"], &[("PEPNITE", "Night EP")]),
    ];
    let a = attribute(&users, &policies, &oncalls, &[], &schedules);
    let pairs = |v: Vec<(&str, &str)>| -> Vec<(String, String)> {
        v.into_iter()
            .map(|(i, n)| (i.to_string(), n.to_string()))
            .collect()
    };
    let of = |u: &str| {
        let i = &a.impacts[&UserId::new(u)];
        (
            i.escalation_policies
                .iter()
                .map(|n| (n.id.to_string(), n.name.clone()))
                .collect::<Vec<_>>(),
            i.schedules
                .iter()
                .map(|n| (n.id.to_string(), n.name.clone()))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        of("PFRED01"),
        (
            pairs(vec![("PEPNITE", "Night EP"), ("PEPOPS1", "Ops EP")]),
            // Sorted by name: an unnamed schedule goes by its ID.
            pairs(vec![
                ("PSCHED1", "Ops Weekly"),
                ("PSNIGHT", "PSNIGHT"),
                ("PSPARE1", "Spare")
            ])
        )
    );
    assert_eq!(
        of("PKEEP01"),
        (
            pairs(vec![("PEPOPS1", "Ops EP")]),
            pairs(vec![("PSCHED1", "Ops Weekly")])
        )
    );
    assert_eq!(of("PAMY001"), (pairs(vec![("PEPOPS1", "Ops EP")]), vec![]));
    assert_eq!(
        a.impacts.len(),
        3,
        "no entry for a listed user not asked for"
    );

    // Without the schedules Fred holds nothing and would go ahead; with them he is blocked,
    // in words naming the policy and the schedule.
    let without = attribute(&users, &policies, &oncalls, &[], &[]);
    assert!(without.impacts[&UserId::new("PFRED01")].is_empty());
    assert_eq!(
        check(
            without.impacts.get(&UserId::new("PFRED01")),
            30,
            false,
            &[],
            KEEP
        ),
        None
    );
    let only_ops = attribute(&users, &policies, &oncalls, &[], &schedules[..1]);
    let b = check(
        only_ops.impacts.get(&UserId::new("PFRED01")),
        30,
        false,
        &[],
        KEEP,
    )
    .unwrap();
    assert_eq!(
        b.to_string(),
        "on escalation policy \"Ops EP\" (PEPOPS1); on schedule \"Ops Weekly\" (PSCHED1)"
    );
    assert_eq!(
        b.remedy(),
        "take them off escalation policy \"Ops EP\" (PEPOPS1), as a target or on its schedules; take them off schedule \"Ops Weekly\" (PSCHED1), handing their shifts to someone else; the next run then goes ahead (or rerun with --allow-oncall-gaps to go ahead now and leave these gaps)"
    );
}

#[test]
fn a_removal_from_a_team_of_one_of_the_users_policies_is_refused_and_no_switch_lets_it_through() {
    let named = |id: &str, name: &str| Named {
        id: EscalationPolicyId::new(id),
        name: name.into(),
    };
    let impact = OncallImpact {
        escalation_policies: vec![named("PEPNITE", "Night EP"), named("PEPOPS1", "Ops EP")],
        ..OncallImpact::default()
    };
    let ops = TeamId::new("PTEAM01");
    let db = TeamId::new("PTEAM02");
    // Ops EP belongs to the Ops team; Night EP to none; a third policy (unknown to the
    // user) to Database.
    let policy_teams = BTreeMap::from([
        (EscalationPolicyId::new("PEPOPS1"), vec![ops.clone()]),
        (EscalationPolicyId::new("PEPNITE"), vec![]),
        (EscalationPolicyId::new("PEPDB01"), vec![db.clone()]),
    ]);
    let refused = refused_removals(
        &impact,
        &policy_teams,
        [(&ops, "Ops".to_string()), (&db, "Database".to_string())],
    );
    assert_eq!(
        refused,
        vec![RefusedRemoval {
            team_id: ops.clone(),
            team: "Ops".into(),
            escalation_policies: vec![named("PEPOPS1", "Ops EP")],
        }],
        "only the team whose policy the user is on"
    );
    assert_eq!(
        refused[0].to_string(),
        "PagerDuty refuses to remove them from team \"Ops\" (PTEAM01) while they are on its escalation policy \"Ops EP\" (PEPOPS1)"
    );
    // The override lets the gaps through, never a removal PagerDuty refuses.
    assert_eq!(check(Some(&impact), 30, true, &[], KEEP), None);
    let b = check(Some(&impact), 30, true, &refused, KEEP).expect("blocked even with the switch");
    assert_eq!(
        b.to_string(),
        "on escalation policies \"Night EP\" (PEPNITE), \"Ops EP\" (PEPOPS1); PagerDuty refuses to remove them from team \"Ops\" (PTEAM01) while they are on its escalation policy \"Ops EP\" (PEPOPS1), so --allow-oncall-gaps cannot help: the deactivation is blocked (not attempted)"
    );
    assert_eq!(
        b.remedy(),
        "take them off escalation policies \"Night EP\" (PEPNITE), \"Ops EP\" (PEPOPS1), as a target or on their schedules; the next run then goes ahead (--allow-oncall-gaps cannot: PagerDuty refuses the team removal while they are on \"Ops EP\" (PEPOPS1))"
    );
    // The facts give the same answer by user; a user not looked up has none.
    let mut facts = OncallFacts::default();
    facts.users.insert(UserId::new("PALICE1"), impact);
    facts.policy_teams = policy_teams;
    assert_eq!(
        facts.refused_removals(&UserId::new("PALICE1"), [(&ops, "Ops".to_string())]),
        refused
    );
    assert!(
        facts
            .refused_removals(&UserId::new("PBOB001"), [(&ops, "Ops".to_string())])
            .is_empty()
    );
}

/// A blocked deletion's advice speaks of a deletion (no team removal, no suspension), and
/// offers the override only as far as PagerDuty lets a `DELETE` through: never with open
/// incidents assigned, with a warning where the user may be an escalation level's only
/// target, plainly for schedules alone.
#[test]
fn a_blocked_deletion_s_advice_names_what_pagerduty_refuses_a_delete_for() {
    let ep = || Named {
        id: EscalationPolicyId::new("PEP1"),
        name: "DB EP".into(),
    };
    let sched = || Named {
        id: ScheduleId::new("PS1"),
        name: "Primary".into(),
    };
    let blocked = |impact: OncallImpact| check(Some(&impact), 30, false, &[], KEEP).unwrap();
    let on_ep = blocked(OncallImpact {
        escalation_policies: vec![ep()],
        ..Default::default()
    });
    assert_eq!(
        on_ep.deletion_remedy(),
        "take them off escalation policy \"DB EP\" (PEP1), as a target or on its schedules; the next run then deletes them (or rerun with --allow-oncall-gaps to delete them now and leave these gaps)"
    );
    // The only target of a level: another target first, and no override.
    let alone = blocked(OncallImpact {
        escalation_policies: vec![ep()],
        sole_target_of: vec![SoleTarget {
            policy: ep(),
            level: 2,
        }],
        ..Default::default()
    });
    assert_eq!(
        alone.deletion_remedy(),
        "add another target to level 2 of escalation policy \"DB EP\" (PEP1) (PagerDuty refuses to delete a level's only target); take them off escalation policy \"DB EP\" (PEP1), as a target or on its schedules; the next run then deletes them (--allow-oncall-gaps cannot help while they are a level's only target: PagerDuty refuses the deletion)"
    );
    let with_incident = blocked(OncallImpact {
        schedules: vec![sched()],
        incidents: vec![IncidentRef {
            id: IncidentId::new("Q1"),
            title: "Disk full".into(),
        }],
        ..Default::default()
    });
    assert_eq!(
        with_incident.deletion_remedy(),
        "take them off schedule \"Primary\" (PS1), handing their shifts to someone else; reassign or resolve incident \"Disk full\" (Q1) (PagerDuty refuses to delete a user with open incidents assigned); the next run then deletes them (--allow-oncall-gaps cannot help while incidents are assigned to them: PagerDuty refuses the deletion)"
    );
    let on_schedule = blocked(OncallImpact {
        schedules: vec![sched()],
        ..Default::default()
    });
    assert!(
        on_schedule
            .deletion_remedy()
            .ends_with("the next run then deletes them (or rerun with --allow-oncall-gaps to delete them now and leave these gaps)"),
        "{}",
        on_schedule.deletion_remedy()
    );
    for b in [&on_ep, &alone, &with_incident, &on_schedule] {
        let words = b.deletion_remedy();
        assert!(
            !words.contains("team") && !words.contains("suspension"),
            "{words}"
        );
    }
}

#[test]
fn the_switch_cannot_lift_what_pagerduty_refuses_of_the_action_itself() {
    let full = held_fixture();
    let stakeholder = Taking::Suspension(Some(("read_only_limited_user", true)));
    // A stakeholder suspension of a user on a schedule and an escalation policy: PagerDuty
    // does not allow the role there (§3.2), so the switch cannot finish it.
    let b = check(Some(&full), 30, true, &[], stakeholder).expect("blocked with the switch");
    assert_eq!(b.cause(), BlockCause::StakeholderOnRota);
    assert!(!b.cause().lifted_by_switch());
    assert_eq!(
        b.held,
        Some(Held::StakeholderRole {
            role: "read_only_limited_user".into()
        })
    );
    assert!(
        b.to_string().ends_with("; the suspension gives base role read_only_limited_user, a stakeholder role, which PagerDuty does not allow on schedules or escalation policies, so --allow-oncall-gaps cannot help: the deactivation is blocked (not attempted)"),
        "{b}"
    );
    assert!(!b.remedy().contains("rerun with"), "{}", b.remedy());
    // Open incidents alone do not keep a stakeholder off them: the switch lifts those.
    let incidents_only = OncallImpact {
        escalation_policies: vec![],
        schedules: vec![],
        ..full.clone()
    };
    assert_eq!(
        check(Some(&incidents_only), 30, true, &[], stakeholder),
        None
    );
    // A role PagerDuty allows there, or no role change at all, the switch lets through.
    let restricted = Taking::Suspension(Some(("restricted_access", false)));
    assert_eq!(check(Some(&full), 30, true, &[], restricted), None);
    assert_eq!(check(Some(&full), 30, true, &[], KEEP), None);
    // Without the switch the block is counted as one only a person can clear.
    let b = check(Some(&full), 30, false, &[], stakeholder).unwrap();
    assert_eq!(
        blocked_words([&b]).as_deref(),
        Some("on a schedule or escalation policy a stakeholder cannot be on")
    );

    // A deletion with open incidents assigned, which PagerDuty refuses (F22).
    let b = check(Some(&full), 30, true, &[], Taking::Deletion).expect("blocked");
    assert_eq!(b.cause(), BlockCause::IncidentsAssigned);
    assert!(
        b.deletion_remedy()
            .contains("--allow-oncall-gaps cannot help while incidents are assigned")
    );
    assert_eq!(
        check(Some(&incidents_only), 30, true, &[], Taking::Deletion).map(|b| b.cause()),
        Some(BlockCause::IncidentsAssigned)
    );
    let no_incidents = OncallImpact {
        incidents: vec![],
        ..full.clone()
    };
    assert_eq!(
        check(Some(&no_incidents), 30, true, &[], Taking::Deletion),
        None
    );
    let on_call = check(Some(&no_incidents), 30, false, &[], Taking::Deletion).unwrap();
    assert_eq!(
        blocked_words([&b, &on_call]).as_deref(),
        Some("1 on call, 1 with open incidents assigned")
    );
}

/// Erin is the only target of level 1 of "Legacy EP" and shares level 2 with Bob; on
/// "Team EP" she shares level 1 with a schedule. A deleted user's reference left in a rule
/// (Dave's) is no target: Erin is alone on level 1 of "Night EP" too.
#[test]
fn the_levels_a_user_is_the_only_target_of_count_live_users_and_any_schedule() {
    let rule = |targets: &[(&str, &str)]| {
        let targets: Vec<_> = targets
            .iter()
            .map(|(id, kind)| json!({"id": id, "type": kind}))
            .collect();
        json!({"escalation_delay_in_minutes": 30, "targets": targets})
    };
    let policy = |id: &str, name: &str, rules: Vec<serde_json::Value>| -> EscalationPolicy {
        serde_json::from_value(json!({"id": id, "name": name, "escalation_rules": rules})).unwrap()
    };
    let erin = UserId::new("PERIN01");
    let policies = [
        policy(
            "PEPLEG1",
            "Legacy EP",
            vec![
                rule(&[("PERIN01", "user_reference")]),
                rule(&[("PERIN01", "user_reference"), ("PBOB001", "user_reference")]),
            ],
        ),
        policy(
            "PEPTEAM",
            "Team EP",
            vec![rule(&[
                ("PERIN01", "user_reference"),
                ("PS1", "schedule_reference"),
            ])],
        ),
        policy(
            "PEPNITE",
            "Night EP",
            vec![
                rule(&[("PDAVE01", "user_reference"), ("PERIN01", "user")]),
                rule(&[("PBOB001", "user_reference")]),
            ],
        ),
    ];
    let live = |u: &UserId| u.as_str() != "PDAVE01";
    let levels = sole_target_levels(&erin, &policies, live);
    let named = |id: &str, name: &str| Named {
        id: EscalationPolicyId::new(id),
        name: name.into(),
    };
    assert_eq!(
        levels,
        vec![
            SoleTarget {
                policy: named("PEPLEG1", "Legacy EP"),
                level: 1
            },
            SoleTarget {
                policy: named("PEPNITE", "Night EP"),
                level: 1
            },
        ]
    );
    assert_eq!(
        SoleTarget::list(&levels),
        "level 1 of escalation policy \"Legacy EP\" (PEPLEG1), level 1 of escalation policy \"Night EP\" (PEPNITE)"
    );
    // Dave still counted (listed), Erin is alone on no Night EP level.
    assert_eq!(sole_target_levels(&erin, &policies, |_| true).len(), 1);
    // Bob is alone on level 2 of Night EP only.
    assert_eq!(
        sole_target_levels(&UserId::new("PBOB001"), &policies, live),
        vec![SoleTarget {
            policy: named("PEPNITE", "Night EP"),
            level: 2
        }]
    );
}

/// A deletion of a level's only target stays blocked with the switch, counted with the
/// blocks only a person can clear; a suspension of the same user is not held by it.
#[test]
fn the_switch_cannot_lift_the_deletion_of_a_level_s_only_target() {
    let legacy = Named {
        id: EscalationPolicyId::new("PEPX001"),
        name: "Legacy EP".into(),
    };
    let alone = OncallImpact {
        escalation_policies: vec![legacy.clone()],
        sole_target_of: vec![SoleTarget {
            policy: legacy,
            level: 1,
        }],
        ..Default::default()
    };
    let b = check(Some(&alone), 30, true, &[], Taking::Deletion).expect("blocked with the switch");
    assert_eq!(b.cause(), BlockCause::SoleTarget);
    assert!(!b.cause().lifted_by_switch());
    assert_eq!(
        b.to_string(),
        "on escalation policy \"Legacy EP\" (PEPX001); they are the only target of level 1 of escalation policy \"Legacy EP\" (PEPX001), and PagerDuty refuses to delete a level's only target, so --allow-oncall-gaps cannot help"
    );
    assert_eq!(
        blocked_words([&b]).as_deref(),
        Some("as the only target of an escalation policy level")
    );
    // A suspension leaves them on the level: the switch lets it through.
    assert_eq!(check(Some(&alone), 30, true, &[], KEEP), None);
    // With open incidents too, the incidents hold it, and the words name the level.
    let both = OncallImpact {
        incidents: vec![IncidentRef {
            id: IncidentId::new("Q1"),
            title: "Disk full".into(),
        }],
        ..alone.clone()
    };
    let b = check(Some(&both), 30, true, &[], Taking::Deletion).unwrap();
    assert_eq!(b.cause(), BlockCause::IncidentsAssigned);
    assert!(
        b.to_string().ends_with("so --allow-oncall-gaps cannot help; they are the only target of level 1 of escalation policy \"Legacy EP\" (PEPX001), and PagerDuty refuses to delete a level's only target"),
        "{b}"
    );
    assert!(
        b.deletion_remedy()
            .starts_with("add another target to level 1"),
        "{}",
        b.deletion_remedy()
    );
    // The saved plan's field is absent when empty, and read back when present.
    let v = serde_json::to_value(&alone).unwrap();
    assert_eq!(v["sole_target_of"][0]["level"], 1);
    assert!(
        serde_json::to_value(OncallImpact::default())
            .unwrap()
            .get("sole_target_of")
            .is_none()
    );
    assert_eq!(serde_json::from_value::<OncallImpact>(v).unwrap(), alone);
}
