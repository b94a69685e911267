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
