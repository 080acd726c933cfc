//! Input integrity: every file-level refusal of the HR reader, on the small synthetic files in
//! `fixtures/hr/` and on damaged copies of the real exports made at test time in a temporary
//! directory (skipped with a notice when `../shared` is absent).

use crate::support::{
    hr_fixture, line_start, root, shared_hr_bytes, stray_quote_before, stray_quote_in_fifth_field,
};
use hr2pagerduty::config::Config;
use hr2pagerduty::hr::{self, HrError, Lifecycle, ProblemKind, Roster};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    root().join("fixtures/hr").join(name)
}

/// The configuration for the fixtures' ten columns; `hr_extra` goes into `[hr]`, `tail`
/// at the end (e.g. a `[safety]` table).
fn config(hr_extra: &str, tail: &str) -> Config {
    let text = format!(
        r#"
[pagerduty]
from = "bot@example.com"

[hr]
date_format = "%Y-%m-%d"
{hr_extra}

[hr.columns]
employee_id = "EmployeeID"
email = "Email"
first_name = "FirstName"
last_name = "LastName"
status = "Status"
department = "Department"
job_title = "Title"
time_zone = "TimeZone"
hire_date = "HireDate"

[hr.status]
active = ["Active"]
terminated = ["Terminated"]

[hr.attributes]
notes = "Notes"

[lifecycle]
suspended_role = "read_only_limited_user"
default_time_zone = "Etc/UTC"

[roles]
default = "limited_user"
{tail}
"#
    );
    Config::from_toml(&text, Path::new("fixture.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn default_config() -> Config {
    config("", "")
}

fn read(name: &str, cfg: &Config) -> Result<Roster, HrError> {
    hr::read_file(&fixture(name), cfg)
}

fn refused(name: &str, cfg: &Config) -> HrError {
    match read(name, cfg) {
        Ok(r) => panic!("{name} was accepted: {} employees", r.employees.len()),
        Err(e) => e,
    }
}

fn ids(r: &Roster) -> Vec<&str> {
    r.employees.iter().map(|e| e.employee_id.as_str()).collect()
}

#[test]
fn the_valid_fixture_is_accepted_with_trimmed_headers() {
    // Its header has " Email" and "  Title ": headers are matched after trimming.
    let r = read("valid.csv", &default_config()).unwrap();
    assert_eq!(ids(&r), ["1001", "1002", "1003", "1004"]);
    assert!(r.problems.is_empty());
    assert_eq!(
        r.employees[1].job_title.as_deref(),
        Some("Rear Admiral, Retired")
    );
}

#[test]
fn an_empty_file_is_refused() {
    let err = refused("empty.csv", &default_config());
    assert!(
        matches!(err, HrError::Empty { header_only: false }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "HR export has no data rows (the file is empty)"
    );
    // Only a byte order mark and blank lines is still empty.
    let err = hr::read_bytes(b"\xEF\xBB\xBF\r\n  \r\n", &default_config()).unwrap_err();
    assert!(
        matches!(err, HrError::Empty { header_only: false }),
        "{err:?}"
    );
}

#[test]
fn a_header_without_rows_is_refused() {
    let err = refused("header_only.csv", &default_config());
    assert!(
        matches!(err, HrError::Empty { header_only: true }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "HR export has no data rows (only a header)"
    );
    // Rows whose cells are all empty do not count as data.
    let mut bytes = hr_fixture("header_only.csv");
    bytes.extend_from_slice(b",,,,,,,,,\n , ,,,,,,,,\n");
    let err = hr::read_bytes(&bytes, &default_config()).unwrap_err();
    assert!(
        matches!(err, HrError::Empty { header_only: true }),
        "{err:?}"
    );
}

#[test]
fn a_missing_mapped_column_is_refused_naming_the_columns_found() {
    let err = refused("missing_column.csv", &default_config());
    let HrError::MissingColumn {
        field,
        header,
        found,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(field, "hr.columns.email");
    assert_eq!(header, "Email");
    assert!(
        found.starts_with("\"EmployeeID\", \"E-mail\", \"FirstName\""),
        "{found}"
    );
    assert!(
        err.to_string()
            .starts_with("HR export has no column \"Email\" (set by hr.columns.email); the header has: \"EmployeeID\", \"E-mail\""),
        "{err}"
    );
}

#[test]
fn a_missing_attribute_column_is_refused() {
    let cfg = config("", "");
    let mut cfg2 = cfg.clone();
    cfg2.hr.attributes.insert("region".into(), "Region".into());
    let err = read("valid.csv", &cfg2).unwrap_err();
    assert!(
        matches!(&err, HrError::MissingColumn { field, header, .. } if field == "hr.attributes.region" && header == "Region"),
        "{err:?}"
    );
}

#[test]
fn a_mapped_column_present_twice_is_refused() {
    let err = refused("duplicate_column.csv", &default_config());
    assert!(
        matches!(&err, HrError::DuplicateColumn { field, header, count: 2, .. } if field == "hr.columns.email" && header == "Email"),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with(
            "HR export has column \"Email\" (set by hr.columns.email) 2 times; the header has: "
        ),
        "{err}"
    );
}

#[test]
fn a_semicolon_file_read_as_comma_names_the_delimiter_setting() {
    let err = refused("semicolon.csv", &default_config());
    assert!(
        matches!(&err, HrError::Delimiter { guess, .. } if guess == ";"),
        "{err:?}"
    );
    assert!(
        err.to_string().ends_with("set [hr] delimiter = \";\""),
        "{err}"
    );
    let r = read("semicolon.csv", &config("delimiter = \";\"", "")).unwrap();
    assert_eq!(ids(&r), ["1001"]);
    assert_eq!(r.employees[0].time_zone.as_deref(), Some("Europe/London"));
}

#[test]
fn a_tab_file_read_as_comma_names_the_tab_setting() {
    let err = refused("tab.csv", &default_config());
    assert!(
        matches!(&err, HrError::Delimiter { guess, .. } if guess == "tab"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("set [hr] delimiter = \"tab\""),
        "{err}"
    );
    let r = read("tab.csv", &config("delimiter = \"tab\"", "")).unwrap();
    assert_eq!(ids(&r), ["1001"]);
    // And a comma file read with delimiter ";" is refused the other way round.
    let err = read("valid.csv", &config("delimiter = \";\"", "")).unwrap_err();
    assert!(
        matches!(&err, HrError::Delimiter { guess, .. } if guess == ","),
        "{err:?}"
    );
}

#[test]
fn windows_1252_bytes_are_refused_as_utf8_and_read_as_windows_1252() {
    let bytes = hr_fixture("windows1252.csv");
    let first_bad = bytes.iter().position(|b| !b.is_ascii()).unwrap();
    let err = refused("windows1252.csv", &default_config());
    match err {
        HrError::Encoding { line, offset } => {
            assert_eq!(line, 2);
            assert_eq!(offset, first_bad);
        }
        ref other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().starts_with(&format!(
            "HR export is not valid UTF-8 at line 2 (byte {first_bad}); "
        )) && err
            .to_string()
            .contains("set [hr] encoding = \"windows-1252\""),
        "{err}"
    );

    let r = read(
        "windows1252.csv",
        &config("encoding = \"windows-1252\"", ""),
    )
    .unwrap();
    let names: Vec<&str> = r.employees.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["José García", "Anna Müller", "Zoë O’Brien"]);
    assert_eq!(r.employees[2].field("notes"), Some("Budget €5k"));
}

#[test]
fn utf8_read_as_windows_1252_is_refused_instead_of_garbled() {
    let cfg = config("encoding = \"windows-1252\"", "");
    let err = refused("utf8_names.csv", &cfg);
    assert!(matches!(err, HrError::Format { line: 2, .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("\"János\""), "{msg}");
    assert!(msg.ends_with("set [hr] encoding = \"utf-8\""), "{msg}");
    // A UTF-8 byte order mark is as clear a sign.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(hr_fixture("valid.csv"));
    let err = hr::read_bytes(&bom, &cfg).unwrap_err();
    assert!(matches!(err, HrError::Format { line: 1, .. }), "{err:?}");
    // Read as UTF-8 it is fine.
    let r = read("utf8_names.csv", &default_config()).unwrap();
    assert_eq!(r.employees[0].name, "János Kovács");
}

#[test]
fn a_quote_never_closed_is_refused_at_its_line() {
    let err = refused("unclosed_quote.csv", &default_config());
    assert!(matches!(err, HrError::Structure { line: 4, .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "HR export is damaged from line 4: a quote opened here is never closed, so the rest of the file would be read as one field"
    );
}

#[test]
fn a_field_swallowing_rows_is_refused_even_when_the_width_matches() {
    let err = refused("swallowed_lines.csv", &default_config());
    assert!(matches!(err, HrError::Structure { line: 3, .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("HR export is damaged from line 3: a quoted field in column Title holds a line break followed by text shaped like a row (\"1003,alan@example.com,"),
        "{msg}"
    );
}

#[test]
fn rows_merged_into_a_wider_record_are_refused() {
    let err = refused("merged_rows.csv", &default_config());
    assert!(matches!(err, HrError::Structure { line: 3, .. }), "{err:?}");
    assert!(
        err.to_string().contains(
            "a quoted field in column Title runs over 3 lines and its record has 14 fields, not 10"
        ),
        "{err}"
    );
}

#[test]
fn a_legitimate_multiline_field_parses_with_lf_and_crlf() {
    let lf = hr_fixture("multiline_ok.csv");
    let crlf = String::from_utf8(lf.clone())
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes();
    for bytes in [lf, crlf] {
        let r = hr::read_bytes(&bytes, &default_config()).unwrap();
        let lines: Vec<u64> = r.employees.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 4, 5, 8]);
        assert_eq!(r.rows_read, 4);
        let notes = r.employees[0].field("notes").unwrap();
        assert!(
            notes.starts_with("Desk 4, Floor 2")
                && notes.ends_with("Badge 7781")
                && notes.contains('\n'),
            "{notes:?}"
        );
        assert_eq!(r.employees[2].status, Lifecycle::Terminated);
        assert!(r.problems.is_empty());
    }
}

#[test]
fn classic_mac_line_endings_give_every_row_its_own_line() {
    // A lone `\r` ends a line (Excel's "CSV (Macintosh)"), in rows and inside quoted fields.
    let cr = String::from_utf8(hr_fixture("multiline_ok.csv"))
        .unwrap()
        .replace('\n', "\r")
        .into_bytes();
    let r = hr::read_bytes(&cr, &default_config()).unwrap();
    let lines: Vec<u64> = r.employees.iter().map(|e| e.line).collect();
    assert_eq!(lines, [2, 4, 5, 8]);
    assert_eq!(r.rows_read, 4);
    assert!(r.problems.is_empty());
}

/// Found by the `hr_csv` fuzz target: a `\r` in the middle of an unquoted cell ends the
/// record there (as the `csv` crate reads it), but the lines were counted by `\n` alone, so
/// both halves were reported on line 2 and counted as one invalid row: the invalid-rows limit
/// saw fewer problems than rows.
#[test]
fn a_carriage_return_inside_a_row_makes_two_rows_on_two_lines() {
    let text = String::from_utf8(hr_fixture("valid.csv"))
        .unwrap()
        .replacen(",2020-01-15,", ",2020\r01-15,", 1);
    let cfg = default_config();
    let r = hr::parse_bytes(text.as_bytes(), &cfg.hr).unwrap();
    assert_eq!(ids(&r), ["1002", "1003", "1004"]);
    let lines: Vec<u64> = r.employees.iter().map(|e| e.line).collect();
    assert_eq!(lines, [4, 5, 6]);
    let problems: Vec<(u64, ProblemKind)> = r.problems.iter().map(|p| (p.line, p.kind)).collect();
    assert_eq!(
        problems,
        [(2, ProblemKind::FieldCount), (3, ProblemKind::FieldCount)]
    );
    assert_eq!(r.rows_read, 5);
    assert_eq!(r.invalid_rows(), 2);
    let err = hr::read_bytes(text.as_bytes(), &cfg).unwrap_err();
    assert!(
        matches!(
            err,
            HrError::TooManyInvalid {
                invalid: 2,
                rows: 5,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_file_cut_short_mid_row_is_refused() {
    let err = refused("cut_short.csv", &default_config());
    assert!(matches!(err, HrError::Structure { line: 5, .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("the file ends inside this row (3 of 10 fields and no final line break): the export looks cut short"),
        "{err}"
    );
    // With a final line break the short row is an ordinary row problem, and its identity
    // is protected.
    let mut bytes = hr_fixture("cut_short.csv");
    bytes.push(b'\n');
    let r = hr::parse_bytes(&bytes, &default_config().hr).unwrap();
    assert_eq!(ids(&r), ["1001", "1002", "1003"]);
    assert_eq!(r.problems.len(), 1);
    assert_eq!(r.problems[0].kind, ProblemKind::FieldCount);
    assert_eq!(
        r.problems[0].to_string(),
        "line 5: the row has 3 fields; the header has 10"
    );
    assert!(r.protected_ids.contains("1004"));
    assert_eq!(
        r.protected_emails.iter().next().map(|e| e.as_str()),
        Some("katherine@example.com")
    );
}

#[test]
fn too_many_invalid_rows_refuse_the_run_unless_the_limit_is_raised() {
    let err = refused("too_many_invalid.csv", &default_config());
    assert!(
        matches!(
            err,
            HrError::TooManyInvalid {
                invalid: 1,
                rows: 10,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "1 of 10 rows (10.0%) failed validation, above [safety] max_invalid_rows_percent = 5; fix the export, or raise the limit for a small export"
    );
    let raised = config("", "[safety]\nmax_invalid_rows_percent = 10.0");
    let r = read("too_many_invalid.csv", &raised).unwrap();
    assert_eq!(r.employees.len(), 9);
    assert_eq!(
        r.problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["line 8: email \"user six@example.com\" in column Email contains a space"]
    );
    assert!(r.protected_ids.contains("4006"));
    // parse_bytes returns the roster without the limit, so a caller can list the problems.
    let r = hr::parse_bytes(&hr_fixture("too_many_invalid.csv"), &default_config().hr).unwrap();
    assert_eq!(r.invalid_rows(), 1);
    assert!(hr::check_invalid_rows(&r, 5.0).is_err());
    assert!(hr::check_invalid_rows(&r, 10.0).is_ok());
}

// ---- Damaged copies of the real exports -------------------------------------------------

fn sample(name: &str) -> Config {
    let p = root().join("samples/real").join(name);
    Config::load(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Writes `bytes` into a fresh temporary directory and reads it with `cfg`.
fn read_variant(bytes: &[u8], cfg: &Config) -> Result<Roster, HrError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.csv");
    std::fs::write(&path, bytes).unwrap();
    hr::read_file(&path, cfg)
}

fn line_of(bytes: &[u8], offset: usize) -> u64 {
    bytes[..offset].iter().filter(|b| **b == b'\n').count() as u64 + 1
}

#[test]
fn real_exports_cut_short_mid_row_are_refused() {
    let Some(kaggle) = shared_hr_bytes("kaggle_employee_data_all_in_one.csv") else {
        return;
    };
    // Cut 30 bytes into line 1500: mid-row, no final line break.
    let cut = line_start(&kaggle, 1500) + 30;
    let err = read_variant(&kaggle[..cut], &sample("kaggle.toml")).unwrap_err();
    assert!(
        matches!(err, HrError::Structure { line: 1500, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("the export looks cut short"),
        "{err}"
    );

    // The midPoint export quotes every field, so a cut mid-field leaves a quote open.
    let Some(midpoint) = shared_hr_bytes("midpoint_hris_demo_export-initial.csv") else {
        return;
    };
    let cut = line_start(&midpoint, 30) + 12;
    assert_eq!(
        midpoint[cut - 1..cut + 1]
            .iter()
            .filter(|b| **b == b'"')
            .count(),
        0
    );
    let err = read_variant(&midpoint[..cut], &sample("midpoint.toml")).unwrap_err();
    assert!(
        matches!(err, HrError::Structure { line: 30, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("never closed"), "{err}");
}

#[test]
fn real_export_with_a_mapped_column_renamed_is_refused() {
    let Some(kaggle) = shared_hr_bytes("kaggle_employee_data_all_in_one.csv") else {
        return;
    };
    let text = String::from_utf8(kaggle)
        .unwrap()
        .replacen("ADEmail", "AD Email", 1);
    let err = read_variant(text.as_bytes(), &sample("kaggle.toml")).unwrap_err();
    assert!(
        matches!(&err, HrError::MissingColumn { field, header, .. } if field == "hr.columns.email" && header == "ADEmail"),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("\"AD Email\""), "{msg}");
    assert!(msg.contains("\"Performance Score\""), "{msg}");
}

#[test]
fn real_export_re_delimited_with_semicolons_is_refused_then_read() {
    let Some(bytes) = shared_hr_bytes("HRDataset_v14.csv") else {
        return;
    };
    let original = read_variant(&bytes, &sample("hrdataset.toml")).unwrap();
    // Rewrite with the csv crate so "Last, First" stays one field, keeping BOM and CRLF.
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&bytes[3..]);
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        for rec in reader.records() {
            writer.write_record(&rec.unwrap()).unwrap();
        }
        writer.flush().unwrap();
    }
    let err = read_variant(&out, &sample("hrdataset.toml")).unwrap_err();
    assert!(
        matches!(&err, HrError::Delimiter { guess, header } if guess == ";" && header.starts_with("Employee_Name;EmpID;")),
        "{err:?}"
    );
    assert!(
        err.to_string().ends_with("set [hr] delimiter = \";\""),
        "{err}"
    );

    let mut cfg = sample("hrdataset.toml");
    cfg.hr.delimiter = b';';
    let r = read_variant(&out, &cfg).unwrap();
    assert_eq!(r, original);
}

#[test]
fn real_export_re_encoded_as_windows_1252_is_refused_as_utf8_and_read_as_windows_1252() {
    let Some(bytes) = shared_hr_bytes("workivate_onboarding_full_import.csv") else {
        return;
    };
    let original = read_variant(&bytes, &sample("workivate.toml")).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let (cp1252, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    let first_bad = cp1252.iter().position(|b| !b.is_ascii()).unwrap();
    assert_eq!(line_of(&cp1252, first_bad), 4, "János is on line 4");

    let err = read_variant(&cp1252, &sample("workivate.toml")).unwrap_err();
    assert!(
        matches!(err, HrError::Encoding { line: 4, offset } if offset == first_bad),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("set [hr] encoding = \"windows-1252\""),
        "{err}"
    );

    let mut cfg = sample("workivate.toml");
    cfg.hr.encoding = hr2pagerduty::config::Encoding::Windows1252;
    let r = read_variant(&cp1252, &cfg).unwrap();
    assert_eq!(r, original);
}

#[test]
fn real_exports_with_a_stray_quote_are_refused() {
    // Kaggle has no quotes at all: a stray one at the start of a field runs to the end.
    let Some(kaggle) = shared_hr_bytes("kaggle_employee_data_all_in_one.csv") else {
        return;
    };
    let damaged = stray_quote_in_fifth_field(&kaggle, 1000);
    let err = read_variant(&damaged, &sample("kaggle.toml")).unwrap_err();
    assert!(
        matches!(err, HrError::Structure { line: 1000, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("never closed"), "{err}");

    // HRDataset quotes every name: a stray quote before Position on line 10 is closed by
    // the name quote on line 11, and the two rows merge into one record of the wrong width.
    let Some(hrd) = shared_hr_bytes("HRDataset_v14.csv") else {
        return;
    };
    let damaged = stray_quote_before(&hrd, 10, "Production Technician");
    let err = read_variant(&damaged, &sample("hrdataset.toml")).unwrap_err();
    assert!(
        matches!(err, HrError::Structure { line: 10, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("column Position runs over 2 lines"), "{msg}");
    assert!(msg.contains("fields, not 36"), "{msg}");
}
