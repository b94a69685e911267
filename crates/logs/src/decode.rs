//! Activation events, typed: which event it is, and its fields decoded from the insertion strings
//! by the layouts in `activation-facts.md` §4.2. Anything that does not fit is `None`, never a panic.

use std::collections::HashMap;
use std::sync::Arc;

use crate::event::RawEvent;
use crate::time::Timestamp;

/// A text of a decoded event. Shared: a collector's file repeats the same host, SKU and machine
/// names in hundreds of thousands of events, and [`Interner`] keeps one copy of each.
pub type Text = Arc<str>;

/// One copy of each repeated text of a file's events.
#[derive(Debug, Default)]
pub struct Interner(HashMap<Box<str>, Text>);

impl Interner {
    pub fn intern(&mut self, s: &str) -> Text {
        if let Some(text) = self.0.get(s) {
            return text.clone();
        }
        let text = Text::from(s);
        self.0.insert(s.into(), text.clone());
        text
    }
}

/// Providers that write the events we read (client SPP, the Vista-era licensing service, and the
/// `KmsRequests` source of the KMS host log).
pub const OUR_PROVIDERS: [&str; 4] =
    ["Microsoft-Windows-Security-SPP", "Security-SPP", "Microsoft-Windows-Security-Licensing-SLC", "KmsRequests"];
