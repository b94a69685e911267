//! Reads the values slmgr prints after its labels: counts, `Hex()` codes, license states, the
//! channel inside a description. Each reader returns `None` for text it does not recognise rather
//! than guessing, so a damaged line leaves a field empty instead of wrong.

use super::LicenseStatus;
use crate::time::Timestamp;

/// Characters compared loosely: slmgr.ini translations and hand copies differ in spacing ("激活 ID"
/// vs "激活ID") and people retype English labels in any case.
fn loose_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_lowercase())
}

pub(super) fn loose_eq(a: &str, b: &str) -> bool {
    loose_chars(a).eq(loose_chars(b))
}

/// `s` without a loosely matched `prefix`; the rest keeps its original spelling.
pub(super) fn strip_prefix_loose<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let mut wanted = loose_chars(prefix);
    let mut next = wanted.next();
    for (at, c) in s.char_indices() {
        let Some(want) = next else { return s.get(at..) };
        if c.is_whitespace() {
            continue;
        }
        if c.to_ascii_lowercase() != want {
            return None;
        }
        next = wanted.next();
    }
    if next.is_none() { Some("") } else { None }
}

/// A printed value, or `None` when slmgr printed nothing after the label or the user masked it
/// (`*-*-*-*-*`, `*****`) before posting.
pub(super) fn text(value: &str) -> Option<String> {
    let value = value.trim();
    let masked = value.chars().all(|c| matches!(c, '*' | '-' | '.' | ' '));
    (!value.is_empty() && !masked).then(|| value.to_string())
}

/// The days in "253564 minute(s) (177 day(s))" or "259197 分钟(180天）".
pub(super) fn printed_days(value: &str) -> Option<u64> {
    let at = value.find("day").or_else(|| value.find('天'))?;
    let digits: String =
        value[..at].chars().rev().skip_while(|c| c.is_whitespace()).take_while(char::is_ascii_digit).collect();
    digits.chars().rev().collect::<String>().parse().ok()
}

/// The Activation ID of a typed `slmgr /xpr 2dfe2075-…` (or `slmgr.vbs -xpr …`) command line.
pub(super) fn xpr_command_id(line: &str) -> Option<String> {
    let lower = line.to_ascii_lowercase();
    let at = lower.find("/xpr").or_else(|| lower.find("-xpr"))?;
    if !lower[..at].contains("slmgr") {
        return None;
    }
    let id = line[at + 4..].split_whitespace().next()?;
    (id.len() == 36 && is_product_id(id) && !id.contains('*')).then(|| id.to_ascii_lowercase())
}

/// A KMS host or address; slmgr prints "not available" (zh: "不可用") instead of leaving it blank.
pub(super) fn address(value: &str) -> Option<String> {
    if value.contains("not available") || value.contains("不可用") {
        return None;
    }
    text(value)
}

/// The number a value starts with: "259197 minute(s) (180 day(s))", "120 分钟", "1688".
pub(super) fn leading_number(value: &str) -> Option<u64> {
    let value = value.trim_start();
    let digits = value.bytes().take_while(u8::is_ascii_digit).count();
    value.get(..digits)?.parse().ok()
}

pub(super) fn leading_u32(value: &str) -> Option<u32> {
    leading_number(value).and_then(|n| u32::try_from(n).ok())
}

/// Whether a value counts minutes, for the localized "Time remaining" line whose label is unknown.
pub(super) fn counts_minutes(value: &str) -> bool {
    leading_number(value).is_some() && (value.contains("分钟") || value.contains("minute"))
}

/// A code as VBScript's `Hex()` prints it after "0x": upper case, no padding, at most 8 digits.
/// Whatever follows the digits (". ", " (non-genuine).", ospp's "(for information purposes
/// only…)") is ignored.
pub fn hex_code(value: &str) -> Option<u32> {
    let value = value.trim_start();
    let hex = value.strip_prefix("0x").or_else(|| value.strip_prefix("0X"))?;
    let digits = hex.bytes().take_while(u8::is_ascii_hexdigit).count();
    if !(1..=8).contains(&digits) {
        return None;
    }
    u32::from_str_radix(hex.get(..digits)?, 16).ok()
}

/// The code and text of an "Error: …" line. slmgr's `ShowError` prints HRESULTs as `0x` + hex
/// and non-negative numbers (Win32 errors such as 5) in decimal; some errors have no code at all
/// ("Error: Product activation failed.").
pub(super) fn error_code(value: &str) -> (Option<u32>, Option<String>) {
    let value = value.trim();
    let (digits, radix, rest) = if let Some(hex) = value.strip_prefix("0x").or_else(|| value.strip_prefix("0X")) {
        let len = hex.bytes().take_while(u8::is_ascii_hexdigit).count();
        (hex.get(..len), 16, hex.get(len..))
    } else {
        let len = value.bytes().take_while(u8::is_ascii_digit).count();
        (value.get(..len), 10, value.get(len..))
    };
    let code = digits.filter(|d| !d.is_empty() && d.len() <= 8).and_then(|d| u32::from_str_radix(d, radix).ok());
    match code {
        Some(code) => (Some(code), rest.and_then(text)),
        None => (None, text(value)),
    }
}

