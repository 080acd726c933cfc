//! PagerDuty simulator (placeholder; owned by the sim helper).
