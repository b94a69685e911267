//! Any bytes as a doctor bundle (a zip whose entries go to the XML and PowerShell readers): no
//! panic. (That an entry is never unpacked past its cap is a unit test of the bundle reader.)
#![no_main]

use actdoc_logs::bundle;
use actdoc_logs::scan::scan_bundle;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bundle::read(std::io::Cursor::new(data), "fuzz.zip");
    let _ = scan_bundle(data, "fuzz.zip");
});
