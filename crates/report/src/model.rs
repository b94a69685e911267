//! The scan report: the JSON contract of `actdoc scan --json` and the input of every renderer.
//! Texts are already in the report's language; codes are `0x` + 8 upper-case hex digits.

use actdoc_core::Lang;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// `actdoc <version>`.
    pub generated_by: String,
    pub lang: Lang,
    /// The end of the 30-day KMS count window: `--as-of`, else each host's newest event.
    pub as_of: Option<String>,
    pub summary: Summary,
    pub machines: Vec<Machine>,
    pub kms_hosts: Vec<KmsHost>,
    pub findings: Vec<Finding>,
    /// Every activation attempt seen, oldest first (for the timeline).
    pub attempts: Vec<Attempt>,
    pub warnings: Vec<Warning>,
    pub sources: Vec<Source>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub machines: usize,
    pub activated: usize,
    pub failing: usize,
    pub kms_hosts: usize,
    pub errors: usize,
    pub warnings: usize,
}

/// What a machine's licence looks like from the evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MachineState {
    /// Licensed, and no failure after the last success.
    Activated,
    /// The latest attempt failed, or the licence is in notification / unlicensed.
    Failing,
    /// In a grace period, not yet activated.
    Grace,
    /// Not enough evidence either way.
    Unknown,
}

#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    /// The event's `Computer` name (slmgr text: the file or folder label).
    pub machine: String,
    /// Earlier names of the same machine (same CMID in the same log: renamed, not cloned).
    pub also_named: Vec<String>,
    /// The folder or file it was collected from.
    pub source: String,
    pub cmid: Option<String>,
    /// `host:port` of the KMS host it used last.
    pub kms_host: Option<String>,
    /// `registered` (set with /skms), `dns` (auto-discovered) or null when unknown.
    pub kms_host_source: Option<String>,
    pub state: MachineState,
    /// Licence state as Windows names it (`Licensed`, `Notification`, `OOB grace` …).
    pub license_state: Option<String>,
    pub days_left: Option<u64>,
    /// Product (edition) name, from the SKU / Activation ID.
    pub product: Option<String>,
    pub last_attempt: Option<String>,
    /// The real error of the latest failure (for 0xC004F074, the code event 12288 holds).
    pub last_error: Option<CodeRef>,
    pub failures: usize,
    /// Indexes into `Report::findings`.
    pub findings: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CodeRef {
    pub code: String,
    pub name: Option<String>,
    pub message: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct KmsHost {
    pub host: String,
    /// Unique client-OS CMIDs in the 30 days before `window_end`.
    pub clients_30d: usize,
    /// Unique server-OS (and Office) CMIDs in the same window.
    pub servers_30d: usize,
    /// The threshold that matters for what it serves: 25 client, 5 server.
    pub threshold: u32,
    /// The count the host reported to clients (12289), when seen.
    pub reported_count: Option<u32>,
    pub requests: RequestCounts,
    /// Machines whose requests this host answered with an error.
    pub failing_clients: Vec<String>,
    pub dns_publishing_failures: usize,
    /// The time span its own log covers, when we have it (`from`, `to`).
    pub log_from: Option<String>,
    pub log_to: Option<String>,
    pub window_end: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct RequestCounts {
    pub total: usize,
    pub ok: usize,
    pub failed: usize,
    /// Requests per result code, most frequent first.
    pub by_code: Vec<CodeCount>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CodeCount {
    pub code: String,
    pub count: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable identifier of the kind of finding (`activation_failed`, `cloned_cmid`, …).
    pub kind: String,
    pub code: Option<String>,
    pub machine: Option<String>,
    pub kms_host: Option<String>,
    pub title: String,
    /// Why, in the report's language (the knowledge base's cause for a code).
    pub explanation: String,
    /// What to do, in order.
    pub resolution: Vec<String>,
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub file: String,
    pub record_id: Option<u64>,
    /// RFC 3339, UTC.
    pub time: Option<String>,
    pub event_id: Option<u16>,
    /// 1-based line, for text sources.
    pub line: Option<usize>,
}

/// One activation attempt, for the timeline chart.
#[derive(Clone, Debug, Serialize)]
pub struct Attempt {
    pub time: String,
    pub machine: String,
    /// The result: `0x00000000` for success.
    pub code: String,
    pub ok: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub file: String,
    /// Byte offset in the file where the problem is, when known.
    pub offset: Option<u64>,
    pub message: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Source {
    pub path: String,
    /// `evtx`, `event_xml`, `slmgr_text` or `unreadable`.
    pub format: String,
    pub records: u64,
    /// Records that were activation events we use.
    pub hits: u64,
}
