//! One test per state rule (the README's rule table names each), on event XML written from the
//! documented layouts, every one in both orders of arrival.

use crate::events::*;
use actdoc_report::model::{App, LicenseStatus, MachineState, Severity};

const PC: &str = "PC01.corp.example";
const CMID: &str = "aaaaaaaa-0000-4000-8000-000000000001";

/// Rule 1: an answer with the activated flag set licenses the product for 180 days from the answer.
#[test]
fn rule_1_an_activated_answer_licenses_for_180_days() {
    let log = vec![
        request("2024-05-10T11:00:00Z", PC, "0x00000000", CMID, 2, 43_200, WIN_ENT, 25),
        response("2024-05-10T11:00:00Z", PC, "0x00000000", 1, 50),
    ];
    both_orders(log, None, |r| {
        let m = machine(r, PC);
        let p = product(m, WIN_ENT);
        assert_eq!(
            (p.state, p.license_status, p.app),
            (MachineState::Activated, Some(LicenseStatus::Licensed), App::Windows)
        );
        assert_eq!(p.product.as_deref(), Some("Windows 11 Enterprise"));
        assert_eq!(p.expires.map(|t| t.to_string()).as_deref(), Some("2024-11-06T11:00:00Z"));
        assert_eq!(p.days_left, Some(180), "180 days of validity, not the 30 days of grace the request reported");
        assert_eq!((p.kms_host.as_deref(), p.kms_host_source.as_deref()), (Some(HOST), Some("event")));
        assert!(r.findings.is_empty(), "{:#?}", r.findings);
    });
}

/// Rule 1: a renewal moves the expiry.
#[test]
fn rule_1_a_renewal_moves_the_expiry() {
    let log = vec![
        request("2024-05-01T09:00:00Z", PC, "0x00000000", CMID, 2, 43_200, WIN_ENT, 25),
        response("2024-05-01T09:00:00Z", PC, "0x00000000", 1, 50),
        request("2024-05-08T09:00:00Z", PC, "0x00000000", CMID, 1, 249_120, WIN_ENT, 25),
        response("2024-05-08T09:00:00Z", PC, "0x00000000", 1, 50),
    ];
    both_orders(log, None, |r| {
        let p = product(machine(r, PC), WIN_ENT);
        assert_eq!(p.expires.map(|t| t.to_string()).as_deref(), Some("2024-11-04T09:00:00Z"));
        assert_eq!(p.days_left, Some(180));
    });
}

/// Rule 1: "not activated" with a count below the N-policy is grace with 0xC004F038 and a
/// warning, never "activated, nothing wrong" (the most common KMS complaint there is).
#[test]
fn rule_1_a_count_below_the_n_policy_is_grace_with_a_warning() {
    let log = vec![
        request("2024-05-10T11:00:00Z", PC, "0x00000000", CMID, 2, 43_200, WIN_ENT, 25),
        response("2024-05-10T11:00:00Z", PC, "0x04000000", 0, 12),
    ];
    both_orders(log, None, |r| {
        let m = machine(r, PC);
        let p = product(m, WIN_ENT);
        assert_eq!((p.state, p.license_status), (MachineState::Grace, Some(LicenseStatus::InitialGrace)));
        assert_eq!(p.reason.as_ref().map(|c| c.code.as_ref()), Some("0xC004F038"));
        assert_eq!(p.days_left, Some(30), "the grace the request reported: 43,200 minutes");
        assert_eq!(m.state, MachineState::Grace);
        let f = r.findings.iter().find(|f| f.kind == "kms_count_refused").expect("a warning says why");
        assert_eq!((f.severity, f.code.as_deref()), (Severity::Warning, Some("0xC004F038")));
        assert!(f.title.contains("12") && f.title.contains("25"), "{}", f.title);
        assert!(r.findings.iter().all(|f| f.severity != Severity::Error), "{:#?}", r.findings);
    });
}

/// Rule 2: a request with a non-zero HRESULT is a failed attempt with that code.
#[test]
fn rule_2_a_failed_request_is_a_failure_with_its_code() {
    let log = vec![request("2024-05-10T11:00:00Z", PC, "0xC004F06C", CMID, 2, 43_200, WIN_ENT, 25)];
    both_orders(log, None, |r| {
        let p = product(machine(r, PC), WIN_ENT);
        assert_eq!(p.state, MachineState::Failing);
        assert_eq!(p.last_error.as_ref().map(|c| c.code.as_ref()), Some("0xC004F06C"));
        assert_eq!(r.findings[0].kind, "activation_failed");
        assert_eq!(r.findings[0].code.as_deref(), Some("0xC004F06C"));
    });
}

