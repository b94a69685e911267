//! Times the two phases of a scan apart: reading (`actdoc-logs`) and the analysis (this crate).
//! `cargo run --release -p actdoc-fleet --example phases -- PATH...`; `scripts/bench-scan` runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use actdoc_core::{Kb, Lang, Products};
use actdoc_fleet::{Options, analyse};
use actdoc_logs::scan::{Progress, ScanOptions, scan};

fn main() {
    let paths: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    let options = Options {
        kb: Kb::embedded().expect("knowledge base"),
        products: Products::embedded().expect("products"),
        lang: Lang::En,
        as_of: None,
        generated_by: "phases".into(),
    };
    let start = Instant::now();
    let collected = scan(&paths, &ScanOptions::default(), &Progress::default());
    let read = start.elapsed();
    let start = Instant::now();
    let report = analyse(&collected, &options);
    let analysed = start.elapsed();
    let start = Instant::now();
    let json = serde_json::to_vec_pretty(&report).expect("serializable");
    let serialized = start.elapsed();
    println!(
        "events {} machines {} products {} findings {} | read {:.3} s, analyse {:.3} s, json {:.3} s ({} MB)",
        collected.events.len(),
        report.machines.len(),
        report.summary.products.total,
        report.findings.len(),
        read.as_secs_f64(),
        analysed.as_secs_f64(),
        serialized.as_secs_f64(),
        json.len() / 1_000_000
    );
}
