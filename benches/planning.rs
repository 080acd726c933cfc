//! Planning cost (issue 8, target 6): parsing an HR export of 100,000 rows and planning it
//! against 100,000 PagerDuty users, in CPU time and peak memory. The planner is pure, so no
//! simulator is involved: the users, teams and team members are built in memory as the
//! listing would return them.
//!
//! Run: `cargo bench --bench planning` (prints one line per figure). Options after `--`:
//! `--rows N` (default 100000; the account then has as many users).
//!
//! The synthetic account ([`synthetic`]): an export of `rows` active employees in eight
//! departments (IT/IS joins a team by rule) is planned against an empty account, and every
//! planned create becomes a user with its team memberships, as if a first run had created
//! them. The export then planned differs from it as a nightly export would: 2% movers (a new
//! job title), 1% leavers (terminated), 0.5% on leave, 1% new hires in place of 1% of
//! employees who left the export entirely (their users carry the marker, so they are
//! deactivated too).
//!
//! What is measured is what a run does between the listing and the first write: reading the
//! export (`hr::read_bytes`), then planning twice (`plan::plan`): once without on-call
//! facts, then again once the planned deactivations' on-call look-ups (here: nothing held)
//! are in, as `observe_and_plan` does. CPU time is the thread's time on a CPU
//! (`/proc/thread-self/schedstat`, Linux; elsewhere wall time is printed instead). Peak
//! memory is the heap's high-water mark while measuring, counted by this benchmark's global
//! allocator; it includes the inputs a run holds at that point (the listed users and members,
//! the export's bytes). The process's peak resident set (`VmHWM`, Linux) is printed too; it
//! also covers building the synthetic account.

use chrono::NaiveDate;
use hr2pagerduty::archive::Archive;
use hr2pagerduty::config::Config;
use hr2pagerduty::hr;
use hr2pagerduty::ids::TeamId;
use hr2pagerduty::oncall::{OncallFacts, OncallImpact};
use hr2pagerduty::pagerduty::models::{Team, TeamMember, User};
use hr2pagerduty::plan::{self, ActionKind, Inputs, Policy, Step};
use serde_json::json;
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The system allocator, counting the bytes allocated now and their high-water mark.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; the counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's pointer, layout and size.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let grow = new_size - layout.size();
                let now = CURRENT.fetch_add(grow, Ordering::Relaxed) + grow;
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MB: f64 = 1024.0 * 1024.0;
const TEAM_ID: &str = "PITOPS1";
const DEPARTMENTS: [&str; 8] = [
    "IT/IS",
    "Sales",
    "Production",
    "Software Engineering",
    "Admin Offices",
    "Executive Office",
    "Finance",
    "Support",
];

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn config() -> Config {
    let text = r#"[pagerduty]
from = "provisioning-bot@example.com"

[hr]
delimiter = ","
encoding = "utf-8"
date_format = "%d-%b-%y"

[hr.columns]
employee_id = "EmpID"
email = "ADEmail"
first_name = "FirstName"
last_name = "LastName"
status = "EmployeeStatus"
job_title = "Title"
department = "DepartmentType"

[hr.status]
active = ["Active"]
terminated = ["Terminated for Cause"]
leave = ["Leave of Absence"]

[lifecycle]
suspended_role = "read_only_limited_user"
protected = ["provisioning-bot@example.com"]
default_time_zone = "America/New_York"
on_leave = "suspend"

[roles]
default = "limited_user"

[[roles.rule]]
when = { department = "IT/IS", job_title = "IT Manager" }
role = "admin"

[[teams.rule]]
when = { department = "IT/IS" }
team = "IT Operations"
role = "responder"
"#;
    Config::from_toml(text, Path::new("bench.toml")).expect("the bench's configuration")
}

/// One export row.
fn row(csv: &mut String, id: &str, i: usize, status: &str, title: &str) {
    let dept = DEPARTMENTS[i % DEPARTMENTS.len()];
    csv.push_str(&format!(
        "{id},person{i}@example.com,Person,Number{i},{status},{title},{dept}\n"
    ));
}

