//! `samples/deploy/`: the schedules run a command line the binary accepts, and the
//! Kubernetes CronJob keeps the properties README promises (Secret mode 0400 and no
//! fsGroup, no concurrent runs, the lock directory on a volume).

use crate::support::e2e::{hr2pd, run};
use crate::support::repo;

/// The `apply` arguments of a sample, checked by the binary's own parser: `--help` after
/// them prints apply's help only when every flag before it exists.
fn assert_accepted(args: &[String]) {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.push("--help");
    let r = run(hr2pd(), &all);
    r.expect_code(0)
        .expect_stdout(&["Usage: hr2pagerduty apply"]);
}

#[test]
fn the_systemd_and_cron_samples_run_an_accepted_apply() {
    let service = std::fs::read_to_string(repo("samples/deploy/hr2pagerduty.service")).unwrap();
    let exec = service
        .split("ExecStart=/usr/local/bin/hr2pagerduty ")
        .nth(1)
        .unwrap()
        .split("\n#")
        .next()
        .unwrap()
        .replace("\\\n", " ");
    let args: Vec<String> = exec.split_whitespace().map(String::from).collect();
    assert_eq!(args[0], "apply");
    assert!(args.contains(&"--api-key-file".to_string()) && args.contains(&"--yes".to_string()));
    assert_accepted(&args);
    let timer = std::fs::read_to_string(repo("samples/deploy/hr2pagerduty.timer")).unwrap();
    assert!(timer.contains("OnCalendar=") && timer.contains("Persistent=yes"));
    let cron = std::fs::read_to_string(repo("samples/deploy/crontab")).unwrap();
    let line = cron.lines().find(|l| !l.starts_with('#')).unwrap();
    let cmd = line
        .split("/usr/local/bin/hr2pagerduty ")
        .nth(1)
        .unwrap()
        .split(" >>")
        .next()
        .unwrap();
    assert_accepted(&cmd.split_whitespace().map(String::from).collect::<Vec<_>>());
    // A skipped overlapping run has its own code, not flock's default 1 (a failure).
    assert!(line.contains("flock -n -E 75 "), "{line}");
    // Each schedule reads the marker key from an owner-only file, checked as the API key
    // file is (a missing file is exit 64, so the job never runs without the key), and none
    // takes it from the environment or from a `cat` nobody checks; systemd's
    // StateDirectory= gives the lock a home that ProtectHome=yes leaves writable.
    let marker_file = "--marker-key-file /etc/hr2pagerduty/marker-key";
    assert!(cmd.contains(marker_file), "{line}");
    assert!(exec.contains(marker_file), "{service}");
    for text in [&cron, &service] {
        let code: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert!(
            !code
                .iter()
                .any(|l| l.contains("PAGERDUTY_MARKER_KEY") || l.contains("cat ")),
            "{text}"
        );
    }
    assert!(service.contains("StateDirectory=hr2pagerduty\n"));
}

#[test]
fn the_cronjob_reads_its_key_from_an_owner_only_secret_and_forbids_overlap() {
    let yaml = std::fs::read_to_string(repo("samples/deploy/cronjob.yaml")).unwrap();
    let code: String = yaml
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    for needle in [
        "concurrencyPolicy: Forbid",
        "defaultMode: 0400",
        "secretName: hr2pagerduty",
        "mountPath: /var/lib/hr2pagerduty",
        "claimName: hr2pagerduty-state",
        // Both keys are items of the one Secret volume mounted with mode 0400.
        "secretName: hr2pagerduty\n                defaultMode: 0400\n                items:\n                  - key: api-key\n                    path: api-key\n                  - key: marker-key\n                    path: marker-key\n",
    ] {
        assert!(code.contains(needle), "cronjob.yaml lacks {needle}");
    }
    assert!(
        !code.contains("fsGroup"),
        "a fsGroup makes the key group-readable"
    );
    let args: Vec<String> = code
        .lines()
        .skip_while(|l| l.trim() != "args:")
        .skip(1)
        .take_while(|l| l.trim_start().starts_with("- "))
        .map(|l| l.trim_start().trim_start_matches("- ").to_string())
        .collect();
    assert_eq!(args[0], "apply");
    assert!(args.contains(&"--api-key-file=/var/run/secrets/hr2pagerduty/api-key".into()));
    assert!(args.contains(&"--marker-key-file=/var/run/secrets/hr2pagerduty/marker-key".into()));
    assert!(!code.contains("PAGERDUTY_MARKER_KEY"), "{code}");
    assert_accepted(&args);
}

