//! `actdoc export wef` as a collector's admin uses it: two whole subscription documents, and each
//! one's XPath, run by a real XPath engine (lxml, as Windows evaluates it: the event namespace
//! stripped) over every record of every corpus EVTX file, selects exactly the events the scan
//! uses — no fewer and no others.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod run;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use actdoc_logs::decode::{Interner, decode, is_ours, is_wanted_id};
use actdoc_test_support::servers::TempDir;
use actdoc_test_support::{shared_dir, workspace_root};
use run::actdoc;
use serde_json::Value;

#[test]
fn wef_prints_two_documents_and_writes_two_files() {
    let printed = actdoc(&["export", "wef"]);
    assert_eq!(printed.status.code(), Some(0));
    let text = String::from_utf8(printed.stdout).unwrap();
    assert_eq!(text.matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>").count(), 2);
    assert_eq!(text.matches("</Subscription>").count(), 2);

    let dir = TempDir::new("wef");
    let out = dir.0.join("subscriptions");
    let written =
        actdoc(&["export", "wef", "--out", &out.display().to_string(), "--allowed-sddl", "O:NSG:BAD:P(A;;GA;;;DD)S:"]);
    assert_eq!(written.status.code(), Some(0));
    let clients = std::fs::read_to_string(out.join("clients.xml")).unwrap();
    assert!(clients.contains("<AllowedSourceDomainComputers>O:NSG:BAD:P(A;;GA;;;DD)S:</AllowedSourceDomainComputers>"));
    assert!(out.join("kms-hosts.xml").is_file());

    let json: Value = serde_json::from_slice(&actdoc(&["export", "wef", "--json"]).stdout).unwrap();
    assert_eq!(json[0]["file"], "clients.xml");
    assert_eq!(json[1]["id"], "actdoc-activation-kms-hosts");
}

/// The events to select from: one XML document each, keyed by where it came from, and the keys of
/// those the scan uses (what the scan keeps: ours, an ID it decodes, and decodable).
#[derive(Default)]
struct Events {
    jsonl: String,
    used: BTreeSet<String>,
    count: usize,
}

impl Events {
    fn add(&mut self, key: &str, xml: &str) {
        let mut uses = false;
        let warnings = actdoc_logs::xml::read_events(xml.as_bytes(), key, |event| {
            uses =
                is_ours(&event) && is_wanted_id(event.event_id) && decode(&event, &mut Interner::default()).is_some();
        });
        assert!(warnings.is_empty(), "{key}: {warnings:?}");
        if uses {
            self.used.insert(key.to_string());
        }
        let _ = writeln!(self.jsonl, "{}", serde_json::json!({"key": key, "xml": xml}));
        self.count += 1;
    }

    /// Every record of an EVTX file, rendered to XML by the evtx crate.
    fn evtx(&mut self, path: &Path) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut parser = evtx::EvtxParser::from_path(path).unwrap();
        for record in parser.records().filter_map(Result::ok) {
            self.add(&format!("{name}#{}", record.event_record_id), &record.data);
        }
    }

    /// An event XML export with one `<Event>` per line.
    fn xml_lines(&mut self, path: &Path) {
        let name = path.strip_prefix(workspace_root()).unwrap_or(path).display().to_string();
        for (n, line) in std::fs::read_to_string(path).unwrap().lines().enumerate() {
            if line.starts_with("<Event ") || line.starts_with("<Event>") {
                self.add(&format!("{name}:{}", n + 1), line);
            }
        }
    }
}

