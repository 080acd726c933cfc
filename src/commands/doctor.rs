//! `doctor`: checks, before the first run, that a configuration can work against its
//! account, with GET requests only, and says for each check whether it passed and what to
//! do when it did not (README.md § Before the first run: doctor).
//!
//! The checks, in order:
//!
//! | check | request | fails when |
//! |---|---|---|
//! | `api_key` | `GET /users/me` | PagerDuty rejects the key (401) or cannot be reached; a 400 means an account-level key and passes (OpenAPI `getCurrentUser`) |
//! | `write_access` | none | never (a note): a read-only key shows itself only by a 403 on a write |
//! | `marker_key` | none | `PAGERDUTY_MARKER_KEY` (or `_PREVIOUS`) is set but refused (empty, too short); unset it is a note: markers are not signed |
//! | `from_user` | `GET /users?query=` | no user has `[pagerduty] from` (fact F6) |
//! | `vocabulary` | none | the time zone is not one of PagerDuty's 135, or a role is not in its enums |
//! | `abilities` | `GET /abilities` | the account lacks `teams` while `[[teams.rule]]` exist (§5.1: 402 without it), or `read_only_users` while a stakeholder role is configured (fact F16) |
//! | `teams` | `GET /teams` | a `[[teams.rule]]` team is missing or ambiguous |
//! | `licenses` | `GET /licenses` | the account uses licences and none allows a configured base role (fact F20) |
//!
//! A rejected or unreachable key stops the checks that need the API (they are listed as
//! `skipped`). Exit 0 only when no check failed; any failure is exit 1.

