//! The seed: the account a simulator starts with (its format is documented in [`super`]).
//!
//! A seed is plain data and this module imports nothing of the simulator's account model.
//! Reading and checking a seed ([`Seed::from_json`], [`Seed::from_file`], [`Seed::validate`])
//! lives in `load`, which builds the account (`state::Account::from_seed`) with the same code
//! that validates API requests, so a seed can never hold a user the API would refuse, except
//! the account owner, which only a seed can create (fact F15).

use super::faults::Fault;
use super::ratelimit::{DEFAULT_REQUESTS, DEFAULT_WINDOW_SECONDS};
use crate::pagerduty::models::{Role, TeamRole};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The starting state and settings of a simulator. Deserialised from JSON; every field has a
/// default, so `{}` is a valid (empty) seed.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Accepted API keys (`Authorization: Token token=<key>`). Empty: any non-empty key is
    /// accepted. Never printed: `Debug` shows only how many there are.
    #[serde(default)]
    pub api_keys: Vec<String>,
    /// The per-key request budget (default 960 requests per 60 seconds, fact F27).
    #[serde(default)]
    pub rate_limit: RateLimitSeed,
    /// Account subdomain used in `html_url`s, e.g. `acme` → `https://acme.pagerduty.com/...`
    /// (default `sim`).
    #[serde(default)]
    pub subdomain: Option<String>,
    /// The account's time zone, shown for users whose own `time_zone` is unset (the API
    /// fills it in: "If null, the account's time zone will be used", OpenAPI
    /// `User.time_zone`). One of the 135 accepted zones; default `Etc/UTC`.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Teams, in any order.
    #[serde(default)]
    pub teams: Vec<SeedTeam>,
    /// Users, in any order; at most one with role `owner`.
    #[serde(default)]
    pub users: Vec<SeedUser>,
    /// Faults active from the start, in priority order.
    #[serde(default)]
    pub faults: Vec<Fault>,
}

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Seed")
            .field(
                "api_keys",
                &format_args!("[{} redacted]", self.api_keys.len()),
            )
            .field("rate_limit", &self.rate_limit)
            .field("subdomain", &self.subdomain)
            .field("time_zone", &self.time_zone)
            .field("teams", &self.teams)
            .field("users", &self.users)
            .field("faults", &self.faults)
            .finish()
    }
}

/// The request budget per API key: `requests` per `window_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSeed {
    /// Requests allowed per window (default 960, fact F27). Also accepted as
    /// `requests_per_minute`.
    #[serde(default = "default_requests", alias = "requests_per_minute")]
    pub requests: u32,
    /// Window length in seconds (default 60).
    #[serde(default = "default_window")]
    pub window_seconds: u64,
}

fn default_requests() -> u32 {
    DEFAULT_REQUESTS
}

fn default_window() -> u64 {
    DEFAULT_WINDOW_SECONDS
}

impl Default for RateLimitSeed {
    fn default() -> Self {
        RateLimitSeed {
            requests: DEFAULT_REQUESTS,
            window_seconds: DEFAULT_WINDOW_SECONDS,
        }
    }
}

/// A team in the seed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTeam {
    /// Team ID (`P` + 6 upper-case letters or digits); generated when omitted.
    #[serde(default)]
    pub id: Option<String>,
    /// Team name, unique in the seed (case-insensitive), ≤ 100 characters (OpenAPI `Team`).
    pub name: String,
    /// Description, ≤ 1024 characters.
    #[serde(default)]
    pub description: Option<String>,
    /// `manager` (public team, the default) or `none` (private team).
    #[serde(default)]
    pub default_role: Option<String>,
}

/// A user in the seed. The same rules as `POST /users` apply, except that `owner` is allowed
/// (once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    /// User ID (`P` + 6 upper-case letters or digits); generated when omitted.
    #[serde(default)]
    pub id: Option<String>,
    /// Display name, ≤ 100 characters; runs of spaces are collapsed.
    pub name: String,
    /// Email, 6–100 characters, unique (case-insensitive); stored lower-cased.
    pub email: String,
    /// Base role (default `user`, fact F14).
    #[serde(default)]
    pub role: Option<Role>,
    /// One of the 135 accepted zones; unset → the account's zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Job title, ≤ 100 characters.
    #[serde(default)]
    pub job_title: Option<String>,
    /// Bio, stored verbatim.
    #[serde(default)]
    pub description: Option<String>,
    /// Schedule colour; assigned from a palette when omitted.
    #[serde(default)]
    pub color: Option<String>,
    /// Team memberships.
    #[serde(default)]
    pub teams: Vec<SeedMembership>,
}

/// A user's membership of one team, in the seed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedMembership {
    /// The team's name or ID.
    pub team: String,
    /// Team role; omitted → the default for the user's base role (§5.1 of
    /// `PAGERDUTY_API.md`, S25).
    #[serde(default)]
    pub role: Option<TeamRole>,
}
