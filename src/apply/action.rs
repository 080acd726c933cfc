//! One action, step by step: the re-check of a destructive action's user, a deletion's
//! archive record before its `DELETE`, a restore's contact methods, each step's request
//! (a create's adoption of the user it found), and the outcome, with what stopped it: a
//! failed step, a team that refuses to let the user go (the other removals still tried),
//! or the run's stop.

use super::adopt::{adoption_refused, adoption_update};
use super::recheck::recheck;
use super::restore::{Rehire, restore_contacts};
use super::{
    ApplyOptions, Cause, Halt, HeldBy, Mismatch, NotAdoptable, Outcome, OutcomeStatus, StepError,
    StepFailure, Stop,
};
use crate::archive::ArchiveRecord;
use crate::ids::{TeamId, UserId};
use crate::marker::{self, Marker, MarkerState};
use crate::observe::policies_holding;
use crate::pagerduty::models::contact::UserRecord;
use crate::pagerduty::models::{NewUser, User};
use crate::pagerduty::{ApiError, Client, Refusal};
use crate::plan::adoption::{Wanted, adoption_by_email, adoption_raise, another_name};
use crate::plan::{Action, ActionKind, Step};
use crate::vocab::TeamRole;
use std::collections::BTreeMap;
use std::ops::ControlFlow::{self, Break, Continue};
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

/// What the phases of one action share: the client, the action, the run's options and the
/// flag that stops the run when PagerDuty rejects the key.
struct Exec<'a> {
    client: &'a Client,
    a: &'a Action,
    opts: &'a ApplyOptions,
    auth_stop: &'a AtomicBool,
    /// The plan's guard on adoptions by email ([`Guard::of`]).
    guarded: Guard,
}

/// How a create that finds its email held by a user already there may adopt it, from the
/// plan ([`Guard::of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Guard {
    /// The account is not signed: the user is adopted.
    Off,
    /// Signed, under `--allow-adoption-by-email`: adopted unless it would raise its access
    /// or its name is not the create's.
    Raise,
    /// Signed: never adopted without a person
    /// ([`SkipCause::AdoptionByEmail`](crate::plan::SkipCause::AdoptionByEmail)) unless it
    /// carries this employee's marker, or its name is not the create's (then that skip).
    Person,
}

impl Guard {
    /// The guard of `plan`: [`Plan::adoption_guarded`](crate::plan::Plan::adoption_guarded)
    /// and [`Plan::adoption_by_email_allowed`](crate::plan::Plan::adoption_by_email_allowed).
    pub(super) fn of(plan: &crate::plan::Plan) -> Guard {
        match (plan.adoption_guarded, plan.adoption_by_email_allowed) {
            (false, _) => Guard::Off,
            (true, true) => Guard::Raise,
            (true, false) => Guard::Person,
        }
    }
}

/// What a create step's answer brings (see [`Exec::send`]): the user's ID, why adopting it
/// is refused (a user found by email that is not this employee's), the user found when the
/// create was recovered by a look-up, and whether it existed before this run's `POST`.
type Created = (UserId, Option<NotAdoptable>, Option<User>, bool);

/// Runs action `a`'s steps in order and says how it ended; sets `auth_stop` when PagerDuty
/// rejects the key (401), so that no further action starts. The phases: the re-check of a
/// destructive action's user ([`Exec::recheck_user`]), then for each step a restore
/// ([`Exec::restore`]), a deletion's archive record ([`Exec::archive`]) or the step's
/// request ([`Exec::send`], a create's answer handled by [`Exec::created`], a failure by
/// [`Exec::step_failed`]). `guarded` is the plan's guard on adoptions by email
/// ([`Guard::of`]).
pub(super) async fn run_action(
    client: &Client,
    a: &Action,
    opts: &ApplyOptions,
    auth_stop: &AtomicBool,
    guarded: Guard,
) -> Outcome {
    let x = Exec {
        client,
        a,
        opts,
        auth_stop,
        guarded,
    };
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
    // The user's full record, read with the re-check of a deletion: what the archive keeps.
    let Continue(mut record) = x.recheck_user(&mut o).await else {
        return o;
    };
    let mut removals_only = false;
    for (i, step) in a.steps.iter().enumerate() {
        if removals_only && !matches!(step, Step::RemoveFromTeam { .. }) {
            break;
        }
        // --max-runtime: the request in flight has finished; no new one starts.
        if stop.halted() == Some(Halt::MaxRuntime) && o.status == OutcomeStatus::Applied {
            x.interrupted(&mut o, false);
            return o;
        }
        // A restore is its own sequence of reads and creates (idempotent: the next run
        // finishes one that was stopped).
        if let Step::RestoreContacts { from_user, record } = step {
            if x.restore(&mut o, i, from_user, record.as_ref())
                .await
                .is_break()
            {
                return o;
            }
            continue;
        }
        if x.archive(&mut o, i, step, &mut record).is_break() {
            return o;
        }
        let Some(res) = unless_abandoned(stop, x.send(&o, step)).await else {
            x.interrupted(&mut o, true);
            return o;
        };
        match res {
            Ok((n, created)) => {
                o.attempts += n;
                if let Some(created) = created
                    && x.created(&mut o, i, step, created).await.is_break()
                {
                    return o;
                }
                o.steps_done += 1;
            }
            Err(e) if x.stopped(&mut o, &e) => return o,
            Err(e) => match x.step_failed(&mut o, i, step, e).await {
                Break(()) => return o,
                Continue(()) => removals_only = true,
            },
        }
    }
    o
}

