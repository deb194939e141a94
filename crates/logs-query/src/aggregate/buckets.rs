//! Counts in consecutive equal buckets: what alert checks (M rolling windows) and alert
//! simulation (cadence buckets over history) ask for.

use super::planner::for_each_count;
use crate::row_filter::RowFilter;
use crate::store::{LogStore, StoreError};

const MINUTE_US: i64 = 60_000_000;

/// Matching rows of `team_id` in each of `n` buckets `[start + i·step, start + (i+1)·step)`.
/// When the buckets are whole minutes one pass answers all of them from rollups (a rollup
/// row stamped with its minute start lands in the right bucket); otherwise each bucket is
/// counted on its own so partial minutes at its edges are scanned.
pub fn bucket_counts(
    store: &dyn LogStore,
    team_id: i64,
    filter: &RowFilter,
    start_us: i64,
    step_us: i64,
    n: usize,
) -> Result<Vec<u64>, StoreError> {
    let mut out = vec![0u64; n];
    if n == 0 || step_us <= 0 {
        return Ok(out);
    }
    let end_us = start_us.saturating_add(step_us.saturating_mul(n as i64));
    if start_us.rem_euclid(MINUTE_US) == 0 && step_us % MINUTE_US == 0 {
        for_each_count(store, team_id, start_us, end_us, filter, &mut |row| {
            let i = (row.ts_us - start_us).div_euclid(step_us);
            if let Some(slot) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
                *slot += row.count;
            }
        })?;
        return Ok(out);
    }
    for (i, slot) in out.iter_mut().enumerate() {
        let from = start_us + step_us * i as i64;
        for_each_count(store, team_id, from, from + step_us, filter, &mut |row| *slot += row.count)?;
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::mem_store::MemStore;
    use crate::testutil::record;
    use crate::{LogRecord, LogsQuery};

    #[test]
    fn aligned_and_unaligned_buckets_count_the_same_rows() {
        // One row every 20 s for 30 minutes.
        let base = 1_700_000_000_000_000i64 - 1_700_000_000_000_000i64.rem_euclid(MINUTE_US);
        let rows = (0..90).map(|i| LogRecord { timestamp_us: base + i * 20_000_000, ..record() }).collect();
        let store = MemStore::with_team(1, rows);
        let f = LogsQuery::default().row_filter();
        let aligned = bucket_counts(&store, 1, &f, base, 5 * MINUTE_US, 6).unwrap();
        assert_eq!(aligned, vec![15; 6]);
        // Shifted by 10 s: the first bucket misses the row at `base`.
        let shifted = bucket_counts(&store, 1, &f, base + 10_000_000, 5 * MINUTE_US, 6).unwrap();
        assert_eq!(shifted, vec![15, 15, 15, 15, 15, 14]);
        assert_eq!(bucket_counts(&store, 2, &f, base, 5 * MINUTE_US, 2).unwrap(), vec![0, 0]);
        assert!(bucket_counts(&store, 1, &f, base, 5 * MINUTE_US, 0).unwrap().is_empty());
    }
}
