//! The lookups a KMS client makes: the `_vlmcs._tcp` SRV records of a domain, and the addresses of
//! a host. Each outcome keeps the distinctions the error codes depend on (NXDOMAIN is 0x8007232B,
//! an empty answer 0x8007251D, a server failure 0x8007232A).

use std::net::{IpAddr, SocketAddr};

use serde::Serialize;
use tokio::time::{Instant, timeout_at};

use super::client::{QueryError, query};
use super::message::{RCODE_NOERROR, RCODE_NXDOMAIN, RecordData, Response, TYPE_A, TYPE_AAAA, TYPE_SRV};

/// Where names are resolved: DNS servers we ask ourselves, or the operating system's resolver
/// (which also reads the hosts file, as Windows does for `slmgr /skms`).
#[derive(Clone, Debug)]
pub enum Resolver {
    Servers(Vec<SocketAddr>),
    System,
}

/// One `_vlmcs._tcp` SRV record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SrvRecord {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    pub target: String,
    pub ttl: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SrvOutcome {
    Found {
        records: Vec<SrvRecord>,
    },
    /// The name does not exist (NXDOMAIN).
    NxDomain,
    /// The name exists but holds no SRV record (NOERROR, empty answer).
    NoRecords,
    /// The server answered with a failure code (SERVFAIL, REFUSED …).
    ServerFailure {
        rcode: u8,
    },
    /// No server answered, or the answer was unreadable.
    NoAnswer {
        detail: String,
    },
    /// There is no DNS server to ask.
    NoDnsServer {
        detail: String,
    },
}

/// Asks the servers in turn (as a resolver fails over) for the SRV records of `_vlmcs._tcp.<domain>`.
/// Returns the outcome and the server that gave it.
pub async fn kms_srv(servers: &[SocketAddr], domain: &str, deadline: Instant) -> (SrvOutcome, Option<SocketAddr>) {
    if servers.is_empty() {
        return (SrvOutcome::NoDnsServer { detail: "no DNS server is configured".into() }, None);
    }
    let name = format!("_vlmcs._tcp.{}", domain.trim_end_matches('.'));
    let mut last = SrvOutcome::NoAnswer { detail: "no server was asked".into() };
    let mut last_server = None;
    for (i, &server) in servers.iter().enumerate() {
        let share = share_of(deadline, servers.len() - i);
        last_server = Some(server);
        last = match query(server, &name, TYPE_SRV, share).await {
            Ok(response) => match classify_srv(&response) {
                // A definite answer ends the search; a failing server hands over to the next.
                SrvOutcome::ServerFailure { rcode } => SrvOutcome::ServerFailure { rcode },
                definite => return (definite, Some(server)),
            },
            Err(e) => SrvOutcome::NoAnswer { detail: e.to_string() },
        };
    }
    (last, last_server)
}

/// Splits the time left fairly among the servers still to ask.
fn share_of(deadline: Instant, remaining_servers: usize) -> Instant {
    let now = Instant::now();
    let left = deadline.saturating_duration_since(now);
    let divisor = u32::try_from(remaining_servers.max(1)).unwrap_or(u32::MAX);
    now + left / divisor
}

fn classify_srv(response: &Response) -> SrvOutcome {
    match response.rcode {
        RCODE_NXDOMAIN => SrvOutcome::NxDomain,
        RCODE_NOERROR => {
            let mut records: Vec<SrvRecord> = response
                .answers
                .iter()
                .filter_map(|r| match &r.data {
                    RecordData::Srv { priority, weight, port, target } => Some(SrvRecord {
                        priority: *priority,
                        weight: *weight,
                        port: *port,
                        target: target.trim_end_matches('.').to_string(),
                        ttl: r.ttl,
                    }),
                    _ => None,
                })
                .collect();
            if records.is_empty() {
                SrvOutcome::NoRecords
            } else {
                records.sort_by(|a, b| a.priority.cmp(&b.priority).then(b.weight.cmp(&a.weight)));
                SrvOutcome::Found { records }
            }
        }
        rcode => SrvOutcome::ServerFailure { rcode },
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AddressOutcome {
    Resolved { addresses: Vec<IpAddr> },
    NxDomain,
    NoAddress,
    Failed { detail: String },
}

/// The IPv4 and IPv6 addresses of `host`.
pub async fn addresses(resolver: &Resolver, host: &str, deadline: Instant) -> AddressOutcome {
    if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        return AddressOutcome::Resolved { addresses: vec![ip] };
    }
    match resolver {
        Resolver::System => system_addresses(host, deadline).await,
        Resolver::Servers(servers) => {
            let Some(&server) = servers.first() else {
                return AddressOutcome::Failed { detail: "no DNS server is configured".into() };
            };
            let (v4, v6) =
                tokio::join!(query(server, host, TYPE_A, deadline), query(server, host, TYPE_AAAA, deadline));
            merge_addresses(&v4, &v6)
        }
    }
}

fn merge_addresses(v4: &Result<Response, QueryError>, v6: &Result<Response, QueryError>) -> AddressOutcome {
    let mut addresses = Vec::new();
    for response in [v4, v6].into_iter().flatten() {
        for record in &response.answers {
            match record.data {
                RecordData::A { address } => addresses.push(IpAddr::V4(address)),
                RecordData::Aaaa { address } => addresses.push(IpAddr::V6(address)),
                _ => {}
            }
        }
    }
    if !addresses.is_empty() {
        return AddressOutcome::Resolved { addresses };
    }
    let rcode = |r: &Result<Response, QueryError>| r.as_ref().ok().map(|r| r.rcode);
    match (rcode(v4), rcode(v6)) {
        (Some(RCODE_NXDOMAIN), _) | (_, Some(RCODE_NXDOMAIN)) => AddressOutcome::NxDomain,
        (Some(RCODE_NOERROR), Some(RCODE_NOERROR)) => AddressOutcome::NoAddress,
        _ => {
            let detail = [v4, v6]
                .iter()
                .map(|r| match r {
                    Ok(resp) => format!("rcode {}", resp.rcode),
                    Err(e) => e.to_string(),
                })
                .collect::<Vec<_>>()
                .join("; ");
            AddressOutcome::Failed { detail }
        }
    }
}

async fn system_addresses(host: &str, deadline: Instant) -> AddressOutcome {
    match timeout_at(deadline, tokio::net::lookup_host((host, 0))).await {
        Err(_) => AddressOutcome::Failed { detail: "the system resolver did not answer before the deadline".into() },
        Ok(Err(e)) => AddressOutcome::Failed { detail: e.to_string() },
        Ok(Ok(found)) => {
            let mut addresses: Vec<IpAddr> = Vec::new();
            for a in found {
                if !addresses.contains(&a.ip()) {
                    addresses.push(a.ip());
                }
            }
            if addresses.is_empty() { AddressOutcome::NoAddress } else { AddressOutcome::Resolved { addresses } }
        }
    }
}
