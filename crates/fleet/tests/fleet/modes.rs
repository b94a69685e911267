//! The selector (raw chunk walk, render only the chosen records) and the full parse through the
//! evtx crate find the same events and the same findings: on every file of the corpus, and on a
//! crafted log whose template carries the EventID and provider as literal text (as forwarded /
//! WEC logs do) instead of in substitution slots.

use std::path::PathBuf;

use actdoc_core::{Kb, Lang, Products};
use actdoc_fleet::{Options, analyse};
use actdoc_logs::evtx::Mode;
use actdoc_logs::scan::{Collected, Progress, ScanOptions, scan};
use actdoc_test_support::servers::TempDir;
use actdoc_test_support::shared_dir;

fn collect(paths: &[PathBuf], mode: Mode) -> Collected {
    let options = ScanOptions { evtx_mode: mode, ..ScanOptions::default() };
    scan(paths, &options, &Progress::default())
}

/// What must not differ between the modes: every event kept, and the report built from them.
fn fingerprint(c: &Collected) -> (Vec<String>, String) {
    let mut events: Vec<String> = c
        .events
        .iter()
        .map(|e| format!("{} {:?} {:?} {:?}", c.sources[e.file].label, e.record_id, e.time, e.decoded))
        .collect();
    events.sort();
    let options = Options {
        kb: Kb::embedded().unwrap(),
        products: Products::embedded().unwrap(),
        lang: Lang::En,
        as_of: None,
        generated_by: "t".into(),
    };
    let report = analyse(c, &options);
    let findings = serde_json::to_string(&(&report.machines, &report.kms_hosts, &report.findings)).unwrap();
    (events, findings)
}

#[test]
fn both_modes_agree_on_every_corpus_file() {
    let dir = shared_dir().join("corpus/evtx");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "evtx"))
        .collect();
    files.sort();
    assert!(files.len() >= 10);
    let mut total_events = 0;
    for file in files {
        let fast = collect(std::slice::from_ref(&file), Mode::Selector);
        let full = collect(std::slice::from_ref(&file), Mode::FullParse);
        let (fast_events, fast_findings) = fingerprint(&fast);
        let (full_events, full_findings) = fingerprint(&full);
        assert_eq!(fast_events, full_events, "{}", file.display());
        assert_eq!(fast_findings, full_findings, "{}", file.display());
        total_events += fast_events.len();
    }
    assert!(total_events >= 10, "the corpus holds activation events: {total_events}");
}

// ----- a crafted EVTX file with literal EventID and provider in its template -----

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// BinXML builder for a template definition whose names are inline (offsets relative to the chunk).
struct Bin {
    chunk_base: usize,
    out: Vec<u8>,
}

impl Bin {
    fn pos(&self) -> usize {
        self.chunk_base + self.out.len()
    }

    fn name(&mut self, name: &str) {
        let here = u32::try_from(self.pos() + 4).unwrap();
        self.out.extend_from_slice(&here.to_le_bytes());
        self.out.extend_from_slice(&0u32.to_le_bytes()); // link to the next name
        self.out.extend_from_slice(&0u16.to_le_bytes()); // hash (not checked)
        self.out.extend_from_slice(&u16::try_from(name.len()).unwrap().to_le_bytes());
        self.out.extend_from_slice(&utf16(name));
        self.out.extend_from_slice(&[0, 0]);
    }

    fn open(&mut self, name: &str, with_attributes: bool) {
        self.out.push(if with_attributes { 0x41 } else { 0x01 });
        self.out.extend_from_slice(&0xFFFFu16.to_le_bytes());
        self.out.extend_from_slice(&0u32.to_le_bytes()); // data size (not used by readers)
        self.name(name);
        if with_attributes {
            self.out.extend_from_slice(&0u32.to_le_bytes());
        }
    }

    fn attribute(&mut self, name: &str) {
        self.out.push(0x06);
        self.name(name);
    }

    fn text(&mut self, value: &str) {
        self.out.extend_from_slice(&[0x05, 0x01]);
        self.out.extend_from_slice(&u16::try_from(value.encode_utf16().count()).unwrap().to_le_bytes());
        self.out.extend_from_slice(&utf16(value));
    }

    fn substitution(&mut self, index: u16, value_type: u8) {
        self.out.push(0x0e);
        self.out.extend_from_slice(&index.to_le_bytes());
        self.out.push(value_type);
    }

