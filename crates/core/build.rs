//! Embeds every `kb/codes/*.toml` file, so adding a curated code is adding a file.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let codes_dir = Path::new(&manifest_dir).join("kb/codes");
    println!("cargo:rerun-if-changed={}", codes_dir.display());
    println!("cargo:rerun-if-changed={}", Path::new(&manifest_dir).join("kb/products.toml").display());

    // An unreadable data directory must fail the build, not ship an empty knowledge base.
    let mut files: Vec<_> = match std::fs::read_dir(&codes_dir) {
        Ok(entries) => entries.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(err) => {
            println!("cargo:warning=cannot read {}: {err}", codes_dir.display());
            std::process::exit(1);
        }
    };
    files.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    files.sort();

    let mut out = String::from("pub(crate) static CODE_FILES: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let _ = writeln!(out, "    ({name:?}, include_str!({:?})),", path.display().to_string());
    }
    out.push_str("];\n");
    let out_dir = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    if let Err(err) = std::fs::write(Path::new(&out_dir).join("kb_files.rs"), out) {
        println!("cargo:warning=cannot write kb_files.rs: {err}");
        std::process::exit(1);
    }
}
