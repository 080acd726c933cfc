use super::*;
use crate::apply::{Cause, Signal};
use crate::email::Email;
use crate::plan::{Action, ActionKind};

fn outcome(status: OutcomeStatus) -> Outcome {
    let action = Action {
        employee_id: Some("1001".into()),
        user_id: Some("PADA".into()),
        reason: "job title changed".into(),
        line: Some(2),
        ..Action::new(
            ActionKind::Update,
            Email::normalise("ada@example.com"),
            "Ada Lovelace".into(),
        )
    };
    let halt = Halt::Signal(Signal::Terminate);
    Outcome {
        user_id: action.user_id.clone(),
        action,
        status,
        cause: match status {
            OutcomeStatus::NotStarted => Some(Cause::NotStarted(halt)),
            _ => None,
        },
        attempts: 1,
        steps_done: 1,
        http_status: None,
        adopted: false,
    }
}

#[test]
fn a_stop_after_every_action_ended_leaves_the_run_complete() {
    let term = Some(Halt::Signal(Signal::Terminate));
    let ended = [
        outcome(OutcomeStatus::Applied),
        outcome(OutcomeStatus::Failed),
    ];
    assert_eq!(stopped_early(term, &ended), None);
    assert_eq!(stopped_early(Some(Halt::MaxRuntime), &ended), None);
    let cut = [
        outcome(OutcomeStatus::Applied),
        outcome(OutcomeStatus::NotStarted),
    ];
    assert_eq!(stopped_early(term, &cut), term);
    assert_eq!(stopped_early(None, &cut), None);
}
