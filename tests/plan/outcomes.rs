//! Reading an account (`observe`): what is read and how a failed read is told; and how one
//! refused request affects an apply: a 403 fails only its own action, and a team that
//! refuses to let a leaver go does not keep the leaver on every other team.
//! Library-level: the simulator in-process, the demo's inputs, `observe::Observer`,
//! `pipeline::observe_and_plan` and `apply::apply`.

use hr2pagerduty::apply::{self, ApplyOptions, Cause, OutcomeStatus, StepError};
use hr2pagerduty::commands::demo::files;
use hr2pagerduty::config::{Config, Connection};
use hr2pagerduty::ids::TeamId;
use hr2pagerduty::observe::{Account, Needs, ObserveError, Observer};
use hr2pagerduty::pagerduty::models::{TeamMember, User};
use hr2pagerduty::pagerduty::{Client, Refusal};
use hr2pagerduty::pipeline::{self, PlanOptions};
use hr2pagerduty::plan::Step;
use hr2pagerduty::progress::Progress;
use hr2pagerduty::sim::faults::{Fault, FaultKind};
use hr2pagerduty::{hr, sim};
use std::collections::BTreeSet;
use std::path::Path;

const KEY: &str = "demo-key-not-secret";

async fn setup(fault: Fault) -> (sim::SimHandle, Client, Config, hr::Roster) {
    let cfg = Config::from_toml(files::CONFIG, Path::new("config.toml")).unwrap();
    let roster = hr::read_bytes(files::HR.as_bytes(), &cfg).unwrap();
    let mut seed = sim::Seed::from_json(files::SEED).unwrap();
    seed.faults.push(fault);
    let handle = sim::start(seed, 0).await.unwrap();
    let client = client(&handle, &cfg, KEY);
    (handle, client, cfg, roster)
}

/// A client of the simulator at `sim`, sending `key`.
fn client(sim: &sim::SimHandle, cfg: &Config, key: &str) -> Client {
    let s = Connection::resolve(Some(&sim.url()), None, Some(key), cfg).unwrap();
    Client::new(pipeline::client_config(cfg, &s)).unwrap()
}

/// A fault that never fires: a clean run.
fn no_fault() -> Fault {
    Fault::new("GET", "/nowhere", FaultKind::status(500))
}

fn team(id: &str) -> Needs {
    Needs {
        team_members: BTreeSet::from([TeamId::new(id)]),
        ..Needs::default()
    }
}

#[tokio::test]
async fn observe_reads_the_account_then_only_the_members_still_missing() {
    let (sim, client, _cfg, _roster) = setup(no_fault()).await;
    let progress = Progress::hidden();
    let observer = Observer::new(&client, &progress, 4, "sim");
    let mut account = observer.account().await.unwrap();
    let ids = |users: &[User]| users.iter().map(|u| u.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&account.users), ids(&sim.users()));
    assert_eq!(account.teams.len(), 4);
    assert!(account.members.is_empty());

    observer
        .complete(&mut account, &team("PITOPS1"))
        .await
        .unwrap();
    assert_eq!(
        account.members.keys().collect::<Vec<_>>(),
        vec![&TeamId::new("PITOPS1")]
    );
    let members = |m: &[TeamMember]| {
        m.iter()
            .map(|m| (m.user.id.clone(), m.role.clone()))
            .collect::<Vec<_>>()
    };
    assert!(!account.members[&TeamId::new("PITOPS1")].is_empty());
    assert_eq!(
        members(&account.members[&TeamId::new("PITOPS1")]),
        members(&sim.team_members("PITOPS1"))
    );

    let sent = client.stats().requests_sent;
    observer
        .complete(&mut account, &team("PITOPS1"))
        .await
        .unwrap();
    assert_eq!(client.stats().requests_sent, sent, "a team is read once");
}

