//! The HTTP side: read-only routes, security headers on every answer, only the host names
//! the server was told it goes by (a web page elsewhere cannot read the view by pointing a
//! name of its own at the server's address: DNS rebinding), and, with a token, only callers
//! who show it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use svcgraph_core::query::Window;
use svcgraph_core::render::html::script_data;

use super::live::{Extra, Live, Refusal, Rendered};
use super::page;

/// The policy of a page that declares none: nothing but the SVG's inline styles.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'";
/// The policy of everything but the page: the same, and no framing.
const STRICT: &str = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/// Who may ask: by host name, and by token; and how much each client may ask at once.
#[derive(Debug, Default)]
pub struct Access {
    /// Host names answered besides `localhost` and IP addresses; `*` answers any.
    pub hosts: Vec<String>,
    /// The token callers must show (`Authorization: Bearer`, or the cookie `/?token=` sets).
    pub token: Option<String>,
}

/// A request not answered within this long is answered 503 (its computation stops, unless
/// other requests wait for it).
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// The cookie a browser keeps the token in, once it opened `/?token=…`.
const TOKEN_COOKIE: &str = "svcgraph_token";

/// The routes over the live view, for callers `access` lets in.
pub fn router(live: Arc<Live>, access: Arc<Access>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/api/view", get(view_answer))
        .route("/graph.svg", get(view_answer))
        .route("/graph.json", get(view_answer))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(access, guard))
        // A request the source keeps waiting gets an answer all the same.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        // gzip where the client takes it: the view of 1,000 services is 2 MB of text.
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(live)
}

/// Refuses foreign host names and callers without the token; adds the security headers.
async fn guard(State(access): State<Arc<Access>>, request: Request, next: Next) -> Response {
    let mut response = if !access.allows_host(request.headers()) {
        text(
            StatusCode::FORBIDDEN,
            "this server does not answer to that host name: reach it by localhost, an IP \
             address or a name given with --allow-host\n",
        )
    } else if let Some(answer) = access
        .token
        .as_deref()
        .and_then(|token| without_token(&request, token))
    {
        answer
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(STRICT),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

impl Access {
    /// Whether the Host header is absent, or names `localhost`, an IP address (which no
    /// other site can make a browser send for its own pages) or an allowed name.
    fn allows_host(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST) else {
            return true;
        };
        let Ok(host) = host.to_str() else {
            return false;
        };
        let name = if let Some(rest) = host.strip_prefix('[') {
            rest.split(']').next().unwrap_or_default()
        } else {
            host.rsplit_once(':').map_or(host, |(name, _port)| name)
        };
        name.eq_ignore_ascii_case("localhost")
            || name.parse::<std::net::IpAddr>().is_ok()
            || self
                .hosts
                .iter()
                .any(|allowed| allowed == "*" || allowed.eq_ignore_ascii_case(name))
    }
}

/// The answer to a request that does not show `token` (`None` when it does, or asks for
/// `/healthz`): `/?token=TOKEN` keeps the token in a cookie and redirects to `/`, anything
/// else is 401.
fn without_token(request: &Request, token: &str) -> Option<Response> {
    let uri = request.uri();
    if uri.path() == "/healthz" || shows_token(request.headers(), token) {
        return None;
    }
    if uri.path() == "/" && query_token(uri.query()).is_some_and(|t| same(&t, token)) {
        // Keep the token in a cookie the page's own requests carry, and drop it from the
        // address bar (and so from history and screenshots).
        let mut response = text(StatusCode::SEE_OTHER, "");
        let cookie = format!("{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
        response
            .headers_mut()
            .insert(header::LOCATION, HeaderValue::from_static("/"));
        return Some(response);
    }
    let mut response = text(
        StatusCode::UNAUTHORIZED,
        "this server needs its token: open /?token=TOKEN once in the browser, or send \
         Authorization: Bearer TOKEN\n",
    );
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    Some(response)
}

/// Whether the request carries `token` as a bearer token or in the cookie.
fn shows_token(headers: &HeaderMap, token: &str) -> bool {
    let bearer = headers
        .get_all(header::AUTHORIZATION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.strip_prefix("Bearer "))
        .any(|given| same(given.trim(), token));
    bearer
        || headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().strip_prefix(TOKEN_COOKIE)?.strip_prefix('='))
            .any(|given| same(given, token))
}

/// The `token` parameter of a query string, percent-decoded.
fn query_token(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(name, _)| name == "token")
        .map(|(_, value)| value.into_owned())
}

/// Compares in time that depends on the lengths only, never on where the two differ.
fn same(given: &str, token: &str) -> bool {
    use subtle::ConstantTimeEq;
    given.len() == token.len() && bool::from(given.as_bytes().ct_eq(token.as_bytes()))
}

