//! EVTX files, chunk by chunk in file order: the selector picks the records that can be ours and
//! the `evtx` crate renders them (full-parse mode: every record) to XML for the event XML parser. Wrapped here so the rest of the crate
//! never sees the crate's types, which change between minor versions.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use evtx::{EvtxChunkData, ParserSettings};

use crate::decode::{KMS_CHANNEL, OUR_EVENT_SOURCES, OUR_PROVIDERS, is_wanted_id};
use crate::event::{Origin, RawEvent, ReadWarning};
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
    read_file_chunks(mode, path, file_label, on_event)
}

/// Could this record be one we use or warn about? A superset: unknowns say yes.
fn might_be_ours(c: &Classified<'_>) -> bool {
    let kms_channel = c.channel.is(KMS_CHANNEL).unwrap_or(true);
    let provider = c.provider.is_any(&OUR_PROVIDERS).unwrap_or(true)
        || c.event_source_name.is_any(&OUR_EVENT_SOURCES).unwrap_or(true);
    kms_channel || (provider && c.event_id.is_none_or(is_wanted_id))
}

/// Both modes walk the chunks in file order and check each one the same way (size, signature,
/// CRCs), so they agree on damaged files too; they differ only in which records they render.
fn read_file_chunks(
    mode: Mode,
    path: &Path,
    file_label: &str,
    mut on_event: impl FnMut(RawEvent),
) -> (u64, Vec<ReadWarning>) {
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
    let length = file.metadata().map_or(0, |m| m.len());
    let body = length.saturating_sub(FILE_HEADER as u64);
    let chunks = body / CHUNK_SIZE as u64;
    let mut warnings = Vec::new();
    let partial = body % CHUNK_SIZE as u64;
    if partial > 0 {
        let offset = FILE_HEADER as u64 + chunks * CHUNK_SIZE as u64;
        warnings.push(warn(
            Some(offset),
            format!("file ends inside a chunk ({partial} of {CHUNK_SIZE} bytes); that chunk is skipped"),
        ));
    }
    // The header counts the chunks it wrote: fewer in the file means it was cut at a chunk boundary.
    let counted = u64::from(u16::from_le_bytes([header[42], header[43]]));
    if counted > chunks + u64::from(partial > 0) {
        let offset = FILE_HEADER as u64 + chunks * CHUNK_SIZE as u64;
        warnings.push(warn(
            Some(offset),
            format!("the file header counts {counted} chunks but the file holds {chunks}: it was truncated"),
        ));
    }

    // Big files are split into contiguous runs of chunks, one per core; results are put back in
    // file order, so the output does not depend on the scheduling.
    let workers = if chunks >= PARALLEL_FROM_CHUNKS {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8) as u64
    } else {
        1
    };
    let per_worker = chunks.div_ceil(workers.max(1));
    // A small file is read through the handle already open, positioned after the header.
    let runs: Vec<RunResult> = if workers == 1 {
        vec![read_chunks(mode, &mut file, file_label, 0, chunks)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    let (first, last) = (w * per_worker, ((w + 1) * per_worker).min(chunks));
                    scope.spawn(move || read_run(mode, path, file_label, first, last))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| RunResult::crashed(file_label))).collect()
        })
    };
    let mut records = 0;
    for run in runs {
        records += run.records;
        run.events.into_iter().for_each(&mut on_event);
        warnings.extend(run.warnings);
    }
    (records, warnings)
}

/// Files from this many chunks (16 MiB) up are read by several threads.
const PARALLEL_FROM_CHUNKS: u64 = 256;

#[derive(Default)]
struct RunResult {
    records: u64,
    events: Vec<RawEvent>,
    warnings: Vec<ReadWarning>,
}

impl RunResult {
    fn crashed(file_label: &str) -> RunResult {
        let message = "a reader thread crashed on this file; part of it was skipped".to_string();
        RunResult {
            warnings: vec![ReadWarning { file: file_label.to_string(), offset: None, message }],
            ..RunResult::default()
        }
    }
}

