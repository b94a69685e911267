//! Network checks from the web: only names on the allow-list, refused before the runner is asked.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actdoc_web::{CheckRequest, CheckRunner, WebConfig, router};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::support::{get, send};

/// Counts calls and remembers the last request; answers like `actdoc check --json`.
#[derive(Default)]
struct Recorder {
    calls: AtomicUsize,
    last: Mutex<Option<CheckRequest>>,
}

impl CheckRunner for Recorder {
    fn run(
        &self,
        request: CheckRequest,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = serde_json::Value> + Send>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        *self.last.lock().unwrap() = Some(request);
        Box::pin(async {
            json!({
                "summary": {"pass": 1, "warn": 0, "fail": 1},
                "checks": [
                    {"finding": "srv_found", "status": "pass", "subject": "_vlmcs._tcp.contoso.test",
                     "evidence": "0 100 1688 kms01.contoso.test", "explains": [], "title": "KMS SRV records found",
                     "next_step": "", "codes": []},
                    {"finding": "tcp_refused", "status": "fail", "subject": "kms01.contoso.test:1688",
                     "evidence": "refused <b>", "explains": ["0x800706BA"], "title": "Connection refused",
                     "next_step": "Check the firewall: `Test-NetConnection kms01 -Port 1688`.", "codes": []}
                ]
            })
        })
    }
}

fn app_with(recorder: &Arc<Recorder>) -> Router {
    router(WebConfig {
        checks: Some(recorder.clone()),
        allow_checks: vec!["contoso.test,kms01.contoso.test".into()],
        ..WebConfig::default()
    })
}

async fn post_check(app: &Router, body: &str) -> crate::support::Answer {
    send(
        app,
        Request::post("/api/v1/check")
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn an_unlisted_host_is_refused_and_the_runner_never_called() {
    let recorder = Arc::new(Recorder::default());
    let app = app_with(&recorder);
    for (body, named) in [
        (r#"{"kms": ["evil.example:1688"]}"#, "evil.example"),
        (r#"{"domains": ["contoso.test", "sub.contoso.test"]}"#, "sub.contoso.test"),
        (r#"{"domains": ["contoso.test"], "kms": ["10.0.0.1"]}"#, "10.0.0.1"),
    ] {
        let answer = post_check(&app, body).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{body}");
        let json = answer.json();
        assert_eq!(json["input"], json!(named), "{body}");
        assert!(json["error"].as_str().unwrap().contains(named), "{body}: the error names the host");
    }
    assert_eq!(recorder.calls.load(Ordering::SeqCst), 0, "no check ran");
}

#[tokio::test]
async fn a_listed_name_reaches_the_runner_as_asked() {
    let recorder = Arc::new(Recorder::default());
    let app = app_with(&recorder);
    let answer =
        post_check(&app, r#"{"domains": ["Contoso.Test."], "kms": ["kms01.contoso.test:1688"], "timeout_ms": 2000}"#)
            .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.json()["summary"]["fail"], json!(1));
    assert_eq!(recorder.calls.load(Ordering::SeqCst), 1);
    let last = recorder.last.lock().unwrap().clone().unwrap();
    assert_eq!(last.kms, ["kms01.contoso.test:1688"]);
    assert_eq!(last.timeout_ms, 2000);
}

#[tokio::test]
async fn malformed_requests_are_400_without_a_call() {
    let recorder = Arc::new(Recorder::default());
    let app = app_with(&recorder);
    for body in [
        "not json",
        r#"{"domains": []}"#,
        r#"{"domains": ["contoso.test"], "timeout_ms": 999999}"#,
        r#"{"domains": ["contoso.test"], "surprise": 1}"#,
        r#"{"kms": ["kms01.contoso.test:70000"]}"#,
    ] {
        let answer = post_check(&app, body).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}: {}", answer.body);
        assert!(answer.json()["error"].is_string());
    }
    assert_eq!(recorder.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn without_a_runner_there_is_no_check_route() {
    let app = crate::support::app();
    assert_eq!(post_check(&app, r#"{"domains": ["contoso.test"]}"#).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/check").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_check_page_runs_allowed_checks_and_refuses_others() {
    let recorder = Arc::new(Recorder::default());
    let app = app_with(&recorder);
    let page = get(&app, "/check").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("contoso.test, kms01.contoso.test"), "the page says what may be checked");
    assert!(get(&app, "/").await.body.contains("href=\"/check\""));

    let form = |body: &str| {
        Request::post("/check")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let refused = send(&app, form("domains=&kms=evil.example&timeout_ms=3000")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("evil.example"));
    assert_eq!(recorder.calls.load(Ordering::SeqCst), 0);

    let ran = send(&app, form("domains=contoso.test&kms=kms01.contoso.test%3A1688&timeout_ms=3000")).await;
    assert_eq!(ran.status, StatusCode::OK);
    assert_eq!(recorder.calls.load(Ordering::SeqCst), 1);
    assert!(ran.body.contains("Connection refused") && ran.body.contains("href=\"/codes/0x800706BA\""));
    assert!(ran.body.contains("refused &lt;b&gt;"), "runner output is escaped too");
    assert!(ran.body.contains("<code class=\"cmd\">Test-NetConnection kms01 -Port 1688</code>"));
}
