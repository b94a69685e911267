//! From verdicts to the report's rows: each machine with its products, the findings each product's
//! verdict calls for, then the fleet-wide findings (cloned CMIDs, KMS hosts, requests the host
//! never saw).

use std::collections::BTreeMap;

use actdoc_core::{ProductKind, format_code};
use actdoc_logs::time::Timestamp;
use actdoc_report::model::{
    App, Attempt, CodeCount, Finding, HistoryEntry, KmsHost, Machine, MachineState, Product, RequestCounts, Severity,
    Shared, Time,
};

use crate::Options;
use crate::evidence::{Ev, newest};
use crate::findings::{Explainer, plain};
use crate::hosts::Hosts;
use crate::identity::{CloneGroup, MachineFacts};
use crate::observe::Obs;
use crate::rules::{
    self, EXPIRY_WARNING_DAYS, FailureKind, SL_E_VL_BINDING_SERVICE_UNAVAILABLE, SL_E_VL_NOT_ENOUGH_COUNT, SentRequest,
    Verdict,
};
use crate::texts::Texts;

/// Evidence listed per finding; the finding's title says how many records there were.
const MAX_EVIDENCE: usize = 20;
/// Failed attempts listed per product (the newest; `failures` counts them all).
const MAX_HISTORY: usize = 50;
/// Machines named in a cloned-CMID title.
const MAX_NAMES: usize = 20;
const SL_E_VL_MACHINE_NOT_BOUND: u32 = 0x8007_06BA;

/// What the report is built into, as the analysis goes.
#[derive(Debug, Default)]
pub(crate) struct Out {
    pub machines: Vec<Machine>,
    pub findings: Vec<Finding>,
    pub attempts: Vec<Attempt>,
    /// Per host, the newest count it reported to a client (12289).
    pub reported: Vec<Option<(Option<Timestamp>, u32)>>,
}

/// What every step reads: the records, the options, the sentences, the hosts.
#[derive(Debug)]
pub(crate) struct Ctx<'c> {
    /// The sources' paths, shared by every evidence that names them.
    pub paths: &'c [Shared],
    pub options: &'c Options<'c>,
    pub t: &'c Texts,
    /// Each source's place in path order.
    pub file_rank: &'c [usize],
    pub hosts: &'c Hosts<'c>,
}

/// Judges one machine's products and adds its row, findings and attempts to `out`; its requests
/// are matched with the hosts' logs on the way, so none is kept for later.
pub(crate) fn judge<'a>(
    m: MachineFacts<'a>,
    obs: &mut [Obs<'a>],
    ctx: &Ctx<'_>,
    explainer: &mut Explainer,
    out: &mut Out,
) {
    let (paths, options, t) = (ctx.paths, ctx.options, ctx.t);
    let as_of = options.as_of.or(m.newest);
    let (verdicts, requests) = rules::judge(obs, ctx.file_rank, as_of);
    let first_finding = out.findings.len();
    let mut products: Vec<Product> =
        verdicts.into_iter().map(|v| product_row(&m.name, &v, paths, options, t, explainer, out)).collect();
    products.sort_by(|a, b| (a.app, &a.product, &a.sku).cmp(&(b.app, &b.product, &b.sku)));
    let worst =
        products.iter().enumerate().max_by_key(|(i, p)| (p.state.badness(), std::cmp::Reverse(*i))).map(|(_, p)| p);
    let cmid = m.cmids.iter().max_by(|a, b| (a.1.time, &a.0).cmp(&(b.1.time, &b.0))).map(|(c, _)| c.to_string());
    let with_host = worst.filter(|p| p.kms_host.is_some()).or_else(|| products.iter().find(|p| p.kms_host.is_some()));
    let index = out.machines.len();
    out.machines.push(Machine {
        machine: m.name.clone(),
        also_named: m.also_named,
        source: m.source,
        cmid,
        kms_host: with_host.and_then(|p| p.kms_host.clone()),
        kms_host_source: with_host.and_then(|p| p.kms_host_source.clone()),
        state: worst.map_or(MachineState::Unknown, |p| p.state),
        license_state: worst.and_then(|p| p.license_status),
        days_left: worst.and_then(|p| p.days_left),
        product: worst.and_then(|p| p.product.clone()),
        last_attempt: worst.and_then(|p| p.last_attempt),
        last_error: worst.and_then(|p| p.last_error.clone()),
        failures: products.iter().map(|p| p.failures).sum(),
        as_of: as_of.map(Time::from),
        cloned_cmid: false,
        findings: (first_finding..out.findings.len()).collect(),
        products,
    });
    correlate(&m.name, index, &requests, ctx, explainer, out);
}

