//! Where a fact was read, kept compact while the analysis runs (an index into the list of sources,
//! not a copy of its path: a collector file holds hundreds of thousands of records) and turned into
//! the report's [`Evidence`] only for what the report shows.

use actdoc_logs::scan::Collected;
use actdoc_logs::time::Timestamp;
use actdoc_report::model::{Evidence, Shared, Time};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Ev {
    /// Index into `Collected::sources`.
    pub file: usize,
    pub time: Option<Timestamp>,
    pub record_id: Option<u64>,
    pub event_id: Option<u16>,
    /// 1-based line, for text sources.
    pub line: Option<usize>,
}

impl Ev {
    /// `paths` are the sources' paths, from [`paths`].
    pub(crate) fn to_evidence(self, paths: &[Shared]) -> Evidence {
        Evidence {
            file: paths.get(self.file).cloned().unwrap_or_else(|| Shared::from("")),
            record_id: self.record_id,
            time: self.time.map(Time::from),
            event_id: self.event_id,
            line: self.line,
        }
    }
}

/// The newest `limit` of `evidence`, newest first, without repeats.
pub(crate) fn newest(evidence: impl IntoIterator<Item = Ev>, limit: usize, paths: &[Shared]) -> Vec<Evidence> {
    let mut all: Vec<Ev> = evidence.into_iter().collect();
    all.sort_by(|a, b| b.time.cmp(&a.time).then(b.cmp(a)));
    all.dedup();
    all.into_iter().take(limit).map(|e| e.to_evidence(paths)).collect()
}

/// Each source's path, once, for every evidence that names it.
pub(crate) fn paths(collected: &Collected) -> Vec<Shared> {
    collected.sources.iter().map(|s| Shared::from(s.path.as_str())).collect()
}
