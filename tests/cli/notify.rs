//! The run summary `apply` POSTs to a chat webhook (`--notify`, `HR2PAGERDUTY_NOTIFY_URL`,
//! `[notify] url`), received by a local axum server on 127.0.0.1: its counts equal the
//! report's, it names refusals, a failed notification is a warning that changes nothing,
//! and the URL, a secret, is printed nowhere.

use crate::support::Sim;
use crate::support::e2e::{
    KEY, against, apply_args, demo_config, demo_hr, demo_seed, inputs, run_args,
};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::Value;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A webhook receiver on 127.0.0.1 recording `(path, body)` of every POST and answering
/// `status`.
pub struct Receiver {
    rt: tokio::runtime::Runtime,
    port: u16,
    got: Arc<Mutex<Vec<(String, Value)>>>,
}

type Shared = (Arc<Mutex<Vec<(String, Value)>>>, StatusCode);

async fn receive(
    State((got, status)): State<Shared>,
    uri: axum::http::Uri,
    body: axum::Json<Value>,
) -> StatusCode {
    got.lock().unwrap().push((uri.path().to_string(), body.0));
    status
}

impl Receiver {
    pub fn start(status: StatusCode) -> Receiver {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let got = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .route("/services/{a}/{b}/{c}", post(receive))
            .with_state((got.clone(), status));
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { rt, port, got }
    }

    /// A Slack-style webhook URL on this receiver; its last segment is the secret part.
    pub fn url(&self) -> String {
        format!(
            "http://127.0.0.1:{}/services/T0SECRET/B0SECRET/hookSecret9f8e7d6c",
            self.port
        )
    }

    pub fn bodies(&self) -> Vec<(String, Value)> {
        let _ = &self.rt;
        self.got.lock().unwrap().clone()
    }
}

/// `apply --yes --report R` of the demo against `sim` with extra arguments and environment.
fn apply(
    sim: &Sim,
    config: &Path,
    report: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> crate::support::Run {
    let mut cmd = against(sim, KEY);
    cmd.env_remove("HR2PAGERDUTY_NOTIFY_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_args(cmd, &apply_args(config, &demo_hr(), report, extra))
}

/// Panics when the webhook URL, or its secret segment, appears in the run's output or
/// report.
fn assert_hidden(r: &crate::support::Run, report: &Path, url: &str) {
    let report = std::fs::read_to_string(report).unwrap_or_default();
    for needle in [url, "hookSecret9f8e7d6c", "T0SECRET"] {
        for (name, text) in [
            ("stdout", &r.stdout),
            ("stderr", &r.stderr),
            ("report", &report),
        ] {
            assert!(!text.contains(needle), "{name} shows {needle:?}:\n{r:?}");
        }
    }
}

#[test]
fn apply_posts_a_summary_whose_counts_are_the_reports() {
    let sim = Sim::start(demo_seed());
    let hook = Receiver::start(StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let r = apply(
        &sim,
        &demo_config(),
        &report,
        &["--notify", &hook.url()],
        &[],
    );
    r.expect_code(0);
    assert_hidden(&r, &report, &hook.url());
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let (path, body) = &bodies[0];
    assert_eq!(path, "/services/T0SECRET/B0SECRET/hookSecret9f8e7d6c");
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    let text = body["text"].as_str().unwrap();
    let rep: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let s = &rep["summary"];
    assert!(
        text.starts_with(&format!(
            "hr2pagerduty apply against {}: applied (exit 0)\n",
            sim.url()
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{} created, {} updated, {} deactivated, {} reactivated, 0 failed, 0 blocked, {} skipped",
            s["created"], s["updated"], s["deactivated"], s["reactivated"], s["skipped"]
        )),
        "{text}"
    );
    assert_eq!(s["created"], 3);
    // Nothing left to do: the second run says so too.
    apply(
        &sim,
        &demo_config(),
        &report,
        &["--notify", &hook.url()],
        &[],
    )
    .expect_code(0);
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 2);
    assert!(
        bodies[1].1["text"]
            .as_str()
            .unwrap()
            .contains(": no changes (exit 0)"),
        "{bodies:?}"
    );
}

#[test]
fn the_environment_and_the_configuration_name_the_webhook_too() {
    let sim = Sim::start(demo_seed());
    let hook = Receiver::start(StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let r = apply(
        &sim,
        &demo_config(),
        &report,
        &[],
        &[("HR2PAGERDUTY_NOTIFY_URL", &hook.url())],
    );
    r.expect_code(0);
    assert_hidden(&r, &report, &hook.url());
    assert_eq!(hook.bodies().len(), 1);
    // [notify] url in the configuration, with a refusal to report: max_deactivations = 0.
    let text = std::fs::read_to_string(demo_config()).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "{text}max_deactivations = 0\n\n[notify]\nurl = \"{}\"\n",
            hook.url()
        ),
    )
    .unwrap();
    let sim = Sim::start(demo_seed());
    let r = apply(&sim, &config, &report, &[], &[]);
    r.expect_code(3);
    assert_hidden(&r, &report, &hook.url());
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    let text = bodies[1].1["text"].as_str().unwrap();
    assert!(text.contains(": refused (exit 3)\n"), "{text}");
    assert!(text.contains("\nRefused before any write: "), "{text}");
    assert!(sim.writes().is_empty());
}

#[test]
fn a_failed_notification_is_a_warning_and_changes_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    // The receiver answers 500.
    let sim = Sim::start(demo_seed());
    let hook = Receiver::start(StatusCode::INTERNAL_SERVER_ERROR);
    let r = apply(
        &sim,
        &demo_config(),
        &report,
        &["--notify", &hook.url()],
        &[],
    );
    r.expect_code(0).expect_stderr(&[
        "Warning: the run summary could not be sent to the notification webhook (the URL from --notify): the receiver answered HTTP 500",
    ]);
    assert_hidden(&r, &report, &hook.url());
    let rep: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(rep["status"], "applied");
    // Nobody listens.
    let url = {
        let gone = Receiver::start(StatusCode::OK);
        gone.url()
    };
    std::thread::sleep(std::time::Duration::from_millis(100));
    let sim = Sim::start(demo_seed());
    let r = apply(&sim, &demo_config(), &report, &["--notify", &url], &[]);
    r.expect_code(0).expect_stderr(&[
        "Warning: the run summary could not be sent to the notification webhook (the URL from --notify): the request could not connect: connection refused",
    ]);
    assert_hidden(&r, &report, &url);
    // An https:// URL to a receiver that speaks plain HTTP: the same hint as the API URL's.
    let plain = Receiver::start(StatusCode::OK);
    let url = plain.url().replacen("http://", "https://", 1);
    let sim = Sim::start(demo_seed());
    let r = apply(&sim, &demo_config(), &report, &["--notify", &url], &[]);
    r.expect_code(0).expect_stderr(&[
        "the request could not connect: the receiver's answer to the TLS handshake is not TLS, so the https:// URL points at a server that speaks plain HTTP",
    ]);
    assert_hidden(&r, &report, &url);
    assert!(plain.bodies().is_empty());
}