/// Selects and renders chunks `first..last` of the file.
fn read_run(mode: Mode, path: &Path, file_label: &str, first: u64, last: u64) -> RunResult {
    use std::io::{Seek, SeekFrom};
    let start = FILE_HEADER as u64 + first * CHUNK_SIZE as u64;
    let opened = std::fs::File::open(path).and_then(|mut f| f.seek(SeekFrom::Start(start)).map(|_| f));
    match opened {
        Ok(mut file) => read_chunks(mode, &mut file, file_label, first, last),
        Err(e) => {
            let message = format!("cannot read: {e}");
            RunResult {
                warnings: vec![ReadWarning { file: file_label.to_string(), offset: Some(start), message }],
                ..RunResult::default()
            }
        }
    }
}

/// Reads chunks `first..last` from `file`, which is positioned at chunk `first`.
fn read_chunks(mode: Mode, file: &mut std::fs::File, file_label: &str, first: u64, last: u64) -> RunResult {
    let mut run = RunResult::default();
    let settings = Arc::new(ParserSettings::new().num_threads(1));
    let mut chunk = vec![0u8; CHUNK_SIZE];
    for index in first..last {
        let offset = FILE_HEADER as u64 + index * CHUNK_SIZE as u64;
        if crate::budget::exceeded() {
            let message = "stopped: reading this file took longer than its time limit".to_string();
            run.warnings.push(ReadWarning { file: file_label.to_string(), offset: Some(offset), message });
            break;
        }
        if read_up_to(file, &mut chunk) < CHUNK_SIZE {
            break;
        }
        if !chunk.starts_with(b"ElfChnk\0") {
            continue;
        }
        read_one_chunk(mode, &chunk, index, file_label, &settings, &mut run);
    }
    run
}

/// One chunk of the file, checked and read in `mode`; its events go to `run` in record order.
fn read_one_chunk(
    mode: Mode,
    chunk: &[u8],
    index: u64,
    file_label: &str,
    settings: &Arc<ParserSettings>,
    run: &mut RunResult,
) {
    let offset = FILE_HEADER as u64 + index * CHUNK_SIZE as u64;
    if let Some(problem) = crc_problem(chunk) {
        let message = format!("chunk {index}: {problem}; its records were skipped");
        run.warnings.push(ReadWarning { file: file_label.to_string(), offset: Some(offset), message });
        return;
    }
    let mut events: Vec<(u64, RawEvent)> = Vec::new();
    let mut deliver_to = |id, e| events.push((id, e));
    if mode == Mode::FullParse {
        run.records += render_chunk(chunk, offset, settings, |_| true, file_label, &mut deliver_to, &mut run.warnings);
    } else {
        let selection = select_chunk(chunk, might_be_ours);
        if selection.render_all {
            // The record chain broke: what the walk extracted before the break is dropped and
            // the whole chunk rendered instead, so no record is counted twice.
            let message = "the record chain of this chunk is broken; the chunk was read whole".to_string();
            run.warnings.push(ReadWarning { file: file_label.to_string(), offset: Some(offset), message });
            run.records +=
                render_chunk(chunk, offset, settings, |_| true, file_label, &mut deliver_to, &mut run.warnings);
        } else {
            for (id, mut e) in selection.extracted.into_iter().filter(|(_, e)| interesting(e)) {
                e.origin = Origin { file: file_label.to_string(), offset: Some(offset) };
                deliver_to(id, e);
            }
            if !selection.wanted.is_empty() {
                let wanted: HashSet<u64> = selection.wanted.iter().copied().collect();
                render_chunk(
                    chunk,
                    offset,
                    settings,
                    |id| wanted.contains(&id),
                    file_label,
                    &mut deliver_to,
                    &mut run.warnings,
                );
            }
            run.records += selection.records;
        }
    }
    // Events of one chunk go out in record order, however they were read.
    events.sort_by_key(|(id, _)| *id);
    run.events.extend(events.into_iter().map(|(_, e)| e));
}

