//! `actdoc doctor`: one command on the failing Windows machine. Collects (Windows only), checks
//! the KMS host it found, writes the bundle, judges it, and prints a verdict per product first,
//! then the evidence. `--from` judges a bundle written earlier, on any OS.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::Path;
use std::process::ExitCode;

use actdoc_core::{Kb, Lang, Products};
use actdoc_doctor::bundle::CheckView;
use actdoc_doctor::{Doctor, Part, Verdict, judge};
use actdoc_fleet::Options;
use actdoc_report::model::MachineState;
use anyhow::{Context, Result, anyhow, bail};

use crate::cli::{DoctorArgs, Format};
use crate::output::{self, Output, Style, clean};

/// A bundle is kilobytes to a few MiB; this bounds what `--from` reads.
const MAX_BUNDLE_BYTES: u64 = 256 * 1024 * 1024;

pub(crate) fn run(args: &DoctorArgs, kb: &Kb, out: &Output) -> Result<ExitCode> {
    let products = Products::embedded().map_err(|e| anyhow!("internal error: {e}"))?;
    let options = Options {
        kb,
        products,
        lang: out.lang,
        as_of: None,
        generated_by: format!("actdoc {}", env!("CARGO_PKG_VERSION")),
    };
    let doctor = match &args.from {
        Some(path) => {
            let bytes = read_bundle(path)?;
            judge(&bytes, &path.display().to_string(), &options).map_err(|e| anyhow!("{}: {e}", path.display()))?
        }
        None => this_machine::run(args, &options)?,
    };
    if args.quiet {
        output::print_text(&format!("{}\n", summary_line(&doctor, out.lang)))?;
    } else {
        match out.format {
            Format::Json => output::print_json(&doctor)?,
            Format::Text | Format::Csv | Format::Html | Format::Jsonl => output::print_text(&render(&doctor, out))?,
        }
    }
    let all_activated =
        !doctor.verdicts.is_empty() && doctor.verdicts.iter().all(|v| v.state == MachineState::Activated);
    Ok(output::exit(if all_activated { output::OK } else { output::PROBLEM }))
}

fn read_bundle(path: &Path) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_BUNDLE_BYTES + 1).read_to_end(&mut bytes).with_context(|| format!("reading {}", path.display()))?;
    if bytes.len() as u64 > MAX_BUNDLE_BYTES {
        bail!("{}: larger than {} MiB, not a doctor bundle", path.display(), MAX_BUNDLE_BYTES >> 20);
    }
    Ok(bytes)
}

#[cfg(windows)]
mod this_machine {
    use actdoc_doctor::bundle::{CheckLine, write};
    use actdoc_doctor::windows::{CollectOptions, collect};
    use actdoc_doctor::{Collection, Doctor, Part, judge};
    use actdoc_fleet::Options;
    use actdoc_probe::target::{KMS_PORT, parse_dns_server, parse_host_port};
    use actdoc_probe::{CheckOptions, Status, run_checks};
    use anyhow::{Context, Result, anyhow};

    use crate::cli::DoctorArgs;

    /// Collects, checks, writes the bundle and judges it.
    pub(super) fn run(args: &DoctorArgs, options: &Options) -> Result<Doctor> {
        let mut c = collect(&CollectOptions { days: args.days, ..CollectOptions::default() });
        let checks = checks(args, &mut c)?;
        let name = format!("{}.zip", if c.computer.is_empty() { "this-machine" } else { &c.computer });
        let bytes = write(&c, checks.as_deref(), None, &options.generated_by).map_err(|e| anyhow!(e))?;
        let doctor = judge(&bytes, &name, options).map_err(|e| anyhow!("internal error: {e}"))?;
        if let Some(path) = &args.bundle {
            let verdict = serde_json::to_value(&doctor)?;
            let bytes = write(&c, checks.as_deref(), Some(&verdict), &options.generated_by).map_err(|e| anyhow!(e))?;
            // Written beside and renamed: a collector share never holds half a bundle.
            let partial = path.with_extension("zip.partial");
            std::fs::write(&partial, &bytes).with_context(|| format!("writing {}", partial.display()))?;
            std::fs::rename(&partial, path).with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(doctor)
    }

    /// The live checks against the host the machine uses: `--kms`, else the registered one, else
    /// the SRV records of its own DNS domains.
    fn checks(args: &DoctorArgs, c: &mut Collection) -> Result<Option<Vec<CheckLine>>> {
        if args.no_checks {
            c.sources.checks = Part::failed("not run (--no-checks)");
            return Ok(None);
        }
        let dns_server = args.dns_server.as_deref().map(|s| parse_dns_server(s).context("--dns-server")).transpose()?;
        let mut kms =
            args.kms.iter().map(|k| parse_host_port(k, KMS_PORT).context("--kms")).collect::<Result<Vec<_>>>()?;
        if kms.is_empty()
            && let Some(registered) = c.registered_kms()
        {
            match parse_host_port(&registered, KMS_PORT) {
                Ok(host) => kms.push(host),
                Err(e) => {
                    c.sources.checks =
                        Part::failed(format!("the registered KMS host `{registered}` is not a host: {e}"));
                    return Ok(None);
                }
            }
        }
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")?;
        let report = runtime.block_on(run_checks(&CheckOptions {
            domains: Vec::new(),
            kms,
            dns_server,
            ntp: None,
            timeout: args.timeout,
        }));
        let failed = report.checks.iter().filter(|c| c.status == Status::Fail).count();
        c.sources.checks =
            Part::ok(format!("{} checks, {failed} failed, in {} ms", report.checks.len(), report.elapsed_ms));
        Ok(Some(report.checks.iter().map(CheckLine::from).collect()))
    }
}

#[cfg(not(windows))]
mod this_machine {
    use actdoc_doctor::Doctor;
    use actdoc_fleet::Options;
    use anyhow::{Result, bail};

