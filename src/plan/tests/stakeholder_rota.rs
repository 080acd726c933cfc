//! Planner tests of a move or a rehire into a stakeholder base role while the user is on a
//! schedule or an escalation policy, which PagerDuty refuses a stakeholder on (§3.2): the
//! role is left as it is, with a note naming each policy and schedule and what a person
//! must do, its team removals are not sent, and the rest goes ahead. The in-memory account
//! refuses such a role change as PagerDuty does, so applying a plan that sent one would
//! panic.

use super::*;
use crate::ids::{EscalationPolicyId, ScheduleId};
use crate::oncall::Named;

/// What Ha holds: escalation policy "Night EP" (PEPNITE, of no team) and, with `schedule`,
/// schedule "Night Watch" (PSCHED2).
fn night(schedule: bool) -> OncallImpact {
    OncallImpact {
        escalation_policies: vec![Named {
            id: EscalationPolicyId::new("PEPNITE"),
            name: "Night EP".into(),
        }],
        schedules: if schedule {
            vec![Named {
                id: ScheduleId::new("PSCHED2"),
                name: "Night Watch".into(),
            }]
        } else {
            Vec::new()
        },
        incidents: Vec::new(),
        sole_target_of: Vec::new(),
    }
}

/// Ha, a mover into the stakeholder default role, renamed in HR (a change that still
/// goes ahead).
fn renamed() -> Roster {
    roster(vec![emp(
        "22",
        "ha@example.com",
        "Ha Ivanova",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )])
}

const HA_NOTE: &str = "employee 22 (line 23): the rules give read_only_user, a stakeholder role, which PagerDuty does not allow on schedules or escalation policies, but user PHA0001 is on escalation policy \"Night EP\" (PEPNITE); on schedule \"Night Watch\" (PSCHED2); role left at limited_user, and kept on team \"IT Operations\" (PTITOPS) (the role's team removals are not sent either) until a person does this: take them off escalation policy \"Night EP\" (PEPNITE), as a target or on its schedules; take them off schedule \"Night Watch\" (PSCHED2), handing their shifts to someone else; the next run then gives the role";

fn role_sent(a: &Action) -> bool {
    a.steps
        .iter()
        .any(|s| matches!(s, Step::UpdateUser(UserUpdate { role: Some(_), .. })))
}

#[test]
fn a_move_into_a_stakeholder_role_while_on_a_rota_keeps_role_and_teams_and_does_the_rest() {
    let (cfg, _, mut acct) = stakeholder_mover();
    let r = renamed();
    acct.oncall.insert(UserId::new("PHA0001"), night(true));
    let p = acct.plan(&r, &cfg);
    assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
    let a = &p.actions[0];
    assert_eq!(a.kind, ActionKind::Update);
    assert!(a.attempted(), "not blocked: the rename goes ahead");
    assert_eq!(
        a.changes.iter().map(|c| c.field).collect::<Vec<_>>(),
        [Field::Name],
        "{a:#?}"
    );
    assert!(!role_sent(a), "{a:#?}");
    assert!(
        !a.steps
            .iter()
            .any(|s| matches!(s, Step::RemoveFromTeam { .. })),
        "the team stays: {a:#?}"
    );
    assert!(a.teams.is_none(), "{a:#?}");
    assert_eq!(
        a.oncall,
        Some(night(true)),
        "the duties checked are recorded"
    );
    assert!(p.notes.iter().any(|n| n == HA_NOTE), "{:#?}", p.notes);
    // Nothing PagerDuty refuses is sent; the next night the same note, nothing to send.
    acct.apply(&p, None);
    let next = acct.plan(&r, &cfg);
    assert!(next.is_empty(), "{:#?}", next.actions);
    assert!(next.notes.iter().any(|n| n == HA_NOTE), "{:#?}", next.notes);
    assert_eq!(acct.users[0].role, Role::LimitedUser);
    assert_eq!(acct.users[0].teams.len(), 1);
    // Handed over: the team removal, then the role, and the plan converges.
    acct.oncall.clear();
    let p = acct.plan(&r, &cfg);
    assert!(role_sent(&p.actions[0]), "{:#?}", p.actions);
    assert!(p.notes.iter().all(|n| !n.contains("stakeholder role")));
    acct.apply(&p, None);
    assert_eq!(acct.users[0].role, Role::ReadOnlyUser);
    assert!(acct.plan(&r, &cfg).is_empty());
}

