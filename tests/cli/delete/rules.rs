//! A rehire restored from the archive ends with the archive's notification rules and no
//! other: PagerDuty gives every created user a default rule (a high-urgency rule on the
//! default email method, which the simulator models from the `createUser` example), and
//! the restore deletes it unless the archive has that very rule. Also with an archive that
//! has no rule at all, with the exact requests README's action table lists, after a
//! contact method PagerDuty refused (not sent again), and after a crash at any write of the restore.

use super::*;
use hr2pagerduty::sim::FreezeStage;
use std::process::Stdio;

/// Nia (employee 1003, Sales: no team): the default email and an SMS method, and no
/// notification rule at all.
fn nia() -> Value {
    json!({"id": "PNIA001", "name": "Nia Norules", "email": "nia@example.com", "role": "limited_user",
           "description": marker_of_employee("1003"),
           "contact_methods": [
             {"id": "PCMNIA1", "type": "email_contact_method", "label": "Default", "address": "nia@example.com"},
             {"id": "PCMNIA2", "type": "sms_contact_method", "label": "Mobile", "address": "7700900777", "country_code": 44}],
           "notification_rules": []})
}

/// Dev (employee 1004, Ops): the default email and a phone method, and rules that differ
/// from PagerDuty's default one: the email at 3 minutes (high) and at once (low), the phone
/// at once (high).
fn dev() -> Value {
    json!({"id": "PDEV001", "name": "Dev Different", "email": "dev@example.com", "role": "limited_user",
           "description": marker_of_employee("1004"),
           "teams": [{"team": "Ops", "role": "responder"}],
           "contact_methods": [
             {"id": "PCMDEV1", "type": "email_contact_method", "label": "Default", "address": "dev@example.com"},
             {"id": "PCMDEV2", "type": "phone_contact_method", "label": "Desk", "address": "7700900888", "country_code": 44}],
           "notification_rules": [
             {"id": "PNRDEV1", "start_delay_in_minutes": 3, "urgency": "high",
              "contact_method": {"id": "PCMDEV1", "type": "email_contact_method_reference"}},
             {"id": "PNRDEV2", "start_delay_in_minutes": 0, "urgency": "low",
              "contact_method": {"id": "PCMDEV1", "type": "email_contact_method_reference"}},
             {"id": "PNRDEV3", "start_delay_in_minutes": 0, "urgency": "high",
              "contact_method": {"id": "PCMDEV2", "type": "phone_contact_method_reference"}}]})
}

const NIA_LEFT: &str = "1003,nia@example.com,Nia,Norules,Terminated,Sales";
const NIA_BACK: &str = "1003,nia@example.com,Nia,Norules,Active,Sales";
const DEV_LEFT: &str = "1004,dev@example.com,Dev,Different,Terminated,Ops";
const DEV_BACK: &str = "1004,dev@example.com,Dev,Different,Active,Ops";

/// Dev's archived rules as (address, urgency, delay), sorted.
fn dev_rules() -> Vec<(String, String, u32)> {
    vec![
        ("7700900888".into(), "high".into(), 0),
        ("dev@example.com".into(), "high".into(), 3),
        ("dev@example.com".into(), "low".into(), 0),
    ]
}

/// The user's rules as (address of their contact method, urgency, delay), sorted, and how
/// many contact methods the user has.
fn rules_of(case: &Case, email: &str) -> (Vec<(String, String, u32)>, usize) {
    let u = case.sim.user(email);
    let (methods, rules) = case.contacts(u.id.as_str());
    (rules_by_address(&methods, &rules), methods.len())
}

/// Users in the simulator with this email (0 or 1: emails are unique in PagerDuty).
fn users_with(case: &Case, email: &str) -> usize {
    case.sim
        .handle
        .users()
        .iter()
        .filter(|u| u.email == email)
        .count()
}

