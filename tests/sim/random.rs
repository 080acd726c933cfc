//! The simulator's random faults, latency, listing lag, lock contention and budget controls,
//! over HTTP on 127.0.0.1 (see `hr2pagerduty::sim::random`).

use hr2pagerduty::pagerduty::models::ACCOUNT_LOCK_ERROR;
use hr2pagerduty::sim::{self, Fault, FaultCounts, FaultKind, RandomFaults, Seed, SimHandle};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SEED: &str = r#"{
  "rate_limit": {"requests": 1000000},
  "teams": [{"id": "PTEAM01", "name": "Ops"}],
  "users": [
    {"id": "PBOT001", "name": "Bot", "email": "bot@example.com", "role": "admin"},
    {"id": "PUSER01", "name": "Ann", "email": "ann@example.com", "teams": [{"team": "Ops"}]},
    {"id": "PUSER02", "name": "Ben", "email": "ben@example.com"}
  ]
}"#;

/// Starts a simulator for [`SEED`] with `random_faults` set to `faults` (JSON).
async fn start(faults: &str) -> SimHandle {
    let seed = SEED.replacen('{', &format!(r#"{{"random_faults": {faults},"#), 1);
    sim::start(Seed::from_json(&seed).unwrap(), 0)
        .await
        .unwrap()
}

/// One client for every test (building one is slow); a dropped connection is an error, never
/// retried.
fn client() -> reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(reqwest::Client::new).clone()
}

fn request(sim: &SimHandle, method: Method, path: &str) -> reqwest::RequestBuilder {
    client()
        .request(method, format!("{}{}", sim.url(), path))
        .header("Authorization", "Token token=k")
}

fn create(sim: &SimHandle, email: &str) -> reqwest::RequestBuilder {
    request(sim, Method::POST, "/users")
        .header("From", "bot@example.com")
        .json(&json!({"user": {"name": "New Hire", "email": email}}))
}

fn has_rate_headers(resp: &reqwest::Response) -> bool {
    ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"]
        .iter()
        .all(|h| resp.headers().contains_key(*h))
}

fn header(resp: &reqwest::Response, name: &str) -> Option<u64> {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().parse().unwrap())
}

/// What a client observed for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    /// The status, whether the `ratelimit-*` headers came, and whether the body was HTML.
    Answer(u16, bool, bool),
    /// No answer: the connection was closed.
    NoAnswer,
}

async fn observe(req: reqwest::RequestBuilder) -> Seen {
    match req.send().await {
        Err(e) => {
            assert!(!e.is_timeout(), "{e}");
            Seen::NoAnswer
        }
        Ok(resp) => {
            let status = resp.status().as_u16();
            let headers = has_rate_headers(&resp);
            let html = resp
                .headers()
                .get("content-type")
                .is_some_and(|v| v.to_str().unwrap().starts_with("text/html"));
            let _ = resp.bytes().await;
            Seen::Answer(status, headers, html)
        }
    }
}

/// Sends `n` requests one at a time, alternating `GET /users?limit=1` and a `PUT` of
/// PUSER02's job title to `"v{i}"`, and returns what was seen with whether the write
/// happened.
async fn mixed_sequence(sim: &SimHandle, n: usize) -> Vec<(bool, Seen, bool)> {
    let mut seen = Vec::new();
    for i in 0..n {
        let write = i % 2 == 1;
        let s = if write {
            observe(
                request(sim, Method::PUT, "/users/PUSER02")
                    .json(&json!({"user": {"job_title": format!("v{i}")}})),
            )
            .await
        } else {
            observe(request(sim, Method::GET, "/users?limit=1")).await
        };
        let applied = write
            && sim.user_by_email("ben@example.com").unwrap().job_title == Some(format!("v{i}"));
        seen.push((write, s, applied));
    }
    seen
}

fn within(count: usize, of: usize, percent: f64, what: &str) {
    let expected = of as f64 * percent / 100.0;
    let slack = 4.0 * expected.sqrt() + 2.0;
    assert!(
        (count as f64 - expected).abs() <= slack,
        "{what}: {count} of {of}, expected about {expected:.0}"
    );
}

