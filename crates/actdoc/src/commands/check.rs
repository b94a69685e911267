//! `actdoc check`: what the article tells IT pros to check by hand (nslookup, Test-NetConnection,
//! w32tm), done at once and concurrently, each failure naming the codes it explains.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use actdoc_core::{Kb, Lang, explain};
use actdoc_probe::target::{KMS_PORT, NTP_PORT, parse_dns_server, parse_domain, parse_host_port};
use actdoc_probe::texts::describe;
use actdoc_probe::{Check, CheckOptions, CheckReport, Status, run_checks};
use anyhow::{Context, Result};
use serde::Serialize;

use crate::cli::{CheckArgs, Format};
use crate::output::{self, Output, Style};

/// A check as the JSON shows it: the probe's data plus sentences in the chosen language.
#[derive(Serialize)]
struct CheckView<'a> {
    #[serde(flatten)]
    check: &'a Check,
    title: &'static str,
    next_step: &'static str,
    /// The codes this failure explains, with their names.
    codes: Vec<CodeRef>,
}

#[derive(Serialize)]
struct CodeRef {
    code: String,
    name: Option<String>,
}

#[derive(Serialize)]
struct Summary {
    pass: usize,
    warn: usize,
    fail: usize,
}

/// The JSON document: the probe's report with each check put into words.
#[derive(Serialize)]
struct View<'a> {
    summary: Summary,
    checks: Vec<CheckView<'a>>,
    dns: &'a actdoc_probe::run::DnsConfig,
    discoveries: &'a [actdoc_probe::run::Discovery],
    targets: &'a [actdoc_probe::run::TargetReport],
    clock: Option<&'a actdoc_probe::run::ClockReport>,
    timeout_ms: u64,
    elapsed_ms: u64,
}

pub(crate) fn run(args: &CheckArgs, kb: &Kb, out: &Output) -> Result<ExitCode> {
    let options = options(args)?;
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")?;
    let report = runtime.block_on(run_checks(&options));

    let failed = report.checks.iter().any(|c| c.status == Status::Fail);
    match out.format {
        Format::Json => output::print_json(&json_view(&report, kb, out.lang))?,
        Format::Text | Format::Csv | Format::Html | Format::Jsonl => {
            let views: Vec<CheckView> = report.checks.iter().map(|c| view(c, kb, out.lang)).collect();
            output::print_text(&render(&views, &summary(&report), &report, out))?;
        }
    }
    Ok(output::exit(if failed { output::PROBLEM } else { output::OK }))
}

fn summary(report: &CheckReport) -> Summary {
    let count = |s: Status| report.checks.iter().filter(|c| c.status == s).count();
    Summary { pass: count(Status::Pass), warn: count(Status::Warn), fail: count(Status::Fail) }
}

/// The JSON document of `check --json`, also what `serve` answers on /api/v1/check.
pub(crate) fn json_view(report: &CheckReport, kb: &Kb, lang: Lang) -> serde_json::Value {
    let view = View {
        summary: summary(report),
        checks: report.checks.iter().map(|c| view(c, kb, lang)).collect(),
        dns: &report.dns,
        discoveries: &report.discoveries,
        targets: &report.targets,
        clock: report.clock.as_ref(),
        timeout_ms: report.timeout_ms,
        elapsed_ms: report.elapsed_ms,
    };
    serde_json::to_value(&view).unwrap_or_default()
}

fn options(args: &CheckArgs) -> Result<CheckOptions> {
    let domains = args.domains.iter().map(|d| parse_domain(d).context("--domain")).collect::<Result<Vec<_>>>()?;
    let kms = args.kms.iter().map(|k| parse_host_port(k, KMS_PORT).context("--kms")).collect::<Result<Vec<_>>>()?;
    let dns_server = args.dns_server.as_deref().map(|s| parse_dns_server(s).context("--dns-server")).transpose()?;
    let ntp = args.ntp.as_deref().map(|s| parse_host_port(s, NTP_PORT).context("--ntp")).transpose()?;
    Ok(CheckOptions { domains, kms, dns_server, ntp, timeout: args.timeout })
}

