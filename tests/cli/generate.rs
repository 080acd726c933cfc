//! `completions` and `man`: generated from the clap definitions, so every command and the
//! flags `--help` shows are in them; the bash script parses, and the roff renders.

use crate::support::e2e::{hr2pd, run};

const COMMANDS: [&str; 8] = [
    "validate",
    "plan",
    "apply",
    "sandbox",
    "demo",
    "doctor",
    "completions",
    "man",
];

#[test]
fn completion_scripts_name_every_command_and_the_flags() {
    for (shell, head) in [
        ("bash", "_hr2pagerduty()"),
        ("zsh", "#compdef hr2pagerduty"),
        ("fish", "complete -c hr2pagerduty"),
    ] {
        let r = run(hr2pd(), &["completions", shell]);
        r.expect_code(0).expect_stdout(&[head]);
        for c in COMMANDS {
            assert!(r.stdout.contains(c), "{shell} lacks {c}");
        }
        for flag in [
            "api-key-file",
            "detailed-exitcode",
            "notify",
            "allow-oncall-gaps",
        ] {
            assert!(r.stdout.contains(flag), "{shell} lacks --{flag}");
        }
    }
    let r = run(hr2pd(), &["completions", "powershell"]);
    r.expect_code(64);
}

#[test]
fn the_bash_script_is_valid_bash() {
    if std::process::Command::new("bash")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no bash");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hr2pagerduty.bash");
    std::fs::write(&path, run(hr2pd(), &["completions", "bash"]).stdout).unwrap();
    let out = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Sourced, it registers the completion function for the binary.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p hr2pagerduty",
            path.display()
        ))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("_hr2pagerduty"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_manual_page_is_roff_for_the_tool_and_for_each_command() {
    let r = run(hr2pd(), &["man"]);
    r.expect_code(0)
        .expect_stdout(&[".TH hr2pagerduty 1", ".SH NAME", ".SH SUBCOMMANDS"]);
    let source = format!("\"hr2pagerduty {}\"", env!("CARGO_PKG_VERSION"));
    assert!(r.stdout.contains(&source), "{}", &r.stdout[..200]);
    for c in COMMANDS {
        assert!(
            r.stdout.contains(&format!("hr2pagerduty\\-{c}(1)")),
            "man lacks {c}"
        );
    }
    let plan = run(hr2pd(), &["man", "plan"]);
    plan.expect_code(0).expect_stdout(&[
        ".TH hr2pagerduty-plan 1",
        "detailed\\-exitcode",
        "api\\-key\\-file",
    ]);
    let th = plan.stdout.lines().find(|l| l.starts_with(".TH ")).unwrap();
    assert!(th.contains(&source), "{th}");
    let r = run(hr2pd(), &["man", "nosuch"]);
    r.expect_code(64);
    // The SYNOPSIS names each flag's value (r10h 5: `[--hr]`, `<--config>`).
    let apply = run(hr2pd(), &["man", "apply"]);
    let synopsis = apply
        .stdout
        .split(".SH SYNOPSIS\n")
        .nth(1)
        .and_then(|t| t.lines().next())
        .unwrap_or_default();
    for word in [
        "[\\-\\-hr FILE]",
        "[\\-\\-notify URL]",
        "[\\-\\-allow\\-deletions N]",
        "[\\-v|\\-\\-verbose]...",
        "[\\-\\-yes]",
        " \\-\\-config FILE",
    ] {
        assert!(synopsis.contains(word), "{word} not in {synopsis}");
    }
    // clap refuses it, listing the pages there are (what completion offers after `man`).
    assert!(
        r.stderr.contains("invalid value 'nosuch'")
            && r.stderr.contains("[possible values: validate, plan, apply"),
        "{r:?}"
    );
    // groff, where installed, renders it without a warning.
    let Ok(out) = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(plan.stdout.as_bytes())?;
            child.wait_with_output()
        })
    else {
        eprintln!("skipped: no groff");
        return;
    };
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// The bash script and the manual pages (the tool's and `apply`'s, whose flags are the most)
/// as snapshots: a change of the clap definitions shows up in review as a change of what
/// users install. The version is filtered out, so a release alone changes nothing.
#[test]
fn completion_and_manual_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.add_filter(&regex::escape(env!("CARGO_PKG_VERSION")), "[version]");
    settings.bind(|| {
        for (name, args) in [
            ("completions_bash", &["completions", "bash"][..]),
            ("man", &["man"][..]),
            ("man_apply", &["man", "apply"][..]),
        ] {
            let r = run(hr2pd(), args);
            r.expect_code(0);
            insta::assert_snapshot!(name, r.stdout);
        }
    });
}

/// `man <TAB>` completes the command names in bash (r10h 5: it offered none), and README's
/// install steps install the page of every command the top page lists under SUBCOMMANDS
/// (r10h 5: they installed the top page only).
#[test]
fn man_completes_command_names_and_readme_installs_every_page() {
    let r = run(hr2pd(), &["completions", "bash"]);
    r.expect_code(0);
    let man_opts = r
        .stdout
        .split("hr2pagerduty__subcmd__man)")
        .nth(1)
        .and_then(|t| t.lines().nth(1))
        .unwrap_or_default()
        .to_string();
    let pages = run(hr2pd(), &["man"]);
    let listed: Vec<String> = pages
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("hr2pagerduty\\-"))
        .filter_map(|l| l.strip_suffix("(1)"))
        .map(|l| l.replace('\\', ""))
        .collect();
    assert!(listed.len() >= 8, "{listed:?}");
    let readme = std::fs::read_to_string(crate::support::repo("README.md")).unwrap();
    let loops: Vec<&str> = readme
        .lines()
        .filter(|l| l.trim_start().starts_with("for c in ") && l.contains("; do"))
        .collect();
    assert_eq!(loops.len(), 2, "{loops:?}");
    for name in &listed {
        assert!(man_opts.contains(&format!(" {name}")), "{name}: {man_opts}");
        for l in &loops {
            assert!(
                l.contains(&format!(" {name} ")) || l.contains(&format!(" {name};")),
                "{name}: {l}"
            );
        }
        run(hr2pd(), &["man", name]).expect_code(0);
    }
}
