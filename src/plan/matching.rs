//! Matching employees to PagerDuty users: first by the employee ID in the user's ownership
//! marker, then by normalised email among users without a usable marker (no marker, an
//! unreadable one, or the suspension record of an offboarded unmanaged user, which names no
//! employee).
//!
//! Three situations leave an employee alone instead of matching: several users carry the
//! employee's marker; the email finds a user whose marker (readable or not, but not one
//! whose signature fails) names another employee; or no user matches but an unreadable marker seems to name this employee (a
//! create would duplicate that user).
//!
//! With marker keys ([`super::Inputs::marker_keys`]) a marker is trusted only when its tag
//! verifies ([`crate::marker::sign`]), or, unsigned, when the HR row of the employee it
//! names has the user's email (and it records no suspension that this run would restore);
//! an unsigned offboarding record is trusted while no HR row has the user's email. A marker
//! that is not trusted is handled as an unreadable one (noted, matched by email only, its
//! claimed employee ID still blocks a duplicate create). A trusted marker that is unsigned
//! or signed with the previous key is to be signed again ([`Index::resign`]). A trusted
//! suspension record on a user who is no longer suspended while HR calls the employee
//! employed is stale (a record pasted back, `Trust::stale`): dropped from the marker,
//! noted, and the marker rewritten. A marker whose signature fails is treated as absent
//! when its user's email finds an HR row, whoever it names. How each
//! readable marker checked is kept ([`Index::checked`]) so that the plan shows the verdict
//! it acted on ([`super::Action::marker_signature`]).

use super::skip::{MarkerFault, RekeyHold, SkipCause, UnverifiedMarker};
use super::{FailedSignature, Inputs, MarkerSignatures, MarkerTrust};
use crate::email::Email;
use crate::hr::Employee;
use crate::ids::{EmployeeId, UserId};
use crate::marker::{self, Marker, MarkerState, Parsed, Suspension, Verdict};
use crate::pagerduty::models::User;
use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use trust::Trust;

pub(super) mod evidence;
mod trust;

/// Why a trusted marker is written again with the current key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Resign {
    /// It has no `sig` (written before the key was set): the one-time migration.
    Unsigned,
    /// Its `sig` is the previous key's (`PAGERDUTY_MARKER_KEY_PREVIOUS`): a rotation.
    Previous,
    /// Its `sig` is genuine but not bound to the user carrying it (made before the binding).
    Unbound,
    /// It records a suspension on a user who is not suspended (see [`Trust::stale`]): the
    /// record is dropped from the marker.
    StaleRecord,
    /// It has no `sig` and records a suspension in an account whose markers already verify,
    /// signed under `--finish-marker-migration`: the flag vouches for the employee ID, not
    /// for what an unsigned record says to restore, so it is signed without the recorded
    /// role and teams (a rehire gets the rules' role and teams).
    UnsignedRecord,
}

impl Resign {
    /// The reason of an action that only signs the marker.
    pub(super) fn reason(self) -> &'static str {
        match self {
            Resign::Unsigned => {
                "sign marker: it was written unsigned (before PAGERDUTY_MARKER_KEY was set) and the user's email is the HR row's"
            }
            Resign::Previous => {
                "re-sign marker: it is signed with PAGERDUTY_MARKER_KEY_PREVIOUS; the current key replaces it"
            }
            Resign::Unbound => {
                "re-sign marker: its signature is not bound to this user (made before the binding) and the user's email is the HR row's"
            }
            Resign::StaleRecord => {
                "stale suspension record removed from the marker: the user is not suspended (its base role is not a suspended one), so the record restores nothing"
            }
            Resign::UnsignedRecord => {
                "sign marker (--finish-marker-migration): it was written unsigned and the user's email is the HR row's; the flag vouches for the employee ID, not for the unsigned suspension record's role and teams (other markers of this account verify, and the user could have edited them), so the record is signed without them: a rehire gets the rules' role and teams"
            }
        }
    }
}

