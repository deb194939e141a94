//! The rows simulate replays: slicing, per-slice counts from rollups, a share of the row
//! budget per slice, parallel reads, and the joined replay timeline.

use logs_query::aggregate::for_each_count;
use logs_query::{ListRequest, LogRecord, LogStore, OrderBy, RowFilter};

use crate::error::Result;

pub const SLICES: i64 = 100;
const MINUTE_US: i64 = 60_000_000;

/// One row to replay: its replay time, its weight (stored rows it stands for), the row.
pub(super) type Weighted = (i64, f64, LogRecord);

/// What the read found: rows in replay order, whether any slice was truncated, and the
/// rows stored in the window (exact for slices read whole, rollup counts otherwise).
pub(super) struct Read {
    pub rows: Vec<Weighted>,
    pub truncated: bool,
    pub stored: u64,
}

/// Slice edges cutting `[from_us, to_us)` into about `SLICES` slices. Inner edges fall on
/// whole minutes so each rollup minute lies in one slice (its count is exact there); the
/// partial minutes at the window's ends make slices of their own. A window without a whole
/// minute is cut into equal slices.
pub(super) fn edges(from_us: i64, to_us: i64) -> Vec<i64> {
    let first = from_us.saturating_add(MINUTE_US - 1).div_euclid(MINUTE_US) * MINUTE_US;
    let last = to_us.div_euclid(MINUTE_US) * MINUTE_US;
    if first >= last {
        let span = i128::from(to_us) - i128::from(from_us);
        let n = i128::from(SLICES).min(span).max(1);
        // Within [from_us, to_us] by construction, so the conversion cannot fail.
        return (0..=n).map(|k| from_us + i64::try_from(span * k / n).unwrap_or(0)).collect();
    }
    let minutes = (last - first) / MINUTE_US;
    let n = minutes.min(SLICES);
    let whole = (0..=n).map(|k| first + MINUTE_US * (minutes * k / n));
    let mut out: Vec<i64> = (from_us < first).then_some(from_us).into_iter().chain(whole).collect();
    if last < to_us {
        out.push(to_us);
    }
    out
}

/// Rows stored per slice: the per-minute rollups (segment metadata, no row read) and exact
/// scans of the partial minutes at the window's ends, as `logs/count` does. A rollup row is
/// stamped with its minute's start, and [`edges`] never cuts a whole minute.
pub(super) fn stored_per_slice(store: &dyn LogStore, team: i64, edges: &[i64]) -> Result<Vec<f64>> {
    let mut out = vec![0.0; edges.len() - 1];
    let (from, to) = (edges[0], edges[edges.len() - 1]);
    for_each_count(store, team, from, to, &RowFilter::default(), &mut |c| {
        let k = edges.partition_point(|&e| e <= c.ts_us).saturating_sub(1);
        if let Some(n) = out.get_mut(k) {
            *n += c.count as f64;
        }
    })?;
    Ok(out)
}

/// Rows to read per slice. Everything fits: `max_rows` each (a slice cannot hold more).
/// Otherwise a share of `max_rows` proportional to the slice's count, at least 2 (a block
/// of one row has no span); the weights in [`read`] absorb the rounding.
pub(super) fn allocate(stored: &[f64], max_rows: usize) -> Vec<usize> {
    let total: f64 = stored.iter().sum();
    let max_rows = max_rows.max(2);
    if total <= max_rows as f64 {
        return vec![max_rows; stored.len()];
    }
    stored.iter().map(|c| ((max_rows as f64 * c / total).round() as usize).max(2)).collect()
}

/// Reads each slice's first `want` rows (oldest first), slices in parallel. Plain scoped
/// threads: one parallel loop does not warrant a thread-pool dependency.
fn list_slices(store: &dyn LogStore, team: i64, plan: &[(i64, i64, usize)]) -> Result<Vec<Vec<LogRecord>>> {
    let filter = RowFilter::default();
    let list = |&(from_us, to_us, limit): &(i64, i64, usize)| {
        store.list(&ListRequest {
            team_id: team,
            from_us,
            to_us,
            filter: &filter,
            order: OrderBy::Earliest,
            after: None,
            observed_from_us: None,
            limit,
        })
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4).min(plan.len());
    if threads <= 1 {
        return Ok(plan.iter().map(list).collect::<std::result::Result<_, _>>()?);
    }
    let list = &list;
    let mut out: Vec<Vec<LogRecord>> = vec![Vec::new(); plan.len()];
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let mine = plan.iter().enumerate().skip(t).step_by(threads);
                    mine.map(|(i, p)| list(p).map(|rows| (i, rows)))
                        .collect::<std::result::Result<Vec<_>, _>>()
                })
            })
            .collect();
        for w in workers {
            let done = w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            for (i, rows) in done {
                out[i] = rows;
            }
        }
        Ok::<_, crate::SamplingError>(())
    })?;
    Ok(out)
}

/// The rows of `[edges[0], edges[last])` to replay, in replay-time order. A slice read whole
/// keeps its real times; a truncated one is a contiguous block of real traffic, and blocks
/// are joined end to end (each lasting its span × n/(n−1)) so rate limits see the real
/// density without the refill a gap between blocks would give.
pub(super) fn read(store: &dyn LogStore, team: i64, edges: &[i64], max_rows: usize) -> Result<Read> {
    let counts = stored_per_slice(store, team, edges)?;
    let want = allocate(&counts, max_rows);
    let plan: Vec<(i64, i64, usize)> = edges.windows(2).zip(&want).map(|(e, &w)| (e[0], e[1], w)).collect();
    let slices = list_slices(store, team, &plan)?;
    let (mut rows, mut truncated, mut stored, mut cursor) = (Vec::new(), false, 0.0, edges[0]);
    for ((&(start, end, limit), slice), est) in plan.iter().zip(slices).zip(counts) {
        let whole = slice.len() < limit;
        truncated |= !whole;
        let n = slice.len();
        let here = if whole { n as f64 } else { est.max(n as f64) };
        stored += here;
        let weight = if n == 0 { 0.0 } else { here / n as f64 };
        let first = if whole { start } else { slice.first().map_or(start, |r| r.timestamp_us) };
        let last = slice.last().map_or(start, |r| r.timestamp_us);
        rows.extend(slice.into_iter().map(|r| (cursor + (r.timestamp_us - first), weight, r)));
        // n rows spanning `last - first` stand for n gaps of real traffic, not n - 1.
        cursor += if whole { end - start } else { (last - first) * n as i64 / (n as i64 - 1).max(1) + 1 };
    }
    Ok(Read { rows, truncated, stored: stored.round() as u64 })
}

#[cfg(test)]
#[path = "simulate_read_tests.rs"]
mod tests;
