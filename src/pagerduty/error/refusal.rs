//! [`Refusal`]: which PagerDuty answers refuse a request for good, and which of PagerDuty's
//! documented refusals an answer is. The one place that reads PagerDuty's error texts.

use crate::pagerduty::models::licenses::LICENSE_NOT_AVAILABLE;
use crate::pagerduty::models::oncall::TEAM_REMOVAL_BLOCKED;
use crate::pagerduty::models::{ACCOUNT_LOCK_ERROR, ApiErrorBody, EMAIL_TAKEN};

/// A PagerDuty answer that refuses one request for good: any 4xx other than 401 (a 401
/// refuses the key, and so every later request too). Sending the same request again cannot
/// help ("Retrying with the same arguments will *not* work", §4.5 of
/// `../shared/reference/PAGERDUTY_API.md`), so apply reports it once and goes on with
/// what does not depend on it.
///
/// PagerDuty tells its 400/2001 refusals apart only by the text in `errors[]` (fact F26);
/// the ones hr2pagerduty acts on have their own variant, every other is
/// [`Refusal::Other`]. A `DELETE /users/{id}` refused for assigned incidents (fact F22)
/// is an `Other` 400: PagerDuty documents no text for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// 400 "Email has already been taken" (fact F31): a create whose email another user
    /// holds.
    EmailTaken,
    /// 400 "User cannot be removed as they belong to an escalation policy on this team"
    /// (fact F32): a team removal refused while a policy of the team reaches the user.
    TeamRemovalBlocked,
    /// 400 "License error: License is not available" (§3.5, S22): the licence asked for
    /// (or picked) has no free allocation.
    LicenseNotAvailable,
    /// 400 "License error: Unable to perform request at this time. account could not be
    /// locked" (fact F30): transient, so the client retries it for `POST /users` and
    /// `PUT /users/{id}`; reaching apply, the retries are spent.
    AccountLocked,
    /// Any other 4xx but 401, with its HTTP status: 400 bad arguments, 402 a missing
    /// ability, 403 not permitted, 404 not found; a 408 or a 429 once the client's retries
    /// or its rate-limit wait are spent.
    Other {
        /// The HTTP status.
        status: u16,
    },
}

impl Refusal {
    /// Classifies an answer's `status` and decoded error `body`: `None` for an answer that
    /// is not a refusal (a success, a 401, a 5xx).
    ///
    /// The texts are matched as case-insensitive substrings of the body's `message` or of
    /// one of its `errors[]` (fact F25's shape), and only in a 400, where PagerDuty sends
    /// them (facts F30, F31, F32; §3.5). The account lock is matched on its tail "account
    /// could not be locked", so that a rewording of the "License error:" prefix still
    /// matches.
    pub(crate) fn classify(status: u16, body: Option<&ApiErrorBody>) -> Option<Refusal> {
        const LOCK_TAIL: &str = "account could not be locked";
        debug_assert!(ACCOUNT_LOCK_ERROR.ends_with(LOCK_TAIL));
        if !(400..500).contains(&status) || status == 401 {
            return None;
        }
        let named = [
            (EMAIL_TAKEN, Refusal::EmailTaken),
            (TEAM_REMOVAL_BLOCKED, Refusal::TeamRemovalBlocked),
            (LICENSE_NOT_AVAILABLE, Refusal::LicenseNotAvailable),
            (LOCK_TAIL, Refusal::AccountLocked),
        ];
        let found = match body {
            Some(b) if status == 400 => named
                .iter()
                .find(|(text, _)| mentions(b, text))
                .map(|(_, r)| *r),
            _ => None,
        };
        Some(found.unwrap_or(Refusal::Other { status }))
    }
}

/// True when `text` occurs, case-insensitively, as a substring of the body's `message` or
/// of one of its `errors[]`.
pub(super) fn mentions(body: &ApiErrorBody, text: &str) -> bool {
    let needle = text.to_lowercase();
    body.message.to_lowercase().contains(&needle)
        || body
            .errors
            .iter()
            .any(|e| e.to_lowercase().contains(&needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PagerDuty's error body as §4.5 documents it: code 2001, "Invalid Input Provided",
    /// the reason in `errors[]`.
    fn invalid_input(reason: &str) -> ApiErrorBody {
        ApiErrorBody {
            code: Some(2001),
            message: "Invalid Input Provided".into(),
            errors: vec![reason.into()],
        }
    }

    #[test]
    fn the_documented_400_texts_are_told_apart() {
        for (text, want) in [
            ("Email has already been taken", Refusal::EmailTaken),
            (
                "User cannot be removed as they belong to an escalation policy on this team",
                Refusal::TeamRemovalBlocked,
            ),
            (
                "License error: License is not available",
                Refusal::LicenseNotAvailable,
            ),
            (
                "License error: Unable to perform request at this time. account could not be locked",
                Refusal::AccountLocked,
            ),
        ] {
            let body = invalid_input(text);
            assert_eq!(Refusal::classify(400, Some(&body)), Some(want), "{text}");
            let shouted = invalid_input(&text.to_uppercase());
            assert_eq!(Refusal::classify(400, Some(&shouted)), Some(want), "{text}");
        }
    }

    #[test]
    fn another_text_or_no_body_is_another_refusal() {
        let other = invalid_input("User Contact method must be unique");
        assert_eq!(
            Refusal::classify(400, Some(&other)),
            Some(Refusal::Other { status: 400 })
        );
        assert_eq!(
            Refusal::classify(400, None),
            Some(Refusal::Other { status: 400 })
        );
        // The texts count only in a 400, where PagerDuty sends them.
        let taken = invalid_input("Email has already been taken");
        assert_eq!(
            Refusal::classify(403, Some(&taken)),
            Some(Refusal::Other { status: 403 })
        );
    }

    #[test]
    fn every_4xx_but_401_is_a_refusal_and_nothing_else_is() {
        for status in [400, 402, 403, 404, 408, 409, 422, 429, 499] {
            assert_eq!(
                Refusal::classify(status, None),
                Some(Refusal::Other { status }),
                "{status}"
            );
        }
        let taken = invalid_input("Email has already been taken");
        for status in [200, 204, 301, 401, 500, 503] {
            assert_eq!(Refusal::classify(status, Some(&taken)), None, "{status}");
        }
    }
}
