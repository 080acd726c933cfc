//! Executes a [`Plan`]: each action's steps in order, actions concurrently, the
//! deactivations and deletions before every other action (so that the licences they release
//! are free for the creates and role changes, as the plan counted them).
//!
//! Concurrency and pacing live in the client's request layer (one shared limiter at the key's
//! budget, an in-flight cap that follows latency up to `concurrency`, a cap on overlapping
//! creates, a shared pause on 429); this module only keeps up to `concurrency` actions going
//! at once, as many as the request layer may ever have in flight, so that the request layer
//! is never starved of work and alone decides the pace. It guarantees that two actions on the
//! same user never run at the same time (actions are grouped by user and a group runs in
//! sequence).
//!
//! A failed step fails its action (the remaining steps of that action are not sent, and
//! the next plan finishes them, see [`crate::plan`]); the run goes on with the other actions.
//! Authentication rejected (401: the key itself is refused) stops new actions from starting:
//! they are reported as skipped, not attempted ([`Cause::AuthenticationRejected`]). A 403
//! fails only its own action. When a team refuses to let a user go (fact F32), the action's
//! other team removals are still tried, and every failure is kept ([`Cause::Failed`]); the
//! refusal is not retried (a 400, see `pagerduty::retry`), and the team's escalation
//! policies that hold the user are looked up and named with it ([`HeldBy`]).
//!
//! A blocked action ([`crate::plan::Action::blocked`]: a deactivation of a user who is on
//! call) sends nothing, not even the re-check: it ends [`OutcomeStatus::Blocked`] with
//! [`Cause::Blocked`].
//!
//! A deletion sends one request after the re-check: the `DELETE`, once the user's full
//! record (read with the re-check, `include[]=contact_methods` and `notification_rules`)
//! is durable in the archive ([`crate::archive`]); a record that cannot be written
//! fails the action with nothing deleted. A `DELETE` PagerDuty refuses (assigned incidents,
//! the only target of an escalation rule) fails the action with PagerDuty's reason and is
//! not retried. A restore from the archive reads what the new user has and creates only
//! what is missing.
//!
//! Before a destructive action (a deactivation or deletion) sends anything, its user is read again and
//! checked against the action's [`Guard`]: still the same employee's marker (or, for a user
//! matched by email, still that email and no marker), and not a user hr2pagerduty never
//! writes (the planner's rule, [`crate::plan::ownership::untouchable`]). A mismatch skips
//! the action with the [`Mismatch`] found.
//!
//! A create whose user the client found by email instead of creating it (the `POST`'s
//! outcome was unknown, or PagerDuty answered "Email has already been taken") is adopted
//! only when that user carries no marker or this employee's, and is neither the owner nor
//! protected ([`adoption_refused`]); otherwise the action fails ([`Cause::NotAdopted`]).
//! An adopted user is brought to the create's state ([`adoption_update`]: one `PUT` with
//! the marker and the differing fields) before the create's team steps, and the outcome
//! says it was adopted. One person, one user.
//!
//! An action that takes over an email another user gives up in the same run
//! ([`Action::waits_for`]) runs in that user's group, after its action, and only when that
//! action's email change was done; otherwise it is skipped ([`Cause::EmailNotFreed`]).
//!
//! The run can be stopped early ([`stop`]): actions never started are reported
//! [`OutcomeStatus::NotStarted`], actions stopped part-way [`OutcomeStatus::Interrupted`].

mod holding;
pub mod lock;
mod outcome;
mod restore;
pub mod stop;

use holding::policies_holding;
use restore::restore_contacts;

pub use outcome::{Cause, HeldBy, Mismatch, NotAdoptable, Outcome, OutcomeStatus, StepFailure};
pub use stop::{Halt, Signal, Stop, StopSender};

use crate::archive::{Archive, ArchiveRecord};
use crate::email::Email;
use crate::ids::{EmployeeId, EscalationPolicyId, TeamId, UserId};
use crate::marker::{self, MarkerKeys, MarkerState, Verdict};
use crate::oncall::Named;
use crate::pagerduty::models::contact::{
    ContactMethodReference, ContactMethodType, NewNotificationRule, UserRecord,
};
use crate::pagerduty::models::oncall::TEAM_REMOVAL_BLOCKED;
use crate::pagerduty::models::{NewUser, User, UserUpdate};
use crate::pagerduty::{ApiError, Client};
use crate::plan::ownership::untouchable;
use crate::plan::{Action, ActionKind, Guard, Plan, Step};
use crate::progress::Progress;
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing::Instrument;

