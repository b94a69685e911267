//! The workspace denies `unsafe` (not forbids, so one module can allow it): the Windows Event Log
//! API in `crates/doctor/src/windows/event_log.rs`. This keeps it the only one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("target") {
                rust_files(&path, files);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn only_the_event_log_module_allows_unsafe_code() {
    let root = actdoc_test_support::workspace_root();
    let allowed = root.join("crates/doctor/src/windows/event_log.rs");
    let mut files = Vec::new();
    for dir in ["crates", "xtask", "fuzz"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "the workspace's sources were found: {}", files.len());
    let allow = ["allow", "(unsafe_code)"].concat();
    let block = ["unsafe", " {"].concat();
    let offenders: Vec<_> = files
        .iter()
        .filter(|f| **f != allowed)
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            text.contains(&allow) || text.contains(&block)
        })
        .collect();
    assert!(offenders.is_empty(), "unsafe code outside {}: {offenders:?}", allowed.display());
    assert!(std::fs::read_to_string(&allowed).unwrap().contains(&allow));
}
