//! The key's budget as configured and as the server states it: the rate the shared limiter
//! runs at, and the slow-downs that the `ratelimit-*` headers call for before a 429 arrives.
//!
//! Facts (§6 of `../shared/reference/PAGERDUTY_API.md`): PagerDuty allows 960 requests per
//! minute per account API key (F27); answers checked against the limit carry
//! `ratelimit-limit` (requests allowed in the window), `ratelimit-remaining` (requests left)
//! and `ratelimit-reset` (seconds until the window resets) (F28); an operation with an extra
//! limit of its own (`GET /oncalls`, …) describes that limit instead, so only answers from the
//! user and team endpoints are fed to [`Budget::observe`] (see [`shares_key_budget`]).
//!
//! Three rules, all pure (the caller passes the time):
//! 1. **Rate.** The limiter lets out one request every `period` with `burst` back to back:
//!    the configured `requests_per_minute` and `burst`, unless the server advertises less.
//!    With an advertised limit `L` per window `W`, at most `L − b` requests per `W` are let
//!    out on top of a burst `b = min(burst, max(1, L / 10))`, so no window can receive more
//!    than `L`. `W` is the longest `ratelimit-reset` seen since `L` last changed (a reset is
//!    never longer than its window), at most 60 seconds (F27: "per minute"); PagerDuty's
//!    `W` is 60 s, so its budget is `L − b` per minute.
//! 2. **Pace.** Every answer's `remaining` and `reset` say how many requests the window still
//!    takes. When the limiter would let out more than that before the reset (because another
//!    process spends the same key, or the key's budget is lower than configured), the
//!    remaining requests are spread evenly over the time to the reset, less a second (the
//!    reset is whole seconds, rounded up), and over one window at most (a reset an hour away
//!    would otherwise slow the run to a crawl; the same requests fit before the reset
//!    either way). What is usable counts neither the requests still in flight (they will
//!    spend it) nor a reserve of `b`.
//! 3. **Pause.** When nothing usable remains, every worker waits for the reset: no 429 needs
//!    to arrive first. A 429 itself is handled by the request layer (it waits out the reset).

use crate::vocab::limits::{RATE_LIMIT_WINDOW, REQUESTS_PER_MINUTE};
use std::time::Duration;
use tokio::time::Instant;

/// PagerDuty's rate-limit window (fact F27: "per minute"); the longest window the client
/// assumes.
const LONGEST_WINDOW: Duration = RATE_LIMIT_WINDOW;
const MINUTE: Duration = Duration::from_secs(60);

/// True when answers to this path describe the key's shared budget: the user and team
/// endpoints (first path segment `users` or `teams`). Other endpoints may carry an extra
/// limit of their own (§6: `GET /oncalls`, `POST /incidents`), which must not shrink the
/// whole run's budget.
pub(crate) fn shares_key_budget(first_segment: Option<&str>) -> bool {
    matches!(first_segment, Some("users" | "teams"))
}

/// What one answer said about the budget (`ratelimit-*` headers, fact F28).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Headers {
    /// `ratelimit-limit`: requests allowed in the window.
    pub limit: Option<u64>,
    /// `ratelimit-remaining`: requests left in the window.
    pub remaining: Option<u64>,
    /// `ratelimit-reset`: time until the window resets.
    pub reset: Option<Duration>,
}

/// The shared limiter's rate: one request every `period`, `burst` back to back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rate {
    /// Time between two requests at the sustained rate (above zero).
    pub period: Duration,
    /// Requests that may go back to back after a quiet spell (at least 1).
    pub burst: u32,
}

impl Rate {
    /// `per_minute` requests per minute (≥ 1) with `burst` (≥ 1).
    pub(crate) fn per_minute(per_minute: u32, burst: u32) -> Rate {
        Rate {
            period: MINUTE / per_minute.max(1),
            burst: burst.max(1),
        }
    }

    /// The sustained rate in requests per minute.
    pub(crate) fn requests_per_minute(&self) -> f64 {
        MINUTE.as_secs_f64() / self.period.as_secs_f64()
    }

    /// Requests per second at the sustained rate.
    pub(crate) fn per_second(&self) -> f64 {
        1.0 / self.period.as_secs_f64()
    }
}

/// An even spacing of requests, `interval` apart, until `until` (the window's reset).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pace {
    /// Time between two requests.
    pub interval: Duration,
    /// When the spacing stops applying (the reset).
    pub until: Instant,
}

