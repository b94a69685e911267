//! Exports for the tools fleets already run: source-initiated Windows Event Forwarding
//! subscriptions (`wef`) that collect exactly the events the analysis uses, and Sigma rules
//! (`sigma`) for the single-event detections. Generated, never hand-written: the queries come from
//! the readers' own selection (`actdoc_logs::xpath`), the texts from the knowledge base.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod sigma;
pub mod wef;

/// Text for an XML element or a double-quoted attribute (apostrophes stay: the XPath is easier to
/// read with them).
pub(crate) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}
