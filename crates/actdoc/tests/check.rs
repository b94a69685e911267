//! `actdoc check` as a user runs it: JSON shape, exit statuses, usage errors, and the cases that
//! need a network of their own (dropped packets, no route, no DNS server), run inside network
//! namespaces the test creates so nothing leaves this machine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use actdoc_test_support::servers::{free_port, refusing_port, require, rpc_peer};
use serde_json::Value;

fn actdoc_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("actdoc")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn findings(v: &Value) -> Vec<String> {
    v["checks"].as_array().unwrap().iter().map(|c| c["finding"].as_str().unwrap().to_string()).collect()
}

fn actdoc(args: &[&str]) -> Output {
    Command::new(actdoc_bin()).args(args).env("NO_COLOR", "1").env_remove("LANG").env_remove("LC_ALL").output().unwrap()
}

#[test]
fn a_healthy_kms_host_passes_with_exit_0_and_documented_json() {
    let peer = rpc_peer("kms");
    let closed_ntp = format!("127.0.0.1:{}", free_port());
    let out = actdoc(&["check", "--kms", &peer.addr.to_string(), "--ntp", &closed_ntp, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let v = json(&out);
    assert_eq!(v["summary"], serde_json::json!({"pass": 2, "warn": 1, "fail": 0}));
    assert_eq!(findings(&v), ["tcp_connected", "rpc_kms", "clock_not_measured"]);
    let first = &v["checks"][0];
    for key in ["finding", "status", "subject", "evidence", "explains", "title", "next_step", "codes"] {
        assert!(first.get(key).is_some(), "checks[].{key}");
    }
    assert_eq!(v["targets"][0]["source"]["kind"], "registered");
    assert_eq!(v["targets"][0]["rpc"]["outcome"], "accepted");
    assert!(v["timeout_ms"].as_u64() == Some(3000));
}

#[test]
fn a_failing_check_exits_1_and_names_its_codes_in_either_language() {
    let refusing = refusing_port();
    let target = format!("127.0.0.1:{}", refusing.port);
    let out = actdoc(&["check", "--kms", &target, "--ntp", &target, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let refused = &v["checks"][0];
    assert_eq!(refused["finding"], "tcp_refused");
    assert_eq!(refused["codes"][0], serde_json::json!({"code": "0x800706BA", "name": "RPC_S_SERVER_UNAVAILABLE"}));
    let zh = actdoc(&["--lang", "zh-CN", "check", "--kms", &target, "--ntp", &target]);
    let text = String::from_utf8_lossy(&zh.stdout);
    assert!(text.contains("[失败] 连接被拒绝"), "{text}");
    assert!(text.contains("下一步："), "{text}");
}

#[test]
fn malformed_arguments_are_usage_errors() {
    for args in [
        &["check", "--kms", "bad host"][..],
        &["check", "--kms", "host:99999"],
        &["check", "--kms", "[::1"],
        &["check", "--domain", "a..b"],
        &["check", "--dns-server", "dns.contoso.com"],
        &["check", "--timeout", "soon"],
        &["check", "--timeout", "0s"],
    ] {
        let out = actdoc(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?} says why");
    }
}

/// A network namespace of the test's own, deleted on drop.
struct Netns {
    name: String,
}

impl Netns {
    fn new() -> Netns {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        require("ip");
        let name = format!("actdoc-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let ns = Netns { name };
        ns.ip(&["netns", "add", &ns.name]);
        ns.ip(&["-n", &ns.name, "link", "set", "lo", "up"]);
        ns
    }

    #[allow(clippy::unused_self)]
    fn ip(&self, args: &[&str]) {
        let out = Command::new(require("ip")).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "ip {args:?}: {} (these tests need root, as CI has)",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn exec(&self, program: &str, args: &[&str]) -> Output {
        Command::new(require("ip"))
            .args(["netns", "exec", &self.name, program])
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }

    fn nft(&self, rule: &str) {
        let out = self.exec(require("nft").to_str().unwrap(), &[rule]);
        assert!(out.status.success(), "nft {rule}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// `ip netns exec` mounts this over /etc/resolv.conf inside the namespace.
    fn resolv_conf(&self, text: &str) {
        let dir = PathBuf::from("/etc/netns").join(&self.name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("resolv.conf"), text).unwrap();
    }

    fn actdoc(&self, args: &[&str]) -> Output {
        self.exec(actdoc_bin().to_str().unwrap(), args)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "delete", &self.name]).output();
        let _ = std::fs::remove_dir_all(PathBuf::from("/etc/netns").join(&self.name));
    }
}

#[test]
fn dropped_packets_time_out_within_one_deadline() {
    let ns = Netns::new();
    ns.nft("add table inet actdoc");
    ns.nft("add chain inet actdoc input { type filter hook input priority 0; policy accept; }");
    ns.nft("add rule inet actdoc input tcp dport 1688 drop");
    let started = Instant::now();
    let out = ns.actdoc(&["check", "--kms", "127.0.0.1", "--ntp", "127.0.0.1:9", "--timeout", "1s", "--json"]);
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(findings(&v)[0], "tcp_timed_out");
    let codes: Vec<&str> = v["checks"][0]["explains"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert!(codes.contains(&"0xC004F039") && codes.contains(&"0xC004F074"), "{codes:?}");
    assert!(elapsed >= Duration::from_secs(1) && elapsed < Duration::from_millis(2500), "{elapsed:?}");
}

#[test]
fn no_route_to_the_host_is_unreachable_at_once() {
    let ns = Netns::new();
    let started = Instant::now();
    // The namespace has only loopback: the kernel refuses before any packet is sent.
    let out = ns.actdoc(&["check", "--kms", "192.0.2.10", "--ntp", "127.0.0.1:9", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(findings(&json(&out))[0], "tcp_unreachable");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn no_dns_server_configured_explains_0x8007267c() {
    let ns = Netns::new();
    ns.resolv_conf("search contoso.test\n");
    let out = ns.actdoc(&["check", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(findings(&v)[0], "no_dns_server");
    assert_eq!(v["checks"][0]["explains"], serde_json::json!(["0x8007267C"]));
    assert_eq!(v["discoveries"][0]["query"], "_vlmcs._tcp.contoso.test");
}
