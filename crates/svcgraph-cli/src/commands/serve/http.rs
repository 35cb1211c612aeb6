//! The HTTP side: read-only routes, security headers on every answer, and, on a loopback
//! address, only loopback host names (a web page elsewhere cannot read the view by
//! pointing a name of its own at 127.0.0.1).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use svcgraph_core::query::Window;
use svcgraph_core::render::html::script_data;

use super::live::{Live, Refusal, Rendered};
use super::page;

/// The policy of a page that declares none: nothing but the SVG's inline styles.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'";
/// The policy of everything but the page: the same, and no framing.
const STRICT: &str = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/// The routes over the live view. With `loopback_only`, requests must name a loopback host.
pub fn router(live: Arc<Live>, loopback_only: bool) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/api/view", get(api_view))
        .route("/graph.svg", get(graph_svg))
        .route("/graph.json", get(graph_json))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(loopback_only, guard))
        .with_state(live)
}

/// Refuses foreign host names on a loopback listener; adds the security headers.
async fn guard(State(loopback_only): State<bool>, request: Request, next: Next) -> Response {
    let mut response = if loopback_only && !names_loopback(request.headers()) {
        text(
            StatusCode::FORBIDDEN,
            "this server answers to localhost, 127.0.0.1 and [::1] only\n",
        )
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

/// Whether the Host header is absent or names a loopback host.
fn names_loopback(headers: &HeaderMap) -> bool {
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
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn index(State(live): State<Arc<Live>>) -> Response {
    let view = live.view(None, None).await.ok().map(|(view, _)| view);
    // The page draws the graph again: off the async threads.
    let drawn = tokio::task::spawn_blocking(move || live.page(view.as_deref())).await;
    let Ok(html) = drawn else {
        return error(&Refusal {
            status: 500,
            message: "drawing the page stopped unexpectedly".into(),
        });
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

async fn api_view(State(live): State<Arc<Live>>, RawQuery(query): RawQuery) -> Response {
    match resolve(&live, query.as_deref()).await {
        Ok((view, notes)) => with_type(StatusCode::OK, "application/json", view.body(&notes)),
        Err(refusal) => error(&refusal),
    }
}

async fn graph_svg(State(live): State<Arc<Live>>, RawQuery(query): RawQuery) -> Response {
    match resolve(&live, query.as_deref()).await {
        Ok((view, _)) => with_type(StatusCode::OK, "image/svg+xml", view.svg.clone()),
        Err(refusal) => error(&refusal),
    }
}

async fn graph_json(State(live): State<Arc<Live>>, RawQuery(query): RawQuery) -> Response {
    match resolve(&live, query.as_deref()).await {
        Ok((view, _)) => with_type(
            StatusCode::OK,
            "application/json",
            script_data(view.graph_json.get()),
        ),
        Err(refusal) => error(&refusal),
    }
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
) -> Result<(Arc<Rendered>, Vec<String>), Refusal> {
    let (mut at, mut compare) = (None, None);
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let value = value.trim();
        match name.as_ref() {
            "at" if !value.is_empty() => {
                at = Some(value.parse::<f64>().map_err(|_| Refusal {
                    status: 400,
                    message: "at= must be Unix seconds, or empty for now".into(),
                })?);
            }
            "compare" if !value.is_empty() => {
                compare = Some(seconds(value).ok_or_else(|| {
                    Refusal {
                    status: 400,
                    message:
                        "compare= must be seconds before at= (or a duration such as 1h), or empty"
                            .into(),
                }
                })?);
            }
            _ => {}
        }
    }
    live.view(at, compare).await
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
    with_type(status, "application/json", script_data(&body.to_string()))
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
    fn only_loopback_host_names_pass() {
        for ok in [
            "localhost",
            "LOCALHOST:7676",
            "127.0.0.1:7676",
            "127.0.0.2",
            "[::1]:7676",
        ] {
            assert!(names_loopback(&host(ok)), "{ok}");
        }
        for bad in [
            "evil.example:7676",
            "evil.example",
            "10.0.0.1:7676",
            "[fe80::1]:80",
        ] {
            assert!(!names_loopback(&host(bad)), "{bad}");
        }
        assert!(names_loopback(&HeaderMap::new()));
    }

    #[test]
    fn comparisons_read_seconds_or_durations() {
        assert_eq!(seconds("600"), Some(600.0));
        assert_eq!(seconds("1h"), Some(3600.0));
        assert_eq!(seconds("soon"), None);
    }
}
