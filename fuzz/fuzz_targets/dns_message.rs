//! Whatever a DNS server answers, the message decoder returns a value or an error.
#![no_main]

use actdoc_probe::dns::message::decode_response;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode_response(data);
});
