//! Marker integrity: an HMAC-SHA256 tag over a marker's canonical form, under the secret
//! of `PAGERDUTY_MARKER_KEY` (README.md § Marker integrity).
//!
//! Users can edit their own PagerDuty profile, description included, so without a tag a
//! marker is only a claim: a forged `employee_id` could take over the user of a new hire,
//! and a forged `suspended` record could put its author on teams at a rehire. With a key,
//! every marker hr2pagerduty writes carries `sig`, and a marker whose tag does not verify is
//! not trusted.
//!
//! # Canonical form
//! The signed bytes are the marker line without `sig`, exactly as this version writes it
//! ([`super::render_line`]): `hr2pagerduty:v1 `, then the compact JSON object (no white
//! space) with the fields in the documented order (`employee_id`, `suspended` with `on`,
//! `role`, `teams` (`id`, `name`, `role` each, in the order written), `termination_date`,
//! `leave`, `from_archive`, `refused`, `reactivating`), `pending_termination`, `created`), optional fields that are absent and `leave: false` or `reactivating: false` left out,
//! strings escaped as JSON requires and nothing more (`serde_json`'s compact writer). The
//! verifier parses the marker and renders that form again, so every field that drives a
//! decision (the employee ID, the suspension date, role, teams, termination date, leave,
//! archive restore, termination-pending stamp and the creating run's day) is covered, and the version prefix keeps
//! a tag from serving another format. Unknown JSON fields, which no decision reads, are not
//! covered. The verifier accepts any JSON that parses to the same marker (other white
//! space, fields in another order, unknown fields, a `sig` in upper-case hex): the tag
//! vouches for what the marker means, not for its spelling.
//!
//! # Binding to the carrier
//! Then a newline (which the compact JSON line never holds), `user:`, and the email of the
//! user that carries the marker, as PagerDuty holds it, normalised
//! ([`crate::email::Email::normalise`]): [`canonical_for`]. So a marker copied onto another
//! user does not verify there (a replay), and a user whose email an admin changed by hand
//! fails the check until a run re-signs it. hr2pagerduty re-signs the marker in the same
//! `PUT` that changes an email. Tags made before the binding existed (over the line alone,
//! [`canonical`]) verify as [`Verdict::Unbound`]: the planner trusts them only where the
//! user's email is the HR row's, like unsigned markers, and signs them bound.
//!
//! # Tag
//! `sig` is the first 16 bytes (128 bits) of the HMAC-SHA256, as 32 lower-case hex digits.
//! A forger who does not hold the key must guess a tag: each guess is one marker edit that
//! the next run checks, and succeeds with probability 2^-128; collisions do not help
//! (HMAC's forgery bound depends on the tag length, not on finding two inputs with one
//! tag), and NIST SP 800-107 §5.3.3 allows HMAC tags truncated to 64 bits and more. The
//! check is constant-time ([`Mac::verify_truncated_left`]).
//!
//! The key is held in a [`SecretString`]: `Debug` prints `[REDACTED]`, and no message of
//! this crate repeats it.

use super::{Marker, render_line};
use crate::email::Email;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// The shortest key accepted, in bytes (of its UTF-8 text, trimmed): 32 bytes, the output
/// size of SHA-256, so that the key is no weaker than the hash (RFC 2104 §3 calls keys
/// shorter than the output length weaker). `openssl rand -hex 32` prints 64.
pub const MIN_KEY_BYTES: usize = 32;

/// The tag length kept, in bytes (see the module docs for why 128 bits are enough).
pub const SIG_BYTES: usize = 16;

/// One signing secret (`PAGERDUTY_MARKER_KEY` or `PAGERDUTY_MARKER_KEY_PREVIOUS`).
#[derive(Clone)]
pub struct MarkerKey(SecretString);

impl std::fmt::Debug for MarkerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MarkerKey([REDACTED])")
    }
}

impl MarkerKey {
    /// The key in `text` (trimmed of surrounding white space, such as a file's newline).
    /// `name` is the variable it came from, for the message.
    ///
    /// # Errors
    /// A message naming `name` (never the key) when the key is empty or shorter than
    /// [`MIN_KEY_BYTES`].
    pub fn new(name: &str, text: &str) -> Result<MarkerKey, String> {
        let key = text.trim();
        if key.is_empty() {
            return Err(format!(
                "{name} is set but empty; set it to a secret of at least {MIN_KEY_BYTES} bytes (for example the output of `openssl rand -hex 32`), or unset it to leave markers unsigned"
            ));
        }
        if key.len() < MIN_KEY_BYTES {
            return Err(format!(
                "{name} is {} bytes long; it must be at least {MIN_KEY_BYTES} bytes (for example the output of `openssl rand -hex 32`)",
                key.len()
            ));
        }
        Ok(MarkerKey(SecretString::from(key.to_string())))
    }

    fn mac(&self, bytes: &str) -> Hmac<Sha256> {
        // HMAC takes a key of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.expose_secret().as_bytes())
            .expect("HMAC accepts every key length");
        mac.update(bytes.as_bytes());
        mac
    }

