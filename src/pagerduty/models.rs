//! Typed PagerDuty REST API v2 objects: the shapes the client decodes and the simulator
//! serves. This module and [`crate::vocab`] (the base and team roles re-exported here, and
//! the time zones) are the only code shared between [`crate::pagerduty`] and [`crate::sim`].
//!
//! Shapes follow PagerDuty's OpenAPI document (`../shared/reference/pagerduty-rest-openapiv3.json`,
//! `components.schemas.User`, `Team`, `Pagination`, and the `listTeamUsers` response) and the
//! facts in `../shared/reference/PAGERDUTY_API.md` (§2–§5). Decoding is tolerant where the API
//! is known to vary: `total` may be missing (2020 samples), `contact_methods` may hold
//! references or full objects, and a role PagerDuty adds later decodes to `Other` instead of
//! failing the whole listing.

use crate::ids::{LicenseId, TeamId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

pub use crate::vocab::{Role, TeamRole};

pub mod contact;
pub mod incidents;
pub mod licenses;
pub mod oncall;

/// A reference to a team as embedded in a user (`teams[]`). With `include[]=teams` PagerDuty
/// sends full team objects instead; both decode here (extra fields are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamReference {
    /// Team ID, e.g. `PQ9K7I8`.
    pub id: TeamId,
    /// `team_reference`, or `team` when included in full.
    #[serde(rename = "type", default = "team_reference_type")]
    pub kind: String,
    /// Short human label (the team name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Team name; present only when the team is included in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// API URL of the team.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    /// Web URL of the team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
}

fn team_reference_type() -> String {
    "team_reference".to_string()
}

/// A reference to a user (`UserReference` in the OpenAPI document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserReference {
    /// User ID.
    pub id: UserId,
    /// `user_reference`, or `user` when included in full.
    #[serde(rename = "type", default = "user_reference_type")]
    pub kind: String,
    /// Short human label (the user's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// API URL of the user.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    /// Web URL of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
}

fn user_reference_type() -> String {
    "user_reference".to_string()
}

/// A PagerDuty user as `GET /users` and `GET /users/{id}` return it.
///
/// Source: OpenAPI `components.schemas.User`. Limits: `name` ≤ 100 characters, `email` 6–100
/// characters, `job_title` ≤ 100 characters (fact F18). `description` (the "bio") may be null;
/// hr2pagerduty keeps its ownership marker there (see [`crate::marker`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// User ID, e.g. `PXPGF42`. Never reused after deletion (fact F24).
    pub id: UserId,
    /// Always `user`.
    #[serde(rename = "type", default = "user_type")]
    pub kind: String,
    /// The user's name, as PagerDuty shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// API URL.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    /// Web URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
    /// Display name.
    pub name: String,
    /// Login email; unique in the account, compared case-insensitively (fact F33).
    pub email: String,
    /// A PagerDuty time zone identifier; null means the account's zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Schedule colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Base role.
    pub role: Role,
    /// Avatar image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// The user's bio; holds hr2pagerduty's ownership marker.
    #[serde(default)]
    pub description: Option<String>,
    /// True while the invitation email is not yet accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_sent: Option<bool>,
    /// Job title.
    #[serde(default)]
    pub job_title: Option<String>,
    /// True when the user was created by SSO (added 2025-08).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_via_sso: Option<bool>,
    /// Teams the user belongs to (references; full objects with `include[]=teams`).
    #[serde(default)]
    pub teams: Vec<TeamReference>,
    /// Contact methods, as references or full objects; not interpreted. Written even when
    /// empty, as PagerDuty's user objects always carry the array
    /// (`../shared/data/pagerduty/list_users_openapi_example_*.json`).
    #[serde(default)]
    pub contact_methods: Vec<serde_json::Value>,
    /// Notification rules, as references or full objects; not interpreted. Written even when
    /// empty, like `contact_methods`.
    #[serde(default)]
    pub notification_rules: Vec<serde_json::Value>,
}

