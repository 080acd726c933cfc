//! How `GET /escalation_policies`, `GET /schedules` and `GET /oncalls` render the book of
//! [`super`]: which policies and schedules a listing finds, references and full objects, and
//! the on-calls of a range; URLs and names come through [`Lookup`].

use super::{
    ONCALL_HORIZON_DAYS, OncallBook, OncallFilter, PolicyFilter, PolicyRecord, ScheduleRecord,
    ScheduleView, Target,
};
use crate::ids::{EscalationPolicyId, ScheduleId};
use crate::pagerduty::models::oncall::{
    EscalationPolicy, EscalationPolicyReference, EscalationRule, EscalationTarget, Oncall,
    Schedule, ScheduleEntry, ScheduleLayer, ScheduleLayerUser, ScheduleReference, SubSchedule,
};
use crate::sim::clock::render;
use crate::sim::error::SimError;
use crate::sim::links::Lookup;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashSet;

/// One on-call, before rendering.
#[derive(Debug, Clone)]
struct Entry<'a> {
    policy: &'a PolicyRecord,
    level: u32,
    user: &'a str,
    schedule: Option<&'a str>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
}

impl OncallBook {
    // ----- escalation policies -----------------------------------------------------------

    /// IDs of the policies matching `f`, by name (then ID), descending with `sort_by=name:desc`.
    pub(crate) fn policy_ids(&self, f: &PolicyFilter) -> Vec<String> {
        let query = f.query.as_ref().map(|q| q.to_lowercase());
        let mut ids: Vec<String> = self
            .sorted_policies()
            .into_iter()
            .filter(|p| {
                query
                    .as_ref()
                    .is_none_or(|q| p.name.to_lowercase().contains(q.as_str()))
            })
            .filter(|p| {
                f.user_ids.is_empty() || f.user_ids.iter().any(|u| self.targets_directly(p, u))
            })
            .filter(|p| {
                f.team_ids.is_empty() || p.team.as_ref().is_some_and(|t| f.team_ids.contains(t))
            })
            .map(|p| p.id.clone())
            .collect();
        if f.descending {
            ids.reverse();
        }
        ids
    }

    /// A reference to a policy.
    pub(crate) fn policy_ref(&self, id: &str, lk: &dyn Lookup) -> EscalationPolicyReference {
        EscalationPolicyReference {
            id: EscalationPolicyId::new(id),
            kind: "escalation_policy_reference".to_string(),
            summary: self.policies.get(id).map(|p| p.name.clone()),
            self_url: Some(lk.api_url(&format!("/escalation_policies/{id}"))),
            html_url: Some(lk.web_url(&format!("/escalation_policies/{id}"))),
        }
    }

    /// One policy as the API shows it; `include_teams` gives full team objects.
    ///
    /// # Errors
    /// 404/2100 for an unknown ID.
    pub(crate) fn policy(
        &self,
        id: &str,
        include_teams: bool,
        lk: &dyn Lookup,
    ) -> Result<EscalationPolicy, SimError> {
        let p = self.policies.get(id).ok_or_else(SimError::not_found)?;
        Ok(EscalationPolicy {
            id: EscalationPolicyId::new(&*p.id),
            kind: "escalation_policy".to_string(),
            summary: Some(p.name.clone()),
            self_url: Some(lk.api_url(&format!("/escalation_policies/{}", p.id))),
            html_url: Some(lk.web_url(&format!("/escalation_policies/{}", p.id))),
            name: p.name.clone(),
            description: p.description.clone(),
            num_loops: p.num_loops,
            on_call_handoff_notifications: Some(p.handoff.clone()),
            escalation_rules: p
                .rules
                .iter()
                .map(|r| EscalationRule {
                    id: Some(r.id.clone().into()),
                    escalation_delay_in_minutes: r.delay,
                    targets: r.targets.iter().map(|t| self.target(t, lk)).collect(),
                })
                .collect(),
            services: Vec::new(),
            teams: p
                .team
                .iter()
                .map(|t| lk.team_ref(t, include_teams))
                .collect(),
        })
    }

