//! The key's budget against the simulator on 127.0.0.1 (facts F27–F30): the server's own
//! budget, another process on the same key (the simulator's competing load), in-flight
//! requests that follow latency (its latency option), the create cap and its back-off under
//! account-lock errors (scripted, and its random lock contention), 429s waited out beyond
//! the attempt bound. Budgets are scaled up and windows short so each test takes seconds;
//! bounds are generous.

use crate::support::client::*;
use futures::StreamExt;
use hr2pagerduty::pagerduty::models::{NewUser, TeamRole};
use hr2pagerduty::pagerduty::{ApiError, Client, ClientConfig, ClientStats};
use hr2pagerduty::sim::{self, Fault, FaultKind, RandomFaults, Seed, SimHandle};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Every answer of `sim` (429s included) waits `ms` milliseconds.
fn latency(sim: &SimHandle, ms: u64) {
    sim.set_random_faults(RandomFaults {
        latency_ms: ms,
        ..RandomFaults::default()
    })
    .unwrap();
}

async fn sim_with(requests: u32, window_seconds: u64) -> SimHandle {
    let seed = Seed::from_json(&format!(
        r#"{{"rate_limit": {{"requests": {requests}, "window_seconds": {window_seconds}}},
            "teams": [{{"id": "PTEAM01", "name": "Ops"}}],
            "users": [{{"id": "PBOT001", "name": "Bot", "email": "bot@example.com", "role": "admin"}}]}}"#
    ))
    .unwrap();
    sim::start(seed, 0).await.unwrap()
}

fn person(i: usize) -> NewUser {
    NewUser {
        kind: "user".into(),
        name: format!("Person {i}"),
        email: format!("person{i}@example.com"),
        role: None,
        time_zone: None,
        job_title: None,
        description: None,
        color: None,
        license: None,
    }
}

/// The configuration's defaults where the issue names them (32 in flight), with a ceiling of
/// 4 creates (the create limit's start, and the default before it became 16) so that a test
/// of a few dozen creates sees the limit lowered and grown back to its ceiling.
fn defaults(url: &str) -> ClientConfig {
    let mut cfg = config(url);
    cfg.concurrency = 32;
    cfg.create_concurrency = 4;
    cfg.burst = 10;
    cfg.rate_limit_wait = Duration::from_secs(60);
    cfg
}

/// Onboards `n` people as `apply` does: `concurrency` actions at once, each a create then a
/// team membership. Returns the failures.
async fn onboard(client: &Client, n: usize, concurrency: usize) -> Vec<ApiError> {
    futures::stream::iter(0..n)
        .map(|i| {
            let c = client.clone();
            async move {
                let user = c.create_user(&person(i)).await?.value;
                c.set_team_role(&"PTEAM01".into(), &user.id, &TeamRole::Responder)
                    .await?;
                Ok::<(), ApiError>(())
            }
        })
        .buffer_unordered(concurrency)
        .filter_map(|r| async move { r.err() })
        .collect()
        .await
}