#[tokio::test]
async fn observe_names_what_to_check_when_the_key_is_rejected() {
    let (sim, _client, cfg, _roster) = setup(no_fault()).await;
    let client = client(&sim, &cfg, "not-the-key");
    let progress = Progress::hidden();
    let e = Observer::new(&client, &progress, 4, "https://api.example")
        .users()
        .await
        .unwrap_err();
    assert!(matches!(e, ObserveError::Unauthorized { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.starts_with(
            "PagerDuty rejected the API key (401): check PAGERDUTY_API_KEY (and that it belongs to the account at https://api.example); GET /users: HTTP 401"
        ),
        "{text}"
    );
    assert!(!text.contains("not-the-key"), "{text}");
}

#[tokio::test]
async fn observe_tells_a_refused_read_an_incomplete_listing_and_other_failures_apart() {
    let (sim, client, _cfg, _roster) =
        setup(Fault::new("GET", "/teams", FaultKind::status(403))).await;
    sim.inject(Fault::new("GET", "/users", FaultKind::EmptyPage));
    sim.inject(Fault::new(
        "GET",
        "/teams/PSALES1/members",
        FaultKind::status(404),
    ));
    let progress = Progress::hidden();
    let observer = Observer::new(&client, &progress, 4, "sim");

    let e = observer.teams().await.unwrap_err();
    assert!(matches!(e, ObserveError::Forbidden { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with(
            "PagerDuty refused the request (403): check that PAGERDUTY_API_KEY may read the users and teams of the account at sim; GET /teams"
        ),
        "{e}"
    );

    let e = observer.users().await.unwrap_err();
    assert!(matches!(e, ObserveError::Incomplete(_)), "{e:?}");
    assert!(
        e.to_string()
            .ends_with("; the listing cannot be proven complete, so nothing was written"),
        "{e}"
    );

    let mut account = Account::default();
    let e = observer
        .complete(&mut account, &team("PSALES1"))
        .await
        .unwrap_err();
    assert!(matches!(e, ObserveError::Api(_)), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("PagerDuty: GET /teams/PSALES1/members"),
        "{e}"
    );
    assert!(account.members.is_empty(), "a failed read adds nothing");
}

fn opts(cfg: &Config) -> ApplyOptions {
    ApplyOptions {
        concurrency: 4,
        protected: cfg.lifecycle.protected.clone(),
        archive: std::sync::Arc::new(hr2pagerduty::archive::ArchiveFile::none()),
        stop: apply::Stop::never(),
        marker_keys: None,
        key_owner: None,
    }
}

#[tokio::test]
async fn a_403_fails_its_own_action_and_the_run_goes_on() {
    let fault = Fault::new("PUT", "/users/PBARB01", FaultKind::status(403)).always();
    let (_sim, client, cfg, roster) = setup(fault).await;
    let obs = pipeline::observe_and_plan(
        &client,
        &cfg,
        &roster,
        &Progress::hidden(),
        "sim",
        pipeline::today(&cfg, None),
        PlanOptions::default(),
    )
    .await
    .unwrap();
    let outcomes = apply::apply(
        &client,
        &obs.plan,
        &opts(&cfg),
        &Progress::hidden(),
        &|_, _| {},
    )
    .await;
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.status == OutcomeStatus::Failed)
        .map(|o| o.action.email.as_str())
        .collect();
    assert_eq!(failed, vec!["barbara.liskov@example.com"]);
    assert!(
        outcomes
            .iter()
            .filter(|o| o.action.email.as_str() != "barbara.liskov@example.com")
            .all(|o| o.status == OutcomeStatus::Applied),
        "{outcomes:#?}"
    );
}

#[tokio::test]
async fn a_team_that_refuses_a_removal_does_not_keep_the_leaver_on_other_teams() {
    // PagerDuty refuses to remove a user who is on an escalation policy of the team (F32).
    let fault = Fault::new(
        "DELETE",
        "/teams/PITOPS1/users/PALAN01",
        FaultKind::Status {
            status: 400,
            code: Some(2001),
            message: None,
            errors: vec![
                "User cannot be removed as they belong to an escalation policy on this team".into(),
            ],
        },
    )
    .always();
    let (sim, client, cfg, roster) = setup(fault).await;
    let obs = pipeline::observe_and_plan(
        &client,
        &cfg,
        &roster,
        &Progress::hidden(),
        "sim",
        pipeline::today(&cfg, None),
        PlanOptions::default(),
    )
    .await
    .unwrap();
    let outcomes = apply::apply(
        &client,
        &obs.plan,
        &opts(&cfg),
        &Progress::hidden(),
        &|_, _| {},
    )
    .await;
    let alan = outcomes
        .iter()
        .find(|o| o.action.email.as_str() == "alan.turing@example.com")
        .unwrap();
    assert_eq!(alan.status, OutcomeStatus::Failed);
    // One failure, the refused removal's; the other removal was still sent.
    let Some(Cause::Failed(failures)) = &alan.cause else {
        panic!("{:?}", alan.cause)
    };
    let refused = alan
        .action
        .steps
        .iter()
        .position(|s| matches!(s, Step::RemoveFromTeam { team_id, .. } if team_id == "PITOPS1"))
        .unwrap();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].step, refused + 1);
    assert_eq!(failures[0].steps, alan.action.steps.len());
    // PagerDuty's refusal of fact F32, classified, in the client's words.
    assert!(
        matches!(
            &failures[0].error,
            StepError::Refused { refusal: Refusal::TeamRemovalBlocked, text }
                if text.contains("escalation policy")
        ),
        "{failures:?}"
    );
    // Chess Club let him go; IT Operations did not; the stakeholder role waits for it.
    assert!(
        sim.team_members("PCHESS1")
            .iter()
            .all(|m| m.user.id != "PALAN01")
    );
    assert!(
        sim.team_members("PITOPS1")
            .iter()
            .any(|m| m.user.id == "PALAN01")
    );
    let user = sim.users().into_iter().find(|u| u.id == "PALAN01").unwrap();
    assert_eq!(user.role.as_str(), "limited_user");
    assert!(
        user.description.unwrap().contains("\"suspended\""),
        "the record was written first"
    );
    // The next plan finishes what is left: one removal, then the role.
    let again = pipeline::observe_and_plan(
        &client,
        &cfg,
        &roster,
        &Progress::hidden(),
        "sim",
        pipeline::today(&cfg, None),
        PlanOptions::default(),
    )
    .await
    .unwrap();
    let next = again
        .plan
        .actions
        .iter()
        .find(|a| a.email.as_str() == "alan.turing@example.com")
        .unwrap();
    assert_eq!(next.steps.len(), 2, "{:?}", next.steps);
    assert!(
        next.reason.contains("finishing an interrupted suspension"),
        "{}",
        next.reason
    );
}

#[tokio::test]
async fn each_outcome_is_reported_as_its_action_ends() {
    let (_sim, client, cfg, roster) = setup(no_fault()).await;
    let obs = pipeline::observe_and_plan(
        &client,
        &cfg,
        &roster,
        &Progress::hidden(),
        "sim",
        pipeline::today(&cfg, None),
        PlanOptions::default(),
    )
    .await
    .unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let outcomes = apply::apply(
        &client,
        &obs.plan,
        &opts(&cfg),
        &Progress::hidden(),
        &|_, o| {
            seen.lock()
                .unwrap()
                .push(hr2pagerduty::report::outcome_line(o));
        },
    )
    .await;
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), outcomes.len());
    for o in &outcomes {
        assert!(
            seen.contains(&hr2pagerduty::report::outcome_line(o)),
            "{seen:?}"
        );
    }
    assert!(
        seen.iter()
            .any(|l| l.starts_with("  + created frances.allen@example.com (P")),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_401_stops_new_actions_which_are_skipped_as_not_attempted() {
    let fault = Fault::new("PUT", "/users/PBARB01", FaultKind::status(401)).always();
    let (sim, client, cfg, roster) = setup(fault).await;
    let obs = pipeline::observe_and_plan(
        &client,
        &cfg,
        &roster,
        &Progress::hidden(),
        "sim",
        pipeline::today(&cfg, None),
        PlanOptions::default(),
    )
    .await
    .unwrap();
    // One action at a time, so every action after the refused one is not yet started.
    let one_at_a_time = ApplyOptions {
        concurrency: 1,
        ..opts(&cfg)
    };
    let writes_before = sim.write_count();
    let outcomes = apply::apply(
        &client,
        &obs.plan,
        &one_at_a_time,
        &Progress::hidden(),
        &|_, _| {},
    )
    .await;
    let barbara = outcomes
        .iter()
        .find(|o| o.action.email.as_str() == "barbara.liskov@example.com")
        .unwrap();
    assert_eq!(barbara.status, OutcomeStatus::Failed);
    assert_eq!(barbara.http_status, Some(401));
    assert!(
        matches!(&barbara.cause, Some(Cause::Failed(f)) if f.len() == 1),
        "{:?}",
        barbara.cause
    );
    let stopped: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.cause == Some(Cause::AuthenticationRejected))
        .map(|o| o.action.email.as_str())
        .collect();
    assert!(!stopped.is_empty(), "{outcomes:#?}");
    for o in outcomes
        .iter()
        .filter(|o| o.cause == Some(Cause::AuthenticationRejected))
    {
        assert_eq!(o.status, OutcomeStatus::Skipped);
        assert_eq!((o.attempts, o.steps_done), (0, 0));
        assert_eq!(
            hr2pagerduty::report::outcome_line(o),
            format!(
                "  ? {} of {} ({}) skipped: not attempted: authentication was rejected",
                o.action.kind,
                o.action.email,
                o.user_id
                    .as_ref()
                    .map(|id| id.as_str())
                    .unwrap_or("no PagerDuty ID")
            )
        );
    }
    // Nothing was written for them: the sim saw only the writes of the actions before.
    let sent: usize = outcomes.iter().map(|o| o.steps_done).sum();
    assert_eq!(
        sim.write_count() - writes_before,
        sent + 1,
        "plus the refused PUT"
    );
}

