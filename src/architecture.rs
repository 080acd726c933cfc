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
//! So the document and the code cannot drift apart: changing either without the other
//! fails `cargo test`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod commands;
mod reexports;

/// Module path → allowed path prefixes, from ARCHITECTURE.md.
fn rules(doc: &str) -> BTreeMap<String, Vec<String>> {
    let start = doc
        .find("## Allowed imports")
        .expect("ARCHITECTURE.md has a section \"## Allowed imports\"");
    let section = &doc[start..];
    let end = section[3..].find("\n## ").map_or(section.len(), |i| i + 3);
    let mut out = BTreeMap::new();
    for line in section[..end].lines() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
        if cells.len() < 2 {
            continue;
        }
        // A row names its module in backticks; the header (`module`) and the separator
        // row do not.
        let first = cells[0].trim();
        if !first.starts_with('`') {
            continue;
        }
        let module = first.trim_matches('`').to_string();
        if module.is_empty()
            || module.starts_with('-')
            || !module
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c == ':')
        {
            continue;
        }
        let allowed: Vec<String> = without_remarks(cells[1])
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        out.insert(module, allowed);
    }
    out
}

/// `text` without its parenthesised remarks (nested or not): the words in backticks there
/// explain an allowance and allow nothing.
fn without_remarks(text: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

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

/// The text of `code` without comments, string literals (plain, byte and raw, each left
/// as `""`) and char literals (so a doc comment or a string mentioning `crate::x` is not
/// an import). One kind of string stays: inside an attribute (`#[…]`, `#![…]`), a plain
/// string holding only a path as a value (`key = "…"`), such as serde's `default = "crate::config::defaults::f"`
/// or `with = "…"`, which names a function as code does.
fn code_only(code: &str) -> String {
    let b = code.as_bytes();
    let mut out = String::with_capacity(code.len());
    // The depth of `[` inside the attribute being read; 0 outside attributes.
    let mut attr_depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if let Some(end) = raw_string_end(b, i) {
            // `r"…"`, `r#"…"#`, `br"…"`: no escapes, ends at `"` and as many `#`.
            i = end;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && b.get(i + 1) == Some(&b'\\') {
            // An escaped char literal such as '\"' or '\u{7f}'.
            i += 2;
            while i < b.len() && b[i] != b'\'' {
                i += 1;
            }
            i += 1;
        } else if b[i] == b'"' {
            let open = i + 1;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            let text = &code[open..i.min(b.len())];
            i += 1;
            let a_path = !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == ':');
            // `key = "a::path"`, not a message such as `#[error("…")]`.
            let a_value = out.trim_end().ends_with('=');
            if attr_depth > 0 && a_path && a_value {
                out.push('"');
                out.push_str(text);
                out.push('"');
            } else {
                out.push_str("\"\"");
            }
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            // A char literal such as '"'.
            i += 3;
        } else {
            match b[i] {
                b'[' if attr_depth > 0 => attr_depth += 1,
                b'[' if out.ends_with('#') || out.ends_with("#!") => attr_depth = 1,
                b']' => attr_depth = attr_depth.saturating_sub(1),
                _ => {}
            }
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// When a raw string literal (`r"…"`, `r#"…"#`, `br"…"`, any number of `#`) starts at
/// `i`, the index just past its end (or the end of `b` when it is not closed); `None`
/// otherwise, e.g. for an identifier ending in `r` or a raw identifier (`r#type`).
fn raw_string_end(b: &[u8], i: usize) -> Option<usize> {
    let word_start = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
    let r = match (b.get(i), b.get(i + 1)) {
        (Some(b'r'), _) => i,
        (Some(b'b'), Some(b'r')) => i + 1,
        _ => return None,
    };
    if !word_start {
        return None;
    }
    let hashes = b[r + 1..].iter().take_while(|c| **c == b'#').count();
    let open = r + 1 + hashes;
    if b.get(open) != Some(&b'"') {
        return None;
    }
    let close: Vec<u8> = std::iter::once(b'"')
        .chain(std::iter::repeat_n(b'#', hashes))
        .collect();
    Some(
        b[open + 1..]
            .windows(close.len())
            .position(|w| w == close.as_slice())
            .map_or(b.len(), |at| open + 1 + at + close.len()),
    )
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    match tree.find('{') {
        None => vec![tree.trim_end_matches("::").to_string()],
        Some(open) => {
            let prefix = tree[..open].trim();
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut parts = Vec::new();
            let (mut depth, mut last) = (0, 0);
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        parts.push(&inner[last..i]);
                        last = i + 1;
                    }
                    _ => {}
                }
            }
            parts.push(&inner[last..]);
            parts
                .into_iter()
                .filter(|p| !p.trim().is_empty())
                .flat_map(expand)
                .map(|p| match p.as_str() {
                    "self" => prefix.trim_end_matches("::").to_string(),
                    _ => format!("{prefix}{p}"),
                })
                .collect()
        }
    }
}

