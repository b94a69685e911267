//! Every row of the `actdoc check` outcome table against real servers on loopback: BIND for DNS,
//! impacket's DCE/RPC server, chronyd (under faketime for skew), and plain TCP listeners that
//! misbehave the ways broken networks do. No traffic leaves 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

use actdoc_probe::dns::lookup::SrvOutcome;
use actdoc_probe::target::HostPort;
use actdoc_probe::{CheckOptions, CheckReport, Finding, Status, run_checks};
use actdoc_test_support::servers::{Daemon, Zone, chronyd, free_port, named, refusing_port, rpc_peer};

const TIMEOUT: Duration = Duration::from_secs(2);

fn options() -> CheckOptions {
    CheckOptions { domains: vec![], kms: vec![], dns_server: None, ntp: None, timeout: TIMEOUT }
}

fn kms(addr: SocketAddr) -> HostPort {
    HostPort { host: addr.ip().to_string(), port: addr.port() }
}

fn run(options: &CheckOptions) -> CheckReport {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(run_checks(options))
}

fn findings(report: &CheckReport) -> Vec<Finding> {
    report.checks.iter().map(|c| c.finding).collect()
}

fn explains(report: &CheckReport, finding: Finding) -> Vec<&'static str> {
    report.checks.iter().find(|c| c.finding == finding).map(|c| c.explains.clone()).unwrap_or_default()
}

/// A BIND server with the zones every DNS case needs; SRV records point at `kms_port`.
fn dns(kms_port: u16) -> Daemon {
    named(&[
        Zone::new(
            "good.test",
            &format!(
                "_vlmcs._tcp IN SRV 0 100 {kms_port} kms1.good.test.\n_vlmcs._tcp IN SRV 10 0 {kms_port} kms2.good.test.\n\
                 kms1 IN A 127.0.0.1\nkms2 IN A 127.0.0.1\n"
            ),
        ),
        Zone::new("nxdomain.test", "www IN A 127.0.0.1"),
        Zone::new("norecords.test", "_vlmcs._tcp IN TXT \"no srv here\""),
        Zone::new("stale.test", &format!("_vlmcs._tcp IN SRV 0 0 {kms_port} gone.stale.test.")),
        Zone::broken("servfail.test"),
    ])
}

#[test]
fn srv_found_targets_resolve_and_the_kms_interface_answers() {
    let peer = rpc_peer("kms");
    let named = dns(peer.addr.port());
    let chrony = chronyd(None);
    let report = run(&CheckOptions {
        domains: vec!["good.test".into()],
        dns_server: Some(named.addr),
        ntp: Some(kms(chrony.addr)),
        ..options()
    });
    let d = &report.discoveries[0];
    let SrvOutcome::Found { records } = &d.result else { panic!("{:?}", d.result) };
    assert_eq!(records.len(), 2);
    assert_eq!((records[0].priority, records[0].weight, records[0].port), (0, 100, peer.addr.port()));
    assert_eq!((records[0].target.as_str(), records[0].ttl), ("kms1.good.test", 3600));
    assert_eq!(records[1].target, "kms2.good.test");
    assert_eq!(d.server, Some(named.addr));
    assert_eq!(report.targets.len(), 2, "both SRV targets are probed");
    assert!(report.checks.iter().all(|c| c.status == Status::Pass), "{:#?}", report.checks);
    assert_eq!(
        findings(&report),
        [
            Finding::SrvFound,
            Finding::TcpConnected,
            Finding::RpcKms,
            Finding::TcpConnected,
            Finding::RpcKms,
            Finding::ClockOk
        ]
    );
}

#[test]
fn nxdomain_explains_0x8007232b() {
    let named = dns(1688);
    let report =
        run(&CheckOptions { domains: vec!["nxdomain.test".into()], dns_server: Some(named.addr), ..options() });
    assert_eq!(report.discoveries[0].result, SrvOutcome::NxDomain);
    assert_eq!(explains(&report, Finding::SrvNxDomain), ["0x8007232B", "0x8007007B", "0x80092328"]);
    assert_eq!(report.checks[0].status, Status::Fail);
}

