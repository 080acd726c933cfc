//! A scripted PagerDuty stand-in for the client tests: an axum server on 127.0.0.1:0 that
//! records every request (method, path, decoded query, headers, body, arrival time) and
//! answers from a script or a closure. Tests compare the recorded request lines with the
//! exact list they expect, so a missing or an extra call fails the test.
#![allow(dead_code)]

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hr2pagerduty::email::Email;
use hr2pagerduty::pagerduty::models::{NewUser, Role};
use hr2pagerduty::pagerduty::{ClientConfig, RetryPolicy};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A distinctive fake API key; tests assert it never appears in any output.
pub const FAKE_KEY: &str = "u+FAKEKEY-9f2c1e77b04d-never-print";

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Decoded query pairs, in the order sent.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Recorded {
    /// `METHOD /path?k=v&…` with the decoded query sorted, e.g.
    /// `GET /users?include[]=teams&limit=100&offset=0&total=true`.
    pub fn line(&self) -> String {
        let mut q = self.query.clone();
        q.sort();
        if q.is_empty() {
            format!("{} {}", self.method, self.path)
        } else {
            let q: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{} {}?{}", self.method, self.path, q.join("&"))
        }
    }

    pub fn q(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ascii header").to_string())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON request body")
    }
}

/// How the server answers one request.
pub enum Reply {
    /// Status, extra headers, JSON body.
    Json(u16, Vec<(&'static str, String)>, Value),
    /// Status with no body.
    Empty(u16, Vec<(&'static str, String)>),
    /// Wait, then answer (longer than the client's timeout = the answer is lost).
    After(Duration, Box<Reply>),
    /// Send the status line and headers, then break the connection mid-body.
    BreakBody(u16),
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply::Json(status, vec![], body)
    }
    pub fn empty(status: u16) -> Reply {
        Reply::Empty(status, vec![])
    }
    /// PagerDuty's error body (fact F25).
    pub fn error(status: u16, code: i64, message: &str, errors: &[&str]) -> Reply {
        Reply::json(
            status,
            json!({"error": {"code": code, "message": message, "errors": errors}}),
        )
    }
    pub fn with_header(self, name: &'static str, value: &str) -> Reply {
        match self {
            Reply::Json(s, mut h, b) => {
                h.push((name, value.to_string()));
                Reply::Json(s, h, b)
            }
            Reply::Empty(s, mut h) => {
                h.push((name, value.to_string()));
                Reply::Empty(s, h)
            }
            other => other,
        }
    }
    pub fn after(self, wait: Duration) -> Reply {
        Reply::After(wait, Box::new(self))
    }
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

struct Shared {
    log: Mutex<Vec<Recorded>>,
    handler: Box<Handler>,
    script: Option<Mutex<VecDeque<(String, Reply)>>>,
}

/// The running server; it stops with the test's runtime.
#[derive(Clone)]
pub struct Server {
    pub url: String,
    shared: Arc<Shared>,
}

impl Server {
    /// A server answering every request with `handler`.
    pub async fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Server {
        Server::launch(Box::new(handler), None).await
    }

    /// A server that expects exactly these request lines (see [`Recorded::line`]), in this
    /// order, answering each with its reply. Anything else gets a 418 and fails
    /// [`Server::assert_done`].
    pub async fn scripted(steps: Vec<(&str, Reply)>) -> Server {
        let script = steps
            .into_iter()
            .map(|(l, r)| (l.to_string(), r))
            .collect::<VecDeque<_>>();
        Server::launch(Box::new(|_| unreachable!()), Some(Mutex::new(script))).await
    }

    async fn launch(
        handler: Box<Handler>,
        script: Option<Mutex<VecDeque<(String, Reply)>>>,
    ) -> Server {
        let shared = Arc::new(Shared {
            log: Mutex::new(Vec::new()),
            handler,
            script,
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Server {
            url: format!("http://{addr}"),
            shared,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.log.lock().unwrap().clone()
    }

    pub fn lines(&self) -> Vec<String> {
        self.requests().iter().map(Recorded::line).collect()
    }

    /// Asserts that the requests received are exactly the scripted ones.
    pub fn assert_done(&self) {
        let script = self.shared.script.as_ref().expect("a scripted server");
        let left: Vec<String> = script
            .lock()
            .unwrap()
            .iter()
            .map(|(l, _)| l.clone())
            .collect();
        assert!(
            left.is_empty(),
            "expected requests not received: {left:#?}\nreceived: {:#?}",
            self.lines()
        );
    }

    /// Waits (up to 5 s) until `n` requests have arrived.
    pub async fn wait_for(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.shared.log.lock().unwrap().len() < n {
            assert!(Instant::now() < deadline, "only {:?} arrived", self.lines());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let full = reqwest::Url::parse(&format!("http://x{uri}")).unwrap();
    let rec = Recorded {
        method: method.to_string(),
        path: full.path().to_string(),
        query: full
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        headers,
        body: body.to_vec(),
        at: Instant::now(),
    };
    shared.log.lock().unwrap().push(rec.clone());
    let reply = match &shared.script {
        Some(script) => {
            let mut steps = script.lock().unwrap();
            let matches = steps.front().is_some_and(|(l, _)| *l == rec.line());
            if matches {
                steps.pop_front().unwrap().1
            } else {
                let next = steps.front().map(|(l, _)| l.clone());
                // Put back nothing: the test fails on the recorded lines anyway.
                Reply::error(
                    418,
                    0,
                    &format!("unexpected request {}; next expected {next:?}", rec.line()),
                    &[],
                )
            }
        }
        None => (shared.handler)(&rec),
    };
    render(reply).await
}

async fn render(mut reply: Reply) -> Response {
    while let Reply::After(wait, inner) = reply {
        tokio::time::sleep(wait).await;
        reply = *inner;
    }
    let with_headers = |status: u16, extra: Vec<(&'static str, String)>, body: Body, json: bool| {
        let mut r = Response::new(body);
        *r.status_mut() = StatusCode::from_u16(status).unwrap();
        if json {
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static("application/json"));
        }
        for (k, v) in extra {
            r.headers_mut().insert(
                HeaderName::from_static(k),
                HeaderValue::from_str(&v).unwrap(),
            );
        }
        r
    };
    match reply {
        Reply::Json(status, extra, body) => {
            with_headers(status, extra, Body::from(body.to_string()), true)
        }
        Reply::Empty(status, extra) => with_headers(status, extra, Body::empty(), false),
        Reply::BreakBody(status) => {
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(Bytes::from_static(b"{\"user\":{\"id\":")),
                Err(std::io::Error::other(
                    "connection dropped by the test server",
                )),
            ];
            with_headers(
                status,
                vec![],
                Body::from_stream(futures::stream::iter(chunks)),
                true,
            )
        }
        Reply::After(..) => unreachable!(),
    }
    .into_response()
}

/// A fast retry policy for tests: 4 attempts, 50–200 ms waits, 10 s budget.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        min_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        max_elapsed: Duration::from_secs(10),
        ..RetryPolicy::default()
    }
}

/// A client configuration pointing at `url`: generous rate, 4 in flight (4 creates), 2 s
/// timeout, [`fast_retry`], 10 s of 429 waits, the [`FAKE_KEY`].
pub fn config(url: &str) -> ClientConfig {
    ClientConfig {
        base_url: url.to_string(),
        api_key: SecretString::from(FAKE_KEY.to_string()),
        from: Email::normalise("Bot@Example.com"),
        requests_per_minute: 60_000,
        burst: 1_000,
        concurrency: 4,
        create_concurrency: 4,
        rate_limit_wait: Duration::from_secs(10),
        request_timeout: Duration::from_secs(2),
        retry: fast_retry(),
    }
}

/// The create body of a new hire with `email` (a Responder in Europe/London, with a
/// description and no licence).
pub fn new_user(email: &str) -> NewUser {
    NewUser {
        kind: "user".into(),
        name: "New Hire".into(),
        email: email.into(),
        role: Some(Role::LimitedUser),
        time_zone: Some("Europe/London".into()),
        job_title: None,
        description: Some("managed by hr2pagerduty".into()),
        color: None,
        license: None,
    }
}

/// A user object as `GET /users` returns it.
pub fn user(i: usize) -> Value {
    user_with(&format!("PU{i:05}"), &format!("user{i}@example.com"))
}

pub fn user_with(id: &str, email: &str) -> Value {
    json!({
        "id": id, "type": "user", "summary": format!("User {id}"), "name": format!("User {id}"),
        "email": email, "time_zone": "Etc/UTC", "role": "limited_user",
        "description": null, "job_title": null,
        "teams": [{"id": "PT1", "type": "team", "summary": "Ops", "name": "Ops"}]
    })
}

/// A `GET /users` page.
pub fn users_page(offset: u32, users: Vec<Value>, more: bool, total: Option<u64>) -> Value {
    json!({"users": users, "limit": 100, "offset": offset, "more": more, "total": total})
}

/// The request line of a users page.
pub fn users_line(offset: u32) -> String {
    format!("GET /users?include[]=teams&limit=100&offset={offset}&total=true")
}

/// The request line of a lookup by email.
pub fn lookup_line(email: &str) -> String {
    format!("GET /users?include[]=teams&limit=100&offset=0&query={email}&total=true")
}
