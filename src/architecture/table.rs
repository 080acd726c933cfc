//! The table of ARCHITECTURE.md § "Allowed imports", read into rules: which module may use
//! which path prefixes, and whether an allowance covers a path.

use std::collections::BTreeMap;

/// Module path → allowed path prefixes, from ARCHITECTURE.md.
pub(super) fn rules(doc: &str) -> BTreeMap<String, Vec<String>> {
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
pub(super) fn without_remarks(text: &str) -> String {
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

/// True when `allowed` (a module path prefix) covers `path`.
pub(super) fn covers(allowed: &str, path: &str) -> bool {
    path == allowed || path.starts_with(&format!("{allowed}::"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn an_allowance_covers_its_own_path_and_what_is_below_it() {
        assert!(covers("pagerduty::models", "pagerduty::models::Role"));
        assert!(!covers("pagerduty::models", "pagerduty::client"));
        assert!(!covers("plan", "planner"));
    }
}
