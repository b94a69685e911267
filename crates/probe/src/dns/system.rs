//! The computer's own DNS settings: its servers and the domains a KMS client would search.
//! Unix reads `/etc/resolv.conf` (which `ip netns exec` swaps for a namespace's own); Windows asks
//! the adapters through hickory-resolver's system configuration reader.

use std::net::{IpAddr, SocketAddr};

/// What a KMS client on this machine would use for auto-discovery.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SystemDns {
    pub servers: Vec<SocketAddr>,
    /// The search list, or the primary domain when there is no list.
    pub search: Vec<String>,
}

#[cfg(unix)]
pub fn read() -> Result<SystemDns, String> {
    const PATH: &str = "/etc/resolv.conf";
    match std::fs::read_to_string(PATH) {
        Ok(text) => Ok(parse_resolv_conf(&text)),
        // No file is a machine with no DNS configuration, not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SystemDns::default()),
        Err(e) => Err(format!("cannot read {PATH}: {e}")),
    }
}

#[cfg(not(unix))]
pub fn read() -> Result<SystemDns, String> {
    let (config, _) = hickory_resolver::system_conf::read_system_conf().map_err(|e| e.to_string())?;
    let mut dns = SystemDns::default();
    for ns in config.name_servers() {
        push_unique(&mut dns.servers, SocketAddr::new(ns.ip, 53));
    }
    dns.search = config.search().iter().map(|n| n.to_string().trim_end_matches('.').to_string()).collect();
    if dns.search.is_empty()
        && let Some(domain) = config.domain()
    {
        dns.search.push(domain.to_string().trim_end_matches('.').to_string());
    }
    dns.search.retain(|d| !d.is_empty());
    Ok(dns)
}

fn push_unique(servers: &mut Vec<SocketAddr>, addr: SocketAddr) {
    if !servers.contains(&addr) {
        servers.push(addr);
    }
}

/// Reads `nameserver`, `search` and `domain` lines; the last of `search`/`domain` wins, as in
/// resolv.conf(5). Unknown lines and bad addresses are skipped, never fatal.
pub fn parse_resolv_conf(text: &str) -> SystemDns {
    let mut dns = SystemDns::default();
    for line in text.lines() {
        let line = line.split(['#', ';']).next().unwrap_or_default();
        let mut words = line.split_whitespace();
        match words.next() {
            Some("nameserver") => {
                // Link-local IPv6 servers carry a zone (`fe80::1%eth0`) that IpAddr cannot hold.
                if let Some(ip) = words.next().and_then(|w| w.split('%').next()).and_then(|w| w.parse::<IpAddr>().ok())
                {
                    push_unique(&mut dns.servers, SocketAddr::new(ip, 53));
                }
            }
            Some("search") => {
                dns.search = words.map(|w| w.trim_end_matches('.').to_string()).filter(|w| !w.is_empty()).collect();
            }
            Some("domain") => {
                dns.search = words.next().map(|w| vec![w.trim_end_matches('.').to_string()]).unwrap_or_default();
            }
            _ => {}
        }
    }
    dns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_servers_and_the_search_list() {
        let dns = parse_resolv_conf(
            "# generated\nnameserver 10.0.0.53\nnameserver 10.0.0.53\nnameserver fe80::1%eth0\nnameserver bogus\n\
             domain old.example\nsearch corp.contoso.com contoso.com. ; comment\noptions ndots:2\n",
        );
        assert_eq!(dns.servers, ["10.0.0.53:53".parse().unwrap(), "[fe80::1]:53".parse().unwrap()]);
        assert_eq!(dns.search, ["corp.contoso.com", "contoso.com"]);
    }

    #[test]
    fn a_file_without_nameservers_has_none() {
        let dns = parse_resolv_conf("search contoso.test\n");
        assert!(dns.servers.is_empty());
        assert_eq!(dns.search, ["contoso.test"]);
    }
}
