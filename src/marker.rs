//! The ownership marker hr2pagerduty keeps in a PagerDuty user's `description` (the "bio").
//!
//! PagerDuty has no "disabled" user state (fact F21 in `../shared/reference/PAGERDUTY_API.md`),
//! and hr2pagerduty keeps no local state, so everything it must remember about a user lives
//! on the user: which employee it belongs to, and, while suspended, what to restore.
//!
//! # Format (version 1)
//!
//! The marker is one line of the description, anywhere in it (hr2pagerduty writes it last):
//!
//! ```text
//! hr2pagerduty:v1 {"employee_id":"3427"}
//! hr2pagerduty:v1 {"employee_id":"3427","suspended":{"on":"2026-11-30","role":"admin","teams":[{"id":"PT4KHLK","name":"IT Operations","role":"manager"}]}}
//! ```
//!
//! - The line starts with [`PREFIX`], then the version (`v1`), one space, and a JSON object.
//! - `employee_id`: the HR employee ID this user belongs to. Matching by employee ID is what
//!   turns an email change into an update rather than a create plus a deactivation.
//! - `suspended` (present only while the user is suspended): the date of suspension (`on`,
//!   `YYYY-MM-DD`, "today" in `[lifecycle] default_time_zone` or the run's `--as-of`), the
//!   base `role` and the team memberships (`id`, informational `name`, team `role`) the user
//!   had, which reactivation restores; `termination_date` when the export's termination date
//!   (not its status) brought the suspension into effect, so that the suspension stays while
//!   the export keeps that date; `leave: true` when it is a leave of absence
//!   (`[lifecycle] on_leave = "suspend"`), so that the return is named as such. A user
//!   re-created from the deletion archive ([`crate::archive`]) carries it too until the restore is finished,
//!   with `from_archive`: the deleted user's PagerDuty ID, whose archived contact methods
//!   and notification rules are still to be restored, and `refused`: the archived contact
//!   method IDs PagerDuty refused with 400 in an earlier run, not sent again. A
//!   reactivation under way (its role given back, its teams not all restored yet) writes
//!   `reactivating: true` into the record until it clears it.
//!
//! - `pending_termination` (`YYYY-MM-DD`, present only on a user not yet suspended): the
//!   termination-pending stamp, the export's termination date of a dated termination that
//!   came due while on-call duties blocked it, so that it stays due beyond
//!   `[lifecycle] termination_catch_up_days` while the export keeps that date
//!   ([`Marker::pending_termination`]).
//!
//! ```text
//! hr2pagerduty:v1 {"employee_id":"3427","pending_termination":"2026-11-30"}
//! ```
//!
//! - `created` (`YYYY-MM-DD`): the as-of day of the run that created the user (its
//!   `--as-of`, else today in `[lifecycle] default_time_zone`), kept by every marker
//!   hr2pagerduty writes for the user afterwards, so that a run as of an earlier day does
//!   not offboard the user for a termination date ([`Marker::created`]). Absent on markers
//!   written before it existed and on users hr2pagerduty took over rather than created.
//!
//! ```text
//! hr2pagerduty:v1 {"employee_id":"3427","created":"2026-11-30"}
//! ```
//!
//! - `sig` (with `PAGERDUTY_MARKER_KEY` set, on every marker hr2pagerduty writes, as the
//!   object's last field): 32 hex digits, the HMAC-SHA256 of the rest of the marker and
//!   of the email of the user carrying it, cut to 128 bits ([`sign`] defines the
//!   canonical form and says why 128 bits are enough).
//!   Markers without it are the same version and still read: with a key they are trusted
//!   only where the user's email is the HR row's of the employee they name, and then
//!   signed (README.md § Marker integrity).
//!
//! ```text
//! hr2pagerduty:v1 {"employee_id":"3427","sig":"be3d6ace384446f1aaa8488ddbcf7469"}
//! ```
//!
//! Every other line is human text and is kept exactly as written. A description with a
//! marker line that does not parse (bad JSON, JSON that is not an object, an unknown version,
//! two marker lines) yields
//! [`MarkerState::Invalid`]: the run reports it, ignores the marker, and matches that user by
//! email only.

