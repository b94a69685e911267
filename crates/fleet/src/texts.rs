//! The sentences of the scan's findings and notes, in each language. Explanations of codes come
//! from the knowledge base; these are the titles, and the explanations of findings that are not
//! one code.

use actdoc_core::Lang;

#[allow(clippy::type_complexity)] // a table of sentence builders, one field per sentence
pub(crate) struct Texts {
    pub activation_failed: fn(&str, &str, &str) -> String,
    pub behind_catch_all: fn(&str) -> String,
    pub no_answer: fn(&str, &str, &str) -> String,
    pub no_answer_explanation: fn(&str) -> String,
    pub not_activated: fn(&str, &str) -> String,
    pub not_activated_explanation: &'static str,
    pub expired: fn(&str, &str) -> String,
    pub expired_explanation: &'static str,
    pub earlier_failure: fn(&str, &str) -> String,
    pub count_refused: fn(&str, &str, Option<u32>, Option<u32>) -> String,
    pub renewal_failing: fn(&str, &str, &str) -> String,
    pub renewal_failing_explanation: fn(&str) -> String,
    pub expires_soon: fn(&str, u64, &str) -> String,
    pub expires_soon_explanation: &'static str,
    pub renew_steps: [&'static str; 3],
    pub history: fn(usize, &str, &str) -> String,
    pub activated_since: fn(&str) -> String,
    pub cloned_cmid: fn(&str, &[String], usize) -> String,
    pub cloned_cmid_explanation: fn(usize) -> String,
    pub cloned_cmid_steps: [&'static str; 3],
    pub below_threshold: fn(&str, usize, u32) -> String,
    pub host_rejected: fn(&str, usize, &str) -> String,
    pub dns_publishing_failed: fn(&str, &str) -> String,
    /// A doctor bundle's failed live check: machine, finding, what was checked, what was seen.
    pub check_failed: fn(&str, &str, &str, &str) -> String,
    pub check_failed_explanation: &'static str,
    pub not_seen: fn(&str, &str, &str, usize) -> String,
    pub not_seen_explanation: fn(&str) -> String,
    pub unknown_time: &'static str,
}

impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Texts")
    }
}

pub(crate) fn texts(lang: Lang) -> Texts {
    match lang {
        Lang::En => EN,
        Lang::ZhCn => ZH,
    }
}