/// The account's users indexed by marker employee ID and by email. The hash maps are only
/// looked up, never iterated (their order changes from run to run).
///
/// A user is known by its *slot* ([`Index::slot`]): its position in the listing, which
/// the planner finds from the `&User` it holds (every one is borrowed from
/// [`Inputs::users`]) without hashing its ID; users listed twice under one ID share one
/// slot, as a map by user ID would. At 100,000 users, hashing IDs for every look-up was a
/// third of planning time.
pub(super) struct Index<'a> {
    /// The listing.
    users: &'a [User],
    /// When two listed users share an ID: each position's slot (the first position with
    /// its ID). `None` when every ID is listed once (the slot is the position).
    shared_ids: Option<Vec<usize>>,
    /// Employee ID → the user whose valid marker names it.
    by_marker: HashMap<EmployeeId, &'a User>,
    /// Employee IDs several users' valid markers name → those users, by user ID.
    marker_conflicts: BTreeMap<EmployeeId, Vec<&'a User>>,
    /// By slot: the user's description split into human text and marker (of the last
    /// user listed with that ID).
    parsed: Vec<Parsed>,
    /// Normalised email → user (the last user listed, if two share an address).
    by_email: HashMap<Cow<'a, str>, &'a User>,
    /// Employee IDs that unreadable markers still appear to name → those users, by user ID.
    claims: HashMap<EmployeeId, Vec<&'a User>>,
    /// One note per unreadable marker, in listing order.
    notes: Vec<String>,
    /// Users whose trusted marker is to be signed again, and why.
    resign: BTreeMap<UserId, Resign>,
    /// With marker keys: how the signed markers verified.
    signatures: Option<MarkerSignatures>,
    /// Without marker keys: readable markers that carry a `sig` (which this run cannot check).
    unchecked_signed: usize,
    /// Without marker keys: the first users of those.
    unchecked_signed_users: Vec<FailedSignature>,
    /// Without marker keys and without `--allow-unsigned-run`, whether some readable marker
    /// carries a `sig`: see [`Index::unchecked_signed_account`].
    unchecked_signed_account: bool,
    /// By slot, with marker keys: how the user's readable marker checked (`None` without
    /// keys or a readable marker).
    checked: Vec<Option<MarkerTrust>>,
    /// With marker keys, whether some marker of the account verifies (the one-time
    /// migration happened): see [`Index::migrated`].
    migrated: bool,
    /// Whether the account's markers are signed: some verifies ([`Index::migrated`]), or,
    /// under `--allow-new-marker-key`, some carries a `sig` (see [`Index::signed_account`]).
    signed_account: bool,
    /// Under `--rekey-employee-ids`: users re-keyed to the row whose email they hold
    /// although the export lists the employee their marker names (see
    /// [`Index::rekey_overlaps`]), with the row's employee ID.
    overlap_rekeys: BTreeMap<UserId, EmployeeId>,
    /// Whether the run has `--rekey-employee-ids` (set by [`Index::rekey_overlaps`]), for
    /// the words of the skips it still leaves.
    rekey_given: bool,
    /// Under `--rekey-employee-ids`: users that give up the employee ID their marker names
    /// because another user is re-keyed to it, and whose own email is on no HR row (see
    /// [`Index::rekey_overlaps`]), with that ID and the user re-keyed to it.
    released: BTreeMap<UserId, (EmployeeId, UserId)>,
    /// Under `--rekey-employee-ids`: why the flag leaves as it is the marker of a user with
    /// the email of another employee's row.
    rekey_holds: BTreeMap<UserId, RekeyHold>,
    /// Without `--rekey-employee-ids`: the duplicate markers the flag would settle.
    rekey_resolves: BTreeSet<EmployeeId>,
}

