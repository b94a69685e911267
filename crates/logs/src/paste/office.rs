//! Office's licence blocks: `ospp.vbs /dstatus`, `/dstatusall`, `/act`, `/inpkey` (English, also
//! under a zh-CN Windows Script Host banner) and Office Tool Plus (zh-CN and English). One product
//! per block: "LICENSE NAME: …" or Office Tool Plus's bare "Office 21, Office21…edition" line opens
//! it, a dashed line or the next product closes it. Forum copies mangle the text (bullets, a space
//! after `_` inside `---OOB_ GRACE---`, Markdown emphasis); the reader tolerates them.

use crate::slmgr::{ActivationAttempt, KmsClientInfo, LicenseStatus, SlmgrProduct, SlmgrReport};

use super::{lines, loose_key};
use crate::slmgr::hex_code;

/// What a labelled line of a block sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Label {
    ProductId,
    SkuId,
    Name,
    Description,
    Status,
    ErrorCode,
    ErrorText,
    RemainingGrace,
    PartialKey,
    KmsFromDns,
    KmsRegistered,
    /// Labels that only show this is an Office listing.
    Known,
}

/// Labels compared without spaces, case and punctuation (`loose_key`).
const KEYS: &[(&str, Label)] = &[
    ("productid", Label::ProductId),
    ("skuid", Label::SkuId),
    ("licensename", Label::Name),
    ("licensedescription", Label::Description),
    ("licensestatus", Label::Status),
    ("errorcode", Label::ErrorCode),
    ("errordescription", Label::ErrorText),
    ("errormessage", Label::ErrorText),
    ("remaininggrace", Label::RemainingGrace),
    ("last5charactersofinstalledproductkey", Label::PartialKey),
    ("kmsmachinenamefromdns", Label::KmsFromDns),
    ("kmsmachineregistryoverridedefined", Label::KmsRegistered),
    ("betaexpiration", Label::Known),
    ("activationinterval", Label::Known),
    ("renewalinterval", Label::Known),
    ("kmshostcaching", Label::Known),
    // Office Tool Plus, zh-CN.
    ("许可证名称", Label::Name),
    ("许可证说明", Label::Description),
    ("许可证状态", Label::Status),
    ("产品密钥的最后五个字符", Label::PartialKey),
    ("错误代码", Label::ErrorCode),
    ("错误信息", Label::ErrorText),
    ("错误描述", Label::ErrorText),
    ("剩余宽限期", Label::RemainingGrace),
];

/// `---LICENSED---` and the others, as ospp.vbs and Office Tool Plus print them.
const STATUSES: &[(&str, LicenseStatus)] = &[
    ("LICENSED", LicenseStatus::Licensed),
    ("NOTIFICATIONS", LicenseStatus::Notification),
    ("NOTIFICATION", LicenseStatus::Notification),
    ("OOB_GRACE", LicenseStatus::InitialGrace),
    ("OOT_GRACE", LicenseStatus::AdditionalGrace),
    ("NON_GENUINE_GRACE", LicenseStatus::NonGenuineGrace),
    ("EXTENDED_GRACE", LicenseStatus::ExtendedGrace),
    ("UNLICENSED", LicenseStatus::Unlicensed),
    ("已授权", LicenseStatus::Licensed),
    ("未许可", LicenseStatus::Unlicensed),
    ("未授权", LicenseStatus::Unlicensed),
    ("通知", LicenseStatus::Notification),
    ("宽限期", LicenseStatus::InitialGrace),
];

#[derive(Debug, Default)]
struct Block {
    product: SlmgrProduct,
    error: Option<(usize, u32, Option<String>)>,
    succeeded: Option<usize>,
    /// Labels seen, to tell a new block from more of this one.
    seen: Vec<Label>,
}

