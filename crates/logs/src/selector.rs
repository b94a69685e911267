//! Picks the records worth rendering out of a raw 64 KiB EVTX chunk without rendering any: per
//! template definition it finds which substitution slot (or which literal) holds the EventID, the
//! provider name and the channel, then reads just those values from each record. Pure and
//! bounds-checked: any bytes give a selection, never a panic.
//!
//! The selection is a superset: a record it cannot classify is selected, and the caller applies
//! the same filter to the rendered records as the full-parse mode does, so both modes find the
//! same events. Layout: libevtx's "Windows XML Event Log (EVTX)" format description; MS-EVEN6
//! §2.2.3 for the BinXML tokens.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

use crate::event::{Origin, RawEvent};
use crate::time::Timestamp;

/// Keys are chunk offsets (small, distinct integers): a multiply is all the hashing they need,
/// and SipHash showed up in profiles.
#[derive(Default)]
struct OffsetHasher(u64);

impl Hasher for OffsetHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type OffsetMap<V> = HashMap<usize, V, BuildHasherDefault<OffsetHasher>>;

/// Names decoded once per chunk: every element of every template shares the chunk's string table.
type NameCache = OffsetMap<Rc<str>>;

pub const CHUNK_SIZE: usize = 65536;
const CHUNK_HEADER: usize = 512;
const RECORD_MAGIC: u32 = 0x0000_2a2a;
/// Nesting a real System template never comes near; deeper is damage.
const MAX_DEPTH: usize = 64;

/// A text field of a record, read without copying: a literal of its template, or the UTF-16 bytes
/// of its substitution value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Text<'a> {
    Literal(&'a str),
    Utf16(&'a [u8]),
    /// Present but not a string we can read: treat as "could be anything".
    Unknown,
}

impl Text<'_> {
    /// Whether the text equals `s`; `None` when it cannot be told.
    pub fn is(&self, s: &str) -> Option<bool> {
        match self {
            Text::Literal(l) => Some(*l == s),
            Text::Utf16(bytes) => {
                // Values may carry a terminating NUL; compare the rest unit by unit.
                let units = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
                let trimmed = units.take_while(|u| *u != 0);
                Some(trimmed.eq(s.encode_utf16()))
            }
            Text::Unknown => None,
        }
    }

    pub fn is_any(&self, candidates: &[&str]) -> Option<bool> {
        match self {
            Text::Unknown => None,
            _ => Some(candidates.iter().any(|c| self.is(c) == Some(true))),
        }
    }
}

/// What a record is, as far as the selector could tell without rendering it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Classified<'a> {
    pub event_id: Option<u16>,
    pub provider: Text<'a>,
    pub event_source_name: Text<'a>,
    pub channel: Text<'a>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Records found in the chunk.
    pub records: u64,
    /// Record IDs (from the record header) to render.
    pub wanted: Vec<u64>,
    /// Wanted records read straight from their substitution values, no rendering needed, with
    /// their record header's id (the EventRecordID element may differ in exported logs). Only
    /// produced when every field is plain (strings, integers, a FILETIME): anything else is
    /// rendered instead, so both ways read the same. The caller fills in the origin.
    pub extracted: Vec<(u64, RawEvent)>,
    /// The chunk could not be walked (bad header, broken record chain): render all of it.
    pub render_all: bool,
}

/// Where a field's value comes from in a template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Slot {
    Substitution(u16),
    Literal(String),
    Missing,
}

#[derive(Clone, Debug)]
struct TemplateInfo {
    event_id: Slot,
    provider: Slot,
    event_source_name: Slot,
    channel: Slot,
    qualifiers: Slot,
    computer: Slot,
    time: Slot,
    record_id: Slot,
    /// One slot per `<Data>` of `<EventData>`, in document order.
    data: Vec<Slot>,
    /// Classic (`ReportEvent`) events carry their whole `<EventData>` as one nested BinXML value
    /// in this slot, right under `<Event>`.
    nested_data: Option<u16>,
    /// False when the event data holds anything the slots cannot reproduce exactly.
    data_plain: bool,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 8).and_then(|s| s.try_into().ok()).map(u64::from_le_bytes)
}