    use crate::cli::DoctorArgs;

    pub(super) fn run(_: &DoctorArgs, _: &Options) -> Result<Doctor> {
        bail!(
            "doctor reads this machine's licence objects (WMI) and event logs, so it runs on the Windows machine \
             itself. Here: `actdoc check` tests KMS discovery, TCP 1688, the RPC endpoint and the clock; `actdoc scan` \
             reads logs and slmgr output copied from Windows; `actdoc doctor --from FILE.zip` judges a bundle that \
             `actdoc doctor --bundle` wrote there."
        )
    }
}

fn state_words(v: &Verdict, lang: Lang) -> &'static str {
    match (v.state, lang) {
        (MachineState::Activated, Lang::En) => "activated",
        (MachineState::Failing, Lang::En) => "NOT ACTIVATED",
        (MachineState::Grace, Lang::En) => "not activated yet (grace period)",
        (MachineState::Unknown, Lang::En) => "state unknown",
        (MachineState::Activated, Lang::ZhCn) => "已激活",
        (MachineState::Failing, Lang::ZhCn) => "未激活",
        (MachineState::Grace, Lang::ZhCn) => "尚未激活（宽限期）",
        (MachineState::Unknown, Lang::ZhCn) => "状态未知",
    }
}

/// "Office LTSC Professional Plus 2021: NOT ACTIVATED. 0xC004F06C SL_E_VL_INVALID_TIMESTAMP. KMS
/// host kms1:1688." and below it the checks that explain it and what to do.
fn verdict_block(v: &Verdict, checks: &[CheckView], out: &Output) -> String {
    let en = out.lang == Lang::En;
    let mut text = String::new();
    let state = state_words(v, out.lang);
    let state =
        if v.state == MachineState::Activated { out.paint(Style::Label, state) } else { out.paint(Style::Warn, state) };
    // English sentences end in ". ", Chinese ones in "。" with no space.
    let (colon, stop, space) = if en { (": ", ".", " ") } else { ("：", "。", "") };
    let mut line = format!("{}{colon}{state}{stop}", out.paint(Style::Heading, &clean(&v.product)));
    if let Some(code) = &v.code {
        let name = code.name.as_deref().map(|n| format!(" {n}")).unwrap_or_default();
        let _ = write!(line, "{space}{}{name}{stop}", out.paint(Style::Code, &code.code));
    }
    if let Some(host) = &v.kms_host {
        let _ = write!(line, "{space}{}{}{stop}", if en { "KMS host " } else { "KMS 主机 " }, clean(host));
    }
    if let Some(days) = v.days_left {
        let _ =
            write!(line, "{space}{}{stop}", if en { format!("{days} days left") } else { format!("剩余 {days} 天") });
    }
    let _ = writeln!(text, "{}", out.wrap(&line, ""));
    if v.renewal_at_risk {
        let warning = if en { "Its next renewal would fail:" } else { "下次续订将失败：" };
        let _ = writeln!(text, "{}", out.wrap(warning, "  "));
    }
    for check in v.blocked_by.iter().filter_map(|i| checks.get(*i)) {
        let because = if en {
            format!("because: {} ({}): {}", check.title, clean(&check.check.subject), clean(&check.check.evidence))
        } else {
            format!("原因：{}（{}）：{}", check.title, clean(&check.check.subject), clean(&check.check.evidence))
        };
        let _ = writeln!(text, "{}", out.wrap(&because, "  "));
    }
    let fix = v.blocked_by.iter().filter_map(|i| checks.get(*i)).map(|c| c.next_step).find(|s| !s.is_empty());
    if let Some(fix) = fix.or(v.next_step.as_deref().filter(|_| v.state != MachineState::Activated)) {
        let label = if en { "Fix: " } else { "解决：" };
        let _ = writeln!(text, "{}", out.wrap(&format!("{label}{fix}"), "  "));
    }
    text
}

