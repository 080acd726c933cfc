//! PagerDuty's vocabularies, as tables without I/O: the base and team roles, the 135 time
//! zones the API accepts, the HR spellings that stand for those zones, and the documented
//! limits (rate, pagination, field lengths).
//!
//! Everything here is a fact about PagerDuty (or the tz database) with its source, not a
//! decision of this tool; so the configuration (which checks values against it), the HR
//! reader (which maps time zones), the API models and the simulator may all import it,
//! while it imports nothing of the crate.
//!
//! | module | holds |
//! |---|---|
//! | [`limits`] | [`limits::REQUESTS_PER_MINUTE`] (F27), [`limits::PAGE_LIMIT`] (F9), [`limits::OFFSET_CEILING`] (F10), [`limits::ONCALLS_MAX_DAYS_AHEAD`] (OpenAPI `listOnCalls`), the user fields' lengths (F18), and the rate-limit wait the configuration and the client share by default |
//! | [`roles`] | [`Role`], [`TeamRole`], [`SUSPENDED_ROLES`]; `Role::is_stakeholder` (fact F17) |
//! | [`time_zones`] | [`time_zones::TIME_ZONES`], PagerDuty's 135 identifiers (fact F19), and the exact check |
//! | [`time_zone_aliases`] | HR spellings (`US/Mountain`, `Europe/Kyiv`) of those zones, and [`time_zone_aliases::resolve`] |

pub mod limits;
pub mod roles;
pub mod time_zone_aliases;
pub mod time_zones;

pub use roles::{Role, SUSPENDED_ROLES, TeamRole};
