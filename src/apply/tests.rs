use super::*;
use crate::ids::EmployeeId;
use crate::marker::{self, MarkerState};
use crate::pagerduty::models::{NewUser, User};
use crate::plan::Guard;
use crate::plan::ownership::Untouchable;

fn user(email: &str, role: &str, description: Option<&str>) -> User {
    serde_json::from_value(serde_json::json!({
        "id": "PU", "name": "U", "email": email, "role": role, "description": description,
    }))
    .unwrap()
}

#[test]
fn a_found_user_is_adopted_only_without_a_marker_or_with_this_employees() {
    let protected: BTreeSet<Email> = [Email::normalise("vip@example.com")].into();
    let marked = |id: &str| format!("hr2pagerduty:v1 {{\"employee_id\":\"{id}\"}}");
    let me = EmployeeId::new("1");
    let cases = [
        (user("a@example.com", "user", None), None),
        (user("a@example.com", "user", Some("A bio")), None),
        (user("a@example.com", "user", Some(&marked("1"))), None),
        (
            user("a@example.com", "user", Some(&marked("2"))),
            Some(NotAdoptable::OtherEmployee("2".into())),
        ),
        (
            user("a@example.com", "user", Some("hr2pagerduty:v1 {broken")),
            Some(NotAdoptable::UnreadableMarker),
        ),
        (
            user("a@example.com", "owner", Some(&marked("1"))),
            Some(NotAdoptable::Untouchable(Untouchable::Owner)),
        ),
        (
            user("VIP@example.com", "user", None),
            Some(NotAdoptable::Untouchable(Untouchable::Protected)),
        ),
    ];
    for (u, want) in cases {
        assert_eq!(
            adoption_refused(&u, Some(&me), &protected, None),
            want,
            "{u:?}"
        );
    }
}

