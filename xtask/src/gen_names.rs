//! Builds the code-name tables of `actdoc-core` from `windows-sys` constants and the SL_* TSV.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Per `(table, value)`: `(rank, order seen, name)` for every name of that value.
type NameMap = BTreeMap<(Table, u32), Vec<(u8, usize, String)>>;

const WINDOWS_SYS_VERSION: &str = "0.59.0";
const OUTPUT: &str = "crates/core/src/names/table.rs";

/// Which table a constant belongs to.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Table {
    Win32,
    Hresult,
    Ntstatus,
    Facility,
    NtFacility,
}

/// One file of windows-sys and what to take from it: `(type, name prefix filter, table)`.
struct SourceFile {
    path: &'static str,
    picks: &'static [(&'static str, &'static str, Table)],
}

const SOURCES: &[SourceFile] = &[
    SourceFile {
        path: "Win32/Foundation/mod.rs",
        picks: &[
            ("WIN32_ERROR", "", Table::Win32),
            ("i32", "DNS_", Table::Win32),
            ("u32", "ERROR_", Table::Win32),
            ("i32", "ERROR_", Table::Win32),
            ("windows_sys::core::HRESULT", "", Table::Hresult),
            ("NTSTATUS", "", Table::Ntstatus),
            ("NTSTATUS_FACILITY_CODE", "FACILITY_", Table::NtFacility),
        ],
    },
    SourceFile {
        path: "Win32/System/Diagnostics/Debug/mod.rs",
        picks: &[("FACILITY_CODE", "FACILITY_", Table::Facility)],
    },
    SourceFile { path: "Win32/System/Rpc/mod.rs", picks: &[("RPC_STATUS", "", Table::Win32)] },
    SourceFile { path: "Win32/Networking/WinSock/mod.rs", picks: &[("WSA_ERROR", "", Table::Win32)] },
    SourceFile { path: "Win32/Networking/WinHttp/mod.rs", picks: &[("u32", "ERROR_WINHTTP_", Table::Win32)] },
    SourceFile {
        path: "Win32/Networking/WinInet/mod.rs",
        picks: &[("u32", "ERROR_INTERNET_", Table::Win32), ("u32", "ERROR_HTTP_", Table::Win32)],
    },
    SourceFile {
        path: "Win32/Security/Authentication/Identity/mod.rs",
        picks: &[("windows_sys::core::HRESULT", "SL_", Table::Hresult)],
    },
];

pub(crate) fn run(check_only: bool) -> Result<()> {
    let root = workspace_root()?;
    let shared = shared_dir(&root)?;
    let windows_sys = windows_sys_source(&root)?;

    let mut names: NameMap = BTreeMap::new();
    let mut order = 0usize;
    for source in SOURCES {
        let path = windows_sys.join("src/Windows").join(source.path);
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        for (name, ty, value) in constants(&text) {
            for &(want_ty, prefix, table) in source.picks {
                if ty == want_ty && name.starts_with(prefix) {
                    if let Some(value) = value_for(table, value) {
                        order += 1;
                        push_name(&mut names, table, value, name, order);
                    }
                    break;
                }
            }
        }
    }

    let tsv_path = shared.join("reference/sl-error-codes.tsv");
    let tsv = std::fs::read_to_string(&tsv_path).with_context(|| format!("reading {}", tsv_path.display()))?;
    let mut messages = BTreeMap::new();
    for (line_no, line) in tsv.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [hex, name, message, ..] = fields.as_slice() else {
            bail!("{}:{}: expected hresult, name, message columns", tsv_path.display(), line_no + 1);
        };
        let value = u32::from_str_radix(hex.trim_start_matches("0x"), 16)
            .with_context(|| format!("{}:{}: bad hresult {hex}", tsv_path.display(), line_no + 1))?;
        order += 1;
        push_name(&mut names, Table::Hresult, value, name, order);
        messages.insert(value, (*message).to_string());
    }

    let rendered = render(&names, &messages);
    let out = root.join(OUTPUT);
    if check_only {
        let current = std::fs::read_to_string(&out).unwrap_or_default();
        if current != rendered {
            bail!("{OUTPUT} is out of date: run `cargo xtask gen-names`");
        }
        println!("{OUTPUT} is up to date");
    } else {
        std::fs::write(&out, rendered).with_context(|| format!("writing {}", out.display()))?;
        let count = |t: Table| names.keys().filter(|(table, _)| *table == t).count();
        println!(
            "wrote {OUTPUT}: {} Win32, {} HRESULT, {} NTSTATUS values, {} SL messages",
            count(Table::Win32),
            count(Table::Hresult),
            count(Table::Ntstatus),
            messages.len()
        );
    }
    Ok(())
}

fn push_name(names: &mut NameMap, table: Table, value: u32, name: &str, order: usize) {
    let entry = names.entry((table, value)).or_default();
    if !entry.iter().any(|(_, _, n)| n == name) {
        entry.push((rank(table, value, name), order, name.to_string()));
    }
}

/// Lower ranks come first: the name an IT pro expects to read before obscure aliases.
fn rank(table: Table, value: u32, name: &str) -> u8 {
    match table {
        Table::Hresult => {
            if name.starts_with("SL_E_") {
                0
            } else if name.starts_with("SL_I_") {
                1
            } else if name.starts_with("SL_") || name == "E_RM_UNKNOWN_ERROR" {
                2
            } else if name.starts_with("S_") || name.starts_with("E_") {
                3
            } else {
                4
            }
        }
        Table::Win32 => {
            let winhttp_range = (12000..13000).contains(&value);
            if winhttp_range && name.starts_with("ERROR_WINHTTP_") {
                0
            } else if winhttp_range && name.starts_with("ERROR_INTERNET_") {
                1
            } else if name.starts_with("ERROR_") || name == "NO_ERROR" {
                // The generic Win32 name first: 14 is ERROR_OUTOFMEMORY, not DNS_ERROR_NO_MEMORY.
                2
            } else if ["DNS_ERROR_", "DNS_INFO_", "RPC_S_", "EPT_S_", "WSAE"].iter().any(|p| name.starts_with(p)) {
                3
            } else {
                4
            }
        }
        Table::Ntstatus => u8::from(!(name.starts_with("STATUS_") || name.starts_with("RPC_NT_"))),
        Table::Facility | Table::NtFacility => 0,
    }
}

