//! `actdoc explain INPUT...`: every code in the inputs, explained.

use std::fmt::Write as _;
use std::io::Read as _;
use std::process::ExitCode;

use actdoc_core::names::NameSource;
use actdoc_core::{Explanation, Kb, Lang, NtStatusView, Severity, explain};
use anyhow::{Context, Result};
use serde::Serialize;

use crate::cli::{ExplainArgs, Format};
use crate::output::{self, Output, Style};

/// One element of the JSON array: an explanation, or the input that was not a code.
#[derive(Serialize)]
#[serde(untagged)]
enum Item<'a> {
    Code(&'a Explanation),
    Error { input: &'a str, error: String },
}

pub(crate) fn run(args: &ExplainArgs, kb: &Kb, out: &Output) -> Result<ExitCode> {
    let inputs = read_inputs(&args.inputs)?;
    let mut results = Vec::new();
    for input in &inputs {
        for result in explain(input, kb, out.lang) {
            results.push((input.as_str(), result));
        }
    }
    if results.is_empty() {
        results.push(("", Err(actdoc_core::InputError::Empty)));
    }

    let status = if results.iter().any(|(_, r)| r.is_err()) {
        output::USAGE
    } else if results.iter().any(|(_, r)| r.as_ref().is_ok_and(|e| !e.is_known())) {
        output::PROBLEM
    } else {
        output::OK
    };

    match out.format {
        Format::Json => {
            let items: Vec<Item> = results
                .iter()
                .map(|(input, r)| match r {
                    Ok(e) => Item::Code(e),
                    Err(err) => Item::Error { input, error: err.to_string() },
                })
                .collect();
            output::print_json(&items)?;
        }
        Format::Text | Format::Csv | Format::Html | Format::Jsonl => {
            // Printed one by one, so an error on stderr lands between the results it came between.
            for (i, (_, result)) in results.iter().enumerate() {
                match result {
                    Ok(e) => {
                        let mut text = String::new();
                        if i > 0 {
                            text.push('\n');
                        }
                        render(&mut text, e, out);
                        output::print_text(&text)?;
                    }
                    Err(err) => eprintln!("actdoc: {err}"),
                }
            }
        }
    }
    Ok(output::exit(status))
}

/// `-` stands for standard input, read whole as one text (slmgr output, a log excerpt): every
/// code in it is explained once, and lines without codes are simply text around them.
fn read_inputs(args: &[String]) -> Result<Vec<String>> {
    let mut inputs = Vec::with_capacity(args.len());
    for arg in args {
        if arg == "-" {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes).context("reading standard input")?;
            inputs.push(String::from_utf8_lossy(&bytes).into_owned());
        } else {
            inputs.push(arg.clone());
        }
    }
    Ok(inputs)
}

struct Labels {
    colon: &'static str,
    message: &'static str,
    types: &'static str,
    structure: &'static str,
    note: &'static str,
    likely: &'static str,
    cause: &'static str,
    resolution: &'static str,
    related: &'static str,
    confirm: &'static str,
    readings: &'static str,
    aliases: &'static str,
    not_curated: &'static str,
    unknown: &'static str,
    unofficial: &'static str,
}

const EN: Labels = Labels {
    colon: ":",
    message: "Message",
    types: "Activation",
    structure: "Structure",
    note: "Note",
    likely: "Likely code",
    cause: "Cause",
    resolution: "Resolution",
    related: "Related",
    confirm: "Confirm with",
    readings: "Other readings",
    aliases: "Also named",
    not_curated: "Not in the curated set: name and structure only.",
    unknown: "(no known name)",
    unofficial: "(descriptive name, not an SDK symbol)",
};

const ZH: Labels = Labels {
    colon: "：",
    message: "消息",
    types: "激活类型",
    structure: "结构",
    note: "备注",
    likely: "可能的实际代码",
    cause: "原因",
    resolution: "解决方法",
    related: "相关错误码",
    confirm: "可用以下命令确认",
    readings: "其他解读",
    aliases: "别名",
    not_curated: "此代码不在精选知识库中：仅提供名称和结构解析。",
    unknown: "（无已知名称）",
    unofficial: "（描述性名称，并非 SDK 符号）",
};

fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::En => &EN,
        Lang::ZhCn => &ZH,
    }
}

