//! Facts, as the rules read them: every activation event and every product block of a text becomes
//! one [`Obs`] of a machine, naming the product it is about (application and SKU) when the record
//! says so. Nothing is decided here.

use std::borrow::Cow;

use actdoc_core::{ProductKind, Products};
use actdoc_logs::decode::{ActivationEvent, StateData};
use actdoc_logs::slmgr::{self, SlmgrProduct, SlmgrReport};
use actdoc_logs::time::Timestamp;
use actdoc_report::model::{App, LicenseStatus};

use crate::evidence::Ev;

pub(crate) const WINDOWS_APP_ID: &str = "55c92734-d682-4d71-983e-d6ec3f16059f";
pub(crate) const OFFICE_APP_IDS: [&str; 2] =
    ["0ff1ce15-a989-479d-af46-f275c6370663", "59a52881-a989-479d-af46-f275c6370663"];

/// A fact about one product of one machine. Its texts borrow from what was collected: a
/// collector's file holds hundreds of thousands of these.
#[derive(Clone, Debug)]
pub(crate) struct Obs<'a> {
    pub ev: Ev,
    pub app: Option<App>,
    pub app_id: Option<&'a str>,
    /// SKU / Activation ID, lower case.
    pub sku: Option<Cow<'a, str>>,
    /// The product's name as a text printed it, for products a text names without a SKU.
    pub name: Option<&'a str>,
    pub fact: Fact<'a>,
}

#[derive(Clone, Debug)]
pub(crate) enum Fact<'a> {
    /// 12288: the client sent a request to a KMS host.
    Request(Request<'a>),
    /// 12289: the client processed the host's answer; paired with its request by the rules.
    Response(Response),
    /// An attempt that failed with a code (8198, 8233, slmgr `Error: 0x…`).
    Failed { code: u32 },
    /// An attempt that succeeded (slmgr "Product activated successfully", 12308 AD activation).
    Succeeded { ad: bool },
    /// 8230: the rules engine's state data.
    State(State<'a>),
    /// A product block of text (slmgr `/dli` `/dlv` `/xpr`, ospp.vbs, Office Tool Plus, PowerShell).
    Snapshot(Box<Snapshot<'a>>),
    /// `slmgr /skms HOST` succeeded: the KMS host registered for the machine's products.
    Registered(&'a str),
}

#[derive(Clone, Debug)]
pub(crate) struct Request<'a> {
    pub hresult: u32,
    pub host: Option<&'a str>,
    pub cmid: Option<&'a str>,
    pub status: Option<LicenseStatus>,
    pub minutes_left: Option<u64>,
    pub min_count: Option<u32>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Response {
    pub hresult: u32,
    pub flags: Option<u32>,
    pub activated: Option<bool>,
    pub count: Option<u32>,
}

#[derive(Clone, Debug)]
pub(crate) struct State<'a> {
    pub status: Option<LicenseStatus>,
    pub reason: Option<u32>,
    pub grace_end: Option<Timestamp>,
    pub partial_key: Option<&'a str>,
    pub channel: Option<Cow<'a, str>>,
}

#[derive(Clone, Debug)]
pub(crate) struct Snapshot<'a> {
    pub name: Option<&'a str>,
    pub status: Option<LicenseStatus>,
    pub reason: Option<u32>,
    pub minutes_left: Option<u64>,
    /// The days left as the text printed them.
    pub days_left: Option<u64>,
    pub channel: Option<Cow<'a, str>>,
    pub partial_key: Option<&'a str>,
    pub cmid: Option<Cow<'a, str>>,
    /// The KMS host and how the client knows it (`registered` or `dns`).
    pub kms_host: Option<(&'a str, &'static str)>,
    /// When the activation ends, as `/xpr` printed it.
    pub expires_at: Option<Timestamp>,
    /// `/xpr`: "permanently activated".
    pub permanent: bool,
}

/// `s` in lower case, borrowed when it already is.
pub(crate) fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) { Cow::Owned(s.to_ascii_lowercase()) } else { Cow::Borrowed(s) }
}

/// Whether an event is about a client's product (not a KMS host's log).
pub(crate) fn is_client(event: &ActivationEvent) -> bool {
    !matches!(
        event,
        ActivationEvent::HostRequest(_)
            | ActivationEvent::DnsPublishFailed { .. }
            | ActivationEvent::DnsPublished { .. }
    )
}