#[test]
fn an_adopted_user_gets_the_creates_fields_and_its_signed_marker_after_its_own_text() {
    let keys = marker::MarkerKeys::new(
        marker::MarkerKey::new("PAGERDUTY_MARKER_KEY", &"k".repeat(32)).unwrap(),
        None,
    );
    // The create's marker records its run's day, which the adopted user keeps.
    let m = marker::Marker {
        employee_id: Some(EmployeeId::new("1")),
        suspended: None,
        pending_termination: None,
        created: chrono::NaiveDate::from_ymd_opt(2026, 11, 30),
    };
    let n = NewUser {
        kind: "user".into(),
        name: "Ada Lovelace".into(),
        email: "ada@example.com".into(),
        role: Some(crate::vocab::Role::User),
        time_zone: Some("Europe/London".into()),
        job_title: None,
        description: Some(marker::render_with("", &m, Some(&keys), "ada@example.com")),
        color: None,
        license: None,
    };
    let found = user("ada@example.com", "limited_user", Some("Made by hand"));
    let upd = adoption_update(&found, &n);
    assert_eq!(upd.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(upd.role, Some(crate::vocab::Role::User));
    assert_eq!(upd.email, None);
    let description = upd.description.expect("the marker is written");
    let parsed = marker::parse(Some(&description));
    assert_eq!(parsed.human, "Made by hand");
    assert_eq!(parsed.marker, MarkerState::Valid(m.clone()));
    // Signed as the create would have written it, so the next run trusts it as is.
    assert_eq!(
        keys.check(&m, parsed.sig.as_deref(), &found.email),
        marker::Verdict::Current,
        "{description}"
    );
    // A user already in the create's state is left as it is.
    let mut same = found.clone();
    same.name = n.name.clone();
    same.role = crate::vocab::Role::User;
    same.time_zone = n.time_zone.clone();
    same.description = Some(description.clone());
    assert!(
        adoption_update(&same, &n).is_empty(),
        "{:?}",
        adoption_update(&same, &n)
    );
}

#[test]
fn an_action_waiting_for_an_email_runs_after_its_holders_action_in_one_group() {
    let action = |email: &str, user: Option<&str>, waits: Option<&str>| Action {
        user_id: user.map(UserId::new),
        waits_for: waits.map(UserId::new),
        ..Action::new(
            crate::plan::ActionKind::Update,
            Email::normalise(email),
            "N".into(),
        )
    };
    let plan = Plan {
        actions: vec![
            action("a@example.com", Some("PB"), Some("PA")),
            action("b@example.com", None, Some("PB")),
            action("free@example.com", Some("PA"), None),
            action("other@example.com", Some("PO"), None),
            action("x@example.com", None, Some("PGONE")),
        ],
        ..Plan::default()
    };
    let mut g = groups(&plan);
    g.sort();
    assert_eq!(g, vec![vec![2, 0, 1], vec![3], vec![4]]);
}

#[test]
fn a_rekey_runs_after_the_action_of_the_user_giving_its_id_up_in_one_group() {
    // A chain of shifted IDs: PA takes PB's ID, PB takes PC's; PC's action (a re-key or a
    // leaver's suspension) goes first, in one group with the two that wait for it.
    let action = |email: &str, user: &str, after: Option<&str>| Action {
        user_id: Some(UserId::new(user)),
        rekey_after: after.map(UserId::new),
        ..Action::new(
            crate::plan::ActionKind::Update,
            Email::normalise(email),
            "N".into(),
        )
    };
    let plan = Plan {
        actions: vec![
            action("a@example.com", "PA", Some("PB")),
            action("b@example.com", "PB", Some("PC")),
            action("c@example.com", "PC", None),
            action("other@example.com", "PO", None),
        ],
        ..Plan::default()
    };
    let mut g = groups(&plan);
    g.sort();
    assert_eq!(g, vec![vec![2, 1, 0], vec![3]]);
}

fn guard(employee_id: Option<&str>, email: &str) -> Guard {
    Guard {
        employee_id: employee_id.map(EmployeeId::new),
        email: Email::normalise(email),
        claimed: None,
    }
}

#[test]
fn recheck_finds_each_mismatch() {
    let protected: BTreeSet<Email> = [Email::normalise("vip@example.com")].into();
    let marked = |id: &str| format!("Bio\nhr2pagerduty:v1 {{\"employee_id\":\"{id}\"}}");
    let by_marker = guard(Some("1"), "a@example.com");
    let by_email = guard(None, "a@example.com");
    let cases: Vec<(User, &Guard, Option<Mismatch>)> = vec![
        (
            user("a@example.com", "user", Some(&marked("1"))),
            &by_marker,
            None,
        ),
        (
            user("new@example.com", "user", Some(&marked("1"))),
            &by_marker,
            None,
        ),
        (user("A@example.com", "user", None), &by_email, None),
        (
            user("a@example.com", "owner", Some(&marked("1"))),
            &by_marker,
            Some(Mismatch::Untouchable(Untouchable::Owner)),
        ),
        (
            user("VIP@example.com", "user", Some(&marked("1"))),
            &by_marker,
            Some(Mismatch::Untouchable(Untouchable::Protected)),
        ),
        (
            user("a@example.com", "user", Some(&marked("2"))),
            &by_marker,
            Some(Mismatch::MarkerNamesAnother {
                found: "2".into(),
                expected: "1".into(),
            }),
        ),
        (
            user("a@example.com", "user", Some(&marked("2"))),
            &by_email,
            Some(Mismatch::MarkerAdded { found: "2".into() }),
        ),
        (
            user("a@example.com", "user", Some("hr2pagerduty:v1 {broken")),
            &by_marker,
            Some(Mismatch::MarkerReplaced {
                expected: "1".into(),
                fault: "unreadable",
                claimed: None,
            }),
        ),
        (
            user("a@example.com", "user", Some("Bio only")),
            &by_marker,
            Some(Mismatch::MarkerGone {
                expected: "1".into(),
            }),
        ),
        (
            user("b@example.com", "user", None),
            &by_email,
            Some(Mismatch::EmailChanged {
                now: Email::normalise("b@example.com"),
            }),
        ),
    ];
    for (u, g, want) in cases {
        assert_eq!(
            recheck(&u, g, None, None, &protected, None),
            want,
            "{u:?} against {g:?}"
        );
    }
}

/// r10f #2: an unmanaged user offboarded although its unused marker claims someone (two
/// marker lines) is re-checked against the claim the plan saw: the same claim passes, a
/// claim made since does not.
#[test]
fn recheck_takes_the_claim_the_plan_acted_on_for_no_marker_added() {
    let protected = BTreeSet::new();
    let two_lines =
        "hr2pagerduty:v1 {\"employee_id\":\"1001\"}\nhr2pagerduty:v1 {\"employee_id\":\"1003\"}";
    let u = user("a@example.com", "user", Some(two_lines));
    let seen = Guard {
        claimed: Some(EmployeeId::new("1001")),
        ..guard(None, "a@example.com")
    };
    assert_eq!(recheck(&u, &seen, None, None, &protected, None), None);
    assert_eq!(
        recheck(
            &u,
            &guard(None, "a@example.com"),
            None,
            None,
            &protected,
            None
        ),
        Some(Mismatch::MarkerAdded {
            found: "1001".into()
        })
    );
    let other = Guard {
        claimed: Some(EmployeeId::new("1002")),
        ..guard(None, "a@example.com")
    };
    assert_eq!(
        recheck(&u, &other, None, None, &protected, None),
        Some(Mismatch::MarkerAdded {
            found: "1001".into()
        })
    );
}

#[test]
fn recheck_knows_the_key_owner_and_offboarding_records() {
    let protected = BTreeSet::new();
    let by_email = guard(None, "a@example.com");
    let record =
        "hr2pagerduty:v1 {\"suspended\":{\"on\":\"2026-01-01\",\"role\":\"user\",\"teams\":[]}}";
    // An offboarded unmanaged user's record names no employee: still matched by email.
    let u = user("a@example.com", "user", Some(record));
    assert_eq!(recheck(&u, &by_email, None, None, &protected, None), None);
    assert_eq!(
        recheck(
            &user("b@example.com", "user", Some(record)),
            &by_email,
            None,
            None,
            &protected,
            None
        ),
        Some(Mismatch::EmailChanged {
            now: Email::normalise("b@example.com")
        })
    );
    // The user now owns the key this run uses ("PU" in `user`).
    assert_eq!(
        recheck(
            &u,
            &by_email,
            None,
            None,
            &protected,
            Some(&UserId::new("PU"))
        ),
        Some(Mismatch::Untouchable(Untouchable::KeyOwner))
    );
    assert_eq!(
        recheck(
            &u,
            &by_email,
            None,
            None,
            &protected,
            Some(&UserId::new("POTHER1"))
        ),
        None
    );
}

#[test]
fn recheck_reads_markers_with_the_keys_as_the_planner_does() {
    use crate::marker::{Marker, MarkerKey, render_line_with};
    let keys = MarkerKeys::new(
        MarkerKey::new("K", "recheck-test-marker-key-0123456789abcdef").unwrap(),
        None,
    );
    let protected = BTreeSet::new();
    let by_email = guard(None, "a@example.com");
    let me = EmployeeId::new("1003");
    let signed = |id: &str| {
        render_line_with(
            &Marker {
                employee_id: Some(EmployeeId::new(id)),
                suspended: None,
                pending_termination: None,
                created: None,
            },
            Some(&keys),
            "a@example.com",
        )
    };
    // A leaver edits their own signed marker, keeping its old `sig`: the plan ignored that
    // marker and matched the user by email, so the re-check does too.
    let forged = signed("1003").replace(
        r#""employee_id":"1003""#,
        r#""employee_id":"1003","suspended":{"on":"2026-01-01","role":"admin","teams":[]}"#,
    );
    let u = user("a@example.com", "user", Some(&forged));
    assert_eq!(
        recheck(&u, &by_email, Some(&me), Some(&keys), &protected, None),
        None
    );
    // Without the keys the same marker is read as the employee's (as a plan without them
    // reads it).
    assert_eq!(
        recheck(&u, &by_email, Some(&me), None, &protected, None),
        Some(Mismatch::MarkerAdded { found: me.clone() })
    );
    // A marker that does not verify counts as none, whoever it claims (a leaver forging a
    // claim to another employee is still deactivated), as the planner reads it.
    let other = signed("1003").replace("1003", "2000");
    let u = user("a@example.com", "user", Some(&other));
    assert_eq!(
        recheck(&u, &by_email, Some(&me), Some(&keys), &protected, None),
        None
    );
    // An unsigned one the plan did not trust, claiming another employee, leaves the user
    // alone, as the planner does.
    let unsigned = r#"hr2pagerduty:v1 {"employee_id":"2000"}"#;
    let u = user("a@example.com", "user", Some(unsigned));
    assert_eq!(
        recheck(&u, &by_email, Some(&me), Some(&keys), &protected, None),
        Some(Mismatch::MarkerAdded {
            found: "2000".into()
        })
    );
    // A genuine signed marker is the employee's.
    let u = user("a@example.com", "user", Some(&signed("1003")));
    assert_eq!(
        recheck(&u, &by_email, Some(&me), Some(&keys), &protected, None),
        Some(Mismatch::MarkerAdded { found: me.clone() })
    );
    assert_eq!(
        recheck(
            &u,
            &guard(Some("1003"), "a@example.com"),
            Some(&me),
            Some(&keys),
            &protected,
            None
        ),
        None
    );
    // r10g #7: matched by its signed marker at the plan, the leaver replaces it with a
    // forged claim to another employee before the deactivation: the re-check says the
    // marker was replaced and names the claim, not that it is gone.
    let claim =
        r#"hr2pagerduty:v1 {"employee_id":"1005","sig":"00112233445566778899aabbccddeeff"}"#;
    let u = user("a@example.com", "user", Some(claim));
    let m = recheck(
        &u,
        &guard(Some("1003"), "a@example.com"),
        Some(&me),
        Some(&keys),
        &protected,
        None,
    );
    assert_eq!(
        m,
        Some(Mismatch::MarkerReplaced {
            expected: me.clone(),
            fault: "signature invalid",
            claimed: Some("1005".into()),
        })
    );
    let m = m.unwrap();
    assert!(m.leaves_access());
    assert_eq!(
        m.to_string(),
        "the user's marker was replaced since the plan and no longer names employee 1003 (signature invalid; it seems to name employee 1005)"
    );
    assert!(!Mismatch::Gone.leaves_access());
}
