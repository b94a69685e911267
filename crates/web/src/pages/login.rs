//! Signing in with the server's token, for browsers (which cannot send a bearer header by
//! themselves): the form sets an HttpOnly cookie holding the token, which every request then
//! presents. `SameSite=Lax` keeps it off other sites' form posts; the same-origin check refuses
//! those anyway.

use axum::Form;
use axum::extract::State;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::Shared;
use crate::html::{Section, layout as frame_page, respond};
use crate::lang::query_param;
use crate::pages::Ctx;
use crate::security::{TOKEN_COOKIE, token_matches};
use crate::text::text;

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    next: String,
}

/// Only a path on this server: never `//other.host` or a full URL (no open redirect).
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.starts_with("/login") {
        next
    } else {
        "/"
    }
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

pub(crate) async fn submit(
    State(app): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let Some(expected) = app.config.token.as_deref() else {
        return Redirect::to("/").into_response();
    };
    if !token_matches(form.token.trim(), expected) {
        return page(&app, &uri, &headers, &form.next, true, StatusCode::UNAUTHORIZED);
    }
    let value = percent_encoding::utf8_percent_encode(form.token.trim(), percent_encoding::NON_ALPHANUMERIC);
    let cookie = format!("{TOKEN_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax");
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let (Ok(cookie), Ok(location)) = (HeaderValue::from_str(&cookie), HeaderValue::from_str(safe_next(&form.next))) {
        response.headers_mut().insert(SET_COOKIE, cookie);
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

pub(crate) async fn logout() -> Response {
    let mut response = Redirect::to("/").into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, HeaderValue::from_static("token=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"));
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
    }
}
