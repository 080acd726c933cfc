//! `[roles]` and `[[teams.rule]]`: the roles rules give and the fields they test.

use super::Problems;
use crate::config::resolved::{Condition, OneOrMany, RoleRule, RolesConfig, TeamRule, TeamsConfig};
use crate::config::schema::{RolesTable, TeamsTable};
use crate::vocab::Role;
use std::ops::Range;
use toml::Spanned;

/// Checks `[roles]`: `default` and every rule's `role` are documented base roles other than
/// `owner` (fact F15); every `when` key is in `available` (the mapped fields, see
/// [`HrConfig::rule_fields`](crate::config::HrConfig::rule_fields)) and no value list is
/// empty.
pub(super) fn check_roles(
    roles: &RolesTable,
    available: &[String],
    p: &mut Problems<'_>,
) -> RolesConfig {
    check_role(p, "roles.default", &roles.default);
    let mut rules = Vec::new();
    for (i, rule) in roles.rule.iter().enumerate() {
        let key = format!("roles.rule[{}]", i + 1);
        let r = rule.get_ref();
        check_role(p, &format!("{key}.role"), &r.role);
        check_when(p, &key, rule.span(), &r.when, available);
        rules.push(RoleRule {
            when: r.when.clone(),
            role: r.role.get_ref().clone(),
        });
    }
    RolesConfig {
        default: roles.default.get_ref().clone(),
        rules,
    }
}

/// Checks `[[teams.rule]]`: each names a team, gives a documented team role (fact F17),
/// and tests only `available` fields with non-empty lists.
pub(super) fn check_teams(
    teams: &TeamsTable,
    available: &[String],
    p: &mut Problems<'_>,
) -> TeamsConfig {
    let mut rules = Vec::new();
    for (i, rule) in teams.rule.iter().enumerate() {
        let key = format!("teams.rule[{}]", i + 1);
        let r = rule.get_ref();
        if r.team.trim().is_empty() {
            p.at(&format!("{key}.team"), rule.span(), "names no team".into());
        }
        if !r.role.get_ref().is_known() {
            p.at(
                &format!("{key}.role"),
                r.role.span(),
                format!(
                    "{:?} is not a team role; use observer, responder or manager",
                    r.role.get_ref().as_str()
                ),
            );
        }
        check_when(p, &key, rule.span(), &r.when, available);
        rules.push(TeamRule {
            when: r.when.clone(),
            team: r.team.trim().to_string(),
            role: r.role.get_ref().clone(),
        });
    }
    TeamsConfig { rules }
}

fn role_message(role: &Role) -> String {
    if *role == Role::Owner {
        "\"owner\" cannot be given through the API (fact F15)".into()
    } else {
        format!(
            "{:?} is not a PagerDuty base role; use one of {}",
            role.as_str(),
            Role::ALL
                .iter()
                .filter(|r| **r != Role::Owner)
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Records a problem unless `role` is a documented base role other than `owner`.
pub(super) fn check_role(p: &mut Problems<'_>, key: &str, role: &Spanned<Role>) {
    let r = role.get_ref();
    if !r.is_known() || *r == Role::Owner {
        p.at(key, role.span(), role_message(r));
    }
}

fn check_when(
    p: &mut Problems<'_>,
    key: &str,
    span: Range<usize>,
    when: &Condition,
    available: &[String],
) {
    for (field, value) in when {
        if !available.iter().any(|a| a == field) {
            p.at(
                &format!("{key}.when.{field}"),
                span.clone(),
                format!(
                    "`{field}` is not a mapped field; rules can test: {}",
                    available.join(", ")
                ),
            );
        }
        if let OneOrMany::Many(v) = value
            && v.is_empty()
        {
            p.at(
                &format!("{key}.when.{field}"),
                span.clone(),
                "an empty list matches nobody".into(),
            );
        }
    }
}
