//! Which records belong to which machine. A machine is its `Computer` name, case-insensitive; an
//! FQDN and its short name are one machine when only one FQDN has that short name. One CMID under
//! two names is one renamed machine only inside a single machine's own log (every client event of
//! that file carries one of those names) with time spans that do not overlap; anywhere else (a
//! collector file of many machines, separate folders) it is a cloned image and each name stays a
//! machine (rule 10).
//!
//! Everything is flat lists sorted once and maps keyed by name and CMID: nothing compares machines
//! pairwise, and a machine costs a few dozen bytes besides its records (a collector holds 100,000).

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use actdoc_core::Products;
use actdoc_logs::decode::ActivationEvent;
use actdoc_logs::scan::Collected;
use actdoc_logs::slmgr::KmsHostStatus;
use actdoc_logs::time::Timestamp;

use crate::evidence::Ev;
use crate::observe::{self, Fact, Obs};

/// One machine, its facts a range of [`Machines::obs`].
#[derive(Debug, Default)]
pub(crate) struct MachineFacts<'a> {
    pub name: String,
    pub also_named: Vec<String>,
    /// The folder its files came from (the first, by name).
    pub source: String,
    pub obs: Range<usize>,
    /// Each CMID it reported, with the first record that shows it.
    pub cmids: Vec<(Cow<'a, str>, Ev)>,
    pub newest: Option<Timestamp>,
    /// KMS host sections of its slmgr output: it is a KMS host.
    pub host_status: Vec<(Ev, KmsHostStatus)>,
}

/// Machines that report one CMID: cloned from an image that was not generalized.
#[derive(Debug)]
pub(crate) struct CloneGroup {
    pub cmid: String,
    /// Indexes into the machines, in name order.
    pub machines: Vec<usize>,
    /// The record that shows the CMID on each of them.
    pub evidence: Vec<Ev>,
}

/// Every machine in name order, the facts of all of them grouped by machine, and the CMIDs they
/// share.
#[derive(Debug)]
#[allow(clippy::struct_field_names)]
pub(crate) struct Machines<'a> {
    pub machines: Vec<MachineFacts<'a>>,
    pub obs: Vec<Obs<'a>>,
    pub clones: Vec<CloneGroup>,
}

/// A file whose client events name more machines than this is a collector's, never one machine's.
const NAMES_PER_OWN_LOG: usize = 8;

/// A name as first seen, before names are merged into machines.
#[derive(Debug, Default)]
#[allow(clippy::struct_field_names)]
struct Name {
    name: String,
    source: String,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    host_status: Vec<(Ev, KmsHostStatus)>,
}

#[derive(Debug, Default)]
#[allow(clippy::struct_field_names)]
struct FileNames {
    names: Vec<u32>,
    overflow: bool,
}

