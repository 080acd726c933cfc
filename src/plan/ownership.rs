//! The users hr2pagerduty never writes, whatever HR says: the account owner, the user that
//! owns the API key the run uses (`GET /users/me` with a user-level key), and the users
//! whose email is listed under `[lifecycle] protected`.
//!
//! One rule for both places that apply it: the planner leaves such users out of the plan
//! (a [`super::SkipCause::Untouchable`]), and the apply-time re-check skips an action whose
//! user became one since the plan was made ([`crate::apply::Mismatch::Untouchable`]). Each
//! place words the cause its own way; the rule itself is [`untouchable`].

use crate::email::Email;
use crate::ids::UserId;
use crate::pagerduty::models::User;
use crate::vocab::Role;
use std::collections::BTreeSet;

/// Why a user is never written. Serialised as a snake_case tag (`key_owner`) inside a
/// saved plan's skip causes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Untouchable {
    /// The account owner (base role `owner`).
    Owner,
    /// The user that owns the API key this run uses: changing its role or removing it from
    /// teams could cut off the job itself (and a key's own user is a person or bot someone
    /// set up on purpose).
    KeyOwner,
    /// An email listed under `[lifecycle] protected`.
    Protected,
}

/// Why user `u` must never be written, if it must not: the account owner first, then the
/// owner of the API key (`key_owner`, the ID `GET /users/me` gave; `None` for an
/// account-level key, which belongs to no user), then a protected email, either `u`'s own
/// (normalised) or `hr_email`, the email HR gives the employee matched to `u`. `protected`
/// holds normalised emails.
pub fn untouchable(
    u: &User,
    hr_email: Option<&Email>,
    protected: &BTreeSet<Email>,
    key_owner: Option<&UserId>,
) -> Option<Untouchable> {
    if u.role == Role::Owner {
        return Some(Untouchable::Owner);
    }
    if key_owner == Some(&u.id) {
        return Some(Untouchable::KeyOwner);
    }
    // Asked for every matched user: a short list is scanned without normalising a copy.
    let own = if protected.len() <= 16 {
        protected
            .iter()
            .any(|p| p.is_normal_form_of(&u.email))
            .then_some(Untouchable::Protected)
    } else {
        protected_email(&Email::normalise(&u.email), protected)
    };
    own.or_else(|| hr_email.and_then(|e| protected_email(e, protected)))
}

/// [`Untouchable::Protected`] when `email` (normalised) is in `protected`: the rule for an
/// employee no user matches yet.
pub fn protected_email(email: &Email, protected: &BTreeSet<Email>) -> Option<Untouchable> {
    protected.contains(email).then_some(Untouchable::Protected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(email: &str, role: Role) -> User {
        serde_json::from_value(serde_json::json!({
            "id": "PU", "type": "user", "name": "U", "email": email, "role": role,
        }))
        .unwrap()
    }

    #[test]
    fn the_owner_comes_first_then_either_email() {
        let protected: BTreeSet<Email> = [Email::normalise("bot@example.com")].into();
        let hr = Email::normalise("bot@example.com");
        let key_owner = UserId::new("PU");
        assert_eq!(
            untouchable(
                &user("bot@example.com", Role::Owner),
                None,
                &protected,
                Some(&key_owner)
            ),
            Some(Untouchable::Owner)
        );
        assert_eq!(
            untouchable(
                &user("bot@example.com", Role::Admin),
                None,
                &protected,
                Some(&key_owner)
            ),
            Some(Untouchable::KeyOwner),
            "the key's own user comes before a protected email"
        );
        assert_eq!(
            untouchable(
                &user(" Bot@Example.com", Role::Admin),
                None,
                &protected,
                None
            ),
            Some(Untouchable::Protected),
            "the user's email is compared normalised"
        );
        assert_eq!(
            untouchable(
                &user("x@example.com", Role::User),
                Some(&hr),
                &protected,
                None
            ),
            Some(Untouchable::Protected),
            "the HR email of the matched employee counts too"
        );
        assert_eq!(
            untouchable(&user("x@example.com", Role::User), None, &protected, None),
            None
        );
        assert_eq!(
            untouchable(
                &user("x@example.com", Role::User),
                None,
                &protected,
                Some(&UserId::new("POTHER1"))
            ),
            None,
            "another user's key protects only that user"
        );
        assert_eq!(
            protected_email(&hr, &protected),
            Some(Untouchable::Protected)
        );
        assert_eq!(
            protected_email(&Email::normalise("x@example.com"), &protected),
            None
        );
    }
}
