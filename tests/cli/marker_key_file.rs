//! `--marker-key-file` and `--marker-key-previous-file`: the marker keys read from files
//! only their owner can read, checked as `--api-key-file` is (through symlinks, refused
//! with exit 64 before any request when the group or others have a permission), used over
//! the environment variables, and named (never shown) by `doctor`.

use crate::support::safety::*;
use crate::support::signed::*;
use crate::support::*;
use hr2pagerduty::marker::Verdict;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

/// Another key, as long as [`MARKER_KEY`], for the environment and rotations.
const OTHER_KEY: &str = "marker-key-in-the-environment-5e6f7a8b9c";

/// Writes `key` and a newline to `path` with `mode`.
fn key_file(path: &Path, key: &str, mode: u32) -> PathBuf {
    std::fs::write(path, format!("{key}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    path.to_path_buf()
}

/// A Kubernetes Secret volume in `dir` holding `key` under the name `marker-key`, the file
/// with mode `mode` behind two symlinks (`marker-key -> ..data/marker-key`, `..data ->
/// ..2026_12_07_02`).
fn secret_volume(dir: &Path, key: &str, mode: u32) -> PathBuf {
    let ts = dir.join("..2026_12_07_02");
    std::fs::create_dir(&ts).unwrap();
    key_file(&ts.join("marker-key"), key, mode);
    symlink("..2026_12_07_02", dir.join("..data")).unwrap();
    symlink("..data/marker-key", dir.join("marker-key")).unwrap();
    dir.join("marker-key")
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn apply_signs_with_the_key_file_over_the_environment_and_a_plan_with_the_variable_agrees() {
    let people = workforce(1000, 3);
    let ws = Workspace::new(&safety_config(), &csv(&people));
    let sim = Sim::start(base_seed());
    let dir = tempfile::tempdir().unwrap();
    let file = secret_volume(dir.path(), MARKER_KEY, 0o400);
    // The variable holds another valid key: the file wins, as --api-key-file does.
    let mut c = e2e::hr2pd();
    c.args(["apply", "--yes", "--marker-key-file", arg(&file)])
        .args(ws.inputs())
        .env("PAGERDUTY_API_URL", sim.url())
        .env("PAGERDUTY_API_KEY", KEY)
        .env("PAGERDUTY_MARKER_KEY", OTHER_KEY)
        .write_stdin("");
    let r = Run::from_output(c.output().unwrap());
    r.expect_code(0).expect_stdout(&["3 created"]);
    assert!(!r.stdout.contains(MARKER_KEY) && !r.stderr.contains(MARKER_KEY));
    for p in &people {
        assert_eq!(verdict(&sim, &p.email()), Verdict::Current, "{}", p.email());
    }
    // The same key from the variable reads every marker as valid: nothing to do.
    keyed_plan_is_empty(&sim, &ws);
}

#[test]
fn a_marker_key_file_its_group_or_others_can_use_is_refused_before_any_request() {
    let people = workforce(1000, 1);
    let ws = Workspace::new(&safety_config(), &csv(&people));
    let sim = Sim::start(base_seed());
    for (mode, who) in [
        (0o644, "readable by everyone"),
        (0o640, "readable by its group"),
        (0o620, "writable by its group"),
    ] {
        // Behind the symlinks of a Secret volume: the target's mode counts.
        let dir = tempfile::tempdir().unwrap();
        let file = secret_volume(dir.path(), MARKER_KEY, mode);
        for (cmd, flag) in [
            ("plan", "--marker-key-file"),
            ("apply", "--marker-key-file"),
            ("plan", "--marker-key-previous-file"),
        ] {
            let r = keyed(&sim, &ws, cmd, &[flag, arg(&file)], Some(OTHER_KEY));
            r.expect_code(64);
            let e = r.error();
            assert!(
                e.contains(&format!(
                    "the marker key file {} is {who} (mode 0{mode:o})",
                    file.display()
                )) && e.contains("chmod 600"),
                "{cmd} {flag}: {e}"
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    keyed(
        &sim,
        &ws,
        "apply",
        &["--marker-key-file", arg(&missing)],
        None,
    )
    .expect_code(64)
    .expect_stderr(&["cannot read the marker key file"]);
    let short = key_file(&dir.path().join("short"), "short-key", 0o600);
    keyed(&sim, &ws, "plan", &["--marker-key-file", arg(&short)], None)
        .expect_code(64)
        .expect_stderr(&["is 9 bytes long; it must be at least 32 bytes"]);
    let two = dir.path().join("two");
    key_file(&two, MARKER_KEY, 0o600);
    std::fs::write(&two, format!("{MARKER_KEY}\n{OTHER_KEY}\n")).unwrap();
    keyed(&sim, &ws, "plan", &["--marker-key-file", arg(&two)], None)
        .expect_code(64)
        .expect_stderr(&["holds more than one line; it must hold the marker key alone"]);
    assert!(sim.requests().is_empty(), "{:?}", sim.requests());
}

/// Review r10-f #4: a marker key in the variable is held to the key file's rule, so a value
/// with a line break or a tab is refused (exit 64, nothing sent) instead of signing with it;
/// doctor fails its check. The same for the previous key.
#[test]
fn a_marker_key_variable_with_a_line_break_or_a_tab_is_refused_like_a_file() {
    let people = workforce(1000, 2);
    let ws = Workspace::new(&safety_config(), &csv(&people));
    let sim = Sim::start(base_seed());
    for bad in [
        format!("{MARKER_KEY}\n{OTHER_KEY}"),
        format!("{MARKER_KEY}\tx"),
    ] {
        for cmd in ["plan", "apply"] {
            let before = sim.requests().len();
            let r = keyed(&sim, &ws, cmd, &[], Some(&bad));
            assert_eq!(
                sim.requests().len(),
                before,
                "{cmd}: a refused key sends nothing"
            );
            r.expect_code(64);
            let e = r.error();
            assert!(e.contains("PAGERDUTY_MARKER_KEY"), "{cmd}: {e}");
            assert!(!r.stderr.contains(OTHER_KEY), "{r:?}");
        }
        let check = doctor_marker_check(&sim, &ws, &[], Some(&bad));
        assert_eq!(check["status"], "fail", "{check}");
        // The previous key alone in the variable, beside a good current key.
        let mut c = e2e::hr2pd();
        c.args(["plan"])
            .args(ws.inputs())
            .env("PAGERDUTY_API_URL", sim.url())
            .env("PAGERDUTY_API_KEY", KEY)
            .env("PAGERDUTY_MARKER_KEY", MARKER_KEY)
            .env("PAGERDUTY_MARKER_KEY_PREVIOUS", &bad);
        let r = e2e::run(c, &[]);
        r.expect_code(64);
        assert!(r.error().contains("PAGERDUTY_MARKER_KEY_PREVIOUS"), "{r:?}");
    }
}

#[test]
fn a_rotation_takes_the_previous_key_from_its_own_file() {
    let people = workforce(1000, 2);
    let ws = Workspace::new(&safety_config(), &csv(&people));
    let sim = Sim::start(base_seed());
    let dir = tempfile::tempdir().unwrap();
    let old = key_file(&dir.path().join("old"), OTHER_KEY, 0o600);
    let new = key_file(&dir.path().join("new"), MARKER_KEY, 0o600);
    keyed(&sim, &ws, "apply", &["--marker-key-file", arg(&old)], None).expect_code(0);
    let rotate = [
        "--marker-key-file",
        arg(&new),
        "--marker-key-previous-file",
        arg(&old),
    ];
    keyed(&sim, &ws, "plan", &rotate, None)
        .expect_code(0)
        .expect_stdout(&["re-sign marker"]);
    keyed(&sim, &ws, "apply", &rotate, None).expect_code(0);
    for p in &people {
        assert_eq!(verdict(&sim, &p.email()), Verdict::Current, "{}", p.email());
    }
}

#[test]
fn doctor_names_where_the_marker_key_came_from_and_never_the_key() {
    let people = workforce(1000, 1);
    let ws = Workspace::new(&safety_config(), &csv(&people));
    let sim = Sim::start(base_seed());
    let dir = tempfile::tempdir().unwrap();
    let file = key_file(&dir.path().join("marker-key"), MARKER_KEY, 0o600);
    let check = |extra: &[&str], env: Option<&str>| doctor_marker_check(&sim, &ws, extra, env);
    let from_file = check(&["--marker-key-file", arg(&file)], Some(OTHER_KEY));
    assert_eq!(from_file["status"], "pass", "{from_file}");
    let detail = from_file["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!(
            "the marker key is read from the marker key file {}:",
            file.display()
        )),
        "{detail}"
    );
    let from_env = check(&[], Some(MARKER_KEY));
    assert!(
        from_env["detail"]
            .as_str()
            .unwrap()
            .starts_with("the marker key is read from PAGERDUTY_MARKER_KEY:"),
        "{from_env}"
    );
    // With the previous key's file too, both sources are named.
    let both = check(
        &[
            "--marker-key-file",
            arg(&file),
            "--marker-key-previous-file",
            arg(&file),
        ],
        None,
    );
    assert!(
        both["detail"].as_str().unwrap().contains(&format!(
            "signed with the previous key (read from the previous marker key file {})",
            file.display()
        )),
        "{both}"
    );
    // A refused file is a failed check naming the file (doctor reports, it does not stop).
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let open = check(&["--marker-key-file", arg(&file)], None);
    assert_eq!(open["status"], "fail", "{open}");
    assert!(
        open["detail"]
            .as_str()
            .unwrap()
            .contains("is readable by its group (mode 0640)"),
        "{open}"
    );
}

#[test]
fn the_saved_plan_s_apply_command_names_the_marker_key_files() {
    let people = workforce(1000, 1);
    let ws = Workspace::new(&safety_config(), &csv(&people));
    let sim = Sim::start(base_seed());
    let dir = tempfile::tempdir().unwrap();
    let file = key_file(&dir.path().join("marker-key"), MARKER_KEY, 0o600);
    let out = dir.path().join("plan.json");
    let r = keyed(
        &sim,
        &ws,
        "plan",
        &["--marker-key-file", arg(&file), "--out", arg(&out)],
        None,
    );
    r.expect_code(0)
        .expect_stderr(&[&format!("--marker-key-file {} --yes", file.display())]);
    let mut c = e2e::hr2pd();
    c.args([
        "apply",
        "--yes",
        "--config",
        arg(&ws.config),
        "--plan",
        arg(&out),
    ])
    .args(["--marker-key-file", arg(&file)])
    .env("PAGERDUTY_API_URL", sim.url())
    .env("PAGERDUTY_API_KEY", KEY)
    .write_stdin("");
    Run::from_output(c.output().unwrap()).expect_code(0);
    assert_eq!(verdict(&sim, &people[0].email()), Verdict::Current);
}

/// A wrong key read from `--marker-key-file` is refused naming that file, with a check
/// that works for a file ending in a newline (README's example does): r10h 06 step 7 named
/// PAGERDUTY_MARKER_KEY and suggested `printf %s "$PAGERDUTY_MARKER_KEY" | sha256sum`,
/// which compares nothing the run used. The check's command, run, gives the key's SHA-256.
#[test]
fn a_wrong_key_from_a_file_is_refused_naming_the_file_and_a_check_that_works_for_it() {
    let (_, ws, sim) = signed_account(6);
    let dir = tempfile::tempdir().unwrap();
    let wrong = key_file(&dir.path().join("marker-key"), OTHER_KEY, 0o600);
    for cmd in ["plan", "apply"] {
        let r = keyed(&sim, &ws, cmd, &["--marker-key-file", arg(&wrong)], None);
        r.expect_code(3).expect_stderr(&[
            "verifies with the marker key (or the previous one)",
            &format!(
                "The marker key was read from the marker key file {}: compare `tr -d '\\r\\n' < {} | sha256sum`",
                wrong.display(),
                wrong.display()
            ),
            "the file's line ending is not part of the key",
        ]);
        assert!(!r.stderr.contains("$PAGERDUTY_MARKER_KEY"), "{r:?}");
        assert!(!r.stderr.contains(OTHER_KEY), "{r:?}");
    }
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("tr -d '\\r\\n' < {} | sha256sum", wrong.display()))
        .output()
        .unwrap();
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(
        shown.starts_with(&hr2pagerduty::digest::sha256_hex(OTHER_KEY.as_bytes())),
        "{shown}"
    );
}