/// A whole EVTX file held in memory (an upload, a fuzz input), read as a file on disk is: the
/// same checks, the same chunks, the same modes.
pub fn read_bytes(
    mode: Mode,
    bytes: &[u8],
    file_label: &str,
    mut on_event: impl FnMut(RawEvent),
) -> (u64, Vec<ReadWarning>) {
    let warn = |offset: u64, message: &str| ReadWarning {
        file: file_label.to_string(),
        offset: Some(offset),
        message: message.into(),
    };
    if bytes.len() < FILE_HEADER {
        return (0, vec![warn(0, "not a readable EVTX file: too short for a file header")]);
    }
    if !bytes.starts_with(MAGIC) {
        return (0, vec![warn(0, "not a readable EVTX file: wrong signature")]);
    }
    let settings = Arc::new(ParserSettings::new().num_threads(1));
    let mut run = RunResult::default();
    for (index, chunk) in (0u64..).zip(bytes[FILE_HEADER..].chunks_exact(CHUNK_SIZE)) {
        if chunk.starts_with(b"ElfChnk\0") {
            read_one_chunk(mode, chunk, index, file_label, &settings, &mut run);
        }
    }
    run.events.into_iter().for_each(&mut on_event);
    (run.records, run.warnings)
}

/// The chunk flag that says its writer did not fill in CRCs.
const NO_CRC32: u32 = 0x4;

/// Why a chunk fails its checksums (the header's over bytes 0..120 and 128..512, the records'
/// over 512..free space), unless its flags say it has none: one flipped bit must not invent a
/// failing machine.
fn crc_problem(chunk: &[u8]) -> Option<String> {
    let word = |at: usize| chunk.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let flags = word(120)?;
    if flags & NO_CRC32 != 0 {
        return None;
    }
    let mut header = crc32fast::Hasher::new();
    header.update(chunk.get(..120)?);
    header.update(chunk.get(128..512)?);
    let (expected, found) = (word(124)?, header.finalize());
    if expected != found {
        return Some(format!("header CRC mismatch (stored {expected:#010x}, computed {found:#010x})"));
    }
    let free = usize::try_from(word(48)?).unwrap_or(usize::MAX);
    let Some(records) = chunk.get(512..free) else {
        return Some(format!("free space offset {free} is outside the chunk (CRC cannot be checked)"));
    };
    let (expected, found) = (word(52)?, crc32fast::hash(records));
    (expected != found).then(|| format!("records CRC mismatch (stored {expected:#010x}, computed {found:#010x})"))
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
    on_event: &mut impl FnMut(u64, RawEvent),
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
                    Ok(xml) => deliver(&xml.data, id, file_label, offset, &mut |e| on_event(id, e), warnings),
                    Err(e) => warnings.push(warn(format!("record {id}: {e}"))),
                }
            }
            Err(e) => warnings.push(warn(format!("corrupt record skipped: {e}"))),
        }
    }
    count
}

/// The substring test of `deliver`, on an event read without rendering: the rendered XML would
/// contain one of the strings exactly when one of these fields does.
fn interesting(e: &RawEvent) -> bool {
    let texts =
        [e.provider.as_str(), e.event_source_name.as_deref().unwrap_or(""), e.channel.as_str(), e.computer.as_str()];
    texts.into_iter().chain(e.data.iter().map(String::as_str)).any(|t| INTERESTING.iter().any(|s| t.contains(s)))
}

/// The step both modes share: the cheap substring test, then the event XML parser.
fn deliver(
    xml: &str,
    record_id: u64,
    file_label: &str,
    chunk_offset: u64,
    on_event: &mut impl FnMut(RawEvent),
    warnings: &mut Vec<ReadWarning>,
) {
    if !INTERESTING.iter().any(|s| xml.contains(s)) {
        return;
    }
    match parse_event(xml.as_bytes(), file_label, 0) {
        Ok(mut event) => {
            event.origin.offset = Some(chunk_offset);
            event.record_id = event.record_id.or(Some(record_id));
            on_event(event);
        }
        Err(message) => warnings.push(ReadWarning {
            file: file_label.to_string(),
            offset: Some(chunk_offset),
            message: format!("record {record_id}: {message}"),
        }),
    }
}
