//! `Client::stop_sending` (issue 9: `--max-runtime` and a signal's grace period): a wait for
//! a 429 pause, a retry's backoff or a lagging look-up ends at once, nothing more is sent,
//! and the request that was waiting fails with `ApiError::Stopped`, never with an error
//! that would fail its action. The waits scripted here are 30 s; each test allows 5 s.

use crate::support::client::*;
use hr2pagerduty::pagerduty::models::NewUser;
use hr2pagerduty::pagerduty::{ApiError, Client, RetryPolicy};
use std::time::{Duration, Instant};

/// Far longer than a test waits for a stopped request: only a stop ends a wait this long.
const LONG: Duration = Duration::from_secs(30);

/// How long a stopped request may take to return (the machine may be busy).
const PROMPT: Duration = Duration::from_secs(5);

/// A retry policy whose every backoff wait is [`LONG`].
fn long_backoff() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        min_delay: LONG,
        max_delay: LONG,
        max_elapsed: Duration::from_secs(600),
        jitter: false,
        ..RetryPolicy::default()
    }
}

/// [`new_user`] without a description.
fn new_hire(email: &str) -> NewUser {
    NewUser {
        description: None,
        ..new_user(email)
    }
}

/// Awaits `task`, failing the test when it takes longer than [`PROMPT`] after the stop.
async fn promptly<T>(task: tokio::task::JoinHandle<T>) -> T {
    let stopped = Instant::now();
    match tokio::time::timeout(PROMPT, task).await {
        Ok(done) => done.unwrap(),
        Err(_) => panic!("still waiting {:?} after stop_sending", stopped.elapsed()),
    }
}

#[tokio::test]
async fn a_stop_ends_a_429_pause_at_once_and_nothing_more_is_sent() {
    let server = Server::start(|_| {
        Reply::error(429, 2020, "Rate Limit Exceeded", &[]).with_header("ratelimit-reset", "30")
    })
    .await;
    let mut cfg = config(&server.url);
    cfg.rate_limit_wait = Duration::from_secs(120);
    let client = Client::new(cfg).unwrap();
    let waiting = tokio::spawn({
        let c = client.clone();
        async move { c.get_user(&"PA".into()).await }
    });
    let deadline = Instant::now() + PROMPT;
    while client.stats().rate_limited == 0 {
        assert!(Instant::now() < deadline, "no 429 seen");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    client.stop_sending();
    let err = promptly(waiting).await.unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Stopped {
                attempts: 1,
                outcome_unknown: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_stopped());
    // A request made after the stop is not sent at all.
    let later = client.get_user(&"PB".into()).await.unwrap_err();
    assert!(
        matches!(later, ApiError::Stopped { attempts: 0, .. }),
        "{later:?}"
    );
    assert_eq!(server.lines(), ["GET /users/PA?include[]=teams"]);
}

#[tokio::test]
async fn a_stop_ends_a_retrys_backoff_at_once() {
    let server = Server::start(|_| Reply::empty(503)).await;
    let mut cfg = config(&server.url);
    cfg.retry = long_backoff();
    let client = Client::new(cfg).unwrap();
    let waiting = tokio::spawn({
        let c = client.clone();
        async move { c.get_user(&"PA".into()).await }
    });
    server.wait_for(1).await;
    client.stop_sending();
    let err = promptly(waiting).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Stopped { attempts: 1, .. }),
        "{err:?}"
    );
    assert_eq!(server.lines().len(), 1, "{:?}", server.lines());
}

#[tokio::test]
async fn a_stop_during_the_look_up_for_a_taken_email_interrupts_the_create() {
    // PagerDuty says the email is taken; the look-up does not show its holder yet (listing
    // lag), so the client would look again after a 30 s backoff. The stop ends that wait,
    // and the create is reported stopped after a POST that may have an effect, not as an
    // unknown outcome (which fails the action) nor after the whole backoff.
    let server = Server::start(|r| match r.method.as_str() {
        "POST" => Reply::error(
            400,
            2001,
            "Invalid Input Provided",
            &["Email has already been taken"],
        ),
        _ => Reply::json(200, users_page(0, vec![], false, Some(0))),
    })
    .await;
    let mut cfg = config(&server.url);
    cfg.retry = long_backoff();
    let client = Client::new(cfg).unwrap();
    let creating = tokio::spawn({
        let c = client.clone();
        async move { c.create_user(&new_hire("new@example.com")).await }
    });
    // The POST and the first look-up.
    server.wait_for(2).await;
    client.stop_sending();
    let err = promptly(creating).await.unwrap_err();
    match &err {
        ApiError::Stopped {
            method,
            path,
            attempts,
            outcome_unknown,
        } => {
            assert_eq!(
                (method.as_str(), path.as_str(), *attempts, *outcome_unknown),
                ("POST", "/users", 1, true)
            );
        }
        other => panic!("expected the create stopped, got {other:?}"),
    }
    assert_eq!(
        server.lines(),
        ["POST /users".to_string(), lookup_line("new@example.com")]
    );
}

#[tokio::test]
async fn a_stop_before_the_look_up_of_an_unknown_create_reports_it_stopped() {
    // The only attempt's answer (a 500, after 300 ms) leaves the outcome unknown, so the
    // client would look the email up; the run stopped while the POST was on the wire, so no
    // look-up is sent and the create is reported stopped with its outcome unknown.
    let server = Server::start(|_| Reply::empty(500).after(Duration::from_millis(300))).await;
    let mut cfg = config(&server.url);
    cfg.retry = RetryPolicy {
        max_attempts: 1,
        ..long_backoff()
    };
    let client = Client::new(cfg).unwrap();
    let creating = tokio::spawn({
        let c = client.clone();
        async move { c.create_user(&new_hire("new@example.com")).await }
    });
    server.wait_for(1).await;
    client.stop_sending();
    let err = promptly(creating).await.unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Stopped {
                attempts: 1,
                outcome_unknown: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.lines(), ["POST /users"]);
}
