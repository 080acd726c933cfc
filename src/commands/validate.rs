//! `validate`: the configuration and the export, offline. Prints the rows read, the valid
//! employees by lifecycle state as of today (or `--as-of`) and every row problem, then applies the invalid-rows limit
//! and the rule checks that need no PagerDuty account.

use super::Failure;
use super::common::{log_config, log_roster, pretty};
use crate::cli::{Format, ValidateArgs};
use crate::config::Config;
use crate::exit::Exit;
use crate::hr;
use crate::pipeline::today;
use crate::plan::{self, Policy, dated};
use crate::printer::Printer;
use crate::report::{self, Lifecycles};

/// Runs `validate`.
///
/// # Errors
/// [`Failure::Config`] (exit 78), [`Failure::Hr`] (exit 65, also when more rows than
/// `[safety] max_invalid_rows_percent` fail, after every problem is printed),
/// [`Failure::Rules`] for a rule mistake found offline.
pub(super) fn run(a: ValidateArgs, printer: &Printer) -> Result<Exit, Failure> {
    let cfg = Config::load(&a.inputs.config)?;
    log_config(&a.inputs.config);
    let bytes = hr::read_export(&a.inputs.hr)?;
    // Parse without the invalid-rows limit first, so every problem is listed before a refusal.
    let roster = hr::parse_bytes(&bytes, &cfg.hr)?;
    log_roster(&a.inputs.hr, &roster);
    let policy = Policy::from_config(&cfg);
    let as_of = today(&cfg, a.as_of.as_of);
    let cols = &cfg.hr.columns;
    let lifecycles = Lifecycles {
        as_of,
        dates_mapped: cols.hire_date.is_some() || cols.termination_date.is_some(),
        counts: dated::counts(&roster, &policy, as_of),
    };
    match a.format {
        Format::Text => printer.out(&report::render_validate(
            &roster,
            &lifecycles,
            &a.inputs.hr.display().to_string(),
        )),
        Format::Json => printer.out(&(pretty(&report::validate_json(&roster, &lifecycles)) + "\n")),
    }
    if let Err(e) = hr::check_invalid_rows(&roster, cfg.safety.max_invalid_rows_percent) {
        // The error line goes to stderr right after the last problem on stdout: a blank
        // line keeps it from reading as one more problem.
        if a.format == Format::Text {
            printer.err("");
        }
        return Err(e.into());
    }
    // Rule mistakes that need no PagerDuty account (a stakeholder role with a team).
    plan::check_rules_offline(&policy, &roster)?;
    Ok(Exit::Success)
}