/// Reads Office licence blocks; `None` when the text has none.
pub(crate) fn read(text: &str) -> Option<SlmgrReport> {
    let mut report = SlmgrReport::default();
    let mut block: Option<Block> = None;
    let mut distinctive = false;
    let mut chinese = 0usize;
    for (number, line) in lines(text) {
        let raw = line.trim();
        if is_separator(raw) {
            finish(block.take(), &mut report);
            continue;
        }
        let line = raw.trim_start_matches(['•', '·', '*', '>']).trim();
        if line.is_empty() {
            continue;
        }
        if line.contains("attempting to activate the following product") {
            finish(block.take(), &mut report);
            continue;
        }
        if line.contains("<Product activation successful>") {
            block.get_or_insert_with(|| new_block(number)).succeeded = Some(number);
            distinctive = true;
            continue;
        }
        if let Some(name) = office_product_line(line) {
            finish(block.take(), &mut report);
            let mut b = new_block(number);
            b.product.name = Some(name.to_string());
            block = Some(b);
            continue;
        }
        let Some((label, value)) = line.split_once([':', '：']) else { continue };
        let label_key = loose_key(label);
        let Some(&(_, key)) = KEYS.iter().find(|(k, _)| *k == label_key) else { continue };
        if !label.is_ascii() {
            chinese += 1;
        }
        distinctive |= !matches!(key, Label::ErrorCode | Label::ErrorText | Label::SkuId | Label::ProductId);
        let value = value.trim();
        // A label seen twice starts the next product (ospp lists SKU ID before LICENSE NAME).
        let repeated = block.as_ref().is_some_and(|b| b.seen.contains(&key) && key != Label::Known);
        if repeated {
            finish(block.take(), &mut report);
        }
        let b = block.get_or_insert_with(|| new_block(number));
        b.seen.push(key);
        apply(b, key, value, number);
    }
    finish(block, &mut report);
    if !distinctive || (report.products.is_empty() && report.activations.is_empty()) {
        return None;
    }
    report.language = if chinese > 0 { "zh-CN" } else { "en" }.to_string();
    Some(report)
}

fn new_block(line: usize) -> Block {
    Block { product: SlmgrProduct { line, ..SlmgrProduct::default() }, ..Block::default() }
}

fn apply(b: &mut Block, key: Label, value: &str, number: usize) {
    let text = || (!value.is_empty()).then(|| value.to_string());
    let p = &mut b.product;
    match key {
        // The product ID and the labels that only show the listing change nothing.
        Label::ProductId | Label::Known => {}
        Label::SkuId => p.activation_id = text().map(|s| s.to_ascii_lowercase()),
        Label::Name => p.name = text(),
        Label::Description => {
            p.description = text();
            p.channel = channel(value);
        }
        Label::Status => p.license_status = status(value),
        Label::ErrorCode => {
            if let Some(code) = hex_code(value) {
                b.error = Some((number, code, None));
            }
        }
        Label::ErrorText => {
            if let Some((_, _, message)) = &mut b.error {
                *message = text();
            }
        }
        Label::RemainingGrace => {
            p.minutes_left = remaining_minutes(value);
            p.days_left = leading_days(value);
        }
        Label::PartialKey => p.partial_product_key = text(),
        Label::KmsFromDns => {
            p.kms_client.get_or_insert_with(KmsClientInfo::default).from_dns = address(value);
        }
        Label::KmsRegistered => {
            p.kms_client.get_or_insert_with(KmsClientInfo::default).registered = address(value);
        }
    }
}

/// A block becomes a product when it has a status; a block of `/act` without one is an attempt.
fn finish(block: Option<Block>, report: &mut SlmgrReport) {
    let Some(mut b) = block else { return };
    if b.product.name.is_none() && b.product.activation_id.is_none() && b.error.is_none() && b.succeeded.is_none() {
        return;
    }
    let attempt = |line: usize, error: Option<u32>, message: Option<String>, succeeded: bool, p: &SlmgrProduct| {
        ActivationAttempt {
            line,
            product: p.name.clone(),
            activation_id: p.activation_id.clone(),
            error,
            message,
            succeeded,
        }
    };
    if b.product.license_status.is_some() {
        b.product.error_code = b.error.as_ref().map(|(_, code, _)| *code);
        if let Some(line) = b.succeeded {
            report.activations.push(attempt(line, None, None, true, &b.product));
        }
    } else if let Some((line, code, message)) = b.error.take() {
        report.activations.push(attempt(line, Some(code), message, false, &b.product));
    } else if let Some(line) = b.succeeded {
        report.activations.push(attempt(line, None, None, true, &b.product));
    }
    if b.product.license_status.is_some() || b.product.partial_product_key.is_some() {
        report.products.push(b.product);
    }
}

/// "Office 21, Office21Standard2021VL_KMS_Client_AE edition": Office Tool Plus's product line.
fn office_product_line(line: &str) -> Option<&str> {
    let lower = line.to_ascii_lowercase();
    (lower.starts_with("office") && lower.ends_with("edition") && !line.contains([':', '：'])).then_some(line)
}

fn is_separator(line: &str) -> bool {
    line.len() >= 5 && line.chars().all(|c| matches!(c, '-' | '_' | '=')) || line.starts_with("---Processing")
}

/// `---LICENSED---`, `--- OOB_ GRACE ---`, `**---UNLICENSED---**`, `---已授权---`.
fn status(value: &str) -> Option<LicenseStatus> {
    let token: String = value.chars().filter(|c| !c.is_whitespace() && !matches!(c, '-' | '*' | '_')).collect();
    let token = token.to_uppercase();
    STATUSES.iter().find(|(name, _)| name.replace('_', "").to_uppercase() == token).map(|&(_, status)| status)
}

