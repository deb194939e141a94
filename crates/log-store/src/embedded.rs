//! [`EmbeddedStore`]: the embedded implementation of [`logs_query::LogStore`]: a WAL, an
//! in-memory head and immutable Arrow IPC segments (docs/decisions/0004-log-store.md).
//!
//! * `append` encodes the batch, makes it durable with `Wal::append`, then inserts it into the
//!   active head, both under the shared side of the append gate: nothing is visible before it
//!   is durable.
//! * **Sealing** (background when the head reaches [`StoreOptions::seal_rows`] rows or
//!   [`StoreOptions::seal_age`], and on [`EmbeddedStore::flush`]): the exclusive side of the
//!   gate is held only to swap the active head for an empty one, note the last WAL position
//!   and start a new WAL file. The frozen head stays queryable while its rows are written as
//!   one segment per team and UTC hour; then the state file commits the WAL position, the
//!   segments replace the frozen head in one step, and the WAL is truncated through it.
//! * Open loads every segment's metadata (checking its checksum and the data file's length;
//!   damaged segments go to `<dir>/quarantine/`), then replays WAL frames past the committed
//!   position into the head. It does not read segment data: maintenance scrubs each data
//!   file's checksum in the background, and every block read checks its own.
//! * Queries take a snapshot (heads + the team's segments) and prune segments and batches by
//!   their metadata; see `query` and `aggregate`.
//! * Compaction merges a team-hour's small segments; retention drops whole segments and head
//!   rows (`seal` module).
//! * `checkpoint_us`: every record with `observed_timestamp_us` below it is queryable. It is
//!   the smallest `observed_timestamp_us` of any batch still being made durable (in flight),
//!   else one past the largest `observed_timestamp_us` made visible, else 0 for an empty
//!   store. Caveat: a batch appended *later* whose observed time is older than the current
//!   checkpoint (ingest clocks are not coordinated with this) can still be missed by a live
//!   tail.

mod aggregate;
mod budget;
mod compact;
mod count;
mod eval;
mod head;
mod maintain;
mod open;
mod query;
mod seal;
mod state;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use logs_query::{
    AttributeStatsRequest, CountCell, ListRequest, LogRecord, LogStore, ScanRequest, StoreError,
};

use crate::codec::encode_batch;
use crate::observe::StoreObserver;
use crate::segment::cache::BatchCache;
use crate::wal::{Lsn, Replay, Wal, WalOptions, WalStats};
pub use budget::BudgetStats;
use budget::MemoryBudget;
use head::read;
use state::{Durable, Published};

/// Tuning knobs; [`Default`] is what the server uses.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Seal the head once it holds this many rows (all teams together).
    pub seal_rows: usize,
    /// Seal the head once its oldest row has waited this long.
    pub seal_age: Duration,
    /// Rows per segment record batch: the unit a query decodes.
    pub batch_rows: usize,
    /// zstd level for compacted segment data: higher is smaller and slower to write
    /// (background work), no slower to read.
    pub zstd_level: i32,
    /// zstd level for segments fresh from the head. Sealing keeps pace with ingest, so it
    /// is cheaper; compaction rewrites most of them at `zstd_level`.
    pub seal_zstd_level: i32,
    /// Byte budget of the decoded-batch cache.
    pub cache_bytes: usize,
    /// Decoded data all running queries may hold at once (beyond the cache): a query that
    /// would exceed it waits for others to give memory back.
    pub query_memory_bytes: usize,
    /// Compact a team-hour once it has this many segments...
    pub compact_min_segments: usize,
    /// ...or two or more whose rows add up to less than this.
    pub compact_small_rows: u64,
    /// Never produce a compacted segment larger than this.
    pub compact_max_rows: u64,
    /// Run sealing and compaction in a background thread. Off, only `flush`/`compact` do.
    pub background: bool,
    pub wal: WalOptions,
    /// Test hook: stop sealing at this point, as a crash there would.
    #[doc(hidden)]
    pub crash_point: Option<CrashPoint>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            seal_rows: 250_000,
            seal_age: Duration::from_secs(10),
            batch_rows: 8192,
            zstd_level: 6,
            seal_zstd_level: 3,
            cache_bytes: 256 << 20,
            query_memory_bytes: DEFAULT_QUERY_MEMORY_BYTES,
            compact_min_segments: 4,
            compact_small_rows: 100_000,
            compact_max_rows: 2_000_000,
            background: true,
            wal: WalOptions::default(),
            crash_point: None,
        }
    }
}

