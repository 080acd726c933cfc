//! Planner tests of issue 7's ownership rules: the API key's own user, offboarding
//! unmanaged users, the suspended-by-others conflict, licences, probable duplicates and
//! re-keyed markers. Each test plans, applies the plan to the in-memory account where it
//! changes something, and plans again.

use super::*;
use crate::ids::LicenseId;
use crate::pagerduty::models::licenses::{License, LicenseWithCounts, RoleGroup};

/// What an account tells the planner beyond users and teams.
#[derive(Default)]
struct Facts {
    key_owner: Option<UserId>,
    licenses: Vec<LicenseWithCounts>,
    holders: Option<BTreeMap<UserId, LicenseId>>,
    rekey: bool,
    allow_oncall_gaps: bool,
}

fn plan_with(acct: &Account, r: &Roster, cfg: &Config, f: &Facts) -> Result<Plan, PlanError> {
    let mut policy = Policy::from_config(cfg);
    policy.rekey_employee_ids = f.rekey;
    policy.allow_oncall_gaps = f.allow_oncall_gaps;
    acct.plan_of(Inputs {
        key_owner: f.key_owner.as_ref(),
        licenses: &f.licenses,
        license_holders: f.holders.as_ref(),
        ..fixture::inputs(r, &policy, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap())
    })
}

fn reasons(p: &Plan) -> Vec<(String, SkipCause)> {
    p.skipped
        .iter()
        .map(|s| {
            (
                s.email.as_ref().map(Email::to_string).unwrap_or_default(),
                s.reason.clone(),
            )
        })
        .collect()
}

/// The tests' configuration text (as [`config`] makes it), with `from` replaced by `to`.
fn config_text_with(from: &str, to: &str) -> Config {
    crate::plan::fixture::config_replacing(from, to)
}

fn unmanaged_config(mode: &str) -> Config {
    config_text_with(
        "unmanaged_users = \"report\"",
        &format!("unmanaged_users = \"{mode}\""),
    )
}

#[test]
fn the_api_keys_own_user_is_never_written() {
    let cfg = std_config();
    let r = roster(vec![emp(
        "1",
        "keybot@example.com",
        "Key Bot",
        Lifecycle::Terminated,
        "IT",
        "Bot",
    )]);
    let acct = Account::new(vec![
        user(
            "PKEY001",
            "keybot@example.com",
            "Key Bot",
            Role::Admin,
            "Bot",
            marked("1"),
        ),
        user(
            "PKEY002",
            "gone@example.com",
            "Gone Away",
            Role::Admin,
            "Ops",
            marked("2"),
        ),
    ]);
    let without = plan_with(&acct, &r, &cfg, &Facts::default()).unwrap();
    assert_eq!(without.count(ActionKind::Deactivate), 2, "{without:#?}");
    let facts = Facts {
        key_owner: Some("PKEY001".into()),
        ..Facts::default()
    };
    let p = plan_with(&acct, &r, &cfg, &facts).unwrap();
    assert_eq!(
        p.actions
            .iter()
            .map(|a| a.user_id.as_ref().unwrap().as_str())
            .collect::<Vec<_>>(),
        ["PKEY002"]
    );
    assert_eq!(
        reasons(&p),
        [(
            "keybot@example.com".to_string(),
            SkipCause::Untouchable(Untouchable::KeyOwner)
        )]
    );
    // Also as a leaver: its marker's employee left the export.
    let p = plan_with(&acct, &roster(vec![]), &cfg, &facts).unwrap();
    assert!(
        p.actions
            .iter()
            .all(|a| a.user_id.as_ref().map(|id| id.as_str()) != Some("PKEY001"))
    );
    assert!(
        p.skipped
            .iter()
            .any(|s| s.reason == SkipCause::Untouchable(Untouchable::KeyOwner))
    );
}

/// An account with an unmanaged user on a team, the owner, a protected user, the key's
/// own user and the `from` bot (unprotected here).
fn unmanaged_account() -> Account {
    let mut acct = Account::new(vec![
        owner(),
        user(
            "PCONT01",
            "carl@contractor.example.net",
            "Carl Tractor",
            Role::User,
            "Contractor",
            Some("Works on the pipeline".into()),
        ),
        user("PVIP001", "vip@example.com", "Vi Pe", Role::User, "x", None),
        user(
            "PKEY001",
            "key@example.com",
            "Key User",
            Role::Admin,
            "x",
            None,
        ),
    ]);
    acct.join("PCONT01", "PTCHESS", TeamRole::Manager);
    acct
}

