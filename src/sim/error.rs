//! The simulator's one error type: either an answer the simulated API gives (an HTTP status
//! plus PagerDuty's error body), or a problem with the seed it was started from.

use crate::pagerduty::models::{ApiErrorBody, ErrorEnvelope, error_codes};
use std::path::PathBuf;

/// `message` PagerDuty sends with code 2001 (developer docs "Errors", S9; fact F26).
pub const INVALID_INPUT_MESSAGE: &str = "Invalid Input Provided";

/// Code seen with the missing-`From` message in a third-party report (S31,
/// quintoandar/airflow-pagerduty-plugin#1: "BadRequest (2016): You must specify a user's
/// email address in the "From" header to perform this action"). PagerDuty's errors page lists
/// 2016 as "The request took too long to process"; the simulator follows the observation.
pub const MISSING_FROM_CODE: i64 = 2016;

/// What went wrong in the simulator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// An error the simulated API answers with: the HTTP `status` (e.g. 400, 404) and the
    /// body `{"error": {...}}` (fact F25 in `../shared/reference/PAGERDUTY_API.md`).
    #[error("HTTP {status}: {body}")]
    Api {
        /// HTTP status code.
        status: u16,
        /// The inside of PagerDuty's error envelope.
        body: ApiErrorBody,
    },
    /// The seed breaks a rule; the text names each offending entry (e.g.
    /// `users[2] (ann@example.com): Email has already been taken`), problems
    /// separated by "; ".
    #[error("invalid seed: {0}")]
    Seed(String),
    /// A seed file that was read but is not a valid seed ([`super::Seed::from_file`]): the
    /// one message that names the file, then what is wrong as [`SimError::Seed`] words it.
    #[error("invalid seed file {}: {problem}", path.display())]
    SeedFile {
        /// The file.
        path: PathBuf,
        /// What is wrong: malformed JSON (with line and column), an unknown field, or each
        /// broken rule, separated by "; ".
        problem: String,
    },
    /// The seed file could not be read.
    #[error("cannot read seed file {}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        message: String,
    },
}

impl SimError {
    /// An API error with the given status, PagerDuty `code`, `message` and `errors[]`.
    pub fn api(status: u16, code: i64, message: &str, errors: Vec<String>) -> SimError {
        SimError::Api {
            status,
            body: ApiErrorBody {
                code: Some(code),
                message: message.to_string(),
                errors,
            },
        }
    }

    /// 400, code 2001 "Invalid Input Provided", with the details in `errors[]`: PagerDuty's
    /// validation error (S9; facts F26, F31).
    pub fn invalid_input(errors: Vec<String>) -> SimError {
        SimError::api(
            400,
            error_codes::INVALID_INPUT,
            INVALID_INPUT_MESSAGE,
            errors,
        )
    }

    /// 404, code 2100 "Not Found" (S9).
    pub fn not_found() -> SimError {
        SimError::api(404, error_codes::NOT_FOUND, "Not Found", Vec::new())
    }

    /// 404, code 6001 "Team Not Found" (S9).
    pub fn team_not_found() -> SimError {
        SimError::api(
            404,
            error_codes::TEAM_NOT_FOUND,
            "Team Not Found",
            Vec::new(),
        )
    }

    /// 403, code 2010 "Access Denied" (S9), with one detail.
    pub fn access_denied(detail: &str) -> SimError {
        SimError::api(
            403,
            error_codes::ACCESS_DENIED,
            "Access Denied",
            vec![detail.to_string()],
        )
    }

    /// The HTTP status of an [`SimError::Api`]; 0 for seed and I/O errors.
    pub fn status(&self) -> u16 {
        match self {
            SimError::Api { status, .. } => *status,
            _ => 0,
        }
    }

    /// PagerDuty's error envelope for an [`SimError::Api`]; for the other variants an
    /// envelope carrying their text (never sent over HTTP).
    pub fn envelope(&self) -> ErrorEnvelope {
        match self {
            SimError::Api { body, .. } => ErrorEnvelope {
                error: body.clone(),
            },
            other => ErrorEnvelope {
                error: ApiErrorBody {
                    code: None,
                    message: other.to_string(),
                    errors: Vec::new(),
                },
            },
        }
    }
}
