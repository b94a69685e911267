//! Timestamps as the logs write them, to UTC seconds and back to RFC 3339: what the analysis needs
//! (ordering, 30-day and 4-hour windows) and what the report's timeline prints. No time zones: the
//! logs and the report are UTC.

/// Seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

pub const HOUR: i64 = 3600;
pub const DAY: i64 = 86_400;

/// Days from 1970-01-01 to a civil date (proleptic Gregorian), H. Hinnant's algorithm.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl Timestamp {
    pub fn from_civil(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<Timestamp> {
        // Years outside 1..=9999 are no date a log or slmgr writes, and would overflow the sums
        // the analysis does with times.
        let valid = (1..=9999).contains(&y)
            && (1..=12).contains(&mo)
            && (1..=31).contains(&d)
            && (0..24).contains(&h)
            && (0..60).contains(&mi)
            && (0..=60).contains(&s);
        valid.then(|| Timestamp(days_from_civil(y, mo, d) * DAY + h * HOUR + mi * 60 + s))
    }

    /// `2023-05-24T01:21:11.2292163Z` (event XML SystemTime), also with `+00:00` or no zone.
    #[allow(clippy::many_single_char_names)] // y/mo/d/h/mi/s read like the format itself
    pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
        let s = s.trim();
        let (date, time) = s.split_once(['T', ' '])?;
        let mut d = date.split('-');
        let (y, mo, day) = (d.next()?.parse().ok()?, d.next()?.parse().ok()?, d.next()?.parse().ok()?);
        let time = time.trim_end_matches('Z');
        let (time, offset) = match time.rfind(['+', '-']) {
            Some(i) if i >= 8 => (&time[..i], parse_offset(&time[i..])?),
            _ => (time, 0),
        };
        let mut t = time.split(':');
        let (h, mi) = (t.next()?.parse().ok()?, t.next()?.parse().ok()?);
        let s: i64 = t.next().unwrap_or("0").split('.').next()?.parse().ok()?;
        Timestamp::from_civil(y, mo, day, h, mi, s).map(|t| Timestamp(t.0 - offset))
    }

    /// `2023/05/24 01:21` or `2006/1/14 2:30` (the client time inside 12288/12289/12290).
    #[allow(clippy::many_single_char_names)]
    pub fn parse_slashed(s: &str) -> Option<Timestamp> {
        let (date, time) = s.trim().split_once(' ')?;
        let mut d = date.split('/');
        let (y, mo, day) = (d.next()?.parse().ok()?, d.next()?.parse().ok()?, d.next()?.parse().ok()?);
        let mut t = time.trim().split(':');
        let (h, mi) = (t.next()?.parse().ok()?, t.next()?.parse().ok()?);
        let s = t.next().map_or(Some(0), |s| s.parse().ok())?;
        Timestamp::from_civil(y, mo, day, h, mi, s)
    }

    /// Year, month, day, hour, minute, second (UTC).
    pub fn civil(self) -> (i64, i64, i64, i64, i64, i64) {
        let days = self.0.div_euclid(DAY);
        let secs = self.0.rem_euclid(DAY);
        let (y, m, d) = civil_from_days(days);
        (y, m, d, secs / HOUR, (secs % HOUR) / 60, secs % 60)
    }

    /// A Windows FILETIME (100 ns since 1601-01-01), as the XML SystemTime would read it.
    pub fn from_filetime(filetime: u64) -> Option<Timestamp> {
        let seconds = i64::try_from(filetime / 10_000_000).ok()?;
        Some(Timestamp(seconds - 11_644_473_600))
    }

    pub fn to_rfc3339(self) -> String {
        self.to_string()
    }
}

/// RFC 3339 in UTC (`2024-05-10T11:00:00Z`), written without an intermediate string: a fleet's
/// report writes a million of them.
impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d, hour, minute, second) = self.civil();
        write!(f, "{y:04}-{m:02}-{d:02}T{hour:02}:{minute:02}:{second:02}Z")
    }
}

fn parse_offset(s: &str) -> Option<i64> {
    let sign = if s.starts_with('-') { -1 } else { 1 };
    let (h, m) = s[1..].split_once(':').unwrap_or((&s[1..], "0"));
    Some(sign * (h.parse::<i64>().ok()? * HOUR + m.parse::<i64>().ok()? * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_in_the_logs() {
        let t = Timestamp::parse_rfc3339("2023-05-24T01:21:11.2292163Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2023-05-24T01:21:11Z");
        assert_eq!(Timestamp::parse_slashed("2023/05/24 01:21").unwrap().to_rfc3339(), "2023-05-24T01:21:00Z");
        assert_eq!(Timestamp::parse_slashed("2006/1/14 2:30").unwrap().to_rfc3339(), "2006-01-14T02:30:00Z");
        assert_eq!(
            Timestamp::parse_rfc3339("2023-05-24T03:21:11+02:00"),
            Timestamp::parse_rfc3339("2023-05-24T01:21:11Z")
        );
        assert_eq!(Timestamp::parse_rfc3339("1970-01-01T00:00:00Z"), Some(Timestamp(0)));
    }

    #[test]
    fn garbage_is_none_not_a_panic() {
        for bad in
            ["", "2023", "2023-13-01T00:00:00Z", "x-y-zTa:b:c", "2023/05/24", "2023-05-24T", "2023-05-24T01:21:11+"]
        {
            assert!(Timestamp::parse_rfc3339(bad).is_none() || Timestamp::parse_slashed(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn round_trips_across_centuries() {
        for t in [-86_400 * 365 * 300, -1, 0, 951_782_400, 4_102_444_800] {
            assert_eq!(Timestamp::parse_rfc3339(&Timestamp(t).to_rfc3339()), Some(Timestamp(t)));
        }
    }
}
