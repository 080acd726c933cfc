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
    for (file_module, code) in files {
        for (module, text) in regions(code, file_module) {
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
