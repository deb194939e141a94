//! `schedule_restriction` (quiet hours) validation and normalisation (spec §3.1).
//! Times are wall-clock `HH:MM` in the project timezone; a window may wrap midnight.

use serde::{Deserialize, Serialize};

use time::{Duration, OffsetDateTime, UtcOffset};

use crate::config::ConfigError;

pub const MAX_BLOCKED_WINDOWS: usize = 5;
pub const MIN_WINDOW_MINUTES: u16 = 30;
const DAY: u16 = 24 * 60;
const ATTR: &str = "schedule_restriction";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockedWindow {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ScheduleRestriction {
    #[serde(default)]
    pub blocked_windows: Vec<BlockedWindow>,
}

fn err(detail: String) -> ConfigError {
    ConfigError { attr: Some(ATTR), detail }
}

fn parse_hhmm(s: &str) -> Result<u16, ConfigError> {
    let bad = || err(format!("Invalid time '{s}'; expected HH:MM."));
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn fmt_hhmm(min: u16) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

/// Validates and merges overlapping windows. `None` (or no windows) clears the restriction.
pub fn normalize(r: Option<&ScheduleRestriction>) -> Result<Option<ScheduleRestriction>, ConfigError> {
    let Some(r) = r.filter(|r| !r.blocked_windows.is_empty()) else {
        return Ok(None);
    };
    if r.blocked_windows.len() > MAX_BLOCKED_WINDOWS {
        return Err(err(format!("At most {MAX_BLOCKED_WINDOWS} blocked windows are allowed.")));
    }
    // Mark blocked minutes on the 24h circle; merging is then just reading off the runs.
    let mut blocked = vec![false; usize::from(DAY)];
    for w in &r.blocked_windows {
        let (start, end) = (parse_hhmm(&w.start)?, parse_hhmm(&w.end)?);
        let len = (end + DAY - start) % DAY;
        if len < MIN_WINDOW_MINUTES {
            return Err(err(format!("Each blocked window must be at least {MIN_WINDOW_MINUTES} minutes.")));
        }
        for i in 0..len {
            blocked[usize::from((start + i) % DAY)] = true;
        }
    }
    // Start reading at a free minute so a run wrapping midnight stays one window.
    let Some(free) = blocked.iter().position(|b| !b) else {
        return Err(err("Blocked windows cannot cover the whole day.".to_owned()));
    };
    let mut windows = Vec::new();
    let mut run_start: Option<usize> = None;
    for k in 1..=usize::from(DAY) {
        let i = (free + k) % usize::from(DAY);
        match (blocked[i], run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(s)) => {
                let (s, e) = (u16::try_from(s).unwrap_or(0), u16::try_from(i).unwrap_or(0));
                windows.push(BlockedWindow { start: fmt_hhmm(s), end: fmt_hhmm(e) });
                run_start = None;
            }
            _ => {}
        }
    }
    windows.sort_by(|a, b| a.start.cmp(&b.start));
    Ok(Some(ScheduleRestriction { blocked_windows: windows }))
}

/// Moves a check time out of the blocked windows (already normalised), then up
/// onto the 5-minute grid. `offset` is the project timezone's offset at that time.
pub fn push_past(next: OffsetDateTime, r: &ScheduleRestriction, offset: UtcOffset) -> OffsetDateTime {
    let spans: Vec<(u16, u16)> = r
        .blocked_windows
        .iter()
        .filter_map(|w| Some((parse_hhmm(&w.start).ok()?, parse_hhmm(&w.end).ok()?)))
        .collect();
    let mut t = next;
    // Bounded: each pass leaves one window, and windows are disjoint after merging.
    for _ in 0..=spans.len() {
        let local = t.to_offset(offset);
        let minute = u16::from(local.hour()) * 60 + u16::from(local.minute());
        let inside = spans.iter().find_map(|&(s, e)| {
            let len = (e + DAY - s) % DAY;
            let into = (minute + DAY - s) % DAY;
            (into < len).then(|| len - into)
        });
        let Some(left) = inside else { break };
        let base = local.replace_second(0).unwrap_or(local).replace_nanosecond(0).unwrap_or(local);
        t = ceil_to_grid(base + Duration::minutes(i64::from(left))).to_offset(next.offset());
    }
    t
}

fn ceil_to_grid(t: OffsetDateTime) -> OffsetDateTime {
    let secs = t.unix_timestamp();
    let rem = secs.rem_euclid(300);
    if rem == 0 && t.nanosecond() == 0 {
        t
    } else {
        t + Duration::seconds(300 - rem) - Duration::nanoseconds(i64::from(t.nanosecond()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn r(ws: &[(&str, &str)]) -> ScheduleRestriction {
        let blocked_windows =
            ws.iter().map(|(s, e)| BlockedWindow { start: (*s).to_owned(), end: (*e).to_owned() }).collect();
        ScheduleRestriction { blocked_windows }
    }

    fn norm(ws: &[(&str, &str)]) -> Result<Vec<(String, String)>, ConfigError> {
        let out = normalize(Some(&r(ws)))?.unwrap();
        Ok(out.blocked_windows.into_iter().map(|w| (w.start, w.end)).collect())
    }

    fn pairs(ws: &[(&str, &str)]) -> Vec<(String, String)> {
        ws.iter().map(|(s, e)| ((*s).to_owned(), (*e).to_owned())).collect()
    }

    #[test]
    fn empty_or_null_clears() {
        assert_eq!(normalize(None), Ok(None));
        assert_eq!(normalize(Some(&r(&[]))), Ok(None));
    }

    #[test]
    fn overlapping_windows_merge_and_wrap_midnight() {
        assert_eq!(norm(&[("09:00", "10:00"), ("09:30", "11:00")]), Ok(pairs(&[("09:00", "11:00")])));
        assert_eq!(norm(&[("22:00", "02:00"), ("01:00", "03:00")]), Ok(pairs(&[("22:00", "03:00")])));
        assert_eq!(
            norm(&[("13:00", "14:00"), ("01:00", "02:00")]),
            Ok(pairs(&[("01:00", "02:00"), ("13:00", "14:00")]))
        );
        // Touching windows merge too.
        assert_eq!(norm(&[("09:00", "10:00"), ("10:00", "10:30")]), Ok(pairs(&[("09:00", "10:30")])));
    }

    #[test]
    fn push_past_blocked_windows() {
        use time::macros::{datetime, offset};
        let q = normalize(Some(&r(&[("22:00", "06:00"), ("12:00", "12:32")]))).unwrap().unwrap();
        let utc = UtcOffset::UTC;
        // Outside any window: unchanged.
        let t = datetime!(2025-03-01 10:05 UTC);
        assert_eq!(push_past(t, &q, utc), t);
        // Inside the overnight window: moved to its end, next day when past midnight.
        assert_eq!(push_past(datetime!(2025-03-01 23:10 UTC), &q, utc), datetime!(2025-03-02 06:00 UTC));
        assert_eq!(push_past(datetime!(2025-03-02 05:55 UTC), &q, utc), datetime!(2025-03-02 06:00 UTC));
        // Window end off the grid: rounded up.
        assert_eq!(push_past(datetime!(2025-03-01 12:00 UTC), &q, utc), datetime!(2025-03-01 12:35 UTC));
        // Windows are local time: 21:30 UTC is 22:30 at +01:00, blocked until 06:00 local.
        let got = push_past(datetime!(2025-03-01 21:30 UTC), &q, offset!(+1));
        assert_eq!(got, datetime!(2025-03-02 05:00 UTC));
        assert_eq!(got.offset(), UtcOffset::UTC);
    }

    #[test]
    fn limits() {
        let six = [("00:00", "01:00"); 6];
        assert_eq!(norm(&six).unwrap_err().detail, "At most 5 blocked windows are allowed.");
        assert_eq!(
            norm(&[("09:00", "09:29")]).unwrap_err().detail,
            "Each blocked window must be at least 30 minutes."
        );
        assert_eq!(norm(&[("09:00", "09:30")]), Ok(pairs(&[("09:00", "09:30")])));
        assert_eq!(norm(&[("09:00", "09:00")]).unwrap_err().attr, Some("schedule_restriction"));
        assert_eq!(norm(&[("9:00", "10:00")]).unwrap_err().detail, "Invalid time '9:00'; expected HH:MM.");
        assert!(norm(&[("24:00", "01:00")]).is_err());
        let whole = norm(&[("00:00", "12:00"), ("12:00", "00:00")]).unwrap_err();
        assert_eq!(whole.detail, "Blocked windows cannot cover the whole day.");
    }
}
