//! Quoting input in messages, logs and reports at a bounded length: an HR cell or a
//! configuration value may be megabytes long (a broken export, a hostile file), and a
//! message that echoes it must stay one readable line.
//!
//! [`quoted`] is the one helper: every place that echoes a value it read from a file
//! quotes it through here.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
