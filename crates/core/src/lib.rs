//! The knowledge base of Activation Doctor: turns whatever a user pastes (`0xC004F074`,
//! `-1073418124`, `9003`, a line of log text) into the codes it holds, decodes their structure,
//! names them from generated tables and explains the curated ones in English and Simplified Chinese.
//!
//! This crate is pure: no file, network or environment access. Everything it knows is embedded
//! at build time, so the same answers come from the CLI, the web app and the log scanner.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod activation_type;
mod decode;
mod explain;
mod input;
mod kb;
mod lang;
pub mod names;
mod products;
mod search;
pub mod time;

pub use activation_type::ActivationType;
pub use decode::{Decoded, NtSeverity, NtStatusView, Severity};
pub use explain::{Explanation, ReadingOut, explain};
pub use input::{InputError, Reading, ReadingKind, extract, parse_code};
pub use kb::{Entry, Kb, KbError, Localized, StepPurpose};
pub use lang::Lang;
pub use products::{Product, ProductKind, Products};
pub use search::{SearchHit, search};

/// Formats a 32-bit code the way Windows tools print it: `0x` and 8 upper-case hex digits.
pub fn format_code(value: u32) -> String {
    format!("0x{value:08X}")
}
