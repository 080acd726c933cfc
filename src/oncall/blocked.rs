//! Why a deactivation-like action (or an update of refused team removals alone) is not
//! attempted: [`Blocked`], the rule that decides it ([`check`]), its words and what a human
//! must do, and its cause in the summaries' words ([`BlockCause`], [`blocked_words`]).
//! Pure, like the rest of [`crate::oncall`].

use super::{ALLOW_FLAG, OncallImpact, RefusedRemoval, SoleTarget, names};
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
    /// What PagerDuty refuses of the action itself while the user holds these duties
    /// ([`Held`]), so that `--allow-oncall-gaps` cannot let it through either: the
    /// suspension's stakeholder role on a user on a schedule or escalation policy, or the
    /// deletion of a user with open incidents assigned or who is a level's only target. Absent in saved plans made before it
    /// existed (read again from the impact by [`check`] when such a plan is applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<Held>,
}

/// What the action would do that PagerDuty refuses while the user holds the duties its
/// [`OncallImpact`] names, whatever `--allow-oncall-gaps` says: only a person handing the
/// duties over can clear it. (A team removal PagerDuty refuses is [`Blocked::refused`].)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Held {
    /// The suspension gives base `role`, a stakeholder role, which "cannot be on schedules or
    /// EPs" (PAGERDUTY_API.md §3.2, the base-role table, from S25), while the user is on a
    /// schedule or an escalation policy: PagerDuty would refuse the role change, the
    /// suspension's last step, after the marker write and the team removals.
    StakeholderRole {
        /// The suspension's base role (`[lifecycle] suspended_role`).
        role: String,
    },
    /// The reactivation of a rehire whose rules give base `role`, a stakeholder role, while
    /// the user is on a schedule or an escalation policy (§3.2): PagerDuty would refuse the
    /// role, and a rehire reactivated without it would stay in the suspended role with its
    /// record gone, so nothing is written and the suspension record is kept until a person
    /// takes them off.
    RehireStakeholderRole {
        /// The base role the rules give.
        role: String,
    },
    /// The deletion of a user with triggered or acknowledged incidents assigned, which
    /// PagerDuty refuses (fact F22: "DELETE returns 400 if the user has assigned incidents").
    IncidentsAssigned,
    /// The deletion of a user who is the only target of these levels of escalation
    /// policies ([`OncallImpact::sole_target_of`]), which PagerDuty refuses: a level needs
    /// a target (OpenAPI `EscalationRule.targets`, `minItems: 1`; PAGERDUTY_API.md §4.3
    /// item 3 says to clean up first), and hr2pagerduty never edits escalation policies.
    SoleTarget {
        /// The levels, as the impact lists them.
        levels: Vec<SoleTarget>,
    },
}