/// Rule 2 and 4: behind slui's catch-all 0xC004F074, the code the request of the same episode
/// holds; the finding starts with a step the evidence has not answered.
#[test]
fn rule_2_the_real_error_behind_0xc004f074() {
    let log = vec![
        request("2024-05-10T11:00:00Z", PC, "0xC004F06C", CMID, 2, 43_200, WIN_ENT, 25),
        slui_failed("2024-05-10T11:01:00Z", PC, "0xC004F074", WINDOWS, WIN_ENT),
    ];
    both_orders(log, None, |r| {
        let p = product(machine(r, PC), WIN_ENT);
        assert_eq!(p.last_error.as_ref().map(|c| c.code.as_ref()), Some("0xC004F06C"));
        assert_eq!(p.history.iter().map(|h| h.code.as_ref()).collect::<Vec<_>>(), ["0xC004F06C", "0xC004F06C"]);
        let f = &r.findings[0];
        assert!(f.title.contains("0xC004F06C") && f.title.contains("reported as 0xC004F074"), "{}", f.title);
        assert!(!f.resolution.is_empty());
        for step in &f.resolution {
            assert!(
                !step.contains("actdoc scan") && !step.contains("filter on event ID 12288"),
                "answered already: {step}"
            );
        }
    });
}

/// Rule 3: a request no response followed, on a product not licensed before: a failure.
#[test]
fn rule_3_a_request_without_an_answer_fails() {
    let log = vec![request("2024-05-10T11:00:00Z", PC, "0x00000000", CMID, 2, 43_200, WIN_ENT, 25)];
    both_orders(log, None, |r| {
        let p = product(machine(r, PC), WIN_ENT);
        assert_eq!(p.state, MachineState::Failing);
        let f = r.findings.iter().find(|f| f.kind == "no_answer").expect("no answer is said");
        assert_eq!((f.severity, f.code.as_deref()), (Severity::Error, Some("0xC004F074")));
        assert!(f.title.contains(HOST), "{}", f.title);
    });
}

/// Rule 3: weekly renewals never answered leave an activated product activated, with a warning
/// that names since when and the expiry; an error once fewer than 30 days are left.
#[test]
fn rule_3_unanswered_renewals_warn_then_err_before_the_expiry() {
    let mut log = vec![
        request("2024-01-01T09:00:00Z", PC, "0x00000000", CMID, 2, 43_200, WIN_ENT, 25),
        response("2024-01-01T09:00:00Z", PC, "0x00000000", 1, 50),
    ];
    for (day, minutes) in [("2024-01-08", 249_120), ("2024-01-15", 239_040)] {
        log.push(request(&format!("{day}T09:00:00Z"), PC, "0x00000000", CMID, 1, minutes, WIN_ENT, 25));
    }
    let report = both_orders(log.clone(), None, |r| {
        let p = product(machine(r, PC), WIN_ENT);
        assert_eq!(p.state, MachineState::Activated);
        assert_eq!(p.expires.map(|t| t.to_string()).as_deref(), Some("2024-06-29T09:00:00Z"));
        let f = r.findings.iter().find(|f| f.kind == "renewal_failing").expect("the unanswered renewals are said");
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.title.contains("since 2024-01-08") && f.title.contains("expires 2024-06-29"), "{}", f.title);
        assert_eq!(p.failures, 2);
    });
    assert_eq!(report.summary.products.activated, 1);
    // Judged five months later: under 30 days left, the same finding is an error.
    let late = analyse_files(&[("pc/Application.xml", log)], Some("2024-06-10T00:00:00Z"));
    let f = late.findings.iter().find(|f| f.kind == "renewal_failing").unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(product(machine(&late, PC), WIN_ENT).days_left, Some(19));
}

