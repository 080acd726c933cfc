//! The checks that need no request: the deletion archive on disk, the marker key, and the
//! configuration's vocabulary against PagerDuty's.

use super::{Check, MarkerKeySources, Status, configured_roles};
use crate::config::{Config, ConfigProblem, ENV_MARKER_KEY};
use crate::marker::MarkerKeys;
use crate::marker::sign::MIN_KEY_BYTES;
use crate::vocab::{Role, time_zones};

/// What the file system shows of the configured `[lifecycle] archive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchivePresence {
    /// The file exists.
    Exists,
    /// The file does not exist, its folder does (the first deletion creates the file).
    Missing,
    /// The folder the file is to be in does not exist: `plan` and `apply` stop (exit 64),
    /// since hr2pagerduty never creates it ([`crate::archive::ArchiveError::NoFolder`]).
    NoFolder,
}

/// With `[lifecycle] archive` configured: passed when the file exists, a note when it does
/// not (expected before the first deletion; otherwise a lost archive, and the plan then
/// creates no row with a past termination date), failed when its folder does not exist.
/// `None` without an archive.
pub(super) fn archive_check(cfg: &Config, presence: Option<ArchivePresence>) -> Option<Check> {
    let path = cfg.lifecycle.archive.as_ref()?;
    let (name, title) = ("archive", "Deletion archive");
    Some(if presence == Some(ArchivePresence::Exists) {
        Check::new(
            name,
            title,
            Status::Pass,
            format!("{} exists", path.display()),
        )
    } else if presence == Some(ArchivePresence::NoFolder) {
        Check::new(
            name,
            title,
            Status::Fail,
            format!(
                "the folder of {} does not exist: plan and apply stop (exit 64)",
                path.display()
            ),
        )
        .fix(crate::archive::NO_FOLDER_FIX)
    } else {
        Check::new(
            name,
            title,
            Status::Note,
            format!("{} does not exist: plans read it as empty and create no row with a past termination date (a deleted leaver cannot be told from a new hire)", path.display()),
        )
        .fix("before the first deletion this is expected (the first deletion creates it); otherwise restore the file from the shared durable storage, or correct [lifecycle] archive")
    })
}

/// Whether ownership markers are signed: passed with a usable marker key (naming where it
/// was read from, `sources`), a note without one (markers stay unsigned), failed for a key
/// that is refused (every `plan` and `apply` would stop with exit 64).
pub(super) fn marker_check(
    keys: Result<Option<MarkerKeys>, String>,
    sources: &MarkerKeySources,
) -> Check {
    let (name, title) = ("marker_key", "Marker signing");
    match keys {
        Ok(Some(keys)) => Check::new(
            name,
            title,
            Status::Pass,
            format!(
                "the marker key is read from {}: every marker hr2pagerduty writes is signed, and a marker whose signature fails is not trusted{}",
                sources.current,
                if keys.has_previous() {
                    format!("; markers signed with the previous key (read from {}) still verify and are signed again", sources.previous)
                } else {
                    String::new()
                }
            ),
        ),
        Ok(None) => Check::new(
            name,
            title,
            Status::Note,
            format!("{ENV_MARKER_KEY} is not set and --marker-key-file was not given: ownership markers are not signed, so a user who edits their own profile can forge one"),
        )
        .fix(format!("put a secret of at least {MIN_KEY_BYTES} bytes (openssl rand -hex 32) in a file only the job's user can read and pass --marker-key-file FILE (or set {ENV_MARKER_KEY}) for plan and apply (README.md § Marker integrity)")),
        Err(e) => {
            // The fix names the source the refusal is about: the previous key given alone,
            // the previous key refused, or the current key.
            let fix = if !e.starts_with(&sources.previous) {
                format!("give a secret of at least {MIN_KEY_BYTES} bytes (openssl rand -hex 32) in a file only its owner can read (--marker-key-file) or in {ENV_MARKER_KEY}, or neither")
            } else if e.contains(&format!("but {} is not", sources.current)) {
                format!("during a rotation give the new key as well ({} or --marker-key-file FILE); otherwise remove {} (unset it, or drop --marker-key-previous-file)", sources.current, sources.previous)
            } else {
                format!("give the old key (at least {MIN_KEY_BYTES} bytes) in {}, or remove it once no marker is signed with it", sources.previous)
            };
            Check::new(name, title, Status::Fail, e).fix(fix)
        }
    }
}

