//! The seed: the account a simulator starts with (its format is documented in [`super`]).
//!
//! A seed is plain data and this module imports nothing of the simulator's account model.
//! Reading and checking a seed ([`Seed::from_json`], [`Seed::from_file`], [`Seed::validate`])
//! lives in `load`, which builds the account (`state::Account::from_seed`) with the same code
//! that validates API requests, so a seed can never hold a user the API would refuse, except
//! the account owner, which only a seed can create (fact F15).

use super::faults::Fault;
use super::random::RandomFaults;
use super::ratelimit::{DEFAULT_REQUESTS, DEFAULT_WINDOW_SECONDS, EndpointRateLimit};
use crate::pagerduty::models::contact::ContactMethodType;
use crate::pagerduty::models::incidents::{IncidentStatus, Urgency};
use crate::pagerduty::models::licenses::RoleGroup;
use crate::vocab::{Role, TeamRole};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An instant in the seed: RFC 3339 with an offset, e.g. `2026-03-02T09:00:00Z` or
/// `2026-03-02T10:00:00+01:00` (OpenAPI `format: date-time`).
pub type SeedTime = DateTime<FixedOffset>;

/// The starting state and settings of a simulator. Deserialised from JSON; every field has a
/// default, so `{}` is a valid (empty) seed.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Accepted API keys (`Authorization: Token token=<key>`): plain strings (account-level
    /// keys) or `{"key": ..., "user": EMAIL_OR_ID}` (a user-level key owned by that user).
    /// Empty: any non-empty key is accepted, as an account-level key. Never printed: `Debug`
    /// shows only how many there are.
    #[serde(default)]
    pub api_keys: Vec<SeedApiKey>,
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
    /// The simulator's clock: when set, time stands still at this instant (deterministic
    /// on-calls and incident searches); when absent, the system clock.
    #[serde(default)]
    pub now: Option<SeedTime>,
    /// The account's abilities (`GET /abilities`); absent → [`DEFAULT_ABILITIES`]. An empty
    /// list is an account without any ability.
    #[serde(default)]
    pub abilities: Option<Vec<String>>,
    /// Licences (`GET /licenses`). Empty: the account has no licence logic at all.
    #[serde(default)]
    pub licenses: Vec<SeedLicense>,
    /// On-call schedules.
    #[serde(default)]
    pub schedules: Vec<SeedSchedule>,
    /// Escalation policies.
    #[serde(default)]
    pub escalation_policies: Vec<SeedEscalationPolicy>,
    /// Incidents.
    #[serde(default)]
    pub incidents: Vec<SeedIncident>,
    /// Random faults, latency, listing lag and lock contention (default: none).
    #[serde(default)]
    pub random_faults: RandomFaults,
}

/// The abilities of a seeded account that names none: the four of the OpenAPI
/// `listAbilities` example (`teams`, `read_only_users`, `service_support_hours`, `urgencies`)
/// and `coordinated_responding`, which the document names for responder requests.
pub const DEFAULT_ABILITIES: [&str; 5] = [
    "teams",
    "read_only_users",
    "service_support_hours",
    "urgencies",
    "coordinated_responding",
];

/// One accepted API key. JSON: `"KEY"` (an account-level key) or
/// `{"key": "KEY", "user": "bot@example.com"}` (a user-level key; `user` is the email or the
/// ID of a seeded user). `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SeedApiKey {
    /// An account-level key: `GET /users/me` answers 400 for it.
    Account(String),
    /// A user-level key: `GET /users/me` answers with its user.
    User(SeedUserKey),
}

/// The object form of [`SeedApiKey`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedUserKey {
    /// The key.
    pub key: String,
    /// The email or the ID of the seeded user who owns the key.
    pub user: String,
}

impl<'de> Deserialize<'de> for SeedApiKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Account(String),
            User(SeedUserKey),
        }
        match Raw::deserialize(d) {
            Ok(Raw::Account(k)) => Ok(SeedApiKey::Account(k)),
            Ok(Raw::User(u)) => Ok(SeedApiKey::User(u)),
            Err(_) => Err(serde::de::Error::custom(
                "an API key is a string or {\"key\": KEY, \"user\": EMAIL_OR_ID}",
            )),
        }
    }
}

impl SeedApiKey {
    /// The key itself.
    pub fn key(&self) -> &str {
        match self {
            SeedApiKey::Account(k) => k,
            SeedApiKey::User(u) => &u.key,
        }
    }

    /// The email or ID of the key's owner, for a user-level key.
    pub fn user(&self) -> Option<&str> {
        match self {
            SeedApiKey::Account(_) => None,
            SeedApiKey::User(u) => Some(&u.user),
        }
    }
}

impl fmt::Debug for SeedApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.user() {
            None => f.write_str("SeedApiKey(account, redacted)"),
            Some(user) => write!(f, "SeedApiKey(user {user:?}, redacted)"),
        }
    }
}

impl From<&str> for SeedApiKey {
    fn from(key: &str) -> Self {
        SeedApiKey::Account(key.to_string())
    }
}

