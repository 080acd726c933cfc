//! HR input: reading exports (encodings, delimiters, structural damage, row problems) into
//! validated employees, the real public exports of `../shared/data/hr`, and the rules that
//! `validate` checks offline.

#[path = "../support/mod.rs"]
mod support;

mod integrity;
mod real;
mod rows;
mod sizes;
mod validate_rules;
