//! The curated entries: one TOML file per code under `kb/codes/`, embedded at build time.
//! Loading checks each file's shape; the tests in `tests/kb.rs` check the content.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::{ActivationType, Lang, format_code};

include!(concat!(env!("OUT_DIR"), "/kb_files.rs"));

/// A text in both languages the tool speaks.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Localized<T> {
    pub en: T,
    #[serde(rename = "zh-CN")]
    pub zh_cn: T,
}

impl<T> Localized<T> {
    pub fn get(&self, lang: Lang) -> &T {
        match lang {
            Lang::En => &self.en,
            Lang::ZhCn => &self.zh_cn,
        }
    }
}

/// What a resolution step is for. A scan that already holds a machine's logs has done the `find`
/// steps, so a finding leads with the first step that is not `find`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepPurpose {
    /// Finds out what the real error or the facts are (event 12288, `actdoc scan`, `slmgr /dlv`).
    Find,
    /// Tests a hypothesis about the cause (SRV lookup, TCP 1688, clocks, a registry value).
    Confirm,
    /// Changes something (firewall, `slmgr /skms`, `slmgr /ipk`, `w32tm /resync`, a new key).
    Fix,
}

/// One curated error code, as written in its data file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(try_from = "EntryFile")]
pub struct Entry {
    /// The code as the source writes it (`0xC004F065`), even where that is not the real value.
    pub code: String,
    pub name: String,
    /// False when `name` is descriptive (no SDK header defines a symbol for it). A symbol an SDK
    /// header defines for another value counts as official; `name_of` then says which value.
    pub name_official: bool,
    /// The value the SDK defines `name` for, when that is not `code` (0xC004F065 carries the
    /// symbol of 0x4004F065).
    pub name_of: Option<String>,
    /// The real code when `code` is a known typo or variant of it.
    pub likely_code: Option<String>,
    /// Whether the source article lists this code.
    pub seed: bool,
    pub activation_types: Vec<ActivationType>,
    pub related: Vec<String>,
    /// `actdoc` commands that can confirm the cause.
    pub checked_by: Vec<String>,
    pub message: Localized<String>,
    /// Other wordings of the message, as they are searched for.
    pub message_variants: Localized<Vec<String>>,
    /// One flag per entry of `message_variants`, in the same order: true when that wording is our
    /// translation, not text verified as what Windows, slmgr or a Microsoft page prints.
    pub message_variants_translated: Localized<Vec<bool>>,
    pub note: Option<Localized<String>>,
    pub cause: Localized<String>,
    pub resolution: Localized<Vec<String>>,
    /// One tag per step of `resolution`, in the same order.
    pub resolution_purpose: Vec<StepPurpose>,
    /// The pages the entry's facts come from: title, then repository and path or KB number.
    pub sources: Vec<String>,
    #[serde(skip)]
    pub value: u32,
    #[serde(skip)]
    pub file: &'static str,
}

impl Entry {
    /// The message variants in `lang`, each with whether it is our translation.
    pub fn variants(&self, lang: Lang) -> impl Iterator<Item = (&str, bool)> {
        let flags = self.message_variants_translated.get(lang);
        self.message_variants
            .get(lang)
            .iter()
            .enumerate()
            .map(move |(i, text)| (text.as_str(), flags.get(i).copied().unwrap_or(false)))
    }
}

/// A data file as written: a message variant may carry `translation = true`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    code: String,
    name: String,
    name_official: bool,
    #[serde(default)]
    name_of: Option<String>,
    #[serde(default)]
    likely_code: Option<String>,
    #[serde(default)]
    seed: bool,
    activation_types: Vec<ActivationType>,
    #[serde(default)]
    related: Vec<String>,
    #[serde(default)]
    checked_by: Vec<String>,
    message: Localized<String>,
    #[serde(default)]
    message_variants: Localized<Vec<VariantFile>>,
    #[serde(default)]
    note: Option<Localized<String>>,
    cause: Localized<String>,
    resolution: Localized<Vec<String>>,
    resolution_purpose: Vec<StepPurpose>,
    #[serde(default)]
    sources: Vec<String>,
}

