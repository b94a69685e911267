//! Whatever bytes a user pastes, the input parser and the explainer must not panic, and every code
//! found in text must be found at the offset it claims.
#![no_main]

use actdoc_core::{Kb, Lang, explain, extract, parse_code};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_code(text);
    let (found, _) = extract(text);
    for f in &found {
        assert_eq!(&text[f.offset..f.offset + f.text.len()], f.text);
    }
    if let Ok(kb) = Kb::embedded() {
        let _ = explain(text, kb, Lang::ZhCn);
    }
});
