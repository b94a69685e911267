//! The lines slmgr.vbs prints and which field each one fills. English strings are slmgr.vbs's own
//! `L_Msg*` constants; zh-CN strings come from the localized `slmgr\0804\slmgr.ini`, which is not
//! public, so they are taken from user posts (see the note on each). A line is only ever matched
//! against a whole label: a label that merely looks similar stays unknown.

use super::LicenseStatus;
use super::values::{loose_eq, strip_prefix_loose};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lang {
    En,
    Zh,
}

use Lang::{En, Zh};

/// What a recognized line sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Field {
    ServiceVersion,
    Name,
    Description,
    ActivationId,
    ApplicationId,
    ExtendedPid,
    ProductKeyChannel,
    PartialProductKey,
    NotInUse,
    LicenseStatus,
    MinutesLeft,
    NotificationReason,
    RearmCount,
    /// "Trusted time": when `/dlv` ran, by the licensing service's clock.
    TrustedTime,
    Client(ClientField),
    Host(HostField),
    ActivatedOk,
    Error,
    /// A line slmgr prints that the report has no field for; it still shows the file is slmgr's.
    Known,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ClientField {
    /// A header or a line that only shows the KMS client block is there.
    Seen,
    Cmid,
    Registered,
    FromDns,
    IpAddress,
    ExtendedPid,
    ActivationInterval,
    RenewalInterval,
    Caching(bool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum HostField {
    Seen,
    CurrentCount,
    ListeningPort,
    DnsPublishing(bool),
    /// "KMS priority: Normal | Low".
    Priority,
    TotalRequests,
    FailedRequests,
}

impl Field {
    /// Whether the line alone shows the file is slmgr output: "Name:", "Description:" and
    /// "Error:" appear in countless other formats.
    pub(super) fn is_distinctive(self) -> bool {
        !matches!(self, Field::Name | Field::Description | Field::Error)
    }
}

/// "Label: value" lines, split at the first ASCII or full-width colon.
const LABELS: &[(&str, Lang, Field)] = &[
    ("Software licensing service version", En, Field::ServiceVersion),
    ("Name", En, Field::Name),
    ("Description", En, Field::Description),
    ("Activation ID", En, Field::ActivationId),
    ("Application ID", En, Field::ApplicationId),
    ("Extended PID", En, Field::ExtendedPid),
    ("Product Key Channel", En, Field::ProductKeyChannel),
    ("Partial Product Key", En, Field::PartialProductKey),
    ("License Status", En, Field::LicenseStatus),
    ("Volume activation expiration", En, Field::MinutesLeft),
    ("Timebased activation expiration", En, Field::MinutesLeft),
    ("Automatic VM activation expiration", En, Field::MinutesLeft),
    ("Time remaining", En, Field::MinutesLeft),
    ("Notification Reason", En, Field::NotificationReason),
    ("Remaining Windows rearm count", En, Field::RearmCount),
    // Printed instead of the Windows count for other applications (Office).
    ("Remaining App rearm count", En, Field::RearmCount),
    ("Client Machine ID (CMID)", En, Field::Client(ClientField::Cmid)),
    ("Registered KMS SRV record lookup domain", En, Field::Client(ClientField::Seen)),
    ("Registered KMS machine name", En, Field::Client(ClientField::Registered)),
    ("KMS machine name from DNS", En, Field::Client(ClientField::FromDns)),
    ("DNS auto-discovery", En, Field::Client(ClientField::Seen)),
    ("KMS machine IP address", En, Field::Client(ClientField::IpAddress)),
    ("KMS machine extended PID", En, Field::Client(ClientField::ExtendedPid)),
    ("Activation interval", En, Field::Client(ClientField::ActivationInterval)),
    ("Renewal interval", En, Field::Client(ClientField::RenewalInterval)),
    ("Current count", En, Field::Host(HostField::CurrentCount)),
    ("Listening on Port", En, Field::Host(HostField::ListeningPort)),
    ("KMS priority", En, Field::Host(HostField::Priority)),
    ("Total requests received", En, Field::Host(HostField::TotalRequests)),
    ("Failed requests received", En, Field::Host(HostField::FailedRequests)),
    ("Requests with License Status Unlicensed", En, Field::Host(HostField::Seen)),
    ("Requests with License Status Licensed", En, Field::Host(HostField::Seen)),
    ("Requests with License Status Initial grace period", En, Field::Host(HostField::Seen)),
    ("Requests with License Status License expired or Hardware out of tolerance", En, Field::Host(HostField::Seen)),
    ("Requests with License Status Non-genuine grace period", En, Field::Host(HostField::Seen)),
    ("Requests with License Status Notification", En, Field::Host(HostField::Seen)),
    ("Error", En, Field::Error),
    ("Installation ID", En, Field::Known),
    ("Processor Certificate URL", En, Field::Known),
    ("Machine Certificate URL", En, Field::Known),
    ("Use License URL", En, Field::Known),
    ("Product Key Certificate URL", En, Field::Known),
    ("Validation URL", En, Field::Known),
    ("Additional Information", En, Field::Known),
    ("Evaluation End Date", En, Field::Known),
    ("Remaining SKU rearm count", En, Field::Known),
    ("Trusted time", En, Field::TrustedTime),
    ("Configured Activation Type", En, Field::Known),
    ("Activation Object name", En, Field::Known),
    ("AO DN", En, Field::Known),
    ("AO extended PID", En, Field::Known),
    ("AO activation ID", En, Field::Known),
    ("Guest IAID", En, Field::Known),
    ("Host machine name", En, Field::Known),
    ("Host Digital PID2", En, Field::Known),
    // zh-CN /dlv sample (activation-facts §4.3), hand-copied from a blog.
    ("软件授权服务器版本", Zh, Field::ServiceVersion),
    ("名称", Zh, Field::Name),
    ("描述", Zh, Field::Description),
    ("激活 ID", Zh, Field::ActivationId),
    ("应用程序 ID", Zh, Field::ApplicationId),
    ("扩展 PID", Zh, Field::ExtendedPid),
    ("产品密钥通道", Zh, Field::ProductKeyChannel),
    ("部分产品密钥", Zh, Field::PartialProductKey),
    ("许可证状态", Zh, Field::LicenseStatus),
    ("批量激活过期", Zh, Field::MinutesLeft),
    ("剩余 Windows 重置计数", Zh, Field::RearmCount),
    ("客户端计算机 ID (CMID)", Zh, Field::Client(ClientField::Cmid)),
    // Matched by two independent scripts that parse zh-CN `slmgr /dli` output.
    ("已注册的 KMS 计算机名称", Zh, Field::Client(ClientField::Registered)),
    ("来自 DNS 的 KMS 计算机名称", Zh, Field::Client(ClientField::FromDns)),
    ("KMS 计算机 IP 地址", Zh, Field::Client(ClientField::IpAddress)),
    ("KMS 计算扩展的 PID", Zh, Field::Client(ClientField::ExtendedPid)),
    ("激活时间间隔", Zh, Field::Client(ClientField::ActivationInterval)),
    ("续订间隔", Zh, Field::Client(ClientField::RenewalInterval)),
    ("错误", Zh, Field::Error),
    ("安装 ID", Zh, Field::Known),
    ("剩余 SKU 重置计数", Zh, Field::Known),
    ("信任时间", Zh, Field::TrustedTime),
    ("已配置的激活类型", Zh, Field::Known),
];

/// Whole lines without a value. Compared without a trailing period or colon.
const PHRASES: &[(&str, Lang, Field)] = &[
    ("This license is not in use", En, Field::NotInUse),
    ("Most recent activation information", En, Field::Known),
    ("Key Management Service client information", En, Field::Client(ClientField::Seen)),
    ("KMS host caching is enabled", En, Field::Client(ClientField::Caching(true))),
    ("KMS host caching is disabled", En, Field::Client(ClientField::Caching(false))),
    ("Key Management Service is enabled on this machine", En, Field::Host(HostField::Seen)),
    ("DNS publishing enabled", En, Field::Host(HostField::DnsPublishing(true))),
    ("DNS publishing disabled", En, Field::Host(HostField::DnsPublishing(false))),
    ("Key Management Service cumulative requests received from clients", En, Field::Host(HostField::Seen)),
    ("Product activated successfully", En, Field::ActivatedOk),
    (
        "Please use slmgr.vbs /ato to activate and update KMS client information in order to update values",
        En,
        Field::Known,
    ),
    ("AD Activation client information", En, Field::Known),
    ("Token-based Activation information", En, Field::Known),
    ("Automatic VM Activation client information", En, Field::Known),
    ("最新激活信息", Zh, Field::Known),
    ("密钥管理服务客户端信息", Zh, Field::Client(ClientField::Seen)),
    ("已启用 KMS 主机缓存", Zh, Field::Client(ClientField::Caching(true))),
    // Unverified: the "enabled" line mirrored; no zh-CN output with caching off was found.
    ("已禁用 KMS 主机缓存", Zh, Field::Client(ClientField::Caching(false))),
    ("成功地激活了产品", Zh, Field::ActivatedOk),
];

/// What an `/xpr` line says about the product above it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Expiry {
    /// Activated until the date that follows (volume, time-based or automatic VM activation).
    Until,
    Permanent,
    /// Not activated; the grace period of this kind ends at the date that follows.
    GraceEnds(LicenseStatus),
    Notification,
    Unlicensed,
}

/// `/xpr` lines. Their dates hold colons, so they are matched before the label split.
const EXPIRATIONS: &[(&str, Lang, Expiry)] = &[
    ("Volume activation will expire", En, Expiry::Until),
    ("Timebased activation will expire", En, Expiry::Until),
    ("Automatic VM activation will expire", En, Expiry::Until),
    ("The machine is permanently activated", En, Expiry::Permanent),
    ("Windows is Activated for the lifespan of your device", En, Expiry::Permanent),
    ("Initial grace period ends", En, Expiry::GraceEnds(LicenseStatus::InitialGrace)),
    ("Additional grace period ends", En, Expiry::GraceEnds(LicenseStatus::AdditionalGrace)),
    ("Non-genuine grace period ends", En, Expiry::GraceEnds(LicenseStatus::NonGenuineGrace)),
    ("Windows is in Notification mode", En, Expiry::Notification),
    ("Extended grace period ends", En, Expiry::GraceEnds(LicenseStatus::ExtendedGrace)),
    // zh-CN: quoted from `slmgr /xpr` in several user posts and scripts ("批量激活将于 DATE 过期").
    ("批量激活将于", Zh, Expiry::Until),
    ("计算机已永久激活", Zh, Expiry::Permanent),
    ("Windows 处于通知模式", Zh, Expiry::Notification),
];

/// Session messages of `/ipk`, `/upk` and `/skms`, found inside a line: users paste popups into
/// prose ("弹出窗口提示：“成功的安装了产品密钥”"), and zh-CN copies spell 成功地 as 成功的.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Session<'a> {
    KeyChanged,
    /// `/skms`: the host (and port) now registered.
    KmsRegistered(&'a str),
    Activated,
}

const ACTIVATING: &[(&str, Lang)] = &[("Activating", En), ("正在激活", Zh)];

/// One trimmed, non-blank line, classified.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Line<'a> {
    Keyed {
        field: Field,
        lang: Lang,
        value: &'a str,
    },
    Expiration {
        lang: Lang,
        expiry: Expiry,
        /// The text after the phrase (its date).
        rest: &'a str,
        /// The product named before a colon on the same line (`/xpr ActID` pasted as one line).
        product: Option<&'a str>,
    },
    Session {
        lang: Lang,
        session: Session<'a>,
    },
    Activating {
        lang: Lang,
        rest: &'a str,
    },
    /// "… run 'slui.exe 0x2a 0xC004F074' to display the error text." on a line of its own.
    SluiFallback {
        code: Option<u32>,
    },
    /// Not a line this table knows; `value` is the text after a colon, if there is one.
    Unknown {
        value: &'a str,
    },
}

