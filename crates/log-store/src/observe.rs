//! Events the store reports as they happen, for whoever keeps metrics (the server). The
//! store has no metrics library: it calls a [`StoreObserver`], set once with
//! [`EmbeddedStore::set_observer`](crate::EmbeddedStore::set_observer) or
//! [`Wal::set_observer`](crate::Wal::set_observer). Gauges (head rows, segments, bytes) are
//! read from [`StoreStats`](crate::StoreStats) instead.

use std::time::Duration;

/// How a unit of background work ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
        }
    }

    pub(crate) fn of<T, E>(r: &Result<T, E>) -> Self {
        if r.is_ok() { Outcome::Ok } else { Outcome::Failed }
    }
}

/// Called on the store's own threads (the appender leading a WAL group write, the
/// maintenance thread), some of them holding locks: implementations must be quick and
/// must not call back into the store.
pub trait StoreObserver: Send + Sync {
    /// A WAL group write was synced to disk; `sync` is how long `sync_data` took. Once per
    /// group, not per append.
    fn wal_synced(&self, _sync: Duration) {}

    /// A frozen head of `rows` rows was written to segments and published (or failed to be).
    fn head_sealed(&self, _outcome: Outcome, _rows: usize, _took: Duration) {}

    /// `segments` segments of one team and hour were merged into one (or failed to be).
    fn compacted(&self, _outcome: Outcome, _segments: usize, _took: Duration) {}
}
