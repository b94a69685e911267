//! The report of a scan: one serde model (`model`), and renderers that never change its meaning:
//! CSV (`csv`) and a self-contained HTML page that works offline with no script at all (`html`).
//! Building the model from log analysis happens in `actdoc-logs`; the terminal table lives in the
//! binary.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod csv;
pub mod html;
pub mod model;

pub use model::Report;
