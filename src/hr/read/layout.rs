//! The configured column mapping (`[hr.columns]`, `[hr.attributes]`) resolved against one
//! export's header: which position holds each field, and the header problems that stop a
//! read (a missing column, a one-column header that uses another delimiter).

use crate::config::{HrConfig, NameOrder};
use crate::hr::{HrError, Lifecycle};
use crate::quote::{head, quoted};
use std::collections::HashMap;

/// The most characters of a one-column header that [`HrError::Delimiter`] quotes: 120,
/// enough to show the delimiter the file does use.
const HEADER_CHARS: usize = 120;

/// Where the names come from.
pub(super) enum Names {
    Split { first: usize, last: usize },
    Full { column: usize, order: NameOrder },
}

/// Where the email comes from.
pub(super) enum EmailSource {
    Column(usize),
    Template(String),
}

/// The configured mapping resolved against one header.
pub(super) struct Layout {
    pub(super) header: Vec<String>,
    pub(super) employee_id: usize,
    pub(super) email: EmailSource,
    pub(super) names: Names,
    pub(super) status: Option<usize>,
    pub(super) status_map: HashMap<String, Lifecycle>,
    pub(super) job_title: Option<usize>,
    pub(super) department: Option<usize>,
    pub(super) time_zone: Option<usize>,
    pub(super) hire_date: Option<usize>,
    pub(super) termination_date: Option<usize>,
    pub(super) date_format: Option<String>,
    pub(super) attributes: Vec<(String, usize)>,
}

fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quoted(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The delimiter a one-column header most likely uses instead of `configured`, as the
/// value `[hr] delimiter` takes.
fn guess_delimiter(header: &str, configured: u8) -> Option<&'static str> {
    [(b',', ","), (b';', ";"), (b'\t', "tab"), (b'|', "|")]
        .into_iter()
        .filter(|(b, _)| *b != configured)
        .map(|(b, name)| (header.bytes().filter(|c| *c == b).count(), name))
        .filter(|(n, _)| *n > 0)
        .max_by_key(|(n, _)| *n)
        .map(|(_, name)| name)
}

impl Layout {
    /// Resolves every mapped header (`[hr.columns]` and `[hr.attributes]`) in `header`
    /// (names already trimmed).
    ///
    /// # Errors
    /// [`HrError::Delimiter`] when the header is one column, several are mapped and another
    /// delimiter occurs in it; [`HrError::MissingColumn`] / [`HrError::DuplicateColumn`]
    /// for the first mapped header found zero or several times.
    pub(super) fn resolve(header: Vec<String>, hr: &HrConfig) -> Result<Layout, HrError> {
        let cols = &hr.columns;
        let mut wanted: Vec<(String, String)> = cols
            .mapped()
            .into_iter()
            .map(|(f, h)| (format!("hr.columns.{f}"), h.trim().to_string()))
            .collect();
        wanted.extend(
            hr.attributes
                .iter()
                .map(|(name, h)| (format!("hr.attributes.{name}"), h.trim().to_string())),
        );
        let distinct: std::collections::BTreeSet<&str> =
            wanted.iter().map(|(_, h)| h.as_str()).collect();
        if header.len() == 1
            && distinct.len() > 1
            && let Some(guess) = guess_delimiter(&header[0], hr.delimiter)
        {
            return Err(HrError::Delimiter {
                header: head(&header[0], HEADER_CHARS).to_string(),
                guess: guess.to_string(),
            });
        }
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (field, want) in &wanted {
            let positions: Vec<usize> = header
                .iter()
                .enumerate()
                .filter(|(_, h)| *h == want)
                .map(|(i, _)| i)
                .collect();
            match positions.len() {
                1 => {
                    index.insert(field.as_str(), positions[0]);
                }
                0 => {
                    return Err(HrError::MissingColumn {
                        field: field.clone(),
                        header: want.clone(),
                        found: quoted_list(&header),
                    });
                }
                count => {
                    return Err(HrError::DuplicateColumn {
                        field: field.clone(),
                        header: want.clone(),
                        count,
                        found: quoted_list(&header),
                    });
                }
            }
        }
        let col = |f: &str| index.get(format!("hr.columns.{f}").as_str()).copied();
        let names = match (col("full_name"), col("first_name"), col("last_name")) {
            (Some(column), _, _) => Names::Full {
                column,
                order: hr.name_order,
            },
            (None, Some(first), Some(last)) => Names::Split { first, last },
            // Validation refuses a mapping without names; read the ID column as a
            // name-less export so every row reports MissingName rather than panicking.
            _ => Names::Full {
                column: usize::MAX,
                order: NameOrder::FirstLast,
            },
        };
        let email = match (col("email"), &hr.email_template) {
            (Some(i), _) => EmailSource::Column(i),
            (None, Some(t)) => EmailSource::Template(t.clone()),
            (None, None) => EmailSource::Column(usize::MAX),
        };
        let mut status_map = HashMap::new();
        for (state, values) in [
            (Lifecycle::Active, &hr.status.active),
            (Lifecycle::Terminated, &hr.status.terminated),
            (Lifecycle::Pending, &hr.status.pending),
            (Lifecycle::OnLeave, &hr.status.leave),
        ] {
            for v in values {
                status_map.insert(v.trim().to_lowercase(), state);
            }
        }
        let attributes = hr
            .attributes
            .keys()
            .map(|name| {
                (
                    name.clone(),
                    index[format!("hr.attributes.{name}").as_str()],
                )
            })
            .collect();
        Ok(Layout {
            employee_id: col("employee_id").unwrap_or(usize::MAX),
            email,
            names,
            status: col("status"),
            status_map,
            job_title: col("job_title"),
            department: col("department"),
            time_zone: col("time_zone"),
            hire_date: col("hire_date"),
            termination_date: col("termination_date"),
            date_format: hr.date_format.clone(),
            attributes,
            header,
        })
    }

    /// Number of columns in the header.
    pub(super) fn width(&self) -> usize {
        self.header.len()
    }

    /// The header names, trimmed.
    pub(super) fn header(&self) -> &[String] {
        &self.header
    }

    /// The employee ID column's header name.
    pub(super) fn id_column(&self) -> &str {
        self.name(self.employee_id)
    }

    /// Where the email comes from, for messages: `column ADEmail` or `[hr] email_template`.
    pub(super) fn email_origin(&self) -> EmailOrigin<'_> {
        match &self.email {
            EmailSource::Column(i) => EmailOrigin::Column(self.name(*i)),
            EmailSource::Template(_) => EmailOrigin::Template,
        }
    }

    /// The header name of column `i` (`?` past the header's end).
    pub(super) fn name(&self, i: usize) -> &str {
        self.header.get(i).map_or("?", String::as_str)
    }
}

/// Where a row's email comes from, for messages ([`Layout::email_origin`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EmailOrigin<'a> {
    /// The mapped email column, by its header.
    Column(&'a str),
    /// Built by `[hr] email_template` from the names.
    Template,
}

impl std::fmt::Display for EmailOrigin<'_> {
    /// `column ADEmail` or `[hr] email_template`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EmailOrigin::Column(header) => write!(f, "column {header}"),
            EmailOrigin::Template => f.write_str("[hr] email_template"),
        }
    }
}
