//! PowerShell licence objects: `Get-CimInstance`/`Get-WmiObject SoftwareLicensingProduct` and
//! `SoftwareLicensingService` as `Format-List` text (`Name : …`), as CSV (`Export-Csv`, with or
//! without the `#TYPE` line, ConfigMgr inventory columns with the `0` suffix) and as JSON
//! (`ConvertTo-Json`, one object or an array); also scripts that re-emit slmgr's fields as objects
//! (`License Status : Licensed`). `PSComputerName`/`ComputerName` name the machine: several
//! machines in one file stay several machines.

use std::collections::BTreeMap;

use crate::slmgr::{self, KmsClientInfo, KmsHostStatus, LicenseStatus, SlmgrProduct, SlmgrReport, hex_code};

use super::{lines, loose_key};

/// One object: its properties by loose key, with the line it starts on.
#[derive(Debug, Default)]
struct Object {
    line: usize,
    properties: BTreeMap<String, String>,
}

impl Object {
    fn get(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|k| self.properties.get(*k)).map(String::as_str).map(str::trim).filter(|v| !v.is_empty())
    }
}

/// Property names (loose keys) that only licence objects have: one is needed to read a text.
const DISTINCTIVE: [&str; 6] = [
    "licensestatus",
    "partialproductkey",
    "graceperiodremaining",
    "licensestatusreason",
    "clientmachineid",
    "keymanagementservicecurrentcount",
];

pub(crate) fn read(text: &str) -> Option<SlmgrReport> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let objects = if trimmed.starts_with(['[', '{']) {
        json(trimmed)?
    } else if let Some(objects) = csv(trimmed) {
        objects
    } else {
        format_list(text)
    };
    let known = objects.iter().any(|o| DISTINCTIVE.iter().any(|k| o.properties.contains_key(*k)));
    if !known {
        return None;
    }
    Some(report(&objects))
}

/// A property name as PowerShell, ConfigMgr (`LicenseStatus0`) or a script (`License Status`)
/// spells it.
fn key(name: &str) -> String {
    let key = loose_key(name);
    match key.strip_suffix('0') {
        Some(base) if !base.is_empty() && !base.ends_with(|c: char| c.is_ascii_digit()) => base.to_string(),
        _ => key,
    }
}

fn json(text: &str) -> Option<Vec<Object>> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        one @ serde_json::Value::Object(_) => vec![one],
        _ => return None,
    };
    Some(
        items
            .into_iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let serde_json::Value::Object(map) = item else { return None };
                let properties = map
                    .into_iter()
                    .filter_map(|(k, v)| {
                        let v = match v {
                            serde_json::Value::String(s) => s,
                            serde_json::Value::Number(n) => n.to_string(),
                            serde_json::Value::Bool(b) => b.to_string(),
                            _ => return None,
                        };
                        Some((key(&k), v))
                    })
                    .collect();
                Some(Object { line: i + 1, properties })
            })
            .collect(),
    )
}

/// CSV with a header row naming licence properties (`"Name","ID","LicenseStatus",…`).
fn csv(text: &str) -> Option<Vec<Object>> {
    let mut rows =
        lines(text).skip_while(|(_, l)| l.trim().is_empty() || l.trim_start().starts_with("#TYPE")).peekable();
    // The header's own line in the file: the `#TYPE` line and blank lines before it count too.
    let first_row = rows.peek()?.0;
    let body: String = rows.map(|(_, l)| l).collect::<Vec<_>>().join("\n");
    let first = body.lines().next()?;
    let header_like = first.split(',').all(|field| is_property_name(field.trim().trim_matches('"')));
    if !first.contains(',') || !header_like || !DISTINCTIVE.iter().any(|k| loose_key(first).contains(k)) {
        return None;
    }
    let mut reader = ::csv::ReaderBuilder::new().flexible(true).from_reader(body.as_bytes());
    let headers: Vec<String> = reader.headers().ok()?.iter().map(key).collect();
    let objects = reader
        .records()
        .enumerate()
        .filter_map(|(i, record)| {
            let record = record.ok()?;
            // A quoted value may span lines: the record's own starting line, else the row count.
            let in_body = record.position().and_then(|p| usize::try_from(p.line()).ok()).unwrap_or(i + 2);
            let properties = headers.iter().cloned().zip(record.iter().map(str::to_string)).collect();
            Some(Object { line: first_row + in_body - 1, properties })
        })
        .collect();
    Some(objects)
}

