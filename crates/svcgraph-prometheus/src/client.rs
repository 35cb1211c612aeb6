//! One instant query over HTTP: `GET` (or `POST`) `/api/v1/query`, with retries.

use std::error::Error as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER};
use serde_json::value::RawValue;
use svcgraph_core::query::EvalTime;
use svcgraph_core::series::SeriesSet;
use url::Url;

use crate::config::{
    Auth, ClientConfig, RetryPolicy, query_endpoint, random_unit, redact_urls_in, shown_url,
};
use crate::error::{Error, Result, excerpt};

/// Queries whose `GET` URL would be longer than this many bytes are sent as a `POST` form
/// instead. 4 KiB stays under the request-line limits of common proxies (nginx allows 8 KiB
/// per header line by default, some load balancers less), while short queries keep the
/// cache- and log-friendly `GET`. Every Prometheus-compatible store accepts both.
pub const MAX_GET_URL_BYTES: usize = 4096;

/// Longest excerpt of a server's body quoted in an error message.
const EXCERPT_CHARS: usize = 200;

/// Redirects followed per request before giving up, as browsers and curl do.
const MAX_REDIRECTS: usize = 10;

/// A connection to one Prometheus-compatible HTTP API.
///
/// Cheap to clone (clones share one connection pool). Needs a Tokio runtime to run queries.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    endpoint: Url,
    shown: String,
    /// The configured headers: sent with each request to the endpoint's origin, never to
    /// another origin a redirect points at.
    headers: std::sync::Arc<HeaderMap>,
    auth: Option<Auth>,
    timeout: Duration,
    retry: RetryPolicy,
    max_response_bytes: u64,
}

/// A redirect the server answered with, and which was followed.
///
/// When it leads to another origin (scheme, host or port), the configured headers and
/// credentials were not sent there: a redirect must not hand a token to another server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Redirect {
    /// Where the request went, as shown in messages (no credentials, no query).
    pub from: String,
    /// Where the server sent it.
    pub to: String,
    /// Whether `to` is another origin than the configured URL's.
    pub cross_origin: bool,
}

impl std::fmt::Display for Redirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} redirected to {}", self.from, self.to)?;
        if self.cross_origin {
            f.write_str(
                "; another origin, so the configured headers and credentials were not sent there (use that address as the URL if it is the right server)",
            )?;
        }
        Ok(())
    }
}

/// One query's answer: the body exactly as the server sent it, and its samples.
#[derive(Debug)]
#[non_exhaustive]
pub struct QueryResponse {
    /// The response body, verbatim (for snapshots).
    pub body: Box<RawValue>,
    /// The samples, and the server's `warnings` and `infos` (infos prefixed with `info: `).
    pub series: SeriesSet,
    /// How many requests it took (1 when the first one succeeded).
    pub attempts: u32,
    /// The redirects followed on the way to the answer.
    pub redirects: Vec<Redirect>,
}

impl QueryResponse {
    /// The server's warnings and infos.
    pub fn warnings(&self) -> &[String] {
        &self.series.warnings
    }
}

