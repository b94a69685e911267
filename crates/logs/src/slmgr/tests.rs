//! slmgr output as users save it: the commands' real English layout (slmgr.vbs `LineOut` order),
//! the zh-CN sample from a user's post, each encoding a shell writes, and junk named `.txt`.

use encoding_rs::GBK;
use proptest::prelude::*;

use super::*;
use crate::time::Timestamp;

const BANNER: &str = "Microsoft (R) Windows Script Host Version 5.812\n\
Copyright (C) Microsoft Corporation. All rights reserved.\n\n";

const DLV_KMS_CLIENT_FROM_DNS: &str = "\
Software licensing service version: 10.0.19041.3636

Name: Windows(R), Enterprise edition
Description: Windows(R) Operating System, VOLUME_KMSCLIENT channel
Activation ID: 73111121-5638-40f6-bc11-f1d7b0d64300
Application ID: 55c92734-d682-4d71-983e-d6ec3f16059f
Extended PID: 03612-03311-000-000000-03-1033-19041.0000-2832023
Product Key Channel: Volume:GVLK
Installation ID: 437613584205717130842316509274150638741196530875412367295
Partial Product Key: 2YT43
License Status: Licensed
Volume activation expiration: 259110 minute(s) (180 day(s))
Remaining Windows rearm count: 1001
Remaining SKU rearm count: 1001
Trusted time: 10/14/2023 9:12:45 AM
Configured Activation Type: All

Most recent activation information:
Key Management Service client information
    Client Machine ID (CMID): 6e0f8f6c-2d0c-4d2a-9f5e-1b0d0e5d4c3a
    KMS machine name from DNS: kms01.contoso.com:1688
    KMS machine IP address: 10.0.0.5
    KMS machine extended PID: 06401-00206-551-123456-03-1033-17763.0000-2902023
    Activation interval: 120 minutes
    Renewal interval: 10080 minutes
    KMS host caching is enabled

";

const DLI_REGISTERED_KMS: &str = "
Name: Windows(R), ServerStandard edition
Description: Windows(R) Operating System, VOLUME_KMSCLIENT channel
Partial Product Key: WMDGN
License Status: Licensed
Volume activation expiration: 43200 minute(s) (30 day(s))
Configured Activation Type: All

Most recent activation information:
Key Management Service client information
    Client Machine ID (CMID): 9b2d1c1e-77a4-4bd6-9a3f-0c5e2f1d8a11
    Registered KMS SRV record lookup domain: corp.example
    Registered KMS machine name: kms.corp.example:1688
    KMS machine IP address: not available
    KMS machine extended PID: 06401-00206-271-298329-03-1033-9600.0000-0452015
    Activation interval: 120 minutes
    Renewal interval: 10080 minutes
    KMS host caching is disabled

Warning: /skms setting overrides the /skms-domain setting. kms.corp.example:1688 will be used for activation.
";

const DLI_NOTIFICATION: &str = "
Name: Windows(R), Professional edition
Description: Windows(R) Operating System, VOLUME_KMSCLIENT channel
Partial Product Key: T83GX
License Status: Notification
Notification Reason: 0xC004F056.
Configured Activation Type: All
Please use slmgr.vbs /ato to activate and update KMS client information in order to update values.

";

const ATO_KMS_UNREACHABLE: &str = "Activating Windows(R), Enterprise edition (73111121-5638-40f6-bc11-f1d7b0d64300) ...
Error: 0xC004F074 The Software Licensing Service reported that the computer could not be activated. No Key Management Service (KMS) could be contacted. Please see the Application Event Log for additional information.
";

const ATO_OK: &str = "Activating Windows(R), Enterprise edition (73111121-5638-40f6-bc11-f1d7b0d64300) ...
Product activated successfully.
";

const DLV_KMS_HOST: &str = "Software licensing service version: 10.0.17763.5122

