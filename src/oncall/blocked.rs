//! Why a deactivation-like action (or an update of refused team removals alone) is not
//! attempted: [`Blocked`], the rule that decides it ([`check`]), its words and what a human
//! must do, and its cause in the summaries' words ([`BlockCause`], [`blocked_words`]).
//! Pure, like the rest of [`crate::oncall`].

use super::{
    ALLOW_FLAG, OncallImpact, RefusedRemoval, incident_names, names, off_policies, off_schedules,
};
use crate::words::plural;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Why a deactivation-like action is not attempted: what the user holds (or that it was
/// never looked up). [`fmt::Display`] gives the reason in words (the JSON plan's
/// `blocked`); [`Blocked::remedy`] what a human must do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocked {
    /// What the user holds; `None` when it was not looked up (blocked to be safe).
    pub impact: Option<OncallImpact>,
    /// The lookahead of the on-call look-up, in days.
    pub lookahead_days: u32,
    /// The action's team removals PagerDuty would refuse
    /// ([`refused_removals`](super::refused_removals)): while there is one,
    /// `--allow-oncall-gaps` cannot let the action through. Empty in saved plans made
    /// before it existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<RefusedRemoval>,
    /// True for an update whose only changes are [`Blocked::refused`] team removals (a
    /// mover on an escalation policy of the team the rules take them off): with those left
    /// out nothing is left to send, so the action is blocked rather than shown as an update
    /// that sends nothing ([`Blocked::refused_removals_only`]). Absent (false) for the
    /// blocks of deactivations and deletions, and in saved plans made before it existed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removals_only: bool,
}

/// What keeps a blocked action from being attempted, for the counts of the plan's and the
/// apply's summaries ([`blocked_words`]): the user's on-call duties, which
/// `--allow-oncall-gaps` lets through, or a team removal PagerDuty refuses while the user
/// is on one of the team's escalation policies ([`RefusedRemoval`]), which nothing but a
/// person taking them off the policy clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BlockCause {
    /// On call (an escalation policy, a schedule, an on-call shift, an open incident), or
    /// duties not looked up: `on call`.
    OnCall,
    /// A team removal PagerDuty refuses: `on their team's escalation policy`.
    TeamEscalationPolicy,
}

impl BlockCause {
    /// The cause in the words of the summaries.
    pub fn words(self) -> &'static str {
        match self {
            BlockCause::OnCall => "on call",
            BlockCause::TeamEscalationPolicy => "on their team's escalation policy",
        }
    }
}

/// The causes of `blocks` in words, for the summaries' `N blocked (…)`: one cause alone
/// (`on call`, `on their team's escalation policy`), or each cause with its count
/// (`2 on call, 1 on their team's escalation policy`); `None` when there is no block.
pub fn blocked_words<'b>(blocks: impl IntoIterator<Item = &'b Blocked>) -> Option<String> {
    let mut by_cause: BTreeMap<BlockCause, usize> = BTreeMap::new();
    for b in blocks {
        *by_cause.entry(b.cause()).or_default() += 1;
    }
    match by_cause.len() {
        0 => None,
        1 => by_cause.keys().next().map(|c| c.words().to_string()),
        _ => Some(
            by_cause
                .iter()
                .map(|(c, n)| format!("{n} {}", c.words()))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    }
}

/// Whether an action taking away the user with this `impact` is blocked: `None` when it may
/// go ahead. By default it is blocked when the user is on an escalation policy (as a target
/// or through a schedule), is on a schedule, holds an on-call in the next `lookahead_days`
/// days, or has open incidents, and when the impact was not looked up (`impact` is
/// `None`). `allow_gaps` (`--allow-oncall-gaps`) lets every such action through, except one
/// with `refused` team removals ([`refused_removals`](super::refused_removals)): PagerDuty
/// would refuse those, leaving the user half taken away, so that action stays blocked.
/// Every deactivation-like action (suspension, deletion, offboarding) calls this with the
/// facts [`crate::observe`] read for its user.
pub fn check(
    impact: Option<&OncallImpact>,
    lookahead_days: u32,
    allow_gaps: bool,
    refused: &[RefusedRemoval],
) -> Option<Blocked> {
    if refused.is_empty() && (allow_gaps || impact.is_some_and(OncallImpact::is_empty)) {
        return None;
    }
    Some(Blocked {
        impact: impact.cloned(),
        lookahead_days,
        refused: refused.to_vec(),
        removals_only: false,
    })
}

impl fmt::Display for Blocked {
    /// The impact's [`OncallImpact::describe`], or `its on-call duties were not looked up`;
    /// then each refused team removal ([`RefusedRemoval`]'s words), and that
    /// `--allow-oncall-gaps` cannot help. For an update of refused removals alone
    /// ([`Blocked::removals_only`]): each refused removal, and that nothing is left to send.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.removals_only {
            let words: Vec<String> = self.refused.iter().map(ToString::to_string).collect();
            return write!(
                f,
                "{}; the update has nothing else to change, so nothing is sent",
                words.join("; ")
            );
        }
        match &self.impact {
            None => f.write_str("its on-call duties were not looked up")?,
            Some(i) => f.write_str(&i.describe())?,
        }
        for r in &self.refused {
            write!(f, "; {r}")?;
        }
        if !self.refused.is_empty() {
            write!(
                f,
                ", so {ALLOW_FLAG} cannot help: the deactivation could not be finished"
            )?;
        }
        Ok(())
    }
}

