//! `[safety]`: the limits that refuse a run before any write.

use super::Problems;
use crate::config::resolved::{SafetyCaps, SafetyConfig, safety_caps};
use crate::config::schema::SafetyTable;
use std::path::{Path, PathBuf};

/// The directory of the configuration file at `path` (`.` when it is named without one).
pub(super) fn config_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `p` as written when absolute, else resolved against the configuration file's directory.
pub(super) fn relative_to_config(p: &Path, config: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        config_dir(config).join(p)
    }
}

/// Checks `[safety]`: the invalid-rows, deactivation, role-change, shrink,
/// identity-conflict and re-key shares are within 0–100 percent. Resolves a `lock_dir`
/// that is set against the directory of `path`, the configuration file (`.` when it is
/// named without a directory); an unset one stays `None` (the machine-wide default, chosen
/// by the commands).
pub(super) fn check(s: &SafetyTable, path: &Path, p: &mut Problems<'_>) -> SafetyConfig {
    for (key, v) in [
        (
            "safety.max_invalid_rows_percent",
            s.max_invalid_rows_percent,
        ),
        (
            "safety.max_deactivation_percent",
            s.max_deactivation_percent,
        ),
        ("safety.max_role_change_percent", s.max_role_change_percent),
        ("safety.max_shrink_percent", s.max_shrink_percent),
        (
            "safety.max_identity_conflict_percent",
            s.max_identity_conflict_percent,
        ),
        ("safety.max_rekey_percent", s.max_rekey_percent),
    ] {
        if !(0.0..=100.0).contains(&v) {
            p.unplaced(key, format!("{v} is outside 0..=100"));
        }
    }
    let lock_dir = s.lock_dir.as_ref().map(|d| relative_to_config(d, path));
    /// Copies each cap of the list from the schema's table.
    macro_rules! caps_of {
        ($($(#[$doc:meta])* $field:ident: $ty:ty = $default:expr,)*) => {
            SafetyCaps { $($field: s.$field,)* }
        };
    }
    SafetyConfig {
        max_invalid_rows_percent: s.max_invalid_rows_percent,
        caps: safety_caps!(caps_of),
        lock_dir,
    }
}
