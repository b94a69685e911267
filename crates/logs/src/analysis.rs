//! From the events of a fleet to the report: per machine its latest attempt, the real error and
//! what to do; per KMS host the unique machines of the last 30 days against the threshold; cloned
//! CMIDs; and client requests matched to the host's log by CMID.

use std::collections::{BTreeMap, BTreeSet};

use actdoc_core::{Kb, Lang, ProductKind, Products, explain, format_code};
use actdoc_report::model::{
    Attempt, CodeCount, CodeRef, Evidence, Finding, KmsHost, Machine, MachineState, Report, RequestCounts, Severity,
    Source, Summary, Warning,
};

use crate::decode::ActivationEvent;
use crate::scan::{Collected, SourcedEvent};
use crate::slmgr::{LicenseStatus, SlmgrReport};
use crate::texts::{Texts, texts};
use crate::time::{DAY, HOUR, Timestamp};

/// The KMS count window.
const WINDOW: i64 = 30 * DAY;
/// A client's request and the host's record of it may differ by the clock skew a host tolerates
/// (4 hours) plus a margin for the log writing itself.
const MATCH_WINDOW: i64 = 4 * HOUR + 10 * 60;
/// Evidence listed per finding; the count says how many more there were.
const MAX_EVIDENCE: usize = 20;

#[derive(Debug)]
pub struct Options<'a> {
    pub kb: &'a Kb,
    pub products: &'a Products,
    pub lang: Lang,
    /// End of the 30-day window; default each host's newest event.
    pub as_of: Option<Timestamp>,
    pub generated_by: String,
}

/// One activation attempt of a client.
#[derive(Clone, Debug)]
struct ClientAttempt {
    time: Option<Timestamp>,
    hresult: u32,
    host: Option<String>,
    cmid: Option<String>,
    evidence: Evidence,
}

#[derive(Debug, Default)]
struct MachineFacts {
    name: String,
    also_named: Vec<String>,
    source: String,
    files: BTreeSet<String>,
    attempts: Vec<ClientAttempt>,
    cmids: BTreeSet<String>,
    kms_host: Option<String>,
    kms_host_source: Option<String>,
    license_status: Option<String>,
    minutes_left: Option<u64>,
    sku: Option<String>,
    licensed_state_data: Option<bool>,
    reported_count: Option<(Option<Timestamp>, u32)>,
    latest: Option<Timestamp>,
}

#[derive(Debug, Default)]
struct HostFacts {
    name: String,
    requests: Vec<(SourcedEvent, crate::decode::HostRequest)>,
    dns_failures: Vec<(SourcedEvent, Option<u32>, Option<String>)>,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
}

fn evidence_of(e: &SourcedEvent) -> Evidence {
    Evidence {
        file: e.event.origin.file.clone(),
        record_id: e.event.record_id,
        time: e.event.time.map(Timestamp::to_rfc3339),
        event_id: Some(e.event.event_id),
        line: None,
    }
}

fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// The first DNS label of a host, for matching "kms01.contoso.com:1688" to a log from "KMS01".
fn short_host(host_port: &str) -> String {
    let host = host_port
        .rsplit_once(':')
        .map_or(host_port, |(h, p)| if p.chars().all(|c| c.is_ascii_digit()) { h } else { host_port });
    host.split('.').next().unwrap_or(host).to_ascii_lowercase()
}

fn license_status_name(status: u8) -> &'static str {
    match status {
        0 => "Unlicensed",
        1 => "Licensed",
        2 => "OOB grace",
        3 => "OOT grace",
        4 => "Non-genuine grace",
        5 => "Notification",
        6 => "Extended grace",
        _ => "Unknown",
    }
}

fn slmgr_status_name(status: LicenseStatus) -> &'static str {
    match status {
        LicenseStatus::Unlicensed => "Unlicensed",
        LicenseStatus::Licensed => "Licensed",
        LicenseStatus::InitialGrace => "OOB grace",
        LicenseStatus::AdditionalGrace => "OOT grace",
        LicenseStatus::NonGenuineGrace => "Non-genuine grace",
        LicenseStatus::Notification => "Notification",
        LicenseStatus::ExtendedGrace => "Extended grace",
        LicenseStatus::Unknown => "Unknown",
    }
}

