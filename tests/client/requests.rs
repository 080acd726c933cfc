//! Writes, headers and the retry policy against a scripted server.

use crate::support::client::*;
use hr2pagerduty::pagerduty::models::{Role, TeamRole, UserUpdate};
use hr2pagerduty::pagerduty::{ApiError, Client, StopReason};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const LOCK: &str =
    "License error: Unable to perform request at this time. account could not be locked";

fn created(id: &str, email: &str) -> Reply {
    Reply::json(201, json!({"user": user_with(id, email)}))
}

#[tokio::test]
async fn headers_are_exact_and_from_is_only_on_post_users() {
    let server = Server::scripted(vec![
        (
            "GET /users/PU00001?include[]=teams",
            Reply::json(200, json!({"user": user(1)})),
        ),
        ("POST /users", created("PNEW", "new@example.com")),
        (
            "PUT /users/PNEW",
            Reply::json(200, json!({"user": user_with("PNEW", "new@example.com")})),
        ),
        ("PUT /teams/PT1/users/PNEW", Reply::empty(204)),
        ("DELETE /teams/PT1/users/PNEW", Reply::empty(204)),
        ("DELETE /users/PNEW", Reply::empty(204)),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    client.get_user(&"PU00001".into()).await.unwrap();
    client
        .create_user(&new_user("new@example.com"))
        .await
        .unwrap();
    let update = UserUpdate {
        job_title: Some("SRE".into()),
        ..UserUpdate::default()
    };
    client.update_user(&"PNEW".into(), &update).await.unwrap();
    client
        .set_team_role(&"PT1".into(), &"PNEW".into(), &TeamRole::Responder)
        .await
        .unwrap();
    client
        .remove_from_team(&"PT1".into(), &"PNEW".into())
        .await
        .unwrap();
    client.delete_user(&"PNEW".into()).await.unwrap();
    server.assert_done();
    for r in server.requests() {
        assert_eq!(
            r.header("authorization").as_deref(),
            Some(&*format!("Token token={FAKE_KEY}"))
        );
        assert_eq!(
            r.header("accept").as_deref(),
            Some("application/vnd.pagerduty+json;version=2"),
            "{}",
            r.line()
        );
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/json"),
            "{}",
            r.line()
        );
        let from = r.header("from");
        if r.line() == "POST /users" {
            // The configured email, normalised.
            assert_eq!(from.as_deref(), Some("bot@example.com"));
        } else {
            assert_eq!(from, None, "{}", r.line());
        }
    }
}

#[tokio::test]
async fn bodies_carry_only_what_changes() {
    let server = Server::scripted(vec![
        ("POST /users", created("PNEW", "new@example.com")),
        (
            "PUT /users/P1",
            Reply::json(200, json!({"user": user_with("P1", "a@example.com")})),
        ),
        ("PUT /teams/PT1/users/P1", Reply::empty(204)),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let sent = client
        .create_user(&new_user("new@example.com"))
        .await
        .unwrap();
    assert_eq!(
        (sent.value.id.as_str(), sent.attempts, sent.recovered),
        ("PNEW", 1, false)
    );
    let update = UserUpdate {
        job_title: Some("SRE".into()),
        role: Some(Role::Observer),
        ..UserUpdate::default()
    };
    let sent = client.update_user(&"P1".into(), &update).await.unwrap();
    assert_eq!(sent.value.id, "P1");
    client
        .set_team_role(&"PT1".into(), &"P1".into(), &TeamRole::Manager)
        .await
        .unwrap();
    server.assert_done();
    let reqs = server.requests();
    assert_eq!(
        reqs[0].json(),
        json!({"user": {"type": "user", "name": "New Hire", "email": "new@example.com",
            "role": "limited_user", "time_zone": "Europe/London",
            "description": "managed by hr2pagerduty"}})
    );
    assert_eq!(
        reqs[1].json(),
        json!({"user": {"job_title": "SRE", "role": "observer"}})
    );
    assert_eq!(reqs[2].json(), json!({"role": "manager"}));
}

#[tokio::test]
async fn a_5xx_then_success_takes_two_attempts() {
    let server = Server::scripted(vec![
        (
            "PUT /users/P1",
            Reply::error(503, 0, "Service Unavailable", &[]),
        ),
        (
            "PUT /users/P1",
            Reply::json(200, json!({"user": user_with("P1", "a@example.com")})),
        ),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let update = UserUpdate {
        name: Some("A".into()),
        ..UserUpdate::default()
    };
    let sent = client.update_user(&"P1".into(), &update).await.unwrap();
    server.assert_done();
    assert_eq!(sent.attempts, 2);
    assert!(!sent.recovered);
    let stats = client.stats();
    assert_eq!((stats.requests_sent, stats.retries), (2, 1));
}

#[tokio::test]
async fn exhausted_retries_report_attempts_and_the_decoded_body() {
    let server =
        Server::start(|_| Reply::error(500, 2999, "Internal Server Error", &["try later"])).await;
    let client = Client::new(config(&server.url)).unwrap();
    let update = UserUpdate {
        name: Some("A".into()),
        ..UserUpdate::default()
    };
    let err = client.update_user(&"P1".into(), &update).await.unwrap_err();
    assert_eq!(server.lines(), vec!["PUT /users/P1"; 4]);
    assert_eq!(err.attempts(), 4);
    assert_eq!(err.status(), Some(500));
    let body = err.body().expect("decoded body");
    assert_eq!(
        (body.code, body.errors.clone()),
        (Some(2999), vec!["try later".to_string()])
    );
    assert!(matches!(
        err,
        ApiError::Status {
            stop: StopReason::AttemptsExhausted,
            ..
        }
    ));
    let text = err.to_string();
    assert!(
        text.contains("PUT /users/P1") && text.contains("4 attempts"),
        "{text}"
    );
}

#[tokio::test]
async fn the_time_budget_bounds_retries() {
    let server = Server::start(|_| Reply::error(503, 0, "Unavailable", &[])).await;
    let mut cfg = config(&server.url);
    cfg.retry.max_attempts = 100;
    cfg.retry.min_delay = Duration::from_millis(100);
    cfg.retry.max_delay = Duration::from_millis(100);
    cfg.retry.max_elapsed = Duration::from_millis(450);
    let client = Client::new(cfg).unwrap();
    let err = client.delete_user(&"P1".into()).await.unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Status {
                stop: StopReason::TimeExhausted,
                ..
            }
        ),
        "{err}"
    );
    // Waits are 100 ms (jitter is capped at max_delay): about four waits fit into 450 ms,
    // so about five attempts, far below the 100 allowed.
    let n = server.lines().len();
    assert!((2..=5).contains(&n), "{n} attempts");
    assert_eq!(err.attempts() as usize, n);
}

#[tokio::test]
async fn auth_failures_and_other_4xx_are_not_retried() {
    let server = Server::scripted(vec![
        (
            "GET /users/P1?include[]=teams",
            Reply::error(401, 2006, "Authentication failed", &[]),
        ),
        (
            "DELETE /users/P2",
            Reply::error(403, 2010, "Access Denied", &[]),
        ),
        (
            "PUT /users/P3",
            Reply::error(400, 2001, "Invalid Input Provided", &["Role must be valid"]),
        ),
        (
            "POST /users",
            Reply::error(400, 2001, "Invalid Input Provided", &["Name is too long"]),
        ),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let e = client.get_user(&"P1".into()).await.unwrap_err();
    assert!(e.is_auth() && e.attempts() == 1, "{e}");
    let e = client.delete_user(&"P2".into()).await.unwrap_err();
    assert!(e.is_auth() && e.attempts() == 1, "{e}");
    let update = UserUpdate {
        role: Some(Role::Admin),
        ..UserUpdate::default()
    };
    let e = client.update_user(&"P3".into(), &update).await.unwrap_err();
    assert!(
        !e.is_auth() && e.attempts() == 1 && e.status() == Some(400),
        "{e}"
    );
    assert!(e.body_mentions("Role must be valid"));
    // A refused create is neither re-sent nor looked up ("Email has already been taken" is
    // the one 400 that is: see the tests below).
    let e = client
        .create_user(&new_user("new@example.com"))
        .await
        .unwrap_err();
    assert!(e.body_mentions("Name is too long"), "{e}");
    assert!(matches!(
        e,
        ApiError::Status {
            stop: StopReason::NotRetryable,
            ..
        }
    ));
    server.assert_done();
    assert_eq!(client.stats().retries, 0);
}

#[tokio::test]
async fn the_account_lock_400_on_create_is_retried_without_a_lookup() {
    let server = Server::scripted(vec![
        (
            "POST /users",
            Reply::error(400, 2001, "Invalid Input Provided", &[LOCK]),
        ),
        ("POST /users", created("PNEW", "new@example.com")),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let sent = client
        .create_user(&new_user("new@example.com"))
        .await
        .unwrap();
    server.assert_done();
    assert_eq!((sent.attempts, sent.recovered), (2, false));
}

#[tokio::test]
async fn the_account_lock_400_on_a_user_update_is_retried() {
    // A role or licence change takes a licence allocation, which can meet the same lock.
    let server = Server::scripted(vec![
        (
            "PUT /users/P1",
            Reply::error(400, 2001, "Invalid Input Provided", &[LOCK]),
        ),
        (
            "PUT /users/P1",
            Reply::json(200, json!({"user": user_with("P1", "a@example.com")})),
        ),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let update = UserUpdate {
        role: Some(Role::Observer),
        ..UserUpdate::default()
    };
    let sent = client.update_user(&"P1".into(), &update).await.unwrap();
    server.assert_done();
    assert_eq!(sent.attempts, 2);
}

#[tokio::test]
async fn the_account_lock_text_is_not_retried_elsewhere() {
    let server = Server::scripted(vec![(
        "PUT /teams/PT1/users/P1",
        Reply::error(400, 2001, "Invalid Input Provided", &[LOCK]),
    )])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let e = client
        .set_team_role(&"PT1".into(), &"P1".into(), &TeamRole::Responder)
        .await
        .unwrap_err();
    assert_eq!(e.attempts(), 1);
    server.assert_done();
}

#[tokio::test]
async fn license_not_available_is_not_retried() {
    let server = Server::scripted(vec![(
        "POST /users",
        Reply::error(
            400,
            2001,
            "Invalid Input Provided",
            &[hr2pagerduty::pagerduty::models::licenses::LICENSE_NOT_AVAILABLE],
        ),
    )])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let e = client
        .create_user(&new_user("new@example.com"))
        .await
        .unwrap_err();
    assert_eq!((e.attempts(), e.status()), (1, Some(400)));
    assert!(e.to_string().contains("License is not available"), "{e}");
    server.assert_done();
}

/// A server that stores created users and serves lookups from the store, answering POSTs
/// with `post_reply(n)` (n = 1 for the first POST).
fn store_server(
    post_reply: impl Fn(usize) -> Reply + Send + Sync + 'static,
) -> impl Fn(&Recorded) -> Reply + Send + Sync + 'static {
    let store: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let posts = Arc::new(Mutex::new(0usize));
    move |r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/users") => {
            let mut n = posts.lock().unwrap();
            *n += 1;
            let email = r.json()["user"]["email"].as_str().unwrap().to_string();
            let mut store = store.lock().unwrap();
            if store.iter().any(|u| u["email"] == email) {
                return Reply::error(
                    400,
                    2001,
                    "Invalid Input Provided",
                    &["Email has already been taken"],
                );
            }
            let u = user_with(&format!("PNEW{}", *n), &email);
            store.push(u);
            post_reply(*n)
        }
        ("GET", "/users") => {
            let q = r.q("query").unwrap().to_lowercase();
            let found: Vec<_> = store
                .lock()
                .unwrap()
                .iter()
                .filter(|u| u["email"].as_str().unwrap().to_lowercase().contains(&q))
                .cloned()
                .collect();
            let n = found.len() as u64;
            Reply::json(200, users_page(0, found, false, Some(n)))
        }
        _ => Reply::error(404, 2100, "Not Found", &[]),
    }
}

#[tokio::test]
async fn a_create_whose_answer_times_out_is_found_not_resent() {
    // The server stores the user, then answers after the client's timeout.
    let server = Server::start(store_server(|_| {
        created("PNEW1", "new@example.com").after(Duration::from_secs(3))
    }))
    .await;
    let mut cfg = config(&server.url);
    cfg.request_timeout = Duration::from_millis(300);
    let client = Client::new(cfg).unwrap();
    let sent = client
        .create_user(&new_user("New@Example.com"))
        .await
        .unwrap();
    assert_eq!(
        server.lines(),
        vec!["POST /users".to_string(), lookup_line("new@example.com")]
    );
    assert!(sent.recovered);
    assert_eq!(sent.value.id, "PNEW1");
    assert_eq!(sent.attempts, 1);
    assert_eq!(client.stats().recovered, 1);
}

#[tokio::test]
async fn a_create_whose_connection_drops_mid_answer_is_found_not_resent() {
    let server = Server::start(store_server(|_| Reply::BreakBody(201))).await;
    let client = Client::new(config(&server.url)).unwrap();
    let sent = client
        .create_user(&new_user("new@example.com"))
        .await
        .unwrap();
    assert_eq!(
        server.lines(),
        vec!["POST /users".to_string(), lookup_line("new@example.com")]
    );
    assert!(sent.recovered);
    assert_eq!(sent.value.email, "new@example.com");
}

#[tokio::test]
async fn a_create_with_unknown_outcome_and_no_user_is_sent_again() {
    // A 502 from a proxy before PagerDuty stored anything: the lookup finds nothing.
    let server = Server::scripted(vec![
        ("POST /users", Reply::error(502, 0, "Bad Gateway", &[])),
        (
            &lookup_line("new@example.com"),
            Reply::json(200, users_page(0, vec![], false, Some(0))),
        ),
        ("POST /users", created("PNEW", "new@example.com")),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let sent = client
        .create_user(&new_user("new@example.com"))
        .await
        .unwrap();
    server.assert_done();
    assert_eq!((sent.attempts, sent.recovered), (2, false));
}

#[tokio::test]
async fn a_resent_create_refused_as_duplicate_is_settled_by_a_second_lookup() {
    // The first POST landed but the lookup did not see it yet (search lag); the re-sent
    // POST is refused as a duplicate (fact F31), and a second lookup finds the user.
    let server = Server::scripted(vec![
        ("POST /users", Reply::error(503, 0, "Unavailable", &[])),
        (
            &lookup_line("new@example.com"),
            Reply::json(200, users_page(0, vec![], false, Some(0))),
        ),
        (
            "POST /users",
            Reply::error(
                400,
                2001,
                "Invalid Input Provided",
                &["Email has already been taken"],
            ),
        ),
        (
            &lookup_line("new@example.com"),
            Reply::json(
                200,
                users_page(
                    0,
                    vec![user_with("PNEW", "new@example.com")],
                    false,
                    Some(1),
                ),
            ),
        ),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let sent = client
        .create_user(&new_user("new@example.com"))
        .await
        .unwrap();
    server.assert_done();
    assert_eq!(
        (sent.value.id.as_str(), sent.attempts, sent.recovered),
        ("PNEW", 2, true)
    );
}

#[tokio::test]
async fn a_create_is_not_resent_when_the_lookup_fails() {
    let server = Server::scripted(vec![
        (
            "POST /users",
            Reply::error(500, 0, "Internal Server Error", &[]),
        ),
        (
            &lookup_line("new@example.com"),
            Reply::error(403, 2010, "Access Denied", &[]),
        ),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let err = client
        .create_user(&new_user("new@example.com"))
        .await
        .unwrap_err();
    server.assert_done();
    match &err {
        ApiError::OutcomeUnknown {
            lookup, attempts, ..
        } => {
            assert_eq!(*attempts, 1);
            assert_eq!(lookup.as_ref().unwrap().status(), Some(403));
        }
        other => panic!("expected OutcomeUnknown, got {other}"),
    }
    assert!(err.to_string().contains("not sent again"), "{err}");
}

#[tokio::test]
async fn a_create_that_keeps_failing_checks_before_every_resend_and_at_the_end() {
    let server = Server::start(|r| match r.method.as_str() {
        "POST" => Reply::error(503, 0, "Unavailable", &[]),
        _ => Reply::json(200, users_page(0, vec![], false, Some(0))),
    })
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let err = client
        .create_user(&new_user("new@example.com"))
        .await
        .unwrap_err();
    let post = "POST /users".to_string();
    let look = lookup_line("new@example.com");
    let expected: Vec<String> = (0..4).flat_map(|_| [post.clone(), look.clone()]).collect();
    assert_eq!(server.lines(), expected);
    assert!(
        matches!(
            err,
            ApiError::Status {
                status: 503,
                attempts: 4,
                stop: StopReason::AttemptsExhausted,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_delete_answered_404_after_an_unknown_outcome_is_done() {
    let server = Server::scripted(vec![
        (
            "DELETE /users/P1",
            Reply::error(500, 0, "Internal Server Error", &[]),
        ),
        (
            "DELETE /users/P1",
            Reply::error(404, 2100, "Not Found", &[]),
        ),
        // Done on the server, but the answer comes after the client's timeout.
        (
            "DELETE /teams/PT1/users/P2",
            Reply::empty(204).after(Duration::from_secs(1)),
        ),
        (
            "DELETE /teams/PT1/users/P2",
            Reply::error(404, 2100, "Not Found", &[]),
        ),
    ])
    .await;
    let mut cfg = config(&server.url);
    cfg.request_timeout = Duration::from_millis(300);
    let client = Client::new(cfg).unwrap();
    let sent = client.delete_user(&"P1".into()).await.unwrap();
    assert_eq!((sent.attempts, sent.recovered), (2, true));
    let sent = client
        .remove_from_team(&"PT1".into(), &"P2".into())
        .await
        .unwrap();
    assert_eq!((sent.attempts, sent.recovered), (2, true));
    server.assert_done();
    assert_eq!(client.stats().recovered, 2);
}

#[tokio::test]
async fn a_delete_answered_404_at_once_is_an_error() {
    let server = Server::scripted(vec![(
        "DELETE /users/P1",
        Reply::error(404, 2100, "Not Found", &[]),
    )])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let err = client.delete_user(&"P1".into()).await.unwrap_err();
    assert_eq!((err.status(), err.attempts()), (Some(404), 1));
    server.assert_done();
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::new(config(&url)).unwrap();
    let err = client.get_user(&"P1".into()).await.unwrap_err();
    match &err {
        ApiError::Transport {
            kind,
            attempts,
            stop,
            ..
        } => {
            // Nothing listens there: one retry (max_refused_attempts), not max_attempts (4).
            assert_eq!(*kind, hr2pagerduty::pagerduty::TransportKind::Refused);
            assert_eq!((*attempts, *stop), (2, StopReason::AttemptsExhausted));
        }
        other => panic!("expected a transport error, got {other}"),
    }
}

fn taken() -> Reply {
    Reply::error(
        400,
        2001,
        "Invalid Input Provided",
        &["Email has already been taken"],
    )
}

#[tokio::test]
async fn a_create_refused_as_taken_at_once_looks_again_while_the_lookup_lags() {
    // Another run (or a person) created the user moments ago: PagerDuty refuses the POST
    // (fact F31) while the search does not list the user yet. It is looked up again, never
    // posted again.
    let empty = || Reply::json(200, users_page(0, vec![], false, Some(0)));
    let server = Server::scripted(vec![
        ("POST /users", taken()),
        (&lookup_line("new@example.com"), empty()),
        (&lookup_line("new@example.com"), empty()),
        (
            &lookup_line("new@example.com"),
            Reply::json(
                200,
                users_page(
                    0,
                    vec![user_with("PNEW", "new@example.com")],
                    false,
                    Some(1),
                ),
            ),
        ),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let sent = client
        .create_user(&new_user("new@example.com"))
        .await
        .unwrap();
    server.assert_done();
    assert_eq!(
        (sent.value.id.as_str(), sent.attempts, sent.recovered),
        ("PNEW", 1, true)
    );
    assert_eq!(client.stats().recovered, 1);
}

#[tokio::test]
async fn a_taken_email_whose_holder_never_shows_fails_after_a_bounded_number_of_lookups() {
    let server = Server::start(|r| match r.method.as_str() {
        "POST" => taken(),
        _ => Reply::json(200, users_page(0, vec![], false, Some(0))),
    })
    .await;
    let cfg = config(&server.url);
    let lookups = cfg.retry.max_attempts as usize;
    let client = Client::new(cfg).unwrap();
    let err = client
        .create_user(&new_user("new@example.com"))
        .await
        .unwrap_err();
    let mut expected = vec!["POST /users".to_string()];
    expected.extend(std::iter::repeat_n(lookup_line("new@example.com"), lookups));
    assert_eq!(server.lines(), expected, "one POST, never re-sent");
    assert!(
        err.status() == Some(400) && err.body_mentions("Email has already been taken"),
        "{err}"
    );
}

#[tokio::test]
async fn a_redirect_is_reported_with_its_location_and_never_followed() {
    // PagerDuty's REST API never redirects; following one could send the key elsewhere.
    let target = Server::scripted(vec![]).await;
    let server = Server::scripted(vec![(
        "GET /users/me",
        Reply::empty(307).with_header("location", &format!("{}/users/me", target.url)),
    )])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let e = client.key_owner().await.unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains(&format!("HTTP 307 to {}/users/me", target.url))
            && text.contains("redirected, which PagerDuty's REST API never does")
            && text.contains("(not retryable; 1 attempt in "),
        "{text}"
    );
    assert_eq!(e.attempts(), 1);
    server.assert_done();
    assert!(target.requests().is_empty(), "the redirect was followed");
}

/// `GET /users/me` answered `reply`, read once as the planner reads it
/// (`Observer::key_owner`) and once as `doctor` does (`Observer::preflight`'s key).
async fn key_owner_both_ways(
    reply: impl Fn() -> Reply,
) -> (
    Result<Option<String>, String>,
    Result<Option<String>, String>,
) {
    use hr2pagerduty::observe::Observer;
    use hr2pagerduty::observe::preflight::Asked;
    use hr2pagerduty::pagerduty::KeyOwner;
    use hr2pagerduty::progress::Progress;
    let server =
        Server::scripted(vec![("GET /users/me", reply()), ("GET /users/me", reply())]).await;
    let client = Client::new(config(&server.url)).unwrap();
    let progress = Progress::hidden();
    let observer = Observer::new(&client, &progress, 1, &server.url);
    let planner = observer
        .key_owner()
        .await
        .map(|u| u.map(|u| u.id.to_string()))
        .map_err(|e| e.to_string());
    let asked = Asked {
        from: hr2pagerduty::email::Email::normalise("nobody@example.com"),
        abilities: false,
        teams: false,
    };
    let doctor = match observer.preflight(&asked).await.key {
        Ok(KeyOwner::User(u)) => Ok(Some(u.id.to_string())),
        Ok(KeyOwner::Account) => Ok(None),
        Err(e) => Err(e.to_string()),
    };
    (planner, doctor)
}

#[tokio::test]
async fn the_planner_and_doctor_read_the_key_owner_by_one_rule() {
    // 200: the key's user; 400 (an account-level key, OpenAPI `getCurrentUser`): no user.
    let (planner, doctor) = key_owner_both_ways(|| {
        Reply::json(200, json!({"user": user_with("PKEY001", "k@example.com")}))
    })
    .await;
    assert_eq!(planner, Ok(Some("PKEY001".to_string())));
    assert_eq!(doctor, planner);
    let (planner, doctor) =
        key_owner_both_ways(|| Reply::error(400, 2001, "Invalid Input Provided", &[])).await;
    assert_eq!(planner, Ok(None));
    assert_eq!(doctor, planner);
    // 404 is not among the documented answers: an error for both, never "no user".
    let (planner, doctor) = key_owner_both_ways(|| Reply::error(404, 2100, "Not Found", &[])).await;
    assert!(
        planner.as_ref().is_err_and(|e| e.contains("404")),
        "{planner:?}"
    );
    assert!(
        doctor.as_ref().is_err_and(|e| e.contains("404")),
        "{doctor:?}"
    );
}