#[test]
fn each_subscription_selects_exactly_the_events_the_scan_uses() {
    let dir = TempDir::new("wef-xpath");
    let out = dir.0.join("subscriptions");
    assert!(actdoc(&["export", "wef", "--out", &out.display().to_string()]).status.success());

    let mut events = Events::default();
    let mut files: Vec<_> = std::fs::read_dir(shared_dir().join("corpus/evtx"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "evtx"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the corpus has its EVTX files: {files:?}");
    for file in &files {
        events.evtx(file);
    }
    let corpus_used = events.used.len();
    // The corpus has no KMS host log with records: the made-up fleet's host log (12290 in the Key
    // Management Service channel) exercises that subscription.
    let fleet = workspace_root().join("tests/fixtures/fleet");
    for machine in ["kms01", "pc-a", "pc-b", "pc-lost", "pc-old", "pc-skew"] {
        for file in std::fs::read_dir(fleet.join(machine)).unwrap() {
            events.xml_lines(&file.unwrap().path());
        }
    }
    let events_file = dir.0.join("events.jsonl");
    std::fs::write(&events_file, &events.jsonl).unwrap();

    let python = Path::new("/usr/bin/python3");
    assert!(python.is_file(), "/usr/bin/python3 is missing; run scripts/test");
    let output = Command::new(python)
        .arg(workspace_root().join("tests/wef/xpath_select.py"))
        .arg(&events_file)
        .arg(out.join("clients.xml"))
        .arg(out.join("kms-hosts.xml"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "lxml (Debian python3-lxml; scripts/test installs it): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    let selected: BTreeSet<String> =
        result["selected"].as_array().unwrap().iter().map(|k| k.as_str().unwrap().to_string()).collect();
    assert_eq!(result["queries"].as_array().map(Vec::len), Some(2));
    let missed: Vec<_> = events.used.difference(&selected).collect();
    let extra: Vec<_> = selected.difference(&events.used).collect();
    assert!(missed.is_empty() && extra.is_empty(), "of {} records: missed {missed:?}, extra {extra:?}", events.count);
    // What the scan reports of the corpus: 8 + 4 + 1 activation events (12288, 12289, 8198, 8230).
    assert_eq!(corpus_used, 13, "{:?}", events.used);
    assert!(events.used.iter().any(|k| k.contains("KeyManagementService.xml")), "a host's 12290s are selected");
    eprintln!("{} records, {} selected, all used by the scan", events.count, selected.len());
}

/// Which scan findings each rule stands for: the kinds, the event ID of the evidence, and the code
/// when the rule is about one.
const RULE_FINDINGS: [(&str, &[&str], u64, Option<&str>); 6] = [
    (
        "actdoc-kms-request-failed.yml",
        &["activation_failed", "earlier_failure", "request_not_seen_by_host"],
        12288,
        None,
    ),
    (
        "actdoc-kms-clock-skew.yml",
        &["activation_failed", "earlier_failure", "request_not_seen_by_host"],
        12288,
        Some("0xC004F06C"),
    ),
    ("actdoc-slui-activation-failed.yml", &["activation_failed", "earlier_failure"], 8198, None),
    ("actdoc-vl-activation-failed.yml", &["activation_failed", "earlier_failure"], 8233, None),
    ("actdoc-kms-host-rejected-request.yml", &["host_rejected_requests"], 12290, None),
    ("actdoc-kms-dns-publishing-failed.yml", &["dns_publishing_failed"], 12293, None),
];

/// Every event of the corpus and the made-up fleet, flat as a SIEM holds it, keyed by the path the
/// scan names and its record ID.
fn flat_events(inputs: &[std::path::PathBuf]) -> Vec<Value> {
    let mut events = Vec::new();
    let mut push = |path: &Path, e: actdoc_logs::event::RawEvent| {
        events.push(serde_json::json!({
            "key": format!("{}#{}", path.display(), e.record_id.unwrap_or_default()),
            "EventID": e.event_id,
            "Provider_Name": e.provider,
            "Channel": e.channel,
            "Computer": e.computer,
            "Data": e.data.join(", "),
        }));
    };
    for input in inputs {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(input).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            } else {
                files.push(path);
            }
        }
        for path in files {
            match path.extension().and_then(|e| e.to_str()) {
                Some("evtx") => {
                    let mut parser = evtx::EvtxParser::from_path(&path).unwrap();
                    for record in parser.records().filter_map(Result::ok) {
                        actdoc_logs::xml::read_events(record.data.as_bytes(), "x", |e| push(&path, e));
                    }
                }
                Some("xml") => {
                    let xml = std::fs::read(&path).unwrap();
                    actdoc_logs::xml::read_events(xml.as_slice(), "x", |e| push(&path, e));
                }
                _ => {}
            }
        }
    }
    events
}

#[test]
fn sigma_rules_pass_pysigma_convert_and_match_what_the_scan_finds() {
    let dir = TempDir::new("sigma");
    let rules = dir.0.join("rules");
    let written = actdoc(&["export", "sigma", &rules.display().to_string(), "--json"]);
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    let listed: Value = serde_json::from_slice(&written.stdout).unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(RULE_FINDINGS.len()));

    let inputs = [shared_dir().join("corpus/evtx"), workspace_root().join("tests/fixtures/fleet")];
    let events_file = dir.0.join("events.json");
    std::fs::write(&events_file, serde_json::to_vec(&flat_events(&inputs)).unwrap()).unwrap();

    let python = workspace_root().join("target/sigma-venv/bin/python");
    assert!(python.is_file(), "{} is missing: scripts/test installs pySigma and its backends there", python.display());
    let checked = Command::new(&python)
        .arg(workspace_root().join("tests/sigma/check_rules.py"))
        .arg(&rules)
        .arg(&events_file)
        .output()
        .unwrap();
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
    let checked: Value = serde_json::from_slice(&checked.stdout).unwrap();
    assert_eq!(checked["issues"], serde_json::json!([]), "pySigma's validators and loader");

    let paths: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    let report: Value = serde_json::from_slice(&actdoc(&["scan", &paths[0], &paths[1], "--json"]).stdout).unwrap();

    let mut matched_any = 0;
    for (file, kinds, event_id, code) in RULE_FINDINGS {
        let rule = &checked["rules"][file];
        for backend in ["lucene", "splunk"] {
            assert!(!rule[backend][0].as_str().unwrap_or_default().is_empty(), "{file}: {backend}");
        }
        let matched: BTreeSet<String> =
            rule["matched"].as_array().unwrap().iter().map(|k| k.as_str().unwrap().to_string()).collect();
        let found: BTreeSet<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| kinds.contains(&f["kind"].as_str().unwrap_or_default()))
            .filter(|f| code.is_none_or(|c| f["code"] == c))
            .flat_map(|f| f["evidence"].as_array().unwrap().iter())
            .filter(|e| e["event_id"] == event_id)
            .map(|e| format!("{}#{}", e["file"].as_str().unwrap(), e["record_id"]))
            .collect();
        assert_eq!(matched, found, "{file}: the rule's matches against the scan's findings");
        matched_any += usize::from(!matched.is_empty());
    }
    // 8233 is in neither the corpus nor the fleet: five of the six rules meet events.
    assert_eq!(matched_any, 5, "rules that met an event of the corpus or the fleet");
}
