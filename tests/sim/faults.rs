//! The simulator's rate limit and fault injection, over HTTP on 127.0.0.1.

use hr2pagerduty::pagerduty::models::ACCOUNT_LOCK_ERROR;
use hr2pagerduty::sim::{self, Fault, FaultKind, Seed, SimHandle};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SEED: &str = r#"{
  "teams": [{"id": "PTEAM01", "name": "Ops"}],
  "users": [
    {"id": "PBOT001", "name": "Bot", "email": "bot@example.com", "role": "admin"},
    {"id": "PUSER01", "name": "Ann", "email": "ann@example.com", "teams": [{"team": "Ops"}]},
    {"id": "PUSER02", "name": "Ben", "email": "ben@example.com", "teams": [{"team": "Ops"}]},
    {"id": "PUSER03", "name": "Cat", "email": "cat@example.com", "teams": [{"team": "Ops"}]},
    {"id": "PUSER04", "name": "Dan", "email": "dan@example.com", "teams": [{"team": "Ops"}]},
    {"id": "PUSER05", "name": "Eve", "email": "eve@example.com"}
  ]
}"#;

async fn start(seed: &str) -> SimHandle {
    sim::start(Seed::from_json(seed).unwrap(), 0).await.unwrap()
}

fn request(sim: &SimHandle, key: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, format!("{}{}", sim.url(), path))
        .header("Authorization", format!("Token token={key}"))
}

fn create(sim: &SimHandle, email: &str) -> reqwest::RequestBuilder {
    request(sim, "k", Method::POST, "/users")
        .header("From", "bot@example.com")
        .json(&json!({"user": {"name": "New", "email": email}}))
}

async fn body(resp: reqwest::Response) -> Value {
    let bytes = resp.bytes().await.unwrap();
    if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    }
}

fn header(resp: &reqwest::Response, name: &str) -> Option<u64> {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().parse().unwrap())
}

fn ids(page: &Value, list: &str) -> Vec<String> {
    page[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x.get("user").unwrap_or(x)["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn every_counted_answer_carries_the_rate_limit_headers() {
    let sim = start(SEED).await;
    let resp = request(&sim, "k", Method::GET, "/users")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&resp, "ratelimit-limit"), Some(960));
    assert_eq!(header(&resp, "ratelimit-remaining"), Some(959));
    let reset = header(&resp, "ratelimit-reset").unwrap();
    assert!((59..=60).contains(&reset), "{reset}");
    // Errors count too.
    let resp = request(&sim, "k", Method::GET, "/users/PNOPE00")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&resp, "ratelimit-remaining"), Some(958));
    assert!(resp.headers().get("retry-after").is_none());
}

#[tokio::test]
async fn over_budget_gives_429_until_the_window_resets() {
    let sim = start(&SEED.replacen(
        '{',
        r#"{"rate_limit": {"requests": 3, "window_seconds": 2},"#,
        1,
    ))
    .await;
    let t0 = Instant::now();
    for remaining in [2, 1, 0] {
        let resp = request(&sim, "k", Method::GET, "/users")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(header(&resp, "ratelimit-limit"), Some(3));
        assert_eq!(header(&resp, "ratelimit-remaining"), Some(remaining));
    }
    let resp = request(&sim, "k", Method::GET, "/users")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&resp, "ratelimit-remaining"), Some(0));
    let reset = header(&resp, "ratelimit-reset").unwrap();
    assert!((1..=2).contains(&reset), "{reset}");
    assert!(resp.headers().get("retry-after").is_none());
    assert_eq!(
        body(resp).await,
        json!({"error": {"message": "Rate Limit Exceeded", "code": 2020}})
    );
    // Writes are refused too, and counted as writes received.
    let resp = create(&sim, "x@example.com").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(sim.user_by_email("x@example.com").is_none());
    assert_eq!(sim.write_count(), 1);
    // Another key has its own budget (the seed lists no keys, so any key is accepted).
    let resp = request(&sim, "other", Method::GET, "/users")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    tokio::time::sleep(Duration::from_millis(reset * 1000 + 100)).await;
    assert!(t0.elapsed() >= Duration::from_secs(1));
    let resp = request(&sim, "k", Method::GET, "/users")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, "ratelimit-remaining"), Some(2));
}

#[tokio::test]
async fn set_rate_limit_applies_at_once() {
    let sim = start(SEED).await;
    sim.set_rate_limit(1, 60);
    let first = request(&sim, "k", Method::GET, "/teams")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&first, "ratelimit-limit"), Some(1));
    let second = request(&sim, "k", Method::GET, "/teams")
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    sim.set_rate_limit(960, 60);
    let third = request(&sim, "k", Method::GET, "/teams")
        .send()
        .await
        .unwrap();
    assert_eq!(third.status(), StatusCode::OK);
}

