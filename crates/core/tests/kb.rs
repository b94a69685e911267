//! Holds the knowledge base together: complete bilingual entries, names that agree with the
//! generated tables, the source article's messages and activation types reproduced exactly, and
//! causes/resolutions written in our own words.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use actdoc_core::{ActivationType, Kb, KbError, Lang, StepPurpose, explain, format_code, names, parse_code};
use actdoc_test_support::read_shared;

/// The English article's "Error message" column (MicrosoftDocs/windowsserverdocs,
/// WindowsServerDocs/get-started/activation-error-codes.md, ms.date 9/18/2019, the version the
/// zh-CN seed translates). Official message strings, kept verbatim.
const ENGLISH_TABLE: [(&str, &str); 30] = [
    ("0x8004FE21", "This computer is not running genuine Windows."),
    ("0x80070005", "Access denied. The requested action requires elevated privileges."),
    ("0x8007007B", "0x8007007b DNS name does not exist."),
    (
        "0x80070490",
        "The product key you entered didn't work. Check the product key and try again, or enter a different one.",
    ),
    ("0x800706BA", "The RPC server is unavailable."),
    ("0x8007232A", "DNS server failure."),
    ("0x8007232B", "DNS name does not exist."),
    ("0x8007251D", "No records found for DNS query."),
    ("0x80092328", "DNS name does not exist."),
    ("0xC004B100", "The activation server determined that the computer could not be activated."),
    ("0xC004C001", "The activation server determined the specified product key is invalid"),
    ("0xC004C003", "The activation server determined the specified product key is blocked"),
    ("0xC004C008", "The activation server determined that the specified product key could not be used."),
    ("0xC004C020", "The activation server reported that the Multiple Activation Key has exceeded its limit."),
    (
        "0xC004C021",
        "The activation server reported that the Multiple Activation Key extension limit has been exceeded.",
    ),
    ("0xC004F009", "The Software Protection Service reported that the grace period expired."),
    ("0xC004F00F", "The Software Licensing Server reported that the hardware ID binding is beyond level of tolerance."),
    ("0xC004F014", "The Software Protection Service reported that the product key is not available"),
    (
        "0xC004F02C",
        "The Software Protection Service reported that the format for the offline activation data is incorrect.",
    ),
    (
        "0xC004F035",
        "The Software Protection Service reported that the computer could not be activated with a Volume license product key.",
    ),
    (
        "0xC004F038",
        "The Software Protection Service reported that the computer could not be activated. The count reported by your Key Management Service (KMS) is insufficient. Please contact your system administrator.",
    ),
    (
        "0xC004F039",
        "The Software Protection Service reported that the computer could not be activated. The Key Management Service (KMS) is not enabled.",
    ),
    (
        "0xC004F041",
        "The Software Protection Service determined that the Key Management Server (KMS) is not activated. KMS needs to be activated.",
    ),
    (
        "0xC004F042",
        "The Software Protection Service determined that the specified Key Management Service (KMS) cannot be used.",
    ),
    ("0xC004F050", "The Software Protection Service reported that the product key is invalid."),
    ("0xC004F051", "The Software Protection Service reported that the product key is blocked."),
    ("0xC004F064", "The Software Protection Service reported that the non-genuine grace period expired."),
    (
        "0xC004F065",
        "The Software Protection Service reported that the application is running within the valid non-genuine period.",
    ),
    (
        "0xC004F06C",
        "The Software Protection Service reported that the computer could not be activated. The Key Management Service (KMS) determined that the request timestamp is invalid.",
    ),
    (
        "0xC004F074",
        "The Software Protection Service reported that the computer could not be activated. No Key Management Service (KMS) could be contacted. Please see the Application Event Log for additional information.",
    ),
];

/// Every non-zero code in the Security-SPP events of `shared/corpus/evtx/` (8198 hr=, 8230
/// LastConsumptionReason, 1003 per-SKU status), found with `evtx_dump -o jsonl` over the corpus.
/// The scan crate's tests re-derive this list from the files themselves.
const CORPUS_CODES: [&str; 8] =
    ["0x803F7001", "0x80072EE7", "0xC004F056", "0xC004F034", "0xC004E003", "0x4004F401", "0xC004F014", "0xC004F009"];

/// A run this long (whitespace removed) shared with the article counts as copied text: longer than
/// a product name ("WindowsServer2019"), shorter than any clause of the article.
const COPIED_RUN: usize = 20;

fn kb() -> &'static Kb {
    Kb::embedded().unwrap_or_else(|e| panic!("{e}"))
}

struct SeedRow {
    code: String,
    message: String,
    types: Vec<String>,
}