/// Splits `code` into the text of the module itself and the bodies of its inline modules
/// (`mod tests { ... }`), each with its module path below `module`.
fn regions(code: &str, module: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut own = String::new();
    let b = code.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // `mod NAME {` at a word boundary.
        let at_word = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if at_word && code[i..].starts_with("mod ") {
            let rest = &code[i + 4..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let after = rest[name.len()..].trim_start();
            if !name.is_empty() && after.starts_with('{') {
                let open = i + 4 + name.len() + (rest[name.len()..].len() - after.len());
                let mut depth = 0usize;
                let mut j = open;
                while j < b.len() {
                    match b[j] {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                let inner = &code[open + 1..j.min(b.len())];
                let child = if module == "lib" || module == "main" {
                    name.clone()
                } else {
                    format!("{module}::{name}")
                };
                out.extend(regions(inner, &child));
                i = j + 1;
                continue;
            }
        }
        own.push(b[i] as char);
        i += 1;
    }
    out.push((module.to_string(), own));
    out
}

/// The statements `use …;` of `code`: for each, the byte range of the statement and its
/// tree (the text between `use` and `;`).
fn use_statements(code: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = code[from..].find("use ") {
        let at = from + i;
        from = at + 4;
        if code[..at]
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        let end = code[from..].find(';').map_or(code.len(), |e| from + e);
        out.push((at..end, &code[from..end]));
        from = end;
    }
    out
}

/// The names `code` gives the crate root: `X` of `use crate as X;` (or
/// `use hr2pagerduty as X;`) and of `extern crate self as X;`.
fn crate_aliases(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, tree) in use_statements(code) {
        for p in expand(tree) {
            if let Some((name, alias)) = p.split_once(" as ")
                && matches!(name.trim(), "crate" | "hr2pagerduty" | "::hr2pagerduty")
            {
                out.insert(alias.trim().to_string());
            }
        }
    }
    let words: Vec<&str> = code
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    for w in words.windows(5) {
        if w[0] == "extern"
            && w[1] == "crate"
            && matches!(w[2], "self" | "hr2pagerduty")
            && w[3] == "as"
        {
            out.insert(w[4].to_string());
        }
    }
    out
}

/// `path` (a `crate::…`, `super::…`, `self::…` or `hr2pagerduty::…` path, or one that starts
/// with a name in `aliases` for the crate root) as seen from module `module`, resolved to
/// an absolute module path without `crate::`; `None` for any other path (a local name, an
/// external crate).
fn resolve(path: &str, module: &str, aliases: &BTreeSet<String>) -> Option<String> {
    let own: Vec<&str> = if module == "lib" || module == "main" {
        vec![]
    } else {
        module.split("::").collect()
    };
    let parent: Vec<&str> = own[..own.len().saturating_sub(1)].to_vec();
    let path = path.split(" as ").next().unwrap_or(path).trim();
    let path = path.trim_end_matches("::*").trim_end_matches('*');
    let segs: Vec<&str> = path
        .split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    match segs.first().copied() {
        Some("crate") | Some("hr2pagerduty") => Some(segs[1..].join("::")),
        Some(alias) if aliases.contains(alias) => Some(segs[1..].join("::")),
        Some("super") => {
            let mut base = parent;
            let mut rest = &segs[1..];
            while rest.first() == Some(&"super") {
                base.pop();
                rest = &rest[1..];
            }
            base.extend(rest.iter().copied());
            Some(base.join("::"))
        }
        Some("self") => {
            let mut all = own;
            all.extend(segs[1..].iter().copied());
            Some(all.join("::"))
        }
        _ => None,
    }
}

/// Every crate-internal path `code` (one region, see [`regions`]) names, resolved to an
/// absolute module path (without `crate::`), from module `module`. A glob (`a::*`) names
/// the module `a`. A name `code` gives the crate root ([`crate_aliases`]) counts as
/// `crate`.
fn paths(code: &str, module: &str) -> BTreeSet<String> {
    let aliases = crate_aliases(code);
    let resolve = |path: &str| resolve(path, module, &aliases);
    let mut out = BTreeSet::new();
    // `use` trees, which may span lines.
    let uses = use_statements(code);
    for (_, tree) in &uses {
        for p in expand(tree) {
            if let Some(r) = resolve(&p) {
                out.insert(r);
            }
        }
    }
    // Inline paths such as `crate::marker::parse(...)`, `-> crate::config::Config {` or
    // `root::pagerduty::Client` after `use crate as root;`; the paths of a `use` statement
    // were read above, item by item.
    let keys: Vec<String> = ["crate", "super", "hr2pagerduty"]
        .into_iter()
        .map(String::from)
        .chain(aliases.iter().cloned())
        .map(|k| format!("{k}::"))
        .collect();
    for key in &keys {
        let mut from = 0;
        while let Some(i) = code[from..].find(key.as_str()) {
            let at = from + i;
            from = at + key.len();
            if code[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
                || uses.iter().any(|(range, _)| range.contains(&at))
            {
                continue;
            }
            let tail: String = code[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let tail = tail.trim_end_matches(':');
            if tail.len() <= key.trim_end_matches(':').len() {
                continue;
            }
            // Keep the module segments (lower-case) and the first item after them (a type,
            // as a `use` names it: `config::UnmanagedUsers` of
            // `crate::config::UnmanagedUsers::Offboard`), so that a row may allow single
            // items of a module.
            let all: Vec<&str> = tail.split("::").collect();
            let modules = all
                .iter()
                .take_while(|s| s.chars().next().is_some_and(|c| !c.is_uppercase()))
                .count();
            let segs = &all[..(modules + 1).min(all.len())];
            if let Some(r) = resolve(&segs.join("::")) {
                out.insert(r);
            }
        }
    }
    out.retain(|p| !p.is_empty());
    out
}

/// True when `allowed` (a module path prefix) covers `path`.
fn covers(allowed: &str, path: &str) -> bool {
    path == allowed || path.starts_with(&format!("{allowed}::"))
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
fn raw_strings_and_char_literals_are_not_code() {
    // A raw string's backslash escapes nothing, and its quotes end it only with its hashes:
    // the paths inside are text, the paths after it are code.
    let code = code_only(
        r###"let a = r"C:\dir\"; crate::after_a::f();
let b = r#"say "crate::hidden_b::x" twice"#; crate::after_b::g();
let c = br##"a "# is not the end crate::hidden_c"##; crate::after_c::h();
let q = '\"'; crate::after_q::i(); let r#type = 1; crate::after_raw_ident::j();
let s = "crate::hidden_s";"###,
    );
    let p = paths(&code, "lib");
    assert_eq!(
        p,
        BTreeSet::from(
            [
                "after_a::f",
                "after_b::g",
                "after_c::h",
                "after_q::i",
                "after_raw_ident::j"
            ]
            .map(String::from)
        ),
        "{code}"
    );
    assert_eq!(
        raw_string_end(b"for\"x\"", 2),
        None,
        "an identifier ending in r"
    );
    assert_eq!(raw_string_end(b"r#\"a\"#;", 0), Some(6));
}

#[test]
fn the_checker_resolves_paths() {
    let code = code_only(
        "use crate::pagerduty::models::{Role, TeamRole};\nuse super::{a, b::{c, self}};\n// crate::hidden\nfn f() { crate::marker::parse(x); let s = \"crate::nope\"; }\nmod tests { use super::*; use crate::ids::UserId; }",
    );
    let p: BTreeSet<String> = regions(&code, "sim::seed")
        .into_iter()
        .flat_map(|(m, t)| paths(&t, &m))
        .collect();
    assert!(p.contains("pagerduty::models::Role"), "{p:?}");
    assert!(p.contains("sim::a"), "{p:?}");
    assert!(p.contains("sim::b::c"), "{p:?}");
    assert!(p.contains("sim::b"), "{p:?}");
    assert!(p.contains("marker::parse") || p.contains("marker"), "{p:?}");
    assert!(
        !p.iter().any(|x| x.contains("hidden") || x.contains("nope")),
        "{p:?}"
    );
    // Inside the inline `mod tests`, `super` is the file's own module.
    assert!(p.contains("sim::seed"), "{p:?}");
    assert!(p.contains("ids::UserId"), "{p:?}");
    assert!(!p.contains("sim"), "{p:?}");
    // A row may allow single items: a use tree and an inline path name the item, not
    // its whole module.
    let items: BTreeSet<String> = paths(
        &code_only(
            "use crate::config::{OnLeave, PERCENT_CAPS_MIN_USERS};\nfn f() { crate::config::UnmanagedUsers::Offboard; }",
        ),
        "plan::dated",
    );
    assert_eq!(
        items,
        BTreeSet::from(
            [
                "config::OnLeave",
                "config::PERCENT_CAPS_MIN_USERS",
                "config::UnmanagedUsers"
            ]
            .map(String::from)
        )
    );
    // A path followed by `{` outside a `use` is code: a return type, a struct literal, a
    // condition, a loop's iterator, an `impl`'s type.
    let braced = paths(
        &code_only(
            "fn f() -> crate::config::Config {\n    crate::pagerduty::ClientConfig { a: 1 };\n    if n > crate::limits::DEFAULT_BURST {}\n    for i in crate::items::ITEMS {}\n}\nimpl T for crate::things::Y {}",
        ),
        "report",
    );
    for expected in [
        "config::Config",
        "pagerduty::ClientConfig",
        "limits::DEFAULT_BURST",
        "items::ITEMS",
        "things::Y",
    ] {
        assert!(braced.contains(expected), "{expected}: {braced:?}");
    }
    // A name given to the crate root counts as `crate`, in paths and in `use` trees.
    for alias in ["use crate as root;", "extern crate self as root;"] {
        let aliased = paths(
            &code_only(&format!(
                "{alias}\nuse root::ids::UserId;\nfn f() {{ root::pagerduty::Client::new(); }}"
            )),
            "report",
        );
        assert!(
            aliased.contains("pagerduty::Client"),
            "{alias}: {aliased:?}"
        );
        assert!(aliased.contains("ids::UserId"), "{alias}: {aliased:?}");
    }
    // An attribute's string naming a path is code; other strings, and a message in an
    // attribute, are not.
    let attributes = paths(
        &code_only(
            "#[serde(default = \"crate::config::defaults::f\", with = \"crate::codec\")]\n#[error(\"crate::hidden_message\")]\nstruct S;\nlet s = \"crate::hidden_string\";",
        ),
        "report",
    );
    assert_eq!(
        attributes,
        BTreeSet::from(["config::defaults::f", "codec"].map(String::from))
    );
    assert!(covers("pagerduty::models", "pagerduty::models::Role"));
    assert!(!covers("pagerduty::models", "pagerduty::client"));
    assert!(!covers("plan", "planner"));
}

#[test]
fn the_table_is_read_without_its_header_and_remarks() {
    let doc = "## Allowed imports\n\n| module | may import |\n|---|---|\n| `a` | `b`, `c` (`d`: why; (`e`)) |\n| `f` | nothing (`g`) |\n\n## Next\n| `h` | `i` |\n";
    let rules = rules(doc);
    assert_eq!(
        rules,
        BTreeMap::from([
            ("a".to_string(), vec!["b".to_string(), "c".to_string()]),
            ("f".to_string(), vec![]),
        ])
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
