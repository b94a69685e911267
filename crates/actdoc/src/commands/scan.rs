//! `actdoc scan PATH...`: event logs and slmgr output from one machine or a fleet, turned into
//! findings: per machine the real error and what to do, per KMS host its count.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

use actdoc_core::{Kb, Lang, Products};
use actdoc_fleet::{Options, analyse};
use actdoc_logs::scan::{Progress, ScanOptions, scan};
use actdoc_logs::time::Timestamp;
use actdoc_report::model::{LicenseStatus, MachineState, Product, Report, SCHEMA, Severity};
use actdoc_report::{csv, html};
use anyhow::{Context, Result, anyhow, bail};

use crate::cli::{CsvTable, Format, ScanArgs};
use crate::output::{self, Output, Style, clean};

/// Output buffer: a 100,000-machine report is 290 MB of JSON, and 8 KiB writes made 35,000
/// system calls of it.
const WRITE_BUFFER: usize = 1 << 20;

pub(crate) fn run(args: &ScanArgs, kb: &Kb, out: &Output) -> Result<ExitCode> {
    let products = Products::embedded().map_err(|e| anyhow!("internal error: {e}"))?;
    let as_of = args.as_of.as_deref().map(|s| parse_time("--as-of", s, END_OF_DAY)).transpose()?;
    let since = args.since.as_deref().map(|s| parse_time("--since", s, START_OF_DAY)).transpose()?;
    let until = args.until.as_deref().map(|s| parse_time("--until", s, END_OF_DAY)).transpose()?;
    if let (Some(since), Some(until)) = (since, until)
        && since > until
    {
        bail!("--since {since} is after --until {until}: no event could be inside");
    }
    for path in &args.paths {
        if !path.exists() {
            bail!("{}: no such file or directory", path.display());
        }
    }

    let progress = Progress::default();
    let mut collected = std::thread::scope(|s| {
        // Only a terminal gets a progress bar; it must not make a quick scan wait for its tick.
        let bar = std::io::stderr().is_terminal().then(|| s.spawn(|| show_progress(&progress)));
        let mode = if args.full_parse { actdoc_logs::evtx::Mode::FullParse } else { actdoc_logs::evtx::Mode::Selector };
        let collected = scan(&args.paths, &ScanOptions { evtx_mode: mode, ..ScanOptions::default() }, &progress);
        progress.files_done.store(u64::MAX, Ordering::Relaxed);
        if let Some(bar) = bar {
            bar.thread().unpark();
            let _ = bar.join();
        }
        collected
    });

    collected.keep_window(since, until, actdoc_fleet::HOST_CONTEXT);
    for w in &collected.warnings {
        let at = w.offset.map(|o| format!(" (byte {o})")).unwrap_or_default();
        eprintln!("actdoc: warning: {}{at}: {}", clean(&w.file), clean(&w.message));
    }
    let readable = collected.sources.iter().filter(|s| s.format != actdoc_logs::scan::Format::Unreadable).count();
    if readable == 0 {
        bail!(
            "nothing readable in {} (no EVTX file, event XML, collector or shipper JSON lines, doctor bundle, or slmgr, ospp.vbs or PowerShell output)",
            args.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }

    let report = analyse(
        &collected,
        &Options { kb, products, lang: out.lang, as_of, generated_by: format!("actdoc {}", env!("CARGO_PKG_VERSION")) },
    );
    // A fleet's report runs to hundreds of megabytes: write it out as it is rendered, not whole.
    let render = |w: &mut dyn Write| -> Result<()> {
        match out.format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut *w, &report)?;
                writeln!(w)?;
            }
            Format::Csv => w.write_all(
                match args.csv {
                    CsvTable::Products => csv::products_csv(&report),
                    CsvTable::Findings => csv::findings_csv(&report),
                }
                .as_bytes(),
            )?,
            Format::Html => w.write_all(html::render(&report).as_bytes())?,
            Format::Jsonl => {
                for finding in &report.findings {
                    serde_json::to_writer(
                        &mut *w,
                        &FindingLine { schema: SCHEMA, generated_by: &report.generated_by, finding },
                    )?;
                    writeln!(w)?;
                }
            }
            Format::Text => w.write_all(render_text(&report, out).as_bytes())?,
        }
        Ok(w.flush()?)
    };
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
            render(&mut BufWriter::with_capacity(WRITE_BUFFER, file))
                .with_context(|| format!("writing {}", path.display()))?;
        }
        None => render(&mut BufWriter::with_capacity(WRITE_BUFFER, std::io::stdout().lock()))?,
    }
    let problem = report.findings.iter().any(|f| f.severity != Severity::Info);
    Ok(output::exit(if problem { output::PROBLEM } else { output::OK }))
}

