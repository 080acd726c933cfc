//! Reading an HR export: bytes → text → CSV records → validated [`Employee`]s.
//!
//! The steps, each refusing the file with an [`HrError`] naming the setting to change:
//! 1. decode in `[hr] encoding` (UTF-8 with its BOM stripped, or Windows-1252 through
//!    `encoding_rs`); nothing is guessed ([`decode`]);
//! 2. refuse an empty file and a quote that is never closed ([`structure`]);
//! 3. parse with the `csv` crate (`[hr] delimiter`, `"` quoting, CRLF or LF, quoted fields
//!    may hold delimiters and line breaks; rows of another width are kept for step 6);
//! 4. map the header, trimmed, to the configured columns: a mapped header missing or
//!    present twice refuses the file, and a one-column header while several are mapped
//!    refuses it with the delimiter the header seems to use;
//! 5. refuse records a stray quote has merged, and a file cut off mid-row ([`structure`]);
//! 6. validate each row (see [`ProblemKind`]; a cell over [`MAX_CELL_BYTES`] is a
//!    problem, and every value echoed in a message is cut by [`crate::quote::quoted`]);
//!    a failing row is skipped and reported with
//!    the line it starts on, and the employee ID and email it names are protected (for a
//!    row of another width than the header, whose cells are shifted, every value it holds);
//! 7. flag every row whose employee ID or email is also on another row;
//! 8. ([`read_file`], [`read_bytes`]) refuse the run when the share of failing rows is
//!    above `[safety] max_invalid_rows_percent` ([`check_invalid_rows`]).
//!
//! A file larger than [`MAX_EXPORT_BYTES`] is refused before it is read ([`read_export`]),
//! so memory stays bounded whatever the file.
//!
//! Rows whose cells are all empty (`,,,,`) are ignored and not counted.
//!
//! [`Employee`]: super::Employee
//! [`ProblemKind`]: super::ProblemKind

use super::{HrError, Roster};
use crate::config::{Config, HrConfig};
use std::path::Path;

mod decode;
mod layout;
mod row;
mod structure;

/// The largest export read, in bytes: 256 MiB. Memory stays within a few times this (the
/// file, its text, and the rows kept); 200,000 rows of a real export take about 30 MB.
pub const MAX_EXPORT_BYTES: u64 = 256 * 1024 * 1024;

pub use row::MAX_CELL_BYTES;

/// The bytes of the export at `path`, at most [`MAX_EXPORT_BYTES`]: a larger file is
/// refused by its size before it is read.
///
/// # Errors
/// [`HrError::Read`] when the file cannot be read, [`HrError::TooLarge`] above the limit.
pub fn read_export(path: &Path) -> Result<Vec<u8>, HrError> {
    use std::io::Read;
    let io = |source| HrError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    // A regular file's size is known before a byte is read; the bounded read below still
    // guards what has no size (a pipe) or grows while it is read.
    if file.metadata().map_err(io)?.len() > MAX_EXPORT_BYTES {
        return Err(HrError::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_EXPORT_BYTES,
        });
    }
    let mut bytes = Vec::new();
    file.take(MAX_EXPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_EXPORT_BYTES {
        return Err(HrError::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_EXPORT_BYTES,
        });
    }
    Ok(bytes)
}

/// Reads and validates the export at `path` with `cfg.hr`, then applies
/// `cfg.safety.max_invalid_rows_percent`.
///
/// # Errors
/// [`HrError::Read`] when the file cannot be read, [`HrError::TooLarge`] when it is larger
/// than [`MAX_EXPORT_BYTES`]; otherwise as [`read_bytes`].
pub fn read_file(path: &Path, cfg: &Config) -> Result<Roster, HrError> {
    let bytes = read_export(path)?;
    read_bytes(&bytes, cfg)
}

/// Reads and validates an export held in memory with `cfg.hr`, then applies
/// `cfg.safety.max_invalid_rows_percent`.
///
/// # Errors
/// Every error of [`parse_bytes`], and [`HrError::TooManyInvalid`] from
/// [`check_invalid_rows`].
pub fn read_bytes(bytes: &[u8], cfg: &Config) -> Result<Roster, HrError> {
    let roster = parse_bytes(bytes, &cfg.hr)?;
    check_invalid_rows(&roster, cfg.safety.max_invalid_rows_percent)?;
    Ok(roster)
}

