use super::*;

fn limits(rpm: u32, burst: u32, concurrency: usize) -> Limits {
    Limits {
        requests_per_minute: rpm,
        burst,
        concurrency,
        create_concurrency: 4,
        rate_limit_wait: Duration::from_secs(600),
        create_cooldown: Duration::from_millis(500),
    }
}

fn h(limit: u64, remaining: u64, reset_s: u64) -> Headers {
    Headers {
        limit: Some(limit),
        remaining: Some(remaining),
        reset: Some(Duration::from_secs(reset_s)),
    }
}

#[test]
fn zero_values_are_refused() {
    assert!(Throttle::new(limits(0, 1, 1)).is_err());
    assert!(Throttle::new(limits(60, 0, 1)).is_err());
    assert!(Throttle::new(limits(60, 1, 0)).is_err());
    let mut l = limits(60, 1, 1);
    l.create_concurrency = 0;
    assert!(Throttle::new(l).is_err());
}

#[tokio::test]
async fn pauses_extend_but_never_shorten_and_count_wall_clock_once() {
    let t = Throttle::new(limits(6000, 10, 2)).unwrap();
    assert!(t.pause_for_rate_limit(Duration::from_millis(300)));
    assert!(t.pause_for_rate_limit(Duration::from_millis(100))); // inside: no change
    let paused = t.stats().paused;
    assert!(paused <= Duration::from_millis(300), "{paused:?}");
    assert!(paused >= Duration::from_millis(290), "{paused:?}");
    let started = Instant::now();
    drop(t.admit(false).await);
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn the_run_wide_rate_limit_wait_is_a_budget() {
    let mut l = limits(6000, 10, 2);
    l.rate_limit_wait = Duration::from_millis(500);
    let t = Throttle::new(l).unwrap();
    assert!(t.pause_for_rate_limit(Duration::from_millis(300)));
    // 300 ms spent; another 300 ms from now would pass 500 ms in all.
    assert!(!t.pause_for_rate_limit(Duration::from_millis(600)));
    assert!(t.rate_limit_wait_left() < Duration::from_millis(210));
    assert!(t.stats().paused <= Duration::from_millis(300));
}

#[tokio::test]
async fn user_and_team_headers_set_the_budget_and_others_do_not() {
    let t = Throttle::new(limits(900, 10, 32)).unwrap();
    assert_eq!(t.stats().requests_per_minute, 900);
    // GET /oncalls with a limit of its own: ignored for the budget.
    t.observe(false, 200, h(60, 59, 60), Duration::from_millis(100));
    assert_eq!(t.stats().requests_per_minute, 900);
    assert_eq!(t.stats().ratelimit_limit, None);
    t.observe(true, 200, h(120, 119, 60), Duration::from_millis(100));
    let s = t.stats();
    assert_eq!((s.requests_per_minute, s.ratelimit_limit), (110, Some(120)));
}

#[tokio::test]
async fn the_in_flight_cap_grows_with_latency() {
    let t = Throttle::new(limits(960, 10, 32)).unwrap();
    t.observe(true, 200, h(960, 959, 60), Duration::from_millis(150));
    let fast = t.stats().in_flight_limit;
    for _ in 0..30 {
        t.observe(true, 200, h(960, 900, 55), Duration::from_millis(600));
    }
    let slow = t.stats().in_flight_limit;
    assert_eq!((fast, slow), (5, 14));
    // A 429 answers at once: it does not drag the latency down.
    t.observe(true, 429, h(960, 0, 5), Duration::from_millis(1));
    assert_eq!(t.stats().in_flight_limit, 14);
}

#[tokio::test]
async fn stragglers_do_not_count_against_the_cap() {
    // Fast answers: a cap of 3 (Little's law at 15/s and 2 ms, plus the margin).
    let t = Throttle::new(limits(900, 10, 8)).unwrap();
    t.observe(true, 200, h(960, 959, 60), Duration::from_millis(2));
    assert_eq!(t.stats().in_flight_limit, 3);
    assert_eq!(t.stall_after(), Duration::from_secs(1));
    let held: Vec<_> = futures::future::join_all((0..3).map(|_| t.admit(false))).await;
    assert!(
        tokio::time::timeout(Duration::from_millis(50), t.admit(false))
            .await
            .is_err()
    );
    // Two of them turn out slow: two more may go, up to `concurrency`.
    let stalled = [t.stalled(), t.stalled()];
    assert_eq!(t.stats().in_flight_limit, 5);
    let more: Vec<_> = futures::future::join_all((0..2).map(|_| t.admit(false))).await;
    drop(stalled);
    assert_eq!(t.stats().in_flight_limit, 3);
    drop((held, more));
    let _guards: Vec<_> = (0..10).map(|_| t.stalled()).collect();
    assert_eq!(t.stats().in_flight_limit, 8);
}

#[tokio::test]
async fn a_spent_window_closes_the_gate_without_a_429() {
    let t = Throttle::new(limits(900, 10, 4)).unwrap();
    t.observe(true, 200, h(960, 5, 1), Duration::from_millis(10));
    let started = Instant::now();
    drop(t.admit(false).await);
    assert!(started.elapsed() >= Duration::from_millis(900));
    let s = t.stats();
    assert!(s.budget_paused >= Duration::from_millis(900), "{s:?}");
    assert_eq!(s.paused, Duration::ZERO);
}

#[tokio::test]
async fn a_pace_spaces_requests_until_the_reset() {
    let t = Throttle::new(limits(60_000, 1, 4)).unwrap();
    // 21 left and a reserve of 1 (the burst): 20 usable in the 3 s to the reset (spread
    // over 2 s, since the reset is rounded up), where the limiter would send about 640:
    // one request every 100 ms.
    t.observe(true, 200, h(960, 21, 3), Duration::from_millis(10));
    let started = Instant::now();
    for _ in 0..4 {
        drop(t.admit(false).await);
    }
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(280), "{took:?}");
    assert!(t.stats().pace_wait >= Duration::from_millis(280));
}