fn utf16_at(b: &[u8], at: usize, units: usize) -> Option<String> {
    let bytes = b.get(at..at.checked_add(units.checked_mul(2)?)?)?;
    let words: Vec<u16> = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    Some(String::from_utf16_lossy(&words).trim_end_matches('\0').to_string())
}

/// A name in the chunk's string table: link (u32), hash (u16), length (u16), UTF-16 text.
fn name_at(chunk: &[u8], offset: usize) -> Option<String> {
    let len = usize::from(u16_at(chunk, offset + 6)?);
    utf16_at(chunk, offset + 8, len)
}

/// Reads a name reference at `pos` (a u32 chunk offset, with the name inline right after it when
/// the offset points there); returns the name and the position after the reference.
fn name_ref(chunk: &[u8], pos: usize, names: &mut NameCache) -> Option<(Rc<str>, usize)> {
    let offset = usize::try_from(u32_at(chunk, pos)?).ok()?;
    let name = if let Some(n) = names.get(&offset) {
        Rc::clone(n)
    } else {
        let n: Rc<str> = name_at(chunk, offset)?.into();
        names.insert(offset, Rc::clone(&n));
        n
    };
    let after = pos + 4;
    if offset == after {
        let len = usize::from(u16_at(chunk, offset + 6)?);
        Some((name, after + 10 + len * 2))
    } else {
        Some((name, after))
    }
}

/// Walks a template definition's BinXML (from `start`, `size` bytes) and notes where the fields
/// One part of a BinXML fragment, as [`walk`] hands it over.
#[derive(Clone, Copy)]
enum Part {
    /// An element opened; it is on top of the stack.
    Open,
    /// Literal text: `len` UTF-16 units at `pos`, decoded only by a visitor that needs it.
    Text {
        pos: usize,
        len: usize,
    },
    Substitution(u16),
    /// CDATA, a character or entity reference, a processing instruction: text not reproduced here.
    Other,
}

/// The element on top of the stack and its parent.
fn top_two(stack: &[Rc<str>]) -> (Option<&str>, Option<&str>) {
    let mut rev = stack.iter().rev().map(|s| &**s);
    (rev.next(), rev.next())
}

/// Walks the BinXML tokens of `start..end`, keeping the element stack and the current attribute,
/// and hands each part to `visit`. Template definitions carry a dependency id in each element
/// header; nested fragments do not. `None`: an unknown token, a bad offset, a non-string literal,
/// or `visit` giving up.
fn walk(
    chunk: &[u8],
    start: usize,
    end: usize,
    dependency_ids: bool,
    names: &mut NameCache,
    mut visit: impl FnMut(&[Rc<str>], Option<&str>, Part) -> Option<()>,
) -> Option<()> {
    let mut stack: Vec<Rc<str>> = Vec::new();
    let mut attribute: Option<Rc<str>> = None;
    let name_at_open = if dependency_ids { 7 } else { 5 };
    let mut pos = start;
    while pos < end {
        let token = *chunk.get(pos)?;
        match token & 0xBF {
            0x00 => break,
            0x0f => pos += 4,
            0x01 => {
                // [dependency id (u16)], data size (u32), then the name reference
                let (name, after) = name_ref(chunk, pos + name_at_open, names)?;
                pos = after + if token & 0x40 != 0 { 4 } else { 0 };
                if stack.len() >= MAX_DEPTH {
                    return None;
                }
                stack.push(name);
                attribute = None;
                visit(&stack, None, Part::Open)?;
            }
            0x02 => {
                attribute = None;
                pos += 1;
            }
            0x03 | 0x04 => {
                stack.pop();
                attribute = None;
                pos += 1;
            }
            0x05 => {
                // Literal value: type (u8), then for strings a u16 length and UTF-16 text.
                if *chunk.get(pos + 1)? != 0x01 {
                    return None;
                }
                let len = usize::from(u16_at(chunk, pos + 2)?);
                visit(&stack, attribute.as_deref(), Part::Text { pos: pos + 4, len })?;
                pos += 4 + len * 2;
            }
            0x06 => {
                let (name, after) = name_ref(chunk, pos + 1, names)?;
                attribute = Some(name);
                pos = after;
            }
            0x07 | 0x0b => {
                let len = usize::from(u16_at(chunk, pos + 1)?);
                visit(&stack, attribute.as_deref(), Part::Other)?;
                pos += 3 + len * 2;
            }
            0x08 => {
                visit(&stack, attribute.as_deref(), Part::Other)?;
                pos += 3;
            }
            0x09 | 0x0a => {
                visit(&stack, attribute.as_deref(), Part::Other)?;
                pos = name_ref(chunk, pos + 1, names)?.1;
            }
            0x0d | 0x0e => {
                visit(&stack, attribute.as_deref(), Part::Substitution(u16_at(chunk, pos + 1)?))?;
                pos += 4;
            }
            _ => return None,
        }
    }
    Some(())
}

