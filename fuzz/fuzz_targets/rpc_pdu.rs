//! Whatever a peer on TCP 1688 sends back, the bind-reply decoder returns a value or an error.
#![no_main]

use actdoc_probe::rpc::pdu::{Header, decode_bind_reply};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Header::decode(data);
    let _ = decode_bind_reply(data);
});