#[allow(clippy::too_many_arguments)]
fn product_row(
    machine: &str,
    v: &Verdict<'_>,
    paths: &[Shared],
    options: &Options,
    t: &Texts,
    explainer: &mut Explainer,
    out: &mut Out,
) -> Product {
    let app = v.app;
    let sku = v.sku.as_deref().map(|s| explainer.intern(s));
    let name = sku
        .as_deref()
        .and_then(|s| options.products.by_activation_id(s))
        .map(|p| p.name.as_str())
        .or(v.name)
        .map(|n| explainer.intern(n));
    let label = format!("{machine} / {}", name.as_deref().unwrap_or(app_label(app)));
    let first = out.findings.len();
    product_findings(machine, &label, v, paths, t, explainer, out);
    for (ev, code) in &v.attempts {
        if let Some(time) = ev.time {
            out.attempts.push(Attempt {
                time: Time::from(time),
                machine: machine.to_string(),
                code: explainer.code(*code),
                ok: *code == 0,
            });
        }
    }
    let history: Vec<HistoryEntry> = v.failures[v.failures.len().saturating_sub(MAX_HISTORY)..]
        .iter()
        .map(|f| HistoryEntry {
            time: f.ev.time.map(Time::from),
            code: explainer.code(f.code),
            evidence: f.ev.to_evidence(paths),
        })
        .collect();
    Product {
        product: name,
        app,
        app_id: v.app_id.map(|a| explainer.intern(&a.to_ascii_lowercase())),
        sku,
        channel: v.channel.as_deref().map(|c| explainer.intern(c)),
        partial_key: v.partial_key.map(str::to_string),
        license_status: v.status,
        reason: v.reason.map(|r| explainer.code_ref(r)),
        state: v.state,
        expires: v.expires.map(Time::from),
        days_left: v.days_left,
        kms_host: v.kms_host.map(|(h, _)| explainer.intern(h)),
        kms_host_source: v.kms_host.map(|(_, s)| explainer.intern(s)),
        last_attempt: v.last_attempt.and_then(|e| e.time).map(Time::from),
        last_error: v.last_failure.as_ref().or(v.renewal_trouble.as_ref()).map(|f| explainer.code_ref(f.code)),
        failures: v.failures.len(),
        history,
        note: note(v, t),
        evidence: v.evidence.iter().map(|e| e.to_evidence(paths)).collect(),
        findings: (first..out.findings.len()).collect(),
    }
}

fn app_label(app: App) -> &'static str {
    match app {
        App::Windows => "Windows",
        App::Office => "Office",
        App::Other => "?",
    }
}

fn date(t: Option<Timestamp>, texts: &Texts) -> String {
    t.map_or_else(|| texts.unknown_time.to_string(), |t| Time(t).date())
}

fn time(t: Option<Timestamp>, texts: &Texts) -> String {
    t.map_or_else(|| texts.unknown_time.to_string(), |t| Time(t).to_string())
}

/// Rule 8: older failures are said, with when it has been activated since.
fn note(v: &Verdict<'_>, t: &Texts) -> Option<String> {
    let (first, last) = (v.failures.first()?, v.failures.last()?);
    let mut note = (t.history)(v.failures.len(), &date(first.ev.time, t), &date(last.ev.time, t));
    if v.state == MachineState::Activated
        && let Some(since) = v.licensed_since
    {
        note.push_str(&(t.activated_since)(&date(since.time, t)));
    }
    Some(note)
}

