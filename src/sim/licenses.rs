//! Licences and their allocations (§3.5 and F20 of `../shared/reference/PAGERDUTY_API.md`).
//!
//! Active only when the seed lists licences; otherwise the account has no licence logic at
//! all (users hold none, `license` in request bodies is ignored, as before licences were
//! modelled).
//!
//! Rules:
//! - a user's base role must be one of its licence's `valid_roles` (F20); a licence named in
//!   `POST /users` or `PUT /users/{id}` whose `valid_roles` lack the role → 400/2001 (Inf
//!   text);
//! - a licence without free allocations → 400/2001 "License error: License is not available"
//!   (S22);
//! - without a licence in the body the backend picks one (§3.5): on create, and on a role
//!   change that the current licence does not allow, the first licence (in seed order) that
//!   allows the role and has a free allocation (Inf: which one PagerDuty picks is not
//!   documented); a role change the current licence allows keeps it;
//! - `DELETE /users/{id}` frees the allocation.

use super::error::SimError;
use super::links::Lookup;
use super::seed::{SeedLicense, SeedReference};
use crate::ids::{LicenseId, UserId};
use crate::pagerduty::models::Role;
use crate::pagerduty::models::licenses::{
    LICENSE_NOT_AVAILABLE, License, LicenseWithCounts, RoleGroup,
};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
struct LicenseRecord {
    id: String,
    name: String,
    description: String,
    valid_roles: Vec<Role>,
    role_group: RoleGroup,
    /// Free allocations at start-up, as seeded; turned into `cap` once the seeded users hold
    /// theirs.
    available_at_start: Option<u64>,
    /// Most users that may hold the licence; `None` = no cap.
    cap: Option<u64>,
}

/// The account's licences and who holds which.
#[derive(Debug, Default)]
pub(crate) struct LicenseBook {
    licenses: Vec<LicenseRecord>,
    /// User ID → (licence ID, allocated at).
    allocations: BTreeMap<String, (String, DateTime<Utc>)>,
}

fn license_error(detail: String) -> SimError {
    SimError::invalid_input(vec![detail])
}

impl LicenseBook {
    /// Reads the seed's licences (allocations follow with [`LicenseBook::seed_allocate`] and
    /// [`LicenseBook::finish_seed`]).
    pub(crate) fn from_seed(seeded: &[SeedLicense], problems: &mut Vec<String>) -> LicenseBook {
        let mut book = LicenseBook::default();
        for (i, l) in seeded.iter().enumerate() {
            let entry = format!("licenses[{i}] ({})", l.name);
            if !super::idgen::is_pd_id(&l.id) {
                problems.push(format!(
                    "{entry}: id {:?} must be P followed by 6 upper-case letters or digits",
                    l.id
                ));
            }
            if book.licenses.iter().any(|o| o.id == l.id) {
                problems.push(format!("{entry}: id {} is used twice", l.id));
            }
            if l.kind.as_deref().is_some_and(|k| k != "license") {
                problems.push(format!("{entry}: type must be license"));
            }
            if l.name.trim().is_empty() {
                problems.push(format!("{entry}: name can't be blank"));
            }
            if l.valid_roles.is_empty() {
                problems.push(format!("{entry}: valid_roles must name at least one role"));
            }
            for r in &l.valid_roles {
                if !r.is_known() {
                    problems.push(format!("{entry}: {r:?} is not a base role"));
                }
            }
            let role_group = l.role_group.clone().unwrap_or_else(|| {
                if l.valid_roles.iter().all(Role::is_stakeholder) {
                    RoleGroup::Stakeholder
                } else {
                    RoleGroup::FullUser
                }
            });
            if !RoleGroup::ALL.contains(&role_group) {
                problems.push(format!(
                    "{entry}: role_group must be FullUser or Stakeholder"
                ));
            }
            book.licenses.push(LicenseRecord {
                id: l.id.clone(),
                name: l.name.trim().to_string(),
                description: l.description.clone().unwrap_or_default(),
                valid_roles: l.valid_roles.clone(),
                role_group,
                available_at_start: l.allocations_available,
                cap: None,
            });
        }
        book
    }

    /// True when the account has licences (the licence rules apply).
    pub(crate) fn is_active(&self) -> bool {
        !self.licenses.is_empty()
    }

    fn find(&self, id: &str) -> Option<&LicenseRecord> {
        self.licenses.iter().find(|l| l.id == id)
    }

    fn count(&self, id: &str) -> u64 {
        self.allocations.values().filter(|(l, _)| l == id).count() as u64
    }

    fn free(&self, l: &LicenseRecord) -> Option<u64> {
        l.cap.map(|cap| cap.saturating_sub(self.count(&l.id)))
    }

