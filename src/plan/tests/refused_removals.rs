//! Planner tests of the team removals PagerDuty refuses while the user is on an escalation
//! policy of the team (fact F32): a leaver's deactivation stays blocked even with
//! `--allow-oncall-gaps`, and a mover's removal is left out of the update. The in-memory
//! account refuses such a removal as PagerDuty does, so applying a plan that sent one
//! would panic.

use super::*;
use crate::ids::EscalationPolicyId;
use crate::oncall::{Named, RefusedRemoval};

/// `policy` (of `team`) names `user` among its targets.
fn on_policy(acct: &mut Account, user: &str, policy: &str, name: &str, team: Option<&str>) {
    acct.oncall.insert(
        UserId::new(user),
        OncallImpact {
            escalation_policies: vec![Named {
                id: EscalationPolicyId::new(policy),
                name: name.into(),
            }],
            ..OncallImpact::default()
        },
    );
    acct.policy_teams.insert(
        EscalationPolicyId::new(policy),
        team.into_iter().map(TeamId::new).collect(),
    );
}

fn leaver() -> Roster {
    roster(vec![emp(
        "12",
        "fa@example.com",
        "Fa Gu",
        Lifecycle::Terminated,
        "IT",
        "Manager",
    )])
}

fn allowing(cfg: &Config) -> Policy {
    let mut p = Policy::from_config(cfg);
    p.allow_oncall_gaps = true;
    p
}

#[test]
fn a_leaver_on_a_policy_of_one_of_their_teams_stays_blocked_with_allow_oncall_gaps() {
    let (cfg, mut acct) = suspended_setup();
    on_policy(
        &mut acct,
        "PFA0001",
        "PEPOPS1",
        "IT Operations EP",
        Some("PTITOPS"),
    );
    let r = leaver();
    let p = acct.plan_with(&r, &allowing(&cfg), &acct.oncall_facts(), nov_30());
    assert_eq!((p.attempted(ActionKind::Deactivate), p.blocked()), (0, 1));
    let a = &p.actions[0];
    let refused = vec![RefusedRemoval {
        team_id: TeamId::new("PTITOPS"),
        team: "IT Operations".into(),
        escalation_policies: a.oncall.clone().unwrap().escalation_policies,
    }];
    assert_eq!(a.refused_removals, refused);
    let b = a.blocked.as_ref().expect("blocked despite the switch");
    assert_eq!(b.refused, refused);
    assert!(
        b.to_string().ends_with("PagerDuty refuses to remove them from team \"IT Operations\" (PTITOPS) while they are on its escalation policy \"IT Operations EP\" (PEPOPS1), so --allow-oncall-gaps cannot help: the deactivation is blocked (not attempted)"),
        "{b}"
    );
    assert!(
        b.remedy().starts_with("take them off escalation policy \"IT Operations EP\" (PEPOPS1), as a target or on its schedules; ")
            && !b.remedy().contains("rerun with"),
        "{}",
        b.remedy()
    );
    // Counted as blocked, not as a team removal of an update.
    assert_eq!(p.blocked_team_removals(), 0);
    // Nothing is attempted (the in-memory account would refuse the removal): the next run
    // plans the same.
    acct.apply(&p, None);
    assert_eq!(
        acct.plan_with(&r, &allowing(&cfg), &acct.oncall_facts(), nov_30()),
        p
    );
    // Taken off the policy, the leaver is suspended in full and the plan converges.
    acct.oncall.clear();
    let p = acct.plan(&r, &cfg);
    assert_eq!(p.blocked(), 0);
    acct.apply(&p, None);
    assert!(acct.plan(&r, &cfg).is_empty());
}

#[test]
fn the_switch_still_lets_through_a_leaver_whose_policies_belong_to_none_of_their_teams() {
    // A policy with no team, and one of a team the leaver is not on.
    for team in [None, Some("PTOTHER")] {
        let (cfg, mut acct) = suspended_setup();
        on_policy(&mut acct, "PFA0001", "PEPNITE", "Night EP", team);
        let r = leaver();
        assert_eq!(acct.plan(&r, &cfg).blocked(), 1, "blocked by default");
        // With a suspended role PagerDuty allows on an escalation policy: a stakeholder one
        // stays blocked (`a_leaver_on_call_is_blocked_every_run_until_free_or_allowed`).
        let mut allow = allowing(&cfg);
        allow.suspended_role = Role::RestrictedAccess;
        let p = acct.plan_with(&r, &allow, &acct.oncall_facts(), nov_30());
        assert_eq!((p.attempted(ActionKind::Deactivate), p.blocked()), (1, 0));
        assert!(p.actions[0].refused_removals.is_empty());
        acct.apply(&p, None);
        assert!(
            acct.plan_with(&r, &allow, &acct.oncall_facts(), nov_30())
                .is_empty()
        );
    }
}

