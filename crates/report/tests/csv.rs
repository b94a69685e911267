//! The CSV exports: RFC 4180 quoting, CRLF rows, and the formula guard for spreadsheet apps.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fixture;

use actdoc_core::Lang;
use actdoc_report::csv::{findings_csv, products_csv};

/// A strict RFC 4180 reader, so the tests check what a spreadsheet would see, not our bytes.
fn parse(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted, mut chars) = (Vec::new(), String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "a bare CR ends no row");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\n') => panic!("a bare LF outside quotes"),
            (_, c) => field.push(c),
        }
    }
    assert!(row.is_empty() && field.is_empty() && !quoted, "the last row ends with CRLF");
    rows
}

#[test]
fn findings_have_a_header_and_one_row_each() {
    let report = fixture::sample(Lang::En);
    let text = findings_csv(&report);
    assert!(text.starts_with(
        "severity,kind,code,machine,kms_host,title,explanation,evidence_file,evidence_record_id,evidence_time,evidence_event_id,evidence_count\r\n"
    ));
    let rows = parse(&text);
    assert_eq!(rows.len(), report.findings.len() + 1);
    assert!(rows.iter().all(|r| r.len() == 12), "{rows:?}");
    assert_eq!(
        rows[1],
        [
            "error",
            "activation_failed",
            "0xC004F074",
            "PC-FAIL",
            "kms01.corp.example:1688",
            "Activation failed: \"no KMS\", see event 12288 & 8198",
            "The client could not reach a KMS host, or the host refused it.",
            "logs/pc-fail/Application.evtx",
            "1000",
            "2024-05-02T08:10:00Z",
            "8198",
            "6",
        ]
    );
    // A finding without evidence leaves the evidence columns empty and counts 0.
    assert_eq!(rows[4][7..], ["", "", "", "", "0"]);
}

#[test]
fn quotes_and_commas_are_quoted_the_rfc_4180_way() {
    let text = findings_csv(&fixture::sample(Lang::En));
    assert!(text.contains(",\"Activation failed: \"\"no KMS\"\", see event 12288 & 8198\","));
}

#[test]
fn a_field_a_spreadsheet_would_run_gets_an_apostrophe() {
    let report = fixture::sample(Lang::En);
    let rows = parse(&findings_csv(&report));
    assert_eq!(rows[3][6], "'=cmd|' /C calc'!A0");
    let mut report = report;
    report.machines[0].machine = "+1-555-0100".to_string();
    report.machines[1].products[0].product = Some("@SUM(1,2)\r\nnext".into());
    let rows = parse(&products_csv(&report));
    assert_eq!(rows[1][0], "'+1-555-0100");
    assert_eq!(rows[2][5], "'@SUM(1,2)\r\nnext");
}

#[test]
fn products_have_one_row_each_under_their_machine() {
    let report = fixture::sample(Lang::En);
    let text = products_csv(&report);
    let rows = parse(&text);
    assert_eq!(
        rows[0],
        [
            "machine",
            "source",
            "cmid",
            "cloned_cmid",
            "machine_state",
            "product",
            "app",
            "sku",
            "channel",
            "partial_key",
            "license_status",
            "reason_code",
            "state",
            "expires",
            "days_left",
            "kms_host",
            "kms_host_source",
            "last_attempt",
            "last_error_code",
            "last_error_name",
            "failures",
            "note",
            "also_named",
            "as_of"
        ]
    );
    // PC-ACT: one product; PC-FAIL: Windows failing and Office activated; the unknown machine:
    // one row with empty product columns.
    assert_eq!(rows.len(), 5);
    assert!(text.contains(
        "\r\nPC-FAIL,logs/pc-fail,6f1a2b3c-0000-4000-8000-00000000abcd,false,failing,Windows 11 Enterprise,windows,73111121-5638-40f6-bc11-f1d7b0d64300,VOLUME_KMSCLIENT,W269N,notification,,failing,2024-10-29T08:15:00Z,179,kms01.corp.example:1688,dns,2024-05-02T08:15:00Z,0xC004F06C,SL_E_VL_INVALID_TIMESTAMP,1,failed 4 times between 2024-04-29 and 2024-05-02,PC-OLD,2024-05-02T08:15:00Z\r\n"
    ));
    assert_eq!((rows[3][4].as_str(), rows[3][6].as_str(), rows[3][12].as_str()), ("failing", "office", "activated"));
    // CSV is not HTML: the hostile name is kept as it is, for the spreadsheet to show as text.
    assert_eq!(rows[4][0], fixture::HOSTILE);
    assert_eq!((rows[4][4].as_str(), rows[4][5].as_str()), ("unknown", ""));
}

#[test]
fn an_empty_report_gives_the_headers_alone() {
    let report = fixture::empty(Lang::En);
    assert_eq!(parse(&findings_csv(&report)).len(), 1);
    assert_eq!(parse(&products_csv(&report)).len(), 1);
}
