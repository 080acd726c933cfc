use super::*;
use crate::apply::{Cause, Halt, Mismatch, Outcome, OutcomeStatus, Signal, StepError, StepFailure};
use crate::email::Email;
use crate::hr::Roster;
use crate::hr::{ProblemKind, RowProblem};
use crate::ids::UserId;
use crate::oncall::{self, OncallImpact};
use crate::pagerduty::ClientStats;
use crate::plan::ownership::Untouchable;
use crate::plan::{Action, ActionKind, Change, DateConflict, Field, Pending, Plan, StartConflict};
use crate::plan::{Skip, SkipCause, Step, TeamsChange};

fn action(
    kind: ActionKind,
    email: &str,
    user: Option<&str>,
    changes: Vec<Change>,
    teams: Option<TeamsChange>,
) -> Action {
    Action {
        employee_id: Some("1001".into()),
        user_id: user.map(UserId::from),
        reason: format!("because of {kind}"),
        changes,
        teams,
        steps: vec![Step::RemoveFromTeam {
            team_id: "PT1".into(),
            team: "Ops".into(),
        }],
        line: Some(2),
        ..Action::new(kind, Email::normalise(email), "Ada Lovelace".into())
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
            email: Some(crate::email::Email::normalise("owner@example.com")),
            pagerduty_user_id: Some("POWN".into()),
            line: None,
            reason: SkipCause::Untouchable(Untouchable::Owner),
            not_yet_hired: false,
        }],
        unchanged: 3,
        notes: vec![
            "user PX (x@example.com): ownership marker ignored: bad; matched by email only".into(),
        ],
        ..Plan::default()
    };
    let mut plan = plan;
    // The deactivation's user was looked up and holds nothing on call.
    plan.actions[2].oncall = Some(OncallImpact::default());
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
        serde_json::json!({"create":1,"update":1,"deactivate":1,"reactivate":1,"delete":0,"unchanged":3,"skipped":2,"pending":0,"conflicts":0,"start_conflicts":0,"blocked":0,"blocked_team_removals":0,"invitations":0})
    );
    assert!(
        v["actions"][0].get("oncall").is_none() && v["actions"][0].get("blocked").is_none(),
        "only deactivations carry the on-call keys"
    );
    assert_eq!(
        v["actions"][2]["oncall"],
        serde_json::json!({"escalation_policies": [], "schedules": [], "incidents": []})
    );
    assert_eq!(v["actions"][2]["blocked"], serde_json::Value::Null);
    // Updates and deactivations carry the team removals PagerDuty refuses, none here.
    assert_eq!(
        v["actions"][1]["blocked_team_removals"],
        serde_json::json!([])
    );
    assert_eq!(
        v["actions"][2]["blocked_team_removals"],
        serde_json::json!([])
    );
    assert!(v["actions"][0].get("blocked_team_removals").is_none());
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
    // Each skip names its cause by the tag a saved plan stores; an HR row has `problem`.
    assert_eq!(v["skipped"][0]["cause"], serde_json::Value::Null);
    assert_eq!(v["skipped"][1]["cause"], "untouchable");
}

/// The old side of a description change says how the planner judged its marker's
/// signature, not merely that it has a `sig`: a tag that failed the check reads
/// "signature invalid", in the text and the JSON plan alike.
#[test]
fn a_description_change_shows_how_the_old_markers_signature_checked() {
    use crate::plan::MarkerTrust;
    let old = r#"hr2pagerduty:v1 {"employee_id":"1001","sig":"00112233445566778899aabbccddeeff"}"#;
    let new = r#"hr2pagerduty:v1 {"employee_id":"1001","sig":"ffeeddccbbaa99887766554433221100"}"#;
    let with = |verdict| {
        let mut a = action(
            ActionKind::Update,
            "ada@example.com",
            Some("PADA"),
            vec![c(Field::Description, Some(old), Some(new))],
            None,
        );
        a.marker_signature = verdict;
        a
    };
    let line = |a: &Action| {
        render_action(a)
            .lines()
            .find(|l| l.contains("description"))
            .unwrap()
            .trim()
            .to_string()
    };
    let invalid = with(Some(MarkerTrust::Invalid));
    assert_eq!(
        line(&invalid),
        "~ description = [marker: employee 1001, signature invalid: ignored] → [marker: employee 1001, signed]"
    );
    assert_eq!(
        line(&with(Some(MarkerTrust::Valid))),
        "~ description = [marker: employee 1001, signature valid] → [marker: employee 1001, signed]"
    );
    // A re-sign, or the first signature, shows one side: what changes is the signature.
    assert_eq!(
        line(&with(Some(MarkerTrust::PreviousKey))),
        "~ description = [marker: employee 1001, signed (was signed with the previous key)]"
    );
    let mut first = with(Some(MarkerTrust::Unsigned));
    first.changes[0].old = Some(
        r#"Pager fan.
hr2pagerduty:v1 {"employee_id":"1001"}"#
            .into(),
    );
    first.changes[0].new = Some(format!("Pager fan.\n{new}"));
    assert_eq!(
        line(&first),
        "~ description = [marker: employee 1001, signed (was unsigned) + bio kept]"
    );
    // Without marker keys the tag was never checked, and the plan says so.
    assert!(
        line(&with(None))
            .starts_with("~ description = [marker: employee 1001, signed, not checked] →")
    );
    let plan = Plan {
        actions: vec![invalid, with(None)],
        ..Plan::default()
    };
    let v = plan_json(&plan, &Roster::default());
    assert_eq!(v["actions"][0]["marker_signature"], "invalid");
    assert!(v["actions"][1].get("marker_signature").is_none());
}

