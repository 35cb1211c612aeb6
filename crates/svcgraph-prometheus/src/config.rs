//! How to reach the metric store: URL, credentials, TLS, timeout and retries.

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::error::{Error, Result, excerpt};

/// Everything a [`Client`](crate::Client) needs to know about the server.
///
/// Fields are public so that a command line or a binding can fill them from flags; the
/// builder methods are shorthands for the same.
#[derive(Clone)]
pub struct ClientConfig {
    /// The API base: the part of the URL before `/api/v1`, e.g. `http://localhost:9090`,
    /// `https://thanos.example`, `https://mimir.example/prometheus` or
    /// `http://vmselect:8481/select/0/prometheus`. A trailing slash, or a trailing
    /// `/api/v1` or `/api/v1/query`, is accepted too. Query parameters in it (such as
    /// VictoriaMetrics' `extra_label`) are sent with every request. Credentials in it
    /// (`https://user:pass@host`) are used as basic auth and never shown in messages.
    pub base_url: String,
    /// Credentials sent with every request.
    pub auth: Option<Auth>,
    /// Extra headers sent with every request, e.g. `X-Scope-OrgID` for Mimir, Cortex or
    /// Loki-style multi-tenancy. Values are never shown in messages or `Debug` output.
    pub headers: Vec<(String, String)>,
    /// A PEM file of CA certificates trusted in addition to the system's.
    pub ca_file: Option<PathBuf>,
    /// Accept any TLS certificate. For testing against self-signed servers only.
    pub insecure: bool,
    /// How long one request may take, from connecting to the last byte of the answer.
    pub timeout: Duration,
    /// When and how often a failed request is sent again.
    pub retry: RetryPolicy,
    /// The most the answer to one query, and the answers to one [`fetch`](crate::fetch)'s
    /// queries together, may hold, in bytes ([`ClientConfig::DEFAULT_MAX_RESPONSE_BYTES`] by
    /// default). Bodies are read as they arrive and reading stops at the limit, so a huge
    /// answer costs at most this much memory per fetch; it fails with [`Error::TooLarge`].
    pub max_response_bytes: u64,
}

/// Credentials for the metric store.
#[derive(Clone)]
#[non_exhaustive]
pub enum Auth {
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// HTTP basic auth.
    Basic {
        /// The user name.
        username: String,
        /// The password, if any.
        password: Option<String>,
    },
    /// `Authorization: Bearer <token>` with a token asked for before every request, for
    /// short-lived tokens such as Google's OAuth access tokens.
    TokenSource(Arc<dyn TokenSource>),
}

/// Supplies a bearer token before each request (including each retry), so a client can run
/// longer than one token lives. Implementations cache the token themselves.
pub trait TokenSource: Send + Sync {
    /// The token to send. An error ends the query without sending it; use
    /// [`Error::Credentials`] with a message that says what to do.
    fn token(&self) -> TokenFuture<'_>;
}

/// What [`TokenSource::token`] returns.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<String>> + Send + 'a>>;

