//! Saved plans: `plan --out FILE` and `apply --plan FILE`, the reviewed-change workflow.
//!
//! A saved plan holds the [`Plan`] itself plus fingerprints: SHA-256 of the configuration
//! and of the HR export it was computed from, and of the PagerDuty state of every user it
//! touches. `apply --plan` lists PagerDuty again and refuses (exit 3), naming each user, when
//! any touched user changed since, when a user the plan would create now exists, or when
//! the inputs given differ from the ones the plan was made from. Then it applies exactly the
//! saved actions, nothing recomputed.
//!
//! A user's fingerprint covers what the plan reads and writes: name, email, role, job
//! title, time zone, description (the marker) and team memberships with their roles.

use super::Plan;
use crate::email::Email;
use crate::ids::{TeamId, UserId};
use crate::marker::{self, MarkerState};
use crate::pagerduty::models::{TeamMember, User};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// What the `kind` field of a saved plan says.
pub const KIND: &str = "hr2pagerduty-saved-plan";
/// The saved-plan layout version this build reads and writes.
pub const VERSION: u32 = 1;

/// A plan saved for review, with what it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    /// Always [`KIND`].
    pub kind: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// When it was made (RFC 3339, UTC).
    pub created_at: String,
    /// The API base URL it was computed against.
    pub api_url: String,
    /// SHA-256 (hex) of the configuration file's bytes.
    pub config_sha256: String,
    /// SHA-256 (hex) of the HR export's bytes.
    pub hr_sha256: String,
    /// Teams whose members were read (their memberships are part of the fingerprints).
    pub teams_read: BTreeSet<TeamId>,
    /// Fingerprint of each user an action touches, by user ID.
    pub users: BTreeMap<UserId, String>,
    /// The plan.
    pub plan: Plan,
}

/// SHA-256 of `bytes`, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Team memberships (with roles where read) by user ID.
pub fn memberships(
    members: &BTreeMap<TeamId, Vec<TeamMember>>,
) -> BTreeMap<&str, BTreeMap<&str, &str>> {
    let mut out: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for (team, list) in members {
        for m in list {
            out.entry(m.user.id.as_str())
                .or_default()
                .insert(team.as_str(), m.role.as_str());
        }
    }
    out
}

/// The fingerprint of one user: SHA-256 over the fields the plan reads and writes.
pub fn user_fingerprint(u: &User, roles: Option<&BTreeMap<&str, &str>>) -> String {
    let mut teams: Vec<String> = u
        .teams
        .iter()
        .map(|t| {
            let role = roles
                .and_then(|r| r.get(t.id.as_str()))
                .copied()
                .unwrap_or("?");
            format!("{}:{role}", t.id)
        })
        .collect();
    teams.sort();
    let canonical = serde_json::json!([
        u.id,
        u.name,
        Email::normalise(&u.email),
        u.role,
        u.job_title,
        u.time_zone,
        u.description,
        teams,
    ]);
    sha256_hex(canonical.to_string().as_bytes())
}

/// Fingerprints of every user `plan` touches.
pub fn fingerprints(
    plan: &Plan,
    users: &[User],
    members: &BTreeMap<TeamId, Vec<TeamMember>>,
) -> BTreeMap<UserId, String> {
    let roles = memberships(members);
    let touched: BTreeSet<&str> = plan
        .actions
        .iter()
        .filter_map(|a| a.user_id.as_deref())
        .collect();
    users
        .iter()
        .filter(|u| touched.contains(u.id.as_str()))
        .map(|u| (u.id.clone(), user_fingerprint(u, roles.get(u.id.as_str()))))
        .collect()
}

