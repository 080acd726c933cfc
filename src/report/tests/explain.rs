//! Report tests of the explainable plan (the HR line and rules of each action), the
//! invitation counts, and the coloured text plan.

use super::*;
use crate::pagerduty::models::NewUser;
use crate::plan::{RoleSource, TeamSource};
use std::collections::BTreeMap;

/// The first step of a create: `POST /users`.
fn post(email: &str) -> Step {
    Step::CreateUser(NewUser {
        kind: "user".into(),
        name: "N".into(),
        email: email.into(),
        role: None,
        time_zone: None,
        job_title: None,
        description: None,
        color: None,
        license: None,
    })
}

/// [`sample`] with the create made an admin by rule #2 on a team of rule #1, creating its
/// user, and the reactivation's user without an HR row.
fn explained() -> (Plan, Roster) {
    let (mut plan, roster) = sample();
    let create = &mut plan.actions[0];
    create.line = Some(1042);
    create.role_rule = Some(RoleSource::Rule(2));
    create.team_rules = BTreeMap::from([
        ("IT Operations".to_string(), TeamSource::Rule(1)),
        ("Ops".to_string(), TeamSource::Rule(3)),
    ]);
    create.steps.insert(0, post("ada@example.com"));
    plan.actions[1].role_rule = Some(RoleSource::Default);
    plan.actions[3].line = None;
    (plan, roster)
}

/// A rehire's memberships name where each comes from: a rule, or the suspension record (a
/// team no rule names) or the deletion archive it was kept in.
#[test]
fn a_rehire_s_restored_teams_name_the_record_in_both_plans() {
    let (mut plan, roster) = sample();
    let update = &mut plan.actions[1];
    update.team_rules = BTreeMap::from([
        ("Chess Club".to_string(), TeamSource::SuspensionRecord),
        ("Go Club".to_string(), TeamSource::DeletionArchive),
        ("IT Operations".to_string(), TeamSource::Rule(1)),
    ]);
    assert_eq!(
        origin_line(&plan.actions[1]),
        "from HR line 2; teams: Chess Club by suspension record, Go Club by deletion archive, IT Operations by teams.rule #1"
    );
    assert!(
        render_plan(&plan, &roster).contains(
            "#   from HR line 2; teams: Chess Club by suspension record, Go Club by deletion archive, IT Operations by teams.rule #1\n"
        )
    );
    let v = plan_json(&plan, &roster);
    assert_eq!(
        v["actions"][1]["team_rules"],
        serde_json::json!({
            "Chess Club": "suspension record",
            "Go Club": "deletion archive",
            "IT Operations": "teams.rule #1"
        })
    );
}

#[test]
fn each_text_action_says_where_it_comes_from_in_one_comment_line() {
    let (plan, roster) = explained();
    let text = render_plan(&plan, &roster);
    assert!(
        text.contains(
            "  #   because of create\n  #   from HR line 1042; role by roles.rule #2; teams: IT Operations by teams.rule #1, Ops by teams.rule #3\n  + user \"Ada Lovelace\" {\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  #   because of update\n  #   from HR line 2; role by default\n"),
        "{text}"
    );
    // A deactivation names its row, not a rule; an action without a row says so.
    assert!(
        text.contains("  #   because of deactivate\n  #   from HR line 2\n"),
        "{text}"
    );
    assert!(
        text.contains("  #   because of reactivate\n  #   no HR row\n"),
        "{text}"
    );
    assert_eq!(origin_line(&plan.actions[2]), "from HR line 2");
}

#[test]
fn each_json_action_carries_its_hr_line_role_rule_and_team_rules() {
    let (plan, roster) = explained();
    let v = plan_json(&plan, &roster);
    let create = &v["actions"][0];
    assert_eq!(create["hr_line"], 1042);
    assert_eq!(create["role_rule"], "roles.rule #2");
    assert_eq!(
        create["team_rules"],
        serde_json::json!({"IT Operations": "teams.rule #1", "Ops": "teams.rule #3"})
    );
    assert_eq!(v["actions"][1]["role_rule"], "default");
    assert_eq!(v["actions"][1]["team_rules"], serde_json::json!({}));
    let none = &v["actions"][3];
    assert_eq!(
        (&none["hr_line"], &none["role_rule"], &none["team_rules"]),
        (
            &serde_json::Value::Null,
            &serde_json::Value::Null,
            &serde_json::json!({})
        )
    );
}

#[test]
fn the_plan_counts_the_invitation_emails_of_its_creates_in_text_and_json() {
    let (mut plan, roster) = explained();
    // A re-creation from the archive is a POST /users too.
    let mut restore = deletion_plan().actions.remove(1);
    restore.steps.insert(0, post("di@example.com"));
    plan.actions.push(restore);
    assert_eq!(plan.invitations(), 2);
    let v = plan_json(&plan, &roster);
    assert_eq!(v["summary"]["invitations"], 2);
    assert_eq!(
        summary_line(&plan),
        "Plan: 1 to create, 1 to update, 1 to deactivate, 2 to reactivate. PagerDuty will send 2 invitation emails (one per user created)."
    );
    // No create, no sentence; JSON still says 0.
    let (plain, roster) = sample();
    assert_eq!(plan_json(&plain, &roster)["summary"]["invitations"], 0);
    assert!(!summary_line(&plain).contains("invitation"));
    assert_eq!(
        invitations_sentence(1).as_deref(),
        Some("PagerDuty will send 1 invitation email (one per user created).")
    );
}