/// What the throttle should do after an answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Advice {
    /// The limiter's rate, when it changed.
    pub rate: Option<Rate>,
    /// The spacing to apply now (`None`: the limiter alone paces).
    pub pace: Option<Pace>,
    /// Stop every worker until then: the window is spent.
    pub pause_until: Option<Instant>,
    /// A message for the operator, given once (the configured rate is above PagerDuty's
    /// documented 960 per minute and the server does not advertise as much).
    pub warning: Option<String>,
    /// A message for the log (the server advertises less than configured).
    pub note: Option<String>,
}

/// The budget state, shared by all clones of a client (behind the throttle's lock).
#[derive(Debug)]
pub(crate) struct Budget {
    configured_rpm: u32,
    configured_burst: u32,
    /// The latest `ratelimit-limit` seen.
    limit: Option<u64>,
    /// The longest `ratelimit-reset` seen since `limit` last changed, ≤ 60 s.
    window: Option<Duration>,
    /// When the current window ends, from the latest `ratelimit-reset`.
    window_end: Option<Instant>,
    rate: Rate,
    /// The rule about rates above 960 per minute has been applied (warned or not).
    warning_decided: bool,
    noted_limit: Option<u64>,
}

impl Budget {
    /// The configured `requests_per_minute` (≥ 1) and `burst` (≥ 1).
    pub(crate) fn new(requests_per_minute: u32, burst: u32) -> Budget {
        Budget {
            configured_rpm: requests_per_minute.max(1),
            configured_burst: burst.max(1),
            limit: None,
            window: None,
            window_end: None,
            rate: Rate::per_minute(requests_per_minute, burst),
            warning_decided: false,
            noted_limit: None,
        }
    }

    /// The limiter's rate now.
    pub(crate) fn rate(&self) -> Rate {
        self.rate
    }

    /// The requests kept in reserve in each window, and the largest burst: `burst`, at most
    /// a tenth of the advertised limit (at least 1).
    fn reserve(&self) -> u64 {
        let b = u64::from(self.configured_burst);
        match self.limit {
            Some(l) => b.min((l / 10).max(1)),
            None => b,
        }
    }

    /// The effective rate: the configured one, slowed to `L − b` per window when the
    /// server advertises a limit `L` for a window `W`.
    fn effective(&self) -> Rate {
        let configured = Rate::per_minute(self.configured_rpm, self.configured_burst);
        let (Some(limit), Some(window)) = (self.limit, self.window) else {
            return configured;
        };
        let b = self.reserve();
        let cells = u32::try_from(limit.saturating_sub(b).max(1)).unwrap_or(u32::MAX);
        let advertised = window / cells;
        Rate {
            period: configured
                .period
                .max(advertised)
                .max(Duration::from_nanos(1)),
            burst: u32::try_from(b).unwrap_or(u32::MAX).max(1),
        }
    }

    /// When the current window ends, if an answer said so and it is still ahead of `now`.
    /// A bare 429 (no headers, fact F28) waits until then.
    pub(crate) fn window_end(&self, now: Instant) -> Option<Instant> {
        self.window_end.filter(|end| *end > now)
    }

