//! The bundle: what doctor collected on one machine, in one zip (layout in `actdoc_logs::bundle`
//! and the README), and the judging of a bundle. Doctor judges the very bytes it writes, through
//! the same reader `actdoc scan` uses for a folder of bundles, so the verdict on the machine, a
//! later `doctor --from` and the fleet's scan cannot disagree.

use std::io::{Cursor, Write};

use actdoc_core::Lang;
use actdoc_fleet::{Options, analyse};
use actdoc_logs::bundle::{CHECKS, EVENTS, LICENSING, MANIFEST, REGISTRY, REPORT, VERSION};
use actdoc_probe::texts::describe;
use actdoc_probe::{Check, Finding, Status};
use actdoc_report::model::{Report, Warning};
use serde::{Deserialize, Serialize};

use crate::collection::{Collection, Sources};
use crate::verdict::{Verdict, verdicts};

/// One live check as the bundle keeps it: the probe's finding and evidence, language-neutral.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckLine {
    pub finding: Finding,
    pub status: Status,
    pub subject: String,
    pub evidence: String,
    /// The codes a client shows when this is what is wrong.
    pub explains: Vec<String>,
}

impl From<&Check> for CheckLine {
    fn from(check: &Check) -> CheckLine {
        CheckLine {
            finding: check.finding,
            status: check.status,
            subject: check.subject.clone(),
            evidence: check.evidence.clone(),
            explains: check.explains.iter().map(|c| (*c).to_string()).collect(),
        }
    }
}

/// A check with its words in the report's language, as `doctor --json` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct CheckView {
    #[serde(flatten)]
    pub check: CheckLine,
    pub title: &'static str,
    pub next_step: &'static str,
}

/// The manifest: the machine, when, and what could be read.
#[derive(Serialize)]
struct Manifest<'a> {
    bundle: u32,
    generated_by: &'a str,
    computer: &'a str,
    collected_at: Option<String>,
    collected: &'a Sources,
    dns_search: &'a [String],
    kms_target: Option<String>,
}

/// The bundle's bytes: the manifest, `events.xml` when the log was read, `licensing.json` when
/// WMI gave objects, `registry.json`, `checks.json` when checks ran, and `report.json` (what
/// doctor concluded) when given.
pub fn write(
    c: &Collection,
    checks: Option<&[CheckLine]>,
    report: Option<&serde_json::Value>,
    generated_by: &str,
) -> Result<Vec<u8>, String> {
    let manifest = Manifest {
        bundle: VERSION,
        generated_by,
        computer: &c.computer,
        collected_at: c.collected_at.map(|t| t.to_string()),
        collected: &c.sources,
        dns_search: &c.dns_search,
        kms_target: c.registered_kms(),
    };
    let mut entries: Vec<(&str, Vec<u8>)> = vec![(MANIFEST, json(&manifest))];
    if let Some(xml) = &c.events_xml {
        entries.push((EVENTS, xml.clone().into_bytes()));
    }
    if !c.products.is_empty() || c.service.is_some() {
        entries.push((LICENSING, c.licensing_json().into_bytes()));
    }
    entries.push((REGISTRY, json(&c.registry)));
    if let Some(checks) = checks {
        entries.push((CHECKS, json(checks)));
    }
    if let Some(report) = report {
        entries.push((REPORT, json(report)));
    }
    zip(&entries).map_err(|e| format!("cannot write the bundle: {e}"))
}

fn zip(entries: &[(&str, Vec<u8>)]) -> zip::result::ZipResult<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        writer.start_file(*name, options)?;
        writer.write_all(bytes)?;
    }
    Ok(writer.finish()?.into_inner())
}

fn json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    serde_json::to_vec_pretty(value).unwrap_or_default()
}

/// What doctor concluded on one machine: `doctor --json`. The scan report (schema 2) with, beside
/// it, the verdicts per product, the live checks and what could be read.
#[derive(Clone, Debug, Serialize)]
pub struct Doctor {
    #[serde(flatten)]
    pub report: Report,
    /// The version of the fields below; the report's own is `schema`.
    pub doctor: u32,
    pub computer: String,
    pub collected_at: Option<String>,
    pub verdicts: Vec<Verdict>,
    /// Null when the checks did not run (`--no-checks`).
    pub checks: Option<Vec<CheckView>>,
    pub collected: Sources,
    /// The KMS host the machine is told to use (`slmgr /skms`); null: it discovers through DNS.
    pub kms_target: Option<String>,
    pub dns_search: Vec<String>,
    pub registry: serde_json::Value,
}

/// The version of `doctor --json`'s own fields.
pub const DOCTOR_SCHEMA: u32 = 1;

/// Judges a bundle: reads it as `actdoc scan` does, then puts the verdicts and checks beside the
/// report. Verdicts are as of the time it was collected unless `options.as_of` says otherwise.
pub fn judge(bytes: &[u8], name: &str, options: &Options) -> Result<Doctor, String> {
    let (collected, parts) = actdoc_logs::scan::scan_bundle(bytes, name);
    let parts = parts?;
    let mut report = analyse(
        &collected,
        &Options {
            kb: options.kb,
            products: options.products,
            lang: options.lang,
            as_of: options.as_of.or(parts.collected_at),
            generated_by: options.generated_by.clone(),
        },
    );
    let manifest = &parts.manifest;
    let sources: Sources = manifest.get("collected").and_then(|v| Sources::deserialize(v).ok()).unwrap_or_default();
    let checks: Option<Vec<CheckLine>> = match parts.checks.map(|v| Vec::<CheckLine>::deserialize(&v)) {
        Some(Ok(checks)) => Some(checks),
        Some(Err(e)) => {
            // A newer actdoc may know checks this one does not: say so rather than drop them unseen.
            report.warnings.push(Warning {
                file: format!("{name}!{}", actdoc_logs::bundle::CHECKS),
                offset: None,
                message: format!("the checks could not be read ({e}); they are left out"),
            });
            None
        }
        None => None,
    };
    let text_list = |key: &str| -> Vec<String> {
        manifest.get(key).and_then(|v| Vec::<String>::deserialize(v).ok()).unwrap_or_default()
    };
    Ok(Doctor {
        doctor: DOCTOR_SCHEMA,
        computer: parts.computer,
        collected_at: parts.collected_at.map(|t| t.to_string()),
        verdicts: verdicts(&report, checks.as_deref()),
        checks: checks.map(|lines| lines.into_iter().map(|c| view(c, options.lang)).collect()),
        collected: sources,
        kms_target: manifest.get("kms_target").and_then(|v| v.as_str()).map(str::to_string),
        dns_search: text_list("dns_search"),
        registry: parts.registry.unwrap_or_else(|| serde_json::Value::Object(serde_json::Map::new())),
        report,
    })
}

fn view(check: CheckLine, lang: Lang) -> CheckView {
    let (title, next_step) = describe(check.finding, lang);
    CheckView { check, title, next_step }
}