/// Rule 4: slui (8198) and the rules engine (8233) failures belong to the product their AppId and
/// SkuId name: Office failing is not hidden by Windows activating a day later.
#[test]
fn rule_4_office_failing_and_windows_activated_are_two_products() {
    let log = vec![
        slui_failed("2024-05-09T08:00:00Z", PC, "0xC004F074", OFFICE, OFFICE_2021),
        vl_failed("2024-05-09T08:05:00Z", PC, "0x8007232B", OFFICE, OFFICE_2021),
        request("2024-05-10T11:00:00Z", PC, "0x00000000", CMID, 2, 43_200, WIN_ENT, 25),
        response("2024-05-10T11:00:00Z", PC, "0x00000000", 1, 50),
    ];
    both_orders(log, None, |r| {
        let m = machine(r, PC);
        assert_eq!(m.products.len(), 2);
        let office = product(m, OFFICE_2021);
        assert_eq!((office.app, office.state), (App::Office, MachineState::Failing));
        assert_eq!(office.product.as_deref(), Some("Office LTSC Professional Plus 2021"));
        assert_eq!(office.last_error.as_ref().map(|c| c.code.as_ref()), Some("0x8007232B"));
        assert_eq!(product(m, WIN_ENT).state, MachineState::Activated);
        assert_eq!(m.state, MachineState::Failing, "the machine is its worst product");
        assert_eq!(m.product.as_deref(), Some("Office LTSC Professional Plus 2021"));
        assert_eq!(r.summary.products.failing, 1);
        assert!(r.findings.iter().any(|f| f.kind == "activation_failed" && f.title.contains("Office")));
    });
}

/// Rule 5: the rules engine's state data is the licence status when it is the newest evidence.
#[test]
fn rule_5_state_data_gives_the_status_reason_and_channel() {
    let log =
        vec![state_data("2024-05-10T11:00:00Z", PC, "NOTIFICATION", "0xc004f056", "Volume:GVLK", WINDOWS, WIN_ENT)];
    both_orders(log, None, |r| {
        let p = product(machine(r, PC), WIN_ENT);
        assert_eq!((p.state, p.license_status), (MachineState::Failing, Some(LicenseStatus::Notification)));
        assert_eq!(p.reason.as_ref().map(|c| c.code.as_ref()), Some("0xC004F056"));
        assert_eq!((p.channel.as_deref(), p.partial_key.as_deref()), (Some("VOLUME_KMSCLIENT"), Some("W269N")));
        let f = r.findings.iter().find(|f| f.kind == "not_activated").unwrap();
        assert_eq!(f.code.as_deref(), Some("0xC004F056"));
    });
    // Licensed state data newer than an old failure: activated.
    let log = vec![
        slui_failed("2024-05-09T08:00:00Z", PC, "0xC004F074", WINDOWS, WIN_ENT),
        state_data("2024-05-10T11:00:00Z", PC, "LICENSED", "0x0", "Volume:MAK", WINDOWS, WIN_ENT),
    ];
    both_orders(log, None, |r| {
        let p = product(machine(r, PC), WIN_ENT);
        assert_eq!(p.state, MachineState::Activated);
        assert_eq!(p.channel.as_deref(), Some("VOLUME_MAK"));
        assert_eq!(
            (p.expires.map(|t| t.to_string()).as_deref(), p.days_left),
            (None, None),
            "a MAK activation does not expire (rule 9)"
        );
    });
}

/// Rule 5: an SKU Windows lists as unlicensed because no key is installed is not a failure.
#[test]
fn rule_5_an_unused_sku_is_unknown_not_failing() {
    let log = vec![state_data("2024-05-10T11:00:00Z", PC, "UNLICENSED", "0xC004F014", "Retail", WINDOWS, WIN_ENT)];
    both_orders(log, None, |r| {
        assert_eq!(product(machine(r, PC), WIN_ENT).state, MachineState::Unknown);
        assert!(r.findings.is_empty(), "{:#?}", r.findings);
    });
}

/// Rule 6: AD-based activation (12308) activates.
#[test]
fn rule_6_ad_based_activation_activates() {
    let log = vec![ad_activated("2024-05-10T11:00:00Z", PC, WIN_ENT)];
    both_orders(log, None, |r| {
        let p = product(machine(r, PC), WIN_ENT);
        assert_eq!((p.state, p.license_status), (MachineState::Activated, Some(LicenseStatus::Licensed)));
        assert_eq!(p.days_left, Some(180));
    });
}