    fn element_text(&mut self, name: &str, value: &str) {
        self.open(name, false);
        self.out.push(0x02);
        self.text(value);
        self.out.push(0x04);
    }
}

fn template_body(chunk_base: usize) -> Vec<u8> {
    let mut b = Bin { chunk_base, out: vec![0x0f, 0x01, 0x01, 0x00] };
    b.open("Event", false);
    b.out.push(0x02);
    b.open("System", false);
    b.out.push(0x02);
    b.open("Provider", true);
    b.attribute("Name");
    b.text("Microsoft-Windows-Security-SPP");
    b.out.push(0x03);
    b.element_text("EventID", "12288");
    b.open("TimeCreated", true);
    b.attribute("SystemTime");
    b.substitution(0, 0x11);
    b.out.push(0x03);
    b.open("EventRecordID", false);
    b.out.push(0x02);
    b.substitution(1, 0x0a);
    b.out.push(0x04);
    b.element_text("Channel", "Application");
    b.element_text("Computer", "WEC-FORWARDED-PC");
    b.out.push(0x04);
    b.open("EventData", false);
    b.out.push(0x02);
    b.open("Data", false);
    b.out.push(0x02);
    b.substitution(2, 0x01);
    b.out.push(0x04);
    b.out.push(0x04);
    b.out.push(0x04);
    b.out.push(0x00);
    b.out
}

/// FILETIME for 2024-05-01T00:00:00Z plus `minutes`.
fn filetime(minutes: u64) -> u64 {
    (1_714_521_600 + 11_644_473_600 + minutes * 60) * 10_000_000
}

fn record(chunk: &mut Vec<u8>, record_id: u64, template_offset: &mut Option<u32>, data: &str) {
    let start = chunk.len();
    let mut body = vec![0x0f, 0x01, 0x01, 0x00, 0x0c, 0x01];
    body.extend_from_slice(&1u32.to_le_bytes()); // template id
    let binxml_start = start + 24;
    let def_offset = match template_offset {
        Some(o) => *o,
        None => u32::try_from(binxml_start + body.len() + 4).unwrap(),
    };
    body.extend_from_slice(&def_offset.to_le_bytes());
    if template_offset.is_none() {
        let def_body = template_body(def_offset as usize + 24);
        body.extend_from_slice(&0u32.to_le_bytes()); // next template
        body.extend_from_slice(&[0x42; 16]); // GUID
        body.extend_from_slice(&u32::try_from(def_body.len()).unwrap().to_le_bytes());
        body.extend_from_slice(&def_body);
        *template_offset = Some(def_offset);
    }
    let text = utf16(data);
    body.extend_from_slice(&3u32.to_le_bytes());
    for (size, value_type) in [(8u16, 0x11u8), (8, 0x0a), (u16::try_from(text.len()).unwrap(), 0x01)] {
        body.extend_from_slice(&size.to_le_bytes());
        body.extend_from_slice(&[value_type, 0]);
    }
    body.extend_from_slice(&filetime(record_id).to_le_bytes());
    body.extend_from_slice(&record_id.to_le_bytes());
    body.extend_from_slice(&text);
    let size = u32::try_from(24 + body.len() + 4).unwrap();
    chunk.extend_from_slice(&0x0000_2a2au32.to_le_bytes());
    chunk.extend_from_slice(&size.to_le_bytes());
    chunk.extend_from_slice(&record_id.to_le_bytes());
    chunk.extend_from_slice(&filetime(record_id).to_le_bytes());
    chunk.extend_from_slice(&body);
    chunk.extend_from_slice(&size.to_le_bytes());
}

