//! Reading and appending the archive file (see the module docs of [`super`]): the
//! [`ArchiveFile`] the commands and the executor hold; the planner only sees the
//! [`Archive`] snapshot [`ArchiveFile::load`] returns.

use super::{Archive, ArchiveRecord, KIND, VERSION};
use crate::ids::UserId;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The archive cannot be read, parsed or written. The commands treat every case as a usage
/// error (exit 64), like a lock directory or a report that cannot be written: the path is
/// valid configuration, the file system refuses it.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The file exists but cannot be read.
    #[error("cannot read the archive {path}: {source}")]
    Read {
        /// The archive.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A complete line (one that ends with a newline) is not a record this build reads.
    #[error(
        "the archive {path} line {line} is not an {KIND} record version {VERSION}: {message}; nothing was written (fix or move the file by hand: it is the only copy of deleted users)"
    )]
    Corrupt {
        /// The archive.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What does not fit.
        message: String,
    },
    /// The file does not exist and neither does the folder it is to be in. hr2pagerduty
    /// does not create the folder: the archive must be on durable storage every machine
    /// that runs the job shares, and a missing folder is most often such a share not
    /// mounted, or a wrong path; an archive written to a local folder instead would be lost
    /// to the next machine.
    #[error("the folder of the archive {path} does not exist; {NO_FOLDER_FIX}")]
    NoFolder {
        /// The archive.
        path: PathBuf,
    },
    /// The file cannot be created, opened for appending, written or synced.
    #[error("cannot write the archive {path}: {source}")]
    Write {
        /// The archive.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// What to do about an archive whose folder does not exist ([`ArchiveError::NoFolder`]).
pub const NO_FOLDER_FIX: &str = "create it (mode 0700: the archive holds phone numbers) on the durable storage every machine that runs the job shares, or correct [lifecycle] archive; hr2pagerduty does not create it, since a missing folder is most often a share that is not mounted";

/// True when the folder archive file `path` is to be in exists (a bare file name: the
/// working folder).
pub fn folder_exists(path: &Path) -> bool {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.is_dir(),
        _ => true,
    }
}

/// Opens `path` for appending, creating it with mode 0600 (it holds phone numbers); says
/// whether it was created.
fn open_append(path: &Path) -> std::io::Result<(File, bool)> {
    match OpenOptions::new().append(true).read(true).open(path) {
        Ok(f) => Ok((f, false)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut o = OpenOptions::new();
            o.append(true).read(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                o.mode(0o600);
            }
            Ok((o.open(path)?, true))
        }
        Err(e) => Err(e),
    }
}

/// Syncs the directory of `path`, so that a file just created in it survives a crash.
fn sync_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// What [`end_last_line`] did to a last line without its newline.
#[derive(Debug, PartialEq, Eq)]
enum LastLine {
    /// The file was empty or ended with a newline: nothing to do.
    Whole,
    /// The line was a complete record ([`ArchiveFile::load`] read it): its newline was added.
    Terminated,
    /// The line was not a record (a write a crash cut short, which [`ArchiveFile::load`]
    /// skipped): it was cut off.
    Cut,
}

/// Makes the file end with a newline before an append, so that the next record starts on a
/// line of its own. A last line without its newline is treated as [`ArchiveFile::load`] treats
/// it: when it parses as a record (a file edited by hand, or copied by a tool that drops the
/// final newline), it is kept and only its newline added, since it is the only copy of a
/// deleted user; when it does not (a write a crash cut short, whose deletion was therefore
/// never sent), it is cut off, so that the fragment never becomes a complete, unreadable line.
fn end_last_line(f: &mut File) -> std::io::Result<LastLine> {
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(LastLine::Whole);
    }
    f.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    f.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(LastLine::Whole);
    }
    f.seek(SeekFrom::Start(0))?;
    let mut all = Vec::new();
    f.read_to_end(&mut all)?;
    let keep = all.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let tail = std::str::from_utf8(&all[keep..]).unwrap_or("");
    if tail.trim().is_empty() || parse_line(tail).is_ok() {
        // The file is opened for appending: the newline lands at the end.
        f.write_all(b"\n")?;
        return Ok(LastLine::Terminated);
    }
    f.set_len(keep as u64)?;
    Ok(LastLine::Cut)
}

/// The archive's file, `[lifecycle] archive`, as the commands and the executor hold it:
/// reading it into a snapshot ([`ArchiveFile::load`]), the writability check and the
/// durable append before each `DELETE`. It remembers the records loaded and appended, so
/// that an append can reuse an identical latest record and a restore find the record it
/// restores from; appends of one process are serialised by its lock. Without a file
/// ([`ArchiveFile::none`], the default) nothing is read and records are only kept in
/// memory.
#[derive(Debug, Default)]
pub struct ArchiveFile {
    /// The file, or `None` when no archive is configured.
    path: Option<PathBuf>,
    /// Every record loaded or appended, in the order written.
    records: Mutex<Vec<ArchiveRecord>>,
}

impl ArchiveFile {
    /// The archive at `path`, not read yet (no I/O).
    pub fn at(path: &Path) -> ArchiveFile {
        ArchiveFile {
            path: Some(path.to_path_buf()),
            records: Mutex::default(),
        }
    }

    /// No archive configured: [`ArchiveFile::load`] gives an empty snapshot, nothing is
    /// ever written.
    pub fn none() -> ArchiveFile {
        ArchiveFile::default()
    }

