//! `actdoc search TEXT`: codes whose message, cause or resolution match, best first.

use std::fmt::Write as _;
use std::process::ExitCode;

use actdoc_core::{Kb, Lang, search};
use anyhow::Result;

use crate::cli::{Format, SearchArgs};
use crate::output::{self, Output, Style};

pub(crate) fn run(args: &SearchArgs, kb: &Kb, out: &Output) -> Result<ExitCode> {
    let query = args.text.join(" ");
    let hits = search(&query, kb, out.lang, args.limit);
    match out.format {
        Format::Json => output::print_json(&hits)?,
        Format::Text | Format::Csv | Format::Html | Format::Jsonl => {
            let mut text = String::new();
            if hits.is_empty() {
                let none = match out.lang {
                    Lang::En => format!("No code matches `{query}`."),
                    Lang::ZhCn => format!("没有与“{query}”匹配的错误码。"),
                };
                let _ = writeln!(text, "{none}");
            }
            for (i, hit) in hits.iter().enumerate() {
                let tag = if hit.curated { "" } else { "  (SDK)" };
                let _ = writeln!(
                    text,
                    "{:>2}. {}  {}{}",
                    i + 1,
                    out.paint(Style::Code, &hit.code),
                    out.paint(Style::Heading, hit.name.as_deref().unwrap_or("?")),
                    out.paint(Style::Dim, tag)
                );
                if let Some(message) = &hit.message {
                    let _ = writeln!(text, "{}", out.wrap(message, "    "));
                }
            }
            output::print_text(&text)?;
        }
    }
    Ok(output::exit(if hits.is_empty() { output::PROBLEM } else { output::OK }))
}
