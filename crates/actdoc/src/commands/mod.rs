//! One file per subcommand; each returns the process exit status.

mod check;
mod completions;
mod doctor;
mod explain;
mod export;
mod keys;
mod list;
mod man;
mod scan;
mod search;
mod serve;

use std::process::ExitCode;

use actdoc_core::Kb;
use anyhow::Result;

use crate::cli::{Cli, Command, Format};
use crate::output::Output;

pub(crate) use check::parse_timeout;

pub(crate) fn run(cli: Cli) -> Result<ExitCode> {
    let out = Output::from_args(&cli.global)?;
    if matches!(out.format, Format::Csv | Format::Html | Format::Jsonl) && !matches!(cli.command, Command::Scan(_)) {
        anyhow::bail!("--format csv, html and jsonl are for `scan`; this command prints text or json");
    }
    match cli.command {
        Command::Scan(args) => scan::run(&args, kb()?, &out),
        Command::Explain(args) => explain::run(&args, kb()?, &out),
        Command::Search(args) => search::run(&args, kb()?, &out),
        Command::List(args) => list::run(&args, kb()?, &out),
        Command::Keys(args) => keys::run(&args, &out),
        Command::Check(args) => check::run(&args, kb()?, &out),
        Command::Serve(args) => serve::run(&args, kb()?, &out),
        Command::Doctor(args) => doctor::run(&args, kb()?, &out),
        Command::Export(what) => export::run(&what, kb()?, &out),
        Command::Completions(args) => Ok(completions::run(&args)),
        Command::Man => man::run(),
    }
}

/// The embedded knowledge base; it failing to load is a build defect, reported as an internal error.
fn kb() -> Result<&'static Kb> {
    Kb::embedded().map_err(|e| anyhow::anyhow!("internal error: the embedded knowledge base is invalid: {e}"))
}