const HEADER: &str = "EmpID,ADEmail,FirstName,LastName,EmployeeStatus,Title,DepartmentType\n";

fn title(i: usize) -> &'static str {
    ["Engineer", "Analyst", "IT Manager", "Technician", "Clerk"][i % 5]
}

/// The synthetic account and export (see the module docs).
struct Synthetic {
    /// Tonight's export, as bytes.
    csv: Vec<u8>,
    /// The account's users (the bot first).
    users: Vec<User>,
    /// The account's teams.
    teams: Vec<Team>,
    /// Members of the team the rule names.
    members: BTreeMap<TeamId, Vec<TeamMember>>,
}

fn synthetic(rows: usize, cfg: &Config, policy: &Policy, today: NaiveDate) -> Synthetic {
    let teams: Vec<Team> = serde_json::from_value(json!([
        {"id": TEAM_ID, "type": "team", "name": "IT Operations"}
    ]))
    .unwrap();
    let bot: User = serde_json::from_value(json!({
        "id": "PBOT001", "name": "Provisioning Bot", "email": "provisioning-bot@example.com",
        "role": "admin"
    }))
    .unwrap();
    // What a first run would have created: everyone active.
    let mut first = String::from(HEADER);
    for i in 0..rows {
        row(&mut first, &format!("e{i}"), i, "Active", title(i));
    }
    let roster = hr::read_bytes(first.as_bytes(), cfg).expect("the first export");
    let empty = BTreeMap::new();
    let created = plan::plan(Inputs {
        roster: &roster,
        users: std::slice::from_ref(&bot),
        teams: &teams,
        members: &empty,
        policy,
        oncall: &OncallFacts::default(),
        today,
        run_day: today,
        archive: &Archive::default(),
        key_owner: None,
        licenses: &[],
        license_holders: None,
        marker_keys: None,
        unkeyed: hr2pagerduty::plan::Unkeyed::NotSet,
    })
    .expect("the first plan");
    let mut users = vec![bot];
    let mut members = Vec::new();
    for (n, a) in created.actions.iter().enumerate() {
        assert_eq!(a.kind, ActionKind::Create);
        let id = format!("PU{n:06}");
        let mut user = None;
        let mut user_teams = Vec::new();
        for s in &a.steps {
            match s {
                Step::CreateUser(new) => user = Some(serde_json::to_value(new).unwrap()),
                Step::SetTeamRole {
                    team_id,
                    team,
                    role,
                } => {
                    user_teams
                        .push(json!({"id": team_id, "type": "team_reference", "summary": team}));
                    members
                        .push(json!({"user": {"id": id, "type": "user_reference"}, "role": role}));
                }
                Step::UpdateUser(_)
                | Step::RemoveFromTeam { .. }
                | Step::DeleteUser { .. }
                | Step::RestoreContacts { .. } => unreachable!("a create"),
            }
        }
        let mut user = user.expect("a create sends POST /users");
        user["id"] = json!(id);
        user["teams"] = json!(user_teams);
        if user["role"].is_null() {
            user["role"] = json!("limited_user");
        }
        users.push(serde_json::from_value(user).expect("a user"));
    }
    let members = BTreeMap::from([(
        TeamId::from(TEAM_ID),
        serde_json::from_value(json!(members)).unwrap(),
    )]);
    // Tonight's export.
    let gone = rows / 100;
    let mut csv = String::from(HEADER);
    for i in 0..rows - gone {
        let (status, t) = match i % 200 {
            0..=3 => ("Active", "Senior Engineer"),      // 2% movers
            4 | 5 => ("Terminated for Cause", title(i)), // 1% leavers
            6 => ("Leave of Absence", title(i)),         // 0.5% on leave
            _ => ("Active", title(i)),
        };
        row(&mut csv, &format!("e{i}"), i, status, t);
    }
    for i in rows..rows + gone {
        row(&mut csv, &format!("n{i}"), i, "Active", title(i));
    }
    Synthetic {
        csv: csv.into_bytes(),
        users,
        teams,
        members,
    }
}

