//! `[roles]` and `[[teams.rule]]`: the roles rules give and the fields they test.

use super::Problems;
use crate::config::RuleLabel;
use crate::config::resolved::{Condition, OneOrMany, RoleRule, RolesConfig, TeamRule, TeamsConfig};
use crate::config::schema::{RolesTable, TeamsTable};
use crate::vocab::{Role, TeamRole};
use std::ops::Range;
use toml::Spanned;

/// Checks `[roles]`: `default` and every rule's `role` are documented base roles other than
/// `owner` (fact F15), and none PagerDuty deprecated (`team_responder`, §3.2); every `when`
/// key is in `available` (the mapped fields, see
/// [`HrConfig::rule_fields`](crate::config::HrConfig::rule_fields)) and no value list is
/// empty; `default_license` and every rule's `license`, when given, name something (an ID
/// or a name, resolved against the account's licences by the planner).
pub(super) fn check_roles(
    roles: &RolesTable,
    available: &[String],
    p: &mut Problems<'_>,
) -> RolesConfig {
    check_role(p, "roles.default", &roles.default);
    let default_license = check_license(p, "roles.default_license", roles.default_license.as_ref());
    let mut rules = Vec::new();
    for (i, rule) in roles.rule.iter().enumerate() {
        let label = RuleLabel::Role(i + 1);
        let r = rule.get_ref();
        check_role(p, &label.key("role"), &r.role);
        check_when(p, label, rule.span(), &r.when, available);
        let license = check_license(p, &label.key("license"), r.license.as_ref());
        rules.push(RoleRule {
            when: r.when.clone(),
            role: r.role.get_ref().clone(),
            license,
        });
    }
    RolesConfig {
        default: roles.default.get_ref().clone(),
        default_license,
        rules,
    }
}

/// The licence named at `key`, trimmed; a problem when it names nothing.
fn check_license(
    p: &mut Problems<'_>,
    key: &str,
    license: Option<&Spanned<String>>,
) -> Option<String> {
    let l = license?;
    let name = l.get_ref().trim();
    if name.is_empty() {
        p.at(
            key,
            l.span(),
            "names no licence; give a licence ID or name from GET /licenses, or leave it out to let PagerDuty pick".into(),
        );
        return None;
    }
    Some(name.to_string())
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
        let label = RuleLabel::Team(i + 1);
        let r = rule.get_ref();
        if r.team.get_ref().trim().is_empty() {
            p.at(&label.key("team"), r.team.span(), "names no team".into());
        }
        if !r.role.get_ref().is_known() {
            let given = r.role.get_ref().as_str();
            let hint = match Role::from(given) {
                base if base.is_known() => format!(
                    " ({given:?} is a base role, which [roles] gives; a team role is one of observer, responder, manager)"
                ),
                base => base
                    .deprecation()
                    .map(|why| format!(" ({given:?} is {why})"))
                    .unwrap_or_default(),
            };
            p.vocabulary(
                &label.key("role"),
                r.role.span(),
                format!("{given:?} is not a team role; use observer, responder or manager{hint}"),
            );
        }
        check_when(p, label, rule.span(), &r.when, available);
        rules.push(TeamRule {
            when: r.when.clone(),
            team: r.team.get_ref().trim().to_string(),
            role: r.role.get_ref().clone(),
            line: Some(p.line_of(r.team.span())),
        });
    }
    TeamsConfig { rules }
}

fn role_message(role: &Role) -> String {
    let allowed = Role::ALL
        .iter()
        .filter(|r| **r != Role::Owner)
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let given = role.as_str();
    if *role == Role::Owner {
        "\"owner\" cannot be given through the API (fact F15)".into()
    } else if let Some(why) = role.deprecation() {
        format!("{given:?} is {why}; use one of {allowed}")
    } else if TeamRole::ALL.iter().any(|t| t.as_str() == given) {
        format!(
            "{given:?} is a team role, not a base role (fact F13: the Manager base role is \"user\", the Responder base role \"limited_user\"); use one of {allowed}"
        )
    } else {
        format!("{given:?} is not a PagerDuty base role; use one of {allowed}")
    }
}

/// Records a problem unless `role` is a documented base role other than `owner`.
pub(super) fn check_role(p: &mut Problems<'_>, key: &str, role: &Spanned<Role>) {
    let r = role.get_ref();
    if !r.is_known() {
        p.vocabulary(key, role.span(), role_message(r));
    } else if *r == Role::Owner {
        p.at(key, role.span(), role_message(r));
    }
}

fn check_when(
    p: &mut Problems<'_>,
    rule: RuleLabel,
    span: Range<usize>,
    when: &Condition,
    available: &[String],
) {
    for (field, value) in when {
        if !available.iter().any(|a| a == field) {
            p.at(
                &rule.key(&format!("when.{field}")),
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
                &rule.key(&format!("when.{field}")),
                span.clone(),
                "an empty list matches nobody".into(),
            );
        }
    }
}