/// `"wording"`, or `{ text = "wording", translation = true }` for a wording we translated.
#[derive(Deserialize)]
#[serde(untagged)]
enum VariantFile {
    Plain(String),
    Marked(MarkedVariant),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkedVariant {
    text: String,
    translation: bool,
}

impl VariantFile {
    fn split(variants: Vec<VariantFile>) -> (Vec<String>, Vec<bool>) {
        variants
            .into_iter()
            .map(|v| match v {
                VariantFile::Plain(text) => (text, false),
                VariantFile::Marked(MarkedVariant { text, translation }) => (text, translation),
            })
            .unzip()
    }
}

impl TryFrom<EntryFile> for Entry {
    type Error = String;

    fn try_from(f: EntryFile) -> Result<Entry, String> {
        let (en, en_flags) = VariantFile::split(f.message_variants.en);
        let (zh_cn, zh_flags) = VariantFile::split(f.message_variants.zh_cn);
        if f.sources.iter().any(|s| s.trim().is_empty()) {
            return Err("sources: an empty entry".to_string());
        }
        Ok(Entry {
            code: f.code,
            name: f.name,
            name_official: f.name_official,
            name_of: f.name_of,
            likely_code: f.likely_code,
            seed: f.seed,
            activation_types: f.activation_types,
            related: f.related,
            checked_by: f.checked_by,
            message: f.message,
            message_variants: Localized { en, zh_cn },
            message_variants_translated: Localized { en: en_flags, zh_cn: zh_flags },
            note: f.note,
            cause: f.cause,
            resolution: f.resolution,
            resolution_purpose: f.resolution_purpose,
            sources: f.sources,
            value: 0,
            file: "",
        })
    }
}

/// A data file that does not load. Names the file and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KbError {
    #[error("kb/codes/{file}: {message}")]
    Invalid { file: &'static str, message: String },
    #[error("kb/codes/{first} and kb/codes/{second} both describe {code}")]
    Duplicate { code: String, first: &'static str, second: &'static str },
}

/// Every curated entry, indexed by value.
#[derive(Debug)]
pub struct Kb {
    entries: Vec<Entry>,
    by_value: HashMap<u32, usize>,
}

impl Kb {
    /// The knowledge base compiled into this binary (parsed once).
    pub fn embedded() -> Result<&'static Kb, KbError> {
        static KB: OnceLock<Result<Kb, KbError>> = OnceLock::new();
        KB.get_or_init(|| Kb::from_files(CODE_FILES)).as_ref().map_err(Clone::clone)
    }

