//! Escalation policies, schedules and on-calls: their records, the rules PagerDuty applies to
//! them, and how `GET /escalation_policies`, `GET /schedules` and `GET /oncalls` render them.
//! Pure and synchronous, like `state`; URLs and names come through [`Lookup`].
//!
//! Model (documented for users in [`super`]):
//! - a policy has 1 or more rules (levels, counted from 1), each with 1 to 10 targets, users
//!   or schedules (OpenAPI `EscalationRule.targets` `minItems`/`maxItems`; "At least one
//!   escalation rule must be provided", `createEscalationPolicy`), and at most one team
//!   ("Only one team may be associated with the policy", `EscalationPolicy.teams`);
//! - a schedule's on-call shifts are its seeded final-schedule entries (not computed from the
//!   layers); its users are its layers' users and the users of its shifts;
//! - a user is on call for a level either directly (a permanent on-call: no schedule, null
//!   start and end, OpenAPI `Oncall.start`) or during a shift of a targeted schedule.

use super::clock::render;
use super::error::SimError;
use super::idgen::IdGenerator;
use super::links::Lookup;
use super::seed::{SeedEscalationPolicy, SeedReference, SeedSchedule};
use crate::ids::{EscalationPolicyId, ScheduleId};
use crate::pagerduty::models::oncall::{
    EscalationPolicy, EscalationPolicyReference, EscalationRule, EscalationTarget, Oncall,
    Schedule, ScheduleEntry, ScheduleLayer, ScheduleLayerUser, ScheduleReference, SubSchedule,
};
use crate::vocab::time_zones::is_valid_time_zone;
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The farthest `GET /oncalls` looks: "On-call shifts are limited to 90 days in the future"
/// (OpenAPI `since`/`until` of `listOnCalls`; an older text of the same parameters said "The
/// search range cannot exceed 3 months").
pub(crate) const ONCALL_HORIZON_DAYS: i64 = 90;

/// The range a schedule is rendered over when `since`/`until` are not given: "Defaults to 2
/// weeks after since" (OpenAPI `getSchedule`); with neither, from now (Inf).
pub(crate) const SCHEDULE_RANGE_DAYS: i64 = 14;

/// Most targets one rule may have (OpenAPI `EscalationRule.targets.maxItems`).
pub(crate) const MAX_RULE_TARGETS: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Target {
    User(String),
    Schedule(String),
}

#[derive(Debug, Clone)]
struct RuleRecord {
    id: String,
    delay: u32,
    targets: Vec<Target>,
}

#[derive(Debug, Clone)]
struct PolicyRecord {
    id: String,
    name: String,
    description: Option<String>,
    num_loops: u32,
    handoff: String,
    rules: Vec<RuleRecord>,
    team: Option<String>,
}

#[derive(Debug, Clone)]
struct LayerRecord {
    id: String,
    name: String,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    virtual_start: DateTime<Utc>,
    turn_seconds: u64,
    users: Vec<String>,
}

#[derive(Debug, Clone)]
struct Shift {
    user: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct ScheduleRecord {
    id: String,
    name: String,
    time_zone: String,
    description: Option<String>,
    layers: Vec<LayerRecord>,
    shifts: Vec<Shift>,
    teams: Vec<String>,
}

/// What a seed may refer to while the book is built.
pub(crate) struct SeedContext<'a> {
    /// IDs of the seeded users.
    pub(crate) users: &'a HashSet<String>,
    /// IDs of the seeded teams.
    pub(crate) teams: &'a HashSet<String>,
    /// The generator for object IDs (seed-given IDs already checked and reserved).
    pub(crate) ids: &'a mut IdGenerator,
    /// The simulator's clock at start-up (default layer start).
    pub(crate) now: DateTime<Utc>,
    /// The account's time zone (default schedule zone).
    pub(crate) time_zone: &'a str,
}

/// Which policies `GET /escalation_policies` returns.
#[derive(Debug, Clone, Default)]
pub(crate) struct PolicyFilter {
    /// Case-insensitive substring of the name.
    pub(crate) query: Option<String>,
    /// Policies on which one of these users is a target (directly: a user reached only
    /// through a schedule is not "a target"; Inf, see [`super`]).
    pub(crate) user_ids: Vec<String>,
    /// Policies of one of these teams.
    pub(crate) team_ids: Vec<String>,
    /// `sort_by=name:desc`.
    pub(crate) descending: bool,
}

