//! Licences, where the account has them (fact F20 and §3.5 in
//! `../shared/reference/PAGERDUTY_API.md`): every user holds one licence, which must allow
//! the user's base role (`valid_roles`); a licence without a free allocation is refused
//! with "License error: License is not available".
//!
//! - A role rule may name a licence (`license` in `[[roles.rule]]`, else
//!   `[roles] default_license`), by ID or by name; the names are resolved against
//!   `GET /licenses`, and a licence that does not allow its rule's role, or that the account
//!   lacks, is a rule mistake ([`super::PlanError::Rules`], exit 78).
//! - A named licence is sent (`license` in `POST /users` or `PUT /users/{id}`) only when the
//!   user does not hold it already: the current licence is never echoed back, since a role
//!   change with the old licence attached is refused.
//! - Without a named licence PagerDuty picks one (§3.5) when a role change leaves what the
//!   current licence allows, typically a move into or out of a stakeholder role; the plan
//!   names that change (a [`Field::License`] change) but sends nothing.
//! - The ledger (`Licensing::ledger`) counts, before any write, whether the account has
//!   enough free allocations: those free now plus those the plan's deactivations and
//!   deletions release (apply runs them first; one blocked by on-call duties releases
//!   nothing), against the named licences the plan gives and, for
//!   picked licences, the first licence in `GET /licenses` order that allows the role and
//!   still has room (which one PagerDuty picks is not documented; this is an inference).
//!   A licence the plan would run out of is a [`LicenseShortfall`] (refused, exit 3).
//!
//! Who holds which licence comes from `GET /license_allocations`, read only when the plan
//! needs it ([`super::Plan::needs_license_holders`]).

use super::contract::{Change, Field, LicenseLabel, LicenseMove, LicenseShortfall, LicenseTarget};
use super::policy::Rules;
use crate::config::RuleLabel;
use crate::ids::{LicenseId, UserId};
use crate::pagerduty::models::licenses::LicenseWithCounts;
use crate::pagerduty::models::{LicenseReference, User};
use crate::vocab::Role;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

/// What a builder adds to an action for the licence.
#[derive(Debug, Default)]
pub(super) struct Effect {
    /// The [`Field::License`] change to show, if the licence changes.
    pub(super) change: Option<Change>,
    /// The licence to send, if a rule names one the user does not hold.
    pub(super) send: Option<LicenseReference>,
}

/// The licences of one planning run and the changes the builders record.
#[derive(Debug, Default)]
pub(super) struct Licensing<'a> {
    all: &'a [LicenseWithCounts],
    holders: Option<&'a BTreeMap<UserId, LicenseId>>,
    /// Per `[[roles.rule]]` (0-based): the licence it names, else the default one.
    by_rule: Vec<Option<&'a LicenseWithCounts>>,
    /// `[roles] default_license`, resolved.
    default: Option<&'a LicenseWithCounts>,
    moves: RefCell<Vec<LicenseMove>>,
    needs_holders: Cell<bool>,
}

fn label(l: &LicenseWithCounts) -> LicenseLabel {
    LicenseLabel {
        id: l.license.id.clone(),
        name: l.license.name.clone(),
    }
}

fn names(ls: &[&LicenseWithCounts]) -> Vec<String> {
    ls.iter().map(|l| l.license.name.clone()).collect()
}