impl Client {
    /// A client for the server `config` describes. Checks the URL, headers and CA file; makes
    /// no request.
    pub fn new(config: ClientConfig) -> Result<Self> {
        let endpoint = query_endpoint(&config.base_url)?;
        let shown = shown_url(&endpoint);
        if config.retry.attempts == 0 {
            return Err(Error::Config(
                "the retry policy must allow at least one attempt".into(),
            ));
        }
        if config.timeout.is_zero() {
            return Err(Error::Config("the timeout must be longer than zero".into()));
        }

        let mut headers = HeaderMap::new();
        for (name, value) in &config.headers {
            let header = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
                Error::Config(format!(
                    "`{}` is not a valid HTTP header name",
                    excerpt(name, 80)
                ))
            })?;
            let mut value = HeaderValue::from_str(value.trim()).map_err(|_| {
                Error::Config(format!(
                    "the value of header `{header}` is not valid in HTTP (control characters or non-ASCII?)"
                ))
            })?;
            value.set_sensitive(true);
            headers.append(header, value);
        }

        // reqwest is built without a TLS crypto provider so that only `ring` is linked; make it
        // the process default unless the application already chose one.
        let _ = rustls::crypto::ring::default_provider().install_default();

        let mut builder = reqwest::Client::builder()
            // Redirects are followed by `send`, which decides what each hop may be sent.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .user_agent(concat!("svcgraph/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &config.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                Error::Config(format!("cannot read the CA file {}: {e}", path.display()))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|_| {
                Error::Config(format!(
                    "the CA file {} is not a PEM certificate bundle",
                    path.display()
                ))
            })?;
            if certs.is_empty() {
                return Err(Error::Config(format!(
                    "the CA file {} holds no PEM certificate",
                    path.display()
                )));
            }
            builder = builder.tls_certs_merge(certs);
        }
        if config.insecure {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        let http = builder.build().map_err(|e| {
            Error::Config(format!(
                "cannot set up the HTTP client: {}",
                error_chain(&e)
            ))
        })?;
        if config.max_response_bytes == 0 {
            return Err(Error::Config(
                "the response size limit must be at least one byte".into(),
            ));
        }
        Ok(Client {
            http,
            endpoint,
            shown,
            headers: std::sync::Arc::new(headers),
            auth: config.auth,
            timeout: config.timeout,
            retry: config.retry,
            max_response_bytes: config.max_response_bytes,
        })
    }

    /// The instant-query endpoint, as shown in messages (no credentials, no query).
    pub fn endpoint(&self) -> &str {
        &self.shown
    }

    /// The most the answers of one query, or of one [`fetch`](crate::fetch) together, may
    /// hold.
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }

    /// Runs one PromQL instant query, at `at` or (when `None`) at the server's now.
    ///
    /// Sent as `GET`, or as a `POST` form when the URL would exceed [`MAX_GET_URL_BYTES`];
    /// retried as the [`RetryPolicy`] says.
    pub async fn query(&self, promql: &str, at: Option<EvalTime>) -> Result<QueryResponse> {
        self.query_within(promql, at, &Budget::new(self.max_response_bytes))
            .await
    }

    /// [`query`](Self::query), its answer counted against `budget`, which the other
    /// queries of one graph share.
    pub(crate) async fn query_within(
        &self,
        promql: &str,
        at: Option<EvalTime>,
        budget: &Budget,
    ) -> Result<QueryResponse> {
        let ((body, series, redirects), attempts) =
            self.with_retries(|| self.send(promql, at, budget)).await?;
        Ok(QueryResponse {
            body,
            series,
            attempts,
            redirects,
        })
    }

    /// A `GET` of `path` (absolute, e.g. `/v3/projects/p/timeSeries`) with `params` on the
    /// endpoint's origin: another API the same server offers beside PromQL. Sent with this
    /// client's credentials, headers and timeout, retried and redirected like a query; the
    /// body of the 2xx answer is returned, its bytes taken from `budget` (reading stops with
    /// [`Error::TooLarge`] when it runs out).
    pub async fn get_within(
        &self,
        path: &str,
        params: &[(&str, &str)],
        budget: &Budget,
    ) -> Result<Vec<u8>> {
        let mut url = self.endpoint.clone();
        url.set_path(path);
        url.set_query(None);
        url.set_fragment(None);
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
        let shown = shown_url(&url);
        let ((bytes, _), _) = self
            .with_retries(|| self.exchange(url.clone(), None, &shown, budget))
            .await?;
        Ok(bytes)
    }

    /// Runs `attempt` as the [`RetryPolicy`] says: again after a retryable error, waiting the
    /// jittered backoff or the server's `Retry-After`. Returns its value and the number of
    /// attempts made.
    async fn with_retries<T, F, Fut>(&self, mut attempt: F) -> Result<(T, u32)>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let mut made = 1;
        loop {
            let error = match attempt().await {
                Ok(value) => return Ok((value, made)),
                Err(error) => error,
            };
            if !error.is_retryable() {
                return Err(error);
            }
            if made >= self.retry.attempts {
                return Err(if made == 1 {
                    error
                } else {
                    Error::RetriesExhausted {
                        attempts: made,
                        last: Box::new(error),
                    }
                });
            }
            let mut wait = self.retry.jittered(made, random_unit());
            if let Error::Status {
                retry_after: Some(seconds),
                ..
            } = error
            {
                let asked = Duration::from_secs(seconds);
                if asked > self.retry.max_backoff {
                    return Err(with_note(
                        error,
                        &format!(
                            " (it asked to retry after {seconds} s, longer than the {} s the retry policy waits)",
                            self.retry.max_backoff.as_secs_f64()
                        ),
                    ));
                }
                wait = wait.max(asked);
            }
            tokio::time::sleep(wait).await;
            made += 1;
        }
    }

    /// One query, no retries.
    async fn send(
        &self,
        promql: &str,
        at: Option<EvalTime>,
        budget: &Budget,
    ) -> Result<(Box<RawValue>, SeriesSet, Vec<Redirect>)> {
        let time = at.map(EvalTime::to_prometheus_param);
        let mut params: Vec<(&str, &str)> = vec![("query", promql)];
        if let Some(time) = &time {
            params.push(("time", time));
        }
        let mut get_url = self.endpoint.clone();
        get_url.query_pairs_mut().extend_pairs(&params);
        let (bytes, redirects) = if get_url.as_str().len() > MAX_GET_URL_BYTES {
            self.exchange(self.endpoint.clone(), Some(&params), &self.shown, budget)
                .await?
        } else {
            self.exchange(get_url, None, &self.shown, budget).await?
        };
        let (body, series) = self.parse(bytes)?;
        Ok((body, series, redirects))
    }

    /// One request, no retries: a `GET` of `url`, or a `POST` of `form` to it; redirects
    /// followed (up to [`MAX_REDIRECTS`]). Returns the body of a 2xx answer; errors name
    /// `shown`.
    async fn exchange(
        &self,
        mut url: Url,
        form: Option<&[(&str, &str)]>,
        shown: &str,
        budget: &Budget,
    ) -> Result<(Vec<u8>, Vec<Redirect>)> {
        let mut redirects = Vec::new();
        let response = loop {
            let request = match form {
                Some(form) => self.http.post(url.clone()).form(form),
                None => self.http.get(url.clone()),
            };
            // Headers and credentials go to the configured origin only.
            let request = if url.origin() == self.endpoint.origin() {
                self.authorize(request.headers(HeaderMap::clone(&self.headers)))
                    .await?
            } else {
                request
            };
            let response = request
                .send()
                .await
                .map_err(|e| self.transport(shown, &e))?;
            let Some(next) = self.redirect_target(&url, &response, shown)? else {
                break response;
            };
            if redirects.len() == MAX_REDIRECTS {
                return Err(Error::Response {
                    url: shown.to_owned(),
                    detail: format!(
                        "more than {MAX_REDIRECTS} redirects (the last to {}); check the URL",
                        shown_url(&next)
                    ),
                });
            }
            redirects.push(Redirect {
                from: shown_url(&url),
                to: shown_url(&next),
                cross_origin: next.origin() != self.endpoint.origin(),
            });
            url = next;
        };

        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let bytes = self.read_body(response, budget, shown).await?;
        if !status.is_success() {
            // An error's text is not kept: its bytes go back to the budget.
            budget.give_back(bytes.len() as u64);
            return Err(Self::status_error(shown, status, &bytes, retry_after));
        }
        Ok((bytes, redirects))
    }

    /// The request with this client's credentials.
    async fn authorize(&self, request: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder> {
        Ok(match &self.auth {
            None => request,
            Some(Auth::Bearer(token)) => request.bearer_auth(token),
            Some(Auth::TokenSource(source)) => request.bearer_auth(source.token().await?),
            Some(Auth::Basic { username, password }) => {
                request.basic_auth(username, password.as_ref())
            }
        })
    }

    /// Where a 3xx answer with a `Location` sends the request next (credentials in that
    /// address dropped), or `None` when the answer is not a redirect.
    fn redirect_target(
        &self,
        from: &Url,
        response: &reqwest::Response,
        shown: &str,
    ) -> Result<Option<Url>> {
        if !response.status().is_redirection() {
            return Ok(None);
        }
        let Some(location) = response.headers().get(LOCATION) else {
            return Ok(None);
        };
        let unusable = |why: &str| Error::Response {
            url: shown.to_owned(),
            detail: format!("HTTP {} redirect {why}", response.status().as_u16()),
        };
        let location = location
            .to_str()
            .map_err(|_| unusable("with a Location that is not text"))?;
        let mut next = from
            .join(location)
            .map_err(|_| unusable("to an address that is not a URL"))?;
        if !matches!(next.scheme(), "http" | "https") {
            return Err(unusable(&format!(
                "to `{}`, not http or https",
                next.scheme()
            )));
        }
        if next.origin() != self.endpoint.origin() {
            // Both only fail for URLs that cannot carry credentials, which then have none.
            let _ = next.set_username("");
            let _ = next.set_password(None);
        }
        Ok(Some(next))
    }

    /// The body as it arrives, taken from `budget`, stopping with [`Error::TooLarge`] when
    /// the budget runs out (the bytes read so far go back to it).
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        budget: &Budget,
        shown: &str,
    ) -> Result<Vec<u8>> {
        let limit = self.max_response_bytes;
        let too_large = || Error::TooLarge {
            url: shown.to_owned(),
            limit_bytes: limit,
        };
        let announced = response.content_length();
        if announced.is_some_and(|n| n > budget.left()) {
            return Err(too_large());
        }
        // The announced length, within the limit, sizes the buffer once: growing it by doubling
        // would hold two copies of a large answer for a moment. Pages not written to cost no
        // memory, so a server announcing more than it sends costs nothing. Without a length
        // the chunks are kept as they come and joined once at the end, so an answer refused
        // half-way never held more than what was read.
        let capacity = announced.unwrap_or(0).min(limit);
        let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        let mut chunks = Vec::new();
        let mut read: u64 = 0;
        loop {
            let chunk = match response.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => {
                    budget.give_back(read);
                    return Err(self.transport(shown, &e));
                }
            };
            if !budget.take(chunk.len() as u64) {
                budget.give_back(read);
                return Err(too_large());
            }
            read += chunk.len() as u64;
            if announced.is_some() {
                body.extend_from_slice(&chunk);
            } else {
                chunks.push(chunk);
            }
        }
        if announced.is_none() {
            body = Vec::with_capacity(usize::try_from(read).unwrap_or(0));
            for chunk in chunks {
                body.extend_from_slice(&chunk);
            }
        }
        Ok(body)
    }

    /// A transport failure in this client's words.
    fn transport(&self, shown: &str, error: &reqwest::Error) -> Error {
        let url = shown.to_owned();
        if error.is_timeout() {
            Error::Timeout {
                url,
                seconds: self.timeout.as_secs_f64(),
            }
        } else if error.is_body() || error.is_decode() {
            Error::Unreachable {
                url,
                detail: format!(
                    "the connection broke while the answer was being read ({})",
                    error_chain(error)
                ),
            }
        } else {
            let mut detail = error_chain(error);
            if detail.contains("certificate") {
                detail.push_str(
                    " (TLS: trust the server's CA with a CA file, or skip verification only for testing)",
                );
            }
            Error::Unreachable { url, detail }
        }
    }

    /// An HTTP error status, with the Prometheus error envelope when the body is one.
    fn status_error(
        shown: &str,
        status: StatusCode,
        body: &[u8],
        retry_after: Option<u64>,
    ) -> Error {
        let envelope = ErrorEnvelope::read(body);
        let detail = if let Some(e) = &envelope {
            match &e.error_type {
                Some(kind) => format!(": {kind}: {}", e.message),
                None => format!(": {}", e.message),
            }
        } else {
            let text = String::from_utf8_lossy(&body[..body.len().min(4 * EXCERPT_CHARS)]);
            if text.trim().is_empty() {
                String::new()
            } else {
                format!(": {}", excerpt(&text, EXCERPT_CHARS))
            }
        };
        let url = shown.to_owned();
        let code = status.as_u16();
        match code {
            401 => Error::Auth {
                url,
                status: code,
                detail,
                hint: "check the bearer token or basic-auth credentials",
            },
            403 => Error::Auth {
                url,
                status: code,
                detail,
                hint: "the credentials were accepted but may not read metrics; check their permissions (and, for Mimir or Cortex, the X-Scope-OrgID tenant header)",
            },
            _ => Error::Status {
                url,
                status: code,
                error_type: envelope.and_then(|e| e.error_type),
                detail,
                hint: status_hint(code),
                retry_after,
            },
        }
    }

    /// A 2xx body to samples, keeping the body verbatim (moved, not copied: a large answer
    /// is held once).
    fn parse(&self, bytes: Vec<u8>) -> Result<(Box<RawValue>, SeriesSet)> {
        let mut text = match String::from_utf8(bytes) {
            Ok(text) => text,
            // `from_json` says where the text stops being UTF-8.
            Err(e) => {
                let bytes = e.into_bytes();
                return Err(match SeriesSet::from_json(&bytes) {
                    Err(error) => self.unusable(&bytes, &error),
                    Ok(_) => self.unusable(&bytes, &"the body is not UTF-8"),
                });
            }
        };
        let series =
            SeriesSet::from_json_text(&text).map_err(|e| self.unusable(text.as_bytes(), &e))?;
        let end = text.trim_end().len();
        text.truncate(end);
        let start = text.len() - text.trim_start().len();
        if start > 0 {
            text.drain(..start);
        }
        let unusable = |e: &serde_json::Error, text: &str| self.unusable(text.as_bytes(), e);
        let body = match RawValue::from_string(text) {
            Ok(body) => body,
            Err(e) => return Err(unusable(&e, "")),
        };
        Ok((body, series))
    }

    fn unusable(&self, bytes: &[u8], error: &dyn std::fmt::Display) -> Error {
        let start = String::from_utf8_lossy(&bytes[..bytes.len().min(4 * EXCERPT_CHARS)]);
        let start = start.trim_start();
        let shown = if start.is_empty() {
            "the body is empty".to_owned()
        } else {
            format!("the body starts with `{}`", excerpt(start, 80))
        };
        let hint = if start.starts_with('<') {
            "; an HTML page came back: is the URL the API base, and is a login page or proxy in the way?"
        } else {
            ""
        };
        Error::Response {
            url: self.shown.clone(),
            detail: format!("{error}; {shown}{hint}"),
        }
    }
}