#[tokio::test]
async fn each_fault_kind_happens_at_its_rate_and_no_other_kind_happens() {
    let sim = start(
        r#"{"seed": 1, "server_error_percent": 6, "drop_percent": 3, "rate_limit_percent": 2,
            "bare_rate_limit_percent": 2, "commit_then_fail_percent": 8}"#,
    )
    .await;
    let n = 2000;
    let seen = mixed_sequence(&sim, n).await;
    let reads: Vec<&(bool, Seen, bool)> = seen.iter().filter(|s| !s.0).collect();
    let writes: Vec<&(bool, Seen, bool)> = seen.iter().filter(|s| s.0).collect();
    let count = |set: &[&(bool, Seen, bool)], f: &dyn Fn(&Seen, bool) -> bool| {
        set.iter().filter(|(_, s, applied)| f(s, *applied)).count()
    };
    let all: Vec<&(bool, Seen, bool)> = seen.iter().collect();

    // 5xx without the write: 500 as JSON with headers, 502-504 as HTML without.
    let plain_5xx =
        |s: &Seen, applied: bool| matches!(s, Seen::Answer(500..=599, _, _)) && !applied;
    let reads_5xx = count(&reads, &|s, a| plain_5xx(s, a));
    let writes_5xx = count(&writes, &|s, a| plain_5xx(s, a));
    within(reads_5xx + writes_5xx, n, 6.0, "5xx");
    for (_, s, _) in &seen {
        match s {
            Seen::Answer(500, headers, html) => assert!(*headers && !*html, "{s:?}"),
            Seen::Answer(502..=504, headers, html) => assert!(!*headers && *html, "{s:?}"),
            Seen::Answer(200 | 429, _, html) => assert!(!*html, "{s:?}"),
            Seen::NoAnswer => {}
            other => panic!("unexpected answer {other:?}"),
        }
    }
    // Commit-then-fail: a 5xx although the write happened, on writes only.
    let committed_5xx = count(&writes, &|s, a| {
        matches!(s, Seen::Answer(500..=599, _, _)) && a
    });
    within(committed_5xx, writes.len(), 8.0, "commit-then-fail");
    assert_eq!(
        count(&writes, &|s, a| matches!(s, Seen::Answer(200, _, _)) && !a),
        0,
        "a 200 always means the write happened"
    );
    within(count(&all, &|s, _| *s == Seen::NoAnswer), n, 3.0, "drops");
    let with_headers = count(&all, &|s, _| matches!(s, Seen::Answer(429, true, _)));
    let bare = count(&all, &|s, _| matches!(s, Seen::Answer(429, false, _)));
    within(with_headers, n, 2.0, "429");
    within(bare, n, 2.0, "bare 429");
    // No write without a 200 or a commit-then-fail: dropped and refused writes did nothing.
    assert_eq!(
        count(&writes, &|s, a| a
            && !matches!(s, Seen::Answer(200, _, _))
            && !matches!(s, Seen::Answer(500..=599, _, _))),
        0
    );

    // The counters agree with what the client saw.
    let c = sim.fault_counts();
    assert_eq!(
        c.server_errors + c.proxy_errors,
        (reads_5xx + writes_5xx) as u64
    );
    assert_eq!(c.commit_then_fail, committed_5xx as u64);
    assert_eq!(c.dropped, count(&all, &|s, _| *s == Seen::NoAnswer) as u64);
    assert_eq!(
        (c.rate_limited, c.bare_rate_limited),
        (with_headers as u64, bare as u64)
    );
    assert_eq!(
        (
            c.slow,
            c.account_locks,
            c.commit_then_drop,
            c.scripted,
            c.over_budget
        ),
        (0, 0, 0, 0, 0)
    );
    // The simulator's own record: 0 for no answer.
    let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
    let client: Vec<u16> = seen
        .iter()
        .map(|(_, s, _)| match s {
            Seen::Answer(status, _, _) => *status,
            Seen::NoAnswer => 0,
        })
        .collect();
    assert_eq!(statuses, client);
}

#[tokio::test]
async fn without_random_faults_nothing_is_injected() {
    let sim = start("{}").await;
    let seen = mixed_sequence(&sim, 300).await;
    assert!(
        seen.iter()
            .all(|(write, s, applied)| *s == Seen::Answer(200, true, false) && applied == write),
        "{seen:?}"
    );
    assert_eq!(sim.fault_counts(), FaultCounts::default());
}

