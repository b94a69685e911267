//! The four charts of the page, as inline SVG with a stable id each. Coordinates are integers
//! computed with integer arithmetic (no trig, no floats), so the same report gives the same bytes
//! on every platform and an empty report cannot put NaN into a coordinate. Every chart keeps its
//! `<svg>` element when there is nothing to draw, and says so inside it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write};

use actdoc_core::names;

use super::labels::Labels;
use super::time::tick_label;
use super::{Esc, truncate};
use crate::model::{Attempt, MachineState, Report};

/// Widths in SVG units; the page scales the charts down to fit, never up.
pub(super) const SMALL_W: i64 = 520;
pub(super) const WIDE_W: i64 = 1040;

// Okabe-Ito: told apart by people with any common colour-vision deficiency.
const GREEN: &str = "#009E73";
const VERMILLION: &str = "#D55E00";
const ORANGE: &str = "#E69F00";
const BLUE: &str = "#0072B2";
const SKY: &str = "#56B4E9";
const GREY: &str = "#999999";
// Darker shades of the same hues for text, which needs more contrast than a filled shape.
const TEXT_BAD: &str = "#A84300";
const TEXT_GOOD: &str = "#00664A";
const INK: &str = "#1A1A1A";
const MUTED: &str = "#5C5C5C";
const RULE: &str = "#C8C8C8";
const STRIPE: &str = "#F4F5F7";

const EMPTY_H: i64 = 90;
const TOP_CODES: usize = 12;
/// Up to this many machines get a row each on the timeline; more share two jittered bands.
const TIMELINE_ROWS: usize = 16;

fn open(out: &mut String, id: &str, w: i64, h: i64, label: &str) -> fmt::Result {
    write!(
        out,
        r#"<svg id="{id}" class="chart" role="img" aria-label="{}" viewBox="0 0 {w} {h}" width="{w}" height="{h}">"#,
        Esc(label)
    )
}

fn empty(out: &mut String, w: i64, h: i64, message: &str) -> fmt::Result {
    write!(
        out,
        r#"<rect x="1" y="1" width="{}" height="{}" rx="6" fill="{STRIPE}" stroke="{RULE}" stroke-dasharray="4 3"/><text x="{}" y="{}" text-anchor="middle" fill="{MUTED}">{}</text>"#,
        w - 2,
        h - 2,
        w / 2,
        h / 2 + 5,
        Esc(message)
    )
}

/// Horizontal bars: how many findings carry each code, most frequent first, top 12. Each label
/// sits above its bar, so long symbolic names get the full width instead of a cramped column.
pub(super) fn errors_by_code(out: &mut String, report: &Report, l: &Labels) -> fmt::Result {
    const ROW: i64 = 38;
    const TOP: i64 = 4;
    const BAR_MAX: i64 = SMALL_W - 48;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for code in report.findings.iter().filter_map(|f| f.code.as_deref()) {
        *counts.entry(code).or_default() += 1;
    }
    let mut rows: Vec<(&str, usize)> = counts.into_iter().collect();
    // Stable sort over the map's order: ties stay in code order.
    rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    rows.truncate(TOP_CODES);
    let summary: Vec<String> = rows.iter().map(|(c, n)| format!("{c} {n}")).collect();
    if rows.is_empty() {
        open(out, "chart-errors-by-code", SMALL_W, EMPTY_H, &format!("{}: {}", l.errors_by_code, l.no_codes))?;
        empty(out, SMALL_W, EMPTY_H, l.no_codes)?;
        return out.write_str("</svg>");
    }
    let h = TOP * 2 + ROW * len_i64(rows.len());
    open(out, "chart-errors-by-code", SMALL_W, h, &format!("{}: {}", l.errors_by_code, summary.join(", ")))?;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1);
    for (i, (code, n)) in rows.iter().enumerate() {
        let y = TOP + ROW * len_i64(i);
        let name = code_name(report, code).unwrap_or_default();
        let w = (len_i64(*n) * BAR_MAX / len_i64(max)).max(2);
        write!(
            out,
            r#"<g><title>{} {}: {n}</title><text x="0" y="{}" fill="{INK}"><tspan class="mono" font-weight="600">{}</tspan> <tspan fill="{MUTED}" font-size="12">{}</tspan></text><rect x="0" y="{}" width="{w}" height="14" rx="2" fill="{VERMILLION}"/><text x="{}" y="{}" fill="{INK}" font-weight="600">{n}</text></g>"#,
            Esc(code),
            Esc(name),
            y + 13,
            Esc(code),
            Esc(&truncate(name, 50)),
            y + 18,
            w + 6,
            y + 30,
        )?;
    }
    out.write_str("</svg>")
}