#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// Segments are written but the state file is not updated (not committed).
    BeforeCommit,
    /// Committed and published, but the WAL is not truncated.
    BeforeTruncate,
}

/// What [`EmbeddedStore::open`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// Records decoded from the WAL and put in the head.
    pub replayed_records: u64,
    /// Valid WAL frames whose payload failed to decode as a batch; skipped.
    pub corrupt_frames: u64,
    /// WAL frames skipped because committed segments already hold them.
    pub skipped_frames: u64,
    /// The WAL's own replay summary, including its damage reports (torn tail etc.).
    pub wal: Replay,
    /// Segments loaded, and their rows.
    pub segments: usize,
    pub segment_rows: u64,
    /// Damaged segment files (checksum, length, metadata): moved to `<dir>/quarantine/`.
    pub corrupt_segments: Vec<PathBuf>,
    /// Leftovers of interrupted writes or unfinished deletions that were removed.
    pub removed_files: Vec<PathBuf>,
    /// The state file was unreadable; the highest segment WAL position was used instead.
    pub corrupt_state: bool,
}

/// Default of [`StoreOptions::query_memory_bytes`].
pub const DEFAULT_QUERY_MEMORY_BYTES: usize = 512 << 20;

/// How long an append waits for a seal to make room in the head before going on.
const HEAD_WAIT_LIMIT: Duration = Duration::from_secs(5);

/// Counters for tests, benchmarks and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Rows in every head: the active one and those being sealed.
    pub head_rows: usize,
    /// Heads waiting to be (or being) written to segments, and their rows: the seal backlog.
    pub frozen_heads: usize,
    pub frozen_rows: usize,
    pub segments: usize,
    pub segment_rows: u64,
    /// Data, metadata and index files.
    pub segment_bytes: u64,
    pub cache_bytes: usize,
    /// The query memory budget: limit, use now, peak, waits.
    pub query_memory: BudgetStats,
    /// WAL appends since open.
    pub wal: WalStats,
}

pub(crate) struct Inner {
    dir: PathBuf,
    seg_dir: PathBuf,
    opts: StoreOptions,
    wal: Wal,
    /// Appends hold it shared across WAL append + head insert; a seal holds it exclusively
    /// to swap heads, so every frame at or below the noted position is in the frozen head.
    gate: RwLock<()>,
    published: RwLock<Published>,
    last_lsn: Mutex<Option<Lsn>>,
    /// Serializes seals and commits, and holds the durable state.
    durable: Mutex<Durable>,
    /// Held by a whole compaction (which runs beside sealing, on its own thread) and by
    /// retention, so no segment is retired while a merge reads it. Taken before `durable`.
    compacting: Mutex<()>,
    /// Ids of retired segments whose files are gone (pushed by `Segment::drop`).
    deleted: Arc<Mutex<Vec<u64>>>,
    cache: BatchCache,
    budget: Arc<MemoryBudget>,
    /// Largest `observed_timestamp_us` visible; `i64::MIN` when empty.
    max_observed_us: AtomicI64,
    /// Batches between "started appending" and "visible": id -> smallest observed time.
    in_flight: Mutex<HashMap<u64, i64>>,
    next_batch: AtomicU64,
    /// Segments found damaged by queries (also moved to quarantine by maintenance).
    runtime_corrupt: Mutex<Vec<PathBuf>>,
    /// Wakes the maintenance thread; `true` asks it to stop.
    wake: (Mutex<bool>, Condvar),
    /// Told about seals and compactions (`EmbeddedStore::set_observer`).
    observer: OnceLock<Arc<dyn StoreObserver>>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn write_lock<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(PoisonError::into_inner)
}

/// WAL + head + segments. See the module docs.
pub struct EmbeddedStore {
    inner: Arc<Inner>,
    /// The maintenance and compaction threads.
    maintenance: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore").field("dir", &self.inner.dir).finish_non_exhaustive()
    }
}

impl EmbeddedStore {
    /// Opens (creating if needed) the store in `dir` with default options.
    pub fn open(dir: &Path) -> Result<(EmbeddedStore, OpenReport), StoreError> {
        Self::open_with(dir, StoreOptions::default())
    }

