use super::*;

#[test]
fn a_client_error_keeps_its_words_and_says_its_kind() {
    use crate::pagerduty::StopReason;
    use crate::pagerduty::models::ApiErrorBody;
    use reqwest::Method;
    use std::time::Duration;
    let status = |status: u16, errors: &[&str]| ApiError::Status {
        method: Method::DELETE,
        path: "/teams/PT1/users/PU1".into(),
        status,
        body: Some(Box::new(ApiErrorBody {
            code: Some(2001),
            message: "Invalid Input Provided".into(),
            errors: errors.iter().map(|e| e.to_string()).collect(),
        })),
        attempts: 1,
        elapsed: Duration::from_millis(100),
        stop: StopReason::NotRetryable,
    };
    let held = status(
        400,
        &["User cannot be removed as they belong to an escalation policy on this team"],
    );
    let e = StepError::from_api(&held);
    assert!(
        matches!(
            e,
            StepError::Refused {
                refusal: Refusal::TeamRemovalBlocked,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.to_string(), held.to_string());
    let key = status(401, &[]);
    assert!(matches!(
        StepError::from_api(&key),
        StepError::Status { status: 401, .. }
    ));
    let timeout = ApiError::Transport {
        method: Method::PUT,
        path: "/users/PU1".into(),
        kind: TransportKind::Timeout,
        detail: "operation timed out".into(),
        attempts: 4,
        elapsed: Duration::from_secs(30),
        stop: StopReason::AttemptsExhausted,
    };
    let e = StepError::from_api(&timeout);
    assert!(matches!(
        e,
        StepError::Transport {
            kind: TransportKind::Timeout,
            ..
        }
    ));
    assert_eq!(e.to_string(), timeout.to_string());
}

#[test]
fn the_conditions_of_a_step_keep_their_words() {
    let cases = [
        (
            StepError::NotArchived {
                from: UserId::new("POLD"),
            },
            "the archive has no record of deleted user POLD; its contact methods and notification rules cannot be restored",
        ),
        (
            StepError::UserGone {
                user: UserId::new("PNEW"),
            },
            "user PNEW no longer exists",
        ),
        (
            StepError::NoArchive,
            "no [lifecycle] archive is configured, so the user was not deleted",
        ),
        (
            StepError::ArchiveNotWritten("disk full".into()),
            "disk full; the user was not deleted",
        ),
    ];
    for (e, words) in cases {
        assert_eq!(e.to_string(), words);
    }
}

#[test]
fn causes_keep_their_words() {
    let failure = |step, error: &str| StepFailure {
        step,
        steps: 3,
        error: StepError::Client { text: error.into() },
        held_by: None,
    };
    let cases = [
        (
            Cause::AuthenticationRejected,
            "not attempted: authentication was rejected",
        ),
        (
            Cause::Recheck(Mismatch::Gone),
            "re-check: the user no longer exists",
        ),
        (
            Cause::Recheck(Mismatch::Untouchable(Untouchable::Owner)),
            "re-check: the user is now the account owner",
        ),
        (
            Cause::Recheck(Mismatch::Untouchable(Untouchable::Protected)),
            "re-check: the user's email is protected",
        ),
        (
            Cause::Recheck(Mismatch::MarkerNamesAnother {
                found: "2".into(),
                expected: "1".into(),
            }),
            "re-check: the user's marker now names employee 2 instead of 1",
        ),
        (
            Cause::Recheck(Mismatch::MarkerAdded { found: "2".into() }),
            "re-check: the user now carries a marker for employee 2",
        ),
        (
            Cause::Recheck(Mismatch::MarkerGone {
                expected: "1".into(),
            }),
            "re-check: the user's marker for employee 1 was removed",
        ),
        (
            Cause::Recheck(Mismatch::EmailChanged {
                now: Email::normalise("a@example.com"),
            }),
            "re-check: the user's email changed to a@example.com",
        ),
        (
            Cause::Failed(vec![failure(2, "DELETE /teams/PT/users/PU: HTTP 400")]),
            "step 2/3: DELETE /teams/PT/users/PU: HTTP 400",
        ),
        (
            Cause::NotAdopted {
                user: "PX".into(),
                why: NotAdoptable::OtherEmployee("7".into()),
            },
            "the email is already held by PagerDuty user PX, which is not adopted: its ownership marker names employee 7",
        ),
        (
            Cause::NotAdopted {
                user: "PX".into(),
                why: NotAdoptable::Untouchable(Untouchable::Owner),
            },
            "the email is already held by PagerDuty user PX, which is not adopted: it is the account owner",
        ),
        (
            Cause::EmailNotFreed { user: "PA".into() },
            "not attempted: PagerDuty user PA was to give up this email first in this run, and that change did not happen",
        ),
        (
            Cause::NotStarted(Halt::MaxRuntime),
            "not started: --max-runtime ran out",
        ),
        (
            Cause::NotStarted(Halt::Signal(super::super::stop::Signal::Terminate)),
            "not started: the run was interrupted (SIGTERM)",
        ),
        (
            Cause::Interrupted {
                halt: Halt::MaxRuntime,
                abandoned: false,
            },
            "interrupted between two steps: --max-runtime ran out; the next run finishes it",
        ),
        (
            Cause::Failed(vec![failure(2, "first"), failure(3, "second")]),
            "step 2/3: first; step 3/3: second",
        ),
        (
            Cause::Failed(vec![StepFailure {
                held_by: Some(HeldBy {
                    team: TeamId::new("PT1"),
                    team_name: "Ops".into(),
                    policies: vec![Named {
                        id: EscalationPolicyId::new("PEP1"),
                        name: "Ops EP".into(),
                    }],
                }),
                ..failure(3, "refused")
            }]),
            "step 3/3: refused; held by escalation policy \"Ops EP\" (PEP1) of team \"Ops\" (PT1); the membership is left in place",
        ),
        (
            Cause::Blocked(Blocked {
                impact: None,
                lookahead_days: 30,
                refused: Vec::new(),
                removals_only: false,
                held: None,
            }),
            "blocked: its on-call duties were not looked up",
        ),
    ];
    for (cause, words) in cases {
        assert_eq!(cause.to_string(), words);
        assert_eq!(serde_json::to_value(&cause).unwrap(), words);
    }
}

#[test]
fn a_status_logs_the_word_the_report_writes() {
    use OutcomeStatus::*;
    for s in [Applied, Failed, Skipped, Blocked, NotStarted, Interrupted] {
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
}
