//! HTML rendering (placeholder until the renderer lands).

use crate::Report;

pub fn render(report: &Report) -> String {
    format!("<p>{} findings</p>\n", report.findings.len())
}
