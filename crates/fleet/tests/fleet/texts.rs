//! Every real text in `shared/corpus/text/` (read from there, never copied) reads as its
//! MANIFEST.json says a correct reading does: one test per file.

use actdoc_fleet::analyse;
use actdoc_logs::scan::{Progress, ScanOptions, scan};
use actdoc_report::Report;
use actdoc_report::model::{App, LicenseStatus, Machine, MachineState, Product};
use actdoc_test_support::shared_dir;

use crate::events::options;

fn read(name: &str) -> Report {
    let path = shared_dir().join("corpus/text").join(name);
    assert!(path.is_file(), "{} is missing from the shared corpus", path.display());
    let manifest = std::fs::read_to_string(shared_dir().join("corpus/text/MANIFEST.json")).unwrap();
    assert!(manifest.contains(name), "{name} is not in the corpus manifest");
    let collected = scan(&[path], &ScanOptions::default(), &Progress::default());
    assert!(collected.warnings.is_empty(), "{name}: {:#?}", collected.warnings);
    analyse(&collected, &options(None))
}

fn only_machine(r: &Report) -> &Machine {
    assert_eq!(r.machines.len(), 1, "{:#?}", r.machines);
    &r.machines[0]
}

fn only_product(r: &Report) -> &Product {
    let m = only_machine(r);
    assert_eq!(m.products.len(), 1, "{:#?}", m.products);
    &m.products[0]
}

fn error(p: &Product) -> Option<&str> {
    p.last_error.as_ref().map(|e| e.code.as_ref())
}

fn format(r: &Report) -> &str {
    &r.sources[0].format
}

#[test]
fn en_ato_session_skms_0x80080005() {
    let r = read("en_ato_session_skms_0x80080005_n8tbyte4.txt");
    let p = only_product(&r);
    assert_eq!(p.product.as_deref(), Some("Windows 10 Enterprise LTSC 2021"), "EnterpriseS by its Activation ID");
    assert_eq!((p.kms_host.as_deref(), p.kms_host_source.as_deref()), (Some("kms.shuax.com"), Some("registered")));
    assert_eq!((p.state, error(p)), (MachineState::Failing, Some("0x80080005")));
    assert_eq!(r.findings[0].code.as_deref(), Some("0x80080005"));
}

