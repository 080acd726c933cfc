//! Configuration parsing: `Config::from_toml` never panics on any text, and its errors say
//! where:
//! - a validation problem that has a line names one of the file's lines;
//! - text that is not TOML at all (the `toml` crate refuses it as a plain table, and
//!   always knows the span then) is a parse error whose message gives the line.
//!
//! The input is the file's text; invalid UTF-8 is replaced (the file is read as a string).

#![no_main]

use hr2pagerduty::config::{
    Config, ConfigError, MAX_BURST, MAX_CONCURRENCY, MAX_CREATE_CONCURRENCY,
    MAX_REQUESTS_PER_MINUTE,
};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let last_line = text.matches('\n').count() + 1;
    let syntax = toml::from_str::<toml::Table>(&text);
    match Config::from_toml(&text, Path::new("/etc/hr2pagerduty/fuzz.toml")) {
        Ok(cfg) => {
            assert!(
                syntax.is_ok(),
                "a configuration that is not TOML was accepted"
            );
            // What validation promises the rest of the crate.
            let rpm = cfg.pagerduty.requests_per_minute;
            assert!((1..=MAX_REQUESTS_PER_MINUTE).contains(&rpm));
            assert!((1..=MAX_BURST).contains(&cfg.pagerduty.burst));
            assert!((1..=MAX_CONCURRENCY).contains(&cfg.pagerduty.concurrency));
            assert!((1..=MAX_CREATE_CONCURRENCY).contains(&cfg.pagerduty.create_concurrency));
            assert!(cfg.lifecycle.suspended_role.is_known());
            assert!(cfg.roles.default.is_known());
        }
        Err(ConfigError::Invalid { problems, .. }) => {
            assert!(syntax.is_ok(), "not TOML, yet reported as invalid values");
            assert!(!problems.is_empty());
            for p in &problems {
                if let Some(line) = p.line {
                    assert!(
                        (1..=last_line).contains(&line),
                        "{p} is not a line of a {last_line}-line file"
                    );
                }
                assert!(!p.key.is_empty() && !p.message.is_empty(), "{p}");
            }
        }
        Err(ConfigError::Parse { message, .. }) => {
            assert!(!message.is_empty());
            if let Err(e) = &syntax
                && e.span().is_some()
            {
                assert!(message.contains("line"), "no line in {message:?}");
            }
        }
        Err(e @ ConfigError::Read { .. }) => panic!("from_toml reads no file: {e}"),
    }
});