#[allow(clippy::too_many_arguments)]
fn product_findings(
    machine: &str,
    label: &str,
    v: &Verdict<'_>,
    paths: &[Shared],
    t: &Texts,
    explainer: &mut Explainer,
    out: &mut Out,
) {
    let failed_evidence = |code: Option<u32>| {
        newest(v.failures.iter().filter(|f| code.is_none_or(|c| f.code == c)).map(|f| f.ev), MAX_EVIDENCE, paths)
    };
    let push = |mut f: Finding, out: &mut Out| {
        f.machine = Some(machine.to_string());
        out.findings.push(f);
    };
    if v.state == MachineState::Failing {
        let main_code = if let Some(f) = &v.last_failure {
            let finding = if f.kind == FailureKind::NoAnswer {
                let host = f.host.unwrap_or("?");
                let mut finding = explainer.finding(
                    SL_E_VL_BINDING_SERVICE_UNAVAILABLE,
                    Severity::Error,
                    "no_answer",
                    (t.no_answer)(label, host, &time(f.ev.time, t)),
                    failed_evidence(None),
                );
                finding.explanation = (t.no_answer_explanation)(host).into();
                finding
            } else {
                let mut title = (t.activation_failed)(label, &format_code(f.code), &explainer.name(f.code));
                if f.code != f.shown {
                    title.push_str(&(t.behind_catch_all)(&format_code(f.shown)));
                }
                explainer.finding(f.code, Severity::Error, "activation_failed", title, failed_evidence(None))
            };
            push(finding, out);
            Some(f.code)
        } else if v.expired {
            let title = (t.expired)(label, &date(v.expires, t));
            let steps = t.renew_steps.iter().map(|s| Shared::from(*s)).collect();
            let evidence = v.evidence.iter().map(|e| e.to_evidence(paths)).collect();
            push(plain(Severity::Error, "licence_expired", None, title, t.expired_explanation, steps, evidence), out);
            None
        } else {
            let status = v.status.map_or("?", |s| s.id());
            let title = (t.not_activated)(label, status);
            let evidence: Vec<_> = v.evidence.iter().map(|e| e.to_evidence(paths)).collect();
            let finding = match v.reason {
                Some(code) => {
                    let title = format!("{title}: {} {}", format_code(code), explainer.name(code));
                    explainer.finding(code, Severity::Error, "not_activated", title, evidence)
                }
                None => plain(
                    Severity::Error,
                    "not_activated",
                    None,
                    title,
                    t.not_activated_explanation,
                    Vec::new(),
                    evidence,
                ),
            };
            push(finding, out);
            v.reason
        };
        // Earlier, different failures of a product that still fails are worth reading too.
        let mut earlier: BTreeMap<u32, Vec<Ev>> = BTreeMap::new();
        for f in v.failures.iter().filter(|f| Some(f.code) != main_code && f.kind == FailureKind::Code) {
            earlier.entry(f.code).or_default().push(f.ev);
        }
        for (code, evs) in earlier {
            let title = (t.earlier_failure)(label, &format_code(code));
            let f =
                explainer.finding(code, Severity::Warning, "earlier_failure", title, newest(evs, MAX_EVIDENCE, paths));
            push(f, out);
        }
    }
    if let Some(r) = v.refusal.as_ref().filter(|_| v.state != MachineState::Activated) {
        let title = (t.count_refused)(label, r.host.unwrap_or("?"), r.count, r.needed);
        let f = explainer.finding(
            SL_E_VL_NOT_ENOUGH_COUNT,
            Severity::Warning,
            "kms_count_refused",
            title,
            vec![r.ev.to_evidence(paths)],
        );
        push(f, out);
    }
    let expiring =
        v.state == MachineState::Activated && v.kms_client && v.days_left.is_some_and(|d| d < EXPIRY_WARNING_DAYS);
    if let Some(trouble) = &v.renewal_trouble {
        let severity = if expiring { Severity::Error } else { Severity::Warning };
        let host = trouble.host.unwrap_or("?");
        let title = (t.renewal_failing)(label, &date(trouble.ev.time, t), &date(v.expires, t));
        let evidence = newest(
            v.failures.iter().filter(|f| f.ev >= trouble.ev || f.ev.time >= trouble.ev.time).map(|f| f.ev),
            MAX_EVIDENCE,
            paths,
        );
        let mut f = explainer.finding(trouble.code, severity, "renewal_failing", title, evidence);
        f.explanation = (t.renewal_failing_explanation)(host).into();
        if trouble.kind == FailureKind::NoAnswer {
            f.resolution = t.renew_steps.iter().map(|s| Shared::from(*s)).collect();
        }
        push(f, out);
    } else if expiring {
        let days = v.days_left.unwrap_or(0);
        let title = (t.expires_soon)(label, days, &date(v.expires, t));
        let steps = t.renew_steps.iter().map(|s| Shared::from(*s)).collect();
        let evidence = v.evidence.iter().map(|e| e.to_evidence(paths)).collect();
        push(plain(Severity::Warning, "expires_soon", None, title, t.expires_soon_explanation, steps, evidence), out);
    }
}

