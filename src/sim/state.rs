//! The simulated account: users, teams and memberships, and every rule PagerDuty applies to
//! them; it owns the escalation policies and schedules (`oncall`), incidents, licences,
//! contact methods and notification rules (their own modules) and applies the rules that
//! join them to users. Pure and synchronous: no HTTP; time comes from its [`Clock`]. Each
//! operation returns the API's answer or a [`SimError::Api`] carrying the status and
//! PagerDuty error body the real API would send.
//!
//! Rules and their sources (facts in `../shared/reference/PAGERDUTY_API.md`):
//! - name required, ≤ 100 characters; runs of whitespace collapsed and ends trimmed (§3.1,
//!   observed by the Terraform provider's acceptance test);
//! - email required, `format: email`, 6–100 characters, unique case-insensitively, stored
//!   lower-cased (F18, F31, F33);
//! - role in the 8-value enum, default `user`; `owner` can never be given (F13–F15);
//! - time zone one of the 135 accepted identifiers (F19); job title ≤ 100 (F18); description
//!   kept verbatim;
//! - team role in `observer|responder|manager`, default following the base role; stakeholders
//!   (`read_only_user`, `read_only_limited_user`) cannot be on teams (F17, §5.1), nor on
//!   schedules or escalation policies (§3.2's base-role table, S25: "cannot be on schedules
//!   or EPs"; the 400/2001 and its text Inf): a user in a schedule's layer or reached by a
//!   policy is not given a stakeholder role;
//! - the account owner cannot be updated (403) or deleted (F15, §4.2, §4.3);
//! - a user-level key may add or delete users and set base roles only when its user is a
//!   Global Admin or the Account Owner, and change team memberships only when it is one of
//!   those or a Manager (`user`); otherwise 403/2010 (§1.3, S25, S5; `require_key_may`);
//! - a user cannot be deleted while incidents are assigned to them (F22) or while they are
//!   the only target of an escalation rule (Inf); references to a deleted user remain in
//!   policies and schedules (F24);
//! - a team member cannot be removed while an escalation policy of the team reaches them
//!   (F32);
//! - abilities (§3.2, OpenAPI parameter texts): `team_ids[]` and team membership changes need
//!   `teams`, stakeholder base roles need `read_only_users` (402/2014 otherwise);
//! - licences (§3.5) where the seed has any (rules in `licenses`);
//! - IDs never reused (F24).

use super::clock::Clock;
use super::contacts::ContactBook;
use super::error::{MISSING_FROM_CODE, SimError};
use super::idgen::{IdGenerator, is_incident_id, is_pd_id};
use super::incidents::IncidentBook;
use super::licenses::LicenseBook;
use super::links::Lookup;
use super::oncall::{OncallBook, SeedContext};
use super::seed::{DEFAULT_ABILITIES, Seed, SeedUser};
use super::shape::{collapse_spaces, envelope, is_email_shaped, pagerduty_email};
use crate::ids::{NotificationRuleId, TeamId, UserId};
use crate::pagerduty::models::contact::{ContactMethod, NotificationRule};
use crate::pagerduty::models::incidents::Urgency;
use crate::pagerduty::models::oncall::TEAM_REMOVAL_BLOCKED;
use crate::pagerduty::models::{
    CreateUserRequest, EMAIL_TAKEN, LicenseReference, Role, Team, TeamMember, TeamReference,
    TeamRole, UpdateUserRequest, User, UserReference, error_codes,
};
use crate::vocab::limits::{EMAIL_MAX_CHARS, EMAIL_MIN_CHARS, JOB_TITLE_MAX_CHARS, NAME_MAX_CHARS};
use crate::vocab::time_zones::is_valid_time_zone;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Longest team name (OpenAPI `Team.name.maxLength`).
pub const MAX_TEAM_NAME_CHARS: usize = 100;
/// Longest team description (OpenAPI `Team.description.maxLength`).
pub const MAX_TEAM_DESCRIPTION_CHARS: usize = 1024;
/// The account time zone when the seed names none.
pub const DEFAULT_TIME_ZONE: &str = "Etc/UTC";
/// The account subdomain when the seed names none.
pub const DEFAULT_SUBDOMAIN: &str = "sim";

/// Schedule colours handed out to users created without one, in turn (names from the
/// Terraform provider's `pagerduty_user` docs, S17).
const COLORS: [&str; 8] = [
    "purple",
    "red",
    "green",
    "blue",
    "teal",
    "orange",
    "brown",
    "turquoise",
];

/// The avatar PagerDuty shows for users without a picture (OpenAPI `listUsers` example).
const AVATAR_URL: &str = "https://pd-static-assets.pagerduty.com/users/blank-avatar.png";

const ROLE_LIST: &str = "admin, limited_user, observer, owner, read_only_user, restricted_access, read_only_limited_user, user";

/// Which users `GET /users` returns.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserFilter {
    /// Case-insensitive substring of the name or the email.
    pub(crate) query: Option<String>,
    /// Only members of at least one of these teams (when non-empty).
    pub(crate) team_ids: Vec<String>,
}

/// The `include[]` values that change a user object: full objects instead of references
/// (S12 "Includes").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Includes {
    /// `include[]=teams`.
    pub(crate) teams: bool,
    /// `include[]=contact_methods`.
    pub(crate) contact_methods: bool,
    /// `include[]=notification_rules`.
    pub(crate) notification_rules: bool,
}

impl Includes {
    /// Reads the values of the `include[]` parameters; unknown values are ignored.
    pub(crate) fn from_values<'a>(values: impl IntoIterator<Item = &'a str>) -> Includes {
        let mut inc = Includes::default();
        for v in values {
            match v {
                "teams" => inc.teams = true,
                "contact_methods" => inc.contact_methods = true,
                "notification_rules" => inc.notification_rules = true,
                _ => {}
            }
        }
        inc
    }
}

/// API key → ID of the user owning it (user-level keys). `Debug` never shows the keys.
#[derive(Default)]
struct KeyOwners(HashMap<String, String>);

impl std::fmt::Debug for KeyOwners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyOwners({} redacted)", self.0.len())
    }
}

/// A write that PagerDuty allows only some base roles to make (§1.3, S25), checked for
/// user-level keys by [`Account::require_key_may`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyWrite {
    /// Adding or deleting a user, or setting a base role: Global Admin or Account Owner.
    Users,
    /// Adding, changing or removing a team membership (a team role): also a Manager.
    TeamRoles,
}

#[derive(Debug, Clone)]
struct UserRecord {
    id: String,
    name: String,
    email: String,
    role: Role,
    time_zone: Option<String>,
    job_title: Option<String>,
    description: Option<String>,
    color: String,
    invitation_sent: bool,
}

#[derive(Debug, Clone)]
struct TeamRecord {
    id: String,
    name: String,
    description: Option<String>,
    default_role: String,
}

/// The editable fields of a user while a create or update is validated.
#[derive(Debug, Clone)]
struct Draft {
    name: String,
    email: String,
    role: Role,
    time_zone: Option<String>,
    job_title: Option<String>,
    description: Option<String>,
    color: Option<String>,
}