impl From<String> for SeedApiKey {
    fn from(key: String) -> Self {
        SeedApiKey::Account(key)
    }
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
            .field("now", &self.now)
            .field("abilities", &self.abilities)
            .field("licenses", &self.licenses)
            .field("schedules", &self.schedules)
            .field("escalation_policies", &self.escalation_policies)
            .field("incidents", &self.incidents)
            .field("random_faults", &self.random_faults)
            .finish()
    }
}

/// The request budget per API key: `requests` per `window_seconds`, plus the extra limits
/// of single endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSeed {
    /// Requests allowed per window (default 960, fact F27). Also accepted as
    /// `requests_per_minute`.
    #[serde(default = "default_requests", alias = "requests_per_minute")]
    pub requests: u32,
    /// Window length in seconds (default 60).
    #[serde(default = "default_window")]
    pub window_seconds: u64,
    /// Endpoints with an extra limit of their own (`PAGERDUTY_API.md` §6), e.g.
    /// `[{"method": "GET", "path": "/oncalls", "requests": 60}]` (default none).
    #[serde(default)]
    pub endpoints: Vec<EndpointRateLimit>,
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
            endpoints: Vec::new(),
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
/// (once). `Default` gives an empty name and email (invalid until filled in), for struct
/// literals ending in `..SeedUser::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// The user's licence, `{"id": ..., "type": "license_reference"}`; absent while the seed
    /// has licences → one is picked as `POST /users` picks it (the first licence, in seed
    /// order, whose `valid_roles` hold the role), ignoring the caps.
    #[serde(default)]
    pub license: Option<SeedReference>,
    /// Contact methods, as `POST /users/{id}/contact_methods` takes them. None by default: a
    /// seeded user carries exactly what the seed lists (only users created through the API get
    /// PagerDuty's default email method).
    #[serde(default)]
    pub contact_methods: Vec<SeedContactMethod>,
    /// Notification rules, as `POST /users/{id}/notification_rules` takes them; each names a
    /// contact method of this user by its seed `id`.
    #[serde(default)]
    pub notification_rules: Vec<SeedNotificationRule>,
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

/// A reference in the seed, shaped as PagerDuty's references: `{"id": "P…", "type": "…"}`.
/// `type` is optional where only one kind can be meant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedReference {
    /// The object's ID.
    pub id: String,
    /// E.g. `user_reference`, `schedule_reference`, `team_reference`, `license_reference`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

/// A contact method in the seed (OpenAPI `ContactMethod` variants, §5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedContactMethod {
    /// ID (`P` + 6); generated when omitted. Needed when a notification rule points at it.
    #[serde(default)]
    pub id: Option<String>,
    /// `email_contact_method`, `phone_contact_method`, `sms_contact_method` or
    /// `whatsapp_contact_method`.
    #[serde(rename = "type")]
    pub kind: ContactMethodType,
    /// Label, e.g. `Work`.
    pub label: String,
    /// Email address, or phone number without the country code.
    pub address: String,
    /// Country calling code, 1–1999; required for phone numbers.
    #[serde(default)]
    pub country_code: Option<u16>,
    /// Email only (default false).
    #[serde(default)]
    pub send_short_email: Option<bool>,
}

/// A notification rule in the seed (OpenAPI `NotificationRule`, §5.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedNotificationRule {
    /// ID (`P` + 6); generated when omitted.
    #[serde(default)]
    pub id: Option<String>,
    /// `assignment_notification_rule` (the default and the only value).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Minutes after assignment.
    pub start_delay_in_minutes: u32,
    /// `high` or `low`.
    pub urgency: Urgency,
    /// One of this user's seeded contact methods, by `id`.
    pub contact_method: SeedReference,
}

/// A licence in the seed, as `GET /licenses` shows it at the start (OpenAPI
/// `LicenseWithCounts`; §3.5). `current_value` is not given: it counts the seeded users
/// holding the licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedLicense {
    /// Licence ID (`P` + 6), required: users name their licence by it.
    pub id: String,
    /// `license` (the only value).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Name, e.g. `Business (Full User)`.
    pub name: String,
    /// Description (default empty).
    #[serde(default)]
    pub description: Option<String>,
    /// Base roles allowed with this licence.
    pub valid_roles: Vec<Role>,
    /// `FullUser` or `Stakeholder`; absent → `Stakeholder` when every valid role is a
    /// stakeholder role, else `FullUser`.
    #[serde(default)]
    pub role_group: Option<RoleGroup>,
    /// Allocations still free once the seeded users hold theirs; absent or null → no cap.
    #[serde(default)]
    pub allocations_available: Option<u64>,
}

/// An escalation policy in the seed (OpenAPI `EscalationPolicy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedEscalationPolicy {
    /// ID (`P` + 6); generated when omitted.
    #[serde(default)]
    pub id: Option<String>,
    /// `escalation_policy` (the only value).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Name, unique among policies (case-insensitive).
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Repetitions after the last rule (default 0).
    #[serde(default)]
    pub num_loops: Option<u32>,
    /// `if_has_services` (default) or `always`.
    #[serde(default)]
    pub on_call_handoff_notifications: Option<String>,
    /// The levels, at least one.
    pub escalation_rules: Vec<SeedEscalationRule>,
    /// At most one team, `{"id": TEAM_ID, "type": "team_reference"}`.
    #[serde(default)]
    pub teams: Vec<SeedReference>,
}

