//! Taking over an employee by email in a signed account (README.md § Marker integrity;
//! fresh review r10f): a user who sets their own email to a new hire's address gains
//! nothing, not even a team membership, and a marker naming another employee is never
//! re-signed as the hire's; a leaver whose marker no longer verifies and whom no HR row
//! matches is not kept on silently, whatever the marker claims.

use super::*;
use crate::config::UnmanagedUsers;
use crate::marker::{MarkerKey, MarkerKeys};
use crate::plan::skip::MarkerFault;

const KEY: &str = "0123456789abcdef0123456789abcdef-takeover";

fn keys() -> MarkerKeys {
    MarkerKeys::new(MarkerKey::new("K", KEY).unwrap(), None)
}

/// The marker of employee `eid`, signed for the user with email `carrier`.
fn signed(eid: &str, carrier: &str) -> Option<String> {
    let m = super::signing::active(eid);
    Some(marker::render_with("", &m, Some(&keys()), carrier))
}

fn plan_of(acct: &Account, r: &Roster, cfg: &Config) -> Plan {
    super::signing::plan_keyed(acct, r, cfg, Some(&keys()))
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

fn ann_user() -> User {
    user(
        "PANN",
        "ann@example.com",
        "Ann Lee",
        Role::LimitedUser,
        "Rep",
        signed("1001", "ann@example.com"),
    )
}

/// The announced new hire: an IT engineer, `limited_user` (the default role, no raise)
/// and a responder on IT Operations.
fn radia() -> Employee {
    emp(
        "1012",
        "radia@example.com",
        "Radia Perlman",
        Lifecycle::Active,
        "IT",
        "Engineer",
    )
}

fn frances(status: Lifecycle) -> Employee {
    emp(
        "1008",
        "frances@example.com",
        "Frances Allen",
        status,
        "Sales",
        "Rep",
    )
}

fn actions_on<'p>(p: &'p Plan, user_id: &str) -> Vec<&'p Action> {
    p.actions
        .iter()
        .filter(|a| a.user_id.as_ref().map(|id| id.as_str()) == Some(user_id))
        .collect()
}

fn skip_of<'p>(p: &'p Plan, employee_id: &str) -> &'p Skip {
    p.skipped
        .iter()
        .find(|s| s.employee_id.as_ref().map(|id| id.as_str()) == Some(employee_id))
        .unwrap_or_else(|| panic!("no skip of {employee_id}: {:#?}", p.skipped))
}

/// r10f #1a: an unmarked user who takes a new hire's address would only gain a team
/// membership (the hire's role is no raise): that is access too, so it needs a person;
/// once given by hand, the next run adopts it.
#[test]
fn an_adoption_by_email_that_only_adds_a_team_needs_a_person_once_markers_are_signed() {
    let cfg = std_config();
    let r = roster(vec![ann(), radia()]);
    // Under the hire's own name (another name is a skip whatever it raises, below).
    let carl = user(
        "PCARL",
        "radia@example.com",
        "Radia Perlman",
        Role::LimitedUser,
        "Rep",
        None,
    );
    let acct = Account::new(vec![ann_user(), carl]);
    let p = plan_of(&acct, &r, &cfg);
    assert!(actions_on(&p, "PCARL").is_empty(), "{:#?}", p.actions);
    assert_eq!(p.count(ActionKind::Create), 0);
    assert_eq!(
        skip_of(&p, "1012").reason,
        SkipCause::UnconfirmedAdoption {
            from: Role::LimitedUser,
            to: Role::LimitedUser,
            manager_on: vec![],
            joins: vec!["IT Operations".into()],
        }
    );
    assert_eq!(p.needs_attention().count(), 1);
    // The documented way out for an account an admin made for the hire: give it the team
    // by hand; the next run adopts it and signs its marker.
    let mut confirmed = acct.clone();
    confirmed.join("PCARL", "PTITOPS", TeamRole::Responder);
    let p = plan_of(&confirmed, &r, &cfg);
    let [a] = actions_on(&p, "PCARL")[..] else {
        panic!("{:#?}", p.actions)
    };
    assert!(a.reason.starts_with("adopt:"), "{}", a.reason);
    assert_eq!(p.needs_attention().count(), 0, "{:#?}", p.skipped);
}

