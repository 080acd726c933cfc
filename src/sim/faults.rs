//! Fault injection: scripted misbehaviour for chosen requests.
//!
//! A [`Fault`] names a method and a path pattern, lets the first `skip` matching requests
//! through, then applies its [`FaultKind`] to the next `times` matches. Faults come from the
//! seed (`"faults": [...]`) or are added at run time with
//! [`SimHandle::inject`](super::SimHandle::inject).
//!
//! Where faults act in the request pipeline (see [`super`]): after authentication and the
//! rate-limit check (so an unauthenticated request never counts as a match, and an injected
//! answer counts against the key's budget and, except `bare_rate_limit` and `proxy_error`,
//! carries the `ratelimit-*` headers), before the
//! endpoint runs. A due scripted fault takes precedence over the random faults of
//! [`super::random`]: that request gets no random fault (latency still applies). Adding a
//! kind means adding a variant here and one arm in `pipeline::scripted_fault`.

use serde::{Deserialize, Serialize};

/// Methods a fault may name; `*` matches any method.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "*"];

/// One scripted fault.
///
/// JSON form (in the seed's `faults` array):
/// `{"method": "POST", "path": "/users", "skip": 2, "times": 1, "kind": {"type": "status", "status": 503}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// `GET`, `POST`, `PUT`, `DELETE`, or `*` for any method (case-insensitive).
    pub method: String,
    /// Path pattern: `/`-separated segments where `*` matches exactly one segment, e.g.
    /// `/users`, `/users/*`, `/teams/*/users/*`. The query string is not part of the match.
    pub path: String,
    /// Number of matching requests let through untouched before the fault applies
    /// (default 0).
    #[serde(default)]
    pub skip: u32,
    /// Number of matching requests (after the skipped ones) the fault applies to. Omitted in
    /// JSON: 1. `null` (or [`Fault::always`]): every later match.
    #[serde(default = "one")]
    pub times: Option<u32>,
    /// What happens to a request the fault applies to.
    pub kind: FaultKind,
}

fn one() -> Option<u32> {
    Some(1)
}

fn internal_error_status() -> u16 {
    500
}

fn bad_gateway_status() -> u16 {
    502
}

/// What a fault does to a request.
///
/// JSON form: an object tagged by `type`, e.g. `{"type": "delay", "ms": 2000}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer `status` (400–599) with PagerDuty's error body, without running the endpoint.
    /// `code` and `message` default by status: 5xx → 2000 "An internal error has occurred.
    /// PagerDuty team has been notified." (S9); 404 → 2100 "Not Found"; 403 → 2010
    /// "Access Denied"; 401 → 2006 "Authentication failed"; 429 → 2020 "Rate Limit
    /// Exceeded"; other 4xx → 2001 "Invalid Input Provided". The usual `ratelimit-*` headers
    /// are sent.
    Status {
        /// HTTP status, 400–599.
        status: u16,
        /// PagerDuty error code; defaults as above.
        #[serde(default)]
        code: Option<i64>,
        /// Error message; defaults as above.
        #[serde(default)]
        message: Option<String>,
        /// `errors[]` details (default none).
        #[serde(default)]
        errors: Vec<String>,
    },
    /// Answer `status` (500–599, default 502) as a load balancer in front of PagerDuty does:
    /// an HTML page (`text/html`), no JSON body and no `ratelimit-*` headers, without
    /// running the endpoint.
    ProxyError {
        /// HTTP status, 500–599 (default 502).
        #[serde(default = "bad_gateway_status")]
        status: u16,
    },
    /// Answer 429 with body `{"error":{"message":"Rate Limit Exceeded","code":2020}}` and
    /// headers `ratelimit-limit` (the configured budget), `ratelimit-remaining: 0`,
    /// `ratelimit-reset: reset_seconds` (facts F27, F28). The key's real budget is unchanged.
    RateLimited {
        /// Value of `ratelimit-reset`, in seconds.
        reset_seconds: u64,
    },
    /// Answer 429 with no body and no `ratelimit-*` headers: the rare case PagerDuty warns
    /// about (fact F28, S7).
    BareRateLimit,
    /// Wait `ms` milliseconds, then handle the request normally (to trigger client timeouts).
    Delay {
        /// Delay in milliseconds.
        ms: u64,
    },
    /// Close the connection without answering and without running the endpoint.
    Drop,
    /// Run the endpoint (the write happens), then discard its answer and send `status`
    /// (default 500) with PagerDuty's error body: the outcome-unknown case.
    ApplyThenFail {
        /// HTTP status sent instead of the real answer (default 500).
        #[serde(default = "internal_error_status")]
        status: u16,
    },
    /// Run the endpoint (the write happens), then close the connection without answering.
    ApplyThenDrop,
    /// Answer PagerDuty's transient lock error without running the endpoint: 400, code 2001,
    /// `errors: [ACCOUNT_LOCK_ERROR]` (fact F30, S18).
    AccountLock,
    /// Listing endpoints only: serve the requested page but with `more: false`, as if the
    /// list ended there.
    EndEarly,
    /// Listing endpoints only: serve the previous page's items again (offset − limit,
    /// floored at 0) while echoing the requested `offset` and `more`.
    RepeatPage,
    /// Listing endpoints only: serve no items but `more: true`.
    EmptyPage,
}

