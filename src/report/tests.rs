use super::*;
use crate::email::Email;
use crate::hr::{ProblemKind, RowProblem};
use crate::plan::{Skip, Step, TeamsChange};

fn action(
    kind: ActionKind,
    email: &str,
    user: Option<&str>,
    changes: Vec<Change>,
    teams: Option<TeamsChange>,
) -> Action {
    Action {
        kind,
        employee_id: Some("1001".into()),
        email: Email::normalise(email),
        name: "Ada Lovelace".into(),
        user_id: user.map(str::to_string),
        reason: format!("because of {kind}"),
        changes,
        teams,
        steps: vec![Step::RemoveFromTeam {
            team_id: "PT1".into(),
            team: "Ops".into(),
        }],
        guard: None,
        line: Some(2),
    }
}

fn c(field: Field, old: Option<&str>, new: Option<&str>) -> Change {
    Change {
        field,
        old: old.map(str::to_string),
        new: new.map(str::to_string),
    }
}

fn sample() -> (Plan, Roster) {
    let plan = Plan {
        actions: vec![
            action(
                ActionKind::Create,
                "ada@example.com",
                None,
                vec![
                    c(Field::Name, None, Some("Ada Lovelace")),
                    c(Field::Role, None, Some("admin")),
                    c(
                        Field::Description,
                        None,
                        Some("hr2pagerduty:v1 {\"employee_id\":\"1001\"}"),
                    ),
                ],
                Some(TeamsChange {
                    old: vec![],
                    new: vec!["Ops:manager".into()],
                }),
            ),
            action(
                ActionKind::Update,
                "bo@example.com",
                Some("PBO"),
                vec![c(Field::JobTitle, Some("Rep"), Some("Senior Rep"))],
                None,
            ),
            action(
                ActionKind::Deactivate,
                "cy@example.com",
                Some("PCY"),
                vec![
                    c(Field::Role, Some("admin"), Some("read_only_limited_user")),
                    c(
                        Field::Description,
                        Some("Bio\nhr2pagerduty:v1 {\"employee_id\":\"1001\"}"),
                        Some(
                            "Bio\nhr2pagerduty:v1 {\"employee_id\":\"1001\",\"suspended\":{\"on\":\"2026-11-30\",\"role\":\"admin\",\"teams\":[{\"id\":\"PT1\",\"role\":\"manager\"}]}}",
                        ),
                    ),
                ],
                Some(TeamsChange {
                    old: vec!["Ops:manager".into()],
                    new: vec![],
                }),
            ),
            action(
                ActionKind::Reactivate,
                "di@example.com",
                Some("PDI"),
                vec![c(Field::Role, Some("read_only_limited_user"), Some("user"))],
                None,
            ),
        ],
        skipped: vec![Skip {
            employee_id: None,
            email: Some("owner@example.com".into()),
            pagerduty_user_id: Some("POWN".into()),
            line: None,
            reason: "account owner: never changed".into(),
        }],
        unchanged: 3,
        notes: vec![
            "user PX (x@example.com): ownership marker ignored: bad; matched by email only".into(),
        ],
        ..Plan::default()
    };
    let roster = Roster {
        rows_read: 8,
        problems: vec![RowProblem {
            line: 7,
            kind: ProblemKind::InvalidEmail,
            employee_id: Some("1011".into()),
            email: None,
            message: "email \"ken thompson@example.com\" in column ADEmail contains a space".into(),
        }],
        ..Roster::default()
    };
    (plan, roster)
}

#[test]
fn text_plan_reads_like_terraform() {
    let (plan, roster) = sample();
    insta::assert_snapshot!(render_plan(&plan, &roster));
}

#[test]
fn empty_plan_says_no_changes_and_has_no_summary_line() {
    let plan = Plan {
        unchanged: 4,
        ..Plan::default()
    };
    let text = render_plan(&plan, &Roster::default());
    assert!(text.starts_with("No changes."), "{text}");
    assert!(!text.contains("Plan:"));
}

#[test]
fn json_plan_has_the_documented_shape() {
    let (plan, roster) = sample();
    let v = plan_json(&plan, &roster);
    assert_eq!(
        v["summary"],
        serde_json::json!({"create":1,"update":1,"deactivate":1,"reactivate":1,"unchanged":3,"skipped":2})
    );
    let create = &v["actions"][0];
    assert_eq!(create["action"], "create");
    assert_eq!(create["pagerduty_user_id"], serde_json::Value::Null);
    assert_eq!(
        create["changes"]["name"],
        serde_json::json!([null, "Ada Lovelace"])
    );
    assert_eq!(
        create["changes"]["teams"],
        serde_json::json!([[], ["Ops:manager"]])
    );
    let deact = &v["actions"][2];
    assert_eq!(
        deact["changes"]["teams"],
        serde_json::json!([["Ops:manager"], []])
    );
    assert_eq!(v["skipped"][0]["hr_line"], 7);
    assert_eq!(v["skipped"][1]["pagerduty_user_id"], "POWN");
}

#[test]
fn apply_report_counts_outcomes() {
    let (plan, roster) = sample();
    let outcomes: Vec<Outcome> = plan
        .actions
        .iter()
        .zip([
            OutcomeStatus::Applied,
            OutcomeStatus::Failed,
            OutcomeStatus::Applied,
            OutcomeStatus::Skipped,
        ])
        .map(|(a, status)| Outcome {
            action: a.clone(),
            status,
            user_id: a.user_id.clone().or(Some("PNEW".into())),
            error: (status != OutcomeStatus::Applied).then(|| "boom".to_string()),
            attempts: 3,
            steps_done: 0,
        })
        .collect();
    let v = apply_json(&outcomes, &plan, &roster, serde_json::json!({}));
    assert_eq!(
        v["summary"],
        serde_json::json!({"created":1,"updated":0,"deactivated":1,"reactivated":0,"failed":1,"skipped":3})
    );
    assert_eq!(v["actions"][0]["pagerduty_user_id"], "PNEW");
    assert_eq!(v["actions"][1]["outcome"], "failed");
    assert_eq!(v["actions"][1]["error"], "boom");
    assert_eq!(v["actions"][1]["attempts"], 3);
    let text = render_apply(&outcomes, &plan, &roster);
    assert!(
        text.contains("Error: update of bo@example.com (PBO) failed after 3 attempts: boom"),
        "{text}"
    );
    assert!(text.ends_with("Apply finished with failures. 1 created, 0 updated, 1 deactivated, 0 reactivated, 1 failed, 3 skipped.\n"), "{text}");
}

#[test]
fn no_changes_with_people_skipped_does_not_claim_a_match() {
    let (mut plan, roster) = sample();
    plan.actions.clear();
    let text = render_plan(&plan, &roster);
    assert!(
        text.starts_with(
            "Note: user PX (x@example.com): ownership marker ignored: bad; matched by email only\n\n\
             No changes. 3 unchanged; 2 skipped (see below): PagerDuty does not match the HR export for them.\n"
        ),
        "{text}"
    );
    assert!(!text.contains("matches"), "{text}");
    assert!(text.contains("Skipped (2):"), "{text}");
    // Nothing skipped: the wording is unchanged.
    let plan = Plan {
        unchanged: 4,
        ..Plan::default()
    };
    assert_eq!(
        render_plan(&plan, &Roster::default()),
        "No changes. PagerDuty matches the HR export (4 unchanged).\n"
    );
}
