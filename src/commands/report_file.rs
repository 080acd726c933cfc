//! The `--report FILE` of `apply` and `demo` over a run: checked before anything else,
//! replaced at once by a report saying the run is in progress, and at the end by the run's
//! report, or by one saying why it stopped.

use super::Failure;
use crate::cli;
use crate::exit::Exit;
use crate::printer::Printer;
use crate::report::{self, file::ReportFile};
use std::path::Path;

/// How a run that got to its end went: the exit code and the apply report to write.
#[derive(Debug)]
pub(super) struct Ended {
    /// The exit code.
    pub(super) exit: Exit,
    /// The apply report (written as [`report::ApplyReport::json`]).
    pub(super) report: report::ApplyReport,
}

/// The `--report FILE` of `apply` or `demo`, in its `--report-format`.
pub(super) fn report_file(path: Option<&Path>, format: cli::ReportFormat) -> Option<ReportFile> {
    let format = match format {
        cli::ReportFormat::Json => report::ReportFormat::Json,
        cli::ReportFormat::Csv => report::ReportFormat::Csv,
        cli::ReportFormat::Markdown => report::ReportFormat::Markdown,
    };
    path.map(|p| ReportFile::new(p).with_format(format))
}

/// Finds out, before the first write and without touching an existing report, whether the
/// report can be written.
///
/// # Errors
/// [`Failure::Usage`] (exit 64) when it cannot.
pub(super) fn check_report(report: Option<&ReportFile>) -> Result<(), Failure> {
    match report {
        Some(r) => r.check().map_err(|e| {
            Failure::Usage(format!("cannot write report {}: {e}", r.path().display()))
        }),
        None => Ok(()),
    }
}

/// Replaces the report atomically with `report`.
///
/// # Errors
/// [`Failure::Failed`] (exit 1) when it cannot be written.
pub(super) fn write_report(
    file: Option<&ReportFile>,
    report: &serde_json::Value,
) -> Result<(), Failure> {
    match file {
        Some(r) => r.write_report(report).map_err(|e| {
            Failure::Failed(format!("cannot write report {}: {e}", r.path().display()))
        }),
        None => Ok(()),
    }
}

/// Writes the report of a run that ended (its own report) or stopped (a report saying
/// why, with the exit code), and passes the result on. A report that cannot be written
/// after a stop is a warning: the stop's own error is the one that matters.
///
/// # Errors
/// The stop's [`Failure`], or [`write_report`]'s.
pub(super) fn finish_report(
    file: Option<&ReportFile>,
    result: Result<Ended, Failure>,
    printer: &Printer,
) -> Result<Exit, Failure> {
    match result {
        Ok(ended) => {
            write_report(file, &ended.report.json())?;
            Ok(ended.exit)
        }
        Err(f) => {
            if let Some(r) = file.filter(|r| !r.unwritable()) {
                let v = report::stopped_json(f.status(), f.exit().code(), Some(&f.to_string()));
                if let Err(e) = r.write_report(&v) {
                    printer.err(&format!(
                        "Warning: cannot write report {}: {e}",
                        r.path().display()
                    ));
                }
            }
            Err(f)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopped_run_replaces_the_report_with_why_and_keeps_its_exit_code() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(&path, "last night's").unwrap();
        let file = ReportFile::new(&path);
        let printer = Printer::to_writers(Box::new(std::io::sink()), Box::new(std::io::sink()), 0);
        let result = finish_report(
            Some(&file),
            Err(Failure::Refused("a check tripped".into())),
            &printer,
        );
        assert_eq!(result.unwrap_err().exit(), Exit::Refused);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["status"], "refused");
        assert_eq!(v["exit_code"], 3);
        assert_eq!(v["error"], "refused before any write: a check tripped");
    }
}