impl FaultKind {
    /// A [`FaultKind::Status`] with default code and message.
    pub fn status(status: u16) -> FaultKind {
        FaultKind::Status {
            status,
            code: None,
            message: None,
            errors: Vec::new(),
        }
    }
}

impl Fault {
    /// A fault on `method` and `path` (see the field docs for the pattern syntax) that applies
    /// to the first matching request only (`skip` 0, `times` 1).
    pub fn new(method: &str, path: &str, kind: FaultKind) -> Fault {
        Fault {
            method: method.to_string(),
            path: path.to_string(),
            skip: 0,
            times: Some(1),
            kind,
        }
    }

    /// Lets the first `n` matching requests through first.
    pub fn skip(mut self, n: u32) -> Fault {
        self.skip = n;
        self
    }

    /// Applies to `n` matching requests (after the skipped ones).
    pub fn times(mut self, n: u32) -> Fault {
        self.times = Some(n);
        self
    }

    /// Applies to every matching request after the skipped ones.
    pub fn always(mut self) -> Fault {
        self.times = None;
        self
    }

    /// Checks the method, the path pattern and the status values.
    ///
    /// # Errors
    /// A sentence naming the problem, e.g. `method "FETCH" is not one of GET, POST, PUT,
    /// DELETE, *`.
    pub fn validate(&self) -> Result<(), String> {
        let method = self.method.to_ascii_uppercase();
        if !METHODS.contains(&method.as_str()) {
            return Err(format!(
                "method {:?} is not one of GET, POST, PUT, DELETE, *",
                self.method
            ));
        }
        if !self.path.starts_with('/') {
            return Err(format!("path {:?} must start with '/'", self.path));
        }
        match &self.kind {
            FaultKind::Status { status, .. } | FaultKind::ApplyThenFail { status }
                if !(400..=599).contains(status) =>
            {
                Err(format!("status {status} must be between 400 and 599"))
            }
            FaultKind::ProxyError { status } if !(500..=599).contains(status) => {
                Err(format!("status {status} must be between 500 and 599"))
            }
            _ => Ok(()),
        }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        (self.method == "*" || self.method.eq_ignore_ascii_case(method))
            && path_matches(&self.path, path)
    }
}

/// True when `path` fits `pattern` segment by segment (`*` = any one non-empty segment).
/// A trailing `/` is ignored on both.
pub(crate) fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    pattern.len() == path.len()
        && pattern
            .iter()
            .zip(&path)
            .all(|(p, s)| (*p == "*" && !s.is_empty()) || p == s)
}

/// The run-time list of faults with their counters.
#[derive(Debug, Default)]
pub(crate) struct FaultBook {
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    fault: Fault,
    /// Matching requests seen so far.
    seen: u32,
    /// Times the fault was applied.
    fired: u32,
}

impl FaultBook {
    /// Adds a fault after the existing ones.
    pub(crate) fn add(&mut self, fault: Fault) {
        self.entries.push(Entry {
            fault,
            seen: 0,
            fired: 0,
        });
    }

