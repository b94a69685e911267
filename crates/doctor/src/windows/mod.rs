//! Collecting on the running Windows machine. Every source is read without elevation where
//! Windows allows it; a source that fails is recorded with the reason and the others are still
//! read. WMI can stall while the Software Protection service starts, so it runs in its own thread
//! under a deadline.

mod event_log;
mod registry;
mod wmi;

use std::sync::mpsc;
use std::time::Duration;

use actdoc_core::time::Timestamp;

use crate::collection::{Collection, Part};

#[derive(Clone, Debug)]
pub struct CollectOptions {
    /// How far back the event logs are read.
    pub days: u32,
    /// The newest events kept per log.
    pub max_events: usize,
    /// How long WMI and the event log may take, each.
    pub deadline: Duration,
}

impl Default for CollectOptions {
    fn default() -> CollectOptions {
        CollectOptions { days: 90, max_events: 5000, deadline: Duration::from_secs(60) }
    }
}

/// Reads every source of this machine.
pub fn collect(options: &CollectOptions) -> Collection {
    let mut c = Collection {
        computer: std::env::var("COMPUTERNAME").unwrap_or_default(),
        collected_at: now(),
        ..Collection::default()
    };
    match within(options.deadline, wmi::read) {
        Ok(licensing) => {
            c.products = licensing.products;
            c.service = licensing.service;
            c.sources.wmi_products = licensing.products_part;
            c.sources.wmi_service = licensing.service_part;
        }
        Err(why) => {
            c.sources.wmi_products = Part::failed(why.clone());
            c.sources.wmi_service = Part::failed(why);
        }
    }
    let (values, part) = registry::read();
    c.registry = values;
    c.sources.registry = part;
    let (days, max) = (options.days, options.max_events);
    match within(options.deadline, move || event_log::read(days, max)) {
        Ok((xml, part)) => {
            c.events_xml = xml;
            c.sources.event_log = part;
        }
        Err(why) => c.sources.event_log = Part::failed(why),
    }
    c.dns_search = match actdoc_probe::dns::system::read() {
        Ok(dns) => dns.search,
        Err(_) => Vec::new(),
    };
    c
}

/// Runs `read` in a thread of its own and waits at most `deadline` for it. A stalled thread is
/// left behind; the process ends soon after anyway.
fn within<T: Send + 'static>(deadline: Duration, read: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("actdoc-collect".into())
        .spawn(move || {
            let _ = tx.send(read());
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    rx.recv_timeout(deadline).map_err(|e| match e {
        mpsc::RecvTimeoutError::Timeout => format!("no answer in {} s", deadline.as_secs()),
        mpsc::RecvTimeoutError::Disconnected => "the reader stopped without an answer".into(),
    })
}

fn now() -> Option<Timestamp> {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(Timestamp(i64::try_from(since.as_secs()).ok()?))
}

/// A Windows error as its number and the system's message; access denied says what would help.
fn win32_error(code: u32) -> String {
    const ERROR_ACCESS_DENIED: u32 = 5;
    let message = std::io::Error::from_raw_os_error(i32::from_ne_bytes(code.to_ne_bytes())).to_string();
    // std appends " (os error N)"; the number is said once, below.
    let message = message.rsplit_once(" (os error").map_or(message.as_str(), |(m, _)| m).trim_end().to_string();
    let hint = if code == ERROR_ACCESS_DENIED { "; run from an elevated prompt" } else { "" };
    format!("{message} (Win32 {code}{hint})")
}
