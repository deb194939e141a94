//! A project timezone's UTC offset at an instant, from the system tz database (through
//! jiff). Only quiet hours need it; unknown zones count as UTC.

use time::{OffsetDateTime, UtcOffset};

/// The offset of `tz` at `at`; UTC when the zone is unknown.
pub fn offset_at(tz: &str, at: OffsetDateTime) -> UtcOffset {
    let Ok(zone) = jiff::tz::TimeZone::get(tz) else { return UtcOffset::UTC };
    let Ok(ts) = jiff::Timestamp::from_second(at.unix_timestamp()) else { return UtcOffset::UTC };
    UtcOffset::from_whole_seconds(zone.to_offset(ts).seconds()).unwrap_or(UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn offsets_follow_daylight_saving_and_unknown_is_utc() {
        let berlin_winter = offset_at("Europe/Berlin", datetime!(2025-01-15 12:00 UTC));
        let berlin_summer = offset_at("Europe/Berlin", datetime!(2025-07-15 12:00 UTC));
        assert_eq!((berlin_winter.whole_hours(), berlin_summer.whole_hours()), (1, 2));
        assert_eq!(offset_at("America/New_York", datetime!(2025-01-15 12:00 UTC)).whole_hours(), -5);
        assert_eq!(offset_at("UTC", datetime!(2025-01-15 12:00 UTC)), UtcOffset::UTC);
        assert_eq!(offset_at("Nowhere/Atlantis", datetime!(2025-01-15 12:00 UTC)), UtcOffset::UTC);
        assert_eq!(offset_at("../etc/passwd", datetime!(2025-01-15 12:00 UTC)), UtcOffset::UTC);
    }
}
