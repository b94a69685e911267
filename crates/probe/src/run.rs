//! Runs every check of `actdoc check` concurrently: SRV discovery per domain, then per target (one
//! deadline each) address lookup, TCP connect and the RPC bind, with the clock measured alongside.
//! Total time is about the slowest target, not the sum.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Serialize;
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::{Instant, timeout_at};

use crate::dns::lookup::{self, AddressOutcome, Resolver, SrvOutcome, SrvRecord};
use crate::dns::system;
use crate::findings::{Check, checklist};
use crate::rpc::client::{RpcOutcome, bind_kms};
use crate::sntp::client::{ClockOutcome, measure};
use crate::target::{HostPort, NTP_PORT, parse_host_port};

#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Domains to discover in; empty means the system's search list (unless `kms` is given).
    pub domains: Vec<String>,
    /// Hosts given like `slmgr /skms`; they skip discovery.
    pub kms: Vec<HostPort>,
    /// Send every lookup of the run to this server.
    pub dns_server: Option<SocketAddr>,
    /// SNTP server; default the first KMS host, then the first domain.
    pub ntp: Option<HostPort>,
    pub timeout: Duration,
}

#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    pub dns: DnsConfig,
    pub discoveries: Vec<Discovery>,
    pub targets: Vec<TargetReport>,
    pub clock: Option<ClockReport>,
    pub checks: Vec<Check>,
    pub timeout_ms: u64,
    pub elapsed_ms: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct DnsConfig {
    /// `flag` (from --dns-server) or `system`.
    pub source: &'static str,
    pub servers: Vec<SocketAddr>,
    pub search: Vec<String>,
    /// Why the system configuration could not be read, if it could not.
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Discovery {
    pub domain: String,
    pub query: String,
    pub server: Option<SocketAddr>,
    pub result: SrvOutcome,
    /// Addresses of each SRV target, in record order.
    pub resolved: Vec<ResolvedTarget>,
    pub elapsed_ms: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ResolvedTarget {
    pub target: String,
    pub port: u16,
    pub addresses: AddressOutcome,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TargetSource {
    /// Given with `--kms`, like `slmgr /skms`.
    Registered,
    /// From the SRV records of this domain.
    Dns { domain: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ConnectOutcome {
    Connected {
        address: SocketAddr,
        connect_ms: u64,
    },
    Refused {
        address: SocketAddr,
    },
    TimedOut {
        address: SocketAddr,
    },
    Unreachable {
        address: SocketAddr,
        detail: String,
    },
    /// No address to connect to.
    NotTried,
}

#[derive(Clone, Debug, Serialize)]
pub struct TargetReport {
    pub host: String,
    pub port: u16,
    pub source: TargetSource,
    pub addresses: AddressOutcome,
    /// One attempt per address tried, in order; the last is the verdict.
    pub attempts: Vec<ConnectOutcome>,
    pub rpc: Option<RpcOutcome>,
    pub elapsed_ms: u64,
}

impl TargetReport {
    pub fn connect(&self) -> &ConnectOutcome {
        self.attempts
            .iter()
            .find(|a| matches!(a, ConnectOutcome::Connected { .. }))
            .or(self.attempts.last())
            .unwrap_or(&ConnectOutcome::NotTried)
    }

    pub fn endpoint(&self) -> HostPort {
        HostPort { host: self.host.clone(), port: self.port }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ClockReport {
    pub server: HostPort,
    /// How the server was chosen: `flag`, `kms_host` or `domain`.
    pub chosen_as: &'static str,
    pub result: ClockOutcome,
}

/// Runs all checks. Never panics on network input; every wait is bounded by `timeout`.
pub async fn run_checks(options: &CheckOptions) -> CheckReport {
    let started = Instant::now();
    let dns = dns_config(options);
    let resolver = match options.dns_server {
        Some(server) => Resolver::Servers(vec![server]),
        None => Resolver::System,
    };

    let domains: Vec<String> = if !options.domains.is_empty() {
        options.domains.clone()
    } else if options.kms.is_empty() {
        dns.search.clone()
    } else {
        Vec::new()
    };

    let mut discovery_tasks = JoinSet::new();
    for (index, domain) in domains.iter().enumerate() {
        let (servers, resolver, domain, timeout) =
            (dns.servers.clone(), resolver.clone(), domain.clone(), options.timeout);
        discovery_tasks.spawn(async move { (index, discover(&servers, &resolver, &domain, timeout).await) });
    }
    let mut discoveries: Vec<(usize, Discovery)> = discovery_tasks.join_all().await;
    discoveries.sort_by_key(|(i, _)| *i);
    let discoveries: Vec<Discovery> = discoveries.into_iter().map(|(_, d)| d).collect();

    let planned = plan_targets(&options.kms, &discoveries);

    let clock_task = clock_server(options, &planned, &domains).map(|(server, chosen_as)| {
        let (resolver, timeout) = (resolver.clone(), options.timeout);
        tokio::spawn(async move {
            let result = measure_clock(&resolver, &server, timeout).await;
            ClockReport { server, chosen_as, result }
        })
    });

    let mut target_tasks = JoinSet::new();
    for (index, (endpoint, source, known)) in planned.into_iter().enumerate() {
        let (resolver, timeout) = (resolver.clone(), options.timeout);
        target_tasks.spawn(async move { (index, probe_target(endpoint, source, known, &resolver, timeout).await) });
    }
    let mut targets: Vec<(usize, TargetReport)> = target_tasks.join_all().await;
    targets.sort_by_key(|(i, _)| *i);
    let targets: Vec<TargetReport> = targets.into_iter().map(|(_, t)| t).collect();

    let clock = match clock_task {
        Some(task) => task.await.ok(),
        None => None,
    };

    let checks = checklist(&dns, &domains, &discoveries, &targets, clock.as_ref());
    CheckReport {
        dns,
        discoveries,
        targets,
        clock,
        checks,
        timeout_ms: millis(options.timeout),
        elapsed_ms: millis(started.elapsed()),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn dns_config(options: &CheckOptions) -> DnsConfig {
    if let Some(server) = options.dns_server {
        let search = system::read().map(|s| s.search).unwrap_or_default();
        return DnsConfig { source: "flag", servers: vec![server], search, error: None };
    }
    match system::read() {
        Ok(sys) => DnsConfig { source: "system", servers: sys.servers, search: sys.search, error: None },
        Err(e) => DnsConfig { source: "system", servers: Vec::new(), search: Vec::new(), error: Some(e) },
    }
}

async fn discover(servers: &[SocketAddr], resolver: &Resolver, domain: &str, timeout: Duration) -> Discovery {
    let started = Instant::now();
    let deadline = started + timeout;
    let (result, server) = lookup::kms_srv(servers, domain, deadline).await;
    let mut target_addresses = Vec::new();
    if let SrvOutcome::Found { records } = &result {
        let mut tasks = JoinSet::new();
        for (index, SrvRecord { target, port, .. }) in records.iter().enumerate() {
            let (resolver, target, port) = (resolver.clone(), target.clone(), *port);
            // Each SRV target gets its own full lookup time, as a client would.
            let lookup_deadline = Instant::now() + timeout;
            tasks.spawn(async move {
                let addresses = lookup::addresses(&resolver, &target, lookup_deadline).await;
                (index, ResolvedTarget { target, port, addresses })
            });
        }
        let mut found: Vec<(usize, ResolvedTarget)> = tasks.join_all().await;
        found.sort_by_key(|(i, _)| *i);
        target_addresses = found.into_iter().map(|(_, r)| r).collect();
    }
    Discovery {
        domain: domain.to_string(),
        query: format!("_vlmcs._tcp.{domain}"),
        server,
        result,
        resolved: target_addresses,
        elapsed_ms: millis(started.elapsed()),
    }
}

type PlannedTarget = (HostPort, TargetSource, Option<AddressOutcome>);

/// Registered hosts first, then every SRV target once.
fn plan_targets(kms: &[HostPort], discoveries: &[Discovery]) -> Vec<PlannedTarget> {
    let mut planned: Vec<PlannedTarget> = kms.iter().map(|hp| (hp.clone(), TargetSource::Registered, None)).collect();
    for d in discoveries {
        for r in &d.resolved {
            let endpoint = HostPort { host: r.target.clone(), port: r.port };
            if planned.iter().any(|(e, _, _)| *e == endpoint) {
                continue;
            }
            // An SRV target that does not resolve is reported by discovery, not probed.
            if matches!(r.addresses, AddressOutcome::Resolved { .. }) {
                planned.push((endpoint, TargetSource::Dns { domain: d.domain.clone() }, Some(r.addresses.clone())));
            }
        }
    }
    planned
}

async fn probe_target(
    endpoint: HostPort,
    source: TargetSource,
    known: Option<AddressOutcome>,
    resolver: &Resolver,
    timeout: Duration,
) -> TargetReport {
    let started = Instant::now();
    let deadline = started + timeout;
    let addresses = match known {
        Some(a) => a,
        None => lookup::addresses(resolver, &endpoint.host, deadline).await,
    };
    let mut attempts = Vec::new();
    let mut rpc = None;
    if let AddressOutcome::Resolved { addresses: ips } = &addresses {
        for ip in ips {
            let address = SocketAddr::new(*ip, endpoint.port);
            let (outcome, stream) = connect(address, deadline).await;
            attempts.push(outcome);
            if let Some(mut stream) = stream {
                rpc = Some(bind_kms(&mut stream, deadline).await);
                break;
            }
            if Instant::now() >= deadline {
                break;
            }
        }
    }
    TargetReport {
        host: endpoint.host,
        port: endpoint.port,
        source,
        addresses,
        attempts,
        rpc,
        elapsed_ms: millis(started.elapsed()),
    }
}

async fn connect(address: SocketAddr, deadline: Instant) -> (ConnectOutcome, Option<TcpStream>) {
    let started = Instant::now();
    match timeout_at(deadline, TcpStream::connect(address)).await {
        Err(_) => (ConnectOutcome::TimedOut { address }, None),
        Ok(Ok(stream)) => (ConnectOutcome::Connected { address, connect_ms: millis(started.elapsed()) }, Some(stream)),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => (ConnectOutcome::Refused { address }, None),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::TimedOut => (ConnectOutcome::TimedOut { address }, None),
        Ok(Err(e)) => (ConnectOutcome::Unreachable { address, detail: e.to_string() }, None),
    }
}

/// `--ntp`, else the first KMS host (it is the clock that matters), else the first domain.
fn clock_server(
    options: &CheckOptions,
    planned: &[PlannedTarget],
    domains: &[String],
) -> Option<(HostPort, &'static str)> {
    if let Some(ntp) = &options.ntp {
        return Some((ntp.clone(), "flag"));
    }
    if let Some((endpoint, _, _)) = planned.first() {
        return Some((HostPort { host: endpoint.host.clone(), port: NTP_PORT }, "kms_host"));
    }
    domains.first().and_then(|d| parse_host_port(d, NTP_PORT).ok()).map(|hp| (hp, "domain"))
}

async fn measure_clock(resolver: &Resolver, server: &HostPort, timeout: Duration) -> ClockOutcome {
    let deadline = Instant::now() + timeout;
    let ip: Option<IpAddr> = match lookup::addresses(resolver, &server.host, deadline).await {
        AddressOutcome::Resolved { addresses } => addresses.first().copied(),
        other => {
            return ClockOutcome::NoAnswer {
                detail: format!("cannot resolve {}: {}", server.host, describe_lookup(&other)),
            };
        }
    };
    match ip {
        Some(ip) => measure(SocketAddr::new(ip, server.port), deadline).await,
        None => ClockOutcome::NoAnswer { detail: format!("{} has no address", server.host) },
    }
}

fn describe_lookup(outcome: &AddressOutcome) -> String {
    match outcome {
        AddressOutcome::Resolved { .. } => "resolved".into(),
        AddressOutcome::NxDomain => "name does not exist".into(),
        AddressOutcome::NoAddress => "no A/AAAA record".into(),
        AddressOutcome::Failed { detail } => detail.clone(),
    }
}
