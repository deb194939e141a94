//! A project timezone's UTC offset at an instant, read from the system tz database
//! (`/usr/share/zoneinfo`, TZif). Only quiet hours need it; unknown zones count as UTC.

use std::path::Path;

use time::{OffsetDateTime, UtcOffset};

const ZONEINFO: &str = "/usr/share/zoneinfo";
const HEADER: usize = 44;

/// The offset of `tz` at `at`; UTC when the zone is unknown or its file unreadable.
pub fn offset_at(tz: &str, at: OffsetDateTime) -> UtcOffset {
    offset_in(Path::new(ZONEINFO), tz, at).unwrap_or(UtcOffset::UTC)
}

fn offset_in(root: &Path, tz: &str, at: OffsetDateTime) -> Option<UtcOffset> {
    // Names are validated on write; still never leave the zoneinfo tree.
    let safe = !tz.is_empty()
        && tz.split('/').all(|p| {
            !p.is_empty() && p != ".." && p.chars().all(|c| c.is_ascii_alphanumeric() || "_+-".contains(c))
        });
    if !safe {
        return None;
    }
    let data = std::fs::read(root.join(tz)).ok()?;
    let seconds = tzif_offset(&data, at.unix_timestamp())?;
    UtcOffset::from_whole_seconds(seconds).ok()
}

fn be_u32(b: &[u8], at: usize) -> Option<usize> {
    let bytes: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    usize::try_from(u32::from_be_bytes(bytes)).ok()
}

/// (isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt) of the header at the start of `b`.
fn counts(b: &[u8]) -> Option<[usize; 6]> {
    if b.get(0..4)? != b"TZif" {
        return None;
    }
    let mut c = [0; 6];
    for (i, slot) in c.iter_mut().enumerate() {
        *slot = be_u32(b, 20 + 4 * i)?;
    }
    Some(c)
}

/// The UT offset (seconds) in effect at `at` per a TZif file (RFC 8536): the type of the
/// last transition at or before `at`, else the first type. Uses the 64-bit block of v2+.
fn tzif_offset(data: &[u8], at: i64) -> Option<i32> {
    let [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(data)?;
    let (block, tsize) = if *data.get(4)? >= b'2' {
        let v1 = timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
        (data.get(HEADER + v1..)?, 8)
    } else {
        (data, 4)
    };
    let [_, _, _, timecnt, typecnt, _] = counts(block)?;
    let times = block.get(HEADER..HEADER + timecnt * tsize)?;
    let idx = block.get(HEADER + timecnt * tsize..HEADER + timecnt * (tsize + 1))?;
    let types = block.get(HEADER + timecnt * (tsize + 1)..HEADER + timecnt * (tsize + 1) + typecnt * 6)?;
    let time_of = |i: usize| -> Option<i64> {
        let b = times.get(i * tsize..(i + 1) * tsize)?;
        Some(if tsize == 8 {
            i64::from_be_bytes(b.try_into().ok()?)
        } else {
            i64::from(i32::from_be_bytes(b.try_into().ok()?))
        })
    };
    let mut ty = 0usize;
    for i in 0..timecnt {
        if time_of(i)? > at {
            break;
        }
        ty = usize::from(*idx.get(i)?);
    }
    let b: [u8; 4] = types.get(ty * 6..ty * 6 + 4)?.try_into().ok()?;
    Some(i32::from_be_bytes(b))
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
        assert_eq!(tzif_offset(b"not a tz file", 0), None);
    }
}