/// The termination-pending stamp shows in the text plan's account of a marker, so that the
/// stamp's update is not drawn as a change from a marker to the same marker.
#[test]
fn a_termination_pending_stamp_shows_in_the_marker_account() {
    let old = r#"hr2pagerduty:v1 {"employee_id":"2"}"#;
    let new = r#"hr2pagerduty:v1 {"employee_id":"2","pending_termination":"2026-10-20"}"#;
    let a = action(
        ActionKind::Update,
        "gina@example.com",
        Some("PGINA"),
        vec![c(Field::Description, Some(old), Some(new))],
        None,
    );
    let line = render_action(&a)
        .lines()
        .find(|l| l.contains("description"))
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(
        line,
        "~ description = [marker: employee 2] → [marker: employee 2, termination pending 2026-10-20]"
    );
}

/// A suspension record's kind shows in the text plan's account of a marker: a leave that
/// turns into a termination (and a leave into a dated one) is not drawn as a change from a
/// marker to the same marker; a recorded team's role shows; and two descriptions whose
/// accounts still agree (a recorded team's ID changes, its name kept) are said once, not as `x → x`.
#[test]
fn a_suspension_record_s_kind_shows_in_the_marker_account() {
    let leave = r#"hr2pagerduty:v1 {"employee_id":"12","suspended":{"on":"2026-12-07","role":"limited_user","teams":[{"id":"PTEAM02","name":"DB","role":"responder"}],"leave":true}}"#;
    let term = r#"hr2pagerduty:v1 {"employee_id":"12","suspended":{"on":"2026-12-07","role":"limited_user","teams":[{"id":"PTEAM02","name":"DB","role":"responder"}]}}"#;
    let dated = r#"hr2pagerduty:v1 {"employee_id":"12","suspended":{"on":"2026-12-07","role":"limited_user","teams":[{"id":"PTEAM02","name":"DB","role":"responder"}],"termination_date":"2026-12-01"}}"#;
    let observer = r#"hr2pagerduty:v1 {"employee_id":"12","suspended":{"on":"2026-12-07","role":"limited_user","teams":[{"id":"PTEAM02","name":"DB","role":"observer"}]}}"#;
    let renamed = r#"hr2pagerduty:v1 {"employee_id":"12","suspended":{"on":"2026-12-07","role":"limited_user","teams":[{"id":"PTEAM09","name":"DB","role":"responder"}]}}"#;
    let line = |old: &str, new: &str| {
        let a = action(
            ActionKind::Deactivate,
            "leo@example.com",
            Some("PLEO001"),
            vec![c(Field::Description, Some(old), Some(new))],
            None,
        );
        render_action(&a)
            .lines()
            .find(|l| l.contains("description"))
            .unwrap()
            .trim()
            .to_string()
    };
    assert_eq!(
        line(leave, term),
        "~ description = [marker: employee 12, suspended 2026-12-07 on leave (restores role limited_user, team DB:responder)] → [marker: employee 12, suspended 2026-12-07 (restores role limited_user, team DB:responder)]"
    );
    assert_eq!(
        line(leave, dated),
        "~ description = [marker: employee 12, suspended 2026-12-07 on leave (restores role limited_user, team DB:responder)] → [marker: employee 12, suspended 2026-12-07 for termination date 2026-12-01 (restores role limited_user, team DB:responder)]"
    );
    // A recorded team's role shows: the restore names each team and its role.
    assert_eq!(
        line(term, observer),
        "~ description = [marker: employee 12, suspended 2026-12-07 (restores role limited_user, team DB:responder)] → [marker: employee 12, suspended 2026-12-07 (restores role limited_user, team DB:observer)]"
    );
    assert_eq!(
        line(term, renamed),
        "~ description = [marker: employee 12, suspended 2026-12-07 (restores role limited_user, team DB:responder)] (details of its record change; --format json shows them)"
    );
}

/// A plan with nothing to do today: a future hire, a scheduled termination and a past
/// termination date kept by the status.
fn dated_sample() -> Plan {
    let d = |m, day| chrono::NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    Plan {
        unchanged: 3,
        pending: vec![
            Pending {
                employee_id: "1010".into(),
                email: Email::normalise("radia@example.com"),
                kind: ActionKind::Create,
                on: d(12, 7),
                date: d(12, 10),
                user_id: None,
                line: 11,
            },
            Pending {
                employee_id: "1003".into(),
                email: Email::normalise("alan@example.com"),
                kind: ActionKind::Deactivate,
                on: d(12, 31),
                date: d(12, 31),
                user_id: Some("PALAN01".into()),
                line: 4,
            },
        ],
        conflicts: vec![DateConflict {
            employee_id: "1004".into(),
            email: Email::normalise("kj@example.com"),
            status: Some("Active".into()),
            termination_date: d(3, 1),
            decided_by: serde_json::from_str("\"status\"").unwrap(),
            line: 5,
            catch_up_days: 30,
        }],
        start_conflicts: vec![
            StartConflict {
                employee_id: "1011".into(),
                email: Email::normalise("mae@example.com"),
                status: Some("Future Start".into()),
                hire_date: Some(d(11, 2)),
                user_id: Some("PMAE001".into()),
                line: 12,
            },
            StartConflict {
                employee_id: "1012".into(),
                email: Email::normalise("ida@example.com"),
                status: Some("Future Start".into()),
                hire_date: None,
                user_id: None,
                line: 13,
            },
        ],
        ..Plan::default()
    }
}

#[test]
fn pending_changes_and_date_conflicts_are_listed_under_no_changes() {
    let text = render_plan(&dated_sample(), &Roster::default());
    assert_eq!(
        text,
        "No changes. PagerDuty matches the HR export (3 unchanged).

Pending (2):
  - radia@example.com (employee 1010) will be created on 2026-12-07 (hire date 2026-12-10)
  - alan@example.com (PALAN01, employee 1003) will be deactivated on 2026-12-31 (termination date)

Date conflicts (1):
  - kj@example.com (employee 1004, line 5): termination date 2026-03-01 has passed but status \"Active\" does not say terminated; the status decides: kept active ([lifecycle] past_termination_date = \"status\"); the date passed more than 30 days ago ([lifecycle] termination_catch_up_days = 30), so a termination missed until then (or blocked with no termination-pending stamp on its user) is no longer applied automatically: if the employee has left, mark the row terminated in HR; if not, clear or correct its stale termination date; [lifecycle] past_termination_date = \"date\" makes such dates decide for every row (plan --as-of 2026-03-01 previews that day for the whole export, not this row alone)

Start date conflicts (2):
  - mae@example.com (employee 1011, line 12): hire date 2026-11-02 has passed but status \"Future Start\" still says a future start; the status decides: PagerDuty user PMAE001 is left as it is until HR catches up (mark the row active in HR once the person has started, or remove it if they will not)
  - ida@example.com (employee 1012, line 13): status \"Future Start\" says a future start but the row has no hire date; the status decides: not provisioned until HR catches up (give the row its hire date in HR (with [hr.columns] hire_date mapped), or mark it active once the person has started)
"
    );
}

