//! What makes a module impure, read from its code: the paths it names (in `use` trees and
//! in code, with the names a `use` brings in replaced by what they name, so that
//! `use std::io; io::stdin()` is `std::io::stdin` and `use std::{fs, env}` names both), the
//! macros it calls (`println!`, `dbg!`, `thread_local!`, ...), and which modules are
//! compiled for tests only (declared under `#[cfg(test)]`, whatever their file is called).

use super::scan::{expand, use_statements};
use std::collections::{BTreeMap, BTreeSet};

/// Paths a pure module may not name, as prefixes of a resolved path: the clock, the file
/// system, the environment, the terminal, the network, processes and threads, the async
/// runtime and HTTP, locks and process-wide state, and randomness.
const IMPURE_PATHS: &[&str] = &[
    "std::fs",
    "std::env",
    "std::io::stdin",
    "std::io::stdout",
    "std::io::stderr",
    "std::io::Stdin",
    "std::io::Stdout",
    "std::io::Stderr",
    "std::net",
    "std::process",
    "std::thread",
    "std::time::SystemTime",
    "std::time::Instant",
    "std::sync::Mutex",
    "std::sync::RwLock",
    "std::sync::OnceLock",
    "std::sync::LazyLock",
    "std::sync::Once",
    "std::cell::OnceCell",
    "std::cell::LazyCell",
    "chrono::Utc::now",
    "chrono::Utc::today",
    "chrono::Local",
    "chrono::offset::Local",
    "tokio",
    "reqwest",
    "rand",
    "getrandom",
    "parking_lot",
    "once_cell",
    "lazy_static",
];

/// Macros a pure module may not call: printing, debugging output, process-wide state.
const IMPURE_MACROS: &[&str] = &[
    "print",
    "println",
    "eprint",
    "eprintln",
    "dbg",
    "thread_local",
    "lazy_static",
];

/// `std::…` for a path starting `core::` or `alloc::` (the same items), without a leading
/// `::`.
fn canonical(path: &str) -> String {
    let path = path.trim().trim_start_matches("::");
    for root in ["core::", "alloc::"] {
        if let Some(rest) = path.strip_prefix(root) {
            return format!("std::{rest}");
        }
    }
    path.to_string()
}

/// What `code` (one file's text, comments and strings removed) names and calls that a pure
/// module may not, each once, in order: the resolved path or `name!`.
pub(super) fn impurities(code: &str) -> Vec<String> {
    // The names `use` statements bring in, with the paths they name.
    let uses = use_statements(code);
    let mut imported: BTreeMap<String, String> = BTreeMap::new();
    let mut named: BTreeSet<String> = BTreeSet::new();
    for (_, tree) in &uses {
        for p in expand(tree) {
            let (path, name) = match p.split_once(" as ") {
                Some((path, alias)) => (path.trim().to_string(), alias.trim().to_string()),
                None => {
                    let name = p.rsplit("::").next().unwrap_or("").trim().to_string();
                    (p.trim().to_string(), name)
                }
            };
            let path = canonical(path.trim_end_matches("::*"));
            named.insert(path.clone());
            if !name.is_empty() && name != "*" && name != "_" {
                imported.insert(name, path);
            }
        }
    }
    // Every path in code, outside `use` statements, its first segment seen through the
    // imports.
    let b = code.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut macros = BTreeSet::new();
    let mut i = 0;
    while i < b.len() {
        let starts = (ident(b[i]) || (b[i] == b':' && b.get(i + 1) == Some(&b':')))
            && (i == 0 || !(ident(b[i - 1]) || b[i - 1] == b':'));
        if !starts || uses.iter().any(|(r, _)| r.contains(&i)) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < b.len() && (ident(b[j]) || b[j] == b':') {
            j += 1;
        }
        let word = code[i..j].trim_end_matches(':');
        if b.get(j) == Some(&b'!') && b.get(j + 1) != Some(&b'=') {
            macros.insert(word.rsplit("::").next().unwrap_or(word).to_string());
        }
        let word = word.trim_start_matches("::");
        let (first, rest) = match word.split_once("::") {
            Some((f, r)) => (f, Some(r)),
            None => (word, None),
        };
        let path = match (imported.get(first), rest) {
            (Some(p), Some(r)) => format!("{p}::{r}"),
            (Some(p), None) => p.clone(),
            (None, _) => canonical(word),
        };
        named.insert(path);
        i = j;
    }
    let mut out: Vec<String> = named
        .into_iter()
        .filter(|p| {
            IMPURE_PATHS
                .iter()
                .any(|x| p == x || p.starts_with(&format!("{x}::")))
        })
        .collect();
    out.extend(
        macros
            .into_iter()
            .filter(|m| IMPURE_MACROS.contains(&m.as_str()))
            .map(|m| format!("{m}!")),
    );
    out
}

