//! Event XML as `wevtutil qe … /f:xml` and `Get-WinEvent … | % ToXml()` write it: `<Event>`
//! elements with or without a root element, single- or double-quoted attributes. Streamed: memory
//! holds one event at a time. A malformed event is a warning at its byte offset; the events
//! around it are still read.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::Event as XmlEvent;

use crate::event::{Origin, RawEvent, ReadWarning};
use crate::time::Timestamp;

/// One event is never this large; a runaway element is cut off and reported.
const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;
/// `<Provider>` has four attributes; nothing we read has more than this.
const MAX_ATTRIBUTES: usize = 64;

/// Reads every `<Event>` of `input`, calling `on_event` for each. Returns the warnings.
pub fn read_events<R: BufRead>(input: R, file: &str, on_event: impl FnMut(RawEvent)) -> Vec<ReadWarning> {
    let mut searched = 0;
    read_events_counting(input, file, on_event, &mut searched)
}

/// [`read_events`], adding to `searched` the bytes the element search looked at: each byte of the
/// input about once, however the events are cut (a runaway `<Event>` once cost the square of its
/// length).
fn read_events_counting<R: BufRead>(
    mut input: R,
    file: &str,
    mut on_event: impl FnMut(RawEvent),
    searched: &mut u64,
) -> Vec<ReadWarning> {
    let mut warnings = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    // Byte offset in the file of pending[0].
    let mut base: u64 = 0;
    let mut eof = false;
    // An `<Event` start already found in `pending`, and how far the search for its end has got.
    let mut open: Option<(usize, usize)> = None;
    let warn = |offset: u64, message: String| ReadWarning { file: file.to_string(), offset: Some(offset), message };
    loop {
        if crate::budget::exceeded() {
            warnings.push(warn(base, "stopped: reading this file took longer than its time limit".into()));
            return warnings;
        }
        match next_event_span(&pending, open, searched) {
            Span::Complete { start, end } => {
                let offset = base + start as u64;
                match parse_event(&pending[start..end], file, offset) {
                    Ok(event) => on_event(event),
                    Err(message) => warnings.push(warn(offset, message)),
                }
                pending.drain(..end);
                base += end as u64;
                open = None;
                continue;
            }
            Span::NoStart { keep_from } => {
                pending.drain(..keep_from);
                base += keep_from as u64;
                open = None;
            }
            Span::Open { start, .. } if pending.len() - start > MAX_EVENT_BYTES => {
                let message = format!("<Event> element longer than {MAX_EVENT_BYTES} bytes; skipped");
                warnings.push(warn(base + start as u64, message));
                pending.drain(..start + 6);
                base += (start + 6) as u64;
                open = None;
                continue;
            }
            Span::Open { start, searched_to } => open = Some((start, searched_to)),
        }
        if eof {
            if let Some((start, _)) = open {
                warnings.push(warn(base + start as u64, "file ends inside an <Event> element (truncated?)".into()));
            }
            return warnings;
        }
        match input.fill_buf() {
            Ok([]) => eof = true,
            Ok(chunk) => {
                let n = chunk.len();
                pending.extend_from_slice(chunk);
                input.consume(n);
            }
            Err(e) => {
                warnings.push(warn(base + pending.len() as u64, format!("read error: {e}")));
                return warnings;
            }
        }
    }
}

enum Span {
    Complete {
        start: usize,
        end: usize,
    },
    /// An element that has not ended yet; its end was looked for up to `searched_to`.
    Open {
        start: usize,
        searched_to: usize,
    },
    /// No `<Event` yet; bytes before `keep_from` can go (a partial tag at the end is kept).
    NoStart {
        keep_from: usize,
    },
}

/// Finds the first whole `<Event …>…</Event>` in `buf`. `<EventData>`/`<EventID>` are not starts.
/// `open` is an element found before and how far its end was searched: the search resumes there.
fn next_event_span(buf: &[u8], open: Option<(usize, usize)>, searched: &mut u64) -> Span {
    let (start, from) = match open {
        Some((start, searched_to)) => (start, searched_to.saturating_sub(b"</Event>".len() - 1).max(start)),
        None => match find_event_start(buf, 0, searched) {
            Some(start) => (start, start),
            None => return Span::NoStart { keep_from: buf.len().saturating_sub(7) },
        },
    };
    *searched += buf.len().saturating_sub(from) as u64;
    match find(buf, b"</Event>", from) {
        Some(close) => Span::Complete { start, end: close + 8 },
        None => Span::Open { start, searched_to: buf.len() },
    }
}

