//! How a failed read is told: [`ObserveError`] classifies a failed request (an incomplete
//! listing, a key PagerDuty rejects or refuses, a URL that looks wrong, anything else), and
//! the hints name what to check: [`auth_hint`] for 401 and 403 (reads and, for the apply
//! command's failed actions, writes), [`connection_hint`] for a URL that points nowhere
//! useful; what a refused read read is a [`Subject`] its caller names.

use crate::config::{DEFAULT_API_URL, ENV_API_KEY, ENV_API_URL};
use crate::pagerduty::{ApiError, TransportKind};

/// Whether a request that PagerDuty refused was a read or a write: a 403 means different
/// things for each (a read-only key can plan but not apply).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// GET requests: listing and reading, of the [`Subject`] named.
    Read(Subject),
    /// POST, PUT and DELETE requests: applying.
    Write,
}

/// What a read reads, as the reader knows it (never worked out from the request's path),
/// named in a 403 hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// Users, teams, team members, the key's own user, the abilities, the account's web
    /// URL: what every plan reads.
    UsersAndTeams,
    /// `GET /oncalls`, an on-call look-up before a deactivation.
    Oncalls,
    /// `GET /escalation_policies`, an on-call look-up.
    EscalationPolicies,
    /// `GET /incidents`, an on-call look-up.
    Incidents,
    /// `GET /schedules`, an on-call look-up.
    Schedules,
    /// `GET /licenses` and `GET /license_allocations`.
    Licences,
}

impl Subject {
    /// The words of a 403 hint: `on-calls`, `escalation policies`, `incidents`,
    /// `schedules`, `licences`, `users and teams`.
    pub fn words(self) -> &'static str {
        match self {
            Subject::UsersAndTeams => "users and teams",
            Subject::Oncalls => "on-calls",
            Subject::EscalationPolicies => "escalation policies",
            Subject::Incidents => "incidents",
            Subject::Schedules => "schedules",
            Subject::Licences => "licences",
        }
    }
}

/// What to check when PagerDuty rejects the key (401) or refuses a request (403), for the
/// account at `api_url`; `None` for other statuses. 401 means a bad or missing key, 403 a
/// key not permitted to do this, e.g. a read-only key on a write, or a key that may not
/// read what the [`Access::Read`] names (§1.3 and the HTTP meanings in
/// `../shared/reference/PAGERDUTY_API.md`). The apply command uses the [`Access::Write`]
/// form for failed actions.
pub fn auth_hint(status: u16, api_url: &str, access: Access) -> Option<String> {
    match (status, access) {
        (401, _) => Some(format!(
            "PagerDuty rejected the API key (401): check {ENV_API_KEY} (and that it belongs to the account at {api_url})"
        )),
        (403, Access::Write) => Some(format!(
            "PagerDuty refused a write (403): check that {ENV_API_KEY} is a full-access key (a read-only key can plan but not apply) for the account at {api_url}, and, for a user-level key, that its user is a Global Admin or the Account Owner (only they may add users and set roles; doctor checks it)"
        )),
        (403, Access::Read(what)) => Some(format!(
            "PagerDuty refused the request (403): check that {ENV_API_KEY} may read the {} of the account at {api_url}",
            what.words()
        )),
        _ => None,
    }
}

