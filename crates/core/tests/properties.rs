//! Property tests over the decoder: no input panics, every spelling of a value reads back as that
//! value, the structural decode accounts for every bit, text extraction reports true offsets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actdoc_core::{Decoded, Kb, Lang, Severity, explain, extract, parse_code};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_string_parses_or_errors_without_panicking(s in "\\PC{0,40}") {
        let _ = parse_code(&s);
        let kb = Kb::embedded().unwrap();
        for e in explain(&s, kb, Lang::En).into_iter().flatten() {
            // Whatever was recognised was really in the input, and the decode is of that value.
            prop_assert!(s.contains(e.input.trim()), "{:?} not in {:?}", e.input, s);
            prop_assert_eq!(e.decoded, Decoded::of(e.value));
        }
    }

    #[test]
    fn code_like_strings_never_panic(s in "[-+0xX]{0,2}[0-9a-fA-F]{0,20}") {
        let _ = parse_code(&s);
        let _ = extract(&s);
    }

    #[test]
    fn every_spelling_of_a_failure_code_reads_back(value in 0x8000_0000u32..=u32::MAX) {
        let forms = [
            format!("0x{value:08X}"),
            format!("0x{value:08x}"),
            format!("{value:08x}"),
            format!("{value:08X}"),
            (value.cast_signed()).to_string(),
            value.to_string(),
            format!("0xFFFFFFFF{value:08X}"),
        ];
        for form in forms {
            let readings = parse_code(&form).unwrap().unwrap();
            prop_assert_eq!(readings[0].value, value, "{}", form);
        }
    }

    #[test]
    fn win32_numbers_map_to_facility_seven(code in 1u32..=0xFFFF) {
        let readings = parse_code(&code.to_string()).unwrap().unwrap();
        prop_assert_eq!(readings[0].value, 0x8007_0000 | code);
    }

    #[test]
    fn the_decode_accounts_for_every_bit(value: u32) {
        let d = Decoded::of(value);
        let rebuilt = (u32::from(d.severity == Severity::Failure) << 31)
            | (u32::from(d.reserved) << 30)
            | (u32::from(d.customer) << 29)
            | (u32::from(d.nt_mapped) << 28)
            | (u32::from(d.x_bit) << 27)
            | (u32::from(d.facility) << 16)
            | u32::from(d.code);
        prop_assert_eq!(rebuilt, value);
        if let Some(nt) = d.ntstatus {
            prop_assert_eq!(u32::from(nt.facility) & 0x7FF, u32::from(d.facility));
        }
    }

    #[test]
    fn codes_found_in_text_are_where_they_say(prefix in "[ a-z:=，。错误]{0,12}", value: u32, suffix in "[ .，][ a-z.，]{0,11}") {
        let text = format!("{prefix} 0x{value:08X}{suffix}");
        let (found, _) = extract(&text);
        prop_assert!(!found.is_empty());
        let hit = found.iter().find(|f| f.readings[0].value == value || f.readings.iter().any(|r| r.value == value));
        let hit = hit.unwrap();
        prop_assert_eq!(&text[hit.offset..hit.offset + hit.text.len()], hit.text.as_str());
    }
}