/// The summary table of the zh-CN article, read from shared/seed.
fn seed_rows() -> Vec<SeedRow> {
    let seed = read_shared("seed/activation-error-codes.zh-CN.md");
    let rows: Vec<SeedRow> = seed
        .lines()
        .filter(|l| l.starts_with("|[0x"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').collect();
            let code = cells[0].trim().trim_start_matches('[').split(']').next().unwrap().to_string();
            let value = u32::from_str_radix(code.trim_start_matches("0x"), 16).unwrap();
            SeedRow {
                code: format_code(value),
                message: cells[1].trim().to_string(),
                types: cells[2].split("<br />").map(|t| t.trim().to_string()).collect(),
            }
        })
        .collect();
    assert_eq!(rows.len(), 30, "the seed article's table should list 30 codes");
    rows
}

fn type_from_seed(label: &str) -> ActivationType {
    match label {
        "MAK" => ActivationType::Mak,
        "KMS" => ActivationType::Kms,
        "KMS 客户端" => ActivationType::KmsClient,
        "KMS 主机" => ActivationType::KmsHost,
        other => panic!("unknown activation type in the seed table: {other}"),
    }
}

#[test]
fn all_thirty_seed_codes_match_the_article_tables() {
    let english: BTreeMap<&str, &str> = ENGLISH_TABLE.into_iter().collect();
    for row in seed_rows() {
        let entry =
            kb().entries().iter().find(|e| e.code == row.code).unwrap_or_else(|| panic!("{} missing", row.code));
        assert!(entry.seed, "{} should be marked seed = true", row.code);
        assert_eq!(entry.message.zh_cn, row.message, "{}: zh-CN message must be the seed column verbatim", row.code);
        assert_eq!(entry.message.en, english[row.code.as_str()], "{}: en message must be the English column", row.code);
        let expected: Vec<ActivationType> = row.types.iter().map(|t| type_from_seed(t)).collect();
        assert_eq!(entry.activation_types, expected, "{}: activation types", row.code);
    }
    assert_eq!(kb().entries().iter().filter(|e| e.seed).count(), 30);
}

#[test]
fn explain_gives_the_seed_message_in_each_language() {
    for row in seed_rows() {
        for lang in Lang::ALL {
            let result = explain(&row.code, kb(), lang);
            let e = result[0].as_ref().unwrap();
            assert!(e.curated && e.seed, "{}", row.code);
            let expected = match lang {
                Lang::En => ENGLISH_TABLE.iter().find(|(c, _)| *c == row.code).unwrap().1.to_string(),
                Lang::ZhCn => row.message.clone(),
            };
            assert_eq!(e.message.as_deref(), Some(expected.as_str()));
            let labels: Vec<&str> = e.activation_types.iter().map(String::as_str).collect();
            if lang == Lang::ZhCn {
                assert_eq!(labels, row.types, "{}", row.code);
            }
            assert!(e.cause.as_deref().is_some_and(|c| c.len() > 40), "{}: cause too thin", row.code);
            assert!(!e.resolution.is_empty());
        }
    }
}

#[test]
fn every_entry_is_complete_in_both_languages() {
    for e in kb().entries() {
        let file = e.file;
        for lang in Lang::ALL {
            assert!(!e.message.get(lang).trim().is_empty(), "{file}: message.{lang} empty");
            assert!(e.cause.get(lang).trim().len() >= 30, "{file}: cause.{lang} too short");
            assert!(!e.resolution.get(lang).is_empty(), "{file}: resolution.{lang} empty");
            assert!(e.resolution.get(lang).iter().all(|s| !s.trim().is_empty()), "{file}: empty step");
            if let Some(note) = &e.note {
                assert!(!note.get(lang).trim().is_empty(), "{file}: note.{lang} empty");
            }
        }
        assert_eq!(e.resolution.en.len(), e.resolution.zh_cn.len(), "{file}: en and zh-CN resolutions differ in steps");
        assert!(!e.activation_types.is_empty(), "{file}: no activation type");
        let zh_text = format!("{}{}", e.cause.zh_cn, e.resolution.zh_cn.join(""));
        assert!(zh_text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)), "{file}: zh-CN text has no Chinese");
    }
}

