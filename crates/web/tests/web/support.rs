//! Sends requests to the router without a socket, and builds the bodies the tests need.

use std::path::PathBuf;

use actdoc_web::{WebConfig, router};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;

/// What came back, with the body as text.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    pub(crate) fn location(&self) -> &str {
        self.header("location")
    }
}

pub(crate) fn app() -> Router {
    router(WebConfig::default())
}

pub(crate) async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

pub(crate) async fn get(app: &Router, uri: &str) -> Answer {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

pub(crate) async fn get_with(app: &Router, uri: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(app, request.body(Body::empty()).unwrap()).await
}

/// A multipart/form-data body: `(field, file name, bytes)`; no file name makes a plain field.
pub(crate) fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "actdoc-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, file_name, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file_name {
            Some(file) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes());
            }
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(crate) async fn post_multipart(app: &Router, uri: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Answer {
    let (content_type, body) = multipart(parts);
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap();
    send(app, request).await
}

pub(crate) fn corpus(name: &str) -> PathBuf {
    actdoc_test_support::shared_dir().join("corpus/evtx").join(name)
}

pub(crate) fn fixture(relative: &str) -> PathBuf {
    actdoc_test_support::workspace_root().join("tests/fixtures").join(relative)
}

/// The corpus log with a failing machine: 0x80072EE7 on FUKUSUKE16E9.
pub(crate) const FAILING_EVTX: &str = "fukusuket__evtx-parser__samples__Application.evtx";

/// Every file of the made-up fleet, as a folder upload sends them (`fleet/pc-a/Application.xml`).
pub(crate) fn fleet_parts() -> Vec<(String, Vec<u8>)> {
    let root = fixture("fleet");
    let mut parts = Vec::new();
    let mut machines: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().map(|e| e.path()).collect();
    machines.sort();
    for machine in machines {
        let mut files: Vec<_> = std::fs::read_dir(&machine).unwrap().flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let name = format!(
                "fleet/{}/{}",
                machine.file_name().unwrap().to_string_lossy(),
                file.file_name().unwrap().to_string_lossy()
            );
            parts.push((name, std::fs::read(&file).unwrap()));
        }
    }
    parts
}
