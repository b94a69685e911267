//! Each check finding in words, in English and Simplified Chinese: its title and the next step
//! when it fails. `check`, `doctor` and the web app say the same things.

use actdoc_core::Lang;

use crate::findings::Finding;

/// The title and the next step of each finding.
pub fn describe(finding: Finding, lang: Lang) -> (&'static str, &'static str) {
    match lang {
        Lang::En => describe_en(finding),
        Lang::ZhCn => describe_zh(finding),
    }
}

fn describe_en(finding: Finding) -> (&'static str, &'static str) {
    match finding {
        Finding::NoDnsServer => (
            "No DNS server configured",
            "Give the adapter a DNS server (`ipconfig /all` shows none); or use `slmgr /skms <host>:1688` with an IP address.",
        ),
        Finding::NoDomain => (
            "No DNS domain to search",
            "Pass --domain <your AD/DNS domain>, or set the primary DNS suffix; clients can also use `slmgr /skms-domain <domain>`.",
        ),
        Finding::SrvFound => ("KMS SRV records found", ""),
        Finding::SrvNxDomain => (
            "_vlmcs._tcp does not exist in this domain",
            "Check that a KMS host exists and publishes to DNS (`slmgr /dlv` on it: \"DNS publishing enabled\"; event 12294), or create the SRV record by hand; meanwhile `slmgr /skms <host>:1688`.",
        ),
        Finding::SrvNoRecords => (
            "_vlmcs._tcp exists but has no SRV record",
            "Create the _vlmcs._tcp SRV record (priority 0, weight 0, port 1688, target = KMS host FQDN) or let the KMS host publish it again.",
        ),
        Finding::SrvServerFailure => (
            "DNS server failed to answer",
            "The DNS server itself failed (SERVFAIL/REFUSED): check the zone and the server's event log, or query another DNS server.",
        ),
        Finding::SrvNoAnswer => (
            "No usable DNS answer",
            "The DNS server did not answer in time or sent garbage: check `ping <dns server>`, firewalls for UDP/TCP 53, and the server.",
        ),
        Finding::SrvTargetUnresolved => (
            "SRV record points to a host that does not resolve",
            "Delete or fix the stale SRV record (DNS Manager > zone > _tcp > _VLMCS), then `slmgr /ckms` on clients.",
        ),
        Finding::HostUnresolved => {
            ("KMS host name does not resolve", "Check the name given to `slmgr /skms`; try its FQDN or IP address.")
        }
        Finding::TcpConnected => ("TCP 1688 reachable", ""),
        Finding::TcpRefused => (
            "Connection refused",
            "Nothing listens there or a firewall rejects: on the KMS host check the Software Protection service and the \"Key Management Service (TCP-In)\" firewall rule; check the port (`slmgr /sprt`).",
        ),
        Finding::TcpTimedOut => (
            "Connection timed out",
            "Packets are dropped on the way or the host is down: open TCP 1688 on the host's and the network's firewalls; `Test-NetConnection <host> -Port 1688` from a client.",
        ),
        Finding::TcpUnreachable => {
            ("Host unreachable", "No route to the host: check addresses, routes, VPN/forced tunnelling.")
        }
        Finding::RpcKms => ("KMS RPC interface answers", ""),
        Finding::RpcNotKms => (
            "An RPC server, but not KMS",
            "Another RPC service holds this port, or it is not a KMS host: point clients at the real host (`slmgr /skms`) or fix the SRV record.",
        ),
        Finding::RpcClosed => (
            "Connection closed after the RPC bind",
            "Something on this port accepts connections but drops the KMS bind: a proxy, a filter or a non-KMS service. Check what listens on 1688 (`netstat -abno`).",
        ),
        Finding::RpcNotRpc => (
            "The port speaks another protocol",
            "Another program listens on this port: move it, or move KMS (`slmgr /sprt`) and update the SRV record.",
        ),
        Finding::RpcSilent => (
            "No reply to the RPC bind",
            "The port accepts connections but never answers: a hung service or an inspecting firewall. Restart sppsvc on the host (`Restart-Service sppsvc`).",
        ),
        Finding::RpcMalformed => (
            "Broken RPC reply",
            "The reply was cut short or malformed: check for middleboxes that rewrite traffic on 1688.",
        ),
        Finding::ClockOk => ("Clock in sync", ""),
        Finding::ClockDrift => (
            "Clock drifting",
            "More than 5 minutes off: fix time synchronisation before it reaches the 4-hour limit (`w32tm /query /status`, `w32tm /resync`).",
        ),
        Finding::ClockSkewed => (
            "Clock off by more than 4 hours",
            "A KMS host rejects this client (0xC004F06C): correct the time zone and sync (`w32tm /resync`; domain members use NT5DS).",
        ),
        Finding::ClockNotMeasured => (
            "Clock not measured",
            "No SNTP answer (many KMS hosts serve no NTP): pass --ntp <time server> to measure against a known clock.",
        ),
    }
}

