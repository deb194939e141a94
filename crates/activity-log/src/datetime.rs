//! ISO-8601 parsing as DRF's `DateTimeField` accepts it (Django `parse_datetime` plus
//! date-only), shared by the query parameters and HogQL `created_at` literals.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

pub(crate) const FORMAT_HELP: &str = "Datetime has wrong format. Use one of these formats instead: \
     YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";

/// `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DD[T| ]hh:mm[:ss[.f]][Z|±HH[[:]MM]]`; a value
/// without an offset is read as UTC.
pub(crate) fn parse(input: &str) -> Option<OffsetDateTime> {
    let s = input.trim().as_bytes();
    let date = parse_date(s.get(..10)?)?;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc());
    }
    if !matches!(rest[0], b'T' | b't' | b' ') {
        return None;
    }
    let (time, rest) = parse_time(&rest[1..])?;
    let offset = parse_offset(rest)?;
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u32, |acc, d| acc.checked_mul(10)?.checked_add(u32::from(d - b'0')))
}

fn parse_date(s: &[u8]) -> Option<Date> {
    if s.len() != 10 || s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(&s[..4])?).ok()?;
    let month = Month::try_from(u8::try_from(digits(&s[5..7])?).ok()?).ok()?;
    let day = u8::try_from(digits(&s[8..10])?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// `hh:mm[:ss[.f{1,9}]]`, returning the unparsed rest (the offset).
fn parse_time(s: &[u8]) -> Option<(Time, &[u8])> {
    if s.len() < 5 || s[2] != b':' {
        return None;
    }
    let hour = u8::try_from(digits(&s[..2])?).ok()?;
    let minute = u8::try_from(digits(&s[3..5])?).ok()?;
    let mut rest = &s[5..];
    let (mut second, mut nanos) = (0u8, 0u32);
    if rest.first() == Some(&b':') {
        second = u8::try_from(digits(rest.get(1..3)?)?).ok()?;
        rest = &rest[3..];
        if matches!(rest.first(), Some(b'.' | b',')) {
            let n = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
            if n == 0 || n > 9 {
                return None;
            }
            nanos = digits(&rest[1..=n])? * 10u32.pow(9 - u32::try_from(n).ok()?);
            rest = &rest[1 + n..];
        }
    }
    Some((Time::from_hms_nano(hour, minute, second, nanos).ok()?, rest))
}

fn parse_offset(s: &[u8]) -> Option<UtcOffset> {
    let s = match s.first() {
        None => return Some(UtcOffset::UTC),
        Some(b'Z' | b'z') if s.len() == 1 => return Some(UtcOffset::UTC),
        Some(b'+' | b'-') => s,
        _ => return None,
    };
    let sign: i8 = if s[0] == b'-' { -1 } else { 1 };
    let body = &s[1..];
    let (h, m) = match body.len() {
        2 => (&body[..2], &b"00"[..]),
        4 => (&body[..2], &body[2..]),
        5 if body[2] == b':' => (&body[..2], &body[3..]),
        _ => return None,
    };
    let h = i8::try_from(digits(h)?).ok()?;
    let m = i8::try_from(digits(m)?).ok()?;
    if h > 23 || m > 59 {
        return None;
    }
    UtcOffset::from_hms(sign * h, sign * m, 0).ok()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

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
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
