//! DNS messages (RFC 1035, SRV from RFC 2782): just enough to ask for SRV, A and AAAA records and to
//! read the answer. Pure and bounds-checked: any byte string decodes to a value or an error.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;

pub const TYPE_A: u16 = 1;
pub const TYPE_CNAME: u16 = 5;
pub const TYPE_AAAA: u16 = 28;
pub const TYPE_SRV: u16 = 33;
const CLASS_IN: u16 = 1;

/// Response codes the checks tell apart.
pub const RCODE_NOERROR: u8 = 0;
pub const RCODE_SERVFAIL: u8 = 2;
pub const RCODE_NXDOMAIN: u8 = 3;

/// Compression pointers followed per name; real names need a handful, loops need infinity.
const MAX_POINTER_JUMPS: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    #[error("`{name}` is not a valid DNS name: {why}")]
    BadName { name: String, why: &'static str },
    #[error("malformed DNS message at byte {offset}: {why}")]
    Malformed { offset: usize, why: &'static str },
}

fn malformed(offset: usize, why: &'static str) -> DnsError {
    DnsError::Malformed { offset, why }
}

/// Checks a host or domain name the way a resolver would before sending it.
pub fn validate_name(name: &str) -> Result<(), DnsError> {
    let bad = |why| Err(DnsError::BadName { name: name.to_string(), why });
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
    let mut out = Vec::with_capacity(18 + name.len());
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&0x0100u16.to_be_bytes()); // RD: let the server recurse for us
    out.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // one question
    for label in name.strip_suffix('.').unwrap_or(name).split('.') {
        out.push(u8::try_from(label.len()).unwrap_or(63));
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(out)
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

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize, why: &'static str) -> Result<&[u8], DnsError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len()).ok_or(malformed(self.pos, why))?;
        let slice = &self.buf[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn u16(&mut self, why: &'static str) -> Result<u16, DnsError> {
        let b = self.take(2, why)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, why: &'static str) -> Result<u32, DnsError> {
        let b = self.take(4, why)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads a possibly compressed name starting at the cursor, leaving the cursor after it.
    fn name(&mut self) -> Result<String, DnsError> {
        let (name, next) = read_name(self.buf, self.pos)?;
        self.pos = next;
        Ok(name)
    }
}

/// Returns the name at `start` and the offset just after it in the original position.
fn read_name(buf: &[u8], start: usize) -> Result<(String, usize), DnsError> {
    let mut labels: Vec<String> = Vec::new();
    let mut pos = start;
    let mut after: Option<usize> = None;
    let mut jumps = 0;
    let mut length = 0usize;
    loop {
        let len = *buf.get(pos).ok_or(malformed(pos, "name runs past the end"))?;
        match len & 0xC0 {
            0x00 if len == 0 => {
                let next = after.unwrap_or(pos + 1);
                return Ok((labels.join("."), next));
            }
            0x00 => {
                let label =
                    buf.get(pos + 1..pos + 1 + usize::from(len)).ok_or(malformed(pos, "label runs past the end"))?;
                length += label.len() + 1;
                if length > 255 {
                    return Err(malformed(pos, "name longer than 255 bytes"));
                }
                labels.push(String::from_utf8_lossy(label).into_owned());
                pos += 1 + usize::from(len);
            }
            0xC0 => {
                let low = *buf.get(pos + 1).ok_or(malformed(pos, "compression pointer cut short"))?;
                jumps += 1;
                if jumps > MAX_POINTER_JUMPS {
                    return Err(malformed(pos, "compression pointers loop"));
                }
                after.get_or_insert(pos + 2);
                pos = (usize::from(len & 0x3F) << 8) | usize::from(low);
            }
            _ => return Err(malformed(pos, "reserved label type")),
        }
    }
}

/// Decodes a response: header, skipped questions, and the answer section.
pub fn decode_response(buf: &[u8]) -> Result<Response, DnsError> {
    let mut r = Reader { buf, pos: 0 };
    let id = r.u16("header cut short")?;
    let flags = r.u16("header cut short")?;
    if flags & 0x8000 == 0 {
        return Err(malformed(2, "message is a query, not a response"));
    }
    let qdcount = r.u16("header cut short")?;
    let ancount = r.u16("header cut short")?;
    r.take(4, "header cut short")?;
    for _ in 0..qdcount {
        r.name()?;
        r.take(4, "question cut short")?;
    }
    let mut answers = Vec::with_capacity(usize::from(ancount).min(64));
    for _ in 0..ancount {
        let name = r.name()?;
        let rtype = r.u16("record header cut short")?;
        let _class = r.u16("record header cut short")?;
        let ttl = r.u32("record header cut short")?;
        let rdlength = usize::from(r.u16("record header cut short")?);
        let rdata_start = r.pos;
        let rdata = r.take(rdlength, "record data runs past the end")?;
        let data = match rtype {
            TYPE_A => {
                let b: [u8; 4] = rdata.try_into().map_err(|_| malformed(rdata_start, "A record is not 4 bytes"))?;
                RecordData::A { address: Ipv4Addr::from(b) }
            }
            TYPE_AAAA => {
                let b: [u8; 16] =
                    rdata.try_into().map_err(|_| malformed(rdata_start, "AAAA record is not 16 bytes"))?;
                RecordData::Aaaa { address: Ipv6Addr::from(b) }
            }
            TYPE_SRV => {
                if rdata.len() < 7 {
                    return Err(malformed(rdata_start, "SRV record too short"));
                }
                let field = |i: usize| u16::from_be_bytes([rdata[i], rdata[i + 1]]);
                let (target, end) = read_name(buf, rdata_start + 6)?;
                if end > rdata_start + rdlength {
                    return Err(malformed(rdata_start, "SRV target runs past its record"));
                }
                RecordData::Srv { priority: field(0), weight: field(2), port: field(4), target }
            }
            TYPE_CNAME => RecordData::Cname { target: read_name(buf, rdata_start)?.0 },
            other => RecordData::Other { rtype: other },
        };
        answers.push(Record { name, ttl, data });
    }
    Ok(Response {
        id,
        rcode: u8::try_from(flags & 0x000F).unwrap_or_default(),
        truncated: flags & 0x0200 != 0,
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
        assert!(matches!(decode_response(&m), Err(DnsError::Malformed { why: "compression pointers loop", .. })));
    }
}
