//! Editions, their Activation (SKU) IDs and the KMS client setup keys (GVLKs) Microsoft publishes,
//! from `kb/products.toml` (sources at the top of that file).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

const PRODUCTS_TOML: &str = include_str!("../kb/products.toml");

/// Which KMS threshold a product counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductKind {
    Client,
    Server,
    Office,
}

impl ProductKind {
    /// Unique machines a KMS host must have seen before it activates this kind of product.
    pub fn kms_threshold(self) -> u32 {
        match self {
            ProductKind::Client => 25,
            ProductKind::Server | ProductKind::Office => 5,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub name: String,
    pub family: String,
    pub kind: ProductKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gvlk: Option<String>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductsFile {
    product: Vec<Product>,
}

/// The product table.
#[derive(Debug)]
pub struct Products {
    products: Vec<Product>,
    /// Lower-case Activation ID -> index: a fleet scan looks one up per event.
    by_id: std::collections::HashMap<String, usize>,
}

impl Products {
    /// The table compiled into this binary.
    pub fn embedded() -> Result<&'static Products, String> {
        static PRODUCTS: OnceLock<Result<Products, String>> = OnceLock::new();
        PRODUCTS
            .get_or_init(|| Products::from_toml(PRODUCTS_TOML).map_err(|e| format!("kb/products.toml: {e}")))
            .as_ref()
            .map_err(Clone::clone)
    }

    pub fn from_toml(text: &str) -> Result<Products, toml::de::Error> {
        let file: ProductsFile = toml::from_str(text)?;
        let by_id = file
            .product
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.activation_id.as_ref().map(|a| (a.to_ascii_lowercase(), i)))
            .collect();
        Ok(Products { products: file.product, by_id })
    }

    pub fn all(&self) -> &[Product] {
        &self.products
    }

    /// The product with this Activation (SKU) ID, in any letter case, braces allowed.
    pub fn by_activation_id(&self, id: &str) -> Option<&Product> {
        let id = id.trim().trim_start_matches('{').trim_end_matches('}');
        let index = match self.by_id.get(id) {
            Some(i) => Some(*i),
            None if id.bytes().any(|b| b.is_ascii_uppercase()) => self.by_id.get(&id.to_ascii_lowercase()).copied(),
            None => None,
        };
        index.and_then(|i| self.products.get(i))
    }

    /// Products whose family and name contain every word of `query` (case-insensitive);
    /// `windows 11 pro` finds "Windows 11 Pro", `2022 datacenter` finds the server edition, and an
    /// Activation ID (as events 12288/12290 log it) finds its product.
    pub fn matching(&self, query: &str) -> Vec<&Product> {
        if let Some(product) = self.by_activation_id(query) {
            return vec![product];
        }
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        self.products
            .iter()
            .filter(|p| {
                let haystack = format!("{} {}", p.family, p.name).to_lowercase();
                words.iter().all(|w| haystack.contains(w.as_str()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_loads() {
        let products = Products::embedded();
        assert!(products.as_ref().is_ok_and(|p| !p.all().is_empty()), "{products:?}");
    }

    #[test]
    fn thresholds() {
        assert_eq!(ProductKind::Client.kms_threshold(), 25);
        assert_eq!(ProductKind::Server.kms_threshold(), 5);
    }
}
