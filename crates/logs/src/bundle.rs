//! An `actdoc doctor --bundle` file: one zip per machine with what doctor read there. The event
//! XML and the licence objects inside are the formats the other readers already know (event XML
//! as `EvtRender` writes it, licence objects as PowerShell's `ConvertTo-Json` writes them), so a
//! bundle is read by those readers, never by a parser of its own. A zip is small and its entries
//! are capped, so a zip bomb costs a warning, not the memory of the machine running the scan.

use std::io::{Read, Seek};

use serde::Deserialize;

use crate::event::{RawEvent, ReadWarning};
use crate::paste;
use crate::slmgr::SlmgrReport;
use crate::time::Timestamp;

/// Names of the entries, the layout the README documents.
pub const MANIFEST: &str = "actdoc-bundle.json";
pub const EVENTS: &str = "events.xml";
pub const LICENSING: &str = "licensing.json";
pub const REGISTRY: &str = "registry.json";
pub const CHECKS: &str = "checks.json";
pub const REPORT: &str = "report.json";
/// The version of the layout; a reader refuses a newer one it does not know.
pub const VERSION: u32 = 1;
/// Every zip starts with a local file header.
pub const MAGIC: &[u8] = b"PK\x03\x04";

/// The most a bundle's event XML may hold once unpacked: 10,000 events of a few KiB each.
const MAX_EVENTS_BYTES: u64 = 64 * 1024 * 1024;
/// Licence objects and the manifest are kilobytes.
const MAX_SMALL_BYTES: u64 = 16 * 1024 * 1024;

/// The manifest fields a reader needs; the rest is for people.
#[derive(Debug, Default, Deserialize)]
struct Manifest {
    bundle: u32,
    #[serde(default)]
    computer: String,
    #[serde(default)]
    collected_at: Option<String>,
}

/// One live check as a bundle keeps it (`checks.json`): the probe's finding (`tcp_timed_out`, …),
/// `pass`/`warn`/`fail`, what was checked, what was seen, and the codes it explains.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct CheckRecord {
    pub finding: String,
    pub status: String,
    pub subject: String,
    pub evidence: String,
    #[serde(default)]
    pub explains: Vec<String>,
}

impl CheckRecord {
    /// The checks of a bundle's `checks.json`; `None` when it is not a list of checks.
    pub fn list(value: &serde_json::Value) -> Option<Vec<CheckRecord>> {
        Vec::<CheckRecord>::deserialize(value).ok()
    }

    pub fn failed(&self) -> bool {
        self.status == "fail"
    }
}

/// What a bundle held.
#[derive(Debug, Default)]
pub struct BundleRead {
    /// The machine's name as doctor saw it.
    pub computer: String,
    pub collected_at: Option<Timestamp>,
    pub events: Vec<RawEvent>,
    /// The licence objects, read as PowerShell's objects are.
    pub licensing: Option<SlmgrReport>,
    /// The entries doctor reads back for its own view (the manifest, `registry.json`,
    /// `checks.json`), as JSON; the scan does not use them.
    pub manifest: serde_json::Value,
    pub registry: Option<serde_json::Value>,
    pub checks: Option<serde_json::Value>,
    pub warnings: Vec<ReadWarning>,
}

/// Reads a bundle from any seekable source; `file` names it in warnings and in the events' origin
/// (`FILE!events.xml`). Damage in one entry is a warning; the other entries are still read.
pub fn read<R: Read + Seek>(source: R, file: &str) -> Result<BundleRead, String> {
    let mut zip = zip::ZipArchive::new(source).map_err(|e| format!("not a readable zip file: {e}"))?;
    let manifest_bytes = entry(&mut zip, MANIFEST, MAX_SMALL_BYTES).map_err(|e| match e {
        EntryError::Missing => {
            format!("a zip without {MANIFEST} is not an actdoc bundle: unpack it and scan the folder")
        }
        other => other.to_string(),
    })?;
    let manifest_json: serde_json::Value =
        serde_json::from_slice(&manifest_bytes).map_err(|e| format!("{MANIFEST}: not JSON: {e}"))?;
    let manifest =
        Manifest::deserialize(&manifest_json).map_err(|e| format!("{MANIFEST}: not a bundle manifest: {e}"))?;
    if manifest.bundle == 0 || manifest.bundle > VERSION {
        return Err(format!(
            "{MANIFEST}: bundle layout {} is not one this actdoc reads (1 to {VERSION}); update actdoc",
            manifest.bundle
        ));
    }
    let collected_at = manifest.collected_at.as_deref().and_then(Timestamp::parse_rfc3339);
    let mut read =
        BundleRead { computer: manifest.computer, collected_at, manifest: manifest_json, ..BundleRead::default() };
    let warn = |warnings: &mut Vec<ReadWarning>, name: &str, message: String| {
        warnings.push(ReadWarning { file: format!("{file}!{name}"), offset: None, message });
    };

    match entry(&mut zip, EVENTS, MAX_EVENTS_BYTES) {
        Ok(bytes) => {
            let origin = format!("{file}!{EVENTS}");
            let warnings = crate::xml::read_events(bytes.as_slice(), &origin, |e| read.events.push(e));
            read.warnings.extend(warnings);
        }
        // Doctor writes no events file when it could not read the event log; its manifest says why.
        Err(EntryError::Missing) => {}
        Err(e) => warn(&mut read.warnings, EVENTS, e.to_string()),
    }
    match entry(&mut zip, LICENSING, MAX_SMALL_BYTES) {
        Ok(bytes) => {
            read.licensing =
                paste::read_powershell_bytes(&bytes).map(|report| SlmgrReport { printed_at: collected_at, ..report });
            if read.licensing.is_none() {
                let message = "no licence objects in it (expected a JSON array of WMI objects)".into();
                warn(&mut read.warnings, LICENSING, message);
            }
        }
        Err(EntryError::Missing) => {}
        Err(e) => warn(&mut read.warnings, LICENSING, e.to_string()),
    }
    read.registry = json_entry(&mut zip, REGISTRY, &mut |name, message| warn(&mut read.warnings, name, message));
    read.checks = json_entry(&mut zip, CHECKS, &mut |name, message| warn(&mut read.warnings, name, message));
    Ok(read)
}