#[test]
fn every_step_has_a_purpose() {
    for e in kb().entries() {
        let file = e.file;
        assert_eq!(e.resolution_purpose.len(), e.resolution.en.len(), "{file}: one purpose per en step");
        assert_eq!(e.resolution_purpose.len(), e.resolution.zh_cn.len(), "{file}: one purpose per zh-CN step");
        assert!(
            e.resolution_purpose.iter().any(|p| matches!(p, StepPurpose::Confirm | StepPurpose::Fix)),
            "{file}: only `find` steps; a scan would leave nothing to lead with"
        );
        for lang in Lang::ALL {
            let explained = explain(&e.code, kb(), lang).remove(0).unwrap();
            assert_eq!(explained.resolution_purpose, e.resolution_purpose, "{file}: explanation in {lang}");
        }
    }
}

#[test]
fn the_catch_all_starts_by_finding_the_real_error() {
    let entry = kb().get(0xC004_F074).unwrap();
    assert_eq!(entry.resolution_purpose.first(), Some(&StepPurpose::Find));
    assert!(entry.resolution.en[0].contains("12288"), "the first step should read event 12288");
    let e = explain("0xC004F074", kb(), Lang::ZhCn).remove(0).unwrap();
    assert_eq!(e.resolution_purpose.len(), e.resolution.len());
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["resolution_purpose"][0], "find");
    // Uncurated codes have no steps and so no purposes.
    let bare = explain("0xC004F080", kb(), Lang::En).remove(0).unwrap();
    assert!(!bare.curated && bare.resolution.is_empty() && bare.resolution_purpose.is_empty());
}

