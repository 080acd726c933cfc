//! PagerDuty's base roles and team roles: the documented enums, which base roles may hold
//! a team membership, and which ones may be given to a suspended user.
//!
//! Sources: the OpenAPI document (`../shared/reference/pagerduty-rest-openapiv3.json`,
//! `User.role` and the `updateTeamUser` request body) and facts F13, F15 and F17 and §3.2 in
//! `../shared/reference/PAGERDUTY_API.md`. The API models (`pagerduty::models`) re-export
//! [`Role`] and [`TeamRole`], so the client and the simulator keep naming them there; the
//! configuration reads them from here.

use serde::{Deserialize, Serialize};
use std::fmt;

/// String conversions and `Display` for an API enum with `ALL`, `as_str` and an
/// `Other(String)` variant: a known spelling maps to its variant, anything else is kept
/// verbatim in `Other`, and serde goes through these conversions.
macro_rules! string_enum {
    ($t:ident) => {
        impl From<String> for $t {
            fn from(s: String) -> Self {
                $t::ALL
                    .iter()
                    .find(|r| r.as_str() == s)
                    .cloned()
                    .unwrap_or($t::Other(s))
            }
        }

        impl From<&str> for $t {
            fn from(s: &str) -> Self {
                $t::from(s.to_string())
            }
        }

        impl From<$t> for String {
            fn from(r: $t) -> Self {
                r.as_str().to_string()
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// The same conversions for the API models' other enums (incident status, urgency, licence
/// role group, contact method type in `pagerduty::models`).
pub(crate) use string_enum;

/// A user's base role (`role` on the user object).
///
/// Source: `User.role` enum in the OpenAPI document; fact F13 in `PAGERDUTY_API.md`.
/// `manager` and `responder` are *team* roles, not base roles ([`TeamRole`]).
/// A value outside the documented enum decodes to [`Role::Other`] so a listing never fails
/// on it; the simulator and the configuration reject `Other` on input.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Role {
    /// Global Admin.
    Admin,
    /// Responder (Limited User in basic roles).
    LimitedUser,
    /// Observer (needs Advanced Permissions).
    Observer,
    /// Account Owner: one per account; never created, updated or deleted through the API.
    Owner,
    /// Full Stakeholder (needs the `read_only_users` ability); cannot join teams.
    ReadOnlyUser,
    /// Restricted Access (needs Advanced Permissions).
    RestrictedAccess,
    /// Limited Stakeholder (needs the `read_only_users` ability); cannot join teams.
    ReadOnlyLimitedUser,
    /// Manager (User in basic roles); PagerDuty's default when `role` is omitted on create.
    User,
    /// A value outside the documented enum, kept verbatim.
    Other(String),
}

impl Role {
    /// Every documented base role, in the OpenAPI enum's order.
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::LimitedUser,
        Role::Observer,
        Role::Owner,
        Role::ReadOnlyUser,
        Role::RestrictedAccess,
        Role::ReadOnlyLimitedUser,
        Role::User,
    ];

    /// The API spelling, e.g. `"read_only_limited_user"`.
    pub fn as_str(&self) -> &str {
        match self {
            Role::Admin => "admin",
            Role::LimitedUser => "limited_user",
            Role::Observer => "observer",
            Role::Owner => "owner",
            Role::ReadOnlyUser => "read_only_user",
            Role::RestrictedAccess => "restricted_access",
            Role::ReadOnlyLimitedUser => "read_only_limited_user",
            Role::User => "user",
            Role::Other(s) => s,
        }
    }

    /// True for a value in PagerDuty's documented enum.
    pub fn is_known(&self) -> bool {
        !matches!(self, Role::Other(_))
    }

    /// True for the stakeholder roles, which PagerDuty refuses on teams (fact F17).
    pub fn is_stakeholder(&self) -> bool {
        matches!(self, Role::ReadOnlyUser | Role::ReadOnlyLimitedUser)
    }

    /// Where the role stands in PagerDuty's order of base roles, most rights first
    /// (PAGERDUTY_API.md §3.2's table: `owner`, `admin`, `user`, `limited_user`, `observer`,
    /// `restricted_access`, `read_only_user`, `read_only_limited_user`): a higher number
    /// gives more rights. `None` for a value outside the documented enum.
    pub fn rank(&self) -> Option<u8> {
        Some(match self {
            Role::ReadOnlyLimitedUser => 0,
            Role::ReadOnlyUser => 1,
            Role::RestrictedAccess => 2,
            Role::Observer => 3,
            Role::LimitedUser => 4,
            Role::User => 5,
            Role::Admin => 6,
            Role::Owner => 7,
            Role::Other(_) => return None,
        })
    }

    /// Whether a user with this base role may add and delete users and set their base and
    /// team roles: a Global Admin or the Account Owner only (PAGERDUTY_API.md §1.3, S25:
    /// "Only a Global Admin or the Account Owner may add or delete users and set base, team
    /// and object roles"). The user a job acts as (its key's user, its `From` user) must.
    pub fn manages_users(&self) -> bool {
        matches!(self, Role::Admin | Role::Owner)
    }

    /// Whether changing a user's base role from `self` to `to` gives it more rights
    /// ([`Role::rank`]); a change from or to a value outside the documented enum counts as
    /// one, since its rights are unknown.
    pub fn raised_to(&self, to: &Role) -> bool {
        match (self.rank(), to.rank()) {
            (Some(from), Some(to)) => to > from,
            _ => self != to,
        }
    }

    /// The account ability PagerDuty requires before it gives a user this base role, if
    /// one: `read_only_users` for the stakeholder roles (fact F16; a `PUT` or `POST` without
    /// it answers 402, code 2014). `observer` and `restricted_access` need Advanced
    /// Permissions, which has no ability name: `None`.
    pub fn ability(&self) -> Option<&'static str> {
        self.is_stakeholder().then_some("read_only_users")
    }

    /// Why PagerDuty no longer accepts this value, when it is a base role it deprecated
    /// ([`DEPRECATED_ROLES`]).
    pub fn deprecation(&self) -> Option<&'static str> {
        DEPRECATED_ROLES
            .iter()
            .find(|(name, _)| *name == self.as_str())
            .map(|(_, why)| *why)
    }
}

