//! One action, step by step: the re-check of a destructive action's user, a deletion's
//! archive record before its `DELETE`, a restore's contact methods, each step's request
//! (a create's adoption of the user it found), and the outcome, with what stopped it: a
//! failed step, a team that refuses to let the user go (the other removals still tried),
//! or the run's stop.

use super::adopt::{adoption_refused, adoption_update};
use super::holding::policies_holding;
use super::recheck::recheck;
use super::restore::restore_contacts;
use super::{
    ApplyOptions, Cause, Halt, HeldBy, Mismatch, Outcome, OutcomeStatus, StepError, StepFailure,
    Stop,
};
use crate::archive::ArchiveRecord;
use crate::pagerduty::models::contact::UserRecord;
use crate::pagerduty::{ApiError, Client, Refusal};
use crate::plan::{Action, ActionKind, Step};
use std::sync::atomic::{AtomicBool, Ordering};

/// `fut`, or `None` once the run's stop abandons actions in progress (the future is
/// dropped: the client's futures are cancel-safe).
async fn unless_abandoned<T>(stop: &Stop, fut: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::select! {
        biased;
        r = fut => Some(r),
        () = stop.abandoned() => None,
    }
}

/// Runs action `a`'s steps in order and says how it ended; sets `auth_stop` when PagerDuty
/// rejects the key (401), so that no further action starts.
pub(super) async fn run_action(
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
            error: StepError::from_api(&e),
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
    let refuse = |o: &mut Outcome, step: usize, error: StepError| {
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
        if let Step::RestoreContacts { from_user, record } = step {
            let Some(id) = o.user_id.clone() else {
                unreachable!("the planner puts CreateUser first")
            };
            let keys = opts.marker_keys.as_ref();
            let from = (from_user, record.as_ref());
            let done = restore_contacts(client, &opts.archive, &id, from, keys).await;
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
                refuse(&mut o, i, StepError::NoArchive);
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
                refuse(&mut o, i, StepError::ArchiveNotWritten(e.to_string()));
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
                let refusal = e.refusal();
                let refused_removal =
                    matches!(step, Step::RemoveFromTeam { .. }) && refusal.is_some();
                let held_by = match (step, &o.user_id, refusal) {
                    (
                        Step::RemoveFromTeam { team_id, team },
                        Some(user),
                        Some(Refusal::TeamRemovalBlocked),
                    ) => {
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
