//! Just enough calendar for the timeline: RFC 3339 text to seconds since 1970 and back to tick
//! labels, in integer arithmetic (the crate has no date dependency, and needs no time zone: the
//! report's times are UTC).

/// Seconds since 1970 of an RFC 3339 time (`2024-05-01T10:00:00Z`, fraction and offset allowed).
pub(super) fn epoch_seconds(s: &str) -> Option<i64> {
    let num = |from: usize, to: usize| -> Option<i64> {
        let digits = s.get(from..to)?;
        if digits.bytes().all(|b| b.is_ascii_digit()) { digits.parse().ok() } else { None }
    };
    let sep = |at: usize, allowed: &[u8]| s.as_bytes().get(at).is_some_and(|b| allowed.contains(b));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (y, mo, d, h, mi, sec) = (num(0, 4)?, num(5, 7)?, num(8, 10)?, num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = s.get(19..)?;
    if let Some(fraction) = rest.strip_prefix('.') {
        rest = fraction.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let (oh, om) = rest.get(1..)?.split_once(':')?;
            sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60)
        }
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
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

/// A date over a span of days, a date and time over a shorter one.
pub(super) fn tick_label(t: i64, days: bool) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let secs = t.rem_euclid(86_400);
    if days {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{m:02}-{d:02} {:02}:{:02}", secs / 3600, secs % 3600 / 60)
    }
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