#[test]
fn a_move_into_a_stakeholder_role_asks_for_the_users_duties_without_a_team_removal() {
    let (cfg, r, mut acct) = stakeholder_mover();
    acct.leave("PHA0001", "PTITOPS");
    let unread = OncallFacts::new(Lookahead {
        since: "2026-11-30T00:00:00Z".parse().unwrap(),
        days: 30,
    });
    let p = acct.plan_with(&r, &Policy::from_config(&cfg), &unread, nov_30());
    assert_eq!(p.needs_oncall, BTreeSet::from([UserId::new("PHA0001")]));
    // On a schedule only (no policy of her own): nothing to send, the note alone.
    acct.oncall.insert(
        UserId::new("PHA0001"),
        OncallImpact {
            escalation_policies: Vec::new(),
            ..night(true)
        },
    );
    let p = acct.plan(&r, &cfg);
    assert!(p.is_empty(), "{:#?}", p.actions);
    assert!(
        p.notes.iter().any(|n| n.ends_with(
            "but user PHA0001 is on schedule \"Night Watch\" (PSCHED2); role left at limited_user until a person does this: take them off schedule \"Night Watch\" (PSCHED2), handing their shifts to someone else; the next run then gives the role"
        )),
        "{:#?}",
        p.notes
    );
    // An open incident alone does not keep a stakeholder role away.
    acct.oncall.insert(
        UserId::new("PHA0001"),
        OncallImpact {
            incidents: crate::oncall::held_fixture().incidents,
            ..OncallImpact::default()
        },
    );
    let p = acct.plan(&r, &cfg);
    assert!(role_sent(&p.actions[0]), "{:#?}", p.actions);
}

#[test]
fn a_rehire_into_a_stakeholder_role_while_on_a_policy_is_blocked_with_its_record_kept() {
    let (cfg, r, _) = stakeholder_mover();
    let record = suspension_record(
        "22",
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        Role::LimitedUser,
        vec![],
    );
    let mut acct = Account::new(vec![user(
        "PHA0001",
        "ha@example.com",
        "Ha Iv",
        Role::RestrictedAccess,
        "Rep",
        Some(marker::render("", &record)),
    )]);
    acct.oncall.insert(UserId::new("PHA0001"), night(false));
    let p = acct.plan(&r, &cfg);
    let a = &p.actions[0];
    assert_eq!(a.kind, ActionKind::Reactivate);
    // Blocked, not reported as done: the rehire would keep the suspended role with its
    // record gone, and no later night would give the role (review e6).
    let b = a.blocked.as_ref().expect("blocked");
    assert_eq!(
        b.held,
        Some(crate::oncall::Held::RehireStakeholderRole {
            role: "read_only_user".into()
        })
    );
    assert_eq!(p.blocked(), 1);
    assert!(b.to_string().contains("the reactivation is blocked"), "{b}");
    acct.apply(&p, None);
    assert_eq!(
        marker::parse(acct.users[0].description.as_deref()).marker,
        MarkerState::Valid(record.clone()),
        "the suspension record is kept"
    );
    assert_eq!(acct.users[0].role, Role::RestrictedAccess);
    // The next night: the same block; once handed over, reactivated with the role.
    let next = acct.plan(&r, &cfg);
    assert_eq!(next.blocked(), 1, "{:#?}", next.actions);
    acct.oncall.clear();
    let p = acct.plan(&r, &cfg);
    assert!(
        p.actions[0].blocked.is_none() && role_sent(&p.actions[0]),
        "{:#?}",
        p.actions
    );
    acct.apply(&p, None);
    assert_eq!(acct.users[0].role, Role::ReadOnlyUser);
    assert!(acct.plan(&r, &cfg).is_empty());
}