/// One level of a seeded escalation policy (OpenAPI `EscalationRule`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedEscalationRule {
    /// Rule ID (`P` + 6); generated when omitted.
    #[serde(default)]
    pub id: Option<String>,
    /// Minutes before the incident escalates to the next level.
    pub escalation_delay_in_minutes: u32,
    /// 1 to 10 targets: `{"id": USER_ID, "type": "user_reference"}` or
    /// `{"id": SCHEDULE_ID, "type": "schedule_reference"}` (`user` and `schedule` also
    /// accepted).
    pub targets: Vec<SeedReference>,
}

/// An on-call schedule in the seed (OpenAPI `Schedule`).
///
/// On-call shifts are not computed from the layers: they are the entries of
/// `final_schedule.rendered_schedule_entries`, given explicitly (what PagerDuty shows as the
/// final schedule: layers plus overrides). The layers are shown as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSchedule {
    /// ID (`P` + 6); generated when omitted (give it when a policy targets the schedule).
    #[serde(default)]
    pub id: Option<String>,
    /// `schedule` (the only value).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Name.
    pub name: String,
    /// One of the 135 time zones; default the account's.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// The layers.
    #[serde(default)]
    pub schedule_layers: Vec<SeedScheduleLayer>,
    /// The final schedule: the on-call shifts.
    #[serde(default)]
    pub final_schedule: Option<SeedSubSchedule>,
    /// Teams of the schedule, by reference.
    #[serde(default)]
    pub teams: Vec<SeedReference>,
}

/// A layer of a seeded schedule (OpenAPI `ScheduleLayer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedScheduleLayer {
    /// Layer ID; generated when omitted.
    #[serde(default)]
    pub id: Option<String>,
    /// Name; default `Layer N`.
    #[serde(default)]
    pub name: Option<String>,
    /// Start; default the simulator's clock at start-up.
    #[serde(default)]
    pub start: Option<SeedTime>,
    /// End; default none.
    #[serde(default)]
    pub end: Option<SeedTime>,
    /// Rotation start; default `start`.
    #[serde(default)]
    pub rotation_virtual_start: Option<SeedTime>,
    /// Turn length in seconds; default 604800 (one week).
    #[serde(default)]
    pub rotation_turn_length_seconds: Option<u64>,
    /// The users taking turns: `[{"user": {"id": USER_ID, "type": "user_reference"}}]`.
    #[serde(default)]
    pub users: Vec<SeedLayerUser>,
}

/// A user of a seeded layer (OpenAPI `ScheduleLayerUser`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedLayerUser {
    /// The user.
    pub user: SeedReference,
}

/// The final schedule of a seeded schedule (OpenAPI `SubSchedule`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSubSchedule {
    /// `Final Schedule` (the default and the only value accepted).
    #[serde(default)]
    pub name: Option<String>,
    /// The on-call shifts, in any order; a shift's `end` is after its `start`.
    #[serde(default)]
    pub rendered_schedule_entries: Vec<SeedScheduleEntry>,
}

/// One on-call shift (OpenAPI `ScheduleLayerEntry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedScheduleEntry {
    /// Who is on call.
    pub user: SeedReference,
    /// Start of the shift.
    pub start: SeedTime,
    /// End of the shift.
    pub end: SeedTime,
}

/// An incident in the seed (OpenAPI `Incident`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedIncident {
    /// ID (`P` + 6 or `Q` + 13); generated when omitted.
    #[serde(default)]
    pub id: Option<String>,
    /// `incident` (the only value).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Incident number, unique; default the next after the highest given.
    #[serde(default)]
    pub incident_number: Option<u64>,
    /// Title.
    pub title: String,
    /// `triggered` (default), `acknowledged` or `resolved`.
    #[serde(default)]
    pub status: Option<IncidentStatus>,
    /// `high` (default) or `low`.
    #[serde(default)]
    pub urgency: Option<Urgency>,
    /// When it was created: `GET /incidents` without `date_range=all` finds only recent ones.
    pub created_at: SeedTime,
    /// When it was resolved (resolved incidents only; default `created_at`).
    #[serde(default)]
    pub resolved_at: Option<SeedTime>,
    /// Who it is assigned to: `[{"assignee": {"id": USER_ID, "type": "user_reference"}}]`,
    /// optionally with `at` (default `created_at`). A resolved incident has none.
    #[serde(default)]
    pub assignments: Vec<SeedAssignment>,
    /// The escalation policy it follows; its team becomes the incident's team.
    #[serde(default)]
    pub escalation_policy: Option<SeedReference>,
}

/// One assignment of a seeded incident (OpenAPI `Assignment`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAssignment {
    /// The user.
    pub assignee: SeedReference,
    /// Since when; default the incident's `created_at`.
    #[serde(default)]
    pub at: Option<SeedTime>,
}
