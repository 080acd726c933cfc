//! The 135 time zone identifiers PagerDuty accepts for a user's `time_zone`.
//!
//! Source: PagerDuty developer docs, "Types" § Time Zone
//! (<https://developer.pagerduty.com/docs/1afe25e9c94cb-types#time-zone>), saved as
//! `../shared/reference/pagerduty-time-zones.txt` (fact F19 in
//! `../shared/reference/PAGERDUTY_API.md`). Other IANA names, such as `US/Mountain`, are
//! rejected by the API with "is not a valid tzinfo identifier".

/// Every time zone identifier PagerDuty accepts, sorted as in PagerDuty's documentation.
pub const TIME_ZONES: &[&str] = &[
    "Africa/Algiers",
    "Africa/Cairo",
    "Africa/Casablanca",
    "Africa/Harare",
    "Africa/Johannesburg",
    "Africa/Monrovia",
    "Africa/Nairobi",
    "America/Argentina/Buenos_Aires",
    "America/Bogota",
    "America/Caracas",
    "America/Chicago",
    "America/Chihuahua",
    "America/Denver",
    "America/Godthab",
    "America/Guatemala",
    "America/Guyana",
    "America/Halifax",
    "America/Indiana/Indianapolis",
    "America/Juneau",
    "America/La_Paz",
    "America/Lima",
    "America/Los_Angeles",
    "America/Mazatlan",
    "America/Mexico_City",
    "America/Monterrey",
    "America/Montevideo",
    "America/New_York",
    "America/Phoenix",
    "America/Puerto_Rico",
    "America/Regina",
    "America/Santiago",
    "America/Sao_Paulo",
    "America/St_Johns",
    "America/Tijuana",
    "Asia/Almaty",
    "Asia/Baghdad",
    "Asia/Baku",
    "Asia/Bangkok",
    "Asia/Chongqing",
    "Asia/Colombo",
    "Asia/Dhaka",
    "Asia/Hong_Kong",
    "Asia/Irkutsk",
    "Asia/Jakarta",
    "Asia/Jerusalem",
    "Asia/Kabul",
    "Asia/Kamchatka",
    "Asia/Karachi",
    "Asia/Kathmandu",
    "Asia/Kolkata",
    "Asia/Krasnoyarsk",
    "Asia/Kuala_Lumpur",
    "Asia/Kuwait",
    "Asia/Magadan",
    "Asia/Muscat",
    "Asia/Novosibirsk",
    "Asia/Rangoon",
    "Asia/Riyadh",
    "Asia/Seoul",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Srednekolymsk",
    "Asia/Taipei",
    "Asia/Tashkent",
    "Asia/Tbilisi",
    "Asia/Tehran",
    "Asia/Tokyo",
    "Asia/Ulaanbaatar",
    "Asia/Urumqi",
    "Asia/Vladivostok",
    "Asia/Yakutsk",
    "Asia/Yekaterinburg",
    "Asia/Yerevan",
    "Atlantic/Azores",
    "Atlantic/Cape_Verde",
    "Atlantic/South_Georgia",
    "Australia/Adelaide",
    "Australia/Brisbane",
    "Australia/Darwin",
    "Australia/Hobart",
    "Australia/Melbourne",
    "Australia/Perth",
    "Australia/Sydney",
    "Etc/GMT+12",
    "Etc/UTC",
    "Europe/Amsterdam",
    "Europe/Athens",
    "Europe/Belgrade",
    "Europe/Berlin",
    "Europe/Bratislava",
    "Europe/Brussels",
    "Europe/Bucharest",
    "Europe/Budapest",
    "Europe/Copenhagen",
    "Europe/Dublin",
    "Europe/Helsinki",
    "Europe/Istanbul",
    "Europe/Kaliningrad",
    "Europe/Kiev",
    "Europe/Lisbon",
    "Europe/Ljubljana",
    "Europe/London",
    "Europe/Madrid",
    "Europe/Minsk",
    "Europe/Moscow",
    "Europe/Paris",
    "Europe/Prague",
    "Europe/Riga",
    "Europe/Rome",
    "Europe/Samara",
    "Europe/Sarajevo",
    "Europe/Skopje",
    "Europe/Sofia",
    "Europe/Stockholm",
    "Europe/Tallinn",
    "Europe/Vienna",
    "Europe/Vilnius",
    "Europe/Volgograd",
    "Europe/Warsaw",
    "Europe/Zagreb",
    "Europe/Zurich",
    "Pacific/Apia",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Pacific/Fakaofo",
    "Pacific/Fiji",
    "Pacific/Guadalcanal",
    "Pacific/Guam",
    "Pacific/Honolulu",
    "Pacific/Majuro",
    "Pacific/Midway",
    "Pacific/Noumea",
    "Pacific/Pago_Pago",
    "Pacific/Port_Moresby",
    "Pacific/Tongatapu",
];