impl<'a> Licensing<'a> {
    /// Resolves the licences `rules` name against the account's `licenses` (`GET
    /// /licenses`; empty when the account has none), with `holders` (user → licence, from
    /// `GET /license_allocations`) when read.
    ///
    /// # Errors
    /// One line per rule mistake: a licence named while the account lists none, a name
    /// that matches no licence or several, and a licence that does not allow the role of a
    /// rule it applies to (`roles.default` with `default_license`, and each
    /// `[[roles.rule]]` with its own licence or the default one).
    pub(super) fn resolve(
        rules: &Rules,
        licenses: &'a [LicenseWithCounts],
        holders: Option<&'a BTreeMap<UserId, LicenseId>>,
    ) -> Result<Licensing<'a>, Vec<String>> {
        let mut problems = Vec::new();
        let find = |key: &str, wanted: &str, problems: &mut Vec<String>| {
            if licenses.is_empty() {
                problems.push(format!(
                    "{key}: the account lists no licences (GET /licenses), so licence {wanted:?} cannot be given; remove the key"
                ));
                return None;
            }
            if let Some(l) = licenses.iter().find(|l| l.license.id == wanted) {
                return Some(l);
            }
            let by_name: Vec<&LicenseWithCounts> = licenses
                .iter()
                .filter(|l| crate::words::same_text(&l.license.name, wanted))
                .collect();
            match by_name.as_slice() {
                [one] => Some(*one),
                [] => {
                    let all: Vec<String> = licenses
                        .iter()
                        .map(|l| format!("{:?} ({})", l.license.name, l.license.id))
                        .collect();
                    problems.push(format!(
                        "{key}: PagerDuty has no licence {wanted:?} (by name or ID); licences: {}",
                        all.join(", ")
                    ));
                    None
                }
                many => {
                    problems.push(format!(
                        "{key}: licence {wanted:?} matches {} licences ({}); name it by ID",
                        many.len(),
                        many.iter()
                            .map(|l| l.license.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    None
                }
            }
        };
        let default = rules
            .default_license
            .as_deref()
            .and_then(|w| find("roles.default_license", w, &mut problems));
        let fits = |key: &str,
                    role: &Role,
                    l: Option<&LicenseWithCounts>,
                    problems: &mut Vec<String>| {
            if let Some(l) = l
                && !l.license.valid_roles.contains(role)
            {
                problems.push(format!(
                    "{key}: licence {:?} ({}) does not allow base role {role} (its valid roles: {}); name a licence that does",
                    l.license.name,
                    l.license.id,
                    l.license
                        .valid_roles
                        .iter()
                        .map(Role::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        };
        fits("roles.default", &rules.default_role, default, &mut problems);
        let mut by_rule = Vec::new();
        for (i, r) in rules.roles.iter().enumerate() {
            let label = RuleLabel::Role(i + 1);
            let key = label.to_string();
            let own = r
                .license
                .as_deref()
                .and_then(|w| find(&label.key("license"), w, &mut problems));
            let effective = if r.license.is_some() { own } else { default };
            fits(&key, &r.role, effective, &mut problems);
            by_rule.push(effective);
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Licensing {
            all: licenses,
            holders,
            by_rule,
            default,
            moves: RefCell::new(Vec::new()),
            needs_holders: Cell::new(false),
        })
    }

    /// True when the account has licences (their rules apply).
    fn active(&self) -> bool {
        !self.all.is_empty()
    }

    /// The licence the rules name for an employee whose base role comes from role rule
    /// `rule` (0-based; `None` for `roles.default`).
    pub(super) fn named_for(&self, rule: Option<usize>) -> Option<&'a LicenseWithCounts> {
        match rule {
            Some(i) => self.by_rule.get(i).copied().flatten(),
            None => self.default,
        }
    }

    fn by_id(&self, id: &LicenseId) -> Option<&'a LicenseWithCounts> {
        self.all.iter().find(|l| &l.license.id == id)
    }

    fn fitting(&self, role: &Role) -> Vec<&'a LicenseWithCounts> {
        allowing(self.all, role)
    }

    /// How the plan shows a licence PagerDuty picks for `role`.
    fn picked_words(&self, role: &Role) -> String {
        match self.fitting(role).as_slice() {
            [] => format!("none: no licence allows {role}"),
            [one] => one.license.name.clone(),
            many => format!(
                "picked by PagerDuty among {}",
                names(many)
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// True when the plan must be made again once who holds which licence is known.
    pub(super) fn needs_holders(&self) -> bool {
        self.needs_holders.get()
    }

    /// The licence of a new user with base role `role`: the named one (sent), or one that
    /// PagerDuty picks (counted, not shown).
    pub(super) fn for_create(&self, role: &Role, named: Option<&'a LicenseWithCounts>) -> Effect {
        if !self.active() {
            return Effect::default();
        }
        let to = match named {
            Some(l) => LicenseTarget::Named(label(l)),
            None => LicenseTarget::Picked(role.clone()),
        };
        self.moves.borrow_mut().push(LicenseMove {
            user_id: None,
            deactivation: false,
            from: None,
            to: Some(to),
            blocked: false,
        });
        match named {
            Some(l) => Effect {
                change: Some(Change {
                    field: Field::License,
                    old: None,
                    new: Some(l.license.name.clone()),
                }),
                send: Some(reference(l)),
            },
            None => Effect::default(),
        }
    }

    /// The licence change a deactivation of `u` to base role `role` would bring when it is
    /// not attempted this run (blocked by the user's on-call duties): shown for review, and
    /// recorded as [`LicenseMove::blocked`], which the [`Licensing::ledger`] does not count
    /// (it releases no allocation and needs none) but `apply --plan` counts when its run
    /// lets the deactivation through.
    pub(super) fn for_blocked_deactivation(&self, u: &User, role: &Role) -> Effect {
        let before = self.moves.borrow().len();
        let effect = self.for_existing(u, role, None, true);
        for m in self.moves.borrow_mut().iter_mut().skip(before) {
            m.blocked = true;
        }
        effect
    }

    /// The deletion of `u`: the licence `u` holds is released for the plan's creates and
    /// role changes (apply runs deletions with the deactivations, first), unless the
    /// deletion is `blocked` by on-call duties, whose release is recorded as
    /// [`LicenseMove::blocked`] (counted only by an `apply --plan` that lets it through).
    /// Nothing to show: the user goes.
    pub(super) fn for_deletion(&self, u: &User, blocked: bool) {
        if !self.active() {
            return;
        }
        let Some(holders) = self.holders else {
            self.needs_holders.set(true);
            return;
        };
        if let Some(from) = holders.get(&u.id) {
            self.moves.borrow_mut().push(LicenseMove {
                user_id: Some(u.id.clone()),
                deactivation: true,
                from: Some(from.clone()),
                to: None,
                blocked,
            });
        }
    }

    /// The licence change of existing user `u` when its base role goes from `u.role` to
    /// `role`, with `named` the licence the rules name (never for a deactivation). Nothing
    /// when the licence stays: the named one is already held, or no licence is named and
    /// the current one allows `role`.
    pub(super) fn for_existing(
        &self,
        u: &User,
        role: &Role,
        named: Option<&'a LicenseWithCounts>,
        deactivation: bool,
    ) -> Effect {
        if !self.active() || (named.is_none() && *role == u.role) {
            return Effect::default();
        }
        let Some(holders) = self.holders else {
            self.needs_holders.set(true);
            return Effect::default();
        };
        let from = holders.get(&u.id).cloned();
        let current = from.as_ref().and_then(|id| self.by_id(id));
        let to = match named {
            Some(l) if from.as_ref() == Some(&l.license.id) => return Effect::default(),
            Some(l) => LicenseTarget::Named(label(l)),
            None if current.is_some_and(|c| c.license.valid_roles.contains(role)) => {
                return Effect::default();
            }
            None => LicenseTarget::Picked(role.clone()),
        };
        let old = match (&from, current) {
            (_, Some(c)) => Some(c.license.name.clone()),
            (Some(id), None) => Some(id.to_string()),
            (None, None) => None,
        };
        let (new, send) = match (&to, named) {
            (LicenseTarget::Named(_), Some(l)) => (l.license.name.clone(), Some(reference(l))),
            (_, _) => (self.picked_words(role), None),
        };
        self.moves.borrow_mut().push(LicenseMove {
            user_id: Some(u.id.clone()),
            deactivation,
            from,
            to: Some(to),
            blocked: false,
        });
        Effect {
            change: Some(Change {
                field: Field::License,
                old,
                new: Some(new),
            }),
            send,
        }
    }

    /// The licence changes recorded, in order (see [`super::Plan::license_moves`]).
    pub(super) fn moves(&self) -> Vec<LicenseMove> {
        self.moves.borrow().clone()
    }

    /// [`ledger`] of the recorded changes against the account's licences.
    pub(super) fn ledger(&self) -> (Vec<LicenseShortfall>, Vec<String>) {
        ledger(self.all, &self.moves.borrow())
    }
}

/// Counts the licences that `moves` need against those of `all` free now
/// (`allocations_available`) plus those the deactivations and deletions among them release
/// (apply runs those first): the licences the plan would run out of, and one rule problem
/// per base role that no licence of `all` allows. A move of a blocked action
/// ([`LicenseMove::blocked`]) is left out: it runs no request. The planner counts its own
/// changes so; `apply --plan` counts a saved plan's again against the licences listed when
/// it runs (with each move's `blocked` decided again for that run). A named licence that
/// `all` no longer lists has nothing free.
pub fn ledger(
    all: &[LicenseWithCounts],
    moves: &[LicenseMove],
) -> (Vec<LicenseShortfall>, Vec<String>) {
    let counted: Vec<&LicenseMove> = moves.iter().filter(|m| !m.blocked).collect();
    let moves = counted.as_slice();
    let mut released: BTreeMap<&str, u64> = BTreeMap::new();
    let mut needed: BTreeMap<&str, u64> = BTreeMap::new();
    let mut unlisted: BTreeMap<&str, (&LicenseLabel, u64)> = BTreeMap::new();
    for m in moves {
        if m.deactivation
            && let Some(from) = &m.from
        {
            *released.entry(from.as_str()).or_default() += 1;
        }
        if let Some(LicenseTarget::Named(l)) = &m.to {
            *needed.entry(l.id.as_str()).or_default() += 1;
            if !all.iter().any(|x| x.license.id == l.id) {
                unlisted.entry(l.id.as_str()).or_insert((l, 0)).1 += 1;
            }
        }
    }
    // What is left of each licence after the named needs: `None` = no cap.
    let mut left: BTreeMap<&str, Option<u64>> = BTreeMap::new();
    let mut out = Vec::new();
    for l in all {
        let id = l.license.id.as_str();
        let rel = released.get(id).copied().unwrap_or(0);
        let need = needed.get(id).copied().unwrap_or(0);
        let available = l.allocations_available.map(|free| free + rel);
        if let Some(avail) = available
            && need > avail
        {
            out.push(LicenseShortfall {
                license: Some(label(l)),
                role: None,
                needed: need,
                available: avail,
                released: rel,
                candidates: vec![],
            });
        }
        left.insert(id, available.map(|a| a.saturating_sub(need)));
    }
    for (l, need) in unlisted.into_values() {
        out.push(LicenseShortfall {
            license: Some(l.clone()),
            role: None,
            needed: need,
            available: 0,
            released: 0,
            candidates: vec![],
        });
    }
    let mut picked: BTreeMap<Role, (u64, u64)> = BTreeMap::new();
    let mut problems = Vec::new();
    for m in moves {
        let Some(LicenseTarget::Picked(role)) = &m.to else {
            continue;
        };
        let fitting = allowing(all, role);
        if fitting.is_empty() {
            let line = format!(
                "no licence of the account (GET /licenses: {}) allows base role {role}, which the plan gives; PagerDuty would refuse it",
                names(&all.iter().collect::<Vec<_>>()).join(", ")
            );
            if !problems.contains(&line) {
                problems.push(line);
            }
            continue;
        }
        let entry = picked.entry(role.clone()).or_default();
        entry.0 += 1;
        let room = fitting.iter().find_map(|l| {
            let id = l.license.id.as_str();
            match left.get(id).copied().flatten() {
                None => Some((id, None)),
                Some(n) if n > 0 => Some((id, Some(n - 1))),
                Some(_) => None,
            }
        });
        match room {
            Some((id, rest)) => {
                left.insert(id, rest);
            }
            None => entry.1 += 1,
        }
    }
    for (role, (need, missing)) in picked {
        if missing > 0 {
            let fitting = allowing(all, &role);
            out.push(LicenseShortfall {
                license: None,
                released: fitting
                    .iter()
                    .map(|l| released.get(l.license.id.as_str()).copied().unwrap_or(0))
                    .sum(),
                candidates: names(&fitting),
                role: Some(role),
                needed: need,
                available: need - missing,
            });
        }
    }
    (out, problems)
}

/// The licence mistakes of `rules` against the account's `licenses` (`GET /licenses`; empty
/// when the account has none), one line each, as the planner finds them before a plan
/// (`Licensing::resolve`: a licence named while the account lists none, a name matching
/// no licence or several, a licence that does not allow its rule's role), so that `doctor`
/// fails whatever `plan` would refuse as a configuration error (exit 78). Empty when none.
pub fn rule_problems(rules: &Rules, licenses: &[LicenseWithCounts]) -> Vec<String> {
    Licensing::resolve(rules, licenses, None)
        .err()
        .unwrap_or_default()
}

/// The licences of `licenses` that allow base role `role` (their `valid_roles` hold it,
/// fact F20), in the account's order: the planner's rule, which `doctor` checks too.
pub fn allowing<'a>(licenses: &'a [LicenseWithCounts], role: &Role) -> Vec<&'a LicenseWithCounts> {
    licenses
        .iter()
        .filter(|l| l.license.valid_roles.contains(role))
        .collect()
}

/// True when licence `l` has no free allocation now (`allocations_available` is 0; `None`
/// means no cap), the reading the ledger starts from: a create or role change given it
/// fails with "License is not available" (§3.5) until one is freed.
pub fn is_full(l: &LicenseWithCounts) -> bool {
    l.allocations_available == Some(0)
}

fn reference(l: &LicenseWithCounts) -> LicenseReference {
    LicenseReference {
        id: l.license.id.clone(),
        kind: "license_reference".into(),
    }
}

/// Inserts `c` into `changes` at its place in the field order.
pub(super) fn insert_change(changes: &mut Vec<Change>, c: Change) {
    let at = changes
        .iter()
        .position(|x| x.field > c.field)
        .unwrap_or(changes.len());
    changes.insert(at, c);
}
