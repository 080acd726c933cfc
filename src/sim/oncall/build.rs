//! Building the book from the seed's `schedules` and `escalation_policies`, checking every
//! rule of [`super`] (each problem named with its entry).

use super::{
    LayerRecord, MAX_RULE_TARGETS, OncallBook, PolicyRecord, RuleRecord, ScheduleRecord,
    SeedContext, Shift, Target,
};
use crate::sim::idgen::IdGenerator;
use crate::sim::seed::{SeedEscalationPolicy, SeedReference, SeedSchedule};
use crate::vocab::time_zones::is_valid_time_zone;
use std::collections::HashSet;

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
}