/// A JSON entry; absent is `None` without a word, damaged is `None` with a warning.
fn json_entry<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    warn: &mut dyn FnMut(&str, String),
) -> Option<serde_json::Value> {
    match entry(zip, name, MAX_SMALL_BYTES) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| warn(name, format!("not JSON: {e}"))).ok(),
        Err(EntryError::Missing) => None,
        Err(e) => {
            warn(name, e.to_string());
            None
        }
    }
}

#[derive(Debug)]
enum EntryError {
    Missing,
    TooLarge(u64),
    Broken(String),
}

impl std::fmt::Display for EntryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EntryError::Missing => write!(f, "missing"),
            EntryError::TooLarge(limit) => {
                write!(f, "unpacks to more than {} MiB: not read (a damaged or hostile zip)", limit / (1024 * 1024))
            }
            EntryError::Broken(why) => write!(f, "cannot unpack: {why}"),
        }
    }
}

/// One entry, unpacked, at most `limit` bytes: the size the zip declares is not trusted.
fn entry<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str, limit: u64) -> Result<Vec<u8>, EntryError> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Err(EntryError::Missing),
        Err(e) => return Err(EntryError::Broken(e.to_string())),
    };
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| EntryError::Broken(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(EntryError::TooLarge(limit));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in entries {
            writer.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    const MANIFEST_V1: &[u8] = br#"{"bundle":1,"computer":"PC01","collected_at":"2024-05-10T08:00:00Z"}"#;

    #[test]
    fn a_zip_without_a_manifest_is_refused_with_what_to_do() {
        let bytes = zip_of(&[("Application.evtx", b"ElfFile\0")]);
        let err = read(Cursor::new(bytes), "x.zip").unwrap_err();
        assert!(err.contains("not an actdoc bundle") && err.contains("unpack it"), "{err}");
    }

    #[test]
    fn a_newer_layout_is_refused_by_name() {
        let bytes = zip_of(&[(MANIFEST, br#"{"bundle":99}"#)]);
        let err = read(Cursor::new(bytes), "x.zip").unwrap_err();
        assert!(err.contains("bundle layout 99"), "{err}");
    }

    #[test]
    fn not_a_zip_says_so() {
        let err = read(Cursor::new(b"PK\x03\x04garbage".to_vec()), "x.zip").unwrap_err();
        assert!(err.starts_with("not a readable zip file"), "{err}");
    }

    #[test]
    fn a_broken_entry_is_a_warning_and_the_others_are_read() {
        let licensing = br#"[{"Name":"Windows(R), ServerStandard edition","LicenseStatus":1,"PartialProductKey":"WMDGN","PSComputerName":"PC01"}]"#;
        let bytes = zip_of(&[(MANIFEST, MANIFEST_V1), (EVENTS, b"<Event><System><Provider"), (LICENSING, licensing)]);
        let read = read(Cursor::new(bytes), "PC01.zip").unwrap();
        assert_eq!(read.computer, "PC01");
        assert_eq!(read.collected_at.map(|t| t.to_string()).as_deref(), Some("2024-05-10T08:00:00Z"));
        let licensing = read.licensing.unwrap();
        assert_eq!(licensing.products.len(), 1);
        assert_eq!(licensing.printed_at, read.collected_at);
        assert!(read.events.is_empty());
        assert_eq!(read.warnings.len(), 1, "{:?}", read.warnings);
        assert!(read.warnings[0].file.ends_with("PC01.zip!events.xml"), "{:?}", read.warnings);
    }

    #[test]
    fn a_json_entry_that_is_not_json_is_a_warning_by_name() {
        let bytes = zip_of(&[(MANIFEST, MANIFEST_V1), (CHECKS, b"[{oops"), (REGISTRY, b"{}")]);
        let read = read(Cursor::new(bytes), "PC01.zip").unwrap();
        assert!(read.checks.is_none());
        assert_eq!(read.registry, Some(serde_json::json!({})));
        assert_eq!(read.warnings.len(), 1, "{:?}", read.warnings);
        assert!(read.warnings[0].file.ends_with("PC01.zip!checks.json"), "{:?}", read.warnings);
        assert!(read.warnings[0].message.starts_with("not JSON"), "{:?}", read.warnings);
    }

    #[test]
    fn an_entry_that_unpacks_past_its_cap_is_not_read() {
        // Deflate packs 17 MiB of spaces into a few KiB: the declared size is not what is trusted.
        let big = vec![b' '; usize::try_from(MAX_SMALL_BYTES + 1).unwrap()];
        let bytes = zip_of(&[(MANIFEST, MANIFEST_V1), (LICENSING, &big)]);
        assert!(bytes.len() < 1024 * 1024);
        let read = read(Cursor::new(bytes), "bomb.zip").unwrap();
        assert!(read.licensing.is_none());
        assert!(read.warnings[0].message.contains("more than 16 MiB"), "{:?}", read.warnings);
    }
}
