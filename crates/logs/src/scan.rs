//! Walks the paths a user gives, recognises each file by its content, reads it with the right
//! reader under a watchdog, and keeps the activation events with their source. Files are read in
//! parallel; the result is in path order whatever the scheduling.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::bundle::{self, BundleRead, CheckRecord};
use crate::decode::{ActivationEvent, Interner, KMS_CHANNEL, Text, decode, is_ours, is_wanted_id};
use crate::event::{RawEvent, ReadWarning};
use crate::paste::{self, TextKind};
use crate::shipped::{self, Shipper};
use crate::slmgr::{self, SlmgrReport};
use crate::time::Timestamp;
use crate::{evtx, xml};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Evtx,
    EventXml,
    /// Text a person saved or pasted (slmgr, ospp.vbs, Office Tool Plus, PowerShell objects,
    /// Event Viewer copies); before reading, `Text(TextKind::Slmgr)` means "some text".
    Text(TextKind),
    /// An `actdoc doctor --bundle` zip.
    Bundle,
    /// JSON lines from a collector or shipper (OpenWEC, Winlogbeat).
    Shipped(Shipper),
    Unreadable,
}

impl Format {
    pub fn id(self) -> &'static str {
        match self {
            Format::Evtx => "evtx",
            Format::EventXml => "event_xml",
            Format::Text(kind) => kind.id(),
            Format::Bundle => "bundle",
            Format::Shipped(shipper) => shipper.id(),
            Format::Unreadable => "unreadable",
        }
    }
}

/// An activation event, compact: the decoded fields, the System fields the analysis uses, and
/// where it was read (an index into [`Collected::sources`], not a copy of the path: a collector
/// file holds hundreds of thousands of these).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourcedEvent {
    /// Index into [`Collected::sources`].
    pub file: usize,
    pub event_id: u16,
    /// The event's `Computer` (empty when the record has none).
    pub computer: Text,
    pub time: Option<Timestamp>,
    pub record_id: Option<u64>,
    /// Byte offset of the record in its file, when the format has one.
    pub offset: Option<u64>,
    pub decoded: ActivationEvent,
}

/// The live checks a doctor bundle recorded, with the machine it names.
#[derive(Clone, Debug)]
pub struct SourcedChecks {
    /// Index into [`Collected::sources`].
    pub file: usize,
    pub machine: String,
    pub collected_at: Option<Timestamp>,
    pub checks: Vec<CheckRecord>,
}

/// One slmgr output file, read.
#[derive(Clone, Debug)]
pub struct SourcedSlmgr {
    /// Index into [`Collected::sources`].
    pub file: usize,
    pub report: SlmgrReport,
}

#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    /// The machine folder it was collected from: the first folder below a directory given on the
    /// command line, else the file's own folder.
    pub label: String,
    pub format: Format,
    pub records: u64,
    pub hits: u64,
    /// When the file was last written: the time of a text that does not say when it was printed.
    pub modified: Option<Timestamp>,
    /// Activation events left out by [`Collected::keep_window`].
    pub outside_window: u64,
}

#[derive(Debug, Default)]
pub struct Collected {
    pub events: Vec<SourcedEvent>,
    pub slmgr: Vec<SourcedSlmgr>,
    /// Doctor bundles' live checks.
    pub checks: Vec<SourcedChecks>,
    pub warnings: Vec<ReadWarning>,
    pub sources: Vec<SourceFile>,
}

/// How far outside a time window a KMS host's own request events (12290) are still kept: the
/// analysis counts a host's clients over the 30 days before its newest event, and matches a
/// client's request to the host's within the clock-skew tolerance, so cutting those at the window
/// would invent a low count or a request "never seen by the host".
#[derive(Clone, Copy, Debug, Default)]
pub struct HostContext {
    /// Seconds before `since`.
    pub before: i64,
    /// Seconds after `until`.
    pub after: i64,
}