    /// Removes every fault.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    /// Counts the request against every fault it matches and returns the kind of the first
    /// (in insertion order) that is due: past its `skip` and not yet applied `times` times.
    /// At most one fault applies to a request.
    pub(crate) fn next_for(&mut self, method: &str, path: &str) -> Option<FaultKind> {
        let mut chosen = None;
        for entry in &mut self.entries {
            if !entry.fault.matches(method, path) {
                continue;
            }
            entry.seen += 1;
            let due =
                entry.seen > entry.fault.skip && entry.fault.times.is_none_or(|t| entry.fired < t);
            if due && chosen.is_none() {
                entry.fired += 1;
                chosen = Some(entry.fault.kind.clone());
            }
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_segments() {
        assert!(path_matches("/users", "/users"));
        assert!(path_matches("/users", "/users/"));
        assert!(path_matches("/users/*", "/users/PABC123"));
        assert!(!path_matches("/users/*", "/users"));
        assert!(!path_matches("/users/*", "/users/P1/x"));
        assert!(path_matches("/teams/*/users/*", "/teams/PT/users/PU"));
        assert!(!path_matches("/teams/*/users/*", "/teams/PT/members"));
        assert!(!path_matches("/user", "/users"));
    }

    #[test]
    fn skip_and_times_select_the_right_requests() {
        let mut book = FaultBook::default();
        book.add(
            Fault::new("post", "/users", FaultKind::status(503))
                .skip(1)
                .times(2),
        );
        let seen: Vec<bool> = (0..5)
            .map(|_| book.next_for("POST", "/users").is_some())
            .collect();
        assert_eq!(seen, [false, true, true, false, false]);
        assert!(book.next_for("GET", "/users").is_none());
    }

    #[test]
    fn first_due_fault_wins_and_later_ones_still_count() {
        let mut book = FaultBook::default();
        book.add(Fault::new("*", "/users", FaultKind::AccountLock));
        book.add(Fault::new("POST", "/users", FaultKind::Drop).skip(1));
        assert_eq!(
            book.next_for("POST", "/users"),
            Some(FaultKind::AccountLock)
        );
        // The second fault saw the first request (its skip) and is now due.
        assert_eq!(book.next_for("POST", "/users"), Some(FaultKind::Drop));
        assert_eq!(book.next_for("POST", "/users"), None);
    }

    #[test]
    fn always_never_runs_out() {
        let mut book = FaultBook::default();
        book.add(Fault::new("GET", "/teams", FaultKind::EmptyPage).always());
        assert!((0..50).all(|_| book.next_for("GET", "/teams").is_some()));
        book.clear();
        assert!(book.next_for("GET", "/teams").is_none());
    }

    #[test]
    fn json_form_and_defaults() {
        let f: Fault = serde_json::from_str(
            r#"{"method":"PUT","path":"/teams/*/users/*","kind":{"type":"apply_then_fail"}}"#,
        )
        .unwrap();
        assert_eq!(f.times, Some(1));
        assert_eq!(f.kind, FaultKind::ApplyThenFail { status: 500 });
        let f: Fault = serde_json::from_str(
            r#"{"method":"GET","path":"/users","times":null,"kind":{"type":"delay","ms":5}}"#,
        )
        .unwrap();
        assert_eq!(f.times, None);
        assert!(
            serde_json::from_str::<Fault>(
                r#"{"method":"GET","path":"/users","kind":{"type":"delay","ms":5,"extra":1}}"#
            )
            .is_err()
        );
    }

    #[test]
    fn validation_names_the_problem() {
        let bad = Fault::new("FETCH", "/users", FaultKind::Drop);
        assert!(bad.validate().unwrap_err().contains("FETCH"));
        let bad = Fault::new("GET", "users", FaultKind::Drop);
        assert!(bad.validate().unwrap_err().contains("start with '/'"));
        let bad = Fault::new("GET", "/users", FaultKind::status(200));
        assert!(bad.validate().unwrap_err().contains("200"));
        assert!(
            Fault::new("get", "/users", FaultKind::status(502))
                .validate()
                .is_ok()
        );
    }
}
