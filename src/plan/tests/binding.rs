//! Marker integrity once an account is signed (README.md § Marker integrity): an unsigned
//! suspension record is no longer signed as it is (the one-time migration is over), a tag
//! is bound to the email of the user carrying it (a copied marker takes nothing over),
//! tags made before the binding are trusted as unsigned ones are and signed again bound,
//! and a rehire whose record is not trusted is a reactivation that restores nothing.

use super::signing::{active, chess};
use super::*;
use crate::marker::{MarkerKey, MarkerKeys, sign};
use crate::plan::MarkerTrust;
use crate::plan::safety::{self, Overrides};
use crate::plan::skip::MarkerFault;

const KEY: &str = "0123456789abcdef0123456789abcdef-binding";

fn keys() -> MarkerKeys {
    MarkerKeys::new(MarkerKey::new("K", KEY).unwrap(), None)
}

/// The plan of `r` against `acct` under the standard configuration, with `keys`.
fn plan_keyed(acct: &Account, r: &Roster, keys: Option<&MarkerKeys>) -> Plan {
    super::signing::plan_keyed(acct, r, &std_config(), keys)
}

/// The suspension record of employee `eid`: admin on Chess Club (a team no rule names).
fn admin_record(eid: &str) -> Marker {
    suspension_record(
        eid,
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        Role::Admin,
        vec![chess()],
    )
}

/// `m` signed with `keys()` for the user with email `carrier` (bound).
fn bound(carrier: &str, m: &Marker) -> Option<String> {
    Some(marker::render_with("", m, Some(&keys()), carrier))
}

/// `m` signed with `keys()` by the construction before the binding: the HMAC of the
/// marker line alone ([`sign::canonical`]), as earlier versions wrote it.
fn unbound(m: &Marker) -> Option<String> {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(sign::canonical(m).as_bytes());
    let tag = hex::encode(&mac.finalize().into_bytes()[..sign::SIG_BYTES]);
    let line = marker::render_line(m);
    Some(format!(
        "{},\"sig\":\"{tag}\"}}",
        line.strip_suffix('}').unwrap()
    ))
}

fn person(id: &str, name: &str, status: Lifecycle) -> Employee {
    let first = name.split(' ').next().unwrap().to_lowercase();
    emp(
        id,
        &format!("{first}@example.com"),
        name,
        status,
        "Sales",
        "Rep",
    )
}

/// A user named as the HR rows of these tests name its email's owner.
fn pd_user(id: &str, email: &str, role: Role, description: Option<String>) -> User {
    let name = match email.split('@').next().unwrap() {
        "ann" => "Ann Lee",
        "bob" | "robert" => "Bob Day",
        "cy" => "Cy Ng",
        _ => "Some One",
    };
    user(id, email, name, role, "Rep", description)
}

/// Ann's user, signed (bound): the account shows that signing began.
fn ann_signed() -> User {
    pd_user(
        "PANN",
        "ann@example.com",
        Role::LimitedUser,
        bound("ann@example.com", &active("1001")),
    )
}

fn action_on<'p>(p: &'p Plan, user: &str) -> Option<&'p Action> {
    p.actions
        .iter()
        .find(|a| a.user_id.as_ref().map(|id| id.as_str()) == Some(user))
}

/// Every description the plan writes verifies (bound, current key) for the email its user
/// has once the request is done.
fn assert_all_bound(p: &Plan) {
    super::signing::assert_all_signed(p, &keys());
}

