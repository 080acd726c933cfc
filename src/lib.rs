//! hr2pagerduty: provision PagerDuty users from an HR system's CSV export.
//!
//! Every night an HR system exports its employees. hr2pagerduty reads the export, lists the
//! users of a PagerDuty account (REST API v2), computes the difference and applies it:
//! it creates new hires, updates movers, suspends leavers and reactivates rehires, and gives
//! each person the base role and team roles that configured rules assign.
//!
//! Data flows one way:
//!
//! [`config`] → [`hr`] (CSV rows to validated employees) → [`pagerduty`] (the client:
//! listing, writes, retries, the shared limiter) → [`observe`] (reads from PagerDuty what a
//! plan needs) → [`plan`] (pure: employees + users + policy → actions, each with its
//! reason) → [`apply`] (executes a plan) → [`report`] (text and JSON for people and
//! machines). [`saved_plan`] holds the `plan --out` file format and its checks, beside the
//! planner. [`commands`] sits on top: one file per command, printing through a
//! [`printer::Printer`]; [`cli`] is the command line and [`exit`] the documented exit codes.
//! [`pipeline`] wires the stages from the inputs to a plan once, for the commands, tests
//! and benches (the client's configuration, today, the archive, the observe-and-plan loop).
//! [`archive`] is the one piece of local state: the deletion archive the planner reads and
//! `apply` appends to. [`sim`], a PagerDuty simulator for tests and the demo, shares only
//! [`pagerduty::models`], [`ids`] and [`vocab`] with the rest. [`vocab`] holds PagerDuty's
//! vocabularies without I/O (base and team roles, time zones), which config, hr, the client
//! and the simulator all read.
//!
//! Small shared pieces: [`ids`] (ID newtypes), [`email`], [`marker`] (the ownership
//! marker), [`oncall`] (what a leaver holds on call, and whether that blocks taking them
//! away; read by observe, plan, apply, report and saved plans), [`digest`] (SHA-256),
//! [`progress`] (the progress bars on stderr), [`words`] (the plural of a counted word), [`quote`] (input echoed in messages at a
//! bounded length), [`notify`] (the run summary `apply` POSTs to a chat webhook), [`doctor`]
//! (the checks of the `doctor` command, judged from what [`observe`] read).
#![deny(missing_docs)]

pub mod apply;
#[cfg(test)]
mod architecture;
pub mod archive;
pub mod cli;
pub mod commands;
pub mod config;
pub mod digest;
pub mod doctor;
pub mod email;
pub mod exit;
pub mod hr;
pub mod ids;
pub mod marker;
pub mod notify;
pub mod observe;
pub mod oncall;
pub mod pagerduty;
pub mod pipeline;
pub mod plan;
pub mod printer;
pub mod progress;
pub mod quote;
pub mod report;
pub mod saved_plan;
pub mod sim;
pub mod vocab;
pub mod words;
