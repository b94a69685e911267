//! Reads what IT pros collect from their machines (EVTX files, event XML exports, `slmgr` output)
//! and turns the activation events in them into typed facts with their source location. It only
//! reads: what the facts mean for a fleet is decided in `actdoc-fleet`. Never panics on input: a
//! corrupt file is a warning, and the records around the damage are still read.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod budget;
pub mod bundle;
pub mod decode;
pub mod event;
pub mod evtx;
pub mod paste;
pub mod scan;
pub mod selector;
pub mod shipped;
pub mod slmgr;
/// Timestamps live in the core crate, which the report renderer shares.
pub use actdoc_core::time;
pub mod xml;
pub mod xpath;