/// What one pass over the records gathers, keyed by name index.
#[derive(Debug, Default)]
struct Gathered<'a> {
    index: HashMap<String, u32>,
    names: Vec<Name>,
    /// (name, fact)
    obs: Vec<(u32, Obs<'a>)>,
    /// (CMID, name, first record)
    cmids: Vec<(Cow<'a, str>, u32, Ev)>,
    /// (name, file), each pair once
    files: Vec<(u32, usize)>,
    file_names: Vec<FileNames>,
}

pub(crate) fn machines<'a>(collected: &'a Collected, products: &Products) -> Machines<'a> {
    let client_events = collected.events.iter().filter(|e| observe::is_client(&e.decoded)).count();
    let mut g = Gathered {
        obs: Vec::with_capacity(client_events),
        file_names: (0..collected.sources.len()).map(|_| FileNames::default()).collect(),
        ..Gathered::default()
    };
    // The machines each folder's events name (two are enough to know it is not one machine).
    let mut label_names: HashMap<&str, Vec<u32>> = HashMap::new();
    // Records of one machine mostly come together: remember the last name looked up.
    let mut last: Option<(&str, u32)> = None;

    for e in &collected.events {
        let label = collected.sources.get(e.file).map_or("", |s| s.label.as_str());
        let ev = Ev { file: e.file, time: e.time, record_id: e.record_id, event_id: Some(e.event_id), line: None };
        let Some(o) = observe::from_event(&e.decoded, ev, products) else { continue };
        let name = if e.computer.is_empty() { label } else { &*e.computer };
        let i = match last {
            Some((n, i)) if n == name && g.names[i as usize].source.as_str() <= label => i,
            _ => g.find(name, label),
        };
        if g.files.last() != Some(&(i, e.file)) {
            g.files.push((i, e.file));
        }
        last = Some((name, i));
        if !e.computer.is_empty() {
            let names = label_names.entry(label).or_default();
            if names.len() < 2 && !names.contains(&i) {
                names.push(i);
            }
        }
        if let Some(f) = g.file_names.get_mut(e.file)
            && !f.overflow
            && !f.names.contains(&i)
        {
            f.names.push(i);
            f.overflow = f.names.len() > NAMES_PER_OWN_LOG;
        }
        let n = &mut g.names[i as usize];
        if let Some(t) = e.time {
            n.from = Some(n.from.map_or(t, |f| f.min(t)));
            n.to = Some(n.to.map_or(t, |x| x.max(t)));
        }
        if let ActivationEvent::KmsRequest(r) = &e.decoded
            && let Some(cmid) = &r.cmid
        {
            g.cmids.push((Cow::Borrowed(&**cmid), i, ev));
        }
        g.obs.push((i, o));
    }

    // A text file belongs to the machine its folder's events name, if they name exactly one;
    // a block that names its machine (a PowerShell list of several) belongs to that one.
    for s in &collected.slmgr {
        let label = collected.sources.get(s.file).map_or("", |f| f.label.as_str());
        let file_machine = match label_names.get(label).map(Vec::as_slice) {
            Some([one]) => *one,
            _ => g.find(label, label),
        };
        // When the text was printed, as it says; a text that does not say is ordered after the
        // records (by the file's modification time, `file_rank`) but judged as of no time of its own.
        let time = s.report.printed_at;
        for (machine, o) in observe::from_text(&s.report, s.file, time, products) {
            let i = machine.map_or(file_machine, |name| g.find(name, label));
            if g.files.last() != Some(&(i, s.file)) {
                g.files.push((i, s.file));
            }
            if let Some(t) = time {
                let n = &mut g.names[i as usize];
                n.from = Some(n.from.map_or(t, |f| f.min(t)));
                n.to = Some(n.to.map_or(t, |x| x.max(t)));
            }
            if let Fact::Snapshot(snap) = &o.fact
                && let Some(cmid) = &snap.cmid
            {
                g.cmids.push((cmid.clone(), i, o.ev));
            }
            g.obs.push((i, o));
        }
        if let Some(host) = &s.report.kms_host {
            let ev = Ev { file: s.file, time, record_id: None, event_id: None, line: None };
            g.names[file_machine as usize].host_status.push((ev, host.clone()));
        }
    }

    g.files.sort_unstable();
    g.files.dedup();
    // Each CMID once per name, with its earliest record, whatever order the records came in.
    g.cmids.sort_by(|a, b| (&a.0, a.1, sight_key(&a.2)).cmp(&(&b.0, b.1, sight_key(&b.2))));
    g.cmids.dedup_by(|b, a| a.0 == b.0 && a.1 == b.1);

    let mut sets = UnionFind::new(g.names.len());
    short_names(&g.index, &mut sets);
    renames(&g, &mut sets);
    merge(g, &mut sets)
}

fn sight_key(ev: &Ev) -> (bool, Option<Timestamp>, Ev) {
    (ev.time.is_none(), ev.time, *ev)
}