/// Policy for the apply-time re-check, for stopping early, and the deletion archive.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Actions in progress at once: the configured `concurrency`, so that the client's
    /// adaptive in-flight cap (at most `concurrency`), not the number of actions, limits the
    /// requests in flight.
    pub concurrency: usize,
    /// Emails never written (`[lifecycle] protected`).
    pub protected: BTreeSet<Email>,
    /// The deletion archive the plan was made with: a deletion writes its record there
    /// before the `DELETE`, a restore reads the deleted user's record from it. Without a
    /// file ([`Archive::in_memory`]) no deletion is sent.
    pub archive: Arc<Archive>,
    /// The user that owns the API key (`GET /users/me`; `None` for an account-level key):
    /// never written.
    pub key_owner: Option<UserId>,
    /// The run's stop ([`Stop::never`] when nothing can stop it early).
    pub stop: Stop,
    /// The run's marker keys (`PAGERDUTY_MARKER_KEY`, `_PREVIOUS`), which the re-check
    /// verifies markers with, as the planner did; `None` without a key.
    pub marker_keys: Option<MarkerKeys>,
}

/// The groups of actions that run in sequence, in the order they run: every action on one
/// user, and with them the actions that wait for that user's email change
/// ([`Action::waits_for`], followed from action to action), after it.
fn groups(plan: &Plan) -> Vec<Vec<usize>> {
    let by_user: BTreeMap<&str, usize> = plan
        .actions
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.user_id.as_deref().map(|u| (u, i)))
        .collect();
    // The group key of action i and how many hand-offs it waits behind.
    let key_of = |mut i: usize| -> (String, usize) {
        let mut depth = 0;
        loop {
            let a = &plan.actions[i];
            match (&a.waits_for, depth < plan.actions.len()) {
                (Some(u), true) => match by_user.get(u.as_str()) {
                    Some(&j) if j != i => {
                        i = j;
                        depth += 1;
                    }
                    _ => return (format!("id:{u}"), depth + 1),
                },
                _ => {
                    let key = match &a.user_id {
                        Some(id) => format!("id:{id}"),
                        None => format!("email:{}", a.email),
                    };
                    return (key, depth);
                }
            }
        }
    };
    let mut groups: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    for i in 0..plan.actions.len() {
        let (key, depth) = key_of(i);
        groups.entry(key).or_default().push((depth, i));
    }
    groups
        .into_values()
        .map(|mut g| {
            g.sort();
            g.into_iter().map(|(_, i)| i).collect()
        })
        .collect()
}

/// True when `o`'s action changed its user's email: a `PUT /users/{id}` carrying an email
/// was done.
fn email_changed(o: &Outcome) -> bool {
    o.action
        .steps
        .iter()
        .take(o.steps_done)
        .any(|s| matches!(s, Step::UpdateUser(u) if u.email.is_some()))
}

/// An outcome for `a` that sent nothing.
fn unsent(a: &Action, status: OutcomeStatus, cause: Cause) -> Outcome {
    Outcome {
        action: a.clone(),
        status,
        user_id: a.user_id.clone(),
        cause: Some(cause),
        attempts: 0,
        steps_done: 0,
        http_status: None,
        adopted: false,
    }
}