/// r10f #1b: Frances, whose signed marker names her own employee ID, sets her email to the
/// new hire's address (which breaks the signature, since the email is signed). Whether HR
/// keeps her active, marks her terminated or drops her row, the hire's row takes nothing
/// over and writes nothing (a skip that names her employee), and her claim keeps blocking a
/// create of her own employee: no duplicate on the next night either.
#[test]
fn a_user_whose_broken_marker_names_another_employee_is_never_adopted_as_the_hire() {
    let cfg = std_config();
    for frances_row in [
        Some(frances(Lifecycle::Active)),
        Some(frances(Lifecycle::Terminated)),
        None,
    ] {
        let mut rows = vec![ann(), radia()];
        rows.extend(frances_row.clone());
        let r = roster(rows);
        let fran = user(
            "PFRAN",
            "radia@example.com",
            "Frances Allen",
            Role::LimitedUser,
            "Rep",
            signed("1008", "frances@example.com"),
        );
        let mut acct = Account::new(vec![ann_user(), fran]);
        for night in 1..=2 {
            let p = plan_of(&acct, &r, &cfg);
            let case = format!("{frances_row:?}, night {night}");
            assert!(p.actions.is_empty(), "{case}: {:#?}", p.actions);
            assert_eq!(
                skip_of(&p, "1012").reason,
                SkipCause::EmailOfAnotherUnreadableMarker {
                    user: "PFRAN".into(),
                    claimed_employee_id: "1008".into(),
                    fault: MarkerFault::SignatureInvalid,
                },
                "{case}"
            );
            assert!(skip_of(&p, "1012").reason.needs_attention());
            if frances_row
                .as_ref()
                .is_some_and(|e| e.status == Lifecycle::Active)
            {
                // Her own row is blocked by her claim, not created again.
                assert!(
                    matches!(
                        skip_of(&p, "1008").reason,
                        SkipCause::ClaimedByUnreadableMarker { .. }
                    ),
                    "{case}: {:#?}",
                    p.skipped
                );
            }
            acct.apply(&p, None);
        }
    }
}

/// The legitimate cases the rule above must leave working: an email an admin changed by
/// hand and HR then changed too (the broken marker names the row's own employee), and a
/// leaver who forges a claim to another employee while HR keeps a terminated row with the
/// leaver's email (still deactivated as planned).
#[test]
fn a_broken_marker_naming_the_rows_own_employee_or_a_leaver_row_is_still_matched_by_email() {
    let cfg = std_config();
    let moved = frances(Lifecycle::Active);
    let moved = Employee {
        email: Email::parse("frances.allen@example.com").unwrap(),
        ..moved
    };
    let fran = user(
        "PFRAN",
        "frances.allen@example.com",
        "Frances Allen",
        Role::LimitedUser,
        "Rep",
        signed("1008", "frances@example.com"),
    );
    let p = plan_of(
        &Account::new(vec![ann_user(), fran]),
        &roster(vec![ann(), moved]),
        &cfg,
    );
    let [a] = actions_on(&p, "PFRAN")[..] else {
        panic!("{:#?} {:#?}", p.actions, p.skipped)
    };
    assert_eq!(a.kind, ActionKind::Update);
    assert!(p.skipped.is_empty(), "{:#?}", p.skipped);
    // A leaver's forged claim to Ann, with a terminated row holding the leaver's email.
    let leaver = user(
        "PFRAN",
        "frances@example.com",
        "Frances Allen",
        Role::LimitedUser,
        "Rep",
        Some(
            r#"hr2pagerduty:v1 {"employee_id":"1001","sig":"00112233445566778899aabbccddeeff"}"#
                .into(),
        ),
    );
    let p = plan_of(
        &Account::new(vec![ann_user(), leaver]),
        &roster(vec![ann(), frances(Lifecycle::Terminated)]),
        &cfg,
    );
    let [a] = actions_on(&p, "PFRAN")[..] else {
        panic!("{:#?} {:#?}", p.actions, p.skipped)
    };
    assert_eq!(a.kind, ActionKind::Deactivate);
}

