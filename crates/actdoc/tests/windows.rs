//! The Windows build, as our users run it: `actdoc.exe` cross-built for x86_64-pc-windows-gnu and
//! run under Wine. `explain` must print what the Linux build prints, to a pipe (UTF-8) and to a
//! console (Wine's console turns WriteConsoleW's wide characters into the terminal's UTF-8);
//! `scan` takes a Windows path; `check` reaches a real DCE/RPC peer on loopback; `serve`
//! answers on 127.0.0.1; `doctor` reads what Wine's WMI has, says what it could not read, and its
//! bundle reads back on Linux to the same verdicts.
//!
//! The harness builds the exe (its own target dir, so it never waits on the outer cargo's lock)
//! and a stand-in `bcryptprimitives.dll` (tests/wine/bcryptprimitives.c) that Wine 8 lacks.
//! `scripts/test` installs wine64, mingw-w64 and the Rust target; without them these tests fail
//! and say so. Wine's server is stopped when the last test using it is done.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod run;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use actdoc_test_support::servers::{TempDir, listening_port, require, rpc_peer};
use actdoc_test_support::{shared_dir, workspace_root};
use run::actdoc as native;
use serde_json::Value;

const TARGET: &str = "x86_64-pc-windows-gnu";
const WINE: &str = "/usr/lib/wine/wine64";
const WINESERVER: &str = "/usr/lib/wine/wineserver64";

struct Build {
    exe: PathBuf,
    prefix: PathBuf,
}

fn build() -> &'static Build {
    static BUILD: OnceLock<Build> = OnceLock::new();
    BUILD.get_or_init(|| {
        for program in [WINE, WINESERVER] {
            assert!(Path::new(program).is_file(), "{program} is missing: install Debian's wine64 (scripts/test does)");
        }
        let mingw = require("x86_64-w64-mingw32-gcc");
        let root = workspace_root();
        let target_dir = root.join("target/wine");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let built = Command::new(cargo)
            .args(["build", "--package", "actdoc", "--target", TARGET, "--locked"])
            .env("CARGO_TARGET_DIR", &target_dir)
            .current_dir(&root)
            .status()
            .unwrap();
        assert!(built.success(), "the cross-build failed; `rustup target add {TARGET}` (scripts/test does)");
        let exe = target_dir.join(TARGET).join("debug/actdoc.exe");
        let dll = exe.with_file_name("bcryptprimitives.dll");
        let made = Command::new(mingw)
            .args(["-shared", "-O2", "-o"])
            .arg(&dll)
            .arg(root.join("tests/wine/bcryptprimitives.c"))
            .arg("-ladvapi32")
            .status()
            .unwrap();
        assert!(made.success(), "mingw could not build the ProcessPrng stand-in");
        // A new prefix is made once, before the tests start Wine side by side.
        let prefix = target_dir.join("prefix");
        let booted =
            Command::new(WINE).arg("wineboot").env("WINEPREFIX", &prefix).env("WINEDEBUG", "-all").output().unwrap();
        assert!(booted.status.success(), "wineboot: {}", String::from_utf8_lossy(&booted.stderr));
        let _ = Command::new(WINESERVER).arg("-w").env("WINEPREFIX", &prefix).status();
        Build { exe, prefix }
    })
}

/// Tests running Wine now; the last one to finish stops Wine's server and its services.
static USERS: Mutex<usize> = Mutex::new(0);

struct Session(&'static Build);

impl Session {
    fn start() -> Session {
        let build = build();
        *USERS.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        Session(build)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(WINE);
        command
            .arg(&self.0.exe)
            .args(args)
            .env("WINEPREFIX", &self.0.prefix)
            .env("WINEDEBUG", "-all")
            .env("LANG", "C.UTF-8")
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100")
            .env_remove("LC_ALL")
            .env_remove("DISPLAY")
            .stdin(Stdio::null());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let mut users = USERS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *users -= 1;
        if *users == 0 {
            let _ = Command::new(WINESERVER).arg("-k").env("WINEPREFIX", &self.0.prefix).status();
            let _ = Command::new(WINESERVER).arg("-w").env("WINEPREFIX", &self.0.prefix).status();
        }
    }
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// `/tmp/x` as the Windows program sees it: Wine maps drive Z: to the Unix root.
fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

#[test]
fn explain_prints_what_the_linux_build_prints_in_english_and_chinese_to_a_pipe() {
    let wine = Session::start();
    for lang in ["en", "zh-CN"] {
        let args = ["--lang", lang, "explain", "0xC004F074", "9003"];
        let (exe, reference) = (wine.run(&args), native(&args));
        assert_eq!(exe.status.code(), Some(0), "{}", String::from_utf8_lossy(&exe.stderr));
        let text = String::from_utf8(exe.stdout).expect("UTF-8 on a pipe");
        assert_eq!(text, String::from_utf8(reference.stdout).unwrap());
    }
}

/// Text without escape sequences, carriage returns or any whitespace: a console pads, wraps and
/// moves the cursor as it likes.
fn squeezed(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ parameters final-byte; OSC: ESC ] … BEL.
            match chars.next() {
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    for c in chars.by_ref() {
                        if c == '\x07' {
                            break;
                        }
                    }
                }
                _ => {}
            }
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

#[test]
fn explain_in_chinese_reaches_a_console_as_wide_characters() {
    let wine = Session::start();
    let command = wine.command(&["--lang", "zh-CN", "explain", "0xC004F074"]);
    // `script` gives the program a terminal; Wine then gives it a console, and Rust's std writes
    // to a console with WriteConsoleW, not as bytes.
    let line = std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|a| format!("'{}'", a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ");
    let envs: Vec<(String, String)> = command
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_string_lossy().into_owned(), v?.to_string_lossy().into_owned())))
        .collect();
    let output = Command::new(require("script"))
        .args(["--quiet", "--return", "--command", &line, "/dev/null"])
        .envs(envs)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let console = String::from_utf8_lossy(&output.stdout);
    let reference = String::from_utf8(native(&["--lang", "zh-CN", "explain", "0xC004F074"]).stdout).unwrap();
    assert!(squeezed(&console).contains(&squeezed(&reference)), "console:\n{console}\nexpected:\n{reference}");
    assert!(console.contains("无法联系任何密钥管理服务"), "{console}");
}

