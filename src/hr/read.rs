//! CSV reading (placeholder; owned by the HR helper).
use super::{HrError, Roster};
use crate::config::HrConfig;
use std::path::Path;

/// Reads and validates the export at `path`.
///
/// # Errors
/// [`HrError`] for a file-level problem.
pub fn read_file(path: &Path, cfg: &HrConfig) -> Result<Roster, HrError> {
    let bytes = std::fs::read(path).map_err(|source| HrError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    read_bytes(&bytes, cfg)
}

/// Reads and validates an export held in memory.
///
/// # Errors
/// [`HrError`] for a file-level problem.
pub fn read_bytes(_bytes: &[u8], _cfg: &HrConfig) -> Result<Roster, HrError> {
    todo!("HR helper")
}