/// True when `name` is one of PagerDuty's accepted time zone identifiers (exact,
/// case-sensitive match, as the API compares them).
pub fn is_valid_time_zone(name: &str) -> bool {
    TIME_ZONES.contains(&name)
}

/// The calendar date at `instant` in the time zone `name` (an IANA identifier, such as any
/// of [`TIME_ZONES`]), from the tz database that the `chrono-tz` crate compiles in; `None`
/// when the database has no zone of that name. hr2pagerduty's "today" is this date for
/// `[lifecycle] default_time_zone` (README § Dated changes).
pub fn date_in(name: &str, instant: chrono::DateTime<chrono::Utc>) -> Option<chrono::NaiveDate> {
    let tz: chrono_tz::Tz = name.parse().ok()?;
    Some(instant.with_timezone(&tz).date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_has_the_documented_135_unique_names() {
        let mut names: Vec<&str> = TIME_ZONES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 135);
    }

    #[test]
    fn accepts_pagerduty_names_and_rejects_other_iana_names() {
        assert!(is_valid_time_zone("America/New_York"));
        assert!(is_valid_time_zone("Europe/Kiev"));
        assert!(!is_valid_time_zone("US/Mountain"));
        assert!(!is_valid_time_zone("Europe/Kyiv"));
        assert!(!is_valid_time_zone("america/new_york"));
    }

    #[test]
    fn every_pagerduty_zone_is_in_the_tz_database() {
        let now = chrono::Utc::now();
        let missing: Vec<&str> = TIME_ZONES
            .iter()
            .copied()
            .filter(|z| date_in(z, now).is_none())
            .collect();
        assert!(missing.is_empty(), "{missing:?}");
        assert_eq!(date_in("Not/AZone", now), None);
    }

    #[test]
    fn the_date_depends_on_the_zone() {
        use chrono::TimeZone;
        // 2026-12-03 10:30 UTC is already 2026-12-03 23:30 in Auckland (UTC+13 in
        // summer) but still 2026-12-03 02:30 in Los Angeles; 23:30 UTC is the next day in
        // Auckland and the same day in Los Angeles.
        let morning = chrono::Utc
            .with_ymd_and_hms(2026, 12, 3, 10, 30, 0)
            .unwrap();
        let night = chrono::Utc
            .with_ymd_and_hms(2026, 12, 3, 23, 30, 0)
            .unwrap();
        let d = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(date_in("Pacific/Auckland", morning), Some(d(2026, 12, 3)));
        assert_eq!(date_in("Pacific/Auckland", night), Some(d(2026, 12, 4)));
        assert_eq!(date_in("America/Los_Angeles", night), Some(d(2026, 12, 3)));
        let early = chrono::Utc.with_ymd_and_hms(2026, 12, 3, 3, 0, 0).unwrap();
        assert_eq!(date_in("America/Los_Angeles", early), Some(d(2026, 12, 2)));
    }
}