#[test]
fn a_saved_plan_applied_on_a_later_day_lists_its_pending_changes_as_of_its_day() {
    let made = chrono::NaiveDate::from_ymd_opt(2026, 12, 1);
    let text =
        super::render_plan_made_as_of(&dated_sample(), &Roster::default(), Paint::PLAIN, made);
    assert!(
        text.contains("\nPending as of 2026-12-01, the day the plan was made as of (2; this saved plan does not make them, whether or not their day has come; make a new plan to include those due):\n  - radia@example.com (employee 1010) will be created on 2026-12-07 (hire date 2026-12-10)\n"),
        "{text}"
    );
    assert!(!text.contains("\nPending (2):"), "{text}");
    // Applied on its own day (or made as of an unrecorded one): the plan's own words.
    assert_eq!(
        super::render_plan_made_as_of(&dated_sample(), &Roster::default(), Paint::PLAIN, None),
        render_plan(&dated_sample(), &Roster::default())
    );
}

#[test]
fn json_plan_lists_pending_changes_and_conflicts() {
    let v = plan_json(&dated_sample(), &Roster::default());
    assert_eq!(
        v["pending"],
        serde_json::json!([
            {"employee_id": "1010", "email": "radia@example.com", "action": "create", "on": "2026-12-07"},
            {"employee_id": "1003", "email": "alan@example.com", "action": "deactivate", "on": "2026-12-31"}
        ])
    );
    assert_eq!(
        v["conflicts"],
        serde_json::json!([{
            "employee_id": "1004", "email": "kj@example.com", "hr_line": 5, "status": "Active",
            "termination_date": "2026-03-01", "decided_by": "status",
            "fix": "if the employee has left, mark the row terminated in HR; if not, clear or correct its stale termination date; [lifecycle] past_termination_date = \"date\" makes such dates decide for every row (plan --as-of 2026-03-01 previews that day for the whole export, not this row alone)"
        }])
    );
    // One row's conflict is never fixed by a whole-export run as of its date.
    let text = render_plan(&dated_sample(), &Roster::default());
    assert!(!text.contains("apply --as-of"), "{text}");
    assert!(!v.to_string().contains("apply --as-of"));
    assert_eq!(
        v["start_conflicts"],
        serde_json::json!([
            {"employee_id": "1011", "email": "mae@example.com", "hr_line": 12,
             "status": "Future Start", "hire_date": "2026-11-02", "pagerduty_user_id": "PMAE001"},
            {"employee_id": "1012", "email": "ida@example.com", "hr_line": 13,
             "status": "Future Start", "hire_date": null, "pagerduty_user_id": null}
        ])
    );
    assert_eq!(v["summary"]["pending"], 2);
    assert_eq!(v["summary"]["conflicts"], 1);
    assert_eq!(v["summary"]["start_conflicts"], 2);
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
            cause: match status {
                OutcomeStatus::Applied => None,
                OutcomeStatus::Failed => Some(Cause::Failed(vec![StepFailure {
                    step: 1,
                    steps: 1,
                    error: StepError::Client {
                        text: "boom".into(),
                    },
                    held_by: None,
                }])),
                OutcomeStatus::Skipped => Some(Cause::AuthenticationRejected),
                OutcomeStatus::Blocked => unreachable!("no blocked action here"),
                OutcomeStatus::NotStarted => Some(Cause::NotStarted(Halt::MaxRuntime)),
                OutcomeStatus::Interrupted => Some(Cause::Interrupted {
                    halt: Halt::MaxRuntime,
                    abandoned: false,
                }),
            },
            attempts: 3,
            steps_done: 0,
            http_status: None,
            adopted: false,
        })
        .collect();
    let v = ApplyReport::new(
        RunStatus::Failed,
        1,
        &outcomes,
        &plan,
        &roster,
        serde_json::json!({}),
    )
    .json();
    assert_eq!(v["status"], "failed");
    assert_eq!(v["exit_code"], 1);
    assert_eq!(v["error"], "1 of 4 actions failed");
    assert_eq!(
        v["summary"],
        serde_json::json!({"created":1,"updated":0,"deactivated":1,"reactivated":0,"deleted":0,"failed":1,"not_started":0,"interrupted":0,"skipped":3,"blocked":0,"blocked_team_removals":0,"invitations":0})
    );
    assert_eq!(v["actions"][0]["pagerduty_user_id"], "PNEW");
    assert_eq!(v["actions"][1]["outcome"], "failed");
    assert_eq!(v["actions"][1]["error"], "step 1/1: boom");
    assert_eq!(v["actions"][1]["attempts"], 3);
    // The plan's notes on markers it did not trust, and only those.
    assert_eq!(v["marker_notes"], serde_json::json!([]));
    let mut noted = plan.clone();
    noted
        .notes
        .push("user PX (x@example.com) has no ownership marker and no HR row".into());
    noted.marker_notes = vec!["user PM (m@example.com): ownership marker ignored: forged".into()];
    let w = ApplyReport::new(
        RunStatus::Applied,
        0,
        &outcomes,
        &noted,
        &roster,
        serde_json::json!({}),
    )
    .json();
    assert_eq!(w["marker_notes"], serde_json::json!(noted.marker_notes));
    let text = render_apply(&outcomes, &plan, &roster);
    assert!(
        text.contains(
            "Error: update of bo@example.com (PBO) failed after 3 requests: step 1/1: boom"
        ),
        "{text}"
    );
    assert!(text.ends_with("Apply finished with failures. 1 created, 0 updated, 1 deactivated, 0 reactivated, 1 failed, 3 skipped.\n"), "{text}");
}

