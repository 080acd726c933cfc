//! The apply lock: one `apply` at a time per PagerDuty account.
//!
//! The lock is a file named after a fingerprint of the account ([`account_of`]): the web
//! host every user's `html_url` carries (`acme.pagerduty.com`), read before the lock is
//! taken, or a normalised API URL when the account has no user to show it. So it belongs to
//! the account, not to a URL as written, a key or a configuration: by default it lives in
//! one machine-wide place per OS user ([`default_lock_dir`]: `$STATE_DIRECTORY` under systemd, else
//! `$XDG_STATE_HOME/hr2pagerduty`,
//! else `~/.local/state/hr2pagerduty`), so two configurations for one account on one
//! machine exclude each other, and no lock file lands in the configuration's folder;
//! `[safety] lock_dir` replaces that directory (a directory shared by several users or
//! machines). It is held with an OS advisory lock (`File::try_lock`), which the OS releases
//! when the process dies, and it records the holder's PID and start time. So:
//!
//! - a second `apply` finds the lock held and refuses (exit 3), naming the PID and age;
//! - a file left by a process that no longer exists is not locked: it is reported with the
//!   old PID and age, and taken over.

use crate::digest::sha256_hex;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What a lock file records about its holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// Process ID.
    pub pid: u32,
    /// Start of the apply, seconds since the Unix epoch.
    pub started: u64,
}

/// A held apply lock; released (and the file removed) on drop.
#[derive(Debug)]
pub struct ApplyLock {
    file: Option<File>,
    path: PathBuf,
    /// The holder found in the file when it was taken over from a dead process.
    pub taken_over: Option<Holder>,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another live process holds it.
    #[error(
        "another apply holds the lock {path} (PID {pid}, running for {age}); wait for it to finish"
    )]
    Held {
        /// The lock file.
        path: PathBuf,
        /// The holder's PID, or 0 when unreadable.
        pid: u32,
        /// How long it has run, e.g. `3m 12s`.
        age: String,
    },
    /// The lock file could not be created or locked.
    #[error(
        "cannot use the lock file {path}: {source}; set [safety] lock_dir to a writable directory"
    )]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// `"1h 2m 3s"`-style duration text.
