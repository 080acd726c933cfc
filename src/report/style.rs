//! Colour in the text plan: [`Paint`] says whether to write ANSI escape codes, and which
//! colour each action kind gets (additions green, changes yellow, deactivations and
//! deletions red and bold, as `terraform plan` colours them).
//!
//! Whether colour is wanted (`--color`, `NO_COLOR`, whether stdout is a terminal) is the
//! printer's decision (`crate::printer`); the commands pass it in as a `Paint`, so that
//! rendering stays pure and never reads the environment.

use crate::plan::ActionKind;
use anstyle::{AnsiColor, Style};

/// Whether rendered text carries ANSI colour codes (SGR sequences such as `ESC[32m`).
/// [`Paint::PLAIN`] (the default) renders the text unchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Paint {
    on: bool,
}

/// The colour of an addition: a create, a reactivation, a `+` line.
const ADDED: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
/// The colour of a change in place: an update, a `~` line.
const CHANGED: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
/// The colour of what takes access away: a deactivation, a deletion, a `-` line; bold, so
/// that it stands out in a long plan.
const REMOVED: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)))
    .bold();
/// Emphasis without colour: headlines and the summary's `Plan:`.
const BOLD: Style = Style::new().bold();

impl Paint {
    /// No escape codes.
    pub const PLAIN: Paint = Paint { on: false };
    /// ANSI colour codes.
    pub const ANSI: Paint = Paint { on: true };

    /// [`Paint::ANSI`] when `on`, else [`Paint::PLAIN`].
    pub fn new(on: bool) -> Paint {
        Paint { on }
    }

    /// True when escape codes are written.
    pub fn is_on(self) -> bool {
        self.on
    }

    /// `text` in `style` (then reset), or as it is when plain.
    fn paint(self, style: Style, text: &str) -> String {
        if self.on {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    /// `text` in the colour of `kind`: green for a create or reactivation, yellow for an
    /// update, red and bold for a deactivation or deletion.
    pub(super) fn kind(self, kind: ActionKind, text: &str) -> String {
        let style = match kind {
            ActionKind::Create | ActionKind::Reactivate => ADDED,
            ActionKind::Update => CHANGED,
            ActionKind::Deactivate | ActionKind::Delete => REMOVED,
        };
        self.paint(style, text)
    }

    /// `text` in the colour of an added value (a `+` line).
    pub(super) fn added(self, text: &str) -> String {
        self.paint(ADDED, text)
    }

    /// `text` in the colour of a changed value (a `~` line).
    pub(super) fn changed(self, text: &str) -> String {
        self.paint(CHANGED, text)
    }

    /// `text` in the colour of a removed value (a `-` line).
    pub(super) fn removed(self, text: &str) -> String {
        self.paint(REMOVED, text)
    }

    /// `text` in bold.
    pub(super) fn bold(self, text: &str) -> String {
        self.paint(BOLD, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paint_leaves_the_text_alone_and_ansi_wraps_it_in_sgr_codes() {
        assert_eq!(Paint::PLAIN.kind(ActionKind::Delete, "x"), "x");
        assert_eq!(Paint::default(), Paint::PLAIN);
        assert_eq!(
            Paint::ANSI.kind(ActionKind::Create, "+"),
            "\x1b[32m+\x1b[0m"
        );
        assert_eq!(
            Paint::ANSI.kind(ActionKind::Update, "~"),
            "\x1b[33m~\x1b[0m"
        );
        assert_eq!(
            Paint::ANSI.kind(ActionKind::Deactivate, "-"),
            "\x1b[1m\x1b[31m-\x1b[0m"
        );
        assert_eq!(Paint::ANSI.bold("Plan:"), "\x1b[1mPlan:\x1b[0m");
        assert!(Paint::new(true).is_on() && !Paint::new(false).is_on());
    }
}
