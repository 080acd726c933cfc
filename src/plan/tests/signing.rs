//! Marker integrity in the planner (README.md § Marker integrity): with marker keys, a
//! forged marker takes over nothing, a forged suspension record restores nothing, and
//! markers written before the key are signed once, outside the safety caps.

use super::*;
use crate::marker::{MarkerKey, MarkerKeys, SavedMembership, Verdict};
use crate::plan::MarkerTrust;
use crate::plan::safety::{self, Overrides};

const KEY: &str = SIGNING_KEY;
const OLD: &str = "fedcba9876543210fedcba9876543210-previous";

fn keys() -> MarkerKeys {
    signing_keys()
}

fn rotating() -> MarkerKeys {
    MarkerKeys::new(
        MarkerKey::new("K", KEY).unwrap(),
        Some(MarkerKey::new("P", OLD).unwrap()),
    )
}

fn old_keys() -> MarkerKeys {
    MarkerKeys::new(MarkerKey::new("K", OLD).unwrap(), None)
}

/// The plan of `r` against `acct` under `cfg` on 2026-11-30, with `keys` (also used by
/// the binding tests).
pub(super) fn plan_keyed(
    acct: &Account,
    r: &Roster,
    cfg: &Config,
    keys: Option<&MarkerKeys>,
) -> Plan {
    plan_unkeyed(acct, r, cfg, keys, Unkeyed::NotSet)
}

/// [`plan_keyed`], with `unkeyed` saying why the run has no keys.
fn plan_unkeyed(
    acct: &Account,
    r: &Roster,
    cfg: &Config,
    keys: Option<&MarkerKeys>,
    unkeyed: Unkeyed,
) -> Plan {
    // Under `--allow-adoption-by-email`: these tests check the name rule and the raise
    // guard; without it every adoption by email in a signed account needs a person
    // ([`plan_strict`]).
    let mut policy = Policy::from_config(cfg);
    policy.allow_adoption_by_email = true;
    acct.plan_of(Inputs {
        marker_keys: keys,
        unkeyed,
        ..fixture::inputs(r, &policy, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap())
    })
    .unwrap()
}

/// The plan of `r` against `acct` with `keys`, without `--allow-adoption-by-email`.
pub(super) fn plan_strict(
    acct: &Account,
    r: &Roster,
    cfg: &Config,
    keys: Option<&MarkerKeys>,
) -> Plan {
    let policy = Policy::from_config(cfg);
    acct.plan_of(Inputs {
        marker_keys: keys,
        ..fixture::inputs(r, &policy, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap())
    })
    .unwrap()
}

/// The marker of active employee `eid`.
pub(super) fn active(eid: &str) -> Marker {
    Marker {
        employee_id: Some(eid.into()),
        suspended: None,
        pending_termination: None,
        created: None,
    }
}

/// The description of `m` alone, signed with `k` for the user with email `carrier`.
fn signed_for(carrier: &str, m: &Marker, k: &MarkerKeys) -> Option<String> {
    Some(marker::render_with("", m, Some(k), carrier))
}

fn ann() -> Employee {
    emp(
        "1001",
        "ann@example.com",
        "Ann Lee",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )
}

/// Every description the plan writes, checked with `k`: each is signed with the current key,
/// bound to the email its user has once the request is done.
pub(super) fn assert_all_signed(p: &Plan, k: &MarkerKeys) {
    for a in &p.actions {
        for s in &a.steps {
            let d = match s {
                Step::CreateUser(n) => n.description.as_deref().map(|d| (d, n.email.as_str())),
                Step::UpdateUser(u) => u
                    .description
                    .as_deref()
                    .map(|d| (d, u.email.as_deref().unwrap_or(a.email.as_str()))),
                _ => None,
            };
            if let Some((d, carrier)) = d {
                let parsed = marker::parse(Some(d));
                let MarkerState::Valid(m) = &parsed.marker else {
                    panic!("{d}")
                };
                assert_eq!(
                    k.check(m, parsed.sig.as_deref(), carrier),
                    Verdict::Current,
                    "{d}"
                );
            }
        }
    }
}

#[test]
fn a_forged_marker_claiming_a_new_hires_employee_id_takes_nothing_over() {
    let cfg = std_config();
    let k = keys();
    let bob = emp(
        "1002",
        "bob@example.com",
        "Bob Day",
        Lifecycle::Active,
        "Sales",
        "Rep",
    );
    let r = roster(vec![ann(), bob]);
    // Mallory (no HR row) writes the new hire's employee ID into her own profile: once
    // unsigned, once with a made-up tag.
    for forged in [
        r#"Hi!
hr2pagerduty:v1 {"employee_id":"1002"}"#
            .to_string(),
        r#"hr2pagerduty:v1 {"employee_id":"1002","sig":"00112233445566778899aabbccddeeff"}"#
            .to_string(),
    ] {
        let acct = Account::new(vec![
            user(
                "PANN",
                "ann@example.com",
                "Ann Lee",
                Role::LimitedUser,
                "Rep",
                signed_for("ann@example.com", &active("1001"), &k),
            ),
            user(
                "PMAL",
                "mal@example.com",
                "Mal Lory",
                Role::LimitedUser,
                "Rep",
                Some(forged.clone()),
            ),
        ]);
        // Without the key the claim is read as a marker: only Mallory's other name and
        // email keep the new hire's row off her user (README § Matching: an employee ID
        // found on another person's user), and the row waits for a person.
        let open = plan_keyed(&acct, &r, &cfg, None);
        assert!(
            open.actions
                .iter()
                .all(|a| a.user_id.as_ref().map(|id| id.as_str()) != Some("PMAL")),
            "{:#?}",
            open.actions
        );
        assert!(
            open.skipped.iter().any(|s| s.employee_id.as_ref().map(|id| id.as_str())
                == Some("1002")
                && matches!(&s.reason, SkipCause::EmployeeIdReused { user, .. } if user.as_str() == "PMAL")),
            "{:#?}",
            open.skipped
        );
        let p = plan_keyed(&acct, &r, &cfg, Some(&k));
        assert!(
            p.actions
                .iter()
                .all(|a| a.user_id.as_ref().map(|id| id.as_str()) != Some("PMAL")),
            "{forged}: {:#?}",
            p.actions
        );
        // The new hire is not given Mallory's user: the claim is a conflict for a person
        // (README § Matching: a broken marker naming an employee blocks a duplicate).
        let skip = p
            .skipped
            .iter()
            .find(|s| s.employee_id.as_ref().map(|id| id.as_str()) == Some("1002"))
            .unwrap_or_else(|| panic!("{forged}: {:#?}", p.skipped));
        assert!(
            matches!(&skip.reason, SkipCause::ClaimedByUnreadableMarker { users, .. } if users == &[UserId::new("PMAL")]),
            "{:?}",
            skip.reason
        );
        assert!(
            p.notes.iter().any(|n| n.contains("PMAL")
                && n.contains("ownership marker ignored")
                && (n.contains("signature does not verify") || n.contains("unsigned"))),
            "{:?}",
            p.notes
        );
        // Ann's signed marker is trusted: nothing to do for her.
        assert!(
            p.actions
                .iter()
                .all(|a| a.user_id.as_ref().map(|id| id.as_str()) != Some("PANN"))
        );
    }
}

