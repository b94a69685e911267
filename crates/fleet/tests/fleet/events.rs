//! Event XML written from the documented layouts (`shared/reference/activation-facts.md` §4.2),
//! read by the real reader and analysed: the fixtures of the rule tests.

use std::path::PathBuf;

use actdoc_core::{Kb, Lang, Products};
use actdoc_fleet::{Options, analyse};
use actdoc_logs::scan::{Collected, Progress, ScanOptions, scan};
use actdoc_logs::time::Timestamp;
use actdoc_report::Report;
use actdoc_report::model::{Machine, Product};
use actdoc_test_support::servers::TempDir;

pub(crate) const SPP: &str = "Microsoft-Windows-Security-SPP";
pub(crate) const WINDOWS: &str = "55c92734-d682-4d71-983e-d6ec3f16059f";
pub(crate) const OFFICE: &str = "0ff1ce15-a989-479d-af46-f275c6370663";
/// Windows 11 Enterprise (a client: N-policy 25).
pub(crate) const WIN_ENT: &str = "73111121-5638-40f6-bc11-f1d7b0d64300";
/// Office LTSC Professional Plus 2021.
pub(crate) const OFFICE_2021: &str = "fbdb3e18-a8ef-4fb3-9183-dffd60bd0984";
pub(crate) const HOST: &str = "kms01.corp.example:1688";

/// One event as `wevtutil qe /f:xml` writes it.
pub(crate) fn event(id: u16, time: &str, computer: &str, data: &[&str]) -> String {
    event_in("Application", SPP, "Software Protection Platform Service", id, time, computer, data)
}

pub(crate) fn event_in(
    channel: &str,
    provider: &str,
    source: &str,
    id: u16,
    time: &str,
    computer: &str,
    data: &[&str],
) -> String {
    let data: String = data.iter().fold(String::new(), |mut out, d| {
        out.push_str("<Data>");
        out.push_str(d);
        out.push_str("</Data>");
        out
    });
    format!(
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='{provider}' \
         Guid='{{E23B33B0-C8C9-472C-A5F9-F2BDFEA0F156}}' EventSourceName='{source}'/><EventID Qualifiers='16384'>{id}</EventID>\
         <Level>4</Level><TimeCreated SystemTime='{time}'/><EventRecordID>{}</EventRecordID><Channel>{channel}</Channel>\
         <Computer>{computer}</Computer></System><EventData>{data}</EventData></Event>\n",
        record_id(time, id)
    )
}

/// Record IDs follow time, as in a real log (the rules must not need them to).
fn record_id(time: &str, id: u16) -> i64 {
    Timestamp::parse_rfc3339(time).map_or(0, |t| t.0) * 100 + i64::from(id % 100)
}

/// `2024/05/10 11:00` from `2024-05-10T11:00:00Z`, as the client time field writes it.
fn slashed(time: &str) -> String {
    time.get(..16).unwrap_or(time).replace('-', "/").replace('T', " ")
}

/// 12288: HRESULT, status flags, host:port, CMID, client time, VM, licence status, minutes to
/// expiry, SKU, N-policy (one comma-joined string).
#[allow(clippy::too_many_arguments)]
pub(crate) fn request(
    time: &str,
    pc: &str,
    hr: &str,
    cmid: &str,
    status: u8,
    minutes: u64,
    sku: &str,
    n_policy: u32,
) -> String {
    let info =
        format!("{hr}, 0x00000000, {HOST}, {cmid}, {}, 0, {status}, {minutes}, {sku}, {n_policy}", slashed(time));
    event(12288, time, pc, &[&info])
}

/// 12289: HRESULT, status flags, activated, unused, current count, activation and renewal
/// interval, client time.
pub(crate) fn response(time: &str, pc: &str, flags: &str, activated: u8, count: u32) -> String {
    let info = format!("0x00000000, {flags}, {activated}, 0, {count}, 120, 10080, {}", slashed(time));
    event(12289, time, pc, &[&info])
}

/// 12290 in the Key Management Service log: an empty first value, then HRESULT, N-policy, client,
/// CMID, client time, VM, licence status, minutes, SKU.
pub(crate) fn host_request(time: &str, host: &str, hr: &str, client: &str, cmid: &str, sku: &str) -> String {
    let client_time = slashed(time);
    event_in(
        "Key Management Service",
        SPP,
        "KmsRequests",
        12290,
        time,
        host,
        &["", hr, "25", client, cmid, &client_time, "0", "2", "43200", sku],
    )
}