/// The time zone is one of PagerDuty's and every role is in its enums (`Role::ALL`,
/// `TeamRole::ALL`; `../shared/reference/pagerduty-time-zones.txt`). `problems` are the
/// configuration's own findings of these ([`Config::load_keeping_vocabulary`]), each shown
/// with its key and line; the checks here repeat them for a configuration built otherwise.
pub(super) fn vocabulary_check(cfg: &Config, problems: &[ConfigProblem]) -> Check {
    const NAME: &str = "vocabulary";
    const TITLE: &str = "Vocabulary";
    let mut found: Vec<String> = problems.iter().map(ToString::to_string).collect();
    if found.is_empty() {
        let tz = &cfg.lifecycle.default_time_zone;
        if !time_zones::is_valid_time_zone(tz) {
            found.push(format!(
                "[lifecycle] default_time_zone {tz:?} is not one of PagerDuty's time zones"
            ));
        }
        for r in configured_roles(cfg).iter().filter(|r| !r.is_known()) {
            found.push(format!("base role {r:?} is not one of PagerDuty's"));
        }
        for t in cfg.teams.rules.iter().filter(|t| !t.role.is_known()) {
            found.push(format!(
                "team role {:?} is not one of PagerDuty's",
                t.role.as_str()
            ));
        }
    }
    if found.is_empty() {
        let roles = configured_roles(cfg);
        let names = roles
            .iter()
            .map(Role::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        Check::new(
            NAME,
            TITLE,
            Status::Pass,
            format!(
                "time zone {} and base roles {names} are PagerDuty's",
                cfg.lifecycle.default_time_zone
            ),
        )
    } else {
        Check::new(NAME, TITLE, Status::Fail, found.join("; ")).fix(format!(
            "correct these lines of {} with PagerDuty's names (README § Configuration lists them); plan and apply refuse this configuration (exit 78)",
            cfg.path.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ENV_MARKER_KEY_PREVIOUS;

    /// The fix for a refused key names the variable at fault: `_PREVIOUS` set alone (review
    /// r10-d) or refused, else the current key.
    #[test]
    fn a_refused_marker_key_gets_the_fix_for_its_variable() {
        let fix = |current: Option<&str>, previous: Option<&str>| {
            let keys = MarkerKeys::resolve(
                (ENV_MARKER_KEY, current),
                (ENV_MARKER_KEY_PREVIOUS, previous),
            );
            let c = marker_check(keys, &MarkerKeySources::default());
            assert_eq!(c.status, Status::Fail, "{c:?}");
            c.fix.unwrap()
        };
        let long = "0123456789abcdef0123456789abcdef-long";
        let alone = fix(None, Some(long));
        assert!(
            alone.contains(&format!("otherwise remove {ENV_MARKER_KEY_PREVIOUS}")),
            "{alone}"
        );
        let short_previous = fix(Some(long), Some("short"));
        assert!(
            short_previous.starts_with(&format!(
                "give the old key (at least {MIN_KEY_BYTES} bytes) in {ENV_MARKER_KEY_PREVIOUS}"
            )),
            "{short_previous}"
        );
        let short = fix(Some("short"), None);
        assert!(short.starts_with("give a secret of at least"), "{short}");
        assert!(
            short.ends_with(&format!("or in {ENV_MARKER_KEY}, or neither")),
            "{short}"
        );
    }
}
