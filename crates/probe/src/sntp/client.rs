//! One SNTP exchange with a server, bounded by a deadline.

use std::net::SocketAddr;
use std::time::SystemTime;

use serde::Serialize;
use tokio::net::UdpSocket;
use tokio::time::{Instant, timeout_at};

use super::packet::{NtpTimestamp, SntpError, decode_reply, encode_request, offset_and_delay};

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ClockOutcome {
    /// Offset is the server's clock minus ours: positive means we are behind.
    Measured {
        server: SocketAddr,
        offset_seconds: f64,
        delay_seconds: f64,
        stratum: u8,
    },
    NoAnswer {
        detail: String,
    },
}

pub async fn measure(server: SocketAddr, deadline: Instant) -> ClockOutcome {
    match timeout_at(deadline, exchange(server)).await {
        Err(_) => ClockOutcome::NoAnswer { detail: format!("no SNTP answer from {server} before the deadline") },
        Ok(Err(detail)) => ClockOutcome::NoAnswer { detail },
        Ok(Ok(outcome)) => outcome,
    }
}

async fn exchange(server: SocketAddr) -> Result<ClockOutcome, String> {
    let local: SocketAddr = if server.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let socket = UdpSocket::bind(local).await.map_err(|e| e.to_string())?;
    socket.connect(server).await.map_err(|e| e.to_string())?;
    let t1 = NtpTimestamp::from_system(SystemTime::now());
    socket.send(&encode_request(t1)).await.map_err(|e| format!("{server}: {e}"))?;
    let mut buf = [0u8; 512];
    loop {
        let len = socket.recv(&mut buf).await.map_err(|e| format!("{server}: {e}"))?;
        let t4 = NtpTimestamp::from_system(SystemTime::now());
        match decode_reply(&buf[..len], t1) {
            Ok(reply) => {
                let (offset_seconds, delay_seconds) = offset_and_delay(t1, &reply, t4);
                return Ok(ClockOutcome::Measured { server, offset_seconds, delay_seconds, stratum: reply.stratum });
            }
            // A late answer to someone else's request: wait for ours.
            Err(SntpError::WrongOrigin) => {}
            Err(e) => return Err(format!("{server}: {e}")),
        }
    }
}