/// Finding 1 of the review: in an account whose markers are signed, a leaver strips `sig`
/// from their own suspension record and raises its role and teams. The run does not sign
/// it ("written before the key"), it rewrites the record from the user as it is, and a
/// later rehire restores only what the rules give.
#[test]
fn an_unsigned_suspension_record_is_not_signed_once_other_markers_verify() {
    let k = keys();
    let bob_gone = person("1002", "Bob Day", Lifecycle::Terminated);
    let r = roster(vec![person("1001", "Ann Lee", Lifecycle::Active), bob_gone]);
    let forged = Some(marker::render("", &admin_record("1002")));
    let bob = pd_user(
        "PBOB",
        "bob@example.com",
        Role::ReadOnlyLimitedUser,
        forged.clone(),
    );
    let acct = Account::new(vec![ann_signed(), bob.clone()]);
    let p = plan_keyed(&acct, &r, Some(&k));
    let a = action_on(&p, "PBOB").expect("the leaver is planned");
    assert!(!a.reason.starts_with("sign marker"), "{}", a.reason);
    assert_eq!(a.marker_signature, Some(MarkerTrust::UnsignedNotTrusted));
    assert!(
        p.notes.iter().any(|n| n.contains("PBOB")
            && n.contains("the one-time signing of unsigned markers is over")),
        "{:?}",
        p.notes
    );
    // What it writes is the user as it is, not the forged record, and signed.
    let written = a
        .steps
        .iter()
        .find_map(|s| match s {
            Step::UpdateUser(u) => u.description.clone(),
            _ => None,
        })
        .expect("the record is rewritten");
    let m = e2e_marker(&written);
    let s = m.suspended.expect("a suspension record");
    assert_eq!((s.role, s.teams.len()), (Role::ReadOnlyLimitedUser, 0));
    assert_all_bound(&p);
    // Before signing began (no marker verifies), the same record is the one-time
    // migration: trusted (the HR row has the user's email) and signed as it is.
    let fresh = Account::new(vec![
        pd_user(
            "PANN",
            "ann@example.com",
            Role::LimitedUser,
            Some(marker::render("", &active("1001"))),
        ),
        bob.clone(),
    ]);
    let p = plan_keyed(&fresh, &r, Some(&k));
    let a = action_on(&p, "PBOB").expect("signed");
    assert!(a.reason.starts_with("sign marker"), "{}", a.reason);
    // An unsigned marker without a suspension record is still signed once the account is
    // signed: the HR row's email is the evidence.
    let cy = person("1003", "Cy Ng", Lifecycle::Active);
    let r2 = roster(vec![person("1001", "Ann Lee", Lifecycle::Active), cy]);
    let acct2 = Account::new(vec![
        ann_signed(),
        pd_user(
            "PCY",
            "cy@example.com",
            Role::LimitedUser,
            Some(marker::render("", &active("1003"))),
        ),
    ]);
    let p = plan_keyed(&acct2, &r2, Some(&k));
    let a = action_on(&p, "PCY").expect("signed");
    assert!(a.reason.starts_with("sign marker"), "{}", a.reason);
    assert_all_bound(&p);

    // The rehire of that user (HR active again) would give its suspended user a working
    // role on the strength of its email alone (the record is not trusted): a skip that
    // needs a person (review r10-d #2).
    let back = roster(vec![
        person("1001", "Ann Lee", Lifecycle::Active),
        person("1002", "Bob Day", Lifecycle::Active),
    ]);
    let acct = Account::new(vec![ann_signed(), bob.clone()]);
    let p = plan_keyed(&acct, &back, Some(&k));
    assert!(action_on(&p, "PBOB").is_none(), "{:#?}", p.actions);
    assert!(
        p.needs_attention().any(|s| s.reason
            == SkipCause::UnconfirmedAdoption {
                from: Role::ReadOnlyLimitedUser,
                to: Role::LimitedUser,
                manager_on: vec![],
                joins: vec![],
            }),
        "{:#?}",
        p.skipped
    );
    // Finding 4, as r10g 16 reads it: once a person has given it its role back, the user is
    // not suspended (a working role), so it is no reactivation: an update, counted as one
    // (not by the reactivation caps), that drops the untrusted record, restores nothing of
    // it and says why.
    let mut confirmed = bob;
    confirmed.role = Role::LimitedUser;
    let acct = Account::new(vec![ann_signed(), confirmed]);
    let p = plan_keyed(&acct, &back, Some(&k));
    let a = action_on(&p, "PBOB").expect("the update is planned");
    assert_eq!(a.kind, ActionKind::Update, "{a:#?}");
    assert_eq!(p.count(ActionKind::Reactivate), 0);
    assert_eq!(p.count(ActionKind::Update), 1);
    assert!(
        a.reason.contains(
            "it records a suspension that is not trusted (unsigned and unconfirmed), and the user is not suspended (base role limited_user)"
        ),
        "{}",
        a.reason
    );
    assert!(
        !a.steps.iter().any(
            |s| matches!(s, Step::SetTeamRole { team_id, .. } if team_id.as_str() == "PTCHESS")
        ),
        "{:#?}",
        a.steps
    );
    let written = a
        .steps
        .iter()
        .find_map(|s| match s {
            Step::UpdateUser(u) => u.description.clone(),
            _ => None,
        })
        .expect("the marker is rewritten");
    assert_eq!(e2e_marker(&written).suspended, None, "{written}");
    // So `--allow-reactivations 0` does not refuse it.
    let capped = Overrides {
        allow_reactivations: Some(0),
        ..Overrides::default()
    };
    let refused = words(safety::check(&p, &SafetyCaps::default(), capped));
    assert!(
        !refused.iter().any(|r| r.contains("reactivation")),
        "{refused:?}"
    );
    assert_all_bound(&p);
}