#[test]
fn a_name_without_srv_records_explains_0x8007251d() {
    let named = dns(1688);
    let report =
        run(&CheckOptions { domains: vec!["norecords.test".into()], dns_server: Some(named.addr), ..options() });
    assert_eq!(report.discoveries[0].result, SrvOutcome::NoRecords);
    assert_eq!(explains(&report, Finding::SrvNoRecords), ["0x8007251D"]);
}

#[test]
fn servfail_explains_0x8007232a() {
    let named = dns(1688);
    let report =
        run(&CheckOptions { domains: vec!["servfail.test".into()], dns_server: Some(named.addr), ..options() });
    assert_eq!(report.discoveries[0].result, SrvOutcome::ServerFailure { rcode: 2 });
    assert_eq!(explains(&report, Finding::SrvServerFailure), ["0x8007232A"]);
}

#[test]
fn a_stale_srv_target_is_reported_and_not_probed() {
    let named = dns(1688);
    let report = run(&CheckOptions { domains: vec!["stale.test".into()], dns_server: Some(named.addr), ..options() });
    // With no KMS host found, the clock is measured against the domain, which serves no NTP.
    assert_eq!(findings(&report), [Finding::SrvFound, Finding::SrvTargetUnresolved, Finding::ClockNotMeasured]);
    assert_eq!(explains(&report, Finding::SrvTargetUnresolved), ["0x800706BA", "0xC004F074"]);
    assert!(report.checks[1].evidence.contains("gone.stale.test"));
    assert!(report.targets.is_empty());
}

#[test]
fn a_silent_dns_server_costs_one_deadline_and_explains_0x8007232a() {
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    // The clock goes to a closed port so that only the DNS wait is measured.
    let closed_ntp = kms(([127, 0, 0, 1], free_port()).into());
    let started = Instant::now();
    let report = run(&CheckOptions {
        domains: vec!["good.test".into()],
        dns_server: Some(silent.local_addr().unwrap()),
        ntp: Some(closed_ntp),
        ..options()
    });
    let elapsed = started.elapsed();
    assert!(matches!(report.discoveries[0].result, SrvOutcome::NoAnswer { .. }));
    assert_eq!(explains(&report, Finding::SrvNoAnswer), ["0x8007232A"]);
    assert!(elapsed >= TIMEOUT && elapsed < TIMEOUT + Duration::from_secs(1), "{elapsed:?}");
}

#[test]
fn a_dns_server_that_answers_garbage_is_reported_not_trusted() {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok((len, from)) = socket.recv_from(&mut buf) {
            // Echo the question id with the response bit and a record count that lies.
            let mut reply = buf[..2.min(len)].to_vec();
            reply.extend_from_slice(&[0x81, 0x80, 0, 0, 0, 9, 0, 0, 0, 0, 0xC0, 0xFF, 0xDE, 0xAD]);
            let _ = socket.send_to(&reply, from);
        }
    });
    let report = run(&CheckOptions { domains: vec!["good.test".into()], dns_server: Some(addr), ..options() });
    let SrvOutcome::NoAnswer { detail } = &report.discoveries[0].result else {
        panic!("{:?}", report.discoveries[0].result)
    };
    assert!(detail.contains("unreadable answer"), "{detail}");
}

#[test]
fn a_refused_connection_is_its_own_finding() {
    let refusing = refusing_port();
    let port = refusing.port;
    let report = run(&CheckOptions { kms: vec![kms(([127, 0, 0, 1], port).into())], ..options() });
    assert_eq!(findings(&report), [Finding::TcpRefused, Finding::ClockNotMeasured]);
    assert_eq!(explains(&report, Finding::TcpRefused), ["0x800706BA", "0xC004F074", "0x8007274D"]);
}

#[test]
fn an_rpc_server_that_rejects_the_kms_interface_is_not_kms() {
    let peer = rpc_peer("reject");
    let report = run(&CheckOptions { kms: vec![kms(peer.addr)], ..options() });
    assert_eq!(findings(&report)[..2], [Finding::TcpConnected, Finding::RpcNotKms]);
    assert!(report.checks[1].evidence.contains("result 2, reason 1"), "{}", report.checks[1].evidence);
    assert_eq!(explains(&report, Finding::RpcNotKms), ["0x800706B5", "0xC004F074"]);
}