/// What to check for an HTTP error status other than 401 and 403.
fn status_hint(status: u16) -> &'static str {
    match status {
        400 | 422 => {
            "the server rejected the query: check the filters and the schema's metric and label names"
        }
        404 | 405 => {
            "check the base URL: it is the part before /api/v1, e.g. http://host:9090, https://host/prometheus (Mimir) or http://vmselect:8481/select/0/prometheus (VictoriaMetrics cluster)"
        }
        407 => "a proxy wants credentials: check the proxy settings",
        429 => "the server is limiting requests: try again later or ask less often",
        500..=599 => "the server failed; check its health and logs, or try again later",
        _ => "check the base URL and the server",
    }
}

/// Appends a note to a status error's detail.
fn with_note(error: Error, note: &str) -> Error {
    match error {
        Error::Status {
            url,
            status,
            error_type,
            detail,
            hint,
            retry_after,
        } => Error::Status {
            url,
            status,
            error_type,
            detail: format!("{detail}{note}"),
            hint,
            retry_after,
        },
        other => other,
    }
}

/// The causes of an error, innermost last, without reqwest's own top line (which repeats the
/// full URL, query and all), e.g. `tcp connect error: Connection refused (os error 111)`.
fn error_chain(error: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // hyper's wrapper lines ("client error (Connect)") only name the layer.
        let wrapper = text.starts_with("client error (") && text.ends_with(')');
        if !text.is_empty() && !wrapper && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        parts.push(if error.is_connect() {
            "connection failed".into()
        } else {
            "request failed".into()
        });
    }
    excerpt(&redact_urls_in(&parts.join(": ")), 300)
}