fn crafted_evtx() -> Vec<u8> {
    let mut chunk = vec![0u8; 512];
    chunk[..8].copy_from_slice(b"ElfChnk\0");
    let mut template = None;
    let datas = [
        "0xC004F06C, 0x00000000, kms01.contoso.test:1688, 11111111-2222-4333-8444-555555555555, 2024/05/01 00:01, 0, 2, 40000, 73111121-5638-40f6-bc11-f1d7b0d64300, 25",
        "0x00000000, 0x00000000, kms01.contoso.test:1688, 11111111-2222-4333-8444-555555555555, 2024/05/01 00:02, 0, 1, 259200, 73111121-5638-40f6-bc11-f1d7b0d64300, 25",
    ];
    let mut last_offset = 512;
    for (i, data) in datas.iter().enumerate() {
        last_offset = chunk.len();
        record(&mut chunk, i as u64 + 1, &mut template, data);
    }
    let free = chunk.len();
    chunk.resize(65536, 0);
    for (at, value) in [(8usize, 1u64), (16, 2), (24, 1), (32, 2)] {
        chunk[at..at + 8].copy_from_slice(&value.to_le_bytes());
    }
    chunk[40..44].copy_from_slice(&128u32.to_le_bytes());
    chunk[44..48].copy_from_slice(&u32::try_from(last_offset).unwrap().to_le_bytes());
    chunk[48..52].copy_from_slice(&u32::try_from(free).unwrap().to_le_bytes());
    // The CRCs a real writer fills in: the records', then the header's.
    let records_crc = crc32fast::hash(&chunk[512..free]);
    chunk[52..56].copy_from_slice(&records_crc.to_le_bytes());
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&chunk[..120]);
    hasher.update(&chunk[128..512]);
    chunk[124..128].copy_from_slice(&hasher.finalize().to_le_bytes());

    let mut header = vec![0u8; 4096];
    header[..8].copy_from_slice(b"ElfFile\0");
    header[24..32].copy_from_slice(&3u64.to_le_bytes()); // next record id
    header[32..36].copy_from_slice(&128u32.to_le_bytes());
    header[36..38].copy_from_slice(&1u16.to_le_bytes()); // minor version
    header[38..40].copy_from_slice(&3u16.to_le_bytes()); // major version
    header[40..42].copy_from_slice(&4096u16.to_le_bytes());
    header[42..44].copy_from_slice(&1u16.to_le_bytes()); // chunk count
    header.extend_from_slice(&chunk);
    header
}

#[test]
fn literal_event_ids_are_found_by_both_modes() {
    let dir = TempDir::new("literal");
    let path = dir.0.join("forwarded.evtx");
    std::fs::write(&path, crafted_evtx()).unwrap();
    let full = collect(std::slice::from_ref(&path), Mode::FullParse);
    assert!(full.warnings.is_empty(), "{:#?}", full.warnings);
    assert_eq!(full.events.len(), 2, "the evtx crate reads the crafted file: {:#?}", full.events);
    assert_eq!(&*full.events[0].computer, "WEC-FORWARDED-PC");
    let fast = collect(std::slice::from_ref(&path), Mode::Selector);
    assert_eq!(fingerprint(&fast), fingerprint(&full));

    // The selector read the literals itself rather than falling back to rendering everything.
    let bytes = crafted_evtx();
    let chunk = &bytes[4096..];
    let nothing = actdoc_logs::selector::select_chunk(chunk, |_| false);
    assert_eq!((nothing.records, nothing.wanted.len(), nothing.render_all), (2, 0, false));
    let ours = actdoc_logs::selector::select_chunk(chunk, |c| {
        c.event_id == Some(12288)
            && c.provider.is("Microsoft-Windows-Security-SPP") == Some(true)
            && c.channel.is("Application") == Some(true)
    });
    let read: Vec<u64> = ours.extracted.iter().map(|(id, _)| *id).collect();
    assert_eq!(read, [1, 2], "read from the slots, no rendering needed");
    assert!(ours.wanted.is_empty());
}

#[test]
fn the_selector_skips_what_it_can_classify() {
    // In a chunk of the corpus with no activation events, nothing is selected for rendering.
    let bytes = std::fs::read(
        shared_dir().join("corpus/evtx/sbousseaden__EVTX-ATTACK-SAMPLES__Execution__rogue_msi_url_1040_1042.evtx"),
    )
    .unwrap();
    let mut skipped = 0;
    let mut records = 0;
    for chunk in bytes[4096..].chunks_exact(65536).filter(|c| c.starts_with(b"ElfChnk\0")) {
        let s = actdoc_logs::selector::select_chunk(chunk, |c| c.event_id == Some(12288));
        assert!(!s.render_all);
        records += s.records;
        skipped += s.records - s.wanted.len() as u64;
    }
    assert!(records > 100 && skipped == records, "{skipped} of {records} skipped");
}

/// A copy of a corpus log with one thing broken, read in both modes: they must give the same
/// events (and the same report), with a warning that says what is wrong and where.
fn damaged(name: &str, damage: impl Fn(&mut Vec<u8>)) -> (Collected, Collected) {
    let dir = TempDir::new("damaged-modes");
    let mut bytes = std::fs::read(shared_dir().join("corpus/evtx").join(name)).unwrap();
    damage(&mut bytes);
    let path = dir.0.join("damaged.evtx");
    std::fs::write(&path, &bytes).unwrap();
    let fast = collect(std::slice::from_ref(&path), Mode::Selector);
    let full = collect(std::slice::from_ref(&path), Mode::FullParse);
    (fast, full)
}

