//! The HTML report: one self-contained page that works offline and under the strict policy
//! `default-src 'none'; style-src 'unsafe-inline'` (the page declares it itself). It must never
//! hold a script, an event attribute or a URL of any kind: the stylesheet and the charts are
//! inline, and in-page `#anchors` are the only links. Every text of the model goes through `Esc`.
//! The same report always gives the same bytes, so the output can be pinned by snapshot tests.

mod labels;
mod svg;
mod time;

use std::borrow::Cow;
use std::fmt::{self, Write};

use labels::Labels;

use crate::model::{
    CodeRef, Evidence, Finding, KmsHost, LicenseStatus, Machine, MachineState, Product, Report, Severity, Source, Time,
    Warning,
};

const STYLE: &str = include_str!("html/style.css");
/// Evidence lists longer than this fold into a `<details>` (which opens without script).
const OPEN_EVIDENCE: usize = 3;

pub fn render(report: &Report) -> String {
    let mut out = String::with_capacity(32 * 1024);
    // Writing into a String cannot fail.
    let _ = page(&mut out, report);
    out
}

fn page(out: &mut String, r: &Report) -> fmt::Result {
    let l = Labels::of(r.lang);
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"generator\" content=\"{}\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        r.lang.tag(),
        Esc(&r.generated_by),
        Esc(l.title),
    )?;
    header(out, r, l)?;
    out.write_str("<main>\n")?;
    writeln!(out, "<section id=\"overview\">\n<h2>{}</h2>\n<div class=\"charts\">", Esc(l.charts))?;
    figure(out, "small", l.errors_by_code, |o| svg::errors_by_code(o, r, l))?;
    figure(out, "small", l.products_by_state, |o| svg::products_by_state(o, r, l))?;
    figure(out, "wide", l.timeline, |o| svg::timeline(o, r, l))?;
    figure(out, "wide", l.kms_count, |o| svg::kms_count(o, r, l))?;
    out.write_str("</div>\n</section>\n")?;
    section(out, "machines", l.machines, r.machines.len(), l, |o| machines(o, &r.machines, l))?;
    section(out, "kms-hosts", l.kms_hosts, r.kms_hosts.len(), l, |o| kms_hosts(o, &r.kms_hosts, l))?;
    section(out, "findings", l.findings, r.findings.len(), l, |o| findings(o, &r.findings, l))?;
    section(out, "warnings", l.read_warnings, r.warnings.len(), l, |o| warnings(o, &r.warnings, l))?;
    section(out, "sources", l.sources, r.sources.len(), l, |o| sources(o, &r.sources, l))?;
    writeln!(out, "</main>\n<footer>{} {}</footer>\n</body>\n</html>", Esc(l.generated_by), Esc(&r.generated_by))
}

fn header(out: &mut String, r: &Report, l: &Labels) -> fmt::Result {
    write!(
        out,
        "<header>\n<h1>{}</h1>\n<p class=\"meta\">{} {}",
        Esc(l.title),
        Esc(l.generated_by),
        Esc(&r.generated_by)
    )?;
    if let Some(as_of) = &r.as_of {
        write!(out, " · {} {}", Esc(l.as_of), time(Some(*as_of)))?;
    }
    out.write_str("</p>\n<dl class=\"summary\">\n")?;
    let s = &r.summary;
    let cards = [
        (l.machines, s.machines, ""),
        (l.activated, s.activated, "good"),
        (l.failing, s.failing, "bad"),
        (l.state_grace, s.grace, "warn"),
        (l.kms_hosts, s.kms_hosts, ""),
        (l.errors, s.errors, "bad"),
        (l.warnings, s.warnings, "warn"),
    ];
    for (name, n, tone) in cards {
        // Colour only a number that needs attention (or is good news), never a zero.
        let class = if n == 0 { "" } else { tone };
        writeln!(out, "<div class=\"card {class}\"><dt>{}</dt><dd>{n}</dd></div>", Esc(name))?;
    }
    write!(out, "</dl>\n<nav aria-label=\"{}\">", Esc(l.contents))?;
    let links = [
        ("overview", l.charts),
        ("machines", l.machines),
        ("kms-hosts", l.kms_hosts),
        ("findings", l.findings),
        ("warnings", l.read_warnings),
        ("sources", l.sources),
    ];
    for (id, name) in links {
        write!(out, "<a href=\"#{id}\">{}</a>", Esc(name))?;
    }
    out.write_str("</nav>\n</header>\n")
}