impl Exec<'_> {
    /// Marks `o` interrupted by the run's stop (`abandoned`: a request in flight was
    /// dropped).
    fn interrupted(&self, o: &mut Outcome, abandoned: bool) {
        o.status = OutcomeStatus::Interrupted;
        o.cause = Some(Cause::Interrupted {
            halt: self.opts.stop.halted().unwrap_or(Halt::MaxRuntime),
            abandoned,
        });
    }

    /// Whether `e` says the client stopped sending (--max-runtime ran out, or a signal's
    /// grace period ended); if so, `o` ends: an action that sent nothing was never started,
    /// any other is interrupted.
    fn stopped(&self, o: &mut Outcome, e: &ApiError) -> bool {
        if !e.is_stopped() {
            return false;
        }
        o.attempts += e.attempts();
        let halt = self.opts.stop.halted().unwrap_or(Halt::MaxRuntime);
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
    }

    /// Records that step `step` (0-based) failed with `e` (`held_by`: the policies keeping
    /// the user on a team that refused the removal); sets the run's `auth_stop` on a 401.
    fn fail(&self, o: &mut Outcome, step: usize, e: ApiError, held_by: Option<HeldBy>) {
        // A 401 means the key itself is refused: every later request would be too. A 403
        // is about this request (e.g. the account owner), so only this action fails.
        if e.status() == Some(401) {
            self.auth_stop.store(true, Ordering::SeqCst);
        }
        o.attempts += e.attempts();
        o.http_status = e.status().or(o.http_status);
        self.push_failure(o, step, StepError::from_api(&e), held_by);
    }

    /// Records that step `step` (0-based) could not be done, for `error`, without a
    /// request's failure.
    fn refuse(&self, o: &mut Outcome, step: usize, error: StepError) {
        self.push_failure(o, step, error, None);
    }

    /// Marks `o` failed at step `step` (0-based) with `error`, keeping the failures before.
    fn push_failure(
        &self,
        o: &mut Outcome,
        step: usize,
        error: StepError,
        held_by: Option<HeldBy>,
    ) {
        o.status = OutcomeStatus::Failed;
        let failure = StepFailure {
            step: step + 1,
            steps: self.a.steps.len(),
            error,
            held_by,
        };
        match &mut o.cause {
            // The remaining removals after a refused one: every failure is kept.
            Some(Cause::Failed(failures)) => failures.push(failure),
            _ => o.cause = Some(Cause::Failed(vec![failure])),
        }
    }

    /// The re-check of a destructive action (one with a guard): reads its user again (a
    /// deletion's full record, which it returns for the archive) and ends the action
    /// (`Break`) when the user is gone, no longer what the plan saw ([`recheck`]), the read
    /// failed or the run stopped. `Continue(None)` for an action without a guard.
    async fn recheck_user(&self, o: &mut Outcome) -> ControlFlow<(), Option<UserRecord>> {
        let (a, opts, client, stop) = (self.a, self.opts, self.client, &self.opts.stop);
        let mut record: Option<UserRecord> = None;
        let (Some(guard), Some(id)) = (&a.guard, &a.user_id) else {
            return Continue(record);
        };
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
            self.interrupted(o, true);
            return Break(());
        };
        match read {
            Ok(None) => {
                o.attempts += 1;
                o.status = OutcomeStatus::Skipped;
                o.cause = Some(Cause::Recheck(Mismatch::Gone));
                Break(())
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
                    return Break(());
                }
                Continue(record)
            }
            Err(e) => {
                if !self.stopped(o, &e) {
                    self.fail(o, 0, e, None);
                }
                Break(())
            }
        }
    }

    /// Step `i`, a restore of the deleted user `from_user`'s contact methods and rules onto
    /// the user just created ([`restore_contacts`]), which carries marker `record` as the
    /// plan made or verified it; `Break` when any of it failed.
    async fn restore(
        &self,
        o: &mut Outcome,
        i: usize,
        from_user: &UserId,
        record: Option<&Marker>,
    ) -> ControlFlow<()> {
        let Some(id) = o.user_id.clone() else {
            unreachable!("the planner puts CreateUser first")
        };
        let keys = self.opts.marker_keys.as_ref();
        let rehire = Rehire {
            user: &id,
            from: from_user,
            record,
        };
        let done = restore_contacts(self.client, &self.opts.archive, rehire, keys).await;
        o.attempts += done.attempts;
        let failed = !done.errors.is_empty() || done.missing.is_some();
        if let Some(why) = done.missing {
            self.refuse(o, i, why);
        }
        for e in done.errors {
            self.fail(o, i, e, None);
        }
        if failed {
            return Break(());
        }
        o.steps_done += 1;
        Continue(())
    }

    /// Before step `i` when it is a deletion: makes the user's `record` (read by the
    /// re-check) durable in the archive before the `DELETE` is sent (see crate::archive);
    /// `Break` when there is no archive or it cannot be written. Other steps pass.
    fn archive(
        &self,
        o: &mut Outcome,
        i: usize,
        step: &Step,
        record: &mut Option<UserRecord>,
    ) -> ControlFlow<()> {
        let Step::DeleteUser {
            role,
            teams,
            suspended_on,
            termination_date,
        } = step
        else {
            return Continue(());
        };
        let Some(read) = record.take() else {
            unreachable!("a deletion carries a guard, so its user was read above")
        };
        if self.opts.archive.path().is_none() {
            self.refuse(o, i, StepError::NoArchive);
            return Break(());
        }
        let entry = ArchiveRecord::new(
            read,
            self.a.employee_id.clone(),
            role.clone(),
            teams.clone(),
            *suspended_on,
            *termination_date,
            chrono::Utc::now(),
        );
        if let Err(e) = self.opts.archive.append(&entry) {
            self.refuse(o, i, StepError::ArchiveNotWritten(e.to_string()));
            return Break(());
        }
        Continue(())
    }

    /// Sends `step`'s request for the user of `o`: its attempts, and for a create what
    /// [`Created`] says (with the adoption refusal for a user found by email).
    async fn send(&self, o: &Outcome, step: &Step) -> Result<(u32, Option<Created>), ApiError> {
        let (a, opts, client) = (self.a, self.opts, self.client);
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
    }

    /// A create step `i`'s answer: the action ends (`Break`) when the email is held by a
    /// user that is not this employee's; otherwise the user's ID is the action's, and an
    /// adopted user (found by email instead of created) is brought to the create's state
    /// ([`adoption_update`]) before the team steps.
    async fn created(
        &self,
        o: &mut Outcome,
        i: usize,
        step: &Step,
        (id, refused, found, existed): Created,
    ) -> ControlFlow<()> {
        if let Some(why) = refused {
            // The email is held by a user that is not this employee's: one
            // person, one user; nothing more is sent.
            tracing::warn!(user_id = %id, reason = %why, "create found the email held by another user");
            o.status = OutcomeStatus::Failed;
            o.cause = Some(Cause::NotAdopted { user: id, why });
            return Break(());
        }
        // In a signed account, a found user whom only its email ties to this employee is
        // not given more access than it has: the planner's rule, read again here since
        // the user took the email after the listing.
        if let (Some(found), Step::CreateUser(n)) = (&found, step)
            && let Some(why) = self.raises_access(found, n).await
        {
            tracing::warn!(user_id = %id, reason = %why, "create found the email held by a user whose adoption would raise its access");
            o.status = OutcomeStatus::Failed;
            o.cause = Some(Cause::NotAdopted { user: id, why });
            return Break(());
        }
        tracing::Span::current().record("pagerduty_user_id", id.as_str());
        o.user_id = Some(id.clone());
        // An adopted user (found by email instead of created) is brought to the
        // create's state before its team steps: otherwise it would keep its
        // hand-made fields and no marker until the next night's plan.
        let (Some(found), Step::CreateUser(n)) = (found, step) else {
            return Continue(());
        };
        let upd = adoption_update(&found, n);
        tracing::info!(user_id = %id, fields = ?upd, "create adopted the user holding its email");
        // Adopted: the user was there before this run's POST (refused,
        // the email taken). A user found after an attempt whose answer
        // was lost is this run's own: created, and invited.
        o.adopted = existed;
        if upd.is_empty() {
            return Continue(());
        }
        let sent = unless_abandoned(&self.opts.stop, self.client.update_user(&id, &upd)).await;
        match sent {
            None => {
                self.interrupted(o, true);
                Break(())
            }
            Some(Ok(s)) => {
                o.attempts += s.attempts;
                Continue(())
            }
            Some(Err(e)) if self.stopped(o, &e) => Break(()),
            Some(Err(e)) => {
                self.fail(o, i, e, None);
                Break(())
            }
        }
    }

    /// Why adopting `found`, the user a create `n` found holding its email, would raise
    /// its access, when the plan's account has signed markers ([`Exec::guarded`]) and
    /// `found` carries no marker of this employee that verifies with the run's keys (a
    /// user this run's own lost `POST` created carries the create's, signed): the
    /// planner's rule ([`adoption_raise`]) over the create's base role and team steps
    /// against the found user's role and teams, and the planner's name rule
    /// ([`another_name`]: a user whose name is not the create's is not adopted at all), and,
    /// without `--allow-adoption-by-email` ([`Guard::Person`]), none at all
    /// ([`adoption_by_email`]).
    /// The team role of a team the create makes it manager of is read from the team's
    /// members (a failed read counts as not the manager's).
    async fn raises_access(&self, found: &User, n: &NewUser) -> Option<NotAdoptable> {
        if self.guarded == Guard::Off || self.own_marker(found) {
            return None;
        }
        let mut wants = Vec::new();
        for step in &self.a.steps {
            if let Step::SetTeamRole {
                team_id,
                team,
                role,
            } = step
            {
                wants.push(Wanted {
                    team_id: team_id.clone(),
                    team: team.clone(),
                    role: role.clone(),
                });
            }
        }
        let mut has: BTreeMap<TeamId, Option<TeamRole>> =
            found.teams.iter().map(|t| (t.id.clone(), None)).collect();
        for w in &wants {
            if w.role != TeamRole::Manager {
                continue;
            }
            let Some(role) = has.get_mut(&w.team_id) else {
                continue;
            };
            match self.client.list_team_members(&w.team_id).await {
                Ok(members) => {
                    *role = members
                        .into_iter()
                        .find(|m| m.user.id == found.id)
                        .map(|m| m.role);
                }
                Err(e) => {
                    tracing::warn!(team_id = %w.team_id, error = %e, "could not read the team's members: its manager role counts as given");
                }
            }
        }
        let to = n.role.clone().unwrap_or_else(|| found.role.clone());
        let raise = adoption_raise(&found.role, &has, &to, &wants);
        // A user under another name than the hire's is not adopted, raise or not: the
        // planner's rule again (it would be signed as the hire).
        // Nor, in a signed account, one of the hire's name without a person: the name is
        // self-editable too (`--allow-adoption-by-email` says a person checked).
        let strict = (self.guarded == Guard::Person)
            .then(|| adoption_by_email(&found.id, &found.email, raise.clone()));
        another_name(&found.id, &found.name, &found.email, &n.name, raise.clone())
            .or(strict)
            .or(raise)
            .map(|cause| NotAdoptable::RaisesAccess(Box::new(cause)))
    }

    /// Whether `found` carries a marker naming this action's employee that verifies with
    /// the run's keys (bound to its email, or signed before the binding: the create's
    /// email is the HR row's).
    fn own_marker(&self, found: &User) -> bool {
        let Some(keys) = &self.opts.marker_keys else {
            return false;
        };
        let p = marker::parse(found.description.as_deref());
        let MarkerState::Valid(m) = &p.marker else {
            return false;
        };
        m.employee_id.is_some()
            && m.employee_id == self.a.employee_id
            && keys.check(m, p.sig.as_deref(), &found.email).verifies()
    }

    /// Step `i` failed with `e` (not a stop): recorded, with the policies holding the user
    /// when a team refused to let it go. A team that refuses to let the user go (e.g. "User
    /// cannot be removed as they belong to an escalation policy on this team", fact F32)
    /// should not keep the user on every other team: `Continue` to try the remaining
    /// removals, then stop; `Break` after any other failure.
    async fn step_failed(
        &self,
        o: &mut Outcome,
        i: usize,
        step: &Step,
        e: ApiError,
    ) -> ControlFlow<()> {
        tracing::info!(step = i + 1, error = %e, "action failed");
        let refusal = e.refusal();
        let refused_removal = matches!(step, Step::RemoveFromTeam { .. }) && refusal.is_some();
        let held_by = match (step, &o.user_id, refusal) {
            (
                Step::RemoveFromTeam { team_id, team },
                Some(user),
                Some(Refusal::TeamRemovalBlocked),
            ) => {
                let policies = policies_holding(self.client, team_id, user).await;
                Some(HeldBy {
                    team: team_id.clone(),
                    team_name: team.clone(),
                    policies,
                })
            }
            _ => None,
        };
        self.fail(o, i, e, held_by);
        if refused_removal {
            Continue(())
        } else {
            Break(())
        }
    }
}
