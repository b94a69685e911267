//! The languages `actdoc` speaks, and how a locale string picks one.

use std::fmt;
use std::str::FromStr;

/// Output language. English is the default; Simplified Chinese is the article's language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The BCP 47 tag used in data files and JSON.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// Reads a POSIX locale (`zh_CN.UTF-8`, `en_US`, `C`) or a tag (`zh-CN`, `zh-Hans`).
    /// Any Chinese locale maps to Simplified Chinese, which is all we ship; anything else to English.
    pub fn from_locale(locale: &str) -> Option<Lang> {
        let base = locale.split(['.', '@']).next().unwrap_or_default().trim();
        if base.is_empty() {
            return None;
        }
        let lower = base.to_ascii_lowercase();
        if lower == "zh" || lower.starts_with("zh_") || lower.starts_with("zh-") {
            Some(Lang::ZhCn)
        } else {
            Some(Lang::En)
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

impl FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "en" | "en-us" | "en-gb" | "english" => Ok(Lang::En),
            "zh-cn" | "zh" | "zh-hans" | "zh_cn" | "cn" | "chinese" => Ok(Lang::ZhCn),
            _ => Err(format!("unknown language `{s}` (use `en` or `zh-CN`)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_pick_the_language() {
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_locale("zh_TW"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::from_locale("C"), Some(Lang::En));
        assert_eq!(Lang::from_locale(""), None);
        assert_eq!("zh-CN".parse::<Lang>(), Ok(Lang::ZhCn));
        assert!("fr".parse::<Lang>().is_err());
    }
}