/// Rule 8: the newest evidence decides; older failures stay in the history and are said.
#[test]
fn rule_8_failures_then_success_is_activated_with_its_history() {
    let log = vec![
        request("2024-05-01T09:00:00Z", PC, "0x800706BA", CMID, 2, 43_200, WIN_ENT, 25),
        request("2024-05-03T09:00:00Z", PC, "0x800706BA", CMID, 2, 40_320, WIN_ENT, 25),
        request("2024-05-05T09:00:00Z", PC, "0xC004F06C", CMID, 2, 37_440, WIN_ENT, 25),
        request("2024-05-10T11:00:00Z", PC, "0x00000000", CMID, 2, 30_000, WIN_ENT, 25),
        response("2024-05-10T11:00:00Z", PC, "0x00000000", 1, 50),
    ];
    both_orders(log, None, |r| {
        let p = product(machine(r, PC), WIN_ENT);
        assert_eq!(p.state, MachineState::Activated);
        assert_eq!(p.last_error, None);
        assert_eq!(p.failures, 3);
        let codes: Vec<&str> = p.history.iter().map(|h| h.code.as_ref()).collect();
        assert_eq!(codes, ["0x800706BA", "0x800706BA", "0xC004F06C"], "oldest first");
        assert_eq!(
            p.note.as_deref(),
            Some("failed 3 times between 2024-05-01 and 2024-05-05; activated since 2024-05-10")
        );
        assert!(r.findings.is_empty(), "a recovered product needs nothing: {:#?}", r.findings);
    });
}

/// Rule 9: a KMS activation with fewer than 30 days left is a warning.
#[test]
fn rule_9_a_kms_activation_close_to_its_end_warns() {
    let log = vec![
        request("2024-01-01T09:00:00Z", PC, "0x00000000", CMID, 2, 43_200, WIN_ENT, 25),
        response("2024-01-01T09:00:00Z", PC, "0x00000000", 1, 50),
    ];
    let r = analyse_files(&[("pc/Application.xml", log)], Some("2024-06-15T09:00:00Z"));
    let p = product(machine(&r, PC), WIN_ENT);
    assert_eq!((p.state, p.days_left), (MachineState::Activated, Some(14)));
    let f = r.findings.iter().find(|f| f.kind == "expires_soon").unwrap();
    assert_eq!(f.severity, Severity::Warning);
    // Past the end, with nothing renewed: no longer activated.
    let r = analyse_files(
        &[(
            "pc/Application.xml",
            vec![
                request("2024-01-01T09:00:00Z", PC, "0x00000000", CMID, 2, 43_200, WIN_ENT, 25),
                response("2024-01-01T09:00:00Z", PC, "0x00000000", 1, 50),
            ],
        )],
        Some("2024-08-01T00:00:00Z"),
    );
    assert_eq!(product(machine(&r, PC), WIN_ENT).state, MachineState::Failing);
    assert!(kinds(&r).contains(&"licence_expired"));
}

/// Every verdict is as of the machine's newest evidence, never the clock of the machine running
/// the scan: an old log stays as it was.
#[test]
fn verdicts_are_as_of_the_newest_evidence_not_today() {
    let log = vec![
        request("2019-03-01T09:00:00Z", PC, "0x00000000", CMID, 2, 43_200, WIN_ENT, 25),
        response("2019-03-01T09:00:00Z", PC, "0x00000000", 1, 50),
    ];
    both_orders(log, None, |r| {
        let m = machine(r, PC);
        assert_eq!(m.as_of.map(|t| t.to_string()).as_deref(), Some("2019-03-01T09:00:00Z"));
        assert_eq!((m.state, m.days_left), (MachineState::Activated, Some(180)));
    });
}

/// Rule 10: one CMID under two names in one machine's own log, one name after the other, is one
/// renamed machine.
#[test]
fn rule_10_a_renamed_machine_in_its_own_log_is_one_machine() {
    let log = vec![
        request("2024-05-01T09:00:00Z", "DESKTOP-4F2K", "0x00000000", CMID, 2, 43_200, WIN_ENT, 25),
        response("2024-05-01T09:00:00Z", "DESKTOP-4F2K", "0x00000000", 1, 50),
        request("2024-05-08T09:00:00Z", PC, "0x00000000", CMID, 1, 249_120, WIN_ENT, 25),
        response("2024-05-08T09:00:00Z", PC, "0x00000000", 1, 50),
    ];
    both_orders(log, None, |r| {
        assert_eq!(r.machines.len(), 1, "{:#?}", r.machines);
        let m = &r.machines[0];
        assert_eq!((m.machine.as_str(), m.also_named.as_slice()), (PC, ["DESKTOP-4F2K".to_string()].as_slice()));
        assert!(!m.cloned_cmid);
        assert!(kinds(r).iter().all(|k| *k != "cloned_cmid"));
    });
}