/// The event source names (`Provider/@EventSourceName`) our events carry under other provider names.
pub const OUR_EVENT_SOURCES: [&str; 2] = ["Software Protection Platform Service", "KmsRequests"];
pub const KMS_CHANNEL: &str = "Key Management Service";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActivationEvent {
    /// 12288: a KMS client sent a request.
    KmsRequest(KmsRequest),
    /// 12289: a KMS client processed the host's response.
    KmsResponse(KmsResponse),
    /// 12290: a KMS host processed a request.
    HostRequest(HostRequest),
    /// 8198: slui.exe activation failed with `hr=`.
    SlUiFailed { hresult: u32, app_id: Option<Text>, sku: Option<Text> },
    /// 8233: the rules engine reported a failed VL activation attempt.
    VlFailed { hresult: u32, app_id: Option<Text>, sku: Option<Text> },
    /// 8230: the rules engine re-evaluated; its state data names the last failure and the licence.
    StateData(StateData),
    /// 12308: Active Directory-based activation succeeded.
    AdActivated { sku: Option<Text>, object: Option<Text> },
    /// 12293: the KMS host failed to publish itself in DNS.
    DnsPublishFailed { hresult: Option<u32>, domain: Option<Text> },
    /// 12294: the KMS host published itself in DNS.
    DnsPublished { domain: Option<Text> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KmsRequest {
    pub hresult: u32,
    pub flags: Option<u32>,
    /// `host:port` of the KMS host contacted.
    pub host: Option<Text>,
    pub cmid: Option<Text>,
    pub client_time: Option<Timestamp>,
    pub vm: Option<bool>,
    pub license_status: Option<u8>,
    pub minutes_left: Option<u64>,
    pub sku: Option<Text>,
    pub min_count: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KmsResponse {
    pub hresult: u32,
    pub flags: Option<u32>,
    pub activated: Option<bool>,
    pub current_count: Option<u32>,
    pub activation_interval: Option<u32>,
    pub renewal_interval: Option<u32>,
    pub client_time: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostRequest {
    pub hresult: u32,
    pub min_count: Option<u32>,
    pub client: Option<Text>,
    pub cmid: Option<Text>,
    pub client_time: Option<Timestamp>,
    pub vm: Option<bool>,
    pub license_status: Option<u8>,
    pub minutes_left: Option<u64>,
    pub sku: Option<Text>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateData {
    pub app_id: Option<Text>,
    pub sku: Option<Text>,
    pub last_consumption_reason: Option<u32>,
    /// `SL_LICENSING_STATUS_LICENSED`, `…_NOTIFICATION`, …
    pub license_state: Option<Text>,
    pub product_key_type: Option<Text>,
    pub partial_key: Option<Text>,
    /// `GraceEndDate=2023/11/20:01:21:13`: when the current grace or notification period ends.
    pub grace_end: Option<Timestamp>,
}

/// Whether the event's provider is one of ours.
pub fn is_ours(event: &RawEvent) -> bool {
    OUR_PROVIDERS.contains(&event.provider.as_str())
        || event.event_source_name.as_deref().is_some_and(|s| OUR_EVENT_SOURCES.contains(&s))
}

/// The event IDs we decode: client requests and answers (12288, 12289), the host's log of each
/// request (12290), slui and licensing-service failures (8198, 8233), the rules engine's state
/// (8230), AD-based activation (12308) and a host's DNS publishing (12293 failed, 12294 done).
pub const WANTED_IDS: [u16; 9] = [12288, 12289, 12290, 8198, 8233, 8230, 12308, 12293, 12294];

/// Whether `id` is one of [`WANTED_IDS`].
pub fn is_wanted_id(id: u16) -> bool {
    WANTED_IDS.contains(&id)
}

/// Decodes one of our events; `None` for events we do not use or cannot read. Texts that repeat
/// across events (hosts, SKUs, application IDs) come from `interner`.
pub fn decode(event: &RawEvent, interner: &mut Interner) -> Option<ActivationEvent> {
    if !is_ours(event) {
        return None;
    }
    let fields = insertion_strings(&event.data);
    let f = |i: usize| fields.get(i).map(String::as_str).filter(|s| !s.is_empty());
    // SKU and application IDs repeat across a fleet: one copy each.
    let mut id = |s: &str| interner.intern(&guid(s));
    Some(match event.event_id {
        12288 => ActivationEvent::KmsRequest(KmsRequest {
            hresult: hex(f(0)?)?,
            flags: f(1).and_then(hex),
            host: f(2).map(|h| interner.intern(h)),
            cmid: f(3).map(unique_guid),
            client_time: f(4).and_then(Timestamp::parse_slashed),
            vm: f(5).and_then(flag),
            license_status: f(6).and_then(|s| s.parse().ok()),
            minutes_left: f(7).and_then(|s| s.parse().ok()),
            sku: f(8).map(|s| interner.intern(&guid(s))),
            min_count: f(9).and_then(|s| s.parse().ok()),
        }),
        12289 => ActivationEvent::KmsResponse(KmsResponse {
            hresult: hex(f(0)?)?,
            flags: f(1).and_then(hex),
            activated: f(2).and_then(flag),
            current_count: f(4).and_then(|s| s.parse().ok()),
            activation_interval: f(5).and_then(|s| s.parse().ok()),
            renewal_interval: f(6).and_then(|s| s.parse().ok()),
            client_time: f(7).and_then(Timestamp::parse_slashed),
        }),
        12290 => host_request(&fields, interner)?,
        8198 => {
            let hr = fields.iter().find_map(|s| s.trim().strip_prefix("hr=")).and_then(hex)?;
            let args = key_values(fields.get(1).map_or("", String::as_str));
            ActivationEvent::SlUiFailed {
                hresult: hr,
                app_id: args.get("AppId").map(&mut id),
                sku: args.get("SkuId").map(&mut id),
            }
        }
        8233 => {
            let joined = fields.join(", ");
            let hr =
                joined.split("Reason:").nth(1).and_then(|r| hex(r.split([',', ' ', '\n']).next().unwrap_or_default()));
            let hr = hr.or_else(|| f(0).and_then(hex))?;
            let args = key_values(&joined.replace(", ", ";"));
            // The event's own layout gives the IDs as values 2 and 3; rendered text as `AppId=…`.
            let positional = |i: usize| f(i).filter(|s| is_guid(s));
            let app_id = args.get("AppId").or_else(|| positional(1)).map(&mut id);
            let sku = args.get("SkuId").or_else(|| positional(2)).map(&mut id);
            ActivationEvent::VlFailed { hresult: hr, app_id, sku }
        }
        8230 => {
            let joined = fields.join(";");
            let kv = key_values(joined.split_once('=').map_or(joined.as_str(), |(_, rest)| rest));
            ActivationEvent::StateData(StateData {
                app_id: kv.get("AppId").map(&mut id),
                sku: kv.get("SkuId").map(&mut id),
                last_consumption_reason: kv.get("LastConsumptionReason").and_then(hex),
                license_state: kv.get("LicenseState").map(|s| interner.intern(s)),
                product_key_type: kv.get("ProductKeyType").map(|s| interner.intern(s)),
                partial_key: kv.get("PartialProductKey").map(Text::from),
                grace_end: kv.get("GraceEndDate").and_then(grace_end_date),
            })
        }
        12308 => ActivationEvent::AdActivated { sku: f(0).map(&mut id), object: f(1).map(Text::from) },
        12293 => {
            let hresult = fields.iter().find_map(|s| hex(s.trim()));
            let domain =
                fields.iter().find(|s| hex(s.trim()).is_none() && s.contains('.')).map(|d| Text::from(d.as_str()));
            ActivationEvent::DnsPublishFailed { hresult, domain }
        }
        12294 => ActivationEvent::DnsPublished { domain: f(0).map(Text::from) },
        _ => return None,
    })
}

/// 12290 comes with 9 or 10 insertion strings (index 0 unverified), or one comma-joined string.
fn host_request(fields: &[String], interner: &mut Interner) -> Option<ActivationEvent> {
    let start = fields.iter().position(|s| hex(s.trim()).is_some())?;
    let f = |i: usize| fields.get(start + i).map(|s| s.trim()).filter(|s| !s.is_empty());
    Some(ActivationEvent::HostRequest(HostRequest {
        hresult: hex(f(0)?)?,
        min_count: f(1).and_then(|s| s.parse().ok()),
        client: f(2).map(Text::from),
        cmid: f(3).map(unique_guid),
        client_time: f(4).and_then(Timestamp::parse_slashed),
        vm: f(5).and_then(flag),
        license_status: f(6).and_then(|s| s.parse().ok()),
        minutes_left: f(7).and_then(|s| s.parse().ok()),
        sku: f(8).map(|s| interner.intern(&guid(s))),
    }))
}

/// Events 12288/12289 carry one comma-separated string; others carry one value per `<Data>`.
fn insertion_strings(data: &[String]) -> Vec<String> {
    match data {
        [one] if one.contains(", ") => one.split(',').map(|s| s.trim().to_string()).collect(),
        many => many.iter().map(|s| s.trim().to_string()).collect(),
    }
}

fn hex(s: &str) -> Option<u32> {
    let s = s.trim().trim_end_matches(['.', ',', ';']);
    let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    (!digits.is_empty() && digits.len() <= 8).then(|| u32::from_str_radix(digits, 16).ok()).flatten()
}

/// `2023/11/20:01:21:13`: the rules engine joins date and time with a colon.
fn grace_end_date(s: &str) -> Option<Timestamp> {
    let (date, time) = s.trim().split_at_checked(s.trim().find(':')?)?;
    Timestamp::parse_slashed(&format!("{date} {}", &time[1..]))
}

fn flag(s: &str) -> Option<bool> {
    match s.trim() {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

fn is_guid(s: &str) -> bool {
    let s = s.trim().trim_start_matches('{').trim_end_matches('}');
    s.len() == 36
        && s.char_indices().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
}

/// A GUID that names one machine (a CMID): not worth an interner entry.
fn unique_guid(s: &str) -> Text {
    Text::from(guid(s))
}

fn guid(s: &str) -> String {
    s.trim().trim_start_matches('{').trim_end_matches('}').to_ascii_lowercase()
}

struct KeyValues(Vec<(String, String)>);

impl KeyValues {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }
}

/// `AppId=…;SkuId=…;LicenseState=…` as slui and the rules engine write them.
fn key_values(s: &str) -> KeyValues {
    KeyValues(
        s.split([';', '\n'])
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .filter(|(k, _)| !k.is_empty())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_one(e: &RawEvent) -> Option<ActivationEvent> {
        decode(e, &mut Interner::default())
    }

    fn event(id: u16, data: &[&str]) -> RawEvent {
        RawEvent {
            event_id: id,
            provider: "Microsoft-Windows-Security-SPP".into(),
            data: data.iter().map(|s| (*s).to_string()).collect(),
            ..RawEvent::default()
        }
    }

    #[test]
    fn a_real_12288_decodes() {
        let e = event(
            12288,
            &[
                "0x00000000, 0x00000000, 169.254.169.251:1688, d02f0758-43f9-4809-9821-e84edb810cbe, 2023/05/24 01:21, 1, 5, 0, ef6cfc9f-8c5d-44ac-9aad-de6a2ea0ae03, 5",
            ],
        );
        let Some(ActivationEvent::KmsRequest(r)) = decode(&e, &mut Interner::default()) else { panic!() };
        assert_eq!(r.hresult, 0);
        assert_eq!(r.host.as_deref(), Some("169.254.169.251:1688"));
        assert_eq!(r.cmid.as_deref(), Some("d02f0758-43f9-4809-9821-e84edb810cbe"));
        assert_eq!((r.vm, r.license_status, r.minutes_left, r.min_count), (Some(true), Some(5), Some(0), Some(5)));
        assert_eq!(r.sku.as_deref(), Some("ef6cfc9f-8c5d-44ac-9aad-de6a2ea0ae03"));
    }

    #[test]
    fn a_real_12289_and_8198_decode() {
        let e = event(12289, &["0x00000000, 0x00000000, 1, 0, 50, 120, 10080, 2023/05/24 01:21"]);
        let Some(ActivationEvent::KmsResponse(r)) = decode(&e, &mut Interner::default()) else { panic!() };
        assert_eq!((r.activated, r.current_count, r.renewal_interval), (Some(true), Some(50), Some(10080)));
        let e = event(
            8198,
            &[
                "hr=0x803F7001",
                "RuleId=31e71c49-8da7-4a2f-ad92-45d98a1c79ba;Action=AutoActivate;AppId=55c92734-d682-4d71-983e-d6ec3f16059f;SkuId=4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c;NotificationInterval=1440;Trigger=UserLogon;SessionId=1",
            ],
        );
        assert_eq!(
            decode(&e, &mut Interner::default()),
            Some(ActivationEvent::SlUiFailed {
                hresult: 0x803F_7001,
                app_id: Some("55c92734-d682-4d71-983e-d6ec3f16059f".into()),
                sku: Some("4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c".into())
            })
        );
    }

    #[test]
    fn host_12290_with_nine_or_ten_strings() {
        let nine = [
            "0xC004F06C",
            "5",
            "PC01.contoso.com",
            "36f27b39-1111-2222-3333-444455556666",
            "2010/9/29 21:46",
            "0",
            "2",
            "41520",
            "68531fb9-5511-4989-97be-d11a0f55633f",
        ];
        let mut ten = vec![""];
        ten.extend(nine);
        for data in [&nine[..], &ten[..]] {
            let Some(ActivationEvent::HostRequest(r)) = decode_one(&event(12290, data)) else { panic!() };
            assert_eq!((r.hresult, r.min_count, r.client.as_deref()), (0xC004_F06C, Some(5), Some("PC01.contoso.com")));
        }
    }

    #[test]
    fn vl_failure_8233_with_ids_as_values_or_as_keys() {
        let app = "55c92734-d682-4d71-983e-d6ec3f16059f";
        let sku = "73111121-5638-40f6-bc11-f1d7b0d64300";
        let positional = event(8233, &["0x8007232B", app, sku, "UserLogon(1)"]);
        let keyed = event(8233, &["Reason:0x8007232B", &format!("AppId={app}, SkuId={sku}")]);
        for e in [positional, keyed] {
            assert_eq!(
                decode(&e, &mut Interner::default()),
                Some(ActivationEvent::VlFailed {
                    hresult: 0x8007_232B,
                    app_id: Some(app.into()),
                    sku: Some(sku.into())
                })
            );
        }
    }

    #[test]
    fn state_data_of_8230() {
        let e = event(
            8230,
            &[
                "Security-SPP-Action-StateData (REG_SZ) =AppId=55c92734-d682-4d71-983e-d6ec3f16059f;GraceEndDate=2023/11/20:01:21:13;LastConsumptionReason=0xc004f056;LastNotificationId=VolumeUnlicensed;LicenseState=SL_LICENSING_STATUS_NOTIFICATION;PartialProductKey=6VM33;ProductKeyType=Volume:GVLK;SkuId=ef6cfc9f-8c5d-44ac-9aad-de6a2ea0ae03",
            ],
        );
        let Some(ActivationEvent::StateData(s)) = decode(&e, &mut Interner::default()) else { panic!() };
        assert_eq!(s.last_consumption_reason, Some(0xC004_F056));
        assert_eq!(s.license_state.as_deref(), Some("SL_LICENSING_STATUS_NOTIFICATION"));
        assert_eq!(s.product_key_type.as_deref(), Some("Volume:GVLK"));
        assert_eq!(s.grace_end.map(Timestamp::to_rfc3339).as_deref(), Some("2023-11-20T01:21:13Z"));
    }

    #[test]
    fn other_providers_and_garbage_decode_to_nothing() {
        let mut fake = event(12290, &["0x0"]);
        fake.provider = "Persistence".into();
        assert_eq!(decode(&fake, &mut Interner::default()), None);
        assert_eq!(decode_one(&event(12288, &["not hex, 1, 2"])), None);
        assert_eq!(decode_one(&event(12288, &[])), None);
    }
}