fn figure(out: &mut String, size: &str, caption: &str, chart: impl FnOnce(&mut String) -> fmt::Result) -> fmt::Result {
    writeln!(out, "<figure class=\"{size}\">\n<figcaption>{}</figcaption>", Esc(caption))?;
    chart(out)?;
    out.write_str("\n</figure>\n")
}

fn section(
    out: &mut String,
    id: &str,
    heading: &str,
    count: usize,
    l: &Labels,
    body: impl FnOnce(&mut String) -> fmt::Result,
) -> fmt::Result {
    writeln!(out, "<section id=\"{id}\">\n<h2>{} <span class=\"count\">{count}</span></h2>", Esc(heading))?;
    if count == 0 {
        writeln!(out, "<p class=\"none\">{}</p>", Esc(l.none))?;
    } else {
        out.write_str("<div class=\"table-wrap\">\n<table>\n")?;
        body(out)?;
        out.write_str("</tbody>\n</table>\n</div>\n")?;
    }
    out.write_str("</section>\n")
}

/// The header row and the opening `<tbody>`; a `num` column is right-aligned.
fn thead(out: &mut String, columns: &[(&str, bool)]) -> fmt::Result {
    out.write_str("<thead><tr>")?;
    for (name, num) in columns {
        write!(out, "<th{}>{}</th>", if *num { " class=\"num\"" } else { "" }, Esc(name))?;
    }
    out.write_str("</tr></thead>\n<tbody>\n")
}

/// A row per machine, then a row per product under it.
fn machines(out: &mut String, machines: &[Machine], l: &Labels) -> fmt::Result {
    thead(
        out,
        &[
            (l.machine, false),
            (l.state, false),
            (l.last_error, false),
            (l.kms_host, false),
            (l.days_left, true),
            (l.license_state, false),
            (l.last_attempt, false),
            (l.failures, true),
        ],
    )?;
    for m in machines {
        write!(out, "<tr class=\"machine\"><td><strong>{}</strong><div class=\"sub\">", Esc(&m.machine))?;
        write!(out, "{}", Esc(&m.source))?;
        if !m.also_named.is_empty() {
            write!(out, "<br>{} {}", Esc(l.also_named), Esc(&m.also_named.join(", ")))?;
        }
        if let Some(cmid) = &m.cmid {
            write!(out, "<br><span class=\"mono\">{}</span>", Esc(cmid))?;
        }
        out.write_str("</div></td>")?;
        cells(
            out,
            &Cells {
                state: m.state,
                error: m.last_error.as_ref(),
                kms_host: m.kms_host.as_deref(),
                kms_source: m.kms_host_source.as_deref(),
                days_left: m.days_left,
                license: m.license_state,
                last_attempt: m.last_attempt,
                failures: m.failures,
            },
            l,
        )?;
        for p in &m.products {
            product(out, p, l)?;
        }
    }
    Ok(())
}

fn product(out: &mut String, p: &Product, l: &Labels) -> fmt::Result {
    let name = p.product.as_deref().or(p.sku.as_deref()).unwrap_or(l.app(p.app));
    write!(out, "<tr class=\"product\"><td><span class=\"app\">{}</span> {}", Esc(l.app(p.app)), Esc(name))?;
    out.write_str("<div class=\"sub\">")?;
    let details: Vec<String> = [p.channel.as_deref(), p.partial_key.as_deref().map(str::trim)]
        .into_iter()
        .flatten()
        .map(|s| Esc(s).to_string())
        .collect();
    out.write_str(&details.join(" · "))?;
    if let Some(note) = &p.note {
        write!(out, "<br>{}", Esc(note))?;
    }
    out.write_str("</div></td>")?;
    cells(
        out,
        &Cells {
            state: p.state,
            error: p.last_error.as_ref().or(p.reason.as_ref()),
            kms_host: p.kms_host.as_deref(),
            kms_source: p.kms_host_source.as_deref(),
            days_left: p.days_left,
            license: p.license_status,
            last_attempt: p.last_attempt,
            failures: p.failures,
        },
        l,
    )
}