use crate::ids::{ContactMethodId, EmployeeId, MAX_EMPLOYEE_ID_LEN, TeamId, UserId};
use crate::quote::quoted;
use crate::vocab::{Role, TeamRole};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub mod sign;
pub use sign::{MarkerKey, MarkerKeys, Verdict};

/// What every marker line starts with.
pub const PREFIX: &str = "hr2pagerduty:";
/// The marker version this build writes and reads.
pub const VERSION: &str = "v1";

/// The data a marker carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    /// HR employee ID; `None` only on the suspension record of an offboarded unmanaged user
    /// (then `suspended` is always present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<EmployeeId>,
    /// Present while the user is suspended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended: Option<Suspension>,
    /// The termination-pending stamp: the HR termination date of a dated termination that
    /// came due but was not applied because on-call duties blocked it
    /// ([`crate::oncall::check`]). While the export keeps this date the termination stays
    /// due, also once it is older than `[lifecycle] termination_catch_up_days`
    /// ([`crate::plan::dated::dated`]). Written alone (no offboarding change) by the run
    /// that first finds the termination blocked; dropped by every other marker hr2pagerduty
    /// writes (the suspension, or an active employee's marker when HR changes or clears the
    /// date). Absent from markers without one, so those render as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_termination: Option<NaiveDate>,
    /// The day of the run that created this user (its as-of day, `--as-of` or today in
    /// `[lifecycle] default_time_zone`), written by the create (and by a re-creation from
    /// the archive) and kept by every later marker hr2pagerduty writes for the user. A run
    /// as of an earlier day does not deactivate or delete the user for a termination date
    /// that decides as of that day (README.md § Dated changes and leave: a run as of an
    /// earlier day never undoes what was recorded after it). Absent from markers written
    /// before this field existed (and from users hr2pagerduty did not create), so those
    /// render and verify as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<NaiveDate>,
}

/// What a suspension took away, to be restored on rehire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    /// Date the suspension was planned, `YYYY-MM-DD`: the day that run really happened (the
    /// date in `[lifecycle] default_time_zone`), also when it was as of an earlier day
    /// (`--as-of`), so that `delete_suspended_after_days` counts from it. Markers written
    /// before this rule may carry the as-of day.
    pub on: NaiveDate,
    /// Base role before suspension.
    pub role: Role,
    /// Team memberships before suspension, sorted by team ID.
    #[serde(default)]
    pub teams: Vec<SavedMembership>,
    /// The termination date that brought the suspension into effect, when the date (not
    /// the status) decided: the status still said active, or the export has no status
    /// column. While the export keeps this date the suspension stays, whatever
    /// `[lifecycle] past_termination_date` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_date: Option<NaiveDate>,
    /// True for a leave of absence suspended by `[lifecycle] on_leave = "suspend"`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub leave: bool,
    /// On a user re-created from the archive until its restore is finished: the deleted
    /// user whose archived contact methods and notification rules are still to be restored
    /// (its PagerDuty ID; the new user has another).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_archive: Option<UserId>,
    /// With `from_archive`: the archived contact methods (their IDs in the archive record,
    /// never an address) whose `POST` PagerDuty refused with 400 in an earlier run of this
    /// restore. The restore sends them no more and finishes without them; the plan names
    /// them. Absent when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<ContactMethodId>,
    /// True once a reactivation has begun: its first `PUT` gives the role back and writes
    /// the record again with this flag, and the last `PUT` clears the record. A record
    /// on a user who no longer has a suspended base role is honoured only with this flag
    /// (or `from_archive`): otherwise it is stale, or pasted back by the user
    /// (README.md § Marker integrity). Absent when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reactivating: bool,
}

/// One team membership recorded at suspension.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SavedMembership {
    /// Team ID (what restoration uses).
    pub id: TeamId,
    /// Team name at suspension time, for people reading the profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Team role.
    pub role: TeamRole,
}

/// The result of reading a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkerState {
    /// No marker line.
    Absent,
    /// A marker this build understands.
    Valid(Marker),
    /// A marker line that cannot be used; the string says why.
    Invalid(String),
}

