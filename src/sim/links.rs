//! What the domain modules (`oncall`, `incidents`, `licenses`, `contacts`) need from the
//! account to render API objects: URLs and references to users and teams. The account
//! (`state::Account`) implements [`Lookup`]; the domain modules never import it, so the
//! dependency runs one way.

use crate::ids::{TeamId, UserId};
use crate::pagerduty::models::{TeamReference, UserReference};

/// URLs and references, as the account renders them.
pub(crate) trait Lookup {
    /// `http://127.0.0.1:PORT` + `path` (the `self` URLs).
    fn api_url(&self, path: &str) -> String;
    /// `https://SUBDOMAIN.pagerduty.com` + `path` (the `html_url`s).
    fn web_url(&self, path: &str) -> String;
    /// The name of a user, also of a deleted one (references to deleted users remain, F24);
    /// `None` for an ID the account never had.
    fn user_name(&self, id: &str) -> Option<String>;
    /// The name of a team.
    fn team_name(&self, id: &str) -> Option<String>;

    /// A `user_reference`.
    fn user_ref(&self, id: &str) -> UserReference {
        UserReference {
            id: UserId::new(id),
            kind: "user_reference".to_string(),
            summary: self.user_name(id),
            self_url: Some(self.api_url(&format!("/users/{id}"))),
            html_url: Some(self.web_url(&format!("/users/{id}"))),
        }
    }

    /// A `team_reference`, or with `full` the team object as `include[]=teams` gives it.
    fn team_ref(&self, id: &str, full: bool) -> TeamReference {
        let name = self.team_name(id);
        TeamReference {
            id: TeamId::new(id),
            kind: if full { "team" } else { "team_reference" }.to_string(),
            summary: name.clone(),
            name: if full { name } else { None },
            self_url: Some(self.api_url(&format!("/teams/{id}"))),
            html_url: Some(self.web_url(&format!("/teams/{id}"))),
        }
    }
}