/// Accepts `3`, `3s`, `1.5s` and `500ms`.
pub(crate) fn parse_timeout(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, scale) =
        if let Some(ms) = s.strip_suffix("ms") { (ms, 0.001) } else { (s.strip_suffix('s').unwrap_or(s), 1.0) };
    let value: f64 = number.trim().parse().map_err(|_| format!("`{s}` is not a duration (use 3, 3s or 500ms)"))?;
    let seconds = value * scale;
    if !(0.001..=3600.0).contains(&seconds) {
        return Err(format!("`{s}` is out of range (1ms to 1h)"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn view<'a>(check: &'a Check, kb: &Kb, lang: Lang) -> CheckView<'a> {
    let (title, next_step) = describe(check.finding, lang);
    let codes = check
        .explains
        .iter()
        .map(|code| {
            let name = explain(code, kb, lang).into_iter().next().and_then(Result::ok).and_then(|e| e.name);
            CodeRef { code: (*code).to_string(), name }
        })
        .collect();
    CheckView { check, title, next_step, codes }
}

/// `PASS`, `WARN`, `FAIL` (通过, 警告, 失败), coloured: `check` and `doctor` print checks alike.
pub(crate) fn status_label(status: Status, out: &Output) -> String {
    let (pass, warn, fail) = match out.lang {
        Lang::En => ("PASS", "WARN", "FAIL"),
        Lang::ZhCn => ("通过", "警告", "失败"),
    };
    match status {
        Status::Pass => out.paint(Style::Label, pass),
        Status::Warn => out.paint(Style::Code, warn),
        Status::Fail => out.paint(Style::Warn, fail),
    }
}

fn render(views: &[CheckView], summary: &Summary, report: &CheckReport, out: &Output) -> String {
    let mut text = String::new();
    for v in views {
        let status = status_label(v.check.status, out);
        let _ = writeln!(
            text,
            "[{status}] {}  {}",
            out.paint(Style::Heading, v.title),
            out.paint(Style::Dim, &v.check.subject)
        );
        let _ = writeln!(text, "{}", out.wrap(&v.check.evidence, "       "));
        if v.check.status != Status::Pass {
            if !v.codes.is_empty() {
                let codes: Vec<String> =
                    v.codes.iter().map(|c| format!("{} {}", c.code, c.name.as_deref().unwrap_or_default())).collect();
                let label = if out.lang == Lang::En { "explains: " } else { "可解释：" };
                let _ = writeln!(text, "{}", out.wrap(&format!("{label}{}", codes.join(", ")), "       "));
            }
            let label = if out.lang == Lang::En { "next: " } else { "下一步：" };
            let _ = writeln!(text, "{}", out.wrap(&format!("{label}{}", v.next_step), "       "));
        }
    }
    let line = match out.lang {
        Lang::En => format!(
            "{} passed, {} warnings, {} failed in {} ms (timeout {} ms per target)",
            summary.pass, summary.warn, summary.fail, report.elapsed_ms, report.timeout_ms
        ),
        Lang::ZhCn => format!(
            "{} 项通过，{} 项警告，{} 项失败，用时 {} 毫秒（每个目标超时 {} 毫秒）",
            summary.pass, summary.warn, summary.fail, report.elapsed_ms, report.timeout_ms
        ),
    };
    if views.is_empty() {
        let none = if out.lang == Lang::En { "Nothing to check." } else { "没有可检查的项目。" };
        let _ = writeln!(text, "{none}");
    }
    let _ = writeln!(text, "{line}");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_in_the_forms_users_type() {
        assert_eq!(parse_timeout("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_timeout("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_timeout("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_timeout("1.5s"), Ok(Duration::from_millis(1500)));
        for bad in ["", "abc", "-1", "0", "2h", "99999"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }
}