impl Gathered<'_> {
    /// The name `name` (any case), created on first sight. Its display name and folder are the
    /// smallest spelling seen, so the result does not depend on the order of records.
    fn find(&mut self, name: &str, label: &str) -> u32 {
        let next = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        let i = *self.index.entry(name.to_lowercase()).or_insert(next);
        if i == next {
            self.names.push(Name::default());
        }
        let n = &mut self.names[i as usize];
        if n.name.is_empty() || name < n.name.as_str() {
            n.name = name.to_string();
        }
        if n.source.is_empty() || label < n.source.as_str() {
            n.source = label.to_string();
        }
        i
    }
}

/// `PC01` and `PC01.corp.example` are one machine when no other FQDN starts with `PC01.`.
fn short_names(index: &HashMap<String, u32>, sets: &mut UnionFind) {
    let mut fqdns: HashMap<&str, Vec<u32>> = HashMap::new();
    for (key, &i) in index {
        if let Some((first, _)) = key.split_once('.')
            && !first.is_empty()
            && !first.bytes().all(|b| b.is_ascii_digit())
        {
            fqdns.entry(first).or_default().push(i);
        }
    }
    for (key, &i) in index {
        if !key.contains('.')
            && let Some([one]) = fqdns.get(key.as_str()).map(Vec::as_slice)
        {
            sets.union(*one, i);
        }
    }
}

/// Rule 10: the names that share a CMID inside one machine's own log, one after the other.
fn renames(g: &Gathered<'_>, sets: &mut UnionFind) {
    let files_of = |name: u32| {
        let start = g.files.partition_point(|(n, _)| *n < name);
        g.files[start..].iter().take_while(move |(n, _)| *n == name).map(|(_, f)| *f)
    };
    for group in g.cmids.chunk_by(|a, b| a.0 == b.0).filter(|c| c.len() > 1) {
        let names: Vec<u32> = group.iter().map(|(_, n, _)| *n).collect();
        let mut files: Vec<usize> = names.iter().flat_map(|&n| files_of(n)).collect();
        files.sort_unstable();
        files.dedup();
        for f in files {
            let Some(in_file) = g.file_names.get(f) else { continue };
            let own_log =
                !in_file.overflow && in_file.names.len() > 1 && in_file.names.iter().all(|n| names.contains(n));
            if own_log && one_after_another(&g.names, &in_file.names) {
                for pair in in_file.names.windows(2) {
                    sets.union(pair[0], pair[1]);
                }
            }
        }
    }
}

/// Whether the names' time spans do not overlap: a renamed machine logs under one name at a time.
fn one_after_another(names: &[Name], which: &[u32]) -> bool {
    let mut spans: Vec<(Timestamp, Timestamp)> = Vec::new();
    for &i in which {
        match (names[i as usize].from, names[i as usize].to) {
            (Some(from), Some(to)) => spans.push((from, to)),
            _ => return false,
        }
    }
    spans.sort();
    spans.windows(2).all(|w| w[0].1 < w[1].0)
}