/// What to check when a request to the account at `api_url` failed in a way that points at
/// the URL rather than at PagerDuty; `None` for other failures:
/// - the connection was refused: nothing listens there (a simulator or sandbox that is not
///   running, a wrong port);
/// - the TLS handshake was answered in plain HTTP: an `https://` URL for a plain-HTTP
///   server such as the simulator (plain `http://` is allowed to loopback only);
/// - a `GET` of a top-level path (`/users`, `/teams`, `/users/me`, …) answered 404, or any
///   `GET` answered 404 when the URL has a path (`…/v2`): PagerDuty's API root has no path,
///   and every request path is below it.
pub fn connection_hint(error: &ApiError, api_url: &str) -> Option<String> {
    let rest = api_url.split_once("://").map_or(api_url, |(_, r)| r);
    let (host, base_path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    match error {
        ApiError::Transport {
            kind: TransportKind::Refused,
            ..
        } => Some(format!(
            "cannot connect to {api_url}: connection refused; is the simulator or sandbox running (`hr2pagerduty sandbox` prints its URL), and is the URL right? It comes from --api-url, {ENV_API_URL} or [pagerduty] api_url"
        )),
        ApiError::Transport {
            kind: TransportKind::NotTls,
            ..
        } => {
            let hostname = host.rsplit_once(':').map_or(host, |(h, _)| h);
            let loopback = matches!(hostname, "127.0.0.1" | "localhost" | "[::1]");
            Some(if loopback {
                format!(
                    "{api_url} does not speak TLS: the server speaks plain HTTP; use http:// (loopback only): http://{host}{base_path}"
                )
            } else {
                format!(
                    "{api_url} does not speak TLS: the server answered the TLS handshake in plain HTTP; check the host and port (plain http:// is allowed to loopback only)"
                )
            })
        }
        ApiError::Status {
            method,
            path,
            status: 404,
            ..
        } if method.as_str() == "GET" => {
            let below = path.strip_prefix(base_path).unwrap_or(path);
            let top_level = below.matches('/').count() == 1 || below == "/users/me";
            (top_level || !base_path.is_empty()).then(|| {
                let drop = if base_path.is_empty() {
                    String::new()
                } else {
                    format!(" (drop {base_path})")
                };
                format!(
                    "{api_url} answered 404 Not Found to GET {path}: the API URL should be the API root, e.g. {DEFAULT_API_URL}, with no path{drop}"
                )
            })
        }
        _ => None,
    }
}

/// A read that failed. The text is what the commands print after `Error: ` (an incomplete
/// listing after `refused before any write: `).
#[derive(Debug, thiserror::Error)]
pub enum ObserveError {
    /// A listing cannot be proven complete ([`ApiError::is_incomplete_listing`]: a page
    /// check failed, PagerDuty gave its offset-ceiling answer, or a partitioned user listing
    /// did not reach the unfiltered `total`), so a plan from it could deactivate users it
    /// missed or create users who exist (refused, exit 3).
    #[error("{0}; the listing cannot be proven complete, so nothing was written")]
    Incomplete(ApiError),
    /// PagerDuty rejected the key (401).
    #[error("{}; {error}", hint(401, api_url))]
    Unauthorized {
        /// The account's API URL, named in the hint.
        api_url: String,
        /// The failed request.
        error: ApiError,
    },
    /// PagerDuty refused a read (403).
    #[error("{}; {error}", auth_hint(403, api_url, Access::Read(*what)).unwrap_or_default())]
    Forbidden {
        /// The account's API URL, named in the hint.
        api_url: String,
        /// What the refused request read, named in the hint.
        what: Subject,
        /// The failed request.
        error: ApiError,
    },
    /// The URL looks wrong: the connection was refused, an `https://` URL reached a
    /// plain-HTTP server, or the API root answered 404 (see [`connection_hint`]).
    #[error("{hint} ({error})")]
    Url {
        /// What to check, naming the URL.
        hint: String,
        /// The failed request.
        error: ApiError,
    },
    /// Any other failure: PagerDuty unreachable, retries exhausted, an unexpected answer.
    #[error("PagerDuty: {0}")]
    Api(ApiError),
}

/// The read hint for a status [`auth_hint`] knows.
fn hint(status: u16, api_url: &str) -> String {
    auth_hint(status, api_url, Access::Read(Subject::UsersAndTeams)).unwrap_or_default()
}

impl ObserveError {
    /// The failed request, whatever the class.
    pub fn api_error(&self) -> &ApiError {
        match self {
            ObserveError::Incomplete(error)
            | ObserveError::Unauthorized { error, .. }
            | ObserveError::Forbidden { error, .. }
            | ObserveError::Url { error, .. }
            | ObserveError::Api(error) => error,
        }
    }

    /// Classifies a failed read of `what` from the account at `api_url`.
    pub fn from_api(error: ApiError, api_url: &str, what: Subject) -> ObserveError {
        let api_url = api_url.to_string();
        if error.is_incomplete_listing() {
            ObserveError::Incomplete(error)
        } else {
            match error.status() {
                Some(401) => ObserveError::Unauthorized { api_url, error },
                Some(403) => ObserveError::Forbidden {
                    api_url,
                    what,
                    error,
                },
                _ => match connection_hint(&error, &api_url) {
                    Some(hint) => ObserveError::Url { hint, error },
                    None => ObserveError::Api(error),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_write_hint_differs_from_the_read_hint_only_for_403() {
        assert_eq!(
            auth_hint(401, "u", Access::Read(Subject::UsersAndTeams)),
            auth_hint(401, "u", Access::Write)
        );
        assert!(
            auth_hint(403, "u", Access::Write)
                .unwrap()
                .contains("a read-only key can plan but not apply")
        );
        // A user-level key of a user who may not add users answers 403 too (§1.3).
        assert!(auth_hint(403, "u", Access::Write).unwrap().contains(
            "for a user-level key, that its user is a Global Admin or the Account Owner"
        ));
        assert_eq!(
            auth_hint(404, "u", Access::Read(Subject::UsersAndTeams)),
            None
        );
    }

    #[test]
    fn a_refused_read_names_the_subject_its_reader_gave() {
        let forbidden = |path: &str| ApiError::Status {
            method: reqwest::Method::GET,
            path: path.to_string(),
            status: 403,
            body: None,
            attempts: 1,
            elapsed: std::time::Duration::ZERO,
            stop: crate::pagerduty::StopReason::NotRetryable,
        };
        // The subject is the reader's, whatever the path says.
        let e = ObserveError::from_api(forbidden("/users"), "u", Subject::Schedules);
        assert!(
            matches!(
                e,
                ObserveError::Forbidden {
                    what: Subject::Schedules,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(
            e.to_string().starts_with(
                "PagerDuty refused the request (403): check that PAGERDUTY_API_KEY may read the schedules of the account at u; "
            ),
            "{e}"
        );
        assert_eq!(
            auth_hint(403, "u", Access::Read(Subject::Oncalls)).unwrap(),
            "PagerDuty refused the request (403): check that PAGERDUTY_API_KEY may read the on-calls of the account at u"
        );
    }
}
