//! The `hr2pagerduty` binary: parse the command line, set up logging, start the runtime,
//! run the command ([`hr2pagerduty::commands::run`]), exit with its code.

use clap::Parser;
use hr2pagerduty::cli::{Cli, LogFormat};
use hr2pagerduty::exit::Exit;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Success
            };
            e.print().ok();
            return code.into();
        }
    };
    let default = match cli.verbosity() {
        0 => "warn",
        1 => "hr2pagerduty=info,warn",
        _ => "hr2pagerduty=debug,info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    match cli.log_format() {
        LogFormat::Text => {
            // As for the text plan: `--color`, `NO_COLOR`, `TERM` and whether stderr is a
            // terminal, so that a nightly job's log file gets plain text.
            let ansi = hr2pagerduty::commands::log_color(&cli);
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr)
                .with_target(false)
                .with_ansi(ansi)
                .init();
        }
        // One object per line: the event's fields at the top level beside `timestamp` and
        // `level`, and the fields of the span it happened in (an action's `employee_id`,
        // `pagerduty_user_id`, `action`) under `span`.
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_target(false)
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            hr2pagerduty::printer::stderr_line(&format!(
                "Error: cannot start the async runtime: {e}"
            ));
            return Exit::Failure.into();
        }
    };
    let code = runtime.block_on(hr2pagerduty::commands::run(cli));
    // Do not wait for a blocking read of stdin (an `apply` prompt a signal ended).
    runtime.shutdown_background();
    code.into()
}