use super::Failure;
use super::common::{client_from, log_requests, marker_keys, pretty, settings};
use crate::cli::{DoctorArgs, Format};
use crate::config::{Config, ENV_API_KEY, ENV_MARKER_KEY, ENV_MARKER_KEY_PREVIOUS};
use crate::exit::Exit;
use crate::marker::MarkerKeys;
use crate::marker::sign::MIN_KEY_BYTES;
use crate::observe::connection_hint;
use crate::pagerduty::{ApiError, Client, KeyOwner, TransportKind};
use crate::plan::Policy;
use crate::plan::rules::ResolvedRules;
use crate::printer::Printer;
use crate::vocab::{Role, time_zones};
use serde_json::json;
use std::collections::BTreeSet;

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
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
    fn as_str(self) -> &'static str {
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
pub(super) struct Check {
    name: &'static str,
    title: &'static str,
    status: Status,
    detail: String,
    fix: Option<String>,
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

/// Runs `doctor`.
///
/// # Errors
/// [`Failure::Config`] (exit 78) when the configuration does not load, [`Failure::Usage`]
/// (exit 64) without a key or with a URL the policy refuses; every check's own failure is
/// exit 1 after all checks are printed.
pub(super) async fn run(a: DoctorArgs, printer: &Printer) -> Result<Exit, Failure> {
    let cfg = Config::load(&a.config)?;
    let s = settings(&cfg, &a.connection)?;
    let client = client_from(&cfg, &s)?;
    let checks = diagnose(&client, &cfg, &s.api_url).await;
    log_requests(&client);
    let failed = checks.iter().any(|c| c.status == Status::Fail);
    match a.format {
        Format::Text => printer.out(&render_text(
            &a.config.display().to_string(),
            &s.api_url,
            &checks,
        )),
        Format::Json => {
            let v = render_json(&a.config.display().to_string(), &s.api_url, &checks);
            printer.out(&(pretty(&v) + "\n"));
        }
    }
    Ok(if failed { Exit::Failure } else { Exit::Success })
}

/// Every check, in the order of the module table.
async fn diagnose(client: &Client, cfg: &Config, api_url: &str) -> Vec<Check> {
    let mut checks = vec![key_check(client, api_url).await];
    let usable = checks[0].status != Status::Fail;
    checks.push(
        Check::new(
            "write_access",
            "Write access",
            Status::Note,
            "not checked: PagerDuty shows a read-only key only by refusing a write (403), and doctor writes nothing".into(),
        )
        .fix("use a full-access REST API key; with a read-only key plan works and apply fails with 403"),
    );
    checks.push(marker_check(marker_keys()));
    let remote: [(&'static str, &'static str); 4] = [
        ("from_user", "From user"),
        ("abilities", "Abilities"),
        ("teams", "Teams"),
        ("licenses", "Licences"),
    ];
    if !usable {
        checks.push(vocabulary_check(cfg));
        checks.extend(remote.iter().map(|(name, title)| {
            Check::new(
                name,
                title,
                Status::Skipped,
                "not run: the API key check failed".into(),
            )
        }));
        return checks;
    }
    checks.push(from_check(client, cfg).await);
    checks.push(vocabulary_check(cfg));
    checks.push(abilities_check(client, cfg).await);
    checks.push(teams_check(client, cfg).await);
    checks.push(licenses_check(client, cfg).await);
    checks
}

/// Whether ownership markers are signed: passed with a usable `PAGERDUTY_MARKER_KEY`, a
/// note without one (markers stay unsigned), failed for a key that is refused (every
/// `plan` and `apply` would stop with exit 64).
fn marker_check(keys: Result<Option<MarkerKeys>, Failure>) -> Check {
    let (name, title) = ("marker_key", "Marker signing");
    match keys {
        Ok(Some(keys)) => Check::new(
            name,
            title,
            Status::Pass,
            format!(
                "{ENV_MARKER_KEY} is set: every marker hr2pagerduty writes is signed, and a marker whose signature fails is not trusted{}",
                if keys.has_previous() {
                    format!("; markers signed with {ENV_MARKER_KEY_PREVIOUS} still verify and are signed again")
                } else {
                    String::new()
                }
            ),
        ),
        Ok(None) => Check::new(
            name,
            title,
            Status::Note,
            format!("{ENV_MARKER_KEY} is not set: ownership markers are not signed, so a user who edits their own profile can forge one"),
        )
        .fix(format!("set {ENV_MARKER_KEY} to a secret of at least {MIN_KEY_BYTES} bytes (openssl rand -hex 32) for plan and apply (README.md § Marker integrity)")),
        Err(e) => Check::new(name, title, Status::Fail, e.to_string())
            .fix(format!("set {ENV_MARKER_KEY} to a secret of at least {MIN_KEY_BYTES} bytes (openssl rand -hex 32), or unset it")),
    }
}

/// A failed request as a failed check: the error (which never holds the key) and the fix
/// for a refused key, an unreachable URL or a refused read.
fn request_failed(name: &'static str, title: &'static str, e: &ApiError, api_url: &str) -> Check {
    let hint = connection_hint(e, api_url);
    let fix = match e {
        _ if hint.is_some() => hint.unwrap_or_default(),
        ApiError::Status { status: 401, .. } => format!(
            "check {ENV_API_KEY} (or the --api-key-file): PagerDuty at {api_url} rejected it; an admin or the account owner creates a full-access REST API key in PagerDuty's web app under Integrations > API Access Keys (a user's own token: My Profile > User Settings > Create API User Token)"
        ),
        ApiError::Status { status: 403, .. } => format!(
            "check that {ENV_API_KEY} may read users, teams, abilities and licences of the account at {api_url}"
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

/// `GET /users/me`: a user (user-level key), a 400 (account-level key) or a failure.
async fn key_check(client: &Client, api_url: &str) -> Check {
    const NAME: &str = "api_key";
    const TITLE: &str = "API key";
    match client.key_owner().await {
        Ok(KeyOwner::User(u)) => Check::new(
            NAME,
            TITLE,
            Status::Pass,
            format!(
                "accepted: a user-level key of {} <{}> (base role {}); PagerDuty records the job's changes as made by this user",
                u.name, u.email, u.role
            ),
        ),
        Ok(KeyOwner::Account) => Check::new(
            NAME,
            TITLE,
            Status::Pass,
            "accepted: an account-level key (GET /users/me answered 400, so it belongs to no user); users are created in the name of the From user".into(),
        ),
        Err(e) => {
            let c = request_failed(NAME, TITLE, &e, api_url);
            if matches!(e, ApiError::Status { status: 401, .. }) {
                Check {
                    detail: format!("PagerDuty rejected the key (401): {e}"),
                    ..c
                }
            } else {
                c
            }
        }
    }
}

/// `[pagerduty] from` names an existing user (fact F6: `POST /users` needs it).
async fn from_check(client: &Client, cfg: &Config) -> Check {
    const NAME: &str = "from_user";
    const TITLE: &str = "From user";
    let from = &cfg.pagerduty.from;
    match client.find_user_by_email(from).await {
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
        Err(e) => request_failed(NAME, TITLE, &e, ""),
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

/// The time zone is one of PagerDuty's and every role is in its enums (`Role::ALL`,
/// `TeamRole::ALL`; `../shared/reference/pagerduty-time-zones.txt`).
fn vocabulary_check(cfg: &Config) -> Check {
    const NAME: &str = "vocabulary";
    const TITLE: &str = "Vocabulary";
    let mut problems = Vec::new();
    let tz = &cfg.lifecycle.default_time_zone;
    if !time_zones::is_valid_time_zone(tz) {
        problems.push(format!(
            "[lifecycle] default_time_zone {tz:?} is not one of PagerDuty's time zones"
        ));
    }
    let roles = configured_roles(cfg);
    for r in roles.iter().filter(|r| !r.is_known()) {
        problems.push(format!("base role {r:?} is not one of PagerDuty's"));
    }
    for t in cfg.teams.rules.iter().filter(|t| !t.role.is_known()) {
        problems.push(format!(
            "team role {:?} is not one of PagerDuty's",
            t.role.as_str()
        ));
    }
    if problems.is_empty() {
        let names: Vec<&str> = roles.iter().map(Role::as_str).collect();
        Check::new(
            NAME,
            TITLE,
            Status::Pass,
            format!(
                "time zone {tz} and base roles {} are PagerDuty's",
                names.join(", ")
            ),
        )
    } else {
        Check::new(NAME, TITLE, Status::Fail, problems.join("; "))
            .fix("use PagerDuty's names (README § Configuration lists them)")
    }
}

/// The abilities the configuration needs: `teams` for `[[teams.rule]]` (team membership
/// changes answer 402 without it, §5.1 of `PAGERDUTY_API.md`), `read_only_users` for a
/// stakeholder base role (fact F16). `observer` and `restricted_access` need Advanced
/// Permissions, for which PagerDuty documents no ability name (fact F16): a note.
async fn abilities_check(client: &Client, cfg: &Config) -> Check {
    const NAME: &str = "abilities";
    const TITLE: &str = "Abilities";
    let roles = configured_roles(cfg);
    let mut needed: Vec<(&str, String)> = Vec::new();
    if !cfg.teams.rules.is_empty() {
        needed.push(("teams", "[[teams.rule]] team memberships".into()));
    }
    let stakeholder: Vec<&str> = roles
        .iter()
        .filter(|r| r.is_stakeholder())
        .map(Role::as_str)
        .collect();
    if !stakeholder.is_empty() {
        needed.push((
            "read_only_users",
            format!("the stakeholder role {}", stakeholder.join(", ")),
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
    if needed.is_empty() {
        let detail = "no configured rule or role needs one".to_string();
        return match caveat {
            Some(c) => Check::new(NAME, TITLE, Status::Note, format!("{detail}; {c}")),
            None => Check::new(NAME, TITLE, Status::Pass, detail),
        };
    }
    let have: BTreeSet<String> = match client.abilities().await {
        Ok(list) => list.into_iter().collect(),
        Err(e) => return request_failed(NAME, TITLE, &e, ""),
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

/// Every `[[teams.rule]]` team exists, by ID or by name (the planner's own resolution).
async fn teams_check(client: &Client, cfg: &Config) -> Check {
    const NAME: &str = "teams";
    const TITLE: &str = "Teams";
    if cfg.teams.rules.is_empty() {
        return Check::new(
            NAME,
            TITLE,
            Status::Pass,
            "no [[teams.rule]] names a team".into(),
        );
    }
    let teams = match client.list_teams().await {
        Ok(t) => t,
        Err(e) => return request_failed(NAME, TITLE, &e, ""),
    };
    let policy = Policy::from_config(cfg);
    match ResolvedRules::resolve(&policy.rules, &teams) {
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
        Err(crate::plan::PlanError::Rules(problems)) => {
            Check::new(NAME, TITLE, Status::Fail, problems.join("; ")).fix(
                "create the team in PagerDuty, or correct the rule's team name (or give its ID)",
            )
        }
    }
}

/// When the account uses licences, every configured base role is allowed by one of them
/// (fact F20: the role must be in the licence's `valid_roles`); a role whose licences have
/// no free allocation is a note (creates fail with "License is not available", §3.5).
async fn licenses_check(client: &Client, cfg: &Config) -> Check {
    const NAME: &str = "licenses";
    const TITLE: &str = "Licences";
    let licenses = match client.list_licenses().await {
        Ok(l) => l,
        Err(ApiError::Status { status: 404, .. }) => Vec::new(),
        Err(e) => return request_failed(NAME, TITLE, &e, ""),
    };
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
    for role in configured_roles(cfg) {
        let fitting: Vec<_> = licenses
            .iter()
            .filter(|l| l.license.valid_roles.contains(&role))
            .collect();
        if fitting.is_empty() {
            refused.push(role.as_str().to_string());
        } else if fitting.iter().all(|l| l.allocations_available == Some(0)) {
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

/// The text report: a header, one block per check, then the counts.
fn render_text(config: &str, api_url: &str, checks: &[Check]) -> String {
    let width = checks.iter().map(|c| c.title.len()).max().unwrap_or(0);
    let mut out = format!("Checking {config} against {api_url}\n\n");
    for c in checks {
        out.push_str(&format!(
            "{:<7} {:<width$}  {}\n",
            c.status.as_str(),
            c.title,
            c.detail
        ));
        if let Some(fix) = &c.fix {
            out.push_str(&format!("{:<7} {:<width$}  What to do: {fix}\n", "", ""));
        }
    }
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    let failed = count(Status::Fail);
    out.push('\n');
    let notes = count(Status::Note);
    let notes = format!("{notes} note{}", if notes == 1 { "" } else { "s" });
    out.push_str(&if failed == 0 {
        format!(
            "No check failed ({} passed, {notes}).\n",
            count(Status::Pass)
        )
    } else {
        format!(
            "{failed} check{} failed ({} passed, {notes}, {} skipped).\n",
            if failed == 1 { "" } else { "s" },
            count(Status::Pass),
            count(Status::Skipped)
        )
    });
    out
}

/// The JSON report: `{"config", "api_url", "ok", "summary": {pass, fail, note, skipped},
/// "checks": [{"check", "title", "status", "detail", "fix"}]}`.
fn render_json(config: &str, api_url: &str, checks: &[Check]) -> serde_json::Value {
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    json!({
        "config": config,
        "api_url": api_url,
        "ok": count(Status::Fail) == 0,
        "summary": {
            "pass": count(Status::Pass),
            "fail": count(Status::Fail),
            "note": count(Status::Note),
            "skipped": count(Status::Skipped),
        },
        "checks": checks.iter().map(|c| json!({
            "check": c.name,
            "title": c.title,
            "status": c.status.as_str(),
            "detail": c.detail,
            "fix": c.fix,
        })).collect::<Vec<_>>(),
    })
}