#[test]
fn a_movers_removal_from_a_team_whose_policy_they_are_on_is_not_sent_and_the_rest_is() {
    let (cfg, mut acct, r) = mover();
    on_policy(
        &mut acct,
        "PGU0001",
        "PEPMGRS",
        "Managers EP",
        Some("PTMGRS1"),
    );
    let p = acct.plan(&r, &cfg);
    let a = &p.actions[0];
    assert_eq!(a.kind, ActionKind::Update);
    assert!(a.attempted(), "the update goes ahead");
    assert_eq!(
        a.refused_removals,
        vec![RefusedRemoval {
            team_id: TeamId::new("PTMGRS1"),
            team: "Managers".into(),
            escalation_policies: vec![Named {
                id: EscalationPolicyId::new("PEPMGRS"),
                name: "Managers EP".into(),
            }],
        }]
    );
    assert!(
        !a.steps
            .iter()
            .any(|s| matches!(s, Step::RemoveFromTeam { .. })),
        "{:?}",
        a.steps
    );
    assert!(
        a.steps
            .iter()
            .any(|s| matches!(s, Step::SetTeamRole { team_id, .. } if team_id == "PTITOPS")),
        "the add still happens: {:?}",
        a.steps
    );
    assert_eq!((p.blocked(), p.blocked_team_removals()), (0, 1));
    // Applied (a removal sent would be refused here): on both teams, and the next plan
    // holds the same refused removal, with nothing left to send.
    acct.apply(&p, None);
    assert_eq!(acct.users[0].teams.len(), 2);
    let next = acct.plan(&r, &cfg);
    assert_eq!(next.actions[0].refused_removals, a.refused_removals);
    assert!(next.actions[0].steps.is_empty(), "{:?}", next.actions[0]);
    // An update that sends nothing is blocked, not counted as an update; the block names
    // the refused removal and what a person must do, every night until then.
    let b = next.actions[0]
        .blocked
        .as_ref()
        .expect("blocked: nothing to send");
    assert!(b.removals_only && b.refused == a.refused_removals, "{b:?}");
    assert_eq!(
        (
            next.attempted(ActionKind::Update),
            next.blocked(),
            next.blocked_team_removals()
        ),
        (0, 1, 0)
    );
    assert!(
        b.to_string().ends_with("while they are on its escalation policy \"Managers EP\" (PEPMGRS); the update has nothing else to change, so nothing is sent"),
        "{b}"
    );
    assert!(
        b.remedy().starts_with("take them off escalation policy \"Managers EP\" (PEPMGRS), as a target or on its schedules; the next run then removes them from the team"),
        "{}",
        b.remedy()
    );
    acct.apply(&next, None);
    assert_eq!(acct.plan(&r, &cfg), next, "the same blocked plan");
    // Off the policy: the removal is planned and the plan converges.
    acct.oncall.clear();
    let p = acct.plan(&r, &cfg);
    assert!(p.actions[0].refused_removals.is_empty());
    acct.apply(&p, None);
    assert!(acct.plan(&r, &cfg).is_empty());
}

#[test]
fn a_movers_duties_are_asked_for_only_with_a_removal_and_a_policy_of_another_team_refuses_nothing()
{
    let (cfg, mut acct, r) = mover();
    let unread = OncallFacts::new(Lookahead {
        since: "2026-11-30T00:00:00Z".parse().unwrap(),
        days: 30,
    });
    // Not looked up yet: named as needed, the removal planned as usual until they are.
    let p = acct.plan_with(&r, &Policy::from_config(&cfg), &unread, nov_30());
    assert_eq!(p.needs_oncall, BTreeSet::from([UserId::new("PGU0001")]));
    assert!(p.actions[0].refused_removals.is_empty());
    // A mover who only joins a team needs no look-up.
    acct.leave("PGU0001", "PTMGRS1");
    let p = acct.plan_with(&r, &Policy::from_config(&cfg), &unread, nov_30());
    assert!(p.needs_oncall.is_empty(), "{:?}", p.needs_oncall);
    // On a policy of the team they join, not the one they leave: the removal is sent.
    let (cfg, mut acct, r) = mover();
    on_policy(
        &mut acct,
        "PGU0001",
        "PEPOPS1",
        "IT Operations EP",
        Some("PTITOPS"),
    );
    let p = acct.plan(&r, &cfg);
    assert!(p.actions[0].refused_removals.is_empty());
    acct.apply(&p, None);
    assert!(acct.plan(&r, &cfg).is_empty());
}