#[tokio::test]
async fn a_create_that_finds_its_email_taken_adopts_only_a_user_that_may_be_this_employees() {
    use hr2pagerduty::apply::NotAdoptable;
    use hr2pagerduty::marker::{self, Marker};
    use hr2pagerduty::pagerduty::models::{NewUser, Role};
    use hr2pagerduty::plan::ActionKind;
    let (sim, client, cfg, roster) = setup(no_fault()).await;
    let obs = pipeline::observe_and_plan(
        &client,
        &cfg,
        &roster,
        &Progress::hidden(),
        "sim",
        pipeline::today(&cfg, None),
        PlanOptions::default(),
    )
    .await
    .unwrap();
    let creates: Vec<String> = obs
        .plan
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Create)
        .map(|a| a.email.to_string())
        .collect();
    assert!(creates.len() >= 2, "{creates:?}");
    // Between the plan and the apply, two of the new hires' addresses get a user: one made
    // by hand (no marker), one carrying another employee's marker.
    let user = |email: &str, description: Option<String>| NewUser {
        kind: "user".into(),
        name: "Made By Hand".into(),
        email: email.into(),
        role: Some(Role::LimitedUser),
        time_zone: Some("Europe/London".into()),
        job_title: None,
        description,
        color: None,
        license: None,
    };
    let by_hand = client.create_user(&user(&creates[0], None)).await.unwrap();
    let foreign_marker = marker::render(
        "",
        &Marker {
            employee_id: Some("9999".into()),
            suspended: None,
            pending_termination: None,
            created: None,
        },
    );
    let foreign = client
        .create_user(&user(&creates[1], Some(foreign_marker)))
        .await
        .unwrap();
    assert!(!by_hand.recovered && !foreign.recovered);

    let outcomes = apply::apply(
        &client,
        &obs.plan,
        &opts(&cfg),
        &Progress::hidden(),
        &|_, _| {},
    )
    .await;
    let of = |email: &str| {
        outcomes
            .iter()
            .find(|o| o.action.email.as_str() == email)
            .unwrap()
    };
    let adopted = of(&creates[0]);
    assert_eq!(adopted.status, OutcomeStatus::Applied, "{adopted:#?}");
    assert_eq!(adopted.user_id.as_ref(), Some(&by_hand.value.id));
    assert!(adopted.adopted, "{adopted:#?}");
    // PagerDuty created no user for the adopted ones, so it sent no invitation for them:
    // the invitations are the creates that made a user.
    let made = outcomes
        .iter()
        .filter(|o| o.action.kind == ActionKind::Create && o.status == OutcomeStatus::Applied)
        .filter(|o| !o.adopted)
        .count();
    let summary = hr2pagerduty::report::apply_summary(&outcomes, &obs.plan, &roster);
    assert_eq!(summary.invitations, made, "{summary:?}");
    assert!(summary.created > made, "{summary:?}");
    assert!(
        hr2pagerduty::report::outcome_line(adopted).contains(" adopted "),
        "{}",
        hr2pagerduty::report::outcome_line(adopted)
    );
    // The adopted user is brought to the create's state: the HR name and role, this
    // employee's marker, and the create's team memberships.
    let Some(hr2pagerduty::plan::Step::CreateUser(wanted)) = adopted.action.steps.first() else {
        panic!("{:#?}", adopted.action)
    };
    let now = sim
        .users()
        .into_iter()
        .find(|u| u.id == by_hand.value.id)
        .unwrap();
    assert_eq!(now.name, wanted.name);
    assert_eq!(Some(&now.role), wanted.role.as_ref());
    assert_eq!(
        marker::claimed_employee_id(now.description.as_deref()),
        adopted.action.employee_id,
        "{:?}",
        now.description
    );
    // The next plan has nothing left for the adopted user.
    let again = pipeline::observe_and_plan(
        &client,
        &cfg,
        &roster,
        &Progress::hidden(),
        "sim",
        pipeline::today(&cfg, None),
        PlanOptions::default(),
    )
    .await
    .unwrap();
    let left: Vec<_> = again
        .plan
        .actions
        .iter()
        .filter(|a| a.email.as_str() == creates[0])
        .collect();
    assert!(left.is_empty(), "{left:#?}");
    let refused = of(&creates[1]);
    assert_eq!(refused.status, OutcomeStatus::Failed);
    assert_eq!(
        refused.cause,
        Some(Cause::NotAdopted {
            user: foreign.value.id.clone(),
            why: NotAdoptable::OtherEmployee("9999".into()),
        })
    );
    assert_eq!(refused.steps_done, 0, "nothing is sent to another's user");
    // One person, one user.
    for email in &creates {
        let n = sim.users().iter().filter(|u| &u.email == email).count();
        assert_eq!(n, 1, "{email}");
    }
}

