//! `--redact`: a report that can leave the building. Machine names become `machine-N`, KMS hosts
//! `kms-host-N` (the port stays), their DNS domains `domain-N`, machine folders `source-N`, and
//! CMIDs `cmid-` + a short hash, so the same CMID under two machines still shows as one (the
//! cloned-image finding keeps its meaning). Pseudonyms are numbered in report order, so the same
//! report always gets the same ones, in both languages. Names are replaced in the identity fields
//! and wherever the analysis wrote them into titles, explanations, file paths and warnings.

use std::collections::HashMap;

use actdoc_report::Report;
use actdoc_report::model::Shared;

/// What a string field of the report holds, which decides how it is rewritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A machine or host name, alone (`host:port` for a KMS host the client used).
    Name,
    Cmid,
    /// A file path or a machine folder label.
    Path,
    /// Running text: titles, explanations, steps, warnings.
    Text,
}

/// Calls `f` on every string of the report the analysis filled from the logs. Fields made by the
/// server itself (`generated_by`, times, codes, states) are left out. A new text field in the
/// report model must be added here, or `--redact` would not see it (the tests compare every
/// string of a redacted report against the original names).
pub(crate) fn each_string(report: &mut Report, f: &mut dyn FnMut(Kind, &mut String)) {
    for m in &mut report.machines {
        f(Kind::Name, &mut m.machine);
        m.also_named.iter_mut().for_each(|n| f(Kind::Name, n));
        f(Kind::Path, &mut m.source);
        if let Some(cmid) = &mut m.cmid {
            f(Kind::Cmid, cmid);
        }
        if let Some(host) = &mut m.kms_host {
            shared(Kind::Name, host, f);
        }
        if let Some(product) = &mut m.product {
            shared(Kind::Text, product, f);
        }
        if let Some(message) = m.last_error.as_mut().and_then(|e| e.message.as_mut()) {
            shared(Kind::Text, message, f);
        }
        for p in &mut m.products {
            if let Some(product) = &mut p.product {
                shared(Kind::Text, product, f);
            }
            if let Some(host) = &mut p.kms_host {
                shared(Kind::Name, host, f);
            }
            if let Some(note) = &mut p.note {
                f(Kind::Text, note);
            }
            for e in p.last_error.iter_mut().chain(p.reason.iter_mut()) {
                if let Some(message) = &mut e.message {
                    shared(Kind::Text, message, f);
                }
            }
            p.evidence.iter_mut().for_each(|e| shared(Kind::Path, &mut e.file, f));
            p.history.iter_mut().for_each(|h| shared(Kind::Path, &mut h.evidence.file, f));
        }
    }
    for h in &mut report.kms_hosts {
        f(Kind::Name, &mut h.host);
        h.failing_clients.iter_mut().for_each(|c| f(Kind::Name, c));
    }
    for finding in &mut report.findings {
        if let Some(machine) = &mut finding.machine {
            f(Kind::Name, machine);
        }
        if let Some(host) = &mut finding.kms_host {
            f(Kind::Name, host);
        }
        f(Kind::Text, &mut finding.title);
        shared(Kind::Text, &mut finding.explanation, f);
        finding.resolution.iter_mut().for_each(|s| shared(Kind::Text, s, f));
        finding.evidence.iter_mut().for_each(|e| shared(Kind::Path, &mut e.file, f));
    }
    for a in &mut report.attempts {
        f(Kind::Name, &mut a.machine);
    }
    for w in &mut report.warnings {
        f(Kind::Path, &mut w.file);
        f(Kind::Text, &mut w.message);
    }
    for s in &mut report.sources {
        f(Kind::Path, &mut s.path);
    }
}

/// A text the report shares between records: changed as a copy, so the others keep theirs.
fn shared(kind: Kind, text: &mut Shared, f: &mut dyn FnMut(Kind, &mut String)) {
    let mut owned = text.to_string();
    f(kind, &mut owned);
    if owned.as_str() != &**text {
        *text = Shared::from(owned);
    }
}