/// Runs every action of `plan` and returns one [`Outcome`] per action, in plan order.
/// `on_outcome(i, outcome)` is called as the action at index `i` of the plan ends (in
/// completion order, also for actions never started), so a run that is killed still leaves
/// a record of what it did.
///
/// Once `opts.stop` halts the run, no action starts ([`OutcomeStatus::NotStarted`]); see
/// [`stop`] for what happens to actions in progress.
pub async fn apply(
    client: &Client,
    plan: &Plan,
    opts: &ApplyOptions,
    progress: &Progress,
    on_outcome: &(dyn Fn(usize, &Outcome) + Sync),
) -> Vec<Outcome> {
    // Deactivations and deletions first: the licences they release are counted as free for
    // the creates and role changes that follow (plan::LicenseShortfall).
    let (first, rest): (Vec<Vec<usize>>, Vec<Vec<usize>>) =
        groups(plan).into_iter().partition(|idxs| {
            idxs.iter().any(|&i| {
                matches!(
                    plan.actions[i].kind,
                    ActionKind::Deactivate | ActionKind::Delete
                )
            })
        });
    progress.stage("applying", Some(plan.actions.len() as u64));
    // One stop for every halt. Once the run halts (--max-runtime or a signal), an action
    // that has sent nothing sends nothing: its first request, waiting at any gate (the
    // in-flight cap, the create limit, a 429 pause, the limiter), ends at once and the
    // action is not_started. Once --max-runtime runs out, or a signal's grace period ends,
    // the client sends no further request at all: a 429 pause or a retry's backoff ends at
    // once (ApiError::Stopped).
    let stop_sending = async {
        let stop = &opts.stop;
        let halt = stop.halted_now().await;
        client.stop_new_actions();
        if halt != Halt::MaxRuntime {
            stop.abandoned().await;
        }
        client.stop_sending();
        std::future::pending::<()>().await;
    };
    // The stop is polled first, so a halt reaches the client before a waiting request is
    // let out on the same wake-up.
    let results = tokio::select! {
        biased;
        () = stop_sending => unreachable!("pending once it has stopped the client"),
        r = run_phases(client, plan, opts, progress, on_outcome, [first, rest]) => r,
    };
    progress.finish();
    let mut flat: Vec<(usize, Outcome)> = results.into_iter().flatten().collect();
    flat.sort_by_key(|(i, _)| *i);
    flat.into_iter().map(|(_, o)| o).collect()
}

/// The two phases of [`apply`] in turn, each group's outcomes with their plan indices.
async fn run_phases(
    client: &Client,
    plan: &Plan,
    opts: &ApplyOptions,
    progress: &Progress,
    on_outcome: &(dyn Fn(usize, &Outcome) + Sync),
    phases: [Vec<Vec<usize>>; 2],
) -> Vec<Vec<(usize, Outcome)>> {
    let auth_stop = Arc::new(AtomicBool::new(false));
    let mut results: Vec<Vec<(usize, Outcome)>> = Vec::new();
    for phase in phases {
        let done: Vec<Vec<(usize, Outcome)>> = futures::stream::iter(phase)
            .map(|idxs| {
                let auth_stop = auth_stop.clone();
                async move {
                    let mut out: Vec<(usize, Outcome)> = Vec::new();
                    for i in idxs {
                        let a = &plan.actions[i];
                        // The action on the user that frees this action's email ran earlier
                        // in this group.
                        let freed = a.waits_for.as_ref().is_none_or(|u| {
                            out.iter().any(|(_, o)| {
                                o.action.user_id.as_ref() == Some(u) && email_changed(o)
                            })
                        });
                        let o = if let Some(b) = &a.blocked {
                            unsent(a, OutcomeStatus::Blocked, Cause::Blocked(b.clone()))
                        } else if let Some(halt) = opts.stop.halted() {
                            unsent(a, OutcomeStatus::NotStarted, Cause::NotStarted(halt))
                        } else if auth_stop.load(Ordering::SeqCst) {
                            unsent(a, OutcomeStatus::Skipped, Cause::AuthenticationRejected)
                        } else if !freed {
                            let user = a.waits_for.clone().expect("checked above");
                            unsent(a, OutcomeStatus::Skipped, Cause::EmailNotFreed { user })
                        } else {
                            crate::pagerduty::in_action(run_logged(client, a, opts, &auth_stop))
                                .await
                        };
                        on_outcome(i, &o);
                        progress.inc();
                        out.push((i, o));
                    }
                    out
                }
            })
            .buffer_unordered(opts.concurrency.max(1))
            .collect()
            .await;
        results.extend(done);
    }
    results
}