pub fn analyse(collected: &Collected, options: &Options) -> Report {
    let t = texts(options.lang);
    let mut machines: BTreeMap<String, MachineFacts> = BTreeMap::new();
    let mut hosts: BTreeMap<String, HostFacts> = BTreeMap::new();

    for e in &collected.events {
        let computer = if e.event.computer.is_empty() { e.source.clone() } else { e.event.computer.clone() };
        match &e.decoded {
            ActivationEvent::HostRequest(r) => {
                let h = hosts
                    .entry(key(&computer))
                    .or_insert_with(|| HostFacts { name: computer.clone(), ..HostFacts::default() });
                extend_span(&mut h.from, &mut h.to, e.event.time);
                h.requests.push((e.clone(), r.clone()));
            }
            ActivationEvent::DnsPublishFailed { hresult, domain } => {
                let h = hosts
                    .entry(key(&computer))
                    .or_insert_with(|| HostFacts { name: computer.clone(), ..HostFacts::default() });
                extend_span(&mut h.from, &mut h.to, e.event.time);
                h.dns_failures.push((e.clone(), *hresult, domain.clone()));
            }
            ActivationEvent::DnsPublished { .. } => {
                let h = hosts
                    .entry(key(&computer))
                    .or_insert_with(|| HostFacts { name: computer.clone(), ..HostFacts::default() });
                extend_span(&mut h.from, &mut h.to, e.event.time);
            }
            client => {
                let m = machines.entry(key(&computer)).or_insert_with(|| MachineFacts {
                    name: computer.clone(),
                    source: e.source.clone(),
                    ..MachineFacts::default()
                });
                add_client_event(m, e, client);
            }
        }
    }
    for s in &collected.slmgr {
        add_slmgr(&mut machines, collected, s);
    }
    merge_renamed(&mut machines);

    let mut findings: Vec<Finding> = Vec::new();
    let mut machine_rows: Vec<Machine> = Vec::new();
    let mut attempts: Vec<Attempt> = Vec::new();
    for m in machines.values() {
        let mut row = machine_row(m, options);
        let before = findings.len();
        machine_findings(m, &row, options, &t, &mut findings);
        row.findings = (before..findings.len()).collect();
        for a in &m.attempts {
            if let Some(time) = a.time {
                attempts.push(Attempt {
                    time: time.to_rfc3339(),
                    machine: m.name.clone(),
                    code: format_code(a.hresult),
                    ok: a.hresult == 0,
                });
            }
        }
        machine_rows.push(row);
    }
    attempts.sort_by(|a, b| a.time.cmp(&b.time).then(a.machine.cmp(&b.machine)));

    cloned_cmids(&machines, options, &t, &mut findings, &mut machine_rows);
    let host_rows: Vec<KmsHost> = hosts.values().map(|h| host_row(h, &machines, options, &t, &mut findings)).collect();
    correlate(&machines, &hosts, options, &t, &mut findings, &mut machine_rows);

    let warnings: Vec<Warning> = collected
        .warnings
        .iter()
        .map(|w| Warning { file: w.file.clone(), offset: w.offset, message: w.message.clone() })
        .collect();
    let sources = collected
        .sources
        .iter()
        .map(|s| Source { path: s.path.clone(), format: s.format.id().to_string(), records: s.records, hits: s.hits })
        .collect();
    let summary = Summary {
        machines: machine_rows.len(),
        activated: machine_rows.iter().filter(|m| m.state == MachineState::Activated).count(),
        failing: machine_rows.iter().filter(|m| m.state == MachineState::Failing).count(),
        kms_hosts: host_rows.len(),
        errors: findings.iter().filter(|f| f.severity == Severity::Error).count(),
        warnings: findings.iter().filter(|f| f.severity == Severity::Warning).count(),
    };
    Report {
        generated_by: options.generated_by.clone(),
        lang: options.lang,
        as_of: options.as_of.map(Timestamp::to_rfc3339),
        summary,
        machines: machine_rows,
        kms_hosts: host_rows,
        findings,
        attempts,
        warnings,
        sources,
    }
}