#[test]
fn a_move_into_a_stakeholder_role_keeps_the_role_while_a_team_removal_is_refused() {
    // Sales gets no team and the stakeholder default role; Ha is on IT Operations, whose
    // policy she is on: she cannot leave the team, so a stakeholder role (which holds no
    // teams, F17) would be refused too.
    let (cfg, r, mut acct) = stakeholder_mover();
    on_policy(
        &mut acct,
        "PHA0001",
        "PEPOPS1",
        "IT Operations EP",
        Some("PTITOPS"),
    );
    let p = acct.plan(&r, &cfg);
    let a = &p.actions[0];
    assert_eq!(a.refused_removals.len(), 1, "{a:#?}");
    assert!(
        !a.changes.iter().any(|c| c.field == Field::Role)
            && a.steps
                .iter()
                .all(|s| !matches!(s, Step::UpdateUser(UserUpdate { role: Some(_), .. }))),
        "the role stays: {a:#?}"
    );
    assert!(
        p.notes.iter().any(|n| n.contains(
            "cannot leave team \"IT Operations\" (PTITOPS) while on its escalation policies; role left at limited_user until a person does this: take them off escalation policy \"IT Operations EP\" (PEPOPS1)"
        )),
        "{:?}",
        p.notes
    );
    // Nothing PagerDuty refuses is sent (the in-memory account would panic), and the next
    // plan says the same.
    acct.apply(&p, None);
    assert_eq!(acct.plan(&r, &cfg), p);
    // Off the policy: removal, then the stakeholder role, and the plan converges.
    acct.oncall.clear();
    let p = acct.plan(&r, &cfg);
    assert!(p.actions[0].changes.iter().any(|c| c.field == Field::Role));
    acct.apply(&p, None);
    assert!(acct.plan(&r, &cfg).is_empty());
}

#[test]
fn a_rehires_removal_from_a_team_whose_policy_they_are_on_is_not_sent_and_the_rest_is() {
    // Gu was suspended, then put on Managers (and its policy) by hand; the rules give the
    // rehire IT Operations only.
    let (cfg, _, r) = mover();
    let record = suspension_record(
        "21",
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        Role::LimitedUser,
        vec![],
    );
    let mut acct = Account::new(vec![user(
        "PGU0001",
        "gu@example.com",
        "Gu Ha",
        Role::LimitedUser,
        "Engineer",
        Some(marker::render("", &record)),
    )]);
    acct.join("PGU0001", "PTMGRS1", TeamRole::Manager);
    // Not looked up yet: the reactivation asks for the user's duties, as a mover's does.
    let unread = OncallFacts::new(Lookahead {
        since: "2026-11-30T00:00:00Z".parse().unwrap(),
        days: 30,
    });
    let p = acct.plan_with(&r, &Policy::from_config(&cfg), &unread, nov_30());
    assert_eq!(p.needs_oncall, BTreeSet::from([UserId::new("PGU0001")]));
    on_policy(
        &mut acct,
        "PGU0001",
        "PEPMGRS",
        "Managers EP",
        Some("PTMGRS1"),
    );
    let p = acct.plan(&r, &cfg);
    let a = &p.actions[0];
    assert_eq!(a.kind, ActionKind::Reactivate);
    assert!(a.attempted(), "the reactivation goes ahead");
    assert_eq!(
        a.refused_removals
            .iter()
            .map(|r| r.team_id.as_str())
            .collect::<Vec<_>>(),
        ["PTMGRS1"]
    );
    assert!(
        !a.steps
            .iter()
            .any(|s| matches!(s, Step::RemoveFromTeam { .. })),
        "{:?}",
        a.steps
    );
    assert!(
        a.steps
            .iter()
            .any(|s| matches!(s, Step::SetTeamRole { team_id, .. } if team_id == "PTITOPS")),
        "{:?}",
        a.steps
    );
    assert_eq!(p.blocked_team_removals(), 1);
    // Applied (a removal sent would be refused here): reactivated, still on Managers; the
    // next plan holds the refused removal alone, blocked.
    acct.apply(&p, None);
    let next = acct.plan(&r, &cfg);
    assert_eq!(next.actions[0].kind, ActionKind::Update);
    assert!(next.actions[0].blocked.is_some(), "{:?}", next.actions[0]);
    // Off the policy: the removal is planned and the plan converges.
    acct.oncall.clear();
    let p = acct.plan(&r, &cfg);
    acct.apply(&p, None);
    assert!(acct.plan(&r, &cfg).is_empty());
}
