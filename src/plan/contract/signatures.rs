//! How the markers of a run checked against its marker keys: one user's verdict
//! ([`MarkerTrust`]) and the counts a plan keeps ([`MarkerSignatures`]).

use crate::ids::UserId;
use serde::{Deserialize, Serialize};

/// How a user's readable marker checked against the run's marker keys
/// ([`crate::marker::MarkerKeys::check`], then the planner's trust rule for unsigned
/// markers, README.md § Marker integrity). Shown as `marker_signature` in the JSON plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkerTrust {
    /// Its `sig` verifies with `PAGERDUTY_MARKER_KEY`: trusted.
    Valid,
    /// Its `sig` verifies with `PAGERDUTY_MARKER_KEY_PREVIOUS`: trusted, signed again.
    PreviousKey,
    /// No `sig`, and trusted (its HR row has the user's email): signed by this run.
    Unsigned,
    /// A `sig` made before tags were bound to their user ([`crate::marker::Verdict::Unbound`]),
    /// and trusted (its HR row has the user's email): signed again, bound, by this run.
    Unbound,
    /// A `sig` made before tags were bound to their user, and not trusted (no HR row
    /// confirms it): ignored, matched by email only.
    UnboundNotTrusted,
    /// No `sig`, and not trusted (no HR row confirms it): ignored, matched by email only.
    UnsignedNotTrusted,
    /// A `sig` that no key verifies (edited, forged, or signed with a key this run does
    /// not hold): ignored, matched by email only.
    Invalid,
}

impl MarkerTrust {
    /// In words, for the text plan: `signature valid`, `signed with the previous key`,
    /// `unsigned`, `unsigned, not trusted: ignored`, `signature invalid: ignored`.
    pub fn words(self) -> &'static str {
        match self {
            MarkerTrust::Valid => "signature valid",
            MarkerTrust::PreviousKey => "signed with the previous key",
            MarkerTrust::Unsigned => "unsigned",
            MarkerTrust::Unbound => "signed, not bound",
            MarkerTrust::UnboundNotTrusted => "signed, not bound, not trusted: ignored",
            MarkerTrust::UnsignedNotTrusted => "unsigned, not trusted: ignored",
            MarkerTrust::Invalid => "signature invalid: ignored",
        }
    }
}

/// How the markers that carry a `sig` verified with the run's marker keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkerSignatures {
    /// Readable markers carrying a `sig`.
    pub signed: usize,
    /// Of those, markers whose `sig` verifies with the current or the previous key (bound
    /// to their user or not).
    pub verified: usize,
    /// The first users (at most [`MarkerSignatures::EXAMPLES`], in listing order) whose
    /// `sig` verifies with no key, for the messages.
    #[serde(default)]
    pub failing: Vec<FailedSignature>,
}

/// A user whose marker's `sig` verifies with no key of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedSignature {
    /// The user's PagerDuty ID.
    pub user_id: UserId,
    /// Its email, as PagerDuty holds it.
    pub email: String,
}

impl MarkerSignatures {
    /// How many failing users are kept for the messages.
    pub const EXAMPLES: usize = 3;

    /// Counts nothing; keeps `u` among the first failing users.
    pub(crate) fn note_failed(&mut self, u: &crate::pagerduty::models::User) {
        if self.failing.len() < Self::EXAMPLES {
            self.failing.push(FailedSignature {
                user_id: u.id.clone(),
                email: u.email.clone(),
            });
        }
    }

    /// The failing users in words: `PX1 (a@example.com), PX2 (b@example.com)`.
    pub fn failing_words(&self) -> String {
        self.failing
            .iter()
            .map(|f| format!("{} ({})", f.user_id, f.email))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
