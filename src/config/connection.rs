//! Where PagerDuty is and which key to use: the API URL (the flag over the environment
//! over the file over the default), the key from the environment, and the https-only URL
//! policy that applies wherever a URL comes from.

use super::defaults::DEFAULT_API_URL;
use super::resolved::Config;
use secrecy::SecretString;
use std::path::Path;

/// Environment variable holding the API key.
pub const ENV_API_KEY: &str = "PAGERDUTY_API_KEY";
/// Environment variable holding the marker key: the secret of the HMAC every ownership
/// marker carries when it is set ([`crate::marker::sign`]; README.md § Marker integrity).
pub const ENV_MARKER_KEY: &str = "PAGERDUTY_MARKER_KEY";
/// Environment variable holding the previous marker key during a rotation: markers signed
/// with it still verify, and are signed again with [`ENV_MARKER_KEY`]'s.
pub const ENV_MARKER_KEY_PREVIOUS: &str = "PAGERDUTY_MARKER_KEY_PREVIOUS";
/// Environment variable overriding the API base URL.
pub const ENV_API_URL: &str = "PAGERDUTY_API_URL";
/// Environment variable naming the webhook `apply` POSTs its summary to (between
/// `--notify` and `[notify] url` in precedence).
pub const ENV_NOTIFY_URL: &str = "HR2PAGERDUTY_NOTIFY_URL";

/// A chat webhook URL (`--notify`, `HR2PAGERDUTY_NOTIFY_URL`, `[notify] url`) that passed
/// [`url_allowed`]. A Slack-style webhook URL is a bearer secret (whoever has it may post),
/// so it is held as a [`SecretString`]: `Debug` shows `[REDACTED]`, and no message of this
/// crate repeats it.
#[derive(Clone)]
pub struct NotifyUrl(SecretString);

impl std::fmt::Debug for NotifyUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NotifyUrl([REDACTED])")
    }
}

impl NotifyUrl {
    /// Checks `url` (trimmed), given by `source` (`--notify`, `HR2PAGERDUTY_NOTIFY_URL` or
    /// `[notify] url`), against the API URL's policy: `https://` with a host, or plain
    /// `http://` only to a loopback address.
    ///
    /// # Errors
    /// A message saying what is wrong and naming `source`, which never contains the URL.
    pub fn parse(url: &str, source: &str) -> Result<NotifyUrl, String> {
        let url = url.trim();
        if has_userinfo(url) {
            return Err(USERINFO_REFUSED.replace("{what}", "the notification URL"));
        }
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| format!("the notification URL from {source} is not a URL ({e})"))?;
        if !url_allowed(&parsed) {
            return Err(format!(
                "the notification URL from {source} must be an https:// URL (plain http only to 127.0.0.1 or localhost)"
            ));
        }
        Ok(NotifyUrl(SecretString::from(url.to_string())))
    }

    /// The URL itself, for the request only.
    pub fn expose(&self) -> &str {
        use secrecy::ExposeSecret;
        self.0.expose_secret()
    }
}

/// The message for an API URL given empty: by `PAGERDUTY_API_URL` when `from_env`, else by
/// `--api-url`. It says what an empty value would otherwise have meant (production).
pub fn empty_api_url(from_env: bool) -> String {
    if from_env {
        format!(
            "{ENV_API_URL} is set but empty; set it to the API root (e.g. http://127.0.0.1:8080 for the sandbox) or unset it to use [pagerduty] api_url or {DEFAULT_API_URL} (an empty value never means production)"
        )
    } else {
        format!(
            "--api-url is empty; give the API root, e.g. http://127.0.0.1:8080 for the sandbox or {DEFAULT_API_URL} (an empty value never means production)"
        )
    }
}