/// Replaces every machine name, KMS host, their domains, folder labels and CMIDs in `report`.
/// `keep` are folder labels that name nothing (the upload folder) and stay as they are.
pub(crate) fn redact(report: &mut Report, keep: &[&str]) {
    let names = Pseudonyms::of(report, keep);
    let text = names.needles(false);
    let paths = names.needles(true);
    each_string(report, &mut |kind, s| {
        let replaced = match kind {
            Kind::Cmid => cmid_pseudonym(s),
            Kind::Name | Kind::Text => replace_all(s, &text),
            Kind::Path => replace_all(s, &paths),
        };
        *s = replaced;
    });
}

/// `cmid-` and 12 hex digits of a 64-bit FNV-1a hash of the lower-case CMID: the same CMID always
/// gives the same pseudonym, and 48 bits say nothing about a random 122-bit GUID.
fn cmid_pseudonym(cmid: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in cmid.trim().to_ascii_lowercase().bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("cmid-{:012x}", hash >> 16)
}

#[derive(Debug, Default)]
struct Pseudonyms {
    /// Lower-case spelling -> pseudonym, for names in running text.
    names: HashMap<String, String>,
    /// Lower-case short names (first DNS label) and folder labels -> pseudonym, for paths only:
    /// a short word can also be an ordinary word of an explanation.
    short: HashMap<String, String>,
    domains: HashMap<String, String>,
    cmids: Vec<String>,
    machines: usize,
    hosts: usize,
    sources: usize,
}

impl Pseudonyms {
    fn of(report: &Report, keep: &[&str]) -> Pseudonyms {
        let mut p = Pseudonyms::default();
        for m in &report.machines {
            p.machine(&m.machine);
            m.also_named.iter().for_each(|n| p.machine(n));
            p.cmids.extend(m.cmid.clone());
        }
        for h in &report.kms_hosts {
            p.host(&h.host);
        }
        for m in &report.machines {
            if let Some(host) = &m.kms_host {
                p.host(strip_port(host));
            }
        }
        for f in &report.findings {
            f.machine.iter().for_each(|m| p.machine(m));
            f.kms_host.iter().for_each(|h| p.host(strip_port(h)));
        }
        for a in &report.attempts {
            p.machine(&a.machine);
        }
        for h in &report.kms_hosts {
            h.failing_clients.iter().for_each(|c| p.machine(c));
        }
        for m in &report.machines {
            p.source(&m.source, keep);
        }
        p
    }

    fn machine(&mut self, name: &str) {
        let key = name.trim().to_ascii_lowercase();
        if key.is_empty() || self.names.contains_key(&key) {
            return;
        }
        self.machines += 1;
        let pseudonym = format!("machine-{}", self.machines);
        self.add(&key, &pseudonym);
    }

    /// KMS hosts are matched by their first label, as the analysis does (`KMS01` in the host's
    /// log is `kms01.contoso.test` in the client's).
    fn host(&mut self, name: &str) {
        let key = name.trim().to_ascii_lowercase();
        if key.is_empty() || self.names.contains_key(&key) {
            return;
        }
        let pseudonym = match self.short.get(short_name(&key)) {
            Some(known) if !is_ip(&key) => known.clone(),
            _ => {
                self.hosts += 1;
                format!("kms-host-{}", self.hosts)
            }
        };
        self.add(&key, &pseudonym);
    }

    fn add(&mut self, key: &str, pseudonym: &str) {
        self.names.insert(key.to_string(), pseudonym.to_string());
        if !is_ip(key) {
            self.short.entry(short_name(key).to_string()).or_insert_with(|| pseudonym.to_string());
            // A one-label domain (`corp`, `local`) is also an ordinary word: only dotted ones go.
            if let Some((_, domain)) = key.split_once('.').filter(|(_, d)| d.contains('.')) {
                let next = self.domains.len() + 1;
                self.domains.entry(domain.to_string()).or_insert_with(|| format!("domain-{next}"));
            }
        }
    }