impl Collected {
    /// Keeps the events from `since` to `until` (both inclusive) and counts the others per source;
    /// a KMS host's request events are kept `context` further out, and an event without a time
    /// cannot be placed and is kept. Texts are not events: a product's status is as of when it
    /// was printed, whatever the window.
    pub fn keep_window(&mut self, since: Option<Timestamp>, until: Option<Timestamp>, context: HostContext) {
        if since.is_none() && until.is_none() {
            return;
        }
        let sources = &mut self.sources;
        self.events.retain(|e| {
            let host_request = matches!(e.decoded, ActivationEvent::HostRequest(_));
            let (before, after) = if host_request { (context.before, context.after) } else { (0, 0) };
            let inside = e
                .time
                .is_none_or(|t| since.is_none_or(|s| t.0 >= s.0 - before) && until.is_none_or(|u| t.0 <= u.0 + after));
            if !inside && let Some(source) = sources.get_mut(e.file) {
                source.outside_window += 1;
                source.hits = source.hits.saturating_sub(1);
            }
            inside
        });
    }
}

/// Counters a progress bar can show while the scan runs.
#[derive(Debug, Default)]
pub struct Progress {
    pub files_total: AtomicU64,
    pub files_done: AtomicU64,
    pub bytes_total: AtomicU64,
    pub bytes_done: AtomicU64,
    pub hits: AtomicU64,
}

#[derive(Clone, Debug)]
pub struct ScanOptions {
    pub threads: usize,
    /// A file still being read after this long is given up (the evtx crate has had infinite loops
    /// on corrupt input); the scan goes on.
    pub per_file_limit: Duration,
    pub evtx_mode: evtx::Mode,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            // Two readers per core: small files spend much of their time in open/read syscalls and
            // thread hand-offs, which a second reader per core overlaps.
            threads: 2 * std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            per_file_limit: Duration::from_secs(120),
            evtx_mode: evtx::Mode::default(),
        }
    }
}

/// One file to read and the machine folder it belongs to.
#[derive(Clone, Debug)]
struct Job {
    path: PathBuf,
    label: String,
    size: u64,
    modified: Option<Timestamp>,
}

/// The files under `inputs`, sorted, each with its source label: the first folder below a
/// directory given on the command line (one folder per machine), else the file's own folder.
fn jobs(inputs: &[PathBuf], warnings: &mut Vec<ReadWarning>) -> Vec<Job> {
    let mut jobs = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut files = Vec::new();
            walk(input, &mut files, warnings);
            files.sort();
            for path in files {
                let relative = path.strip_prefix(input).unwrap_or(&path);
                let mut parts = relative.components();
                let first = parts.next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
                let label = if parts.next().is_some() { first } else { folder_name(input) };
                let metadata = std::fs::metadata(&path).ok();
                let size = metadata.as_ref().map_or(0, std::fs::Metadata::len);
                jobs.push(Job { path, label, size, modified: metadata.as_ref().and_then(modified) });
            }
        } else {
            match std::fs::metadata(input) {
                // A pipe or a device would block the reader or never end (`/dev/zero`).
                Ok(m) if !m.is_file() => warnings.push(ReadWarning {
                    file: input.display().to_string(),
                    offset: None,
                    message: "not a regular file (a pipe, socket or device): skipped".into(),
                }),
                Ok(m) => jobs.push(Job {
                    path: input.clone(),
                    label: input.parent().map(folder_name).unwrap_or_default(),
                    size: m.len(),
                    modified: modified(&m),
                }),
                Err(e) => warnings.push(cannot_read(&input.display().to_string(), &e)),
            }
        }
    }
    jobs
}

fn modified(metadata: &std::fs::Metadata) -> Option<Timestamp> {
    let since = metadata.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(Timestamp(i64::try_from(since.as_secs()).ok()?))
}

fn folder_name(dir: &Path) -> String {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if name.is_empty() {
        dir.canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default()
    } else {
        name
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, warnings: &mut Vec<ReadWarning>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            warnings.push(ReadWarning {
                file: dir.display().to_string(),
                offset: None,
                message: format!("cannot list: {e}"),
            });
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let skipped = |why: &str| ReadWarning { file: path.display().to_string(), offset: None, message: why.into() };
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, files, warnings),
            Ok(t) if t.is_file() => files.push(path),
            // A link to a file is read; a link to a folder is not followed (it could loop).
            Ok(t) if t.is_symlink() => match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => files.push(path),
                Ok(m) if m.is_dir() => warnings.push(skipped("a link to a folder: not followed")),
                Ok(_) => warnings.push(skipped("a link to a pipe, socket or device: skipped")),
                Err(e) => warnings.push(skipped(&format!("a broken link: {e}"))),
            },
            Ok(_) => warnings.push(skipped("not a regular file (a pipe, socket or device): skipped")),
            Err(e) => warnings.push(skipped(&format!("cannot read: {e}"))),
        }
    }
}

