//! Event Viewer's "Copy details as text" of our events (General tab: "Log Name: … Source: … Event
//! ID: … Description: … Info: …", English or zh-CN labels), turned back into the records the logs
//! hold, so 12288, 12289, 12290, 8198, 8233 and 8230 pasted as text read like the XML. Several
//! events in one paste are several records.

use crate::event::{Origin, RawEvent};
use crate::slmgr::date_time;

use super::lines;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Header {
    LogName,
    Source,
    Date,
    EventId,
    Computer,
    Description,
    /// Task Category, Level, Keywords, User, OpCode: shown, not needed.
    Other,
}

const HEADERS: &[(&str, Header)] = &[
    ("Log Name", Header::LogName),
    ("Source", Header::Source),
    ("Date", Header::Date),
    ("Event ID", Header::EventId),
    ("Task Category", Header::Other),
    ("Level", Header::Other),
    ("Keywords", Header::Other),
    ("User", Header::Other),
    ("Computer", Header::Computer),
    ("OpCode", Header::Other),
    ("Description", Header::Description),
    ("日志名称", Header::LogName),
    ("来源", Header::Source),
    ("日期", Header::Date),
    ("事件 ID", Header::EventId),
    ("任务类别", Header::Other),
    ("级别", Header::Other),
    ("关键字", Header::Other),
    ("用户", Header::Other),
    ("计算机", Header::Computer),
    ("操作代码", Header::Other),
    ("描述", Header::Description),
];

#[derive(Debug, Default)]
struct Copy {
    log: String,
    source: String,
    date: Option<String>,
    id: Option<u16>,
    computer: String,
    description: Vec<String>,
}

/// The events in a text; empty when it holds no Event Viewer copy with an event ID.
pub fn read(text: &str, file: &str) -> Vec<RawEvent> {
    let mut copies: Vec<Copy> = Vec::new();
    let mut in_description = false;
    for (_, line) in lines(text) {
        let trimmed = line.trim();
        if let Some((header, value)) = header(trimmed) {
            if header == Header::LogName || copies.is_empty() {
                copies.push(Copy::default());
            }
            let Some(copy) = copies.last_mut() else { continue };
            in_description = header == Header::Description;
            match header {
                Header::LogName => copy.log = value.to_string(),
                Header::Source => copy.source = value.to_string(),
                Header::Date => copy.date = Some(value.to_string()),
                Header::EventId => copy.id = value.split_whitespace().next().and_then(|v| v.parse().ok()),
                Header::Computer => copy.computer = value.to_string(),
                Header::Description if !value.is_empty() => copy.description.push(value.to_string()),
                Header::Description | Header::Other => {}
            }
        } else if in_description
            && !trimmed.is_empty()
            && let Some(copy) = copies.last_mut()
        {
            copy.description.push(trimmed.to_string());
        }
    }
    copies.into_iter().filter(|c| c.id.is_some() && !c.source.is_empty()).filter_map(|c| event(c, file)).collect()
}

fn header(line: &str) -> Option<(Header, &str)> {
    let (label, value) = line.split_once([':', '：'])?;
    let label = label.trim();
    HEADERS.iter().find(|(name, _)| *name == label).map(|&(_, h)| (h, value.trim()))
}

/// The record behind a copy: the description's values as the event's insertion strings.
fn event(copy: Copy, file: &str) -> Option<RawEvent> {
    let id = copy.id?;
    // Event Viewer shows the provider without its "Microsoft-Windows-" prefix on older systems.
    let provider = match copy.source.as_str() {
        "Security-SPP" => "Microsoft-Windows-Security-SPP".to_string(),
        other => other.to_string(),
    };
    let description = &copy.description;
    let after = |marker: &str| {
        let at = description.iter().position(|l| l.starts_with(marker))?;
        let same_line = description[at][marker.len()..].trim();
        if same_line.is_empty() { description.get(at + 1).cloned() } else { Some(same_line.to_string()) }
    };
    let data = match id {
        12288 | 12289 => vec![after("Info:").or_else(|| after("信息:"))?],
        // The host's event separates its values with bare commas; the reader takes them one by one.
        12290 => after("Info:").or_else(|| after("信息:"))?.split(',').map(|v| v.trim().to_string()).collect(),
        8198 => {
            let hr = description.iter().find_map(|l| l.find("hr=").map(|at| l[at..].trim().to_string()))?;
            let args = description.iter().find(|l| l.contains("AppId=") || l.contains("RuleId=")).cloned();
            std::iter::once(hr).chain(args).collect()
        }
        _ => vec![description.join("\n")],
    };
    Some(RawEvent {
        event_id: id,
        qualifiers: None,
        provider,
        event_source_name: None,
        channel: copy.log,
        computer: copy.computer,
        time: copy.date.as_deref().and_then(date_time),
        record_id: None,
        data,
        origin: Origin { file: file.to_string(), offset: None },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_12288_copied_from_event_viewer() {
        let text = "Log Name: Application  \nSource: Microsoft-Windows-Security-SPP  \nDate: 2010/9/29 17:52:00\n\n\
            Event ID: 12288  \nLevel: Information\nComputer: PC01.contoso.com\n\nDescription:  \n\
            The client has sent an activation request to the key management service machine.  \nInfo:  \n\
            0xC004F06C, 0x00000000, kms01:1688, 36f27b39-2fd5-440b-be67-a09996d27a38, 2010/09/29 17:52, 0, 2, 41760, 68531fb9-5511-4989-97be-d11a0f55633f, 5\n";
        let events = read(text, "paste.txt");
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(
            (e.event_id, e.provider.as_str(), e.computer.as_str()),
            (12288, "Microsoft-Windows-Security-SPP", "PC01.contoso.com")
        );
        assert!(e.data[0].starts_with("0xC004F06C, 0x00000000, kms01:1688"));
        assert_eq!(e.time.map(crate::time::Timestamp::to_rfc3339).as_deref(), Some("2010-09-29T17:52:00Z"));
    }

    #[test]
    fn slui_failure_8198_and_two_events_in_one_paste() {
        let text = "Log Name: Application\nSource: Security-SPP\nEvent ID: 8198\nDescription:\n\
            License Activation (slui.exe) failed with the following error code:\nhr=0x8007232B\nCommand-line arguments:\n\
            RuleId=eeba1977;Action=AutoActivate;AppId=55c92734-d682-4d71-983e-d6ec3f16059f;SkuId=73111121-5638-40f6-bc11-f1d7b0d64300\n\n\
            Log Name: Application\nSource: Security-SPP\nEvent ID: 8198\nDescription:\nhr=0x80072EE7\n";
        let events = read(text, "paste.txt");
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].data[0], "hr=0x8007232B");
        assert!(events[0].data[1].contains("SkuId=73111121"));
        assert_eq!(events[1].data, ["hr=0x80072EE7"]);
    }

    #[test]
    fn other_text_holds_no_events() {
        assert!(read("Name: Windows\nLicense Status: Licensed\n", "x").is_empty());
        assert!(read("Event ID: twelve\nSource: x\n", "x").is_empty());
    }
}