/// What matching found for one employee.
pub(super) enum Found<'a> {
    /// The user whose marker names the employee.
    ByMarker(&'a User),
    /// The user with the employee's email and no usable marker.
    ByEmail(&'a User),
    /// No user: the employee has none yet.
    Nobody,
    /// The employee is left alone. `user` is the user involved, if one is; `decided` is true
    /// when that user needs no further look (it is not considered as a leaver).
    Blocked {
        /// Why.
        reason: SkipCause,
        /// The user the skip names.
        user: Option<&'a User>,
        /// Whether the user is settled by this skip.
        decided: bool,
    },
}

impl<'a> Index<'a> {
    /// Indexes the users of `inp`, noting each unreadable marker and, with marker keys,
    /// each marker that is not trusted.
    pub(super) fn new(inp: Inputs<'a>) -> Index<'a> {
        let users = inp.users;
        let mut ix = Index {
            users,
            shared_ids: shared_ids(users),
            by_marker: HashMap::with_capacity(users.len()),
            marker_conflicts: BTreeMap::new(),
            parsed: Vec::with_capacity(users.len()),
            by_email: HashMap::with_capacity(users.len()),
            claims: HashMap::new(),
            notes: Vec::new(),
            resign: BTreeMap::new(),
            signatures: inp.marker_keys.map(|_| MarkerSignatures::default()),
            unchecked_signed: 0,
            unchecked_signed_users: Vec::new(),
            unchecked_signed_account: false,
            checked: Vec::with_capacity(users.len()),
            migrated: false,
            signed_account: false,
            overlap_rekeys: BTreeMap::new(),
            rekey_given: false,
            released: BTreeMap::new(),
            rekey_holds: BTreeMap::new(),
            rekey_resolves: BTreeSet::new(),
        };
        let mut trust = inp.marker_keys.map(|keys| Trust::new(inp, keys));
        // Every description read, and with keys each readable marker's verdict, first: the
        // trust rule for unsigned markers depends on whether any marker verifies.
        let read: Vec<(Parsed, Option<Verdict>)> = users
            .iter()
            .map(|u| {
                let p = marker::parse(u.description.as_deref());
                let verdict = match (&trust, &p.marker) {
                    (Some(t), MarkerState::Valid(m)) => {
                        Some(t.keys.check(m, p.sig.as_deref(), &u.email))
                    }
                    _ => None,
                };
                (p, verdict)
            })
            .collect();
        if let Some(t) = &mut trust {
            ix.migrated = read.iter().any(|(_, v)| v.is_some_and(Verdict::verifies));
            // `--finish-marker-migration`: unsigned markers are read as on the first run
            // with the key, to finish a migration that stopped part-way.
            t.migrated = ix.migrated && !inp.policy.finish_marker_migration;
            t.finishing = ix.migrated && inp.policy.finish_marker_migration;
        }
        for (u, (mut p, verdict)) in users.iter().zip(read) {
            let mut checked = None;
            if trust.is_none() && p.sig.is_some() && matches!(p.marker, MarkerState::Valid(_)) {
                ix.unchecked_signed += 1;
                if ix.unchecked_signed_users.len() < MarkerSignatures::EXAMPLES {
                    ix.unchecked_signed_users.push(FailedSignature {
                        user_id: u.id.clone(),
                        email: u.email.clone(),
                    });
                }
                // A run without the key reads every marker unchecked, unsigned ones too, so
                // a signed one is read so as well; more than a few refuse the run
                // (`safety::missing_marker_key`).
                ix.notes.push(format!(
                    "user {} ({}): its ownership marker carries a signature that this run cannot check (PAGERDUTY_MARKER_KEY is not set); read unchecked, like every marker of a run without the key",
                    u.id, u.email
                ));
            }
            if let (Some(trust), MarkerState::Valid(m), Some(verdict)) =
                (&trust, &p.marker, verdict)
            {
                if let (Some(count), Some(_)) = (&mut ix.signatures, &p.sig) {
                    count.signed += 1;
                    if verdict == Verdict::Failed {
                        count.note_failed(u);
                    } else {
                        count.verified += 1;
                    }
                }
                let decided = trust.check(u, m, verdict);
                checked = Some(match (verdict, &decided) {
                    (Verdict::Current, _) => MarkerTrust::Valid,
                    (Verdict::Previous, _) => MarkerTrust::PreviousKey,
                    (Verdict::Failed, _) => MarkerTrust::Invalid,
                    (Verdict::Unbound, Ok(_)) => MarkerTrust::Unbound,
                    (Verdict::Unbound, Err(_)) => MarkerTrust::UnboundNotTrusted,
                    (Verdict::Unsigned, Ok(_)) => MarkerTrust::Unsigned,
                    (Verdict::Unsigned, Err(_)) => MarkerTrust::UnsignedNotTrusted,
                });
                match decided {
                    Ok(_) if trust.stale(u, m) => {
                        ix.notes.push(format!(
                            "user {} ({}): the suspension record in its ownership marker is ignored: the user is not suspended (base role {}), so the record is stale (pasted back into the profile, or left by an earlier version's interrupted reactivation); it restores nothing and is removed from the marker",
                            u.id, u.email, u.role
                        ));
                        ix.resign.insert(u.id.clone(), Resign::StaleRecord);
                        p.marker = MarkerState::Valid(Marker {
                            suspended: None,
                            ..m.clone()
                        });
                    }
                    Ok(None) => {}
                    Ok(Some(Resign::UnsignedRecord)) => {
                        // The employee ID is trusted, the record's restore is not: the
                        // rest of the plan reads (and the signing writes) the record with
                        // the user's role as it is and no team.
                        ix.resign.insert(u.id.clone(), Resign::UnsignedRecord);
                        p.marker = MarkerState::Valid(Marker {
                            suspended: m.suspended.as_ref().map(|s| Suspension {
                                role: u.role.clone(),
                                teams: Vec::new(),
                                ..s.clone()
                            }),
                            ..m.clone()
                        });
                    }
                    Ok(Some(why)) => {
                        ix.resign.insert(u.id.clone(), why);
                    }
                    Err(why) => p.marker = MarkerState::Invalid(why),
                }
            }
            ix.checked.push(checked);
            match &p.marker {
                MarkerState::Valid(m) => {
                    if let Some(eid) = &m.employee_id {
                        if let Some(other) = ix.by_marker.get(eid) {
                            ix.marker_conflicts
                                .entry(eid.clone())
                                .or_insert_with(|| vec![*other])
                                .push(u);
                        } else {
                            ix.by_marker.insert(eid.clone(), u);
                        }
                    }
                }
                MarkerState::Invalid(why) => {
                    ix.notes.push(format!(
                        "user {} ({}): ownership marker ignored: {why}; matched by email only",
                        u.id, u.email
                    ));
                    if let Some(id) = marker::claimed_employee_id(u.description.as_deref()) {
                        ix.claims.entry(id).or_default().push(u);
                    }
                }
                MarkerState::Absent => {}
            }
            ix.parsed.push(p);
            ix.by_email.insert(Email::normalised(&u.email), u);
        }
        // A user listed again under the same ID: its slot holds the last one's description.
        if let Some(slots) = &ix.shared_ids {
            for (at, &slot) in slots.iter().enumerate() {
                if slot != at {
                    ix.parsed[slot] = ix.parsed[at].clone();
                    ix.checked[slot] = ix.checked[at];
                }
            }
        }
        // Users sharing a marker or a claim are named in user ID order, whatever the
        // listing order, so the plan does not depend on it; the one a marker found first
        // stands for the employee while several do.
        for users in ix
            .marker_conflicts
            .values_mut()
            .chain(ix.claims.values_mut())
        {
            users.sort_by(|a, b| a.id.cmp(&b.id));
        }
        for (eid, users) in &ix.marker_conflicts {
            ix.by_marker.insert(eid.clone(), users[0]);
        }
        // A new key verifies none of the markers the lost one signed, but the account's
        // markers are signed all the same.
        ix.signed_account = ix.migrated
            || (inp.policy.allow_new_marker_key
                && ix.signatures.as_ref().is_some_and(|s| s.signed > 0));
        ix.unchecked_signed_account = ix.unchecked_signed > 0 && !inp.policy.allow_unsigned_run;
        ix
    }

    /// The notes about unreadable markers, in listing order.
    pub(super) fn notes(&self) -> &[String] {
        &self.notes
    }

    /// With marker keys, how the account's signed markers verified.
    pub(super) fn signatures(&self) -> Option<MarkerSignatures> {
        self.signatures.clone()
    }

    /// Without marker keys, how many readable markers carry a `sig` (0 with keys).
    pub(super) fn unchecked_signed(&self) -> usize {
        self.unchecked_signed
    }

    /// Without marker keys, the first users whose readable marker carries a `sig`.
    pub(super) fn unchecked_signed_users(&self) -> &[FailedSignature] {
        &self.unchecked_signed_users
    }

    /// Without marker keys, whether the account is, or was, signed (some readable marker
    /// carries a `sig`) and the run is not told that signing stopped on purpose
    /// (`--allow-unsigned-run`): a user can write any employee ID, with a made-up `sig`,
    /// into their own marker, and this run cannot check it, so every marker is read as
    /// unverified. A match by marker is trusted only as far as the user's email confirms
    /// it: one that would change the user's email, or raise its access as an adoption by
    /// email would, needs a person ([`SkipCause::UncheckedMarkerWithoutKey`]).
    pub(super) fn unchecked_signed_account(&self) -> bool {
        self.unchecked_signed_account
    }

    /// Under `--rekey-employee-ids`, the users re-keyed to a row although another row's
    /// marker points at them (set by [`Index::rekey_overlaps`]), with that row's ID.
    pub(super) fn overlap_rekey(&self, u: &User) -> Option<&EmployeeId> {
        self.overlap_rekeys.get(&u.id)
    }

    /// Under `--rekey-employee-ids`, the employee ID that `u` gives up, and the user
    /// re-keyed to it, when `u`'s marker names the ID of a row another user is re-keyed to
    /// and no HR row has `u`'s email ([`Index::rekey_overlaps`]): `u` is then planned as a
    /// user with no HR row, its marker naming no employee once written.
    pub(super) fn released(&self, u: &User) -> Option<&(EmployeeId, UserId)> {
        self.released.get(&u.id)
    }

    /// Under `--rekey-employee-ids`, every user that gives its marker's employee ID up
    /// ([`Index::released`]), with that ID, in user ID order.
    pub(super) fn released_ids(&self) -> impl Iterator<Item = (&UserId, &EmployeeId)> {
        self.released.iter().map(|(u, (old, _))| (u, old))
    }

    /// Under `--rekey-employee-ids`, why the flag leaves `u`'s marker as it is although
    /// `u` has the email of another employee's row; `None` without the flag.
    pub(super) fn rekey_hold(&self, u: &User) -> Option<RekeyHold> {
        self.rekey_given
            .then(|| self.rekey_holds.get(&u.id).cloned())
            .flatten()
    }

    /// Without `--rekey-employee-ids`, whether the flag would settle the duplicate marker
    /// of employee `eid` ([`Index::rekey_overlaps`]).
    pub(super) fn rekey_resolves(&self, eid: &EmployeeId) -> bool {
        self.rekey_resolves.contains(eid)
    }

    /// With marker keys, whether some marker of the account verifies with them: the account
    /// is migrated, so a user without a signed marker whom only its email ties to an
    /// employee is no longer taken on trust when that gives it more access
    /// (`plan::employees`, [`SkipCause::UnconfirmedAdoption`]), and a stale termination
    /// date on a user whose marker does not verify needs a person
    /// ([`SkipCause::PastTerminationUnverified`]).
    pub(super) fn migrated(&self) -> bool {
        self.migrated
    }

    /// With marker keys, whether the account's markers are signed: it is migrated
    /// ([`Index::migrated`]), or the run is told the key is new (`--allow-new-marker-key`,
    /// [`Policy::allow_new_marker_key`](crate::plan::Policy::allow_new_marker_key)) and
    /// markers carrying a `sig` exist, which the lost key signed. Then a user whom only its
    /// email ties to an employee is not taken over when that raises its access
    /// ([`SkipCause::UnconfirmedAdoption`]), whichever key verifies the markers; the plan
    /// passes the same fact to the executor ([`Plan::adoption_guarded`]).
    pub(super) fn signed_account(&self) -> bool {
        self.signed_account
    }

    /// The users whose trusted marker is to be signed again with the current key, and why.
    pub(super) fn resign(&self) -> &BTreeMap<UserId, Resign> {
        &self.resign
    }

    /// The slot of `u`, a user of the listing (see [`Index`]): its position, found from
    /// its address, or for a user borrowed from elsewhere, that of the listed user with its
    /// ID.
    ///
    /// # Panics
    /// When no listed user has `u`'s ID.
    pub(super) fn slot(&self, u: &User) -> usize {
        let size = std::mem::size_of::<User>().max(1);
        let at = (u as *const User as usize).wrapping_sub(self.users.as_ptr() as usize) / size;
        let at = if self.users.get(at).is_some_and(|x| std::ptr::eq(x, u)) {
            at
        } else {
            self.users
                .iter()
                .position(|x| x.id == u.id)
                .expect("the planner only handles users of the listing")
        };
        self.shared_ids.as_ref().map_or(at, |slots| slots[at])
    }

    /// With marker keys, how `u`'s readable marker checked against them.
    pub(super) fn checked(&self, u: &User) -> Option<MarkerTrust> {
        self.checked[self.slot(u)]
    }

    /// With marker keys, what `u`'s marker is short of one whose tag verifies (with the
    /// current or the previous key, bound or made before the binding): `None` when it
    /// verifies, or without keys.
    pub(super) fn unverified(&self, u: &User) -> Option<UnverifiedMarker> {
        self.signatures.as_ref()?;
        match (self.checked(u), self.state(u)) {
            (Some(MarkerTrust::Valid | MarkerTrust::PreviousKey | MarkerTrust::Unbound), _) => None,
            (_, MarkerState::Absent) => Some(UnverifiedMarker::Absent),
            (Some(MarkerTrust::Unsigned | MarkerTrust::UnsignedNotTrusted), _) => {
                Some(UnverifiedMarker::Unsigned)
            }
            (Some(MarkerTrust::Invalid), _) => Some(UnverifiedMarker::SignatureInvalid),
            (Some(MarkerTrust::UnboundNotTrusted), _) => Some(UnverifiedMarker::Unbound),
            (None, _) => Some(UnverifiedMarker::Unreadable),
        }
    }

    /// Why `u`'s marker, which the run does not use, is not used: its signature failed,
    /// it is unsigned and unconfirmed, or else it cannot be read.
    pub(super) fn fault(&self, u: &User) -> MarkerFault {
        match self.checked(u) {
            Some(MarkerTrust::Invalid) => MarkerFault::SignatureInvalid,
            Some(MarkerTrust::UnsignedNotTrusted) => MarkerFault::Unsigned,
            Some(MarkerTrust::UnboundNotTrusted) => MarkerFault::Unbound,
            _ => MarkerFault::Unreadable,
        }
    }

    /// The human text of `u`'s description (everything but the marker line).
    pub(super) fn human(&self, u: &User) -> &str {
        &self.parsed[self.slot(u)].human
    }

    /// What `u`'s description says about its marker.
    pub(super) fn state(&self, u: &User) -> &MarkerState {
        &self.parsed[self.slot(u)].marker
    }

    /// `u`'s marker, when it has a valid one.
    pub(super) fn marker(&self, u: &User) -> Option<&Marker> {
        match self.state(u) {
            MarkerState::Valid(m) => Some(m),
            _ => None,
        }
    }

    /// The user with this normalised email.
    pub(super) fn by_email(&self, email: &Email) -> Option<&'a User> {
        self.by_email.get(email.as_str()).copied()
    }

    /// Employee IDs whose marker more than one user carries, with those users, by
    /// employee ID.
    pub(super) fn conflicts(&self) -> impl Iterator<Item = (&EmployeeId, &[&'a User])> {
        self.marker_conflicts
            .iter()
            .map(|(eid, users)| (eid, users.as_slice()))
    }

    /// Matches `e`: by marker, then by email. A user that `--rekey-employee-ids` re-keys to
    /// another row, or that gives its marker's ID up ([`Index::rekey_overlaps`]), is not
    /// `e`'s by its marker.
    pub(super) fn find(&self, e: &Employee) -> Found<'a> {
        let by_marker = self.by_marker.get(&e.employee_id).filter(|u| {
            !self.released.contains_key(&u.id)
                && self
                    .overlap_rekeys
                    .get(&u.id)
                    .is_none_or(|to| *to == e.employee_id)
        });
        if let Some(&u) = by_marker {
            if self.marker_conflicts.contains_key(&e.employee_id) {
                return Found::Blocked {
                    reason: SkipCause::EmployeeOnSeveralUsers,
                    user: None,
                    decided: false,
                };
            }
            return Found::ByMarker(u);
        }
        if let Some(u) = self.by_email(&e.email) {
            let foreign = match self.marker(u) {
                Some(m) => m
                    .employee_id
                    .as_ref()
                    .filter(|other| **other != e.employee_id)
                    .map(|other| SkipCause::EmailOfAnotherEmployee {
                        user: u.id.clone(),
                        marker_employee_id: other.clone(),
                        rekey_hold: self.rekey_hold(u),
                    }),
                // A marker whose signature fails is treated as absent (README.md § Marker
                // integrity): the user is this row's by email, whoever the forged marker
                // names, so that a leaver cannot escape its deactivation by writing a claim
                // to another employee. Its claim still blocks that employee's create, and
                // the employee pass adopts no such user for an employed row when the claim
                // is another employee's (`employees::guards::foreign_unverified_claim`).
                None if self.fault(u) == MarkerFault::SignatureInvalid => None,
                None => marker::claimed_employee_id(u.description.as_deref())
                    .filter(|other| *other != e.employee_id)
                    .map(|other| SkipCause::EmailOfAnotherUnreadableMarker {
                        user: u.id.clone(),
                        claimed_employee_id: other,
                        fault: self.fault(u),
                    }),
            };
            return match foreign {
                Some(reason) => Found::Blocked {
                    reason,
                    user: Some(u),
                    decided: true,
                },
                None => Found::ByEmail(u),
            };
        }
        if let Some(claimants) = self.claims.get(&e.employee_id) {
            // A broken marker naming this employee: creating would duplicate them.
            return Found::Blocked {
                reason: SkipCause::ClaimedByUnreadableMarker {
                    users: claimants.iter().map(|u| u.id.clone()).collect(),
                    fault: self.fault(claimants[0]),
                },
                user: claimants.first().copied(),
                decided: false,
            };
        }
        Found::Nobody
    }
}

/// Each position's slot when two listed users share an ID (the first position with that
/// ID), `None` when every ID is listed once.
fn shared_ids(users: &[User]) -> Option<Vec<usize>> {
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(users.len());
    let mut slots: Option<Vec<usize>> = None;
    for (at, u) in users.iter().enumerate() {
        let slot = *first.entry(u.id.as_str()).or_insert(at);
        if slot != at {
            slots.get_or_insert_with(|| (0..users.len()).collect())[at] = slot;
        }
    }
    slots
}

/// A set of the listing's users by slot ([`Index::slot`]): inserting and asking cost no
/// hashing.
#[derive(Debug, Default)]
pub(super) struct UserSet {
    flags: Vec<bool>,
    len: usize,
}

impl UserSet {
    /// Adds the user in `slot`.
    pub(super) fn insert(&mut self, slot: usize) {
        if slot >= self.flags.len() {
            self.flags.resize(slot + 1, false);
        }
        if !self.flags[slot] {
            self.flags[slot] = true;
            self.len += 1;
        }
    }

    /// Whether the user in `slot` is in the set.
    pub(super) fn contains(&self, slot: usize) -> bool {
        self.flags.get(slot).copied().unwrap_or(false)
    }

    /// How many users the set holds.
    pub(super) fn len(&self) -> usize {
        self.len
    }
}
