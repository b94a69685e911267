//! The activation methods an error belongs to, as the source article's table names them.

use serde::{Deserialize, Serialize};

use crate::Lang;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ActivationType {
    #[serde(rename = "MAK")]
    Mak,
    #[serde(rename = "KMS")]
    Kms,
    #[serde(rename = "KMS client")]
    KmsClient,
    #[serde(rename = "KMS host")]
    KmsHost,
    #[serde(rename = "AD-based")]
    AdBased,
    #[serde(rename = "Retail")]
    Retail,
}

impl ActivationType {
    pub const ALL: [ActivationType; 6] = [
        ActivationType::Mak,
        ActivationType::Kms,
        ActivationType::KmsClient,
        ActivationType::KmsHost,
        ActivationType::AdBased,
        ActivationType::Retail,
    ];

    /// Stable identifier for flags and JSON (`kms-client`).
    pub fn id(self) -> &'static str {
        match self {
            ActivationType::Mak => "mak",
            ActivationType::Kms => "kms",
            ActivationType::KmsClient => "kms-client",
            ActivationType::KmsHost => "kms-host",
            ActivationType::AdBased => "ad-based",
            ActivationType::Retail => "retail",
        }
    }

    /// The label the article's table uses in each language.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (ActivationType::Mak, _) => "MAK",
            (ActivationType::Kms, _) => "KMS",
            (ActivationType::KmsClient, Lang::En) => "KMS client",
            (ActivationType::KmsClient, Lang::ZhCn) => "KMS 客户端",
            (ActivationType::KmsHost, Lang::En) => "KMS host",
            (ActivationType::KmsHost, Lang::ZhCn) => "KMS 主机",
            (ActivationType::AdBased, Lang::En) => "AD-based",
            (ActivationType::AdBased, Lang::ZhCn) => "基于 Active Directory",
            (ActivationType::Retail, Lang::En) => "Retail",
            (ActivationType::Retail, Lang::ZhCn) => "零售",
        }
    }

    pub fn from_id(id: &str) -> Option<ActivationType> {
        Self::ALL.into_iter().find(|t| t.id().eq_ignore_ascii_case(id))
    }
}
