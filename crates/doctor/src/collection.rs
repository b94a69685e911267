//! What doctor read on a machine, as plain data: the licence objects WMI gave, the registry values
//! that steer activation, the activation events, and for each source whether it could be read and
//! why not. The same on every OS: it is collected on Windows and judged anywhere.

use std::collections::BTreeMap;

use actdoc_core::time::Timestamp;
use serde::{Deserialize, Serialize};

/// A WMI object as PowerShell's `ConvertTo-Json` writes it: property name to value.
pub type WmiObject = serde_json::Map<String, serde_json::Value>;

/// Whether one source could be read, and what was read or why not.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub ok: bool,
    pub detail: String,
}

impl Part {
    pub fn ok(detail: impl Into<String>) -> Part {
        Part { ok: true, detail: detail.into() }
    }

    pub fn failed(detail: impl Into<String>) -> Part {
        Part { ok: false, detail: detail.into() }
    }
}

/// One [`Part`] per source: the `collected` object of `doctor --json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sources {
    pub wmi_products: Part,
    pub wmi_service: Part,
    pub event_log: Part,
    pub registry: Part,
    pub checks: Part,
}

/// Everything read on one machine.
#[derive(Clone, Debug, Default)]
pub struct Collection {
    /// `COMPUTERNAME`: the NetBIOS name, which names the licence objects.
    pub computer: String,
    pub collected_at: Option<Timestamp>,
    /// `SoftwareLicensingProduct` objects with a product key installed.
    pub products: Vec<WmiObject>,
    /// The `SoftwareLicensingService` object.
    pub service: Option<WmiObject>,
    /// Registry key path to its values that matter here.
    pub registry: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    /// The domains a KMS client searches for `_vlmcs._tcp`.
    pub dns_search: Vec<String>,
    /// The activation events as one `<Events>` document; `None` when the log could not be read.
    pub events_xml: Option<String>,
    pub sources: Sources,
}

/// The registry key that holds the KMS settings `slmgr /skms` and `/sprt` write.
pub const SPP_KEY: &str = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform";

impl Collection {
    /// The licence objects as one JSON array in the shape of `Get-CimInstance … | ConvertTo-Json`,
    /// each named by `PSComputerName`, which the PowerShell reader turns into products.
    pub fn licensing_json(&self) -> String {
        let named = |object: &WmiObject| {
            let mut object = object.clone();
            object.insert("PSComputerName".into(), self.computer.clone().into());
            serde_json::Value::Object(object)
        };
        let objects: Vec<serde_json::Value> = self.products.iter().chain(&self.service).map(named).collect();
        serde_json::to_string_pretty(&objects).unwrap_or_else(|_| "[]".into())
    }

    /// The KMS host this machine is told to use (`slmgr /skms`), as `host:port`: the licensing
    /// service's setting, else a product's own (Office's `ospp.vbs /sethst`), else the registry's.
    /// `None` means it discovers hosts through DNS.
    pub fn registered_kms(&self) -> Option<String> {
        let from_object = |o: &WmiObject| {
            let host = text(o.get("KeyManagementServiceMachine")?)?;
            Some(with_port(&host, o.get("KeyManagementServicePort").and_then(text)))
        };
        self.service.as_ref().and_then(from_object).or_else(|| self.products.iter().find_map(from_object)).or_else(
            || {
                let spp = self.registry.get(SPP_KEY)?;
                let host = text(spp.get("KeyManagementServiceName")?)?;
                Some(with_port(&host, spp.get("KeyManagementServicePort").and_then(text)))
            },
        )
    }
}

/// A non-empty string or number, as text.
fn text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `host:port`; an IPv6 address goes in brackets; port 0 (WMI's "not set") is left out.
fn with_port(host: &str, port: Option<String>) -> String {
    let host = if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host.to_string() };
    match port.filter(|p| p != "0") {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: serde_json::Value) -> WmiObject {
        match value {
            serde_json::Value::Object(map) => map,
            _ => WmiObject::new(),
        }
    }

    #[test]
    fn the_registered_host_comes_from_the_service_then_a_product_then_the_registry() {
        let mut c = Collection::default();
        assert_eq!(c.registered_kms(), None);
        let spp = BTreeMap::from([
            ("KeyManagementServiceName".to_string(), json!("kms-reg.corp.example")),
            ("KeyManagementServicePort".to_string(), json!("1689")),
        ]);
        c.registry.insert(SPP_KEY.into(), spp);
        assert_eq!(c.registered_kms().as_deref(), Some("kms-reg.corp.example:1689"));
        c.products.push(object(json!({"KeyManagementServiceMachine": "fd00::5", "KeyManagementServicePort": 0})));
        assert_eq!(c.registered_kms().as_deref(), Some("[fd00::5]"));
        c.service = Some(object(json!({"KeyManagementServiceMachine": "", "KeyManagementServicePort": 1688})));
        assert_eq!(c.registered_kms().as_deref(), Some("[fd00::5]"), "an empty service setting is no setting");
        c.service = Some(object(json!({"KeyManagementServiceMachine": "kms1", "KeyManagementServicePort": 1688})));
        assert_eq!(c.registered_kms().as_deref(), Some("kms1:1688"));
    }

    #[test]
    fn licence_objects_become_one_array_named_by_the_computer() {
        let c = Collection {
            computer: "PC01".into(),
            products: vec![object(json!({"Name": "Office 21", "LicenseStatus": 1}))],
            service: Some(object(json!({"ClientMachineID": "abc"}))),
            ..Collection::default()
        };
        let value: serde_json::Value = serde_json::from_str(&c.licensing_json()).unwrap();
        assert_eq!(value[0]["PSComputerName"], "PC01");
        assert_eq!(value[0]["LicenseStatus"], 1);
        assert_eq!(value[1]["ClientMachineID"], "abc");
        assert_eq!(value.as_array().map(Vec::len), Some(2));
    }
}