/// A description split into its human text and its marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// Every non-marker line as written (with its own line ending), trailing whitespace
    /// removed.
    pub human: String,
    /// The marker, if any.
    pub marker: MarkerState,
    /// The `sig` field of a [`MarkerState::Valid`] marker as read (an empty string when it
    /// is there but not a string), `None` when it has none; see [`sign`].
    pub sig: Option<String>,
}

/// Splits `description` into human text and marker. Never fails: problems are reported as
/// [`MarkerState::Invalid`].
pub fn parse(description: Option<&str>) -> Parsed {
    let text = description.unwrap_or("");
    let mut human = String::new();
    let mut markers = Vec::new();
    // Lines with their own endings, so that human text keeps its `\r\n`s and stray `\r`s
    // (`str::lines` drops one `\r` before each `\n`, which changed the text on every rewrite).
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with(PREFIX) {
            markers.push(line.trim());
        } else {
            human.push_str(line);
        }
    }
    let human = human.trim_end().to_string();
    let marker = match markers.as_slice() {
        [] => MarkerState::Absent,
        [one] => parse_line(one),
        many => MarkerState::Invalid(format!("{} marker lines; expected one", many.len())),
    };
    let sig = match (&marker, markers.as_slice()) {
        (MarkerState::Valid(_), [one]) => sig_of(one),
        _ => None,
    };
    Parsed { human, marker, sig }
}

/// The `sig` of a marker line that parsed: its string, an empty string for a `sig` that is
/// not a string (which no key verifies), `None` without one.
fn sig_of(line: &str) -> Option<String> {
    // Without the text `"sig"` and without an escape (which could spell the key), no key is
    // `sig`: most markers, and no need to read the JSON again.
    if !line.contains("\"sig\"") && !line.contains('\\') {
        return None;
    }
    let json = line.split_once(' ').map(|(_, j)| j.trim()).unwrap_or("");
    let v = serde_json::from_str::<serde_json::Value>(json).ok()?;
    let sig = v.get("sig")?;
    Some(sig.as_str().unwrap_or("").to_string())
}

fn parse_line(line: &str) -> MarkerState {
    let rest = &line[PREFIX.len()..];
    let (version, json) = rest.split_once(' ').unwrap_or((rest, ""));
    if version != VERSION {
        return MarkerState::Invalid(format!(
            "marker version {} is not {VERSION:?} (written by another hr2pagerduty version?)",
            quoted(version)
        ));
    }
    let json = json.trim();
    let parsed = serde_json::from_str::<Marker>(json);
    // serde also reads a struct from a JSON array of its fields in order (`["3427"]`), a
    // shape hr2pagerduty never writes and `claimed_employee_id` does not read: only objects.
    // A marker that parsed from text starting with `{` is an object, and with no
    // suspension, it holds no other object to check: most markers.
    let plain_object =
        json.starts_with('{') && parsed.as_ref().is_ok_and(|m| m.suspended.is_none());
    if !plain_object && let Err(why) = objects_only(json) {
        return MarkerState::Invalid(why);
    }
    match parsed {
        Ok(m)
            if m.employee_id
                .as_ref()
                .is_some_and(|id| id.as_str().trim().is_empty()) =>
        {
            MarkerState::Invalid("marker has an empty employee_id".into())
        }
        Ok(Marker {
            employee_id: Some(id),
            ..
        }) if id.as_str().chars().count() > MAX_EMPLOYEE_ID_LEN => MarkerState::Invalid(format!(
            "marker's employee_id {} is longer than {MAX_EMPLOYEE_ID_LEN} characters",
            quoted(id.as_str())
        )),
        Ok(m) if m.employee_id.is_none() && m.suspended.is_none() => {
            MarkerState::Invalid("marker names no employee_id and records no suspension".into())
        }
        Ok(m) => MarkerState::Valid(m),
        Err(e) => MarkerState::Invalid(format!("marker is not valid: {}", bounded(&e.to_string()))),
    }
}

