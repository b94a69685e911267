//! DCE/RPC v5 connection-oriented PDUs, as far as a bind needs them (DCE 1.1 RPC chapter 12;
//! [MS-RPCE] 2.2.2). A bind asks "do you serve this interface?"; it carries no request. Pure:
//! every byte string decodes to a value or an error.

use serde::Serialize;

pub const PTYPE_BIND: u8 = 11;
pub const PTYPE_BIND_ACK: u8 = 12;
pub const PTYPE_BIND_NAK: u8 = 13;
pub const PTYPE_FAULT: u8 = 3;
const PFC_FIRST_LAST: u8 = 0x03;
/// Little-endian integers, ASCII characters, IEEE floats.
const DREP_LE: [u8; 4] = [0x10, 0, 0, 0];
pub const HEADER_LEN: usize = 16;
/// What Windows clients offer; the host may lower it.
const MAX_FRAG: u16 = 5840;

/// The KMS activation interface 51C82175-844E-4750-B0D8-EC255555BC06, version 1.0.
pub const KMS_INTERFACE: SyntaxId =
    SyntaxId { uuid: uuid(0x51C8_2175, 0x844E, 0x4750, [0xB0, 0xD8, 0xEC, 0x25, 0x55, 0x55, 0xBC, 0x06]), version: 1 };
/// The NDR32 transfer syntax 8A885D04-1CEB-11C9-9FE8-08002B104860, version 2.
pub const NDR32: SyntaxId =
    SyntaxId { uuid: uuid(0x8A88_5D04, 0x1CEB, 0x11C9, [0x9F, 0xE8, 0x08, 0x00, 0x2B, 0x10, 0x48, 0x60]), version: 2 };

/// A GUID in its on-the-wire (little-endian first three fields) layout.
const fn uuid(d1: u32, d2: u16, d3: u16, d4: [u8; 8]) -> [u8; 16] {
    let a = d1.to_le_bytes();
    let b = d2.to_le_bytes();
    let c = d3.to_le_bytes();
    [a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d4[0], d4[1], d4[2], d4[3], d4[4], d4[5], d4[6], d4[7]]
}

/// An interface or transfer syntax: UUID and version (major in the low 16 bits, minor above).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyntaxId {
    pub uuid: [u8; 16],
    pub version: u32,
}

/// A bind with one presentation context: the KMS interface over NDR32.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bind {
    pub call_id: u32,
    pub abstract_syntax: SyntaxId,
    pub transfer_syntax: SyntaxId,
}

impl Bind {
    pub fn kms(call_id: u32) -> Bind {
        Bind { call_id, abstract_syntax: KMS_INTERFACE, transfer_syntax: NDR32 }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(56);
        body.extend_from_slice(&MAX_FRAG.to_le_bytes());
        body.extend_from_slice(&MAX_FRAG.to_le_bytes());
        body.extend_from_slice(&0u32.to_le_bytes()); // new association group
        body.extend_from_slice(&[1, 0, 0, 0]); // one context, padding
        body.extend_from_slice(&0u16.to_le_bytes()); // context id 0
        body.extend_from_slice(&[1, 0]); // one transfer syntax, padding
        body.extend_from_slice(&self.abstract_syntax.uuid);
        body.extend_from_slice(&self.abstract_syntax.version.to_le_bytes());
        body.extend_from_slice(&self.transfer_syntax.uuid);
        body.extend_from_slice(&self.transfer_syntax.version.to_le_bytes());
        let frag_length = u16::try_from(HEADER_LEN + body.len()).unwrap_or(u16::MAX);
        let mut pdu =
            Header { ptype: PTYPE_BIND, flags: PFC_FIRST_LAST, frag_length, auth_length: 0, call_id: self.call_id }
                .encode()
                .to_vec();
        pdu.extend_from_slice(&body);
        pdu
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub ptype: u8,
    pub flags: u8,
    pub frag_length: u16,
    pub auth_length: u16,
    pub call_id: u32,
}

impl Header {
    fn encode(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[0] = 5;
        h[2] = self.ptype;
        h[3] = self.flags;
        h[4..8].copy_from_slice(&DREP_LE);
        h[8..10].copy_from_slice(&self.frag_length.to_le_bytes());
        h[10..12].copy_from_slice(&self.auth_length.to_le_bytes());
        h[12..16].copy_from_slice(&self.call_id.to_le_bytes());
        h
    }