pub fn age_text(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s}s"),
        (h, m, s) => format!("{h}h {m}m {s}s"),
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The machine-wide directory of lock files for this OS user, used when `[safety]
/// lock_dir` is not set: `$STATE_DIRECTORY` when set (systemd sets it for a unit with
/// `StateDirectory=`, e.g. `/var/lib/hr2pagerduty`, where a service with `ProtectHome=yes`
/// can write; the first entry when it lists several), else the state directory
/// (`$XDG_STATE_HOME`, else `$HOME/.local/state`, on Linux), else the runtime directory
/// (`$XDG_RUNTIME_DIR`), else the local data directory (macOS, Windows), these with
/// `hr2pagerduty` below them; `None` when none is known (no home directory).
pub fn default_lock_dir() -> Option<PathBuf> {
    systemd_state_directory(std::env::var_os("STATE_DIRECTORY").as_deref()).or_else(|| {
        dirs::state_dir()
            .or_else(dirs::runtime_dir)
            .or_else(dirs::data_local_dir)
            .map(|d| d.join("hr2pagerduty"))
    })
}

/// The directory a `STATE_DIRECTORY` value names: its first `:`-separated entry when that
/// is an absolute path (systemd.exec(5): "a colon-separated list of absolute paths", one
/// per `StateDirectory=` entry), else `None` (unset, empty, or not systemd's).
fn systemd_state_directory(value: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let text = value?.to_str()?;
    let first = PathBuf::from(text.split(':').next()?);
    first.is_absolute().then_some(first)
}

/// Creates `dir` (and its parents) for lock files, readable by its owner only when new.
///
/// # Errors
/// [`LockError::Io`] naming the directory.
pub fn create_lock_dir(dir: &Path) -> Result<(), LockError> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|source| LockError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

/// The account an apply works on, as the lock names it: `web HOST` for the lower-cased host
/// of `html_url` (any user's web URL, e.g. `https://acme.pagerduty.com/users/PXXXXXX`,
/// `OpenAPI components.schemas.User.html_url`; every user of one account shares it, whatever
/// key or API URL reached it), else `api URL` for [`normalise_api_url`] of `api_url` (an
/// account with no user to show, or a user without a parsable `html_url`).
pub fn account_of(html_url: Option<&str>, api_url: &str) -> String {
    let web = html_url
        .and_then(|u| reqwest::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    match web {
        Some(host) => format!("web {host}"),
        None => format!("api {}", normalise_api_url(api_url)),
    }
}

/// `api_url` as one account's address: scheme, lower-cased host (`localhost`, `127.0.0.1`
/// and `::1` made one: `localhost`), port (the scheme's default when none is written) and
/// path without a trailing slash. Text that is not a URL is kept, without trailing slashes.
pub fn normalise_api_url(api_url: &str) -> String {
    let Ok(url) = reqwest::Url::parse(api_url.trim()) else {
        return api_url.trim().trim_end_matches('/').to_string();
    };
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let host = if loopback {
        "localhost".to_string()
    } else {
        host
    };
    let port = url
        .port_or_known_default()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    format!(
        "{}://{host}{port}{}",
        url.scheme(),
        url.path().trim_end_matches('/')
    )
}

/// The lock file's path in `dir` for `account` ([`account_of`]): a SHA-256 fingerprint of
/// it, so the name holds neither a key (none goes into it) nor a host.
pub fn lock_path(dir: &Path, account: &str) -> PathBuf {
    let digest = sha256_hex(account.as_bytes());
    dir.join(format!("hr2pagerduty-{}.lock", &digest[..16]))
}

fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(text.trim()).ok()
}

/// True when `path` names the open `file` (same device and inode); always true off Unix.
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

impl ApplyLock {
    /// Takes the lock at `path`.
    ///
    /// # Errors
    /// [`LockError::Held`] when a live process holds it; [`LockError::Io`] when the file
    /// cannot be opened or written.
    pub fn acquire(path: &Path) -> Result<ApplyLock, LockError> {
        let io = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        // A holder removes the file before unlocking it; a process that opened the file just
        // before the removal would lock an unlinked file. So after locking, check that the
        // path still names the locked file, and start again if it does not.
        let mut attempts = 0;
        let mut file = loop {
            attempts += 1;
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(io)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let holder = read_holder(&mut file);
                    return Err(LockError::Held {
                        path: path.to_path_buf(),
                        pid: holder.as_ref().map_or(0, |h| h.pid),
                        age: holder
                            .map(|h| age_text(Duration::from_secs(now().saturating_sub(h.started))))
                            .unwrap_or_else(|| "an unknown time".into()),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
            if same_file(&file, path) {
                break file;
            }
            if attempts >= 10 {
                return Err(io(std::io::Error::other(
                    "the lock file keeps being replaced while it is taken",
                )));
            }
        };
        let taken_over = read_holder(&mut file);
        let me = Holder {
            pid: std::process::id(),
            started: now(),
        };
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        let body = serde_json::to_string(&me).unwrap_or_default();
        file.write_all(body.as_bytes()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(ApplyLock {
            file: Some(file),
            path: path.to_path_buf(),
            taken_over,
        })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ApplyLock {
    fn drop(&mut self) {
        // Remove while still holding the lock, so no one else can lock the doomed file.
        let _ = std::fs::remove_file(&self.path);
        if let Some(f) = self.file.take() {
            let _ = f.unlock();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systemd_s_state_directory_is_its_first_absolute_entry() {
        use std::ffi::OsStr;
        let dir = |v: &str| systemd_state_directory(Some(OsStr::new(v)));
        assert_eq!(
            dir("/var/lib/hr2pagerduty"),
            Some("/var/lib/hr2pagerduty".into())
        );
        assert_eq!(dir("/var/lib/a:/var/lib/b"), Some("/var/lib/a".into()));
        assert_eq!(dir(""), None);
        assert_eq!(dir("relative/dir"), None);
        assert_eq!(systemd_state_directory(None), None);
    }

    #[test]
    fn second_holder_is_refused_with_pid_and_age_and_drop_releases() {
        let dir = tempfile::tempdir().unwrap();
        let path = lock_path(dir.path(), &account_of(None, "http://127.0.0.1:1"));
        let first = ApplyLock::acquire(&path).unwrap();
        assert!(first.taken_over.is_none());
        let err = ApplyLock::acquire(&path).unwrap_err();
        let LockError::Held { pid, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(*pid, std::process::id());
        assert!(err.to_string().contains("running for 0s"), "{err}");
        drop(first);
        assert!(!path.exists());
        assert!(ApplyLock::acquire(&path).is_ok());
    }

    #[test]
    fn a_file_left_by_a_dead_process_is_taken_over_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = lock_path(dir.path(), "web u.pagerduty.com");
        std::fs::write(&path, r#"{"pid":999999,"started":1000}"#).unwrap();
        let lock = ApplyLock::acquire(&path).unwrap();
        assert_eq!(
            lock.taken_over,
            Some(Holder {
                pid: 999_999,
                started: 1000
            })
        );
    }

    #[test]
    fn the_lock_is_the_accounts_whatever_the_url_as_written() {
        let web = account_of(Some("https://Acme.PagerDuty.com/users/PXXXXXX"), "x");
        assert_eq!(web, "web acme.pagerduty.com");
        // Another API URL (or key) reaching the same account: the same lock.
        assert_eq!(
            account_of(
                Some("https://acme.pagerduty.com/teams/P1"),
                "http://other:1"
            ),
            web
        );
        assert_ne!(
            account_of(Some("https://beta.pagerduty.com/users/P1"), "x"),
            web
        );
        // No user to show the account: the API URL, normalised.
        let one = account_of(None, "http://127.0.0.1:8080/");
        for same in [
            "http://localhost:8080",
            "http://LOCALHOST:8080//",
            "http://[::1]:8080",
        ] {
            assert_eq!(account_of(None, same), one, "{same}");
        }
        assert_eq!(one, "api http://localhost:8080");
        assert_ne!(account_of(None, "http://localhost:8081"), one);
        assert_eq!(
            normalise_api_url("https://API.pagerduty.com/"),
            "https://api.pagerduty.com:443"
        );
        assert_eq!(
            account_of(Some("not a url"), "https://api.pagerduty.com"),
            "api https://api.pagerduty.com:443"
        );
        let name = lock_path(Path::new("/tmp"), &web)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        assert!(!name.contains("acme"), "{name}");
        assert_eq!(age_text(Duration::from_secs(3723)), "1h 2m 3s");
    }
}
