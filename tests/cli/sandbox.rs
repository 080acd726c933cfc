//! `hr2pagerduty sandbox` with fault flags: the banner names the key to use and the random
//! faults in force, and the flags override the seed's `random_faults` and budget.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the sandbox (by its handle) when dropped, so a failing assertion never leaves one
/// running.
pub(crate) struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Starts `sandbox --seed SEED --port 0 ARGS...` and returns it with its banner (every line
/// up to "Press Ctrl-C to stop."); also README's walk-through in `samples.rs`.
pub(crate) fn sandbox(seed: &std::path::Path, args: &[&str]) -> (KillOnDrop, Vec<String>) {
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_hr2pagerduty"))
            .arg("sandbox")
            .arg("--seed")
            .arg(seed)
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("sandbox starts"),
    );
    let mut out = std::io::BufReader::new(child.0.stdout.take().unwrap());
    let mut banner = Vec::new();
    loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "banner ended: {banner:?}"
        );
        let line = line.trim_end().to_string();
        let done = line == "Press Ctrl-C to stop.";
        banner.push(line);
        if done {
            return (child, banner);
        }
    }
}

fn url(banner: &[String]) -> String {
    banner[0]
        .strip_prefix("PagerDuty simulator listening on ")
        .unwrap()
        .to_string()
}

/// `GET /users` with `key`: the status, the `ratelimit-limit` header and the body.
fn get(url: &str, key: &str) -> (u16, Option<String>, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let r = reqwest::Client::new()
            .get(format!("{url}/users"))
            .header("Authorization", format!("Token token={key}"))
            .send()
            .await
            .unwrap();
        let limit = r
            .headers()
            .get("ratelimit-limit")
            .map(|v| v.to_str().unwrap().to_string());
        (r.status().as_u16(), limit, r.text().await.unwrap())
    })
}

#[test]
fn fault_flags_override_the_seed_and_the_banner_names_key_and_faults() {
    let (_child, banner) = sandbox(
        &repo("fixtures/sim/basic.json"),
        &[
            "--fault-seed",
            "9",
            "--fault-5xx-percent",
            "100",
            "--latency-ms",
            "200",
            "--requests-per-minute",
            "5000",
        ],
    );
    assert!(
        banner.contains(&"  export PAGERDUTY_API_KEY=demo-key".to_string()),
        "{banner:?}"
    );
    let faults = banner
        .iter()
        .find(|l| l.starts_with("Random faults: "))
        .unwrap_or_else(|| panic!("no faults line in {banner:?}"));
    for needle in [
        "\"seed\":9",
        "\"server_error_percent\":100.0",
        "\"latency_ms\":200",
    ] {
        assert!(faults.contains(needle), "{needle} missing in {faults}");
    }
    let url = url(&banner);
    let mut statuses = std::collections::BTreeSet::new();
    for _ in 0..12 {
        let t0 = Instant::now();
        let (status, limit, body) = get(&url, "demo-key");
        assert!(t0.elapsed() >= Duration::from_millis(200));
        if status == 500 {
            // PagerDuty's JSON error, with the budget the flag set.
            assert_eq!(limit.as_deref(), Some("5000"));
            assert!(body.contains("2000"), "{body}");
        } else {
            assert!((502..=504).contains(&status), "{status}");
            assert!(
                limit.is_none() && body.starts_with("<!DOCTYPE html>"),
                "{body}"
            );
        }
        statuses.insert(status);
    }
    assert!(statuses.len() >= 2, "{statuses:?}");
}

#[test]
fn without_api_keys_the_banner_says_any_key_works_and_bad_flags_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(
        &seed,
        r#"{"users": [{"name": "Bot", "email": "bot@example.com", "role": "admin"}]}"#,
    )
    .unwrap();
    let (_child, banner) = sandbox(&seed, &["--requests-per-minute", "7"]);
    assert!(
        banner
            .iter()
            .any(|l| l.starts_with("  export PAGERDUTY_API_KEY=sandbox")
                && l.contains("any non-empty key is accepted")),
        "{banner:?}"
    );
    assert!(
        !banner.iter().any(|l| l.starts_with("Random faults")),
        "{banner:?}"
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let limit = rt.block_on(async {
        let r = reqwest::Client::new()
            .get(format!("{}/users", url(&banner)))
            .header("Authorization", "Token token=sandbox")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.headers()["ratelimit-limit"].to_str().unwrap().to_string()
    });
    assert_eq!(limit, "7");

    let out = Command::new(env!("CARGO_BIN_EXE_hr2pagerduty"))
        .arg("sandbox")
        .arg("--seed")
        .arg(&seed)
        .args(["--fault-drop-percent", "150"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("drop_percent must be between 0 and 100"),
        "{stderr}"
    );
}

/// A bad seed file is reported once, on one line that names the file once and says what is
/// wrong: a broken rule, malformed JSON, or a file that cannot be read (exit 64). The path
/// used to be named twice (`seed F: invalid seed: F: ...`), built by the loader and again
/// by the command.
#[test]
fn a_bad_seed_file_is_one_error_naming_the_file_once_and_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("rule.json");
    std::fs::write(&rule, r#"{"users":[{"name":"","email":"x@y.io"}]}"#).unwrap();
    let json = dir.path().join("json.json");
    std::fs::write(&json, "{\"users\": [\n").unwrap();
    let missing = dir.path().join("missing.json");
    for (path, what) in [
        (
            &rule,
            "invalid seed file {}: users[0] (x@y.io): Name can't be blank",
        ),
        (
            &json,
            "invalid seed file {}: not a seed: EOF while parsing a list at line 2 column 0",
        ),
        (
            &missing,
            "cannot read seed file {}: No such file or directory",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_hr2pagerduty"))
            .arg("sandbox")
            .arg("--seed")
            .arg(path)
            .args(["--port", "0", "-vv"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(64), "{out:?}");
        assert!(out.stdout.is_empty(), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let shown = path.display().to_string();
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        let expected = format!("Error: {}", what.replace("{}", &shown));
        assert!(
            lines[0].starts_with(&expected),
            "{stderr}\nwanted {expected}"
        );
        assert_eq!(stderr.matches(&shown).count(), 1, "{stderr}");
    }
}
