//! The checks of `doctor`: whether a configuration can work against its account, judged
//! from what [`crate::observe::preflight`] read, each with what was found and, unless it
//! passed, what to do (README.md § Before the first run: doctor). Pure: facts in, checks
//! out; `report::doctor_text` and `report::doctor_json` render them, and
//! `commands::doctor` wires the three together.
//!
//! The checks, in order:
//!
//! | check | request | fails when |
//! |---|---|---|
//! | `api_key` | `GET /users/me` | PagerDuty rejects the key (401) or cannot be reached, or a user-level key's user is neither a Global Admin nor the Account Owner (§1.3: only they may add users and set roles; such a key's writes answer 403); a 400 means an account-level key and passes (OpenAPI `getCurrentUser`) |
//! | `write_access` | none | never (a note): a read-only key shows itself only by a 403 on a write |
//! | `marker_key` | none | the marker key (`--marker-key-file` or `PAGERDUTY_MARKER_KEY`, and the previous one) is refused (a key file others can read, empty, too short); passed, it names where the key was read from (never the key); unset it is a note: markers are not signed |
//! | `from_user` | `GET /users?query=` | no user has `[pagerduty] from` (fact F6), or, with an account-level key (as whose From user PagerDuty acts, F8), its user is neither a Global Admin nor the Account Owner (§1.3; a note with a user-level key) |
//! | `vocabulary` | none | the time zone is not one of PagerDuty's 135, or a role is not in its enums: the configuration's own problems ([`Config::load_keeping_vocabulary`]), with their lines |
//! | `abilities` | `GET /abilities` | the account lacks `teams` while `[[teams.rule]]` exist (§5.1: 402 without it), or `read_only_users` while a stakeholder role is configured (fact F16) |
//! | `teams` | `GET /teams` | a `[[teams.rule]]` team is missing or ambiguous (the planner's own resolution, [`ResolvedRules::resolve`]) |
//! | `licenses` | `GET /licenses` | a licence a rule names (`default_license`, a rule's `license`) is not the account's or does not allow the rule's role ([`licenses::rule_problems`], the planner's check, exit 78 in `plan`); or the account uses licences and none allows a configured base role (fact F20; the planner's rule, [`licenses::allowing`]) |
//! | `archive` | none | only with `[lifecycle] archive`: fails when its folder does not exist (plan and apply stop); a note when the file does not exist, since a lost archive cannot be told from one not created yet |
//!
//! A rejected or unreachable key stops the checks that need the API (they are listed as
//! `skipped`).

use crate::config::{Config, ConfigProblem, ENV_MARKER_KEY, ENV_MARKER_KEY_PREVIOUS};
use crate::marker::MarkerKeys;
use crate::observe::preflight::{Asked, Preflight};
use crate::observe::{ObserveError, connection_hint};
use crate::pagerduty::models::Team;
use crate::pagerduty::models::licenses::LicenseWithCounts;
use crate::pagerduty::{ApiError, KeyOwner, TransportKind};
use crate::plan::rules::ResolvedRules;
use crate::plan::{PlanError, Policy, licenses};
use crate::vocab::Role;
use crate::words::plural;
use std::collections::{BTreeMap, BTreeSet};

mod local;
pub use local::ArchivePresence;
use local::{archive_check, marker_check, vocabulary_check};

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The check passed.
    Pass,
    /// The check failed: the run would fail or be refused (exit 1).
    Fail,
    /// Something to know that is not a failure (does not change the exit code).
    Note,
    /// Not run, because an earlier check showed the API cannot be used.
    Skipped,
}

impl Status {
    /// The JSON and text name: `pass`, `fail`, `note` or `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Note => "note",
            Status::Skipped => "skipped",
        }
    }
}

/// One check's result: a stable name (the JSON `check`), a title, the status, what was
/// found and, unless it passed, what to do.
#[derive(Debug, Clone)]
pub struct Check {
    /// The stable name (the JSON `check`), e.g. `api_key`.
    pub name: &'static str,
    /// The title people read, e.g. `API key`.
    pub title: &'static str,
    /// How it ended.
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do, unless it passed.
    pub fix: Option<String>,
}