#[test]
fn offboard_deactivates_unmarked_users_without_a_row_and_a_later_row_brings_them_back() {
    let acct = unmanaged_account();
    let facts = Facts {
        key_owner: Some("PKEY001".into()),
        ..Facts::default()
    };
    let nobody = roster(vec![]);
    // r10g #5: the users hr2pagerduty never writes that hold access are listed as left
    // alone on purpose, with the reason, although no HR row names them (a leaver who set
    // her own email to a protected address no user held is among them): informational,
    // not a skip that needs a person. The `from` bot is not protected here, so unmanaged.
    for mode in ["ignore", "report"] {
        let p = plan_with(&acct, &nobody, &unmanaged_config(mode), &facts).unwrap();
        assert!(p.is_empty(), "{mode}: {:#?}", p.actions);
        let listed: Vec<(&str, &SkipCause)> = p
            .skipped
            .iter()
            .map(|s| (s.pagerduty_user_id.as_ref().unwrap().as_str(), &s.reason))
            .collect();
        assert_eq!(
            listed,
            [
                ("PKEY001", &SkipCause::Untouchable(Untouchable::KeyOwner)),
                ("POWNER1", &SkipCause::Untouchable(Untouchable::Owner)),
                ("PVIP001", &SkipCause::Untouchable(Untouchable::Protected)),
            ],
            "{mode}"
        );
        assert_eq!(p.needs_attention().count(), 0, "{mode}");
    }
    // A protected user already without access (a suspended role, no team) is not listed.
    let mut quiet = unmanaged_account();
    for u in &mut quiet.users {
        if u.id == "PVIP001" {
            u.role = Role::ReadOnlyLimitedUser;
        }
    }
    let p = plan_with(&quiet, &nobody, &unmanaged_config("report"), &facts).unwrap();
    assert!(
        p.skipped
            .iter()
            .all(|s| s.pagerduty_user_id.as_ref().unwrap().as_str() != "PVIP001"),
        "{:#?}",
        p.skipped
    );
    let cfg = unmanaged_config("offboard");
    let p = plan_with(&acct, &nobody, &cfg, &facts).unwrap();
    assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
    let a = &p.actions[0];
    assert_eq!(
        (
            a.kind,
            a.user_id.as_ref().map(|id| id.as_str()),
            a.employee_id.as_ref()
        ),
        (ActionKind::Deactivate, Some("PCONT01"), None)
    );
    assert!(
        a.reason.contains("unmanaged_users = \"offboard\""),
        "{}",
        a.reason
    );
    assert_eq!(
        a.guard,
        Some(Guard {
            employee_id: None,
            email: Email::normalise("carl@contractor.example.net"),
            claimed: None,
        })
    );
    assert_eq!(p.population.managed_users, 1);
    // The owner, the protected user, the key's own user and the `from` bot are listed as
    // skipped, with their reasons.
    let mut got = reasons(&p);
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        [
            (
                "bot@example.com".to_string(),
                SkipCause::Untouchable(Untouchable::Protected)
            ),
            (
                "key@example.com".to_string(),
                SkipCause::Untouchable(Untouchable::KeyOwner)
            ),
            (
                "owner@example.com".to_string(),
                SkipCause::Untouchable(Untouchable::Owner)
            ),
            (
                "vip@example.com".to_string(),
                SkipCause::Untouchable(Untouchable::Protected)
            ),
        ]
    );
    let mut acct = acct;
    acct.apply(&p, None);
    let carl = acct.users.iter().find(|u| u.id == "PCONT01").unwrap();
    assert_eq!(carl.role, Role::ReadOnlyLimitedUser);
    assert!(carl.teams.is_empty());
    let m = match marker::parse(carl.description.as_deref()).marker {
        MarkerState::Valid(m) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(m.employee_id, None, "the record names no employee");
    assert_eq!(m.suspended.as_ref().unwrap().role, Role::User);
    assert!(
        plan_with(&acct, &nobody, &cfg, &facts).unwrap().is_empty(),
        "converged"
    );

    // A terminated HR row with that email only records the employee on the suspension.
    let gone = roster(vec![emp(
        "41",
        "carl@contractor.example.net",
        "Carl Tractor",
        Lifecycle::Terminated,
        "Sales",
        "Contractor",
    )]);
    let p = plan_with(&acct, &gone, &cfg, &facts).unwrap();
    assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
    let a = &p.actions[0];
    assert!(
        a.reason
            .starts_with("leaver already suspended: the user was suspended as an unmanaged user")
            && a.reason.ends_with("its record now names employee 41"),
        "{}",
        a.reason
    );
    let mut recorded = acct.clone();
    recorded.apply(&p, None);
    assert!(
        plan_with(&recorded, &gone, &cfg, &facts)
            .unwrap()
            .is_empty()
    );

    // A later HR row with the same email reactivates the user, matched by email, and
    // records the employee ID.
    let back = roster(vec![emp(
        "40",
        "carl@contractor.example.net",
        "Carl Tractor",
        Lifecycle::Active,
        "Sales",
        "Contractor",
    )]);
    let p = plan_with(&acct, &back, &cfg, &facts).unwrap();
    assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
    let a = &p.actions[0];
    assert_eq!(a.kind, ActionKind::Reactivate);
    assert!(a.reason.contains("unmanaged user"), "{}", a.reason);
    acct.apply(&p, None);
    let carl = acct.users.iter().find(|u| u.id == "PCONT01").unwrap();
    assert_eq!(carl.role, Role::LimitedUser);
    assert!(
        carl.description
            .as_deref()
            .unwrap()
            .starts_with("Works on the pipeline\n")
    );
    assert_eq!(
        marker::parse(carl.description.as_deref()).marker,
        MarkerState::Valid(Marker {
            employee_id: Some("40".into()),
            suspended: None,
            pending_termination: None,
            created: None,
        })
    );
    assert!(plan_with(&acct, &back, &cfg, &facts).unwrap().is_empty());
}

