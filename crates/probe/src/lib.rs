//! Live diagnostics of what a KMS client depends on: the `_vlmcs._tcp` SRV records, the host's
//! addresses, TCP 1688, a DCE/RPC bind to the KMS interface, and the clock. Protocol types
//! (`dns::message`, `rpc::pdu`, `sntp::packet`) are pure and byte-tested; the I/O around them is
//! async and every wait has a deadline. Returns data; never prints. Never sends an activation
//! request: the bind is all.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod dns;
pub mod findings;
pub mod rpc;
pub mod run;
pub mod sntp;
pub mod target;
pub mod texts;

pub use findings::{Check, Finding, Status};
pub use run::{CheckOptions, CheckReport, run_checks};
