//! One machine as doctor would collect it, written from the documented formats: WMI objects with
//! the properties `SoftwareLicensingProduct` and `SoftwareLicensingService` have, registry values
//! as `slmgr /skms` writes them, event XML as `EvtRender` gives it, and check results. Shared by
//! the doctor crate's tests and the CLI's (`#[path]`).
#![allow(dead_code)] // Each test file uses its own part of the sample.

use std::collections::BTreeMap;

use actdoc_core::time::Timestamp;
use actdoc_doctor::bundle::CheckLine;
use actdoc_doctor::collection::SPP_KEY;
use actdoc_doctor::{Collection, Part, WmiObject};
use actdoc_probe::Finding;
use serde_json::json;

const WINDOWS_APP: &str = "55c92734-d682-4d71-983e-d6ec3f16059f";
const OFFICE_APP: &str = "0ff1ce15-a989-479d-af46-f275c6370663";
const WINDOWS_11_ENTERPRISE: &str = "73111121-5638-40f6-bc11-f1d7b0d64300";
const OFFICE_LTSC_2021_PROPLUS: &str = "fbdb3e18-a8ef-4fb3-9183-dffd60bd0984";

pub(crate) fn object(value: serde_json::Value) -> WmiObject {
    match value {
        serde_json::Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

pub(crate) fn windows_licensed() -> WmiObject {
    object(json!({
        "ID": WINDOWS_11_ENTERPRISE.to_uppercase(),
        "Name": "Windows(R), Enterprise edition",
        "Description": "Windows(R) Operating System, VOLUME_KMSCLIENT channel",
        "ApplicationID": WINDOWS_APP,
        "PartialProductKey": "Q6J8P",
        "ProductKeyChannel": "Volume:GVLK",
        "LicenseStatus": 1,
        "GracePeriodRemaining": 250_000,
        "KeyManagementServiceMachine": "",
        "KeyManagementServicePort": 0,
        "LicenseIsAddon": false
    }))
}

/// Office that the KMS host refused: notification, the reason 0xC004F06C as the decimal WMI gives.
pub(crate) fn office_refused() -> WmiObject {
    object(json!({
        "ID": OFFICE_LTSC_2021_PROPLUS,
        "Name": "Office 21, Office21ProPlus2021VL_KMS_Client_AE edition",
        "Description": "Office 21, VOLUME_KMSCLIENT channel",
        "ApplicationID": OFFICE_APP,
        "PartialProductKey": "6F7TH",
        "ProductKeyChannel": "Volume:GVLK",
        "LicenseStatus": 5,
        "LicenseStatusReason": 3_221_549_164_u32,
        "GracePeriodRemaining": 0,
        "LicenseIsAddon": false
    }))
}

pub(crate) fn service() -> WmiObject {
    object(json!({
        "ClientMachineID": "A1B2C3D4-0000-4000-8000-000000000001",
        "KeyManagementServiceMachine": "kms1.corp.example",
        "KeyManagementServicePort": 1688,
        "DiscoveredKeyManagementServiceMachineName": "",
        "KeyManagementServiceCurrentCount": 0,
        "Version": "10.0.22621.1"
    }))
}

/// A 12288 request of the Office SKU that the host answered with 0xC004F06C.
pub(crate) const OFFICE_REQUEST: &str = "<Events>\n<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>\
<Provider Name='Microsoft-Windows-Security-SPP' Guid='{E23B33B0-C8C9-472C-A5F9-F2BDFEA0F156}' \
EventSourceName='Software Protection Platform Service'/><EventID Qualifiers='16384'>12288</EventID><Level>4</Level>\
<TimeCreated SystemTime='2026-11-30T08:00:00.0000000Z'/><EventRecordID>4711</EventRecordID><Channel>Application</Channel>\
<Computer>PC01.corp.example</Computer></System><EventData><Data>0xC004F06C, 0x00000000, kms1.corp.example:1688, \
a1b2c3d4-0000-4000-8000-000000000001, 2026/11/30 13:12, 0, 2, 43200, fbdb3e18-a8ef-4fb3-9183-dffd60bd0984, 5</Data>\
</EventData></Event>\n</Events>\n";

pub(crate) fn collection() -> Collection {
    let mut registry = BTreeMap::new();
    registry.insert(
        SPP_KEY.to_string(),
        BTreeMap::from([("KeyManagementServiceName".to_string(), json!("kms1.corp.example"))]),
    );
    Collection {
        computer: "PC01".into(),
        collected_at: Timestamp::parse_rfc3339("2026-11-30T08:05:00Z"),
        products: vec![windows_licensed(), office_refused()],
        service: Some(service()),
        registry,
        dns_search: vec!["corp.example".into()],
        events_xml: Some(OFFICE_REQUEST.into()),
        sources: actdoc_doctor::Sources {
            wmi_products: Part::ok("2 licensing products with a product key"),
            wmi_service: Part::ok("SoftwareLicensingService version 10.0.22621.1"),
            event_log: Part::ok(
                "1 events from the Application log (last 90 days); no Key Management Service log (not a KMS host)",
            ),
            registry: Part::ok(format!("1 values of {SPP_KEY}")),
            checks: Part::ok("3 checks, 1 failed, in 14 ms"),
        },
    }
}

pub(crate) fn check(finding: Finding, subject: &str, evidence: &str) -> CheckLine {
    CheckLine {
        finding,
        status: finding.status(),
        subject: subject.into(),
        evidence: evidence.into(),
        explains: finding.explains().iter().map(|c| (*c).to_string()).collect(),
    }
}

pub(crate) fn skewed_clock() -> Vec<CheckLine> {
    vec![
        check(Finding::TcpConnected, "kms1.corp.example:1688", "connected to 10.0.0.5:1688 in 2 ms"),
        check(Finding::RpcKms, "kms1.corp.example:1688", "bind_ack for the KMS interface"),
        check(Finding::ClockSkewed, "kms1.corp.example:123", "this clock is 5 h 12 min behind"),
    ]
}
