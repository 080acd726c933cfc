//! What `doctor` reads from PagerDuty before the first run, GET requests only: the API
//! key's owner (`GET /users/me`), the `From` user (`GET /users?query=`), and, when asked,
//! the account's abilities (`GET /abilities`), its teams (`GET /teams`) and its licences
//! (`GET /licenses`).
//!
//! [`Observer::preflight`] reads them one after the other, in that order, and stops after a
//! failed key read: what needs the API is then not read at all. Judging the facts (which
//! check passes) is `crate::doctor`'s job; this module only reads.

use super::{ObserveError, Observer, Subject};
use crate::email::Email;
use crate::pagerduty::KeyOwner;
use crate::pagerduty::models::licenses::LicenseWithCounts;
use crate::pagerduty::models::{Team, User};
use std::collections::BTreeSet;

/// Which facts beyond the key's owner to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// `[pagerduty] from`, looked up by email.
    pub from: Email,
    /// Read the account's abilities (something configured needs one).
    pub abilities: bool,
    /// List the teams (a `[[teams.rule]]` names one).
    pub teams: bool,
}

/// What was read. Each fact after [`Preflight::key`] is `None` when it was not read: the
/// key read failed, or the fact was not [`Asked`] for.
#[derive(Debug)]
pub struct Preflight {
    /// Who owns the API key: a user, or the account (an account-level key, answered 400).
    pub key: Result<KeyOwner, ObserveError>,
    /// The user with the `From` email, `Ok(None)` when the account has none.
    pub from_user: Option<Result<Option<User>, ObserveError>>,
    /// The account's abilities by name.
    pub abilities: Option<Result<BTreeSet<String>, ObserveError>>,
    /// Every team of the account.
    pub teams: Option<Result<Vec<Team>, ObserveError>>,
    /// The account's licences with their counts (empty when it has none or cannot list
    /// them, see [`crate::pagerduty::Client::list_licenses`]).
    pub licenses: Option<Result<Vec<LicenseWithCounts>, ObserveError>>,
}

impl Observer<'_> {
    /// Reads the key's owner, then (unless that failed) the `From` user, the abilities and
    /// teams when `asked`, and the licences, one request after the other.
    pub async fn preflight(&self, asked: &Asked) -> Preflight {
        let err = self.error(Subject::UsersAndTeams);
        let key = self.client.key_owner().await.map_err(&err);
        let mut out = Preflight {
            key,
            from_user: None,
            abilities: None,
            teams: None,
            licenses: None,
        };
        if out.key.is_err() {
            return out;
        }
        out.from_user = Some(
            self.client
                .find_user_by_email(&asked.from)
                .await
                .map_err(&err),
        );
        if asked.abilities {
            out.abilities = Some(self.abilities().await);
        }
        if asked.teams {
            out.teams = Some(self.client.list_teams().await.map_err(&err));
        }
        let licences = self.error(Subject::Licences);
        out.licenses = Some(self.client.list_licenses().await.map_err(licences));
        out
    }
}
