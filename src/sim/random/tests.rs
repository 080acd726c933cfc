//! Unit tests of the random-fault decisions: rates, reproducibility, storms, validation.

use super::*;

fn faults(json: &str) -> RandomFaults {
    let f: RandomFaults = serde_json::from_str(json).unwrap();
    f.validate().unwrap();
    f
}

/// Decisions for `n` requests in arrival order; `write(i)` says whether request `i` is a write.
fn run(config: &RandomFaults, n: u64, write: impl Fn(u64) -> bool) -> Vec<Decision> {
    let mut state = RandomState::new(config.clone());
    (0..n).map(|i| state.decide(i, write(i))).collect()
}

fn share(decisions: &[Decision], f: impl Fn(&Decision) -> bool) -> f64 {
    decisions.iter().filter(|d| f(d)).count() as f64 * 100.0 / decisions.len() as f64
}

#[test]
fn each_kind_happens_at_its_rate() {
    let config = faults(
        r#"{"seed": 7, "server_error_percent": 5, "drop_percent": 2,
            "rate_limit_percent": 1.5, "bare_rate_limit_percent": 0.5,
            "commit_then_fail_percent": 3, "commit_then_drop_percent": 1,
            "slow_percent": 10, "lock_contention_percent": 25}"#,
    );
    let n = 100_000;
    let all = run(&config, n, |i| i % 2 == 0);
    let writes: Vec<Decision> = all.iter().step_by(2).copied().collect();
    let reads: Vec<Decision> = all.iter().skip(1).step_by(2).copied().collect();
    let near =
        |got: f64, want: f64| assert!((got - want).abs() < want * 0.15 + 0.05, "{got} vs {want}");
    let is = |k: fn(&Injected) -> bool| move |d: &Decision| d.injected.as_ref().is_some_and(k);
    near(
        share(&all, is(|k| matches!(k, Injected::ServerError(_)))),
        5.0,
    );
    near(share(&all, is(|k| *k == Injected::Drop)), 2.0);
    near(
        share(&all, is(|k| matches!(k, Injected::RateLimited(1)))),
        1.5,
    );
    near(share(&all, is(|k| *k == Injected::BareRateLimited)), 0.5);
    near(
        share(&writes, is(|k| matches!(k, Injected::CommitThenFail(_)))),
        3.0,
    );
    near(share(&writes, is(|k| *k == Injected::CommitThenDrop)), 1.0);
    // Reads are never commit-then-fail.
    assert_eq!(
        share(
            &reads,
            is(|k| matches!(k, Injected::CommitThenFail(_) | Injected::CommitThenDrop))
        ),
        0.0
    );
    // Slowness applies to requests whose endpoint runs, independently of the band.
    let running: Vec<Decision> = all
        .iter()
        .filter(|d| {
            matches!(
                d.injected,
                None | Some(Injected::CommitThenFail(_) | Injected::CommitThenDrop)
            )
        })
        .copied()
        .collect();
    near(share(&running, |d| d.slow.is_some()), 10.0);
    assert!(
        all.iter()
            .filter(|d| d.slow.is_some())
            .all(|d| d.slow == Some(Duration::from_secs(2)))
    );
    let clean: Vec<Decision> = all
        .iter()
        .filter(|d| d.injected.is_none())
        .copied()
        .collect();
    near(share(&clean, |d| d.lock_if_overlapping), 25.0);
    // Statuses are drawn from the four defaults, each about a quarter of the time.
    for status in DEFAULT_SERVER_ERROR_STATUSES {
        near(
            share(&all, |d| d.injected == Some(Injected::ServerError(status))),
            1.25,
        );
    }
}

#[test]
fn nothing_happens_without_configuration() {
    let config = RandomFaults::default();
    config.validate().unwrap();
    let all = run(&config, 10_000, |_| true);
    assert!(all.iter().all(|d| *d == Decision::default()));
    let state = RandomState::new(config);
    assert_eq!(state.latency(3), Duration::ZERO);
}

#[test]
fn the_same_seed_gives_the_same_sequence_and_another_seed_another() {
    let json = r#"{"seed": 11, "server_error_percent": 10, "drop_percent": 10,
                   "commit_then_fail_percent": 10, "rate_limit_percent": 5,
                   "rate_limit_burst": 3, "slow_percent": 10, "latency_ms": 100,
                   "latency_jitter_ms": 50}"#;
    let a = run(&faults(json), 2000, |i| i % 3 == 0);
    let b = run(&faults(json), 2000, |i| i % 3 == 0);
    assert_eq!(a, b);
    let other = run(&faults(&json.replace("11", "12")), 2000, |i| i % 3 == 0);
    assert_ne!(a, other);
    // Latency depends on the seed and the arrival number only, within the jitter.
    let s = RandomState::new(faults(json));
    let lat: Vec<Duration> = (0..500).map(|i| s.latency(i)).collect();
    assert_eq!(lat, (0..500).map(|i| s.latency(i)).collect::<Vec<_>>());
    assert!(lat.iter().all(|d| (50..=150).contains(&d.as_millis())));
    assert!(lat.iter().any(|d| d.as_millis() < 80) && lat.iter().any(|d| d.as_millis() > 120));
}

#[test]
fn a_storm_covers_the_following_requests() {
    let config = faults(r#"{"seed": 3, "bare_rate_limit_percent": 1, "rate_limit_burst": 5}"#);
    let all = run(&config, 20_000, |_| false);
    let limited: Vec<bool> = all
        .iter()
        .map(|d| d.injected == Some(Injected::BareRateLimited))
        .collect();
    // Every storm is a run of a multiple of 5 (two storms can follow each other).
    let mut runs = Vec::new();
    let mut len = 0;
    for l in limited.iter().chain([&false]) {
        if *l {
            len += 1;
        } else if len > 0 {
            runs.push(len);
            len = 0;
        }
    }
    assert!(!runs.is_empty());
    assert!(runs.iter().all(|r| r % 5 == 0), "{runs:?}");
    // About 1% of requests start a storm of 5, so about 5% are limited.
    let got = share(&all, |d| d.injected.is_some());
    assert!((3.5..6.5).contains(&got), "{got}");
}

#[test]
fn validation_names_each_problem() {
    let bad = RandomFaults {
        server_error_percent: 80.0,
        drop_percent: 30.0,
        slow_percent: -1.0,
        server_error_statuses: vec![404],
        rate_limit_burst: 0,
        ..RandomFaults::default()
    };
    let e = bad.validate().unwrap_err();
    for needle in [
        "add up to 110",
        "slow_percent must be between 0 and 100",
        "404 is not between 500 and 599",
        "rate_limit_burst",
    ] {
        assert!(e.contains(needle), "{needle:?} missing in {e}");
    }
    let e = serde_json::from_str::<RandomFaults>(r#"{"drop": 1}"#).unwrap_err();
    assert!(e.to_string().contains("unknown field"), "{e}");
}

#[test]
fn counters_add_up() {
    let c = Counters::default();
    c.add(Counted::Dropped);
    c.add(Counted::Dropped);
    c.add(Counted::Scripted);
    c.add(Counted::AccountLock);
    let s = c.snapshot();
    assert_eq!((s.dropped, s.scripted, s.account_locks), (2, 1, 1));
    assert_eq!(s.random_total(), 3);
}
