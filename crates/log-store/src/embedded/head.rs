//! The in-memory head: rows not yet in segments, per team in key order, and the key ranges
//! queries select.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use logs_query::{ListRequest, LogRecord, OrderBy};
use uuid::Uuid;

/// A row's position: ordered by timestamp, ties broken by uuid.
pub(crate) type Key = (i64, Uuid);
pub(crate) type TeamRows = Arc<RwLock<BTreeMap<Key, LogRecord>>>;

pub(crate) fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(PoisonError::into_inner)
}

/// Rows of every team appended since the head was created. The active head takes appends;
/// a frozen head is being written to segments and only read.
#[derive(Debug, Default)]
pub(crate) struct Head {
    teams: RwLock<HashMap<i64, TeamRows>>,
    rows: AtomicUsize,
    created: Mutex<Option<Instant>>,
}

impl Head {
    pub(crate) fn team(&self, team_id: i64) -> Option<TeamRows> {
        read(&self.teams).get(&team_id).cloned()
    }

    /// Every team's rows, by team id.
    pub(crate) fn teams(&self) -> Vec<(i64, TeamRows)> {
        let mut teams: Vec<_> = read(&self.teams).iter().map(|(t, h)| (*t, Arc::clone(h))).collect();
        teams.sort_unstable_by_key(|(t, _)| *t);
        teams
    }

    pub(crate) fn insert(&self, team_id: i64, records: Vec<LogRecord>) {
        let rows = match self.team(team_id) {
            Some(h) => h,
            None => {
                let mut teams = self.teams.write().unwrap_or_else(PoisonError::into_inner);
                Arc::clone(teams.entry(team_id).or_default())
            }
        };
        let mut added = 0;
        {
            let mut rows = rows.write().unwrap_or_else(PoisonError::into_inner);
            for r in records {
                added += usize::from(rows.insert((r.timestamp_us, r.uuid), r).is_none());
            }
        }
        self.rows.fetch_add(added, Ordering::AcqRel);
        self.created.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert_with(Instant::now);
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows.load(Ordering::Acquire)
    }

    /// Time since the first row went in; `None` while empty.
    pub(crate) fn age(&self) -> Option<Duration> {
        self.created.lock().unwrap_or_else(PoisonError::into_inner).map(|t| t.elapsed())
    }

    pub(crate) fn has_rows(&self, team_id: i64) -> bool {
        self.team(team_id).is_some_and(|h| !read(&h).is_empty())
    }

    /// Removes the team's rows older than `cutoff_us`; returns how many.
    pub(crate) fn drop_before(&self, team_id: i64, cutoff_us: i64) -> u64 {
        let Some(rows) = self.team(team_id) else { return 0 };
        let mut rows = rows.write().unwrap_or_else(PoisonError::into_inner);
        let keep = rows.split_off(&(cutoff_us, Uuid::nil()));
        let dropped = rows.len();
        *rows = keep;
        self.rows.fetch_sub(dropped, Ordering::AcqRel);
        dropped as u64
    }
}

/// Keys `lo..hi`, `lo` included or not, `hi` excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyRange {
    pub(crate) lo: Key,
    pub(crate) lo_inclusive: bool,
    pub(crate) hi: Key,
}

impl KeyRange {
    /// Rows with `from_us <= timestamp < to_us`; `None` if that is empty.
    pub(crate) fn time(from_us: i64, to_us: i64) -> Option<Self> {
        (from_us < to_us).then_some(Self {
            lo: (from_us, Uuid::nil()),
            lo_inclusive: true,
            hi: (to_us, Uuid::nil()),
        })
    }

    /// The time range narrowed by the cursor: latest-first pages end before it,
    /// earliest-first pages start after it.
    pub(crate) fn for_list(req: &ListRequest<'_>) -> Option<Self> {
        let mut r = Self { lo: (req.from_us, Uuid::nil()), lo_inclusive: true, hi: (req.to_us, Uuid::nil()) };
        if let Some(c) = req.after {
            let ck = (c.timestamp_us, c.uuid);
            match req.order {
                OrderBy::Latest => r.hi = r.hi.min(ck),
                OrderBy::Earliest if ck >= r.lo => {
                    r.lo = ck;
                    r.lo_inclusive = false;
                }
                OrderBy::Earliest => {}
            }
        }
        (r.lo < r.hi).then_some(r)
    }

    pub(crate) fn bounds(&self) -> (Bound<Key>, Bound<Key>) {
        let lo = if self.lo_inclusive { Bound::Included(self.lo) } else { Bound::Excluded(self.lo) };
        (lo, Bound::Excluded(self.hi))
    }

    /// Whether rows with timestamps in `min_ts..=max_ts` can fall in the range.
    pub(crate) fn overlaps(&self, min_ts: i64, max_ts: i64) -> bool {
        // A row at `hi.0` is in range only if its uuid sorts below `hi.1`.
        (min_ts < self.hi.0 || (min_ts == self.hi.0 && !self.hi.1.is_nil())) && max_ts >= self.lo.0
    }

    /// Whether a key sorts at or after the range start.
    pub(crate) fn after_lo(&self, k: &Key) -> bool {
        if self.lo_inclusive { *k >= self.lo } else { *k > self.lo }
    }
}
