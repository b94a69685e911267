//! `slmgr.vbs` output (`/dli`, `/dlv`, `/xpr`, `/ato`) in English and Simplified Chinese, as users
//! save it: UTF-8, UTF-16LE/BE with BOM (PowerShell's `> file.txt`), or GBK.
//!
//! `text` decodes the bytes and refuses binary junk, `labels` knows the lines slmgr prints,
//! `values` reads what follows a label, `reader` assembles the report. Never panics on input.

mod labels;
mod reader;
mod text;
mod values;

pub(crate) use reader::numbered_lines;
pub use values::hex_code;
pub(crate) use values::{channel, date_time};

#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::time::Timestamp;

/// Everything read from one slmgr output file (which may hold several commands' output).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SlmgrReport {
    /// `en` or `zh-CN`: the language of the labels found.
    pub language: String,
    /// The text encoding the file was decoded from: `utf-8`, `utf-16le`, `utf-16be`, `gbk`.
    pub encoding: String,
    /// "Software licensing service version" (`/dlv`).
    pub service_version: Option<String>,
    pub products: Vec<SlmgrProduct>,
    /// One entry per "Activating …" block of `/ato`.
    pub activations: Vec<ActivationAttempt>,
    /// `/xpr` lines, as printed (e.g. "Volume activation will expire 2024/5/1 0:00:00").
    pub expirations: Vec<String>,
    /// Present when the machine is a KMS host ("Key Management Service is enabled on this machine").
    pub kms_host: Option<KmsHostStatus>,
    /// `/skms`: "Key Management Service machine name set to HOST successfully." (line, host).
    pub registered_kms: Option<(usize, String)>,
    /// When the text was printed, as it says itself ("Trusted time" of `/dlv`).
    #[serde(skip)]
    pub printed_at: Option<Timestamp>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SlmgrProduct {
    /// 1-based line where this product's block starts.
    pub line: usize,
    pub name: Option<String>,
    pub description: Option<String>,
    /// The channel from the description or "Product Key Channel": `VOLUME_KMSCLIENT`, `VOLUME_MAK`,
    /// `RETAIL`, `OEM_DM`, `TIMEBASED_EVAL`, …
    pub channel: Option<String>,
    pub activation_id: Option<String>,
    pub application_id: Option<String>,
    pub extended_pid: Option<String>,
    pub partial_product_key: Option<String>,
    /// slmgr printed "This license is not in use." instead of a partial product key (`/dlv all`
    /// lists every license, installed or not).
    pub not_in_use: bool,
    pub license_status: Option<LicenseStatus>,
    /// Minutes left from "Volume activation expiration" / "Time remaining" / "Timebased activation expiration".
    pub minutes_left: Option<u64>,
    /// The days left as the text printed them ("(177 day(s))", "(180天）", ospp's "179 days"):
    /// slmgr's own rounding, which is what the user saw.
    pub days_left: Option<u64>,
    /// "Notification Reason: 0x…".
    pub notification_reason: Option<u32>,
    pub remaining_rearm_count: Option<u32>,
    pub kms_client: Option<KmsClientInfo>,
    /// When the activation ends, from `/xpr` ("Volume activation will expire 2015/04/06 09:57:03").
    #[serde(skip)]
    pub expires_at: Option<Timestamp>,
    /// `/xpr` said the activation never expires ("The machine is permanently activated.").
    pub permanent: bool,
    /// The error code printed with a status (ospp.vbs and Office Tool Plus "ERROR CODE"): the
    /// licence's reason when its severity bit is set, information when it is not.
    pub error_code: Option<u32>,
    /// The machine the block is about, when the text names it (PowerShell's `PSComputerName`);
    /// otherwise the file's machine.
    pub machine: Option<String>,
}

/// License Status, as slmgr prints it (English and Chinese labels map to the same value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenseStatus {
    Unlicensed,
    Licensed,
    InitialGrace,
    AdditionalGrace,
    NonGenuineGrace,
    Notification,
    ExtendedGrace,
    Unknown,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KmsClientInfo {
    pub cmid: Option<String>,
    /// "Registered KMS machine name: host:port" (set with /skms).
    pub registered: Option<String>,
    /// "KMS machine name from DNS: host:port".
    pub from_dns: Option<String>,
    pub ip_address: Option<String>,
    pub extended_pid: Option<String>,
    pub activation_interval_minutes: Option<u32>,
    pub renewal_interval_minutes: Option<u32>,
    pub host_caching: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KmsHostStatus {
    pub current_count: Option<u32>,
    pub listening_port: Option<u16>,
    pub dns_publishing: Option<bool>,
    /// "KMS priority: Low".
    pub low_priority: Option<bool>,
    pub total_requests: Option<u64>,
    pub failed_requests: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActivationAttempt {
    pub line: usize,
    /// The product named in "Activating …".
    pub product: Option<String>,
    /// Its Activation ID, when printed (in parentheses after the name, or as ospp's "SKU ID").
    pub activation_id: Option<String>,
    /// None: "Product activated successfully."; Some: the "Error: 0x…" code.
    pub error: Option<u32>,
    /// The text after the code, as slmgr printed it.
    pub message: Option<String>,
    /// slmgr printed "Product activated successfully." for this attempt. False with no `error`
    /// means the outcome line was missing or had no code ("Error: Product activation failed.").
    pub succeeded: bool,
}

/// Why a file is not slmgr output, with where it went wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SlmgrError {
    #[error("not slmgr output: {why} (byte offset {offset})")]
    NotSlmgr { why: String, offset: usize },
}

/// Parses one file's bytes. Never panics; binary junk is `NotSlmgr` with the offset of the first
/// byte that cannot be text.
pub fn parse(bytes: &[u8]) -> Result<SlmgrReport, SlmgrError> {
    let (text, encoding, _) = decode(bytes)?;
    let mut report = reader::read(&text)?;
    report.encoding = encoding.to_string();
    Ok(report)
}

/// The text of a saved file in the encoding it was written in (`utf-8`, `utf-16le`, `utf-16be`,
/// `gbk`) and the first bad character read as U+FFFD (offset, why); or where it is binary data.
pub(crate) type DecodedText = (String, &'static str, Option<(usize, String)>);

pub(crate) fn decode(bytes: &[u8]) -> Result<DecodedText, SlmgrError> {
    text::decode(bytes).map(|d| (d.text, d.encoding, d.replaced))
}

/// slmgr output read from decoded text.
pub(crate) fn read(text: &str) -> Result<SlmgrReport, SlmgrError> {
    reader::read(text)
}

/// Parses text that is already a string (pasted into a form); `encoding` is `utf-8` and offsets
/// in errors are byte offsets into `text`.
pub fn parse_str(text: &str) -> Result<SlmgrReport, SlmgrError> {
    text::check_str(text)?;
    let mut report = reader::read(text)?;
    report.encoding = "utf-8".to_string();
    Ok(report)
}
