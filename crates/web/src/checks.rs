//! Which network checks a request may ask for: only names on `--allow-checks`, compared exactly
//! (case-insensitively, without a trailing dot, a KMS host without its port). A listed domain does
//! not allow its subdomains or hosts: whoever runs the server lists each name a check may touch.
//! Validation happens before the runner is called, so a refused request sends no packet at all.

use crate::config::CheckRequest;

/// The names `--allow-checks` lists, normalised.
#[derive(Clone, Debug, Default)]
pub(crate) struct AllowList {
    names: Vec<String>,
}

/// Why a check request is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A name that is not on the list; 403.
    NotAllowed { host: String },
    /// A request that cannot run (empty, malformed name, timeout out of range); 400.
    Invalid { input: String, message: String },
}

pub(crate) const TIMEOUT_MS: std::ops::RangeInclusive<u64> = 100..=30_000;
/// More targets than anyone types by hand; the limit keeps one request from becoming a scan.
const MAX_TARGETS: usize = 32;

impl AllowList {
    pub(crate) fn new(names: &[String]) -> AllowList {
        let mut names: Vec<String> =
            names.iter().flat_map(|n| n.split(',')).map(normalize).filter(|n| !n.is_empty()).collect();
        names.sort();
        names.dedup();
        AllowList { names }
    }

    /// The names as listed, for the check page.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    fn allows(&self, name: &str) -> bool {
        let name = normalize(name);
        self.names.contains(&name)
    }

    /// Checks every name of `request` and its timeout; the first problem refuses the whole request.
    pub(crate) fn vet(&self, request: &CheckRequest) -> Result<(), Refusal> {
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
        for domain in &request.domains {
            if !is_name(domain) {
                return Err(invalid_name(domain, "domain"));
            }
            if !self.allows(domain) {
                return Err(Refusal::NotAllowed { host: domain.trim().to_string() });
            }
        }
        for target in &request.kms {
            let host = host_of(target).ok_or_else(|| invalid_name(target, "KMS host"))?;
            if !self.allows(host) {
                return Err(Refusal::NotAllowed { host: host.to_string() });
            }
        }
        Ok(())
    }
}

fn invalid_name(input: &str, what: &str) -> Refusal {
    Refusal::Invalid {
        input: input.to_string(),
        message: format!("`{input}` is not a {what}: use a DNS name, an IPv4 address or [IPv6]:port"),
    }
}

fn normalize(name: &str) -> String {
    let name = name.trim().trim_end_matches('.');
    let name = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')).unwrap_or(name);
    name.to_ascii_lowercase()
}

/// A DNS name or an IP address: letters, digits, `-`, `.`, `:` (IPv6), `_` (SRV labels).
fn is_name(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty()
        && name.len() <= 253
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':' | b'_'))
}

/// The host of `host`, `host:port`, `[v6]` or `[v6]:port`; `None` when it is not shaped so.
fn host_of(target: &str) -> Option<&str> {
    let target = target.trim();
    let host = if let Some(rest) = target.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(is_port)) {
            return None;
        }
        host
    } else {
        match target.rsplit_once(':') {
            // One colon: host:port. More: a bare IPv6 address.
            Some((host, port)) if !host.contains(':') => is_port(port).then_some(host)?,
            _ => target,
        }
    };
    is_name(host).then_some(host)
}

fn is_port(port: &str) -> bool {
    port.parse::<u16>().is_ok_and(|p| p > 0)
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
        let allow = AllowList::new(&["contoso.test, KMS01.contoso.test".into(), "10.0.0.5".into(), "[fd00::5]".into()]);
        assert_eq!(allow.vet(&request(&["Contoso.Test."], &["kms01.contoso.test:1688", "10.0.0.5"])), Ok(()));
        assert_eq!(allow.vet(&request(&[], &["[fd00::5]:1688", "fd00::5"])), Ok(()));
        assert_eq!(
            allow.vet(&request(&["sub.contoso.test"], &[])),
            Err(Refusal::NotAllowed { host: "sub.contoso.test".into() })
        );
        assert_eq!(
            allow.vet(&request(&[], &["evil.example:1688"])),
            Err(Refusal::NotAllowed { host: "evil.example".into() })
        );
    }

    #[test]
    fn malformed_requests_are_invalid_not_forbidden() {
        let allow = AllowList::new(&["contoso.test".into()]);
        assert!(matches!(allow.vet(&request(&[], &[])), Err(Refusal::Invalid { .. })));
        assert!(matches!(allow.vet(&request(&["a b"], &[])), Err(Refusal::Invalid { .. })));
        assert!(matches!(allow.vet(&request(&[], &["host:99999"])), Err(Refusal::Invalid { .. })));
        let mut slow = request(&["contoso.test"], &[]);
        slow.timeout_ms = 60_000;
        assert!(matches!(allow.vet(&slow), Err(Refusal::Invalid { .. })));
    }
}