/// [`run_action`] inside the action's tracing span, named `action`, whose fields every
/// event of the action carries (README.md § Logging): `action` (the kind), `employee_id`
/// (absent for a user no HR row names), `pagerduty_user_id` (a create's from the moment
/// PagerDuty answered it) and `email`; then one info event, `action ended`, with the
/// `outcome` and the `attempts`.
async fn run_logged(
    client: &Client,
    a: &Action,
    opts: &ApplyOptions,
    auth_stop: &AtomicBool,
) -> Outcome {
    let span = tracing::info_span!(
        "action",
        action = %a.kind,
        employee_id = tracing::field::Empty,
        pagerduty_user_id = tracing::field::Empty,
        email = %a.email,
    );
    if let Some(e) = &a.employee_id {
        span.record("employee_id", e.as_str());
    }
    if let Some(u) = &a.user_id {
        span.record("pagerduty_user_id", u.as_str());
    }
    async {
        let o = run_action(client, a, opts, auth_stop).await;
        tracing::info!(
            outcome = o.status.as_str(),
            attempts = o.attempts,
            "action ended"
        );
        o
    }
    .instrument(span)
    .await
}

/// Why the user a create found holding its email may not be adopted as employee
/// `employee_id`'s, if it may not: the planner's owner/key-owner/protected rule first, then the
/// marker, which must be absent or name this employee.
pub fn adoption_refused(
    user: &User,
    employee_id: Option<&EmployeeId>,
    protected: &BTreeSet<Email>,
    key_owner: Option<&UserId>,
) -> Option<NotAdoptable> {
    if let Some(why) = untouchable(user, None, protected, key_owner) {
        return Some(NotAdoptable::Untouchable(why));
    }
    match marker::parse(user.description.as_deref()).marker {
        MarkerState::Absent => None,
        MarkerState::Valid(m) => match m.employee_id {
            // An offboarding record naming no employee counts as no marker, as at the
            // re-check: such a user is matched by email.
            None => None,
            Some(id) if Some(&id) == employee_id => None,
            Some(id) => Some(NotAdoptable::OtherEmployee(id)),
        },
        MarkerState::Invalid(_) => Some(NotAdoptable::UnreadableMarker),
    }
}

/// The partial update that brings `found`, a user a create adopted, to the create's state
/// `n`: the fields that differ (name, role, time zone, job title), the licence the create
/// names, and the description with the create's marker in place of any marker (the human
/// text kept). The email is the one looked up.
pub fn adoption_update(found: &User, n: &NewUser) -> UserUpdate {
    let differs = |want: &Option<String>, have: &Option<String>| {
        want.as_ref().filter(|w| Some(*w) != have.as_ref()).cloned()
    };
    // The create's marker line as the planner wrote it (signed when the run has a marker
    // key, README.md § Marker integrity), after the found user's human text.
    let line = n.description.as_deref().and_then(|d| {
        d.lines()
            .map(str::trim)
            .find(|l| l.starts_with(marker::PREFIX))
    });
    let description = match (marker::parse(n.description.as_deref()).marker, line) {
        (MarkerState::Valid(_), Some(line)) => {
            let human = marker::parse(found.description.as_deref()).human;
            Some(if human.is_empty() {
                line.to_string()
            } else {
                format!("{human}\n{line}")
            })
        }
        _ => n.description.clone(),
    };
    UserUpdate {
        name: (n.name != found.name).then(|| n.name.clone()),
        email: None,
        role: n.role.clone().filter(|r| *r != found.role),
        time_zone: differs(&n.time_zone, &found.time_zone),
        job_title: differs(&n.job_title, &found.job_title),
        description: differs(&description, &found.description),
        license: n.license.clone(),
    }
}