/// One line of `--format jsonl`: a finding, with the report's version and producer so each line
/// stands alone in a SIEM.
#[derive(serde::Serialize)]
struct FindingLine<'a> {
    schema: u32,
    generated_by: &'a str,
    #[serde(flatten)]
    finding: &'a actdoc_report::model::Finding,
}

const START_OF_DAY: &str = "T00:00:00Z";
const END_OF_DAY: &str = "T23:59:59Z";

/// `2024-05-01` or a full RFC 3339 time; a date means the time of day given (UTC).
fn parse_time(option: &str, s: &str, time_of_day: &str) -> Result<Timestamp> {
    Timestamp::parse_rfc3339(s)
        .or_else(|| Timestamp::parse_rfc3339(&format!("{s}{time_of_day}")))
        .ok_or_else(|| anyhow!("{option} `{s}`: expected a date like 2024-05-01 or 2024-05-01T12:00:00Z"))
}

/// A progress bar on stderr while files are read; indicatif draws nothing when stderr is not a
/// terminal, so pipes and CI logs stay clean.
fn show_progress(progress: &Progress) {
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {pos}/{len} files {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    loop {
        let done = progress.files_done.load(Ordering::Relaxed);
        if done == u64::MAX {
            break;
        }
        bar.set_length(progress.files_total.load(Ordering::Relaxed));
        bar.set_position(done);
        let mib = |b: u64| b / (1024 * 1024);
        bar.set_message(format!(
            "{}/{} MiB, {} hits",
            mib(progress.bytes_done.load(Ordering::Relaxed)),
            mib(progress.bytes_total.load(Ordering::Relaxed)),
            progress.hits.load(Ordering::Relaxed)
        ));
        std::thread::park_timeout(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}

fn state_label(state: MachineState, lang: Lang) -> &'static str {
    match (state, lang) {
        (MachineState::Activated, Lang::En) => "activated",
        (MachineState::Failing, Lang::En) => "FAILING",
        (MachineState::Grace, Lang::En) => "grace",
        (MachineState::Unknown, Lang::En) => "unknown",
        (MachineState::Activated, Lang::ZhCn) => "已激活",
        (MachineState::Failing, Lang::ZhCn) => "失败",
        (MachineState::Grace, Lang::ZhCn) => "宽限期",
        (MachineState::Unknown, Lang::ZhCn) => "未知",
    }
}

/// One product: its name, verdict, the error or reason, its KMS host and the days left.
fn product_line(p: &Product, out: &Output) -> String {
    let en = out.lang == Lang::En;
    let state = state_label(p.state, out.lang);
    let state = if p.state == MachineState::Failing { out.paint(Style::Warn, state) } else { state.to_string() };
    let name = clean(p.product.as_deref().or(p.sku.as_deref()).unwrap_or(p.app.id()));
    let error = p
        .last_error
        .as_ref()
        .or(p.reason.as_ref())
        .map(|e| format!("{} {}", e.code, e.name.as_deref().unwrap_or_default()))
        .unwrap_or_default();
    let kms = p.kms_host.as_deref().map(|k| format!("KMS {}", clean(k))).unwrap_or_default();
    let days =
        p.days_left.map(|d| if en { format!("{d} days left") } else { format!("剩余 {d} 天") }).unwrap_or_default();
    let status = p.license_status.map(LicenseStatus::id).unwrap_or_default();
    let fields: Vec<String> = [out.paint(Style::Code, error.trim()), kms, days, status.to_string()]
        .into_iter()
        .filter(|f| !f.is_empty())
        .collect();
    format!("    {:<38} {:<10} {}", name, state, fields.join("  "))
}

fn render_text(report: &Report, out: &Output) -> String {
    let en = out.lang == Lang::En;
    let mut text = String::new();
    let heading = |t: &mut String, s: &str| {
        let _ = writeln!(t, "{}", out.paint(Style::Heading, s));
    };
    heading(&mut text, if en { "Machines" } else { "计算机" });
    if report.machines.is_empty() {
        let _ = writeln!(text, "  {}", if en { "(no activation events found)" } else { "（未找到激活事件）" });
    }
    for m in &report.machines {
        let state = state_label(m.state, out.lang);
        let state = if m.state == MachineState::Failing { out.paint(Style::Warn, state) } else { state.to_string() };
        let _ = writeln!(text, "  {:<40} {}", clean(&m.machine), state);
        for p in &m.products {
            let _ = writeln!(text, "{}", product_line(p, out));
            if let Some(note) = &p.note {
                let _ = writeln!(text, "      {}", out.paint(Style::Dim, &clean(note)));
            }
        }
        let mut details = Vec::new();
        if let Some(cmid) = &m.cmid {
            details.push(format!("CMID {}", clean(cmid)));
        }
        if m.cloned_cmid {
            details.push(if en { "cloned CMID".to_string() } else { "CMID 被克隆".to_string() });
        }
        if !m.also_named.is_empty() {
            details.push(format!("{} {}", if en { "also named" } else { "曾用名" }, clean(&m.also_named.join(", "))));
        }
        details.push(format!("[{}]", clean(&m.source)));
        let _ = writeln!(text, "    {}", out.paint(Style::Dim, &details.join("  ")));
    }
    if !report.kms_hosts.is_empty() {
        heading(&mut text, if en { "KMS hosts" } else { "KMS 主机" });
        for h in &report.kms_hosts {
            let _ = writeln!(
                text,
                "  {:<24} {} {}/{} ({} {}), {} {} / {} {}",
                clean(&h.host),
                if en { "count" } else { "计数" },
                h.clients_30d.max(h.servers_30d),
                h.threshold,
                h.servers_30d,
                if en { "servers" } else { "台服务器" },
                h.requests.ok,
                if en { "ok" } else { "成功" },
                h.requests.failed,
                if en { "failed" } else { "失败" }
            );
        }
    }
    heading(&mut text, if en { "Findings" } else { "发现" });
    if report.findings.is_empty() {
        let _ = writeln!(text, "  {}", if en { "Nothing wrong found." } else { "未发现问题。" });
    }
    for f in &report.findings {
        let severity = match f.severity {
            Severity::Error => out.paint(Style::Warn, if en { "error" } else { "错误" }),
            Severity::Warning => out.paint(Style::Code, if en { "warning" } else { "警告" }),
            Severity::Info => if en { "info" } else { "信息" }.to_string(),
        };
        let _ = writeln!(text, "  [{severity}] {}", clean(&f.title));
        if let Some(first) = f.resolution.first() {
            let label = if en { "next: " } else { "下一步：" };
            let _ = writeln!(text, "{}", out.wrap(&format!("{label}{first}"), "      "));
        }
        if let Some(e) = f.evidence.first() {
            let place = e.record_id.map(|r| format!("#{r}")).or(e.line.map(|l| format!(":{l}"))).unwrap_or_default();
            let more = if f.evidence.len() > 1 { format!(" (+{})", f.evidence.len() - 1) } else { String::new() };
            let _ = writeln!(
                text,
                "      {}",
                out.paint(
                    Style::Dim,
                    &format!("{}{place} {}{more}", clean(&e.file), e.time.map(|t| t.to_string()).unwrap_or_default())
                )
            );
        }
    }
    let files = report.sources.len();
    let hits: u64 = report.sources.iter().map(|s| s.hits).sum();
    let unreadable = report.warnings.len();
    let actdoc_report::model::Summary {
        machines,
        activated,
        failing,
        grace,
        kms_hosts,
        errors,
        warnings,
        products,
        ..
    } = &report.summary;
    let total = products.total;
    let summary = if en {
        format!(
            "{machines} machines ({activated} activated, {failing} failing, {grace} in grace), {total} products, \
             {kms_hosts} KMS hosts, {errors} errors, {warnings} warnings; {files} files, {hits} activation events, \
             {unreadable} unreadable parts"
        )
    } else {
        format!(
            "{machines} 台计算机（{activated} 台已激活，{failing} 台失败，{grace} 台处于宽限期），{total} 个产品，\
             {kms_hosts} 台 KMS 主机，{errors} 个错误，{warnings} 个警告；{files} 个文件，{hits} 个激活事件，\
             {unreadable} 处无法读取"
        )
    };
    let _ = writeln!(text, "{summary}");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_accepts_a_date_or_a_time() {
        let as_of = |s| parse_time("--as-of", s, END_OF_DAY);
        assert_eq!(as_of("2024-05-01").ok().map(Timestamp::to_rfc3339).as_deref(), Some("2024-05-01T23:59:59Z"));
        assert!(as_of("2024-05-01T12:00:00Z").is_ok());
        assert!(as_of("yesterday").is_err());
        let since = parse_time("--since", "2024-05-01", START_OF_DAY);
        assert_eq!(since.ok().map(Timestamp::to_rfc3339).as_deref(), Some("2024-05-01T00:00:00Z"));
    }
}
