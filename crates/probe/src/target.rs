//! What the user names with `--kms` (like `slmgr /skms`), `--dns-server` and `--ntp`.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use serde::Serialize;

use crate::dns::message::validate_name;

pub const KMS_PORT: u16 = 1688;
pub const DNS_PORT: u16 = 53;
pub const NTP_PORT: u16 = 123;

/// A host and port: an FQDN, an IPv4 address or a bracketed IPv6 address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct HostPort {
    pub host: String,
    pub port: u16,
}

impl std::fmt::Display for HostPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{input}`: {why}")]
pub struct TargetError {
    pub input: String,
    pub why: String,
}

/// Parses `host`, `host:port`, `192.0.2.1:1688`, `[2001:db8::1]:1688` or a bare IPv6 address, the
/// forms `slmgr /skms` takes; `default_port` fills a missing port.
pub fn parse_host_port(input: &str, default_port: u16) -> Result<HostPort, TargetError> {
    let err = |why: &str| TargetError { input: input.to_string(), why: why.to_string() };
    let s = input.trim();
    if s.is_empty() {
        return Err(err("empty host"));
    }
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (addr, after) = rest.split_once(']').ok_or_else(|| err("missing `]` after the IPv6 address"))?;
        addr.parse::<Ipv6Addr>().map_err(|_| err("not an IPv6 address inside [ ]"))?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| err("expected `:port` after `]`"))?),
        };
        (addr.to_string(), port)
    } else if s.parse::<Ipv6Addr>().is_ok() {
        (s.to_string(), None)
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (s.to_string(), None),
        }
    };
    let port = match port {
        None => default_port,
        Some(p) => match p.parse::<u16>() {
            Ok(0) | Err(_) => return Err(err("port must be a number from 1 to 65535")),
            Ok(n) => n,
        },
    };
    if host.parse::<IpAddr>().is_err() {
        validate_name(&host).map_err(|e| err(&e.to_string()))?;
    }
    Ok(HostPort { host: host.trim_end_matches('.').to_string(), port })
}

/// A DNS server must be an address: resolving the resolver would need a resolver.
pub fn parse_dns_server(input: &str) -> Result<SocketAddr, TargetError> {
    let hp = parse_host_port(input, DNS_PORT)?;
    let ip: IpAddr = hp
        .host
        .parse()
        .map_err(|_| TargetError { input: input.to_string(), why: "a DNS server must be an IP address".into() })?;
    Ok(SocketAddr::new(ip, hp.port))
}

/// Checks a `--domain` value.
pub fn parse_domain(input: &str) -> Result<String, TargetError> {
    let d = input.trim().trim_end_matches('.');
    validate_name(d).map_err(|e| TargetError { input: input.to_string(), why: e.to_string() })?;
    Ok(d.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hp(host: &str, port: u16) -> HostPort {
        HostPort { host: host.into(), port }
    }

    #[test]
    fn slmgr_skms_forms() {
        assert_eq!(parse_host_port("kms01.contoso.com", KMS_PORT), Ok(hp("kms01.contoso.com", 1688)));
        assert_eq!(parse_host_port("kms01.contoso.com:1700", KMS_PORT), Ok(hp("kms01.contoso.com", 1700)));
        assert_eq!(parse_host_port("192.0.2.10:1688", KMS_PORT), Ok(hp("192.0.2.10", 1688)));
        assert_eq!(parse_host_port("[2001:db8::1]:1688", KMS_PORT), Ok(hp("2001:db8::1", 1688)));
        assert_eq!(parse_host_port("[::1]", KMS_PORT), Ok(hp("::1", 1688)));
        assert_eq!(parse_host_port("::1", KMS_PORT), Ok(hp("::1", 1688)));
        assert_eq!(parse_host_port("KMS01", KMS_PORT), Ok(hp("KMS01", 1688)));
        assert_eq!(hp("::1", 1688).to_string(), "[::1]:1688");
    }

    #[test]
    fn malformed_targets_say_why() {
        for bad in ["", "host:", "host:0", "host:70000", "[::1", "[nope]:1688", "bad host:1688", "a..b", "[::1]x"] {
            assert!(parse_host_port(bad, KMS_PORT).is_err(), "{bad}");
        }
        assert!(parse_dns_server("dns.contoso.com").is_err());
        assert_eq!(parse_dns_server("127.0.0.1:5353"), Ok("127.0.0.1:5353".parse().unwrap()));
        assert_eq!(parse_domain("Contoso.COM."), Ok("contoso.com".into()));
        assert!(parse_domain("contoso..com").is_err());
    }
}
