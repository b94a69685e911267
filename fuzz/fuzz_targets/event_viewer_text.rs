//! Any text as Event Viewer "Copy details as text": no panic; every event read has an ID and
//! decodes (or not) without panicking either.
#![no_main]

use actdoc_logs::decode::{Interner, decode};
use actdoc_logs::paste::read_event_text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut interner = Interner::default();
    for event in read_event_text(&text, "fuzz.txt") {
        let _ = decode(&event, &mut interner);
    }
});
