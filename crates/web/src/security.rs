//! The defences every response gets: security headers, the `Host` check against DNS rebinding,
//! the bearer token (and the sessions the login form starts), refusing cross-site form posts, and
//! request deadlines. Nothing here may be skipped by a route: they are layers around the whole
//! router.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_SECURITY_POLICY, HOST, ORIGIN, REFERRER_POLICY, RETRY_AFTER,
    WWW_AUTHENTICATE, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::Shared;
use crate::error::{Asker, is_api, json, tr};
use crate::lang;
use crate::throttle::retry_after;

/// No inline script anywhere: scripts only from our own `/static`, styles from our own files plus
/// the inline `<style>` of the scan report, images only ours or inline (the report's SVG).
pub(crate) const CSP: &str = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
     script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The cookie that names the reader's session: a random value, never the token. The login form
/// sets it (and the server remembers it as signed in); the upload form sets it too, to keep each
/// reader's results apart.
pub(crate) const SESSION_COOKIE: &str = "session";
/// How long a sign-in lasts.
pub(crate) const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// Signed-in sessions kept at most; a sign-in past that ends the oldest.
const MAX_SESSIONS: usize = 10_000;
/// Wrong tokens one client address may send before the throttle's rate applies.
pub(crate) const GUESS_BURST: u32 = 10;

/// The sessions the login form started, until they expire or sign out.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    expires: Mutex<HashMap<String, Instant>>,
}

impl Sessions {
    /// A new signed-in session (a fresh random id each time: no session is ever reused).
    pub(crate) fn start(&self) -> Option<String> {
        let id = crate::results::random_id()?;
        let now = Instant::now();
        let mut expires = self.expires.lock().ok()?;
        expires.retain(|_, until| *until > now);
        if expires.len() >= MAX_SESSIONS {
            let oldest = expires.iter().min_by_key(|(_, until)| **until).map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                expires.remove(&oldest);
            }
        }
        expires.insert(id.clone(), now + SESSION_LIFETIME);
        Some(id)
    }

    pub(crate) fn is_signed_in(&self, id: &str) -> bool {
        crate::results::is_id(id)
            && self.expires.lock().is_ok_and(|e| e.get(id).is_some_and(|until| *until > Instant::now()))
    }

    pub(crate) fn end(&self, id: &str) {
        if let Ok(mut expires) = self.expires.lock() {
            expires.remove(id);
        }
    }
}

/// The session cookie of a request, when it is shaped like one of ours.
pub(crate) fn session_of(headers: &HeaderMap) -> Option<&str> {
    lang::cookie(headers, SESSION_COOKIE).filter(|id| crate::results::is_id(id))
}

/// A `Set-Cookie` value for the session `id`: HttpOnly, SameSite=Lax, and `Secure` when the
/// server is reached over HTTPS (`--cookie-secure`, or a trusted proxy says so).
pub(crate) fn session_cookie(app: &Shared, headers: &HeaderMap, id: &str, max_age: Duration) -> Option<HeaderValue> {
    let secure = if over_https(app, headers) { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        max_age.as_secs()
    ))
    .ok()
}

/// Whether cookies should be `Secure`: always with `--cookie-secure`; with `--trust-proxy` when
/// the proxy says the request came over HTTPS. The header alone is believed only then, since any
/// client can send it.
pub(crate) fn over_https(app: &Shared, headers: &HeaderMap) -> bool {
    if app.config.cookie_secure {
        return true;
    }
    if !app.config.trust_proxy {
        return false;
    }
    let forwarded_proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
    let forwarded =
        headers.get("forwarded").and_then(|v| v.to_str().ok()).and_then(|v| v.split(',').next()).is_some_and(|first| {
            first.split(';').any(|pair| {
                pair.trim().split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("proto") && v.trim().trim_matches('"').eq_ignore_ascii_case("https")
                })
            })
        });
    forwarded_proto || forwarded
}

/// The client's address: the socket's peer when the request came through [`crate::serve`], or,
/// with `--trust-proxy`, the address the proxy appended last to `X-Forwarded-For` (the one it saw;
/// earlier entries are the client's own say). `None` without either: such requests share one
/// throttle.
pub(crate) fn peer(app: &Shared, request: &Request) -> Option<IpAddr> {
    let forwarded = app
        .config
        .trust_proxy
        .then(|| request.headers().get("x-forwarded-for")?.to_str().ok()?.rsplit(',').next()?.trim().parse().ok())
        .flatten();
    forwarded.or_else(|| request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip()))
}

/// 429 with `Retry-After`: JSON under `/api`, a page otherwise.
pub(crate) fn too_many(asker: &Asker, app: &Shared, wait: Duration, en: &str, zh: &str) -> Response {
    let seconds = retry_after(wait);
    let message = match asker.lang() {
        actdoc_core::Lang::En => format!("{en}; try again in {seconds} s"),
        actdoc_core::Lang::ZhCn => format!("{zh}；请在 {seconds} 秒后重试"),
    };
    let heading = tr(asker.lang(), "Too many requests", "请求过多");
    let mut response = asker.error(app, StatusCode::TOO_MANY_REQUESTS, heading, &message);
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
    response
}

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

