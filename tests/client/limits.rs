//! The shared limiter, the in-flight cap and the shared 429 pause (facts F27, F28).
//! Timing assertions are generous lower bounds only.

use crate::support::client::*;
use hr2pagerduty::pagerduty::{ApiError, Client, StopReason};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn ok_user(r: &Recorded) -> Reply {
    let id = r.path.trim_start_matches("/users/");
    Reply::json(
        200,
        json!({"user": user_with(id, &format!("{id}@example.com"))}),
    )
}

#[tokio::test]
async fn a_429_pauses_every_worker_until_ratelimit_reset() {
    let refused = AtomicBool::new(false);
    let server = Server::start(move |r| {
        if r.path == "/users/PA" && !refused.swap(true, Ordering::SeqCst) {
            Reply::error(429, 2020, "Rate Limit Exceeded", &[])
                .with_header("ratelimit-limit", "960")
                .with_header("ratelimit-remaining", "0")
                .with_header("ratelimit-reset", "1")
        } else {
            ok_user(r).with_header("ratelimit-remaining", "958")
        }
    })
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let a = tokio::spawn({
        let c = client.clone();
        async move { c.get_user(&"PA".into()).await }
    });
    // Start the second request only once the client has seen the 429 and closed the gate.
    let deadline = Instant::now() + Duration::from_secs(5);
    while client.stats().rate_limited == 0 || client.stats().paused.is_zero() {
        assert!(Instant::now() < deadline, "no 429 seen");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let b = client.clone().get_user(&"PB".into()).await.unwrap();
    assert!(b.is_some());
    assert!(a.await.unwrap().unwrap().is_some());

    let reqs = server.requests();
    let lines: Vec<String> = reqs.iter().map(Recorded::line).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    let refused_at = reqs[0].at;
    assert_eq!(reqs[0].path, "/users/PA");
    for r in &reqs[1..] {
        let gap = r.at - refused_at;
        assert!(
            gap >= Duration::from_millis(900),
            "{} came {gap:?} after the 429",
            r.line()
        );
    }
    let stats = client.stats();
    assert_eq!(stats.rate_limited, 1);
    assert_eq!(stats.retries, 1);
    assert!(stats.paused >= Duration::from_millis(900), "{stats:?}");
    assert_eq!(stats.ratelimit_remaining, Some(958));
    assert_eq!(stats.ratelimit_limit, Some(960));
}

#[tokio::test]
async fn a_429_without_headers_falls_back_to_backoff() {
    let server = Server::scripted(vec![
        ("GET /users/PA?include[]=teams", Reply::empty(429)),
        (
            "GET /users/PA?include[]=teams",
            Reply::json(200, json!({"user": user_with("PA", "a@example.com")})),
        ),
    ])
    .await;
    let mut cfg = config(&server.url);
    cfg.retry.min_delay = Duration::from_millis(300);
    cfg.retry.max_delay = Duration::from_millis(300);
    let client = Client::new(cfg).unwrap();
    assert!(client.get_user(&"PA".into()).await.unwrap().is_some());
    server.assert_done();
    let reqs = server.requests();
    let gap = reqs[1].at - reqs[0].at;
    assert!(gap >= Duration::from_millis(280), "retried after {gap:?}");
    assert_eq!(client.stats().rate_limited, 1);
}

#[tokio::test]
async fn a_429_that_outlasts_the_budget_is_reported() {
    let server = Server::start(|_| {
        Reply::error(429, 2020, "Rate Limit Exceeded", &[]).with_header("ratelimit-reset", "30")
    })
    .await;
    let mut cfg = config(&server.url);
    cfg.rate_limit_wait = Duration::from_secs(2);
    let client = Client::new(cfg).unwrap();
    let started = Instant::now();
    let err = client.get_user(&"PA".into()).await.unwrap_err();
    // The reset (30 s) does not fit in the run's 2 s of rate-limit wait: no wait, no retry.
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(err.is_rate_limited(), "{err}");
    assert!(
        matches!(
            err,
            ApiError::Status {
                stop: StopReason::RateLimitWaitExhausted,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.body().unwrap().code, Some(2020));
    assert_eq!(server.lines().len(), 1);
}

#[tokio::test]
async fn clones_share_one_limiter() {
    // 120 requests per minute with a burst of 1: one request every 0.5 s, so five requests
    // from five clones need at least 2 s in all, whichever clone sends them.
    let server = Server::start(ok_user).await;
    let mut cfg = config(&server.url);
    cfg.requests_per_minute = 120;
    cfg.burst = 1;
    cfg.concurrency = 8;
    let client = Client::new(cfg).unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..5)
        .map(|i| {
            let c = client.clone();
            tokio::spawn(async move { c.get_user(&format!("P{i}").into()).await })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().unwrap().is_some());
    }
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(1900), "{elapsed:?}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 5);
    let first = reqs.iter().map(|r| r.at).min().unwrap();
    let last = reqs.iter().map(|r| r.at).max().unwrap();
    assert!(
        last - first >= Duration::from_millis(1900),
        "{:?}",
        last - first
    );
    assert!(client.stats().limiter_wait >= Duration::from_millis(1900));
}

#[tokio::test]
async fn requests_in_flight_never_exceed_concurrency() {
    // Each answer takes 200 ms; with 2 in flight, 6 requests need at least 3 rounds.
    let server = Server::start(|r| ok_user(r).after(Duration::from_millis(200))).await;
    let mut cfg = config(&server.url);
    cfg.concurrency = 2;
    let client = Client::new(cfg).unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let c = client.clone();
            tokio::spawn(async move { c.get_user(&format!("P{i}").into()).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert!(
        started.elapsed() >= Duration::from_millis(570),
        "{:?}",
        started.elapsed()
    );
    // Arrival times: no three requests arrive within one 200 ms answer time.
    let mut at: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    at.sort();
    for w in at.windows(3) {
        assert!(
            w[2] - w[0] >= Duration::from_millis(180),
            "{:?}",
            w[2] - w[0]
        );
    }
}