/// The cells after the name, alike in a machine's row and its products' rows.
struct Cells<'a> {
    state: MachineState,
    error: Option<&'a CodeRef>,
    kms_host: Option<&'a str>,
    kms_source: Option<&'a str>,
    days_left: Option<u64>,
    license: Option<LicenseStatus>,
    last_attempt: Option<Time>,
    failures: usize,
}

fn cells(out: &mut String, c: &Cells, l: &Labels) -> fmt::Result {
    write!(out, "<td>{}</td><td>", badge(c.state, l))?;
    last_error(out, c.error)?;
    out.write_str("</td><td>")?;
    kms(out, c.kms_host, c.kms_source, l)?;
    writeln!(
        out,
        "</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
        opt_num(c.days_left),
        Esc(c.license.map_or("", |s| l.license_status(s))),
        time(c.last_attempt),
        c.failures
    )
}

fn badge(state: MachineState, l: &Labels) -> String {
    format!("<span class=\"badge {}\">{}</span>", state.id(), Esc(l.state(state)))
}

fn last_error(out: &mut String, e: Option<&CodeRef>) -> fmt::Result {
    let Some(e) = e else { return Ok(()) };
    write!(out, "<code>{}</code>", Esc(&e.code))?;
    if let Some(name) = &e.name {
        write!(out, "<div class=\"sub mono\">{}</div>", Esc(name))?;
    }
    if let Some(message) = &e.message {
        write!(out, "<div class=\"sub\">{}</div>", Esc(message))?;
    }
    Ok(())
}

fn kms(out: &mut String, host: Option<&str>, source: Option<&str>, l: &Labels) -> fmt::Result {
    if let Some(host) = host {
        write!(out, "<span class=\"mono\">{}</span>", Esc(host))?;
    }
    if let Some(source) = source {
        write!(out, "<div class=\"sub\">{}</div>", Esc(l.host_source(source)))?;
    }
    Ok(())
}

fn kms_hosts(out: &mut String, hosts: &[KmsHost], l: &Labels) -> fmt::Result {
    thead(
        out,
        &[
            (l.host, false),
            (l.clients_col, true),
            (l.servers_col, true),
            (l.threshold_col, true),
            (l.reported_count, true),
            (l.requests_ok, true),
            (l.requests_failed, true),
            (l.failing_clients, false),
            (l.dns_failures, true),
            (l.log_span, false),
        ],
    )?;
    for k in hosts {
        // Mark the count the threshold applies to when it falls short.
        let short = svg::counted(k.threshold, k.clients_30d, k.servers_30d) < k.threshold as usize;
        let mark = |is_counted: bool| if short && is_counted { "num below" } else { "num" };
        write!(
            out,
            "<tr><td><strong class=\"mono\">{}</strong></td><td class=\"{}\">{}</td><td class=\"{}\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num{}\">{}</td><td>",
            Esc(&k.host),
            mark(k.threshold != 5),
            k.clients_30d,
            mark(k.threshold == 5),
            k.servers_30d,
            k.threshold,
            opt_num(k.reported_count),
            k.requests.ok,
            if k.requests.failed > 0 { " bad" } else { "" },
            k.requests.failed,
        )?;
        list(out, k.failing_clients.iter().map(|c| Esc(c).to_string()), l.machines_suffix)?;
        write!(
            out,
            "</td><td class=\"num{}\">{}</td><td>{}",
            if k.dns_publishing_failures > 0 { " bad" } else { "" },
            k.dns_publishing_failures,
            time(k.log_from)
        )?;
        if k.log_to.is_some() {
            write!(out, " – {}", time(k.log_to))?;
        }
        out.write_str("</td></tr>\n")?;
    }
    Ok(())
}

