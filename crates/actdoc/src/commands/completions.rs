//! `actdoc completions SHELL`: a completion script on standard output.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::output;

pub(crate) fn run(args: &CompletionsArgs) -> ExitCode {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "actdoc", &mut std::io::stdout());
    output::exit(output::OK)
}
