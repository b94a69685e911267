//! The defences every response gets: security headers, the bearer token, refusing cross-site
//! form posts, and request deadlines. Nothing here may be skipped by a route: they are layers
//! around the whole router.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_SECURITY_POLICY, HOST, ORIGIN, REFERRER_POLICY, WWW_AUTHENTICATE,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::Shared;
use crate::error::{Asker, is_api, json, tr};
use crate::lang;

/// No inline script anywhere: scripts only from our own `/static`, styles from our own files plus
/// the inline `<style>` of the scan report, images only ours or inline (the report's SVG).
pub(crate) const CSP: &str = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
     script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The cookie the login form sets, holding the token itself.
pub(crate) const TOKEN_COOKIE: &str = "token";

/// Adds the security headers to every response, and `Cache-Control: no-store` unless the route
/// chose otherwise (answers can hold uploaded logs; only static files are cacheable).
pub(crate) async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    headers.insert(HeaderName::from_static("cross-origin-resource-policy"), HeaderValue::from_static("same-origin"));
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Paths open without the token: the health probe of a load balancer, the stylesheet and script
/// the login page needs, and the login form itself.
fn is_open(path: &str) -> bool {
    path == "/api/v1/health" || path == "/login" || path.starts_with("/static/")
}

/// The token a request presents: `Authorization: Bearer <token>`, else the login cookie.
fn presented(headers: &HeaderMap) -> Option<String> {
    let bearer = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| {
        let (scheme, token) = v.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
    });
    bearer.or_else(|| {
        lang::cookie(headers, TOKEN_COOKIE)
            .map(|v| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
    })
}

/// Compares in constant time, so response timing does not tell how much of a guess was right.
pub(crate) fn token_matches(given: &str, expected: &str) -> bool {
    bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

/// Whether the request carries the right token in the login cookie (for the sign-out button).
pub(crate) fn signed_in(app: &Shared, headers: &HeaderMap) -> bool {
    app.config.token.as_deref().is_some_and(|expected| {
        lang::cookie(headers, TOKEN_COOKIE)
            .is_some_and(|v| token_matches(&percent_encoding::percent_decode_str(v).decode_utf8_lossy(), expected))
    })
}

/// With a token configured, every request but the open paths must present it: 401 otherwise,
/// JSON with `WWW-Authenticate: Bearer` for the API, the login form for pages.
pub(crate) async fn auth(State(app): State<Shared>, request: Request, next: Next) -> Response {
    let Some(expected) = app.config.token.as_deref() else {
        return next.run(request).await;
    };
    if is_open(request.uri().path()) || presented(request.headers()).is_some_and(|t| token_matches(&t, expected)) {
        return next.run(request).await;
    }
    let (uri, headers) = (request.uri(), request.headers());
    if is_api(uri.path()) {
        let mut response = json(
            StatusCode::UNAUTHORIZED,
            "this server needs a token: send `Authorization: Bearer <token>` (ask whoever runs the server)",
        );
        response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"actdoc\""));
        return response;
    }
    let next_path = uri.path_and_query().map_or("/", |p| p.as_str());
    crate::pages::login::page(&app, uri, headers, next_path, false, StatusCode::UNAUTHORIZED)
}

/// Refuses a state-changing request that another site's page sent (CSRF): `Sec-Fetch-Site` says
/// so in current browsers; otherwise an `Origin` that is not this server. Our own forms send
/// `Origin: null` (the pages are `no-referrer`), so `null` alone is not a reason to refuse.
pub(crate) async fn same_origin(request: Request, next: Next) -> Response {
    let method = request.method();
    if *method == Method::GET || *method == Method::HEAD || *method == Method::OPTIONS {
        return next.run(request).await;
    }
    let headers = request.headers();
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let cross = if let Some(site) = site {
        site != "same-origin" && site != "none"
    } else {
        let host = headers.get(HOST).and_then(|v| v.to_str().ok());
        let origin = headers.get(ORIGIN).and_then(|v| v.to_str().ok()).filter(|o| *o != "null");
        match (origin, host) {
            (Some(origin), Some(host)) => origin.split_once("://").is_none_or(|(_, h)| !h.eq_ignore_ascii_case(host)),
            (Some(_), None) => true,
            (None, _) => false,
        }
    };
    if cross {
        let message = "refused: this request came from another site's page (cross-site request)";
        if is_api(request.uri().path()) {
            return json(StatusCode::FORBIDDEN, message);
        }
        let lang = lang::of(request.uri(), headers);
        let body = tr(lang, "Refused: the form was sent from another site.", "已拒绝：表单来自其他网站。");
        return (
            StatusCode::FORBIDDEN,
            [(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"))],
            body,
        )
            .into_response();
    }
    next.run(request).await
}

/// Stops a request that takes longer than its deadline with a readable 503.
pub(crate) async fn deadline(State((app, limit)): State<(Shared, Duration)>, request: Request, next: Next) -> Response {
    let asker = Asker::of(&app, request.uri(), request.headers());
    let Ok(response) = tokio::time::timeout(limit, next.run(request)).await else {
        let lang = asker.lang();
        let message = match lang {
            actdoc_core::Lang::En => {
                format!(
                    "the request took longer than {} s and was stopped; try fewer or smaller files",
                    limit.as_secs()
                )
            }
            actdoc_core::Lang::ZhCn => format!("请求超过 {} 秒，已停止；请减少文件数量或大小后重试", limit.as_secs()),
        };
        let heading = tr(lang, "Took too long", "处理超时");
        return asker.error(&app, StatusCode::SERVICE_UNAVAILABLE, heading, &message);
    };
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(token_matches("s3cret", "s3cret"));
        assert!(!token_matches("s3cre", "s3cret"));
        assert!(!token_matches("s3cret!", "s3cret"));
        assert!(!token_matches("", "s3cret"));
    }

    #[test]
    fn bearer_or_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("bearer  abc "));
        assert_eq!(presented(&headers).as_deref(), Some("abc"));
        let mut headers = HeaderMap::new();
        headers.insert(axum::http::header::COOKIE, HeaderValue::from_static("token=a%20b"));
        assert_eq!(presented(&headers).as_deref(), Some("a b"));
        assert_eq!(presented(&HeaderMap::new()), None);
    }
}
