//! Sends the KMS bind over an open connection and classifies what comes back. Never sends an
//! activation request: the bind is all.

use std::fmt::Write as _;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use super::pdu::{Bind, BindReply, HEADER_LEN, Header, PduError, decode_bind_reply};

/// A reply larger than this is not a bind_ack (those are ~60 bytes); stop reading.
const MAX_REPLY: usize = 4096;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RpcOutcome {
    /// bind_ack with the KMS context accepted: a KMS host is listening.
    Accepted { secondary_address: String, max_xmit: u16 },
    /// An RPC server that does not serve the KMS interface (provider rejection in the bind_ack).
    ContextRejected { result: u16, reason: u16 },
    /// An RPC server that refused the bind outright.
    BindNak { reason: u16 },
    /// An RPC fault or another PDU type instead of a bind_ack.
    UnexpectedPdu { ptype: u8, detail: String },
    /// The peer closed the connection right after the bind.
    ClosedAfterBind { bytes_received: usize },
    /// The peer answered with something that is not DCE/RPC.
    NotRpc { first_bytes: String },
    /// The reply started but was cut short or malformed.
    Malformed { detail: String },
    /// Nothing came back before the deadline.
    Silent,
    /// The bind could not be sent.
    SendFailed { detail: String },
}

impl RpcOutcome {
    pub fn is_kms(&self) -> bool {
        matches!(self, RpcOutcome::Accepted { .. })
    }
}

/// Binds to the KMS interface on `stream`, giving up at `deadline`.
pub async fn bind_kms(stream: &mut TcpStream, deadline: Instant) -> RpcOutcome {
    let bind = Bind::kms(2).encode();
    match timeout_at(deadline, stream.write_all(&bind)).await {
        Err(_) => return RpcOutcome::Silent,
        Ok(Err(e)) => return RpcOutcome::SendFailed { detail: e.to_string() },
        Ok(Ok(())) => {}
    }
    let mut reply = Vec::with_capacity(64);
    match timeout_at(deadline, read_reply(stream, &mut reply)).await {
        Err(_) if reply.is_empty() => RpcOutcome::Silent,
        Err(_) => RpcOutcome::Malformed { detail: format!("reply stopped after {} bytes", reply.len()) },
        Ok(outcome) => outcome,
    }
}

/// Reads one PDU into `reply` (kept by the caller so a timeout still shows what arrived).
async fn read_reply(stream: &mut TcpStream, reply: &mut Vec<u8>) -> RpcOutcome {
    let mut chunk = [0u8; 512];
    loop {
        let wanted = if reply.len() >= HEADER_LEN {
            match Header::decode(reply) {
                Ok(h) => usize::from(h.frag_length),
                Err(PduError::NotRpc { .. }) => return not_rpc(reply),
                Err(e) => return RpcOutcome::Malformed { detail: e.to_string() },
            }
        } else {
            HEADER_LEN
        };
        if wanted > MAX_REPLY {
            return RpcOutcome::Malformed {
                detail: format!("reply announces {wanted} bytes; a bind_ack is under {MAX_REPLY}"),
            };
        }
        if reply.len() >= wanted {
            return classify(reply);
        }
        match stream.read(&mut chunk).await {
            // A close or a reset right after the bind is the same verdict.
            Ok(0) | Err(_) if reply.is_empty() => return RpcOutcome::ClosedAfterBind { bytes_received: 0 },
            Ok(0) if reply.len() < HEADER_LEN && reply.first().is_some_and(|&b| b != 5) => return not_rpc(reply),
            Ok(0) => {
                return RpcOutcome::Malformed {
                    detail: format!("connection closed after {} of {wanted} bytes", reply.len()),
                };
            }
            Ok(n) => reply.extend_from_slice(&chunk[..n]),
            Err(e) => return RpcOutcome::Malformed { detail: e.to_string() },
        }
        // A first byte other than 5 is already enough to say "not RPC".
        if reply.first().is_some_and(|&b| b != 5) && reply.len() >= 4 {
            return not_rpc(reply);
        }
    }
}

fn not_rpc(reply: &[u8]) -> RpcOutcome {
    let shown = reply.iter().take(16).fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    RpcOutcome::NotRpc { first_bytes: shown }
}

fn classify(reply: &[u8]) -> RpcOutcome {
    match decode_bind_reply(reply) {
        Ok(BindReply::Ack { results, secondary_address, max_xmit, .. }) => match results.first() {
            Some(r) if r.result == 0 => RpcOutcome::Accepted { secondary_address, max_xmit },
            Some(r) => RpcOutcome::ContextRejected { result: r.result, reason: r.reason },
            None => RpcOutcome::Malformed { detail: "bind_ack without context results".into() },
        },
        Ok(BindReply::Nak { reason }) => RpcOutcome::BindNak { reason },
        Ok(BindReply::Fault { status }) => {
            RpcOutcome::UnexpectedPdu { ptype: super::pdu::PTYPE_FAULT, detail: format!("fault status 0x{status:08X}") }
        }
        Ok(BindReply::Other { ptype }) => RpcOutcome::UnexpectedPdu { ptype, detail: String::new() },
        Err(PduError::NotRpc { .. }) => not_rpc(reply),
        Err(e) => RpcOutcome::Malformed { detail: e.to_string() },
    }
}
