//! What a scan meets on a real disk besides logs: pipes, devices, links, huge "text". Each is a
//! clear warning; none blocks the scan or fills memory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use actdoc_logs::scan::{Collected, Format, Progress, ScanOptions, scan};
use actdoc_test_support::servers::TempDir;

fn collect(paths: &[PathBuf]) -> Collected {
    scan(paths, &ScanOptions::default(), &Progress::default())
}

#[cfg(unix)]
const SLMGR: &str = "Name: Windows(R), Enterprise edition\nLicense Status: Licensed\nPartial Product Key: W269N\n";

/// Regression: a FIFO named on the command line blocked the scan for 120 s, and /dev/zero was read
/// until memory ran out.
#[cfg(unix)]
#[test]
fn pipes_and_devices_are_refused_at_once() {
    let dir = TempDir::new("fifo");
    let fifo = dir.0.join("pipe.txt");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let started = std::time::Instant::now();
    let c = collect(&[fifo.clone(), PathBuf::from("/dev/zero")]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
    assert!(c.sources.is_empty());
    assert_eq!(c.warnings.len(), 2, "{:#?}", c.warnings);
    assert!(c.warnings.iter().all(|w| w.message.contains("not a regular file")));
    // Inside a scanned folder too.
    let c = collect(std::slice::from_ref(&dir.0));
    assert!(c.warnings.iter().any(|w| w.file.ends_with("pipe.txt") && w.message.contains("not a regular file")));
}

/// Regression: links inside a scanned folder were skipped without a word.
#[cfg(unix)]
#[test]
fn links_to_files_are_read_and_links_to_folders_are_said() {
    let dir = TempDir::new("links");
    let target = dir.0.join("real.txt");
    std::fs::write(&target, SLMGR).unwrap();
    let folder = dir.0.join("pc01");
    std::fs::create_dir(&folder).unwrap();
    std::os::unix::fs::symlink(&target, folder.join("slmgr.txt")).unwrap();
    std::os::unix::fs::symlink(&dir.0, folder.join("loop")).unwrap();
    let c = collect(std::slice::from_ref(&folder));
    assert_eq!(c.sources.len(), 1, "{:#?}", c.sources);
    assert_eq!(c.sources[0].format, Format::Text(actdoc_logs::paste::TextKind::Slmgr));
    assert!(c.warnings.iter().any(|w| w.file.ends_with("loop") && w.message.contains("not followed")));
}

/// Regression: a 200 MB text took 800 MB of memory; text is kilobytes.
#[test]
fn a_huge_text_file_is_not_read_as_text() {
    let dir = TempDir::new("huge");
    let huge = dir.0.join("huge.txt");
    std::fs::write(&huge, "x".repeat(17 * 1024 * 1024)).unwrap();
    let c = collect(std::slice::from_ref(&huge));
    assert_eq!(c.sources[0].format, Format::Unreadable);
    assert!(c.warnings[0].message.contains("MiB"), "{:?}", c.warnings);
}

fn event(id: u16, time: Option<&str>, record: u64, channel: &str, data: &str) -> String {
    let time = time.map(|t| format!("<TimeCreated SystemTime='{t}'/>")).unwrap_or_default();
    let provider = if id == 12290 { "KmsRequests" } else { "Microsoft-Windows-Security-SPP" };
    format!(
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='{provider}'/>\
         <EventID>{id}</EventID>{time}<EventRecordID>{record}</EventRecordID><Channel>{channel}</Channel>\
         <Computer>PC1</Computer></System><EventData><Data>{data}</Data></EventData></Event>\n"
    )
}

const REQUEST: &str = "0xC004F06C, 0x00000000, kms01:1688, cccccccc-0000-4000-8000-000000000001, 2024/05/10 06:00, 0, 2, 43200, 73111121-5638-40f6-bc11-f1d7b0d64300, 25";
const HOST: &str = "0xC004F06C, 25, PC1, cccccccc-0000-4000-8000-000000000001, 2024/05/10 06:00, 0, 2, 43200, 73111121-5638-40f6-bc11-f1d7b0d64300";

#[test]
fn a_window_keeps_its_edges_untimed_events_and_a_hosts_context() {
    let dir = TempDir::new("window");
    let mut xml = String::new();
    for (record, time) in [
        (1, Some("2024-05-09T23:59:59Z")),
        (2, Some("2024-05-10T00:00:00Z")),
        (3, Some("2024-05-20T23:59:59Z")),
        (4, Some("2024-05-21T00:00:00Z")),
        (5, None),
    ] {
        xml.push_str(&event(12288, time, record, "Application", REQUEST));
    }
    xml.push_str(&event(12290, Some("2024-04-20T00:00:00Z"), 6, "Key Management Service", HOST));
    xml.push_str(&event(12290, Some("2024-03-01T00:00:00Z"), 7, "Key Management Service", HOST));
    let file = dir.0.join("events.xml");
    std::fs::write(&file, xml).unwrap();
    let mut c = collect(std::slice::from_ref(&file));
    assert_eq!(c.events.len(), 7);
    let since = actdoc_logs::time::Timestamp::parse_rfc3339("2024-05-10T00:00:00Z");
    let until = actdoc_logs::time::Timestamp::parse_rfc3339("2024-05-20T23:59:59Z");
    let context = actdoc_logs::scan::HostContext { before: 30 * 86_400, after: 0 };
    c.keep_window(since, until, context);
    let kept: Vec<u64> = c.events.iter().filter_map(|e| e.record_id).collect();
    assert_eq!(
        kept,
        [2, 3, 5, 6],
        "the edges are inside, an untimed event stays, a host's request 20 days before is context"
    );
    assert_eq!(c.sources[0].outside_window, 3);
    assert_eq!(c.sources[0].hits, 4);
}

/// Regression (review): a Winlogbeat document whose `winlog` comes after 4 KiB of other fields
/// was read as text and lost; a UTF-16 file of such lines (PowerShell's `>`) was read as UTF-8.
#[test]
fn shipper_lines_are_recognised_past_the_first_4_kib_and_in_utf16() {
    let dir = TempDir::new("shipper");
    let xml = event(12288, Some("2024-05-10T11:00:00Z"), 20, "Application", REQUEST);
    let line = serde_json::json!({"message": "x".repeat(5000), "event": {"original": xml.trim()}, "winlog": {"event_id": "12288"}})
        .to_string();
    let late = dir.0.join("late.ndjson");
    std::fs::write(&late, format!("{line}\n{line}\n")).unwrap();
    let utf16 = dir.0.join("utf16.ndjson");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(format!("{line}\r\n").encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&utf16, bytes).unwrap();
    let c = collect(&[late, utf16]);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let formats: Vec<&str> = c.sources.iter().map(|s| s.format.id()).collect();
    assert_eq!(formats, ["winlogbeat", "winlogbeat"]);
    assert_eq!(c.events.len(), 3);
}