impl Check {
    fn new(name: &'static str, title: &'static str, status: Status, detail: String) -> Check {
        Check {
            name,
            title,
            status,
            detail,
            fix: None,
        }
    }

    fn fix(mut self, fix: impl Into<String>) -> Check {
        self.fix = Some(fix.into());
        self
    }
}

/// What [`crate::observe::Observer::preflight`] should read for `cfg`: the abilities only
/// when something configured needs one, the teams only when a `[[teams.rule]]` names one.
pub fn asked(cfg: &Config) -> Asked {
    Asked {
        from: cfg.pagerduty.from.clone(),
        abilities: !abilities_needed(cfg).0.is_empty(),
        teams: !cfg.teams.rules.is_empty(),
    }
}

/// True when no check failed (a note or a skip is not a failure).
pub fn passed(checks: &[Check]) -> bool {
    !checks.iter().any(|c| c.status == Status::Fail)
}

/// Where a run reads each marker key from, in words, as the `marker_key` check names it
/// (never the key): `the marker key file PATH` (`--marker-key-file`,
/// `--marker-key-previous-file`) or the variable's name (`PAGERDUTY_MARKER_KEY`,
/// `PAGERDUTY_MARKER_KEY_PREVIOUS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerKeySources {
    /// Where the current key is read from.
    pub current: String,
    /// Where the previous key (a rotation's) is read from.
    pub previous: String,
}

impl Default for MarkerKeySources {
    /// Both keys from the environment.
    fn default() -> Self {
        MarkerKeySources {
            current: ENV_MARKER_KEY.into(),
            previous: ENV_MARKER_KEY_PREVIOUS.into(),
        }
    }
}

/// What `doctor` found without a request, for [`diagnose`].
#[derive(Debug)]
pub struct Local<'a> {
    /// The run's marker keys, `Err` holding why they are refused.
    pub marker_keys: Result<Option<MarkerKeys>, String>,
    /// Where the marker keys are read from.
    pub sources: &'a MarkerKeySources,
    /// How the configured `[lifecycle] archive` stands (`None` without an archive).
    pub archive: Option<ArchivePresence>,
    /// The configuration's names outside PagerDuty's vocabulary, each with its key and
    /// line ([`Config::load_keeping_vocabulary`]); empty when there are none.
    pub vocabulary: &'a [ConfigProblem],
}

/// Every check, in the order of the module table, judged from `facts` (read with
/// [`asked`]`(cfg)`) and what was found without a request (`local`).
/// `api_url` is named in the fixes of the key check, and `api_key_source`, where the API
/// key was read from in words (`PAGERDUTY_API_KEY` or `the API key file PATH`), in its
/// detail and fixes.
pub fn diagnose(
    cfg: &Config,
    facts: &Preflight,
    local: Local<'_>,
    api_url: &str,
    api_key_source: &str,
) -> Vec<Check> {
    let Local {
        marker_keys,
        sources,
        archive,
        vocabulary,
    } = local;
    let mut checks = vec![key_check(&facts.key, api_url, api_key_source)];
    checks.push(
        Check::new(
            "write_access",
            "Write access",
            Status::Note,
            "not checked: PagerDuty shows a read-only key only by refusing a write (403), and doctor writes nothing".into(),
        )
        .fix("use a full-access REST API key; with a read-only key plan works and apply fails with 403"),
    );
    checks.push(marker_check(marker_keys, sources));
    let skipped = |name, title| {
        Check::new(
            name,
            title,
            Status::Skipped,
            "not run: the API key check failed".into(),
        )
    };
    let (Some(from), Some(licenses)) = (&facts.from_user, &facts.licenses) else {
        checks.push(vocabulary_check(cfg, vocabulary));
        checks.extend(
            [
                ("from_user", "From user"),
                ("abilities", "Abilities"),
                ("teams", "Teams"),
                ("licenses", "Licences"),
            ]
            .map(|(name, title)| skipped(name, title)),
        );
        checks.extend(archive_check(cfg, archive));
        return checks;
    };
    let user_key = matches!(facts.key, Ok(KeyOwner::User(_)));
    checks.push(from_check(from, cfg, user_key));
    checks.push(vocabulary_check(cfg, vocabulary));
    checks.push(abilities_check(facts.abilities.as_ref(), cfg));
    checks.push(teams_check(facts.teams.as_ref(), cfg));
    checks.push(licenses_check(licenses, cfg));
    checks.extend(archive_check(cfg, archive));
    checks
}