/// License Status values in slmgr's order; zh-CN spellings from user posts and the Windows UI.
const STATUSES: &[(&str, LicenseStatus)] = &[
    ("Unlicensed", LicenseStatus::Unlicensed),
    ("Licensed", LicenseStatus::Licensed),
    ("Initial grace period", LicenseStatus::InitialGrace),
    ("Additional grace period", LicenseStatus::AdditionalGrace),
    ("Non-genuine grace period", LicenseStatus::NonGenuineGrace),
    ("Notification", LicenseStatus::Notification),
    ("Extended grace period", LicenseStatus::ExtendedGrace),
    ("已授权", LicenseStatus::Licensed),
    ("未授权", LicenseStatus::Unlicensed),
    ("未经授权", LicenseStatus::Unlicensed),
    ("初始宽限期", LicenseStatus::InitialGrace),
    ("其他宽限期", LicenseStatus::AdditionalGrace),
    ("附加宽限期", LicenseStatus::AdditionalGrace),
    ("非正版宽限期", LicenseStatus::NonGenuineGrace),
    ("通知", LicenseStatus::Notification),
    ("延长宽限期", LicenseStatus::ExtendedGrace),
    ("延长的宽限期", LicenseStatus::ExtendedGrace),
];

/// Prefix match, because "Additional grace period (KMS license expired or hardware out of
/// tolerance)" and "Non-genuine grace period." carry more than the state's name.
pub(super) fn license_status(value: &str) -> LicenseStatus {
    STATUSES
        .iter()
        .find(|(name, _)| strip_prefix_loose(value.trim(), name).is_some())
        .map_or(LicenseStatus::Unknown, |&(_, status)| status)
}

/// The channel in a description: "Windows(R) Operating System, VOLUME_KMSCLIENT channel" ->
/// `VOLUME_KMSCLIENT`. Hyphens become underscores because hand copies (the zh-CN sample) write
/// "VOLUME-KMSCLIENT" while every real channel name uses underscores.
pub(crate) fn channel(description: &str) -> Option<String> {
    let lower = description.to_ascii_lowercase();
    // ASCII lower-casing keeps byte offsets, so `at` indexes `description` too. "通道" is the
    // unverified zh-CN spelling, in case WMI localizes the description.
    let at = lower.find(" channel").or_else(|| description.find("通道"))?;
    let word = description.get(..at)?.trim_end().rsplit([' ', ',', '，']).next()?.trim();
    (!word.is_empty()).then(|| word.replace('-', "_"))
}

/// The product and its Activation ID in "Activating Windows(R), Enterprise edition (73111121-…)
/// ...". The ID may be missing, masked (`*-*-*`) or on the next line when the console wrapped it
/// (zh-CN sample).
pub(super) fn activating_product(rest: &str) -> (Option<String>, Option<String>) {
    let rest = rest.trim().trim_end_matches(['.', '。', '…']).trim_end();
    match rest.strip_suffix(')').and_then(|inner| inner.rsplit_once('(')) {
        Some((name, id)) if is_product_id(id) => {
            let id = id.trim();
            (text(name), (!id.contains('*')).then(|| id.to_ascii_lowercase()))
        }
        _ => (text(rest), None),
    }
}

/// An activation ID as printed, or the `*-*-*-*-*` a user masked it with.
pub(super) fn is_product_id(id: &str) -> bool {
    !id.is_empty() && id.contains('-') && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-' || c == '*')
}