/// The leaver of r10f #2: Alan, whom the export no longer lists, or lists as terminated
/// under an email he has since changed in PagerDuty.
fn alan(email: &str, description: &str) -> User {
    let mut u = user(
        "PALAN",
        email,
        "Alan Turing",
        Role::LimitedUser,
        "Rep",
        Some(description.into()),
    );
    u.teams.clear();
    u
}

/// One leaver case: its name, the leaver's description and email, the claim its marker
/// seems to make, why the marker is not used, and whether HR lists a terminated row.
type Case<'a> = (&'a str, String, &'a str, Option<&'a str>, MarkerFault, bool);

/// r10f #2: a leaver whose marker no longer verifies (a forged claim to a listed employee
/// whose user carries its own valid marker, a second marker line, or an unreadable one)
/// and whom no HR row matches is a skip that needs a person under "ignore" and "report",
/// and is deactivated under "offboard", its claim kept in the guard for the re-check.
#[test]
fn a_leaver_whose_marker_does_not_verify_and_no_row_matches_is_not_kept_on_silently() {
    let own = signed("1003", "alan@example.com").unwrap();
    let forged =
        r#"hr2pagerduty:v1 {"employee_id":"1001","sig":"00112233445566778899aabbccddeeff"}"#;
    let second_line = format!("hr2pagerduty:v1 {{\"employee_id\":\"1001\"}}\n{own}");
    let garbled = "hr2pagerduty:v1 {not json";
    let alan_term = emp(
        "1003",
        "alan@example.com",
        "Alan Turing",
        Lifecycle::Terminated,
        "Sales",
        "Rep",
    );
    let cases: [Case; 4] = [
        (
            "forged",
            forged.into(),
            "alan@example.com",
            Some("1001"),
            MarkerFault::SignatureInvalid,
            false,
        ),
        (
            "second line",
            second_line,
            "alan@example.com",
            Some("1001"),
            MarkerFault::Unreadable,
            false,
        ),
        (
            "garbled",
            garbled.into(),
            "alan@example.com",
            None,
            MarkerFault::Unreadable,
            false,
        ),
        // Terminated in HR, but he changed his own email: no row's email finds him.
        (
            "terminated row",
            forged.into(),
            "alan.private@example.org",
            Some("1001"),
            MarkerFault::SignatureInvalid,
            true,
        ),
    ];
    for (case, description, email, claimed, fault, listed_as_terminated) in cases {
        let mut rows = vec![ann()];
        if listed_as_terminated {
            rows.push(alan_term.clone());
        }
        let r = roster(rows);
        let acct = Account::new(vec![ann_user(), alan(email, &description)]);
        for mode in [UnmanagedUsers::Ignore, UnmanagedUsers::Report] {
            let mut cfg = std_config();
            cfg.lifecycle.unmanaged_users = mode;
            let p = plan_of(&acct, &r, &cfg);
            assert!(p.actions.is_empty(), "{case} {mode:?}: {:#?}", p.actions);
            let skip = p
                .needs_attention()
                .find(|s| s.pagerduty_user_id.as_ref().map(|id| id.as_str()) == Some("PALAN"))
                .unwrap_or_else(|| panic!("{case} {mode:?}: {:#?}", p.skipped));
            assert_eq!(
                skip.reason,
                SkipCause::UnverifiedMarkerWithoutRow {
                    fault,
                    claimed_employee_id: claimed.map(Into::into),
                },
                "{case} {mode:?}"
            );
            let words = skip.reason.to_string();
            assert!(words.contains("may be a leaver hiding"), "{words}");
            // Not the skip of the employee its marker claims.
            assert_eq!(skip.employee_id, None, "{case} {mode:?}");
        }
        let mut cfg = std_config();
        cfg.lifecycle.unmanaged_users = UnmanagedUsers::Offboard;
        let p = plan_of(&acct, &r, &cfg);
        let [a] = actions_on(&p, "PALAN")[..] else {
            panic!("{case}: {:#?} {:#?}", p.actions, p.skipped)
        };
        assert_eq!(a.kind, ActionKind::Deactivate, "{case}");
        assert!(a.reason.contains(fault.words()), "{case}: {}", a.reason);
        let guard = a.guard.as_ref().unwrap();
        assert_eq!(guard.employee_id, None, "{case}");
        assert_eq!(
            guard.claimed.as_ref().map(|id| id.as_str()),
            claimed,
            "{case}"
        );
        assert_eq!(p.needs_attention().count(), 0, "{case}: {:#?}", p.skipped);
    }
    // Already without access (suspended by hand): the index's note only, as before.
    let mut cfg = std_config();
    cfg.lifecycle.unmanaged_users = UnmanagedUsers::Report;
    let mut gone = alan("alan@example.com", forged);
    gone.role = Role::ReadOnlyLimitedUser;
    let p = plan_of(
        &Account::new(vec![ann_user(), gone]),
        &roster(vec![ann()]),
        &cfg,
    );
    assert!(
        p.skipped.is_empty() && p.actions.is_empty(),
        "{:#?}",
        p.skipped
    );
}

