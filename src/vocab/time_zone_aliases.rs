//! Time zones from the HR export, mapped to the 135 identifiers PagerDuty accepts.
//!
//! PagerDuty accepts only the names in [`super::time_zones::TIME_ZONES`] (fact F19
//! in `../shared/reference/PAGERDUTY_API.md`); it rejects other IANA names such as
//! `US/Mountain`. HR systems often export exactly those other names: legacy aliases
//! (`US/Eastern`), or the current spelling of a zone PagerDuty still lists under its old
//! name (`Europe/Kyiv`, which PagerDuty knows as `Europe/Kiev`).
//!
//! [`resolve`] accepts a value when it is
//! 1. a PagerDuty name, exactly;
//! 2. a PagerDuty name written in another letter case (`america/new_york`): the tz database
//!    keeps its names unique when case is ignored (tz `Theory` file, "Names of time zone
//!    rules"), so this cannot pick a different zone;
//! 3. a key of [`ALIASES`], in any letter case.
//!
//! [`ALIASES`] holds only true equivalents: every pair names the *same* tz database zone,
//! either because the alias is a `Link` to the PagerDuty name (IANA tz `backward` file) or
//! because the PagerDuty name is a `Link` to the alias (the zone was renamed, and
//! PagerDuty still lists the old name). Each pair was checked against tzdata 2025b
//! (`/usr/share/zoneinfo/tzdata.zi`, both names resolve to the same `Zone`).
//!
//! Deliberately left out, so they are row problems rather than quiet guesses:
//! - links that merge *different places* whose clocks have agreed since 1970
//!   (`Europe/Zaporozhye` → Kyiv, `Pacific/Johnston` → Honolulu, `America/Ensenada` →
//!   Tijuana, `Navajo` → Denver, `Europe/Belfast` → London): correct today, but a
//!   statement about a different place, so HR should send the PagerDuty name;
//! - `GMT`, `Etc/GMT`, `Greenwich` and friends: fixed UTC+0 in the tz database, but
//!   people in the UK write "GMT" for London time, which has summer time;
//! - `US/Alaska` (Anchorage), `Canada/Eastern` (Toronto) and other zones PagerDuty does
//!   not list at all: no PagerDuty name is the same zone.

use super::time_zones::TIME_ZONES;

/// `(alias, PagerDuty name)` pairs naming the same tz database zone. Keys are compared
/// case-insensitively; every value is in [`TIME_ZONES`] and no key is.
pub const ALIASES: &[(&str, &str)] = &[
    // Zones renamed in the tz database; PagerDuty lists the old name, which tzdata keeps
    // as a link to the new one (tz `backward`: "Link Europe/Kyiv Europe/Kiev", 2022b;
    // "Link America/Nuuk America/Godthab", 2020a; "Link Asia/Yangon Asia/Rangoon", 2016b).
    ("Europe/Kyiv", "Europe/Kiev"),
    ("America/Nuuk", "America/Godthab"),
    ("Asia/Yangon", "Asia/Rangoon"),
    // Universal time: all links to Etc/UTC in tz `backward`.
    ("UTC", "Etc/UTC"),
    ("Etc/UCT", "Etc/UTC"),
    ("UCT", "Etc/UTC"),
    ("Etc/Universal", "Etc/UTC"),
    ("Universal", "Etc/UTC"),
    ("Etc/Zulu", "Etc/UTC"),
    ("Zulu", "Etc/UTC"),
    // United States legacy names (tz `backward`, "US" links).
    ("US/Eastern", "America/New_York"),
    ("US/Central", "America/Chicago"),
    ("US/Mountain", "America/Denver"),
    ("US/Pacific", "America/Los_Angeles"),
    ("US/Arizona", "America/Phoenix"),
    ("US/Hawaii", "Pacific/Honolulu"),
    ("US/East-Indiana", "America/Indiana/Indianapolis"),
    ("America/Indianapolis", "America/Indiana/Indianapolis"),
    ("America/Fort_Wayne", "America/Indiana/Indianapolis"),
    ("US/Samoa", "Pacific/Pago_Pago"),
    ("Pacific/Samoa", "Pacific/Pago_Pago"),
    // Canada legacy names whose zone PagerDuty lists.
    ("Canada/Atlantic", "America/Halifax"),
    ("Canada/Newfoundland", "America/St_Johns"),
    ("Canada/Saskatchewan", "America/Regina"),
    // Latin America legacy names.
    ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
    ("Brazil/East", "America/Sao_Paulo"),
    ("Chile/Continental", "America/Santiago"),
    ("Mexico/General", "America/Mexico_City"),
    ("Mexico/BajaNorte", "America/Tijuana"),
    ("Mexico/BajaSur", "America/Mazatlan"),
    // Asia: old spellings and country-name links.
    ("Asia/Calcutta", "Asia/Kolkata"),
    ("Asia/Katmandu", "Asia/Kathmandu"),
    ("Asia/Ulan_Bator", "Asia/Ulaanbaatar"),
    ("Asia/Dacca", "Asia/Dhaka"),
    ("Asia/Chungking", "Asia/Chongqing"),
    ("Asia/Tel_Aviv", "Asia/Jerusalem"),
    ("Israel", "Asia/Jerusalem"),
    ("Iran", "Asia/Tehran"),
    ("Japan", "Asia/Tokyo"),
    ("ROK", "Asia/Seoul"),
    ("ROC", "Asia/Taipei"),
    ("PRC", "Asia/Shanghai"),
    ("Singapore", "Asia/Singapore"),
    ("Hongkong", "Asia/Hong_Kong"),
    ("Asia/Istanbul", "Europe/Istanbul"),
    ("Turkey", "Europe/Istanbul"),
    // Africa and Europe country-name links.
    ("Egypt", "Africa/Cairo"),
    ("Portugal", "Europe/Lisbon"),
    ("Poland", "Europe/Warsaw"),
    ("Eire", "Europe/Dublin"),
    ("GB", "Europe/London"),
    ("GB-Eire", "Europe/London"),
    ("W-SU", "Europe/Moscow"),
    // Oceania legacy names.
    ("NZ", "Pacific/Auckland"),
    ("NZ-CHAT", "Pacific/Chatham"),
    ("Australia/ACT", "Australia/Sydney"),
    ("Australia/Canberra", "Australia/Sydney"),
    ("Australia/NSW", "Australia/Sydney"),
    ("Australia/Victoria", "Australia/Melbourne"),
    ("Australia/Queensland", "Australia/Brisbane"),
    ("Australia/South", "Australia/Adelaide"),
    ("Australia/North", "Australia/Darwin"),
    ("Australia/West", "Australia/Perth"),
    ("Australia/Tasmania", "Australia/Hobart"),
];