/// A failed request as a failed check: the error (which never holds the key) and the fix
/// for a refused key, an unreachable URL or a refused read.
fn request_failed(
    name: &'static str,
    title: &'static str,
    e: &ObserveError,
    api_url: &str,
    key_source: &str,
) -> Check {
    let e = e.api_error();
    let hint = connection_hint(e, api_url);
    let fix = match e {
        _ if hint.is_some() => hint.unwrap_or_default(),
        // The menu paths as PagerDuty's "API Access Keys" page gives them
        // (https://support.pagerduty.com/docs/api-access-keys, "Generate a General Access
        // REST API Key": admins and the account owner; "Integrations > Developer Tools > API
        // Access Keys", "Create New API Key", "Read-only API Key" optional), and for a
        // user's own key its older "Generating API Keys" page
        // (https://support.pagerduty.com/docs/generating-api-keys: with Advanced
        // Permissions, "on the User Settings tab of their user profile").
        ApiError::Status { status: 401, .. } => format!(
            "check the key read from {key_source}: PagerDuty at {api_url} rejected it; an admin or the account owner creates a general access REST API key in PagerDuty's web app under Integrations > Developer Tools > API Access Keys > Create New API Key, leaving Read-only API Key unchecked (on an account with Advanced Permissions, a user's own key is made on the User Settings tab of their profile)"
        ),
        ApiError::Status { status: 403, .. } => format!(
            "check that the key read from {key_source} may read users, teams, abilities and licences of the account at {api_url}"
        ),
        ApiError::Transport {
            kind: TransportKind::Connect,
            ..
        } => format!(
            "check the API URL {api_url} ([pagerduty] api_url, PAGERDUTY_API_URL or --api-url) and the network"
        ),
        _ => "run doctor again; if it keeps failing, PagerDuty may be having trouble (status.pagerduty.com)".into(),
    };
    Check::new(
        name,
        title,
        Status::Fail,
        format!("the request failed: {e}"),
    )
    .fix(fix)
}

/// `GET /users/me`: a user (user-level key), a 400 (account-level key) or a failure; the
/// detail and the fix name where the key was read from (`key_source`), never the key.
fn key_check(key: &Result<KeyOwner, ObserveError>, api_url: &str, key_source: &str) -> Check {
    const NAME: &str = "api_key";
    const TITLE: &str = "API key";
    match key {
        Ok(KeyOwner::User(u)) if !u.role.manages_users() => Check::new(
            NAME,
            TITLE,
            Status::Fail,
            format!(
                "accepted (read from {key_source}), but it is a user-level key of {} <{}> (base role {}): a user-level key carries its user's permissions, and only a Global Admin or the Account Owner may add users and set roles, so PagerDuty answers 403 to apply's creates and role changes",
                u.name, u.email, u.role
            ),
        )
        .fix(format!(
            "use a key of a user whose base role is admin (an account-level general access key, or the key of a Global Admin bot user), or give {} the Global Admin base role",
            u.email
        )),
        Ok(KeyOwner::User(u)) => Check::new(
            NAME,
            TITLE,
            Status::Pass,
            format!(
                "accepted (read from {key_source}): a user-level key of {} <{}> (base role {}); PagerDuty records the job's changes as made by this user",
                u.name, u.email, u.role
            ),
        ),
        Ok(KeyOwner::Account) => Check::new(
            NAME,
            TITLE,
            Status::Pass,
            format!(
                "accepted (read from {key_source}): an account-level key (GET /users/me answered 400, so it belongs to no user); users are created in the name of the From user"
            ),
        ),
        Err(e) => {
            let c = request_failed(NAME, TITLE, e, api_url, key_source);
            if let ApiError::Status { status: 401, .. } = e.api_error() {
                Check {
                    detail: format!("PagerDuty rejected the key (401): {}", e.api_error()),
                    ..c
                }
            } else {
                c
            }
        }
    }
}