const EN: Texts = Texts {
    activation_failed: |p, code, name| format!("{p}: activation fails with {code} {name}"),
    behind_catch_all: |shown| format!(" (reported as {shown}; this is the real error)"),
    no_answer: |p, host, time| format!("{p}: the request of {time} to {host} got no answer"),
    no_answer_explanation: |host| {
        format!(
            "The client logged a request to {host} (event 12288) and no response (event 12289) followed: the host was unreachable or its answer was lost. slmgr reports this as 0xC004F074."
        )
    },
    not_activated: |p, status| format!("{p}: not activated (licence status: {status})"),
    not_activated_explanation: "The licence is in notification or unlicensed: Windows or Office is not activated and shows activation reminders until it is.",
    expired: |p, date| format!("{p}: the KMS activation expired on {date}"),
    expired_explanation: "A KMS activation lasts 180 days and renews itself every 7 days while the client reaches its KMS host. This one ran out without a renewal.",
    earlier_failure: |p, code| format!("{p}: earlier failures with {code}"),
    count_refused: |p, host, count, needed| match (count, needed) {
        (Some(c), Some(n)) => format!("{p}: KMS host {host} has counted {c} machines; this product needs {n}"),
        _ => format!("{p}: KMS host {host} answered \"not activated\""),
    },
    renewal_failing: |p, since, expires| format!("{p}: renewal not answered since {since}; expires {expires}"),
    renewal_failing_explanation: |host| {
        format!(
            "The product is activated, but its renewals to {host} have failed or gone unanswered since then. A KMS activation lasts 180 days: unless a renewal succeeds before it expires, the product falls back to grace and then notification."
        )
    },
    expires_soon: |p, days, date| format!("{p}: the KMS activation expires in {days} days ({date})"),
    expires_soon_explanation: "A KMS client renews every 7 days; an activation this close to its end means renewals have not reached a KMS host for months.",
    renew_steps: [
        "Check that the client still reaches its KMS host: `actdoc check --kms <host>` (or `Test-NetConnection <host> -Port 1688`).",
        "Renew now: `slmgr /ato` on the client, then `slmgr /xpr` shows the new expiry date.",
        "If the host has changed, point the client at it: `slmgr /skms <host>:1688`, or fix the `_vlmcs._tcp` SRV record.",
    ],
    history: |n, from, to| {
        if from == to {
            format!("failed {n} times on {from}")
        } else {
            format!("failed {n} times between {from} and {to}")
        }
    },
    activated_since: |since| format!("; activated since {since}"),
    cloned_cmid: |cmid, names, total| {
        let more = if total > names.len() { format!(" and {} more", total - names.len()) } else { String::new() };
        format!("CMID {cmid} is shared by {total} machines: {}{more}", names.join(", "))
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
    check_failed: |m, finding, subject, seen| format!("{m}: live check {finding} failed for {subject}: {seen}"),
    check_failed_explanation: "`actdoc doctor` ran this check on the machine when it collected its bundle; the check \
        names no error code of its own.",
    not_seen: |m, host, time, n| {
        if n > 1 {
            format!("{m}: {n} requests never reached {host} (newest {time})")
        } else {
            format!("{m}: the request of {time} never reached {host}")
        }
    },
    not_seen_explanation: |host| {
        format!(
            "The client logged a request to {host} (event 12288), and {host}'s own log covers that time, but it has no 12290 for this CMID within the 4-hour skew window. The request was lost on the way: a firewall or filter on TCP 1688, a stale DNS record pointing elsewhere, or a different host answering under that name."
        )
    },
    unknown_time: "an unknown time",
};

const ZH: Texts = Texts {
    activation_failed: |p, code, name| format!("{p}：激活失败，错误 {code} {name}"),
    behind_catch_all: |shown| format!("（界面显示为 {shown}；这是真实错误）"),
    no_answer: |p, host, time| format!("{p}：{time} 发往 {host} 的请求没有得到应答"),
    no_answer_explanation: |host| {
        format!(
            "客户端记录了发往 {host} 的请求（事件 12288），之后却没有应答（事件 12289）：主机无法访问，或应答在途中丢失。slmgr 会把这种情况报告为 0xC004F074。"
        )
    },
    not_activated: |p, status| format!("{p}：未激活（许可证状态：{status}）"),
    not_activated_explanation: "许可证处于通知状态或未授权状态：Windows 或 Office 未激活，在激活前会一直显示激活提醒。",
    expired: |p, date| format!("{p}：KMS 激活已于 {date} 过期"),
    expired_explanation: "KMS 激活的有效期为 180 天，客户端只要能访问 KMS 主机，就会每 7 天自动续订一次。这次激活在到期前没有续订成功。",
    earlier_failure: |p, code| format!("{p}：之前曾因 {code} 失败"),
    count_refused: |p, host, count, needed| match (count, needed) {
        (Some(c), Some(n)) => format!("{p}：KMS 主机 {host} 当前计数为 {c}，此产品需要 {n}"),
        _ => format!("{p}：KMS 主机 {host} 应答“未激活”"),
    },
    renewal_failing: |p, since, expires| format!("{p}：自 {since} 起续订无应答；将于 {expires} 过期"),
    renewal_failing_explanation: |host| {
        format!(
            "产品已激活，但自那时起发往 {host} 的续订请求一直失败或没有应答。KMS 激活的有效期为 180 天：到期前若续订仍不成功，产品将先进入宽限期，再进入通知状态。"
        )
    },
    expires_soon: |p, days, date| format!("{p}：KMS 激活将在 {days} 天后（{date}）过期"),
    expires_soon_explanation: "KMS 客户端每 7 天续订一次；激活离到期这么近，说明几个月来续订请求都没有到达 KMS 主机。",
    renew_steps: [
        "确认客户端仍能访问其 KMS 主机：`actdoc check --kms <主机>`（或 `Test-NetConnection <主机> -Port 1688`）。",
        "立即续订：在客户端运行 `slmgr /ato`，然后用 `slmgr /xpr` 查看新的过期日期。",
        "如果主机已更换，让客户端指向新主机：`slmgr /skms <主机>:1688`，或修正 `_vlmcs._tcp` SRV 记录。",
    ],
    history: |n, from, to| {
        if from == to { format!("{from} 失败 {n} 次") } else { format!("{from} 至 {to} 之间失败 {n} 次") }
    },
    activated_since: |since| format!("；自 {since} 起已激活"),
    cloned_cmid: |cmid, names, total| {
        let more = if total > names.len() { format!(" 等另外 {} 台", total - names.len()) } else { String::new() };
        format!("CMID {cmid} 被 {total} 台计算机共用：{}{more}", names.join("、"))
    },
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
    check_failed: |m, finding, subject, seen| format!("{m}：实时检查 {finding} 失败（{subject}）：{seen}"),
    check_failed_explanation: "这项检查由 `actdoc doctor` 在采集数据包时于该计算机上运行；检查本身没有对应的错误代码。",
    not_seen: |m, host, time, n| {
        if n > 1 {
            format!("{m}：{n} 个请求从未到达 {host}（最近一次 {time}）")
        } else {
            format!("{m}：{time} 的请求从未到达 {host}")
        }
    },
    not_seen_explanation: |host| {
        format!(
            "客户端记录了发往 {host} 的请求（事件 12288），{host} 自己的日志也覆盖了那个时间，却在 4 小时偏差窗口内没有该 CMID 的 12290 事件。请求在途中丢失：TCP 1688 被防火墙或过滤设备拦截、DNS 记录过时而指向别处，或者是另一台主机以该名称应答。"
        )
    },
    unknown_time: "未知时间",
};
