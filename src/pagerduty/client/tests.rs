use super::*;
use crate::pagerduty::models::NewUser;

fn config(url: &str) -> ClientConfig {
    ClientConfig {
        base_url: url.into(),
        api_key: SecretString::from("k-very-secret".to_string()),
        from: Email::normalise("bot@example.com"),
        requests_per_minute: 60,
        burst: 1,
        concurrency: 1,
        create_concurrency: 1,
        rate_limit_wait: Duration::from_secs(1),
        request_timeout: Duration::from_secs(1),
        retry: RetryPolicy::default(),
    }
}

#[test]
fn bad_configurations_are_refused_without_the_key() {
    for url in ["not a url", "ftp://example.com", "mailto:a@b.c"] {
        let e = Client::new(config(url)).unwrap_err();
        assert!(matches!(e, ApiError::Config(_)), "{url}: {e}");
    }
    let mut c = config("http://127.0.0.1:1");
    c.api_key = SecretString::from("k-very-secret\n".to_string() + "x");
    let e = Client::new(c).unwrap_err().to_string();
    assert!(!e.contains("k-very-secret"), "{e}");
    let mut c = config("http://127.0.0.1:1");
    c.requests_per_minute = 0;
    assert!(Client::new(c).is_err());
    assert!(Client::new(config("https://api.eu.pagerduty.com/")).is_ok());
}

#[test]
fn the_client_and_its_futures_can_cross_threads() {
    fn clone_send_sync<T: Clone + Send + Sync + 'static>() {}
    fn send<F: Send>(_: F) {}
    clone_send_sync::<Client>();
    let c = Client::new(config("http://127.0.0.1:9")).unwrap();
    let user = NewUser {
        kind: "user".into(),
        name: "N".into(),
        email: "n@example.com".into(),
        role: None,
        time_zone: None,
        job_title: None,
        description: None,
        color: None,
        license: None,
    };
    // Futures are lazy: building them sends nothing.
    send(c.create_user(&user));
    send(c.list_users(&|_, _| {}));
    send(c.find_user_by_email(&Email::normalise("n@example.com")));
    send(c.delete_user(&"P1".into()));
    assert_eq!(c.stats().requests_sent, 0);
}

#[test]
fn urls_keep_a_base_path_and_encode_segments() {
    let client = Client::new(config("http://127.0.0.1:9/prefix/")).unwrap();
    let req = Request::new(Method::GET, &["teams", "P Q/1", "members"]).query("include[]", "users");
    let url = client.inner.url(&req);
    assert_eq!(
        url.as_str(),
        "http://127.0.0.1:9/prefix/teams/P%20Q%2F1/members?include%5B%5D=users"
    );
}