Name: Windows(R), ServerStandard edition
Description: Windows(R) Operating System, VOLUME_KMS_WS19 channel
Activation ID: 8de8eb62-bbe0-40ac-ac17-f75595071ea3
Application ID: 55c92734-d682-4d71-983e-d6ec3f16059f
Extended PID: 06401-00206-558-012345-03-1033-17763.0000-2902023
Product Key Channel: Volume:CSVLK
Installation ID: 017212343221512498744012958475102846362911574306913453789
Use License URL: https://activation-v2.sls.microsoft.com/SLActivateProduct/SLActivateProduct.asmx?configextension=Retail
Validation URL: https://validation-v2.sls.microsoft.com/SLWGA/slwga.asmx
Partial Product Key: 8XDDG
License Status: Licensed
Remaining Windows rearm count: 1000
Remaining SKU rearm count: 1000
Trusted time: 3/2/2024 10:03:11 AM

Key Management Service is enabled on this machine
    Current count: 12
    Listening on Port: 1688
    DNS publishing enabled
    KMS priority: Normal

Key Management Service cumulative requests received from clients
    Total requests received: 3480
    Failed requests received: 16
    Requests with License Status Unlicensed: 0
    Requests with License Status Licensed: 3402
    Requests with License Status Initial grace period: 62
    Requests with License Status License expired or Hardware out of tolerance: 0
    Requests with License Status Non-genuine grace period: 0
    Requests with License Status Notification: 16

";

const DLV_ALL_NOT_IN_USE: &str = "
Name: Office 16, Office16ProPlusVL_MAK edition
Description: Office 16, VOLUME_MAK channel
Activation ID: d450596f-894d-49e0-966a-fd39ed4c4c64
Application ID: 0ff1ce15-a989-479d-af46-f275c6370663
Extended PID:
Product Key Channel:
Installation ID:
Processor Certificate URL: http://go.microsoft.com/fwlink/?LinkID=88342
Machine Certificate URL: http://go.microsoft.com/fwlink/?LinkID=88343
Use License URL: http://go.microsoft.com/fwlink/?LinkID=88345
Product Key Certificate URL: http://go.microsoft.com/fwlink/?LinkID=88344
This license is not in use.
License Status: Unlicensed
Remaining App rearm count: 5
Remaining SKU rearm count: 5

Name: Office 16, Office16ProPlusVL_KMS_Client edition
Description: Office 16, VOLUME_KMSCLIENT channel
Partial Product Key: WFG99
License Status: Initial grace period
Time remaining: 43200 minute(s) (30 day(s))
Remaining App rearm count: 5
Remaining SKU rearm count: 5
";

const XPR: &str = "Windows(R), Enterprise edition:
    Volume activation will expire 4/11/2024 9:12:45 AM
Windows(R), Professional edition:
    The machine is permanently activated.
Windows(R), Education edition:
    Windows is in Notification mode
";

/// The zh-CN sample (activation-facts §4.3), masked values filled in; colons as the user had them.
const ZH_DLV: &str = "Microsoft (R) Windows Script Host Version 5.812
版权所有(C) Microsoft Corporation。保留所有权利。

软件授权服务器版本：10.0.17763.1039

