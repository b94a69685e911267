//! `actdoc scan` as a user runs it: exit statuses, the JSON contract, CSV and HTML output, `-o`,
//! warnings on stderr, and the HTML report opened in a real headless Chromium.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod run;

use std::path::PathBuf;
use std::process::Command;

use actdoc_test_support::servers::TempDir;
use actdoc_test_support::{shared_dir, workspace_root};
use run::actdoc;
use serde_json::Value;

fn corpus(name: &str) -> String {
    shared_dir().join("corpus/evtx").join(name).display().to_string()
}

fn fleet() -> String {
    workspace_root().join("tests/fixtures/fleet").display().to_string()
}

#[test]
fn a_healthy_log_exits_0_and_a_failing_one_exits_1() {
    let ok = actdoc(&["scan", &corpus("anotherc0ne__EventLog__Application.evtx")]);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stdout));
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(text.contains("d02f0758-43f9-4809-9821-e84edb810cbe") && text.contains("169.254.169.25"), "{text}");
    let failing = actdoc(&["scan", &corpus("fukusuket__evtx-parser__samples__Application.evtx")]);
    assert_eq!(failing.status.code(), Some(1));
    let text = String::from_utf8_lossy(&failing.stdout);
    assert!(text.contains("0x80072EE7") && text.contains("0x803F7001"), "{text}");
}