pub(super) fn classify(line: &str) -> Line<'_> {
    if let Some(expiration) = expiration(line, None) {
        return expiration;
    }
    // `/xpr` prints a bare "Unlicensed" under the product name.
    if loose_eq(line, "Unlicensed") {
        return Line::Expiration { lang: En, expiry: Expiry::Unlicensed, rest: "", product: None };
    }
    if let Some(session) = session(line) {
        return session;
    }
    for &(prefix, lang) in ACTIVATING {
        if let Some(rest) = strip_prefix_loose(line, prefix) {
            return Line::Activating { lang, rest };
        }
    }
    let sentence = line.trim_end_matches(['.', '。', ':', '：']);
    if let Some(&(_, lang, field)) = PHRASES.iter().find(|(phrase, _, _)| loose_eq(sentence, phrase)) {
        return Line::Keyed { field, lang, value: "" };
    }
    let split = split_label(line);
    if let Some((label, value)) = split
        && let Some(&(_, lang, field)) = LABELS.iter().find(|(name, _, _)| loose_eq(label, name))
    {
        return Line::Keyed { field, lang, value };
    }
    if let Some((label, value)) = split
        && let Some(expiration) = expiration(value, Some(label))
    {
        return expiration;
    }
    if let Some((_, after)) = line.split_once("slui.exe 0x2a") {
        return Line::SluiFallback { code: super::values::hex_code(after) };
    }
    Line::Unknown { value: split.map_or(line, |(_, value)| value) }
}