fn render(d: &Doctor, out: &Output) -> String {
    let en = out.lang == Lang::En;
    let mut text = String::new();
    let heading = |t: &mut String, s: &str| {
        let _ = writeln!(t, "\n{}", out.paint(Style::Heading, s));
    };
    let when = d.collected_at.as_deref().unwrap_or("?");
    let _ = writeln!(
        text,
        "{}",
        out.paint(Style::Dim, &format!("{} {} {when}", clean(&d.computer), if en { "as collected" } else { "采集于" }))
    );
    let checks = d.checks.as_deref().unwrap_or_default();
    if d.verdicts.is_empty() {
        let none = if en {
            "No licensed product found: WMI gave no product with a key installed and the logs no activation event."
        } else {
            "未找到已安装密钥的产品，日志中也没有激活事件。"
        };
        let _ = writeln!(text, "{}", out.wrap(none, ""));
    }
    for v in &d.verdicts {
        text.push_str(&verdict_block(v, checks, out));
    }

    if !d.verdicts.is_empty() {
        heading(&mut text, if en { "Evidence" } else { "证据" });
    }
    for v in &d.verdicts {
        let (m, i) = v.place;
        let Some(p) = d.report.machines.get(m).and_then(|m| m.products.get(i)) else { continue };
        let status = p.license_status.map_or("?", actdoc_report::model::LicenseStatus::id);
        let mut facts = vec![format!("LicenseStatus {status}")];
        facts.extend(p.channel.as_deref().map(ToString::to_string));
        facts.extend(p.partial_key.as_deref().map(|k| format!("key *****-{k}")));
        facts.extend(p.expires.map(|t| format!("{} {t}", if en { "until" } else { "到期" })));
        let _ = writeln!(text, "  {}: {}", clean(&v.product), clean(&facts.join(", ")));
        if let Some(note) = &p.note {
            let _ = writeln!(text, "{}", out.wrap(&clean(note), "    "));
        }
        for e in p.evidence.iter().take(3) {
            let place = e.record_id.map(|r| format!("#{r}")).or(e.line.map(|l| format!(":{l}"))).unwrap_or_default();
            let event = e.event_id.map(|id| format!("event {id} ")).unwrap_or_default();
            let time = e.time.map(|t| t.to_string()).unwrap_or_default();
            let _ =
                writeln!(text, "    {}", out.paint(Style::Dim, &clean(&format!("{event}{}{place} {time}", e.file))));
        }
    }
    for f in d.report.findings.iter().filter(|f| f.kms_host.is_some() && f.machine.is_none()) {
        let _ = writeln!(text, "  {}", clean(&f.title));
    }

    if let Some(checks) = &d.checks {
        heading(&mut text, if en { "Checks" } else { "检查" });
        for c in checks {
            let status = super::check::status_label(c.check.status, out);
            let _ = writeln!(text, "  [{status}] {}  {}", c.title, out.paint(Style::Dim, &clean(&c.check.subject)));
            let _ = writeln!(text, "{}", out.wrap(&clean(&c.check.evidence), "         "));
        }
    }

    heading(&mut text, if en { "Collected" } else { "已采集" });
    let c = &d.collected;
    let parts: [(&str, &str, &Part); 5] = [
        ("WMI licensing products", "WMI 授权产品", &c.wmi_products),
        ("WMI licensing service", "WMI 授权服务", &c.wmi_service),
        ("event log", "事件日志", &c.event_log),
        ("registry", "注册表", &c.registry),
        ("checks", "检查", &c.checks),
    ];
    for (name_en, name_zh, part) in parts {
        let mark = if part.ok { out.paint(Style::Label, "ok") } else { out.paint(Style::Warn, "--") };
        let line = format!("[{mark}] {}: {}", if en { name_en } else { name_zh }, clean(&part.detail));
        let _ = writeln!(text, "{}", out.wrap(&line, "  "));
    }
    if let Some(kms) = &d.kms_target {
        let _ = writeln!(text, "  {} {}", if en { "registered KMS host:" } else { "已注册的 KMS 主机：" }, clean(kms));
    }
    text
}

/// One line for a startup script's log or Intune's detection output.
fn summary_line(d: &Doctor, lang: Lang) -> String {
    let en = lang == Lang::En;
    let computer = clean(&d.computer);
    let bad: Vec<&Verdict> = d.verdicts.iter().filter(|v| v.state != MachineState::Activated).collect();
    let total = d.verdicts.len();
    if total == 0 {
        return if en {
            format!("{computer}: no licensed product found")
        } else {
            format!("{computer}：未找到已授权的产品")
        };
    }
    if bad.is_empty() {
        return if en {
            format!("{computer}: all {total} products activated")
        } else {
            format!("{computer}：全部 {total} 个产品已激活")
        };
    }
    let first = bad[0];
    let code = first.code.as_ref().map(|c| format!(" {}", c.code)).unwrap_or_default();
    if en {
        format!(
            "{computer}: {} of {total} products not activated; {}: {}{code}",
            bad.len(),
            clean(&first.product),
            state_words(first, lang)
        )
    } else {
        format!(
            "{computer}：{total} 个产品中 {} 个未激活；{}：{}{code}",
            bad.len(),
            clean(&first.product),
            state_words(first, lang)
        )
    }
}