fn record(role: Role, teams: Vec<SavedMembership>) -> Marker {
    suspension_record(
        "1001",
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        role,
        teams,
    )
}

pub(super) fn chess() -> SavedMembership {
    SavedMembership {
        id: "PTCHESS".into(),
        name: Some("Chess Club".into()),
        role: TeamRole::Manager,
    }
}

/// The teams and role a plan's actions give PANN.
fn given(p: &Plan) -> (Vec<String>, Option<Role>) {
    let mut teams = Vec::new();
    let mut role = None;
    for a in p
        .actions
        .iter()
        .filter(|a| a.user_id.as_ref().map(|id| id.as_str()) == Some("PANN"))
    {
        for s in &a.steps {
            match s {
                Step::SetTeamRole { team_id, .. } => teams.push(team_id.to_string()),
                Step::UpdateUser(u) if u.role.is_some() => role = u.role.clone(),
                _ => {}
            }
        }
    }
    (teams, role)
}

#[test]
fn a_forged_suspension_record_does_not_drive_a_rehire() {
    let cfg = std_config();
    let k = keys();
    let r = roster(vec![ann()]);
    let suspended_user = |description: Option<String>| {
        Account::new(vec![user(
            "PANN",
            "ann@example.com",
            "Ann Lee",
            Role::ReadOnlyLimitedUser,
            "Rep",
            description,
        )])
    };
    // What hr2pagerduty recorded: a limited user on no team.
    let genuine = signed_for("ann@example.com", &record(Role::LimitedUser, vec![]), &k).unwrap();
    // Ann, while suspended, edits the record to be put back on Chess Club, a team no rule
    // names (a rehire's base role is the rules' anyway), keeping the tag.
    let forged = genuine.replacen(
        r#""role":"limited_user","teams":[]"#,
        r#""role":"admin","teams":[{"id":"PTCHESS","name":"Chess Club","role":"manager"}]"#,
        1,
    );
    assert_ne!(forged, genuine);
    let acct = suspended_user(Some(forged.clone()));
    // Without the key the record, which carries a `sig`, cannot be checked: the rehire
    // would raise the user's access, so it needs a person (r10g 05b) and nothing is
    // restored. Under `--allow-unsigned-run` (signing stopped on purpose) the edited
    // record is restored, as in an account never signed.
    let open = plan_keyed(&acct, &r, &cfg, None);
    assert_eq!(given(&open), (vec![], None), "{:#?}", open.actions);
    assert!(
        open.skipped
            .iter()
            .any(|s| matches!(s.reason, SkipCause::UncheckedMarkerWithoutKey { .. })),
        "{:#?}",
        open.skipped
    );
    let open = plan_without_key(&acct, &r, &cfg, true);
    assert_eq!(
        given(&open),
        (vec!["PTCHESS".to_string()], Some(Role::LimitedUser))
    );
    // With it the record is not trusted: the rules decide (limited user, no team).
    let p = plan_keyed(&acct, &r, &cfg, Some(&k));
    assert_eq!(
        given(&p),
        (vec![], Some(Role::LimitedUser)),
        "{:#?}",
        p.actions
    );
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("PANN") && n.contains("signature does not verify"))
    );
    assert_all_signed(&p, &k);
    // The same record signed by hr2pagerduty is restored as recorded.
    let real = suspended_user(signed_for(
        "ann@example.com",
        &record(Role::Admin, vec![chess()]),
        &k,
    ));
    let p = plan_keyed(&real, &r, &cfg, Some(&k));
    assert_eq!(
        given(&p),
        (vec!["PTCHESS".to_string()], Some(Role::LimitedUser))
    );
    assert_eq!(p.actions[0].kind, ActionKind::Reactivate);
    // An unsigned record (written before the key) on an employee HR calls employed is not
    // trusted to restore either.
    let unsigned = suspended_user(Some(marker::render(
        "",
        &record(Role::Admin, vec![chess()]),
    )));
    let p = plan_keyed(&unsigned, &r, &cfg, Some(&k));
    assert_eq!(
        given(&p),
        (vec![], Some(Role::LimitedUser)),
        "{:#?}",
        p.actions
    );
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("unsigned and records a suspension"))
    );
}

#[test]
fn unsigned_markers_whose_email_matches_are_signed_once_outside_the_safety_caps() {
    let cfg = std_config();
    let k = keys();
    let n = 60;
    let mut employees = Vec::new();
    let mut users = Vec::new();
    for i in 0..n {
        let id = format!("{}", 2000 + i);
        let email = format!("p{i}@example.com");
        employees.push(emp(
            &id,
            &email,
            "Pat Doe",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ));
        users.push(user(
            &format!("PU{i:03}"),
            &email,
            "Pat Doe",
            Role::LimitedUser,
            "Rep",
            Some(format!("Pager fan.\n{}", marker::render("", &active(&id)))),
        ));
    }
    // A leaver already suspended before the key: its record is signed, not suspended again.
    employees.push(emp(
        "3000",
        "gone@example.com",
        "Go Ne",
        Lifecycle::Terminated,
        "Sales",
        "Rep",
    ));
    users.push(user(
        "PGONE",
        "gone@example.com",
        "Go Ne",
        Role::ReadOnlyLimitedUser,
        "Rep",
        Some(marker::render(
            "",
            &Marker {
                employee_id: Some("3000".into()),
                ..record(Role::LimitedUser, vec![])
            },
        )),
    ));
    let r = roster(employees);
    let mut acct = Account::new(users);
    // Without the key: nothing to do.
    assert!(plan_keyed(&acct, &r, &cfg, None).is_empty());
    let p = plan_keyed(&acct, &r, &cfg, Some(&k));
    assert_eq!(p.actions.len(), n + 1, "{:#?}", p.actions);
    for a in &p.actions {
        assert_eq!(a.kind, ActionKind::Update, "{a:#?}");
        assert!(a.reason.starts_with("sign marker"), "{}", a.reason);
        assert_eq!(
            a.changes.iter().map(|c| c.field).collect::<Vec<_>>(),
            vec![Field::Description]
        );
        assert!(!a.changes_role());
    }
    // The bio is kept.
    let first = p
        .actions
        .iter()
        .find(|a| a.email.as_str() == "p0@example.com");
    let d = first.unwrap().changes[0].new.as_deref().unwrap();
    assert!(d.starts_with("Pager fan.\nhr2pagerduty:v1 {"), "{d}");
    assert_all_signed(&p, &k);
    assert_eq!(p.count(ActionKind::Deactivate), 0);
    assert_eq!(
        safety::check(&p, &cfg.safety.caps, Overrides::default()),
        Vec::<safety::SafetyTrip>::new()
    );
    acct.apply(&p, None);
    let again = plan_keyed(&acct, &r, &cfg, Some(&k));
    assert!(again.is_empty(), "{:#?}", again.actions);
    assert!(again.notes.is_empty(), "{:?}", again.notes);
}