/// `[lifecycle] default_time_zone` of `samples/config.toml`.
fn sample_zone() -> String {
    let cfg = std::fs::read_to_string(repo("samples/config.toml")).unwrap();
    let line = cfg
        .lines()
        .find(|l| l.starts_with("default_time_zone = "))
        .unwrap();
    line.split('"').nth(1).unwrap().to_string()
}

/// Runs the shell `script` (with `/srv/hr/export.csv` replaced by a temporary file) against
/// an export written now and one two days old: the first passes (exit 0), the second fails.
fn assert_guard_refuses_a_stale_export(script: &str) {
    assert!(
        script.contains("find /srv/hr/export.csv -mmin -1440"),
        "{script}"
    );
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.csv");
    std::fs::write(&export, "x\n").unwrap();
    let script = script.replace("/srv/hr/export.csv", export.to_str().unwrap());
    let sh = |s: &str| {
        std::process::Command::new("sh")
            .args(["-c", s])
            .output()
            .unwrap()
            .status
    };
    assert!(sh(&script).success(), "a fresh export is refused: {script}");
    let old = std::process::Command::new("touch")
        .args(["-d", "2 days ago", export.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(old.success());
    assert!(!sh(&script).success(), "a stale export passes: {script}");
    std::fs::remove_file(&export).unwrap();
    assert!(!sh(&script).success(), "a missing export passes: {script}");
}

#[test]
fn each_schedule_bounds_the_run_checks_the_exports_age_and_runs_in_the_configs_zone() {
    let zone = sample_zone();
    // systemd: --max-runtime 45m, TimeoutStartSec above it and the 10 s grace period, the
    // guard before the run, a dated copy of every report.
    let service = std::fs::read_to_string(repo("samples/deploy/hr2pagerduty.service")).unwrap();
    assert!(service.contains("--max-runtime 45m"), "{service}");
    assert!(service.contains("\nTimeoutStartSec=50min\n"), "{service}");
    let pre = service
        .lines()
        .find_map(|l| l.strip_prefix("ExecStartPre=/bin/sh -c '"))
        .unwrap()
        .trim_end_matches('\'')
        .replace("$$", "$");
    assert_guard_refuses_a_stale_export(&pre);
    assert!(
        service.contains("ExecStopPost=") && service.contains("reports/$$(date +%%F).json"),
        "{service}"
    );
    let timer = std::fs::read_to_string(repo("samples/deploy/hr2pagerduty.timer")).unwrap();
    assert!(
        timer.contains(&format!("OnCalendar=*-*-* 02:30:00 {zone}\n")),
        "{timer}"
    );
    // cron: the guard's condition, the bound, a dated report.
    let cron = std::fs::read_to_string(repo("samples/deploy/crontab")).unwrap();
    let line = cron.lines().find(|l| !l.starts_with('#')).unwrap();
    let cond = line
        .split("; if ")
        .nth(1)
        .unwrap()
        .split("; then")
        .next()
        .unwrap();
    assert_guard_refuses_a_stale_export(&format!("if {cond}; then exit 1; fi"));
    assert!(line.contains("d=$(date +\\%F);"), "{line}");
    assert!(line.contains("--max-runtime 45m --report /var/lib/hr2pagerduty/reports/$d.json"));
    assert!(
        cron.contains("logrotate"),
        "who rotates the log is not said"
    );
    // Kubernetes: timeZone, the deadline, the lock directory without a lock_dir, the guard.
    let yaml = std::fs::read_to_string(repo("samples/deploy/cronjob.yaml")).unwrap();
    assert!(
        yaml.contains(&format!("  timeZone: \"{zone}\"\n")),
        "{yaml}"
    );
    assert!(yaml.contains("      activeDeadlineSeconds: 3000\n"));
    assert!(yaml.contains("                - --max-runtime=45m\n"));
    assert!(yaml.contains(
        "                - name: STATE_DIRECTORY\n                  value: /var/lib/hr2pagerduty\n"
    ));
    assert!(yaml.contains("kubectl create configmap hr2pagerduty-config --from-file=config.toml="));
    let guard = yaml
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("test -n \"$(find "))
        .unwrap();
    assert_guard_refuses_a_stale_export(guard);
    assert!(yaml.contains("--report=\"/var/lib/hr2pagerduty/reports/$(date +%F).json\""));
}