/// we select on come from. `None` when the definition is not walkable.
fn template_info(chunk: &[u8], start: usize, size: usize, names: &mut NameCache) -> Option<TemplateInfo> {
    let end = start.checked_add(size)?.min(chunk.len());
    let mut info = TemplateInfo {
        event_id: Slot::Missing,
        provider: Slot::Missing,
        event_source_name: Slot::Missing,
        channel: Slot::Missing,
        qualifiers: Slot::Missing,
        computer: Slot::Missing,
        time: Slot::Missing,
        record_id: Slot::Missing,
        data: Vec::new(),
        nested_data: None,
        data_plain: true,
    };
    walk(chunk, start, end, true, names, |stack, attribute, part| {
        match part {
            Part::Open => match top_two(stack) {
                (Some("Data"), Some("EventData")) => info.data.push(Slot::Missing),
                (Some("UserData"), _) | (_, Some("Data")) => info.data_plain = false,
                _ => {}
            },
            Part::Text { pos, len } => {
                assign(&mut info, stack, attribute, || utf16_at(chunk, pos, len).map_or(Slot::Missing, Slot::Literal));
            }
            Part::Substitution(index) => assign(&mut info, stack, attribute, || Slot::Substitution(index)),
            // CDATA or a reference inside the event data renders as text we would not reproduce.
            Part::Other if stack.iter().any(|e| &**e == "EventData") => info.data_plain = false,
            Part::Other => {}
        }
        Some(())
    })?;
    Some(info)
}

/// Records where a literal or substitution lands. `slot` is only called where the value is used:
/// decoding the literals of every template (GUIDs, keywords …) would dominate the scan.
fn assign(info: &mut TemplateInfo, stack: &[Rc<str>], attribute: Option<&str>, slot: impl FnOnce() -> Slot) {
    let element = stack.last().map(|s| &**s);
    let parent = stack.iter().rev().nth(1).map(|s| &**s);
    let in_system = parent == Some("System");
    match (element, attribute) {
        (Some("EventID"), None) if in_system => info.event_id = slot(),
        (Some("EventID"), Some("Qualifiers")) if in_system => info.qualifiers = slot(),
        (Some("Provider"), Some("Name")) if in_system => info.provider = slot(),
        (Some("Provider"), Some("EventSourceName")) if in_system => info.event_source_name = slot(),
        (Some("Channel"), None) if in_system => info.channel = slot(),
        (Some("Computer"), None) if in_system => info.computer = slot(),
        (Some("TimeCreated"), Some("SystemTime")) if in_system => info.time = slot(),
        (Some("EventRecordID"), None) if in_system => info.record_id = slot(),
        (Some("Data"), None) if parent == Some("EventData") => match info.data.last_mut() {
            // One value per Data element; text mixed with values would render differently.
            Some(last @ Slot::Missing) => *last = slot(),
            _ => info.data_plain = false,
        },
        // Data's own attributes, and a Binary blob beside the Data (the event XML parser reads
        // only Data), change nothing.
        (Some("Data"), Some(_)) | (Some("Binary"), _) if parent == Some("EventData") => {}
        (Some("Event"), None) if stack.len() == 1 => match (slot(), info.nested_data) {
            (Slot::Substitution(i), None) => info.nested_data = Some(i),
            _ => info.data_plain = false,
        },
        _ if stack.iter().any(|e| &**e == "EventData") => info.data_plain = false,
        _ => {}
    }
}