#[test]
fn a_file_with_the_wrong_number_of_purposes_is_rejected_by_name() {
    let real = include_str!("../kb/codes/0xC004F074.toml");
    assert!(Kb::from_files(&[("0xC004F074.toml", real)]).is_ok());
    let short: String = real
        .lines()
        .map(|l| if l.starts_with("resolution_purpose") { r#"resolution_purpose = ["find", "fix"]"# } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(short, real.trim_end(), "the test file should change");
    let err = Kb::from_files(&[("0xC004F074.toml", &short)]).unwrap_err();
    assert!(matches!(err, KbError::Invalid { file: "0xC004F074.toml", .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.starts_with("kb/codes/0xC004F074.toml: "), "{message}");
    assert!(message.contains("resolution_purpose") && message.contains("2 tag"), "{message}");

    let missing: String = real.lines().filter(|l| !l.starts_with("resolution_purpose")).collect::<Vec<_>>().join("\n");
    let err = Kb::from_files(&[("0xC004F074.toml", &missing)]).unwrap_err().to_string();
    assert!(err.starts_with("kb/codes/0xC004F074.toml: ") && err.contains("resolution_purpose"), "{err}");
}

#[test]
fn official_names_agree_with_the_generated_tables() {
    for e in kb().entries() {
        // A symbol the SDK defines for another value (`name_of`) is official, but for that value.
        let named = e.name_of.as_deref().map_or(e.value, |code| parse_code(code).unwrap().unwrap()[0].value);
        if e.name_of.is_some() {
            assert!(e.name_official && e.note.is_some(), "{}: name_of needs name_official and a note", e.file);
            assert!(names::name_of(e.value).is_none(), "{}: the value has a symbol of its own", e.file);
        }
        let table = names::name_of(named);
        if e.name_official {
            let table = table
                .unwrap_or_else(|| panic!("{}: marked official but no table names {}", e.file, format_code(named)));
            let mut all = vec![table.primary()];
            all.extend(table.aliases());
            assert!(all.contains(&e.name.as_str()), "{}: name {} not among table names {all:?}", e.file, e.name);
        } else {
            assert!(e.note.is_some(), "{}: an unofficial name needs a note that says why", e.file);
            if let Some(table) = names::name_of(e.value) {
                panic!("{}: marked unofficial, but the tables name it {}", e.file, table.primary());
            }
        }
    }
}

#[test]
fn the_article_anomalies_are_flagged() {
    let get = |code: &str| kb().entries().iter().find(|e| e.code == code).unwrap();
    let typo = get("0x80092328");
    assert_eq!(typo.likely_code.as_deref(), Some("0x8007232B"));
    assert!(!typo.name_official && typo.note.is_some());
    let severity = get("0xC004F065");
    assert_eq!(severity.likely_code.as_deref(), Some("0x4004F065"));
    assert!(severity.note.is_some());
    // Not a descriptive name: the SDK symbol of 0x4004F065 (issue 12, item 18).
    assert_eq!((severity.name_official, severity.name_of.as_deref()), (true, Some("0x4004F065")));
    let no_symbol = get("0x8004FE21");
    assert!(!no_symbol.name_official && no_symbol.note.is_some());

    let e = explain("0x80092328", kb(), Lang::En).remove(0).unwrap();
    assert_eq!((e.code.as_str(), e.likely_code.as_deref()), ("0x80092328", Some("0x8007232B")));
}

#[test]
fn related_codes_and_commands_point_at_real_things() {
    let known: BTreeSet<&str> = kb().entries().iter().map(|e| e.code.as_str()).collect();
    for e in kb().entries() {
        for r in &e.related {
            assert!(known.contains(r.as_str()), "{}: related {r} is not curated", e.file);
            assert_ne!(r, &e.code, "{}: related to itself", e.file);
        }
        for c in &e.checked_by {
            assert!(["check", "scan", "keys", "explain"].contains(&c.as_str()), "{}: unknown command {c}", e.file);
        }
    }
}

#[test]
fn curated_beyond_the_seed() {
    let curated: Vec<&str> = kb().entries().iter().map(|e| e.code.as_str()).collect();
    for code in CORPUS_CODES {
        assert!(curated.contains(&code), "{code} appears in the corpus logs and must be curated");
    }
    let beyond = kb().entries().iter().filter(|e| !e.seed).count();
    assert!(beyond >= 4 + 25, "only {beyond} codes beyond the seed");
}

/// The article's prose with whitespace removed: anchors and link targets (English slugs such as
/// `#0xc004b100-the-activation-server-determined…`) are markup, not sentences.
fn seed_prose() -> String {
    let seed = read_shared("seed/activation-error-codes.zh-CN.md");
    let mut prose = String::with_capacity(seed.len());
    let mut rest = seed.as_str();
    while let Some(start) = rest.find(['<', '(']) {
        prose.push_str(&rest[..start]);
        let close = if rest[start..].starts_with('<') { '>' } else { ')' };
        let markup = rest[start..].starts_with("<a")
            || rest[start..].starts_with("</a")
            || rest[start..].starts_with("(#")
            || rest[start..].starts_with("(http")
            || rest[start..].starts_with("(common-");
        match rest[start..].find(close) {
            Some(end) if markup => rest = &rest[start + end + 1..],
            _ => {
                prose.push_str(&rest[start..=start]);
                rest = &rest[start + 1..];
            }
        }
    }
    prose.push_str(rest);
    prose.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Causes and resolutions are ours: no long run of characters taken from the article. (Notes may
/// quote the article, since they discuss its anomalies.)
#[test]
fn explanations_are_in_our_own_words() {
    let seed = seed_prose();
    let mut copied = Vec::new();
    for e in kb().entries() {
        let mut texts: Vec<&str> = vec![&e.cause.en, &e.cause.zh_cn];
        texts.extend(e.resolution.en.iter().map(String::as_str));
        texts.extend(e.resolution.zh_cn.iter().map(String::as_str));
        for text in texts {
            let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
            if let Some(run) =
                chars.windows(COPIED_RUN).map(|w| w.iter().collect::<String>()).find(|w| seed.contains(w.as_str()))
            {
                copied.push(format!("{}: \"{run}\"", e.file));
            }
        }
    }
    assert!(copied.is_empty(), "text shared with the article:\n{}", copied.join("\n"));
}

/// The copy check itself must be able to fail.
#[test]
fn the_copy_check_catches_a_copied_sentence() {
    let seed = seed_prose();
    assert!(!seed.contains("activation-server"), "anchors should be stripped");
    let copied: String =
        "客户端计算机上的系统时间与 KMS 主机上的时间有很大的差异".chars().filter(|c| !c.is_whitespace()).collect();
    let chars: Vec<char> = copied.chars().collect();
    assert!(chars.windows(COPIED_RUN).any(|w| seed.contains(&w.iter().collect::<String>())));
}

#[test]
fn every_sl_tsv_row_is_named() {
    let tsv = read_shared("reference/sl-error-codes.tsv");
    let mut rows = 0;
    for line in tsv.lines().skip(1) {
        let mut cols = line.split('\t');
        let (hex, name) = (cols.next().unwrap(), cols.next().unwrap());
        let value = u32::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap();
        let names = names::name_of(value).unwrap_or_else(|| panic!("{hex} {name} has no name"));
        let mut all = vec![names.primary()];
        all.extend(names.aliases());
        assert!(all.contains(&name), "{hex}: {name} not among {all:?}");
        assert!(names::sl_message(value).is_some(), "{hex}: no message");
        let explained = explain(hex, kb(), Lang::En).remove(0).unwrap();
        assert!(explained.is_known(), "{hex}");
        rows += 1;
    }
    assert_eq!(rows, 408);
    assert_eq!(names::name_of(0xC004_FC03).map(|n| n.primary()), Some("E_RM_UNKNOWN_ERROR"));
}
