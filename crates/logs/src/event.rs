//! One event record, as any source gives it: the System fields we use and the EventData values in
//! order, with where it came from.

use crate::time::Timestamp;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawEvent {
    /// The 16-bit EventID (Qualifiers are separate, never folded in).
    pub event_id: u16,
    pub qualifiers: Option<u16>,
    pub provider: String,
    pub event_source_name: Option<String>,
    pub channel: String,
    pub computer: String,
    pub time: Option<Timestamp>,
    /// `<EventRecordID>` from the event itself.
    pub record_id: Option<u64>,
    /// `<Data>` values in document order (`<EventData>` or `<UserData>` leaves).
    pub data: Vec<String>,
    pub origin: Origin,
}

/// Where a record was read: the file, and its byte offset there when the format has one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub offset: Option<u64>,
}

/// A problem in a file that did not stop the scan: what and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadWarning {
    pub file: String,
    pub offset: Option<u64>,
    pub message: String,
}