fn e2e_marker(description: &str) -> Marker {
    match marker::parse(Some(description)).marker {
        MarkerState::Valid(m) => m,
        other => panic!("{description}: {other:?}"),
    }
}

/// Finding 2 of the review: a signed marker copied onto a contractor (no HR row) takes the
/// employee over once the genuine user is deleted. Bound to the email of the user that
/// carries it, the copy does not verify on the contractor: the rehire is a skip that needs
/// a person, neither a takeover nor a duplicate.
#[test]
fn a_signed_marker_copied_onto_another_user_takes_nothing_over() {
    let k = keys();
    let r = roster(vec![
        person("1001", "Ann Lee", Lifecycle::Active),
        person("1002", "Bob Day", Lifecycle::Active),
    ]);
    // Bob's genuine record, made while he was suspended, copied by Carl; Bob's user was
    // then deleted by hand.
    let copy = bound("bob@example.com", &admin_record("1002"));
    let carl = pd_user("PCARL", "carl@example.com", Role::LimitedUser, copy.clone());
    let acct = Account::new(vec![ann_signed(), carl]);
    let p = plan_keyed(&acct, &r, Some(&k));
    assert!(action_on(&p, "PCARL").is_none(), "{:#?}", p.actions);
    assert_eq!(p.count(ActionKind::Create), 0, "{:#?}", p.actions);
    let skip = p
        .skipped
        .iter()
        .find(|s| s.employee_id.as_ref().map(|id| id.as_str()) == Some("1002"))
        .expect("the employee is skipped");
    assert_eq!(
        skip.reason,
        SkipCause::ClaimedByUnreadableMarker {
            users: vec!["PCARL".into()],
            fault: MarkerFault::SignatureInvalid,
        }
    );
    assert!(skip.reason.needs_attention());
    // On Bob's own user the same marker verifies and is restored.
    let bob = pd_user("PBOB", "bob@example.com", Role::ReadOnlyLimitedUser, copy);
    let p = plan_keyed(&Account::new(vec![ann_signed(), bob]), &r, Some(&k));
    let a = action_on(&p, "PBOB").unwrap();
    assert_eq!(a.marker_signature, Some(MarkerTrust::Valid));
    assert!(
        a.reason.contains("restores what the suspension"),
        "{}",
        a.reason
    );
}

/// A bound marker on a user whose email an admin changed by hand no longer verifies: the
/// employee is not created again (the marker still claims it), it is a skip that needs a
/// person; when HR follows the new email, the user is matched by it and re-signed.
#[test]
fn a_bound_marker_on_a_user_whose_email_was_changed_by_hand_creates_no_duplicate() {
    let k = keys();
    let r = roster(vec![
        person("1001", "Ann Lee", Lifecycle::Active),
        person("1002", "Bob Day", Lifecycle::Active),
    ]);
    let bob = pd_user(
        "PBOB",
        "robert@example.com",
        Role::LimitedUser,
        bound("bob@example.com", &active("1002")),
    );
    let p = plan_keyed(&Account::new(vec![ann_signed(), bob.clone()]), &r, Some(&k));
    assert_eq!(p.count(ActionKind::Create), 0, "{:#?}", p.actions);
    assert!(action_on(&p, "PBOB").is_none(), "{:#?}", p.actions);
    assert!(
        p.skipped.iter().any(|s| s.reason
            == SkipCause::ClaimedByUnreadableMarker {
                users: vec!["PBOB".into()],
                fault: MarkerFault::SignatureInvalid,
            }
            && s.reason.needs_attention()),
        "{:#?}",
        p.skipped
    );
    // HR takes the new address: matched by email, the marker is written again, bound.
    let mut bob_row = person("1002", "Bob Day", Lifecycle::Active);
    bob_row.email = crate::email::Email::normalise("robert@example.com");
    let r = roster(vec![person("1001", "Ann Lee", Lifecycle::Active), bob_row]);
    let p = plan_keyed(&Account::new(vec![ann_signed(), bob]), &r, Some(&k));
    let a = action_on(&p, "PBOB").expect("repaired");
    assert!(
        a.reason
            .starts_with("ownership marker replaced: signature invalid (matched by email)"),
        "{}",
        a.reason
    );
    assert_all_bound(&p);
}

