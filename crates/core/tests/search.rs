//! `search` finds a code from the wording a user pastes (issue 12, item 8: both wordings of
//! 0xC004F074 in Microsoft's KB 974998 must rank it first).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actdoc_core::{Kb, Lang, search};

fn first(query: &str, lang: Lang) -> String {
    let hits = search(query, Kb::embedded().unwrap(), lang, 5);
    hits.first().map_or_else(|| panic!("no hit for {query:?}"), |h| h.code.clone())
}

#[test]
fn both_wordings_of_0xc004f074_rank_it_first() {
    for query in [
        "The Key Management Server (KMS) is unavailable",
        "The Software Licensing Service reported that the product could not be activated. No Key Management Service (KMS) could be contacted.",
        "the product could not be activated. No Key Management Service",
        "Key Management Server (KMS) is unavailable",
    ] {
        for lang in Lang::ALL {
            assert_eq!(first(query, lang), "0xC004F074", "{query:?} in {lang}");
        }
    }
}

#[test]
fn the_neighbouring_kms_messages_still_find_their_own_codes() {
    // The new wordings must not pull other KMS messages to 0xC004F074.
    assert_eq!(first("Key Management Server (KMS) is not activated", Lang::En), "0xC004F041");
    assert_eq!(first("The Key Management Service (KMS) is not enabled", Lang::En), "0xC004F039");
}
