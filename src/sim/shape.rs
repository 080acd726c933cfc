//! Shape checks shared by the account and its parts: PagerDuty's whitespace handling of
//! names, its case-insensitive emails, a loose `format: email` check and the `{"key": {...}}`
//! envelope of the request bodies.

/// Trims and collapses every run of whitespace to one space (§3.1: PagerDuty returned
/// `"tf abcde"` for `"tf  abcde"`).
pub(crate) fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An email as PagerDuty stores and compares it, in the simulator's model: lower-cased
/// (fact F33: lookups are case-insensitive, and a mixed-case email comes back lower-cased).
///
/// This is deliberately not `crate::email::Email::normalise`, the client's normaliser: the
/// simulator stands for PagerDuty's rule, not ours, so that a change to how hr2pagerduty
/// normalises addresses (say, trimming more or folding differently) is tested against an
/// account that still behaves like PagerDuty, instead of silently following it. Callers
/// trim where PagerDuty's own handling trims.
pub(crate) fn pagerduty_email(s: &str) -> String {
    s.to_lowercase()
}

/// A loose `format: email` check: one `@`, non-empty local part, a dotted domain without
/// empty labels, no whitespace or control characters.
pub(crate) fn is_email_shaped(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The `key` object of a `{"key": {...}}` request body (`user`, `contact_method`,
/// `notification_rule`).
///
/// # Errors
/// 400/2001 naming the body's expected shape when `body` holds no such object.
pub(crate) fn envelope<'a>(
    body: &'a serde_json::Value,
    key: &str,
) -> Result<&'a serde_json::Map<String, serde_json::Value>, super::error::SimError> {
    body.get(key)
        .and_then(serde_json::Value::as_object)
        .ok_or_else(|| {
            super::error::SimError::invalid_input(vec![format!(
                "The request body must be a JSON object like {{\"{key}\": {{...}}}}"
            )])
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shape() {
        for ok in ["a@b.co", "first.last+tag@sub.example.org"] {
            assert!(is_email_shaped(ok), "{ok}");
        }
        for bad in [
            "bob", "a@b", "a@@b.co", "@b.co", "a b@c.io", "a@b..co", "a@.b.co",
        ] {
            assert!(!is_email_shaped(bad), "{bad}");
        }
    }
}
