//! Any bytes as collector or shipper JSON lines (OpenWEC RawJson and Json, Winlogbeat): no panic.
#![no_main]

use actdoc_logs::shipped::read_lines;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read_lines(data, "fuzz.json", |_| {});
});