#[test]
fn offboarding_stops_at_a_row_with_a_problem_and_finishes_an_interrupted_one() {
    let acct = unmanaged_account();
    let cfg = unmanaged_config("offboard");
    let key = Facts {
        key_owner: Some("PKEY001".into()),
        ..Facts::default()
    };
    let mut r = roster(vec![]);
    r.protected_emails
        .insert(Email::normalise("carl@contractor.example.net"));
    let p = plan_with(&acct, &r, &cfg, &key).unwrap();
    assert!(p.is_empty(), "{:#?}", p.actions);
    assert!(reasons(&p).contains(&(
        "carl@contractor.example.net".into(),
        SkipCause::HrRowProblem
    )));
    // The `from` bot, unprotected, is never offboarded either.
    let mut unprotected = cfg.clone();
    unprotected.lifecycle.protected.clear();
    let p = plan_with(&acct, &roster(vec![]), &unprotected, &key).unwrap();
    assert!(reasons(&p).contains(&("bot@example.com".into(), SkipCause::FromUser)));
    assert!(
        p.actions
            .iter()
            .all(|a| a.email.as_str() != "bot@example.com")
    );

    // A crash after the first step (the record) is finished by the next plan.
    let mut acct = acct;
    let p = plan_with(&acct, &roster(vec![]), &cfg, &key).unwrap();
    acct.apply(&p, Some(1));
    let again = plan_with(&acct, &roster(vec![]), &cfg, &key).unwrap();
    assert_eq!(again.actions.len(), 1);
    assert!(
        again.actions[0].reason.contains("finishing"),
        "{}",
        again.actions[0].reason
    );
    assert_eq!(again.actions[0].guard.as_ref().unwrap().employee_id, None);
    acct.apply(&again, None);
    assert!(
        plan_with(&acct, &roster(vec![]), &cfg, &key)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_user_suspended_by_someone_else_is_a_conflict_not_an_adoption() {
    let cfg = std_config();
    let r = roster(vec![emp(
        "50",
        "held@example.com",
        "He Ld",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )]);
    for role in [
        Role::ReadOnlyUser,
        Role::ReadOnlyLimitedUser,
        Role::RestrictedAccess,
    ] {
        let acct = Account::new(vec![user(
            "PHELD01",
            "held@example.com",
            "He Ld",
            role.clone(),
            "Rep",
            None,
        )]);
        let p = plan_with(&acct, &r, &cfg, &Facts::default()).unwrap();
        assert!(p.is_empty(), "{role}: {:#?}", p.actions);
        assert_eq!(
            reasons(&p),
            [(
                "held@example.com".to_string(),
                SkipCause::SuspendedByOthers { role: role.clone() }
            )]
        );
        // Not a leaver either: the user is settled by the skip.
        assert_eq!(p.count(ActionKind::Deactivate), 0);
    }
    // When the rules give that very role, it is an ordinary adoption.
    let mut ro = cfg.clone();
    ro.roles.default = Role::ReadOnlyUser;
    let acct = Account::new(vec![user(
        "PHELD01",
        "held@example.com",
        "He Ld",
        Role::ReadOnlyUser,
        "Rep",
        None,
    )]);
    let p = plan_with(&acct, &r, &ro, &Facts::default()).unwrap();
    assert_eq!(p.count(ActionKind::Update), 1, "{:#?}", p.actions);
    assert!(
        p.actions[0].reason.starts_with("adopt"),
        "{}",
        p.actions[0].reason
    );
    // A marked user with such a role is ours: adopted markers are never a conflict.
    let acct = Account::new(vec![user(
        "PHELD01",
        "held@example.com",
        "He Ld",
        Role::RestrictedAccess,
        "Rep",
        marked("50"),
    )]);
    let p = plan_with(&acct, &r, &cfg, &Facts::default()).unwrap();
    assert!(p.skipped.is_empty(), "{:#?}", p.skipped);
    assert!(p.actions[0].changes_role());
}

fn license(id: &str, name: &str, roles: &[Role], free: Option<u64>) -> LicenseWithCounts {
    LicenseWithCounts {
        license: License {
            id: id.into(),
            kind: "license".into(),
            name: name.into(),
            description: String::new(),
            summary: None,
            valid_roles: roles.to_vec(),
            role_group: Some(if roles.iter().all(Role::is_stakeholder) {
                RoleGroup::Stakeholder
            } else {
                RoleGroup::FullUser
            }),
            self_url: None,
            html_url: None,
        },
        current_value: 0,
        allocations_available: free,
    }
}

fn full(free: Option<u64>) -> LicenseWithCounts {
    license(
        "PFULL01",
        "Full User",
        &[
            Role::Admin,
            Role::User,
            Role::LimitedUser,
            Role::Observer,
            Role::RestrictedAccess,
        ],
        free,
    )
}

fn stake(free: Option<u64>) -> LicenseWithCounts {
    license(
        "PSTAKE1",
        "Stakeholder",
        &[Role::ReadOnlyUser, Role::ReadOnlyLimitedUser],
        free,
    )
}

fn licensed_config(extra: &str) -> Config {
    config_text_with(
        "default = \"limited_user\"",
        &format!("default = \"limited_user\"\n{extra}"),
    )
}

fn license_change(a: &Action) -> Option<(Option<&str>, Option<&str>)> {
    a.changes
        .iter()
        .find(|c| c.field == Field::License)
        .map(|c| (c.old.as_deref(), c.new.as_deref()))
}

#[test]
fn a_named_licence_is_sent_on_create_and_never_echoed_back() {
    let cfg = licensed_config("default_license = \"full user\"");
    let r = roster(vec![
        emp(
            "60",
            "new@example.com",
            "Ne W",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
        emp(
            "61",
            "mover@example.com",
            "Mo Ver",
            Lifecycle::Active,
            "IT",
            "Manager",
        ),
    ]);
    let acct = Account::new(vec![user(
        "PMOVE01",
        "mover@example.com",
        "Mo Ver",
        Role::LimitedUser,
        "Manager",
        marked("61"),
    )]);
    let f = Facts {
        licenses: vec![full(Some(10)), stake(Some(10))],
        holders: None,
        ..Facts::default()
    };
    let p = plan_with(&acct, &r, &cfg, &f).unwrap();
    assert!(
        p.needs_license_holders,
        "a role change needs the current licence"
    );
    let f = Facts {
        holders: Some(BTreeMap::from([(
            UserId::new("PMOVE01"),
            LicenseId::new("PFULL01"),
        )])),
        ..f
    };
    let p = plan_with(&acct, &r, &cfg, &f).unwrap();
    assert!(!p.needs_license_holders);
    let create = p
        .actions
        .iter()
        .find(|a| a.kind == ActionKind::Create)
        .unwrap();
    let Step::CreateUser(n) = &create.steps[0] else {
        panic!()
    };
    assert_eq!(n.license.as_ref().map(|l| l.id.as_str()), Some("PFULL01"));
    assert_eq!(license_change(create), Some((None, Some("Full User"))));
    // The mover's role changes (limited_user → admin) within the licence it holds: the
    // licence is not sent (PagerDuty refuses a role change with the old licence attached).
    let mover = p
        .actions
        .iter()
        .find(|a| a.kind == ActionKind::Update)
        .unwrap();
    assert!(mover.changes_role());
    assert_eq!(license_change(mover), None);
    let Step::UpdateUser(u) = &mover.steps[0] else {
        panic!()
    };
    assert_eq!(
        (u.role.clone(), u.license.clone()),
        (Some(Role::Admin), None)
    );
    assert!(p.license_shortfalls.is_empty());
}

#[test]
fn a_user_on_another_licence_is_moved_to_the_named_one() {
    let cfg = licensed_config("default_license = \"PFULL02\"");
    let r = roster(vec![emp(
        "62",
        "b@example.com",
        "Bb Cc",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )]);
    let acct = Account::new(vec![user(
        "PBBB001",
        "b@example.com",
        "Bb Cc",
        Role::LimitedUser,
        "Rep",
        marked("62"),
    )]);
    let other = license(
        "PFULL02",
        "Business",
        &[Role::Admin, Role::LimitedUser, Role::User],
        Some(0),
    );
    let f = Facts {
        licenses: vec![full(None), other],
        holders: Some(BTreeMap::from([(
            UserId::new("PBBB001"),
            LicenseId::new("PFULL01"),
        )])),
        ..Facts::default()
    };
    let p = plan_with(&acct, &r, &cfg, &f).unwrap();
    let a = &p.actions[0];
    assert_eq!(
        license_change(a),
        Some((Some("Full User"), Some("Business")))
    );
    assert!(a.reason.contains("licence"), "{}", a.reason);
    let Step::UpdateUser(u) = &a.steps[0] else {
        panic!()
    };
    assert_eq!(u.license.as_ref().map(|l| l.id.as_str()), Some("PFULL02"));
    assert_eq!(u.role, None, "an unchanged role is not sent");
    // Business has no free allocation: one missing.
    assert_eq!(p.license_shortfalls.len(), 1, "{:#?}", p.license_shortfalls);
    let s = &p.license_shortfalls[0];
    assert_eq!((s.needed, s.available, s.missing()), (1, 0, 1));
}

#[test]
fn a_move_into_a_stakeholder_role_names_the_licence_change_and_deactivations_free_seats() {
    // suspended_role is read_only_limited_user: each leaver moves from a Full User licence
    // to a Stakeholder one, which PagerDuty picks; each frees a Full User seat that a new
    // hire may take.
    let cfg = std_config();
    let r = roster(vec![
        emp(
            "70",
            "l1@example.com",
            "Le Aver",
            Lifecycle::Terminated,
            "Sales",
            "Rep",
        ),
        emp(
            "71",
            "n1@example.com",
            "Ne One",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
        emp(
            "72",
            "n2@example.com",
            "Ne Two",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
    ]);
    let acct = Account::new(vec![user(
        "PLEAV01",
        "l1@example.com",
        "Le Aver",
        Role::LimitedUser,
        "Rep",
        marked("70"),
    )]);
    let holders = BTreeMap::from([(UserId::new("PLEAV01"), LicenseId::new("PFULL01"))]);
    let f = |full_free, stake_free| Facts {
        licenses: vec![full(full_free), stake(stake_free)],
        holders: Some(holders.clone()),
        ..Facts::default()
    };
    let p = plan_with(&acct, &r, &cfg, &f(Some(1), Some(5))).unwrap();
    let d = p
        .actions
        .iter()
        .find(|a| a.kind == ActionKind::Deactivate)
        .unwrap();
    assert_eq!(
        license_change(d),
        Some((Some("Full User"), Some("Stakeholder")))
    );
    assert!(
        d.steps
            .iter()
            .all(|s| !matches!(s, Step::UpdateUser(u) if u.license.is_some())),
        "a licence PagerDuty picks is never sent"
    );
    assert!(
        p.license_shortfalls.is_empty(),
        "1 free + 1 released = 2 creates: {:#?}",
        p.license_shortfalls
    );
    // Without the release there would be one missing.
    let p = plan_with(&acct, &r, &cfg, &f(Some(0), Some(5))).unwrap();
    assert_eq!(p.license_shortfalls.len(), 1, "{:#?}", p.license_shortfalls);
    let s = &p.license_shortfalls[0];
    assert_eq!(s.role, Some(Role::LimitedUser));
    assert_eq!(
        (s.needed, s.available, s.released, s.missing()),
        (2, 1, 1, 1)
    );
    // And no Stakeholder seat for the leaver.
    let p = plan_with(&acct, &r, &cfg, &f(None, Some(0))).unwrap();
    assert_eq!(
        p.license_shortfalls
            .iter()
            .map(|s| (s.role.clone(), s.missing()))
            .collect::<Vec<_>>(),
        [(Some(Role::ReadOnlyLimitedUser), 1)]
    );
}

#[test]
fn a_deactivation_blocked_by_on_call_duties_frees_no_licence() {
    // The leaver's Full User seat is the only one the new hire could take. While the leaver
    // is on call the deactivation is not attempted, so that seat stays taken.
    let cfg = std_config();
    let r = roster(vec![
        emp(
            "70",
            "l1@example.com",
            "Le Aver",
            Lifecycle::Terminated,
            "Sales",
            "Rep",
        ),
        emp(
            "71",
            "n1@example.com",
            "Ne One",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
    ]);
    let mut acct = Account::new(vec![user(
        "PLEAV01",
        "l1@example.com",
        "Le Aver",
        Role::LimitedUser,
        "Rep",
        marked("70"),
    )]);
    // Open incidents only: a suspension to a stakeholder role the switch can let through
    // (on a schedule or escalation policy, PagerDuty would refuse the stakeholder role).
    let incidents_only = OncallImpact {
        escalation_policies: Vec::new(),
        schedules: Vec::new(),
        ..on_call()
    };
    acct.oncall.insert(UserId::new("PLEAV01"), incidents_only);
    let holders = BTreeMap::from([(UserId::new("PLEAV01"), LicenseId::new("PFULL01"))]);
    let f = |allow_oncall_gaps| Facts {
        licenses: vec![full(Some(0)), stake(Some(5))],
        holders: Some(holders.clone()),
        allow_oncall_gaps,
        ..Facts::default()
    };
    let p = plan_with(&acct, &r, &cfg, &f(false)).unwrap();
    let d = p
        .actions
        .iter()
        .find(|a| a.kind == ActionKind::Deactivate)
        .unwrap();
    assert!(d.blocked.is_some(), "{d:#?}");
    assert_eq!(
        license_change(d),
        Some((Some("Full User"), Some("Stakeholder"))),
        "the change is still shown, for an override"
    );
    assert_eq!(p.license_shortfalls.len(), 1, "{:#?}", p.license_shortfalls);
    let s = &p.license_shortfalls[0];
    assert_eq!(
        (
            s.role.clone(),
            s.needed,
            s.available,
            s.released,
            s.missing()
        ),
        (Some(Role::LimitedUser), 1, 0, 0, 1)
    );
    // The blocked deactivation's move is kept, marked blocked, so that an apply of the saved
    // plan that lets it through (--allow-oncall-gaps then) counts it; unblocked, it frees
    // the seat the create needs.
    let mut moves = p.license_moves.clone();
    let leaver = moves
        .iter_mut()
        .find(|m| m.user_id.as_ref().is_some_and(|u| u == "PLEAV01"))
        .expect("the blocked deactivation's move is recorded");
    assert!(leaver.blocked && leaver.deactivation, "{leaver:?}");
    leaver.blocked = false;
    let (short, _) = crate::plan::licenses::ledger(&f(true).licenses, &moves);
    assert!(short.is_empty(), "{short:#?}");
    // With --allow-oncall-gaps the deactivation goes ahead, first, and frees the seat.
    let p = plan_with(&acct, &r, &cfg, &f(true)).unwrap();
    assert!(
        p.license_shortfalls.is_empty(),
        "{:#?}",
        p.license_shortfalls
    );
    // So it does once the leaver holds nothing any more.
    acct.oncall.clear();
    let p = plan_with(&acct, &r, &cfg, &f(false)).unwrap();
    assert_eq!(p.blocked(), 0);
    assert!(
        p.license_shortfalls.is_empty(),
        "{:#?}",
        p.license_shortfalls
    );
}

#[test]
fn licence_mistakes_are_rule_problems() {
    let r = roster(vec![]);
    let acct = Account::new(vec![]);
    let f = Facts {
        licenses: vec![full(None), stake(None)],
        ..Facts::default()
    };
    let cfg = licensed_config("default_license = \"Enterprise\"");
    let err = plan_with(&acct, &r, &cfg, &f).unwrap_err().to_string();
    assert!(
        err.contains("roles.default_license: PagerDuty has no licence \"Enterprise\""),
        "{err}"
    );
    let cfg = licensed_config("default_license = \"Stakeholder\"");
    let err = plan_with(&acct, &r, &cfg, &f).unwrap_err().to_string();
    assert!(
        err.contains(
            "roles.default: licence \"Stakeholder\" (PSTAKE1) does not allow base role limited_user"
        ),
        "{err}"
    );
    // A rule naming no licence takes the default one, and must fit it too.
    let cfg = licensed_config("default_license = \"Full User\"").with_rule_role(Role::ReadOnlyUser);
    let err = plan_with(&acct, &r, &cfg, &f).unwrap_err().to_string();
    assert!(
        err.contains("roles.rule #1: licence \"Full User\""),
        "{err}"
    );
    let none = Facts::default();
    let cfg = licensed_config("default_license = \"Full User\"");
    let err = plan_with(&acct, &r, &cfg, &none).unwrap_err().to_string();
    assert!(err.contains("the account lists no licences"), "{err}");
    // A role no licence allows, given to someone: PagerDuty would refuse it.
    let only_full = Facts {
        licenses: vec![full(None)],
        ..Facts::default()
    };
    let mut ro = std_config();
    ro.roles.default = Role::ReadOnlyUser;
    let hire = roster(vec![emp(
        "80",
        "h@example.com",
        "Hi Re",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )]);
    let err = plan_with(&acct, &hire, &ro, &only_full)
        .unwrap_err()
        .to_string();
    assert!(err.contains("allows base role read_only_user"), "{err}");
}

trait WithRuleRole {
    fn with_rule_role(self, role: Role) -> Config;
}

impl WithRuleRole for Config {
    fn with_rule_role(mut self, role: Role) -> Config {
        self.roles.rules[0].role = role;
        self
    }
}

#[test]
fn a_create_with_the_name_of_an_unmatched_user_is_a_probable_duplicate() {
    let cfg = std_config();
    let r = roster(vec![
        emp(
            "90",
            "zoe.kovacs@new.example",
            "Zoë Kovács",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
        emp(
            "91",
            "ann.lee@new.example",
            "Ann Lee",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
        emp(
            "92",
            "max.mu@example.com",
            "Max Mu",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
    ]);
    let acct = Account::new(vec![
        user(
            "PZOE001",
            "zoe@old.example",
            " ZOE   kovacs",
            Role::LimitedUser,
            "Rep",
            None,
        ),
        // Matched by its row (same email): not a candidate, although a namesake exists.
        user(
            "PMAX001",
            "max.mu@example.com",
            "Ann Lee",
            Role::LimitedUser,
            "Rep",
            marked("92"),
        ),
    ]);
    let p = plan_with(&acct, &r, &cfg, &Facts::default()).unwrap();
    let flagged: Vec<(&str, Option<&str>)> = p
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Create)
        .map(|a| {
            (
                a.email.as_str(),
                a.probable_duplicate.as_ref().map(|d| d.user_id.as_str()),
            )
        })
        .collect();
    assert_eq!(
        flagged,
        [
            ("ann.lee@new.example", None),
            ("zoe.kovacs@new.example", Some("PZOE001"))
        ]
    );
}

/// Found by `plan::proptests::the_plan_does_not_depend_on_input_order`: of two unmatched
/// users with the create's name, the flag named the first listed, so the plan changed with
/// the listing order. It names the lowest user ID, in either order.
#[test]
fn a_probable_duplicate_names_the_same_namesake_whatever_the_listing_order() {
    let cfg = std_config();
    let r = roster(vec![emp(
        "91",
        "ann.lee@new.example",
        "Ann Lee",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )]);
    let namesakes = vec![
        user(
            "PANN002",
            "ann@old.example",
            "Ann Lee",
            Role::LimitedUser,
            "Rep",
            None,
        ),
        user(
            "PANN001",
            "a.lee@old.example",
            "ann  lee",
            Role::LimitedUser,
            "Rep",
            None,
        ),
    ];
    let mut reversed = namesakes.clone();
    reversed.reverse();
    for users in [namesakes, reversed] {
        let p = plan_with(&Account::new(users), &r, &cfg, &Facts::default()).unwrap();
        let [a] = p.actions.as_slice() else {
            panic!("{:#?}", p.actions)
        };
        assert_eq!(a.kind, ActionKind::Create);
        let d = a.probable_duplicate.as_ref().expect("flagged");
        assert_eq!(
            (d.user_id.as_str(), d.email.as_str()),
            ("PANN001", "a.lee@old.example")
        );
    }
}

/// Three users whose markers name the employee IDs of an export before its IDs gained a
/// prefix; the export still lists one old ID (103), under another email.
fn renumbered() -> (Roster, Account) {
    let r = roster(vec![
        emp(
            "1101",
            "a1@example.com",
            "Aa One",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
        emp(
            "1102",
            "a2@example.com",
            "Aa Two",
            Lifecycle::Terminated,
            "Sales",
            "Rep",
        ),
        emp(
            "1103",
            "a3@example.com",
            "Aa Three",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
        emp(
            "103",
            "other@example.com",
            "Aa Three",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
    ]);
    let acct = Account::new(vec![
        user(
            "PA00001",
            "a1@example.com",
            "Aa One",
            Role::LimitedUser,
            "Rep",
            marked("101"),
        ),
        user(
            "PA00002",
            "a2@example.com",
            "Aa Two",
            Role::LimitedUser,
            "Rep",
            marked("102"),
        ),
        user(
            "PA00003",
            "a3@example.com",
            "Aa Three",
            Role::LimitedUser,
            "Rep",
            marked("103"),
        ),
    ]);
    (r, acct)
}

#[test]
fn renumbered_employee_ids_are_skipped_until_rekeyed() {
    let cfg = std_config();
    let (r, mut acct) = renumbered();
    let p = plan_with(&acct, &r, &cfg, &Facts::default()).unwrap();
    let drift: Vec<_> = p
        .skipped
        .iter()
        .filter(|s| matches!(s.reason, SkipCause::EmailOfAnotherEmployee { .. }))
        .map(|s| s.employee_id.as_ref().unwrap().as_str())
        .collect();
    // 1103's email is held by PA00003, whose marker names 103: the export still lists 103,
    // under another address, so that user gives a3@ up in this run and 1103's create takes
    // it afterwards (an email hand-off), instead of a skip.
    assert_eq!(drift, ["1101", "1102"], "{:#?}", p.skipped);
    let hand_off = |p: &Plan| {
        p.actions
            .iter()
            .find(|a| a.employee_id.as_ref().map(|id| id.as_str()) == Some("1103"))
            .map(|a| {
                (
                    a.kind,
                    a.waits_for
                        .as_ref()
                        .map(|id| id.as_str())
                        .map(str::to_owned),
                )
            })
    };
    assert_eq!(
        hand_off(&p),
        Some((ActionKind::Create, Some("PA00003".to_owned())))
    );
    assert_eq!(
        p.count(ActionKind::Deactivate),
        0,
        "the leaver is not suspended"
    );

    let rekey = Facts {
        rekey: true,
        ..Facts::default()
    };
    let p = plan_with(&acct, &r, &cfg, &rekey).unwrap();
    let by_user = |id: &str| {
        p.actions
            .iter()
            .find(|a| a.user_id.as_ref().map(|id| id.as_str()) == Some(id))
    };
    let a1 = by_user("PA00001").unwrap();
    assert_eq!(a1.kind, ActionKind::Update);
    assert_eq!(a1.rekeyed_from.as_ref().map(|id| id.as_str()), Some("101"));
    assert!(
        a1.reason
            .contains("re-keys the marker from employee 101 to employee 1101"),
        "{}",
        a1.reason
    );
    // Nothing was broken: a re-key is not called a repair.
    assert!(!a1.reason.contains("repaired"), "{}", a1.reason);
    assert!(a1.changes.iter().any(|c| c.field == Field::Description));
    let a2 = by_user("PA00002").unwrap();
    assert_eq!(
        a2.kind,
        ActionKind::Deactivate,
        "the leaver is suspended, re-keyed"
    );
    assert_eq!(a2.rekeyed_from.as_ref().map(|id| id.as_str()), Some("102"));
    // PA00003's marker names 103, which the export still lists: that row keeps the user
    // (no re-key), and the row of 1103 that has its old email takes it after the change.
    let a3 = by_user("PA00003").unwrap();
    assert_eq!(
        (
            a3.employee_id.as_ref().map(|id| id.as_str()),
            a3.rekeyed_from.as_ref()
        ),
        (Some("103"), None)
    );
    assert_eq!(
        hand_off(&p),
        Some((ActionKind::Create, Some("PA00003".to_owned())))
    );
    acct.apply(&p, None);
    let again = plan_with(&acct, &r, &cfg, &rekey).unwrap();
    assert!(
        again.actions.iter().all(|a| a.rekeyed_from.is_none()),
        "{:#?}",
        again.actions
    );
    let plain = plan_with(&acct, &r, &cfg, &Facts::default()).unwrap();
    assert!(
        plain.actions.iter().all(|a| !matches!(
            a.user_id.as_ref().map(|id| id.as_str()),
            Some("PA00001" | "PA00002")
        )),
        "re-keyed users match by marker from now on: {:#?}",
        plain.actions
    );
}

#[test]
fn a_marker_is_not_rekeyed_when_its_email_is_also_on_a_skipped_hr_row() {
    // --rekey-employee-ids re-keys a marker only to the one HR row that has the user's
    // email. When a second row with that email was skipped (a row problem: it may be the
    // real owner of the address), the email names more than one HR row, so the user keeps
    // its marker and the row stays skipped as an identity conflict.
    let cfg = std_config();
    let (mut r, acct) = renumbered();
    r.protected_emails
        .insert(Email::normalise("a1@example.com"));
    let rekey = Facts {
        rekey: true,
        ..Facts::default()
    };
    let p = plan_with(&acct, &r, &cfg, &rekey).unwrap();
    let by_user = |id: &str| {
        p.actions
            .iter()
            .find(|a| a.user_id.as_ref().map(|id| id.as_str()) == Some(id))
    };
    assert!(
        by_user("PA00001").is_none(),
        "the user whose email is also on a skipped row is left alone: {:#?}",
        p.actions
    );
    assert!(
        p.skipped.iter().any(
            |s| s.employee_id.as_ref().map(|id| id.as_str()) == Some("1101")
                && matches!(s.reason, SkipCause::EmailOfAnotherEmployee { .. })
        ),
        "{:#?}",
        p.skipped
    );
    // The other renumbered user, whose email names one row, is still re-keyed.
    assert_eq!(
        by_user("PA00002").and_then(|a| a.rekeyed_from.as_ref().map(|id| id.as_str())),
        Some("102")
    );
}

#[test]
fn a_deletion_frees_its_users_licence_for_the_plans_creates() {
    // As above, with leavers deleted: the deleted user's Full User seat is free for a new
    // hire (apply runs deletions first, with the deactivations), and no Stakeholder seat is
    // needed for the leaver.
    let cfg = config_text_with(
        "unmanaged_users = \"report\"",
        "unmanaged_users = \"report\"\ndeactivate = \"delete\"\narchive = \"a.jsonl\"",
    );
    let r = roster(vec![
        emp(
            "70",
            "l1@example.com",
            "Le Aver",
            Lifecycle::Terminated,
            "Sales",
            "Rep",
        ),
        emp(
            "71",
            "n1@example.com",
            "Ne One",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
        emp(
            "72",
            "n2@example.com",
            "Ne Two",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
    ]);
    let acct = Account::new(vec![user(
        "PLEAV01",
        "l1@example.com",
        "Le Aver",
        Role::LimitedUser,
        "Rep",
        marked("70"),
    )]);
    let holders = BTreeMap::from([(UserId::new("PLEAV01"), LicenseId::new("PFULL01"))]);
    let f = |full_free, holders: Option<BTreeMap<UserId, LicenseId>>| Facts {
        licenses: vec![full(full_free), stake(Some(0))],
        holders,
        ..Facts::default()
    };
    // Who holds which licence is read first: the deletion's release depends on it.
    let p = plan_with(&acct, &r, &cfg, &f(Some(1), None)).unwrap();
    assert!(p.needs_license_holders);
    let p = plan_with(&acct, &r, &cfg, &f(Some(1), Some(holders.clone()))).unwrap();
    assert_eq!(p.count(ActionKind::Delete), 1, "{:#?}", p.actions);
    assert!(
        p.license_shortfalls.is_empty(),
        "1 free + 1 released = 2 creates: {:#?}",
        p.license_shortfalls
    );
    let p = plan_with(&acct, &r, &cfg, &f(Some(0), Some(holders.clone()))).unwrap();
    let s = &p.license_shortfalls[..];
    assert_eq!(s.len(), 1, "{s:#?}");
    assert_eq!(
        (s[0].needed, s[0].available, s[0].released, s[0].missing()),
        (2, 1, 1, 1)
    );
    // A deletion blocked by on-call duties releases nothing.
    let mut busy = acct.clone();
    busy.oncall.insert(UserId::new("PLEAV01"), on_call());
    let p = plan_with(&busy, &r, &cfg, &f(Some(1), Some(holders))).unwrap();
    assert_eq!(p.blocked(), 1);
    assert_eq!(
        p.license_shortfalls
            .iter()
            .map(|s| (s.released, s.missing()))
            .collect::<Vec<_>>(),
        [(0, 1)]
    );
}

#[test]
fn the_from_user_is_never_deactivated_or_deleted_as_a_leaver() {
    // The `from` bot carries employee 9's marker; HR says 9 left (or no longer lists 9).
    let mut acct = Account::new(vec![]);
    acct.users[0].description = marked("9");
    let terminated = roster(vec![emp(
        "9",
        "bot@example.com",
        "Sync Bot",
        Lifecycle::Terminated,
        "IT",
        "Bot",
    )]);
    let mut cfg = std_config();
    cfg.lifecycle.protected.clear();
    use crate::config::DeactivationMode;
    for mode in [DeactivationMode::Suspend, DeactivationMode::Delete] {
        cfg.lifecycle.deactivate = mode;
        for r in [&terminated, &roster(vec![])] {
            let p = plan_with(&acct, r, &cfg, &Facts::default()).unwrap();
            assert!(p.is_empty(), "{mode:?}: {:#?}", p.actions);
            assert_eq!(
                reasons(&p),
                [("bot@example.com".to_string(), SkipCause::FromUser)]
            );
            assert!(
                p.skipped[0]
                    .reason
                    .to_string()
                    .contains("change [pagerduty] from to another user first"),
                "{}",
                p.skipped[0].reason
            );
            assert!(p.needs_oncall.is_empty(), "not even looked up");
        }
    }
    // Listed under `protected`, it is skipped as protected, as before.
    let p = plan_with(&acct, &terminated, &std_config(), &Facts::default()).unwrap();
    assert_eq!(
        reasons(&p),
        [(
            "bot@example.com".to_string(),
            SkipCause::Untouchable(Untouchable::Protected)
        )]
    );
}

/// r10g #5: a terminated employee who set their own email to a protected address no user
/// held (and removed their marker) was left with their access and nothing said: the row
/// found nobody, the user was listed only as protected. Now the row is a skip that needs a
/// person naming that user; with the email set back, the next run deactivates it.
#[test]
fn a_leaver_whose_row_finds_no_user_while_a_namesake_left_alone_holds_access_needs_a_person() {
    let cfg = std_config();
    let carol = emp(
        "60",
        "carol@example.com",
        "Carol Leaver",
        Lifecycle::Terminated,
        "Sales",
        "Rep",
    );
    let r = roster(vec![carol]);
    let hiding = |email: &str, name: &str, role: Role, description: Option<String>| {
        user("PCAROL1", email, name, role, "Rep", description)
    };
    let namesakes = |p: &Plan| -> Vec<Skip> {
        p.skipped
            .iter()
            .filter(|s| matches!(s.reason, SkipCause::LeaverNamesake { .. }))
            .cloned()
            .collect()
    };
    // Protected: the name compares trimmed, collapsed, without case or diacritics.
    let acct = Account::new(vec![
        owner(),
        hiding(
            "vip@example.com",
            " carol   LEAVÉR",
            Role::LimitedUser,
            None,
        ),
    ]);
    let p = acct.plan(&r, &cfg);
    assert!(p.is_empty(), "nothing is written: {:#?}", p.actions);
    let skips = namesakes(&p);
    assert_eq!(skips.len(), 1, "{:#?}", p.skipped);
    let s = &skips[0];
    assert_eq!(
        s.reason,
        SkipCause::LeaverNamesake {
            line: 61,
            user: "PCAROL1".into(),
            email: Email::normalise("vip@example.com"),
            name: " carol   LEAVÉR".into(),
            left_alone: LeftAlone::Untouchable(Untouchable::Protected),
        }
    );
    assert_eq!(
        (
            s.employee_id.as_ref().map(|id| id.as_str()),
            s.line,
            s.pagerduty_user_id.as_ref().map(|id| id.as_str())
        ),
        (Some("60"), Some(61), Some("PCAROL1"))
    );
    assert!(s.reason.needs_attention());
    let words = s.reason.to_string();
    for part in [
        "HR line 61",
        "PCAROL1 (vip@example.com)",
        "[lifecycle] protected",
        "check whether the leaver changed that user's email",
        "offboard it by hand",
    ] {
        assert!(words.contains(part), "{part}: {words}");
    }
    assert_eq!(p.unchanged, 0, "the row is counted once, among the skipped");
    // The protected user is still listed as such, beside the row's skip.
    assert!(p.skipped.iter().any(
        |s| s.reason == SkipCause::Untouchable(Untouchable::Protected) && s.employee_id.is_none()
    ));

    // Unmarked, and a marker that does not verify: named with why the run leaves it alone.
    let p = acct_plan_unmarked(
        &r,
        &cfg,
        hiding("c@elsewhere.example", "Carol Leaver", Role::User, None),
    );
    assert_eq!(
        namesakes(&p).first().map(|s| s.reason.clone()),
        Some(SkipCause::LeaverNamesake {
            line: 61,
            user: "PCAROL1".into(),
            email: Email::normalise("c@elsewhere.example"),
            name: "Carol Leaver".into(),
            left_alone: LeftAlone::Unmarked,
        })
    );
    let k = signing_keys();
    let forged = hiding(
        "c@elsewhere.example",
        "Carol Leaver",
        Role::User,
        Some(
            r#"hr2pagerduty:v1 {"employee_id":"9999","sig":"00112233445566778899aabbccddeeff"}"#
                .into(),
        ),
    );
    let p = super::signing::plan_keyed(&Account::new(vec![owner(), forged]), &r, &cfg, Some(&k));
    assert!(
        namesakes(&p).iter().any(|s| matches!(
            s.reason,
            SkipCause::LeaverNamesake {
                left_alone: LeftAlone::Unverified(MarkerFault::SignatureInvalid),
                ..
            }
        )),
        "{:#?}",
        p.skipped
    );

    // No access left (a suspended role, no team), another name, or offboarded by this
    // run (`unmanaged_users = "offboard"`): nothing to say.
    for (acct, cfg) in [
        (
            Account::new(vec![hiding(
                "vip@example.com",
                "Carol Leaver",
                Role::ReadOnlyLimitedUser,
                None,
            )]),
            std_config(),
        ),
        (
            Account::new(vec![hiding(
                "vip@example.com",
                "Carola Leaver",
                Role::User,
                None,
            )]),
            std_config(),
        ),
        (
            Account::new(vec![hiding(
                "c@elsewhere.example",
                "Carol Leaver",
                Role::User,
                None,
            )]),
            unmanaged_config("offboard"),
        ),
    ] {
        let p = acct.plan(&r, &cfg);
        assert!(namesakes(&p).is_empty(), "{:#?}", p.skipped);
    }

    // The way out the words give: the user's email set back to the row's.
    let p = Account::new(vec![hiding(
        "carol@example.com",
        "Carol Leaver",
        Role::LimitedUser,
        None,
    )])
    .plan(&r, &cfg);
    assert_eq!(
        p.actions.iter().map(|a| a.kind).collect::<Vec<_>>(),
        vec![ActionKind::Deactivate]
    );
    assert!(namesakes(&p).is_empty(), "{:#?}", p.skipped);
}

/// The plan of `r` with `u` (and the owner) under `cfg`.
fn acct_plan_unmarked(r: &Roster, cfg: &Config, u: User) -> Plan {
    Account::new(vec![owner(), u]).plan(r, cfg)
}

#[test]
fn a_stakeholder_role_held_back_keeps_the_users_licence() {
    // The stakeholder default role comes with the Stakeholder licence; Ha holds Full User
    // and cannot take the role: on a policy of her team (the removal is refused), or on a
    // policy of no team of hers. PagerDuty refuses the Stakeholder licence for the role she
    // keeps (limited_user), so none is planned while the role is held back.
    let (mut cfg, r, mut acct) = stakeholder_mover();
    cfg.roles.default_license = Some("Stakeholder".into());
    for rule in &mut cfg.roles.rules {
        rule.license = Some("Full User".into());
    }
    let f = Facts {
        licenses: vec![full(Some(0)), stake(Some(0))],
        holders: Some(BTreeMap::from([(
            UserId::new("PHA0001"),
            LicenseId::new("PFULL01"),
        )])),
        ..Facts::default()
    };
    for team in [Some("PTITOPS"), None] {
        acct.oncall.insert(
            UserId::new("PHA0001"),
            OncallImpact {
                escalation_policies: vec![crate::oncall::Named {
                    id: crate::ids::EscalationPolicyId::new("PEPX001"),
                    name: "Some EP".into(),
                }],
                ..OncallImpact::default()
            },
        );
        acct.policy_teams.insert(
            crate::ids::EscalationPolicyId::new("PEPX001"),
            team.into_iter().map(TeamId::new).collect(),
        );
        let p = plan_with(&acct, &r, &cfg, &f).unwrap();
        assert!(
            p.notes
                .iter()
                .any(|n| n.contains("role left at limited_user")),
            "{team:?}: {:#?}",
            p.notes
        );
        for a in &p.actions {
            assert_eq!(license_change(a), None, "{team:?}: {a:#?}");
            assert!(
                a.steps
                    .iter()
                    .all(|s| !matches!(s, Step::UpdateUser(u) if u.license.is_some())),
                "{team:?}: {a:#?}"
            );
        }
        assert!(
            p.license_moves.is_empty(),
            "{team:?}: {:#?}",
            p.license_moves
        );
        assert!(p.license_shortfalls.is_empty(), "{team:?}");
    }
    // Handed over: the role and its licence together.
    acct.oncall.clear();
    let p = plan_with(&acct, &r, &cfg, &f).unwrap();
    assert_eq!(
        license_change(&p.actions[0]),
        Some((Some("Full User"), Some("Stakeholder")))
    );
}
