//! Turns what the probes saw into a checklist: one line per thing a KMS client depends on, each
//! with its status, the evidence, and the error codes a client would show when it fails.

use serde::{Deserialize, Serialize};

use crate::dns::lookup::{AddressOutcome, SrvOutcome};
use crate::rpc::client::RpcOutcome;
use crate::run::{ClockReport, ConnectOutcome, Discovery, DnsConfig, TargetReport, TargetSource};
use crate::sntp::client::ClockOutcome;

/// Clock offsets: past 5 minutes something is drifting; past 4 hours a KMS host refuses the client.
pub const CLOCK_WARN_SECONDS: f64 = 300.0;
pub const CLOCK_FAIL_SECONDS: f64 = 4.0 * 3600.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

/// What a check found. Stable identifiers: the CLI and web translate them into sentences.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    NoDnsServer,
    NoDomain,
    SrvFound,
    SrvNxDomain,
    SrvNoRecords,
    SrvServerFailure,
    SrvNoAnswer,
    SrvTargetUnresolved,
    HostUnresolved,
    TcpConnected,
    TcpRefused,
    TcpTimedOut,
    TcpUnreachable,
    RpcKms,
    RpcNotKms,
    RpcClosed,
    RpcNotRpc,
    RpcSilent,
    RpcMalformed,
    ClockOk,
    ClockDrift,
    ClockSkewed,
    ClockNotMeasured,
}

impl Finding {
    pub fn status(self) -> Status {
        match self {
            Finding::SrvFound | Finding::TcpConnected | Finding::RpcKms | Finding::ClockOk => Status::Pass,
            Finding::ClockDrift | Finding::ClockNotMeasured => Status::Warn,
            _ => Status::Fail,
        }
    }

    /// The codes a Windows client shows or logs when this is what is wrong.
    pub fn explains(self) -> &'static [&'static str] {
        match self {
            Finding::NoDnsServer => &["0x8007267C"],
            Finding::NoDomain | Finding::SrvNxDomain => &["0x8007232B", "0x8007007B", "0x80092328"],
            Finding::SrvNoRecords => &["0x8007251D"],
            Finding::SrvServerFailure | Finding::SrvNoAnswer => &["0x8007232A"],
            Finding::SrvTargetUnresolved => &["0x800706BA", "0xC004F074"],
            Finding::HostUnresolved => &["0x8007232B", "0x800706BA", "0xC004F074"],
            Finding::TcpRefused => &["0x800706BA", "0xC004F074", "0x8007274D"],
            Finding::TcpTimedOut => &["0x800706BA", "0xC004F074", "0xC004F039", "0x8007274C"],
            Finding::TcpUnreachable => &["0x800706BA", "0xC004F074", "0x800704CF"],
            // RPC_S_UNKNOWN_IF (1717): the interface is not served there.
            Finding::RpcNotKms => &["0x800706B5", "0xC004F074"],
            Finding::RpcClosed | Finding::RpcNotRpc | Finding::RpcSilent | Finding::RpcMalformed => {
                &["0x800706BA", "0xC004F074"]
            }
            Finding::ClockSkewed => &["0xC004F06C"],
            Finding::SrvFound
            | Finding::TcpConnected
            | Finding::RpcKms
            | Finding::ClockOk
            | Finding::ClockDrift
            | Finding::ClockNotMeasured => &[],
        }
    }
}

/// One line of the checklist.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub finding: Finding,
    pub status: Status,
    /// What was checked: a domain, `host:port`, or an NTP server.
    pub subject: String,
    /// What was seen, language-neutral (addresses, record data, codes, timings).
    pub evidence: String,
    pub explains: Vec<&'static str>,
}

fn check(finding: Finding, subject: impl Into<String>, evidence: impl Into<String>) -> Check {
    Check {
        finding,
        status: finding.status(),
        subject: subject.into(),
        evidence: evidence.into(),
        explains: finding.explains().to_vec(),
    }
}

pub(crate) fn checklist(
    dns: &DnsConfig,
    domains: &[String],
    discoveries: &[Discovery],
    targets: &[TargetReport],
    clock: Option<&ClockReport>,
) -> Vec<Check> {
    let mut checks = Vec::new();
    let registered = targets.iter().any(|t| t.source == TargetSource::Registered);
    if domains.is_empty() && !registered {
        let evidence = dns
            .error
            .clone()
            .unwrap_or_else(|| "no --domain, no --kms, and no DNS search domain on this machine".into());
        checks.push(check(Finding::NoDomain, "DNS search list", evidence));
    }
    for d in discoveries {
        checks.extend(discovery_checks(d));
    }
    for t in targets {
        checks.extend(target_checks(t));
    }
    if let Some(c) = clock {
        checks.push(clock_check(c));
    }
    checks
}

