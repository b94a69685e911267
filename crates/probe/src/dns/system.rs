//! The computer's own DNS settings: its servers and the domains a KMS client would search.

use std::net::SocketAddr;

/// What a KMS client on this machine would use for auto-discovery.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SystemDns {
    pub servers: Vec<SocketAddr>,
    /// The search list, or the primary domain when there is no list.
    pub search: Vec<String>,
}

/// Reads `/etc/resolv.conf` on Unix and the adapters' settings on Windows (through
/// hickory-resolver's system configuration reader).
pub fn read() -> Result<SystemDns, String> {
    let (config, _) = hickory_resolver::system_conf::read_system_conf().map_err(|e| e.to_string())?;
    let mut servers: Vec<SocketAddr> = Vec::new();
    for ns in config.name_servers() {
        let addr = SocketAddr::new(ns.ip, 53);
        if !servers.contains(&addr) {
            servers.push(addr);
        }
    }
    let trim = |n: String| n.trim_end_matches('.').to_string();
    let mut search: Vec<String> = config.search().iter().map(|n| trim(n.to_string())).collect();
    if search.is_empty()
        && let Some(domain) = config.domain()
    {
        search.push(trim(domain.to_string()));
    }
    search.retain(|d| !d.is_empty());
    Ok(SystemDns { servers, search })
}