const APPLICATION: &str = "anotherc0ne__EventLog__Application.evtx";

/// The offset of the first chunk that holds one of our events, and of its first record.
fn chunk_with_our_events(bytes: &[u8]) -> usize {
    (4096..bytes.len())
        .step_by(65536)
        .find(|&at| {
            let chunk = &bytes[at..(at + 65536).min(bytes.len())];
            chunk.windows(12).any(|w| w == "S\0e\0c\0u\0r\0i\0".as_bytes())
        })
        .unwrap_or(4096)
}

/// Regression: a zeroed record magic broke the chain, and the selector kept what it had extracted
/// and then rendered the chunk again: 3 attempts where the full parse found 2.
#[test]
fn a_broken_record_chain_is_not_counted_twice() {
    let (fast, full) = damaged(APPLICATION, |b| {
        let chunk = chunk_with_our_events(b);
        // The second record's magic (the first is at 512).
        let second = (chunk + 520..chunk + 65536 - 4).find(|&at| b[at..at + 4] == [0x2a, 0x2a, 0, 0]).unwrap();
        b[second..second + 4].copy_from_slice(&[0, 0, 0, 0]);
        // Keep the CRCs right, so that only the chain is broken.
        let free = u32::from_le_bytes(b[chunk + 48..chunk + 52].try_into().unwrap()) as usize;
        let crc = crc32fast::hash(&b[chunk + 512..chunk + free]);
        b[chunk + 52..chunk + 56].copy_from_slice(&crc.to_le_bytes());
        let mut h = crc32fast::Hasher::new();
        h.update(&b[chunk..chunk + 120]);
        h.update(&b[chunk + 128..chunk + 512]);
        b[chunk + 124..chunk + 128].copy_from_slice(&h.finalize().to_le_bytes());
    });
    assert_eq!(fingerprint(&fast), fingerprint(&full));
}

/// Regression: chunk CRCs were never checked; one flipped bit invented a failing machine in
/// selector mode that the full parse did not see.
#[test]
fn a_flipped_bit_fails_the_crc_in_both_modes() {
    let (fast, full) = damaged(APPLICATION, |b| {
        let chunk = chunk_with_our_events(b);
        b[chunk + 4000] ^= 0x10;
    });
    assert_eq!(fingerprint(&fast), fingerprint(&full));
    for c in [&fast, &full] {
        let w = c.warnings.iter().find(|w| w.message.contains("CRC")).expect("a CRC warning");
        assert!(w.offset.is_some_and(|o| o >= 4096 && (o - 4096) % 65536 == 0), "{w:?}");
    }
}

/// Regression: an impossible free space offset gave 16 hits where the full parse found 8.
#[test]
fn an_impossible_free_space_offset_agrees_in_both_modes() {
    let (fast, full) = damaged(APPLICATION, |b| {
        let chunk = chunk_with_our_events(b);
        b[chunk + 48..chunk + 52].copy_from_slice(&70_000u32.to_le_bytes());
    });
    assert_eq!(fingerprint(&fast), fingerprint(&full));
    // The header CRC covers the offset: the chunk is refused before the offset is ever used.
    assert!(fast.warnings.iter().any(|w| w.message.contains("CRC")), "{:?}", fast.warnings);
}

/// Regression: a file cut exactly at a chunk boundary gave no warning.
#[test]
fn a_file_truncated_at_a_chunk_boundary_is_said() {
    let (fast, full) = damaged(APPLICATION, |b| b.truncate(4096 + 65536 * 2));
    assert_eq!(fingerprint(&fast), fingerprint(&full));
    for c in [&fast, &full] {
        assert!(c.warnings.iter().any(|w| w.message.contains("truncated")), "{:?}", c.warnings);
    }
}

/// Full-parse warnings name where they are (they all said `offset: null`).
#[test]
fn full_parse_warnings_have_offsets() {
    let (_, full) = damaged(APPLICATION, |b| {
        let chunk = chunk_with_our_events(b);
        b[chunk + 4000] ^= 0x10;
    });
    assert!(!full.warnings.is_empty());
    assert!(full.warnings.iter().all(|w| w.offset.is_some()), "{:?}", full.warnings);
}