#[test]
fn a_restored_users_rules_are_the_archives_with_pagerdutys_default_rule_deleted() {
    let case = Case::new(
        DELETE_MODE,
        "",
        vec![ann(), nia(), dev()],
        json!({}),
        &[ANN_ROW, NIA_LEFT, DEV_LEFT],
    );
    case.run("apply", &[]).expect_code(0);
    let records = case.records();
    assert_eq!(records.len(), 2, "both archived");
    assert!(
        records
            .iter()
            .any(|r| r.pagerduty_user_id.as_str() == "PNIA001" && r.notification_rules.is_empty()),
        "Nia's record has no rule"
    );

    case.set_rows(&[ANN_ROW, NIA_BACK, DEV_BACK]);
    let report = case.dir.path().join("report.json");
    let before = case.sim.handle.requests().len();
    case.run("apply", &["--report", report.to_str().unwrap()])
        .expect_code(0);
    let sent: Vec<_> = case.sim.handle.requests()[before..].to_vec();

    // Nia: no rule at all, as archived (PagerDuty's default one deleted); the SMS method
    // back beside PagerDuty's default email method.
    let (rules, methods) = rules_of(&case, "nia@example.com");
    assert_eq!(rules, [], "no rule, as in the archive");
    assert_eq!(methods, 2);
    // Dev: exactly the three archived rules; the default email rule at once (high) is not
    // among them, so it went.
    let (rules, methods) = rules_of(&case, "dev@example.com");
    assert_eq!(rules, dev_rules());
    assert_eq!(methods, 2);
    assert_eq!(users_with(&case, "nia@example.com"), 1);
    assert_eq!(users_with(&case, "dev@example.com"), 1);

    // One DELETE of a notification rule per re-created user, on its own default rule.
    let deletes: Vec<&str> = sent
        .iter()
        .filter(|r| r.method == "DELETE" && r.path.contains("/notification_rules/"))
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(deletes.len(), 2, "{deletes:?}");
    for email in ["nia@example.com", "dev@example.com"] {
        let id = case.sim.user(email).id;
        assert_eq!(
            deletes
                .iter()
                .filter(|p| p.starts_with(&format!("/users/{id}/notification_rules/")))
                .count(),
            1,
            "{email}: {deletes:?}"
        );
    }
    // For each user the rule deletes come after the record's read and before the rule
    // creates (README's order).
    let dev_id = case.sim.user("dev@example.com").id;
    let dev_writes: Vec<String> = sent
        .iter()
        .filter(|r| r.path.starts_with(&format!("/users/{dev_id}")))
        .map(|r| {
            let shape = r
                .path
                .replace(dev_id.as_str(), "{id}")
                .split('/')
                .take(4)
                .collect::<Vec<_>>()
                .join("/");
            format!("{} {shape}", r.method)
        })
        .collect();
    assert_eq!(
        dev_writes,
        [
            "GET /users/{id}",
            "POST /users/{id}/contact_methods",
            "DELETE /users/{id}/notification_rules",
            "POST /users/{id}/notification_rules",
            "POST /users/{id}/notification_rules",
            "POST /users/{id}/notification_rules",
            "PUT /users/{id}",
        ]
    );

    // The report counts exactly README's requests: Nia POST /users, the record's GET, the
    // SMS method's POST, the default rule's DELETE, the marker's PUT; Dev the same plus
    // the Ops membership and three rule POSTs.
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let attempts = |email: &str| action_of(&r, email)["attempts"].clone();
    assert_eq!(attempts("nia@example.com"), 5, "{r:#}");
    assert_eq!(attempts("dev@example.com"), 9, "{r:#}");
    case.assert_no_changes();
}

#[test]
fn a_restore_whose_rules_already_match_sends_no_rule_delete() {
    // Lee's archive has PagerDuty's default rule itself (the login email at once, high):
    // the new user's default rule is the archived one, so no DELETE and no POST of it.
    let case = lee_leaving();
    case.run("apply", &[]).expect_code(0);
    case.set_rows(&[ANN_ROW, LEE_BACK]);
    let report = case.dir.path().join("report.json");
    let before = case.sim.handle.requests().len();
    case.run("apply", &["--report", report.to_str().unwrap()])
        .expect_code(0);
    let sent = &case.sim.handle.requests()[before..];
    assert!(
        !sent
            .iter()
            .any(|r| r.method == "DELETE" && r.path.contains("/notification_rules")),
        "{sent:?}"
    );
    let rule_posts = sent
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/notification_rules"))
        .count();
    assert_eq!(rule_posts, 3, "the three rules PagerDuty did not make");
    // POST /users, two memberships, the record's GET, two contact methods, three rules,
    // the marker's PUT.
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["actions"][0]["attempts"], 10, "{r:#}");
    let (rules, _) = rules_of(&case, "lee@example.com");
    assert_eq!(rules.len(), 4);
}

