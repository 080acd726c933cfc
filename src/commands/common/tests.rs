use super::*;

#[test]
fn shell_words_are_quoted_only_when_a_shell_would_split_or_expand_them() {
    assert_eq!(shell_word("samples/config.toml"), "samples/config.toml");
    assert_eq!(
        shell_word("--api-url=http://127.0.0.1:8080"),
        "--api-url=http://127.0.0.1:8080"
    );
    assert_eq!(shell_word("my plan.json"), "'my plan.json'");
    assert_eq!(shell_word("$HOME"), "'$HOME'");
    assert_eq!(shell_word("it's"), r"'it'\''s'");
    assert_eq!(shell_word(""), "''");
}

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

#[test]
fn a_stopped_run_replaces_the_report_with_why_and_keeps_its_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    std::fs::write(&path, "last night's").unwrap();
    let file = ReportFile::new(&path);
    let printer = Printer::to_writers(Box::new(std::io::sink()), Box::new(std::io::sink()), 0);
    let result = finish_report(
        Some(&file),
        Err(Failure::Refused("a check tripped".into())),
        &printer,
    );
    assert_eq!(result.unwrap_err().exit(), Exit::Refused);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["status"], "refused");
    assert_eq!(v["exit_code"], 3);
    assert_eq!(v["error"], "refused before any write: a check tripped");
}
