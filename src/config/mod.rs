//! The TOML configuration: how to read the HR export, which PagerDuty roles and teams rules
//! assign, lifecycle policy, and safety limits; and where PagerDuty is.
//!
//! Loading is two steps, as in ripgrep's low/high argument split: serde decodes the file
//! into its schema with `deny_unknown_fields` (so a misspelt key is an error naming the key
//! and its line), then validation checks what serde cannot (roles in PagerDuty's enum, rule
//! keys that name mapped columns, time zones PagerDuty accepts), one function per section,
//! reports each problem with its key and line, and produces the span-free [`Config`] that
//! the rest of the crate reads. Every key is documented in README.md § Configuration and in
//! `samples/config.toml`.
//!
//! | module | holds |
//! |---|---|
//! | `schema` (private) | the file as serde reads it, with [`toml::Spanned`] values |
//! | `validate` (private) | one check per section: schema → resolved section + problems |
//! | `resolved` | [`Config`] and its sections: plain values everything else reads |
//! | [`connection`] | [`Connection`]: API URL (flag > environment > file > default), key, URL policy |
//! | [`defaults`] | every `DEFAULT_*` value and bound, with its reason |
//! | `error` | [`ConfigError`], [`ConfigProblem`] |
//! | `redact` (private) | the `[notify] url`, a secret, out of TOML errors' quoted lines |
//! | `rule_label` | [`RuleLabel`]: `roles.rule #N`, `teams.rule #N`, the one name of a rule in errors and plans |
//!
//! Imports: [`crate::vocab`] (roles, time zones) and [`crate::email`]; never the client.

pub mod connection;
pub mod defaults;
mod error;
mod redact;
mod resolved;
mod rule_label;
mod schema;
mod validate;

pub use connection::{
    ApiUrlSource, Connection, ENV_API_KEY, ENV_API_URL, ENV_MARKER_KEY, ENV_MARKER_KEY_PREVIOUS,
    ENV_NOTIFY_URL, NotifyUrl, api_url_of, check_api_url, check_key_text, check_marker_key_text,
    empty_api_url, read_key_file, read_secret_file, url_allowed,
};
pub use defaults::*;
pub use error::{ConfigError, ConfigProblem};
pub use resolved::{
    Columns, Condition, Config, DeactivationMode, Encoding, HrConfig, LifecycleConfig, NameOrder,
    NotifyConfig, OnLeave, OneOrMany, PagerDutyConfig, PastTerminationDate, RULE_FIELDS, RoleRule,
    RolesConfig, SafetyCaps, SafetyConfig, StatusMap, TeamRule, TeamsConfig, UnmanagedUsers,
};
pub use rule_label::RuleLabel;

use std::path::Path;

impl Config {
    /// Reads, parses and validates the file at `path`.
    ///
    /// # Errors
    /// [`ConfigError`]: unreadable file, TOML error or unknown key (with its line), or
    /// validation problems (each with its key and line).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_toml(&text, path)
    }

    /// Parses and validates `text`; `path` is used in messages and to place the lock file
    /// (`[safety] lock_dir` is relative to its directory).
    ///
    /// # Errors
    /// As [`Config::load`], without the read error.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let file: schema::File = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: redact::toml_error(e, text),
        })?;
        validate::config(file, text, path).map_err(|problems| ConfigError::Invalid {
            path: path.to_path_buf(),
            problems,
        })
    }

    /// As [`Config::load`], but a file whose only problems are names outside PagerDuty's
    /// vocabulary (a `default_time_zone` it does not accept, a base or team role it does not
    /// know) loads, with those names kept as written, and the problems come beside it:
    /// `doctor` shows them as its vocabulary check's failure, with their lines, and runs
    /// the other checks. Every other command refuses such a file ([`Config::load`]).
    ///
    /// # Errors
    /// As [`Config::load`], when a problem is not a vocabulary problem.
    pub fn load_keeping_vocabulary(
        path: &Path,
    ) -> Result<(Config, Vec<ConfigProblem>), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_toml_keeping_vocabulary(&text, path)
    }

    /// [`Config::load_keeping_vocabulary`] of `text`, read from `path`.
    ///
    /// # Errors
    /// As [`Config::from_toml`], when a problem is not a vocabulary problem.
    pub fn from_toml_keeping_vocabulary(
        text: &str,
        path: &Path,
    ) -> Result<(Config, Vec<ConfigProblem>), ConfigError> {
        let file: schema::File = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: redact::toml_error(e, text),
        })?;
        validate::config_keeping_vocabulary(file, text, path).map_err(|problems| {
            ConfigError::Invalid {
                path: path.to_path_buf(),
                problems,
            }
        })
    }
}

#[cfg(test)]
mod tests;