fn outcomes(plan: &Plan, statuses: [OutcomeStatus; 4]) -> Vec<Outcome> {
    plan.actions
        .iter()
        .zip(statuses)
        .zip([2, 3, 1, 4])
        .map(|((a, status), attempts)| Outcome {
            action: a.clone(),
            status,
            user_id: a.user_id.clone().or(Some("PNEW".into())),
            cause: match status {
                OutcomeStatus::Applied => None,
                OutcomeStatus::Failed => Some(Cause::Failed(vec![StepFailure {
                    step: 1,
                    steps: 1,
                    error: StepError::Refused {
                        refusal: crate::pagerduty::Refusal::Other { status: 400 },
                        text: "PUT /users/PBO: HTTP 400".into(),
                    },
                    held_by: None,
                }])),
                OutcomeStatus::Skipped => Some(Cause::Recheck(Mismatch::Gone)),
                OutcomeStatus::Blocked => unreachable!("no blocked action here"),
                OutcomeStatus::NotStarted => {
                    Some(Cause::NotStarted(Halt::Signal(Signal::Terminate)))
                }
                OutcomeStatus::Interrupted => Some(Cause::Interrupted {
                    halt: Halt::Signal(Signal::Terminate),
                    abandoned: true,
                }),
            },
            attempts,
            steps_done: 0,
            http_status: None,
            adopted: false,
        })
        .collect()
}

#[test]
fn a_stopped_run_says_what_was_not_done_and_a_run_in_progress_says_what_is_pending() {
    let (plan, roster) = sample();
    let stopped = outcomes(
        &plan,
        [
            OutcomeStatus::Applied,
            OutcomeStatus::Interrupted,
            OutcomeStatus::NotStarted,
            OutcomeStatus::NotStarted,
        ],
    );
    let text = render_apply(&stopped, &plan, &roster);
    assert!(
        text.contains("Not started: 2 actions (not started: the run was interrupted (SIGTERM)); the next run does them."),
        "{text}"
    );
    assert!(
        text.contains("Interrupted: update of bo@example.com (PBO) after 0 of "),
        "{text}"
    );
    assert!(
        text.ends_with(", 1 interrupted, 2 not started.\n")
            && text.contains("Apply stopped early."),
        "{text}"
    );
    let v = ApplyReport::new(
        RunStatus::Interrupted,
        143,
        &stopped,
        &plan,
        &roster,
        serde_json::json!({}),
    )
    .json();
    assert_eq!(v["status"], "interrupted");
    assert_eq!(v["summary"]["not_started"], 2);
    assert_eq!(v["summary"]["interrupted"], 1);
    assert_eq!(v["actions"][2]["outcome"], "not_started");

    // In progress: the first action ended, the others are pending.
    let mut ended: Vec<Option<Outcome>> = vec![None; plan.actions.len()];
    ended[0] = Some(stopped[0].clone());
    let live = progress_json(&ended, &plan, &roster);
    assert_eq!(live["status"], "in_progress");
    assert_eq!(live["exit_code"], serde_json::Value::Null);
    assert_eq!(live["actions"][0]["outcome"], "applied");
    assert_eq!(live["actions"][1]["outcome"], "pending");
    assert_eq!(
        live["actions"].as_array().unwrap().len(),
        plan.actions.len()
    );
    assert_eq!(starting_json()["status"], "in_progress");
    assert_eq!(starting_json()["exit_code"], serde_json::Value::Null);
}

#[test]
fn apply_text_lists_every_outcome_like_terraform() {
    let (plan, roster) = sample();
    let all = outcomes(&plan, [OutcomeStatus::Applied; 4]);
    insta::assert_snapshot!("apply_all_applied", render_apply(&all, &plan, &roster));
    let mixed = outcomes(
        &plan,
        [
            OutcomeStatus::Applied,
            OutcomeStatus::Failed,
            OutcomeStatus::Skipped,
            OutcomeStatus::Applied,
        ],
    );
    insta::assert_snapshot!("apply_mixed", render_apply(&mixed, &plan, &roster));
}

#[test]
fn skips_are_worded_by_their_cause_and_counted_as_listed() {
    // Issue 10: one bad HR row read "PagerDuty does not match the HR export", and a row
    // with two problems was counted once but listed twice.
    let (mut plan, mut roster) = sample();
    plan.actions.clear();
    plan.skipped.clear();
    plan.notes.clear();
    let mut second = roster.problems[0].clone();
    second.message = "the Status column is empty".into();
    roster.problems.push(second);
    let text = render_plan(&plan, &roster);
    assert_eq!(
        text,
        "No changes. 3 unchanged; 1 skipped (see below) for a problem in the HR export.\n\n\
         Skipped (1):\n  \
         - HR line 7: email \"ken thompson@example.com\" in column ADEmail contains a space; the Status column is empty\n"
    );
    // A conflict in PagerDuty is worded as one.
    plan.skipped.push(Skip {
        employee_id: Some("1012".into()),
        email: Some(crate::email::Email::normalise("eve@example.com")),
        pagerduty_user_id: Some("PEVE".into()),
        line: Some(9),
        reason: SkipCause::EmployeeOnSeveralUsers,
        not_yet_hired: false,
    });
    let text = render_plan(&plan, &roster);
    assert!(
        text.starts_with("No changes. 3 unchanged; 2 skipped (see below): 1 for a problem in the HR export, 1 for a conflict in PagerDuty to fix by hand.\n"),
        "{text}"
    );
    // A skip that needs a person is marked `!` and counted apart.
    let listed = text
        .lines()
        .filter(|l| l.starts_with("  - ") || l.starts_with("  ! "))
        .count();
    assert!(text.contains(&format!("Skipped ({listed}):")), "{text}");
    assert!(
        text.contains("  ! eve@example.com, PEVE, employee 1012: several PagerDuty users carry this employee's marker\n1 of these needs a person (marked !)"),
        "{text}"
    );
}

