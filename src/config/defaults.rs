//! The configuration's defaults and bounds, each with its value and the reason for it.
//! README.md § Configuration lists the same values per key; a change here is a change of
//! documented behaviour.

use crate::vocab::limits::{DEFAULT_RATE_LIMIT_WAIT, REQUESTS_PER_MINUTE};

/// Default `[pagerduty] requests_per_minute`: PagerDuty's 960. The client never sends
/// faster than the limit the server advertises minus the burst (950 per minute against
/// PagerDuty, so no 60-second window exceeds 960), and slows down when
/// `ratelimit-remaining` shows another tool spending the same key; 900, the former
/// default, left 6% of the key unused.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = REQUESTS_PER_MINUTE;

/// Largest `[pagerduty] requests_per_minute` validation accepts: 1,000,000, for a
/// simulator with a scaled-up budget. Above PagerDuty's 960 the client logs a warning
/// unless the server advertises as much.
pub const MAX_REQUESTS_PER_MINUTE: u32 = 1_000_000;

/// Default `[pagerduty] concurrency`: 32 requests in flight at most. The cap in force
/// follows the measured latency (rate × latency, Little's law), so only as many are in
/// flight as the rate needs: about 5 at 150 ms, 14 at 600 ms, 22 at 1 s for 950 per minute
/// (README § Rate limit, concurrency and retries).
pub const DEFAULT_CONCURRENCY: usize = 32;

/// Largest `[pagerduty] concurrency` validation accepts: 256 requests in flight.
pub const MAX_CONCURRENCY: usize = 256;

/// Default `[pagerduty] create_concurrency`: 16 overlapping `POST /users` at most. The client
/// starts at 4 and grows toward this ceiling while creates succeed, halving when
/// PagerDuty's transient account lock (fact F30) becomes frequent. 16 leaves room above the
/// about 10 creates that must overlap to spend 950 requests per minute at 1 s latency (1.5
/// requests per hire when half the hires join a team).
pub const DEFAULT_CREATE_CONCURRENCY: usize = 16;

/// Largest `[pagerduty] create_concurrency` validation accepts: 64.
pub const MAX_CREATE_CONCURRENCY: usize = 64;

/// Default `[pagerduty] rate_limit_wait_seconds`: the whole run may spend 600 seconds (ten
/// of PagerDuty's one-minute windows) paused by 429s before a 429 fails its request; the
/// client's own default, [`DEFAULT_RATE_LIMIT_WAIT`], in seconds.
pub const DEFAULT_RATE_LIMIT_WAIT_SECONDS: u64 = DEFAULT_RATE_LIMIT_WAIT.as_secs();

/// Largest `[pagerduty] rate_limit_wait_seconds` validation accepts: a day (the smallest
/// is 1).
pub const MAX_RATE_LIMIT_WAIT_SECONDS: u64 = 86_400;

/// Default `[pagerduty] burst`: 10 requests may go out back to back after a quiet spell.
/// The client keeps the advertised limit minus the burst per window, so the burst never
/// takes a window past it.
pub const DEFAULT_BURST: u32 = 10;

/// Largest `[pagerduty] burst` validation accepts: 60 requests (the client uses at most a
/// tenth of the advertised limit).
pub const MAX_BURST: u32 = 60;

/// Default `[pagerduty] request_timeout_seconds`: 30 seconds for one HTTP request
/// (connect, send, read the answer).
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u64 = 30;

/// Largest `[pagerduty] request_timeout_seconds` validation accepts: 300 seconds (the
/// smallest is 1).
pub const MAX_REQUEST_TIMEOUT_SECONDS: u64 = 300;

/// Default API base URL when neither `--api-url`, `PAGERDUTY_API_URL` nor
/// `[pagerduty] api_url` sets one: PagerDuty's US service region (fact F1).
pub const DEFAULT_API_URL: &str = "https://api.pagerduty.com";

/// Default `[safety] max_invalid_rows_percent`: 5 percent of rows may fail validation
/// before the export is refused as broken (a few bad rows are normal; many mean a broken
/// export passing as a smaller one).
pub const DEFAULT_MAX_INVALID_ROWS_PERCENT: f64 = 5.0;

/// Default `[safety] max_deactivations`: 25 users; a normal night has a handful of
/// leavers, a bad export deactivates many.
pub const DEFAULT_MAX_DEACTIVATIONS: usize = 25;

/// Default `[safety] max_deactivation_percent`: 10 percent of managed users, checked only
/// above [`PERCENT_CAPS_MIN_USERS`] managed users.
pub const DEFAULT_MAX_DEACTIVATION_PERCENT: f64 = 10.0;

/// Default `[safety] max_reactivations`: 25 users; a status value mapped to the wrong
/// state brings many leavers back at once.
pub const DEFAULT_MAX_REACTIVATIONS: usize = 25;

/// Default `[safety] max_reactivation_percent`: 10 percent of managed users, checked only
/// above [`PERCENT_CAPS_MIN_USERS`] managed users.
pub const DEFAULT_MAX_REACTIVATION_PERCENT: f64 = 10.0;

