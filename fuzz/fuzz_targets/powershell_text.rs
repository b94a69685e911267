//! Any text as PowerShell licence objects (Format-List, CSV, JSON): no panic.
#![no_main]

use actdoc_logs::paste::read_powershell;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read_powershell(&String::from_utf8_lossy(data));
});