/// The plan of `r` against `acct` under `cfg` on 2026-11-30 with the key, and with
/// `--finish-marker-migration` when `finish`.
fn plan_finishing(acct: &Account, r: &Roster, cfg: &Config, finish: bool) -> Plan {
    let mut policy = Policy::from_config(cfg);
    policy.finish_marker_migration = finish;
    plan_with(acct, r, &policy, &keys())
}

/// The plan of `r` against `acct` under `policy` on 2026-11-30 with the keys `k`.
fn plan_with(acct: &Account, r: &Roster, policy: &Policy, k: &MarkerKeys) -> Plan {
    let teams = teams();
    plan(Inputs {
        roster: r,
        users: &acct.users,
        teams: &teams,
        members: &acct.members,
        policy,
        oncall: &acct.oncall_facts(),
        today: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        run_day: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        archive: &crate::archive::Archive::default(),
        unkeyed: crate::plan::Unkeyed::NotSet,
        key_owner: None,
        licenses: &[],
        license_holders: None,
        marker_keys: Some(k),
    })
    .unwrap()
}

/// Whether `p` leaves PCARL alone as an adoption that would raise its access (or of a user
/// under another name than the hire's), with no action on it.
fn carl_guarded(p: &Plan) -> bool {
    actions_on(p, "PCARL").is_empty()
        && p.needs_attention().any(|s| {
            s.pagerduty_user_id.as_ref().map(|id| id.as_str()) == Some("PCARL")
                && matches!(
                    s.reason,
                    SkipCause::UnconfirmedAdoption { .. } | SkipCause::AdoptionOfAnotherName { .. }
                )
        })
}

/// Review r10g #2: `--finish-marker-migration` trusts and signs unsigned markers the email
/// confirms, as the first run with the key does, but never lets one raise its user's
/// access in a signed account: Carl, who set his own email to the new hire's and wrote an
/// unsigned marker naming her, is left alone with the flag as without it.
#[test]
fn the_finish_flag_never_lets_an_unsigned_claim_with_the_hires_email_raise_access() {
    let cfg = std_config();
    let r = roster(vec![ann(), radia()]);
    let carl = user(
        "PCARL",
        "radia@example.com",
        "Carl Taker",
        Role::LimitedUser,
        "Rep",
        marked("1012"),
    );
    let acct = Account::new(vec![ann_user(), carl]);
    for finish in [false, true] {
        let p = plan_finishing(&acct, &r, &cfg, finish);
        assert!(
            carl_guarded(&p),
            "finish {finish}: {:#?} {:#?}",
            p.actions,
            p.skipped
        );
        assert!(p.adoption_guarded);
    }
}

