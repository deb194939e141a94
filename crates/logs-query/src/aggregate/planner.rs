//! Where counts come from: the per-minute rollups when they can answer, row scans where they
//! cannot (partial minutes at the edges, filters on row contents, sub-minute buckets).

use crate::interval::Interval;
use crate::record::Severity;
use crate::row_filter::RowFilter;
use crate::store::{CountCell, LogStore, ScanRequest, StoreError};

const MINUTE_US: i64 = 60_000_000;

/// Rows of one (service, severity) at one instant: a whole minute for rollup cells (`ts_us` is
/// the minute start), a single row for scanned rows (`ts_us` is its timestamp).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountRow<'a> {
    pub ts_us: i64,
    pub service_name: &'a str,
    pub severity: Severity,
    pub count: u64,
    pub bytes: u64,
}

/// Calls `sink` for the rows of `team_id` in `[from_us, to_us)` matching `filter`. Rows of a
/// minute may arrive as one rollup row stamped with the minute start, so only use this when
/// buckets are whole minutes (or there are no buckets).
pub fn for_each_count(
    store: &dyn LogStore,
    team_id: i64,
    from_us: i64,
    to_us: i64,
    filter: &RowFilter,
    sink: &mut dyn FnMut(&CountRow<'_>),
) -> Result<(), StoreError> {
    if from_us >= to_us {
        return Ok(());
    }
    let whole = whole_minutes(from_us, to_us);
    let Some((first, last)) = whole.filter(|_| rollups_can_answer(filter)) else {
        return scan_counts(store, team_id, from_us, to_us, filter, sink);
    };
    scan_counts(store, team_id, from_us, first, filter, sink)?;
    store.rollups(team_id, first, last, &mut |cell| {
        if cell_matches(filter, cell) {
            sink(&CountRow {
                ts_us: cell.minute_us,
                service_name: cell.service_name,
                severity: cell.severity,
                count: cell.count,
                bytes: cell.bytes,
            });
        }
    })?;
    scan_counts(store, team_id, last, to_us, filter, sink)
}

/// Like [`for_each_count`], but every row keeps its exact timestamp when `interval` is finer
/// than a minute (rollup cells would all land in the minute's first bucket).
pub fn for_each_count_in(
    store: &dyn LogStore,
    team_id: i64,
    from_us: i64,
    to_us: i64,
    interval: Interval,
    filter: &RowFilter,
    sink: &mut dyn FnMut(&CountRow<'_>),
) -> Result<(), StoreError> {
    if interval.seconds() % 60 == 0 {
        for_each_count(store, team_id, from_us, to_us, filter, sink)
    } else {
        scan_counts(store, team_id, from_us, to_us, filter, sink)
    }
}

/// Every matching row of `[from_us, to_us)`, one by one.
pub fn scan_counts(
    store: &dyn LogStore,
    team_id: i64,
    from_us: i64,
    to_us: i64,
    filter: &RowFilter,
    sink: &mut dyn FnMut(&CountRow<'_>),
) -> Result<(), StoreError> {
    if from_us >= to_us {
        return Ok(());
    }
    let req = ScanRequest { team_id, from_us, to_us, filter };
    store.scan(&req, &mut |r| {
        sink(&CountRow {
            ts_us: r.timestamp_us,
            service_name: &r.service_name,
            severity: r.severity,
            count: 1,
            bytes: u64::from(r.bytes),
        });
        true
    })
}

/// The minute-aligned `[first, last)` inside `[from_us, to_us)`, if it holds a minute.
fn whole_minutes(from_us: i64, to_us: i64) -> Option<(i64, i64)> {
    let rem = from_us.rem_euclid(MINUTE_US);
    let first = if rem == 0 { from_us } else { from_us.checked_add(MINUTE_US - rem)? };
    let last = to_us - to_us.rem_euclid(MINUTE_US);
    (first < last).then_some((first, last))
}

/// Rollup cells know the service and severity of their rows, nothing else. A resource
/// filter scans: the store prunes segments by their resource list, so that stays cheap.
fn rollups_can_answer(filter: &RowFilter) -> bool {
    filter.search_term_lower().is_none()
        && filter.filter_group().is_match_all()
        && filter.resource_fingerprint().is_none()
}

fn cell_matches(filter: &RowFilter, cell: &CountCell<'_>) -> bool {
    (filter.severities().is_empty() || filter.severities().contains(&cell.severity))
        && (filter.services().is_empty() || filter.services().iter().any(|s| s == cell.service_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_minutes_inside_a_range() {
        let m = MINUTE_US;
        assert_eq!(whole_minutes(0, 3 * m), Some((0, 3 * m)));
        assert_eq!(whole_minutes(1, 3 * m - 1), Some((m, 2 * m)));
        assert_eq!(whole_minutes(1, 2 * m - 1), None, "no whole minute");
        assert_eq!(whole_minutes(-m - 1, 0), Some((-m, 0)), "before the epoch");
        assert_eq!(whole_minutes(i64::MAX - 1, i64::MAX), None);
    }
}
