//! The confirmation question of `apply`, on the terminal, and reading its answer.

use super::Failure;
use crate::printer::Printer;
use crate::report;
use std::io::{BufRead, Write};

/// Asks whether to apply a plan that sends `invitations` invitation emails, on the
/// terminal, never on stdout, so that `apply > log` still shows the question: on stderr
/// when it is a terminal, else on the controlling terminal `/dev/tty`
/// ([`Printer::question_terminal`]; `apply > log 2>&1` at a terminal), else on stderr as
/// the last resort. Returns the controlling terminal when the question went there: the
/// answer is read from it ([`read_yes`]). When stdout is not a terminal, the question says
/// where the plan went.
pub(super) fn prompt(printer: &Printer, invitations: usize) -> Option<std::fs::File> {
    let text = prompt_text(invitations, !printer.stdout_is_terminal());
    if let Some(mut tty) = printer.question_terminal()
        && tty
            .write_all(text.as_bytes())
            .and_then(|()| tty.flush())
            .is_ok()
    {
        return Some(tty);
    }
    printer.ask(&text);
    None
}

/// The confirmation question, in the manner of `terraform apply`; when the plan creates
/// users it says how many invitation emails PagerDuty will send, since those cannot be
/// taken back, and with `plan_elsewhere` that the plan went to a stdout that is not this
/// terminal.
fn prompt_text(invitations: usize, plan_elsewhere: bool) -> String {
    let emails = report::invitations_sentence(invitations)
        .map(|s| format!("  {s}\n"))
        .unwrap_or_default();
    let elsewhere = if plan_elsewhere {
        " (the plan was written to stdout, which is not this terminal)"
    } else {
        ""
    };
    format!(
        "\nDo you want to perform these actions?{elsewhere}\n{emails}  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    )
}

/// Reads one line from `tty` (the terminal [`prompt`] asked on) or else from stdin, and
/// says whether it was `yes` (surrounding white space ignored). Blocks: call it off the
/// async workers.
///
/// # Errors
/// [`Failure::Usage`] when the answer cannot be read.
pub(super) fn read_yes(tty: Option<std::fs::File>) -> Result<bool, Failure> {
    let mut line = String::new();
    match tty {
        Some(tty) => std::io::BufReader::new(tty).read_line(&mut line),
        None => std::io::stdin().lock().read_line(&mut line),
    }
    .map_err(|e| Failure::Usage(format!("cannot read the answer: {e}")))?;
    Ok(line.trim() == "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_says_how_many_invitation_emails_pagerduty_will_send() {
        let out = crate::printer::tests::Sink::default();
        let err = crate::printer::tests::Sink::default();
        let printer = Printer::to_writers(Box::new(out.clone()), Box::new(err.clone()), 0);
        assert!(prompt(&printer, 3).is_none());
        // On stderr, never stdout; a printer of writers is no terminal, so the question
        // says where the plan went.
        assert_eq!(out.text(), "");
        assert_eq!(
            err.text(),
            "\nDo you want to perform these actions? (the plan was written to stdout, which is not this terminal)\n  PagerDuty will send 3 invitation emails (one per user created).\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
        );
        assert_eq!(
            prompt_text(1, false),
            "\nDo you want to perform these actions?\n  PagerDuty will send 1 invitation email (one per user created).\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
        );
        // Nothing to say when nobody is created.
        let none = prompt_text(0, false);
        assert!(!none.contains("invitation"), "{none}");
    }
}