/// 8198: `hr=…` and slui's command line.
pub(crate) fn slui_failed(time: &str, pc: &str, hr: &str, app: &str, sku: &str) -> String {
    let args = format!(
        "RuleId=eeba1977-569e-4571-b639-7623d8bfecc0;Action=AutoActivate;AppId={app};SkuId={sku};NotificationInterval=1440;Trigger=TimerEvent"
    );
    event(8198, time, pc, &[&format!("hr={hr}"), &args])
}

/// 8233: reason, AppId, SkuId, trigger.
pub(crate) fn vl_failed(time: &str, pc: &str, hr: &str, app: &str, sku: &str) -> String {
    event(8233, time, pc, &[hr, app, sku, "UserLogon(1)"])
}

/// 8230: the rules engine's state data.
pub(crate) fn state_data(
    time: &str,
    pc: &str,
    state: &str,
    reason: &str,
    key_type: &str,
    app: &str,
    sku: &str,
) -> String {
    let data = format!(
        "Security-SPP-Action-StateData (REG_SZ) =AppId={app};GraceEndDate=2024/06/09:11:00:00;LastConsumptionReason={reason};\
         LastNotificationId=VolumeUnlicensed;LicenseState=SL_LICENSING_STATUS_{state};PartialProductKey=W269N;\
         ProductKeyType={key_type};SkuId={sku}"
    );
    event(8230, time, pc, &[&data])
}

/// 12308: AD-based activation of a SKU.
pub(crate) fn ad_activated(time: &str, pc: &str, sku: &str) -> String {
    event(12308, time, pc, &[sku, "AO-Windows", "CN=AO-Windows,CN=Activation Objects"])
}

pub(crate) fn options(as_of: Option<&str>) -> Options<'static> {
    Options {
        kb: Kb::embedded().unwrap(),
        products: Products::embedded().unwrap(),
        lang: Lang::En,
        as_of: as_of.and_then(Timestamp::parse_rfc3339),
        generated_by: "test".into(),
    }
}

/// Files (name, events) in a fresh folder, read and analysed.
pub(crate) fn analyse_files(files: &[(&str, Vec<String>)], as_of: Option<&str>) -> Report {
    let (_dir, collected) = collect_files(files);
    analyse(&collected, &options(as_of))
}

pub(crate) fn collect_files(files: &[(&str, Vec<String>)]) -> (TempDir, Collected) {
    let dir = TempDir::new("rules");
    for (name, events) in files {
        let path = dir.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, events.concat()).unwrap();
    }
    let roots: Vec<PathBuf> = vec![dir.0.clone()];
    let collected = scan(&roots, &ScanOptions::default(), &Progress::default());
    (dir, collected)
}

/// The report of one machine's log, checked in both orders of arrival: the events as given and
/// reversed (a collector forwards them in any order). Both must give the same report.
pub(crate) fn both_orders(events: Vec<String>, as_of: Option<&str>, check: impl Fn(&Report)) -> Report {
    let forward = analyse_files(&[("pc/Application.xml", events.clone())], as_of);
    let mut reversed_events = events;
    reversed_events.reverse();
    let reversed = analyse_files(&[("pc/Application.xml", reversed_events)], as_of);
    check(&forward);
    check(&reversed);
    assert_eq!(without_paths(&forward), without_paths(&reversed), "the order of arrival changed the report");
    forward
}

/// The report as JSON with the temporary folder's name taken out.
pub(crate) fn without_paths(report: &Report) -> String {
    let json = serde_json::to_string(report).unwrap();
    let start = std::env::temp_dir().display().to_string();
    let mut out = String::with_capacity(json.len());
    let mut rest = json.as_str();
    while let Some(i) = rest.find(&start) {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let end = after.find("/pc").or_else(|| after.find('"')).unwrap_or(after.len());
        out.push_str("<tmp>");
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

pub(crate) fn machine<'r>(report: &'r Report, name: &str) -> &'r Machine {
    report
        .machines
        .iter()
        .find(|m| m.machine == name)
        .unwrap_or_else(|| panic!("no machine {name}: {:#?}", report.machines))
}

pub(crate) fn product<'r>(m: &'r Machine, sku: &str) -> &'r Product {
    m.products
        .iter()
        .find(|p| p.sku.as_deref() == Some(sku))
        .unwrap_or_else(|| panic!("no product {sku}: {:#?}", m.products))
}

pub(crate) fn kinds(report: &Report) -> Vec<&str> {
    report.findings.iter().map(|f| f.kind.as_str()).collect()
}
