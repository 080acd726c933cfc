//! `validate` finds the rule mistakes that need no PagerDuty account.

use std::path::Path;

#[test]
fn validate_refuses_a_stakeholder_role_with_a_team_offline() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let cfg = std::fs::read_to_string(root.join("samples/demo/config.toml"))
        .unwrap()
        .replace(
            "[roles]\ndefault = \"limited_user\"\n",
            "[roles]\ndefault = \"read_only_user\"\n",
        );
    let cfg_path = dir.path().join("config.toml");
    std::fs::write(&cfg_path, cfg).unwrap();
    let out = crate::support::e2e::hr2pd()
        .args(["validate", "--config"])
        .arg(&cfg_path)
        .arg("--hr")
        .arg(root.join("samples/demo/hr.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Frances Allen (line 9) is in Production: the default read_only_user plus a team.
    assert!(
        stderr.contains("employee 1008 (line 9): the roles give read_only_user, which PagerDuty refuses on teams, but teams.rule #3 adds team \"Production\""),
        "{stderr}"
    );
}