/// Win32 codes are 16-bit; constants outside that range are flags or sentinels, not errors.
fn value_for(table: Table, value: i64) -> Option<u32> {
    let value = u32::try_from(value).ok().or_else(|| i32::try_from(value).ok().map(i32::cast_unsigned))?;
    match table {
        Table::Win32 => (value < 0x1_0000).then_some(value),
        Table::Hresult | Table::Ntstatus => Some(value),
        Table::Facility => (value < 0x800).then_some(value),
        Table::NtFacility => (value < 0x1000).then_some(value),
    }
}

/// Yields `(name, type, value)` for each `pub const NAME: TYPE = VALUE;` line with a numeric value.
fn constants(text: &str) -> impl Iterator<Item = (&str, &str, i64)> {
    text.lines().filter_map(|line| {
        let rest = line.strip_prefix("pub const ")?;
        let (name, rest) = rest.split_once(": ")?;
        let (ty, rest) = rest.split_once(" = ")?;
        let literal = rest.strip_suffix(';')?;
        Some((name, ty, parse_literal(literal)?))
    })
}

fn parse_literal(literal: &str) -> Option<i64> {
    let literal = literal.trim_end_matches(" as _");
    let digits = ["_u32", "u32", "_i32", "i32"].iter().find_map(|suffix| literal.strip_suffix(suffix))?;
    match digits.strip_prefix("0x") {
        Some(hex) => i64::from_str_radix(&hex.replace('_', ""), 16).ok(),
        None => digits.replace('_', "").parse().ok(),
    }
}

fn render(names: &NameMap, messages: &BTreeMap<u32, String>) -> String {
    let mut out = String::new();
    out.push_str(
        "// @generated by `cargo xtask gen-names`. Do not edit by hand; rerun the command.\n\
         //\n\
         // Sources (facts only: constant names and values, SDK message strings):\n\
         // - the `windows-sys` crate, version 0.59.0 (MIT OR Apache-2.0), files under src/Windows/Win32/:\n\
         //   Foundation (WIN32_ERROR, ERROR_*/DNS_* integers, HRESULT, NTSTATUS), System/Rpc (RPC_STATUS),\n\
         //   Networking/WinSock (WSA_ERROR), Networking/WinHttp (ERROR_WINHTTP_*), Networking/WinInet\n\
         //   (ERROR_INTERNET_*, ERROR_HTTP_*), Security/Authentication/Identity (SL_* HRESULTs),\n\
         //   System/Diagnostics/Debug (FACILITY_CODE), Foundation (NTSTATUS_FACILITY_CODE);\n\
         // - shared/reference/sl-error-codes.tsv: 408 SL_* codes with their English SDK messages\n\
         //   (names/values from windows-sys, messages from py-kms (public domain) and the Windows SDK).\n\
         // Names per value are ranked: the first is the one to show, the rest are aliases.\n\n",
    );
    let tables = [
        (Table::Win32, "WIN32"),
        (Table::Hresult, "HRESULT"),
        (Table::Ntstatus, "NTSTATUS"),
        (Table::Facility, "FACILITY"),
        (Table::NtFacility, "NT_FACILITY"),
    ];
    for (table, ident) in tables {
        let _ = writeln!(out, "pub(crate) static {ident}: &[(u32, &[&str])] = &[");
        for ((_, value), list) in names.range((table, 0)..=(table, u32::MAX)) {
            let mut list = list.clone();
            list.sort();
            let joined = list.iter().map(|(_, _, n)| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
            let _ = writeln!(out, "    (0x{value:08X}, &[{joined}]),");
        }
        out.push_str("];\n\n");
    }
    out.push_str("pub(crate) static SL_MESSAGES: &[(u32, &str)] = &[\n");
    for (value, message) in messages {
        let _ = writeln!(out, "    (0x{value:08X}, {message:?}),");
    }
    out.push_str("];\n");
    out
}

fn workspace_root() -> Result<PathBuf> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().map(Path::to_path_buf).context("xtask has no parent directory")
}

fn shared_dir(root: &Path) -> Result<PathBuf> {
    let dir = std::env::var_os("ACTDOC_SHARED").map_or_else(|| root.join("../shared"), PathBuf::from);
    if !dir.join("reference/sl-error-codes.tsv").is_file() {
        bail!("shared data not found at {} (set ACTDOC_SHARED)", dir.display());
    }
    Ok(dir)
}

/// The windows-sys source that cargo downloaded for xtask's Windows-only dependency.
fn windows_sys_source(root: &Path) -> Result<PathBuf> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).context("parsing cargo metadata")?;
    let packages = metadata["packages"].as_array().context("cargo metadata has no packages")?;
    packages
        .iter()
        .find(|p| p["name"] == "windows-sys" && p["version"] == WINDOWS_SYS_VERSION)
        .and_then(|p| p["manifest_path"].as_str())
        .and_then(|m| Path::new(m).parent().map(Path::to_path_buf))
        .with_context(|| format!("windows-sys {WINDOWS_SYS_VERSION} not in cargo metadata; run `cargo fetch`"))
}
