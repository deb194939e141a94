#![allow(clippy::unwrap_used)]
use super::*;

fn secs(s: i64) -> Duration {
    Duration::seconds(s)
}

#[test]
fn formats_as_django() {
    assert_eq!(format(Duration::days(14)), "14 00:00:00");
    assert_eq!(format(Duration::hours(1)), "01:00:00");
    assert_eq!(format(Duration::ZERO), "00:00:00");
    assert_eq!(format(Duration::days(3) + secs(4 * 3600 + 5 * 60 + 6)), "3 04:05:06");
    assert_eq!(format(Duration::days(1) + Duration::microseconds(500)), "1 00:00:00.000500");
    assert_eq!(format(secs(59) + Duration::milliseconds(250)), "00:00:59.250000");
    // Sub-microsecond parts are dropped.
    assert_eq!(format(secs(1) + Duration::nanoseconds(999)), "00:00:01");
}

#[test]
fn formats_negative_durations_as_a_timedelta() {
    assert_eq!(format(Duration::hours(-1)), "-1 23:00:00");
    assert_eq!(format(Duration::days(-2)), "-2 00:00:00");
    assert_eq!(format(Duration::microseconds(-1)), "-1 23:59:59.999999");
}

#[test]
fn parses_the_output_format_and_clock_forms() {
    assert_eq!(parse("14 00:00:00"), Some(Duration::days(14)));
    assert_eq!(parse("01:00:00"), Some(Duration::hours(1)));
    assert_eq!(parse("1 02:03:04.5"), Some(Duration::days(1) + secs(7384) + Duration::milliseconds(500)));
    assert_eq!(parse("00:00:01,25"), Some(secs(1) + Duration::milliseconds(250)));
    // Django's "MM:SS" and bare seconds.
    assert_eq!(parse("10:30"), Some(secs(630)));
    assert_eq!(parse("3600"), Some(secs(3600)));
    assert_eq!(parse("3600.5"), Some(secs(3600) + Duration::milliseconds(500)));
    // Python's str(timedelta) and out-of-range clock fields (normalised, as Django does).
    assert_eq!(parse("1 day, 10:00:00"), Some(Duration::days(1) + Duration::hours(10)));
    assert_eq!(parse("2 days, 0:00:00"), Some(Duration::days(2)));
    assert_eq!(parse("00:90:00"), Some(Duration::minutes(90)));
    assert_eq!(parse("  01:00:00  "), Some(Duration::hours(1)));
    // Fractions beyond microseconds are truncated.
    assert_eq!(parse("0.1234567"), Some(Duration::microseconds(123_456)));
}

#[test]
fn parses_postgres_style() {
    assert_eq!(parse("3 days 04:05:06"), Some(Duration::days(3) + secs(4 * 3600 + 5 * 60 + 6)));
    assert_eq!(parse("1 day"), Some(Duration::days(1)));
    assert_eq!(parse("14 days"), Some(Duration::days(14)));
    assert_eq!(parse("1 Day 00:00:01"), Some(Duration::days(1) + secs(1)));
    assert_eq!(parse("0 days 00:00:00.000001"), Some(Duration::microseconds(1)));
}

#[test]
fn parses_iso_8601() {
    assert_eq!(parse("P14D"), Some(Duration::days(14)));
    assert_eq!(parse("PT1H"), Some(Duration::hours(1)));
    assert_eq!(parse("P1DT2H30M"), Some(Duration::days(1) + Duration::minutes(150)));
    assert_eq!(parse("PT90S"), Some(secs(90)));
    assert_eq!(parse("PT0.5S"), Some(Duration::milliseconds(500)));
    assert_eq!(parse("P1.5D"), Some(Duration::hours(36)));
    assert_eq!(parse("P2W"), Some(Duration::days(14)));
    assert_eq!(parse("+P1D"), Some(Duration::days(1)));
    assert_eq!(parse("p1dt1h"), Some(Duration::hours(25)));
    assert_eq!(parse("P1DT"), Some(Duration::days(1)));
}

#[test]
fn refuses_everything_else() {
    for bad in [
        "",
        " ",
        "abc",
        "P",
        "PT",
        "P1Y",
        "P1M",
        "PT1D",
        "P1H",
        "P1",
        "PD",
        "P1D1D",
        "PT1M1H",
        "1 week",
        "1 days 2",
        "1.5 days",
        "1:2:3:4",
        "1:",
        ":1",
        "3600.",
        "1e20",
        "true",
        "1 day,",
        "01:00:00 x",
        "P 1D",
        "1,5,5",
        "１",
    ] {
        assert_eq!(parse_checked(bad), Err(ParseError::Format), "{bad:?}");
    }
}

#[test]
fn refuses_negative_durations() {
    for neg in ["-1", "-01:00:00", "-1 23:00:00", "-P1D", "-3 days", "1 day, -01:00:00"] {
        assert_eq!(parse_checked(neg), Err(ParseError::Negative), "{neg:?}");
    }
    assert_eq!(parse_checked("-abc"), Err(ParseError::Format));
}

#[test]
fn refuses_durations_above_the_maximum() {
    assert_eq!(parse(&format!("{MAX_DAYS} 00:00:00")), Some(Duration::days(MAX_DAYS)));
    assert_eq!(parse_checked(&format!("{MAX_DAYS} 00:00:01")), Err(ParseError::TooLong));
    assert_eq!(parse_checked("P1000001D"), Err(ParseError::TooLong));
    assert_eq!(parse_checked(&"9".repeat(60)), Err(ParseError::TooLong));
    assert_eq!(parse_checked(&format!("P{}W", "9".repeat(40))), Err(ParseError::TooLong));
}

#[test]
fn round_trips_through_format() {
    for d in [
        Duration::ZERO,
        Duration::days(14),
        Duration::hours(1),
        Duration::days(3) + secs(14706) + Duration::microseconds(7),
        Duration::days(MAX_DAYS),
    ] {
        assert_eq!(parse(&format(d)), Some(d), "{}", format(d));
    }
}
