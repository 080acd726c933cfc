//! No command imports another: a file of `src/commands` may use, of its siblings, only the
//! pieces the commands share, which ARCHITECTURE.md § Allowed imports lists in its line
//! `Shared by the commands: …`; every other module of `commands` is a command.

use super::table::covers;
use std::collections::BTreeSet;

/// The shared pieces (`commands::common`, …) named in backticks on the line of `doc` that
/// starts with `Shared by the commands:`, remarks in parentheses left out.
pub(super) fn shared_pieces(doc: &str) -> BTreeSet<String> {
    let line = doc
        .lines()
        .find(|l| l.trim_start().starts_with("Shared by the commands:"))
        .expect("ARCHITECTURE.md has a line \"Shared by the commands: ...\"");
    super::table::without_remarks(line)
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The problem when the file of module `module` (a command or a shared piece) uses `path`,
/// a command other than its own; `commands` are the modules directly below `commands`
/// that files define, the commands being those not `shared`. `commands` itself (`mod.rs`,
/// which runs them) may use every command.
pub(super) fn other_command(
    module: &str,
    path: &str,
    commands: &BTreeSet<String>,
    shared: &BTreeSet<String>,
) -> Option<String> {
    let own = commands.iter().find(|c| covers(c, module))?;
    let used = commands
        .iter()
        .find(|c| covers(c, path) && !shared.contains(*c))?;
    (used != own).then(|| {
        format!("`{module}` uses `{path}`, the command `{used}`: commands share only {shared:?}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_may_use_shared_pieces_and_itself_but_no_other_command() {
        let doc =
            "Shared by the commands: `commands::common`, `commands::execute` (`commands::x`: no).";
        let shared = shared_pieces(doc);
        assert_eq!(
            shared,
            BTreeSet::from(["commands::common", "commands::execute"].map(String::from))
        );
        let commands: BTreeSet<String> = [
            "commands::apply",
            "commands::demo",
            "commands::common",
            "commands::execute",
        ]
        .map(String::from)
        .into();
        let check = |m: &str, p: &str| other_command(m, p, &commands, &shared);
        assert!(check("commands::demo", "commands::common::client_from").is_none());
        assert!(check("commands::apply::webhook", "commands::apply").is_none());
        assert!(check("commands::demo", "commands::Failure").is_none());
        assert!(check("commands", "commands::apply::run").is_none());
        assert!(check("commands::demo", "commands::apply::run").is_some());
        assert!(check("commands::apply::webhook", "commands::demo").is_some());
        // A shared piece may not use a command either.
        assert!(check("commands::execute", "commands::apply").is_some());
    }
}
