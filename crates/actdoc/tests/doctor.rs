//! `actdoc doctor` off Windows: `--from` judges a bundle (written here from the documented
//! formats, as doctor writes it on a machine) to the verdicts first, then the evidence; without
//! `--from` it says it needs Windows and what to use instead. The Windows side runs under Wine in
//! `windows.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod run;
#[path = "../../doctor/tests/sample/mod.rs"]
mod sample;

use std::path::{Path, PathBuf};
use std::process::Output;

use actdoc_doctor::bundle::write;
use actdoc_test_support::servers::TempDir;
use run::actdoc;
use serde_json::Value;

fn sample_bundle(dir: &Path) -> PathBuf {
    let path = dir.join("PC01.zip");
    let bytes = write(&sample::collection(), Some(&sample::skewed_clock()), None, "actdoc test").unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn a_bundle_is_judged_verdicts_first_in_english_and_chinese() {
    let dir = TempDir::new("doctor-from");
    let bundle = sample_bundle(&dir.0);
    let path = bundle.display().to_string();
    for lang in ["en", "zh-CN"] {
        let output = actdoc(&["--lang", lang, "doctor", "--from", &path]);
        assert_eq!(output.status.code(), Some(1), "Office is not activated");
        let text = stdout(&output).replace(&path, "PC01.zip");
        let first = text.lines().nth(1).unwrap();
        assert!(first.starts_with("Office LTSC Professional Plus 2021"), "the failing product first: {text}");
        insta::assert_snapshot!(format!("doctor_from_bundle_{lang}"), text);
    }
}

#[test]
fn the_json_is_the_scan_report_with_verdicts_checks_and_what_was_collected() {
    let dir = TempDir::new("doctor-json");
    let bundle = sample_bundle(&dir.0);
    let output = actdoc(&["doctor", "--from", &bundle.display().to_string(), "--json"]);
    let doctor: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doctor["schema"], 2);
    assert_eq!(doctor["doctor"], 1);
    for key in ["summary", "machines", "kms_hosts", "findings", "sources", "verdicts", "checks", "collected"] {
        assert!(!doctor[key].is_null(), "{key} missing");
    }
    for part in ["wmi_products", "wmi_service", "event_log", "registry", "checks"] {
        assert_eq!(doctor["collected"][part]["ok"], true, "{part}");
    }
    assert_eq!(doctor["verdicts"][0]["code"]["code"], "0xC004F06C");
    assert_eq!(doctor["verdicts"][0]["blocked_by"], serde_json::json!([2]));
    assert_eq!(doctor["checks"][2]["finding"], "clock_skewed");
    assert_eq!(doctor["checks"][2]["next_step"].as_str().map(|s| s.contains("w32tm /resync")), Some(true));
    assert_eq!(doctor["kms_target"], "kms1.corp.example:1688");

    let quiet = actdoc(&["doctor", "--from", &bundle.display().to_string(), "--quiet"]);
    assert_eq!(quiet.status.code(), Some(1));
    assert_eq!(
        stdout(&quiet),
        "PC01: 1 of 2 products not activated; Office LTSC Professional Plus 2021: NOT ACTIVATED 0xC004F06C\n"
    );
}

#[test]
fn scan_reads_a_bundle_and_a_folder_of_them_like_logs() {
    let dir = TempDir::new("doctor-scan");
    sample_bundle(&dir.0);
    let output = actdoc(&["scan", &dir.0.display().to_string(), "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["sources"][0]["format"], "bundle");
    assert_eq!(report["machines"].as_array().unwrap().len(), 1);
    let machine = &report["machines"][0];
    assert_eq!(machine["source"], "PC01", "a bundle is labelled by the machine it names");
    let states: Vec<&str> =
        machine["products"].as_array().unwrap().iter().map(|p| p["state"].as_str().unwrap()).collect();
    assert_eq!(states.len(), 2);
    assert!(states.contains(&"failing") && states.contains(&"activated"), "{states:?}");

    // The round trip: the fleet's scan of the bundle and doctor's own judging agree.
    let bundle = dir.0.join("PC01.zip").display().to_string();
    let doctor: Value = serde_json::from_slice(&actdoc(&["doctor", "--from", &bundle, "--json"]).stdout).unwrap();
    for key in ["summary", "machines", "findings", "attempts"] {
        assert_eq!(report[key], doctor[key], "{key}");
    }
}

#[test]
fn off_windows_without_from_it_says_what_to_use_instead() {
    if cfg!(windows) {
        return;
    }
    let output = actdoc(&["doctor"]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    for hint in ["runs on the Windows machine", "actdoc check", "actdoc scan", "--from"] {
        assert!(message.contains(hint), "{hint}: {message}");
    }
}

#[test]
fn a_file_that_is_not_a_bundle_is_a_usage_error_that_names_it() {
    let dir = TempDir::new("doctor-bad");
    let text = dir.0.join("notes.zip");
    std::fs::write(&text, "not a zip").unwrap();
    let output = actdoc(&["doctor", "--from", &text.display().to_string()]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("notes.zip") && message.contains("not a readable zip file"), "{message}");
    let both = actdoc(&["doctor", "--from", "a.zip", "--bundle", "b.zip"]);
    assert_eq!(both.status.code(), Some(2), "--bundle writes what this machine collected; --from reads");
}

/// State rule 11: a bundle's failed live check is an error of its machine, explained by the first
/// code the check names; passing checks are no finding.
#[test]
fn a_bundles_failed_checks_are_findings_of_its_machine() {
    let dir = TempDir::new("doctor-checks");
    sample_bundle(&dir.0);
    let report: Value =
        serde_json::from_slice(&actdoc(&["scan", &dir.0.display().to_string(), "--json"]).stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let checks: Vec<(usize, &Value)> =
        findings.iter().enumerate().filter(|(_, f)| f["kind"] == "check_failed").collect();
    assert_eq!(checks.len(), 1, "the clock check failed; TCP and RPC passed: {findings:#?}");
    let (index, finding) = checks[0];
    assert_eq!(finding["code"], "0xC004F06C");
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["machine"], "PC01");
    assert!(finding["title"].as_str().unwrap().contains("clock_skewed"), "{finding}");
    assert!(finding["resolution"].as_array().is_some_and(|r| !r.is_empty()), "the KB's steps for the code");
    let machine = &report["machines"][0];
    assert!(machine["findings"].as_array().unwrap().contains(&Value::from(index)), "{machine}");
}