#[test]
fn a_refused_contact_method_keeps_the_default_rule_and_is_not_sent_again() {
    let case = Case::new(
        DELETE_MODE,
        "",
        vec![ann(), dev()],
        json!({}),
        &[ANN_ROW, DEV_LEFT],
    );
    case.run("apply", &[]).expect_code(0);
    case.set_rows(&[ANN_ROW, DEV_BACK]);
    // The phone method is refused (400, an address PagerDuty will not take): no rule is
    // deleted, so Dev keeps PagerDuty's default rule beside the two archived email rules
    // that could be made.
    case.sim.handle.inject(Fault::new(
        "POST",
        "/users/*/contact_methods",
        FaultKind::status(400),
    ));
    let before = case.sim.handle.requests().len();
    case.run("apply", &[]).expect_code(1);
    assert!(
        !case.sim.handle.requests()[before..]
            .iter()
            .any(|r| r.method == "DELETE"),
        "no rule deleted"
    );
    let after_refusal = rules_of(&case, "dev@example.com");
    assert_eq!(
        after_refusal,
        (
            vec![
                ("dev@example.com".into(), "high".into(), 0),
                ("dev@example.com".into(), "high".into(), 3),
                ("dev@example.com".into(), "low".into(), 0),
            ],
            1
        )
    );
    // The next run does not send the refused method again: it finishes the restore
    // without it, the default rule kept in place of the phone's rule.
    let before = case.sim.handle.requests().len();
    case.run("apply", &[]).expect_code(0);
    assert!(
        !case.sim.handle.requests()[before..]
            .iter()
            .any(|r| r.method == "POST" && r.path.ends_with("/contact_methods")),
        "not sent again"
    );
    assert_eq!(users_with(&case, "dev@example.com"), 1);
    assert_eq!(rules_of(&case, "dev@example.com"), after_refusal);
    case.assert_no_changes();
}

/// Starts `apply` for `case` and kills it with SIGKILL once the simulator holds its write
/// number `write` at `stage`. Returns false when the run ended before reaching that write.
fn kill_frozen(case: &Case, write: usize, stage: FreezeStage) -> bool {
    case.sim.handle.freeze_at_write(write, stage);
    let child = crate::support::e2e::binary()
        .arg("--no-progress")
        .args(inputs("apply", &case.config, &case.hr))
        .arg("--yes")
        .env("PAGERDUTY_API_URL", case.sim.url())
        .env("PAGERDUTY_API_KEY", KEY)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    case.sim.kill_when_frozen(child, write)
}

#[test]
fn a_restore_killed_at_any_write_ends_with_the_archives_rules_and_one_user() {
    // The archive is made once (Dev deleted); each trial starts an account without Dev,
    // with that archive, and kills the rehire's apply while one of its writes waits for
    // its answer, before and after PagerDuty applied it (a crash between any two steps:
    // after the POST, between the rule DELETE and the creates, before the marker's PUT).
    // A clean run must then finish with one user and exactly the archived rules.
    let made = Case::new(
        DELETE_MODE,
        "",
        vec![ann(), dev()],
        json!({}),
        &[ANN_ROW, DEV_LEFT],
    );
    made.run("apply", &[]).expect_code(0);
    let archive = std::fs::read_to_string(made.archive()).unwrap();
    let trial = || {
        let case = Case::new(
            DELETE_MODE,
            "",
            vec![ann()],
            json!({}),
            &[ANN_ROW, DEV_BACK],
        );
        std::fs::write(case.archive(), &archive).unwrap();
        case
    };
    let writes = {
        let case = trial();
        case.run("apply", &[]).expect_code(0);
        assert_eq!(rules_of(&case, "dev@example.com").0, dev_rules());
        case.sim.handle.write_count()
    };
    // POST /users, the Ops membership, the phone method, the default rule's DELETE, three
    // rule POSTs, the marker's PUT.
    assert_eq!(writes, 8);
    for write in 1..=writes {
        for stage in [FreezeStage::BeforeCommit, FreezeStage::AfterCommit] {
            let case = trial();
            assert!(
                kill_frozen(&case, write, stage),
                "write {write} ({stage:?}) was reached"
            );
            let clean = case.run("apply", &[]);
            clean.expect_code(0);
            let at = format!("killed at write {write} of {writes} ({stage:?})");
            assert_eq!(users_with(&case, "dev@example.com"), 1, "{at}");
            let (rules, methods) = rules_of(&case, "dev@example.com");
            assert_eq!(rules, dev_rules(), "{at}");
            assert_eq!(methods, 2, "{at}: no duplicate contact method");
            let u = case.sim.user("dev@example.com");
            assert_eq!(marker_of(u.description.as_deref()).suspended, None, "{at}");
            case.assert_no_changes();
        }
    }
}
