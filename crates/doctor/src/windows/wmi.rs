//! The licence objects, over WMI (`root\cimv2`): `SoftwareLicensingProduct` with a key installed
//! and `SoftwareLicensingService`, the objects slmgr.vbs and ospp.vbs read, so doctor does not
//! need VBScript, which Windows is retiring.

use std::collections::HashMap;

use ::wmi::{Variant, WMIConnection};

use crate::collection::{Part, WmiObject};

/// The product properties the analysis reads. Asking for these alone is much faster than `*`,
/// which makes the service evaluate every property of every one of hundreds of SKUs; and only
/// these ever leave the machine in a bundle.
const PRODUCT_PROPERTIES: [&str; 18] = [
    "ID",
    "Name",
    "Description",
    "ApplicationID",
    "PartialProductKey",
    "ProductKeyChannel",
    "LicenseStatus",
    "LicenseStatusReason",
    "GracePeriodRemaining",
    "EvaluationEndDate",
    "LicenseIsAddon",
    "KeyManagementServiceMachine",
    "KeyManagementServicePort",
    "DiscoveredKeyManagementServiceMachineName",
    "DiscoveredKeyManagementServiceMachinePort",
    "DiscoveredKeyManagementServiceMachineIpAddress",
    "VLActivationInterval",
    "VLRenewalInterval",
];

/// The service properties the analysis reads. Never `*` into a bundle: the service also holds
/// `OA3xOriginalProductKey`, the whole product key an OEM machine's firmware carries.
const SERVICE_PROPERTIES: [&str; 16] = [
    "Version",
    "ClientMachineID",
    "KeyManagementServiceMachine",
    "KeyManagementServicePort",
    "KeyManagementServiceLookupDomain",
    "DiscoveredKeyManagementServiceMachineName",
    "DiscoveredKeyManagementServiceMachinePort",
    "DiscoveredKeyManagementServiceMachineIpAddress",
    "IsKeyManagementServiceMachine",
    "KeyManagementServiceCurrentCount",
    "KeyManagementServiceListeningPort",
    "KeyManagementServiceDnsPublishing",
    "KeyManagementServiceLowPriority",
    "KeyManagementServiceTotalRequests",
    "KeyManagementServiceFailedRequests",
    "VLActivationInterval",
];

pub(super) struct Licensing {
    pub(super) products: Vec<WmiObject>,
    pub(super) service: Option<WmiObject>,
    pub(super) products_part: Part,
    pub(super) service_part: Part,
}

pub(super) fn read() -> Licensing {
    let connection = match WMIConnection::new() {
        Ok(c) => c,
        Err(e) => {
            let why = format!("cannot connect to WMI (root\\cimv2): {e}");
            return Licensing {
                products: Vec::new(),
                service: None,
                products_part: Part::failed(why.clone()),
                service_part: Part::failed(why),
            };
        }
    };
    let (products, products_part) = products(&connection);
    let (service, service_part) = service(&connection);
    Licensing { products, service, products_part, service_part }
}

fn products(connection: &WMIConnection) -> (Vec<WmiObject>, Part) {
    let query = format!(
        "SELECT {} FROM SoftwareLicensingProduct WHERE PartialProductKey IS NOT NULL",
        PRODUCT_PROPERTIES.join(", ")
    );
    match rows(connection, &query, &PRODUCT_PROPERTIES) {
        Ok(products) => {
            let detail = format!("{} licensing products with a product key", products.len());
            (products, Part::ok(detail))
        }
        // Older Windows (no ProductKeyChannel before 8) and other WMI providers lack some of
        // those properties: read every object whole and keep those with a key.
        Err(narrow) => match rows(connection, "SELECT * FROM SoftwareLicensingProduct", &PRODUCT_PROPERTIES) {
            Ok(all) => {
                let read = all.len();
                let products: Vec<WmiObject> = all.into_iter().filter(has_key).collect();
                let detail = format!(
                    "{} of {read} licensing products have a product key (read whole: the query by property was \
                     refused: {narrow})",
                    products.len()
                );
                (products, Part::ok(detail))
            }
            Err(e) => (Vec::new(), Part::failed(format!("SoftwareLicensingProduct: {e}"))),
        },
    }
}

fn service(connection: &WMIConnection) -> (Option<WmiObject>, Part) {
    let narrow = format!("SELECT {} FROM SoftwareLicensingService", SERVICE_PROPERTIES.join(", "));
    // Older versions lack some of those properties: then every property is read, and the same
    // names kept.
    let read = rows(connection, &narrow, &SERVICE_PROPERTIES)
        .or_else(|_| rows(connection, "SELECT * FROM SoftwareLicensingService", &SERVICE_PROPERTIES));
    match read {
        Ok(mut objects) if !objects.is_empty() => {
            let service = objects.swap_remove(0);
            let version = service.get("Version").and_then(|v| v.as_str()).unwrap_or("?").to_string();
            (Some(service), Part::ok(format!("SoftwareLicensingService version {version}")))
        }
        Ok(_) => (None, Part::failed("SoftwareLicensingService: WMI returned no object")),
        Err(e) => (None, Part::failed(format!("SoftwareLicensingService: {e}"))),
    }
}

fn has_key(object: &WmiObject) -> bool {
    object.get("PartialProductKey").and_then(|v| v.as_str()).is_some_and(|k| !k.trim().is_empty())
}

/// The objects a query returns, with only the properties named in `keep` (WMI property names are
/// case-insensitive).
fn rows(connection: &WMIConnection, query: &str, keep: &[&str]) -> Result<Vec<WmiObject>, String> {
    let rows: Vec<HashMap<String, Variant>> = connection.raw_query(query).map_err(|e| access_hint(&e.to_string()))?;
    Ok(rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .filter(|(k, _)| keep.iter().any(|name| name.eq_ignore_ascii_case(k)))
                .map(|(k, v)| (k, json(v)))
                .collect()
        })
        .collect())
}

/// WBEM_E_ACCESS_DENIED: say that an elevated prompt is what is missing.
fn access_hint(error: &str) -> String {
    if error.contains("0x80041003") || error.to_ascii_lowercase().contains("access denied") {
        format!("{error} (run from an elevated prompt)")
    } else {
        error.to_string()
    }
}

/// A WMI value as `ConvertTo-Json` writes it; COM objects have no JSON form and become null.
fn json(value: Variant) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Variant::Empty | Variant::Null | Variant::Unknown(_) | Variant::Object(_) => Value::Null,
        Variant::String(s) => Value::String(s),
        Variant::I1(n) => n.into(),
        Variant::I2(n) => n.into(),
        Variant::I4(n) => n.into(),
        Variant::I8(n) => n.into(),
        Variant::UI1(n) => n.into(),
        Variant::UI2(n) => n.into(),
        Variant::UI4(n) => n.into(),
        Variant::UI8(n) => n.into(),
        Variant::R4(n) => serde_json::Number::from_f64(f64::from(n)).map_or(Value::Null, Value::Number),
        Variant::R8(n) => serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
        Variant::Bool(b) => Value::Bool(b),
        Variant::Array(items) => Value::Array(items.into_iter().map(json).collect()),
    }
}