/// Why the re-read user no longer matches the guard, if it does not.
///
/// The marker is read as the planner reads it (`crate::plan::matching`): with the run's
/// marker `keys`, a marker whose signature no key verifies counts as unreadable. An
/// unreadable marker counts as no marker, unless it still appears to name an employee other
/// than `employee_id` (the action's): the planner leaves such a user alone, so the re-check
/// does too. So a leaver who edits their own signed marker is still deactivated, as planned,
/// and the deactivation rewrites the marker. A marker that names no employee (the suspension
/// record of an offboarded unmanaged user) counts as no marker: such a user is matched by
/// email.
fn recheck(
    user: &User,
    guard: &Guard,
    employee_id: Option<&EmployeeId>,
    keys: Option<&MarkerKeys>,
    protected: &BTreeSet<Email>,
    key_owner: Option<&UserId>,
) -> Option<Mismatch> {
    if let Some(why) = untouchable(user, None, protected, key_owner) {
        return Some(Mismatch::Untouchable(why));
    }
    let email = Email::normalise(&user.email);
    let parsed = marker::parse(user.description.as_deref());
    let trusted = match &parsed.marker {
        MarkerState::Valid(m) => {
            keys.is_none_or(|k| k.check(m, parsed.sig.as_deref()) != Verdict::Failed)
        }
        _ => false,
    };
    let found = match parsed.marker {
        MarkerState::Valid(m) if trusted => m.employee_id,
        MarkerState::Absent => None,
        // Unreadable, or signed with no key of this run: what it claims, when that is
        // another employee than the action's.
        _ => marker::claimed_employee_id(user.description.as_deref())
            .filter(|claim| Some(claim) != employee_id)
            .filter(|_| guard.employee_id.is_none()),
    };
    match (found, &guard.employee_id) {
        (Some(found), Some(want)) if &found == want => None,
        (Some(found), Some(want)) => Some(Mismatch::MarkerNamesAnother {
            found,
            expected: want.clone(),
        }),
        (Some(found), None) => Some(Mismatch::MarkerAdded { found }),
        (None, Some(want)) => Some(Mismatch::MarkerGone {
            expected: want.clone(),
        }),
        (None, None) if email == guard.email => None,
        (None, None) => Some(Mismatch::EmailChanged { now: email }),
    }
}

/// `fut`, or `None` once the run's stop abandons actions in progress (the future is
/// dropped: the client's futures are cancel-safe).
async fn unless_abandoned<T>(stop: &Stop, fut: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::select! {
        biased;
        r = fut => Some(r),
        () = stop.abandoned() => None,
    }
}

