//! Developer chores that produce committed files. Run with `cargo xtask <command>` (alias in
//! `.cargo/config.toml`).
//!
//! `gen-names` regenerates `crates/core/src/names/table.rs` from two named sources:
//! the `windows-sys` 0.59.0 crate's source (MIT OR Apache-2.0; constants only) and
//! `../shared/reference/sl-error-codes.tsv` (SL_* names and their English SDK messages).

mod gen_names;

use anyhow::{Result, bail};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("gen-names") => gen_names::run(args.next().as_deref() == Some("--check")),
        Some(other) => bail!("unknown xtask command `{other}`; known: gen-names [--check]"),
        None => bail!("usage: cargo xtask gen-names [--check]"),
    }
}
