//! Seeing through re-exports: a `pub use` (of any visibility above private) or a `pub type`
//! alias names an item again under another module, so that a module could reach an item of
//! a module its row does not allow through a third one (`plan::SafetyPolicy` was
//! `config::SafetyCaps`). The import test resolves every path through these names to the
//! item's owner and checks the owner against the row as well.

use super::scan::{expand, regions, resolve, use_statements};
use std::collections::{BTreeMap, BTreeSet};

/// Whether the statement starting at byte `at` of `code` is declared `pub` (`pub`,
/// `pub(crate)`, `pub(super)`, `pub(in …)`), attributes before it allowed.
fn is_public(code: &str, at: usize) -> bool {
    let before = &code[..at];
    let start = before.rfind([';', '{', '}']).map_or(0, |i| i + 1);
    let vis = before[start..].trim_end();
    vis.ends_with("pub") || (vis.ends_with(')') && vis.contains("pub("))
}

/// `path` resolved from `module` as [`resolve`] does, and a path that starts with a plain
/// name (`roles::Role` in `vocab`) as one below `module`: in a `use` tree that is a child
/// module or an item in scope (an external crate's path then resolves to nothing that
/// exists, which no import names).
fn resolve_relative(path: &str, module: &str) -> Option<String> {
    resolve(path, module, &BTreeSet::new()).or_else(|| {
        let own = if module == "lib" { "" } else { module };
        let path = path.split(" as ").next().unwrap_or(path).trim();
        let standard = ["std", "core", "alloc"].contains(&path.split("::").next().unwrap_or(""));
        (!path.contains('*') && !standard).then(|| {
            [own, path]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("::")
        })
    })
}

/// The names the files give again: `module::Name` (the path another module would import)
/// → the path it names. `files` holds each file's module and its text without comments
/// and strings. A `pub type Name = Other;` counts when `Other` is a path, or a name the
/// region imports with `use`.
pub(super) fn reexports(files: &[(String, String)]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    // (the module re-exporting, the module whose names it re-exports) of each `pub use …::*`.
    let mut globs: Vec<(String, String)> = Vec::new();
    // The items each module declares public.
    let mut items: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (file_module, code) in files {
        for (module, text) in regions(code, file_module) {
            items
                .entry(module.clone())
                .or_default()
                .extend(declared(&text));
            for (range, tree) in use_statements(&text) {
                if is_public(&text, range.start) {
                    globs.extend(
                        expand(tree)
                            .iter()
                            .filter_map(|p| glob_target(p, &module))
                            .map(|t| (module.clone(), t)),
                    );
                }
            }
            let uses = use_statements(&text);
            // Every name the region's `use` statements bring in, with the path it names.
            let mut imported = BTreeMap::new();
            for (range, tree) in &uses {
                for p in expand(tree) {
                    let name = match p.split_once(" as ") {
                        Some((_, alias)) => alias.trim().to_string(),
                        None => p.rsplit("::").next().unwrap_or("").trim().to_string(),
                    };
                    if name.is_empty() || name == "*" || name == "self" {
                        continue;
                    }
                    let Some(target) = resolve_relative(&p, &module) else {
                        continue;
                    };
                    if is_public(&text, range.start) {
                        out.insert(format!("{module}::{name}"), target.clone());
                    }
                    imported.insert(name, target);
                }
            }
            let mut from = 0;
            while let Some(i) = text[from..].find("type ") {
                let at = from + i;
                from = at + 5;
                let word_start = at == 0
                    || !text[..at]
                        .chars()
                        .last()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_');
                if !word_start || !is_public(&text, at) {
                    continue;
                }
                let Some((name, rhs)) = text[from..].split_once('=') else {
                    continue;
                };
                let name: String = name
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let rhs: String = rhs
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let target = if rhs.contains("::") {
                    resolve_relative(&rhs, &module)
                } else {
                    imported.get(&rhs).cloned()
                };
                if let Some(target) = target.filter(|_| !name.is_empty()) {
                    out.insert(format!("{module}::{name}"), target);
                }
            }
        }
    }
    // A glob gives again every public name of its module: the items it declares and the
    // names it gives again itself (a glob of a glob too: a few rounds settle it). A name
    // the module gives explicitly wins, as in Rust.
    for _ in 0..4 {
        for (module, target) in &globs {
            let own = items.get(target).into_iter().flatten().cloned();
            let again: Vec<String> = out
                .keys()
                .filter_map(|k| k.strip_prefix(&format!("{target}::")))
                .filter(|rest| !rest.contains("::"))
                .map(str::to_string)
                .collect();
            for name in own.chain(again) {
                out.entry(format!("{module}::{name}"))
                    .or_insert_with(|| format!("{target}::{name}"));
            }
        }
    }
    out
}

