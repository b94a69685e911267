//! The sentences of the scan's findings, in each language. Explanations of codes come from the
//! knowledge base; these are the titles and the explanations of findings that are not one code.

use actdoc_core::Lang;

pub(crate) struct Texts {
    pub activation_failed: fn(&str, &str, &str) -> String,
    pub behind_catch_all: fn(&str) -> String,
    pub earlier_failure: fn(&str, &str) -> String,
    pub cloned_cmid: fn(&str, &[String]) -> String,
    pub cloned_cmid_explanation: fn(usize) -> String,
    pub cloned_cmid_steps: [&'static str; 3],
    pub below_threshold: fn(&str, usize, u32) -> String,
    pub host_rejected: fn(&str, usize, &str) -> String,
    pub dns_publishing_failed: fn(&str, &str) -> String,
    pub not_seen: fn(&str, &str, &str) -> String,
    pub not_seen_explanation: fn(&str) -> String,
}

pub(crate) fn texts(lang: Lang) -> Texts {
    match lang {
        Lang::En => Texts {
            activation_failed: |m, code, name| format!("{m}: activation fails with {code} {name}"),
            behind_catch_all: |shown| format!(" (reported as {shown}; this is the real error)"),
            earlier_failure: |m, code| format!("{m}: earlier failures with {code}"),
            cloned_cmid: |cmid, names| {
                format!("CMID {cmid} is shared by {} machines: {}", names.len(), names.join(", "))
            },
            cloned_cmid_explanation: |n| {
                format!(
                    "{n} machines report the same Client Machine ID. They were cloned from an image that was not generalized with sysprep, so a KMS host counts them as one machine: its count cannot grow and clients stay below the activation threshold (0xC004F038)."
                )
            },
            cloned_cmid_steps: [
                "Generalize the image before cloning: `sysprep /generalize /oobe` (it resets the CMID).",
                "On machines already deployed, run `slmgr /rearm` and restart to get a new CMID (this uses one rearm; `slmgr /dlv` shows how many are left), then `slmgr /ato`.",
                "Check the result on the KMS host: `slmgr /dli` shows the current count; `actdoc scan` on its Key Management Service log counts unique CMIDs.",
            ],
            below_threshold: |host, seen, threshold| {
                format!("KMS host {host}: {seen} unique machines in 30 days, threshold {threshold}")
            },
            host_rejected: |host, n, code| format!("KMS host {host} answered {n} request(s) with {code}"),
            dns_publishing_failed: |host, domain| format!("KMS host {host} could not publish itself in DNS ({domain})"),
            not_seen: |m, host, time| format!("{m}: the request of {time} never reached {host}"),
            not_seen_explanation: |host| {
                format!(
                    "The client logged a request to {host} (event 12288), and {host}'s own log covers that time, but it has no 12290 for this CMID within the 4-hour skew window. The request was lost on the way: a firewall or filter on TCP 1688, a stale DNS record pointing elsewhere, or a different host answering under that name."
                )
            },
        },
        Lang::ZhCn => Texts {
            activation_failed: |m, code, name| format!("{m}：激活失败，错误 {code} {name}"),
            behind_catch_all: |shown| format!("（界面显示为 {shown}；这是真实错误）"),
            earlier_failure: |m, code| format!("{m}：之前曾因 {code} 失败"),
            cloned_cmid: |cmid, names| format!("CMID {cmid} 被 {} 台计算机共用：{}", names.len(), names.join("、")),
            cloned_cmid_explanation: |n| {
                format!(
                    "{n} 台计算机报告了同一个客户端计算机 ID (CMID)。它们克隆自未用 sysprep 通用化的映像，KMS 主机只把它们算作一台计算机：计数无法增长，客户端一直达不到激活阈值（0xC004F038）。"
                )
            },
            cloned_cmid_steps: [
                "克隆前先通用化映像：`sysprep /generalize /oobe`（会重置 CMID）。",
                "对已部署的计算机运行 `slmgr /rearm` 并重启以获得新的 CMID（会消耗一次重置次数；`slmgr /dlv` 显示剩余次数），然后运行 `slmgr /ato`。",
                "在 KMS 主机上检查结果：`slmgr /dli` 显示当前计数；对其“密钥管理服务”日志运行 `actdoc scan` 可统计不同的 CMID。",
            ],
            below_threshold: |host, seen, threshold| {
                format!("KMS 主机 {host}：30 天内有 {seen} 台不同的计算机，阈值为 {threshold}")
            },
            host_rejected: |host, n, code| format!("KMS 主机 {host} 以 {code} 应答了 {n} 个请求"),
            dns_publishing_failed: |host, domain| format!("KMS 主机 {host} 无法在 DNS 中发布自己（{domain}）"),
            not_seen: |m, host, time| format!("{m}：{time} 的请求从未到达 {host}"),
            not_seen_explanation: |host| {
                format!(
                    "客户端记录了发往 {host} 的请求（事件 12288），{host} 自己的日志也覆盖了那个时间，却在 4 小时偏差窗口内没有该 CMID 的 12290 事件。请求在途中丢失：TCP 1688 被防火墙或过滤设备拦截、DNS 记录过时而指向别处，或者是另一台主机以该名称应答。"
                )
            },
        },
    }
}
