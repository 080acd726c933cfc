//! The process exit codes, as README.md § Exit codes lists them. Nothing but `main` turns
//! these into a process status.

/// A documented exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// The command did what was asked; for `plan --detailed-exitcode`, no changes.
    Success = 0,
    /// The run failed: an action failed, a planned deactivation was left undone (blocked
    /// because its user is on call, or failed), PagerDuty unreachable, authentication
    /// rejected, retries exhausted.
    Failure = 1,
    /// `plan --detailed-exitcode` found changes.
    Changes = 2,
    /// Refused before any write: a safety check tripped, or the PagerDuty listing could not
    /// be proven complete.
    Refused = 3,
    /// Command-line usage error (including a missing `PAGERDUTY_API_KEY`, `apply` without
    /// `--yes` and without a terminal, or a deletion archive that cannot be read or written).
    Usage = 64,
    /// The HR export is unusable.
    HrInput = 65,
    /// The configuration is invalid (including a rule that names a team PagerDuty lacks, or
    /// deletion without `[lifecycle] archive`).
    Config = 78,
    /// `apply` stopped by SIGINT (128 + 2, the shell's convention for a signal).
    Interrupted = 130,
    /// `apply` stopped by SIGTERM (128 + 15).
    Terminated = 143,
}

impl Exit {
    /// The numeric status.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}