/// Default `[safety] max_role_changes`: 25 updates that change a base role; more usually
/// means a rule or a department mapping gone wrong.
pub const DEFAULT_MAX_ROLE_CHANGES: usize = 25;

/// Default `[safety] max_role_change_percent`: 10 percent of managed users, checked only
/// above [`PERCENT_CAPS_MIN_USERS`] managed users.
pub const DEFAULT_MAX_ROLE_CHANGE_PERCENT: f64 = 10.0;

/// Default `[safety] max_deletions`: 10 users deleted in one run at most. A deletion cannot
/// be undone in PagerDuty (the user's ID, schedules and history go, fact F21, F24): only the
/// archive brings a rehire back, under a new ID, so the cap is lower than for suspensions.
pub const DEFAULT_MAX_DELETIONS: usize = 10;

/// Smallest `[lifecycle] delete_suspended_after_days`: 1 day (with 0 a suspension would be
/// a deletion a run later; `deactivate = "delete"` says that directly).
pub const MIN_DELETE_SUSPENDED_AFTER_DAYS: u32 = 1;

/// Default `[safety] max_shrink_percent`: refuse when the export's active employees are 10
/// percent or more below the active users the job manages (a truncated export that still
/// parses, or a status column that stopped saying "active").
pub const DEFAULT_MAX_SHRINK_PERCENT: f64 = 10.0;

/// Default `[safety] max_probable_duplicates`: 5 planned creates whose name equals that of
/// an existing PagerDuty user no HR row matched. A wrong `email_template` or a changed email
/// domain on a first sync would create hundreds of duplicate people, each sent an
/// invitation; a handful of namesakes is normal.
pub const DEFAULT_MAX_PROBABLE_DUPLICATES: usize = 5;

/// Default `[safety] max_identity_conflicts`: 5 HR rows skipped because the user their
/// email finds carries a marker naming another employee ID. A rehire under a new ID is
/// rare; many such rows mean the employee IDs were renumbered (a new HR system, a prefix
/// added), and a run would then match nobody and offboard nobody.
pub const DEFAULT_MAX_IDENTITY_CONFLICTS: usize = 5;

/// Default `[safety] max_identity_conflict_percent`: 10 percent of managed users, checked
/// only above [`PERCENT_CAPS_MIN_USERS`] managed users, like the other percentage caps.
pub const DEFAULT_MAX_IDENTITY_CONFLICT_PERCENT: f64 = 10.0;

/// Default `[safety] max_rekeys`: 25 markers re-keyed to a new employee ID in one run
/// (`--rekey-employee-ids`); like the other change caps, more needs `--allow-rekeys N`.
pub const DEFAULT_MAX_REKEYS: usize = 25;

/// Default `[safety] max_rekey_percent`: 10 percent of managed users, checked only above
/// [`PERCENT_CAPS_MIN_USERS`] managed users.
pub const DEFAULT_MAX_REKEY_PERCENT: f64 = 10.0;

/// The percentage caps of `[safety]` (the shrink check included) apply only above 50
/// managed users: in a small account one leaver is already a large share, and the count
/// caps (`max_deactivations` and the like) protect it.
pub const PERCENT_CAPS_MIN_USERS: usize = 50;

/// Default `[lifecycle] provision_days_before_start`: 0 days, so a future hire is created on
/// the hire date itself (an account that exists before its owner starts receives its
/// invitation email early and is one more account to watch).
pub const DEFAULT_PROVISION_DAYS_BEFORE_START: u32 = 0;

/// Largest `[lifecycle] provision_days_before_start` validation accepts: 365 days (the
/// smallest is 0). A hire date further ahead than a year is more likely a typo than a plan.
pub const MAX_PROVISION_DAYS_BEFORE_START: u32 = 365;
/// Default `[lifecycle] termination_catch_up_days`: a termination date up to 30 days old on
/// a row the status still calls active is a scheduled termination still due, not a
/// conflict, so that a termination blocked by on-call duties, refused by a safety cap, or
/// missed (a night the job did not run, a crash) on its date is applied on a later night
/// instead of turning into a leaver silently kept.
pub const DEFAULT_TERMINATION_CATCH_UP_DAYS: u32 = 30;

/// Largest `[lifecycle] termination_catch_up_days` validation accepts: 365 days (the
/// smallest is 0, which makes every past termination date on an active row a conflict).
pub const MAX_TERMINATION_CATCH_UP_DAYS: u32 = 365;

/// Largest `[lifecycle] oncall_lookahead_days` validation accepts (the smallest is 1):
/// PagerDuty's limit, [`crate::vocab::limits::ONCALLS_MAX_DAYS_AHEAD`] (90 days).
pub const MAX_ONCALL_LOOKAHEAD_DAYS: u32 = crate::vocab::limits::ONCALLS_MAX_DAYS_AHEAD;