/// Review r10g #3: with a new key (`--allow-new-marker-key`, the old one lost) no marker
/// verifies, but the account's markers are signed all the same: a user that only its email
/// ties to a new hire is not taken over when that raises its access, and the plan tells the
/// executor so. The markers of the users the HR rows confirm are still written again under
/// the new key.
#[test]
fn a_new_marker_key_keeps_the_guard_on_adoptions_by_email() {
    let cfg = std_config();
    let r = roster(vec![ann(), radia()]);
    let carl = user(
        "PCARL",
        "radia@example.com",
        "Carl Taker",
        Role::LimitedUser,
        "Rep",
        None,
    );
    let acct = Account::new(vec![ann_user(), carl]);
    let new_key = MarkerKeys::new(
        MarkerKey::new("K", "fedcba9876543210fedcba9876543210-new").unwrap(),
        None,
    );
    let mut policy = Policy::from_config(&cfg);
    policy.allow_new_marker_key = true;
    // (Without `--allow-adoption-by-email` every user, its marker unverified, would need a
    // person: the raise guard under it is checked here.)
    policy.allow_adoption_by_email = true;
    let p = plan_with(&acct, &r, &policy, &new_key);
    assert!(carl_guarded(&p), "{:#?} {:#?}", p.actions, p.skipped);
    assert!(p.adoption_guarded);
    let [a] = actions_on(&p, "PANN")[..] else {
        panic!("{:#?}", p.actions)
    };
    assert!(!a.changes_role(), "{}", a.reason);
    // An account with no signed marker, the first run with a key: adopted as before.
    let unsigned = Account::new(vec![
        user(
            "PANN",
            "ann@example.com",
            "Ann Lee",
            Role::LimitedUser,
            "Rep",
            marked("1001"),
        ),
        acct.users[1].clone(),
    ]);
    let p = plan_with(&unsigned, &r, &policy, &new_key);
    assert!(!p.adoption_guarded);
    let [a] = actions_on(&p, "PCARL")[..] else {
        panic!("{:#?} {:#?}", p.actions, p.skipped)
    };
    assert!(a.reason.starts_with("adopt:"), "{}", a.reason);
}