#[test]
fn the_json_contract() {
    let out = actdoc(&["scan", &fleet(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["machine", "source", "cmid", "kms_host", "kms_host_source", "state", "last_error", "findings"] {
        assert!(v["machines"][0].get(key).is_some(), "machines[].{key}");
    }
    for key in ["host", "clients_30d", "servers_30d", "threshold", "requests"] {
        assert!(v["kms_hosts"][0].get(key).is_some(), "kms_hosts[].{key}");
    }
    for key in ["severity", "code", "machine", "title", "explanation", "evidence"] {
        assert!(v["findings"][0].get(key).is_some(), "findings[].{key}");
    }
    for key in ["file", "record_id", "time", "event_id"] {
        assert!(v["findings"][0]["evidence"][0].get(key).is_some(), "evidence[].{key}");
    }
    for key in ["path", "format", "records", "hits"] {
        assert!(v["sources"][0].get(key).is_some(), "sources[].{key}");
    }
    assert!(v["warnings"].is_array());
    let skew = v["machines"].as_array().unwrap().iter().find(|m| m["machine"] == "PC-SKEW.contoso.test").unwrap();
    assert_eq!(skew["last_error"]["code"], "0xC004F06C");
    assert_eq!(skew["last_error"]["name"], "SL_E_VL_INVALID_TIMESTAMP");
}

#[test]
fn chinese_reports_use_the_knowledge_base_in_chinese() {
    let out = actdoc(&["--lang", "zh-CN", "scan", &fleet(), "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v["findings"].as_array().unwrap().iter().find(|f| f["code"] == "0xC004F06C").unwrap();
    assert!(f["title"].as_str().unwrap().contains("激活失败"), "{}", f["title"]);
    assert!(f["explanation"].as_str().unwrap().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
}

#[test]
fn corrupt_inputs_are_warnings_on_stderr_and_do_not_change_the_exit_status() {
    let dir = TempDir::new("scan-cli");
    let junk = dir.0.join("junk.txt");
    std::fs::write(&junk, [0u8, 159, 146, 150, 0, 0, 1]).unwrap();
    let out = actdoc(&["scan", &corpus("anotherc0ne__EventLog__Application.evtx"), junk.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "a bad file beside a good one is only a warning");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("junk.txt") && stderr.contains("byte"), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["warnings"][0]["file"].as_str().map(|f| f.ends_with("junk.txt")), Some(true));
    assert!(!stderr.contains('\r') && !stderr.contains("\u{1b}["), "no progress bar when stderr is not a terminal");

    let only_junk = actdoc(&["scan", junk.to_str().unwrap()]);
    assert_eq!(only_junk.status.code(), Some(2), "nothing readable at all is exit 2");
    assert_eq!(actdoc(&["scan", "/no/such/path"]).status.code(), Some(2));
    assert_eq!(actdoc(&["scan", &fleet(), "--as-of", "someday"]).status.code(), Some(2));
}

#[test]
fn csv_and_output_files() {
    let dir = TempDir::new("scan-out");
    let csv = dir.0.join("findings.csv");
    let out = actdoc(&["scan", &fleet(), "--format", "csv", "-o", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "-o writes the file, not stdout");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.lines().count() > 5, "{text}");
    assert!(text.contains("0xC004F06C"));
    assert_eq!(actdoc(&["explain", "0xC004F074", "--format", "csv"]).status.code(), Some(2), "csv is for scan only");
}

/// Regression: a Computer name with ESC [2J and an OSC title, and such a file name, were written
/// raw to the terminal even with `--color never`.
#[test]
fn terminal_escapes_in_log_content_and_file_names_are_shown_escaped() {
    let dir = TempDir::new("scan-escapes");
    let event = "<Event><System><Provider Name='Microsoft-Windows-Security-SPP'/><EventID>8198</EventID>\
        <TimeCreated SystemTime='2024-05-01T00:00:00Z'/><Computer>PC\u{1b}[2J\u{1b}]0;pwned\u{7}</Computer></System>\
        <EventData><Data>hr=0xC004F074</Data><Data>AppId=55c92734-d682-4d71-983e-d6ec3f16059f</Data></EventData></Event>";
    let path = dir.0.join("evil\u{1b}[31m.xml");
    std::fs::write(&path, event).unwrap();
    let broken = dir.0.join("broken\u{1b}]0;t\u{7}.xml");
    std::fs::write(&broken, "<Event><System>").unwrap();
    let out = actdoc(&["scan", dir.0.to_str().unwrap(), "--color", "never"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("PC"), "{stdout}");
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{7}'), "{stdout:?}");
    assert!(!stderr.contains('\u{1b}') && !stderr.contains('\u{7}'), "{stderr:?}");
    assert!(stdout.contains("\\x{1b}"), "escapes are shown, not dropped: {stdout}");
}

/// The HTML report is one file that works offline with no script: a real Chromium opens it with
/// the network blocked and checks for outside requests, console errors and the four charts.
#[test]
fn the_html_report_in_a_real_browser() {
    let dir = TempDir::new("scan-html");
    let html = dir.0.join("report.html");
    let out = actdoc(&[
        "scan",
        &fleet(),
        &corpus("fukusuket__evtx-parser__samples__Application.evtx"),
        "--format",
        "html",
        "-o",
        html.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<svg") && !page.contains("<script"), "inline SVG, no script");
    for id in ["chart-errors-by-code", "chart-products-by-state", "chart-timeline", "chart-kms-count"] {
        assert!(page.contains(id), "{id}");
    }

    let browser = workspace_root().join("tests/browser");
    assert!(
        browser.join("node_modules/playwright-core").is_dir(),
        "run scripts/test: it installs playwright-core in tests/browser"
    );
    assert!(PathBuf::from("/usr/bin/chromium").is_file(), "run scripts/test: it installs Debian's chromium");
    let screenshot = workspace_root().join("target/screenshots/scan-report.png");
    std::fs::create_dir_all(screenshot.parent().unwrap()).unwrap();
    let run = Command::new("node").arg(browser.join("report-check.mjs")).arg(&html).arg(&screenshot).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "browser check failed:\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap_or("{}")).unwrap();
    assert_eq!(summary["requests_blocked"], 0);
    assert_eq!(summary["console_errors"], 0);
    assert_eq!(summary["charts"], 4);
    assert!(screenshot.is_file());
}

#[test]
fn since_and_until_leave_events_out_and_count_them_per_source() {
    let all: Value = serde_json::from_slice(&actdoc(&["scan", &fleet(), "--json"]).stdout).unwrap();
    let window: Value = serde_json::from_slice(
        &actdoc(&["scan", &fleet(), "--since", "2024-05-01", "--until", "2024-05-31", "--json"]).stdout,
    )
    .unwrap();
    let count =
        |r: &Value, key: &str| r["sources"].as_array().unwrap().iter().map(|s| s[key].as_u64().unwrap()).sum::<u64>();
    assert_eq!(count(&all, "outside_window"), 0);
    let outside = count(&window, "outside_window");
    assert!(outside > 0, "{window:#}");
    assert_eq!(count(&window, "hits") + outside, count(&all, "hits"), "every event is either kept or counted out");
    assert!(window["summary"]["machines"].as_u64() < all["summary"]["machines"].as_u64());

    let backwards = actdoc(&["scan", &fleet(), "--since", "2024-06-01", "--until", "2024-05-01"]);
    assert_eq!(backwards.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&backwards.stderr).contains("is after --until"));
    let not_a_date = actdoc(&["scan", &fleet(), "--until", "yesterday"]);
    assert_eq!(not_a_date.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_a_date.stderr).contains("--until `yesterday`: expected a date"));
}

#[test]
fn jsonl_is_one_finding_per_line_that_stands_alone() {
    let report: Value = serde_json::from_slice(&actdoc(&["scan", &fleet(), "--json"]).stdout).unwrap();
    let output = actdoc(&["scan", &fleet(), "--format", "jsonl"]);
    assert_eq!(output.status.code(), Some(1), "findings are a problem found, as with --json");
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(lines.len(), findings.len());
    for (line, finding) in lines.iter().zip(findings) {
        assert_eq!(line["schema"], 2);
        assert!(line["generated_by"].as_str().unwrap().starts_with("actdoc "));
        assert_eq!(line["kind"], finding["kind"]);
        assert_eq!(line["title"], finding["title"]);
    }
    let not_here = actdoc(&["explain", "0xC004F074", "--format", "jsonl"]);
    assert_eq!(not_here.status.code(), Some(2));
}

/// The made-up fleet written as a collector or shipper would write it, one JSON object per line,
/// from the documented shapes: OpenWEC RawJson (`meta`, `data`), OpenWEC Json (`System`,
/// `EventData.Data[]`), and Winlogbeat (`winlog.*`, `param1…N`, `@timestamp`), in a folder per
/// machine as OpenWEC's file output lays them out.
fn fleet_as(shape: &str, dir: &std::path::Path) {
    let source = workspace_root().join("tests/fixtures/fleet");
    for machine in std::fs::read_dir(&source).unwrap() {
        let machine = machine.unwrap().path();
        let out_dir = dir.join(machine.file_name().unwrap()).join("10.0.0.1").join("principal");
        std::fs::create_dir_all(&out_dir).unwrap();
        let mut lines = String::new();
        for file in std::fs::read_dir(&machine).unwrap() {
            let xml = std::fs::read_to_string(file.unwrap().path()).unwrap();
            let mut events = Vec::new();
            actdoc_logs::xml::read_events(xml.as_bytes(), "fixture", |e| events.push(e));
            let originals: Vec<&str> =
                xml.lines().filter(|l| l.starts_with("<Event ") || l.starts_with("<Event>")).collect();
            assert_eq!(originals.len(), events.len());
            for (e, original) in events.iter().zip(originals) {
                let time = e.time.map(|t| t.to_string());
                let line = match shape {
                    "raw_json" => {
                        serde_json::json!({"meta": {"IpAddress": "10.0.0.1", "Principal": "PC$@CONTOSO.TEST"}, "data": original})
                    }
                    "json" => serde_json::json!({
                        "System": {"Provider": {"Name": e.provider, "EventSourceName": e.event_source_name}, "EventID": e.event_id,
                                   "EventIDQualifiers": e.qualifiers, "TimeCreated": time, "EventRecordID": e.record_id,
                                   "Channel": e.channel, "Computer": e.computer},
                        "EventData": {"Data": e.data},
                        "OpenWEC": {"IpAddress": "10.0.0.1"}
                    }),
                    _ => {
                        let params: serde_json::Map<String, Value> = e
                            .data
                            .iter()
                            .enumerate()
                            .map(|(i, d)| (format!("param{}", i + 1), Value::from(d.clone())))
                            .collect();
                        serde_json::json!({
                            "@timestamp": time,
                            "winlog": {"channel": e.channel, "event_id": e.event_id.to_string(), "provider_name": e.provider,
                                       "computer_name": e.computer, "record_id": e.record_id.map(|r| r.to_string()),
                                       "event_data": params}
                        })
                    }
                };
                lines.push_str(&line.to_string());
                lines.push('\n');
            }
        }
        std::fs::write(out_dir.join("messages"), lines).unwrap();
    }
}

#[test]
fn collector_and_shipper_lines_read_like_the_event_xml() {
    let reference: Value = serde_json::from_slice(&actdoc(&["scan", &fleet(), "--json"]).stdout).unwrap();
    for (shape, format) in [("raw_json", "openwec_raw_json"), ("json", "openwec_json"), ("winlogbeat", "winlogbeat")] {
        let dir = TempDir::new(shape);
        fleet_as(shape, &dir.0);
        let out = actdoc(&["scan", &dir.0.display().to_string(), "--json"]);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            report["sources"].as_array().unwrap().iter().all(|s| s["format"] == format),
            "{shape}: {}",
            report["sources"]
        );
        assert_eq!(report["warnings"], serde_json::json!([]), "{shape}");
        assert_eq!(report["summary"], reference["summary"], "{shape}");
        let titles =
            |r: &Value| r["findings"].as_array().unwrap().iter().map(|f| f["title"].clone()).collect::<Vec<_>>();
        assert_eq!(titles(&report), titles(&reference), "{shape}");
        assert_eq!(report["kms_hosts"][0]["clients_30d"], reference["kms_hosts"][0]["clients_30d"], "{shape}");
    }
}

/// Regression: `--since` cut a KMS host's earlier requests and so invented a lower 30-day count
/// ("7 unique machines" where the host had counted 12); a host's requests within its count window
/// and the skew tolerance are kept as context, so a window that starts later never reports what the
/// whole log does not. (`--until` moves the time the count is judged at, so its findings are those
/// of that earlier day, rightly different.)
#[test]
fn a_later_start_never_invents_a_finding_the_whole_log_does_not_have() {
    let titles = |args: &[&str]| -> std::collections::BTreeSet<String> {
        let out: Value = serde_json::from_slice(&actdoc(args).stdout).unwrap();
        out["findings"].as_array().unwrap().iter().map(|f| f["title"].as_str().unwrap().to_string()).collect()
    };
    let fleet = fleet();
    let whole = titles(&["scan", &fleet, "--json"]);
    for day in ["2024-04-20", "2024-04-25", "2024-05-01", "2024-05-09", "2024-05-10", "2024-05-11"] {
        let window = titles(&["scan", &fleet, "--since", day, "--json"]);
        assert!(window.is_subset(&whole), "--since {day}: {:?}", window.difference(&whole).collect::<Vec<_>>());
    }
}