/// `[pagerduty] from` names an existing user (fact F6: `POST /users` needs it) who may add
/// users and set roles (§1.3): a failure with an account-level key, as whom PagerDuty then
/// acts, a note with a user-level key (`user_key`), as whose user it acts instead (F8).
fn from_check(
    found: &Result<Option<crate::pagerduty::models::User>, ObserveError>,
    cfg: &Config,
    user_key: bool,
) -> Check {
    const NAME: &str = "from_user";
    const TITLE: &str = "From user";
    let from = &cfg.pagerduty.from;
    match found {
        // With an account-level key PagerDuty acts as the From user (facts F6, F8); with a
        // user-level key as the key's user, whose role the key check judges.
        Ok(Some(u)) if !u.role.manages_users() => {
            let fix = format!(
                "give {from} the Global Admin base role (admin) in PagerDuty, or set [pagerduty] from to the email of an admin the job acts for"
            );
            let found = format!(
                "{from} is {} ({}, base role {}): only a Global Admin or the Account Owner may add users and set roles",
                u.name, u.id, u.role
            );
            if user_key {
                Check::new(
                    NAME,
                    TITLE,
                    Status::Note,
                    format!("{found}; with this user-level key PagerDuty acts as the key's user, so it does not matter now, but with an account-level key PagerDuty would refuse the creates and role changes made in this user's name (403)"),
                )
                .fix(fix)
            } else {
                Check::new(
                    NAME,
                    TITLE,
                    Status::Fail,
                    format!("{found}; with an account-level key PagerDuty acts as this user, so it refuses apply's creates and role changes (403)"),
                )
                .fix(fix)
            }
        }
        Ok(Some(u)) => Check::new(
            NAME,
            TITLE,
            Status::Pass,
            format!("{from} is {} ({}, base role {})", u.name, u.id, u.role),
        ),
        Ok(None) => Check::new(
            NAME,
            TITLE,
            Status::Fail,
            format!("no user of the account has the email {from}; PagerDuty refuses POST /users without an existing user in From"),
        )
        .fix("set [pagerduty] from to the email of an existing user (an admin the job acts for), and list it in [lifecycle] protected"),
        Err(e) => request_failed(NAME, TITLE, e, "", "the API key"),
    }
}

/// Every base role the configuration can give: `[roles] default`, each `[[roles.rule]]`
/// role and `[lifecycle] suspended_role`, without repeats, in that order.
fn configured_roles(cfg: &Config) -> Vec<Role> {
    let mut out: Vec<Role> = Vec::new();
    let all = std::iter::once(&cfg.roles.default)
        .chain(cfg.roles.rules.iter().map(|r| &r.role))
        .chain(std::iter::once(&cfg.lifecycle.suspended_role));
    for r in all {
        if !out.contains(r) {
            out.push(r.clone());
        }
    }
    out
}

/// The abilities the configuration needs: `teams` for `[[teams.rule]]` (team membership
/// changes answer 402 without it, §5.1 of `PAGERDUTY_API.md`), `read_only_users` for a
/// stakeholder base role (fact F16). `observer` and `restricted_access` need Advanced
/// Permissions, for which PagerDuty documents no ability name (fact F16): a note.
fn abilities_check(read: Option<&Result<BTreeSet<String>, ObserveError>>, cfg: &Config) -> Check {
    const NAME: &str = "abilities";
    const TITLE: &str = "Abilities";
    let (needed, caveat) = abilities_needed(cfg);
    let read = match read {
        Some(read) if !needed.is_empty() => read,
        _ => {
            let detail = "no configured rule or role needs one".to_string();
            return match caveat {
                Some(c) => Check::new(NAME, TITLE, Status::Note, format!("{detail}; {c}")),
                None => Check::new(NAME, TITLE, Status::Pass, detail),
            };
        }
    };
    let have = match read {
        Ok(have) => have,
        Err(e) => return request_failed(NAME, TITLE, e, "", "the API key"),
    };
    let missing: Vec<String> = needed
        .iter()
        .filter(|(a, _)| !have.contains(*a))
        .map(|(a, why)| format!("{a} (needed by {why})"))
        .collect();
    let with_caveat = |d: String| match &caveat {
        Some(c) => format!("{d}; {c}"),
        None => d,
    };
    if missing.is_empty() {
        let names: Vec<&str> = needed.iter().map(|(a, _)| *a).collect();
        Check::new(
            NAME,
            TITLE,
            Status::Pass,
            with_caveat(format!("the account has {}", names.join(" and "))),
        )
    } else {
        Check::new(
            NAME,
            TITLE,
            Status::Fail,
            with_caveat(format!("the account lacks {}", missing.join(", "))),
        )
        .fix("change the PagerDuty plan to one with these abilities, or remove the rules and roles that need them")
    }
}