/// A code's symbolic name: the one the model gives, else the generated name tables.
fn code_name<'a>(report: &'a Report, code: &str) -> Option<&'a str> {
    let from_model = report
        .machines
        .iter()
        .filter_map(|m| m.last_error.as_ref())
        .find(|e| &*e.code == code && e.name.is_some())
        .and_then(|e| e.name.as_deref());
    from_model.or_else(|| {
        let value = u32::from_str_radix(code.strip_prefix("0x").or_else(|| code.strip_prefix("0X"))?, 16).ok()?;
        names::name_of(value).map(|n| n.primary())
    })
}

/// One bar split by state (each product of every machine, Windows and Office apart), and a legend
/// with the counts.
pub(super) fn products_by_state(out: &mut String, report: &Report, l: &Labels) -> fmt::Result {
    const H: i64 = 130;
    const BAR_Y: i64 = 10;
    const BAR_H: i64 = 36;
    let states = [
        (MachineState::Activated, GREEN),
        (MachineState::Failing, VERMILLION),
        (MachineState::Grace, ORANGE),
        (MachineState::Unknown, GREY),
    ];
    // The summary already counts them; a fleet has 100,000 machines to walk again otherwise.
    let summary = &report.summary.products;
    let total = summary.total;
    let counts = [summary.activated, summary.failing, summary.grace, summary.unknown];
    let parts: Vec<String> = states
        .iter()
        .zip(&counts)
        .map(|((s, _), n)| format!("{} {n} ({}%)", l.state(*s), percent(*n, total)))
        .collect();
    open(out, "chart-products-by-state", SMALL_W, H, &format!("{}: {}", l.products_by_state, parts.join(", ")))?;
    if total == 0 {
        write!(
            out,
            r#"<rect x="1" y="{BAR_Y}" width="{}" height="{BAR_H}" rx="4" fill="{STRIPE}" stroke="{RULE}" stroke-dasharray="4 3"/><text x="{}" y="{}" text-anchor="middle" fill="{MUTED}">{}</text>"#,
            SMALL_W - 2,
            SMALL_W / 2,
            BAR_Y + BAR_H / 2 + 5,
            Esc(l.no_machines)
        )?;
    }
    let mut before = 0;
    for ((_, colour), (n, part)) in states.iter().zip(counts.iter().zip(&parts)) {
        // Edges from cumulative counts, so the segments always add up to the full width.
        let x0 = len_i64(before) * SMALL_W / len_i64(total.max(1));
        let x1 = len_i64(before + n) * SMALL_W / len_i64(total.max(1));
        before += n;
        if *n > 0 {
            write!(
                out,
                r#"<rect x="{x0}" y="{BAR_Y}" width="{}" height="{BAR_H}" fill="{colour}" stroke="white"><title>{}</title></rect>"#,
                x1 - x0,
                Esc(part)
            )?;
        }
    }
    for (i, ((_, colour), part)) in states.iter().zip(&parts).enumerate() {
        let i = len_i64(i);
        let (x, y) = ((i % 2) * (SMALL_W / 2), BAR_Y + BAR_H + 24 + (i / 2) * 30);
        write!(
            out,
            r#"<rect x="{x}" y="{}" width="14" height="14" rx="2" fill="{colour}"/><text x="{}" y="{y}" fill="{INK}">{}</text>"#,
            y - 12,
            x + 22,
            Esc(part)
        )?;
    }
    out.write_str("</svg>")
}

fn percent(n: usize, total: usize) -> usize {
    (n * 100 + total / 2).checked_div(total).unwrap_or_default()
}

