//! Which language a request wants: `?lang=` first (a link someone shared), then the `lang` cookie
//! (the reader's choice, remembered), then `Accept-Language`, then English. A page that was asked
//! for with `?lang=` remembers it in the cookie; the API never sets cookies.

use actdoc_core::Lang;
use axum::extract::Request;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::Response;

/// The cookie that remembers the reader's language, for a year.
pub(crate) const COOKIE_NAME: &str = "lang";
const COOKIE_MAX_AGE: u32 = 365 * 24 * 3600;

/// Where the language came from, so a bad `?lang=` can be an error in the API and ignored on pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Asked {
    /// `?lang=` named a language we speak.
    Query(Lang),
    /// `?lang=` named something else.
    BadQuery,
    /// No usable `?lang=`: the cookie, `Accept-Language` or the default decided.
    Default(Lang),
}

/// The value of one query parameter, percent-decoded.
pub(crate) fn query_param(uri: &Uri, name: &str) -> Option<String> {
    let query = uri.query()?;
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// The value of one cookie, as sent.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

pub(crate) fn asked(uri: &Uri, headers: &HeaderMap) -> Asked {
    match query_param(uri, "lang") {
        Some(q) if !q.is_empty() => match q.parse::<Lang>() {
            Ok(lang) => Asked::Query(lang),
            Err(_) => Asked::BadQuery,
        },
        _ => Asked::Default(remembered(headers)),
    }
}

/// The language of a request, whatever `?lang=` says: pages never fail over a bad parameter.
pub(crate) fn of(uri: &Uri, headers: &HeaderMap) -> Lang {
    match asked(uri, headers) {
        Asked::Query(lang) | Asked::Default(lang) => lang,
        Asked::BadQuery => remembered(headers),
    }
}

/// The cookie, else `Accept-Language`, else English.
fn remembered(headers: &HeaderMap) -> Lang {
    cookie(headers, COOKIE_NAME)
        .and_then(|v| v.parse().ok())
        .or_else(|| headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(accept_language))
        .unwrap_or_default()
}

/// The best-weighted language of an `Accept-Language` header that we speak.
fn accept_language(header: &str) -> Option<Lang> {
    let mut best: Option<(u16, Lang)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        let weight = parts.find_map(|p| p.trim().strip_prefix("q=")).map_or(1000, weight);
        let lang = if tag.to_ascii_lowercase().starts_with("zh") {
            Some(Lang::ZhCn)
        } else if tag.to_ascii_lowercase().starts_with("en") {
            Some(Lang::En)
        } else {
            None
        };
        if let Some(lang) = lang
            && weight > 0
            && best.is_none_or(|(w, _)| weight > w)
        {
            best = Some((weight, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// Remembers a `?lang=` given to a page in the `lang` cookie.
pub(crate) async fn remember(request: Request, next: Next) -> Response {
    let chosen = match asked(request.uri(), request.headers()) {
        Asked::Query(lang) if !request.uri().path().starts_with("/api") => Some(lang),
        _ => None,
    };
    let mut response = next.run(request).await;
    if let Some(lang) = chosen
        && let Ok(value) =
            HeaderValue::from_str(&format!("{COOKIE_NAME}={lang}; Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax"))
    {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

/// The same address with `lang` set, for the language switch: every other parameter is kept. The
/// path is normalised first, so the link stays on this server whatever was asked: `//evil.example/x`
/// would otherwise be a link to another host.
pub(crate) fn switch_href(uri: &Uri, lang: Lang) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(q) = uri.query() {
        for (k, v) in form_urlencoded::parse(q.as_bytes()).filter(|(k, _)| k != "lang") {
            query.append_pair(&k, &v);
        }
    }
    query.append_pair("lang", lang.tag());
    format!("{}?{}", normalised_path(uri.path()), query.finish())
}

/// `path` with empty, `.` and `..` segments resolved and backslashes read as slashes (as browsers
/// read them): always one leading `/`, never `//`.
pub(crate) fn normalised_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split(['/', '\\']) {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut normalised = format!("/{}", segments.join("/"));
    if path.ends_with('/') && !segments.is_empty() {
        normalised.push('/');
    }
    normalised
}

/// A `q=` weight in thousandths: `1`, `0.8`, `0.25` (at most three decimals, as RFC 9110 says).
fn weight(q: &str) -> u16 {
    let (int, frac) = q.trim().split_once('.').unwrap_or((q.trim(), ""));
    let frac: String = frac.chars().chain("000".chars()).take(3).collect();
    match (int, frac.parse::<u16>()) {
        ("1", _) => 1000,
        ("0" | "", Ok(f)) => f.min(999),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_takes_the_best_weighted_language_we_speak() {
        assert_eq!(accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Some(Lang::ZhCn));
        assert_eq!(accept_language("fr-FR, en;q=0.5, zh;q=0.7"), Some(Lang::ZhCn));
        assert_eq!(accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(accept_language("fr, de"), None);
        assert_eq!(accept_language("zh;q=0"), None);
        assert_eq!(weight("0.25"), 250);
        assert_eq!(weight("1.0"), 1000);
        assert_eq!(weight(".5"), 500);
        assert_eq!(weight("x"), 0);
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("a=1; lang=zh-CN; token=x"));
        assert_eq!(cookie(&headers, "lang"), Some("zh-CN"));
        assert_eq!(cookie(&headers, "token"), Some("x"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn query_beats_cookie_beats_header() {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("zh-CN"));
        let plain: Uri = "/codes/1722".parse().unwrap();
        assert_eq!(of(&plain, &headers), Lang::ZhCn);
        headers.insert(COOKIE, HeaderValue::from_static("lang=en"));
        assert_eq!(of(&plain, &headers), Lang::En);
        let asked_zh: Uri = "/codes/1722?lang=zh-CN".parse().unwrap();
        assert_eq!(of(&asked_zh, &headers), Lang::ZhCn);
        let bad: Uri = "/codes/1722?lang=klingon".parse().unwrap();
        assert_eq!(asked(&bad, &headers), Asked::BadQuery);
        assert_eq!(of(&bad, &headers), Lang::En);
    }

    #[test]
    fn the_switch_keeps_other_parameters() {
        let uri: Uri = "/search?q=dns%20name&lang=en".parse().unwrap();
        assert_eq!(switch_href(&uri, Lang::ZhCn), "/search?q=dns+name&lang=zh-CN");
    }

    #[test]
    fn the_switch_never_links_off_the_site() {
        for (path, expected) in [
            ("//evil.example/x", "/evil.example/x"),
            ("///evil.example", "/evil.example"),
            ("/./../evil.example/", "/evil.example/"),
            ("/codes/0xC004F074", "/codes/0xC004F074"),
            ("/", "/"),
        ] {
            assert_eq!(normalised_path(path), expected, "{path}");
        }
        assert_eq!(normalised_path("/\\evil.example"), "/evil.example");
    }
}
