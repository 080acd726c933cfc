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
    /// How many of `found` are vocabulary problems ([`Problems::vocabulary`]).
    vocabulary: usize,
}

impl<'t> Problems<'t> {
    fn new(text: &'t str) -> Problems<'t> {
        Problems {
            text,
            found: Vec::new(),
            vocabulary: 0,
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

    /// Records a problem at `span` that is only a name outside PagerDuty's vocabulary (a
    /// time zone, a base or team role it does not know): `doctor` shows these as its
    /// vocabulary check's failure instead of refusing the file ([`config_keeping_vocabulary`]).
    pub(super) fn vocabulary(&mut self, key: &str, span: Range<usize>, message: String) {
        self.at(key, span, message);
        self.vocabulary += 1;
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
    let (cfg, problems) = resolve(file, text, path);
    if problems.found.is_empty() {
        Ok(cfg)
    } else {
        Err(problems.found)
    }
}

/// As [`config`], but a file whose only problems are names outside PagerDuty's vocabulary
/// (recorded with [`Problems::vocabulary`]) resolves, with those names kept as written
/// (`Role::Other`, the time zone verbatim), and its problems are returned beside it: what
/// `doctor` needs to show them as a failed check and still run the others.
///
/// # Errors
/// Every problem found, when one of them is not a vocabulary problem.
pub(super) fn config_keeping_vocabulary(
    file: File,
    text: &str,
    path: &Path,
) -> Result<(Config, Vec<ConfigProblem>), Vec<ConfigProblem>> {
    let (cfg, problems) = resolve(file, text, path);
    if problems.vocabulary == problems.found.len() {
        Ok((cfg, problems.found))
    } else {
        Err(problems.found)
    }
}

/// Every section checked and resolved, with the problems found.
fn resolve<'t>(file: File, text: &'t str, path: &Path) -> (Config, Problems<'t>) {
    let mut problems = Problems::new(text);
    let pagerduty = pagerduty::check(&file.pagerduty, &mut problems);
    let hr = hr::check(&file.hr, &mut problems);
    let lifecycle = lifecycle::check(&file.lifecycle, path, &mut problems);
    let available = hr.rule_fields();
    let roles = rules::check_roles(&file.roles, &available, &mut problems);
    let teams = rules::check_teams(&file.teams, &available, &mut problems);
    let safety = safety::check(&file.safety, path, &mut problems);
    let notify = check_notify(&file.notify, &mut problems);
    let cfg = Config {
        pagerduty,
        hr,
        lifecycle,
        roles,
        teams,
        safety,
        notify,
        path: path.to_path_buf(),
    };
    (cfg, problems)
}

/// `[notify] url`: the API URL's policy ([`NotifyUrl::parse`](crate::config::NotifyUrl::parse)); the message never
/// repeats the URL, a secret.
fn check_notify(table: &NotifyTable, p: &mut Problems<'_>) -> NotifyConfig {
    let url = table.url.as_ref().and_then(|u| {
        match super::connection::NotifyUrl::parse(u.get_ref(), "[notify] url") {
            Ok(url) => Some(url),
            Err(e) => {
                p.at("notify.url", u.span(), e);
                None
            }
        }
    });
    NotifyConfig { url }
}