/// The error envelopes of Prometheus (`{"status":"error","errorType","error"}`) and of
/// Google's APIs (`{"error":{"code","message","status"}}`).
struct ErrorEnvelope {
    error_type: Option<String>,
    message: String,
}

impl ErrorEnvelope {
    fn read(body: &[u8]) -> Option<Self> {
        // An error envelope is small; a big body is something else and only excerpted.
        if body.len() > 64 * 1024 {
            return None;
        }
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let text = |v: &serde_json::Value| v.as_str().map(|s| excerpt(s, 300));
        match value.get("error")? {
            serde_json::Value::String(message) => Some(ErrorEnvelope {
                error_type: value.get("errorType").and_then(text),
                message: excerpt(message, 300),
            }),
            serde_json::Value::Object(google) => Some(ErrorEnvelope {
                error_type: google.get("status").and_then(text),
                message: google.get("message").and_then(text)?,
            }),
            _ => None,
        }
    }
}

/// The bytes the answers of one graph's requests may still take: they run at once, so
/// together they bound the memory a fetch needs. [`fetch`](crate::fetch) makes one of
/// [`Client::max_response_bytes`]; other sources share one across their requests with
/// [`Client::get_within`].
#[derive(Debug)]
pub struct Budget(AtomicU64);

impl Budget {
    /// A budget of `bytes`.
    pub fn new(bytes: u64) -> Self {
        Budget(AtomicU64::new(bytes))
    }

