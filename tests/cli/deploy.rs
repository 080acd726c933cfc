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
    // Each schedule sets the marker key; systemd's StateDirectory= gives the lock a home
    // that ProtectHome=yes leaves writable.
    assert!(line.contains("PAGERDUTY_MARKER_KEY="), "{line}");
    assert!(
        service.contains("StateDirectory=hr2pagerduty\n")
            && service.contains("PAGERDUTY_MARKER_KEY=")
    );
    // The environment file holding the key is required: with "-" a missing file would
    // run the job without the key.
    assert!(
        service.contains("\nEnvironmentFile=/etc/hr2pagerduty/env\n")
            && !service.contains("EnvironmentFile=-"),
        "{service}"
    );
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
        "- name: PAGERDUTY_MARKER_KEY\n                  valueFrom:\n                    secretKeyRef:\n                      name: hr2pagerduty\n                      key: marker-key\n",
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
    assert_accepted(&args);
}