/// Which on-calls `GET /oncalls` returns.
#[derive(Debug, Clone)]
pub(crate) struct OncallFilter {
    /// Only these users (when non-empty).
    pub(crate) user_ids: Vec<String>,
    /// Only these policies (when non-empty).
    pub(crate) policy_ids: Vec<String>,
    /// Only on-calls from these schedules (when non-empty); the literal `null` in the list
    /// selects direct user targets ("If `null` is provided in the array, it includes
    /// permanent on-calls due to direct user escalation targets", OpenAPI `schedule_ids[]`).
    pub(crate) schedule_ids: Vec<String>,
    /// Start of the range (an on-call overlapping the range is included).
    pub(crate) since: DateTime<Utc>,
    /// End of the range.
    pub(crate) until: DateTime<Utc>,
    /// Only the earliest on-call per policy, level and user.
    pub(crate) earliest: bool,
}

/// Which parts of a schedule to render, and over which range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScheduleView {
    /// `schedule_layers`.
    pub(crate) layers: bool,
    /// `final_schedule`.
    pub(crate) final_schedule: bool,
    /// `overrides_subschedule` (always empty: the simulator models no overrides).
    pub(crate) overrides: bool,
    /// Start of the rendered range.
    pub(crate) since: DateTime<Utc>,
    /// End of the rendered range.
    pub(crate) until: DateTime<Utc>,
    /// `overflow=true`: entries are not cut at the range's bounds.
    pub(crate) overflow: bool,
}

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

/// The escalation policies and schedules of the account.
#[derive(Debug, Default)]
pub(crate) struct OncallBook {
    policies: BTreeMap<String, PolicyRecord>,
    schedules: BTreeMap<String, ScheduleRecord>,
}

/// Reads a seeded `{"id", "type"}` reference: the ID and its normalised type (the first of
/// `allowed` when `type` is absent and `type_optional`).
fn seed_ref(
    r: &SeedReference,
    allowed: &[&str],
    type_optional: bool,
    what: &str,
) -> Result<String, String> {
    match r.kind.as_deref() {
        None if type_optional => Ok(allowed[0].to_string()),
        None => Err(format!(
            "{what} {:?} needs a type ({})",
            r.id,
            allowed.join(" or ")
        )),
        Some(t) if allowed.contains(&t) => Ok(t.to_string()),
        Some(t) => Err(format!(
            "{what} {:?} has type {t:?}, expected {}",
            r.id,
            allowed.join(" or ")
        )),
    }
}

/// A seed-given object ID (checked and reserved by the account beforehand), or a new one.
fn seed_id(given: Option<&String>, ids: &mut IdGenerator) -> String {
    given.cloned().unwrap_or_else(|| ids.fresh())
}

