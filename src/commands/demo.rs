//! `demo`: plan, apply and plan again against the built-in simulator, from the inputs in
//! [`files`] (built into the binary), so it needs no key, no network and no flags.

use super::Failure;
use super::common::{client_from, marker_key_variables_set, refusal};
use super::execute::{Run, execute};
use super::report_file::{check_report, report_file, write_report};
use crate::cli::{DemoArgs, SafetyFlags};
use crate::config::{Config, Connection};
use crate::exit::Exit;
use crate::hr::{self, Roster};
use crate::pagerduty::Client;
use crate::pipeline::{PlanOptions, Planned, observe_and_plan, today};
use crate::plan::Unkeyed;
use crate::printer::Printer;
use crate::progress::Progress;
use crate::report;
use crate::sim;
use chrono::NaiveDate;
use std::path::Path;

/// The demo's embedded inputs: configuration, HR export and simulator seed, from `samples/demo/`.
pub mod files {
    /// `samples/demo/config.toml`.
    pub const CONFIG: &str = include_str!("../../samples/demo/config.toml");
    /// `samples/demo/hr.csv`.
    pub const HR: &str = include_str!("../../samples/demo/hr.csv");
    /// `samples/demo/seed.json`.
    pub const SEED: &str = include_str!("../../samples/demo/seed.json");
    /// The API key the demo seed accepts.
    pub const KEY: &str = "demo-key-not-secret";
}

/// Runs `demo`: starts the simulator seeded from [`files::SEED`], prints the plan, applies
/// it (writing `--report FILE`), and prints a second plan, which should say `No changes.`
///
/// # Errors
/// Those of the embedded inputs, the simulator, the plan, the safety checks and the
/// report; exit 1 when the second plan is not empty.
pub(super) async fn run(a: DemoArgs, printer: &Printer) -> Result<Exit, Failure> {
    let cfg = Config::from_toml(files::CONFIG, Path::new("samples/demo/config.toml"))?;
    let roster = hr::read_bytes(files::HR.as_bytes(), &cfg)?;
    let seed = sim::Seed::from_json(files::SEED)
        .map_err(|e| Failure::Failed(format!("demo seed: {e}")))?;
    let handle = sim::start(seed, 0)
        .await
        .map_err(|e| Failure::Failed(format!("cannot start the simulator: {e}")))?;
    printer.out(&format!(
        "Demo: a PagerDuty simulator is running on {} with the accounts in samples/demo/seed.json.\nReading samples/demo/hr.csv with samples/demo/config.toml.\n\n",
        handle.url()
    ));
    let s = Connection::resolve(Some(&handle.url()), None, Some(files::KEY), &cfg)
        .map_err(Failure::Usage)?;
    let client = client_from(&cfg, &s)?;
    let bar = printer.progress();
    let file = report_file(a.report.report.as_deref(), a.report.report_format);

    printer.out("=== hr2pagerduty plan ===\n\n");
    let day = today(&cfg, None);
    let planned = plan_and_print(&client, &cfg, &roster, &bar, &s.api_url, day, printer).await?;

    printer.out("\n=== hr2pagerduty apply --yes ===\n\n");
    if let Some(f) = refusal(
        &planned.plan,
        &cfg,
        SafetyFlags::default(),
        planned.account.abilities.as_ref(),
        None,
    ) {
        return Err(f);
    }
    check_report(file.as_ref())?;
    // Nothing stops the demo early, and it plans without marker keys (PlanOptions::default), so
    // it re-checks as it planned (Run::planned has none).
    let run = Run::planned(&client, &cfg, &planned, &roster, &bar, &s.api_url, printer);
    let ended = execute(&run).await;
    write_report(file.as_ref(), &ended.report.json())?;

    printer.out("\n=== hr2pagerduty plan (again) ===\n\n");
    let again = plan_and_print(&client, &cfg, &roster, &bar, &s.api_url, day, printer).await?;
    handle.shutdown().await;
    Ok(if again.plan.is_empty() {
        ended.exit
    } else {
        Exit::Failure
    })
}

/// Plans `roster` under `cfg` against the simulator at `api_url` as of `day` (no marker
/// keys, no flags), through `client` with `bar` showing the listing, and prints the text
/// plan: what the demo does before and after it applies.
///
/// # Errors
/// Those of [`observe_and_plan`].
async fn plan_and_print(
    client: &Client,
    cfg: &Config,
    roster: &Roster,
    bar: &Progress,
    api_url: &str,
    day: NaiveDate,
    printer: &Printer,
) -> Result<Planned, Failure> {
    // The demo plans without marker keys; with one in the environment its note says that
    // it ignores it.
    let options = PlanOptions {
        unkeyed: if marker_key_variables_set() {
            Unkeyed::Ignored
        } else {
            Unkeyed::NotSet
        },
        ..PlanOptions::default()
    };
    let planned = observe_and_plan(client, cfg, roster, bar, api_url, day, options).await?;
    printer.out(&report::render_plan_styled(
        &planned.plan,
        roster,
        report::Paint::new(printer.color()),
    ));
    Ok(planned)
}
