//! The Linux build of `actdoc` as the CLI tests run it: no colour, the default width and English,
//! whatever the environment of the test run says.

use std::process::{Command, Output};

pub(crate) fn actdoc(args: &[&str]) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin("actdoc"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .output()
        .expect("run the actdoc binary")
}
