//! Puts it together: input -> readings -> names, structure and the curated explanation.
//! [`Explanation`] is the JSON contract shared by `actdoc explain --json`, the web API and scan.

use serde::Serialize;

use crate::input::{self, Found, InputError, Reading, ReadingKind};
use crate::names::NameSource;
use crate::{Decoded, Kb, Lang, StepPurpose, format_code, names};

/// Everything `actdoc` knows about one code, in one language.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    /// What the user typed (or, for a code found in text, the characters that spelled it).
    pub input: String,
    /// The top reading, `0x` + 8 upper-case hex digits: the value entered, even if it is a typo.
    pub code: String,
    pub value: u32,
    pub name: Option<String>,
    /// False when no SDK header defines the value and `name` is descriptive.
    pub name_official: bool,
    /// Which table the generated name came from (how the value reads), or null when none names it.
    pub name_source: Option<NameSource>,
    /// The value an SDK header defines `name` for, when that is not `code`.
    pub name_of: Option<String>,
    pub aliases: Vec<String>,
    pub curated: bool,
    /// Whether the source article lists the code.
    pub seed: bool,
    /// The real code when the entered one is a known typo or variant.
    pub likely_code: Option<String>,
    pub message: Option<String>,
    /// Language of `message`: uncurated SDK messages exist in English only.
    pub message_lang: Option<Lang>,
    pub message_variants: Vec<String>,
    /// One flag per entry of `message_variants`: true when that wording is our translation, not
    /// text seen printed by Windows, slmgr or a Microsoft page.
    pub message_variants_translated: Vec<bool>,
    /// Labels as the article's table writes them, in `lang`.
    pub activation_types: Vec<String>,
    /// Stable identifiers of the same (`kms-client`).
    pub activation_type_ids: Vec<&'static str>,
    pub cause: Option<String>,
    pub resolution: Vec<String>,
    /// One tag per step of `resolution`: `find`, `confirm` or `fix`.
    pub resolution_purpose: Vec<StepPurpose>,
    pub note: Option<String>,
    pub related: Vec<String>,
    pub checked_by: Vec<String>,
    /// The pages the curated facts come from: title, then repository and path or KB number.
    pub sources: Vec<String>,
    pub decoded: Decoded,
    pub readings: Vec<ReadingOut>,
    pub lang: Lang,
    /// Byte offset of the code in the input, when it was found inside text.
    pub offset: Option<usize>,
}

/// One way to read the input, named.
#[derive(Clone, Debug, Serialize)]
pub struct ReadingOut {
    pub value: u32,
    pub code: String,
    pub name: Option<String>,
    pub kind: ReadingKind,
    pub rank: u8,
}

impl Explanation {
    /// A code is known when it has a name or a curated entry; `actdoc` exits 1 otherwise.
    pub fn is_known(&self) -> bool {
        self.curated || self.name.is_some()
    }
}

/// Explains one user input: a code in any form, or text holding codes (one result per code).
pub fn explain(input: &str, kb: &Kb, lang: Lang) -> Vec<Result<Explanation, InputError>> {
    let trimmed = input.trim();
    match input::parse_code(trimmed) {
        Err(err) => vec![Err(err)],
        Ok(Some(readings)) => vec![Ok(build(trimmed, None, &readings, kb, lang))],
        Ok(None) => {
            let (found, errors) = input::extract(trimmed);
            if found.is_empty() {
                let err =
                    errors.into_iter().next().unwrap_or_else(|| InputError::NoCode { input: trimmed.to_string() });
                return vec![Err(err)];
            }
            found
                .iter()
                .map(|Found { text, offset, readings }| Ok(build(text, Some(*offset), readings, kb, lang)))
                .collect()
        }
    }
}

fn build(input: &str, offset: Option<usize>, readings: &[Reading], kb: &Kb, lang: Lang) -> Explanation {
    let top = readings.first().map_or(0, |r| r.value);
    let table_names = names::name_of(top);
    let readings_out = readings
        .iter()
        .map(|r| ReadingOut {
            value: r.value,
            code: format_code(r.value),
            name: kb
                .get(r.value)
                .map(|e| e.name.clone())
                .or_else(|| names::name_of(r.value).map(|n| n.primary().to_string())),
            kind: r.kind,
            rank: r.rank,
        })
        .collect();
    let mut explanation = Explanation {
        input: input.to_string(),
        code: format_code(top),
        value: top,
        name: table_names.map(|n| n.primary().to_string()),
        name_official: table_names.is_some(),
        name_source: table_names.map(|n| n.source),
        name_of: None,
        aliases: table_names.map(|n| n.aliases().into_iter().map(String::from).collect()).unwrap_or_default(),
        curated: false,
        seed: false,
        likely_code: None,
        message: names::sl_message(top).map(String::from),
        message_lang: names::sl_message(top).map(|_| Lang::En),
        message_variants: Vec::new(),
        message_variants_translated: Vec::new(),
        activation_types: Vec::new(),
        activation_type_ids: Vec::new(),
        cause: None,
        resolution: Vec::new(),
        resolution_purpose: Vec::new(),
        note: None,
        related: Vec::new(),
        checked_by: Vec::new(),
        sources: Vec::new(),
        decoded: Decoded::of(top),
        readings: readings_out,
        lang,
        offset,
    };
    if let Some(entry) = kb.get(top) {
        explanation.name = Some(entry.name.clone());
        explanation.name_official = entry.name_official;
        explanation.aliases.retain(|a| *a != entry.name);
        if let Some(table) = table_names.filter(|n| n.primary() != entry.name) {
            explanation.aliases.insert(0, table.primary().to_string());
        }
        explanation.curated = true;
        explanation.seed = entry.seed;
        explanation.likely_code.clone_from(&entry.likely_code);
        explanation.message = Some(entry.message.get(lang).clone());
        explanation.message_lang = Some(lang);
        (explanation.message_variants, explanation.message_variants_translated) =
            entry.variants(lang).map(|(text, translated)| (text.to_string(), translated)).unzip();
        explanation.name_of.clone_from(&entry.name_of);
        explanation.sources.clone_from(&entry.sources);
        explanation.activation_types = entry.activation_types.iter().map(|t| t.label(lang).to_string()).collect();
        explanation.activation_type_ids = entry.activation_types.iter().map(|t| t.id()).collect();
        explanation.cause = Some(entry.cause.get(lang).clone());
        explanation.resolution.clone_from(entry.resolution.get(lang));
        explanation.resolution_purpose.clone_from(&entry.resolution_purpose);
        explanation.note = entry.note.as_ref().map(|n| n.get(lang).clone());
        explanation.related.clone_from(&entry.related);
        explanation.checked_by.clone_from(&entry.checked_by);
    }
    explanation
}
