//! One test per defect of issue 12 ("Knowledge base: fix what a review against Microsoft's pages
//! found"), so that none of them comes back. Items 3, 13 and 14 live in `powershell.rs`, item 8 in
//! `search.rs`, item 18 in `kb.rs` and item 22 in `glossary.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actdoc_core::{Decoded, Entry, Kb, Lang, Severity};

fn get(code: &str) -> &'static Entry {
    let kb = Kb::embedded().unwrap();
    kb.entries().iter().find(|e| e.code == code).unwrap_or_else(|| panic!("{code} missing"))
}

/// Cause, note and resolution in one language, as one text.
fn text(code: &str, lang: Lang) -> String {
    let e = get(code);
    let mut all = vec![e.cause.get(lang).clone()];
    all.extend(e.note.as_ref().map(|n| n.get(lang).clone()));
    all.extend(e.resolution.get(lang).iter().cloned());
    all.join("\n")
}

fn both(code: &str) -> [String; 2] {
    [text(code, Lang::En), text(code, Lang::ZhCn)]
}

fn cites(code: &str, page: &str) -> bool {
    get(code).sources.iter().any(|s| s.contains(page))
}

/// Every fix carries its source: every entry names at least one page, seed entries the article.
#[test]
fn every_entry_names_its_sources() {
    for e in Kb::embedded().unwrap().entries() {
        assert!(!e.sources.is_empty(), "{}: no sources", e.file);
        if e.seed {
            assert!(
                e.sources.iter().any(|s| s.contains("activation-error-codes.md")),
                "{}: seed without the article",
                e.file
            );
        }
    }
}

/// Item 1: a PC without an ACPI_SLIC table can KMS-activate; only a missing or corrupt marker fails.
#[test]
fn item_01_slic_marker_not_slic_table() {
    for t in both("0xC004F035") {
        assert!(t.contains("ACPI_SLIC") && t.contains("Windows Vista"), "{t}");
    }
    assert!(text("0xC004F035", Lang::En).contains("without any ACPI_SLIC table passes"));
    assert!(cites("0xC004F035", "cannot-activate-windows-from-oem.md"));
}

/// Item 2: 0xC004F04D is SL_E_CIDIID_INVALID_CHECK_DIGITS; only 0xC004F031 is the mismatch.
#[test]
fn item_02_cid_iid_codes() {
    let en = text("0xC004F02C", Lang::En);
    assert!(en.contains("0xC004F04D (SL_E_CIDIID_INVALID_CHECK_DIGITS"), "{en}");
    assert!(en.contains("0xC004F031 (SL_E_CIDIID_MISMATCHED"), "{en}");
    assert!(!en.contains("0xC004F04D (IID and CID do not match)"));
}

/// Item 4: 0x803FA067 is the remap of 0xC004C003, not of 0xC004C060.
#[test]
fn item_04_remap_belongs_to_c003() {
    let en = text("0xC004C060", Lang::En);
    assert!(!en.contains("reports the same decision as 0x803FA067"), "{en}");
    assert!(en.contains("remapped form of 0xC004C003"));
    assert!(text("0x803FA067", Lang::En).contains("0x803FA067 = 0xC004C003"));
}

/// Item 5: fields of event 12288 are counted from 1 everywhere (licence status 7th, VM flag 6th).
#[test]
fn item_05_event_fields_count_from_one() {
    for e in Kb::embedded().unwrap().entries() {
        let en = text(&e.code, Lang::En);
        assert!(!en.contains("field 5") && !en.contains("field 6"), "{}: numbered field", e.file);
    }
    assert!(text("0x4004F065", Lang::En).contains("its 7th field"));
    assert!(text("0x4004F065", Lang::ZhCn).contains("第 7 个字段"));
    assert!(text("0xC004F06B", Lang::En).contains("the 6th field of event 12288"));
    assert!(text("0xC004F06B", Lang::ZhCn).contains("第 6 个字段"));
}

/// Item 6: which update lets Server 2012 R2 host which CSVLK, and which CSVLKs it can never host.
#[test]
fn item_06_csvlk_hosting() {
    for t in both("0xC004F050") {
        assert!(t.contains("3172614") && t.contains("4467695"), "{t}");
        assert!(t.contains("2022") && t.contains("2025"), "{t}");
    }
    assert!(cites("0xC004F050", "kms-activation-planning.md"));
}

/// Item 7: already elevated, the documented cause is SELF lacking DCOM access (event 8229).
#[test]
fn item_07_dcom_self() {
    for t in both("0x80070005") {
        assert!(t.contains("dcomcnfg") && t.contains("8229") && t.contains("SELF"), "{t}");
    }
    assert!(cites("0x80070005", "error-0x80070005-access-denied.md"));
}

/// Item 8 (besides the search ranking): the host log, 12288 without 12289, Azure.
#[test]
fn item_08_catch_all_steps() {
    for t in both("0xC004F074") {
        assert!(t.contains("12290") && t.contains("12289") && t.contains("azkms.core.windows.net"), "{t}");
    }
}