名称: Windows(R), EnterpriseS edition
描述: Windows(R) Operating System, VOLUME-KMSCLIENT channel 
激活 ID: 32d2fab3-e4a8-42c2-923b-4bf4fd13e6ee
应用程序 ID: 55c92734-d682-4d71-983e-d6ec3f16059f 
扩展 PID： 03612-03413-000-000000-03-2052-17763.0000-0582020
产品密钥通道: Volume:GVLK
安装 ID： 214635917286034521873604126359812702613455813297145390
部分产品密钥: J462D 
许可证状态: 已授权
批量激活过期: 259197 分钟(180天）
剩余 Windows 重置计数: 1001 
剩余 SKU 重置计数: 1001 
信任时间:2020/2/27 11:48:43 
已配置的激活类型：全部

最新激活信息
密钥管理服务客户端信息
    客户端计算机 ID (CMID): 4a6f1c2e-5b3d-4e8f-9a0b-1c2d3e4f5a6b
    来自 DNS 的 KMS 计算机名称: kms.vircloud.net:1688
    KMS 计算机 IP 地址: 192.168.100.1
    KMS 计算扩展的 PID: 06401-00206-271-395032-03-2052-9600.0000-0522017
    激活时间间隔: 120 分钟 
    续订间隔：10080 分钟
    已启用 KMS 主机缓存
";

const ZH_ATO_ERROR: &str = "正在激活 Windows(R), EnterpriseS edition (32d2fab3-e4a8-42c2-923b-4bf4fd13e6ee)...
错误：0xC004F074 软件授权服务报告无法激活计算机。无法联系任何密钥管理服务(KMS)。有关其他信息，请参阅应用程序事件日志。
";

fn parsed(text: &str) -> SlmgrReport {
    parse(text.as_bytes()).unwrap_or_else(|error| panic!("{error}\n{text}"))
}

fn not_slmgr(bytes: &[u8]) -> (String, usize) {
    match parse(bytes) {
        Err(SlmgrError::NotSlmgr { why, offset }) => (why, offset),
        Ok(report) => panic!("parsed as slmgr: {report:?}"),
    }
}

fn utf16_with_bom(text: &str, big_endian: bool) -> Vec<u8> {
    let bom = if big_endian { [0xFE, 0xFF] } else { [0xFF, 0xFE] };
    let units = text.encode_utf16().flat_map(|u| if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
    bom.into_iter().chain(units).collect()
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = GBK.encode(text);
    assert!(!unmappable, "sample must be GBK-encodable");
    bytes.into_owned()
}

fn only_product(report: &SlmgrReport) -> &SlmgrProduct {
    assert_eq!(report.products.len(), 1, "{report:#?}");
    &report.products[0]
}

#[test]
fn kms_client_licensed_through_dns() {
    let text = format!("{BANNER}{DLV_KMS_CLIENT_FROM_DNS}").replace('\n', "\r\n");
    let report = parsed(&text);
    assert_eq!((report.language.as_str(), report.encoding.as_str()), ("en", "utf-8"));
    assert_eq!(report.service_version.as_deref(), Some("10.0.19041.3636"));
    let product = only_product(&report);
    assert_eq!(product.line, 6);
    assert_eq!(product.name.as_deref(), Some("Windows(R), Enterprise edition"));
    assert_eq!(product.channel.as_deref(), Some("VOLUME_KMSCLIENT"));
    assert_eq!(product.activation_id.as_deref(), Some("73111121-5638-40f6-bc11-f1d7b0d64300"));
    assert_eq!(product.application_id.as_deref(), Some("55c92734-d682-4d71-983e-d6ec3f16059f"));
    assert_eq!(product.extended_pid.as_deref(), Some("03612-03311-000-000000-03-1033-19041.0000-2832023"));
    assert_eq!(product.partial_product_key.as_deref(), Some("2YT43"));
    assert_eq!(product.license_status, Some(LicenseStatus::Licensed));
    assert_eq!(product.minutes_left, Some(259_110));
    assert_eq!(product.remaining_rearm_count, Some(1001));
    let expected = KmsClientInfo {
        cmid: Some("6e0f8f6c-2d0c-4d2a-9f5e-1b0d0e5d4c3a".into()),
        registered: None,
        from_dns: Some("kms01.contoso.com:1688".into()),
        ip_address: Some("10.0.0.5".into()),
        extended_pid: Some("06401-00206-551-123456-03-1033-17763.0000-2902023".into()),
        activation_interval_minutes: Some(120),
        renewal_interval_minutes: Some(10080),
        host_caching: Some(true),
    };
    assert_eq!(product.kms_client.as_ref(), Some(&expected));
    assert!(report.kms_host.is_none() && report.activations.is_empty() && report.expirations.is_empty());
}

#[test]
fn kms_host_set_with_skms() {
    let report = parsed(DLI_REGISTERED_KMS);
    let client = only_product(&report).kms_client.clone().unwrap_or_default();
    assert_eq!(client.registered.as_deref(), Some("kms.corp.example:1688"));
    assert_eq!(client.from_dns, None);
    assert_eq!(client.ip_address, None, "\"not available\" is no address");
    assert_eq!(client.host_caching, Some(false));
    assert_eq!(only_product(&report).minutes_left, Some(43_200));
}

#[test]
fn notification_with_its_reason() {
    let product = parsed(DLI_NOTIFICATION).products.remove(0);
    assert_eq!(product.license_status, Some(LicenseStatus::Notification));
    assert_eq!(product.notification_reason, Some(0xC004_F056));
    assert_eq!(product.kms_client, None);
}

#[test]
fn activation_failing_with_no_kms_reachable() {
    let report = parsed(ATO_KMS_UNREACHABLE);
    assert_eq!(
        report.activations,
        [ActivationAttempt {
            line: 1,
            product: Some("Windows(R), Enterprise edition".into()),
            activation_id: Some("73111121-5638-40f6-bc11-f1d7b0d64300".into()),
            error: Some(0xC004_F074),
            message: Some(
                "The Software Licensing Service reported that the computer could not be activated. No Key \
                 Management Service (KMS) could be contacted. Please see the Application Event Log for additional \
                 information."
                    .into()
            ),
            succeeded: false,
        }]
    );
    assert!(report.products.is_empty());
}

#[test]
fn activation_that_worked() {
    let attempt = parsed(ATO_OK).activations.remove(0);
    assert!(attempt.succeeded);
    assert_eq!((attempt.error, attempt.message), (None, None));
}

#[test]
fn errors_without_activating_and_the_slui_hint() {
    let report = parsed(
        "Error: 0xC004F069 On a computer running Microsoft Windows non-core edition, run 'slui.exe 0x2a 0xC004F069' \
         to display the error text.",
    );
    assert_eq!(report.activations[0].error, Some(0xC004_F069));
    assert_eq!(report.activations[0].product, None);
    // The console wrapped the error line before the hint.
    let report = parsed(
        "Activating Windows(R), Professional edition (2de67392-b7a7-462a-b1ca-108dd189f588) ...\nError: 0xC004F069\n\
         On a computer running Microsoft Windows non-core edition, run 'slui.exe 0x2a 0xC004F069' to display the error text.",
    );
    assert_eq!(report.activations.len(), 1);
    assert!(report.activations[0].message.as_deref().is_some_and(|m| m.contains("slui.exe")));
    // A lone error line pasted from a popup, whatever its code, is a failed attempt.
    let report = parsed("Error: 0x8007232B DNS name does not exist.");
    assert_eq!(
        (report.activations[0].error, report.activations[0].message.as_deref()),
        (Some(0x8007_232B), Some("DNS name does not exist."))
    );
    // A line that merely mentions an error is not.
    assert_eq!(not_slmgr(b"Build failed; see error log 42").0, "no slmgr labels found");
}

#[test]
fn kms_host_with_twelve_clients_counted() {
    let report = parsed(DLV_KMS_HOST);
    let expected = KmsHostStatus {
        current_count: Some(12),
        listening_port: Some(1688),
        dns_publishing: Some(true),
        low_priority: Some(false),
        total_requests: Some(3480),
        failed_requests: Some(16),
    };
    assert_eq!(report.kms_host, Some(expected));
    assert_eq!(only_product(&report).channel.as_deref(), Some("VOLUME_KMS_WS19"));
}

#[test]
fn header_lines_alone_open_their_blocks() {
    let report =
        parsed("Key Management Service is enabled on this machine\nKey Management Service client information\n");
    assert_eq!(report.kms_host, Some(KmsHostStatus::default()));
    assert_eq!(only_product(&report).kms_client, Some(KmsClientInfo::default()));
    let report = parsed("密钥管理服务客户端信息\n    已启用 KMS 主机缓存\n");
    assert_eq!(only_product(&report).kms_client.as_ref().and_then(|c| c.host_caching), Some(true));
}

#[test]
fn licenses_not_in_use_are_still_listed() {
    let report = parsed(DLV_ALL_NOT_IN_USE);
    assert_eq!(report.products.len(), 2);
    let (mak, kms) = (&report.products[0], &report.products[1]);
    assert!(mak.not_in_use && !kms.not_in_use);
    assert_eq!((mak.line, kms.line), (2, 18));
    assert_eq!(mak.partial_product_key, None);
    assert_eq!(mak.extended_pid, None);
    assert_eq!(mak.license_status, Some(LicenseStatus::Unlicensed));
    assert_eq!(mak.remaining_rearm_count, Some(5));
    assert_eq!(kms.license_status, Some(LicenseStatus::InitialGrace));
    assert_eq!(kms.minutes_left, Some(43_200));
}

#[test]
fn expirations_as_printed() {
    let report = parsed(XPR);
    assert_eq!(
        report.expirations,
        [
            "Volume activation will expire 4/11/2024 9:12:45 AM",
            "The machine is permanently activated.",
            "Windows is in Notification mode"
        ]
    );
    // One product per "Name edition:" line, with what /xpr says of it.
    let read: Vec<_> = report
        .products
        .iter()
        .map(|p| {
            (p.name.as_deref().unwrap_or(""), p.license_status, p.permanent, p.expires_at.map(Timestamp::to_rfc3339))
        })
        .collect();
    assert_eq!(
        read,
        [
            (
                "Windows(R), Enterprise edition",
                Some(LicenseStatus::Licensed),
                false,
                Some("2024-04-11T09:12:45Z".into())
            ),
            ("Windows(R), Professional edition", Some(LicenseStatus::Licensed), true, None),
            ("Windows(R), Education edition", Some(LicenseStatus::Notification), false, None),
        ]
    );
}

fn assert_zh_sample(report: &SlmgrReport, encoding: &str) {
    assert_eq!((report.language.as_str(), report.encoding.as_str()), ("zh-CN", encoding));
    assert_eq!(report.service_version.as_deref(), Some("10.0.17763.1039"));
    let product = only_product(report);
    assert_eq!(product.line, 6);
    assert_eq!(product.name.as_deref(), Some("Windows(R), EnterpriseS edition"));
    assert_eq!(product.channel.as_deref(), Some("VOLUME_KMSCLIENT"));
    assert_eq!(product.extended_pid.as_deref(), Some("03612-03413-000-000000-03-2052-17763.0000-0582020"));
    assert_eq!(product.partial_product_key.as_deref(), Some("J462D"));
    assert_eq!(product.license_status, Some(LicenseStatus::Licensed));
    assert_eq!(product.minutes_left, Some(259_197));
    assert_eq!(product.remaining_rearm_count, Some(1001));
    let client = product.kms_client.clone().unwrap_or_default();
    assert_eq!(client.cmid.as_deref(), Some("4a6f1c2e-5b3d-4e8f-9a0b-1c2d3e4f5a6b"));
    assert_eq!(client.from_dns.as_deref(), Some("kms.vircloud.net:1688"));
    assert_eq!(client.ip_address.as_deref(), Some("192.168.100.1"));
    assert_eq!(client.activation_interval_minutes, Some(120));
    assert_eq!(client.renewal_interval_minutes, Some(10080));
    assert_eq!(client.host_caching, Some(true));
}

#[test]
fn zh_cn_sample_in_every_encoding() {
    assert_zh_sample(&parsed(ZH_DLV), "utf-8");
    assert_zh_sample(&parse(format!("\u{FEFF}{ZH_DLV}").as_bytes()).unwrap(), "utf-8");
    assert_zh_sample(&parse(&utf16_with_bom(&ZH_DLV.replace('\n', "\r\n"), false)).unwrap(), "utf-16le");
    assert_zh_sample(&parse(&utf16_with_bom(ZH_DLV, true)).unwrap(), "utf-16be");
    assert_zh_sample(&parse(&gbk(&ZH_DLV.replace('\n', "\r\n"))).unwrap(), "gbk");
}

#[test]
fn zh_cn_activation_error_with_full_width_colon() {
    for bytes in [ZH_ATO_ERROR.as_bytes().to_vec(), gbk(ZH_ATO_ERROR), utf16_with_bom(ZH_ATO_ERROR, false)] {
        let report = parse(&bytes).unwrap();
        assert_eq!(report.language, "zh-CN");
        let attempt = &report.activations[0];
        assert_eq!(attempt.product.as_deref(), Some("Windows(R), EnterpriseS edition"));
        assert_eq!(attempt.error, Some(0xC004_F074));
        assert!(attempt.message.as_deref().is_some_and(|m| m.starts_with("软件授权服务报告无法激活计算机")));
    }
}

#[test]
fn zh_cn_activation_with_the_id_wrapped_onto_its_own_line() {
    let report = parsed("\n正在激活 Windows(R), EnterpriseS edition\n(*-*-*-*-*)...\n成功地激活了产品\n");
    let attempt = &report.activations[0];
    assert_eq!(
        (attempt.line, attempt.product.as_deref(), attempt.succeeded),
        (2, Some("Windows(R), EnterpriseS edition"), true)
    );
}

#[test]
fn zh_cn_xpr_lines() {
    let report =
        parsed("Windows(R), EnterpriseS edition:\n    批量激活将于 2027/2/4 17:50:22 过期\n计算机已永久激活。\n");
    assert_eq!(report.expirations, ["批量激活将于 2027/2/4 17:50:22 过期", "计算机已永久激活。"]);
    assert_eq!(report.language, "zh-CN");
}

#[test]
fn zh_cn_notification_reason_follows_the_status_line_whatever_its_label() {
    let report = parsed("名称: Windows(R), Professional edition\n许可证状态: 通知\n通知原因: 0xC004F056。\n");
    assert_eq!(only_product(&report).notification_reason, Some(0xC004_F056));
    let report =
        parsed("名称: Windows(R), Professional edition\n许可证状态：初始宽限期\n剩余时间: 43200 分钟(30 天)\n");
    assert_eq!(only_product(&report).minutes_left, Some(43_200));
}

#[test]
fn several_commands_in_one_file_with_mixed_line_ends_and_trailing_spaces() {
    let text = format!("{BANNER}{DLV_KMS_CLIENT_FROM_DNS}{ATO_OK}{XPR}")
        .lines()
        .enumerate()
        .map(|(i, line)| if i % 2 == 0 { format!("{line}   \r\n") } else { format!("{line}\t\n") })
        .collect::<String>();
    let report = parsed(&text);
    // The /dli product, which /xpr names again, then the two other /xpr products.
    assert_eq!(report.products.len(), 3);
    assert_eq!(report.products[0].minutes_left, Some(259_110));
    assert!(report.products[0].expires_at.is_some());
    assert_eq!(report.activations.len(), 1);
    assert_eq!(report.expirations.len(), 3);
}

#[test]
fn long_lines_and_large_files() {
    let long = format!("Name: {}\nLicense Status: Licensed\n{}\n", "x".repeat(1 << 20), ":".repeat(1 << 20));
    let report = parsed(&long);
    assert_eq!(report.products[0].name.as_ref().map(String::len), Some(1 << 20));
    let many = DLV_KMS_CLIENT_FROM_DNS.repeat(20_000);
    let report = parsed(&many);
    assert_eq!(report.products.len(), 20_000);
    let block_lines = DLV_KMS_CLIENT_FROM_DNS.matches('\n').count();
    assert_eq!(report.products[19_999].line, 19_999 * block_lines + 3);
}

#[test]
fn text_with_no_slmgr_line_is_refused() {
    assert_eq!(not_slmgr(b""), ("no slmgr labels found".to_string(), 0));
    assert_eq!(not_slmgr(b"name: actdoc\ndescription: a YAML file\n").0, "no slmgr labels found");
    assert_eq!(not_slmgr("Hello, 世界".as_bytes()).0, "no slmgr labels found");
}

#[test]
fn binary_junk_named_txt_is_refused_where_it_stops_being_text() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let mut seed = 0x2545_F491_u32;
    png.extend((0..4096).map(|_| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed.to_le_bytes()[0]
    }));
    let (why, offset) = not_slmgr(&png);
    assert_eq!(offset, 6, "{why}");
    assert!(why.contains("U+001A"), "{why}");
    let (why, offset) = not_slmgr(b"License Status: Licensed\r\n\0\0\0\x01");
    assert_eq!((why.contains("NUL"), offset), (true, 26));
    // Text with a bad byte is still text: read, then judged by its labels.
    let error = parse(b"Name: x\n\xFF\xFE\xFD").unwrap_err();
    assert_eq!(error.to_string(), "not slmgr output: no slmgr labels found (byte offset 0)");
    let report = parse(b"Name: Windows\nLicense Status: Licensed\n\xFF\xFE\xFD\nPartial Product Key: W269N\n").unwrap();
    assert_eq!(report.products[0].partial_product_key.as_deref(), Some("W269N"), "the good lines around it are read");
}

