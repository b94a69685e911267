//! Whatever an event XML export holds, the streaming reader returns events and warnings, never a
//! panic, and every event it returns has an origin inside the input.
#![no_main]

use actdoc_logs::xml::read_events;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut events = Vec::new();
    let _ = read_events(data, "fuzz.xml", |e| events.push(e));
    for e in events {
        assert!(e.origin.offset.is_some_and(|o| o <= data.len() as u64));
    }
});