/// The PagerDuty time zone `value` (trimmed) stands for, or `None` when PagerDuty has no
/// equivalent (see the module docs for the three accepted forms).
pub fn resolve(value: &str) -> Option<&'static str> {
    let v = value.trim();
    if let Some(exact) = TIME_ZONES.iter().find(|z| **z == v) {
        return Some(exact);
    }
    if let Some(cased) = TIME_ZONES.iter().find(|z| z.eq_ignore_ascii_case(v)) {
        return Some(cased);
    }
    ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(v))
        .map(|(_, pd)| *pd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::time_zones::is_valid_time_zone;

    #[test]
    fn every_alias_points_at_a_pagerduty_zone_and_no_alias_is_one() {
        for (alias, pd) in ALIASES {
            assert!(is_valid_time_zone(pd), "{alias} -> {pd}");
            assert!(
                !TIME_ZONES.iter().any(|z| z.eq_ignore_ascii_case(alias)),
                "{alias} is already a PagerDuty name"
            );
        }
        let mut keys: Vec<String> = ALIASES.iter().map(|(a, _)| a.to_lowercase()).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "duplicate alias");
    }

    #[test]
    fn pagerduty_names_pass_through_exactly_or_by_case() {
        assert_eq!(resolve("America/New_York"), Some("America/New_York"));
        assert_eq!(resolve(" america/new_york "), Some("America/New_York"));
        assert_eq!(resolve("ETC/UTC"), Some("Etc/UTC"));
    }

    #[test]
    fn documented_aliases_map_to_the_same_zone() {
        assert_eq!(resolve("US/Mountain"), Some("America/Denver"));
        assert_eq!(resolve("Europe/Kyiv"), Some("Europe/Kiev"));
        assert_eq!(resolve("America/Nuuk"), Some("America/Godthab"));
        assert_eq!(resolve("UTC"), Some("Etc/UTC"));
        assert_eq!(resolve("utc"), Some("Etc/UTC"));
        assert_eq!(resolve("Asia/Calcutta"), Some("Asia/Kolkata"));
    }

    #[test]
    fn merged_places_ambiguous_names_and_unknown_zones_are_refused() {
        for v in [
            "GMT",
            "Etc/GMT",
            "Europe/Zaporozhye",
            "Navajo",
            "US/Alaska",
            "Canada/Eastern",
            "Mars/Olympus_Mons",
            "",
            "EST",
        ] {
            assert_eq!(resolve(v), None, "{v}");
        }
    }
}