#[test]
fn a_webhook_outside_the_url_policy_is_a_usage_error_that_does_not_repeat_it() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let url = "http://hooks.example.com/services/T0SECRET/B0SECRET/hookSecret9f8e7d6c";
    let r = apply(&sim, &demo_config(), &report, &["--notify", url], &[]);
    r.expect_code(64);
    assert!(
        r.error()
            .contains("the notification URL from --notify must be an https:// URL"),
        "{r:?}"
    );
    assert_hidden(&r, &report, url);
    // The variable is named as the source when the URL came from it (r10h 4).
    let r = apply(
        &sim,
        &demo_config(),
        &report,
        &[],
        &[("HR2PAGERDUTY_NOTIFY_URL", url)],
    );
    r.expect_code(64);
    assert!(
        r.error()
            .contains("the notification URL from HR2PAGERDUTY_NOTIFY_URL must be an https:// URL"),
        "{r:?}"
    );
    assert_hidden(&r, &report, url);
    assert!(sim.requests().is_empty());
    // In the configuration: invalid configuration (exit 78), the URL not repeated.
    let text = std::fs::read_to_string(demo_config()).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, format!("{text}\n[notify]\nurl = \"{url}\"\n")).unwrap();
    let r = apply(&sim, &config, &report, &[], &[]);
    r.expect_code(78);
    assert!(
        r.stderr
            .contains("`notify.url`: the notification URL from [notify] url must be"),
        "{r:?}"
    );
    assert_hidden(&r, &report, url);
}

