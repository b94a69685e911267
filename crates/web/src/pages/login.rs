//! Signing in with the server's token, for browsers (which cannot send a bearer header by
//! themselves): the form starts a session on the server and sets an HttpOnly cookie holding its
//! random id, never the token. `SameSite=Lax` keeps it off other sites' form posts (the
//! same-origin check refuses those anyway), and `Secure` is added when the server is reached over
//! HTTPS. Wrong tokens are throttled per client address.

use axum::Form;
use axum::extract::{FromRequest, Request, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::Shared;
use crate::error::Asker;
use crate::html::{Section, layout as frame_page, respond};
use crate::lang::query_param;
use crate::pages::Ctx;
use crate::security::{SESSION_LIFETIME, peer, session_cookie, session_of, token_matches, too_many};
use crate::text::text;

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    next: String,
}

/// Only a path on this server: never `//other.host` or a full URL (no open redirect), and no
/// control or space characters, which browsers drop from a `Location` (`/\t/evil.example` is
/// followed as `//evil.example`) and which cannot go in a header at all (CR, LF).
fn safe_next(next: &str) -> &str {
    let clean = !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if clean && next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/login") { next } else { "/" }
}

/// `next` as a `Location` value: non-ASCII percent-encoded (a header is ASCII).
fn location(next: &str) -> HeaderValue {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b' ');
    let encoded = percent_encoding::utf8_percent_encode(safe_next(next), KEEP).to_string();
    HeaderValue::from_str(&encoded).unwrap_or(HeaderValue::from_static("/"))
}

/// The login form, with `status` (401 when it stands in for a page that needs the token).
pub(crate) fn page(
    app: &Shared,
    uri: &Uri,
    headers: &HeaderMap,
    next: &str,
    wrong: bool,
    status: StatusCode,
) -> Response {
    let ctx = Ctx::new(app, uri, headers);
    let t = text(ctx.lang);
    let body = html! {
        section.narrow {
            h1 { (t.login_title) }
            p.lead { (t.login_lead) }
            @if wrong { p.callout.warn role="alert" { (t.wrong_token) } }
            form.stack action="/login" method="post" {
                input type="hidden" name="next" value=(safe_next(next));
                label for="token" { (t.token_label) }
                input #token type="password" name="token" autocomplete="current-password" required autofocus;
                div { button type="submit" { (t.login_button) } }
            }
        }
    };
    respond(status, frame_page(&ctx.frame(t.login_title, Section::None), &body))
}

pub(crate) async fn form(State(app): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    if app.config.token.is_none() {
        return Redirect::to("/").into_response();
    }
    let next = query_param(&uri, "next").unwrap_or_else(|| "/".into());
    page(&app, &uri, &headers, &next, false, StatusCode::OK)
}

pub(crate) async fn submit(State(app): State<Shared>, request: Request) -> Response {
    let client = peer(&app, &request);
    let (parts, body) = request.into_parts();
    let (uri, headers) = (parts.uri.clone(), parts.headers.clone());
    let Some(expected) = app.config.token.as_deref() else {
        return Redirect::to("/").into_response();
    };
    let Form(form) = match Form::<LoginForm>::from_request(Request::from_parts(parts, body), &app).await {
        Ok(form) => form,
        Err(e) => return e.into_response(),
    };
    // Refused before the token is even compared, so a throttled guess tells nothing. The check, the
    // comparison and the count happen with no await between them: parallel guesses cannot all
    // pass the check first.
    if let Err(wait) = app.guesses.check(&client) {
        let asker = Asker::of(&app, &uri, &headers);
        return too_many(&asker, &app, wait, "too many wrong tokens from this address", "此地址发送的错误令牌过多");
    }
    if !token_matches(form.token.trim(), expected) {
        let _ = app.guesses.take(&client, 1);
        return page(&app, &uri, &headers, &form.next, true, StatusCode::UNAUTHORIZED);
    }
    let Some(session) = app.sessions.start() else {
        let asker = Asker::of(&app, &uri, &headers);
        return asker.error(
            &app,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "no random source for a session",
        );
    };
    let mut response = StatusCode::SEE_OTHER.into_response();
    response.headers_mut().insert(LOCATION, location(&form.next));
    if let Some(cookie) = session_cookie(&app, &headers, &session, SESSION_LIFETIME) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    response
}

/// Ends the session on the server too: a copied cookie stops working.
pub(crate) async fn logout(State(app): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(session) = session_of(&headers) {
        app.sessions.end(session);
    }
    let mut response = Redirect::to("/").into_response();
    if let Some(cookie) = session_cookie(&app, &headers, "", std::time::Duration::ZERO) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_server() {
        assert_eq!(safe_next("/codes/1722?lang=zh-CN"), "/codes/1722?lang=zh-CN");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("/login"), "/");
        assert_eq!(safe_next("/\t/evil.example"), "/");
        assert_eq!(safe_next("/a\r\nSet-Cookie: x"), "/");
        assert_eq!(safe_next("/ /x"), "/");
        assert_eq!(safe_next("/\u{3000}/x"), "/");
        assert_eq!(location("/search?q=时间"), "/search?q=%E6%97%B6%E9%97%B4");
    }
}