fn user_type() -> String {
    "user".to_string()
}

/// A team as `GET /teams` returns it (OpenAPI `components.schemas.Team`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// Team ID.
    pub id: TeamId,
    /// Always `team`.
    #[serde(rename = "type", default = "team_type")]
    pub kind: String,
    /// Team name, ≤ 100 characters.
    pub name: String,
    /// Team description, ≤ 1024 characters.
    #[serde(default)]
    pub description: Option<String>,
    /// Short human label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// API URL.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    /// Web URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
    /// `manager` (public team) or `none` (private team).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_role: Option<String>,
}

fn team_type() -> String {
    "team".to_string()
}

/// One entry of `GET /teams/{id}/members`: a user and their team role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    /// The member.
    pub user: UserReference,
    /// The member's team role.
    pub role: TeamRole,
}

/// The classic pagination envelope (fact F9): `limit` (default 25, at most 100), 0-based
/// `offset`, `more`, and `total` (null unless `total=true` was sent; absent in 2020 samples).
/// `offset + limit` may not exceed 10,000 (fact F10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pagination {
    /// Page size the server used.
    pub limit: u32,
    /// Offset of this page's first item.
    pub offset: u32,
    /// True when more items follow.
    pub more: bool,
    /// Total number of items, when asked for with `total=true`.
    #[serde(default)]
    pub total: Option<u64>,
}

/// `GET /users` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsersPage {
    /// This page's users.
    pub users: Vec<User>,
    /// The pagination fields.
    #[serde(flatten)]
    pub page: Pagination,
}

/// `GET /teams` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamsPage {
    /// This page's teams.
    pub teams: Vec<Team>,
    /// The pagination fields.
    #[serde(flatten)]
    pub page: Pagination,
}

/// `GET /teams/{id}/members` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamMembersPage {
    /// This page's members.
    pub members: Vec<TeamMember>,
    /// The pagination fields.
    #[serde(flatten)]
    pub page: Pagination,
}

/// A wrapped single user: the body of `GET /users/{id}`, `PUT /users/{id}` and the 201 of
/// `POST /users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserEnvelope {
    /// The user.
    pub user: User,
}

/// A licence reference for `POST /users` and `PUT /users/{id}` (fact F20).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseReference {
    /// Licence ID.
    pub id: LicenseId,
    /// Always `license_reference`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// The user object sent to `POST /users` (wrapped as [`CreateUserRequest`]).
///
/// `name` and `email` are required; `role` defaults to `user` when omitted (fact F14), so
/// hr2pagerduty always sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewUser {
    /// Always `user`.
    #[serde(rename = "type", default = "user_type")]
    pub kind: String,
    /// Display name, ≤ 100 characters.
    pub name: String,
    /// Email, 6–100 characters.
    pub email: String,
    /// Base role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Time zone; must be one of [`crate::vocab::time_zones::TIME_ZONES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Job title, ≤ 100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Bio; carries the ownership marker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Schedule colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Licence to assign; sent only when configuration names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<LicenseReference>,
}

/// Body of `POST /users`: `{"user": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateUserRequest {
    /// The user to create.
    pub user: NewUser,
}

/// A partial user for `PUT /users/{id}`: only the fields that change are sent (fact F34).
/// `None` means "leave unchanged"; `Some("")` clears a text field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserUpdate {
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// New base role; never sent when unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// New time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// New job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// New bio (with the ownership marker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New licence; sent only when configuration names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<LicenseReference>,
}

impl UserUpdate {
    /// True when no field would change.
    pub fn is_empty(&self) -> bool {
        self == &UserUpdate::default()
    }
}

/// Body of `PUT /users/{id}`: `{"user": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateUserRequest {
    /// The fields to change.
    pub user: UserUpdate,
}

/// Body of `PUT /teams/{id}/users/{user_id}`: `{"role": "responder"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMembershipRequest {
    /// The team role to give; always sent explicitly.
    pub role: TeamRole,
}

