//! Following a record back to the ones it was restored from, so that an unfinished restore
//! loses nothing when the person leaves again.
//!
//! A rehire re-created from the archive carries `suspended.from_archive` in its marker
//! until its restore is finished (README.md § Deactivation modes). If the person leaves
//! again before a run finishes it, the user is archived and deleted with only what the
//! half-restored user had, and that record is the latest. Its profile's description still
//! holds that marker, which is the link: [`Archive::restorable`] follows it, record by
//! record, to the first one restored in full (or never restored), and gives the latest
//! record with the contact methods and notification rules of every record on the way.

use super::{Archive, ArchiveRecord};
use crate::ids::{ContactMethodId, UserId};
use crate::marker::{self, MarkerState};
use crate::pagerduty::models::contact::{ContactMethod, NotificationRule};
use crate::pagerduty::models::incidents::Urgency;
use std::collections::BTreeMap;

/// The deleted user whose restore record `r`'s user had not finished: the `from_archive`
/// of the marker in its archived description, if it has one.
pub fn restored_from(r: &ArchiveRecord) -> Option<UserId> {
    match marker::parse(r.user.description.as_deref()).marker {
        MarkerState::Valid(m) => m.suspended?.from_archive,
        _ => None,
    }
}

impl Archive {
    /// The records a rehire of deleted user `id` restores from, latest first: the latest
    /// record of `id`, then, while a record's user was a restore not finished
    /// ([`restored_from`]), the latest record of the user it was restored from. Stops at a
    /// user the archive has no record of, and at one already on the list.
    pub fn lineage(&self, id: &UserId) -> Vec<ArchiveRecord> {
        let mut chain: Vec<ArchiveRecord> = Vec::new();
        let mut next = Some(id.clone());
        while let Some(id) = next {
            if chain.iter().any(|r| r.pagerduty_user_id == id) {
                break;
            }
            let Some(r) = self.by_user(&id).cloned() else {
                break;
            };
            next = restored_from(&r);
            chain.push(r);
        }
        chain
    }

    /// What a rehire of deleted user `id` restores: its latest record (profile, role,
    /// teams), with the contact methods and notification rules of its whole
    /// [`Archive::lineage`] ([`merged`]); a record with no link to follow comes back as
    /// written. `None` when the archive has no record of `id`.
    pub fn restorable(&self, id: &UserId) -> Option<ArchiveRecord> {
        let chain = self.lineage(id);
        let mut r = chain.first()?.clone();
        (r.contact_methods, r.notification_rules) = merged(&chain);
        Some(r)
    }
}

/// The contact methods and notification rules of `chain` (latest first), each once:
/// - every method of the latest record, then those of the earlier ones that no method
///   already taken has (same type and address, [`ContactMethod::same_as`]); an earlier
///   record's default email method is the latest's when it has one;
/// - every rule, pointing at the method taken in its method's place, unless one with the
///   same method, urgency and delay is already taken. PagerDuty's default rule (high
///   urgency at 0 minutes on the default email method) is not taken from a record whose
///   link was followed (its restore unfinished): PagerDuty made it on the create, and the
///   restore would have deleted it had it finished; the record at the end of the chain
///   gives it when it has it.
pub fn merged(chain: &[ArchiveRecord]) -> (Vec<ContactMethod>, Vec<NotificationRule>) {
    let Some(latest) = chain.first() else {
        return (vec![], vec![]);
    };
    let latest_login = latest
        .contact_methods
        .iter()
        .find(|m| m.is_login_email(&latest.user.email))
        .map(|m| m.id.clone());
    let mut methods: Vec<ContactMethod> = latest.contact_methods.clone();
    // Each record's method ID → the ID of the method taken in its place.
    let mut alias: BTreeMap<ContactMethodId, ContactMethodId> = methods
        .iter()
        .map(|m| (m.id.clone(), m.id.clone()))
        .collect();
    for r in &chain[1..] {
        for m in &r.contact_methods {
            let login = m
                .is_login_email(&r.user.email)
                .then(|| latest_login.clone())
                .flatten();
            let taken = login.or_else(|| {
                let want = m.to_new();
                methods
                    .iter()
                    .find(|k| k.same_as(&want))
                    .map(|k| k.id.clone())
            });
            let id = taken.unwrap_or_else(|| {
                methods.push(m.clone());
                m.id.clone()
            });
            alias.insert(m.id.clone(), id);
        }
    }
    let mut rules: Vec<NotificationRule> = Vec::new();
    for (i, r) in chain.iter().enumerate() {
        // Its link was followed: the next record is the one it was restored from.
        let unfinished = i + 1 < chain.len();
        for rule in &r.notification_rules {
            let on = &rule.contact_method.id;
            let default = unfinished
                && rule.urgency == Urgency::High
                && rule.start_delay_in_minutes == 0
                && r.contact_methods
                    .iter()
                    .any(|m| &m.id == on && m.is_login_email(&r.user.email));
            if default {
                continue;
            }
            let mut rule = rule.clone();
            if let Some(id) = alias.get(on) {
                rule.contact_method.id = id.clone();
            }
            let dup = rules.iter().any(|k| {
                k.contact_method.id == rule.contact_method.id
                    && k.urgency == rule.urgency
                    && k.start_delay_in_minutes == rule.start_delay_in_minutes
            });
            if !dup {
                rules.push(rule);
            }
        }
    }
    (methods, rules)
}
