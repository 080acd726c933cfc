//! The PagerDuty REST API v2 client (placeholder; owned by the client helper).
pub mod models;
pub mod time_zones;