/// What reading one file produced.
#[derive(Debug, Default)]
struct FileResult {
    /// `file` is set when the result is placed among the sources.
    events: Vec<SourcedEvent>,
    slmgr: Option<SlmgrReport>,
    warnings: Vec<ReadWarning>,
    /// One copy of each name, host and SKU the file's events repeat.
    interner: Interner,
    format: Option<Format>,
    records: u64,
    /// The machine a bundle names, which labels it instead of its folder.
    label: Option<String>,
    /// A bundle's live checks (with the machine and collection time).
    checks: Option<SourcedChecks>,
}

/// Reads every file under `inputs`.
pub fn scan(inputs: &[PathBuf], options: &ScanOptions, progress: &Progress) -> Collected {
    let mut collected = Collected::default();
    let jobs = jobs(inputs, &mut collected.warnings);
    progress.files_total.store(jobs.len() as u64, Ordering::Relaxed);
    progress.bytes_total.store(jobs.iter().map(|j| j.size).sum(), Ordering::Relaxed);

    let queue = Mutex::new(jobs.iter().enumerate());
    let results: Mutex<Vec<(usize, FileResult)>> = Mutex::new(Vec::with_capacity(jobs.len()));
    std::thread::scope(|scope| {
        for _ in 0..options.threads.max(1) {
            scope.spawn(|| {
                let mut reader = Reader::spawn(options.evtx_mode);
                loop {
                    let next = queue.lock().ok().and_then(|mut q| q.next());
                    let Some((index, job)) = next else { break };
                    let mut result = reader.read(job, options.per_file_limit, options.evtx_mode);
                    // Every file's result waits here until all are read: a share of 100,000 small
                    // files keeps 100,000 of them, so none keeps the room its reading grew into.
                    result.events.shrink_to_fit();
                    if let Some(report) = result.slmgr.as_mut() {
                        report.products.shrink_to_fit();
                    }
                    progress.files_done.fetch_add(1, Ordering::Relaxed);
                    progress.bytes_done.fetch_add(job.size, Ordering::Relaxed);
                    progress.hits.fetch_add(result.events.len() as u64, Ordering::Relaxed);
                    if let Ok(mut r) = results.lock() {
                        r.push((index, result));
                    }
                }
            });
        }
    });

    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(i, _)| *i);
    // One allocation of the right size: a collector's file holds hundreds of thousands of events.
    collected.events.reserve_exact(results.iter().map(|(_, r)| r.events.len()).sum());
    for (index, result) in results {
        let job = &jobs[index];
        collected.place(result, job.path.display().to_string(), &job.label, job.modified);
    }
    collected
}

impl Collected {
    /// Adds what one file gave as the next source: its own label (a bundle's machine) or `label`.
    fn place(&mut self, result: FileResult, path: String, label: &str, modified: Option<Timestamp>) {
        let file = self.sources.len();
        self.sources.push(SourceFile {
            path,
            label: result.label.unwrap_or_else(|| label.to_string()),
            format: result.format.unwrap_or(Format::Unreadable),
            records: result.records,
            hits: result.events.len() as u64 + u64::from(result.slmgr.is_some()),
            modified,
            outside_window: 0,
        });
        self.events.extend(result.events.into_iter().map(|e| SourcedEvent { file, ..e }));
        self.slmgr.extend(result.slmgr.map(|report| SourcedSlmgr { file, report }));
        self.checks.extend(result.checks.map(|c| SourcedChecks { file, ..c }));
        self.warnings.extend(result.warnings);
    }
}