    /// Reads a common header; anything that is not DCE/RPC v5.0 little-endian is `NotRpc`.
    pub fn decode(bytes: &[u8]) -> Result<Header, PduError> {
        let h: &[u8; HEADER_LEN] = bytes
            .get(..HEADER_LEN)
            .and_then(|b| b.try_into().ok())
            .ok_or(PduError::Truncated { needed: HEADER_LEN, got: bytes.len() })?;
        if h[0] != 5 || h[1] != 0 {
            return Err(PduError::NotRpc { why: "version is not 5.0" });
        }
        if h[4] & 0xF0 != 0x10 {
            return Err(PduError::NotRpc { why: "data representation is not little-endian" });
        }
        let frag_length = u16::from_le_bytes([h[8], h[9]]);
        if usize::from(frag_length) < HEADER_LEN {
            return Err(PduError::NotRpc { why: "fragment length shorter than a header" });
        }
        Ok(Header {
            ptype: h[2],
            flags: h[3],
            frag_length,
            auth_length: u16::from_le_bytes([h[10], h[11]]),
            call_id: u32::from_le_bytes([h[12], h[13], h[14], h[15]]),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PduError {
    #[error("reply cut short: needed {needed} bytes, got {got}")]
    Truncated { needed: usize, got: usize },
    #[error("not a DCE/RPC reply: {why}")]
    NotRpc { why: &'static str },
    #[error("malformed {what} at byte {offset}")]
    Malformed { what: &'static str, offset: usize },
}

/// Result of one presentation context in a bind_ack (0 acceptance, 1 user rejection,
/// 2 provider rejection, 3 negotiate ack).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ContextResult {
    pub result: u16,
    pub reason: u16,
}

/// What came back for a bind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindReply {
    Ack { max_xmit: u16, max_recv: u16, assoc_group: u32, secondary_address: String, results: Vec<ContextResult> },
    Nak { reason: u16 },
    Fault { status: u32 },
    Other { ptype: u8 },
}

/// Decodes a whole reply PDU (header included).
pub fn decode_bind_reply(pdu: &[u8]) -> Result<BindReply, PduError> {
    let header = Header::decode(pdu)?;
    let len = usize::from(header.frag_length);
    let pdu = pdu.get(..len).ok_or(PduError::Truncated { needed: len, got: pdu.len() })?;
    let field16 = |at: usize, what| {
        pdu.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]])).ok_or(PduError::Malformed { what, offset: at })
    };
    let field32 = |at: usize, what| {
        pdu.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or(PduError::Malformed { what, offset: at })
    };
    match header.ptype {
        PTYPE_BIND_ACK => {
            let max_xmit = field16(16, "bind_ack max_xmit_frag")?;
            let max_recv = field16(18, "bind_ack max_recv_frag")?;
            let assoc_group = field32(20, "bind_ack assoc_group_id")?;
            let sec_len = usize::from(field16(24, "secondary address length")?);
            let sec = pdu.get(26..26 + sec_len).ok_or(PduError::Malformed { what: "secondary address", offset: 26 })?;
            let secondary_address = String::from_utf8_lossy(sec).trim_end_matches('\0').to_string();
            // The result list starts on a 4-byte boundary after the address.
            let mut at = (26 + sec_len).next_multiple_of(4);
            let count = *pdu.get(at).ok_or(PduError::Malformed { what: "result count", offset: at })?;
            at += 4;
            let mut results = Vec::with_capacity(usize::from(count));
            for _ in 0..count {
                results.push(ContextResult {
                    result: field16(at, "context result")?,
                    reason: field16(at + 2, "context reason")?,
                });
                pdu.get(at + 4..at + 24).ok_or(PduError::Malformed { what: "transfer syntax", offset: at + 4 })?;
                at += 24;
            }
            Ok(BindReply::Ack { max_xmit, max_recv, assoc_group, secondary_address, results })
        }
        PTYPE_BIND_NAK => Ok(BindReply::Nak { reason: field16(16, "bind_nak reason")? }),
        PTYPE_FAULT => Ok(BindReply::Fault { status: field32(24, "fault status")? }),
        ptype => Ok(BindReply::Other { ptype }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn the_kms_bind_is_the_documented_72_bytes() {
        // activation-facts.md §5.3, computed from the DCE/RPC layout.
        let expected = hex("05000b03100000004800000002000000 d016d0160000000001000000 \
             000001007521c8514e845047b0d8ec255555bc0601000000045d888aeb1cc9119fe808002b10486002000000");
        assert_eq!(Bind::kms(2).encode(), expected);
    }

    fn bind_ack(result: u16, reason: u16) -> Vec<u8> {
        let mut body = vec![0xd0, 0x16, 0xd0, 0x16, 0x34, 0x12, 0, 0, 5, 0];
        body.extend_from_slice(b"1688\0");
        body.push(0); // pad: 16 + 10 + 5 = 31 -> 32
        body.extend_from_slice(&[1, 0, 0, 0]);
        body.extend_from_slice(&result.to_le_bytes());
        body.extend_from_slice(&reason.to_le_bytes());
        body.extend_from_slice(&NDR32.uuid);
        body.extend_from_slice(&NDR32.version.to_le_bytes());
        let len = u16::try_from(HEADER_LEN + body.len()).unwrap();
        let mut pdu =
            Header { ptype: PTYPE_BIND_ACK, flags: 3, frag_length: len, auth_length: 0, call_id: 2 }.encode().to_vec();
        pdu.extend_from_slice(&body);
        pdu
    }

    #[test]
    fn decodes_an_accepting_bind_ack() {
        let pdu = bind_ack(0, 0);
        assert_eq!(pdu.len(), 60, "36 + 24 per context for port \"1688\"");
        let reply = decode_bind_reply(&pdu).unwrap();
        assert_eq!(
            reply,
            BindReply::Ack {
                max_xmit: 5840,
                max_recv: 5840,
                assoc_group: 0x1234,
                secondary_address: "1688".into(),
                results: vec![ContextResult { result: 0, reason: 0 }]
            }
        );
    }

    #[test]
    fn decodes_rejections() {
        let reply = decode_bind_reply(&bind_ack(2, 1)).unwrap();
        assert!(
            matches!(reply, BindReply::Ack { ref results, .. } if results[0] == ContextResult { result: 2, reason: 1 })
        );
        let mut nak =
            Header { ptype: PTYPE_BIND_NAK, flags: 3, frag_length: 18, auth_length: 0, call_id: 2 }.encode().to_vec();
        nak.extend_from_slice(&4u16.to_le_bytes());
        assert_eq!(decode_bind_reply(&nak), Ok(BindReply::Nak { reason: 4 }));
    }

    #[test]
    fn every_truncation_and_foreign_protocol_is_an_error() {
        let pdu = bind_ack(0, 0);
        for len in 0..pdu.len() {
            assert!(decode_bind_reply(&pdu[..len]).is_err(), "len {len}");
        }
        assert!(matches!(Header::decode(b"HTTP/1.1 400 Bad Request\r\n"), Err(PduError::NotRpc { .. })));
        assert!(matches!(Header::decode(b"SSH-2.0-OpenSSH_9.2p1\r\n"), Err(PduError::NotRpc { .. })));
    }
}
