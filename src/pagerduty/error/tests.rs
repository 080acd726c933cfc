use super::*;

#[test]
fn status_error_names_everything_a_report_needs() {
    let e = ApiError::Status {
        method: Method::POST,
        path: "/users".into(),
        status: 400,
        body: Some(Box::new(ApiErrorBody {
            code: Some(2001),
            message: "Invalid Input Provided".into(),
            errors: vec!["Email has already been taken".into()],
        })),
        attempts: 1,
        elapsed: Duration::from_millis(120),
        stop: StopReason::NotRetryable,
    };
    assert_eq!(
        e.to_string(),
        "POST /users: HTTP 400: Invalid Input Provided (code 2001): Email has already been taken \
             (not retryable; 1 attempt in 0.1s)"
    );
    assert!(e.body_mentions("email has already been taken"));
    assert!(!e.is_auth());
    assert_eq!(e.status(), Some(400));
}

#[test]
fn ceiling_reason_says_what_was_not_sent() {
    let e = ApiError::IncompleteListing {
        what: "users".into(),
        reason: IncompleteReason::OffsetCeiling {
            fetched: 10_000,
            total: Some(12_000),
        },
    };
    let s = e.to_string();
    assert!(
        s.contains("12000") && s.contains("10,000") && s.contains("not sent"),
        "{s}"
    );
    assert!(e.is_incomplete_listing());
    assert_eq!(e.attempts(), 0);
}

#[test]
fn the_ceiling_answer_is_recognised_and_only_the_paginators_verdict_is_an_incomplete_listing() {
    let answer = |method: Method, code: i64| ApiError::Status {
        method,
        path: "/users".into(),
        status: 400,
        body: Some(Box::new(ApiErrorBody {
            code: Some(code),
            message: "Arguments Caused Error".into(),
            errors: vec![],
        })),
        attempts: 1,
        elapsed: Duration::ZERO,
        stop: StopReason::NotRetryable,
    };
    assert!(answer(Method::GET, 2002).is_ceiling_answer());
    assert!(!answer(Method::GET, 2001).is_ceiling_answer());
    assert!(!answer(Method::POST, 2002).is_ceiling_answer());
    // Outside a listing's pages (the paginator converts those), it is a plain HTTP error.
    assert!(!answer(Method::GET, 2002).is_incomplete_listing());
    let users = ApiError::IncompleteListing {
        what: "users".into(),
        reason: IncompleteReason::CeilingAnswer {
            offset: 300,
            limit: 100,
            detail: "Arguments Caused Error (code 2002)".into(),
        },
    };
    let s = users.to_string();
    assert!(
        s.contains("offset 300") && s.contains("code 2002") && s.contains("deactivating users"),
        "{s}"
    );
    let teams = ApiError::IncompleteListing {
        what: "teams".into(),
        reason: IncompleteReason::EmptyPageWithMore { offset: 0 },
    };
    assert!(!teams.to_string().contains("deactivating"));
}

#[test]
fn a_final_answer_after_retried_attempts_is_not_called_retried() {
    let e = |attempts, stop| ApiError::Status {
        method: Method::GET,
        path: "/users".into(),
        status: 404,
        body: None,
        attempts,
        elapsed: Duration::from_millis(400),
        stop,
    };
    let two = e(2, StopReason::NotRetryable).to_string();
    assert!(!two.contains("not retryable after"), "{two}");
    assert!(
        two.ends_with(
            "(not retryable; 2 attempts in 0.4s, the earlier ones retried for a transient failure)"
        ),
        "{two}"
    );
    let spent = e(4, StopReason::AttemptsExhausted).to_string();
    assert!(
        spent.ends_with("(retries exhausted after 4 attempts in 0.4s)"),
        "{spent}"
    );
}
