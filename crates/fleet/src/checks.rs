//! The live checks a doctor bundle recorded: each failed check becomes a finding of its machine,
//! explained by the first code the check names (a timed-out TCP 1688 explains 0x800706BA), so a
//! fleet of bundles shows which machines cannot reach their KMS host, and why, next to their
//! products.

use actdoc_logs::scan::Collected;
use actdoc_logs::slmgr::hex_code;
use actdoc_report::model::{Evidence, Machine, Severity, Shared, Time};

use crate::findings::{Explainer, plain};
use crate::machines::Out;
use crate::texts::Texts;

pub(crate) fn check_findings(
    collected: &Collected,
    paths: &[Shared],
    t: &Texts,
    explainer: &mut Explainer,
    out: &mut Out,
) {
    for sourced in &collected.checks {
        let row = out.machines.iter().position(|m| names(m, &sourced.machine));
        let machine = row.map_or_else(|| sourced.machine.clone(), |i| out.machines[i].machine.clone());
        for check in sourced.checks.iter().filter(|c| c.failed()) {
            let evidence = vec![Evidence {
                file: paths.get(sourced.file).cloned().unwrap_or_else(|| Shared::from("")),
                record_id: None,
                time: sourced.collected_at.map(Time),
                event_id: None,
                line: None,
            }];
            let title = (t.check_failed)(&machine, &check.finding, &check.subject, &check.evidence);
            let code = check.explains.first().and_then(|c| hex_code(c));
            let mut finding = match code {
                Some(code) => explainer.finding(code, Severity::Error, "check_failed", title, evidence),
                None => plain(
                    Severity::Error,
                    "check_failed",
                    None,
                    title,
                    t.check_failed_explanation,
                    Vec::new(),
                    evidence,
                ),
            };
            finding.machine = Some(machine.clone());
            out.findings.push(finding);
            if let Some(i) = row {
                let index = out.findings.len() - 1;
                out.machines[i].findings.push(index);
            }
        }
    }
}

/// Whether a machine row is the machine a bundle names: its name or another name of it, or the
/// short name of its FQDN (a bundle names the NetBIOS name, events the FQDN).
fn names(m: &Machine, computer: &str) -> bool {
    let short = |name: &str| name.split('.').next().unwrap_or(name).to_string();
    !computer.is_empty()
        && std::iter::once(&m.machine)
            .chain(&m.also_named)
            .any(|n| n.eq_ignore_ascii_case(computer) || short(n).eq_ignore_ascii_case(&short(computer)))
}
