//! `actdoc list [--type T] [--seed]`: the curated codes.

use std::fmt::Write as _;
use std::process::ExitCode;

use actdoc_core::{ActivationType, Kb};
use anyhow::{Result, anyhow};
use serde::Serialize;

use crate::cli::{Format, ListArgs};
use crate::output::{self, Output, Style};

#[derive(Serialize)]
struct Row<'a> {
    code: &'a str,
    name: &'a str,
    name_official: bool,
    seed: bool,
    activation_types: Vec<&'static str>,
    activation_type_ids: Vec<&'static str>,
    message: &'a str,
}

pub(crate) fn run(args: &ListArgs, kb: &Kb, out: &Output) -> Result<ExitCode> {
    let wanted = args
        .activation_type
        .as_deref()
        .map(|id| ActivationType::from_id(id).ok_or_else(|| anyhow!("unknown activation type `{id}`")))
        .transpose()?;
    let mut entries: Vec<_> = kb
        .entries()
        .iter()
        .filter(|e| wanted.is_none_or(|t| e.activation_types.contains(&t)))
        .filter(|e| !args.seed || e.seed)
        .collect();
    entries.sort_by_key(|e| e.value);
    let rows: Vec<Row> = entries
        .iter()
        .map(|e| Row {
            code: &e.code,
            name: &e.name,
            name_official: e.name_official,
            seed: e.seed,
            activation_types: e.activation_types.iter().map(|t| t.label(out.lang)).collect(),
            activation_type_ids: e.activation_types.iter().map(|t| t.id()).collect(),
            message: e.message.get(out.lang),
        })
        .collect();
    match out.format {
        Format::Json => output::print_json(&rows)?,
        Format::Text | Format::Csv | Format::Html | Format::Jsonl => {
            let mut text = String::new();
            for row in &rows {
                let _ = writeln!(
                    text,
                    "{}  {}  {}",
                    out.paint(Style::Code, row.code),
                    out.paint(Style::Heading, row.name),
                    out.paint(Style::Dim, &format!("[{}]", row.activation_types.join(", ")))
                );
                let _ = writeln!(text, "{}", out.wrap(row.message, "    "));
            }
            output::print_text(&text)?;
        }
    }
    Ok(output::exit(if rows.is_empty() { output::PROBLEM } else { output::OK }))
}
