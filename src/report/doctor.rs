//! The `doctor` report: the checks of [`crate::doctor`] as text for people and JSON for
//! machines.

use crate::doctor::{Check, Status};
use crate::words::plural;
use serde_json::json;

/// The text report of `doctor` for the configuration file `config` (as given) and the
/// account at `api_url`: a header, one block per check (status, title, what was found and
/// what to do), then the counts.
pub fn doctor_text(config: &str, api_url: &str, checks: &[Check]) -> String {
    let width = checks.iter().map(|c| c.title.len()).max().unwrap_or(0);
    let mut out = format!("Checking {config} against {api_url}\n\n");
    for c in checks {
        out.push_str(&format!(
            "{:<7} {:<width$}  {}\n",
            c.status.as_str(),
            c.title,
            c.detail
        ));
        if let Some(fix) = &c.fix {
            out.push_str(&format!("{:<7} {:<width$}  What to do: {fix}\n", "", ""));
        }
    }
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    let failed = count(Status::Fail);
    out.push('\n');
    let notes = count(Status::Note);
    let skipped = count(Status::Skipped);
    // The same parts in both forms, a part of none left out (r10i 5).
    let mut parts = vec![format!("{} passed", count(Status::Pass))];
    if notes > 0 {
        parts.push(format!("{notes} note{}", plural(notes, "", "s")));
    }
    if skipped > 0 {
        parts.push(format!("{skipped} skipped"));
    }
    let head = if failed == 0 {
        "No check failed".to_string()
    } else {
        format!("{failed} check{} failed", plural(failed, "", "s"))
    };
    out.push_str(&format!("{head} ({}).\n", parts.join(", ")));
    out
}

/// The JSON report of `doctor`: `{"config", "api_url", "ok", "summary": {pass, fail, note, skipped},
/// "checks": [{"check", "title", "status", "detail", "fix"}]}`.
pub fn doctor_json(config: &str, api_url: &str, checks: &[Check]) -> serde_json::Value {
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    json!({
        "config": config,
        "api_url": api_url,
        "ok": count(Status::Fail) == 0,
        "summary": {
            "pass": count(Status::Pass),
            "fail": count(Status::Fail),
            "note": count(Status::Note),
            "skipped": count(Status::Skipped),
        },
        "checks": checks.iter().map(|c| json!({
            "check": c.name,
            "title": c.title,
            "status": c.status.as_str(),
            "detail": c.detail,
            "fix": c.fix,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &'static str, title: &'static str, status: Status, fix: Option<&str>) -> Check {
        Check {
            name,
            title,
            status,
            detail: format!("{name} detail"),
            fix: fix.map(str::to_string),
        }
    }

    #[test]
    fn the_text_aligns_titles_and_counts_each_status() {
        let checks = [
            check("api_key", "API key", Status::Pass, None),
            check(
                "write_access",
                "Write access",
                Status::Note,
                Some("use a full key"),
            ),
            check("teams", "Teams", Status::Fail, Some("create it")),
            check("licenses", "Licences", Status::Skipped, None),
        ];
        assert_eq!(
            doctor_text("c.toml", "http://127.0.0.1:1", &checks),
            "Checking c.toml against http://127.0.0.1:1\n\n\
             pass    API key       api_key detail\n\
             note    Write access  write_access detail\n\
             \x20                     What to do: use a full key\n\
             fail    Teams         teams detail\n\
             \x20                     What to do: create it\n\
             skipped Licences      licenses detail\n\
             \n1 check failed (1 passed, 1 note, 1 skipped).\n"
        );
        // Both forms name the same parts, and a part of none in neither (r10i 5).
        let tail = |c: &[Check]| {
            doctor_text("c.toml", "u", c)
                .lines()
                .last()
                .unwrap()
                .to_string()
        };
        assert_eq!(tail(&checks[..2]), "No check failed (1 passed, 1 note).");
        assert_eq!(
            tail(&[checks[0].clone(), checks[3].clone()]),
            "No check failed (1 passed, 1 skipped)."
        );
        assert_eq!(
            tail(&[checks[0].clone(), checks[2].clone()]),
            "1 check failed (1 passed)."
        );
        let v = doctor_json("c.toml", "u", &checks[..2]);
        assert_eq!(v["ok"], true);
        assert_eq!(v["summary"]["note"], 1);
        assert_eq!(v["checks"][1]["fix"], "use a full key");
        assert_eq!(v["checks"][0]["fix"], serde_json::Value::Null);
    }
}