/// `Err` (saying where) when the marker JSON, or its `suspended` record, or one of that
/// record's `teams`, is there but not a JSON object. Text that is not JSON at all is left
/// to the deserialiser, whose error says more.
fn objects_only(json: &str) -> Result<(), String> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return Ok(());
    };
    let Some(top) = v.as_object() else {
        return Err("marker is not a JSON object".into());
    };
    let Some(s) = top.get("suspended").filter(|s| !s.is_null()) else {
        return Ok(());
    };
    let Some(s) = s.as_object() else {
        return Err("marker's suspended is not a JSON object".into());
    };
    if let Some(teams) = s.get("teams").and_then(serde_json::Value::as_array)
        && let Some(i) = teams.iter().position(|t| !t.is_object())
    {
        return Err(format!(
            "marker's suspended.teams[{i}] is not a JSON object"
        ));
    }
    Ok(())
}

/// The employee ID an unusable marker line still appears to name, read leniently (any
/// version, JSON or not), so that a broken marker blocks a duplicate create instead of being
/// treated as absent. `None` when no marker line names one.
pub fn claimed_employee_id(description: Option<&str>) -> Option<EmployeeId> {
    let text = description?;
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with(PREFIX))
        .find_map(|line| {
            let json = line.split_once(' ').map(|(_, j)| j.trim()).unwrap_or("");
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(json)
                && let Some(id) = v.get("employee_id").and_then(|x| x.as_str())
            {
                return Some(id.trim().to_string())
                    .filter(|s| plausible_id(s))
                    .map(EmployeeId::new);
            }
            let key = "\"employee_id\"";
            let rest = &line[line.find(key)? + key.len()..];
            let rest = rest
                .trim_start()
                .strip_prefix(':')?
                .trim_start()
                .strip_prefix('"')?;
            let id = &rest[..rest.find('"')?];
            Some(id.trim().to_string())
                .filter(|s| plausible_id(s))
                .map(EmployeeId::new)
        })
}

/// An employee ID a marker may name: not empty, and no longer than the HR side allows
/// ([`MAX_EMPLOYEE_ID_LEN`]), so no employee of an export can own a longer one.
fn plausible_id(id: &str) -> bool {
    !id.is_empty() && id.chars().count() <= MAX_EMPLOYEE_ID_LEN
}

/// `text` (a parser's message, which may quote what it read: serde's "invalid type" names
/// the value) as it is when short, else [`quoted`] at a bounded length.
fn bounded(text: &str) -> String {
    if text.chars().count() <= crate::quote::QUOTE_CHARS {
        text.to_string()
    } else {
        quoted(text)
    }
}

/// The marker line for `marker`, without a newline. Deterministic: the same marker always
/// renders to the same text, so an unchanged user is never rewritten.
pub fn render_line(marker: &Marker) -> String {
    // Serialising these plain structs to JSON cannot fail.
    let json = serde_json::to_string(marker).expect("marker serialises");
    format!("{PREFIX}{VERSION} {json}")
}

/// The marker line for `marker` on the user with email `carrier`, signed with `keys` when
/// given: the line of [`render_line`] with `"sig":"<32 hex digits>"` as the object's last
/// field ([`MarkerKeys::sign`], bound to `carrier`). Without keys, the unsigned line.
pub fn render_line_with(marker: &Marker, keys: Option<&MarkerKeys>, carrier: &str) -> String {
    let line = render_line(marker);
    let Some(keys) = keys else {
        return line;
    };
    let sig = keys.sign(marker, carrier);
    // The JSON object ends the line; a marker always has a field (employee or suspension).
    match line.strip_suffix('}') {
        Some(open) if open.ends_with('{') => format!("{open}\"sig\":\"{sig}\"}}"),
        Some(open) => format!("{open},\"sig\":\"{sig}\"}}"),
        None => line,
    }
}

/// A full description: `human` (kept verbatim), then the marker line.
pub fn render(human: &str, marker: &Marker) -> String {
    render_with(human, marker, None, "")
}

/// A full description: `human` (kept verbatim), then the marker line signed with `keys`
/// when given, for the user with email `carrier` ([`render_line_with`]).
pub fn render_with(
    human: &str,
    marker: &Marker,
    keys: Option<&MarkerKeys>,
    carrier: &str,
) -> String {
    let human = human.trim_end();
    let line = render_line_with(marker, keys, carrier);
    if human.is_empty() {
        line
    } else {
        format!("{human}\n{line}")
    }
}

#[cfg(test)]
pub(crate) mod tests;
