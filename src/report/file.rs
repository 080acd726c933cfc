//! [`ReportFile`]: the `--report FILE` of `apply` and `demo`, replaced atomically.
//!
//! A report is written to a temporary file in the report's own directory, flushed to disk,
//! then renamed over the report. A rename within one directory replaces the old file in one
//! step (POSIX `rename(2)`), so a reader (or the next night's job) sees either the previous
//! report or the new one, never an empty or half-written file, even when the run is killed
//! with `kill -9`. The temporary file starts with `.` and ends with `.tmp`; it is removed
//! when the write fails. The report is written in the file's [`ReportFormat`]
//! ([`ReportFile::write_report`]).

use super::apply_table::{ReportFormat, render_report};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// The report path given with `--report`.
#[derive(Debug)]
pub struct ReportFile {
    path: PathBuf,
    format: ReportFormat,
    unwritable: AtomicBool,
}

/// Distinguishes the temporary files of one process.
static SEQUENCE: AtomicU32 = AtomicU32::new(0);

impl ReportFile {
    /// A JSON report at `path`; nothing is touched yet.
    pub fn new(path: impl Into<PathBuf>) -> ReportFile {
        ReportFile {
            path: path.into(),
            format: ReportFormat::Json,
            unwritable: AtomicBool::new(false),
        }
    }

    /// The same report, written in `format` (`--report-format`).
    #[must_use]
    pub fn with_format(self, format: ReportFormat) -> ReportFile {
        ReportFile { format, ..self }
    }

    /// Replaces the report with the JSON apply report `report` rendered in the file's
    /// format ([`render_report`]), as [`ReportFile::write`] does.
    ///
    /// # Errors
    /// As [`ReportFile::write`].
    pub fn write_report(&self, report: &serde_json::Value) -> std::io::Result<()> {
        self.write(&render_report(report, self.format))
    }

    /// The path given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True once [`ReportFile::check`] or [`ReportFile::write`] has failed: a later attempt
    /// would fail the same way.
    pub fn unwritable(&self) -> bool {
        self.unwritable.load(Ordering::SeqCst)
    }

    /// Finds out, without touching an existing report, whether a report can be written:
    /// creates and removes a temporary file in the report's directory, and refuses a path
    /// that names a directory.
    ///
    /// # Errors
    /// The I/O error (a missing or read-only directory, a path that is a directory).
    pub fn check(&self) -> std::io::Result<()> {
        let r = self.try_check();
        if r.is_err() {
            self.unwritable.store(true, Ordering::SeqCst);
        }
        r
    }

    fn try_check(&self) -> std::io::Result<()> {
        let target = self.target();
        if target.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "the path is a directory",
            ));
        }
        let (tmp, file) = self.create_temp(&target)?;
        drop(file);
        std::fs::remove_file(&tmp)
    }

    /// Replaces the report with `text`: temporary file, `fsync`, rename. An existing
    /// report's permissions are kept; a symbolic link is written through (its target is
    /// replaced).
    ///
    /// # Errors
    /// The I/O error; the previous report is then unchanged and no temporary file is left.
    pub fn write(&self, text: &str) -> std::io::Result<()> {
        let r = self.try_write(text);
        if r.is_err() {
            self.unwritable.store(true, Ordering::SeqCst);
        }
        r
    }

    fn try_write(&self, text: &str) -> std::io::Result<()> {
        let target = self.target();
        let (tmp, mut file) = self.create_temp(&target)?;
        let written = (|| {
            file.write_all(text.as_bytes())?;
            if let Ok(meta) = std::fs::metadata(&target) {
                file.set_permissions(meta.permissions())?;
            }
            file.sync_all()?;
            drop(file);
            std::fs::rename(&tmp, &target)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written
    }

    /// The file to replace: the path, or the target of the symbolic link it names.
    fn target(&self) -> PathBuf {
        match std::fs::symlink_metadata(&self.path) {
            Ok(m) if m.file_type().is_symlink() => {
                std::fs::canonicalize(&self.path).unwrap_or_else(|_| self.path.clone())
            }
            _ => self.path.clone(),
        }
    }

    /// A new, empty temporary file beside `target` (`create_new`, so an existing file is
    /// never reused).
    fn create_temp(&self, target: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "report".into());
        let tmp = dir.join(format!(
            ".{name}.{}-{}.tmp",
            std::process::id(),
            SEQUENCE.fetch_add(1, Ordering::SeqCst)
        ));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        Ok((tmp, file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn check_leaves_an_existing_report_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(&path, "previous").unwrap();
        let r = ReportFile::new(&path);
        r.check().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "previous");
        assert_eq!(names(dir.path()), ["r.json"]);
        assert!(!r.unwritable());
    }

    #[test]
    fn write_replaces_the_report_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(&path, "previous, and longer than the new text").unwrap();
        let r = ReportFile::new(&path);
        r.write("new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(names(dir.path()), ["r.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn write_keeps_the_permissions_and_writes_through_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, "previous").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        ReportFile::new(&link).write("new").unwrap();
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn a_missing_directory_or_a_directory_path_is_unwritable() {
        let dir = tempfile::tempdir().unwrap();
        let missing = ReportFile::new(dir.path().join("missing").join("r.json"));
        assert!(missing.check().is_err());
        assert!(missing.unwritable());
        let is_dir = ReportFile::new(dir.path());
        assert!(is_dir.check().is_err());
        assert!(
            ReportFile::new(dir.path().join("missing").join("r.json"))
                .write("x")
                .is_err()
        );
        assert!(names(dir.path()).is_empty());
    }
}