    /// Opens the store: loads segment metadata, replays the WAL past the committed position.
    /// Fails only on I/O errors or if another process holds the WAL.
    pub fn open_with(dir: &Path, opts: StoreOptions) -> Result<(EmbeddedStore, OpenReport), StoreError> {
        let background = opts.background;
        let (inner, report) = open::open(dir, opts)?;
        let inner = Arc::new(inner);
        let maintenance = if background { maintain::spawn(&inner) } else { Vec::new() };
        Ok((EmbeddedStore { inner, maintenance }, report))
    }

    /// Seals the head into segments now and truncates the WAL; returns when durable.
    pub fn flush(&self) -> Result<(), StoreError> {
        let mut durable = lock(&self.inner.durable);
        self.inner.seal(&mut durable).map_err(StoreError::Write)
    }

    /// Test hook: a seal's first step only, so reads see a frozen head until the next seal.
    #[doc(hidden)]
    pub fn freeze_head(&self) {
        let _durable = lock(&self.inner.durable);
        self.inner.freeze();
    }

    /// Runs compaction until no team-hour qualifies.
    pub fn compact(&self) -> Result<(), StoreError> {
        while self.inner.compact_once().map_err(StoreError::Write)? {}
        Ok(())
    }

    pub fn stats(&self) -> StoreStats {
        self.inner.stats()
    }

    /// Reports WAL syncs, seals and compactions to `observer` from now on. Set once: a
    /// second call is ignored and returns false.
    pub fn set_observer(&self, observer: Arc<dyn StoreObserver>) -> bool {
        let wal = self.inner.wal.set_observer(Arc::clone(&observer));
        self.inner.observer.set(observer).is_ok() && wal
    }

    /// Checks now every segment found at open whose whole-file checksum the background scrub
    /// has not checked yet; damaged ones are skipped from now on and reported by
    /// [`Self::corrupt_segments`].
    pub fn scrub(&self) {
        self.inner.scrub(u64::MAX);
    }

    /// Segments queries or the scrub found damaged since open (they are skipped, then
    /// quarantined).
    pub fn corrupt_segments(&self) -> Vec<PathBuf> {
        lock(&self.inner.runtime_corrupt).clone()
    }

    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }
}

impl Drop for EmbeddedStore {
    fn drop(&mut self) {
        *lock(&self.inner.wake.0) = true;
        self.inner.wake.1.notify_all();
        for t in self.maintenance.drain(..) {
            let _ = t.join();
        }
    }
}

impl Inner {
    fn stats(&self) -> StoreStats {
        let p = read(&self.published);
        let segments = p.all_segments();
        let frozen_rows = p.frozen.iter().map(|(h, _)| h.rows()).sum();
        StoreStats {
            head_rows: p.active.rows() + frozen_rows,
            frozen_heads: p.frozen.len(),
            frozen_rows,
            segments: segments.len(),
            segment_rows: segments.iter().map(|s| s.meta.rows).sum(),
            segment_bytes: segments
                .iter()
                .map(|s| {
                    let len = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
                    s.meta.data_len + len(&s.meta_path) + len(&s.index_path)
                })
                .sum(),
            cache_bytes: self.cache.bytes(),
            query_memory: self.budget.stats(),
            wal: self.wal.stats(),
        }
    }

    /// Tells the observer, if there is one.
    fn notify(&self, event: impl FnOnce(&dyn StoreObserver)) {
        if let Some(o) = self.observer.get() {
            event(o.as_ref());
        }
    }

    /// How segments are written: fresh from the head (`sealing`) or compacted.
    fn write_options(&self, sealing: bool) -> crate::segment::write::WriteOptions {
        crate::segment::write::WriteOptions {
            batch_rows: self.opts.batch_rows,
            zstd_level: if sealing { self.opts.seal_zstd_level } else { self.opts.zstd_level },
            index_zstd_level: if sealing {
                self.opts.seal_zstd_level
            } else {
                crate::segment::index::ZSTD_LEVEL
            },
        }
    }

    fn wake_maintenance(&self) {
        self.wake.1.notify_all();
    }