/// PagerDuty's error body: `{"error": {"code": 2001, "message": "...", "errors": ["..."]}}`.
///
/// Source: developer docs "Errors" (S9) and the OpenAPI error schema; fact F25.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ApiErrorBody,
}

/// The inside of [`ErrorEnvelope`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// PagerDuty error code, e.g. 2001 Invalid Input Provided, 2020 Rate Limit Exceeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// Short message, e.g. "Invalid Input Provided".
    #[serde(default)]
    pub message: String,
    /// Details, e.g. `["Email has already been taken"]`; may be missing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl fmt::Display for ApiErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(code) = self.code {
            write!(f, "{} (code {code})", self.message)?;
        } else {
            f.write_str(&self.message)?;
        }
        if !self.errors.is_empty() {
            write!(f, ": {}", self.errors.join("; "))?;
        }
        Ok(())
    }
}

/// PagerDuty error codes hr2pagerduty acts on (developer docs "Errors", S9; fact F26).
pub mod error_codes {
    /// Invalid Input Provided: validation errors, duplicate email, licence and lock errors.
    pub const INVALID_INPUT: i64 = 2001;
    /// Arguments Caused Error.
    pub const ARGUMENTS_CAUSED_ERROR: i64 = 2002;
    /// Missing Arguments.
    pub const MISSING_ARGUMENTS: i64 = 2003;
    /// Authentication failed.
    pub const AUTHENTICATION_FAILED: i64 = 2006;
    /// Access Denied.
    pub const ACCESS_DENIED: i64 = 2010;
    /// Missing Account Ability.
    pub const MISSING_ABILITY: i64 = 2014;
    /// Rate Limit Exceeded.
    pub const RATE_LIMIT_EXCEEDED: i64 = 2020;
    /// Not Found.
    pub const NOT_FOUND: i64 = 2100;
    /// Team Not Found.
    pub const TEAM_NOT_FOUND: i64 = 6001;
    /// Malformed "From" header (seen only in third-party reports, S31).
    pub const MALFORMED_FROM: i64 = 1028;
}

/// The `errors[]` text PagerDuty returns for a duplicate email on create (fact F31).
pub const EMAIL_TAKEN: &str = "Email has already been taken";

/// The `errors[]` text of the transient account-lock failure on concurrent creates (fact F30);
/// safe to retry.
pub const ACCOUNT_LOCK_ERROR: &str =
    "License error: Unable to perform request at this time. account could not be locked";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_official_list_users_example() {
        let body = r#"{"users":[{"id":"PXPGF42","type":"user","summary":"Earline Greenholt",
            "name":"Earline Greenholt","email":"125.greenholt.earline@graham.name",
            "time_zone":"America/Lima","color":"green","role":"admin","description":"Bio",
            "invitation_sent":false,"job_title":"Director","teams":[{"id":"PQ9K7I8",
            "type":"team_reference","summary":"Engineering"}],
            "contact_methods":[{"id":"PTDVERC","type":"email_contact_method_reference"}]}],
            "limit":25,"offset":0,"more":false}"#;
        let page: UsersPage = serde_json::from_str(body).unwrap();
        assert_eq!(page.users[0].role, Role::Admin);
        assert_eq!(page.users[0].teams[0].id, "PQ9K7I8");
        assert_eq!(page.page.total, None);
        assert!(!page.page.more);
    }

    #[test]
    fn partial_update_sends_only_changed_fields() {
        let body = UpdateUserRequest {
            user: UserUpdate {
                job_title: Some("SRE".into()),
                ..UserUpdate::default()
            },
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"user":{"job_title":"SRE"}}"#
        );
    }

    #[test]
    fn error_body_displays_code_and_details() {
        let e: ErrorEnvelope = serde_json::from_str(
            r#"{"error":{"code":2001,"message":"Invalid Input Provided","errors":["Email has already been taken"]}}"#,
        )
        .unwrap();
        assert_eq!(
            e.error.to_string(),
            "Invalid Input Provided (code 2001): Email has already been taken"
        );
    }
}
