//! Identifier newtypes: a PagerDuty user ID can no longer be passed where a team ID or an HR
//! employee ID is expected.
//!
//! Every type here is a `String` underneath, serialised transparently (the JSON plan, the
//! report, the marker and the API bodies are unchanged), ordered and hashed like its string,
//! and built with one macro so that they all behave alike. PagerDuty IDs look like `PXPGF42`
//! ("unique per endpoint, not globally", `../shared/reference/PAGERDUTY_API.md` §3.1); an
//! employee ID is whatever the HR export's ID column holds, trimmed.
//!
//! No validation happens here: PagerDuty IDs come from PagerDuty (or the simulator), and
//! employee IDs are checked by [`crate::hr`] when a row is read.
//!
//! An ID does not dereference to `str`, so it never passes silently where a `&str` is
//! wanted (a URL segment, a map keyed by another kind of ID): the string is asked for by
//! name, [`UserId::as_str`], or rendered with `Display`; `AsRef<str>` and `Borrow<str>`
//! remain for generic string code and for looking a typed key up by `&str`.

use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::fmt;

/// Declares a `String` newtype with the conversions and traits every ID needs.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps `id` as is.
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The ID as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The ID as an owned `String`.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

id_type!(
    /// A PagerDuty user ID (`User.id`), e.g. `PXPGF42`. Never reused after deletion (fact F24).
    UserId
);
id_type!(
    /// A PagerDuty team ID (`Team.id`).
    TeamId
);
id_type!(
    /// The HR employee ID of one person: the stable key hr2pagerduty records in its
    /// ownership marker ([`crate::marker`]).
    EmployeeId
);

/// Longest employee ID, in characters: it is recorded in every marker and echoed in every
/// message about the employee. The HR reader refuses a longer one as a row problem, and a
/// marker read from PagerDuty naming a longer one is invalid ([`crate::marker`]).
pub const MAX_EMPLOYEE_ID_LEN: usize = 100;
id_type!(
    /// A PagerDuty escalation policy ID (`EscalationPolicy.id`).
    EscalationPolicyId
);
id_type!(
    /// A PagerDuty schedule ID (`Schedule.id`).
    ScheduleId
);
id_type!(
    /// A PagerDuty escalation rule ID (`EscalationRule.id`, one rule of an escalation
    /// policy).
    EscalationRuleId
);
id_type!(
    /// A PagerDuty schedule layer ID (`ScheduleLayer.id`, one layer of a schedule).
    ScheduleLayerId
);
id_type!(
    /// A PagerDuty incident ID (`Incident.id`).
    IncidentId
);
id_type!(
    /// A PagerDuty licence ID (`License.id`).
    LicenseId
);
id_type!(
    /// A PagerDuty contact method ID (`ContactMethod.id`).
    ContactMethodId
);
id_type!(
    /// A PagerDuty notification rule ID (`NotificationRule.id`).
    NotificationRuleId
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn serialises_as_a_plain_string() {
        let id = UserId::new("PXPGF42");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"PXPGF42\"");
        let back: UserId = serde_json::from_str("\"PXPGF42\"").unwrap();
        assert_eq!(back, id);
        assert_eq!(id.to_string(), "PXPGF42");
    }

    #[test]
    fn maps_keyed_by_id_are_looked_up_by_str() {
        let mut m = BTreeMap::new();
        m.insert(TeamId::new("PT1"), 1);
        assert_eq!(m.get("PT1"), Some(&1));
        assert_eq!(m.get("PT2"), None);
    }

    #[test]
    fn orders_like_its_string() {
        let mut v = vec![EmployeeId::new("b"), EmployeeId::new("a")];
        v.sort();
        assert_eq!(v, vec![EmployeeId::new("a"), EmployeeId::new("b")]);
    }
}
