//! One attempt of a request: admission through the shared [`Throttle`](crate::pagerduty::throttle::Throttle)
//! (which a stop or a halt cuts short), the request on the wire, the whole answer read, and
//! what the throttle learns from it (the `ratelimit-*` headers, the latency). What the
//! attempt's result means for the request is the retry loop's to decide
//! ([`super::retry_loop`]).

use super::request::Request;
use super::{ACTION_SENT, Transport, action_unsent, error_chain};
use crate::pagerduty::budget::Headers;
use crate::pagerduty::error::TransportKind;
use crate::pagerduty::retry::{parse_reset, transport_kind};
use reqwest::Url;
use std::time::Duration;
use tokio::time::Instant;

/// What one attempt produced.
pub(super) enum Attempt {
    /// An HTTP answer, read whole.
    Http {
        status: u16,
        body: Vec<u8>,
        /// Its `ratelimit-reset`, when sent (fact F28).
        reset: Option<Duration>,
    },
    /// No usable answer: a failure below HTTP, an answer that broke off, or a redirect.
    Failed { kind: TransportKind, detail: String },
}

impl Transport {
    /// One attempt: admission through the throttle, send, read the whole answer, and let
    /// the throttle learn from it. Returns the result and when the request was let out;
    /// `None` when the run stopped ([`Transport::stop_sending`]) before it was let out.
    pub(super) async fn attempt(
        &self,
        req: &Request,
        url: &Url,
        path: &str,
        attempt: u32,
    ) -> Option<(Attempt, Instant)> {
        let first = action_unsent();
        let _admission = tokio::select! {
            biased;
            () = self.until_stopped() => return None,
            () = self.until_halted(), if first => return None,
            admission = self.throttle.admit(req.create_user) => admission,
        };
        if self.refuses_now() {
            return None;
        }
        let _ = ACTION_SENT.try_with(|s| s.set(true));
        let admitted = Instant::now();
        let mut builder = self
            .http
            .request(req.method.clone(), url.clone())
            .headers(self.headers(req));
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let on_wire = self.throttle.on_wire();
        let started = Instant::now();
        let exchange = async {
            let mut answered = None;
            let result = match builder.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers();
                    let number = |name: &str| -> Option<u64> {
                        headers.get(name)?.to_str().ok()?.trim().parse().ok()
                    };
                    let reset =
                        parse_reset(headers.get("ratelimit-reset").and_then(|v| v.to_str().ok()));
                    let rate = Headers {
                        limit: number("ratelimit-limit"),
                        remaining: number("ratelimit-remaining"),
                        reset,
                    };
                    let location = (300..400).contains(&status).then(|| {
                        headers
                            .get(reqwest::header::LOCATION)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("(no Location header)")
                            .to_string()
                    });
                    match response.bytes().await {
                        Ok(_) if location.is_some() => {
                            answered = Some((status, rate));
                            Attempt::Failed {
                                kind: TransportKind::Redirect,
                                detail: format!(
                                    "HTTP {status} to {}; the API URL must be the API root, e.g. https://api.pagerduty.com",
                                    location.unwrap_or_default()
                                ),
                            }
                        }
                        Ok(body) => {
                            answered = Some((status, rate));
                            Attempt::Http {
                                status,
                                body: body.to_vec(),
                                reset,
                            }
                        }
                        Err(e) => Attempt::Failed {
                            kind: if e.is_timeout() {
                                TransportKind::Timeout
                            } else {
                                TransportKind::Connection
                            },
                            detail: format!(
                                "HTTP {status} answer broke off: {}",
                                error_chain(&e.without_url())
                            ),
                        },
                    }
                }
                Err(e) => Attempt::Failed {
                    kind: transport_kind(&e),
                    detail: error_chain(&e.without_url()),
                },
            };
            (result, answered)
        };
        tokio::pin!(exchange);
        // A straggler stops counting against the in-flight cap (see `Throttle::stall_after`).
        let mut stalled = None;
        let stall = tokio::time::sleep(self.throttle.stall_after());
        tokio::pin!(stall);
        let (result, answered) = loop {
            tokio::select! {
                done = &mut exchange => break done,
                _ = &mut stall, if stalled.is_none() => stalled = Some(self.throttle.stalled()),
            }
        };
        drop(stalled);
        let elapsed = started.elapsed();
        // Answered: no longer in flight when the throttle counts what is.
        drop(on_wire);
        if let Some((status, rate)) = answered {
            self.throttle
                .observe(req.shares_budget, status, rate, elapsed);
        }
        let elapsed_ms = elapsed.as_millis() as u64;
        match &result {
            Attempt::Http { status, .. } => tracing::debug!(
                method = %req.method,
                path = %path,
                status = *status,
                attempt,
                elapsed_ms,
                "pagerduty request"
            ),
            Attempt::Failed { kind, detail } => tracing::debug!(
                method = %req.method,
                path = %path,
                error = %kind,
                detail = %detail,
                attempt,
                elapsed_ms,
                "pagerduty request failed"
            ),
        }
        Some((result, admitted))
    }
}