async fn run_action(
    client: &Client,
    a: &Action,
    opts: &ApplyOptions,
    auth_stop: &AtomicBool,
) -> Outcome {
    let mut o = Outcome {
        action: a.clone(),
        status: OutcomeStatus::Applied,
        user_id: a.user_id.clone(),
        cause: None,
        attempts: 0,
        steps_done: 0,
        http_status: None,
        adopted: false,
    };
    let stop = &opts.stop;
    let interrupted = |o: &mut Outcome, abandoned: bool| {
        o.status = OutcomeStatus::Interrupted;
        o.cause = Some(Cause::Interrupted {
            halt: stop.halted().unwrap_or(Halt::MaxRuntime),
            abandoned,
        });
    };
    // The client stopped sending (--max-runtime ran out, or a signal's grace period ended):
    // an action that sent nothing was never started, any other is interrupted.
    let stopped = |o: &mut Outcome, e: &ApiError| -> bool {
        if !e.is_stopped() {
            return false;
        }
        o.attempts += e.attempts();
        let halt = stop.halted().unwrap_or(Halt::MaxRuntime);
        if o.attempts == 0 && o.steps_done == 0 {
            o.status = OutcomeStatus::NotStarted;
            o.cause = Some(Cause::NotStarted(halt));
        } else {
            o.status = OutcomeStatus::Interrupted;
            o.cause = Some(Cause::Interrupted {
                halt,
                abandoned: false,
            });
        }
        true
    };
    let fail = |o: &mut Outcome, step: usize, e: ApiError, held_by: Option<HeldBy>| {
        // A 401 means the key itself is refused: every later request would be too. A 403
        // is about this request (e.g. the account owner), so only this action fails.
        if e.status() == Some(401) {
            auth_stop.store(true, Ordering::SeqCst);
        }
        o.attempts += e.attempts();
        o.http_status = e.status().or(o.http_status);
        o.status = OutcomeStatus::Failed;
        let failure = StepFailure {
            step: step + 1,
            steps: a.steps.len(),
            error: e.to_string(),
            held_by,
        };
        match &mut o.cause {
            // The remaining removals after a refused one: every failure is kept.
            Some(Cause::Failed(failures)) => failures.push(failure),
            _ => o.cause = Some(Cause::Failed(vec![failure])),
        }
    };
    // The user's full record, read with the re-check of a deletion: what the archive keeps.
    let mut record: Option<UserRecord> = None;
    if let (Some(guard), Some(id)) = (&a.guard, &a.user_id) {
        let read = if a.kind == ActionKind::Delete {
            unless_abandoned(stop, async {
                client.get_user_record(id).await.map(|r| {
                    let user = r.as_ref().map(|r| r.user.clone());
                    record = r;
                    user
                })
            })
            .await
        } else {
            unless_abandoned(stop, client.get_user(id)).await
        };
        let Some(read) = read else {
            interrupted(&mut o, true);
            return o;
        };
        match read {
            Ok(None) => {
                o.attempts += 1;
                o.status = OutcomeStatus::Skipped;
                o.cause = Some(Cause::Recheck(Mismatch::Gone));
                return o;
            }
            Ok(Some(u)) => {
                o.attempts += 1;
                if let Some(why) = recheck(
                    &u,
                    guard,
                    a.employee_id.as_ref(),
                    opts.marker_keys.as_ref(),
                    &opts.protected,
                    opts.key_owner.as_ref(),
                ) {
                    o.status = OutcomeStatus::Skipped;
                    o.cause = Some(Cause::Recheck(why));
                    return o;
                }
            }
            Err(e) => {
                if !stopped(&mut o, &e) {
                    fail(&mut o, 0, e, None);
                }
                return o;
            }
        }
    }
    let refuse = |o: &mut Outcome, step: usize, error: String| {
        o.status = OutcomeStatus::Failed;
        let failure = StepFailure {
            step: step + 1,
            steps: a.steps.len(),
            error,
            held_by: None,
        };
        match &mut o.cause {
            Some(Cause::Failed(failures)) => failures.push(failure),
            _ => o.cause = Some(Cause::Failed(vec![failure])),
        }
    };
    let mut removals_only = false;
    for (i, step) in a.steps.iter().enumerate() {
        if removals_only && !matches!(step, Step::RemoveFromTeam { .. }) {
            break;
        }
        // --max-runtime: the request in flight has finished; no new one starts.
        if stop.halted() == Some(Halt::MaxRuntime) && o.status == OutcomeStatus::Applied {
            interrupted(&mut o, false);
            return o;
        }
        // A restore is its own sequence of reads and creates (idempotent: the next run
        // finishes one that was stopped).
        if let Step::RestoreContacts { from_user } = step {
            let Some(id) = o.user_id.clone() else {
                unreachable!("the planner puts CreateUser first")
            };
            let done = restore_contacts(client, &opts.archive, &id, from_user).await;
            o.attempts += done.attempts;
            let failed = !done.errors.is_empty() || done.missing.is_some();
            if let Some(why) = done.missing {
                refuse(&mut o, i, why);
            }
            for e in done.errors {
                fail(&mut o, i, e, None);
            }
            if failed {
                return o;
            }
            o.steps_done += 1;
            continue;
        }
        // A deletion: the record is durable in the archive before the DELETE is sent (see
        // crate::archive).
        if let Step::DeleteUser {
            role,
            teams,
            suspended_on,
            termination_date,
        } = step
        {
            let Some(read) = record.take() else {
                unreachable!("a deletion carries a guard, so its user was read above")
            };
            if opts.archive.path().is_none() {
                refuse(
                    &mut o,
                    i,
                    "no [lifecycle] archive is configured, so the user was not deleted".into(),
                );
                return o;
            }
            let entry = ArchiveRecord::new(
                read,
                a.employee_id.clone(),
                role.clone(),
                teams.clone(),
                *suspended_on,
                *termination_date,
                chrono::Utc::now(),
            );
            if let Err(e) = opts.archive.append(&entry) {
                refuse(&mut o, i, format!("{e}; the user was not deleted"));
                return o;
            }
        }
        let send = async {
            match step {
                Step::CreateUser(n) => client.create_user(n).await.map(|s| {
                    let refused = s
                        .recovered
                        .then(|| {
                            adoption_refused(
                                &s.value,
                                a.employee_id.as_ref(),
                                &opts.protected,
                                opts.key_owner.as_ref(),
                            )
                        })
                        .flatten();
                    let found = s.recovered.then(|| s.value.clone());
                    (s.attempts, Some((s.value.id, refused, found, s.existed)))
                }),
                Step::UpdateUser(u) => match &o.user_id {
                    Some(id) => client.update_user(id, u).await.map(|s| (s.attempts, None)),
                    None => unreachable!("the planner puts CreateUser first"),
                },
                Step::SetTeamRole { team_id, role, .. } => match &o.user_id {
                    Some(id) => client
                        .set_team_role(team_id, id, role)
                        .await
                        .map(|s| (s.attempts, None)),
                    None => unreachable!("the planner puts CreateUser first"),
                },
                Step::RemoveFromTeam { team_id, .. } => match &o.user_id {
                    Some(id) => client
                        .remove_from_team(team_id, id)
                        .await
                        .map(|s| (s.attempts, None)),
                    None => unreachable!("the planner puts CreateUser first"),
                },
                Step::DeleteUser { .. } => match &o.user_id {
                    Some(id) => client.delete_user(id).await.map(|s| (s.attempts, None)),
                    None => unreachable!("a deletion names its user"),
                },
                Step::RestoreContacts { .. } => unreachable!("a restore is run above"),
            }
        };
        let Some(res) = unless_abandoned(stop, send).await else {
            interrupted(&mut o, true);
            return o;
        };
        match res {
            Ok((n, created)) => {
                o.attempts += n;
                if let Some((id, refused, found, existed)) = created {
                    if let Some(why) = refused {
                        // The email is held by a user that is not this employee's: one
                        // person, one user; nothing more is sent.
                        tracing::warn!(user_id = %id, reason = %why, "create found the email held by another user");
                        o.status = OutcomeStatus::Failed;
                        o.cause = Some(Cause::NotAdopted { user: id, why });
                        return o;
                    }
                    tracing::Span::current().record("pagerduty_user_id", id.as_str());
                    o.user_id = Some(id.clone());
                    // An adopted user (found by email instead of created) is brought to the
                    // create's state before its team steps: otherwise it would keep its
                    // hand-made fields and no marker until the next night's plan.
                    if let (Some(found), Step::CreateUser(n)) = (found, step) {
                        let upd = adoption_update(&found, n);
                        tracing::info!(user_id = %id, fields = ?upd, "create adopted the user holding its email");
                        // Adopted: the user was there before this run's POST (refused,
                        // the email taken). A user found after an attempt whose answer
                        // was lost is this run's own: created, and invited.
                        o.adopted = existed;
                        if !upd.is_empty() {
                            let sent = unless_abandoned(stop, client.update_user(&id, &upd)).await;
                            match sent {
                                None => {
                                    interrupted(&mut o, true);
                                    return o;
                                }
                                Some(Ok(s)) => o.attempts += s.attempts,
                                Some(Err(e)) if stopped(&mut o, &e) => return o,
                                Some(Err(e)) => {
                                    fail(&mut o, i, e, None);
                                    return o;
                                }
                            }
                        }
                    }
                }
                o.steps_done += 1;
            }
            Err(e) if stopped(&mut o, &e) => return o,
            Err(e) => {
                tracing::info!(step = i + 1, error = %e, "action failed");
                // A team that refuses to let the user go (e.g. "User cannot be removed as
                // they belong to an escalation policy on this team", fact F32) should not
                // keep the user on every other team: try the remaining removals, then stop.
                let refused_removal = matches!(step, Step::RemoveFromTeam { .. })
                    && e.status()
                        .is_some_and(|c| (400..500).contains(&c) && c != 401);
                let held_by = match (step, &o.user_id) {
                    (Step::RemoveFromTeam { team_id, team }, Some(user))
                        if e.status() == Some(400) && e.body_mentions(TEAM_REMOVAL_BLOCKED) =>
                    {
                        let policies = policies_holding(client, team_id, user).await;
                        Some(HeldBy {
                            team: team_id.clone(),
                            team_name: team.clone(),
                            policies,
                        })
                    }
                    _ => None,
                };
                fail(&mut o, i, e, held_by);
                if !refused_removal {
                    return o;
                }
                removals_only = true;
            }
        }
    }
    o
}

#[cfg(test)]
mod tests;
