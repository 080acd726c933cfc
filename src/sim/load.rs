//! Reading and checking seeds: [`Seed::from_json`], [`Seed::from_file`] and
//! [`Seed::validate`].
//!
//! Kept apart from [`super::seed`] so that the dependency runs one way: `seed` is plain data,
//! `state` builds an account from it, and this module uses both.

use super::error::SimError;
use super::seed::Seed;
use super::state::Account;
use std::path::Path;

impl Seed {
    /// Parses and validates a seed.
    ///
    /// # Errors
    /// [`SimError::Seed`] for malformed JSON (with line and column), unknown fields, or any
    /// broken rule (each problem named with its entry, e.g. `users[1] (x@y.com): ...`).
    pub fn from_json(text: &str) -> Result<Seed, SimError> {
        let seed: Seed =
            serde_json::from_str(text).map_err(|e| SimError::Seed(format!("not a seed: {e}")))?;
        seed.validate()?;
        Ok(seed)
    }

    /// Reads, parses and validates a seed file. Its errors are the only place the file's
    /// name enters a seed message, so a caller reports them as they are.
    ///
    /// # Errors
    /// [`SimError::Io`] when the file cannot be read; [`SimError::SeedFile`] (the file,
    /// then what [`Seed::from_json`] found) when it is not a valid seed.
    pub fn from_file(path: &Path) -> Result<Seed, SimError> {
        let text = std::fs::read_to_string(path).map_err(|e| SimError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Seed::from_json(&text).map_err(|e| match e {
            SimError::Seed(problem) => SimError::SeedFile {
                path: path.to_path_buf(),
                problem,
            },
            other => other,
        })
    }

    /// Checks every rule without starting anything. [`super::start`] runs the same check.
    ///
    /// # Errors
    /// [`SimError::Seed`] listing every problem.
    pub fn validate(&self) -> Result<(), SimError> {
        self.with_setting_problems(Account::from_seed(self, "http://127.0.0.1").map(|_| ()))
    }

    /// Adds the problems of the settings the account does not check (`random_faults`,
    /// `rate_limit.endpoints`) to the outcome of building the account.
    pub(crate) fn with_setting_problems<T>(
        &self,
        built: Result<T, SimError>,
    ) -> Result<T, SimError> {
        let mut problems = Vec::new();
        // The simulator accepts `Authorization: Token token=<key>` only for a key without
        // white space (F3), as a header carries it: a seed key that could never be
        // accepted is refused here instead of being printed by the sandbox banner and then
        // answered 401. The key itself is not repeated.
        for (i, key) in self.api_keys.iter().enumerate() {
            let k = key.key();
            if k.is_empty() || k.chars().any(|c| c.is_whitespace() || c.is_control()) {
                problems.push(format!(
                    "api_keys[{i}]: a key must be non-empty, without spaces or control characters (the simulator could never accept it in `Authorization: Token token=<key>`)"
                ));
            }
        }
        if let Err(e) = self.random_faults.validate() {
            problems.push(format!("random_faults: {e}"));
        }
        for (i, limit) in self.rate_limit.endpoints.iter().enumerate() {
            if let Err(e) = limit.validate() {
                problems.push(format!("rate_limit.endpoints[{i}]: {e}"));
            }
        }
        match built {
            Ok(value) if problems.is_empty() => Ok(value),
            Ok(_) => Err(SimError::Seed(problems.join("; "))),
            Err(SimError::Seed(m)) if !problems.is_empty() => {
                Err(SimError::Seed(format!("{m}; {}", problems.join("; "))))
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_the_simulator_could_never_accept_is_refused_at_load() {
        for bad in ["two words", "", "tab\there"] {
            let json = serde_json::json!({ "api_keys": [bad] }).to_string();
            let e = Seed::from_json(&json).unwrap_err().to_string();
            assert!(
                e.contains("api_keys[0]: a key must be non-empty, without spaces"),
                "{e}"
            );
            if !bad.is_empty() {
                assert!(!e.contains(bad), "the key is not repeated: {e}");
            }
        }
        assert!(Seed::from_json(r#"{"api_keys":["no-space-key"]}"#).is_ok());
    }

    #[test]
    fn empty_seed_has_documented_defaults() {
        let s = Seed::from_json("{}").unwrap();
        assert_eq!(s.rate_limit.requests, 960);
        assert_eq!(s.rate_limit.window_seconds, 60);
        assert!(s.api_keys.is_empty() && s.users.is_empty());
    }

    #[test]
    fn debug_never_shows_keys() {
        let s = Seed::from_json(r#"{"api_keys":["very-secret-key"]}"#).unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("very-secret-key"), "{shown}");
        assert!(shown.contains("1 redacted"));
    }

    #[test]
    fn alias_for_requests_per_minute() {
        let s = Seed::from_json(r#"{"rate_limit":{"requests_per_minute":5}}"#).unwrap();
        assert_eq!(s.rate_limit.requests, 5);
    }

    #[test]
    fn random_faults_and_endpoint_limits_are_read_and_checked() {
        let s = Seed::from_json(
            r#"{"rate_limit": {"endpoints": [{"method": "GET", "path": "/oncalls", "requests": 60}]},
                "random_faults": {"seed": 9, "drop_percent": 2.5, "list_lag_ms": 500}}"#,
        )
        .unwrap();
        assert_eq!(s.rate_limit.requests, 960);
        assert_eq!(s.rate_limit.endpoints[0].window_seconds, 60);
        assert_eq!(s.random_faults.seed, 9);
        assert_eq!(s.random_faults.drop_percent, 2.5);
        assert_eq!(s.random_faults.list_lag_ms, 500);
        assert_eq!(s.random_faults.rate_limit_burst, 1);
        let e = Seed::from_json(
            r#"{"users": [{"name": "", "email": "x@example.com"}],
                "rate_limit": {"endpoints": [{"method": "GET", "path": "oncalls", "requests": 1}]},
                "random_faults": {"drop_percent": 120}}"#,
        )
        .unwrap_err()
        .to_string();
        for needle in [
            "Name can't be blank",
            "random_faults: drop_percent must be between 0 and 100",
            "rate_limit.endpoints[0]: path \"oncalls\" must start with '/'",
        ] {
            assert!(e.contains(needle), "missing {needle:?} in {e}");
        }
    }

    #[test]
    fn unknown_fields_are_errors() {
        let e = Seed::from_json(r#"{"user":[]}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `user`"), "{e}");
    }

    #[test]
    fn rule_violations_are_all_named() {
        let e = Seed::from_json(
            r#"{"teams":[{"name":"Ops"}],
                "users":[
                  {"name":"A","email":"a@example.com","role":"owner"},
                  {"name":"B","email":"A@Example.com","role":"owner"},
                  {"name":"C","email":"c@example.com","time_zone":"US/Mountain",
                   "teams":[{"team":"Nope"}]},
                  {"name":"D","email":"d@example.com","role":"read_only_user",
                   "teams":[{"team":"Ops"}]}]}"#,
        )
        .unwrap_err();
        let text = e.to_string();
        for needle in [
            "users[1] (A@Example.com): Email has already been taken",
            "users[1] (A@Example.com): only one user may have role owner",
            "users[2] (c@example.com): Time zone is not a valid tzinfo identifier",
            "users[2] (c@example.com): team \"Nope\" is not a team of the seed",
            "users[3] (d@example.com): ",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in {text}");
        }
    }

    #[test]
    fn from_file_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seed.json");
        std::fs::write(&path, r#"{"users":[{"name":"","email":"x@y.io"}]}"#).unwrap();
        let e = Seed::from_file(&path).unwrap_err();
        // The file once, then what is wrong.
        assert_eq!(
            e.to_string(),
            format!(
                "invalid seed file {}: users[0] (x@y.io): Name can't be blank",
                path.display()
            )
        );
        let e = Seed::from_file(&dir.path().join("missing.json")).unwrap_err();
        assert!(matches!(e, SimError::Io { .. }));
    }

    #[test]
    fn the_documented_seed_example_is_a_valid_seed() {
        let docs = include_str!("mod.rs");
        let start = docs.find("# Seed format").expect("the section");
        let block: String = docs[start..]
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("//! ```json"))
            .skip(1)
            .take_while(|l| !l.trim_start().starts_with("//! ```"))
            .map(|l| l.trim_start().trim_start_matches("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        let seed = Seed::from_json(&block).unwrap_or_else(|e| panic!("{e}\n{block}"));
        assert_eq!(seed.escalation_policies.len(), 1);
        assert_eq!(seed.api_keys[1].user(), Some("bot@example.com"));
    }

    #[test]
    fn api_keys_take_both_forms_and_debug_hides_them() {
        let s = Seed::from_json(
            r#"{"api_keys": ["plain-secret", {"key": "user-secret", "user": "bot@example.com"}],
                "users": [{"name": "Bot", "email": "bot@example.com", "role": "admin"}]}"#,
        )
        .unwrap();
        assert_eq!(s.api_keys[0].key(), "plain-secret");
        assert_eq!(s.api_keys[0].user(), None);
        assert_eq!(s.api_keys[1].key(), "user-secret");
        let shown = format!("{s:?} {:?}", s.api_keys);
        assert!(!shown.contains("secret"), "{shown}");
        let e = Seed::from_json(r#"{"api_keys": [{"key": "k", "owner": "x"}]}"#).unwrap_err();
        assert!(e.to_string().contains("an API key is a string or"), "{e}");
    }
}