/// `Key   : Value` lines (the name padded before the colon, unlike slmgr's `Label: value`), an
/// object per block between blank lines; a wrapped value continues on indented lines.
fn format_list(text: &str) -> Vec<Object> {
    let mut objects = Vec::new();
    let mut current = Object::default();
    let mut last_key: Option<String> = None;
    for (number, line) in lines(text) {
        if line.trim().is_empty() {
            if !current.properties.is_empty() {
                objects.push(std::mem::take(&mut current));
            }
            last_key = None;
            continue;
        }
        // Format-List pads every name to one column before " : "; slmgr writes "Label: value".
        match line.split_once([':', '：']) {
            Some((name, value))
                if name.ends_with(char::is_whitespace)
                    && is_property_name(name)
                    && !line.starts_with(char::is_whitespace) =>
            {
                let k = key(name);
                if current.properties.contains_key(&k) {
                    // The same property again: the next object began without a blank line.
                    objects.push(std::mem::take(&mut current));
                }
                if current.properties.is_empty() {
                    current.line = number;
                }
                current.properties.insert(k.clone(), value.trim().to_string());
                last_key = Some(k);
            }
            _ if line.starts_with(char::is_whitespace) => {
                if let Some(value) = last_key.as_ref().and_then(|k| current.properties.get_mut(k)) {
                    value.push_str(line.trim());
                }
            }
            _ => last_key = None,
        }
    }
    if !current.properties.is_empty() {
        objects.push(current);
    }
    objects
}

/// `LicenseStatus`, `License Status`, `Client Machine ID (CMID)`: not a prompt (`PS C:\>`) or prose.
fn is_property_name(name: &str) -> bool {
    let name = name.trim();
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '(' | ')' | '-'))
        && !name.starts_with("PS ")
}

fn report(objects: &[Object]) -> SlmgrReport {
    let mut report = SlmgrReport { language: "en".into(), ..SlmgrReport::default() };
    // The service object of each machine: its CMID and KMS settings apply to its products.
    let mut services: BTreeMap<String, KmsClientInfo> = BTreeMap::new();
    for o in objects.iter().filter(|o| is_service(o)) {
        let machine = machine(o).unwrap_or_default();
        services.insert(machine.clone(), client_info(o));
        let count = o.get(&["keymanagementservicecurrentcount"]).and_then(|v| v.parse::<u32>().ok());
        if let Some(count) = count.filter(|c| *c > 0) {
            report.kms_host = Some(KmsHostStatus {
                current_count: Some(count),
                listening_port: o.get(&["keymanagementservicelisteningport"]).and_then(|v| v.parse().ok()),
                dns_publishing: o.get(&["keymanagementservicednspublishing"]).map(truthy),
                low_priority: o.get(&["keymanagementservicelowpriority"]).map(truthy),
                total_requests: o.get(&["keymanagementservicetotalrequests"]).and_then(|v| v.parse().ok()),
                failed_requests: o.get(&["keymanagementservicefailedrequests"]).and_then(|v| v.parse().ok()),
            });
        }
    }
    for o in objects.iter().filter(|o| !is_service(o)) {
        let mut p = product(o);
        let from_service = services.get(p.machine.as_deref().unwrap_or_default());
        if p.kms_client.is_none() {
            p.kms_client = from_service.cloned();
        }
        report.products.push(p);
    }
    report
}

/// `SoftwareLicensingService`: no licence status of its own.
fn is_service(o: &Object) -> bool {
    !o.properties.contains_key("licensestatus")
        && (o.properties.contains_key("clientmachineid")
            || o.properties.contains_key("keymanagementservicecurrentcount"))
}

fn machine(o: &Object) -> Option<String> {
    o.get(&["pscomputername", "computername", "server", "netbiosname", "systemname", "machinename"]).map(str::to_string)
}

