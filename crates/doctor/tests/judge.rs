//! Doctor's decisions on recorded data: WMI objects with the properties `SoftwareLicensingProduct`
//! and `SoftwareLicensingService` document, registry values as `slmgr /skms` writes them, event
//! XML as `EvtRender` gives it, and check results. Each case writes a bundle and judges it, the
//! way doctor does on the machine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod sample;

use actdoc_core::{Kb, Lang, Products};
use actdoc_doctor::bundle::{CheckLine, write};
use actdoc_doctor::{Collection, Doctor, Part, judge};
use actdoc_fleet::Options;
use actdoc_probe::Finding;
use actdoc_report::model::MachineState;
use sample::{check, collection, office_refused, skewed_clock};
use serde_json::json;

fn judged(c: &Collection, checks: Option<&[CheckLine]>) -> Doctor {
    let bytes = write(c, checks, None, "actdoc test").unwrap();
    let options = Options {
        kb: Kb::embedded().unwrap(),
        products: Products::embedded().unwrap(),
        lang: Lang::En,
        as_of: None,
        generated_by: "actdoc test".into(),
    };
    judge(&bytes, "PC01.zip", &options).unwrap()
}

#[test]
fn a_refused_office_is_blocked_by_the_clock_and_windows_renewal_is_at_risk() {
    let c = collection();
    let d = judged(&c, Some(&skewed_clock()));
    assert_eq!(d.verdicts.len(), 2, "{:#?}", d.verdicts);
    let office = &d.verdicts[0];
    assert_eq!(office.app.id(), "office");
    assert_eq!(office.state, MachineState::Failing);
    assert_eq!(office.code.as_ref().map(|c| c.code.to_string()).as_deref(), Some("0xC004F06C"));
    assert_eq!(office.blocked_by, vec![2], "only the clock check explains 0xC004F06C");
    assert!(!office.renewal_at_risk);
    let windows = &d.verdicts[1];
    assert_eq!(windows.app.id(), "windows");
    assert_eq!(windows.state, MachineState::Activated);
    assert!(windows.renewal_at_risk, "a KMS client with a failed check renews into it");
    assert_eq!(windows.blocked_by, vec![2]);
    assert_eq!(d.kms_target.as_deref(), Some("kms1.corp.example:1688"), "the service's setting wins");
    assert_eq!(d.checks.as_ref().map(Vec::len), Some(3));
    assert_eq!(d.checks.as_ref().unwrap()[2].title, "Clock off by more than 4 hours");
    // One machine, though WMI names it PC01 and its events PC01.corp.example.
    assert_eq!(d.report.machines.len(), 1, "{:#?}", d.report.machines.iter().map(|m| &m.machine).collect::<Vec<_>>());
}

#[test]
fn without_a_code_or_with_only_the_summary_code_every_failed_check_blocks() {
    let mut c = collection();
    c.events_xml = None;
    c.sources.event_log = Part::failed("not readable");
    let mut office = office_refused();
    office.insert("LicenseStatus".into(), json!(0));
    office.insert("LicenseStatusReason".into(), json!(3_221_549_172_u32)); // 0xC004F074
    c.products = vec![office];
    let checks = vec![
        check(Finding::SrvNxDomain, "corp.example", "NXDOMAIN"),
        check(Finding::TcpTimedOut, "kms1.corp.example:1688", "no answer in 3000 ms"),
        check(Finding::ClockNotMeasured, "kms1.corp.example:123", "no SNTP answer"),
    ];
    let d = judged(&c, Some(&checks));
    let office = &d.verdicts[0];
    assert_eq!(office.state, MachineState::Failing);
    assert_eq!(office.code.as_ref().map(|c| c.code.to_string()).as_deref(), Some("0xC004F074"));
    assert_eq!(office.blocked_by, vec![0, 1], "failed checks only; a warning blocks nothing");
    assert!(!d.collected.event_log.ok);
}

#[test]
fn a_code_no_check_explains_blames_no_check() {
    let mut c = collection();
    c.events_xml = None;
    let mut office = office_refused();
    office.insert("LicenseStatusReason".into(), json!(3_221_549_112_u32)); // 0xC004F038: count too low
    c.products = vec![office];
    let d = judged(&c, Some(&skewed_clock()));
    let office = &d.verdicts[0];
    assert_eq!(office.code.as_ref().map(|c| c.code.to_string()).as_deref(), Some("0xC004F038"));
    assert!(office.blocked_by.is_empty(), "{:?}", office.blocked_by);
    assert!(office.next_step.is_some(), "the finding's own first step is the fix");
}

#[test]
fn without_checks_nothing_is_blamed_and_the_json_says_so() {
    let d = judged(&collection(), None);
    assert!(d.verdicts.iter().all(|v| v.blocked_by.is_empty()));
    let value = serde_json::to_value(&d).unwrap();
    assert_eq!(value["checks"], serde_json::Value::Null);
    assert_eq!(value["schema"], 2);
    assert_eq!(value["doctor"], 1);
    assert_eq!(value["verdicts"][0]["state"], "failing");
}

#[test]
fn a_bundle_from_a_machine_with_nothing_readable_judges_to_no_verdict() {
    let c = Collection {
        computer: "BARE".into(),
        sources: actdoc_doctor::Sources {
            wmi_products: Part::failed("cannot connect to WMI"),
            ..actdoc_doctor::Sources::default()
        },
        ..Collection::default()
    };
    let d = judged(&c, None);
    assert!(d.verdicts.is_empty());
    assert_eq!(d.computer, "BARE");
    assert_eq!(d.collected.wmi_products.detail, "cannot connect to WMI");
}

#[test]
fn a_product_not_activated_without_any_code_is_blocked_by_every_failed_check() {
    let mut c = collection();
    c.events_xml = None;
    let mut office = office_refused();
    office.insert("LicenseStatus".into(), json!(0));
    office.remove("LicenseStatusReason");
    c.products = vec![office];
    let checks = vec![
        check(Finding::TcpConnected, "kms1.corp.example:1688", "connected"),
        check(Finding::TcpTimedOut, "kms2.corp.example:1688", "no answer in 3000 ms"),
        check(Finding::ClockSkewed, "kms1.corp.example:123", "5 h behind"),
    ];
    let d = judged(&c, Some(&checks));
    let office = &d.verdicts[0];
    assert_eq!(office.state, MachineState::Failing, "unlicensed");
    assert!(office.code.is_none(), "{:?}", office.code);
    assert_eq!(office.blocked_by, vec![1, 2], "every failed check, no passing one");
}
