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
fn name_ref(chunk: &[u8], pos: usize) -> Option<(String, usize)> {
    let offset = usize::try_from(u32_at(chunk, pos)?).ok()?;
    let name = name_at(chunk, offset)?;
    let after = pos + 4;
    if offset == after {
        let len = usize::from(u16_at(chunk, offset + 6)?);
        Some((name, after + 10 + len * 2))
    } else {
        Some((name, after))
    }
}

/// Walks a template definition's BinXML (from `start`, `size` bytes) and notes where the fields
/// we select on come from. `None` when the definition is not walkable.
fn template_info(chunk: &[u8], start: usize, size: usize) -> Option<TemplateInfo> {
    let end = start.checked_add(size)?.min(chunk.len());
    let mut info = TemplateInfo {
        event_id: Slot::Missing,
        provider: Slot::Missing,
        event_source_name: Slot::Missing,
        channel: Slot::Missing,
    };
    let mut stack: Vec<String> = Vec::new();
    let mut attribute: Option<String> = None;
    let mut pos = start;
    while pos < end {
        let token = *chunk.get(pos)?;
        match token & 0xBF {
            0x00 => break,
            0x0f => pos += 4,
            0x01 => {
                let with_attributes = token & 0x40 != 0;
                // dependency id (u16), data size (u32), then the name reference
                let (name, after) = name_ref(chunk, pos + 7)?;
                pos = after + if with_attributes { 4 } else { 0 };
                if stack.len() >= MAX_DEPTH {
                    return None;
                }
                stack.push(name);
                attribute = None;
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
                let value_type = *chunk.get(pos + 1)?;
                if value_type != 0x01 {
                    return None;
                }
                let len = usize::from(u16_at(chunk, pos + 2)?);
                let text = utf16_at(chunk, pos + 4, len)?;
                assign(&mut info, &stack, attribute.as_deref(), Slot::Literal(text));
                pos += 4 + len * 2;
            }
            0x06 => {
                let (name, after) = name_ref(chunk, pos + 1)?;
                attribute = Some(name);
                pos = after;
            }
            0x07 | 0x0b => {
                let len = usize::from(u16_at(chunk, pos + 1)?);
                pos += 3 + len * 2;
            }
            0x08 => pos += 3,
            0x09 | 0x0a => pos = name_ref(chunk, pos + 1)?.1,
            0x0d | 0x0e => {
                let index = u16_at(chunk, pos + 1)?;
                assign(&mut info, &stack, attribute.as_deref(), Slot::Substitution(index));
                pos += 4;
            }
            _ => return None,
        }
    }
    Some(info)
}

fn assign(info: &mut TemplateInfo, stack: &[String], attribute: Option<&str>, slot: Slot) {
    let element = stack.last().map(String::as_str);
    let in_system = stack.iter().rev().nth(1).is_some_and(|p| p == "System");
    match (element, attribute) {
        (Some("EventID"), None) if in_system => info.event_id = slot,
        (Some("Provider"), Some("Name")) if in_system => info.provider = slot,
        (Some("Provider"), Some("EventSourceName")) if in_system => info.event_source_name = slot,
        (Some("Channel"), None) if in_system => info.channel = slot,
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
    let mut templates: HashMap<usize, Option<TemplateInfo>> = HashMap::new();
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
        let keep = match classify(chunk, pos + 24, &mut templates) {
            Some(c) => wanted(&c),
            None => true,
        };
        if keep {
            selection.wanted.push(record_id);
        }
        pos += size;
    }
    selection
}

/// Reads a record's BinXML prefix: fragment header, template instance, values.
fn classify<'a>(
    chunk: &'a [u8],
    binxml: usize,
    templates: &'a mut HashMap<usize, Option<TemplateInfo>>,
) -> Option<Classified<'a>> {
    if chunk.get(binxml..binxml + 4)? != [0x0f, 0x01, 0x01, 0x00] || *chunk.get(binxml + 4)? != 0x0c {
        return None;
    }
    let def_offset = usize::try_from(u32_at(chunk, binxml + 10)?).ok()?;
    let mut after = binxml + 14;
    let def_size = usize::try_from(u32_at(chunk, def_offset + 20)?).ok()?;
    if def_offset == after {
        after += 24 + def_size;
    }
    let info =
        templates.entry(def_offset).or_insert_with(|| template_info(chunk, def_offset + 24, def_size)).as_ref()?;
    let values = Values::at(chunk, after)?;
    Some(Classified {
        event_id: Some(resolve_event_id(&info.event_id, &values)?),
        provider: resolve_text(&info.provider, &values),
        event_source_name: resolve_text(&info.event_source_name, &values),
        channel: resolve_text(&info.channel, &values),
    })
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
