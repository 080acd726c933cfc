//! The one email normaliser, used on both sides of the diff (HR rows and PagerDuty users).
//!
//! PagerDuty compares emails case-insensitively and its own clients key users on the
//! lower-cased address (fact F33 in `../shared/reference/PAGERDUTY_API.md`), so an [`Email`]
//! is trimmed and lower-cased once, at the edge, and compared as a plain string afterwards.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// Shortest and longest `email` PagerDuty accepts, in characters (OpenAPI
/// `User.email.minLength` and `maxLength`; fact F18): defined in [`crate::vocab::limits`].
pub use crate::vocab::limits::{EMAIL_MAX_CHARS as MAX_LEN, EMAIL_MIN_CHARS as MIN_LEN};

/// A normalised email address: trimmed and lower-cased. Construct with [`Email::normalise`]
/// (no validation) or [`Email::parse`] (validated for PagerDuty).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

/// Why a string is not an email PagerDuty would accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// The cell was empty.
    #[error("email is empty")]
    Empty,
    /// Whitespace inside the address.
    #[error("email {0:?} contains a space")]
    Whitespace(String),
    /// Not exactly one `@` with text on both sides and a dot in the domain.
    #[error("email {0:?} is not an address of the form name@domain.tld")]
    Shape(String),
    /// Outside PagerDuty's 6–100 character range.
    #[error("email {0:?} has {1} characters; PagerDuty accepts 6 to 100")]
    Length(String, usize),
}

impl Email {
    /// Trims and lower-cases `raw` without checking its shape. Use for values PagerDuty
    /// already accepted (a listed user's email).
    pub fn normalise(raw: &str) -> Email {
        Email(Email::normalised(raw).into_owned())
    }

    /// `raw` trimmed and lower-cased, as [`Email::normalise`] makes it, borrowed when it is
    /// already so (most listed addresses): for keys that need no copy.
    pub fn normalised(raw: &str) -> Cow<'_, str> {
        let trimmed = raw.trim();
        if trimmed
            .bytes()
            .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
        {
            Cow::Borrowed(trimmed)
        } else {
            Cow::Owned(trimmed.to_lowercase())
        }
    }

    /// Normalises `raw`, then checks the shape PagerDuty's `format: email` and 6–100
    /// character limits require.
    ///
    /// # Errors
    /// [`EmailError`] naming what is wrong with the address.
    pub fn parse(raw: &str) -> Result<Email, EmailError> {
        let e = Email::normalise(raw);
        let s = e.as_str();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.chars().any(char::is_whitespace) {
            return Err(EmailError::Whitespace(s.to_string()));
        }
        // Characters that only appear in display forms (`Name <a@b.c>`), lists or quoted
        // local parts, never in a plain login address.
        if s.chars()
            .any(|c| c.is_control() || "<>()[],;:\\\"".contains(c))
        {
            return Err(EmailError::Shape(s.to_string()));
        }
        let mut parts = s.split('@');
        let (local, domain) = match (parts.next(), parts.next(), parts.next()) {
            (Some(l), Some(d), None) => (l, d),
            _ => return Err(EmailError::Shape(s.to_string())),
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty() || !domain_ok {
            return Err(EmailError::Shape(s.to_string()));
        }
        let len = s.chars().count();
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            return Err(EmailError::Length(s.to_string(), len));
        }
        Ok(e)
    }

    /// Whether `raw` normalises to this address (`Email::normalise(raw) == *self`), without
    /// building the normalised copy for an ASCII `raw`: the planner compares every listed
    /// user's email with its HR row's.
    pub fn is_normal_form_of(&self, raw: &str) -> bool {
        let trimmed = raw.trim();
        if trimmed.is_ascii() {
            trimmed.len() == self.0.len()
                && trimmed
                    .bytes()
                    .zip(self.0.bytes())
                    .all(|(a, b)| a.to_ascii_lowercase() == b)
        } else {
            Email::normalise(raw) == *self
        }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_surrounding_space() {
        assert_eq!(
            Email::parse("  Test4@EXAMPLE.COM ").unwrap().as_str(),
            "test4@example.com"
        );
        assert_eq!(Email::normalise("A@B.C"), Email::normalise("a@b.c"));
    }

    #[test]
    fn is_normal_form_of_agrees_with_normalise() {
        let e = Email::normalise("ann.lee@example.com");
        for raw in [
            "ann.lee@example.com",
            " Ann.Lee@EXAMPLE.com\t",
            "ann.lee@example.co",
            "ann.lee@example.comm",
            "ann.lée@example.com",
            "",
        ] {
            assert_eq!(
                e.is_normal_form_of(raw),
                Email::normalise(raw) == e,
                "{raw:?}"
            );
        }
        for raw in [
            "ann@example.com",
            " Ann@example.com ",
            "ZOË@example.com",
            "zoë@x.io ",
        ] {
            assert_eq!(Email::normalised(raw), raw.trim().to_lowercase(), "{raw:?}");
        }
        let unicode = Email::normalise("ZOË@example.com");
        assert!(unicode.is_normal_form_of(" Zoë@Example.COM"));
        assert!(!unicode.is_normal_form_of("zoe@example.com"));
    }

    #[test]
    fn accepts_plus_addressing_and_odd_tlds() {
        assert!(Email::parse("test.email2+xxxx1@example.com.anytld").is_ok());
    }

    #[test]
    fn rejects_inner_space_missing_at_and_bad_lengths() {
        assert!(matches!(
            Email::parse("wilson k.adinolfi@bilearner.com"),
            Err(EmailError::Whitespace(_))
        ));
        assert!(matches!(Email::parse("nobody"), Err(EmailError::Shape(_))));
        for display_form in [
            "<a@b.co>",
            "ann<ann@example.com>",
            "a,b@example.com",
            "a\u{0}b@example.com",
        ] {
            assert!(
                matches!(Email::parse(display_form), Err(EmailError::Shape(_))),
                "{display_form}"
            );
        }
        assert!(matches!(Email::parse("a@b@c.d"), Err(EmailError::Shape(_))));
        assert!(matches!(
            Email::parse("a@b.c"),
            Err(EmailError::Length(_, 5))
        ));
        assert!(matches!(Email::parse(""), Err(EmailError::Empty)));
        let long = format!("{}@example.com", "x".repeat(95));
        assert!(matches!(
            Email::parse(&long),
            Err(EmailError::Length(_, 107))
        ));
    }
}
