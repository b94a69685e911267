//! Text people paste or save from a Windows machine, recognised by its content: Event Viewer's
//! "Copy details as text" of our events, PowerShell licence objects (`Format-List`, `Export-Csv`,
//! `ConvertTo-Json`, ConfigMgr inventory columns), Office's `ospp.vbs` and Office Tool Plus
//! listings, and slmgr output (`slmgr` module). Each reader gives the same shape, a
//! [`SlmgrReport`] of product blocks and attempts (or events, for Event Viewer text), so the
//! analysis reads them all alike. Never panics on input; text none of them reads is refused with
//! where it went wrong.

mod event_text;
mod office;
mod powershell;

use crate::event::RawEvent;
use crate::slmgr::{self, SlmgrError, SlmgrReport};

pub use event_text::read as read_event_text;

/// Office's `ospp.vbs` and Office Tool Plus listings alone (for fuzzing and tests).
pub fn read_office(text: &str) -> Option<SlmgrReport> {
    office::read(text)
}

/// PowerShell licence objects alone (for fuzzing and tests).
pub fn read_powershell(text: &str) -> Option<SlmgrReport> {
    powershell::read(text)
}

/// PowerShell licence objects from bytes in any encoding the text readers decode (a bundle's
/// `licensing.json`).
pub fn read_powershell_bytes(bytes: &[u8]) -> Option<SlmgrReport> {
    let (text, _, _) = slmgr::decode(bytes).ok()?;
    powershell::read(&text)
}

/// Which reader read a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    Slmgr,
    Office,
    PowerShell,
    EventViewer,
}

impl TextKind {
    /// The `format` of `sources[]` in the scan report.
    pub fn id(self) -> &'static str {
        match self {
            TextKind::Slmgr => "slmgr_text",
            TextKind::Office => "office_text",
            TextKind::PowerShell => "powershell",
            TextKind::EventViewer => "event_viewer_text",
        }
    }
}

/// What a text held.
#[derive(Debug)]
pub struct TextRead {
    pub kind: TextKind,
    /// Product blocks and attempts (empty for Event Viewer text).
    pub report: SlmgrReport,
    /// Events copied from Event Viewer, to read like the logs' own.
    pub events: Vec<RawEvent>,
    /// The first character that was not text in the file's encoding, read as U+FFFD: where, why.
    pub replaced: Option<(usize, String)>,
}

/// Reads a saved or pasted text file. `file` names it in the events' origin.
pub fn read(bytes: &[u8], file: &str) -> Result<TextRead, SlmgrError> {
    let (text, encoding, replaced) = slmgr::decode(bytes)?;
    let mut read = read_str(&text, file)?;
    read.report.encoding = encoding.to_string();
    read.replaced = replaced;
    Ok(read)
}

/// The same for text that is already a string.
pub fn read_str(text: &str, file: &str) -> Result<TextRead, SlmgrError> {
    let events = event_text::read(text, file);
    if !events.is_empty() {
        return Ok(TextRead { kind: TextKind::EventViewer, report: SlmgrReport::default(), events, replaced: None });
    }
    let (kind, report) = if let Some(report) = powershell::read(text) {
        (TextKind::PowerShell, report)
    } else if let Some(report) = office::read(text) {
        (TextKind::Office, report)
    } else {
        (TextKind::Slmgr, slmgr::read(text)?)
    };
    Ok(TextRead { kind, report, events: Vec::new(), replaced: None })
}

/// Lines as an editor numbers them.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    slmgr::numbered_lines(text)
}

/// A label compared loosely: no spaces, punctuation or case ("Last 5 characters of installed
/// product key", "LicenseStatus0" is not shortened here).
fn loose_key(label: &str) -> String {
    label.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}
