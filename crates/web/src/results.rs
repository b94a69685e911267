//! Analyses kept in memory between the upload and the pages that show them (Post/Redirect/Get:
//! reloading a result never uploads again). Nothing is written to disk. Entries live an hour.
//! Each belongs to the session (cookie) that uploaded it, and each session has its own quota of
//! entries and bytes: a session's uploads past its quota drop that session's oldest results,
//! never another's. Only when the whole store is full does an upload drop a result of another
//! session, the oldest of the session holding the most. Ids are 128 random bits: knowing one is
//! the only way to a result (a link can be shared).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use actdoc_core::Lang;
use actdoc_report::Report;

use crate::RESULT_LIFETIME;

/// Results one session keeps, and their size.
const SESSION_ENTRIES: usize = 32;
const SESSION_BYTES: usize = 128 * 1024 * 1024;
/// Results the whole store keeps, and their size.
const MAX_ENTRIES: usize = 1024;
const MAX_BYTES: usize = 256 * 1024 * 1024;

/// One analysis, in both languages (the reader may switch after uploading).
#[derive(Debug)]
pub(crate) struct Analysis {
    pub en: Report,
    pub zh_cn: Report,
    /// `scan --json` of each, made once: the download and the size estimate.
    pub json_en: String,
    pub json_zh_cn: String,
    /// When it is forgotten, for the page to say.
    pub expires: SystemTime,
}

impl Analysis {
    pub(crate) fn new(en: Report, zh_cn: Report) -> Analysis {
        let json_en = serde_json::to_string_pretty(&en).unwrap_or_default() + "\n";
        let json_zh_cn = serde_json::to_string_pretty(&zh_cn).unwrap_or_default() + "\n";
        Analysis { en, zh_cn, json_en, json_zh_cn, expires: SystemTime::now() + RESULT_LIFETIME }
    }

    pub(crate) fn report(&self, lang: Lang) -> &Report {
        match lang {
            Lang::En => &self.en,
            Lang::ZhCn => &self.zh_cn,
        }
    }

    pub(crate) fn json(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.json_en,
            Lang::ZhCn => &self.json_zh_cn,
        }
    }

    /// The JSON is about as big as the reports it was made from.
    fn size(&self) -> usize {
        3 * (self.json_en.len() + self.json_zh_cn.len())
    }
}

#[derive(Debug)]
struct Entry {
    session: String,
    created: Instant,
    size: usize,
    analysis: Arc<Analysis>,
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    entries: Mutex<HashMap<String, Entry>>,
}

impl Store {
    /// Keeps `analysis` for `session` and returns its id; `None` when no random id can be had.
    pub(crate) fn insert(&self, session: &str, analysis: Analysis) -> Option<String> {
        let id = random_id()?;
        let Ok(mut entries) = self.entries.lock() else { return None };
        let now = Instant::now();
        entries.retain(|_, e| now.duration_since(e.created) < RESULT_LIFETIME);
        let incoming = analysis.size();
        // This session's own oldest results make room for its new one.
        loop {
            let (count, bytes) =
                entries.values().filter(|e| e.session == session).fold((0, 0), |(n, b), e| (n + 1, b + e.size));
            if count == 0 || (count < SESSION_ENTRIES && bytes + incoming <= SESSION_BYTES) {
                break;
            }
            remove_oldest(&mut entries, |e| e.session == session);
        }
        // The store as a whole: the session holding the most gives way.
        while !entries.is_empty()
            && (entries.len() >= MAX_ENTRIES || entries.values().map(|e| e.size).sum::<usize>() + incoming > MAX_BYTES)
        {
            let mut held: HashMap<&str, usize> = HashMap::new();
            for e in entries.values() {
                *held.entry(e.session.as_str()).or_default() += e.size;
            }
            let Some(largest) = held.into_iter().max_by_key(|(_, bytes)| *bytes).map(|(s, _)| s.to_string()) else {
                break;
            };
            remove_oldest(&mut entries, |e| e.session == largest);
        }
        entries.insert(
            id.clone(),
            Entry { session: session.to_string(), created: now, size: incoming, analysis: Arc::new(analysis) },
        );
        Some(id)
    }

    pub(crate) fn get(&self, id: &str) -> Option<Arc<Analysis>> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(id)?;
        (entry.created.elapsed() < RESULT_LIFETIME).then(|| entry.analysis.clone())
    }
}

/// Removes the oldest entry that `which` selects.
fn remove_oldest(entries: &mut HashMap<String, Entry>, which: impl Fn(&Entry) -> bool) {
    let oldest = entries.iter().filter(|(_, e)| which(e)).min_by_key(|(_, e)| e.created).map(|(k, _)| k.clone());
    if let Some(oldest) = oldest {
        entries.remove(&oldest);
    }
}

/// 32 lower-case hex digits from the operating system's random source.
pub(crate) fn random_id() -> Option<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    Some(bytes.iter().fold(String::with_capacity(32), |mut id, b| {
        let _ = write!(id, "{b:02x}");
        id
    }))
}

/// Whether `id` could be one of ours (checked before any lookup, and before it reaches a page).
pub(crate) fn is_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_hex() {
        let a = random_id().unwrap();
        let b = random_id().unwrap();
        assert!(is_id(&a) && is_id(&b));
        assert_ne!(a, b);
        assert!(!is_id("../etc/passwd"));
    }
}
