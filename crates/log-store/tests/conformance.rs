//! The `LogStore` conformance suite (`logs_query::testsuite`) on the embedded store, three
//! ways: as the server runs it; tiered, so every answer mixes segments (small and
//! compacted), a frozen head and the active head; and tiered then restarted (closed and
//! reopened from its directory) before every read. The in-memory store runs the same suite
//! in logs-query's own tests.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use log_store::{EmbeddedStore, StoreOptions};
use logs_query::testsuite::StoreFactory;
use logs_query::{
    AttributeStatsRequest, CountCell, ListRequest, LogRecord, LogStore, ScanRequest, StoreError,
};
use support::{TempDir, open, temp_dir};

/// Splits every append in three: the first third is sealed into segments, the second left
/// in a frozen head, the last in the active head (each seal also takes the previous
/// append's frozen and active rows). Every fourth append compacts.
struct Tiered {
    store: EmbeddedStore,
    appends: AtomicUsize,
}

impl LogStore for Tiered {
    fn append(&self, team_id: i64, mut records: Vec<LogRecord>) -> Result<(), StoreError> {
        let mut frozen = records.split_off(records.len() / 3);
        let active = frozen.split_off(frozen.len() / 2);
        self.store.append(team_id, records)?;
        self.store.flush()?;
        if self.appends.fetch_add(1, Ordering::Relaxed) % 4 == 3 {
            self.store.compact()?;
        }
        self.store.append(team_id, frozen)?;
        self.store.freeze_head();
        self.store.append(team_id, active)
    }

    fn list(&self, req: &ListRequest<'_>) -> Result<Vec<LogRecord>, StoreError> {
        self.store.list(req)
    }

    fn scan(
        &self,
        req: &ScanRequest<'_>,
        visit: &mut dyn FnMut(&LogRecord) -> bool,
    ) -> Result<(), StoreError> {
        self.store.scan(req, visit)
    }

    fn rollups(
        &self,
        team_id: i64,
        from_us: i64,
        to_us: i64,
        visit: &mut dyn FnMut(&CountCell<'_>),
    ) -> Result<(), StoreError> {
        self.store.rollups(team_id, from_us, to_us, visit)
    }

    fn attribute_stats(
        &self,
        req: &AttributeStatsRequest<'_>,
        visit: &mut dyn FnMut(&str, Option<&str>, u64),
    ) -> Result<(), StoreError> {
        self.store.attribute_stats(req, visit)
    }

    fn has_logs(&self, team_id: i64) -> Result<bool, StoreError> {
        self.store.has_logs(team_id)
    }

    fn checkpoint_us(&self) -> i64 {
        self.store.checkpoint_us()
    }

    fn drop_before(&self, team_id: i64, cutoff_us: i64) -> Result<u64, StoreError> {
        self.store.drop_before(team_id, cutoff_us)
    }
}

/// Tiny batches and segments, no background thread: the tiers are exactly as `Tiered`
/// leaves them.
fn tiered_opts() -> StoreOptions {
    StoreOptions {
        background: false,
        batch_rows: 16,
        seal_rows: 8,
        seal_age: Duration::from_secs(3600),
        compact_min_segments: 3,
        compact_small_rows: 200,
        ..StoreOptions::default()
    }
}

struct Embedded {
    dir: TempDir,
    opts: StoreOptions,
    tiered: bool,
    restart: bool,
}

impl Embedded {
    /// The server's options: background sealing and compaction.
    fn server() -> Self {
        Self { dir: temp_dir("conformance"), opts: StoreOptions::default(), tiered: false, restart: false }
    }

    fn tiered(restart: bool) -> Self {
        Self { dir: temp_dir("conformance-tiered"), opts: tiered_opts(), tiered: true, restart }
    }

    fn open_store(&self) -> Box<dyn LogStore> {
        let store = open(self.dir.path(), self.opts.clone());
        if self.tiered { Box::new(Tiered { store, appends: AtomicUsize::new(0) }) } else { Box::new(store) }
    }
}

impl StoreFactory for Embedded {
    fn open(&mut self) -> Box<dyn LogStore> {
        self.open_store()
    }

    fn reopen(&mut self, store: Box<dyn LogStore>) -> Box<dyn LogStore> {
        if !self.restart {
            return store;
        }
        drop(store);
        self.open_store()
    }
}

logs_query::logstore_conformance_suite!(embedded, Embedded::server());
logs_query::logstore_conformance_suite!(embedded_tiered, Embedded::tiered(false));
logs_query::logstore_conformance_suite!(embedded_restarted, Embedded::tiered(true));

/// The tiered set-up does what it says: after loading, the store holds segments (some
/// compacted), a frozen head and an active head at once.
#[test]
fn tiered_store_mixes_segments_a_frozen_head_and_the_head() {
    let dir = temp_dir("tiered-check");
    let tiered = Tiered { store: open(dir.path(), tiered_opts()), appends: AtomicUsize::new(0) };
    let rows = logs_query::testsuite::data::dataset(3, 1500);
    logs_query::testsuite::data::append_grouped(&tiered, &rows, 200);
    let stats = tiered.store.stats();
    assert!(stats.segments > 0 && stats.segment_rows > 0, "{stats:?}");
    assert_eq!(stats.frozen_heads, 1, "{stats:?}");
    assert!(stats.head_rows as u64 > 0 && (stats.segment_rows as usize) < rows.len(), "{stats:?}");
    support::check(&tiered, &rows, "tiered");
}
