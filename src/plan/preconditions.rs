//! What must hold before any write, whatever the actions: the `From` user exists, and no
//! rule gives an employee a stakeholder base role together with a team. Each problem found
//! is one line of [`PlanError::Rules`].

use super::PlanError;
use super::context::Ctx;
use super::matching::Index;
use super::policy::Policy;
use super::rules::ResolvedRules;
use crate::config::RuleLabel;
use crate::email::Email;
use crate::hr::{Employee, Lifecycle, Roster};
use crate::ids::TeamId;
use crate::pagerduty::models::Team;

/// The problem with `[pagerduty] from`, if it is not a user of the account.
///
/// `POST /users` names the acting user in the From header (fact F6); a From that is not a
/// user of the account fails every create, so it is said before the first write, every
/// night, not only on the first night with a new hire.
pub(super) fn from_user(from: &Email, index: &Index<'_>) -> Option<String> {
    index.by_email(from).is_none().then(|| format!(
        "[pagerduty] from = \"{from}\" is not a user of this PagerDuty account; creating users needs the email of an existing user (a dedicated admin bot) in the From header"
    ))
}

/// Adds a problem to `problems` for each team the rules give `e` together with a
/// stakeholder base role (PagerDuty refuses stakeholders on teams, fact F17).
pub(super) fn check_stakeholder(cx: &Ctx<'_>, e: &Employee, problems: &mut Vec<String>) {
    stakeholder_problems(&cx.rules, e, |id| cx.team_name(id), problems);
}

fn stakeholder_problems(
    rules: &ResolvedRules,
    e: &Employee,
    team_name: impl Fn(&TeamId) -> String,
    problems: &mut Vec<String>,
) {
    let role = rules.role_for(e);
    if role.is_stakeholder() {
        for (team, d) in rules.teams_for(e) {
            problems.push(format!(
                "employee {} (line {}): the roles give {role}, which PagerDuty refuses on teams, but {} adds team {:?}",
                e.employee_id,
                e.line,
                RuleLabel::Team(d.rule),
                team_name(&team)
            ));
        }
    }
}

/// The rule mistakes that can be found without PagerDuty: an active employee (or one on
/// leave, which `[lifecycle] on_leave = "keep"` keeps provisioned) whom the rules give a
/// stakeholder base role together with a team (fact F17). `validate` runs it;
/// [`super::plan`] finds the same mistakes online.
///
/// # Errors
/// [`PlanError::Rules`] listing each employee and the rules involved.
pub fn check_rules_offline(policy: &Policy, roster: &Roster) -> Result<(), PlanError> {
    // Teams are named as the rules name them; no account is needed to evaluate rules.
    let mut names: Vec<String> = policy
        .rules
        .teams
        .iter()
        .map(|r| r.team.trim().to_string())
        .collect();
    names.sort();
    names.dedup();
    let teams: Vec<Team> = names
        .into_iter()
        .map(|name| Team {
            id: TeamId::new(name.clone()),
            kind: "team".into(),
            name,
            description: None,
            summary: None,
            self_url: None,
            html_url: None,
            default_role: None,
        })
        .collect();
    let rules = ResolvedRules::resolve(&policy.rules, &teams)?;
    let mut problems = Vec::new();
    for e in roster
        .employees
        .iter()
        .filter(|e| matches!(e.status, Lifecycle::Active | Lifecycle::OnLeave))
    {
        stakeholder_problems(&rules, e, TeamId::to_string, &mut problems);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(PlanError::Rules(problems))
    }
}
