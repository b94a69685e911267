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
