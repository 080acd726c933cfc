//! The planner tests' configuration fixture, shared by every test module of `plan` (the
//! unit tests and their submodules, `dated`'s tests and the property tests): one base
//! configuration ([`CONFIG`]) and the variations tests ask for, so that no test module keeps
//! its own copy of the configuration text; and the one builder of the planner's inputs
//! ([`inputs`]), which every test module fills in with the account it plans against.

use crate::archive::Archive;
use crate::config::Config;
use crate::hr::Roster;
use crate::ids::TeamId;
use crate::oncall::OncallFacts;
use crate::pagerduty::models::TeamMember;
use crate::plan::{Inputs, Policy};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

/// The planner's inputs for `roster` under `policy` as of `today` (also the run's day),
/// against an empty account: no users, teams or members, no on-call facts, an empty
/// archive, no key owner, licences or marker keys. A test names only what it plans with
/// and takes the rest from here: `Inputs { users: &acct.users, ..inputs(&r, &policy, day) }`.
pub(super) fn inputs<'a>(roster: &'a Roster, policy: &'a Policy, today: NaiveDate) -> Inputs<'a> {
    static NO_MEMBERS: BTreeMap<TeamId, Vec<TeamMember>> = BTreeMap::new();
    static NO_ONCALL: LazyLock<OncallFacts> = LazyLock::new(OncallFacts::default);
    static NO_ARCHIVE: LazyLock<Archive> = LazyLock::new(Archive::default);
    Inputs {
        roster,
        users: &[],
        teams: &[],
        members: &NO_MEMBERS,
        policy,
        oncall: &NO_ONCALL,
        today,
        run_day: today,
        archive: &NO_ARCHIVE,
        key_owner: None,
        licenses: &[],
        license_holders: None,
        marker_keys: None,
        unkeyed: crate::plan::Unkeyed::NotSet,
    }
}

/// The base configuration: columns, statuses, `[lifecycle]` (two protected emails, report
/// unmanaged users) and one admin rule, whose condition is a placeholder ([`ROLE_WHEN`])
/// that [`config`] and the other builders replace.
pub(super) const CONFIG: &str = r#"
[pagerduty]
from = "bot@example.com"

[hr.columns]
employee_id = "id"
email = "email"
first_name = "first"
last_name = "last"
status = "status"
job_title = "title"
department = "dept"

[hr.status]
active = ["Active"]
terminated = ["Terminated"]
pending = ["Future Start"]

[lifecycle]
suspended_role = "read_only_limited_user"
protected = ["vip@example.com", "bot@example.com"]
default_time_zone = "America/New_York"
unmanaged_users = "report"

[roles]
default = "limited_user"
[[roles.rule]]
when = { dept = "x" }
role = "admin"
"#;

/// The admin rule's placeholder condition in [`CONFIG`].
const ROLE_WHEN: &str = "when = { dept = \"x\" }";
/// The standard admin rule's condition: IT managers.
const IT_MANAGERS: &str = "when = { department = \"IT\", job_title = \"Manager\" }";
/// The standard team rule: IT to IT Operations as responders.
const IT_OPERATIONS: &str = "[[teams.rule]]\nwhen = { department = \"IT\" }\nteam = \"IT Operations\"\nrole = \"responder\"\n";

/// `text` as a configuration file named `t.toml` (panics when it is invalid).
pub(super) fn parse(text: &str) -> Config {
    Config::from_toml(text, Path::new("t.toml")).unwrap()
}

/// [`CONFIG`] with IT managers as admins and `extra` appended.
pub(super) fn config(extra: &str) -> Config {
    parse(&format!("{CONFIG}{extra}").replace(ROLE_WHEN, IT_MANAGERS))
}

/// [`CONFIG`] with IT managers as admins and `from` replaced by `to`.
pub(super) fn config_replacing(from: &str, to: &str) -> Config {
    parse(&CONFIG.replace(ROLE_WHEN, IT_MANAGERS).replace(from, to))
}