fn findings(out: &mut String, findings: &[Finding], l: &Labels) -> fmt::Result {
    thead(out, &[(l.severity, false), (l.finding, false), (l.where_, false), (l.code, false), (l.evidence, false)])?;
    for f in findings {
        let severity = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        write!(
            out,
            "<tr><td><span class=\"badge {severity}\">{}</span></td><td class=\"finding\"><strong>{}</strong><p>{}</p>",
            Esc(l.severity(f.severity)),
            Esc(&f.title),
            Esc(&f.explanation)
        )?;
        if !f.resolution.is_empty() {
            write!(out, "<div class=\"steps\">{}</div><ol>", Esc(l.resolution))?;
            for step in &f.resolution {
                write!(out, "<li>{}</li>", Esc(step))?;
            }
            out.write_str("</ol>")?;
        }
        out.write_str("</td><td>")?;
        if let Some(machine) = &f.machine {
            write!(out, "<div>{}</div>", Esc(machine))?;
        }
        if let Some(host) = &f.kms_host {
            write!(out, "<div class=\"mono\">{}</div>", Esc(host))?;
        }
        write!(out, "</td><td><code>{}</code></td><td class=\"evidence\">", Esc(opt(f.code.as_deref())))?;
        list(out, f.evidence.iter().map(|e| evidence(e, l)), l.records_suffix)?;
        out.write_str("</td></tr>\n")?;
    }
    Ok(())
}

fn warnings(out: &mut String, warnings: &[Warning], l: &Labels) -> fmt::Result {
    thead(out, &[(l.file, false), (l.offset, true), (l.message, false)])?;
    for w in warnings {
        writeln!(
            out,
            "<tr><td class=\"mono path\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            Esc(&w.file),
            opt_num(w.offset),
            Esc(&w.message)
        )?;
    }
    Ok(())
}

fn sources(out: &mut String, sources: &[Source], l: &Labels) -> fmt::Result {
    thead(out, &[(l.path, false), (l.format, false), (l.records, true), (l.hits, true)])?;
    for s in sources {
        writeln!(
            out,
            "<tr><td class=\"mono path\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            Esc(&s.path),
            Esc(&s.format),
            s.records,
            s.hits
        )?;
    }
    Ok(())
}

/// `file#record_id @ time · event N` (or `file:line` for text sources), already escaped.
fn evidence(e: &Evidence, l: &Labels) -> String {
    let mut s = format!("<span class=\"mono\">{}", Esc(&e.file));
    if let Some(id) = e.record_id {
        let _ = write!(s, "#{id}");
    }
    if let Some(line) = e.line {
        let _ = write!(s, ":{line}");
    }
    s.push_str("</span>");
    if let Some(t) = e.time {
        let _ = write!(s, " @ {}", time(Some(t)));
    }
    if let Some(id) = e.event_id {
        let _ = write!(s, " · {} {id}", Esc(l.event));
    }
    s
}

/// A list of already-escaped items; a long one folds into `<details>` summed up as `N {what}`.
fn list(out: &mut String, items: impl ExactSizeIterator<Item = String>, what: &str) -> fmt::Result {
    let n = items.len();
    if n == 0 {
        return Ok(());
    }
    if n > OPEN_EVIDENCE {
        write!(out, "<details><summary>{n} {}</summary>", Esc(what))?;
    }
    out.write_str("<ul class=\"items\">")?;
    for item in items {
        write!(out, "<li>{item}</li>")?;
    }
    out.write_str("</ul>")?;
    if n > OPEN_EVIDENCE {
        out.write_str("</details>")?;
    }
    Ok(())
}

/// The exact time stays in `datetime`; the text puts a space for the `T` so a narrow column can
/// wrap it between date and time.
fn time(t: Option<Time>) -> String {
    t.map(|t| {
        let t = t.to_string();
        format!("<time datetime=\"{}\">{}</time>", Esc(&t), Esc(&t.replacen('T', " ", 1)))
    })
    .unwrap_or_default()
}

fn opt(s: Option<&str>) -> &str {
    s.unwrap_or_default()
}

fn opt_num<T: ToString>(n: Option<T>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

/// At most `max` characters, with `…` in place of the rest (for chart labels of fixed width).
fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if s.chars().count() <= max {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().take(max.saturating_sub(1)).chain(['…']).collect())
    }
}

/// Displays a text HTML-escaped: safe in element content and in quoted attribute values alike.
struct Esc<'a>(&'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_html_characters() {
        assert_eq!(
            Esc(r#"<a href="x" title='y'>&</a>"#).to_string(),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(Esc("激活 ok").to_string(), "激活 ok");
    }

    #[test]
    fn truncates_by_characters_not_bytes() {
        assert_eq!(truncate("短名称", 5), "短名称");
        assert_eq!(truncate("计算机名称很长", 4), "计算机…");
    }
}
