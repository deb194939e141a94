//! Check scheduling and evaluation windows (spec §3.3).

use time::{Duration, OffsetDateTime, UtcOffset};

use crate::config::ThresholdOperator;
use crate::state::AlertState;

/// Server-managed check interval.
pub const CHECK_INTERVAL: Duration = Duration::minutes(5);
/// A checkpoint further behind `date_to` than this is ignored.
pub const MAX_CHECKPOINT_LAG: Duration = Duration::minutes(5);

/// Whether the scheduler should evaluate the alert on this tick.
pub fn is_due(
    enabled: bool,
    state: AlertState,
    next_check_at: Option<OffsetDateTime>,
    snooze_until: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> bool {
    let snoozed = state == AlertState::Snoozed && snooze_until.is_some_and(|u| u > now);
    enabled && next_check_at.is_none_or(|n| n <= now) && state != AlertState::Broken && !snoozed
}

/// Floors to the 5-minute grid counted from UTC midnight (also drops sub-seconds).
fn floor_to_grid(t: OffsetDateTime) -> OffsetDateTime {
    let secs = t.unix_timestamp();
    let step = CHECK_INTERVAL.whole_seconds();
    let floored = secs - secs.rem_euclid(step);
    OffsetDateTime::from_unix_timestamp(floored).map(|f| f.to_offset(UtcOffset::UTC)).unwrap_or(t)
}

/// The next check time after a check at `now`: one interval on, skipping
/// intervals that were missed, aligned to the grid and strictly after `now`.
pub fn advance(next_check_at: Option<OffsetDateTime>, now: OffsetDateTime) -> OffsetDateTime {
    let mut next = next_check_at.unwrap_or(now) + CHECK_INTERVAL;
    if next <= now {
        // Skip whole missed intervals rather than replaying them one tick at a time.
        let missed = (now - next).whole_seconds() / CHECK_INTERVAL.whole_seconds() + 1;
        next += CHECK_INTERVAL * i32::try_from(missed).unwrap_or(i32::MAX);
    }
    let floored = floor_to_grid(next);
    if floored <= now { floored + CHECK_INTERVAL } else { floored }
}

/// The end of the newest evaluation window. Anchored on the schedule, not the
/// wall clock, so retries see the same windows; held back to the ingestion
/// checkpoint when that is fresh, so half-ingested minutes are not counted.
pub fn anchor(
    next_check_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
    checkpoint: Option<OffsetDateTime>,
) -> OffsetDateTime {
    let date_to = next_check_at.unwrap_or(now);
    match checkpoint {
        Some(c) if c >= date_to - MAX_CHECKPOINT_LAG => date_to.min(c),
        _ => date_to,
    }
}

/// Half-open window `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
}

/// The M rolling windows, newest first: window k = `[date_to − k·5min − window, date_to − k·5min)`.
pub fn windows(date_to: OffsetDateTime, window_minutes: u32, evaluation_periods: u32) -> Vec<Window> {
    let len = Duration::minutes(i64::from(window_minutes));
    (0..evaluation_periods.max(1))
        .map(|k| {
            let end = date_to - CHECK_INTERVAL * k;
            Window { start: end - len, end }
        })
        .collect()
}

/// Per-window outcomes derived from the counts (newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breaches {
    /// The newest window's count.
    pub result_count: u64,
    pub breached: bool,
    /// Older windows' outcomes, newest first, padded to M − 1.
    pub recent: Vec<bool>,
}

/// Turns window counts into breach outcomes. Missing windows (fewer than M counts)
/// take the outcome a zero count would have.
pub fn breaches(
    counts: &[u64],
    operator: ThresholdOperator,
    threshold: u64,
    evaluation_periods: u32,
) -> Breaches {
    let m = usize::try_from(evaluation_periods.max(1)).unwrap_or(usize::MAX);
    let mut outcomes = counts.iter().take(m).map(|&c| operator.breached(c, threshold)).collect::<Vec<_>>();
    outcomes.resize(m, operator.breached(0, threshold));
    let result_count = counts.first().copied().unwrap_or(0);
    let breached = outcomes.first().copied().unwrap_or(false);
    Breaches { result_count, breached, recent: outcomes.into_iter().skip(1).collect() }
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