/// r10f #3: a first apply with the key that stopped part-way leaves unsigned markers
/// beside signed ones; on rows whose termination date is older than the catch-up days (an
/// active status deciding), each is a skip that needs a person, every night. Many at once
/// say so in the count line; `--finish-marker-migration` signs them as the first run would
/// have, and the next run has nothing to do and nothing to settle. A user without a marker
/// that only its email ties to a new hire is still guarded.
#[test]
fn an_interrupted_migration_is_finished_by_one_run_with_the_flag() {
    let cfg = super::super::fixture::dated_config("report", "");
    let stale = NaiveDate::from_ymd_opt(2026, 1, 15);
    let mut rows = vec![ann()];
    let mut users = vec![ann_user()];
    for i in 0..6 {
        let id = format!("20{i:02}");
        let email = format!("p{i}@example.com");
        rows.push(Employee {
            termination_date: stale,
            ..emp(&id, &email, "Pat Old", Lifecycle::Active, "Sales", "Rep")
        });
        // Written before the key: the stopped apply never signed it.
        users.push(user(
            &format!("PU{i:02}"),
            &email,
            "Pat Old",
            Role::LimitedUser,
            "Rep",
            marked(&id),
        ));
    }
    rows.push(radia());
    users.push(user(
        "PCARL",
        "radia@example.com",
        "Carl Taker",
        Role::LimitedUser,
        "Rep",
        None,
    ));
    let r = roster(rows);
    let mut acct = Account::new(users);
    // Night after night without the flag: the same skips, nothing written for them.
    let p = plan_finishing(&acct, &r, &cfg, false);
    let stuck = p
        .needs_attention()
        .filter(|s| matches!(s.reason, SkipCause::PastTerminationUnverified { .. }))
        .count();
    assert_eq!(stuck, 6, "{:#?}", p.skipped);
    assert_eq!(p.unfinished_migration(), Some(6));
    assert!(
        p.attention_consequence()
            .contains("run apply once with --finish-marker-migration"),
        "{}",
        p.attention_consequence()
    );
    let words = p
        .skipped
        .iter()
        .find(|s| matches!(s.reason, SkipCause::PastTerminationUnverified { .. }))
        .unwrap()
        .reason
        .to_string();
    assert!(words.contains("--finish-marker-migration"), "{words}");
    // The flag's run: each unsigned marker is signed, outside the caps, as the first keyed
    // run does; the hire's address taken by Carl stays a skip.
    let p = plan_finishing(&acct, &r, &cfg, true);
    let signs = p
        .actions
        .iter()
        .filter(|a| a.reason.starts_with("sign marker"))
        .count();
    assert_eq!(signs, 6, "{:#?}", p.actions);
    assert_eq!(p.actions.len(), 6, "{:#?}", p.actions);
    assert!(p.actions.iter().all(|a| !a.changes_role()));
    let attention: Vec<&SkipCause> = p.needs_attention().map(|s| &s.reason).collect();
    assert!(
        matches!(attention[..], [SkipCause::AdoptionOfAnotherName { .. }]),
        "{attention:#?}"
    );
    acct.apply(&p, None);
    // The next night, without the flag: the date conflicts are listed as before the key,
    // no stuck skip is left.
    let p = plan_finishing(&acct, &r, &cfg, false);
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    assert_eq!(p.conflicts.len(), 6);
    assert_eq!(p.needs_attention().count(), 1, "{:#?}", p.skipped);
    assert_eq!(p.unfinished_migration(), None);
}

/// Review r10h #1: in a signed account, Carl, an unmanaged contractor under his own name,
/// sets his email to the new hire's while her rules raise nothing (his role, no team).
/// Adopted, he would be renamed and signed as the hire, and given all HR gives her on the
/// next nights. Whatever tonight raises, a user whose name is not the row's (by the name
/// rule of probable duplicates) is a skip that needs a person naming it, its name and
/// email; the same user under the hire's name (case, diacritics and spacing aside) is
/// adopted as before; and an account not signed yet adopts either as before.
#[test]
fn an_adoption_by_email_of_a_user_under_another_name_needs_a_person_once_markers_are_signed() {
    let cfg = std_config();
    // Rules give Pat, a sales rep, limited_user and no team: no raise for Carl.
    let pat = emp(
        "1013",
        "pat@example.com",
        "Pat Newhire",
        Lifecycle::Active,
        "Sales",
        "Rep",
    );
    let r = roster(vec![ann(), pat]);
    let carl = |name: &str| {
        user(
            "PCARL",
            "pat@example.com",
            name,
            Role::LimitedUser,
            "Consultant",
            None,
        )
    };
    let acct = Account::new(vec![ann_user(), carl("Carl Contractor")]);
    let p = plan_of(&acct, &r, &cfg);
    assert!(actions_on(&p, "PCARL").is_empty(), "{:#?}", p.actions);
    assert_eq!(p.count(ActionKind::Create), 0);
    let skip = skip_of(&p, "1013");
    assert!(skip.reason.needs_attention());
    assert_eq!(
        skip.reason,
        SkipCause::AdoptionOfAnotherName {
            user: "PCARL".into(),
            user_name: "Carl Contractor".into(),
            user_email: crate::email::Email::normalise("pat@example.com"),
            row_name: "Pat Newhire".into(),
            raise: None,
        }
    );
    let words = skip.reason.to_string();
    assert!(
        words.contains("PCARL (named \"Carl Contractor\", email pat@example.com)"),
        "{words}"
    );
    // A first name in common is not the same person either.
    let p = plan_of(
        &Account::new(vec![ann_user(), carl("Pat Contractor")]),
        &r,
        &cfg,
    );
    assert!(actions_on(&p, "PCARL").is_empty(), "{:#?}", p.actions);
    // The hire's name, whatever its case, diacritics and spacing: adopted, nothing to settle.
    for name in ["Pat Newhire", "  pat   NEWHÏRE "] {
        let p = plan_of(&Account::new(vec![ann_user(), carl(name)]), &r, &cfg);
        let [a] = actions_on(&p, "PCARL")[..] else {
            panic!("{name}: {:#?} {:#?}", p.actions, p.skipped)
        };
        assert!(a.reason.starts_with("adopt:"), "{}", a.reason);
        assert_eq!(p.needs_attention().count(), 0, "{:#?}", p.skipped);
    }
    // The first run with the key (no marker verifies yet): adopted as before.
    let unsigned = Account::new(vec![
        user(
            "PANN",
            "ann@example.com",
            "Ann Lee",
            Role::LimitedUser,
            "Rep",
            marked("1001"),
        ),
        carl("Carl Contractor"),
    ]);
    let p = plan_of(&unsigned, &r, &cfg);
    let [a] = actions_on(&p, "PCARL")[..] else {
        panic!("{:#?} {:#?}", p.actions, p.skipped)
    };
    assert!(a.reason.starts_with("adopt:"), "{}", a.reason);
}

