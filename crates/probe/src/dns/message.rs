//! DNS messages (RFC 1035, SRV from RFC 2782) for the checks: a question for SRV, A or AAAA records
//! and the answer, built and read by hickory-proto and given back as the few plain facts the checks
//! use. Any byte string decodes to a value or an error.

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};
use serde::Serialize;

pub const TYPE_A: u16 = 1;
pub const TYPE_AAAA: u16 = 28;
pub const TYPE_SRV: u16 = 33;

/// Response codes the checks tell apart.
pub const RCODE_NOERROR: u8 = 0;
pub const RCODE_SERVFAIL: u8 = 2;
pub const RCODE_NXDOMAIN: u8 = 3;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    #[error("`{name}` is not a valid DNS name: {why}")]
    BadName { name: String, why: Cow<'static, str> },
    #[error("malformed DNS message at byte {offset}: {why}")]
    Malformed { offset: usize, why: String },
}

fn malformed(offset: usize, why: &str) -> DnsError {
    DnsError::Malformed { offset, why: why.to_string() }
}

/// Checks a host or domain name the way a resolver would before sending it.
pub fn validate_name(name: &str) -> Result<(), DnsError> {
    let bad = |why: &'static str| Err(DnsError::BadName { name: name.to_string(), why: why.into() });
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() {
        return bad("it is empty");
    }
    if trimmed.len() > 253 {
        return bad("it is longer than 253 characters");
    }
    for label in trimmed.split('.') {
        if label.is_empty() {
            return bad("it has an empty label (two dots in a row)");
        }
        if label.len() > 63 {
            return bad("a label is longer than 63 characters");
        }
        if !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return bad("only letters, digits, '-' and '_' are allowed");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad("a label starts or ends with '-'");
        }
    }
    Ok(())
}

/// A standard recursive query for one name and type.
pub fn encode_query(id: u16, name: &str, qtype: u16) -> Result<Vec<u8>, DnsError> {
    validate_name(name)?;
    let bad = |e: hickory_proto::ProtoError| DnsError::BadName { name: name.to_string(), why: e.to_string().into() };
    let mut query = Message::new(id, MessageType::Query, OpCode::Query);
    query.metadata.recursion_desired = true; // let the server recurse for us
    query.add_query(Query::query(Name::from_ascii(name).map_err(bad)?, RecordType::from(qtype)));
    query.to_vec().map_err(bad)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "UPPERCASE")]
pub enum RecordData {
    A { address: Ipv4Addr },
    Aaaa { address: Ipv6Addr },
    Srv { priority: u16, weight: u16, port: u16, target: String },
    Cname { target: String },
    Other { rtype: u16 },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    pub name: String,
    pub ttl: u32,
    pub data: RecordData,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub id: u16,
    pub rcode: u8,
    pub truncated: bool,
    pub answers: Vec<Record>,
}

/// A name as the checks print it: ASCII (punycode stays punycode), without the root dot.
fn text_of(name: &Name) -> String {
    let text = name.to_ascii();
    match text.strip_suffix('.') {
        Some(stripped) => stripped.to_string(),
        None => text,
    }
}

/// Decodes a response with hickory-proto and keeps what the checks use: header, answer section.
pub fn decode_response(buf: &[u8]) -> Result<Response, DnsError> {
    let mut decoder = BinDecoder::new(buf);
    let message =
        Message::read(&mut decoder).map_err(|e| DnsError::Malformed { offset: decoder.index(), why: e.to_string() })?;
    if message.metadata.message_type != MessageType::Response {
        return Err(malformed(2, "message is a query, not a response"));
    }
    let answers = message
        .answers
        .iter()
        .map(|record| Record {
            name: text_of(&record.name),
            ttl: record.ttl,
            data: match &record.data {
                RData::A(a) => RecordData::A { address: a.0 },
                RData::AAAA(aaaa) => RecordData::Aaaa { address: aaaa.0 },
                RData::SRV(srv) => RecordData::Srv {
                    priority: srv.priority,
                    weight: srv.weight,
                    port: srv.port,
                    target: text_of(&srv.target),
                },
                RData::CNAME(cname) => RecordData::Cname { target: text_of(&cname.0) },
                _ => RecordData::Other { rtype: u16::from(record.record_type()) },
            },
        })
        .collect();
    Ok(Response {
        id: message.metadata.id,
        rcode: message.metadata.response_code.low(),
        truncated: message.metadata.truncation,
        answers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_laid_out_as_rfc_1035_says() {
        let q = encode_query(0xBEEF, "_vlmcs._tcp.contoso.com", TYPE_SRV).unwrap();
        let mut expected = vec![0xBE, 0xEF, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        expected.extend_from_slice(b"\x06_vlmcs\x04_tcp\x07contoso\x03com\x00\x00\x21\x00\x01");
        assert_eq!(q, expected);
    }

    #[test]
    fn names_are_validated() {
        assert!(validate_name("kms01.contoso.com").is_ok());
        assert!(validate_name("kms01.contoso.com.").is_ok());
        for bad in ["", "a..b", "-a.com", "has space.com", &"x".repeat(64), "bad!.com"] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }

    /// A response for `_vlmcs._tcp.contoso.com` SRV 0 100 1688 kms01.contoso.com with compression.
    fn srv_response() -> Vec<u8> {
        let mut m = vec![0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
        m.extend_from_slice(b"\x06_vlmcs\x04_tcp\x07contoso\x03com\x00\x00\x21\x00\x01");
        m.extend_from_slice(&[0xC0, 12, 0, 33, 0, 1, 0, 0, 0x0E, 0x10]);
        let target = b"\x05kms01\xC0\x18"; // "kms01" + pointer to "contoso.com" at offset 24
        let rdlen = u16::try_from(6 + target.len()).unwrap();
        m.extend_from_slice(&rdlen.to_be_bytes());
        m.extend_from_slice(&[0, 0, 0, 100, 0x06, 0x98]);
        m.extend_from_slice(target);
        m
    }

    #[test]
    fn decodes_a_compressed_srv_answer() {
        let r = decode_response(&srv_response()).unwrap();
        assert_eq!((r.id, r.rcode, r.truncated), (0x1234, RCODE_NOERROR, false));
        assert_eq!(r.answers.len(), 1);
        assert_eq!(r.answers[0].name, "_vlmcs._tcp.contoso.com");
        assert_eq!(r.answers[0].ttl, 3600);
        assert_eq!(
            r.answers[0].data,
            RecordData::Srv { priority: 0, weight: 100, port: 1688, target: "kms01.contoso.com".into() }
        );
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let full = srv_response();
        for len in 0..full.len() {
            assert!(decode_response(&full[..len]).is_err(), "len {len}");
        }
    }

    #[test]
    fn pointer_loops_are_refused() {
        let mut m = vec![0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0];
        m.extend_from_slice(&[0xC0, 12]); // a name that points at itself
        m.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4]); // the rest of an A record
        let err = decode_response(&m).unwrap_err().to_string();
        // hickory refuses any pointer that does not point backwards, which rules out loops.
        assert!(err.contains("points to data not prior"), "{err}");
    }
}