fn discovery_checks(d: &Discovery) -> Vec<Check> {
    let server = d.server.map_or_else(|| "no server".to_string(), |s| s.to_string());
    match &d.result {
        SrvOutcome::NoDnsServer { detail } => vec![check(Finding::NoDnsServer, &d.query, detail.clone())],
        SrvOutcome::NxDomain => vec![check(Finding::SrvNxDomain, &d.query, format!("NXDOMAIN from {server}"))],
        SrvOutcome::NoRecords => {
            vec![check(Finding::SrvNoRecords, &d.query, format!("NOERROR with no SRV record from {server}"))]
        }
        SrvOutcome::ServerFailure { rcode } => {
            vec![check(Finding::SrvServerFailure, &d.query, format!("{} from {server}", rcode_name(*rcode)))]
        }
        SrvOutcome::NoAnswer { detail } => vec![check(Finding::SrvNoAnswer, &d.query, detail.clone())],
        SrvOutcome::Found { records } => {
            let listed: Vec<String> = records
                .iter()
                .map(|r| format!("{} {} {} {} (TTL {})", r.priority, r.weight, r.port, r.target, r.ttl))
                .collect();
            let mut checks = vec![check(Finding::SrvFound, &d.query, format!("{} from {server}", listed.join(", ")))];
            for r in &d.resolved {
                let evidence = match &r.addresses {
                    AddressOutcome::Resolved { .. } => continue,
                    AddressOutcome::NxDomain => format!("{} does not exist (NXDOMAIN): stale SRV record", r.target),
                    AddressOutcome::NoAddress => format!("{} has no A or AAAA record: stale SRV record", r.target),
                    AddressOutcome::Failed { detail } => format!("{}: {detail}", r.target),
                };
                checks.push(check(Finding::SrvTargetUnresolved, format!("{}:{}", r.target, r.port), evidence));
            }
            checks
        }
    }
}

fn rcode_name(rcode: u8) -> String {
    match rcode {
        1 => "FORMERR".into(),
        2 => "SERVFAIL".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED".into(),
        other => format!("RCODE {other}"),
    }
}

fn target_checks(t: &TargetReport) -> Vec<Check> {
    let subject = t.endpoint().to_string();
    match &t.addresses {
        AddressOutcome::Resolved { .. } => {}
        AddressOutcome::NxDomain => {
            return vec![check(Finding::HostUnresolved, subject, format!("{} does not exist (NXDOMAIN)", t.host))];
        }
        AddressOutcome::NoAddress => {
            return vec![check(Finding::HostUnresolved, subject, format!("{} has no A or AAAA record", t.host))];
        }
        AddressOutcome::Failed { detail } => return vec![check(Finding::HostUnresolved, subject, detail.clone())],
    }
    let tcp = match t.connect() {
        ConnectOutcome::Connected { address, connect_ms } => {
            check(Finding::TcpConnected, &subject, format!("connected to {address} in {connect_ms} ms"))
        }
        ConnectOutcome::Refused { address } => check(
            Finding::TcpRefused,
            &subject,
            format!("{address} refused the connection (nothing listening, or a firewall rejects)"),
        ),
        ConnectOutcome::TimedOut { address } => check(
            Finding::TcpTimedOut,
            &subject,
            format!(
                "no answer from {address} within {} ms (packets dropped by a firewall, or host down)",
                t.elapsed_ms
            ),
        ),
        ConnectOutcome::Unreachable { address, detail } => {
            check(Finding::TcpUnreachable, &subject, format!("{address}: {detail}"))
        }
        ConnectOutcome::NotTried => return Vec::new(),
    };
    let mut checks = vec![tcp];
    if let Some(rpc) = &t.rpc {
        let (finding, evidence) = match rpc {
            RpcOutcome::Accepted { secondary_address, max_xmit } => (
                Finding::RpcKms,
                format!(
                    "bind_ack accepted the KMS interface 51C82175-844E-4750-B0D8-EC255555BC06 v1.0 (port \"{secondary_address}\", max fragment {max_xmit})"
                ),
            ),
            RpcOutcome::ContextRejected { result, reason } => (
                Finding::RpcNotKms,
                format!(
                    "bind_ack rejected the KMS interface (result {result}, reason {reason}): an RPC server that is not KMS"
                ),
            ),
            RpcOutcome::BindNak { reason } => {
                (Finding::RpcNotKms, format!("bind_nak, reason {reason}: an RPC server that is not KMS"))
            }
            RpcOutcome::UnexpectedPdu { ptype, detail } => {
                (Finding::RpcNotKms, format!("RPC PDU type {ptype} instead of bind_ack {detail}"))
            }
            RpcOutcome::ClosedAfterBind { .. } => {
                (Finding::RpcClosed, "connection closed right after the bind".to_string())
            }
            RpcOutcome::NotRpc { first_bytes } => {
                (Finding::RpcNotRpc, format!("the reply is not DCE/RPC (first bytes {first_bytes})"))
            }
            RpcOutcome::Malformed { detail } => (Finding::RpcMalformed, detail.clone()),
            RpcOutcome::Silent => (Finding::RpcSilent, format!("no reply to the bind within {} ms", t.elapsed_ms)),
            RpcOutcome::SendFailed { detail } => (Finding::RpcClosed, format!("could not send the bind: {detail}")),
        };
        checks.push(check(finding, subject, evidence));
    }
    checks
}

fn clock_check(c: &ClockReport) -> Check {
    let subject = format!("NTP {}", c.server);
    match &c.result {
        ClockOutcome::NoAnswer { detail } => check(Finding::ClockNotMeasured, subject, detail.clone()),
        ClockOutcome::Measured { server, offset_seconds, delay_seconds, stratum } => {
            let finding = if offset_seconds.abs() > CLOCK_FAIL_SECONDS {
                Finding::ClockSkewed
            } else if offset_seconds.abs() > CLOCK_WARN_SECONDS {
                Finding::ClockDrift
            } else {
                Finding::ClockOk
            };
            check(
                finding,
                subject,
                format!(
                    "offset {offset_seconds:+.3} s against {server} (stratum {stratum}, delay {:.1} ms)",
                    delay_seconds * 1000.0
                ),
            )
        }
    }
}
