//! Sends one DNS question to one server and waits, at most until a deadline, for its answer:
//! UDP with a resend, TCP when the UDP answer is truncated.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::{Instant, timeout_at};

use super::message::{self, Response};

/// How long to wait for a UDP answer before sending the question again.
const RESEND_AFTER: Duration = Duration::from_secs(1);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("no answer from {server} before the deadline")]
    Timeout { server: SocketAddr },
    #[error("cannot reach DNS server {server}: {detail}")]
    Io { server: SocketAddr, detail: String },
    #[error("unreadable answer from {server}: {detail}")]
    Malformed { server: SocketAddr, detail: String },
}

fn next_id() -> u16 {
    // Unpredictable enough for a diagnostic tool; the answer must also come from the server asked.
    static COUNTER: AtomicU16 = AtomicU16::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    COUNTER.fetch_add(1, Ordering::Relaxed) ^ u16::try_from(nanos & 0xFFFF).unwrap_or_default()
}

/// Asks `server` for `name`/`qtype`.
pub async fn query(server: SocketAddr, name: &str, qtype: u16, deadline: Instant) -> Result<Response, QueryError> {
    let id = next_id();
    let question =
        message::encode_query(id, name, qtype).map_err(|e| QueryError::Malformed { server, detail: e.to_string() })?;
    let answer = timeout_at(deadline, query_udp(server, id, &question, deadline))
        .await
        .map_err(|_| QueryError::Timeout { server })??;
    if answer.truncated {
        return timeout_at(deadline, query_tcp(server, id, &question))
            .await
            .map_err(|_| QueryError::Timeout { server })?;
    }
    Ok(answer)
}

async fn query_udp(server: SocketAddr, id: u16, question: &[u8], deadline: Instant) -> Result<Response, QueryError> {
    let io = |e: std::io::Error| QueryError::Io { server, detail: e.to_string() };
    let local: SocketAddr = if server.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let socket = UdpSocket::bind(local).await.map_err(io)?;
    socket.connect(server).await.map_err(io)?;
    let mut buf = vec![0u8; 4096];
    loop {
        socket.send(question).await.map_err(io)?;
        let resend_at = (Instant::now() + RESEND_AFTER).min(deadline);
        loop {
            match timeout_at(resend_at, socket.recv(&mut buf)).await {
                Err(_) => break,
                Ok(Err(e)) => return Err(io(e)),
                Ok(Ok(len)) => match message::decode_response(&buf[..len]) {
                    // Stray or forged datagrams with another id are not our answer: keep waiting.
                    Ok(r) if r.id == id => return Ok(r),
                    Ok(_) => {}
                    Err(e) => return Err(QueryError::Malformed { server, detail: e.to_string() }),
                },
            }
        }
        if Instant::now() >= deadline {
            return Err(QueryError::Timeout { server });
        }
    }
}

async fn query_tcp(server: SocketAddr, id: u16, question: &[u8]) -> Result<Response, QueryError> {
    let io = |e: std::io::Error| QueryError::Io { server, detail: e.to_string() };
    let mut stream = TcpStream::connect(server).await.map_err(io)?;
    let len = u16::try_from(question.len()).unwrap_or(u16::MAX);
    let mut framed = len.to_be_bytes().to_vec();
    framed.extend_from_slice(question);
    stream.write_all(&framed).await.map_err(io)?;
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).await.map_err(io)?;
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut buf).await.map_err(io)?;
    let response =
        message::decode_response(&buf).map_err(|e| QueryError::Malformed { server, detail: e.to_string() })?;
    if response.id != id {
        return Err(QueryError::Malformed { server, detail: "answer id does not match the question".into() });
    }
    Ok(response)
}
