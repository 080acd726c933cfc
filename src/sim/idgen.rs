//! PagerDuty-style IDs for the simulator's objects.

use std::collections::HashSet;

/// Hands out PagerDuty-style IDs: `P` + 6 characters from `0-9A-Z`, deterministic (a
/// counter scrambled by a bijection on 36^6) and never repeated, also after deletion (F24).
///
/// PagerDuty's IDs are "unique per endpoint, not globally" (§3.1 of `PAGERDUTY_API.md`): the
/// simulator uses one generator for users and teams and another ([`IdGenerator::for_objects`])
/// for everything else, so that adding escalation policies or contact methods to a seed never
/// changes the IDs its users get.
#[derive(Debug, Default)]
pub(crate) struct IdGenerator {
    counter: u64,
    issued: HashSet<String>,
}

const ID_SPACE: u64 = 36u64.pow(6);
const ID_ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Where [`IdGenerator::for_objects`] starts counting: its sequence is the users' sequence
/// shifted by a billion places, so the two never meet in practice.
const OBJECTS_START: u64 = 1_000_000_000;

impl IdGenerator {
    /// The generator for escalation policies, rules, schedules, layers, incidents, contact
    /// methods and notification rules.
    pub(crate) fn for_objects() -> IdGenerator {
        IdGenerator {
            counter: OBJECTS_START,
            issued: HashSet::new(),
        }
    }

    /// Marks a seed-given ID as used; false if it already was.
    pub(crate) fn reserve(&mut self, id: &str) -> bool {
        self.issued.insert(id.to_string())
    }

    /// A new ID, never handed out or reserved before.
    pub(crate) fn fresh(&mut self) -> String {
        loop {
            self.counter += 1;
            // 1_234_567 is coprime with 36^6 (not divisible by 2 or 3), so this is a bijection.
            let mut n = (self.counter % ID_SPACE * 1_234_567 + 7_654_321) % ID_SPACE;
            let mut chars = [b'0'; 6];
            for c in chars.iter_mut().rev() {
                *c = ID_ALPHABET[(n % 36) as usize];
                n /= 36;
            }
            let id = format!("P{}", std::str::from_utf8(&chars).expect("ASCII"));
            if self.issued.insert(id.clone()) {
                return id;
            }
        }
    }
}

/// True for `P` followed by 6 upper-case ASCII letters or digits.
pub(crate) fn is_pd_id(id: &str) -> bool {
    id.len() == 7
        && id.starts_with('P')
        && id[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

/// True for a PagerDuty incident ID: `P` + 6 as above, or the newer `Q` + 13 upper-case
/// letters or digits (e.g. `Q02JTSNZWHSEKV`, OpenAPI examples).
pub(crate) fn is_incident_id(id: &str) -> bool {
    is_pd_id(id)
        || (id.len() == 14
            && id.starts_with('Q')
            && id[1..]
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_pagerduty_and_never_repeat() {
        let mut g = IdGenerator::default();
        g.reserve("P000001");
        let ids: Vec<String> = (0..2000).map(|_| g.fresh()).collect();
        assert!(ids.iter().all(|id| is_pd_id(id)), "{:?}", &ids[..5]);
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        assert!(!ids.contains(&"P000001".to_string()));
        // Deterministic: a fresh generator gives the same sequence.
        let mut again = IdGenerator::default();
        again.reserve("P000001");
        assert_eq!(again.fresh(), ids[0]);
    }

    #[test]
    fn the_objects_sequence_does_not_meet_the_users_sequence() {
        let mut users = IdGenerator::default();
        let mut objects = IdGenerator::for_objects();
        let a: HashSet<String> = (0..5000).map(|_| users.fresh()).collect();
        let b: HashSet<String> = (0..5000).map(|_| objects.fresh()).collect();
        assert!(a.is_disjoint(&b));
        assert!(b.iter().all(|id| is_pd_id(id)));
    }

    #[test]
    fn incident_ids_take_both_forms() {
        assert!(is_incident_id("PT4KHLK"));
        assert!(is_incident_id("Q02JTSNZWHSEKV"));
        assert!(!is_incident_id("Q02JTSNZWHSEK"));
        assert!(!is_incident_id("q02jtsnzwhsekv"));
    }
}