    fn target(&self, t: &Target, lk: &dyn Lookup) -> EscalationTarget {
        match t {
            Target::User(u) => {
                let r = lk.user_ref(u);
                EscalationTarget {
                    target: crate::pagerduty::models::oncall::Target::new(&r.kind, u.clone()),
                    summary: r.summary,
                    self_url: r.self_url,
                    html_url: r.html_url,
                }
            }
            Target::Schedule(s) => {
                let r = self.schedule_ref(s, lk);
                EscalationTarget {
                    target: crate::pagerduty::models::oncall::Target::new(&r.kind, s.clone()),
                    summary: r.summary,
                    self_url: r.self_url,
                    html_url: r.html_url,
                }
            }
        }
    }

    // ----- schedules ---------------------------------------------------------------------

    /// IDs of the schedules whose name contains `query` (case-insensitive) and that belong to
    /// one of `team_ids` (when non-empty), by name, then ID.
    pub(crate) fn schedule_ids(&self, query: Option<&str>, team_ids: &[String]) -> Vec<String> {
        let query = query.map(str::to_lowercase);
        let mut all: Vec<&ScheduleRecord> = self
            .schedules
            .values()
            .filter(|s| {
                query
                    .as_ref()
                    .is_none_or(|q| s.name.to_lowercase().contains(q.as_str()))
            })
            .filter(|s| team_ids.is_empty() || s.teams.iter().any(|t| team_ids.contains(t)))
            .collect();
        all.sort_by_cached_key(|s| (s.name.to_lowercase(), s.id.clone()));
        all.into_iter().map(|s| s.id.clone()).collect()
    }

    /// A reference to a schedule.
    pub(crate) fn schedule_ref(&self, id: &str, lk: &dyn Lookup) -> ScheduleReference {
        ScheduleReference {
            id: ScheduleId::new(id),
            kind: "schedule_reference".to_string(),
            summary: self.schedules.get(id).map(|s| s.name.clone()),
            self_url: Some(lk.api_url(&format!("/schedules/{id}"))),
            html_url: Some(lk.web_url(&format!("/schedules/{id}"))),
        }
    }