/// Item 9: expired trial keys, edition mismatch and VMs moved to Azure.
#[test]
fn item_09_blocked_key_causes() {
    let en = text("0xC004C003", Lang::En);
    assert!(en.contains("evaluation") && en.contains("edition") && en.contains("azkms.core.windows.net:1688"), "{en}");
}

/// Item 10: 0x8007232A on the client: unreachable DNS server, port 53, Azure DNS, psping.
#[test]
fn item_10_dns_failure_on_the_client() {
    for t in both("0x8007232A") {
        assert!(t.contains("53") && t.contains("168.63.129.16") && t.contains("psping <"), "{t}");
    }
}

/// Item 11: Microsoft's Azure step in the three entries, and the GVLK check for 0x8007232B.
#[test]
fn item_11_azure_kms() {
    for code in ["0x8007232B", "0xC004F038", "0xC004F042"] {
        for t in both(code) {
            assert!(t.contains("azkms.core.windows.net:1688"), "{code}");
            assert!(t.contains("20.118.99.224") && t.contains("40.83.235.53"), "{code}");
        }
    }
    assert!(get("0x8007232B").resolution.en[0].contains("`slmgr /dlv`"));
}

/// Item 12: 0x8007007B leads with the missing SRV records, then ping and DisableDnsPublishing.
#[test]
fn item_12_invalid_name_leads_with_srv() {
    let e = get("0x8007007B");
    let first_sentence = e.cause.en.split(". ").next().unwrap();
    assert!(first_sentence.contains("SRV"), "{first_sentence}");
    for t in both("0x8007007B") {
        assert!(t.contains("ping <") && t.contains("DisableDnsPublishing"), "{t}");
    }
}

/// Item 15: unsourced claims dropped.
#[test]
fn item_15_unsourced_claims() {
    assert!(!text("0x80072EE2", Lang::En).contains("IPv6"));
    let en = text("0x4004F401", Lang::En);
    assert!(!en.contains("It is common") && !en.contains("activated by its digital licence"), "{en}");
    assert!(cites("0x4004F401", "evtx-python"));
}

/// Item 16: the tokens.dat rebuild restarts twice, then reinstalls the key.
#[test]
fn item_16_rebuild_restarts_twice() {
    for code in ["0xC004F064", "0x80004005"] {
        let steps = get(code).resolution.en.join(" ");
        assert!(steps.contains("twice") && steps.contains("slmgr /ipk"), "{code}");
    }
}

/// Item 17: manual SRV records come with the command that creates them.
#[test]
fn item_17_manual_srv_record_commands() {
    for code in ["0x8007232A", "0x8007232B", "0x8007251D", "0x80072338"] {
        for t in both(code) {
            assert!(t.contains("`Add-DnsServerResourceRecord -Srv -ZoneName"), "{code}");
            assert!(t.contains("/recordadd") && t.contains("SRV 0 0 1688"), "{code}");
        }
    }
}

/// Item 19: the note agrees with the decoder: 0x8004FE21 is a failure HRESULT.
#[test]
fn item_19_severity_agrees_with_the_decoder() {
    assert_eq!(Decoded::of(0x8004_FE21).severity, Severity::Failure);
    let note = &get("0x8004FE21").note.as_ref().unwrap().en;
    assert!(!note.contains("warning") && note.contains("failure HRESULT"), "{note}");
}

/// Item 20: strings Windows localizes are translated in zh-CN texts (and marked when ours).
#[test]
fn item_20_no_english_windows_strings_in_chinese() {
    let english = [
        "Additional grace period",
        "grace time expired",
        "Error: product key not found",
        "Non-genuine grace period",
        "(non-genuine)",
        "Listening on Port",
        "Publishing the Key Management Service",
        "License Activation (slui.exe) failed",
        "Key Management Service (TCP-In)",
    ];
    for e in Kb::embedded().unwrap().entries() {
        let zh = text(&e.code, Lang::ZhCn);
        for s in english {
            assert!(!zh.contains(s), "{}: zh-CN text still quotes {s:?}", e.file);
        }
    }
    assert!(text("0x80004005", Lang::ZhCn).contains("（译文）"));
}

/// Item 21: zh-CN variants nobody has seen Windows print are marked as our translation.
#[test]
fn item_21_unverified_chinese_variants_are_marked() {
    for code in ["0xC004F035", "0xC004F065", "0x4004F065", "0xC004F025", "0xC004F06B", "0x8007251D"] {
        let e = get(code);
        assert!(e.variants(Lang::ZhCn).all(|(_, translated)| translated), "{code}");
        assert!(e.variants(Lang::En).all(|(_, translated)| !translated), "{code}: English variants are real");
    }
    let mut fallback = 0;
    for e in Kb::embedded().unwrap().entries() {
        for (text, translated) in e.variants(Lang::ZhCn) {
            if text.contains("slui.exe 0x2a") {
                assert!(translated, "{}: the slui fallback line is our translation", e.file);
                fallback += 1;
            }
        }
    }
    assert_eq!(fallback, 13);
}