impl OncallBook {
    /// Builds the book from the seed's `schedules` and `escalation_policies`, appending
    /// every broken rule to `problems`.
    pub(crate) fn from_seed(
        schedules: &[SeedSchedule],
        policies: &[SeedEscalationPolicy],
        cx: &mut SeedContext<'_>,
        problems: &mut Vec<String>,
    ) -> OncallBook {
        let mut book = OncallBook::default();
        for (i, s) in schedules.iter().enumerate() {
            let entry = format!("schedules[{i}] ({})", s.name);
            let mut errors = Vec::new();
            if s.kind.as_deref().is_some_and(|k| k != "schedule") {
                errors.push("type must be schedule".to_string());
            }
            if s.name.trim().is_empty() {
                errors.push("name can't be blank".to_string());
            }
            let time_zone = s.time_zone.clone().unwrap_or_else(|| cx.time_zone.into());
            if !is_valid_time_zone(&time_zone) {
                errors.push(format!(
                    "time_zone {time_zone:?} is not one of PagerDuty's 135 time zones"
                ));
            }
            let id = seed_id(s.id.as_ref(), cx.ids);
            let user_ok = |r: &SeedReference, what: &str, errors: &mut Vec<String>| {
                match seed_ref(r, &["user_reference", "user"], true, what) {
                    Err(e) => errors.push(e),
                    Ok(_) if !cx.users.contains(&r.id) => {
                        errors.push(format!("{what} {:?} is not a user of the seed", r.id))
                    }
                    Ok(_) => {}
                }
                r.id.clone()
            };
            let mut layers = Vec::new();
            for (j, l) in s.schedule_layers.iter().enumerate() {
                let start = l.start.map(|t| t.to_utc()).unwrap_or(cx.now);
                let end = l.end.map(|t| t.to_utc());
                if end.is_some_and(|e| e <= start) {
                    errors.push(format!("schedule_layers[{j}]: end must be after start"));
                }
                if l.rotation_turn_length_seconds == Some(0) {
                    errors.push(format!(
                        "schedule_layers[{j}]: rotation_turn_length_seconds must be positive"
                    ));
                }
                let users = l
                    .users
                    .iter()
                    .map(|u| user_ok(&u.user, &format!("schedule_layers[{j}] user"), &mut errors))
                    .collect();
                let layer_id = seed_id(l.id.as_ref(), cx.ids);
                layers.push(LayerRecord {
                    id: layer_id,
                    name: l.name.clone().unwrap_or_else(|| format!("Layer {}", j + 1)),
                    start,
                    end,
                    virtual_start: l
                        .rotation_virtual_start
                        .map(|t| t.to_utc())
                        .unwrap_or(start),
                    turn_seconds: l.rotation_turn_length_seconds.unwrap_or(7 * 24 * 3600),
                    users,
                });
            }
            let mut shifts = Vec::new();
            if let Some(f) = &s.final_schedule {
                if f.name.as_deref().is_some_and(|n| n != "Final Schedule") {
                    errors.push("final_schedule.name must be \"Final Schedule\"".to_string());
                }
                for (j, e) in f.rendered_schedule_entries.iter().enumerate() {
                    let what = format!("final_schedule.rendered_schedule_entries[{j}] user");
                    let user = user_ok(&e.user, &what, &mut errors);
                    if e.end <= e.start {
                        errors.push(format!(
                            "final_schedule.rendered_schedule_entries[{j}]: end must be after start"
                        ));
                    }
                    shifts.push(Shift {
                        user,
                        start: e.start.to_utc(),
                        end: e.end.to_utc(),
                    });
                }
            }
            shifts.sort_by(|a, b| (a.start, a.end, &a.user).cmp(&(b.start, b.end, &b.user)));
            let mut teams = Vec::new();
            for t in &s.teams {
                match seed_ref(t, &["team_reference", "team"], true, "team") {
                    Err(e) => errors.push(e),
                    Ok(_) if !cx.teams.contains(&t.id) => {
                        errors.push(format!("team {:?} is not a team of the seed", t.id))
                    }
                    Ok(_) => teams.push(t.id.clone()),
                }
            }
            problems.extend(errors.into_iter().map(|e| format!("{entry}: {e}")));
            book.schedules.insert(
                id.clone(),
                ScheduleRecord {
                    id,
                    name: s.name.trim().to_string(),
                    time_zone,
                    description: s.description.clone(),
                    layers,
                    shifts,
                    teams,
                },
            );
        }

        let mut names = HashSet::new();
        for (i, p) in policies.iter().enumerate() {
            let entry = format!("escalation_policies[{i}] ({})", p.name);
            let mut errors = Vec::new();
            if p.kind.as_deref().is_some_and(|k| k != "escalation_policy") {
                errors.push("type must be escalation_policy".to_string());
            }
            let name = p.name.trim().to_string();
            if name.is_empty() {
                errors.push("name can't be blank".to_string());
            } else if !names.insert(name.to_lowercase()) {
                errors.push("another escalation policy has this name".to_string());
            }
            let handoff = p
                .on_call_handoff_notifications
                .clone()
                .unwrap_or_else(|| "if_has_services".to_string());
            if handoff != "if_has_services" && handoff != "always" {
                errors.push(format!(
                    "on_call_handoff_notifications {handoff:?} must be if_has_services or always"
                ));
            }
            if p.escalation_rules.is_empty() {
                errors.push("At least one escalation rule must be provided".to_string());
            }
            let id = seed_id(p.id.as_ref(), cx.ids);
            let mut rules = Vec::new();
            for (j, r) in p.escalation_rules.iter().enumerate() {
                let at = format!("escalation_rules[{j}]");
                if r.targets.is_empty() || r.targets.len() > MAX_RULE_TARGETS {
                    errors.push(format!("{at}: a rule has 1 to 10 targets"));
                }
                let mut targets = Vec::new();
                for t in &r.targets {
                    let kinds = ["user_reference", "schedule_reference", "user", "schedule"];
                    match seed_ref(t, &kinds, false, &format!("{at} target")) {
                        Err(e) => errors.push(e),
                        Ok(kind) if kind.starts_with("user") => {
                            if !cx.users.contains(&t.id) {
                                errors.push(format!(
                                    "{at}: user {:?} is not a user of the seed",
                                    t.id
                                ));
                            }
                            targets.push(Target::User(t.id.clone()));
                        }
                        Ok(_) => {
                            if !book.schedules.contains_key(&t.id) {
                                errors.push(format!(
                                    "{at}: schedule {:?} is not a schedule of the seed",
                                    t.id
                                ));
                            }
                            targets.push(Target::Schedule(t.id.clone()));
                        }
                    }
                }
                if targets.iter().collect::<HashSet<_>>().len() < targets.len() {
                    errors.push(format!("{at}: a target is listed twice"));
                }
                let rule_id = seed_id(r.id.as_ref(), cx.ids);
                rules.push(RuleRecord {
                    id: rule_id,
                    delay: r.escalation_delay_in_minutes,
                    targets,
                });
            }
            if p.teams.len() > 1 {
                errors.push("Only one team may be associated with the policy".to_string());
            }
            let mut team = None;
            for t in &p.teams {
                match seed_ref(t, &["team_reference", "team"], true, "team") {
                    Err(e) => errors.push(e),
                    Ok(_) if !cx.teams.contains(&t.id) => {
                        errors.push(format!("team {:?} is not a team of the seed", t.id))
                    }
                    Ok(_) => team = Some(t.id.clone()),
                }
            }
            problems.extend(errors.into_iter().map(|e| format!("{entry}: {e}")));
            book.policies.insert(
                id.clone(),
                PolicyRecord {
                    id,
                    name,
                    description: p.description.clone(),
                    num_loops: p.num_loops.unwrap_or(0),
                    handoff,
                    rules,
                    team,
                },
            );
        }
        book
    }