/// An email change hr2pagerduty makes re-signs the marker in the same `PUT`, so the next
/// run trusts it (no extra request, no failed check in between).
#[test]
fn an_email_change_re_signs_the_marker_in_the_same_put() {
    let k = keys();
    let mut ann = person("1001", "Ann Lee", Lifecycle::Active);
    ann.email = crate::email::Email::normalise("ann.lee@example.com");
    let r = roster(vec![ann]);
    let mut acct = Account::new(vec![ann_signed()]);
    let p = plan_keyed(&acct, &r, Some(&k));
    let a = action_on(&p, "PANN").unwrap();
    let puts: Vec<_> = a
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::UpdateUser(u) => Some(u),
            _ => None,
        })
        .collect();
    assert_eq!(puts.len(), 1, "{:#?}", a.steps);
    assert_eq!(puts[0].email.as_deref(), Some("ann.lee@example.com"));
    assert!(puts[0].description.is_some(), "{:#?}", puts[0]);
    assert_all_bound(&p);
    acct.apply(&p, None);
    assert!(plan_keyed(&acct, &r, Some(&k)).is_empty());
}

/// Tags made before the binding verify as "signed, not bound": trusted where the user's
/// email is the HR row's, and then signed again bound (a marker update, no role change);
/// elsewhere ignored, as an unconfirmed unsigned marker is.
#[test]
fn an_unbound_tag_is_trusted_only_where_the_email_is_the_hr_rows_and_is_signed_again() {
    let k = keys();
    let r = roster(vec![
        person("1001", "Ann Lee", Lifecycle::Active),
        person("1002", "Bob Day", Lifecycle::Active),
    ]);
    let mut acct = Account::new(vec![
        pd_user(
            "PANN",
            "ann@example.com",
            Role::LimitedUser,
            unbound(&active("1001")),
        ),
        // Bob's unbound marker, copied by Carl before the binding existed.
        pd_user(
            "PCARL",
            "carl@example.com",
            Role::LimitedUser,
            unbound(&active("1002")),
        ),
    ]);
    let p = plan_keyed(&acct, &r, Some(&k));
    let a = action_on(&p, "PANN").expect("signed again");
    assert_eq!(a.marker_signature, Some(MarkerTrust::Unbound));
    assert!(
        a.reason
            .starts_with("re-sign marker: its signature is not bound"),
        "{}",
        a.reason
    );
    assert_eq!(a.kind, ActionKind::Update);
    assert!(action_on(&p, "PCARL").is_none(), "{:#?}", p.actions);
    assert!(
        p.skipped.iter().any(|s| s.reason
            == SkipCause::ClaimedByUnreadableMarker {
                users: vec!["PCARL".into()],
                fault: MarkerFault::Unbound,
            }),
        "{:#?}",
        p.skipped
    );
    // An unbound tag verifies with a key: the account is not "none verifies".
    assert!(safety::check(&p, &SafetyCaps::default(), Overrides::default()).is_empty());
    assert_all_bound(&p);
    acct.apply(&p, None);
    let p = plan_keyed(&acct, &r, Some(&k));
    assert!(action_on(&p, "PANN").is_none(), "{:#?}", p.actions);
}

