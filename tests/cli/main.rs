//! The real binary end to end against the simulator: the demo, every command's output
//! (snapshots), the real exports, failures and recovery, and the safety checks (input
//! integrity, thresholds, saved plans, apply-time re-checks), the on-call checks of
//! deactivations, `sandbox` with fault flags, and the deactivation modes (deletion, the
//! archive, rehires restored from it), the samples README's walk-through uses
//! (`samples/real/*.seed.json` with their configurations, `samples/config.toml`), and the
//! explainable, coloured plan with its invitation counts.

#[path = "../support/mod.rs"]
mod support;

mod crash;
mod dated;
mod delete;
mod demo;
mod deploy;
mod doctor;
mod explain;
mod failures;
mod formats;
mod generate;
mod identity;
mod key_file;
mod leak;
mod listing;
mod logging;
mod marker_binding;
mod marker_integrity;
mod marker_key_file;
mod marker_takeover;
mod newuser;
mod notify;
mod oncall;
mod oncall_layers;
mod output;
mod ownership;
mod real;
mod recovery;
mod safety_apply_time;
mod safety_input;
mod safety_saved_plan;
mod safety_thresholds;
mod samples;
mod sandbox;
mod snapshots;
mod stops;
