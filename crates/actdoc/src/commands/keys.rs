//! `actdoc keys [EDITION]`: the KMS client setup keys (GVLKs) Microsoft publishes. These keys are
//! public and only make a machine a KMS client; they activate nothing without a KMS host.

use std::fmt::Write as _;
use std::process::ExitCode;

use actdoc_core::{Lang, Products};
use anyhow::{Result, anyhow};

use crate::cli::{Format, KeysArgs};
use crate::output::{self, Output, Style};

pub(crate) fn run(args: &KeysArgs, out: &Output) -> Result<ExitCode> {
    let products = Products::embedded().map_err(|e| anyhow!("internal error: {e}"))?;
    let query = args.edition.join(" ");
    let matches: Vec<_> = products.matching(&query).into_iter().filter(|p| args.all || p.gvlk.is_some()).collect();
    match out.format {
        Format::Json => output::print_json(&matches)?,
        Format::Text => {
            let mut text = String::new();
            if matches.is_empty() {
                let none = match out.lang {
                    Lang::En => format!("No edition matches `{query}`. Try fewer words, e.g. `actdoc keys pro`."),
                    Lang::ZhCn => format!("没有与“{query}”匹配的版本。请减少关键字，例如 `actdoc keys pro`。"),
                };
                let _ = writeln!(text, "{none}");
            }
            let mut family = "";
            for p in &matches {
                if p.family != family {
                    family = &p.family;
                    let _ = writeln!(text, "{}", out.paint(Style::Heading, family));
                }
                let key = p.gvlk.as_deref().unwrap_or("-----");
                let id = p.activation_id.as_deref().unwrap_or("");
                let _ = writeln!(
                    text,
                    "  {:<29}  {:<48} {}",
                    out.paint(Style::Code, key),
                    p.name,
                    out.paint(Style::Dim, id)
                );
            }
            output::print_text(&text)?;
        }
    }
    Ok(output::exit(if matches.is_empty() { output::PROBLEM } else { output::OK }))
}
