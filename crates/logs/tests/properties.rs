//! Property tests over the readers: no input panics the event XML reader or the EVTX selector, a
//! well-formed event round-trips its fields, and a record chain in a chunk is walked whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actdoc_logs::selector::{CHUNK_SIZE, select_chunk};
use actdoc_logs::xml::read_events;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn the_xml_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut events = Vec::new();
        let _ = read_events(bytes.as_slice(), "x.xml", |e| events.push(e));
    }

    #[test]
    fn xml_that_looks_like_events_never_panics(body in "(<Event>|</Event>|<EventID>[0-9]{0,6}</EventID>|<Data>[^<]{0,8}</Data>|<System>|</System>|<EventData>|</EventData>|&amp;|&#x4e2d;|<!--|-->|'|\"){0,24}") {
        let mut events = Vec::new();
        let _ = read_events(body.as_bytes(), "x.xml", |e| events.push(e));
    }

    #[test]
    fn a_well_formed_event_round_trips(id in 0u16..=u16::MAX, computer in "[A-Za-z0-9.-]{1,20}", data in proptest::collection::vec("[ -;=?-~]{0,12}", 0..4), quote in prop_oneof![Just('\''), Just('"')]) {
        let datas = data.iter().fold(String::new(), |mut out, d| {
            out.push_str("<Data>");
            out.push_str(&d.replace('&', "&amp;"));
            out.push_str("</Data>");
            out
        });
        let xml = format!("<Event><System><Provider Name={quote}P{quote}/><EventID>{id}</EventID><Computer>{computer}</Computer></System><EventData>{datas}</EventData></Event>");
        let mut events = Vec::new();
        let warnings = read_events(xml.as_bytes(), "x.xml", |e| events.push(e));
        prop_assert!(warnings.is_empty(), "{:?}", warnings);
        prop_assert_eq!(events.len(), 1);
        prop_assert_eq!(events[0].event_id, id);
        prop_assert_eq!(&events[0].computer, &computer);
        prop_assert_eq!(&events[0].data, &data);
    }

    #[test]
    fn the_selector_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2000), free in 0u32..70_000) {
        let mut chunk = vec![0u8; CHUNK_SIZE];
        chunk[..8].copy_from_slice(b"ElfChnk\0");
        chunk[48..52].copy_from_slice(&free.to_le_bytes());
        chunk[512..512 + bytes.len()].copy_from_slice(&bytes);
        let _ = select_chunk(&chunk, |_| true);
        let _ = select_chunk(&bytes, |_| true);
    }

    #[test]
    fn records_with_unknown_bodies_are_selected_for_rendering(sizes in proptest::collection::vec(28usize..400, 1..20)) {
        let mut chunk = vec![0u8; CHUNK_SIZE];
        chunk[..8].copy_from_slice(b"ElfChnk\0");
        let mut pos = 512;
        for (i, size) in sizes.iter().enumerate() {
            chunk[pos..pos + 4].copy_from_slice(&0x2a2au32.to_le_bytes());
            chunk[pos + 4..pos + 8].copy_from_slice(&u32::try_from(*size).unwrap().to_le_bytes());
            chunk[pos + 8..pos + 16].copy_from_slice(&(u64::try_from(i).unwrap() + 1).to_le_bytes());
            pos += size;
        }
        chunk[48..52].copy_from_slice(&u32::try_from(pos).unwrap().to_le_bytes());
        let s = select_chunk(&chunk, |_| false);
        prop_assert_eq!(s.records, sizes.len() as u64);
        // Bodies that are not template instances cannot be classified: they go to the renderer.
        prop_assert_eq!(s.wanted.len(), sizes.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(800))]

    /// Any bytes saved as text give a reading or a refusal with an offset inside them.
    #[test]
    fn no_text_panics_a_reader(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        match actdoc_logs::paste::read(&bytes, "x.txt") {
            Ok(_) => {}
            Err(actdoc_logs::slmgr::SlmgrError::NotSlmgr { offset, .. }) => prop_assert!(offset <= bytes.len()),
        }
    }

    /// Printable text of any script, as UTF-8 and as UTF-16LE with a BOM: random bytes are mostly
    /// refused as binary before any reader runs, printable text reaches every reader.
    #[test]
    fn no_printable_text_panics_a_reader(text in "\\PC{0,600}") {
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
        for bytes in [text.as_bytes(), &utf16[..]] {
            match actdoc_logs::paste::read(bytes, "x.txt") {
                Ok(_) => {}
                Err(actdoc_logs::slmgr::SlmgrError::NotSlmgr { offset, .. }) => prop_assert!(offset <= bytes.len()),
            }
        }
    }

    /// Text made of the readers' own labels, in any order and any amount, never panics them.
    #[test]
    fn label_soup_never_panics(lines in proptest::collection::vec(prop_oneof![
        Just("LICENSE NAME: Office 19, Office19ProPlus2019VL_KMS_Client_AE edition".to_string()),
        Just("LICENSE STATUS:  ---OOB_GRACE---".to_string()),
        Just("ERROR CODE: 0xC004F074".to_string()),
        Just("REMAINING GRACE: 3 days (4000 minute(s) before expiring)".to_string()),
        Just("---------------------------------------".to_string()),
        Just("Name                : Windows(R), Enterprise edition".to_string()),
        Just("LicenseStatus       : 5".to_string()),
        Just("PSComputerName      : PC01".to_string()),
        Just("Log Name: Application".to_string()),
        Just("Source: Microsoft-Windows-Security-SPP".to_string()),
        Just("Event ID: 12288".to_string()),
        Just("Info:".to_string()),
        Just("0x0, 0x0, h:1688, c, 2024/01/01 00:00, 0, 1, 5, s, 25".to_string()),
        Just("Volume activation will expire 2015/04/06 09:57:03".to_string()),
        Just("Office 16, Office16VisioProR_Retail edition:Windows处于通知模式".to_string()),
        Just("slmgr /xpr 2dfe2075-2d04-4e43-816a-eb60bbb77574".to_string()),
        Just("错误: 0xC004F074".to_string()),
        "[ -~]{0,30}",
    ], 0..30)) {
        let text = lines.join("\n");
        let _ = actdoc_logs::paste::read_str(&text, "x.txt");
    }
}

/// A broken block (no status, garbage values) does not hide the next one.
#[test]
fn a_broken_office_block_does_not_hide_the_next() {
    let text = "LICENSE NAME: Office 19, broken\nLICENSE STATUS: ---???---\nREMAINING GRACE: lots\n\
                ---------------------------------------\n\
                LICENSE NAME: Office 21, Office21ProPlus2021VL_KMS_Client_AE edition\n\
                LICENSE STATUS:  ---LICENSED---\n";
    let report = actdoc_logs::paste::read_office(text).unwrap();
    let licensed: Vec<_> = report.products.iter().filter(|p| p.license_status.is_some()).collect();
    assert_eq!(licensed.len(), 1);
    assert_eq!(licensed[0].name.as_deref(), Some("Office 21, Office21ProPlus2021VL_KMS_Client_AE edition"));
}
