//! EVTX files through the `evtx` crate (full-parse mode): every record is rendered to XML and the
//! ones that can be ours are read by the event XML parser. Wrapped here so the rest of the crate
//! never sees the crate's types, which change between minor versions.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use evtx::{EvtxChunkData, EvtxParser, ParserSettings};

use crate::decode::{KMS_CHANNEL, OUR_PROVIDERS, is_wanted_id};
use crate::event::{RawEvent, ReadWarning};
use crate::selector::{CHUNK_SIZE, Classified, select_chunk};
use crate::xml::parse_event;

const FILE_HEADER: usize = 4096;

/// How EVTX files are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Select records from the raw chunks and render only those (fast).
    #[default]
    Selector,
    /// Render every record through the evtx crate (the reference the selector is tested against).
    FullParse,
}

/// The first bytes of every EVTX file.
pub const MAGIC: &[u8; 8] = b"ElfFile\0";

/// Substrings one of which every record we care about (or warn about) contains once rendered.
const INTERESTING: [&str; 4] = ["Security-SPP", "Key Management Service", "KmsRequests", "Security-Licensing-SLC"];

/// Reads `path` in `mode`, calling `on_event` for each record that may be an activation event.
/// Returns the number of records read and the warnings (unreadable file, corrupt records).
pub fn read(mode: Mode, path: &Path, file_label: &str, on_event: impl FnMut(RawEvent)) -> (u64, Vec<ReadWarning>) {
    match mode {
        Mode::Selector => read_selected(path, file_label, on_event),
        Mode::FullParse => read_full(path, file_label, on_event),
    }
}

/// Could this record be one we use or warn about? A superset: unknowns say yes.
fn might_be_ours(c: &Classified) -> bool {
    let kms_channel = c.channel.as_deref().is_none_or(|ch| ch == KMS_CHANNEL);
    let provider = c.provider.as_deref().is_none_or(|p| OUR_PROVIDERS.contains(&p))
        || c.event_source_name
            .as_deref()
            .is_none_or(|s| s == "Software Protection Platform Service" || s == "KmsRequests");
    kms_channel || (provider && c.event_id.is_none_or(is_wanted_id))
}

fn read_selected(path: &Path, file_label: &str, mut on_event: impl FnMut(RawEvent)) -> (u64, Vec<ReadWarning>) {
    let warn = |offset: Option<u64>, message: String| ReadWarning { file: file_label.to_string(), offset, message };
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return (0, vec![warn(None, format!("cannot open: {e}"))]),
    };
    let mut header = vec![0u8; FILE_HEADER];
    if let Err(e) = file.read_exact(&mut header) {
        return (0, vec![warn(Some(0), format!("not a readable EVTX file: too short for a file header ({e})"))]);
    }
    if !header.starts_with(MAGIC) {
        return (0, vec![warn(Some(0), "not a readable EVTX file: wrong signature".into())]);
    }
    let settings = Arc::new(ParserSettings::new().num_threads(1));
    let mut warnings = Vec::new();
    let mut records = 0u64;
    let mut chunk = vec![0u8; CHUNK_SIZE];
    let mut offset = FILE_HEADER as u64;
    loop {
        let filled = read_up_to(&mut file, &mut chunk);
        if filled < CHUNK_SIZE {
            if filled > 0 {
                warnings.push(warn(
                    Some(offset),
                    format!("file ends inside a chunk ({filled} of {CHUNK_SIZE} bytes); that chunk is skipped"),
                ));
            }
            break;
        }
        if !chunk.starts_with(b"ElfChnk\0") {
            offset += CHUNK_SIZE as u64;
            continue;
        }
        let selection = select_chunk(&chunk, might_be_ours);
        if selection.render_all || !selection.wanted.is_empty() {
            let wanted: HashSet<u64> = selection.wanted.iter().copied().collect();
            let rendered = render_chunk(
                &chunk,
                offset,
                &settings,
                |id| selection.render_all || wanted.contains(&id),
                file_label,
                &mut on_event,
                &mut warnings,
            );
            records += if selection.render_all { rendered } else { selection.records };
        } else {
            records += selection.records;
        }
        offset += CHUNK_SIZE as u64;
    }
    (records, warnings)
}

fn read_up_to(file: &mut std::fs::File, buf: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    filled
}

/// Renders the chosen records of one chunk with the evtx crate; returns how many records the
/// chunk held.
fn render_chunk(
    chunk: &[u8],
    offset: u64,
    settings: &Arc<ParserSettings>,
    chosen: impl Fn(u64) -> bool,
    file_label: &str,
    on_event: &mut impl FnMut(RawEvent),
    warnings: &mut Vec<ReadWarning>,
) -> u64 {
    let warn = |message: String| ReadWarning { file: file_label.to_string(), offset: Some(offset), message };
    let mut data = match EvtxChunkData::new(chunk.to_vec(), false) {
        Ok(d) => d,
        Err(e) => {
            warnings.push(warn(format!("corrupt chunk skipped: {e}")));
            return 0;
        }
    };
    let mut parsed = match data.parse(Arc::clone(settings)) {
        Ok(p) => p,
        Err(e) => {
            warnings.push(warn(format!("corrupt chunk skipped: {e}")));
            return 0;
        }
    };
    let mut count = 0;
    for record in parsed.iter() {
        match record {
            Ok(record) => {
                count += 1;
                if !chosen(record.event_record_id) {
                    continue;
                }
                let id = record.event_record_id;
                match record.into_xml() {
                    Ok(xml) => deliver(&xml.data, id, file_label, on_event, warnings),
                    Err(e) => warnings.push(warn(format!("record {id}: {e}"))),
                }
            }
            Err(e) => warnings.push(warn(format!("corrupt record skipped: {e}"))),
        }
    }
    count
}

/// The step both modes share: the cheap substring test, then the event XML parser.
fn deliver(
    xml: &str,
    record_id: u64,
    file_label: &str,
    on_event: &mut impl FnMut(RawEvent),
    warnings: &mut Vec<ReadWarning>,
) {
    if !INTERESTING.iter().any(|s| xml.contains(s)) {
        return;
    }
    match parse_event(xml.as_bytes(), file_label, 0) {
        Ok(mut event) => {
            event.origin.offset = None;
            event.record_id = event.record_id.or(Some(record_id));
            on_event(event);
        }
        Err(message) => warnings.push(ReadWarning {
            file: file_label.to_string(),
            offset: None,
            message: format!("record {record_id}: {message}"),
        }),
    }
}

/// Full-parse mode: every record rendered by the evtx crate.
fn read_full(path: &Path, file_label: &str, mut on_event: impl FnMut(RawEvent)) -> (u64, Vec<ReadWarning>) {
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
                deliver(&record.data, record.event_record_id, file_label, &mut on_event, &mut warnings);
            }
            Err(e) => warnings.push(warn(None, format!("corrupt record skipped: {e}"))),
        }
    }
    (records, warnings)
}
