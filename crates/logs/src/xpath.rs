//! The event XPath queries that select exactly the events the analysis uses, as Windows evaluates
//! them (`EvtQuery`, `wevtutil qe /q:`, a WEF subscription's `<Select>`): one per channel. Built
//! from the same lists the readers decide with, so doctor's live query, the exported subscriptions
//! and the scan cannot drift apart.

use crate::decode::{KMS_CHANNEL, OUR_EVENT_SOURCES, OUR_PROVIDERS, WANTED_IDS};

/// A channel and the XPath for its `<Select Path=…>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelQuery {
    pub channel: &'static str,
    pub xpath: String,
}

/// The client's events in the Application log: our providers (by name, or by the event source
/// name older versions log under) and the event IDs we decode. `within_ms` limits them to the
/// last so many milliseconds.
pub fn application(within_ms: Option<u64>) -> ChannelQuery {
    let providers = OUR_PROVIDERS
        .iter()
        .map(|p| format!("@Name='{p}'"))
        .chain(OUR_EVENT_SOURCES.iter().map(|s| format!("@EventSourceName='{s}'")))
        .collect::<Vec<_>>()
        .join(" or ");
    let ids = WANTED_IDS.iter().map(|id| format!("EventID={id}")).collect::<Vec<_>>().join(" or ");
    ChannelQuery {
        channel: "Application",
        xpath: format!("*[System[Provider[{providers}] and ({ids}){}]]", window(within_ms)),
    }
}

/// A KMS host's own log: its request events (12290), by ID alone, since the provider's name
/// differs across Windows versions and nothing else in that log has that ID.
pub fn kms_host(within_ms: Option<u64>) -> ChannelQuery {
    ChannelQuery { channel: KMS_CHANNEL, xpath: format!("*[System[(EventID=12290){}]]", window(within_ms)) }
}

fn window(within_ms: Option<u64>) -> String {
    within_ms.map(|ms| format!(" and TimeCreated[timediff(@SystemTime) <= {ms}]")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queries_name_every_provider_and_id_the_readers_use() {
        let app = application(None);
        for p in OUR_PROVIDERS {
            assert!(app.xpath.contains(&format!("@Name='{p}'")), "{p}");
        }
        for s in OUR_EVENT_SOURCES {
            assert!(app.xpath.contains(&format!("@EventSourceName='{s}'")), "{s}");
        }
        for id in WANTED_IDS {
            assert!(app.xpath.contains(&format!("EventID={id}")), "{id}");
        }
        assert!(!app.xpath.contains("timediff"));
        let host = kms_host(Some(86_400_000));
        assert_eq!(host.channel, "Key Management Service");
        assert_eq!(host.xpath, "*[System[(EventID=12290) and TimeCreated[timediff(@SystemTime) <= 86400000]]]");
    }
}