/// Rule 10's other half: one CMID on machines that are not one renamed machine.
pub(crate) fn clone_findings(clones: &[CloneGroup], paths: &[Shared], t: &Texts, out: &mut Out) {
    for group in clones {
        let names: Vec<String> =
            group.machines.iter().take(MAX_NAMES).map(|&i| out.machines[i].machine.clone()).collect();
        let evidence = group.evidence.iter().take(MAX_EVIDENCE).map(|e| e.to_evidence(paths)).collect();
        let index = out.findings.len();
        out.findings.push(plain(
            Severity::Error,
            "cloned_cmid",
            Some(SL_E_VL_NOT_ENOUGH_COUNT),
            (t.cloned_cmid)(&group.cmid, &names, group.machines.len()),
            &(t.cloned_cmid_explanation)(group.machines.len()),
            t.cloned_cmid_steps.iter().map(|s| Shared::from(*s)).collect(),
            evidence,
        ));
        for &i in &group.machines {
            let row = &mut out.machines[i];
            row.cloned_cmid = true;
            row.findings.push(index);
        }
    }
}

/// The KMS hosts' rows and findings: counts in the window, rejected requests, DNS publishing.
pub(crate) fn host_rows(ctx: &Ctx<'_>, explainer: &mut Explainer, out: &mut Out) -> Vec<KmsHost> {
    let (hosts, paths, options, t) = (ctx.hosts, ctx.paths, ctx.options, ctx.t);
    let mut rows = Vec::with_capacity(hosts.hosts.len());
    for (i, h) in hosts.hosts.iter().enumerate() {
        let window_end = options.as_of.or(h.to);
        let (clients, servers) = h.counted(window_end, options.products);
        let mut counts = RequestCounts::default();
        let mut by_code: BTreeMap<u32, Vec<Ev>> = BTreeMap::new();
        let mut failing_clients = std::collections::BTreeSet::new();
        for (ev, r) in &h.requests {
            counts.total += 1;
            by_code.entry(r.hresult).or_default().push(*ev);
            if r.hresult == 0 {
                counts.ok += 1;
            } else {
                counts.failed += 1;
                failing_clients.insert(r.client.as_deref().or(r.cmid.as_deref()).unwrap_or_default().to_string());
            }
        }
        // A host known from its own `slmgr /dli` only: the cumulative counts it printed.
        if let (0, Some((_, status))) = (counts.total, &h.status) {
            counts.total = usize::try_from(status.total_requests.unwrap_or(0)).unwrap_or(usize::MAX);
            counts.failed = usize::try_from(status.failed_requests.unwrap_or(0)).unwrap_or(usize::MAX);
            counts.ok = counts.total.saturating_sub(counts.failed);
        }
        let mut code_counts: Vec<CodeCount> =
            by_code.iter().map(|(c, evs)| CodeCount { code: format_code(*c), count: evs.len() }).collect();
        code_counts.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
        counts.by_code = code_counts;
        let client_os = clients > 0 || servers == 0;
        let threshold =
            if client_os { ProductKind::Client.kms_threshold() } else { ProductKind::Server.kms_threshold() };
        let own_count = h.status.as_ref().and_then(|(_, s)| s.current_count);
        let reported_count = out.reported.get(i).copied().flatten().map(|(_, c)| c);
        let current_count = own_count.or(reported_count);
        let seen = if h.requests.is_empty() {
            own_count.and_then(|c| usize::try_from(c).ok())
        } else {
            Some(if client_os { clients } else { servers })
        };
        if let Some(seen) = seen.filter(|s| *s < threshold as usize) {
            let mut evidence = newest(h.requests.iter().map(|(ev, _)| *ev), MAX_EVIDENCE, paths);
            if evidence.is_empty()
                && let Some((ev, _)) = &h.status
            {
                evidence.push(ev.to_evidence(paths));
            }
            let title = (t.below_threshold)(&h.name, seen, threshold);
            let mut f = explainer.finding(
                SL_E_VL_NOT_ENOUGH_COUNT,
                Severity::Warning,
                "kms_count_below_threshold",
                title,
                evidence,
            );
            f.kms_host = Some(h.name.clone());
            out.findings.push(f);
        }
        for (code, evs) in by_code.into_iter().filter(|(c, _)| *c != 0) {
            let title = (t.host_rejected)(&h.name, evs.len(), &format_code(code));
            let mut f = explainer.finding(
                code,
                Severity::Warning,
                "host_rejected_requests",
                title,
                newest(evs, MAX_EVIDENCE, paths),
            );
            f.kms_host = Some(h.name.clone());
            out.findings.push(f);
        }
        for (ev, code, domain) in &h.dns_failures {
            let code = code.unwrap_or(0x8007_232A);
            let title = (t.dns_publishing_failed)(&h.name, domain.unwrap_or("?"));
            let mut f =
                explainer.finding(code, Severity::Error, "dns_publishing_failed", title, vec![ev.to_evidence(paths)]);
            f.kms_host = Some(h.name.clone());
            out.findings.push(f);
        }
        rows.push(KmsHost {
            host: h.name.clone(),
            clients_30d: clients,
            servers_30d: servers,
            threshold,
            reported_count,
            current_count,
            listening_port: h.status.as_ref().and_then(|(_, s)| s.listening_port),
            dns_publishing: h.status.as_ref().and_then(|(_, s)| s.dns_publishing),
            requests: counts,
            failing_clients: failing_clients.into_iter().collect(),
            dns_publishing_failures: h.dns_failures.len(),
            log_from: h.from.map(Time::from),
            log_to: h.to.map(Time::from),
            window_end: window_end.map(Time::from),
        });
    }
    rows
}