    /// Takes in one answer from a user or team endpoint. `in_flight` counts the other
    /// requests sent and not yet answered; `rate_limited` is true for a 429 (its pause is the
    /// request layer's, so no pace or pause is advised for it).
    pub(crate) fn observe(
        &mut self,
        h: Headers,
        rate_limited: bool,
        in_flight: usize,
        now: Instant,
    ) -> Advice {
        let mut advice = Advice::default();
        if let Some(l) = h.limit
            && self.limit != Some(l)
        {
            self.limit = Some(l);
            self.window = None;
        }
        if let Some(r) = h.reset {
            self.window_end = Some(now + r);
            let r = r.clamp(Duration::from_secs(1), LONGEST_WINDOW);
            if self.limit.is_some() && self.window.is_none_or(|w| r > w) {
                self.window = Some(r);
            }
        }
        let rate = self.effective();
        if rate != self.rate {
            self.rate = rate;
            advice.rate = Some(rate);
        }
        self.decide_messages(&mut advice);
        if rate_limited {
            return advice;
        }
        let (Some(remaining), Some(reset)) = (h.remaining, h.reset) else {
            return advice;
        };
        let end = now + reset;
        let usable = remaining.saturating_sub(in_flight as u64 + self.reserve());
        if usable == 0 {
            if !reset.is_zero() {
                advice.pause_until = Some(end);
            }
            return advice;
        }
        // `ratelimit-reset` is whole seconds, rounded up by the simulator (PagerDuty's docs do
        // not say): spreading over the full value would run slow by up to a second per
        // answer. Spread over a second less; the count above still guards the window (once
        // nothing usable is left, everyone waits for the reset). And over one window at most:
        // a reset further away (a budget per hour) is spent at its rest per window, then
        // waited out, instead of slowing the whole run to a crawl; either way the same
        // requests fit before the reset.
        let window = self.window.unwrap_or(LONGEST_WINDOW);
        let horizon = reset.saturating_sub(Duration::from_secs(1)).min(window);
        // Requests the limiter would let out in that time at its own rate.
        let would_send = horizon.as_secs_f64() / self.rate.period.as_secs_f64();
        if would_send > usable as f64 {
            let interval = horizon / u32::try_from(usable).unwrap_or(u32::MAX);
            if interval > self.rate.period {
                advice.pace = Some(Pace {
                    interval,
                    until: end,
                });
            }
        }
        advice
    }