#[test]
fn an_unsigned_marker_whose_email_does_not_match_is_not_trusted() {
    let cfg = std_config();
    let k = keys();
    // The HR row of employee 1001 has Ann's address; the user carrying 1001's unsigned
    // marker has another.
    let r = roster(vec![ann()]);
    let acct = Account::new(vec![user(
        "PX",
        "x@example.com",
        "Ann Lee",
        Role::LimitedUser,
        "Rep",
        marked("1001"),
    )]);
    // Without the key the marker is trusted: an email change.
    let open = plan_keyed(&acct, &r, &cfg, None);
    assert_eq!(open.actions.len(), 1);
    assert_eq!(
        open.actions[0].user_id.as_ref().map(|id| id.as_str()),
        Some("PX")
    );
    let p = plan_keyed(&acct, &r, &cfg, Some(&k));
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("PX") && n.contains("has another email")),
        "{:?}",
        p.notes
    );
    // No duplicate is created: the row is left for a person, as for an unreadable marker.
    assert!(matches!(
        &p.skipped[0].reason,
        SkipCause::ClaimedByUnreadableMarker { .. }
    ));
}

#[test]
fn markers_signed_with_the_previous_key_are_signed_again_with_the_current_one() {
    let cfg = std_config();
    let r = roster(vec![ann()]);
    let mut acct = Account::new(vec![user(
        "PANN",
        "ann@example.com",
        "Ann Lee",
        Role::LimitedUser,
        "Rep",
        signed_for("ann@example.com", &active("1001"), &old_keys()),
    )]);
    // Rotated without the previous key, the old tag fails.
    let lost = plan_keyed(&acct, &r, &cfg, Some(&keys()));
    assert!(
        lost.notes
            .iter()
            .any(|n| n.contains("signature does not verify"))
    );
    let p = plan_keyed(&acct, &r, &cfg, Some(&rotating()));
    assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
    assert!(
        p.actions[0].reason.starts_with("re-sign marker"),
        "{}",
        p.actions[0].reason
    );
    assert_all_signed(&p, &keys());
    acct.apply(&p, None);
    assert!(plan_keyed(&acct, &r, &cfg, Some(&keys())).is_empty());
}

#[test]
fn every_marker_written_is_signed_and_a_plan_without_the_key_says_so() {
    let cfg = std_config();
    let k = keys();
    let r = roster(vec![
        ann(),
        emp(
            "1003",
            "cy@example.com",
            "Cy Ng",
            Lifecycle::Terminated,
            "IT",
            "Manager",
        ),
    ]);
    let mut acct = Account::new(vec![user(
        "PCY",
        "cy@example.com",
        "Cy Ng",
        Role::Admin,
        "Manager",
        signed_for("cy@example.com", &active("1003"), &k),
    )]);
    acct.join("PCY", "PTITOPS", TeamRole::Responder);
    let p = plan_keyed(&acct, &r, &cfg, Some(&k));
    assert_eq!(p.count(ActionKind::Create), 1);
    assert_eq!(p.count(ActionKind::Deactivate), 1);
    assert_all_signed(&p, &k);
    assert!(!p.notes.iter().any(|n| n == Unkeyed::NotSet.note()));
    acct.apply(&p, None);
    assert!(plan_keyed(&acct, &r, &cfg, Some(&k)).is_empty());
    // The same account planned without the key trusts the signed markers as it did
    // unsigned ones; a plan that writes markers says they are not signed.
    let fresh = Account::new(vec![]);
    let p = plan_keyed(&fresh, &r, &cfg, None);
    assert!(
        p.notes.iter().any(|n| n == Unkeyed::NotSet.note()),
        "{:?}",
        p.notes
    );
    let p = plan_keyed(&acct, &r, &cfg, None);
    assert!(p.is_empty());
    // A plan without the key that writes nothing says so all the same (issue 10: "doctor
    // and the plan say so"), in a note.
    assert!(
        p.notes
            .iter()
            .any(|n| n == Unkeyed::NotSet.note_writing_none()),
        "{:?}",
        p.notes
    );
    assert!(!p.notes.iter().any(|n| n == Unkeyed::NotSet.note()));
}

/// The note of a plan that writes unsigned markers says why the run has no keys, as the
/// input names it (the demo ignores a key that is set); a keyed run has no such note.
#[test]
fn the_unsigned_note_says_why_the_run_has_no_key() {
    let cfg = std_config();
    let r = roster(vec![ann()]);
    let fresh = Account::new(vec![]);
    let notes = |keys, unkeyed| plan_unkeyed(&fresh, &r, &cfg, keys, unkeyed).notes;
    let ignored = notes(None, Unkeyed::Ignored);
    assert!(
        ignored.iter().any(|n| n == Unkeyed::Ignored.note()),
        "{ignored:?}"
    );
    assert!(
        !ignored.iter().any(|n| n == Unkeyed::NotSet.note()),
        "{ignored:?}"
    );
    assert!(
        Unkeyed::Ignored
            .note()
            .contains("the demo ignores PAGERDUTY_MARKER_KEY")
    );
    let k = keys();
    let keyed = notes(Some(&k), Unkeyed::Ignored);
    assert!(
        !keyed.iter().any(|n| n.contains("are not signed")),
        "{keyed:?}"
    );
}