/// A reading thread that outlives its files, watched from outside: a file that panics the reader
/// costs a warning. The reader stops itself at its time limit (`budget`), keeping what it read;
/// one that still does not answer a little later costs a warning and a new thread (the stuck one
/// is left behind, as a thread cannot be killed). Spawning a thread per file cost more than
/// reading small files.
struct Reader {
    jobs: Option<mpsc::Sender<(Job, Instant)>>,
    results: mpsc::Receiver<std::thread::Result<FileResult>>,
}

/// How long past its own deadline a reader is given to stop by itself.
const STOP_GRACE: Duration = Duration::from_secs(2);

impl Reader {
    fn spawn(mode: evtx::Mode) -> Reader {
        let (job_tx, job_rx) = mpsc::channel::<(Job, Instant)>();
        let (result_tx, result_rx) = mpsc::channel();
        let spawned = std::thread::Builder::new().name("actdoc-read".into()).spawn(move || {
            for (job, deadline) in job_rx {
                crate::budget::set(Some(deadline));
                let result = std::panic::catch_unwind(|| read_file(&job, mode));
                crate::budget::set(None);
                if result_tx.send(result).is_err() {
                    break;
                }
            }
        });
        Reader { jobs: spawned.ok().map(|_| job_tx), results: result_rx }
    }

    fn read(&mut self, job: &Job, limit: Duration, mode: evtx::Mode) -> FileResult {
        let file = job.path.display().to_string();
        let failed = |message: String| FileResult {
            warnings: vec![ReadWarning { file: file.clone(), offset: None, message }],
            format: Some(Format::Unreadable),
            ..FileResult::default()
        };
        let Some(jobs) = &self.jobs else {
            *self = Reader::spawn(mode);
            return failed("cannot start a reader thread".into());
        };
        if jobs.send((job.clone(), Instant::now() + limit)).is_err() {
            *self = Reader::spawn(mode);
            return failed("the reader thread stopped; the file was skipped".into());
        }
        match self.results.recv_timeout(limit + STOP_GRACE) {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => failed("the reader crashed on this file; it was skipped".into()),
            Err(_) => {
                *self = Reader::spawn(mode);
                failed(format!(
                    "gave up after {} s: the file may be corrupt in a way that loops the reader",
                    limit.as_secs()
                ))
            }
        }
    }
}