#[test]
fn pasted_strings_are_checked_like_files() {
    assert_eq!(parse_str(DLI_NOTIFICATION).map(|r| r.products.len()), Ok(1));
    assert!(matches!(parse_str("License Status: Licensed\u{7}"), Err(SlmgrError::NotSlmgr { offset: 24, .. })));
}

/// Labels slmgr prints, to steer arbitrary input into every branch of the reader.
const SOME_LABELS: &[&str] = &[
    "Name",
    "Description",
    "License Status",
    "Notification Reason",
    "Volume activation expiration",
    "Client Machine ID (CMID)",
    "Registered KMS machine name",
    "Listening on Port",
    "Current count",
    "Error",
    "错误",
    "许可证状态",
    "批量激活过期",
    "Activating",
    "正在激活",
    "Volume activation will expire",
    "Product activated successfully.",
    "This license is not in use.",
];

const STATUSES: &[(&str, LicenseStatus)] = &[
    ("Licensed", LicenseStatus::Licensed),
    ("Unlicensed", LicenseStatus::Unlicensed),
    ("Initial grace period", LicenseStatus::InitialGrace),
    ("Additional grace period (KMS license expired or hardware out of tolerance)", LicenseStatus::AdditionalGrace),
    ("Non-genuine grace period.", LicenseStatus::NonGenuineGrace),
    ("Notification", LicenseStatus::Notification),
    ("Extended grace period", LicenseStatus::ExtendedGrace),
    ("已授权", LicenseStatus::Licensed),
    ("未授权", LicenseStatus::Unlicensed),
    ("通知", LicenseStatus::Notification),
    ("Something new", LicenseStatus::Unknown),
];

