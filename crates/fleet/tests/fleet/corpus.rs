//! Per-file assertions on the real logs in `shared/corpus/evtx/` (read from there, never copied
//! into the project), the made-up fleet in `tests/fixtures/fleet/` (12290 has no public sample),
//! and damaged inputs: a corrupt file is a warning and never hides the good records around it.

use std::path::{Path, PathBuf};

use actdoc_core::{Kb, Lang, Products};
use actdoc_fleet::{Options, analyse};
use actdoc_logs::decode::ActivationEvent;
use actdoc_logs::scan::{Collected, Format, Progress, ScanOptions, scan};
use actdoc_report::Report;
use actdoc_report::model::MachineState;
use actdoc_test_support::servers::TempDir;
use actdoc_test_support::{shared_dir, workspace_root};

fn corpus(name: &str) -> PathBuf {
    let path = shared_dir().join("corpus/evtx").join(name);
    assert!(path.is_file(), "{} is missing from the shared corpus", path.display());
    path
}

fn collect(paths: &[PathBuf]) -> Collected {
    scan(paths, &ScanOptions::default(), &Progress::default())
}

fn options(as_of: Option<&str>) -> Options<'static> {
    Options {
        kb: Kb::embedded().unwrap(),
        products: Products::embedded().unwrap(),
        lang: Lang::En,
        as_of: as_of.and_then(actdoc_logs::time::Timestamp::parse_rfc3339),
        generated_by: "test".into(),
    }
}

fn report(collected: &Collected) -> Report {
    analyse(collected, &options(None))
}

fn codes(report: &Report) -> Vec<String> {
    report.findings.iter().filter_map(|f| f.code.clone()).collect()
}

#[test]
fn anotherc0ne_one_renamed_machine_activated_by_the_aws_kms_host() {
    let r = report(&collect(&[corpus("anotherc0ne__EventLog__Application.evtx")]));
    assert_eq!(r.machines.len(), 1, "one machine, renamed after joining a domain: {:#?}", r.machines);
    let m = &r.machines[0];
    assert_eq!(m.cmid.as_deref(), Some("d02f0758-43f9-4809-9821-e84edb810cbe"));
    let host = m.kms_host.as_deref().unwrap();
    assert!(host.starts_with("169.254.169.25") && host.ends_with(":1688"), "{host}");
    assert_eq!(m.state, MachineState::Activated);
    assert_eq!(m.last_error, None);
    assert_eq!(m.also_named.len(), 1);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert!(r.kms_hosts.is_empty());
    assert_eq!(r.sources[0].format, "evtx");
    assert!(r.sources[0].records > 800);
}

#[test]
fn fukusuket_8198_failures_with_0x803f7001_and_0x80072ee7() {
    let r = report(&collect(&[corpus("fukusuket__evtx-parser__samples__Application.evtx")]));
    assert_eq!(r.machines.len(), 1);
    assert_eq!(r.machines[0].state, MachineState::Failing);
    let found = codes(&r);
    assert!(found.contains(&"0x803F7001".to_string()) && found.contains(&"0x80072EE7".to_string()), "{found:?}");
    assert!(r.findings.iter().all(|f| f.evidence.iter().all(|e| e.event_id == Some(8198))));
    assert!(r.findings[0].explanation.len() > 40, "explained from the knowledge base");
}

#[test]
fn the_empty_kms_host_log_gives_no_host() {
    let c = collect(&[corpus("fukusuket__evtx-parser__samples__Key_Management_Service.evtx")]);
    let r = report(&c);
    assert!(r.kms_hosts.is_empty() && r.machines.is_empty());
    assert_eq!(c.sources[0].format, Format::Evtx);
    assert_eq!(c.sources[0].records, 0);
}

#[test]
fn a_fake_event_in_the_kms_channel_is_skipped_with_a_warning() {
    let c = collect(&[corpus(
        "Yamato-Security__hayabusa-sample-evtx__YamatoSecurity__Persistence__SharpEventPersistHiddenShellcode.evtx",
    )]);
    let r = report(&c);
    assert!(r.kms_hosts.is_empty());
    assert!(r.findings.iter().all(|f| f.evidence.iter().all(|e| e.event_id != Some(12290))));
    let warning = r.warnings.iter().find(|w| w.message.contains("Persistence")).expect("a warning names the provider");
    assert!(warning.message.contains("1337"), "{}", warning.message);
}

