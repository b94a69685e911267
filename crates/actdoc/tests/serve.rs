//! `actdoc serve` as it is deployed: the real binary on a loopback port, refusing to listen
//! beyond loopback without a token, requiring the token when given, and driven by a real
//! Chromium through search, the code page in both languages and an EVTX upload.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use actdoc_test_support::servers::listening_port;
use actdoc_test_support::{shared_dir, workspace_root};

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the server on a port the kernel picks and learns it from the server's own "listening on"
/// line. Regression: a port chosen beforehand (`free_port`) could be taken by a parallel test's
/// server, and this test then talked to that one (a connection reset in a clean-clone run).
fn start(extra: &[&str]) -> Server {
    let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("actdoc"))
        .args(&args)
        .env_remove("ACTDOC_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let port = listening_port(child.stderr.take().unwrap());
    let Some(port) = port else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("actdoc serve did not say where it listens");
    };
    Server { child, port }
}

/// A plain HTTP/1.1 GET, returning the status code and the body.
fn get(port: u16, path: &str, headers: &[&str]) -> (u16, String) {
    get_as(port, &format!("127.0.0.1:{port}"), path, headers)
}

/// The same with the `Host` header a browser would send for `host`.
fn get_as(port: u16, host: &str, path: &str, headers: &[&str]) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for h in headers {
        request.push_str(h);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

#[test]
fn listening_beyond_loopback_needs_a_token_or_an_explicit_no_auth() {
    let out = Command::new(assert_cmd::cargo::cargo_bin("actdoc"))
        .args(["serve", "--listen", "0.0.0.0:0"])
        .env_remove("ACTDOC_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token"));
    let short =
        Command::new(assert_cmd::cargo::cargo_bin("actdoc")).args(["serve", "--token", "short"]).output().unwrap();
    assert_eq!(short.status.code(), Some(2));
    for bad in ["localhost", "127.0.0.1", "127.0.0.1:99999", "[::1"] {
        let out =
            Command::new(assert_cmd::cargo::cargo_bin("actdoc")).args(["serve", "--listen", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "--listen {bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(bad), "names the bad value");
    }
}

#[test]
fn the_api_answers_and_a_token_is_enforced() {
    let open = start(&[]);
    let (status, body) = get(open.port, "/api/v1/codes/-1073418124", &[]);
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["code"], "0xC004F074");
    assert_eq!(get(open.port, "/api/v1/codes/nonsense", &[]).0, 400);

    let token = "0123456789abcdef0123456789abcdef";
    let locked = start(&["--token", token]);
    assert_eq!(get(locked.port, "/api/v1/codes/0xC004F074", &[]).0, 401);
    let bearer = format!("Authorization: Bearer {token}");
    assert_eq!(get(locked.port, "/api/v1/codes/0xC004F074", &[&bearer]).0, 200);
    assert_eq!(get(locked.port, "/api/v1/health", &[]).0, 200, "health stays open for monitoring");
}

/// A file of this test in the temporary folder, removed when dropped (also on a panic).
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        Scratch(std::env::temp_dir().join(format!("actdoc-serve-test-{}-{nanos}-{name}", std::process::id())))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn a_token_file_is_read_and_never_needs_the_command_line() {
    let token = "fedcba9876543210fedcba9876543210";
    let file = Scratch::new("token");
    std::fs::write(&file.0, format!("{token}\n")).unwrap();
    let server = start(&["--token-file", file.0.to_str().unwrap()]);
    assert_eq!(get(server.port, "/api/v1/codes/0xC004F074", &[]).0, 401);
    let bearer = format!("Authorization: Bearer {token}");
    assert_eq!(get(server.port, "/api/v1/codes/0xC004F074", &[&bearer]).0, 200, "the newline is not part of it");
    // A LAN name reaches a server with a token: the token is the defence there.
    assert_eq!(get_as(server.port, "kmsdoc.corp:8080", "/api/v1/codes/0xC004F074", &[&bearer]).0, 200);

    let empty = Scratch::new("empty");
    std::fs::write(&empty.0, "\n").unwrap();
    let out = Command::new(assert_cmd::cargo::cargo_bin("actdoc"))
        .args(["serve", "--listen", "127.0.0.1:0", "--token-file", empty.0.to_str().unwrap()])
        .env_remove("ACTDOC_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty"));
}

#[test]
fn dns_rebinding_without_a_token_only_loopback_names_are_answered() {
    let server = start(&[]);
    let port = server.port;
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")] {
        assert_eq!(get_as(port, &host, "/api/v1/health", &[]).0, 200, "Host: {host}");
    }
    for host in [format!("evil.example:{port}"), format!("127.0.0.1:{}", port.wrapping_add(1)), "evil.example".into()] {
        let (status, body) = get_as(port, &host, "/api/v1/codes/0xC004F074", &[]);
        assert_eq!(status, 421, "Host: {host}: {body}");
        assert!(body.contains(&format!("127.0.0.1:{port}")), "says where to go: {body}");
    }
    let allowed = start(&["--allow-host", "kmsdoc.corp:8080"]);
    assert_eq!(get_as(allowed.port, "kmsdoc.corp:8080", "/api/v1/health", &[]).0, 200);
}

#[test]
fn a_helpdesk_user_in_a_real_browser() {
    let browser = workspace_root().join("tests/browser");
    assert!(
        browser.join("node_modules/playwright-core").is_dir(),
        "run scripts/test: it installs playwright-core in tests/browser"
    );
    assert!(PathBuf::from("/usr/bin/chromium").is_file(), "run scripts/test: it installs Debian's chromium");
    let server = start(&[]);
    let evtx = shared_dir().join("corpus/evtx/fukusuket__evtx-parser__samples__Application.evtx");
    let shots = workspace_root().join("target/screenshots/serve");
    let run = Command::new("node")
        .arg(browser.join("web-check.mjs"))
        .arg(format!("http://127.0.0.1:{}/", server.port))
        .arg(&evtx)
        .arg(&shots)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "browser steps failed:\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    let summary: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or("{}")).unwrap();
    assert_eq!(summary["ok"], true);
    assert_eq!(summary["requests_blocked"], 0);
    assert_eq!(summary["console_errors"], 0);
    for shot in ["1-code-en.png", "2-code-zh.png", "3-analyze.png"] {
        assert!(shots.join(shot).is_file(), "{shot}");
    }
}
