//! Whatever bytes a user saves as slmgr output (any encoding, binary junk, a truncated file), the
//! slmgr parser must not panic, and a refused file must name an offset inside it.
#![no_main]

use actdoc_logs::slmgr::{SlmgrError, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(SlmgrError::NotSlmgr { offset, .. }) = parse(data) {
        assert!(offset <= data.len());
    }
});