/// The calling thread's CPU time in seconds (Linux), or `None`.
fn thread_cpu() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// The process's peak resident set in MB (Linux), or `None`.
fn vm_hwm() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let rows = arg("--rows", 100_000);
    let cfg = config();
    let policy = Policy::from_config(&cfg);
    let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let built = Instant::now();
    let Synthetic {
        csv,
        users,
        teams,
        members,
    } = synthetic(rows, &cfg, &policy, today);
    println!(
        "synthetic: {rows} HR rows ({:.1} MB), {} users, {} team members, built in {:.2} s",
        csv.len() as f64 / MB,
        users.len(),
        members.values().map(Vec::len).sum::<usize>(),
        built.elapsed().as_secs_f64()
    );

    let held = CURRENT.load(Ordering::Relaxed);
    PEAK.store(held, Ordering::Relaxed);
    let wall = Instant::now();
    let cpu0 = thread_cpu();

    let roster = hr::read_bytes(&csv, &cfg).expect("tonight's export");
    let cpu1 = thread_cpu();
    let first = plan::plan(Inputs {
        roster: &roster,
        users: &users,
        teams: &teams,
        members: &members,
        policy: &policy,
        oncall: &OncallFacts::default(),
        today,
        run_day: today,
        archive: &Archive::default(),
        key_owner: None,
        licenses: &[],
        license_holders: None,
        marker_keys: None,
        unkeyed: hr2pagerduty::plan::Unkeyed::NotSet,
    })
    .expect("a plan");
    let cpu2 = thread_cpu();
    // The on-call look-ups found nothing held: the second pass plans the deactivations.
    let mut oncall = OncallFacts::default();
    for id in &first.needs_oncall {
        oncall.users.insert(id.clone(), OncallImpact::default());
    }
    let second = plan::plan(Inputs {
        roster: &roster,
        users: &users,
        teams: &teams,
        members: &members,
        policy: &policy,
        oncall: &oncall,
        today,
        run_day: today,
        archive: &Archive::default(),
        key_owner: None,
        licenses: &[],
        license_holders: None,
        marker_keys: None,
        unkeyed: hr2pagerduty::plan::Unkeyed::NotSet,
    })
    .expect("a plan");
    let cpu3 = thread_cpu();
    let wall = wall.elapsed().as_secs_f64();
    let peak = PEAK.load(Ordering::Relaxed);

    let mut kinds: BTreeMap<ActionKind, usize> = BTreeMap::new();
    for a in &second.actions {
        *kinds.entry(a.kind).or_default() += 1;
    }
    let blocked = second
        .actions
        .iter()
        .filter(|a| a.blocked.is_some())
        .count();
    println!(
        "plan: {} employees read, {} actions {kinds:?} ({blocked} blocked), {} skipped",
        roster.employees.len(),
        second.actions.len(),
        second.skipped.len()
    );
    match (cpu0, cpu1, cpu2, cpu3) {
        (Some(a), Some(b), Some(c), Some(d)) => println!(
            "cpu: {:.3} s in all (parse {:.3} s, plan without on-call facts {:.3} s, plan with them {:.3} s); wall {wall:.3} s; target <= 1 s",
            d - a,
            b - a,
            c - b,
            d - c
        ),
        _ => println!("cpu: not available here; wall {wall:.3} s; target <= 1 s"),
    }
    println!(
        "memory: heap peak {:.1} MB while parsing and planning ({:.1} MB held before: users, members, export bytes); target <= 250 MB; process VmHWM {}",
        peak as f64 / MB,
        held as f64 / MB,
        vm_hwm().map_or("n/a".into(), |m| format!(
            "{m:.1} MB (includes building the synthetic account)"
        ))
    );
}