    /// True when the account has a policy with this ID.
    pub(crate) fn has_policy(&self, id: &str) -> bool {
        self.policies.contains_key(id)
    }

    /// The team of a policy, if it has one.
    pub(crate) fn policy_team(&self, id: &str) -> Option<&str> {
        self.policies.get(id).and_then(|p| p.team.as_deref())
    }

    // ----- rules -------------------------------------------------------------------------

    /// The users of a schedule: its layers' users and the users of its shifts.
    fn members(&self, schedule: &str) -> BTreeSet<&str> {
        self.schedules
            .get(schedule)
            .map(|s| {
                s.layers
                    .iter()
                    .flat_map(|l| l.users.iter().map(String::as_str))
                    .chain(s.shifts.iter().map(|sh| sh.user.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn targets_directly(p: &PolicyRecord, user: &str) -> bool {
        p.rules
            .iter()
            .any(|r| r.targets.contains(&Target::User(user.to_string())))
    }

    fn reaches(&self, p: &PolicyRecord, user: &str) -> bool {
        p.rules.iter().any(|r| {
            r.targets.iter().any(|t| match t {
                Target::User(u) => u == user,
                Target::Schedule(s) => self.members(s).contains(user),
            })
        })
    }

    /// The policies of `team` that reach `user`, directly or through a schedule, as
    /// `(id, name)`: while there is one, PagerDuty refuses to remove the user from the team
    /// (fact F32; "through a schedule" is Inf, from the Terraform provider's issue #292 in S20,
    /// a membership that could not be removed while the user was in a schedule).
    pub(crate) fn team_policies_reaching(&self, team: &str, user: &str) -> Vec<(&str, &str)> {
        self.sorted_policies()
            .into_iter()
            .filter(|p| p.team.as_deref() == Some(team) && self.reaches(p, user))
            .map(|p| (p.id.as_str(), p.name.as_str()))
            .collect()
    }

    /// The rules whose only target is `user`, as `(policy name, policy id, level)`: deleting
    /// the user would leave such a rule without a target, which a rule may not be (OpenAPI
    /// `EscalationRule.targets` `minItems: 1`; Inf).
    pub(crate) fn sole_target_of(&self, user: &str) -> Vec<(&str, &str, usize)> {
        let mut found = Vec::new();
        for p in self.sorted_policies() {
            for (i, r) in p.rules.iter().enumerate() {
                if r.targets == [Target::User(user.to_string())] {
                    found.push((p.name.as_str(), p.id.as_str(), i + 1));
                }
            }
        }
        found
    }

    // ----- escalation policies -----------------------------------------------------------

    fn sorted_policies(&self) -> Vec<&PolicyRecord> {
        let mut all: Vec<&PolicyRecord> = self.policies.values().collect();
        all.sort_by_cached_key(|p| (p.name.to_lowercase(), p.id.clone()));
        all
    }

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
                f.user_ids.is_empty() || f.user_ids.iter().any(|u| Self::targets_directly(p, u))
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
                    id: Some(r.id.clone()),
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
                    id: u.clone(),
                    kind: r.kind,
                    summary: r.summary,
                    self_url: r.self_url,
                    html_url: r.html_url,
                }
            }
            Target::Schedule(s) => {
                let r = self.schedule_ref(s, lk);
                EscalationTarget {
                    id: s.clone(),
                    kind: r.kind,
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
                        id: Some(l.id.clone()),
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
            (f.user_ids.is_empty() || f.user_ids.iter().any(|u| u == e.user))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::seed::Seed;

    struct Names;

    impl Lookup for Names {
        fn api_url(&self, path: &str) -> String {
            format!("http://sim{path}")
        }
        fn web_url(&self, path: &str) -> String {
            format!("https://sim.pagerduty.com{path}")
        }
        fn user_name(&self, id: &str) -> Option<String> {
            Some(format!("Name of {id}"))
        }
        fn team_name(&self, id: &str) -> Option<String> {
            Some(format!("Team {id}"))
        }
    }

    fn book(json: &str) -> Result<OncallBook, Vec<String>> {
        let seed: Seed = serde_json::from_str(json).unwrap();
        let users: HashSet<String> = ["PUSER01", "PUSER02", "PUSER03"].map(String::from).into();
        let teams: HashSet<String> = ["PTEAM01"].map(String::from).into();
        let mut ids = IdGenerator::for_objects();
        let mut cx = SeedContext {
            users: &users,
            teams: &teams,
            ids: &mut ids,
            now: "2026-03-02T00:00:00Z".parse().unwrap(),
            time_zone: "Etc/UTC",
        };
        let mut problems = Vec::new();
        let b = OncallBook::from_seed(
            &seed.schedules,
            &seed.escalation_policies,
            &mut cx,
            &mut problems,
        );
        if problems.is_empty() {
            Ok(b)
        } else {
            Err(problems)
        }
    }

    const SEED: &str = r#"{
      "schedules": [{"id": "PSCHED1", "name": "Primary", "final_schedule": {"rendered_schedule_entries": [
        {"user": {"id": "PUSER02", "type": "user_reference"}, "start": "2026-03-01T00:00:00Z", "end": "2026-03-08T00:00:00Z"},
        {"user": {"id": "PUSER03", "type": "user_reference"}, "start": "2026-03-08T00:00:00Z", "end": "2026-03-15T00:00:00Z"},
        {"user": {"id": "PUSER02", "type": "user_reference"}, "start": "2026-07-01T00:00:00Z", "end": "2026-07-08T00:00:00Z"}]}}],
      "escalation_policies": [{"id": "PEPOL01", "name": "Ops", "teams": [{"id": "PTEAM01"}],
        "escalation_rules": [
          {"escalation_delay_in_minutes": 30, "targets": [{"id": "PSCHED1", "type": "schedule_reference"}]},
          {"escalation_delay_in_minutes": 30, "targets": [{"id": "PUSER01", "type": "user_reference"}]}]}]
    }"#;

    fn filter(since: &str, until: &str) -> OncallFilter {
        OncallFilter {
            user_ids: vec![],
            policy_ids: vec![],
            schedule_ids: vec![],
            since: since.parse().unwrap(),
            until: until.parse().unwrap(),
            earliest: false,
        }
    }

    #[test]
    fn shifts_in_range_and_direct_targets_are_on_call() {
        let b = book(SEED).unwrap();
        let now = "2026-03-02T00:00:00Z".parse().unwrap();
        let calls = b.oncalls(
            &filter("2026-03-02T00:00:00Z", "2026-03-02T00:00:00Z"),
            now,
            &Names,
        );
        let got: Vec<(u32, &str, bool)> = calls
            .iter()
            .map(|c| (c.escalation_level, c.user.id.as_str(), c.schedule.is_some()))
            .collect();
        assert_eq!(got, [(1, "PUSER02", true), (2, "PUSER01", false)]);
        assert!(calls[1].start.is_none() && calls[1].end.is_none());

        // A month ahead: both March shifts; the July shift is beyond the range.
        let calls = b.oncalls(
            &filter("2026-03-02T00:00:00Z", "2026-04-01T00:00:00Z"),
            now,
            &Names,
        );
        assert_eq!(calls.len(), 3);
        // The July shift is inside the range but beyond the 90-day horizon.
        let calls = b.oncalls(
            &filter("2026-06-15T00:00:00Z", "2026-07-10T00:00:00Z"),
            now,
            &Names,
        );
        assert_eq!(calls.len(), 1, "{calls:?}");
        let mut f = filter("2026-03-02T00:00:00Z", "2026-04-01T00:00:00Z");
        f.earliest = true;
        f.schedule_ids = vec!["PSCHED1".into()];
        let calls = b.oncalls(&f, now, &Names);
        assert_eq!(calls.len(), 2);
        f.schedule_ids = vec!["null".into()];
        let calls = b.oncalls(&f, now, &Names);
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].user.id, "PUSER01");
    }

    #[test]
    fn team_removal_and_sole_target_rules() {
        let b = book(SEED).unwrap();
        assert_eq!(
            b.team_policies_reaching("PTEAM01", "PUSER02"),
            [("PEPOL01", "Ops")]
        );
        assert_eq!(b.team_policies_reaching("PTEAM01", "PUSER01").len(), 1);
        assert!(b.team_policies_reaching("PTEAM02", "PUSER01").is_empty());
        assert_eq!(b.sole_target_of("PUSER01"), [("Ops", "PEPOL01", 2)]);
        assert!(b.sole_target_of("PUSER02").is_empty());
        // The user filter of policies is about direct targets only.
        let direct = PolicyFilter {
            user_ids: vec!["PUSER02".into()],
            ..PolicyFilter::default()
        };
        assert!(b.policy_ids(&direct).is_empty());
        let direct = PolicyFilter {
            user_ids: vec!["PUSER01".into()],
            ..PolicyFilter::default()
        };
        assert_eq!(b.policy_ids(&direct), ["PEPOL01"]);
    }

    #[test]
    fn broken_seeds_name_every_problem() {
        let problems = book(
            r#"{"schedules": [{"name": "S", "time_zone": "Mars/Base", "final_schedule": {"rendered_schedule_entries": [
                  {"user": {"id": "PNOBODY"}, "start": "2026-03-02T00:00:00Z", "end": "2026-03-01T00:00:00Z"}]}}],
                "escalation_policies": [
                  {"name": "A", "escalation_rules": []},
                  {"name": "a", "teams": [{"id": "PTEAM01"}, {"id": "PTEAM02"}],
                   "escalation_rules": [{"escalation_delay_in_minutes": 5, "targets": [{"id": "PUSER01"}]}]}]}"#,
        )
        .unwrap_err()
        .join("\n");
        for needle in [
            "Mars/Base",
            "\"PNOBODY\" is not a user of the seed",
            "end must be after start",
            "At least one escalation rule must be provided",
            "another escalation policy has this name",
            "needs a type",
            "Only one team may be associated with the policy",
            "\"PTEAM02\" is not a team of the seed",
        ] {
            assert!(
                problems.contains(needle),
                "missing {needle:?} in {problems}"
            );
        }
    }
}
