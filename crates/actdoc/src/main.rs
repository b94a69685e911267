//! `actdoc`, the Activation Doctor command line. Parsing lives in `cli.rs`, each subcommand in
//! `commands/`, shared output plumbing in `output.rs`; the knowledge itself is in `actdoc-core`.

mod cli;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("actdoc: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
