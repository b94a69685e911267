//! The web app alone, for working on its pages: `cargo run -p actdoc-web --example dev_server --
//! 127.0.0.1:8081 [--redact] [--token T] [--demo-checks]`. The real server is `actdoc serve`;
//! `--demo-checks` plugs in a runner that answers with a made-up result and sends nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actdoc_web::{CheckRequest, CheckRunner, WebConfig};
use serde_json::{Value, json};

struct Demo;

impl CheckRunner for Demo {
    fn run(&self, request: CheckRequest) -> Pin<Box<dyn Future<Output = Value> + Send>> {
        Box::pin(async move {
            let subject = request.domains.first().or(request.kms.first()).cloned().unwrap_or_default();
            json!({
                "summary": {"pass": 1, "warn": 0, "fail": 1},
                "checks": [
                    {"finding": "srv_found", "status": "pass", "subject": format!("_vlmcs._tcp.{subject}"),
                     "evidence": "0 100 1688 kms01.contoso.test (TTL 3600) (demo)", "explains": [],
                     "title": "KMS SRV records found", "next_step": null, "codes": []},
                    {"finding": "tcp_refused", "status": "fail", "subject": "kms01.contoso.test:1688",
                     "evidence": "127.0.0.2:1688 refused the connection (demo)", "explains": ["0x800706BA", "0xC004F074"],
                     "title": "Connection refused",
                     "next_step": "Nothing listens there or a firewall rejects: check the Software Protection service and the firewall rule; check the port (`slmgr /sprt`).",
                     "codes": []}
                ],
                "timeout_ms": request.timeout_ms
            })
        })
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr =
        args.iter().find(|a| !a.starts_with("--") && a.contains(':')).cloned().unwrap_or("127.0.0.1:8081".into());
    let mut config = WebConfig { redact: args.iter().any(|a| a == "--redact"), ..WebConfig::default() };
    if let Some(i) = args.iter().position(|a| a == "--token") {
        config.token = args.get(i + 1).cloned();
    }
    if args.iter().any(|a| a == "--demo-checks") {
        config.checks = Some(Arc::new(Demo));
        config.allow_checks = vec!["contoso.test".into(), "kms01.contoso.test".into()];
    }
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("actdoc-web dev server on http://{}", listener.local_addr()?);
    actdoc_web::serve(listener, config, std::future::pending()).await
}
