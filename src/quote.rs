//! Quoting input in messages, logs and reports at a bounded length: an HR cell or a
//! configuration value may be megabytes long (a broken export, a hostile file), and a
//! message that echoes it must stay one readable line.
//!
//! [`quoted`] is the one helper: every place that echoes a value it read from a file
//! quotes it through here. The HR reader's messages about a damaged file show a shorter
//! excerpt of its text, which they quote themselves: [`head`] (the first characters) and
//! [`cut`] (the same, marked with `…` when something was left out), both at most
//! [`EXCERPT_CHARS`] there.

/// The most characters of a value [`quoted`] shows: 80.
pub const QUOTE_CHARS: usize = 80;

/// `text` quoted as Rust's `{:?}` quotes it (escapes included), cut after [`QUOTE_CHARS`]
/// characters; a cut value ends with `…"` and says how long it was:
/// `"Aaaa…" (2000000 characters)`.
pub fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        None => format!("{text:?}"),
        Some((cut, _)) => {
            let head = format!("{:?}", &text[..cut]);
            format!(
                "{}…\" ({} characters)",
                &head[..head.len() - 1],
                text.chars().count()
            )
        }
    }
}

/// The most characters of a file's text that the HR reader's messages about damage show
/// ([`head`], [`cut`]): 40, a few fields' worth.
pub const EXCERPT_CHARS: usize = 40;

/// The first `max` characters of `text` (all of it when shorter), unquoted and with no
/// mark of the cut.
pub fn head(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        None => text,
        Some((end, _)) => &text[..end],
    }
}

/// [`head`]`(text, max)`, followed by `…` when `text` is longer; unquoted.
pub fn cut(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let h = head(text, max);
    if h.len() < text.len() {
        std::borrow::Cow::Owned(format!("{h}…"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The most characters of a value the JSON plan and report copy whole: 4,096, far more
/// than any ordinary user field or description (a human's bio and the ownership marker).
pub const JSON_VALUE_CHARS: usize = 4096;

/// `text` whole when it has at most [`JSON_VALUE_CHARS`] characters; otherwise its first
/// [`JSON_VALUE_CHARS`] characters, then `…`, then how long it was:
/// `Aaaa… (200000 characters)`. For the values a JSON document copies from its inputs
/// (a description read from PagerDuty, a marker naming a hostile employee ID), which stay
/// strings (no escapes added: the JSON encoder escapes them).
pub fn json_value(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(JSON_VALUE_CHARS) {
        None => std::borrow::Cow::Borrowed(text),
        Some((cut, _)) => std::borrow::Cow::Owned(format!(
            "{}… ({} characters)",
            &text[..cut],
            text.chars().count()
        )),
    }
}

/// `word` as one shell word: unchanged when it holds only characters no POSIX shell
/// treats specially, otherwise in single quotes (a `'` inside becomes `'\''`).
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_is_the_first_characters_and_a_cut_marks_what_it_left_out() {
        assert_eq!(head("ééé", 2), "éé");
        assert_eq!(head("ééé", 3), "ééé");
        assert_eq!(head("", 3), "");
        assert_eq!(cut("ééé", 2), "éé…");
        assert_eq!(cut("ééé", 3), "ééé");
        assert_eq!(cut("a", 0), "…");
    }

    #[test]
    fn json_values_are_whole_up_to_the_bound_and_cut_with_their_length_beyond() {
        let exact = "é".repeat(JSON_VALUE_CHARS);
        assert_eq!(json_value(&exact), exact);
        let long = format!("{}x", "é".repeat(JSON_VALUE_CHARS));
        assert_eq!(
            json_value(&long),
            format!("{exact}… ({} characters)", JSON_VALUE_CHARS + 1)
        );
    }

    #[test]
    fn short_values_are_quoted_whole_and_long_ones_cut_with_their_length() {
        assert_eq!(quoted("Ada"), "\"Ada\"");
        assert_eq!(quoted("a\"b\n"), "\"a\\\"b\\n\"");
        let exact = "x".repeat(QUOTE_CHARS);
        assert_eq!(quoted(&exact), format!("\"{exact}\""));
        let long = "é".repeat(2_000_000);
        let q = quoted(&long);
        assert_eq!(
            q,
            format!("\"{}…\" (2000000 characters)", "é".repeat(QUOTE_CHARS))
        );
        assert!(q.len() < 300);
    }

    #[test]
    fn shell_words_are_quoted_only_when_a_shell_would_split_or_expand_them() {
        assert_eq!(shell_word("samples/config.toml"), "samples/config.toml");
        assert_eq!(
            shell_word("--api-url=http://127.0.0.1:8080"),
            "--api-url=http://127.0.0.1:8080"
        );
        assert_eq!(shell_word("my plan.json"), "'my plan.json'");
        assert_eq!(shell_word("$HOME"), "'$HOME'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