/// Rule 10: in a file that holds several machines (a WEF collector's), one CMID under two names
/// is a cloned image, and each name stays a machine.
#[test]
fn rule_10_one_cmid_in_a_collector_file_is_a_clone() {
    let mut log = Vec::new();
    for i in 0..12 {
        let pc = format!("PC{i:02}.corp.example");
        let cmid = if i < 2 { CMID.to_string() } else { format!("bbbbbbbb-0000-4000-8000-{i:012}") };
        let time = format!("2024-05-{:02}T09:00:00Z", i + 1);
        log.push(request(&time, &pc, "0x00000000", &cmid, 2, 43_200, WIN_ENT, 25));
        log.push(response(&time, &pc, "0x00000000", 1, 50));
    }
    let r = analyse_files(&[("wec/ForwardedEvents.xml", log)], None);
    assert_eq!(r.machines.len(), 12);
    let clones: Vec<&str> = r.machines.iter().filter(|m| m.cloned_cmid).map(|m| m.machine.as_str()).collect();
    assert_eq!(clones, ["PC00.corp.example", "PC01.corp.example"]);
    let f = r.findings.iter().find(|f| f.kind == "cloned_cmid").unwrap();
    assert!(f.title.contains(CMID) && f.title.contains("PC00.corp.example") && f.title.contains("PC01.corp.example"));
}

/// Rule 10: two names of one CMID logging at the same time are two machines, even in one file.
#[test]
fn rule_10_overlapping_names_are_clones_even_in_one_log() {
    let log = vec![
        request("2024-05-01T09:00:00Z", "PC-A", "0x00000000", CMID, 2, 43_200, WIN_ENT, 25),
        request("2024-05-02T09:00:00Z", "PC-B", "0x00000000", CMID, 2, 43_200, WIN_ENT, 25),
        request("2024-05-03T09:00:00Z", "PC-A", "0x00000000", CMID, 2, 43_200, WIN_ENT, 25),
    ];
    both_orders(log, None, |r| {
        assert_eq!(r.machines.len(), 2);
        assert!(r.machines.iter().all(|m| m.cloned_cmid));
    });
}

/// An FQDN and its short name are one machine when no other FQDN has that short name.
#[test]
fn a_short_name_and_its_fqdn_are_one_machine() {
    let log = vec![
        slui_failed("2024-05-09T08:00:00Z", "PC01", "0xC004F074", WINDOWS, WIN_ENT),
        request("2024-05-10T11:00:00Z", PC, "0x00000000", CMID, 2, 43_200, WIN_ENT, 25),
        response("2024-05-10T11:00:00Z", PC, "0x00000000", 1, 50),
    ];
    both_orders(log, None, |r| {
        assert_eq!(r.machines.len(), 1);
        assert_eq!(
            (r.machines[0].machine.as_str(), r.machines[0].also_named.as_slice()),
            (PC, ["PC01".to_string()].as_slice())
        );
    });
    let ambiguous = vec![
        slui_failed("2024-05-09T08:00:00Z", "PC01", "0xC004F074", WINDOWS, WIN_ENT),
        slui_failed("2024-05-09T08:00:00Z", "PC01.corp.example", "0xC004F074", WINDOWS, WIN_ENT),
        slui_failed("2024-05-09T08:00:00Z", "PC01.lab.example", "0xC004F074", WINDOWS, WIN_ENT),
    ];
    assert_eq!(analyse_files(&[("wec/ForwardedEvents.xml", ambiguous)], None).machines.len(), 3);
}

/// KMS hosts: the 30-day count from 12290, the count the host reported (12289), the threshold.
#[test]
fn kms_hosts_count_and_report_their_count() {
    let mut client = Vec::new();
    let mut host = Vec::new();
    for i in 0..3 {
        let pc = format!("PC{i:02}.corp.example");
        let cmid = format!("cccccccc-0000-4000-8000-{i:012}");
        let time = format!("2024-05-{:02}T09:00:00Z", i + 1);
        client.push(request(&time, &pc, "0x00000000", &cmid, 2, 43_200, WIN_ENT, 25));
        client.push(response(&time, &pc, "0x04000000", 0, i + 1));
        host.push(host_request(&time, "KMS01.corp.example", "0x00000000", &pc, &cmid, WIN_ENT));
    }
    let r = analyse_files(&[("clients/Application.xml", client), ("kms01/KeyManagementService.xml", host)], None);
    let h = &r.kms_hosts[0];
    assert_eq!((h.host.as_str(), h.clients_30d, h.threshold), ("KMS01.corp.example", 3, 25));
    assert_eq!((h.reported_count, h.current_count), (Some(3), Some(3)));
    assert!(kinds(&r).contains(&"kms_count_below_threshold"));
    assert_eq!(r.summary.grace, 3);
}