/// The substitution values of one record, located lazily: most records need two of them.
#[derive(Clone, Copy)]
struct Values<'a> {
    chunk: &'a [u8],
    descriptors: usize,
    count: usize,
    data: usize,
}

impl<'a> Values<'a> {
    fn at(chunk: &'a [u8], pos: usize) -> Option<Values<'a>> {
        let count = usize::try_from(u32_at(chunk, pos)?).ok()?;
        if count > 4096 {
            return None;
        }
        let descriptors = pos + 4;
        Some(Values { chunk, descriptors, count, data: descriptors + count * 4 })
    }

    /// (type, chunk offset, size) of value `index`.
    fn locate(&self, index: usize) -> Option<(u8, usize, usize)> {
        if index >= self.count {
            return None;
        }
        let mut offset = self.data;
        for i in 0..index {
            offset += usize::from(u16_at(self.chunk, self.descriptors + i * 4)?);
        }
        let size = usize::from(u16_at(self.chunk, self.descriptors + index * 4)?);
        let value_type = *self.chunk.get(self.descriptors + index * 4 + 2)?;
        Some((value_type, offset, size))
    }

    /// (type, bytes) of value `index`.
    fn get(&self, index: usize) -> Option<(u8, &'a [u8])> {
        if index >= self.count {
            return None;
        }
        let mut offset = self.data;
        for i in 0..index {
            offset += usize::from(u16_at(self.chunk, self.descriptors + i * 4)?);
        }
        let size = usize::from(u16_at(self.chunk, self.descriptors + index * 4)?);
        let value_type = *self.chunk.get(self.descriptors + index * 4 + 2)?;
        Some((value_type, self.chunk.get(offset..offset + size)?))
    }
}

fn resolve_text<'a>(slot: &'a Slot, values: &Values<'a>) -> Text<'a> {
    match slot {
        Slot::Literal(s) => Text::Literal(s),
        Slot::Missing => Text::Literal(""),
        Slot::Substitution(i) => match values.get(usize::from(*i)) {
            Some((0x00, _)) => Text::Literal(""),
            Some((0x01, bytes)) => Text::Utf16(bytes),
            _ => Text::Unknown,
        },
    }
}

fn resolve_event_id(slot: &Slot, values: &Values) -> Option<u16> {
    match slot {
        Slot::Literal(s) => s.trim().parse().ok(),
        Slot::Substitution(i) => {
            let (_, bytes) = values.get(usize::from(*i))?;
            match bytes.len() {
                1 => Some(u16::from(bytes[0])),
                2 | 4 | 8 => u16_at(bytes, 0),
                _ => None,
            }
        }
        Slot::Missing => None,
    }
}

/// Classifies every record of `chunk` and selects those `wanted` says yes to (or that cannot be
/// classified).
pub fn select_chunk(chunk: &[u8], wanted: impl Fn(&Classified<'_>) -> bool) -> Selection {
    let mut selection = Selection::default();
    if chunk.len() < CHUNK_HEADER || !chunk.starts_with(b"ElfChnk\0") {
        selection.render_all = true;
        return selection;
    }
    let free = u32_at(chunk, 48).and_then(|f| usize::try_from(f).ok()).unwrap_or(0).min(chunk.len());
    let mut templates: OffsetMap<Option<TemplateInfo>> = OffsetMap::default();
    let mut names = NameCache::default();
    let mut pos = CHUNK_HEADER;
    while pos + 24 <= free {
        let (Some(magic), Some(size)) = (u32_at(chunk, pos), u32_at(chunk, pos + 4)) else { break };
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        if magic != RECORD_MAGIC || size < 28 || pos + size > chunk.len() {
            // A broken record chain: what follows cannot be found without the evtx crate's resync.
            selection.render_all = true;
            break;
        }
        selection.records += 1;
        let record_id = u64_at(chunk, pos + 8).unwrap_or(0);
        match classify(chunk, pos + 24, &mut templates, &mut names) {
            // Only the few wanted records are read out; the rest cost a classification.
            Some((c, info, values)) if wanted(&c) => {
                match extract(info, &values, c.event_id.unwrap_or_default(), record_id) {
                    Some(event) => selection.extracted.push((record_id, event)),
                    None => selection.wanted.push(record_id),
                }
            }
            Some(_) => {}
            None => selection.wanted.push(record_id),
        }
        pos += size;
    }
    selection
}

fn is_null(slot: &Slot, values: &Values) -> bool {
    matches!(slot, Slot::Substitution(i) if matches!(values.get(usize::from(*i)), Some((0x00, _))))
}

fn plain_string(slot: &Slot, values: &Values) -> Option<String> {
    match slot {
        Slot::Literal(s) => Some(s.clone()),
        Slot::Missing => Some(String::new()),
        Slot::Substitution(i) => match values.get(usize::from(*i))? {
            (0x01, bytes) => utf16_at(bytes, 0, bytes.len() / 2),
            _ => None,
        },
    }
}

/// A value only the renderer can turn into text.
struct NeedsRendering;

/// An attribute that renders only when its value is not null.
fn optional_string(slot: &Slot, values: &Values) -> Result<Option<String>, NeedsRendering> {
    if matches!(slot, Slot::Missing) || is_null(slot, values) {
        return Ok(None);
    }
    plain_string(slot, values).map(Some).ok_or(NeedsRendering)
}

fn integer(slot: &Slot, values: &Values, value_type: u8) -> Result<Option<u64>, NeedsRendering> {
    let value = match slot {
        Slot::Missing => return Ok(None),
        Slot::Literal(s) => s.trim().parse().ok(),
        Slot::Substitution(i) => match values.get(usize::from(*i)) {
            Some((0x00, _)) => return Ok(None),
            Some((t, bytes)) if t == value_type => match bytes.len() {
                2 => u16_at(bytes, 0).map(u64::from),
                8 => u64_at(bytes, 0),
                _ => None,
            },
            _ => None,
        },
    };
    value.map(Some).ok_or(NeedsRendering)
}

/// The record's fields from its slots, or `None` when any of them needs the renderer.
fn extract(info: &TemplateInfo, values: &Values, event_id: u16, header_record_id: u64) -> Option<RawEvent> {
    if !info.data_plain {
        return None;
    }
    let mut data = Vec::with_capacity(info.data.len());
    if let Some(slot) = info.nested_data {
        if !info.data.is_empty() {
            return None;
        }
        match values.locate(usize::from(slot))? {
            (0x00, _, _) => {}
            (0x21, start, size) => data = nested_event_data(values.chunk, start, size)?,
            _ => return None,
        }
    }
    for slot in &info.data {
        push_data(slot, values, &mut data)?;
    }
    Some(RawEvent {
        event_id,
        qualifiers: integer(&info.qualifiers, values, 0x06).ok()?.and_then(|q| u16::try_from(q).ok()),
        provider: optional_string(&info.provider, values).ok()?.unwrap_or_default(),
        event_source_name: optional_string(&info.event_source_name, values).ok()?,
        channel: plain_string(&info.channel, values)?.trim().to_string(),
        computer: plain_string(&info.computer, values)?.trim().to_string(),
        time: integer(&info.time, values, 0x11).ok()?.and_then(Timestamp::from_filetime),
        record_id: integer(&info.record_id, values, 0x0a).ok()?.or(Some(header_record_id)),
        data,
        origin: Origin::default(),
    })
}

/// The `<Data>` text(s) one slot renders to: a string is one `<Data>`; a string array (how
/// classic events pass their insertion strings) is one `<Data>` per element. A null may drop its
/// element when rendered, so it (like any other type) is left to the renderer.
fn push_data(slot: &Slot, values: &Values, data: &mut Vec<String>) -> Option<()> {
    if let Slot::Substitution(i) = slot
        && let Some((0x81, bytes)) = values.get(usize::from(*i))
    {
        let units: Vec<u16> = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        let mut parts: Vec<&[u16]> = units.split(|u| *u == 0).collect();
        // Each element ends with a NUL, so the last split piece is the empty tail.
        if parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        data.extend(parts.into_iter().map(String::from_utf16_lossy));
        return Some(());
    }
    if is_null(slot, values) {
        return None;
    }
    data.push(plain_string(slot, values)?);
    Some(())
}

/// The `<Data>` texts of a nested BinXML `<EventData>` (no template, no dependency ids, literal
/// string values). `None` for anything else: the renderer then reads the record.
fn nested_event_data(chunk: &[u8], start: usize, size: usize) -> Option<Vec<String>> {
    let end = start.checked_add(size)?.min(chunk.len());
    // Most classic events nest a template instance of their own: EventData with Data (and Binary)
    // filled from its values.
    if chunk.get(start..start + 5)? == [0x0f, 0x01, 0x01, 0x00, 0x0c] {
        let instance = start + 4;
        let def_offset = usize::try_from(u32_at(chunk, instance + 6)?).ok()?;
        let def_size = usize::try_from(u32_at(chunk, def_offset + 20)?).ok()?;
        let mut after = instance + 10;
        if def_offset == after {
            after += 24 + def_size;
        }
        let info = template_info(chunk, def_offset + 24, def_size, &mut NameCache::default())?;
        let values = Values::at(chunk, after)?;
        if !info.data_plain || info.nested_data.is_some() || after > end {
            return None;
        }
        let mut data = Vec::with_capacity(info.data.len());
        for slot in &info.data {
            push_data(slot, &values, &mut data)?;
        }
        return Some(data);
    }
    let mut data: Vec<String> = Vec::new();
    walk(chunk, start, end, false, &mut NameCache::default(), |stack, attribute, part| {
        let in_data = top_two(stack) == (Some("Data"), Some("EventData"));
        let inside_data = stack.iter().any(|e| &**e == "Data");
        match part {
            Part::Open if in_data => data.push(String::new()),
            Part::Text { pos, len } if attribute.is_none() && in_data => {
                data.last_mut()?.push_str(&utf16_at(chunk, pos, len)?);
            }
            // Text deeper inside a Data, or anything only the renderer reproduces, goes to it.
            Part::Text { .. } if attribute.is_none() && inside_data => return None,
            Part::Substitution(_) => return None,
            Part::Other if inside_data => return None,
            Part::Open | Part::Text { .. } | Part::Other => {}
        }
        Some(())
    })?;
    Some(data)
}

/// Reads a record's BinXML prefix: fragment header, template instance, values.
fn classify<'a>(
    chunk: &'a [u8],
    binxml: usize,
    templates: &'a mut OffsetMap<Option<TemplateInfo>>,
    names: &mut NameCache,
) -> Option<(Classified<'a>, &'a TemplateInfo, Values<'a>)> {
    if chunk.get(binxml..binxml + 4)? != [0x0f, 0x01, 0x01, 0x00] || *chunk.get(binxml + 4)? != 0x0c {
        return None;
    }
    let def_offset = usize::try_from(u32_at(chunk, binxml + 10)?).ok()?;
    let mut after = binxml + 14;
    let def_size = usize::try_from(u32_at(chunk, def_offset + 20)?).ok()?;
    if def_offset == after {
        after += 24 + def_size;
    }
    let info = templates
        .entry(def_offset)
        .or_insert_with(|| template_info(chunk, def_offset + 24, def_size, names))
        .as_ref()?;
    let values = Values::at(chunk, after)?;
    let event_id = resolve_event_id(&info.event_id, &values)?;
    let classified = Classified {
        event_id: Some(event_id),
        provider: resolve_text(&info.provider, &values),
        event_source_name: resolve_text(&info.event_source_name, &values),
        channel: resolve_text(&info.channel, &values),
    };
    Some((classified, info, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_selects_everything_for_rendering_and_never_panics() {
        assert!(select_chunk(b"", |_| false).render_all);
        assert!(select_chunk(&[0u8; 1000], |_| false).render_all);
        let mut chunk = vec![0u8; CHUNK_SIZE];
        chunk[..8].copy_from_slice(b"ElfChnk\0");
        chunk[48..52].copy_from_slice(&70_000u32.to_le_bytes());
        chunk[512..516].copy_from_slice(&RECORD_MAGIC.to_le_bytes());
        chunk[516..520].copy_from_slice(&u32::MAX.to_le_bytes());
        let s = select_chunk(&chunk, |_| false);
        assert!(s.render_all && s.wanted.is_empty());
    }
}
