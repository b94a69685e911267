//! Which network checks a request may ask for, and what of their answer it may see.
//!
//! Only names on `--allow-checks`, compared exactly (case-insensitively, without a trailing dot):
//! a listed domain does not allow its subdomains or hosts. Hosts and domains are kept apart: an
//! entry `domain:NAME` allows only the SRV lookup of NAME, `host:NAME` only connecting to it, a
//! bare name both, and an IP address is only ever a host (looking it up as a domain would send a
//! query to the server's resolver). A KMS host is only tried on the KMS port (`--check-port`).
//! Validation happens before the runner is called, so a refused request sends no packet at all.
//!
//! The answer loses what the server, not the asker, knows: its DNS servers and search list, and
//! the bytes a non-KMS service sent back (a banner).

use serde_json::Value;

use crate::config::CheckRequest;

/// The names `--allow-checks` lists, normalised, apart by use.
#[derive(Clone, Debug, Default)]
pub(crate) struct AllowList {
    /// Every entry as listed (without its `domain:`/`host:`), for the check page.
    names: Vec<String>,
    domains: Vec<String>,
    hosts: Vec<String>,
    port: u16,
}

/// Why a check request is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A name that is not on the list (for this use), or a port other than the KMS port; 403.
    NotAllowed { host: String, message: Option<String> },
    /// A request that cannot run (empty, malformed name, timeout out of range); 400.
    Invalid { input: String, message: String },
}

pub(crate) const TIMEOUT_MS: std::ops::RangeInclusive<u64> = 100..=30_000;
/// More targets than anyone types by hand; the limit keeps one request from becoming a scan.
const MAX_TARGETS: usize = 32;
/// The same, as the check budget's burst: one full request.
pub(crate) const MAX_TARGETS_U32: u32 = 32;

impl AllowList {
    pub(crate) fn new(entries: &[String], port: u16) -> AllowList {
        let mut list = AllowList { port, ..AllowList::default() };
        for entry in entries.iter().flat_map(|n| n.split(',')) {
            let entry = entry.trim();
            let (only, name) = match entry.split_once(':') {
                Some((kind, name)) if kind.eq_ignore_ascii_case("domain") => (Some(true), name),
                Some((kind, name)) if kind.eq_ignore_ascii_case("host") => (Some(false), name),
                _ => (None, entry),
            };
            let name = normalize(name);
            if name.is_empty() {
                continue;
            }
            let is_ip = name.parse::<std::net::IpAddr>().is_ok();
            if only != Some(false) && !is_ip {
                list.domains.push(name.clone());
            }
            if only != Some(true) {
                list.hosts.push(name.clone());
            }
            list.names.push(name);
        }
        for names in [&mut list.names, &mut list.domains, &mut list.hosts] {
            names.sort();
            names.dedup();
        }
        list
    }

    /// The names as listed, for the check page.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// The only port a KMS host may be tried on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Checks every name of `request` and its timeout; the first problem refuses the whole request.
    /// What may run comes back with each KMS host's port spelt out (the runner's default port
    /// might not be this server's KMS port).
    pub(crate) fn vet(&self, request: &CheckRequest) -> Result<CheckRequest, Refusal> {
        if request.domains.is_empty() && request.kms.is_empty() {
            return Err(Refusal::Invalid {
                input: String::new(),
                message: "name at least one domain or KMS host to check".into(),
            });
        }
        if request.domains.len() + request.kms.len() > MAX_TARGETS {
            return Err(Refusal::Invalid {
                input: String::new(),
                message: format!("at most {MAX_TARGETS} domains and KMS hosts in one check"),
            });
        }
        if !TIMEOUT_MS.contains(&request.timeout_ms) {
            return Err(Refusal::Invalid {
                input: request.timeout_ms.to_string(),
                message: format!(
                    "timeout_ms {} is out of range: use {} to {}",
                    request.timeout_ms,
                    TIMEOUT_MS.start(),
                    TIMEOUT_MS.end()
                ),
            });
        }
        let mut vetted = CheckRequest { domains: Vec::new(), kms: Vec::new(), timeout_ms: request.timeout_ms };
        for domain in &request.domains {
            let name = normalize(domain);
            if is_ip(&name) {
                return Err(Refusal::Invalid {
                    input: domain.clone(),
                    message: format!(
                        "`{}` is an IP address, not a domain: give it as a KMS host, or give the DNS domain to look up",
                        domain.trim()
                    ),
                });
            }
            if !is_dns_name(&name) {
                return Err(invalid_name(domain, "domain"));
            }
            if !self.domains.contains(&name) {
                return Err(Refusal::NotAllowed { host: domain.trim().to_string(), message: None });
            }
            vetted.domains.push(domain.trim().to_string());
        }
        for target in &request.kms {
            let (host, port) = host_of(target).ok_or_else(|| invalid_name(target, "KMS host"))?;
            if port.is_some_and(|p| p != self.port) {
                return Err(Refusal::NotAllowed {
                    host: target.trim().to_string(),
                    message: Some(format!(
                        "`{}` may not be checked from this server: only the KMS port {} may be tried",
                        target.trim(),
                        self.port
                    )),
                });
            }
            if !self.hosts.contains(&normalize(host)) {
                return Err(Refusal::NotAllowed { host: host.to_string(), message: None });
            }
            let spelt =
                if host.contains(':') { format!("[{host}]:{}", self.port) } else { format!("{host}:{}", self.port) };
            vetted.kms.push(spelt);
        }
        Ok(vetted)
    }
}

