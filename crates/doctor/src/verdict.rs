//! One verdict per product, the first thing doctor prints: the product, whether it is activated,
//! the code that stops it, and the live checks that explain that code. Which check explains which
//! product is decided here, once:
//!
//! - a product that is not activated is blocked by each failed check whose codes include the
//!   product's own code (its last error, else its status reason);
//! - a product that is not activated with no code, or only 0xC004F074 (the summary code "no KMS
//!   host could be contacted", which every unreachable-host check explains), is blocked by every
//!   failed check;
//! - a KMS client product that is activated has its next renewal at risk from every failed check.

use actdoc_probe::Status;
use actdoc_report::model::{App, CodeRef, LicenseStatus, MachineState, Report, Time};
use serde::Serialize;

use crate::bundle::CheckLine;

/// The summary code a client logs when no KMS host answered; it hides the real reason.
const NO_HOST_ANSWERED: &str = "0xC004F074";

#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub machine: String,
    pub product: String,
    pub app: App,
    pub state: MachineState,
    pub license_status: Option<LicenseStatus>,
    /// Its last error while not activated, else the reason for its status.
    pub code: Option<CodeRef>,
    pub kms_host: Option<String>,
    pub days_left: Option<u64>,
    pub expires: Option<Time>,
    /// Indexes into `checks` of the failed checks that explain this verdict.
    pub blocked_by: Vec<usize>,
    /// Activated through KMS, but a check failed: the next renewal would fail.
    pub renewal_at_risk: bool,
    /// The first step of its first finding, in the report's language.
    pub next_step: Option<String>,
    /// Where its product is in the report: `machines[.0].products[.1]`.
    #[serde(skip)]
    pub place: (usize, usize),
}

/// The verdicts of every product of every machine in `report`, worst first.
pub fn verdicts(report: &Report, checks: Option<&[CheckLine]>) -> Vec<Verdict> {
    let failed: Vec<(usize, &CheckLine)> =
        checks.unwrap_or_default().iter().enumerate().filter(|(_, c)| c.status == Status::Fail).collect();
    let mut verdicts = Vec::new();
    for (m, machine) in report.machines.iter().enumerate() {
        for (i, p) in machine.products.iter().enumerate() {
            let code =
                if p.state == MachineState::Activated { None } else { p.last_error.clone().or(p.reason.clone()) };
            let kms_client = p.channel.as_deref() == Some("VOLUME_KMSCLIENT");
            let blocked_by: Vec<usize> = match (&code, p.state) {
                (_, MachineState::Activated) if kms_client => failed.iter().map(|(i, _)| *i).collect(),
                (_, MachineState::Activated) => Vec::new(),
                (Some(code), _) if !code.code.eq_ignore_ascii_case(NO_HOST_ANSWERED) => failed
                    .iter()
                    .filter(|(_, c)| c.explains.iter().any(|e| e.eq_ignore_ascii_case(&code.code)))
                    .map(|(i, _)| *i)
                    .collect(),
                _ => failed.iter().map(|(i, _)| *i).collect(),
            };
            let next_step = p
                .findings
                .iter()
                .filter_map(|i| report.findings.get(*i))
                .find_map(|f| f.resolution.first())
                .map(ToString::to_string);
            verdicts.push(Verdict {
                machine: machine.machine.clone(),
                product: p.product.as_deref().or(p.sku.as_deref()).unwrap_or(p.app.id()).to_string(),
                app: p.app,
                state: p.state,
                license_status: p.license_status,
                code,
                kms_host: p.kms_host.as_deref().map(str::to_string),
                days_left: p.days_left,
                expires: p.expires,
                renewal_at_risk: p.state == MachineState::Activated && !blocked_by.is_empty(),
                blocked_by,
                next_step,
                place: (m, i),
            });
        }
    }
    verdicts.sort_by_key(|v| std::cmp::Reverse(v.state.badness()));
    verdicts
}