/// A date and time as slmgr prints them in the machine's locale: year first (`2015/04/06 09:57:03`,
/// `2022-03-28`, zh-CN `2020/2/27 11:48:43`) or year last, month first in en-US with AM/PM
/// (`10/14/2023 9:12:45 AM`) and day first where the first number cannot be a month
/// (`14/10/2023 09:12:45`). An ambiguous day-month order without AM/PM is read month first, as
/// en-US prints it; the time, when present, is the machine's local time, taken as UTC.
pub(crate) fn date_time(value: &str) -> Option<Timestamp> {
    let value = value.trim().trim_end_matches(['.', '。']);
    let mut words = value.split_whitespace();
    let date = words.next()?;
    let time = words.next();
    let meridiem = words.next().map(str::to_ascii_uppercase);
    let parts: Vec<i64> = date.split(['/', '-', '.']).map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [a, b, c] = parts[..] else { return None };
    let (year, month, day) = if a > 31 {
        (a, b, c)
    } else if c > 31 {
        if a > 12 { (c, b, a) } else { (c, a, b) }
    } else {
        return None;
    };
    // Windows prints four-digit years; anything else is not a date (and would overflow).
    if !(1601..=9999).contains(&year) {
        return None;
    }
    let (mut hour, minute, second) = match time {
        Some(t) => {
            let hms: Vec<i64> = t.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
            (*hms.first()?, *hms.get(1).unwrap_or(&0), *hms.get(2).unwrap_or(&0))
        }
        None => (0, 0, 0),
    };
    match meridiem.as_deref() {
        Some("PM") if hour < 12 => hour += 12,
        Some("AM") if hour == 12 => hour = 0,
        _ => {}
    }
    Timestamp::from_civil(year, month, day, hour, minute, second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_orders_slmgr_prints_them() {
        let at = |s: &str| date_time(s).map(Timestamp::to_rfc3339);
        assert_eq!(at("2015/04/06 09:57:03").as_deref(), Some("2015-04-06T09:57:03Z"));
        assert_eq!(at("2022-03-28").as_deref(), Some("2022-03-28T00:00:00Z"));
        assert_eq!(at("2020/2/27 11:48:43").as_deref(), Some("2020-02-27T11:48:43Z"));
        assert_eq!(at("10/14/2023 9:12:45 PM").as_deref(), Some("2023-10-14T21:12:45Z"));
        assert_eq!(at("14/10/2023 09:12:45").as_deref(), Some("2023-10-14T09:12:45Z"));
        assert_eq!(at("3/2/2024 10:03:11 AM").as_deref(), Some("2024-03-02T10:03:11Z"));
        assert_eq!(at("soon"), None);
        assert_eq!(printed_days("253564 minute(s) (177 day(s))"), Some(177));
        assert_eq!(printed_days(" 259197 分钟(180天）"), Some(180));
        assert_eq!(
            xpr_command_id("slmgr /xpr 2DFE2075-2d04-4e43-816a-eb60bbb77574").as_deref(),
            Some("2dfe2075-2d04-4e43-816a-eb60bbb77574")
        );
        assert_eq!(xpr_command_id("slmgr /xpr"), None);
        assert_eq!(text("*-*-*-*-*"), None);
        assert_eq!(at("99/99/99"), None);
    }

    #[test]
    fn loose_matching_ignores_spacing_and_ascii_case() {
        assert!(loose_eq("激活ID", "激活 ID"));
        assert!(loose_eq("license  status", "License Status"));
        assert!(!loose_eq("Activation ID", "Activation interval"));
        assert_eq!(strip_prefix_loose("正在激活 Windows", "正在激活"), Some(" Windows"));
        assert_eq!(strip_prefix_loose("Activ", "Activating"), None);
    }

    #[test]
    fn codes_as_slmgr_prints_them() {
        assert_eq!(hex_code("0xC004F056."), Some(0xC004_F056));
        assert_eq!(hex_code("0xC004F200 (non-genuine)."), Some(0xC004_F200));
        assert_eq!(hex_code("0x123456789"), None);
        assert_eq!(error_code("0xC004F074 No KMS"), (Some(0xC004_F074), Some("No KMS".to_string())));
        assert_eq!(error_code("5 Access denied"), (Some(5), Some("Access denied".to_string())));
        assert_eq!(error_code("Product activation failed."), (None, Some("Product activation failed.".to_string())));
    }

    #[test]
    fn statuses_channels_and_products() {
        assert_eq!(
            license_status("Additional grace period (KMS license expired or hardware out of tolerance)"),
            LicenseStatus::AdditionalGrace
        );
        assert_eq!(license_status("Non-genuine grace period."), LicenseStatus::NonGenuineGrace);
        assert_eq!(license_status("Unlicensed"), LicenseStatus::Unlicensed);
        assert_eq!(license_status("已授权"), LicenseStatus::Licensed);
        assert_eq!(license_status("Sideways"), LicenseStatus::Unknown);
        assert_eq!(channel("Office 16, VOLUME_KMSCLIENT channel").as_deref(), Some("VOLUME_KMSCLIENT"));
        assert_eq!(
            channel("Windows(R) Operating System, VOLUME-KMSCLIENT channel ").as_deref(),
            Some("VOLUME_KMSCLIENT")
        );
        assert_eq!(channel("Windows(R) Operating System"), None);
        assert_eq!(
            activating_product("Windows(R), Enterprise edition (73111121-5638-40F6-bc11-f1d7b0d64300) ..."),
            (Some("Windows(R), Enterprise edition".into()), Some("73111121-5638-40f6-bc11-f1d7b0d64300".into()))
        );
        assert_eq!(
            activating_product("Windows(R), EnterpriseS edition (*-*-*-*-*)..."),
            (Some("Windows(R), EnterpriseS edition".into()), None)
        );
        assert_eq!(
            activating_product("Windows(R), EnterpriseS edition"),
            (Some("Windows(R), EnterpriseS edition".into()), None)
        );
        assert_eq!(leading_number(" 259197 分钟(180天）"), Some(259_197));
    }
}