/// Why `saved` cannot be applied to the current state, one line per user; empty when every
/// touched user is as it was and no user the plan creates exists yet.
pub fn drift(
    saved: &SavedPlan,
    users: &[User],
    members: &BTreeMap<TeamId, Vec<TeamMember>>,
) -> Vec<String> {
    let now = fingerprints(&saved.plan, users, members);
    let mut out = Vec::new();
    for a in &saved.plan.actions {
        match &a.user_id {
            Some(id) => match (saved.users.get(id), now.get(id)) {
                (Some(then), Some(now)) if then == now => {}
                (_, None) => out.push(format!("user {id} ({}) no longer exists", a.email)),
                _ => out.push(format!(
                    "user {id} ({}) changed since the plan was made",
                    a.email
                )),
            },
            None => {
                let taken_by_email = users.iter().find(|u| Email::normalise(&u.email) == a.email);
                let taken_by_marker = users.iter().find(|u| {
                    matches!(marker::parse(u.description.as_deref()).marker,
                        MarkerState::Valid(m) if Some(&m.employee_id) == a.employee_id.as_ref())
                });
                if let Some(u) = taken_by_email.or(taken_by_marker) {
                    out.push(format!(
                        "the plan creates {}, but user {} ({}) now exists",
                        a.email, u.id, u.email
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, ActionKind};

    fn user(id: &str, email: &str, title: &str) -> User {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": "N", "email": email, "role": "limited_user", "job_title": title,
            "teams": [{"id": "PT1"}]
        }))
        .unwrap()
    }

    fn action(user_id: Option<&str>, email: &str) -> Action {
        Action {
            kind: if user_id.is_some() {
                ActionKind::Update
            } else {
                ActionKind::Create
            },
            employee_id: Some("7".into()),
            email: Email::normalise(email),
            name: "N".into(),
            user_id: user_id.map(UserId::from),
            reason: String::new(),
            changes: vec![],
            teams: None,
            steps: vec![],
            guard: None,
            line: None,
        }
    }

    fn saved(plan: Plan, users: &[User], members: &BTreeMap<TeamId, Vec<TeamMember>>) -> SavedPlan {
        SavedPlan {
            kind: KIND.into(),
            version: VERSION,
            created_at: String::new(),
            api_url: String::new(),
            config_sha256: String::new(),
            hr_sha256: String::new(),
            teams_read: BTreeSet::new(),
            users: fingerprints(&plan, users, members),
            plan,
        }
    }

    fn members(role: &str) -> BTreeMap<TeamId, Vec<TeamMember>> {
        let m: TeamMember =
            serde_json::from_value(serde_json::json!({"user": {"id": "P1"}, "role": role}))
                .unwrap();
        BTreeMap::from([(TeamId::new("PT1"), vec![m])])
    }

    #[test]
    fn unchanged_state_has_no_drift_and_round_trips_through_json() {
        let users = vec![
            user("P1", "a@example.com", "Rep"),
            user("P2", "b@example.com", "Rep"),
        ];
        let plan = Plan {
            actions: vec![action(Some("P1"), "a@example.com")],
            ..Plan::default()
        };
        let s = saved(plan, &users, &members("responder"));
        assert_eq!(s.users.len(), 1, "only touched users are fingerprinted");
        let back: SavedPlan = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        assert!(drift(&back, &users, &members("responder")).is_empty());
    }

    #[test]
    fn a_changed_field_team_role_or_missing_user_is_drift() {
        let users = vec![user("P1", "a@example.com", "Rep")];
        let plan = Plan {
            actions: vec![action(Some("P1"), "a@example.com")],
            ..Plan::default()
        };
        let s = saved(plan, &users, &members("responder"));
        let d = drift(
            &s,
            &[user("P1", "a@example.com", "Boss")],
            &members("responder"),
        );
        assert_eq!(
            d,
            vec!["user P1 (a@example.com) changed since the plan was made"]
        );
        assert_eq!(drift(&s, &users, &members("manager")).len(), 1);
        assert_eq!(
            drift(&s, &[], &members("responder")),
            vec!["user P1 (a@example.com) no longer exists"]
        );
    }

    #[test]
    fn a_create_whose_user_appeared_is_drift() {
        let plan = Plan {
            actions: vec![action(None, "new@example.com")],
            ..Plan::default()
        };
        let s = saved(plan, &[], &BTreeMap::new());
        assert!(drift(&s, &[], &BTreeMap::new()).is_empty());
        let d = drift(&s, &[user("P9", "NEW@example.com", "x")], &BTreeMap::new());
        assert!(d[0].contains("now exists"), "{d:?}");
    }
}