fn invalid_name(input: &str, what: &str) -> Refusal {
    Refusal::Invalid {
        input: input.to_string(),
        message: format!(
            "`{input}` is not a {what}: use a DNS name (labels of letters, digits, `-` and `_`, at most 63 characters \
             each), an IPv4 address or [IPv6]:port"
        ),
    }
}

fn normalize(name: &str) -> String {
    let name = name.trim().trim_end_matches('.');
    let name = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')).unwrap_or(name);
    name.to_ascii_lowercase()
}

fn is_ip(name: &str) -> bool {
    name.parse::<std::net::IpAddr>().is_ok()
}

/// A DNS name as a resolver takes it: at most 253 characters, labels of 1 to 63 letters, digits,
/// `-` (not at either end) and `_` (SRV labels).
fn is_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// The host and port of `host`, `host:port`, `[v6]` or `[v6]:port`; `None` when it is not
/// shaped so, or the host is neither a DNS name nor an IP address.
fn host_of(target: &str) -> Option<(&str, Option<u16>)> {
    let target = target.trim();
    let (host, port) = if let Some(rest) = target.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            after => Some(port_of(after.strip_prefix(':')?)?),
        };
        (host, port)
    } else {
        match target.rsplit_once(':') {
            // One colon: host:port. More: a bare IPv6 address.
            Some((host, port)) if !host.contains(':') => (host, Some(port_of(port)?)),
            _ => (target, None),
        }
    };
    let name = host.trim_end_matches('.');
    (is_ip(name) || is_dns_name(name)).then_some((host, port))
}

fn port_of(port: &str) -> Option<u16> {
    port.parse::<u16>().ok().filter(|p| *p > 0)
}

/// Takes out of a runner's answer (`actdoc check --json`) what the server knows rather than the
/// target: the DNS servers it asked and its search list (also where the evidence names them), and
/// the first bytes a non-KMS service sent back.
pub(crate) fn scrub(answer: &mut Value) {
    let mut resolvers: Vec<String> = Vec::new();
    if let Some(dns) = answer.get_mut("dns").and_then(Value::as_object_mut) {
        if let Some(servers) = dns.remove("servers").and_then(|v| v.as_array().cloned()) {
            resolvers.extend(servers.iter().filter_map(Value::as_str).map(str::to_string));
        }
        dns.remove("search");
    }
    if let Some(discoveries) = answer.get_mut("discoveries").and_then(Value::as_array_mut) {
        for discovery in discoveries.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(server) = discovery.remove("server").and_then(|v| v.as_str().map(str::to_string)) {
                resolvers.push(server);
            }
        }
    }
    // `10.0.0.53:53` is also named as `10.0.0.53`; the longer spelling is replaced first.
    let mut spellings: Vec<String> = Vec::new();
    for resolver in resolvers {
        if let Ok(addr) = resolver.parse::<std::net::SocketAddr>() {
            spellings.push(addr.ip().to_string());
        }
        spellings.push(resolver);
    }
    spellings.sort_by_key(|s| std::cmp::Reverse(s.len()));
    spellings.dedup();
    remove_key(answer, "first_bytes");
    if let Some(checks) = answer.get_mut("checks").and_then(Value::as_array_mut) {
        for check in checks.iter_mut().filter_map(Value::as_object_mut) {
            let not_rpc = check.get("finding").and_then(Value::as_str) == Some("rpc_not_rpc");
            if let Some(Value::String(evidence)) = check.get_mut("evidence") {
                if not_rpc {
                    "the reply is not DCE/RPC (what it sent is not shown)".clone_into(evidence);
                }
                for spelling in &spellings {
                    *evidence = evidence.replace(spelling.as_str(), "the DNS server");
                }
            }
        }
    }
}