#[test]
fn a_run_stopped_before_connecting_names_the_account_url_it_was_given() {
    let sim = Sim::start(demo_seed());
    let hook = Receiver::start(StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let config = demo_config();
    let hr = demo_hr();
    let args = |extra: &[&str]| {
        let mut v = inputs("apply", &config, &hr);
        v.extend(["--notify".to_string(), hook.url()]);
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    // No --yes and stdin not a terminal: exit 64 before the configuration is read; the
    // URL of PAGERDUTY_API_URL is named.
    let mut cmd = against(&sim, KEY);
    cmd.env_remove("HR2PAGERDUTY_NOTIFY_URL");
    run_args(cmd, &args(&[])).expect_code(64);
    // No URL at all yet: said so, not an empty string.
    let mut cmd = crate::support::e2e::hr2pd();
    cmd.env_remove("HR2PAGERDUTY_NOTIFY_URL")
        .env_remove("PAGERDUTY_API_URL");
    run_args(cmd, &args(&[])).expect_code(64);
    // No key (after the configuration): its default URL, as the run would have used.
    let mut cmd = crate::support::e2e::hr2pd();
    cmd.env_remove("HR2PAGERDUTY_NOTIFY_URL")
        .env_remove("PAGERDUTY_API_URL")
        .env_remove("PAGERDUTY_API_KEY");
    let report = dir.path().join("r.json");
    run_args(
        cmd,
        &args(&["--yes", "--report", &report.display().to_string()]),
    )
    .expect_code(64);
    let texts: Vec<String> = hook
        .bodies()
        .iter()
        .map(|(_, b)| b["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert!(
        texts[0].starts_with(&format!("hr2pagerduty apply against {}: ", sim.url())),
        "{texts:?}"
    );
    assert!(
        texts[1].starts_with("hr2pagerduty apply against (API URL not resolved): "),
        "{texts:?}"
    );
    assert!(
        texts[2].starts_with("hr2pagerduty apply against https://api.pagerduty.com: "),
        "{texts:?}"
    );
}

#[test]
fn a_hostile_name_in_the_summary_is_escaped_for_slack() {
    let sim = Sim::start(demo_seed());
    let hook = Receiver::start(StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    // The error names the missing HR export, whose name is Slack markup.
    let hr = dir.path().join("<!channel> & <!here>.csv");
    let mut cmd = against(&sim, KEY);
    cmd.env_remove("HR2PAGERDUTY_NOTIFY_URL");
    let mut args = inputs("apply", &demo_config(), &hr);
    args.extend(["--yes".to_string(), "--notify".to_string(), hook.url()]);
    let r = run_args(cmd, &args);
    assert_ne!(r.code, 0, "{r:?}");
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let text = bodies[0].1["text"].as_str().unwrap();
    assert!(
        text.contains("&lt;!channel&gt; &amp; &lt;!here&gt;.csv"),
        "{text}"
    );
    assert!(!text.contains('<') && !text.contains('>'), "{text}");
}

/// Review r10-d #7: a signed marker copied onto a user that gets no action (the unmanaged
/// contractor takes Ada's) was noted on stdout only. The JSON report carries the note in
/// `marker_notes` and the notification lists it.
#[test]
fn a_copied_marker_on_a_user_with_no_action_is_in_the_report_and_the_notification() {
    let sim = Sim::start(demo_seed());
    let hook = Receiver::start(StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let key = [(
        "PAGERDUTY_MARKER_KEY",
        "notify-test-marker-key-0123456789abcdef",
    )];
    // Exit 1 with the key: the demo has skips that need a person; Ada's marker is signed.
    apply(&sim, &demo_config(), &report, &[], &key).expect_code(1);
    let ada = sim.user("ada.lovelace@example.com");
    assert!(
        ada.description
            .as_deref()
            .is_some_and(|d| d.contains("\"sig\"")),
        "{ada:?}"
    );
    let carl = sim.user("carl@contractor.example.net");
    sim.put_user(
        carl.id.as_str(),
        serde_json::json!({ "description": ada.description }),
    );
    let r = apply(
        &sim,
        &demo_config(),
        &report,
        &["--notify", &hook.url()],
        &key,
    );
    assert_hidden(&r, &report, &hook.url());
    let rep: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let on_carl = |n: &&Value| n.as_str().is_some_and(|n| n.contains(carl.id.as_str()));
    let notes: Vec<&Value> = rep["marker_notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(on_carl)
        .collect();
    assert_eq!(notes.len(), 1, "{rep}");
    let note = notes[0].as_str().unwrap();
    assert!(
        note.contains("ownership marker ignored: its signature does not verify"),
        "{note}"
    );
    assert!(
        !rep["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["pagerduty_user_id"] == carl.id.as_str()),
        "the contractor gets no action: {rep}"
    );
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let text = bodies[0].1["text"].as_str().unwrap();
    let listed = rep["marker_notes"].as_array().unwrap().len();
    assert!(
        text.contains(&format!("Ownership marker notes ({listed}):")),
        "{text}"
    );
    assert!(
        text.contains(&hr2pagerduty::notify::slack_escape(note)),
        "{text}"
    );
}