/// Issue r10g #1: in an account whose markers are signed, a create whose email a user took
/// after the listing (its marker removed, its email set to the new hire's) adopts that user
/// only when that raises nothing: one that would be given a higher base role or the
/// hire's teams is refused in the planner's words (`UnconfirmedAdoption`, by the same rule,
/// `plan::adoption::adoption_raise`), and nothing is written to it; one that already has
/// the hire's role and teams is adopted as before.
#[tokio::test]
async fn in_a_signed_account_a_create_adopts_the_user_holding_its_email_only_when_that_raises_nothing()
 {
    use hr2pagerduty::apply::NotAdoptable;
    use hr2pagerduty::marker::{self, MarkerKey, MarkerKeys};
    use hr2pagerduty::pagerduty::models::{NewUser, Role};
    use hr2pagerduty::plan::{ActionKind, SkipCause};
    let (sim, client, cfg, roster) = setup(no_fault()).await;
    let keys = MarkerKeys::new(
        MarkerKey::new("test key", "0123456789abcdef0123456789abcdef").unwrap(),
        None,
    );
    let hidden = Progress::hidden();
    async fn plan(
        client: &Client,
        cfg: &Config,
        roster: &hr::Roster,
        keys: &MarkerKeys,
    ) -> hr2pagerduty::plan::Plan {
        let options = PlanOptions {
            marker_keys: Some(keys),
            ..PlanOptions::default()
        };
        let today = pipeline::today(cfg, None);
        let hidden = Progress::hidden();
        pipeline::observe_and_plan(client, cfg, roster, &hidden, "sim", today, options)
            .await
            .unwrap()
            .plan
    }
    let mut opts = opts(&cfg);
    opts.marker_keys = Some(keys.clone());
    // Two hires that make team memberships: the first apply, with the key, creates the
    // others and signs every marker; the two are left for the second.
    let first = plan(&client, &cfg, &roster, &keys).await;
    let hires: Vec<String> = first
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Create)
        .filter(|a| {
            a.steps
                .iter()
                .any(|s| matches!(s, Step::SetTeamRole { .. }))
        })
        .map(|a| a.email.to_string())
        .take(2)
        .collect();
    assert_eq!(hires.len(), 2, "{first:#?}");
    // (The row with a broken email goes too, so that the invalid rows stay under the cap.)
    let without: String = files::HR
        .lines()
        .filter(|l| !hires.iter().any(|h| l.contains(h.as_str())) && !l.contains("ken thompson"))
        .map(|l| format!("{l}\n"))
        .collect();
    let early = hr::read_bytes(without.as_bytes(), &cfg).unwrap();
    let done = plan(&client, &cfg, &early, &keys).await;
    apply::apply(&client, &done, &opts, &hidden, &|_, _| {}).await;
    let guarded = plan(&client, &cfg, &roster, &keys).await;
    assert!(
        guarded.adoption_guarded,
        "markers verify: the account is signed"
    );
    let create = |email: &str| {
        guarded
            .actions
            .iter()
            .find(|a| a.email.as_str() == email && a.kind == ActionKind::Create)
            .unwrap_or_else(|| panic!("{email}: {:#?}", guarded.actions))
    };
    // After the listing: a limited user takes the first hire's address; a user already
    // holding the second hire's role (or more) and team memberships, under the hire's name
    // (an account an admin made for the hire), takes the second's.
    let name_of = |email: &str| match create(email).steps.first() {
        Some(Step::CreateUser(n)) => n.name.clone(),
        other => panic!("{other:?}"),
    };
    let user = |email: &str, role: Role, name: String| NewUser {
        kind: "user".into(),
        name,
        email: email.into(),
        role: Some(role),
        time_zone: Some("Europe/London".into()),
        job_title: None,
        description: Some("I sell things.".into()),
        color: None,
        license: None,
    };
    let squatter = client
        .create_user(&user(&hires[0], Role::LimitedUser, "Made By Hand".into()))
        .await
        .unwrap()
        .value;
    let matching = client
        .create_user(&user(
            &hires[1],
            Role::Admin,
            name_of(&hires[1]).to_uppercase(),
        ))
        .await
        .unwrap()
        .value;
    for s in &create(&hires[1]).steps {
        if let Step::SetTeamRole { team_id, role, .. } = s {
            client
                .set_team_role(team_id, &matching.id, role)
                .await
                .unwrap();
        }
    }
    let before = sim
        .users()
        .into_iter()
        .find(|u| u.id == squatter.id)
        .unwrap();
    let outcomes = apply::apply(&client, &guarded, &opts, &hidden, &|_, _| {}).await;
    let of = |email: &str| {
        outcomes
            .iter()
            .find(|o| o.action.email.as_str() == email)
            .unwrap()
    };
    let refused = of(&hires[0]);
    assert_eq!(refused.status, OutcomeStatus::Failed, "{refused:#?}");
    let Some(Cause::NotAdopted {
        user,
        why: NotAdoptable::RaisesAccess(cause),
    }) = &refused.cause
    else {
        panic!("{refused:#?}")
    };
    assert_eq!(user, &squatter.id);
    // Under another name than the hire's: not adopted, and what it would raise is said.
    let SkipCause::AdoptionOfAnotherName {
        user_name, raise, ..
    } = &**cause
    else {
        panic!("{cause:?}")
    };
    assert_eq!(user_name, "Made By Hand");
    assert!(
        matches!(raise.as_deref(), Some(SkipCause::UnconfirmedAdoption { from, .. }) if *from == Role::LimitedUser),
        "{cause:?}"
    );
    let words = refused.cause.as_ref().unwrap().to_string();
    assert!(
        words.contains("only its email ties it to this employee") && words.contains("left alone"),
        "{words}"
    );
    assert_eq!(refused.steps_done, 0);
    let after = sim
        .users()
        .into_iter()
        .find(|u| u.id == squatter.id)
        .unwrap();
    assert_eq!(
        (&after.role, &after.description, after.teams.len()),
        (&before.role, &before.description, before.teams.len()),
        "nothing is written to the user"
    );
    assert!(marker::claimed_employee_id(after.description.as_deref()).is_none());
    // r10i a2: under the hire's name, raising nothing, it is still refused without
    // `--allow-adoption-by-email`: the name is self-editable too (a user who renamed
    // itself and took the address at the prompt); nothing is written to it.
    assert!(!guarded.adoption_by_email_allowed);
    let renamed = of(&hires[1]);
    assert_eq!(renamed.status, OutcomeStatus::Failed, "{renamed:#?}");
    assert!(
        matches!(&renamed.cause, Some(Cause::NotAdopted { user, why: NotAdoptable::RaisesAccess(cause) })
            if *user == matching.id && matches!(**cause, SkipCause::AdoptionByEmail { .. })),
        "{renamed:#?}"
    );
    let words = renamed.cause.as_ref().unwrap().to_string();
    assert!(
        words.contains("nothing but its email and its name"),
        "{words}"
    );
    assert!(
        marker::claimed_employee_id(
            sim.users()
                .into_iter()
                .find(|u| u.id == matching.id)
                .unwrap()
                .description
                .as_deref()
        )
        .is_none()
    );
    // With the switch (a person checked the user): the name rule and the raise guard
    // alone, so it is adopted as before, and the squatter is still refused.
    let mut allowed = guarded.clone();
    allowed.adoption_by_email_allowed = true;
    let outcomes = apply::apply(&client, &allowed, &opts, &hidden, &|_, _| {}).await;
    let of = |email: &str| {
        outcomes
            .iter()
            .find(|o| o.action.email.as_str() == email)
            .unwrap()
    };
    assert_eq!(of(&hires[0]).status, OutcomeStatus::Failed);
    let adopted = of(&hires[1]);
    assert_eq!(adopted.status, OutcomeStatus::Applied, "{adopted:#?}");
    assert!(adopted.adopted);
    assert_eq!(adopted.user_id.as_ref(), Some(&matching.id));
    let summary = hr2pagerduty::report::apply_summary(&outcomes, &allowed, &roster);
    assert_eq!((summary.created, summary.adopted), (1, 1), "{summary:?}");
}