/// The modules compiled for tests only: each `mod NAME` (a file or inline) that a
/// `#[cfg(test)]` attribute (among the attributes before it) declares, as a path below
/// `module`, the module of the file `code` (comments and strings removed) holds.
/// Inline modules nest: `mod a { #[cfg(test)] mod t; }` declares `module::a::t`.
pub(super) fn test_only_modules(code: &str, module: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let below = |name: &str, scope: &[String]| {
        let mut parts: Vec<&str> = Vec::new();
        if module != "lib" && module != "main" {
            parts.push(module);
        }
        parts.extend(scope.iter().map(String::as_str));
        parts.push(name);
        parts.join("::")
    };
    // The inline modules open at each point: (name, the brace depth inside it).
    let mut scope: Vec<(String, usize)> = Vec::new();
    let b = code.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' => depth += 1,
            b'}' => {
                if scope.last().is_some_and(|(_, d)| *d == depth) {
                    scope.pop();
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        let at_word = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if at_word && code[i..].starts_with("mod ") {
            let rest = &code[i + 4..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let after = rest[name.len()..].trim_start();
            // The attributes and visibility between the previous item and this `mod`.
            let before = &code[..i];
            let start = before.rfind([';', '{', '}']).map_or(0, |k| k + 1);
            let names: Vec<String> = scope.iter().map(|(n, _)| n.clone()).collect();
            if !name.is_empty() && before[start..].replace(' ', "").contains("#[cfg(test)]") {
                out.insert(below(&name, &names));
            }
            if !name.is_empty() && after.starts_with('{') {
                scope.push((name.clone(), depth + 1));
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::scan::code_only;
    use super::*;

    fn found(code: &str) -> Vec<String> {
        impurities(&code_only(code))
    }

    #[test]
    fn a_use_tree_naming_several_impure_modules_names_each() {
        assert_eq!(
            found("use std::{fs, env};\nfn f() {}"),
            ["std::env", "std::fs"]
        );
        assert_eq!(
            found("use std::{collections::BTreeMap, time::{Duration, Instant}};"),
            ["std::time::Instant"]
        );
        assert_eq!(
            found("use ::core::cell::OnceCell;"),
            ["std::cell::OnceCell"]
        );
    }

    #[test]
    fn a_name_a_use_brings_in_is_seen_through_in_code() {
        assert_eq!(
            found("use std::io;\nfn f() { let _ = io::stdin(); }"),
            ["std::io::stdin"]
        );
        assert_eq!(
            found("use std::io as terminal;\nfn f() { terminal::stdout(); }"),
            ["std::io::stdout"]
        );
        assert_eq!(
            found("use chrono::Utc;\nfn f() { let _ = Utc::now(); }"),
            ["chrono::Utc::now"]
        );
        // The pure parts of the same modules are fine.
        assert_eq!(
            found(
                "use std::io;\nuse chrono::Utc;\nfn f(e: io::ErrorKind, t: chrono::DateTime<Utc>) {}"
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn processes_threads_and_process_wide_state_are_impure() {
        assert_eq!(
            found("fn f() { std::process::exit(1) }"),
            ["std::process::exit"]
        );
        assert_eq!(
            found("fn f() { std::thread::spawn(|| ()); }"),
            ["std::thread::spawn"]
        );
        assert_eq!(
            found(
                "use std::sync::{Arc, OnceLock};\nstatic X: std::sync::LazyLock<u8> = std::sync::LazyLock::new(|| 1);"
            ),
            [
                "std::sync::LazyLock",
                "std::sync::LazyLock::new",
                "std::sync::OnceLock"
            ]
        );
        assert_eq!(
            found("thread_local! { static N: u8 = 0; }"),
            ["thread_local!"]
        );
    }

    #[test]
    fn every_printing_macro_is_impure_but_a_comparison_is_not() {
        assert_eq!(
            found(
                "fn f() { print!(\"a\"); eprint!(\"b\"); dbg!(1); println!(); eprintln!(); if a != b {} }"
            ),
            ["dbg!", "eprint!", "eprintln!", "print!", "println!"]
        );
        assert_eq!(
            found("fn f() { format!(\"a\"); assert!(x); }"),
            Vec::<String>::new()
        );
        // In a comment or a string it is text.
        assert_eq!(
            found("// println!(\"x\") and std::fs\nfn f() { let s = \"std::env\"; }"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn test_only_modules_are_those_cfg_test_declares_whatever_their_name() {
        let code = code_only(
            "#[cfg(test)]\nmod fixture;\n#[cfg(test)]\n#[allow(dead_code)]\npub(crate) mod checks;\nmod tests;\nmod inner {\n    #[cfg(test)]\n    mod deep { fn f() {} }\n    mod open {}\n}\n#[cfg(test)] mod t { }",
        );
        assert_eq!(
            test_only_modules(&code, "plan"),
            BTreeSet::from(
                [
                    "plan::checks",
                    "plan::fixture",
                    "plan::inner::deep",
                    "plan::t"
                ]
                .map(String::from)
            ),
            "a file named tests.rs that is not declared under cfg(test) is checked like any other"
        );
        assert_eq!(
            test_only_modules(&code_only("#[cfg(test)]\nmod tests;"), "lib"),
            BTreeSet::from(["tests".to_string()])
        );
    }
}