/// Checks an API base URL: `https://` with a host, or plain `http://` only to a loopback
/// address (`127.0.0.1`, `::1`, `localhost`: the simulator), since the API key travels in
/// every request's `Authorization` header.
///
/// # Errors
/// A message saying what is wrong with the URL.
pub fn check_api_url(url: &str) -> Result<(), String> {
    if has_userinfo(url) {
        return Err(USERINFO_REFUSED.replace("{what}", "the API URL"));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    if url_allowed(&parsed) {
        Ok(())
    } else {
        Err(format!(
            "{url:?} must be an https:// URL (plain http only to 127.0.0.1 or localhost, for the simulator): the API key is sent with every request"
        ))
    }
}

/// The refusal of a URL carrying user-info (`https://user:password@host`), with `{what}`
/// for the URL's name: it never quotes the URL.
const USERINFO_REFUSED: &str = "{what} carries a user name or password before its host (user:password@): refused, since a URL is repeated in messages and logs (PagerDuty takes the API key alone, in a header; a webhook URL is a secret on its own); give it without them";

/// Whether `url` carries user-info: an `@` in its authority (after `://`, before the first
/// `/`, `?` or `#`), read from the text, so that a URL that does not parse is caught too.
/// The API URL and the notification URL carrying one are refused
/// ([`check_api_url`], [`NotifyUrl::parse`]) without quoting them (README.md § Secrets).
pub fn has_userinfo(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#'])
        .next()
        .is_some_and(|authority| authority.contains('@'))
}

/// The URL policy of [`check_api_url`], also applied to the notification webhook
/// ([`crate::notify`]): `https://` with a host, or `http://` to `127.0.0.1`, `::1` or
/// `localhost`.
pub fn url_allowed(parsed: &reqwest::Url) -> bool {
    let host = parsed.host_str().unwrap_or("");
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1");
    match parsed.scheme() {
        "https" => !host.is_empty(),
        "http" => loopback,
        _ => false,
    }
}

/// Reads the API key from `path` (`--api-key-file`): [`read_secret_file`] for the secret
/// named `API key`.
///
/// # Errors
/// As [`read_secret_file`].
pub fn read_key_file(path: &Path) -> Result<SecretString, String> {
    read_secret_file(path, "API key")
}

/// Reads a secret, called `what` in the messages (`API key` for `--api-key-file`, `marker
/// key` for `--marker-key-file`), from `path`, without the one line ending that may close
/// its line and trimmed of surrounding spaces, as a [`SecretString`] (a second line, a
/// blank one included, is refused). On Unix the file, followed through
/// symlinks (a Kubernetes Secret volume links each key to a file in a timestamped
/// directory), must give its group and others no permission at all (mode bits `0o077`): a
/// key others can read, or replace with their own (`0620`), is refused rather than used.
/// The messages name the path and the mode, never the secret.
///
/// # Errors
/// A message when the file cannot be read, gives its group or others any permission
/// (read, write or execute), holds no secret, or holds more than one line or a character
/// outside printable ASCII ([`check_key_text`]) (a usage error, exit 64).
pub fn read_secret_file(path: &Path, what: &str) -> Result<SecretString, String> {
    let shown = path.display();
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read the {what} file {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("the {what} file {shown} is not a file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            // The widest class that has a bit, and what it may do: `readable by its
            // group (mode 0640)`, `writable by its group (mode 0620)`, `readable and
            // writable by everyone (mode 0666)`.
            let (who, bits) = if mode & 0o007 != 0 {
                ("everyone", mode & 0o007)
            } else {
                ("its group", (mode >> 3) & 0o007)
            };
            let can: Vec<&str> = [(0o4, "readable"), (0o2, "writable"), (0o1, "executable")]
                .into_iter()
                .filter(|(bit, _)| bits & bit != 0)
                .map(|(_, word)| word)
                .collect();
            return Err(format!(
                "the {what} file {shown} is {} by {who} (mode {mode:04o}); make it readable by its owner only (chmod 600 {shown}; in Kubernetes mount the Secret with defaultMode: 0400)",
                can.join(" and ")
            ));
        }
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the {what} file {shown}: {e}"))?;
    // One line ending may close the key's line (README § Secrets: "a trailing newline is
    // allowed"); any other line break, a blank line after it included, is a second line.
    let line = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    let key = line.trim_matches(|c: char| c.is_whitespace() && c != '\n' && c != '\r');
    if key.is_empty() {
        return Err(format!("the {what} file {shown} is empty"));
    }
    check_secret_text(key, &format!("the {what} file {shown}"), what)?;
    Ok(SecretString::from(key.to_string()))
}

/// Checks that `key` (already trimmed of surrounding white space) is one line of printable
/// ASCII, as an HTTP header value built from it must be: a key file of two lines, or a
/// variable holding a line break or another control character, is refused here with a
/// message naming `source` (e.g. `the API key file /etc/k` or `PAGERDUTY_API_KEY`) instead
/// of failing later as an invalid header. The message never shows the key.
///
/// # Errors
/// The message, for a usage error (exit 64).
pub fn check_key_text(key: &str, source: &str) -> Result<(), String> {
    check_secret_text(key, source, "API key")
}

/// [`check_key_text`] for a marker key (`PAGERDUTY_MARKER_KEY`,
/// `PAGERDUTY_MARKER_KEY_PREVIOUS`): the same rule as a key file's, so that a variable
/// holding a line break or a tab is refused as the file would be (README.md § Exit codes,
/// 64), never used to sign. `key` is trimmed of surrounding white space first, as a file's
/// is. The message names `source`, never the key.
///
/// # Errors
/// The message, for a usage error (exit 64).
pub fn check_marker_key_text(key: &str, source: &str) -> Result<(), String> {
    check_secret_text(key.trim(), source, "marker key")
}

/// [`check_key_text`] for the secret called `what` (`API key`, `marker key`).
fn check_secret_text(key: &str, source: &str, what: &str) -> Result<(), String> {
    if key.contains(['\n', '\r']) {
        return Err(format!(
            "{source} holds more than one line; it must hold the {what} alone on one line (a trailing newline is allowed)"
        ));
    }
    if let Some(c) = key.chars().find(|c| !(' '..='~').contains(c)) {
        let kind = if c.is_control() {
            "a control character"
        } else {
            "a character outside printable ASCII"
        };
        let rule = match what {
            "API key" => "a PagerDuty API key is one line of printable ASCII",
            _ => "a secret is one line of printable ASCII",
        };
        return Err(format!(
            "{source} contains {kind} (U+{:04X}); {rule}",
            u32::from(c)
        ));
    }
    Ok(())
}

/// Where a run's API URL came from, in the order of precedence [`api_url_of`] applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiUrlSource {
    /// `--api-url` on the command line.
    Flag,
    /// `PAGERDUTY_API_URL`.
    Environment,
    /// `[pagerduty] api_url` of the configuration file.
    File,
    /// None of them: [`DEFAULT_API_URL`].
    Default,
}

/// The API URL a run uses, as given (neither trimmed nor checked), and where it comes
/// from: `flag` (`--api-url`), else `env` (`PAGERDUTY_API_URL`), else `[pagerduty] api_url`
/// of `cfg`, else [`DEFAULT_API_URL`]. The one statement of that precedence: the
/// connection ([`Connection::resolve`]) and the account a notification names before the
/// connection is resolved both read it.
pub fn api_url_of<'a>(
    flag: Option<&'a str>,
    env: Option<&'a str>,
    cfg: &'a Config,
) -> (&'a str, ApiUrlSource) {
    match (flag, env, cfg.pagerduty.api_url.as_deref()) {
        (Some(u), _, _) => (u, ApiUrlSource::Flag),
        (None, Some(u), _) => (u, ApiUrlSource::Environment),
        (None, None, Some(u)) => (u, ApiUrlSource::File),
        (None, None, None) => (DEFAULT_API_URL, ApiUrlSource::Default),
    }
}