#[tokio::test]
async fn the_same_fault_seed_reproduces_the_same_faults() {
    let faults = r#"{"seed": 77, "server_error_percent": 10, "drop_percent": 5,
                     "commit_then_fail_percent": 5, "commit_then_drop_percent": 5,
                     "rate_limit_percent": 3, "rate_limit_burst": 3}"#;
    let run = |faults: String| async move {
        let sim = start(&faults).await;
        let seen = mixed_sequence(&sim, 400).await;
        let counts = sim.fault_counts();
        sim.shutdown().await;
        (seen, counts)
    };
    let (a, counts_a) = run(faults.to_string()).await;
    let (b, counts_b) = run(faults.to_string()).await;
    assert_eq!(a, b);
    assert_eq!(counts_a, counts_b);
    assert!(counts_a.random_total() > 40, "{counts_a:?}");
    let (c, _) = run(faults.replace("77", "78")).await;
    assert_ne!(a, c, "another fault seed gives another sequence");
}

#[tokio::test]
async fn gateway_errors_are_html_without_rate_limit_headers() {
    let sim =
        start(r#"{"server_error_percent": 100, "server_error_statuses": [502, 503, 504]}"#).await;
    let mut statuses = std::collections::BTreeSet::new();
    for _ in 0..40 {
        let resp = request(&sim, Method::GET, "/users").send().await.unwrap();
        let status = resp.status().as_u16();
        assert!((502..=504).contains(&status), "{status}");
        assert!(
            !resp
                .headers()
                .keys()
                .any(|k| k.as_str().starts_with("ratelimit"))
        );
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let text = resp.text().await.unwrap();
        assert!(text.starts_with("<!DOCTYPE html>"), "{text}");
        assert!(serde_json::from_str::<Value>(&text).is_err());
        statuses.insert(status);
    }
    assert_eq!(statuses.len(), 3, "all three statuses are drawn");
    assert_eq!(sim.fault_counts().proxy_errors, 40);

    // A 500 is PagerDuty's own JSON error, with the headers.
    sim.set_random_faults(RandomFaults {
        server_error_percent: 100.0,
        server_error_statuses: vec![500],
        ..RandomFaults::default()
    })
    .unwrap();
    let resp = request(&sim, Method::GET, "/users").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(has_rate_headers(&resp));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], 2000);
    assert_eq!(sim.fault_counts().server_errors, 1);

    // The scripted form.
    sim.set_random_faults(RandomFaults::default()).unwrap();
    sim.inject(Fault::new(
        "GET",
        "/teams",
        FaultKind::ProxyError { status: 504 },
    ));
    let resp = request(&sim, Method::GET, "/teams").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(!has_rate_headers(&resp));
    assert!(resp.text().await.unwrap().contains("504 Gateway Timeout"));
    let resp = request(&sim, Method::GET, "/teams").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn commit_then_fail_and_commit_then_drop_really_commit() {
    let sim = start(r#"{"commit_then_fail_percent": 100}"#).await;
    let resp = create(&sim, "ghost@example.com").send().await.unwrap();
    assert!(resp.status().is_server_error(), "{}", resp.status());
    let ghost = sim.user_by_email("ghost@example.com").expect("created");
    // A blind retry meets the duplicate-email rule (the retry is itself committed-then-
    // failed, but its answer would be the 400 under it).
    sim.set_random_faults(RandomFaults::default()).unwrap();
    let resp = create(&sim, "ghost@example.com").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // Reads are never touched by commit-then-fail.
    sim.set_random_faults(RandomFaults {
        commit_then_fail_percent: 100.0,
        ..RandomFaults::default()
    })
    .unwrap();
    for _ in 0..20 {
        let resp = request(&sim, Method::GET, &format!("/users/{}", ghost.id))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
    }

    sim.set_random_faults(RandomFaults {
        commit_then_drop_percent: 100.0,
        ..RandomFaults::default()
    })
    .unwrap();
    let err = request(&sim, Method::DELETE, "/teams/PTEAM01/users/PUSER01")
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err}");
    assert!(
        sim.team_members("PTEAM01").is_empty(),
        "the removal happened"
    );
    let c = sim.fault_counts();
    assert_eq!((c.commit_then_fail, c.commit_then_drop), (1, 1));
}

