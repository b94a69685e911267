//! Tick labels for the timeline, over the core crate's UTC timestamps.

use actdoc_core::time::Timestamp;

/// Seconds since 1970 of an RFC 3339 time (`2024-05-01T10:00:00Z`, fraction and offset allowed).
pub(super) fn epoch_seconds(s: &str) -> Option<i64> {
    Timestamp::parse_rfc3339(s).map(|t| t.0)
}

/// A date over a span of days, a date and time over a shorter one.
pub(super) fn tick_label(t: i64, days: bool) -> String {
    let (y, m, d, hour, minute, _) = Timestamp(t).civil();
    if days { format!("{y:04}-{m:02}-{d:02}") } else { format!("{m:02}-{d:02} {hour:02}:{minute:02}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rfc3339_times() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(epoch_seconds("2023-05-24T01:21:11.2292163Z"), Some(1_684_891_271));
        assert_eq!(epoch_seconds("2023-05-24T03:21:11+02:00"), Some(1_684_891_271));
        assert_eq!(epoch_seconds("2023-05-24"), None);
        assert_eq!(epoch_seconds("yesterday at noon"), None);
        assert_eq!(epoch_seconds("2023-13-24T01:21:11Z"), None);
    }

    #[test]
    fn tick_labels_round_trip_the_calendar() {
        let t = epoch_seconds("2024-02-29T13:05:00Z").unwrap();
        assert_eq!(tick_label(t, true), "2024-02-29");
        assert_eq!(tick_label(t, false), "02-29 13:05");
        assert_eq!(tick_label(-86_400, true), "1969-12-31");
    }
}
