//! `actdoc doctor`: one command on the failing Windows machine. It reads what the machine says
//! about its own activation (the WMI licence objects, the registry values that steer activation,
//! the activation events of its logs), puts that in a bundle (a zip in formats the scan already
//! reads), runs the live checks against the KMS host it found, and judges the bundle with the
//! same analysis as `actdoc scan`. Collecting needs Windows (`windows`); the bundle and the
//! verdicts are the same on every OS, so a helpdesk can judge a bundle mailed to it anywhere.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod bundle;
pub mod collection;
pub mod verdict;
#[cfg(windows)]
pub mod windows;

pub use bundle::{CheckLine, Doctor, judge};
pub use collection::{Collection, Part, Sources, WmiObject};
pub use verdict::{Verdict, verdicts};
