//! What a Windows Event Forwarding collector holds for 2,000 machines, as `shared/tools/
//! make-bench-corpus wef` writes it (one ForwardedEvents file of every client, the host's log in a
//! folder of its own): every machine is reported, each with its verdict, clones stay machines.

use std::collections::BTreeMap;
use std::process::Command;

use actdoc_core::{Kb, Lang, Products};
use actdoc_fleet::{Options, analyse};
use actdoc_logs::scan::{Progress, ScanOptions, scan};
use actdoc_report::model::MachineState;
use actdoc_test_support::servers::TempDir;
use actdoc_test_support::shared_dir;

const MACHINES: usize = 2000;

#[test]
fn a_collector_of_2000_machines() {
    let dir = TempDir::new("wef");
    let status = Command::new("python3")
        .arg(shared_dir().join("tools/make-bench-corpus"))
        .args(["wef", &dir.0.display().to_string(), &MACHINES.to_string()])
        .status()
        .expect("python3 runs shared/tools/make-bench-corpus");
    assert!(status.success());
    let collected = scan(std::slice::from_ref(&dir.0), &ScanOptions::default(), &Progress::default());
    let options = Options {
        kb: Kb::embedded().unwrap(),
        products: Products::embedded().unwrap(),
        lang: Lang::En,
        as_of: None,
        generated_by: "test".into(),
    };
    let r = analyse(&collected, &options);

    assert_eq!(r.summary.machines, MACHINES, "every machine is reported, none merged");
    assert_eq!(r.summary.products.total, MACHINES, "one Windows product each");
    assert!(r.machines.iter().all(|m| m.also_named.is_empty()), "a collector file renames nothing");
    assert_eq!(r.kms_hosts.len(), 1);
    assert_eq!(r.kms_hosts[0].host, "KMS01.corp.example");

    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &r.findings {
        *kinds.entry(f.kind.as_str()).or_default() += 1;
    }
    // The generator's mix: ~80% activated, ~6% skew, ~6% unreachable, ~4% no SRV record, ~2%
    // clones, ~2% renewals unanswered.
    let share = |n: usize| n * 100 / MACHINES;
    assert!((75..=85).contains(&share(r.summary.activated)), "{:?}", r.summary);
    let skew = r.machines.iter().filter(|m| m.last_error.as_ref().is_some_and(|e| &*e.code == "0xC004F06C")).count();
    let no_srv = r.machines.iter().filter(|m| m.last_error.as_ref().is_some_and(|e| &*e.code == "0x8007232B")).count();
    assert!((4..=8).contains(&share(skew)) && (2..=6).contains(&share(no_srv)), "skew {skew}, no SRV {no_srv}");
    // Unreachable: the request got no answer, and the host's log, which covers that time, never
    // saw it: both are said, for the same machines.
    let no_answer: Vec<&str> =
        r.findings.iter().filter(|f| f.kind == "no_answer").filter_map(|f| f.machine.as_deref()).collect();
    let lost: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.kind == "request_not_seen_by_host")
        .filter_map(|f| f.machine.as_deref())
        .collect();
    assert!((4..=8).contains(&share(no_answer.len())), "{kinds:?}");
    // Renewals never answered: still activated, with the warning; they never reached the host
    // either. Those and the unreachable machines are exactly the ones the host never saw.
    let renewing: Vec<&str> =
        r.findings.iter().filter(|f| f.kind == "renewal_failing").filter_map(|f| f.machine.as_deref()).collect();
    assert!(renewing.len() > 10, "{kinds:?}");
    for name in &renewing {
        let m = r.machines.iter().find(|m| m.machine == *name).unwrap();
        assert_eq!(m.state, MachineState::Activated);
    }
    let mut expected_lost: Vec<&str> = no_answer.iter().chain(&renewing).copied().collect();
    expected_lost.sort_unstable();
    assert_eq!(lost, expected_lost);
    // Clones: each name stays a machine, flagged, with one finding per shared CMID.
    let cloned = r.machines.iter().filter(|m| m.cloned_cmid).count();
    assert!(cloned >= 2 && kinds.get("cloned_cmid").copied().unwrap_or(0) >= 1, "{kinds:?}");
}
