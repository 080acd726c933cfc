//! The PagerDuty simulator over real HTTP on 127.0.0.1: its endpoints and rules, its fault
//! injection (scripted and random), its answers checked against PagerDuty's OpenAPI
//! document, and its speed with 25,000 users.

#[path = "../support/mod.rs"]
mod support;

mod api;
mod faults;
mod openapi;
mod random;
mod scale;