#[test]
fn scan_takes_a_windows_path_and_reads_what_the_linux_build_reads() {
    let wine = Session::start();
    let file = shared_dir().join("corpus/evtx/anotherc0ne__EventLog__Application.evtx");
    let exe = wine.run(&["scan", &windows_path(&file), "--json"]);
    let reference = native(&["scan", &file.display().to_string(), "--json"]);
    assert_eq!(exe.status.code(), reference.status.code(), "{}", String::from_utf8_lossy(&exe.stderr));
    let (exe, reference) = (json(&exe), json(&reference));
    assert_eq!(exe["summary"], reference["summary"]);
    assert_eq!(exe["attempts"], reference["attempts"]);
    let states = |v: &Value| -> Vec<(Value, Value)> {
        v["machines"].as_array().unwrap().iter().map(|m| (m["machine"].clone(), m["state"].clone())).collect()
    };
    assert_eq!(states(&exe), states(&reference));
    assert!(exe["sources"][0]["path"].as_str().unwrap().starts_with("Z:\\"), "{}", exe["sources"]);
}

#[test]
fn check_binds_to_a_real_kms_rpc_peer_on_loopback() {
    let wine = Session::start();
    let peer = rpc_peer("kms");
    let output = wine.run(&["check", "--kms", &peer.addr.to_string(), "--timeout", "3s", "--json"]);
    let report = json(&output);
    let found = |finding: &str| {
        report["checks"].as_array().unwrap().iter().find(|c| c["finding"] == finding).map(|c| c["status"].clone())
    };
    assert_eq!(found("tcp_connected"), Some(Value::from("pass")), "{report:#}");
    assert_eq!(found("rpc_kms"), Some(Value::from("pass")), "{report:#}");
}

#[test]
fn serve_answers_on_loopback() {
    let wine = Session::start();
    let mut child = wine
        .command(&["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let Some(port) = listening_port(child.stderr.take().unwrap()) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("actdoc.exe serve did not say where it listens");
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let answer = loop {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let request = format!(
                "GET /api/v1/explain?q=0xC004F074 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(request.as_bytes()).unwrap();
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            break answer;
        }
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            break String::new();
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("SL_E_VL_BINDING_SERVICE_UNAVAILABLE"), "{answer}");
}

/// Wine's WMI has `SoftwareLicensingProduct` (without product keys) but no event log API and no
/// SPP registry key: doctor runs, says what it read and what not, and its bundle judged on Linux
/// gives the same verdicts; `scan` reads the bundle.
#[test]
fn doctor_says_what_it_could_read_and_its_bundle_reads_back_on_linux() {
    let wine = Session::start();
    let peer = rpc_peer("kms");
    let dir = TempDir::new("wine-doctor");
    let bundle = dir.0.join("wine.zip");
    let output = wine.run(&["doctor", "--json", "--kms", &peer.addr.to_string(), "--bundle", &windows_path(&bundle)]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "no product is activated here: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doctor = json(&output);
    let collected = &doctor["collected"];
    assert_eq!(collected["wmi_products"]["ok"], true, "{collected:#}");
    assert!(collected["wmi_products"]["detail"].as_str().unwrap().contains("licensing products"), "{collected:#}");
    assert_eq!(collected["event_log"]["ok"], false, "{collected:#}");
    assert!(collected["event_log"]["detail"].as_str().unwrap().contains("Application log"), "{collected:#}");
    assert_eq!(collected["registry"]["ok"], false, "{collected:#}");
    assert_eq!(collected["checks"]["ok"], true, "{collected:#}");
    assert_eq!(doctor["schema"], 2);
    assert_eq!(doctor["doctor"], 1);
    let rpc = doctor["checks"].as_array().unwrap().iter().find(|c| c["finding"] == "rpc_kms").cloned();
    assert_eq!(rpc.map(|c| c["status"].clone()), Some(Value::from("pass")), "{doctor:#}");

    let again = native(&["doctor", "--from", &bundle.display().to_string(), "--json"]);
    assert_eq!(again.status.code(), Some(1));
    let again = json(&again);
    for key in ["computer", "collected_at", "verdicts", "checks", "collected", "summary"] {
        assert_eq!(again[key], doctor[key], "{key}");
    }
    let scan = json(&native(&["scan", &bundle.display().to_string(), "--json"]));
    assert_eq!(scan["sources"][0]["format"], "bundle", "{scan:#}");

    let quiet = wine.run(&["doctor", "--quiet", "--no-checks"]);
    assert_eq!(quiet.status.code(), Some(1));
    let line = String::from_utf8(quiet.stdout).unwrap();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.ends_with(": no licensed product found\n"), "{line}");
}
