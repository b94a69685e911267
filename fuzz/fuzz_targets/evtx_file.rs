//! Whole EVTX files, read both ways: the selector (with its fall-back to the evtx crate's
//! rendering) and the full parse. No input panics either, and they find the same events.
#![no_main]

use actdoc_logs::evtx::{Mode, read_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut fast = Vec::new();
    let mut full = Vec::new();
    let _ = read_bytes(Mode::Selector, data, "fuzz.evtx", |e| fast.push((e.event_id, e.record_id, e.data)));
    let _ = read_bytes(Mode::FullParse, data, "fuzz.evtx", |e| full.push((e.event_id, e.record_id, e.data)));
    assert_eq!(fast, full);
});