    /// Builds a knowledge base from `(file name, TOML text)` pairs.
    pub fn from_files(files: &[(&'static str, &str)]) -> Result<Kb, KbError> {
        let mut entries = Vec::with_capacity(files.len());
        let mut by_value = HashMap::with_capacity(files.len());
        for &(file, text) in files {
            let invalid = |message: String| KbError::Invalid { file, message };
            let mut entry: Entry = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
            entry.value = parse_canonical(&entry.code)
                .ok_or_else(|| invalid(format!("code `{}` is not 0x + 8 upper-case hex digits", entry.code)))?;
            if file.strip_suffix(".toml") != Some(entry.code.as_str()) {
                return Err(invalid(format!("file name must be {}.toml", entry.code)));
            }
            for (field, other) in [("likely_code", &entry.likely_code), ("name_of", &entry.name_of)] {
                if let Some(other) = other {
                    parse_canonical(other)
                        .ok_or_else(|| invalid(format!("{field} `{other}` is not 0x + 8 upper-case hex digits")))?;
                }
            }
            for (lang, steps) in [("en", &entry.resolution.en), ("zh-CN", &entry.resolution.zh_cn)] {
                if entry.resolution_purpose.len() != steps.len() {
                    return Err(invalid(format!(
                        "resolution_purpose has {} tag(s), resolution.{lang} has {} step(s): one tag per step",
                        entry.resolution_purpose.len(),
                        steps.len()
                    )));
                }
            }
            entry.file = file;
            if let Some(&first) = by_value.get(&entry.value) {
                let first_file: &Entry = &entries[first];
                return Err(KbError::Duplicate { code: entry.code.clone(), first: first_file.file, second: file });
            }
            by_value.insert(entry.value, entries.len());
            entries.push(entry);
        }
        Ok(Kb { entries, by_value })
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn get(&self, value: u32) -> Option<&Entry> {
        self.by_value.get(&value).map(|&i| &self.entries[i])
    }
}

/// Parses the canonical spelling used in data files; anything else is a data error.
fn parse_canonical(code: &str) -> Option<u32> {
    let hex = code.strip_prefix("0x")?;
    let value = (hex.len() == 8).then(|| u32::from_str_radix(hex, 16).ok()).flatten()?;
    (format_code(value) == code).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
code = "0xC004F074"
name = "SL_E_VL_BINDING_SERVICE_UNAVAILABLE"
name_official = true
activation_types = ["KMS client"]
message = { en = "m", zh-CN = "m" }
cause = { en = "c", zh-CN = "c" }
resolution = { en = ["r"], zh-CN = ["r"] }
resolution_purpose = ["fix"]
"#;

    #[test]
    fn loads_and_indexes_by_value() {
        let kb = Kb::from_files(&[("0xC004F074.toml", MINIMAL)]);
        assert!(kb.as_ref().is_ok_and(|kb| kb.get(0xC004_F074).is_some()), "{kb:?}");
    }

    #[test]
    fn errors_name_the_file() {
        let err = Kb::from_files(&[("0xC004F038.toml", MINIMAL)]).err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("kb/codes/0xC004F038.toml: file name must be 0xC004F074.toml"));
        let lower = MINIMAL.replace("0xC004F074", "0xc004f074");
        assert!(Kb::from_files(&[("0xc004f074.toml", &lower)]).is_err());
        let dup = Kb::from_files(&[("0xC004F074.toml", MINIMAL), ("0xC004F074.toml", MINIMAL)]);
        assert!(matches!(dup, Err(KbError::Duplicate { .. })));
        let unknown_field = format!("{MINIMAL}\nsurprise = 1\n");
        assert!(Kb::from_files(&[("0xC004F074.toml", &unknown_field)]).is_err());
    }

    #[test]
    fn a_variant_can_be_marked_as_our_translation() {
        let marked = format!(
            "{MINIMAL}\n[message_variants]\nen = [\"a\"]\nzh-CN = [\"b\", {{ text = \"c\", translation = true }}]\n"
        );
        let kb = Kb::from_files(&[("0xC004F074.toml", &marked)]).unwrap();
        let entry = kb.get(0xC004_F074).unwrap();
        assert_eq!(entry.message_variants.zh_cn, ["b", "c"], "the texts stay plain strings");
        assert_eq!(entry.variants(Lang::ZhCn).collect::<Vec<_>>(), [("b", false), ("c", true)]);
        assert_eq!(entry.variants(Lang::En).collect::<Vec<_>>(), [("a", false)]);
        let typo = marked.replace("translation = true", "translated = true");
        assert!(Kb::from_files(&[("0xC004F074.toml", &typo)]).is_err(), "a misspelt marker must not load");
    }

    #[test]
    fn name_of_and_sources_are_checked() {
        let named = format!("name_of = \"0x4004F065\"\nsources = [\"A page\"]\n{MINIMAL}");
        let kb = Kb::from_files(&[("0xC004F074.toml", &named)]).unwrap();
        let entry = kb.get(0xC004_F074).unwrap();
        assert_eq!((entry.name_of.as_deref(), entry.sources.len()), (Some("0x4004F065"), 1));
        let lower = named.replace("0x4004F065", "0x4004f065");
        let err = Kb::from_files(&[("0xC004F074.toml", &lower)]).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("name_of")));
        let empty = named.replace("\"A page\"", "\" \"");
        assert!(Kb::from_files(&[("0xC004F074.toml", &empty)]).is_err());
    }

    #[test]
    fn step_purposes_are_lowercase_and_counted() {
        let kb = Kb::from_files(&[("0xC004F074.toml", MINIMAL)]);
        let purposes = kb.as_ref().ok().and_then(|kb| kb.get(0xC004_F074)).map(|e| e.resolution_purpose.clone());
        assert_eq!(purposes, Some(vec![StepPurpose::Fix]));
        let two = MINIMAL.replace(r#"["fix"]"#, r#"["find", "fix"]"#);
        let err = Kb::from_files(&[("0xC004F074.toml", &two)]).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "kb/codes/0xC004F074.toml: resolution_purpose has 2 tag(s), resolution.en has 1 step(s): one tag per step"
            )
        );
        let capital = MINIMAL.replace(r#"["fix"]"#, r#"["Fix"]"#);
        assert!(Kb::from_files(&[("0xC004F074.toml", &capital)]).is_err());
        let missing = MINIMAL.replace("resolution_purpose = [\"fix\"]\n", "");
        assert!(Kb::from_files(&[("0xC004F074.toml", &missing)]).is_err());
    }
}