    /// Gives a seeded user its licence: the one the seed names, or the first that allows
    /// `role` (caps are not checked: the seed's `allocations_available` count what is free
    /// after these).
    ///
    /// # Errors
    /// The problem, for the seed's error message.
    pub(crate) fn seed_allocate(
        &mut self,
        user: &str,
        role: &Role,
        named: Option<&SeedReference>,
        now: DateTime<Utc>,
    ) -> Result<(), String> {
        let id = match named {
            Some(r) => {
                if r.kind.as_deref().is_some_and(|k| k != "license_reference") {
                    return Err(format!("license {:?} must be a license_reference", r.id));
                }
                let l = self
                    .find(&r.id)
                    .ok_or_else(|| format!("license {:?} is not a licence of the seed", r.id))?;
                if !l.valid_roles.contains(role) {
                    return Err(format!(
                        "role {role} is not one of the valid_roles of license {:?}",
                        l.name
                    ));
                }
                l.id.clone()
            }
            None => self
                .licenses
                .iter()
                .find(|l| l.valid_roles.contains(role))
                .map(|l| l.id.clone())
                .ok_or_else(|| format!("no licence of the seed allows role {role}"))?,
        };
        self.allocations.insert(user.to_string(), (id, now));
        Ok(())
    }

    /// Fixes each licence's cap once the seeded users hold theirs.
    pub(crate) fn finish_seed(&mut self) {
        let counts: Vec<u64> = self.licenses.iter().map(|l| self.count(&l.id)).collect();
        for (l, n) in self.licenses.iter_mut().zip(counts) {
            l.cap = l.available_at_start.map(|free| free + n);
        }
    }

    /// The licence a user with base role `role` ends up with, without changing anything:
    /// `requested` (a licence ID from the body), else `current` when it allows the role, else
    /// the first licence that allows the role and has a free allocation (rules in the module
    /// docs).
    ///
    /// # Errors
    /// 400/2001: an unknown licence, a role outside its `valid_roles`, no licence for the
    /// role, or [`LICENSE_NOT_AVAILABLE`].
    pub(crate) fn resolve(
        &self,
        role: &Role,
        requested: Option<&str>,
        current: Option<&str>,
    ) -> Result<String, SimError> {
        if let Some(id) = requested {
            let l = self
                .find(id)
                .ok_or_else(|| license_error(format!("License error: License {id} not found")))?;
            if !l.valid_roles.contains(role) {
                return Err(license_error(format!(
                    "License error: Role {role} is not a valid role for license {}",
                    l.name
                )));
            }
            if Some(id) != current && self.free(l) == Some(0) {
                return Err(license_error(LICENSE_NOT_AVAILABLE.to_string()));
            }
            return Ok(l.id.clone());
        }
        if let Some(cur) = current.and_then(|c| self.find(c))
            && cur.valid_roles.contains(role)
        {
            return Ok(cur.id.clone());
        }
        let fitting: Vec<&LicenseRecord> = self
            .licenses
            .iter()
            .filter(|l| l.valid_roles.contains(role))
            .collect();
        if fitting.is_empty() {
            return Err(license_error(format!(
                "License error: No license of the account allows role {role}"
            )));
        }
        fitting
            .into_iter()
            .find(|l| self.free(l) != Some(0))
            .map(|l| l.id.clone())
            .ok_or_else(|| license_error(LICENSE_NOT_AVAILABLE.to_string()))
    }

    /// Gives `user` the licence `id` from `now` (keeps the allocation time when unchanged).
    pub(crate) fn assign(&mut self, user: &UserId, id: &LicenseId, now: DateTime<Utc>) {
        if self
            .allocations
            .get(user.as_str())
            .is_some_and(|(l, _)| l == id.as_str())
        {
            return;
        }
        self.allocations
            .insert(user.to_string(), (id.to_string(), now));
    }

    /// Frees the user's allocation (`DELETE /users/{id}`).
    pub(crate) fn release(&mut self, user: &str) {
        self.allocations.remove(user);
    }

    /// The ID of the licence a user holds.
    pub(crate) fn license_id_of(&self, user: &str) -> Option<&str> {
        self.allocations.get(user).map(|(l, _)| l.as_str())
    }

    fn render(&self, l: &LicenseRecord) -> License {
        License {
            id: LicenseId::new(&*l.id),
            kind: "license".to_string(),
            name: l.name.clone(),
            description: l.description.clone(),
            summary: Some(l.name.clone()),
            valid_roles: l.valid_roles.clone(),
            role_group: Some(l.role_group.clone()),
            // The spec's example shows null; its schema a string; no licence URL exists (Inf).
            self_url: None,
            html_url: None,
        }
    }