#[test]
fn no_changes_with_people_skipped_does_not_claim_a_match() {
    let (mut plan, roster) = sample();
    plan.actions.clear();
    let text = render_plan(&plan, &roster);
    assert!(
        text.starts_with(
            "Note: user PX (x@example.com): ownership marker ignored: bad; matched by email only\n\n\
             No changes. 3 unchanged; 2 skipped (see below): 1 for a problem in the HR export, 1 left alone on purpose (owner, API key user, protected or From user).\n"
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

#[test]
fn requests_are_rated_over_the_apply_alone() {
    let before = ClientStats {
        requests_sent: 40,
        retries: 1,
        ..ClientStats::default()
    };
    let after = ClientStats {
        requests_sent: 70,
        retries: 3,
        rate_limited: 2,
        paused: std::time::Duration::from_millis(1500),
        ratelimit_remaining: Some(12),
        ..ClientStats::default()
    };
    let v = requests_json(&before, &after, std::time::Duration::from_secs(120));
    assert_eq!(v["requests_sent_total"], 70);
    assert_eq!(v["apply_requests"], 30);
    assert_eq!(v["apply_seconds"], 120.0);
    assert_eq!(v["apply_requests_per_minute"], 15.0);
    assert_eq!(v["retries_total"], 3);
    assert_eq!(v["rate_limited_total"], 2);
    assert_eq!(v["paused_seconds_total"], 1.5);
    assert_eq!(v["ratelimit_remaining"], 12);
    // Nothing applied: no rate, whatever the listing sent.
    let v = requests_json(&after, &after, std::time::Duration::ZERO);
    assert_eq!(v["apply_requests"], 0);
    assert_eq!(v["apply_requests_per_minute"], 0.0);
}

#[test]
fn a_stopped_run_reports_why_with_zero_counts() {
    let v = stopped_json(RunStatus::Refused, 3, Some("refused before any write: x"));
    assert_eq!(
        v,
        serde_json::json!({
            "format_version": "1",
            "status": "refused",
            "exit_code": 3,
            "error": "refused before any write: x",
            "summary": {"created": 0, "updated": 0, "deactivated": 0, "reactivated": 0, "deleted": 0, "failed": 0, "not_started": 0, "interrupted": 0, "skipped": 0, "blocked": 0, "blocked_team_removals": 0, "invitations": 0},
            "actions": [],
            "skipped": [],
            "marker_notes": [],
            "requests": null,
        })
    );
    for (status, text) in [
        (RunStatus::Applied, "applied"),
        (RunStatus::NoChanges, "no_changes"),
        (RunStatus::Failed, "failed"),
        (RunStatus::Cancelled, "cancelled"),
        (RunStatus::Refused, "refused"),
        (RunStatus::UsageError, "usage_error"),
        (RunStatus::HrUnusable, "hr_unusable"),
        (RunStatus::ConfigInvalid, "config_invalid"),
    ] {
        assert_eq!(serde_json::to_value(status).unwrap(), text);
    }
}

/// A deletion and a re-creation from the archive.
fn deletion_plan() -> Plan {
    let mut delete = action(
        ActionKind::Delete,
        "cy@example.com",
        Some("PCY"),
        vec![c(Field::Role, Some("admin"), None)],
        Some(TeamsChange {
            old: vec!["Ops:manager".into()],
            new: vec![],
        }),
    );
    delete.steps = vec![Step::DeleteUser {
        role: crate::vocab::Role::Admin,
        teams: vec![],
        suspended_on: None,
        termination_date: None,
    }];
    // Looked up: the user holds nothing, so the deletion goes ahead.
    delete.oncall = Some(OncallImpact::default());
    let mut restore = action(
        ActionKind::Reactivate,
        "di@example.com",
        None,
        vec![c(Field::Name, None, Some("Di Re"))],
        Some(TeamsChange {
            old: vec![],
            new: vec!["Ops:responder".into()],
        }),
    );
    restore.steps = vec![Step::RestoreContacts {
        from_user: "POLD001".into(),
        record: None,
    }];
    Plan {
        actions: vec![delete, restore],
        ..Plan::default()
    }
}

#[test]
fn a_deletion_and_a_re_creation_read_like_terraform_and_are_counted() {
    let plan = deletion_plan();
    let text = render_plan(&plan, &Roster::default());
    assert!(text.contains("  (^ reactivate, x delete)\n"), "{text}");
    assert!(
        text.contains(
            "  # user cy@example.com (PCY, employee 1001) will be deleted (archived first; the PagerDuty ID is lost)\n  #   because of delete\n  #   from HR line 2\n  #   on call: nothing: no escalation policy, no on-call shift in the lookahead, no open incident\n  x user \"Ada Lovelace\" {\n      - role  = \"admin\"\n      - teams = [\"Ops:manager\"]\n    }\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "  # user di@example.com (employee 1001) will be re-created from the archive of deleted user POLD001 (the PagerDuty ID changes)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("      + name  = \"Di Re\"\n      + teams = [\"Ops:responder\"]\n"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "Plan: 0 to create, 0 to update, 0 to deactivate, 1 to reactivate, 1 to delete.\n"
        ),
        "{text}"
    );
    let v = plan_json(&plan, &Roster::default());
    assert_eq!(v["summary"]["delete"], 1);
    assert_eq!(v["actions"][0]["action"], "delete");
    assert_eq!(
        v["actions"][0]["changes"]["role"],
        serde_json::json!(["admin", null])
    );
    assert!(v["actions"][0].get("previous_pagerduty_user_id").is_none());
    assert_eq!(v["actions"][0]["blocked"], serde_json::Value::Null);
    assert_eq!(
        v["actions"][0]["oncall"],
        serde_json::json!({"escalation_policies": [], "schedules": [], "incidents": []})
    );
    assert!(
        v["actions"][1].get("oncall").is_none(),
        "a re-creation takes nobody away"
    );
    assert_eq!(v["actions"][1]["previous_pagerduty_user_id"], "POLD001");
    assert_eq!(
        v["actions"][1]["pagerduty_user_id"],
        serde_json::Value::Null
    );

    let outcomes: Vec<Outcome> = plan
        .actions
        .iter()
        .map(|a| Outcome {
            action: a.clone(),
            status: OutcomeStatus::Applied,
            user_id: a.user_id.clone().or(Some("PNEW".into())),
            cause: None,
            attempts: 2,
            steps_done: 1,
            http_status: None,
            adopted: false,
        })
        .collect();
    assert_eq!(
        outcome_line(&outcomes[0]),
        "  x deleted cy@example.com (PCY, employee 1001): 2 requests"
    );
    let v = ApplyReport::new(
        RunStatus::Applied,
        0,
        &outcomes,
        &plan,
        &Roster::default(),
        serde_json::json!({}),
    )
    .json();
    assert_eq!(v["summary"]["deleted"], 1);
    assert_eq!(v["summary"]["reactivated"], 1);
    assert!(
        render_apply(&outcomes, &plan, &Roster::default()).ends_with(
            "Apply complete! 0 created, 0 updated, 0 deactivated, 1 reactivated, 1 deleted, 0 failed, 0 skipped.\n"
        )
    );
}

/// An impact naming one of each kind of object ([`crate::oncall::held_fixture`]).
fn held() -> OncallImpact {
    oncall::held_fixture()
}

#[test]
fn a_blocked_deactivation_names_what_the_user_holds_and_what_a_human_must_do() {
    let mut blocked = action(
        ActionKind::Deactivate,
        "al@example.com",
        Some("PAL"),
        vec![],
        None,
    );
    blocked.oncall = Some(held());
    blocked.blocked = oncall::check(
        blocked.oncall.as_ref(),
        30,
        false,
        &[],
        oncall::Taking::Suspension(None),
    );
    let mut allowed = action(
        ActionKind::Deactivate,
        "bo@example.com",
        Some("PBO"),
        vec![],
        None,
    );
    allowed.oncall = Some(held());
    let plan = Plan {
        actions: vec![blocked.clone(), allowed],
        ..Plan::default()
    };
    let text = render_plan(&plan, &Roster::default());
    assert!(
        text.contains(
            "  # user al@example.com (PAL, employee 1001) is blocked: it will not be deactivated\n\
             \x20 #   because of deactivate\n\
             \x20 #   from HR line 2\n\
             \x20 #   blocked: on escalation policy \"IT Operations EP\" (PEPOPS1); on schedule \"Ops Primary\" (PSCHED1); 1 open incident assigned: \"Disk full\" (Q1)\n\
             \x20 #   to unblock: take them off escalation policy \"IT Operations EP\" (PEPOPS1), as a target or on its schedules; take them off schedule \"Ops Primary\" (PSCHED1), handing their shifts to someone else; reassign or resolve incident \"Disk full\" (Q1); the next run then goes ahead (or rerun with --allow-oncall-gaps to go ahead now and leave these gaps)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  # user bo@example.com (PBO, employee 1001) will be deactivated (suspended)
  #   because of deactivate
  #   from HR line 2
  #   on call: on escalation policy \"IT Operations EP\" (PEPOPS1); on schedule \"Ops Primary\" (PSCHED1); 1 open incident assigned: \"Disk full\" (Q1); going ahead anyway (--allow-oncall-gaps), leaving these gaps
"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "Plan: 0 to create, 0 to update, 1 to deactivate, 0 to reactivate. 1 blocked (on call).
"
        ),
        "{text}"
    );
    let v = plan_json(&plan, &Roster::default());
    assert_eq!(v["summary"]["deactivate"], 1);
    assert_eq!(v["summary"]["blocked"], 1);
    assert_eq!(
        v["actions"][0]["oncall"],
        serde_json::json!({
            "escalation_policies": [{"id": "PEPOPS1", "name": "IT Operations EP"}],
            "schedules": [{"id": "PSCHED1", "name": "Ops Primary"}],
            "incidents": [{"id": "Q1", "title": "Disk full"}],
        })
    );
    assert_eq!(
        v["actions"][0]["blocked"],
        "on escalation policy \"IT Operations EP\" (PEPOPS1); on schedule \"Ops Primary\" (PSCHED1); 1 open incident assigned: \"Disk full\" (Q1)"
    );
    assert_eq!(v["actions"][1]["blocked"], serde_json::Value::Null);

    // Applied: the blocked one is reported as such, and counted apart.
    let outcome = Outcome {
        action: blocked.clone(),
        status: OutcomeStatus::Blocked,
        user_id: blocked.user_id.clone(),
        cause: blocked.blocked.clone().map(Cause::Blocked),
        attempts: 0,
        steps_done: 0,
        http_status: None,
        adopted: false,
    };
    let one = Plan {
        actions: vec![blocked],
        ..Plan::default()
    };
    let r = ApplyReport::new(
        RunStatus::Failed,
        1,
        std::slice::from_ref(&outcome),
        &one,
        &Roster::default(),
        serde_json::json!(null),
    )
    .json();
    assert_eq!(r["summary"]["blocked"], 1);
    assert_eq!(r["summary"]["deactivated"], 0);
    assert_eq!(r["actions"][0]["outcome"], "blocked");
    assert_eq!(r["error"], "1 of 1 action blocked (on call)");
    assert!(
        r["actions"][0]["error"]
            .as_str()
            .unwrap()
            .starts_with("blocked: on escalation policy"),
        "{r:#}"
    );
    let text = render_apply(std::slice::from_ref(&outcome), &one, &Roster::default());
    assert!(
        text.contains("Blocked: deactivate of al@example.com (PAL): blocked: on escalation policy"),
        "{text}"
    );
    assert!(
        text.contains("\n  To unblock: take them off escalation policy"),
        "{text}"
    );
    assert!(
        text.ends_with("Apply finished with blocked deactivations. 0 created, 0 updated, 0 deactivated, 0 reactivated, 0 failed, 0 skipped, 1 blocked.\n"),
        "{text}"
    );
    assert!(
        outcome_line(&outcome)
            .starts_with("  x deactivate of al@example.com (PAL) not attempted: blocked: "),
        "{}",
        outcome_line(&outcome)
    );
    // A blocked deletion is not called a deactivation; both kinds blocked are both named.
    let mut deletion = outcome.clone();
    deletion.action.kind = ActionKind::Delete;
    let text = render_apply(std::slice::from_ref(&deletion), &one, &Roster::default());
    assert!(
        text.contains("Apply finished with blocked deletions. "),
        "{text}"
    );
    let text = render_apply(&[outcome, deletion], &one, &Roster::default());
    assert!(
        text.contains("Apply finished with blocked deactivations and deletions. "),
        "{text}"
    );
}

mod explain;

#[test]
fn a_hostile_description_is_cut_in_the_json_plan_and_an_ordinary_one_kept_whole() {
    let hostile = format!(
        "hr2pagerduty:v1 {{\"employee_id\":\"{}\"}}",
        "9".repeat(200_000)
    );
    let ordinary = "On call for the data platform.\nhr2pagerduty:v1 {\"employee_id\":\"3427\"}";
    let plan = Plan {
        actions: vec![action(
            ActionKind::Update,
            "ada@example.com",
            Some("PADA"),
            vec![c(Field::Description, Some(&hostile), Some(ordinary))],
            None,
        )],
        ..Plan::default()
    };
    let v = plan_json(&plan, &Roster::default());
    let d = &v["actions"][0]["changes"]["description"];
    let old = d[0].as_str().unwrap();
    assert!(old.len() < 5000, "{} bytes", old.len());
    assert!(
        old.starts_with("hr2pagerduty:v1 {\"employee_id\":\"999"),
        "{old:.40}"
    );
    assert!(
        old.ends_with(&format!("… ({} characters)", hostile.len())),
        "{}",
        &old[old.len() - 40..]
    );
    assert_eq!(d[1], ordinary);
    assert!(serde_json::to_string(&v).unwrap().len() < 10_000);
}

#[test]
fn a_movers_refused_team_removal_is_shown_counted_apart_and_fails_the_run() {
    let mut mover = action(
        ActionKind::Update,
        "fr@example.com",
        Some("PFR"),
        vec![],
        Some(TeamsChange {
            old: vec!["Ops:responder".into()],
            new: vec!["Database:responder".into()],
        }),
    );
    mover.steps = vec![Step::SetTeamRole {
        team_id: "PT2".into(),
        team: "Database".into(),
        role: crate::vocab::TeamRole::Responder,
    }];
    mover.refused_removals = vec![oncall::RefusedRemoval {
        team_id: "PT1".into(),
        team: "Ops".into(),
        escalation_policies: held().escalation_policies,
    }];
    let plan = Plan {
        actions: vec![mover],
        ..Plan::default()
    };
    let text = render_plan(&plan, &Roster::default());
    for needle in [
        "  #   team removal blocked: PagerDuty refuses to remove them from team \"Ops\" (PT1) while they are on its escalation policy \"IT Operations EP\" (PEPOPS1); the membership stays, the rest of the update goes ahead\n",
        "  #   to unblock: take them off escalation policy \"IT Operations EP\" (PEPOPS1), as a target or on its schedules; the next run then removes them from the team\n",
        "Plan: 0 to create, 1 to update, 0 to deactivate, 0 to reactivate. 1 team removal blocked (escalation policy).",
    ] {
        assert!(text.contains(needle), "{needle}\n--- in\n{text}");
    }
    let v = plan_json(&plan, &Roster::default());
    assert_eq!(v["summary"]["blocked"], 0, "the update itself goes ahead");
    assert_eq!(v["summary"]["blocked_team_removals"], 1);
    assert_eq!(
        v["actions"][0]["blocked_team_removals"][0]["team"],
        serde_json::json!({"id": "PT1", "name": "Ops"})
    );
    assert_eq!(
        v["actions"][0]["blocked_team_removals"][0]["escalation_policies"],
        serde_json::json!([{"id": "PEPOPS1", "name": "IT Operations EP"}])
    );
    let outcomes = vec![Outcome {
        action: plan.actions[0].clone(),
        status: OutcomeStatus::Applied,
        user_id: Some("PFR".into()),
        cause: None,
        attempts: 1,
        steps_done: 1,
        http_status: None,
        adopted: false,
    }];
    let v = ApplyReport::new(
        RunStatus::Failed,
        1,
        &outcomes,
        &plan,
        &Roster::default(),
        serde_json::json!({}),
    )
    .json();
    assert_eq!(v["summary"]["updated"], 1);
    assert_eq!(v["summary"]["blocked"], 0);
    assert_eq!(v["summary"]["blocked_team_removals"], 1);
    assert_eq!(v["error"], "1 team removal blocked (escalation policy)");
    let text = render_apply(&outcomes, &plan, &Roster::default());
    assert!(
        text.contains("Blocked: team removal of fr@example.com (PFR): PagerDuty refuses to remove them from team \"Ops\" (PT1) while they are on its escalation policy \"IT Operations EP\" (PEPOPS1); the membership is left in place\n"),
        "{text}"
    );
    assert!(
        text.ends_with("Apply finished with blocked team removals. 0 created, 1 updated, 0 deactivated, 0 reactivated, 0 failed, 0 skipped, 1 team removal blocked.\n"),
        "{text}"
    );
}

#[test]
fn a_blocked_action_shows_no_changes_and_the_summaries_name_each_cause() {
    // Dave is on call; Bo is on their own team's policy (blocked even with the switch).
    let mut on_call = action(
        ActionKind::Deactivate,
        "dave@example.com",
        Some("PDAVE01"),
        vec![c(Field::Role, Some("user"), Some("read_only_limited_user"))],
        Some(TeamsChange {
            old: vec!["Ops".into()],
            new: vec![],
        }),
    );
    on_call.oncall = Some(held());
    on_call.blocked = oncall::check(
        on_call.oncall.as_ref(),
        30,
        false,
        &[],
        oncall::Taking::Suspension(None),
    );
    let refused = vec![oncall::RefusedRemoval {
        team_id: "PT1".into(),
        team: "Ops".into(),
        escalation_policies: held().escalation_policies,
    }];
    let mut own_team = Action {
        email: Email::normalise("bo@example.com"),
        user_id: Some("PBO0001".into()),
        refused_removals: refused.clone(),
        ..on_call.clone()
    };
    own_team.blocked = oncall::check(
        own_team.oncall.as_ref(),
        30,
        true,
        &refused,
        oncall::Taking::Suspension(None),
    );
    // A blocked action writes nothing: no change block, only why and what to do.
    let text = render_action(&on_call);
    assert!(
        !text.contains('{') && !text.contains("role") && !text.contains("teams"),
        "{text}"
    );
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.starts_with("  #   to unblock: ")),
        "{text}"
    );
    assert!(!render_action(&own_team).contains('{'));
    // The summary names the causes present: one alone, or each counted.
    let only = Plan {
        actions: vec![own_team.clone()],
        ..Plan::default()
    };
    assert!(
        summary_line(&only).ends_with(" 1 blocked (on their team's escalation policy)."),
        "{}",
        summary_line(&only)
    );
    let both = Plan {
        actions: vec![on_call.clone(), own_team.clone()],
        ..Plan::default()
    };
    assert!(
        summary_line(&both)
            .ends_with(" 2 blocked (1 on call, 1 on their team's escalation policy)."),
        "{}",
        summary_line(&both)
    );
    // The apply report's error words the same causes.
    let outcomes: Vec<Outcome> = [on_call, own_team]
        .into_iter()
        .map(|a| Outcome {
            status: OutcomeStatus::Blocked,
            user_id: a.user_id.clone(),
            cause: a.blocked.clone().map(Cause::Blocked),
            attempts: 0,
            steps_done: 0,
            http_status: None,
            adopted: false,
            action: a,
        })
        .collect();
    let r = ApplyReport::new(
        RunStatus::Failed,
        1,
        &outcomes[1..],
        &only,
        &Roster::default(),
        serde_json::json!(null),
    );
    assert_eq!(
        r.error.as_deref(),
        Some("1 of 1 action blocked (on their team's escalation policy)")
    );
    let r = ApplyReport::new(
        RunStatus::Failed,
        1,
        &outcomes,
        &both,
        &Roster::default(),
        serde_json::json!(null),
    );
    assert_eq!(
        r.error.as_deref(),
        Some("2 of 2 actions blocked (1 on call, 1 on their team's escalation policy)")
    );
}

/// Review r10g #13: a create that adopted the user holding its email counts as created and
/// got no invitation; the words say so wherever the count is given (the apply text and the
/// notification through `created_words`, the Markdown line from the JSON summary), and
/// runs without an adoption keep their words.
#[test]
fn an_adoption_is_counted_as_created_and_named_apart() {
    let s = ApplySummary {
        created: 41,
        adopted: 1,
        invitations: 40,
        ..ApplySummary::default()
    };
    assert_eq!(s.created_words(), "41 created (1 adopted)");
    let json = serde_json::to_value(s).unwrap();
    assert_eq!(json["adopted"], 1);
    let plain = ApplySummary {
        created: 2,
        invitations: 2,
        ..ApplySummary::default()
    };
    assert_eq!(plain.created_words(), "2 created");
    assert!(
        serde_json::to_value(plain)
            .unwrap()
            .get("adopted")
            .is_none()
    );
    let report = serde_json::json!({"status": "applied", "exit_code": 0, "summary": json});
    let line = apply_table::summary_line(&report);
    assert!(
        line.contains("41 created (1 adopted), 40 invitation emails"),
        "{line}"
    );
}

/// r10g #7: a deactivation the re-check leaves undone while the user still exists (its
/// marker replaced since the plan) fails the run: the text says so before the last line,
/// and the report's `error` counts it; a re-check that finds the user deleted does not.
#[test]
fn a_deactivation_left_undone_at_the_re_check_fails_the_run() {
    let (plan, roster) = sample();
    let mut done = outcomes(
        &plan,
        [
            OutcomeStatus::Applied,
            OutcomeStatus::Applied,
            OutcomeStatus::Skipped,
            OutcomeStatus::Applied,
        ],
    );
    let gone = render_apply(&done, &plan, &roster);
    assert!(!gone.contains("Left undone"), "{gone}");
    assert!(!done[2].undone_at_recheck());
    done[2].cause = Some(Cause::Recheck(Mismatch::MarkerReplaced {
        expected: "1005".into(),
        fault: "signature invalid",
        claimed: Some("1003".into()),
    }));
    assert!(done[2].undone_at_recheck());
    let text = render_apply(&done, &plan, &roster);
    assert!(
        text.contains("Left undone: 1 deactivation skipped at the re-check (the user changed since the plan, see Skipped above); the next run plans it again, so the run exits 1."),
        "{text}"
    );
    assert!(
        text.contains("Apply finished with deactivations left undone."),
        "{text}"
    );
    let v = ApplyReport::new(
        RunStatus::Failed,
        1,
        &done,
        &plan,
        &roster,
        serde_json::json!({}),
    )
    .json();
    assert_eq!(
        v["error"],
        "1 deactivation left undone at the re-check (the user changed since the plan; the next run plans it again)"
    );
}
