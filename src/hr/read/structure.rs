//! Structural damage the `csv` crate reads without an error.
//!
//! The `csv` crate is lenient by design: a quote that is never closed runs to the end of the
//! file, and a stray quote makes one field swallow the line breaks and rows after it. Both
//! parse "successfully" into fewer, wrong records, and every employee in the swallowed
//! lines would then look like a leaver. These checks turn that into a file-level
//! [`HrError::Structure`] naming the line where the damage starts:
//!
//! 1. [`unclosed_quote`]: the file ends inside a quoted field;
//! 2. [`check_record`]: a field holding line breaks in a record whose field count differs
//!    from the header's, or a field holding a line break followed by text shaped like a
//!    record (on one line, at least half a header's worth of delimiters and at least 3, so
//!    an address line such as `Springfield, IL, USA` is not mistaken for a row; headers of
//!    fewer than 4 columns rely on the field-count check),
//!    or a field spanning more than [`MAX_FIELD_LINES`] lines (the record count is then far
//!    below the line count);
//! 3. [`check_cut_short`]: the last record has fewer fields than the header and the file
//!    does not end with a line break: the export was cut off mid-row, so rows are missing.
//!
//! A legitimate quoted field with line breaks (an address) passes: its record has the
//! header's field count and its continuation lines do not look like rows.

use crate::hr::HrError;
use crate::quote;
use csv::StringRecord;

/// Most line breaks one field may hold; an HR cell (a name, a title, an address) never
/// spans this many lines, so a field that does has swallowed part of the file.
pub(super) const MAX_FIELD_LINES: usize = 20;

/// The line breaks in `s`: `\r\n`, `\n`, and a `\r` on its own (classic Mac OS line
/// endings, which the `csv` crate also ends a record at).
pub(super) fn line_breaks(s: &[u8]) -> usize {
    s.iter()
        .enumerate()
        .filter(|(i, b)| **b == b'\n' || (**b == b'\r' && s.get(i + 1) != Some(&b'\n')))
        .count()
}

/// The 1-based line of a quote that opens a field and is never closed, if any.
///
/// Mirrors the `csv` crate's reader (quote `"`, doubled `""` inside quotes, no escape
/// character): a quote is special only at the start of a field, and after a closing quote
/// the field continues unquoted.
pub(super) fn unclosed_quote(text: &str, delimiter: u8) -> Option<u64> {
    #[derive(Clone, Copy)]
    enum S {
        StartField,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = S::StartField;
    let mut line: u64 = 1;
    let mut opened: u64 = 1;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        state = match (state, b) {
            (S::StartField, b'"') => {
                opened = line;
                S::Quoted
            }
            (S::Quoted, b'"') => S::QuoteInQuoted,
            (S::Quoted, _) => S::Quoted,
            (S::QuoteInQuoted, b'"') => S::Quoted,
            (_, b) if b == delimiter || b == b'\n' || b == b'\r' => S::StartField,
            _ => S::Unquoted,
        };
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            line += 1;
        }
    }
    matches!(state, S::Quoted).then_some(opened)
}

fn has_break(s: &str) -> bool {
    s.contains(['\n', '\r'])
}

fn snippet(s: &str) -> std::borrow::Cow<'_, str> {
    quote::cut(s.trim(), quote::EXCERPT_CHARS)
}

/// Checks one record that starts on `line` against the trimmed `header`.
///
/// # Errors
/// [`HrError::Structure`] at the line where the offending field starts.
pub(super) fn check_record(
    rec: &StringRecord,
    line: u64,
    header: &[String],
    delimiter: u8,
) -> Result<(), HrError> {
    let ncols = header.len();
    let shaped_like_row = if ncols >= 4 {
        ((ncols - 1) / 2).max(3)
    } else {
        usize::MAX
    };
    let mut field_line = line;
    for (i, field) in rec.iter().enumerate() {
        let breaks = line_breaks(field.as_bytes());
        if has_break(field) {
            let column = header
                .get(i)
                .map_or("(past the last header)", String::as_str);
            let damaged = |message: String| HrError::Structure {
                line: field_line,
                message,
            };
            if rec.len() != ncols {
                return Err(damaged(format!(
                    "a quoted field in column {column} runs over {} lines and its record has {} fields, not {ncols}: a stray quote has probably merged rows, which would be lost",
                    breaks + 1,
                    rec.len()
                )));
            }
            if let Some(row) = field
                .split(['\n', '\r'])
                .skip(1)
                .find(|seg| seg.bytes().filter(|b| *b == delimiter).count() >= shaped_like_row)
            {
                return Err(damaged(format!(
                    "a quoted field in column {column} holds a line break followed by text shaped like a row ({:?}): a stray quote has probably merged rows, which would be lost",
                    snippet(row)
                )));
            }
            if breaks > MAX_FIELD_LINES {
                return Err(damaged(format!(
                    "a quoted field in column {column} runs over {} lines (more than {MAX_FIELD_LINES} is not an HR value): a stray quote has probably swallowed the rows after it",
                    breaks + 1
                )));
            }
        }
        field_line += breaks as u64;
    }
    Ok(())
}

