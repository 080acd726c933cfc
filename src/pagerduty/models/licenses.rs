//! Licences and the account's abilities.
//!
//! Shapes follow PagerDuty's OpenAPI document: `components.schemas.LicenseWithCounts` (the
//! items of `GET /licenses`), its first `allOf` member (the licence without counts, in
//! `GET /users/{id}/license` and `GET /license_allocations`), the `listLicenseAllocations`
//! response, and `listAbilities`. Facts: §3.5 and F20 in `../shared/reference/PAGERDUTY_API.md`.

use super::{Pagination, Role, UserReference};
use crate::ids::LicenseId;
use crate::vocab::roles::string_enum;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The `errors[]` text of a 400/2001 when the licence asked for (or picked) has no free
/// allocation: "License error: License is not available" (S22, §3.5). Not worth retrying,
/// unlike [`super::ACCOUNT_LOCK_ERROR`].
pub const LICENSE_NOT_AVAILABLE: &str = "License error: License is not available";

/// The role group of a licence (`role_group`): which kind of base role it is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum RoleGroup {
    /// Responders and above (`owner`, `admin`, `user`, `limited_user`, `observer`,
    /// `restricted_access` in the spec's example).
    FullUser,
    /// Stakeholders (`read_only_user`, `read_only_limited_user`).
    Stakeholder,
    /// A value outside the documented enum, kept verbatim.
    Other(String),
}

impl RoleGroup {
    /// Every documented role group.
    pub const ALL: [RoleGroup; 2] = [RoleGroup::FullUser, RoleGroup::Stakeholder];

    /// The API spelling, `FullUser` or `Stakeholder`.
    pub fn as_str(&self) -> &str {
        match self {
            RoleGroup::FullUser => "FullUser",
            RoleGroup::Stakeholder => "Stakeholder",
            RoleGroup::Other(s) => s,
        }
    }
}

string_enum!(RoleGroup);

/// A licence without allocation counts (`LicenseWithCounts/allOf/0`): the body of
/// `GET /users/{id}/license` and the `license` of an allocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct License {
    /// Licence ID, e.g. `PIP248G`.
    pub id: LicenseId,
    /// Always `license`.
    #[serde(rename = "type", default = "license_type")]
    pub kind: String,
    /// Name, e.g. `Business (Full User)`.
    pub name: String,
    /// Description (may be empty).
    #[serde(default)]
    pub description: String,
    /// Short human label (the name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Base roles a user holding this licence may have (fact F20).
    pub valid_roles: Vec<Role>,
    /// `FullUser` or `Stakeholder`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_group: Option<RoleGroup>,
    /// API URL (the spec's example shows null; no licence URL is documented).
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    /// Web URL (null in the spec's example).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
}

fn license_type() -> String {
    "license".to_string()
}

/// A licence with its counts, as `GET /licenses` lists it (`LicenseWithCounts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseWithCounts {
    /// The licence.
    #[serde(flatten)]
    pub license: License,
    /// Users holding it now.
    #[serde(default)]
    pub current_value: u64,
    /// How many more users can get it; null when there is no cap (§3.5).
    #[serde(default)]
    pub allocations_available: Option<u64>,
}

/// `GET /licenses` response: `{"licenses": [...]}` (not paginated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicensesList {
    /// Every licence of the account.
    pub licenses: Vec<LicenseWithCounts>,
}

/// `GET /users/{id}/license` response: `{"license": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseEnvelope {
    /// The user's licence.
    pub license: License,
}

/// One allocation of `GET /license_allocations`: which user holds which licence since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseAllocation {
    /// The user.
    pub user: UserReference,
    /// The licence.
    pub license: License,
    /// When the licence was allocated.
    pub allocated_at: DateTime<FixedOffset>,
}

/// `GET /license_allocations` response (classic pagination, `limit`/`offset`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicenseAllocationsPage {
    /// This page's allocations.
    pub license_allocations: Vec<LicenseAllocation>,
    /// The pagination fields.
    #[serde(flatten)]
    pub page: Pagination,
}

/// `GET /abilities` response: the account's abilities by name, e.g. `teams`,
/// `read_only_users`, `urgencies` (OpenAPI `listAbilities`). `GET /abilities/{id}` answers 204
/// when the account has the ability and 402 when it does not (S15 `account_has_ability`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbilitiesList {
    /// The ability names.
    pub abilities: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_official_licenses_example() {
        let body = r#"{"licenses": [{"id": "PIP248G", "name": "Business (Full User)",
            "description": "Event Intelligence", "current_value": 234, "allocations_available": 4766,
            "valid_roles": ["owner", "admin", "user", "limited_user", "observer", "restricted_access"],
            "role_group": "FullUser", "summary": "Business (Full User)", "type": "license",
            "self": null, "html_url": null},
            {"id": "PQ8W0D0", "name": "Business (Stakeholder)", "description": "", "current_value": 48,
            "allocations_available": null, "valid_roles": ["read_only_user", "read_only_limited_user"],
            "role_group": "Stakeholder", "summary": "Business (Stakeholder)", "type": "license"}]}"#;
        let list: LicensesList = serde_json::from_str(body).unwrap();
        let full = &list.licenses[0];
        assert_eq!(full.license.role_group, Some(RoleGroup::FullUser));
        assert!(full.license.valid_roles.contains(&Role::Owner));
        assert_eq!(full.allocations_available, Some(4766));
        assert_eq!(list.licenses[1].allocations_available, None);
        assert!(list.licenses[1].license.valid_roles[0].is_stakeholder());
    }
}
