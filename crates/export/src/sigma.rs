//! Sigma rules, one per detection that a single event can show, generated from the knowledge base
//! (the code's official name and message, its cause, its first fixing step) and from the readers'
//! own provider list. Unnamed event data is the field `Data` (the convention of SigmaHQ's
//! Application-log rules): all of an event's unnamed values joined by ", ", which is how 12288 and
//! 12290 print them. Each rule has a stable id (a UUID v5 of its name), so a SIEM that imported a
//! rule recognises its next version.
//!
//! Not single-event rules, and so left to `actdoc scan`: a KMS host's 30-day count against its
//! threshold, one CMID on several machines (a cloned image), a request the host never logged
//! (client 12288 against host 12290), a failure that a later success cleared.

use std::fmt::Write as _;

use actdoc_core::Kb;
use actdoc_logs::decode::KMS_CHANNEL;

/// Names the rule ids are derived from (a UUID v5 namespace of our own, fixed forever).
const NAMESPACE: uuid::Uuid = uuid::uuid!("4f0d6c52-8a55-4d4e-9d1a-6e1f0a7c2b91");
/// The day the rules were first written; a rule's `date` does not move with each release.
const DATE: &str = "2026-11-30";
/// The providers of the client events (Windows 7 and later, and the short name older exports use).
const CLIENT_PROVIDERS: [&str; 2] = ["Microsoft-Windows-Security-SPP", "Security-SPP"];
/// The custom `service` of the KMS host log: `logsource: {product: windows, service: key-management-service}`
/// is the channel "Key Management Service"; map it in your pipeline.
pub const KMS_SERVICE: &str = "key-management-service";

/// One generated rule: its file name and YAML.
#[derive(Clone, Debug)]
pub struct Rule {
    pub name: &'static str,
    pub file_name: String,
    pub id: uuid::Uuid,
    pub yaml: String,
}

/// The detection of a rule, in Sigma's terms.
struct Spec {
    name: &'static str,
    /// The knowledge-base code whose texts describe it, when one code does.
    code: Option<u32>,
    title: &'static str,
    what: &'static str,
    service: &'static str,
    event_id: u16,
    /// Extra selection lines under `selection:` (already YAML, indented by 4).
    selection: Vec<String>,
    /// A `filter:` block's lines, excluded from the selection.
    filter: Vec<String>,
    level: &'static str,
    falsepositives: &'static [&'static str],
}

fn specs(kb: &Kb) -> Vec<Spec> {
    // Failures only: an HRESULT with its severity bit set.
    let hr_codes: Vec<String> = kb
        .entries()
        .iter()
        .filter(|e| e.value & 0x8000_0000 != 0)
        .map(|e| format!("      - {}", quote(&format!("hr={}", e.code))))
        .collect();
    vec![
        Spec {
            name: "kms-request-failed",
            code: Some(0xC004_F074),
            title: "KMS activation request failed",
            what: "A KMS client's request (event 12288) came back with an error in its first value (the real reason \
                   behind the summary code 0xC004F074).",
            service: "application",
            event_id: 12288,
            selection: Vec::new(),
            filter: vec!["    Data|startswith: '0x00000000,'".into()],
            level: "medium",
            falsepositives: &[
                "A transient failure that the client's next attempt (every 2 hours by default) clears: look for a later 12289 with 0x00000000",
            ],
        },
        Spec {
            name: "kms-clock-skew",
            code: Some(0xC004_F06C),
            title: "KMS host refused the client's clock",
            what: "A KMS client's request (event 12288) failed with 0xC004F06C: the client and host clocks are more \
                   than 4 hours apart in UTC.",
            service: "application",
            event_id: 12288,
            selection: vec!["    Data|startswith: '0xC004F06C,'".into()],
            filter: Vec::new(),
            level: "high",
            falsepositives: &["None known: the host refuses every request from this clock until it is fixed"],
        },
        Spec {
            name: "slui-activation-failed",
            code: None,
            title: "Windows activation (slui) failed with an activation error",
            what: "The licensing UI's automatic activation (event 8198) failed with an HRESULT the knowledge base \
                   explains.",
            service: "application",
            event_id: 8198,
            selection: std::iter::once("    Data|startswith:".to_string()).chain(hr_codes).collect(),
            filter: Vec::new(),
            level: "medium",
            falsepositives: &["Machines that are offline on purpose, or retail machines awaiting a key"],
        },
        Spec {
            name: "vl-activation-failed",
            code: None,
            title: "Volume activation attempt failed",
            what: "The licensing rules engine reported a failed volume-licence activation attempt (event 8233); \
                   its first value is the reason.",
            service: "application",
            event_id: 8233,
            selection: Vec::new(),
            filter: Vec::new(),
            level: "medium",
            falsepositives: &["A failure that a later attempt clears"],
        },
        Spec {
            name: "kms-host-rejected-request",
            code: Some(0xC004_F038),
            title: "KMS host answered a client with an error",
            what: "A KMS host logged a request (event 12290 in the Key Management Service log) whose result is not \
                   0x00000000 — most often 0xC004F038 while its count is below the threshold, or 0xC004F06C for a \
                   client clock more than 4 hours off.",
            service: KMS_SERVICE,
            event_id: 12290,
            selection: Vec::new(),
            filter: vec!["    Data|contains: '0x00000000'".into()],
            level: "medium",
            falsepositives: &["0xC004F038 on a new host until 25 client (5 server) machines have asked"],
        },
        Spec {
            name: "kms-dns-publishing-failed",
            code: Some(0x8007_2338),
            title: "KMS host could not publish itself in DNS",
            what: "A KMS host failed to register its _vlmcs._tcp SRV record (event 12293), so clients that discover \
                   hosts through DNS cannot find it.",
            service: "application",
            event_id: 12293,
            selection: Vec::new(),
            filter: Vec::new(),
            level: "high",
            falsepositives: &[
                "A domain where the SRV records are kept by hand and publishing is turned off on purpose",
            ],
        },
    ]
}