fn extend_span(from: &mut Option<Timestamp>, to: &mut Option<Timestamp>, t: Option<Timestamp>) {
    if let Some(t) = t {
        *from = Some(from.map_or(t, |f| f.min(t)));
        *to = Some(to.map_or(t, |x| x.max(t)));
    }
}

fn add_client_event(m: &mut MachineFacts, e: &SourcedEvent, decoded: &ActivationEvent) {
    m.files.insert(e.event.origin.file.clone());
    let time = e.event.time;
    if time.is_some() && time > m.latest {
        m.latest = time;
    }
    let newest = |m: &MachineFacts| time.is_some() && m.attempts.iter().all(|a| a.time <= time);
    match decoded {
        ActivationEvent::KmsRequest(r) => {
            if newest(m) || m.kms_host.is_none() {
                m.kms_host.clone_from(&r.host);
                if let Some(status) = r.license_status {
                    m.license_status = Some(license_status_name(status).to_string());
                }
                m.minutes_left = r.minutes_left.or(m.minutes_left);
                m.sku = r.sku.clone().or(m.sku.take());
            }
            if let Some(cmid) = &r.cmid {
                m.cmids.insert(cmid.clone());
            }
            m.attempts.push(ClientAttempt {
                time,
                hresult: r.hresult,
                host: r.host.clone(),
                cmid: r.cmid.clone(),
                evidence: evidence_of(e),
            });
        }
        ActivationEvent::KmsResponse(r) => {
            if let Some(count) = r.current_count
                && m.reported_count.is_none_or(|(t, _)| t <= time)
            {
                m.reported_count = Some((time, count));
            }
        }
        ActivationEvent::SlUiFailed { hresult, sku, .. } | ActivationEvent::VlFailed { hresult, sku, .. } => {
            if m.sku.is_none() {
                m.sku.clone_from(sku);
            }
            m.attempts.push(ClientAttempt {
                time,
                hresult: *hresult,
                host: None,
                cmid: None,
                evidence: evidence_of(e),
            });
        }
        ActivationEvent::StateData(s) => {
            if let Some(state) = &s.license_state {
                m.licensed_state_data = Some(state.ends_with("_LICENSED"));
                if m.license_status.is_none() {
                    m.license_status = Some(state.trim_start_matches("SL_LICENSING_STATUS_").to_ascii_lowercase());
                }
            }
            if m.sku.is_none() {
                m.sku.clone_from(&s.sku);
            }
        }
        ActivationEvent::AdActivated { .. } => {
            m.attempts.push(ClientAttempt { time, hresult: 0, host: None, cmid: None, evidence: evidence_of(e) });
        }
        _ => {}
    }
}

/// One log with the same CMID under two computer names is one machine that was renamed (a clone
/// would be a different log); the newest name wins and the others are kept as `also_named`.
fn merge_renamed(machines: &mut BTreeMap<String, MachineFacts>) {
    loop {
        // Only machines read from the same file can be one renamed machine: compare within files.
        let mut by_file: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (key, m) in machines.iter() {
            for file in &m.files {
                by_file.entry(file.as_str()).or_default().push(key.as_str());
            }
        }
        let pair = by_file.values().filter(|keys| keys.len() > 1).find_map(|keys| {
            keys.iter().enumerate().find_map(|(i, a)| {
                keys[i + 1..]
                    .iter()
                    .find(|b| !machines[*a].cmids.is_disjoint(&machines[**b].cmids))
                    .map(|b| ((*a).to_string(), (*b).to_string()))
            })
        });
        let Some((a, b)) = pair else { return };
        let (Some(first), Some(second)) = (machines.remove(&a), machines.remove(&b)) else { return };
        let (mut newer, older) = if first.latest >= second.latest { (first, second) } else { (second, first) };
        newer.also_named.push(older.name);
        newer.also_named.extend(older.also_named);
        newer.attempts.extend(older.attempts);
        newer.cmids.extend(older.cmids);
        newer.files.extend(older.files);
        newer.kms_host = newer.kms_host.or(older.kms_host);
        newer.license_status = newer.license_status.or(older.license_status);
        newer.sku = newer.sku.or(older.sku);
        newer.reported_count = newer.reported_count.max(older.reported_count);
        machines.insert(key(&newer.name), newer);
    }
}

