//! The defences every response carries: security headers on every route and status, the bearer
//! token (and the login cookie for browsers), and refusing other sites' form posts.

use std::sync::Arc;
use std::time::Duration;

use actdoc_web::{CheckRequest, CheckRunner, MIB, WebConfig, router};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::support::{Answer, app, get, get_with, multipart, send};

const CSP: &str = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn assert_secure(answer: &Answer, what: &str) {
    assert_eq!(answer.header("content-security-policy"), CSP, "{what}");
    assert_eq!(answer.header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(answer.header("x-frame-options"), "DENY", "{what}");
    assert_eq!(answer.header("referrer-policy"), "no-referrer", "{what}");
}

/// A runner that never answers in time.
struct Slow;

impl CheckRunner for Slow {
    fn run(&self, _: CheckRequest) -> std::pin::Pin<Box<dyn std::future::Future<Output = serde_json::Value> + Send>> {
        Box::pin(async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            json!({})
        })
    }
}

#[tokio::test]
async fn every_route_and_status_carries_the_security_headers() {
    let app = app();
    let mut seen = Vec::new();
    for (path, status) in [
        ("/", StatusCode::OK),
        ("/search?q=dns", StatusCode::OK),
        ("/search?q=1722", StatusCode::SEE_OTHER),
        ("/codes", StatusCode::OK),
        ("/codes/0xC004F074", StatusCode::OK),
        ("/codes/%3Cscript%3E", StatusCode::BAD_REQUEST),
        ("/types", StatusCode::OK),
        ("/types/mak", StatusCode::OK),
        ("/types/none", StatusCode::NOT_FOUND),
        ("/analyze", StatusCode::OK),
        ("/analyze/00000000000000000000000000000000", StatusCode::NOT_FOUND),
        ("/analyze/00000000000000000000000000000000/report", StatusCode::NOT_FOUND),
        ("/analyze/00000000000000000000000000000000/report.json", StatusCode::NOT_FOUND),
        ("/api", StatusCode::OK),
        ("/api/openapi.json", StatusCode::OK),
        ("/api/v1/health", StatusCode::OK),
        ("/api/v1/codes/1722", StatusCode::OK),
        ("/api/v1/codes/nope", StatusCode::BAD_REQUEST),
        ("/api/v1/explain?q=1722", StatusCode::OK),
        ("/api/v1/search?q=kms", StatusCode::OK),
        ("/static/site.css", StatusCode::OK),
        ("/static/site.js", StatusCode::OK),
        ("/login", StatusCode::SEE_OTHER),
        ("/no/such/page", StatusCode::NOT_FOUND),
        ("/api/v1/no-such-endpoint", StatusCode::NOT_FOUND),
    ] {
        let answer = get(&app, path).await;
        assert_eq!(answer.status, status, "GET {path}: {}", answer.body);
        assert_secure(&answer, path);
        seen.push(status);
    }
    // Statuses made by the layers themselves: 405, 413, 422, 400 from a POST, 401, 403, 503.
    let wrong_method = send(&app, Request::put("/codes/1722").body(Body::empty()).unwrap()).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_secure(&wrong_method, "405");

    let small = router(WebConfig { upload_limit: MIB, ..WebConfig::default() });
    let too_large = send(
        &small,
        Request::post("/api/v1/analyze")
            .header("content-length", 2 * MIB)
            .body(Body::from(vec![b'x'; 2 * MIB]))
            .unwrap(),
    )
    .await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_secure(&too_large, "413");

    let unreadable = send(&app, Request::post("/api/v1/analyze").body(Body::from("just words")).unwrap()).await;
    assert_eq!(unreadable.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_secure(&unreadable, "422");

    let (content_type, body) = multipart(&[("text", None, b"  ")]);
    let empty =
        send(&app, Request::post("/analyze").header("content-type", content_type).body(Body::from(body)).unwrap())
            .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_secure(&empty, "400 page");

    let locked = router(WebConfig { token: Some("s3cret".into()), ..WebConfig::default() });
    for path in ["/", "/api/v1/codes/1722"] {
        let answer = get(&locked, path).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_secure(&answer, "401");
    }

    let cross =
        send(&app, Request::post("/analyze").header("sec-fetch-site", "cross-site").body(Body::empty()).unwrap()).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert_secure(&cross, "403");

    let slow = router(WebConfig {
        checks: Some(Arc::new(Slow)),
        allow_checks: vec!["contoso.test".into()],
        request_timeout: Duration::from_millis(100),
        ..WebConfig::default()
    });
    let timed_out =
        send(&slow, Request::post("/api/v1/check").body(Body::from(r#"{"domains": ["contoso.test"]}"#)).unwrap()).await;
    assert_eq!(timed_out.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(timed_out.json()["error"].as_str().unwrap().contains("longer than"));
    assert_secure(&timed_out, "503");
}

#[tokio::test]
async fn pages_hold_no_inline_script_and_no_outside_url() {
    let app = app();
    for path in ["/", "/search?q=kms", "/codes/0xC004F074?lang=zh-CN", "/codes", "/types/kms", "/analyze", "/api", "/x"]
    {
        let html = get(&app, path).await.body;
        assert!(!html.contains("<script>") && !html.contains("<script >"), "{path}: inline script");
        assert!(html.contains("<script src=\"/static/site.js\" defer></script>"), "{path}");
        for attribute in [" onclick=", " onload=", " onerror=", " style=\"", "javascript:"] {
            assert!(!html.contains(attribute), "{path}: {attribute}");
        }
        for outside in ["href=\"http", "src=\"http", "action=\"http", "href=\"//", "src=\"//"] {
            assert!(!html.contains(outside), "{path}: a link or resource elsewhere ({outside})");
        }
    }
}

#[tokio::test]
async fn with_a_token_every_request_needs_it() {
    let locked = router(WebConfig { token: Some("s3cret".into()), ..WebConfig::default() });
    let bearer = [("authorization", "Bearer s3cret")];

    let api = get(&locked, "/api/v1/codes/1722").await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert_eq!(api.header("www-authenticate"), "Bearer realm=\"actdoc\"");
    assert!(api.json()["error"].as_str().unwrap().contains("Authorization: Bearer"));
    assert_eq!(get_with(&locked, "/api/v1/codes/1722", &bearer).await.status, StatusCode::OK);
    assert_eq!(
        get_with(&locked, "/api/v1/codes/1722", &[("authorization", "Bearer s3cre")]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get_with(&locked, "/api/v1/codes/1722", &[("authorization", "Basic s3cret")]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(get_with(&locked, "/api/openapi.json", &bearer).await.status, StatusCode::OK);
    assert_eq!(get(&locked, "/api/openapi.json").await.status, StatusCode::UNAUTHORIZED);

    let page = get(&locked, "/codes/1722?lang=zh-CN").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("action=\"/login\"") && page.body.contains("value=\"/codes/1722?lang=zh-CN\""));
    assert_eq!(get_with(&locked, "/codes/1722", &bearer).await.status, StatusCode::OK);
    let upload = send(&locked, Request::post("/api/v1/analyze").body(Body::from("Name: Windows")).unwrap()).await;
    assert_eq!(upload.status, StatusCode::UNAUTHORIZED, "uploads too");

    // Open: the health probe, and what the login page needs.
    assert_eq!(get(&locked, "/api/v1/health").await.status, StatusCode::OK);
    assert_eq!(get(&locked, "/static/site.css").await.status, StatusCode::OK);
    assert_eq!(get(&locked, "/login").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_browser_signs_in_with_the_form_and_keeps_a_cookie() {
    let locked = router(WebConfig { token: Some("s3 cret;".into()), ..WebConfig::default() });
    let form = |token: &str| {
        Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={token}&next=%2Fcodes%2F1722")))
            .unwrap()
    };
    let wrong = send(&locked, form("nope")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("That token is not right"));
    assert!(wrong.header("set-cookie").is_empty());

    let right = send(&locked, form("s3+cret%3B")).await;
    assert_eq!((right.status, right.location()), (StatusCode::SEE_OTHER, "/codes/1722"));
    let cookie = right.header("set-cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let pair = cookie.split(';').next().unwrap();
    let page = get_with(&locked, "/codes/1722", &[("cookie", pair)]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("action=\"/logout\""), "a signed-in reader can sign out");

    let out = send(&locked, Request::post("/logout").header("cookie", pair).body(Body::empty()).unwrap()).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.header("set-cookie").contains("Max-Age=0"));

    let evil = send(
        &locked,
        Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("token=s3+cret%3B&next=%2F%2Fevil.example%2F"))
            .unwrap(),
    )
    .await;
    assert_eq!(evil.location(), "/", "no open redirect");
}

#[tokio::test]
async fn another_sites_form_post_is_refused() {
    let app = app();
    let post = |headers: &[(&str, &str)]| {
        let mut request = Request::post("/api/v1/analyze");
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        request.body(Body::from("Name: Windows")).unwrap()
    };
    for headers in [
        &[("sec-fetch-site", "cross-site")][..],
        &[("sec-fetch-site", "same-site")][..],
        &[("origin", "https://evil.example"), ("host", "127.0.0.1:8080")][..],
    ] {
        let answer = send(&app, post(headers)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{headers:?}");
    }
    // Our own pages post with `Origin: null` (they are no-referrer) and `Sec-Fetch-Site: same-origin`.
    for headers in [
        &[("sec-fetch-site", "same-origin"), ("origin", "null")][..],
        &[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")][..],
        &[][..],
    ] {
        let answer = send(&app, post(headers)).await;
        assert_ne!(answer.status, StatusCode::FORBIDDEN, "{headers:?}");
    }
}

#[tokio::test]
async fn dns_rebinding_a_foreign_host_is_421_without_a_token() {
    let app = app();
    // A page on evil.example whose name now resolves to 127.0.0.1 sends its own name as Host.
    for host in ["evil.example", "evil.example:8080", "127.0.0.1.evil.example:8080", "localhost.evil.example"] {
        let answer = get_with(&app, "/api/v1/codes/1722", &[("host", host)]).await;
        assert_eq!(answer.status, StatusCode::MISDIRECTED_REQUEST, "Host: {host}");
        assert!(answer.json()["error"].as_str().unwrap().contains("127.0.0.1"), "says which names it answers to");
        assert_secure(&answer, "421");
        let page = get_with(&app, "/analyze", &[("host", host)]).await;
        assert_eq!(page.status, StatusCode::MISDIRECTED_REQUEST, "page, Host: {host}");
    }
    let cross = send(
        &app,
        Request::post("/api/v1/analyze").header("host", "evil.example:8080").body(Body::from("Name: Windows")).unwrap(),
    )
    .await;
    assert_eq!(cross.status, StatusCode::MISDIRECTED_REQUEST, "uploads too");
    for host in ["127.0.0.1:8080", "localhost:8080", "LOCALHOST:8080", "[::1]:8080", "127.0.0.1", "localhost"] {
        let answer = get_with(&app, "/api/v1/codes/1722", &[("host", host)]).await;
        assert_eq!(answer.status, StatusCode::OK, "Host: {host}");
    }
    // With a token the token is the defence, and any name may reach the server (a LAN name).
    let locked = router(WebConfig { token: Some("s3cret".into()), ..WebConfig::default() });
    let answer =
        get_with(&locked, "/api/v1/codes/1722", &[("host", "kmsdoc.corp:8080"), ("authorization", "Bearer s3cret")])
            .await;
    assert_eq!(answer.status, StatusCode::OK);
}

/// A login form post, as the sign-in page sends it.
fn login(token: &str, next: &str) -> Request<Body> {
    Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("token={token}&next={next}")))
        .unwrap()
}

#[tokio::test]
async fn login_next_with_control_or_space_characters_goes_home() {
    let locked = router(WebConfig { token: Some("s3cret-s3cret-s3cret".into()), ..WebConfig::default() });
    for next in
        ["%2F%09%2Fevil.example", "%2F%0A%2Fevil.example", "%2F%20%2Fevil.example", "%2F%0B%2Fx", "%2F%E3%80%80%2Fx"]
    {
        let answer = send(&locked, login("s3cret-s3cret-s3cret", next)).await;
        assert_eq!((answer.status, answer.location()), (StatusCode::SEE_OTHER, "/"), "next={next}");
    }
    let fine = send(&locked, login("s3cret-s3cret-s3cret", "%2Fcodes%2F1722%3Flang%3Dzh-CN")).await;
    assert_eq!(fine.location(), "/codes/1722?lang=zh-CN");
    let chinese = send(&locked, login("s3cret-s3cret-s3cret", "%2Fsearch%3Fq%3D%E6%97%B6%E9%97%B4")).await;
    assert_eq!(chinese.location(), "/search?q=%E6%97%B6%E9%97%B4", "non-ASCII is sent percent-encoded");
}

#[tokio::test]
async fn login_with_cr_lf_in_next_still_signs_in() {
    let locked = router(WebConfig { token: Some("s3cret-s3cret-s3cret".into()), ..WebConfig::default() });
    let answer = send(&locked, login("s3cret-s3cret-s3cret", "%2Fa%0D%0ASet-Cookie%3A%20x%3Dy")).await;
    assert_eq!((answer.status, answer.location()), (StatusCode::SEE_OTHER, "/"));
    assert!(answer.header("set-cookie").contains("HttpOnly"), "signed in: {:?}", answer.headers);
}

#[tokio::test]
async fn login_guesses_are_throttled() {
    let token = "s3cret-s3cret-s3cret";
    let locked = router(WebConfig { token: Some(token.into()), ..WebConfig::default() });
    let mut refused = 0;
    for i in 0..50 {
        let answer = send(&locked, login(&format!("guess-{i}"), "%2F")).await;
        assert!(matches!(answer.status, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS));
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
            assert!(answer.header("retry-after").parse::<u64>().is_ok_and(|s| s > 0), "says when to try again");
        }
    }
    assert!(refused >= 30, "only {refused} of 50 wrong guesses were throttled");
    // Guessing through the API's bearer header is throttled the same way.
    let api = get_with(&locked, "/api/v1/codes/1722", &[("authorization", "Bearer guess")]).await;
    assert_eq!(api.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(api.json()["error"].is_string());
}

#[tokio::test]
async fn the_login_cookie_holds_a_random_session_not_the_token() {
    let token = "s3cret-s3cret-s3cret";
    let locked = router(WebConfig { token: Some(token.into()), ..WebConfig::default() });
    let first = send(&locked, login(token, "%2F")).await;
    let second = send(&locked, login(token, "%2F")).await;
    let pair = |a: &Answer| a.header("set-cookie").split(';').next().unwrap().to_string();
    let (one, two) = (pair(&first), pair(&second));
    for cookie in [&one, &two] {
        assert!(!cookie.contains(token) && !cookie.contains("s3cret"), "the cookie holds the token: {cookie}");
        let value = cookie.split_once('=').unwrap().1;
        assert!(value.len() >= 32, "a long random value: {cookie}");
    }
    assert_ne!(one, two, "each sign-in gets its own session");
    assert_eq!(get_with(&locked, "/codes/1722", &[("cookie", &one)]).await.status, StatusCode::OK);
    // Signing out ends that session on the server, not only in the browser.
    let out = send(&locked, Request::post("/logout").header("cookie", &one).body(Body::empty()).unwrap()).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(get_with(&locked, "/codes/1722", &[("cookie", &one)]).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(get_with(&locked, "/codes/1722", &[("cookie", &two)]).await.status, StatusCode::OK);
    // The token itself in the cookie is no way in.
    let forged = format!("session={token}");
    assert_eq!(get_with(&locked, "/codes/1722", &[("cookie", &forged)]).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_session_cookie_is_secure_with_cookie_secure_or_a_trusted_proxy_saying_https() {
    let token = "s3cret-s3cret-s3cret";
    let signed_in = |app: axum::Router, headers: Vec<(&'static str, &'static str)>| async move {
        let mut request = Request::post("/login").header("content-type", "application/x-www-form-urlencoded");
        for (k, v) in headers {
            request = request.header(k, v);
        }
        send(&app, request.body(Body::from(format!("token={token}&next=%2F"))).unwrap()).await
    };
    let plain = router(WebConfig { token: Some(token.into()), ..WebConfig::default() });
    let answer = signed_in(plain.clone(), vec![("x-forwarded-proto", "https")]).await;
    assert!(!answer.header("set-cookie").contains("Secure"), "an untrusted header is ignored");

    let secure = router(WebConfig { token: Some(token.into()), cookie_secure: true, ..WebConfig::default() });
    let answer = signed_in(secure, vec![]).await;
    assert!(answer.header("set-cookie").contains("; Secure"), "{}", answer.header("set-cookie"));

    let proxied = router(WebConfig { token: Some(token.into()), trust_proxy: true, ..WebConfig::default() });
    for (name, value) in [("x-forwarded-proto", "https"), ("forwarded", "for=10.0.0.1;proto=https")] {
        let answer = signed_in(proxied.clone(), vec![(name, value)]).await;
        assert!(answer.header("set-cookie").contains("; Secure"), "{name}: {value}");
    }
    let answer = signed_in(proxied, vec![("x-forwarded-proto", "http")]).await;
    assert!(!answer.header("set-cookie").contains("Secure"));
}

#[tokio::test]
async fn behind_a_trusted_proxy_guesses_count_per_forwarded_client() {
    let token = "s3cret-s3cret-s3cret";
    let proxied = router(WebConfig { token: Some(token.into()), trust_proxy: true, ..WebConfig::default() });
    let guess = |from: &'static str| {
        Request::get("/api/v1/codes/1722")
            .header("authorization", "Bearer guess")
            .header("x-forwarded-for", from)
            .body(Body::empty())
            .unwrap()
    };
    for _ in 0..20 {
        send(&proxied, guess("203.0.113.9, 10.0.0.7")).await;
    }
    assert_eq!(send(&proxied, guess("203.0.113.9, 10.0.0.7")).await.status, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy still signs in; the client's own first entry changes nothing.
    let other = send(
        &proxied,
        Request::get("/api/v1/codes/1722")
            .header("authorization", format!("Bearer {token}"))
            .header("x-forwarded-for", "10.0.0.7, 10.0.0.8")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(other.status, StatusCode::OK);
}