/// A machine's requests matched to its hosts' logs by CMID. "Never reached the host" is said only
/// when the host's log covers that time; otherwise nothing can be said. Counts the hosts reported
/// are noted for the host rows.
fn correlate(
    machine: &str,
    index: usize,
    requests: &[SentRequest<'_>],
    ctx: &Ctx<'_>,
    explainer: &mut Explainer,
    out: &mut Out,
) {
    let (hosts, t) = (ctx.hosts, ctx.t);
    let mut lost: BTreeMap<usize, Vec<Ev>> = BTreeMap::new();
    for r in requests {
        let Some(i) = hosts.find(r.host) else { continue };
        if let (Some(count), Some(slot)) = (r.answered_count, out.reported.get_mut(i))
            && slot.is_none_or(|(t, _)| t <= r.ev.time)
        {
            *slot = Some((r.ev.time, count));
        }
        let h = &hosts.hosts[i];
        if let Some(time) = r.ev.time
            && h.covers(time)
            && !h.saw(r.cmid, time)
        {
            lost.entry(i).or_default().push(r.ev);
        }
    }
    for (i, evs) in lost {
        let h = &hosts.hosts[i];
        let newest_time = evs.iter().filter_map(|e| e.time).max();
        let title = (t.not_seen)(machine, &h.name, &time(newest_time, t), evs.len());
        let evidence = newest(evs, MAX_EVIDENCE, ctx.paths);
        let mut f =
            explainer.finding(SL_E_VL_MACHINE_NOT_BOUND, Severity::Error, "request_not_seen_by_host", title, evidence);
        f.machine = Some(machine.to_string());
        f.kms_host = Some(h.name.clone());
        f.explanation = (t.not_seen_explanation)(&h.name).into();
        out.machines[index].findings.push(out.findings.len());
        out.findings.push(f);
    }
}