fn share_429(s: &ClientStats) -> f64 {
    s.rate_limited as f64 / s.requests_sent.max(1) as f64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_on_the_same_key_fails_nothing_and_gets_few_429s() {
    // 100 requests per 2 s window (3,000/min). Another process on the same key spends
    // 1,500 a minute (half of each window) whatever the answers say; alone, the client
    // would spend 90 a window. 50 people, 100 requests: several windows, each contested.
    // Answers take 100 ms, so several requests are in flight when a window runs out.
    let sim = sim_with(100, 2).await;
    latency(&sim, 100);
    let load = sim.competing_load(FAKE_KEY, 1_500);
    let mut cfg = defaults(&sim.url());
    cfg.requests_per_minute = 3_000; // the whole budget, as if alone on the key
    let client = Client::new(cfg).unwrap();
    let failures = onboard(&client, 50, 32).await;
    let refused = load.refused();
    let competitor_spent = load.stop().await;
    let s = client.stats();
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(sim.users().len(), 51);
    assert_eq!(sim.team_members("PTEAM01").len(), 50);
    // The other process really took its share (and, ignoring the headers, was refused).
    assert!(
        competitor_spent >= 50,
        "the other process spent {competitor_spent}, refused {refused}"
    );
    assert!(s.rate_limited <= 3, "{s:#?}");
    // The client slowed down on the server's word, not only after 429s.
    assert!(
        !s.pace_wait.is_zero() || !s.budget_paused.is_zero(),
        "{s:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_budget_far_below_the_configured_one_is_followed() {
    // 20 requests per 2 s (600/min) against a configured 9,000/min: the issue's 60/min
    // server under a 900/min configuration, scaled. 20 people, 40 requests.
    let sim = sim_with(20, 2).await;
    let mut cfg = defaults(&sim.url());
    cfg.requests_per_minute = 9_000;
    let client = Client::new(cfg).unwrap();
    let started = Instant::now();
    let failures = onboard(&client, 20, 32).await;
    let s = client.stats();
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(sim.users().len(), 21);
    // The limiter follows the advertised 20 per 2 s, less a burst of 2: 540 per minute.
    assert_eq!((s.ratelimit_limit, s.requests_per_minute), (Some(20), 540));
    // No window takes more than it allows, so at most the first one meets a 429.
    assert!(s.rate_limited <= 4, "{s:#?}");
    assert!(share_429(&s) < 0.1, "{s:#?}");
    // 40 requests at 18 per 2 s need at least two windows.
    assert!(started.elapsed() >= Duration::from_secs(2));
}

/// Sends `n` reads with `concurrency` at once and returns the stats and the time taken.
async fn reads(sim: &SimHandle, n: usize) -> (ClientStats, Duration) {
    let mut cfg = defaults(&sim.url());
    cfg.requests_per_minute = 6_000;
    cfg.burst = 1; // no opening burst: what is in flight is the cap's doing
    let client = Client::new(cfg).unwrap();
    let started = Instant::now();
    let results: Vec<_> = futures::stream::iter(0..n)
        .map(|_| {
            let c = client.clone();
            async move { c.get_user(&"PBOT001".into()).await }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(results.iter().all(|r| matches!(r, Ok(Some(_)))));
    (client.stats(), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_follow_latency() {
    // 6,000/min = 100/s. At 20 ms about 2 requests are in flight, at 200 ms about 20
    // (Little's law); 4 in flight at 200 ms would need 200 × 0.2 / 4 = 10 s.
    let sim = sim_with(100_000, 60).await;
    latency(&sim, 20);
    let (fast, _) = reads(&sim, 100).await;
    latency(&sim, 200);
    let (slow, took) = reads(&sim, 200).await;
    // The cap follows the measured latency (a loaded machine adds some to both).
    assert!(slow.latency >= Duration::from_millis(190), "{slow:#?}");
    assert!(fast.latency < slow.latency / 2, "{fast:#?} {slow:#?}");
    assert!(
        fast.in_flight_limit * 2 <= slow.in_flight_limit,
        "{fast:#?} {slow:#?}"
    );
    assert!(
        fast.in_flight_peak < slow.in_flight_peak,
        "{fast:#?} {slow:#?}"
    );
    assert!(slow.in_flight_limit >= 20, "{slow:#?}");
    assert!(slow.in_flight_peak >= 15, "{slow:#?}");
    assert!(slow.in_flight_peak <= 32, "{slow:#?}");
    assert!(took < Duration::from_secs(6), "{took:?} {slow:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_few_slow_answers_do_not_hold_every_slot() {
    // Fast answers keep the cap at about 3; four reads then take 2.5 s each. After a second
    // they count as stragglers, so the other reads go on long before the slow ones end.
    let sim = sim_with(100_000, 60).await;
    let mut cfg = defaults(&sim.url());
    cfg.requests_per_minute = 6_000;
    cfg.request_timeout = Duration::from_secs(10); // the slow reads are slow, not lost
    let client = Client::new(cfg).unwrap();
    for _ in 0..20 {
        client.list_teams().await.unwrap();
    }
    assert!(client.stats().in_flight_limit <= 4, "{:#?}", client.stats());
    sim.inject(Fault::new("GET", "/users/PBOT001", FaultKind::Delay { ms: 2_500 }).times(4));
    let started = Instant::now();
    let slow: Vec<_> = (0..4)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.get_user(&"PBOT001".into()).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let fast: Vec<_> = futures::stream::iter(0..20)
        .map(|_| {
            let c = client.clone();
            async move { c.list_teams().await }
        })
        .buffer_unordered(20)
        .collect()
        .await;
    let fast_done = started.elapsed();
    assert!(fast.iter().all(Result::is_ok));
    for s in slow {
        assert!(s.await.unwrap().unwrap().is_some());
    }
    assert!(
        fast_done < Duration::from_millis(2_000),
        "the fast reads waited for the slow ones: {fast_done:?}"
    );
    assert_eq!(client.stats().retries, 0);
}

#[tokio::test]
async fn create_concurrency_bounds_overlapping_posts() {
    // Each create takes 100 ms; with 3 at most in flight no 4 arrive within 100 ms, whatever
    // the 32 actions and 32 request slots allow.
    let n = AtomicUsize::new(0);
    let server = Server::start(move |r| {
        if r.method == "POST" {
            let i = n.fetch_add(1, Ordering::SeqCst);
            Reply::json(
                201,
                json!({"user": user_with(&format!("PN{i}"), &format!("n{i}@example.com"))}),
            )
            .after(Duration::from_millis(100))
        } else {
            Reply::empty(404)
        }
    })
    .await;
    let mut cfg = defaults(&server.url);
    cfg.create_concurrency = 3;
    let client = Client::new(cfg).unwrap();
    let results: Vec<_> = futures::stream::iter(0..12)
        .map(|i| {
            let c = client.clone();
            async move { c.create_user(&person(i)).await }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(results.iter().all(Result::is_ok));
    let mut at: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    at.sort();
    assert_eq!(at.len(), 12);
    for w in at.windows(4) {
        assert!(
            w[3] - w[0] >= Duration::from_millis(90),
            "{:?}",
            w[3] - w[0]
        );
    }
    let s = client.stats();
    assert_eq!((s.create_limit, s.create_peak), (3, 3), "{s:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_locks_lower_the_create_limit_and_fail_no_create() {
    let sim = sim_with(100_000, 60).await;
    // The first 8 creates meet PagerDuty's transient lock (fact F30), then each create
    // takes 30 ms so that creates overlap.
    sim.inject(Fault::new("POST", "/users", FaultKind::AccountLock).times(8));
    sim.inject(
        Fault::new("POST", "/users", FaultKind::Delay { ms: 30 })
            .skip(8)
            .always(),
    );
    let client = Client::new(defaults(&sim.url())).unwrap();
    let lowest = Arc::new(AtomicUsize::new(usize::MAX));
    let watch = tokio::spawn({
        let (c, lowest) = (client.clone(), lowest.clone());
        async move {
            loop {
                lowest.fetch_min(c.stats().create_limit, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
    });
    let failures = onboard(&client, 24, 32).await;
    watch.abort();
    let s = client.stats();
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(sim.users().len(), 25);
    assert_eq!(s.account_locks, 8, "{s:#?}");
    let lowest = lowest.load(Ordering::SeqCst);
    assert!(lowest <= 2, "the create limit went no lower than {lowest}");
    // Grown back one by one after the locks stopped.
    assert_eq!(s.create_limit, 4, "{s:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_lock_contention_is_backed_off_and_fails_no_create() {
    // Half of the creates that overlap another are refused with the account lock; a create
    // alone is never refused (the simulator's lock contention).
    let sim = sim_with(100_000, 60).await;
    sim.set_random_faults(RandomFaults {
        seed: 8,
        latency_ms: 30,
        lock_contention_percent: 50.0,
        ..RandomFaults::default()
    })
    .unwrap();
    let client = Client::new(defaults(&sim.url())).unwrap();
    let lowest = Arc::new(AtomicUsize::new(usize::MAX));
    let watch = tokio::spawn({
        let (c, lowest) = (client.clone(), lowest.clone());
        async move {
            loop {
                lowest.fetch_min(c.stats().create_limit, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
    });
    let failures = onboard(&client, 30, 32).await;
    watch.abort();
    let s = client.stats();
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(sim.users().len(), 31);
    assert!(s.account_locks >= 1, "{s:#?}");
    assert_eq!(s.account_locks, sim.fault_counts().account_locks, "{s:#?}");
    let lowest = lowest.load(Ordering::SeqCst);
    assert!(lowest <= 2, "the create limit went no lower than {lowest}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rare_account_locks_let_the_create_limit_grow_to_its_ceiling() {
    // One overlapping create in 20 is refused with the lock (the onboarding benchmark's
    // contention): each is retried, and the limit still grows from 4 to the ceiling of 16,
    // since a lock now and then is not frequent.
    let sim = sim_with(100_000, 60).await;
    sim.set_random_faults(RandomFaults {
        seed: 8,
        latency_ms: 20,
        lock_contention_percent: 5.0,
        ..RandomFaults::default()
    })
    .unwrap();
    let mut cfg = defaults(&sim.url());
    cfg.create_concurrency = 16;
    let client = Client::new(cfg).unwrap();
    assert_eq!(client.stats().create_limit, 4);
    let failures = onboard(&client, 250, 32).await;
    let s = client.stats();
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(sim.users().len(), 251);
    assert!(s.account_locks >= 1, "{s:#?}");
    assert_eq!(s.account_locks, sim.fault_counts().account_locks, "{s:#?}");
    assert_eq!((s.create_limit, s.create_peak), (16, 16), "{s:#?}");
}

#[tokio::test]
async fn a_create_outlasts_more_account_locks_than_max_attempts() {
    let sim = sim_with(100_000, 60).await;
    sim.inject(Fault::new("POST", "/users", FaultKind::AccountLock).times(6));
    let mut cfg = defaults(&sim.url());
    cfg.retry.max_attempts = 3;
    cfg.retry.max_delay = Duration::from_millis(60);
    let client = Client::new(cfg).unwrap();
    let sent = client.create_user(&person(1)).await.unwrap();
    assert_eq!(sent.attempts, 7);
    assert_eq!(client.stats().account_locks, 6);
}

#[tokio::test]
async fn a_429_is_waited_out_whatever_the_attempt_bound() {
    let sim = sim_with(100_000, 60).await;
    // Ten 429s with ratelimit-reset 0: each waits min_delay (50 ms) at the shared gate.
    sim.inject(
        Fault::new(
            "GET",
            "/users/*",
            FaultKind::RateLimited { reset_seconds: 0 },
        )
        .times(10),
    );
    let mut cfg = defaults(&sim.url());
    cfg.retry.max_attempts = 2;
    cfg.retry.max_elapsed = Duration::from_millis(100);
    let client = Client::new(cfg).unwrap();
    let user = client.get_user(&"PBOT001".into()).await.unwrap();
    assert!(user.is_some());
    let s = client.stats();
    assert_eq!((s.rate_limited, s.requests_sent), (10, 11), "{s:#?}");
    assert!(s.paused >= Duration::from_millis(450), "{s:#?}");
}

#[tokio::test]
async fn a_bare_429_waits_for_the_reset_an_earlier_answer_announced() {
    // A 2 s window: the first answer announces its reset; the next request is answered with
    // a bare 429 (no headers, no body, fact F28) and waits for that reset, not for a 50 ms
    // backoff.
    let sim = sim_with(1_000, 2).await;
    sim.inject(Fault::new("GET", "/users/*", FaultKind::BareRateLimit).skip(1));
    let mut cfg = defaults(&sim.url());
    cfg.retry.max_delay = Duration::from_millis(50);
    let client = Client::new(cfg).unwrap();
    assert!(client.get_user(&"PBOT001".into()).await.unwrap().is_some());
    let started = Instant::now();
    assert!(client.get_user(&"PBOT001".into()).await.unwrap().is_some());
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(900), "{waited:?}");
    assert_eq!(client.stats().rate_limited, 1);
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A measurement, not a check: `MEASURE_CREATES` people (default 300), each a create then
/// `MEASURE_TEAMS` team memberships (default 0, at most 3), against a simulator budget of
/// `MEASURE_BUDGET` requests (default 960) per `MEASURE_WINDOW` seconds (default 60), each
/// request answered after `MEASURE_LATENCY_MS` (default 150; the simulator's latency
/// option, 429s included), with the configuration's
/// defaults (`MEASURE_RPM` and `MEASURE_CREATE_CONCURRENCY` override them).
/// Prints the run's duration, requests answered, 429s, failures and budget use (requests
/// answered, 429s included, over the duration, against the simulator's budget):
///
/// `MEASURE_LATENCY_MS=600 cargo test --release --test client budget::measure -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement that takes tens of seconds; run it by hand"]
async fn measure_budget_use() {
    use hr2pagerduty::config::{
        DEFAULT_BURST, DEFAULT_CONCURRENCY, DEFAULT_CREATE_CONCURRENCY, DEFAULT_REQUESTS_PER_MINUTE,
    };
    let latency_ms = env_or("MEASURE_LATENCY_MS", 150);
    let budget = env_or("MEASURE_BUDGET", 960) as u32;
    let window = env_or("MEASURE_WINDOW", 60);
    let creates = env_or("MEASURE_CREATES", 300) as usize;
    let rpm = env_or("MEASURE_RPM", u64::from(DEFAULT_REQUESTS_PER_MINUTE)) as u32;
    let create_concurrency = env_or(
        "MEASURE_CREATE_CONCURRENCY",
        DEFAULT_CREATE_CONCURRENCY as u64,
    ) as usize;
    let teams = env_or("MEASURE_TEAMS", 0).min(3) as usize;
    let seed = Seed::from_json(&format!(
        r#"{{"rate_limit": {{"requests": {budget}, "window_seconds": {window}}},
            "teams": [{{"id": "PTEAM01", "name": "A"}}, {{"id": "PTEAM02", "name": "B"}},
                      {{"id": "PTEAM03", "name": "C"}}],
            "users": [{{"name": "Bot", "email": "bot@example.com", "role": "admin"}}]}}"#
    ))
    .unwrap();
    let sim = sim::start(seed, 0).await.unwrap();
    latency(&sim, latency_ms);
    let mut cfg = config(&sim.url());
    cfg.requests_per_minute = rpm;
    cfg.burst = DEFAULT_BURST;
    cfg.concurrency = DEFAULT_CONCURRENCY;
    cfg.create_concurrency = create_concurrency;
    cfg.rate_limit_wait = hr2pagerduty::pagerduty::DEFAULT_RATE_LIMIT_WAIT;
    cfg.request_timeout = Duration::from_secs(30);
    cfg.retry = hr2pagerduty::pagerduty::RetryPolicy::default();
    let client = Client::new(cfg).unwrap();
    let started = Instant::now();
    let results: Vec<bool> = futures::stream::iter(0..creates)
        .map(|i| {
            let c = client.clone();
            async move {
                let Ok(sent) = c.create_user(&person(i)).await else {
                    return false;
                };
                for t in 1..=teams {
                    let team = format!("PTEAM0{t}").into();
                    let role = TeamRole::Responder;
                    if c.set_team_role(&team, &sent.value.id, &role).await.is_err() {
                        return false;
                    }
                }
                true
            }
        })
        .buffer_unordered(DEFAULT_CONCURRENCY)
        .collect()
        .await;
    let secs = started.elapsed().as_secs_f64();
    let reqs = sim.requests();
    let answered = reqs.iter().filter(|r| r.status != 0).count();
    let refused = reqs.iter().filter(|r| r.status == 429).count();
    let failed = results.iter().filter(|ok| !**ok).count();
    let per_min = answered as f64 / secs * 60.0;
    let budget_per_min = f64::from(budget) * 60.0 / window as f64;
    let s = client.stats();
    println!(
        "MEASURE latency_ms={latency_ms} budget={budget}/{window}s creates={creates} teams={teams} rpm={rpm} \
         create_concurrency={create_concurrency} seconds={secs:.1} answered={answered} \
         429={refused} failed={failed} requests_per_min={per_min:.0} budget_use={:.1}% \
         in_flight_peak={} create_peak={} limiter_rpm={}",
        100.0 * per_min / budget_per_min,
        s.in_flight_peak,
        s.create_peak,
        s.requests_per_minute
    );
}
