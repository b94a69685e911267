//! `actdoc export wef` as a collector's admin uses it: two whole subscription documents, and each
//! one's XPath, run by a real XPath engine (lxml, as Windows evaluates it: the event namespace
//! stripped) over every record of every corpus EVTX file, selects exactly the events the scan
//! uses — no fewer and no others.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

use actdoc_logs::decode::{Interner, decode, is_ours, is_wanted_id};
use actdoc_test_support::servers::TempDir;
use actdoc_test_support::{shared_dir, workspace_root};
use serde_json::Value;

fn actdoc(args: &[&str]) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin("actdoc")).args(args).env("NO_COLOR", "1").output().unwrap()
}

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