/// Each action carries how its user's marker checked ([`Action::marker_signature`]), the
/// verdict the planner acted on, so that the plan can show it: a tampered tag is
/// `Invalid` (the user matched by email only), not the "signed" its `sig` field suggests.
#[test]
fn each_action_records_how_its_users_marker_checked() {
    let cfg = std_config();
    let k = rotating();
    let row = |id: &str, who: &str| {
        emp(
            id,
            &format!("{who}@example.com"),
            "Pat Doe",
            Lifecycle::Active,
            "Sales",
            "Rep",
        )
    };
    let r = roster(vec![
        row("1001", "ann"),
        row("1002", "bob"),
        row("1003", "cat"),
        row("1004", "dan"),
        row("1005", "eve"),
    ]);
    let current = signed_for("ann@example.com", &active("1001"), &k).unwrap();
    // Dan's tag has one digit changed: his marker still reads "employee 1004" with a `sig`.
    let dan = signed_for("dan@example.com", &active("1004"), &k).unwrap();
    let last = dan.len() - 3;
    let flipped = if &dan[last..last + 1] == "0" {
        "1"
    } else {
        "0"
    };
    let tampered = format!("{}{flipped}{}", &dan[..last], &dan[last + 1..]);
    assert_ne!(tampered, dan);
    // Eve carries an unsigned offboarding record although an HR row has her email.
    let offboarded = Marker {
        employee_id: None,
        ..record(Role::LimitedUser, vec![])
    };
    let acct = Account::new(vec![
        // Ann's name differs, so her (valid) marker's user gets an update.
        user(
            "PANN",
            "ann@example.com",
            "Ann Lee",
            Role::LimitedUser,
            "Rep",
            Some(current),
        ),
        user(
            "PBOB",
            "bob@example.com",
            "Pat Doe",
            Role::LimitedUser,
            "Rep",
            signed_for("bob@example.com", &active("1002"), &old_keys()),
        ),
        user(
            "PCAT",
            "cat@example.com",
            "Pat Doe",
            Role::LimitedUser,
            "Rep",
            marked("1003"),
        ),
        user(
            "PDAN",
            "dan@example.com",
            "Pat Doe",
            Role::LimitedUser,
            "Rep",
            Some(tampered),
        ),
        user(
            "PEVE",
            "eve@example.com",
            "Pat Doe",
            // A working role: from a suspended one, taking the user over on its email
            // alone would need a person (review r10-d #2).
            Role::LimitedUser,
            "Rep",
            Some(marker::render("", &offboarded)),
        ),
    ]);
    let p = plan_keyed(&acct, &r, &cfg, Some(&k));
    let verdicts: Vec<_> = p
        .actions
        .iter()
        .map(|a| {
            (
                a.user_id.as_ref().map(|id| id.as_str()).unwrap(),
                a.marker_signature,
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        vec![
            ("PANN", Some(MarkerTrust::Valid)),
            ("PBOB", Some(MarkerTrust::PreviousKey)),
            ("PCAT", Some(MarkerTrust::Unsigned)),
            ("PDAN", Some(MarkerTrust::Invalid)),
            ("PEVE", Some(MarkerTrust::UnsignedNotTrusted)),
        ],
        "{:#?}",
        p.actions
    );
    // Dan was matched by email only and his marker is rewritten, signed.
    let dan = &p.actions[3];
    assert!(
        dan.changes.iter().any(|c| c.field == Field::Description),
        "{dan:#?}"
    );
    assert_all_signed(&p, &keys());
    // Without keys nothing is checked, and the plan says nothing about it.
    let open = plan_keyed(&acct, &r, &cfg, None);
    assert!(
        open.actions.iter().all(|a| a.marker_signature.is_none()),
        "{:#?}",
        open.actions
    );
}

/// Issue 10: after the key is set, a leaver whose unsigned marker no HR row confirms (the
/// export no longer lists the employee) was only a note, kept its role and teams, and
/// `apply` exited 0. It is a skip that needs a person; once suspended by hand, a note again.
#[test]
fn a_leaver_behind_an_untrusted_marker_is_a_skip_that_needs_a_person() {
    let cfg = std_config();
    let k = keys();
    let r = roster(vec![ann()]);
    let old = |role: Role| {
        user(
            "POLD",
            "old@example.com",
            "Ol D",
            role,
            "Rep",
            marked("1010"),
        )
    };
    let ann_user = user(
        "PANN",
        "ann@example.com",
        "Ann Lee",
        Role::LimitedUser,
        "Rep",
        signed_for("ann@example.com", &active("1001"), &k),
    );
    let acct = Account::new(vec![ann_user.clone(), old(Role::Admin)]);
    let p = plan_keyed(&acct, &r, &cfg, Some(&k));
    assert!(p.is_empty(), "{:#?}", p.actions);
    let skip = p
        .skipped
        .iter()
        .find(|s| s.pagerduty_user_id.as_ref().map(|id| id.as_str()) == Some("POLD"))
        .unwrap_or_else(|| panic!("{:#?}", p.skipped));
    assert_eq!(
        skip.reason,
        SkipCause::UntrustedLeaverMarker {
            fault: crate::plan::MarkerFault::Unsigned
        }
    );
    assert_eq!(
        skip.employee_id.as_ref().map(|id| id.as_str()),
        Some("1010")
    );
    assert_eq!(p.needs_attention().count(), 1);
    // A forged signature names its fault.
    let mut forged = old(Role::Admin);
    forged.description = Some(
        r#"hr2pagerduty:v1 {"employee_id":"1010","sig":"00112233445566778899aabbccddeeff"}"#.into(),
    );
    let p = plan_keyed(
        &Account::new(vec![ann_user.clone(), forged]),
        &r,
        &cfg,
        Some(&k),
    );
    assert!(
        matches!(
            p.needs_attention().next().map(|s| &s.reason),
            Some(SkipCause::UntrustedLeaverMarker {
                fault: crate::plan::MarkerFault::SignatureInvalid
            })
        ),
        "{:#?}",
        p.skipped
    );
    // Suspended by hand (a suspended role, no team): nothing is wrong any more, a note only.
    let p = plan_keyed(
        &Account::new(vec![ann_user, old(Role::ReadOnlyLimitedUser)]),
        &r,
        &cfg,
        Some(&k),
    );
    assert!(p.skipped.is_empty(), "{:#?}", p.skipped);
    assert!(p.notes.iter().any(|n| n.contains("POLD")), "{:?}", p.notes);
}

/// Issue 10: a leaver's signed marker copied onto another employee's user left both
/// skipped, the copier listed twice (once per cause), and the dispute needed no one.
#[test]
fn a_copied_marker_is_a_dispute_that_needs_a_person_and_lists_each_user_once() {
    let cfg = std_config();
    let k = keys();
    let r = roster(vec![ann()]);
    let leaver = user(
        "PLEAV",
        "leav@example.com",
        "Lea Ver",
        Role::LimitedUser,
        "Rep",
        signed_for("leav@example.com", &active("1009"), &k),
    );
    // Ann replaces her own marker with a copy of the leaver's.
    let ann_copy = user(
        "PANN",
        "ann@example.com",
        "Ann Lee",
        Role::LimitedUser,
        "Rep",
        signed_for("ann@example.com", &active("1009"), &k),
    );
    let p = plan_keyed(&Account::new(vec![ann_copy, leaver]), &r, &cfg, Some(&k));
    assert!(p.is_empty(), "{:#?}", p.actions);
    let users: Vec<&str> = p
        .skipped
        .iter()
        .filter_map(|s| s.pagerduty_user_id.as_ref().map(|id| id.as_str()))
        .collect();
    assert_eq!(users, ["PANN", "PLEAV"], "{:#?}", p.skipped);
    assert_eq!(p.needs_attention().count(), 2);
    // The text form (one `!` line each) is checked end to end in tests/cli/marker_integrity.rs.
}

/// Issue 10: a forged claim on a new hire's employee ID skips the hire: a dispute that
/// needs a person, worded by what is wrong with the marker, with advice that creates no
/// duplicate of a person whose email changed.
#[test]
fn a_forged_claim_on_a_new_hire_needs_a_person_and_says_what_is_wrong() {
    let cfg = std_config();
    let k = keys();
    let r = roster(vec![ann()]);
    let mal = user(
        "PMAL",
        "mal@example.com",
        "Mal Lory",
        Role::LimitedUser,
        "Rep",
        marked("1001"),
    );
    let p = plan_keyed(&Account::new(vec![mal]), &r, &cfg, Some(&k));
    let skip = &p.skipped[0];
    assert!(skip.reason.needs_attention());
    let words = skip.reason.to_string();
    assert!(
        words.contains("(unsigned and unconfirmed)") && !words.contains("unreadable"),
        "{words}"
    );
    assert!(
        words.contains("set its email in PagerDuty to this HR row's"),
        "{words}"
    );
    assert!(!words.contains("fix or remove that marker line"), "{words}");
}

#[test]
fn an_old_signed_suspension_record_pasted_back_by_an_active_user_restores_nothing() {
    let cfg = std_config();
    let k = keys();
    let r = roster(vec![ann()]);
    // Ann's own record from her last suspension, validly signed for her email: it put her
    // on Chess Club, which an admin has removed her from since her rehire.
    let old = signed_for(
        "ann@example.com",
        &record(Role::LimitedUser, vec![chess()]),
        &k,
    );
    let pasted = Account::new(vec![user(
        "PANN",
        "ann@example.com",
        "Ann Lee",
        Role::LimitedUser,
        "Rep",
        old.clone(),
    )]);
    let p = plan_keyed(&pasted, &r, &cfg, Some(&k));
    // No reactivation, no team: one marker update that drops the record.
    assert_eq!(given(&p), (vec![], None), "{:#?}", p.actions);
    assert_eq!(kinds_of(&p), [ActionKind::Update]);
    assert!(
        p.actions[0]
            .reason
            .starts_with("stale suspension record removed"),
        "{}",
        p.actions[0].reason
    );
    let Some(Step::UpdateUser(upd)) = p.actions[0].steps.first() else {
        panic!("{:#?}", p.actions[0].steps)
    };
    assert_eq!(
        marker::parse(upd.description.as_deref()).marker,
        MarkerState::Valid(active("1001"))
    );
    assert!(p.notes.iter().any(|n| n.contains("PANN")
        && n.contains("suspension record in its ownership marker is ignored")));
    assert_all_signed(&p, &k);
    // Applied, the next plan has nothing to do.
    let mut acct = pasted.clone();
    acct.apply(&p, None);
    assert!(plan_keyed(&acct, &r, &cfg, Some(&k)).is_empty());
    // The same record on Ann while she holds a suspended role is a rehire, as recorded.
    let mut suspended = pasted.clone();
    suspended.users[0].role = Role::ReadOnlyLimitedUser;
    let p = plan_keyed(&suspended, &r, &cfg, Some(&k));
    assert_eq!(kinds_of(&p), [ActionKind::Reactivate]);
    assert_eq!(
        given(&p),
        (vec!["PTCHESS".to_string()], Some(Role::LimitedUser))
    );
    // Its first `PUT` gives the role back and flags the record `reactivating`: a run
    // stopped after it finishes the reactivation, though Ann has her role back.
    let Some(Step::UpdateUser(first)) = p.actions[0].steps.first() else {
        panic!("{:#?}", p.actions[0].steps)
    };
    let MarkerState::Valid(m) = marker::parse(first.description.as_deref()).marker else {
        panic!("{first:?}")
    };
    assert!(m.suspended.as_ref().is_some_and(|s| s.reactivating));
    suspended.apply(&p, Some(1));
    assert_eq!(suspended.users[0].role, Role::LimitedUser);
    let p = plan_keyed(&suspended, &r, &cfg, Some(&k));
    assert_eq!(kinds_of(&p), [ActionKind::Reactivate], "{:#?}", p.actions);
    assert_eq!(given(&p), (vec!["PTCHESS".to_string()], None));
}

/// The kinds of a plan's actions, in order.
fn kinds_of(p: &Plan) -> Vec<ActionKind> {
    p.actions.iter().map(|a| a.kind).collect()
}

/// Review r10-d #2: in an account whose markers are signed, a user without a marker who
/// sets its own email to a new hire's address is not given the hire's admin role and
/// manager team role on the strength of the email alone; a plain adoption still happens,
/// and so does every adoption on the first run with the key.
#[test]
fn an_adoption_by_email_that_raises_access_in_a_signed_account_needs_a_person() {
    let cfg = std_config();
    let k = keys();
    let hal = emp(
        "1012",
        "hal@example.com",
        "Hal Nine",
        Lifecycle::Active,
        "IT",
        "Manager",
    );
    let r = roster(vec![ann(), hal]);
    let ann_user = |description| {
        user(
            "PANN",
            "ann@example.com",
            "Ann Lee",
            Role::LimitedUser,
            "Rep",
            description,
        )
    };
    // Carl, unmarked, took the new hire's address.
    let carl = || {
        user(
            "PCARL",
            "hal@example.com",
            "Hal Nine",
            Role::LimitedUser,
            "Manager",
            None,
        )
    };
    let signed = Account::new(vec![
        ann_user(signed_for("ann@example.com", &active("1001"), &k)),
        carl(),
    ]);
    let p = plan_keyed(&signed, &r, &cfg, Some(&k));
    assert!(
        p.actions
            .iter()
            .all(|a| a.user_id.as_ref().map(|id| id.as_str()) != Some("PCARL")),
        "{:#?}",
        p.actions
    );
    assert_eq!(p.count(ActionKind::Create), 0);
    let skip = p
        .needs_attention()
        .find(|s| s.pagerduty_user_id.as_ref().map(|id| id.as_str()) == Some("PCARL"))
        .unwrap_or_else(|| panic!("{:#?}", p.skipped));
    assert_eq!(
        skip.reason,
        SkipCause::UnconfirmedAdoption {
            from: Role::LimitedUser,
            to: Role::Admin,
            manager_on: vec!["Managers".into()],
            joins: vec!["IT Operations".into()],
        }
    );
    // The first run with the key (no marker verifies yet) adopts as before.
    let first = Account::new(vec![ann_user(marked("1001")), carl()]);
    let p = plan_keyed(&first, &r, &cfg, Some(&k));
    let a = p
        .actions
        .iter()
        .find(|a| a.user_id.as_ref().map(|id| id.as_str()) == Some("PCARL"))
        .unwrap_or_else(|| panic!("{:#?}", p.skipped));
    assert!(a.reason.starts_with("adopt:"), "{}", a.reason);
    // A person confirms the user and gives the access by hand: the next run adopts it and
    // signs its marker, raising nothing.
    let mut confirmed = signed.clone();
    confirmed.users[1].role = Role::Admin;
    confirmed.join("PCARL", "PTMGRS1", TeamRole::Manager);
    confirmed.join("PCARL", "PTITOPS", TeamRole::Responder);
    let p = plan_keyed(&confirmed, &r, &cfg, Some(&k));
    let a = p
        .actions
        .iter()
        .find(|a| a.user_id.as_ref().map(|id| id.as_str()) == Some("PCARL"))
        .unwrap_or_else(|| panic!("{:#?}", p.skipped));
    assert!(a.reason.starts_with("adopt:"), "{}", a.reason);
    assert!(!a.changes_role());
    assert_eq!(p.needs_attention().count(), 0, "{:#?}", p.skipped);
    assert_all_signed(&p, &k);
    // An adoption that raises nothing (a sales rep's role, no team) needs no one.
    let rep = emp(
        "1013",
        "rep@example.com",
        "Rita Rep",
        Lifecycle::Active,
        "Sales",
        "Rep",
    );
    // of the rep's name (r10h 1: the name is part of the rule).
    let mut plain = signed.clone();
    plain.users[1].email = "rep@example.com".into();
    plain.users[1].name = "rita  REP".into();
    let r = roster(vec![ann(), rep]);
    let p = plan_keyed(&plain, &r, &cfg, Some(&k));
    let a = p
        .actions
        .iter()
        .find(|a| a.user_id.as_ref().map(|id| id.as_str()) == Some("PCARL"))
        .unwrap_or_else(|| panic!("{:#?}", p.skipped));
    assert!(a.reason.starts_with("adopt:"), "{}", a.reason);
    assert_eq!(p.needs_attention().count(), 0, "{:#?}", p.skipped);
    // The same user under its own name, raising nothing, is left for a person.
    plain.users[1].name = "Hal Nine".into();
    let p = plan_keyed(&plain, &r, &cfg, Some(&k));
    assert!(
        p.actions
            .iter()
            .all(|a| a.user_id.as_ref().map(|id| id.as_str()) != Some("PCARL"))
    );
    let skip = p
        .needs_attention()
        .next()
        .unwrap_or_else(|| panic!("{:#?}", p.skipped));
    assert!(
        matches!(&skip.reason, SkipCause::AdoptionOfAnotherName { user_name, raise: None, .. } if user_name == "Hal Nine"),
        "{:?}",
        skip.reason
    );
}

/// `apply --plan` counts the account's signed markers again with its own keys
/// ([`safety::signatures_of`]): the counts are the planner's for the same users and keys,
/// and a key that verifies none of more than five is refused in `plan`'s words.
#[test]
fn the_saved_plan_recount_of_signed_markers_is_the_planners() {
    let cfg = std_config();
    let k = keys();
    let mut users: Vec<User> = (1..=6)
        .map(|i| {
            let email = format!("u{i}@example.com");
            let d = signed_for(&email, &active(&format!("10{i:02}")), &k);
            user(&format!("PU{i}"), &email, "U", Role::LimitedUser, "Rep", d)
        })
        .collect();
    users.push(user(
        "PFORGED",
        "f@example.com",
        "F",
        Role::LimitedUser,
        "Rep",
        Some(
            r#"hr2pagerduty:v1 {"employee_id":"1099","sig":"00112233445566778899aabbccddeeff"}"#
                .into(),
        ),
    ));
    users.push(user(
        "PPLAIN",
        "p@example.com",
        "P",
        Role::LimitedUser,
        "Rep",
        Some(r#"hr2pagerduty:v1 {"employee_id":"1098"}"#.into()),
    ));
    let acct = Account::new(users);
    let r = roster(vec![ann()]);
    for keys in [keys(), rotating(), old_keys()] {
        let planned = plan_keyed(&acct, &r, &cfg, Some(&keys)).marker_signatures;
        assert_eq!(Some(safety::signatures_of(&acct.users, &keys)), planned);
    }
    let right = safety::signatures_of(&acct.users, &k);
    assert_eq!((right.signed, right.verified), (7, 6));
    assert_eq!(safety::wrong_key_for(&right, Overrides::default()), None);
    let wrong = safety::signatures_of(&acct.users, &old_keys());
    assert_eq!((wrong.signed, wrong.verified), (7, 0));
    let refused = safety::wrong_key_for(&wrong, Overrides::default())
        .unwrap()
        .to_string();
    assert!(
        refused.starts_with("none of the 7 signed ownership markers in PagerDuty verifies with the marker key (or the previous one), among them PU1 (u1@example.com)"),
        "{refused}"
    );
    let allowed = Overrides {
        allow_new_marker_key: true,
        ..Overrides::default()
    };
    assert_eq!(safety::wrong_key_for(&wrong, allowed), None);
}

/// Review r10h #2: a rotation (new key, the old one previous) stopped part-way after
/// signing 2 of 8 markers again, and the previous key dropped: the new key alone verifies
/// 2 and fails 6, so such a run, which would read the 6 as forged (and their suspension
/// records as restoring nothing), is refused as an unfinished rotation, in the planner's
/// counts as in `apply --plan`'s recount. With the previous key given it passes; up to 5
/// failing markers (users can write a `sig`) pass; `--allow-new-marker-key` lifts it.
#[test]
fn a_rotation_stopped_part_way_without_the_previous_key_is_refused() {
    let cfg = std_config();
    let account = |resigned: usize, total: usize| {
        let users = (1..=total)
            .map(|i| {
                let email = format!("u{i}@example.com");
                let k = if i <= resigned { keys() } else { old_keys() };
                let d = signed_for(&email, &active(&format!("10{i:02}")), &k);
                user(&format!("PU{i}"), &email, "U", Role::LimitedUser, "Rep", d)
            })
            .collect();
        Account::new(users)
    };
    let r = roster(vec![ann()]);
    let stopped = account(2, 8);
    let p = plan_keyed(&stopped, &r, &cfg, Some(&keys()));
    let trip = safety::marker_key_refusal(&p, Overrides::default());
    let Some(safety::SafetyTrip::UnfinishedRotation(s)) = &trip else {
        panic!("{trip:?}")
    };
    assert_eq!((s.signed, s.verified), (8, 2));
    assert_eq!(
        safety::wrong_key_for(
            &safety::signatures_of(&stopped.users, &keys()),
            Overrides::default()
        ),
        trip
    );
    let words = trip.unwrap().to_string();
    assert!(
        words.starts_with("6 of the 8 signed ownership markers in PagerDuty do not verify with the marker key (or the previous one) while 2 do, among them PU3 (u3@example.com)")
            && words.contains("a marker-key rotation probably stopped part-way")
            && words.contains("(--marker-key-previous-file FILE or PAGERDUTY_MARKER_KEY_PREVIOUS) until a plan shows no `re-sign marker` update"),
        "{words}"
    );
    // The previous key given: every marker verifies, and the rotation goes on.
    let p = plan_keyed(&stopped, &r, &cfg, Some(&rotating()));
    assert_eq!(safety::marker_key_refusal(&p, Overrides::default()), None);
    // Five failing markers are tolerated, as made-up sigs are.
    let p = plan_keyed(&account(2, 7), &r, &cfg, Some(&keys()));
    assert_eq!(safety::marker_key_refusal(&p, Overrides::default()), None);
    let allowed = Overrides {
        allow_new_marker_key: true,
        ..Overrides::default()
    };
    let p = plan_keyed(&stopped, &r, &cfg, Some(&keys()));
    assert_eq!(safety::marker_key_refusal(&p, allowed), None);
}

/// r10g #1: in an account whose markers verify, a suspended leaver strips the `sig` from
/// her record and edits it (role admin, manager of a team no rule names). Under
/// `--finish-marker-migration` the flag vouches for her employee ID, not for what the
/// unsigned record says to restore: the record is signed without its role and teams, the
/// reason says so, and at her rehire the rules decide her teams.
#[test]
fn finishing_the_migration_signs_an_unsigned_record_without_its_restore() {
    let cfg = std_config();
    let k = keys();
    let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let bob = emp(
        "1002",
        "bob@example.com",
        "Bob Ray",
        Lifecycle::Active,
        "Sales",
        "Rep",
    );
    let bob_user = user(
        "PBOB",
        "bob@example.com",
        "Bob Ray",
        Role::LimitedUser,
        "Rep",
        signed_for("bob@example.com", &active("1002"), &k),
    );
    let ann_user = |description: Option<String>| {
        user(
            "PANN",
            "ann@example.com",
            "Ann Lee",
            Role::ReadOnlyLimitedUser,
            "Rep",
            description,
        )
    };
    let forged = marker::render("", &record(Role::Admin, vec![chess()]));
    let acct = Account::new(vec![bob_user.clone(), ann_user(Some(forged))]);
    let left = roster(vec![
        bob.clone(),
        emp(
            "1001",
            "ann@example.com",
            "Ann Lee",
            Lifecycle::Terminated,
            "Sales",
            "Rep",
        ),
    ]);
    let mut policy = Policy::from_config(&cfg);
    policy.finish_marker_migration = true;
    let p = acct
        .plan_of(Inputs {
            marker_keys: Some(&k),
            ..fixture::inputs(&left, &policy, day)
        })
        .unwrap();
    let [a] = &p.actions[..] else {
        panic!("{:#?} {:#?}", p.actions, p.skipped)
    };
    assert_eq!(a.kind, ActionKind::Update);
    assert!(
        a.reason
            .contains("not for the unsigned suspension record's role and teams"),
        "{}",
        a.reason
    );
    let written = a
        .steps
        .iter()
        .find_map(|s| match s {
            Step::UpdateUser(u) => u.description.clone(),
            _ => None,
        })
        .unwrap();
    let parsed = marker::parse(Some(&written));
    let MarkerState::Valid(m) = &parsed.marker else {
        panic!("{written}")
    };
    let s = m.suspended.as_ref().unwrap();
    assert_eq!(
        (s.role.clone(), s.teams.len()),
        (Role::ReadOnlyLimitedUser, 0)
    );
    assert_eq!(
        k.check(m, parsed.sig.as_deref(), "ann@example.com"),
        Verdict::Current
    );
    // Rehired: the signed record restores no team of its own; the rules decide.
    let back = Account::new(vec![bob_user, ann_user(Some(written))]);
    let p = plan_keyed(&back, &roster(vec![bob, ann()]), &cfg, Some(&k));
    assert_eq!(
        p.actions[0].kind,
        ActionKind::Reactivate,
        "{:#?}",
        p.actions
    );
    assert_eq!(
        given(&p),
        (vec![], Some(Role::LimitedUser)),
        "{:#?}",
        p.actions
    );
    // The record's role is the suspended one it was signed with: no "it was ... before
    // suspension" about it.
    assert!(
        !p.actions[0].reason.contains("before suspension"),
        "{}",
        p.actions[0].reason
    );
    // Nor a promise of a restore: the reason says the record had nothing to restore.
    assert!(
        p.actions[0]
            .reason
            .contains("recorded no role or team to restore: role and teams are the rules'"),
        "{}",
        p.actions[0].reason
    );
}

/// An account with a user, Mallory, whose marker claims new hire Nina's employee ID (1004),
/// her email `mal_email`, beside Ann's marker; `sig` says whether the markers carry a
/// `sig` (Ann's signed with `k`, Mallory's made up).
fn keyless_claim(k: &MarkerKeys, sig: bool, mal_email: &str) -> (Account, Roster) {
    let nina = emp(
        "1004",
        "nina@example.com",
        "Nina Ng",
        Lifecycle::Active,
        "IT",
        "Manager",
    );
    let (ann_marker, claim) = match sig {
        true => (
            signed_for("ann@example.com", &active("1001"), k),
            r#"hr2pagerduty:v1 {"employee_id":"1004","sig":"00112233445566778899aabbccddeeff"}"#,
        ),
        false => (marked("1001"), r#"hr2pagerduty:v1 {"employee_id":"1004"}"#),
    };
    let acct = Account::new(vec![
        user(
            "PANN",
            "ann@example.com",
            "Ann Lee",
            Role::LimitedUser,
            "Rep",
            ann_marker,
        ),
        // Mallory also took the hire's name, so that no evidence of another person is left.
        user(
            "PMAL",
            mal_email,
            "Nina Ng",
            Role::LimitedUser,
            "Rep",
            Some(claim.into()),
        ),
    ]);
    (acct, roster(vec![ann(), nina]))
}

/// `r`'s plan against `acct` without keys, with `--allow-unsigned-run` when `unsigned_run`.
fn plan_without_key(acct: &Account, r: &Roster, cfg: &Config, unsigned_run: bool) -> Plan {
    let mut policy = Policy::from_config(cfg);
    policy.allow_unsigned_run = unsigned_run;
    acct.plan_of(Inputs {
        ..fixture::inputs(r, &policy, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap())
    })
    .unwrap()
}

/// Nina's skip in `p`, when it is the one of a marker a run without the key cannot check.
fn unchecked_skip(p: &Plan) -> Option<&Skip> {
    p.skipped.iter().find(|s| {
        s.employee_id.as_ref().map(|id| id.as_str()) == Some("1004")
            && matches!(&s.reason, SkipCause::UncheckedMarkerWithoutKey { user, .. } if user.as_str() == "PMAL")
    })
}

/// r10g 05b: the key lost for one night in an account whose markers are signed (5 or fewer,
/// so not refused), Mallory's made-up claim to a new hire's employee ID is not enough to be
/// given the hire's email (and then its role and teams): a skip that needs a person naming
/// her user and the missing key. Without any `sig` in the account (never signed), or under
/// `--allow-unsigned-run`, the marker is trusted as before; with the key the claim is a
/// forgery, as before.
#[test]
fn without_the_key_a_marker_match_changing_the_email_is_a_skip_once_some_marker_carries_a_sig() {
    let cfg = std_config();
    let k = keys();
    let (acct, r) = keyless_claim(&k, true, "mal@example.com");
    let p = plan_keyed(&acct, &r, &cfg, None);
    assert!(
        p.actions
            .iter()
            .all(|a| a.user_id.as_ref().map(|id| id.as_str()) != Some("PMAL")),
        "{:#?}",
        p.actions
    );
    let skip = unchecked_skip(&p).unwrap_or_else(|| panic!("{:#?}", p.skipped));
    assert!(skip.reason.needs_attention());
    assert_eq!(
        skip.pagerduty_user_id.as_ref().map(|id| id.as_str()),
        Some("PMAL")
    );
    let words = skip.reason.to_string();
    for said in [
        "PAGERDUTY_MARKER_KEY is not set",
        "PagerDuty user PMAL",
        "change its email from mal@example.com to this HR row's",
    ] {
        assert!(words.contains(said), "{words}");
    }
    assert!(p.adoption_guarded);
    // Never signed: the documented unsigned mode trusts the marker (an update of the email).
    let (open, r) = keyless_claim(&k, false, "mal@example.com");
    for p in [
        plan_keyed(&open, &r, &cfg, None),
        plan_without_key(&acct, &r, &cfg, true),
    ] {
        let a = p
            .actions
            .iter()
            .find(|a| a.user_id.as_ref().map(|id| id.as_str()) == Some("PMAL"))
            .unwrap_or_else(|| panic!("{:#?}", p));
        assert_eq!(a.kind, ActionKind::Update);
        assert_eq!(a.email.as_str(), "nina@example.com");
        assert!(unchecked_skip(&p).is_none());
    }
    // With the key the claim is a forgery, as before.
    let p = plan_keyed(&acct, &r, &cfg, Some(&k));
    assert!(unchecked_skip(&p).is_none());
    assert!(p.skipped.iter().any(|s| matches!(
        &s.reason,
        SkipCause::ClaimedByUnreadableMarker { users, .. } if users == &[UserId::new("PMAL")]
    )));
}

/// The same night, Mallory takes the hire's email as well: the match her email confirms
/// is read as an adoption by email in a signed account, so the raise of her access (the
/// rules' admin role, IT Operations, the manager role on Managers) is a skip that needs a
/// person. A match that raises nothing (Ann, unchanged) and an account never signed (an
/// update as before) keep today's behaviour.
#[test]
fn without_the_key_a_marker_match_the_email_confirms_raises_no_access_once_some_marker_carries_a_sig()
 {
    let cfg = std_config();
    let k = keys();
    let (acct, r) = keyless_claim(&k, true, "nina@example.com");
    let p = plan_keyed(&acct, &r, &cfg, None);
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    let skip = unchecked_skip(&p).unwrap_or_else(|| panic!("{:#?}", p.skipped));
    let SkipCause::UncheckedMarkerWithoutKey {
        user_email: None,
        raise: Some(raise),
        ..
    } = &skip.reason
    else {
        panic!("{:?}", skip.reason)
    };
    assert!(
        matches!(
            &**raise,
            SkipCause::UnconfirmedAdoption {
                to: Role::Admin,
                ..
            }
        ),
        "{raise:?}"
    );
    let words = skip.reason.to_string();
    assert!(
        words.contains("give it base role admin (it has limited_user)"),
        "{words}"
    );
    assert_eq!(p.unchanged, 1, "Ann's match raises nothing: {p:#?}");
    let (open, r) = keyless_claim(&k, false, "nina@example.com");
    let p = plan_keyed(&open, &r, &cfg, None);
    assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
    assert_eq!(p.actions[0].kind, ActionKind::Update);
    assert!(unchecked_skip(&p).is_none());
}

/// Whether a safety check with `overrides` trips on a cap whose words name `what`.
fn trips_on(p: &Plan, overrides: Overrides, what: &str) -> bool {
    safety::check(p, &SafetyCaps::default(), overrides)
        .iter()
        .any(|t| t.to_string().contains(what))
}

/// r10g 04: a leaver already suspended (the suspended role, no team) whose suspension
/// record was edited is not deactivated again: nothing is taken away, so it is an update
/// that rewrites the record from the user as it is, counted as an update (not a
/// deactivation, not by the deactivation caps), whose words say the record was not
/// trusted and what the new one holds. Applied, the next plan is empty.
#[test]
fn an_untrusted_record_on_a_leaver_already_suspended_is_an_update_that_rewrites_it() {
    let cfg = std_config();
    let k = keys();
    let leaver = Employee {
        status: Lifecycle::Terminated,
        ..ann()
    };
    let r = roster(vec![leaver]);
    let genuine = signed_for("ann@example.com", &record(Role::LimitedUser, vec![]), &k).unwrap();
    let forged = genuine.replacen(
        r#""role":"limited_user","teams":[]"#,
        r#""role":"admin","teams":[{"id":"PTCHESS","name":"Chess Club","role":"manager"}]"#,
        1,
    );
    let acct = Account::new(vec![user(
        "PANN",
        "ann@example.com",
        "Ann Lee",
        Role::ReadOnlyLimitedUser,
        "Rep",
        Some(forged),
    )]);
    let p = plan_keyed(&acct, &r, &cfg, Some(&k));
    assert_eq!(kinds_of(&p), [ActionKind::Update], "{:#?}", p.actions);
    assert_eq!(p.count(ActionKind::Deactivate), 0);
    assert_eq!(p.count(ActionKind::Update), 1);
    let a = &p.actions[0];
    assert_eq!(given(&p), (vec![], None), "no role, no team: {a:#?}");
    assert!(
        a.teams.is_none() && a.blocked.is_none() && a.oncall.is_none(),
        "{a:#?}"
    );
    assert!(p.needs_oncall.is_empty(), "{:?}", p.needs_oncall);
    assert_eq!(
        a.reason,
        "leaver already suspended (base role read_only_limited_user): the suspension record in its ownership marker is not trusted (signature invalid), so it restores nothing; the marker is rewritten with a record of the user as it is (suspended 2026-11-30, restores role read_only_limited_user, no team)"
    );
    assert!(!trips_on(
        &p,
        Overrides {
            allow_deactivations: Some(0),
            ..Overrides::default()
        },
        "deactivat"
    ));
    assert_all_signed(&p, &k);
    let mut after = acct.clone();
    after.apply(&p, None);
    assert!(plan_keyed(&after, &r, &cfg, Some(&k)).is_empty());
    // A leaver with an untrusted record who still holds a working role is deactivated, as
    // before.
    let mut active = acct.clone();
    active.users[0].role = Role::LimitedUser;
    let p = plan_keyed(&active, &r, &cfg, Some(&k));
    assert_eq!(kinds_of(&p), [ActionKind::Deactivate], "{:#?}", p.actions);
}

/// r10g 16: an active user, never suspended, that writes a suspension record of its own
/// (unsigned, `reactivating` or `from_archive`) in a signed account is no rehire: an
/// update that drops the record, counted as an update (not by the reactivation caps),
/// whose words say so, giving only what the rules give. A suspended user with such a
/// record is guarded as an adoption by email, as before.
#[test]
fn an_untrusted_record_on_an_active_user_is_an_update_that_drops_it() {
    let cfg = std_config();
    let k = keys();
    let bob = emp(
        "1002",
        "bob@example.com",
        "Bob Day",
        Lifecycle::Active,
        "Sales",
        "Rep",
    );
    let r = roster(vec![ann(), bob]);
    for extra in [r#""reactivating":true"#, r#""from_archive":"POLD""#] {
        let forged = format!(
            r#"hr2pagerduty:v1 {{"employee_id":"1002","suspended":{{"on":"2026-11-01","role":"admin","teams":[{{"id":"PTCHESS","name":"Chess Club","role":"manager"}}],{extra}}}}}"#
        );
        let acct = Account::new(vec![
            user(
                "PANN",
                "ann@example.com",
                "Ann Lee",
                Role::LimitedUser,
                "Rep",
                signed_for("ann@example.com", &active("1001"), &k),
            ),
            user(
                "PBOB",
                "bob@example.com",
                "Bob Day",
                Role::LimitedUser,
                "Rep",
                Some(forged),
            ),
        ]);
        let p = plan_keyed(&acct, &r, &cfg, Some(&k));
        assert_eq!(
            kinds_of(&p),
            [ActionKind::Update],
            "{extra}: {:#?}",
            p.actions
        );
        assert_eq!(p.count(ActionKind::Reactivate), 0);
        let a = &p.actions[0];
        assert!(
            a.reason.starts_with(
                "ownership marker replaced: it records a suspension that is not trusted (unsigned and unconfirmed), and the user is not suspended (base role limited_user): no rehire; the record is dropped from the marker"
            ),
            "{}",
            a.reason
        );
        assert!(
            a.steps.iter().all(|s| match s {
                Step::UpdateUser(u) => u.role.is_none(),
                Step::SetTeamRole { .. } => false,
                _ => true,
            }),
            "no role, no team beyond the rules' (none): {:#?}",
            a.steps
        );
        let Some(Step::UpdateUser(upd)) = a.steps.first() else {
            panic!("{:#?}", a.steps)
        };
        assert_eq!(
            marker::parse(upd.description.as_deref()).marker,
            MarkerState::Valid(active("1002"))
        );
        assert!(!trips_on(
            &p,
            Overrides {
                allow_reactivations: Some(0),
                ..Overrides::default()
            },
            "reactivat"
        ));
        let mut after = acct.clone();
        after.apply(&p, None);
        assert!(plan_keyed(&after, &r, &cfg, Some(&k)).is_empty());
        // Suspended, the same user is a rehire on the strength of its email alone, which
        // raises its access: a skip that needs a person, as before (README § Marker
        // integrity).
        let mut suspended = acct.clone();
        suspended.users[1].role = Role::ReadOnlyLimitedUser;
        let p = plan_keyed(&suspended, &r, &cfg, Some(&k));
        assert!(p.actions.is_empty(), "{:#?}", p.actions);
        assert!(
            p.needs_attention()
                .any(|s| matches!(s.reason, SkipCause::UnconfirmedAdoption { .. })),
            "{:#?}",
            p.skipped
        );
    }
}