/// The simulated account.
#[derive(Debug)]
pub(crate) struct Account {
    api_base: String,
    web_base: String,
    time_zone: String,
    users: BTreeMap<String, UserRecord>,
    teams: BTreeMap<String, TeamRecord>,
    /// (team ID, user ID) → team role.
    memberships: BTreeMap<(String, String), TeamRole>,
    /// The same memberships as (user ID, team ID), to find a user's teams without a scan.
    user_teams: BTreeSet<(String, String)>,
    /// (lower-cased name, ID) → email of every user: the API order, kept sorted as users
    /// change, so that a listing never sorts, with what `query` searches.
    order: BTreeMap<(String, String), String>,
    ids: IdGenerator,
    users_created: usize,
    /// Lower-cased email → user ID, for uniqueness and lookups.
    emails: HashMap<String, String>,
    clock: Clock,
    abilities: Vec<String>,
    /// IDs of everything but users and teams (unique per endpoint, §3.1).
    object_ids: IdGenerator,
    oncall: OncallBook,
    incidents: IncidentBook,
    licenses: LicenseBook,
    contacts: ContactBook,
    key_owners: KeyOwners,
    /// Names of deleted users, for the references that remain (F24).
    deleted_names: HashMap<String, String>,
}

impl Account {
    /// Builds the account a seed describes; `api_base` (e.g. `http://127.0.0.1:4321`) prefixes
    /// the `self` URLs.
    ///
    /// # Errors
    /// [`SimError::Seed`] listing every broken rule.
    pub(crate) fn from_seed(seed: &Seed, api_base: &str) -> Result<Account, SimError> {
        let mut problems = Vec::new();
        let time_zone = seed
            .time_zone
            .clone()
            .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_string());
        if !is_valid_time_zone(&time_zone) {
            problems.push(format!(
                "time_zone {time_zone:?} is not one of PagerDuty's 135 time zones"
            ));
        }
        let subdomain = seed
            .subdomain
            .clone()
            .unwrap_or_else(|| DEFAULT_SUBDOMAIN.to_string());
        if subdomain.is_empty()
            || !subdomain
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            problems.push(format!(
                "subdomain {subdomain:?} must be letters, digits and '-'"
            ));
        }
        if seed.api_keys.iter().any(|k| k.key().trim().is_empty()) {
            problems.push("api_keys must not contain an empty key".to_string());
        }
        if seed.rate_limit.window_seconds == 0 {
            problems.push("rate_limit.window_seconds must be at least 1".to_string());
        }
        for (i, fault) in seed.faults.iter().enumerate() {
            if let Err(e) = fault.validate() {
                problems.push(format!("faults[{i}]: {e}"));
            }
        }

        let mut account = Account {
            api_base: api_base.trim_end_matches('/').to_string(),
            web_base: format!("https://{subdomain}.pagerduty.com"),
            time_zone,
            users: BTreeMap::new(),
            teams: BTreeMap::new(),
            memberships: BTreeMap::new(),
            user_teams: BTreeSet::new(),
            order: BTreeMap::new(),
            ids: IdGenerator::default(),
            users_created: 0,
            emails: HashMap::new(),
            clock: seed
                .now
                .map(|t| Clock::Fixed(t.to_utc()))
                .unwrap_or(Clock::System),
            abilities: DEFAULT_ABILITIES.iter().map(|a| a.to_string()).collect(),
            object_ids: IdGenerator::for_objects(),
            oncall: OncallBook::default(),
            incidents: IncidentBook::default(),
            licenses: LicenseBook::default(),
            contacts: ContactBook::default(),
            key_owners: KeyOwners::default(),
            deleted_names: HashMap::new(),
        };

        // Seed-given IDs first, so generated ones never collide with them.
        let given = seed
            .teams
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.id.as_ref().map(|id| (format!("teams[{i}]"), id)))
            .chain(
                seed.users
                    .iter()
                    .enumerate()
                    .filter_map(|(i, u)| u.id.as_ref().map(|id| (format!("users[{i}]"), id))),
            );
        for (entry, id) in given {
            if !is_pd_id(id) {
                problems.push(format!(
                    "{entry}: id {id:?} must be P followed by 6 upper-case letters or digits"
                ));
            } else if !account.ids.reserve(id) {
                problems.push(format!("{entry}: id {id} is used twice"));
            }
        }

        for (i, t) in seed.teams.iter().enumerate() {
            let entry = format!("teams[{i}] ({})", t.name);
            let name = collapse_spaces(&t.name);
            if name.is_empty() {
                problems.push(format!("{entry}: name can't be blank"));
            } else if name.chars().count() > MAX_TEAM_NAME_CHARS {
                problems.push(format!("{entry}: name is longer than 100 characters"));
            }
            if account
                .teams
                .values()
                .any(|other| other.name.to_lowercase() == name.to_lowercase())
            {
                problems.push(format!("{entry}: another team has this name"));
            }
            if let Some(d) = &t.description
                && d.chars().count() > MAX_TEAM_DESCRIPTION_CHARS
            {
                problems.push(format!(
                    "{entry}: description is longer than 1024 characters"
                ));
            }
            let default_role = t.default_role.clone().unwrap_or_else(|| "manager".into());
            if default_role != "manager" && default_role != "none" {
                problems.push(format!(
                    "{entry}: default_role {default_role:?} must be manager or none"
                ));
            }
            let id = t.id.clone().unwrap_or_else(|| account.ids.fresh());
            account.teams.insert(
                id.clone(),
                TeamRecord {
                    id,
                    name,
                    description: t.description.clone(),
                    default_role,
                },
            );
        }

        let team_by_name: HashMap<String, String> = account
            .teams
            .values()
            .map(|t| (t.name.to_lowercase(), t.id.clone()))
            .collect();
        let mut owner: Option<usize> = None;
        let mut seeded = Vec::with_capacity(seed.users.len());
        for (i, u) in seed.users.iter().enumerate() {
            let entry = format!("users[{i}] ({})", u.email);
            let mut errors = Vec::new();
            let mut draft = seed_draft(u);
            if draft.role == Role::Owner {
                if let Some(first) = owner {
                    errors.push(format!(
                        "only one user may have role owner (users[{first}] already has it)"
                    ));
                } else {
                    owner = Some(i);
                }
            }
            account.validate_draft(&mut draft, None, true, &mut errors);
            let id = u.id.clone().unwrap_or_else(|| account.ids.fresh());
            seeded.push(id.clone());
            let mut joined = HashSet::new();
            for m in &u.teams {
                let team = account.teams.get(&m.team).or_else(|| {
                    team_by_name
                        .get(&collapse_spaces(&m.team).to_lowercase())
                        .and_then(|id| account.teams.get(id))
                });
                let Some(team) = team else {
                    errors.push(format!("team {:?} is not a team of the seed", m.team));
                    continue;
                };
                if !joined.insert(team.id.clone()) {
                    errors.push(format!("team {:?} is listed twice", m.team));
                    continue;
                }
                let role = m
                    .role
                    .clone()
                    .unwrap_or_else(|| default_team_role(&draft.role));
                if let Err(e) = check_membership(&draft.role, &role) {
                    errors.push(format!("team {:?}: {}", m.team, first_detail(&e)));
                    continue;
                }
                let team_id = TeamId::new(team.id.clone());
                account.insert_membership(&team_id, &UserId::new(id.clone()), role);
            }
            problems.extend(errors.into_iter().map(|e| format!("{entry}: {e}")));
            account.insert_user(id, draft, false);
        }
        account.seed_the_rest(seed, &seeded, &mut problems);

        if problems.is_empty() {
            Ok(account)
        } else {
            Err(SimError::Seed(problems.join("; ")))
        }
    }

    /// Builds what the seed holds besides users and teams (abilities, schedules, escalation
    /// policies, incidents, licences, contact methods, notification rules, key owners);
    /// `seeded[i]` is the ID of `seed.users[i]`.
    fn seed_the_rest(&mut self, seed: &Seed, seeded: &[String], problems: &mut Vec<String>) {
        let now = self.clock.now();
        if let Some(abilities) = &seed.abilities {
            if abilities.iter().any(|a| a.trim().is_empty()) {
                problems.push("abilities must not contain an empty name".to_string());
            }
            self.abilities = abilities.clone();
        }

        // Seed-given object IDs first, so generated ones never collide with them.
        let mut given: Vec<(String, &String, bool)> = Vec::new();
        for (i, s) in seed.schedules.iter().enumerate() {
            given.extend(s.id.iter().map(|id| (format!("schedules[{i}]"), id, false)));
        }
        for (i, p) in seed.escalation_policies.iter().enumerate() {
            given.extend(
                p.id.iter()
                    .map(|id| (format!("escalation_policies[{i}]"), id, false)),
            );
            for (j, r) in p.escalation_rules.iter().enumerate() {
                given.extend(r.id.iter().map(|id| {
                    (
                        format!("escalation_policies[{i}].escalation_rules[{j}]"),
                        id,
                        false,
                    )
                }));
            }
        }
        for (i, inc) in seed.incidents.iter().enumerate() {
            given.extend(
                inc.id
                    .iter()
                    .map(|id| (format!("incidents[{i}]"), id, true)),
            );
        }
        for (i, u) in seed.users.iter().enumerate() {
            for (j, m) in u.contact_methods.iter().enumerate() {
                given.extend(
                    m.id.iter()
                        .map(|id| (format!("users[{i}].contact_methods[{j}]"), id, false)),
                );
            }
            for (j, r) in u.notification_rules.iter().enumerate() {
                given.extend(
                    r.id.iter()
                        .map(|id| (format!("users[{i}].notification_rules[{j}]"), id, false)),
                );
            }
        }
        for (entry, id, incident) in given {
            if !(is_pd_id(id) || incident && is_incident_id(id)) {
                problems.push(format!(
                    "{entry}: id {id:?} must be P followed by 6 upper-case letters or digits"
                ));
            } else if !self.object_ids.reserve(id) {
                problems.push(format!("{entry}: id {id} is used twice"));
            }
        }

        let users: HashSet<String> = self.users.keys().cloned().collect();
        let teams: HashSet<String> = self.teams.keys().cloned().collect();
        let mut cx = SeedContext {
            users: &users,
            teams: &teams,
            ids: &mut self.object_ids,
            now,
            time_zone: &self.time_zone,
        };
        self.oncall = OncallBook::from_seed(
            &seed.schedules,
            &seed.escalation_policies,
            &mut cx,
            problems,
        );
        self.incidents = IncidentBook::from_seed(
            &seed.incidents,
            &users,
            &self.oncall,
            &mut self.object_ids,
            problems,
        );
        self.licenses = LicenseBook::from_seed(&seed.licenses, problems);
        for (i, (u, id)) in seed.users.iter().zip(seeded).enumerate() {
            let entry = format!("users[{i}] ({})", u.email);
            let mut errors = Vec::new();
            let role = self.users[id].role.clone();
            if role.is_stakeholder() && !self.has_ability("read_only_users") {
                errors.push(format!(
                    "role {role} needs the read_only_users ability, which the account lacks"
                ));
            }
            if self.licenses.is_active() {
                if let Err(e) = self
                    .licenses
                    .seed_allocate(id, &role, u.license.as_ref(), now)
                {
                    errors.push(e);
                }
            } else if u.license.is_some() {
                errors.push("license is given but the seed has no licenses".to_string());
            }
            if u.notification_rules
                .iter()
                .any(|r| r.urgency == Urgency::Low)
                && !self.has_ability("urgencies")
            {
                errors.push(
                    "a low urgency notification rule needs the urgencies ability".to_string(),
                );
            }
            self.contacts.add_seeded(
                id,
                &u.contact_methods,
                &u.notification_rules,
                &mut self.object_ids,
                &mut errors,
            );
            problems.extend(errors.into_iter().map(|e| format!("{entry}: {e}")));
        }
        self.licenses.finish_seed();

        for (i, key) in seed.api_keys.iter().enumerate() {
            let Some(user) = key.user() else { continue };
            let id = if self.users.contains_key(user) {
                Some(user.to_string())
            } else {
                self.emails.get(&pagerduty_email(user.trim())).cloned()
            };
            match id {
                Some(id) => {
                    self.key_owners.0.insert(key.key().to_string(), id);
                }
                None => problems.push(format!(
                    "api_keys[{i}]: user {user:?} is not a user of the seed"
                )),
            }
        }
    }

    /// Sets the base of `self` URLs (the simulator's own URL, known once it is bound).
    pub(crate) fn set_api_base(&mut self, api_base: &str) {
        self.api_base = api_base.trim_end_matches('/').to_string();
    }

    fn insert_user(&mut self, id: String, d: Draft, invited: bool) {
        let color = d
            .color
            .unwrap_or_else(|| COLORS[self.users_created % COLORS.len()].to_string());
        self.users_created += 1;
        self.emails.insert(d.email.clone(), id.clone());
        self.order
            .insert((d.name.to_lowercase(), id.clone()), d.email.clone());
        self.users.insert(
            id.clone(),
            UserRecord {
                id,
                name: d.name,
                email: d.email,
                role: d.role,
                time_zone: d.time_zone,
                job_title: d.job_title,
                description: d.description,
                color,
                invitation_sent: invited,
            },
        );
    }

    fn insert_membership(&mut self, team_id: &TeamId, user_id: &UserId, role: TeamRole) {
        self.memberships
            .insert((team_id.to_string(), user_id.to_string()), role);
        self.user_teams
            .insert((user_id.to_string(), team_id.to_string()));
    }

    fn remove_memberships_of(&mut self, user_id: &str) {
        let teams: Vec<String> = self.team_ids_of(user_id).map(str::to_string).collect();
        for team in teams {
            self.memberships
                .remove(&(team.clone(), user_id.to_string()));
            self.user_teams.remove(&(user_id.to_string(), team));
        }
    }

    /// The IDs of the teams `user_id` belongs to, in ID order.
    fn team_ids_of<'a>(&'a self, user_id: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.user_teams
            .range((user_id.to_string(), String::new())..)
            .take_while(move |(u, _)| u == user_id)
            .map(|(_, t)| t.as_str())
    }

    // ----- reads -------------------------------------------------------------------------

    /// IDs of the users matching `filter`, ordered by name (case-insensitive), then ID.
    /// Linear in the number of users: the order is kept, never computed.
    pub(crate) fn user_ids(&self, filter: &UserFilter) -> Vec<&str> {
        let query = filter.query.as_ref().map(|q| q.to_lowercase());
        let teams: HashSet<&str> = filter.team_ids.iter().map(String::as_str).collect();
        self.order
            .iter()
            .filter(|((name, _), email)| {
                query
                    .as_ref()
                    .is_none_or(|q| name.contains(q.as_str()) || email.contains(q.as_str()))
            })
            .filter(|((_, id), _)| {
                teams.is_empty() || self.team_ids_of(id).any(|t| teams.contains(t))
            })
            .map(|((_, id), _)| id.as_str())
            .collect()
    }

    /// The users with these IDs, in the given order (unknown IDs skipped), with full objects
    /// where `inc` asks for them.
    pub(crate) fn render_users(&self, ids: &[&str], inc: Includes) -> Vec<User> {
        ids.iter()
            .filter_map(|id| self.users.get(*id))
            .map(|u| self.render_user(u, inc))
            .collect()
    }

    /// Users matching `filter`, in API order, rendered.
    pub(crate) fn list_users(&self, filter: &UserFilter, inc: Includes) -> Vec<User> {
        self.render_users(&self.user_ids(filter), inc)
    }

    /// One user.
    ///
    /// # Errors
    /// 404/2100 when there is no such user (also after deletion, F24).
    pub(crate) fn get_user(&self, id: &str, inc: Includes) -> Result<User, SimError> {
        self.users
            .get(id)
            .map(|u| self.render_user(u, inc))
            .ok_or_else(SimError::not_found)
    }

    /// `GET /users/me`: the user owning the API key `key`.
    ///
    /// # Errors
    /// 400/2001 for an account-level key: the endpoint "will not work if the request is made
    /// with an account-level access token" and lists 400 among its answers (OpenAPI
    /// `getCurrentUser`; the error text is Inf); 404/2100 when the key's user was deleted (Inf).
    pub(crate) fn current_user(&self, key: Option<&str>, inc: Includes) -> Result<User, SimError> {
        let owner = key.and_then(|k| self.key_owners.0.get(k)).ok_or_else(|| {
            SimError::invalid_input(vec![
                "This request was made with an account-level API key, which belongs to no user; \
                 GET /users/me needs a user-level key"
                    .to_string(),
            ])
        })?;
        self.get_user(owner, inc)
    }

    /// Whether the API key `key` may make a write of kind `write` (PAGERDUTY_API.md §1.3,
    /// S25: "Only a Global Admin or the Account Owner may add or delete users and set base,
    /// team and object roles. A Manager base role can change team roles only"). A user-level
    /// key carries its user's permissions (S5), so its owner's base role decides; an
    /// account-level key (no owner) is not limited here.
    ///
    /// # Errors
    /// 403/2010 "Access Denied" naming the key owner's role and who may do it, also when the
    /// key's user no longer exists (Inf: its permissions are gone with it).
    pub(crate) fn require_key_may(
        &self,
        key: Option<&str>,
        write: KeyWrite,
    ) -> Result<(), SimError> {
        let Some(owner) = key.and_then(|k| self.key_owners.0.get(k)) else {
            return Ok(());
        };
        let Some(user) = self.users.get(owner) else {
            return Err(SimError::access_denied(
                "The user this API key belongs to no longer exists",
            ));
        };
        let allowed = match write {
            KeyWrite::Users => user.role.manages_users(),
            KeyWrite::TeamRoles => user.role.manages_users() || user.role == Role::User,
        };
        if allowed {
            return Ok(());
        }
        let who = match write {
            KeyWrite::Users => {
                "only a Global Admin (admin) or the Account Owner may add or delete users and set base roles"
            }
            KeyWrite::TeamRoles => {
                "only a Global Admin (admin), the Account Owner or a Manager (user) may change team roles"
            }
        };
        Err(SimError::access_denied(&format!(
            "This user-level API key belongs to a user with base role {}: {who}",
            user.role
        )))
    }

    /// True when the `PUT /users/{id}` body `body` gives user `id` a base role other than
    /// the one it has (an unknown user or a body without a role: false, left to
    /// [`Account::update_user`]'s own answers).
    pub(crate) fn sets_role(&self, id: &str, body: &Value) -> bool {
        let Some(role) = body
            .get("user")
            .and_then(|u| u.get("role"))
            .and_then(Value::as_str)
        else {
            return false;
        };
        self.users.get(id).is_some_and(|u| u.role.as_str() != role)
    }

    /// True when the user exists.
    pub(crate) fn has_user(&self, id: &str) -> bool {
        self.users.contains_key(id)
    }

    /// The user with this email, compared case-insensitively.
    pub(crate) fn user_by_email(&self, email: &str) -> Option<User> {
        let email = pagerduty_email(email.trim());
        self.emails
            .get(&email)
            .and_then(|id| self.users.get(id))
            .map(|u| self.render_user(u, Includes::default()))
    }

    /// Teams whose name contains `query` (case-insensitive), ordered by name, then ID.
    pub(crate) fn list_teams(&self, query: Option<&str>) -> Vec<Team> {
        let query = query.map(str::to_lowercase);
        let mut teams: Vec<&TeamRecord> = self
            .teams
            .values()
            .filter(|t| {
                query
                    .as_ref()
                    .is_none_or(|q| t.name.to_lowercase().contains(q.as_str()))
            })
            .collect();
        teams.sort_by_key(|t| (t.name.to_lowercase(), t.id.clone()));
        teams.into_iter().map(|t| self.render_team(t)).collect()
    }

    /// One team.
    ///
    /// # Errors
    /// 404/6001 when there is no such team.
    pub(crate) fn get_team(&self, id: &str) -> Result<Team, SimError> {
        self.teams
            .get(id)
            .map(|t| self.render_team(t))
            .ok_or_else(SimError::team_not_found)
    }

    /// A team's members with their team roles, ordered by user name, then user ID.
    ///
    /// # Errors
    /// 404/6001 when there is no such team.
    pub(crate) fn team_members(&self, team_id: &str) -> Result<Vec<TeamMember>, SimError> {
        if !self.teams.contains_key(team_id) {
            return Err(SimError::team_not_found());
        }
        let mut members: Vec<(&UserRecord, &TeamRole)> = self
            .memberships
            .range((team_id.to_string(), String::new())..)
            .take_while(|((t, _), _)| t == team_id)
            .filter_map(|((_, u), role)| self.users.get(u).map(|u| (u, role)))
            .collect();
        members.sort_by_key(|(u, _)| (u.name.to_lowercase(), u.id.clone()));
        Ok(members
            .into_iter()
            .map(|(u, role)| TeamMember {
                user: UserReference {
                    id: UserId::new(u.id.clone()),
                    kind: "user_reference".to_string(),
                    summary: Some(u.name.clone()),
                    self_url: Some(format!("{}/users/{}", self.api_base, u.id)),
                    html_url: Some(format!("{}/users/{}", self.web_base, u.id)),
                },
                role: role.clone(),
            })
            .collect())
    }

    // ----- writes ------------------------------------------------------------------------

    /// `POST /users`: checks the `From` header, decodes `{"user": {...}}`, validates and
    /// stores the user (invitation pending).
    ///
    /// # Errors
    /// 400 with code 2016 (no `From`), 1028 (malformed `From`), 1008 (`From` is not a user
    /// of the account), or 2001 with every validation problem in `errors[]`.
    pub(crate) fn create_user(
        &mut self,
        from: Option<&str>,
        body: &Value,
    ) -> Result<User, SimError> {
        self.check_requester(from)?;
        let obj = user_object(body)?;
        let mut errors = Vec::new();
        for (key, label) in [("name", "Name"), ("email", "Email")] {
            if obj.get(key).is_none_or(Value::is_null) {
                errors.push(format!("{label} can't be blank"));
            }
        }
        if !errors.is_empty() {
            return Err(SimError::invalid_input(errors));
        }
        let request: CreateUserRequest = serde_json::from_value(body.clone())
            .map_err(|e| SimError::invalid_input(vec![e.to_string()]))?;
        let new = request.user;
        let requested = requested_license(new.license.as_ref())?;
        let mut draft = Draft {
            name: new.name,
            email: new.email,
            role: new.role.unwrap_or(Role::User),
            time_zone: new.time_zone,
            job_title: new.job_title,
            description: new.description,
            color: new.color,
        };
        self.validate_draft(&mut draft, None, false, &mut errors);
        if !errors.is_empty() {
            return Err(SimError::invalid_input(errors));
        }
        if draft.role.is_stakeholder() {
            self.require_ability("read_only_users")?;
        }
        let license = if self.licenses.is_active() {
            Some(
                self.licenses
                    .resolve(&draft.role, requested.as_deref(), None)?,
            )
        } else {
            None
        };
        let id = self.ids.fresh();
        let email = draft.email.clone();
        self.insert_user(id.clone(), draft, true);
        if let Some(license) = license {
            self.licenses
                .assign(&UserId::new(id.clone()), &license.into(), self.clock.now());
        }
        self.contacts
            .add_defaults(&id, &email, &mut self.object_ids);
        self.get_user(&id, Includes::default())
    }

    /// `PUT /users/{id}`: a partial update (F34). Only the fields present change; read-only
    /// and unknown fields are ignored. An explicit `null` clears `time_zone` (back to the
    /// account zone), `job_title` and `description`.
    ///
    /// # Errors
    /// 404/2100 for an unknown user; 403/2010 for the account owner (F15); 400/2001 with the
    /// validation problems, among them a stakeholder role for a user on a team (F17) or on a
    /// schedule or escalation policy (§3.2, `OncallBook::rota_of`).
    pub(crate) fn update_user(&mut self, id: &str, body: &Value) -> Result<User, SimError> {
        let current = self.users.get(id).ok_or_else(SimError::not_found)?;
        if current.role == Role::Owner {
            return Err(SimError::access_denied(
                "The account owner cannot be changed with an API key",
            ));
        }
        let obj = user_object(body)?;
        let mut errors = Vec::new();
        for (key, label) in [("name", "Name"), ("email", "Email")] {
            if obj.get(key).is_some_and(Value::is_null) {
                errors.push(format!("{label} can't be blank"));
            }
        }
        if obj.get("role").is_some_and(Value::is_null) {
            errors.push(format!("Role must be in {ROLE_LIST}"));
        }
        let color = match obj.get("color") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                errors.push("Color must be a string".to_string());
                None
            }
        };
        if !errors.is_empty() {
            return Err(SimError::invalid_input(errors));
        }
        let request: UpdateUserRequest = serde_json::from_value(body.clone())
            .map_err(|e| SimError::invalid_input(vec![e.to_string()]))?;
        let patch = request.user;
        let requested = requested_license(patch.license.as_ref())?;
        let old_role = current.role.clone();
        let cleared = |key: &str| obj.get(key).is_some_and(Value::is_null);
        let mut draft = Draft {
            name: patch.name.unwrap_or_else(|| current.name.clone()),
            email: patch.email.unwrap_or_else(|| current.email.clone()),
            role: patch.role.unwrap_or_else(|| current.role.clone()),
            time_zone: if cleared("time_zone") {
                None
            } else {
                patch.time_zone.or_else(|| current.time_zone.clone())
            },
            job_title: if cleared("job_title") {
                None
            } else {
                patch.job_title.or_else(|| current.job_title.clone())
            },
            description: if cleared("description") {
                None
            } else {
                patch.description.or_else(|| current.description.clone())
            },
            color: Some(color.unwrap_or_else(|| current.color.clone())),
        };
        self.validate_draft(&mut draft, Some(id), false, &mut errors);
        if draft.role.is_stakeholder() && self.team_ids_of(id).next().is_some() {
            errors.push(format!(
                "Role {} cannot belong to teams; remove the user from its teams first",
                draft.role
            ));
        }
        if draft.role.is_stakeholder() && draft.role != old_role {
            let rota = self.oncall.rota_of(id);
            if !rota.is_empty() {
                errors.push(format!(
                    "Role {} cannot be on schedules or escalation policies; take the user off {} first",
                    draft.role,
                    rota.join(", ")
                ));
            }
        }
        if !errors.is_empty() {
            return Err(SimError::invalid_input(errors));
        }
        if draft.role.is_stakeholder() && draft.role != old_role {
            self.require_ability("read_only_users")?;
        }
        let license =
            if self.licenses.is_active() && (requested.is_some() || draft.role != old_role) {
                let current = self.licenses.license_id_of(id);
                Some(
                    self.licenses
                        .resolve(&draft.role, requested.as_deref(), current)?,
                )
            } else {
                None
            };
        if let Some(license) = license {
            self.licenses
                .assign(&id.into(), &license.into(), self.clock.now());
        }
        let user = self.users.get_mut(id).expect("checked above");
        self.order
            .remove(&(user.name.to_lowercase(), id.to_string()));
        self.order.insert(
            (draft.name.to_lowercase(), id.to_string()),
            draft.email.clone(),
        );
        user.name = draft.name;
        if user.email != draft.email {
            self.emails.remove(&user.email);
            self.emails.insert(draft.email.clone(), id.to_string());
        }
        user.email = draft.email;
        user.role = draft.role;
        user.time_zone = draft.time_zone;
        user.job_title = draft.job_title;
        user.description = draft.description;
        user.color = draft.color.expect("set above");
        self.get_user(id, Includes::default())
    }

    /// `DELETE /users/{id}`: removes the user, its team memberships, its licence allocation,
    /// contact methods and notification rules; the ID is never handed out again, and
    /// references to the user in escalation policies and schedules remain (F24; PagerDuty's
    /// Offboarding shows such a user as an inactive placeholder, §4.3).
    ///
    /// # Errors
    /// 404/2100 for an unknown user; 403/2010 for the account owner (F15, S33); 400/2001
    /// while triggered or acknowledged incidents are assigned to the user (F22: "Returns 400
    /// if the user has assigned incidents"; the account models no Offboarding reassignment;
    /// text Inf) or while the user is the only target of an escalation rule (Inf: a rule
    /// needs at least one target, OpenAPI `EscalationRule.targets` `minItems: 1`), every reason
    /// in `errors[]`.
    pub(crate) fn delete_user(&mut self, id: &str) -> Result<(), SimError> {
        let user = self.users.get(id).ok_or_else(SimError::not_found)?;
        if user.role == Role::Owner {
            return Err(SimError::access_denied(
                "The account owner cannot be deleted",
            ));
        }
        let mut reasons = Vec::new();
        let open = self.incidents.open_assigned_to(id);
        if !open.is_empty() {
            let list: Vec<String> = open.iter().map(|(i, t)| format!("{i} ({t})")).collect();
            reasons.push(format!(
                "User cannot be deleted while incidents are assigned to them: {}; resolve or \
                 reassign them first",
                list.join(", ")
            ));
        }
        for (name, policy, level) in self.oncall.sole_target_of(id) {
            reasons.push(format!(
                "User cannot be deleted as they are the only target of level {level} of \
                 escalation policy {name} ({policy}); add another target first"
            ));
        }
        if !reasons.is_empty() {
            return Err(SimError::invalid_input(reasons));
        }
        if let Some(user) = self.users.remove(id) {
            self.emails.remove(&user.email);
            self.order
                .remove(&(user.name.to_lowercase(), id.to_string()));
            self.deleted_names.insert(user.id, user.name);
        }
        self.remove_memberships_of(id);
        self.licenses.release(id);
        self.contacts.remove_user(id);
        self.oncall.forget_user(id);
        Ok(())
    }

    /// `PUT /teams/{team_id}/users/{user_id}`: adds the user to the team or changes its team
    /// role. `body` is the optional `{"role": ...}`; without a role the default follows the
    /// base role (§5.1, S25).
    ///
    /// # Errors
    /// 402/2014 without the `teams` ability (§5.1); 404/6001 unknown team; 404/2100 unknown
    /// user; 400/2001 for a role outside the enum or a stakeholder user (F17).
    pub(crate) fn set_membership(
        &mut self,
        team_id: &TeamId,
        user_id: &UserId,
        body: Option<&Value>,
    ) -> Result<(), SimError> {
        self.require_ability("teams")?;
        if !self.teams.contains_key(team_id.as_str()) {
            return Err(SimError::team_not_found());
        }
        let user = self
            .users
            .get(user_id.as_str())
            .ok_or_else(SimError::not_found)?;
        let role = match body {
            None => None,
            Some(Value::Object(map)) => match map.get("role") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(TeamRole::from(s.as_str())),
                Some(_) => {
                    return Err(SimError::invalid_input(vec![
                        "Role must be a string".to_string(),
                    ]));
                }
            },
            Some(_) => {
                return Err(SimError::invalid_input(vec![
                    "The request body must be a JSON object like {\"role\": \"responder\"}"
                        .to_string(),
                ]));
            }
        };
        let role = role.unwrap_or_else(|| default_team_role(&user.role));
        check_membership(&user.role, &role)?;
        self.insert_membership(team_id, user_id, role);
        Ok(())
    }

    /// `DELETE /teams/{team_id}/users/{user_id}`: removes the membership. Removing a user who
    /// is not a member succeeds too (Inf: PagerDuty documents no error for it).
    ///
    /// # Errors
    /// 402/2014 without the `teams` ability (§5.1); 404/6001 unknown team; 404/2100 unknown
    /// user; 400/2001 [`TEAM_REMOVAL_BLOCKED`] while an escalation policy of the team targets
    /// the member directly or through a schedule (F32; "through a schedule" is Inf, see
    /// `oncall`).
    pub(crate) fn remove_membership(
        &mut self,
        team_id: &TeamId,
        user_id: &UserId,
    ) -> Result<(), SimError> {
        self.require_ability("teams")?;
        if !self.teams.contains_key(team_id.as_str()) {
            return Err(SimError::team_not_found());
        }
        if !self.users.contains_key(user_id.as_str()) {
            return Err(SimError::not_found());
        }
        let key = (team_id.to_string(), user_id.to_string());
        if self.memberships.contains_key(&key)
            && !self
                .oncall
                .team_policies_reaching(team_id, user_id)
                .is_empty()
        {
            return Err(SimError::invalid_input(vec![
                TEAM_REMOVAL_BLOCKED.to_string(),
            ]));
        }
        self.memberships
            .remove(&(team_id.to_string(), user_id.to_string()));
        self.user_teams
            .remove(&(user_id.to_string(), team_id.to_string()));
        Ok(())
    }

    /// `POST /users/{id}/contact_methods`.
    ///
    /// # Errors
    /// 404/2100 for an unknown user (Inf: the operation lists no 404); 400/2001 with every
    /// problem (rules in `contacts`).
    pub(crate) fn create_contact_method(
        &mut self,
        user: &str,
        body: &Value,
    ) -> Result<ContactMethod, SimError> {
        if !self.users.contains_key(user) {
            return Err(SimError::not_found());
        }
        let draft = self.contacts.read_method(user, body)?;
        let id = self.object_ids.fresh();
        self.contacts.add_method(user, id.clone(), draft);
        self.contacts.method_of(user, &id, &*self)
    }

    /// `POST /users/{id}/notification_rules`.
    ///
    /// # Errors
    /// 404/2100 for an unknown user (Inf); 400/2001 with every problem (rules in `contacts`);
    /// 402/2014 for a low-urgency rule without the `urgencies` ability (OpenAPI
    /// `NotificationRule.urgency`).
    pub(crate) fn create_notification_rule(
        &mut self,
        user: &str,
        body: &Value,
    ) -> Result<NotificationRule, SimError> {
        if !self.users.contains_key(user) {
            return Err(SimError::not_found());
        }
        let draft = self.contacts.read_rule(user, body)?;
        if draft.urgency == Urgency::Low {
            self.require_ability("urgencies")?;
        }
        let id = self.object_ids.fresh();
        self.contacts.add_rule(user, id.clone(), draft);
        Ok(self
            .contacts
            .rule_of(user, &id, &*self)
            .expect("just added"))
    }

    /// `GET /users/{id}/notification_rules/{notification_rule_id}`.
    ///
    /// # Errors
    /// 404/2100 for an unknown user, or a rule that is not one of the user's (OpenAPI
    /// `getUserNotificationRule` lists 404).
    pub(crate) fn notification_rule(
        &self,
        user: &UserId,
        rule: &NotificationRuleId,
    ) -> Result<NotificationRule, SimError> {
        if !self.users.contains_key(user.as_str()) {
            return Err(SimError::not_found());
        }
        self.contacts
            .rule_of(user.as_str(), rule.as_str(), self)
            .ok_or_else(SimError::not_found)
    }

    /// `DELETE /users/{id}/notification_rules/{notification_rule_id}`: removes one of the
    /// user's rules, whichever it is (PagerDuty's default rule included). The operation
    /// (`deleteUserNotificationRule`) documents 204, 401, 403, 404 and 429 and no 400, so
    /// no rule is refused (Inf: whether PagerDuty keeps a user from deleting their last
    /// rule is not documented).
    ///
    /// # Errors
    /// 404/2100 for an unknown user, or a rule that is not one of the user's (a rule
    /// already deleted included).
    pub(crate) fn delete_notification_rule(
        &mut self,
        user: &UserId,
        rule: &NotificationRuleId,
    ) -> Result<(), SimError> {
        if !self.users.contains_key(user.as_str()) || !self.contacts.remove_rule(user, rule) {
            return Err(SimError::not_found());
        }
        Ok(())
    }

    // ----- the other parts ---------------------------------------------------------------

    /// The current instant of the simulator's clock.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Freezes the clock at `now`.
    pub(crate) fn set_clock(&mut self, now: DateTime<Utc>) {
        self.clock = Clock::Fixed(now);
    }

    /// The account's abilities, in seed order (`GET /abilities`).
    pub(crate) fn abilities(&self) -> &[String] {
        &self.abilities
    }

    /// True when the account has the ability (`GET /abilities/{id}` → 204).
    pub(crate) fn has_ability(&self, name: &str) -> bool {
        self.abilities.iter().any(|a| a == name)
    }

    /// Nothing when the account has the ability.
    ///
    /// # Errors
    /// 402 with code 2014 "Missing Account Ability" (S9; 402 = "Account does not have the
    /// abilities to perform the action", OpenAPI `PaymentRequired`), naming the ability.
    pub(crate) fn require_ability(&self, name: &str) -> Result<(), SimError> {
        if self.has_ability(name) {
            return Ok(());
        }
        Err(SimError::api(
            402,
            error_codes::MISSING_ABILITY,
            "Missing Account Ability",
            vec![format!("The account does not have the {name} ability")],
        ))
    }

    /// Escalation policies and schedules.
    pub(crate) fn oncall(&self) -> &OncallBook {
        &self.oncall
    }

    /// Incidents.
    pub(crate) fn incidents(&self) -> &IncidentBook {
        &self.incidents
    }

    /// Licences and allocations.
    pub(crate) fn licenses(&self) -> &LicenseBook {
        &self.licenses
    }

    /// Contact methods and notification rules.
    pub(crate) fn contacts(&self) -> &ContactBook {
        &self.contacts
    }

    // ----- rules -------------------------------------------------------------------------

    /// The `From` header rules (F6, F7): required on `POST /users`; must look like an email;
    /// must be a user of the account. PagerDuty documents the header as "the email address of
    /// a valid user associated with the account" but not the error for an unknown one; the
    /// simulator answers 400 with code 1008 "Requester User Not Found" from PagerDuty's
    /// error-code list (S9), the closest documented match (Inf).
    pub(crate) fn check_requester(&self, from: Option<&str>) -> Result<(), SimError> {
        let Some(from) = from.map(str::trim).filter(|f| !f.is_empty()) else {
            return Err(SimError::api(
                400,
                MISSING_FROM_CODE,
                "You must specify a user's email address in the \"From\" header to perform this action",
                Vec::new(),
            ));
        };
        if !is_email_shaped(from) {
            return Err(SimError::api(
                400,
                error_codes::MALFORMED_FROM,
                "Malformed \"From\" header",
                Vec::new(),
            ));
        }
        if self.user_by_email(from).is_none() {
            return Err(SimError::api(
                400,
                1008,
                "Requester User Not Found",
                vec![format!("{from} is not a user of this account")],
            ));
        }
        Ok(())
    }

    /// Normalises `d` (name spaces, email case) and appends every broken rule to `errors`.
    /// `self_id` is the user being updated (excluded from the uniqueness check).
    fn validate_draft(
        &self,
        d: &mut Draft,
        self_id: Option<&str>,
        allow_owner: bool,
        errors: &mut Vec<String>,
    ) {
        d.name = collapse_spaces(&d.name);
        if d.name.is_empty() {
            errors.push("Name can't be blank".to_string());
        } else if d.name.chars().count() > NAME_MAX_CHARS {
            errors.push("Name is too long (maximum is 100 characters)".to_string());
        }

        d.email = pagerduty_email(&d.email);
        let len = d.email.chars().count();
        if d.email.is_empty() {
            errors.push("Email can't be blank".to_string());
        } else if len < EMAIL_MIN_CHARS {
            errors.push("Email is too short (minimum is 6 characters)".to_string());
        } else if len > EMAIL_MAX_CHARS {
            errors.push("Email is too long (maximum is 100 characters)".to_string());
        } else if !is_email_shaped(&d.email) {
            errors.push("Email is invalid".to_string());
        } else if self
            .emails
            .get(&d.email)
            .is_some_and(|owner| Some(owner.as_str()) != self_id)
        {
            errors.push(EMAIL_TAKEN.to_string());
        }

        match &d.role {
            Role::Other(r) => errors.push(format!("Role must be in {ROLE_LIST} (got {r:?})")),
            Role::Owner if !allow_owner => {
                errors.push("Role owner cannot be assigned through the API".to_string())
            }
            _ => {}
        }

        if let Some(tz) = &d.time_zone
            && !is_valid_time_zone(tz)
        {
            errors.push("Time zone is not a valid tzinfo identifier".to_string());
        }
        if let Some(t) = &d.job_title
            && t.chars().count() > JOB_TITLE_MAX_CHARS
        {
            errors.push("Job title is too long (maximum is 100 characters)".to_string());
        }
    }

    // ----- rendering ---------------------------------------------------------------------

    fn render_user(&self, u: &UserRecord, inc: Includes) -> User {
        let teams = self
            .team_ids_of(&u.id)
            .filter_map(|team| self.teams.get(team))
            .collect();
        self.render_user_with(u, teams, inc)
    }

    fn render_user_with(&self, u: &UserRecord, mut teams: Vec<&TeamRecord>, inc: Includes) -> User {
        let include_teams = inc.teams;
        teams.sort_by_key(|t| (t.name.to_lowercase(), t.id.clone()));
        User {
            id: UserId::new(u.id.clone()),
            kind: "user".to_string(),
            summary: Some(u.name.clone()),
            self_url: Some(format!("{}/users/{}", self.api_base, u.id)),
            html_url: Some(format!("{}/users/{}", self.web_base, u.id)),
            name: u.name.clone(),
            email: u.email.clone(),
            time_zone: Some(
                u.time_zone
                    .clone()
                    .unwrap_or_else(|| self.time_zone.clone()),
            ),
            color: Some(u.color.clone()),
            role: u.role.clone(),
            avatar_url: Some(AVATAR_URL.to_string()),
            description: u.description.clone(),
            invitation_sent: Some(u.invitation_sent),
            job_title: u.job_title.clone(),
            created_via_sso: Some(false),
            teams: teams
                .into_iter()
                .map(|t| TeamReference {
                    id: TeamId::new(t.id.clone()),
                    kind: if include_teams {
                        "team"
                    } else {
                        "team_reference"
                    }
                    .to_string(),
                    summary: Some(t.name.clone()),
                    name: include_teams.then(|| t.name.clone()),
                    self_url: Some(format!("{}/teams/{}", self.api_base, t.id)),
                    html_url: Some(format!("{}/teams/{}", self.web_base, t.id)),
                })
                .collect(),
            contact_methods: self.contacts.user_methods(&u.id, inc.contact_methods, self),
            notification_rules: self
                .contacts
                .user_rules(&u.id, inc.notification_rules, self),
        }
    }

    fn render_team(&self, t: &TeamRecord) -> Team {
        Team {
            id: TeamId::new(t.id.clone()),
            kind: "team".to_string(),
            name: t.name.clone(),
            description: t.description.clone(),
            summary: Some(t.name.clone()),
            self_url: Some(format!("{}/teams/{}", self.api_base, t.id)),
            html_url: Some(format!("{}/teams/{}", self.web_base, t.id)),
            default_role: Some(t.default_role.clone()),
        }
    }
}

