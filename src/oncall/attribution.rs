//! The attribution of one batched on-call look-up (several `user_ids[]` in one request) and
//! the schedule listing to the users looked up: one [`OncallImpact`] per user.

use super::{IncidentRef, Named, OncallImpact, SoleTarget};
use crate::ids::{EscalationPolicyId, IncidentId, ScheduleId, UserId};
use crate::pagerduty::models::incidents::Incident;
use crate::pagerduty::models::oncall::{EscalationPolicy, Oncall, Schedule};
use std::collections::{BTreeMap, BTreeSet};

/// One batched look-up turned into impacts: [`Attribution::impacts`] has an entry for every
/// user looked up; [`Attribution::unattributed`] lists policies the answer held that
/// target none of the users directly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribution {
    /// Impact by user, one entry per user looked up.
    pub impacts: BTreeMap<UserId, OncallImpact>,
    /// Policies returned for the batch that target none of its users directly. The API
    /// documents `user_ids[]` as matching targets, so this should stay empty; when it is
    /// not, the caller cannot tell whose policy it is and looks the users up one by one.
    pub unattributed: Vec<EscalationPolicyId>,
}

/// The users `policy`'s rules target directly (a schedule target is not followed), in rule
/// order, a user once per target.
pub fn user_targets(policy: &EscalationPolicy) -> impl Iterator<Item = UserId> + '_ {
    policy
        .escalation_rules
        .iter()
        .flat_map(|r| r.targets.iter())
        .filter_map(|t| t.user_id())
}

/// The impact of each of `users` from the answers of one look-up for all of them together
/// (`user_ids[]` listing every one): `policies` from `GET /escalation_policies`, `oncalls`
/// from `GET /oncalls`, `incidents` from `GET /incidents`, and `schedules` from
/// `GET /schedules` (every schedule of the account, or none when they were not listed).
///
/// Attribution: a policy goes to each of the users among its rules' user targets (for a
/// look-up of one user, every policy returned is that user's, however it reaches them); an
/// on-call to its `user` (its policy, and its schedule when it comes from one); a schedule
/// to each of its `users` among `users`, with every policy of its `escalation_policies`; an
/// open incident to each of its assignees among `users` (a resolved incident, should one
/// come back, is ignored). A policy's name is its `name` in `policies`, else a reference's
/// `summary`, else its ID; a schedule's its `name`, else a reference's `summary`, else its
/// ID; an incident's its `title`, else its `summary`, else its ID.
pub fn attribute(
    users: &[UserId],
    policies: &[EscalationPolicy],
    oncalls: &[Oncall],
    incidents: &[Incident],
    schedules: &[Schedule],
) -> Attribution {
    let wanted: BTreeSet<&UserId> = users.iter().collect();
    let mut policy_names: BTreeMap<&str, String> = BTreeMap::new();
    for p in policies {
        policy_names.insert(p.id.as_str(), p.name.clone());
    }
    #[derive(Default)]
    struct Acc {
        policies: BTreeMap<EscalationPolicyId, String>,
        schedules: BTreeMap<ScheduleId, String>,
        incidents: BTreeMap<IncidentId, String>,
    }
    let mut acc: BTreeMap<UserId, Acc> =
        users.iter().map(|u| (u.clone(), Acc::default())).collect();
    let mut unattributed = Vec::new();
    for p in policies {
        let mut targeted: BTreeSet<UserId> =
            user_targets(p).filter(|u| wanted.contains(u)).collect();
        if targeted.is_empty() {
            match users {
                [only] => {
                    targeted.insert(only.clone());
                }
                _ => unattributed.push(p.id.clone()),
            }
        }
        for u in targeted {
            if let Some(a) = acc.get_mut(&u) {
                a.policies.insert(p.id.clone(), p.name.clone());
            }
        }
    }
    for o in oncalls {
        let Some(a) = acc.get_mut(&o.user.id) else {
            continue;
        };
        let ep = &o.escalation_policy;
        let name = policy_names
            .get(ep.id.as_str())
            .cloned()
            .or_else(|| ep.summary.clone())
            .unwrap_or_else(|| ep.id.to_string());
        a.policies.entry(ep.id.clone()).or_insert(name);
        if let Some(s) = &o.schedule {
            a.schedules
                .entry(s.id.clone())
                .or_insert_with(|| s.summary.clone().unwrap_or_else(|| s.id.to_string()));
        }
    }
    for s in schedules {
        let name = if s.name.trim().is_empty() {
            s.summary.clone().unwrap_or_else(|| s.id.to_string())
        } else {
            s.name.clone()
        };
        for u in &s.users {
            let Some(a) = acc.get_mut(&u.id) else {
                continue;
            };
            a.schedules.insert(s.id.clone(), name.clone());
            for ep in &s.escalation_policies {
                let ep_name = policy_names
                    .get(ep.id.as_str())
                    .cloned()
                    .or_else(|| ep.summary.clone())
                    .unwrap_or_else(|| ep.id.to_string());
                a.policies.entry(ep.id.clone()).or_insert(ep_name);
            }
        }
    }
    for i in incidents.iter().filter(|i| i.status.is_open()) {
        let title = if i.title.trim().is_empty() {
            i.summary.clone().unwrap_or_else(|| i.id.to_string())
        } else {
            i.title.clone()
        };
        for asg in &i.assignments {
            if let Some(a) = acc.get_mut(&asg.assignee.id) {
                a.incidents.insert(i.id.clone(), title.clone());
            }
        }
    }
    fn sorted<Id: Ord + Clone>(m: BTreeMap<Id, String>) -> Vec<Named<Id>> {
        let mut v: Vec<Named<Id>> = m.into_iter().map(|(id, name)| Named { id, name }).collect();
        v.sort_by(|a, b| (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id)));
        v
    }
    let impacts = acc
        .into_iter()
        .map(|(u, a)| {
            let mut incidents: Vec<IncidentRef> = a
                .incidents
                .into_iter()
                .map(|(id, title)| IncidentRef { id, title })
                .collect();
            incidents.sort_by(|a, b| {
                (a.title.to_lowercase(), &a.id).cmp(&(b.title.to_lowercase(), &b.id))
            });
            (
                u,
                OncallImpact {
                    escalation_policies: sorted(a.policies),
                    schedules: sorted(a.schedules),
                    incidents,
                    sole_target_of: Vec::new(),
                },
            )
        })
        .collect();
    Attribution {
        impacts,
        unattributed,
    }
}

