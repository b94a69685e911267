//! Any text as an ospp.vbs or Office Tool Plus listing: no panic, and every product block read
//! names a line inside the text.
#![no_main]

use actdoc_logs::paste::read_office;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(report) = read_office(&text) {
        // Lines as an editor numbers them: a lone CR ends a line too (an upper bound: CRLF counts twice).
        let lines = text.split(['\n', '\r']).count();
        assert!(report.products.iter().all(|p| p.line >= 1 && p.line <= lines));
    }
});