/// The abilities `cfg` needs, each with what needs it, and the caveat for roles that need
/// Advanced Permissions (no ability name to check).
fn abilities_needed(cfg: &Config) -> (Vec<(&'static str, String)>, Option<String>) {
    let roles = configured_roles(cfg);
    let mut needed: Vec<(&'static str, String)> = Vec::new();
    if !cfg.teams.rules.is_empty() {
        needed.push(("teams", "[[teams.rule]] team memberships".into()));
    }
    // One rule with the run's own check (`plan::safety::missing_abilities`): the ability
    // each base role needs is `Role::ability`.
    let mut by_ability: BTreeMap<&'static str, Vec<&str>> = BTreeMap::new();
    for r in &roles {
        if let Some(a) = r.ability() {
            by_ability.entry(a).or_default().push(r.as_str());
        }
    }
    for (ability, with) in by_ability {
        let what = plural(with.len(), "role", "roles");
        needed.push((
            ability,
            format!("the stakeholder {what} {}", with.join(", ")),
        ));
    }
    let advanced: Vec<&str> = roles
        .iter()
        .filter(|r| matches!(r, Role::Observer | Role::RestrictedAccess))
        .map(Role::as_str)
        .collect();
    let caveat = (!advanced.is_empty()).then(|| {
        format!(
            "{} needs Advanced Permissions, which PagerDuty names no ability for: not checked",
            advanced.join(" and ")
        )
    });
    (needed, caveat)
}

/// Every `[[teams.rule]]` team exists, by ID or by name (the planner's own resolution).
fn teams_check(read: Option<&Result<Vec<Team>, ObserveError>>, cfg: &Config) -> Check {
    const NAME: &str = "teams";
    const TITLE: &str = "Teams";
    let Some(read) = read.filter(|_| !cfg.teams.rules.is_empty()) else {
        return Check::new(
            NAME,
            TITLE,
            Status::Pass,
            "no [[teams.rule]] names a team".into(),
        );
    };
    let teams = match read {
        Ok(t) => t,
        Err(e) => return request_failed(NAME, TITLE, e, "", "the API key"),
    };
    let policy = Policy::from_config(cfg);
    match ResolvedRules::resolve(&policy.rules, teams) {
        Ok(_) => {
            let names: BTreeSet<&str> = cfg.teams.rules.iter().map(|r| r.team.trim()).collect();
            Check::new(
                NAME,
                TITLE,
                Status::Pass,
                format!(
                    "every team the rules name exists: {}",
                    names.into_iter().collect::<Vec<_>>().join(", ")
                ),
            )
        }
        Err(PlanError::Rules(problems)) => {
            Check::new(NAME, TITLE, Status::Fail, problems.join("; ")).fix(
                "create the team in PagerDuty, or correct the rule's team name (or give its ID)",
            )
        }
    }
}

/// The licences the rules name resolve and allow their roles ([`licenses::rule_problems`],
/// the planner's own check); when the account uses licences, every configured base role
/// is allowed by one of them (fact F20: the role must be in the licence's `valid_roles`); a
/// role whose licences have no free allocation is a note (creates fail with "License is
/// not available", §3.5).
fn licenses_check(read: &Result<Vec<LicenseWithCounts>, ObserveError>, cfg: &Config) -> Check {
    const NAME: &str = "licenses";
    const TITLE: &str = "Licences";
    // An account without licences (or one that cannot list them: 402, 403, 404) reads as
    // none, in the client.
    let licenses = match read {
        Ok(l) => l,
        Err(e) => return request_failed(NAME, TITLE, e, "", "the API key"),
    };
    // The licences the rules name, checked as the planner checks them (exit 78 there). A
    // rule whose role PagerDuty does not know is the vocabulary check's failure: whether a
    // licence allows that role is not asked again.
    let mut known = cfg.clone();
    known.roles.rules.retain(|r| r.role.is_known());
    if !known.roles.default.is_known() {
        known.roles.default_license = None;
    }
    let problems = licenses::rule_problems(&Policy::from_config(&known).rules, licenses);
    if !problems.is_empty() {
        return Check::new(NAME, TITLE, Status::Fail, problems.join("; ")).fix(
            "correct [roles] default_license and each rule's license: a licence of the account (GET /licenses), by ID or name, whose valid_roles hold the role",
        );
    }
    if licenses.is_empty() {
        return Check::new(
            NAME,
            TITLE,
            Status::Pass,
            "the account has no licences to check".into(),
        );
    }
    let mut refused = Vec::new();
    let mut full = Vec::new();
    // A role PagerDuty does not know is the vocabulary check's failure, not a licence's.
    for role in configured_roles(cfg).into_iter().filter(Role::is_known) {
        let fitting = licenses::allowing(licenses, &role);
        if fitting.is_empty() {
            refused.push(role.as_str().to_string());
        } else if fitting.iter().all(|l| licenses::is_full(l)) {
            full.push(role.as_str().to_string());
        }
    }
    let full_note = (!full.is_empty()).then(|| {
        format!(
            "no licence for base role {} has a free allocation: creates with it fail until one is freed",
            full.join(", ")
        )
    });
    if !refused.is_empty() {
        let mut detail = format!(
            "no licence of the account allows base role {}",
            refused.join(", ")
        );
        if let Some(n) = full_note {
            detail = format!("{detail}; {n}");
        }
        return Check::new(NAME, TITLE, Status::Fail, detail).fix(
            "use base roles the account's licences allow (GET /licenses lists their valid_roles)",
        );
    }
    match full_note {
        Some(n) => Check::new(NAME, TITLE, Status::Note, n)
            .fix("free or buy licences before the next hire is created"),
        None => Check::new(
            NAME,
            TITLE,
            Status::Pass,
            format!(
                "every configured base role fits one of the account's {} licences",
                licenses.len()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A base role PagerDuty does not know is the vocabulary check's failure alone: the
    /// licence check no longer fails it again as "does not allow base role superadmin"
    /// (r10h 01's badrole), while a known role a licence does not allow still fails it.
    #[test]
    fn an_unknown_role_is_not_a_licence_failure_too() {
        let demo = include_str!("../samples/demo/config.toml");
        let with = |role: &str| {
            let text = demo
                .replacen(
                    "role = \"admin\"",
                    &format!("role = \"{role}\"\nlicense = \"Full\""),
                    1,
                )
                .replace(
                    "default = \"limited_user\"",
                    "default = \"limited_user\"\ndefault_license = \"Full\"",
                );
            Config::from_toml_keeping_vocabulary(&text, std::path::Path::new("c.toml"))
                .unwrap()
                .0
        };
        let licences: Vec<LicenseWithCounts> = serde_json::from_value(serde_json::json!([
            {"id": "PFULL01", "type": "license", "name": "Full", "description": "",
             "valid_roles": ["limited_user", "user", "read_only_limited_user"], "allocations_available": 5}
        ]))
        .unwrap();
        let unknown = licenses_check(&Ok(licences.clone()), &with("superadmin"));
        assert_eq!(unknown.status, Status::Pass, "{unknown:?}");
        let known = licenses_check(&Ok(licences), &with("admin"));
        assert_eq!(known.status, Status::Fail, "{known:?}");
    }
}
