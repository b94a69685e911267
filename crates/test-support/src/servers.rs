//! Real servers for tests, each on a free loopback port and killed when dropped: BIND (`named`)
//! for DNS, `chronyd` (optionally under `faketime`) for NTP, and impacket's DCE/RPC server.
//! `scripts/test` installs them; a missing one fails the test with the command to run.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::workspace_root;

/// A child process that is killed (and reaped) when the test is done with it.
#[derive(Debug)]
pub struct Daemon {
    child: Child,
    pub addr: SocketAddr,
    _dir: Option<TempDir>,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory removed on drop.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("actdoc-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Fails loudly when a program the tests need is not installed.
pub fn require(program: &str) -> PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|dir| dir.join(program))
        .find(|p| p.is_file());
    found
        .unwrap_or_else(|| panic!("`{program}` is not installed; run scripts/test, which installs what the tests need"))
}

/// A loopback port nothing listens on right now (TCP and UDP).
pub fn free_port() -> u16 {
    loop {
        let tcp = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = tcp.local_addr().expect("local address").port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A loopback TCP port that refuses connections for as long as this lives: bound, never listening,
/// so no test running beside it can take the port (as it could a port from [`free_port`]).
#[derive(Debug)]
pub struct RefusingPort {
    _socket: socket2::Socket,
    pub port: u16,
}

/// Regression: `a_refused_connection_is_its_own_finding` once connected to a port another test
/// had bound in the meantime.
pub fn refusing_port() -> RefusingPort {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a TCP socket");
    let any: SocketAddr = ([127, 0, 0, 1], 0).into();
    socket.bind(&any.into()).expect("bind a loopback port");
    let port = socket.local_addr().ok().and_then(|a| a.as_socket()).map(|a| a.port()).expect("its port");
    RefusingPort { _socket: socket, port }
}

/// The port of `actdoc serve: listening on http://127.0.0.1:PORT/` in the server's standard error;
/// the rest of its messages are drained in the background so it never blocks on a full pipe.
/// Servers under test listen on port 0 and say where: a port chosen beforehand can be taken by a
/// parallel test.
pub fn listening_port(stderr: std::process::ChildStderr) -> Option<u16> {
    let mut lines = BufReader::new(stderr).lines();
    let port = lines.by_ref().map_while(Result::ok).find_map(|line| {
        let rest = line.split_once("listening on http://")?.1;
        rest.split('/').next()?.rsplit_once(':')?.1.parse().ok()
    });
    std::thread::spawn(move || for _ in lines {});
    port
}

/// Output nobody reads must not go to a pipe, or a chatty daemon blocks once it fills.
fn spawn(command: &mut Command, stdout: Stdio) -> Child {
    command.stdin(Stdio::null()).stdout(stdout).stderr(Stdio::null()).spawn().expect("start a test server")
}

/// One zone for BIND: its name and the records after the SOA/NS boilerplate (`None`: a zone
/// declared with a missing file, which BIND answers with SERVFAIL).
#[derive(Clone, Debug)]
pub struct Zone {
    pub name: String,
    pub records: Option<String>,
}

impl Zone {
    pub fn new(name: &str, records: &str) -> Zone {
        Zone { name: name.into(), records: Some(records.into()) }
    }

    pub fn broken(name: &str) -> Zone {
        Zone { name: name.into(), records: None }
    }
}

/// Starts BIND authoritative for `zones` on a free loopback port, waiting until it answers.
pub fn named(zones: &[Zone]) -> Daemon {
    let named = require("named");
    let dir = TempDir::new("named");
    let port = free_port();
    let mut conf = format!(
        "options {{\n  directory \"{dir}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  \
         pid-file none;\n  recursion no;\n  dnssec-validation no;\n}};\n",
        dir = dir.0.display()
    );
    for zone in zones {
        let file = dir.0.join(format!("{}.zone", zone.name));
        if let Some(records) = &zone.records {
            let text = format!(
                "$TTL 3600\n@ IN SOA ns.{z}. admin.{z}. 1 3600 600 86400 60\n@ IN NS ns.{z}.\nns IN A 127.0.0.1\n{records}\n",
                z = zone.name
            );
            std::fs::write(&file, text).expect("write zone file");
        }
        let _ = writeln!(conf, "zone \"{}\" {{ type primary; file \"{}\"; }};", zone.name, file.display());
    }
    let conf_path = dir.0.join("named.conf");
    std::fs::write(&conf_path, conf).expect("write named.conf");
    let child = spawn(Command::new(named).arg("-g").arg("-u").arg("root").arg("-c").arg(&conf_path), Stdio::null());
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let daemon = Daemon { child, addr, _dir: Some(dir) };
    wait_for_dns(addr);
    daemon
}

/// Sends a trivial query until any answer comes back.
fn wait_for_dns(addr: SocketAddr) {
    let query: &[u8] = b"\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05ready\x00\x00\x01\x00\x01";
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.set_read_timeout(Some(Duration::from_millis(200))).expect("timeout");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(15) {
        let _ = socket.send_to(query, addr);
        let mut buf = [0u8; 512];
        if socket.recv_from(&mut buf).is_ok() {
            return;
        }
    }
    panic!("named did not start answering on {addr} within 15 s");
}

/// Starts chronyd serving time on a free loopback port without touching the system clock;
/// `shift` runs it under `faketime -f <shift>` (e.g. "+5h") so its clock is off by that much.
pub fn chronyd(shift: Option<&str>) -> Daemon {
    let chronyd = require("chronyd");
    let dir = TempDir::new("chrony");
    let port = free_port();
    let conf = format!(
        "port {port}\nbindaddress 127.0.0.1\ncmdport 0\nlocal stratum 8\nallow 127.0.0.1\npidfile {}/chronyd.pid\n",
        dir.0.display()
    );
    let conf_path = dir.0.join("chrony.conf");
    std::fs::write(&conf_path, conf).expect("write chrony.conf");
    // The shifted clock comes from libfaketime preloaded into chronyd itself: run through the
    // `faketime` wrapper, chronyd was the wrapper's child and outlived the kill (found running
    // with parent 1 an hour after a CI run).
    let mut command = Command::new(chronyd);
    if let Some(shift) = shift {
        command.env("LD_PRELOAD", libfaketime()).env("FAKETIME", shift).env("FAKETIME_DONT_RESET", "1");
    }
    command.args(["-x", "-d", "-u", "root", "-f"]).arg(&conf_path);
    let child = spawn(&mut command, Stdio::null());
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let daemon = Daemon { child, addr, _dir: Some(dir) };
    wait_for_ntp(addr);
    daemon
}

/// Debian's libfaketime (package `faketime`), found where the package puts it.
fn libfaketime() -> PathBuf {
    let found = ["/usr/lib/x86_64-linux-gnu/faketime", "/usr/lib/aarch64-linux-gnu/faketime", "/usr/lib/faketime"]
        .iter()
        .map(|dir| Path::new(dir).join("libfaketime.so.1"))
        .find(|p| p.is_file());
    found
        .unwrap_or_else(|| panic!("libfaketime is not installed; run scripts/test, which installs what the tests need"))
}

fn wait_for_ntp(addr: SocketAddr) {
    let mut request = [0u8; 48];
    request[0] = 0x23;
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.set_read_timeout(Some(Duration::from_millis(200))).expect("timeout");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(15) {
        let _ = socket.send_to(&request, addr);
        let mut buf = [0u8; 512];
        if socket.recv_from(&mut buf).is_ok() {
            return;
        }
    }
    panic!("chronyd did not start answering on {addr} within 15 s");
}

/// The path of the impacket-based peer script.
pub fn rpc_peer_script() -> PathBuf {
    workspace_root().join("tests/peers/rpc_peer.py")
}

/// Starts the impacket DCE/RPC peer in `mode` (`kms`, `closes`, `reject`); see the script.
pub fn rpc_peer(mode: &str) -> Daemon {
    // Debian's impacket is importable from the system interpreter, not from any python3 on PATH.
    let python = Path::new("/usr/bin/python3");
    assert!(python.is_file(), "/usr/bin/python3 is missing; run scripts/test");
    let mut child = spawn(Command::new(python).arg(rpc_peer_script()).arg(mode), Stdio::piped());
    let stdout = child.stdout.take().expect("peer stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read the peer's port");
    let port: u16 = line.trim().parse().unwrap_or_else(|_| {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the RPC peer did not start (is python3-impacket installed? run scripts/test)")
    });
    Daemon { child, addr: ([127, 0, 0, 1], port).into(), _dir: None }
}