/// Every failure code the corpus's activation events hold is explained by a curated entry.
#[test]
fn every_code_in_the_corpus_is_curated() {
    let c = collect(&[shared_dir().join("corpus/evtx")]);
    let kb = Kb::embedded().unwrap();
    let mut seen = Vec::new();
    for e in &c.events {
        let code = match &e.decoded {
            ActivationEvent::KmsRequest(r) => Some(r.hresult),
            ActivationEvent::SlUiFailed { hresult, .. } | ActivationEvent::VlFailed { hresult, .. } => Some(*hresult),
            ActivationEvent::StateData(s) => s.last_consumption_reason,
            _ => None,
        };
        if let Some(code) = code.filter(|c| *c != 0) {
            seen.push(code);
        }
    }
    seen.sort_unstable();
    seen.dedup();
    assert!(seen.len() >= 5, "{seen:x?}");
    for code in seen {
        assert!(kb.get(code).is_some(), "{code:#010X} appears in the corpus but is not curated");
    }
}

fn fleet() -> Report {
    report(&collect(&[workspace_root().join("tests/fixtures/fleet")]))
}

#[test]
fn fleet_kms_host_count_is_under_its_threshold() {
    let r = fleet();
    assert_eq!(r.kms_hosts.len(), 1);
    let h = &r.kms_hosts[0];
    assert_eq!((h.host.as_str(), h.clients_30d, h.servers_30d, h.threshold), ("KMS01.contoso.test", 13, 1, 25));
    assert_eq!((h.requests.total, h.requests.ok, h.requests.failed), (17, 16, 1));
    assert_eq!(h.failing_clients, ["PC-SKEW.contoso.test"]);
    assert_eq!(h.dns_publishing_failures, 1);
    assert_eq!(h.reported_count, Some(12));
    assert!(
        r.findings.iter().any(|f| f.kind == "kms_count_below_threshold" && f.code.as_deref() == Some("0xC004F038"))
    );
    assert!(r.findings.iter().any(|f| f.kind == "dns_publishing_failed" && f.code.as_deref() == Some("0x80072338")));
}

#[test]
fn fleet_as_of_moves_the_30_day_window() {
    let r = analyse(&collect(&[workspace_root().join("tests/fixtures/fleet")]), &options(Some("2024-06-10T00:00:00Z")));
    // Only requests after 2024-05-11 remain: PC11's (05-12) and PC00's last one (05-16).
    assert_eq!(r.kms_hosts[0].clients_30d, 2);
    assert_eq!(r.kms_hosts[0].window_end.map(|t| t.to_string()).as_deref(), Some("2024-06-10T00:00:00Z"));
}

#[test]
fn fleet_clones_share_a_cmid() {
    let r = fleet();
    let f = r.findings.iter().find(|f| f.kind == "cloned_cmid").expect("cloned CMID found");
    assert!(f.title.contains("PC-A.contoso.test") && f.title.contains("PC-B.contoso.test"));
    assert!(f.explanation.contains("sysprep"));
    let a = r.machines.iter().find(|m| m.machine == "PC-A.contoso.test").unwrap();
    // Its host answered "not activated" with a count of 12 (NOT_ENOUGH_COUNT): grace, not activated.
    assert_eq!(a.state, MachineState::Grace);
    assert!(a.cloned_cmid);
    assert!(!a.findings.is_empty(), "the machine row points at the finding");
}

#[test]
fn fleet_the_real_error_behind_0xc004f074_is_the_skew() {
    let r = fleet();
    let m = r.machines.iter().find(|m| m.machine == "PC-SKEW.contoso.test").unwrap();
    assert_eq!(m.state, MachineState::Failing);
    assert_eq!(m.last_error.as_ref().map(|e| e.code.as_ref()), Some("0xC004F06C"));
    let f = r.findings.iter().find(|f| f.machine.as_deref() == Some("PC-SKEW.contoso.test")).unwrap();
    assert!(f.title.contains("0xC004F074"), "says what slmgr showed: {}", f.title);
    assert!(f.evidence.iter().any(|e| e.event_id == Some(12288)));
}

