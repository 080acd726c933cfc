//! The import scanner: the crate-internal paths a source file names (in `use` trees, in
//! code, under a name given to the crate root, and in an attribute's path string), read as
//! text with comments and string literals left out, and resolved to absolute module paths.

use std::collections::BTreeSet;

/// The text of `code` without comments, string literals (plain, byte and raw, each left
/// as `""`) and char literals (so a doc comment or a string mentioning `crate::x` is not
/// an import). One kind of string stays: inside an attribute (`#[…]`, `#![…]`), a plain
/// string holding only a path as a value (`key = "…"`), such as serde's `default = "crate::config::defaults::f"`
/// or `with = "…"`, which names a function as code does.
pub(super) fn code_only(code: &str) -> String {
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
pub(super) fn expand(tree: &str) -> Vec<String> {
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
pub(super) fn regions(code: &str, module: &str) -> Vec<(String, String)> {
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
pub(super) fn use_statements(code: &str) -> Vec<(std::ops::Range<usize>, &str)> {
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
pub(super) fn resolve(path: &str, module: &str, aliases: &BTreeSet<String>) -> Option<String> {
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
pub(super) fn paths(code: &str, module: &str) -> BTreeSet<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
