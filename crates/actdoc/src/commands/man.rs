//! `actdoc man`: the man page, generated from the same clap definitions as `--help`.

use std::process::ExitCode;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::Cli;
use crate::output;

pub(crate) fn run() -> Result<ExitCode> {
    clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
    Ok(output::exit(output::OK))
}