/// What an event says about a product, or `None` for host events (12290, 12293, 12294).
pub(crate) fn from_event<'a>(event: &'a ActivationEvent, ev: Ev, products: &Products) -> Option<Obs<'a>> {
    let obs = |app_id: Option<&'a str>, sku: Option<&'a str>, fact: Fact<'a>| Obs {
        ev,
        app: classify(app_id, sku, None, products),
        app_id,
        sku: sku.map(lower),
        name: None,
        fact,
    };
    Some(match event {
        ActivationEvent::KmsRequest(r) => obs(
            None,
            r.sku.as_deref(),
            Fact::Request(Request {
                hresult: r.hresult,
                host: r.host.as_deref(),
                cmid: r.cmid.as_deref(),
                status: r.license_status.and_then(|s| LicenseStatus::from_wmi(u32::from(s))),
                minutes_left: r.minutes_left,
                min_count: r.min_count,
            }),
        ),
        ActivationEvent::KmsResponse(r) => Obs {
            ev,
            app: None,
            app_id: None,
            sku: None,
            name: None,
            fact: Fact::Response(Response {
                hresult: r.hresult,
                flags: r.flags,
                activated: r.activated,
                count: r.current_count,
            }),
        },
        ActivationEvent::SlUiFailed { hresult, app_id, sku } | ActivationEvent::VlFailed { hresult, app_id, sku } => {
            obs(app_id.as_deref(), sku.as_deref(), Fact::Failed { code: *hresult })
        }
        ActivationEvent::StateData(s) => obs(s.app_id.as_deref(), s.sku.as_deref(), Fact::State(state(s))),
        ActivationEvent::AdActivated { sku, .. } => obs(None, sku.as_deref(), Fact::Succeeded { ad: true }),
        ActivationEvent::HostRequest(_)
        | ActivationEvent::DnsPublishFailed { .. }
        | ActivationEvent::DnsPublished { .. } => return None,
    })
}

fn state(s: &StateData) -> State<'_> {
    let status = s.license_state.as_deref().and_then(|state| {
        Some(match state.trim_start_matches("SL_LICENSING_STATUS_") {
            "LICENSED" => LicenseStatus::Licensed,
            "NOTIFICATION" => LicenseStatus::Notification,
            "UNLICENSED" => LicenseStatus::Unlicensed,
            // The state data does not say which grace; out-of-box is the one a KMS client meets.
            "IN_GRACE_PERIOD" => LicenseStatus::InitialGrace,
            _ => return None,
        })
    });
    State {
        status,
        reason: s.last_consumption_reason.filter(|r| *r != 0),
        grace_end: s.grace_end,
        partial_key: s.partial_key.as_deref(),
        channel: s.product_key_type.as_deref().map(channel_of_key_type),
    }
}

/// `ProductKeyType` of 8230 (`Volume:GVLK`, `Retail`, `OEM:DM` …) as the channel slmgr prints.
fn channel_of_key_type(key_type: &str) -> Cow<'static, str> {
    Cow::Borrowed(match key_type {
        "Volume:GVLK" => "VOLUME_KMSCLIENT",
        "Volume:MAK" => "VOLUME_MAK",
        "Volume:CSVLK" => "VOLUME_KMS",
        "Retail" => "RETAIL",
        "OEM:DM" => "OEM_DM",
        "OEM:NONSLP" => "OEM_NONSLP",
        "OEM:COA:SLP" | "OEM:SLP" => "OEM_SLP",
        "Retail:TB:Eval" => "TIMEBASED_EVAL",
        other => return Cow::Owned(other.replace(':', "_").to_ascii_uppercase()),
    })
}

/// Which application a product belongs to: by Application ID; else by the products table's
/// entry for its SKU; else by its name; else unknown (`None`: the rules attach it to the machine's
/// one product, or call it Windows).
pub(crate) fn classify(
    app_id: Option<&str>,
    sku: Option<&str>,
    name: Option<&str>,
    products: &Products,
) -> Option<App> {
    if let Some(id) = app_id {
        if id.eq_ignore_ascii_case(WINDOWS_APP_ID) {
            return Some(App::Windows);
        }
        if OFFICE_APP_IDS.iter().any(|o| id.eq_ignore_ascii_case(o)) {
            return Some(App::Office);
        }
    }
    if let Some(p) = sku.and_then(|s| products.by_activation_id(s)) {
        return Some(if p.kind == ProductKind::Office { App::Office } else { App::Windows });
    }
    if let Some(name) = name {
        let lower = name.to_ascii_lowercase();
        if lower.contains("office") {
            return Some(App::Office);
        }
        if lower.contains("windows") {
            return Some(App::Windows);
        }
    }
    app_id.map(|_| App::Other)
}