proptest! {
    // Failing inputs are printed; a regressions file would land outside this module's folder.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse(&bytes);
        let mut with_bom = vec![0xFF, 0xFE];
        with_bom.extend(&bytes);
        let _ = parse(&with_bom);
    }

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        let _ = parse(text.as_bytes());
        let _ = parse_str(&text);
        let _ = parse(&utf16_with_bom(&text, true));
    }

    #[test]
    fn arbitrary_values_after_real_labels_never_panic(
        lines in proptest::collection::vec((proptest::sample::select(SOME_LABELS), any::<String>()), 0..24),
        colon in proptest::sample::select(&[":", "：", " ", ""][..]),
    ) {
        let text: String = lines.iter().flat_map(|(label, value)| [*label, colon, value.as_str(), "\n"]).collect();
        let _ = parse(text.as_bytes());
    }

    #[test]
    fn a_generated_dli_block_round_trips_cmid_and_status(
        cmid in "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        (status_text, status) in proptest::sample::select(STATUSES),
        chinese in any::<bool>(),
        full_width in any::<bool>(),
        crlf in any::<bool>(),
        trailing in "[ \t]{0,3}",
        encoding in 0..3_u8,
    ) {
        let colon = if full_width { "：" } else { ":" };
        let [name, status_label, client, cmid_label] = if chinese {
            ["名称", "许可证状态", "密钥管理服务客户端信息", "客户端计算机 ID (CMID)"]
        } else {
            ["Name", "License Status", "Key Management Service client information", "Client Machine ID (CMID)"]
        };
        let eol = if crlf { "\r\n" } else { "\n" };
        let text = [
            String::new(),
            format!("{name}{colon} Windows(R), Enterprise edition{trailing}"),
            format!("Description{colon} Windows(R) Operating System, VOLUME_KMSCLIENT channel"),
            format!("{status_label}{colon} {status_text}{trailing}"),
            String::new(),
            client.to_string(),
            format!("    {cmid_label}{colon} {cmid}{trailing}"),
        ]
        .join(eol);
        // GBK files come from zh-CN Windows, whose labels are Chinese: a GBK "通知" alone among
        // ASCII is also valid UTF-8 and would rightly be read as UTF-8.
        let bytes = match (encoding, chinese) {
            (0, _) => text.clone().into_bytes(),
            (1, _) => utf16_with_bom(&text, false),
            (_, true) => gbk(&text),
            (_, false) => utf16_with_bom(&text, true),
        };
        let report = parse(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let product = only_product(&report);
        prop_assert_eq!(product.line, 2);
        prop_assert_eq!(product.license_status, Some(status));
        prop_assert_eq!(product.kms_client.as_ref().and_then(|c| c.cmid.as_deref()), Some(cmid.as_str()));
    }
}
