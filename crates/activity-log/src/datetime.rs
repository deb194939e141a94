//! ISO-8601 parsing as DRF's `DateTimeField` accepts it (Django `parse_datetime` plus
//! date-only): the query parameters and HogQL `created_at` literals here, and every
//! absolute date of the logs queries (`logs_query::timefmt`).

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::parsing::Parsed;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

pub(crate) const FORMAT_HELP: &str = "Datetime has wrong format. Use one of these formats instead: \
     YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";

/// `time`'s well-known `Iso8601` also takes week dates, ordinal dates and the basic format,
/// which neither DRF nor PostHog accept; this is the subset they do.
const ISO: &[BorrowedFormatItem<'_>] = format_description!(
    "[year range:standard]-[month]-[day]\
     [optional [[first [T][t][ ]][hour]:[minute][optional [:[second][optional [[first [.][,]][subsecond]]]]]\
     [optional [[first [Z][z][[offset_hour sign:mandatory][optional [[optional [:]][offset_minute]]]]]]]]]"
);

/// `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DD[T| ]hh:mm[:ss[.f{1,9}]][Z|±HH[[:]MM]]`, with
/// surrounding whitespace ignored and `,` allowed for `.`; a value without an offset is
/// read as UTC. The offset is kept as written.
pub fn parse_iso8601(input: &str) -> Option<OffsetDateTime> {
    let s = input.trim();
    // `[year]` would also take a leading sign.
    if !s.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    // `[subsecond]` would drop digits after the ninth instead of refusing them.
    if s.split(['.', ',']).nth(1).is_some_and(|f| f.bytes().take_while(u8::is_ascii_digit).count() > 9) {
        return None;
    }
    let mut parsed = Parsed::new();
    if !parsed.parse_items(s.as_bytes(), ISO).ok()?.is_empty() {
        return None;
    }
    let date = Date::try_from(parsed).ok()?;
    let time = if parsed.hour_24().is_some() { Time::try_from(parsed).ok()? } else { Time::MIDNIGHT };
    let offset = match parsed.offset_hour() {
        None => UtcOffset::UTC,
        // `time` goes up to ±25 h; real offsets (and Django) stop at ±23:59.
        Some(h) if h.abs() > 23 => return None,
        Some(_) => UtcOffset::try_from(parsed).ok()?,
    };
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn parse(s: &str) -> Option<OffsetDateTime> {
        parse_iso8601(s)
    }

    #[test]
    fn accepts_the_drf_forms() {
        assert_eq!(parse("2024-01-02"), Some(datetime!(2024-01-02 0:00 UTC)));
        assert_eq!(parse("2024-01-02T03:04"), Some(datetime!(2024-01-02 3:04 UTC)));
        assert_eq!(parse("2024-01-02 03:04:05"), Some(datetime!(2024-01-02 3:04:05 UTC)));
        assert_eq!(parse("2024-01-02T03:04:05Z"), Some(datetime!(2024-01-02 3:04:05 UTC)));
        assert_eq!(parse("2024-01-02T03:04:05.123456Z"), Some(datetime!(2024-01-02 3:04:05.123456 UTC)));
        assert_eq!(parse("2024-01-02T03:04:05.5+02:00"), Some(datetime!(2024-01-02 3:04:05.5 +2)));
        assert_eq!(parse("2024-01-02T03:04:05-0130"), Some(datetime!(2024-01-02 3:04:05 -1:30)));
        assert_eq!(parse("2024-01-02T03:04:05+05"), Some(datetime!(2024-01-02 3:04:05 +5)));
        assert_eq!(parse(" 2024-01-02T03:04:05z "), Some(datetime!(2024-01-02 3:04:05 UTC)));
    }

    #[test]
    fn keeps_the_offset_and_its_sign() {
        let t = parse("2024-01-02t03:04:05,25-00:30").unwrap();
        assert_eq!(t, datetime!(2024-01-02 3:04:05.25 -0:30));
        assert_eq!(t.offset(), UtcOffset::from_hms(0, -30, 0).unwrap());
        assert_eq!(parse("2024-01-02T03:04Z"), Some(datetime!(2024-01-02 3:04 UTC)));
        assert_eq!(parse("2024-01-02T03:04:05.123456789+23:59").unwrap().nanosecond(), 123_456_789);
    }

    #[test]
    fn rejects_malformed_values() {
        for bad in [
            "",
            "yesterday",
            "2024-1-02",
            "2024-13-01",
            "2024-02-30",
            "2024-01-02T25:00",
            "2024-01-02T03",
            "2024-01-02T03:04:05.",
            "2024-01-02T03:04:05.1234567890",
            "2024-01-02T03:04:05+2",
            "2024-01-02T03:04:05+24:00",
            "2024-01-02T03:04:05 UTC",
            "2024-01-02X03:04",
            "１２３４-01-02",
            "+2024-01-02",
            "2024-01-02Z",
            "2024-01-02T03:04:60",
            "2024-01-02T03:04:05+02:",
            "2024-01-02T03:04:05+0:200",
            "2024-01-02T03:04.5",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