#[test]
fn fleet_the_host_never_saw_only_when_its_log_covers_the_time() {
    let r = fleet();
    let not_seen: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.kind == "request_not_seen_by_host")
        .filter_map(|f| f.machine.as_deref())
        .collect();
    assert_eq!(not_seen, ["PC-LOST.contoso.test"], "PC-OLD's request predates the host log: unknown, not 'never seen'");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn damaged_files_are_warnings_and_the_rest_is_still_read() {
    let dir = TempDir::new("damaged");
    let good = std::fs::read(corpus("fukusuket__evtx-parser__samples__Application.evtx")).unwrap();
    let truncated = write(&dir.0, "truncated.evtx", &good[..good.len() / 3]);
    let mut flipped_bytes = good.clone();
    for i in (5000..flipped_bytes.len()).step_by(997) {
        flipped_bytes[i] ^= 0x5A;
    }
    let flipped = write(&dir.0, "bitflipped.evtx", &flipped_bytes);
    let empty = write(&dir.0, "empty.evtx", b"");
    let mut wrong = good.clone();
    wrong[..8].copy_from_slice(b"NotAFile");
    let wrong_magic = write(&dir.0, "wrong-magic.evtx", &wrong);
    let junk = write(&dir.0, "notes.txt", &[0x89, b'P', b'N', b'G', 0, 0, 0xFF, 0xFE, 0x13, 0x37, 0, 1, 2, 3]);
    let broken_xml = write(
        &dir.0,
        "broken.xml",
        b"<Events><Event><System><EventID>12288</EventID><Provider Name='Microsoft-Windows-Security-SPP'/>",
    );
    let good_copy = corpus("anotherc0ne__EventLog__Application.evtx");

    let c = collect(&[truncated, flipped, empty, wrong_magic, junk, broken_xml, good_copy]);
    let r = report(&c);
    assert_eq!(c.sources.len(), 7);
    assert!(
        r.machines.iter().any(|m| m.cmid.as_deref() == Some("d02f0758-43f9-4809-9821-e84edb810cbe")),
        "the good file is still read"
    );
    assert!(r.machines.iter().any(|m| m.machine == "FUKUSUKE16E9"), "records before the damage are kept");
    for name in ["empty.evtx", "wrong-magic.evtx", "notes.txt", "broken.xml"] {
        assert!(r.warnings.iter().any(|w| w.file.ends_with(name)), "no warning for {name}: {:#?}", r.warnings);
    }
    let junk_warning = r.warnings.iter().find(|w| w.file.ends_with("notes.txt")).unwrap();
    assert!(junk_warning.offset.is_some());
}

#[test]
fn slmgr_output_in_utf16_and_gbk_becomes_machines() {
    let r = report(&collect(&[workspace_root().join("tests/fixtures/slmgr")]));
    assert!(r.sources.iter().all(|s| s.format == "slmgr_text"), "{:#?}", r.sources);
    let ws01 = r.machines.iter().find(|m| m.machine == "ws01").unwrap();
    assert_eq!(ws01.state, MachineState::Failing);
    assert_eq!(ws01.kms_host.as_deref(), Some("kms.corp.example:1688"));
    assert_eq!(ws01.kms_host_source.as_deref(), Some("registered"));
    assert_eq!(ws01.cmid.as_deref(), Some("9b2d1c1e-77a4-4bd6-9a3f-0c5e2f1d8a11"));
    assert_eq!(ws01.last_error.as_ref().map(|e| e.code.as_ref()), Some("0xC004F074"));
    let evidence = &r.findings[ws01.findings[0]].evidence[0];
    assert_eq!((evidence.line, evidence.record_id), (Some(20), None), "text evidence names the line");
    let ws02 = r.machines.iter().find(|m| m.machine == "ws02").unwrap();
    assert_eq!(ws02.state, MachineState::Activated);
    assert_eq!((ws02.kms_host_source.as_deref(), ws02.days_left), (Some("dns"), Some(180)));
}