/// Finding 3 of the review: on an account never run with a key, one user writing a
/// made-up `sig` must not halt every run: the forged marker is ignored and reported,
/// nothing refuses. Above 5 such markers (and none verifying) the key is called wrong.
#[test]
fn a_few_forged_signatures_never_refuse_a_run() {
    let k = keys();
    let r = roster(vec![
        person("1001", "Ann Lee", Lifecycle::Active),
        person("1002", "Bob Day", Lifecycle::Active),
    ]);
    let forged =
        r#"hr2pagerduty:v1 {"employee_id":"4242","sig":"00000000000000000000000000000000"}"#;
    let acct = Account::new(vec![
        pd_user(
            "PANN",
            "ann@example.com",
            Role::LimitedUser,
            Some(marker::render("", &active("1001"))),
        ),
        pd_user(
            "PMAL",
            "mal@example.com",
            Role::LimitedUser,
            Some(forged.into()),
        ),
    ]);
    for keys in [Some(&k), None] {
        let p = plan_keyed(&acct, &r, keys);
        let refused = words(safety::check(
            &p,
            &SafetyCaps::default(),
            Overrides::default(),
        ));
        assert!(refused.is_empty(), "{refused:?}");
        assert!(p.notes.iter().any(|n| n.contains("PMAL")), "{:?}", p.notes);
    }
    let p = plan_keyed(&acct, &r, Some(&k));
    assert_eq!(
        p.marker_signatures.as_ref().map(|s| s.failing_words()),
        Some("PMAL (mal@example.com)".to_string())
    );
    // Six forged, none verifying: refused, naming the first users.
    let mut users = vec![acct.users[0].clone()];
    for i in 0..6 {
        users.push(pd_user(
            &format!("PMAL{i}"),
            &format!("mal{i}@example.com"),
            Role::LimitedUser,
            Some(forged.into()),
        ));
    }
    let p = plan_keyed(&Account::new(users), &r, Some(&k));
    let refused = words(safety::check(
        &p,
        &SafetyCaps::default(),
        Overrides::default(),
    ));
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].contains("among them PMAL0 (mal0@example.com), PMAL1 (mal1@example.com), PMAL2 (mal2@example.com)"),
        "{refused:?}"
    );
}

/// Review r10-d #3: a leaver writes a claim with a made-up `sig` to another employee, one
/// who has a verified user already. The marker fails the check, so it is treated as absent
/// and the leaver's own row, which has its email, decides the user: it is deactivated (its
/// marker replaced), not left for a person with its role and teams.
#[test]
fn a_leaver_forging_a_claim_to_another_employee_is_still_deactivated() {
    let k = keys();
    let r = roster(vec![
        person("1001", "Ann Lee", Lifecycle::Active),
        person("1002", "Bob Day", Lifecycle::Terminated),
    ]);
    let forged = Some(
        r#"hr2pagerduty:v1 {"employee_id":"1001","sig":"00000000000000000000000000000000"}"#
            .to_string(),
    );
    let bob = pd_user("PBOB", "bob@example.com", Role::Admin, forged);
    let p = plan_keyed(&Account::new(vec![ann_signed(), bob]), &r, Some(&k));
    let a = action_on(&p, "PBOB").unwrap_or_else(|| panic!("{:#?}", p.skipped));
    assert_eq!(a.kind, ActionKind::Deactivate);
    assert_eq!(a.marker_signature, Some(MarkerTrust::Invalid));
    assert_eq!(p.needs_attention().count(), 0, "{:#?}", p.skipped);
    assert!(action_on(&p, "PANN").is_none(), "{:#?}", p.actions);
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("PBOB") && n.contains("signature does not verify")),
        "{:#?}",
        p.notes
    );
    assert_all_bound(&p);
    // A valid marker of another employee on the leaver's user is still a conflict left
    // for a person (the copy and rehire rules read valid markers only).
    let copy = pd_user(
        "PBOB",
        "bob@example.com",
        Role::Admin,
        bound("bob@example.com", &active("1003")),
    );
    let p = plan_keyed(&Account::new(vec![ann_signed(), copy]), &r, Some(&k));
    assert!(action_on(&p, "PBOB").is_none(), "{:#?}", p.actions);
    assert!(
        p.skipped.iter().any(|s| matches!(
            &s.reason,
            SkipCause::EmailOfAnotherEmployee { marker_employee_id, .. }
                if marker_employee_id.as_str() == "1003"
        )),
        "{:#?}",
        p.skipped
    );
}

/// The safety refusals in words, as the commands show them.
fn words(trips: Vec<safety::SafetyTrip>) -> Vec<String> {
    trips.iter().map(ToString::to_string).collect()
}
