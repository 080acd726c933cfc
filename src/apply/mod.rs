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
//! checked against the action's [`Guard`](crate::plan::Guard): still the same employee's marker (or, for a user
//! matched by email, still that email and no marker), and not a user hr2pagerduty never
//! writes (the planner's rule, [`crate::plan::ownership::untouchable`]). A mismatch skips
//! the action with the [`Mismatch`] found.
//!
//! A create whose user the client found by email instead of creating it (the `POST`'s
//! outcome was unknown, or PagerDuty answered "Email has already been taken") is adopted
//! only when that user carries no marker or this employee's, and is neither the owner nor
//! protected ([`adoption_refused`]), and, when the plan's account has signed markers
//! ([`Plan::adoption_guarded`]) and that user carries no marker of this employee that
//! verifies, only when taking it over raises nothing, by the planner's rule
//! ([`crate::plan::adoption::adoption_raise`], [`NotAdoptable::RaisesAccess`]), and only
//! under `--allow-adoption-by-email` ([`Plan::adoption_by_email_allowed`]: else
//! [`crate::plan::SkipCause::AdoptionByEmail`], the name being self-editable too);
//! otherwise the action fails ([`Cause::NotAdopted`]).
//! An adopted user is brought to the create's state ([`adoption_update`]: one `PUT` with
//! the marker and the differing fields) before the create's team steps, and the outcome
//! says it was adopted. One person, one user.
//!
//! An action that takes over an email another user gives up in the same run
//! ([`Action::waits_for`]) runs in that user's group, after its action, and only when that
//! action's email change was done; otherwise it is skipped ([`Cause::EmailNotFreed`]).
//!
//! An action that re-keys its user to an employee ID another user gives up in the same run
//! ([`Action::rekey_after`]: IDs shifted onto old values) runs in that user's group, after
//! its action, and only when that action wrote its marker; otherwise it is skipped
//! ([`Cause::IdNotReleased`]), so that no two users carry one marker.
//!
//! The run can be stopped early ([`stop`]): actions never started are reported
//! [`OutcomeStatus::NotStarted`], actions stopped part-way [`OutcomeStatus::Interrupted`].

mod action;
mod adopt;
pub mod lock;
mod outcome;
mod recheck;
mod restore;
pub mod stop;

use action::run_action;
pub use adopt::{adoption_refused, adoption_update};
#[cfg(test)]
use recheck::recheck;

pub use outcome::{
    Cause, HeldBy, Mismatch, NotAdoptable, Outcome, OutcomeStatus, StepError, StepFailure,
};
pub use stop::{Halt, Signal, Stop, StopSender};

use crate::archive::ArchiveFile;
use crate::email::Email;
use crate::ids::UserId;
use crate::marker::MarkerKeys;
use crate::pagerduty::models::contact::{
    ContactMethodReference, ContactMethodType, NewNotificationRule, UserRecord,
};
use crate::pagerduty::{ApiError, Client};
use crate::plan::{Action, ActionKind, Plan, Step};
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
    /// file ([`ArchiveFile::none`]) no deletion is sent.
    pub archive: Arc<ArchiveFile>,
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
/// ([`Action::waits_for`]) or for its giving up the employee ID they re-key to
/// ([`Action::rekey_after`]), followed from action to action, after it.
fn groups(plan: &Plan) -> Vec<Vec<usize>> {
    let by_user: BTreeMap<&UserId, usize> = plan
        .actions
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.user_id.as_ref().map(|u| (u, i)))
        .collect();
    // The group key of action i and how many hand-offs it waits behind.
    let key_of = |mut i: usize| -> (String, usize) {
        let mut depth = 0;
        loop {
            let a = &plan.actions[i];
            match (waits_on(a), depth < plan.actions.len()) {
                (Some(u), true) => match by_user.get(u) {
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

/// The user whose action `a` runs after: the one freeing its email, else the one giving up
/// the employee ID it re-keys to.
fn waits_on(a: &Action) -> Option<&UserId> {
    a.waits_for.as_ref().or(a.rekey_after.as_ref())
}

/// True when `o`'s action wrote its user's marker: a `PUT /users/{id}` carrying a
/// description was done.
fn marker_written(o: &Outcome) -> bool {
    o.action
        .steps
        .iter()
        .take(o.steps_done)
        .any(|s| matches!(s, Step::UpdateUser(u) if u.description.is_some()))
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
                        // The action on the user that gives up the employee ID this one
                        // re-keys to wrote that user's marker earlier in this group.
                        let released = a.rekey_after.as_ref().is_none_or(|u| {
                            out.iter().any(|(_, o)| {
                                o.action.user_id.as_ref() == Some(u) && marker_written(o)
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
                        } else if !released {
                            let user = a.rekey_after.clone().expect("checked above");
                            unsent(a, OutcomeStatus::Skipped, Cause::IdNotReleased { user })
                        } else {
                            let guarded = action::Guard::of(plan);
                            crate::pagerduty::in_action(run_logged(
                                client, a, opts, &auth_stop, guarded,
                            ))
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
    guarded: action::Guard,
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
        let o = run_action(client, a, opts, auth_stop, guarded).await;
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

#[cfg(test)]
mod tests;
