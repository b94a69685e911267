//! Shuffling the order of events and of files never changes the report: the analysis sorts what
//! it reads by the records' own times, never by the order they arrived in.

use std::sync::OnceLock;

use crate::events::*;
use actdoc_fleet::analyse;
use actdoc_logs::scan::{Collected, Progress, ScanOptions, SourcedSlmgr, scan};
use actdoc_report::Report;
use actdoc_test_support::servers::TempDir;
use actdoc_test_support::{shared_dir, workspace_root};
use proptest::prelude::*;

/// A small fleet with every kind of fact: the fleet fixture (a KMS host log, clones, skew, lost
/// requests), slmgr text, a real EVTX of a renamed machine, and a collector file with answered,
/// refused and unanswered requests, Office failures and a clone.
fn fleet() -> &'static (TempDir, Collected) {
    static FLEET: OnceLock<(TempDir, Collected)> = OnceLock::new();
    FLEET.get_or_init(|| {
        let mut wec = Vec::new();
        for i in 0..20u32 {
            let pc = format!("PC{i:02}.corp.example");
            let cmid = if i % 7 == 0 {
                "dddddddd-0000-4000-8000-000000000007".to_string()
            } else {
                format!("eeeeeeee-0000-4000-8000-{i:012}")
            };
            let time = format!("2024-05-{:02}T{:02}:00:00Z", 1 + i % 9, i % 24);
            wec.push(request(&time, &pc, "0x00000000", &cmid, 2, 43_200, WIN_ENT, 25));
            if i % 7 == 0 {
                // A second, earlier request of the clone: which record shows the CMID first must
                // not depend on the order.
                let earlier = format!("2024-04-{:02}T{:02}:00:00Z", 1 + i % 9, i % 24);
                wec.push(request(&earlier, &pc, "0x800706BA", &cmid, 2, 50_000, WIN_ENT, 25));
            }
            match i % 4 {
                0 => wec.push(response(&time, &pc, "0x00000000", 1, 30)),
                1 => wec.push(response(&time, &pc, "0x04000000", 0, 12)),
                2 => wec.push(slui_failed(&time, &pc, "0xC004F074", OFFICE, OFFICE_2021)),
                _ => {}
            }
        }
        let (dir, _) = collect_files(&[("wec/ForwardedEvents.xml", wec)]);
        let copy = |from: std::path::PathBuf, to: &str| {
            let target = dir.0.join(to);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(from, target).unwrap();
        };
        for machine in ["kms01", "pc-a", "pc-b", "pc-lost", "pc-old", "pc-skew"] {
            for entry in std::fs::read_dir(workspace_root().join("tests/fixtures/fleet").join(machine)).unwrap() {
                let entry = entry.unwrap();
                copy(entry.path(), &format!("{machine}/{}", entry.file_name().to_string_lossy()));
            }
        }
        copy(workspace_root().join("tests/fixtures/slmgr/ws01/slmgr.txt"), "ws01/slmgr.txt");
        copy(shared_dir().join("corpus/evtx/anotherc0ne__EventLog__Application.evtx"), "ec2/Application.evtx");
        let collected = scan(std::slice::from_ref(&dir.0), &ScanOptions::default(), &Progress::default());
        assert!(collected.events.len() > 60 && !collected.slmgr.is_empty(), "the fleet was read");
        (dir, collected)
    })
}

/// The analysis of `events` (a permutation of the fleet's) with the sources permuted by
/// `source_order`; the report without `sources`, whose order follows the input's.
fn analysed(order: &[usize], source_order: &[usize]) -> String {
    let (_, c) = fleet();
    // new index of source i
    let mut new_index = vec![0; c.sources.len()];
    for (new, &old) in source_order.iter().enumerate() {
        new_index[old] = new;
    }
    let shuffled = Collected {
        events: order
            .iter()
            .map(|&i| c.events[i].clone())
            .map(|e| actdoc_logs::scan::SourcedEvent { file: new_index[e.file], ..e })
            .collect(),
        slmgr: c
            .slmgr
            .iter()
            .rev()
            .map(|s| SourcedSlmgr { file: new_index[s.file], report: s.report.clone() })
            .collect(),
        checks: c
            .checks
            .iter()
            .rev()
            .map(|s| actdoc_logs::scan::SourcedChecks { file: new_index[s.file], ..s.clone() })
            .collect(),
        warnings: c.warnings.clone(),
        sources: source_order.iter().map(|&i| c.sources[i].clone()).collect(),
    };
    let mut report: Report = analyse(&shuffled, &options(None));
    report.sources.clear();
    serde_json::to_string(&report).unwrap()
}

fn permutation(keys: &[u64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| (keys[i], i));
    order
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn shuffled_events_and_files_give_the_same_report(
        event_keys in proptest::collection::vec(any::<u64>(), 512),
        source_keys in proptest::collection::vec(any::<u64>(), 64),
    ) {
        let (_, c) = fleet();
        let n = c.events.len();
        let keys: Vec<u64> = (0..n).map(|i| event_keys[i % event_keys.len()].rotate_left(u32::try_from(i / event_keys.len()).unwrap())).collect();
        let source_keys: Vec<u64> = (0..c.sources.len()).map(|i| source_keys[i % source_keys.len()]).collect();
        let identity: Vec<usize> = (0..n).collect();
        let sources: Vec<usize> = (0..c.sources.len()).collect();
        prop_assert_eq!(analysed(&permutation(&keys), &permutation(&source_keys)), analysed(&identity, &sources));
    }
}
