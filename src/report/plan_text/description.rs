//! The text plan's short account of a user's description: what its ownership marker means
//! (employee, suspension record, termination-pending stamp) rather than its JSON, whether
//! its signature held, and whether human text is kept.

use crate::marker::{self, MarkerState};
use crate::plan::MarkerTrust;
use crate::words::plural;

/// What the text plan says about a description's signature.
#[derive(Clone, Copy)]
pub(super) enum Sig {
    /// The user's description as the plan found it, with how its marker checked against
    /// the marker keys (`None`: no keys, so a `sig` was not checked).
    Found(Option<MarkerTrust>),
    /// A description the plan writes: signed with the current key when it has a `sig`.
    Written,
}

/// A short account of a description for the text plan: the marker's meaning rather than
/// its JSON, whether its signature held, and whether human text is kept.
pub(super) fn describe_description(d: &Option<String>, sig: Sig) -> String {
    let Some(d) = d else { return "null".into() };
    let p = marker::parse(Some(d));
    let readable = matches!(p.marker, MarkerState::Valid(_));
    let mut s = match p.marker {
        MarkerState::Absent => "no marker".to_string(),
        MarkerState::Invalid(_) => "unreadable marker".to_string(),
        MarkerState::Valid(m) => match m.suspended {
            None => format!(
                "marker: employee {}{}",
                m.employee_id.map(|e| e.to_string()).unwrap_or_default(),
                m.pending_termination
                    .map(|d| format!(", termination pending {d}"))
                    .unwrap_or_default()
            ),
            Some(s) => format!(
                "marker: {}, suspended {}{} (restores role {}, {})",
                match &m.employee_id {
                    Some(e) => format!("employee {e}"),
                    None => "no employee (offboarded unmanaged user)".to_string(),
                },
                s.on,
                suspension_kind(&s),
                s.role,
                restored_teams(&s.teams)
            ),
        },
    };
    if readable {
        match (sig, p.sig.is_some()) {
            (Sig::Found(Some(t)), _) => {
                s.push_str(", ");
                s.push_str(t.words());
            }
            (Sig::Found(None), true) => s.push_str(", signed, not checked"),
            (Sig::Written, true) => s.push_str(", signed"),
            (_, false) => {}
        }
    }
    if !p.human.is_empty() {
        s.push_str(" + bio kept");
    }
    format!("[{s}]")
}

/// The teams a suspension record restores, by name and team role (`teams Sales:observer,
/// Secret Team:manager`; a membership recorded without a name by its team ID), or `no
/// team`: a reviewer sees which teams a rehire gets back, not only how many.
fn restored_teams(teams: &[crate::marker::SavedMembership]) -> String {
    if teams.is_empty() {
        return "no team".into();
    }
    let named: Vec<String> = teams
        .iter()
        .map(|t| format!("{}:{}", t.name.as_deref().unwrap_or(t.id.as_str()), t.role))
        .collect();
    format!(
        "{} {}",
        plural(teams.len(), "team", "teams"),
        named.join(", ")
    )
}

/// What kind of suspension record `s` is, for its short account: on leave, for a
/// termination date, or a re-creation from the archive not yet finished (empty for a
/// termination the status decided). A record that turns from one kind into another (a
/// leave into a termination) then reads differently on the two sides of its change.
fn suspension_kind(s: &crate::marker::Suspension) -> String {
    let mut out = String::new();
    if s.leave {
        out.push_str(" on leave");
    }
    if let Some(d) = s.termination_date {
        out.push_str(&format!(" for termination date {d}"));
    }
    if let Some(from) = &s.from_archive {
        out.push_str(&format!(", restore from deleted user {from} unfinished"));
        if !s.refused.is_empty() {
            out.push_str(&format!(
                ", {} contact method{} refused",
                s.refused.len(),
                plural(s.refused.len(), "", "s")
            ));
        }
    }
    out
}
