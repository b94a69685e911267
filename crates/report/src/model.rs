//! The scan report: the JSON contract of `actdoc scan --json` and the input of every renderer.
//! Texts are already in the report's language; codes are `0x` + 8 upper-case hex digits; times are
//! RFC 3339 in UTC. `schema` says which version of this shape a document follows (README, "JSON
//! contract"); fields are only ever added within a version.

use std::fmt;
use std::sync::Arc;

use actdoc_core::Lang;
use actdoc_core::time::Timestamp;
use serde::Serialize;

/// A text many records share (a source path, a knowledge-base sentence): one allocation for the
/// whole report, however many findings and evidence lists name it.
pub type Shared = Arc<str>;

/// A point in time, written as RFC 3339 in UTC (`2024-05-10T11:00:00Z`). Eight bytes where a
/// string would take forty: a fleet's report holds a million of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub Timestamp);

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl From<Timestamp> for Time {
    fn from(t: Timestamp) -> Time {
        Time(t)
    }
}

impl Time {
    /// The date part, `2024-05-10`.
    pub fn date(self) -> String {
        let (y, mo, d, ..) = self.0.civil();
        format!("{y:04}-{mo:02}-{d:02}")
    }
}

/// The version of the report's JSON shape. 2: products per machine.
pub const SCHEMA: u32 = 2;

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// [`SCHEMA`].
    pub schema: u32,
    /// `actdoc <version>`.
    pub generated_by: String,
    pub lang: Lang,
    /// `--as-of`: the time verdicts and the 30-day KMS window are computed at. Null: each machine
    /// as of its own newest evidence, each host as of its newest event.
    pub as_of: Option<Time>,
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
    /// Machines by their state (the worst state of their products).
    pub machines: usize,
    pub activated: usize,
    pub failing: usize,
    pub grace: usize,
    pub unknown: usize,
    pub products: ProductCounts,
    pub kms_hosts: usize,
    pub errors: usize,
    pub warnings: usize,
}

/// Products of all machines by state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProductCounts {
    pub total: usize,
    pub activated: usize,
    pub grace: usize,
    pub failing: usize,
    pub unknown: usize,
}

/// Our verdict on a product (and on a machine: the worst of its products), from the evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MachineState {
    /// Licensed, and the licence has not run out.
    Activated,
    /// Not activated, and a failed attempt or an error reason is known, or the licence is in
    /// notification / unlicensed.
    Failing,
    /// Not activated yet, and nothing has failed.
    Grace,
    /// Not enough evidence either way.
    Unknown,
}

impl MachineState {
    /// How bad a state is, for "the machine's state is its worst product's": failing > grace >
    /// unknown > activated.
    pub fn badness(self) -> u8 {
        match self {
            MachineState::Activated => 0,
            MachineState::Unknown => 1,
            MachineState::Grace => 2,
            MachineState::Failing => 3,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            MachineState::Activated => "activated",
            MachineState::Failing => "failing",
            MachineState::Grace => "grace",
            MachineState::Unknown => "unknown",
        }
    }
}

/// Which licensed application a product belongs to, from its Application ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum App {
    Windows,
    Office,
    Other,
}

impl App {
    pub fn id(self) -> &'static str {
        match self {
            App::Windows => "windows",
            App::Office => "office",
            App::Other => "other",
        }
    }
}

/// A licence's status in Windows' own terms (`SoftwareLicensingProduct.LicenseStatus` 0–6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenseStatus {
    Unlicensed,
    Licensed,
    /// Out-of-box grace (OOB).
    InitialGrace,
    /// Out-of-tolerance grace (OOT): the KMS activation ran out or the hardware changed.
    AdditionalGrace,
    NonGenuineGrace,
    Notification,
    ExtendedGrace,
}

impl LicenseStatus {
    /// `LicenseStatus` as WMI, event 12288 and 12290 give it.
    pub fn from_wmi(value: u32) -> Option<LicenseStatus> {
        Some(match value {
            0 => LicenseStatus::Unlicensed,
            1 => LicenseStatus::Licensed,
            2 => LicenseStatus::InitialGrace,
            3 => LicenseStatus::AdditionalGrace,
            4 => LicenseStatus::NonGenuineGrace,
            5 => LicenseStatus::Notification,
            6 => LicenseStatus::ExtendedGrace,
            _ => return None,
        })
    }

    pub fn id(self) -> &'static str {
        match self {
            LicenseStatus::Unlicensed => "unlicensed",
            LicenseStatus::Licensed => "licensed",
            LicenseStatus::InitialGrace => "initial_grace",
            LicenseStatus::AdditionalGrace => "additional_grace",
            LicenseStatus::NonGenuineGrace => "non_genuine_grace",
            LicenseStatus::Notification => "notification",
            LicenseStatus::ExtendedGrace => "extended_grace",
        }
    }

    pub fn is_grace(self) -> bool {
        matches!(
            self,
            LicenseStatus::InitialGrace
                | LicenseStatus::AdditionalGrace
                | LicenseStatus::NonGenuineGrace
                | LicenseStatus::ExtendedGrace
        )
    }
}