#[test]
fn the_apply_summary_counts_the_users_created_as_invitations_sent() {
    let (plan, roster) = explained();
    let mut second = plan.actions[0].clone();
    second.email = crate::email::Email::normalise("bea@example.com");
    let mut third = second.clone();
    third.email = crate::email::Email::normalise("cat@example.com");
    let outcome = |a: &Action, status, steps_done| Outcome {
        action: a.clone(),
        status,
        user_id: Some("PNEW".into()),
        cause: match status {
            OutcomeStatus::Failed => Some(Cause::Failed(vec![StepFailure {
                step: 2,
                steps: 2,
                error: StepError::Status {
                    status: 500,
                    text: "PUT /teams: HTTP 500".into(),
                },
                held_by: None,
            }])),
            OutcomeStatus::NotStarted => Some(Cause::NotStarted(Halt::MaxRuntime)),
            _ => None,
        },
        attempts: 1,
        steps_done,
        http_status: None,
        adopted: false,
    };
    let outcomes = vec![
        // Created and on its team.
        outcome(&plan.actions[0], OutcomeStatus::Applied, 2),
        // Created; the team step failed: PagerDuty sent the invitation all the same.
        outcome(&second, OutcomeStatus::Failed, 1),
        // Never started: nothing sent.
        outcome(&third, OutcomeStatus::NotStarted, 0),
        // An update sends none.
        outcome(&plan.actions[1], OutcomeStatus::Applied, 1),
    ];
    let s = apply_summary(&outcomes, &plan, &roster);
    assert_eq!((s.created, s.failed, s.invitations), (1, 1, 2));
    let v = ApplyReport::new(
        RunStatus::Failed,
        1,
        &outcomes,
        &plan,
        &roster,
        serde_json::json!({}),
    )
    .json();
    assert_eq!(v["summary"]["invitations"], 2);
    let text = render_apply(&outcomes, &plan, &roster);
    assert!(
        text.ends_with("PagerDuty sent 2 invitation emails (one per user created).\n"),
        "{text}"
    );
    // A run that created nobody says nothing of invitations.
    let none = render_apply(&outcomes[3..], &plan, &roster);
    assert!(!none.contains("invitation"), "{none}");
}

/// Every kind of action in one plan: [`explained`] plus a deletion.
fn every_kind() -> (Plan, Roster) {
    let (mut plan, roster) = explained();
    plan.actions.push(deletion_plan().actions.remove(0));
    (plan, roster)
}

/// `text` with each escape character shown as `\e`, so that a snapshot shows the codes.
fn visible(text: &str) -> String {
    text.replace('\x1b', "\\e")
}

#[test]
fn the_coloured_text_plan_has_the_plain_words_and_colours_by_kind() {
    let (plan, roster) = every_kind();
    let coloured = render_plan_styled(&plan, &roster, Paint::ANSI);
    let plain = render_plan_styled(&plan, &roster, Paint::PLAIN);
    insta::assert_snapshot!("text_plan_coloured", visible(&coloured));
    insta::assert_snapshot!("text_plan_plain", plain);
    assert_eq!(plain, render_plan(&plan, &roster));
    assert!(!plain.contains('\x1b'));
    let codes = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
    assert_eq!(codes.replace_all(&coloured, ""), plain);
    // Additions green, changes yellow, deactivations and deletions red and bold.
    assert!(coloured.contains("  \x1b[32m+\x1b[0m user \"Ada Lovelace\" {\n"));
    assert!(coloured.contains("  \x1b[33m~\x1b[0m user \"Ada Lovelace\" {\n"));
    assert!(coloured.contains("  \x1b[1m\x1b[31m# user cy@example.com (PCY, employee 1001) will be deactivated (suspended)\x1b[0m\n"), "{coloured}");
    assert!(coloured.contains("\x1b[1m\x1b[31mx\x1b[0m user"));
}

#[test]
fn the_legend_lists_only_the_kinds_in_the_plan() {
    let (plan, roster) = every_kind();
    let text = render_plan(&plan, &roster);
    assert!(
        text.contains("  (+ create, ~ update, - deactivate, ^ reactivate, x delete)\n"),
        "{text}"
    );
    let only_creates = Plan {
        actions: vec![plan.actions[0].clone()],
        ..Plan::default()
    };
    let text = render_plan(&only_creates, &Roster::default());
    assert!(text.contains("  (+ create)\n"), "{text}");
    let coloured = render_plan_styled(&only_creates, &Roster::default(), Paint::ANSI);
    assert!(
        coloured.contains("  (\x1b[32m+\x1b[0m create)\n"),
        "{coloured}"
    );
}
