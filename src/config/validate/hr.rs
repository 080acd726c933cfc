//! `[hr]`, `[hr.columns]`, `[hr.status]` and `[hr.attributes]`: how the export is read.

use super::Problems;
use crate::config::resolved::{HrConfig, RULE_FIELDS};
use crate::config::schema::HrTable;
use std::collections::BTreeMap;

/// The `[hr] delimiter` values accepted, and the byte each stands for.
const DELIMITERS: [(&str, u8); 5] = [
    (",", b','),
    (";", b';'),
    ("|", b'|'),
    ("\t", b'\t'),
    ("tab", b'\t'),
];

/// Checks `[hr]`: the delimiter; exactly one email source (a column or a template with
/// only `{first}`/`{last}` and an `@`); names as first + last or one full name
/// (`name_order` only with the latter); no header mapped twice; a strict date format
/// whenever a date column is mapped; status values listed under one state only, and only
/// with a status column; attribute names that are not built-in fields.
pub(super) fn check(hr: &HrTable, p: &mut Problems<'_>) -> HrConfig {
    let delimiter = match &hr.delimiter {
        None => b',',
        Some(d) => match DELIMITERS.iter().find(|(s, _)| *s == d.get_ref().as_str()) {
            Some((_, b)) => *b,
            None => {
                p.at(
                    "hr.delimiter",
                    d.span(),
                    format!("{:?} is not one of \",\" \";\" \"|\" \"tab\"", d.get_ref()),
                );
                b','
            }
        },
    };
    let cols = hr.columns.get_ref();
    let cols_span = hr.columns.span();
    if cols.employee_id.trim().is_empty() {
        p.at(
            "hr.columns.employee_id",
            cols_span.clone(),
            "must name the employee ID column".into(),
        );
    }
    match (&cols.email, &hr.email_template) {
        (Some(_), Some(t)) => p.at(
            "hr.email_template",
            t.span(),
            "set either hr.columns.email or hr.email_template, not both".into(),
        ),
        (None, None) => p.at(
            "hr.columns.email",
            cols_span.clone(),
            "map an email column, or set hr.email_template for exports without one".into(),
        ),
        (None, Some(t)) => {
            let tpl = t.get_ref();
            if !tpl.contains('@') || !(tpl.contains("{first}") || tpl.contains("{last}")) {
                p.at(
                    "hr.email_template",
                    t.span(),
                    format!("{tpl:?} needs an @ and at least one of {{first}} {{last}}"),
                );
            }
            let stripped = tpl.replace("{first}", "").replace("{last}", "");
            if stripped.contains('{') || stripped.contains('}') {
                p.at(
                    "hr.email_template",
                    t.span(),
                    format!("{tpl:?} has a placeholder other than {{first}} and {{last}}"),
                );
            }
        }
        (Some(_), None) => {}
    }
    let split_names = cols.first_name.is_some() || cols.last_name.is_some();
    match (split_names, &cols.full_name) {
        (true, Some(_)) => p.at(
            "hr.columns.full_name",
            cols_span.clone(),
            "map first_name and last_name, or full_name, not both".into(),
        ),
        (false, None) => p.at(
            "hr.columns",
            cols_span.clone(),
            "map first_name and last_name, or full_name".into(),
        ),
        (true, None) if cols.first_name.is_none() || cols.last_name.is_none() => p.at(
            "hr.columns",
            cols_span.clone(),
            "first_name and last_name must both be mapped".into(),
        ),
        _ => {}
    }
    if hr.name_order.is_some() && cols.full_name.is_none() {
        p.unplaced(
            "hr.name_order",
            "applies only with hr.columns.full_name".into(),
        );
    }
    let mut seen_headers: BTreeMap<String, &str> = BTreeMap::new();
    for (field, header) in cols.mapped() {
        if let Some(other) = seen_headers.insert(header.trim().to_string(), field) {
            p.at(
                &format!("hr.columns.{field}"),
                cols_span.clone(),
                format!("header {header:?} is also mapped to {other}"),
            );
        }
    }
    let dates_mapped = cols.hire_date.is_some() || cols.termination_date.is_some();
    match &hr.date_format {
        Some(f) => {
            use chrono::format::{Item, StrftimeItems};
            if StrftimeItems::new(f.get_ref()).any(|i| matches!(i, Item::Error))
                || f.get_ref().trim().is_empty()
            {
                p.at(
                    "hr.date_format",
                    f.span(),
                    format!("{:?} is not a valid strftime format", f.get_ref()),
                );
            }
        }
        None if dates_mapped => p.at(
            "hr.date_format",
            cols_span.clone(),
            "a date column is mapped; set hr.date_format, e.g. \"%Y-%m-%d\"".into(),
        ),
        None => {}
    }
    let st = &hr.status;
    if cols.status.is_some() && st.active.is_empty() {
        p.unplaced(
            "hr.status.active",
            "the status column is mapped; list the values that mean active".into(),
        );
    }
    if cols.status.is_none()
        && !(st.active.is_empty()
            && st.terminated.is_empty()
            && st.pending.is_empty()
            && st.leave.is_empty())
    {
        p.unplaced(
            "hr.status",
            "values are listed but hr.columns.status is not mapped".into(),
        );
    }
    let mut state_of: BTreeMap<String, &str> = BTreeMap::new();
    for (state, values) in [
        ("active", &st.active),
        ("terminated", &st.terminated),
        ("pending", &st.pending),
        ("leave", &st.leave),
    ] {
        for v in values {
            if let Some(prev) = state_of.insert(v.trim().to_lowercase(), state)
                && prev != state
            {
                p.unplaced(
                    &format!("hr.status.{state}"),
                    format!("{v:?} is also listed under {prev}"),
                );
            }
        }
    }
    for (name, header) in &hr.attributes {
        if RULE_FIELDS.contains(&name.as_str()) {
            p.unplaced(
                &format!("hr.attributes.{name}"),
                "is a built-in field; map it in hr.columns".into(),
            );
        }
        if let Some(other) = seen_headers.insert(header.trim().to_string(), "attribute") {
            p.unplaced(
                &format!("hr.attributes.{name}"),
                format!("header {header:?} is also mapped to {other}"),
            );
        }
    }
    HrConfig {
        delimiter,
        encoding: hr.encoding,
        date_format: hr.date_format.as_ref().map(|f| f.get_ref().clone()),
        email_template: hr.email_template.as_ref().map(|t| t.get_ref().clone()),
        name_order: hr.name_order.unwrap_or_default(),
        columns: cols.clone(),
        status: hr.status.clone(),
        attributes: hr.attributes.clone(),
    }
}
