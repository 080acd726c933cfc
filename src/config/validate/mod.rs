//! The checks serde cannot make, one function per section, each turning its table of the
//! [`schema`](super::schema) into the span-free [`resolved`](super::resolved) section and
//! recording every problem with its key and line.
//!
//! Sections are checked in file order (`[pagerduty]`, `[hr]`, `[lifecycle]`, `[roles]`,
//! `[teams]`, `[safety]`, `[notify]`) and every problem is collected, so one run lists them all. A
//! section function always returns its resolved value; [`config`] discards them all when
//! any problem was found.

mod hr;
mod lifecycle;
mod pagerduty;
mod rules;
mod safety;

use super::error::ConfigProblem;
use super::resolved::{Config, NotifyConfig};
use super::schema::File;
use super::schema::NotifyTable;
use std::ops::Range;
use std::path::Path;

/// The problems found so far, with the source text that turns byte spans into lines.
pub(super) struct Problems<'t> {
    text: &'t str,
    found: Vec<ConfigProblem>,
}

impl<'t> Problems<'t> {
    fn new(text: &'t str) -> Problems<'t> {
        Problems {
            text,
            found: Vec::new(),
        }
    }

    /// The 1-based line where `span` (a byte range of the source) starts.
    pub(super) fn line_of(&self, span: Range<usize>) -> usize {
        self.text[..span.start.min(self.text.len())]
            .matches('\n')
            .count()
            + 1
    }

    /// Records a problem at `span` (a byte range of the source). The empty span `0..0`,
    /// which defaulted values carry, has no line.
    pub(super) fn at(&mut self, key: &str, span: Range<usize>, message: String) {
        let line = if span.is_empty() && span.start == 0 {
            None
        } else {
            Some(self.line_of(span))
        };
        self.found.push(ConfigProblem {
            key: key.to_string(),
            line,
            message,
        });
    }

    /// Records a problem whose value carries no span (plain serde fields).
    pub(super) fn unplaced(&mut self, key: &str, message: String) {
        self.at(key, 0..0, message);
    }
}

/// Checks every section of `file` (parsed from `text`, read from `path`) and resolves it.
///
/// # Errors
/// Every problem found, in section order, each with its key and, when known, its line.
pub(super) fn config(file: File, text: &str, path: &Path) -> Result<Config, Vec<ConfigProblem>> {
    let mut problems = Problems::new(text);
    let pagerduty = pagerduty::check(&file.pagerduty, &mut problems);
    let hr = hr::check(&file.hr, &mut problems);
    let lifecycle = lifecycle::check(&file.lifecycle, path, &mut problems);
    let available = hr.rule_fields();
    let roles = rules::check_roles(&file.roles, &available, &mut problems);
    let teams = rules::check_teams(&file.teams, &available, &mut problems);
    let safety = safety::check(&file.safety, path, &mut problems);
    let notify = check_notify(&file.notify, &mut problems);
    if !problems.found.is_empty() {
        return Err(problems.found);
    }
    Ok(Config {
        pagerduty,
        hr,
        lifecycle,
        roles,
        teams,
        safety,
        notify,
        path: path.to_path_buf(),
    })
}

/// `[notify] url`: the API URL's policy ([`NotifyUrl::parse`](crate::config::NotifyUrl::parse)); the message never
/// repeats the URL, a secret.
fn check_notify(table: &NotifyTable, p: &mut Problems<'_>) -> NotifyConfig {
    let url =
        table
            .url
            .as_ref()
            .and_then(|u| match super::connection::NotifyUrl::parse(u.get_ref()) {
                Ok(url) => Some(url),
                Err(e) => {
                    p.at("notify.url", u.span(), e);
                    None
                }
            });
    NotifyConfig { url }
}