    /// The licence a user holds (`GET /users/{id}/license`).
    pub(crate) fn license_of(&self, user: &str) -> Option<License> {
        self.license_id_of(user)
            .and_then(|id| self.find(id))
            .map(|l| self.render(l))
    }

    /// `GET /licenses`: every licence in seed order, with `current_value` and
    /// `allocations_available` (null without a cap).
    pub(crate) fn list(&self) -> Vec<LicenseWithCounts> {
        self.licenses
            .iter()
            .map(|l| LicenseWithCounts {
                license: self.render(l),
                current_value: self.count(&l.id),
                allocations_available: self.free(l),
            })
            .collect()
    }

    /// `GET /license_allocations`, unpaged: (user ID, licence, allocated at), by allocation
    /// time, then user name, then user ID (Inf: no order is documented).
    pub(crate) fn allocations(&self, lk: &dyn Lookup) -> Vec<(String, License, DateTime<Utc>)> {
        let mut all: Vec<(String, License, DateTime<Utc>)> = self
            .allocations
            .iter()
            .filter_map(|(u, (l, at))| self.find(l).map(|l| (u.clone(), self.render(l), *at)))
            .collect();
        all.sort_by_cached_key(|(u, _, at)| {
            (
                *at,
                lk.user_name(u).unwrap_or_default().to_lowercase(),
                u.clone(),
            )
        });
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> LicenseBook {
        let seeded: Vec<SeedLicense> = serde_json::from_str(
            r#"[{"id": "PFULL01", "name": "Full", "valid_roles": ["owner", "admin", "user", "limited_user", "observer", "restricted_access"], "allocations_available": 1},
                {"id": "PFULL02", "name": "Full (spare)", "valid_roles": ["user", "limited_user"]},
                {"id": "PSTAKE1", "name": "Stakeholder", "valid_roles": ["read_only_user", "read_only_limited_user"], "allocations_available": 0}]"#,
        )
        .unwrap();
        let mut problems = Vec::new();
        let mut b = LicenseBook::from_seed(&seeded, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        let now = Utc::now();
        b.seed_allocate("PUSER01", &Role::Admin, None, now).unwrap();
        b.seed_allocate("PUSER02", &Role::ReadOnlyUser, None, now)
            .unwrap();
        b.finish_seed();
        b
    }

    #[test]
    fn caps_count_the_seeded_holders() {
        let b = book();
        let list = b.list();
        assert_eq!(list[0].current_value, 1);
        assert_eq!(list[0].allocations_available, Some(1));
        assert_eq!(list[1].allocations_available, None);
        assert_eq!(list[2].current_value, 1);
        assert_eq!(list[2].allocations_available, Some(0));
        assert_eq!(list[2].license.role_group, Some(RoleGroup::Stakeholder));
    }

    #[test]
    fn resolve_follows_the_rules() {
        let mut b = book();
        // Picked: the first licence allowing the role with room.
        assert_eq!(b.resolve(&Role::User, None, None).unwrap(), "PFULL01");
        b.assign(&"PUSER03".into(), &"PFULL01".into(), Utc::now());
        // Full is now used up: the spare is picked.
        assert_eq!(b.resolve(&Role::User, None, None).unwrap(), "PFULL02");
        // The admin role only fits the full licence, which has no room left.
        let e = b.resolve(&Role::Admin, None, None).unwrap_err();
        assert_eq!(e.envelope().error.errors, [LICENSE_NOT_AVAILABLE]);
        // A current licence that allows the role is kept, also when full.
        assert_eq!(
            b.resolve(&Role::Admin, None, Some("PFULL01")).unwrap(),
            "PFULL01"
        );
        // The old licence echoed back with a role it does not allow is refused.
        let e = b
            .resolve(&Role::ReadOnlyUser, Some("PFULL01"), Some("PFULL01"))
            .unwrap_err();
        assert!(e.to_string().contains("not a valid role"), "{e}");
        // A stakeholder needs the stakeholder licence, which has no room.
        let e = b.resolve(&Role::ReadOnlyUser, None, None).unwrap_err();
        assert_eq!(e.envelope().error.errors, [LICENSE_NOT_AVAILABLE]);
        let e = b.resolve(&Role::User, Some("PNOPE00"), None).unwrap_err();
        assert!(e.to_string().contains("not found"), "{e}");
        b.release("PUSER02");
        assert_eq!(
            b.resolve(&Role::ReadOnlyUser, None, None).unwrap(),
            "PSTAKE1"
        );
    }
}
