//! The licence shapes of a plan: the shortfalls it would run into and the licence changes
//! it brings, which `apply --plan` counts again.

use crate::ids::{LicenseId, UserId};
use crate::vocab::Role;
use serde::{Deserialize, Serialize};

/// A licence the plan would run out of, counted before any write (fact F20: every user
/// holds a licence that allows its base role; a licence without a free allocation is
/// refused with "License is not available", §3.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseShortfall {
    /// The licence a rule names (`None` when PagerDuty would pick one for `role`).
    pub license: Option<LicenseLabel>,
    /// For a licence PagerDuty picks: the base role that needs one.
    pub role: Option<Role>,
    /// Users the plan gives this licence (or, for `role`, a licence allowing it).
    pub needed: u64,
    /// Allocations free for them: free now plus those the plan's deactivations release
    /// first (for `role`: what the licences allowing it have left after the plan's other
    /// needs).
    pub available: u64,
    /// Of `available`, the allocations deactivations release.
    pub released: u64,
    /// The licences that allow `role`, by name (empty for a named licence).
    pub candidates: Vec<String>,
}

impl LicenseShortfall {
    /// Licences missing: `needed - available`.
    pub fn missing(&self) -> u64 {
        self.needed.saturating_sub(self.available)
    }
}

/// One licence change a plan brings, as its licence ledger counts it
/// ([`crate::plan::licenses::ledger`]); kept in the plan ([`super::Plan::license_moves`]) so that
/// `apply --plan` counts the saved plan's needs again against the licences free then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseMove {
    /// The user whose licence changes (`None` for a create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// Made by a deactivation or deletion, which apply runs first: its `from` licence is
    /// released for the other moves.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deactivation: bool,
    /// The licence the user holds now (`None` for a create, or a user holding none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<LicenseId>,
    /// Where it goes (`None` for a deletion: the allocation is released, none is taken).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<LicenseTarget>,
    /// Made by a deactivation or deletion that the plan blocks on call: the plan's ledger
    /// leaves it out (the action runs no request), and `apply --plan` counts it when its
    /// run lets the action through (`--allow-oncall-gaps` there, not at plan time), so that
    /// the count matches what will run. Absent (false) from saved plans made before it
    /// existed, which did not record such moves at all.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blocked: bool,
}

/// Where a user's licence goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenseTarget {
    /// The licence a rule names (sent with the request).
    Named(LicenseLabel),
    /// The one PagerDuty picks for this base role (fact F20, §3.5; not sent).
    Picked(Role),
}

/// A licence's ID and name, for messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseLabel {
    /// Licence ID.
    pub id: LicenseId,
    /// Licence name.
    pub name: String,
}
