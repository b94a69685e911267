//! EVTX files through the `evtx` crate (full-parse mode): every record is rendered to XML and the
//! ones that can be ours are read by the event XML parser. Wrapped here so the rest of the crate
//! never sees the crate's types, which change between minor versions.

use std::path::Path;

use evtx::{EvtxParser, ParserSettings};

use crate::event::{RawEvent, ReadWarning};
use crate::xml::parse_event;

/// The first bytes of every EVTX file.
pub const MAGIC: &[u8; 8] = b"ElfFile\0";

/// Substrings one of which every record we care about (or warn about) contains once rendered.
const INTERESTING: [&str; 4] = ["Security-SPP", "Key Management Service", "KmsRequests", "Security-Licensing-SLC"];

/// Reads `path`, calling `on_event` for each record that may be an activation event. Returns the
/// number of records read and the warnings (unreadable file, corrupt records).
pub fn read_full(path: &Path, file_label: &str, mut on_event: impl FnMut(RawEvent)) -> (u64, Vec<ReadWarning>) {
    let mut warnings = Vec::new();
    let warn = |offset: Option<u64>, message: String| ReadWarning { file: file_label.to_string(), offset, message };
    let parser = match EvtxParser::from_path(path) {
        Ok(p) => p,
        Err(e) => return (0, vec![warn(Some(0), format!("not a readable EVTX file: {e}"))]),
    };
    let mut parser = parser.with_configuration(ParserSettings::new().num_threads(1));
    let mut records = 0u64;
    for record in parser.records() {
        match record {
            Ok(record) => {
                records += 1;
                if !INTERESTING.iter().any(|s| record.data.contains(s)) {
                    continue;
                }
                match parse_event(record.data.as_bytes(), file_label, 0) {
                    Ok(mut event) => {
                        event.origin.offset = None;
                        event.record_id = event.record_id.or(Some(record.event_record_id));
                        on_event(event);
                    }
                    Err(message) => warnings.push(warn(None, format!("record {}: {message}", record.event_record_id))),
                }
            }
            Err(e) => warnings.push(warn(None, format!("corrupt record skipped: {e}"))),
        }
    }
    (records, warnings)
}