fn find_event_start(buf: &[u8], from: usize, searched: &mut u64) -> Option<usize> {
    let mut at = from;
    while let Some(i) = find(buf, b"<Event", at) {
        *searched += (i + 6 - at) as u64;
        match buf.get(i + 6) {
            Some(b' ' | b'>' | b'\t' | b'\r' | b'\n' | b'/') => return Some(i),
            Some(_) => at = i + 6,
            None => return None,
        }
    }
    *searched += buf.len().saturating_sub(at) as u64;
    None
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// Parses one `<Event>` element.
pub fn parse_event(xml: &[u8], file: &str, offset: u64) -> Result<RawEvent, String> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(false);
    let mut event = RawEvent { origin: Origin { file: file.to_string(), offset: Some(offset) }, ..RawEvent::default() };
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut text = String::new();
    let mut saw_event_id = false;
    let mut buf = Vec::new();
    loop {
        let position = reader.buffer_position();
        match reader.read_event_into(&mut buf) {
            Err(e) => return Err(format!("malformed XML at byte {}: {e}", offset + position)),
            Ok(XmlEvent::Eof) => break,
            Ok(XmlEvent::Start(start)) => {
                read_attributes(&start, &mut event)?;
                path.push(start.local_name().as_ref().to_vec());
                text.clear();
            }
            Ok(XmlEvent::Empty(start)) => {
                read_attributes(&start, &mut event)?;
                if start.local_name().as_ref() == b"Data" && in_data_section(&path) {
                    event.data.push(String::new());
                }
            }
            Ok(XmlEvent::Text(t)) => {
                text.push_str(&t.decode().map_err(|e| format!("bad text at byte {}: {e}", offset + position))?);
            }
            Ok(XmlEvent::GeneralRef(r)) => text.push_str(&resolve_entity(&r.decode().map_err(|e| e.to_string())?)),
            Ok(XmlEvent::CData(c)) => text.push_str(&String::from_utf8_lossy(&c)),
            Ok(XmlEvent::End(end)) => {
                let name = end.local_name().as_ref().to_vec();
                let value = std::mem::take(&mut text);
                match name.as_slice() {
                    b"EventID" => {
                        event.event_id =
                            value.trim().parse().map_err(|_| format!("EventID `{}` is not a number", value.trim()))?;
                        saw_event_id = true;
                    }
                    b"EventRecordID" => event.record_id = value.trim().parse().ok(),
                    b"Channel" => event.channel = value.trim().to_string(),
                    b"Computer" => event.computer = value.trim().to_string(),
                    b"Data" if in_data_section(&path[..path.len().saturating_sub(1)]) => event.data.push(value),
                    _ => {}
                }
                path.pop();
            }
            Ok(_) => {}
        }
        buf.clear();
    }
    if !saw_event_id {
        return Err("event has no EventID".into());
    }
    Ok(event)
}

fn in_data_section(path: &[Vec<u8>]) -> bool {
    path.iter().any(|p| p == b"EventData" || p == b"UserData")
}

fn resolve_entity(name: &str) -> String {
    match name {
        "amp" => "&".into(),
        "lt" => "<".into(),
        "gt" => ">".into(),
        "quot" => "\"".into(),
        "apos" => "'".into(),
        other => other
            .strip_prefix("#x")
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .or_else(|| other.strip_prefix('#').and_then(|d| d.parse().ok()))
            .and_then(char::from_u32)
            .map_or_else(|| format!("&{other};"), String::from),
    }
}

