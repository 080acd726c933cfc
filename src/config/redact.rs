//! The `[notify] url` out of TOML errors. A chat webhook URL is a secret like the API key
//! (README.md § Secrets), and the `toml` crate's message quotes the line an error is on, so
//! an array, an unterminated string or a duplicate `url` key would print it on stderr.
//!
//! The file may not parse, so the lines that may hold the URL are found by a lenient scan
//! of the text, not from the parsed table: every line of the `[notify]` table (up to the
//! next header), a line whose key starts with `notify` (`notify.url = …`,
//! `notify = { url = … }`, a misplaced `notify_url = …`), and any other line holding `://`
//! except the `api_url` key (the API URL is no secret, and its line helps) unless it holds
//! an `@` (a password before the host, which the validation refuses). On those lines
//! everything after the first `=` is replaced by [`MARK`], padded with spaces to the same
//! byte length (the padding is not printed), so that the error's span still points at the
//! same line and column and the caret stays where it was. The quoted values of those lines
//! are also removed from the message itself (serde's "invalid type: string \"…\"" repeats
//! a value).

/// What stands in for a secret value.
pub(super) const MARK: &str = "[REDACTED]";

/// `error`'s message for the file `text`, with every line that may hold the webhook URL
/// redacted (see the module documentation). Keeps the line number, column and caret.
pub(super) fn toml_error(mut error: toml::de::Error, text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let secret = secret_lines(&lines);
    let mut values = Vec::new();
    let redacted: Vec<String> = lines
        .iter()
        .zip(&secret)
        .map(|(line, &is_secret)| {
            if is_secret {
                values.extend(quoted(line));
                redact_line(line)
            } else {
                (*line).to_string()
            }
        })
        .collect();
    let redacted = redacted.join("\n");
    debug_assert_eq!(redacted.len(), text.len());
    error.set_input(Some(&redacted));
    // The padding is not printed: no line of the message ends in spaces.
    let mut message: String = error
        .to_string()
        .trim_end()
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    // Longest first, so that a value holding another is removed whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    for v in values.iter().filter(|v| v.len() >= 4) {
        message = message.replace(v.as_str(), MARK);
    }
    message
}

/// For each line, whether it may hold the webhook URL.
fn secret_lines(lines: &[&str]) -> Vec<bool> {
    let mut in_notify = false;
    lines
        .iter()
        .map(|line| {
            let t = line.trim();
            if t.starts_with('[') {
                let name: String = t
                    .trim_start_matches('[')
                    .split(']')
                    .next()
                    .unwrap_or("")
                    .chars()
                    .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
                    .collect();
                in_notify = name == "notify" || name.starts_with("notify.");
                // A header line holds no value, but one with a URL after it is not a header.
                return t.contains("://");
            }
            if t.is_empty() || t.starts_with('#') {
                return false;
            }
            let key: String = t
                .split('=')
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
                .collect();
            in_notify
                || key.starts_with("notify")
                || (t.contains("://") && (key != "api_url" || t.contains('@')))
        })
        .collect()
}

/// `line` with everything after its first `=` (or, without one, the whole line after its
/// indentation) replaced by [`MARK`] padded with spaces to the same byte length.
fn redact_line(line: &str) -> String {
    let start = match line.find('=') {
        Some(i) => i + 1 + (line.len() - i - 1 - line[i + 1..].trim_start().len()),
        None => line.len() - line.trim_start().len(),
    };
    let width = line.len() - start;
    let mark = if width >= MARK.len() {
        format!("{MARK}{}", " ".repeat(width - MARK.len()))
    } else {
        "*".repeat(width)
    };
    format!("{}{mark}", &line[..start])
}

/// The contents of the quoted strings on `line` (`"…"` or `'…'`); an unterminated one runs
/// to the end of the line.
fn quoted(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(open) = rest.find(['"', '\'']) {
        let quote = rest[open..].chars().next().unwrap_or('"');
        let after = &rest[open + 1..];
        match after.find(quote) {
            Some(close) => {
                out.push(after[..close].to_string());
                rest = &after[close + 1..];
            }
            None => {
                out.push(after.to_string());
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOOK: &str = "https://hooks.slack.com/services/T0/B0/SeCrEtPaRt123";

    /// The error `toml` gives for `text` read as a table with a string `notify.url`.
    fn error_for(text: &str) -> String {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Notify {
            url: Option<String>,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct File {
            name: Option<String>,
            notify: Option<Notify>,
        }
        let e = toml::from_str::<File>(text).expect_err("the text is not valid");
        toml_error(e, text)
    }

    #[test]
    fn the_url_leaves_every_parse_error_and_the_line_and_caret_stay() {
        let cases = [
            format!("name = \"x\"\n[notify]\nurl = [\"{HOOK}\"]\n"),
            format!("name = \"x\"\n[notify]\nurl = \"{HOOK}\n"),
            format!("name = \"x\"\n[notify]\nurl = \"{HOOK}\"\nurl = \"{HOOK}\"\n"),
            format!("name = \"x\"\nnotify = \"{HOOK}\"\n"),
            format!("name = \"x\"\nnotify.url = 3\nnotify.url = \"{HOOK}\"\n"),
        ];
        for text in &cases {
            let m = error_for(text);
            assert!(!m.contains("SeCrEtPaRt123"), "{text}\n{m}");
            assert!(!m.contains("hooks.slack.com"), "{text}\n{m}");
            assert!(m.contains("TOML parse error at line "), "{m}");
            assert!(m.contains('^'), "{m}");
            assert!(m.contains(MARK), "{m}");
        }
    }

    #[test]
    fn an_api_url_line_is_quoted_unless_it_holds_a_password() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct File {
            api_url: Option<String>,
        }
        for (url, kept) in [
            ("https://api.example.com", true),
            ("https://ops:SeCrEtPw42@api.example.com", false),
        ] {
            let text = format!("api_url = [\"{url}\"]\n");
            let e = toml::from_str::<File>(&text).expect_err("an array is no string");
            let m = toml_error(e, &text);
            assert_eq!(m.contains(url), kept, "{m}");
            assert!(!m.contains("SeCrEtPw42"), "{m}");
        }
    }

    #[test]
    fn a_line_of_another_table_is_quoted_as_it_is() {
        let text = "name = [\"kept\"]\n[notify]\nurl = \"x\"\n";
        let m = error_for(text);
        assert!(m.contains("1 | name = [\"kept\"]"), "{m}");
    }

    #[test]
    fn redacting_keeps_the_byte_length_and_the_key() {
        for line in ["url = \"https://a.example/x\"", "  url=[", "x = 1"] {
            let r = redact_line(line);
            assert_eq!(r.len(), line.len(), "{r:?}");
            assert_eq!(r.split('=').next(), line.split('=').next());
            assert!(!r.contains("a.example"));
        }
    }

    #[test]
    fn quoted_values_are_found_terminated_or_not() {
        assert_eq!(quoted(r#"url = ["a", 'b']"#), vec!["a", "b"]);
        assert_eq!(quoted(r#"url = "open"#), vec!["open"]);
    }
}
