//! [`RuleLabel`]: the one name of a `[[roles.rule]]` or `[[teams.rule]]`, in the
//! configuration's errors, the planner's errors and the plans alike.

use std::fmt;

/// A rule by its 1-based position in file order: shown `roles.rule #2` or `teams.rule #3`,
/// so that an operator finds the rule an error names under the same name a plan gives it
/// (README.md § Text plan, § JSON plan `role_rule` and `team_rules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleLabel {
    /// The `[[roles.rule]]` at this 1-based position.
    Role(usize),
    /// The `[[teams.rule]]` at this 1-based position.
    Team(usize),
}

impl RuleLabel {
    /// A key inside the rule, as a configuration problem names it: `roles.rule #2 role`,
    /// `teams.rule #1 when.location` (the rule's label, a space, the dotted key).
    pub fn key(self, inner: &str) -> String {
        format!("{self} {inner}")
    }
}

impl fmt::Display for RuleLabel {
    /// `roles.rule #N` or `teams.rule #N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleLabel::Role(n) => write!(f, "roles.rule #{n}"),
            RuleLabel::Team(n) => write!(f, "teams.rule #{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RuleLabel;

    #[test]
    fn rules_are_named_by_list_and_1_based_number() {
        assert_eq!(RuleLabel::Role(2).to_string(), "roles.rule #2");
        assert_eq!(RuleLabel::Team(3).to_string(), "teams.rule #3");
        assert_eq!(
            RuleLabel::Team(1).key("when.location"),
            "teams.rule #1 when.location"
        );
    }
}