    /// The file, when one is configured.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ArchiveRecord>> {
        // A panic while holding the lock leaves the list whole (pushes are atomic).
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The latest record, loaded or appended, of the PagerDuty user `id` (a copy): what a
    /// restore re-creates contact methods and notification rules from.
    pub fn by_user(&self, id: &UserId) -> Option<ArchiveRecord> {
        self.lock()
            .iter()
            .rev()
            .find(|r| &r.pagerduty_user_id == id)
            .cloned()
    }

    /// What a rehire of deleted user `id` restores, from the records loaded or appended:
    /// [`Archive::restorable`] (its latest record with the contact methods and rules of the
    /// records it links back to).
    pub fn restorable(&self, id: &UserId) -> Option<ArchiveRecord> {
        Archive::in_memory(self.lock().clone()).restorable(id)
    }

    /// Reads the file into a snapshot, and remembers its records for the appends; a file
    /// that does not exist yet is an empty archive (it is created by the first deletion),
    /// marked [`Archive::missing`], when its folder exists. Blank lines are skipped. A last line without a newline
    /// that is not a record is skipped too ([`Archive::torn_tail`]): a write a crash cut
    /// short, whose deletion was then not sent; the next append removes it. Without a file,
    /// an empty snapshot.
    ///
    /// # Errors
    /// [`ArchiveError::NoFolder`] when neither the file nor its folder exists,
    /// [`ArchiveError::Read`] (a directory, no permission, invalid UTF-8),
    /// [`ArchiveError::Corrupt`] for a complete line that is not a record of [`KIND`]
    /// version [`VERSION`].
    pub fn load(&self) -> Result<Archive, ArchiveError> {
        let Some(path) = self.path.as_deref() else {
            return Ok(Archive::in_memory(self.lock().clone()));
        };
        let read_err = |source| ArchiveError::Read {
            path: path.to_path_buf(),
            source,
        };
        let mut missing = false;
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !folder_exists(path) => {
                return Err(ArchiveError::NoFolder {
                    path: path.to_path_buf(),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                missing = true;
                String::new()
            }
            Err(e) => return Err(read_err(e)),
        };
        let mut records = Vec::new();
        let mut torn_tail = false;
        let complete = text.ends_with('\n');
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let last_unterminated = i + 1 == lines.len() && !complete;
            match parse_line(line) {
                Ok(r) => records.push(r),
                Err(_) if last_unterminated => torn_tail = true,
                Err(message) => {
                    return Err(ArchiveError::Corrupt {
                        path: path.to_path_buf(),
                        line: i + 1,
                        message,
                    });
                }
            }
        }
        self.lock().clone_from(&records);
        Ok(Archive {
            path: Some(path.to_path_buf()),
            records,
            torn_tail,
            missing,
        })
    }

    /// Finds out before the first write whether records can be appended: opens the file for
    /// appending, creating it (mode 0600, empty) when it does not exist. Call it only when
    /// the plan deletes someone.
    ///
    /// # Errors
    /// [`ArchiveError::Write`] (a missing or read-only directory, a path that is a
    /// directory); none without a file ([`ArchiveFile::none`]).
    pub fn check_writable(&self) -> Result<(), ArchiveError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let write_err = |source| ArchiveError::Write {
            path: path.clone(),
            source,
        };
        let (_, created) = open_append(path).map_err(write_err)?;
        if created {
            sync_dir(path).map_err(write_err)?;
        }
        Ok(())
    }

    /// Makes `record` durable in the archive before the deletion it precedes: unless the
    /// latest record of the same user says the same ([`ArchiveRecord::same_content`]), in
    /// which case it is reused and `Ok(false)` returned, appends it as one line (first
    /// ending a last line left without its newline: a record [`ArchiveFile::load`] read gets
    /// its newline, a fragment it skipped, a write a crash cut short whose deletion was
    /// never sent, is cut off), flushes and fsyncs the file,
    /// and the directory when the file was just created. Appends of one process are
    /// serialised. Without a file ([`ArchiveFile::none`]) the record is only kept in memory.
    ///
    /// # Errors
    /// [`ArchiveError::Write`]: then nothing may be deleted.
    pub fn append(&self, record: &ArchiveRecord) -> Result<bool, ArchiveError> {
        let mut records = self.lock();
        if records
            .iter()
            .rev()
            .find(|r| r.pagerduty_user_id == record.pagerduty_user_id)
            .is_some_and(|r| r.same_content(record))
        {
            return Ok(false);
        }
        if let Some(path) = &self.path {
            let write_err = |source| ArchiveError::Write {
                path: path.clone(),
                source,
            };
            let (mut f, created) = open_append(path).map_err(write_err)?;
            match end_last_line(&mut f).map_err(write_err)? {
                LastLine::Whole => {}
                LastLine::Terminated => {
                    tracing::info!(path = %path.display(), "added the missing newline after the archive's last record");
                }
                LastLine::Cut => {
                    tracing::warn!(path = %path.display(), "cut off an incomplete last line of the archive");
                }
            }
            // Serialising the crate's own record type cannot fail.
            let mut line = serde_json::to_string(record).expect("records serialise");
            line.push('\n');
            f.write_all(line.as_bytes()).map_err(write_err)?;
            f.flush().map_err(write_err)?;
            f.sync_all().map_err(write_err)?;
            if created {
                sync_dir(path).map_err(write_err)?;
            }
        }
        records.push(record.clone());
        Ok(true)
    }
}

/// One line as a record of this layout, or what does not fit.
fn parse_line(line: &str) -> Result<ArchiveRecord, String> {
    let r: ArchiveRecord = serde_json::from_str(line).map_err(|e| e.to_string())?;
    if r.kind != KIND || r.version != VERSION {
        return Err(format!("kind {:?} version {}", r.kind, r.version));
    }
    Ok(r)
}
