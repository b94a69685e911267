//! `actdoc_web::serve` on a real loopback socket: connections that never finish their request
//! head, or sit idle after an answer, are closed (slowloris), and a normal client is still served
//! while slow connections fill the connection cap. Every bound here is a generous ceiling on a
//! hang, never a tight timing: the defaults close such connections after seconds, the ceilings
//! allow a minute.

use std::net::SocketAddr;
use std::time::Duration;

use actdoc_web::{WebConfig, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Far more than any timeout of the server: reaching it means the connection was never closed.
const HANG_CEILING: Duration = Duration::from_secs(60);

/// Serves `config` on a loopback port until the returned guard drops (also on a panic).
struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn start(config: WebConfig) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, config, async {
        let _ = stopped.await;
    }));
    Running { addr, stop: Some(stop) }
}

/// Reads until the server closes the connection (end of stream or a reset), returning what came.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return seen,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// A request with `Connection: close` on a fresh connection: the status code, or `None` when the
/// server closed without answering.
async fn get_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let answer = read_until_closed(&mut stream).await;
    String::from_utf8_lossy(&answer).split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_a_request_head_that_never_ends_is_closed_after_the_header_read_timeout() {
    let server = start(WebConfig::default()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
    // One more header line a second: a connection that is never idle, only never finished.
    let closed = tokio::time::timeout(HANG_CEILING, async {
        let mut buf = [0u8; 1024];
        loop {
            tokio::select! {
                read = stream.read(&mut buf) => match read {
                    Ok(0) | Err(_) => return true,
                    Ok(_) => {}
                },
                () = tokio::time::sleep(Duration::from_secs(1)) => {
                    if stream.write_all(b"X-Slow: 1\r\n").await.is_err() {
                        return true;
                    }
                }
            }
        }
    })
    .await;
    assert_eq!(closed, Ok(true), "the server kept an unfinished request head open for a minute");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_an_idle_kept_alive_connection_is_closed() {
    let server = start(WebConfig::default()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let request = format!("GET /api/v1/health HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr);
    stream.write_all(request.as_bytes()).await.unwrap();
    // The answer comes, the connection stays open for another request, and then, idle, is closed.
    let answer = tokio::time::timeout(HANG_CEILING, read_until_closed(&mut stream)).await;
    let answer = answer.expect("an idle kept-alive connection stayed open for a minute");
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_a_normal_client_is_served_while_slow_connections_fill_the_cap() {
    let cap = 16;
    let server = start(WebConfig { max_connections: cap, ..WebConfig::default() }).await;
    // Three times the cap of connections that send half a request head and nothing more.
    let mut slow = Vec::new();
    for _ in 0..3 * cap {
        if let Ok(mut stream) = TcpStream::connect(server.addr).await {
            let _ = stream.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n").await;
            slow.push(stream);
        }
    }
    for _ in 0..3 {
        let status = tokio::time::timeout(HANG_CEILING, get_status(server.addr, "/api/v1/health")).await;
        assert_eq!(status, Ok(Some(200)), "a normal request during the attack");
    }
    // The cap held: at most `cap` of the slow connections are still open; the rest were shed.
    let mut open = 0;
    for stream in &mut slow {
        let mut buf = [0u8; 1];
        match tokio::time::timeout(Duration::from_millis(50), stream.read(&mut buf)).await {
            Err(_) => open += 1,
            Ok(Ok(0) | Err(_)) => {}
            Ok(Ok(_)) => panic!("a half-sent request head got an answer"),
        }
    }
    assert!(open <= cap, "{open} slow connections open with a cap of {cap}");
}