/// A slmgr file belongs to the machine whose events came from the same folder, if exactly one did;
/// otherwise the folder label names a machine of its own.
fn add_slmgr(machines: &mut BTreeMap<String, MachineFacts>, collected: &Collected, s: &crate::scan::SourcedSlmgr) {
    let same_folder: BTreeSet<String> = collected
        .events
        .iter()
        .filter(|e| e.source == s.source && !e.event.computer.is_empty())
        .map(|e| key(&e.event.computer))
        .collect();
    let machine_key = match same_folder.len() {
        1 => same_folder.into_iter().next().unwrap_or_default(),
        _ => key(&s.source),
    };
    let m = machines.entry(machine_key).or_insert_with(|| MachineFacts {
        name: s.source.clone(),
        source: s.source.clone(),
        ..MachineFacts::default()
    });
    apply_slmgr(m, &s.report, &s.file);
}

fn apply_slmgr(m: &mut MachineFacts, report: &SlmgrReport, file: &str) {
    // The Windows product is the one with a partial key (others list "not in use" licences).
    let product = report.products.iter().find(|p| p.partial_product_key.is_some()).or(report.products.first());
    if let Some(p) = product {
        if let Some(status) = p.license_status {
            m.license_status = Some(slmgr_status_name(status).to_string());
            m.licensed_state_data = Some(status == LicenseStatus::Licensed);
        }
        m.minutes_left = p.minutes_left.or(m.minutes_left);
        if m.sku.is_none() {
            m.sku = p.activation_id.clone().map(|a| a.to_ascii_lowercase());
        }
        if let Some(k) = &p.kms_client {
            if let Some(cmid) = &k.cmid {
                m.cmids.insert(cmid.to_ascii_lowercase());
            }
            if let Some(registered) = &k.registered {
                m.kms_host = Some(registered.clone());
                m.kms_host_source = Some("registered".into());
            } else if let Some(dns) = &k.from_dns {
                m.kms_host = Some(dns.clone());
                m.kms_host_source = Some("dns".into());
            }
        }
        if let Some(reason) = p.notification_reason
            && reason != 0
        {
            let evidence =
                Evidence { file: file.to_string(), record_id: None, time: None, event_id: None, line: Some(p.line) };
            m.attempts.push(ClientAttempt { time: None, hresult: reason, host: None, cmid: None, evidence });
        }
    }
    for a in &report.activations {
        let evidence =
            Evidence { file: file.to_string(), record_id: None, time: None, event_id: None, line: Some(a.line) };
        // "Error: Product activation failed." has no code: count it as a generic failure (E_FAIL).
        let hresult = a.error.unwrap_or(if a.succeeded { 0 } else { 0x8000_4005 });
        m.attempts.push(ClientAttempt { time: None, hresult, host: None, cmid: None, evidence });
    }
}

/// Attempts in time order; text sources without times count as the newest (they are what the
/// user ran last, typically while collecting).
fn ordered(m: &MachineFacts) -> Vec<&ClientAttempt> {
    let mut v: Vec<&ClientAttempt> = m.attempts.iter().collect();
    v.sort_by_key(|a| (a.time.is_none(), a.time));
    v
}

/// The code to report for a failure: behind the catch-all 0xC004F074, the code a 12288 event of
/// the same episode (within an hour) recorded.
fn real_error(m: &MachineFacts, failure: &ClientAttempt) -> u32 {
    if failure.hresult != 0xC004_F074 {
        return failure.hresult;
    }
    m.attempts
        .iter()
        .filter(|a| a.evidence.event_id == Some(12288) && a.hresult != 0 && a.hresult != 0xC004_F074)
        .filter(|a| match (a.time, failure.time) {
            (Some(x), Some(y)) => (x.0 - y.0).abs() <= HOUR,
            _ => true,
        })
        .max_by_key(|a| a.time)
        .map_or(failure.hresult, |a| a.hresult)
}

