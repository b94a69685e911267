//! The activation events of the live logs through the Windows Event Log API: `EvtQuery` with an
//! XPath for our providers and event IDs, `EvtRender` to event XML, which the scan's XML reader
//! reads like an export. The Application log holds a client's events; the "Key Management
//! Service" log exists only on a KMS host.
#![allow(unsafe_code)] // The API is C. Each call states the contract it relies on.

use std::fmt::Write as _;

use windows_sys::Win32::Foundation::{
    ERROR_EVT_CHANNEL_NOT_FOUND, ERROR_INSUFFICIENT_BUFFER, ERROR_NO_MORE_ITEMS, GetLastError,
};
use windows_sys::Win32::System::EventLog::{
    EVT_HANDLE, EvtClose, EvtNext, EvtQuery, EvtQueryChannelPath, EvtQueryReverseDirection, EvtRender,
    EvtRenderEventXml,
};

use actdoc_logs::xpath;

use super::win32_error;
use crate::collection::Part;

/// Events handed over per `EvtNext` call, and how long one call may wait.
const BATCH: u32 = 64;
const NEXT_TIMEOUT_MS: u32 = 10_000;

/// The events as one `<Events>` document (oldest first) and what was read.
pub(super) fn read(days: u32, max: usize) -> (Option<String>, Part) {
    let within = Some(u64::from(days) * 86_400_000);
    let (application, kms) = (xpath::application(within), xpath::kms_host(within));

    let mut xml = String::from("<Events>\n");
    let app = match query(application.channel, &application.xpath, max) {
        Ok(read) => read,
        Err(0) => {
            // Wine's EvtQuery is a stub that returns no handle and sets no error.
            let why = "Application log: the Event Log API gave no result and no error (not implemented here)";
            return (None, Part::failed(why));
        }
        Err(code) => return (None, Part::failed(format!("Application log: EvtQuery failed: {}", win32_error(code)))),
    };
    let mut detail = format!("{} events from the Application log (last {days} days)", app.events.len());
    app.note_problems(&mut detail);
    let host_events = match query(kms.channel, &kms.xpath, max) {
        Ok(host) => {
            let _ = write!(detail, ", {} from the Key Management Service log", host.events.len());
            host.note_problems(&mut detail);
            host.events
        }
        Err(ERROR_EVT_CHANNEL_NOT_FOUND) => {
            detail.push_str("; no Key Management Service log (not a KMS host)");
            Vec::new()
        }
        Err(code) => {
            let _ = write!(detail, "; the Key Management Service log could not be read: {}", win32_error(code));
            Vec::new()
        }
    };
    for event in app.events.iter().chain(&host_events) {
        xml.push_str(event);
        xml.push('\n');
    }
    xml.push_str("</Events>\n");
    (Some(xml), Part::ok(detail))
}

/// Closes an event or query handle when dropped.
struct Handle(EVT_HANDLE);

impl Drop for Handle {
    fn drop(&mut self) {
        if self.0 != 0 {
            // SAFETY: the handle came from EvtQuery or EvtNext and is closed exactly once, here.
            unsafe { EvtClose(self.0) };
        }
    }
}

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

fn last_error() -> u32 {
    // SAFETY: reads the calling thread's last-error value; no arguments.
    unsafe { GetLastError() }
}

/// What a query read: the events, and what cut it short or was skipped.
struct Read {
    events: Vec<String>,
    /// Events that could not be rendered (skipped, the others kept).
    unrendered: usize,
    /// The error that ended the reading early (what was read is kept).
    stopped: Option<u32>,
}

impl Read {
    fn note_problems(&self, detail: &mut String) {
        if self.unrendered > 0 {
            let _ = write!(detail, " ({} could not be rendered and were skipped)", self.unrendered);
        }
        if let Some(code) = self.stopped {
            let _ = write!(detail, " (EvtNext stopped early: {}; the events before were kept)", win32_error(code));
        }
    }
}

/// The newest `max` events of `channel` that `xpath` selects, rendered as XML, oldest first. Only
/// a refused query is an error: a failure later keeps what was read.
fn query(channel: &str, xpath: &str, max: usize) -> Result<Read, u32> {
    let (channel, xpath) = (wide(channel), wide(xpath));
    // SAFETY: both strings are NUL-terminated UTF-16 that live through the call; session 0 is the
    // local machine.
    let results =
        unsafe { EvtQuery(0, channel.as_ptr(), xpath.as_ptr(), EvtQueryChannelPath | EvtQueryReverseDirection) };
    if results == 0 {
        return Err(last_error());
    }
    let results = Handle(results);
    let mut read = Read { events: Vec::new(), unrendered: 0, stopped: None };
    let mut buffer: Vec<u16> = vec![0; 16 * 1024];
    while read.events.len() < max {
        let mut handles: [EVT_HANDLE; BATCH as usize] = [0; BATCH as usize];
        let mut returned = 0u32;
        // SAFETY: `handles` has room for BATCH handles, the count passed; `returned` is a valid
        // out pointer. EvtNext writes at most `returned` handles.
        let ok = unsafe { EvtNext(results.0, BATCH, handles.as_mut_ptr(), NEXT_TIMEOUT_MS, 0, &raw mut returned) };
        if ok == 0 {
            match last_error() {
                ERROR_NO_MORE_ITEMS => {}
                code => read.stopped = Some(code),
            }
            break;
        }
        let returned = returned.min(BATCH) as usize;
        // Every handle returned is owned, and closed even when the batch is cut short.
        let batch: Vec<Handle> = handles[..returned].iter().map(|h| Handle(*h)).collect();
        for event in &batch {
            if read.events.len() == max {
                break;
            }
            match render(event.0, &mut buffer) {
                Ok(xml) => read.events.push(xml),
                Err(_) => read.unrendered += 1,
            }
        }
    }
    read.events.reverse();
    Ok(read)
}

/// One event as XML; the buffer grows when an event needs more.
fn render(event: EVT_HANDLE, buffer: &mut Vec<u16>) -> Result<String, u32> {
    loop {
        let (mut used, mut properties) = (0u32, 0u32);
        let size = u32::try_from(buffer.len() * 2).unwrap_or(u32::MAX);
        // SAFETY: `buffer` is writable for `size` bytes; the out pointers are valid.
        let ok = unsafe {
            EvtRender(0, event, EvtRenderEventXml, size, buffer.as_mut_ptr().cast(), &raw mut used, &raw mut properties)
        };
        if ok != 0 {
            let units = (used as usize / 2).min(buffer.len());
            let text = &buffer[..units];
            let text = text.strip_suffix(&[0]).unwrap_or(text);
            return Ok(String::from_utf16_lossy(text));
        }
        let code = last_error();
        if code != ERROR_INSUFFICIENT_BUFFER || used as usize <= buffer.len() * 2 {
            return Err(code);
        }
        buffer.resize(used as usize / 2 + 1, 0);
    }
}