fn read_file(job: &Job, mode: evtx::Mode) -> FileResult {
    let file = job.path.display().to_string();
    let mut result = FileResult::default();
    let head = read_head(&job.path);
    let head = match head {
        Ok(h) => h,
        Err(e) => {
            result.warnings.push(cannot_read(&file, &e));
            result.format = Some(Format::Unreadable);
            return result;
        }
    };
    let mut format = detect(&head);
    // A shipper's document may name `winlog` only after 4 KiB of other fields: a JSON object that
    // the head could not place is decided on its whole first line.
    if format == Format::Text(TextKind::Slmgr)
        && decode_head(&head).trim_start_matches('\u{feff}').trim_start().starts_with('{')
        && let Ok(line) = first_line(&job.path)
        && let Some(shipper) = Shipper::detect(&decode_head(&line))
    {
        format = Format::Shipped(shipper);
    }
    result.format = Some(format);
    match format {
        Format::Evtx => {
            let (records, warnings) = evtx::read(mode, &job.path, &file, |e| keep(&e, &mut result));
            result.records = records;
            result.warnings.extend(warnings);
        }
        Format::Bundle => match std::fs::File::open(&job.path) {
            Ok(f) => {
                read_bundle(std::io::BufReader::new(f), &file, &mut result);
            }
            Err(e) => result.warnings.push(cannot_read(&file, &e)),
        },
        Format::Shipped(_) => {
            // PowerShell's `>` writes UTF-16: such a file is converted whole (its offsets are then
            // those of the UTF-8 text); UTF-8 streams line by line.
            let input: std::io::Result<Box<dyn std::io::BufRead>> = if is_utf16(&head) {
                read_at_most(&job.path, MAX_UTF16_LINES_BYTES)
                    .map(|bytes| Box::new(std::io::Cursor::new(decode_head(&bytes).into_bytes())) as _)
            } else {
                std::fs::File::open(&job.path).map(|f| Box::new(std::io::BufReader::new(f)) as _)
            };
            match input {
                Ok(input) => {
                    let (records, warnings) = shipped::read_lines(input, &file, |e| keep(&e, &mut result));
                    result.records = records;
                    result.warnings.extend(warnings);
                }
                Err(e) => result.warnings.push(cannot_read(&file, &e)),
            }
        }
        Format::EventXml => read_xml(job, &file, is_utf16(&head), &mut result),
        // Text people save is kilobytes; a larger "text" is not one of ours and must not fill memory.
        Format::Text(_) | Format::Unreadable if job.size > MAX_TEXT_BYTES => {
            result.format = Some(Format::Unreadable);
            let message = format!(
                "{} MiB is far more than slmgr, ospp.vbs or PowerShell output; not read as text",
                job.size / (1024 * 1024)
            );
            result.warnings.push(ReadWarning { file, offset: None, message });
        }
        Format::Text(_) | Format::Unreadable => match read_at_most(&job.path, MAX_TEXT_BYTES) {
            Ok(bytes) => match paste::read(&bytes, &file) {
                Ok(read) => {
                    result.format = Some(Format::Text(read.kind));
                    if let Some((offset, why)) = &read.replaced {
                        let message = format!("{why}; read as U+FFFD (the rest of the file was read)");
                        result.warnings.push(ReadWarning { file: file.clone(), offset: Some(*offset as u64), message });
                    }
                    if read.kind == TextKind::EventViewer {
                        result.records = read.events.len() as u64;
                        for event in &read.events {
                            keep(event, &mut result);
                        }
                    } else {
                        result.records = 1;
                        result.slmgr = Some(read.report);
                    }
                }
                Err(slmgr::SlmgrError::NotSlmgr { why, offset }) => {
                    result.format = Some(Format::Unreadable);
                    let message = format!(
                        "not an EVTX file, event XML, or text actdoc reads (slmgr, ospp.vbs, Office Tool Plus, \
                         PowerShell licence objects, Event Viewer copies): {why}"
                    );
                    result.warnings.push(ReadWarning { file, offset: Some(offset as u64), message });
                }
            },
            Err(e) => result.warnings.push(cannot_read(&file, &e)),
        },
    }
    result
}

fn cannot_read(file: &str, e: &std::io::Error) -> ReadWarning {
    ReadWarning { file: file.to_string(), offset: None, message: format!("cannot read: {e}") }
}

/// A byte-order mark of UTF-16 (PowerShell's `>`).
fn is_utf16(head: &[u8]) -> bool {
    head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF])
}

/// The largest file read as text.
const MAX_TEXT_BYTES: u64 = 16 * 1024 * 1024;
/// The most of a UTF-16 JSON-lines file read (it is converted whole).
const MAX_UTF16_LINES_BYTES: u64 = 512 * 1024 * 1024;

/// The file's first line, at most 16 MiB of it.
fn first_line(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::{BufRead, Read};
    let mut line = Vec::new();
    std::io::BufReader::new(std::fs::File::open(path)?.take(MAX_TEXT_BYTES)).read_until(b'\n', &mut line)?;
    Ok(line)
}

/// The file, or its first `limit` bytes if it grew since it was listed.
fn read_at_most(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)?.take(4096).read_to_end(&mut head)?;
    Ok(head)
}

/// Content decides, not the extension: EVTX magic, XML with `<Event`, else maybe slmgr text.
pub fn detect(head: &[u8]) -> Format {
    if head.starts_with(evtx::MAGIC) {
        return Format::Evtx;
    }
    if head.starts_with(bundle::MAGIC) {
        return Format::Bundle;
    }
    let text = decode_head(head);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if let Some(shipper) = Shipper::detect(trimmed) {
        return Format::Shipped(shipper);
    }
    if trimmed.starts_with('<') && (trimmed.contains("<Event") || trimmed.contains("<Events")) {
        Format::EventXml
    } else {
        Format::Text(TextKind::Slmgr)
    }
}

fn decode_head(head: &[u8]) -> String {
    match head {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => String::from_utf8_lossy(head).into_owned(),
    }
}

