//! The help texts: the examples, environment variables and exit codes shown after each
//! command's `--help` (`after_help`), one constant per command, with the `Environment:`
//! lines shared between commands written once (`env_line!`).

pub(super) const EXAMPLES: &str = "\
Examples:
  hr2pagerduty demo
      Run plan, apply and a second plan against the built-in simulator.
  hr2pagerduty validate --config samples/config.toml --hr export.csv
      Check an export offline and list every row problem with its line.
  PAGERDUTY_API_KEY=... hr2pagerduty doctor --config samples/config.toml
      Before the first run: check the key and the account against the configuration.
  PAGERDUTY_API_KEY=... hr2pagerduty plan --config samples/config.toml --hr export.csv --out plan.json
      Show what would change (GET requests only) and save the plan for review.
  PAGERDUTY_API_KEY=... hr2pagerduty apply --config samples/config.toml --plan plan.json
      Apply exactly the reviewed plan.
  PAGERDUTY_API_KEY=... hr2pagerduty apply --config samples/config.toml --hr export.csv --yes --report report.json
      Apply the changes without a prompt, as a nightly job, and write a JSON report.
  hr2pagerduty sandbox --seed samples/demo/seed.json --port 8080
      Serve the PagerDuty simulator on http://127.0.0.1:8080 for trying plan and apply.

`hr2pagerduty COMMAND --help` shows each command's own examples. samples/deploy/ holds
systemd, cron and Kubernetes schedules for the nightly apply; give every run the marker
key (a secret of at least 32 bytes: --marker-key-file FILE, a file only its owner can read,
or PAGERDUTY_MARKER_KEY), so that ownership markers are signed.

Exit codes: 0 success; 1 the run failed, left a deactivation undone (blocked, failed), or
applied the rest of a plan whose skips need a person; 2 plan --detailed-exitcode found
changes; 3 refused before any write; 64 usage error; 65 HR input unusable; 78 configuration
invalid; 130 interrupted by SIGINT (apply stops cleanly; other commands end at once); 143
stopped by SIGTERM (likewise).";

pub(super) const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  mkdir -p ~/.local/share/bash-completion/completions
  hr2pagerduty completions bash > ~/.local/share/bash-completion/completions/hr2pagerduty
  mkdir -p ~/.zfunc
  hr2pagerduty completions zsh > ~/.zfunc/_hr2pagerduty
      With fpath=(~/.zfunc $fpath) before compinit in ~/.zshrc.
  mkdir -p ~/.config/fish/completions
  hr2pagerduty completions fish > ~/.config/fish/completions/hr2pagerduty.fish

Exit codes: 0 printed; 1 stdout could not be written (a full disk); 64 usage error (a shell
it does not know, a missing shell).";

pub(super) const MAN_EXAMPLES: &str = "\
Examples:
  hr2pagerduty man | man -l -
      Read the manual page now.
  sudo install -d /usr/local/share/man/man1
  hr2pagerduty man | sudo tee /usr/local/share/man/man1/hr2pagerduty.1 >/dev/null
  hr2pagerduty man plan | sudo tee /usr/local/share/man/man1/hr2pagerduty-plan.1 >/dev/null
      Install the pages of hr2pagerduty and of its plan command.

Exit codes: 0 printed; 1 stdout could not be written (a full disk); 64 usage error (a
command it has no page for).";

/// Lines of the `Environment:` block of each command's help, one per variable, so that
/// every command lists each variable it reads once.
macro_rules! env_line {
    (api_key) => {
        "\n  PAGERDUTY_API_KEY              the REST API key, unless --api-key-file names a file
                                 holding it; never printed, logged or written"
    };
    (api_url) => {
        "\n  PAGERDUTY_API_URL              the API root, as --api-url (an empty value is refused)"
    };
    (marker_key) => {
        "\n  PAGERDUTY_MARKER_KEY           the secret (32 bytes or more) that signs ownership
                                 markers, unless --marker-key-file names a file holding
                                 it; neither given, markers are not signed (a secret)
  PAGERDUTY_MARKER_KEY_PREVIOUS  the previous marker key, during a rotation, unless
                                 --marker-key-previous-file names its file"
    };
    (notify) => {
        "\n  HR2PAGERDUTY_NOTIFY_URL        the webhook for the run's summary, as --notify (an
                                 empty value is refused; a secret)"
    };
    (lock) => {
        "\n  STATE_DIRECTORY                the apply lock's directory unless [safety] lock_dir is
                                 set (systemd sets it from StateDirectory=)
  XDG_STATE_HOME, HOME           else $XDG_STATE_HOME/hr2pagerduty, else
                                 $HOME/.local/state/hr2pagerduty"
    };
    (color) => {
        "\n  NO_COLOR                       non-empty: no colour under --color auto
  TERM                           dumb: no colour under --color auto"
    };
    (log) => {
        "\n  RUST_LOG                       the log filter, over -v (e.g. hr2pagerduty=debug)"
    };
}

pub(super) const VALIDATE_EXAMPLES: &str = concat!(
    "\
Examples:
  hr2pagerduty validate --config samples/demo/config.toml --hr samples/demo/hr.csv
      Check the configuration and an export offline; each row problem is listed with its line.
  hr2pagerduty validate --config config.toml --hr export.csv --format json
      The same as JSON, e.g. for the step that hands the export over.

Environment:",
    env_line!(log),
    "

Exit codes: 0 the export is usable; 64 usage error; 65 the HR export is unusable (damaged, or
more invalid rows than [safety] max_invalid_rows_percent); 78 the configuration is invalid."
);