/// What an on-call checked action would do, for [`check`]: what PagerDuty refuses of it
/// depends on it ([`Held`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taking<'r> {
    /// A suspension whose role change gives this base role (`None` when the user already
    /// has the suspension's role, or a saved plan's suspension sends no role), and whether
    /// PagerDuty counts it a stakeholder role (`Role::is_stakeholder`).
    Suspension(Option<(&'r str, bool)>),
    /// A deletion (`DELETE /users/{id}`).
    Deletion,
}

impl Held {
    /// What PagerDuty refuses of an action `taking` a user with `impact` away, if anything:
    /// for a deletion with open incidents and sole-target levels both, the incidents (the
    /// block's words name the levels too, [`Blocked`]'s display).
    pub fn of(impact: &OncallImpact, taking: Taking<'_>) -> Option<Held> {
        match taking {
            Taking::Suspension(Some((role, true))) if impact.on_rota() => {
                Some(Held::StakeholderRole {
                    role: role.to_string(),
                })
            }
            Taking::Deletion if !impact.incidents.is_empty() => Some(Held::IncidentsAssigned),
            Taking::Deletion if !impact.sole_target_of.is_empty() => Some(Held::SoleTarget {
                levels: impact.sole_target_of.clone(),
            }),
            _ => None,
        }
    }
}

impl fmt::Display for Held {
    /// Why PagerDuty refuses the action, ending with the override that cannot help.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Held::StakeholderRole { role } => write!(
                f,
                "the suspension gives base role {role}, a stakeholder role, which PagerDuty does not allow on schedules or escalation policies, so {ALLOW_FLAG} cannot help: the deactivation is blocked (not attempted)"
            ),
            Held::RehireStakeholderRole { role } => write!(
                f,
                "the rules give the rehire base role {role}, a stakeholder role, which PagerDuty does not allow on schedules or escalation policies, so {ALLOW_FLAG} cannot help: the reactivation is blocked (not attempted; the suspension record is kept)"
            ),
            Held::IncidentsAssigned => write!(
                f,
                "PagerDuty refuses to delete a user with open incidents assigned, so {ALLOW_FLAG} cannot help"
            ),
            Held::SoleTarget { levels } => write!(
                f,
                "{}, and PagerDuty refuses to delete a level's only target, so {ALLOW_FLAG} cannot help",
                sole_words(levels)
            ),
        }
    }
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
    /// A stakeholder suspension of a user on a schedule or escalation policy
    /// ([`Held::StakeholderRole`]): `on a schedule or escalation policy as a stakeholder`.
    StakeholderOnRota,
    /// A deletion with open incidents assigned ([`Held::IncidentsAssigned`]): `with open
    /// incidents assigned`.
    IncidentsAssigned,
    /// A deletion of the only target of an escalation policy's level ([`Held::SoleTarget`]):
    /// `as the only target of an escalation policy level`.
    SoleTarget,
}

