//! Bytes to text, in the encoding `[hr] encoding` names. Nothing is guessed: bytes that do
//! not fit the configured encoding refuse the file with the setting that would read it.

use crate::config::Encoding;
use crate::hr::HrError;
use crate::quote;
use std::borrow::Cow;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// 1-based line of byte `offset` in `bytes` (lines end with `\n`).
fn line_at(bytes: &[u8], offset: usize) -> u64 {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
        + 1
}

/// Decodes `bytes` as `encoding`. A UTF-8 byte order mark is stripped under UTF-8.
///
/// Refused (each message names the fix):
/// - UTF-16 (a UTF-16 byte order mark) and zip archives (an `.xlsx` saved by mistake), in
///   either encoding: [`HrError::Format`];
/// - bytes that are not UTF-8 under `utf-8`: [`HrError::Encoding`] with the line and byte
///   offset of the first bad byte;
/// - a file that is UTF-8 under `windows-1252` (a UTF-8 byte order mark, or non-ASCII text
///   that is valid UTF-8, which Windows-1252 would turn into `JÃ¡nos`): [`HrError::Format`].
pub(super) fn decode(bytes: &[u8], encoding: Encoding) -> Result<Cow<'_, str>, HrError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(HrError::Format {
            line: 1,
            problem: "is UTF-16 (it starts with a UTF-16 byte order mark)".into(),
            fix: "save it as \"CSV UTF-8\" and set [hr] encoding = \"utf-8\"".into(),
        });
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(HrError::Format {
            line: 1,
            problem: "is a zip archive, probably an Excel workbook (.xlsx), not CSV".into(),
            fix: "export the sheet as CSV".into(),
        });
    }
    match encoding {
        Encoding::Utf8 => {
            let skip = if bytes.starts_with(UTF8_BOM) {
                UTF8_BOM.len()
            } else {
                0
            };
            match std::str::from_utf8(&bytes[skip..]) {
                Ok(s) => Ok(Cow::Borrowed(s)),
                Err(e) => {
                    let offset = skip + e.valid_up_to();
                    Err(HrError::Encoding {
                        line: line_at(bytes, offset),
                        offset,
                    })
                }
            }
        }
        Encoding::Windows1252 => {
            if bytes.starts_with(UTF8_BOM) {
                return Err(HrError::Format {
                    line: 1,
                    problem: "starts with a UTF-8 byte order mark, so it is UTF-8".into(),
                    fix: "set [hr] encoding = \"utf-8\"".into(),
                });
            }
            if let Some(first) = bytes.iter().position(|b| !b.is_ascii())
                && let Ok(text) = std::str::from_utf8(bytes)
            {
                return Err(HrError::Format {
                    line: line_at(bytes, first),
                    problem: format!(
                        "is UTF-8 ({:?} is UTF-8-encoded; read as Windows-1252 it would be garbled)",
                        word_at(text, first)
                    ),
                    fix: "set [hr] encoding = \"utf-8\"".into(),
                });
            }
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            Ok(text)
        }
    }
}

/// The run of text around byte `at` up to the nearest field or line boundary, at most
/// [`quote::EXCERPT_CHARS`] characters, for messages.
fn word_at(text: &str, at: usize) -> &str {
    let boundary = |c: char| matches!(c, ',' | ';' | '\t' | '|' | '"' | '\r' | '\n');
    let start = text[..at].rfind(boundary).map_or(0, |i| i + 1);
    let end = text[at..].find(boundary).map_or(text.len(), |i| at + i);
    quote::head(text[start..end].trim(), quote::EXCERPT_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_bom_is_stripped_and_text_borrowed() {
        let t = decode(b"\xEF\xBB\xBFa,b\r\n", Encoding::Utf8).unwrap();
        assert_eq!(t, "a,b\r\n");
        assert!(matches!(t, Cow::Borrowed(_)));
    }

    #[test]
    fn invalid_utf8_names_line_and_offset() {
        let err = decode(b"a,b\nc,d\nJ\xE1nos,x\n", Encoding::Utf8).unwrap_err();
        assert!(
            matches!(err, HrError::Encoding { line: 3, offset: 9 }),
            "{err:?}"
        );
        assert!(err.to_string().contains("encoding = \"windows-1252\""));
    }

    #[test]
    fn windows_1252_decodes_and_refuses_utf8() {
        let t = decode(b"J\xE1nos,\x80\n", Encoding::Windows1252).unwrap();
        assert_eq!(t, "János,€\n");
        let err = decode("id,name\n1,János\n".as_bytes(), Encoding::Windows1252).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, HrError::Format { line: 2, .. }), "{msg}");
        assert!(msg.contains("\"János\""), "{msg}");
        assert!(msg.contains("encoding = \"utf-8\""), "{msg}");
        let err = decode(b"\xEF\xBB\xBFid\n", Encoding::Windows1252).unwrap_err();
        assert!(err.to_string().contains("byte order mark"), "{err}");
    }

    #[test]
    fn utf16_and_xlsx_are_refused_in_either_encoding() {
        for enc in [Encoding::Utf8, Encoding::Windows1252] {
            let e = decode(b"\xFF\xFEi\0d\0", enc).unwrap_err().to_string();
            assert!(e.contains("UTF-16"), "{e}");
            let e = decode(b"PK\x03\x04\x14\0", enc).unwrap_err().to_string();
            assert!(e.contains("export the sheet as CSV"), "{e}");
        }
    }
}