    fn decide_messages(&mut self, advice: &mut Advice) {
        let per_minute = |l: u64, w: Duration| l as f64 * MINUTE.as_secs_f64() / w.as_secs_f64();
        let advertised = match (self.limit, self.window) {
            (Some(l), Some(w)) => Some(per_minute(l, w)),
            _ => None,
        };
        if !self.warning_decided && self.configured_rpm > REQUESTS_PER_MINUTE {
            self.warning_decided = true;
            let using = self.rate.requests_per_minute().floor();
            match advertised {
                Some(a) if a >= f64::from(self.configured_rpm) => {}
                Some(a) => {
                    advice.warning = Some(format!(
                        "requests_per_minute = {} is above PagerDuty's documented {} per key (fact F27) and the server advertises {a:.0} per minute; using {using:.0}",
                        self.configured_rpm, REQUESTS_PER_MINUTE
                    ))
                }
                None => {
                    advice.warning = Some(format!(
                        "requests_per_minute = {} is above PagerDuty's documented {} per key (fact F27) and the server advertises no limit; expect 429s",
                        self.configured_rpm, REQUESTS_PER_MINUTE
                    ))
                }
            }
        }
        if let (Some(a), Some(l)) = (advertised, self.limit)
            && a < f64::from(self.configured_rpm)
            && self.noted_limit != Some(l)
        {
            self.noted_limit = Some(l);
            advice.note = Some(format!(
                "the server advertises {l} requests per {:.0} s, below the configured {} per minute; using {:.0} per minute",
                self.window.unwrap_or(MINUTE).as_secs_f64(),
                self.configured_rpm,
                self.rate.requests_per_minute().floor()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(limit: u64, remaining: u64, reset_s: u64) -> Headers {
        Headers {
            limit: Some(limit),
            remaining: Some(remaining),
            reset: Some(Duration::from_secs(reset_s)),
        }
    }

    fn per_min(b: &Budget) -> f64 {
        (b.rate().requests_per_minute() * 10.0).round() / 10.0
    }

    #[test]
    fn only_user_and_team_answers_describe_the_key_budget() {
        assert!(shares_key_budget(Some("users")));
        assert!(shares_key_budget(Some("teams")));
        assert!(!shares_key_budget(Some("oncalls")));
        assert!(!shares_key_budget(Some("incidents")));
        assert!(!shares_key_budget(None));
    }

    #[test]
    fn pagerdutys_limit_leaves_room_for_the_burst() {
        let now = Instant::now();
        let mut b = Budget::new(960, 10);
        assert_eq!(per_min(&b), 960.0);
        let a = b.observe(h(960, 959, 60), false, 0, now);
        // 960 per 60 s minus a burst of 10: 950 per minute.
        assert_eq!(per_min(&b), 950.0);
        assert_eq!(a.rate.map(|r| r.burst), Some(10));
        assert_eq!((a.pause_until, a.warning), (None, None));
        // At the limiter's own rate the window is just used up: any pace is within 1%.
        let period = b.rate().period.as_secs_f64();
        assert!(
            a.pace
                .is_none_or(|p| p.interval.as_secs_f64() < period * 1.01)
        );
        // A configured rate below the advertised one is kept, and says nothing.
        let mut b = Budget::new(900, 10);
        let a = b.observe(h(960, 959, 60), false, 0, now);
        assert_eq!((per_min(&b), a.rate, a.note), (900.0, None, None));
    }

    #[test]
    fn a_lower_advertised_budget_wins_and_the_window_is_learned() {
        let now = Instant::now();
        let mut b = Budget::new(900, 10);
        // 10 requests per 10 s: the burst shrinks to 1, so 9 per 10 s = 54 per minute.
        let a = b.observe(h(10, 9, 10), false, 0, now);
        assert_eq!(per_min(&b), 54.0);
        assert_eq!(b.rate().burst, 1);
        assert!(a.note.unwrap().contains("10 requests per 10 s"));
        // Shorter resets later in the window do not shorten the window.
        b.observe(h(10, 5, 4), false, 0, now + Duration::from_secs(6));
        assert_eq!(per_min(&b), 54.0);
        // A new limit restarts the window estimate.
        b.observe(h(120, 119, 60), false, 0, now + Duration::from_secs(11));
        assert_eq!(per_min(&b), 110.0);
    }

    #[test]
    fn rates_above_960_warn_unless_the_server_advertises_as_much() {
        let now = Instant::now();
        let mut b = Budget::new(9_600, 10);
        let a = b.observe(h(9_600, 9_599, 60), false, 0, now);
        assert_eq!((a.warning, per_min(&b)), (None, 9_590.0));
        let mut b = Budget::new(9_600, 10);
        let a = b.observe(h(960, 959, 60), false, 0, now);
        let w = a.warning.expect("a warning");
        assert!(w.contains("9600") && w.contains("using 950"), "{w}");
        // Once only.
        assert_eq!(b.observe(h(960, 958, 59), false, 0, now).warning, None);
        let mut b = Budget::new(6_000, 10);
        let a = b.observe(Headers::default(), false, 0, now);
        assert!(a.warning.unwrap().contains("advertises no limit"));
        assert_eq!(per_min(&b), 6_000.0);
    }

    #[test]
    fn a_short_window_left_spreads_the_rest_until_the_reset() {
        let now = Instant::now();
        let mut b = Budget::new(900, 10);
        b.observe(h(960, 959, 60), false, 0, now);
        // Alone on the key: 900 per minute fits in the window, no pace.
        let a = b.observe(h(960, 900, 56), false, 4, now);
        assert_eq!((a.pace, a.pause_until), (None, None));
        // Someone else spent most of it: 110 left, 10 s to go (at least 9), 4 in flight, 10 in
        // reserve: 96 usable, where the limiter would send 135 in 9 s.
        let a = b.observe(h(960, 110, 10), false, 4, now);
        let pace = a.pace.expect("a pace");
        assert_eq!(pace.until, now + Duration::from_secs(10));
        assert_eq!(pace.interval, Duration::from_secs(9) / 96);
        assert_eq!(a.pause_until, None);
    }

    #[test]
    fn a_far_reset_is_spread_over_one_window_at_most() {
        let now = Instant::now();
        let mut b = Budget::new(960, 10);
        // 960 per hour, as a simulator might be seeded: the window is taken as a minute,
        // and 900 usable requests are spread over that minute, not over the hour.
        let a = b.observe(h(960, 920, 3_000), false, 10, now);
        let pace = a.pace.expect("a pace");
        assert_eq!(pace.interval, Duration::from_secs(60) / 900);
        assert_eq!(pace.until, now + Duration::from_secs(3_000));
    }

    #[test]
    fn a_spent_window_pauses_everyone_before_any_429() {
        let now = Instant::now();
        let mut b = Budget::new(900, 10);
        let a = b.observe(h(960, 12, 7), false, 3, now);
        assert_eq!(a.pause_until, Some(now + Duration::from_secs(7)));
        assert_eq!(b.window_end(now), Some(now + Duration::from_secs(7)));
        assert_eq!(b.window_end(now + Duration::from_secs(8)), None);
        // A 429's own pause is the request layer's.
        let a = b.observe(h(960, 0, 7), true, 0, now);
        assert_eq!((a.pace, a.pause_until), (None, None));
    }
}