fn code_ref(code: u32, options: &Options) -> CodeRef {
    let e = explain(&format_code(code), options.kb, options.lang).into_iter().next().and_then(Result::ok);
    CodeRef {
        code: format_code(code),
        name: e.as_ref().and_then(|e| e.name.clone()),
        message: e.and_then(|e| e.message),
    }
}

fn machine_row(m: &MachineFacts, options: &Options) -> Machine {
    let attempts = ordered(m);
    let last = attempts.last().copied();
    let failed_last = last.is_some_and(|a| a.hresult != 0);
    let state = if failed_last {
        MachineState::Failing
    } else if last.is_some() || m.licensed_state_data == Some(true) {
        match m.license_status.as_deref() {
            Some("Notification" | "Unlicensed" | "notification" | "unlicensed") if last.is_none() => {
                MachineState::Failing
            }
            _ => MachineState::Activated,
        }
    } else {
        match m.license_status.as_deref() {
            Some(s) if s.to_ascii_lowercase().contains("grace") => MachineState::Grace,
            Some(s) if matches!(s.to_ascii_lowercase().as_str(), "notification" | "unlicensed") => {
                MachineState::Failing
            }
            _ => MachineState::Unknown,
        }
    };
    let last_error = last.filter(|a| a.hresult != 0).map(|a| code_ref(real_error(m, a), options));
    Machine {
        machine: m.name.clone(),
        also_named: m.also_named.clone(),
        source: m.source.clone(),
        cmid: m.cmids.iter().next_back().cloned(),
        kms_host: m.kms_host.clone(),
        kms_host_source: m.kms_host_source.clone(),
        state,
        license_state: m.license_status.clone(),
        days_left: m.minutes_left.map(|min| min.div_ceil(1440)),
        product: m.sku.as_deref().and_then(|s| options.products.by_activation_id(s)).map(|p| p.name.clone()),
        last_attempt: last.and_then(|a| a.time).map(Timestamp::to_rfc3339),
        last_error,
        failures: m.attempts.iter().filter(|a| a.hresult != 0).count(),
        findings: Vec::new(),
    }
}

fn explained_finding(
    code: u32,
    severity: Severity,
    kind: &str,
    machine: Option<String>,
    title: String,
    options: &Options,
    evidence: Vec<Evidence>,
) -> Finding {
    let e = explain(&format_code(code), options.kb, options.lang).into_iter().next().and_then(Result::ok);
    Finding {
        severity,
        kind: kind.to_string(),
        code: Some(format_code(code)),
        machine,
        kms_host: None,
        title,
        explanation: e.as_ref().and_then(|e| e.cause.clone().or_else(|| e.message.clone())).unwrap_or_default(),
        resolution: e.map(|e| e.resolution).unwrap_or_default(),
        evidence,
    }
}

fn machine_findings(m: &MachineFacts, row: &Machine, options: &Options, t: &Texts, findings: &mut Vec<Finding>) {
    let Some(last_error) = &row.last_error else { return };
    let attempts = ordered(m);
    let Some(last) = attempts.last() else { return };
    let code = real_error(m, last);
    let mut evidence: Vec<Evidence> =
        attempts.iter().rev().filter(|a| a.hresult != 0).map(|a| a.evidence.clone()).take(MAX_EVIDENCE).collect();
    evidence.dedup();
    let name = last_error.name.as_deref().unwrap_or("");
    let mut title = (t.activation_failed)(&m.name, &last_error.code, name);
    if code != last.hresult {
        title.push_str(&(t.behind_catch_all)(&format_code(last.hresult)));
    }
    findings.push(explained_finding(
        code,
        Severity::Error,
        "activation_failed",
        Some(m.name.clone()),
        title,
        options,
        evidence,
    ));
    // Earlier, different failures of a machine that still fails are worth reading too.
    let mut earlier: BTreeMap<u32, Vec<Evidence>> = BTreeMap::new();
    for a in attempts.iter().filter(|a| a.hresult != 0 && a.hresult != last.hresult && a.hresult != code) {
        earlier.entry(a.hresult).or_default().push(a.evidence.clone());
    }
    for (code, evidence) in earlier {
        let title = (t.earlier_failure)(&m.name, &format_code(code));
        findings.push(explained_finding(
            code,
            Severity::Warning,
            "earlier_failure",
            Some(m.name.clone()),
            title,
            options,
            evidence.into_iter().rev().take(MAX_EVIDENCE).collect(),
        ));
    }
}