/// One machine per set; the newest name is its name, the others `also_named`. The facts are
/// sorted by machine once, and each machine keeps its range.
fn merge<'a>(g: Gathered<'a>, sets: &mut UnionFind) -> Machines<'a> {
    let Gathered { names, obs, cmids, .. } = g;
    let roots: Vec<u32> = (0..names.len()).map(|i| sets.find(u32::try_from(i).unwrap_or(u32::MAX))).collect();
    // Members of each set, newest name first (an FQDN before its short name at the same time).
    let mut members: Vec<u32> = (0..u32::try_from(names.len()).unwrap_or(u32::MAX)).collect();
    members.sort_by(|&a, &b| {
        let (na, nb) = (&names[a as usize], &names[b as usize]);
        roots[a as usize]
            .cmp(&roots[b as usize])
            .then(nb.to.cmp(&na.to))
            .then(nb.name.contains('.').cmp(&na.name.contains('.')))
            .then(na.name.cmp(&nb.name))
    });
    let mut machines: Vec<MachineFacts<'a>> = Vec::new();
    let mut machine_of_root: HashMap<u32, usize> = HashMap::new();
    let mut names = names;
    for group in members.chunk_by(|a, b| roots[*a as usize] == roots[*b as usize]) {
        let mut m = MachineFacts::default();
        let mut others = BTreeSet::new();
        for (k, &i) in group.iter().enumerate() {
            let n = std::mem::take(&mut names[i as usize]);
            if k == 0 {
                m.name = n.name;
                m.source = n.source;
            } else {
                others.insert(n.name);
                if n.source < m.source {
                    m.source = n.source;
                }
            }
            m.newest = m.newest.max(n.to);
            m.host_status.extend(n.host_status);
        }
        m.also_named = others.into_iter().collect();
        machine_of_root.insert(roots[group[0] as usize], machines.len());
        machines.push(m);
    }
    // Name order.
    let mut order: Vec<usize> = (0..machines.len()).collect();
    order.sort_by_cached_key(|&i| (machines[i].name.to_lowercase(), machines[i].name.clone()));
    let mut rank = vec![0; order.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }
    let machine_of_name: Vec<usize> =
        roots.iter().map(|root| machine_of_root.get(root).map_or(0, |&m| rank[m])).collect();
    let machine_of = |name: u32| machine_of_name[name as usize];
    let mut slots: Vec<Option<MachineFacts<'a>>> = machines.into_iter().map(Some).collect();
    let mut machines: Vec<MachineFacts<'a>> = order.iter().filter_map(|&i| slots[i].take()).collect();

    let mut obs = obs;
    obs.sort_by_key(|(name, _)| machine_of(*name));
    let mut start = 0;
    for chunk in obs.chunk_by(|a, b| machine_of(a.0) == machine_of(b.0)) {
        let m = machine_of(chunk[0].0);
        machines[m].obs = start..start + chunk.len();
        start += chunk.len();
    }
    let obs: Vec<Obs<'a>> = obs.into_iter().map(|(_, o)| o).collect();

    // CMIDs per machine (earliest record each), and the CMIDs several machines share.
    let mut by_machine: Vec<(usize, Cow<'a, str>, Ev)> =
        cmids.into_iter().map(|(c, n, ev)| (machine_of(n), c, ev)).collect();
    by_machine.sort_by(|a, b| (a.0, &a.1, sight_key(&a.2)).cmp(&(b.0, &b.1, sight_key(&b.2))));
    by_machine.dedup_by(|b, a| a.0 == b.0 && a.1 == b.1);
    let mut clones_by_cmid: Vec<(Cow<'a, str>, usize, Ev)> = Vec::new();
    for chunk in by_machine.chunk_by(|a, b| a.0 == b.0) {
        machines[chunk[0].0].cmids = chunk.iter().map(|(_, c, ev)| (c.clone(), *ev)).collect();
        clones_by_cmid.extend(chunk.iter().map(|(m, c, ev)| (c.clone(), *m, *ev)));
    }
    clones_by_cmid.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let clones = clones_by_cmid
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|c| c.len() > 1)
        .map(|c| CloneGroup {
            cmid: c[0].0.to_string(),
            machines: c.iter().map(|(_, m, _)| *m).collect(),
            evidence: c.iter().map(|(_, _, ev)| *ev).collect(),
        })
        .collect();
    Machines { machines, obs, clones }
}

#[derive(Debug)]
struct UnionFind(Vec<u32>);

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind((0..u32::try_from(n).unwrap_or(u32::MAX)).collect())
    }

    fn find(&mut self, mut i: u32) -> u32 {
        while self.0[i as usize] != i {
            let parent = self.0[i as usize];
            self.0[i as usize] = self.0[parent as usize];
            i = self.0[i as usize];
        }
        i
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb) as usize] = ra.min(rb);
        }
    }
}