    fn source(&mut self, label: &str, keep: &[&str]) {
        let key = label.trim().to_ascii_lowercase();
        if key.is_empty() || keep.iter().any(|k| k.eq_ignore_ascii_case(&key)) || self.short.contains_key(&key) {
            return;
        }
        // A folder named after its machine gets the machine's pseudonym.
        if let Some(known) = self.names.get(&key).cloned() {
            self.short.insert(key, known);
            return;
        }
        self.sources += 1;
        self.short.insert(key, format!("source-{}", self.sources));
    }

    /// Replacements, longest first so `pc-a.contoso.test` goes before `contoso.test`.
    fn needles(&self, for_paths: bool) -> Vec<(String, String)> {
        let mut needles: Vec<(String, String)> = self
            .names
            .iter()
            .chain(&self.domains)
            .map(|(k, v)| (k.clone(), v.clone()))
            .chain(self.cmids.iter().map(|c| (c.to_ascii_lowercase(), cmid_pseudonym(c))))
            .collect();
        if for_paths {
            needles.extend(self.short.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        needles.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        needles.dedup_by(|a, b| a.0 == b.0);
        needles
    }
}

fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split_once(']').map_or(host, |(h, _)| h);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

fn short_name(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

fn is_ip(name: &str) -> bool {
    name.parse::<std::net::IpAddr>().is_ok()
}

/// Replaces each needle (lower-case) wherever it stands as a whole word, ignoring ASCII case. A
/// word boundary is anything but a letter or digit, so `pc-a` is found in `pc-a/App.evtx` and
/// `pc-a.contoso.test` but not in `pc-ab`.
fn replace_all(haystack: &str, needles: &[(String, String)]) -> String {
    if needles.is_empty() || haystack.is_empty() {
        return haystack.to_string();
    }
    // ASCII lower-casing keeps every byte offset, so positions found in `lower` hold in `haystack`.
    let lower = haystack.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut out = String::with_capacity(haystack.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let at_word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let found = at_word_start
            .then(|| {
                needles.iter().find(|(needle, _)| {
                    bytes[i..].starts_with(needle.as_bytes())
                        && bytes.get(i + needle.len()).is_none_or(|b| !b.is_ascii_alphanumeric())
                })
            })
            .flatten();
        if let Some((needle, replacement)) = found {
            out.push_str(&haystack[copied..i]);
            out.push_str(replacement);
            i += needle.len();
            copied = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&haystack[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only_whatever_the_case() {
        let needles = vec![("pc-a.contoso.test".to_string(), "machine-1".to_string()), ("pc-a".into(), "m1".into())];
        assert_eq!(replace_all("PC-A.contoso.test: fails", &needles), "machine-1: fails");
        assert_eq!(replace_all("pc-a/Application.xml, pc-ab", &needles), "m1/Application.xml, pc-ab");
        assert_eq!(replace_all("激活 PC-A 失败", &needles), "激活 m1 失败");
    }

    #[test]
    fn cmid_pseudonyms_are_stable_and_short() {
        let a = cmid_pseudonym("DDDDDDDD-0000-4000-8000-000000000001");
        assert_eq!(a, cmid_pseudonym("dddddddd-0000-4000-8000-000000000001"));
        assert_eq!(a.len(), "cmid-".len() + 12);
        assert_ne!(a, cmid_pseudonym("eeeeeeee-0000-4000-8000-000000000001"));
    }

    #[test]
    fn ports_are_not_names() {
        assert_eq!(strip_port("kms01.contoso.test:1688"), "kms01.contoso.test");
        assert_eq!(strip_port("[fd00::1]:1688"), "fd00::1");
        assert_eq!(strip_port("fd00::1"), "fd00::1");
    }
}