#[tokio::test]
async fn listing_lag_hides_a_new_user_from_listings_only_until_the_lag_ends() {
    let sim = start(r#"{"list_lag_ms": 1500}"#).await;
    let listed = |query: &'static str| {
        let sim = sim.clone();
        async move {
            let page: Value = request(&sim, Method::GET, &format!("/users?total=true{query}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let emails: Vec<String> = page["users"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["email"].as_str().unwrap().to_string())
                .collect();
            (emails, page["total"].as_u64().unwrap())
        }
    };
    let t0 = Instant::now();
    let resp = create(&sim, "late@example.com").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let id = resp.json::<Value>().await.unwrap()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // An update of an existing user shows at once.
    let resp = request(&sim, Method::PUT, "/users/PUSER02")
        .json(&json!({"user": {"email": "benjamin@example.com"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    let (emails, total) = listed("").await;
    assert!(
        !emails.contains(&"late@example.com".to_string()),
        "{emails:?}"
    );
    assert!(emails.contains(&"benjamin@example.com".to_string()));
    assert_eq!(total, 3);
    assert_eq!(listed("&query=late%40example.com").await, (vec![], 0));
    // The user itself is current, and the simulator's own view has it.
    let resp = request(&sim, Method::GET, &format!("/users/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(sim.user_by_email("late@example.com").is_some());
    assert_eq!(sim.users().len(), 4);
    assert!(
        t0.elapsed() < Duration::from_millis(1500),
        "too slow to observe the lag"
    );
    assert!(sim.fault_counts().lagged_listings >= 2);

    tokio::time::sleep(Duration::from_millis(1600).saturating_sub(t0.elapsed())).await;
    let (emails, total) = listed("").await;
    assert!(emails.contains(&"late@example.com".to_string()));
    assert_eq!(total, 4);
    assert_eq!(
        listed("&query=LATE").await,
        (vec!["late@example.com".to_string()], 1)
    );
}

#[tokio::test]
async fn lock_contention_refuses_only_overlapping_creates() {
    let sim = start(r#"{"lock_contention_percent": 100, "latency_ms": 300}"#).await;
    // One at a time: never refused.
    for i in 0..5 {
        let resp = create(&sim, &format!("seq{i}@example.com"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
    }
    // Eight at once: they overlap, so those handled while another is in flight are refused,
    // with PagerDuty's transient lock error, and create nothing.
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let req = create(&sim, &format!("par{i}@example.com"));
            tokio::spawn(async move {
                let resp = req.send().await.unwrap();
                (resp.status(), resp.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut refused = 0;
    for (i, task) in tasks.into_iter().enumerate() {
        let (status, body) = task.await.unwrap();
        let exists = sim.user_by_email(&format!("par{i}@example.com")).is_some();
        if status == StatusCode::BAD_REQUEST {
            assert_eq!(body["error"]["errors"], json!([ACCOUNT_LOCK_ERROR]));
            assert!(!exists);
            refused += 1;
        } else {
            assert_eq!(status, StatusCode::CREATED);
            assert!(exists);
        }
    }
    assert!((1..8).contains(&refused), "{refused} of 8 refused");
    assert_eq!(sim.fault_counts().account_locks, refused);
    // Other writes overlapping each other are never refused.
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let req = request(&sim, Method::PUT, "/users/PUSER01")
                .json(&json!({"user": {"job_title": format!("t{i}")}}));
            tokio::spawn(async move { req.send().await.unwrap().status() })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::OK);
    }
    // At 0% overlapping creates all pass.
    sim.set_random_faults(RandomFaults {
        latency_ms: 300,
        ..RandomFaults::default()
    })
    .unwrap();
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let req = create(&sim, &format!("free{i}@example.com"));
            tokio::spawn(async move { req.send().await.unwrap().status() })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::CREATED);
    }
}

#[tokio::test]
async fn latency_delays_every_answer_and_concurrent_requests_overlap() {
    let sim = start(r#"{"latency_ms": 300}"#).await;
    let t0 = Instant::now();
    let resp = request(&sim, Method::GET, "/users").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(t0.elapsed() >= Duration::from_millis(300));
    // Even a 401.
    let t0 = Instant::now();
    let resp = client()
        .get(format!("{}/users", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(t0.elapsed() >= Duration::from_millis(300));

    // 20 concurrent requests, reads and creates, take about one latency, not twenty.
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let req = if i % 2 == 0 {
                request(&sim, Method::GET, "/users?limit=100&include[]=teams")
            } else {
                create(&sim, &format!("c{i}@example.com"))
            };
            tokio::spawn(async move { req.send().await.unwrap().status() })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap().is_success());
    }
    let elapsed = t0.elapsed();
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(5 * 300), "{elapsed:?}");

    // Jitter stays within its bounds.
    sim.set_random_faults(RandomFaults {
        latency_ms: 200,
        latency_jitter_ms: 150,
        ..RandomFaults::default()
    })
    .unwrap();
    let mut times = Vec::new();
    for _ in 0..8 {
        let t0 = Instant::now();
        request(&sim, Method::GET, "/teams").send().await.unwrap();
        times.push(t0.elapsed());
    }
    assert!(
        times.iter().all(|t| *t >= Duration::from_millis(50)),
        "{times:?}"
    );
    assert!(
        times.iter().all(|t| *t < Duration::from_millis(1000)),
        "{times:?}"
    );
}

#[tokio::test]
async fn a_slow_answer_comes_after_the_write() {
    let sim = start(r#"{"slow_percent": 100, "slow_ms": 1500}"#).await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = impatient
        .put(format!("{}/users/PUSER02", sim.url()))
        .header("Authorization", "Token token=k")
        .json(&json!({"user": {"job_title": "Slowly"}}))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(
        sim.user_by_email("ben@example.com")
            .unwrap()
            .job_title
            .as_deref(),
        Some("Slowly"),
        "the write happened although the client gave up"
    );
    let t0 = Instant::now();
    let resp = request(&sim, Method::GET, "/teams").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(t0.elapsed() >= Duration::from_millis(1500));
    assert_eq!(sim.fault_counts().slow, 2);
}

#[tokio::test]
async fn rate_limit_storms_come_in_bursts_with_and_without_headers() {
    let sim = start(
        r#"{"seed": 5, "rate_limit_percent": 4, "rate_limit_burst": 4,
            "rate_limit_reset_seconds": 3}"#,
    )
    .await;
    let mut limited = Vec::new();
    for _ in 0..400 {
        let resp = request(&sim, Method::GET, "/teams").send().await.unwrap();
        let is_429 = resp.status() == StatusCode::TOO_MANY_REQUESTS;
        if is_429 {
            assert_eq!(header(&resp, "ratelimit-remaining"), Some(0));
            assert_eq!(header(&resp, "ratelimit-reset"), Some(3));
            assert_eq!(header(&resp, "ratelimit-limit"), Some(1_000_000));
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["error"]["code"], 2020);
        }
        limited.push(is_429);
    }
    // A storm still running at the end is cut short: leave it out.
    while limited.last() == Some(&true) {
        limited.pop();
    }
    let runs: Vec<usize> = limited
        .split(|l| !l)
        .map(<[bool]>::len)
        .filter(|&n| n > 0)
        .collect();
    assert!(!runs.is_empty());
    assert!(runs.iter().all(|n| n % 4 == 0), "{runs:?}");

    sim.set_random_faults(RandomFaults {
        bare_rate_limit_percent: 100.0,
        ..RandomFaults::default()
    })
    .unwrap();
    let resp = request(&sim, Method::GET, "/teams").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        !resp
            .headers()
            .keys()
            .any(|k| k.as_str().starts_with("ratelimit"))
    );
    assert!(resp.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn scripted_faults_take_precedence_over_random_ones() {
    let sim = start(r#"{"server_error_percent": 100, "server_error_statuses": [503]}"#).await;
    sim.inject(Fault::new(
        "GET",
        "/users",
        FaultKind::Status {
            status: 409,
            code: None,
            message: None,
            errors: vec![],
        },
    ));
    let first = request(&sim, Method::GET, "/users").send().await.unwrap();
    assert_eq!(first.status(), StatusCode::CONFLICT);
    let second = request(&sim, Method::GET, "/users").send().await.unwrap();
    assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
    let c = sim.fault_counts();
    assert_eq!((c.scripted, c.proxy_errors), (1, 1));
}

#[tokio::test]
async fn an_endpoint_limit_of_its_own_shows_in_its_headers() {
    let seed = SEED.replacen(
        r#""rate_limit": {"requests": 1000000}"#,
        r#""rate_limit": {"requests": 50, "endpoints": [
             {"method": "GET", "path": "/oncalls", "requests": 2, "window_seconds": 30}]}"#,
        1,
    );
    let sim = sim::start(Seed::from_json(&seed).unwrap(), 0)
        .await
        .unwrap();
    let resp = request(&sim, Method::GET, "/oncalls").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        (
            header(&resp, "ratelimit-limit"),
            header(&resp, "ratelimit-remaining")
        ),
        (Some(2), Some(1))
    );
    assert!(header(&resp, "ratelimit-reset").unwrap() <= 30);
    request(&sim, Method::GET, "/oncalls").send().await.unwrap();
    let resp = request(&sim, Method::GET, "/oncalls").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&resp, "ratelimit-limit"), Some(2));
    // The key's own budget is what the user endpoints show: 50 less the two that passed.
    let resp = request(&sim, Method::GET, "/users").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        (
            header(&resp, "ratelimit-limit"),
            header(&resp, "ratelimit-remaining")
        ),
        (Some(50), Some(47))
    );
    // Set at run time too.
    sim.set_endpoint_rate_limit("GET", "/teams", 1, 60).unwrap();
    assert!(sim.set_endpoint_rate_limit("GET", "teams", 1, 60).is_err());
    let resp = request(&sim, Method::GET, "/teams").send().await.unwrap();
    assert_eq!(header(&resp, "ratelimit-limit"), Some(1));
    let resp = request(&sim, Method::GET, "/teams").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sim.fault_counts().over_budget, 2);
}

#[tokio::test]
async fn a_competing_load_spends_the_same_keys_budget() {
    let sim = start("{}").await;
    sim.set_rate_limit(1000, 60);
    let load = sim.competing_load("k", 12_000);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let spent_before = load.spent();
    assert!(spent_before >= 20, "{spent_before}");
    let resp = request(&sim, Method::GET, "/teams").send().await.unwrap();
    let remaining = header(&resp, "ratelimit-remaining").unwrap();
    let spent = load.stop().await;
    // The client's answer shows the budget the load spent (between the two readings).
    assert!(
        remaining <= 999 - spent_before,
        "{remaining} vs {spent_before}"
    );
    assert!(remaining >= 999 - spent, "{remaining} vs {spent}");
    // Another key is not affected; an exhausted budget refuses the client.
    let other = client()
        .get(format!("{}/teams", sim.url()))
        .header("Authorization", "Token token=other")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&other, "ratelimit-remaining"), Some(999));
    sim.spend_budget("k", 1000);
    let resp = request(&sim, Method::GET, "/teams").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    // The requests the load spent are not in the simulator's request log.
    assert_eq!(sim.requests().len(), 3);
}

#[tokio::test]
async fn invalid_random_faults_are_refused() {
    let e =
        Seed::from_json(r#"{"random_faults": {"drop_percent": 60, "server_error_percent": 60}}"#)
            .unwrap_err();
    assert!(e.to_string().contains("add up to 120"), "{e}");
    let sim = start("{}").await;
    let bad = RandomFaults {
        lock_contention_percent: 101.0,
        ..RandomFaults::default()
    };
    assert!(sim.set_random_faults(bad).is_err());
    assert_eq!(sim.random_faults(), RandomFaults::default());
}

#[tokio::test]
async fn every_checked_answer_carries_the_three_rate_limit_headers() {
    let sim = start("{}").await;
    let bot = || request(&sim, Method::POST, "/users").header("From", "bot@example.com");
    let cases: Vec<(reqwest::RequestBuilder, u16)> = vec![
        (request(&sim, Method::GET, "/users?include[]=teams"), 200),
        (
            request(&sim, Method::GET, "/users?offset=9999&limit=100"),
            400,
        ),
        (request(&sim, Method::GET, "/users/PUSER01"), 200),
        (request(&sim, Method::GET, "/users/PNOPE01"), 404),
        (
            bot().json(&json!({"user": {"name": "X", "email": "x@example.com"}})),
            201,
        ),
        (
            bot().json(&json!({"user": {"name": "", "email": "bad"}})),
            400,
        ),
        (
            request(&sim, Method::POST, "/users").json(&json!({"user": {}})),
            400,
        ),
        (
            request(&sim, Method::PUT, "/users/PUSER02").json(&json!({"user": {"job_title": "T"}})),
            200,
        ),
        (
            request(&sim, Method::PUT, "/teams/PTEAM01/users/PUSER02"),
            204,
        ),
        (
            request(&sim, Method::DELETE, "/teams/PTEAM01/users/PUSER02"),
            204,
        ),
        (request(&sim, Method::GET, "/teams"), 200),
        (request(&sim, Method::GET, "/teams/PTEAM01/members"), 200),
        (request(&sim, Method::GET, "/teams/PNOPE01"), 404),
        (request(&sim, Method::DELETE, "/users/PUSER02"), 204),
        (request(&sim, Method::GET, "/no/such/route"), 404),
    ];
    let n = cases.len() as u64;
    for (i, (req, status)) in cases.into_iter().enumerate() {
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "case {i}");
        assert!(has_rate_headers(&resp), "case {i}: {:?}", resp.headers());
        assert_eq!(
            header(&resp, "ratelimit-remaining"),
            Some(1_000_000 - 1 - i as u64),
            "case {i}"
        );
    }
    assert_eq!(sim.requests().len() as u64, n);
}
