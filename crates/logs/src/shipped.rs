//! What log collectors and shippers write, one JSON object per line: OpenWEC's `RawJson`
//! (`{"meta": {…}, "data": "<Event …>"}`) and `Json` (`System`, `EventData` with `Data[]` or named
//! fields), and Winlogbeat / Elastic documents (`winlog.*`, unnamed data as `param1…N` or
//! `param0…`, the XML in `event.original` when it was kept — then that is read instead; also the
//! `_source` of an Elasticsearch hit). OpenWEC's `Raw` format is event XML per line, read by the
//! XML reader. Streamed line by line; a line that is not one of these is a warning with its line
//! number and byte offset, and the lines around it are still read.

use std::io::BufRead;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};

use crate::event::{Origin, RawEvent, ReadWarning};
use crate::time::Timestamp;

/// Which shipper wrote a file, from its first line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shipper {
    OpenWecRawJson,
    OpenWecJson,
    Winlogbeat,
}

impl Shipper {
    /// The `format` of `sources[]`.
    pub fn id(self) -> &'static str {
        match self {
            Shipper::OpenWecRawJson => "openwec_raw_json",
            Shipper::OpenWecJson => "openwec_json",
            Shipper::Winlogbeat => "winlogbeat",
        }
    }

    /// Recognises a file by the start of its first line (`head` may end mid-line).
    pub fn detect(head: &str) -> Option<Shipper> {
        let line = head.trim_start_matches('\u{feff}').trim_start();
        if !line.starts_with('{') {
            return None;
        }
        let line = line.lines().next().unwrap_or_default();
        let has = |key: &str| line.contains(&format!("\"{key}\":")) || line.contains(&format!("\"{key}\" :"));
        if has("winlog") {
            Some(Shipper::Winlogbeat)
        } else if has("System") && line.contains("\"EventID\"") {
            Some(Shipper::OpenWecJson)
        } else if has("data") && line.contains("<Event") {
            Some(Shipper::OpenWecRawJson)
        } else {
            None
        }
    }
}

/// One line is never this long; a longer one is skipped with a warning.
const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Reads every line of `input`; returns the lines read and the warnings.
pub fn read_lines<R: BufRead>(mut input: R, file: &str, mut on_event: impl FnMut(RawEvent)) -> (u64, Vec<ReadWarning>) {
    let mut warnings = Vec::new();
    let mut line = Vec::new();
    let (mut offset, mut number, mut records) = (0u64, 0u64, 0u64);
    loop {
        if crate::budget::exceeded() {
            warnings.push(warning(file, offset, "stopped here: the time for this file ran out".into()));
            break;
        }
        line.clear();
        let read = match std::io::Read::take(&mut input, MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                warnings.push(warning(file, offset, format!("cannot read: {e}")));
                break;
            }
        };
        number += 1;
        let start = offset;
        offset += read as u64;
        if line.len() > MAX_LINE_BYTES && !line.ends_with(b"\n") {
            warnings.push(warning(file, start, format!("line {number} is longer than 16 MiB: skipped")));
            // The rest of the runaway line, up to its end.
            let mut rest = Vec::new();
            while let Ok(n) = std::io::Read::take(&mut input, MAX_LINE_BYTES as u64).read_until(b'\n', &mut rest) {
                offset += n as u64;
                if n == 0 || rest.ends_with(b"\n") {
                    break;
                }
                rest.clear();
            }
            continue;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_start_matches('\u{feff}').trim();
        if text.is_empty() {
            continue;
        }
        records += 1;
        let origin = Origin { file: file.to_string(), offset: Some(start) };
        match serde_json::from_str::<Line>(text) {
            Ok(parsed) => {
                if let Err(why) = parsed.events(&origin, &mut on_event, &mut warnings) {
                    warnings.push(warning(file, start, format!("line {number}: {why}")));
                }
            }
            Err(e) => warnings.push(warning(file, start, format!("line {number}: not a JSON event: {e}"))),
        }
    }
    (records, warnings)
}

fn warning(file: &str, offset: u64, message: String) -> ReadWarning {
    ReadWarning { file: file.to_string(), offset: Some(offset), message }
}

