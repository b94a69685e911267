//! SNTP packets: a 48-byte client request and the server's reply. Pure.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const PACKET_LEN: usize = 48;
/// Seconds from 1900-01-01 (the NTP era) to 1970-01-01 (the Unix epoch).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// An NTP timestamp: seconds since 1900 in the high 32 bits, a binary fraction in the low 32.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NtpTimestamp(pub u64);

impl NtpTimestamp {
    pub fn from_system(t: SystemTime) -> NtpTimestamp {
        let since_unix = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        let seconds = since_unix.as_secs() + NTP_UNIX_OFFSET;
        let fraction = (u64::from(since_unix.subsec_nanos()) << 32) / 1_000_000_000;
        NtpTimestamp(((seconds & 0xFFFF_FFFF) << 32) | fraction)
    }

    /// Seconds since the NTP epoch as a float, for offset arithmetic (µs precision is plenty).
    pub fn seconds(self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let whole = (self.0 >> 32) as f64;
        #[allow(clippy::cast_precision_loss)]
        let fraction = (self.0 & 0xFFFF_FFFF) as f64 / 4_294_967_296.0;
        whole + fraction
    }
}

/// A client request (LI 0, version 4, mode 3) carrying our transmit time, which the server echoes.
pub fn encode_request(transmit: NtpTimestamp) -> [u8; PACKET_LEN] {
    let mut p = [0u8; PACKET_LEN];
    p[0] = 0x23;
    p[40..48].copy_from_slice(&transmit.0.to_be_bytes());
    p
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ServerReply {
    pub stratum: u8,
    pub receive: NtpTimestamp,
    pub transmit: NtpTimestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SntpError {
    #[error("reply is {0} bytes; an SNTP reply has at least 48")]
    Short(usize),
    #[error("reply is not from a server (mode {0})")]
    NotServer(u8),
    #[error("server is unsynchronised or sent a kiss-o'-death (stratum 0, code {0:?})")]
    KissOfDeath(String),
    #[error("reply does not answer our request (origin timestamp differs)")]
    WrongOrigin,
    #[error("server clock is unset (transmit timestamp 0)")]
    ZeroTransmit,
}

pub fn decode_reply(bytes: &[u8], our_transmit: NtpTimestamp) -> Result<ServerReply, SntpError> {
    let p: &[u8; PACKET_LEN] =
        bytes.get(..PACKET_LEN).and_then(|b| b.try_into().ok()).ok_or(SntpError::Short(bytes.len()))?;
    let mode = p[0] & 0x07;
    if mode != 4 && mode != 5 {
        return Err(SntpError::NotServer(mode));
    }
    let stamp = |at: usize| {
        NtpTimestamp(u64::from_be_bytes([
            p[at],
            p[at + 1],
            p[at + 2],
            p[at + 3],
            p[at + 4],
            p[at + 5],
            p[at + 6],
            p[at + 7],
        ]))
    };
    if p[1] == 0 {
        return Err(SntpError::KissOfDeath(String::from_utf8_lossy(&p[12..16]).into_owned()));
    }
    if stamp(24) != our_transmit {
        return Err(SntpError::WrongOrigin);
    }
    let transmit = stamp(40);
    if transmit.0 == 0 {
        return Err(SntpError::ZeroTransmit);
    }
    Ok(ServerReply { stratum: p[1], receive: stamp(32), transmit })
}

/// Clock offset (server minus us) and round-trip delay, in seconds, from the four timestamps.
pub fn offset_and_delay(t1: NtpTimestamp, reply: &ServerReply, t4: NtpTimestamp) -> (f64, f64) {
    let (t1, t2, t3, t4) = (t1.seconds(), reply.receive.seconds(), reply.transmit.seconds(), t4.seconds());
    (f64::midpoint(t2 - t1, t3 - t4), (t4 - t1) - (t3 - t2))
}

/// Converts a duration to an NTP timestamp difference, for tests and fixtures.
pub fn shifted(t: NtpTimestamp, by: Duration) -> NtpTimestamp {
    NtpTimestamp(t.0.wrapping_add(by.as_secs() << 32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(t1: NtpTimestamp, skew: Duration, stratum: u8) -> [u8; PACKET_LEN] {
        let mut p = [0u8; PACKET_LEN];
        p[0] = 0x24; // version 4, mode 4 (server)
        p[1] = stratum;
        p[24..32].copy_from_slice(&t1.0.to_be_bytes());
        p[32..40].copy_from_slice(&shifted(t1, skew).0.to_be_bytes());
        p[40..48].copy_from_slice(&shifted(t1, skew).0.to_be_bytes());
        p
    }

    #[test]
    fn request_layout() {
        let t = NtpTimestamp(0x0102_0304_0506_0708);
        let p = encode_request(t);
        assert_eq!(p[0], 0x23);
        assert_eq!(&p[40..], &[1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn a_five_hour_skew_is_measured() {
        let t1 = NtpTimestamp::from_system(SystemTime::now());
        let r = decode_reply(&reply(t1, Duration::from_secs(18_000), 2), t1).unwrap();
        let (offset, delay) = offset_and_delay(t1, &r, t1);
        assert!((offset - 18_000.0).abs() < 0.001, "{offset}");
        assert!(delay.abs() < 0.001);
    }

    #[test]
    fn invalid_replies_are_refused() {
        let t1 = NtpTimestamp::from_system(SystemTime::now());
        assert_eq!(decode_reply(&[0u8; 10], t1), Err(SntpError::Short(10)));
        assert!(matches!(decode_reply(&reply(t1, Duration::ZERO, 0), t1), Err(SntpError::KissOfDeath(_))));
        assert_eq!(decode_reply(&reply(t1, Duration::ZERO, 2), NtpTimestamp(1)), Err(SntpError::WrongOrigin));
        let mut client_mode = reply(t1, Duration::ZERO, 2);
        client_mode[0] = 0x23;
        assert_eq!(decode_reply(&client_mode, t1), Err(SntpError::NotServer(3)));
    }
}