fn render(text: &mut String, e: &Explanation, out: &Output) {
    let l = labels(out.lang);
    let name = e.name.as_deref().unwrap_or(l.unknown);
    let _ = writeln!(text, "{}  {}", out.paint(Style::Code, &e.code), out.paint(Style::Heading, name));
    if e.input != e.code {
        let _ = writeln!(text, "{}", out.paint(Style::Dim, &format!("  ← {}", e.input)));
    }
    if e.name.is_some() && !e.name_official {
        let _ = writeln!(text, "  {}", out.paint(Style::Dim, l.unofficial));
    }
    let field = |text: &mut String, label: &str, value: &str| {
        let _ = writeln!(text, "{}", out.paint(Style::Label, &format!("{label}{}", l.colon)));
        let _ = writeln!(text, "{}", out.wrap(value, "  "));
    };
    if let Some(likely) = &e.likely_code {
        field(text, l.likely, likely);
    }
    if let Some(message) = &e.message {
        field(text, l.message, message);
    }
    if !e.activation_types.is_empty() {
        field(text, l.types, &e.activation_types.join(" / "));
    }
    field(text, l.structure, &structure(e, out.lang));
    if !e.aliases.is_empty() {
        field(text, l.aliases, &e.aliases.join(", "));
    }
    if let Some(note) = &e.note {
        field(text, l.note, note);
    }
    if let Some(cause) = &e.cause {
        field(text, l.cause, cause);
    }
    if !e.resolution.is_empty() {
        let _ = writeln!(text, "{}", out.paint(Style::Label, &format!("{}{}", l.resolution, l.colon)));
        for (i, step) in e.resolution.iter().enumerate() {
            let prefix = format!("{:>3}. ", i + 1);
            let wrapped = out.wrap(step, "     ");
            let _ = writeln!(text, "{prefix}{}", wrapped.trim_start());
        }
    }
    if !e.related.is_empty() {
        field(text, l.related, &e.related.join("  "));
    }
    if !e.checked_by.is_empty() {
        let commands: Vec<String> = e.checked_by.iter().map(|c| format!("actdoc {c}")).collect();
        field(text, l.confirm, &commands.join(", "));
    }
    let others: Vec<String> = e
        .readings
        .iter()
        .skip(1)
        .map(|r| format!("{} {} ({})", r.code, r.name.as_deref().unwrap_or("?"), r.kind))
        .collect();
    if !others.is_empty() {
        field(text, l.readings, &others.join("; "));
    }
    if !e.curated {
        let _ = writeln!(text, "{}", out.paint(Style::Warn, l.not_curated));
    }
}

fn structure(e: &Explanation, lang: Lang) -> String {
    let d = &e.decoded;
    let facility = d.facility_name.map_or_else(|| d.facility.to_string(), |n| format!("{} {n}", d.facility));
    let mut s = match lang {
        Lang::En => format!(
            "HRESULT {}, facility {facility}, code 0x{:04X} ({})",
            match d.severity {
                Severity::Failure => "failure",
                Severity::Success => "success",
            },
            d.code,
            d.code
        ),
        Lang::ZhCn => format!(
            "HRESULT {}，设施 {facility}，代码 0x{:04X}（{}）",
            match d.severity {
                Severity::Failure => "失败",
                Severity::Success => "成功",
            },
            d.code,
            d.code
        ),
    };
    if let Some(win32) = d.win32 {
        let _ = write!(s, "{}Win32 {win32}", if lang == Lang::En { "; " } else { "；" });
    }
    if d.customer {
        s.push_str(if lang == Lang::En { "; customer bit set" } else { "；已设置客户位" });
    }
    // The NTSTATUS reading only helps where the value is an NTSTATUS or nothing else names it;
    // for SL_* codes it would just relabel facility 4.
    let nt_relevant = e.name.is_none() || e.name_source == Some(NameSource::Ntstatus);
    if let Some(NtStatusView { severity, facility, facility_name, .. }) = d.ntstatus.as_ref().filter(|_| nt_relevant) {
        let name = facility_name.map_or_else(|| format!("0x{facility:03X}"), |n| format!("0x{facility:03X} {n}"));
        let severity = severity.label(lang);
        let _ = match lang {
            Lang::En => write!(s, "; as NTSTATUS: {severity}, facility {name}"),
            Lang::ZhCn => write!(s, "；按 NTSTATUS：{severity}，设施 {name}"),
        };
    }
    s
}