fn describe_zh(finding: Finding) -> (&'static str, &'static str) {
    match finding {
        Finding::NoDnsServer => (
            "未配置 DNS 服务器",
            "为网络适配器配置 DNS 服务器（`ipconfig /all` 中没有显示）；或用 `slmgr /skms <主机>:1688` 以 IP 地址指定 KMS 主机。",
        ),
        Finding::NoDomain => (
            "没有可搜索的 DNS 域",
            "传入 --domain <AD/DNS 域名>，或设置主 DNS 后缀；客户端也可以使用 `slmgr /skms-domain <域名>`。",
        ),
        Finding::SrvFound => ("找到 KMS SRV 记录", ""),
        Finding::SrvNxDomain => (
            "此域中不存在 _vlmcs._tcp",
            "确认存在 KMS 主机并已向 DNS 发布（在主机上运行 `slmgr /dlv`，应显示已启用 DNS 发布；事件 12294），或手动创建 SRV 记录；在此之前可使用 `slmgr /skms <主机>:1688`。",
        ),
        Finding::SrvNoRecords => (
            "_vlmcs._tcp 存在但没有 SRV 记录",
            "创建 _vlmcs._tcp SRV 记录（优先级 0、权重 0、端口 1688、目标为 KMS 主机 FQDN），或让 KMS 主机重新发布。",
        ),
        Finding::SrvServerFailure => (
            "DNS 服务器应答失败",
            "DNS 服务器本身出错（SERVFAIL/REFUSED）：检查区域和服务器的事件日志，或改用其他 DNS 服务器查询。",
        ),
        Finding::SrvNoAnswer => (
            "没有可用的 DNS 应答",
            "DNS 服务器未及时应答或返回了无法解析的数据：检查 `ping <DNS 服务器>`、UDP/TCP 53 端口的防火墙以及服务器本身。",
        ),
        Finding::SrvTargetUnresolved => (
            "SRV 记录指向无法解析的主机",
            "删除或修正过时的 SRV 记录（DNS 管理器 > 区域 > _tcp > _VLMCS），然后在客户端运行 `slmgr /ckms`。",
        ),
        Finding::HostUnresolved => {
            ("无法解析 KMS 主机名", "检查传给 `slmgr /skms` 的名称；改用其 FQDN 或 IP 地址试试。")
        }
        Finding::TcpConnected => ("TCP 1688 可达", ""),
        Finding::TcpRefused => (
            "连接被拒绝",
            "该端口没有服务侦听或被防火墙拒绝：在 KMS 主机上检查软件保护服务和“密钥管理服务(TCP-In)”防火墙规则；核对端口（`slmgr /sprt`）。",
        ),
        Finding::TcpTimedOut => (
            "连接超时",
            "数据包在途中被丢弃或主机已关闭：在主机和网络防火墙上放行 TCP 1688；从客户端运行 `Test-NetConnection <主机> -Port 1688`。",
        ),
        Finding::TcpUnreachable => ("主机不可达", "没有到主机的路由：检查地址、路由以及 VPN/强制隧道。"),
        Finding::RpcKms => ("KMS RPC 接口有应答", ""),
        Finding::RpcNotKms => (
            "是 RPC 服务器，但不是 KMS",
            "此端口被其他 RPC 服务占用，或这不是 KMS 主机：让客户端指向真正的主机（`slmgr /skms`）或修正 SRV 记录。",
        ),
        Finding::RpcClosed => (
            "RPC 绑定后连接被关闭",
            "此端口接受连接却丢弃 KMS 绑定请求：可能是代理、过滤设备或非 KMS 服务。检查 1688 端口上侦听的程序（`netstat -abno`）。",
        ),
        Finding::RpcNotRpc => (
            "该端口使用的是其他协议",
            "有其他程序在此端口侦听：迁走它，或更改 KMS 端口（`slmgr /sprt`）并更新 SRV 记录。",
        ),
        Finding::RpcSilent => (
            "RPC 绑定没有应答",
            "端口接受连接但从不应答：服务挂起或防火墙在检查流量。在主机上重启 sppsvc（`Restart-Service sppsvc`）。",
        ),
        Finding::RpcMalformed => ("RPC 应答损坏", "应答被截断或格式错误：检查是否有设备改写 1688 端口上的流量。"),
        Finding::ClockOk => ("时钟同步正常", ""),
        Finding::ClockDrift => (
            "时钟有偏差",
            "偏差超过 5 分钟：在达到 4 小时上限之前修复时间同步（`w32tm /query /status`、`w32tm /resync`）。",
        ),
        Finding::ClockSkewed => (
            "时钟偏差超过 4 小时",
            "KMS 主机会拒绝此客户端（0xC004F06C）：更正时区并同步时间（`w32tm /resync`；域成员使用 NT5DS）。",
        ),
        Finding::ClockNotMeasured => {
            ("未能测量时钟", "没有 SNTP 应答（许多 KMS 主机不提供 NTP）：传入 --ntp <时间服务器>，与已知时钟比较。")
        }
    }
}