/// The product blocks of a text and its activation outcomes, each with the machine it names (a
/// PowerShell list of several machines), else `None` for the file's machine. `time` is when the
/// text was printed. Licences "not in use" (`/dlv all` lists every SKU Windows knows) are not
/// products of the machine.
pub(crate) fn from_text<'a>(
    report: &'a SlmgrReport,
    file: usize,
    time: Option<Timestamp>,
    products: &Products,
) -> Vec<(Option<&'a str>, Obs<'a>)> {
    let ev = |line: usize| Ev { file, time, record_id: None, event_id: None, line: Some(line) };
    let mut out = Vec::new();
    for p in report.products.iter().filter(|p| !p.not_in_use) {
        out.push((p.machine.as_deref(), snapshot(p, ev(p.line), products)));
    }
    if let Some((line, host)) = &report.registered_kms {
        let fact = Fact::Registered(host);
        out.push((None, Obs { ev: ev(*line), app: None, app_id: None, sku: None, name: None, fact }));
    }
    for a in &report.activations {
        let sku =
            a.activation_id.as_deref().map(lower).or_else(|| a.product.as_deref().and_then(guid_in).map(Cow::Owned));
        let fact = match (a.succeeded, a.error) {
            (true, _) => Fact::Succeeded { ad: false },
            (false, Some(code)) => Fact::Failed { code },
            // "Error: Product activation failed." has no code: count it as a generic failure.
            (false, None) => Fact::Failed { code: 0x8000_4005 },
        };
        let app = classify(None, sku.as_deref(), a.product.as_deref(), products);
        out.push((None, Obs { ev: ev(a.line), app, app_id: None, sku, name: a.product.as_deref(), fact }));
    }
    out
}

fn snapshot<'a>(p: &'a SlmgrProduct, ev: Ev, products: &Products) -> Obs<'a> {
    let kms = p.kms_client.as_ref();
    let kms_host = kms.and_then(|k| {
        k.registered.as_deref().map(|h| (h, "registered")).or_else(|| k.from_dns.as_deref().map(|h| (h, "dns")))
    });
    Obs {
        ev,
        app: classify(p.application_id.as_deref(), p.activation_id.as_deref(), p.name.as_deref(), products),
        app_id: p.application_id.as_deref(),
        sku: p.activation_id.as_deref().map(lower),
        name: p.name.as_deref(),
        fact: Fact::Snapshot(Box::new(Snapshot {
            name: p.name.as_deref(),
            status: p.license_status.and_then(status_of_slmgr),
            // An error code printed with a status is the reason when its severity bit is set
            // (0x4004F040 beside ---LICENSED--- is information, not a failure).
            reason: p.notification_reason.or(p.error_code.filter(|c| c & 0x8000_0000 != 0)).filter(|r| *r != 0),
            minutes_left: p.minutes_left,
            days_left: p.days_left,
            channel: p.channel.as_deref().map(Cow::Borrowed),
            partial_key: p.partial_product_key.as_deref(),
            cmid: kms.and_then(|k| k.cmid.as_deref()).map(lower),
            kms_host,
            expires_at: p.expires_at,
            permanent: p.permanent,
        })),
    }
}

fn status_of_slmgr(status: slmgr::LicenseStatus) -> Option<LicenseStatus> {
    Some(match status {
        slmgr::LicenseStatus::Unlicensed => LicenseStatus::Unlicensed,
        slmgr::LicenseStatus::Licensed => LicenseStatus::Licensed,
        slmgr::LicenseStatus::InitialGrace => LicenseStatus::InitialGrace,
        slmgr::LicenseStatus::AdditionalGrace => LicenseStatus::AdditionalGrace,
        slmgr::LicenseStatus::NonGenuineGrace => LicenseStatus::NonGenuineGrace,
        slmgr::LicenseStatus::Notification => LicenseStatus::Notification,
        slmgr::LicenseStatus::ExtendedGrace => LicenseStatus::ExtendedGrace,
        slmgr::LicenseStatus::Unknown => return None,
    })
}

/// The first GUID in a text ("Activating Windows(R), Enterprise edition (73111121-…) ...").
fn guid_in(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(35)).find_map(|i| {
        let candidate = text.get(i..i + 36)?;
        let shape_ok = candidate
            .char_indices()
            .all(|(j, c)| if matches!(j, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() });
        shape_ok.then(|| candidate.to_ascii_lowercase())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guid_is_found_inside_an_activating_line() {
        assert_eq!(
            guid_in("Windows(R), Enterprise edition (73111121-5638-40F6-BC11-F1D7B0D64300) ...").as_deref(),
            Some("73111121-5638-40f6-bc11-f1d7b0d64300")
        );
        assert_eq!(guid_in("Windows(R), Enterprise edition"), None);
        assert_eq!(
            guid_in("中文 (73111121-5638-40f6-bc11-f1d7b0d64300)").as_deref(),
            Some("73111121-5638-40f6-bc11-f1d7b0d64300")
        );
    }

    #[test]
    fn applications_by_id_then_sku_then_name() {
        let products = Products::embedded().unwrap();
        assert_eq!(classify(Some("0FF1CE15-A989-479D-AF46-F275C6370663"), None, None, products), Some(App::Office));
        assert_eq!(classify(None, Some("73111121-5638-40f6-bc11-f1d7b0d64300"), None, products), Some(App::Windows));
        assert_eq!(
            classify(None, None, Some("Office 21, Office21ProPlus2021VL_KMS_Client_AE edition"), products),
            Some(App::Office)
        );
        assert_eq!(classify(Some("bfe7a195-4f8f-4f0b-a622-cf13c7d16864"), None, None, products), Some(App::Other));
        assert_eq!(classify(None, None, None, products), None);
    }
}