pub(super) const PLAN_EXAMPLES: &str = concat!(
    "\
Examples:
  hr2pagerduty plan --config samples/demo/config.toml --hr samples/demo/hr.csv
      Show what would change, with GET requests only (against `hr2pagerduty sandbox`, say).
  hr2pagerduty plan --config config.toml --hr export.csv --out plan.json
      Also save the plan for review; then `hr2pagerduty apply --config config.toml --plan
      plan.json` applies exactly it (the command is printed).
  hr2pagerduty plan --config config.toml --hr export.csv --detailed-exitcode
      For a scheduler or CI: exit 2 when there are changes, 0 when there are none.

Environment:",
    env_line!(api_key),
    env_line!(api_url),
    env_line!(marker_key),
    env_line!(color),
    env_line!(log),
    "

Exit codes: 0 done (with --detailed-exitcode: no changes); 1 the run failed (PagerDuty
unreachable, the key rejected, retries exhausted); 2 changes (with --detailed-exitcode only);
3 refused (a safety check tripped, a marker key that is wrong or missing while markers are
signed, or the listing could not be proven complete); 64 usage error; 65 the HR export is
unusable; 78 the configuration is invalid; 130 interrupted by SIGINT; 143 stopped by
SIGTERM."
);

pub(super) const APPLY_EXAMPLES: &str = concat!(
    "\
Examples:
  hr2pagerduty apply --config samples/demo/config.toml --hr samples/demo/hr.csv
      Show the plan and apply it after a typed yes (asked on the terminal, not on stdout).
  hr2pagerduty apply --config config.toml --plan plan.json
      Apply exactly a plan saved by `plan --out plan.json`, once nothing it touches changed.
  hr2pagerduty apply --config config.toml --hr export.csv --yes --report report.json \\
      --api-key-file /etc/hr2pagerduty/api-key --marker-key-file /etc/hr2pagerduty/marker-key
      A nightly job: no question, the secrets in files only its user can read (chmod 600),
      and a JSON report written as actions end.

Environment:",
    env_line!(api_key),
    env_line!(api_url),
    env_line!(marker_key),
    env_line!(notify),
    env_line!(lock),
    env_line!(color),
    env_line!(log),
    "

Exit codes: 0 applied, nothing to do, or cancelled; 1 the run failed (an action failed, a
deactivation was left undone, a skip needs a person (the rest applied), PagerDuty
unreachable, --max-runtime ran out); 3 refused before any write (a safety check, a marker
key that is wrong or missing while markers are signed, also for a saved plan, an incomplete
listing, a stale saved plan, another apply holds the lock); 64 usage error (no --yes without
a terminal, among others); 65 the HR export is unusable; 78 the configuration is invalid;
130 interrupted by SIGINT; 143 stopped by SIGTERM."
);

pub(super) const SANDBOX_EXAMPLES: &str = concat!(
    "\
Examples:
  hr2pagerduty sandbox --seed samples/demo/seed.json --port 8080
      Serve the simulator on http://127.0.0.1:8080 and print the two variables to export;
      then, in another shell: hr2pagerduty plan --config samples/demo/config.toml --hr
      samples/demo/hr.csv
  hr2pagerduty sandbox --seed samples/demo/seed.json --fault-seed 7 --fault-5xx-percent 5 --latency-ms 150
      The same with reproducible random faults and latency.

Environment:",
    env_line!(log),
    "

Exit codes: 0 stopped by Ctrl-C; 1 the port cannot be bound; 64 usage error (a seed that
cannot be read, fault flags out of range)."
);

pub(super) const DEMO_EXAMPLES: &str = concat!(
    "\
Examples:
  hr2pagerduty demo
      Plan, apply and plan again against the built-in simulator: no key, no network.
  hr2pagerduty demo --report report.json
      The same, and write the apply's JSON report.

Environment:",
    env_line!(color),
    env_line!(log),
    "

Exit codes: 0 the demo ran; 1 it failed (the simulator could not start, an action failed,
stdout could not be written); 64 usage error (bad flags, a --report path that cannot be
written); 130 interrupted by SIGINT; 143 stopped by SIGTERM."
);

pub(super) const DOCTOR_EXAMPLES: &str = concat!(
    "\
Examples:
  PAGERDUTY_API_KEY=... hr2pagerduty doctor --config samples/config.toml
      Check the key and the account against the configuration; each check says what to do.
  PAGERDUTY_API_KEY=... hr2pagerduty doctor --config samples/config.toml --format json
      The same checks as JSON, for a deployment pipeline.
  hr2pagerduty doctor --config config.toml --api-key-file api-key --marker-key-file marker-key
      The same with the keys in files, as the nightly job reads them; the Marker signing
      check names the file the marker key came from (never the key).

Environment:",
    env_line!(api_key),
    env_line!(api_url),
    env_line!(marker_key),
    env_line!(log),
    "

Exit codes: 0 every check passed (notes allowed); 1 a check failed (a rejected key, a key or
From user that may not add users, a time zone or role PagerDuty does not know, included); 64
usage error (no key); 78 the configuration is invalid otherwise."
);
