//! `logs/count` and `logs/count-ranges` (specs/logs.md 2.3, 2.4).

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::planner::{for_each_count, for_each_count_in};
use crate::interval::{self, Interval};
use crate::{LogStore, LogsError, LogsQuery, ScanRequest};

/// Rows matching the query's filters in `[date_from, date_to)`.
pub fn count(
    store: &dyn LogStore,
    team_id: i64,
    q: &LogsQuery,
    now: OffsetDateTime,
) -> Result<u64, LogsError> {
    let (from_us, to_us) = q.time_range_us(now)?;
    let filter = q.row_filter();
    let req = ScanRequest { team_id, from_us, to_us, filter: &filter };
    if let Some(n) = store.count_matching(&req)? {
        return Ok(n);
    }
    let mut total = 0u64;
    for_each_count(store, team_id, from_us, to_us, &filter, &mut |row| total += row.count)?;
    Ok(total)
}

/// One non-empty bucket: `[from_us, to_us)` holds `count` matching rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountRange {
    pub from_us: i64,
    pub to_us: i64,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRanges {
    /// Ascending; empty buckets are left out.
    pub ranges: Vec<CountRange>,
    pub interval: Interval,
}

/// Counts per adaptive bucket (`targetBuckets` of them, roughly). A bucket spans a whole
/// interval even where the window cuts it: rows outside the window are not counted.
pub fn count_ranges(
    store: &dyn LogStore,
    team_id: i64,
    q: &LogsQuery,
    now: OffsetDateTime,
) -> Result<CountRanges, LogsError> {
    let (from_us, to_us) = q.time_range_us(now)?;
    let interval = interval::pick(from_us, to_us, q.target_buckets);
    let mut buckets: BTreeMap<i64, u64> = BTreeMap::new();
    for_each_count_in(store, team_id, from_us, to_us, interval, &q.row_filter(), &mut |row| {
        *buckets.entry(interval::bucket_start(row.ts_us, interval)).or_default() += row.count;
    })?;
    let ranges = buckets
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(start, count)| CountRange {
            from_us: start,
            to_us: start.saturating_add(interval.micros()),
            count,
        })
        .collect();
    Ok(CountRanges { ranges, interval })
}