/// The levels of `policies` (as `GET /escalation_policies?user_ids[]=` lists them, rules
/// and targets included) whose only target is `user` ([`OncallImpact::sole_target_of`]):
/// every target of the level that counts is `user`. A user target counts when `live`
/// says the user exists (a deleted user's reference may stay in a rule, F24, and is no
/// target PagerDuty counts); a schedule target, or a target of another type, always
/// counts. Sorted by policy name (case-insensitively), ID and level. Set by
/// [`crate::observe`], which knows the account's users; [`attribute`] leaves it empty.
pub fn sole_target_levels(
    user: &UserId,
    policies: &[EscalationPolicy],
    live: impl Fn(&UserId) -> bool,
) -> Vec<SoleTarget> {
    let mut out = Vec::new();
    for p in policies {
        for (i, rule) in p.escalation_rules.iter().enumerate() {
            let mut counted = rule
                .targets
                .iter()
                .filter(|t| t.user_id().is_none_or(|u| live(&u)))
                .peekable();
            let only_user =
                counted.peek().is_some() && counted.all(|t| t.user_id().as_ref() == Some(user));
            if only_user {
                out.push(SoleTarget {
                    policy: Named {
                        id: p.id.clone(),
                        name: p.name.clone(),
                    },
                    level: i + 1,
                });
            }
        }
    }
    out.sort_by(|a, b| {
        (a.policy.name.to_lowercase(), &a.policy.id, a.level).cmp(&(
            b.policy.name.to_lowercase(),
            &b.policy.id,
            b.level,
        ))
    });
    out.dedup();
    out
}
