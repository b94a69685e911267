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

/// Answers like the probe does for a host that is not a KMS host, with the server's own DNS
/// configuration in it: what a web answer must not pass on.
struct Revealing;

impl CheckRunner for Revealing {
    fn run(&self, _: CheckRequest) -> std::pin::Pin<Box<dyn std::future::Future<Output = serde_json::Value> + Send>> {
        Box::pin(async {
            json!({
                "summary": {"pass": 0, "warn": 0, "fail": 2},
                "checks": [
                    {"finding": "srv_nx_domain", "status": "fail", "subject": "_vlmcs._tcp.contoso.test",
                     "evidence": "NXDOMAIN from 10.9.8.7:53", "explains": [], "title": "No such domain",
                     "next_step": "", "codes": []},
                    {"finding": "rpc_not_rpc", "status": "fail", "subject": "kms01.contoso.test:1688",
                     "evidence": "the reply is not DCE/RPC (first bytes 5353482d322e302d4f70656e535348)",
                     "explains": [], "title": "Not RPC", "next_step": "", "codes": []}
                ],
                "dns": {"source": "system", "servers": ["10.9.8.7:53", "[fd00::53]:53"], "search": ["corp.internal"], "error": null},
                "discoveries": [{"domain": "contoso.test", "query": "_vlmcs._tcp.contoso.test", "server": "10.9.8.7:53",
                                 "result": {"outcome": "nx_domain"}, "resolved": [], "elapsed_ms": 3}],
                "targets": [{"host": "kms01.contoso.test", "port": 1688,
                             "rpc": {"outcome": "not_rpc", "first_bytes": "5353482d322e302d4f70656e535348"}}],
                "clock": null, "timeout_ms": 3000, "elapsed_ms": 5
            })
        })
    }
}

#[tokio::test]
async fn checks_reach_only_the_kms_port() {
    let recorder = Arc::new(Recorder::default());
    let app = app_with(&recorder);
    for kms in ["kms01.contoso.test:22", "kms01.contoso.test:80", "[fd00::5]:6379", "kms01.contoso.test:1689"] {
        let answer = post_check(&app, &format!(r#"{{"kms": ["{kms}"]}}"#)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{kms}: {}", answer.body);
        assert!(answer.json()["error"].as_str().unwrap().contains("1688"), "says which port is allowed");
    }
    assert_eq!(recorder.calls.load(Ordering::SeqCst), 0, "no port but the KMS port was probed");
    let fine = post_check(&app, r#"{"kms": ["kms01.contoso.test:1688", "kms01.contoso.test"]}"#).await;
    assert_eq!(fine.status, StatusCode::OK, "{}", fine.body);
    let asked = recorder.last.lock().unwrap().clone().unwrap();
    assert_eq!(asked.kms, ["kms01.contoso.test:1688", "kms01.contoso.test:1688"], "the runner gets the port spelt out");
}

#[tokio::test]
async fn check_answers_hold_no_banner_bytes_and_no_resolver_addresses() {
    let app = router(WebConfig {
        checks: Some(Arc::new(Revealing)),
        allow_checks: vec!["contoso.test,kms01.contoso.test".into()],
        ..WebConfig::default()
    });
    let api = post_check(&app, r#"{"domains": ["contoso.test"], "kms": ["kms01.contoso.test"]}"#).await;
    assert_eq!(api.status, StatusCode::OK);
    let page = send(
        &app,
        Request::post("/check")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("domains=contoso.test&kms=kms01.contoso.test&timeout_ms=3000"))
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    for (what, body) in [("api", &api.body), ("page", &page.body)] {
        for secret in ["10.9.8.7", "fd00::53", "corp.internal", "5353482d", "first_bytes", "first bytes"] {
            assert!(!body.contains(secret), "{what} shows {secret}: {body}");
        }
        assert!(body.contains("NXDOMAIN") && body.contains("not DCE/RPC"), "{what}: the verdicts stay");
    }
}

#[tokio::test]
async fn an_ip_address_is_never_checked_as_a_domain() {
    let recorder = Arc::new(Recorder::default());
    let app = router(WebConfig {
        checks: Some(recorder.clone()),
        allow_checks: vec!["10.0.0.5,[fd00::5],host:kms01.contoso.test,domain:contoso.test".into()],
        ..WebConfig::default()
    });
    for domain in ["10.0.0.5", "fd00::5", "[fd00::5]"] {
        let answer = post_check(&app, &format!(r#"{{"domains": ["{domain}"]}}"#)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{domain}: {}", answer.body);
        assert!(answer.json()["error"].as_str().unwrap().contains("IP address"), "{domain}: {}", answer.body);
    }
    // Hosts and domains listed as such stay apart.
    assert_eq!(post_check(&app, r#"{"domains": ["kms01.contoso.test"]}"#).await.status, StatusCode::FORBIDDEN);
    assert_eq!(post_check(&app, r#"{"kms": ["contoso.test"]}"#).await.status, StatusCode::FORBIDDEN);
    assert_eq!(recorder.calls.load(Ordering::SeqCst), 0);
    assert_eq!(post_check(&app, r#"{"kms": ["10.0.0.5", "[fd00::5]"]}"#).await.status, StatusCode::OK);
    assert_eq!(
        post_check(&app, r#"{"domains": ["contoso.test"], "kms": ["kms01.contoso.test"]}"#).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn checks_are_rate_limited() {
    let recorder = Arc::new(Recorder::default());
    let app = app_with(&recorder);
    let mut limited = 0;
    for _ in 0..200 {
        let answer = post_check(&app, r#"{"kms": ["kms01.contoso.test"]}"#).await;
        match answer.status {
            StatusCode::OK => {}
            StatusCode::TOO_MANY_REQUESTS => {
                limited += 1;
                assert!(answer.header("retry-after").parse::<u64>().is_ok_and(|s| s > 0));
                assert!(answer.json()["error"].is_string());
            }
            other => panic!("{other}: {}", answer.body),
        }
    }
    let ran = recorder.calls.load(Ordering::SeqCst);
    assert!(limited > 0 && ran <= 64, "{ran} of 200 checks ran at once");
}

/// Answers like the command line when the probe refuses the input.
struct Refusing;

impl CheckRunner for Refusing {
    fn run(&self, _: CheckRequest) -> std::pin::Pin<Box<dyn std::future::Future<Output = serde_json::Value> + Send>> {
        Box::pin(async { json!({ "error": "`x`: not a domain" }) })
    }
}

#[tokio::test]
async fn invalid_check_input_is_a_4xx_not_a_200_with_an_error() {
    let recorder = Arc::new(Recorder::default());
    let app = app_with(&recorder);
    let long_label = format!("{}.contoso.test", "a".repeat(64));
    for domain in [long_label.as_str(), "-contoso.test", "contoso..test", "contoso.test-"] {
        let answer = post_check(&app, &format!(r#"{{"domains": ["{domain}"]}}"#)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{domain}: {}", answer.body);
    }
    assert_eq!(recorder.calls.load(Ordering::SeqCst), 0);
    let refusing = router(WebConfig {
        checks: Some(Arc::new(Refusing)),
        allow_checks: vec!["contoso.test".into()],
        ..WebConfig::default()
    });
    let answer = post_check(&refusing, r#"{"domains": ["contoso.test"]}"#).await;
    assert!(answer.status.is_client_error(), "{}: {}", answer.status, answer.body);
    assert!(answer.json()["error"].as_str().unwrap().contains("not a domain"));
}
