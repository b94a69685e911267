//! The analysis, tested through the real readers: one rule per test on event XML written from the
//! documented layouts (`rules`), order independence (`order`), a collector of 2,000 machines
//! (`wef`), the real corpus and damaged files (`corpus`), and the EVTX reading modes (`modes`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod corpus;
mod events;
mod modes;
mod order;
mod rules;
mod texts;
mod wef;