/// Any line of the three shapes; what is not there is `None`.
#[derive(Debug, Default, Deserialize)]
struct Line {
    /// OpenWEC RawJson: the event's XML.
    data: Option<serde_json::Value>,
    #[serde(rename = "System")]
    system: Option<System>,
    #[serde(rename = "EventData")]
    event_data: Option<Ordered>,
    winlog: Option<Winlog>,
    event: Option<Ecs>,
    #[serde(rename = "@timestamp")]
    timestamp: Option<String>,
    /// An Elasticsearch hit: the document is its `_source`.
    #[serde(rename = "_source")]
    source: Option<Box<Line>>,
}

#[derive(Debug, Default, Deserialize)]
struct System {
    #[serde(rename = "Provider")]
    provider: Option<Provider>,
    #[serde(rename = "EventID")]
    event_id: Option<Number>,
    #[serde(rename = "EventIDQualifiers")]
    qualifiers: Option<Number>,
    #[serde(rename = "TimeCreated")]
    time_created: Option<String>,
    #[serde(rename = "EventRecordID")]
    record_id: Option<Number>,
    #[serde(rename = "Channel")]
    channel: Option<String>,
    #[serde(rename = "Computer")]
    computer: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Provider {
    #[serde(rename = "Name")]
    name: Option<String>,
    #[serde(rename = "EventSourceName")]
    event_source_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Winlog {
    channel: Option<String>,
    event_id: Option<Number>,
    provider_name: Option<String>,
    computer_name: Option<String>,
    record_id: Option<Number>,
    time_created: Option<String>,
    event_data: Option<Ordered>,
}

#[derive(Debug, Default, Deserialize)]
struct Ecs {
    original: Option<String>,
}

/// A number as JSON has it or as a string (Winlogbeat keeps `event_id` and `record_id` as
/// keywords).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Number {
    Integer(u64),
    Text(String),
}

impl Number {
    fn get(&self) -> Option<u64> {
        match self {
            Number::Integer(n) => Some(*n),
            Number::Text(s) => s.trim().parse().ok(),
        }
    }
}

/// A JSON object's members in the order written: event data is positional.
#[derive(Debug, Default)]
struct Ordered(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Ordered, D::Error> {
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of event data")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, serde_json::Value>()? {
                    members.push(member);
                }
                Ok(Ordered(members))
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// A value of event data as the XML would have held it.
fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl Ordered {
    /// OpenWEC: `Data` holds the unnamed values in order; named fields are values in order.
    fn openwec_values(&self) -> Vec<String> {
        let mut values = Vec::new();
        for (name, value) in &self.0 {
            match (name.as_str(), value) {
                ("Binary", _) => {}
                ("Data", serde_json::Value::Array(items)) => values.extend(items.iter().map(text)),
                (_, value) => values.push(text(value)),
            }
        }
        values
    }

    /// Winlogbeat: unnamed values are `param1…N` (or `param0…`), in number order, whatever order
    /// the document has them in; named fields keep their order.
    fn winlogbeat_values(&self) -> Vec<String> {
        let param = |name: &str| name.strip_prefix("param").and_then(|n| n.parse::<u32>().ok());
        let mut params: Vec<(u32, String)> =
            self.0.iter().filter_map(|(name, value)| Some((param(name)?, text(value)))).collect();
        if !params.is_empty() {
            params.sort_by_key(|(n, _)| *n);
            return params.into_iter().map(|(_, v)| v).collect();
        }
        self.0.iter().filter(|(name, _)| name != "Binary").map(|(_, v)| text(v)).collect()
    }
}

impl Line {
    fn events(
        self,
        origin: &Origin,
        on_event: &mut impl FnMut(RawEvent),
        warnings: &mut Vec<ReadWarning>,
    ) -> Result<(), String> {
        if let Some(source) = self.source {
            return source.events(origin, on_event, warnings);
        }
        // The event's own XML, when the line carries it, is the whole event: read that.
        let xml = match (&self.data, self.event.as_ref().and_then(|e| e.original.as_deref())) {
            (Some(serde_json::Value::String(data)), _) if data.trim_start().starts_with('<') => Some(data.as_str()),
            (_, Some(original)) if original.trim_start().starts_with('<') => Some(original),
            _ => None,
        };
        if let Some(xml) = xml {
            let mut found = false;
            let inner = crate::xml::read_events(xml.as_bytes(), &origin.file, |mut e| {
                e.origin = origin.clone();
                found = true;
                on_event(e);
            });
            warnings.extend(inner.into_iter().map(|w| ReadWarning { offset: origin.offset, ..w }));
            return if found { Ok(()) } else { Err("its XML holds no <Event>".into()) };
        }
        if let Some(system) = self.system {
            return openwec(system, &self.event_data.unwrap_or_default(), origin).map(on_event);
        }
        if let Some(winlog) = self.winlog {
            return winlogbeat(winlog, self.timestamp.as_deref(), origin).map(on_event);
        }
        Err("neither an OpenWEC event (System, data) nor a Winlogbeat document (winlog)".into())
    }
}

fn event_id(number: Option<&Number>) -> Result<u16, String> {
    let id = number.and_then(Number::get).ok_or("no event ID")?;
    u16::try_from(id).map_err(|_| format!("event ID {id} is not 16-bit"))
}

fn openwec(system: System, data: &Ordered, origin: &Origin) -> Result<RawEvent, String> {
    let provider = system.provider.unwrap_or_default();
    Ok(RawEvent {
        event_id: event_id(system.event_id.as_ref())?,
        qualifiers: system.qualifiers.as_ref().and_then(Number::get).and_then(|q| u16::try_from(q).ok()),
        provider: provider.name.unwrap_or_default(),
        event_source_name: provider.event_source_name,
        channel: system.channel.unwrap_or_default(),
        computer: system.computer.unwrap_or_default(),
        time: system.time_created.as_deref().and_then(Timestamp::parse_rfc3339),
        record_id: system.record_id.as_ref().and_then(Number::get),
        data: data.openwec_values(),
        origin: origin.clone(),
    })
}

fn winlogbeat(winlog: Winlog, timestamp: Option<&str>, origin: &Origin) -> Result<RawEvent, String> {
    Ok(RawEvent {
        event_id: event_id(winlog.event_id.as_ref())?,
        qualifiers: None,
        provider: winlog.provider_name.unwrap_or_default(),
        event_source_name: None,
        channel: winlog.channel.unwrap_or_default(),
        computer: winlog.computer_name.unwrap_or_default(),
        time: winlog.time_created.as_deref().or(timestamp).and_then(Timestamp::parse_rfc3339),
        record_id: winlog.record_id.as_ref().and_then(Number::get),
        data: winlog.event_data.unwrap_or_default().winlogbeat_values(),
        origin: origin.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Vec<RawEvent>, Vec<ReadWarning>) {
        let mut events = Vec::new();
        let (_, warnings) = read_lines(text.as_bytes(), "f.json", |e| events.push(e));
        (events, warnings)
    }

    const XML: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-SPP'/><EventID Qualifiers='16384'>12288</EventID><TimeCreated SystemTime='2024-05-10T11:00:00.0000000Z'/><EventRecordID>20</EventRecordID><Channel>Application</Channel><Computer>PC1</Computer></System><EventData><Data>0xC004F06C, 0x00000000, kms01:1688, cccccccc-0000-4000-8000-000000000001, 2024/05/10 06:00, 0, 2, 43200, 73111121-5638-40f6-bc11-f1d7b0d64300, 25</Data></EventData></Event>";

    #[test]
    fn the_three_shapes_give_the_same_event() {
        let raw_json =
            serde_json::json!({"meta": {"IpAddress": "10.0.0.9", "Subscription": {"Name": "actdoc"}}, "data": XML})
                .to_string();
        let json = serde_json::json!({
            "System": {"Provider": {"Name": "Microsoft-Windows-Security-SPP", "Guid": "{E23B33B0-C8C9-472C-A5F9-F2BDFEA0F156}"},
                       "EventID": 12288, "EventIDQualifiers": 16384, "TimeCreated": "2024-05-10T11:00:00.0000000Z",
                       "EventRecordID": 20, "Channel": "Application", "Computer": "PC1"},
            "EventData": {"Data": ["0xC004F06C, 0x00000000, kms01:1688, cccccccc-0000-4000-8000-000000000001, 2024/05/10 06:00, 0, 2, 43200, 73111121-5638-40f6-bc11-f1d7b0d64300, 25"]},
            "OpenWEC": {"IpAddress": "10.0.0.9"}
        })
        .to_string();
        let beat = serde_json::json!({
            "@timestamp": "2024-05-10T11:00:00.000Z",
            "winlog": {"channel": "Application", "event_id": "12288", "provider_name": "Microsoft-Windows-Security-SPP",
                       "computer_name": "PC1", "record_id": "20",
                       "event_data": {"param1": "0xC004F06C, 0x00000000, kms01:1688, cccccccc-0000-4000-8000-000000000001, 2024/05/10 06:00, 0, 2, 43200, 73111121-5638-40f6-bc11-f1d7b0d64300, 25"}}
        })
        .to_string();
        let (xml_events, _) = {
            let mut events = Vec::new();
            let w = crate::xml::read_events(XML.as_bytes(), "f.json", |e| events.push(e));
            (events, w)
        };
        let expected = &xml_events[0];
        for (line, shipper) in
            [(&raw_json, Shipper::OpenWecRawJson), (&json, Shipper::OpenWecJson), (&beat, Shipper::Winlogbeat)]
        {
            assert_eq!(Shipper::detect(line), Some(shipper), "{line}");
            let (events, warnings) = read(line);
            assert!(warnings.is_empty(), "{warnings:?}");
            let e = &events[0];
            assert_eq!(
                (e.event_id, &e.provider, &e.channel, &e.computer, e.time, e.record_id, &e.data),
                (
                    expected.event_id,
                    &expected.provider,
                    &expected.channel,
                    &expected.computer,
                    expected.time,
                    expected.record_id,
                    &expected.data
                ),
                "{shipper:?}"
            );
            assert_eq!(e.origin.offset, Some(0));
        }
    }

    #[test]
    fn winlogbeat_params_are_read_in_number_order_and_its_xml_wins() {
        let beat = r#"{"winlog":{"channel":"Key Management Service","event_id":12290,"provider_name":"Microsoft-Windows-Security-SPP","computer_name":"KMS01","event_data":{"param10":"j","param2":"b","param1":"a"}}}"#;
        let (events, _) = read(beat);
        assert_eq!(events[0].data, ["a", "b", "j"]);
        let zero = r#"{"winlog":{"channel":"Application","event_id":"8198","provider_name":"X","event_data":{"param1":"b","param0":"a"}}}"#;
        assert_eq!(read(zero).0[0].data, ["a", "b"]);
        let with_xml =
            serde_json::json!({"event": {"original": XML}, "winlog": {"event_id": "1", "provider_name": "other"}})
                .to_string();
        let (events, _) = read(&with_xml);
        assert_eq!((events[0].event_id, events[0].provider.as_str()), (12288, "Microsoft-Windows-Security-SPP"));
    }

    #[test]
    fn a_bad_line_is_a_warning_with_its_line_and_offset_and_the_next_is_read() {
        let good = serde_json::json!({"data": XML}).to_string();
        let text = format!("{good}\n{{\"data\": 5, oops\n\n{{\"other\": 1}}\n{good}\n");
        let (events, warnings) = read(&text);
        assert_eq!(events.len(), 2);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].message.starts_with("line 2: not a JSON event"), "{warnings:?}");
        assert_eq!(warnings[0].offset, Some(good.len() as u64 + 1));
        assert!(warnings[1].message.starts_with("line 4: neither an OpenWEC event"), "{warnings:?}");
        assert_eq!(events[1].origin.offset, Some(text.rfind(&good).unwrap() as u64));
    }

    #[test]
    fn an_event_id_that_is_not_16_bit_or_missing_is_a_warning() {
        let lines = "{\"System\": {\"EventID\": 70000}}\n{\"winlog\": {\"event_id\": \"x\"}}\n";
        let (events, warnings) = read(lines);
        assert!(events.is_empty());
        let messages: Vec<&str> = warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(messages, ["line 1: event ID 70000 is not 16-bit", "line 2: no event ID"]);
    }

    #[test]
    fn a_powershell_object_on_one_line_is_not_a_shipper_line() {
        assert_eq!(Shipper::detect(r#"{"Name":"Windows(R), Enterprise edition","LicenseStatus":1}"#), None);
        assert_eq!(Shipper::detect("<Event>"), None);
    }
}
