//! CSV rendering (placeholder until the renderer lands).

use crate::Report;

pub fn findings_csv(report: &Report) -> String {
    format!("{} findings\n", report.findings.len())
}