#[test]
fn en_dli_eval_initial_grace() {
    let r = read("en_dli_eval_initialgrace_checkmk.txt");
    let p = only_product(&r);
    assert_eq!((p.channel.as_deref(), p.license_status), (Some("TIMEBASED_EVAL"), Some(LicenseStatus::InitialGrace)));
    assert_eq!((p.state, p.days_left, error(p)), (MachineState::Grace, Some(9), None));
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

#[test]
fn en_dli_kms_host() {
    let r = read("en_dli_kmshost_msdocs_ff793426.txt");
    let p = only_product(&r);
    assert_eq!((p.channel.as_deref(), p.state), (Some("VOLUME_KMS_C"), MachineState::Activated));
    assert_eq!(r.kms_hosts.len(), 1);
    let h = &r.kms_hosts[0];
    assert_eq!((h.current_count, h.listening_port, h.dns_publishing), (Some(2), Some(1688), Some(true)));
    assert_eq!((h.requests.total, h.requests.failed), (826, 0));
    // A count of 2 activates nothing yet (5 for servers, 25 for clients).
    assert!(r.findings.iter().any(|f| f.kind == "kms_count_below_threshold"));
}

#[test]
fn en_dli_server_2012_kms_client_from_dns() {
    let r = read("en_dli_server2012_kmsclient_dns_checkmk.txt");
    let m = only_machine(&r);
    let p = only_product(&r);
    assert_eq!(
        (p.state, p.days_left, p.channel.as_deref()),
        (MachineState::Activated, Some(177), Some("VOLUME_KMSCLIENT"))
    );
    assert_eq!(m.cmid.as_deref(), Some("f9d4e20a-cb8f-4050-9c0c-56420455ada1"));
    assert_eq!(
        (p.kms_host.as_deref(), p.kms_host_source.as_deref()),
        (Some("bisv229.corp.giag.net:1688"), Some("dns"))
    );
}

#[test]
fn en_dlv_office_2019_registered_host() {
    let r = read("en_dlv_office2019_kms_registered_mas71.txt");
    let p = only_product(&r);
    assert_eq!((p.app, p.state, p.days_left), (App::Office, MachineState::Activated, Some(180)));
    assert_eq!((p.kms_host.as_deref(), p.kms_host_source.as_deref()), (Some("0.0.0.0:1688"), Some("registered")));
    assert_eq!(p.expires.map(actdoc_report::model::Time::date).as_deref(), Some("2022-03-28"));
}

#[test]
fn en_event_viewer_text_of_12288() {
    let r = read("en_evtext_12288_client_0xC004F06C_kb974998.txt");
    assert_eq!(format(&r), "event_viewer_text");
    let m = only_machine(&r);
    let p = only_product(&r);
    assert_eq!(m.cmid.as_deref(), Some("36f27b39-2fd5-440b-be67-a09996d27a38"));
    assert_eq!((p.state, error(p)), (MachineState::Failing, Some("0xC004F06C")));
    assert_eq!(p.sku.as_deref(), Some("68531fb9-5511-4989-97be-d11a0f55633f"));
    assert_eq!(p.license_status, Some(LicenseStatus::InitialGrace), "licence status 2");
    assert_eq!(p.kms_host.as_deref(), Some("<KMS Host FQDN>:1688"));
}

#[test]
fn en_ipk_error_popup() {
    let r = read("en_line_ipk_0xC004E016_gsudo114.txt");
    let p = only_product(&r);
    assert_eq!(error(p), Some("0xC004E016"));
    let codes: Vec<&str> = r.findings.iter().filter_map(|f| f.code.as_deref()).collect();
    assert_eq!(codes, ["0xC004E016"], "0x2a is slui's argument");
}

#[test]
fn en_ospp_act_two_office_products_fail() {
    let r = read("en_ospp_act_0xC004F074_reeddoy4.txt");
    assert_eq!(format(&r), "office_text");
    let m = only_machine(&r);
    assert_eq!(m.products.len(), 2);
    for p in &m.products {
        assert_eq!((p.app, p.state, error(p)), (App::Office, MachineState::Failing, Some("0xC004F074")));
    }
    let skus: Vec<&str> = m.products.iter().filter_map(|p| p.sku.as_deref()).collect();
    assert!(
        skus.contains(&"85dd8b5f-eaa4-4af3-a628-cce9e77c9a03")
            && skus.contains(&"8d368fc1-9470-4be2-8d66-90e836cbb051")
    );
}

#[test]
fn en_ospp_dstatus_licensed_with_an_informational_code() {
    let r = read("en_ospp_dstatus_kms_licensed_4004F040_vlmcsd20.txt");
    let p = only_product(&r);
    assert_eq!((p.app, p.state, p.days_left), (App::Office, MachineState::Activated, Some(179)));
    assert_eq!((p.reason.as_ref(), error(p)), (None, None), "0x4004F040 is information, not a failure");
    assert!(r.findings.is_empty());
}

#[test]
fn en_powershell_cim_oem_dm() {
    let r = read("en_ps_cim_oemdm_kolide505.txt");
    assert_eq!(format(&r), "powershell");
    let p = only_product(&r);
    assert_eq!(
        (p.channel.as_deref(), p.license_status, p.state),
        (Some("OEM_DM"), Some(LicenseStatus::Licensed), MachineState::Activated)
    );
    assert_eq!(
        (p.partial_key.as_deref(), p.expires, p.days_left),
        (Some("F6YP2"), None, None),
        "OEM licences do not expire"
    );
}

#[test]
fn en_xpr_volume_will_expire() {
    let r = read("en_xpr_win7_volume_will_expire_psnotes.txt");
    let p = only_product(&r);
    assert_eq!((p.product.as_deref(), p.state), (Some("Windows(R) 7, Enterprise edition"), MachineState::Activated));
    assert_eq!(p.expires.map(|t| t.to_string()).as_deref(), Some("2015-04-06T09:57:03Z"));
}

#[test]
fn zh_ato_then_dlv_kms_client_from_dns() {
    let r = read("zh_ato_dlv_kmsclient_dns_xtboke.txt");
    let m = only_machine(&r);
    let p = only_product(&r);
    assert_eq!((p.state, p.days_left, p.failures), (MachineState::Activated, Some(180), 0));
    assert_eq!((p.kms_host.as_deref(), p.kms_host_source.as_deref()), (Some("kms.vircloud.net:1688"), Some("dns")));
    assert_eq!((m.cmid.as_deref(), p.sku.as_deref()), (None, None), "masked values are not values");
    assert!(r.findings.is_empty());
}

#[test]
fn zh_slui_error_line() {
    let r = read("zh_line_0xC004F069_slui_xtboke.txt");
    assert_eq!(error(only_product(&r)), Some("0xC004F069"));
    assert_eq!(r.findings.len(), 1);
}

#[test]
fn zh_office_tool_plus_two_products_fail_with_0x8007007b() {
    let r = read("zh_otp_office2021_kms_0x8007007B_officetool388.txt");
    let m = only_machine(&r);
    let names: Vec<&str> = m.products.iter().filter_map(|p| p.product.as_deref()).collect();
    assert_eq!(names.len(), 2, "Standard and Visio stay two products: {names:?}");
    for p in &m.products {
        assert_eq!(
            (p.state, error(p), p.channel.as_deref()),
            (MachineState::Failing, Some("0x8007007B"), Some("VOLUME_KMSCLIENT"))
        );
    }
}

#[test]
fn zh_office_tool_plus_unused_skus_are_not_failures() {
    let r = read("zh_otp_office_unlicensed_0xC004F014_officetool331.txt");
    let m = only_machine(&r);
    assert_eq!(m.products.len(), 6);
    for p in &m.products {
        assert_eq!((p.license_status, p.state), (Some(LicenseStatus::Unlicensed), MachineState::Unknown));
        assert_eq!(p.reason.as_ref().map(|c| c.code.as_ref()), Some("0xC004F014"));
    }
    assert!(r.findings.is_empty(), "SKUs without a key are listed, not failing");
}

#[test]
fn zh_popups_of_a_session_register_the_host_and_activate() {
    let r = read("zh_tutorial_popups_upk_ipk_skms_ato.txt");
    let p = only_product(&r);
    assert_eq!(p.state, MachineState::Activated);
    assert_eq!((p.kms_host.as_deref(), p.kms_host_source.as_deref()), (Some("zh.us.to"), Some("registered")));
}

#[test]
fn zh_xpr_four_office_skus_in_notification_and_windows_permanent() {
    let r = read("zh_xpr_office_notification_windows_permanent.txt");
    let m = only_machine(&r);
    let office: Vec<&Product> = m.products.iter().filter(|p| p.app == App::Office).collect();
    assert_eq!(office.len(), 4);
    assert!(
        office
            .iter()
            .all(|p| p.license_status == Some(LicenseStatus::Notification) && p.state == MachineState::Failing)
    );
    let windows: Vec<&Product> = m.products.iter().filter(|p| p.app == App::Windows).collect();
    assert_eq!(windows.len(), 1);
    assert_eq!((windows[0].state, windows[0].expires), (MachineState::Activated, None), "permanent");
}
