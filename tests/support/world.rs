//! A simulated PagerDuty account for a real HR export, built at test time, with the
//! expected plan and the checks of the state after `apply`.
//!
//! The users already in sync are not built by re-implementing the rules: the library plans
//! the export against an empty account (teams only), and each `Create` action's
//! `CreateUser` body and `SetTeamRole` steps become a seeded user with memberships. Then a
//! few people are set apart on purpose (see [`Cast`]); everyone else is seeded in sync, so
//! the plan must contain exactly the actions [`World::expected`] lists.

use super::e2e::{KEY, marker_of};
use super::{Sim, plan_against_empty, repo};
use hr2pagerduty::config::Config;
use hr2pagerduty::hr::{self, Employee, Lifecycle, Roster};
use hr2pagerduty::ids::{EmployeeId, TeamId};
use hr2pagerduty::marker::{self, Marker, SavedMembership};
use hr2pagerduty::pagerduty::models::{NewUser, Role, Team, TeamRole, User};
use hr2pagerduty::plan::dated::{self, Standing};
use hr2pagerduty::plan::{ActionKind, Policy, Step};
use hr2pagerduty::sim::{Seed, SeedMembership, SeedTeam, SeedUser};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A team no rule names: the rehire's suspension record and one leaver hold it.
pub const UNRULED_ID: &str = "PCLUB01";
/// Its name.
pub const UNRULED_NAME: &str = "Chess Club";
/// The marker ID of the managed user whose employee is not in the export.
pub const ABSENT_ID: &str = "e2e-absent-1";
/// The suspension date written in the rehire's marker.
pub const SUSPENDED_ON: &str = "2025-03-01";

/// How many people of each kind to set apart.
#[derive(Debug, Clone, Copy)]
pub struct Mix {
    /// Active employees whose PagerDuty job title (or name, when the export has no job
    /// title column) differs.
    pub movers: usize,
    /// Terminated employees who still have an active user.
    pub leavers: usize,
    /// Active employees without a user.
    pub new_hires: usize,
    /// An active employee whose user is suspended.
    pub rehire: bool,
    /// An active employee whose user carries the marker under an older email.
    pub email_change: bool,
    /// An active employee whose user has the right email and no marker.
    pub adoption: bool,
    /// A managed user whose employee is not in the export.
    pub absent: bool,
}

/// What an employee's user looks like when in sync: the create body and the team roles.
#[derive(Debug, Clone)]
pub struct Desired {
    /// The `POST /users` body the planner would send.
    pub user: NewUser,
    /// Team ID → team role, from the rules.
    pub teams: BTreeMap<TeamId, TeamRole>,
}

/// The action expected for one person in the JSON plan.
#[derive(Debug, Clone)]
pub struct Expected {
    /// `create`, `update`, `deactivate` or `reactivate`.
    pub kind: &'static str,
    /// The keys of `changes`.
    pub fields: BTreeSet<String>,
    /// Exact `[old, new]` values for some of those keys.
    pub values: BTreeMap<String, Value>,
}

/// The people set apart, by employee ID, and the emails of the users nothing may touch.
#[derive(Debug, Clone, Default)]
pub struct Cast {
    /// Movers.
    pub movers: Vec<EmployeeId>,
    /// Terminated in HR, active user.
    pub leavers: Vec<EmployeeId>,
    /// The leaver that also belonged to the unruled team.
    pub leaver_with_unruled_team: Option<EmployeeId>,
    /// Active in HR, no user.
    pub new_hires: Vec<EmployeeId>,
    /// Active in HR, suspended user.
    pub rehire: Option<EmployeeId>,
    /// Employee ID and the old email its user still has.
    pub email_change: Option<(EmployeeId, String)>,
    /// Matched by email, no marker.
    pub adoption: Option<EmployeeId>,
    /// Email of the managed user whose employee ([`ABSENT_ID`]) is absent from the export.
    pub absent_email: Option<String>,
    /// Employee ID and email of a user whose HR row has a problem this run (protected).
    pub protected_row: Option<(EmployeeId, String)>,
    /// The account owner's email.
    pub owner: String,
    /// The `[pagerduty] from` bot's email (protected).
    pub bot: String,
    /// An unmarked user with no HR row.
    pub unmanaged: String,
}

impl Cast {
    /// Emails of users no action may touch.
    pub fn untouchable(&self) -> Vec<String> {
        let mut v = vec![self.owner.clone(), self.bot.clone(), self.unmanaged.clone()];
        v.extend(self.protected_row.iter().map(|(_, e)| e.clone()));
        v
    }
}