fn product(o: &Object) -> SlmgrProduct {
    let text = |keys: &[&str]| o.get(keys).map(str::to_string);
    let description = text(&["description"]);
    let channel = text(&["productkeychannel"])
        .map(|c| channel_of_key_type(&c))
        .or_else(|| description.as_deref().and_then(slmgr::channel));
    let status = o.get(&["licensestatus"]).and_then(license_status);
    let partial_key = text(&["partialproductkey"]);
    let kms = client_info(o);
    SlmgrProduct {
        line: o.line,
        name: text(&["name"]),
        description,
        channel,
        activation_id: text(&["id", "activationid", "skuid"]).map(|s| s.to_ascii_lowercase()),
        application_id: text(&["applicationid"]).map(|s| s.to_ascii_lowercase()),
        not_in_use: partial_key.is_none() && matches!(status, Some(LicenseStatus::Unlicensed) | None),
        partial_product_key: partial_key,
        license_status: status,
        minutes_left: o
            .get(&["graceperiodremaining", "volumeactivationexpiration", "timeremaining"])
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .filter(|m| *m > 0),
        notification_reason: o.get(&["licensestatusreason"]).and_then(decimal_or_hex).filter(|r| *r != 0),
        kms_client: (kms != KmsClientInfo::default()).then_some(kms),
        machine: machine(o),
        ..SlmgrProduct::default()
    }
}

fn client_info(o: &Object) -> KmsClientInfo {
    let with_port = |host: &[&str], port: &[&str]| {
        let host = o.get(host)?;
        Some(match o.get(port).filter(|p| *p != "0") {
            Some(port) if !host.contains(':') => format!("{host}:{port}"),
            _ => host.to_string(),
        })
    };
    KmsClientInfo {
        cmid: o.get(&["clientmachineid", "clientmachineidcmid"]).map(str::to_ascii_lowercase),
        registered: with_port(
            &["keymanagementservicemachine", "registeredkmsmachinename"],
            &["keymanagementserviceport"],
        ),
        from_dns: with_port(
            &["discoveredkeymanagementservicemachinename", "kmsmachinenamefromdns"],
            &["discoveredkeymanagementservicemachineport"],
        ),
        ip_address: o
            .get(&["discoveredkeymanagementservicemachineipaddress", "kmsmachineipaddress"])
            .map(str::to_string),
        ..KmsClientInfo::default()
    }
}

/// `LicenseStatus` as a number (0–6) or in slmgr's words.
fn license_status(value: &str) -> Option<LicenseStatus> {
    Some(match value.trim() {
        "0" => LicenseStatus::Unlicensed,
        "1" => LicenseStatus::Licensed,
        "2" => LicenseStatus::InitialGrace,
        "3" => LicenseStatus::AdditionalGrace,
        "4" => LicenseStatus::NonGenuineGrace,
        "5" => LicenseStatus::Notification,
        "6" => LicenseStatus::ExtendedGrace,
        words => match loose_key(words).as_str() {
            "licensed" => LicenseStatus::Licensed,
            "unlicensed" => LicenseStatus::Unlicensed,
            "notification" => LicenseStatus::Notification,
            s if s.starts_with("initialgrace") || s.starts_with("oobgrace") => LicenseStatus::InitialGrace,
            s if s.starts_with("additionalgrace") || s.starts_with("ootgrace") => LicenseStatus::AdditionalGrace,
            s if s.starts_with("nongenuine") => LicenseStatus::NonGenuineGrace,
            s if s.starts_with("extendedgrace") => LicenseStatus::ExtendedGrace,
            _ => return None,
        },
    })
}

/// `LicenseStatusReason` is a decimal HRESULT (3221549076 = 0xC004F014), sometimes negative.
fn decimal_or_hex(value: &str) -> Option<u32> {
    let value = value.trim();
    hex_code(value)
        .or_else(|| value.parse::<u32>().ok())
        .or_else(|| value.parse::<i32>().ok().map(|v| u32::from_ne_bytes(v.to_ne_bytes())))
}

/// `ProductKeyChannel` (`OEM:DM`, `Volume:GVLK`, `Retail`) as the channel slmgr names.
fn channel_of_key_type(key_type: &str) -> String {
    match key_type.trim() {
        "Volume:GVLK" => "VOLUME_KMSCLIENT".into(),
        "Volume:MAK" => "VOLUME_MAK".into(),
        "Volume:CSVLK" => "VOLUME_KMS".into(),
        "Retail:TB:Eval" => "TIMEBASED_EVAL".into(),
        other => other.replace(':', "_").to_ascii_uppercase(),
    }
}