impl PartialEq for Auth {
    /// Token sources are equal only when they are the same source.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Auth::Bearer(a), Auth::Bearer(b)) => a == b,
            (
                Auth::Basic {
                    username: u1,
                    password: p1,
                },
                Auth::Basic {
                    username: u2,
                    password: p2,
                },
            ) => u1 == u2 && p1 == p2,
            (Auth::TokenSource(a), Auth::TokenSource(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for Auth {}

impl fmt::Debug for Auth {
    /// Secrets stay out of logs: only the kind of credential and the user name are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Auth::TokenSource(_) => f.write_str("TokenSource(..)"),
            Auth::Basic { username, password } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &password.as_ref().map(|_| "<redacted>"))
                .finish(),
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("ClientConfig")
            .field("base_url", &shown_url_text(&self.base_url))
            .field("auth", &self.auth)
            .field("headers", &header_names)
            .field("ca_file", &self.ca_file)
            .field("insecure", &self.insecure)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

/// When a failed request is sent again.
///
/// Retried: connection failures (refused, DNS, reset), timeouts, a connection that broke
/// mid-answer, HTTP 429 and HTTP 5xx. Never retried: other 4xx (a bad query or bad
/// credentials do not get better) and answers that are not Prometheus responses.
///
/// Timeouts are retried because a query that timed out on a busy server often succeeds a
/// moment later; the number of attempts bounds the total wait at about
/// `attempts × timeout` plus the backoff, and the final message says how many attempts were
/// made.
///
/// The wait before retry `n` (1-based) is `initial_backoff × 2^(n-1)`, capped at
/// `max_backoff` ([`RetryPolicy::backoff`]); the client waits a random time between half of
/// it and all of it ([`RetryPolicy::jittered`]), so that many clients failing at once do not
/// retry in step. A `Retry-After: <seconds>` header on a 429 or 5xx answer is honoured when it
/// asks for longer; when it asks for more than `max_backoff`, the client stops retrying and
/// returns the server's answer, which says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Total number of requests, including the first; at least 1.
    pub attempts: u32,
    /// The wait before the first retry.
    pub initial_backoff: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub const NONE: RetryPolicy = RetryPolicy {
        attempts: 1,
        initial_backoff: Duration::ZERO,
        max_backoff: Duration::ZERO,
    };

    /// `attempts` requests in all (at least 1 is made), waiting `initial_backoff` before the
    /// first retry and doubling up to `max_backoff`.
    pub fn new(attempts: u32, initial_backoff: Duration, max_backoff: Duration) -> Self {
        RetryPolicy {
            attempts,
            initial_backoff,
            max_backoff,
        }
    }

    /// The same waits, with `attempts` requests in all.
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    /// The wait before retry number `retry` (1 for the first retry).
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` with "equal jitter": half of
    /// [`backoff`](Self::backoff), plus `unit` (a number in `[0, 1)`) times the other half.
    pub fn jittered(&self, retry: u32, unit: f64) -> Duration {
        let full = self.backoff(retry);
        let half = full / 2;
        half + full.saturating_sub(half).mul_f64(unit.clamp(0.0, 1.0))
    }
}

/// A number in `[0, 1)`, different on every call: the jitter of retry waits. Built from the
/// standard library's randomly seeded hasher keys, which is plenty for spreading retries.
pub(crate) fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

impl Default for RetryPolicy {
    /// Three attempts, waiting 0.5 s and then 1 s, never more than 8 s.
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
        }
    }
}

impl ClientConfig {
    /// The default per-request timeout, 30 seconds.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// The default limit on the answers' size, 256 MiB: far above any service graph (a
    /// 100,000-edge graph's answers are about 26 MB each), far below what would exhaust a
    /// laptop's memory.
    pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 256 << 20;

    /// A configuration for this base URL with no credentials, a 30 s timeout and the default
    /// [`RetryPolicy`]. The URL is checked when the [`Client`](crate::Client) is made.
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            auth: None,
            headers: Vec::new(),
            ca_file: None,
            insecure: false,
            timeout: Self::DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            max_response_bytes: Self::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Sends `Authorization: Bearer <token>`.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Some(Auth::Bearer(token.into()));
        self
    }

    /// Sends `Authorization: Bearer <token>` with a token from `source`, asked for before
    /// every request.
    pub fn token_source(mut self, source: Arc<dyn TokenSource>) -> Self {
        self.auth = Some(Auth::TokenSource(source));
        self
    }

    /// Sends HTTP basic auth.
    pub fn basic_auth(mut self, username: impl Into<String>, password: Option<String>) -> Self {
        self.auth = Some(Auth::Basic {
            username: username.into(),
            password,
        });
        self
    }

    /// Adds a header sent with every request.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Trusts the CA certificates in this PEM file, in addition to the system's.
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// Accepts any TLS certificate (testing only).
    pub fn insecure(mut self, insecure: bool) -> Self {
        self.insecure = insecure;
        self
    }

    /// Sets the per-request timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the largest answer accepted, in bytes.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }
}

/// The instant-query endpoint for a base URL: `<base>/api/v1/query`, keeping the base's path
/// prefix and query parameters.
pub(crate) fn query_endpoint(base_url: &str) -> Result<Url> {
    let text = base_url.trim();
    let bad = |why: &str| {
        Error::Config(format!(
            "`{}` is not a usable server URL: {why}; write the API base, e.g. http://localhost:9090 or https://mimir.example/prometheus",
            excerpt(&shown_url_text(text), 200)
        ))
    };
    let mut url = match Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => url,
        Ok(_) | Err(url::ParseError::RelativeUrlWithoutBase) if !text.contains("://") => {
            return Err(bad("it has no http:// or https:// in front"));
        }
        Ok(url) => return Err(bad(&format!("`{}` is not http or https", url.scheme()))),
        Err(err) => return Err(bad(&err.to_string())),
    };
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    let path = url.path().trim_end_matches('/');
    let path = path
        .strip_suffix("/api/v1/query")
        .or_else(|| path.strip_suffix("/api/v1"))
        .unwrap_or(path);
    let path = format!("{path}/api/v1/query");
    url.set_path(&path);
    url.set_fragment(None);
    Ok(url)
}

/// A URL as shown in messages: without credentials and without its query.
pub(crate) fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    // Both calls only fail for URLs that cannot carry credentials, which then have none.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// Text that the user gave as a URL, as shown in messages. A well-formed http(s) URL loses
/// its credentials and query; anything else (`user:SECRET@host:9090` parses as a URL of
/// scheme `user`) goes through [`redact`].
pub(crate) fn shown_url_text(text: &str) -> String {
    match Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => shown_url(&url),
        _ => redact(text),
    }
}

/// Redacts the secrets a URL-like text may hold, whether or not it parses: the password of
/// its user info (`user:***@host`; everything before the `@` when it cannot tell) and every
/// query value (`?token=***`). The fragment is dropped.
pub fn redact(text: &str) -> String {
    let text = text.split('#').next().unwrap_or_default();
    let (before_query, query) = match text.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (text, None),
    };
    let (scheme, rest) = match before_query.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, before_query),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let mut out = String::with_capacity(text.len());
    if let Some(scheme) = scheme {
        out.push_str(scheme);
        out.push_str("://");
    }
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            match userinfo.split_once(':') {
                Some((user, _password)) => {
                    out.push_str(user);
                    out.push_str(":***");
                }
                None => out.push_str("***"),
            }
            out.push('@');
            out.push_str(host);
        }
        None => out.push_str(authority),
    }
    out.push_str(path);
    if let Some(query) = query {
        out.push('?');
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            match pair.split_once('=') {
                Some((name, _value)) => {
                    out.push_str(name);
                    out.push_str("=***");
                }
                None if pair.is_empty() => {}
                None => out.push_str("***"),
            }
        }
    }
    out
}

/// Credentials that text from a server may echo, replaced by `***`: `Authorization`,
/// `Cookie` and API-key header lines, `Bearer`/`Basic` credentials, `access_token=`,
/// `password:` and other secret-named fields, JSON Web Tokens and Google access tokens. Every
/// server text that reaches a message goes through this (the `excerpt` of errors), so an
/// upstream that quotes the request cannot show its token to the user, the log, or a
/// `svcgraph serve` page.
pub fn scrub_credentials(text: &str) -> std::borrow::Cow<'_, str> {
    use std::sync::LazyLock;

    use regex::{Captures, Regex};
    static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(concat!(
            r"(?i)\b(?P<header>proxy-authorization|authorization|set-cookie|cookie|x-api-key|api-key)",
            r"(?P<hsep>\s*[:=]\s*)[^\r\n,;]+",
            r"|\b(?P<scheme>bearer|basic|negotiate)\s+[A-Za-z0-9._~+/-]{8,}=*",
            r"|\b(?P<key>access_token|refresh_token|id_token|client_secret|private_key|api_key|apikey|password|passwd|secret|token)",
            r#"(?P<ksep>["']?\s*[:=]\s*["']?)[^\s"'&,;}\]]+"#,
            r"|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
            r"|\bya29\.[A-Za-z0-9._-]{10,}",
        ))
        .ok()
    });
    let Some(pattern) = PATTERN.as_ref() else {
        return text.into();
    };
    pattern.replace_all(text, |c: &Captures<'_>| {
        let part = |name| c.name(name).map_or("", |m| m.as_str());
        if c.name("header").is_some() {
            format!("{}{}***", part("header"), part("hsep"))
        } else if c.name("scheme").is_some() {
            format!("{} ***", part("scheme"))
        } else if c.name("key").is_some() {
            format!("{}{}***", part("key"), part("ksep"))
        } else {
            "***".to_owned()
        }
    })
}

/// Every `scheme://…` word of `text` through [`redact`]: for causes from the HTTP stack,
/// which may quote a URL.
pub(crate) fn redact_urls_in(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains("://") || word.contains('@') || word.contains('?') {
                redact(word)
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(base: &str) -> String {
        query_endpoint(base).unwrap().to_string()
    }

    #[test]
    fn the_endpoint_keeps_path_prefixes_with_or_without_slash() {
        for (base, expected) in [
            (
                "http://localhost:9090",
                "http://localhost:9090/api/v1/query",
            ),
            (
                "http://localhost:9090/",
                "http://localhost:9090/api/v1/query",
            ),
            (
                "https://mimir.example/prometheus",
                "https://mimir.example/prometheus/api/v1/query",
            ),
            (
                "https://mimir.example/prometheus/",
                "https://mimir.example/prometheus/api/v1/query",
            ),
            (
                "http://vmselect:8481/select/0/prometheus",
                "http://vmselect:8481/select/0/prometheus/api/v1/query",
            ),
            (
                "https://thanos.example/api/v1/",
                "https://thanos.example/api/v1/query",
            ),
            (
                "https://thanos.example/api/v1/query",
                "https://thanos.example/api/v1/query",
            ),
            (
                "http://vm:8428/?extra_label=tenant%3Da",
                "http://vm:8428/api/v1/query?extra_label=tenant%3Da",
            ),
            ("  http://[::1]:9090//  ", "http://[::1]:9090/api/v1/query"),
        ] {
            assert_eq!(endpoint(base), expected, "{base}");
        }
    }

    #[test]
    fn unusable_urls_are_refused_with_advice() {
        for (base, expected) in [
            ("localhost:9090", "no http:// or https://"),
            ("prometheus", "no http:// or https://"),
            ("ftp://host/", "`ftp` is not http or https"),
            ("http://", "empty host"),
            ("", "no http://"),
        ] {
            let err = query_endpoint(base).unwrap_err().to_string();
            assert!(err.contains(expected), "{base}: {err}");
            assert!(err.contains("e.g. http://localhost:9090"), "{err}");
        }
    }

    #[test]
    fn echoed_credentials_are_scrubbed_from_server_text() {
        for (echoed, secret) in [
            (
                "missing scope for Authorization: Bearer abc.DEF-123_secret",
                "abc.DEF-123_secret",
            ),
            (
                "header authorization=Basic dXNlcjpwYXNzd29yZA==",
                "dXNlcjpwYXNzd29yZA",
            ),
            (
                "got Basic dXNlcjpwYXNzd29yZA== from you",
                "dXNlcjpwYXNzd29yZA",
            ),
            (
                "GET /api?access_token=ya29.a0AfH6SMsecret&x=1",
                "a0AfH6SMsecret",
            ),
            (r#"{"password": "hunter2!", "user": "bob"}"#, "hunter2"),
            ("client_secret:GOCSPX-abcdef rejected", "GOCSPX-abcdef"),
            (
                "token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl expired",
                "eyJhbGci",
            ),
            ("Cookie: session=abc123; other=1", "abc123"),
            ("X-Api-Key: k-0123456789", "k-0123456789"),
        ] {
            let shown = scrub_credentials(echoed);
            assert!(!shown.contains(secret), "{echoed} -> {shown}");
            assert!(shown.contains("***"), "{shown}");
        }
        for plain in [
            "parse error at char 12: unexpected identifier \"token\"",
            "the token expired; refresh it",
            "query timed out in expression evaluation",
        ] {
            assert_eq!(scrub_credentials(plain), plain);
        }
    }

    #[test]
    fn credentials_never_show() {
        let url = query_endpoint("https://alice:s3cret@mimir.example/prometheus?x=1").unwrap();
        let shown = shown_url(&url);
        assert_eq!(shown, "https://mimir.example/prometheus/api/v1/query");
        let config = ClientConfig::new("https://alice:s3cret@host")
            .bearer_token("tok3n")
            .header("X-Scope-OrgID", "tenant-secret");
        let debug = format!("{config:?}");
        for secret in ["s3cret", "tok3n", "tenant-secret"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        let basic = format!(
            "{:?}",
            Auth::Basic {
                username: "alice".into(),
                password: Some("pw".into())
            }
        );
        assert!(
            basic.contains("alice") && !basic.contains("\"pw\""),
            "{basic}"
        );
    }

    #[test]
    fn secrets_in_urls_never_show_in_errors() {
        for (base, secret) in [
            ("user:SECRET@host:9090", "SECRET"),
            ("host:9090/?token=SECRET", "SECRET"),
            ("ftp://user:SECRET@host/?token=SECRET2", "SECRET"),
            ("http://[bad/?token=SECRET", "SECRET"),
            ("http://SECRET@host:99999", "SECRET"),
        ] {
            let err = query_endpoint(base).unwrap_err().to_string();
            assert!(!err.contains(secret), "{base}: {err}");
        }
        assert_eq!(
            redact("user:SECRET@host:9090/p?token=abc&x=1&flag#frag"),
            "user:***@host:9090/p?token=***&x=***&***"
        );
        assert_eq!(redact("http://alice@host/"), "http://***@host/");
        let shown = redact_urls_in("error for url (http://u:pw@h/?q=up): refused");
        assert!(!shown.contains("pw") && !shown.contains("up"), "{shown}");
        assert!(
            shown.starts_with("error for url (http://u:***@h/"),
            "{shown}"
        );
        assert!(shown.ends_with(" refused"), "{shown}");
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_backoff() {
        let policy = RetryPolicy {
            attempts: 5,
            initial_backoff: Duration::from_millis(400),
            max_backoff: Duration::from_secs(8),
        };
        assert_eq!(policy.jittered(1, 0.0), Duration::from_millis(200));
        assert_eq!(policy.jittered(1, 0.5), Duration::from_millis(300));
        assert_eq!(policy.jittered(2, 1.0), Duration::from_millis(800));
        let units: Vec<f64> = (0..20).map(|_| random_unit()).collect();
        assert!(units.iter().all(|u| (0.0..1.0).contains(u)), "{units:?}");
        // Twenty equal draws from 2^53 values would mean there is no randomness at all.
        assert!(
            units.iter().any(|u| u.to_bits() != units[0].to_bits()),
            "{units:?}"
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(700),
        };
        let waits: Vec<u128> = (1..=5).map(|n| policy.backoff(n).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 700, 700]);
        assert_eq!(policy.backoff(200), Duration::from_millis(700));
        assert_eq!(RetryPolicy::NONE.backoff(1), Duration::ZERO);
    }
}
