//! `sandbox`: serves the PagerDuty simulator on 127.0.0.1 until Ctrl-C, for trying `plan`
//! and `apply` by hand.

use super::Failure;
use crate::cli::{SandboxArgs, SandboxFaults};
use crate::config::{ENV_API_KEY, ENV_API_URL};
use crate::exit::Exit;
use crate::printer::Printer;
use crate::quote::shell_word;
use crate::sim;

/// Runs `sandbox`: starts the simulator from the seed file, prints its URL and the
/// variables to export, and serves until Ctrl-C.
///
/// # Errors
/// [`Failure::Usage`] for an unreadable seed, [`Failure::Failed`] when the port cannot be
/// bound.
pub(super) async fn run(a: SandboxArgs, printer: &Printer) -> Result<Exit, Failure> {
    // The error names the file and what is wrong (`Seed::from_file`): reported as it is.
    let mut seed = sim::Seed::from_file(&a.seed).map_err(|e| Failure::Usage(e.to_string()))?;
    override_faults(&mut seed, &a.faults);
    seed.random_faults
        .validate()
        .map_err(|e| Failure::Usage(format!("fault flags: {e}")))?;
    let key = banner_key(&seed);
    tracing::info!(
        seed = %a.seed.display(),
        users = seed.users.len(),
        teams = seed.teams.len(),
        "read the seed {}: {} users, {} teams",
        a.seed.display(),
        seed.users.len(),
        seed.teams.len()
    );
    let faults = faults_summary(&seed.random_faults);
    let handle = sim::start(seed, a.port)
        .await
        .map_err(|e| Failure::Failed(format!("cannot listen on 127.0.0.1:{}: {e}", a.port)))?;
    printer.out(&banner(&handle.url(), &key, &faults));
    tokio::signal::ctrl_c().await.ok();
    handle.shutdown().await;
    Ok(Exit::Success)
}

/// The value to export as `PAGERDUTY_API_KEY` for this seed: its first `api_keys` entry,
/// quoted for a POSIX shell when a shell would split or expand it. A sandbox key is no
/// secret (issue 10), so the banner shows it; the key in the environment is never read
/// here. A seed that lists no key accepts any non-empty one, which the value says.
fn banner_key(seed: &sim::Seed) -> String {
    match seed.api_keys.first() {
        Some(key) => shell_word(key.key()),
        None => "sandbox  # the seed lists no api_keys: any non-empty key is accepted".into(),
    }
}

/// The banner: the URL, the two `export` lines to paste into another shell (`key` as
/// [`banner_key`] gives it), the random faults line (`faults`, possibly empty), and how to
/// stop.
fn banner(url: &str, key: &str, faults: &str) -> String {
    format!(
        "PagerDuty simulator listening on {url}\n  export {ENV_API_URL}={url}\n  export {ENV_API_KEY}={key}\n{faults}Press Ctrl-C to stop.\n"
    )
}

/// Applies the `--fault-*`, `--latency-*`, `--list-lag-ms` and `--requests-per-minute` flags
/// given over the seed's values.
fn override_faults(seed: &mut sim::Seed, f: &SandboxFaults) {
    let r = &mut seed.random_faults;
    let set = |field: &mut f64, flag: Option<f64>| *field = flag.unwrap_or(*field);
    r.seed = f.fault_seed.unwrap_or(r.seed);
    set(&mut r.server_error_percent, f.fault_5xx_percent);
    set(&mut r.drop_percent, f.fault_drop_percent);
    set(
        &mut r.commit_then_fail_percent,
        f.fault_commit_then_fail_percent,
    );
    set(
        &mut r.commit_then_drop_percent,
        f.fault_commit_then_drop_percent,
    );
    set(&mut r.rate_limit_percent, f.fault_429_percent);
    set(&mut r.bare_rate_limit_percent, f.fault_bare_429_percent);
    set(&mut r.slow_percent, f.fault_slow_percent);
    set(
        &mut r.lock_contention_percent,
        f.fault_lock_contention_percent,
    );
    r.rate_limit_burst = f.fault_429_burst.unwrap_or(r.rate_limit_burst);
    r.slow_ms = f.fault_slow_ms.unwrap_or(r.slow_ms);
    r.latency_ms = f.latency_ms.unwrap_or(r.latency_ms);
    r.latency_jitter_ms = f.latency_jitter_ms.unwrap_or(r.latency_jitter_ms);
    r.list_lag_ms = f.list_lag_ms.unwrap_or(r.list_lag_ms);
    if let Some(n) = f.requests_per_minute {
        seed.rate_limit.requests = n;
        seed.rate_limit.window_seconds = 60;
    }
}

/// One banner line with the random-fault settings that differ from the defaults, e.g.
/// `Random faults: {"seed":7,"drop_percent":2.0}`, or nothing when there are none.
fn faults_summary(faults: &sim::RandomFaults) -> String {
    let (Ok(serde_json::Value::Object(set)), Ok(serde_json::Value::Object(default))) = (
        serde_json::to_value(faults),
        serde_json::to_value(sim::RandomFaults::default()),
    ) else {
        return String::new();
    };
    let changed: serde_json::Map<String, serde_json::Value> = set
        .into_iter()
        .filter(|(k, v)| default.get(k) != Some(v))
        .collect();
    if changed.is_empty() {
        String::new()
    } else {
        format!("Random faults: {}\n", serde_json::Value::Object(changed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(json: &str) -> sim::Seed {
        sim::Seed::from_json(json).unwrap()
    }

    #[test]
    fn the_banner_exports_the_seeds_first_key_quoted_for_a_shell() {
        let plain = seed(r#"{"api_keys": ["sandbox-key-not-secret", "second"]}"#);
        let shown = banner("http://127.0.0.1:8080", &banner_key(&plain), "");
        assert_eq!(
            shown,
            "PagerDuty simulator listening on http://127.0.0.1:8080\n  \
             export PAGERDUTY_API_URL=http://127.0.0.1:8080\n  \
             export PAGERDUTY_API_KEY=sandbox-key-not-secret\n\
             Press Ctrl-C to stop.\n"
        );
        // A key a shell would expand is pasted back intact (one with a space is refused
        // at load: the simulator could never accept it).
        let odd = seed(
            r#"{"api_keys": [{"key": "it's$HOME", "user": "bot@example.com"}],
                         "users": [{"name": "Bot", "email": "bot@example.com", "role": "admin"}]}"#,
        );
        assert_eq!(banner_key(&odd), r"'it'\''s$HOME'");
        let none = seed("{}");
        assert!(banner_key(&none).starts_with("sandbox  # "));
    }
}