impl Lookup for Account {
    fn api_url(&self, path: &str) -> String {
        format!("{}{path}", self.api_base)
    }

    fn web_url(&self, path: &str) -> String {
        format!("{}{path}", self.web_base)
    }

    fn user_name(&self, id: &str) -> Option<String> {
        self.users
            .get(id)
            .map(|u| u.name.clone())
            .or_else(|| self.deleted_names.get(id).cloned())
    }

    fn team_name(&self, id: &str) -> Option<String> {
        self.teams.get(id).map(|t| t.name.clone())
    }
}

/// The licence ID of a `"license": {"id", "type": "license_reference"}` in a user body.
///
/// # Errors
/// 400/2001 when `type` is not `license_reference` (OpenAPI `LicenseReference`).
fn requested_license(license: Option<&LicenseReference>) -> Result<Option<String>, SimError> {
    match license {
        None => Ok(None),
        Some(l) if l.kind == "license_reference" => Ok(Some(l.id.to_string())),
        Some(l) => Err(SimError::invalid_input(vec![format!(
            "License must be a license_reference, got type {:?}",
            l.kind
        )])),
    }
}

fn seed_draft(u: &SeedUser) -> Draft {
    Draft {
        name: u.name.clone(),
        email: u.email.clone(),
        role: u.role.clone().unwrap_or(Role::User),
        time_zone: u.time_zone.clone(),
        job_title: u.job_title.clone(),
        description: u.description.clone(),
        color: u.color.clone(),
    }
}

