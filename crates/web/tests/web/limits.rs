//! The upload limit: a readable 413 whether the size is declared or found while reading, and, over
//! a real socket with a plain client, even when the client sends the whole oversized body without
//! `Expect: 100-continue` (the server drains a bounded overshoot instead of resetting).

use std::net::SocketAddr;
use std::time::Duration;

use actdoc_web::{MIB, WebConfig, router};
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{multipart, send};

#[tokio::test]
async fn a_declared_oversized_body_is_refused_before_it_is_read() {
    let app = router(WebConfig::default());
    let body = vec![b'x'; 65 * MIB];
    let api = send(
        &app,
        Request::post("/api/v1/analyze").header("content-length", body.len()).body(Body::from(body.clone())).unwrap(),
    )
    .await;
    assert_eq!(api.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(api.header("content-type"), "application/json");
    assert!(api.json()["error"].as_str().unwrap().contains("64 MiB"), "{}", api.body);

    let page = send(
        &app,
        Request::post("/analyze?lang=zh-CN")
            .header("content-type", "multipart/form-data; boundary=b")
            .header("content-length", body.len())
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.body.contains("上传内容过大") && page.body.contains("64 MiB"), "a page in the reader's language");
}

/// A body that does not say how long it is, arriving in pieces.
fn streamed(bytes: &[u8]) -> Body {
    Body::new(Chunks(bytes.chunks(64 * 1024).map(Bytes::copy_from_slice).collect()))
}

struct Chunks(std::collections::VecDeque<Bytes>);

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        std::task::Poll::Ready(self.0.pop_front().map(|c| Ok(http_body::Frame::data(c))))
    }
}

#[tokio::test]
async fn a_body_found_too_large_while_reading_is_a_413_too() {
    let app = router(WebConfig { upload_limit: MIB, ..WebConfig::default() });
    let raw = send(&app, Request::post("/api/v1/analyze").body(streamed(&vec![b'x'; 2 * MIB])).unwrap()).await;
    assert_eq!(raw.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", raw.body);

    let big = vec![b'x'; 2 * MIB];
    let (content_type, form) = multipart(&[("files", Some("big.evtx"), &big)]);
    let api = send(
        &app,
        Request::post("/api/v1/analyze").header("content-type", &content_type).body(streamed(&form)).unwrap(),
    )
    .await;
    assert_eq!(api.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", api.body);
    let page =
        send(&app, Request::post("/analyze").header("content-type", &content_type).body(streamed(&form)).unwrap())
            .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.body.contains("Upload too large"));

    // Just under the limit is read as usual.
    let fits =
        send(&app, Request::post("/api/v1/analyze").body(streamed(b"License Status: Licensed\r\n")).unwrap()).await;
    assert_ne!(fits.status, StatusCode::PAYLOAD_TOO_LARGE);
}

async fn serve(config: WebConfig) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(config)).await });
    addr
}

/// The status line and body of the answer to a POST of `size` bytes, sent the way a plain client
/// does: headers with `Content-Length`, then the whole body, no `Expect`. With `read_first` false
/// the client reads nothing until it has written every byte.
async fn post_raw(addr: SocketAddr, size: usize, read_while_sending: bool) -> (String, String) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST /api/v1/analyze HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\nContent-Length: {size}\r\n\r\n"
    );
    let send = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        let chunk = vec![b'x'; MIB];
        let mut sent = 0;
        while sent < size {
            let n = chunk.len().min(size - sent);
            writer.write_all(&chunk[..n]).await?;
            sent += n;
        }
        writer.flush().await?;
        Ok::<_, std::io::Error>(writer)
    });
    let _writer = if read_while_sending {
        None
    } else {
        Some(send.await.unwrap().expect("the server read the whole body instead of resetting"))
    };
    let mut answer = Vec::new();
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = reader.read(&mut buf).await.expect("an answer, not a connection reset");
        assert!(n > 0, "the server closed before answering: {}", String::from_utf8_lossy(&answer));
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                .unwrap_or(0);
            if body.len() >= length {
                return (head.lines().next().unwrap().to_string(), body[..length].to_string());
            }
        }
    }
}

async fn within<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), future).await.expect("took more than 2 minutes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_client_reads_the_413_for_65_mib() {
    let addr = serve(WebConfig::default()).await;
    for read_while_sending in [true, false] {
        let (status, body) = within(post_raw(addr, 65 * MIB, read_while_sending)).await;
        assert_eq!(status, "HTTP/1.1 413 Payload Too Large", "read while sending: {read_while_sending}");
        assert!(body.contains("64 MiB") && body.contains("--upload-limit"), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_client_reads_the_413_for_200_mib() {
    // Like curl: it reads the early answer while sending, with the default drain budget.
    let addr = serve(WebConfig::default()).await;
    let (status, body) = within(post_raw(addr, 200 * MIB, true)).await;
    assert_eq!(status, "HTTP/1.1 413 Payload Too Large");
    assert!(body.contains("64 MiB"), "{body}");
    // A client that reads nothing until it has sent all 200 MiB gets it too; the time budget is
    // raised so a busy test machine cannot make it flaky (the bytes budget is the default).
    let addr = serve(WebConfig { drain_time: Duration::from_secs(60), ..WebConfig::default() }).await;
    let (status, _) = within(post_raw(addr, 200 * MIB, false)).await;
    assert_eq!(status, "HTTP/1.1 413 Payload Too Large");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_expects_100_continue_gets_the_413_and_sends_nothing() {
    let addr = serve(WebConfig::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/analyze HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        65 * MIB
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0; 4096];
    let n = within(stream.read(&mut buf)).await.unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(!text.contains("100 Continue"));
}
