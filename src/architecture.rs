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
//! allow through a third module's name for it. A glob (`pub use x::*`) gives again every
//! public item `x` declares or gives again; one of another module's enum, whose variants
//! are not known, is a problem. For a sub-module's row every name on the way counts, inside
//! its own top-level module too (`sim::faults::Account` of `sim::state` for `sim::seed`).
//!
//! The parts: the table's reader (`table`), the import scanner (`scan`), the re-exports
//! (`reexports`), the rule between commands (`commands`) and what makes a pure module
//! impure (`purity`); the checks are here.
//!
//! So the document and the code cannot drift apart: changing either without the other
//! fails `cargo test`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use scan::{code_only, paths, regions};
use table::{covers, rules};

mod commands;
mod purity;
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
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let code: Vec<(String, String, String)> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("readable");
            let shown = f.strip_prefix(root).unwrap_or(f).display().to_string();
            (shown, module_of(&src, f), code_only(&text))
        })
        .collect();
    let problems = import_problems(&doc, &code);
    assert!(
        problems.is_empty(),
        "imports that ARCHITECTURE.md § Allowed imports does not allow, and allowances no file uses:\n  {}",
        problems.join("\n  ")
    );
}

/// What the table of `doc` (ARCHITECTURE.md) finds wrong with `files`: each file as the
/// name to show, its module and its text without comments and strings ([`code_only`]).
/// Empty when every file has a row and imports only what it allows, no command uses
/// another, and every allowance is used.
fn import_problems(doc: &str, files: &[(String, String, String)]) -> Vec<String> {
    let rules = rules(doc);
    assert!(
        !rules.is_empty(),
        "no rows read from ARCHITECTURE.md § Allowed imports"
    );
    let mut problems = Vec::new();
    // (row, allowance) pairs some file of the row uses.
    let mut used: BTreeSet<(String, String)> = BTreeSet::new();
    let code: Vec<(String, String)> = files
        .iter()
        .map(|(_, m, c)| (m.clone(), c.clone()))
        .collect();
    let names = reexports::reexports(&code);
    problems.extend(reexports::unexpanded_globs(&code));
    let shared = commands::shared_pieces(doc);
    let commands: BTreeSet<String> = code
        .iter()
        .filter_map(|(m, _)| {
            let mut s = m.split("::");
            (s.next() == Some("commands")).then(|| s.next().map(|c| format!("commands::{c}")))?
        })
        .collect();
    let top_of = |p: &str| p.split("::").next().unwrap_or("").to_string();
    for (shown, module, code) in files {
        let top = top_of(module);
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
            // The path as written, and the item's owner behind any re-export; for a row of
            // a sub-module (`sim::seed`), also every name on the way inside its own
            // top-level module, so that a sibling's re-export (`sim::Account` of
            // `sim::state`) does not hide the sibling the row leaves out.
            let mut checked = vec![written.clone(), reexports::see_through(&names, &written)];
            if row.contains("::") {
                checked.extend(
                    reexports::chain(&names, &written)
                        .into_iter()
                        .filter(|p| top_of(p) == top),
                );
            }
            let mut seen = BTreeSet::new();
            checked.retain(|p| seen.insert(p.clone()));
            for path in &checked {
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
    problems
}

#[test]
fn the_pure_modules_read_no_clock_file_environment_lock_or_randomness() {
    // ARCHITECTURE.md calls the planner, the on-call rules and the doctor's judgement pure:
    // the time they reason about is handed to them, never read, and they do no I/O, start
    // no process or thread, hold no lock or process-wide state, draw no random number and
    // print nothing. Their modules compiled for tests only (declared under `#[cfg(test)]`)
    // may set themselves up from the environment (PROPTEST_CASES).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let code: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("readable");
            (module_of(&src, f), code_only(&text))
        })
        .collect();
    let test_only: BTreeSet<String> = code
        .iter()
        .flat_map(|(m, c)| purity::test_only_modules(c, m))
        .collect();
    let mut found = Vec::new();
    for (file, (module, code)) in files.iter().zip(&code) {
        let top = module.split("::").next().unwrap_or("");
        if !matches!(top, "plan" | "oncall" | "doctor") {
            continue;
        }
        for (m, text) in regions(code, module) {
            if test_only.iter().any(|t| covers(t, &m)) {
                continue;
            }
            for impure in purity::impurities(&text) {
                found.push(format!("{} (`{m}`): {impure}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "pure modules reading the clock, files, the environment, a runtime, a lock or randomness, or printing: {found:?}"
    );
}

/// A table for the checker's own tests: `vocab` may use `config`, `plan` only `vocab`, and
/// inside `sim` the seed only `sim::faults`.
const SMALL_TABLE: &str = "Shared by the commands: `commands::common`.\n\n## Allowed imports\n\n| module | may import |\n|---|---|\n| `config` | nothing |\n| `vocab` | `config` |\n| `plan` | `vocab` |\n| `sim` | nothing |\n| `sim::seed` | `sim::faults` |\n";

/// [`import_problems`] of [`SMALL_TABLE`] for `files` (module, source), the allowances
/// no file uses left out.
fn small_problems(files: &[(&str, &str)]) -> Vec<String> {
    let files: Vec<(String, String, String)> = files
        .iter()
        .map(|(m, c)| (format!("{m}.rs"), m.to_string(), code_only(c)))
        .collect();
    import_problems(SMALL_TABLE, &files)
        .into_iter()
        .filter(|p| !p.contains("which no file of the row uses"))
        .collect()
}

#[test]
fn a_glob_re_export_is_seen_through_to_the_items_it_gives_again() {
    let problems = small_problems(&[
        (
            "config",
            "pub struct Config;\npub const fn limit() -> u8 { 1 }",
        ),
        ("vocab", "pub use crate::config::*;"),
        (
            "plan",
            "use crate::vocab::Config;\nfn f() { crate::vocab::limit(); }",
        ),
    ]);
    assert_eq!(
        problems,
        [
            "plan.rs: `plan` uses `config::Config` (the item behind `vocab::Config`), which its row `plan` does not allow",
            "plan.rs: `plan` uses `config::limit` (the item behind `vocab::limit`), which its row `plan` does not allow",
        ]
    );
}

#[test]
fn a_glob_re_export_of_another_modules_enum_is_refused() {
    let problems = small_problems(&[
        ("config", "pub enum Kind { A, B }"),
        ("vocab", "pub use crate::config::Kind::*;"),
    ]);
    assert_eq!(
        problems,
        ["`vocab` re-exports `config::Kind::*`, whose names cannot be known: name them"]
    );
}

#[test]
fn a_sub_rows_limit_is_not_bypassed_through_a_siblings_re_export() {
    let problems = small_problems(&[
        ("sim::state", "pub struct Account;"),
        (
            "sim::faults",
            "pub use super::state::Account;\npub struct Fault;",
        ),
        ("sim::seed", "use super::faults::{Account, Fault};"),
    ]);
    assert_eq!(
        problems,
        [
            "sim::seed.rs: `sim::seed` uses `sim::state::Account` (the item behind `sim::faults::Account`), which its row `sim::seed` does not allow"
        ]
    );
}