impl BlockCause {
    /// The cause in the words of the summaries.
    pub fn words(self) -> &'static str {
        match self {
            BlockCause::OnCall => "on call",
            BlockCause::TeamEscalationPolicy => "on their team's escalation policy",
            BlockCause::StakeholderOnRota => {
                "on a schedule or escalation policy a stakeholder cannot be on"
            }
            BlockCause::IncidentsAssigned => "with open incidents assigned",
            BlockCause::SoleTarget => "as the only target of an escalation policy level",
        }
    }

    /// True when `--allow-oncall-gaps` lets an action blocked for this cause through: only
    /// [`BlockCause::OnCall`]; the others only a person can clear.
    pub fn lifted_by_switch(self) -> bool {
        self == BlockCause::OnCall
    }

    /// What a person must do first, for the words of a saved plan already applied but for
    /// blocks of this cause, which the override cannot let through.
    pub fn person_must(self) -> &'static str {
        match self {
            BlockCause::OnCall => "someone must hand their duties over first",
            BlockCause::TeamEscalationPolicy => "someone must take them off the policy first",
            BlockCause::StakeholderOnRota => {
                "someone must take them off the schedules and escalation policies first"
            }
            BlockCause::IncidentsAssigned => {
                "someone must reassign or resolve their incidents first"
            }
            BlockCause::SoleTarget => {
                "someone must add another target to the escalation policy levels they alone are on first"
            }
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

/// Whether an action `taking` away the user with this `impact` is blocked: `None` when it
/// may go ahead. By default it is blocked when the user is on an escalation policy (as a
/// target or through a schedule), is on a schedule, holds an on-call in the next
/// `lookahead_days` days, or has open incidents, and when the impact was not looked up
/// (`impact` is `None`). `allow_gaps` (`--allow-oncall-gaps`) lets every such action
/// through, except one PagerDuty would refuse, leaving the user half taken away: one with
/// `refused` team removals ([`refused_removals`](super::refused_removals)), and one whose
/// impact PagerDuty refuses the action itself for ([`Held::of`]: a stakeholder suspension
/// of a user on a schedule or escalation policy, a deletion with open incidents assigned or
/// of a level's only target).
/// Those stay blocked. Every deactivation-like action (suspension, deletion, offboarding)
/// calls this with the facts [`crate::observe`] read for its user.
pub fn check(
    impact: Option<&OncallImpact>,
    lookahead_days: u32,
    allow_gaps: bool,
    refused: &[RefusedRemoval],
    taking: Taking<'_>,
) -> Option<Blocked> {
    let held = impact.and_then(|i| Held::of(i, taking));
    if refused.is_empty()
        && held.is_none()
        && (allow_gaps || impact.is_some_and(OncallImpact::is_empty))
    {
        return None;
    }
    Some(Blocked {
        impact: impact.cloned(),
        lookahead_days,
        refused: refused.to_vec(),
        removals_only: false,
        held,
    })
}

impl fmt::Display for Blocked {
    /// The impact's [`OncallImpact::describe`], or `its on-call duties were not looked up`;
    /// then each refused team removal ([`RefusedRemoval`]'s words), and that
    /// `--allow-oncall-gaps` cannot help; or, with none, what PagerDuty refuses of the
    /// action itself ([`Held`]), if anything, and that the switch cannot help. For an update of refused removals alone
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
                ", so {ALLOW_FLAG} cannot help: the deactivation is blocked (not attempted)"
            )?;
        }
        // A refused team removal already says that the override cannot help.
        if let (true, Some(h)) = (self.refused.is_empty(), &self.held) {
            write!(f, "; {h}")?;
            // A deletion held by its incidents names the levels it is alone on too: the next
            // run, once the incidents are gone, is held by them.
            if let (Held::IncidentsAssigned, Some(i)) = (h, &self.impact)
                && !i.sole_target_of.is_empty()
            {
                write!(
                    f,
                    "; {}, and PagerDuty refuses to delete a level's only target",
                    sole_words(&i.sole_target_of)
                )?;
            }
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
            held: None,
        })
    }

    /// What keeps the action from going ahead: a refused team removal when there is one
    /// (the override cannot help), else what PagerDuty refuses of the action itself
    /// ([`Blocked::held`]; the override cannot help either), else the on-call duties.
    pub fn cause(&self) -> BlockCause {
        match (&self.refused.is_empty(), &self.held) {
            (false, _) => BlockCause::TeamEscalationPolicy,
            (true, Some(Held::StakeholderRole { .. } | Held::RehireStakeholderRole { .. })) => {
                BlockCause::StakeholderOnRota
            }
            (true, Some(Held::IncidentsAssigned)) => BlockCause::IncidentsAssigned,
            (true, Some(Held::SoleTarget { .. })) => BlockCause::SoleTarget,
            (true, None) => BlockCause::OnCall,
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
        let steps = i.remedy_steps("");
        // PagerDuty refuses to take a user off a team while they are on one of its
        // escalation policies (fact F32): the override cannot finish such a deactivation,
        // so it is not offered; nor where PagerDuty refuses the suspension's stakeholder role
        // while the user is on a schedule or escalation policy (§3.2).
        if let (true, Some(Held::StakeholderRole { role } | Held::RehireStakeholderRole { role })) =
            (self.refused.is_empty(), &self.held)
        {
            format!(
                "{}; the next run then goes ahead ({ALLOW_FLAG} cannot: PagerDuty does not allow base role {role} on schedules or escalation policies)",
                steps.join("; ")
            )
        } else if self.refused.is_empty() {
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
    /// models both, `sim::state`), so the override is offered only where neither holds, and
    /// the first step for such a level is another target on it.
    pub fn deletion_remedy(&self) -> String {
        let Some(i) = &self.impact else {
            return self.remedy();
        };
        let mut steps = Vec::new();
        // Another target first: PagerDuty refuses to take a level's only target off it too.
        if !i.sole_target_of.is_empty() {
            steps.push(format!(
                "add another target to {} (PagerDuty refuses to delete a level's only target)",
                SoleTarget::list(&i.sole_target_of)
            ));
        }
        steps.extend(
            i.remedy_steps(" (PagerDuty refuses to delete a user with open incidents assigned)"),
        );
        let overridden = if !i.incidents.is_empty() {
            format!(
                "{ALLOW_FLAG} cannot help while incidents are assigned to them: PagerDuty refuses the deletion"
            )
        } else if !i.sole_target_of.is_empty() {
            format!(
                "{ALLOW_FLAG} cannot help while they are a level's only target: PagerDuty refuses the deletion"
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

/// `they are the only target of level 1 of escalation policy "Legacy EP" (PEPX001)`.
fn sole_words(levels: &[SoleTarget]) -> String {
    format!("they are the only target of {}", SoleTarget::list(levels))
}
