//! ISO 8601 parsing and formatting shared by date ranges, cursors and date filters.
//! Everything internal is UTC microseconds since the Unix epoch.

use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Absolute ISO 8601: `2024-01-15`, `2024-01-15T10:00[:00[.123456]]` with `T`, `t` or a space,
/// optionally followed by `Z` or an offset (`+02:00`, `+0200`, `+02`). Naive values are UTC
/// (logs queries treat them so), a date alone is midnight UTC. Result is in UTC. The grammar
/// is the activity log's (DRF's), so both APIs accept the same dates.
pub fn parse_absolute(s: &str) -> Option<OffsetDateTime> {
    activity_log::datetime::parse_iso8601(s).map(|t| t.to_offset(UtcOffset::UTC))
}

/// Whether an accepted absolute value names a whole day (`2024-01-15`).
pub fn is_date_only(s: &str) -> bool {
    s.trim().len() == 10
}

pub fn to_us(t: OffsetDateTime) -> i64 {
    let us = t.unix_timestamp_nanos().div_euclid(1000);
    i64::try_from(us).unwrap_or(if us < 0 { i64::MIN } else { i64::MAX })
}

/// Saturates at the limits `time` can represent (years ±9999).
pub fn from_us(us: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000).unwrap_or_else(|_| {
        if us < 0 { PrimitiveDateTime::MIN.assume_utc() } else { PrimitiveDateTime::MAX.assume_utc() }
    })
}

/// `2025-12-16T10:23:16.449937+00:00`: the shape PostHog returns timestamps in.
pub fn format_iso_us(us: i64) -> String {
    let t = from_us(us);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn us(s: &str) -> Option<i64> {
        parse_absolute(s).map(to_us)
    }

    #[test]
    fn parses_every_accepted_shape() {
        let base = to_us(datetime!(2024-01-15 10:20:30 UTC));
        assert_eq!(us("2024-01-15T10:20:30Z"), Some(base));
        assert_eq!(us("2024-01-15T10:20:30"), Some(base), "naive is UTC");
        assert_eq!(us("2024-01-15 10:20:30"), Some(base));
        assert_eq!(us("2024-01-15T10:20:30+00:00"), Some(base));
        assert_eq!(us("2024-01-15T12:20:30+02:00"), Some(base));
        assert_eq!(us("2024-01-15T12:20:30+0200"), Some(base));
        assert_eq!(us("2024-01-15T08:20:30-02"), Some(base));
        assert_eq!(us("2024-01-15T10:20:30.25Z"), Some(base + 250_000));
        assert_eq!(us("2024-01-15T10:20:30.123456789Z"), Some(base + 123_456));
        assert_eq!(us("2024-01-15T10:20"), Some(base - 30_000_000));
        assert_eq!(us("2024-01-15"), Some(to_us(datetime!(2024-01-15 0:00 UTC))));
    }

    #[test]
    fn rejects_what_is_not_iso() {
        for bad in ["", "yesterday", "2024-13-01", "2024-01-15X10:00:00", "2024-01-15T25:00:00", "-1h"] {
            assert_eq!(parse_absolute(bad), None, "{bad}");
        }
        assert_eq!(parse_absolute("2024-01-15T10:00:00+2:00"), None);
        assert_eq!(parse_absolute("2024-01-15T10:00:00é"), None);
    }

    #[test]
    fn grammar_is_the_activity_logs() {
        let base = to_us(datetime!(2024-01-15 10:20:30 UTC));
        assert_eq!(us("2024-01-15t10:20:30,5z"), Some(base + 500_000), "Django's comma fraction");
        assert_eq!(us(" 2024-01-15T10:50:30+00:30 "), Some(base));
        for bad in ["2024-01-15T10:00:00+24:00", "2024-01-15T10:00:00+02:", "+2024-01-15", "2024-01-15T10"] {
            assert_eq!(parse_absolute(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_with_microseconds_and_offset() {
        let t = to_us(datetime!(2025-12-16 10:23:16.449937 UTC));
        assert_eq!(format_iso_us(t), "2025-12-16T10:23:16.449937+00:00");
        assert_eq!(format_iso_us(0), "1970-01-01T00:00:00.000000+00:00");
        assert_eq!(format_iso_us(-1), "1969-12-31T23:59:59.999999+00:00");
        assert_eq!(us(&format_iso_us(t)), Some(t));
    }

    #[test]
    fn microsecond_conversion_floors_and_saturates() {
        assert_eq!(to_us(datetime!(1969-12-31 23:59:59.9999995 UTC)), -1);
        assert_eq!(from_us(1_500_000), datetime!(1970-01-01 0:00:01.5 UTC));
        assert_eq!(from_us(i64::MAX).year(), 9999);
        assert!(is_date_only("2024-01-15") && !is_date_only("2024-01-15T00:00"));
    }
}
