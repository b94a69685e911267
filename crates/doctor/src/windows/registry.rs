//! The registry values that steer activation: the KMS host and port `slmgr /skms` and `/sprt`
//! set, DNS publishing on a host, and the machine's DNS domain and suffix search list. Named
//! values only: the same key also holds a backup of the full product key, which never leaves the
//! machine in a bundle.

use std::collections::BTreeMap;

use windows_registry::{LOCAL_MACHINE, Type};

use crate::collection::{Part, SPP_KEY};

const TCPIP_KEY: &str = r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters";

const SPP_VALUES: [&str; 11] = [
    "KeyManagementServiceName",
    "KeyManagementServicePort",
    "KeyManagementServiceLookupDomain",
    "KeyManagementServiceListeningPort",
    "DisableDnsPublishing",
    "DnsDomainPublishList",
    "EnableKmsLowPriority",
    "VLActivationInterval",
    "VLRenewalInterval",
    "DisableKeyManagementServiceHostCaching",
    "UserOperations",
];
const TCPIP_VALUES: [&str; 4] = ["Hostname", "Domain", "NV Domain", "SearchList"];

type Values = BTreeMap<String, BTreeMap<String, serde_json::Value>>;

pub(super) fn read() -> (Values, Part) {
    let mut values = Values::new();
    let spp = key_values(SPP_KEY, &SPP_VALUES);
    let tcpip = key_values(TCPIP_KEY, &TCPIP_VALUES);
    let part = match &spp {
        Ok(found) => Part::ok(format!("{} values of {SPP_KEY}", found.len())),
        Err(e) => Part::failed(format!("{SPP_KEY}: {e}")),
    };
    for (key, read) in [(SPP_KEY, spp), (TCPIP_KEY, tcpip)] {
        if let Ok(found) = read {
            values.insert(key.to_string(), found);
        }
    }
    (values, part)
}

fn key_values(path: &str, names: &[&str]) -> Result<BTreeMap<String, serde_json::Value>, String> {
    let relative = path.strip_prefix(r"HKLM\").unwrap_or(path);
    let key = LOCAL_MACHINE.open(relative).map_err(|e| {
        // windows-result keeps the HRESULT; a Win32 error is HRESULT_FROM_WIN32 of it.
        let code = u32::from_ne_bytes(e.code().0.to_ne_bytes());
        if code & 0xFFFF_0000 == 0x8007_0000 { super::win32_error(code & 0xFFFF) } else { e.message() }
    })?;
    let mut found = BTreeMap::new();
    for name in names {
        // A value that is not set is simply absent.
        let Ok(kind) = key.get_type(name) else { continue };
        let value = match kind {
            Type::U32 => key.get_u32(name).ok().map(serde_json::Value::from),
            Type::U64 => key.get_u64(name).ok().map(serde_json::Value::from),
            Type::String | Type::ExpandString => key.get_string(name).ok().map(serde_json::Value::from),
            Type::MultiString => key.get_multi_string(name).ok().map(serde_json::Value::from),
            _ => None,
        };
        if let Some(value) = value {
            found.insert((*name).to_string(), value);
        }
    }
    Ok(found)
}