fn utf16(bytes: &[u8], word: fn([u8; 2]) -> u16) -> String {
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| word([c[0], c[1]])).collect();
    String::from_utf16_lossy(&units)
}

/// A doctor bundle: its events as the logs' own, its licence objects as a text's products.
/// Returns the rest of what the bundle held (its manifest, registry and checks), or the reason it
/// could not be read.
fn read_bundle<R: std::io::Read + std::io::Seek>(source: R, file: &str, result: &mut FileResult) -> Option<BundleRead> {
    match bundle::read(source, file) {
        Ok(mut read) => {
            result.records = read.events.len() as u64;
            for event in &read.events {
                keep(event, result);
            }
            read.events = Vec::new();
            result.slmgr = read.licensing.take();
            result.warnings.append(&mut read.warnings);
            if !read.computer.is_empty() {
                result.label = Some(read.computer.clone());
            }
            if let Some(checks) = read.checks.as_ref().and_then(CheckRecord::list) {
                result.checks = Some(SourcedChecks {
                    file: 0,
                    machine: read.computer.clone(),
                    collected_at: read.collected_at,
                    checks,
                });
            }
            Some(read)
        }
        Err(message) => {
            result.format = Some(Format::Unreadable);
            result.warnings.push(ReadWarning { file: file.to_string(), offset: None, message });
            None
        }
    }
}

/// Reads one bundle held in memory, as [`scan`] reads a bundle file: what `actdoc doctor` judges
/// its own machine by, so that its verdict and a later scan of the bundle agree. Also returns the
/// bundle's other entries (events and licence objects moved out), or why it is not a bundle.
pub fn scan_bundle(bytes: &[u8], name: &str) -> (Collected, Result<BundleRead, String>) {
    let mut result = FileResult { format: Some(Format::Bundle), ..FileResult::default() };
    let rest = read_bundle(std::io::Cursor::new(bytes), name, &mut result)
        .ok_or_else(|| result.warnings.last().map(|w| w.message.clone()).unwrap_or_default());
    let mut collected = Collected::default();
    collected.place(result, name.to_string(), "", None);
    (collected, rest)
}

fn read_xml(job: &Job, file: &str, utf16: bool, result: &mut FileResult) {
    let mut records = 0u64;
    let mut on_event = |e: RawEvent| {
        records += 1;
        keep(&e, result);
    };
    let cannot_read = |e: std::io::Error| vec![cannot_read(file, &e)];
    // UTF-16 exports (PowerShell's `>`) are converted whole; UTF-8 streams one event at a time.
    let warnings = if utf16 {
        match std::fs::read(&job.path) {
            Ok(bytes) => xml::read_events(decode_head(&bytes).as_bytes(), file, &mut on_event),
            Err(e) => cannot_read(e),
        }
    } else {
        match std::fs::File::open(&job.path) {
            Ok(f) => xml::read_events(std::io::BufReader::new(f), file, &mut on_event),
            Err(e) => cannot_read(e),
        }
    };
    result.records = records;
    result.warnings.extend(warnings);
}

/// Keeps our activation events; an event of another provider in the KMS host's channel looks like
/// ours but is not, so it is named in a warning and never used.
fn keep(event: &RawEvent, result: &mut FileResult) {
    if !is_ours(event) {
        if event.channel == KMS_CHANNEL {
            result.warnings.push(ReadWarning {
                file: event.origin.file.clone(),
                offset: event.origin.offset,
                message: format!(
                    "skipped event {} from provider `{}` in the Key Management Service log (record {}): not a KMS event",
                    event.event_id,
                    event.provider,
                    event.record_id.map_or_else(|| "?".into(), |r| r.to_string())
                ),
            });
        }
        return;
    }
    if !is_wanted_id(event.event_id) {
        return;
    }
    if let Some(decoded) = decode(event, &mut result.interner) {
        result.events.push(SourcedEvent {
            file: 0,
            event_id: event.event_id,
            computer: result.interner.intern(&event.computer),
            time: event.time,
            record_id: event.record_id,
            offset: event.origin.offset,
            decoded,
        });
    }
}