/// Every rule, generated from `kb`.
pub fn rules(kb: &Kb) -> Vec<Rule> {
    specs(kb)
        .into_iter()
        .map(|spec| {
            let id = uuid::Uuid::new_v5(&NAMESPACE, format!("actdoc/{}", spec.name).as_bytes());
            Rule { name: spec.name, file_name: format!("actdoc-{}.yml", spec.name), id, yaml: yaml(&spec, id, kb) }
        })
        .collect()
}

fn yaml(spec: &Spec, id: uuid::Uuid, kb: &Kb) -> String {
    let entry = spec.code.and_then(|c| kb.get(c));
    let mut description = spec.what.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(entry) = entry {
        let fix = entry
            .resolution
            .en
            .iter()
            .zip(&entry.resolution_purpose)
            .find(|(_, p)| **p == actdoc_core::StepPurpose::Fix)
            .map(|(step, _)| step.as_str());
        let _ = write!(description, " {} ({}): {}", entry.code, entry.name, entry.message.en);
        if let Some(fix) = fix {
            let _ = write!(description, " Fix: {fix}");
        }
    }
    let mut y = String::new();
    let _ = writeln!(y, "title: {}", quote(spec.title));
    let _ = writeln!(y, "id: {id}");
    let _ = writeln!(y, "status: experimental");
    let _ = writeln!(y, "description: {}", quote(&description));
    let _ = writeln!(y, "references:");
    let _ = writeln!(y, "    - https://learn.microsoft.com/windows-server/get-started/activation-error-codes");
    let _ = writeln!(y, "author: actdoc (generated from its knowledge base)");
    let _ = writeln!(y, "date: {DATE}");
    let _ = writeln!(y, "logsource:");
    let _ = writeln!(y, "    product: windows");
    let _ = writeln!(y, "    service: {}", spec.service);
    if spec.service == KMS_SERVICE {
        let _ = writeln!(y, "    definition: {}", quote(&format!("The \"{KMS_CHANNEL}\" event log of a KMS host")));
    }
    let _ = writeln!(y, "detection:");
    let _ = writeln!(y, "    selection:");
    if spec.service != KMS_SERVICE {
        // The host log's provider name differs across Windows versions: it is selected by ID.
        let _ = writeln!(y, "        Provider_Name:");
        for p in CLIENT_PROVIDERS {
            let _ = writeln!(y, "            - {}", quote(p));
        }
    }
    let _ = writeln!(y, "        EventID: {}", spec.event_id);
    for line in &spec.selection {
        let _ = writeln!(y, "    {line}");
    }
    if spec.filter.is_empty() {
        let _ = writeln!(y, "    condition: selection");
    } else {
        let _ = writeln!(y, "    filter_success:");
        for line in &spec.filter {
            let _ = writeln!(y, "    {line}");
        }
        let _ = writeln!(y, "    condition: selection and not filter_success");
    }
    let _ = writeln!(y, "falsepositives:");
    for f in spec.falsepositives {
        let _ = writeln!(y, "    - {}", quote(f));
    }
    let _ = writeln!(y, "level: {}", spec.level);
    y
}

/// A YAML single-quoted scalar: the only escape is a doubled quote.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        let kb = Kb::embedded().unwrap();
        let rules = rules(kb);
        let again = super::rules(kb);
        assert_eq!(rules.iter().map(|r| r.id).collect::<Vec<_>>(), again.iter().map(|r| r.id).collect::<Vec<_>>());
        let ids: std::collections::BTreeSet<_> = rules.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), rules.len());
        assert_eq!(rules[0].id.to_string(), uuid::Uuid::new_v5(&NAMESPACE, b"actdoc/kms-request-failed").to_string());
    }

    #[test]
    fn quotes_are_doubled() {
        assert_eq!(quote("it's"), "'it''s'");
    }
}
