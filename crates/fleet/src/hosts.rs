//! KMS hosts: what their own log (12290, 12293, 12294) and their slmgr output say, the unique
//! machines they counted in the 30-day window against the threshold, and each client request
//! matched to the host's log by CMID through maps (rule: "never reached the host" only where the
//! host's log covers that time).

use std::collections::{BTreeMap, HashMap};

use actdoc_core::{ProductKind, Products};
use actdoc_logs::decode::{ActivationEvent, HostRequest};
use actdoc_logs::scan::Collected;
use actdoc_logs::slmgr::KmsHostStatus;
use actdoc_logs::time::{DAY, HOUR, Timestamp};

use crate::evidence::Ev;

/// The KMS count window.
pub(crate) const WINDOW: i64 = 30 * DAY;
/// A client's request and the host's record of it may differ by the clock skew a host tolerates
/// (4 hours) plus a margin for the log writing itself.
pub(crate) const MATCH_WINDOW: i64 = 4 * HOUR + 10 * 60;

#[derive(Debug, Default)]
pub(crate) struct HostFacts<'a> {
    pub name: String,
    pub requests: Vec<(Ev, &'a HostRequest)>,
    pub dns_failures: Vec<(Ev, Option<u32>, Option<&'a str>)>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// What its own slmgr output says (`/dli` on the host).
    pub status: Option<(Ev, KmsHostStatus)>,
    /// (CMID, time) of its requests, sorted: a binary search finds a client's.
    by_cmid: Vec<(&'a str, Timestamp)>,
}

/// The hosts, in name order, and an index to find one by the `host:port` a client names.
#[derive(Debug, Default)]
#[allow(clippy::struct_field_names)] // `hosts.hosts` reads as what it is
pub(crate) struct Hosts<'a> {
    pub hosts: Vec<HostFacts<'a>>,
    by_name: HashMap<String, usize>,
    by_short: HashMap<String, Option<usize>>,
}

impl<'a> Hosts<'a> {
    pub(crate) fn read(collected: &'a Collected) -> Hosts<'a> {
        let mut by_key: BTreeMap<String, HostFacts<'a>> = BTreeMap::new();
        for e in &collected.events {
            let name = if e.computer.is_empty() {
                collected.sources.get(e.file).map_or("", |s| s.label.as_str())
            } else {
                &*e.computer
            };
            let ev = Ev { file: e.file, time: e.time, record_id: e.record_id, event_id: Some(e.event_id), line: None };
            let host = || HostFacts { name: name.to_string(), ..HostFacts::default() };
            let h = match &e.decoded {
                ActivationEvent::HostRequest(_)
                | ActivationEvent::DnsPublishFailed { .. }
                | ActivationEvent::DnsPublished { .. } => by_key.entry(name.to_lowercase()).or_insert_with(host),
                _ => continue,
            };
            if name < h.name.as_str() {
                h.name = name.to_string();
            }
            if let Some(t) = e.time {
                h.from = Some(h.from.map_or(t, |f| f.min(t)));
                h.to = Some(h.to.map_or(t, |x| x.max(t)));
            }
            match &e.decoded {
                ActivationEvent::HostRequest(r) => h.requests.push((ev, r)),
                ActivationEvent::DnsPublishFailed { hresult, domain } => {
                    h.dns_failures.push((ev, *hresult, domain.as_deref()));
                }
                _ => {}
            }
        }
        let mut hosts: Vec<HostFacts<'a>> = by_key.into_values().collect();
        for h in &mut hosts {
            h.requests.sort_by_key(|(ev, _)| *ev);
            h.dns_failures.sort_by_key(|(ev, ..)| *ev);
            h.by_cmid = h.requests.iter().filter_map(|(ev, r)| Some((r.cmid.as_deref()?, ev.time?))).collect();
            h.by_cmid.sort_unstable();
        }
        let mut index = Hosts { hosts, ..Hosts::default() };
        index.reindex();
        index
    }

    fn reindex(&mut self) {
        self.by_name.clear();
        self.by_short.clear();
        for (i, h) in self.hosts.iter().enumerate() {
            let name = h.name.to_lowercase();
            if let Some(short) = short_label(&name) {
                self.by_short.entry(short.to_string()).and_modify(|e| *e = None).or_insert(Some(i));
            }
            self.by_name.insert(name, i);
        }
    }

    /// A machine whose slmgr output has a KMS host section is a host.
    pub(crate) fn add_status(&mut self, machine: &str, ev: Ev, status: KmsHostStatus) {
        if self.find(machine).is_none() {
            self.hosts.push(HostFacts { name: machine.to_string(), ..HostFacts::default() });
            self.hosts.sort_by_key(|h| h.name.to_lowercase());
            self.reindex();
        }
        if let Some(i) = self.find(machine) {
            self.hosts[i].status = Some((ev, status));
        }
    }

    /// The host a client names (`kms01.corp.example:1688`, `KMS01`, `[fd00::1]:1688`): by full
    /// name, else by the first label when only one host has it. IP addresses match only whole.
    pub(crate) fn find(&self, host_port: &str) -> Option<usize> {
        let host = strip_port(host_port).to_lowercase();
        if let Some(&i) = self.by_name.get(&host) {
            return Some(i);
        }
        let short = short_label(&host)?;
        self.by_short.get(short).copied().flatten()
    }
}

impl HostFacts<'_> {
    /// Whether the host's log covers `time` (with the skew margin), so that a missing record means
    /// the request never arrived.
    pub(crate) fn covers(&self, time: Timestamp) -> bool {
        match (self.from, self.to) {
            (Some(from), Some(to)) => time.0 >= from.0 - MATCH_WINDOW && time.0 <= to.0 + MATCH_WINDOW,
            _ => false,
        }
    }

    pub(crate) fn saw(&self, cmid: &str, time: Timestamp) -> bool {
        let from = Timestamp(time.0 - MATCH_WINDOW);
        let i = self.by_cmid.partition_point(|(c, t)| (*c, *t) < (cmid, from));
        self.by_cmid.get(i).is_some_and(|(c, t)| *c == cmid && t.0 <= time.0 + MATCH_WINDOW)
    }

    /// Unique client-OS and server-OS machines it accepted in the 30 days before `end`. A rejected
    /// request (bad timestamp, unknown product) does not count.
    pub(crate) fn counted(&self, end: Option<Timestamp>, products: &Products) -> (usize, usize) {
        let mut clients = std::collections::HashSet::new();
        let mut servers = std::collections::HashSet::new();
        for (ev, r) in &self.requests {
            let in_window = match (end, ev.time) {
                (Some(end), Some(t)) => t <= end && t.0 > end.0 - WINDOW,
                _ => true,
            };
            let Some(cmid) = r.cmid.as_deref().filter(|_| in_window && r.hresult == 0) else { continue };
            let kind = r.sku.as_deref().and_then(|s| products.by_activation_id(s)).map(|p| p.kind);
            let is_client = match kind {
                Some(k) => k == ProductKind::Client,
                None => r.min_count.is_none_or(|n| n >= ProductKind::Client.kms_threshold()),
            };
            if is_client {
                clients.insert(cmid)
            } else {
                servers.insert(cmid)
            };
        }
        (clients.len(), servers.len())
    }
}

fn strip_port(host_port: &str) -> &str {
    let s = host_port.trim();
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split_once(']').map_or(rest, |(h, _)| h);
    }
    match s.rsplit_once(':') {
        // One colon: host:port. More: a bare IPv6 address.
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => s,
    }
}

/// The first DNS label of a name, unless the name is an IP address (whose first octet names
/// nothing).
fn short_label(host: &str) -> Option<&str> {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    let first = host.split('.').next().filter(|s| !s.is_empty())?;
    Some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_found_by_name_or_short_name_but_ip_addresses_only_whole() {
        let mut hosts = Hosts {
            hosts: vec![
                HostFacts { name: "KMS01.corp.example".into(), ..HostFacts::default() },
                HostFacts { name: "169.254.169.250".into(), ..HostFacts::default() },
            ],
            ..Hosts::default()
        };
        hosts.reindex();
        assert_eq!(hosts.find("kms01.corp.example:1688"), Some(0));
        assert_eq!(hosts.find("KMS01:1688"), Some(0));
        assert_eq!(hosts.find("kms01"), Some(0));
        assert_eq!(hosts.find("169.254.169.250:1688"), Some(1));
        // Regression: "169.254.169.251" once matched any host whose first label was "169".
        assert_eq!(hosts.find("169.254.169.251:1688"), None);
        assert_eq!(hosts.find("[fd00::1]:1688"), None);
    }
}
