//! The PagerDuty simulator over real HTTP on 127.0.0.1: its endpoints and rules, its fault
//! injection, and its answers checked against PagerDuty's OpenAPI document.

#[path = "../support/mod.rs"]
mod support;

mod api;
mod faults;
mod openapi;
