//! `actdoc export`: files for the tools a fleet already runs. `wef` prints both subscriptions,
//! each a whole XML document, or writes them into a folder for `wecutil cs`.

use std::process::ExitCode;

use actdoc_export::wef::{self, Subscription};
use anyhow::{Context, Result};
use serde::Serialize;

use actdoc_core::Kb;

use crate::cli::{ExportWhat, Format, SigmaArgs, WefArgs};
use crate::output::{self, Output};

pub(crate) fn run(what: &ExportWhat, kb: &Kb, out: &Output) -> Result<ExitCode> {
    match what {
        ExportWhat::Wef(args) => wef(args, out),
        ExportWhat::Sigma(args) => sigma(args, kb, out),
    }
}

/// `--json`: each rule's file, name and id.
#[derive(Serialize)]
struct RuleView<'a> {
    file: &'a str,
    name: &'a str,
    id: String,
}

fn sigma(args: &SigmaArgs, kb: &Kb, out: &Output) -> Result<ExitCode> {
    let rules = actdoc_export::sigma::rules(kb);
    std::fs::create_dir_all(&args.dir).with_context(|| format!("creating {}", args.dir.display()))?;
    for rule in &rules {
        let path = args.dir.join(&rule.file_name);
        std::fs::write(&path, &rule.yaml).with_context(|| format!("writing {}", path.display()))?;
    }
    match out.format {
        Format::Json => {
            let views: Vec<RuleView> =
                rules.iter().map(|r| RuleView { file: &r.file_name, name: r.name, id: r.id.to_string() }).collect();
            output::print_json(&views)?;
        }
        Format::Text | Format::Csv | Format::Html | Format::Jsonl => {
            let lines: Vec<String> =
                rules.iter().map(|r| format!("{}  {}\n", r.id, args.dir.join(&r.file_name).display())).collect();
            output::print_text(&lines.concat())?;
        }
    }
    Ok(output::exit(output::OK))
}

/// `--json`: each document with its file name and subscription id.
#[derive(Serialize)]
struct SubscriptionView<'a> {
    file: &'a str,
    id: &'a str,
    xml: &'a str,
}

fn wef(args: &WefArgs, out: &Output) -> Result<ExitCode> {
    let mut options = wef::Options::default();
    if let Some(sddl) = &args.allowed_sddl {
        options.allowed_sddl.clone_from(sddl);
    }
    let subscriptions = wef::subscriptions(&options);
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for s in &subscriptions {
            let path = dir.join(s.file_name);
            std::fs::write(&path, &s.xml).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("actdoc: wrote {} (wecutil cs \"{}\")", path.display(), path.display());
        }
        return Ok(output::exit(output::OK));
    }
    match out.format {
        Format::Json => {
            let views: Vec<SubscriptionView> = subscriptions
                .iter()
                .map(|s: &Subscription| SubscriptionView { file: s.file_name, id: s.id, xml: &s.xml })
                .collect();
            output::print_json(&views)?;
        }
        Format::Text | Format::Csv | Format::Html | Format::Jsonl => {
            let text: Vec<&str> = subscriptions.iter().map(|s| s.xml.as_str()).collect();
            output::print_text(&text.join("\n"))?;
        }
    }
    Ok(output::exit(output::OK))
}
