//! Role and team rules, resolved against the account's teams.
//!
//! `[roles]`: the first `[[roles.rule]]` whose `when` matches gives the base role, else
//! `roles.default`. `[[teams.rule]]`: every matching rule gives a membership; when several
//! matching rules name the same team, the first one's team role wins. A team some rule names
//! is *governed*: memberships in it are kept exactly as the rules say. Other teams are never
//! touched, except by suspension, which removes every membership and records it.

use crate::config::{Condition, RuleLabel};
use crate::hr::Employee;
use crate::ids::TeamId;
use crate::pagerduty::models::Team;
use crate::vocab::{Role, TeamRole};
use std::collections::{BTreeMap, BTreeSet};

use super::PlanError;
use super::contract::RoleSource;
use super::policy::Rules;

/// A team rule with its team resolved to an ID.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedTeamRule {
    /// 1-based position in `[[teams.rule]]`.
    pub index: usize,
    /// The condition.
    pub when: Condition,
    /// Team ID.
    pub team_id: TeamId,
    /// The role it gives.
    pub role: TeamRole,
}

/// Rules ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedRules {
    default_role: Role,
    role_rules: Vec<(Condition, Role)>,
    team_rules: Vec<ResolvedTeamRule>,
}

/// A desired team membership and the rule that gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredMembership {
    /// Team role.
    pub role: TeamRole,
    /// 1-based `[[teams.rule]]` position.
    pub rule: usize,
}

fn condition_matches(when: &Condition, e: &Employee) -> bool {
    when.iter()
        .all(|(field, want)| e.field(field).is_some_and(|v| want.matches(v)))
}

impl ResolvedRules {
    /// Resolves every `[[teams.rule]]` team of `rules` (an ID, or a name compared trimmed
    /// and case-insensitively) against the account's `teams`.
    ///
    /// # Errors
    /// [`PlanError::Rules`] listing each rule whose team does not exist or is ambiguous.
    pub fn resolve(rules: &Rules, teams: &[Team]) -> Result<ResolvedRules, PlanError> {
        let mut problems = Vec::new();
        let mut team_rules = Vec::new();
        for (i, r) in rules.teams.iter().enumerate() {
            let wanted = r.team.trim();
            // As the configuration's own problems are: `line N: ` first, when known.
            let at = r.line.map(|l| format!("line {l}: ")).unwrap_or_default();
            let by_id: Vec<&Team> = teams.iter().filter(|t| t.id == wanted).collect();
            let by_name: Vec<&Team> = teams
                .iter()
                .filter(|t| crate::words::same_text(&t.name, wanted))
                .collect();
            let found = if by_id.len() == 1 {
                Some(by_id[0])
            } else if by_name.len() == 1 {
                Some(by_name[0])
            } else if by_name.len() > 1 {
                problems.push(format!(
                    "{at}{}: team {wanted:?} matches {} teams ({}); name it by ID",
                    RuleLabel::Team(i + 1),
                    by_name.len(),
                    by_name
                        .iter()
                        .map(|t| t.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                None
            } else {
                let mut names: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();
                names.sort_unstable();
                let shown = if names.len() > 20 {
                    format!("{}, … ({} in all)", names[..20].join(", "), names.len())
                } else {
                    names.join(", ")
                };
                problems.push(format!(
                    "{at}{}: PagerDuty has no team {wanted:?} (by name or ID); teams: {}",
                    RuleLabel::Team(i + 1),
                    if shown.is_empty() {
                        "none".to_string()
                    } else {
                        shown
                    }
                ));
                None
            };
            if let Some(t) = found {
                team_rules.push(ResolvedTeamRule {
                    index: i + 1,
                    when: r.when.clone(),
                    team_id: t.id.clone(),
                    role: r.role.clone(),
                });
            }
        }
        if !problems.is_empty() {
            return Err(PlanError::Rules(problems));
        }
        Ok(ResolvedRules {
            default_role: rules.default_role.clone(),
            role_rules: rules
                .roles
                .iter()
                .map(|r| (r.when.clone(), r.role.clone()))
                .collect(),
            team_rules,
        })
    }

    /// The base role the rules give `e`.
    pub fn role_for(&self, e: &Employee) -> Role {
        self.role_rules
            .iter()
            .find(|(when, _)| condition_matches(when, e))
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| self.default_role.clone())
    }

    /// The 0-based position in `[[roles.rule]]` of the rule that gives `e` its base role;
    /// `None` when no rule matches (`roles.default` applies).
    pub fn role_rule_for(&self, e: &Employee) -> Option<usize> {
        self.role_rules
            .iter()
            .position(|(when, _)| condition_matches(when, e))
    }

    /// What gives `e` its base role: the first matching `[[roles.rule]]` (1-based), or
    /// `roles.default`; the same rule [`ResolvedRules::role_for`] applies.
    pub fn role_source(&self, e: &Employee) -> RoleSource {
        self.role_rule_for(e)
            .map_or(RoleSource::Default, |i| RoleSource::Rule(i + 1))
    }

    /// The governed-team memberships the rules give `e`, by team ID.
    pub fn teams_for(&self, e: &Employee) -> BTreeMap<TeamId, DesiredMembership> {
        let mut out = BTreeMap::new();
        for r in &self.team_rules {
            if condition_matches(&r.when, e) {
                out.entry(r.team_id.clone()).or_insert(DesiredMembership {
                    role: r.role.clone(),
                    rule: r.index,
                });
            }
        }
        out
    }

    /// IDs of the teams some rule names.
    pub fn governed(&self) -> BTreeSet<TeamId> {
        self.team_rules.iter().map(|r| r.team_id.clone()).collect()
    }
}