/// Connection settings resolved from flags, environment and file, in that order of
/// precedence. The key is held as a [`secrecy::SecretString`] and never printed.
#[derive(Debug, Clone)]
pub struct Connection {
    /// API base URL without a trailing slash.
    pub api_url: String,
    /// Where [`Connection::api_url`] came from.
    pub api_url_source: ApiUrlSource,
    /// The API key (`PAGERDUTY_API_KEY`).
    pub api_key: SecretString,
}

impl Connection {
    /// Resolves the URL ([`api_url_of`]: `flag_url` > `env_url` (`PAGERDUTY_API_URL`) >
    /// `[pagerduty] api_url` of `cfg` > [`DEFAULT_API_URL`]) and records where it came from,
    /// drops a trailing slash, checks it with [`check_api_url`], and takes the key from `env_key` (`PAGERDUTY_API_KEY`, trimmed).
    /// The caller reads the environment, so tests can pass values. A flag or variable that
    /// is given but empty (or only white space) is refused rather than skipped: an empty
    /// `PAGERDUTY_API_URL` meant for the simulator must not send the run to production.
    ///
    /// # Errors
    /// [`empty_api_url`]'s message, the URL policy's message, or a message naming
    /// `PAGERDUTY_API_KEY` and `--api-key-file` when the key is unset or empty (all usage
    /// errors, exit 64).
    pub fn resolve(
        flag_url: Option<&str>,
        env_url: Option<&str>,
        env_key: Option<&str>,
        cfg: &Config,
    ) -> Result<Connection, String> {
        if flag_url.is_some_and(|u| u.trim().is_empty()) {
            return Err(empty_api_url(false));
        }
        if flag_url.is_none() && env_url.is_some_and(|u| u.trim().is_empty()) {
            return Err(empty_api_url(true));
        }
        let (api_url, api_url_source) = api_url_of(flag_url, env_url, cfg);
        let api_url = api_url.trim_end_matches('/').to_string();
        check_api_url(&api_url)?;
        let key = env_key
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                format!(
                    "{ENV_API_KEY} is not set or is empty and --api-key-file was not given; export the PagerDuty REST API key in it, or pass --api-key-file FILE (the key in a file only its owner can read)"
                )
            })?;
        Ok(Connection {
            api_url,
            api_url_source,
            api_key: SecretString::from(key.to_string()),
        })
    }
}
