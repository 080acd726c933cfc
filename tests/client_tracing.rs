//! Tracing output of the request layer: one debug event per request with method, path,
//! status, attempt and elapsed ms, and never the API key or any header.
//!
//! Alone in its own test binary: tracing caches per-callsite interest process-wide, so a
//! test running on another thread without a subscriber could hide these events.

#[path = "support/mod.rs"]
mod support;

use hr2pagerduty::pagerduty::Client;
use hr2pagerduty::pagerduty::models::UserUpdate;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::client::*;

/// The distinctive middle of the key: any partial leak shows up too.
const FRAGMENT: &str = "FAKEKEY-9f2c1e77b04d";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn tracing_output_has_one_event_per_request_and_never_the_key() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = Server::scripted(vec![
        ("PUT /users/P1", Reply::error(503, 0, "Unavailable", &[])),
        (
            "PUT /users/P1",
            Reply::json(200, json!({"user": user_with("P1", "a@example.com")})),
        ),
        (
            "GET /users/P2?include[]=teams",
            Reply::empty(429).with_header("ratelimit-reset", "0"),
        ),
        (
            "GET /users/P2?include[]=teams",
            Reply::error(401, 2006, "Authentication failed", &[]),
        ),
    ])
    .await;
    let mut cfg = config(&server.url);
    cfg.retry.min_delay = Duration::from_millis(20);
    let client = Client::new(cfg).unwrap();
    let update = UserUpdate {
        name: Some("A".into()),
        ..UserUpdate::default()
    };
    client.update_user(&"P1".into(), &update).await.unwrap();
    let err = client.get_user(&"P2".into()).await.unwrap_err();
    server.assert_done();
    tracing::error!("run failed: {err}");

    let out = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(FAKE_KEY.contains(FRAGMENT));
    assert!(
        !out.contains(FRAGMENT),
        "tracing output leaks the key: {out}"
    );
    assert!(
        !out.to_lowercase().contains("authorization"),
        "headers logged: {out}"
    );
    let events: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("pagerduty request"))
        .collect();
    assert_eq!(events.len(), 4, "{out}");
    assert!(
        events[0].contains("method=PUT") && events[0].contains("path=/users/P1"),
        "{out}"
    );
    assert!(
        events[0].contains("status=503") && events[0].contains("attempt=1"),
        "{out}"
    );
    assert!(
        events[1].contains("status=200") && events[1].contains("attempt=2"),
        "{out}"
    );
    assert!(events[1].contains("elapsed_ms="), "{out}");
    assert!(events[2].contains("status=429"), "{out}");
    assert!(out.contains("rate limited"), "{out}");
}