fn cloned_cmids(
    machines: &BTreeMap<String, MachineFacts>,
    options: &Options,
    t: &Texts,
    findings: &mut Vec<Finding>,
    rows: &mut [Machine],
) {
    let mut by_cmid: BTreeMap<&str, Vec<&MachineFacts>> = BTreeMap::new();
    for m in machines.values() {
        for cmid in &m.cmids {
            by_cmid.entry(cmid).or_default().push(m);
        }
    }
    for (cmid, owners) in by_cmid.into_iter().filter(|(_, o)| o.len() > 1) {
        let names: Vec<String> = owners.iter().map(|m| m.name.clone()).collect();
        let evidence = owners
            .iter()
            .filter_map(|m| m.attempts.iter().find(|a| a.cmid.as_deref() == Some(cmid)).map(|a| a.evidence.clone()))
            .collect();
        let index = findings.len();
        let mut f = explained_finding(
            0xC004_F038,
            Severity::Error,
            "cloned_cmid",
            None,
            (t.cloned_cmid)(cmid, &names),
            options,
            evidence,
        );
        f.explanation = (t.cloned_cmid_explanation)(names.len());
        f.resolution = t.cloned_cmid_steps.iter().map(|s| (*s).to_string()).collect();
        findings.push(f);
        for row in rows.iter_mut().filter(|r| names.contains(&r.machine)) {
            row.findings.push(index);
        }
    }
}

