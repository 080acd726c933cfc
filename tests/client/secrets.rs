//! The API key never leaves the Authorization header: not in Debug or Display of the
//! configuration, the client or any error. (Tracing output: `client_tracing.rs`.)

use crate::support::client::*;
use hr2pagerduty::pagerduty::{ApiError, Client, ClientConfig};
use serde_json::json;

/// The distinctive middle of the key: any partial leak shows up too.
const FRAGMENT: &str = "FAKEKEY-9f2c1e77b04d";

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(FRAGMENT), "{what} leaks the key: {text}");
}

fn check_error(e: &ApiError) {
    assert_clean("error Display", &e.to_string());
    assert_clean("error Debug", &format!("{e:?}"));
    assert_clean("error alternate Debug", &format!("{e:#?}"));
}

#[tokio::test]
async fn no_debug_or_display_shows_the_key() {
    assert!(FAKE_KEY.contains(FRAGMENT));
    let server = Server::scripted(vec![
        (
            "GET /users/P1?include[]=teams",
            Reply::error(401, 2006, "Authentication failed", &[]),
        ),
        (
            &users_line(0),
            Reply::json(
                200,
                json!({"users": [{"id": "P1"}], "limit": 100, "offset": 0, "more": false}),
            ),
        ),
        (
            "POST /users",
            Reply::error(500, 0, "Internal Server Error", &[]),
        ),
        (
            &lookup_line("n@example.com"),
            Reply::error(401, 2006, "Authentication failed", &[]),
        ),
    ])
    .await;
    let cfg: ClientConfig = config(&server.url);
    assert_clean("config Debug", &format!("{cfg:?} {cfg:#?}"));
    let client = Client::new(cfg).unwrap();
    let shown = format!("{client:?} {client:#?}");
    assert_clean("client Debug", &shown);
    assert!(
        shown.contains("REDACTED") && shown.contains(&server.url),
        "{shown}"
    );

    let auth = client.get_user(&"P1".into()).await.unwrap_err();
    assert!(auth.is_auth());
    check_error(&auth);
    let decode = client.list_users(&|_, _| {}).await.unwrap_err();
    assert!(matches!(decode, ApiError::Decode { .. }), "{decode}");
    check_error(&decode);
    let user = hr2pagerduty::pagerduty::models::NewUser {
        kind: "user".into(),
        name: "N".into(),
        email: "n@example.com".into(),
        role: None,
        time_zone: None,
        job_title: None,
        description: None,
        color: None,
        license: None,
    };
    let unknown = client.create_user(&user).await.unwrap_err();
    assert!(
        matches!(unknown, ApiError::OutcomeUnknown { .. }),
        "{unknown}"
    );
    check_error(&unknown);
    server.assert_done();
    // The key was really in use: every request carried it in the documented form.
    for r in server.requests() {
        assert_eq!(
            r.header("authorization").unwrap(),
            format!("Token token={FAKE_KEY}")
        );
    }

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut cfg = config(&closed);
    cfg.retry.max_attempts = 1;
    let refused = Client::new(cfg)
        .unwrap()
        .get_user(&"P1".into())
        .await
        .unwrap_err();
    assert!(matches!(refused, ApiError::Transport { .. }), "{refused}");
    check_error(&refused);

    let mut bad = config("not a url");
    check_error(&Client::new(bad.clone()).unwrap_err());
    bad.base_url = server.url.clone();
    bad.api_key = secrecy::SecretString::from(format!("{FAKE_KEY}\n"));
    // A trailing newline is trimmed; an inner one is refused without echoing the key.
    assert!(Client::new(bad.clone()).is_ok());
    bad.api_key = secrecy::SecretString::from(format!("{FAKE_KEY}\nx"));
    check_error(&Client::new(bad).unwrap_err());
}