    fn tag(&self, bytes: &str) -> String {
        let full = self.mac(bytes).finalize().into_bytes();
        hex::encode(&full[..SIG_BYTES])
    }

    fn verifies(&self, bytes: &str, tag: &[u8]) -> bool {
        tag.len() == SIG_BYTES && self.mac(bytes).verify_truncated_left(tag).is_ok()
    }
}

/// The keys of a run: the current one, which signs, and during a rotation the previous
/// one, whose tags still verify (and are replaced by the current key's).
#[derive(Debug, Clone)]
pub struct MarkerKeys {
    current: MarkerKey,
    previous: Option<MarkerKey>,
}

/// What checking a marker's tag found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Signed with the current key, bound to the user that carries it.
    Current,
    /// Signed with the previous key, bound: trusted, and to be signed again with the
    /// current one.
    Previous,
    /// Signed with the current or the previous key by the construction before the binding
    /// (over the marker alone, [`canonical`]): genuine, but it could have been copied from
    /// another user, so it is trusted only as an unsigned one is, and signed again bound.
    Unbound,
    /// No `sig`: written before the key was set (or by hand).
    Unsigned,
    /// A `sig` that no key verifies: forged, edited by hand, or signed with a key this run
    /// does not hold.
    Failed,
}

impl Verdict {
    /// True when a key of the run verifies the signature: [`Verdict::Current`],
    /// [`Verdict::Previous`] or [`Verdict::Unbound`] (genuine, though not bound to its user).
    pub fn verifies(self) -> bool {
        matches!(
            self,
            Verdict::Current | Verdict::Previous | Verdict::Unbound
        )
    }
}

impl MarkerKeys {
    /// The keys: `current` signs; `previous` (during a rotation) still verifies.
    pub fn new(current: MarkerKey, previous: Option<MarkerKey>) -> MarkerKeys {
        MarkerKeys { current, previous }
    }

    /// The keys from the values of the two variables, each given with its name for the
    /// messages: `None` when `current` is unset.
    ///
    /// # Errors
    /// [`MarkerKey::new`]'s message for a key that is set but empty or too short, and a
    /// message when `previous` is set without `current`.
    pub fn resolve(
        current: (&str, Option<&str>),
        previous: (&str, Option<&str>),
    ) -> Result<Option<MarkerKeys>, String> {
        let previous_key = match previous.1 {
            Some(text) => Some(MarkerKey::new(previous.0, text)?),
            None => None,
        };
        match current.1 {
            Some(text) => Ok(Some(MarkerKeys::new(
                MarkerKey::new(current.0, text)?,
                previous_key,
            ))),
            None if previous_key.is_some() => Err(format!(
                "{} is set but {} is not (and --marker-key-file is not given): during a rotation give both, the new key in {} or in a file named by --marker-key-file, or neither",
                previous.0, current.0, current.0
            )),
            None => Ok(None),
        }
    }

    /// Whether a previous key is accepted.
    pub fn has_previous(&self) -> bool {
        self.previous.is_some()
    }

    /// The `sig` of `m` carried by the user with email `carrier` (as PagerDuty holds it, or
    /// will once the `PUT` that writes the marker is done), under the current key: 32
    /// lower-case hex digits.
    pub fn sign(&self, m: &Marker, carrier: &str) -> String {
        self.current.tag(&canonical_for(m, carrier))
    }

    /// Checks `sig` (the marker's `sig` field as read, `None` when it has none) against
    /// `m` on the user with email `carrier`: bound with the current key, then the previous
    /// one, then unbound ([`Verdict::Unbound`]) with either. Constant-time per key.
    pub fn check(&self, m: &Marker, sig: Option<&str>, carrier: &str) -> Verdict {
        let Some(sig) = sig else {
            return Verdict::Unsigned;
        };
        let Ok(tag) = hex::decode(sig) else {
            return Verdict::Failed;
        };
        let bound = canonical_for(m, carrier);
        let previous = self.previous.as_ref();
        if self.current.verifies(&bound, &tag) {
            Verdict::Current
        } else if previous.is_some_and(|k| k.verifies(&bound, &tag)) {
            Verdict::Previous
        } else {
            let unbound = canonical(m);
            if self.current.verifies(&unbound, &tag)
                || previous.is_some_and(|k| k.verifies(&unbound, &tag))
            {
                Verdict::Unbound
            } else {
                Verdict::Failed
            }
        }
    }
}

/// The bytes an unbound tag covers (the construction before the binding): the marker line
/// without `sig` (see the module docs).
pub fn canonical(m: &Marker) -> String {
    render_line(m)
}

/// The bytes a tag covers: [`canonical`], a newline, `user:` and the carrier's email,
/// normalised ([`Email::normalised`]), so that the tag holds only on that user.
pub fn canonical_for(m: &Marker, carrier: &str) -> String {
    format!("{}\nuser:{}", render_line(m), Email::normalised(carrier))
}

#[cfg(test)]
mod tests;