/// Reads and validates an export without the invalid-rows limit, so a caller can list
/// every row problem before refusing (as `validate` does). Callers that act on the roster
/// must call [`check_invalid_rows`] (or use [`read_bytes`]).
///
/// # Errors
/// A file-level [`HrError`]: [`Encoding`](HrError::Encoding) or [`Format`](HrError::Format)
/// (bytes not in `[hr] encoding`), [`Empty`](HrError::Empty),
/// [`Delimiter`](HrError::Delimiter), [`MissingColumn`](HrError::MissingColumn),
/// [`DuplicateColumn`](HrError::DuplicateColumn), [`Structure`](HrError::Structure)
/// (unclosed quote, merged rows, cut short) or [`Csv`](HrError::Csv).
pub fn parse_bytes(bytes: &[u8], hr: &HrConfig) -> Result<Roster, HrError> {
    let text = decode::decode(bytes, hr.encoding)?;
    if text.trim().is_empty() {
        return Err(HrError::Empty { header_only: false });
    }
    let delimiter = hr.delimiter;
    if let Some(line) = structure::unclosed_quote(&text, delimiter) {
        return Err(HrError::Structure {
            line,
            message: "a quote opened here is never closed, so the rest of the file would be read as one field".into(),
        });
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let csv_error = |e: csv::Error| HrError::Csv {
        line: e.position().map_or(0, csv::Position::line),
        message: e.to_string(),
    };
    // One record, read into again for every row.
    let mut rec = csv::StringRecord::new();
    if !reader.read_record(&mut rec).map_err(csv_error)? {
        return Err(HrError::Empty { header_only: false });
    }
    let header = rec.clone();
    let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    let layout = layout::Layout::resolve(header, hr)?;

    let mut lines = LineCounter::new(&text);
    let mut rows = Vec::new();
    let mut last: Option<(u64, usize, bool)> = None;
    while reader.read_record(&mut rec).map_err(csv_error)? {
        let line = lines.line_of(rec.position().map_or(0, csv::Position::byte) as usize);
        let blank = rec.iter().all(|f| f.trim().is_empty());
        last = Some((line, rec.len(), blank));
        if blank {
            continue;
        }
        structure::check_record(&rec, line, layout.header(), delimiter)?;
        rows.push(row::read_row(&rec, line, &layout));
    }
    if rows.is_empty() {
        return Err(HrError::Empty { header_only: true });
    }
    if let Some((line, fields, false)) = last {
        structure::check_cut_short(&text, line, fields, layout.width())?;
    }
    Ok(row::finish(rows, layout.id_column(), layout.email_origin()))
}

/// Turns the byte offset of a record into the 1-based line it starts on.
///
/// The `csv` crate's own `Position::line` is one short after CRLF line endings (it counts
/// the `\n` of the previous terminator after recording the next record's start), and its
/// byte offset may point at that `\r` or `\n`; so the offset is moved past line breaks
/// (a record never starts with one) and the line breaks before it are counted (`\r\n`,
/// `\n`, and a lone `\r`, at which the `csv` crate also ends a record: otherwise two
/// records would share a line). Offsets arrive in increasing order, so counting resumes
/// where it stopped.
struct LineCounter<'a> {
    text: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            pos: 0,
            line: 1,
        }
    }

    fn line_of(&mut self, byte: usize) -> u64 {
        let mut start = byte.min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        if start < self.pos {
            self.pos = 0;
            self.line = 1;
        }
        self.line += structure::line_breaks(&self.text[self.pos..start]) as u64;
        self.pos = start;
        self.line
    }
}

/// Refuses a roster whose share of rows with problems is above `max_percent` (strictly
/// greater; `invalid_rows * 100 / rows_read`).
///
/// # Errors
/// [`HrError::TooManyInvalid`] with the counts and the limit.
pub fn check_invalid_rows(roster: &Roster, max_percent: f64) -> Result<(), HrError> {
    if roster.rows_read == 0 {
        return Ok(());
    }
    let invalid = roster.invalid_rows();
    let percent = invalid as f64 * 100.0 / roster.rows_read as f64;
    if percent > max_percent {
        return Err(HrError::TooManyInvalid {
            invalid,
            rows: roster.rows_read,
            percent,
            limit: max_percent,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::LineCounter;

    fn starts(text: &str) -> Vec<u64> {
        let mut lines = LineCounter::new(text);
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .into_records()
            .map(|r| lines.line_of(r.unwrap().position().unwrap().byte() as usize))
            .collect()
    }

    #[test]
    fn record_lines_are_right_for_lf_crlf_blank_lines_and_multiline_fields() {
        assert_eq!(starts("h,i\na,b\nc,d\n"), [1, 2, 3]);
        assert_eq!(starts("h,i\r\na,b\r\nc,d\r\n"), [1, 2, 3]);
        assert_eq!(starts("h,i\r\n\"a\r\nx\",b\r\n\r\nc,d\r\n"), [1, 2, 5]);
        assert_eq!(starts("h,i\n\n\na,b"), [1, 4]);
        // Classic Mac OS line endings, alone or in the middle of a row.
        assert_eq!(starts("h,i\ra,b\rc,d\r"), [1, 2, 3]);
        assert_eq!(starts("h,i\na,b\rc,d\r\ne,f\n"), [1, 2, 3, 4]);
        assert_eq!(starts("h,i\r\"a\rx\",b\rc,d"), [1, 2, 4]);
    }

    /// Bytes this process has read so far (`rchar` of `/proc/self/io`, Linux).
    #[cfg(target_os = "linux")]
    fn bytes_read() -> u64 {
        let io = std::fs::read_to_string("/proc/self/io").unwrap();
        io.lines()
            .find_map(|l| l.strip_prefix("rchar: "))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_export_over_the_limit_is_refused_by_its_size_before_it_is_read() {
        use super::{HrError, read_export};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.csv");
        // Sparse: 300 MB on paper, nothing on disk.
        std::fs::File::create(&path)
            .unwrap()
            .set_len(300_000_000)
            .unwrap();
        let before = bytes_read();
        let err = read_export(&path).unwrap_err();
        let read = bytes_read() - before;
        assert!(matches!(err, HrError::TooLarge { .. }), "{err}");
        // Other tests of this process read too, but nowhere near the 256 MiB a read of
        // this file would take.
        assert!(read < 32 * 1024 * 1024, "{read} bytes read");
    }
}
