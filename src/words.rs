//! Words for counts in messages, logs and reports: the one English plural rule every
//! layer uses, so that "1 attempt" and "2 attempts" are chosen the same way everywhere.

/// `one` when `n` is 1, else `many`: `plural(n, "", "s")` for a suffix,
/// `plural(n, "policy", "policies")` for a word, `plural(n, "is", "are")` for a verb.
/// Zero takes `many` ("0 actions"), as English does.
pub fn plural<'a, N: PartialEq + From<u8>>(n: N, one: &'a str, many: &'a str) -> &'a str {
    if n == N::from(1) { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn one_takes_the_singular_and_every_other_count_the_plural() {
        assert_eq!(plural(1usize, "team", "teams"), "team");
        assert_eq!(plural(0u32, "team", "teams"), "teams");
        assert_eq!(plural(2u64, "", "s"), "s");
        assert_eq!(plural(-1i64, "day", "days"), "days");
        assert_eq!(plural(1i64, "is", "are"), "is");
    }
}