fn remove_key(value: &mut Value, key: &str) {
    match value {
        Value::Object(map) => {
            map.remove(key);
            map.values_mut().for_each(|v| remove_key(v, key));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| remove_key(v, key)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(domains: &[&str], kms: &[&str]) -> CheckRequest {
        CheckRequest {
            domains: domains.iter().map(ToString::to_string).collect(),
            kms: kms.iter().map(ToString::to_string).collect(),
            timeout_ms: 3000,
        }
    }

    #[test]
    fn only_listed_names_pass_whatever_their_spelling() {
        let allow =
            AllowList::new(&["contoso.test, KMS01.contoso.test".into(), "10.0.0.5".into(), "[fd00::5]".into()], 1688);
        let vetted = allow.vet(&request(&["Contoso.Test."], &["kms01.contoso.test:1688", "10.0.0.5"])).unwrap();
        assert_eq!(vetted.kms, ["kms01.contoso.test:1688", "10.0.0.5:1688"]);
        let vetted = allow.vet(&request(&[], &["[fd00::5]:1688", "fd00::5"])).unwrap();
        assert_eq!(vetted.kms, ["[fd00::5]:1688", "[fd00::5]:1688"]);
        assert_eq!(
            allow.vet(&request(&["sub.contoso.test"], &[])),
            Err(Refusal::NotAllowed { host: "sub.contoso.test".into(), message: None })
        );
        assert_eq!(
            allow.vet(&request(&[], &["evil.example:1688"])),
            Err(Refusal::NotAllowed { host: "evil.example".into(), message: None })
        );
        assert!(matches!(allow.vet(&request(&[], &["10.0.0.5:135"])), Err(Refusal::NotAllowed { .. })));
        assert!(matches!(allow.vet(&request(&["10.0.0.5"], &[])), Err(Refusal::Invalid { .. })));
    }

    #[test]
    fn the_server_keeps_its_resolvers_and_banners() {
        let mut answer = serde_json::json!({
            "checks": [
                {"finding": "srv_no_records", "evidence": "NOERROR with no SRV record from 10.0.0.53:53"},
                {"finding": "srv_no_answer", "evidence": "no answer from 10.0.0.53"},
                {"finding": "rpc_not_rpc", "evidence": "the reply is not DCE/RPC (first bytes 485454502f)"}
            ],
            "dns": {"source": "system", "servers": ["10.0.0.53:53"], "search": ["corp.internal"]},
            "discoveries": [{"server": "10.0.0.53:53"}],
            "targets": [{"rpc": {"outcome": "not_rpc", "first_bytes": "485454502f"}}]
        });
        scrub(&mut answer);
        let text = answer.to_string();
        for secret in ["10.0.0.53", "corp.internal", "485454502f", "first_bytes"] {
            assert!(!text.contains(secret), "{secret}: {text}");
        }
        assert!(text.contains("NOERROR with no SRV record from the DNS server"), "{text}");
    }

    #[test]
    fn malformed_requests_are_invalid_not_forbidden() {
        let allow = AllowList::new(&["contoso.test".into()], 1688);
        assert!(matches!(allow.vet(&request(&[], &[])), Err(Refusal::Invalid { .. })));
        assert!(matches!(allow.vet(&request(&["a b"], &[])), Err(Refusal::Invalid { .. })));
        assert!(matches!(allow.vet(&request(&[], &["host:99999"])), Err(Refusal::Invalid { .. })));
        let mut slow = request(&["contoso.test"], &[]);
        slow.timeout_ms = 60_000;
        assert!(matches!(allow.vet(&slow), Err(Refusal::Invalid { .. })));
    }
}