/// Checks that the file did not stop in the middle of its last record (`fields` fields,
/// starting on `line`).
///
/// # Errors
/// [`HrError::Structure`] at `line` when the record is short and `text` has no final line
/// break.
pub(super) fn check_cut_short(
    text: &str,
    line: u64,
    fields: usize,
    ncols: usize,
) -> Result<(), HrError> {
    if fields < ncols && !text.ends_with(['\n', '\r']) {
        return Err(HrError::Structure {
            line,
            message: format!(
                "the file ends inside this row ({fields} of {ncols} fields and no final line break): the export looks cut short, and the rows after it are missing"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_line_of_a_quote_never_closed() {
        assert_eq!(unclosed_quote("a,b\n1,\"x\n2,y\n", b','), Some(2));
        assert_eq!(unclosed_quote("a,b\r1,y\r\n2,\"x\r3,y\r", b','), Some(3));
        assert_eq!(unclosed_quote("a,b\n1,\"x\ny\",z\n", b','), None);
        // A quote inside an unquoted field is literal, as in the csv crate.
        assert_eq!(unclosed_quote("a,b\n1,x\"y\n", b','), None);
        // Doubled quotes inside a quoted field are not a close.
        assert_eq!(unclosed_quote("a\n\"he said \"\"hi\"\"\"\n", b','), None);
        assert_eq!(unclosed_quote("a\n\"he said \"\"hi\"\"\n", b','), Some(2));
        // After a closing quote the field continues unquoted.
        assert_eq!(unclosed_quote("a;b\n\"x\"y;\"z\"\n", b';'), None);
    }

    fn header(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("c{i}")).collect()
    }

    #[test]
    fn a_legitimate_multiline_field_passes() {
        let rec = StringRecord::from(vec!["1", "12 Main St\nSpringfield, IL, USA", "x"]);
        assert!(check_record(&rec, 2, &header(3), b',').is_ok());
        let rec = StringRecord::from(vec!["1", "12 Main St\nSpringfield, IL, USA", "x", "y", "z"]);
        assert!(check_record(&rec, 2, &header(5), b',').is_ok());
    }

    #[test]
    fn a_multiline_field_in_a_record_of_the_wrong_width_is_damage() {
        let rec = StringRecord::from(vec!["1", "x\n2", "y", "z"]);
        let err = check_record(&rec, 5, &header(3), b',').unwrap_err();
        assert!(matches!(err, HrError::Structure { line: 5, .. }), "{err}");
        assert!(err.to_string().contains("column c1"), "{err}");
    }

    #[test]
    fn a_multiline_field_holding_a_row_is_damage_at_the_field_line() {
        let rec = StringRecord::from(vec![
            "a\nb",
            "x\n2,bob,bob@example.com,Sales,Active",
            "y",
            "z",
            "w",
        ]);
        let err = check_record(&rec, 7, &header(5), b',').unwrap_err();
        assert!(matches!(err, HrError::Structure { line: 8, .. }), "{err}");
        assert!(err.to_string().contains("shaped like a row"), "{err}");
    }

    #[test]
    fn a_field_of_many_lines_is_damage() {
        let long = "x\n".repeat(MAX_FIELD_LINES + 1);
        let rec = StringRecord::from(vec!["1", long.as_str(), "y"]);
        let err = check_record(&rec, 2, &header(3), b',').unwrap_err();
        assert!(err.to_string().contains("22 lines"), "{err}");
    }

    #[test]
    fn a_short_last_row_without_final_newline_is_cut_short() {
        assert!(check_cut_short("a,b,c\n1,2", 2, 2, 3).is_err());
        assert!(check_cut_short("a,b,c\n1,2\n", 2, 2, 3).is_ok());
        assert!(check_cut_short("a,b,c\n1,2,3", 2, 3, 3).is_ok());
    }
}