#[test]
fn an_rpc_server_that_drops_the_bind_is_closed_after_bind() {
    let peer = rpc_peer("closes");
    let report = run(&CheckOptions { kms: vec![kms(peer.addr)], ..options() });
    assert_eq!(findings(&report)[..2], [Finding::TcpConnected, Finding::RpcClosed]);
    assert_eq!(explains(&report, Finding::RpcClosed), ["0x800706BA", "0xC004F074"]);
}

/// A listener that runs `serve` on each connection, in a thread of its own.
fn listener(serve: fn(std::net::TcpStream)) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    thread::spawn(move || {
        for stream in l.incoming().flatten() {
            thread::spawn(move || serve(stream));
        }
    });
    addr
}

#[test]
fn a_service_speaking_another_protocol_is_not_rpc() {
    let addr = listener(|mut s| {
        let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
        thread::sleep(Duration::from_secs(5));
    });
    let report = run(&CheckOptions { kms: vec![kms(addr)], ..options() });
    assert_eq!(findings(&report)[..2], [Finding::TcpConnected, Finding::RpcNotRpc]);
    assert!(report.checks[1].evidence.contains("5353482d"), "shows the first bytes: {}", report.checks[1].evidence);
}

#[test]
fn silence_after_the_bind_ends_at_the_deadline() {
    let addr = listener(|mut s| {
        let mut buf = [0u8; 128];
        let _ = s.read(&mut buf);
        thread::sleep(Duration::from_secs(10));
    });
    let started = Instant::now();
    let report = run(&CheckOptions { kms: vec![kms(addr)], ..options() });
    assert_eq!(findings(&report)[..2], [Finding::TcpConnected, Finding::RpcSilent]);
    assert!(started.elapsed() < TIMEOUT + Duration::from_millis(800), "{:?}", started.elapsed());
}

#[test]
fn a_slow_drip_reply_is_bounded_by_the_deadline() {
    let addr = listener(|mut s| {
        let mut buf = [0u8; 128];
        let _ = s.read(&mut buf);
        // A valid bind_ack header, one byte every 400 ms: it would take 24 s to finish.
        for b in [5u8, 0, 12, 3, 0x10, 0, 0, 0, 60, 0, 0, 0, 2, 0, 0, 0].iter().cycle().take(60) {
            if s.write_all(&[*b]).is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(400));
        }
    });
    let started = Instant::now();
    let report = run(&CheckOptions { kms: vec![kms(addr)], ..options() });
    assert_eq!(findings(&report)[1], Finding::RpcMalformed, "{:#?}", report.checks);
    assert!(report.checks[1].evidence.contains("stopped after"), "{}", report.checks[1].evidence);
    assert!(started.elapsed() < TIMEOUT + Duration::from_millis(800), "{:?}", started.elapsed());
}

#[test]
fn oversized_and_truncated_replies_are_malformed() {
    let oversized = listener(|mut s| {
        let mut buf = [0u8; 128];
        let _ = s.read(&mut buf);
        let _ = s.write_all(&[5, 0, 12, 3, 0x10, 0, 0, 0, 0xFF, 0xFF, 0, 0, 2, 0, 0, 0]);
        thread::sleep(Duration::from_secs(5));
    });
    let truncated = listener(|mut s| {
        let mut buf = [0u8; 128];
        let _ = s.read(&mut buf);
        let _ = s.write_all(&[5, 0, 12, 3, 0x10, 0, 0, 0, 60, 0, 0, 0, 2, 0, 0, 0, 0xd0, 0x16]);
    });
    let report = run(&CheckOptions { kms: vec![kms(oversized), kms(truncated)], ..options() });
    let rpc: Vec<&str> =
        report.checks.iter().filter(|c| c.finding == Finding::RpcMalformed).map(|c| c.evidence.as_str()).collect();
    assert_eq!(rpc.len(), 2, "{:#?}", report.checks);
    assert!(rpc[0].contains("65535"), "{}", rpc[0]);
    assert!(rpc[1].contains("closed after 18"), "{}", rpc[1]);
}

