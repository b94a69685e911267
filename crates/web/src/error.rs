//! Error answers in the form the asker reads: JSON `{"error": ...}` under `/api`, a page in the
//! reader's language elsewhere. Every message says what was wrong and what to do.

use actdoc_core::Lang;
use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::Shared;
use crate::html::{Frame, Section, error_page};
use crate::lang;

/// Whether a path belongs to the JSON API (whose errors are JSON).
pub(crate) fn is_api(path: &str) -> bool {
    path == "/api/openapi.json" || path.starts_with("/api/v1/") || path == "/api/v1"
}

/// `{"error": message}` with `status`.
pub(crate) fn json(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// `{"input": input, "error": message}`: the shape `actdoc explain --json` gives an input that is
/// not a code.
pub(crate) fn json_input(status: StatusCode, input: &str, message: impl Into<String>) -> Response {
    (status, Json(json!({ "input": input, "error": message.into() }))).into_response()
}

/// Picks one of two texts by language.
pub(crate) fn tr(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::ZhCn => zh,
    }
}

/// What an error answer needs to know about its request, taken before the request is handed on
/// (cheaper than keeping all its headers for an answer that is rarely needed).
#[derive(Debug)]
pub(crate) struct Asker {
    uri: Uri,
    lang: Lang,
    signed_in: bool,
}

impl Asker {
    pub(crate) fn of(app: &Shared, uri: &Uri, headers: &HeaderMap) -> Asker {
        Asker { uri: uri.clone(), lang: lang::of(uri, headers), signed_in: crate::security::signed_in(app, headers) }
    }

    pub(crate) fn lang(&self) -> Lang {
        self.lang
    }

    /// An error: JSON under `/api`, otherwise a page titled `heading`.
    pub(crate) fn error(&self, app: &Shared, status: StatusCode, heading: &str, message: &str) -> Response {
        if is_api(self.uri.path()) {
            return json(status, message);
        }
        let frame = Frame {
            lang: self.lang,
            title: heading,
            section: Section::None,
            uri: &self.uri,
            canonical: None,
            checks: app.config.checks.is_some(),
            signed_in: self.signed_in,
            header_search: true,
        };
        error_page(&frame, status, heading, message)
    }
}

/// An error for any route: JSON under `/api`, otherwise a page titled `heading`.
pub(crate) fn for_request(
    app: &Shared,
    uri: &Uri,
    headers: &HeaderMap,
    status: StatusCode,
    heading: &str,
    message: &str,
) -> Response {
    Asker::of(app, uri, headers).error(app, status, heading, message)
}

pub(crate) async fn not_found(State(app): State<Shared>, request: Request) -> Response {
    let (uri, headers, method) = (request.uri(), request.headers(), request.method());
    let lang = lang::of(uri, headers);
    if is_api(uri.path()) {
        return json(
            StatusCode::NOT_FOUND,
            format!("no such endpoint: {method} {}; see /api/openapi.json", uri.path()),
        );
    }
    let t = crate::text::text(lang);
    for_request(&app, uri, headers, StatusCode::NOT_FOUND, t.not_found, t.not_found_hint)
}

pub(crate) async fn method_not_allowed(State(app): State<Shared>, request: Request) -> Response {
    let (uri, headers, method) = (request.uri(), request.headers(), request.method());
    let lang = lang::of(uri, headers);
    let message = if *method == Method::GET || *method == Method::HEAD {
        format!("{method} is not allowed on {}: send the form or POST to it", uri.path())
    } else {
        format!("{method} is not allowed on {}: open it with GET", uri.path())
    };
    let heading = tr(lang, "Method not allowed", "不允许的请求方法");
    for_request(&app, uri, headers, StatusCode::METHOD_NOT_ALLOWED, heading, &message)
}

/// The router of a server whose knowledge base did not load: every request gets the reason.
pub(crate) fn broken(message: String) -> Router {
    Router::new()
        .fallback(move || {
            let message = message.clone();
            async move { json(StatusCode::INTERNAL_SERVER_ERROR, format!("internal error: {message}")) }
        })
        .layer(axum::middleware::from_fn(crate::security::headers))
}