/// r10i a: a user who sets their own email and their own name to a new hire's passes the
/// name rule, and the hire's rules raise nothing tonight: in a signed account that is
/// still a skip that needs a person, nothing written, unless `--allow-adoption-by-email`;
/// an account not signed yet adopts it as before.
#[test]
fn an_adoption_by_email_under_the_rows_name_needs_a_person_once_markers_are_signed() {
    let cfg = std_config();
    let pat = emp(
        "1013",
        "pat@example.com",
        "Pat Newhire",
        Lifecycle::Active,
        "Sales",
        "Rep",
    );
    let r = roster(vec![ann(), pat]);
    let carl = || {
        user(
            "PCARL",
            "pat@example.com",
            "Pat Newhire",
            Role::LimitedUser,
            "Consultant",
            None,
        )
    };
    let acct = Account::new(vec![ann_user(), carl()]);
    let p = super::signing::plan_strict(&acct, &r, &cfg, Some(&keys()));
    assert!(actions_on(&p, "PCARL").is_empty(), "{:#?}", p.actions);
    assert_eq!(p.count(ActionKind::Create), 0);
    let skip = skip_of(&p, "1013");
    assert!(skip.reason.needs_attention());
    assert_eq!(
        skip.reason,
        SkipCause::AdoptionByEmail {
            user: "PCARL".into(),
            user_email: crate::email::Email::normalise("pat@example.com"),
            raise: None,
        }
    );
    let words = skip.reason.to_string();
    assert!(
        words.contains("nothing but its email and its name, which the user can set themselves")
            && words.contains("--allow-adoption-by-email"),
        "{words}"
    );
    assert!(!p.adoption_by_email_allowed);
    // With the switch: the name rule and the raise guard alone, adopted.
    let p = plan_of(&acct, &r, &cfg);
    assert!(p.adoption_by_email_allowed);
    let [a] = actions_on(&p, "PCARL")[..] else {
        panic!("{:#?} {:#?}", p.actions, p.skipped)
    };
    assert!(a.reason.starts_with("adopt:"), "{}", a.reason);
    // The first run with the key (no marker verifies yet): adopted without the switch.
    let unsigned = Account::new(vec![
        user(
            "PANN",
            "ann@example.com",
            "Ann Lee",
            Role::LimitedUser,
            "Rep",
            marked("1001"),
        ),
        carl(),
    ]);
    let p = super::signing::plan_strict(&unsigned, &r, &cfg, Some(&keys()));
    let [a] = actions_on(&p, "PCARL")[..] else {
        panic!("{:#?} {:#?}", p.actions, p.skipped)
    };
    assert!(a.reason.starts_with("adopt:"), "{}", a.reason);
}