#[test]
fn many_silent_targets_cost_one_deadline_not_the_sum() {
    let addrs: Vec<SocketAddr> = (0..6)
        .map(|_| {
            listener(|mut s| {
                let mut buf = [0u8; 128];
                let _ = s.read(&mut buf);
                thread::sleep(Duration::from_secs(10));
            })
        })
        .collect();
    let started = Instant::now();
    let report = run(&CheckOptions { kms: addrs.iter().map(|a| kms(*a)).collect(), ..options() });
    let elapsed = started.elapsed();
    assert_eq!(report.checks.iter().filter(|c| c.finding == Finding::RpcSilent).count(), 6);
    assert!(elapsed < TIMEOUT + Duration::from_millis(800), "6 targets took {elapsed:?}");
}

#[test]
fn clock_in_sync_is_a_pass() {
    let chrony = chronyd(None);
    let report = run(&CheckOptions {
        ntp: Some(kms(chrony.addr)),
        kms: vec![],
        domains: vec!["x.test".into()],
        dns_server: Some(UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap()),
        timeout: Duration::from_millis(500),
    });
    let clock = report.checks.iter().find(|c| c.finding == Finding::ClockOk).expect("clock check");
    assert_eq!(clock.status, Status::Pass);
}

#[test]
fn a_clock_five_hours_off_fails_with_0xc004f06c() {
    let skewed = chronyd(Some("+5h"));
    let report = run(&CheckOptions {
        ntp: Some(kms(skewed.addr)),
        kms: vec![kms(([127, 0, 0, 1], free_port()).into())],
        ..options()
    });
    let clock = report.checks.iter().find(|c| c.finding == Finding::ClockSkewed).expect("skew found");
    assert_eq!(clock.explains, ["0xC004F06C"]);
    assert!(clock.evidence.contains("+1800"), "offset near +18000 s: {}", clock.evidence);
}

#[test]
fn a_clock_ten_minutes_off_is_a_warning() {
    let drifting = chronyd(Some("+10m"));
    let report = run(&CheckOptions {
        ntp: Some(kms(drifting.addr)),
        kms: vec![kms(([127, 0, 0, 1], free_port()).into())],
        ..options()
    });
    let clock = report.checks.iter().find(|c| c.finding == Finding::ClockDrift).expect("drift found");
    assert_eq!(clock.status, Status::Warn);
}

#[test]
fn no_ntp_answer_is_a_warning_that_never_fails_a_healthy_setup() {
    let peer = rpc_peer("kms");
    let report = run(&CheckOptions {
        kms: vec![kms(peer.addr)],
        ntp: Some(kms(([127, 0, 0, 1], free_port()).into())),
        ..options()
    });
    assert_eq!(findings(&report), [Finding::TcpConnected, Finding::RpcKms, Finding::ClockNotMeasured]);
    assert!(report.checks.iter().all(|c| c.status != Status::Fail));
}

#[test]
fn ipv6_targets_from_aaaa_records_and_brackets_are_checked() {
    let l = TcpListener::bind("[::1]:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        for s in l.incoming().flatten() {
            drop(s);
        }
    });
    let named =
        named(&[Zone::new("v6.test", &format!("_vlmcs._tcp IN SRV 0 0 {port} kms6.v6.test.\nkms6 IN AAAA ::1\n"))]);
    let report = run(&CheckOptions {
        domains: vec!["v6.test".into()],
        dns_server: Some(named.addr),
        kms: vec![HostPort { host: "::1".into(), port }],
        ntp: Some(kms(([127, 0, 0, 1], free_port()).into())),
        ..options()
    });
    assert_eq!(report.targets.len(), 2, "the bracketed host and the AAAA target");
    for target in &report.targets {
        assert!(
            matches!(target.connect(), actdoc_probe::run::ConnectOutcome::Connected { address, .. } if address.is_ipv6()),
            "{target:?}"
        );
    }
    assert_eq!(report.targets[1].host, "kms6.v6.test");
}