/// A seeded account and what the tool must do to it.
#[derive(Debug)]
pub struct World {
    /// `samples/real/*.toml`.
    pub config_path: PathBuf,
    /// The real export.
    pub hr_path: PathBuf,
    /// The loaded configuration.
    pub cfg: Config,
    /// The export as the library reads it.
    pub roster: Roster,
    /// The simulator's seed.
    pub seed: Seed,
    /// Team ID → name.
    pub team_names: BTreeMap<TeamId, String>,
    /// Employee ID → in-sync state, for every active employee and every leaver (what the
    /// leaver had).
    pub desired: BTreeMap<EmployeeId, Desired>,
    /// Employee ID (or [`ABSENT_ID`]) → the expected action.
    pub expected: BTreeMap<EmployeeId, Expected>,
    /// Who was set apart.
    pub cast: Cast,
}

/// `n` items spread evenly over `v` (first, and then every `len / n`-th).
fn spread<T: Clone>(v: &[T], n: usize) -> Vec<T> {
    if n == 0 || v.is_empty() {
        return Vec::new();
    }
    let n = n.min(v.len());
    (0..n).map(|i| v[i * v.len() / n].clone()).collect()
}

fn team(id: &str, name: &str) -> Team {
    serde_json::from_value(json!({"id": id, "name": name})).expect("team JSON")
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn domain_of(email: &str) -> &str {
    email
        .split_once('@')
        .map(|(_, d)| d)
        .unwrap_or("example.com")
}

impl World {
    /// Builds the account for `hr` read with `config` (a path under the repository root),
    /// as of today in the configuration's `default_time_zone`.
    pub fn build(config: &str, hr_path: &Path, mix: Mix) -> World {
        World::build_as_of(config, hr_path, mix, None)
    }

    /// [`World::build`] as of `as_of` (the `--as-of` the runs against it will give), or
    /// today.
    pub fn build_as_of(
        config: &str,
        hr_path: &Path,
        mix: Mix,
        as_of: Option<chrono::NaiveDate>,
    ) -> World {
        let config_path = repo(config);
        let cfg = Config::load(&config_path).unwrap_or_else(|e| panic!("{config}: {e}"));
        let today = hr2pagerduty::pipeline::today(&cfg, as_of);
        let policy = Policy::from_config(&cfg);
        let standing = |e: &Employee| dated::dated(e, &policy, today, None, None).standing;
        let roster = hr::read_file(hr_path, &cfg).unwrap_or_else(|e| panic!("{e}"));

        // Teams: every team the rules name, plus one no rule names.
        let mut team_names: BTreeMap<TeamId, String> = BTreeMap::new();
        let mut seen = BTreeSet::new();
        for rule in &cfg.teams.rules {
            let name = rule.team.trim().to_string();
            if seen.insert(name.to_lowercase()) {
                team_names.insert(TeamId::new(format!("PTEAM{:02}", seen.len())), name);
            }
        }
        team_names.insert(UNRULED_ID.into(), UNRULED_NAME.into());
        let teams: Vec<Team> = team_names
            .iter()
            .map(|(id, n)| team(id.as_str(), n))
            .collect();

        // Leavers (by status or by a termination date that decides today) are planned as if
        // active, to get the user they had.
        let terminated: Vec<EmployeeId> = roster
            .employees
            .iter()
            .filter(|e| matches!(standing(e), Standing::Leaver(_)))
            .map(|e| e.employee_id.clone())
            .collect();
        let leavers = spread(&terminated, mix.leavers);
        let mut everyone = roster.clone();
        for e in &mut everyone.employees {
            if leavers.contains(&e.employee_id) {
                e.status = Lifecycle::Active;
                e.termination_date = None;
            }
        }
        // Creating users needs the `from` bot in the account (it is seeded below too).
        let empty = plan_against_empty(&cfg, &policy, &everyone, &teams, today);
        let mut desired = BTreeMap::new();
        for a in empty.actions {
            assert_eq!(a.kind, ActionKind::Create, "{a:?}");
            let mut user = None;
            let mut teams = BTreeMap::new();
            for s in a.steps {
                match s {
                    Step::CreateUser(n) => user = Some(n),
                    Step::SetTeamRole { team_id, role, .. } => {
                        teams.insert(team_id, role);
                    }
                    other => panic!("unexpected step in a create: {other:?}"),
                }
            }
            desired.insert(
                a.employee_id.expect("creates name their employee"),
                Desired {
                    user: user.expect("a create starts with POST /users"),
                    teams,
                },
            );
        }

        // The active employees set apart, spread over the file.
        let role_of = |eid: &str| desired[eid].user.role.clone().expect("role sent");
        let candidates: Vec<EmployeeId> = roster
            .employees
            .iter()
            .filter(|e| e.status == Lifecycle::Active)
            .filter(|e| standing(e) == Standing::Employed { on_leave: false })
            .filter(|e| !role_of(e.employee_id.as_str()).is_stakeholder())
            .map(|e| e.employee_id.clone())
            .collect();
        let wanted = usize::from(mix.rehire)
            + mix.movers
            + usize::from(mix.email_change)
            + usize::from(mix.adoption)
            + mix.new_hires;
        let mut picks = spread(&candidates, wanted);
        assert_eq!(picks.len(), wanted, "not enough active employees");
        let mut cast = Cast::default();
        if mix.rehire {
            let i = picks
                .iter()
                .position(|id| !desired[id].teams.is_empty())
                .unwrap_or(0);
            cast.rehire = Some(picks.remove(i));
        }
        cast.movers = picks.drain(..mix.movers).collect();
        let email_domain = domain_of(cfg.pagerduty.from.as_str()).to_string();
        if mix.email_change {
            let id = picks.remove(0);
            let new = desired[&id].user.email.clone();
            let (local, domain) = new.split_once('@').expect("an email");
            cast.email_change = Some((id, format!("previous.{local}@{domain}")));
        }
        if mix.adoption {
            cast.adoption = Some(picks.remove(0));
        }
        cast.new_hires = picks;
        cast.leavers = leavers;
        cast.owner = "account.owner@owner.example.org".into();
        cast.bot = cfg.pagerduty.from.to_string();
        cast.unmanaged = "casey@contractor.example.net".into();
        if mix.absent {
            cast.absent_email = Some(format!("e2e.former.person@{email_domain}"));
        }
        let valid_ids: BTreeSet<&str> = roster
            .employees
            .iter()
            .map(|e| e.employee_id.as_str())
            .collect();
        cast.protected_row = roster
            .protected_ids
            .iter()
            .find(|id| !valid_ids.contains(id.as_str()))
            .map(|id| (id.clone(), format!("e2e.row.problem@{email_domain}")));

        let mut w = World {
            config_path,
            hr_path: hr_path.to_path_buf(),
            cfg,
            roster,
            seed: Seed::default(),
            team_names,
            desired,
            expected: BTreeMap::new(),
            cast,
        };
        w.seed = w.make_seed();
        w.expected = w.make_expected();
        w
    }

    fn suspended_role(&self) -> Role {
        self.cfg.lifecycle.suspended_role.clone()
    }

    /// The marker an adoption by email writes for `eid`: the create's, without the day a
    /// create records (hr2pagerduty took the user over, it did not create it).
    fn adopted_marker(&self, eid: &EmployeeId) -> String {
        let created = self.desired[eid].user.description.as_deref();
        marker::render_line(&Marker {
            created: None,
            ..marker_of(created)
        })
    }

    fn role(&self, eid: &str) -> Role {
        self.desired[eid].user.role.clone().expect("role sent")
    }

    fn label(&self, team_id: &str, role: &TeamRole) -> String {
        format!("{}:{role}", self.team_names[team_id])
    }

    fn labels<'a>(&self, teams: impl IntoIterator<Item = (&'a TeamId, &'a TeamRole)>) -> Value {
        let mut v: Vec<String> = teams
            .into_iter()
            .map(|(t, r)| self.label(t.as_str(), r))
            .collect();
        v.sort();
        json!(v)
    }

    /// The memberships the rehire's suspension recorded: the rules' teams plus the
    /// unruled team as manager.
    pub fn rehire_teams(&self) -> BTreeMap<TeamId, TeamRole> {
        let id = self.cast.rehire.as_ref().expect("a rehire");
        let mut t = self.desired[id].teams.clone();
        t.insert(UNRULED_ID.into(), TeamRole::Manager);
        t
    }

    /// The memberships a leaver's user had before the run.
    pub fn leaver_teams(&self, eid: &str) -> BTreeMap<TeamId, TeamRole> {
        let mut t = self.desired[eid].teams.clone();
        if self
            .cast
            .leaver_with_unruled_team
            .as_ref()
            .map(|id| id.as_str())
            == Some(eid)
        {
            t.insert(UNRULED_ID.into(), TeamRole::Observer);
        }
        t
    }

    /// The memberships of the absent employee's user before the run.
    pub fn absent_teams(&self) -> BTreeMap<TeamId, TeamRole> {
        let mut t = BTreeMap::new();
        if let Some(first) = self.team_names.keys().find(|id| *id != UNRULED_ID) {
            t.insert(first.clone(), TeamRole::Responder);
        }
        t
    }

    /// The mover's changed value: the job title in PagerDuty, or the name when the export
    /// maps no job title.
    fn moved(&self, eid: &str) -> (&'static str, String, String) {
        let u = &self.desired[eid].user;
        if self.cfg.hr.columns.job_title.is_some() {
            let now = u.job_title.clone().unwrap_or_default();
            ("job_title", format!("Acting {now}").trim().to_string(), now)
        } else {
            let first = u.name.split(' ').next().unwrap_or("X");
            ("name", format!("{first} Formerly-Known"), u.name.clone())
        }
    }

    fn seed_user(&self, eid: &str) -> SeedUser {
        let d = &self.desired[eid];
        SeedUser {
            id: None,
            name: d.user.name.clone(),
            email: d.user.email.clone(),
            role: d.user.role.clone(),
            time_zone: d.user.time_zone.clone(),
            job_title: d.user.job_title.clone(),
            description: d.user.description.clone(),
            color: None,
            teams: memberships(&d.teams),
            ..Default::default()
        }
    }

    fn make_seed(&mut self) -> Seed {
        let c = self.cast.clone();
        let mut users = vec![
            SeedUser {
                id: Some("POWNER1".into()),
                name: "Account Owner".into(),
                email: c.owner.clone(),
                role: Some(Role::Owner),
                time_zone: None,
                job_title: Some("Founder".into()),
                description: None,
                color: None,
                teams: vec![],
                ..Default::default()
            },
            SeedUser {
                id: Some("PSYNCB1".into()),
                name: "PagerDuty Sync".into(),
                email: c.bot.clone(),
                role: Some(Role::Admin),
                time_zone: None,
                job_title: Some("Automation".into()),
                description: Some("The provisioning bot.".into()),
                color: None,
                teams: vec![],
                ..Default::default()
            },
            SeedUser {
                id: Some("PCASEY1".into()),
                name: "Casey Contractor".into(),
                email: c.unmanaged.clone(),
                role: Some(Role::LimitedUser),
                time_zone: None,
                job_title: Some("Consultant".into()),
                description: Some("External consultant.".into()),
                color: None,
                teams: memberships(&BTreeMap::from([(
                    TeamId::new(UNRULED_ID),
                    TeamRole::Observer,
                )])),
                ..Default::default()
            },
        ];
        let set_apart: BTreeSet<&EmployeeId> = c.new_hires.iter().collect();
        let order: Vec<EmployeeId> = self.desired.keys().cloned().collect();
        let mut leaver_extra_done = false;
        for eid in &order {
            if set_apart.contains(eid) {
                continue;
            }
            let mut u = self.seed_user(eid.as_str());
            if c.movers.contains(eid) {
                let (field, old, _) = self.moved(eid.as_str());
                match field {
                    "job_title" => u.job_title = Some(old),
                    _ => u.name = old,
                }
            }
            if let Some((id, old)) = &c.email_change
                && id == eid
            {
                u.email = old.clone();
            }
            if c.adoption.as_ref() == Some(eid) {
                u.description = Some("Prefers Slack over SMS.".into());
            }
            if c.rehire.as_ref() == Some(eid) {
                let teams = self.rehire_teams();
                u.role = Some(self.suspended_role());
                u.teams = vec![];
                u.description = Some(marker::render(
                    "Back after a sabbatical.",
                    &super::suspension_record(
                        eid.as_str(),
                        SUSPENDED_ON.parse().expect("date"),
                        self.role(eid.as_str()),
                        self.saved(&teams),
                    ),
                ));
            }
            if c.leavers.contains(eid)
                && !leaver_extra_done
                && !self.role(eid.as_str()).is_stakeholder()
            {
                leaver_extra_done = true;
                self.cast.leaver_with_unruled_team = Some(eid.clone());
                u.teams = memberships(&self.leaver_teams(eid.as_str()));
                u.description = Some(marker::render(
                    "On call for the plant floor.",
                    &Marker {
                        employee_id: Some(eid.clone()),
                        suspended: None,
                        pending_termination: None,
                        created: None,
                    },
                ));
            }
            users.push(u);
        }
        if let Some(email) = &c.absent_email {
            users.push(SeedUser {
                id: None,
                name: "Former Person".into(),
                email: email.clone(),
                role: Some(Role::LimitedUser),
                time_zone: None,
                job_title: Some("Analyst".into()),
                description: Some(marker::render_line(&Marker {
                    employee_id: Some(ABSENT_ID.into()),
                    suspended: None,
                    pending_termination: None,
                    created: None,
                })),
                color: None,
                teams: memberships(&self.absent_teams()),
                ..Default::default()
            });
        }
        if let Some((eid, email)) = &c.protected_row {
            users.push(SeedUser {
                id: Some("PROWPRB".into()),
                name: "Row Problem".into(),
                email: email.clone(),
                role: Some(Role::LimitedUser),
                time_zone: None,
                job_title: None,
                description: Some(marker::render_line(&Marker {
                    employee_id: Some(eid.clone()),
                    suspended: None,
                    pending_termination: None,
                    created: None,
                })),
                color: None,
                teams: vec![],
                ..Default::default()
            });
        }
        Seed {
            api_keys: vec![KEY.into()],
            time_zone: Some(self.cfg.lifecycle.default_time_zone.clone()),
            teams: self
                .team_names
                .iter()
                .map(|(id, name)| SeedTeam {
                    id: Some(id.to_string()),
                    name: name.clone(),
                    description: None,
                    default_role: None,
                })
                .collect(),
            users,
            ..Seed::default()
        }
    }

    fn saved(&self, teams: &BTreeMap<TeamId, TeamRole>) -> Vec<SavedMembership> {
        teams
            .iter()
            .map(|(id, role)| SavedMembership {
                id: id.clone(),
                name: Some(self.team_names[id].clone()),
                role: role.clone(),
            })
            .collect()
    }

    fn deactivation(&self, role: Role, teams: &BTreeMap<TeamId, TeamRole>) -> Expected {
        let mut fields = set(&["description"]);
        let mut values = BTreeMap::new();
        if role != self.suspended_role() {
            fields.insert("role".into());
            values.insert(
                "role".into(),
                json!([role.to_string(), self.suspended_role().to_string()]),
            );
        }
        if !teams.is_empty() {
            fields.insert("teams".into());
            values.insert("teams".into(), json!([self.labels(teams), []]));
        }
        Expected {
            kind: "deactivate",
            fields,
            values,
        }
    }

    fn make_expected(&self) -> BTreeMap<EmployeeId, Expected> {
        let c = &self.cast;
        let mut out = BTreeMap::new();
        for eid in &c.movers {
            let (field, old, new) = self.moved(eid.as_str());
            out.insert(
                eid.clone(),
                Expected {
                    kind: "update",
                    fields: set(&[field]),
                    values: BTreeMap::from([(field.to_string(), json!([old, new]))]),
                },
            );
        }
        if let Some((eid, old)) = &c.email_change {
            out.insert(
                eid.clone(),
                Expected {
                    kind: "update",
                    fields: set(&["email"]),
                    values: BTreeMap::from([(
                        "email".to_string(),
                        json!([old, self.desired[eid].user.email]),
                    )]),
                },
            );
        }
        if let Some(eid) = &c.adoption {
            let d = self.adopted_marker(eid);
            out.insert(
                eid.clone(),
                Expected {
                    kind: "update",
                    fields: set(&["description"]),
                    values: BTreeMap::from([(
                        "description".to_string(),
                        json!([
                            "Prefers Slack over SMS.",
                            format!("Prefers Slack over SMS.\n{d}")
                        ]),
                    )]),
                },
            );
        }
        if let Some(eid) = &c.rehire {
            out.insert(
                eid.clone(),
                Expected {
                    kind: "reactivate",
                    fields: set(&["role", "description", "teams"]),
                    values: BTreeMap::from([
                        (
                            "role".to_string(),
                            json!([
                                self.suspended_role().to_string(),
                                self.role(eid.as_str()).to_string()
                            ]),
                        ),
                        (
                            "teams".to_string(),
                            json!([[], self.labels(&self.rehire_teams())]),
                        ),
                    ]),
                },
            );
        }
        for eid in &c.leavers {
            out.insert(
                eid.clone(),
                self.deactivation(self.role(eid.as_str()), &self.leaver_teams(eid.as_str())),
            );
        }
        if c.absent_email.is_some() {
            out.insert(
                EmployeeId::new(ABSENT_ID),
                self.deactivation(Role::LimitedUser, &self.absent_teams()),
            );
        }
        for eid in &c.new_hires {
            let d = &self.desired[eid];
            let mut fields = set(&["name", "email", "role", "time_zone", "description"]);
            if d.user.job_title.is_some() {
                fields.insert("job_title".into());
            }
            if !d.teams.is_empty() {
                fields.insert("teams".into());
            }
            out.insert(
                eid.clone(),
                Expected {
                    kind: "create",
                    fields,
                    values: BTreeMap::from([
                        ("name".to_string(), json!([null, d.user.name])),
                        ("email".to_string(), json!([null, d.user.email])),
                        (
                            "role".to_string(),
                            json!([null, self.role(eid.as_str()).to_string()]),
                        ),
                    ]),
                },
            );
        }
        out
    }

    /// Employee by ID.
    pub fn employee(&self, eid: &str) -> &Employee {
        self.roster
            .employees
            .iter()
            .find(|e| e.employee_id == eid)
            .expect("employee")
    }

    /// Expected counts per action kind: (create, update, deactivate, reactivate).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let n = |k: &str| self.expected.values().filter(|e| e.kind == k).count();
        (n("create"), n("update"), n("deactivate"), n("reactivate"))
    }

    /// Checks the JSON plan: exactly the expected action per person, with exactly the
    /// expected changed fields and the values the world fixes.
    pub fn check_plan_json(&self, plan: &Value) {
        let actions = plan["actions"].as_array().expect("actions");
        let mut got: BTreeMap<String, &Value> = BTreeMap::new();
        for a in actions {
            let eid = a["employee_id"]
                .as_str()
                .unwrap_or_else(|| panic!("action without employee_id: {a}"))
                .to_string();
            assert!(
                got.insert(eid.clone(), a).is_none(),
                "two actions for {eid}"
            );
        }
        let want: BTreeSet<&str> = self.expected.keys().map(|k| k.as_str()).collect();
        let have: BTreeSet<&str> = got.keys().map(|k| k.as_str()).collect();
        assert_eq!(
            have,
            want,
            "actions for other people than expected; unexpected: {:#?}",
            got.iter()
                .filter(|(k, _)| !self.expected.contains_key(k.as_str()))
                .map(|(_, v)| v)
                .collect::<Vec<_>>()
        );
        for (eid, exp) in &self.expected {
            let a = got[eid.as_str()];
            assert_eq!(a["action"], exp.kind, "action for {eid}: {a:#}");
            let fields: BTreeSet<String> = a["changes"]
                .as_object()
                .expect("changes")
                .keys()
                .cloned()
                .collect();
            assert_eq!(fields, exp.fields, "changed fields for {eid}: {a:#}");
            for (f, v) in &exp.values {
                assert_eq!(&a["changes"][f], v, "{f} of {eid}: {a:#}");
            }
        }
        let (c, u, d, r) = self.counts();
        let s = super::e2e::summary(plan);
        assert_eq!(
            (s["create"], s["update"], s["deactivate"], s["reactivate"]),
            (c as u64, u as u64, d as u64, r as u64)
        );
        // Everyone else in the export is counted unchanged (in sync, terminated without a
        // user, or pending).
        let acted_in_export = self.expected.keys().filter(|k| *k != ABSENT_ID).count();
        assert_eq!(
            s["unchanged"] as usize,
            self.roster.employees.len() - acted_in_export
        );
        // The protected row's user is named as skipped, with the reason.
        if let Some((eid, email)) = &self.cast.protected_row {
            let skipped = plan["skipped"].as_array().expect("skipped");
            assert!(
                skipped.iter().any(|s| s["employee_id"] == json!(eid)
                    && s["email"] == json!(email)
                    && s["reason"]
                        .as_str()
                        .is_some_and(|r| r.contains("HR row for this employee has a problem"))),
                "{skipped:#?}"
            );
        }
        // Users hr2pagerduty never writes (the owner) are listed as left alone on purpose.
        let never_written = plan["skipped"]
            .as_array()
            .expect("skipped")
            .iter()
            .filter(|s| {
                s["reason"]
                    .as_str()
                    .is_some_and(|r| r.ends_with("never changed"))
            })
            .count();
        assert_eq!(
            s["skipped"] as usize,
            self.roster.invalid_rows()
                + usize::from(self.cast.protected_row.is_some())
                + never_written,
        );
    }

    /// Users by email before the run, for the untouchable ones and the ones whose ID must
    /// survive.
    pub fn snapshot(&self, sim: &Sim) -> BTreeMap<String, User> {
        sim.handle
            .users()
            .into_iter()
            .map(|u| (u.email.clone(), u))
            .collect()
    }

    /// Checks the simulator after `apply`, against the snapshot taken before.
    pub fn check_after_apply(&self, sim: &Sim, before: &BTreeMap<String, User>) {
        let c = &self.cast;
        let writes = sim.writes();
        // One read of the account: an 8,000-user account is checked in one pass.
        let all_users: BTreeMap<String, User> = sim
            .handle
            .users()
            .into_iter()
            .map(|u| (u.email.to_lowercase(), u))
            .collect();
        let user = |email: &str| -> User {
            all_users
                .get(&email.to_lowercase())
                .cloned()
                .unwrap_or_else(|| panic!("no user {email} in the simulator"))
        };
        let all_teams = sim.all_memberships();
        let teams_of = |id: &str| all_teams.get(id).cloned().unwrap_or_default();
        // Nothing happened to the owner, the bot, the unmanaged user, the protected row.
        for email in c.untouchable() {
            let was = &before[&email];
            assert_eq!(&user(&email), was, "{email} changed");
            assert!(
                !writes.iter().any(|r| r.path.contains(was.id.as_str())),
                "a write touched {email}: {:?}",
                writes
                    .iter()
                    .filter(|r| r.path.contains(was.id.as_str()))
                    .collect::<Vec<_>>()
            );
        }
        // The rehire: same ID, role and every team restored, marker active again.
        if let Some(eid) = &c.rehire {
            let email = &self.desired[eid].user.email;
            let u = user(email);
            assert_eq!(u.id, before[email].id, "rehire kept its ID");
            assert_eq!(u.role, self.role(eid.as_str()));
            assert_eq!(teams_of(u.id.as_str()), pairs(&self.rehire_teams()));
            let m = marker_of(u.description.as_deref());
            assert_eq!(
                (
                    m.employee_id.as_ref().map_or("", |e| e.as_str()),
                    m.suspended
                ),
                (eid.as_str(), None),
                "{u:?}"
            );
            assert_eq!(
                super::e2e::human_of(u.description.as_deref()),
                "Back after a sabbatical."
            );
        }
        // Leavers: suspended role, no team, a marker recording what they had.
        let mut leavers: Vec<(EmployeeId, String, Role, BTreeMap<TeamId, TeamRole>)> = c
            .leavers
            .iter()
            .map(|eid| {
                (
                    eid.clone(),
                    self.desired[eid].user.email.clone(),
                    self.role(eid.as_str()),
                    self.leaver_teams(eid.as_str()),
                )
            })
            .collect();
        if let Some(email) = &c.absent_email {
            leavers.push((
                ABSENT_ID.into(),
                email.clone(),
                Role::LimitedUser,
                self.absent_teams(),
            ));
        }
        for (eid, email, role, teams) in leavers {
            let u = user(&email);
            assert_eq!(u.id, before[&email].id);
            assert_eq!(u.role, self.suspended_role(), "{email}");
            assert!(u.teams.is_empty(), "{email} still on {:?}", u.teams);
            assert!(teams_of(u.id.as_str()).is_empty(), "{email}");
            let m = marker_of(u.description.as_deref());
            assert_eq!(m.employee_id.as_ref(), Some(&eid));
            let s = m
                .suspended
                .unwrap_or_else(|| panic!("{email}: no suspension record"));
            assert_eq!(s.role, role, "{email}");
            let recorded: BTreeSet<(TeamId, TeamRole)> =
                s.teams.into_iter().map(|t| (t.id, t.role)).collect();
            assert_eq!(recorded, pairs(&teams), "{email}");
            if c.leaver_with_unruled_team.as_ref().map(|id| id.as_str()) == Some(eid.as_str()) {
                assert_eq!(
                    super::e2e::human_of(u.description.as_deref()),
                    "On call for the plant floor."
                );
            }
        }
        // The email change kept the ID; the old address is gone.
        if let Some((eid, old)) = &c.email_change {
            let new = &self.desired[eid].user.email;
            assert_eq!(user(new).id, before[old].id);
            assert!(!all_users.contains_key(&old.to_lowercase()));
        }
        // The adoption kept the bio and gained the marker.
        if let Some(eid) = &c.adoption {
            let u = user(&self.desired[eid].user.email);
            assert_eq!(
                u.description.as_deref(),
                Some(format!("Prefers Slack over SMS.\n{}", self.adopted_marker(eid)).as_str())
            );
        }
        // Movers carry the export's value now.
        for eid in &c.movers {
            let d = &self.desired[eid].user;
            let u = user(&d.email);
            assert_eq!(
                (u.name.as_str(), &u.job_title),
                (d.name.as_str(), &d.job_title)
            );
        }
        // New hires exist with their marker, role and teams.
        for eid in &c.new_hires {
            let d = &self.desired[eid];
            let u = user(&d.user.email);
            assert!(!before.contains_key(&d.user.email));
            assert_eq!(
                marker_of(u.description.as_deref()).employee_id.as_ref(),
                Some(eid)
            );
            assert_eq!(Some(u.role.clone()), d.user.role);
            assert_eq!(teams_of(u.id.as_str()), pairs(&d.teams));
        }
        // Every POST /users was for a new hire, and each new hire's was answered with a
        // success once at most (no duplicate user). Without faults that is exactly once;
        // a POST applied but answered with a failure (a fault, a timeout, a killed client)
        // is recorded with that failure, and the user it made was found by email.
        let posted = |ok_only: bool| -> Vec<String> {
            let mut v: Vec<String> = writes
                .iter()
                .filter(|r| r.method == "POST" && r.path == "/users")
                .filter(|r| !ok_only || (200..300).contains(&r.status))
                .map(|r| {
                    r.body.as_ref().unwrap()["user"]["email"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect();
            v.sort();
            v
        };
        let hires: BTreeSet<String> = c
            .new_hires
            .iter()
            .map(|e| self.desired[e].user.email.clone())
            .collect();
        let strangers: Vec<String> = posted(false)
            .into_iter()
            .filter(|e| !hires.contains(e))
            .collect();
        assert!(strangers.is_empty(), "POST /users for {strangers:?}");
        let ok = posted(true);
        let mut once = ok.clone();
        once.dedup();
        assert_eq!(ok, once, "a new hire's POST /users succeeded twice");
        let faults = sim.handle.fault_counts();
        let unanswered = writes.iter().any(|r| r.status == 0);
        if faults.random_total() + faults.scripted == 0 && !unanswered {
            assert_eq!(once, hires.into_iter().collect::<Vec<_>>());
        }
    }

    /// Checks that the account holds exactly the state the export asks for, whatever the
    /// runs went through (faults, kills): [`World::check_after_apply`] for the people set
    /// apart, and for every employee with a user one user carrying their marker, in sync
    /// (name, email, base role, job title, time zone, no suspension, the rules' teams);
    /// exactly the users of `before` plus one per new hire; no two users with one
    /// employee's marker.
    pub fn check_converged(&self, sim: &Sim, before: &BTreeMap<String, User>) {
        self.check_after_apply(sim, before);
        let users = sim.handle.users();
        let teams = sim.all_memberships();
        // (Two users with one email cannot occur: the simulator refuses the second, as
        // PagerDuty does. A duplicate shows as two users with one employee's marker, or as
        // more users than the undisturbed count below.)
        let mut by_employee: BTreeMap<EmployeeId, &User> = BTreeMap::new();
        for u in &users {
            // An offboarding record naming no employee belongs to nobody's row.
            if let marker::MarkerState::Valid(m) = marker::parse(u.description.as_deref()).marker
                && let Some(id) = m.employee_id
                && let Some(other) = by_employee.insert(id.clone(), u)
            {
                panic!(
                    "two users carry employee {id}'s marker: {} ({}) and {} ({})",
                    other.id, other.email, u.id, u.email
                );
            }
        }
        assert_eq!(
            users.len(),
            before.len() + self.cast.new_hires.len(),
            "the users before plus one per new hire, no other"
        );
        for (eid, d) in &self.desired {
            if self.cast.leavers.contains(eid) {
                continue;
            }
            let u = by_employee
                .get(eid)
                .unwrap_or_else(|| panic!("no user carries employee {eid}'s marker"));
            let want = &d.user;
            assert_eq!(
                (
                    u.email.to_lowercase(),
                    &u.name,
                    Some(&u.role),
                    &u.job_title,
                    &u.time_zone
                ),
                (
                    want.email.to_lowercase(),
                    &want.name,
                    want.role.as_ref(),
                    &want.job_title,
                    &want.time_zone
                ),
                "employee {eid}: {u:?}"
            );
            let m = marker_of(u.description.as_deref());
            assert_eq!(m.suspended, None, "employee {eid} is suspended: {u:?}");
            let want_teams = if self.cast.rehire.as_ref() == Some(eid) {
                self.rehire_teams()
            } else {
                d.teams.clone()
            };
            assert_eq!(
                teams.get(u.id.as_str()).cloned().unwrap_or_default(),
                pairs(&want_teams),
                "teams of employee {eid} ({})",
                u.email
            );
        }
    }
}

fn memberships(teams: &BTreeMap<TeamId, TeamRole>) -> Vec<SeedMembership> {
    teams
        .iter()
        .map(|(id, role)| SeedMembership {
            team: id.to_string(),
            role: Some(role.clone()),
        })
        .collect()
}

fn pairs(teams: &BTreeMap<TeamId, TeamRole>) -> BTreeSet<(TeamId, TeamRole)> {
    teams.iter().map(|(t, r)| (t.clone(), r.clone())).collect()
}