    /// The bytes still free.
    pub fn left(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Takes `bytes` if that many are left.
    fn take(&self, bytes: u64) -> bool {
        self.0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(bytes)
            })
            .is_ok()
    }

    fn give_back(&self, bytes: u64) {
        self.0.fetch_add(bytes, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_error_envelopes_are_read() {
        let prom = ErrorEnvelope::read(
            br#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected end of input"}"#,
        )
        .unwrap();
        assert_eq!(prom.error_type.as_deref(), Some("bad_data"));
        assert_eq!(prom.message, "1:5: parse error: unexpected end of input");
        let google = ErrorEnvelope::read(
            br#"{"error":{"code":403,"message":"Permission denied","status":"PERMISSION_DENIED"}}"#,
        )
        .unwrap();
        assert_eq!(google.error_type.as_deref(), Some("PERMISSION_DENIED"));
        assert_eq!(google.message, "Permission denied");
        assert!(ErrorEnvelope::read(b"<html>oops</html>").is_none());
        assert!(ErrorEnvelope::read(br#"{"status":"success"}"#).is_none());
    }

    #[test]
    fn bad_client_settings_are_refused_before_any_request() {
        let cases = [
            (
                ClientConfig::new("http://h").header("bad header", "x"),
                "not a valid HTTP header name",
            ),
            (
                ClientConfig::new("http://h").header("X-Ok", "line\nbreak"),
                "not valid in HTTP",
            ),
            (
                ClientConfig::new("http://h").ca_file("/nonexistent/ca.pem"),
                "cannot read the CA file",
            ),
            (
                ClientConfig::new("http://h").retry(RetryPolicy {
                    attempts: 0,
                    ..RetryPolicy::default()
                }),
                "at least one attempt",
            ),
            (
                ClientConfig::new("http://h").timeout(Duration::ZERO),
                "longer than zero",
            ),
        ];
        for (config, expected) in cases {
            let err = Client::new(config).unwrap_err().to_string();
            assert!(err.contains(expected), "{expected}: {err}");
        }
    }

    /// Answers each connection with the next canned response and records the
    /// `Authorization` header it was sent.
    fn scripted_server(answers: Vec<&'static str>) -> (String, std::sync::mpsc::Receiver<String>) {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (seen, heard) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for answer in answers {
                let (mut stream, _) = listener.accept().unwrap();
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
                let auth = head
                    .lines()
                    .find_map(|l| l.strip_prefix("authorization: "))
                    .unwrap_or("")
                    .to_owned();
                let _ = seen.send(auth);
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        (url, heard)
    }

    struct Counting(std::sync::atomic::AtomicU32);

    impl crate::TokenSource for Counting {
        fn token(&self) -> crate::TokenFuture<'_> {
            Box::pin(async move {
                let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                Ok(format!("token-{n}"))
            })
        }
    }

    struct Failing;

    impl crate::TokenSource for Failing {
        fn token(&self) -> crate::TokenFuture<'_> {
            Box::pin(async { Err(Error::Credentials("no token: log in first".into())) })
        }
    }

    #[test]
    fn a_token_source_is_asked_before_every_attempt() {
        const UNAVAILABLE: &str =
            "HTTP/1.1 503 Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        const EMPTY: &str = "HTTP/1.1 200 OK\r\nContent-Length: 63\r\nConnection: close\r\n\r\n{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}";
        let (url, heard) = scripted_server(vec![UNAVAILABLE, EMPTY]);
        let source = std::sync::Arc::new(Counting(std::sync::atomic::AtomicU32::new(0)));
        let config = ClientConfig::new(url)
            .token_source(source)
            .retry(RetryPolicy {
                attempts: 2,
                initial_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(1),
            });
        assert!(format!("{config:?}").contains("TokenSource(..)"));
        let client = Client::new(config).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let answer = runtime.block_on(client.query("up", None)).unwrap();
        assert_eq!(answer.attempts, 2);
        let sent: Vec<String> = heard.try_iter().collect();
        assert_eq!(sent, ["bearer token-1", "bearer token-2"]);

        let client = Client::new(
            ClientConfig::new("http://127.0.0.1:9").token_source(std::sync::Arc::new(Failing)),
        )
        .unwrap();
        let err = runtime.block_on(client.query("up", None)).unwrap_err();
        assert!(!err.is_retryable());
        assert_eq!(err.to_string(), "no token: log in first");
    }

    #[test]
    fn a_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let err = Client::new(ClientConfig::new("https://h").ca_file(&path))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("holds no PEM certificate") || err.contains("not a PEM"),
            "{err}"
        );
    }
}