fn expiration<'a>(text: &'a str, product: Option<&'a str>) -> Option<Line<'a>> {
    EXPIRATIONS.iter().find_map(|&(prefix, lang, expiry)| {
        let rest = strip_prefix_loose(text, prefix)?;
        Some(Line::Expiration { lang, expiry, rest, product: product.filter(|p| !p.is_empty()) })
    })
}

const KEY_CHANGED: &[(&str, Lang)] = &[
    ("Installed product key", En),
    ("Uninstalled product key", En),
    ("Product key uninstalled successfully", En),
    ("安装了产品密钥", Zh),
    ("卸载了产品密钥", Zh),
];

fn session(line: &str) -> Option<Line<'_>> {
    let lower = line.to_ascii_lowercase();
    if let Some(at) = lower.find("key management service machine name set to ") {
        let rest = line.get(at + "key management service machine name set to ".len()..)?;
        let host = rest.split_whitespace().next()?.trim_end_matches(['.', ',']);
        return Some(Line::Session { lang: En, session: Session::KmsRegistered(host) });
    }
    if line.contains("密钥管理服务计算机名")
        && let Some((_, rest)) = line.split_once("设置为")
    {
        let host = rest.trim_start().split(|c: char| c.is_whitespace() || "”\"'。，,」）)".contains(c)).next()?;
        return (!host.is_empty()).then_some(Line::Session { lang: Zh, session: Session::KmsRegistered(host) });
    }
    if ["成功地激活了产品", "成功的激活了产品"].iter().any(|p| line.contains(p)) {
        return Some(Line::Session { lang: Zh, session: Session::Activated });
    }
    let changed = KEY_CHANGED.iter().find(|(p, _)| {
        if p.is_ascii() {
            lower.starts_with(&p.to_ascii_lowercase()) && lower.contains("successfully")
        } else {
            line.contains(p) && line.contains("成功")
        }
    });
    changed.map(|&(_, lang)| Line::Session { lang, session: Session::KeyChanged })
}

