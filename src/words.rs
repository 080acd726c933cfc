//! Words for counts in messages, logs and reports: the one English plural rule every
//! layer uses, so that "1 attempt" and "2 attempts" are chosen the same way everywhere;
//! and the one rule by which a name written in the configuration matches a name or value
//! (a team's or licence's name in PagerDuty, an HR value a rule tests): [`same_text`].

/// `one` when `n` is 1, else `many`: `plural(n, "", "s")` for a suffix,
/// `plural(n, "policy", "policies")` for a word, `plural(n, "is", "are")` for a verb.
/// Zero takes `many` ("0 actions"), as English does.
pub fn plural<'a, N: PartialEq + From<u8>>(n: N, one: &'a str, many: &'a str) -> &'a str {
    if n == N::from(1) { one } else { many }
}

/// True when `a` and `b` are the same text trimmed and compared case-insensitively
/// (`" IT Operations "` and `"it operations"`; `"Équipe"` and `"ÉQUIPE"`). ASCII text,
/// nearly every value, is compared in place; anything else lower-cased first. Used for
/// rule values against HR fields, and configured team and licence names against
/// PagerDuty's.
pub fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::{plural, same_text};

    #[test]
    fn same_text_ignores_surrounding_space_and_case_in_any_script() {
        assert!(same_text(" IT Operations ", "it operations"));
        assert!(same_text("Équipe Nuit", "ÉQUIPE NUIT "));
        assert!(!same_text("IT Operations", "IT  Operations"));
        assert!(!same_text("Sales", "Sale"));
    }

    #[test]
    fn one_takes_the_singular_and_every_other_count_the_plural() {
        assert_eq!(plural(1usize, "team", "teams"), "team");
        assert_eq!(plural(0u32, "team", "teams"), "teams");
        assert_eq!(plural(2u64, "", "s"), "s");
        assert_eq!(plural(-1i64, "day", "days"), "days");
        assert_eq!(plural(1i64, "is", "are"), "is");
    }
}