impl Blocked {
    /// The block of an update whose only changes are the team removals `refused`, which
    /// PagerDuty refuses while the user (with on-call `impact`, as looked up) is on one of
    /// the team's escalation policies: nothing is left to send. `None` when `refused` is
    /// empty.
    pub fn refused_removals_only(
        impact: Option<&OncallImpact>,
        lookahead_days: u32,
        refused: &[RefusedRemoval],
    ) -> Option<Blocked> {
        (!refused.is_empty()).then(|| Blocked {
            impact: impact.cloned(),
            lookahead_days,
            refused: refused.to_vec(),
            removals_only: true,
        })
    }

    /// What keeps the action from going ahead: a refused team removal when there is one
    /// (the override cannot help), else the on-call duties.
    pub fn cause(&self) -> BlockCause {
        if self.refused.is_empty() {
            BlockCause::OnCall
        } else {
            BlockCause::TeamEscalationPolicy
        }
    }

    /// What a human must do before the action can go ahead, ending with the override.
    pub fn remedy(&self) -> String {
        if self.removals_only {
            let steps: Vec<String> = self.refused.iter().map(RefusedRemoval::remedy).collect();
            return format!(
                "{}; the next run then removes them from the team ({ALLOW_FLAG} cannot: PagerDuty refuses the removal while they are on the policy)",
                steps.join("; ")
            );
        }
        let Some(i) = &self.impact else {
            return format!(
                "run again so that their on-call duties are looked up, or use {ALLOW_FLAG}"
            );
        };
        let mut steps = Vec::new();
        if !i.escalation_policies.is_empty() {
            steps.push(off_policies(&i.escalation_policies));
        }
        if !i.schedules.is_empty() {
            steps.push(off_schedules(&i.schedules));
        }
        if !i.incidents.is_empty() {
            steps.push(format!(
                "reassign or resolve {} {}",
                plural(i.incidents.len(), "incident", "incidents"),
                incident_names(&i.incidents)
            ));
        }
        // PagerDuty refuses to take a user off a team while they are on one of its
        // escalation policies (fact F32): the override cannot finish such a deactivation,
        // so it is not offered.
        if self.refused.is_empty() {
            format!(
                "{}; the next run then goes ahead (or rerun with {ALLOW_FLAG} to go ahead now and leave these gaps)",
                steps.join("; ")
            )
        } else {
            format!(
                "{}; the next run then goes ahead ({ALLOW_FLAG} cannot: PagerDuty refuses the team {} while they are on {})",
                steps.join("; "),
                plural(self.refused.len(), "removal", "removals"),
                names(
                    &self
                        .refused
                        .iter()
                        .flat_map(|r| r.escalation_policies.iter().cloned())
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect::<Vec<_>>()
                )
            )
        }
    }
}

impl Blocked {
    /// What a human must do before a blocked deletion can go ahead, ending with what the
    /// override would do. A deletion removes no team membership and writes no suspension;
    /// PagerDuty refuses the `DELETE` of a user with assigned open incidents (fact F22) and
    /// of the only target of an escalation rule level (a rule needs a target; the simulator
    /// models both, `sim::state`), so the override is offered only where it can succeed.
    pub fn deletion_remedy(&self) -> String {
        let Some(i) = &self.impact else {
            return self.remedy();
        };
        let mut steps = Vec::new();
        if !i.escalation_policies.is_empty() {
            steps.push(off_policies(&i.escalation_policies));
        }
        if !i.schedules.is_empty() {
            steps.push(off_schedules(&i.schedules));
        }
        if !i.incidents.is_empty() {
            steps.push(format!(
                "reassign or resolve {} {} (PagerDuty refuses to delete a user with open incidents assigned)",
                plural(i.incidents.len(), "incident", "incidents"),
                incident_names(&i.incidents)
            ));
        }
        let overridden = if !i.incidents.is_empty() {
            format!(
                "{ALLOW_FLAG} cannot help while incidents are assigned to them: PagerDuty refuses the deletion"
            )
        } else if !i.escalation_policies.is_empty() {
            format!(
                "or rerun with {ALLOW_FLAG} to delete them now and leave these gaps; PagerDuty still refuses it where they are the only target of a level, until another target is added there"
            )
        } else {
            format!("or rerun with {ALLOW_FLAG} to delete them now and leave these gaps")
        };
        format!(
            "{}; the next run then deletes them ({overridden})",
            steps.join("; ")
        )
    }
}
