//! `sandbox`: serves the PagerDuty simulator on 127.0.0.1 until Ctrl-C, for trying `plan`
//! and `apply` by hand.

use super::Failure;
use crate::cli::SandboxArgs;
use crate::config::{ENV_API_KEY, ENV_API_URL};
use crate::exit::Exit;
use crate::printer::Printer;
use crate::sim;

/// Runs `sandbox`: starts the simulator from the seed file, prints its URL and the
/// variables to export, and serves until Ctrl-C.
///
/// # Errors
/// [`Failure::Usage`] for an unreadable seed, [`Failure::Failed`] when the port cannot be
/// bound.
pub(super) async fn run(a: SandboxArgs, printer: &Printer) -> Result<Exit, Failure> {
    let seed = sim::Seed::from_file(&a.seed)
        .map_err(|e| Failure::Usage(format!("seed {}: {e}", a.seed.display())))?;
    let handle = sim::start(seed, a.port)
        .await
        .map_err(|e| Failure::Failed(format!("cannot listen on 127.0.0.1:{}: {e}", a.port)))?;
    printer.out(&format!(
        "PagerDuty simulator listening on {url}\n  export {ENV_API_URL}={url}\n  export {ENV_API_KEY}=<one of the seed's api_keys>\nPress Ctrl-C to stop.\n",
        url = handle.url()
    ));
    tokio::signal::ctrl_c().await.ok();
    handle.shutdown().await;
    Ok(Exit::Success)
}