/// The module a glob `use` path (`crate::x::*`, `defaults::*`) names, resolved from
/// `module`; `None` for a path that is not a glob.
fn glob_target(path: &str, module: &str) -> Option<String> {
    let base = path
        .trim()
        .strip_suffix("*")?
        .trim_end()
        .trim_end_matches("::");
    resolve_relative(base, module)
}

/// The public glob re-exports (`pub use …::*`) of `files` that cannot be seen through: of a
/// module of the crate outside the file's top-level module that no file or inline module
/// is, so its names are not known (an enum's variants are the one such glob Rust allows,
/// and those of another module's enum would hide where they come from). One line each.
pub(super) fn unexpanded_globs(files: &[(String, String)]) -> Vec<String> {
    let mut known: BTreeSet<String> = BTreeSet::new();
    for (file_module, code) in files {
        known.extend(regions(code, file_module).into_iter().map(|(m, _)| m));
    }
    let mut out = Vec::new();
    for (file_module, code) in files {
        for (module, text) in regions(code, file_module) {
            let top = module.split("::").next().unwrap_or("");
            for (range, tree) in use_statements(&text) {
                if !is_public(&text, range.start) {
                    continue;
                }
                for p in expand(tree) {
                    let Some(target) = glob_target(&p, &module) else {
                        continue;
                    };
                    let internal = resolve(p.trim_end_matches('*'), &module, &BTreeSet::new())
                        .is_some()
                        || known.contains(&target);
                    let other_top = target.split("::").next().unwrap_or("") != top;
                    if internal && other_top && !known.contains(&target) {
                        out.push(format!(
                            "`{module}` re-exports `{target}::*`, whose names cannot be known: name them"
                        ));
                    }
                }
            }
        }
    }
    out
}

/// The names of the items `text` (one region) declares public at its top level (`pub fn`,
/// `pub(crate) struct`, `pub const`, `pub mod`, ...), not those inside an `impl` or a
/// function.
fn declared(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        let at_word = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if depth == 0 && at_word && text[i..].starts_with("pub") {
            let mut rest = text[i + 3..].trim_start();
            if rest.starts_with('(') {
                rest = rest[rest.find(')').map_or(rest.len(), |k| k + 1)..].trim_start();
            }
            let mut words = rest.split_whitespace().peekable();
            let mut kind = words.next().unwrap_or("");
            // `async fn`, `unsafe fn`, `extern "C" fn` (its string is `""` here) and
            // `const fn`; a `const NAME` is a constant.
            loop {
                let next = words.peek().copied().unwrap_or("");
                match kind {
                    "async" | "unsafe" | "extern" | "\"\"" => {}
                    "const" if matches!(next, "fn" | "async" | "unsafe") => {}
                    _ => break,
                }
                kind = words.next().unwrap_or("");
            }
            if matches!(
                kind,
                "fn" | "struct" | "enum" | "const" | "static" | "trait" | "type" | "mod" | "union"
            ) {
                let mut name = words.next().unwrap_or("");
                if kind == "static" && name == "mut" {
                    name = words.next().unwrap_or("");
                }
                let name: String = name
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        }
        i += 1;
    }
    out
}