/// The `[lifecycle]` of [`CONFIG`] with `unmanaged_users = unmanaged` and `lifecycle` lines.
fn lifecycle(text: &str, unmanaged: &str, lifecycle: &str) -> String {
    text.replace(
        "unmanaged_users = \"report\"",
        &format!("unmanaged_users = \"{unmanaged}\"\n{lifecycle}"),
    )
}

/// [`CONFIG`] without its job title column, with IT as admins (the standard rule asks for
/// a job title).
pub(super) fn config_without_job_title() -> Config {
    parse(
        &CONFIG
            .replace(ROLE_WHEN, "when = { department = \"IT\" }")
            .replace("job_title = \"title\"\n", ""),
    )
}

/// The deletion tests' configuration: [`config`] with the IT Operations team rule,
/// `unmanaged_users = unmanaged` and `lifecycle` lines in `[lifecycle]`.
pub(super) fn deletion_config(unmanaged: &str, lifecycle_lines: &str) -> Config {
    let text = format!("{CONFIG}{IT_OPERATIONS}").replace(ROLE_WHEN, IT_MANAGERS);
    parse(&lifecycle(&text, unmanaged, lifecycle_lines))
}

/// [`CONFIG`] with hire and termination dates mapped (`hired`, `left`, `%Y-%m-%d`) and IT
/// as admins.
fn dated_text() -> String {
    CONFIG
        .replace(ROLE_WHEN, "when = { department = \"IT\" }")
        .replace(
            "[hr.columns]",
            "[hr]\ndate_format = \"%Y-%m-%d\"\n\n[hr.columns]",
        )
}

/// The dated rules' configuration: [`dated_text`] with a `Leave` status value,
/// `unmanaged_users = unmanaged` and `lifecycle` lines in `[lifecycle]`.
pub(super) fn dated_config(unmanaged: &str, lifecycle_lines: &str) -> Config {
    let text = dated_text()
        .replace(
            "department = \"dept\"\n",
            "department = \"dept\"\nhire_date = \"hired\"\ntermination_date = \"left\"\n",
        )
        .replace(
            "pending = [\"Future Start\"]",
            "pending = [\"Future Start\"]\nleave = [\"Leave\"]",
        );
    parse(&lifecycle(&text, unmanaged, lifecycle_lines))
}

/// [`dated_text`] without a status column: the dates alone decide.
pub(super) fn dated_config_without_status() -> Config {
    let text = dated_text()
        .replace(
            "status = \"status\"\n",
            "hire_date = \"hired\"\ntermination_date = \"left\"\n",
        )
        .replace(
            "[hr.status]\nactive = [\"Active\"]\nterminated = [\"Terminated\"]\npending = [\"Future Start\"]\n",
            "",
        );
    parse(&text)
}

/// The property tests' configuration: [`CONFIG`] with a time zone column, `suspended_role`,
/// `unmanaged_users = unmanaged`, IT managers as admins, then (with `board`) Board members
/// as read-only users and other managers as users, and three team rules: IT Operations by
/// name, Managers by ID (`PTMGRS1`) and by name.
pub(super) fn scenario_config(suspended_role: &str, unmanaged: &str, board: bool) -> Config {
    let board = if board {
        "[[roles.rule]]\nwhen = { department = \"Board\" }\nrole = \"read_only_user\"\n"
    } else {
        ""
    };
    let text = format!(
        r#"{CONFIG}{board}[[roles.rule]]
when = {{ job_title = "Manager" }}
role = "user"

{IT_OPERATIONS}[[teams.rule]]
when = {{ department = "IT", job_title = "Manager" }}
team = "PTMGRS1"
role = "manager"
[[teams.rule]]
when = {{ department = "Sales", job_title = "Manager" }}
team = "Managers"
role = "observer"
"#
    )
    .replace(ROLE_WHEN, IT_MANAGERS)
    .replace(
        "department = \"dept\"\n",
        "department = \"dept\"\ntime_zone = \"tz\"\n",
    )
    .replace(
        "suspended_role = \"read_only_limited_user\"",
        &format!("suspended_role = \"{suspended_role}\""),
    );
    parse(&lifecycle(&text, unmanaged, ""))
}
