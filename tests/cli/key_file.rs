//! `--api-key-file`: the key read from a file the owner alone can read, through symlinks
//! as a Kubernetes Secret volume lays them out; a file its group or others can read is
//! refused with exit 64 before any request.

use crate::support::Sim;
use crate::support::e2e::{KEY, demo_seed, hr2pd, run};
use crate::support::repo;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

fn write_key(path: &Path, mode: u32) {
    std::fs::write(path, format!("{KEY}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `plan` of the demo against `sim` with `--api-key-file key_file`, and `PAGERDUTY_API_KEY`
/// set to a wrong key (the file wins).
fn plan_with(sim: &Sim, key_file: &Path) -> crate::support::Run {
    let mut cmd = hr2pd();
    cmd.env("PAGERDUTY_API_URL", sim.url())
        .env("PAGERDUTY_API_KEY", "wrong-key-from-the-environment");
    run(
        cmd,
        &[
            "plan",
            "--config",
            repo("samples/demo/config.toml").to_str().unwrap(),
            "--hr",
            repo("samples/demo/hr.csv").to_str().unwrap(),
            "--api-key-file",
            key_file.to_str().unwrap(),
        ],
    )
}

#[test]
fn a_key_file_only_its_owner_can_read_is_used_over_the_environment() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    for mode in [0o600, 0o400] {
        let key = dir.path().join(format!("key-{mode:o}"));
        write_key(&key, mode);
        let r = plan_with(&sim, &key);
        r.expect_code(0).expect_stdout(&["Plan: 3 to create"]);
        assert!(!r.stdout.contains(KEY) && !r.stderr.contains(KEY));
    }
}

#[test]
fn a_key_file_its_group_or_others_can_read_or_write_is_refused_before_any_request() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    for (mode, who) in [
        (0o644, "readable by everyone"),
        (0o640, "readable by its group"),
        (0o604, "readable by everyone"),
        // Writable only: others could put their own key in it.
        (0o620, "writable by its group"),
        (0o602, "writable by everyone"),
        (0o660, "readable and writable by its group"),
        (0o610, "executable by its group"),
    ] {
        let key = dir.path().join(format!("key-{mode:o}"));
        write_key(&key, mode);
        let r = plan_with(&sim, &key);
        r.expect_code(64);
        let e = r.error();
        assert!(e.contains(&format!("is {who} (mode 0{mode:o})")), "{e}");
        assert!(e.contains("chmod 600"), "{e}");
        assert!(!r.stderr.contains(KEY) && !r.stdout.contains(KEY));
    }
    assert!(sim.requests().is_empty(), "{:?}", sim.requests());
    let r = plan_with(&sim, &dir.path().join("missing"));
    r.expect_code(64);
    assert!(r.error().contains("cannot read the API key file"), "{r:?}");
    let empty = dir.path().join("empty");
    write_key(&empty, 0o600);
    std::fs::write(&empty, "\n").unwrap();
    let r = plan_with(&sim, &empty);
    r.expect_code(64);
    assert!(r.error().contains("is empty"), "{r:?}");
}

/// A Kubernetes Secret volume: `key -> ..data/key`, `..data -> ..2026_12_03_01`, the file
/// with the volume's `defaultMode`. The symlinks' own mode (0777) does not count.
fn secret_volume(dir: &Path, mode: u32) -> std::path::PathBuf {
    let ts = dir.join("..2026_12_03_01");
    std::fs::create_dir(&ts).unwrap();
    write_key(&ts.join("pagerduty-api-key"), mode);
    symlink("..2026_12_03_01", dir.join("..data")).unwrap();
    symlink("..data/pagerduty-api-key", dir.join("pagerduty-api-key")).unwrap();
    dir.join("pagerduty-api-key")
}

#[test]
fn symlinks_are_followed_to_the_file_whose_mode_counts() {
    let sim = Sim::start(demo_seed());
    let ok = tempfile::tempdir().unwrap();
    plan_with(&sim, &secret_volume(ok.path(), 0o400)).expect_code(0);
    let open = tempfile::tempdir().unwrap();
    let r = plan_with(&sim, &secret_volume(open.path(), 0o644));
    r.expect_code(64);
    assert!(
        r.error().contains("readable by everyone (mode 0644)"),
        "{r:?}"
    );
}

#[test]
fn a_key_file_of_two_lines_or_a_key_with_a_control_character_is_a_usage_error() {
    // Before: exit 1, "invalid PagerDuty client configuration: ... not allowed in a header".
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let two = dir.path().join("two-lines");
    write_key(&two, 0o600);
    std::fs::write(&two, format!("{KEY}\nsecond-line\n")).unwrap();
    let r = plan_with(&sim, &two);
    r.expect_code(64);
    assert!(r.error().contains("holds more than one line"), "{r:?}");
    assert!(!r.stderr.contains(KEY) && !r.stdout.contains(KEY));
    // A trailing newline, even CRLF, is allowed.
    let crlf = dir.path().join("crlf");
    write_key(&crlf, 0o600);
    std::fs::write(&crlf, format!("{KEY}\r\n")).unwrap();
    plan_with(&sim, &crlf).expect_code(0);
    let before = sim.requests().len();
    let (config, hr) = (
        repo("samples/demo/config.toml"),
        repo("samples/demo/hr.csv"),
    );
    let args = [
        "plan",
        "--config",
        config.to_str().unwrap(),
        "--hr",
        hr.to_str().unwrap(),
    ];
    for (key, says) in [
        (format!("{KEY}\nx"), "holds more than one line"),
        (
            format!("{KEY}\u{1b}x"),
            "contains a control character (U+001B)",
        ),
    ] {
        let mut cmd = hr2pd();
        cmd.env("PAGERDUTY_API_URL", sim.url())
            .env("PAGERDUTY_API_KEY", &key);
        let r = run(cmd, &args);
        r.expect_code(64);
        let e = r.error();
        assert!(e.contains("PAGERDUTY_API_KEY") && e.contains(says), "{e}");
        assert!(!r.stderr.contains(KEY) && !r.stdout.contains(KEY));
    }
    // A key that is not UTF-8 (review r10-d): said so, not "is not set or is empty".
    {
        use std::os::unix::ffi::OsStrExt;
        let mut bytes = KEY.as_bytes().to_vec();
        bytes.push(0xff);
        let mut cmd = hr2pd();
        cmd.env("PAGERDUTY_API_URL", sim.url())
            .env("PAGERDUTY_API_KEY", std::ffi::OsStr::from_bytes(&bytes));
        let r = run(cmd, &args);
        r.expect_code(64);
        let e = r.error();
        assert!(
            e.contains("PAGERDUTY_API_KEY is not valid UTF-8, so it is not a valid key"),
            "{e}"
        );
        assert!(!e.contains("is not set"), "{e}");
        assert!(!r.stderr.contains(KEY) && !r.stdout.contains(KEY));
    }
    assert_eq!(sim.requests().len(), before, "a refused key sends nothing");
}
