//! Tick labels for the timeline, over the core crate's UTC timestamps.

use actdoc_core::time::Timestamp;

/// Seconds since 1970 of an RFC 3339 time (`2024-05-01T10:00:00Z`, fraction and offset allowed).
/// A date over a span of days, a date and time over a shorter one.
pub(super) fn tick_label(t: i64, days: bool) -> String {
    let (y, m, d, hour, minute, _) = Timestamp(t).civil();
    if days { format!("{y:04}-{m:02}-{d:02}") } else { format!("{m:02}-{d:02} {hour:02}:{minute:02}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_round_trip_the_calendar() {
        let t = Timestamp::parse_rfc3339("2024-02-29T13:05:00Z").unwrap().0;
        assert_eq!(tick_label(t, true), "2024-02-29");
        assert_eq!(tick_label(t, false), "02-29 13:05");
        assert_eq!(tick_label(-86_400, true), "1969-12-31");
    }
}
