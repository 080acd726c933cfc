//! Shape checks shared by the account and its parts: PagerDuty's whitespace handling of
//! names and a loose `format: email` check.

/// Trims and collapses every run of whitespace to one space (§3.1: PagerDuty returned
/// `"tf abcde"` for `"tf  abcde"`).
pub(crate) fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
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