/// Every path `path` is on the way to its owner: `path` itself, then `path` with each
/// re-exported name replaced by the path it names, step by step as [`see_through`] takes
/// them, across top-level modules or inside one.
pub(super) fn chain(names: &BTreeMap<String, String>, path: &str) -> Vec<String> {
    let mut out = vec![path.to_string()];
    let mut path = path.to_string();
    for _ in 0..16 {
        let step = names
            .iter()
            .filter(|(name, _)| super::table::covers(name, &path))
            .max_by_key(|(name, _)| name.len());
        match step {
            Some((name, target)) if *target != path => {
                path = format!("{target}{}", &path[name.len()..]);
                out.push(path.clone());
            }
            _ => break,
        }
    }
    out
}

/// The item `path` names in the top-level module that owns it: `path` with each
/// re-exported name in it replaced by the path it names (the longest name first; at most
/// 16 steps, against a cycle), as it was when the path last entered another top-level
/// module (`pagerduty::models::Role` is `vocab::Role`, which `vocab` re-exports from its
/// `roles`: a module's names for its own items are its own business). `path` itself when
/// no re-export leaves its top-level module.
pub(super) fn see_through(names: &BTreeMap<String, String>, path: &str) -> String {
    let top = |p: &str| p.split("::").next().unwrap_or("").to_string();
    let mut path = path.to_string();
    let mut owner = path.clone();
    for _ in 0..16 {
        let step = names
            .iter()
            .filter(|(name, _)| super::table::covers(name, &path))
            .max_by_key(|(name, _)| name.len());
        match step {
            Some((name, target)) if *target != path => {
                let next = format!("{target}{}", &path[name.len()..]);
                if top(&next) != top(&path) {
                    owner = next.clone();
                }
                path = next;
            }
            _ => break,
        }
    }
    owner
}

#[cfg(test)]
mod tests {
    use super::super::scan::code_only;
    use super::*;

    fn names(files: &[(&str, &str)]) -> BTreeMap<String, String> {
        let files: Vec<(String, String)> = files
            .iter()
            .map(|(m, c)| (m.to_string(), code_only(c)))
            .collect();
        reexports(&files)
    }

    #[test]
    fn public_uses_and_type_aliases_are_seen_through_to_their_owner() {
        let n = names(&[
            (
                "plan::policy",
                "use crate::config::SafetyCaps;\npub type SafetyPolicy = SafetyCaps;\ntype Private = SafetyCaps;",
            ),
            ("plan", "pub use policy::{Policy, SafetyPolicy};"),
            (
                "pagerduty::models",
                "#[doc(hidden)]\npub use crate::vocab::{Role, TeamRole as Tr};\nuse crate::ids::UserId;",
            ),
            ("vocab", "pub(crate) use roles::Role;"),
            ("email", "pub type Alias = crate::vocab::limits::Len;"),
            (
                "config",
                "use std::collections::BTreeMap;\npub type Condition = BTreeMap<String, u8>;",
            ),
        ]);
        assert_eq!(see_through(&n, "plan::SafetyPolicy"), "config::SafetyCaps");
        // The owner's own re-export (`vocab::Role` of `vocab::roles`) is not followed.
        assert_eq!(see_through(&n, "pagerduty::models::Role"), "vocab::Role");
        assert_eq!(see_through(&n, "vocab::Role"), "vocab::Role");
        assert_eq!(see_through(&n, "pagerduty::models::Tr"), "vocab::TeamRole");
        assert_eq!(see_through(&n, "email::Alias"), "vocab::limits::Len");
        // A private `use` or `type` names nothing for other modules.
        assert_eq!(
            see_through(&n, "pagerduty::models::UserId"),
            "pagerduty::models::UserId"
        );
        assert_eq!(
            see_through(&n, "plan::policy::Private"),
            "plan::policy::Private"
        );
        assert_eq!(see_through(&n, "plan::Skip"), "plan::Skip");
        assert_eq!(see_through(&n, "config::Condition"), "config::Condition");
    }
}
