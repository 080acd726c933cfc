//! The team memberships an action changes ([`TeamsChange`]), each a [`TeamMembership`]
//! shown and saved as `"Team name:team role"`.

use crate::vocab::TeamRole;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Team memberships before and after, each sorted by its text ([`TeamMembership`]'s
/// `"Team name:team role"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamsChange {
    /// Memberships before.
    pub old: Vec<TeamMembership>,
    /// Memberships after.
    pub new: Vec<TeamMembership>,
}

/// One team membership as a plan lists it: the team's name (its ID when the account has no
/// such team) and its team role, `None` when the role was not read (the team's members were
/// not listed). Shown, and held in a saved plan, as `"Team name:team role"`, or the name
/// alone without a role (README.md § JSON plan, `teams`); read back from that text, the
/// part after the last `:` is the role only when it is one of PagerDuty's documented team
/// roles ([`TeamRole::ALL`]), so a name with a `:` in it stays whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct TeamMembership {
    /// The team's name.
    pub team: String,
    /// The team role, when known.
    pub role: Option<TeamRole>,
}

impl TeamMembership {
    /// Sorts `v` by the memberships' text, the order a plan lists them in.
    pub(crate) fn sort(v: &mut [TeamMembership]) {
        v.sort_by_cached_key(|m| m.to_string());
    }
}

impl fmt::Display for TeamMembership {
    /// `IT Operations:responder`, or `IT Operations` without a role.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.role {
            Some(r) => write!(f, "{}:{}", self.team, r),
            None => f.write_str(&self.team),
        }
    }
}

impl From<TeamMembership> for String {
    fn from(m: TeamMembership) -> Self {
        m.to_string()
    }
}

impl From<&str> for TeamMembership {
    fn from(s: &str) -> Self {
        TeamMembership::from(s.to_string())
    }
}

impl From<String> for TeamMembership {
    fn from(s: String) -> Self {
        let role = s.rsplit_once(':').and_then(|(team, role)| {
            TeamRole::ALL
                .into_iter()
                .find(|r| r.as_str() == role)
                .map(|r| (team.len(), r))
        });
        match role {
            Some((len, r)) => TeamMembership {
                team: s[..len].to_string(),
                role: Some(r),
            },
            None => TeamMembership {
                team: s,
                role: None,
            },
        }
    }
}