/// Splits at the first colon: values hold colons of their own ("kms01:1688", URLs, times).
fn split_label(line: &str) -> Option<(&str, &str)> {
    let at = line.find([':', '：'])?;
    let (label, rest) = line.split_at(at);
    let colon = rest.chars().next()?.len_utf8();
    Some((label.trim(), rest.get(colon..)?.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_with_either_colon_and_any_spacing() {
        assert_eq!(
            classify("扩展 PID： 03612-03413"),
            Line::Keyed { field: Field::ExtendedPid, lang: Zh, value: "03612-03413" }
        );
        assert_eq!(
            classify("KMS machine name from DNS: kms01.contoso.com:1688"),
            Line::Keyed { field: Field::Client(ClientField::FromDns), lang: En, value: "kms01.contoso.com:1688" }
        );
        assert_eq!(
            classify("License  Status :Licensed"),
            Line::Keyed { field: Field::LicenseStatus, lang: En, value: "Licensed" }
        );
    }

    #[test]
    fn whole_line_forms_win_over_the_colon_split() {
        assert_eq!(
            classify("Volume activation will expire 4/11/2024 9:12:45 AM"),
            Line::Expiration { lang: En, expiry: Expiry::Until, rest: " 4/11/2024 9:12:45 AM", product: None }
        );
        assert_eq!(
            classify("Office 16, Office16VisioProR_Retail edition:Windows处于通知模式"),
            Line::Expiration {
                lang: Zh,
                expiry: Expiry::Notification,
                rest: "",
                product: Some("Office 16, Office16VisioProR_Retail edition")
            }
        );
        assert_eq!(
            classify("4. `slmgr /skms zh.us.to` 弹出窗口提示：“密钥管理服务计算机名成功的设置为zh.us.to”"),
            Line::Session { lang: Zh, session: Session::KmsRegistered("zh.us.to") }
        );
        assert_eq!(
            classify("Key Management Service machine name set to kms.shuax.com successfully."),
            Line::Session { lang: En, session: Session::KmsRegistered("kms.shuax.com") }
        );
        assert_eq!(
            classify("This license is not in use."),
            Line::Keyed { field: Field::NotInUse, lang: En, value: "" }
        );
        assert_eq!(
            classify("Most recent activation information:"),
            Line::Keyed { field: Field::Known, lang: En, value: "" }
        );
        assert_eq!(
            classify("Activating Windows(R), Enterprise edition (7311-11) ..."),
            Line::Activating { lang: En, rest: " Windows(R), Enterprise edition (7311-11) ..." }
        );
        assert_eq!(
            classify("run 'slui.exe 0x2a 0xC004F069' to display the error text."),
            Line::SluiFallback { code: Some(0xC004_F069) }
        );
        assert_eq!(classify("Windows(R), Enterprise edition:"), Line::Unknown { value: "" });
    }
}
