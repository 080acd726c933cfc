//! PagerDuty's documented limits, as numbers: the rate limit, the pagination bounds and the
//! user fields' lengths. Each is written once, here, and read by the configuration (its
//! defaults and messages), the HR reader (its row checks), the client (its budget and
//! paginator), the email normaliser and the simulator (which enforces them).
//!
//! Source of every fact: the facts table (§0) of `../shared/reference/PAGERDUTY_API.md`,
//! with §2 (listing), §3.1 (the user object) and §6 (rate limits) there.
//!
//! Two values here are not PagerDuty's but this tool's: [`DEFAULT_RATE_LIMIT_WAIT`], the
//! default that the configuration (`[pagerduty] rate_limit_wait_seconds`) and the client
//! (`ClientConfig::rate_limit_wait`) share, stated in PagerDuty's windows; and
//! [`DEFAULT_ONCALL_LOOKAHEAD_DAYS`], the default window that the configuration
//! (`[lifecycle] oncall_lookahead_days`), `oncall` and `observe` share, inside
//! [`ONCALLS_MAX_DAYS_AHEAD`].

use std::time::Duration;

/// PagerDuty's documented budget per account API key: 960 requests per minute (fact F27 in
/// `../shared/reference/PAGERDUTY_API.md`, §6; 900 before November 2023).
pub const REQUESTS_PER_MINUTE: u32 = 960;

/// PagerDuty's rate-limit window: one minute (fact F27: "per minute", §6 of
/// `../shared/reference/PAGERDUTY_API.md`).
pub const RATE_LIMIT_WINDOW: Duration = Duration::from_secs(60);

/// Default of the time a whole run may spend paused by 429s before a 429 fails its request:
/// ten of PagerDuty's one-minute windows ([`RATE_LIMIT_WINDOW`]), 600 seconds. A decision of
/// this tool, shared by `config` (`[pagerduty] rate_limit_wait_seconds`) and the client.
pub const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(10 * RATE_LIMIT_WINDOW.as_secs());

/// Largest page PagerDuty returns: `limit` cannot go above 100 (fact F9 in
/// `../shared/reference/PAGERDUTY_API.md`, §2). The client asks for full pages of this size.
pub const PAGE_LIMIT: u32 = 100;

/// `offset + limit` may not exceed 10,000, or PagerDuty answers 400 (fact F10 in
/// `../shared/reference/PAGERDUTY_API.md`, §2): the most items one listing walk reaches.
pub const OFFSET_CEILING: u32 = 10_000;

/// Furthest ahead `GET /oncalls` looks, in days: "On-call shifts are limited to 90 days in
/// the future" (OpenAPI `listOnCalls`, its `since` and `until` parameters). The on-call
/// look-up before a deactivation and the look-up of the policies holding a user on a team
/// both stay inside it.
pub const ONCALLS_MAX_DAYS_AHEAD: u32 = 90;

/// Default `[lifecycle] oncall_lookahead_days`: a deactivation is blocked by an on-call
/// shift that starts within the next 30 days (about one monthly rotation), so a leaver is
/// not taken out of a rotation they are about to cover. A decision of this tool, shared by
/// `config`, `oncall` (the default window of its facts) and `observe`.
pub const DEFAULT_ONCALL_LOOKAHEAD_DAYS: u32 = 30;

/// Longest user `name` PagerDuty accepts, in characters (OpenAPI `User.name.maxLength`;
/// fact F18 in `../shared/reference/PAGERDUTY_API.md`, §3.1).
pub const NAME_MAX_CHARS: usize = 100;

/// Longest user `job_title` PagerDuty accepts, in characters (OpenAPI
/// `User.job_title.maxLength`; fact F18 in `../shared/reference/PAGERDUTY_API.md`, §3.1).
pub const JOB_TITLE_MAX_CHARS: usize = 100;

/// Shortest user `email` PagerDuty accepts, in characters (OpenAPI `User.email.minLength`;
/// fact F18 in `../shared/reference/PAGERDUTY_API.md`, §3.1).
pub const EMAIL_MIN_CHARS: usize = 6;

/// Longest user `email` PagerDuty accepts, in characters (OpenAPI `User.email.maxLength`;
/// fact F18 in `../shared/reference/PAGERDUTY_API.md`, §3.1).
pub const EMAIL_MAX_CHARS: usize = 100;