fn read_attributes(start: &quick_xml::events::BytesStart, event: &mut RawEvent) -> Result<(), String> {
    let name = start.local_name();
    let wanted: &[&[u8]] = match name.as_ref() {
        b"Provider" => &[b"Name", b"EventSourceName"],
        b"TimeCreated" => &[b"SystemTime"],
        b"EventID" => &[b"Qualifiers"],
        _ => return Ok(()),
    };
    // No duplicate check (quadratic in the number of attributes; a hostile <Provider> had 400,000)
    // and no more attributes read than a real element has.
    for attr in start.attributes().with_checks(false).take(MAX_ATTRIBUTES) {
        let attr = attr.map_err(|e| format!("bad attribute: {e}"))?;
        let key = attr.key.local_name();
        if !wanted.contains(&key.as_ref()) {
            continue;
        }
        let value = attr.unescape_value().map_err(|e| format!("bad attribute value: {e}"))?.into_owned();
        match (name.as_ref(), key.as_ref()) {
            (b"Provider", b"Name") => event.provider = value,
            (b"Provider", b"EventSourceName") => event.event_source_name = Some(value),
            (b"TimeCreated", _) => event.time = Timestamp::parse_rfc3339(&value),
            (b"EventID", _) => event.qualifiers = value.parse().ok(),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEVTUTIL: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>\
        <Provider Name='Microsoft-Windows-Security-SPP' Guid='{E23B33B0-C8C9-472C-A5F9-F2BDFEA0F156}' EventSourceName='Software Protection Platform Service'/>\
        <EventID Qualifiers='49152'>8198</EventID><TimeCreated SystemTime='2023-05-24T01:21:11.2292163Z'/><EventRecordID>42</EventRecordID>\
        <Channel>Application</Channel><Computer>PC01.contoso.com</Computer></System>\
        <EventData><Data>hr=0x803F7001</Data><Data>RuleId=31e71c49;Action=AutoActivate &amp; more</Data><Data/></EventData></Event>";

    fn read_all(text: &str) -> (Vec<RawEvent>, Vec<ReadWarning>) {
        let mut events = Vec::new();
        let warnings = read_events(text.as_bytes(), "x.xml", |e| events.push(e));
        (events, warnings)
    }

    #[test]
    fn single_quoted_wevtutil_output_without_a_root() {
        let (events, warnings) = read_all(&format!("{WEVTUTIL}\r\n{WEVTUTIL}"));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(events.len(), 2);
        let e = &events[0];
        assert_eq!((e.event_id, e.qualifiers, e.record_id), (8198, Some(49152), Some(42)));
        assert_eq!(e.provider, "Microsoft-Windows-Security-SPP");
        assert_eq!(e.computer, "PC01.contoso.com");
        assert_eq!(e.data, ["hr=0x803F7001", "RuleId=31e71c49;Action=AutoActivate & more", ""]);
        assert_eq!(e.time.map(Timestamp::to_rfc3339).as_deref(), Some("2023-05-24T01:21:11Z"));
        assert_eq!(events[1].origin.offset, Some(u64::try_from(WEVTUTIL.len() + 2).unwrap()));
    }

    #[test]
    fn double_quotes_and_a_root_element() {
        let doc = format!("<?xml version=\"1.0\"?><Events>{}</Events>", WEVTUTIL.replace('\'', "\""));
        let (events, warnings) = read_all(&doc);
        assert!(warnings.is_empty());
        assert_eq!(events[0].event_id, 8198);
    }

    #[test]
    fn a_malformed_event_is_a_warning_and_the_next_is_still_read() {
        let broken = WEVTUTIL.replace("<Computer>", "<Computer><");
        let (events, warnings) = read_all(&format!("{broken}{WEVTUTIL}<Event><System>"));
        assert_eq!(events.len(), 1);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert_eq!(warnings[0].offset, Some(0));
        assert!(warnings[1].message.contains("truncated"));
    }

    /// Regression: six unclosed 17 MiB `<Event>` starts took 1 min 44 s (the end was searched from
    /// the start again for every 8 KiB read). Now each byte is looked at a bounded number of times.
    #[test]
    fn runaway_events_are_searched_in_linear_time() {
        let mut text = String::new();
        for _ in 0..6 {
            text.push_str("<Event><System>");
            text.push_str(&"x".repeat(17 * 1024 * 1024));
        }
        text.push_str(WEVTUTIL);
        let mut events = Vec::new();
        let mut searched = 0;
        let reader = std::io::BufReader::with_capacity(8192, text.as_bytes());
        let warnings = read_events_counting(reader, "x.xml", |e| events.push(e), &mut searched);
        assert_eq!(events.len(), 1, "the good event after them is kept");
        assert!(warnings.iter().all(|w| w.message.contains("longer than")), "{warnings:?}");
        let bytes = u64::try_from(text.len()).unwrap();
        assert!(searched < 3 * bytes, "searched {searched} bytes for {bytes}");
    }

    /// Regression: an element with 400,000 attributes cost quadratic time in the duplicate check.
    #[test]
    fn many_attributes_cost_linear_time() {
        let attributes = (0..400_000).fold(String::new(), |mut out, i| {
            use std::fmt::Write as _;
            let _ = write!(out, " a{i}='x'");
            out
        });
        let event = WEVTUTIL.replace("<Provider Name=", &format!("<Provider{attributes} Name="));
        let started = std::time::Instant::now();
        let (events, _) = read_all(&format!("{event}{WEVTUTIL}"));
        assert_eq!(events.len(), 2);
        // A generous ceiling: the quadratic check took minutes, the linear read well under one second.
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    }

    #[test]
    fn tiny_reads_give_the_same_result() {
        let text = format!("{WEVTUTIL}{WEVTUTIL}");
        let mut events = Vec::new();
        let reader = std::io::BufReader::with_capacity(7, text.as_bytes());
        let warnings = read_events(reader, "x.xml", |e| events.push(e));
        assert!(warnings.is_empty());
        assert_eq!(events.len(), 2);
    }
}