    /// One schedule as the API shows it, with the parts `view` asks for.
    ///
    /// # Errors
    /// 404/2100 for an unknown ID.
    pub(crate) fn schedule(
        &self,
        id: &str,
        view: ScheduleView,
        lk: &dyn Lookup,
    ) -> Result<Schedule, SimError> {
        let s = self.schedules.get(id).ok_or_else(SimError::not_found)?;
        let mut policies: Vec<&PolicyRecord> = self
            .sorted_policies()
            .into_iter()
            .filter(|p| {
                p.rules
                    .iter()
                    .any(|r| r.targets.contains(&Target::Schedule(s.id.clone())))
            })
            .collect();
        policies.dedup_by_key(|p| p.id.clone());
        let mut users: Vec<&str> = self.members(&s.id).into_iter().collect();
        users.sort_by_cached_key(|u| (lk.user_name(u).unwrap_or_default().to_lowercase(), *u));
        let entries = || {
            s.shifts
                .iter()
                .filter(|sh| sh.start < view.until && sh.end > view.since)
                .map(|sh| {
                    let (start, end) = if view.overflow {
                        (sh.start, sh.end)
                    } else {
                        (sh.start.max(view.since), sh.end.min(view.until))
                    };
                    ScheduleEntry {
                        user: lk.user_ref(&sh.user),
                        start: render(start),
                        end: render(end),
                    }
                })
                .collect()
        };
        Ok(Schedule {
            id: ScheduleId::new(&*s.id),
            kind: "schedule".to_string(),
            summary: Some(s.name.clone()),
            self_url: Some(lk.api_url(&format!("/schedules/{}", s.id))),
            html_url: Some(lk.web_url(&format!("/schedules/{}", s.id))),
            name: s.name.clone(),
            time_zone: s.time_zone.clone(),
            description: s.description.clone(),
            schedule_layers: if view.layers {
                s.layers
                    .iter()
                    .map(|l| ScheduleLayer {
                        id: Some(l.id.clone().into()),
                        name: Some(l.name.clone()),
                        start: render(l.start),
                        end: l.end.map(render),
                        rotation_virtual_start: render(l.virtual_start),
                        rotation_turn_length_seconds: l.turn_seconds,
                        users: l
                            .users
                            .iter()
                            .map(|u| ScheduleLayerUser {
                                user: lk.user_ref(u),
                            })
                            .collect(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            final_schedule: view.final_schedule.then(|| SubSchedule {
                name: "Final Schedule".to_string(),
                rendered_schedule_entries: entries(),
            }),
            overrides_subschedule: view.overrides.then(|| SubSchedule {
                name: "Overrides".to_string(),
                rendered_schedule_entries: Vec::new(),
            }),
            escalation_policies: policies
                .into_iter()
                .map(|p| self.policy_ref(&p.id, lk))
                .collect(),
            users: users.into_iter().map(|u| lk.user_ref(u)).collect(),
            teams: s.teams.iter().map(|t| lk.team_ref(t, false)).collect(),
        })
    }

    // ----- on-calls ----------------------------------------------------------------------

    /// The on-calls matching `f`, ordered by policy name (then ID), level, start (permanent
    /// on-calls first), user name, user ID (Inf: PagerDuty documents no order).
    ///
    /// A schedule's shift is included when it overlaps the range (`start <= until` and
    /// `end > since`) and starts at most [`ONCALL_HORIZON_DAYS`] after `now`; its own start
    /// and end are shown, not cut at the range (Inf, as in the spec's example). A direct
    /// target is on call whatever the range.
    pub(crate) fn oncalls(
        &self,
        f: &OncallFilter,
        now: DateTime<Utc>,
        lk: &dyn Lookup,
    ) -> Vec<Oncall> {
        let horizon = now + Duration::days(ONCALL_HORIZON_DAYS);
        let mut entries = Vec::new();
        for p in self.sorted_policies() {
            for (i, rule) in p.rules.iter().enumerate() {
                let level = i as u32 + 1;
                for t in &rule.targets {
                    match t {
                        Target::User(u) => entries.push(Entry {
                            policy: p,
                            level,
                            user: u,
                            schedule: None,
                            start: None,
                            end: None,
                        }),
                        Target::Schedule(s) => {
                            let Some(sched) = self.schedules.get(s) else {
                                continue;
                            };
                            for sh in &sched.shifts {
                                if sh.start <= f.until && sh.end > f.since && sh.start <= horizon {
                                    entries.push(Entry {
                                        policy: p,
                                        level,
                                        user: &sh.user,
                                        schedule: Some(s),
                                        start: Some(sh.start),
                                        end: Some(sh.end),
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
        entries.retain(|e| {
            self.live(e.user)
                && (f.user_ids.is_empty() || f.user_ids.iter().any(|u| u == e.user))
                && (f.policy_ids.is_empty() || f.policy_ids.contains(&e.policy.id))
                && (f.schedule_ids.is_empty()
                    || match e.schedule {
                        None => f.schedule_ids.iter().any(|s| s == "null"),
                        Some(s) => f.schedule_ids.iter().any(|x| x == s),
                    })
        });
        let key = |e: &Entry<'_>| {
            (
                e.policy.name.to_lowercase(),
                e.policy.id.clone(),
                e.level,
                e.start,
                lk.user_name(e.user).unwrap_or_default().to_lowercase(),
                e.user.to_string(),
            )
        };
        entries.sort_by_cached_key(key);
        if f.earliest {
            let mut seen = HashSet::new();
            entries.retain(|e| seen.insert((e.policy.id.clone(), e.level, e.user.to_string())));
        }
        entries
            .into_iter()
            .map(|e| Oncall {
                escalation_policy: self.policy_ref(&e.policy.id, lk),
                user: lk.user_ref(e.user),
                schedule: e.schedule.map(|s| self.schedule_ref(s, lk)),
                escalation_level: e.level,
                start: e.start.map(render),
                end: e.end.map(render),
            })
            .collect()
    }
}