/// "Office 19, VOLUME_KMSCLIENT channel" -> `VOLUME_KMSCLIENT`; "RETAIL(Free) channel" -> `RETAIL`.
fn channel(description: &str) -> Option<String> {
    let before = description.to_ascii_lowercase().find(" channel").and_then(|at| description.get(..at))?;
    let word = before.rsplit([' ', ',']).next()?.trim();
    let word = word.split('(').next().unwrap_or(word);
    (!word.is_empty()).then(|| word.replace('-', "_").to_ascii_uppercase())
}

/// "179 days  (259199 minute(s) before expiring)": the minutes when printed, else days × 1440.
fn remaining_minutes(value: &str) -> Option<u64> {
    let number_before = |unit: &str| {
        let at = value.find(unit)?;
        let digits: String =
            value[..at].chars().rev().skip_while(|c| c.is_whitespace()).take_while(char::is_ascii_digit).collect();
        digits.chars().rev().collect::<String>().parse::<u64>().ok()
    };
    number_before("minute").or_else(|| number_before("day").map(|d| d.saturating_mul(1440)))
}

/// "179 days  (259199 minute(s) before expiring)": the days ospp printed.
fn leading_days(value: &str) -> Option<u64> {
    let value = value.trim_start();
    let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
    value[digits.len()..].trim_start().starts_with("day").then(|| digits.parse().ok()).flatten()
}

fn address(value: &str) -> Option<String> {
    let value = value.trim();
    let none = value.is_empty() || value.to_ascii_lowercase().contains("not available") || value.contains("不可用");
    (!none).then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_survive_forum_mangling() {
        assert_eq!(status("  ---LICENSED--- "), Some(LicenseStatus::Licensed));
        assert_eq!(status("---OOB_ GRACE---"), Some(LicenseStatus::InitialGrace));
        assert_eq!(status("**---UNLICENSED---**"), Some(LicenseStatus::Unlicensed));
        assert_eq!(status("---NOTIFICATIONS---"), Some(LicenseStatus::Notification));
        assert_eq!(status(" ---未许可--- "), Some(LicenseStatus::Unlicensed));
        assert_eq!(status("maybe"), None);
    }

    #[test]
    fn remaining_grace_is_minutes_not_days() {
        assert_eq!(remaining_minutes("179 days  (259199 minute(s) before expiring)"), Some(259_199));
        assert_eq!(remaining_minutes("3 days"), Some(4320));
        // Regression (found by the office_text fuzz target): a day count this large overflowed.
        assert_eq!(remaining_minutes("18446744073709551615 days"), Some(u64::MAX));
        let text = "LICENSE NAME: Office\nLICENSE STATUS: ---LICENSED---\nREMAINING GRACE: 18446744073709551615 days\n";
        assert!(read(text).is_some());
    }

    #[test]
    fn a_dstatus_block_and_an_act_failure() {
        let text = "---Processing--------------------------\n\
            PRODUCT ID: 00405-10000-00000-AA123\n\
            SKU ID: 85dd8b5f-eaa4-4af3-a628-cce9e77c9a03\n\
            LICENSE NAME: Office 19, Office19ProPlus2019VL_KMS_Client_AE edition\n\
            LICENSE DESCRIPTION: Office 19, VOLUME_KMSCLIENT channel\n\
            LICENSE STATUS:  ---OOB_GRACE---\n\
            ERROR CODE: 0xC004F074\n\
            REMAINING GRACE: 29 days  (42000 minute(s) before expiring)\n\
            Last 5 characters of installed product key: 6MWKP\n\
            ---------------------------------------\n\
            Installed product key detected - attempting to activate the following product:\n\
            SKU ID: 8d368fc1-9470-4be2-8d66-90e836cbb051\n\
            LICENSE NAME: Office 24, Office24ProPlus2024VL_KMS_Client_AE edition\n\
            ERROR CODE: 0xC004F074\n";
        let r = read(text).unwrap();
        assert_eq!(r.products.len(), 1);
        let p = &r.products[0];
        assert_eq!(
            (p.license_status, p.error_code, p.minutes_left),
            (Some(LicenseStatus::InitialGrace), Some(0xC004_F074), Some(42_000))
        );
        assert_eq!((p.channel.as_deref(), p.partial_product_key.as_deref()), (Some("VOLUME_KMSCLIENT"), Some("6MWKP")));
        assert_eq!(r.activations.len(), 1);
        assert_eq!(r.activations[0].activation_id.as_deref(), Some("8d368fc1-9470-4be2-8d66-90e836cbb051"));
        assert_eq!(r.activations[0].error, Some(0xC004_F074));
    }

    #[test]
    fn text_without_office_labels_is_not_read() {
        assert!(read("Name: Windows\nError code: 0x5\n").is_none());
        assert!(read("").is_none());
    }
}