/// The token of `Authorization: Bearer <token>`, when the request sends one.
fn bearer(headers: &HeaderMap) -> Option<String> {
    headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| {
        let (scheme, token) = v.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
    })
}

/// Compares in constant time, so response timing does not tell how much of a guess was right.
pub(crate) fn token_matches(given: &str, expected: &str) -> bool {
    bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

/// Whether the request comes from a browser that signed in with the form (for the sign-out button).
pub(crate) fn signed_in(app: &Shared, headers: &HeaderMap) -> bool {
    app.config.token.is_some() && session_of(headers).is_some_and(|id| app.sessions.is_signed_in(id))
}

/// With a token configured, every request but the open paths must present it (or a signed-in
/// session): 401 otherwise, JSON with `WWW-Authenticate: Bearer` for the API, the login form for
/// pages. A wrong bearer token counts as a guess against the client's throttle; once that is
/// spent, requests with a token are answered 429 without comparing it.
pub(crate) async fn auth(State(app): State<Shared>, request: Request, next: Next) -> Response {
    let Some(expected) = app.config.token.as_deref() else {
        return next.run(request).await;
    };
    if is_open(request.uri().path()) {
        return next.run(request).await;
    }
    match bearer(request.headers()) {
        Some(given) => {
            let client = peer(&app, &request);
            if let Err(wait) = app.guesses.check(&client) {
                let asker = Asker::of(&app, request.uri(), request.headers());
                return too_many(
                    &asker,
                    &app,
                    wait,
                    "too many wrong tokens from this address",
                    "此地址发送的错误令牌过多",
                );
            }
            if token_matches(&given, expected) {
                return next.run(request).await;
            }
            let _ = app.guesses.take(&client, 1);
        }
        None if signed_in(&app, request.headers()) => return next.run(request).await,
        None => {}
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

/// Without a token, answers only requests whose `Host` names this server by a loopback name
/// (`127.0.0.1`, `localhost`, `[::1]`, with the port it listens on) or a name `--allow-host`
/// lists; anything else is 421. A web page whose own name an attacker re-pointed at 127.0.0.1
/// (DNS rebinding) sends that name as `Host`, so it cannot read the answers. A request with no
/// `Host` at all is not from a browser and passes. With a token, the token is the defence.
pub(crate) async fn host(State(app): State<Shared>, request: Request, next: Next) -> Response {
    if app.config.token.is_some() {
        return next.run(request).await;
    }
    let named = match request.headers().get(HOST) {
        Some(value) => Some(value.to_str().unwrap_or("\u{fffd}").to_string()),
        None => request.uri().authority().map(|a| a.as_str().to_string()),
    };
    if named.as_deref().is_none_or(|h| host_allowed(&app, h)) {
        return next.run(request).await;
    }
    let port = app.config.listen_port.map_or_else(|| "PORT".to_string(), |p| p.to_string());
    let asker = Asker::of(&app, request.uri(), request.headers());
    let message = match asker.lang() {
        actdoc_core::Lang::En => format!(
            "this server answers only to 127.0.0.1:{port}, localhost:{port} and [::1]:{port}: open it by one of \
             those names, or whoever runs it can add --token (for the LAN) or --allow-host NAME:PORT"
        ),
        actdoc_core::Lang::ZhCn => format!(
            "此服务器只响应 127.0.0.1:{port}、localhost:{port} 和 [::1]:{port}：请用这些地址打开，\
             或请服务器管理员设置 --token（局域网使用）或 --allow-host NAME:PORT"
        ),
    };
    let heading = tr(asker.lang(), "Wrong address for this server", "此服务器的地址不对");
    asker.error(&app, StatusCode::MISDIRECTED_REQUEST, heading, &message)
}

/// Whether `host` (a `Host` header value) names this server; see [`host`].
fn host_allowed(app: &Shared, host: &str) -> bool {
    let host = host.trim().to_ascii_lowercase();
    if app.config.allowed_hosts.iter().any(|h| h.trim().eq_ignore_ascii_case(&host)) {
        return true;
    }
    let (name, port) = if host.starts_with('[') {
        match host.split_once(']') {
            Some((inside, rest)) => (format!("{inside}]"), rest.strip_prefix(':').map(str::to_string)),
            None => return false,
        }
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) => (name.to_string(), Some(port.to_string())),
            None => (host.clone(), None),
        }
    };
    if !matches!(name.as_str(), "127.0.0.1" | "localhost" | "[::1]") {
        return false;
    }
    match (port, app.config.listen_port) {
        (None, listening) => listening.is_none_or(|p| p == 80),
        (Some(port), listening) => port.parse::<u16>().is_ok_and(|p| listening.is_none_or(|l| l == p)),
    }
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
    fn the_bearer_header() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("bearer  abc "));
        assert_eq!(bearer(&headers).as_deref(), Some("abc"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&headers), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }

    #[test]
    fn sessions_are_random_and_end() {
        let sessions = Sessions::default();
        let a = sessions.start().unwrap();
        let b = sessions.start().unwrap();
        assert_ne!(a, b);
        assert!(sessions.is_signed_in(&a) && sessions.is_signed_in(&b));
        sessions.end(&a);
        assert!(!sessions.is_signed_in(&a) && sessions.is_signed_in(&b));
        assert!(!sessions.is_signed_in("not-an-id"));
    }
}
