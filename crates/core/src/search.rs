//! Ranked text search over curated entries (both languages, message, cause and resolution) and the
//! SDK messages of every SL_* code. Chinese has no spaces, so Chinese text is matched by bigrams.

use serde::Serialize;

use crate::{Kb, Lang, format_code, input, names};

#[derive(Clone, Debug, Serialize)]
pub struct SearchHit {
    pub code: String,
    pub value: u32,
    pub name: Option<String>,
    /// The message in the requested language when curated; the English SDK message otherwise.
    pub message: Option<String>,
    pub curated: bool,
    pub score: u32,
}

/// Field weights: a hit in a name or message says more than a hit in a resolution step.
const NAME: u32 = 8;
const MESSAGE: u32 = 6;
const VARIANT: u32 = 5;
const CAUSE: u32 = 3;
const RESOLUTION: u32 = 2;

/// Finds the codes whose texts match `query`, best first, at most `limit`.
pub fn search(query: &str, kb: &Kb, lang: Lang, limit: usize) -> Vec<SearchHit> {
    let query_norm = normalize(query);
    let terms = terms(&query_norm);
    if terms.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<SearchHit> = Vec::new();
    let exact = input::parse_code(query).ok().flatten().and_then(|r| r.first().map(|r| r.value));

    for entry in kb.entries() {
        let mut fields: Vec<(u32, String)> = vec![(NAME, entry.name.clone()), (NAME, entry.code.clone())];
        for l in Lang::ALL {
            fields.push((MESSAGE, entry.message.get(l).clone()));
            fields.extend(entry.message_variants.get(l).iter().map(|v| (VARIANT, v.clone())));
            fields.push((CAUSE, entry.cause.get(l).clone()));
            fields.extend(entry.resolution.get(l).iter().map(|s| (RESOLUTION, s.clone())));
        }
        let mut score = score_fields(&query_norm, &terms, &fields);
        if exact == Some(entry.value) {
            score += 1000;
        }
        if score > 0 {
            hits.push(SearchHit {
                code: entry.code.clone(),
                value: entry.value,
                name: Some(entry.name.clone()),
                message: Some(entry.message.get(lang).clone()),
                curated: true,
                score,
            });
        }
    }

    for &(value, message) in names::sl_messages() {
        if kb.get(value).is_some() {
            continue;
        }
        let name = names::name_of(value).map(|n| n.primary().to_string());
        let fields =
            [(NAME, name.clone().unwrap_or_default()), (NAME, format_code(value)), (MESSAGE, message.to_string())];
        // Uncurated codes rank below curated ones with the same match.
        let mut score = score_fields(&query_norm, &terms, &fields) / 2;
        if exact == Some(value) {
            score += 1000;
        }
        if score > 0 {
            hits.push(SearchHit {
                code: format_code(value),
                value,
                name,
                message: Some(message.to_string()),
                curated: false,
                score,
            });
        }
    }

    if let Some(value) = exact.filter(|v| !hits.iter().any(|h| h.value == *v))
        && let Some(names) = names::name_of(value)
    {
        hits.push(SearchHit {
            code: format_code(value),
            value,
            name: Some(names.primary().to_string()),
            message: None,
            curated: false,
            score: 1000,
        });
    }

    hits.sort_by(|a, b| b.score.cmp(&a.score).then(b.curated.cmp(&a.curated)).then(a.value.cmp(&b.value)));
    hits.truncate(limit);
    hits
}

fn score_fields(query: &str, terms: &[String], fields: &[(u32, String)]) -> u32 {
    let mut covered = vec![false; terms.len()];
    let mut score = 0;
    for (weight, text) in fields {
        let text = normalize(text);
        if query.len() >= 2 && text.contains(query) {
            score += weight * 10;
        }
        let mut matched = 0;
        for (i, term) in terms.iter().enumerate() {
            if text.contains(term.as_str()) {
                matched += 1;
                covered[i] = true;
            }
        }
        score += weight * 4 * matched / u32::try_from(terms.len()).unwrap_or(u32::MAX);
    }
    // Most of the query must appear somewhere, or a common word alone would match everything.
    let covered = covered.iter().filter(|c| **c).count();
    if covered * 2 < terms.len() || covered == 0 { 0 } else { score }
}

/// Lower case, runs of non-word characters collapsed to one space.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' {
            out.push(c);
            last_space = false;
        } else if !last_space {
            out.push(' ');
            last_space = true;
        }
    }
    out.trim_end().to_string()
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// Latin words (two letters or more) as they are; Chinese runs as overlapping bigrams.
fn terms(normalized: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in normalized.split(' ') {
        let mut latin = String::new();
        let mut cjk: Vec<char> = Vec::new();
        let flush_cjk = |cjk: &mut Vec<char>, out: &mut Vec<String>| {
            match cjk.len() {
                0 => {}
                1 => out.push(cjk.iter().collect()),
                _ => out.extend(cjk.windows(2).map(|w| w.iter().collect::<String>())),
            }
            cjk.clear();
        };
        for c in word.chars() {
            if is_cjk(c) {
                if latin.chars().count() >= 2 {
                    out.push(std::mem::take(&mut latin));
                }
                latin.clear();
                cjk.push(c);
            } else {
                flush_cjk(&mut cjk, &mut out);
                latin.push(c);
            }
        }
        flush_cjk(&mut cjk, &mut out);
        if latin.chars().count() >= 2 {
            out.push(latin);
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_split_into_bigrams_and_latin_into_words() {
        assert_eq!(terms(&normalize("DNS 名称不存在")), ["dns", "不存", "名称", "存在", "称不"]);
        assert_eq!(terms(&normalize("KMS count!")), ["count", "kms"]);
        assert!(terms(&normalize("  ,, ")).is_empty());
    }
}