/// Base roles PagerDuty used to have and no longer accepts, with what became of them:
/// `team_responder`, a legacy base role deprecated on 2019-04-26 whose users became
/// `observer` (PAGERDUTY_API.md §3.2, from S25, S21 and S35; it still appears in an old
/// error text listing the allowed values).
pub const DEPRECATED_ROLES: &[(&str, &str)] = &[(
    "team_responder",
    "a legacy base role PagerDuty deprecated on 2019-04-26 (its users became observer, PAGERDUTY_API.md §3.2)",
)];

string_enum!(Role);

/// A user's role on one team (`PUT /teams/{id}/users/{user_id}` body `{"role": …}`).
///
/// Source: OpenAPI `updateTeamUser` request body enum; fact F17 in `PAGERDUTY_API.md`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum TeamRole {
    /// Read-only on the team.
    Observer,
    /// Responds to the team's incidents.
    Responder,
    /// Manages the team's configuration.
    Manager,
    /// A value outside the documented enum, kept verbatim.
    Other(String),
}

impl TeamRole {
    /// Every documented team role.
    pub const ALL: [TeamRole; 3] = [TeamRole::Observer, TeamRole::Responder, TeamRole::Manager];

    /// The API spelling, e.g. `"responder"`.
    pub fn as_str(&self) -> &str {
        match self {
            TeamRole::Observer => "observer",
            TeamRole::Responder => "responder",
            TeamRole::Manager => "manager",
            TeamRole::Other(s) => s,
        }
    }

    /// True for a value in PagerDuty's documented enum.
    pub fn is_known(&self) -> bool {
        !matches!(self, TeamRole::Other(_))
    }
}

string_enum!(TeamRole);

/// Base roles a suspended user may be given: the ones that cannot act on incidents or
/// change configuration by themselves (PAGERDUTY_API.md §3.2: stakeholders read only;
/// Restricted Access sees nothing until given a team or object role; Observer reads, and
/// gains Responder rights only on an incident assigned to it).
pub const SUSPENDED_ROLES: [Role; 4] = [
    Role::ReadOnlyLimitedUser,
    Role::ReadOnlyUser,
    Role::RestrictedAccess,
    Role::Observer,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_rank_as_pagerduty_orders_their_rights() {
        let order = [
            Role::ReadOnlyLimitedUser,
            Role::ReadOnlyUser,
            Role::RestrictedAccess,
            Role::Observer,
            Role::LimitedUser,
            Role::User,
            Role::Admin,
            Role::Owner,
        ];
        assert_eq!(order.len(), Role::ALL.len());
        for (i, low) in order.iter().enumerate() {
            for high in &order[i + 1..] {
                assert!(low.raised_to(high) && !high.raised_to(low), "{low} {high}");
            }
            assert!(!low.raised_to(low));
        }
        let odd = Role::Other("team_responder".into());
        assert!(odd.raised_to(&Role::Observer) && Role::Admin.raised_to(&odd));
        assert!(!odd.raised_to(&odd.clone()));
    }

    #[test]
    fn unknown_roles_survive_a_round_trip() {
        let r: Role = serde_json::from_str("\"team_responder\"").unwrap();
        assert_eq!(r, Role::Other("team_responder".into()));
        assert!(!r.is_known());
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"team_responder\"");
        let known: Role = serde_json::from_str("\"read_only_limited_user\"").unwrap();
        assert!(known.is_stakeholder());
    }

    #[test]
    fn team_responder_is_deprecated_and_documented_roles_are_not() {
        assert!(
            Role::from("team_responder")
                .deprecation()
                .is_some_and(|w| w.contains("2019-04-26"))
        );
        assert!(Role::ALL.iter().all(|r| r.deprecation().is_none()));
        assert_eq!(Role::from("superuser").deprecation(), None);
    }
}
