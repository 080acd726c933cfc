//! Why a configuration cannot be used.

use std::fmt;
use std::path::PathBuf;

/// A configuration that cannot be used: unreadable, not TOML, an unknown key, or a value
/// that fails validation. Exit code 78.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// TOML syntax, an unknown key, a missing key or a wrongly typed value. The message
    /// from the `toml` crate names the key and shows the line, with the lines that may hold
    /// the `[notify] url` (a secret) redacted.
    #[error("invalid configuration {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// `toml`'s message, with line and column.
        message: String,
    },
    /// One or more values failed validation.
    #[error("invalid configuration {path}:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Each problem with its key and line.
        problems: Vec<ConfigProblem>,
    },
}

/// One validation problem: the key, the line it is on (1-based, when known) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Dotted key, e.g. `pagerduty.api_url`; a key inside a rule after its label
    /// ([`crate::config::RuleLabel::key`]), e.g. `roles.rule #2 role`.
    pub key: String,
    /// 1-based line of the key, when known.
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: `{}`: {}", self.key, self.message),
            None => write!(f, "`{}`: {}", self.key, self.message),
        }
    }
}
