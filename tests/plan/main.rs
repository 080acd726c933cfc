//! The library's pipeline below the command line against the simulator: observing an
//! account (its on-call duties included), planning from it and applying the plan, with the
//! outcome of each action.

#[path = "../support/mod.rs"]
mod support;

mod faults;
mod oncall;
mod outcomes;
