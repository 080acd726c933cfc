//! Where PagerDuty is and which key to use: the API URL (the flag over the environment
//! over the file over the default), the key from the environment, and the https-only URL
//! policy that applies wherever a URL comes from.

use super::defaults::DEFAULT_API_URL;
use super::resolved::Config;
use secrecy::SecretString;

/// Environment variable holding the API key.
pub const ENV_API_KEY: &str = "PAGERDUTY_API_KEY";
/// Environment variable overriding the API base URL.
pub const ENV_API_URL: &str = "PAGERDUTY_API_URL";

/// Checks an API base URL: `https://` with a host, or plain `http://` only to a loopback
/// address (`127.0.0.1`, `::1`, `localhost`: the simulator), since the API key travels in
/// every request's `Authorization` header.
///
/// # Errors
/// A message saying what is wrong with the URL.
pub fn check_api_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    let host = parsed.host_str().unwrap_or("");
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1");
    match parsed.scheme() {
        "https" if !host.is_empty() => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(format!(
            "{url:?} must be an https:// URL (plain http only to 127.0.0.1 or localhost, for the simulator): the API key is sent with every request"
        )),
    }
}

/// Connection settings resolved from flags, environment and file, in that order of
/// precedence. The key is held as a [`secrecy::SecretString`] and never printed.
#[derive(Debug, Clone)]
pub struct Connection {
    /// API base URL without a trailing slash.
    pub api_url: String,
    /// The API key (`PAGERDUTY_API_KEY`).
    pub api_key: SecretString,
}

impl Connection {
    /// Resolves the URL (`flag_url` > `env_url` (`PAGERDUTY_API_URL`, ignored when empty) >
    /// `[pagerduty] api_url` of `cfg` > [`DEFAULT_API_URL`]), drops a trailing slash, checks
    /// it with [`check_api_url`], and takes the key from `env_key` (`PAGERDUTY_API_KEY`,
    /// trimmed). The caller reads the environment, so tests can pass values.
    ///
    /// # Errors
    /// The URL policy's message, or a message naming `PAGERDUTY_API_KEY` when it is unset
    /// or empty (both usage errors, exit 64).
    pub fn resolve(
        flag_url: Option<&str>,
        env_url: Option<&str>,
        env_key: Option<&str>,
        cfg: &Config,
    ) -> Result<Connection, String> {
        let api_url = flag_url
            .or(env_url.filter(|s| !s.is_empty()))
            .or(cfg.pagerduty.api_url.as_deref())
            .unwrap_or(DEFAULT_API_URL)
            .trim_end_matches('/')
            .to_string();
        check_api_url(&api_url)?;
        let key = env_key
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                format!(
                    "{ENV_API_KEY} is not set or is empty; export the PagerDuty REST API key in it"
                )
            })?;
        Ok(Connection {
            api_url,
            api_key: SecretString::from(key.to_string()),
        })
    }
}