#[tokio::test]
async fn status_fault_skips_then_applies_then_stops() {
    let sim = start(SEED).await;
    sim.inject(
        Fault::new("POST", "/users", FaultKind::status(503))
            .skip(1)
            .times(1),
    );
    let first = create(&sim, "one@example.com").send().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let second = create(&sim, "two@example.com").send().await.unwrap();
    assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(header(&second, "ratelimit-remaining").is_some());
    let b = body(second).await;
    assert_eq!(b["error"]["code"], 2000);
    assert!(sim.user_by_email("two@example.com").is_none());
    let third = create(&sim, "two@example.com").send().await.unwrap();
    assert_eq!(third.status(), StatusCode::CREATED);
    assert_eq!(sim.write_count(), 3);
    let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [201, 503, 201]);
}

#[tokio::test]
async fn status_fault_with_custom_body_and_path_patterns() {
    let sim = start(SEED).await;
    sim.inject(Fault::new(
        "PUT",
        "/teams/*/users/*",
        FaultKind::Status {
            status: 400,
            code: Some(2001),
            message: Some("Invalid Input Provided".into()),
            errors: vec![
                "User cannot be removed as they belong to an escalation policy on this team".into(),
            ],
        },
    ));
    // Other routes are untouched.
    let resp = request(&sim, "k", Method::PUT, "/users/PUSER05")
        .json(&json!({"user": {"job_title": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = request(&sim, "k", Method::PUT, "/teams/PTEAM01/users/PUSER05")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let b = body(resp).await;
    assert_eq!(
        b["error"]["errors"][0],
        "User cannot be removed as they belong to an escalation policy on this team"
    );
    assert_eq!(sim.team_members("PTEAM01").len(), 4);
}

#[tokio::test]
async fn rate_limited_and_bare_429_faults() {
    let sim = start(SEED).await;
    sim.inject(Fault::new(
        "GET",
        "/users",
        FaultKind::RateLimited { reset_seconds: 7 },
    ));
    sim.inject(Fault::new("GET", "/users", FaultKind::BareRateLimit).skip(1));
    let resp = request(&sim, "k", Method::GET, "/users")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&resp, "ratelimit-reset"), Some(7));
    assert_eq!(header(&resp, "ratelimit-remaining"), Some(0));
    assert_eq!(header(&resp, "ratelimit-limit"), Some(960));
    assert_eq!(body(resp).await["error"]["code"], 2020);

    let resp = request(&sim, "k", Method::GET, "/users")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().get("ratelimit-reset").is_none());
    assert!(resp.headers().get("ratelimit-limit").is_none());
    assert_eq!(body(resp).await, Value::Null);

    let resp = request(&sim, "k", Method::GET, "/users")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn delay_fault_triggers_client_timeouts_then_answers() {
    let sim = start(SEED).await;
    sim.inject(Fault::new("GET", "/users", FaultKind::Delay { ms: 1500 }).times(2));
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = impatient
        .get(format!("{}/users", sim.url()))
        .header("Authorization", "Token token=k")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");

    let t0 = Instant::now();
    let resp = request(&sim, "k", Method::GET, "/users")
        .send()
        .await
        .unwrap();
    assert!(t0.elapsed() >= Duration::from_millis(1400));
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(body(resp).await["users"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn drop_fault_closes_the_connection_without_writing() {
    let sim = start(SEED).await;
    sim.inject(Fault::new("POST", "/users", FaultKind::Drop));
    let err = create(&sim, "lost@example.com").send().await.unwrap_err();
    assert!(!err.is_timeout() && !err.is_status(), "{err}");
    assert!(sim.user_by_email("lost@example.com").is_none());
    let recorded = sim.requests();
    assert_eq!(
        (recorded[0].method.as_str(), recorded[0].status),
        ("POST", 0)
    );
    assert_eq!(sim.write_count(), 1);
    // The server is still fine.
    let resp = create(&sim, "lost@example.com").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn apply_then_fail_writes_but_answers_500() {
    let sim = start(SEED).await;
    sim.inject(Fault::new(
        "POST",
        "/users",
        FaultKind::ApplyThenFail { status: 500 },
    ));
    let resp = create(&sim, "ghost@example.com").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body(resp).await["error"]["code"], 2000);
    let ghost = sim
        .user_by_email("ghost@example.com")
        .expect("the write happened");
    // A retry now meets the duplicate-email rule.
    let resp = create(&sim, "ghost@example.com").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        body(resp).await["error"]["errors"][0],
        "Email has already been taken"
    );
    assert_eq!(sim.user_by_email("ghost@example.com").unwrap().id, ghost.id);
}

#[tokio::test]
async fn apply_then_drop_writes_but_never_answers() {
    let sim = start(SEED).await;
    sim.inject(Fault::new("*", "/users/*", FaultKind::ApplyThenDrop));
    let err = request(&sim, "k", Method::PUT, "/users/PUSER05")
        .json(&json!({"user": {"job_title": "Applied"}}))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err}");
    assert_eq!(
        sim.user_by_email("eve@example.com")
            .unwrap()
            .job_title
            .as_deref(),
        Some("Applied")
    );
    assert_eq!(sim.requests()[0].status, 0);
}

#[tokio::test]
async fn account_lock_fault_is_the_transient_400() {
    let sim = start(SEED).await;
    sim.inject(Fault::new("POST", "/users", FaultKind::AccountLock).times(2));
    for _ in 0..2 {
        let resp = create(&sim, "locked@example.com").send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            body(resp).await,
            json!({"error": {"code": 2001, "message": "Invalid Input Provided",
                             "errors": [ACCOUNT_LOCK_ERROR]}})
        );
    }
    assert!(sim.user_by_email("locked@example.com").is_none());
    let resp = create(&sim, "locked@example.com").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn listing_faults_distort_one_page() {
    let sim = start(SEED).await;
    let get = |path: &'static str| {
        let sim = sim.clone();
        async move {
            let resp = request(&sim, "k", Method::GET, path).send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            body(resp).await
        }
    };
    let page1 = get("/users?limit=2").await;
    let page2 = get("/users?limit=2&offset=2").await;
    assert_eq!(ids(&page1, "users"), ["PUSER01", "PUSER02"]);
    assert_eq!(ids(&page2, "users"), ["PBOT001", "PUSER03"]);

    sim.inject(Fault::new("GET", "/users", FaultKind::EndEarly));
    let p = get("/users?limit=2").await;
    assert_eq!(
        (ids(&p, "users"), &p["more"]),
        (ids(&page1, "users"), &json!(false))
    );

    sim.inject(Fault::new("GET", "/users", FaultKind::RepeatPage));
    let p = get("/users?limit=2&offset=2").await;
    assert_eq!(ids(&p, "users"), ids(&page1, "users"));
    assert_eq!((&p["offset"], &p["more"]), (&json!(2), &json!(true)));

    sim.inject(Fault::new("GET", "/users", FaultKind::EmptyPage));
    let p = get("/users?limit=2&offset=4").await;
    assert!(ids(&p, "users").is_empty());
    assert_eq!(p["more"], true);

    // Faults used up: normal again.
    assert_eq!(get("/users?limit=2&offset=2").await, page2);

    // Team members too.
    sim.inject(Fault::new("GET", "/teams/*/members", FaultKind::EndEarly));
    let m = get("/teams/PTEAM01/members?limit=2").await;
    assert_eq!((ids(&m, "members").len(), &m["more"]), (2, &json!(false)));
    // A listing fault on a non-listing route is harmless.
    sim.inject(Fault::new("GET", "/users/*", FaultKind::EmptyPage));
    assert_eq!(get("/users/PUSER01").await["user"]["id"], "PUSER01");
}

#[tokio::test]
async fn seed_faults_are_active_from_the_start_and_clear_faults_removes_them() {
    let seed = SEED.replacen(
        '{',
        r#"{"faults": [{"method": "GET", "path": "/teams", "times": null,
                        "kind": {"type": "status", "status": 502}}],"#,
        1,
    );
    let sim = start(&seed).await;
    for _ in 0..3 {
        let resp = request(&sim, "k", Method::GET, "/teams")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    }
    sim.clear_faults();
    let resp = request(&sim, "k", Method::GET, "/teams")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn unauthenticated_requests_do_not_consume_faults() {
    let sim = start(&SEED.replacen('{', r#"{"api_keys": ["good"],"#, 1)).await;
    sim.inject(Fault::new("GET", "/users", FaultKind::status(500)));
    let resp = request(&sim, "bad", Method::GET, "/users")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = request(&sim, "good", Method::GET, "/users")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
#[should_panic(expected = "invalid fault")]
async fn injecting_a_malformed_fault_panics() {
    let sim = start(SEED).await;
    sim.inject(Fault::new("GET", "/users", FaultKind::status(200)));
}

#[tokio::test]
async fn shutdown_closes_connections_held_by_a_delay() {
    let sim = start(SEED).await;
    sim.inject(Fault::new("GET", "/users", FaultKind::Delay { ms: 60_000 }));
    let pending = tokio::spawn(request(&sim, "k", Method::GET, "/users").send());
    // Wait until the request has arrived.
    for _ in 0..200 {
        if !sim.requests().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(sim.requests().len(), 1);
    let url = sim.url();
    tokio::time::timeout(Duration::from_secs(20), sim.clone().shutdown())
        .await
        .expect("shutdown does not wait for the delay");
    let result = tokio::time::timeout(Duration::from_secs(20), pending)
        .await
        .unwrap()
        .unwrap();
    assert!(result.is_err());
    // Nothing listens any more.
    assert!(
        reqwest::Client::new()
            .get(format!("{url}/users"))
            .send()
            .await
            .is_err()
    );
    // The handle still answers inspection.
    assert_eq!(sim.users().len(), 6);
}