async fn index(State(live): State<Arc<Live>>) -> Response {
    let view = live
        .view(None, None, IpAddr::from([0, 0, 0, 0]))
        .await
        .ok()
        .map(|(view, _)| view);
    // The page draws the graph again: off the async threads.
    let drawn = tokio::task::spawn_blocking(move || live.page(view.as_deref())).await;
    let Ok(html) = drawn else {
        return error(&Refusal::new(500, "drawing the page stopped unexpectedly"));
    };
    // The page's own policy, so the header allows exactly what the page needs; framing can
    // only be refused by a header.
    let policy = format!(
        "{}; frame-ancestors 'none'",
        page::declared_policy(&html).as_deref().unwrap_or(POLICY)
    );
    let mut response = with_type(StatusCode::OK, "text/html; charset=utf-8", html);
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// `/api/view`, `/graph.svg` and `/graph.json`: the same view (`at`, `compare`), limits and
/// conditional answer; the path says which of its forms is sent.
async fn view_answer(
    State(live): State<Arc<Live>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    match resolve(&live, uri.query(), client).await {
        Ok((view, extra)) => conditional(&headers, &view, &extra, || match uri.path() {
            "/graph.svg" => with_type(StatusCode::OK, "image/svg+xml", view.svg.clone()),
            "/graph.json" => with_type(
                StatusCode::OK,
                "application/json",
                script_data(view.graph_json.get()),
            ),
            _ => with_type(StatusCode::OK, "application/json", view.body(&extra)),
        }),
        Err(refusal) => error(&refusal),
    }
}

/// The header that carries a view's evaluation time (Unix seconds), also on a 304.
const AT_HEADER: &str = "x-svcgraph-at";

/// 304 Not Modified without a body when the request names the view's tag in
/// `If-None-Match`, else the full answer; both carry the tag and the evaluation time.
fn conditional(
    headers: &HeaderMap,
    view: &Rendered,
    extra: &Extra,
    full: impl FnOnce() -> Response,
) -> Response {
    let tag = view.tag(extra);
    let known = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|given| given.trim() == tag || given.trim() == "*");
    let mut response = if known {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        full()
    };
    let answer = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&tag) {
        answer.insert(header::ETAG, value);
    }
    let at = format!("{}", view.at_millis as f64 / 1000.0);
    if let Ok(value) = HeaderValue::from_str(&at) {
        answer.insert(AT_HEADER, value);
    }
    response
}

async fn healthz(State(live): State<Arc<Live>>) -> Response {
    let health = serde_json::to_string(&live.health()).unwrap_or_default();
    with_type(StatusCode::OK, "application/json", health)
}

async fn not_found() -> Response {
    text(
        StatusCode::NOT_FOUND,
        "not found: the view is at /, its data at /api/view\n",
    )
}

/// The view a query string asks for: `at` (Unix seconds, empty for now) and `compare`
/// (seconds before `at`, or a duration such as 1h; empty for no comparison).
async fn resolve(
    live: &Arc<Live>,
    query: Option<&str>,
    client: SocketAddr,
) -> Result<(Arc<Rendered>, Extra), Refusal> {
    let (mut at, mut compare) = (None, None);
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let value = value.trim();
        match name.as_ref() {
            "at" if !value.is_empty() => {
                at = Some(value.parse::<f64>().map_err(|_| {
                    Refusal::new(400, "at= must be Unix seconds, or empty for now")
                })?);
            }
            "compare" if !value.is_empty() => {
                compare = Some(seconds(value).ok_or_else(|| {
                    Refusal::new(
                        400,
                        "compare= must be seconds before at= (or a duration such as 1h), or empty",
                    )
                })?);
            }
            _ => {}
        }
    }
    live.view(at, compare, client.ip()).await
}

/// Seconds, or a duration such as `90s` or `1h`.
fn seconds(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().or_else(|| {
        text.parse::<Window>()
            .ok()
            .map(|w| w.as_millis() as f64 / 1000.0)
    })
}

fn error(refusal: &Refusal) -> Response {
    let status = StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let body = serde_json::json!({ "error": refusal.message.replace(['\n', '\r'], " ") });
    let mut response = with_type(status, "application/json", script_data(&body.to_string()));
    if let Some(seconds) = refusal.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

fn text(status: StatusCode, message: &'static str) -> Response {
    with_type(status, "text/plain; charset=utf-8", message)
}

fn with_type(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn only_localhost_ip_addresses_and_allowed_names_pass() {
        let access = Access {
            hosts: vec!["svcgraph.monitoring.svc".into()],
            ..Access::default()
        };
        for ok in [
            "localhost",
            "LOCALHOST:7676",
            "127.0.0.1:7676",
            "127.0.0.2",
            "[::1]:7676",
            "10.0.0.1:7676",
            "[fe80::1]:80",
            "svcgraph.monitoring.svc:7676",
            "SVCGRAPH.monitoring.svc",
        ] {
            assert!(access.allows_host(&host(ok)), "{ok}");
        }
        for bad in [
            "evil.example:7676",
            "evil.example",
            "svcgraph.monitoring.svc.evil.example",
            "127.0.0.1.evil.example",
        ] {
            assert!(!access.allows_host(&host(bad)), "{bad}");
        }
        assert!(access.allows_host(&HeaderMap::new()));
        let any = Access {
            hosts: vec!["*".into()],
            ..Access::default()
        };
        assert!(any.allows_host(&host("evil.example")));
    }

    #[test]
    fn the_token_is_read_from_the_header_or_the_cookie() {
        let with = |name, value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(name, HeaderValue::from_str(value).unwrap());
            headers
        };
        let token = "s3cret-token";
        assert!(shows_token(
            &with(header::AUTHORIZATION, "Bearer s3cret-token"),
            token
        ));
        assert!(shows_token(
            &with(header::COOKIE, "a=b; svcgraph_token=s3cret-token"),
            token
        ));
        for wrong in [
            "Bearer s3cret-tokeN",
            "Bearer s3cret",
            "Basic s3cret-token",
            "",
        ] {
            assert!(
                !shows_token(&with(header::AUTHORIZATION, wrong), token),
                "{wrong}"
            );
        }
        assert!(!shows_token(
            &with(header::COOKIE, "svcgraph_token=nope"),
            token
        ));
        assert!(!shows_token(&HeaderMap::new(), token));
        assert_eq!(query_token(Some("a=1&token=x%2By")).as_deref(), Some("x+y"));
        assert_eq!(query_token(Some("a=1")), None);
    }

    #[test]
    fn comparisons_read_seconds_or_durations() {
        assert_eq!(seconds("600"), Some(600.0));
        assert_eq!(seconds("1h"), Some(3600.0));
        assert_eq!(seconds("soon"), None);
    }
}
