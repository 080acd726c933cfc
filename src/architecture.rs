//! The module import rules of ARCHITECTURE.md, checked against the code (a test-only module).
//!
//! ARCHITECTURE.md § "Allowed imports" is a table: one row per module (a path below `src/`,
//! such as `plan` or `sim::seed`), and in its second column the modules it may use, each
//! in backticks (a path prefix: `pagerduty::models` allows `crate::pagerduty::models::User`
//! but not `crate::pagerduty::Client`; text in parentheses is a remark). This test reads
//! that table and every `.rs` file under `src/`, resolves each `crate::…`, `super::…` and
//! `hr2pagerduty::…` path (in `use` trees, in code, under a name given to the crate root,
//! and in an attribute's path string such as serde's `with = "…"`) to the module it names,
//! and fails when:
//! - a file belongs to no row (a new module must be added to the table),
//! - a path leaves its own top-level module for one the row does not allow, or
//! - a module with a row of its own (`sim::seed`) uses a sibling the row does not allow, or
//! - a row allows a module or item that none of its files uses (a hole in the table), or
//! - a file of `src/commands` uses another command (`commands`: only the pieces the
//!   commands share, listed in the section, are shared).
//!
//! A path through a re-export (`pub use`, `pub type`) is checked twice: as written, and as
//! the item's owner (`reexports`), so that no module reaches an item its row does not
//! allow through a third module's name for it.
//!
//! The parts: the table's reader (`table`), the import scanner (`scan`), the re-exports
//! (`reexports`) and the rule between commands (`commands`); the checks are here.
//!
//! So the document and the code cannot drift apart: changing either without the other
//! fails `cargo test`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use scan::{code_only, paths, regions};
use table::{covers, rules};

mod commands;
mod reexports;
mod scan;
mod table;

/// `src/a/b.rs` → `a::b`; `src/a/mod.rs` → `a`; `src/lib.rs` → `lib`; `src/main.rs` → `main`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs").to_string();
    if stem != "mod" {
        parts.push(stem);
    }
    parts.join("::")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_imports_only_what_architecture_md_allows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let rules = rules(&doc);
    assert!(
        !rules.is_empty(),
        "no rows read from ARCHITECTURE.md § Allowed imports"
    );
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    // (row, allowance) pairs some file of the row uses.
    let mut used: BTreeSet<(String, String)> = BTreeSet::new();
    let code: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("readable");
            (module_of(&src, f), code_only(&text))
        })
        .collect();
    let names = reexports::reexports(&code);
    let shared = commands::shared_pieces(&doc);
    let commands: BTreeSet<String> = code
        .iter()
        .filter_map(|(m, _)| {
            let mut s = m.split("::");
            (s.next() == Some("commands")).then(|| s.next().map(|c| format!("commands::{c}")))?
        })
        .collect();
    for (file, (module, code)) in files.iter().zip(&code) {
        let shown = file.strip_prefix(root).unwrap_or(file).display();
        let top = module.split("::").next().unwrap_or("").to_string();
        // The most specific row covering this file's module.
        let row = rules
            .keys()
            .filter(|r| covers(r, module))
            .max_by_key(|r| r.len());
        let Some(row) = row else {
            problems.push(format!(
                "{shown}: module `{module}` has no row in ARCHITECTURE.md § Allowed imports"
            ));
            continue;
        };
        let allowed = &rules[row];
        let found: BTreeSet<String> = regions(code, module)
            .into_iter()
            .flat_map(|(m, text)| paths(&text, &m))
            .collect();
        for written in found {
            // The path as written, and the item's owner behind any re-export.
            let owner = reexports::see_through(&names, &written);
            for path in [&written, &owner] {
                if let Some(p) = commands::other_command(module, path, &commands, &shared) {
                    problems.push(format!("{shown}: {p}"));
                }
                let target_top = path.split("::").next().unwrap_or("");
                let inside_row = covers(row, path);
                let same_top = target_top == top;
                // Inside the file's own top-level module, only a row for a sub-module
                // (e.g. `sim::seed`) restricts which siblings it may use.
                if inside_row || (same_top && !row.contains("::")) {
                    continue;
                }
                let covering: Vec<&String> = allowed.iter().filter(|a| covers(a, path)).collect();
                if !covering.is_empty() {
                    used.extend(covering.into_iter().map(|a| (row.clone(), a.clone())));
                    continue;
                }
                let through = match path == &written {
                    true => String::new(),
                    false => format!(" (the item behind `{written}`)"),
                };
                problems.push(format!(
                    "{shown}: `{module}` uses `{path}`{through}, which its row `{row}` does not allow"
                ));
            }
        }
    }
    // An allowance no file uses is a hole: the table would let a new import in unseen.
    for (row, allowed) in &rules {
        for a in allowed {
            if !used.contains(&(row.clone(), a.clone())) {
                problems.push(format!(
                    "row `{row}` allows `{a}`, which no file of the row uses: remove it"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "imports that ARCHITECTURE.md § Allowed imports does not allow, and allowances no file uses:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn the_pure_modules_read_no_clock_file_environment_lock_or_randomness() {
    // ARCHITECTURE.md calls the planner, the on-call rules and the doctor's judgement pure:
    // the time they reason about is handed to them, never read, and they do no I/O, hold
    // no lock and draw no random number (their test-only files aside).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut clocks = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        let top = module.split("::").next().unwrap_or("");
        if !matches!(top, "plan" | "oncall" | "doctor") {
            continue;
        }
        // Test-only files may set themselves up from the environment (PROPTEST_CASES).
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let test_only = matches!(name, "tests.rs" | "proptests.rs" | "fixture.rs")
            || file.components().any(|c| c.as_os_str() == "tests");
        if test_only {
            continue;
        }
        let code = code_only(&std::fs::read_to_string(file).expect("readable"));
        // The clock, the file system, the environment, the runtime, locks and randomness.
        for impure in [
            "Utc::now",
            "Local::now",
            "Utc::today",
            "Local::today",
            "SystemTime::now",
            "Instant::now",
            "std::fs",
            "std::env",
            "std::io::stdin",
            "std::net",
            "tokio",
            "reqwest",
            "Mutex",
            "RwLock",
            "rand::",
            "println!",
            "eprintln!",
        ] {
            if code.contains(impure) {
                clocks.push(format!("{}: {impure}", file.display()));
            }
        }
    }
    assert!(
        clocks.is_empty(),
        "pure modules reading the clock, files, the environment, a runtime, a lock or randomness: {clocks:?}"
    );
}