fn host_row(
    h: &HostFacts,
    machines: &BTreeMap<String, MachineFacts>,
    options: &Options,
    t: &Texts,
    findings: &mut Vec<Finding>,
) -> KmsHost {
    let window_end = options.as_of.or(h.to);
    let in_window = |time: Option<Timestamp>| match (window_end, time) {
        (Some(end), Some(t)) => t <= end && t.0 > end.0 - WINDOW,
        _ => true,
    };
    let mut clients = BTreeSet::new();
    let mut servers = BTreeSet::new();
    let mut counts = RequestCounts::default();
    let mut by_code: BTreeMap<u32, usize> = BTreeMap::new();
    let mut failing_clients = BTreeSet::new();
    for (e, r) in &h.requests {
        counts.total += 1;
        *by_code.entry(r.hresult).or_default() += 1;
        if r.hresult == 0 {
            counts.ok += 1;
        } else {
            counts.failed += 1;
            failing_clients.insert(r.client.clone().unwrap_or_else(|| r.cmid.clone().unwrap_or_default()));
        }
        // A rejected request (bad timestamp, unknown product) does not add the machine to the count.
        if !in_window(e.event.time) || r.hresult != 0 {
            continue;
        }
        let Some(cmid) = &r.cmid else { continue };
        let kind = r.sku.as_deref().and_then(|s| options.products.by_activation_id(s)).map(|p| p.kind);
        let is_client = match kind {
            Some(k) => k == ProductKind::Client,
            None => r.min_count.is_none_or(|n| n >= 25),
        };
        if is_client {
            clients.insert(cmid.clone());
        } else {
            servers.insert(cmid.clone());
        }
    }
    let mut by_code: Vec<CodeCount> =
        by_code.into_iter().map(|(c, n)| CodeCount { code: format_code(c), count: n }).collect();
    by_code.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
    counts.by_code = by_code;
    let threshold = if !clients.is_empty() || servers.is_empty() { 25 } else { 5 };
    let below = if threshold == 25 { clients.len() < 25 } else { servers.len() < 5 };
    if below && counts.total > 0 {
        let seen = if threshold == 25 { clients.len() } else { servers.len() };
        let evidence = h.requests.iter().rev().take(MAX_EVIDENCE).map(|(e, _)| evidence_of(e)).collect();
        let mut f = explained_finding(
            0xC004_F038,
            Severity::Warning,
            "kms_count_below_threshold",
            None,
            (t.below_threshold)(&h.name, seen, threshold),
            options,
            evidence,
        );
        f.kms_host = Some(h.name.clone());
        findings.push(f);
    }
    let mut rejected: BTreeMap<u32, Vec<Evidence>> = BTreeMap::new();
    for (e, r) in h.requests.iter().filter(|(_, r)| r.hresult != 0) {
        rejected.entry(r.hresult).or_default().push(evidence_of(e));
    }
    for (code, evidence) in rejected {
        let mut f = explained_finding(
            code,
            Severity::Warning,
            "host_rejected_requests",
            None,
            (t.host_rejected)(&h.name, evidence.len(), &format_code(code)),
            options,
            evidence.into_iter().rev().take(MAX_EVIDENCE).collect(),
        );
        f.kms_host = Some(h.name.clone());
        findings.push(f);
    }
    for (e, code, domain) in &h.dns_failures {
        let code = code.unwrap_or(0x8007_232A);
        let mut f = explained_finding(
            code,
            Severity::Error,
            "dns_publishing_failed",
            None,
            (t.dns_publishing_failed)(&h.name, domain.as_deref().unwrap_or("?")),
            options,
            vec![evidence_of(e)],
        );
        f.kms_host = Some(h.name.clone());
        findings.push(f);
    }
    let reported_count = machines
        .values()
        .filter(|m| m.kms_host.as_deref().is_some_and(|k| short_host(k) == short_host(&h.name)))
        .filter_map(|m| m.reported_count)
        .max_by_key(|(t, _)| *t)
        .map(|(_, c)| c);
    KmsHost {
        host: h.name.clone(),
        clients_30d: clients.len(),
        servers_30d: servers.len(),
        threshold,
        reported_count,
        requests: counts,
        failing_clients: failing_clients.into_iter().collect(),
        dns_publishing_failures: h.dns_failures.len(),
        log_from: h.from.map(Timestamp::to_rfc3339),
        log_to: h.to.map(Timestamp::to_rfc3339),
        window_end: window_end.map(Timestamp::to_rfc3339),
    }
}

/// Matches each client 12288 with the host's 12290 by CMID. "The host never saw it" is said only
/// when the host's log covers that time; otherwise nothing can be said.
fn correlate(
    machines: &BTreeMap<String, MachineFacts>,
    hosts: &BTreeMap<String, HostFacts>,
    options: &Options,
    t: &Texts,
    findings: &mut Vec<Finding>,
    rows: &mut [Machine],
) {
    for m in machines.values() {
        for a in m.attempts.iter().filter(|a| a.evidence.event_id == Some(12288)) {
            let (Some(host), Some(cmid), Some(time)) = (&a.host, &a.cmid, a.time) else { continue };
            let Some(h) = hosts.values().find(|h| short_host(&h.name) == short_host(host)) else { continue };
            let (Some(from), Some(to)) = (h.from, h.to) else { continue };
            if time.0 < from.0 - MATCH_WINDOW || time.0 > to.0 + MATCH_WINDOW {
                continue;
            }
            let seen = h.requests.iter().any(|(e, r)| {
                r.cmid.as_deref() == Some(cmid.as_str())
                    && e.event.time.is_some_and(|ht| (ht.0 - time.0).abs() <= MATCH_WINDOW)
            });
            if !seen {
                let index = findings.len();
                let mut f = explained_finding(
                    0x8007_06BA,
                    Severity::Error,
                    "request_not_seen_by_host",
                    Some(m.name.clone()),
                    (t.not_seen)(&m.name, &h.name, &time.to_rfc3339()),
                    options,
                    vec![a.evidence.clone()],
                );
                f.kms_host = Some(h.name.clone());
                f.explanation = (t.not_seen_explanation)(&h.name);
                findings.push(f);
                if let Some(row) = rows.iter_mut().find(|r| r.machine == m.name) {
                    row.findings.push(index);
                }
            }
        }
    }
}