/// The `user` object of a `{"user": {...}}` body.
fn user_object(body: &Value) -> Result<&Map<String, Value>, SimError> {
    envelope(body, "user")
}

/// The team role a member gets when none is given: observer for Observer, Stakeholder and
/// Restricted Access; responder for Responder (`limited_user`); manager for Manager (`user`),
/// Global Admin and Owner (S25 "Team Roles"; §5.1 of `PAGERDUTY_API.md`).
pub(crate) fn default_team_role(base: &Role) -> TeamRole {
    match base {
        Role::LimitedUser => TeamRole::Responder,
        Role::User | Role::Admin | Role::Owner => TeamRole::Manager,
        _ => TeamRole::Observer,
    }
}

fn check_membership(base: &Role, role: &TeamRole) -> Result<(), SimError> {
    if !role.is_known() {
        return Err(SimError::invalid_input(vec![format!(
            "Role must be in observer, responder, manager (got {:?})",
            role.as_str()
        )]));
    }
    if base.is_stakeholder() {
        return Err(SimError::invalid_input(vec![format!(
            "A user with base role {base} cannot be added to a team"
        )]));
    }
    Ok(())
}

fn first_detail(e: &SimError) -> String {
    let body = e.envelope().error;
    body.errors.first().cloned().unwrap_or(body.message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn account(seed: &str) -> Account {
        Account::from_seed(&Seed::from_json(seed).unwrap(), "http://sim").unwrap()
    }

    #[test]
    fn names_collapse_and_emails_lower_case() {
        let mut a =
            account(r#"{"users":[{"name":"Boss","email":"boss@example.com","role":"admin"}]}"#);
        let u = a
            .create_user(
                Some("Boss@Example.com"),
                &json!({"user":{"name":"  Ann   de  Vries ","email":"Ann.De.Vries@Example.COM",
                               "description":"line 1\nline 2"}}),
            )
            .unwrap();
        assert_eq!(u.name, "Ann de Vries");
        assert_eq!(u.email, "ann.de.vries@example.com");
        assert_eq!(u.description.as_deref(), Some("line 1\nline 2"));
        assert_eq!(u.role, Role::User);
        assert_eq!(u.time_zone.as_deref(), Some("Etc/UTC"));
        assert_eq!(u.invitation_sent, Some(true));
    }

    #[test]
    fn default_team_roles_follow_base_roles() {
        assert_eq!(default_team_role(&Role::LimitedUser), TeamRole::Responder);
        assert_eq!(default_team_role(&Role::User), TeamRole::Manager);
        assert_eq!(default_team_role(&Role::Admin), TeamRole::Manager);
        assert_eq!(default_team_role(&Role::Observer), TeamRole::Observer);
        assert_eq!(
            default_team_role(&Role::RestrictedAccess),
            TeamRole::Observer
        );
    }

    #[test]
    fn the_kept_order_and_team_index_follow_every_change() {
        let mut a = account(
            r#"{"teams":[{"id":"PTEAM01","name":"Ops"},{"id":"PTEAM02","name":"Dev"}],
                "users":[{"id":"PUSER01","name":"bea","email":"b@example.com","role":"admin"},
                         {"id":"PUSER02","name":"Al","email":"a@example.com","teams":[{"team":"ops"}]},
                         {"id":"PUSER03","name":"Cy","email":"c@example.com","teams":[{"team":"PTEAM02"}]}]}"#,
        );
        fn all(a: &Account) -> Vec<String> {
            let ids = a.user_ids(&UserFilter::default());
            ids.into_iter().map(String::from).collect()
        }
        assert_eq!(all(&a), ["PUSER02", "PUSER01", "PUSER03"]);
        a.update_user("PUSER03", &json!({"user":{"name":"Aaron"}}))
            .unwrap();
        assert_eq!(all(&a), ["PUSER03", "PUSER02", "PUSER01"]);
        let ops = UserFilter {
            query: None,
            team_ids: vec!["PTEAM01".into()],
        };
        assert_eq!(a.user_ids(&ops), ["PUSER02"]);
        a.set_membership(&"PTEAM01".into(), &"PUSER01".into(), None)
            .unwrap();
        assert_eq!(a.user_ids(&ops), ["PUSER02", "PUSER01"]);
        assert_eq!(
            a.get_user("PUSER01", Includes::default())
                .unwrap()
                .teams
                .len(),
            1
        );
        a.remove_membership(&"PTEAM01".into(), &"PUSER02".into())
            .unwrap();
        assert_eq!(a.user_ids(&ops), ["PUSER01"]);
        let by_query = UserFilter {
            query: Some("A@EXAMPLE".into()),
            team_ids: vec![],
        };
        assert_eq!(a.user_ids(&by_query), ["PUSER02"]);
        a.delete_user("PUSER01").unwrap();
        assert_eq!(all(&a), ["PUSER03", "PUSER02"]);
        assert!(a.user_ids(&ops).is_empty());
        assert!(a.team_members("PTEAM01").unwrap().is_empty());
        assert_eq!(a.team_members("PTEAM02").unwrap().len(), 1);
    }

    #[test]
    fn stakeholder_cannot_be_demoted_into_while_on_a_team() {
        let mut a = account(
            r#"{"teams":[{"id":"PTEAM01","name":"Ops"}],
                "users":[{"id":"PUSER01","name":"A","email":"a@example.com",
                          "teams":[{"team":"Ops"}]}]}"#,
        );
        let e = a
            .update_user("PUSER01", &json!({"user":{"role":"read_only_user"}}))
            .unwrap_err();
        assert_eq!(e.status(), 400);
        a.remove_membership(&"PTEAM01".into(), &"PUSER01".into())
            .unwrap();
        let u = a
            .update_user("PUSER01", &json!({"user":{"role":"read_only_user"}}))
            .unwrap();
        assert_eq!(u.role, Role::ReadOnlyUser);
    }
}
