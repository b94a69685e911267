//! Shared by test suites only. Finds the project's `shared/` data (the source article, reference
//! tables, the EVTX corpus) through the workspace root or `ACTDOC_SHARED`, never through the
//! current directory, and fails loudly when it is missing: a test that silently skips would hide it.
//! Also starts the real servers integration tests talk to (`servers`).
// Failing loudly is this crate's job: a missing server or file must stop the test.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

/// The workspace root (the directory holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    // This crate lives at <root>/crates/test-support.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `shared/` directory beside the workspace, or `$ACTDOC_SHARED`.
///
/// # Panics
/// When the directory is missing: tests that need it must not pass without it.
pub fn shared_dir() -> PathBuf {
    let dir = std::env::var_os("ACTDOC_SHARED").map_or_else(|| workspace_root().join("../shared"), PathBuf::from);
    assert!(
        dir.join("seed").is_dir(),
        "the shared data directory was not found at {} (expected seed/, reference/, corpus/). \
         Clone the project beside shared/ or set ACTDOC_SHARED to its path.",
        dir.display()
    );
    dir
}

/// Reads a file under `shared/`, panicking with its path when it cannot.
pub fn read_shared(relative: &str) -> String {
    let path = shared_dir().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

pub mod servers;
