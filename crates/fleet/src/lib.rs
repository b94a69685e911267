//! The analysis: typed facts from `actdoc-logs` in, the report out. Per machine its products
//! (Windows and each Office SKU) with their verdicts by the rules in [`rules`]; per KMS host its
//! 30-day count against the threshold; cloned CMIDs; client requests matched to the host's log;
//! and findings that lead with the next step the evidence leaves open.
//!
//! It is one pass with maps keyed by machine, CMID and host: cost grows with the number of
//! records, never with machines × machines (a collector holds 100,000).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod checks;
mod evidence;
mod findings;
mod hosts;
mod identity;
mod machines;
mod observe;
mod rules;
mod texts;

use actdoc_core::{Kb, Lang, Products};
use actdoc_logs::scan::Collected;
use actdoc_logs::time::Timestamp;
use actdoc_report::model::{
    Attempt, MachineState, ProductCounts, Report, SCHEMA, Severity, Source, Summary, Time, Warning,
};

#[derive(Debug)]
pub struct Options<'a> {
    pub kb: &'a Kb,
    pub products: &'a Products,
    pub lang: Lang,
    /// The time verdicts and the 30-day window are computed at; default: each machine's newest
    /// evidence, each host's newest event. Never the wall clock.
    pub as_of: Option<Timestamp>,
    pub generated_by: String,
}

/// What a `--since`/`--until` window must keep of a KMS host's requests beyond its edges: the
/// 30-day count window and the clock-skew tolerance of request matching before it, the tolerance
/// after it.
pub const HOST_CONTEXT: actdoc_logs::scan::HostContext =
    actdoc_logs::scan::HostContext { before: hosts::WINDOW + hosts::MATCH_WINDOW, after: hosts::MATCH_WINDOW };

/// Builds the report of everything collected.
pub fn analyse(collected: &Collected, options: &Options) -> Report {
    let t = texts::texts(options.lang);
    let mut explainer = findings::Explainer::new(options);
    let file_rank = file_rank(collected);

    let identity::Machines { machines: machine_facts, mut obs, clones } =
        identity::machines(collected, options.products);
    let mut hosts = hosts::Hosts::read(collected);
    for m in &machine_facts {
        for (ev, status) in &m.host_status {
            hosts.add_status(&m.name, *ev, status.clone());
        }
    }

    let mut out = machines::Out {
        machines: Vec::with_capacity(machine_facts.len()),
        reported: vec![None; hosts.hosts.len()],
        ..machines::Out::default()
    };
    let paths = evidence::paths(collected);
    let ctx = machines::Ctx { paths: &paths, options, t: &t, file_rank: &file_rank, hosts: &hosts };
    for m in machine_facts {
        let facts = m.obs.clone();
        machines::judge(m, &mut obs[facts], &ctx, &mut explainer, &mut out);
    }
    machines::clone_findings(&clones, &paths, &t, &mut out);
    checks::check_findings(collected, &paths, &t, &mut explainer, &mut out);
    let kms_hosts = machines::host_rows(&ctx, &mut explainer, &mut out);

    let mut attempts: Vec<Attempt> = out.attempts;
    attempts.sort_by(|a, b| a.time.cmp(&b.time).then(a.machine.cmp(&b.machine)).then(a.code.cmp(&b.code)));
    let rows = out.machines;
    let count = |s: MachineState| rows.iter().filter(|m| m.state == s).count();
    let all_products = rows.iter().flat_map(|m| &m.products);
    let mut products = ProductCounts::default();
    for p in all_products {
        products.total += 1;
        match p.state {
            MachineState::Activated => products.activated += 1,
            MachineState::Grace => products.grace += 1,
            MachineState::Failing => products.failing += 1,
            MachineState::Unknown => products.unknown += 1,
        }
    }
    let summary = Summary {
        machines: rows.len(),
        activated: count(MachineState::Activated),
        failing: count(MachineState::Failing),
        grace: count(MachineState::Grace),
        unknown: count(MachineState::Unknown),
        products,
        kms_hosts: kms_hosts.len(),
        errors: out.findings.iter().filter(|f| f.severity == Severity::Error).count(),
        warnings: out.findings.iter().filter(|f| f.severity == Severity::Warning).count(),
    };
    Report {
        schema: SCHEMA,
        generated_by: options.generated_by.clone(),
        lang: options.lang,
        as_of: options.as_of.map(Time::from),
        summary,
        machines: rows,
        kms_hosts,
        findings: out.findings,
        attempts,
        warnings: collected
            .warnings
            .iter()
            .map(|w| Warning { file: w.file.clone(), offset: w.offset, message: w.message.clone() })
            .collect(),
        sources: collected
            .sources
            .iter()
            .map(|s| Source {
                path: s.path.clone(),
                format: s.format.id().to_string(),
                records: s.records,
                hits: s.hits,
                outside_window: s.outside_window,
            })
            .collect(),
    }
}

/// Each source's place in the order the files were written (then by path): it orders texts that
/// do not say when they were printed, and breaks ties between records, so the result does not
/// depend on the order files were given or read in.
fn file_rank(collected: &Collected) -> Vec<usize> {
    let mut order: Vec<usize> = (0..collected.sources.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&collected.sources[a], &collected.sources[b]);
        (a.modified, &a.path).cmp(&(b.modified, &b.path))
    });
    let mut rank = vec![0; order.len()];
    for (r, i) in order.into_iter().enumerate() {
        rank[i] = r;
    }
    rank
}
