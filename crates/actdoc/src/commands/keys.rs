//! `actdoc keys [EDITION]`: the KMS client setup keys (GVLKs) Microsoft publishes. These keys are
//! public and only make a machine a KMS client; they activate nothing without a KMS host.

use std::fmt::Write as _;
use std::process::ExitCode;

use actdoc_core::{Lang, Product, Products};
use anyhow::{Result, anyhow};
use serde::Serialize;

use crate::cli::{Format, KeysArgs};
use crate::output::{self, Output, Style};

#[derive(Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    product: &'a Product,
    /// Unique machines the KMS host must have seen before it activates this product.
    kms_threshold: u32,
}

pub(crate) fn run(args: &KeysArgs, out: &Output) -> Result<ExitCode> {
    let products = Products::embedded().map_err(|e| anyhow!("internal error: {e}"))?;
    let query = args.edition.join(" ");
    let matches: Vec<&Product> =
        products.matching(&query).into_iter().filter(|p| args.all || p.gvlk.is_some()).collect();
    match out.format {
        Format::Json => {
            let rows: Vec<Row> =
                matches.iter().map(|p| Row { product: p, kms_threshold: p.kind.kms_threshold() }).collect();
            output::print_json(&rows)?;
        }
        Format::Text | Format::Csv | Format::Html | Format::Jsonl => {
            output::print_text(&render(&matches, &query, out))?;
        }
    }
    Ok(output::exit(if matches.is_empty() { output::PROBLEM } else { output::OK }))
}

fn render(matches: &[&Product], query: &str, out: &Output) -> String {
    let mut text = String::new();
    if matches.is_empty() {
        let none = match out.lang {
            Lang::En => format!("No edition matches `{query}`. Try fewer words, e.g. `actdoc keys pro`."),
            Lang::ZhCn => format!("没有与“{query}”匹配的版本。请减少关键字，例如 `actdoc keys pro`。"),
        };
        let _ = writeln!(text, "{none}");
    }
    // Group by family in the order families first appear, however the matches interleave.
    let mut families: Vec<&str> = Vec::new();
    for p in matches {
        if !families.contains(&p.family.as_str()) {
            families.push(&p.family);
        }
    }
    for family in families {
        let members: Vec<&&Product> = matches.iter().filter(|p| p.family == family).collect();
        let threshold = members.first().map_or(25, |p| p.kind.kms_threshold());
        let note = match out.lang {
            Lang::En => format!("(KMS activates once the host has seen {threshold} machines)"),
            Lang::ZhCn => format!("（KMS 主机计数达到 {threshold} 后才会激活）"),
        };
        let _ = writeln!(text, "{} {}", out.paint(Style::Heading, family), out.paint(Style::Dim, &note));
        for p in members {
            let key = p.gvlk.as_deref().unwrap_or("-----");
            let id = p.activation_id.as_deref().unwrap_or("");
            let _ =
                writeln!(text, "  {:<29}  {:<48} {}", out.paint(Style::Code, key), p.name, out.paint(Style::Dim, id));
        }
    }
    text
}