fn truthy(value: &str) -> bool {
    matches!(value.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "PSComputerName      : PC01\n\
        Name                : Windows(R), Enterprise edition\n\
        ID                  : 73111121-5638-40F6-BC11-F1D7B0D64300\n\
        LicenseStatus       : 5\n\
        LicenseStatusReason : 3221549172\n\
        GracePeriodRemaining : 0\n\
        PartialProductKey   : W269N\n\
        ProductKeyChannel   : Volume:GVLK\n\
        \n\
        PSComputerName      : PC02\n\
        Name                : Windows(R), Enterprise edition\n\
        ID                  : 73111121-5638-40f6-bc11-f1d7b0d64300\n\
        LicenseStatus       : 1\n\
        GracePeriodRemaining : 259000\n\
        PartialProductKey   : W269N\n";

    #[test]
    fn format_list_with_two_machines() {
        let r = read(LIST).unwrap();
        assert_eq!(r.products.len(), 2);
        let (a, b) = (&r.products[0], &r.products[1]);
        assert_eq!(
            (a.machine.as_deref(), a.license_status, a.notification_reason),
            (Some("PC01"), Some(LicenseStatus::Notification), Some(0xC004_F074))
        );
        assert_eq!(a.channel.as_deref(), Some("VOLUME_KMSCLIENT"));
        assert_eq!(
            (b.machine.as_deref(), b.license_status, b.minutes_left),
            (Some("PC02"), Some(LicenseStatus::Licensed), Some(259_000))
        );
    }

    #[test]
    fn csv_json_and_configmgr_columns() {
        let csv = "#TYPE Microsoft.Management.Infrastructure.CimInstance\n\"Name\",\"ID\",\"LicenseStatus\",\"PartialProductKey\",\"PSComputerName\"\n\"Office 21, Office21ProPlus2021VL_KMS_Client_AE edition\",\"FBDB3E18-A8EF-4FB3-9183-DFFD60BD0984\",\"2\",\"6F7TH\",\"PC03\"\n";
        let r = read(csv).unwrap();
        assert_eq!(
            (r.products[0].license_status, r.products[0].machine.as_deref()),
            (Some(LicenseStatus::InitialGrace), Some("PC03"))
        );
        // Regression: the `#TYPE` line counts, so the first record is on line 3 of the file.
        assert_eq!(r.products[0].line, 3);
        let json = r#"[{"Name":"Windows(R), Professional edition","LicenseStatus":1,"PartialProductKey":"F6YP2","ProductKeyChannel":"OEM:DM","PSComputerName":"PC04"},
                       {"ClientMachineID":"D02F0758-43F9-4809-9821-E84EDB810CBE","KeyManagementServiceMachine":"kms01","KeyManagementServicePort":1688,"PSComputerName":"PC04"}]"#;
        let r = read(json).unwrap();
        assert_eq!(r.products.len(), 1);
        let p = &r.products[0];
        assert_eq!((p.channel.as_deref(), p.license_status), (Some("OEM_DM"), Some(LicenseStatus::Licensed)));
        let kms = p.kms_client.as_ref().unwrap();
        assert_eq!(
            (kms.cmid.as_deref(), kms.registered.as_deref()),
            (Some("d02f0758-43f9-4809-9821-e84edb810cbe"), Some("kms01:1688"))
        );
        let sccm =
            "Netbios_Name0,Name0,LicenseStatus0,PartialProductKey0\nPC05,\"Windows(R), Enterprise edition\",1,W269N\n";
        let r = read(sccm).unwrap();
        assert_eq!(
            (r.products[0].machine.as_deref(), r.products[0].license_status),
            (Some("PC05"), Some(LicenseStatus::Licensed))
        );
    }

    #[test]
    fn text_without_licence_properties_is_not_read() {
        assert!(read("Name : notepad\nId : 42\n").is_none());
        assert!(read("[1, 2, 3]").is_none());
        assert!(read("{not json").is_none());
    }
}