    /// Backpressure: the in-memory head costs several times its rows' raw size, so an
    /// append waits while the active head is full (`seal_rows`) and an older head is still
    /// being written, or while it holds 1.25 × `seal_rows` (maintenance busy elsewhere).
    /// Bounded: after [`HEAD_WAIT_LIMIT`] it goes on, so a stuck seal cannot stop ingest.
    fn wait_for_head_room(&self) {
        let full = || {
            let p = read(&self.published);
            let rows = p.active.rows();
            rows >= self.opts.seal_rows
                && (!p.frozen.is_empty()
                    || rows >= self.opts.seal_rows.saturating_add(self.opts.seal_rows / 4))
        };
        let started = Instant::now();
        while full() && started.elapsed() < HEAD_WAIT_LIMIT {
            self.wake_maintenance();
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// Removes an in-flight registration however `append` exits.
struct InFlight<'a> {
    map: &'a Mutex<HashMap<u64, i64>>,
    id: u64,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        lock(self.map).remove(&self.id);
    }
}

impl LogStore for EmbeddedStore {
    fn append(&self, team_id: i64, mut records: Vec<LogRecord>) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let inner = &*self.inner;
        for r in &mut records {
            r.team_id = team_id;
        }
        let min_observed = records.iter().map(|r| r.observed_timestamp_us).min().unwrap_or(i64::MAX);
        let max_observed = records.iter().map(|r| r.observed_timestamp_us).max().unwrap_or(i64::MIN);
        let id = inner.next_batch.fetch_add(1, Ordering::Relaxed);
        lock(&inner.in_flight).insert(id, min_observed);
        let _guard = InFlight { map: &inner.in_flight, id };

        if inner.opts.background {
            inner.wait_for_head_room();
        }
        let mut payload = Vec::new();
        encode_batch(team_id, &records, &mut payload);
        let head = {
            let _gate = read(&inner.gate);
            let lsn = inner.wal.append(&payload).map_err(|e| StoreError::Write(e.to_string()))?;
            let mut last = lock(&inner.last_lsn);
            *last = Some(last.map_or(lsn, |l| l.max(lsn)));
            drop(last);
            let head = Arc::clone(&read(&inner.published).active);
            head.insert(team_id, records);
            head
        };
        inner.max_observed_us.fetch_max(max_observed, Ordering::AcqRel);
        if head.rows() >= inner.opts.seal_rows {
            inner.wake_maintenance();
        }
        Ok(())
    }

    fn list(&self, req: &ListRequest<'_>) -> Result<Vec<LogRecord>, StoreError> {
        self.inner.list(req)
    }

    fn scan(
        &self,
        req: &ScanRequest<'_>,
        visit: &mut dyn FnMut(&LogRecord) -> bool,
    ) -> Result<(), StoreError> {
        self.inner.scan(req, visit)
    }

    fn count_matching(&self, req: &ScanRequest<'_>) -> Result<Option<u64>, StoreError> {
        self.inner.count_matching(req)
    }

    fn rollups(
        &self,
        team_id: i64,
        from_us: i64,
        to_us: i64,
        visit: &mut dyn FnMut(&CountCell<'_>),
    ) -> Result<(), StoreError> {
        self.inner.rollups(team_id, from_us, to_us, visit);
        Ok(())
    }

    fn attribute_stats(
        &self,
        req: &AttributeStatsRequest<'_>,
        visit: &mut dyn FnMut(&str, Option<&str>, u64),
    ) -> Result<(), StoreError> {
        self.inner.attribute_stats(req, visit);
        Ok(())
    }

    fn has_logs(&self, team_id: i64) -> Result<bool, StoreError> {
        Ok(self.inner.has_logs(team_id))
    }

    fn checkpoint_us(&self) -> i64 {
        // Read the in-flight set first: a batch leaving it has already updated the maximum.
        let in_flight_min = lock(&self.inner.in_flight).values().min().copied();
        let max = self.inner.max_observed_us.load(Ordering::Acquire);
        let visible = if max == i64::MIN { 0 } else { max.saturating_add(1) };
        in_flight_min.map_or(visible, |m| m.min(visible))
    }

    fn drop_before(&self, team_id: i64, cutoff_us: i64) -> Result<u64, StoreError> {
        let _no_merge = lock(&self.inner.compacting);
        let mut durable = lock(&self.inner.durable);
        self.inner.drop_before(&mut durable, team_id, cutoff_us).map_err(StoreError::Write)
    }
}

#[cfg(test)]
mod tests;