/// One machine. `state`, `license_state`, `days_left`, `product`, `last_attempt` and `last_error`
/// repeat those of its worst product, so readers of schema 1 keep working.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    /// The event's `Computer` name (slmgr text: the file or folder label).
    pub machine: String,
    /// Other names of the same machine: earlier names of a renamed machine (one CMID in one
    /// machine's own log, spans not overlapping), and the short name of an FQDN.
    pub also_named: Vec<String>,
    /// The folder or file it was collected from.
    pub source: String,
    pub cmid: Option<String>,
    /// `host:port` of the KMS host it used last.
    pub kms_host: Option<Shared>,
    /// `registered` (set with /skms), `dns` (auto-discovered) or null when unknown.
    pub kms_host_source: Option<Shared>,
    pub state: MachineState,
    /// The worst product's `license_status`.
    pub license_state: Option<LicenseStatus>,
    pub days_left: Option<u64>,
    /// The worst product's name.
    pub product: Option<Shared>,
    pub last_attempt: Option<Time>,
    /// The real error of the worst product's latest failure (for 0xC004F074, the code event 12288
    /// holds).
    pub last_error: Option<CodeRef>,
    /// Failed attempts of all its products.
    pub failures: usize,
    /// The time its verdicts are computed at: `--as-of`, else its newest timed evidence.
    pub as_of: Option<Time>,
    /// Its CMID is also reported by other machines (a cloned image that was not generalized).
    pub cloned_cmid: bool,
    pub products: Vec<Product>,
    /// Indexes into `Report::findings`: the machine's and its products'.
    pub findings: Vec<usize>,
}

/// One licensed product (application and SKU) of a machine.
#[derive(Clone, Debug, Serialize)]
pub struct Product {
    /// The edition's name, from the products table by SKU, else as the text names it.
    pub product: Option<Shared>,
    pub app: App,
    pub app_id: Option<Shared>,
    /// SKU / Activation ID, lower case.
    pub sku: Option<Shared>,
    /// `VOLUME_KMSCLIENT`, `VOLUME_MAK`, `RETAIL`, `OEM_DM`, `TIMEBASED_EVAL` …
    pub channel: Option<Shared>,
    pub partial_key: Option<String>,
    pub license_status: Option<LicenseStatus>,
    /// Why it is in that status: the notification reason or LicenseStatusReason, or 0xC004F038
    /// when the KMS host's count was too low.
    pub reason: Option<CodeRef>,
    pub state: MachineState,
    /// When the licence or grace period ends, when known.
    pub expires: Option<Time>,
    /// Whole days from the machine's `as_of` to `expires` (or as the text printed it).
    pub days_left: Option<u64>,
    pub kms_host: Option<Shared>,
    /// `registered` (set with /skms), `dns` (auto-discovered) or `event` (named in a request).
    pub kms_host_source: Option<Shared>,
    pub last_attempt: Option<Time>,
    /// The real error of its latest failed attempt, while it is not activated.
    pub last_error: Option<CodeRef>,
    pub failures: usize,
    /// Failed attempts, oldest first.
    pub history: Vec<HistoryEntry>,
    /// One sentence on the history ("failed 3 times between A and B; activated since C").
    pub note: Option<String>,
    /// The newest records its verdict rests on, newest first.
    pub evidence: Vec<Evidence>,
    /// Indexes into `Report::findings`.
    pub findings: Vec<usize>,
}

/// One failed attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub time: Option<Time>,
    /// The real error (behind 0xC004F074 when a request of the same episode names it).
    pub code: Shared,
    pub evidence: Evidence,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CodeRef {
    pub code: Shared,
    pub name: Option<Shared>,
    pub message: Option<Shared>,
}

#[derive(Clone, Debug, Serialize)]
pub struct KmsHost {
    pub host: String,
    /// Unique client-OS CMIDs in the 30 days before `window_end`.
    pub clients_30d: usize,
    /// Unique server-OS (and Office) CMIDs in the same window.
    pub servers_30d: usize,
    /// The threshold that matters for what it serves: 25 for Windows clients, 5 when it only
    /// serves servers and Office.
    pub threshold: u32,
    /// The count the host reported to clients (12289), when seen.
    pub reported_count: Option<u32>,
    /// The host's own current count: what it says itself (slmgr's "Current count"), else the
    /// newest count it reported to a client.
    pub current_count: Option<u32>,
    /// From its own `slmgr /dli`: the port it listens on and whether it publishes itself in DNS.
    pub listening_port: Option<u16>,
    pub dns_publishing: Option<bool>,
    pub requests: RequestCounts,
    /// Machines whose requests this host answered with an error.
    pub failing_clients: Vec<String>,
    pub dns_publishing_failures: usize,
    /// The time span its own log covers, when we have it (`from`, `to`).
    pub log_from: Option<Time>,
    pub log_to: Option<Time>,
    pub window_end: Option<Time>,
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
    pub explanation: Shared,
    /// What to do, in order: the steps the evidence leaves open.
    pub resolution: Vec<Shared>,
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub file: Shared,
    pub record_id: Option<u64>,
    /// RFC 3339, UTC.
    pub time: Option<Time>,
    pub event_id: Option<u16>,
    /// 1-based line, for text sources.
    pub line: Option<usize>,
}

/// One activation attempt, for the timeline chart.
#[derive(Clone, Debug, Serialize)]
pub struct Attempt {
    pub time: Time,
    pub machine: String,
    /// The result: `0x00000000` for success.
    pub code: Shared,
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
    /// `evtx`, `event_xml`, `slmgr_text`, `office_text`, `powershell`, `event_viewer_text`, `bundle`
    /// or `unreadable`.
    pub format: String,
    pub records: u64,
    /// Records that were activation events we use.
    pub hits: u64,
    /// Activation events left out by `--since`/`--until`.
    pub outside_window: u64,
}