/// Attempts over time: x is time (UTC), y is one row per machine (or, for a large fleet, one band
/// for successes and one for failures, jittered by a hash so the same input lands on the same spot).
pub(super) fn timeline(out: &mut String, report: &Report, l: &Labels) -> fmt::Result {
    const LABEL_W: i64 = 170;
    const X0: i64 = 180;
    const X1: i64 = WIDE_W - 24;
    const INSET: i64 = 10;
    const TOP: i64 = 34;
    let timed: Vec<(i64, &Attempt)> = report.attempts.iter().map(|a| (a.time.0.0, a)).collect();
    let (Some(first), Some(last)) = (timed.iter().map(|t| t.0).min(), timed.iter().map(|t| t.0).max()) else {
        let message = l.no_attempts.to_string();
        open(out, "chart-timeline", WIDE_W, EMPTY_H, &format!("{}: {message}", l.timeline))?;
        empty(out, WIDE_W, EMPTY_H, &message)?;
        return out.write_str("</svg>");
    };
    // One attempt, or all at the same moment: centre them in a day rather than divide by zero.
    let (t0, t1) = if last - first < 60 { (first - 43_200, last + 43_200) } else { (first, last) };
    let machines: BTreeSet<&str> = timed.iter().map(|(_, a)| a.machine.as_str()).collect();
    let per_machine = machines.len() <= TIMELINE_ROWS;
    let lanes: Vec<&str> = if per_machine { machines.into_iter().collect() } else { vec![l.ok, l.failed] };
    let row_h: i64 = if per_machine { 24 } else { 60 };
    let axis_y = TOP + row_h * len_i64(lanes.len());
    let h = axis_y + 30;
    let failed = timed.iter().filter(|(_, a)| !a.ok).count();
    let label = format!("{}: {} {}, {failed} {}", l.timeline, timed.len() - failed, l.ok, l.failed);
    open(out, "chart-timeline", WIDE_W, h, &label)?;

    write!(
        out,
        r#"<circle cx="{X0}" cy="14" r="5" fill="{GREEN}"/><text x="{}" y="18" fill="{INK}">{}</text><path d="{}" fill="{VERMILLION}"/><text x="{}" y="18" fill="{INK}">{}</text><text x="{X1}" y="18" text-anchor="end" fill="{MUTED}">UTC</text>"#,
        X0 + 10,
        Esc(l.ok),
        diamond(X0 + 130, 14),
        X0 + 140,
        Esc(l.failed),
    )?;
    for (i, lane) in lanes.iter().enumerate() {
        let y = TOP + row_h * len_i64(i);
        if i % 2 == 0 {
            write!(out, r#"<rect x="{X0}" y="{y}" width="{}" height="{row_h}" fill="{STRIPE}"/>"#, X1 - X0)?;
        }
        write!(
            out,
            r#"<text x="{LABEL_W}" y="{}" text-anchor="end" fill="{INK}"><title>{}</title>{}</text>"#,
            y + row_h / 2 + 4,
            Esc(lane),
            Esc(&truncate(lane, 22))
        )?;
    }
    let x_of = |t: i64| X0 + INSET + (t - t0) * (X1 - X0 - 2 * INSET) / (t1 - t0);
    for i in 0..5 {
        let t = t0 + (t1 - t0) * i / 4;
        let x = x_of(t);
        let anchor = match i {
            0 => "start",
            4 => "end",
            _ => "middle",
        };
        write!(
            out,
            r#"<line x1="{x}" y1="{TOP}" x2="{x}" y2="{axis_y}" stroke="{RULE}" stroke-dasharray="2 3"/><text x="{x}" y="{}" text-anchor="{anchor}" fill="{MUTED}" font-size="12">{}</text>"#,
            axis_y + 18,
            tick_label(t, t1 - t0 >= 3 * 86_400)
        )?;
    }
    write!(out, r#"<line x1="{X0}" y1="{axis_y}" x2="{X1}" y2="{axis_y}" stroke="{MUTED}"/>"#)?;

    // Attempts that land on the same spot are drawn once, so a big fleet stays a small file.
    // Key order draws successes first, so failures are never hidden under them.
    let mut dots: BTreeMap<(bool, i64, i64), (&Attempt, usize)> = BTreeMap::new();
    for (t, a) in &timed {
        let y = if per_machine {
            let lane = lanes.iter().position(|m| *m == a.machine).unwrap_or_default();
            TOP + row_h * len_i64(lane) + row_h / 2
        } else {
            let lane = i64::from(!a.ok);
            let jitter =
                i64::try_from(fnv1a(&[a.machine.as_bytes(), &a.time.0.0.to_le_bytes()]) % 1000).unwrap_or_default();
            TOP + row_h * lane + 8 + jitter * (row_h - 16) / 1000
        };
        dots.entry((!a.ok, y, x_of(*t))).and_modify(|e| e.1 += 1).or_insert((a, 1));
    }
    for ((failed, y, x), (a, n)) in dots {
        let more = if n > 1 { format!(" (+{})", n - 1) } else { String::new() };
        let title = format!("{} · {} · {}{more}", a.machine, a.time, a.code);
        if failed {
            write!(
                out,
                r#"<path d="{}" fill="{VERMILLION}" stroke="white"><title>{}</title></path>"#,
                diamond(x, y),
                Esc(&title)
            )?;
        } else {
            write!(
                out,
                r#"<circle cx="{x}" cy="{y}" r="5" fill="{GREEN}" stroke="white"><title>{}</title></circle>"#,
                Esc(&title)
            )?;
        }
    }
    out.write_str("</svg>")
}

/// Failures are diamonds as well as red, so shape alone tells them apart.
fn diamond(x: i64, y: i64) -> String {
    format!("M{x} {}l6 6-6 6-6-6z", y - 6)
}

/// Per KMS host: bars of the unique client and server machines of the last 30 days, against a
/// dashed line at the threshold the host has to reach before it activates anyone.
pub(super) fn kms_count(out: &mut String, report: &Report, l: &Labels) -> fmt::Result {
    const LABEL_W: i64 = 230;
    const X0: i64 = 240;
    const X1: i64 = WIDE_W - 200;
    const TOP: i64 = 8;
    const GROUP_H: i64 = 64;
    let hosts = &report.kms_hosts;
    if hosts.is_empty() {
        open(out, "chart-kms-count", WIDE_W, EMPTY_H, &format!("{}: {}", l.kms_count, l.no_kms))?;
        empty(out, WIDE_W, EMPTY_H, l.no_kms)?;
        return out.write_str("</svg>");
    }
    let max =
        hosts.iter().map(|h| h.clients_30d.max(h.servers_30d).max(h.threshold as usize)).max().unwrap_or(1).max(1);
    // Headroom past the largest value keeps its label inside the plot.
    let scale = len_i64(max) + len_i64(max) / 8 + 1;
    let x_of = |v: usize| X0 + len_i64(v) * (X1 - X0) / scale;
    let legend_y = TOP + GROUP_H * len_i64(hosts.len()) + 16;
    let h = legend_y + 12;
    let parts: Vec<String> = hosts
        .iter()
        .map(|k| format!("{} {}/{}", k.host, counted(k.threshold, k.clients_30d, k.servers_30d), k.threshold))
        .collect();
    open(out, "chart-kms-count", WIDE_W, h, &format!("{}: {}", l.kms_count, parts.join(", ")))?;
    for (i, k) in hosts.iter().enumerate() {
        let gy = TOP + GROUP_H * len_i64(i);
        write!(
            out,
            r#"<text x="{LABEL_W}" y="{}" text-anchor="end" fill="{INK}" font-weight="600"><title>{}</title>{}</text>"#,
            gy + 38,
            Esc(&k.host),
            Esc(&truncate(&k.host, 30))
        )?;
        for (row, (n, colour, name)) in
            [(k.clients_30d, BLUE, l.clients), (k.servers_30d, SKY, l.servers)].iter().enumerate()
        {
            let y = gy + 18 + len_i64(row) * 20;
            let w = if *n == 0 { 0 } else { (x_of(*n) - X0).max(2) };
            write!(
                out,
                r#"<rect x="{X0}" y="{y}" width="{w}" height="16" rx="2" fill="{colour}"><title>{}: {n}</title></rect><text x="{}" y="{}" fill="{INK}" font-size="12">{n}</text>"#,
                Esc(name),
                X0 + w + 5,
                y + 13
            )?;
        }
        let tx = x_of(k.threshold as usize);
        write!(
            out,
            r#"<line x1="{tx}" y1="{}" x2="{tx}" y2="{}" stroke="{INK}" stroke-width="1.5" stroke-dasharray="5 3"/><text x="{tx}" y="{}" text-anchor="middle" fill="{INK}" font-size="11">{} {}</text>"#,
            gy + 14,
            gy + 58,
            gy + 11,
            Esc(l.threshold),
            k.threshold
        )?;
        let n = counted(k.threshold, k.clients_30d, k.servers_30d);
        let below = n < k.threshold as usize;
        let (colour, word) = if below { (TEXT_BAD, l.below_threshold) } else { (TEXT_GOOD, "") };
        write!(
            out,
            r#"<text x="{}" y="{}" text-anchor="end" fill="{colour}" font-weight="600">{n} / {} {}</text>"#,
            WIDE_W - 8,
            gy + 38,
            k.threshold,
            Esc(word)
        )?;
    }
    write!(
        out,
        r#"<line x1="{X0}" y1="{TOP}" x2="{X0}" y2="{}" stroke="{MUTED}"/><rect x="{X0}" y="{}" width="14" height="14" rx="2" fill="{BLUE}"/><text x="{}" y="{legend_y}" fill="{INK}">{}</text><rect x="{}" y="{}" width="14" height="14" rx="2" fill="{SKY}"/><text x="{}" y="{legend_y}" fill="{INK}">{}</text><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{INK}" stroke-width="1.5" stroke-dasharray="5 3"/><text x="{}" y="{legend_y}" fill="{INK}">{}</text></svg>"#,
        legend_y - 20,
        legend_y - 12,
        X0 + 20,
        Esc(l.clients),
        X0 + 160,
        legend_y - 12,
        X0 + 180,
        Esc(l.servers),
        X0 + 320,
        legend_y - 5,
        X0 + 346,
        legend_y - 5,
        X0 + 354,
        Esc(l.threshold),
    )
}

/// The count a host's threshold applies to: 5 is the server threshold, 25 the client one.
pub(super) fn counted(threshold: u32, clients: usize, servers: usize) -> usize {
    if threshold == 5 { servers } else { clients }
}

fn len_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in parts.iter().flat_map(|p| p.iter()) {
        hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_never_divide_by_zero() {
        assert_eq!(percent(0, 0), 0);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(2, 3), 67);
    }
}
